/* Regions per mapped object (see groups.h). */
#include "vmscope/groups.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

const char *region_group_key(const struct region *r)
{
    if (r->object)
        return r->object;
    return r->vma->name[0] == '/' ? r->vma->name : NULL;
}

size_t region_groups(const struct snapshot *s, const size_t *order, size_t n,
                     struct region_group **out)
{
    struct region_group *g = NULL;
    size_t ng = 0, cap = 0;
    for (size_t k = 0; k < n; k++) {
        const struct region *r = &s->regions[order[k]];
        const char *key = region_group_key(r);
        size_t j = ng;
        if (key) /* a few hundred objects at most: a linear look-up will do */
            for (j = 0; j < ng && !(g[j].key && !strcmp(g[j].key, key)); j++)
                ;
        if (j == ng) {
            xgrow((void **)&g, &cap, ng + 1, sizeof *g);
            g[ng++] = (struct region_group){key, NULL, 0, 0, 0};
        }
        g[j].members = xrealloc(g[j].members, (g[j].n + 1) * sizeof *g[j].members);
        g[j].members[g[j].n++] = order[k];
        g[j].size += vma_size(r->vma);
        g[j].rss += r->vma->field[SMAPS_RSS];
    }
    *out = g;
    return ng;
}

void region_groups_free(struct region_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(g[i].members);
    free(g);
}
