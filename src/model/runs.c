/* Repeating neighbour patterns (see runs.h). */
#include "vmscope/runs.h"
#include "vmscope/util.h"

#include <string.h>

/* How many whole repetitions of the period items at i follow from i. */
static size_t repeats(size_t n, size_t i, size_t period,
                      bool (*same)(void *ctx, size_t i, size_t j), void *ctx)
{
    size_t k = i + period;
    while (k < n && same(ctx, k, k - period))
        k++;
    return (k - i) / period;
}

size_t runs_find(size_t n, bool (*same)(void *ctx, size_t i, size_t j), void *ctx,
                 struct region_run **out)
{
    struct region_run *runs = xcalloc(n ? n : 1, sizeof *runs);
    size_t nr = 0;
    for (size_t i = 0; i < n;) {
        size_t best_p = 1, best_c = 1;
        for (size_t p = 1; p <= RUNS_MAX_PERIOD && i + p * RUNS_MIN_REPEAT <= n; p++) {
            size_t c = repeats(n, i, p, same, ctx);
            if (c >= RUNS_MIN_REPEAT && p * c > best_p * best_c)
                best_p = p, best_c = c;
        }
        runs[nr++] = (struct region_run){i, best_c > 1 ? best_p : 1, best_c > 1 ? best_c : 1};
        i += best_c > 1 ? best_p * best_c : 1;
    }
    *out = runs;
    return nr;
}

struct alike {
    const struct snapshot *s;
    const size_t *order;
};

static bool regions_alike(void *arg, size_t i, size_t j)
{
    const struct alike *a = arg;
    const struct region *x = &a->s->regions[a->order[i]], *y = &a->s->regions[a->order[j]];
    return vma_size(x->vma) == vma_size(y->vma) && x->cls == y->cls &&
           x->subclass == y->subclass && memcmp(x->vma->perms, y->vma->perms, 4) == 0 &&
           x->vma->name_len == y->vma->name_len && strcmp(x->vma->name, y->vma->name) == 0;
}

size_t region_runs(const struct snapshot *s, const size_t *order, size_t n,
                   struct region_run **out)
{
    struct alike a = {s, order};
    return runs_find(n, regions_alike, &a, out);
}
