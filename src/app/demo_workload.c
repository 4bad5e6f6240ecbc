/* The tour's workload: vmscope-tour (src/tour/), a small program of its
 * own, found next to this binary (the build tree) or in pkglibexecdir
 * (installed), started with an announcement pipe (its phases) and a
 * control pipe (the lecturer's keys). */
#include "vmscope/app.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/vmscope"
#endif
#define TOUR_NAME "vmscope-tour"

/* Next to the running binary first: a build tree runs its own tour. */
static void tour_path(char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            snprintf(out, size, "%.*s/%s", (int)(slash - self), self, TOUR_NAME);
            if (access(out, X_OK) == 0)
                return;
        }
    }
    snprintf(out, size, "%s/%s", PKGLIBEXECDIR, TOUR_NAME);
}

/* The first line means the tour has started: only then is its address
 * space the tour's. False when it ended first (exec failed). */
static bool wait_first_announcement(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 3000) > 0 && (p.revents & POLLIN);
}

pid_t demo_workload_spawn(const struct demo_options *o, int *announce_fd, int *control_fd)
{
    char path[PATH_MAX + 32];
    tour_path(path, sizeof path);
    if (access(path, X_OK) != 0) {
        warnx_msg("cannot run the tour program %s: %s", path, strerror(errno));
        return -ENOENT;
    }
    int out[2], ctl[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return -errno;
    /* A socket, so a write to a tour that died is EPIPE (MSG_NOSIGNAL),
     * not vmscope's SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0) {
        int err = errno;
        close(out[0]);
        close(out[1]);
        return -err;
    }
    char a_out[16], a_ctl[16], a_speed[32];
    snprintf(a_out, sizeof a_out, "%d", out[1]);
    snprintf(a_ctl, sizeof a_ctl, "%d", ctl[0]);
    snprintf(a_speed, sizeof a_speed, "%g", o->speed > 0 ? o->speed : 1.0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the watcher */
        fcntl(out[1], F_SETFD, 0);
        fcntl(ctl[0], F_SETFD, 0);
        execl(path, TOUR_NAME, a_out, a_ctl, a_speed, o->step ? "1" : "0", "0", (char *)NULL);
        _exit(127);
    }
    int err = errno;
    close(out[1]);
    close(ctl[0]);
    if (pid < 0 || !wait_first_announcement(out[0])) {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            warnx_msg("the tour program %s did not start", path);
            err = ECHILD;
        }
        close(out[0]);
        close(ctl[1]);
        return -err;
    }
    *announce_fd = out[0];
    *control_fd = ctl[1];
    return pid;
}
