/* A live process (vmscope -p PID, record -p, the demo workload): sampled
 * on the loop's timer through capture.c; its page states read on request
 * for the Detail grid. The demo's phases arrive on an announcement pipe. */
#include "vmscope/source.h"
#include "vmscope/app.h"
#include "vmscope/buf.h"
#include "vmscope/capture.h"
#include "vmscope/identity.h"
#include "vmscope/pages.h"
#include "vmscope/procfile.h"
#include "vmscope/procfs.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct pid_source {
    struct source base;
    int announce_fd; /* the demo's phases, or -1 */
    struct buf pending;
    char phase[600];
    struct tour_word tour;
    int control_fd; /* the tour's control socket, or -1 */
    const struct capture_options *first_opt; /* or NULL */
    bool gone;      /* a sample found it gone: the next poll says how */
    char how[200];
};

void source_pid_first_options(struct source *s, const struct capture_options *opt)
{
    ((struct pid_source *)s)->first_opt = opt;
}

/* Demo announcements: keep the latest complete line. */
static bool read_phase(struct pid_source *p)
{
    char tmp[512];
    ssize_t n;
    bool got = false;
    while (p->announce_fd >= 0 && (n = read(p->announce_fd, tmp, sizeof tmp)) > 0) {
        buf_append(&p->pending, tmp, (size_t)n);
        char *nl;
        while ((nl = memchr(p->pending.data, '\n', p->pending.len))) {
            size_t len = (size_t)(nl - p->pending.data);
            char line[600];
            snprintf(line, sizeof line, "%.*s", (int)len, p->pending.data);
            buf_consume(&p->pending, len + 1);
            const char *sentence = tour_parse_line(&p->tour, line);
            if (sentence)
                snprintf(p->phase, sizeof p->phase, "%s", sentence);
            p->base.full_samples = p->tour.phase && p->tour.full;
            got = true;
        }
    }
    return got;
}

#define FIRST_SAMPLE_PATIENCE_MS 5000

static int pid_first(struct source *s, struct snapshot **out, char **why)
{
    struct pid_source *p = (struct pid_source *)s;
    if (p->announce_fd >= 0) { /* the demo's first lesson comes with its first picture */
        struct pollfd pfd = {.fd = p->announce_fd, .events = POLLIN};
        poll(&pfd, 1, 300);
    }
    /* A process that execs in a loop gets more time for its first
     * picture than a tick does: nothing waits on it yet, and without it
     * there is nothing to show. */
    struct capture_options opt = p->first_opt ? *p->first_opt : (struct capture_options){0};
    opt.exec_patience_ms = FIRST_SAMPLE_PATIENCE_MS;
    int rc = capture_snapshot(s->pid, &opt, out);
    if (rc < 0)
        *why = capture_error_message(s->pid, rc);
    return rc;
}

/* How a process we saw alive went: a zombie (exited, its parent has not
 * reaped it) is named as one, with its parent. */
static void describe_end(pid_t pid, char *how, size_t size)
{
    struct proc_target t;
    struct proc_stat st = {0};
    struct buf b;
    buf_init(&b);
    bool zombie = false;
    if (proc_target_open(&t, pid) == 0) {
        zombie = proc_read_file(&t, "stat", &b) == 0 && stat_parse(b.data, b.len, &st) == 0 &&
                 st.state == 'Z';
        proc_target_close(&t);
    }
    buf_free(&b);
    if (!zombie) {
        snprintf(how, size, "process %d exited", (int)pid);
        return;
    }
    struct proc_identity parent = {0};
    bool named = st.ppid > 0 && identity_read(st.ppid, &parent) == 0;
    char comm[41] = "?";
    size_t n = 0;
    /* the parent's name is its own: printable ASCII only */
    for (const char *c = named ? parent.comm : NULL; c && *c && n < sizeof comm - 1; c++)
        comm[n++] = *c >= 0x20 && *c < 0x7f ? *c : '?';
    if (n)
        comm[n] = '\0';
    snprintf(how, size, "process %d exited: a zombie until its parent %d (%s) reaps it", (int)pid,
             (int)st.ppid, comm);
    if (named)
        identity_free(&parent);
}

