/* Tests of the status, stat, auxv and task syscall parsers against files
 * captured from real processes (tests/fixtures/README.md). */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "vmscope/buf.h"
#include "vmscope/procfile.h"
#include "vmscope/smaps.h"
#include "vmscope/vma.h"

#define KB(x) ((uint64_t)(x) * 1024u)

static void load(const char *name, struct buf *b)
{
    buf_init(b);
    fixture_read(name, b);
    ck_assert_msg(b->len > 0, "fixture %s is empty", name);
}

static void load_smaps(const char *name, struct vma_list *l)
{
    struct buf b;
    load(name, &b);
    vma_list_init(l);
    ck_assert_uint_eq(smaps_parse_buffer(b.data, b.len, l), 0);
    buf_free(&b);
}

static const struct vma *named(const struct vma_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    ck_abort_msg("no VMA named %s", name);
    return NULL;
}

/* ---- status ----------------------------------------------------------- */

static void parse_status(const char *fixture, struct proc_status *st)
{
    struct buf b;
    load(fixture, &b);
    ck_assert_int_eq(status_parse(b.data, b.len, st), 0);
    buf_free(&b);
}

static const uint32_t all_status = (UINT32_C(1) << STATUS_FIELD_COUNT) - 1;

START_TEST(t_status_cat)
{
    struct proc_status st;
    parse_status("status_cat", &st);
    ck_assert_int_eq(st.state, 'R');
    ck_assert_int_eq(st.tgid, 5331);
    ck_assert_int_eq(st.threads, 1);
    ck_assert_uint_eq(st.uid, 0);
    ck_assert_uint_eq(st.mask, all_status);
    static const uint64_t kb[STATUS_FIELD_COUNT] = {
        [STATUS_VM_PEAK] = 3060, [STATUS_VM_SIZE] = 3060, [STATUS_VM_LCK] = 0,
        [STATUS_VM_PIN] = 0,     [STATUS_VM_HWM] = 1740,  [STATUS_VM_RSS] = 1740,
        [STATUS_RSS_ANON] = 112, [STATUS_RSS_FILE] = 1628, [STATUS_RSS_SHMEM] = 0,
        [STATUS_VM_DATA] = 360,  [STATUS_VM_STK] = 132,   [STATUS_VM_EXE] = 20,
        [STATUS_VM_LIB] = 1528,  [STATUS_VM_PTE] = 40,    [STATUS_VM_SWAP] = 0,
        [STATUS_HUGETLB] = 0,
    };
    for (int f = 0; f < STATUS_FIELD_COUNT; f++)
        ck_assert_msg(st.value[f] == KB(kb[f]), "%s: %llu", status_fields[f].key,
                      (unsigned long long)st.value[f]);
}
END_TEST

START_TEST(t_status_bash)
{
    struct proc_status st;
    parse_status("status_bash", &st);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.tgid, 5378);
    ck_assert_int_eq(st.threads, 1);
    ck_assert_uint_eq(st.mask, all_status);
    ck_assert_uint_eq(st.value[STATUS_VM_PEAK], KB(4360));
    ck_assert_uint_eq(st.value[STATUS_VM_RSS], KB(3108));
    ck_assert_uint_eq(st.value[STATUS_RSS_ANON], KB(268));
    ck_assert_uint_eq(st.value[STATUS_RSS_FILE], KB(2840));
    ck_assert_uint_eq(st.value[STATUS_VM_EXE], KB(772));
    ck_assert_uint_eq(st.value[STATUS_VM_LIB], KB(1596));
    ck_assert_uint_eq(st.value[STATUS_VM_PTE], KB(56));
}
END_TEST

