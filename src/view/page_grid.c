/* The page grid of the region detail: one cell per page, or per N pages
 * for a region larger than the grid, each cell showing its pages' majority
 * state; a page cursor whose page is read in full (frame, kernel flags,
 * map count); and a histogram of page states. */
#include "screens.h"
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Glyphs by the state that matters most for a reader; with shared_known
 * (one page per cell, read in full), a page mapped more than once gets the
 * lower-case (or '+') form. */
static char state_glyph(unsigned st, bool shared_known)
{
    bool shared = shared_known && !(st & PS_EXCLUSIVE);
    if (st & PS_GUARD)
        return 'G';
    if (st & PS_SWAPPED)
        return 'S';
    if (!(st & PS_PRESENT))
        return '.';
    if (st & PS_HUGE)
        return shared ? 'h' : 'H';
    if (st & PS_ZERO)
        return '0';
    if (st & PS_FILE)
        return shared ? 'f' : 'F';
    return shared ? '+' : '#';
}

static short state_colour(unsigned st)
{
    if (st & (PS_GUARD | PS_SWAPPED))
        return RC_STACK + 1; /* red */
    if (!(st & PS_PRESENT))
        return 0;
    if (st & PS_HUGE)
        return RC_BSS + 1;   /* magenta */
    if (st & PS_ZERO)
        return RC_OTHER + 1;
    if (st & PS_FILE)
        return RC_MMAP + 1;  /* yellow */
    return RC_HEAP + 1;      /* green */
}

/* A kernel page flag's name as a reader should take it: on an anonymous
 * page the kernel reuses the bit it calls mappedtodisk for anon_exclusive
 * (the page belongs to this process alone), so that is what it says. */
#define KPF_ANON_BIT 12
#define KPF_MAPPEDTODISK_BIT 34
static const char *flag_label(uint64_t flags, int b)
{
    if (b == KPF_MAPPEDTODISK_BIT && (flags >> KPF_ANON_BIT & 1))
        return "anon_exclusive(mappedtodisk)";
    return kpageflag_name(b);
}

struct cell {
    unsigned state; /* majority state */
    uint64_t present, pages;
};

/* Walks runs and cells together (both in address order). */
static void cells_from_runs(const struct page_runs *runs, uint64_t region_start, uint64_t psz,
                            uint64_t first_page, uint64_t per_cell, struct cell *cells,
                            size_t ncells)
{
    memset(cells, 0, ncells * sizeof *cells);
    size_t ri = 0;
    for (size_t c = 0; c < ncells; c++) {
        uint64_t lo = first_page + c * per_cell, hi = lo + per_cell;
        /* Count pages per state among the runs overlapping [lo, hi). */
        unsigned states[8];
        uint64_t counts[8];
        int n = 0;
        while (ri < runs->count &&
               (runs->items[ri].start - region_start) / psz + runs->items[ri].pages <= lo)
            ri++;
        for (size_t k = ri; k < runs->count; k++) {
            uint64_t rs = (runs->items[k].start - region_start) / psz;
            uint64_t re = rs + runs->items[k].pages;
            if (rs >= hi)
                break;
            uint64_t a = rs > lo ? rs : lo, b = re < hi ? re : hi;
            if (a >= b)
                continue;
            unsigned st = runs->items[k].state & ~(unsigned)PS_SOFT_DIRTY;
            if (runs->items[k].state & PS_PRESENT)
                cells[c].present += b - a;
            cells[c].pages += b - a;
            int j = 0;
            while (j < n && states[j] != st)
                j++;
            if (j == n && n < 8) {
                states[n] = st;
                counts[n++] = 0;
            }
            if (j < n)
                counts[j] += b - a;
        }
        uint64_t best = 0;
        for (int j = 0; j < n; j++)
            if (counts[j] > best) {
                best = counts[j];
                cells[c].state = states[j];
            }
    }
}

