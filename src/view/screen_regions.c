/* Regions: the sortable, filterable table of every region. */
#include "screens.h"
#include "vmscope/key_set.h"
#include "vmscope/groups.h"
#include "vmscope/runs.h"
#include "vmscope/summary.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sort_names[SORT_COUNT] = {
    "address", "size", "rss", "pss", "swap", "class", "name", "end", "perm", "private dirty",
    "shared dirty", "offset", "locked", "thp", "tid", "object"};

/* The optional columns: title, width, what the column chooser calls it. */
static const struct {
    const char *title, *label;
    int width;
} columns[COL_COUNT] = {
    [COL_END] = {"End", "End address", 0}, /* joins Start: "Start-End" */
    [COL_PRIVATE_DIRTY] = {"PrivDty", "Private dirty", 7},
    [COL_SHARED_DIRTY] = {"ShrDty", "Shared dirty", 7},
    [COL_SWAP] = {"Swap", "Swap", 7},
    [COL_OFFSET] = {"Offset", "File offset", 9},
    [COL_LOCKED] = {"Locked", "Locked", 7},
    [COL_THP] = {"THP", "Huge pages (THP)", 7},
    [COL_TID] = {"TID", "Thread of a stack", 7},
    [COL_OBJECT] = {"Object", "Object (ELF image or file)", 20},
};

#define EN_DASH "\xe2\x80\x93"

/* A size field right-aligned in width columns, or "–" when the sample did
 * not measure it (a light tick's new region): never a made-up 0. */
static void cell(char *out, size_t size, int width, const struct vma *m, enum smaps_field f)
{
    if (!vma_has(m, f)) {
        snprintf(out, size, "%*s" EN_DASH, width - 1, "");
        return;
    }
    char num[16];
    format_size(num, sizeof num, m->field[f]);
    snprintf(out, size, "%*s", width, num);
}

/* A row of the flat table: a region, a free gap (f) or a run of repeated
 * neighbours collapsed into one (x). */
enum row_kind { ROW_REGION, ROW_GAP, ROW_RUN };
struct flat_row {
    enum row_kind kind;
    size_t region; /* ROW_REGION: index into the snapshot */
    uint64_t start, end; /* ROW_GAP: the free range; ROW_RUN: the run's span */
    size_t run;    /* ROW_RUN: index into runs */
    bool member;   /* a region of an expanded run: indented */
};

/* The Regions screen's own state: its first visible row, which goes back
 * to the top when the sort or the filter changes. */
struct regions_state {
    struct list_widget list;
    enum sort_key sort;
    bool reverse;
    char filter[sizeof ((struct view *)0)->filter];
    /* g: one row per mapped object, expanded by Enter or Right */
    bool grouped;
    long gcursor;
    char **expanded; /* the keys of the expanded objects */
    size_t n_expanded;
    /* f: free gaps as rows; x: runs collapsed, those expanded by the
     * start of their first region */
    bool gaps, runs;
    struct key_set open_runs; /* starts of the "× N" runs opened */
    long extra; /* the cursor's row when it is on a gap or a run, else -1 */
    /* F2: the column chooser */
    bool chooser;
    int chooser_cursor;
};

static struct regions_state *regions_state(struct view *v)
{
    struct regions_state *r = screen_state(v, SCREEN_REGIONS, sizeof *r);
    if (r->sort != v->sort || r->reverse != v->sort_reverse || strcmp(r->filter, v->filter) != 0) {
        r->list.top = 0;
        r->sort = v->sort;
        r->reverse = v->sort_reverse;
        r->extra = -1;
        snprintf(r->filter, sizeof r->filter, "%s", v->filter);
    }
    return r;
}

struct region_rows {
    struct view *v;
    const size_t *order;
};

/* The text of the columns before Name for one region; *object_at is where
 * the Object column goes (-1: not shown). */
