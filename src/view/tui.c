/* The curses frame: lifecycle, colours, header, tabs, status line, and
 * key dispatch to the current screen. */
#include "screens.h"
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"
#include "vmscope/summary.h"
#include "vmscope/util.h"

#include <locale.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_ROWS 4 /* identity, memory, legend, tabs */

static const struct screen *const screens[SCREEN_COUNT] = {
    [SCREEN_SUMMARY] = &screen_summary,
    [SCREEN_MAP] = &screen_map,
    [SCREEN_REGIONS] = &screen_regions,
    [SCREEN_TIMELINE] = &screen_timeline,
    [SCREEN_DIFF] = &screen_diff,
    [SCREEN_HELP] = &screen_help,
    [SCREEN_OUTPUT] = &screen_output,
    [SCREEN_DETAIL] = &screen_detail,
    [SCREEN_THREADS] = &screen_threads,
    [SCREEN_CALLSITES] = &screen_callsites,
};

void *screen_state(struct view *v, enum screen_id id, size_t size)
{
    if (!v->screen_state[id])
        v->screen_state[id] = xcalloc(1, size);
    return v->screen_state[id];
}

struct scroll_state {
    size_t top;
};

size_t *screen_top(struct view *v, enum screen_id id)
{
    return &((struct scroll_state *)screen_state(v, id, sizeof(struct scroll_state)))->top;
}

void screens_free_state(struct view *v)
{
    for (int id = 0; id < SCREEN_COUNT; id++) {
        if (v->screen_state[id] && screens[id]->free_state)
            screens[id]->free_state(v->screen_state[id]);
        free(v->screen_state[id]);
        v->screen_state[id] = NULL;
    }
}

static bool curses_active;

void tui_stop(void)
{
    if (curses_active) {
        curses_active = false;
        endwin();
    }
}

void tui_start(bool color)
{
    initscr();
    curses_active = true;
    util_set_teardown(tui_stop);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(25); /* Esc is "back": ncurses waits a second by default for a sequence */
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
    mouseinterval(0); /* report presses at once; no wait for a double click */
    if (color && has_colors()) {
        start_color();
        use_default_colors();
        for (int c = 0; c < RC_COUNT; c++)
            init_pair((short)(c + 1), region_class_styles[c].ansi, -1);
    }
}

attr_t class_attr(const struct view *v, enum region_class c)
{
    if (v->color && has_colors())
        return COLOR_PAIR(c + 1);
    return c == RC_OTHER ? A_DIM : A_NORMAL;
}

char class_glyph(enum region_class c)
{
    return (unsigned)c < RC_COUNT ? region_class_styles[c].glyph : '?';
}

void clear_row(int y, int x)
{
    if (y < 0 || y >= LINES || x >= COLS)
        return;
    move(y, x);
    clrtoeol();
}

void draw_text(int y, int x, int width, const char *s)
{
    draw_untrusted(y, x, width, s, strlen(s));
}

/* Every string goes through the sanitiser: ours are plain ASCII and come
 * out unchanged, the target's come out safe and cut to the width (at the
 * end, or for a name at the front). */
static void draw_fit(int y, int x, int width, const char *s, size_t len, bool tail)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || width <= 0)
        return;
    if (width > COLS - x)
        width = COLS - x;
    struct buf b;
    buf_init(&b);
    if (tail)
        sanitize_fit_tail(&b, s, len, width);
    else
        sanitize_fit(&b, s, len, width);
    if (b.data)
        mvaddstr(y, x, b.data);
    buf_free(&b);
}

void draw_untrusted(int y, int x, int width, const char *s, size_t len)
{
    draw_fit(y, x, width, s, len, false);
}

void draw_name(int y, int x, int width, const char *s, size_t len)
{
    draw_fit(y, x, width, s, len, true);
}

/* A label in parentheses, "(…/libc.so.6)": cut inside them, so the
 * closing one stays when the name is too long for the width. */
