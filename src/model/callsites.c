/* Who mapped it (see callsites.h): the events replayed over a map of the
 * live ranges, each range owned by the call site that made it. */
#include "vmscope/callsites.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096u

static uint64_t page_up(uint64_t x)
{
    return (x + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static bool overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return a < d && c < b;
}

/* The range a call made: mmap, mremap's new place, or a brk's growth
 * ([old break, new break), pages); false for other calls. */
struct brk_state {
    pid_t pid;
    uint64_t brk;
};

struct brk_states {
    struct brk_state *v;
    size_t n, cap;
};

static struct brk_state *brk_of(struct brk_states *b, pid_t pid)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].pid == pid)
            return &b->v[i];
    xgrow((void **)&b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n] = (struct brk_state){pid, 0};
    return &b->v[b->n++];
}

/* A brk call's effect on the break: the range it grew ([*start, *end),
 * returns 1) or shrank (returns -1), 0 for a query or a first sighting. */
static int brk_step(struct brk_states *b, const struct syscall_event *e, uint64_t *start,
                    uint64_t *end)
{
    if (syscall_event_failed(e) || e->result <= 0)
        return 0;
    struct brk_state *s = brk_of(b, e->pid);
    uint64_t prev = s->brk, now = (uint64_t)e->result;
    s->brk = now;
    if (!prev || e->args[0] == 0 || page_up(now) == page_up(prev))
        return 0;
    *start = page_up(prev < now ? prev : now);
    *end = page_up(prev < now ? now : prev);
    return prev < now ? 1 : -1;
}

void region_origin_find(const struct syscall_event *ev, size_t n, pid_t pid, uint64_t start,
                        uint64_t end, struct region_origin *out)
{
    struct brk_states brk = {0};
    out->created = out->changed = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct syscall_event *e = &ev[i];
        uint64_t s, t;
        if (pid && e->pid != pid)
            continue;
        if (e->call == TC_BRK) {
            if (brk_step(&brk, e, &s, &t) != 0 && overlaps(s, t, start, end)) {
                if (!out->created || out->created->call != TC_BRK)
                    out->created = e; /* the heap's first growth into it */
                out->changed = e;
            }
            continue;
        }
        if (!syscall_event_range(e, &s, &t) || !overlaps(s, t, start, end))
            continue;
        if (e->call == TC_MMAP || e->call == TC_MREMAP)
            out->created = e;
        out->changed = e;
    }
    free(brk.v);
}

/* ---- the account per call site ------------------------------------- */

struct live_range {
    pid_t pid;
    uint64_t start, end;
    size_t site;
};

struct ledger {
    struct callsite *sites;
    size_t n_sites, cap_sites;
    size_t *by_id; /* stack id -> site index + 1 */
    size_t n_by_id;
    size_t no_stack; /* site index + 1 of the calls without a stack */
    struct live_range *live;
    size_t n_live, cap_live;
};

static size_t site_of(struct ledger *l, const struct stack *st)
{
    size_t *slot = &l->no_stack;
    if (st) {
        if (st->id >= l->n_by_id) {
            size_t n = st->id + 64;
            l->by_id = xrealloc(l->by_id, n * sizeof *l->by_id);
            memset(l->by_id + l->n_by_id, 0, (n - l->n_by_id) * sizeof *l->by_id);
            l->n_by_id = n;
        }
        slot = &l->by_id[st->id];
    }
    if (!*slot) {
        xgrow((void **)&l->sites, &l->cap_sites, l->n_sites + 1, sizeof *l->sites);
        l->sites[l->n_sites] = (struct callsite){.stack = st};
        *slot = ++l->n_sites;
    }
    return *slot - 1;
}

/* Takes [start, end) of pid out of the live ranges; its bytes count as
 * freed for their sites when `freed`. Returns the site of the range that
 * held start, or (size_t)-1. */
