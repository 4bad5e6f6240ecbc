/* The process picker (vmscope with no arguments): processes by resident
 * size, "/" filters, Enter attaches. The list comes from the app; the
 * keys come from the loop (loop_keys), like every other screen's. */
#include "screens.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum picker_sort { PICK_RSS, PICK_PID, PICK_USER, PICK_COMMAND, PICK_PSS, PICK_SWAP, PICK_MAPS,
                   PICK_THREADS, PICK_SORTS };
static const char *const pick_sort_names[PICK_SORTS] = {"RSS", "PID", "USER", "COMMAND",
                                                        "PSS", "SWAP", "MAPS", "THREADS"};

struct picker {
    const struct picker_row *list;
    size_t n;
    size_t *shown; /* indexes of the rows the filter lets through, sorted */
    size_t k;
    char filter[128];
    char user[64]; /* u: only this user's processes ("" = all) */
    bool typing;
    int prompt;    /* what is typed: '/' the search, 'u' the user */
    long cursor;
    struct list_widget rows;
    enum picker_sort sort;
    bool reverse;
    pid_t list_pid_at_cursor; /* the process under the cursor, kept across refreshes */
    char note[256]; /* why the process chosen cannot be read */
};

static bool matches(const struct picker_row *e, const char *filter, const char *user)
{
    if (user[0] && strcmp(e->user, user) != 0)
        return false;
    if (!filter[0])
        return true;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)e->pid);
    return strstr(e->command, filter) || strstr(e->user, filter) || strcmp(pid, filter) == 0;
}

static const struct picker *sorting; /* qsort has no context argument */

static int compare_rows(const void *a, const void *b)
{
    const struct picker_row *x = &sorting->list[*(const size_t *)a];
    const struct picker_row *y = &sorting->list[*(const size_t *)b];
    int c = 0;
    switch (sorting->sort) {
    case PICK_RSS: c = x->rss > y->rss ? -1 : x->rss < y->rss; break; /* largest first */
    case PICK_PID: c = (x->pid > y->pid) - (x->pid < y->pid); break;
    case PICK_USER: c = strcmp(x->user, y->user); break;
    case PICK_COMMAND: c = strcmp(x->command, y->command); break;
    case PICK_PSS: c = x->pss > y->pss ? -1 : x->pss < y->pss; break;
    case PICK_SWAP: c = x->swap > y->swap ? -1 : x->swap < y->swap; break;
    case PICK_MAPS: c = x->mappings > y->mappings ? -1 : x->mappings < y->mappings; break;
    case PICK_THREADS: c = (x->threads < y->threads) - (x->threads > y->threads); break;
    default: break;
    }
    if (!c)
        c = (x->pid > y->pid) - (x->pid < y->pid);
    return sorting->reverse ? -c : c;
}

