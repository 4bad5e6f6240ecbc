/* Call sites (C, issue 14): the memory a launch with --trace mapped,
 * by the call stack that mapped it: a top-down tree (caller -> callee,
 * heaptrack's; Right/Left open and close a node, * opens all under it)
 * or a flat list of whole stacks by bytes (f toggles). Enter lists the
 * regions a site made that are still mapped; Enter on one is its Detail.
 * The numbers are the model's (callsites.h) over the view's traced
 * events and the sample on screen: nothing here reads the process. */
#include "screens.h"
#include "vmscope/key_set.h"
#include "vmscope/callsites.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    const struct callsite_node *node; /* the tree; NULL in the flat list */
    size_t site;                      /* the flat list's site */
    int depth;
    uint64_t key; /* the node's path, to keep it open across recomputes */
};

struct callsites_state {
    enum screen_id came_from;
    bool flat;
    /* the model, recomputed when the events or the sample change */
    struct callsite_report report;
    struct callsite_node root;
    uint64_t events_seen, snap_ns;
    size_t snap_regions;
    bool computed;
    /* what is on screen */
    struct row *rows;
    size_t n_rows, cap_rows;
    struct key_set open; /* keys of the open nodes */
    long cursor;
    struct list_widget list;
    int list_y, list_rows;
    /* Enter: the regions of one site or node */
    bool regions;
    size_t *region_idx;
    size_t n_region_idx, cap_region_idx;
    long region_cursor;
    struct list_widget region_list;
    char regions_title[256];
};

static struct callsites_state *cs_state(struct view *v)
{
    return screen_state(v, SCREEN_CALLSITES, sizeof(struct callsites_state));
}

static void cs_free(void *p)
{
    struct callsites_state *s = p;
    callsites_free(&s->report);
    callsite_tree_free(&s->root);
    free(s->rows);
    key_set_free(&s->open);
    free(s->region_idx);
}

int callsites_open(struct view *v)
{
    if (v->screen != SCREEN_CALLSITES)
        cs_state(v)->came_from = v->screen;
    v->screen = SCREEN_CALLSITES;
    return VIEW_HANDLED | VIEW_REDRAW;
}

/* ---- labels ---------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A frame's short name: the function, or object+offset, or the address. */
static void frame_name(const struct stack_frame *f, char *out, size_t size)
{
    if (f->function)
        snprintf(out, size, "%s", f->function);
    else
        stack_frame_label(f, out, size);
}

/* libc's own wrapper of the call (__mmap, mmap64, __brk): the call's
 * name is known, the frame (and the library's frames under it) say
 * nothing more. */
static bool is_wrapper(const struct stack_frame *f)
{
    if (!f->function)
        return false;
    char name[32];
    const char *p = f->function + strspn(f->function, "_");
    size_t len = strcspn(p, "@");
    if (len >= sizeof name)
        return false;
    memcpy(name, p, len);
    name[len] = '\0';
    if (len > 2 && strcmp(name + len - 2, "64") == 0)
        name[len - 2] = '\0';
    return traced_call_from_name(name) != TC_COUNT;
}

void callsite_stack_label(const struct stack *st, size_t max, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    if (!st) {
        snprintf(out, size, "(no stack: traced with --trace=calls, or not kept)");
        return;
    }
    const struct stack_frame *where = NULL;
    char prev[256] = "";
    /* from the first frame outside the wrapper's object: malloc's way to
     * brk (sbrk, sysmalloc, ...) is libc's, its caller is the answer */
    size_t first = 0, shown = 0;
    if (st->n_frames > 1 && is_wrapper(&st->frames[0])) {
        first = 1;
        const char *obj = st->frames[0].object;
        for (size_t k = 1; obj && k < st->n_frames; k++)
            if (!st->frames[k].object || strcmp(st->frames[k].object, obj) != 0) {
                first = k;
                break;
            }
    }
    for (size_t k = first; k < st->n_frames && len + 1 < size && shown < max; k++) {
        const struct stack_frame *f = &st->frames[k];
        char name[256];
        frame_name(f, name, sizeof name);
        if (!where && f->file)
            where = f;
        if (strcmp(name, prev) == 0) /* recursion, or a frame read twice */
            continue;
        snprintf(prev, sizeof prev, "%s", name);
        shown++;
        int w = snprintf(out + len, size - len, "%s%s", len ? " \u2190 " : "", name);
        len += w > 0 ? (size_t)w : 0;
        if (f->function && strcmp(f->function, "main") == 0)
            break; /* libc's start-up frames say nothing more */
    }
    if (!st->n_frames)
        snprintf(out, size, "(an empty stack)");
    else if (where && len + 1 < size)
        snprintf(out + len, size - len, ", %s:%d", base_name(where->file), where->line);
}

