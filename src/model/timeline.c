/* Bounded timeline of samples and region events (see timeline.h). */
#include "vmscope/timeline.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

const char *alloc_series_name(enum alloc_series s)
{
    static const char *const names[SERIES_COUNT] = {"brk heap", "arenas", "anon mmap",
                                                    "file mmap", "stacks",
                                                    "runtime heap"};
    return (unsigned)s < SERIES_COUNT ? names[s] : "?";
}

const char *timeline_event_name(enum timeline_event_kind k)
{
    static const char *const names[] = {"appeared", "gone", "grew", "shrank", "protection"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void timeline_init(struct timeline *t, size_t max_samples, size_t max_events)
{
    memset(t, 0, sizeof *t);
    t->sample_cap = max_samples ? max_samples : 1;
    t->event_cap = max_events ? max_events : 1;
    t->samples = xcalloc(t->sample_cap, sizeof *t->samples);
    t->events = xcalloc(t->event_cap, sizeof *t->events);
    /* Touch the rings now, so their memory is resident from the start and
     * RSS does not creep up while they fill over the first hour. */
    memset(t->samples, 0, t->sample_cap * sizeof *t->samples);
    memset(t->events, 0, t->event_cap * sizeof *t->events);
}

void timeline_free(struct timeline *t)
{
    free(t->samples);
    free(t->events);
    memset(t, 0, sizeof *t);
}

enum alloc_series alloc_series_of(const struct region *r)
{
    switch (r->cls) {
    case RC_HEAP:
        if (r->subclass == RS_ARENA)
            return SERIES_ARENAS;
        return r->subclass == RS_BRK ? SERIES_BRK : SERIES_RUNTIME;
    case RC_STACK: return SERIES_STACKS;
    case RC_MMAP:
        if (r->subclass == RS_FILE)
            return SERIES_FILE_MMAP;
        return r->subclass == RS_ANON ? SERIES_ANON_MMAP : SERIES_COUNT;
    default: return SERIES_COUNT;
    }
}

static void add_event(struct timeline *t, uint64_t when, enum timeline_event_kind kind,
                      const struct region *before, const struct region *after)
{
    struct timeline_event *e = &t->events[t->event_head];
    t->event_head = (t->event_head + 1) % t->event_cap;
    if (t->event_count < t->event_cap)
        t->event_count++;
    memset(e, 0, sizeof *e);
    const struct region *r = after ? after : before;
    e->monotonic_ns = when;
    e->kind = kind;
    e->cls = r->cls;
    e->start = r->vma->start;
    e->end = r->vma->end;
    e->size_delta = (int64_t)(after ? vma_size(after->vma) : 0) -
                    (int64_t)(before ? vma_size(before->vma) : 0);
    if (before)
        memcpy(e->perms_before, before->vma->perms, 5);
    if (after)
        memcpy(e->perms_after, after->vma->perms, 5);
}

/* Regions are matched by start address: both lists are sorted, so one
 * merge walk finds what appeared, disappeared or changed. */
static uint32_t diff_regions(struct timeline *t, const struct snapshot *a, const struct snapshot *b)
{
    uint32_t n = 0;
    size_t i = 0, j = 0;
    uint64_t when = b->monotonic_ns;
    while (i < a->n_regions || j < b->n_regions) {
        const struct region *x = i < a->n_regions ? &a->regions[i] : NULL;
        const struct region *y = j < b->n_regions ? &b->regions[j] : NULL;
        if (x && (!y || x->vma->start < y->vma->start)) {
            add_event(t, when, EV_DISAPPEARED, x, NULL);
            i++, n++;
        } else if (y && (!x || y->vma->start < x->vma->start)) {
            add_event(t, when, EV_APPEARED, NULL, y);
            j++, n++;
        } else {
            if (y->vma->end > x->vma->end)
                add_event(t, when, EV_GREW, x, y), n++;
            else if (y->vma->end < x->vma->end)
                add_event(t, when, EV_SHRANK, x, y), n++;
            if (memcmp(x->vma->perms, y->vma->perms, 4) != 0)
                add_event(t, when, EV_PROTECTION, x, y), n++;
            i++, j++;
        }
    }
    return n;
}

/* glibc's non-main arenas live in HEAP_MAX_SIZE (64 MiB on 64-bit) aligned
 * heaps: the aligned base names the arena. Returns its slot, or -1. */
static int arena_slot(struct timeline *t, uint64_t start)
{
    uint64_t base = start & ~((UINT64_C(64) << 20) - 1);
    for (size_t i = 0; i < t->n_arenas; i++)
        if (t->arena_base[i] == base)
            return (int)i;
    if (t->n_arenas == TIMELINE_ARENAS)
        return -1;
    t->arena_base[t->n_arenas] = base;
    return (int)t->n_arenas++;
}

void timeline_add(struct timeline *t, const struct snapshot *prev, const struct snapshot *cur)
{
    struct timeline_sample *s = &t->samples[t->sample_head];
    t->sample_head = (t->sample_head + 1) % t->sample_cap;
    if (t->sample_count < t->sample_cap)
        t->sample_count++;
    memset(s, 0, sizeof *s);
    s->monotonic_ns = cur->monotonic_ns;
    s->rss = cur->totals.rss;
    s->vsz = cur->totals.vsz;
    s->minflt = cur->faults.minor;
    s->majflt = cur->faults.major;
    s->has_faults = cur->has_faults;
    for (int c = 0; c < RC_COUNT; c++)
        s->class_rss[c] = cur->by_class[c].rss;
    for (size_t i = 0; i < cur->n_regions; i++) {
        const struct region *r = &cur->regions[i];
        enum alloc_series k = alloc_series_of(r);
        uint64_t rss = r->vma->field[SMAPS_RSS];
        if (k < SERIES_COUNT)
            s->series_rss[k] += rss;
        if (k == SERIES_ANON_MMAP) {
            s->anon_mmaps++;
            s->anon_mmap_vsz += vma_size(r->vma);
        } else if (k == SERIES_ARENAS) {
            int slot = arena_slot(t, r->vma->start);
            if (slot >= 0)
                s->arena_rss[slot] += rss;
        }
    }
    if (prev)
        s->events = diff_regions(t, prev, cur);
}

uint64_t timeline_faults_between(const struct timeline *t, size_t i)
{
    const struct timeline_sample *a = i ? timeline_sample_at(t, i - 1) : NULL;
    const struct timeline_sample *b = timeline_sample_at(t, i);
    if (!a || !b || !a->has_faults || !b->has_faults)
        return 0;
    uint64_t before = a->minflt + a->majflt, after = b->minflt + b->majflt;
    return after > before ? after - before : 0; /* an exec starts the counts again */
}

void timeline_mark_traced(struct timeline *t, uint32_t n)
{
    if (t->sample_count)
        t->samples[(t->sample_head + t->sample_cap - 1) % t->sample_cap].traced += n;
}

const struct timeline_sample *timeline_sample_at(const struct timeline *t, size_t i)
{
    if (i >= t->sample_count)
        return NULL;
    size_t oldest = (t->sample_head + t->sample_cap - t->sample_count) % t->sample_cap;
    return &t->samples[(oldest + i) % t->sample_cap];
}

const struct timeline_event *timeline_event_at(const struct timeline *t, size_t i)
{
    if (i >= t->event_count)
        return NULL;
    size_t oldest = (t->event_head + t->event_cap - t->event_count) % t->event_cap;
    return &t->events[(oldest + i) % t->event_cap];
}
