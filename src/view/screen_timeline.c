/* Timeline: RSS over time stacked by class, the heap-versus-mmap series,
 * and the log of region events. */
#include "screens.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <string.h>

/* The Timeline's own state: the selected event log line (0 = newest),
 * which stays on its event as new ones come in. */
struct timeline_state {
    struct list_widget list; /* the event log */
    int log_y, log_rows;     /* where it was drawn, for clicks */
    long cursor;
    uint64_t seen; /* events ever added when last looked */
    struct event_log log; /* the traced calls' filter and full-width mode */
};

static struct timeline_state *tl_state(struct view *v)
{
    struct timeline_state *t = screen_state(v, SCREEN_TIMELINE, sizeof *t);
    uint64_t now = 0;
    for (int k = 0; view_traced(v) && k < TC_COUNT; k++)
        now += v->trace.total[k];
    if (t->log.call || t->log.tid) /* filtered: the cursor follows the matching ones */
        now = event_log_count(v, &t->log);
    if (t->cursor > 0 && now > t->seen)
        t->cursor += (long)(now - t->seen);
    t->seen = now;
    return t;
}

static void timeline_state_free(void *state)
{
    event_log_free(&((struct timeline_state *)state)->log);
}

static const char *const spark[] = {" ", "\u2581", "\u2582", "\u2583", "\u2584",
                                    "\u2585", "\u2586", "\u2587", "\u2588"};

static void draw_stacked(struct view *v, int top, int height, int width)
{
    const struct timeline *t = &v->timeline;
    size_t n = t->sample_count, first = n > (size_t)width ? n - (size_t)width : 0;
    uint64_t max = 1;
    for (size_t i = first; i < n; i++)
        if (timeline_sample_at(t, i)->rss > max)
            max = timeline_sample_at(t, i)->rss;
    char label[32];
    format_size(label, sizeof label, max);
    draw_text(top, 0, 9, label);
    draw_text(top + height - 1, 0, 9, "0");
    for (size_t i = first; i < n; i++) {
        const struct timeline_sample *s = timeline_sample_at(t, i);
        int x = 9 + (int)(i - first);
        /* Fill from the bottom, class by class. */
        int y = top + height - 1;
        uint64_t acc = 0;
        int drawn = 0;
        for (int c = 0; c < RC_COUNT; c++) {
            acc += s->class_rss[c];
            int upto = (int)((acc * (uint64_t)height + max / 2) / max);
            for (; drawn < upto && drawn < height; drawn++) {
                attron(class_attr(v, (enum region_class)c) | A_REVERSE);
                mvaddch(y - drawn, x, (chtype)class_glyph((enum region_class)c));
                attroff(class_attr(v, (enum region_class)c) | A_REVERSE);
            }
        }
        if (s->events || s->traced) {
            attron(A_BOLD);
            /* '*': memory calls the tracer saw; '!': changes found by comparing samples */
            mvaddch(top, x, s->traced ? '*' : '!');
            attroff(A_BOLD);
        }
        if (v->rec_count && (long)i == v->rec_index) { /* the recording's shown sample */
            attron(A_BOLD | A_REVERSE);
            mvaddch(top + height - 1, x, '^');
            attroff(A_BOLD | A_REVERSE);
        }
    }
}

/* One line of the heap-versus-mmap view: a series, or one arena. */
struct series_row {
    char label[16];
    int series; /* enum alloc_series */
    int arena;  /* timeline arena slot, or -1 */
};

static uint64_t row_value(const struct timeline_sample *s, const struct series_row *row)
{
    return row->arena >= 0 ? s->arena_rss[row->arena] : s->series_rss[row->series];
}

/* The series of the heap-versus-mmap view; the runtime heap is named for
 * what manages it in snap ("jvm heap", "jemalloc heap"). */
static size_t series_rows(const struct timeline *t, const struct snapshot *snap,
                          struct series_row *rows, size_t max)
{
    size_t n = 0;
    for (int k = 0; k < SERIES_COUNT && n < max; k++) {
        rows[n] = (struct series_row){.series = k, .arena = -1};
        const char *manager = k == SERIES_RUNTIME && snap ? snapshot_heap_manager(snap) : NULL;
        if (manager) {
            snprintf(rows[n].label, sizeof rows[n].label, "%.10s heap", manager);
        } else {
            snprintf(rows[n].label, sizeof rows[n].label, "%s", alloc_series_name(k));
        }
        n++;
        for (size_t a = 0; k == SERIES_ARENAS && a < t->n_arenas && n < max; a++, n++) {
            rows[n] = (struct series_row){.series = k, .arena = (int)a};
            snprintf(rows[n].label, sizeof rows[n].label, " arena %u", (unsigned)(a + 1) % 100);
        }
    }
    return n;
}

#define SPARK_COL 46

