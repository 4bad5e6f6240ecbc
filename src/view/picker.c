/* The process picker (vmscope with no arguments): processes by resident
 * size, "/" filters, Enter attaches. The list comes from the app. */
#include "screens.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool matches(const struct picker_row *e, const char *filter)
{
    if (!filter[0])
        return true;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)e->pid);
    return strstr(e->command, filter) || strstr(e->user, filter) || strcmp(pid, filter) == 0;
}

struct picker_rows {
    const struct picker_row *list;
    const size_t *shown;
};

static void picker_row(void *arg, long i, int y, int x, int width)
{
    const struct picker_rows *ctx = arg;
    const struct picker_row *e = &ctx->list[ctx->shown[i]];
    char line[128], rss[16];
    format_size(rss, sizeof rss, e->rss);
    snprintf(line, sizeof line, "%8d %-12.12s %9s  ", (int)e->pid, e->user, rss);
    draw_untrusted(y, x, width, line, strlen(line));
    x += (int)strlen(line);
    draw_untrusted(y, x, COLS - x, e->command, strlen(e->command));
}

static void picker_draw(const struct picker_row *list, const size_t *shown, size_t k,
                        long cursor, struct list_widget *l, const char *filter, bool typing)
{
    int height = LINES - 3;
    erase();
    attron(A_BOLD);
    draw_text(0, 0, COLS, "vmscope: choose a process (Enter attaches, / filters, q quits)");
    char head[128];
    snprintf(head, sizeof head, "%8s %-12s %9s  %s", "PID", "USER", "RSS", "COMMAND");
    draw_text(1, 0, COLS, head);
    attroff(A_BOLD);
    struct picker_rows ctx = {list, shown};
    list_draw(l, 2, 0, COLS, height, (long)k, cursor, picker_row, &ctx);
    char status[200];
    if (typing)
        snprintf(status, sizeof status, "filter: %s_", filter);
    else
        snprintf(status, sizeof status, "%zu processes%s%s", k, filter[0] ? ", filter: " : "",
                 filter);
    draw_untrusted(LINES - 1, 0, COLS, status, strlen(status));
    refresh();
}

pid_t picker_run(const struct picker_row *list, size_t n)
{
    char filter[128] = "";
    bool typing = false, dirty = true;
    long cursor = 0;
    struct list_widget l = {0};
    pid_t chosen = 0;
    size_t *shown = xcalloc(n ? n : 1, sizeof *shown);
    size_t k = 0;
    timeout(-1);
    for (;;) {
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (matches(&list[i], filter))
                shown[k++] = i;
        if (cursor >= (long)k)
            cursor = k ? (long)k - 1 : 0;
        if (dirty)
            picker_draw(list, shown, k, cursor, &l, filter, typing);
        dirty = true;
        int ch = getch();
        if (ch == ERR) { /* a blocking read came back empty: a signal, or the end */
            if (tui_terminal_gone()) {
                chosen = -1;
                break;
            }
            dirty = false;
            continue;
        }
        if (typing) {
            int r = line_edit_key(filter, sizeof filter, ch);
            if (r == LINE_EDIT_DONE || r == LINE_EDIT_CANCEL)
                typing = false;
            else if (r == LINE_EDIT_CHANGED)
                cursor = 0;
            continue;
        }
        if (ch == 'q' || ch == 27)
            break;
        if (ch == '/') {
            typing = true;
            continue;
        }
        if ((ch == '\n' || ch == KEY_ENTER) && k) {
            chosen = list[shown[cursor]].pid;
            break;
        }
        long next = list_key(&l, ch, cursor, (long)k, 2, LINES - 3);
        if (next >= 0)
            cursor = next;
        else if (ch != KEY_RESIZE)
            dirty = false;
    }
    free(shown);
    return chosen;
}
