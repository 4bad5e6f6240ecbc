/* Tests of the maps/smaps/smaps_rollup parser against fixtures captured from
 * real processes (tests/fixtures/README.md says how each was made). Every
 * expected value below was read from the fixture files by hand. */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vmscope/buf.h"
#include "vmscope/smaps.h"
#include "vmscope/vma.h"

#define KB(x) ((uint64_t)(x) * 1024u)

/* ---- helpers ---------------------------------------------------------- */

struct parsed {
    struct vma_list l;
    size_t bad, replaced;
    bool truncated;
};

static void parse_mem(const char *data, size_t len, struct parsed *out)
{
    struct smaps_parser p;
    vma_list_init(&out->l);
    smaps_parser_init(&p, &out->l);
    smaps_parser_feed(&p, data, len);
    smaps_parser_finish(&p);
    out->bad = p.bad_lines;
    out->replaced = p.replaced;
    out->truncated = p.truncated;
    smaps_parser_free(&p);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure can be reproduced */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* Feed in chunks of 1..maxchunk bytes (maxchunk 1 = byte by byte). */
static void parse_chunked(const char *data, size_t len, size_t maxchunk, uint64_t seed,
                          struct parsed *out)
{
    struct smaps_parser p;
    rng_state = seed;
    vma_list_init(&out->l);
    smaps_parser_init(&p, &out->l);
    size_t off = 0;
    while (off < len) {
        size_t n = 1 + (size_t)(rng() % maxchunk);
        if (n > len - off)
            n = len - off;
        smaps_parser_feed(&p, data + off, n);
        off += n;
    }
    smaps_parser_finish(&p);
    out->bad = p.bad_lines;
    out->replaced = p.replaced;
    out->truncated = p.truncated;
    smaps_parser_free(&p);
}

static void parse_fixture(const char *name, struct parsed *out, struct buf *keep)
{
    struct buf b;
    buf_init(&b);
    fixture_read(name, &b);
    ck_assert_msg(b.len > 0, "fixture %s is empty", name);
    parse_mem(b.data, b.len, out);
    if (keep)
        *keep = b;
    else
        buf_free(&b);
}

static void parsed_free(struct parsed *p)
{
    vma_list_free(&p->l);
}

static const struct vma *at(const struct parsed *p, uint64_t start)
{
    for (size_t i = 0; i < p->l.count; i++)
        if (p->l.items[i].start == start)
            return &p->l.items[i];
    ck_abort_msg("no VMA starts at 0x%llx", (unsigned long long)start);
    return NULL;
}

static bool name_is(const struct vma *v, const char *name, size_t len)
{
    return v->name_len == len && memcmp(v->name, name, len) == 0 && v->name[len] == '\0';
}

#define NAME_IS(v, lit) name_is((v), (lit), sizeof(lit) - 1)

static const struct vma *named(const struct parsed *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->l.count; i++)
        if (name_is(&p->l.items[i], name, len))
            return &p->l.items[i];
    ck_abort_msg("no VMA named %.*s", (int)len, name);
    return NULL;
}

#define NAMED(p, lit) named((p), (lit), sizeof(lit) - 1)

/* Independent of the parser: count complete lines that look like a maps
 * header ("hex-hex "). Field lines start with an upper-case key. */
static size_t count_headers(const char *d, size_t len)
{
    size_t n = 0;
    const char *end = d + len;
    while (d < end) {
        const char *nl = memchr(d, '\n', (size_t)(end - d));
        if (!nl)
            break;
        const char *s = d;
        int hex1 = 0, hex2 = 0;
        while (s < nl && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            s++, hex1++;
        if (hex1 && s < nl && *s == '-') {
            s++;
            while (s < nl && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                s++, hex2++;
            if (hex2 && s < nl && *s == ' ')
                n++;
        }
        d = nl + 1;
    }
    return n;
}

static void assert_sorted(const struct vma_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        ck_assert_msg(l->items[i].start <= l->items[i].end, "VMA %zu: start > end", i);
        if (i)
            ck_assert_msg(l->items[i - 1].end <= l->items[i].start,
                          "VMA %zu (0x%llx-0x%llx) overlaps or precedes VMA %zu (0x%llx-0x%llx)",
                          i - 1, (unsigned long long)l->items[i - 1].start,
                          (unsigned long long)l->items[i - 1].end, i,
                          (unsigned long long)l->items[i].start,
                          (unsigned long long)l->items[i].end);
    }
}

/* vmflags must be exactly the space-separated mnemonics in list. */
static void assert_flags(const struct vma *v, const char *list)
{
    uint64_t want = 0;
    for (const char *s = list; *s;) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        char two[3] = {s[0], s[1], 0};
        int i = vmflag_index(two);
        ck_assert_msg(i >= 0, "unknown mnemonic %s in test", two);
        want |= VMFLAG_BIT(i);
        s += 2;
    }
    ck_assert(v->has_vmflags);
    ck_assert_msg(v->vmflags == want, "VMA 0x%llx: vmflags 0x%llx, want 0x%llx (%s)",
                  (unsigned long long)v->start, (unsigned long long)v->vmflags,
                  (unsigned long long)want, list);
}

static bool has_flag(const struct vma *v, const char *two)
{
    int i = vmflag_index(two);
    ck_assert_int_ge(i, 0);
    return (v->vmflags & VMFLAG_BIT(i)) != 0;
}

static void assert_same_vma(const struct vma *a, const struct vma *b, size_t i)
{
    ck_assert_msg(a->start == b->start && a->end == b->end, "VMA %zu: range differs", i);
    ck_assert_msg(a->offset == b->offset && a->inode == b->inode && a->dev_major == b->dev_major &&
                      a->dev_minor == b->dev_minor,
                  "VMA %zu: offset/dev/inode differ", i);
    ck_assert_str_eq(a->perms, b->perms);
    ck_assert_msg(a->deleted == b->deleted, "VMA %zu: deleted differs", i);
    ck_assert_msg(a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0,
                  "VMA %zu: name differs", i);
    ck_assert_msg(a->field_mask == b->field_mask, "VMA %zu: field_mask 0x%x vs 0x%x", i,
                  a->field_mask, b->field_mask);
    ck_assert_msg(memcmp(a->field, b->field, sizeof a->field) == 0, "VMA %zu: fields differ", i);
    ck_assert_msg(a->has_vmflags == b->has_vmflags && a->vmflags == b->vmflags,
                  "VMA %zu: vmflags differ", i);
}

static void assert_same_lists(const struct parsed *a, const struct parsed *b)
{
    ck_assert_uint_eq(a->l.count, b->l.count);
    ck_assert_uint_eq(a->bad, b->bad);
    ck_assert_uint_eq(a->replaced, b->replaced);
    ck_assert_int_eq(a->truncated, b->truncated);
    for (size_t i = 0; i < a->l.count; i++)
        assert_same_vma(&a->l.items[i], &b->l.items[i], i);
}

/* Every smaps field except the three rollup-only Pss_* lines. */
static uint32_t full_smaps_mask(void)
{
    uint32_t all = (UINT32_C(1) << SMAPS_FIELD_COUNT) - 1;
    return all & ~((1u << SMAPS_PSS_ANON) | (1u << SMAPS_PSS_FILE) | (1u << SMAPS_PSS_SHMEM));
}

static const char *const real_smaps[] = {
    "smaps_cat", "smaps_bash", "smaps_thread", "smaps_hostile", "smaps_pseudo", "smaps_longpath",
};

/* ---- real processes --------------------------------------------------- */

START_TEST(t_cat_count_order)
{
    struct parsed p;
    struct buf b;
    parse_fixture("smaps_cat", &p, &b);
    ck_assert_uint_eq(count_headers(b.data, b.len), 38);
    ck_assert_uint_eq(p.l.count, 38);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.replaced, 0);
    ck_assert(!p.truncated);
    assert_sorted(&p.l);
    ck_assert_uint_eq(p.l.items[0].start, 0x564033d43000);
    ck_assert(NAME_IS(&p.l.items[0], "/usr/bin/cat"));
    const struct vma *last = &p.l.items[37];
    ck_assert_uint_eq(last->start, UINT64_C(0xffffffffff600000));
    ck_assert_uint_eq(last->end, UINT64_C(0xffffffffff601000));
    ck_assert(NAME_IS(last, "[vsyscall]"));
    ck_assert_str_eq(last->perms, "--xp");
    assert_flags(last, "ex");
    ck_assert_uint_eq(last->field[SMAPS_SIZE], KB(4));
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