START_TEST(t_status_thread)
{
    struct proc_status st;
    parse_status("status_thread", &st);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.tgid, 5444);
    ck_assert_int_eq(st.threads, 2);
    ck_assert_uint_eq(st.uid, 0);
    ck_assert_uint_eq(st.value[STATUS_VM_PEAK], KB(150200));
    ck_assert_uint_eq(st.value[STATUS_VM_SIZE], KB(84664));
    ck_assert_uint_eq(st.value[STATUS_VM_HWM], KB(1660));
    ck_assert_uint_eq(st.value[STATUS_VM_DATA], KB(17004));
    ck_assert_uint_eq(st.value[STATUS_VM_EXE], KB(4));
    /* the same process's smaps: VmRSS = rollup Rss, RssAnon = rollup
     * Anonymous, VmStk = [stack] size */
    struct vma_list roll, sm;
    load_smaps("smaps_rollup_thread", &roll);
    load_smaps("smaps_thread", &sm);
    ck_assert_uint_eq(st.value[STATUS_VM_RSS], roll.items[0].field[SMAPS_RSS]);
    ck_assert_uint_eq(st.value[STATUS_RSS_ANON], roll.items[0].field[SMAPS_ANONYMOUS]);
    ck_assert_uint_eq(st.value[STATUS_VM_STK], vma_size(named(&sm, "[stack]")));
    vma_list_free(&roll);
    vma_list_free(&sm);
}
END_TEST

START_TEST(t_status_kthread)
{
    /* a kernel thread has no Vm or Rss lines: nothing is reported, not 0 */
    struct proc_status st;
    parse_status("status_kthreadd", &st);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.tgid, 2);
    ck_assert_int_eq(st.threads, 1);
    ck_assert_uint_eq(st.mask, 0);
}
END_TEST

START_TEST(t_status_partial)
{
    struct proc_status st;
    static const char t1[] = "Name:\tx\nState:\tZ (zombie)\nVmRSS:\t  12 kB";
    ck_assert_int_eq(status_parse(t1, sizeof t1 - 1, &st), 0);
    ck_assert_int_eq(st.state, 'Z');
    ck_assert_int_eq(st.threads, -1);
    ck_assert_uint_eq(st.uid, (uid_t)-1);
    ck_assert_uint_eq(st.mask, 1u << STATUS_VM_RSS);
    ck_assert_uint_eq(st.value[STATUS_VM_RSS], KB(12));
    /* no State line: not a status file */
    static const char t2[] = "Name:\tx\nVmRSS:\t  12 kB\n";
    ck_assert_int_eq(status_parse(t2, sizeof t2 - 1, &st), -EINVAL);
    ck_assert_int_eq(status_parse("", 0, &st), -EINVAL);
    /* a key that merely starts like a known one is not it; a value
     * without digits is absent */
    static const char t3[] = "State:\tS\nVmRSSX:\t5 kB\nVmRS:\t6 kB\nVmSwap:\t kB\nVmLck:\t7 kB\n";
    ck_assert_int_eq(status_parse(t3, sizeof t3 - 1, &st), 0);
    ck_assert_uint_eq(st.mask, 1u << STATUS_VM_LCK);
    ck_assert_uint_eq(st.value[STATUS_VM_LCK], KB(7));
}
END_TEST

START_TEST(t_status_respects_len)
{
    /* The parser takes (text, len): bytes after len must not be read. Here
     * the bytes after len are more digits of the last value. */
    static const char t[] = "State:\tS (sleeping)\nVmRSS:\t    1660 kB\nThreads:\t2" "7 kB\n";
    size_t len = sizeof t - 1 - strlen("7 kB\n");
    struct proc_status st;
    ck_assert_int_eq(status_parse(t, len, &st), 0);
    ck_assert_int_eq(st.threads, 2);
    static const char u[] = "State:\tS\nVmRSS:\t    16" "60 kB\n";
    len = sizeof u - 1 - strlen("60 kB\n");
    ck_assert_int_eq(status_parse(u, len, &st), 0);
    ck_assert_uint_eq(st.value[STATUS_VM_RSS], KB(16));
}
END_TEST

/* ---- stat ------------------------------------------------------------- */

