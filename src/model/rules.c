/* The rule table (see rules.h). Rules are data: the evidence each needs
 * is in its fields, and only what a field cannot say (neighbours, a size
 * that depends on the runtime's version) is a test function. */
#include "vmscope/rules.h"
#include "vmscope/util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KIB(n) ((uint64_t)(n) << 10)
#define MIB(n) ((uint64_t)(n) << 20)
#define GIB(n) ((uint64_t)(n) << 30)
#define TIB(n) ((uint64_t)(n) << 40)

/* The generic results a rule may refine. */
#define OVER(s) (UINT64_C(1) << (s))
_Static_assert(RS_COUNT <= 64, "subclass masks are 64 bits");

enum name_match {
    NM_ANON,     /* no name and no file */
    NM_PREFIX,   /* name starts with .name */
    NM_SUFFIX,   /* name ends with .name */
    NM_ANON_NAME, /* "[anon:NAME]" (PR_SET_VMA_ANON_NAME), NAME starting with .name */
};

struct rule_input {
    const struct vma *v;
    const struct region *prev; /* adjacent or not; the test checks */
    const struct vma *next;
    const struct runtime_info *rt;
};

struct rule {
    unsigned needs;        /* enum runtime_kind bits, any of them; 0: every process */
    uint64_t over;         /* OVER() bits of the subclasses it refines */
    enum name_match match;
    const char *name;
    const char *perms;     /* "rw-p" with '.' for any; NULL: any */
    uint64_t align;        /* of the start; 0: any */
    bool (*test)(const struct rule_input *in);
    enum region_class cls;
    enum region_subclass sub;
    bool heuristic;        /* a pattern, not a proof */
    const char *evidence;
};

static bool adjacent_prev(const struct rule_input *in, enum region_subclass a, enum region_subclass b)
{
    return in->prev && in->prev->vma->end == in->v->start &&
           (in->prev->subclass == a || in->prev->subclass == b);
}

/* Compressed oops put the Java heap below 32 GiB (HotSpot tries an
 * unscaled heap below 4 GiB, then a zero-based one below 32 GiB). */
static bool java_heap_range(const struct rule_input *in)
{
    return in->v->end <= GIB(32);
}

/* The compressed class space is reserved right after the CDS archive. */
static bool after_cds(const struct rule_input *in)
{
    return adjacent_prev(in, RS_CDS, RS_CLASS_SPACE);
}

/* Metaspace: 4 MiB-aligned root chunks committed from the bottom of a
 * PROT_NONE reservation, or a piece adjacent to one. */
static bool metaspace_like(const struct rule_input *in)
{
    if (adjacent_prev(in, RS_METASPACE, RS_METASPACE))
        return true;
    const struct vma *n = in->next;
    return in->v->start % MIB(4) == 0 && in->v->perms[0] == 'r' && n &&
           n->start == in->v->end && n->inode == 0 && n->name[0] == '\0' &&
           memcmp(n->perms, "---p", 4) == 0 && n->end % MIB(4) == 0;
}

/* pymalloc arenas: 256 KiB before CPython 3.10, 1 MiB since; adjacent
 * arenas merge into one VMA, so a multiple. */
static bool pymalloc_size(const struct rule_input *in)
{
    uint64_t arena = in->rt->python_minor && in->rt->python_minor < 10 ? KIB(256) : MIB(1);
    return vma_size(in->v) % arena == 0;
}

/* jemalloc and mimalloc map with MAP_NORESERVE ("nr" in VmFlags); without
 * VmFlags (a light sample), jemalloc's extents are 2 MiB-aligned and
 * mimalloc's segments lie in its hint range [2 TiB, 30 TiB). */
static bool noreserve(const struct vma *v)
{
    static int nr = -2;
    if (nr == -2)
        nr = vmflag_index("nr");
    return nr >= 0 && (v->vmflags & VMFLAG_BIT(nr));
}

static bool jemalloc_extent(const struct rule_input *in)
{
    return in->v->has_vmflags ? noreserve(in->v) : in->v->start % MIB(2) == 0;
}