START_TEST(t_cat_heap)
{
    struct parsed p;
    parse_fixture("smaps_cat", &p, NULL);
    const struct vma *v = NAMED(&p, "[heap]");
    ck_assert_uint_eq(v->start, 0x564071908000);
    ck_assert_uint_eq(v->end, 0x564071929000);
    ck_assert_str_eq(v->perms, "rw-p");
    ck_assert_uint_eq(v->offset, 0);
    ck_assert_uint_eq(v->dev_major, 0);
    ck_assert_uint_eq(v->dev_minor, 0);
    ck_assert_uint_eq(v->inode, 0);
    ck_assert(!v->deleted);
    ck_assert_uint_eq(v->field_mask, full_smaps_mask());
    ck_assert_uint_eq(v->field[SMAPS_SIZE], KB(132));
    ck_assert_uint_eq(v->field[SMAPS_KERNEL_PAGE_SIZE], KB(4));
    ck_assert_uint_eq(v->field[SMAPS_MMU_PAGE_SIZE], KB(4));
    ck_assert_uint_eq(v->field[SMAPS_RSS], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_PSS], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_PSS_DIRTY], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_SHARED_CLEAN], 0);
    ck_assert_uint_eq(v->field[SMAPS_PRIVATE_CLEAN], 0);
    ck_assert_uint_eq(v->field[SMAPS_PRIVATE_DIRTY], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_REFERENCED], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_ANONYMOUS], KB(16));
    ck_assert_uint_eq(v->field[SMAPS_SWAP], 0);
    ck_assert_uint_eq(v->field[SMAPS_THP_ELIGIBLE], 0);
    ck_assert_uint_eq(v->field[SMAPS_PROTECTION_KEY], 0);
    assert_flags(v, "rd wr mr mw me ac");
    parsed_free(&p);
}
END_TEST