void draw_name_in_parens(int y, int x, int width, const char *s, size_t len)
{
    if (width > COLS - x)
        width = COLS - x;
    if (y < 0 || y >= LINES || x < 0 || width < 3) {
        draw_name(y, x, width, s, len);
        return;
    }
    struct buf b;
    buf_init(&b);
    buf_putc(&b, '(');
    sanitize_fit_tail(&b, s, len, width - 2);
    buf_putc(&b, ')');
    mvaddstr(y, x, b.data);
    buf_free(&b);
}

/* One class's legend item after its glyph, in a style (0 roomy, 1 tight,
 * 2 no name); returns its width with the glyph. */
static int legend_item(int style, int k, const char *size, char *out, size_t len)
{
    char item[48];
    const char *name = region_class_name((enum region_class)k);
    if (style == 0)
        snprintf(item, sizeof item, " %s %s  ", name, size);
    else if (style == 1)
        snprintf(item, sizeof item, " %s %s ", name, size);
    else
        snprintf(item, sizeof item, " %s ", size);
    if (out)
        snprintf(out, len, "%s", item);
    return 1 + (int)strlen(item);
}

/* "  faults 1234 +56 major 2 +0": totals, and since the sample before
 * when the one before is of the same process and older. */
static void header_faults(const struct view *v, char *out, size_t size)
{
    const struct snapshot *s = v->snap, *p = v->prev;
    out[0] = 0;
    if (!s->has_faults)
        return;
    char dmin[32] = "", dmaj[32] = "";
    if (p && p->has_faults && p->proc.pid == s->proc.pid && p->monotonic_ns < s->monotonic_ns &&
        p->faults.minor <= s->faults.minor && p->faults.major <= s->faults.major) {
        snprintf(dmin, sizeof dmin, " +%llu", (unsigned long long)(s->faults.minor - p->faults.minor));
        snprintf(dmaj, sizeof dmaj, " +%llu", (unsigned long long)(s->faults.major - p->faults.major));
    }
    snprintf(out, size, "  faults %llu%s major %llu%s", (unsigned long long)s->faults.minor, dmin,
             (unsigned long long)s->faults.major, dmaj);
}

/* Header items joined by two spaces; when they do not fit the width, the
 * ones with the highest drop rank go first (0: never dropped). */
struct header_item {
    const char *text;
    int drop;
};

static void fit_items(const struct header_item *items, int n, int width, char *out, size_t size)
{
    for (int limit = 9; limit >= 0; limit--) {
        size_t len = 0;
        out[0] = '\0';
        for (int i = 0; i < n; i++)
            if (items[i].text[0] && items[i].drop <= limit)
                len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
                                        len ? "  " : "", items[i].text);
        if ((int)len <= width || limit == 0)
            return;
    }
}

