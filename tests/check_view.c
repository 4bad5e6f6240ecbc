/* The view's pure logic, without a terminal: map layout rows, region order
 * and filter, search, key handling and the flags it returns, the timeline's
 * series, and the page grid's request and answer. Snapshots are built by
 * hand, so every expected value is known here. */
#include "testlib.h"

#include "vmscope/map_layout.h"
#include "vmscope/recording.h"
#include "vmscope/source.h"
#include "vmscope/summary.h"
#include "vmscope/groups.h"
#include "vmscope/runs.h"
#include "vmscope/sanitize.h"
#include "vmscope/buf.h"
#include "vmscope/timeline.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <check.h>
#include <curses.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spec {
    uint64_t start, end;
    const char *name;
    enum region_class cls;
    const char *subclass;
    uint64_t rss_kb;
};

static struct snapshot *make_snap(const struct spec *sp, size_t n, uint64_t stamp)
{
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->monotonic_ns = stamp;
    s->system.page_size = 4096;
    s->proc.pid = 4242;
    s->vmas = xcalloc(n + 1, sizeof *s->vmas);
    s->regions = xcalloc(n + 1, sizeof *s->regions);
    s->n_regions = n;
    for (size_t i = 0; i < n; i++) {
        struct vma *v = &s->vmas[i];
        v->start = sp[i].start;
        v->end = sp[i].end;
        memcpy(v->perms, "rw-p", 5);
        v->name = xstrdup(sp[i].name);
        v->name_len = strlen(sp[i].name);
        v->field[SMAPS_RSS] = sp[i].rss_kb;
        v->field_mask |= 1u << SMAPS_RSS;
        s->regions[i] = (struct region){.vma = v, .cls = sp[i].cls,
                                        .subclass = region_subclass_from_name(sp[i].subclass)};
    }
    snapshot_compute_totals(s);
    return s;
}

#define MiB (UINT64_C(1) << 20)

static const struct spec three[] = {
    {0x10000, 0x11000, "/usr/bin/prog", RC_TEXT, "code", 4},
    {0x11000, 0x13000, "[heap]", RC_HEAP, "brk", 8},
    {0x13000 + 4 * MiB, 0x13000 + 68 * MiB, "/usr/lib/libbig.so", RC_MMAP, "file", 1024},
};

START_TEST(t_map_layout_rows)
{
    struct snapshot *s = make_snap(three, 3, 1);
    struct map_row *rows;
    size_t n = map_layout_rows(s, &rows);
    /* prog, heap (adjacent: no gap row), a 4 MiB gap, then libbig's rows */
    int big = map_region_rows(64 * MiB);
    ck_assert_int_gt(big, 1);
    ck_assert_uint_eq(n, (size_t)(1 + 1 + 1 + big));
    ck_assert_int_eq(rows[0].region, 0);
    ck_assert(rows[0].first);
    ck_assert_int_eq(rows[1].region, 1);
    ck_assert_int_eq(rows[2].region, -1);
    ck_assert_uint_eq(rows[2].gap, 4 * MiB);
    ck_assert_int_eq(rows[3].region, 2);
    ck_assert(rows[3].first);
    for (size_t i = 4; i < n; i++) {
        ck_assert_int_eq(rows[i].region, 2);
        ck_assert(!rows[i].first); /* only the first row carries the text */
    }
    ck_assert_int_eq(map_region_rows(4096), 1);
    ck_assert_int_le(map_region_rows(UINT64_MAX), MAP_REGION_ROWS_MAX);
    free(rows);
    snapshot_free(s);
}
END_TEST

START_TEST(t_region_order_and_filter)
{
    struct view v;
    view_init(&v, 1.0, false);
    view_push_snapshot(&v, make_snap(three, 3, 1));
    size_t *idx;
    size_t n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 3); /* by address */
    ck_assert_uint_eq(idx[0], 0);
    ck_assert_uint_eq(idx[2], 2);
    free(idx);
    v.sort = SORT_RSS; /* largest first */
    n = view_region_order(&v, &idx);
    ck_assert_uint_eq(idx[0], 2);
    ck_assert_uint_eq(idx[1], 1);
    ck_assert_uint_eq(idx[2], 0);
    free(idx);
    v.sort = SORT_NAME;
    n = view_region_order(&v, &idx);
    ck_assert_str_eq(v.snap->regions[idx[0]].vma->name, "/usr/bin/prog");
    ck_assert_str_eq(v.snap->regions[idx[2]].vma->name, "[heap]");
    free(idx);
    /* The filter matches a name, a class or a subclass. */
    snprintf(v.filter, sizeof v.filter, "lib");
    n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(idx[0], 2);
    free(idx);
    snprintf(v.filter, sizeof v.filter, "heap");
    n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 1);
    free(idx);
    snprintf(v.filter, sizeof v.filter, "code");
    n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(idx[0], 0);
    free(idx);
    snprintf(v.filter, sizeof v.filter, "nothing");
    ck_assert_uint_eq(view_region_order(&v, &idx), 0);
    free(idx);
    view_free(&v);
}
END_TEST