static size_t unmap_range(struct ledger *l, pid_t pid, uint64_t start, uint64_t end, bool freed)
{
    size_t owner = (size_t)-1;
    for (size_t i = 0; i < l->n_live; i++) {
        struct live_range *r = &l->live[i];
        if (r->pid != pid || !overlaps(r->start, r->end, start, end))
            continue;
        if (r->start <= start && start < r->end)
            owner = r->site;
        uint64_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
        if (freed)
            l->sites[r->site].freed += hi - lo;
        if (r->start < lo && hi < r->end) { /* a hole in the middle: two ranges */
            struct live_range tail = {pid, hi, r->end, r->site};
            r->end = lo;
            xgrow((void **)&l->live, &l->cap_live, l->n_live + 1, sizeof *l->live);
            l->live[l->n_live++] = tail;
        } else if (r->start < lo) {
            r->end = lo;
        } else if (hi < r->end) {
            r->start = hi;
        } else {
            l->live[i--] = l->live[--l->n_live];
        }
    }
    return owner;
}

static void map_range(struct ledger *l, pid_t pid, uint64_t start, uint64_t end, size_t site)
{
    if (end <= start)
        return;
    unmap_range(l, pid, start, end, true); /* MAP_FIXED over what was there */
    xgrow((void **)&l->live, &l->cap_live, l->n_live + 1, sizeof *l->live);
    l->live[l->n_live++] = (struct live_range){pid, start, end, site};
}

static void account(struct ledger *l, struct brk_states *brk, const struct syscall_event *e)
{
    size_t site = site_of(l, e->stack);
    struct callsite *c = &l->sites[site];
    c->calls++;
    uint64_t s, t;
    if (e->call == TC_BRK) {
        int step = brk_step(brk, e, &s, &t);
        if (step > 0) {
            l->sites[site].mapped += t - s;
            map_range(l, e->pid, s, t, site);
        } else if (step < 0) {
            unmap_range(l, e->pid, s, t, true);
        }
        return;
    }
    if (syscall_event_failed(e))
        return;
    switch (e->call) {
    case TC_MMAP:
        if (syscall_event_range(e, &s, &t)) {
            c->mapped += t - s;
            map_range(l, e->pid, s, t, site);
        }
        break;
    case TC_MUNMAP:
        if (syscall_event_range(e, &s, &t))
            unmap_range(l, e->pid, s, t, true);
        break;
    case TC_MREMAP: {
        uint64_t old = page_up(e->args[1]), now = page_up(e->args[2]), to = (uint64_t)e->result;
        size_t owner = unmap_range(l, e->pid, e->args[0], e->args[0] + old, false);
        if (owner == (size_t)-1)
            owner = site;
        if (now < old)
            l->sites[owner].freed += old - now;
        map_range(l, e->pid, to, to + (now < old ? now : old), owner);
        if (now > old) {
            l->sites[site].mapped += now - old;
            map_range(l, e->pid, to + old, to + now, site);
        }
        break;
    }
    default: break; /* mprotect, madvise: nothing made or freed */
    }
}

/* The end snapshot's resident bytes over [start, end): each region's RSS
 * shared out by the bytes of it the range covers. */
