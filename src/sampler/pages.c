/* Page runs of an address range (see pages.h). */
#include "vmscope/pages.h"
#include "vmscope/features.h"
#include "vmscope/kernel_abi.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 65536        /* classic entries per pread (512 KiB) */
#define SCAN_VEC 512
#define KPF_ZERO_PAGE 24

/* Frames come in runs of contiguous PFNs (11-25 pages is typical, a THP
 * 512): kpageflags and kpagecount are read once per run, sized to it. A
 * fixed window read 45x more entries than were needed. */
#define KPAGE_RUN_MAX 4096

struct reader {
    int pagemap;
    bool states_only; /* no classic entries for present pages */
    bool no_file;     /* leave PAGE_IS_FILE out of the scan */
    uint64_t psz;
    int kflags_fd, kcount_fd;
    struct page_runs *out;
    uint64_t *entries;
    uint64_t *kflags, *kcount; /* KPAGE_RUN_MAX each: the current run's */
};

/* Flags and map counts of frames [pfn, pfn + n) into r->kflags/kcount;
 * returns how many both files gave (0: none readable). */
static size_t kpage_read_run(struct reader *r, uint64_t pfn, size_t n)
{
    if (r->kflags_fd < 0 || r->kcount_fd < 0)
        return 0;
    ssize_t a = pread(r->kflags_fd, r->kflags, n * 8, (off_t)(pfn * 8));
    if (a < 8)
        return 0;
    ssize_t b = pread(r->kcount_fd, r->kcount, n * 8, (off_t)(pfn * 8));
    if (b < 8)
        return 0;
    return (size_t)(a < b ? a : b) / 8;
}

/* Length of the run of present, contiguous frames starting at entries[i]. */
static size_t pfn_run_length(const uint64_t *e, size_t i, size_t n)
{
    uint64_t pfn = e[i] & PM_PFN_MASK;
    size_t j = i + 1;
    while (j < n && j - i < KPAGE_RUN_MAX && (e[j] & PM_PRESENT) &&
           (e[j] & PM_PFN_MASK) == pfn + (j - i))
        j++;
    return j - i;
}

static void emit_run(struct page_runs *o, uint64_t psz, uint64_t addr, uint64_t pages,
                     unsigned state, bool has_pfn, uint64_t pfn, bool has_flags, uint64_t kflags,
                     uint64_t mapcount)
{
    if (o->count) {
        struct page_run *last = &o->items[o->count - 1];
        if (last->start + last->pages * psz == addr && last->state == state &&
            last->has_pfn == has_pfn && (!has_pfn || last->pfn + last->pages == pfn) &&
            last->has_flags == has_flags && last->kflags == kflags &&
            last->mapcount == mapcount) {
            last->pages += pages;
            return;
        }
    }
    xgrow((void **)&o->items, &o->capacity, o->count + 1, sizeof *o->items);
    o->items[o->count++] = (struct page_run){addr, pages, state, has_pfn, pfn, has_flags,
                                             kflags, mapcount};
}

static void emit(struct reader *r, uint64_t addr, uint64_t pages, unsigned state, bool has_pfn,
                 uint64_t pfn, bool has_flags, uint64_t kflags, uint64_t mapcount)
{
    emit_run(r->out, r->psz, addr, pages, state, has_pfn, pfn, has_flags, kflags, mapcount);
}

void page_runs_add_state(struct page_runs *o, uint64_t page_size, uint64_t addr, uint64_t pages,
                         unsigned state)
{
    emit_run(o, page_size, addr, pages, state, false, 0, false, 0, 0);
}

/* Pages of [s, e) one by one from classic entries. base adds what the
 * scan already knew (FILE, HUGE, ZERO from its categories). */