START_TEST(t_cat_libc)
{
    struct parsed p;
    parse_fixture("smaps_cat", &p, NULL);
    const struct vma *v = at(&p, 0x7fa2e7369000);
    ck_assert_uint_eq(v->end, 0x7fa2e74bf000);
    ck_assert_str_eq(v->perms, "r-xp");
    ck_assert_uint_eq(v->offset, 0x26000);
    ck_assert_uint_eq(v->dev_major, 0xfe);
    ck_assert_uint_eq(v->dev_minor, 0);
    ck_assert_uint_eq(v->inode, 332835);
    ck_assert(NAME_IS(v, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
    ck_assert(!v->deleted);
    ck_assert_uint_eq(v->field[SMAPS_SIZE], KB(1368));
    ck_assert_uint_eq(v->field[SMAPS_RSS], KB(856));
    ck_assert_uint_eq(v->field[SMAPS_PSS], KB(158));
    ck_assert_uint_eq(v->field[SMAPS_PSS_DIRTY], 0);
    ck_assert_uint_eq(v->field[SMAPS_SHARED_CLEAN], KB(856));
    ck_assert_uint_eq(v->field[SMAPS_PRIVATE_CLEAN], 0);
    ck_assert_uint_eq(v->field[SMAPS_PRIVATE_DIRTY], 0);
    ck_assert_uint_eq(v->field[SMAPS_REFERENCED], KB(856));
    ck_assert_uint_eq(v->field[SMAPS_ANONYMOUS], 0);
    assert_flags(v, "rd ex mr mw me");
    /* the rw-p data segment of the same file, offset 0x1d3000 */
    const struct vma *d = at(&p, 0x7fa2e7516000);
    ck_assert_uint_eq(d->offset, 0x1d3000);
    ck_assert_uint_eq(d->inode, 332835);
    ck_assert_str_eq(d->perms, "rw-p");
    parsed_free(&p);
}
END_TEST

START_TEST(t_cat_special)
{
    struct parsed p;
    parse_fixture("smaps_cat", &p, NULL);
    const struct vma *st = NAMED(&p, "[stack]");
    ck_assert_uint_eq(st->start, 0x7fff5af3b000);
    ck_assert_uint_eq(st->end, 0x7fff5af5c000);
    ck_assert_uint_eq(st->field[SMAPS_RSS], KB(12));
    ck_assert_uint_eq(st->field[SMAPS_PRIVATE_DIRTY], KB(12));
    assert_flags(st, "rd wr mr mw me gd ac");
    ck_assert(has_flag(st, "gd"));
    const struct vma *vv = NAMED(&p, "[vvar]");
    ck_assert_uint_eq(vv->start, 0x7fa2e7532000);
    ck_assert_uint_eq(vv->end, 0x7fa2e7536000);
    ck_assert(vma_has(vv, SMAPS_RSS)); /* present and zero, not absent */
    ck_assert_uint_eq(vv->field[SMAPS_RSS], 0);
    assert_flags(vv, "rd mr pf io de dd");
    const struct vma *vc = NAMED(&p, "[vvar_vclock]");
    ck_assert_uint_eq(vc->start, 0x7fa2e7536000);
    ck_assert_uint_eq(vc->end, 0x7fa2e7538000);
    const struct vma *vd = NAMED(&p, "[vdso]");
    ck_assert_uint_eq(vd->start, 0x7fa2e7538000);
    ck_assert_str_eq(vd->perms, "r-xp");
    /* the shared gconv cache: 's' in perms */
    const struct vma *g = at(&p, 0x7fa2e7528000);
    ck_assert_str_eq(g->perms, "r--s");
    ck_assert(NAME_IS(g, "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"));
    ck_assert_uint_eq(g->inode, 332280);
    /* anonymous VMAs have an empty, non-NULL name */
    const struct vma *a = at(&p, 0x7fa2e72c0000);
    ck_assert_ptr_nonnull(a->name);
    ck_assert_uint_eq(a->name_len, 0);
    ck_assert_str_eq(a->name, "");
    parsed_free(&p);
}
END_TEST

START_TEST(t_size_matches_range)
{
    /* Size: is printed from vm_end - vm_start: a cross-check of the hex
     * range parsing and of the kB->bytes conversion on every record. */
    for (size_t f = 0; f < sizeof real_smaps / sizeof real_smaps[0]; f++) {
        struct parsed p;
        struct buf b;
        parse_fixture(real_smaps[f], &p, &b);
        ck_assert_msg(p.l.count == count_headers(b.data, b.len), "%s: count", real_smaps[f]);
        ck_assert_msg(p.bad == 0, "%s: %zu bad lines", real_smaps[f], p.bad);
        assert_sorted(&p.l);
        for (size_t i = 0; i < p.l.count; i++) {
            const struct vma *v = &p.l.items[i];
            ck_assert_msg(v->field_mask == full_smaps_mask(), "%s: VMA %zu mask 0x%x",
                          real_smaps[f], i, v->field_mask);
            ck_assert_msg(v->field[SMAPS_SIZE] == vma_size(v), "%s: VMA %zu Size", real_smaps[f], i);
            ck_assert_uint_eq(v->field[SMAPS_KERNEL_PAGE_SIZE], 4096);
            ck_assert_msg(v->field[SMAPS_RSS] <= vma_size(v), "%s: VMA %zu Rss", real_smaps[f], i);
            ck_assert(v->has_vmflags);
        }
        buf_free(&b);
        parsed_free(&p);
    }
}
END_TEST

START_TEST(t_bash)
{
    struct parsed p;
    parse_fixture("smaps_bash", &p, NULL);
    ck_assert_uint_eq(p.l.count, 43);
    const struct vma *h = NAMED(&p, "[heap]");
    ck_assert_uint_eq(h->start, 0x5594a37ee000);
    ck_assert_uint_eq(h->end, 0x5594a380f000);
    ck_assert_uint_eq(h->field[SMAPS_RSS], KB(80));
    ck_assert_uint_eq(h->field[SMAPS_ANONYMOUS], KB(80));
    parsed_free(&p);
}
END_TEST

START_TEST(t_thread_stack)
{
    /* maphelper_thread.out: stack_lo 0x7f35f76e1000 stack_hi 0x7f35f7721000 */
    struct parsed p;
    parse_fixture("smaps_thread", &p, NULL);
    ck_assert_uint_eq(p.l.count, 29);
    long i = vma_list_find(p.l.items, p.l.count, 0x7f35f771fe30); /* its SP */
    ck_assert_int_ge(i, 0);
    const struct vma *s = &p.l.items[i];
    ck_assert_uint_eq(s->start, 0x7f35f76e1000);
    ck_assert_uint_eq(s->end, 0x7f35f7721000);
    ck_assert_uint_eq(s->name_len, 0);
    ck_assert_str_eq(s->perms, "rw-p");
    ck_assert_uint_eq(s->field[SMAPS_SIZE], KB(256));
    ck_assert_uint_eq(s->field[SMAPS_RSS], KB(8));
    assert_flags(s, "rd wr mr mw me ac nh");
    const struct vma *g = &p.l.items[i - 1];
    ck_assert_uint_eq(g->start, 0x7f35f76e0000);
    ck_assert_uint_eq(g->end, 0x7f35f76e1000);
    ck_assert_str_eq(g->perms, "---p");
    assert_flags(g, "mr mw me nh");
    const struct vma *h = NAMED(&p, "[heap]");
    ck_assert_uint_eq(h->start, 0x55f4c4973000);
    ck_assert_uint_eq(h->field[SMAPS_RSS], KB(4));
    parsed_free(&p);
}
END_TEST

START_TEST(t_vmflag_index)
{
    ck_assert_int_eq(vmflag_index("rd"), 0);
    ck_assert_int_eq(vmflag_index("wr"), 1);
    ck_assert_int_eq(vmflag_index("gu"), 10);
    ck_assert_int_eq(vmflag_index("lf"), VMFLAG_COUNT - 1);
    ck_assert_int_eq(vmflag_index("??"), -1);
    ck_assert_int_eq(vmflag_index("zz"), -1);
    for (int i = 0; i < VMFLAG_COUNT; i++) {
        ck_assert_int_eq(vmflag_index(vmflag_names[i]), i);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(vmflag_names[i], vmflag_names[j]);
    }
}
END_TEST

/* ---- names ------------------------------------------------------------ */

START_TEST(t_hostile_files)
{
    struct parsed p;
    parse_fixture("smaps_hostile", &p, NULL);
    ck_assert_uint_eq(p.l.count, 36);
    ck_assert_uint_eq(p.bad, 0);
    /* "\012" in the text is a real newline in the decoded name */
    const struct vma *nl = at(&p, 0x7ffb116c2000);
    ck_assert(NAME_IS(nl, "/tmp/vmscope-hostile/new\nline name.bin"));
    ck_assert(!nl->deleted);
    ck_assert_uint_eq(nl->inode, 10953101);
    ck_assert_str_eq(nl->perms, "r--s");
    /* backslash is not escaped by the kernel and must not be decoded */
    const struct vma *bs = at(&p, 0x7ffb116c1000);
    ck_assert(NAME_IS(bs, "/tmp/vmscope-hostile/back\\slash and space.bin"));
    ck_assert(!bs->deleted);
    /* really unlinked */
    const struct vma *gone = at(&p, 0x7ffb116c0000);
    ck_assert(NAME_IS(gone, "/tmp/vmscope-hostile/gone.bin"));
    ck_assert(gone->deleted);
    ck_assert_uint_eq(gone->inode, 10953103);
    /* A live file literally named "alive (deleted)" prints exactly like an
     * unlinked file "alive". The parser alone cannot tell, so it strips;
     * capture.c resolves it by stat()ing the path and comparing dev and
     * inode (kernel-interfaces.md §1.2). */
    const struct vma *alive = at(&p, 0x7ffb116bf000);
    ck_assert(NAME_IS(alive, "/tmp/vmscope-hostile/alive"));
    ck_assert(alive->deleted);
    ck_assert_uint_eq(alive->inode, 10953104);
    /* the 250-byte name is kept whole */
    const struct vma *lng = at(&p, 0x7ffb114d9000);
    ck_assert_uint_eq(lng->name_len, 21 + 250);
    ck_assert_int_eq(memcmp(lng->name, "/tmp/vmscope-hostile/", 21), 0);
    for (size_t i = 21; i < lng->name_len; i++)
        ck_assert_int_eq(lng->name[i], 'L');
    ck_assert(!lng->deleted);
    parsed_free(&p);
}
END_TEST

START_TEST(t_hostile_memfd_raw)
{
    /* The parser keeps every byte raw: escapes, C1, invalid UTF-8 and
     * bidi controls are sanitised later, at display time. */
    static const struct {
        uint64_t start;
        const char *name;
        uint64_t inode;
    } want[] = {
        {0x7ffb116c9000, "/memfd:\033]0;PWNED-TITLE\007", 1024},
        {0x7ffb116c8000, "/memfd:\033]52;c;cHduZWQ=\007", 1025},
        {0x7ffb116c7000, "/memfd:\033[6n\033[2J", 1026},
        {0x7ffb116c6000, "/memfd:\xc2\x9b" "31m c1-csi", 1027},
        {0x7ffb116c5000, "/memfd:bad\xff\xfeutf8", 1028},
        {0x7ffb116c4000, "/memfd:rtl\xe2\x80\xae" "gnp.exe", 1029},
        {0x7ffb116c3000, "/memfd:zero\xe2\x80\x8bwidth", 1030},
    };
    struct parsed p;
    parse_fixture("smaps_hostile", &p, NULL);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct vma *v = at(&p, want[i].start);
        ck_assert_msg(name_is(v, want[i].name, strlen(want[i].name)), "memfd %zu: name differs", i);
        ck_assert(v->deleted);
        ck_assert_uint_eq(v->dev_major, 0);
        ck_assert_uint_eq(v->dev_minor, 1);
        ck_assert_uint_eq(v->inode, want[i].inode);
        ck_assert_str_eq(v->perms, "rw-s");
        ck_assert_uint_eq(v->field[SMAPS_RSS], KB(4));
        ck_assert_uint_eq(v->field[SMAPS_SHARED_DIRTY] + v->field[SMAPS_PRIVATE_DIRTY], KB(4));
        assert_flags(v, "rd wr sh mr mw me ms");
    }
    parsed_free(&p);
}
END_TEST

START_TEST(t_longpath)
{
    struct parsed p;
    parse_fixture("smaps_longpath", &p, NULL);
    ck_assert_uint_eq(p.l.count, 25);
    const struct vma *v = at(&p, 0x7f120a965000);
    ck_assert_uint_eq(v->end, 0x7f120a966000);
    ck_assert_uint_eq(v->name_len, 4000);
    ck_assert_uint_eq(strlen(v->name), 4000);
    ck_assert_int_eq(memcmp(v->name, "/tmp/vmscope-long/0ddd", 22), 0);
    ck_assert_int_eq(memcmp(v->name + 3996, ".bin", 4), 0);
    ck_assert_ptr_null(memchr(v->name, '\n', v->name_len));
    ck_assert(!v->deleted);
    ck_assert_str_eq(v->perms, "r--s");
    /* 19 directory levels of 200 bytes each */
    size_t dirs = 0;
    for (const char *s = v->name; (s = strchr(s, '/')); s++)
        if (strspn(s + 2, "d") == 199)
            dirs++;
    ck_assert_uint_eq(dirs, 19);
    parsed_free(&p);
}
END_TEST

START_TEST(t_pseudo_names)
{
    static const struct {
        uint64_t start, end;
        const char *name;
        bool deleted;
        unsigned maj, min;
        uint64_t inode;
        const char *perms;
    } want[] = {
        {0x5561a4ce6000, 0x5561a4d07000, "[heap]", false, 0, 0, 0, "rw-p"},
        {0x7ffdfd9f2000, 0x7ffdfda13000, "[stack]", false, 0, 0, 0, "rw-p"},
        {0x7f2eb39f0000, 0x7f2eb39f4000, "[vvar]", false, 0, 0, 0, "r--p"},
        {0x7f2eb39f4000, 0x7f2eb39f6000, "[vvar_vclock]", false, 0, 0, 0, "r--p"},
        {0x7f2eb39f6000, 0x7f2eb39f8000, "[vdso]", false, 0, 0, 0, "r-xp"},
        {UINT64_C(0xffffffffff600000), UINT64_C(0xffffffffff601000), "[vsyscall]", false, 0, 0, 0,
         "--xp"},
        {0x7f2eb39ed000, 0x7f2eb39ee000, "/memfd:x", true, 0, 1, 26, "rw-s"},
        {0x7f2eb39ea000, 0x7f2eb39ec000, "/dev/zero", true, 0, 1, 27, "rw-s"},
        {0x7f2eb39e6000, 0x7f2eb39e9000, "/dev/zero", false, 0, 6, 4, "rw-p"},
        {0x7f2eb37fa000, 0x7f2eb37fe000, "/SYSV1234abcd", true, 0, 1, 0, "rw-s"},
        {0x7f2eb37f6000, 0x7f2eb37fa000, "/SYSV00000000", true, 0, 1, 1, "rw-s"},
        {0x7f2eb39e3000, 0x7f2eb39e4000, "anon_inode:[io_uring]", false, 0, 0x10, 11270, "rw-s"},
        {0x7f2eb37f3000, 0x7f2eb37f5000, "anon_inode:[perf_event]", false, 0, 0x10, 18, "rw-s"},
        {0x7f2eb37f1000, 0x7f2eb37f2000, "/secretmem", true, 0, 0xe, 11271, "rw-s"},
        {0x7f2eb37ee000, 0x7f2eb37f0000, "/tmp/vmscope-pseudo/unlinked.bin", true, 0xfe, 0,
         10953146, "r--s"},
    };
    struct parsed p;
    parse_fixture("smaps_pseudo", &p, NULL);
    ck_assert_uint_eq(p.l.count, 54);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct vma *v = at(&p, want[i].start);
        ck_assert_msg(v->end == want[i].end, "%s: end", want[i].name);
        ck_assert_msg(name_is(v, want[i].name, strlen(want[i].name)), "%s: name '%s'",
                      want[i].name, v->name);
        ck_assert_msg(v->deleted == want[i].deleted, "%s: deleted", want[i].name);
        ck_assert_msg(v->dev_major == want[i].maj && v->dev_minor == want[i].min, "%s: dev %x:%x",
                      want[i].name, v->dev_major, v->dev_minor);
        ck_assert_msg(v->inode == want[i].inode, "%s: inode", want[i].name);
        ck_assert_str_eq(v->perms, want[i].perms);
    }
    ck_assert_ptr_eq(&p.l.items[p.l.count - 1], at(&p, UINT64_C(0xffffffffff600000)));
    parsed_free(&p);
}
END_TEST

