/* Diff: the current moment against the baseline marked with m: per-class
 * changes, then the regions added, removed and changed. */
#include "screens.h"
#include "vmscope/diff.h"
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void signed_size(char *out, size_t size, int64_t bytes)
{
    char s[16];
    format_size(s, sizeof s, (uint64_t)(bytes < 0 ? -bytes : bytes));
    snprintf(out, size, "%s%s", bytes < 0 ? "-" : bytes > 0 ? "+" : " ", s);
}

static void diff_draw(struct view *v, int top, int height)
{
    if (!v->baseline || !v->snap) {
        draw_text(top, 0, COLS, "No baseline yet: press m to mark this moment, then watch "
                                "what changes from it here.");
        return;
    }
    struct snapshot_diff d;
    diff_compute(v->baseline, v->snap, &d);
    char line[256], a[20], b[20], c[20], e[20];
    snprintf(line, sizeof line, "Since the baseline (%.1f s ago): %zu added, %zu removed, %zu changed",
             (double)((int64_t)v->snap->monotonic_ns - (int64_t)v->baseline->monotonic_ns) / 1e9,
             d.n_added, d.n_removed, d.n_changed);
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
    for (size_t i = 0; i < d.n_added + d.n_removed + d.n_changed && y < top + height; i++, y++) {
        const struct region *r;
        char mark, what[64] = "";
        if (i < d.n_added) {
            r = d.added[i];
            mark = '+';
        } else if (i < d.n_added + d.n_removed) {
            r = d.removed[i - d.n_added];
            mark = '-';
        } else {
            const struct region_change *ch = &d.changed[i - d.n_added - d.n_removed];
            r = ch->after;
            mark = '~';
            signed_size(a, sizeof a, (int64_t)ch->after->vma->field[SMAPS_RSS] -
                                         (int64_t)ch->before->vma->field[SMAPS_RSS]);
            snprintf(what, sizeof what, "rss %s", a);
        }
        format_size(b, sizeof b, vma_size(r->vma));
        snprintf(line, sizeof line, "%c %016" PRIx64 " %7s %s %-13s %-14s ", mark, r->vma->start, b,
                 r->vma->perms, region_subclass_name(r->subclass), what);
        draw_text(y, 0, COLS, line);
        int x = (int)strlen(line);
        draw_untrusted(y, x, COLS - x, r->vma->name, r->vma->name_len);
    }
    diff_free(&d);
}

const struct screen screen_diff = {"Diff", diff_draw, NULL, NULL};
