/* Allocation wrappers: vmscope cannot do anything useful without memory,
 * so failure ends the program through fatal() (which restores the terminal). */
#include "vmscope/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        fatal("out of memory (%zu bytes)", size);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fatal("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        fatal("out of memory (%zu bytes)", size);
    return q;
}

/* The capacity xgrow and xgrow_huge give for need elements: doubled. */
static size_t grown_capacity(size_t capacity, size_t need, size_t elem_size)
{
    size_t cap = capacity ? capacity : 8;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / elem_size)
            fatal("out of memory (array of %zu elements)", need);
        cap *= 2;
    }
    return cap;
}

void xgrow(void **items, size_t *capacity, size_t need, size_t elem_size)
{
    if (need <= *capacity)
        return;
    size_t cap = grown_capacity(*capacity, need, elem_size);
    *items = xrealloc(*items, cap * elem_size);
    *capacity = cap;
}

#define HUGE_PAGE_BYTES ((size_t)2 << 20)

void xgrow_huge(void **items, size_t *capacity, size_t need, size_t elem_size)
{
    if (need <= *capacity)
        return;
    size_t cap = grown_capacity(*capacity, need, elem_size);
    size_t bytes = cap * elem_size;
    if (bytes < HUGE_PAGE_BYTES || bytes > SIZE_MAX - HUGE_PAGE_BYTES) {
        *items = xrealloc(*items, bytes);
        *capacity = cap;
        return;
    }
    bytes = (bytes + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
    void *p = aligned_alloc(HUGE_PAGE_BYTES, bytes);
    if (!p)
        fatal("out of memory (%zu bytes)", bytes);
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without THP, 4 KiB pages */
    if (*items)
        memcpy(p, *items, *capacity * elem_size);
    free(*items);
    *items = p;
    *capacity = bytes / elem_size;
}

char *xstrdup(const char *s)
{
    return xmemdup0(s, strlen(s));
}

char *xmemdup0(const void *p, size_t len)
{
    char *s = xmalloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        fatal("out of memory (formatting)");
    return s;
}
