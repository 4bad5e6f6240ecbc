/* Summary: the address space at a glance (VMMap's top table): size and
 * memory per type, the reserved and the free space, a total. Enter shows
 * the Regions of the row's type. */
#include "screens.h"
#include "vmscope/summary.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <string.h>

struct summary_state {
    struct list_widget list;
    long cursor;
};

struct summary_draw {
    const struct view *v;
    const struct summary *sm;
};

#define LABEL_WIDTH 16
#define COL_WIDTH 10

static const char *const col_names[] = {"Size", "Resident", "Private", "Shared", "Swap",
                                        "Locked", "Huge", "Blocks", "Largest"};
#define N_COLS (sizeof col_names / sizeof col_names[0])

/* On a narrow terminal the least telling columns go first (Locked, Huge,
 * Swap): at 80 columns Blocks and Largest stay. */
static const int drop_order[N_COLS] = {5, 6, 4, 3, 2, 8, 7, 1, 0};

static bool col_shown(int k, int width)
{
    int n = (width - LABEL_WIDTH) / COL_WIDTH;
    for (int i = 0; i < (int)N_COLS - (n < 0 ? 0 : n); i++)
        if (drop_order[i] == k)
            return false;
    return true;
}

static void draw_row(void *ctx, long i, int y, int x, int width)
{
    const struct summary_draw *d = ctx;
    const struct summary_row *row = &d->sm->rows[i];
    const struct summary_cell *c = &row->c;
    char label[32];
    snprintf(label, sizeof label, "%s%s", row->kind == SUMMARY_SUB ? "  " : "", row->label);
    bool bold = row->kind == SUMMARY_TOTAL || row->kind == SUMMARY_FREE;
    if (row->kind == SUMMARY_CLASS)
        attron(class_attr(d->v, (enum region_class)region_class_from_name(row->key)));
    if (bold)
        attron(A_BOLD);
    draw_text(y, x, LABEL_WIDTH, label);
    /* free space has no memory behind it; smaps-only columns wait for smaps */
    bool detail = d->sm->has_detail && !c->partial;
    const uint64_t vals[N_COLS] = {c->size, c->rss, c->priv, c->shared, c->swap,
                                   c->locked, c->huge, c->blocks, c->largest};
    const bool known[N_COLS] = {true, row->kind != SUMMARY_FREE, detail && row->kind != SUMMARY_FREE,
                                detail && row->kind != SUMMARY_FREE, row->kind != SUMMARY_FREE,
                                detail && row->kind != SUMMARY_FREE,
                                detail && row->kind != SUMMARY_FREE, true,
                                row->kind != SUMMARY_TOTAL};
    int at = x + LABEL_WIDTH;
    for (int k = 0; k < (int)N_COLS; k++) {
        if (!col_shown(k, width))
            continue;
        char cell[24], num[16];
        if (!known[k])
            snprintf(num, sizeof num, "\xe2\x80\x93"); /* –: not measured */
        else if (k == 7)
            snprintf(num, sizeof num, "%llu", (unsigned long long)vals[k]);
        else
            format_size(num, sizeof num, vals[k]);
        /* – is three bytes wide in one column */
        snprintf(cell, sizeof cell, "%*s", COL_WIDTH + (known[k] ? 0 : 2), num);
        draw_text(y, at, COL_WIDTH, cell);
        at += COL_WIDTH;
    }
    if (bold)
        attroff(A_BOLD);
    if (row->kind == SUMMARY_CLASS)
        attroff(class_attr(d->v, (enum region_class)region_class_from_name(row->key)));
}

static void summary_draw(struct view *v, int top, int height)
{
    if (!v->snap || height < 2)
        return;
    struct summary_state *st = screen_state(v, SCREEN_SUMMARY, sizeof *st);
    struct summary sm;
    summary_of(v->snap, &sm);
    if (st->cursor >= (long)sm.n)
        st->cursor = (long)sm.n - 1;
    char line[160];
    int len = snprintf(line, sizeof line, "%-*s", LABEL_WIDTH, "Type");
    for (int k = 0; k < (int)N_COLS; k++)
        if (col_shown(k, COLS))
            len += snprintf(line + len, sizeof line - (size_t)len, "%*s", COL_WIDTH, col_names[k]);
    attron(A_BOLD | A_UNDERLINE);
    draw_text(top, 0, COLS, line);
    attroff(A_BOLD | A_UNDERLINE);
    struct summary_draw d = {v, &sm};
    list_draw(&st->list, top + 1, 0, COLS, height - 2, (long)sm.n, st->cursor, draw_row, &d);
    draw_text(top + height - 1, 0, COLS,
              "Enter shows the regions of a type (the Regions filter)   ? help");
}

static int summary_key(struct view *v, int ch, int height)
{
    if (!v->snap)
        return 0;
    struct summary_state *st = screen_state(v, SCREEN_SUMMARY, sizeof *st);
    struct summary sm;
    summary_of(v->snap, &sm);
    if (ch == '\n' || ch == KEY_ENTER || ch == KEY_RIGHT) {
        if (st->cursor < 0 || st->cursor >= (long)sm.n)
            return 0;
        const struct summary_row *row = &sm.rows[st->cursor];
        if (row->kind == SUMMARY_FREE) {
            snprintf(v->message, sizeof v->message, "free space has no regions: the Map (2) shows the gaps");
            return VIEW_HANDLED | VIEW_REDRAW;
        }
        if (row->kind == SUMMARY_TOTAL) {
            v->filter[0] = '\0';
        } else {
            snprintf(v->filter, sizeof v->filter, "type:%s", row->key);
            snprintf(v->message, sizeof v->message,
                     "the regions of type %s (filter type:%s; the filter key changes it)",
                     row->label, row->key);
        }
        v->screen = SCREEN_REGIONS;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    long next = list_key(&st->list, ch, st->cursor, (long)sm.n, 4 + 1, height - 2);
    if (next < 0)
        return 0;
    st->cursor = next;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_summary = {"Summary", summary_draw, summary_key, NULL};
