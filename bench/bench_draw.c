/* bench_draw: time one frame of each screen for a real process's snapshot.
 * usage: bench_draw PID [COLS ROWS [FRAMES]]   (curses draws to /dev/null)
 * Built against the project library by bench_live.sh. */
#include "vmscope/capture.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PID [COLS ROWS [FRAMES]]\n", argv[0]);
        return 2;
    }
    pid_t pid = atoi(argv[1]);
    int cols = argc > 3 ? atoi(argv[2]) : 200, rows = argc > 3 ? atoi(argv[3]) : 60;
    int frames = argc > 4 ? atoi(argv[4]) : 50;
    struct view v;
    view_init(&v, 1.0, true);
    for (int i = 0; i < 3; i++) { /* a few samples, so the timeline has data */
        struct capture_options opt = {.previous = v.snap, .light = i > 0};
        struct snapshot *s;
        if (capture_snapshot(pid, &opt, &s) < 0) {
            fprintf(stderr, "bench_draw: cannot sample %d\n", (int)pid);
            return 1;
        }
        view_push_snapshot(&v, s);
    }
    FILE *out = fopen("/dev/null", "w");
    SCREEN *scr = newterm("xterm-256color", out, stdin);
    set_term(scr);
    resizeterm(rows, cols);
    start_color();
    use_default_colors();
    /* Select a region in the middle, so screens scroll to it. */
    v.selected = v.snap->regions[v.snap->n_regions / 2].vma->start;
    static const char *const names[] = {"Map", "Regions", "Timeline", "Help", "Detail"};
    printf("%zu regions, %dx%d, %d frames per screen\n", v.snap->n_regions, cols, rows, frames);
    for (int sc = 0; sc < SCREEN_COUNT; sc++) {
        v.screen = (enum screen_id)sc;
        tui_draw(&v); /* warm-up */
        uint64_t t0 = clock_monotonic_ns();
        for (int f = 0; f < frames; f++)
            tui_draw(&v);
        double ms = (double)(clock_monotonic_ns() - t0) / 1e6 / frames;
        printf("frame %-9s %7.2f ms\n", names[sc], ms);
    }
    endwin();
    delscreen(scr);
    fclose(out);
    view_free(&v);
    return 0;
}
