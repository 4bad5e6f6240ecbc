/* Differences between two snapshots (see diff.h). */
#include "vmscope/diff.h"
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <stdbool.h>
#include <stdio.h>
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

/* An object's anchor: what stays put relative to it across runs. */
struct anchor {
    const char *name;
    uint64_t at;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct anchor *)a)->name, ((const struct anchor *)b)->name);
}

/* The stack grows down from its end; the rest is placed by its start
 * (a file by start - offset: its load base). 0: not an object. */
static bool anchor_of(const struct vma *v, uint64_t *at)
{
    if (!v->name_len)
        return false;
    if (v->name[0] == '/')
        *at = v->start - v->offset;
    else if (strcmp(v->name, "[stack]") == 0)
        *at = v->end;
    else if (v->name[0] == '[')
        *at = v->start;
    else
        return false;
    return true;
}

/* One anchor per name (the lowest; the stack's highest), sorted by name. */
static struct anchor *anchors(const struct snapshot *s, size_t *n)
{
    struct anchor *a = xcalloc(s->n_regions + 1, sizeof *a);
    size_t k = 0;
    for (size_t i = 0; i < s->n_regions; i++) {
        uint64_t at;
        if (anchor_of(s->regions[i].vma, &at))
            a[k++] = (struct anchor){s->regions[i].vma->name, at};
    }
    qsort(a, k, sizeof *a, by_name);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && strcmp(a[m - 1].name, a[i].name) == 0) {
            bool stack = strcmp(a[i].name, "[stack]") == 0;
            if (stack ? a[i].at > a[m - 1].at : a[i].at < a[m - 1].at)
                a[m - 1].at = a[i].at;
        } else {
            a[m++] = a[i];
        }
    }
    *n = m;
    return a;
}

static const struct anchor *find_anchor(const struct anchor *a, size_t n, const char *name)
{
    struct anchor key = {name, 0};
    return bsearch(&key, a, n, sizeof *a, by_name);
}

/* The region of s starting exactly at start, or NULL. */
static long region_at(const struct snapshot *s, uint64_t start)
{
    const struct region *r = snapshot_find(s, start);
    return r && r->vma->start == start ? r - s->regions : -1;
}

static bool moved_pair_changed(const struct region *x, const struct region *y)
{
    const struct vma *a = x->vma, *b = y->vma;
    return vma_size(a) != vma_size(b) || memcmp(a->perms, b->perms, 4) != 0 || x->cls != y->cls ||
           x->subclass != y->subclass || a->field[SMAPS_RSS] != b->field[SMAPS_RSS] ||
           a->field[SMAPS_PSS] != b->field[SMAPS_PSS] ||
           a->field[SMAPS_SWAP] != b->field[SMAPS_SWAP] || a->inode != b->inode;
}

struct shifts {
    const struct anchor *from, *to;
    size_t n_from, n_to;
};

/* The shift of a named region's object; found false when it is in one run only. */
static int64_t name_shift(const struct shifts *sh, const char *name, bool *found)
{
    const struct anchor *a = find_anchor(sh->from, sh->n_from, name);
    const struct anchor *b = find_anchor(sh->to, sh->n_to, name);
    *found = a && b;
    return *found ? (int64_t)(b->at - a->at) : 0;
}

/* Region i of from's counterpart in to, or -1: the same name (or, for an
 * anonymous one, the same class) at its start plus a shift. */
