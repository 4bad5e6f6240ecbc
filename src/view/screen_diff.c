/* Diff: the current moment against the baseline marked with m: per-class
 * changes, then the regions added, removed and changed, largest change in
 * RSS first, in a list that scrolls. */
#include "screens.h"
#include "vmscope/buf.h"
#include "vmscope/diff.h"
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct diff_state {
    struct list_widget list;
    long cursor;
};

/* One line of the region list: what happened to which region. */
struct diff_entry {
    char mark; /* + added, - removed, ~ changed */
    const struct region *before, *after; /* NULL when it did not exist */
    int64_t drss;
};

struct diff_rows {
    const struct view *v;
    const struct diff_entry *e;
};

static void signed_size(char *out, size_t size, int64_t bytes)
{
    char s[16];
    format_size(s, sizeof s, (uint64_t)(bytes < 0 ? -bytes : bytes));
    snprintf(out, size, "%s%s", bytes < 0 ? "-" : bytes > 0 ? "+" : " ", s);
}

static uint64_t magnitude(int64_t x)
{
    return x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
}

static int compare_entries(const void *a, const void *b)
{
    const struct diff_entry *x = a, *y = b;
    uint64_t mx = magnitude(x->drss), my = magnitude(y->drss);
    if (mx != my)
        return mx > my ? -1 : 1;
    const struct region *rx = x->after ? x->after : x->before, *ry = y->after ? y->after : y->before;
    return rx->vma->start < ry->vma->start ? -1 : rx->vma->start > ry->vma->start;
}

/* Added, removed and changed regions as one list, by |delta RSS|. */
static size_t diff_entries(const struct snapshot_diff *d, struct diff_entry **out)
{
    size_t n = d->n_added + d->n_removed + d->n_changed, k = 0;
    struct diff_entry *e = xcalloc(n ? n : 1, sizeof *e);
    for (size_t i = 0; i < d->n_added; i++)
        e[k++] = (struct diff_entry){'+', NULL, d->added[i],
                                     (int64_t)d->added[i]->vma->field[SMAPS_RSS]};
    for (size_t i = 0; i < d->n_removed; i++)
        e[k++] = (struct diff_entry){'-', d->removed[i], NULL,
                                     -(int64_t)d->removed[i]->vma->field[SMAPS_RSS]};
    for (size_t i = 0; i < d->n_changed; i++) {
        const struct region_change *ch = &d->changed[i];
        e[k++] = (struct diff_entry){'~', ch->before, ch->after,
                                     (int64_t)ch->after->vma->field[SMAPS_RSS] -
                                         (int64_t)ch->before->vma->field[SMAPS_RSS]};
    }
    qsort(e, n, sizeof *e, compare_entries);
    *out = e;
    return n;
}

static void diff_row(void *ctx, long i, int y, int x, int width)
{
    const struct diff_rows *dr = ctx;
    const struct diff_entry *e = &dr->e[i];
    const struct region *r = e->after ? e->after : e->before;
    char line[256], size[16], drss[20], perms[24], cls[64];
    format_size(size, sizeof size, vma_size(r->vma));
    signed_size(drss, sizeof drss, e->drss);
    /* a change of permissions or class reads old -> new */
    if (e->before && e->after && strcmp(e->before->vma->perms, e->after->vma->perms))
        snprintf(perms, sizeof perms, "%s\xe2\x86\x92%s", e->before->vma->perms, e->after->vma->perms);
    else
        snprintf(perms, sizeof perms, "%s", r->vma->perms);
    if (e->before && e->after &&
        (e->before->cls != e->after->cls || e->before->subclass != e->after->subclass))
        snprintf(cls, sizeof cls, "%s/%s \xe2\x86\x92 %s/%s", region_class_name(e->before->cls),
                 region_subclass_name(e->before->subclass), region_class_name(e->after->cls),
                 region_subclass_name(e->after->subclass));
    else
        snprintf(cls, sizeof cls, "%s/%s", region_class_name(r->cls), region_subclass_name(r->subclass));
    snprintf(line, sizeof line, "%c %016" PRIx64 " %7s %-9s rss %-8s %-18s ", e->mark,
             r->vma->start, size, perms, drss, cls);
    draw_text(y, x, width, line);
    int used = (int)strlen(line) - (perms[4] ? 2 : 0) - (strstr(cls, "\xe2") ? 2 : 0); /* 3-byte arrows */
    if (used < width)
        draw_name(y, x + used, width - used, r->vma->name, r->vma->name_len);
    (void)dr->v;
}

