/* diff: what changed between two snapshots of a process: per-class and
 * total deltas, and the regions added, removed and changed (matched by
 * start address). Pointers stay valid as long as both snapshots do. */
#ifndef VMSCOPE_DIFF_H
#define VMSCOPE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

struct delta_totals {
    int64_t vsz, rss, pss, swap, regions;
};

struct region_change {
    const struct region *before, *after;
};

/* An object ASLR placed elsewhere in the second run: a file by its path,
 * or a kernel-named area ("[heap]", "[stack]", "[vdso]"). */
struct diff_move {
    const char *name; /* the from snapshot's (NUL-terminated) */
    int64_t shift;    /* to's base minus from's */
};

struct snapshot_diff {
    const struct snapshot *from, *to;
    struct delta_totals total, by_class[RC_COUNT];
    const struct region **added, **removed;
    size_t n_added, n_removed;
    struct region_change *changed;
    size_t n_changed;
    struct diff_move *moved; /* diff_compute_runs() only; sorted by from's address */
    size_t n_moved;
};

/* Regions matched by start address: one process at two moments. */
void diff_compute(const struct snapshot *from, const struct snapshot *to, struct snapshot_diff *d);
/* The same, but when the two may be two runs of one program: if ASLR
 * placed an object elsewhere (a file's start - offset, the heap's start,
 * the stack's end, the vdso's start), regions are matched by object and
 * offset, and anonymous ones by class and the shift of their nearest named
 * neighbour (below, else above); what moved is listed in moved, and only
 * what has no counterpart is added or removed. Without a move it is
 * exactly diff_compute(). */
void diff_compute_runs(const struct snapshot *from, const struct snapshot *to,
                       struct snapshot_diff *d);
/* "+0x1a2000" / "-0x1000". */
void diff_format_shift(char *out, size_t size, int64_t shift);
/* "libc.so.6 moved +0x1a2000 (/usr/lib/x86_64-linux-gnu/libc.so.6)",
 * sanitised, appended to b. */
struct buf;
void diff_move_line(struct buf *b, const struct diff_move *m);
void diff_free(struct snapshot_diff *d);

#endif
