/* Region detail (Enter): every smaps field with its unit, the class and
 * the evidence for it, and the VmFlags. The page grid comes with the page
 * drill-down. */
#include "screens.h"
#include "vmscope/callsites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* For a region of an ELF image: the image's parts at run time (worked out
 * at capture and kept on the snapshot), with the ones this region covers
 * in bold. */
static int draw_image_parts(const struct region *r, int y)
{
    const struct image_part *parts = r->image;
    long n = (long)r->n_image;
    if (!r->object || n <= 0)
        return y;
    draw_text(y, 0, COLS, "image:");
    int x = 7;
    for (long i = 0; i < n && x < COLS; i++) {
        char item[80], sz[16];
        format_size(sz, sizeof sz, parts[i].end - parts[i].start);
        snprintf(item, sizeof item, "%s %llx-%llx (%s)  ", parts[i].role,
                 (unsigned long long)parts[i].start, (unsigned long long)parts[i].end, sz);
        bool here = parts[i].start < r->vma->end && parts[i].end > r->vma->start;
        if (x + (int)strlen(item) > COLS && x > 7) { /* wrap once */
            y++;
            x = 7;
        }
        if (here)
            attron(A_BOLD | A_UNDERLINE);
        draw_text(y, x, COLS - x, item);
        if (here)
            attroff(A_BOLD | A_UNDERLINE);
        x += (int)strlen(item);
    }
    return y + 1;
}

/* The fields a lesson speaks of, on as few lines as they take, when the
 * whole table would leave the page grid no room. */
static int brief_fields(const struct vma *m, int y)
{
    static const enum smaps_field brief[] = {SMAPS_RSS, SMAPS_PSS, SMAPS_SHARED_DIRTY,
                                             SMAPS_PRIVATE_DIRTY, SMAPS_LOCKED, SMAPS_SWAP};
    int x = 0;
    for (size_t i = 0; i < sizeof brief / sizeof brief[0]; i++) {
        if (!vma_has(m, brief[i]))
            continue;
        char item[64], sz[16];
        format_size(sz, sizeof sz, m->field[brief[i]]);
        snprintf(item, sizeof item, "%s %s   ", smaps_fields[brief[i]].key, sz);
        if (x + (int)strlen(item) > COLS && x > 0) {
            y++;
            x = 0;
        }
        draw_text(y, x, COLS - x, item);
        x += (int)strlen(item);
    }
    draw_text(++y, 0, COLS, "(every smaps field: a taller terminal)");
    return y + 1;
}

/* Terminal columns of a UTF-8 string (the labels are ASCII and arrows). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* One line: "WHAT mmap 32K  leaf \u2190 caller \u2190 caller, file.c:12", with
 * fewer callers when the terminal is narrow, so file:line stays. */
static void draw_call(int y, const char *what, const struct syscall_event *e, uint64_t bytes)
{
    char line[600], label[480], sz[16] = "";
    if (bytes)
        format_size(sz, sizeof sz, bytes);
    for (size_t max = 3; max > 0; max--) {
        callsite_stack_label(e ? e->stack : NULL, max, label, sizeof label);
        snprintf(line, sizeof line, "%-11s%s%s%s  %s", what, e ? traced_call_name(e->call) : "",
                 sz[0] && e ? " " : "", sz, label);
        if (columns(line) <= COLS)
            break;
    }
    draw_text(y, 0, COLS, line); /* names are the target's: sanitised there */
}

/* Who mapped it (--trace): the call that created the region and the last
 * that changed it, with their stacks; for the brk heap, the call sites
 * that grew it most. From the view's traced events, never the process:
 * the creator, the growers and each range's last touch from the ledger of
 * every call (a recording shown before its end: from the calls held up to
 * the sample shown), an older last change from the newest calls the log
 * holds. */
static int draw_origin(struct view *v, const struct region *r, int y)
{
    if (!view_traced(v))
        return y;
    struct syscall_event *ev;
    size_t n = view_trace_events(v, &ev);
    pid_t pid = v->snap->proc.pid;
    bool every_call = view_every_call(v);
    if (r->subclass == RS_BRK) {
        struct callsite *g;
        size_t ng = every_call ? callsite_ledger_heap_growers(v->calls, pid, r->vma->start,
                                                              r->vma->end, &g)
                               : callsites_heap_growers(ev, n, pid, &g);
        for (size_t i = 0; i < ng && i < 2; i++) {
            struct syscall_event e = {.call = TC_BRK, .stack = g[i].stack};
            draw_call(y++, i ? "" : "grown by", &e, g[i].mapped);
        }
        if (!ng)
            draw_text(y++, 0, COLS, "grown by   (no brk growth traced)");
        free(g);
        free(ev);
        return y;
    }
    struct region_origin o;
    region_origin_find(ev, n, pid, r->vma->start, r->vma->end, &o);
    struct syscall_event made;
    const struct syscall_event *created = o.created;
    if (every_call)
        created = callsite_ledger_made(v->calls, pid, r->vma->start, r->vma->end, &made) ? &made
                                                                                         : NULL;
    uint64_t s, t;
    if (created)
        draw_call(y++, "mapped by", created, syscall_event_range(created, &s, &t) ? t - s : 0);
    else
        draw_text(y++, 0, COLS, v->trace.dropped && !every_call
                                    ? "mapped by  (before the oldest call kept)"
                                    : "mapped by  (no traced call: the kernel or exec made it)");
    /* The ledger keeps each range's last touch for the whole trace; the
     * calls held (the newest 20,000) know an older one it could not. */
    struct syscall_event touched;
    const struct syscall_event *changed = o.changed;
    if (every_call && callsite_ledger_changed(v->calls, pid, r->vma->start, r->vma->end, &touched) &&
        (!changed || touched.monotonic_ns >= changed->monotonic_ns))
        changed = &touched;
    bool same = changed && created && changed->monotonic_ns == created->monotonic_ns &&
                changed->tid == created->tid && changed->call == created->call;
    if (changed && changed != created && !same)
        draw_call(y++, "changed by", changed, 0);
    free(ev);
    return y;
}