static int region_columns(const struct view *v, const struct region *r, char *line, size_t size,
                          int *object_at)
{
    const struct vma *m = r->vma;
    unsigned shown = view_columns(v);
    char sz[16], cls[24], c[6][24];
    format_size(sz, sizeof sz, vma_size(m));
    snprintf(cls, sizeof cls, "%s/%s%s", region_class_name(r->cls), region_subclass_name(r->subclass),
             r->flags & REGION_HEURISTIC ? "?" : "");
    cell(c[0], sizeof c[0], 7, m, SMAPS_RSS);
    cell(c[1], sizeof c[1], 7, m, SMAPS_PSS);
    int len = snprintf(line, size, "%016llx", (unsigned long long)m->start);
    if (shown >> COL_END & 1)
        len += snprintf(line + len, size - (size_t)len, "-%016llx", (unsigned long long)m->end);
    len += snprintf(line + len, size - (size_t)len, " %7s %4s %-13s %s %s", sz, m->perms, cls, c[0], c[1]);
    int cols = len - (vma_has(m, SMAPS_RSS) ? 0 : 2) - (vma_has(m, SMAPS_PSS) ? 0 : 2);
    static const enum smaps_field fields[] = {[COL_PRIVATE_DIRTY] = SMAPS_PRIVATE_DIRTY,
                                              [COL_SHARED_DIRTY] = SMAPS_SHARED_DIRTY,
                                              [COL_SWAP] = SMAPS_SWAP,
                                              [COL_LOCKED] = SMAPS_LOCKED};
    *object_at = -1;
    for (int k = COL_PRIVATE_DIRTY; k < COL_COUNT; k++) {
        if (!(shown >> k & 1))
            continue;
        char t[32];
        switch (k) {
        case COL_OFFSET: snprintf(t, sizeof t, " %9llx", (unsigned long long)m->offset); break;
        case COL_THP: {
            uint64_t huge = m->field[SMAPS_ANON_HUGE] + m->field[SMAPS_SHMEM_PMD_MAPPED] +
                            m->field[SMAPS_FILE_PMD_MAPPED];
            if (vma_has(m, SMAPS_ANON_HUGE)) {
                format_size(sz, sizeof sz, huge);
                snprintf(t, sizeof t, " %7s", sz);
            } else {
                snprintf(t, sizeof t, " %6s" EN_DASH, "");
                cols -= 2;
            }
            break;
        }
        case COL_TID:
            if (r->tid)
                snprintf(t, sizeof t, " %7d", (int)r->tid);
            else
                snprintf(t, sizeof t, " %7s", "");
            break;
        case COL_OBJECT:
            *object_at = cols + 1;
            snprintf(t, sizeof t, " %-20s", "");
            break;
        default:
            t[0] = ' ';
            cell(t + 1, sizeof t - 1, 7, m, fields[k]);
            if (!vma_has(m, fields[k]))
                cols -= 2;
        }
        len += snprintf(line + len, size - (size_t)len, "%s", t);
        cols += (int)strlen(t);
    }
    snprintf(line + len, size - (size_t)len, "  ");
    return cols + 2; /* columns, not bytes: a "–" is three bytes */
}

static void region_row(void *arg, long k, int y, int x, int width)
{
    struct region_rows *ctx = arg;
    struct view *v = ctx->v;
    const struct region *r = &v->snap->regions[ctx->order[k]];
    const struct vma *m = r->vma;
    char line[400];
    int object_at;
    int used = region_columns(v, r, line, sizeof line, &object_at);
    size_t n = strlen(line);
    if (view_tour_marks(v, r) && n >= 2) /* the region the tour speaks of */
        line[n - 2] = '>';
    draw_text(y, x, width, line);
    if (object_at >= 0 && r->object && x + object_at < COLS)
        draw_name(y, x + object_at, 20, r->object, strlen(r->object));
    x += used;
    if (v->baseline) { /* a column before the name: + new, ~ changed since the baseline */
        char mark[3] = {view_baseline_mark(v, ctx->order[k]), ' ', 0};
        draw_text(y, x, 2, mark);
        x += 2;
    }
    attron(class_attr(v, r->cls));
    if (m->name_len)
        draw_name(y, x, COLS - x, m->name, m->name_len);
    else if (r->object)
        draw_name_in_parens(y, x, COLS - x, r->object, strlen(r->object));
    else if (r->tid) {
        char t[40];
        snprintf(t, sizeof t, "(thread %d)", (int)r->tid);
        draw_text(y, x, COLS - x, t);
    }
    attroff(class_attr(v, r->cls));
}

/* A row of the grouped table: an object's row (region < 0), or a region
 * (of an expanded object, or of no object). */
struct group_row {
    size_t group;
    long region; /* index into the snapshot, or -1 */
};

