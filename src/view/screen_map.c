/* Map: the address space drawn top (low addresses) to bottom, each region
 * given rows by the log of its size, large unmapped gaps collapsed into one
 * labelled row, each region's bar coloured by class and filled to its
 * resident fraction. */
#include "screens.h"
#include "vmscope/map_layout.h"
#include "vmscope/runs.h"
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

/* The Map's own state: its first row, and x's runs: collapsed, but for
 * the ones opened (by their first region's start) and the selection's. */
#define MAP_OPEN_RUNS 64
struct map_state {
    size_t top;
    int rows_y; /* the screen row of the map's first row (below strip and legend) */
    bool runs;
    uint64_t open[MAP_OPEN_RUNS];
    size_t n_open;
};

static struct map_state *map_state(struct view *v)
{
    return screen_state(v, SCREEN_MAP, sizeof(struct map_state));
}

static bool map_run_open(const struct map_state *st, uint64_t start)
{
    for (size_t i = 0; i < st->n_open; i++)
        if (st->open[i] == start)
            return true;
    return false;
}

/* Per region: -1, or the first region of the collapsed run it is in (for
 * that first region itself too); *count: the run's repetitions (at the
 * first region's index). NULL when runs are not collapsed. */
static long *collapsed_runs(struct view *v, size_t **count)
{
    struct map_state *st = map_state(v);
    const struct snapshot *s = v->snap;
    if (!st->runs || !s->n_regions)
        return NULL;
    size_t n = s->n_regions, *order = xcalloc(n, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    struct region_run *runs;
    size_t nr = region_runs(s, order, n, &runs);
    long *head = xcalloc(n, sizeof *head), sel = view_selected_index(v);
    *count = xcalloc(n, sizeof **count);
    for (size_t i = 0; i < n; i++)
        head[i] = -1;
    for (size_t r = 0; r < nr; r++) {
        size_t a = runs[r].first, z = a + runs[r].period * runs[r].count;
        bool has_sel = sel > (long)a && sel < (long)z; /* a search landed inside: open */
        if (runs[r].count < 2 || has_sel || map_run_open(st, s->regions[a].vma->start))
            continue;
        for (size_t k = a; k < z; k++)
            head[k] = (long)a;
        (*count)[a] = runs[r].count;
    }
    free(runs);
    free(order);
    return head;
}

/* The layout without the hidden members of collapsed runs (and the gap
 * rows between them). */
static size_t map_rows(struct view *v, struct map_row **rows, long **head, size_t **count)
{
    size_t n = map_layout_rows(v->snap, rows);
    *head = collapsed_runs(v, count);
    if (!*head)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        long r = (*rows)[i].region;
        if (r < 0 && i + 1 < n && (*rows)[i + 1].region >= 0)
            r = (*rows)[i + 1].region; /* a gap: hidden when the region after it is */
        if (r >= 0 && (*head)[r] >= 0 && (*head)[r] != r)
            continue;
        (*rows)[k++] = (*rows)[i];
    }
    return k;
}

/* One line, to scale: the user address space [mmap_min_addr, TASK_SIZE)
 * in equal cells, each the glyph of a region in it or '.' when all of it
 * is free, so the big gaps show where they are. */
static void draw_strip(const struct view *v, int y)
{
    const struct snapshot *s = v->snap;
    int w = COLS - (int)strlen(MAP_STRIP_LEFT) - 6;
    if (w < 8)
        return;
    uint64_t lo = s->system.mmap_min_addr ? s->system.mmap_min_addr : SUMMARY_MMAP_MIN_DEFAULT;
    short *cls = xcalloc((size_t)w, sizeof *cls); /* class + 1, 0: free */
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct vma *m = s->regions[i].vma;
        if (m->start >= SUMMARY_TASK_SIZE || m->end <= lo)
            continue;
        size_t a = map_strip_cell(m->start > lo ? m->start : lo, lo, SUMMARY_TASK_SIZE, w);
        size_t b = map_strip_cell((m->end < SUMMARY_TASK_SIZE ? m->end : SUMMARY_TASK_SIZE) - 1, lo,
                                  SUMMARY_TASK_SIZE, w);
        for (size_t c = a; c <= b && c < (size_t)w; c++)
            if (!cls[c])
                cls[c] = (short)(s->regions[i].cls + 1);
    }
    draw_text(y, 0, COLS, MAP_STRIP_LEFT);
    move(y, (int)strlen(MAP_STRIP_LEFT));
    for (int c = 0; c < w; c++) {
        if (!cls[c]) {
            addch('.');
            continue;
        }
        attr_t a = class_attr(v, (enum region_class)(cls[c] - 1)) | A_REVERSE;
        attron(a);
        addch((chtype)class_glyph((enum region_class)(cls[c] - 1)));
        attroff(a);
    }
    char end[24], top[16];
    format_size(top, sizeof top, SUMMARY_TASK_SIZE);
    snprintf(end, sizeof end, "|%s", top);
    draw_text(y, (int)strlen(MAP_STRIP_LEFT) + w, 6, end);
    free(cls);
}

