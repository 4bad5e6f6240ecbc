/* Issue 15's lessons: the classroom exercises (data/exercises/) built with
 * the system cc and checked at each checkpoint against the kernel's own
 * files (smaps, pagemap, kpageflags, stat) and against what vmscope's
 * snapshot and record say; page faults against /proc/PID/stat; a crash's
 * place in a recording; the ASLR-aware diff of two runs against their
 * /proc/PID/maps. */
#include "testlib.h"
#include "vmscope/crash.h"
#include "vmscope/diff.h"
#include "vmscope/snapshot.h"
#include "vmscope/util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXERCISES TEST_SRCDIR "/../data/exercises"
#define STORY TEST_BUILDDIR "/tests/helpers/storyhelper"
#define PAGE 4096u
#define KIB 1024u

static char workdir[64];

/* Builds data/exercises/NAME.c into the work directory with the system
 * cc; false (the test says skipped) without a compiler. */
static bool build(const char *name, char *bin, size_t size)
{
    snprintf(bin, size, "%s/%s", workdir, name);
    char src[512];
    snprintf(src, sizeof src, "%s/%s.c", EXERCISES, name);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"/bin/sh", "-c", "command -v cc", NULL}, (uid_t)-1, &out,
                         &err);
    if (rc != 0) {
        buf_free(&out);
        buf_free(&err);
        return false;
    }
    rc = run_command((const char *[]){"/usr/bin/env", "cc", "-O0", "-Wall", "-Wextra", "-Werror", "-o", bin, src,
                                      NULL},
                     (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "cc %s: %s", src, err.data);
    buf_free(&out);
    buf_free(&err);
    return true;
}

/* A running exercise: its stdin (a pipe: each checkpoint waits for a byte)
 * and its stdout, read line by line. */
struct exercise {
    pid_t pid;
    int in_fd;
    FILE *out;
    struct buf said; /* every line so far */
};

static void ex_spawn(struct exercise *e, const char *bin, const char *arg)
{
    int in[2], out[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    e->pid = fork();
    ck_assert_int_ge(e->pid, 0);
    if (e->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl(bin, bin, arg, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    e->in_fd = in[1];
    e->out = fdopen(out[0], "r");
    buf_init(&e->said);
}

/* Reads up to "checkpoint NAME" (the case's timeout bounds a hang). */
static void ex_checkpoint(struct exercise *e, const char *name)
{
    char line[256], want[64];
    snprintf(want, sizeof want, "checkpoint %s\n", name);
    while (fgets(line, sizeof line, e->out)) {
        buf_puts(&e->said, line);
        if (strcmp(line, want) == 0)
            return;
    }
    ck_abort_msg("no checkpoint %s; the exercise said:\n%s", name, e->said.data);
}

static void ex_continue(struct exercise *e)
{
    ck_assert_int_eq(write(e->in_fd, "c", 1), 1);
}

/* "key VALUE" (hex with 0x, else decimal), the last one said. */
static uint64_t ex_value(const struct exercise *e, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s ", key);
    const char *p = NULL, *at = e->said.data;
    while (at && (at = strstr(at, pattern))) {
        if (at == e->said.data || at[-1] == '\n')
            p = at;
        at++;
    }
    ck_assert_msg(p, "the exercise did not say %s:\n%s", key, e->said.data);
    return strtoull(p + strlen(pattern), NULL, 0);
}

static int ex_end(struct exercise *e)
{
    close(e->in_fd);
    fclose(e->out);
    buf_free(&e->said);
    int st;
    waitpid(e->pid, &st, 0);
    return st;
}

/* The kernel's record of the mapping holding addr (/proc/PID/smaps). */
struct kregion {
    uint64_t start, end, rss, pss, shared_dirty, private_dirty;
    char name[256];
};

static bool kernel_region(pid_t pid, uint64_t addr, struct kregion *k)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char line[512];
    bool in = false, found = false;
    while (fgets(line, sizeof line, fp)) {
        unsigned long long s, e;
        char name[256] = "";
        if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255[^\n]", &s, &e, name) >= 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            if (found)
                break;
            in = addr >= s && addr < e;
            if (in) {
                memset(k, 0, sizeof *k);
                k->start = s, k->end = e;
                snprintf(k->name, sizeof k->name, "%s", name);
                found = true;
            }
            continue;
        }
        unsigned long long kb;
        if (!in)
            continue;
        if (sscanf(line, "Rss: %llu kB", &kb) == 1)
            k->rss = kb * KIB;
        else if (sscanf(line, "Pss: %llu kB", &kb) == 1)
            k->pss = kb * KIB;
        else if (sscanf(line, "Shared_Dirty: %llu kB", &kb) == 1)
            k->shared_dirty = kb * KIB;
        else if (sscanf(line, "Private_Dirty: %llu kB", &kb) == 1)
            k->private_dirty = kb * KIB;
    }
    fclose(fp);
    return found;
}

/* minflt + majflt of /proc/PID/stat (fields 10 and 12, after the comm). */
static void kernel_faults(pid_t pid, uint64_t *minor, uint64_t *major)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    struct buf b;
    buf_init(&b);
    test_read_buf(path, &b);
    const char *p = strrchr(b.data, ')');
    ck_assert_ptr_nonnull(p);
    unsigned long long mi, ma;
    ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &mi, &ma), 2);
    *minor = mi, *major = ma;
    buf_free(&b);
}