START_TEST(t_pseudo_vmflags)
{
    static const struct {
        uint64_t start;
        const char *flags;
        uint64_t locked, thp;
    } want[] = {
        {0x7f2eb37e9000, "rd wr mr mw me lo ac", KB(8), 0},        /* mlock */
        {0x7f2eb37e6000, "rd wr mr mw me dc ac dd", 0, 0},         /* DONTFORK+DONTDUMP */
        {0x7f2eb37e1000, "rd wr mr mw me gu ac", 0, 0},            /* MADV_GUARD_INSTALL */
        {0x7f2eb37de000, "rd mr mw me sl", 0, 0},                  /* mseal */
        {0x7f2eb37db000, "rd wr mr mw me nr wf dd dp", 0, 0},      /* MAP_DROPPABLE */
        {0x7f2eb3200000, "rd wr mr mw me ac hg", 0, 1},            /* MADV_HUGEPAGE */
        {0x7f2eb37f1000, "rd wr sh mr mw ms lo dd", KB(4), 0},     /* secretmem */
        {0x7f2eb39e3000, "rd wr sh mr mw ms de mm", 0, 0},         /* io_uring */
        {0x7f2eb37f3000, "rd wr sh mr mw ms pf io dc de dd", 0, 0}, /* perf ring */
        {0x7f2eb39f0000, "rd mr pf io de dd", 0, 0},               /* [vvar] */
        {0x7ffdfd9f2000, "rd wr mr mw me gd ac", 0, 0},            /* [stack] */
    };
    struct parsed p;
    parse_fixture("smaps_pseudo", &p, NULL);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct vma *v = at(&p, want[i].start);
        assert_flags(v, want[i].flags);
        ck_assert_uint_eq(v->field[SMAPS_LOCKED], want[i].locked);
        ck_assert_uint_eq(v->field[SMAPS_THP_ELIGIBLE], want[i].thp);
    }
    parsed_free(&p);
}
END_TEST

START_TEST(t_decode_name)
{
    static const struct {
        const char *in, *out;
        size_t out_len;
        bool deleted;
    } c[] = {
        {"/a\\012b", "/a\nb", 4, false},
        {"\\012", "\n", 1, false},
        {"/x\\012\\012y", "/x\n\ny", 5, false},
        {"/a\\01", "/a\\01", 5, false},       /* cut escape: kept */
        {"/a\\0123", "/a\n3", 4, false},
        {"/a\\011b", "/a\\011b", 7, false},   /* only \012 is produced by the kernel */
        {"/a\\\\012", "/a\\\n", 4, false},    /* a real backslash before an escape */
        {"/f (deleted)", "/f", 2, true},
        {" (deleted)", "", 0, true},
        {"/f (deleted) (deleted)", "/f (deleted)", 12, true},
        {"/f (deleted)x", "/f (deleted)x", 13, false},
        {"/f(deleted)", "/f(deleted)", 11, false},
        {"/n\\012 (deleted)", "/n\n", 3, true},
        {"", "", 0, false},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct vma v;
        memset(&v, 0, sizeof v);
        smaps_decode_name(c[i].in, strlen(c[i].in), &v);
        ck_assert_msg(v.name_len == c[i].out_len && memcmp(v.name, c[i].out, c[i].out_len) == 0 &&
                          v.name[v.name_len] == '\0',
                      "case %zu (%s): got '%s' (%zu)", i, c[i].in, v.name, v.name_len);
        ck_assert_msg(v.deleted == c[i].deleted, "case %zu: deleted", i);
        vma_clear(&v);
    }
}
END_TEST

static int header(const char *line, struct vma *v)
{
    memset(v, 0, sizeof *v);
    return smaps_parse_header(line, strlen(line), v);
}

START_TEST(t_parse_header)
{
    struct vma v;
    /* anonymous: the kernel leaves a trailing space after the inode */
    ck_assert_int_eq(header("7f2eb37fe000-7f2eb3801000 rw-p 00000000 00:00 0 ", &v), 0);
    ck_assert_uint_eq(v.start, 0x7f2eb37fe000);
    ck_assert_uint_eq(v.end, 0x7f2eb3801000);
    ck_assert_uint_eq(v.name_len, 0);
    vma_clear(&v);
    ck_assert_int_eq(header("00400000-00452000 r-xp 00000000 08:02 173521", &v), 0);
    ck_assert_uint_eq(v.start, 0x400000);
    ck_assert_uint_eq(v.dev_major, 8);
    ck_assert_uint_eq(v.dev_minor, 2);
    ck_assert_uint_eq(v.inode, 173521);
    vma_clear(&v);
    /* minor numbers may be longer than 2 hex digits; inode is decimal */
    ck_assert_int_eq(header("1000-2000 r--s 1234abcd000 103:1a2b 4294967297  /p q", &v), 0);
    ck_assert_uint_eq(v.offset, 0x1234abcd000);
    ck_assert_uint_eq(v.dev_major, 0x103);
    ck_assert_uint_eq(v.dev_minor, 0x1a2b);
    ck_assert_uint_eq(v.inode, 4294967297u);
    ck_assert(NAME_IS(&v, "/p q"));
    vma_clear(&v);
    /* a name with internal runs of spaces and a trailing space */
    ck_assert_int_eq(header("1000-2000 r--p 00000000 fe:00 1 /a  b ", &v), 0);
    ck_assert(NAME_IS(&v, "/a  b "));
    vma_clear(&v);
    static const char *const bad[] = {
        "", "1000", "1000-", "1000-2000", "1000-2000 ", "1000-2000 rw-p", "1000-2000 rw-p ",
        "1000-2000 rw-p 0", "1000-2000 rw-p 0 00", "1000-2000 rw-p 0 00:", "1000-2000 rw-p 0 00:00",
        "1000-2000 rw-p 0 00:00 ", "1000-2000 rwpp 0 00:00 0", "1000-2000 Rw-p 0 00:00 0",
        "1000-2000 rw-p  0 00:00 0", "1000-2000  rw-p 0 00:00 0", "1000 2000 rw-p 0 00:00 0",
        "2000-1000 rw-p 0 00:00 0", "1000-2000 rw-p 0 00:00 x", "1000-2000 rw-p 0 00-00 0",
        "1000-2000 rw-px 0 00:00 0", "g000-2000 rw-p 0 00:00 0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&v, 0, sizeof v);
        ck_assert_msg(smaps_parse_header(bad[i], strlen(bad[i]), &v) != 0, "accepted '%s'", bad[i]);
        vma_clear(&v);
    }
}
END_TEST

/* ---- streaming -------------------------------------------------------- */

static void check_chunks(const char *fixture, size_t maxchunk, int seeds)
{
    struct parsed whole, part;
    struct buf b;
    parse_fixture(fixture, &whole, &b);
    for (int s = 0; s < seeds; s++) {
        parse_chunked(b.data, b.len, maxchunk, UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)s, &part);
        assert_same_lists(&whole, &part);
        parsed_free(&part);
    }
    buf_free(&b);
    parsed_free(&whole);
}

START_TEST(t_chunks_real)
{
    for (size_t f = 0; f < sizeof real_smaps / sizeof real_smaps[0]; f++)
        check_chunks(real_smaps[f], 100, 4);
    check_chunks("smaps_rollup_cat", 100, 4);
    check_chunks("maps_cat", 100, 4);
    check_chunks("maps_race", 100, 4);
    check_chunks("smaps_dup_start", 100, 4);
}
END_TEST