static bool is_expanded(const struct regions_state *st, const char *key)
{
    for (size_t i = 0; key && i < st->n_expanded; i++)
        if (!strcmp(st->expanded[i], key))
            return true;
    return false;
}

static void toggle_expanded(struct regions_state *st, const char *key, bool open)
{
    for (size_t i = 0; i < st->n_expanded; i++)
        if (!strcmp(st->expanded[i], key)) {
            if (!open) {
                free(st->expanded[i]);
                st->expanded[i] = st->expanded[--st->n_expanded];
            }
            return;
        }
    if (open) {
        st->expanded = xrealloc(st->expanded, (st->n_expanded + 1) * sizeof *st->expanded);
        st->expanded[st->n_expanded++] = xstrdup(key);
    }
}

struct grouped {
    struct region_group *g;
    size_t ng;
    struct group_row *rows;
    size_t n;
};

static void grouped_build(struct view *v, struct regions_state *st, struct grouped *gr)
{
    size_t *order;
    size_t n = view_region_order(v, &order);
    gr->ng = region_groups(v->snap, order, n, &gr->g);
    free(order);
    gr->rows = xcalloc(n + gr->ng + 1, sizeof *gr->rows);
    gr->n = 0;
    for (size_t i = 0; i < gr->ng; i++) {
        const struct region_group *g = &gr->g[i];
        if (!g->key) { /* no object: the region itself */
            gr->rows[gr->n++] = (struct group_row){i, (long)g->members[0]};
            continue;
        }
        gr->rows[gr->n++] = (struct group_row){i, -1};
        if (is_expanded(st, g->key))
            for (size_t k = 0; k < g->n; k++)
                gr->rows[gr->n++] = (struct group_row){i, (long)g->members[k]};
    }
    if (st->gcursor >= (long)gr->n)
        st->gcursor = gr->n ? (long)gr->n - 1 : 0;
}

static void grouped_free(struct grouped *gr)
{
    region_groups_free(gr->g, gr->ng);
    free(gr->rows);
}

struct grouped_ctx {
    struct view *v;
    struct regions_state *st;
    const struct grouped *gr;
};

static void grouped_row(void *arg, long k, int y, int x, int width)
{
    struct grouped_ctx *c = arg;
    const struct group_row *row = &c->gr->rows[k];
    const struct region_group *g = &c->gr->g[row->group];
    if (row->region >= 0) {
        size_t idx = (size_t)row->region;
        struct region_rows rr = {c->v, &idx};
        int indent = g->key ? 2 : 0;
        region_row(&rr, 0, y, x + indent, width - indent);
        return;
    }
    /* the object's row: its regions' permissions, sizes and path */
    char perms[32] = "", line[160], size[16], rss[16];
    for (size_t m = 0; m < g->n; m++) {
        const char *p = c->v->snap->regions[g->members[m]].vma->perms;
        if (!strstr(perms, p) && strlen(perms) + 6 < sizeof perms)
            snprintf(perms + strlen(perms), sizeof perms - strlen(perms), "%s%s", perms[0] ? " " : "", p);
    }
    format_size(size, sizeof size, g->size);
    format_size(rss, sizeof rss, g->rss);
    snprintf(line, sizeof line, "%s %3zu region%s %7s %7s %-24s ",
             is_expanded(c->st, g->key) ? "\xe2\x96\xbe" : "\xe2\x96\xb8", g->n, g->n == 1 ? " " : "s",
             size, rss, perms);
    attron(A_BOLD);
    draw_text(y, x, width, line);
    attroff(A_BOLD);
    int used = (int)strlen(line) - 2; /* the 3-byte triangle is one column */
    if (used < width)
        draw_name(y, x + used, width - used, g->key, strlen(g->key));
}

static void grouped_draw(struct view *v, struct regions_state *st, int top, int height)
{
    struct grouped gr;
    grouped_build(v, st, &gr);
    struct grouped_ctx c = {v, st, &gr};
    list_draw(&st->list, top, 0, COLS, height, (long)gr.n, st->gcursor, grouped_row, &c);
    grouped_free(&gr);
}

