/* bench_pages: how long the region detail's page grid takes.
 * usage: bench_pages PID START END [TICKS]
 * Prints the kernel's floor (one PAGEMAP_SCAN walk of the range, counting
 * present pages), the time to the first frame of the detail screen, and the
 * mean cost of a tick (the grid read again and redrawn). */
#include "vmscope/capture.h"
#include "vmscope/kernel_abi.h"
#include "vmscope/procfs.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double scan_floor_ms(pid_t pid, uint64_t start, uint64_t end)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY);
    static struct page_region vec[512];
    uint64_t t0 = clock_monotonic_ns(), present = 0;
    for (uint64_t s = start; s < end;) {
        struct pm_scan_arg a = {.size = sizeof a, .start = s, .end = end, .vec = (uintptr_t)vec,
                                .vec_len = 512, .category_anyof_mask = PAGE_IS_PRESENT,
                                .return_mask = PAGE_IS_PRESENT};
        long n = ioctl(fd, PAGEMAP_SCAN, &a);
        if (n < 0)
            break;
        for (long i = 0; i < n; i++)
            present += (vec[i].end - vec[i].start) / 4096;
        uint64_t next = a.walk_end;
        if (n > 0 && vec[n - 1].end > next)
            next = vec[n - 1].end;
        if (next <= s)
            break;
        s = next;
    }
    double ms = (double)(clock_monotonic_ns() - t0) / 1e6;
    close(fd);
    fprintf(stderr, "  (scan saw %llu present pages)\n", (unsigned long long)present);
    return ms;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PID START END [TICKS]\n", argv[0]);
        return 2;
    }
    pid_t pid = atoi(argv[1]);
    uint64_t start = strtoull(argv[2], NULL, 16), end = strtoull(argv[3], NULL, 16);
    int ticks = argc > 4 ? atoi(argv[4]) : 10;
    struct view v;
    view_init(&v, 1.0, true);
    struct snapshot *s;
    if (capture_snapshot(pid, NULL, &s) < 0)
        return 1;
    view_push_snapshot(&v, s);
    v.selected = start;
    FILE *out = fopen("/dev/null", "w");
    SCREEN *scr = newterm("xterm-256color", out, stdin);
    set_term(scr);
    resizeterm(50, 160);
    double floor_ms = scan_floor_ms(pid, start, end);
    v.screen = SCREEN_DETAIL;
    uint64_t t0 = clock_monotonic_ns();
    tui_draw(&v); /* reads the grid for the first time */
    double first = (double)(clock_monotonic_ns() - t0) / 1e6;
    double tick_total = 0;
    for (int i = 0; i < ticks; i++) {
        v.snap->monotonic_ns++; /* a new sample: the grid is read again */
        t0 = clock_monotonic_ns();
        tui_draw(&v);
        tick_total += (double)(clock_monotonic_ns() - t0) / 1e6;
    }
    endwin();
    delscreen(scr);
    fclose(out);
    printf("%.0f MiB: kernel floor (one PAGEMAP_SCAN) %.2f ms; first frame %.2f ms (%.2fx); "
           "tick %.2f ms (%.2fx)\n",
           (double)(end - start) / (1 << 20), floor_ms, first, first / floor_ms,
           tick_total / ticks, tick_total / ticks / floor_ms);
    view_free(&v);
    return 0;
}