/* vmscope snapshot -p PID -f json [--pages], parsed. */
static json_t *vmscope_snapshot(pid_t pid, bool pages)
{
    char p[16];
    snprintf(p, sizeof p, "%d", (int)pid);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command(pages ? (const char *[]){"vmscope", "snapshot", "-p", p, "--pages", "-f",
                                                  "json", NULL}
                               : (const char *[]){"vmscope", "snapshot", "-p", p, "-f", "json",
                                                  NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "vmscope snapshot -p %s: %s", p, err.data);
    json_error_t jerr;
    json_t *doc = json_loadb(out.data, out.len, 0, &jerr);
    ck_assert_msg(doc, "snapshot JSON: %s", jerr.text);
    buf_free(&out);
    buf_free(&err);
    return doc;
}

static uint64_t hexval(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    ck_assert_msg(s, "no %s", key);
    return strtoull(s, NULL, 16);
}

static uint64_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "no %s", key);
    return (uint64_t)json_integer_value(v);
}

/* vmscope's region holding addr, or NULL. */
static json_t *vm_region(json_t *doc, uint64_t addr)
{
    json_t *regions = json_object_get(doc, "regions"), *r;
    size_t i;
    json_array_foreach(regions, i, r) {
        if (hexval(r, "start") <= addr && addr < hexval(r, "end"))
            return r;
    }
    return NULL;
}

static void assert_class(json_t *r, const char *cls, const char *sub)
{
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(json_string_value(json_object_get(r, "class")), cls);
    ck_assert_str_eq(json_string_value(json_object_get(r, "subclass")), sub);
}

/* Exercise 1: small from the brk heap, big in its own mmap of 1 MiB + 4 KiB,
 * after free(big) the next 1 MiB from the heap (the threshold moved). */
