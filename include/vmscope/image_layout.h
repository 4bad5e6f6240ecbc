/* image_layout: where the parts of an ELF image lie at run time: code,
 * rodata, relro, data and bss, from the program headers (libelf) and the
 * load bias of the image's mapping at file offset 0. For the region
 * detail, which shows what part of the image a region is. */
#ifndef VMSCOPE_IMAGE_LAYOUT_H
#define VMSCOPE_IMAGE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

struct image_part {
    uint64_t start, end; /* runtime addresses, [start, end) */
    const char *role;    /* "code", "rodata", "relro", "data", "bss" */
};

/* The parts of the image region r belongs to (r->object), sorted by start.
 * Returns the number of parts (*parts allocated), or -errno when the image
 * cannot be read (deleted and no CAP_SYS_ADMIN, or gone). */
long image_layout(const struct snapshot *s, const struct region *r, struct image_part **parts);

#endif