/* A tree node: "function (file:line)" or "[object]". */
static void node_label(const struct stack_frame *f, char *out, size_t size)
{
    char name[256];
    frame_name(f, name, sizeof name);
    if (f->file)
        snprintf(out, size, "%s  %s:%d", name, base_name(f->file), f->line);
    else if (f->function && f->object)
        snprintf(out, size, "%s  [%s]", name, base_name(f->object));
    else
        snprintf(out, size, "%s", name);
}

static uint64_t key_mix(uint64_t h, const struct stack_frame *f)
{
    const char *s = f->function ? f->function : "";
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    if (!f->function)
        h = (h ^ f->pc) * 0x100000001b3ull;
    return h * 31 + 7;
}

/* ---- the model ------------------------------------------------------- */

static uint64_t events_ever(const struct view *v)
{
    uint64_t n = 0;
    for (int k = 0; k < TC_COUNT; k++)
        n += v->trace.total[k];
    return n;
}

static void add_row(struct callsites_state *s, struct row r)
{
    xgrow((void **)&s->rows, &s->cap_rows, s->n_rows + 1, sizeof *s->rows);
    s->rows[s->n_rows++] = r;
}

static void add_tree_rows(struct callsites_state *s, const struct callsite_node *n, int depth,
                          uint64_t key)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const struct callsite_node *c = &n->children[i];
        uint64_t k = key_mix(key, c->frame);
        add_row(s, (struct row){.node = c, .depth = depth, .key = k});
        if (c->n_children && key_set_has(&s->open, k))
            add_tree_rows(s, c, depth + 1, k);
    }
}

static void make_rows(struct callsites_state *s)
{
    s->n_rows = 0;
    if (s->flat) {
        for (size_t i = 0; i < s->report.n_sites; i++)
            add_row(s, (struct row){.site = i});
    } else {
        add_tree_rows(s, &s->root, 0, 0xcbf29ce484222325ull);
        size_t i = s->report.n_sites; /* the calls without a stack, as one more row */
        while (i-- > 0)
            if (!s->report.sites[i].stack) {
                add_row(s, (struct row){.site = i, .depth = -1});
                break;
            }
    }
    if (s->cursor >= (long)s->n_rows)
        s->cursor = s->n_rows ? (long)s->n_rows - 1 : 0;
}

static void recompute(struct view *v, struct callsites_state *s)
{
    uint64_t seen = events_ever(v), ns = v->snap ? v->snap->monotonic_ns : 0;
    size_t nreg = v->snap ? v->snap->n_regions : 0;
    if (s->computed && seen == s->events_seen && ns == s->snap_ns && nreg == s->snap_regions)
        return;
    callsites_free(&s->report);
    callsite_tree_free(&s->root);
    if (view_every_call(v)) { /* every call, however many */
        callsite_ledger_report(v->calls, v->snap, &s->report);
    } else { /* a recording at an earlier sample, or a full ledger: the calls held */
        struct syscall_event *ev;
        size_t n = view_trace_events(v, &ev);
        callsites_compute(ev, n, v->snap, &s->report);
        free(ev);
    }
    callsite_tree_build(&s->report, &s->root);
    s->events_seen = seen;
    s->snap_ns = ns;
    s->snap_regions = nreg;
    s->computed = true;
}