/* Filters and sorts, keeping the cursor on the process it was on. */
static void refilter(struct picker *p)
{
    pid_t at = p->list_pid_at_cursor;
    p->k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (matches(&p->list[i], p->filter, p->user))
            p->shown[p->k++] = i;
    sorting = p;
    qsort(p->shown, p->k, sizeof *p->shown, compare_rows);
    for (size_t i = 0; at && i < p->k; i++)
        if (p->list[p->shown[i]].pid == at)
            p->cursor = (long)i;
    if (p->cursor >= (long)p->k)
        p->cursor = p->k ? (long)p->k - 1 : 0;
    p->list_pid_at_cursor = p->k ? p->list[p->shown[p->cursor]].pid : 0;
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

void picker_set_rows(struct picker *p, const struct picker_row *rows, size_t n)
{
    p->list = rows;
    p->n = n;
    free(p->shown);
    p->shown = xcalloc(n ? n : 1, sizeof *p->shown);
    p->k = 0;
    refilter(p);
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
    char line[160], rss[16], pss[16] = "-", swap[16] = "-", maps[16] = "-", thr[16] = "-";
    format_size(rss, sizeof rss, e->rss);
    if (e->has_memory) { /* else "-": not read, never a made-up 0 */
        format_size(pss, sizeof pss, e->pss);
        format_size(swap, sizeof swap, e->swap);
    }
    if (!e->why)
        snprintf(maps, sizeof maps, "%zu", e->mappings);
    if (e->threads >= 0)
        snprintf(thr, sizeof thr, "%d", e->threads);
    /* x: vmscope cannot read it (Enter says why) */
    snprintf(line, sizeof line, "%c%7d %-10.10s %7s %7s %7s %6s %4s  ", e->why ? 'x' : ' ',
             (int)e->pid, e->user, rss, pss, swap, maps, thr);
    draw_untrusted(y, x, width, line, strlen(line));
    x += (int)strlen(line);
    draw_untrusted(y, x, COLS - x, e->command, strlen(e->command));
}

void picker_draw(struct picker *p)
{
    erase();
    attron(A_BOLD);
    draw_text(0, 0, COLS, "vmscope: choose a process (Enter attaches, / search, u user, s sort, "
                          "I reverse, q quits)");
    char head[200];
    snprintf(head, sizeof head, "%8s %-10s %7s %7s %7s %6s %4s  %-8s  sort: %s%s  (x: cannot be read)",
             "PID", "USER", "RSS", "PSS", "SWAP", "MAPS", "THR", "COMMAND",
             pick_sort_names[p->sort], p->reverse ? " reversed" : "");
    draw_text(1, 0, COLS, head);
    attroff(A_BOLD);
    list_draw(&p->rows, 2, 0, COLS, LINES - 3, (long)p->k, p->cursor, picker_row, p);
    char status[300];
    if (p->typing)
        snprintf(status, sizeof status, "%s: %s_", p->prompt == 'u' ? "user (empty: all)" : "search",
                 p->prompt == 'u' ? p->user : p->filter);
    else if (p->note[0])
        snprintf(status, sizeof status, "%s", p->note);
    else
        snprintf(status, sizeof status, "%zu processes%s%s%s%s", p->k,
                 p->filter[0] ? ", search: " : "", p->filter, p->user[0] ? ", user: " : "",
                 p->user);
    draw_untrusted(LINES - 1, 0, COLS, status, strlen(status));
    refresh();
}

int picker_key(struct picker *p, int ch, pid_t *chosen)
{
    if (p->typing) {
        int r = p->prompt == 'u' ? line_edit_key(p->user, sizeof p->user, ch)
                                 : line_edit_key(p->filter, sizeof p->filter, ch);
        if (r == LINE_EDIT_DONE || r == LINE_EDIT_CANCEL) {
            p->typing = false;
        } else if (r == LINE_EDIT_CHANGED) {
            p->cursor = 0;
            p->list_pid_at_cursor = 0;
        } else {
            return VIEW_HANDLED;
        }
        refilter(p);
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    p->note[0] = '\0';
    if (ch == 'q' || ch == 27)
        return VIEW_QUIT;
    if (ch == 's' || ch == KEY_F(6) || ch == 'I') {
        if (ch == 'I')
            p->reverse = !p->reverse;
        else
            p->sort = (p->sort + 1) % PICK_SORTS;
        refilter(p);
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if (ch == '/' || ch == 'u') {
        p->typing = true;
        p->prompt = ch;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if ((ch == '\n' || ch == KEY_ENTER) && p->k) {
        const struct picker_row *e = &p->list[p->shown[p->cursor]];
        if (e->why) { /* keep the list; say why in one line */
            snprintf(p->note, sizeof p->note, "pid %d: %s", (int)e->pid, e->why);
            return VIEW_HANDLED | VIEW_REDRAW;
        }
        *chosen = e->pid;
        return VIEW_QUIT;
    }
    if (ch == KEY_RESIZE)
        return VIEW_REDRAW;
    long next = list_key(&p->rows, ch, p->cursor, (long)p->k, 2, LINES - 3);
    if (next < 0)
        return 0;
    p->cursor = next;
    p->list_pid_at_cursor = p->list[p->shown[next]].pid;
    return VIEW_HANDLED | VIEW_REDRAW;
}
