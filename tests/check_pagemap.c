/* Page census tests: the entry decoder on known bit patterns, and the live
 * census (PAGEMAP_SCAN and the classic fallback) on helpers whose pages
 * are known exactly. */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/features.h"
#include "vmscope/kernel_abi.h"
#include "vmscope/pagemap.h"
#include "vmscope/procfs.h"
#include "vmscope/smaps.h"
#include "vmscope/util.h"

START_TEST(t_decoder_bits)
{
    const uint64_t e[] = {
        0,                                                /* never touched */
        PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1234,          /* private written page */
        PM_PRESENT | PM_FILE,                             /* shared file page */
        PM_SWAP | 0x20,                                   /* swapped anon page */
        PM_SWAP | PM_GUARD_REGION | 0x9f,                 /* guard marker (§5.1) */
        PM_PRESENT | PM_SOFT_DIRTY | PM_MMAP_EXCLUSIVE,   /* soft-dirty page */
        PM_SWAP | PM_FILE,                                /* swapped shmem page */
    };
    struct page_census c;
    memset(&c, 0, sizeof c);
    pagemap_count_entries(e, sizeof e / sizeof e[0], &c);
    ck_assert_uint_eq(c.present, 3);
    ck_assert_uint_eq(c.exclusive, 2);
    ck_assert_uint_eq(c.file, 2);
    ck_assert_uint_eq(c.swapped, 2);
    ck_assert_uint_eq(c.guard, 1);
    ck_assert_uint_eq(c.soft_dirty, 1);
}
END_TEST

/* Read the helper's VMAs from smaps and census them with the given path. */
static void census_helper(pid_t pid, bool classic, struct vma_list *l, unsigned *measured)
{
    struct proc_target t;
    ck_assert_int_eq(proc_target_open(&t, pid), 0);
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(proc_read_file(&t, "maps", &b), 0);
    vma_list_init(l);
    ck_assert_uint_eq(smaps_parse_buffer(b.data, b.len, l), 0);
    buf_free(&b);
    struct pagemap_reader r;
    ck_assert_int_eq(pagemap_open(&r, &t), 0);
    if (classic)
        pagemap_force_classic(&r);
    ck_assert_int_eq(pagemap_census(&r, l->items, l->count), 0);
    *measured = r.measured;
    if (!classic && kernel_features()->pagemap_scan)
        ck_assert_uint_gt(r.ioctls, 0);
    pagemap_close(&r);
    proc_target_close(&t);
}

static const struct vma *vma_at(const struct vma_list *l, uint64_t addr)
{
    long i = vma_list_find(l->items, l->count, addr);
    ck_assert_int_ge(i, 0);
    return &l->items[i];
}

START_TEST(t_sparse_region_both_paths)
{
    /* 64 MiB with every other page of the first 12 written: 6 present. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16384", "6", NULL});
    uint64_t start = helper_value(&h, "start");
    for (int classic = 0; classic < 2; classic++) {
        struct vma_list l;
        unsigned measured;
        census_helper(h.pid, classic, &l, &measured);
        const struct vma *v = vma_at(&l, start);
        ck_assert(v->has_census);
        ck_assert_uint_eq(v->pages.present, 6);
        ck_assert_uint_eq(v->pages.exclusive, 6);
        ck_assert_uint_eq(v->pages.file, 0);
        ck_assert_uint_eq(v->pages.swapped, 0);
        ck_assert(measured & CENSUS_EXCLUSIVE);
        /* The fences are PROT_NONE and empty. */
        ck_assert_uint_eq(vma_at(&l, start - 1)->pages.present, 0);
        vma_list_free(&l);
    }
    helper_stop(&h);
}
END_TEST

