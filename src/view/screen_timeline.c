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
    uint64_t at;   /* the chart's cursor (live): its sample's time, 0 = the newest */
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

/* The chart's y axis: the data's own range widened to round values (a
 * step of 1, 2 or 5 units of K, M or G), so a small change on a large
 * total fills the height and the labels are exact. */
struct axis {
    uint64_t lo, hi;
};

static struct axis axis_of(uint64_t min, uint64_t max)
{
    uint64_t range = max > min ? max - min : max / 20 + 4096;
    uint64_t unit = 1024;
    while (unit < (1ull << 50) && range / 4 >= unit * 1024)
        unit *= 1024;
    static const uint64_t mult[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1024};
    uint64_t step = unit * 1024;
    for (size_t k = 0; k < sizeof mult / sizeof mult[0]; k++)
        if (range / 4 <= unit * mult[k]) {
            step = unit * mult[k];
            break;
        }
    struct axis a = {min / step * step, (max + step - 1) / step * step};
    if (a.hi <= a.lo || a.hi < max)
        a.hi = a.lo + step;
    return a;
}

/* The class that covers most of [lo, hi) of a stacked sample, or -1. */
static int cell_class(const struct timeline_sample *s, uint64_t lo, uint64_t hi)
{
    uint64_t acc = 0, best = 0;
    int cls = -1;
    for (int c = 0; c < RC_COUNT; c++) {
        uint64_t a = acc, b = acc + s->class_rss[c];
        acc = b;
        uint64_t from = a > lo ? a : lo, to = b < hi ? b : hi;
        if (to > from && to - from > best) {
            best = to - from;
            cls = c;
        }
    }
    return cls;
}

/* The chart's time cursor (n > 0): the sample taken at `at` (live; the
 * newest when 0 or gone), or the recording's shown sample. */
static size_t cursor_sample(const struct view *v, size_t n, uint64_t at)
{
    if (v->rec_count) {
        long dropped = v->rec_count > (long)n ? v->rec_count - (long)n : 0;
        long i = v->rec_index - dropped;
        return i < 0 ? 0 : i >= (long)n ? n - 1 : (size_t)i;
    }
    for (size_t i = n; at && i-- > 0;)
        if (timeline_sample_at(&v->timeline, i)->monotonic_ns == at)
            return i;
    return n - 1;
}

/* "-12.3s" before the newest sample, or "now". */
static void format_when(char *out, size_t size, uint64_t when, uint64_t newest)
{
    if (when >= newest)
        snprintf(out, size, "now");
    else if (newest - when >= 100000000000ull)
        snprintf(out, size, "-%llus", (unsigned long long)((newest - when) / 1000000000ull));
    else
        snprintf(out, size, "-%.1fs", (double)(newest - when) / 1e9);
}

/* The bars: every cell belongs to one class (the one covering most of
 * it), the top cell of a column an eighth block of the topmost class. */
static void draw_bars(struct view *v, int top, int height, int x0, size_t first, size_t n,
                      struct axis ax, size_t cur)
{
    const struct timeline *t = &v->timeline;
    double per_cell = (double)(ax.hi - ax.lo) / height;
    for (size_t i = first; i < n; i++) {
        const struct timeline_sample *s = timeline_sample_at(t, i);
        int x = x0 + (int)(i - first);
        for (int row = 0; row < height; row++) {
            uint64_t lo = ax.lo + (uint64_t)(per_cell * row),
                     hi = ax.lo + (uint64_t)(per_cell * (row + 1));
            int y = top + height - 1 - row;
            if (s->rss <= lo)
                break;
            bool full = s->rss >= hi;
            int cls = full ? cell_class(s, lo, hi) : cell_class(s, s->rss - 1, s->rss);
            if (cls < 0)
                break;
            attr_t a = class_attr(v, (enum region_class)cls);
            if (i == cur)
                a |= A_BOLD;
            if (full && !(v->color && has_colors())) {
                /* no colour: the class's glyph, so classes stay apart */
                attron(a | A_REVERSE);
                mvaddch(y, x, (chtype)class_glyph((enum region_class)cls));
                attroff(a | A_REVERSE);
            } else {
                int eighths = full ? 8 : (int)(((double)(s->rss - lo) * 8) / per_cell + 0.5);
                attron(a);
                mvaddstr(y, x, spark[eighths < 1 ? 1 : eighths > 8 ? 8 : eighths]);
                attroff(a);
            }
        }
        if (s->events || s->traced) {
            attron(A_BOLD);
            /* '*': memory calls the tracer saw; '!': changes found by comparing samples */
            mvaddch(top, x, s->traced ? '*' : '!');
            attroff(A_BOLD);
        }
    }
}

/* The time axis under the bars: a tick and a label every 16 columns or
 * so, counted back from the newest sample, and the cursor's '^'. */