static void draw_header(struct view *v)
{
    const struct snapshot *s = v->snap;
    char line[512], a[16], b[16], c[16], d[16];
    struct buf who;
    buf_init(&who);
    if (s) {
        /* The command line is the target's: sanitised by draw_untrusted. */
        for (size_t i = 0; i < s->proc.argc; i++) {
            if (i)
                buf_putc(&who, ' ');
            buf_puts(&who, s->proc.argv[i]);
        }
        if (!who.len && s->proc.comm)
            buf_puts(&who, s->proc.comm);
    }
    attron(A_BOLD);
    clear_row(0, 0);
    /* pid, then the (untrusted) command, then the rest. */
    int x = 0;
    char pidpart[64];
    snprintf(pidpart, sizeof pidpart, "vmscope  pid %d  ", s ? (int)s->proc.pid : 0);
    draw_text(0, x, COLS, pidpart);
    x += (int)strlen(pidpart);
    attroff(A_BOLD);
    char user[48], threads[32], state[32], every[48], cost[32], at[64];
    snprintf(user, sizeof user, "user %s", s && s->proc.user ? s->proc.user : "?");
    snprintf(threads, sizeof threads, "threads %d", s ? s->proc.threads : 0);
    if (v->gone[0]) /* the last sample's state is not the process's any more */
        snprintf(state, sizeof state, "state %s", v->gone);
    else
        snprintf(state, sizeof state, "state %c", s && s->proc.state ? s->proc.state : '?');
    cost[0] = at[0] = '\0';
    if (v->rec_count) { /* a replay: the recording's pace and where we are in it */
        double t = s && v->rec_t0_ns && s->monotonic_ns >= v->rec_t0_ns
                       ? (double)(s->monotonic_ns - v->rec_t0_ns) / 1e9 : 0.0;
        snprintf(every, sizeof every, "recorded every %.2gs", v->rec_interval);
        snprintf(at, sizeof at, "at +%.1fs (%ld/%ld)", t, v->rec_index + 1, v->rec_count);
    } else {
        snprintf(every, sizeof every, "every %.2gs", v->interval);
        snprintf(cost, sizeof cost, "cost %.1f ms", s ? (double)s->sample_cost_ns / 1e6 : 0.0);
    }
    /* Narrow: the sample's cost goes first, then the user and threads;
     * the state, the pace and [paused] stay. */
    const struct header_item top[] = {
        {user, 3}, {threads, 2}, {state, 0}, {every, 1}, {at, 0}, {cost, 4},
        {v->paused && !v->rec_count ? "[paused]" : "", 0},
    };
    line[0] = ' ';
    fit_items(top, (int)(sizeof top / sizeof top[0]), COLS - x - 13, line + 1, sizeof line - 1);
    /* the command gets what the rest leaves, at least 12 columns */
    int rest = (int)strlen(line) + 1;
    int cmd_width = COLS - x - rest > 12 ? COLS - x - rest : 12;
    draw_untrusted(0, x, cmd_width, who.data ? who.data : "", who.len);
    x += cmd_width + 1;
    draw_untrusted(0, x, COLS - x, line, strlen(line));
    buf_free(&who);

    clear_row(1, 0);
    if (s) {
        /* VSZ is the kernel's VmSize: the gate page ([vsyscall]) is shown
         * in the Map, not counted. PSS is "–" until smaps measured every
         * resident region, and never shown above RSS. */
        uint64_t vsz = s->totals.vsz, pss = s->totals.pss;
        bool pss_known = s->n_regions > 0;
        for (size_t i = 0; i < s->n_regions; i++) {
            const struct region *r = &s->regions[i];
            if (r->subclass == RS_VSYSCALL && vsz >= vma_size(r->vma))
                vsz -= vma_size(r->vma);
            if (r->vma->field[SMAPS_RSS] && !vma_has(r->vma, SMAPS_PSS))
                pss_known = false;
        }
        if (pss > s->totals.rss)
            pss_known = false;
        format_size(a, sizeof a, vsz);
        format_size(b, sizeof b, s->totals.rss);
        if (pss_known)
            format_size(c, sizeof c, pss);
        else
            snprintf(c, sizeof c, "\xe2\x80\x93");
        format_size(d, sizeof d, s->totals.swap);
        /* Between full samples PSS is the last full sample's (marked ~).
         * The privileges and page size are the snapshot's: a replay
         * shows the machine and the rights it was taken with. */
        char psz[32] = "";
        if (s->system.page_size > 0 && s->system.page_size != 4096)
            snprintf(psz, sizeof psz, "  page %ldK", s->system.page_size / 1024);
        char rt[96];
        snapshot_runtime_label(s, rt, sizeof rt);
        struct summary sm;
        summary_of(s, &sm);
        char fr[16];
        format_size(fr, sizeof fr, summary_free_row(&sm)->c.largest);
        char flt[96], vsz_s[32], rss_s[32], pss_s[32], swap_s[32], regions[40], free_s[40];
        header_faults(v, flt, sizeof flt);
        snprintf(vsz_s, sizeof vsz_s, "VSZ %s", a);
        snprintf(rss_s, sizeof rss_s, "RSS %s", b);
        snprintf(pss_s, sizeof pss_s, "PSS %s%s", s->light && pss_known ? "~" : "", c);
        snprintf(swap_s, sizeof swap_s, "Swap %s", d);
        snprintf(regions, sizeof regions, "regions %zu", s->n_regions);
        snprintf(free_s, sizeof free_s, "largest free %s", fr);
        /* Narrow: what needs privilege goes first, then the region count,
         * swap when there is none, the runtimes, the faults. */
        const struct header_item sizes[] = {
            {vsz_s, 0}, {rss_s, 0}, {pss_s, 0}, {swap_s, s->totals.swap ? 1 : 5},
            {flt + (flt[0] ? 2 : 0), 3}, {regions, 6}, {free_s, 1}, {rt, 4}, {psz + (psz[0] ? 2 : 0), 1},
            {s->system.privileged ? "" : " (PFNs and page flags need root: CAP_SYS_ADMIN)", 7},
        };
        fit_items(sizes, (int)(sizeof sizes / sizeof sizes[0]), COLS, line, sizeof line);
        draw_text(1, 0, COLS, line);
    }
    clear_row(2, 0);
    /* The legend fits the width: two spaces between items, else one,
     * else the glyphs without their names (Help names them). */
    int style = 0;
    for (; s && style < 2; style++) {
        int w = 0;
        for (int k = 0; k < RC_COUNT; k++) {
            format_size(a, sizeof a, s->by_class[k].rss);
            w += legend_item(style, k, a, NULL, 0);
        }
        if (w <= COLS)
            break;
    }
    x = 0;
    for (int k = 0; s && k < RC_COUNT && x < COLS; k++) {
        char item[48];
        format_size(a, sizeof a, s->by_class[k].rss);
        attron(class_attr(v, (enum region_class)k) | A_REVERSE);
        char glyph[2] = {class_glyph((enum region_class)k), 0};
        draw_text(2, x, 1, glyph);
        attroff(class_attr(v, (enum region_class)k) | A_REVERSE);
        legend_item(style, k, a, item, sizeof item);
        draw_text(2, x + 1, COLS - x - 1, item);
        x += 1 + (int)strlen(item);
    }
    clear_row(3, 0);
    x = 0;
    for (int k = 0; k < view_tab_count(v) && x < COLS; k++) {
        char tab[32];
        snprintf(tab, sizeof tab, " %d %s ", k + 1, screens[k]->name);
        if (k == (int)v->screen)
            attron(A_REVERSE);
        draw_text(3, x, COLS - x, tab);
        if (k == (int)v->screen)
            attroff(A_REVERSE);
        x += (int)strlen(tab) + 1;
    }
}