START_TEST(t_chunks_odd)
{
    check_chunks("smaps_trunc_midline", 100, 8);
    check_chunks("smaps_trunc_midname", 100, 8);
    check_chunks("smaps_absurd", 7, 8);
    check_chunks("garbage_random.bin", 100, 8);
    check_chunks("garbage_zeros.bin", 100, 8);
}
END_TEST

START_TEST(t_bytewise)
{
    check_chunks("smaps_hostile", 1, 1);
    check_chunks("smaps_longpath", 1, 1); /* a 4073-byte line one byte at a time */
    check_chunks("smaps_absurd", 1, 1);
}
END_TEST

START_TEST(t_every_split)
{
    /* Split the first 3 records of smaps_hostile at every byte offset. */
    struct buf b;
    buf_init(&b);
    fixture_read("smaps_hostile", &b);
    size_t n = 0;
    for (int lines = 0; n < b.len && lines < 3 * 26; n++)
        if (b.data[n] == '\n')
            lines++;
    struct parsed whole;
    parse_mem(b.data, n, &whole);
    ck_assert_uint_eq(whole.l.count, 3);
    for (size_t k = 0; k <= n; k++) {
        struct parsed part;
        struct smaps_parser p;
        vma_list_init(&part.l);
        smaps_parser_init(&p, &part.l);
        smaps_parser_feed(&p, b.data, k);
        smaps_parser_feed(&p, b.data + k, n - k);
        smaps_parser_finish(&p);
        part.bad = p.bad_lines;
        part.replaced = p.replaced;
        part.truncated = p.truncated;
        smaps_parser_free(&p);
        assert_same_lists(&whole, &part);
        parsed_free(&part);
    }
    parsed_free(&whole);
    buf_free(&b);
}
END_TEST

START_TEST(t_empty_feeds)
{
    /* zero-length feeds anywhere change nothing */
    struct parsed whole, part;
    struct buf b;
    parse_fixture("maps_cat", &whole, &b);
    struct smaps_parser p;
    vma_list_init(&part.l);
    smaps_parser_init(&p, &part.l);
    for (size_t i = 0; i < b.len; i += 37) {
        size_t n = b.len - i < 37 ? b.len - i : 37;
        smaps_parser_feed(&p, b.data + i, 0);
        smaps_parser_feed(&p, b.data + i, n);
    }
    smaps_parser_feed(&p, b.data, 0);
    smaps_parser_finish(&p);
    part.bad = p.bad_lines;
    part.replaced = p.replaced;
    part.truncated = p.truncated;
    smaps_parser_free(&p);
    assert_same_lists(&whole, &part);
    parsed_free(&part);
    parsed_free(&whole);
    buf_free(&b);
}
END_TEST

/* ---- truncated input -------------------------------------------------- */

START_TEST(t_trunc_midline)
{
    struct parsed p;
    struct buf b;
    parse_fixture("smaps_trunc_midline", &p, &b);
    ck_assert_uint_eq(b.len, 3000);
    ck_assert_uint_eq(count_headers(b.data, b.len), 4);
    ck_assert(p.truncated);
    ck_assert_uint_eq(p.bad, 0); /* the cut "L" is dropped, not counted */
    ck_assert_uint_eq(p.l.count, 4);
    const struct vma *v = &p.l.items[3];
    ck_assert_uint_eq(v->start, 0x564033d4d000);
    ck_assert_uint_eq(v->end, 0x564033d4e000);
    ck_assert(vma_has(v, SMAPS_SWAP_PSS)); /* the last complete line */
    ck_assert(!vma_has(v, SMAPS_LOCKED));
    ck_assert(!vma_has(v, SMAPS_THP_ELIGIBLE));
    ck_assert(!v->has_vmflags);
    ck_assert(p.l.items[2].has_vmflags);
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

START_TEST(t_trunc_midname)
{
    struct parsed p;
    struct buf b;
    parse_fixture("smaps_trunc_midname", &p, &b);
    ck_assert_uint_eq(count_headers(b.data, b.len), 16); /* the cut header has no newline */
    ck_assert(p.truncated);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.l.count, 16);
    const struct vma *v = &p.l.items[15];
    ck_assert_uint_eq(v->start, 0x7fa2e7340000);
    ck_assert_uint_eq(v->end, 0x7fa2e7343000);
    ck_assert(v->has_vmflags);
    for (size_t i = 0; i < p.l.count; i++)
        ck_assert_ptr_null(strstr(p.l.items[i].name, "x86_64-l"));
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

START_TEST(t_trunc_no_final_newline)
{
    /* A header without its newline may carry a cut name: dropped. */
    static const char line[] = "55faf0bf5000-55faf0bf7000 r--p 00000000 fe:00 247134    /usr/bin/cat";
    struct parsed p;
    parse_mem(line, sizeof line - 1, &p);
    ck_assert_uint_eq(p.l.count, 0);
    ck_assert(p.truncated);
    parsed_free(&p);
    /* with the newline it is complete and nothing is truncated */
    char full[sizeof line + 1];
    memcpy(full, line, sizeof line - 1);
    full[sizeof line - 1] = '\n';
    parse_mem(full, sizeof line, &p);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert(!p.truncated);
    ck_assert(NAME_IS(&p.l.items[0], "/usr/bin/cat"));
    parsed_free(&p);
}
END_TEST

START_TEST(t_trunc_every_prefix)
{
    /* Every prefix of a small real input: records never exceed the
     * complete header lines, and truncated is set iff the prefix does not
     * end in a newline. */
    struct buf b;
    buf_init(&b);
    fixture_read("maps_hostile", &b);
    for (size_t k = 0; k <= b.len; k += 7) {
        struct parsed p;
        parse_mem(b.data, k, &p);
        ck_assert_uint_eq(p.l.count, count_headers(b.data, k));
        ck_assert_int_eq(p.truncated, k > 0 && b.data[k - 1] != '\n');
        ck_assert_uint_eq(p.bad, 0);
        parsed_free(&p);
    }
    buf_free(&b);
}
END_TEST

/* ---- the §1.7 race rule ---------------------------------------------- */

START_TEST(t_race_dup_start)
{
    struct parsed p, orig;
    parse_fixture("smaps_dup_start", &p, NULL);
    parse_fixture("smaps_cat", &orig, NULL);
    ck_assert_uint_eq(p.replaced, 1);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.l.count, 38);
    assert_sorted(&p.l);
    const struct vma *v = at(&p, 0x7fa2e7518000);
    ck_assert_uint_eq(v->end, 0x7fa2e7525000);
    ck_assert_uint_eq(v->field[SMAPS_SIZE], KB(52));
    ck_assert_uint_eq(v->field[SMAPS_RSS], KB(20));
    ck_assert_uint_eq(v->field[SMAPS_PSS], KB(20));
    ck_assert_uint_eq(v->field[SMAPS_PRIVATE_DIRTY], KB(20));
    ck_assert_uint_eq(v->field[SMAPS_ANONYMOUS], KB(20));
    /* otherwise identical to the unedited capture */
    ck_assert_uint_eq(orig.l.count, p.l.count);
    for (size_t i = 0; i < p.l.count; i++)
        assert_same_vma(&orig.l.items[i], &p.l.items[i], i);
    parsed_free(&orig);
    parsed_free(&p);
}
END_TEST

START_TEST(t_race_maps)
{
    struct parsed p;
    struct buf b;
    parse_fixture("maps_race", &p, &b);
    ck_assert_uint_eq(count_headers(b.data, b.len), 41);
    ck_assert_uint_eq(p.replaced, 3);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.l.count, 39);
    assert_sorted(&p.l);
    /* (1) same start, larger end: the later line wins */
    const struct vma *a = at(&p, 0x7f05886b7000);
    ck_assert_uint_eq(a->end, 0x7f05886c4000);
    /* (2) starts inside, ends beyond: clipped to the previous end */
    const struct vma *b1 = at(&p, 0x7f05884df000);
    ck_assert_uint_eq(b1->end, 0x7f05884e1000);
    const struct vma *b2 = at(&p, 0x7f05884e1000);
    ck_assert_uint_eq(b2->end, 0x7f05884e2000);
    ck_assert_ptr_eq(b2, b1 + 1);
    ck_assert_uint_eq((b2 + 1)->start, 0x7f05884e2000); /* libc */
    /* (3) inside the previous line: nothing new, dropped */
    const struct vma *c = at(&p, 0x7f05886cf000);
    ck_assert_uint_eq(c->end, 0x7f05886d1000);
    ck_assert(NAME_IS(c + 1, "[vvar]"));
    for (size_t i = 0; i < p.l.count; i++)
        ck_assert_uint_eq(p.l.items[i].field_mask, 0);
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

