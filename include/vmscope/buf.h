/* buf: a growable byte buffer. Always NUL-terminated past len so that text
 * parsers can use it directly; the terminator is not counted in len. */
#ifndef VMSCOPE_BUF_H
#define VMSCOPE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);           /* len = 0, keeps the memory */
void buf_grow(struct buf *b, size_t extra); /* buf_reserve when the room is not there */
/* Room for extra more bytes (and the terminator). Inline: the writers ask
 * ~100,000 times a snapshot, nearly always with the room already there. */
static inline void buf_reserve(struct buf *b, size_t extra)
{
    if (b->cap > b->len && extra < b->cap - b->len)
        return;
    buf_grow(b, extra);
}
void buf_append(struct buf *b, const void *p, size_t n);
static inline void buf_putc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (used by streaming readers). */
void buf_consume(struct buf *b, size_t n);
/* Read all of fd into b (appending). Returns 0 or -errno. */
int buf_read_fd(struct buf *b, int fd);
/* The same, up to max bytes: -EFBIG when fd holds more (b then holds
 * max + 1 bytes of it and the rest is left unread). */
int buf_read_fd_max(struct buf *b, int fd, size_t max);

#endif