#define FULL_HISTOGRAM_PAGES 16384 /* 64 MiB of 4 KiB pages */

/* The grid's own state (the Detail screen's): what the loop read for the
 * request the grid made (view_page_request), again with each sample (the
 * previous read marks what changed). The grid reads nothing itself. */
struct page_grid {
    struct page_request want; /* what the last draw needed */
    struct page_request rq;   /* what the runs below answer */
    struct page_runs states, prev;
    struct page_runs full;    /* every page with its kernel flags, small regions only */
    struct page_runs window;  /* one page per cell: the pages on screen, in full */
    struct page_runs one;     /* the cursor's page, in full */
    const char *note;         /* why there are no runs, or NULL */
    uint64_t start, end;      /* the region they belong to */
    uint64_t cursor;          /* page index in the region */
    uint64_t per_cell;        /* pages per cell, 0: fit the whole region */
    uint64_t first;           /* first page shown when zoomed in */
    int gw, gh;               /* the grid's cells at the last draw */
};

static struct page_grid *grid_of(struct view *v)
{
    return screen_state(v, SCREEN_DETAIL, sizeof(struct page_grid));
}

void page_grid_free(void *state)
{
    struct page_grid *g = state;
    page_runs_free(&g->states);
    page_runs_free(&g->prev);
    page_runs_free(&g->full);
    page_runs_free(&g->window);
    page_runs_free(&g->one);
}

const struct page_runs *view_pages(struct view *v, bool previous)
{
    return previous ? &grid_of(v)->prev : &grid_of(v)->states;
}

const char *view_pages_note(struct view *v)
{
    return grid_of(v)->note;
}

/* The snapshot's page size: a replay shows the machine it was taken on. */
static uint64_t page_size(const struct view *v)
{
    return v->snap && v->snap->system.page_size > 0 ? (uint64_t)v->snap->system.page_size : 4096;
}

static uint64_t region_pages(struct view *v)
{
    struct page_grid *g = grid_of(v);
    return (g->end - g->start) / page_size(v);
}

/* A new region: its own cursor, zoom and runs. */
static void switch_region(struct view *v, const struct region *r)
{
    struct page_grid *g = grid_of(v);
    if (g->start == r->vma->start && g->end == r->vma->end)
        return;
    page_runs_free(&g->states);
    page_runs_free(&g->prev);
    page_runs_free(&g->full);
    page_runs_free(&g->window);
    page_runs_free(&g->one);
    memset(&g->rq, 0, sizeof g->rq);
    g->note = NULL;
    g->cursor = 0;
    g->per_cell = 0;
    g->first = 0;
    g->start = r->vma->start;
    g->end = r->vma->end;
}

void view_set_pages(struct view *v, const struct page_request *rq, struct page_answer *a)
{
    struct page_grid *g = grid_of(v);
    if (rq->start != g->start || rq->end != g->end) {
        page_answer_free(a);
        return; /* asked for a region no longer shown */
    }
    bool new_sample = rq->stamp != g->rq.stamp;
    g->rq = *rq;
    g->note = a->note;
    if (a->err < 0) { /* what was read before stays (the state at the end) */
        page_answer_free(a);
        return;
    }
    if (new_sample) {
        page_runs_free(&g->prev);
        g->prev = g->states; /* what the last sample showed */
    } else {
        page_runs_free(&g->states);
    }
    g->states = a->states;
    page_runs_free(&g->full);
    g->full = a->full;
    page_runs_free(&g->window);
    g->window = a->window;
    page_runs_free(&g->one);
    g->one = a->one;
    memset(a, 0, sizeof *a);
}

static uint64_t plan(struct view *v, const struct region *r, int gw, int gh);

bool view_page_request(struct view *v, struct page_request *rq)
{
    long i = view_selected_index(v);
    if (v->screen != SCREEN_DETAIL || i < 0)
        return false;
    struct page_grid *g = grid_of(v);
    plan(v, &v->snap->regions[i], g->gw, g->gh);
    *rq = g->want;
    return !page_request_equal(rq, &g->rq);
}