static void map_draw(struct view *v, int top, int height)
{
    if (!v->snap)
        return;
    if (height > 3) { /* the strip first, then the map below it */
        draw_strip(v, top);
        top++;
        height--;
    }
    struct map_row *rows;
    long *head;
    size_t *count = NULL;
    size_t n = map_rows(v, &rows, &head, &count);
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
    map_state(v)->rows_y = top;
    /* Keep the whole selected region on screen when it fits. */
    list_scroll(&map_state(v)->top, cursor, height);
    for (int row = 0; row < height; row++) {
        size_t k = map_state(v)->top + (size_t)row;
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
        if (head && head[mr->region] == mr->region) { /* a collapsed run */
            long a = mr->region, z = a;
            while (z + 1 < (long)v->snap->n_regions && head[z + 1] == a)
                z++;
            size_t period = (size_t)(z - a + 1) / count[a];
            char pattern[160] = "";
            for (size_t p = 0; p < period; p++) {
                const struct region *m = &v->snap->regions[a + (long)p];
                format_size(sz, sizeof sz, vma_size(m->vma));
                size_t len = strlen(pattern);
                snprintf(pattern + len, sizeof pattern - len, "%s%s %s %s/%s", p ? " + " : "", sz,
                         m->vma->perms, region_class_name(m->cls), region_subclass_name(m->subclass));
            }
            format_size(sz, sizeof sz, v->snap->regions[z].vma->end - r->vma->start);
            snprintf(line, sizeof line, " %6s \xe2\x96\xb8 \xc3\x97 %zu  %s", sz, count[a], pattern);
            int x = 19 + bar_width();
            attron(A_BOLD | (is_sel ? A_REVERSE : 0));
            draw_text(y, x, COLS - x, line);
            attroff(A_BOLD | (is_sel ? A_REVERSE : 0));
            continue;
        }
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
    free(head);
    free(count);
}

static int map_key(struct view *v, int ch, int height)
{
    if (!v->snap || !v->snap->n_regions)
        return 0;
    struct map_state *st = map_state(v);
    long sel = view_selected_index(v);
    long n = (long)v->snap->n_regions;
    if (ch == 'x') {
        st->runs = !st->runs;
        st->n_open = 0;
        snprintf(v->message, sizeof v->message, "%s", st->runs
                 ? "runs of repeated neighbours collapsed: Right opens one, Left folds it, x again shows all"
                 : "every region shown");
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    struct map_row *rows;
    long *head;
    size_t *count = NULL;
    size_t nr = map_rows(v, &rows, &head, &count);
    long next = list_navigate(ch, sel < 0 ? 0 : sel, n, height / 2 > 1 ? height / 2 : 2);
    if (head && next >= 0 && head[next] >= 0 && head[next] != next) { /* inside a collapsed run */
        if (next > sel) {
            while (next < n && head[next] == head[next - 1] && head[next] >= 0)
                next++;
            next = next < n ? next : head[n - 1];
        } else {
            next = head[next];
        }
    }
    if (head && sel >= 0 && head[sel] == sel && ch == KEY_RIGHT && st->n_open < MAP_OPEN_RUNS)
        st->open[st->n_open++] = v->snap->regions[sel].vma->start;
    if (st->runs && sel >= 0 && ch == KEY_LEFT) { /* fold the open run the selection is in */
        size_t *order = xcalloc((size_t)n, sizeof *order);
        for (long k = 0; k < n; k++)
            order[k] = (size_t)k;
        struct region_run *runs;
        size_t nruns = region_runs(v->snap, order, (size_t)n, &runs);
        for (size_t r = 0; r < nruns; r++) {
            long a = (long)runs[r].first, z = a + (long)(runs[r].period * runs[r].count);
            if (sel < a || sel >= z)
                continue;
            for (size_t i = 0; i < st->n_open; i++)
                if (st->open[i] == v->snap->regions[a].vma->start) {
                    st->open[i] = st->open[--st->n_open];
                    next = a;
                }
            break;
        }
        free(runs);
        free(order);
    }
    MEVENT ev;
    if (ch == KEY_MOUSE && getmouse(&ev) == OK && st->rows_y > 0 && ev.y >= st->rows_y) {
        /* the map starts below the header, the strip and the legend */
        size_t k = st->top + (size_t)(ev.y - st->rows_y);
        if (k < nr && rows[k].region >= 0)
            next = rows[k].region;
    }
    free(rows);
    free(head);
    free(count);
    if (st->runs && (ch == KEY_RIGHT || ch == KEY_LEFT))
        next = next >= 0 ? next : sel;
    if (next < 0)
        return 0;
    v->selected = v->snap->regions[next].vma->start;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_map = {"Map", map_draw, map_key, NULL};
