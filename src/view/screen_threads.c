/* Threads (T): one row per thread of the snapshot: its id, name and
 * state, the stack region it runs on, how much of it is in use (from its
 * stack pointer to the region's top) and the guard below it. Everything
 * comes from the snapshot; the screen reads nothing itself. */
#include "screens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this width the columns narrow (the name, the guard's address go)
 * so a row fits 80 columns. */
#define THREADS_WIDE 110

struct threads_state {
    struct list_widget list;
    long cursor;
    int list_y, list_rows;
    enum screen_id back; /* where Esc returns */
};

static struct threads_state *threads_state(struct view *v)
{
    return screen_state(v, SCREEN_THREADS, sizeof(struct threads_state));
}

/* The stack region of thread t: the one classified as its stack, else the
 * one its SP is in, else (the main thread) [stack]; or NULL. */
static const struct region *stack_of(const struct snapshot *s, const struct thread_sp *t)
{
    for (size_t i = 0; i < s->n_regions; i++)
        if (s->regions[i].cls == RC_STACK && s->regions[i].tid == t->tid)
            return &s->regions[i];
    const struct region *r = t->sp_known ? snapshot_find(s, t->sp) : NULL;
    if (!r && t->sp_known && t->sp) /* an empty stack: SP at its very end */
        r = snapshot_find(s, t->sp - 1);
    for (size_t i = 0; !r && t->tid == s->proc.pid && i < s->n_regions; i++)
        if (s->regions[i].vma->name_len == 7 && !memcmp(s->regions[i].vma->name, "[stack]", 7))
            r = &s->regions[i];
    return r;
}

/* The guard of a stack region: the PROT_NONE mapping right below it (a
 * thread's, from pthread), or the kernel's gap below the main stack. */
static void format_guard(const struct snapshot *s, const struct region *r, char *out, size_t size,
                         bool wide)
{
    long i = r ? r - s->regions : -1;
    const struct vma *below = i > 0 ? s->regions[i - 1].vma : NULL;
    if (below && below->end == r->vma->start && !strncmp(below->perms, "---", 3)) {
        char sz[16];
        format_size(sz, sizeof sz, vma_size(below));
        if (wide)
            snprintf(out, size, "%s at %llx", sz, (unsigned long long)below->start);
        else
            snprintf(out, size, "%s below", sz);
    } else if (r && r->vma->name_len == 7 && !memcmp(r->vma->name, "[stack]", 7)) {
        snprintf(out, size, "kernel gap"); /* stack_guard_gap: not a mapping */
    } else {
        snprintf(out, size, r ? "none" : "-");
    }
}

static void thread_row(void *arg, long k, int y, int x, int width)
{
    struct view *v = arg;
    const struct snapshot *s = v->snap;
    const struct thread_sp *t = &s->threads[k];
    const struct region *r = stack_of(s, t);
    char line[256], range[40] = "-", size[16] = "-", used[40] = "-", guard[48];
    if (r) {
        snprintf(range, sizeof range, "%llx-%llx", (unsigned long long)r->vma->start,
                 (unsigned long long)r->vma->end);
        format_size(size, sizeof size, vma_size(r->vma));
    }
    if (!t->sp_known) {
        snprintf(used, sizeof used, "running (no SP)");
    } else if (r && t->sp >= r->vma->start && t->sp <= r->vma->end) {
        char u[16];
        format_size(u, sizeof u, r->vma->end - t->sp);
        snprintf(used, sizeof used, "%s (%llu%%)", u,
                 (unsigned long long)((r->vma->end - t->sp) * 100 / vma_size(r->vma)));
    } else {
        snprintf(used, sizeof used, "SP %llx", (unsigned long long)t->sp);
    }
    bool wide = COLS >= THREADS_WIDE;
    format_guard(s, r, guard, sizeof guard, wide);
    snprintf(line, sizeof line, "%7d %c ", (int)t->tid, t->state ? t->state : '?');
    draw_text(y, x, width, line);
    int nx = x + (int)strlen(line), name_w = wide ? 16 : 12;
    draw_untrusted(y, nx, name_w, t->name, strnlen(t->name, sizeof t->name)); /* the target's */
    nx += name_w + 1;
    if (!wide && !t->sp_known)
        snprintf(used, sizeof used, "running");
    snprintf(line, sizeof line, "%-*s %6s %-*s %s", wide ? 33 : 25, range, size, wide ? 16 : 11,
             used, guard);
    draw_text(y, nx, width - (nx - x), line);
}

static void threads_draw(struct view *v, int top, int height)
{
    const struct snapshot *s = v->snap;
    struct threads_state *st = threads_state(v);
    if (!s || !s->n_threads) {
        draw_text(top, 0, COLS, s && s->n_regions ? "no threads in this sample (a recording does "
                                                    "not keep them)"
                                                  : "no sample yet");
        return;
    }
    attron(A_BOLD);
    char title[160];
    if (COLS >= THREADS_WIDE)
        snprintf(title, sizeof title, "%-7s %c %-16s %-33s %6s %-16s %s", "TID", 'S', "Name",
                 "Stack region", "Size", "Used (SP to top)", "Guard");
    else
        snprintf(title, sizeof title, "%-7s %c %-12s %-25s %6s %-11s %s", "TID", 'S', "Name",
                 "Stack region", "Size", "Used SP-top", "Guard");
    draw_text(top, 0, COLS, title);
    attroff(A_BOLD);
    if (st->cursor >= (long)s->n_threads)
        st->cursor = (long)s->n_threads - 1;
    st->list_y = top + 1;
    st->list_rows = height - 1;
    list_draw(&st->list, top + 1, 0, COLS, height - 1, (long)s->n_threads, st->cursor, thread_row,
              v);
}

static int threads_key(struct view *v, int ch, int height)
{
    struct threads_state *st = threads_state(v);
    if (ch == 27 || ch == KEY_BACKSPACE || ch == 127) {
        v->screen = st->back;
        return VIEW_HANDLED | VIEW_REDRAW;
    }
    const struct snapshot *s = v->snap;
    long n = s ? (long)s->n_threads : 0;
    if ((ch == '\n' || ch == KEY_ENTER) && n && st->cursor < n) {
        const struct region *r = stack_of(s, &s->threads[st->cursor]);
        if (!r)
            return VIEW_HANDLED;
        v->selected = r->vma->start;
        v->back = SCREEN_THREADS;
        v->screen = SCREEN_DETAIL;
        return VIEW_HANDLED | VIEW_REDRAW | VIEW_FULL;
    }
    long c = list_key(&st->list, ch, st->cursor, n, st->list_y,
                      st->list_rows > 0 ? st->list_rows : height - 1);
    if (c < 0)
        return 0;
    st->cursor = c;
    return VIEW_HANDLED | VIEW_REDRAW;
}

void screen_threads_open(struct view *v)
{
    struct threads_state *st = threads_state(v);
    if (v->screen != SCREEN_THREADS)
        st->back = v->screen == SCREEN_DETAIL || v->screen == SCREEN_HELP ? v->back : v->screen;
    v->screen = SCREEN_THREADS;
}

const struct screen screen_threads = {"Threads", threads_draw, threads_key, NULL};
