/* The guided tour in the view: each sentence brings its evidence on screen
 * (the region selected and marked, the screen that shows it, the page grid
 * at one page per cell), the sentence wrapped above the status line, and
 * the lecturer's keys (space hold, n next, p previous, t the list). */
#include "screens.h"

#include <stdio.h>
#include <string.h>

static bool region_has(const struct region *r, uint64_t at)
{
    return at >= r->vma->start && at < r->vma->end;
}

static bool select_at(struct view *v, uint64_t at)
{
    for (size_t i = 0; v->snap && i < v->snap->n_regions; i++)
        if (region_has(&v->snap->regions[i], at)) {
            v->selected = v->snap->regions[i].vma->start;
            return true;
        }
    return false;
}

void view_tour_heard(struct view *v, const struct tour_word *w)
{
    struct view_tour *t = &v->tour;
    t->word = *w;
    if (w->serial == t->acted || !w->phase)
        return;
    t->acted = w->serial;
    v->filter[0] = '\0'; /* the region must be in the table */
    if (w->show == 'r') {
        v->screen = SCREEN_REGIONS;
    } else {
        view_open_detail(v, SCREEN_REGIONS);
    }
    t->grid_at = w->show == 'p' ? w->at : 0;
    t->select_pending = w->at && !select_at(v, w->at);
}

void view_tour_follow(struct view *v)
{
    if (!v->tour.select_pending)
        return;
    v->tour.select_pending = !select_at(v, v->tour.word.at);
    if (!v->tour.select_pending && v->screen == SCREEN_DETAIL)
        view_open_detail(v, v->back); /* on the region the phase speaks of */
}

bool view_tour_marks(const struct view *v, const struct region *r)
{
    return v->tour.word.count && v->tour.word.at && region_has(r, v->tour.word.at);
}

size_t view_tour_take_commands(struct view *v, char *out, size_t max)
{
    size_t n = v->tour.cmd_len < max ? v->tour.cmd_len : max;
    memcpy(out, v->tour.cmd, n);
    /* what did not fit stays queued for the next call */
    v->tour.cmd_len -= n;
    memmove(v->tour.cmd, v->tour.cmd + n, v->tour.cmd_len);
    return n;
}

static void command(struct view *v, char c, char arg)
{
    struct view_tour *t = &v->tour;
    if (t->cmd_len + 2 > sizeof t->cmd)
        return;
    t->cmd[t->cmd_len++] = c;
    if (arg)
        t->cmd[t->cmd_len++] = arg;
}

/* The tour box: the sentence wrapped to the width, then the keys. */
static size_t wrap(const char *text, int width, const char **starts, int *lens, size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < max) {
        while (*p == ' ')
            p++;
        int len = (int)strlen(p);
        if (len > width) { /* cut at the last space that fits */
            len = width;
            while (len > 0 && p[len] != ' ')
                len--;
            if (len == 0)
                len = width;
        }
        starts[n] = p;
        lens[n++] = len;
        p += len;
    }
    return n;
}

#define TOUR_LINES 4

static void sentence(const struct view *v, char *out, size_t size)
{
    const struct tour_word *w = &v->tour.word;
    if (w->phase)
        snprintf(out, size, "%sTour %d/%d: %s",
                 w->restarts && w->phase == 1 ? "(The tour started again.) " : "", w->phase,
                 w->count, v->phase);
    else
        snprintf(out, size, "Tour: %s", v->phase);
}

int tour_box_rows(const struct view *v)
{
    if (!v->tour.word.count || COLS < 20)
        return 0;
    char text[800];
    const char *starts[TOUR_LINES];
    int lens[TOUR_LINES];
    sentence(v, text, sizeof text);
    return (int)wrap(text, COLS, starts, lens, TOUR_LINES);
}

void tour_box_draw(struct view *v, int y)
{
    char text[800];
    const char *starts[TOUR_LINES];
    int lens[TOUR_LINES];
    sentence(v, text, sizeof text);
    size_t n = wrap(text, COLS, starts, lens, TOUR_LINES);
    attron(A_BOLD);
    for (size_t i = 0; i < n; i++) {
        clear_row(y + (int)i, 0);
        draw_untrusted(y + (int)i, 0, lens[i], starts[i], (size_t)lens[i]);
    }
    attroff(A_BOLD);
}

/* The status line's text while a tour runs. */
void tour_status(const struct view *v, char *out, size_t size)
{
    char st = v->tour.word.state;
    snprintf(out, size, "%s space %s  n next  p previous  t phases  ? help  q quit",
             st == 'h' ? "[HELD]" : st == 's' ? "[step: n for the next phase]" : "tour:",
             st == 'h' ? "go on" : "hold");
}

/* The list of phases (t): Enter jumps to the one under the cursor. */
void tour_list_draw(struct view *v, int top, int height)
{
    struct view_tour *t = &v->tour;
    int n = t->word.n_titles;
    int w = COLS > 60 ? 60 : COLS - 2, x = (COLS - w) / 2;
    int h = n + 3 < height ? n + 3 : height;
    for (int i = 0; i < h; i++)
        clear_row(top + i, 0);
    attron(A_BOLD);
    draw_text(top, x, w, "Phases: Enter jumps, Esc closes");
    attroff(A_BOLD);
    for (int i = 0; i < n && i + 2 < h; i++) {
        char line[96];
        snprintf(line, sizeof line, "%c %d  %s", i + 1 == t->word.phase ? '>' : ' ', i + 1,
                 t->word.titles[i]);
        if (i == t->cursor)
            attron(A_REVERSE);
        draw_text(top + 2 + i, x, w, line);
        if (i == t->cursor)
            attroff(A_REVERSE);
    }
}

int tour_key(struct view *v, int ch)
{
    struct view_tour *t = &v->tour;
    if (!t->word.count)
        return 0;
    if (t->list) {
        long next = list_navigate(ch, t->cursor, t->word.n_titles, t->word.n_titles);
        if (next >= 0)
            t->cursor = next;
        else if (ch == '\n' || ch == KEY_ENTER) {
            command(v, TOUR_JUMP, (char)('0' + t->cursor));
            t->list = false;
        } else if (ch == 27 || ch == 't' || ch == 'q')
            t->list = false;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    switch (ch) {
    case ' ': command(v, t->word.state == 'h' ? TOUR_GO : TOUR_HOLD, 0); break;
    case 'n': command(v, TOUR_NEXT, 0); break;
    case 'p': command(v, TOUR_PREVIOUS, 0); break;
    case 't':
        t->list = true;
        t->cursor = t->word.phase > 0 ? t->word.phase - 1 : 0;
        break;
    default: return 0;
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}