static bool mimalloc_segment(const struct rule_input *in)
{
    return in->v->has_vmflags ? noreserve(in->v)
                              : in->v->start >= TIB(2) && in->v->end <= TIB(30);
}

/* Go's heap arena hints: 0x00c0 << 32, then one more per 2^40. */
static bool go_arena(const struct rule_input *in)
{
    return ((in->v->start >> 32) & 0xff) == 0xc0 && in->v->end <= TIB(128);
}

static bool not_special_dev(const struct rule_input *in)
{
    const char *n = in->v->name;
    return strncmp(n, "/dev/shm/", 9) != 0 && strncmp(n, "/dev/hugepages/", 15) != 0 &&
           strncmp(n, "/dev/mqueue/", 12) != 0 && strcmp(n, "/dev/zero") != 0;
}

#define ANON_GENERIC (OVER(RS_ANON) | OVER(RS_RESERVE))

/* A name the process gave its anonymous memory proves what it is. */
#define ANON_NAMED(prefix, cls, sub, evidence) \
    {0, OVER(RS_ANON), NM_ANON_NAME, prefix, NULL, 0, NULL, cls, sub, false, evidence}

static const struct rule rules[] = {
    /* Names a process gave its anonymous memory (PR_SET_VMA_ANON_NAME). */
    ANON_NAMED("glibc: malloc arena", RC_HEAP, RS_ARENA,
               "named by glibc (glibc.mem.decorate_maps): a malloc arena"),
    ANON_NAMED("glibc: pthread stack", RC_STACK, RS_THREAD,
               "named by glibc (glibc.mem.decorate_maps): a thread stack"),
    ANON_NAMED("stack_and_tls:", RC_STACK, RS_THREAD, "named by bionic: a thread stack"),
    ANON_NAMED("dalvik-", RC_HEAP, RS_JAVA,
               "named by Android's runtime: the Java heap and its spaces"),
    ANON_NAMED("Go: ", RC_HEAP, RS_GO,
               "named by the Go runtime (Go 1.25+): its heap and metadata"),
    ANON_NAMED("cpython:pymalloc", RC_HEAP, RS_PYMALLOC, "named by CPython: pymalloc arenas"),
    ANON_NAMED("cpython:jit", RC_TEXT, RS_JIT, "named by CPython: JIT code"),
    ANON_NAMED("mimalloc", RC_HEAP, RS_MIMALLOC, "named by mimalloc: its segments"),
    ANON_NAMED("jemalloc", RC_HEAP, RS_JEMALLOC, "named by jemalloc: its extents"),
    /* Generated code. */
    /* (these two also refine the generic rule's result: the runtime may be
     * found only after its code was stepped) */
    {RT_JVM, OVER(RS_ANON) | OVER(RS_JIT), NM_ANON, NULL, "..x.", 0, NULL, RC_TEXT, RS_JIT, false,
     "anonymous executable memory in a JVM: the code cache"},
    {RT_V8, OVER(RS_ANON) | OVER(RS_JIT), NM_ANON, NULL, "..x.", 0, NULL, RC_TEXT, RS_JIT, false,
     "anonymous executable memory in V8: the code space"},
    {0, OVER(RS_ANON), NM_ANON, NULL, "..x.", 0, NULL, RC_TEXT, RS_JIT, false,
     "anonymous executable memory: code generated at run time"},
    /* JVM (HotSpot). */
    {RT_JVM, ANON_GENERIC, NM_ANON, NULL, NULL, 0, java_heap_range, RC_HEAP, RS_JAVA, true,
     "JVM: anonymous memory below 32 GiB, the compressed-oops Java heap reservation"},
    {RT_JVM, OVER(RS_FILE), NM_SUFFIX, ".jsa", NULL, 0, java_heap_range, RC_HEAP, RS_JAVA, true,
     "JVM: archived heap objects of the CDS archive, mapped into the Java heap"},
    {RT_JVM, OVER(RS_FILE), NM_SUFFIX, ".jsa", NULL, 0, NULL, RC_DATA, RS_CDS, false,
     "JVM: the class data sharing archive (.jsa)"},
    {RT_JVM, ANON_GENERIC, NM_ANON, NULL, NULL, 0, after_cds, RC_HEAP, RS_CLASS_SPACE, true,
     "JVM: the reservation after the CDS archive, the compressed class space"},
    {RT_JVM, ANON_GENERIC, NM_ANON, NULL, NULL, 0, metaspace_like, RC_HEAP, RS_METASPACE, true,
     "JVM: a 4 MiB-aligned reservation committed from its bottom, metaspace"},
    /* V8 (node). */
    {RT_V8, OVER(RS_ANON), NM_ANON, NULL, "r.-p", KIB(256), NULL, RC_HEAP, RS_V8, true,
     "V8: a 256 KiB-aligned anonymous page of its heap"},
    /* CPython. */
    {RT_CPYTHON, OVER(RS_ANON), NM_ANON, NULL, "rw-p", 0, pymalloc_size, RC_HEAP, RS_PYMALLOC,
     true, "CPython: anonymous memory in whole pymalloc arenas"},
    /* Go. */
    /* (goroutine stacks live in the heap, so an OS thread's stack pointer
     * may point here: the heap it is) */
    {RT_GO, ANON_GENERIC | OVER(RS_THREAD), NM_ANON, NULL, NULL, 0, go_arena, RC_HEAP, RS_GO, true,
     "Go: anonymous memory at the runtime's heap arena hints (0xc0 << 32)"},
    /* Allocators. */
    {RT_JEMALLOC, OVER(RS_ANON), NM_ANON, NULL, "rw-p", 0, jemalloc_extent, RC_HEAP, RS_JEMALLOC,
     true, "jemalloc: an extent (anonymous, MAP_NORESERVE)"},
    {RT_MIMALLOC, OVER(RS_ANON), NM_ANON, NULL, "rw-p", 0, mimalloc_segment, RC_HEAP, RS_MIMALLOC,
     true, "mimalloc: a segment (anonymous, MAP_NORESERVE)"},
    {RT_TCMALLOC, OVER(RS_BRK), NM_PREFIX, "", NULL, 0, NULL, RC_HEAP, RS_TCMALLOC, false,
     "tcmalloc: the brk heap, which tcmalloc grows with sbrk"},
    /* Memory that is not a runtime's. */
    {0, OVER(RS_FILE), NM_PREFIX, "/dev/shm/", NULL, 0, NULL, RC_MMAP, RS_SHM, false,
     "POSIX shared memory (/dev/shm)"},
    {0, OVER(RS_FILE), NM_PREFIX, "/dev/zero", NULL, 0, NULL, RC_MMAP, RS_ANON, false,
     "a private mapping of /dev/zero: anonymous memory"},
    {0, OVER(RS_FILE) | OVER(RS_RESERVE), NM_PREFIX, "/dev/", NULL, 0, not_special_dev, RC_MMAP,
     RS_DEVICE, false, "a device mapping (/dev/dri, /dev/nvidia*, /dev/kfd...)"},
    {0, OVER(RS_FILE) | OVER(RS_SPECIAL), NM_PREFIX, "/dmabuf:", NULL, 0, NULL, RC_MMAP, RS_DEVICE,
     false, "a DMA buffer shared with a device"},
};