static void draw_time_axis(struct view *v, int y, int x0, int width, size_t first, size_t n,
                           size_t cur)
{
    const struct timeline *t = &v->timeline;
    uint64_t newest = timeline_sample_at(t, n - 1)->monotonic_ns;
    mvhline(y, x0, ACS_HLINE, width);
    for (size_t i = n; i-- > first;) {
        int x = x0 + (int)(i - first);
        if ((n - 1 - i) % 16 != 0)
            continue;
        char label[16];
        format_when(label, sizeof label, timeline_sample_at(t, i)->monotonic_ns, newest);
        int len = (int)strlen(label);
        int lx = x - len + 1 < x0 ? x0 : x - len + 1;
        mvaddch(y, x, ACS_BTEE);
        if (lx + len <= x0 + width)
            draw_text(y + 1, lx, len, label);
    }
    if (cur >= first) {
        attron(A_BOLD | A_REVERSE);
        mvaddch(y, x0 + (int)(cur - first), '^');
        attroff(A_BOLD | A_REVERSE);
    }
}

/* The value under the cursor: when, total RSS, and the largest classes. */
static void draw_readout(struct view *v, int y, size_t n, size_t cur)
{
    const struct timeline *t = &v->timeline;
    const struct timeline_sample *s = timeline_sample_at(t, cur);
    char when[16], a[16], line[400];
    format_when(when, sizeof when, s->monotonic_ns, timeline_sample_at(t, n - 1)->monotonic_ns);
    format_size(a, sizeof a, s->rss);
    int len = snprintf(line, sizeof line, "cursor %s: RSS %s (%llu bytes)", when, a,
                       (unsigned long long)s->rss);
    bool used[RC_COUNT] = {false};
    for (int k = 0; k < 4; k++) { /* the four largest classes */
        int best = -1;
        for (int c = 0; c < RC_COUNT; c++)
            if (!used[c] && s->class_rss[c] && (best < 0 || s->class_rss[c] > s->class_rss[best]))
                best = c;
        if (best < 0)
            break;
        used[best] = true;
        format_size(a, sizeof a, s->class_rss[best]);
        len += snprintf(line + len, sizeof line - (size_t)len, "%s %s %s", k ? "," : " ", 
                        region_class_name((enum region_class)best), a);
        if (len >= (int)sizeof line)
            break;
    }
    draw_text(y, 0, COLS, line);
}

/* A y label: in the unit of the axis's top, with the decimals its step
 * needs, so labels a step apart differ ("67.5M", "68.0M"). */
static void format_label(char *out, size_t size, uint64_t x, struct axis ax, uint64_t step)
{
    static const char units[] = "BKMGTPE";
    int u = 0;
    uint64_t unit = 1;
    while (u < 6 && ax.hi / unit >= 1024) {
        unit *= 1024;
        u++;
    }
    int decimals = step >= unit || u == 0 ? 0 : step * 10 >= unit ? 1 : 2;
    snprintf(out, size, "%.*f%c", decimals, (double)x / (double)unit, units[u]);
}