static uint64_t resident_in(const struct snapshot *s, uint64_t start, uint64_t end)
{
    uint64_t sum = 0;
    size_t lo = 0, hi = s->n_regions; /* regions are sorted and disjoint: the first ending past start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->regions[mid].vma->end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < s->n_regions && s->regions[i].vma->start < end; i++) {
        const struct vma *v = s->regions[i].vma;
        if (!overlaps(v->start, v->end, start, end) || !vma_has(v, SMAPS_RSS))
            continue;
        uint64_t from = v->start > start ? v->start : start, to = v->end < end ? v->end : end;
        uint64_t size = v->end - v->start;
        sum += (uint64_t)((double)v->field[SMAPS_RSS] * (double)(to - from) / (double)size);
    }
    return sum;
}

static int by_mapped(const void *a, const void *b)
{
    const struct callsite *x = a, *y = b;
    if (x->mapped != y->mapped)
        return x->mapped < y->mapped ? 1 : -1;
    if (x->calls != y->calls)
        return x->calls < y->calls ? 1 : -1;
    uint32_t i = x->stack ? x->stack->id : 0, j = y->stack ? y->stack->id : 0;
    return i < j ? -1 : i > j;
}

static int range_order(const void *a, const void *b)
{
    const struct callsite_range *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static const struct callsite *sort_sites; /* qsort has no context argument */

static int by_mapped_index(const void *a, const void *b)
{
    return by_mapped(&sort_sites[*(const size_t *)a], &sort_sites[*(const size_t *)b]);
}

void callsites_compute(const struct syscall_event *ev, size_t n, const struct snapshot *end,
                       struct callsite_report *out)
{
    struct ledger l;
    struct brk_states brk = {0};
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i < n; i++)
        account(&l, &brk, &ev[i]);
    for (size_t i = 0; i < l.n_live; i++) {
        const struct live_range *r = &l.live[i];
        l.sites[r->site].live += r->end - r->start;
        if (end && r->pid == end->proc.pid)
            l.sites[r->site].resident += resident_in(end, r->start, r->end);
    }
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < l.n_sites; i++) {
        const struct callsite *c = &l.sites[i];
        out->total.calls += c->calls;
        out->total.mapped += c->mapped;
        out->total.freed += c->freed;
        out->total.live += c->live;
        out->total.resident += c->resident;
    }
    /* sites by bytes; the live ranges follow their site to its new place */
    size_t *order = xcalloc(l.n_sites ? l.n_sites : 1, sizeof *order);
    size_t *place = xcalloc(l.n_sites ? l.n_sites : 1, sizeof *place);
    for (size_t i = 0; i < l.n_sites; i++)
        order[i] = i;
    sort_sites = l.sites;
    if (l.n_sites > 1)
        qsort(order, l.n_sites, sizeof *order, by_mapped_index);
    out->sites = xcalloc(l.n_sites ? l.n_sites : 1, sizeof *out->sites);
    for (size_t i = 0; i < l.n_sites; i++) {
        out->sites[i] = l.sites[order[i]];
        place[order[i]] = i;
    }
    out->n_sites = l.n_sites;
    out->ranges = xcalloc(l.n_live ? l.n_live : 1, sizeof *out->ranges);
    for (size_t i = 0; i < l.n_live; i++)
        out->ranges[i] = (struct callsite_range){l.live[i].pid, l.live[i].start, l.live[i].end,
                                                 place[l.live[i].site]};
    out->n_ranges = l.n_live;
    if (l.n_live > 1)
        qsort(out->ranges, l.n_live, sizeof *out->ranges, range_order);
    free(order);
    free(place);
    free(l.sites);
    free(l.by_id);
    free(l.live);
    free(brk.v);
}

void callsites_free(struct callsite_report *r)
{
    free(r->sites);
    free(r->ranges);
    memset(r, 0, sizeof *r);
}

size_t callsites_heap_growers(const struct syscall_event *ev, size_t n, pid_t pid,
                              struct callsite **out)
{
    struct ledger l;
    struct brk_states brk = {0};
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i < n; i++) {
        uint64_t s, t;
        const struct syscall_event *e = &ev[i];
        if (e->call != TC_BRK || (pid && e->pid != pid))
            continue;
        int step = brk_step(&brk, e, &s, &t);
        if (step > 0) {
            size_t site = site_of(&l, e->stack); /* may move l.sites */
            struct callsite *c = &l.sites[site];
            c->calls++;
            c->mapped += t - s;
        }
    }
    if (l.n_sites > 1)
        qsort(l.sites, l.n_sites, sizeof *l.sites, by_mapped);
    free(l.by_id);
    free(brk.v);
    *out = l.sites;
    return l.n_sites;
}