static const char *smaps_rec(char *out, size_t size, uint64_t start, uint64_t end, unsigned rss_kb)
{
    snprintf(out, size,
             "%llx-%llx rw-p 00000000 00:00 0 \nSize: %8llu kB\nRss: %8u kB\nVmFlags: rd wr \n",
             (unsigned long long)start, (unsigned long long)end,
             (unsigned long long)((end - start) / 1024), rss_kb);
    return out;
}

START_TEST(t_race_shrink)
{
    /* same start, smaller end: still the later line wins */
    char r1[200], r2[200], text[400];
    snprintf(text, sizeof text, "%s%s", smaps_rec(r1, sizeof r1, 0x10000, 0x50000, 64),
             smaps_rec(r2, sizeof r2, 0x10000, 0x30000, 8));
    struct parsed p;
    parse_mem(text, strlen(text), &p);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert_uint_eq(p.replaced, 1);
    ck_assert_uint_eq(p.l.items[0].end, 0x30000);
    ck_assert_uint_eq(p.l.items[0].field[SMAPS_SIZE], KB(128));
    ck_assert_uint_eq(p.l.items[0].field[SMAPS_RSS], KB(8));
    parsed_free(&p);
}
END_TEST

START_TEST(t_race_clip_fields)
{
    /* The clipped record keeps the fields printed with its own line; the
     * previous record keeps its own. */
    char r1[200], r2[200], text[400];
    snprintf(text, sizeof text, "%s%s", smaps_rec(r1, sizeof r1, 0x10000, 0x30000, 64),
             smaps_rec(r2, sizeof r2, 0x20000, 0x40000, 12));
    struct parsed p;
    parse_mem(text, strlen(text), &p);
    ck_assert_uint_eq(p.l.count, 2);
    ck_assert_uint_eq(p.replaced, 1);
    ck_assert_uint_eq(p.l.items[0].end, 0x30000);
    ck_assert_uint_eq(p.l.items[0].field[SMAPS_RSS], KB(64));
    ck_assert_uint_eq(p.l.items[1].start, 0x30000);
    ck_assert_uint_eq(p.l.items[1].end, 0x40000);
    ck_assert_uint_eq(p.l.items[1].field[SMAPS_RSS], KB(12));
    parsed_free(&p);
}
END_TEST

START_TEST(t_race_drop_keeps_fields)
{
    /* A line wholly inside the previous VMA is dropped ("nothing new"). Its
     * field lines describe only that sub-range and must not overwrite the
     * fields of the VMA that was kept: the kept record must stay
     * self-consistent (Size == end - start). */
    char r1[200], r2[200], text[400];
    snprintf(text, sizeof text, "%s%s", smaps_rec(r1, sizeof r1, 0x10000, 0x50000, 64),
             smaps_rec(r2, sizeof r2, 0x20000, 0x30000, 4));
    struct parsed p;
    parse_mem(text, strlen(text), &p);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert_uint_eq(p.replaced, 1);
    const struct vma *v = &p.l.items[0];
    ck_assert_uint_eq(v->start, 0x10000);
    ck_assert_uint_eq(v->end, 0x50000);
    ck_assert_uint_eq(v->field[SMAPS_SIZE], KB(256));
    ck_assert_uint_eq(v->field[SMAPS_RSS], KB(64));
    parsed_free(&p);
}
END_TEST

START_TEST(t_race_back_two)
{
    /* Two VMAs printed, then (after an mprotect merged them and the next
     * one) a VMA starting at the first one's start: the kernel restarts at
     * the last end and prints the VMA containing it. The result must stay
     * sorted and non-overlapping, and the later line wins. */
    static const char text[] = "10000-20000 rw-p 00000000 00:00 0 \n"
                               "20000-30000 r--p 00000000 00:00 0 \n"
                               "10000-40000 rw-p 00000000 00:00 0 \n"
                               "50000-60000 rw-p 00000000 00:00 0 \n";
    struct parsed p;
    parse_mem(text, sizeof text - 1, &p);
    assert_sorted(&p.l);
    ck_assert_uint_eq(p.l.count, 2);
    ck_assert_uint_eq(p.l.items[0].start, 0x10000);
    ck_assert_uint_eq(p.l.items[0].end, 0x40000);
    ck_assert_str_eq(p.l.items[0].perms, "rw-p");
    ck_assert_uint_eq(p.l.items[1].start, 0x50000);
    parsed_free(&p);
}
END_TEST

/* ---- robustness ------------------------------------------------------- */

START_TEST(t_absurd)
{
    struct parsed p;
    parse_fixture("smaps_absurd", &p, NULL);
    ck_assert_uint_eq(p.bad, 16);
    ck_assert_uint_eq(p.l.count, 2);
    ck_assert(!p.truncated);
    const struct vma *a = &p.l.items[0];
    ck_assert_uint_eq(a->start, 0x7f0000000000);
    ck_assert_uint_eq(a->end, 0x7f0000001000);
    ck_assert_uint_eq(a->field_mask, (1u << SMAPS_SIZE) | (1u << SMAPS_PRIVATE_CLEAN));
    ck_assert_uint_eq(a->field[SMAPS_SIZE], KB(4));
    ck_assert_uint_eq(a->field[SMAPS_PRIVATE_CLEAN], KB(4));
    ck_assert_uint_eq(a->field[SMAPS_RSS], 0);
    assert_flags(a, "rd wr mr"); /* "zz" and "??" ignored */
    const struct vma *m = &p.l.items[1];
    ck_assert_uint_eq(m->start, UINT64_C(0xffffffffffff0000));
    ck_assert_uint_eq(m->end, UINT64_MAX);
    ck_assert_uint_eq(m->offset, UINT64_MAX);
    ck_assert_uint_eq(m->dev_major, UINT32_MAX);
    ck_assert_uint_eq(m->dev_minor, UINT32_MAX);
    ck_assert_uint_eq(m->inode, UINT64_MAX);
    ck_assert(NAME_IS(m, "/max"));
    ck_assert_uint_eq(m->field_mask, (1u << SMAPS_RSS) | (1u << SMAPS_THP_ELIGIBLE));
    ck_assert_uint_eq(m->field[SMAPS_RSS], UINT64_C(18014398509481983) * 1024);
    ck_assert_uint_eq(m->field[SMAPS_THP_ELIGIBLE], UINT64_MAX);
    ck_assert(!m->has_vmflags);
    parsed_free(&p);
}
END_TEST

/* Every width of number the kernel can print, with every padding, with
 * the line ending exactly at the end of the buffer (fewer than eight bytes
 * left) or followed by more text, against strtoull. */
START_TEST(t_number_widths)
{
    rng_state = 777;
    for (int width = 1; width <= 16; width++) {
        for (int pad = 1; pad <= 9; pad++) {
            for (int at_end = 0; at_end < 2; at_end++) {
                char digits[24];
                for (int i = 0; i < width; i++)
                    digits[i] = (char)('0' + (i == 0 && width > 1 ? 1 + rng() % 9 : rng() % 10));
                digits[width] = '\0';
                char text[256];
                int n = snprintf(text, sizeof text,
                                 "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
                                 "Size:%*s%s kB\n%s",
                                 pad, "", digits, at_end ? "" : "KernelPageSize: 4 kB\n");
                struct parsed p;
                parse_mem(text, (size_t)n, &p);
                ck_assert_msg(p.bad == 0 && p.l.count == 1, "width %d pad %d", width, pad);
                uint64_t want = strtoull(digits, NULL, 10) * 1024;
                ck_assert_msg(p.l.items[0].field[SMAPS_SIZE] == want,
                              "width %d pad %d: %" PRIu64 " for %s", width, pad,
                              p.l.items[0].field[SMAPS_SIZE], digits);
                parsed_free(&p);
            }
        }
    }
    /* A value followed by a byte above 0x7f or another non-digit leaves the
     * fast path; the general one reads its digits as the kernel's own
     * parsers would (up to the first non-digit), and the next line is read. */
    static const struct {
        const char *line;
        uint64_t size;
    } odd[] = {{"Size: 12\xb5 kB\n", KB(12)}, {"Size: 12: kB\n", KB(12)}, {"Size: 1/ kB\n", KB(1)}};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        char text[128];
        int n = snprintf(text, sizeof text,
                         "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n%sRss: 8 kB\n", odd[i].line);
        struct parsed p;
        parse_mem(text, (size_t)n, &p);
        ck_assert_uint_eq(p.l.count, 1);
        ck_assert_msg(vma_has(&p.l.items[0], SMAPS_SIZE) && p.l.items[0].field[SMAPS_SIZE] == odd[i].size,
                      "case %zu", i);
        ck_assert_uint_eq(p.l.items[0].field[SMAPS_RSS], KB(8));
        parsed_free(&p);
    }
}
END_TEST

