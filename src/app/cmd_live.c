/* The live view: vmscope -p PID, vmscope (picker), vmscope --demo,
 * vmscope -r FILE, vmscope -- CMD. Each is a source paired with the view
 * sink, run by the one loop (loop.c). */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/launch.h"
#include "vmscope/loop.h"
#include "vmscope/proclist.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void live_usage(FILE *fp)
{
    fputs("usage: vmscope [-p PID | --demo [--step] [--speed X] | -r FILE] [-i SEC] [-n COUNT]\n"
          "               [--no-color]\n"
          "       vmscope [-i SEC] [--trace[=calls]] [-u USER] [--program-output FILE]\n"
          "               -- CMD [ARGS...]\n"
          "  (no -p)             choose a process from a list\n"
          "  -p, --pid PID       watch this process\n"
          "  -- CMD ARGS         launch CMD and watch it from exec to exit; its last state\n"
          "                      stays on screen with the exit status\n"
          "      --trace         (launch) every brk/mmap/munmap/mremap/mprotect/madvise,\n"
          "                      exactly, for every thread and child, with its call\n"
          "                      stack (the Call sites screen, C)\n"
          "      --trace=calls   the same calls without their stacks (cheaper)\n"
          "  -u, --user USER     (launch, as root) run CMD as USER\n"
          "      --program-output FILE\n"
          "                      (launch) CMD's output to FILE instead of the Output screen\n"
          "      --demo          the guided tour: a small program that shows the lecture's\n"
          "                      lessons one phase at a time (space holds it, n/p next\n"
          "                      or previous phase, t the list of phases)\n"
          "      --step          (demo) wait for n after each phase\n"
          "      --speed X       (demo) pace of the tour: 0.5 half as fast, 2 twice\n"
          "  -r, --read FILE     open a snapshot or recording (same screens, not live)\n"
          "  -i, --interval SEC  sample every SEC seconds (default 1)\n"
          "  -n, --samples N     exit after N samples (like top -n)\n"
          "      --no-color      no colours (also when NO_COLOR is set)\n",
          fp);
}

/* The picker: the process list is read by its sink (every interval), the
 * view only shows it, and the loop reads its keys. Returns the pid, 0
 * when none was picked, or -status when the picker ended otherwise
 * (terminal lost, a signal). */
static pid_t pick_process(double interval, bool color)
{
    struct sink *picker = sink_picker_new(interval, color);
    int status = loop_keys(picker);
    pid_t pid = status == EXIT_OK ? sink_picker_chosen(picker) : -status;
    sink_free(picker);
    return pid;
}

/* The picker, then the view of the process picked; q in the view goes
 * back to the list (q in the list quits). */
static int picked(double interval, long samples, bool color)
{
    for (;;) {
        pid_t pid = pick_process(interval, color);
        if (pid < 0)
            return -pid; /* the terminal went away, or a signal */
        if (!pid)
            return EXIT_OK;
        struct source *src = source_pid_new(pid, -1);
        struct sink *view = sink_view_new(interval, color);
        struct loop_options lopt = {.samples = samples, .light = true};
        int rc = loop_run(src, view, &lopt);
        bool back = view->quit_by_key && rc == EXIT_OK;
        sink_free(view);
        source_free(src);
        if (!back)
            return rc;
    }
}

/* The terminal's size, for the launched program's pty (less the header). */
static void terminal_size(unsigned short *rows, unsigned short *cols)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 6 && ws.ws_col > 0) {
        *rows = (unsigned short)(ws.ws_row - 6);
        *cols = ws.ws_col;
    }
}

