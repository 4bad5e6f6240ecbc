/* The program's terminal when the caller does not read it (record mode,
 * --program-output): a thread copies what the program writes to the
 * caller's descriptor, or throws it away, so the program never blocks on a
 * full terminal and never writes to ours. */
#include "trace.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmscope/util.h"

static void copy_out(struct launch *l, const char *data, size_t len)
{
    while (len > 0 && l->output_fd >= 0) {
        ssize_t n = write(l->output_fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = l->output_fd, .events = POLLOUT};
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0) { /* a full disk or a closed pipe: keep draining, stop writing */
            close(l->output_fd);
            l->output_fd = -1;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void *pump_main(void *arg)
{
    struct launch *l = arg;
    char buf[16384];
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL); /* signals are the main loop's */
    for (;;) {
        struct pollfd p[2] = {{.fd = l->master_fd, .events = POLLIN},
                              {.fd = l->pump_stop_fd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            ssize_t n = read(l->master_fd, buf, sizeof buf);
            if (n > 0) {
                copy_out(l, buf, (size_t)n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            break; /* EIO: every holder of the terminal has closed it */
        }
        if (p[1].revents) {
            ssize_t n; /* what the program wrote before it was stopped */
            while ((n = read(l->master_fd, buf, sizeof buf)) > 0)
                copy_out(l, buf, (size_t)n);
            break;
        }
    }
    return NULL;
}

int output_pump_start(struct launch *l)
{
    l->pump_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->pump_stop_fd < 0)
        return -errno;
    int rc = -pthread_create(&l->pump, NULL, pump_main, l);
    l->pump_started = rc == 0;
    return rc;
}

void output_pump_stop(struct launch *l)
{
    if (l->pump_started) {
        uint64_t one = 1;
        ssize_t n = write(l->pump_stop_fd, &one, sizeof one);
        (void)n;
        pthread_join(l->pump, NULL);
        l->pump_started = false;
    }
    if (l->pump_stop_fd >= 0)
        close(l->pump_stop_fd);
    l->pump_stop_fd = -1;
}
