/* Output (launch mode): what the launched program wrote to its terminal,
 * newest at the bottom, kept apart so it never disturbs the screens. */
#include "screens.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Start of each line in text[0, len) (a line ends at '\n'). */
static size_t split_lines(const char *text, size_t len, size_t **starts)
{
    size_t n = 0, cap = 0;
    *starts = NULL;
    for (size_t i = 0; i < len;) {
        xgrow((void **)starts, &cap, n + 1, sizeof **starts);
        (*starts)[n++] = i;
        const char *nl = memchr(text + i, '\n', len - i);
        i = nl ? (size_t)(nl - text) + 1 : len;
    }
    return n;
}

/* The Output screen's own state: lines up from the end. */
struct output_state {
    size_t scroll;
};

static struct output_state *output_state(struct view *v)
{
    return screen_state(v, SCREEN_OUTPUT, sizeof(struct output_state));
}

static void output_draw(struct view *v, int top, int height)
{
    if (!v->output) {
        draw_text(top, 0, COLS, v->output_note[0] ? v->output_note
                                                  : "The program's output is not shown here.");
        return;
    }
    char *text = xmalloc(v->output->len + 1);
    size_t len = byte_ring_copy(v->output, text);
    size_t *starts;
    size_t n = split_lines(text, len, &starts);
    size_t rows = height > 1 ? (size_t)height - 1 : 0;
    if (output_state(v)->scroll + rows > n)
        output_state(v)->scroll = n > rows ? n - rows : 0;
    size_t last = n - output_state(v)->scroll; /* one past the last line shown */
    size_t first = last > rows ? last - rows : 0;
    char title[200];
    snprintf(title, sizeof title, "Output of %d (its terminal; %llu bytes%s)%s",
             v->snap ? (int)v->snap->proc.pid : 0, (unsigned long long)v->output->total,
             v->output->total > v->output->len ? ", the oldest dropped" : "",
             output_state(v)->scroll ? "  [scrolled: End for the newest]" : "");
    attron(A_BOLD);
    draw_text(top, 0, COLS, title);
    attroff(A_BOLD);
    for (size_t i = first; i < last; i++) {
        size_t end = i + 1 < n ? starts[i + 1] : len;
        const char *line = text + starts[i];
        size_t line_len = end - starts[i];
        if (line_len && line[line_len - 1] == '\n')
            line_len--;
        /* A carriage return redraws the line on a terminal: keep what is
         * left after the last one (progress bars). */
        const char *cr = line_len ? memrchr(line, '\r', line_len) : NULL;
        if (cr) {
            line_len -= (size_t)(cr + 1 - line);
            line = cr + 1;
        }
        draw_untrusted(top + 1 + (int)(i - first), 0, COLS, line, line_len);
    }
    free(starts);
    free(text);
}

static int output_key(struct view *v, int ch, int height)
{
    size_t page = height > 2 ? (size_t)height - 2 : 1;
    switch (ch) {
    case KEY_UP: case 'k': output_state(v)->scroll++; break;
    case KEY_DOWN: case 'j': output_state(v)->scroll = output_state(v)->scroll ? output_state(v)->scroll - 1 : 0; break;
    case KEY_PPAGE: output_state(v)->scroll += page; break;
    case KEY_NPAGE: output_state(v)->scroll = output_state(v)->scroll > page ? output_state(v)->scroll - page : 0; break;
    case KEY_HOME: case 'g': output_state(v)->scroll = (size_t)-1 / 2; break; /* clamped on draw */
    case KEY_END: case 'G': output_state(v)->scroll = 0; break;
    default: return 0;
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_output = {"Output", output_draw, output_key, NULL};
