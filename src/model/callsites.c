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

/* A process whose address space ended (exec, exit): its break is no more. */
static void brk_forget(struct brk_states *b, pid_t pid)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].pid == pid) {
            b->v[i] = b->v[--b->n];
            return;
        }
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
        if (traced_call_ends_process(e->call)) { /* its regions went with its program */
            brk_forget(&brk, e->pid);
            if (out->created && out->created->pid == e->pid)
                out->created = NULL;
            if (out->changed && out->changed->pid == e->pid)
                out->changed = NULL;
            continue;
        }
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
    uint64_t seq;               /* the making call's place in the trace */
    struct syscall_event made;  /* the call that made it (Detail's "mapped by") */
    /* The last call that touched it (an mprotect or madvise over any of
     * it, else made) and its place in the trace: Detail's "changed by". */
    struct syscall_event changed;
    uint64_t changed_seq;
};

/* Sites by stack id, and the ranges still mapped, sorted by process and
 * address and disjoint within a process: a call finds what it unmaps by
 * binary search, so a long trace of a process with thousands of mappings
 * costs a search per call, not a pass over every range. */
struct callsite_ledger {
    struct callsite *sites;
    size_t n_sites, cap_sites;
    size_t *by_id; /* stack id -> site index + 1 */
    size_t n_by_id;
    size_t no_stack; /* site index + 1 of the calls without a stack */
    struct live_range *live;
    size_t n_live, cap_live;
    struct brk_states brk;
    uint64_t seq;      /* events added */
    size_t max_ranges; /* 0: no bound */
    bool full;         /* went past it: the account stopped, its memory given back */
};

static size_t site_of(struct callsite_ledger *l, const struct stack *st)
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

/* The index of pid's first live range that ends after addr (or of the
 * first range of a later process, or n_live). */
