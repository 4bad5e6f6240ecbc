/* The live view: vmscope -p PID, vmscope (picker), vmscope --demo.
 * One event loop: a timer for sampling, keys, terminal resize (KEY_RESIZE),
 * signals that end the program, and the demo's announcements. */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/buf.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART: getch returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void sample(struct view *v, pid_t pid, bool light);

static void export_current(struct view *v, pid_t pid)
{
    if (!v->snap)
        return;
    if (v->snap->light && !v->exited && !v->offline)
        sample(v, pid, false); /* export every smaps field, fresh */
    char name[96], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(name, sizeof name, "vmscope-%d-%s.json", (int)v->snap->proc.pid, stamp);
    struct atomic_file af;
    int rc = atomic_file_open(&af, name);
    if (rc == 0)
        rc = atomic_file_finish(&af, export_json(v->snap, 0, af.fp));
    char *cwd = getcwd(NULL, 0);
    if (rc < 0)
        snprintf(v->message, sizeof v->message, "export failed: %.96s: %.64s", name, strerror(-rc));
    else
        snprintf(v->message, sizeof v->message, "exported to %.150s/%.96s", cwd ? cwd : ".", name);
    free(cwd);
}

/* Demo announcements: keep the latest complete line. */
static void read_phase(int fd, struct buf *pending, struct view *v)
{
    char tmp[512];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, tmp, sizeof tmp)) > 0) {
        buf_append(pending, tmp, (size_t)n);
        char *nl;
        while ((nl = memchr(pending->data, '\n', pending->len))) {
            size_t len = (size_t)(nl - pending->data);
            snprintf(v->phase, sizeof v->phase, "%.*s", (int)len, pending->data);
            buf_consume(pending, len + 1);
        }
    }
}

/* Full smaps (a page-table walk of every VMA, on two threads) every
 * FULL_EVERY ticks; the ticks between read maps and a residency census,
 * which cost about a fifth (bench/bench_live.sh). */
#define FULL_EVERY 20

static void sample(struct view *v, pid_t pid, bool light)
{
    struct capture_options opt = {.previous = v->snap, .light = light};
    struct snapshot *s;
    int rc = capture_snapshot(pid, &opt, &s);
    if (rc == 0) {
        view_push_snapshot(v, s);
        return;
    }
    char *msg = capture_error_message(pid, rc);
    if (rc == -ESRCH || rc == -ENOENT) { /* we saw it alive: it exited */
        v->exited = true;
        snprintf(v->banner, sizeof v->banner,
                 " process %d exited: its last state stays on screen (q quits) ", (int)pid);
    } else {
        snprintf(v->banner, sizeof v->banner, " %s ", msg);
    }
    free(msg);
}

/* The last sample of a recording, and how many there are. */
static int load_recording(const char *file, struct snapshot **out, long *count, bool *cut,
                          char **why)
{
    return recording_read(file, -1, out, count, cut, why);
}

/* Every sample through the view, so the Timeline shows the recording. */
static void replay_into(struct view *v, const char *file)
{
    struct recording_iter it;
    char *why = NULL;
    if (recording_iter_open(&it, file, &why) < 0) {
        free(why);
        return;
    }
    const struct snapshot *s;
    while (recording_iter_next(&it, &s, &why) > 0)
        view_push_snapshot(v, snapshot_clone(s));
    free(why);
    recording_iter_close(&it);
}

static void recording_banner(struct view *v, const char *file, bool cut)
{
    char when[40];
    format_time(v->snap->realtime_ns, when, sizeof when);
    snprintf(v->banner, sizeof v->banner,
             " %.100s: sample %ld of %ld, %s (not live; [ ] move)%s ", file, v->rec_index + 1,
             v->rec_count, when, cut ? "; the file ends mid-line" : "");
}

static void seek(struct view *v, const char *file, bool cut)
{
    struct snapshot *s;
    long count;
    bool c;
    char *why = NULL;
    if (recording_read(file, v->rec_index, &s, &count, &c, &why) == 0)
        view_replace_snapshot(v, s);
    else
        snprintf(v->message, sizeof v->message, "%.200s", why ? why : "cannot read the sample");
    free(why);
    recording_banner(v, file, cut);
}

