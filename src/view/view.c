/* Shared view state: snapshots, selection, ordering and search. */
#include "vmscope/view.h"
#include "screens.h"
#include "vmscope/util.h"
#include "vmscope/summary.h"
#include "vmscope/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* About an hour of 1 s samples, and the last thousand region events. */
#define TIMELINE_SAMPLES 3600
#define TIMELINE_EVENTS 1000

void view_init(struct view *v, double interval, bool color)
{
    memset(v, 0, sizeof *v);
    v->interval = interval;
    v->color = color;
    v->sort = SORT_ADDRESS;
    timeline_init(&v->timeline, TIMELINE_SAMPLES, TIMELINE_EVENTS);
}

void view_open_detail(struct view *v, enum screen_id back)
{
    v->back = back;
    v->screen = SCREEN_DETAIL;
    v->detail_start = 0; /* the Detail takes the region it shows */
    v->detail_gone = false;
}

void view_free(struct view *v)
{
    screens_free_state(v);
    snapshot_free(v->baseline);
    snapshot_free(v->snap);
    snapshot_free(v->prev);
    snapshot_free(v->history_last);
    timeline_free(&v->timeline);
    trace_log_free(&v->trace);
    callsite_ledger_free(v->calls);
    free(v->marks);
}

/* The newest exact events the Timeline's log can show; the recording keeps all. */
#define TRACE_LOG_EVENTS 20000
/* The call-site ledger's bound: the kernel's default vm.max_map_count
 * (65,530) is one process's most; 256 bytes a range, 16 MiB. */
#define TRACE_LEDGER_RANGES 65536

bool view_traced(const struct view *v)
{
    return v->trace.cap > 0;
}

void view_enable_trace(struct view *v)
{
    trace_log_init(&v->trace, TRACE_LOG_EVENTS);
    if (!v->calls)
        v->calls = callsite_ledger_new(TRACE_LEDGER_RANGES);
}

static void seen_at(struct view *v, uint64_t ns)
{
    if (ns && (!v->start_ns || ns < v->start_ns))
        v->start_ns = ns;
}

void view_add_syscall_event(struct view *v, const struct syscall_event *e)
{
    seen_at(v, e->monotonic_ns);
    trace_log_add(&v->trace, e);
    if (v->calls)
        callsite_ledger_add(v->calls, e);
    v->traced_since_sample++;
}

bool view_trace_before_end(const struct view *v)
{
    return v->rec_count && v->rec_index < v->rec_count - 1 && v->snap;
}

bool view_every_call(const struct view *v)
{
    return v->calls && !callsite_ledger_full(v->calls) && !view_trace_before_end(v);
}

size_t view_trace_events(const struct view *v, struct syscall_event **out)
{
    size_t n = 0;
    *out = xcalloc(v->trace.count ? v->trace.count : 1, sizeof **out);
    bool upto = view_trace_before_end(v); /* not the calls after the sample shown */
    for (size_t i = 0; i < v->trace.count; i++) {
        const struct syscall_event *e = trace_log_at(&v->trace, i);
        if (upto && e->monotonic_ns > v->snap->monotonic_ns)
            break;
        (*out)[n++] = *e;
    }
    return n;
}

int view_tab_count(const struct view *v)
{
    return v->output || v->output_note[0] ? SCREEN_TABS : SCREEN_OUTPUT;
}

static void keep_selection(struct view *v, const struct snapshot *snap);

void view_replace_snapshot(struct view *v, struct snapshot *snap)
{
    snapshot_free(v->snap);
    v->snap = snap;
    keep_selection(v, snap);
}

void view_push_snapshot(struct view *v, struct snapshot *snap)
{
    seen_at(v, snap->monotonic_ns);
    timeline_add(&v->timeline, v->snap, snap);
    timeline_mark_traced(&v->timeline, v->traced_since_sample);
    v->traced_since_sample = 0;
    snapshot_free(v->prev);
    v->prev = v->snap;
    v->snap = snap;
    keep_selection(v, snap);
}

void view_add_history(struct view *v, struct snapshot *snap)
{
    seen_at(v, snap->monotonic_ns);
    timeline_add(&v->timeline, v->history_last, snap);
    timeline_mark_traced(&v->timeline, v->traced_since_sample);
    v->traced_since_sample = 0;
    snapshot_free(v->history_last);
    v->history_last = snap;
}

