/* loop: the one event loop every mode runs (architecture.md "Sources and
 * sinks"): samples a source on its timer, passes its news, keys and
 * samples to a sink, and owns the stop signals, the end of the target
 * (exit detection), terminal loss and the exit status. */
#ifndef VMSCOPE_LOOP_H
#define VMSCOPE_LOOP_H

#include <stdbool.h>

#include "vmscope/sink.h"
#include "vmscope/source.h"

/* Full smaps (a page-table walk of every VMA, on two threads) every
 * LOOP_FULL_EVERY ticks; the ticks between read maps and a residency
 * census, which cost about a fifth (bench/bench_live.sh). */
#define LOOP_FULL_EVERY 20
/* Between them, a light sample every LOOP_LIGHT_EVERY ticks; the others
 * are gated (source.h SAMPLE_GATED): they read /proc/PID/status and stop
 * there when nothing moved. A change the status does not show (an
 * mprotect that splits a VMA) shows within LOOP_LIGHT_EVERY ticks. */
#define LOOP_LIGHT_EVERY 5

struct loop_options {
    long samples;      /* stop after this many samples (-n), 0: no limit */
    double duration;   /* stop after this many seconds (-d), 0: no limit */
    bool drain;        /* stopping early: kill a target whose end the source reports
                        * (SOURCE_REPORTS_END) and wait for its last state */
    bool light;        /* light and gated samples between full ones (a view, a recording) */
    bool grid;         /* keep the grid of sample times (a recording); else a whole
                        * interval after each sample (a view) */
};

/* Runs src -> sink until the end; returns the process exit status
 * (EXIT_OK, EXIT_FAILURE_RUNTIME, or 128 + the signal that stopped it,
 * SIGINT counting as a normal stop). */
int loop_run(struct source *src, struct sink *sink, const struct loop_options *o);

/* Keys and drawing only, no source (the picker): the same signals,
 * terminal loss and exit status as loop_run, until the sink quits; a
 * sink with an interval is also drawn every interval (its refresh). */
int loop_keys(struct sink *k);

#endif