/* ---- drawing --------------------------------------------------------- */

static void sizes(char *out, size_t size, uint64_t mapped, uint64_t resident, uint64_t freed,
                  uint64_t calls)
{
    char m[16], r[16], f[16];
    format_size(m, sizeof m, mapped);
    format_size(r, sizeof r, resident);
    format_size(f, sizeof f, freed);
    snprintf(out, size, "%8s %8s %8s %6" PRIu64 "  ", m, r, f, calls);
}

static void site_row(void *ctx, long i, int y, int x, int width)
{
    struct callsites_state *s = ctx;
    const struct row *r = &s->rows[i];
    char line[1024], label[768];
    if (r->node) {
        node_label(r->node->frame, label, sizeof label);
        sizes(line, sizeof line, r->node->mapped, r->node->resident, r->node->freed,
              r->node->calls);
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, "%*s%s %s", r->depth * 2, "",
                 !r->node->n_children ? " " : key_set_has(&s->open, r->key) ? "-" : "+", label);
    } else {
        const struct callsite *c = &s->report.sites[r->site];
        callsite_stack_label(c->stack, STACK_MAX_FRAMES, label, sizeof label);
        sizes(line, sizeof line, c->mapped, c->resident, c->freed, c->calls);
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, "%s", label);
    }
    draw_text(y, x, width, line); /* names are the target's: draw_text sanitises */
}

static void region_row(void *ctx, long i, int y, int x, int width)
{
    struct view *v = ctx;
    const struct region *r = &v->snap->regions[cs_state(v)->region_idx[i]];
    char line[160], sz[16], rss[16];
    format_size(sz, sizeof sz, vma_size(r->vma));
    format_size(rss, sizeof rss, r->vma->field[SMAPS_RSS]);
    snprintf(line, sizeof line, "%012llx-%012llx %8s %8s %s %-5s ",
             (unsigned long long)r->vma->start, (unsigned long long)r->vma->end, sz, rss,
             r->vma->perms, region_class_name(r->cls));
    draw_text(y, x, width, line);
    int used = (int)strlen(line);
    if (width > used)
        draw_name(y, x + used, width - used, r->vma->name, r->vma->name_len);
}

static void draw_regions(struct view *v, struct callsites_state *s, int top, int height)
{
    attron(A_BOLD);
    draw_text(top, 0, COLS, s->regions_title);
    attroff(A_BOLD);
    draw_text(top + 1, 0, COLS, "start        end               size      rss perm class name"
                                "   (Enter: detail, Esc: back)");
    if (!s->n_region_idx) {
        draw_text(top + 2, 0, COLS, "none of it is mapped now: everything it mapped has been "
                                    "unmapped (counted as freed)");
        return;
    }
    if (s->region_cursor >= (long)s->n_region_idx)
        s->region_cursor = (long)s->n_region_idx - 1;
    s->list_y = top + 2;
    s->list_rows = height - 2;
    list_draw(&s->region_list, top + 2, 0, COLS, height - 2, (long)s->n_region_idx,
              s->region_cursor, region_row, v);
}

