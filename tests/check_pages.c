/* Page runs (vmscope pages): helpers with known page patterns, read both
 * through the library and through the command. */
#include "testlib.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/kernel_abi.h"
#include "vmscope/features.h"
#include "vmscope/pages.h"
#include "vmscope/procfs.h"

static long page;

static void read_runs(pid_t pid, uint64_t start, uint64_t end, struct page_runs *runs)
{
    struct proc_target t;
    ck_assert_int_eq(proc_target_open(&t, pid), 0);
    ck_assert_int_eq(pages_read(&t, start, end, runs), 0);
    proc_target_close(&t);
    /* The runs cover the range, in order, without gaps. */
    uint64_t at = start;
    for (size_t i = 0; i < runs->count; i++) {
        ck_assert_uint_eq(runs->items[i].start, at);
        ck_assert_uint_gt(runs->items[i].pages, 0);
        at += runs->items[i].pages * (uint64_t)page;
    }
    ck_assert_uint_eq(at, end);
}

static uint64_t count_state(const struct page_runs *runs, unsigned all_of)
{
    uint64_t n = 0;
    for (size_t i = 0; i < runs->count; i++)
        if ((runs->items[i].state & all_of) == all_of)
            n += runs->items[i].pages;
    return n;
}

START_TEST(t_every_other_page)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "5", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    ck_assert_uint_eq(runs.count, 10); /* x . x . x . x . x ....... */
    for (int i = 0; i < 10; i++) {
        const struct page_run *r = &runs.items[i];
        if (i % 2 == 0 && i < 9) {
            ck_assert_uint_eq(r->pages, 1);
            ck_assert_uint_eq(r->state, PS_PRESENT | PS_EXCLUSIVE);
            if (runs.flags_readable) {
                ck_assert_uint_eq(r->mapcount, 1);
                ck_assert(r->kflags >> 12 & 1); /* anonymous */
            }
        } else {
            ck_assert_uint_eq(r->state, 0);
        }
    }
    ck_assert_uint_eq(runs.items[9].pages, 7);
    ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 5);
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

START_TEST(t_fork_shares_pages)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fork", "8", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 8);
    ck_assert_uint_eq(count_state(&runs, PS_EXCLUSIVE), 0);
    if (runs.flags_readable) /* parent and child map each page */
        for (size_t i = 0; i < runs.count; i++)
            ck_assert_uint_eq(runs.items[i].mapcount, 2);
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

START_TEST(t_transparent_huge_pages)
{
    struct helper h;
    helper_start(&h, (const char *[]){"thp", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 2048);
    uint64_t huge = count_state(&runs, PS_PRESENT | PS_HUGE);
    FILE *fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char mode[128] = "";
    if (fp) {
        if (!fgets(mode, sizeof mode, fp))
            mode[0] = 0;
        fclose(fp);
    }
    if (strstr(mode, "[never]")) {
        ck_assert_uint_eq(huge, 0);
    } else {
        /* madvise or always: the kernel may still fall back to small pages
         * under memory pressure, but in whole 2 MiB units. */
        ck_assert_uint_eq(huge % 512, 0);
        if (huge && runs.flags_readable)
            for (size_t i = 0; i < runs.count; i++)
                if (runs.items[i].state & PS_HUGE)
                    ck_assert(runs.items[i].kflags >> 22 & 1); /* thp */
    }
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

START_TEST(t_private_file_partly_read)
{
    char path[] = "/tmp/vmscope-pages-XXXXXX";
    make_temp_file(path, 64, 'y');
    struct helper h;
    helper_start(&h, (const char *[]){"fileread", path, "4", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    /* 4 pages read; fault-around maps up to 16 cached neighbours too. */
    uint64_t present = count_state(&runs, PS_PRESENT);
    ck_assert_uint_ge(present, 4);
    ck_assert_uint_le(present, 20);
    ck_assert_uint_eq(count_state(&runs, PS_PRESENT | PS_FILE), present);
    ck_assert_uint_eq(runs.items[0].start, helper_value(&h, "start"));
    ck_assert(runs.items[0].state & PS_PRESENT); /* page 0 was read */
    page_runs_free(&runs);
    helper_stop(&h);
    unlink(path);
}
END_TEST

START_TEST(t_command_json_and_text)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "3", NULL});
    char range[64], pid[16];
    snprintf(range, sizeof range, "%llx-0x%llx", (unsigned long long)helper_value(&h, "start"),
             (unsigned long long)helper_value(&h, "end"));
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "pages", "-p", pid, "--range", range,
                                                  "-f", "json", NULL}, -1, &out, &err), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out.data, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "vmscope.pages");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "pid")), h.pid);
    json_t *runs = json_object_get(doc, "runs");
    ck_assert_int_eq(json_array_size(runs), 6); /* x . x . x ........... */
    json_t *r0 = json_array_get(runs, 0), *r1 = json_array_get(runs, 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r0, "state"), 0)), "present");
    ck_assert_int_eq(json_array_size(json_object_get(r1, "state")), 0); /* not present: empty */
    ck_assert_ptr_null(json_object_get(r1, "pfn"));
    json_decref(doc);
    buf_reset(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "pages", "-p", pid, "--range", range,
                                                  NULL}, -1, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "16 pages, 3 present, 6 runs"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "pages", "-p", pid, "--range",
                                                  "zz-1", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "not a range"));
    buf_free(&out);
    buf_free(&err);
    helper_stop(&h);
}
END_TEST