static void detail_draw(struct view *v, int top, int height)
{
    if (v->detail_gone) { /* stays on the region rather than jump to another */
        char gone[200];
        snprintf(gone, sizeof gone,
                 "%016llx-%016llx  this region is gone: it is not in the sample now shown",
                 (unsigned long long)v->detail_start, (unsigned long long)v->detail_end);
        attron(A_BOLD);
        draw_text(top, 0, COLS, gone);
        attroff(A_BOLD);
        draw_text(top + 1, 0, COLS, "(unmapped, moved or resized)   Esc back");
        return;
    }
    long i = view_selected_index(v);
    if (i >= 0) {
        v->detail_start = v->snap->regions[i].vma->start;
        v->detail_end = v->snap->regions[i].vma->end;
    }
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
    if (m->name_len && COLS - x < 30 && (int)m->name_len > COLS - x) /* a line of its own */
        draw_name(++y, x = 2, COLS - 2, m->name, m->name_len);
    else
        draw_name(y, x, COLS - x, m->name, m->name_len);
    y++;
    attron(class_attr(v, r->cls));
    snprintf(line, sizeof line, "class %s/%s%s%s", region_class_name(r->cls), region_subclass_name(r->subclass),
             r->flags & REGION_HEURISTIC ? "  (a guess from the layout, not proven)" : "",
             vma_shows_deleted(m) ? "  (file deleted)" : "");
    draw_text(y, 0, COLS, line);
    attroff(class_attr(v, r->cls));
    x = (int)strlen(line);
    if (r->tid) {
        snprintf(line, sizeof line, "  thread %d (its stack pointer is inside)", (int)r->tid);
        draw_text(y, x, COLS - x, line);
    } else if (r->object) {
        draw_text(y, x, COLS - x, "  part of the ELF image ");
        x += 24;
        draw_name(y, x, COLS - x, r->object, strlen(r->object));
    }
    y++;
    if (r->evidence) { /* from a file it is untrusted text */
        draw_text(y, 0, COLS, "why: ");
        draw_untrusted(y++, 5, COLS - 5, r->evidence, strlen(r->evidence));
    }
    y = draw_image_parts(r, y);
    y = draw_origin(v, r, y);
    if (m->has_census) {
        snprintf(line, sizeof line, "census: %llu present, %llu swapped, %llu file, %llu exclusive",
                 (unsigned long long)m->pages.present, (unsigned long long)m->pages.swapped,
                 (unsigned long long)m->pages.file, (unsigned long long)m->pages.exclusive);
        draw_text(y++, 0, COLS, line);
    }
    if (v->snap->light && !vma_has(m, SMAPS_PSS))
        draw_text(y++, 0, COLS, "RSS and Swap are this tick's; the other fields are not measured "
                                "yet (the next full sample)");
    else if (v->snap->light)
        draw_text(y++, 0, COLS, "RSS and Swap are this tick's; the other fields are from the "
                                "last full sample");
    y++;
    /* smaps fields in columns of 28 characters. */
    int cols = COLS / 28 > 0 ? COLS / 28 : 1, shown = 0;
    int nfields = 0;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++)
        nfields += vma_has(m, (enum smaps_field)f);
    int rows = (nfields + cols - 1) / cols;
    if (top + height - (y + rows + 2) < 6) { /* a short terminal: the grid before the table */
        y = brief_fields(m, y);
        rows = 0;
        nfields = 0;
    }
    for (int f = 0; f < SMAPS_FIELD_COUNT && nfields; f++) {
        if (!vma_has(m, (enum smaps_field)f))
            continue;
        if (smaps_fields[f].is_kb)
            format_size(sz, sizeof sz, m->field[f]);
        else
            snprintf(sz, sizeof sz, "%llu", (unsigned long long)m->field[f]);
        snprintf(line, sizeof line, "%-16s %9s", smaps_fields[f].key, sz);
        draw_text(y + shown % rows, (shown / rows) * 28, 27, line);
        shown++;
    }
    y += rows;
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
    draw_text(y++, 0, COLS, v->tour.word.count /* the tour's n and p are its phases */
                                ? "Esc back   arrows move the page cursor"
                                : "Esc back   n/p next/previous region   arrows move the page cursor");
    page_grid_draw(v, r, y, top + height - y);
}

static int detail_key(struct view *v, int ch, int height)
{
    long i = v->detail_gone ? -1 : view_selected_index(v);
    if (i < 0)
        return 0;
    if (ch == 'n' || ch == 'p') {
        long n = (long)v->snap->n_regions;
        i += ch == 'p' ? -1 : 1;
        if (i >= 0 && i < n)
            v->selected = v->snap->regions[i].vma->start;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    return page_grid_key(v, ch, height);
}

const struct screen screen_detail = {"Detail", detail_draw, detail_key, page_grid_free};