static int live_loop(pid_t pid, double interval, bool color, int announce_fd, long samples,
                     const char *file)
{
    /* The first sample (or the file) before curses: an error stays a plain
     * one-liner. */
    struct snapshot *first;
    long samples_in_file = 0;
    bool cut = false;
    if (file) {
        char *why = NULL;
        int rrc = recording_is(file) ? load_recording(file, &first, &samples_in_file, &cut, &why)
                                     : json_read_snapshot_file(file, &first, &why);
        if (rrc < 0) {
            warnx_msg("%s", why);
            free(why);
            return EXIT_FAILURE_RUNTIME;
        }
    } else {
        int rc = capture_snapshot(pid, NULL, &first);
        if (rc < 0) {
            warn_capture_error(pid, rc);
            return EXIT_FAILURE_RUNTIME;
        }
    }
    struct view v;
    view_init(&v, interval, color);
    if (samples_in_file) {
        replay_into(&v, file); /* the whole recording fills the timeline */
        if (v.snap)
            snapshot_free(first); /* the pass kept its own copy of the last */
        else
            view_push_snapshot(&v, first);
        first = v.snap;
        v.rec_count = samples_in_file;
        v.rec_index = samples_in_file - 1;
    } else {
        view_push_snapshot(&v, first);
    }
    if (file) {
        char when[40];
        format_time(first->realtime_ns, when, sizeof when);
        v.offline = v.paused = true;
        if (samples_in_file)
            recording_banner(&v, file, cut);
        else
            snprintf(v.banner, sizeof v.banner, " %.160s: saved %s (not live) ", file, when);
    }
    install_signals();
    tui_start(color);
    struct buf pending;
    buf_init(&pending);
    uint64_t next = clock_monotonic_ns() + (uint64_t)(interval * 1e9);
    unsigned tick = 0;
    while (!stop_signal) {
        read_phase(announce_fd, &pending, &v);
        tui_draw(&v);
        uint64_t now = clock_monotonic_ns();
        int wait_ms = 250;
        if (!v.paused && !v.exited)
            wait_ms = now >= next ? 0 : (int)((next - now) / 1000000) + 1;
        if (wait_ms > 250 && announce_fd >= 0)
            wait_ms = 250; /* the demo's announcements */
        timeout(wait_ms);
        int ch = getch();
        if (stop_signal)
            break;
        if (ch != ERR) {
            int flags = tui_key(&v, ch);
            if (flags & VIEW_QUIT)
                break;
            if (flags & VIEW_EXPORT)
                export_current(&v, pid);
            if (flags & VIEW_SEEK)
                seek(&v, file, cut);
            if ((flags & VIEW_FULL) && v.snap->light && !v.exited && !v.offline)
                sample(&v, pid, false);
            if (flags & VIEW_RESAMPLE)
                next = clock_monotonic_ns();
        }
        now = clock_monotonic_ns();
        if (!v.paused && !v.exited && !v.offline && now >= next) {
            /* Slow intervals can afford the full picture every time. */
            bool light = ++tick % FULL_EVERY != 0 && v.interval < 2.0;
            sample(&v, pid, light);
            next = now + (uint64_t)(v.interval * 1e9);
            if (samples > 0 && (long)tick + 1 >= samples)
                break; /* -n: the first sample was taken before the loop */
        }
    }
    tui_stop();
    buf_free(&pending);
    view_free(&v);
    if (stop_signal && stop_signal != SIGINT)
        return 128 + stop_signal;
    return EXIT_OK;
}

static void live_usage(FILE *fp)
{
    fputs("usage: vmscope [-p PID | --demo | -r FILE] [-i SEC] [-n COUNT] [--no-color]\n"
          "  (no -p)             choose a process from a list\n"
          "  -p, --pid PID       watch this process\n"
          "      --demo          watch the built-in tour workload\n"
          "  -r, --read FILE     open a snapshot saved as JSON (same screens, not live)\n"
          "  -i, --interval SEC  sample every SEC seconds (default 1)\n"
          "  -n, --samples N     exit after N samples (like top -n)\n"
          "      --no-color      no colours (also when NO_COLOR is set)\n",
          fp);
}

int cmd_live(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},   {"demo", no_argument, NULL, 'D'},
        {"interval", required_argument, NULL, 'i'}, {"no-color", no_argument, NULL, 'C'},
        {"samples", required_argument, NULL, 'n'},  {"read", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    bool demo = false;
    double interval = 1.0;
    long samples = 0;
    const char *file = NULL;
    const char *no_color = getenv("NO_COLOR");
    bool color = !(no_color && no_color[0]);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:i:n:r:h", longopts, NULL)) != -1) {
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
        case 'r': file = optarg; break;
        case 'n': {
            char *end;
            samples = strtol(optarg, &end, 10);
            if (*end || samples <= 0) {
                warnx_msg("'%s' is not a number of samples", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'h': live_usage(stdout); return EXIT_OK;
        default: live_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        warnx_msg("unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        warnx_msg("the live view needs a terminal; for a one-off picture use "
                  "'vmscope snapshot -p PID'");
        return EXIT_USAGE;
    }
    int announce_fd = -1;
    pid_t child = 0;
    if (demo) {
        child = demo_workload_spawn(&announce_fd);
        if (child < 0) {
            warnx_msg("cannot start the demo workload: %s", strerror((int)-child));
            return EXIT_FAILURE_RUNTIME;
        }
        fcntl(announce_fd, F_SETFL, fcntl(announce_fd, F_GETFL) | O_NONBLOCK);
        pid = child;
    } else if (!pid && !file) {
        tui_start(color);
        pid = picker_run();
        tui_stop();
        if (!pid)
            return EXIT_OK;
    }
    int rc = live_loop(pid, interval, color, announce_fd, samples, file);
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(announce_fd);
    }
    return rc;
}
