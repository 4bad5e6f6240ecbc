/* recording: snapshots over time as JSON Lines (formats.md): a header,
 * then one sample per line: a full snapshot (a keyframe) once the deltas
 * since the last one weigh half as much as it did (and at least every
 * RECORDING_KEYFRAME samples), a delta against the previous sample in
 * between (so the file grows with what changes, not with time). A delta
 * carries the regions, and the keys of "process" and "status" that
 * changed. Each line is flushed whole: a recording cut off by a kill opens
 * up to its last complete line. Readers seek through an index of the
 * keyframes' offsets (recording_index_*), built in one pass. */
#ifndef VMSCOPE_RECORDING_H
#define VMSCOPE_RECORDING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmscope/crash.h"
#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"

/* At least one keyframe every RECORDING_KEYFRAME samples (an hour at 1 Hz):
 * a delta that changes regions in place is replayed without a pass over
 * every region, so an idle process's samples cost a seek little, and a
 * 12 MB keyframe every 100 of them made 425 MB an hour. */
#define RECORDING_KEYFRAME 3600
/* A keyframe once the deltas since the last one reach 1/RECORDING_DELTA_SHARE
 * of its size: a seek reads about 1.5 keyframes' worth of JSON. Each delta
 * line counts RECORDING_DELTA_LINE_COST bytes more than its length, part of
 * what a line costs to replay beyond its bytes (a 900-byte delta that
 * changes one region takes what 3 KB of keyframe take): the whole of it
 * would put a 12 MB keyframe every 1,900 samples of an idle process whose
 * shared libraries' PSS moves (1.5 KB deltas), 27 MB an hour; this keeps
 * it under 20 MB, and such an hour's last sample within 2 keyframes' time. */
#define RECORDING_DELTA_SHARE 2
#define RECORDING_DELTA_LINE_COST 256

struct recording_writer {
    FILE *fp;
    struct snapshot *prev; /* owned: the last sample written */
    unsigned long samples;
    uint64_t key_bytes;   /* the last keyframe's size, 0 if unknown */
    uint64_t delta_bytes; /* the deltas' since */
    unsigned long since_key;
    /* Which stacks (by id) have had their vmscope.stack line. */
    unsigned char *stacks_written;
    size_t stacks_written_cap;
};

typedef struct json_t json_t;

/* Writes the header from the first sample; takes ownership of nothing. */
int recording_start(struct recording_writer *w, FILE *fp, const struct snapshot *first,
                    uint64_t interval_ns);
/* Writes s (full or delta) and keeps it as the base of the next delta:
 * takes ownership of s. Returns 0 or -errno. */
int recording_add(struct recording_writer *w, struct snapshot *s);
/* Writes an exact event line (launch mode with --trace), unflushed: the
 * caller fflush()es after a burst. An event with a stack first writes the
 * stack's vmscope.stack line, once per recording, and then "stack": id. */
int recording_add_event(struct recording_writer *w, const struct syscall_event *e);
/* Writes the crash line of a program killed by a fault (flushed):
 * {"format":"vmscope.crash","monotonic_ns","pid","tid","signal":"SIGSEGV",
 * "code":"SEGV_MAPERR","addr":"0x...","where":"..."}; where is
 * crash_describe()'s sentence against the last sample written. */
int recording_add_crash(struct recording_writer *w, const struct crash_info *c);
/* A crash line's fields (the other keys are for people); false if doc is
 * not a crash line that reads. */
bool recording_crash_from_doc(json_t *doc, struct crash_info *c);
void recording_finish(struct recording_writer *w);

struct recording_stack_id {
    uint64_t id; /* 0: a free slot */
    const struct stack *stack;
};
/* The stack of a recording's stack id (a vmscope.stack line read so far),
 * or NULL. */
struct recording_iter;
const struct stack *recording_iter_stack(const struct recording_iter *it, uint64_t id);

/* Reading a recording sample by sample, one sample in memory. */
struct recording_iter {
    FILE *fp;
    char *path;
    char *line;
    size_t cap;
    struct snapshot *cur; /* the last sample read */
    long index;           /* its index, -1 before the first */
    bool cut;             /* the file ended mid-line */
    uint64_t mmap_min_addr; /* the header's system.mmap_min_addr, 0 if it has none */
    uint64_t interval_ns;   /* the header's interval_ns, 0 if it has none */
    /* Optional: called with each event line (launch mode --trace), in file
     * order, as the samples around it are read; a line that does not say
     * what a call did is skipped. Without it, event lines are not parsed. */
    void (*on_event)(void *arg, const struct syscall_event *e);
    void *event_arg;
    /* Optional: called (with event_arg) with every line that is not a
     * sample, parsed (an event line just before on_event, a call stack, a
     * kind this reader does not know), for the keys the model has no
     * place for. doc is borrowed for the call. */
    void (*on_line)(void *arg, json_t *doc);
    /* With on_event: the recording's stack ids -> stacks interned in the
     * shared stack table (stack.h), which events then point at (a hash
     * map: ids are the writer's, and a hostile file's may be anything). */
    struct recording_stack_id *stack_ids;
    size_t n_stack_ids, stack_ids_cap;
    /* Whether any event line was seen (with on_event). */
    bool saw_events;
};
int recording_iter_open(struct recording_iter *it, const char *path, char **why);
/* Reads the next sample: returns 1 with *out borrowed (valid until the
 * next call; snapshot_clone() to keep it), 0 at the end, or -errno with
 * *why set. */
int recording_iter_next(struct recording_iter *it, const struct snapshot **out, char **why);
void recording_iter_close(struct recording_iter *it);

/* Seeking. An index of a recording's keyframes, built in one pass over
 * its line boundaries (offsets only); reading sample n costs at most the
 * keyframe before it and the deltas up to n, and reading n + 1 after n
 * costs one delta. A recording cut mid-line reads up to its last complete
 * line. A snapshot file opens as a recording of one sample; a pipe or
 * FIFO is kept in memory as it is read (input.h). The index keeps the
 * file open. open: NULL with errno and *why (one sanitised line) set. */
struct recording_index;
struct recording_index *recording_index_open(const char *path, char **why);
/* Complete sample lines (a line that then fails to read still counts). */
long recording_index_count(const struct recording_index *idx);
/* Whether the file ends mid-line. */
bool recording_index_cut(const struct recording_index *idx);
/* The interval the recording was made at (its header's), 0 if unknown. */
uint64_t recording_index_interval_ns(const struct recording_index *idx);
/* Sample n (negative counts from the end) into *out (owned by the
 * caller). Returns 0 or -errno with *why set. */
int recording_index_read(struct recording_index *idx, long n, struct snapshot **out, char **why);
void recording_index_close(struct recording_index *idx);

/* Reads sample index (0-based; negative counts from the end) of a
 * recording through an index. *count receives the number of complete
 * samples, *cut whether the file ended mid-line. Returns 0 or -errno with
 * *why set. */
int recording_read(const char *path, long index, struct snapshot **out, long *count, bool *cut,
                   char **why);
/* True if path starts like a recording (its first line's format). */
bool recording_is(const char *path);

#endif
