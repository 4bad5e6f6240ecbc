/* rss_history: RSS per class over a whole run, in bounded memory, for a
 * picture of the run (the SVG chart of a recording). The timeline's ring
 * keeps the newest samples; this keeps all of the run at a falling
 * resolution: when it is full, neighbouring points merge in pairs and
 * each point then stands for twice as many samples. A point is the real
 * sample with the largest total RSS among those it stands for, so peaks
 * survive the merging and the classes of a point still add up. */
#ifndef VMSCOPE_RSS_HISTORY_H
#define VMSCOPE_RSS_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

#define RSS_HISTORY_POINTS 2000

struct rss_point {
    uint64_t monotonic_ns;
    uint64_t rss;                 /* all classes */
    uint64_t class_rss[RC_COUNT];
};

struct rss_history {
    struct rss_point *points; /* count of cap, oldest first */
    size_t count, cap;
    size_t per_point;         /* samples a point stands for (a power of 2) */
    size_t last_fill;         /* samples the last point stands for so far */
    unsigned long samples;    /* samples added in all */
};

/* max_points is rounded up to an even number of at least 2. */
void rss_history_init(struct rss_history *h, size_t max_points);
void rss_history_free(struct rss_history *h);
/* Adds s's per-class RSS (only its totals are read). */
void rss_history_add(struct rss_history *h, const struct snapshot *s);

#endif