START_TEST(t_ex1_brk_mmap)
{
    char bin[128];
    if (!build("ex1_brk_mmap", bin, sizeof bin)) {
        test_skip("t_ex1_brk_mmap", "no cc");
        return;
    }
    struct exercise e;
    ex_spawn(&e, bin, NULL);
    ex_checkpoint(&e, "allocated");
    uint64_t small = ex_value(&e, "small"), big = ex_value(&e, "big");
    struct kregion k;
    ck_assert(kernel_region(e.pid, small, &k));
    ck_assert_str_eq(k.name, "[heap]");
    ck_assert(kernel_region(e.pid, big, &k));
    ck_assert_str_eq(k.name, "");
    /* its own mmap, which the kernel may merge with an anonymous neighbour */
    ck_assert(k.start <= big - 16 && k.end >= big - 16 + 1024 * KIB + PAGE);
    json_t *doc = vmscope_snapshot(e.pid, false);
    assert_class(vm_region(doc, small), "heap", "brk");
    json_t *r = vm_region(doc, big);
    assert_class(r, "mmap", "anon");
    ck_assert_uint_eq(hexval(r, "start"), k.start); /* the kernel's region, exactly */
    ck_assert_uint_eq(hexval(r, "end"), k.end);
    json_decref(doc);

    ex_continue(&e);
    ex_checkpoint(&e, "freed");
    /* unmapped: the kernel's region there (if any) is another, and vmscope's the same */
    bool mapped = kernel_region(e.pid, big, &k);
    doc = vmscope_snapshot(e.pid, false);
    r = vm_region(doc, big);
    ck_assert_int_eq(mapped, r != NULL);
    if (r)
        ck_assert(hexval(r, "start") == k.start && hexval(r, "end") == k.end &&
                  k.end - k.start < 1024 * KIB);
    json_decref(doc);

    ex_continue(&e);
    ex_checkpoint(&e, "again");
    uint64_t big2 = ex_value(&e, "big2");
    ck_assert(kernel_region(e.pid, big2, &k));
    ck_assert_str_eq(k.name, "[heap]");
    doc = vmscope_snapshot(e.pid, false);
    assert_class(vm_region(doc, big2), "heap", "brk");
    json_decref(doc);
    ex_continue(&e);
    ck_assert_int_eq(ex_end(&e), 0);

    /* Under record --trace: the calls the README names. */
    char rec[160], out[160], cmd[768];
    snprintf(rec, sizeof rec, "%s/ex1.jsonl", workdir);
    snprintf(out, sizeof out, "%s/ex1.out", workdir);
    snprintf(cmd, sizeof cmd, "EX_PAUSE=0.2 %s/vmscope record --trace -i 0.1 -o %s "
                              "--program-output %s -- %s </dev/null",
             TEST_BUILDDIR, rec, out, bin);
    ck_assert_int_eq(system(cmd), 0);
    struct buf said;
    buf_init(&said);
    test_read_buf(out, &said);
    const char *b = strstr(said.data, "\nbig 0x");
    ck_assert_ptr_nonnull(b);
    uint64_t tbig = strtoull(b + 5, NULL, 16);
    struct buf lines;
    buf_init(&lines);
    test_read_buf(rec, &lines);
    char mmap_call[160], munmap_call[160];
    snprintf(mmap_call, sizeof mmap_call, "\"syscall\":\"mmap\",\"args\":[\"0x0\",\"0x%x\"",
             1024 * KIB + PAGE);
    snprintf(munmap_call, sizeof munmap_call, "\"syscall\":\"munmap\",\"args\":[\"0x%llx\",\"0x%x\"]",
             (unsigned long long)(tbig - 16), 1024 * KIB + PAGE);
    ck_assert_msg(strstr(lines.data, mmap_call), "no %s", mmap_call);
    ck_assert_msg(strstr(lines.data, munmap_call), "no %s", munmap_call);
    ck_assert(strstr(lines.data, "\"syscall\":\"brk\""));
    buf_free(&lines);
    buf_free(&said);
}
END_TEST

/* Is every page of [start, start + n pages) present, on one frame, the
 * kernel's zero page (kpageflags bit 24)? Needs root for the frames. */
static bool all_zero_page(pid_t pid, uint64_t start, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    uint64_t *e = malloc(n * sizeof *e);
    ck_assert_int_eq(pread(fd, e, n * 8, (off_t)(start / PAGE * 8)), (ssize_t)(n * 8));
    close(fd);
    uint64_t pfn = e[0] & ((1ull << 55) - 1);
    bool ok = pfn != 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = (e[i] >> 63 & 1) && (e[i] & ((1ull << 55) - 1)) == pfn;
    free(e);
    int kf = open("/proc/kpageflags", O_RDONLY);
    uint64_t flags = 0;
    if (ok && kf >= 0)
        ok = pread(kf, &flags, 8, (off_t)(pfn * 8)) == 8 && (flags >> 24 & 1);
    if (kf >= 0)
        close(kf);
    return ok;
}

/* Exercise 2: 64 MiB mapped with RSS 0; read: still 0, every page the
 * zero page; 1000 pages written: 4000 KiB. Faults from stat rise by the
 * pages touched, and vmscope's counts agree with stat. */