START_TEST(t_search)
{
    struct view v;
    view_init(&v, 1.0, false);
    view_push_snapshot(&v, make_snap(three, 3, 1));
    ck_assert_uint_eq(v.selected, 0x10000); /* the first region */
    ck_assert(view_search(&v, "12fff"));    /* inside the heap, no 0x */
    ck_assert_uint_eq(v.selected, 0x11000);
    ck_assert(view_search(&v, "0x10000"));
    ck_assert_uint_eq(v.selected, 0x10000);
    ck_assert(!view_search(&v, "0x13000")); /* in the gap */
    ck_assert_ptr_nonnull(strstr(v.message, "no region contains 0x13000"));
    ck_assert_uint_eq(v.selected, 0x10000); /* a miss keeps the selection */
    ck_assert(view_search(&v, "lib"));
    ck_assert_uint_eq(v.selected, 0x13000 + 4 * MiB);
    ck_assert(view_search(&v, "/")); /* the next match after the selection, wrapping */
    ck_assert_uint_eq(v.selected, 0x10000);
    ck_assert(!view_search(&v, "nothing"));
    view_free(&v);
}
END_TEST

START_TEST(t_keys_return_flags)
{
    struct view v;
    view_init(&v, 1.0, false);
    view_push_snapshot(&v, make_snap(three, 3, 1));
    ck_assert_int_eq(tui_key(&v, 'q'), VIEW_QUIT);
    int f = tui_key(&v, '+');
    ck_assert(f & VIEW_RESAMPLE);
    ck_assert(f & VIEW_REDRAW);
    ck_assert(v.interval == 0.5);
    f = tui_key(&v, ' ');
    ck_assert(v.paused);
    ck_assert(f & VIEW_REDRAW);
    ck_assert_int_eq(tui_key(&v, 'Z'), 0); /* not a key: nothing to redraw */
    /* The Summary is the first screen; Enter on its first row (text)
     * shows the Regions of that type and nothing else. */
    ck_assert_int_eq(v.screen, SCREEN_SUMMARY);
    ck_assert(tui_key(&v, KEY_DOWN) & VIEW_REDRAW);
    ck_assert(tui_key(&v, KEY_UP) & VIEW_REDRAW);
    ck_assert(tui_key(&v, '\n') & VIEW_REDRAW);
    ck_assert_int_eq(v.screen, SCREEN_REGIONS);
    ck_assert_str_eq(v.filter, "type:text");
    size_t *order;
    ck_assert_uint_eq(view_region_order(&v, &order), 1);
    ck_assert_uint_eq(v.snap->regions[order[0]].vma->start, 0x10000);
    free(order);
    v.filter[0] = '\0';
    ck_assert(tui_key(&v, '2') & VIEW_REDRAW);
    ck_assert_int_eq(v.screen, SCREEN_MAP);
    /* Enter opens Detail and asks for a full sample; Esc goes back. */
    f = tui_key(&v, '\n');
    ck_assert_int_eq(v.screen, SCREEN_DETAIL);
    ck_assert(f & VIEW_FULL);
    f = tui_key(&v, 27);
    ck_assert_int_eq(v.screen, SCREEN_MAP);
    ck_assert(f & VIEW_REDRAW);
    /* Tabs: 6 without a launched program, 7 with one. */
    ck_assert_int_eq(view_tab_count(&v), 6);
    ck_assert_int_eq(tui_key(&v, '7'), 0);
    snprintf(v.output_note, sizeof v.output_note, "elsewhere");
    ck_assert_int_eq(view_tab_count(&v), 7);
    ck_assert(tui_key(&v, '7') & VIEW_REDRAW);
    ck_assert_int_eq(v.screen, SCREEN_OUTPUT);
    /* [ and ] move through a recording, clamped; nothing without one. */
    ck_assert_int_eq(tui_key(&v, ']'), 0);
    v.rec_count = 5;
    v.rec_index = 4;
    f = tui_key(&v, ']');
    ck_assert(f & VIEW_SEEK);
    ck_assert_int_eq(v.rec_index, 4);
    tui_key(&v, '{');
    ck_assert_int_eq(v.rec_index, 0);
    /* The search prompt: keys go to the line until Enter. */
    tui_key(&v, '1');
    tui_key(&v, '/');
    ck_assert_int_eq(v.input_mode, '/');
    for (const char *p = "libbig"; *p; p++)
        ck_assert(tui_key(&v, *p) & VIEW_REDRAW);
    tui_key(&v, KEY_BACKSPACE);
    ck_assert_str_eq(v.search, "libbi");
    tui_key(&v, '\n');
    ck_assert_int_eq(v.input_mode, 0);
    ck_assert_uint_eq(v.selected, 0x13000 + 4 * MiB);
    /* 'm' marks the baseline the Diff screen compares with. */
    ck_assert(tui_key(&v, 'm') & VIEW_REDRAW);
    ck_assert_ptr_nonnull(v.baseline);
    view_free(&v);
}
END_TEST