static long counterpart(const struct snapshot *from, const struct snapshot *to, size_t i,
                        const struct shifts *sh, const bool *taken)
{
    const struct region *x = &from->regions[i];
    int64_t tries[3];
    int n = 0;
    bool found;
    if (x->vma->name_len) {
        tries[n++] = name_shift(sh, x->vma->name, &found);
    } else {
        /* the nearest named neighbours, below then above, then in place */
        for (size_t k = i; k-- > 0;)
            if (from->regions[k].vma->name_len) {
                int64_t s = name_shift(sh, from->regions[k].vma->name, &found);
                if (found) {
                    tries[n++] = s;
                    break;
                }
            }
        for (size_t k = i + 1; k < from->n_regions; k++)
            if (from->regions[k].vma->name_len) {
                int64_t s = name_shift(sh, from->regions[k].vma->name, &found);
                if (found) {
                    tries[n++] = s;
                    break;
                }
            }
        tries[n++] = 0;
    }
    for (int t = 0; t < n; t++) {
        long j = region_at(to, x->vma->start + (uint64_t)tries[t]);
        if (j < 0 || taken[j])
            continue;
        const struct region *y = &to->regions[j];
        bool same = x->vma->name_len ? strcmp(x->vma->name, y->vma->name) == 0
                                     : !y->vma->name_len && x->cls == y->cls;
        if (same)
            return j;
    }
    return -1;
}

void diff_compute_runs(const struct snapshot *from, const struct snapshot *to,
                       struct snapshot_diff *d)
{
    diff_compute(from, to, d);
    struct shifts sh;
    struct anchor *af = anchors(from, &sh.n_from), *at = anchors(to, &sh.n_to);
    sh.from = af;
    sh.to = at;
    /* What moved, in from's address order (its regions' order). */
    d->moved = xcalloc(sh.n_from + 1, sizeof *d->moved);
    for (size_t i = 0; i < from->n_regions; i++) {
        const struct vma *v = from->regions[i].vma;
        uint64_t where;
        bool found;
        if (!anchor_of(v, &where) || find_anchor(af, sh.n_from, v->name)->at != where)
            continue; /* an object is listed at its anchoring region only */
        int64_t s = name_shift(&sh, v->name, &found);
        bool listed = false; /* a file mapped twice from the same base */
        for (size_t k = 0; k < d->n_moved && !listed; k++)
            listed = strcmp(d->moved[k].name, v->name) == 0;
        if (found && s != 0 && !listed)
            d->moved[d->n_moved++] = (struct diff_move){v->name, s};
    }
    if (d->n_moved) {
        /* Pair again, by object and offset. */
        bool *taken = xcalloc(to->n_regions + 1, sizeof *taken);
        d->n_added = d->n_removed = d->n_changed = 0;
        for (size_t i = 0; i < from->n_regions; i++) {
            long j = counterpart(from, to, i, &sh, taken);
            const struct region *x = &from->regions[i];
            if (j < 0) {
                d->removed[d->n_removed++] = x;
                continue;
            }
            taken[j] = true;
            if (moved_pair_changed(x, &to->regions[j]))
                d->changed[d->n_changed++] = (struct region_change){x, &to->regions[j]};
        }
        for (size_t j = 0; j < to->n_regions; j++)
            if (!taken[j])
                d->added[d->n_added++] = &to->regions[j];
        free(taken);
    }
    free(af);
    free(at);
}

void diff_format_shift(char *out, size_t size, int64_t shift)
{
    uint64_t mag = shift < 0 ? 0 - (uint64_t)shift : (uint64_t)shift;
    snprintf(out, size, "%c0x%llx", shift < 0 ? '-' : '+', (unsigned long long)mag);
}

void diff_move_line(struct buf *b, const struct diff_move *m)
{
    const char *base = m->name[0] == '/' && strrchr(m->name, '/')[1] ? strrchr(m->name, '/') + 1
                                                                    : m->name;
    char shift[24];
    diff_format_shift(shift, sizeof shift, m->shift);
    sanitize_display(b, base, strlen(base));
    buf_printf(b, " moved %s", shift);
    if (base != m->name) {
        buf_puts(b, " (");
        sanitize_display(b, m->name, strlen(m->name));
        buf_puts(b, ")");
    }
}

void diff_free(struct snapshot_diff *d)
{
    free(d->added);
    free(d->removed);
    free(d->changed);
    free(d->moved);
    memset(d, 0, sizeof *d);
}