START_TEST(t_whole_address_space)
{
    /* The whole 64-bit range: the scan stops at the top of the user address
     * space and the rest is one run of pages that are not there. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "5", NULL});
    struct proc_target t;
    ck_assert_int_eq(proc_target_open(&t, h.pid), 0);
    struct page_runs runs;
    ck_assert_int_eq(pages_read(&t, 0, UINT64_MAX, &runs), 0);
    proc_target_close(&t);
    ck_assert_uint_gt(runs.count, 2);
    ck_assert_uint_eq(runs.items[0].start, 0);
    const struct page_run *last = &runs.items[runs.count - 1];
    ck_assert_uint_eq(last->start + last->pages * (uint64_t)page, UINT64_MAX & ~(uint64_t)(page - 1));
    ck_assert_uint_eq(last->state, 0);
    uint64_t fenced = 0; /* the helper's 5 written pages are among the present ones */
    for (size_t i = 0; i < runs.count; i++)
        if (runs.items[i].start >= helper_value(&h, "start") &&
            runs.items[i].start < helper_value(&h, "end"))
            fenced += runs.items[i].state & PS_PRESENT ? runs.items[i].pages : 0;
    ck_assert_uint_eq(fenced, 5);
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

START_TEST(t_sparse_64gib_region_is_quick)
{
    /* 64 GiB reserved, 3 pages written: PAGEMAP_SCAN skips the holes, so
     * this is a few runs and no per-page work. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16777216", "3", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 3);
    ck_assert_uint_eq(runs.count, 6);
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

/* Flags the kernel changes on its own between two reads (LRU aging, idle
 * tracking): referenced, lru, active, idle. */
#define VOLATILE_KFLAGS ((1ull << 2) | (1ull << 5) | (1ull << 6) | (1ull << 25))

START_TEST(t_census_matches_kernel_files)
{
    /* Every present page's PFN, flags and map count as the kernel files give
     * them, read here one page at a time: the census reads kpageflags and
     * kpagecount once per run of contiguous frames. */
    struct helper h;
    helper_start(&h, (const char *[]){"bigmalloc", "16777216", NULL});
    uint64_t start = (helper_value(&h, "big") + (uint64_t)page - 1) & ~(uint64_t)(page - 1);
    uint64_t end = (helper_value(&h, "big") + 16777216) & ~(uint64_t)(page - 1);
    struct page_runs runs;
    read_runs(h.pid, start, end, &runs);
    if (!runs.flags_readable) {
        page_runs_free(&runs);
        helper_stop(&h);
        fprintf(stderr, "skipped: t_census_matches_kernel_files needs root\n");
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)h.pid);
    int pm = open(path, O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY),
        kc = open("/proc/kpagecount", O_RDONLY);
    ck_assert(pm >= 0 && kf >= 0 && kc >= 0);
    uint64_t pages = 0, breaks = 0, prev_pfn = 0;
    for (size_t i = 0; i < runs.count; i++) {
        const struct page_run *r = &runs.items[i];
        ck_assert(r->state & PS_PRESENT);
        ck_assert(r->has_pfn && r->has_flags);
        for (uint64_t k = 0; k < r->pages; k++) {
            uint64_t addr = r->start + k * (uint64_t)page, e, flags, count;
            ck_assert_int_eq(pread(pm, &e, 8, (off_t)(addr / (uint64_t)page * 8)), 8);
            uint64_t pfn = e & PM_PFN_MASK;
            ck_assert_uint_eq(pfn, r->pfn + k);
            ck_assert_int_eq(pread(kf, &flags, 8, (off_t)(pfn * 8)), 8);
            ck_assert_int_eq(pread(kc, &count, 8, (off_t)(pfn * 8)), 8);
            ck_assert_uint_eq(r->kflags & ~VOLATILE_KFLAGS, flags & ~VOLATILE_KFLAGS);
            ck_assert_uint_eq(r->mapcount, count);
            breaks += pages && pfn != prev_pfn + 1;
            prev_pfn = pfn;
            pages++;
        }
    }
    ck_assert_uint_eq(pages, (end - start) / (uint64_t)page);
    (void)breaks; /* how many runs the frames came in: any number is right */
    close(pm);
    close(kf);
    close(kc);
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

/* A light sample's census gathers the Detail grid's page states of its
 * focus range on the way: they must be exactly what the grid's own read
 * (pages_read_states) gives, run for run, for a range of untouched, zero
 * and written pages, soft-dirty on some of them, next to another VMA the
 * kernel's scan may report in the same range. */
START_TEST(t_census_focus_is_the_grid)
{
    if (!kernel_features()->pagemap_scan) {
        fprintf(stderr, "t_census_focus_is_the_grid: skipped (no PAGEMAP_SCAN)\n");
        return;
    }
    size_t n = 48, after = 8;
    /* A PROT_NONE page below and a read-only part above: the region is a
     * VMA of its own (an allocator's mapping next to it would merge). */
    char *below = mmap(NULL, (1 + n + after) * (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(below != MAP_FAILED);
    ck_assert_int_eq(mprotect(below, (size_t)page, PROT_NONE), 0);
    char *p = below + page;
    volatile char *q = p, sum = 0;
    for (size_t i = 0; i < n + after; i++) {
        if (i % 3 == 0 || i >= n)
            q[i * (size_t)page] = 1; /* written */
        else if (i % 5 == 1)
            sum += q[i * (size_t)page]; /* read: the shared zero page */
    }
    ck_assert_int_eq(mprotect(p + n * (size_t)page, after * (size_t)page, PROT_READ), 0);
    bool soft_dirty = kernel_features()->soft_dirty;
    if (soft_dirty) { /* soft-dirty again on every 7th page alone */
        int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
        soft_dirty = fd >= 0 && write(fd, "4", 1) == 1;
        if (fd >= 0)
            close(fd);
        for (size_t i = 0; soft_dirty && i < n; i += 7)
            q[i * (size_t)page] = 2;
    }
    uint64_t start = (uintptr_t)p, end = start + n * (uint64_t)page;
    struct snapshot *full, *light, *plain;
    ck_assert_int_eq(capture_snapshot(getpid(), NULL, &full), 0);
    struct capture_options opt = {.light = true, .previous = full, .focus_start = start,
                                  .focus_end = end};
    ck_assert_int_eq(capture_snapshot(getpid(), &opt, &light), 0);
    struct page_runs grid;
    struct proc_target t;
    ck_assert_int_eq(proc_target_open(&t, getpid()), 0);
    ck_assert_int_eq(pages_read_states(&t, start, end, false, &grid), 0);
    proc_target_close(&t);
    ck_assert(light->has_focus);
    ck_assert_uint_eq(light->focus_start, start);
    ck_assert_uint_eq(light->focus_end, end);
    ck_assert_uint_eq(light->focus.count, grid.count);
    ck_assert_int_eq(light->focus.pfn_readable, grid.pfn_readable);
    for (size_t i = 0; i < grid.count; i++) {
        const struct page_run *a = &light->focus.items[i], *b = &grid.items[i];
        ck_assert_msg(a->start == b->start && a->pages == b->pages && a->state == b->state,
                      "run %zu: census %" PRIx64 "+%" PRIu64 " state %#x, grid %" PRIx64
                      "+%" PRIu64 " state %#x", i, a->start, a->pages, a->state, b->start,
                      b->pages, b->state);
    }
    /* the pattern itself, so the comparison is not of two empty lists */
    ck_assert_uint_eq(count_state(&grid, PS_PRESENT), 16 + 7); /* written + zero-page reads */
    ck_assert_uint_eq(count_state(&grid, PS_PRESENT | PS_ZERO), 7);
    if (soft_dirty)
        ck_assert_uint_eq(count_state(&grid, PS_PRESENT | PS_SOFT_DIRTY), 7);
    else
        fprintf(stderr, "t_census_focus_is_the_grid: soft-dirty part skipped (not tracked here)\n");
    /* The focus changes no count: RSS as a sample without it says. */
    struct capture_options without = {.light = true, .previous = full};
    ck_assert_int_eq(capture_snapshot(getpid(), &without, &plain), 0);
    ck_assert(!plain->has_focus);
    const struct region *ra = snapshot_find(light, start), *rb = snapshot_find(plain, start);
    ck_assert_uint_eq(ra->vma->field[SMAPS_RSS], rb->vma->field[SMAPS_RSS]);
    ck_assert_uint_eq(ra->vma->field[SMAPS_RSS], 16 * (uint64_t)page);
    /* A full sample and a gated copy carry no focus: the grid reads its own. */
    ck_assert(!full->has_focus);
    struct snapshot *copy = snapshot_clone(light);
    ck_assert(!copy->has_focus && copy->focus.count == 0);
    snapshot_free(copy);
    page_runs_free(&grid);
    snapshot_free(plain);
    snapshot_free(light);
    snapshot_free(full);
    munmap(below, (1 + n + after) * (size_t)page);
}
END_TEST

/* The fprintf writer `pages -f json` had before the buffered one, kept as
 * the oracle: every byte must stay the same. */
static void old_put_names(FILE *fp, uint64_t bits, int count, const char *(*name_of)(int))
{
    bool first = true;
    for (int b = 0; b < count; b++) {
        if (!(bits >> b & 1))
            continue;
        const char *name = name_of(b);
        char other[16];
        if (!name) {
            snprintf(other, sizeof other, "bit%d", b);
            name = other;
        }
        fprintf(fp, "%s\"%s\"", first ? "" : ", ", name);
        first = false;
    }
}

static void old_runs_json(const struct page_runs *runs, FILE *fp)
{
    for (size_t i = 0; i < runs->count; i++) {
        const struct page_run *r = &runs->items[i];
        fprintf(fp, "%s\n  {\"start\": \"0x%" PRIx64 "\", \"pages\": %" PRIu64 ", \"state\": [",
                i ? "," : "", r->start, r->pages);
        old_put_names(fp, r->state, PAGE_STATE_COUNT, page_state_name);
        fputc(']', fp);
        if (r->has_flags) {
            fputs(", \"flags\": [", fp);
            old_put_names(fp, r->kflags, 64, kpageflag_name);
            fprintf(fp, "], \"mapcount\": %" PRIu64, r->mapcount);
        }
        if (r->has_pfn)
            fprintf(fp, ", \"pfn\": %" PRIu64, r->pfn);
        fputc('}', fp);
    }
    fputs("\n ]\n}\n", fp);
}

static void assert_same_json(const struct page_runs *runs, uint64_t start, uint64_t end)
{
    char *got = NULL, *want = NULL;
    size_t got_len = 0, want_len = 0;
    FILE *g = open_memstream(&got, &got_len), *w = open_memstream(&want, &want_len);
    ck_assert_int_eq(export_pages_json(42, start, end, runs, g), 0);
    fclose(g);
    const char *runs_at = strstr(got, " \"runs\": [");
    ck_assert_ptr_nonnull(runs_at);
    runs_at += strlen(" \"runs\": [");
    old_runs_json(runs, w);
    fclose(w);
    ck_assert_uint_eq(strlen(runs_at), want_len);
    ck_assert(memcmp(runs_at, want, want_len) == 0);
    free(got);
    free(want);
}

START_TEST(t_json_writer_same_bytes)
{
    /* Hand-made runs with every state bit, unnamed flag bits, the largest
     * numbers, a PFN without flags and no runs at all. */
    struct page_run items[] = {
        {0x1000, 1, PS_PRESENT | PS_EXCLUSIVE, true, 7, true, (1ull << 12) | (1ull << 27), 1},
        {0x2000, 3, 0, false, 0, false, 0, 0},
        {0x5000, UINT64_MAX, (1u << PAGE_STATE_COUNT) - 1, true, UINT64_MAX, true, UINT64_MAX,
         UINT64_MAX},
        {0xfffffffffffff000, 1, PS_PRESENT, true, 123456789, false, 0, 0},
        {0x6000, 10, PS_SWAPPED, false, 0, true, 0, 0},
    };
    struct page_runs runs = {.items = items, .count = 5};
    assert_same_json(&runs, 0x1000, 0x7000);
    runs.count = 0;
    assert_same_json(&runs, 0x1000, 0x1000);
    /* A real region: a THP helper's runs as the census reads them. */
    struct helper h;
    helper_start(&h, (const char *[]){"thp", NULL});
    struct page_runs real;
    read_runs(h.pid, helper_value(&h, "start") - 4 * (uint64_t)page,
              helper_value(&h, "end") + 4 * (uint64_t)page, &real);
    assert_same_json(&real, helper_value(&h, "start"), helper_value(&h, "end"));
    page_runs_free(&real);
    helper_stop(&h);
}
END_TEST

/* A swap file for the swap test, on for its test case only (unchecked
 * fixtures run in the parent, so a failing test still turns it off). */
static char swap_path[48];
static bool swap_on;

static void swap_setup(void)
{
    snprintf(swap_path, sizeof swap_path, "/tmp/vmscope-test-swap-%d", (int)getpid());
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "dd if=/dev/zero of=%s bs=1M count=32 status=none && chmod 600 %s && "
             "mkswap %s >/dev/null && swapon %s 2>/dev/null",
             swap_path, swap_path, swap_path, swap_path);
    swap_on = geteuid() == 0 && system(cmd) == 0;
}

static void swap_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "swapoff %s 2>/dev/null; rm -f %s", swap_path, swap_path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", swap_path);
}

START_TEST(t_swapped_pages)
{
    /* 16 pages written, the first 6 paged out. With swap they are swapped
     * (smaps agrees); without swap anonymous pages cannot leave memory. */
    struct helper h;
    helper_start(&h, (const char *[]){"pageout", "16", "6", NULL});
    struct page_runs runs;
    read_runs(h.pid, helper_value(&h, "start"), helper_value(&h, "end"), &runs);
    if (swap_on) {
        ck_assert_uint_eq(count_state(&runs, PS_SWAPPED), 6);
        ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 10);
        ck_assert_uint_eq(runs.items[0].state, PS_SWAPPED);
        ck_assert_uint_eq(runs.items[0].pages, 6);
        /* The snapshot's census and smaps say the same. */
        struct capture_options opt = {.census = true};
        struct snapshot *s;
        ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
        const struct region *r = snapshot_find(s, helper_value(&h, "start"));
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->vma->pages.swapped, 6);
        ck_assert_uint_eq(r->vma->pages.present, 10);
        ck_assert_uint_eq(r->vma->field[SMAPS_SWAP], 6 * (uint64_t)page);
        ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 10 * (uint64_t)page);
        snapshot_free(s);
    } else {
        fprintf(stderr, "no swap could be enabled: checking that the pages stayed\n");
        ck_assert_uint_eq(count_state(&runs, PS_PRESENT), 16);
    }
    page_runs_free(&runs);
    helper_stop(&h);
}
END_TEST

int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    Suite *s = suite_create("pages");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_every_other_page);
    tcase_add_test(tc, t_fork_shares_pages);
    tcase_add_test(tc, t_transparent_huge_pages);
    tcase_add_test(tc, t_private_file_partly_read);
    tcase_add_test(tc, t_command_json_and_text);
    tcase_add_test(tc, t_sparse_64gib_region_is_quick);
    tcase_add_test(tc, t_whole_address_space);
    tcase_add_test(tc, t_census_matches_kernel_files);
    tcase_add_test(tc, t_json_writer_same_bytes);
    tcase_add_test(tc, t_census_focus_is_the_grid);
    suite_add_tcase(s, tc);
    TCase *swap = tcase_create("swap");
    tcase_set_timeout(swap, 60);
    tcase_add_unchecked_fixture(swap, swap_setup, swap_teardown);
    tcase_add_test(swap, t_swapped_pages);
    suite_add_tcase(s, swap);
    return run_suite(s);
}
