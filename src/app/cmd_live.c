/* The live view: vmscope -p PID, vmscope (picker), vmscope --demo.
 * One event loop: a timer for sampling, keys, terminal resize (KEY_RESIZE),
 * signals that end the program, and the demo's announcements. */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/buf.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/launch.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
    if (v->launched && (rc == -ESRCH || rc == -ENOENT))
        return; /* the tracer reports the exit, with the last state and the status */
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

static void replay_event(void *arg, const struct syscall_event *e)
{
    struct view *v = arg;
    if (!v->tracing)
        view_enable_trace(v); /* the recording was made with --trace */
    view_add_syscall_event(v, e);
}

/* Every sample through the view, so the Timeline shows the recording (and
 * the traced calls, when it has them). */
static void replay_into(struct view *v, const char *file)
{
    struct recording_iter it;
    char *why = NULL;
    if (recording_iter_open(&it, file, &why) < 0) {
        free(why);
        return;
    }
    it.on_event = replay_event;
    it.event_arg = v;
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

/* What the live view watches: a pid, a file, or a program it launched. */
struct live_source {
    pid_t pid;
    const char *file;
    struct launch *launch;
    const char *command; /* launch mode: CMD, for the exit banner */
    int announce_fd;     /* the demo's phases, or -1 */
    bool launch_output;  /* launch mode: the program's output is in a pty */
    bool output_ended;   /* its pty hung up: polling it would return at once, forever */
    const char *output_file;
};

/* The program's output, kept for the Output screen. */
#define OUTPUT_KEEP (1u << 20)

static void read_output(struct live_source *src, struct byte_ring *out)
{
    int fd = src->launch && !src->output_ended ? launch_output_fd(src->launch) : -1;
    char tmp[4096];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, tmp, sizeof tmp)) > 0)
        byte_ring_append(out, tmp, (size_t)n);
    /* EIO once every holder of the terminal's other side is gone */
    if (fd >= 0 && n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
        src->output_ended = true;
}

static void show_exit(struct view *v, const struct live_source *src, int status)
{
    char how[96];
    launch_describe_status(status, how, sizeof how);
    v->exited = true;
    snprintf(v->banner, sizeof v->banner,
             " %.60s (pid %d) %s: its last address space stays on screen (q quits) ",
             src->command, (int)src->pid, how);
}

/* What the tracer found: exact events, the state at exec and at exit. */
static void apply_launch_news(struct view *v, const struct live_source *src)
{
    struct launch_news news;
    launch_poll(src->launch, &news);
    for (size_t i = 0; i < news.n_events && v->tracing; i++)
        view_add_syscall_event(v, &news.events[i]);
    if (news.initial && !v->snap) {
        view_push_snapshot(v, news.initial);
        news.initial = NULL;
    }
    if (news.final && !v->exited) {
        view_push_snapshot(v, news.final);
        news.final = NULL;
    }
    if (news.exited && !v->exited)
        show_exit(v, src, news.status);
    launch_news_free(&news);
}

/* The first picture, before curses: an error stays a plain one-liner. */
static int first_snapshot(struct view *v, struct live_source *src, long *samples_in_file,
                          bool *cut)
{
    struct snapshot *first = NULL;
    if (src->launch) {
        apply_launch_news(v, src);
        if (v->snap)
            return 0;
    }
    if (src->file) {
        char *why = NULL;
        int rrc = recording_is(src->file)
                      ? load_recording(src->file, &first, samples_in_file, cut, &why)
                      : json_read_snapshot_file(src->file, &first, &why);
        if (rrc < 0) {
            warnx_msg("%s", why);
            free(why);
            return -1;
        }
    } else {
        int rc = capture_snapshot(src->pid, NULL, &first);
        if (rc < 0) {
            if (src->launch)
                warnx_msg("%s exited before vmscope could read its address space",
                          src->command);
            else
                warn_capture_error(src->pid, rc);
            return -1;
        }
    }
    if (*samples_in_file) {
        replay_into(v, src->file); /* the whole recording fills the timeline */
        if (v->snap)
            snapshot_free(first); /* the pass kept its own copy of the last */
        else
            view_push_snapshot(v, first);
        v->rec_count = *samples_in_file;
        v->rec_index = *samples_in_file - 1;
    } else {
        view_push_snapshot(v, first);
    }
    return 0;
}

