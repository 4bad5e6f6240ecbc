/* The one loop: source -> sink for every mode (see loop.h). It sleeps in
 * poll() until a sample is due, the source has news or a key arrives: an
 * idle view of a paused or slow source costs nothing between samples. */
#include "vmscope/loop.h"
#include "vmscope/app.h"
#include "vmscope/capture.h"
#include "vmscope/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART: poll returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Started with SIGHUP ignored (nohup, some su and setsid wrappers):
     * it stays ignored, and the terminal's end is seen by poll instead. */
    struct sigaction old;
    if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
        sigaction(SIGHUP, &sa, NULL);
}

/* Passes what the source found to the sink (the events, the state it
 * caught, then the end, in that order); returns 0 or the sink's -errno. */
static int take_news(struct source *src, struct sink *k, const char **end)
{
    struct source_news news;
    src->ops->poll(src, &news);
    int rc = 0;
    for (size_t i = 0; i < news.n_events && rc == 0; i++)
        rc = k->ops->event(k, &news.events[i]);
    if (news.state) {
        /* The state at exit is read once the threads are gone: regions
         * that did not change keep the classes they had while it ran. */
        const struct snapshot *cur = k->ops->current(k);
        snapshot_inherit_classes(news.state, cur);
        /* The tracer read it while the process was held in its exit stop;
         * a sample the loop began meanwhile saw that same address space
         * and went out first. Samples go out in time order. */
        if (cur && news.state->monotonic_ns < cur->monotonic_ns) {
            news.state->monotonic_ns = cur->monotonic_ns;
            news.state->realtime_ns = cur->realtime_ns;
        }
        if (rc == 0)
            rc = k->ops->sample(k, news.state);
        else
            snapshot_free(news.state);
    }
    if (news.ended) {
        src->ended = true;
        *end = "the program ended";
    }
    if (news.phase || news.output || news.ended || news.n_events || news.crash.known)
        k->ops->news(k, &news);
    return rc;
}

/* A sample now; the end of a pid that is gone becomes news. */
static int take_sample(struct source *src, struct sink *k, enum sample_kind kind,
                       const char **end)
{
    struct snapshot *s;
    int rc = src->ops->sample(src, k->ops->current(k), kind, &s);
    if (rc == 0)
        return k->ops->sample(k, s);
    if (rc == -EAGAIN)
        return 0; /* the tracer reports the exit, with the last state */
    if (rc == -ESRCH || rc == -ENOENT) { /* we saw it alive: it exited */
        struct source_news news;
        src->ops->poll(src, &news); /* the source read how it went (source.h) */
        snapshot_free(news.state);  /* only the end is taken here */
        if (!news.ended) {
            news.ended = true;
            snprintf(news.how, sizeof news.how, "process %d exited", (int)src->pid);
        }
        src->ended = true;
        *end = "the process exited";
        k->ops->news(k, &news);
        return 0;
    }
    char *msg = capture_error_message(src->pid, rc);
    k->ops->trouble(k, msg);
    free(msg);
    return (k->caps & SINK_STAYS) ? 0 : rc;
}

#define MAX_FDS 8

/* What the keys ask for, once poll has looked at the terminal (p, ready
 * as poll returned): a hang-up or an error is the end of the terminal. */
static unsigned key_requests(struct sink *k, const struct pollfd *p, int ready)
{
    short ev = ready > 0 ? p->revents : 0;
    if (ev & (POLLHUP | POLLERR | POLLNVAL))
        return SINK_LOST;
    if ((ev & POLLIN) || ready < 0) /* a key, or a signal: SIGWINCH is a key */
        return k->ops->input(k, ev & POLLIN);
    return 0;
}

/* The exit status once the loop is over: a signal's, else status. */
static int exit_status(int status)
{
    if (stop_signal && stop_signal != SIGINT)
        return 128 + stop_signal;
    return status;
}