START_TEST(t_timeline_series)
{
    struct timeline t;
    timeline_init(&t, 4, 8);
    struct snapshot *a = make_snap(three, 2, 1);
    struct spec grown[3];
    memcpy(grown, three, sizeof grown);
    grown[1].end = 0x20000; /* the heap grew */
    grown[1].rss_kb = 40;
    struct snapshot *b = make_snap(grown, 3, 2); /* and libbig appeared */
    timeline_add(&t, NULL, a);
    timeline_add(&t, a, b);
    const struct timeline_sample *s0 = timeline_sample_at(&t, 0), *s1 = timeline_sample_at(&t, 1);
    ck_assert_ptr_nonnull(s1);
    ck_assert_ptr_null(timeline_sample_at(&t, 2));
    ck_assert_uint_eq(s0->class_rss[RC_HEAP], 8); /* kB, as smaps */
    ck_assert_uint_eq(s1->class_rss[RC_HEAP], 40);
    ck_assert_uint_eq(s1->series_rss[SERIES_BRK], 40);
    ck_assert_uint_eq(s1->class_rss[RC_MMAP], 1024);
    ck_assert_uint_eq(s1->events, 2);
    bool grew = false, appeared = false;
    for (size_t i = 0; timeline_event_at(&t, i); i++) {
        const struct timeline_event *e = timeline_event_at(&t, i);
        grew |= e->kind == EV_GREW && e->start == 0x11000 && e->size_delta == 0x20000 - 0x13000;
        appeared |= e->kind == EV_APPEARED && e->start == 0x13000 + 4 * MiB;
    }
    ck_assert(grew);
    ck_assert(appeared);
    /* The ring keeps the newest 4 samples. */
    for (int i = 0; i < 5; i++)
        timeline_add(&t, b, b);
    ck_assert_ptr_null(timeline_sample_at(&t, 4));
    snapshot_free(a);
    snapshot_free(b);
    timeline_free(&t);
}
END_TEST

static struct page_answer answer(uint64_t start, uint64_t pages, unsigned state)
{
    struct page_answer a = {0};
    a.states.items = xcalloc(1, sizeof *a.states.items);
    a.states.items[0] = (struct page_run){.start = start, .pages = pages, .state = state};
    a.states.count = 1;
    return a;
}

/* The grid asks for the selected region's pages once per sample; the
 * answer replaces what it held and keeps the sample before's runs to mark
 * what changed; a failed read keeps what was read before (the state at
 * the end) with the note; an answer for another region is dropped. */
START_TEST(t_page_requests)
{
    struct view v;
    view_init(&v, 1.0, false);
    view_push_snapshot(&v, make_snap(three, 3, 7));
    struct page_request rq;
    ck_assert(!view_page_request(&v, &rq)); /* no grid on the Map */
    ck_assert(view_search(&v, "heap"));
    v.screen = SCREEN_DETAIL;
    ck_assert(view_page_request(&v, &rq));
    ck_assert_uint_eq(rq.start, 0x11000);
    ck_assert_uint_eq(rq.end, 0x13000);
    ck_assert(!rq.with_file); /* private anonymous memory has no file pages */
    ck_assert(rq.full);       /* small: every page in full */
    ck_assert_uint_eq(rq.page, 0x11000);
    ck_assert_uint_eq(rq.stamp, 7);
    struct page_answer a = answer(0x11000, 2, PS_PRESENT);
    view_set_pages(&v, &rq, &a);
    ck_assert_ptr_null(a.states.items); /* taken */
    ck_assert_uint_eq(view_pages(&v, false)->count, 1);
    ck_assert(!view_page_request(&v, &rq)); /* answered: nothing to read until a change */
    ck_assert(!view_page_request(&v, &rq));
    view_push_snapshot(&v, make_snap(three, 3, 8)); /* a new sample */
    ck_assert(view_page_request(&v, &rq));
    ck_assert_uint_eq(rq.stamp, 8);
    a = answer(0x11000, 2, 0);
    view_set_pages(&v, &rq, &a);
    ck_assert_uint_eq(view_pages(&v, true)->items[0].state, PS_PRESENT);
    ck_assert_uint_eq(view_pages(&v, false)->items[0].state, 0);
    view_push_snapshot(&v, make_snap(three, 3, 9)); /* the process ended */
    ck_assert(view_page_request(&v, &rq));
    a = (struct page_answer){.err = -3, .note = "ended"};
    view_set_pages(&v, &rq, &a);
    ck_assert_uint_eq(view_pages(&v, false)->count, 1);
    ck_assert_str_eq(view_pages_note(&v), "ended");
    ck_assert(!view_page_request(&v, &rq)); /* and it is not asked again */
    struct page_request other = {.start = 0x10000, .end = 0x11000, .stamp = 9};
    a = answer(0x10000, 1, PS_PRESENT);
    view_set_pages(&v, &other, &a);
    ck_assert_uint_eq(view_pages(&v, false)->items[0].start, 0x11000);
    /* another region: its own request */
    ck_assert(view_search(&v, "prog"));
    ck_assert(view_page_request(&v, &rq));
    ck_assert_uint_eq(rq.start, 0x10000);
    ck_assert(rq.with_file);
    view_free(&v);
}
END_TEST

