/* The process picker as a sink for loop_keys(): keys go to the picker
 * (view/picker.c), which is drawn only when they changed something; the
 * list of processes is read here (the view reads nothing) and again every
 * interval. */
#include "vmscope/proclist.h"
#include "vmscope/sink.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <stdlib.h>
#include <unistd.h>

/* A process's last probe: one whose maps and rollup took long to read (a
 * 20,000-mapping process takes ~30 ms) is probed again only every
 * PROBE_EVERY refreshes, so a refresh of hundreds of processes stays cheap. */
struct probe_memo {
    pid_t pid;
    struct proc_memory m;
    uint64_t cost_ns;
    unsigned age; /* refreshes since it was read */
};
#define PROBE_SLOW_NS 2000000ull
#define PROBE_EVERY 10

struct picker_sink {
    struct sink base;
    struct picker *p;
    pid_t chosen;
    bool dirty;
    struct proc_entry *list;
    struct picker_row *rows;
    size_t n;
    uint64_t next_ns; /* the next refresh */
    struct probe_memo *memo; /* by pid, for the slow ones */
    size_t n_memo;
};

static int by_pid(const void *a, const void *b)
{
    const struct probe_memo *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* pid's memory: probed now, or a slow process's from a recent refresh
 * (its memo is kept in memo[*k]). */
static void probe(const struct picker_sink *s, pid_t pid, struct probe_memo *out)
{
    struct probe_memo key = {.pid = pid};
    const struct probe_memo *old = s->n_memo ? bsearch(&key, s->memo, s->n_memo, sizeof *s->memo,
                                                       by_pid)
                                             : NULL;
    if (old && old->cost_ns >= PROBE_SLOW_NS && old->age + 1 < PROBE_EVERY && !old->m.why) {
        *out = *old;
        out->age++;
        return;
    }
    uint64_t t0 = clock_monotonic_ns();
    out->pid = pid;
    proclist_probe(pid, &out->m);
    out->cost_ns = clock_monotonic_ns() - t0;
    out->age = 0;
}

static void drop_list(struct picker_sink *s)
{
    proclist_free(s->list, s->n);
    free(s->rows);
    s->list = NULL;
    s->rows = NULL;
    s->n = 0;
}

/* Reads the processes, and for each whether vmscope can read it. */
static void read_list(struct picker_sink *s)
{
    struct proc_entry *list = NULL;
    size_t n = 0;
    proclist_read(&list, &n);
    struct picker_row *rows = xcalloc(n ? n : 1, sizeof *rows);
    struct probe_memo *memo = xcalloc(n ? n : 1, sizeof *memo);
    for (size_t i = 0; i < n; i++) {
        probe(s, list[i].pid, &memo[i]);
        const struct proc_memory *m = &memo[i].m;
        rows[i] = (struct picker_row){list[i].pid, list[i].user, list[i].rss, list[i].command,
                                      m->why, m->pss, m->swap, m->has_rollup, m->mappings,
                                      list[i].threads};
    }
    qsort(memo, n, sizeof *memo, by_pid);
    free(s->memo);
    s->memo = memo;
    s->n_memo = n;
    if (s->p) {
        picker_set_rows(s->p, rows, n);
        drop_list(s);
    } else {
        s->p = picker_new(rows, n);
    }
    s->list = list;
    s->rows = rows;
    s->n = n;
    s->next_ns = clock_monotonic_ns() + (uint64_t)(s->base.interval * 1e9);
    s->dirty = true;
}

static unsigned pick_input(struct sink *k, bool readable)
{
    struct picker_sink *s = (struct picker_sink *)k;
    if (readable && tui_terminal_gone())
        return SINK_LOST;
    timeout(0);
    for (int ch; (ch = tui_read_key()) != ERR;) {
        int flags = picker_key(s->p, ch, &s->chosen);
        s->dirty |= (flags & VIEW_REDRAW) != 0;
        if (flags & VIEW_QUIT)
            return SINK_QUIT;
    }
    return 0;
}

static void pick_draw(struct sink *k, struct source *src)
{
    (void)src;
    struct picker_sink *s = (struct picker_sink *)k;
    if (clock_monotonic_ns() >= s->next_ns)
        read_list(s);
    if (s->dirty)
        picker_draw(s->p);
    s->dirty = false;
}

static int pick_finish(struct sink *k, const char *why, int rc)
{
    (void)k, (void)why;
    tui_stop();
    return rc;
}

static void pick_free(struct sink *k)
{
    struct picker_sink *s = (struct picker_sink *)k;
    tui_stop();
    picker_free(s->p);
    drop_list(s);
    free(s->memo);
    free(k);
}

static const struct sink_ops picker_ops = {
    .input = pick_input, .draw = pick_draw, .finish = pick_finish, .free = pick_free,
};

struct sink *sink_picker_new(double interval, bool color)
{
    struct picker_sink *s = xcalloc(1, sizeof *s);
    s->base.ops = &picker_ops;
    s->base.caps = SINK_STAYS;
    s->base.input_fd = STDIN_FILENO;
    s->base.interval = interval;
    read_list(s);
    tui_start(color);
    return &s->base;
}

pid_t sink_picker_chosen(const struct sink *k)
{
    return ((const struct picker_sink *)k)->chosen;
}