/* pages per cell for the current zoom; grid_first keeps the cursor shown. */
static uint64_t layout(struct view *v, size_t ncells)
{
    struct page_grid *g = grid_of(v);
    uint64_t total = region_pages(v);
    uint64_t fit = (total + ncells - 1) / ncells;
    if (fit == 0)
        fit = 1;
    if (g->per_cell == 0 || g->per_cell > fit)
        g->per_cell = fit;
    uint64_t per = g->per_cell;
    uint64_t span = per * ncells;
    if (g->cursor < g->first || g->cursor >= g->first + span)
        g->first = g->cursor / span * span;
    return per;
}

static void draw_cursor_page(struct view *v, int y, int width)
{
    struct page_grid *g = grid_of(v);
    uint64_t psz = page_size(v);
    uint64_t addr = g->start + g->cursor * psz;
    char line[512];
    int n = snprintf(line, sizeof line, "page 0x%" PRIx64 " (+0x%" PRIx64 ")  ", addr,
                     g->cursor * psz);
    const struct page_runs *one = &g->one;
    if (g->rq.page == addr && one->count == 1) {
        const struct page_run *p = &one->items[0];
        for (int b = 0; b < PAGE_STATE_COUNT && n < (int)sizeof line - 20; b++)
            if (p->state & (1u << b))
                n += snprintf(line + n, sizeof line - (size_t)n, "%s ", page_state_name(b));
        if (!p->state)
            n += snprintf(line + n, sizeof line - (size_t)n, "not present ");
        if (p->has_pfn)
            n += snprintf(line + n, sizeof line - (size_t)n, " pfn 0x%" PRIx64, p->pfn);
        if (p->has_flags) {
            n += snprintf(line + n, sizeof line - (size_t)n, "  mapcount %" PRIu64 "  flags",
                          p->mapcount);
            for (int b = 0; b < 64 && n < (int)sizeof line - 20; b++)
                if ((p->kflags >> b & 1) && kpageflag_name(b))
                    n += snprintf(line + n, sizeof line - (size_t)n, " %s", flag_label(p->kflags, b));
        } else if ((p->state & PS_PRESENT) && !one->pfn_readable) {
            n += snprintf(line + n, sizeof line - (size_t)n,
                          " (frame, flags, map count: need CAP_SYS_ADMIN, run as root)");
        }
    }
    draw_text(y, 0, width, line);
}

/* A histogram: pages per key, keys in order of first appearance. */
#define HISTOGRAM_KEYS 32

struct histogram {
    struct { uint64_t key, pages; } rows[HISTOGRAM_KEYS];
    int n;
};

static void histogram_add(struct histogram *h, uint64_t key, uint64_t pages)
{
    int j = 0;
    while (j < h->n && h->rows[j].key != key)
        j++;
    if (j == h->n) {
        if (h->n == HISTOGRAM_KEYS)
            return; /* more combinations than rows: the rest are not shown */
        h->rows[h->n++].key = key;
    }
    h->rows[j].pages += pages;
}

/* "pages bytes <label of the key>" rows under a title. */
static void histogram_draw(const struct histogram *h, uint64_t psz, const char *title,
                           void (*label)(uint64_t key, char *out, size_t size), int y, int x,
                           int height, int width)
{
    attron(A_BOLD);
    draw_text(y, x, width, title);
    attroff(A_BOLD);
    for (int j = 0; j < h->n && j + 1 < height; j++) {
        char line[400], sz[16];
        format_size(sz, sizeof sz, h->rows[j].pages * psz);
        int k = snprintf(line, sizeof line, "%9" PRIu64 " %7s  ", h->rows[j].pages, sz);
        label(h->rows[j].key, line + k, sizeof line - (size_t)k);
        draw_text(y + 1 + j, x, width, line);
    }
}