static int grouped_key(struct view *v, struct regions_state *st, int ch, int height)
{
    struct grouped gr;
    grouped_build(v, st, &gr);
    int r = 0;
    const struct group_row *row = gr.n ? &gr.rows[st->gcursor] : NULL;
    const char *key = row ? gr.g[row->group].key : NULL;
    if (row && key && (ch == '\n' || ch == KEY_ENTER || ch == KEY_RIGHT || ch == KEY_LEFT) &&
        (row->region < 0 || ch == KEY_LEFT)) {
        bool open = ch == KEY_RIGHT || (ch != KEY_LEFT && !is_expanded(st, key));
        toggle_expanded(st, key, open);
        if (!open && row->region >= 0) /* Left on a member: back to its object */
            while (st->gcursor > 0 && gr.rows[st->gcursor].region >= 0)
                st->gcursor--;
        r = VIEW_HANDLED | VIEW_REDRAW;
    } else {
        long next = list_key(&st->list, ch, st->gcursor, (long)gr.n, 5, height - 1);
        if (next >= 0) {
            st->gcursor = next;
            if (gr.rows[next].region >= 0)
                v->selected = v->snap->regions[gr.rows[next].region].vma->start;
            r = VIEW_HANDLED | VIEW_REDRAW;
        } else if ((ch == '\n' || ch == KEY_ENTER) && row && row->region >= 0) {
            v->selected = v->snap->regions[row->region].vma->start; /* Detail opens it */
        }
    }
    grouped_free(&gr);
    return r;
}

static void regions_free(void *state)
{
    struct regions_state *st = state;
    for (size_t i = 0; i < st->n_expanded; i++)
        free(st->expanded[i]);
    free(st->expanded);
    key_set_free(&st->open_runs);
}

/* The flat table: the regions in the view's order, with gap rows between
 * them (f, in address order without a filter) and runs collapsed (x, in
 * address order). */
struct flat {
    size_t *order;
    size_t n_order;
    struct region_run *runs;
    size_t n_runs;
    struct flat_row *rows;
    size_t n, cap;
};

static void flat_push(struct flat *f, struct flat_row row)
{
    xgrow((void **)&f->rows, &f->cap, f->n + 1, sizeof *f->rows);
    f->rows[f->n++] = row;
}

static bool address_order(const struct view *v)
{
    return v->sort == SORT_ADDRESS && !v->sort_reverse;
}

/* The free gap below order[k] (from the one before it, or from
 * mmap_min_addr), within the user address space; false if none. */
static bool gap_before(const struct view *v, const struct flat *f, size_t k, uint64_t *lo,
                       uint64_t *hi)
{
    const struct snapshot *s = v->snap;
    uint64_t min = s->system.mmap_min_addr ? s->system.mmap_min_addr : SUMMARY_MMAP_MIN_DEFAULT;
    *lo = k ? s->regions[f->order[k - 1]].vma->end : min;
    *hi = k < f->n_order ? s->regions[f->order[k]].vma->start : SUMMARY_TASK_SIZE;
    if (*lo < min)
        *lo = min;
    if (*hi > SUMMARY_TASK_SIZE)
        *hi = SUMMARY_TASK_SIZE;
    return *hi > *lo;
}

static void flat_build(struct view *v, struct regions_state *st, struct flat *f)
{
    memset(f, 0, sizeof *f);
    f->n_order = view_region_order(v, &f->order);
    bool gaps = st->gaps && address_order(v) && !v->filter[0];
    bool runs = st->runs && address_order(v);
    if (runs) {
        f->n_runs = region_runs(v->snap, f->order, f->n_order, &f->runs);
    } else { /* one run per region */
        f->runs = xcalloc(f->n_order ? f->n_order : 1, sizeof *f->runs);
        for (size_t k = 0; k < f->n_order; k++)
            f->runs[f->n_runs++] = (struct region_run){k, 1, 1};
    }
    uint64_t lo, hi;
    for (size_t i = 0; i < f->n_runs; i++) {
        const struct region_run *run = &f->runs[i];
        size_t len = run->period * run->count;
        if (gaps && gap_before(v, f, run->first, &lo, &hi))
            flat_push(f, (struct flat_row){.kind = ROW_GAP, .start = lo, .end = hi});
        if (run->count > 1) {
            const struct region *a = &v->snap->regions[f->order[run->first]];
            const struct region *z = &v->snap->regions[f->order[run->first + len - 1]];
            flat_push(f, (struct flat_row){.kind = ROW_RUN, .run = i, .start = a->vma->start,
                                           .end = z->vma->end});
            if (!key_set_has(&st->open_runs, a->vma->start))
                continue;
        }
        for (size_t k = run->first; k < run->first + len; k++) {
            if (gaps && k > run->first && gap_before(v, f, k, &lo, &hi))
                flat_push(f, (struct flat_row){.kind = ROW_GAP, .start = lo, .end = hi});
            flat_push(f, (struct flat_row){.kind = ROW_REGION, .region = f->order[k],
                                           .member = run->count > 1});
        }
    }
    if (gaps && gap_before(v, f, f->n_order, &lo, &hi))
        flat_push(f, (struct flat_row){.kind = ROW_GAP, .start = lo, .end = hi});
}