/* One table names and shows every class: names round-trip, glyphs and
 * colours tell the classes apart. */
/* ---- a recording's Timeline: read at once, or between keys ---------- */

static void on_event(void *arg, const struct syscall_event *e)
{
    struct view *v = arg;
    if (!view_traced(v))
        view_enable_trace(v);
    view_add_syscall_event(v, e);
}

static void on_history(void *arg, struct snapshot *snap)
{
    view_add_history(arg, snap);
}

/* The Timeline as -r built it before the first frame: every sample of the
 * file through view_push_snapshot, in one pass. */
static void timeline_in_one_pass(struct view *v, const char *path)
{
    struct recording_iter it;
    char *why = NULL;
    ck_assert_int_eq(recording_iter_open(&it, path, &why), 0);
    it.on_event = on_event;
    it.event_arg = v;
    const struct snapshot *snap;
    while (recording_iter_next(&it, &snap, &why) > 0)
        view_push_snapshot(v, snapshot_clone(snap));
    ck_assert_ptr_null(why);
    recording_iter_close(&it);
}

/* The file source's history, a few samples at a time as its reader thread
 * has them, waking on its fd (10 s at most). */
static long timeline_from_source(struct view *v, const char *path)
{
    struct source *src = source_file_new(path);
    struct snapshot *first;
    char *why = NULL;
    ck_assert_int_eq(source_first(src, &first, &why), 0);
    long count = src->count;
    view_replace_snapshot(v, first);
    ck_assert_int_eq(src->history_left, count);
    uint64_t deadline = clock_monotonic_ns() + 10000000000u;
    for (long max = 1; src->history_left > 0; max = max % 3 + 1) {
        ck_assert_msg(clock_monotonic_ns() < deadline, "history not read in 10 s");
        if (src->ops->history(src, max, on_history, on_event, v) == 0) {
            struct pollfd p[1];
            if (src->ops->fds(src, p, 1) == 1)
                poll(p, 1, 100);
        }
    }
    src->ops->free(src);
    return count;
}

static void assert_same_timeline(const struct view *a, const struct view *b, long samples)
{
    const struct timeline *x = &a->timeline, *y = &b->timeline;
    ck_assert_uint_eq(x->sample_count, (size_t)samples);
    ck_assert_uint_eq(y->sample_count, x->sample_count);
    for (size_t i = 0; i < x->sample_count; i++) {
        const struct timeline_sample *p = timeline_sample_at(x, i), *q = timeline_sample_at(y, i);
        ck_assert_uint_eq(p->monotonic_ns, q->monotonic_ns);
        ck_assert_uint_eq(p->rss, q->rss);
        ck_assert_uint_eq(p->vsz, q->vsz);
        ck_assert_mem_eq(p->class_rss, q->class_rss, sizeof p->class_rss);
        ck_assert_mem_eq(p->series_rss, q->series_rss, sizeof p->series_rss);
        ck_assert_uint_eq(p->anon_mmaps, q->anon_mmaps);
        ck_assert_uint_eq(p->anon_mmap_vsz, q->anon_mmap_vsz);
        ck_assert_mem_eq(p->arena_rss, q->arena_rss, sizeof p->arena_rss);
        ck_assert_uint_eq(p->events, q->events);
        ck_assert_uint_eq(p->traced, q->traced);
    }
    ck_assert_uint_eq(y->event_count, x->event_count);
    for (size_t i = 0; i < x->event_count; i++) {
        const struct timeline_event *p = timeline_event_at(x, i), *q = timeline_event_at(y, i);
        ck_assert_uint_eq(p->monotonic_ns, q->monotonic_ns);
        ck_assert_int_eq(p->kind, q->kind);
        ck_assert_int_eq(p->cls, q->cls);
        ck_assert_uint_eq(p->start, q->start);
        ck_assert_uint_eq(p->end, q->end);
        ck_assert_int_eq(p->size_delta, q->size_delta);
        ck_assert_str_eq(p->perms_before, q->perms_before);
        ck_assert_str_eq(p->perms_after, q->perms_after);
    }
    ck_assert_int_eq(view_traced(a), view_traced(b));
    ck_assert_uint_eq(a->trace.count, b->trace.count);
    ck_assert_mem_eq(a->trace.total, b->trace.total, sizeof a->trace.total);
    /* The screens show the last sample either way. */
    ck_assert_uint_eq(a->snap->monotonic_ns, b->snap->monotonic_ns);
    ck_assert_uint_eq(a->snap->n_regions, b->snap->n_regions);
}