/* Kernel-flag keys: the flags, with bit 63 set for pages not present
 * (which have no flags; bit 63 is no kpageflags bit that is ever set). */
#define KEY_NOT_PRESENT (UINT64_C(1) << 63)

static void flags_label(uint64_t key, char *out, size_t size)
{
    if (key == KEY_NOT_PRESENT) {
        snprintf(out, size, "(not present)");
        return;
    }
    size_t k = 0;
    out[0] = '\0';
    for (int b = 0; b < 63 && k + 20 < size; b++)
        if ((key >> b & 1) && kpageflag_name(b))
            k += (size_t)snprintf(out + k, size - k, "%s ", flag_label(key, b));
}

static void state_label(uint64_t key, char *out, size_t size)
{
    unsigned st = (unsigned)key;
    size_t k = (size_t)snprintf(out, size, "%c ", state_glyph(st, false));
    for (int b = 0; b < PAGE_STATE_COUNT && k < size; b++)
        if (st & (1u << b))
            k += (size_t)snprintf(out + k, size - k, "%s ", page_state_name(b));
    if (!st && k < size)
        snprintf(out + k, size - k, "not present");
}

/* The totals per state that open the histogram. */
enum total_key { TOTAL_PRESENT, TOTAL_NOT_PRESENT, TOTAL_SWAPPED, TOTAL_ZERO, TOTAL_COUNT };

static void total_label(uint64_t key, char *out, size_t size)
{
    static const char *const names[TOTAL_COUNT] = {"present", "not present", "swapped",
                                                   "zero page (of the present)"};
    snprintf(out, size, "%s", key < TOTAL_COUNT ? names[key] : "?");
}

/* Pages present, not present, swapped and on the zero page; returns the
 * rows it took. */
static int draw_totals(const struct page_runs *runs, uint64_t psz, int y, int x, int height,
                       int width)
{
    struct histogram h = {.n = TOTAL_COUNT};
    for (int k = 0; k < TOTAL_COUNT; k++)
        h.rows[k].key = (uint64_t)k;
    for (size_t i = 0; i < runs->count; i++) {
        unsigned st = runs->items[i].state;
        uint64_t n = runs->items[i].pages;
        h.rows[st & PS_PRESENT ? TOTAL_PRESENT : st & PS_SWAPPED ? TOTAL_SWAPPED
                                                                 : TOTAL_NOT_PRESENT].pages += n;
        if ((st & PS_PRESENT) && (st & PS_ZERO))
            h.rows[TOTAL_ZERO].pages += n;
    }
    histogram_draw(&h, psz, "pages       bytes  totals", total_label, y, x, height, width);
    return height < TOTAL_COUNT + 2 ? height : TOTAL_COUNT + 2; /* and a blank row */
}

/* page-types' table (pages and bytes per combination of kernel flags) where
 * the small region was read in full with its flags; per page state else;
 * both after the totals per state. */
static void draw_histogram(struct view *v, int y, int x, int height, int width)
{
    struct page_grid *g = grid_of(v);
    struct histogram h = {.n = 0};
    const struct page_runs *full = &g->full;
    int used = draw_totals(full->flags_readable && full->count ? full : &g->states, page_size(v), y,
                           x, height, width);
    y += used;
    height -= used;
    if (height < 2)
        return;
    if (full->flags_readable && full->count) {
        for (size_t i = 0; i < full->count; i++)
            histogram_add(&h, full->items[i].has_flags ? full->items[i].kflags : KEY_NOT_PRESENT,
                          full->items[i].pages);
        histogram_draw(&h, page_size(v), "pages       bytes  kernel page flags", flags_label, y, x, height,
                       width);
        return;
    }
    for (size_t i = 0; i < g->states.count; i++)
        histogram_add(&h, g->states.items[i].state, g->states.items[i].pages);
    histogram_draw(&h, page_size(v), "pages       bytes  state", state_label, y, x, height, width);
}