static void draw_series(struct view *v, int top, int rows, int width)
{
    const struct timeline *t = &v->timeline;
    size_t n = t->sample_count;
    int spark_w = width - SPARK_COL;
    if (spark_w < 0)
        spark_w = 0;
    size_t first = n > (size_t)spark_w ? n - (size_t)spark_w : 0;
    struct series_row list[SERIES_COUNT + TIMELINE_ARENAS];
    size_t nrows = series_rows(t, v->snap, list, rows > 0 ? (size_t)rows : 0);
    for (size_t k = 0; k < nrows; k++) {
        const struct series_row *row = &list[k];
        uint64_t max = 1, cur = 0, start = 0;
        for (size_t i = first; i < n; i++) {
            uint64_t x = row_value(timeline_sample_at(t, i), row);
            if (x > max)
                max = x;
        }
        if (n) {
            cur = row_value(timeline_sample_at(t, n - 1), row);
            start = row_value(timeline_sample_at(t, first), row);
        }
        char a[16], d[16], extra[32] = "", line[400];
        format_size(a, sizeof a, cur);
        format_size(d, sizeof d, cur >= start ? cur - start : start - cur);
        if (row->series == SERIES_ANON_MMAP && n) {
            const struct timeline_sample *last = timeline_sample_at(t, n - 1);
            char vsz[16];
            format_size(vsz, sizeof vsz, last->anon_mmap_vsz);
            snprintf(extra, sizeof extra, "%u maps, %s", last->anon_mmaps, vsz);
        } else if (row->arena >= 0) {
            snprintf(extra, sizeof extra, "@%llx", (unsigned long long)t->arena_base[row->arena]);
        }
        snprintf(line, sizeof line, "%-10s %7s %c%-6s %-19s", row->label, a,
                 cur >= start ? '+' : '-', d, extra);
        draw_text(top + (int)k, 0, width, line);
        move(top + (int)k, SPARK_COL);
        for (size_t i = first; i < n && SPARK_COL + (int)(i - first) < width; i++) {
            uint64_t x = row_value(timeline_sample_at(t, i), row);
            addstr(spark[(x * 8 + max - 1) / max]);
        }
    }
}

static long event_log_length(struct view *v)
{
    return view_traced(v) ? (long)event_log_count(v, &tl_state(v)->log)
                          : (long)v->timeline.event_count;
}

static void format_ago(char *out, size_t size, uint64_t when, uint64_t now)
{
    if (when > now) /* newer than the sample on screen */
        snprintf(out, size, "+%.1fs", (double)(when - now) / 1e9);
    else
        snprintf(out, size, "-%.1fs", (double)(now - when) / 1e9);
}

/* Line k of the event log, newest first (k = 0 is the newest). */
static void format_log_line(struct view *v, long k, char *line, size_t size)
{
    uint64_t now = v->snap ? v->snap->monotonic_ns : 0;
    char ago[24];
    if (view_traced(v)) {
        struct event_log *l = &tl_state(v)->log;
        event_log_line(v, event_log_at(v, l, (size_t)k), line, size);
        return;
    }
    const struct timeline_event *e =
        timeline_event_at(&v->timeline, v->timeline.event_count - 1 - (size_t)k);
    char sz[16];
    format_size(sz, sizeof sz, (uint64_t)(e->size_delta < 0 ? -e->size_delta : e->size_delta));
    format_ago(ago, sizeof ago, e->monotonic_ns, now);
    snprintf(line, size, "%7s %-10s %-5s %012llx %c%s %s%s%s", ago, timeline_event_name(e->kind),
             region_class_name(e->cls), (unsigned long long)e->start,
             e->size_delta < 0 ? '-' : '+', sz, e->perms_before,
             e->kind == EV_PROTECTION ? "->" : "", e->kind == EV_PROTECTION ? e->perms_after : "");
}

static void log_row(void *arg, long k, int y, int x, int width)
{
    char line[512];
    format_log_line(arg, k, line, sizeof line);
    struct view *v = arg;
    size_t shift = view_traced(v) && tl_state(v)->log.full ? (size_t)tl_state(v)->log.hscroll : 0;
    draw_text(y, x, width, line + (shift < strlen(line) ? shift : strlen(line)));
}

static void draw_events(struct view *v, int top, int rows, int x, int width)
{
    char title[320];
    long n = event_log_length(v);
    if (view_traced(v))
        event_log_title(v, &tl_state(v)->log, title, sizeof title);
    else
        snprintf(title, sizeof title, "Region events (newest first; Enter shows the region)");
    attron(A_BOLD);
    draw_text(top, x, width, title);
    attroff(A_BOLD);
    struct timeline_state *t = tl_state(v);
    if (t->cursor >= n)
        t->cursor = n ? n - 1 : 0;
    t->log_y = top + 1;
    t->log_rows = rows - 1;
    list_draw(&t->list, top + 1, x, width, rows - 1, n, t->cursor, log_row, v);
}

