/* A program launched under ptrace (vmscope -- CMD, record -- CMD): the
 * tracer (launch.h) catches its state at exec and at exit and, with
 * --trace, every memory-map call; between those the loop samples it on
 * its timer like a pid. Its terminal output is kept for the Output screen. */
#include "vmscope/source.h"
#include "vmscope/capture.h"
#include "vmscope/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The program's output, kept for the Output screen. */
#define OUTPUT_KEEP (1u << 20)

struct launch_source {
    struct source base;
    struct launch *launch;
    const char *command;
    struct byte_ring output;
    bool output_ended; /* its pty hung up: polling it would return at once, forever */
    bool pending;      /* news that came with the first picture, not yet told */
    struct launch_news news; /* the last batch, freed at the next poll */
};

static void describe_end(struct launch_source *l, int status, struct source_news *news)
{
    char how[96];
    launch_describe_status(status, how, sizeof how);
    news->ended = true;
    snprintf(news->how, sizeof news->how, "%.60s (pid %d) %s", l->command, (int)l->base.pid, how);
    /* The fault that killed it, when the tracer saw it (its signal-delivery stop). */
    if (WIFSIGNALED(status) && l->news.crash.known && WTERMSIG(status) == l->news.crash.signo)
        news->crash = l->news.crash;
}

static int launch_first(struct source *s, struct snapshot **out, char **why)
{
    struct launch_source *l = (struct launch_source *)s;
    launch_news_free(&l->news);
    launch_poll(l->launch, &l->news);
    l->pending = true;
    if (l->news.initial) { /* the state right after exec */
        *out = l->news.initial;
        l->news.initial = NULL;
        return 0;
    }
    int rc = capture_snapshot(s->pid, NULL, out);
    if (rc < 0 && asprintf(why, "%s exited before vmscope could read its address space",
                           l->command) < 0)
        *why = NULL;
    return rc;
}

static int launch_sample(struct source *s, const struct snapshot *prev, enum sample_kind kind,
                         struct snapshot **out)
{
    struct capture_options opt = {.previous = prev, .light = kind != SAMPLE_FULL,
                                   .gate = kind == SAMPLE_GATED,
                                   .focus_start = s->focus_start, .focus_end = s->focus_end};
    int rc = capture_snapshot(s->pid, &opt, out);
    return rc == -ESRCH || rc == -ENOENT ? -EAGAIN : rc; /* the tracer reports the end */
}

static size_t launch_fds(struct source *s, struct pollfd *fds, size_t max)
{
    struct launch_source *l = (struct launch_source *)s;
    size_t n = 0;
    if (n < max)
        fds[n++] = (struct pollfd){.fd = launch_wake_fd(l->launch), .events = POLLIN};
    int out = launch_output_fd(l->launch);
    if (out >= 0 && !l->output_ended && n < max)
        fds[n++] = (struct pollfd){.fd = out, .events = POLLIN};
    return n;
}

static bool read_output(struct launch_source *l)
{
    int fd = !l->output_ended ? launch_output_fd(l->launch) : -1;
    char tmp[4096];
    ssize_t n = 0;
    bool got = false;
    while (fd >= 0 && (n = read(fd, tmp, sizeof tmp)) > 0) {
        byte_ring_append(&l->output, tmp, (size_t)n);
        got = true;
    }
    /* EIO once every holder of the terminal's other side is gone */
    if (fd >= 0 && n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
        l->output_ended = true;
    return got;
}

static void launch_poll_news(struct source *s, struct source_news *news)
{
    struct launch_source *l = (struct launch_source *)s;
    memset(news, 0, sizeof *news);
    news->output = read_output(l);
    if (!l->pending) { /* else what came with the state at exec is still to tell */
        launch_news_free(&l->news);
        launch_poll(l->launch, &l->news);
    }
    l->pending = false;
    snapshot_free(l->news.initial); /* the first picture came already */
    l->news.initial = NULL;
    news->events = l->news.events;
    news->n_events = l->news.n_events;
    if (l->news.final && !s->ended) {
        news->state = l->news.final;
        l->news.final = NULL;
    }
    if (l->news.exited && !s->ended)
        describe_end(l, l->news.status, news);
    l->news.exited = false;
}

static int launch_pages(struct source *s, const struct page_request *rq, struct page_answer *a)
{
    return source_read_pages(s->pid, rq, a);
}

static void launch_kill(struct source *s)
{
    kill(s->pid, SIGKILL);
}

static void launch_free(struct source *s)
{
    struct launch_source *l = (struct launch_source *)s;
    launch_news_free(&l->news);
    launch_stop(l->launch);
    byte_ring_free(&l->output);
    free(l);
}

static const struct source_ops launch_ops = {
    .first = launch_first, .sample = launch_sample, .fds = launch_fds,
    .poll = launch_poll_news, .pages = launch_pages, .kill = launch_kill, .free = launch_free,
};

struct source *source_launch_new(struct launch *launch, const char *command, bool trace,
                                 const char *output_file)
{
    struct launch_source *l = xcalloc(1, sizeof *l);
    l->base.ops = &launch_ops;
    l->base.caps = SOURCE_TIMER | SOURCE_PAGES | SOURCE_OUTPUT | SOURCE_REPORTS_END |
                   (trace ? SOURCE_EVENTS : 0);
    l->base.pid = launch_pid(launch);
    l->base.name = command;
    /* The tracer wakes us per batch of events: a trickle waits for a look. */
    l->base.poll_ms = trace ? 250 : 0;
    l->launch = launch;
    l->command = command;
    bool pty = launch_output_fd(launch) >= 0;
    byte_ring_init(&l->output, pty ? OUTPUT_KEEP : 1);
    if (pty)
        l->base.output = &l->output;
    else if (output_file)
        snprintf(l->base.output_note, sizeof l->base.output_note,
                 "The program's output goes to %.200s (--program-output).", output_file);
    return &l->base;
}