static int emit_pages(struct reader *r, uint64_t s, uint64_t e, unsigned base)
{
    for (uint64_t a = s; a < e;) {
        size_t want = (size_t)((e - a) / r->psz);
        if (want > BATCH)
            want = BATCH;
        ssize_t got = pread(r->pagemap, r->entries, want * 8, (off_t)(a / r->psz * 8));
        if (got < 0)
            return errno == ESRCH ? -ESRCH : -errno;
        size_t n = (size_t)got / 8;
        if (n == 0)
            return 0; /* past the user address space */
        size_t run_at = 0, run_len = 0, run_got = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = r->entries[i];
            unsigned st = base;
            if (x & PM_PRESENT)
                st |= PS_PRESENT;
            else if (x & PM_GUARD_REGION)
                st |= PS_GUARD;
            else if (x & PM_SWAP)
                st |= PS_SWAPPED;
            if ((x & PM_FILE) && (x & (PM_PRESENT | PM_SWAP)))
                st |= PS_FILE;
            if ((x & PM_MMAP_EXCLUSIVE) && (x & PM_PRESENT))
                st |= PS_EXCLUSIVE;
            if (x & PM_SOFT_DIRTY)
                st |= PS_SOFT_DIRTY;
            uint64_t pfn = x & PM_PFN_MASK, kf = 0, mc = 0;
            bool has_pfn = (x & PM_PRESENT) && pfn != 0;
            bool has_flags = false;
            if (has_pfn) {
                if (i >= run_at + run_len) {
                    run_at = i;
                    run_len = pfn_run_length(r->entries, i, n);
                    run_got = kpage_read_run(r, pfn, run_len);
                }
                if (i - run_at < run_got) {
                    kf = r->kflags[i - run_at];
                    mc = r->kcount[i - run_at];
                    has_flags = true;
                }
            }
            if (has_flags && (kf >> KPF_ZERO_PAGE & 1))
                st |= PS_ZERO;
            if (!(st & (PS_PRESENT | PS_SWAPPED | PS_GUARD)))
                st = 0; /* never touched: nothing else applies */
            emit(r, a + i * r->psz, 1, st, has_pfn, pfn, has_flags, kf, mc);
        }
        a += n * r->psz;
    }
    return 0;
}

unsigned page_state_of_categories(uint64_t cat)
{
    unsigned st = 0;
    if (cat & PAGE_IS_GUARD)
        return PS_GUARD;
    if (cat & PAGE_IS_PRESENT)
        st |= PS_PRESENT;
    else if (cat & PAGE_IS_SWAPPED)
        st |= PS_SWAPPED;
    if (cat & PAGE_IS_FILE)
        st |= PS_FILE;
    if (cat & PAGE_IS_PFNZERO)
        st |= PS_ZERO;
    if (cat & PAGE_IS_HUGE)
        st |= PS_HUGE;
    if (cat & PAGE_IS_SOFT_DIRTY)
        st |= PS_SOFT_DIRTY;
    return st;
}

static int scan_runs(struct reader *r, uint64_t start, uint64_t end)
{
    const struct kernel_features *f = kernel_features();
    struct page_region vec[SCAN_VEC];
    uint64_t cursor = start;
    while (start < end) {
        struct pm_scan_arg a = {
            .size = sizeof a, .start = start, .end = end,
            .vec = (uintptr_t)vec, .vec_len = SCAN_VEC,
            .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
            .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE |
                           (r->no_file ? 0 : PAGE_IS_FILE) | (f->scan_guard ? PAGE_IS_GUARD : 0) |
                           (f->soft_dirty ? PAGE_IS_SOFT_DIRTY : 0),
        };
        memset(vec, 0, sizeof vec); /* valgrind cannot see the ioctl fill it */
        long got = ioctl(r->pagemap, PAGEMAP_SCAN, &a);
        if (got < 0)
            return -errno;
        for (long i = 0; i < got; i++) {
            if (vec[i].start > cursor)
                emit(r, cursor, (vec[i].start - cursor) / r->psz, 0, false, 0, false, 0, 0);
            unsigned st = page_state_of_categories(vec[i].categories);
            int rc = 0;
            if ((st & PS_PRESENT) && !(st & PS_ZERO) && !r->states_only)
                /* Exclusive bits, frames and flags live in the classic entries. */
                rc = emit_pages(r, vec[i].start, vec[i].end, st & (PS_HUGE | PS_FILE));
            else
                emit(r, vec[i].start, (vec[i].end - vec[i].start) / r->psz, st, false, 0, false,
                     0, 0);
            if (rc < 0)
                return rc;
            cursor = vec[i].end;
        }
        uint64_t next = a.walk_end; /* stale after multi-round walks (§4.3) */
        if (got > 0 && vec[got - 1].end > next)
            next = vec[got - 1].end;
        if (next <= start)
            return -EIO;
        start = next;
    }
    if (cursor < end)
        emit(r, cursor, (end - cursor) / r->psz, 0, false, 0, false, 0, 0);
    return 0;
}