static void parse_stat(const char *fixture, struct proc_stat *st)
{
    struct buf b;
    load(fixture, &b);
    ck_assert_int_eq(stat_parse(b.data, b.len, st), 0);
    buf_free(&b);
}

START_TEST(t_stat_thread)
{
    struct proc_stat st;
    parse_stat("stat_thread", &st);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.vsize, 86695936);
    ck_assert_uint_eq(st.rss_pages, 368);
    ck_assert_uint_eq(st.start_code, 94509442949120u);
    ck_assert_uint_eq(st.end_code, 94509442953061u);
    ck_assert_uint_eq(st.start_stack, 140731432323408u);
    ck_assert_uint_eq(st.start_data, 94509442960784u);
    ck_assert_uint_eq(st.end_data, 94509442961728u);
    ck_assert_uint_eq(st.start_brk, 94509758623744u);
    ck_assert(!st.masked);
    /* cross-check with the same process's smaps */
    struct vma_list l;
    load_smaps("smaps_thread", &l);
    ck_assert_uint_eq(st.start_brk, named(&l, "[heap]")->start);
    long code = vma_list_find(l.items, l.count, st.start_code);
    ck_assert_int_ge(code, 0);
    ck_assert_uint_eq(l.items[code].start, st.start_code);
    ck_assert_str_eq(l.items[code].perms, "r-xp");
    const struct vma *stack = named(&l, "[stack]");
    ck_assert(st.start_stack >= stack->start && st.start_stack < stack->end);
    ck_assert_uint_eq(st.vsize, UINT64_C(84664) * 1024); /* = status VmSize */
    vma_list_free(&l);
}
END_TEST

START_TEST(t_stat_cat_bash)
{
    struct proc_stat st;
    parse_stat("stat_cat", &st);
    ck_assert_int_eq(st.state, 'R');
    ck_assert_uint_eq(st.vsize, 3133440);
    ck_assert_uint_eq(st.rss_pages, 376);
    ck_assert_uint_eq(st.start_code, 94574481723392u);
    ck_assert_uint_eq(st.start_brk, 94575121915904u);
    ck_assert(!st.masked);
    parse_stat("stat_bash", &st);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.vsize, 4464640);
    ck_assert_uint_eq(st.rss_pages, 758);
    ck_assert_uint_eq(st.end_code, 94096221825949u);
    ck_assert_uint_eq(st.start_stack, 140735987120384u);
    ck_assert_uint_eq(st.end_data, 94096222107492u);
}
END_TEST

START_TEST(t_stat_comm_paren)
{
    /* comm "a) b": fields start after the LAST ')' */
    struct proc_stat st;
    parse_stat("stat_comm_paren", &st);
    ck_assert_int_eq(st.state, 'R');
    ck_assert_uint_eq(st.vsize, 17149952);
    ck_assert_uint_eq(st.rss_pages, 3424);
    ck_assert_uint_eq(st.start_code, 93867126112256u);
    ck_assert_uint_eq(st.end_code, 93867126112597u);
    ck_assert_uint_eq(st.start_stack, 140734360352832u);
    ck_assert_uint_eq(st.start_brk, 93867755560960u);
    ck_assert(!st.masked);
}
END_TEST

