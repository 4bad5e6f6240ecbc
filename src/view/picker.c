/* The process picker (vmscope with no arguments): processes by resident
 * size, "/" filters, Enter attaches. The list comes from the app; the
 * keys come from the loop (loop_keys), like every other screen's. */
#include "screens.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct picker {
    const struct picker_row *list;
    size_t n;
    size_t *shown; /* indexes of the rows the filter lets through */
    size_t k;
    char filter[128];
    bool typing;
    long cursor;
    struct list_widget rows;
};

static bool matches(const struct picker_row *e, const char *filter)
{
    if (!filter[0])
        return true;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)e->pid);
    return strstr(e->command, filter) || strstr(e->user, filter) || strcmp(pid, filter) == 0;
}

static void refilter(struct picker *p)
{
    p->k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (matches(&p->list[i], p->filter))
            p->shown[p->k++] = i;
    if (p->cursor >= (long)p->k)
        p->cursor = p->k ? (long)p->k - 1 : 0;
}

struct picker *picker_new(const struct picker_row *rows, size_t n)
{
    struct picker *p = xcalloc(1, sizeof *p);
    p->list = rows;
    p->n = n;
    p->shown = xcalloc(n ? n : 1, sizeof *p->shown);
    refilter(p);
    return p;
}

void picker_free(struct picker *p)
{
    if (p)
        free(p->shown);
    free(p);
}

static void picker_row(void *arg, long i, int y, int x, int width)
{
    const struct picker *p = arg;
    const struct picker_row *e = &p->list[p->shown[i]];
    char line[128], rss[16];
    format_size(rss, sizeof rss, e->rss);
    snprintf(line, sizeof line, "%8d %-12.12s %9s  ", (int)e->pid, e->user, rss);
    draw_untrusted(y, x, width, line, strlen(line));
    x += (int)strlen(line);
    draw_untrusted(y, x, COLS - x, e->command, strlen(e->command));
}

void picker_draw(struct picker *p)
{
    erase();
    attron(A_BOLD);
    draw_text(0, 0, COLS, "vmscope: choose a process (Enter attaches, / filters, q quits)");
    char head[128];
    snprintf(head, sizeof head, "%8s %-12s %9s  %s", "PID", "USER", "RSS", "COMMAND");
    draw_text(1, 0, COLS, head);
    attroff(A_BOLD);
    list_draw(&p->rows, 2, 0, COLS, LINES - 3, (long)p->k, p->cursor, picker_row, p);
    char status[200];
    if (p->typing)
        snprintf(status, sizeof status, "filter: %s_", p->filter);
    else
        snprintf(status, sizeof status, "%zu processes%s%s", p->k,
                 p->filter[0] ? ", filter: " : "", p->filter);
    draw_untrusted(LINES - 1, 0, COLS, status, strlen(status));
    refresh();
}

int picker_key(struct picker *p, int ch, pid_t *chosen)
{
    if (p->typing) {
        int r = line_edit_key(p->filter, sizeof p->filter, ch);
        if (r == LINE_EDIT_DONE || r == LINE_EDIT_CANCEL)
            p->typing = false;
        else if (r == LINE_EDIT_CHANGED)
            p->cursor = 0;
        else
            return VIEW_HANDLED;
        refilter(p);
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if (ch == 'q' || ch == 27)
        return VIEW_QUIT;
    if (ch == '/') {
        p->typing = true;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if ((ch == '\n' || ch == KEY_ENTER) && p->k) {
        *chosen = p->list[p->shown[p->cursor]].pid;
        return VIEW_QUIT;
    }
    if (ch == KEY_RESIZE)
        return VIEW_REDRAW;
    long next = list_key(&p->rows, ch, p->cursor, (long)p->k, 2, LINES - 3);
    if (next < 0)
        return 0;
    p->cursor = next;
    return VIEW_HANDLED | VIEW_REDRAW;
}