START_TEST(t_census_matches_between_paths)
{
    /* Every VMA of a real process: both paths must agree on what both
     * measure (present, swapped, file, and exclusive for anonymous memory). */
    struct helper h;
    helper_start(&h, (const char *[]){"thread", "128", NULL});
    struct vma_list a, b;
    unsigned ma, mb;
    census_helper(h.pid, false, &a, &ma);
    census_helper(h.pid, true, &b, &mb);
    ck_assert_uint_eq(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        const struct vma *x = &a.items[i], *y = &b.items[i];
        ck_assert_uint_eq(x->start, y->start);
        ck_assert_msg(x->pages.present == y->pages.present, "%s present %llu vs %llu", x->name,
                      (unsigned long long)x->pages.present, (unsigned long long)y->pages.present);
        ck_assert_uint_eq(x->pages.swapped, y->pages.swapped);
        ck_assert_uint_eq(x->pages.file, y->pages.file);
        /* File pages become shared whenever another process maps them, so
         * only anonymous memory has a stable exclusive count. */
        if (x->inode == 0)
            ck_assert_uint_eq(x->pages.exclusive, y->pages.exclusive);
    }
    vma_list_free(&a);
    vma_list_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_shared_after_fork)
{
    /* After fork the written pages are mapped twice: present but no
     * longer exclusive, and smaps calls them Shared_Dirty with Pss halved. */
    struct helper h;
    helper_start(&h, (const char *[]){"fork", "8", NULL});
    struct capture_options opt = {.census = true};
    struct snapshot *s;
    ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
    const struct region *r = snapshot_find(s, helper_value(&h, "start"));
    ck_assert_ptr_nonnull(r);
    long page = sysconf(_SC_PAGESIZE);
    ck_assert_uint_eq(r->vma->pages.present, 8);
    ck_assert_uint_eq(r->vma->pages.exclusive, 0);
    ck_assert_uint_eq(r->vma->field[SMAPS_SHARED_DIRTY], 8 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_PSS], 4 * (uint64_t)page);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_memfd_pages_are_file)
{
    struct helper h;
    helper_start(&h, (const char *[]){"memfd", "census", "5", NULL});
    struct vma_list l;
    unsigned measured;
    census_helper(h.pid, false, &l, &measured);
    const struct vma *v = vma_at(&l, helper_value(&h, "start"));
    ck_assert_uint_eq(v->pages.present, 5);
    ck_assert_uint_eq(v->pages.file, 5);
    vma_list_free(&l);
    helper_stop(&h);
}
END_TEST

START_TEST(t_scan_reports_zero_page_where_available)
{
    /* Our own process: a read-only touch maps the shared zero page. */
    if (!kernel_features()->pagemap_scan)
        return; /* the classic path cannot see PFNZERO; covered by the decoder test */
    long page = sysconf(_SC_PAGESIZE);
    size_t len = 8 * (size_t)page;
    volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(p != MAP_FAILED);
    char sum = 0;
    for (int i = 0; i < 3; i++)
        sum += p[i * page]; /* read: zero page */
    p[5 * page] = sum + 1;  /* write: a real page */
    struct vma_list l;
    unsigned measured;
    census_helper(getpid(), false, &l, &measured);
    const struct vma *v = vma_at(&l, (uintptr_t)p);
    ck_assert(measured & CENSUS_ZERO);
    ck_assert_uint_ge(v->pages.zero, 3);
    ck_assert_uint_ge(v->pages.present, 4);
    vma_list_free(&l);
    munmap((void *)p, len);
}
END_TEST

START_TEST(t_light_sample_residency)
{
    /* A light sample's RSS comes from the residency census and must match
     * what smaps says; the other fields come from the previous full sample. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "64", "9", NULL});
    struct snapshot *full, *light;
    ck_assert_int_eq(capture_snapshot(h.pid, NULL, &full), 0);
    struct capture_options opt = {.light = true, .previous = full};
    ck_assert_int_eq(capture_snapshot(h.pid, &opt, &light), 0);
    ck_assert(light->light);
    ck_assert(!full->light);
    long page = sysconf(_SC_PAGESIZE);
    const struct region *r = snapshot_find(light, helper_value(&h, "start"));
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 9 * (uint64_t)page);
    ck_assert_uint_eq(r->vma->field[SMAPS_PSS], 9 * (uint64_t)page); /* carried */
    ck_assert_int_eq(r->cls, RC_MMAP);
    ck_assert_uint_eq(light->n_regions, full->n_regions);
    /* Every anonymous region agrees with smaps (file pages may come and go). */
    for (size_t i = 0; i < light->n_regions; i++) {
        const struct vma *a = light->regions[i].vma, *b = full->regions[i].vma;
        ck_assert_uint_eq(a->start, b->start);
        if (a->inode == 0 && a->name[0] == '\0')
            ck_assert_msg(a->field[SMAPS_RSS] == b->field[SMAPS_RSS], "%llx: %llu vs %llu",
                          (unsigned long long)a->start, (unsigned long long)a->field[SMAPS_RSS],
                          (unsigned long long)b->field[SMAPS_RSS]);
    }
    snapshot_free(light);
    snapshot_free(full);
    helper_stop(&h);
}
END_TEST