/* A message longer than the terminal is wide takes up to 3 rows ending at
 * row y (over the screen's last rows), cut where a space allows. */
static void draw_wrapped(int y, const char *text)
{
    size_t len = strlen(text), cols = (size_t)COLS, starts[3] = {0}, n = 0;
    for (size_t at = 0; at < len && n < 3; n++) {
        starts[n] = at;
        size_t take = len - at;
        if (take > cols && n < 2) { /* break at the last space that fits */
            take = cols;
            for (size_t k = cols; k > cols / 2; k--)
                if (text[at + k] == ' ') {
                    take = k;
                    break;
                }
        }
        at += take;
        while (at < len && text[at] == ' ')
            at++;
    }
    if (!n)
        n = 1;
    for (size_t k = 0; k < n; k++) {
        int row = y - (int)(n - 1 - k);
        size_t end = k + 1 < n ? starts[k + 1] : len;
        clear_row(row, 0);
        draw_untrusted(row, 0, COLS, text + starts[k], end - starts[k]);
    }
}

static void draw_status(struct view *v)
{
    int y = LINES - 1;
    clear_row(y, 0);
    char line[600];
    if (v->input_mode == 'e') {
        snprintf(line, sizeof line, "export as: j JSON, c CSV, t text, s SVG (Esc cancels)");
        draw_text(y, 0, COLS, line);
        return;
    }
    if (v->input_mode) {
        /* a long path: its end stays in view, where the typing is */
        const char *text = v->search;
        const char *what = v->input_mode == '/' ? "search (name or hex address): "
                           : v->input_mode == 'E' ? "export to (Enter writes, Esc cancels): "
                                                  : "filter regions: ";
        int room = COLS - (int)strlen(what) - 2;
        if (room > 0 && (int)strlen(text) > room)
            text += strlen(text) - (size_t)room;
        snprintf(line, sizeof line, "%s%s_", what, text);
        draw_untrusted(y, 0, COLS, line, strlen(line));
        return;
    }
    /* the answer to the last key first; the standing banner when none */
    if (v->banner[0] && !v->message[0]) {
        attron(A_REVERSE | A_BOLD);
        draw_wrapped(y, v->banner);
        attroff(A_REVERSE | A_BOLD);
        return;
    }
    if (v->message[0]) {
        draw_wrapped(y, v->message);
        return;
    }
    if (v->tour.word.count)
        tour_status(v, line, sizeof line);
    else if (v->phase[0])
        snprintf(line, sizeof line, "demo: %s", v->phase);
    else
        snprintf(line, sizeof line,
                 "q quit  ? help  Tab screens  / search  s sort  space pause  +/- rate  e export");
    draw_untrusted(y, 0, COLS, line, strlen(line));
}

