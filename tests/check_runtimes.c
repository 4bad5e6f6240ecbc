/* Runtime-aware classification (issue 13) against real programs: a JVM
 * (ground truth from jcmd), node, CPython (its own arena count), a Go
 * program, a C helper under LD_PRELOAD of jemalloc, tcmalloc and mimalloc
 * (the addresses it got from malloc and from a raw mmap), POSIX shared
 * memory and JIT-like code; the named-anonymous and device rules from a
 * hand-made fixture. A runtime that is not installed is "skipped". */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/classify.h"
#include "vmscope/rules.h"
#include "vmscope/runtime.h"
#include "vmscope/smaps.h"
#include "vmscope/snapshot.h"
#include "vmscope/util.h"

#define MIB(n) ((uint64_t)(n) << 20)

static void skip(const char *why)
{
    printf("skipped: %s\n", why);
    fflush(stdout);
}

/* Full path of a program on PATH into out, or false. */
static bool find_program(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : "/usr/bin:/bin");
    bool found = false;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, size, "%s/%s", dir, name);
        found = access(out, X_OK) == 0;
    }
    free(copy);
    return found;
}

static const struct region *must_find(const struct snapshot *s, uint64_t addr)
{
    const struct region *r = snapshot_find(s, addr);
    ck_assert_msg(r != NULL, "no region contains 0x%" PRIx64, addr);
    return r;
}

static void assert_class(const struct region *r, enum region_class c, enum region_subclass sub)
{
    ck_assert_msg(r->cls == c && r->subclass == sub,
                  "region 0x%" PRIx64 "-0x%" PRIx64 " %s: expected %s/%s, got %s/%s (%s)",
                  r->vma->start, r->vma->end, r->vma->name, region_class_name(c),
                  region_subclass_name(sub), region_class_name(r->cls),
                  region_subclass_name(r->subclass), r->evidence ? r->evidence : "");
}

static uint64_t total_of(const struct snapshot *s, enum region_class c, enum region_subclass sub)
{
    uint64_t t = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        if (s->regions[i].cls == c && s->regions[i].subclass == sub)
            t += vma_size(s->regions[i].vma);
    return t;
}

static char *make_temp_dir(void)
{
    char *dir = xstrdup("/tmp/vmscope-runtimes-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void remove_tree(const char *dir)
{
    run_command((const char *[]){"/bin/rm", "-rf", dir, NULL}, (uid_t)-1, NULL, NULL);
}

static void write_file(const char *path, const char *text)
{
    test_write_file(path, text, strlen(text));
}

/* Runs a compiler (argv): it must succeed; its stderr tells why not. */
static void build_with(const char *const *argv)
{
    struct buf err;
    buf_init(&err);
    int rc = run_command(argv, (uid_t)-1, NULL, &err);
    ck_assert_msg(rc == 0, "%s: %s", argv[0], err.data ? err.data : "");
    buf_free(&err);
}

/* ---- names and fixtures ----------------------------------------------- */

START_TEST(t_runtime_names)
{
    unsigned minor = 0;
    ck_assert_uint_eq(runtime_from_path("/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so", NULL),
                      RT_JVM);
    ck_assert_uint_eq(runtime_from_path("/usr/bin/python3.11", &minor), RT_CPYTHON);
    ck_assert_uint_eq(minor, 11);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/libpython3.9.so.1.0", &minor), RT_CPYTHON);
    ck_assert_uint_eq(minor, 9);
    ck_assert_uint_eq(runtime_from_path("/usr/bin/node", NULL), RT_V8);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/x86_64-linux-gnu/libnode.so.108", NULL), RT_V8);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", NULL),
                      RT_JEMALLOC);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/libtcmalloc_minimal.so.4", NULL), RT_TCMALLOC);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/libmimalloc.so.2", NULL), RT_MIMALLOC);
    ck_assert_uint_eq(runtime_from_path("/usr/bin/python", NULL), 0); /* no version: unknown */
    ck_assert_uint_eq(runtime_from_path("/usr/lib/libnodejs-helper.so", NULL), 0);
    ck_assert_uint_eq(runtime_from_path("/usr/lib/libc.so.6", NULL), 0);
    ck_assert_str_eq(runtime_allocator_name(RT_JVM), "glibc");
    ck_assert_str_eq(runtime_allocator_name(RT_V8 | RT_JEMALLOC), "jemalloc");
    char line[256];
    ck_assert_uint_ge(rules_count(), 20);
    rules_describe(0, line, sizeof line);
    ck_assert_ptr_nonnull(strchr(line, '/'));
}
END_TEST