static void check_history(const char *path, long min_samples, bool traced)
{
    struct view a, b;
    view_init(&a, 1, false);
    view_init(&b, 1, false);
    timeline_in_one_pass(&a, path);
    long n = timeline_from_source(&b, path);
    ck_assert_int_ge(n, min_samples);
    assert_same_timeline(&a, &b, n);
    ck_assert_int_eq(view_traced(&b), traced);
    if (traced)
        ck_assert_uint_gt(b.trace.count, 0);
    else
        ck_assert_uint_gt(b.timeline.event_count, 0);
    view_free(&a);
    view_free(&b);
}

/* -r shows a recording's last sample first and reads its past for the
 * Timeline in a thread, between keys; the Timeline it ends with is the
 * one-pass Timeline, event by event and series by series: on a process
 * that adds threads (their stacks appear: region events) and on the sample recording, whose
 * exact calls (--trace) come between its samples. */
START_TEST(t_history_between_keys_same_timeline)
{
    char dir[] = "/tmp/vmscope-history-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *rec = test_path(dir, "threads.jsonl");
    struct helper h; /* a thread, so a stack, every 80 ms */
    helper_start(&h, (const char *[]){"addthreads", "8", "80", NULL});
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.05",
                                                  "-d", "0.8", "-o", rec, NULL},
                                 -1, NULL, NULL),
                     0);
    helper_stop(&h);
    check_history(rec, 4, false);
    check_history(TEST_SRCDIR "/../data/sample.jsonl", 2, true);
    unlink(rec);
    rmdir(dir);
}
END_TEST

START_TEST(t_class_table)
{
    for (int c = 0; c < RC_COUNT; c++) {
        const struct region_class_style *st = &region_class_styles[c];
        ck_assert_int_eq(region_class_from_name(st->name), c);
        ck_assert_str_eq(region_class_name((enum region_class)c), st->name);
        ck_assert_int_eq(st->rgb[0], '#');
        ck_assert_int_ge(st->ansi, 1);
        ck_assert_int_le(st->ansi, 7);
        for (int d = 0; d < c; d++) {
            ck_assert_int_ne(st->glyph, region_class_styles[d].glyph);
            ck_assert_int_ne(st->ansi, region_class_styles[d].ansi);
            ck_assert_str_ne(st->rgb, region_class_styles[d].rgb);
        }
    }
}
END_TEST

static const struct summary_row *row_of(const struct summary *sm, const char *key)
{
    for (size_t i = 0; i < sm->n; i++)
        if (!strcmp(sm->rows[i].key, key))
            return &sm->rows[i];
    return NULL;
}

/* Classes, their subclass rows, the PROT_NONE space apart, the gaps of
 * [min, task) and a total that counts every mapped byte once. */