START_TEST(t_random_garbage)
{
    struct parsed p;
    struct buf b;
    parse_fixture("garbage_random.bin", &p, &b);
    ck_assert_uint_gt(p.bad, 0);
    assert_sorted(&p.l);
    buf_free(&b);
    parsed_free(&p);
    /* and a few more megabytes of generated garbage biased towards maps
     * syntax: must not crash, and the list must stay sorted */
    static const char alphabet[] = "0123456789abcdef- :\nrwxsp-()[]/\\ kBSizeRssVmFlags\xff\x1b";
    char *g = malloc(1 << 20);
    ck_assert_ptr_nonnull(g);
    rng_state = 12345;
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < (1u << 20); i++)
            g[i] = alphabet[rng() % (sizeof alphabet - 1)];
        parse_mem(g, 1u << 20, &p);
        assert_sorted(&p.l);
        ck_assert_uint_gt(p.bad, 0);
        parsed_free(&p);
    }
    free(g);
}
END_TEST

START_TEST(t_zeros)
{
    struct parsed p;
    parse_fixture("garbage_zeros.bin", &p, NULL);
    ck_assert_uint_eq(p.bad, 1);
    ck_assert(p.truncated);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert_uint_eq(p.l.items[0].start, 0x55faf0bf5000);
    ck_assert(NAME_IS(&p.l.items[0], "/usr/bin/cat"));
    parsed_free(&p);
}
END_TEST

START_TEST(t_unknown_keys)
{
    struct buf b, e;
    buf_init(&b);
    buf_init(&e);
    fixture_read("smaps_cat", &b);
    /* Insert new keys into the first record: after "Rss:" and before
     * "VmFlags:", like KSM and Pss_Dirty once appeared mid-record. */
    const char *rss = strstr(b.data, "\nRss:");
    ck_assert_ptr_nonnull(rss);
    const char *rss_end = strchr(rss + 1, '\n') + 1;
    const char *vmf = strstr(b.data, "\nVmFlags:") + 1;
    buf_append(&e, b.data, (size_t)(rss_end - b.data));
    buf_puts(&e, "NewKey:                4 kB\n");
    buf_append(&e, rss_end, (size_t)(vmf - rss_end));
    buf_puts(&e, "Zzz_Future:  12345678901234567890 kB\nX:\n");
    buf_append(&e, vmf, b.len - (size_t)(vmf - b.data));
    struct parsed plain, edited;
    parse_mem(b.data, b.len, &plain);
    parse_mem(e.data, e.len, &edited);
    ck_assert_uint_eq(edited.bad, 0);
    assert_same_lists(&plain, &edited);
    ck_assert_uint_eq(edited.l.items[0].field[SMAPS_RSS], KB(8));
    parsed_free(&plain);
    parsed_free(&edited);
    buf_free(&b);
    buf_free(&e);
}
END_TEST

START_TEST(t_key_prefixes)
{
    /* Keys that are prefixes or extensions of known keys are unknown keys,
     * not the known one. */
    static const char text[] = "1000-2000 rw-p 00000000 00:00 0 \n"
                               "Rs:       1 kB\n"
                               "Rss_X:    2 kB\n"
                               "Pss_Dirty2: 3 kB\n"
                               "Swap:     5 kB\n"
                               "SwapPs:   6 kB\n";
    struct parsed p;
    parse_mem(text, sizeof text - 1, &p);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.l.items[0].field_mask, 1u << SMAPS_SWAP);
    ck_assert_uint_eq(p.l.items[0].field[SMAPS_SWAP], KB(5));
    parsed_free(&p);
}
END_TEST

START_TEST(t_key_with_nul)
{
    /* A key with an embedded NUL ("Rss\0") is not "Rss". The kernel never
     * prints NUL, but garbage may: it must neither match nor read past the
     * key table's strings. */
    static const char text[] = "1000-2000 rw-p 00000000 00:00 0 \n"
                               "Rss\0:    4 kB\n"
                               "Pss\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0:    4 kB\n";
    struct parsed p;
    parse_mem(text, sizeof text - 1, &p);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert(!vma_has(&p.l.items[0], SMAPS_RSS));
    ck_assert(!vma_has(&p.l.items[0], SMAPS_PSS));
    parsed_free(&p);
}
END_TEST

