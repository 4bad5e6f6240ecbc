/* Runtime layout of an ELF image (see image_layout.h). */
#include "vmscope/image_layout.h"
#include "vmscope/elf_image.h"
#include "vmscope/features.h"
#include "vmscope/procfs.h"
#include "vmscope/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The image's mapping at file offset 0 at or below r: it gives the bias. */
static const struct region *base_of(const struct snapshot *s, const struct region *r)
{
    for (size_t i = (size_t)(r - s->regions) + 1; i-- > 0;) {
        const struct region *b = &s->regions[i];
        if (b->vma->offset == 0 && b->vma->inode != 0 && strcmp(b->vma->name, r->object) == 0)
            return b;
    }
    return NULL;
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

long image_layout(const struct snapshot *s, const struct region *r, struct image_part **parts)
{
    *parts = NULL;
    if (!r->object)
        return -ENOENT;
    const struct region *base = base_of(s, r);
    if (!base)
        return -ENOENT;
    struct proc_target t;
    int fd = proc_target_open(&t, s->proc.pid);
    if (fd < 0)
        return fd;
    fd = proc_open_mapped_file(&t, base->vma);
    proc_target_close(&t);
    if (fd < 0)
        return fd;
    struct elf_image img;
    int rc = elf_image_load(fd, &img);
    close(fd);
    if (rc < 0)
        return rc;
    uint64_t mask = (uint64_t)kernel_features()->page_size - 1, bias = 0;
    for (size_t i = 0; i < img.n_loads; i++)
        if ((img.loads[i].offset & ~mask) == 0) {
            bias = base->vma->start - (img.loads[i].vaddr & ~mask);
            break;
        }
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < img.n_loads; i++) {
        const struct elf_segment *g = &img.loads[i];
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
    if (img.has_relro) /* inside the data segment, read-only after relocation */
        add(parts, &n, &cap, bias + img.relro_vaddr, bias + img.relro_vaddr + img.relro_memsz,
            "relro");
    elf_image_free(&img);
    qsort(*parts, n, sizeof **parts, by_start);
    return (long)n;
}