/* The histogram's width beside the grid, by terminal width (0: none). */
static int histogram_width(void)
{
    return COLS >= 140 ? 64 : COLS >= 110 ? 44 : 0;
}

static int grid_width(void)
{
    int h = histogram_width();
    return COLS - h - (h ? 2 : 0);
}

/* What to ask the loop for, for region r on a grid of gw x gh cells (0 x
 * 0 before the first draw): states of the region; every page in full for a
 * small one (the flags histogram); at one page per cell, the pages on
 * screen in full (exclusive or shared), never more than a screenful; and
 * the cursor's page. Returns the pages per cell. */
static uint64_t plan(struct view *v, const struct region *r, int gw, int gh)
{
    struct page_grid *g = grid_of(v);
    switch_region(v, r);
    if (v->tour.grid_at >= g->start && v->tour.grid_at < g->end) {
        /* the tour's page: one page per cell, the cursor on it */
        g->per_cell = 1;
        g->cursor = (v->tour.grid_at - g->start) / page_size(v);
        v->tour.grid_at = 0;
    }
    size_t ncells = gw > 0 && gh > 0 ? (size_t)gw * (size_t)gh : 0;
    uint64_t total = region_pages(v);
    if (g->cursor >= total)
        g->cursor = total ? total - 1 : 0;
    uint64_t per = ncells ? layout(v, ncells) : 0;
    uint64_t psz = page_size(v);
    struct page_request *rq = &g->want;
    memset(rq, 0, sizeof *rq);
    rq->start = r->vma->start;
    rq->end = r->vma->end;
    /* Private anonymous memory has no file pages: skip that costly category. */
    rq->with_file = r->vma->inode != 0 || r->vma->perms[3] == 's' || r->vma->name[0] == '/';
    rq->full = total <= FULL_HISTOGRAM_PAGES;
    if (per == 1) {
        rq->window_lo = g->start + g->first * psz;
        rq->window_hi = rq->window_lo + ncells * psz < g->end ? rq->window_lo + ncells * psz
                                                                   : g->end;
    }
    rq->page = g->start + g->cursor * psz;
    rq->stamp = v->snap->monotonic_ns;
    return per;
}