static bool perms_match(const char *pattern, const char *perms)
{
    for (int i = 0; i < 4; i++)
        if (pattern[i] != '.' && pattern[i] != perms[i])
            return false;
    return true;
}

/* "[anon:NAME]": NAME, past the spaces glibc puts first. */
static const char *anon_name(const struct vma *v)
{
    if (v->name[0] != '[' || strncmp(v->name, "[anon:", 6) != 0)
        return NULL;
    const char *n = v->name + 6;
    while (*n == ' ')
        n++;
    return n;
}

/* What every rule looks at, worked out once per region. */
struct region_facts {
    bool anonymous;    /* no name and no file */
    const char *aname; /* the NAME of "[anon:NAME]", or NULL */
};

static bool name_matches(const struct rule *ru, const struct vma *v, const struct region_facts *f)
{
    switch (ru->match) {
    case NM_ANON:
        return f->anonymous;
    case NM_PREFIX:
        return strncmp(v->name, ru->name, strlen(ru->name)) == 0;
    case NM_SUFFIX: {
        size_t n = strlen(ru->name);
        return v->name_len >= n && memcmp(v->name + v->name_len - n, ru->name, n) == 0;
    }
    case NM_ANON_NAME:
        return f->aname && strncmp(f->aname, ru->name, strlen(ru->name)) == 0;
    }
    return false;
}