START_TEST(t_summary_arithmetic)
{
    static const struct spec sp[] = {
        {0x20000, 0x22000, "/usr/bin/prog", RC_TEXT, "code", 8 * 1024},
        {0x22000, 0x40000, "[heap]", RC_HEAP, "brk", 16 * 1024},
        {0x100000, 0x300000, "", RC_HEAP, "arena", 64 * 1024},
        {0x300000, 0x400000, "", RC_HEAP, "arena", 0},          /* made PROT_NONE below */
        {0x500000, 0x510000, "", RC_MMAP, "anon", 4096},
        {0x510000, 0x600000, "", RC_HEAP, "arena", 12 * 1024},
        {0x7fff0000, 0x80000000, "[stack]", RC_STACK, "main", 4096},
        {0xffffffffff600000, 0xffffffffff601000, "[vsyscall]", RC_OTHER, "vsyscall", 0},
    };
    struct snapshot *s = make_snap(sp, 8, 1);
    memcpy(s->vmas[3].perms, "---p", 5);
    s->vmas[2].field[SMAPS_PRIVATE_DIRTY] = 60 * 1024;
    s->vmas[2].field[SMAPS_SHARED_CLEAN] = 4 * 1024;
    s->vmas[2].field[SMAPS_ANON_HUGE] = 2 * MiB;
    s->vmas[2].field_mask |= 1u << SMAPS_PRIVATE_CLEAN | 1u << SMAPS_PRIVATE_DIRTY;
    s->vmas[5].field[SMAPS_SWAP] = 8 * 1024;
    s->vmas[5].field[SMAPS_LOCKED] = 4 * 1024;
    struct summary sm;
    summary_compute(s, 0x10000, 0x100000000, &sm);
    ck_assert(sm.has_detail);

    const struct summary_row *heap = row_of(&sm, "heap"), *arena = row_of(&sm, "arena");
    ck_assert_ptr_nonnull(heap);
    ck_assert_ptr_nonnull(arena);
    ck_assert_int_eq(arena->kind, SUMMARY_SUB);
    ck_assert_ptr_eq(arena, heap + 2); /* heap, brk, arenas */
    ck_assert_uint_eq(heap->c.size, 0x1e000 + 0x200000 + 0xf0000);
    ck_assert_uint_eq(heap->c.blocks, 3);
    ck_assert_uint_eq(heap->c.largest, 0x200000);
    ck_assert_uint_eq(heap->c.rss, (16 + 64 + 12) * 1024);
    ck_assert_uint_eq(arena->c.size, 0x200000 + 0xf0000);
    ck_assert_uint_eq(arena->c.priv, 60 * 1024);
    ck_assert_uint_eq(arena->c.shared, 4 * 1024);
    ck_assert_uint_eq(arena->c.huge, 2 * MiB);
    ck_assert_uint_eq(arena->c.swap, 8 * 1024);
    ck_assert_uint_eq(arena->c.locked, 4 * 1024);
    ck_assert_uint_eq(row_of(&sm, "brk")->c.blocks, 1);
    ck_assert_ptr_null(row_of(&sm, "shm")); /* no blocks, no row */
    ck_assert_ptr_null(row_of(&sm, "jit"));

    const struct summary_row *res = row_of(&sm, "reserved");
    ck_assert_uint_eq(res->c.size, 0x100000);
    ck_assert_uint_eq(res->c.blocks, 1);

    /* Gaps: [0x10000,0x20000) [0x40000,0x100000) [0x400000,0x500000)
     * [0x600000,0x7fff0000) [0x80000000,0x100000000); vsyscall lies above. */
    const struct summary_row *fr = summary_free_row(&sm);
    ck_assert_uint_eq(fr->c.blocks, 5);
    ck_assert_uint_eq(fr->c.largest, 0x80000000);
    ck_assert_uint_eq(fr->c.size, 0x10000 + 0xc0000 + 0x100000 + (0x7fff0000 - 0x600000) + 0x80000000);

    const struct summary_row *total = &sm.rows[sm.n - 1];
    ck_assert_int_eq(total->kind, SUMMARY_TOTAL);
    uint64_t mapped = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        mapped += s->vmas[i].end - s->vmas[i].start;
    ck_assert_uint_eq(total->c.size, mapped);
    ck_assert_uint_eq(total->c.blocks, 8);

    ck_assert(summary_matches("arena", &s->regions[2]));
    ck_assert(!summary_matches("arena", &s->regions[3])); /* reserved */
    ck_assert(summary_matches("reserved", &s->regions[3]));
    ck_assert(summary_matches("heap", &s->regions[1]));
    ck_assert(!summary_matches("heap", &s->regions[4]));
    ck_assert(!summary_matches("free", &s->regions[4]));

    /* The Map's last gap: what lies above TASK_SIZE is no free space. */
    struct map_row *rows;
    size_t nr = map_layout_rows(s, &rows);
    ck_assert_uint_ge(nr, 2);
    ck_assert_int_eq(rows[nr - 2].region, -1);
    ck_assert_uint_eq(rows[nr - 2].gap, 0xffffffffff600000 - 0x80000000);
    ck_assert_uint_eq(rows[nr - 2].hole, 0xffffffffff600000 - SUMMARY_TASK_SIZE);
    for (size_t i = 0; i + 2 < nr; i++)
        ck_assert_uint_eq(rows[i].hole, 0);
    free(rows);
    snapshot_free(s);
}
END_TEST

/* Names cut from the front keep their file name; nothing unsafe gets out. */
START_TEST(t_fit_tail)
{
    struct buf b;
    buf_init(&b);
    const char *path = "/usr/lib/x86_64-linux-gnu/libm.so.6";
    ck_assert_int_eq(sanitize_fit_tail(&b, path, strlen(path), 40), (int)strlen(path));
    ck_assert_str_eq(b.data, path); /* fits: as it is */
    buf_reset(&b);
    ck_assert_int_eq(sanitize_fit_tail(&b, path, strlen(path), 11), 11);
    if (MB_CUR_MAX == 1) /* the C locale: the mark is "~" */
        ck_assert_str_eq(b.data, "~/libm.so.6");
    ck_assert(strlen(b.data) >= 10 && !strcmp(b.data + strlen(b.data) - 10, "/libm.so.6"));
    buf_reset(&b);
    const char *evil = "/tmp/\x1b]0;owned\x07/lib.so";
    sanitize_fit_tail(&b, evil, strlen(evil), 12);
    ck_assert_ptr_null(strchr(b.data, '\x1b'));
    ck_assert_ptr_null(strchr(b.data, '\x07'));
    ck_assert(!strcmp(b.data + strlen(b.data) - 7, "/lib.so"));
    buf_free(&b);
}
END_TEST

