/* vmscope demo: run the demo workload and print its snapshot every
 * interval (the headless tour; the TUI's --demo shows the same workload). */
#include "vmscope/app.h"
#include "vmscope/buf.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Reads whatever announcements arrived; keeps the latest complete line. */
static void read_announcements(int fd, struct buf *pending, struct buf *latest)
{
    char tmp[512];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0) {
        buf_append(pending, tmp, (size_t)n);
        char *nl;
        while ((nl = memchr(pending->data, '\n', pending->len))) {
            buf_reset(latest);
            buf_append(latest, pending->data, (size_t)(nl - pending->data));
            buf_consume(pending, (size_t)(nl - pending->data) + 1);
        }
    }
}

int cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"interval", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double interval = 1.0;
    long count = -1;
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
        case 'h':
            puts("usage: vmscope demo [-i SEC] [-n COUNT]\n"
                 "Runs the built-in tour workload and prints its address space every SEC.");
            return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    int announce_fd;
    pid_t child = demo_workload_spawn(&announce_fd);
    if (child < 0) {
        warnx_msg("cannot start the demo workload: %s", strerror((int)-child));
        return EXIT_FAILURE_RUNTIME;
    }
    /* Announcements are drained without blocking between frames. */
    fcntl(announce_fd, F_SETFL, fcntl(announce_fd, F_GETFL) | O_NONBLOCK);
    struct sigaction sa = {.sa_handler = on_stop};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    bool tty = isatty(STDOUT_FILENO);
    struct buf pending, latest, safe;
    buf_init(&pending);
    buf_init(&latest);
    buf_init(&safe);
    int status = EXIT_OK;
    for (long shown = 0; !stop_requested && (count < 0 || shown < count); shown++) {
        struct pollfd pfd = {.fd = announce_fd, .events = POLLIN};
        poll(&pfd, 1, shown ? (int)(interval * 1000) : 300);
        if (stop_requested)
            break;
        read_announcements(announce_fd, &pending, &latest);
        struct snapshot *snap;
        int rc = capture_snapshot(child, NULL, &snap);
        if (rc < 0) {
            warn_capture_error(child, rc);
            status = EXIT_FAILURE_RUNTIME;
            break;
        }
        if (tty)
            fputs("\033[H\033[2J", stdout);
        buf_reset(&safe);
        sanitize_display(&safe, latest.data ? latest.data : "", latest.len);
        printf("vmscope demo (pid %d)  %s\n\n", (int)child, safe.data ? safe.data : "");
        export_text(snap, EXPORT_TO_TERMINAL, stdout);
        errno = 0;
        bool lost = fflush(stdout) != 0 || ferror(stdout);
        snapshot_free(snap);
        if (lost) {
            warnx_msg("cannot write standard output: %s", strerror(errno ? errno : EIO));
            status = EXIT_FAILURE_RUNTIME;
            break;
        }
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(announce_fd);
    buf_free(&pending);
    buf_free(&latest);
    buf_free(&safe);
    return status;
}