/* Which rules can match, by subclass refined, by runtime needed and by
 * kind of name: worked out once, so a region tests only its candidates
 * (a plain anonymous region in a process with no runtime tests one). */
_Static_assert(ARRAY_LEN(rules) <= 32, "rule masks are 32 bits");

static struct {
    uint32_t by_sub[RS_COUNT];
    uint32_t by_kind[RT_KIND_COUNT];
    uint32_t any_process; /* rules that need no runtime */
    uint32_t on_anon, on_anon_name; /* rules matching NM_ANON, NM_ANON_NAME */
} masks;
static pthread_once_t masks_once = PTHREAD_ONCE_INIT;

static void build_masks(void)
{
    for (unsigned i = 0; i < ARRAY_LEN(rules); i++) {
        const struct rule *ru = &rules[i];
        uint32_t bit = UINT32_C(1) << i;
        for (int sub = 0; sub < RS_COUNT; sub++)
            if (ru->over & OVER(sub))
                masks.by_sub[sub] |= bit;
        for (int k = 0; k < RT_KIND_COUNT; k++)
            if (ru->needs & (1u << k))
                masks.by_kind[k] |= bit;
        if (!ru->needs)
            masks.any_process |= bit;
        if (ru->match == NM_ANON)
            masks.on_anon |= bit;
        if (ru->match == NM_ANON_NAME)
            masks.on_anon_name |= bit;
    }
}

bool rules_apply(struct region *r, const struct region *prev, const struct vma *next,
                 const struct runtime_info *rt)
{
    const struct vma *v = r->vma;
    /* Arena reserves and proven stacks are never generic. */
    if ((unsigned)r->subclass >= RS_COUNT || (r->flags & REGION_HEURISTIC))
        return false;
    pthread_once(&masks_once, build_masks);
    uint32_t cand = masks.by_sub[r->subclass];
    if (!cand)
        return false;
    uint32_t allowed = masks.any_process;
    for (unsigned k = 0, kinds = rt ? rt->kinds : 0; kinds; k++, kinds >>= 1)
        if (kinds & 1)
            allowed |= masks.by_kind[k];
    struct region_facts f = {v->inode == 0 && v->name[0] == '\0', anon_name(v)};
    if (!f.anonymous)
        allowed &= ~masks.on_anon;
    if (!f.aname)
        allowed &= ~masks.on_anon_name;
    struct rule_input in = {v, prev, next, rt};
    for (cand &= allowed; cand; cand &= cand - 1) {
        const struct rule *ru = &rules[__builtin_ctz(cand)]; /* in table order */
        if ((ru->perms && !perms_match(ru->perms, v->perms)) ||
            (ru->align && v->start % ru->align) || !name_matches(ru, v, &f) ||
            (ru->test && !ru->test(&in)))
            continue;
        if (r->cls == ru->cls && r->subclass == ru->sub && r->evidence == ru->evidence)
            return false;
        if (r->cls == RC_STACK)
            r->tid = 0;
        r->cls = ru->cls;
        r->subclass = ru->sub;
        r->evidence = ru->evidence;
        if (ru->heuristic)
            r->flags |= REGION_HEURISTIC;
        return true;
    }
    return false;
}

unsigned rules_count(void)
{
    return (unsigned)ARRAY_LEN(rules);
}

void rules_describe(unsigned i, char *out, unsigned size)
{
    if (i >= ARRAY_LEN(rules)) {
        snprintf(out, size, "?");
        return;
    }
    snprintf(out, size, "%s/%s: %s", region_class_name(rules[i].cls),
             region_subclass_name(rules[i].sub), rules[i].evidence);
}
