/* A saved snapshot or recording (vmscope -r FILE): everything comes from
 * the file, nothing from any process (the pid in it may be another
 * process by now). A recording seeks by sample index; its samples from
 * the start (for the Timeline) come from a reader thread, so the first
 * frame and the keys need not wait for them. */
#include "vmscope/source.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A recording's samples from its start, read and parsed by a thread of
 * their own (a keyframe of 20,000 regions takes most of a second), handed
 * over in order with the events among them; the loop wakes on `wake`. */
struct history_item {
    struct snapshot *snap; /* a sample, or NULL: an event */
    struct syscall_event e;
};

/* Samples the reader may hold that nobody took yet: bounds its memory. */
#define HISTORY_AHEAD 4

struct history_feed {
    pthread_mutex_t lock;
    pthread_cond_t room;
    struct history_item *items; /* a FIFO: [head, count) */
    size_t head, count, cap, samples;
    bool done, stop;
    struct crash_info crash; /* a crash line, once read */
    int refs;                  /* the thread and the source: the last frees it */
    int wake[2];               /* a byte per item, written under lock */
    struct recording_iter it;
};

struct file_source {
    struct source base;
    bool recording;
    struct recording_index *idx; /* a recording's keyframes: a seek reads one and its deltas */
    struct history_feed *feed;   /* history(): the reader thread, while it runs */
    struct crash_info crash;     /* the recording's crash line, not yet told */
};

