/* perfetto: a recording (or one snapshot) as a Chrome JSON trace
 * ({"traceEvents": [...]}), which ui.perfetto.dev and chrome://tracing
 * open. Per sample: "C" counters of RSS and VSZ by class and of the
 * heap-versus-mmap series (brk heap, each malloc arena, anonymous mmaps),
 * and "i" instants for the regions that appeared or disappeared since the
 * sample before. Each traced call is an event on its thread's track with
 * its arguments and result. "M" events name the processes and threads.
 * Timestamps are microseconds from the first sample (or event).
 *
 * A call's stack (vmscope.stack lines, "stack": N in the event) goes into
 * its arguments; a call with "duration_ns" is a complete event.
 *
 * Streaming: events are written as they come, and the writer keeps only the
 * previous sample, the ids it has named and the call stacks (bounded), so
 * memory does not grow with the length of the recording. */
#ifndef VMSCOPE_PERFETTO_H
#define VMSCOPE_PERFETTO_H

#include <stdint.h>
#include <stdio.h>

#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"

struct perfetto_writer;

/* A writer onto fp; flags are enum export_flags (EXPORT_TO_TERMINAL:
 * ASCII-only strings). Writes nothing until the first add. */
struct perfetto_writer *perfetto_writer_new(FILE *fp, unsigned flags);
/* The next sample (borrowed: the writer keeps its own copy for the next
 * diff). Returns 0 or -errno from writing; once a write failed every call
 * returns that error. */
int perfetto_add_sample(struct perfetto_writer *w, const struct snapshot *s);
/* One traced call: an instant when it returned. */
int perfetto_add_event(struct perfetto_writer *w, const struct syscall_event *e);
/* The same with what a recording may add: how long the call took (then a
 * complete event from its start; 0: unknown) and the id of its call stack
 * (-1: none). */
int perfetto_add_call(struct perfetto_writer *w, const struct syscall_event *e,
                      uint64_t duration_ns, int64_t stack_id);
/* A call stack later calls name by id (a recording's vmscope.stack line):
 * frames_json is its "frames" array as JSON text, copied. Stacks are kept
 * up to PERFETTO_STACK_BYTES in all; a call naming one past that, or one
 * never given, gets its id alone. */
#define PERFETTO_STACK_BYTES ((size_t)32 << 20)
void perfetto_add_stack(struct perfetto_writer *w, int64_t id, const char *frames_json);
/* Closes the JSON document and flushes. Returns 0 or -errno. */
int perfetto_writer_finish(struct perfetto_writer *w);
void perfetto_writer_free(struct perfetto_writer *w);

/* One snapshot as a trace of one sample. */
int export_perfetto(const struct snapshot *s, unsigned flags, FILE *fp);
/* A snapshot file or a recording at path, streamed sample by sample.
 * Returns 0; -errno from reading with *why set (allocated, one sanitised
 * line); or -errno from writing with *why NULL. */
int export_perfetto_file(const char *path, unsigned flags, FILE *fp, char **why);

#endif
