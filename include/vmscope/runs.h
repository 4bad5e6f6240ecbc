/* runs: repeating neighbour patterns in the address space (chromium's
 * "4K rw + 2M ---" x 400, JVM thread stacks and their guards), so a list
 * can show one "x N" row for them, like VMMap. Pure arithmetic. */
#ifndef VMSCOPE_RUNS_H
#define VMSCOPE_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "vmscope/snapshot.h"

#define RUNS_MAX_PERIOD 4 /* a pattern of up to this many regions */
#define RUNS_MIN_REPEAT 3 /* repeated at least this often */

/* order[first, first + period * count): a pattern of period items
 * repeated count times (count 1: items that repeat nothing). */
struct region_run {
    size_t first, period, count;
};

/* The runs of n items where same(ctx, i, j) says items i and j look alike:
 * from the left, the pattern (up to RUNS_MAX_PERIOD long, shortest first
 * among equals) that covers the most items at least RUNS_MIN_REPEAT times;
 * items of no such run are runs of their own (period 1, count 1). *out is
 * allocated; returns how many runs. */
size_t runs_find(size_t n, bool (*same)(void *ctx, size_t i, size_t j), void *ctx,
                 struct region_run **out);
/* runs_find over order[0, n) (indexes into s->regions): alike are regions
 * of the same size, permissions, class, subclass and name. */
size_t region_runs(const struct snapshot *s, const size_t *order, size_t n,
                   struct region_run **out);

#endif
