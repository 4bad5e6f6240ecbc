/* groups: regions gathered per mapped object (pmap's per-object view,
 * VMMap's tree): an ELF image with all its segments and its bss, or a
 * mapped file; regions of no object stay on their own. */
#ifndef VMSCOPE_GROUPS_H
#define VMSCOPE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

struct region_group {
    const char *key; /* the object's path (borrowed from the snapshot), or NULL */
    size_t *members; /* indexes into the snapshot's regions, in the order given */
    size_t n;
    uint64_t size, rss;
};

/* The object a region belongs to: its ELF image, else its file; NULL for
 * anonymous and special regions. */
const char *region_group_key(const struct region *r);
/* Groups order[0, n) (indexes into s->regions) in the order of each
 * object's first region; a region of no object is a group of its own
 * with key NULL. *out is allocated; free with region_groups_free. */
size_t region_groups(const struct snapshot *s, const size_t *order, size_t n,
                     struct region_group **out);
void region_groups_free(struct region_group *g, size_t n);

#endif