/* Waits for a key, news or the next sample, whichever comes first. */
static void wait_for_input(const struct live_source *src, int wait_ms)
{
    struct pollfd fds[4];
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    if (src->announce_fd >= 0)
        fds[n++] = (struct pollfd){.fd = src->announce_fd, .events = POLLIN};
    if (src->launch) {
        fds[n++] = (struct pollfd){.fd = launch_wake_fd(src->launch), .events = POLLIN};
        if (launch_output_fd(src->launch) >= 0 && !src->output_ended)
            fds[n++] = (struct pollfd){.fd = launch_output_fd(src->launch), .events = POLLIN};
    }
    poll(fds, n, wait_ms); /* a signal (SIGWINCH too) ends it early */
}

static int live_loop(struct live_source *src, double interval, bool color, long samples,
                     bool trace)
{
    struct view v;
    view_init(&v, interval, color);
    struct byte_ring output;
    byte_ring_init(&output, src->launch_output ? OUTPUT_KEEP : 1);
    if (src->launch) {
        v.launched = true;
        if (src->launch_output)
            v.output = &output;
        else
            snprintf(v.output_note, sizeof v.output_note,
                     "The program's output goes to %.200s (--output).", src->output_file);
        if (trace)
            view_enable_trace(&v);
    }
    long samples_in_file = 0;
    bool cut = false;
    if (first_snapshot(&v, src, &samples_in_file, &cut) < 0) {
        view_free(&v);
        byte_ring_free(&output);
        return EXIT_FAILURE_RUNTIME;
    }
    pid_t pid = src->pid;
    const char *file = src->file;
    if (file) {
        char when[40];
        format_time(v.snap->realtime_ns, when, sizeof when);
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
    bool quit = false;
    while (!stop_signal && !quit) {
        read_phase(src->announce_fd, &pending, &v);
        read_output(src, &output);
        if (src->launch)
            apply_launch_news(&v, src);
        tui_draw(&v);
        uint64_t now = clock_monotonic_ns();
        int wait_ms = 250;
        if (!v.paused && !v.exited)
            wait_ms = now >= next ? 0 : (int)((next - now) / 1000000) + 1;
        if (wait_ms > 250)
            wait_ms = 250;
        wait_for_input(src, wait_ms);
        if (stop_signal)
            break;
        timeout(0);
        for (int ch; !quit && (ch = getch()) != ERR;) {
            int flags = tui_key(&v, ch);
            if (flags & VIEW_QUIT)
                quit = true;
            if (flags & VIEW_EXPORT)
                export_current(&v, pid);
            if (flags & VIEW_SEEK)
                seek(&v, file, cut);
            if ((flags & VIEW_FULL) && v.snap->light && !v.exited && !v.offline)
                sample(&v, pid, false);
            if (flags & VIEW_RESAMPLE)
                next = clock_monotonic_ns();
        }
        if (src->launch)
            apply_launch_news(&v, src); /* the exit state before a sample could miss it */
        now = clock_monotonic_ns();
        if (!quit && !v.paused && !v.exited && !v.offline && now >= next) {
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
    byte_ring_free(&output);
    if (stop_signal && stop_signal != SIGINT)
        return 128 + stop_signal;
    return EXIT_OK;
}

static void live_usage(FILE *fp)
{
    fputs("usage: vmscope [-p PID | --demo | -r FILE] [-i SEC] [-n COUNT] [--no-color]\n"
          "       vmscope [-i SEC] [--trace] [-u USER] [--output FILE] -- CMD [ARGS...]\n"
          "  (no -p)             choose a process from a list\n"
          "  -p, --pid PID       watch this process\n"
          "  -- CMD ARGS         launch CMD and watch it from exec to exit; its last state\n"
          "                      stays on screen with the exit status\n"
          "      --trace         (launch) every brk/mmap/munmap/mremap/mprotect/madvise,\n"
          "                      exactly, for every thread and child\n"
          "  -u, --user USER     (launch, as root) run CMD as USER\n"
          "      --output FILE   (launch) CMD's output to FILE instead of the Output screen\n"
          "      --demo          watch the built-in tour workload\n"
          "  -r, --read FILE     open a snapshot or recording (same screens, not live)\n"
          "  -i, --interval SEC  sample every SEC seconds (default 1)\n"
          "  -n, --samples N     exit after N samples (like top -n)\n"
          "      --no-color      no colours (also when NO_COLOR is set)\n",
          fp);
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
        {"trace", no_argument, NULL, 'T'},          {"user", required_argument, NULL, 'u'},
        {"output", required_argument, NULL, 'O'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct live_source src = {.announce_fd = -1};
    bool demo = false, trace = false;
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
            if (!parse_pid(optarg, &src.pid))
                return EXIT_USAGE;
            break;
        case 'D': demo = true; break;
        case 'i':
            if (!parse_interval(optarg, &interval))
                return EXIT_USAGE;
            break;
        case 'C': color = false; break;
        case 'r': src.file = optarg; break;
        case 'T': trace = true; break;
        case 'u': user = optarg; break;
        case 'O': src.output_file = optarg; break;
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
    char **command = optind < argc ? argv + optind : NULL;
    if (command && (src.pid || demo || src.file)) {
        warnx_msg("-- CMD launches a program: it does not go with -p, --demo or -r");
        return EXIT_USAGE;
    }
    if (!command && (trace || user || src.output_file)) {
        warnx_msg("--trace, -u and --output are for a launched program: vmscope [opts] -- CMD");
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        warnx_msg("the live view needs a terminal; for a one-off picture use "
                  "'vmscope snapshot -p PID'%s",
                  command ? ", to keep a launched program's story 'vmscope record -o FILE -- CMD'"
                          : "");
        return EXIT_USAGE;
    }
    pid_t child = 0;
    if (command) {
        int out_fd = src.output_file ? open_program_output(src.output_file) : -1;
        if (src.output_file && out_fd < 0)
            return EXIT_FAILURE_RUNTIME;
        struct launch_options lo = {.argv = command, .user = user, .output = out_fd,
                                    .pty = !src.output_file, .trace = trace};
        terminal_size(&lo.rows, &lo.cols);
        char *why = NULL;
        int lrc = launch_start(&lo, &src.launch, &why);
        if (out_fd >= 0)
            close(out_fd); /* launch keeps its own copy */
        if (lrc < 0) {
            warnx_msg("%s", why);
            free(why);
            return EXIT_FAILURE_RUNTIME;
        }
        src.pid = launch_pid(src.launch);
        src.command = command[0];
        src.launch_output = !src.output_file;
    } else if (demo) {
        child = demo_workload_spawn(&src.announce_fd);
        if (child < 0) {
            warnx_msg("cannot start the demo workload: %s", strerror((int)-child));
            return EXIT_FAILURE_RUNTIME;
        }
        fcntl(src.announce_fd, F_SETFL, fcntl(src.announce_fd, F_GETFL) | O_NONBLOCK);
        src.pid = child;
    } else if (!src.pid && !src.file) {
        tui_start(color);
        src.pid = picker_run();
        tui_stop();
        if (!src.pid)
            return EXIT_OK;
    }
    int rc = live_loop(&src, interval, color, samples, trace);
    launch_stop(src.launch);
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(src.announce_fd);
    }
    return rc;
}