static int pid_sample(struct source *s, const struct snapshot *prev, enum sample_kind kind,
                      struct snapshot **out)
{
    struct pid_source *p = (struct pid_source *)s;
    struct capture_options opt = {.previous = prev, .light = kind != SAMPLE_FULL,
                                   .gate = kind == SAMPLE_GATED,
                                   .focus_start = s->focus_start, .focus_end = s->focus_end};
    int rc = capture_snapshot(s->pid, &opt, out);
    if ((rc == -ESRCH || rc == -ENOENT) && !p->gone) { /* we saw it alive: it exited */
        describe_end(s->pid, p->how, sizeof p->how);
        p->gone = true;
    }
    return rc;
}

static size_t pid_fds(struct source *s, struct pollfd *fds, size_t max)
{
    struct pid_source *p = (struct pid_source *)s;
    if (p->announce_fd < 0 || max < 1)
        return 0;
    fds[0] = (struct pollfd){.fd = p->announce_fd, .events = POLLIN};
    return 1;
}

static void pid_poll(struct source *s, struct source_news *news)
{
    struct pid_source *p = (struct pid_source *)s;
    memset(news, 0, sizeof *news);
    if (p->gone && !s->ended) { /* the end alone: a phase waits for the next poll */
        news->ended = true;
        snprintf(news->how, sizeof news->how, "%s", p->how);
        return;
    }
    if (read_phase(p)) {
        news->phase = p->phase;
        news->tour = &p->tour;
    }
}

/* Page states for the Detail grid, read once per request (loop.c asks
 * again only when the sample, the region or the cursor changed). */
int source_read_pages(pid_t pid, const struct page_request *rq, struct page_answer *a)
{
    memset(a, 0, sizeof *a);
    struct proc_target t;
    int rc = proc_target_open(&t, pid);
    if (rc < 0) {
        a->err = rc;
        return rc;
    }
    if (!rq->states_given)
        rc = pages_read_states(&t, rq->start, rq->end, rq->with_file, &a->states);
    if (rc == 0 && rq->full)
        rc = pages_read(&t, rq->start, rq->end, &a->full);
    if (rc == 0 && rq->window_hi > rq->window_lo)
        rc = pages_read(&t, rq->window_lo, rq->window_hi, &a->window);
    if (rc == 0 && rq->page)
        pages_read(&t, rq->page, rq->page + 1, &a->one); /* pages_read aligns the end */
    proc_target_close(&t);
    a->err = rc;
    return rc;
}

static int pid_pages(struct source *s, const struct page_request *rq, struct page_answer *a)
{
    return source_read_pages(s->pid, rq, a);
}

static void pid_free(struct source *s)
{
    struct pid_source *p = (struct pid_source *)s;
    if (p->announce_fd >= 0) { /* the demo workload is ours */
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        close(p->announce_fd);
    }
    if (p->control_fd >= 0)
        close(p->control_fd);
    buf_free(&p->pending);
    free(p);
}

static void pid_control(struct source *s, const char *bytes, size_t len)
{
    struct pid_source *p = (struct pid_source *)s;
    if (p->control_fd >= 0 && send(p->control_fd, bytes, len, MSG_NOSIGNAL) < 0)
        return; /* the tour is gone: its end shows as the process's */
}

static const struct source_ops pid_ops = {
    .first = pid_first, .sample = pid_sample, .fds = pid_fds, .poll = pid_poll,
    .pages = pid_pages, .control = pid_control, .free = pid_free,
};

struct source *source_pid_new(pid_t pid, int announce_fd)
{
    struct pid_source *p = xcalloc(1, sizeof *p);
    p->base.ops = &pid_ops;
    p->base.caps = SOURCE_TIMER | SOURCE_PAGES;
    p->base.pid = pid;
    p->announce_fd = announce_fd;
    p->control_fd = -1;
    if (announce_fd >= 0)
        fcntl(announce_fd, F_SETFL, fcntl(announce_fd, F_GETFL) | O_NONBLOCK);
    buf_init(&p->pending);
    return &p->base;
}

struct source *source_tour_new(pid_t pid, int announce_fd, int control_fd)
{
    struct source *s = source_pid_new(pid, announce_fd);
    ((struct pid_source *)s)->control_fd = control_fd;
    return s;
}

void source_free(struct source *s)
{
    if (s)
        s->ops->free(s);
}
