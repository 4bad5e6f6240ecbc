/* Region classification from evidence (see classify.h). Passes run from the
 * weakest evidence to the strongest, each overriding the previous:
 * names and permissions, ELF program headers, the brk range, the arena
 * layout, thread stack pointers. */
#include "vmscope/classify.h"
#include "vmscope/elf_image.h"
#include "vmscope/image_layout.h"
#include "vmscope/features.h"
#include "vmscope/rules.h"
#include "vmscope/runtime.h"
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

#define ARENA_HEAP_SIZE (UINT64_C(64) << 20) /* glibc HEAP_MAX_SIZE on 64-bit */

static void set_class(struct region *r, enum region_class c, enum region_subclass sub,
                      const char *evidence)
{
    r->cls = c;
    r->subclass = sub;
    r->evidence = evidence;
}

static bool name_is(const struct vma *v, const char *s)
{
    return strcmp(v->name, s) == 0;
}

static bool name_starts(const struct vma *v, const char *prefix)
{
    return strncmp(v->name, prefix, strlen(prefix)) == 0;
}

static bool is_anonymous(const struct vma *v)
{
    return v->inode == 0 && v->name[0] == '\0';
}

static bool is_prot_none(const struct vma *v)
{
    return v->perms[0] == '-' && v->perms[1] == '-' && v->perms[2] == '-';
}

/* Pass 1: what names and permissions alone say. */
static void classify_by_name(struct region *r)
{
    const struct vma *v = r->vma;
    static const struct {
        const char *name;
        enum region_class cls;
        enum region_subclass sub;
    } special[] = {
        {"[heap]", RC_HEAP, RS_BRK},        {"[stack]", RC_STACK, RS_MAIN},
        {"[vdso]", RC_OTHER, RS_VDSO},      {"[vvar]", RC_OTHER, RS_VVAR},
        {"[vvar_vclock]", RC_OTHER, RS_VVAR_VCLOCK}, {"[vsyscall]", RC_OTHER, RS_VSYSCALL},
        {"[uprobes]", RC_OTHER, RS_UPROBES},
    };
    for (size_t i = 0; v->name[0] == '[' && i < ARRAY_LEN(special); i++) { /* all are [...] */
        if (name_is(v, special[i].name)) {
            set_class(r, special[i].cls, special[i].sub, "the kernel's name for it");
            return;
        }
    }
    if (name_starts(v, "[anon_shmem:")) {
        set_class(r, RC_MMAP, RS_SHM, "shared anonymous memory the process named");
    } else if (name_starts(v, "[anon:")) {
        set_class(r, RC_MMAP, RS_ANON, "anonymous memory the process named");
    } else if (v->name[0] == '[') {
        set_class(r, RC_OTHER, RS_SPECIAL, "a kernel-named mapping");
    } else if (is_anonymous(v)) {
        if (is_prot_none(v))
            set_class(r, RC_OTHER, RS_RESERVE, "anonymous PROT_NONE: reserved address space");
        else if (v->perms[3] == 's')
            set_class(r, RC_MMAP, RS_SHM, "shared anonymous memory");
        else
            set_class(r, RC_MMAP, RS_ANON, "private anonymous memory");
    } else if (name_starts(v, "/memfd:") || name_starts(v, "/SYSV") ||
               name_starts(v, "/secretmem") || (name_is(v, "/dev/zero") && v->deleted)) {
        /* memfd, SysV shm, secretmem, and shared anonymous memory (which the
         * kernel backs with a deleted /dev/zero shmem file). */
        set_class(r, RC_MMAP, RS_SHM, name_starts(v, "/SYSV") ? "a SysV shared memory segment"
                                      : name_starts(v, "/memfd:") ? "a memfd"
                                                                  : "shared memory (shmem)");
    } else if (name_starts(v, "/anon_hugepage")) {
        set_class(r, RC_MMAP, RS_ANON, "anonymous huge pages (hugetlbfs)");
    } else if (is_prot_none(v)) {
        set_class(r, RC_OTHER, RS_RESERVE, "a PROT_NONE file mapping: reserved address space");
    } else {
        set_class(r, RC_MMAP, RS_FILE, "a file mapping that is not part of a loaded ELF image");
    }
}

