/* vmscope record -p PID | -- CMD [-i SEC] [-d SEC] -o FILE.jsonl: a pid or
 * a launched program paired with the recording sink, run by the one loop
 * (loop.c). */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/launch.h"
#include "vmscope/loop.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void record_usage(FILE *fp)
{
    fputs("usage: vmscope record -p PID [-i SEC] [-d SEC] -o FILE.jsonl\n"
          "       vmscope record [-i SEC] [-d SEC] [--trace[=calls]] [-u USER]\n"
          "                      [--program-output FILE] -o FILE.jsonl -- CMD [ARGS...]\n",
          fp);
}

int cmd_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},      {"interval", required_argument, NULL, 'i'},
        {"duration", required_argument, NULL, 'd'}, {"output", required_argument, NULL, 'o'},
        {"trace", optional_argument, NULL, 'T'},    {"user", required_argument, NULL, 'u'},
        {"program-output", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    double interval = 1.0, duration = 0;
    const char *out = NULL, *user = NULL, *program_output = NULL;
    bool trace = false, no_stacks = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+p:i:d:o:u:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &pid))
                return EXIT_USAGE;
            break;
        case 'i':
            if (!parse_interval(optarg, &interval))
                return EXIT_USAGE;
            break;
        case 'd':
            if (!parse_seconds(optarg, "a duration", 0.01, 1e7, &duration))
                return EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'T':
            if (!parse_trace(optarg, &no_stacks))
                return EXIT_USAGE;
            trace = true;
            break;
        case 'u': user = optarg; break;
        case 'O': program_output = optarg; break;
        case 'h': record_usage(stdout); return EXIT_OK;
        default: record_usage(stderr); return EXIT_USAGE;
        }
    }
    char **command = optind < argc ? argv + optind : NULL;
    if (!out || !!pid == !!command) {
        warnx_msg("record needs -o FILE.jsonl and either -p PID or -- CMD");
        return EXIT_USAGE;
    }
    if (!command && (trace || user || program_output)) {
        warnx_msg("--trace, -u and --program-output are for a launched program: -- CMD");
        return EXIT_USAGE;
    }
    /* Opened before the program starts: a bad path costs nothing. The
     * recording goes to a temporary that replaces FILE once its first
     * sample is complete (a start that fails keeps the old FILE), then
     * grows a line at a time: whatever stops it, FILE holds every sample
     * taken until then. The program's output likewise, once it runs. */
    struct atomic_file af, pout = {.dir_fd = -1};
    int orc = atomic_file_open(&af, out);
    if (orc == 0 && program_output && (orc = atomic_file_open_program(&pout, program_output)) < 0) {
        atomic_file_abort(&af);
        out = program_output;
    }
    if (orc < 0) {
        atomic_file_warn(out, orc);
        return EXIT_FAILURE_RUNTIME;
    }
    struct source *src;
    if (command) {
        struct launch_options lo = {.argv = command, .user = user,
                                    .output = program_output ? atomic_file_fd(&pout) : -1,
                                    .trace = trace,
                                    .no_stacks = no_stacks};
        char *why = NULL;
        struct launch *l;
        int lrc = launch_start(&lo, &l, &why);
        bool started = lrc == 0;
        if (!started)
            warnx_msg("%s", why ? why : strerror(-lrc));
        else if (program_output && (lrc = atomic_file_publish(&pout)) < 0)
            atomic_file_warn(program_output, lrc);
        free(why);
        if (lrc < 0) {
            if (started)
                launch_stop(l); /* kills the program it started */
            atomic_file_abort(&af); /* the old recording stays as it was */
            if (program_output)
                atomic_file_abort(&pout);
            return EXIT_FAILURE_RUNTIME;
        }
        src = source_launch_new(l, command[0], trace, program_output);
    } else {
        src = source_pid_new(pid, -1);
    }
    struct sink *rec = sink_recording_new(&af, out, interval); /* af is the sink's now */
    /* Light and gated samples between full ones, as the live view takes
     * them (loop.h), on the grid of sample times. */
    struct loop_options lopt = {.duration = duration, .drain = true, .light = true, .grid = true};
    int rc = loop_run(src, rec, &lopt);
    sink_free(rec);
    source_free(src);
    if (program_output)
        atomic_file_commit(&pout); /* the program's own output: its errors are its own */
    return rc == EXIT_OK || rc >= 128 ? EXIT_OK : rc; /* a signal is how a recording stops */
}