static int read_runs(const struct proc_target *t, uint64_t start, uint64_t end,
                     struct page_runs *out, bool states_only, bool with_file)
{
    memset(out, 0, sizeof *out);
    const struct kernel_features *f = kernel_features();
    struct reader r = {.psz = (uint64_t)f->page_size, .out = out, .states_only = states_only,
                       .no_file = !with_file};
    start &= ~(r.psz - 1);
    end = end > UINT64_MAX - r.psz ? UINT64_MAX & ~(r.psz - 1) : (end + r.psz - 1) & ~(r.psz - 1);
    out->pfn_readable = f->pfn_visible;
    if (end <= start)
        return 0;
    r.pagemap = proc_openat(t, "pagemap", O_RDONLY);
    if (r.pagemap < 0)
        return r.pagemap;
    r.kflags_fd = states_only ? -1 : open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    r.kcount_fd = states_only ? -1 : open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
    out->flags_readable = r.kflags_fd >= 0 && r.kcount_fd >= 0 && f->pfn_visible;
    r.entries = xmalloc(BATCH * sizeof *r.entries);
    if (r.kflags_fd >= 0 && r.kcount_fd >= 0) {
        r.kflags = xmalloc(KPAGE_RUN_MAX * sizeof *r.kflags);
        r.kcount = xmalloc(KPAGE_RUN_MAX * sizeof *r.kcount);
    }
    /* Past the top of the user address space (TASK_SIZE: 47 or 56 bits
     * less a page) the kernel refuses the scan: nothing is mapped there. */
    uint64_t limit = end;
    int rc = f->pagemap_scan ? scan_runs(&r, start, limit) : -ENOTTY;
    for (int bits = 47; rc == -EFAULT && bits <= 56; bits += 9) {
        limit = (UINT64_C(1) << bits) - r.psz;
        if (limit <= start || limit >= end)
            continue;
        out->count = 0;
        rc = scan_runs(&r, start, limit);
        if (rc == 0)
            emit(&r, limit, (end - limit) / r.psz, 0, false, 0, false, 0, 0);
    }
    if (rc == -ENOTTY || rc == -EINVAL) { /* no PAGEMAP_SCAN: every entry, the classic way */
        out->count = 0;
        rc = emit_pages(&r, start, end, 0);
    }
    free(r.entries);
    free(r.kflags);
    free(r.kcount);
    close(r.pagemap);
    if (r.kflags_fd >= 0)
        close(r.kflags_fd);
    if (r.kcount_fd >= 0)
        close(r.kcount_fd);
    if (rc < 0)
        page_runs_free(out);
    return rc;
}

int pages_read(const struct proc_target *t, uint64_t start, uint64_t end, struct page_runs *out)
{
    return read_runs(t, start, end, out, false, true);
}

int pages_read_states(const struct proc_target *t, uint64_t start, uint64_t end, bool with_file,
                      struct page_runs *out)
{
    return read_runs(t, start, end, out, true, with_file);
}