/* ---- ELF images ---------------------------------------------------- */

struct elf_instance {
    uint32_t dev_major, dev_minor;
    uint64_t inode;
    uint64_t bias;
    uint64_t lo, hi; /* runtime extent of all PT_LOADs, page-rounded */
    struct elf_image img;
    const char *object;
    const struct image_part *image; /* owned by the snapshot */
    size_t n_image;
};

struct elf_pass {
    struct snapshot *snap;
    const struct classify_context *ctx;
    uint64_t page_mask;
    struct runtime_info *rt; /* what the mapped images say about runtimes */
    uint64_t start_code;     /* the executable's text, from stat; 0 if masked */
    struct elf_instance *inst;
    size_t n_inst, cap_inst;
};

static bool regular_file_mapping(const struct vma *v)
{
    /* Devices and special files (/dev/zero, anon_inode:) are never ELF. */
    return v->name[0] == '/' && v->inode != 0 && !(v->dev_major == 0 && v->dev_minor <= 1) &&
           !name_starts(v, "/dev/");
}

static struct elf_instance *new_instance(struct elf_pass *p, const struct region *r)
{
    const struct vma *v = r->vma;
    int fd = p->ctx && p->ctx->target ? proc_open_mapped_file(p->ctx->target, v) : -1;
    if (fd < 0)
        return NULL;
    struct elf_image img;
    int rc = elf_image_load(fd, &img);
    uint64_t bias;
    if (rc < 0 || !image_load_bias(&img, v->start, p->page_mask, &bias)) {
        if (rc == 0)
            elf_image_free(&img);
        close(fd);
        return NULL;
    }
    xgrow((void **)&p->inst, &p->cap_inst, p->n_inst + 1, sizeof *p->inst);
    struct elf_instance *in = &p->inst[p->n_inst++];
    memset(in, 0, sizeof *in);
    in->dev_major = v->dev_major;
    in->dev_minor = v->dev_minor;
    in->inode = v->inode;
    in->bias = bias;
    in->img = img;
    /* Its parts at run time, for the detail and the JSON: computed here,
     * once, while the image is open. */
    struct image_part *parts;
    in->n_image = image_layout(&img, bias, &parts);
    in->image = snapshot_add_image(p->snap, parts, in->n_image);
    free(parts);
    in->lo = UINT64_MAX;
    for (size_t i = 0; i < img.n_loads; i++) {
        uint64_t s = (in->bias + img.loads[i].vaddr) & ~p->page_mask;
        uint64_t e = (in->bias + img.loads[i].vaddr + img.loads[i].memsz + p->page_mask) &
                     ~p->page_mask;
        if (s < in->lo)
            in->lo = s;
        if (e > in->hi)
            in->hi = e;
    }
    in->object = strtab_intern(&p->snap->objects, v->name);
    p->rt->kinds |= runtime_from_path(v->name, &p->rt->python_minor);
    /* The executable's symbols, once per process image (runtime.h). */
    if (!p->rt->exe_probed && p->start_code >= in->lo && p->start_code < in->hi) {
        p->rt->kinds |= runtime_from_elf(fd);
        p->rt->exe_probed = true;
    }
    close(fd);
    return in;
}

static struct elf_instance *find_instance(struct elf_pass *p, const struct vma *v)
{
    /* Newest first: a re-mapped inode shadows an older instance. */
    for (size_t i = p->n_inst; i-- > 0;) {
        struct elf_instance *in = &p->inst[i];
        if (in->inode == v->inode && in->dev_major == v->dev_major &&
            in->dev_minor == v->dev_minor && v->start >= in->lo && v->start < in->hi)
            return in;
    }
    return NULL;
}