int loop_keys(struct sink *k)
{
    stop_signal = 0;
    install_signals();
    int status = EXIT_OK;
    while (!stop_signal) {
        k->ops->draw(k, NULL);
        struct pollfd p = {.fd = k->input_fd, .events = POLLIN};
        /* a sink with an interval (the picker's refresh) is drawn on it */
        int ready = poll(&p, 1, k->interval > 0 ? (int)(k->interval * 1000) : -1);
        if ((ready < 0 && errno != EINTR) || stop_signal)
            break;
        unsigned req = key_requests(k, &p, ready);
        if (req & SINK_LOST)
            status = EXIT_FAILURE_RUNTIME;
        if (req & (SINK_LOST | SINK_QUIT))
            break;
    }
    k->ops->finish(k, "done", 0);
    return exit_status(status);
}

/* Samples are due on the timer: a live source, not ended, not paused. */
static bool sampling(const struct source *src, const struct sink *k)
{
    return (src->caps & SOURCE_TIMER) && !src->ended && !k->paused;
}

/* What the tick-th timer sample reads: with light samples, the full smaps
 * every LOOP_FULL_EVERY ticks (always at slow intervals, which can
 * afford it), an ungated light sample every LOOP_LIGHT_EVERY, and
 * between them a gated one. */
static enum sample_kind tick_kind(const struct loop_options *o, const struct source *src,
                                  const struct sink *k, unsigned tick)
{
    /* Slow intervals can afford the full picture every time; the tour
     * asks for it while a phase speaks of smaps fields. */
    if (!o->light || k->interval >= 2.0 || src->full_samples || tick % LOOP_FULL_EVERY == 0)
        return SAMPLE_FULL;
    return tick % LOOP_LIGHT_EVERY == 0 ? SAMPLE_LIGHT : SAMPLE_GATED;
}

/* How long poll may sleep: until the next sample (forever when none is
 * due: paused, a file, the end), or the source's own look. */
static int wait_ms(const struct source *src, const struct sink *k, uint64_t next, bool full_due)
{
    int ms = -1;
    uint64_t now = clock_monotonic_ns();
    if (full_due)
        return 0;
    if (sampling(src, k))
        ms = now >= next ? 0 : (int)((next - now + 999999) / 1000000);
    if (src->poll_ms > 0 && !src->ended && (ms < 0 || ms > src->poll_ms))
        ms = src->poll_ms;
    return ms;
}

