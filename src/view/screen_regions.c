/* Regions: the sortable, filterable table of every region. */
#include "screens.h"
#include "vmscope/groups.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this width the table drops the end address, the dirty and swap
 * columns, so the Name column shows at 80 columns. */
#define REGIONS_WIDE 120

static const char *const sort_names[SORT_COUNT] = {"address", "size", "rss", "pss",
                                                    "swap", "class", "name"};

static long cursor_in(const struct view *v, const size_t *order, size_t n)
{
    long sel = view_selected_index(v);
    for (size_t k = 0; k < n; k++)
        if ((long)order[k] == sel)
            return (long)k;
    return n ? 0 : -1;
}

/* The Regions screen's own state: its first visible row, which goes back
 * to the top when the sort or the filter changes. */
struct regions_state {
    struct list_widget list;
    enum sort_key sort;
    char filter[sizeof ((struct view *)0)->filter];
    /* g: one row per mapped object, expanded by Enter or Right */
    bool grouped;
    long gcursor;
    char **expanded; /* the keys of the expanded objects */
    size_t n_expanded;
};

static struct regions_state *regions_state(struct view *v)
{
    struct regions_state *r = screen_state(v, SCREEN_REGIONS, sizeof *r);
    if (r->sort != v->sort || strcmp(r->filter, v->filter) != 0) {
        r->list.top = 0;
        r->sort = v->sort;
        snprintf(r->filter, sizeof r->filter, "%s", v->filter);
    }
    return r;
}

struct region_rows {
    struct view *v;
    const size_t *order;
};

static void region_row(void *arg, long k, int y, int x, int width)
{
    struct region_rows *ctx = arg;
    struct view *v = ctx->v;
    const struct region *r = &v->snap->regions[ctx->order[k]];
    const struct vma *m = r->vma;
    char line[256], sz[5][16], cls[24], swap[16];
    format_size(sz[0], sizeof sz[0], vma_size(m));
    format_size(sz[1], sizeof sz[1], m->field[SMAPS_RSS]);
    format_size(sz[2], sizeof sz[2], m->field[SMAPS_PSS]);
    format_size(sz[3], sizeof sz[3], m->field[SMAPS_PRIVATE_DIRTY]);
    format_size(sz[4], sizeof sz[4], m->field[SMAPS_SHARED_DIRTY]);
    format_size(swap, sizeof swap, m->field[SMAPS_SWAP]);
    snprintf(cls, sizeof cls, "%s/%s%s", region_class_name(r->cls), region_subclass_name(r->subclass),
             r->flags & REGION_HEURISTIC ? "?" : "");
    if (COLS < REGIONS_WIDE)
        snprintf(line, sizeof line, "%016llx %7s %4s %-13s %7s %7s  ", (unsigned long long)m->start,
                 sz[0], m->perms, cls, sz[1], sz[2]);
    else
        snprintf(line, sizeof line, "%016llx-%016llx %7s %4s %-13s %7s %7s %7s %7s %7s  ",
                 (unsigned long long)m->start, (unsigned long long)m->end, sz[0], m->perms, cls,
                 sz[1], sz[2], sz[3], sz[4], swap);
    draw_text(y, x, width, line);
    x += (int)strlen(line);
    if (v->baseline) { /* a column before the name: + new, ~ changed since the baseline */
        char mark[3] = {view_baseline_mark(v, ctx->order[k]), ' ', 0};
        draw_text(y, x, 2, mark);
        x += 2;
    }
    attron(class_attr(v, r->cls));
    if (m->name_len)
        draw_name(y, x, COLS - x, m->name, m->name_len);
    else if (r->object) {
        char obj[300];
        snprintf(obj, sizeof obj, "(%s)", r->object);
        draw_name(y, x, COLS - x, obj, strlen(obj));
    } else if (r->tid) {
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
}

static void regions_draw(struct view *v, int top, int height)
{
    char line[256];
    /* with a baseline (m), a column of marks before the name */
    const char *name = v->baseline ? "\xce\x94 Name" : "Name"; /* "Δ Name" */
    if (COLS < REGIONS_WIDE)
        snprintf(line, sizeof line, "%-16s %7s %4s %-13s %7s %7s  %s", "Start", "Size", "Perm",
                 "Class", "RSS", "PSS", name);
    else
        snprintf(line, sizeof line, "%-33s %7s %4s %-13s %7s %7s %7s %7s %7s  %s", "Start-End",
                 "Size", "Perm", "Class", "RSS", "PSS", "PrivDty", "ShrDty", "Swap", name);
    attron(A_BOLD);
    draw_text(top, 0, COLS, line);
    attroff(A_BOLD);
    char info[200];
    snprintf(info, sizeof info, "  sort: %s%s%s%s%s", sort_names[v->sort], v->filter[0] ? "  filter: " : "",
             v->filter, regions_state(v)->grouped ? "  by object (g)" : "",
             v->baseline ? "  + new ~ changed since m" : "");
    int len = (int)strlen(line) - (v->baseline ? 1 : 0); /* Δ: two bytes, one column */
    if (len + (int)strlen(info) < COLS)
        draw_untrusted(top, len, COLS - len, info, strlen(info));
    if (!v->snap || height < 2)
        return;
    if (regions_state(v)->grouped) {
        grouped_draw(v, regions_state(v), top + 1, height - 1);
        return;
    }
    size_t *order;
    size_t n = view_region_order(v, &order);
    struct region_rows ctx = {v, order};
    list_draw(&regions_state(v)->list, top + 1, 0, COLS, height - 1, (long)n,
              cursor_in(v, order, n), region_row, &ctx);
    free(order);
}

static int regions_key(struct view *v, int ch, int height)
{
    if (!v->snap)
        return 0;
    struct regions_state *st = regions_state(v);
    if (ch == 'g') {
        st->grouped = !st->grouped;
        st->list.top = 0;
        st->gcursor = 0;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if (st->grouped)
        return grouped_key(v, st, ch, height);
    size_t *order;
    size_t n = view_region_order(v, &order);
    long cursor = cursor_in(v, order, n);
    /* the rows start below the header (4 rows) and the column titles */
    long next = list_key(&regions_state(v)->list, ch, cursor, (long)n, 5, height - 1);
    int r = 0;
    if (next >= 0 && n) {
        v->selected = v->snap->regions[order[next]].vma->start;
        r = VIEW_HANDLED | VIEW_REDRAW;
    }
    free(order);
    return r;
}

const struct screen screen_regions = {"Regions", regions_draw, regions_key, regions_free};