START_TEST(t_maps_only)
{
    struct parsed p;
    struct buf b;
    parse_fixture("maps_cat", &p, &b);
    ck_assert_uint_eq(count_headers(b.data, b.len), 38);
    ck_assert_uint_eq(p.l.count, 38);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert(!p.truncated);
    assert_sorted(&p.l);
    for (size_t i = 0; i < p.l.count; i++) {
        ck_assert_uint_eq(p.l.items[i].field_mask, 0);
        ck_assert(!p.l.items[i].has_vmflags);
    }
    const struct vma *h = NAMED(&p, "[heap]");
    ck_assert_uint_eq(h->start, 0x55fafaef8000);
    ck_assert_uint_eq(h->end, 0x55fafaf19000);
    const struct vma *l = at(&p, 0x7f0588508000);
    ck_assert(NAME_IS(l, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
    ck_assert_uint_eq(l->offset, 0x26000);
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

START_TEST(t_fields_before_header)
{
    /* Field lines before any header, or after a bad header, are bad lines
     * and never land on a neighbour. */
    static const char text[] = "Rss:  4 kB\n"
                               "1000-2000 rw-p 00000000 00:00 0 \n"
                               "Rss:  8 kB\n"
                               "1000-zzzz rw-p 00000000 00:00 0 \n"
                               "Rss: 12 kB\n"
                               "2000-3000 rw-p 00000000 00:00 0 \n"
                               "Pss: 16 kB\n";
    struct parsed p;
    parse_mem(text, sizeof text - 1, &p);
    ck_assert_uint_eq(p.l.count, 2);
    ck_assert_uint_eq(p.bad, 3);
    ck_assert_uint_eq(p.l.items[0].field_mask, 1u << SMAPS_RSS);
    ck_assert_uint_eq(p.l.items[0].field[SMAPS_RSS], KB(8));
    ck_assert_uint_eq(p.l.items[1].field_mask, 1u << SMAPS_PSS);
    parsed_free(&p);
}
END_TEST

/* ---- smaps_rollup ----------------------------------------------------- */

START_TEST(t_rollup_cat)
{
    struct parsed p;
    parse_fixture("smaps_rollup_cat", &p, NULL);
    ck_assert_uint_eq(p.l.count, 1);
    ck_assert_uint_eq(p.bad, 0);
    const struct vma *r = &p.l.items[0];
    ck_assert(NAME_IS(r, "[rollup]"));
    ck_assert_uint_eq(r->start, 0x5565eb5bb000);
    ck_assert_uint_eq(r->end, 0x7ffc3fe2a000);
    ck_assert_str_eq(r->perms, "---p");
    ck_assert_uint_eq(r->field[SMAPS_RSS], KB(1612));
    ck_assert_uint_eq(r->field[SMAPS_PSS], KB(430));
    ck_assert_uint_eq(r->field[SMAPS_PSS_DIRTY], KB(112));
    ck_assert_uint_eq(r->field[SMAPS_PSS_ANON], KB(112));
    ck_assert_uint_eq(r->field[SMAPS_PSS_FILE], KB(318));
    ck_assert(vma_has(r, SMAPS_PSS_SHMEM));
    ck_assert_uint_eq(r->field[SMAPS_PSS_SHMEM], 0);
    ck_assert_uint_eq(r->field[SMAPS_SHARED_CLEAN], KB(1460));
    ck_assert_uint_eq(r->field[SMAPS_PRIVATE_CLEAN], KB(40));
    ck_assert_uint_eq(r->field[SMAPS_PRIVATE_DIRTY], KB(112));
    ck_assert_uint_eq(r->field[SMAPS_ANONYMOUS], KB(112));
    ck_assert_uint_eq(r->field[SMAPS_LOCKED], 0);
    uint32_t absent = (1u << SMAPS_SIZE) | (1u << SMAPS_KERNEL_PAGE_SIZE) |
                      (1u << SMAPS_MMU_PAGE_SIZE) | (1u << SMAPS_THP_ELIGIBLE) |
                      (1u << SMAPS_PROTECTION_KEY);
    ck_assert_uint_eq(r->field_mask, ((UINT32_C(1) << SMAPS_FIELD_COUNT) - 1) & ~absent);
    ck_assert(!r->has_vmflags);
    parsed_free(&p);
}
END_TEST

START_TEST(t_rollup_matches_smaps)
{
    /* Same process, read moments apart: the rollup range spans first VMA
     * start to the last end before [vsyscall], and its Rss and Anonymous
     * are the sums over smaps (nothing ran in between). */
    static const char *const procs[] = {"thread", "bash"};
    for (size_t k = 0; k < 2; k++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "smaps_%s", procs[k]);
        snprintf(b, sizeof b, "smaps_rollup_%s", procs[k]);
        struct parsed s, r;
        parse_fixture(a, &s, NULL);
        parse_fixture(b, &r, NULL);
        ck_assert_uint_eq(r.l.count, 1);
        const struct vma *ro = &r.l.items[0];
        ck_assert_uint_eq(ro->start, s.l.items[0].start);
        ck_assert_uint_eq(ro->end, s.l.items[s.l.count - 2].end);
        uint64_t rss = 0, anon = 0;
        for (size_t i = 0; i < s.l.count; i++) {
            rss += s.l.items[i].field[SMAPS_RSS];
            anon += s.l.items[i].field[SMAPS_ANONYMOUS];
        }
        ck_assert_uint_eq(ro->field[SMAPS_RSS], rss);
        ck_assert_uint_eq(ro->field[SMAPS_ANONYMOUS], anon);
        parsed_free(&s);
        parsed_free(&r);
    }
    struct parsed t;
    parse_fixture("smaps_rollup_thread", &t, NULL);
    ck_assert_uint_eq(t.l.items[0].start, 0x55f4b1c65000);
    ck_assert_uint_eq(t.l.items[0].end, 0x7ffe97086000);
    ck_assert_uint_eq(t.l.items[0].field[SMAPS_RSS], KB(1660));
    ck_assert_uint_eq(t.l.items[0].field[SMAPS_PSS_ANON], KB(124));
    ck_assert_uint_eq(t.l.items[0].field[SMAPS_PSS_FILE], KB(272));
    parsed_free(&t);
}
END_TEST

/* ---- 20,000 mappings -------------------------------------------------- */

#define MANY_START UINT64_C(0x7f86e4c5a000) /* maphelper_many.out */
#define MANY_END UINT64_C(0x7f86e9a7a000)

START_TEST(t_20k_count)
{
    struct parsed p;
    struct buf b;
    parse_fixture("smaps_20k.xz", &p, &b);
    size_t headers = count_headers(b.data, b.len);
    ck_assert_uint_eq(headers, 20023);
    ck_assert_uint_eq(p.l.count, headers);
    ck_assert_uint_eq(p.bad, 0);
    ck_assert_uint_eq(p.replaced, 0);
    ck_assert(!p.truncated);
    assert_sorted(&p.l);
    /* the helper's pages alternate r--p / rw-p so they never merge; the
     * last one merged with the anonymous VMA above */
    size_t inside = 0;
    for (size_t i = 0; i < p.l.count; i++) {
        const struct vma *v = &p.l.items[i];
        if (v->start >= MANY_START && v->end <= MANY_END) {
            ck_assert_uint_eq(vma_size(v), 4096);
            ck_assert_uint_eq(v->field[SMAPS_SIZE], KB(4));
            ck_assert_str_eq(v->perms, inside % 2 ? "rw-p" : "r--p");
            inside++;
        }
    }
    ck_assert_uint_eq(inside, 19999);
    const struct vma *last = at(&p, 0x7f86e9a79000);
    ck_assert_uint_eq(last->end, 0x7f86e9a7d000);
    buf_free(&b);
    parsed_free(&p);
}
END_TEST

START_TEST(t_20k_maps_equal)
{
    struct parsed s, m;
    parse_fixture("smaps_20k.xz", &s, NULL);
    parse_fixture("maps_20k.xz", &m, NULL);
    ck_assert_uint_eq(m.l.count, 20023);
    ck_assert_uint_eq(s.l.count, m.l.count);
    for (size_t i = 0; i < s.l.count; i++) {
        const struct vma *a = &s.l.items[i], *b = &m.l.items[i];
        ck_assert(a->start == b->start && a->end == b->end);
        ck_assert_str_eq(a->perms, b->perms);
        ck_assert(a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0);
        ck_assert(a->inode == b->inode);
        ck_assert_uint_eq(b->field_mask, 0);
        ck_assert_uint_eq(a->field_mask, full_smaps_mask());
    }
    parsed_free(&s);
    parsed_free(&m);
}
END_TEST

START_TEST(t_20k_find)
{
    struct parsed p;
    parse_fixture("maps_20k.xz", &p, NULL);
    const struct vma *it = p.l.items;
    size_t n = p.l.count;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(vma_list_find(it, n, it[i].start), (long)i);
        ck_assert_int_eq(vma_list_find(it, n, it[i].end - 1), (long)i);
    }
    /* gaps and outside */
    ck_assert_int_eq(vma_list_find(it, n, 0), -1);
    ck_assert_int_eq(vma_list_find(it, n, it[0].start - 1), -1);
    ck_assert_int_eq(vma_list_find(it, n, UINT64_MAX), -1);
    for (size_t i = 0; i + 1 < n; i++)
        if (it[i].end < it[i + 1].start)
            ck_assert_int_eq(vma_list_find(it, n, it[i].end), -1);
    ck_assert_int_eq(vma_list_find(it, 0, 0x1000), -1);
    parsed_free(&p);
}
END_TEST

START_TEST(t_20k_chunks)
{
    check_chunks("smaps_20k.xz", 100, 1);
    check_chunks("maps_20k.xz", 100, 2);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static Suite *smaps_suite(void)
{
    Suite *s = suite_create("smaps");
    TCase *tc;

    tc = tcase_create("real");
    tcase_add_test(tc, t_cat_count_order);
    tcase_add_test(tc, t_cat_heap);
    tcase_add_test(tc, t_cat_libc);
    tcase_add_test(tc, t_cat_special);
    tcase_add_test(tc, t_size_matches_range);
    tcase_add_test(tc, t_bash);
    tcase_add_test(tc, t_thread_stack);
    tcase_add_test(tc, t_vmflag_index);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, t_hostile_files);
    tcase_add_test(tc, t_hostile_memfd_raw);
    tcase_add_test(tc, t_longpath);
    tcase_add_test(tc, t_pseudo_names);
    tcase_add_test(tc, t_pseudo_vmflags);
    tcase_add_test(tc, t_decode_name);
    tcase_add_test(tc, t_parse_header);
    suite_add_tcase(s, tc);

    tc = tcase_create("stream");
    tcase_add_test(tc, t_chunks_real);
    tcase_add_test(tc, t_chunks_odd);
    tcase_add_test(tc, t_bytewise);
    tcase_add_test(tc, t_every_split);
    tcase_add_test(tc, t_empty_feeds);
    suite_add_tcase(s, tc);

    tc = tcase_create("truncated");
    tcase_add_test(tc, t_trunc_midline);
    tcase_add_test(tc, t_trunc_midname);
    tcase_add_test(tc, t_trunc_no_final_newline);
    tcase_add_test(tc, t_trunc_every_prefix);
    suite_add_tcase(s, tc);

    tc = tcase_create("race");
    tcase_add_test(tc, t_race_dup_start);
    tcase_add_test(tc, t_race_maps);
    tcase_add_test(tc, t_race_shrink);
    tcase_add_test(tc, t_race_clip_fields);
    tcase_add_test(tc, t_race_drop_keeps_fields);
    tcase_add_test(tc, t_race_back_two);
    suite_add_tcase(s, tc);

    tc = tcase_create("robust");
    tcase_add_test(tc, t_absurd);
    tcase_add_test(tc, t_number_widths);
    tcase_add_test(tc, t_random_garbage);
    tcase_add_test(tc, t_zeros);
    tcase_add_test(tc, t_unknown_keys);
    tcase_add_test(tc, t_key_prefixes);
    tcase_add_test(tc, t_key_with_nul);
    tcase_add_test(tc, t_maps_only);
    tcase_add_test(tc, t_fields_before_header);
    suite_add_tcase(s, tc);

    tc = tcase_create("rollup");
    tcase_add_test(tc, t_rollup_cat);
    tcase_add_test(tc, t_rollup_matches_smaps);
    suite_add_tcase(s, tc);

    tc = tcase_create("many");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, t_20k_count);
    tcase_add_test(tc, t_20k_maps_equal);
    tcase_add_test(tc, t_20k_find);
    tcase_add_test(tc, t_20k_chunks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(smaps_suite()); /* srunner_run_all(CK_NORMAL): prints "Checks: N, ..." */
}