void page_grid_draw(struct view *v, const struct region *r, int top, int height)
{
    struct page_grid *g = grid_of(v);
    if (height < 4 || COLS < 20)
        return;
    int hist_w = histogram_width(), gw = grid_width(), gh = height - 3;
    if (gw < 8 || gh < 1)
        return;
    g->gw = gw;
    g->gh = gh;
    size_t ncells = (size_t)gw * (size_t)gh;
    uint64_t per = plan(v, r, gw, gh);
    uint64_t psz = page_size(v);
    const struct page_request *rq = &g->want;
    if (!g->states.count) {
        draw_text(top, 0, COLS, g->note ? g->note : "Pages: reading ...");
        return;
    }
    /* Longer than the grid: where the grid is in the region. */
    char where[80] = "";
    uint64_t total = region_pages(v), last = g->first + (uint64_t)ncells * per;
    if (g->first > 0 || last < total)
        snprintf(where, sizeof where, "pages %" PRIu64 "-%" PRIu64 " of %" PRIu64 " (%d%%)  ",
                 g->first + 1, last < total ? last : total, total,
                 (int)(100 * (last < total ? last : total) / (total ? total : 1)));
    char head[300];
    snprintf(head, sizeof head,
             "Pages: %s%" PRIu64 " per cell (+ - zoom)   # anon  F file  H huge  0 zero  S swap  "
             "G guard  . none%s",
             where, per, per == 1 ? "   + f h: shared" : "");
    if ((int)strlen(head) > COLS) /* 80 columns: the same legend, tighter */
        snprintf(head, sizeof head,
                 "%s%" PRIu64 "/cell (+-) #anon F file H huge 0 zero S swap G guard .none%s", where,
                 per, per == 1 ? " +fh shared" : "");
    attron(A_BOLD);
    draw_text(top, 0, COLS, head);
    attroff(A_BOLD);
    struct cell *cells = xcalloc(ncells, sizeof *cells), *old = NULL;
    bool detailed = per == 1 && g->window.count && g->rq.window_lo == rq->window_lo &&
                    g->rq.window_hi == rq->window_hi;
    if (detailed)
        cells_from_runs(&g->window, g->start, psz, g->first, per, cells, ncells);
    else
        cells_from_runs(&g->states, g->start, psz, g->first, per, cells, ncells);
    if (g->prev.count) {
        old = xcalloc(ncells, sizeof *old);
        cells_from_runs(&g->prev, g->start, psz, g->first, per, old, ncells);
    }
    uint64_t cursor_cell = (g->cursor - g->first) / per;
    for (size_t c = 0; c < ncells; c++) {
        if (!cells[c].pages)
            break; /* past the region's end */
        int y = top + 1 + (int)(c / (size_t)gw), x = (int)(c % (size_t)gw);
        attr_t a = v->color && has_colors() ? COLOR_PAIR(state_colour(cells[c].state)) : A_NORMAL;
        if (cells[c].pages > 1 && cells[c].present * 2 < cells[c].pages && cells[c].present)
            a |= A_DIM; /* a minority of the cell's pages present */
        if (old && old[c].state != (cells[c].state & ~(unsigned)PS_EXCLUSIVE))
            a |= A_BOLD | A_UNDERLINE; /* changed since the last tick */
        if (c == cursor_cell)
            a |= A_REVERSE;
        attron(a);
        mvaddch(y, x, (chtype)state_glyph(cells[c].state, detailed));
        attroff(a);
    }
    free(cells);
    free(old);
    draw_cursor_page(v, top + 1 + gh, COLS);
    if (hist_w)
        draw_histogram(v, top + 1, gw + 2, gh, hist_w);
}

int page_grid_key(struct view *v, int ch, int height)
{
    struct page_grid *g = grid_of(v);
    if (!g->end || !g->states.count)
        return 0;
    uint64_t total = region_pages(v), per = g->per_cell ? g->per_cell : 1;
    int gw = grid_width();
    uint64_t row = (uint64_t)(gw > 0 ? gw : 1) * per;
    uint64_t screen = row * (uint64_t)(height > 4 ? height - 4 : 1);
    int64_t step = 0;
    switch (ch) {
    case KEY_LEFT: case 'h': step = -(int64_t)per; break;
    case KEY_RIGHT: case 'l': step = (int64_t)per; break;
    case KEY_UP: case 'k': step = -(int64_t)row; break;
    case KEY_DOWN: case 'j': step = (int64_t)row; break;
    case KEY_PPAGE: step = -(int64_t)screen; break;
    case KEY_NPAGE: step = (int64_t)screen; break;
    case KEY_HOME: g->cursor = 0; return VIEW_HANDLED | VIEW_REDRAW;
    case KEY_END: g->cursor = total ? total - 1 : 0; return VIEW_HANDLED | VIEW_REDRAW;
    case '+': case '=':
        g->per_cell = per > 1 ? per / 2 : 1;
        return VIEW_HANDLED | VIEW_REDRAW;
    case '-':
        g->per_cell = per * 2; /* layout() caps it at "whole region" */
        return VIEW_HANDLED | VIEW_REDRAW;
    default: return 0;
    }
    int64_t next = (int64_t)g->cursor + step;
    if (next < 0)
        next = 0;
    if ((uint64_t)next >= total)
        next = total ? (int64_t)total - 1 : 0;
    g->cursor = (uint64_t)next;
    return VIEW_HANDLED | VIEW_REDRAW;
}
