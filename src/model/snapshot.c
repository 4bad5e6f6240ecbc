/* Snapshot ownership, totals and lookup. */
#include "vmscope/snapshot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/util.h"

/* ANSI colours: 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white. */
const struct region_class_style region_class_styles[RC_COUNT] = {
    [RC_TEXT] = {"text", 'T', 4, "#3465a4"},  [RC_DATA] = {"data", 'D', 6, "#06989a"},
    [RC_BSS] = {"bss", 'B', 5, "#75507b"},    [RC_HEAP] = {"heap", 'H', 2, "#4e9a06"},
    [RC_MMAP] = {"mmap", 'M', 3, "#c4a000"},  [RC_STACK] = {"stack", 'S', 1, "#cc0000"},
    [RC_OTHER] = {"other", 'o', 7, "#888a85"},
};

const char *region_class_name(enum region_class c)
{
    return (unsigned)c < RC_COUNT ? region_class_styles[c].name : "other";
}

int region_class_from_name(const char *name)
{
    for (int i = 0; i < RC_COUNT; i++)
        if (strcmp(region_class_styles[i].name, name) == 0)
            return i;
    return -1;
}

static const char *const subclass_names[RS_COUNT] = {
    [RS_NONE] = "", [RS_CODE] = "code", [RS_RODATA] = "rodata", [RS_RELRO] = "relro",
    [RS_DATA] = "data", [RS_BSS] = "bss", [RS_JIT] = "jit", [RS_BRK] = "brk",
    [RS_ARENA] = "arena", [RS_JAVA] = "java", [RS_METASPACE] = "metaspace",
    [RS_CLASS_SPACE] = "class_space", [RS_V8] = "v8", [RS_PYMALLOC] = "pymalloc",
    [RS_GO] = "go", [RS_JEMALLOC] = "jemalloc", [RS_TCMALLOC] = "tcmalloc",
    [RS_MIMALLOC] = "mimalloc", [RS_CDS] = "cds", [RS_ANON] = "anon", [RS_FILE] = "file",
    [RS_SHM] = "shm", [RS_DEVICE] = "device", [RS_MAIN] = "main", [RS_THREAD] = "thread",
    [RS_GUARD] = "guard", [RS_RESERVE] = "reserve", [RS_SPECIAL] = "special",
    [RS_VDSO] = "vdso", [RS_VVAR] = "vvar", [RS_VVAR_VCLOCK] = "vvar_vclock",
    [RS_VSYSCALL] = "vsyscall", [RS_UPROBES] = "uprobes", [RS_UNKNOWN] = "unknown",
};

const char *region_subclass_name(enum region_subclass s)
{
    return (unsigned)s < RS_COUNT ? subclass_names[s] : "unknown";
}

enum region_subclass region_subclass_from_name(const char *name)
{
    for (int i = 0; i < RS_COUNT; i++)
        if (strcmp(subclass_names[i], name) == 0)
            return (enum region_subclass)i;
    return RS_UNKNOWN;
}

void snapshot_free(struct snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_regions; i++)
        free(s->vmas[i].name);
    free(s->vmas);
    free(s->regions);
    strtab_free(&s->objects);
    for (size_t i = 0; i < s->n_images; i++)
        free(s->images[i].parts);
    free(s->images);
    free(s->threads);
    page_runs_free(&s->focus);
    identity_free(&s->proc);
    free(s);
}

const char *image_part_role(const char *name)
{
    static const char *const roles[] = {"code", "rodata", "relro", "data", "bss"};
    for (size_t i = 0; name && i < sizeof roles / sizeof *roles; i++)
        if (strcmp(roles[i], name) == 0)
            return roles[i];
    return NULL;
}

const struct image_part *snapshot_add_image(struct snapshot *s, const struct image_part *parts,
                                            size_t n)
{
    if (!n)
        return NULL;
    s->images = xrealloc(s->images, (s->n_images + 1) * sizeof *s->images);
    struct snapshot_image *im = &s->images[s->n_images++];
    im->parts = xmalloc(n * sizeof *parts);
    memcpy(im->parts, parts, n * sizeof *parts);
    im->n = n;
    return im->parts;
}

/* The copy's array for a region's image pointer into s. */
static const struct image_part *remap_image(const struct snapshot *s, const struct snapshot *to,
                                            const struct image_part *p)
{
    for (size_t k = 0; p && k < s->n_images; k++)
        if (p >= s->images[k].parts && p < s->images[k].parts + s->images[k].n)
            return to->images[k].parts + (p - s->images[k].parts);
    return NULL;
}

struct slot {
    const char *str;
    size_t index;
};

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct slot *)a)->str,
              y = (uintptr_t)((const struct slot *)b)->str;
    return x < y ? -1 : x > y;
}

/* A string of s's table maps to the same position in the copy's table;
 * any other (static) string is kept as it is. Looked up by address (one
 * sort for all regions): cheaper than hashing each region's strings. */
static const char *remap(const struct slot *slots, size_t n, const struct snapshot *to,
                         const char *str)
{
    struct slot key = {str, 0};
    const struct slot *hit = str ? bsearch(&key, slots, n, sizeof *slots, by_address) : NULL;
    return hit ? to->objects.strings[hit->index] : str;
}