int cmd_live(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},      {"demo", no_argument, NULL, 'D'},
        {"interval", required_argument, NULL, 'i'}, {"no-color", no_argument, NULL, 'C'},
        {"samples", required_argument, NULL, 'n'},  {"read", required_argument, NULL, 'r'},
        {"trace", optional_argument, NULL, 'T'},    {"user", required_argument, NULL, 'u'},
        {"program-output", required_argument, NULL, 'O'},
        {"step", no_argument, NULL, 'S'},          {"speed", required_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    const char *file = NULL, *output_file = NULL;
    bool demo = false, trace = false, no_stacks = false;
    struct demo_options tour = {.speed = 1.0};
    bool tour_opt = false;
    double interval = 1.0;
    long samples = 0;
    const char *user = NULL;
    const char *no_color = getenv("NO_COLOR");
    bool color = !(no_color && no_color[0]);
    int c;
    optind = 1;
    /* '+': the options end at CMD, whose own options are its own. */
    while ((c = getopt_long(argc, argv, "+p:i:n:r:u:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &pid))
                return EXIT_USAGE;
            break;
        case 'D': demo = true; break;
        case 'i':
            if (!parse_interval(optarg, &interval))
                return EXIT_USAGE;
            break;
        case 'C': color = false; break;
        case 'S': tour.step = tour_opt = true; break;
        case 'X':
            if (!parse_speed(optarg, &tour.speed))
                return EXIT_USAGE;
            tour_opt = true;
            break;
        case 'r': file = optarg; break;
        case 'T':
            if (!parse_trace(optarg, &no_stacks))
                return EXIT_USAGE;
            trace = true;
            break;
        case 'u': user = optarg; break;
        case 'O': output_file = optarg; break;
        case 'n':
            if (!parse_count(optarg, "samples", &samples))
                return EXIT_USAGE;
            break;
        case 'h': live_usage(stdout); return EXIT_OK;
        default: live_usage(stderr); return EXIT_USAGE;
        }
    }
    char **command = optind < argc ? argv + optind : NULL;
    if (command && (pid || demo || file)) {
        warnx_msg("-- CMD launches a program: it does not go with -p, --demo or -r");
        return EXIT_USAGE;
    }
    if (tour_opt && !demo) {
        warnx_msg("--step and --speed are for the tour: vmscope --demo --step");
        return EXIT_USAGE;
    }
    if (!command && (trace || user || output_file)) {
        warnx_msg("--trace, -u and --program-output are for a launched program: "
                  "vmscope [opts] -- CMD");
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        warnx_msg("the live view needs a terminal; for a one-off picture use "
                  "'vmscope snapshot -p PID'%s",
                  command ? ", to keep a launched program's story 'vmscope record -o FILE -- CMD'"
                          : "");
        return EXIT_USAGE;
    }
    char *term_why = NULL;
    if (!terminal_can_draw(&term_why)) {
        warnx_msg("%s", term_why);
        free(term_why);
        return EXIT_USAGE;
    }
    struct source *src = NULL;
    struct atomic_file pout = {.dir_fd = -1}; /* --program-output: the program's */
    if (command) {
        int orc = output_file ? atomic_file_open_program(&pout, output_file) : 0;
        if (orc < 0) {
            atomic_file_warn(output_file, orc);
            return EXIT_FAILURE_RUNTIME;
        }
        struct launch_options lo = {.argv = command, .user = user,
                                    .output = output_file ? atomic_file_fd(&pout) : -1,
                                    .pty = !output_file, .trace = trace,
                                    .no_stacks = no_stacks};
        terminal_size(&lo.rows, &lo.cols);
        char *why = NULL;
        struct launch *l;
        if (launch_start(&lo, &l, &why) < 0) {
            warnx_msg("%s", why ? why : "cannot start the program");
            free(why);
            if (output_file)
                atomic_file_abort(&pout); /* a program that never ran keeps the old file */
            return EXIT_FAILURE_RUNTIME;
        }
        if (output_file)
            atomic_file_publish(&pout);
        src = source_launch_new(l, command[0], trace, output_file);
    } else if (demo) {
        int announce_fd, control_fd;
        pid_t child = demo_workload_spawn(&tour, &announce_fd, &control_fd);
        if (child < 0)
            return EXIT_FAILURE_RUNTIME;
        src = source_tour_new(child, announce_fd, control_fd);
    } else if (file) {
        src = source_file_new(file);
    } else if (!pid) {
        return picked(interval, samples, color);
    } else {
        src = source_pid_new(pid, -1);
    }
    struct sink *view = sink_view_new(interval, color);
    struct loop_options lopt = {.samples = samples, .light = true};
    int rc = loop_run(src, view, &lopt);
    sink_free(view);
    source_free(src); /* a launched program or the demo is killed and reaped */
    if (output_file)
        atomic_file_commit(&pout);
    return rc;
}