static void draw_stacked(struct view *v, int top, int height, int width)
{
    const struct timeline *t = &v->timeline;
    size_t n = t->sample_count, first = n > (size_t)width ? n - (size_t)width : 0;
    if (!n)
        return;
    /* bars, then the time axis (a line and its labels) and the readout */
    int bars = height >= 6 ? height - 3 : height;
    uint64_t min = UINT64_MAX, max = 0;
    for (size_t i = first; i < n; i++) {
        uint64_t x = timeline_sample_at(t, i)->rss;
        min = x < min ? x : min;
        max = x > max ? x : max;
    }
    struct axis ax = axis_of(min, max);
    size_t cur = cursor_sample(v, n, tl_state(v)->at);
    if (cur < first)
        cur = first;
    char label[32];
    uint64_t half = (ax.hi - ax.lo) / 2;
    format_label(label, sizeof label, ax.hi, ax, half);
    draw_text(top, 0, 8, label);
    format_label(label, sizeof label, ax.lo, ax, half);
    draw_text(top + bars - 1, 0, 8, label);
    if (bars >= 5) {
        format_label(label, sizeof label, ax.lo + half, ax, half);
        draw_text(top + (bars - 1) / 2, 0, 8, label);
    }
    mvvline(top, 8, ACS_VLINE, bars);
    draw_bars(v, top, bars, 9, first, n, ax, cur);
    if (bars == height)
        return;
    draw_time_axis(v, top + bars, 9, width, first, n, cur);
    draw_readout(v, top + bars + 2, n, cur);
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

/* The faults row: those of the last interval, the totals, and a spark of
 * faults per interval (a lazily touched buffer shows as a burst). */
static void draw_faults(const struct timeline *t, int y, int width, size_t first, int spark_col)
{
    size_t n = t->sample_count;
    const struct timeline_sample *last = n ? timeline_sample_at(t, n - 1) : NULL;
    if (!last || !last->has_faults)
        return;
    uint64_t max = 1;
    for (size_t i = first; i < n; i++)
        if (timeline_faults_between(t, i) > max)
            max = timeline_faults_between(t, i);
    char line[200], tot[40];
    snprintf(tot, sizeof tot, "%llu, %llu major", (unsigned long long)last->minflt,
             (unsigned long long)last->majflt);
    snprintf(line, sizeof line, "%-13s %6llu  %s", "faults",
             (unsigned long long)timeline_faults_between(t, n - 1), tot);
    draw_text(y, 0, spark_col - 1, line);
    move(y, spark_col);
    for (size_t i = first; i < n && spark_col + (int)(i - first) < width; i++) {
        uint64_t x = timeline_faults_between(t, i);
        addstr(spark[(x * 8 + max - 1) / max]);
    }
}

/* Each series' sparkline is scaled to its own min..max (shown beside it),
 * so a series that moves by a few percent still moves; the cursor's
 * sample is the value shown and is in bold. */
static void draw_series(struct view *v, int top, int rows, int width)
{
    const struct timeline *t = &v->timeline;
    size_t n = t->sample_count;
    bool wide = width >= 110;
    int spark_col = wide ? 65 : 45;
    int spark_w = width - spark_col;
    if (spark_w < 0)
        spark_w = 0;
    size_t first = n > (size_t)spark_w ? n - (size_t)spark_w : 0;
    size_t at = n ? cursor_sample(v, n, tl_state(v)->at) : 0;
    struct series_row list[SERIES_COUNT + TIMELINE_ARENAS];
    size_t nrows = series_rows(t, v->snap, list, rows > 0 ? (size_t)rows : 0);
    for (size_t k = 0; k < nrows && n; k++) {
        const struct series_row *row = &list[k];
        uint64_t min = UINT64_MAX, max = 0;
        for (size_t i = first; i < n; i++) {
            uint64_t x = row_value(timeline_sample_at(t, i), row);
            min = x < min ? x : min;
            max = x > max ? x : max;
        }
        uint64_t cur = row_value(timeline_sample_at(t, at), row);
        uint64_t start = row_value(timeline_sample_at(t, first), row);
        char a[16], d[16], lo[16], hi[16], extra[32] = "", line[512];
        format_size(a, sizeof a, cur);
        format_size(d, sizeof d, cur >= start ? cur - start : start - cur);
        format_size(lo, sizeof lo, min);
        format_size(hi, sizeof hi, max);
        if (row->series == SERIES_ANON_MMAP) {
            const struct timeline_sample *last = timeline_sample_at(t, at);
            char vsz[16];
            format_size(vsz, sizeof vsz, last->anon_mmap_vsz);
            snprintf(extra, sizeof extra, "%u maps, %s", last->anon_mmaps, vsz);
        } else if (row->arena >= 0) {
            snprintf(extra, sizeof extra, "@%llx", (unsigned long long)t->arena_base[row->arena]);
        }
        snprintf(line, sizeof line, "%-13.13s %6s %c%-6s %6s..%-6s %s", row->label, a,
                 cur >= start ? '+' : '-', d, lo, hi, wide ? extra : "");
        draw_text(top + (int)k, 0, spark_col - 1, line);
        for (size_t i = first; i < n && spark_col + (int)(i - first) < width; i++) {
            uint64_t x = row_value(timeline_sample_at(t, i), row);
            int level = max > min ? 1 + (int)((x - min) * 7 / (max - min)) : x ? 4 : 0;
            if (i == at)
                attron(A_REVERSE);
            mvaddstr(top + (int)k, spark_col + (int)(i - first), spark[level]);
            if (i == at)
                attroff(A_REVERSE);
        }
    }
    if ((int)nrows < rows)
        draw_faults(t, top + (int)nrows, width, first, spark_col);
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
    if (ch == KEY_LEFT || ch == KEY_RIGHT) { /* live: the chart's cursor */
        size_t n = v->timeline.sample_count;
        if (!n)
            return VIEW_HANDLED;
        struct timeline_state *st = tl_state(v);
        size_t i = cursor_sample(v, n, st->at);
        i = ch == KEY_LEFT ? (i ? i - 1 : 0) : i + 1 < n ? i + 1 : i;
        st->at = i + 1 == n ? 0 : timeline_sample_at(&v->timeline, i)->monotonic_ns;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
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
    draw_text(top, 0, COLS, view_traced(v) ? "RSS over time by class, axis from the data's own range (<- -> cursor; * = memory calls traced, ! = regions changed)"
                                    : "RSS over time by class, axis from the data's own range (<- -> cursor; ! = regions changed)");
    attroff(A_BOLD);
    if (chart_h > 0 && chart_w > 0)
        draw_stacked(v, top + 1, chart_h, chart_w);
    int y = top + 1 + chart_h;
    int rest = top + height - y;
    if (rest < 3)
        return;
    int left = COLS >= 120 ? 72 : COLS;
    attron(A_BOLD);
    draw_text(y, 0, left, "Heap versus mmap (resident at the cursor, change, each line's min..max)");
    attroff(A_BOLD);
    draw_series(v, y + 1, rest - 1, left);
    int series = SERIES_COUNT + (int)v->timeline.n_arenas + 1; /* and the faults row */
    if (COLS >= 120)
        draw_events(v, y, rest, left + 2, COLS - left - 2);
    else if (rest > series + 3)
        draw_events(v, y + series + 2, rest - series - 2, 0, COLS);
}

const struct screen screen_timeline = {"Timeline", timeline_draw, timeline_key, timeline_state_free};