int tui_read_key(void)
{
    int ch = getch();
    return ch != ERR ? ch : getch();
}

bool tui_terminal_gone(void)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    int avail = 0;
    if (poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
        return true;
    /* "readable" with nothing to read: the end of file */
    return (p.revents & POLLIN) && (ioctl(STDIN_FILENO, FIONREAD, &avail) < 0 || avail == 0);
}

/* Words wrapped into rows [0, rows) of width cols; false when they do
 * not fit (a word wider than cols, or too many lines). */
static bool wrap_fits(const char *text, int cols, int rows, bool draw)
{
    int y = 0, x = 0;
    for (const char *p = text; *p;) {
        int len = (int)strcspn(p, " ");
        if (len > cols)
            return false;
        if (x && x + 1 + len > cols) {
            y++;
            x = 0;
        }
        if (y >= rows)
            return false;
        if (draw)
            mvinsnstr(y, x ? x + 1 : 0, p, len); /* ins: the bottom-right cell too */
        x += (x ? 1 : 0) + len;
        p += len;
        p += *p == ' ';
    }
    return true;
}

/* The longest of these that fits says the terminal is too small. */
static void draw_too_small(void)
{
    char need[128];
    snprintf(need, sizeof need, "vmscope: the terminal is too small (%dx%d); it needs at least %dx%d",
             COLS, LINES, 20, HEADER_ROWS + 2);
    const char *const says[] = {need, "vmscope: terminal too small", "terminal too small",
                                "too small", "small", "!"};
    for (size_t k = 0; k < sizeof says / sizeof says[0]; k++)
        if (wrap_fits(says[k], COLS, LINES, false)) {
            wrap_fits(says[k], COLS, LINES, true);
            return;
        }
}

void tui_draw(struct view *v)
{
    v->rows = LINES;
    v->cols = COLS;
    erase();
    int box = tour_box_rows(v);
    if (LINES >= HEADER_ROWS + 2 + box && COLS >= 20) {
        draw_header(v);
        screens[v->screen]->draw(v, HEADER_ROWS, LINES - HEADER_ROWS - 1 - box);
        if (box)
            tour_box_draw(v, LINES - 1 - box);
        if (v->tour.list)
            tour_list_draw(v, HEADER_ROWS, LINES - HEADER_ROWS - 1 - box);
        draw_status(v);
    } else {
        draw_too_small();
    }
    refresh();
}

