/* The summary table: sums per class and subclass, the PROT_NONE
 * reservations apart (VMMap's "reserved"), and the gaps of the user
 * address space. */
#include "vmscope/summary.h"
#include "vmscope/snapshot.h"

#include <string.h>

/* The subclasses worth a row of their own, under their class. */
enum sub_row { SUB_JIT, SUB_BRK, SUB_ARENA, SUB_RUNTIME, SUB_ANON, SUB_FILE, SUB_SHM, SUB_COUNT };

static const struct {
    enum region_class cls;
    const char *label, *key;
} sub_rows[SUB_COUNT] = {
    [SUB_JIT] = {RC_TEXT, "jit", "jit"},
    [SUB_BRK] = {RC_HEAP, "brk", "brk"},
    [SUB_ARENA] = {RC_HEAP, "arenas", "arena"},
    [SUB_RUNTIME] = {RC_HEAP, "runtime heaps", "runtime_heap"},
    [SUB_ANON] = {RC_MMAP, "anon", "anon"},
    [SUB_FILE] = {RC_MMAP, "file", "file"},
    [SUB_SHM] = {RC_MMAP, "shm", "shm"},
};

static int sub_row_of(const struct region *r)
{
    switch (r->subclass) {
    case RS_JIT:
        return r->cls == RC_TEXT ? SUB_JIT : -1;
    case RS_BRK:
        return SUB_BRK;
    case RS_ARENA:
        return SUB_ARENA;
    case RS_JAVA: case RS_METASPACE: case RS_CLASS_SPACE: case RS_V8: case RS_PYMALLOC:
    case RS_GO: case RS_JEMALLOC: case RS_TCMALLOC: case RS_MIMALLOC:
        return r->cls == RC_HEAP ? SUB_RUNTIME : -1;
    case RS_ANON:
        return r->cls == RC_MMAP ? SUB_ANON : -1;
    case RS_FILE:
        return r->cls == RC_MMAP ? SUB_FILE : -1;
    case RS_SHM:
        return r->cls == RC_MMAP ? SUB_SHM : -1;
    default:
        return -1;
    }
}

/* PROT_NONE: address space held, nothing can be touched. */
static bool reserved(const struct region *r)
{
    return r->vma->perms[0] == '-' && r->vma->perms[1] == '-' && r->vma->perms[2] == '-';
}

static void add_sat(uint64_t *t, uint64_t v)
{
    *t = *t > UINT64_MAX - v ? UINT64_MAX : *t + v;
}

static void add_block(struct summary_cell *c, uint64_t size)
{
    add_sat(&c->size, size);
    c->blocks++;
    if (size > c->largest)
        c->largest = size;
}

static void add_region(struct summary_cell *c, const struct vma *v)
{
    const uint64_t *f = v->field;
    add_block(c, vma_size(v));
    if (f[SMAPS_RSS] && !vma_has(v, SMAPS_PRIVATE_CLEAN))
        c->partial = true;
    add_sat(&c->rss, f[SMAPS_RSS]);
    add_sat(&c->priv, f[SMAPS_PRIVATE_CLEAN]);
    add_sat(&c->priv, f[SMAPS_PRIVATE_DIRTY]);
    add_sat(&c->shared, f[SMAPS_SHARED_CLEAN]);
    add_sat(&c->shared, f[SMAPS_SHARED_DIRTY]);
    add_sat(&c->swap, f[SMAPS_SWAP]);
    add_sat(&c->locked, f[SMAPS_LOCKED]);
    add_sat(&c->huge, f[SMAPS_ANON_HUGE]);
    add_sat(&c->huge, f[SMAPS_SHMEM_PMD_MAPPED]);
    add_sat(&c->huge, f[SMAPS_FILE_PMD_MAPPED]);
    add_sat(&c->huge, f[SMAPS_SHARED_HUGETLB]);
    add_sat(&c->huge, f[SMAPS_PRIVATE_HUGETLB]);
}

static void add_cell(struct summary_cell *t, const struct summary_cell *c)
{
    add_sat(&t->size, c->size);
    add_sat(&t->rss, c->rss);
    add_sat(&t->priv, c->priv);
    add_sat(&t->shared, c->shared);
    add_sat(&t->swap, c->swap);
    add_sat(&t->locked, c->locked);
    add_sat(&t->huge, c->huge);
    t->blocks += c->blocks;
    t->partial |= c->partial;
    if (c->largest > t->largest)
        t->largest = c->largest;
}

static struct summary_row *push(struct summary *sm, const char *label, const char *key,
                                enum summary_kind kind)
{
    struct summary_row *row = &sm->rows[sm->n++];
    row->label = label;
    row->key = key;
    row->kind = kind;
    return row;
}

void summary_compute(const struct snapshot *s, uint64_t min_addr, uint64_t task_size,
                     struct summary *out)
{
    struct summary_cell cls[RC_COUNT], sub[SUB_COUNT], res, gaps;
    memset(cls, 0, sizeof cls);
    memset(sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    memset(&gaps, 0, sizeof gaps);
    memset(out, 0, sizeof *out);
    uint64_t cursor = min_addr; /* the lowest address not yet seen mapped */
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        const struct vma *v = r->vma;
        if (vma_has(v, SMAPS_PRIVATE_CLEAN))
            out->has_detail = true;
        if (reserved(r)) {
            add_region(&res, v);
        } else {
            add_region(&cls[r->cls < RC_COUNT ? r->cls : RC_OTHER], v);
            int k = sub_row_of(r);
            if (k >= 0)
                add_region(&sub[k], v);
        }
        /* Regions are sorted by start: a gap is what lies before this one. */
        uint64_t end = v->start < task_size ? v->start : task_size;
        if (end > cursor)
            add_block(&gaps, end - cursor);
        if (v->end > cursor)
            cursor = v->end;
    }
    if (task_size > cursor)
        add_block(&gaps, task_size - cursor);

    struct summary_cell total;
    memset(&total, 0, sizeof total);
    for (int c = 0; c < RC_COUNT; c++) {
        push(out, region_class_name((enum region_class)c), region_class_name((enum region_class)c),
             SUMMARY_CLASS)->c = cls[c];
        add_cell(&total, &cls[c]);
        for (int k = 0; k < SUB_COUNT; k++)
            if (sub_rows[k].cls == (enum region_class)c && sub[k].blocks)
                push(out, sub_rows[k].label, sub_rows[k].key, SUMMARY_SUB)->c = sub[k];
    }
    push(out, "reserved", "reserved", SUMMARY_RESERVED)->c = res;
    add_cell(&total, &res);
    push(out, "free", "free", SUMMARY_FREE)->c = gaps;
    push(out, "Total", "total", SUMMARY_TOTAL)->c = total;
}

void summary_of(const struct snapshot *s, struct summary *out)
{
    uint64_t min = s->system.mmap_min_addr ? s->system.mmap_min_addr : SUMMARY_MMAP_MIN_DEFAULT;
    summary_compute(s, min, SUMMARY_TASK_SIZE, out);
}

bool summary_matches(const char *key, const struct region *r)
{
    if (!strcmp(key, "reserved"))
        return reserved(r);
    if (reserved(r))
        return false;
    int c = region_class_from_name(key);
    if (c >= 0)
        return r->cls == (enum region_class)c;
    int k = sub_row_of(r);
    return k >= 0 && !strcmp(sub_rows[k].key, key);
}

const struct summary_row *summary_free_row(const struct summary *sm)
{
    for (size_t i = 0; i < sm->n; i++)
        if (sm->rows[i].kind == SUMMARY_FREE)
            return &sm->rows[i];
    return NULL;
}
