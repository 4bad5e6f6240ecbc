/* Background reading of smaps (see smaps_stream.h). */
#include "vmscope/smaps_stream.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each hand-over wakes the parser: 256 KiB is ~60 wake-ups for a 14 MB
 * smaps, and the last chunk, parsed after the read ends, costs < 1 ms. */
#define CHUNK_SIZE (256 * 1024)

struct chunk {
    struct chunk *next;
    size_t len;
    char data[CHUNK_SIZE];
};

struct smaps_stream {
    int fd;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct chunk *head, *tail; /* filled chunks, oldest first */
    struct chunk *spare;       /* consumed chunks for reuse */
    bool done;
    int error; /* -errno from read() */
};

static void push(struct smaps_stream *s, struct chunk *c, bool done, int error)
{
    pthread_mutex_lock(&s->lock);
    if (c) {
        if (s->tail)
            s->tail->next = c;
        else
            s->head = c;
        s->tail = c;
    }
    s->done = done;
    s->error = error;
    pthread_cond_signal(&s->ready);
    pthread_mutex_unlock(&s->lock);
}

static void *reader_main(void *arg)
{
    struct smaps_stream *s = arg;
    for (;;) {
        /* Reuse consumed chunks: freeing them would munmap under the
         * reader's feet and cost TLB shootdowns on every chunk. */
        pthread_mutex_lock(&s->lock);
        struct chunk *c = s->spare;
        if (c)
            s->spare = c->next;
        pthread_mutex_unlock(&s->lock);
        if (!c)
            c = xmalloc(sizeof *c);
        c->next = NULL;
        c->len = 0;
        int error = 0;
        bool eof = false;
        /* Leave room for a whole read: the kernel returns up to a page, or
         * one longer record (a PATH_MAX name) at once. */
        while (c->len + 8192 <= CHUNK_SIZE) {
            ssize_t n = read(s->fd, c->data + c->len, CHUNK_SIZE - c->len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                error = n < 0 ? (errno == ESRCH ? -ESRCH : -errno) : 0;
                eof = true;
                break;
            }
            c->len += (size_t)n;
        }
        push(s, c, eof, error);
        if (eof)
            return NULL;
    }
}

int smaps_stream_start(const struct proc_target *t, const char *file, struct smaps_stream **out)
{
    *out = NULL;
    int fd = proc_openat(t, file, O_RDONLY);
    if (fd < 0)
        return fd;
    struct smaps_stream *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->ready, NULL);
    int rc = pthread_create(&s->thread, NULL, reader_main, s);
    if (rc != 0) {
        close(fd);
        free(s);
        return -rc;
    }
    *out = s;
    return 0;
}

int smaps_stream_consume(struct smaps_stream *s, struct smaps_parser *p,
                         void (*after_chunk)(void *arg), void *arg)
{
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->head && !s->done)
            pthread_cond_wait(&s->ready, &s->lock);
        struct chunk *c = s->head;
        if (c) {
            s->head = c->next;
            if (!s->head)
                s->tail = NULL;
        }
        bool finished = !c && s->done;
        pthread_mutex_unlock(&s->lock);
        if (finished)
            break;
        smaps_parser_feed(p, c->data, c->len);
        pthread_mutex_lock(&s->lock);
        c->next = s->spare;
        s->spare = c;
        pthread_mutex_unlock(&s->lock);
        if (after_chunk)
            after_chunk(arg);
    }
    pthread_join(s->thread, NULL);
    int error = s->error;
    while (s->spare) {
        struct chunk *c = s->spare;
        s->spare = c->next;
        free(c);
    }
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->ready);
    free(s);
    return error;
}
