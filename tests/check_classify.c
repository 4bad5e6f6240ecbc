/* Live classification tests: helper processes create known mappings and
 * the snapshot must classify them exactly (class, subclass, tid, object)
 * and count their written pages exactly. */
#include "testlib.h"

#include "vmscope/timeline.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/snapshot.h"

static long page;

/* Independent oracle: present pages in [start, end) from classic pagemap. */
static uint64_t count_present(pid_t pid, uint64_t start, uint64_t end)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    uint64_t n = 0;
    for (uint64_t a = start & ~(uint64_t)(page - 1); a < end; a += (uint64_t)page) {
        uint64_t e = 0;
        ck_assert_int_eq(pread(fd, &e, 8, (off_t)(a / (uint64_t)page * 8)), 8);
        n += e >> 63;
    }
    close(fd);
    return n;
}

static const struct region *must_find(const struct snapshot *s, uint64_t addr)
{
    const struct region *r = snapshot_find(s, addr);
    ck_assert_msg(r != NULL, "no region contains 0x%llx", (unsigned long long)addr);
    return r;
}

static void assert_class(const struct region *r, enum region_class c, const char *sub)
{
    ck_assert_msg(r->cls == c && strcmp(region_subclass_name(r->subclass), sub) == 0,
                  "region 0x%llx: expected %s/%s, got %s/%s", (unsigned long long)r->vma->start,
                  region_class_name(c), sub, region_class_name(r->cls),
                  region_subclass_name(r->subclass));
}

START_TEST(t_brk_heap)
{
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "16", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *r = must_find(s, helper_value(&h, "brk_start"));
    assert_class(r, RC_HEAP, "brk");
    ck_assert_uint_eq(r->vma->start, helper_value(&h, "brk_start"));
    ck_assert_uint_eq(r->vma->end, helper_value(&h, "brk_end"));
    ck_assert_str_eq(r->vma->name, "[heap]");
    /* Nothing but the helper's sbrk touched the heap: exact. */
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 16 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_PRIVATE_DIRTY], 16 * (uint64_t)page);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_malloc_above_threshold)
{
    struct helper h;
    helper_start(&h, (const char *[]){"bigmalloc", "1048576", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *big = must_find(s, helper_value(&h, "big"));
    assert_class(big, RC_MMAP, "anon");
    ck_assert_uint_ge(vma_size(big->vma), 1048576);
    assert_class(must_find(s, helper_value(&h, "small")), RC_HEAP, "brk");
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_fenced_anonymous)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "32", "5", NULL});
    struct snapshot *s = test_capture(h.pid, true);
    uint64_t start = helper_value(&h, "start"), end = helper_value(&h, "end");
    const struct region *r = must_find(s, start);
    assert_class(r, RC_MMAP, "anon");
    ck_assert_uint_eq(r->vma->start, start);
    ck_assert_uint_eq(r->vma->end, end);
    ck_assert_str_eq(r->vma->perms, "rw-p");
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 5 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_PSS], 5 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_ANONYMOUS], 5 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->pages.present, 5);
    ck_assert_uint_eq(r->vma->pages.exclusive, 5);
    ck_assert_uint_eq(r->vma->pages.file, 0);
    ck_assert_uint_eq(r->vma->pages.swapped, 0);
    /* The PROT_NONE fences are their own regions. */
    const struct region *below = must_find(s, start - 1), *above = must_find(s, end);
    ck_assert_str_eq(below->vma->perms, "---p");
    ck_assert_str_eq(above->vma->perms, "---p");
    ck_assert_int_eq(below->cls, RC_OTHER);
    ck_assert_int_eq(above->cls, RC_OTHER);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_bss_partly_written)
{
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "7", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *r = must_find(s, helper_value(&h, "written_start"));
    assert_class(r, RC_BSS, "bss");
    ck_assert_ptr_nonnull(r->object);
    ck_assert_msg(strstr(r->object, "tests/helpers/maphelper") != NULL, "object %s", r->object);
    /* The whole 16 MiB array is bss, up to its end. */
    uint64_t bss_end = helper_value(&h, "bss_end");
    ck_assert_uint_ge(r->vma->end, bss_end);
    ck_assert_uint_eq(r->vma->name_len, 0);
    /* The 7 written pages of the array are resident; so are the pages before
     * the array that the loader wrote (copy relocations such as stdout),
     * which the test counts independently from pagemap. */
    uint64_t bss_start = helper_value(&h, "bss_start");
    uint64_t before = count_present(h.pid, r->vma->start, bss_start);
    ck_assert_uint_le(before, 2);
    ck_assert_uint_eq(count_present(h.pid, bss_start, bss_end), 7);
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], (7 + before) * (uint64_t)page);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The image's parts at run time are worked out at capture and kept on the
 * snapshot (so a screen or a replay reads no file): the helper's bss part
 * holds its array as the helper reports it, its code part holds the code
 * region, and they survive a clone and a JSON round trip. */