static void flat_free(struct flat *f)
{
    free(f->order);
    free(f->runs);
    free(f->rows);
}

/* The cursor's row: a gap or run row it was put on, else the selected
 * region's row (or its collapsed run's). */
static long flat_cursor(const struct view *v, const struct regions_state *st, const struct flat *f)
{
    if (st->extra >= 0 && (size_t)st->extra < f->n && f->rows[st->extra].kind != ROW_REGION)
        return st->extra;
    long sel = view_selected_index(v);
    uint64_t at = sel >= 0 ? v->snap->regions[sel].vma->start : 0;
    long run_row = -1;
    for (size_t k = 0; k < f->n; k++) {
        const struct flat_row *r = &f->rows[k];
        if (r->kind == ROW_REGION && (long)r->region == sel)
            return (long)k;
        if (r->kind == ROW_RUN && sel >= 0 && at >= r->start && at < r->end)
            run_row = (long)k;
    }
    return run_row >= 0 ? run_row : f->n ? 0 : -1;
}

struct flat_ctx {
    struct view *v;
    const struct flat *f;
    const struct regions_state *st;
};

static void gap_row(const struct view *v, const struct flat_row *row, int y, int x, int width)
{
    char line[200], sz[16];
    format_size(sz, sizeof sz, row->end - row->start);
    if (view_columns(v) >> COL_END & 1)
        snprintf(line, sizeof line, "%016llx-%016llx %7s %4s %-13s (%llu bytes unmapped)",
                 (unsigned long long)row->start, (unsigned long long)row->end, sz, "", "free",
                 (unsigned long long)(row->end - row->start));
    else
        snprintf(line, sizeof line, "%016llx %7s %4s %-13s (unmapped up to %llx)",
                 (unsigned long long)row->start, sz, "", "free", (unsigned long long)row->end);
    attron(A_DIM);
    draw_text(y, x, width, line);
    attroff(A_DIM);
}

/* "x 400  4K rw-p mmap/anon + 2M ---p other/reserve", with the run's span,
 * size and resident memory in the table's columns. */
static void run_row(const struct flat_ctx *c, const struct flat_row *row, int y, int x, int width)
{
    const struct region_run *run = &c->f->runs[row->run];
    const struct snapshot *s = c->v->snap;
    uint64_t size = 0, rss = 0;
    for (size_t k = run->first; k < run->first + run->period * run->count; k++) {
        size += vma_size(s->regions[c->f->order[k]].vma);
        rss += s->regions[c->f->order[k]].vma->field[SMAPS_RSS];
    }
    char line[400], sz[16], rs[16], pattern[200] = "";
    format_size(sz, sizeof sz, size);
    format_size(rs, sizeof rs, rss);
    for (size_t p = 0; p < run->period; p++) {
        const struct region *r = &s->regions[c->f->order[run->first + p]];
        char one[16];
        format_size(one, sizeof one, vma_size(r->vma));
        size_t len = strlen(pattern);
        snprintf(pattern + len, sizeof pattern - len, "%s%s %s %s/%s", p ? " + " : "", one,
                 r->vma->perms, region_class_name(r->cls), region_subclass_name(r->subclass));
    }
    bool open = key_set_has(&c->st->open_runs, row->start);
    int len;
    if (view_columns(c->v) >> COL_END & 1)
        len = snprintf(line, sizeof line, "%016llx-%016llx", (unsigned long long)row->start,
                       (unsigned long long)row->end);
    else
        len = snprintf(line, sizeof line, "%016llx", (unsigned long long)row->start);
    snprintf(line + len, sizeof line - (size_t)len, " %7s %4s %-13s %7s %7s  %s \xc3\x97 %zu  %s",
             sz, "", "(repeated)", rs, "", open ? "\xe2\x96\xbe" : "\xe2\x96\xb8", run->count,
             pattern);
    attron(A_BOLD);
    draw_text(y, x, width, line);
    attroff(A_BOLD);
}