static void callsites_draw(struct view *v, int top, int height)
{
    struct callsites_state *s = cs_state(v);
    if (!view_traced(v)) {
        attron(A_BOLD);
        draw_text(top, 0, COLS, "Call sites need a launch with --trace");
        attroff(A_BOLD);
        draw_text(top + 2, 0, COLS,
                  v->rec_count ? "This recording was made without --trace: it has no calls."
                  : v->output || v->output_note[0]
                      ? "This program was launched without --trace: its calls were not seen."
                      : "This process was attached to, not launched: its calls cannot be seen.");
        draw_text(top + 3, 0, COLS, "Run it as  vmscope --trace -- CMD  (or  vmscope record "
                                    "--trace -o F.jsonl -- CMD,");
        draw_text(top + 4, 0, COLS, "then  vmscope -r F.jsonl): every brk, mmap and munmap "
                                    "with the stack that made it.");
        draw_text(top + 6, 0, COLS, "Esc back");
        return;
    }
    recompute(v, s);
    if (s->regions) {
        draw_regions(v, s, top, height);
        return;
    }
    make_rows(s);
    char line[320], m[16], f[16], r[16];
    format_size(m, sizeof m, s->report.total.mapped);
    format_size(f, sizeof f, s->report.total.freed);
    format_size(r, sizeof r, s->report.total.resident);
    snprintf(line, sizeof line, "Call sites, %s: %" PRIu64 " calls mapped %s, %s freed since, %s "
             "resident   f: %s",
             s->flat ? "by stack" : "top-down", s->report.total.calls, m, f, r,
             s->flat ? "tree" : "flat list");
    attron(A_BOLD);
    draw_text(top, 0, COLS, line);
    attroff(A_BOLD);
    size_t held;
    uint64_t refused;
    stack_table_usage(stack_table_shared(), &held, &refused);
    if (v->trace.dropped && !view_every_call(v))
        snprintf(line, sizeof line, "  Mapped Resident    Freed  Calls  (the oldest %llu calls "
                 "are past the log and not counted)",
                 (unsigned long long)v->trace.dropped);
    else if (refused) /* stack.h: the table's bound */
        snprintf(line, sizeof line, "  Mapped Resident    Freed  Calls  (%llu new stacks past "
                 "the table's bound were not kept: their calls have none)",
                 (unsigned long long)refused);
    else
        snprintf(line, sizeof line, "  Mapped Resident    Freed  Calls  %s",
                 s->flat ? "Stack (callee \u2190 caller)   Enter: its regions"
                         : "Function (caller \u2192 callee)   Right/Left open/close, *: all, "
                           "Enter: its regions");
    draw_text(top + 1, 0, COLS, line);
    if (!s->n_rows) {
        draw_text(top + 2, 0, COLS, "no memory calls traced yet");
        return;
    }
    s->list_y = top + 2;
    s->list_rows = height - 2;
    list_draw(&s->list, top + 2, 0, COLS, height - 2, (long)s->n_rows, s->cursor, site_row, s);
}

/* ---- keys ------------------------------------------------------------ */

static void open_all(struct callsites_state *s, const struct callsite_node *n, uint64_t key)
{
    if (!n->n_children)
        return;
    key_set_put(&s->open, key, true);
    for (size_t i = 0; i < n->n_children; i++)
        open_all(s, &n->children[i], key_mix(key, n->children[i].frame));
}

static bool has_site(const size_t *sites, size_t n, size_t site)
{
    for (size_t i = 0; i < n; i++)
        if (sites[i] == site)
            return true;
    return false;
}

/* Enter: the regions of the sample on screen that the row's sites'
 * still-mapped ranges fall in. */
static int show_regions(struct view *v, struct callsites_state *s)
{
    if (!s->n_rows || !v->snap)
        return VIEW_HANDLED;
    const struct row *row = &s->rows[s->cursor];
    size_t one = row->site;
    const size_t *sites = row->node ? row->node->sites : &one;
    size_t n_sites = row->node ? row->node->n_sites : 1;
    char label[512];
    uint64_t freed;
    if (row->node) {
        node_label(row->node->frame, label, sizeof label);
        freed = row->node->freed;
    } else {
        callsite_stack_label(s->report.sites[one].stack, STACK_MAX_FRAMES, label, sizeof label);
        freed = s->report.sites[one].freed;
    }
    s->n_region_idx = 0;
    uint64_t live = 0, elsewhere = 0;
    const struct snapshot *snap = v->snap;
    for (size_t i = 0; i < s->report.n_ranges; i++) {
        const struct callsite_range *rg = &s->report.ranges[i];
        if (!has_site(sites, n_sites, rg->site))
            continue;
        if (rg->pid != snap->proc.pid) {
            elsewhere += rg->end - rg->start;
            continue;
        }
        live += rg->end - rg->start;
        for (size_t k = 0; k < snap->n_regions; k++) {
            const struct vma *m = snap->regions[k].vma;
            if (m->start >= rg->end || m->end <= rg->start)
                continue;
            if (s->n_region_idx && s->region_idx[s->n_region_idx - 1] >= k)
                continue; /* ranges are by address: a region two ranges share, once */
            xgrow((void **)&s->region_idx, &s->cap_region_idx, s->n_region_idx + 1,
                  sizeof *s->region_idx);
            s->region_idx[s->n_region_idx++] = k;
        }
    }
    char l[16], f[16], e[32] = "";
    format_size(l, sizeof l, live);
    format_size(f, sizeof f, freed);
    if (elsewhere) {
        char x[16];
        format_size(x, sizeof x, elsewhere);
        snprintf(e, sizeof e, ", %s in children", x);
    }
    snprintf(s->regions_title, sizeof s->regions_title, "Regions made by %.160s: %s still "
             "mapped, %s freed%s", label, l, f, e);
    s->regions = true;
    s->region_cursor = 0;
    s->region_list.top = 0;
    return VIEW_HANDLED | VIEW_REDRAW;
}

