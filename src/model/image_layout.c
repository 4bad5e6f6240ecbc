/* Runtime layout of an ELF image (see image_layout.h). */
#include "vmscope/image_layout.h"
#include "vmscope/util.h"

#include <elf.h>
#include <stdlib.h>

bool image_load_bias(const struct elf_image *img, uint64_t map_start, uint64_t page_mask,
                     uint64_t *bias)
{
    for (size_t i = 0; i < img->n_loads; i++)
        if ((img->loads[i].offset & ~page_mask) == 0) { /* it maps the PT_LOAD at offset 0 */
            *bias = map_start - (img->loads[i].vaddr & ~page_mask);
            return true;
        }
    return false;
}

static void add(struct image_part **parts, size_t *n, size_t *cap, uint64_t s, uint64_t e,
                const char *role)
{
    if (e <= s)
        return;
    xgrow((void **)parts, cap, *n + 1, sizeof **parts);
    (*parts)[(*n)++] = (struct image_part){s, e, role};
}

static int by_start(const void *a, const void *b)
{
    const struct image_part *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

size_t image_layout(const struct elf_image *img, uint64_t bias, struct image_part **parts)
{
    *parts = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < img->n_loads; i++) {
        const struct elf_segment *g = &img->loads[i];
        uint64_t v = bias + g->vaddr;
        if (g->flags & PF_X) {
            add(parts, &n, &cap, v, v + g->memsz, "code");
        } else if (g->flags & PF_W) {
            add(parts, &n, &cap, v, v + g->filesz, "data");
            add(parts, &n, &cap, v + g->filesz, v + g->memsz, "bss");
        } else {
            add(parts, &n, &cap, v, v + g->memsz, "rodata");
        }
    }
    if (img->has_relro) /* inside the data segment, read-only after relocation */
        add(parts, &n, &cap, bias + img->relro_vaddr, bias + img->relro_vaddr + img->relro_memsz,
            "relro");
    if (n)
        qsort(*parts, n, sizeof **parts, by_start);
    return n;
}
