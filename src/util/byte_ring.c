/* A fixed-size ring of the newest bytes (see byte_ring.h). */
#include "vmscope/byte_ring.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

void byte_ring_init(struct byte_ring *r, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->cap = cap ? cap : 1;
    r->data = xmalloc(r->cap);
}

void byte_ring_free(struct byte_ring *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

void byte_ring_append(struct byte_ring *r, const char *p, size_t n)
{
    r->total += n;
    if (n >= r->cap) { /* only the tail survives */
        p += n - r->cap;
        n = r->cap;
    }
    size_t first = r->cap - r->head < n ? r->cap - r->head : n;
    memcpy(r->data + r->head, p, first);
    memcpy(r->data, p + first, n - first);
    r->head = (r->head + n) % r->cap;
    r->len = r->len + n > r->cap ? r->cap : r->len + n;
}

size_t byte_ring_copy(const struct byte_ring *r, char *out)
{
    size_t oldest = (r->head + r->cap - r->len) % r->cap;
    size_t first = r->cap - oldest < r->len ? r->cap - oldest : r->len;
    memcpy(out, r->data + oldest, first);
    memcpy(out + first, r->data, r->len - first);
    return r->len;
}