/* A list's navigation keys (both lists sit where the last frame drew them). */
static int move_cursor(const struct callsites_state *s, const struct list_widget *l, long *cursor,
                       long n, int ch, int height)
{
    long c = list_key(l, ch, *cursor, n, s->list_y, s->list_rows > 0 ? s->list_rows : height);
    if (c < 0)
        return 0;
    *cursor = c;
    return VIEW_HANDLED | VIEW_REDRAW;
}

static int regions_key(struct view *v, struct callsites_state *s, int ch, int height)
{
    if (ch == 27 || ch == KEY_BACKSPACE || ch == 127 || ch == KEY_LEFT) {
        s->regions = false;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if ((ch == '\n' || ch == KEY_ENTER) && s->n_region_idx) {
        v->selected = v->snap->regions[s->region_idx[s->region_cursor]].vma->start;
        v->back = SCREEN_CALLSITES;
        v->screen = SCREEN_DETAIL;
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_FULL;
    }
    return move_cursor(s, &s->region_list, &s->region_cursor, (long)s->n_region_idx, ch, height);
}

static int callsites_key(struct view *v, int ch, int height)
{
    struct callsites_state *s = cs_state(v);
    if (ch == 27 || ch == KEY_BACKSPACE || ch == 127) {
        if (s->regions)
            return regions_key(v, s, ch, height);
        v->screen = s->came_from;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    if (!view_traced(v))
        return 0;
    if (s->regions)
        return regions_key(v, s, ch, height);
    recompute(v, s); /* keys typed ahead of a frame act on what it will show */
    make_rows(s);
    const struct row *row = s->n_rows ? &s->rows[s->cursor] : NULL;
    switch (ch) {
    case 'f':
        s->flat = !s->flat;
        s->cursor = 0;
        s->list.top = 0;
        return VIEW_HANDLED | VIEW_REDRAW;
    case '\n': case KEY_ENTER: return show_regions(v, s);
    case KEY_RIGHT: case '*':
        if (row && row->node && row->node->n_children) {
            if (ch == '*')
                open_all(s, row->node, row->key);
            else
                key_set_put(&s->open, row->key, true);
        }
        return VIEW_HANDLED | VIEW_REDRAW;
    case KEY_LEFT:
        if (row && row->node) {
            if (row->node->n_children && key_set_has(&s->open, row->key)) {
                key_set_put(&s->open, row->key, false);
            } else { /* to the parent */
                for (long i = s->cursor - 1; i >= 0; i--)
                    if (s->rows[i].depth < row->depth) {
                        s->cursor = i;
                        break;
                    }
            }
        }
        return VIEW_HANDLED | VIEW_REDRAW;
    default: break;
    }
    return move_cursor(s, &s->list, &s->cursor, (long)s->n_rows, ch, height);
}

const struct screen screen_callsites = {"Call sites", callsites_draw, callsites_key, cs_free};
