/* Snapshot ownership, totals and lookup. */
#include "vmscope/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/util.h"

static const char *const class_names[RC_COUNT] = {
    "text", "data", "bss", "heap", "mmap", "stack", "other",
};

const char *region_class_name(enum region_class c)
{
    return (unsigned)c < RC_COUNT ? class_names[c] : "other";
}

int region_class_from_name(const char *name)
{
    for (int i = 0; i < RC_COUNT; i++)
        if (strcmp(class_names[i], name) == 0)
            return i;
    return -1;
}

void snapshot_free(struct snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_regions; i++)
        free(s->vmas[i].name);
    free(s->vmas);
    free(s->regions);
    for (size_t i = 0; i < s->n_objects; i++)
        free(s->objects[i]);
    free(s->objects);
    identity_free(&s->proc);
    free(s);
}

struct slot {
    const char *str;
    size_t index;
};

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct slot *)a)->str,
              y = (uintptr_t)((const struct slot *)b)->str;
    return x < y ? -1 : x > y;
}

/* A string of s's table maps to the same slot of the copy's table; any
 * other (static) string is kept as it is. The table is looked up sorted by
 * address: a file read back may name a different object for every region. */
static const char *remap(const struct slot *slots, size_t n, const struct snapshot *to,
                         const char *str)
{
    struct slot key = {str, 0};
    const struct slot *hit = str ? bsearch(&key, slots, n, sizeof *slots, by_address) : NULL;
    return hit ? to->objects[hit->index] : str;
}

struct snapshot *snapshot_clone(const struct snapshot *s)
{
    struct snapshot *c = xcalloc(1, sizeof *c);
    *c = *s;
    identity_copy(&c->proc, &s->proc);
    c->objects = xcalloc(s->n_objects + 1, sizeof *c->objects);
    struct slot *slots = xcalloc(s->n_objects + 1, sizeof *slots);
    for (size_t i = 0; i < s->n_objects; i++) {
        c->objects[i] = xstrdup(s->objects[i]);
        slots[i] = (struct slot){s->objects[i], i};
    }
    qsort(slots, s->n_objects, sizeof *slots, by_address);
    c->vmas = xcalloc(s->n_regions + 1, sizeof *c->vmas);
    c->regions = xcalloc(s->n_regions + 1, sizeof *c->regions);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        c->vmas[i] = *r->vma;
        c->vmas[i].name = xmemdup0(r->vma->name, r->vma->name_len);
        c->regions[i] = *r;
        c->regions[i].vma = &c->vmas[i];
        c->regions[i].subclass = remap(slots, s->n_objects, c, r->subclass);
        c->regions[i].object = remap(slots, s->n_objects, c, r->object);
    }
    free(slots);
    return c;
}

/* Saturating: a file can claim any sizes, and a total that wrapped past
 * 2^64 would show a small number for a huge one. */
static void add_sat(uint64_t *t, uint64_t v)
{
    *t = *t > UINT64_MAX - v ? UINT64_MAX : *t + v;
}

static void add_to(struct class_totals *t, const struct vma *v)
{
    add_sat(&t->vsz, vma_size(v));
    add_sat(&t->rss, v->field[SMAPS_RSS]);
    add_sat(&t->pss, v->field[SMAPS_PSS]);
    add_sat(&t->swap, v->field[SMAPS_SWAP]);
    t->regions++;
}

void snapshot_compute_totals(struct snapshot *s)
{
    memset(&s->totals, 0, sizeof s->totals);
    memset(s->by_class, 0, sizeof s->by_class);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        add_to(&s->totals, r->vma);
        add_to(&s->by_class[r->cls < RC_COUNT ? r->cls : RC_OTHER], r->vma);
    }
}

static bool saturated(const struct class_totals *t)
{
    return t->vsz == UINT64_MAX || t->rss == UINT64_MAX || t->pss == UINT64_MAX ||
           t->swap == UINT64_MAX;
}

static void take_from(struct class_totals *t, const struct vma *v)
{
    t->vsz -= vma_size(v);
    t->rss -= v->field[SMAPS_RSS];
    t->pss -= v->field[SMAPS_PSS];
    t->swap -= v->field[SMAPS_SWAP];
    t->regions--;
}

bool snapshot_totals_replace(struct snapshot *s, const struct vma *old, enum region_class old_cls,
                             const struct region *now)
{
    struct class_totals *from = &s->by_class[old_cls < RC_COUNT ? old_cls : RC_OTHER];
    /* below the cap every partial sum was exact, so taking a part out is */
    if (saturated(&s->totals) || saturated(from))
        return false;
    take_from(&s->totals, old);
    take_from(from, old);
    add_to(&s->totals, now->vma);
    add_to(&s->by_class[now->cls < RC_COUNT ? now->cls : RC_OTHER], now->vma);
    return true;
}

const struct region *snapshot_find(const struct snapshot *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n_regions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct vma *v = s->regions[mid].vma;
        if (addr < v->start)
            hi = mid;
        else if (addr >= v->end)
            lo = mid + 1;
        else
            return &s->regions[mid];
    }
    return NULL;
}