static void feed_release(struct history_feed *h)
{
    pthread_mutex_lock(&h->lock);
    bool last = --h->refs == 0;
    pthread_mutex_unlock(&h->lock);
    if (!last)
        return;
    for (size_t i = h->head; i < h->count; i++)
        snapshot_free(h->items[i].snap);
    free(h->items);
    close(h->wake[0]);
    close(h->wake[1]);
    pthread_cond_destroy(&h->room);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

/* Under h->lock. */
static void feed_push(struct history_feed *h, const struct history_item *item)
{
    if (h->count == h->cap) {
        if (h->head > 0) { /* taken items leave room at the front */
            memmove(h->items, h->items + h->head, (h->count - h->head) * sizeof *h->items);
            h->count -= h->head;
            h->head = 0;
        } else {
            h->cap = h->cap ? 2 * h->cap : 64;
            h->items = xrealloc(h->items, h->cap * sizeof *h->items);
        }
    }
    h->items[h->count++] = *item;
    ssize_t ignored = write(h->wake[1], "", 1); /* full pipe: it is awake already */
    (void)ignored;
}

static void feed_event(void *arg, const struct syscall_event *e)
{
    struct history_feed *h = arg;
    pthread_mutex_lock(&h->lock);
    feed_push(h, &(struct history_item){.e = *e});
    pthread_mutex_unlock(&h->lock);
}

/* Lines that are not samples: a crash line is news for the view. */
static void feed_line(void *arg, json_t *doc)
{
    struct history_feed *h = arg;
    struct crash_info c;
    if (!recording_crash_from_doc(doc, &c))
        return;
    pthread_mutex_lock(&h->lock);
    h->crash = c;
    pthread_mutex_unlock(&h->lock);
}

static void *feed_thread(void *arg)
{
    struct history_feed *h = arg;
    const struct snapshot *snap;
    char *why = NULL;
    /* Behind the keys: a seek or a draw on the loop's thread goes first. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    /* To the end of the file (its trailing events too), as far as it reads. */
    while (recording_iter_next(&h->it, &snap, &why) > 0) {
        struct snapshot *copy = snapshot_clone(snap);
        pthread_mutex_lock(&h->lock);
        while (h->samples >= HISTORY_AHEAD && !h->stop)
            pthread_cond_wait(&h->room, &h->lock);
        bool stop = h->stop;
        if (!stop) {
            feed_push(h, &(struct history_item){.snap = copy});
            h->samples++;
        }
        pthread_mutex_unlock(&h->lock);
        if (stop) {
            snapshot_free(copy);
            break;
        }
    }
    free(why);
    recording_iter_close(&h->it);
    pthread_mutex_lock(&h->lock);
    h->done = true;
    ssize_t ignored = write(h->wake[1], "", 1);
    (void)ignored;
    pthread_mutex_unlock(&h->lock);
    feed_release(h);
    return NULL;
}

/* Starts the reader thread; NULL if it cannot (no Timeline then). */
static struct history_feed *feed_start(const char *path)
{
    struct history_feed *h = xcalloc(1, sizeof *h);
    char *why = NULL;
    if (pipe2(h->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(h);
        return NULL;
    }
    if (recording_iter_open(&h->it, path, &why) < 0) {
        free(why);
        close(h->wake[0]);
        close(h->wake[1]);
        free(h);
        return NULL;
    }
    h->it.on_event = feed_event;
    h->it.on_line = feed_line;
    h->it.event_arg = h;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->room, NULL);
    h->refs = 2;
    /* Signals stay the loop's: its poll() returns for them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int rc = pthread_create(&t, NULL, feed_thread, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        recording_iter_close(&h->it);
        h->refs = 1;
        feed_release(h);
        return NULL;
    }
    pthread_detach(t); /* quitting does not wait for a keyframe's parse */
    return h;
}

/* A read that takes more than LOADING_AFTER_MS says so on a terminal:
 * "loading N regions..." with the count going up, until it ends (the
 * view starts after it, on the same terminal). */
#define LOADING_AFTER_MS 300

struct loading {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    bool done;
    size_t base; /* json_reader_regions_read() at the start */
};

static bool loading_wait(struct loading *l, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    while (!l->done && pthread_cond_timedwait(&l->cv, &l->lock, &ts) == 0)
        ;
    return l->done;
}

static void *loading_thread(void *arg)
{
    struct loading *l = arg;
    bool shown = false;
    pthread_mutex_lock(&l->lock);
    for (long wait = LOADING_AFTER_MS; !loading_wait(l, wait); wait = 100) {
        size_t n = json_reader_regions_read() - l->base;
        if (n)
            fprintf(stderr, "\rvmscope: loading %zu regions...", n);
        else
            fputs("\rvmscope: loading...", stderr); /* still reading the file in */
        fflush(stderr);
        shown = true;
    }
    pthread_mutex_unlock(&l->lock);
    if (shown) {
        fputs("\r\033[K", stderr); /* the line goes: the view or a message follows */
        fflush(stderr);
    }
    return NULL;
}

static int read_first(struct source *s, struct snapshot **out, char **why);

static int file_first(struct source *s, struct snapshot **out, char **why)
{
    struct loading l = {.base = json_reader_regions_read()};
    pthread_t th;
    bool progress = isatty(STDERR_FILENO);
    if (progress) {
        pthread_mutex_init(&l.lock, NULL);
        pthread_cond_init(&l.cv, NULL);
        progress = pthread_create(&th, NULL, loading_thread, &l) == 0;
    }
    int rc = read_first(s, out, why);
    if (progress) {
        pthread_mutex_lock(&l.lock);
        l.done = true;
        pthread_cond_signal(&l.cv);
        pthread_mutex_unlock(&l.lock);
        pthread_join(th, NULL);
        pthread_cond_destroy(&l.cv);
        pthread_mutex_destroy(&l.lock);
    }
    return rc;
}

static int read_first(struct source *s, struct snapshot **out, char **why)
{
    struct file_source *f = (struct file_source *)s;
    f->recording = recording_is(s->name);
    if (!f->recording)
        return json_read_snapshot_file(s->name, out, why);
    f->idx = recording_index_open(s->name, why);
    if (!f->idx)
        return errno ? -errno : -EINVAL;
    s->count = recording_index_count(f->idx);
    s->cut = recording_index_cut(f->idx);
    s->rec_interval = (double)recording_index_interval_ns(f->idx) / 1e9;
    int rc = recording_index_read(f->idx, -1, out, why);
    if (rc == 0 && s->count > 0) {
        s->caps |= SOURCE_SEEK;
        s->history_left = s->count;
    }
    return rc;
}

/* What the reader thread has ready, in file order, up to max samples. */
static long file_history(struct source *s, long max,
                         void (*on_sample)(void *arg, struct snapshot *snap),
                         void (*on_event)(void *arg, const struct syscall_event *e), void *arg)
{
    struct file_source *f = (struct file_source *)s;
    struct history_feed *h = f->feed;
    if (!h && s->history_left > 0 && !(h = f->feed = feed_start(s->name)))
        s->history_left = 0;
    if (!h)
        return 0;
    long given = 0;
    pthread_mutex_lock(&h->lock);
    while (h->head < h->count && given < max) {
        struct history_item item = h->items[h->head++];
        if (item.snap) {
            h->samples--;
            given++;
            pthread_cond_signal(&h->room);
        }
        pthread_mutex_unlock(&h->lock); /* the view's work, while the reader reads on */
        if (item.snap) {
            on_sample(arg, item.snap);
            if (s->history_left > 1)
                s->history_left--;
        } else {
            s->caps |= SOURCE_EVENTS; /* the recording was made with --trace */
            on_event(arg, &item.e);
        }
        pthread_mutex_lock(&h->lock);
    }
    bool empty = h->head == h->count;
    if (empty) { /* every byte stands for an item taken: nothing to wake for */
        char drain[256];
        while (read(h->wake[0], drain, sizeof drain) > 0)
            ;
    }
    bool finished = empty && h->done;
    if (finished)
        f->crash = h->crash; /* told by poll, after every sample */
    pthread_mutex_unlock(&h->lock);
    if (finished) {
        s->history_left = 0;
        feed_release(h);
        f->feed = NULL;
    }
    return given;
}

/* The reader thread's news of samples (once history() started it). */
static size_t file_fds(struct source *s, struct pollfd *fds, size_t max)
{
    struct history_feed *h = ((struct file_source *)s)->feed;
    if (!h || max == 0)
        return 0;
    fds[0] = (struct pollfd){.fd = h->wake[0], .events = POLLIN};
    return 1;
}

static void file_poll(struct source *s, struct source_news *news)
{
    struct file_source *f = (struct file_source *)s;
    memset(news, 0, sizeof *news);
    news->crash = f->crash;
    f->crash.known = false;
}

static int file_seek(struct source *s, long index, struct snapshot **out, char **why)
{
    return recording_index_read(((struct file_source *)s)->idx, index, out, why);
}

static void file_free(struct source *s)
{
    struct file_source *f = (struct file_source *)s;
    if (f->idx)
        recording_index_close(f->idx);
    if (f->feed) { /* the thread ends at its next sample, and frees it */
        pthread_mutex_lock(&f->feed->lock);
        f->feed->stop = true;
        pthread_cond_signal(&f->feed->room);
        pthread_mutex_unlock(&f->feed->lock);
        feed_release(f->feed);
    }
    free(f);
}

static const struct source_ops file_ops = {
    .first = file_first, .history = file_history, .fds = file_fds, .poll = file_poll,
    .seek = file_seek, .free = file_free,
};

struct source *source_file_new(const char *path)
{
    struct file_source *f = xcalloc(1, sizeof *f);
    f->base.ops = &file_ops;
    f->base.name = path;
    return &f->base;
}