START_TEST(t_ex2_lazy_zero_page_faults)
{
    char bin[128];
    if (!build("ex2_lazy", bin, sizeof bin)) {
        test_skip("t_ex2_lazy_zero_page_faults", "no cc");
        return;
    }
    bool root = geteuid() == 0;
    struct exercise e;
    ex_spawn(&e, bin, NULL);
    ex_checkpoint(&e, "mapped");
    uint64_t buffer = ex_value(&e, "buffer"), pages = (64u << 20) / PAGE;
    uint64_t before[3], after[3], major;
    struct kregion k;
    ck_assert(kernel_region(e.pid, buffer, &k));
    ck_assert_uint_eq(k.end - k.start, 64u << 20);
    ck_assert_uint_eq(k.rss, 0);
    kernel_faults(e.pid, &before[0], &major);
    json_t *doc = vmscope_snapshot(e.pid, false);
    kernel_faults(e.pid, &after[0], &major);
    json_t *r = vm_region(doc, buffer);
    assert_class(r, "mmap", "anon");
    ck_assert_uint_eq(num(r, "rss"), 0);
    uint64_t seen = num(json_object_get(json_object_get(doc, "process"), "faults"), "minor");
    ck_assert(seen >= before[0] && seen <= after[0]); /* blocked in read: equal */
    json_decref(doc);

    ex_continue(&e);
    ex_checkpoint(&e, "read");
    ck_assert(kernel_region(e.pid, buffer, &k));
    ck_assert_uint_eq(k.rss, 0);
    kernel_faults(e.pid, &before[1], &major);
    ck_assert_msg(before[1] >= before[0] + pages, "reading %llu pages cost %llu faults",
                  (unsigned long long)pages, (unsigned long long)(before[1] - before[0]));
    if (root)
        ck_assert_msg(all_zero_page(e.pid, buffer, pages), "not all the zero page");
    doc = vmscope_snapshot(e.pid, true);
    kernel_faults(e.pid, &after[1], &major);
    r = vm_region(doc, buffer);
    ck_assert_uint_eq(num(r, "rss"), 0);
    if (root)
        ck_assert_uint_eq(num(json_object_get(r, "pages"), "zero"), pages);
    seen = num(json_object_get(json_object_get(doc, "process"), "faults"), "minor");
    ck_assert(seen >= before[1] && seen <= after[1]);
    json_decref(doc);

    ex_continue(&e);
    ex_checkpoint(&e, "written");
    ck_assert(kernel_region(e.pid, buffer, &k));
    ck_assert_uint_eq(k.rss, 1000 * PAGE);
    kernel_faults(e.pid, &before[2], &major);
    ck_assert_uint_ge(before[2], before[1] + 1000);
    doc = vmscope_snapshot(e.pid, true);
    kernel_faults(e.pid, &after[2], &major);
    r = vm_region(doc, buffer);
    ck_assert_uint_eq(num(r, "rss"), 1000 * PAGE);
    if (root)
        ck_assert_uint_eq(num(json_object_get(r, "pages"), "zero"), pages - 1000);
    seen = num(json_object_get(json_object_get(doc, "process"), "faults"), "minor");
    ck_assert(seen >= before[2] && seen <= after[2]);
    json_decref(doc);
    ex_continue(&e);
    ck_assert_int_eq(ex_end(&e), 0);
}
END_TEST

static void assert_cow(pid_t child, uint64_t buffer, uint64_t priv, uint64_t shared)
{
    struct kregion k;
    ck_assert(kernel_region(child, buffer, &k));
    ck_assert_uint_eq(k.rss, 256 * PAGE);
    ck_assert_uint_eq(k.private_dirty, priv);
    ck_assert_uint_eq(k.shared_dirty, shared);
    ck_assert_uint_eq(k.pss, priv + shared / 2);
    json_t *doc = vmscope_snapshot(child, false);
    json_t *r = vm_region(doc, buffer);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(num(r, "rss"), k.rss);
    ck_assert_uint_eq(num(r, "pss"), k.pss);
    ck_assert_uint_eq(num(r, "private_dirty"), k.private_dirty);
    ck_assert_uint_eq(num(r, "shared_dirty"), k.shared_dirty);
    json_decref(doc);
}

