/* The process picker as a sink for loop_keys(): keys go to the picker
 * (view/picker.c), which is drawn only when they changed something. */
#include "vmscope/sink.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <stdlib.h>
#include <unistd.h>

struct picker_sink {
    struct sink base;
    struct picker *p;
    pid_t chosen;
    bool dirty;
};

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
    tui_stop();
    picker_free(((struct picker_sink *)k)->p);
    free(k);
}

static const struct sink_ops picker_ops = {
    .input = pick_input, .draw = pick_draw, .finish = pick_finish, .free = pick_free,
};

struct sink *sink_picker_new(const struct picker_row *rows, size_t n, bool color)
{
    struct picker_sink *s = xcalloc(1, sizeof *s);
    s->base.ops = &picker_ops;
    s->base.caps = SINK_STAYS;
    s->base.input_fd = STDIN_FILENO;
    s->p = picker_new(rows, n);
    s->dirty = true;
    tui_start(color);
    return &s->base;
}

pid_t sink_picker_chosen(const struct sink *k)
{
    return ((const struct picker_sink *)k)->chosen;
}