static size_t first_ending_after(const struct callsite_ledger *l, pid_t pid, uint64_t addr)
{
    size_t lo = 0, hi = l->n_live;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct live_range *r = &l->live[mid];
        if (r->pid < pid || (r->pid == pid && r->end <= addr))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whether range i, walking from first_ending_after(pid, start), still
 * starts before end in pid: the ranges that meet [start, end). */
static bool reaches(const struct callsite_ledger *l, size_t i, pid_t pid, uint64_t end)
{
    return i < l->n_live && l->live[i].pid == pid && l->live[i].start < end;
}

static void insert_range(struct callsite_ledger *l, size_t at, struct live_range r)
{
    xgrow((void **)&l->live, &l->cap_live, l->n_live + 1, sizeof *l->live);
    memmove(&l->live[at + 1], &l->live[at], (l->n_live - at) * sizeof *l->live);
    l->live[at] = r;
    l->n_live++;
}

/* Takes [start, end) of pid out of the live ranges; its bytes count as
 * freed for their sites when `freed`. Returns the site of the range that
 * held start, or (size_t)-1. */
static size_t unmap_range(struct callsite_ledger *l, pid_t pid, uint64_t start, uint64_t end,
                          bool freed)
{
    size_t owner = (size_t)-1;
    size_t i = first_ending_after(l, pid, start);
    size_t gone_from = i, gone = 0; /* the ranges wholly inside are consecutive */
    for (; reaches(l, i, pid, end); i++) {
        struct live_range *r = &l->live[i];
        if (r->start <= start && start < r->end)
            owner = r->site;
        uint64_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
        if (freed)
            l->sites[r->site].freed += hi - lo;
        if (r->start < lo && hi < r->end) { /* a hole in the middle: two ranges */
            struct live_range tail = *r;
            tail.start = hi;
            r->end = lo;
            insert_range(l, i + 1, tail);
            return owner;
        }
        if (r->start < lo) {
            r->end = lo;
            gone_from = i + 1;
        } else if (hi < r->end) {
            r->start = hi;
            break;
        } else {
            gone++;
        }
    }
    if (gone) {
        memmove(&l->live[gone_from], &l->live[gone_from + gone],
                (l->n_live - gone_from - gone) * sizeof *l->live);
        l->n_live -= gone;
    }
    return owner;
}

static void map_range(struct callsite_ledger *l, const struct syscall_event *e, uint64_t start,
                      uint64_t end, size_t site)
{
    if (end <= start)
        return;
    unmap_range(l, e->pid, start, end, true); /* MAP_FIXED over what was there */
    insert_range(l, first_ending_after(l, e->pid, start),
                 (struct live_range){e->pid, start, end, site, l->seq, *e, *e, l->seq});
}

/* An mprotect or madvise over [start, end) of pid: the last call that
 * touched each range it reaches. */
static void touch_range(struct callsite_ledger *l, const struct syscall_event *e, uint64_t start,
                        uint64_t end)
{
    for (size_t i = first_ending_after(l, e->pid, start); reaches(l, i, e->pid, end); i++) {
        l->live[i].changed = *e;
        l->live[i].changed_seq = l->seq;
    }
}

/* Sites by bytes mapped, then calls, then stack id (a stable order). */
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

struct callsite_ledger *callsite_ledger_new(size_t max_ranges)
{
    struct callsite_ledger *l = xcalloc(1, sizeof *l);
    l->max_ranges = max_ranges;
    return l;
}

static void ledger_clear(struct callsite_ledger *l)
{
    free(l->sites);
    free(l->by_id);
    free(l->live);
    free(l->brk.v);
    l->sites = NULL;
    l->by_id = NULL;
    l->live = NULL;
    l->brk.v = NULL;
    l->n_sites = l->cap_sites = l->n_by_id = l->no_stack = l->n_live = l->cap_live = 0;
    l->brk.n = l->brk.cap = 0;
}

void callsite_ledger_free(struct callsite_ledger *l)
{
    if (!l)
        return;
    ledger_clear(l);
    free(l);
}

bool callsite_ledger_full(const struct callsite_ledger *l)
{
    return l->full;
}

void callsite_ledger_add(struct callsite_ledger *l, const struct syscall_event *e)
{
    if (l->full)
        return;
    if (l->max_ranges && l->n_live >= l->max_ranges) {
        /* Ranges go when a call unmaps them or their process ends or
         * execs; what many processes keep at once could still grow past
         * what a screen should hold. Past the bound the caller goes back
         * to the calls it holds. */
        ledger_clear(l);
        l->full = true;
        return;
    }
    l->seq++;
    if (traced_call_ends_process(e->call)) { /* not a call of a site: everything went */
        unmap_range(l, e->pid, 0, UINT64_MAX, true);
        brk_forget(&l->brk, e->pid);
        return;
    }
    size_t site = site_of(l, e->stack);
    struct callsite *c = &l->sites[site];
    c->calls++;
    uint64_t s, t;
    if (e->call == TC_BRK) {
        int step = brk_step(&l->brk, e, &s, &t);
        if (step > 0) {
            l->sites[site].mapped += t - s;
            map_range(l, e, s, t, site);
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
            map_range(l, e, s, t, site);
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
        map_range(l, e, to, to + (now < old ? now : old), owner);
        if (now > old) {
            l->sites[site].mapped += now - old;
            map_range(l, e, to + old, to + now, site);
        }
        break;
    }
    case TC_MPROTECT:
    case TC_MADVISE: /* nothing made or freed */
        if (syscall_event_range(e, &s, &t))
            touch_range(l, e, s, t);
        break;
    default: break;
    }
}

uint64_t callsite_ledger_calls(const struct callsite_ledger *l)
{
    uint64_t n = 0;
    for (size_t i = 0; i < l->n_sites; i++)
        n += l->sites[i].calls;
    return n;
}

bool callsite_ledger_made(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                          uint64_t end, struct syscall_event *out)
{
    const struct live_range *mapped = NULL, *grown = NULL;
    for (size_t i = first_ending_after(l, pid, start); reaches(l, i, pid, end); i++) {
        const struct live_range *r = &l->live[i];
        if (r->made.call == TC_BRK) { /* the heap's first growth into it */
            if (!grown || r->seq < grown->seq)
                grown = r;
        } else if (!mapped || r->seq > mapped->seq) { /* the last mmap or mremap over it */
            mapped = r;
        }
    }
    const struct live_range *r = mapped ? mapped : grown;
    if (r)
        *out = r->made;
    return r != NULL;
}

bool callsite_ledger_changed(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                             uint64_t end, struct syscall_event *out)
{
    const struct live_range *last = NULL;
    for (size_t i = first_ending_after(l, pid, start); reaches(l, i, pid, end); i++) {
        const struct live_range *r = &l->live[i];
        uint64_t s, t;
        /* A range keeps only its newest touch: one of another part of it
         * says nothing of [start, end). */
        if (syscall_event_range(&r->changed, &s, &t) && s < end && start < t &&
            (!last || r->changed_seq > last->changed_seq))
            last = r;
    }
    if (last)
        *out = last->changed;
    return last != NULL;
}

size_t callsite_ledger_heap_growers(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                                    uint64_t end, struct callsite **out)
{
    struct callsite *g = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = first_ending_after(l, pid, start); reaches(l, i, pid, end); i++) {
        const struct live_range *r = &l->live[i];
        if (r->made.call != TC_BRK)
            continue;
        const struct stack *st = l->sites[r->site].stack;
        size_t k = 0;
        while (k < n && g[k].stack != st)
            k++;
        if (k == n) {
            xgrow((void **)&g, &cap, n + 1, sizeof *g);
            g[n++] = (struct callsite){.stack = st};
        }
        uint64_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
        g[k].calls++;
        g[k].mapped += hi - lo;
        g[k].live += hi - lo;
    }
    if (n > 1)
        qsort(g, n, sizeof *g, by_mapped);
    *out = g;
    return n;
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

static const struct callsite *sort_sites; /* qsort has no context argument */

static int by_mapped_index(const void *a, const void *b)
{
    return by_mapped(&sort_sites[*(const size_t *)a], &sort_sites[*(const size_t *)b]);
}

void callsite_ledger_report(const struct callsite_ledger *l, const struct snapshot *end,
                            struct callsite_report *out)
{
    memset(out, 0, sizeof *out);
    /* the sites with what is live now, in a copy: the ledger goes on */
    struct callsite *sites = xcalloc(l->n_sites ? l->n_sites : 1, sizeof *sites);
    if (l->n_sites)
        memcpy(sites, l->sites, l->n_sites * sizeof *sites);
    for (size_t i = 0; i < l->n_live; i++) {
        const struct live_range *r = &l->live[i];
        sites[r->site].live += r->end - r->start;
        if (end && r->pid == end->proc.pid)
            sites[r->site].resident += resident_in(end, r->start, r->end);
    }
    for (size_t i = 0; i < l->n_sites; i++) {
        const struct callsite *c = &sites[i];
        out->total.calls += c->calls;
        out->total.mapped += c->mapped;
        out->total.freed += c->freed;
        out->total.live += c->live;
        out->total.resident += c->resident;
    }
    /* sites by bytes; the live ranges follow their site to its new place */
    size_t *order = xcalloc(l->n_sites ? l->n_sites : 1, sizeof *order);
    size_t *place = xcalloc(l->n_sites ? l->n_sites : 1, sizeof *place);
    for (size_t i = 0; i < l->n_sites; i++)
        order[i] = i;
    sort_sites = sites;
    if (l->n_sites > 1)
        qsort(order, l->n_sites, sizeof *order, by_mapped_index);
    out->sites = xcalloc(l->n_sites ? l->n_sites : 1, sizeof *out->sites);
    for (size_t i = 0; i < l->n_sites; i++) {
        out->sites[i] = sites[order[i]];
        place[order[i]] = i;
    }
    out->n_sites = l->n_sites;
    /* already by process, then address */
    out->ranges = xcalloc(l->n_live ? l->n_live : 1, sizeof *out->ranges);
    for (size_t i = 0; i < l->n_live; i++)
        out->ranges[i] = (struct callsite_range){l->live[i].pid, l->live[i].start, l->live[i].end,
                                                 place[l->live[i].site]};
    out->n_ranges = l->n_live;
    free(order);
    free(place);
    free(sites);
}

void callsites_compute(const struct syscall_event *ev, size_t n, const struct snapshot *end,
                       struct callsite_report *out)
{
    struct callsite_ledger *l = callsite_ledger_new(0);
    for (size_t i = 0; i < n; i++)
        callsite_ledger_add(l, &ev[i]);
    callsite_ledger_report(l, end, out);
    callsite_ledger_free(l);
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
    struct callsite_ledger l;
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i < n; i++) {
        uint64_t s, t;
        const struct syscall_event *e = &ev[i];
        if (traced_call_ends_process(e->call))
            brk_forget(&l.brk, e->pid);
        if (e->call != TC_BRK || (pid && e->pid != pid))
            continue;
        int step = brk_step(&l.brk, e, &s, &t);
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
    free(l.brk.v);
    *out = l.sites;
    return l.n_sites;
}