struct snapshot *snapshot_clone(const struct snapshot *s)
{
    struct snapshot *c = xcalloc(1, sizeof *c);
    *c = *s;
    identity_copy(&c->proc, &s->proc);
    strtab_copy(&c->objects, &s->objects);
    c->threads = s->n_threads ? (void *)xmemdup0(s->threads, s->n_threads * sizeof *s->threads) : NULL;
    memset(&c->focus, 0, sizeof c->focus); /* this sample's reading, not the copy's */
    c->focus_start = c->focus_end = 0;
    c->has_focus = false;
    size_t n = s->objects.count;
    struct slot *slots = xcalloc(n + 1, sizeof *slots);
    for (size_t i = 0; i < n; i++)
        slots[i] = (struct slot){s->objects.strings[i], i};
    qsort(slots, n, sizeof *slots, by_address);
    c->images = xcalloc(s->n_images + 1, sizeof *c->images);
    for (size_t k = 0; k < s->n_images; k++) {
        c->images[k].parts = xmalloc(s->images[k].n * sizeof *s->images[k].parts);
        memcpy(c->images[k].parts, s->images[k].parts, s->images[k].n * sizeof *s->images[k].parts);
        c->images[k].n = s->images[k].n;
    }
    c->vmas = xcalloc(s->n_regions + 1, sizeof *c->vmas);
    c->regions = xcalloc(s->n_regions + 1, sizeof *c->regions);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        c->vmas[i] = *r->vma;
        c->vmas[i].name = xmemdup0(r->vma->name, r->vma->name_len);
        c->regions[i] = *r;
        c->regions[i].vma = &c->vmas[i];
        c->regions[i].evidence = remap(slots, n, c, r->evidence);
        c->regions[i].object = remap(slots, n, c, r->object);
        c->regions[i].image = remap_image(s, c, r->image);
    }
    free(slots);
    return c;
}

/* Saturating: a file can claim any sizes, and a total that wrapped past
 * 2^64 would show a small number for a huge one. */
static void add_sat(uint64_t *t, uint64_t v)
{
    *t = *t > UINT64_MAX - v ? UINT64_MAX : *t + v;
}

static void add_to(struct class_totals *t, const struct vma *v)
{
    add_sat(&t->vsz, vma_size(v));
    add_sat(&t->rss, v->field[SMAPS_RSS]);
    add_sat(&t->pss, v->field[SMAPS_PSS]);
    add_sat(&t->swap, v->field[SMAPS_SWAP]);
    t->regions++;
}

void snapshot_compute_totals(struct snapshot *s)
{
    memset(&s->totals, 0, sizeof s->totals);
    memset(s->by_class, 0, sizeof s->by_class);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        add_to(&s->totals, r->vma);
        add_to(&s->by_class[r->cls < RC_COUNT ? r->cls : RC_OTHER], r->vma);
    }
}

static bool saturated(const struct class_totals *t)
{
    return t->vsz == UINT64_MAX || t->rss == UINT64_MAX || t->pss == UINT64_MAX ||
           t->swap == UINT64_MAX;
}

static void take_from(struct class_totals *t, const struct vma *v)
{
    t->vsz -= vma_size(v);
    t->rss -= v->field[SMAPS_RSS];
    t->pss -= v->field[SMAPS_PSS];
    t->swap -= v->field[SMAPS_SWAP];
    t->regions--;
}

bool snapshot_totals_replace(struct snapshot *s, const struct vma *old, enum region_class old_cls,
                             const struct region *now)
{
    struct class_totals *from = &s->by_class[old_cls < RC_COUNT ? old_cls : RC_OTHER];
    /* below the cap every partial sum was exact, so taking a part out is */
    if (saturated(&s->totals) || saturated(from))
        return false;
    take_from(&s->totals, old);
    take_from(from, old);
    add_to(&s->totals, now->vma);
    add_to(&s->by_class[now->cls < RC_COUNT ? now->cls : RC_OTHER], now->vma);
    return true;
}

const struct region *snapshot_find(const struct snapshot *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n_regions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct vma *v = s->regions[mid].vma;
        if (addr < v->start)
            hi = mid;
        else if (addr >= v->end)
            lo = mid + 1;
        else
            return &s->regions[mid];
    }
    return NULL;
}

void snapshot_runtime_label(const struct snapshot *s, char *out, size_t size)
{
    size_t len = 0;
    out[0] = 0;
    for (unsigned k = 0; k < RT_KIND_COUNT && len < size; k++) {
        unsigned bit = 1u << k;
        if (!(s->runtime.kinds & bit) || (bit & RT_ALLOCATORS))
            continue;
        int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "",
                         runtime_kind_name((enum runtime_kind)bit));
        len += n > 0 ? (size_t)n : 0;
    }
    if (len < size)
        snprintf(out + len, size - len, "%s%s%s", len ? ", " : "",
                 runtime_allocator_name(s->runtime.kinds),
                 (s->runtime.kinds & RT_ALLOCATORS) ? "" : " malloc");
}

const char *snapshot_heap_manager(const struct snapshot *s)
{
    unsigned kinds = s->runtime.kinds;
    for (unsigned k = 0; k < RT_KIND_COUNT; k++)
        if ((kinds & (1u << k)) && !((1u << k) & RT_ALLOCATORS))
            return runtime_kind_name((enum runtime_kind)(1u << k));
    return (kinds & RT_ALLOCATORS) ? runtime_allocator_name(kinds) : NULL;
}