static const struct elf_segment *segment_at(const struct elf_pass *p,
                                            const struct elf_instance *in, uint64_t addr)
{
    for (size_t i = 0; i < in->img.n_loads; i++) {
        const struct elf_segment *s = &in->img.loads[i];
        uint64_t lo = (in->bias + s->vaddr) & ~p->page_mask;
        uint64_t hi = (in->bias + s->vaddr + s->memsz + p->page_mask) & ~p->page_mask;
        if (addr >= lo && addr < hi)
            return s;
    }
    return NULL;
}

static bool perms_within(const struct vma *v, uint32_t seg_flags)
{
    return (v->perms[1] != 'w' || (seg_flags & PF_W)) && (v->perms[2] != 'x' || (seg_flags & PF_X));
}

/* Classifies one file mapping that lies in an ELF instance. Returns false
 * when the mapping does not fit the image (someone mmap'ed the file). */
static bool classify_image_mapping(struct elf_pass *p, struct elf_instance *in, struct region *r)
{
    const struct vma *v = r->vma;
    const struct elf_segment *s = segment_at(p, in, v->start);
    if (!s) {
        if (!is_prot_none(v))
            return false;
        /* ld.so's PROT_NONE gaps between segments */
        set_class(r, RC_OTHER, RS_RESERVE, "a PROT_NONE gap between an ELF image's segments");
        r->object = in->object;
        r->image = in->image;
        r->n_image = in->n_image;
        return true;
    }
    if (!perms_within(v, s->flags) || v->perms[3] != 'p')
        return false;
    r->object = in->object;
    r->image = in->image;
    r->n_image = in->n_image;
    uint64_t file_end = (in->bias + s->vaddr + s->filesz + p->page_mask) & ~p->page_mask;
    if (in->img.has_relro && v->perms[1] != 'w') {
        /* ld.so mprotects [ALIGN_DOWN(start), ALIGN_DOWN(end)) read-only. */
        uint64_t rs = (in->bias + in->img.relro_vaddr) & ~p->page_mask;
        uint64_t re = (in->bias + in->img.relro_vaddr + in->img.relro_memsz) & ~p->page_mask;
        if (v->start >= rs && v->end <= re && v->start < re) {
            set_class(r, RC_TEXT, RS_RELRO, "PT_GNU_RELRO of its ELF image, read-only after relocation");
            return true;
        }
    }
    if (s->flags & PF_X)
        set_class(r, RC_TEXT, RS_CODE, "an executable PT_LOAD of its ELF image");
    else if ((s->flags & PF_W) && v->start >= file_end)
        set_class(r, RC_BSS, RS_BSS, "the zero-filled part of a writable PT_LOAD");
    else if (s->flags & PF_W)
        set_class(r, RC_DATA, RS_DATA, "a writable PT_LOAD of its ELF image");
    else
        set_class(r, RC_TEXT, RS_RODATA, "a read-only PT_LOAD of its ELF image");
    return true;
}

/* A mapping of an ELF file outside its loaded image: an executable one
 * that maps the file pages of an executable segment is a remapped copy of
 * that code (node remaps V8's embedded builtins next to the JIT code);
 * anything else is a plain file mapping. */
static void classify_foreign_mapping(struct elf_pass *p, struct region *r)
{
    const struct vma *v = r->vma;
    if (is_prot_none(v)) {
        set_class(r, RC_OTHER, RS_RESERVE, "a PROT_NONE file mapping: reserved address space");
        return;
    }
    set_class(r, RC_MMAP, RS_FILE, "a file mapping that is not part of a loaded ELF image");
    if (v->perms[2] != 'x')
        return;
    for (size_t i = p->n_inst; i-- > 0;) {
        const struct elf_instance *in = &p->inst[i];
        if (in->inode != v->inode || in->dev_major != v->dev_major || in->dev_minor != v->dev_minor)
            continue;
        for (size_t k = 0; k < in->img.n_loads; k++) {
            const struct elf_segment *s = &in->img.loads[k];
            if ((s->flags & PF_X) && v->offset >= (s->offset & ~p->page_mask) &&
                v->offset + vma_size(v) <= s->offset + s->filesz + p->page_mask) {
                set_class(r, RC_TEXT, RS_CODE,
                          "a remapped copy of its ELF image's executable segment");
                r->object = in->object;
                return;
            }
        }
        return;
    }
}