static void diff_draw(struct view *v, int top, int height)
{
    if (!v->baseline || !v->snap) {
        draw_text(top, 0, COLS, "No baseline yet: press m to mark this moment, then watch "
                                "what changes from it here.");
        return;
    }
    struct snapshot_diff d;
    diff_compute_runs(v->baseline, v->snap, &d);
    char line[256], a[20], b[20], c[20], e[20];
    snprintf(line, sizeof line,
             "Since the baseline (%.1f s ago): %zu added, %zu removed, %zu changed; by |RSS change|",
             (double)((int64_t)v->snap->monotonic_ns - (int64_t)v->baseline->monotonic_ns) / 1e9,
             d.n_added, d.n_removed, d.n_changed);
    if (d.n_moved) { /* the baseline is another run: what ASLR placed elsewhere */
        struct buf moved;
        buf_init(&moved);
        for (size_t i = 0; i < d.n_moved && moved.len < sizeof line; i++) {
            buf_puts(&moved, i ? ", " : "; ");
            diff_move_line(&moved, &d.moved[i]);
        }
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, "%s", moved.data);
        buf_free(&moved);
    }
    attron(A_BOLD);
    draw_text(top, 0, COLS, line);
    draw_text(top + 1, 0, COLS, "Class       Regions       VSZ       RSS       PSS      Swap");
    attroff(A_BOLD);
    int y = top + 2;
    for (int k = 0; k <= RC_COUNT && y < top + height; k++, y++) {
        const struct delta_totals *t = k < RC_COUNT ? &d.by_class[k] : &d.total;
        signed_size(a, sizeof a, t->vsz);
        signed_size(b, sizeof b, t->rss);
        signed_size(c, sizeof c, t->pss);
        signed_size(e, sizeof e, t->swap);
        snprintf(line, sizeof line, "%-8s %+10" PRId64 " %9s %9s %9s %9s",
                 k < RC_COUNT ? region_class_name((enum region_class)k) : "total", t->regions, a,
                 b, c, e);
        if (k < RC_COUNT)
            attron(class_attr(v, (enum region_class)k));
        draw_text(y, 0, COLS, line);
        if (k < RC_COUNT)
            attroff(class_attr(v, (enum region_class)k));
    }
    y++;
    struct diff_entry *entries;
    size_t n = diff_entries(&d, &entries);
    struct diff_state *st = screen_state(v, SCREEN_DIFF, sizeof *st);
    if (st->cursor >= (long)n)
        st->cursor = n ? (long)n - 1 : 0;
    struct diff_rows ctx = {v, entries};
    list_draw(&st->list, y, 0, COLS, top + height - y, (long)n, st->cursor, diff_row, &ctx);
    free(entries);
    diff_free(&d);
}

static int diff_key(struct view *v, int ch, int height)
{
    if (!v->baseline || !v->snap)
        return 0;
    struct snapshot_diff d;
    diff_compute_runs(v->baseline, v->snap, &d);
    long n = (long)(d.n_added + d.n_removed + d.n_changed);
    diff_free(&d);
    struct diff_state *st = screen_state(v, SCREEN_DIFF, sizeof *st);
    int list_top = 4 + 2 + RC_COUNT + 2; /* header, title, classes and total, a blank */
    long next = list_key(&st->list, ch, st->cursor, n, list_top, height - (list_top - 4));
    if (next < 0)
        return 0;
    st->cursor = next;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_diff = {"Diff", diff_draw, diff_key, NULL};