static void keep_selection(struct view *v, const struct snapshot *snap)
{
    /* A Detail whose region went away says so and stays on it. */
    if (v->screen == SCREEN_DETAIL && v->detail_start) {
        const struct region *d = snapshot_find(snap, v->detail_start);
        v->detail_gone = !d || d->vma->start != v->detail_start || d->vma->end != v->detail_end;
        if (v->detail_gone) {
            v->selected = v->detail_start;
            return;
        }
    }
    /* Keep the selection on the region that now holds the address. */
    if (!v->selected && snap->n_regions)
        v->selected = snap->regions[0].vma->start;
    const struct region *r = snapshot_find(snap, v->selected);
    if (!r) {
        for (size_t i = 0; i < snap->n_regions; i++)
            if (snap->regions[i].vma->start >= v->selected) {
                r = &snap->regions[i];
                break;
            }
        if (!r && snap->n_regions)
            r = &snap->regions[snap->n_regions - 1];
    }
    if (r)
        v->selected = r->vma->start;
}

long view_selected_index(const struct view *v)
{
    if (!v->snap)
        return -1;
    const struct region *r = snapshot_find(v->snap, v->selected);
    return r ? r - v->snap->regions : -1;
}

unsigned view_columns(const struct view *v)
{
    if (v->columns_chosen)
        return v->columns;
    /* by width: the end address, the dirty and swap columns from 120 up */
    int cols = v->cols ? v->cols : 80;
    return cols >= 120 ? 1u << COL_END | 1u << COL_PRIVATE_DIRTY | 1u << COL_SHARED_DIRTY |
                             1u << COL_SWAP
                       : 0;
}

/* The column each sort key belongs to, or -1 for the columns always shown. */
static const int sort_column[SORT_COUNT] = {
    [SORT_ADDRESS] = -1, [SORT_SIZE] = -1, [SORT_RSS] = -1, [SORT_PSS] = -1,
    [SORT_SWAP] = COL_SWAP, [SORT_CLASS] = -1, [SORT_NAME] = -1, [SORT_END] = COL_END,
    [SORT_PERMS] = -1, [SORT_PRIVATE_DIRTY] = COL_PRIVATE_DIRTY,
    [SORT_SHARED_DIRTY] = COL_SHARED_DIRTY, [SORT_OFFSET] = COL_OFFSET,
    [SORT_LOCKED] = COL_LOCKED, [SORT_THP] = COL_THP, [SORT_TID] = COL_TID,
    [SORT_OBJECT] = COL_OBJECT,
};

enum sort_key view_next_sort(const struct view *v)
{
    unsigned shown = view_columns(v);
    enum sort_key k = v->sort;
    for (int i = 0; i < SORT_COUNT; i++) {
        k = (k + 1) % SORT_COUNT;
        if (sort_column[k] < 0 || (shown >> sort_column[k] & 1))
            return k;
    }
    return k;
}

static uint64_t sort_value(const struct region *r, enum sort_key k)
{
    const uint64_t *f = r->vma->field;
    switch (k) {
    case SORT_SIZE: return vma_size(r->vma);
    case SORT_RSS: return f[SMAPS_RSS];
    case SORT_PSS: return f[SMAPS_PSS];
    case SORT_SWAP: return f[SMAPS_SWAP];
    case SORT_PRIVATE_DIRTY: return f[SMAPS_PRIVATE_DIRTY];
    case SORT_SHARED_DIRTY: return f[SMAPS_SHARED_DIRTY];
    case SORT_LOCKED: return f[SMAPS_LOCKED];
    case SORT_THP: return f[SMAPS_ANON_HUGE] + f[SMAPS_SHMEM_PMD_MAPPED] + f[SMAPS_FILE_PMD_MAPPED];
    default: return 0;
    }
}

static const struct view *sort_view; /* qsort has no context argument */