START_TEST(t_stat_comm_evil)
{
    /* comm ") ) R 1 2 (x" imitates the start of the fields */
    struct proc_stat st;
    parse_stat("stat_comm_evil", &st);
    ck_assert_int_eq(st.state, 'R');
    ck_assert_uint_eq(st.vsize, 17145856);
    ck_assert_uint_eq(st.rss_pages, 3428);
    ck_assert_uint_eq(st.start_code, 94405413289984u);
    ck_assert_uint_eq(st.start_stack, 140727346385696u);
    ck_assert_uint_eq(st.start_brk, 94406315282432u);
    /* a comm with a newline and ')' (prctl allows any byte but NUL) */
    static const char t[] =
        "77 (x)\n) S 1 77 77 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 5 4096 3 "
        "18446744073709551615 4096 8192 12288 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
        "16384 20480 24576 0 0 0 0 0\n";
    ck_assert_int_eq(stat_parse(t, sizeof t - 1, &st), 0);
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.vsize, 4096);
    ck_assert_uint_eq(st.rss_pages, 3);
    ck_assert_uint_eq(st.start_code, 4096);
    ck_assert_uint_eq(st.end_code, 8192);
    ck_assert_uint_eq(st.start_stack, 12288);
    ck_assert_uint_eq(st.start_data, 16384);
    ck_assert_uint_eq(st.end_data, 20480);
    ck_assert_uint_eq(st.start_brk, 24576);
}
END_TEST

/* Numbers past 2^63, signed or not: no signed overflow (UBSan in the
 * sanitizer build; fuzz_procfile found "-9223372036854775808"), and an
 * unsigned field keeps its 64 bits. */
START_TEST(t_stat_huge_numbers)
{
    static const char t[] =
        "7 (x) S 1 7 7 0 -1 -9223372036854775808 0 0 0 0 0 0 0 0 20 0 1 0 5 "
        "18446744073709551615 99999999999999999999999 18446744073709551615 4096 8192 12288 0 0 0 "
        "0 0 0 0 0 0 17 0 0 0 0 0 0 16384 20480 24576 0 0 0 0 0\n";
    struct proc_stat st;
    ck_assert_int_eq(stat_parse(t, sizeof t - 1, &st), 0);
    ck_assert_uint_eq(st.flags, 0x8000000000000000u);
    ck_assert_uint_eq(st.vsize, 18446744073709551615u);
    ck_assert_uint_eq(st.start_code, 4096);
    struct proc_status ps;
    static const char u[] = "Name:\tx\nState:\tS (sleeping)\nThreads:\t-9223372036854775808\n"
                            "VmRSS:\t99999999999999999999999 kB\n";
    ck_assert_int_eq(status_parse(u, sizeof u - 1, &ps), 0);
}
END_TEST

START_TEST(t_stat_masked)
{
    struct proc_stat root, nobody;
    parse_stat("stat_rootproc", &root);
    parse_stat("stat_rootproc_as_nobody", &nobody);
    ck_assert(!root.masked);
    ck_assert_uint_eq(root.start_code, 94689415639040u);
    ck_assert_uint_eq(root.start_brk, 94690413707264u);
    ck_assert(nobody.masked);
    ck_assert_uint_eq(nobody.start_code, 1);
    ck_assert_uint_eq(nobody.end_code, 1);
    ck_assert_uint_eq(nobody.start_stack, 0);
    ck_assert_uint_eq(nobody.start_brk, 0);
    /* not masked: state, vsize and rss */
    ck_assert_int_eq(nobody.state, root.state);
    ck_assert_uint_eq(nobody.vsize, 4726784);
    ck_assert_uint_eq(nobody.rss_pages, 432);
    struct proc_stat p1;
    parse_stat("stat_pid1_as_nobody", &p1);
    ck_assert(p1.masked);
    ck_assert_int_eq(p1.state, 'S');
    ck_assert_uint_eq(p1.vsize, 41467904);
    /* a kernel thread has no mm: zeros, which is not the masked pattern */
    struct proc_stat k;
    parse_stat("stat_kthreadd", &k);
    ck_assert(!k.masked);
    ck_assert_uint_eq(k.start_code, 0);
    ck_assert_uint_eq(k.vsize, 0);
}
END_TEST

