/* Region detail (Enter): every smaps field with its unit, the class and
 * the evidence for it, and the VmFlags. The page grid comes with the page
 * drill-down. */
#include "screens.h"

#include <stdio.h>
#include <string.h>

static void detail_draw(struct view *v, int top, int height)
{
    long i = view_selected_index(v);
    if (i < 0) {
        draw_text(top, 0, COLS, "no region selected");
        return;
    }
    const struct region *r = &v->snap->regions[i];
    const struct vma *m = r->vma;
    char line[256], sz[16];
    int y = top;
    attron(A_BOLD);
    snprintf(line, sizeof line, "%016llx-%016llx  %s  offset %llx  dev %02x:%02x  inode %llu  ",
             (unsigned long long)m->start, (unsigned long long)m->end, m->perms,
             (unsigned long long)m->offset, m->dev_major, m->dev_minor,
             (unsigned long long)m->inode);
    draw_text(y, 0, COLS, line);
    attroff(A_BOLD);
    int x = (int)strlen(line);
    draw_untrusted(y++, x, COLS - x, m->name, m->name_len);
    attron(class_attr(v, r->cls));
    snprintf(line, sizeof line, "class %s/%s%s%s", region_class_name(r->cls), r->subclass,
             r->flags & REGION_HEURISTIC ? "  (a guess from the layout, not proven)" : "",
             m->deleted ? "  (file deleted)" : "");
    draw_text(y, 0, COLS, line);
    attroff(class_attr(v, r->cls));
    x = (int)strlen(line);
    if (r->tid) {
        snprintf(line, sizeof line, "  thread %d (its stack pointer is inside)", (int)r->tid);
        draw_text(y, x, COLS - x, line);
    } else if (r->object) {
        draw_text(y, x, COLS - x, "  part of the ELF image ");
        x += 24;
        draw_untrusted(y, x, COLS - x, r->object, strlen(r->object));
    }
    y++;
    if (v->snap->light)
        draw_text(y++, 0, COLS, "RSS and Swap are this tick's; the other fields are from the "
                                "last full sample");
    y++;
    int col = 0, per_col = height - (y - top) - 3;
    if (per_col < 1)
        per_col = 1;
    int shown = 0;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        if (!vma_has(m, (enum smaps_field)f))
            continue;
        if (smaps_fields[f].is_kb)
            format_size(sz, sizeof sz, m->field[f]);
        else
            snprintf(sz, sizeof sz, "%llu", (unsigned long long)m->field[f]);
        snprintf(line, sizeof line, "%-16s %9s", smaps_fields[f].key, sz);
        draw_text(y + shown % per_col, col + (shown / per_col) * 30, 28, line);
        shown++;
    }
    y += (shown < per_col ? shown : per_col) + 1;
    if (m->has_vmflags && y < top + height) {
        char flags[3 * VMFLAG_COUNT + 16] = "VmFlags:";
        size_t len = strlen(flags);
        for (int k = 0; k < VMFLAG_COUNT; k++)
            if (m->vmflags & VMFLAG_BIT(k)) {
                flags[len++] = ' ';
                flags[len++] = vmflag_names[k][0];
                flags[len++] = vmflag_names[k][1];
            }
        flags[len] = '\0';
        draw_text(y++, 0, COLS, flags);
    }
    if (y < top + height)
        draw_text(y, 0, COLS, "Esc or Backspace: back   arrows: previous/next region");
}

static int detail_key(struct view *v, int ch, int height)
{
    (void)height;
    long i = view_selected_index(v);
    if (i < 0 || (ch != KEY_UP && ch != KEY_DOWN && ch != 'k' && ch != 'j'))
        return 0;
    long n = (long)v->snap->n_regions;
    i += (ch == KEY_UP || ch == 'k') ? -1 : 1;
    if (i < 0 || i >= n)
        return VIEW_HANDLED;
    v->selected = v->snap->regions[i].vma->start;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_detail = {"Detail", detail_draw, detail_key};