/* The zero-fill tail of a writable PT_LOAD beyond its last file page is an
 * anonymous mapping right after the image's data mapping. */
static void classify_bss_tail(struct elf_pass *p, const struct region *prev, struct region *r)
{
    if (!prev || !prev->object || !is_anonymous(r->vma) || r->vma->start != prev->vma->end ||
        (prev->cls != RC_DATA && prev->cls != RC_BSS) || r->vma->perms[1] != 'w')
        return;
    struct elf_instance *in = find_instance(p, prev->vma);
    if (!in)
        return;
    const struct elf_segment *s = segment_at(p, in, r->vma->start);
    if (!s || !(s->flags & PF_W) || s->memsz <= s->filesz)
        return;
    set_class(r, RC_BSS, RS_BSS, "anonymous memory after a writable PT_LOAD's file pages: its bss");
    r->object = in->object;
    r->image = in->image;
    r->n_image = in->n_image;
}

/* ---- the classifier ------------------------------------------------
 * One step per region, in address order, looking only at the region, the
 * one before it (already classified) and the header of the one after it.
 * That is all the evidence needs, and it lets capture classify each record
 * while smaps is still being read. */

#define ARENA_RESERVE_FLAGS REGION_HEURISTIC

/* Where a thread's stack is known to be: its SP, or (for a thread running
 * in user space, whose SP is unreadable) the start of the stack an earlier
 * sample gave it. */
struct stack_hint {
    uint64_t addr;
    pid_t tid;
    bool exact_start; /* history: addr is the VMA's start */
    bool used;
    unsigned flags;
};

struct classifier {
    struct elf_pass elf;
    struct runtime_info rt;
    unsigned kinds_at_start; /* known before the first region (from the cache) */
    size_t old_at;           /* carry_vmflags' place in the previous sample */
    const struct classify_context *ctx;
    pid_t pid;
    uint64_t start_brk; /* 0 when stat was masked */
    struct stack_hint *hints;
    size_t n_hints;
    size_t unknown; /* threads with neither SP nor history */
};

/* A VMA a thread stack can live in: writable anonymous memory. */
static bool stack_candidate(const struct vma *v)
{
    return v->perms[1] == 'w' && (is_anonymous(v) || name_starts(v, "[anon:"));
}

static void add_hint(struct classifier *c, uint64_t addr, pid_t tid, bool exact, unsigned flags)
{
    c->hints = xrealloc(c->hints, (c->n_hints + 1) * sizeof *c->hints);
    c->hints[c->n_hints++] = (struct stack_hint){addr, tid, exact, false, flags};
}

/* The previous sample's thread stacks by thread: (tid, region index)
 * sorted by both, so each thread's first stack is one bsearch away (a
 * JVM has a thousand threads and twenty thousand regions). */
struct tid_slot {
    pid_t tid;
    size_t index;
};

