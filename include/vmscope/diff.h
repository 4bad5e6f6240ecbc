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

struct snapshot_diff {
    const struct snapshot *from, *to;
    struct delta_totals total, by_class[RC_COUNT];
    const struct region **added, **removed;
    size_t n_added, n_removed;
    struct region_change *changed;
    size_t n_changed;
};

void diff_compute(const struct snapshot *from, const struct snapshot *to, struct snapshot_diff *d);
void diff_free(struct snapshot_diff *d);

#endif
