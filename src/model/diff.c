/* Differences between two snapshots (see diff.h). */
#include "vmscope/diff.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

static void totals_delta(struct delta_totals *d, const struct class_totals *a,
                         const struct class_totals *b)
{
    d->vsz = (int64_t)b->vsz - (int64_t)a->vsz;
    d->rss = (int64_t)b->rss - (int64_t)a->rss;
    d->pss = (int64_t)b->pss - (int64_t)a->pss;
    d->swap = (int64_t)b->swap - (int64_t)a->swap;
    d->regions = (int64_t)b->regions - (int64_t)a->regions;
}

static bool region_changed(const struct region *x, const struct region *y)
{
    const struct vma *a = x->vma, *b = y->vma;
    return a->end != b->end || memcmp(a->perms, b->perms, 4) != 0 || x->cls != y->cls ||
           x->subclass != y->subclass || a->field[SMAPS_RSS] != b->field[SMAPS_RSS] ||
           a->field[SMAPS_PSS] != b->field[SMAPS_PSS] ||
           a->field[SMAPS_SWAP] != b->field[SMAPS_SWAP] || a->inode != b->inode;
}

void diff_compute(const struct snapshot *from, const struct snapshot *to, struct snapshot_diff *d)
{
    memset(d, 0, sizeof *d);
    d->from = from;
    d->to = to;
    totals_delta(&d->total, &from->totals, &to->totals);
    for (int c = 0; c < RC_COUNT; c++)
        totals_delta(&d->by_class[c], &from->by_class[c], &to->by_class[c]);
    d->added = xcalloc(to->n_regions + 1, sizeof *d->added);
    d->removed = xcalloc(from->n_regions + 1, sizeof *d->removed);
    d->changed = xcalloc(to->n_regions + 1, sizeof *d->changed);
    /* Both are sorted by start: one merge walk. */
    size_t i = 0, j = 0;
    while (i < from->n_regions || j < to->n_regions) {
        const struct region *x = i < from->n_regions ? &from->regions[i] : NULL;
        const struct region *y = j < to->n_regions ? &to->regions[j] : NULL;
        if (x && (!y || x->vma->start < y->vma->start)) {
            d->removed[d->n_removed++] = x;
            i++;
        } else if (y && (!x || y->vma->start < x->vma->start)) {
            d->added[d->n_added++] = y;
            j++;
        } else {
            if (region_changed(x, y))
                d->changed[d->n_changed++] = (struct region_change){x, y};
            i++, j++;
        }
    }
}

void diff_free(struct snapshot_diff *d)
{
    free(d->added);
    free(d->removed);
    free(d->changed);
    memset(d, 0, sizeof *d);
}
