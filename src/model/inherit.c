/* The state at exit, classified as the process was while it ran (see
 * snapshot.h). */
#include "vmscope/snapshot.h"
#include "vmscope/util.h"

#include <string.h>

static bool same_mapping(const struct vma *a, const struct vma *b)
{
    return a->start == b->start && a->end == b->end && memcmp(a->perms, b->perms, 4) == 0 &&
           a->offset == b->offset && a->dev_major == b->dev_major &&
           a->dev_minor == b->dev_minor && a->inode == b->inode &&
           a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

/* str as a string s may point to: from's table is not s's, so a string
 * of it is found in (or added to) s's table; a static one stays as it is. */
static const char *adopt(struct snapshot *s, const struct snapshot *from, const char *str)
{
    return strtab_owns(&from->objects, str) ? strtab_intern(&s->objects, str) : str;
}

size_t snapshot_inherit_classes(struct snapshot *final, const struct snapshot *last_live)
{
    if (!final || !last_live)
        return 0;
    size_t kept = 0, j = 0;
    for (size_t i = 0; i < final->n_regions; i++) {
        struct region *r = &final->regions[i];
        while (j < last_live->n_regions && last_live->regions[j].vma->start < r->vma->start)
            j++; /* both sorted by start */
        if (j == last_live->n_regions)
            break;
        const struct region *live = &last_live->regions[j];
        if (!same_mapping(r->vma, live->vma))
            continue;
        r->cls = live->cls;
        r->subclass = live->subclass;
        r->evidence = adopt(final, last_live, live->evidence);
        r->object = adopt(final, last_live, live->object);
        r->tid = live->tid;
        r->flags = live->flags;
        kept++;
    }
    snapshot_compute_totals(final);
    return kept;
}