static const struct image_part *part_at(const struct region *r, uint64_t addr)
{
    for (size_t i = 0; i < r->n_image; i++)
        if (addr >= r->image[i].start && addr < r->image[i].end)
            return &r->image[i];
    return NULL;
}

START_TEST(t_image_parts_kept)
{
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "3", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *bss = must_find(s, helper_value(&h, "written_start"));
    uint64_t bss_start = helper_value(&h, "bss_start"), bss_end = helper_value(&h, "bss_end");
    ck_assert_uint_ge(bss->n_image, 4);
    const struct image_part *p = part_at(bss, bss_start);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->role, "bss");
    ck_assert_uint_ge(p->end, bss_end);
    ck_assert_uint_lt(p->end - bss_end, 4096); /* memsz ends where the array does */
    const struct region *code = NULL;
    for (size_t i = 0; i < s->n_regions && !code; i++)
        if (s->regions[i].object == bss->object && s->regions[i].subclass == RS_CODE)
            code = &s->regions[i];
    ck_assert_ptr_nonnull(code);
    ck_assert_ptr_nonnull(part_at(code, code->vma->start));
    ck_assert_str_eq(part_at(code, code->vma->start)->role, "code");
    struct snapshot *copies[2] = {snapshot_clone(s), NULL};
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    ck_assert_int_eq(export_json(s, 0, fp), 0);
    fclose(fp);
    char *why = NULL;
    ck_assert_msg(json_read_snapshot(text, len, &copies[1], &why) == 0, "%s", why);
    for (int k = 0; k < 2; k++) {
        const struct region *c = must_find(copies[k], bss->vma->start);
        ck_assert_uint_eq(c->n_image, bss->n_image);
        for (size_t i = 0; i < c->n_image; i++) {
            ck_assert_uint_eq(c->image[i].start, bss->image[i].start);
            ck_assert_uint_eq(c->image[i].end, bss->image[i].end);
            ck_assert_str_eq(c->image[i].role, bss->image[i].role);
        }
        snapshot_free(copies[k]);
    }
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_elf_image_segments)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "4", "1", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    int code = 0, rodata = 0, relro = 0, data = 0, libc_code = 0;
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        if (!r->object)
            continue;
        bool helper_img = strstr(r->object, "maphelper") != NULL;
        bool libc = strstr(r->object, "libc.so") != NULL;
        if (r->cls == RC_TEXT && r->subclass == RS_CODE) {
            ck_assert_msg(r->vma->perms[2] == 'x', "code without x: %s", r->vma->perms);
            code += helper_img;
            libc_code += libc;
        }
        rodata += helper_img && r->cls == RC_TEXT && r->subclass == RS_RODATA;
        relro += helper_img && r->cls == RC_TEXT && r->subclass == RS_RELRO;
        data += helper_img && r->cls == RC_DATA;
    }
    ck_assert_int_eq(code, 1);
    ck_assert_int_ge(rodata, 1);
    ck_assert_int_eq(relro, 1);
    ck_assert_int_eq(data, 1);
    ck_assert_int_eq(libc_code, 1);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_private_file_mapping)
{
    char path[] = "/tmp/vmscope-test-fileXXXXXX";
    make_temp_file(path, 8, 'x');
    struct helper h;
    helper_start(&h, (const char *[]){"filemap", path, "3", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *r = must_find(s, helper_value(&h, "start"));
    assert_class(r, RC_MMAP, "file");
    ck_assert_str_eq(r->vma->name, path);
    ck_assert_uint_eq(r->vma->end, helper_value(&h, "end"));
    ck_assert(!r->vma->deleted);
    /* Write faults copy pages one by one (no fault-around): exact. */
    ck_assert_uint_eq(r->vma->field[SMAPS_ANONYMOUS], 3 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_PRIVATE_DIRTY], 3 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 3 * (uint64_t)page);
    snapshot_free(s);
    helper_stop(&h);
    unlink(path);
}
END_TEST

START_TEST(t_memfd_is_shm)
{
    struct helper h;
    helper_start(&h, (const char *[]){"memfd", "vmscope-test", "4", NULL});
    struct snapshot *s = test_capture(h.pid, true);
    const struct region *r = must_find(s, helper_value(&h, "start"));
    assert_class(r, RC_MMAP, "shm");
    ck_assert_str_eq(r->vma->name, "/memfd:vmscope-test");
    ck_assert(r->vma->deleted);
    ck_assert_str_eq(r->vma->perms, "rw-s");
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 4 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->pages.present, 4);
    ck_assert_uint_eq(r->vma->pages.file, 4); /* shmem pages are not anonymous */
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_thread_stack_by_sp)
{
    struct helper h;
    helper_start(&h, (const char *[]){"thread", "256", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    uint64_t lo = helper_value(&h, "stack_lo"), hi = helper_value(&h, "stack_hi");
    const struct region *r = must_find(s, lo);
    assert_class(r, RC_STACK, "thread");
    ck_assert_int_eq(r->tid, (pid_t)helper_value(&h, "tid"));
    ck_assert_int_eq(r->flags & REGION_HEURISTIC, 0);
    ck_assert_ptr_eq(must_find(s, hi - 1), r);
    ck_assert_uint_eq(r->vma->start, lo); /* glibc's guard page sits right below */
    ck_assert_uint_eq(vma_size(r->vma), 256 * 1024); /* the requested stack size */
    const struct region *g = must_find(s, lo - 1);
    assert_class(g, RC_OTHER, "guard");
    ck_assert_str_eq(g->vma->perms, "---p");
    /* The main stack belongs to the main thread. */
    int mains = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        if (s->regions[i].cls == RC_STACK && s->regions[i].subclass == RS_MAIN) {
            mains++;
            ck_assert_int_eq(s->regions[i].tid, h.pid);
            ck_assert_str_eq(s->regions[i].vma->name, "[stack]");
        }
    ck_assert_int_eq(mains, 1);
    ck_assert_int_eq(s->proc.threads, 2);
    /* A light sample takes the stack the last one placed (its SP is not
     * read again): the same region, class, thread and no heuristic flag. */
    struct snapshot *l;
    ck_assert_int_eq(capture_snapshot(h.pid, &(struct capture_options){.light = true, .previous = s}, &l), 0);
    const struct region *lr = must_find(l, lo);
    assert_class(lr, RC_STACK, "thread");
    ck_assert_int_eq(lr->tid, r->tid);
    ck_assert_int_eq(lr->flags & REGION_HEURISTIC, 0);
    ck_assert_uint_eq(lr->vma->start, lo);
    snapshot_free(l);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* Wait until the thread's state is (or, with negate, is no longer) want. */
static void wait_state(pid_t pid, pid_t tid, char want, bool negate)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    for (int i = 0; i < 500; i++) {
        FILE *fp = fopen(path, "r");
        ck_assert_ptr_nonnull(fp);
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        if (rp && (rp[2] == want) != negate)
            return;
        usleep(2000);
    }
    ck_abort_msg("pid %d never reached state %c", (int)pid, want);
}

START_TEST(t_running_thread_keeps_last_stack)
{
    struct helper h;
    helper_start(&h, (const char *[]){"spinner", NULL});
    pid_t tid = (pid_t)helper_value(&h, "tid");
    /* Stopped, every thread shows its SP ("-1 sp pc"). */
    kill(h.pid, SIGSTOP);
    wait_state(h.pid, h.pid, 'T', false);
    wait_state(h.pid, tid, 'T', false); /* group stop reaches each thread in turn */
    struct snapshot *stopped = test_capture(h.pid, false);
    kill(h.pid, SIGCONT);
    wait_state(h.pid, tid, 'T', true);
    usleep(20000); /* the spinner is back in user space */
    const struct region *known = NULL;
    for (size_t i = 0; i < stopped->n_regions; i++)
        if (stopped->regions[i].tid == tid)
            known = &stopped->regions[i];
    ck_assert_ptr_nonnull(known);
    assert_class(known, RC_STACK, "thread");
    ck_assert_int_eq(known->flags & REGION_HEURISTIC, 0);

    /* Running: no SP. With the previous sample the stack keeps its thread. */
    struct capture_options opt = {.previous = stopped};
    struct snapshot *s;
    ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
    const struct region *r = must_find(s, known->vma->start);
    assert_class(r, RC_STACK, "thread");
    ck_assert_int_eq(r->tid, tid);
    ck_assert_int_eq(r->flags & REGION_HEURISTIC, 0);
    snapshot_free(s);

    /* Without history only the guard-page pattern is left: a heuristic. */
    s = test_capture(h.pid, false);
    r = must_find(s, known->vma->start);
    assert_class(r, RC_STACK, "thread");
    ck_assert(r->flags & REGION_HEURISTIC);
    ck_assert_int_eq(r->tid, 0);
    snapshot_free(s);
    snapshot_free(stopped);
    kill(h.pid, SIGKILL);
    helper_stop(&h);
}
END_TEST

START_TEST(t_deleted_library)
{
    /* A library deleted after it was loaded is still an ELF image: read
     * through /proc/PID/map_files/ (root) it keeps its segments. */
    char dir[] = "/tmp/vmscope-lib-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char lib[256], cmd[600];
    snprintf(lib, sizeof lib, "%s/libm.so.6", dir);
    snprintf(cmd, sizeof cmd, "cp \"$(ldconfig -p | awk '/libm.so.6 .*x86-64/ {print $NF; exit}')\" '%s'", lib);
    ck_assert_int_eq(system(cmd), 0);
    setenv("LD_PRELOAD", lib, 1);
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "1", NULL});
    unsetenv("LD_PRELOAD");
    unlink(lib);
    rmdir(dir);
    struct snapshot *s = test_capture(h.pid, false);
    int code = 0, deleted = 0;
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        if (strcmp(r->vma->name, lib) != 0)
            continue;
        deleted += r->vma->deleted;
        if (geteuid() == 0) { /* map_files needs CAP_SYS_ADMIN */
            ck_assert_ptr_nonnull(r->object);
            code += r->cls == RC_TEXT && r->subclass == RS_CODE;
        }
    }
    ck_assert_int_ge(deleted, 4);
    if (geteuid() == 0)
        ck_assert_int_eq(code, 1);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_glibc_arena)
{
    struct helper h;
    helper_start(&h, (const char *[]){"arena", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *r = must_find(s, helper_value(&h, "arena_ptr"));
    assert_class(r, RC_HEAP, "arena");
    ck_assert(r->flags & REGION_HEURISTIC);
    ck_assert_uint_eq(r->vma->start % (64u << 20), 0);
    const struct region *reserve = must_find(s, r->vma->end);
    assert_class(reserve, RC_OTHER, "reserve");
    ck_assert_uint_eq(reserve->vma->end, r->vma->start + (64u << 20));
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The present bit of pid's page at addr, from the kernel's pagemap. */
static bool page_present(pid_t pid, uint64_t addr)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    uint64_t entry = 0;
    ck_assert_int_eq(pread(fd, &entry, sizeof entry, (off_t)(addr / 4096 * sizeof entry)),
                     (ssize_t)sizeof entry);
    close(fd);
    return entry >> 63 & 1;
}

/* A 64 MiB block at a 64 MiB boundary is a whole-grown arena heap only
 * when glibc's heap header at its start says so: a plain aligned mmap
 * (one in 32 of 64 MiB mmaps with THP alignment) stays mmap/anon, and
 * looking for the header faults nothing in (an untouched page stays
 * absent: the process's fault counts and pages are its own). */
START_TEST(t_aligned_mmap_is_not_arena)
{
    struct helper h;
    helper_start(&h, (const char *[]){"aligned64", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *plain = must_find(s, helper_value(&h, "plain_ptr"));
    ck_assert_uint_eq(plain->vma->start % (64u << 20), 0);
    ck_assert_uint_eq(plain->vma->end - plain->vma->start, 64u << 20);
    assert_class(plain, RC_MMAP, "anon");
    ck_assert_msg(!page_present(h.pid, plain->vma->start), "classifying faulted the page in");
    const struct region *headed = must_find(s, helper_value(&h, "headed_ptr"));
    ck_assert_uint_eq(headed->vma->end - headed->vma->start, 64u << 20);
    assert_class(headed, RC_HEAP, "arena");
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The heap-versus-mmap series: each arena on its own, anonymous mmaps
 * counted with their mapped bytes. */
START_TEST(t_timeline_series)
{
    struct helper h;
    helper_start(&h, (const char *[]){"arena", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    const struct region *arena = must_find(s, helper_value(&h, "arena_ptr"));
    struct timeline t;
    timeline_init(&t, 4, 4);
    timeline_add(&t, NULL, s);
    const struct timeline_sample *x = timeline_sample_at(&t, 0);
    ck_assert_uint_eq(t.n_arenas, 1);
    ck_assert_uint_eq(t.arena_base[0], arena->vma->start);
    ck_assert_uint_gt(x->arena_rss[0], 0);
    ck_assert_uint_eq(x->arena_rss[0], arena->vma->field[SMAPS_RSS]);
    ck_assert_uint_eq(x->series_rss[SERIES_ARENAS], x->arena_rss[0]);
    timeline_free(&t);
    snapshot_free(s);
    helper_stop(&h);

    helper_start(&h, (const char *[]){"bigmalloc", "1048576", NULL});
    s = test_capture(h.pid, false);
    const struct region *big = must_find(s, helper_value(&h, "big"));
    timeline_init(&t, 4, 4);
    timeline_add(&t, NULL, s);
    x = timeline_sample_at(&t, 0);
    ck_assert_uint_eq(t.n_arenas, 0);
    ck_assert_uint_ge(x->anon_mmaps, 1);
    ck_assert_uint_ge(x->anon_mmap_vsz, vma_size(big->vma));
    ck_assert_uint_ge(x->series_rss[SERIES_ANON_MMAP], big->vma->field[SMAPS_RSS]);
    timeline_free(&t);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_special_regions)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "4", "1", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    int vdso = 0, vvar = 0, vsys = 0;
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        if (!strcmp(r->vma->name, "[vdso]")) {
            assert_class(r, RC_OTHER, "vdso");
            vdso++;
        } else if (!strcmp(r->vma->name, "[vvar]")) {
            assert_class(r, RC_OTHER, "vvar");
            vvar++;
        } else if (!strcmp(r->vma->name, "[vsyscall]")) {
            assert_class(r, RC_OTHER, "vsyscall");
            vsys++;
        }
        if (i > 0) /* sorted and disjoint */
            ck_assert_uint_ge(r->vma->start, s->regions[i - 1].vma->end);
    }
    ck_assert_int_eq(vdso, 1);
    ck_assert_int_eq(vvar, 1);
    ck_assert_int_le(vsys, 1);
    /* Totals add up by class. */
    uint64_t rss = 0, vsz = 0;
    for (int c = 0; c < RC_COUNT; c++) {
        rss += s->by_class[c].rss;
        vsz += s->by_class[c].vsz;
    }
    ck_assert_uint_eq(rss, s->totals.rss);
    ck_assert_uint_eq(vsz, s->totals.vsz);
    ck_assert_uint_eq(s->totals.regions, s->n_regions);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_process_exits_while_sampled)
{
    /* Helpers with many mappings exit while we sample them in a loop: every
     * outcome must be a complete snapshot or a clean "exited". */
    int complete = 0, exited = 0;
    for (int round = 0; round < 10; round++) {
        /* Lifetimes of 15 to 120 ms: the short ones exit mid-capture, the
         * long ones leave time for complete captures even under ASan. */
        char ms[16];
        snprintf(ms, sizeof ms, "%d", 15 << (round % 4));
        struct helper h;
        helper_start(&h, (const char *[]){"exiter", "3000", ms, NULL});
        for (int i = 0; i < 200; i++) {
            struct snapshot *s = NULL;
            int rc = capture_snapshot(h.pid, NULL, &s);
            if (rc == 0) {
                ck_assert_uint_ge(s->n_regions, 3000); /* never a cut list */
                snapshot_free(s);
                complete++;
                continue;
            }
            ck_assert_msg(rc == -ESRCH || rc == -ENOENT, "unexpected error %d", rc);
            exited++;
            break;
        }
        helper_stop(&h);
    }
    ck_assert_int_eq(exited, 10);
    ck_assert_int_ge(complete, 1);
}
END_TEST

START_TEST(t_500_processes_exiting)
{
    /* 500 short-lived processes, each sampled until it is gone: only whole
     * snapshots or a clean "exited", never a cut list or another error. */
    int complete = 0, exited = 0;
    for (int round = 0; round < 500; round++) {
        struct helper h;
        helper_start(&h, (const char *[]){"exiter", "40", "2", NULL});
        for (;;) {
            struct snapshot *s = NULL;
            struct capture_options opt = {.census = round % 2 == 1};
            int rc = capture_snapshot(h.pid, &opt, &s);
            if (rc == 0) {
                ck_assert_uint_ge(s->n_regions, 40);
                snapshot_free(s);
                complete++;
                continue;
            }
            ck_assert_msg(rc == -ESRCH || rc == -ENOENT, "round %d: error %d", round, rc);
            exited++;
            break;
        }
        helper_stop(&h);
    }
    ck_assert_int_eq(exited, 500);
    ck_assert_int_ge(complete, 1);
}
END_TEST

START_TEST(t_missing_pid)
{
    struct snapshot *s = NULL;
    ck_assert_int_eq(capture_snapshot(0x3ffffff0, NULL, &s), -ENOENT);
    ck_assert_ptr_null(s);
}
END_TEST

int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("live");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_brk_heap);
    tcase_add_test(tc, t_malloc_above_threshold);
    tcase_add_test(tc, t_fenced_anonymous);
    tcase_add_test(tc, t_bss_partly_written);
    tcase_add_test(tc, t_elf_image_segments);
    tcase_add_test(tc, t_image_parts_kept);
    tcase_add_test(tc, t_private_file_mapping);
    tcase_add_test(tc, t_memfd_is_shm);
    tcase_add_test(tc, t_thread_stack_by_sp);
    tcase_add_test(tc, t_glibc_arena);
    tcase_add_test(tc, t_aligned_mmap_is_not_arena);
    tcase_add_test(tc, t_timeline_series);
    tcase_add_test(tc, t_running_thread_keeps_last_stack);
    tcase_add_test(tc, t_deleted_library);
    tcase_add_test(tc, t_special_regions);
    tcase_add_test(tc, t_process_exits_while_sampled);
    tcase_add_test(tc, t_missing_pid);
    tcase_add_test(tc, t_500_processes_exiting);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
