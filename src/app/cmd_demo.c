/* vmscope demo: run the demo workload and print its snapshot every
 * interval (the headless tour; the TUI's --demo shows the same workload):
 * the workload's pid paired with the text sink, run by the one loop. */
#include "vmscope/app.h"
#include "vmscope/loop.h"
#include "vmscope/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"interval", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'},
        {"speed", required_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double interval = 1.0;
    long count = -1;
    struct demo_options tour = {.speed = 1.0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (!parse_interval(optarg, &interval))
                return EXIT_USAGE;
            break;
        case 'n':
            if (!parse_count(optarg, "frames", &count))
                return EXIT_USAGE;
            break;
        case 'X':
            if (!parse_speed(optarg, &tour.speed))
                return EXIT_USAGE;
            break;
        case 'h':
            puts("usage: vmscope demo [-i SEC] [-n COUNT] [--speed X]\n"
                 "Runs the tour program (vmscope-tour) and prints its address space every SEC;\n"
                 "--speed 0.5 runs its phases half as fast.");
            return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    int announce_fd, control_fd;
    pid_t child = demo_workload_spawn(&tour, &announce_fd, &control_fd);
    if (child < 0)
        return EXIT_FAILURE_RUNTIME;
    struct source *src = source_tour_new(child, announce_fd, control_fd);
    struct sink *text = sink_text_new(interval);
    struct loop_options lopt = {.samples = count > 0 ? count : 0};
    int rc = loop_run(src, text, &lopt);
    sink_free(text);
    source_free(src);
    return rc >= 128 ? EXIT_OK : rc; /* Ctrl-C or a kill is how a tour ends */
}
