/* Regions: the sortable, filterable table of every region. */
#include "screens.h"
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

static void regions_draw(struct view *v, int top, int height)
{
    char line[256];
    if (COLS < REGIONS_WIDE)
        snprintf(line, sizeof line, "%-16s %7s %4s %-13s %7s %7s  %s", "Start", "Size", "Perm",
                 "Class", "RSS", "PSS", "Name");
    else
        snprintf(line, sizeof line, "%-33s %7s %4s %-13s %7s %7s %7s %7s %7s  %s", "Start-End",
                 "Size", "Perm", "Class", "RSS", "PSS", "PrivDty", "ShrDty", "Swap", "Name");
    attron(A_BOLD);
    draw_text(top, 0, COLS, line);
    attroff(A_BOLD);
    char info[200];
    snprintf(info, sizeof info, "  sort: %s%s%s", sort_names[v->sort], v->filter[0] ? "  filter: " : "",
             v->filter);
    if ((int)strlen(line) + (int)strlen(info) < COLS)
        draw_untrusted(top, (int)strlen(line), COLS - (int)strlen(line), info, strlen(info));
    if (!v->snap || height < 2)
        return;
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

const struct screen screen_regions = {"Regions", regions_draw, regions_key, NULL};