/* Exercise 3: after fork the child's 1 MiB is all shared (PSS 512 KiB);
 * after it writes 64 pages, 256 KiB private and 768 KiB shared (PSS
 * 640 KiB), as the README says, in smaps and in vmscope. */
START_TEST(t_ex3_fork_cow)
{
    char bin[128];
    if (!build("ex3_fork_cow", bin, sizeof bin)) {
        test_skip("t_ex3_fork_cow", "no cc");
        return;
    }
    struct exercise e;
    ex_spawn(&e, bin, NULL);
    ex_checkpoint(&e, "written");
    uint64_t buffer = ex_value(&e, "buffer");
    ex_continue(&e);
    ex_checkpoint(&e, "forked");
    pid_t child = (pid_t)ex_value(&e, "child");
    assert_cow(child, buffer, 0, 256 * PAGE);
    ex_continue(&e);
    ex_checkpoint(&e, "child-wrote");
    assert_cow(child, buffer, 64 * PAGE, 192 * PAGE);
    ex_continue(&e);
    ex_checkpoint(&e, "child-gone");
    ex_continue(&e);
    ck_assert_int_eq(ex_end(&e), 0);
}
END_TEST

/* The crash line of `record -- CMD` for the program's SIGSEGV. */
static json_t *crash_line(const char *rec)
{
    struct buf lines;
    buf_init(&lines);
    test_read_buf(rec, &lines);
    const char *p = strstr(lines.data, "{\"format\":\"vmscope.crash\"");
    ck_assert_msg(p, "no crash line in %s", rec);
    json_error_t jerr;
    json_t *doc = json_loadb(p, strcspn(p, "\n"), 0, &jerr);
    ck_assert_ptr_nonnull(doc);
    buf_free(&lines);
    return doc;
}

/* Records CMD ARG with its output kept; returns the output. */
static void record_crash(const char *bin, const char *arg, const char *tag, char *rec, size_t size,
                         struct buf *said)
{
    char out[160], cmd[768];
    snprintf(rec, size, "%s/%s.jsonl", workdir, tag);
    snprintf(out, sizeof out, "%s/%s.out", workdir, tag);
    snprintf(cmd, sizeof cmd, "EX_PAUSE=0 %s/vmscope record -o %s --program-output %s -- %s %s "
                              "</dev/null 2>/dev/null",
             TEST_BUILDDIR, rec, out, bin, arg);
    int st = system(cmd);
    ck_assert_msg(WIFEXITED(st), "record of %s %s", bin, arg);
    test_read_buf(out, said);
}

/* Exercise 4 and the storyhelper's crashes, recorded: the crash line's
 * address is the one the program wrote to, and its place is the one the
 * program chose (its own sbrk(0), its thread's stack bounds, its code). */
START_TEST(t_crash_recorded)
{
    char bin[128], rec[160];
    struct buf said;
    buf_init(&said);
    if (build("ex4_crash", bin, sizeof bin)) {
        record_crash(bin, "", "ex4", rec, sizeof rec, &said);
        json_t *c = crash_line(rec);
        ck_assert_uint_eq(hexval(c, "addr"), test_printed_hex(&said, "target"));
        ck_assert_uint_eq(test_printed_hex(&said, "target"),
                          test_printed_hex(&said, "heap_end") + 400 * KIB);
        ck_assert_str_eq(json_string_value(json_object_get(c, "code")), "SEGV_MAPERR");
        const char *where = json_string_value(json_object_get(c, "where"));
        ck_assert_msg(strstr(where, "unmapped, 400 KiB above the end of [heap]"), "%s", where);
        json_decref(c);
    } else {
        test_skip("t_crash_recorded (ex4)", "no cc");
    }
    record_crash(STORY, "crash guard", "guard", rec, sizeof rec, &said);
    json_t *c = crash_line(rec);
    ck_assert_uint_eq(hexval(c, "addr"), test_printed_hex(&said, "addr"));
    char want[96];
    snprintf(want, sizeof want, "in the guard page below thread %d's stack",
             (int)test_printed_hex(&said, "tid"));
    ck_assert_msg(strstr(json_string_value(json_object_get(c, "where")), want), "%s",
                  json_string_value(json_object_get(c, "where")));
    ck_assert_int_eq(num(c, "tid"), (int)test_printed_hex(&said, "tid"));
    json_decref(c);

    record_crash(STORY, "crash text", "text", rec, sizeof rec, &said);
    c = crash_line(rec);
    ck_assert_uint_eq(hexval(c, "addr"), test_printed_hex(&said, "addr"));
    ck_assert_str_eq(json_string_value(json_object_get(c, "code")), "SEGV_ACCERR");
    ck_assert(strstr(json_string_value(json_object_get(c, "where")),
                     "write to read-only text of " STORY " (r-xp)"));
    json_decref(c);

    /* The replay reads the line back and the recording still diffs. */
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", rec, rec, NULL}, (uid_t)-1, &out,
                                 &err),
                     0);
    buf_free(&out);
    buf_free(&err);
    buf_free(&said);
}
END_TEST

