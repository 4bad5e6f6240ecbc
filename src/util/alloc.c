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

/* From this size on an array grows into 2 MiB-aligned memory that the
 * kernel may back with huge pages: a 20,000-mapping snapshot's 7 MB region
 * list was otherwise first touched 4 KiB at a time, 1,700 page faults and
 * ~2 ms of a 110 ms snapshot (bench/bench_snapshot.sh). */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)

static void *grow_huge(void *old, size_t old_bytes, size_t *bytes)
{
    *bytes = (*bytes + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
    void *p = aligned_alloc(HUGE_PAGE_BYTES, *bytes);
    if (!p)
        fatal("out of memory (%zu bytes)", *bytes);
    (void)madvise(p, *bytes, MADV_HUGEPAGE); /* a hint: without THP, 4 KiB pages */
    if (old)
        memcpy(p, old, old_bytes);
    free(old);
    return p;
}

void xgrow(void **items, size_t *capacity, size_t need, size_t elem_size)
{
    if (need <= *capacity)
        return;
    size_t cap = *capacity ? *capacity : 8;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / elem_size)
            fatal("out of memory (array of %zu elements)", need);
        cap *= 2;
    }
    size_t bytes = cap * elem_size;
    if (bytes >= HUGE_PAGE_BYTES && bytes <= SIZE_MAX - HUGE_PAGE_BYTES) {
        *items = grow_huge(*items, *capacity * elem_size, &bytes);
        cap = bytes / elem_size;
    } else {
        *items = xrealloc(*items, bytes);
    }
    *capacity = cap;
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