static int compare_regions(const void *a, const void *b)
{
    const struct region *x = &sort_view->snap->regions[*(const size_t *)a];
    const struct region *y = &sort_view->snap->regions[*(const size_t *)b];
    int c = 0;
    switch (sort_view->sort) {
    case SORT_ADDRESS: break;
    case SORT_CLASS: c = (int)x->cls - (int)y->cls; break;
    case SORT_NAME: c = strcmp(x->vma->name, y->vma->name); break;
    case SORT_END: c = x->vma->end < y->vma->end ? -1 : x->vma->end > y->vma->end; break;
    case SORT_PERMS: c = strcmp(x->vma->perms, y->vma->perms); break;
    case SORT_OFFSET: c = x->vma->offset < y->vma->offset ? -1 : x->vma->offset > y->vma->offset; break;
    case SORT_TID: c = (x->tid < y->tid) - (x->tid > y->tid); break;
    case SORT_OBJECT: c = strcmp(x->object ? x->object : "", y->object ? y->object : ""); break;
    default: { /* sizes: largest first */
        uint64_t p = sort_value(x, sort_view->sort), q = sort_value(y, sort_view->sort);
        c = p < q ? 1 : p > q ? -1 : 0;
    }
    }
    if (!c)
        c = x->vma->start < y->vma->start ? -1 : x->vma->start > y->vma->start;
    return sort_view->sort_reverse ? -c : c;
}

size_t view_region_order(const struct view *v, size_t **out)
{
    size_t n = v->snap ? v->snap->n_regions : 0, k = 0;
    size_t *idx = xcalloc(n ? n : 1, sizeof *idx);
    /* "type:heap": the regions a Summary row counts */
    const char *type_filter = strncmp(v->filter, "type:", 5) == 0 ? v->filter + 5 : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct region *r = &v->snap->regions[i];
        if (type_filter) {
            if (!summary_matches(type_filter, r))
                continue;
        } else if (v->filter[0] && !strstr(r->vma->name, v->filter) &&
                   !(r->object && strstr(r->object, v->filter)) && /* libc's bss: libc */
                   !strstr(region_class_name(r->cls), v->filter) &&
                   !strstr(region_subclass_name(r->subclass), v->filter)) {
            continue;
        }
        idx[k++] = i;
    }
    if (v->sort != SORT_ADDRESS || v->sort_reverse) {
        sort_view = v;
        qsort(idx, k, sizeof *idx, compare_regions);
    }
    *out = idx;
    return k;
}

bool view_search(struct view *v, const char *text)
{
    if (!v->snap || !text[0])
        return false;
    char *end;
    uint64_t addr = strtoull(text, &end, 16);
    if (*end == '\0' && end != text) { /* a hex address, 0x optional */
        const struct region *r = snapshot_find(v->snap, addr);
        if (r) {
            v->selected = r->vma->start;
            return true;
        }
        snprintf(v->message, sizeof v->message, "no region contains 0x%" PRIx64, addr);
        return false;
    }
    /* A name: the next match after the selection, wrapping around. */
    long cur = view_selected_index(v);
    size_t n = v->snap->n_regions;
    for (size_t k = 1; k <= n; k++) {
        const struct region *r = &v->snap->regions[(size_t)(cur + (long)k) % n];
        if (strstr(r->vma->name, text)) {
            v->selected = r->vma->start;
            return true;
        }
    }
    snprintf(v->message, sizeof v->message, "no region named like that");
    return false;
}

void view_export_default_name(const struct view *v, char fmt, char *out, size_t size)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    unsigned r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (unsigned)clock_monotonic_ns();
    const char *ext = fmt == 'c' ? "csv" : fmt == 't' ? "txt" : fmt == 's' ? "svg" : "json";
    snprintf(out, size, "vmscope-%d-%s-%06x.%s", v->snap ? (int)v->snap->proc.pid : 0, stamp,
             r & 0xffffff, ext);
}

char view_baseline_mark(struct view *v, size_t i)
{
    if (!v->baseline || !v->snap || i >= v->snap->n_regions)
        return ' ';
    if (!v->marks || v->marks_snap_ns != v->snap->monotonic_ns ||
        v->marks_base_ns != v->baseline->monotonic_ns) {
        struct snapshot_diff d;
        diff_compute(v->baseline, v->snap, &d);
        free(v->marks);
        v->marks = xmalloc(v->snap->n_regions + 1);
        memset(v->marks, ' ', v->snap->n_regions);
        for (size_t k = 0; k < d.n_added; k++)
            v->marks[d.added[k] - v->snap->regions] = '+';
        for (size_t k = 0; k < d.n_changed; k++)
            v->marks[d.changed[k].after - v->snap->regions] = '~';
        diff_free(&d);
        v->marks_snap_ns = v->snap->monotonic_ns;
        v->marks_base_ns = v->baseline->monotonic_ns;
    }
    return v->marks[i];
}
