/* Inputs read once (see input.h). */
#include "vmscope/input.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* One non-seekable input: where it comes from, and what was read of it. */
struct spool {
    dev_t dev;
    ino_t ino;
    int src;    /* the pipe, closed at its end */
    int mem;    /* memfd: bytes [0, size) of the stream */
    uint64_t size;
    int error;  /* a read error (or EFBIG) that ended it, else 0 */
    struct spool *next;
};

/* Kept for the life of the process: the bytes of a pipe cannot be had again. */
static struct spool *spools;
static pthread_mutex_t spool_lock = PTHREAD_MUTEX_INITIALIZER;

struct reader {
    struct spool *sp;
    uint64_t pos;
};

/* Reads more of the stream into the memory file, until it holds `want`
 * bytes or the stream ends. Called with spool_lock held. */
static int pull(struct spool *sp, uint64_t want)
{
    char chunk[65536];
    while (sp->src >= 0 && sp->size < want) {
        if (sp->size >= INPUT_SPOOL_MAX) {
            sp->error = EFBIG;
            break;
        }
        ssize_t n = read(sp->src, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sp->error = n < 0 ? errno : 0;
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = pwrite(sp->mem, chunk + done, (size_t)(n - done), (off_t)sp->size);
            if (w < 0) {
                sp->error = errno;
                break;
            }
            done += w;
            sp->size += (uint64_t)w;
        }
        if (sp->error)
            break;
    }
    if (sp->src >= 0 && sp->size < want) { /* ended: the pipe is not needed any more */
        close(sp->src);
        sp->src = -1;
    }
    return sp->error;
}

static ssize_t reader_read(void *cookie, char *buf, size_t size)
{
    struct reader *r = cookie;
    pthread_mutex_lock(&spool_lock);
    int err = r->pos + size > r->sp->size ? pull(r->sp, r->pos + size) : 0;
    uint64_t have = r->sp->size > r->pos ? r->sp->size - r->pos : 0;
    pthread_mutex_unlock(&spool_lock);
    if (have == 0 && err) {
        errno = err;
        return -1;
    }
    ssize_t n = pread(r->sp->mem, buf, have < size ? (size_t)have : size, (off_t)r->pos);
    if (n > 0)
        r->pos += (uint64_t)n;
    return n;
}

static int reader_seek(void *cookie, off64_t *offset, int whence)
{
    struct reader *r = cookie;
    pthread_mutex_lock(&spool_lock);
    int err = whence == SEEK_END ? pull(r->sp, UINT64_MAX) : 0;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)r->pos
                                                               : (int64_t)r->sp->size;
    pthread_mutex_unlock(&spool_lock);
    if (err || base + *offset < 0) {
        errno = err ? err : EINVAL;
        return -1;
    }
    r->pos = (uint64_t)(base + *offset);
    *offset = (off64_t)r->pos;
    return 0;
}

static int reader_close(void *cookie)
{
    free(cookie); /* the spool stays for the next open */
    return 0;
}

static bool is_stream(const struct stat *st)
{
    return S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode) || S_ISSOCK(st->st_mode);
}

static struct spool *spool_get(const char *path, const struct stat *st)
{
    for (struct spool *sp = spools; sp; sp = sp->next)
        if (sp->dev == st->st_dev && sp->ino == st->st_ino)
            return sp;
    int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return NULL;
    int mem = memfd_create("vmscope-input", MFD_CLOEXEC);
    if (mem < 0) {
        int err = errno;
        close(src);
        errno = err;
        return NULL;
    }
    struct spool *sp = xcalloc(1, sizeof *sp);
    sp->dev = st->st_dev;
    sp->ino = st->st_ino;
    sp->src = src;
    sp->mem = mem;
    sp->next = spools;
    spools = sp;
    return sp;
}

FILE *input_open(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    if (!is_stream(&st))
        return fopen(path, "re");
    pthread_mutex_lock(&spool_lock);
    struct spool *sp = spool_get(path, &st);
    pthread_mutex_unlock(&spool_lock);
    if (!sp)
        return NULL;
    struct reader *r = xcalloc(1, sizeof *r);
    r->sp = sp;
    static const cookie_io_functions_t io = {
        .read = reader_read, .write = NULL, .seek = reader_seek, .close = reader_close};
    FILE *fp = fopencookie(r, "r", io);
    if (!fp)
        free(r);
    return fp;
}
