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
    int cmd_width = COLS - x - 60 > 12 ? COLS - x - 60 : 12;
    draw_untrusted(0, x, cmd_width, who.data ? who.data : "", who.len);
    x += cmd_width + 1;
    snprintf(line, sizeof line, " user %s  threads %d  state %c  every %.2gs  cost %.1f ms%s",
             s && s->proc.user ? s->proc.user : "?", s ? s->proc.threads : 0,
             s && s->proc.state ? s->proc.state : '?', v->interval,
             s ? (double)s->sample_cost_ns / 1e6 : 0.0, v->paused ? "  [paused]" : "");
    draw_untrusted(0, x, COLS - x, line, strlen(line));
    buf_free(&who);

    clear_row(1, 0);
    if (s) {
        format_size(a, sizeof a, s->totals.vsz);
        format_size(b, sizeof b, s->totals.rss);
        format_size(c, sizeof c, s->totals.pss);
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
        snprintf(line, sizeof line,
                 "VSZ %s  RSS %s  PSS %s%s  Swap %s  regions %zu  largest free %s  %s%s%s", a, b,
                 s->light ? "~" : "", c, d, s->n_regions, fr, rt, psz,
                 s->system.privileged ? ""
                                      : "   (PFNs and page flags need root: CAP_SYS_ADMIN)");
        draw_text(1, 0, COLS, line);
    }
    clear_row(2, 0);
    x = 0;
    for (int k = 0; s && k < RC_COUNT && x < COLS; k++) {
        char item[48];
        format_size(a, sizeof a, s->by_class[k].rss);
        attron(class_attr(v, (enum region_class)k) | A_REVERSE);
        char glyph[2] = {class_glyph((enum region_class)k), 0};
        draw_text(2, x, 1, glyph);
        attroff(class_attr(v, (enum region_class)k) | A_REVERSE);
        snprintf(item, sizeof item, " %s %s  ", region_class_name((enum region_class)k), a);
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

static void draw_status(struct view *v)
{
    int y = LINES - 1;
    clear_row(y, 0);
    char line[600];
    if (v->input_mode) {
        snprintf(line, sizeof line, "%s%s_", v->input_mode == '/' ? "search (name or hex address): "
                                                                   : "filter regions: ",
                 v->search);
        draw_untrusted(y, 0, COLS, line, strlen(line));
        return;
    }
    /* the answer to the last key first; the standing banner when none */
    if (v->banner[0] && !v->message[0]) {
        attron(A_REVERSE | A_BOLD);
        draw_text(y, 0, COLS, v->banner);
        attroff(A_REVERSE | A_BOLD);
        return;
    }
    if (v->message[0])
        snprintf(line, sizeof line, "%s", v->message);
    else if (v->phase[0])
        snprintf(line, sizeof line, "demo: %s", v->phase);
    else
        snprintf(line, sizeof line,
                 "q quit  ? help  Tab screens  / search  s sort  space pause  +/- interval  e export");
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

void tui_draw(struct view *v)
{
    v->rows = LINES;
    v->cols = COLS;
    erase();
    if (LINES >= HEADER_ROWS + 2 && COLS >= 20) {
        draw_header(v);
        screens[v->screen]->draw(v, HEADER_ROWS, LINES - HEADER_ROWS - 1);
    } else {
        draw_text(0, 0, COLS, "vmscope: terminal too small");
    }
    draw_status(v);
    refresh();
}

static int handle_input_key(struct view *v, int ch)
{
    switch (line_edit_key(v->search, sizeof v->search, ch)) {
    case LINE_EDIT_CANCEL: v->input_mode = 0; break;
    case LINE_EDIT_DONE:
        if (v->input_mode == '/') {
            if (view_search(v, v->search))
                v->message[0] = '\0';
        } else {
            snprintf(v->filter, sizeof v->filter, "%s", v->search);
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
    int height = LINES - HEADER_ROWS - 1;
    int r = screens[v->screen]->key ? screens[v->screen]->key(v, ch, height) : 0;
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
            v->back = v->screen;
            v->screen = SCREEN_DETAIL;
            return VIEW_HANDLED | VIEW_REDRAW | VIEW_FULL; /* every field fresh */
        }
        break;
    case 27: case KEY_BACKSPACE: case 127: /* back */
        if (v->screen == SCREEN_HELP || v->screen == SCREEN_DETAIL)
            v->screen = v->back;
        break;
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
    case 's': case KEY_F(6):
        v->sort = (v->sort + 1) % SORT_COUNT;
        if (v->screen != SCREEN_REGIONS)
            v->screen = SCREEN_REGIONS;
        break;
    case 'e': return VIEW_HANDLED | VIEW_REDRAW | VIEW_EXPORT;
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
