/* Launch mode's API (see launch.h) and the event queue between the tracer
 * thread and the caller's loop. */
#include "trace.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmscope/compat.h"
#include "vmscope/features.h"
#include "vmscope/util.h"

#define EVENT_QUEUE_MAX 65536  /* the tracee waits rather than an event being lost */
/* Events wake the caller in batches: a wake per call would cost the traced
 * program a context switch per call on a 2-CPU machine. The caller polls at
 * least every sample interval (and every 250 ms in the live view) anyway. */
#define EVENT_WAKE_BATCH 4096

void launch_wake(struct launch *l)
{
    uint64_t one = 1;
    ssize_t n = write(l->wake_fd, &one, sizeof one);
    (void)n;
}

void launch_queue_event(struct launch *l, const struct syscall_event *e)
{
    pthread_mutex_lock(&l->lock);
    while (l->news.n_events >= EVENT_QUEUE_MAX && !l->quit)
        pthread_cond_wait(&l->cond, &l->lock);
    if (!l->quit) {
        xgrow((void **)&l->news.events, &l->events_cap, l->news.n_events + 1,
              sizeof *l->news.events);
        l->news.events[l->news.n_events++] = *e;
        if (l->news.n_events == EVENT_WAKE_BATCH || l->news.n_events == EVENT_QUEUE_MAX)
            launch_wake(l);
    }
    pthread_mutex_unlock(&l->lock);
}

void launch_set_started(struct launch *l, int err, char *why)
{
    pthread_mutex_lock(&l->lock);
    l->started = true;
    l->start_error = err;
    l->start_why = why;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

bool launch_quitting(struct launch *l)
{
    pthread_mutex_lock(&l->lock);
    bool q = l->quit;
    pthread_mutex_unlock(&l->lock);
    return q;
}

static void launch_free(struct launch *l)
{
    output_pump_stop(l);
    if (l->master_fd >= 0)
        close(l->master_fd);
    if (l->output_fd >= 0)
        close(l->output_fd);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    spawn_free(l);
    launch_news_free(&l->news);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l->start_why);
    free(l->tasks);
    free(l->open);
    free(l);
}

int launch_start(const struct launch_options *o, struct launch **out, char **why)
{
    *out = NULL;
    *why = NULL;
    struct launch *l = xcalloc(1, sizeof *l);
    l->opt = *o;
    l->master_fd = l->output_fd = l->wake_fd = l->pump_stop_fd = -1;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    kernel_features(); /* probed once, before a second thread could race for it */
    int rc = spawn_prepare(l, why);
    if (rc == 0 && (l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        rc = -errno;
        *why = xasprintf("cannot start the tracer: %s", strerror(-rc));
    }
    if (rc == 0 && !l->opt.pty && (rc = output_pump_start(l)) < 0)
        *why = xasprintf("cannot start the tracer: %s", strerror(-rc));
    if (rc == 0 && (rc = -pthread_create(&l->thread, NULL, tracer_main, l)) != 0)
        *why = xasprintf("cannot start the tracer: %s", strerror(-rc));
    if (rc < 0) {
        launch_free(l);
        return rc;
    }
    l->thread_started = true;
    pthread_mutex_lock(&l->lock);
    while (!l->started)
        pthread_cond_wait(&l->cond, &l->lock);
    rc = l->start_error;
    pthread_mutex_unlock(&l->lock);
    if (rc < 0) {
        *why = l->start_why;
        l->start_why = NULL;
        pthread_join(l->thread, NULL);
        launch_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

pid_t launch_pid(const struct launch *l)
{
    return l->pid;
}

int launch_output_fd(const struct launch *l)
{
    return l->opt.pty ? l->master_fd : -1;
}

int launch_wake_fd(const struct launch *l)
{
    return l->wake_fd;
}

void launch_poll(struct launch *l, struct launch_news *news)
{
    uint64_t count;
    ssize_t n = read(l->wake_fd, &count, sizeof count);
    (void)n;
    pthread_mutex_lock(&l->lock);
    *news = l->news;
    bool exited = l->news.exited;
    int status = l->news.status;
    memset(&l->news, 0, sizeof l->news);
    l->news.exited = exited; /* stays true: later polls still know */
    l->news.status = status;
    l->news.crash = news->crash;
    l->events_cap = 0;
    pthread_cond_broadcast(&l->cond); /* room in the queue */
    pthread_mutex_unlock(&l->lock);
}

void launch_news_free(struct launch_news *news)
{
    snapshot_free(news->initial);
    snapshot_free(news->final);
    free(news->events);
    memset(news, 0, sizeof *news);
}

void launch_stop(struct launch *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->quit = true;
    for (size_t i = 0; i < l->n_tasks; i++) /* the program, its threads and children */
        kill(l->tasks[i].tid, SIGKILL);
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    if (l->thread_started)
        pthread_join(l->thread, NULL);
    launch_free(l);
}

void launch_describe_status(int status, char *out, size_t size)
{
    if (WIFEXITED(status)) {
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        snprintf(out, size, "killed by SIG%s%s", name ? name : "?",
                 WCOREDUMP(status) ? " (core dumped)" : "");
    } else {
        snprintf(out, size, "ended (wait status %#x)", (unsigned)status);
    }
}