/* e: one key for the format, then the path (a fresh default offered). */
static int handle_export_key(struct view *v, int ch)
{
    if (v->input_mode == 'e') {
        if (ch == 27) {
            v->input_mode = 0;
        } else if (strchr("jcts", ch) && ch) {
            v->export_format = (char)ch;
            view_export_default_name(v, (char)ch, v->search, sizeof v->search);
            v->input_mode = 'E';
        }
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    switch (line_edit_key(v->search, sizeof v->search, ch)) {
    case LINE_EDIT_CANCEL: v->input_mode = 0; break;
    case LINE_EDIT_DONE:
        v->input_mode = 0;
        if (!v->search[0])
            break;
        snprintf(v->export_path, sizeof v->export_path, "%s", v->search);
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_EXPORT;
    case LINE_EDIT_NONE: return VIEW_HANDLED;
    default: break;
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}

static int handle_input_key(struct view *v, int ch)
{
    if (v->input_mode == 'e' || v->input_mode == 'E')
        return handle_export_key(v, ch);
    switch (line_edit_key(v->search, sizeof v->filter, ch)) { /* a filter's room */
    case LINE_EDIT_CANCEL: v->input_mode = 0; break;
    case LINE_EDIT_DONE:
        if (v->input_mode == '/') {
            if (view_search(v, v->search))
                v->message[0] = '\0';
        } else {
            snprintf(v->filter, sizeof v->filter, "%.127s", v->search);
        }
        v->input_mode = 0;
        break;
    case LINE_EDIT_NONE: return VIEW_HANDLED;
    default: break;
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}

int tui_key(struct view *v, int ch)
{
    if (v->input_mode)
        return handle_input_key(v, ch);
    int height = LINES - HEADER_ROWS - 1 - tour_box_rows(v);
    int r = tour_key(v, ch); /* the lecturer's keys come first */
    if (!r && screens[v->screen]->key)
        r = screens[v->screen]->key(v, ch, height);
    if (r)
        return r;
    bool had_message = v->message[0] != '\0';
    if (ch != 'm')
        v->message[0] = '\0';
    enum screen_id tabs = (enum screen_id)view_tab_count(v);
    switch (ch) {
    case 'q': case 'Q': return VIEW_QUIT;
    case '\t': v->screen = v->screen >= tabs ? v->back : (v->screen + 1) % tabs; break;
    case KEY_BTAB: v->screen = v->screen >= tabs ? v->back : (v->screen + tabs - 1) % tabs; break;
    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        if (ch - '1' >= (int)tabs)
            return 0;
        v->screen = (enum screen_id)(ch - '1');
        break;
    case 'm':
        if (!v->snap)
            return 0;
        snapshot_free(v->baseline);
        v->baseline = snapshot_clone(v->snap);
        snprintf(v->message, sizeof v->message, "baseline marked: the Diff screen (5) compares with it");
        return VIEW_HANDLED | VIEW_REDRAW;
    case '?': case KEY_F(1): case 'h':
        if (v->screen != SCREEN_HELP && v->screen != SCREEN_DETAIL)
            v->back = v->screen;
        v->screen = SCREEN_HELP;
        break;
    case '\n': case KEY_ENTER:
        if (v->screen == SCREEN_MAP || v->screen == SCREEN_REGIONS) {
            view_open_detail(v, v->screen);
            return VIEW_HANDLED | VIEW_REDRAW | VIEW_FULL; /* every field fresh */
        }
        break;
    case 27: case KEY_BACKSPACE: case 127: /* back */
        if (v->screen == SCREEN_HELP || v->screen == SCREEN_DETAIL)
            v->screen = v->back;
        break;
    case 'T': screen_threads_open(v); break;
    case ' ': v->paused = !v->paused; break;
    case '+': case '=':
        v->interval = v->interval / 2 < 0.05 ? 0.05 : v->interval / 2;
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_RESAMPLE;
    case '-':
        v->interval = v->interval * 2 > 60 ? 60 : v->interval * 2;
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_RESAMPLE;
    case '/': case '\\':
        v->input_mode = ch;
        v->search[0] = '\0';
        if (ch == '\\')
            snprintf(v->search, sizeof v->search, "%s", v->filter);
        break;
    case 'I': /* htop's: the sort the other way round */
        v->sort_reverse = !v->sort_reverse;
        if (v->screen != SCREEN_REGIONS)
            v->screen = SCREEN_REGIONS;
        break;
    case 's': case KEY_F(6):
        v->sort = view_next_sort(v);
        if (v->screen != SCREEN_REGIONS)
            v->screen = SCREEN_REGIONS;
        break;
    case 'e':
        if (!v->snap)
            return 0;
        v->input_mode = 'e';
        break;
    case 'C': return callsites_open(v);
    case '[': case ']': case '{': case '}': {
        if (!v->rec_count)
            return 0;
        long step = ch == '[' ? -1 : ch == ']' ? 1 : ch == '{' ? -10 : 10;
        long next = v->rec_index + step;
        v->rec_index = next < 0 ? 0 : next >= v->rec_count ? v->rec_count - 1 : next;
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_SEEK;
    }
    case KEY_RESIZE: break;
    default: return had_message ? VIEW_REDRAW : 0; /* the message went */
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}
