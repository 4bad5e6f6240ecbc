/* Map: the address space drawn top (low addresses) to bottom, each region
 * given rows by the log of its size, large unmapped gaps collapsed into one
 * labelled row, each region's bar coloured by class and filled to its
 * resident fraction. */
#include "screens.h"
#include "vmscope/map_layout.h"
#include "vmscope/summary.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bar grows with the terminal and shrinks on a narrow one, so the
 * names keep room: 24 columns at 120, 8 at 80, at most 64. */
static int bar_width(void)
{
    int w = COLS >= 120 ? 24 + (COLS - 120) / 4 : 24 - (120 - COLS) / 2;
    return w < 8 ? 8 : w > 64 ? 64 : w;
}

/* Cells of a bar of width w for part of size bytes: at least one for any. */
static int cells(uint64_t part, uint64_t size, int w)
{
    int c = size && part ? (int)((part * (uint64_t)w + size - 1) / size) : 0;
    return c > w ? w : c;
}

/* The bar: the resident part in reverse video, within it the locked part
 * as '#' and the THP-backed part as '='; then the swapped part as 's'; the
 * rest '.'. */
static void draw_bar(const struct view *v, int y, int x, const struct region *r)
{
    const int BAR_WIDTH = bar_width();
    const uint64_t *f = r->vma->field;
    uint64_t size = vma_size(r->vma);
    int filled = cells(f[SMAPS_RSS], size, BAR_WIDTH);
    int locked = cells(f[SMAPS_LOCKED], size, BAR_WIDTH);
    int huge = cells(f[SMAPS_ANON_HUGE] + f[SMAPS_SHMEM_PMD_MAPPED] + f[SMAPS_FILE_PMD_MAPPED], size,
                     BAR_WIDTH);
    int swapped = cells(f[SMAPS_SWAP], size, BAR_WIDTH);
    if (x + BAR_WIDTH > COLS)
        return;
    char glyph = class_glyph(r->cls);
    attr_t a = class_attr(v, r->cls);
    move(y, x);
    for (int c = 0; c < BAR_WIDTH; c++) {
        if (c < filled) {
            attron(a | A_REVERSE);
            addch(c < locked ? '#' : c < locked + huge ? '=' : (chtype)glyph);
            attroff(a | A_REVERSE);
        } else {
            attron(a);
            addch(c < filled + swapped ? 's' : c == 0 ? (chtype)glyph : '.');
            attroff(a);
        }
    }
}

static void map_draw(struct view *v, int top, int height)
{
    if (!v->snap)
        return;
    struct map_row *rows;
    size_t n = map_layout_rows(v->snap, &rows);
    long sel = view_selected_index(v);
    long cursor = 0;
    for (size_t k = 0; k < n; k++)
        if (rows[k].region == sel && rows[k].first) {
            cursor = (long)k;
            break;
        }
    /* The legend of the bars' marks, then the map. */
    attron(A_DIM);
    draw_text(top, 0, COLS, v->baseline ? "bars: # locked  = THP  s swapped  . not resident;  "
                                          "+ new  ~ changed since the baseline (m)"
                                        : "bars: # locked  = THP  s swapped  . not resident");
    attroff(A_DIM);
    top++;
    height--;
    /* Keep the whole selected region on screen when it fits. */
    list_scroll(screen_top(v, SCREEN_MAP), cursor, height);
    for (int row = 0; row < height; row++) {
        size_t k = *screen_top(v, SCREEN_MAP) + (size_t)row;
        if (k >= n)
            break;
        int y = top + row;
        const struct map_row *mr = &rows[k];
        char line[160], sz[16];
        if (mr->region < 0) {
            format_size(sz, sizeof sz, mr->gap - mr->hole);
            if (!mr->hole)
                snprintf(line, sizeof line, "%16s   ~~~ %s unmapped ~~~", "", sz);
            else if (mr->hole == mr->gap)
                snprintf(line, sizeof line, "%16s   ~~~ the non-canonical hole and the kernel's half ~~~", "");
            else /* the end of the user address space lies inside */
                snprintf(line, sizeof line,
                         "%16s   ~~~ %s unmapped, then the non-canonical hole and the kernel's half ~~~",
                         "", sz);
            attron(A_DIM);
            draw_text(y, 0, COLS, line);
            attroff(A_DIM);
            continue;
        }
        const struct region *r = &v->snap->regions[mr->region];
        bool is_sel = mr->region == sel;
        if (mr->first) {
            snprintf(line, sizeof line, "%016llx ", (unsigned long long)r->vma->start);
        } else {
            snprintf(line, sizeof line, "%16s ", "");
        }
        if (is_sel)
            attron(A_BOLD);
        draw_text(y, 0, COLS, line);
        draw_text(y, 17, 2, is_sel ? ">" : " ");
        if (mr->first && v->baseline) { /* + new, ~ changed since the baseline (m) */
            char mark[2] = {view_baseline_mark(v, (size_t)mr->region), 0};
            draw_text(y, 18, 1, mark);
        }
        if (is_sel)
            attroff(A_BOLD);
        draw_bar(v, y, 19, r);
        if (!mr->first)
            continue;
        char rss[16];
        format_size(sz, sizeof sz, vma_size(r->vma));
        format_size(rss, sizeof rss, r->vma->field[SMAPS_RSS]);
        snprintf(line, sizeof line, " %6s %6s %s %s/%s%s ", sz, rss, r->vma->perms,
                 region_class_name(r->cls), region_subclass_name(r->subclass), r->flags & REGION_HEURISTIC ? "?" : "");
        int x = 19 + bar_width();
        if (is_sel)
            attron(A_REVERSE);
        draw_text(y, x, COLS - x, line);
        if (is_sel)
            attroff(A_REVERSE);
        x += (int)strlen(line);
        attron(class_attr(v, r->cls));
        draw_name(y, x, COLS - x, r->vma->name, r->vma->name_len);
        attroff(class_attr(v, r->cls));
    }
    free(rows);
}

static int map_key(struct view *v, int ch, int height)
{
    if (!v->snap || !v->snap->n_regions)
        return 0;
    long sel = view_selected_index(v);
    long n = (long)v->snap->n_regions;
    long next = list_navigate(ch, sel < 0 ? 0 : sel, n, height / 2 > 1 ? height / 2 : 2);
    MEVENT ev;
    if (ch == KEY_MOUSE && getmouse(&ev) == OK && ev.y >= 5) {
        struct map_row *rows;
        size_t nr = map_layout_rows(v->snap, &rows);
        /* the map starts below the header and its legend */
        size_t k = *screen_top(v, SCREEN_MAP) + (size_t)(ev.y - 5);
        if (k < nr && rows[k].region >= 0)
            next = rows[k].region;
        free(rows);
    }
    if (next < 0)
        return 0;
    v->selected = v->snap->regions[next].vma->start;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_map = {"Map", map_draw, map_key, NULL};
