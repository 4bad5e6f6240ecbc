/* Bounded RSS history of a whole run (see rss_history.h). */
#include "vmscope/rss_history.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

void rss_history_init(struct rss_history *h, size_t max_points)
{
    memset(h, 0, sizeof *h);
    h->cap = max_points < 2 ? 2 : max_points + (max_points & 1); /* pairs merge whole */
    h->points = xcalloc(h->cap, sizeof *h->points);
    h->per_point = 1;
}

void rss_history_free(struct rss_history *h)
{
    free(h->points);
    memset(h, 0, sizeof *h);
}

static void point_of(struct rss_point *p, const struct snapshot *s)
{
    p->monotonic_ns = s->monotonic_ns;
    p->rss = 0;
    for (int c = 0; c < RC_COUNT; c++) {
        p->class_rss[c] = s->by_class[c].rss;
        p->rss += s->by_class[c].rss;
    }
}

/* Halve the points: each pair becomes the one of the two with more RSS. */
static void merge_pairs(struct rss_history *h)
{
    for (size_t i = 0; i < h->count / 2; i++) {
        const struct rss_point *a = &h->points[2 * i], *b = a + 1;
        h->points[i] = b->rss > a->rss ? *b : *a;
    }
    h->count /= 2;
    h->per_point *= 2;
    h->last_fill = h->per_point; /* cap is even: the last pair was whole */
}

void rss_history_add(struct rss_history *h, const struct snapshot *s)
{
    struct rss_point p;
    point_of(&p, s);
    h->samples++;
    if (h->count && h->last_fill < h->per_point) {
        struct rss_point *last = &h->points[h->count - 1];
        if (p.rss > last->rss)
            *last = p;
        h->last_fill++;
        return;
    }
    if (h->count == h->cap)
        merge_pairs(h);
    h->points[h->count++] = p;
    h->last_fill = 1;
}