/* An executable that carries an allocator (as redis carries jemalloc) or
 * a runtime in its own symbols, found through libelf. */
START_TEST(t_static_allocator_symbols)
{
    char cc[4096];
    if (!find_program("cc", cc, sizeof cc)) {
        skip("no cc");
        return;
    }
    char *dir = make_temp_dir();
    char src[4096], bin[4096], plain[4096], psrc[4096];
    snprintf(src, sizeof src, "%s/je.c", dir);
    snprintf(bin, sizeof bin, "%s/je", dir);
    snprintf(psrc, sizeof psrc, "%s/plain.c", dir);
    snprintf(plain, sizeof plain, "%s/plain", dir);
    write_file(src, "int je_mallctl(const char *n) { return n != 0; }\n"
                    "int main(int argc, char **argv) { return je_mallctl(argv[argc - 1]); }\n");
    write_file(psrc, "int main(void) { return 0; }\n");
    build_with((const char *[]){cc, "-O0", "-o", bin, src, NULL});
    build_with((const char *[]){cc, "-O0", "-o", plain, psrc, NULL});
    int fd = open(bin, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(runtime_from_elf(fd), RT_JEMALLOC);
    close(fd);
    fd = open(plain, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(runtime_from_elf(fd), 0); /* malloc imported from libc says nothing */
    close(fd);
    remove_tree(dir);
    free(dir);
}
END_TEST

static struct snapshot *snapshot_of_fixture(const char *name)
{
    struct buf b;
    buf_init(&b);
    fixture_read(name, &b);
    struct vma_list l;
    vma_list_init(&l);
    struct smaps_parser p;
    smaps_parser_init(&p, &l);
    smaps_parser_feed(&p, b.data, b.len);
    smaps_parser_finish(&p);
    smaps_parser_free(&p);
    buf_free(&b);
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->vmas = l.items;
    s->n_regions = l.count;
    s->regions = xcalloc(l.count + 1, sizeof *s->regions);
    for (size_t i = 0; i < l.count; i++)
        s->regions[i].vma = &s->vmas[i];
    s->proc.argv = xcalloc(1, sizeof *s->proc.argv);
    classify_snapshot(s, NULL);
    return s;
}

START_TEST(t_named_anon_and_devices)
{
    struct snapshot *s = snapshot_of_fixture("maps_named_anon");
    static const struct {
        uint64_t addr;
        enum region_class cls;
        enum region_subclass sub;
    } want[] = {
        {0x55d0c8a00000, RC_HEAP, RS_BRK},
        {0x7f0000000000, RC_HEAP, RS_ARENA},
        {0x7f0000400000, RC_STACK, RS_THREAD},
        {0x7f0000800000, RC_STACK, RS_THREAD},
        {0x7f0000c00000, RC_HEAP, RS_JAVA},
        {0x7f0001000000, RC_HEAP, RS_GO},
        {0x7f0001400000, RC_HEAP, RS_PYMALLOC},
        {0x7f0001800000, RC_TEXT, RS_JIT},
        {0x7f0001801000, RC_HEAP, RS_MIMALLOC},
        {0x7f0001c00000, RC_MMAP, RS_ANON}, /* a name nobody knows: kept, generic */
        {0x7f0002000000, RC_MMAP, RS_SHM},
        {0x7f0002400000, RC_TEXT, RS_JIT},
        {0x7f0002401000, RC_MMAP, RS_DEVICE},
        {0x7f0002410000, RC_MMAP, RS_DEVICE},
        {0x7f0002420000, RC_MMAP, RS_DEVICE},
        {0x7f0002430000, RC_MMAP, RS_SHM},
        {0x7f0002440000, RC_MMAP, RS_DEVICE},
        {0x7f0002450000, RC_MMAP, RS_DEVICE},
        {0x7f0002460000, RC_MMAP, RS_ANON},
    };
    ck_assert_uint_eq(s->n_regions, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct region *r = must_find(s, want[i].addr);
        assert_class(r, want[i].cls, want[i].sub);
        ck_assert_ptr_nonnull(r->evidence);
    }
    /* The names stay as the process gave them. */
    ck_assert_str_eq(must_find(s, 0x7f0001c00000)->vma->name, "[anon:some library's buffer]");
    snapshot_free(s);
}
END_TEST

/* ---- a C helper: unknown runtime, then each allocator ------------------ */

/* Starts tests/helpers/allochelper (under LD_PRELOAD=preload when not
 * NULL) and samples it; NULL, "skipped", when preload is not installed. */
static struct snapshot *start_allochelper(struct helper *h, const char *preload)
{
    if (preload && access(preload, R_OK) != 0) {
        skip(preload);
        return NULL;
    }
    program_start(h, (const char *[]){TEST_BUILDDIR "/tests/helpers/allochelper", NULL}, preload,
                  10);
    return test_capture(h->pid, false);
}

START_TEST(t_glibc_shm_and_jit)
{
    struct helper h;
    struct snapshot *s = start_allochelper(&h, NULL);
    ck_assert_uint_eq(s->runtime.kinds, 0);
    /* No runtime: today's classes, unchanged. */
    assert_class(must_find(s, helper_value(&h, "big")), RC_MMAP, RS_ANON);
    assert_class(must_find(s, helper_value(&h, "raw")), RC_MMAP, RS_ANON);
    const struct region *shm = must_find(s, helper_value(&h, "shm"));
    assert_class(shm, RC_MMAP, RS_SHM);
    ck_assert(strncmp(shm->vma->name, "/dev/shm/vmscope-allochelper-", 29) == 0);
    assert_class(must_find(s, helper_value(&h, "jit")), RC_TEXT, RS_JIT);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

static const struct {
    const char *lib;
    unsigned kind;
    enum region_subclass sub;
} allocators[] = {
    {"libjemalloc.so.2", RT_JEMALLOC, RS_JEMALLOC},
    {"libtcmalloc_minimal.so.4", RT_TCMALLOC, RS_TCMALLOC},
    {"libmimalloc.so.2", RT_MIMALLOC, RS_MIMALLOC},
};

START_TEST(t_allocator)
{
    char lib[256];
    snprintf(lib, sizeof lib, "/usr/lib/x86_64-linux-gnu/%s", allocators[_i].lib);
    struct helper h;
    struct snapshot *s = start_allochelper(&h, lib);
    if (!s)
        return;
    ck_assert_msg(s->runtime.kinds & allocators[_i].kind, "%s not detected", lib);
    /* What the program got from malloc is the allocator's heap; what it
     * mapped itself is not. */
    assert_class(must_find(s, helper_value(&h, "big")), RC_HEAP, allocators[_i].sub);
    assert_class(must_find(s, helper_value(&h, "raw")), RC_MMAP, RS_ANON);
    assert_class(must_find(s, helper_value(&h, "shm")), RC_MMAP, RS_SHM);
    /* A light tick (maps, no VmFlags) tells them apart the same way. */
    struct snapshot *t = NULL;
    ck_assert_int_eq(capture_snapshot(h.pid, &(struct capture_options){.light = true, .previous = s}, &t), 0);
    ck_assert(t->light);
    assert_class(must_find(t, helper_value(&h, "big")), RC_HEAP, allocators[_i].sub);
    assert_class(must_find(t, helper_value(&h, "raw")), RC_MMAP, RS_ANON);
    snapshot_free(t);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_detected_again_after_exec)
{
    struct helper h;
    struct snapshot *s = start_allochelper(&h, "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
    if (!s)
        return;
    ck_assert(s->runtime.kinds & RT_JEMALLOC);
    /* The same pid becomes sleep, without jemalloc: the cached detection
     * must not survive the exec. */
    ck_assert_int_eq(write(h.stdin_fd, "e", 1), 1);
    char exe[64], target[4096] = "";
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)h.pid);
    uint64_t deadline = clock_monotonic_ns() / 1000000 + 10000;
    ssize_t n = 0;
    while (clock_monotonic_ns() / 1000000 < deadline && !(n > 0 && strstr(target, "sleep"))) {
        n = readlink(exe, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        usleep(2000);
    }
    ck_assert_msg(strstr(target, "sleep"), "the helper did not exec sleep: %s", target);
    struct snapshot *t = NULL;
    ck_assert_int_eq(capture_snapshot(h.pid, &(struct capture_options){.previous = s}, &t), 0);
    ck_assert_uint_eq(t->runtime.kinds & RT_JEMALLOC, 0);
    snapshot_free(t);
    snapshot_free(s);
    kill(h.pid, SIGKILL);
    helper_stop(&h);
}
END_TEST

/* ---- the JVM ----------------------------------------------------------- */

static const char java_source[] =
    "public class Ready {\n"
    "    public static void main(String[] a) throws Exception {\n"
    "        System.out.println(\"ready\");\n"
    "        System.out.flush();\n"
    "        while (System.in.read() >= 0) { }\n"
    "    }\n"
    "}\n";

/* The value after "label" in text, as bytes ("64.00 MB", "1.00 GB"). */
static uint64_t reserved_after(const char *text, const char *label)
{
    const char *p = strstr(text, label);
    ck_assert_msg(p != NULL, "jcmd printed no '%s'", label);
    double v;
    char unit[8];
    ck_assert_int_eq(sscanf(p + strlen(label), " %lf %7s reserved", &v, unit), 2);
    double scale = unit[0] == 'G' ? 1 << 30 : unit[0] == 'M' ? 1 << 20 : 1 << 10;
    return (uint64_t)(v * scale);
}

START_TEST(t_jvm)
{
    char java[4096], javac[4096], jcmd[4096];
    if (!find_program("java", java, sizeof java) || !find_program("javac", javac, sizeof javac) ||
        !find_program("jcmd", jcmd, sizeof jcmd)) {
        skip("no java, javac and jcmd");
        return;
    }
    char *dir = make_temp_dir();
    char src[4096], cmds[4096];
    snprintf(src, sizeof src, "%s/Ready.java", dir);
    write_file(src, java_source);
    snprintf(cmds, sizeof cmds, "%s/cmds", dir);
    write_file(cmds, "GC.heap_info\nCompiler.codecache\nVM.metaspace\n");
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    build_with((const char *[]){javac, "-d", dir, src, NULL});
    struct helper h;
    program_start(&h, (const char *[]){java, "-Xmx256m", "-Xshare:auto", "-cp", dir, "Ready", NULL},
                  NULL, 30);
    struct snapshot *s = test_capture(h.pid, false);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    buf_reset(&out);
    ck_assert_int_eq(run_command((const char *[]){jcmd, pid, "-f", cmds, NULL}, (uid_t)-1, &out, &err), 0);
    ck_assert_msg(s->runtime.kinds & RT_JVM, "libjvm.so not seen");

    /* The Java heap: exactly the range HotSpot reports. */
    const char *heap = strstr(out.data, "heap");
    unsigned long long lo = 0, hi = 0;
    ck_assert_ptr_nonnull(heap);
    ck_assert_int_eq(sscanf(strchr(heap, '['), "[%llx, %llx)", &lo, &hi), 2);
    uint64_t in_heap = 0;
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        bool inside = r->vma->start >= lo && r->vma->end <= hi;
        if (inside)
            assert_class(r, RC_HEAP, RS_JAVA);
        else
            ck_assert_msg(r->subclass != RS_JAVA, "0x%" PRIx64 " is not in the Java heap",
                          r->vma->start);
        in_heap += inside ? vma_size(r->vma) : 0;
    }
    ck_assert_uint_eq(in_heap, hi - lo); /* the heap is wholly mapped and classified */
    ck_assert_uint_eq(total_of(s, RC_HEAP, RS_JAVA), hi - lo);

    /* The code cache: each CodeHeap's committed start is JIT code. */
    int heaps = 0;
    for (const char *p = strstr(out.data, " bounds ["); p; p = strstr(p + 1, " bounds [")) {
        unsigned long long b = 0;
        ck_assert_int_eq(sscanf(p, " bounds [%llx", &b), 1);
        assert_class(must_find(s, b), RC_TEXT, RS_JIT);
        heaps++;
    }
    ck_assert_int_ge(heaps, 1);

    /* Metaspace and the class space: the reserved sizes HotSpot reports. */
    ck_assert_uint_eq(total_of(s, RC_HEAP, RS_METASPACE), reserved_after(out.data, "Non-class space:"));
    uint64_t cls = reserved_after(out.data, "Class space:");
    ck_assert_uint_ge(total_of(s, RC_HEAP, RS_CLASS_SPACE), cls);
    ck_assert_uint_le(total_of(s, RC_HEAP, RS_CLASS_SPACE), cls + MIB(16)); /* + the CDS tail */
    ck_assert_uint_gt(total_of(s, RC_DATA, RS_CDS), 0);

    /* Detection is kept for the next sample of the same process image. */
    struct snapshot *t = NULL;
    ck_assert_int_eq(capture_snapshot(h.pid, &(struct capture_options){.previous = s}, &t), 0);
    ck_assert_uint_eq(t->runtime.kinds, s->runtime.kinds);
    ck_assert_uint_eq(total_of(t, RC_HEAP, RS_JAVA), hi - lo);
    snapshot_free(t);
    snapshot_free(s);
    helper_stop(&h);
    buf_free(&out);
    buf_free(&err);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ---- node -------------------------------------------------------------- */

START_TEST(t_node)
{
    char node[4096];
    if (!find_program("node", node, sizeof node)) {
        skip("no node");
        return;
    }
    static const char script[] =
        "const keep = []; for (let i = 0; i < 200000; i++) keep.push({i});"
        "const m = process.memoryUsage();"
        "console.log('heap_total ' + m.heapTotal); console.log('ready');"
        "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));";
    struct helper h;
    program_start(&h, (const char *[]){node, "-e", script, NULL}, NULL, 20);
    struct snapshot *s = test_capture(h.pid, false);
    ck_assert_msg(s->runtime.kinds & RT_V8, "node not seen");
    uint64_t total = helper_value(&h, "heap_total");
    uint64_t v8 = total_of(s, RC_HEAP, RS_V8);
    /* Every page V8 counts, and not much beyond (its young generation
     * keeps a second semi-space it does not count). */
    ck_assert_msg(v8 >= total / 10 * 9 && v8 <= 2 * total + MIB(16), "V8 heap %" PRIu64 ", node says %" PRIu64,
                  v8, total);
    ck_assert_uint_gt(total_of(s, RC_TEXT, RS_JIT), 0);
    /* The node binary's code is text, its remapped builtins included. */
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        if (r->vma->inode && strcmp(r->vma->name, node) == 0 && r->vma->perms[2] == 'x')
            assert_class(r, RC_TEXT, RS_CODE);
    }
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* ---- CPython ----------------------------------------------------------- */

START_TEST(t_cpython)
{
    char python[4096];
    if (!find_program("python3", python, sizeof python)) {
        skip("no python3");
        return;
    }
    /* sys._debugmallocstats writes to the C stderr: read it back through
     * a temporary file. */
    static const char script[] =
        "import os, sys, tempfile\n"
        "keep = [(i, str(i)) for i in range(400000)]\n"
        "f = tempfile.TemporaryFile(); saved = os.dup(2); os.dup2(f.fileno(), 2)\n"
        "sys._debugmallocstats(); os.dup2(saved, 2); f.seek(0)\n"
        "n = [l for l in f.read().decode().splitlines() if 'arenas allocated current' in l]\n"
        "print('arenas', n[0].split('=')[1].strip().replace(',', ''))\n"
        "print('minor', sys.version_info.minor)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n";
    struct helper h;
    program_start(&h, (const char *[]){python, "-c", script, NULL}, NULL, 20);
    struct snapshot *s = test_capture(h.pid, false);
    ck_assert_msg(s->runtime.kinds & RT_CPYTHON, "CPython not seen");
    ck_assert_uint_eq(s->runtime.python_minor, helper_value(&h, "minor"));
    uint64_t arena = helper_value(&h, "minor") < 10 ? 256 << 10 : MIB(1);
    uint64_t arenas = helper_value(&h, "arenas") * arena;
    uint64_t found = total_of(s, RC_HEAP, RS_PYMALLOC);
    /* Never more than pymalloc has; an arena that merged with another
     * anonymous mapping stays generic, so at least most of them. */
    ck_assert_msg(found <= arenas && found >= arenas / 2,
                  "pymalloc regions %" PRIu64 ", CPython has %" PRIu64, found, arenas);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* ---- Go ---------------------------------------------------------------- */

START_TEST(t_go)
{
    char go[4096];
    if (!find_program("go", go, sizeof go)) {
        skip("no go (golang-go)");
        return;
    }
    char *dir = make_temp_dir();
    char src[4096], bin[4096], cache[4096];
    snprintf(src, sizeof src, "%s/main.go", dir);
    snprintf(bin, sizeof bin, "%s/goheap", dir);
    snprintf(cache, sizeof cache, "GOCACHE=%s/cache", dir);
    write_file(src, "package main\n"
                    "import (\"fmt\"; \"os\")\n"
                    "var keep []byte\n"
                    "func main() {\n"
                    "    keep = make([]byte, 64<<20)\n"
                    "    for i := range keep { keep[i] = 1 }\n"
                    "    fmt.Printf(\"big %p\\nready\\n\", &keep[0])\n"
                    "    b := make([]byte, 1)\n"
                    "    for { if n, _ := os.Stdin.Read(b); n == 0 { return } }\n"
                    "}\n");
    build_with((const char *[]){"/usr/bin/env", cache, "GOPATH=/nonexistent", "GO111MODULE=off",
                                go, "build", "-o", bin, src, NULL});
    struct helper h;
    program_start(&h, (const char *[]){bin, NULL}, NULL, 10);
    struct snapshot *s = test_capture(h.pid, false);
    ck_assert_msg(s->runtime.kinds & RT_GO, "Go not seen in the executable");
    assert_class(must_find(s, helper_value(&h, "big")), RC_HEAP, RS_GO);
    snapshot_free(s);
    helper_stop(&h);
    remove_tree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtimes");
    TCase *t = tcase_create("rules");
    tcase_add_test(t, t_runtime_names);
    tcase_add_test(t, t_named_anon_and_devices);
    tcase_add_test(t, t_static_allocator_symbols);
    suite_add_tcase(s, t);
    t = tcase_create("live");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, t_glibc_shm_and_jit);
    tcase_add_loop_test(t, t_allocator, 0, (int)ARRAY_LEN(allocators));
    tcase_add_test(t, t_detected_again_after_exec);
    tcase_add_test(t, t_jvm);
    tcase_add_test(t, t_node);
    tcase_add_test(t, t_cpython);
    tcase_add_test(t, t_go);
    suite_add_tcase(s, t);
    return run_suite(s);
}