/* Groups: an image's segments and its bss together, in the order of the
 * object's first region; anonymous regions alone. */
START_TEST(t_groups)
{
    static const struct spec sp[] = {
        {0x10000, 0x11000, "/usr/lib/libm.so.6", RC_TEXT, "code", 4},
        {0x11000, 0x12000, "/usr/lib/libm.so.6", RC_DATA, "data", 4},
        {0x12000, 0x14000, "", RC_BSS, "bss", 8},
        {0x20000, 0x21000, "", RC_MMAP, "anon", 4},
        {0x30000, 0x31000, "/data/file", RC_MMAP, "file", 4},
        {0x40000, 0x41000, "", RC_MMAP, "anon", 4},
    };
    struct snapshot *s = make_snap(sp, 6, 1);
    s->regions[0].object = s->regions[1].object = s->regions[2].object = "/usr/lib/libm.so.6";
    size_t order[6] = {0, 1, 2, 3, 4, 5};
    struct region_group *g;
    size_t n = region_groups(s, order, 6, &g);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(g[0].key, "/usr/lib/libm.so.6");
    ck_assert_uint_eq(g[0].n, 3);
    ck_assert_uint_eq(g[0].size, 0x4000);
    ck_assert_uint_eq(g[0].rss, 16);
    ck_assert_ptr_null(g[1].key);
    ck_assert_str_eq(g[2].key, "/data/file");
    ck_assert_ptr_null(g[3].key);
    ck_assert_uint_eq(g[3].members[0], 5);
    region_groups_free(g, n);
    s->regions[0].object = s->regions[1].object = s->regions[2].object = NULL;
    snapshot_free(s);
}
END_TEST
static bool same_letter(void *ctx, size_t i, size_t j)
{
    const char *k = ctx;
    return k[i] == k[j];
}

static void check_runs(const char *keys, const char *want)
{
    struct region_run *runs;
    size_t n = runs_find(strlen(keys), same_letter, (void *)keys, &runs);
    char got[256] = "";
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(runs[i].first, covered); /* back to back, in order */
        covered += runs[i].period * runs[i].count;
        size_t len = strlen(got);
        snprintf(got + len, sizeof got - len, "%s%.*s", i ? " " : "", (int)runs[i].period,
                 keys + runs[i].first);
        if (runs[i].count > 1)
            snprintf(got + strlen(got), sizeof got - strlen(got), "x%zu", runs[i].count);
    }
    ck_assert_uint_eq(covered, strlen(keys));
    ck_assert_msg(!strcmp(got, want), "%s: got '%s', want '%s'", keys, got, want);
    free(runs);
}

/* The collapse arithmetic: the pattern that covers most, the shortest of
 * equals, at least RUNS_MIN_REPEAT times; the rest stays one by one. */