/* Enter on the event log: the region the selected event made or changed. */
static int show_event_region(struct view *v)
{
    long n = event_log_length(v);
    if (!n || !v->snap)
        return VIEW_HANDLED;
    uint64_t start = 0, end = 0;
    bool has_range;
    const struct syscall_event *e = NULL;
    if (view_traced(v)) {
        e = event_log_at(v, &tl_state(v)->log, (size_t)tl_state(v)->cursor);
        has_range = e && syscall_event_range(e, &start, &end);
    } else {
        start = timeline_event_at(&v->timeline,
                                  v->timeline.event_count - 1 - (size_t)tl_state(v)->cursor)->start;
        has_range = true;
    }
    const struct region *r = has_range ? snapshot_find(v->snap, start) : NULL;
    if (!r) {
        if (e && has_range)
            event_log_gone(v, e, start, v->message, sizeof v->message);
        else
            snprintf(v->message, sizeof v->message,
                     has_range ? "%#llx is not mapped at this moment (unmapped or replaced since)"
                               : "this call changed no mapping (it failed, or asked a question)",
                     (unsigned long long)start);
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    v->selected = r->vma->start;
    v->back = SCREEN_TIMELINE;
    v->screen = SCREEN_DETAIL;
    return VIEW_HANDLED | VIEW_REDRAW | VIEW_FULL;
}

static int chart_height(int height);

/* A recording: move the time cursor to its sample `next`. */
static int seek_to(struct view *v, long next)
{
    if (!v->rec_count || next < 0 || next >= v->rec_count)
        return VIEW_HANDLED;
    v->rec_index = next;
    return VIEW_HANDLED | VIEW_REDRAW | VIEW_SEEK;
}

/* A click on the chart (the sample under it) or on the event log. */
static int timeline_click(struct view *v, int height)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return 0;
    int chart_top = 5, chart_h = chart_height(height); /* below the header and the title */
    if (ev.y >= chart_top && ev.y < chart_top + chart_h && ev.x >= 9) {
        size_t n = v->timeline.sample_count, width = (size_t)(COLS > 10 ? COLS - 10 : 0);
        size_t first = n > width ? n - width : 0;
        /* The ring may have dropped the oldest samples of a long recording. */
        long dropped = v->rec_count > (long)n ? v->rec_count - (long)n : 0;
        return seek_to(v, dropped + (long)(first + (size_t)(ev.x - 9)));
    }
    return 0;
}

static int timeline_key(struct view *v, int ch, int height)
{
    if (ch == '\n' || ch == KEY_ENTER)
        return show_event_region(v);
    if (view_traced(v)) {
        struct timeline_state *t = tl_state(v);
        int r = event_log_key(v, &t->log, ch);
        if (r && (ch == 'c' || ch == 't')) { /* another filter: from the newest */
            t->cursor = 0;
            t->seen = (uint64_t)event_log_length(v);
        }
        if (r)
            return r;
    }
    if (ch == KEY_MOUSE)
        return timeline_click(v, height);
    if ((ch == KEY_LEFT || ch == KEY_RIGHT) && v->rec_count)
        return seek_to(v, v->rec_index + (ch == KEY_LEFT ? -1 : 1));
    struct timeline_state *t = tl_state(v);
    long cursor = list_key(&t->list, ch, t->cursor, event_log_length(v), t->log_y,
                           t->log_rows > 0 ? t->log_rows : height / 2);
    if (cursor < 0)
        return 0;
    tl_state(v)->cursor = cursor;
    return VIEW_HANDLED | VIEW_REDRAW;
}

static int chart_height(int height)
{
    int chart_h = height / 2 - 1;
    return chart_h < 3 ? height - 1 : chart_h;
}

static void timeline_draw(struct view *v, int top, int height)
{
    if (view_traced(v) && tl_state(v)->log.full) { /* L: the log alone, full width */
        draw_events(v, top, height, 0, COLS);
        return;
    }
    int chart_h = chart_height(height);
    int chart_w = COLS - 10;
    attron(A_BOLD);
    draw_text(top, 0, COLS, view_traced(v) ? "RSS over time, stacked by class (* = memory calls traced, ! = regions changed)"
                                    : "RSS over time, stacked by class (! = regions changed)");
    attroff(A_BOLD);
    if (chart_h > 0 && chart_w > 0)
        draw_stacked(v, top + 1, chart_h, chart_w);
    int y = top + 1 + chart_h;
    int rest = top + height - y;
    if (rest < 3)
        return;
    int left = COLS >= 120 ? 72 : COLS;
    attron(A_BOLD);
    draw_text(y, 0, left, "Heap versus mmap (resident)");
    attroff(A_BOLD);
    draw_series(v, y + 1, rest - 1, left);
    int series = SERIES_COUNT + (int)v->timeline.n_arenas;
    if (COLS >= 120)
        draw_events(v, y, rest, left + 2, COLS - left - 2);
    else if (rest > series + 3)
        draw_events(v, y + series + 2, rest - series - 2, 0, COLS);
}

const struct screen screen_timeline = {"Timeline", timeline_draw, timeline_key, timeline_state_free};
