/* vmscope record -p PID [-i SEC] [-d SEC] -o FILE.jsonl */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/capture.h"
#include "vmscope/launch.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t record_stop;

static void on_record_signal(int sig)
{
    (void)sig;
    record_stop = 1;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL); /* a signal cuts it short: the loop checks */
}

/* Launch mode: writes what the tracer found (the exact events, the state at
 * exit as the last sample) and frees it; returns true once the program has
 * ended. */
static bool record_launch_news(struct launch_news *news, struct recording_writer *w,
                               const char *command, int *rc, const struct snapshot **last)
{
    for (size_t i = 0; i < news->n_events && *rc == 0; i++)
        *rc = recording_add_event(w, &news->events[i]);
    if (*rc == 0 && news->n_events && fflush(w->fp) != 0)
        *rc = errno ? -errno : -EIO;
    if (news->final && *rc == 0) {
        snapshot_inherit_classes(news->final, *last); /* its threads are gone */
        *last = news->final;
        *rc = recording_add(w, news->final);
        news->final = NULL;
    }
    bool ended = news->exited;
    if (ended) {
        char how[96];
        launch_describe_status(news->status, how, sizeof how);
        warnx_msg("%s %s", command, how);
    }
    launch_news_free(news);
    return ended;
}

static bool take_launch_news(struct launch *l, struct recording_writer *w, const char *command,
                             int *rc, const struct snapshot **last)
{
    struct launch_news news;
    launch_poll(l, &news);
    return record_launch_news(&news, w, command, rc, last);
}

/* Sleeps until the next sample is due, or the tracer has news. */
static void wait_until(uint64_t when, struct launch *l)
{
    uint64_t now = clock_monotonic_ns();
    if (when <= now)
        return;
    if (!l) {
        sleep_ns(when - now);
        return;
    }
    struct pollfd p = {.fd = launch_wake_fd(l), .events = POLLIN};
    poll(&p, 1, (int)((when - now) / 1000000) + 1); /* a signal cuts it short */
}

static void record_usage(FILE *fp)
{
    fputs("usage: vmscope record -p PID [-i SEC] [-d SEC] -o FILE.jsonl\n"
          "       vmscope record [-i SEC] [-d SEC] [--trace] [-u USER] [--program-output FILE]\n"
          "                      -o FILE.jsonl -- CMD [ARGS...]\n",
          fp);
}

int cmd_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},      {"interval", required_argument, NULL, 'i'},
        {"duration", required_argument, NULL, 'd'}, {"output", required_argument, NULL, 'o'},
        {"trace", no_argument, NULL, 'T'},          {"user", required_argument, NULL, 'u'},
        {"program-output", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    double interval = 1.0, duration = 0;
    const char *out = NULL, *user = NULL, *program_output = NULL;
    bool trace = false;
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
        case 'T': trace = true; break;
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
    int rc = atomic_file_open(&af, out);
    if (rc == 0 && program_output && (rc = atomic_file_open_program(&pout, program_output)) < 0) {
        atomic_file_abort(&af);
        out = program_output;
    }
    if (rc < 0) {
        atomic_file_warn(out, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    struct launch *launch = NULL;
    struct snapshot *first = NULL;
    struct launch_news early = {0}; /* what came with the state at exec */
    if (command) {
        struct launch_options lo = {.argv = command, .user = user,
                                    .output = program_output ? atomic_file_fd(&pout) : -1,
                                    .trace = trace};
        char *why = NULL;
        rc = launch_start(&lo, &launch, &why);
        if (rc < 0) {
            warnx_msg("%s", why ? why : strerror(-rc));
            free(why);
        } else if (program_output && (rc = atomic_file_publish(&pout)) < 0) {
            atomic_file_warn(program_output, rc);
        } else {
            pid = launch_pid(launch);
            launch_poll(launch, &early);
            first = early.initial;
            early.initial = NULL;
        }
    }
    if (rc == 0 && !first && (rc = capture_snapshot(pid, NULL, &first)) < 0)
        warn_capture_error(pid, rc);
    if (rc < 0) {
        launch_news_free(&early);
        launch_stop(launch);
        atomic_file_abort(&af);
        if (program_output)
            atomic_file_abort(&pout);
        return EXIT_FAILURE_RUNTIME;
    }
    struct sigaction sa = {.sa_handler = on_record_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    uint64_t step = (uint64_t)(interval * 1e9), t0 = clock_monotonic_ns();
    struct recording_writer w;
    rc = recording_start(&w, af.fp, first, step);
    const struct snapshot *last = first;
    if (rc == 0)
        rc = recording_add(&w, first);
    else
        snapshot_free(first);
    bool published = rc == 0 && (rc = atomic_file_publish(&af)) == 0;
    /* What came with the state at exec (a program quicker than the first
     * poll may have ended already). */
    bool ended = launch && record_launch_news(&early, &w, command[0], &rc, &last);
    unsigned long samples = 1;
    const char *why = ended ? "the program ended" : "stopped";
    while (rc == 0 && !record_stop && !ended) {
        uint64_t next = t0 + samples * step;
        if (duration > 0 && next - t0 > (uint64_t)(duration * 1e9)) {
            why = "duration reached";
            break;
        }
        wait_until(next, launch);
        if (launch && (ended = take_launch_news(launch, &w, command[0], &rc, &last))) {
            why = "the program ended";
            break;
        }
        if (record_stop || clock_monotonic_ns() < next)
            continue; /* woken by news, or by the signal that ends us */
        struct capture_options opt = {.previous = last};
        struct snapshot *s;
        int crc = capture_snapshot(pid, &opt, &s);
        if ((crc == -ESRCH || crc == -ENOENT) && launch)
            continue; /* the tracer has the last state and the status */
        if (crc == -EAGAIN) { /* it execs in a loop: the next tick tries again */
            samples++;
            continue;
        }
        if (crc == -ESRCH || crc == -ENOENT) {
            why = "the process exited";
            break;
        }
        if (crc < 0) {
            warn_capture_error(pid, crc);
            rc = crc;
            break;
        }
        last = s;
        rc = recording_add(&w, s);
        samples++;
    }
    if (launch && !ended && rc == 0) {
        /* Stopped early: the program goes too, and its state at exit
         * (PTRACE_EVENT_EXIT comes even for SIGKILL) closes the file. */
        kill(pid, SIGKILL);
        uint64_t give_up = clock_monotonic_ns() + 5000000000u;
        while (!ended && rc == 0 && clock_monotonic_ns() < give_up) {
            wait_until(clock_monotonic_ns() + 100000000u, launch);
            ended = take_launch_news(launch, &w, command[0], &rc, &last);
        }
    }
    launch_stop(launch);
    unsigned long written = w.samples;
    recording_finish(&w);
    if (program_output)
        atomic_file_commit(&pout); /* the program's own output: its errors are its own */
    if (!published) {
        atomic_file_abort(&af); /* the old file stays as it was */
        atomic_file_warn(out, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    int crc = atomic_file_commit(&af);
    if (rc == 0)
        rc = crc;
    if (rc < 0 && rc != -ESRCH) {
        warnx_msg("recording %s ended early: %s", out, atomic_file_strerror(rc));
        return EXIT_FAILURE_RUNTIME;
    }
    warnx_msg("%lu samples written to %s (%s)", written, out, why);
    return EXIT_OK;
}
