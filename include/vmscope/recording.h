/* recording: snapshots over time as JSON Lines (formats.md): a header,
 * then one sample per line, a full snapshot every RECORDING_KEYFRAME
 * samples and a delta against the previous sample in between (so the file
 * grows with what changes, not with time). Each line is flushed whole: a
 * recording cut off by a kill opens up to its last complete line. */
#ifndef VMSCOPE_RECORDING_H
#define VMSCOPE_RECORDING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"

#define RECORDING_KEYFRAME 100

struct recording_writer {
    FILE *fp;
    struct snapshot *prev; /* owned: the last sample written */
    unsigned long samples;
};

/* Writes the header from the first sample; takes ownership of nothing. */
int recording_start(struct recording_writer *w, FILE *fp, const struct snapshot *first,
                    uint64_t interval_ns);
/* Writes s (full or delta) and keeps it as the base of the next delta:
 * takes ownership of s. Returns 0 or -errno. */
int recording_add(struct recording_writer *w, struct snapshot *s);
/* Writes an exact event line (launch mode with --trace), unflushed: the
 * caller fflush()es after a burst. */
int recording_add_event(struct recording_writer *w, const struct syscall_event *e);
void recording_finish(struct recording_writer *w);

/* Reading a recording sample by sample, one sample in memory. */
struct recording_iter {
    FILE *fp;
    char *path;
    char *line;
    size_t cap;
    struct snapshot *cur; /* the last sample read */
    long index;           /* its index, -1 before the first */
    bool cut;             /* the file ended mid-line */
    /* Optional: called with each event line (launch mode --trace), in file
     * order, as the samples around it are read; a line that does not say
     * what a call did is skipped. Without it, event lines are not parsed. */
    void (*on_event)(void *arg, const struct syscall_event *e);
    void *event_arg;
};
int recording_iter_open(struct recording_iter *it, const char *path, char **why);
/* Reads the next sample: returns 1 with *out borrowed (valid until the
 * next call; snapshot_clone() to keep it), 0 at the end, or -errno with
 * *why set. */
int recording_iter_next(struct recording_iter *it, const struct snapshot **out, char **why);
void recording_iter_close(struct recording_iter *it);

/* Reads sample index (0-based; negative counts from the end) of a
 * recording, keeping one sample in memory at a time. *count receives the
 * number of complete samples for a negative index (the samples read up to
 * the one asked for otherwise), *cut whether the file ended mid-line.
 * Returns 0 or -errno with *why set. */
int recording_read(const char *path, long index, struct snapshot **out, long *count, bool *cut,
                   char **why);
/* True if path starts like a recording (its first line's format). */
bool recording_is(const char *path);

#endif
