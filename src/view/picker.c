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

static void picker_draw(const struct picker_row *list, const size_t *shown, size_t k,
                        long cursor, size_t *top, const char *filter, bool typing)
{
    int height = LINES - 3;
    erase();
    attron(A_BOLD);
    draw_text(0, 0, COLS, "vmscope: choose a process (Enter attaches, / filters, q quits)");
    char head[128];
    snprintf(head, sizeof head, "%8s %-12s %9s  %s", "PID", "USER", "RSS", "COMMAND");
    draw_text(1, 0, COLS, head);
    attroff(A_BOLD);
    list_scroll(top, cursor, height);
    for (int row = 0; row < height && *top + (size_t)row < k; row++) {
        const struct picker_row *e = &list[shown[*top + (size_t)row]];
        char line[128], rss[16];
        format_size(rss, sizeof rss, e->rss);
        snprintf(line, sizeof line, "%8d %-12.12s %9s  ", (int)e->pid, e->user, rss);
        bool sel = *top + (size_t)row == (size_t)cursor;
        if (sel)
            attron(A_REVERSE);
        clear_row(2 + row, 0);
        draw_untrusted(2 + row, 0, COLS, line, strlen(line));
        int x = (int)strlen(line);
        draw_untrusted(2 + row, x, COLS - x, e->command, strlen(e->command));
        if (sel)
            attroff(A_REVERSE);
    }
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
    size_t top = 0;
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
            picker_draw(list, shown, k, cursor, &top, filter, typing);
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
        long next = list_navigate(ch, cursor, (long)k, LINES - 3);
        if (next >= 0)
            cursor = next;
        else if (ch != KEY_RESIZE)
            dirty = false;
    }
    free(shown);
    return chosen;
}