int loop_run(struct source *src, struct sink *k, const struct loop_options *o)
{
    struct snapshot *first;
    char *why = NULL;
    if (source_first(src, &first, &why) < 0) {
        warnx_msg("%s", why ? why : "cannot read the first sample");
        free(why);
        return EXIT_FAILURE_RUNTIME;
    }
    if (k->caps & SINK_ONCE) { /* snapshot: one picture, no loop */
        int rc = k->ops->start(k, src, first);
        return k->ops->finish(k, "done", rc) < 0 ? EXIT_FAILURE_RUNTIME : EXIT_OK;
    }
    stop_signal = 0;
    install_signals();
    int rc = k->ops->start(k, src, first);
    uint64_t t0 = clock_monotonic_ns();
    uint64_t next = t0 + (uint64_t)(k->interval * 1e9);
    unsigned tick = 0;
    long samples = 1;
    const char *end = "stopped";
    int status = EXIT_OK;
    bool busy = k->ops->background != NULL; /* work ready between keys: do not sleep */
    bool full_due = false; /* a full sample asked for, taken once the frame is drawn */
    while (rc == 0 && !stop_signal) {
        rc = take_news(src, k, &end);
        if (rc < 0)
            break;
        if (src->ended && !(k->caps & SINK_STAYS))
            break;
        if (o->duration > 0 && next - t0 > (uint64_t)(o->duration * 1e9)) {
            end = "duration reached";
            break;
        }
        if (k->ops->draw)
            k->ops->draw(k, src);
        struct pollfd fds[MAX_FDS];
        size_t n = src->ops->fds(src, fds, MAX_FDS - 1);
        long key_slot = -1;
        if (k->input_fd >= 0) {
            key_slot = (long)n;
            fds[n++] = (struct pollfd){.fd = k->input_fd, .events = POLLIN};
        }
        int ready = poll(fds, n, busy ? 0 : wait_ms(src, k, next, full_due));
        if (ready < 0 && errno != EINTR)
            break;
        if (stop_signal)
            break;
        unsigned req = key_slot >= 0 ? key_requests(k, &fds[key_slot], ready) : 0;
        if (req & SINK_LOST) {
            status = EXIT_FAILURE_RUNTIME;
            break;
        }
        if (req & SINK_QUIT)
            break;
        if (req & SINK_SEEK)
            k->ops->seek(k, src);
        bool live = (src->caps & SOURCE_TIMER) && !src->ended;
        if ((req & SINK_FULL) && live) {
            const struct snapshot *cur = k->ops->current(k);
            /* An export needs it now; a screen (Detail) is drawn first
             * from the light sample and gets the full one right after. */
            if (cur && cur->light && (req & SINK_EXPORT))
                rc = take_sample(src, k, SAMPLE_FULL, &end);
            else if (cur && cur->light)
                full_due = true;
        }
        if (req & SINK_EXPORT)
            k->ops->export(k);
        if (req & SINK_RESAMPLE)
            next = clock_monotonic_ns();
        if (rc < 0)
            break;
        /* A key's answer is drawn before more of the work. */
        if (k->ops->background && !(key_slot >= 0 && ready > 0 && fds[key_slot].revents))
            busy = k->ops->background(k, src);
        /* The exit state before a sample could miss it. */
        rc = take_news(src, k, &end);
        uint64_t now = clock_monotonic_ns();
        if (rc == 0 && full_due && (src->caps & SOURCE_TIMER) && !src->ended &&
            !(key_slot >= 0 && ready > 0 && fds[key_slot].revents)) {
            full_due = false;
            const struct snapshot *cur = k->ops->current(k);
            if (cur && cur->light) /* a tick may have brought a full one since */
                rc = take_sample(src, k, SAMPLE_FULL, &end);
        } else if (rc == 0 && sampling(src, k) && now >= next) {
            /* The first tick is full: a launched program's first picture
             * is from exec, and PSS must not wait LOOP_FULL_EVERY ticks. */
            rc = take_sample(src, k, tick_kind(o, src, k, tick++), &end);
            samples++;
            /* A view waits a whole interval after a slow sample; a
             * recording keeps its grid of sample times. */
            uint64_t step = (uint64_t)(k->interval * 1e9);
            next = !o->grid ? now + step : next + step;
            if (next < now)
                next = now + step; /* fell behind: no burst to catch up */
            if (o->samples > 0 && samples >= o->samples)
                break;
        }
    }
    if (o->drain && !src->ended && rc == 0 && (src->caps & SOURCE_REPORTS_END)) {
        /* Stopped early: the program goes too, and its state at exit
         * (PTRACE_EVENT_EXIT comes even for SIGKILL) closes the file. */
        src->ops->kill(src);
        uint64_t give_up = clock_monotonic_ns() + 5000000000u;
        const char *killed; /* it ended because it was stopped: `end` stays */
        while (!src->ended && rc == 0 && clock_monotonic_ns() < give_up) {
            struct pollfd fds[MAX_FDS];
            size_t n = src->ops->fds(src, fds, MAX_FDS);
            poll(fds, n, 100);
            rc = take_news(src, k, &killed);
        }
    }
    rc = k->ops->finish(k, end, rc);
    if (rc < 0 && rc != -ESRCH)
        return EXIT_FAILURE_RUNTIME;
    return exit_status(status);
}