static void flat_row_draw(void *arg, long k, int y, int x, int width)
{
    struct flat_ctx *c = arg;
    const struct flat_row *row = &c->f->rows[k];
    if (row->kind == ROW_GAP) {
        gap_row(c->v, row, y, x, width);
    } else if (row->kind == ROW_RUN) {
        run_row(c, row, y, x, width);
    } else {
        size_t idx = row->region;
        struct region_rows rr = {c->v, &idx};
        int indent = row->member ? 2 : 0;
        region_row(&rr, 0, y, x + indent, width - indent);
    }
}

/* F2: which optional columns Regions shows. */
static void chooser_draw(struct view *v, struct regions_state *st, int top, int height)
{
    unsigned shown = view_columns(v);
    int w = 40, x = COLS > w ? (COLS - w) / 2 : 0;
    attron(A_BOLD | A_REVERSE);
    draw_text(top, x, w, " Columns (space toggles, Esc closes)   ");
    attroff(A_BOLD | A_REVERSE);
    for (int k = 0; k < COL_COUNT && k + 1 < height; k++) {
        char line[64];
        snprintf(line, sizeof line, " [%c] %-33s", shown >> k & 1 ? 'x' : ' ', columns[k].label);
        if (k == st->chooser_cursor)
            attron(A_REVERSE);
        draw_text(top + 1 + k, x, w, line);
        if (k == st->chooser_cursor)
            attroff(A_REVERSE);
    }
}

static int chooser_key(struct view *v, struct regions_state *st, int ch)
{
    switch (ch) {
    case 27: case KEY_F(2): case 'c': case 'q':
        st->chooser = false;
        break;
    case KEY_UP: case 'k':
        st->chooser_cursor = st->chooser_cursor > 0 ? st->chooser_cursor - 1 : 0;
        break;
    case KEY_DOWN: case 'j':
        st->chooser_cursor = st->chooser_cursor + 1 < COL_COUNT ? st->chooser_cursor + 1 : COL_COUNT - 1;
        break;
    case ' ': case '\n': case KEY_ENTER:
        v->columns = view_columns(v) ^ 1u << st->chooser_cursor;
        v->columns_chosen = true;
        break;
    default:
        break;
    }
    return VIEW_HANDLED | VIEW_REDRAW; /* the chooser takes every key while open */
}

static void regions_draw(struct view *v, int top, int height)
{
    struct regions_state *st = regions_state(v);
    unsigned shown = view_columns(v);
    char line[400];
    int len = snprintf(line, sizeof line, "%-*s %7s %4s %-13s %7s %7s", shown >> COL_END & 1 ? 33 : 16,
                       shown >> COL_END & 1 ? "Start-End" : "Start", "Size", "Perm", "Class", "RSS",
                       "PSS");
    for (int k = COL_PRIVATE_DIRTY; k < COL_COUNT; k++)
        if (shown >> k & 1)
            len += snprintf(line + len, sizeof line - (size_t)len,
                            k == COL_OBJECT ? " %-*s" : " %*s", columns[k].width, columns[k].title);
    /* with a baseline (m), a column of marks before the name ("Δ Name") */
    snprintf(line + len, sizeof line - (size_t)len, "  %s", v->baseline ? "\xce\x94 Name" : "Name");
    attron(A_BOLD);
    draw_text(top, 0, COLS, line);
    attroff(A_BOLD);
    /* The sort and the filter are always shown: after the titles, or over
     * their end when the terminal is narrow. */
    char info[300];
    snprintf(info, sizeof info, " sort: %s%s%s%s%s%s%s%s ", sort_names[v->sort],
             v->sort_reverse ? " (reversed)" : "", v->filter[0] ? "  filter: " : "", v->filter,
             st->grouped ? "  by object (g)" : "", st->gaps && !st->grouped ? "  gaps (f)" : "",
             st->runs && !st->grouped ? "  runs (x)" : "", v->baseline ? "  + new ~ changed since m" : "");
    int at = (int)strlen(line) + 1 - (v->baseline ? 1 : 0), info_w = (int)strlen(info);
    if (at + info_w > COLS) { /* narrow: "rss- =libc [gfx]", over the Name title */
        snprintf(info, sizeof info, " %s%s%s%s%s%s%s%s%s ", sort_names[v->sort],
                 v->sort_reverse ? "-" : "", v->filter[0] ? " =" : "", v->filter,
                 st->grouped || st->gaps || st->runs ? " [" : "", st->grouped ? "g" : "",
                 st->gaps && !st->grouped ? "f" : "", st->runs && !st->grouped ? "x" : "",
                 st->grouped || st->gaps || st->runs ? "]" : "");
        info_w = (int)strlen(info);
        at = COLS - info_w > 0 ? COLS - info_w : 0;
    }
    attron(A_REVERSE);
    draw_untrusted(top, at, COLS - at, info, strlen(info));
    attroff(A_REVERSE);
    if (!v->snap || height < 2)
        return;
    if (st->grouped) {
        grouped_draw(v, st, top + 1, height - 1);
    } else {
        struct flat f;
        flat_build(v, st, &f);
        struct flat_ctx c = {v, &f, st};
        list_draw(&st->list, top + 1, 0, COLS, height - 1, (long)f.n, flat_cursor(v, st, &f),
                  flat_row_draw, &c);
        flat_free(&f);
    }
    if (st->chooser)
        chooser_draw(v, st, top + 1, height - 1);
}