/* The first mapping (offset 0) of a file whose path ends in suffix, from
 * /proc/PID/maps: its load base. */
static uint64_t maps_base(pid_t pid, const char *suffix, char *path, size_t size)
{
    char file[64], line[512];
    snprintf(file, sizeof file, "/proc/%d/maps", (int)pid);
    FILE *fp = fopen(file, "r");
    ck_assert_ptr_nonnull(fp);
    uint64_t base = 0;
    while (!base && fgets(line, sizeof line, fp)) {
        unsigned long long s, off;
        char name[400] = "";
        if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %399s", &s, &off, name) == 3 && off == 0 &&
            strlen(name) >= strlen(suffix) &&
            strcmp(name + strlen(name) - strlen(suffix), suffix) == 0) {
            base = s;
            snprintf(path, size, "%s", name);
        }
    }
    fclose(fp);
    ck_assert_msg(base, "no %s in %s", suffix, file);
    return base;
}

/* Two runs of one helper: diff -f json says libc (and the helper) moved by
 * what the two /proc/PID/maps say, and adds or removes nothing: the same
 * program made the same mappings. */
START_TEST(t_aslr_diff_two_runs)
{
    char snap[2][160], libc[400], exe[400];
    uint64_t libc_base[2], exe_base[2];
    for (int i = 0; i < 2; i++) {
        struct helper h;
        helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
        libc_base[i] = maps_base(h.pid, "/libc.so.6", libc, sizeof libc);
        exe_base[i] = maps_base(h.pid, "/maphelper", exe, sizeof exe);
        char p[16];
        snprintf(p, sizeof p, "%d", (int)h.pid);
        snprintf(snap[i], sizeof snap[i], "/tmp/vmscope-aslr-%d-%d.json", (int)getpid(), i);
        struct buf out, err;
        buf_init(&out);
        buf_init(&err);
        ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", p, "-o",
                                                      snap[i], NULL},
                                     (uid_t)-1, &out, &err),
                         0);
        buf_free(&out);
        buf_free(&err);
        helper_stop(&h);
    }
    if (libc_base[0] == libc_base[1]) {
        test_skip("t_aslr_diff_two_runs", "ASLR is off (randomize_va_space 0)");
        return;
    }
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", "-f", "json", snap[0],
                                                  snap[1], NULL},
                                 (uid_t)-1, &out, &err),
                     0);
    json_t *doc = json_loadb(out.data, out.len, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *moved = json_object_get(doc, "moved"), *m;
    size_t i;
    bool saw_libc = false, saw_exe = false;
    json_array_foreach(moved, i, m) {
        const char *object = json_string_value(json_object_get(m, "object"));
        const char *shift = json_string_value(json_object_get(m, "shift"));
        int64_t s = (int64_t)strtoull(shift + 1, NULL, 16) * (shift[0] == '-' ? -1 : 1);
        if (strcmp(object, libc) == 0) {
            saw_libc = true;
            ck_assert_int_eq(s, (int64_t)(libc_base[1] - libc_base[0]));
        } else if (strcmp(object, exe) == 0) {
            saw_exe = true;
            ck_assert_int_eq(s, (int64_t)(exe_base[1] - exe_base[0]));
        }
    }
    ck_assert_msg(saw_libc && saw_exe, "moved lacks libc or the helper:\n%s", out.data);
    ck_assert_msg(json_array_size(json_object_get(doc, "added")) == 0 &&
                      json_array_size(json_object_get(doc, "removed")) == 0,
                  "two runs of one program differ in regions:\n%s", out.data);
    json_decref(doc);

    /* The text says it in words. */
    buf_reset(&out);
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", snap[0], snap[1], NULL},
                                 (uid_t)-1, &out, &err),
                     0);
    char want[64];
    snprintf(want, sizeof want, "libc.so.6 moved %c0x%llx", libc_base[1] > libc_base[0] ? '+' : '-',
             (unsigned long long)(libc_base[1] > libc_base[0] ? libc_base[1] - libc_base[0]
                                                              : libc_base[0] - libc_base[1]));
    ck_assert_msg(strstr(out.data, want), "no \"%s\" in:\n%s", want, out.data);
    ck_assert(strstr(out.data, "0 added, 0 removed"));
    /* One snapshot against itself: no moved key, as before. */
    buf_reset(&out);
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", "-f", "json", snap[0],
                                                  snap[0], NULL},
                                 (uid_t)-1, &out, &err),
                     0);
    ck_assert_ptr_null(strstr(out.data, "\"moved\""));
    unlink(snap[0]);
    unlink(snap[1]);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* A region of a made-up address space: the range shifted by the run's
 * bias for its part of the layout. */
