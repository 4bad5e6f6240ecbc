/* byte_ring: the last `cap` bytes of a stream (a launched program's
 * output), in fixed memory however much the program writes. */
#ifndef VMSCOPE_BYTE_RING_H
#define VMSCOPE_BYTE_RING_H

#include <stddef.h>
#include <stdint.h>

struct byte_ring {
    char *data;
    size_t cap, len, head; /* head = where the next byte goes */
    uint64_t total;        /* bytes ever appended */
};

void byte_ring_init(struct byte_ring *r, size_t cap);
void byte_ring_free(struct byte_ring *r);
void byte_ring_append(struct byte_ring *r, const char *p, size_t n);
/* Copies the kept bytes, oldest first, into out (r->len bytes, which the
 * caller provides); returns r->len. */
size_t byte_ring_copy(const struct byte_ring *r, char *out);

#endif