static int cmp_tid_slot(const void *a, const void *b)
{
    const struct tid_slot *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_tid_only(const void *key, const void *b)
{
    pid_t x = *(const pid_t *)key, y = ((const struct tid_slot *)b)->tid;
    return x < y ? -1 : x > y;
}

static const struct region *old_stack_of(const struct snapshot *prev, const struct tid_slot *slots,
                                         size_t n, pid_t tid)
{
    const struct tid_slot *hit = n ? bsearch(&tid, slots, n, sizeof *slots, cmp_tid_only) : NULL;
    if (!hit)
        return NULL;
    while (hit > slots && hit[-1].tid == tid)
        hit--; /* the first in address order, as a scan would find */
    return &prev->regions[hit->index];
}

static void collect_stack_hints(struct classifier *c)
{
    const struct thread_list *tl = c->ctx ? c->ctx->threads : NULL;
    const struct snapshot *prev = c->ctx ? c->ctx->previous : NULL;
    struct tid_slot *slots = NULL;
    size_t n_slots = 0;
    if (tl && tl->count && prev) {
        slots = xcalloc(prev->n_regions + 1, sizeof *slots);
        for (size_t i = 0; i < prev->n_regions; i++)
            if (prev->regions[i].cls == RC_STACK && prev->regions[i].subclass == RS_THREAD)
                slots[n_slots++] = (struct tid_slot){prev->regions[i].tid, i};
        qsort(slots, n_slots, sizeof *slots, cmp_tid_slot);
    }
    for (size_t k = 0; tl && k < tl->count; k++) {
        const struct thread_sp *t = &tl->items[k];
        if (t->sp_known) {
            add_hint(c, t->sp, t->tid, false, 0);
            continue;
        }
        if (t->tid == c->pid)
            continue; /* the main thread's stack is [stack] */
        const struct region *old = old_stack_of(prev, slots, n_slots, t->tid);
        if (old)
            add_hint(c, old->vma->start, t->tid, true, old->flags);
        else
            c->unknown++;
    }
    free(slots);
}

/* The hint placing a thread stack in v, if any. An SP exactly at v's end
 * (an empty stack) belongs to v unless the next VMA starts there. */
static struct stack_hint *hint_in(struct classifier *c, const struct vma *v, const struct vma *next)
{
    for (size_t i = 0; i < c->n_hints; i++) {
        struct stack_hint *h = &c->hints[i];
        if (h->exact_start ? h->addr == v->start
                           : h->addr >= v->start &&
                                 (h->addr < v->end ||
                                  (h->addr == v->end && !(next && next->start == v->end))))
            return h;
    }
    return NULL;
}

struct classifier *classifier_new(struct snapshot *snap, const struct classify_context *ctx)
{
    struct classifier *c = xcalloc(1, sizeof *c);
    c->elf.snap = snap;
    c->elf.ctx = ctx;
    c->elf.page_mask = (uint64_t)kernel_features()->page_size - 1;
    c->elf.rt = &c->rt;
    c->ctx = ctx;
    c->pid = snap->proc.pid;
    const struct proc_stat *st = ctx ? ctx->stat : NULL;
    c->start_brk = st && !st->masked ? st->start_brk : 0;
    if (st && !st->masked) {
        c->elf.start_code = st->start_code;
        c->rt.image_key[0] = st->start_code;
        c->rt.image_key[1] = st->end_code;
        c->rt.image_key[2] = st->start_stack;
    }
    /* Detection once per process image: the previous sample's, unless the
     * process exec'ed since (stat's layout fields moved). */
    const struct snapshot *prev = ctx ? ctx->previous : NULL;
    if (prev && prev->proc.pid == c->pid && prev->runtime.exe_probed && c->rt.image_key[0] &&
        memcmp(prev->runtime.image_key, c->rt.image_key, sizeof c->rt.image_key) == 0)
        c->rt = prev->runtime;
    c->kinds_at_start = c->rt.kinds;
    collect_stack_hints(c);
    return c;
}

static void step_elf(struct classifier *c, struct region *r, const struct region *prev)
{
    const struct vma *v = r->vma;
    if (!regular_file_mapping(v)) {
        classify_bss_tail(&c->elf, prev, r);
        return;
    }
    struct elf_instance *in = NULL;
    if (v->offset == 0 && v->perms[3] == 'p')
        in = new_instance(&c->elf, r);
    if (!in)
        in = find_instance(&c->elf, v);
    if (!in || !classify_image_mapping(&c->elf, in, r))
        classify_foreign_mapping(&c->elf, r);
}

/* glibc non-main arenas: a 64 MiB-aligned rw-p heap followed by its
 * PROT_NONE reserve up to the next 64 MiB boundary (§8.3). */
static bool arena_reserve_of(const struct vma *heap, const struct vma *next)
{
    return next && is_anonymous(next) && is_prot_none(next) && next->start == heap->end &&
           next->end == heap->start + ARENA_HEAP_SIZE;
}

/* glibc's heap_info at the start of every arena heap: the arena it
 * belongs to, the previous heap, its size and the size made read-write. A
 * heap grown to the whole 64 MiB has no reserve to tell it from any
 * 64 MiB mmap that happens to be aligned (one in 32 with THP alignment),
 * so its header must say so: a zero-filled mapping does not. */
static bool heap_info_says_full(const struct proc_target *t, const struct vma *v)
{
    uint64_t info[4]; /* ar_ptr, prev, size, mprotect_size */
    /* A header glibc wrote is in RAM; a page never touched is no heap's. */
    if (!t || proc_read_present_memory(t, v->start, info, sizeof info) < 0)
        return false;
    return info[0] != 0 && info[2] > 0 && info[2] <= ARENA_HEAP_SIZE &&
           info[3] == ARENA_HEAP_SIZE;
}

static bool is_arena(const struct proc_target *t, const struct vma *v, const struct vma *next)
{
    if (!is_anonymous(v) || strcmp(v->perms, "rw-p") != 0 || v->start % ARENA_HEAP_SIZE)
        return false;
    uint64_t limit = v->start + ARENA_HEAP_SIZE;
    if (v->end == limit)
        return heap_info_says_full(t, v);
    return v->end < limit && arena_reserve_of(v, next);
}

static void step_heap(struct classifier *c, struct region *r, const struct region *prev,
                      const struct vma *next)
{
    const struct vma *v = r->vma;
    /* The brk heap may be unnamed when it merged or moved; the brk start
     * from stat is the proof. */
    if (c->start_brk && is_anonymous(v) && v->start == c->start_brk && v->perms[1] == 'w')
        set_class(r, RC_HEAP, RS_BRK, "starts at the brk start in /proc/PID/stat");
    if (is_arena(c->ctx ? c->ctx->target : NULL, v, next)) {
        set_class(r, RC_HEAP, RS_ARENA, "a 64 MiB-aligned heap of glibc's arena layout");
        r->flags |= REGION_HEURISTIC;
    } else if (prev && prev->cls == RC_HEAP && prev->subclass == RS_ARENA &&
               arena_reserve_of(prev->vma, v)) {
        set_class(r, RC_OTHER, RS_RESERVE, "the PROT_NONE rest of a glibc arena's 64 MiB");
        r->flags |= ARENA_RESERVE_FLAGS;
    }
}

static void step_stack(struct classifier *c, struct region *r, const struct vma *next)
{
    const struct vma *v = r->vma;
    if (r->cls == RC_STACK && r->subclass == RS_MAIN) {
        r->tid = c->pid;
        return;
    }
    if (stack_candidate(v)) {
        struct stack_hint *h = hint_in(c, v, next);
        if (h && h->tid != c->pid) {
            set_class(r, RC_STACK, RS_THREAD,
                      h->exact_start ? "the stack this thread had in the previous sample"
                                     : "holds the thread's stack pointer");
            r->tid = h->tid;
            r->flags = h->flags;
            h->used = true;
        }
        return;
    }
    /* glibc puts a PROT_NONE guard page right below each thread stack. */
    if (is_anonymous(v) && is_prot_none(v) && next && next->start == v->end &&
        stack_candidate(next)) {
        const struct stack_hint *h = hint_in(c, next, NULL);
        if (h && h->tid != c->pid)
            set_class(r, RC_OTHER, RS_GUARD, "PROT_NONE right below a thread's stack");
    }
}

/* A light sample reads maps, without VmFlags; capture gives a VMA that did
 * not change the previous sample's fields afterwards (carry_fields). The
 * rules need them now, or an allocator's extents would be told apart by a
 * weaker pattern on light ticks only. */
static void carry_vmflags(struct classifier *c, struct vma *v)
{
    const struct snapshot *old = c->ctx ? c->ctx->previous : NULL;
    if (v->has_vmflags || !old || old->proc.pid != c->pid)
        return;
    /* Both in address order: one merge walk per sample, restarted only
     * when capture steps back over a rewritten record. */
    size_t i = c->old_at;
    if (i > 0 && i <= old->n_regions && old->regions[i - 1].vma->end > v->start)
        i = 0;
    while (i < old->n_regions && old->regions[i].vma->end <= v->start)
        i++;
    c->old_at = i;
    const struct region *o = i < old->n_regions ? &old->regions[i] : NULL;
    if (o && o->vma->has_vmflags && o->vma->start == v->start && o->vma->end == v->end &&
        o->vma->inode == v->inode && memcmp(o->vma->perms, v->perms, 4) == 0) {
        v->vmflags = o->vma->vmflags;
        v->has_vmflags = true;
    }
}

void classifier_step(struct classifier *c, struct region *r, const struct region *prev,
                     const struct vma *next)
{
    r->object = NULL;
    r->image = NULL;
    r->n_image = 0;
    r->tid = 0;
    r->flags = 0;
    classify_by_name(r);
    step_elf(c, r, prev);
    step_heap(c, r, prev, next);
    step_stack(c, r, next);
    carry_vmflags(c, r->vma);
    rules_apply(r, prev, next, &c->rt);
}

/* A runtime found only while stepping (its library lies above memory it
 * manages): apply the rules again to what was stepped before. */
static bool apply_late_rules(struct classifier *c, struct snapshot *s)
{
    if (c->rt.kinds == c->kinds_at_start)
        return false;
    bool changed = false;
    for (size_t i = 0; i < s->n_regions; i++)
        changed |= rules_apply(&s->regions[i], i ? &s->regions[i - 1] : NULL,
                               i + 1 < s->n_regions ? s->regions[i + 1].vma : NULL, &c->rt);
    return changed;
}

/* Threads running in user space with no SP and no history: fall back to
 * glibc's layout, a PROT_NONE guard directly below an anonymous rw-p VMA,
 * highest addresses first (newer stacks are mapped lower), at most one per
 * such thread. Returns true if it changed any region. */
static bool guess_running_stacks(struct snapshot *s, size_t unknown)
{
    bool changed = false;
    for (size_t i = s->n_regions; i-- > 1 && unknown > 0;) {
        struct region *r = &s->regions[i], *g = &s->regions[i - 1];
        bool stack_like = r->cls == RC_MMAP && is_anonymous(r->vma) &&
                          strcmp(r->vma->perms, "rw-p") == 0;
        bool guard_like = g->cls == RC_OTHER && g->subclass == RS_RESERVE &&
                          is_anonymous(g->vma) && g->vma->end == r->vma->start &&
                          !(g->flags & ARENA_RESERVE_FLAGS); /* not an arena's reserve */
        if (!stack_like || !guard_like)
            continue;
        set_class(r, RC_STACK, RS_THREAD, "glibc's layout: rw-p above a PROT_NONE guard");
        r->flags |= REGION_HEURISTIC;
        set_class(g, RC_OTHER, RS_GUARD, "PROT_NONE right below a guessed thread stack");
        unknown--;
        changed = true;
    }
    return changed;
}

bool classifier_finish(struct classifier *c, struct snapshot *s)
{
    size_t unknown = c->unknown;
    for (size_t i = 0; i < c->n_hints; i++)
        unknown += c->hints[i].exact_start && !c->hints[i].used; /* that stack is gone */
    bool changed = apply_late_rules(c, s);
    changed |= unknown && guess_running_stacks(s, unknown);
    s->runtime = c->rt;
    for (size_t i = 0; i < c->elf.n_inst; i++)
        elf_image_free(&c->elf.inst[i].img);
    free(c->elf.inst);
    free(c->hints);
    free(c);
    return changed;
}

bool classifier_needs_whole_picture(const struct classifier *c)
{
    return c->unknown > 0;
}

void classify_snapshot(struct snapshot *s, const struct classify_context *ctx)
{
    struct classifier *c = classifier_new(s, ctx);
    for (size_t i = 0; i < s->n_regions; i++)
        classifier_step(c, &s->regions[i], i ? &s->regions[i - 1] : NULL,
                        i + 1 < s->n_regions ? s->regions[i + 1].vma : NULL);
    classifier_finish(c, s);
}