START_TEST(t_runs_arithmetic)
{
    check_runs("", "");
    check_runs("a", "a");
    check_runs("aa", "a a");           /* twice is not a run */
    check_runs("aaa", "ax3");
    check_runs("abababab", "abx4");    /* chromium's 4K rw + 2M --- */
    check_runs("xabababy", "x abx3 y");
    check_runs("aaaaab", "ax5 b");
    check_runs("abcabcabcabc", "abcx4");
    check_runs("abcdabcdabcd", "abcdx3");
    check_runs("abcdeabcdeabcde", "a b c d e a b c d e a b c d e"); /* period 5: too long */
    check_runs("ababa", "a b a b a");  /* two whole repeats only */
    check_runs("abababa", "abx3 a");
    check_runs("aaaabab", "ax4 b a b");
    /* regions: same size, permissions, class, subclass and name */
    struct spec sp[8];
    for (int i = 0; i < 8; i++)
        sp[i] = (struct spec){0x100000 + (uint64_t)i * 0x3000, 0x100000 + (uint64_t)i * 0x3000 + (i % 2 ? 0x2000 : 0x1000),
                              "", i % 2 ? RC_OTHER : RC_STACK, i % 2 ? "guard" : "thread", 4};
    struct snapshot *s = make_snap(sp, 8, 1);
    size_t order[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    struct region_run *runs;
    ck_assert_uint_eq(region_runs(s, order, 8, &runs), 1);
    ck_assert_uint_eq(runs[0].period, 2);
    ck_assert_uint_eq(runs[0].count, 4);
    free(runs);
    memcpy(s->vmas[6].perms, "r--p", 5); /* a different permission breaks the run there */
    ck_assert_uint_eq(region_runs(s, order, 8, &runs), 3);
    ck_assert_uint_eq(runs[0].count, 3);
    ck_assert_uint_eq(runs[1].first, 6);
    free(runs);
    snapshot_free(s);
}
END_TEST

/* The Map's strip: cells of equal address span, the last one holding the top. */
START_TEST(t_strip_cells)
{
    ck_assert_uint_eq(map_strip_cell(0x1000, 0x1000, 0x11000, 16), 0);
    ck_assert_uint_eq(map_strip_cell(0x1fff, 0x1000, 0x11000, 16), 0);
    ck_assert_uint_eq(map_strip_cell(0x2000, 0x1000, 0x11000, 16), 1);
    ck_assert_uint_eq(map_strip_cell(0x10fff, 0x1000, 0x11000, 16), 15);
    ck_assert_uint_eq(map_strip_cell(0x20000, 0x1000, 0x11000, 16), 15);
    ck_assert_uint_eq(map_strip_cell(0, 0x1000, 0x11000, 16), 0);
    /* 128 TiB in 100 cells: no overflow */
    ck_assert_uint_eq(map_strip_cell(UINT64_C(0x7ffffffff000) - 1, 0x10000, UINT64_C(0x7ffffffff000), 100), 99);
    ck_assert_uint_eq(map_strip_cell(UINT64_C(0x400000000000), 0, UINT64_C(0x800000000000), 100), 50);
}
END_TEST

/* I reverses any sort; s goes only through the columns shown; the filter
 * matches a region's object (libc's bss is "libc"). */
START_TEST(t_sort_reverse_and_object_filter)
{
    struct view v;
    view_init(&v, 1.0, false);
    struct snapshot *s = make_snap(three, 3, 1);
    s->regions[1].object = "/usr/lib/libc.so.6";
    view_push_snapshot(&v, s);
    size_t *idx;
    v.sort = SORT_RSS;
    size_t n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(idx[0], 2);
    free(idx);
    v.sort_reverse = true;
    view_region_order(&v, &idx);
    ck_assert_uint_eq(idx[0], 0);
    ck_assert_uint_eq(idx[2], 2);
    free(idx);
    v.sort = SORT_ADDRESS;
    view_region_order(&v, &idx);
    ck_assert_uint_eq(idx[0], 2);
    free(idx);
    v.sort_reverse = false;
    snprintf(v.filter, sizeof v.filter, "libc");
    n = view_region_order(&v, &idx);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(idx[0], 1);
    free(idx);
    /* at 80 columns the sort skips the columns not shown */
    v.cols = 80;
    v.sort = SORT_NAME;
    ck_assert_int_eq(view_next_sort(&v), SORT_PERMS);
    v.sort = SORT_PERMS;
    ck_assert_int_eq(view_next_sort(&v), SORT_ADDRESS);
    v.columns_chosen = true;
    v.columns = 1u << COL_TID;
    ck_assert_int_eq(view_next_sort(&v), SORT_TID);
    view_free(&v);
}
END_TEST

/* The tour's control bytes taken through a buffer smaller than the queue
 * come out whole and in order over the following calls. */
START_TEST(t_tour_commands_not_lost)
{
    struct view v;
    view_init(&v, 1.0, false);
    v.tour.word.count = 3; /* a tour is running */
    v.tour.word.state = 'r';
    const char keys[] = "nnp n";
    for (const char *k = keys; *k; k++)
        ck_assert(tui_key(&v, *k) & VIEW_HANDLED);
    const char want[] = {TOUR_NEXT, TOUR_NEXT, TOUR_PREVIOUS, TOUR_HOLD, TOUR_NEXT};
    char got[16], out[2];
    size_t len = 0, n;
    while ((n = view_tour_take_commands(&v, out, sizeof out)) > 0) {
        ck_assert_uint_le(len + n, sizeof got);
        memcpy(got + len, out, n);
        len += n;
    }
    ck_assert_uint_eq(len, sizeof want);
    ck_assert(memcmp(got, want, sizeof want) == 0);
    ck_assert_uint_eq(view_tour_take_commands(&v, out, sizeof out), 0);
    view_free(&v);
}
END_TEST

static Suite *view_suite(void)
{
    Suite *s = suite_create("view");
    TCase *tc = tcase_create("logic");
    tcase_add_test(tc, t_map_layout_rows);
    tcase_add_test(tc, t_region_order_and_filter);
    tcase_add_test(tc, t_search);
    tcase_add_test(tc, t_keys_return_flags);
    tcase_add_test(tc, t_timeline_series);
    tcase_add_test(tc, t_page_requests);
    tcase_add_test(tc, t_class_table);
    tcase_add_test(tc, t_history_between_keys_same_timeline);
    tcase_add_test(tc, t_summary_arithmetic);
    tcase_add_test(tc, t_fit_tail);
    tcase_add_test(tc, t_groups);
    tcase_add_test(tc, t_runs_arithmetic);
    tcase_add_test(tc, t_strip_cells);
    tcase_add_test(tc, t_sort_reverse_and_object_filter);
    tcase_add_test(tc, t_tour_commands_not_lost);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(view_suite());
}