START_TEST(t_stat_invalid)
{
    struct proc_stat st;
    struct buf b;
    load("stat_thread", &b);
    /* cut after field 27 (end_code): start_stack is missing */
    size_t spaces = 0, cut = 0;
    const char *rp = strrchr(b.data, ')');
    for (const char *s = rp + 2; *s; s++)
        if (*s == ' ' && ++spaces == 25) { /* field 3 + 25 spaces = field 28 starts */
            cut = (size_t)(s - b.data);
            break;
        }
    ck_assert_uint_gt(cut, 0);
    ck_assert_int_eq(stat_parse(b.data, cut, &st), -EINVAL);
    /* a complete field 28 is enough */
    const char *sp29 = strchr(b.data + cut + 1, ' ');
    ck_assert_int_eq(stat_parse(b.data, (size_t)(sp29 - b.data), &st), 0);
    ck_assert_uint_eq(st.start_stack, 140731432323408u);
    ck_assert_int_eq(stat_parse("", 0, &st), -EINVAL);
    ck_assert_int_eq(stat_parse("5444 (maphelper", 15, &st), -EINVAL);
    ck_assert_int_eq(stat_parse("5444 (maphelper)", 16, &st), -EINVAL);
    ck_assert_int_eq(stat_parse("5444 (maphelper) S", 18, &st), -EINVAL);
    ck_assert_int_eq(stat_parse("5444 (maphelper) S 1 2 3\n", 25, &st), -EINVAL);
    buf_free(&b);
}
END_TEST

START_TEST(t_stat_respects_len)
{
    /* len ends right after the first digit of start_stack (field 28); the
     * rest of the number lies past len and must not be read. */
    struct buf b;
    load("stat_thread", &b);
    const char *f28 = strstr(b.data, " 140731432323408 ");
    ck_assert_ptr_nonnull(f28);
    size_t len = (size_t)(f28 - b.data) + 2;
    struct proc_stat st;
    int r = stat_parse(b.data, len, &st);
    ck_assert_msg(r == -EINVAL || st.start_stack == 1,
                  "stat_parse read past len: returned %d with start_stack %llu", r,
                  (unsigned long long)st.start_stack);
    buf_free(&b);
}
END_TEST

/* ---- auxv ------------------------------------------------------------- */