struct made {
    uint64_t start, end;
    const char *perms, *name;
    enum region_class cls;
    enum region_subclass sub;
    pid_t tid;
};

static struct snapshot *made_snapshot(const struct made *m, size_t n, int64_t exe_bias,
                                      int64_t lib_bias)
{
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->system.page_size = PAGE;
    s->proc.pid = 100;
    s->vmas = xcalloc(n + 1, sizeof *s->vmas);
    s->regions = xcalloc(n + 1, sizeof *s->regions);
    s->n_regions = n;
    for (size_t i = 0; i < n; i++) {
        int64_t bias = m[i].start < 0x7f0000000000ull ? exe_bias : lib_bias;
        struct vma *v = &s->vmas[i];
        v->start = m[i].start + (uint64_t)bias;
        v->end = m[i].end + (uint64_t)bias;
        memcpy(v->perms, m[i].perms, 5);
        v->name = xstrdup(m[i].name);
        v->name_len = strlen(m[i].name);
        s->regions[i] = (struct region){.vma = v, .cls = m[i].cls, .subclass = m[i].sub,
                                        .tid = m[i].tid};
    }
    snapshot_compute_totals(s);
    return s;
}

static const struct made layout[] = {
    {0x555555554000, 0x555555555000, "r-xp", "/usr/bin/prog", RC_TEXT, RS_CODE, 0},
    {0x555555555000, 0x555555556000, "rw-p", "", RC_BSS, RS_BSS, 0},
    {0x555555600000, 0x555555621000, "rw-p", "[heap]", RC_HEAP, RS_BRK, 0},
    {0x7f0000000000, 0x7f0000001000, "---p", "", RC_OTHER, RS_GUARD, 0},
    {0x7f0000001000, 0x7f0000801000, "rw-p", "", RC_STACK, RS_THREAD, 101},
    {0x7f0000900000, 0x7f0000a00000, "rw-p", "", RC_MMAP, RS_ANON, 0},
    {0x7f0001000000, 0x7f0001028000, "r-xp", "/usr/lib/libc.so.6", RC_TEXT, RS_CODE, 0},
};
#define LAYOUT (sizeof layout / sizeof *layout)

/* Two runs of one made-up program, the executable and the mmap area
 * placed apart: matched by object and offset, one region really new. */