/* The gate: an idle process's status does not move, so a gated sample is
 * the previous one again (maps not read); a region mapped since, and pages
 * written since, show in the next gated sample. */
START_TEST(t_gated_sample_sees_changes)
{
    long page = sysconf(_SC_PAGESIZE);
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "3", NULL});
    uint64_t base = helper_value(&h, "base");
    struct snapshot *prev, *s;
    ck_assert_int_eq(capture_snapshot(h.pid, NULL, &prev), 0);
    struct capture_options opt = {.light = true, .gate = true, .previous = prev};
    ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
    ck_assert(s->gated && s->light);
    ck_assert_uint_eq(s->n_regions, prev->n_regions);
    ck_assert_ptr_null(snapshot_find(s, base));
    ck_assert_uint_gt(s->monotonic_ns, prev->monotonic_ns);
    snapshot_free(prev);
    prev = s;
    ck_assert_int_eq(write(h.stdin_fd, "x", 1), 1); /* map them now */
    /* mapping i: i + 1 pages written, one page of gap after it */
    uint64_t third = base + 5 * (uint64_t)page;
    const struct region *r = NULL;
    for (uint64_t give_up = clock_monotonic_ns() + 5000000000ull; clock_monotonic_ns() < give_up;) {
        opt.previous = prev;
        ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
        snapshot_free(prev);
        prev = s;
        if ((r = snapshot_find(s, third)) && r->vma->field[SMAPS_RSS] == 3 * (uint64_t)page)
            break;
        usleep(10000);
    }
    ck_assert_msg(r && r->vma->field[SMAPS_RSS] == 3 * (uint64_t)page, "the third mapping never showed");
    ck_assert(!s->gated);
    r = snapshot_find(s, base);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], (uint64_t)page);
    snapshot_free(s);
    helper_stop(&h);

    /* A region whose pages are written one every 30 ms: gated samples see
     * its RSS grow page by page (never a gated copy of a stale one). */
    helper_start(&h, (const char *[]){"grow", "12", "30", NULL});
    uint64_t start = helper_value(&h, "start");
    ck_assert_int_eq(capture_snapshot(h.pid, NULL, &prev), 0);
    int seen = 0;
    uint64_t last = UINT64_MAX;
    for (uint64_t give_up = clock_monotonic_ns() + 10000000000ull; clock_monotonic_ns() < give_up;) {
        opt.previous = prev;
        ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
        snapshot_free(prev);
        prev = s;
        r = snapshot_find(s, start);
        ck_assert_ptr_nonnull(r);
        if (r->vma->field[SMAPS_RSS] != last)
            seen++;
        last = r->vma->field[SMAPS_RSS];
        if (last == 12 * (uint64_t)page)
            break;
        usleep(5000);
    }
    ck_assert_uint_eq(last, 12 * (uint64_t)page);
    ck_assert_int_ge(seen, 4); /* it followed the growth, not only its end */
    snapshot_free(prev);
    helper_stop(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pagemap");
    TCase *unit = tcase_create("decoder");
    tcase_add_test(unit, t_decoder_bits);
    suite_add_tcase(s, unit);
    TCase *live = tcase_create("live");
    tcase_set_timeout(live, 60);
    tcase_add_test(live, t_sparse_region_both_paths);
    tcase_add_test(live, t_census_matches_between_paths);
    tcase_add_test(live, t_shared_after_fork);
    tcase_add_test(live, t_memfd_pages_are_file);
    tcase_add_test(live, t_scan_reports_zero_page_where_available);
    tcase_add_test(live, t_light_sample_residency);
    tcase_add_test(live, t_gated_sample_sees_changes);
    suite_add_tcase(s, live);
    return run_suite(s);
}