static int flat_key(struct view *v, struct regions_state *st, int ch, int height)
{
    struct flat f;
    flat_build(v, st, &f);
    long cursor = flat_cursor(v, st, &f);
    const struct flat_row *row = cursor >= 0 ? &f.rows[cursor] : NULL;
    int r = 0;
    bool enter = ch == '\n' || ch == KEY_ENTER;
    if (row && row->kind == ROW_RUN && (enter || ch == KEY_RIGHT || ch == KEY_LEFT)) {
        bool open = ch == KEY_RIGHT || (enter && !key_set_has(&st->open_runs, row->start));
        key_set_put(&st->open_runs, row->start, open);
        r = VIEW_HANDLED | VIEW_REDRAW;
    } else if (row && row->member && ch == KEY_LEFT) { /* back to the run's row, folded */
        while (cursor > 0 && f.rows[cursor].kind != ROW_RUN)
            cursor--;
        key_set_put(&st->open_runs, f.rows[cursor].start, false);
        st->extra = cursor;
        r = VIEW_HANDLED | VIEW_REDRAW;
    } else if (row && row->kind == ROW_GAP && enter) {
        snprintf(v->message, sizeof v->message, "free address space: no region to open");
        r = VIEW_HANDLED | VIEW_REDRAW;
    } else {
        /* the rows start below the header (4 rows) and the column titles */
        long next = list_key(&st->list, ch, cursor, (long)f.n, 5, height - 1);
        if (next >= 0 && f.n) {
            if (f.rows[next].kind == ROW_REGION) {
                v->selected = v->snap->regions[f.rows[next].region].vma->start;
                st->extra = -1;
            } else {
                st->extra = next;
            }
            r = VIEW_HANDLED | VIEW_REDRAW;
        }
    }
    flat_free(&f);
    return r;
}

static int regions_key(struct view *v, int ch, int height)
{
    if (!v->snap)
        return 0;
    struct regions_state *st = regions_state(v);
    if (st->chooser)
        return chooser_key(v, st, ch);
    switch (ch) {
    case 'g':
        st->grouped = !st->grouped;
        st->list.top = 0;
        st->gcursor = 0;
        return VIEW_HANDLED | VIEW_REDRAW;
    case KEY_F(2): case 'c':
        st->chooser = true;
        return VIEW_HANDLED | VIEW_REDRAW;
    case 'f': case 'x':
        if (ch == 'f')
            st->gaps = !st->gaps;
        else
            st->runs = !st->runs;
        st->extra = -1;
        if (!address_order(v) || (ch == 'f' && v->filter[0]))
            snprintf(v->message, sizeof v->message, "%s show in address order%s (s sorts)",
                     ch == 'f' ? "gaps" : "runs", ch == 'f' ? " without a filter" : "");
        return VIEW_HANDLED | VIEW_REDRAW;
    default:
        break;
    }
    if (st->grouped)
        return grouped_key(v, st, ch, height);
    return flat_key(v, st, ch, height);
}

const struct screen screen_regions = {"Regions", regions_draw, regions_key, regions_free};