START_TEST(t_diff_runs_model)
{
    struct snapshot *a = made_snapshot(layout, LAYOUT, 0, 0);
    struct snapshot *b = made_snapshot(layout, LAYOUT, 0x5000, -0x1a2000);
    struct snapshot_diff d;
    diff_compute(a, b, &d);
    ck_assert_uint_eq(d.n_added, LAYOUT); /* by address nothing matches */
    diff_free(&d);
    diff_compute_runs(a, b, &d);
    ck_assert_uint_eq(d.n_added, 0);
    ck_assert_uint_eq(d.n_removed, 0);
    ck_assert_uint_eq(d.n_moved, 3);
    ck_assert_str_eq(d.moved[0].name, "/usr/bin/prog");
    ck_assert_int_eq(d.moved[0].shift, 0x5000);
    ck_assert_str_eq(d.moved[1].name, "[heap]");
    ck_assert_str_eq(d.moved[2].name, "/usr/lib/libc.so.6");
    ck_assert_int_eq(d.moved[2].shift, -0x1a2000);
    struct buf line;
    buf_init(&line);
    diff_move_line(&line, &d.moved[2]);
    ck_assert_str_eq(line.data, "libc.so.6 moved -0x1a2000 (/usr/lib/libc.so.6)");
    buf_free(&line);
    diff_free(&d);
    /* the same snapshot: exactly diff_compute (nothing moved) */
    diff_compute_runs(a, a, &d);
    ck_assert_uint_eq(d.n_moved + d.n_added + d.n_removed + d.n_changed, 0);
    diff_free(&d);
    snapshot_free(a);
    snapshot_free(b);
}
END_TEST

static void described(const struct snapshot *s, struct crash_info c, const char *want,
                      uint64_t select)
{
    char out[300];
    uint64_t at;
    crash_describe(s, &c, out, sizeof out, &at);
    ck_assert_msg(strstr(out, want), "\"%s\" lacks \"%s\"", out, want);
    ck_assert_uint_eq(at, select);
}

/* The sentences of a crash's place, on the made-up layout. */
START_TEST(t_crash_places_model)
{
    struct snapshot *s = made_snapshot(layout, LAYOUT, 0, 0);
    struct crash_info c = {.known = true, .signo = SIGSEGV, .code = SEGV_MAPERR, .pid = 100,
                           .tid = 100};
    c.addr = 0x555555621000 + 400 * KIB;
    described(s, c, "SIGSEGV (SEGV_MAPERR) at 0x555555685000: unmapped, 400 KiB above the end "
                    "of [heap]",
              0x555555600000);
    c.addr = 8;
    described(s, c, "NULL pointer (page 0", 0);
    c.addr = 0x7f0000000ff0, c.code = SEGV_ACCERR, c.tid = 101;
    described(s, c, "in the guard page below thread 101's stack", 0x7f0000000000);
    c.addr = 0x555555554010, c.tid = 100;
    described(s, c, "write to read-only text of /usr/bin/prog (r-xp), offset +0x10",
              0x555555554000);
    c.addr = 0x7f0000a00000 + 3 * 1024 * KIB / 2, c.code = SEGV_MAPERR;
    described(s, c, "unmapped, 1.5 MiB above the end of an anonymous mmap mapping (rw-p)",
              0x7f0000900000);
    c.code = SI_KERNEL;
    described(s, c, "general-protection fault", 0);
    snapshot_free(s);
}
END_TEST

static void remove_workdir(void)
{
    if (!workdir[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
}

int main(void)
{
    /* made here, not in a test: each test runs in a child of its own */
    snprintf(workdir, sizeof workdir, "/tmp/vmscope-lesson-XXXXXX");
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 1;
    }
    Suite *s = suite_create("lesson");
    TCase *tc = tcase_create("lesson");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_ex1_brk_mmap);
    tcase_add_test(tc, t_ex2_lazy_zero_page_faults);
    tcase_add_test(tc, t_ex3_fork_cow);
    tcase_add_test(tc, t_crash_recorded);
    tcase_add_test(tc, t_aslr_diff_two_runs);
    tcase_add_test(tc, t_diff_runs_model);
    tcase_add_test(tc, t_crash_places_model);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    remove_workdir();
    return rc;
}