START_TEST(t_auxv_thread)
{
    struct buf b;
    load("auxv_thread.bin", &b);
    ck_assert_uint_eq(b.len, 368);
    struct auxv_info ai;
    ck_assert_int_eq(auxv_parse(b.data, b.len, &ai), 0);
    ck_assert(ai.valid);
    ck_assert_uint_eq(ai.pagesz, 4096);
    ck_assert_uint_ne(ai.phdr, 0);
    ck_assert_uint_eq(ai.phdr, 0x55f4b1c65040);
    ck_assert_uint_eq(ai.phent, sizeof(Elf64_Phdr));
    ck_assert_uint_eq(ai.phnum, 13);
    ck_assert_uint_eq(ai.base, 0x7f35f791b000);
    ck_assert_uint_eq(ai.entry, 0x55f4b1c66bb0);
    ck_assert_uint_eq(ai.sysinfo_ehdr, 0x7f35f7919000);
    /* the same process's maps: vDSO, ld.so, the executable */
    struct vma_list l;
    load_smaps("smaps_thread", &l);
    ck_assert_uint_eq(ai.sysinfo_ehdr, named(&l, "[vdso]")->start);
    ck_assert_uint_eq(ai.base, named(&l, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")->start);
    const struct vma *exe = named(&l, "/work/main/tests/helpers/maphelper");
    ck_assert_uint_eq(ai.phdr, exe->start + sizeof(Elf64_Ehdr));
    long e = vma_list_find(l.items, l.count, ai.entry);
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(l.items[e].perms, "r-xp");
    vma_list_free(&l);
    buf_free(&b);
}
END_TEST

START_TEST(t_auxv_cat_bash)
{
    struct buf b;
    struct auxv_info ai;
    load("auxv_cat.bin", &b);
    ck_assert_int_eq(auxv_parse(b.data, b.len, &ai), 0);
    ck_assert_uint_eq(ai.pagesz, 4096);
    ck_assert_uint_eq(ai.phdr, 0x55f71f784040);
    ck_assert_uint_eq(ai.entry, 0x55f71f787130);
    ck_assert_uint_eq(ai.base, 0x7f9ce869b000);
    ck_assert_uint_eq(ai.sysinfo_ehdr, 0x7f9ce8699000);
    buf_free(&b);
    load("auxv_bash.bin", &b);
    ck_assert_int_eq(auxv_parse(b.data, b.len, &ai), 0);
    ck_assert_uint_eq(ai.pagesz, 4096);
    ck_assert_uint_eq(ai.phdr, 0x55947bd17040);
    ck_assert_uint_eq(ai.entry, 0x55947bd48750);
    ck_assert_uint_eq(ai.phnum, 13);
    buf_free(&b);
}
END_TEST

START_TEST(t_auxv_truncated)
{
    struct buf b;
    struct auxv_info ai;
    load("auxv_thread.bin", &b);
    /* every prefix that loses the final AT_NULL is rejected */
    for (size_t len = 0; len < b.len; len++)
        ck_assert_msg(auxv_parse(b.data, len, &ai) == -EINVAL, "len %zu accepted", len);
    /* trailing bytes after AT_NULL are ignored */
    buf_append(&b, "\x01\x02\x03", 3);
    ck_assert_int_eq(auxv_parse(b.data, b.len, &ai), 0);
    ck_assert_uint_eq(ai.pagesz, 4096);
    buf_free(&b);
}
END_TEST

START_TEST(t_auxv_no_phdr)
{
    Elf64_auxv_t v[3] = {
        {.a_type = AT_PAGESZ, .a_un.a_val = 4096},
        {.a_type = AT_ENTRY, .a_un.a_val = 0x1000},
        {.a_type = AT_NULL, .a_un.a_val = 0},
    };
    struct auxv_info ai;
    ck_assert_int_eq(auxv_parse(v, sizeof v, &ai), -EINVAL);
    ck_assert(!ai.valid);
    v[1].a_type = AT_PHDR;
    ck_assert_int_eq(auxv_parse(v, sizeof v, &ai), 0);
    ck_assert(ai.valid);
    ck_assert_uint_eq(ai.phdr, 0x1000);
    /* unaligned input is fine (the parser copies each entry) */
    char raw[sizeof v + 1];
    memcpy(raw + 1, v, sizeof v);
    ck_assert_int_eq(auxv_parse(raw + 1, sizeof v, &ai), 0);
    ck_assert_uint_eq(ai.pagesz, 4096);
}
END_TEST

/* ---- task syscall ----------------------------------------------------- */

static int parse_syscall_fixture(const char *name, uint64_t *sp)
{
    struct buf b;
    load(name, &b);
    int r = task_syscall_parse(b.data, b.len, sp);
    buf_free(&b);
    return r;
}

START_TEST(t_syscall_blocked)
{
    uint64_t sp = 0;
    /* maphelper's thread in read(): SP inside its 256 kB stack
     * (maphelper_thread.out: 0x7f35f76e1000-0x7f35f7721000) */
    ck_assert_int_eq(parse_syscall_fixture("syscall_thread_blocked", &sp), 1);
    ck_assert_uint_eq(sp, 0x7f35f771fe30);
    ck_assert(sp >= 0x7f35f76e1000 && sp < 0x7f35f7721000);
    ck_assert_int_eq(parse_syscall_fixture("syscall_thread_main", &sp), 1);
    ck_assert_uint_eq(sp, 0x7ffe970846b0);
    struct vma_list l;
    load_smaps("smaps_thread", &l);
    const struct vma *stack = named(&l, "[stack]");
    ck_assert(sp >= stack->start && sp < stack->end);
    vma_list_free(&l);
    ck_assert_int_eq(parse_syscall_fixture("syscall_bash_blocked", &sp), 1);
    ck_assert_uint_eq(sp, 0x7fffa684f170);
}
END_TEST

START_TEST(t_syscall_stopped)
{
    /* stopped outside a syscall: "-1 sp pc" */
    uint64_t sp = 0;
    ck_assert_int_eq(parse_syscall_fixture("syscall_stopped", &sp), 1);
    ck_assert_uint_eq(sp, 0x7ffcfa4deb90);
    ck_assert_int_eq(task_syscall_parse("-1 0x10 0x20", 12, &sp), 1);
    ck_assert_uint_eq(sp, 0x10);
}
END_TEST

START_TEST(t_syscall_running)
{
    uint64_t sp = 12345;
    ck_assert_int_eq(parse_syscall_fixture("syscall_running", &sp), 0);
    ck_assert_uint_eq(sp, 12345); /* untouched */
    ck_assert_int_eq(task_syscall_parse("running\n", 8, &sp), 0);
    ck_assert_int_eq(task_syscall_parse("running", 7, &sp), 0);
}
END_TEST

START_TEST(t_syscall_invalid)
{
    uint64_t sp = 7;
    static const char *const bad[] = {
        "",
        "\n",
        "runnin",
        "0",
        "-1 0x10",
        "0 0x1 0x2 0x3",
        "0 0x0 0x1 0x2 0x3 0x4 0x5 0x6",             /* 8 fields */
        "0 0x0 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8",     /* 10 fields */
        "0 0x0 0x1 0x2 0x3 0x4 0x5 zz 0x8",          /* SP not hex */
        "-1 zz 0x20\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(task_syscall_parse(bad[i], strlen(bad[i]), &sp) == -EINVAL, "accepted '%s'",
                      bad[i]);
    ck_assert_uint_eq(sp, 7);
    /* 9 fields, with and without newline, extra spaces */
    ck_assert_int_eq(task_syscall_parse("0 0x0 0x1 0x2 0x3 0x4 0x5 0x7ffd00 0x8\n", 39, &sp), 1);
    ck_assert_uint_eq(sp, 0x7ffd00);
    ck_assert_int_eq(task_syscall_parse("0  0x0 0x1 0x2 0x3 0x4 0x5 0xabc 0x8", 36, &sp), 1);
    ck_assert_uint_eq(sp, 0xabc);
}
END_TEST

static Suite *procfile_suite(void)
{
    Suite *s = suite_create("procfile");
    TCase *tc;

    tc = tcase_create("status");
    tcase_add_test(tc, t_status_cat);
    tcase_add_test(tc, t_status_bash);
    tcase_add_test(tc, t_status_thread);
    tcase_add_test(tc, t_status_kthread);
    tcase_add_test(tc, t_status_partial);
    tcase_add_test(tc, t_status_respects_len);
    suite_add_tcase(s, tc);

    tc = tcase_create("stat");
    tcase_add_test(tc, t_stat_thread);
    tcase_add_test(tc, t_stat_cat_bash);
    tcase_add_test(tc, t_stat_comm_paren);
    tcase_add_test(tc, t_stat_comm_evil);
    tcase_add_test(tc, t_stat_huge_numbers);
    tcase_add_test(tc, t_stat_masked);
    tcase_add_test(tc, t_stat_invalid);
    tcase_add_test(tc, t_stat_respects_len);
    suite_add_tcase(s, tc);

    tc = tcase_create("auxv");
    tcase_add_test(tc, t_auxv_thread);
    tcase_add_test(tc, t_auxv_cat_bash);
    tcase_add_test(tc, t_auxv_truncated);
    tcase_add_test(tc, t_auxv_no_phdr);
    suite_add_tcase(s, tc);

    tc = tcase_create("syscall");
    tcase_add_test(tc, t_syscall_blocked);
    tcase_add_test(tc, t_syscall_stopped);
    tcase_add_test(tc, t_syscall_running);
    tcase_add_test(tc, t_syscall_invalid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(procfile_suite()); /* srunner_run_all(CK_NORMAL): prints "Checks: N, ..." */
}
