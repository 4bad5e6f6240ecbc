/* Page census through PAGEMAP_SCAN, or classic pagemap entries (pagemap.h). */
#include "vmscope/pagemap.h"
#include "vmscope/features.h"
#include "vmscope/kernel_abi.h"
#include "vmscope/pages.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 512 KiB of entries per pread: the measured sweet spot (§4.5). */
#define CLASSIC_BATCH 65536
/* One PAGEMAP_SCAN bounce round holds 512 regions; more per call only
 * triggers the stale walk_end quirk more often without saving syscalls. */
#define SCAN_VEC_LEN 512
/* Addresses from here up are the kernel's (the [vsyscall] gate VMA). */
#define USER_ADDR_LIMIT (UINT64_C(1) << 63)

int pagemap_open(struct pagemap_reader *r, const struct proc_target *t)
{
    memset(r, 0, sizeof *r);
    const struct kernel_features *f = kernel_features();
    r->fd = proc_openat(t, "pagemap", O_RDONLY);
    if (r->fd < 0)
        return r->fd;
    r->page_size = f->page_size;
    r->use_scan = f->pagemap_scan;
    r->measured = CENSUS_EXCLUSIVE | (f->soft_dirty ? CENSUS_SOFT_DIRTY : 0) |
                  (r->use_scan ? CENSUS_HUGE | CENSUS_ZERO : 0);
    r->entries = xmalloc(CLASSIC_BATCH * sizeof *r->entries);
    r->entries_cap = CLASSIC_BATCH;
    /* calloc: valgrind cannot see the kernel fill this through an ioctl it
     * does not know, and would report every read of it. */
    r->vec = xcalloc(SCAN_VEC_LEN, sizeof(struct page_region));
    r->vec_len = SCAN_VEC_LEN;
    return 0;
}

void pagemap_close(struct pagemap_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->entries);
    free(r->vec);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

void pagemap_force_classic(struct pagemap_reader *r)
{
    r->use_scan = false;
    r->measured &= ~(unsigned)(CENSUS_HUGE | CENSUS_ZERO);
}

void pagemap_set_light(struct pagemap_reader *r)
{
    r->light = true;
    if (r->use_scan) /* the classic path reads every bit anyway */
        r->measured &= ~(unsigned)CENSUS_EXCLUSIVE;
}

void pagemap_count_entries(const uint64_t *e, size_t n, struct page_census *c)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = e[i];
        if (!(x & (PM_PRESENT | PM_SWAP)))
            continue;
        if (x & PM_PRESENT) {
            c->present++;
            if (x & PM_MMAP_EXCLUSIVE)
                c->exclusive++;
        } else if (x & PM_GUARD_REGION) {
            c->guard++; /* a guard marker is a non-present entry, not swap */
            continue;
        } else {
            c->swapped++;
        }
        if (x & PM_FILE)
            c->file++;
        if (x & PM_SOFT_DIRTY)
            c->soft_dirty++;
    }
}

static int read_entries(struct pagemap_reader *r, uint64_t addr, size_t pages, size_t *got)
{
    size_t psz = (size_t)r->page_size;
    ssize_t n;
    do {
        n = pread(r->fd, r->entries, pages * 8, (off_t)(addr / psz * 8));
    } while (n < 0 && errno == EINTR);
    r->preads++;
    if (n < 0)
        return errno == ESRCH ? -ESRCH : -errno;
    *got = (size_t)n / 8;
    return 0;
}

static int census_classic(struct pagemap_reader *r, struct vma *v)
{
    uint64_t psz = (uint64_t)r->page_size;
    for (uint64_t a = v->start; a < v->end;) {
        size_t pages = (size_t)((v->end - a) / psz);
        if (pages > r->entries_cap)
            pages = r->entries_cap;
        size_t got;
        int rc = read_entries(r, a, pages, &got);
        if (rc < 0)
            return rc;
        if (got == 0)
            break; /* end of the user address space */
        pagemap_count_entries(r->entries, got, &v->pages);
        a += got * psz;
    }
    return 0;
}

/* Classic entries are read in windows so many small present ranges close
 * together cost one pread, not one each. */
struct excl_window {
    uint64_t start; /* vaddr of entries[0] */
    size_t pages;   /* valid entries */
};

static int count_exclusive(struct pagemap_reader *r, struct excl_window *w, uint64_t s,
                           uint64_t e, uint64_t *out)
{
    uint64_t psz = (uint64_t)r->page_size;
    while (s < e) {
        uint64_t wend = w->start + w->pages * psz;
        if (!(s >= w->start && s < wend)) {
            size_t got;
            int rc = read_entries(r, s, r->entries_cap, &got);
            if (rc < 0)
                return rc;
            if (got == 0)
                return 0;
            w->start = s;
            w->pages = got;
            wend = s + got * psz;
        }
        uint64_t stop = e < wend ? e : wend;
        for (uint64_t a = s; a < stop; a += psz)
            if (r->entries[(a - w->start) / psz] & PM_MMAP_EXCLUSIVE)
                (*out)++;
        s = stop;
    }
    return 0;
}

/* Add the pages of one scanned range [s, e) with categories cat to v. */
static int account_range(struct pagemap_reader *r, struct excl_window *w, struct vma *v,
                         uint64_t s, uint64_t e, uint64_t cat)
{
    uint64_t pages = (e - s) / (uint64_t)r->page_size;
    struct page_census *c = &v->pages;
    if (cat & PAGE_IS_GUARD) {
        c->guard += pages; /* guards also carry SWAPPED: check them first */
        return 0;
    }
    if (cat & PAGE_IS_PRESENT)
        c->present += pages;
    else if (cat & PAGE_IS_SWAPPED)
        c->swapped += pages;
    if (cat & PAGE_IS_FILE)
        c->file += pages;
    if (cat & PAGE_IS_PFNZERO)
        c->zero += pages;
    if (cat & PAGE_IS_HUGE)
        c->huge += pages;
    if ((cat & PAGE_IS_SOFT_DIRTY) && !r->light) /* asked for the focus alone */
        c->soft_dirty += pages;
    if ((cat & PAGE_IS_PRESENT) && !(cat & PAGE_IS_PFNZERO) && !r->light)
        return count_exclusive(r, w, s, e, &c->exclusive);
    return 0;
}

/* The focus's share of one scanned range [s, e), the gap before it
 * (pages not present, not swapped) included; *cursor: where the focus's
 * runs end so far. */
static void add_focus(struct pagemap_reader *r, uint64_t *cursor, uint64_t s, uint64_t e,
                      uint64_t cat)
{
    uint64_t psz = (uint64_t)r->page_size;
    uint64_t lo = s > *cursor ? s : *cursor;
    uint64_t hi = e < r->focus_end ? e : r->focus_end;
    if (lo >= hi)
        return;
    if (lo > *cursor)
        page_runs_add_state(r->focus, psz, *cursor, (lo - *cursor) / psz, 0);
    page_runs_add_state(r->focus, psz, lo, (hi - lo) / psz, page_state_of_categories(cat));
    *cursor = hi;
}

static int census_scan(struct pagemap_reader *r, struct vma *vmas, size_t n)
{
    const struct kernel_features *f = kernel_features();
    struct page_region *vec = r->vec;
    struct excl_window w = {0, 0};
    /* The focus's states are the page grid's: with soft-dirty (the light
     * census counts without it; account_range leaves it out there). */
    uint64_t ret_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO | PAGE_IS_HUGE |
                        (r->light ? 0 : PAGE_IS_FILE) | (f->scan_guard ? PAGE_IS_GUARD : 0) |
                        (f->soft_dirty && (!r->light || r->focus) ? PAGE_IS_SOFT_DIRTY : 0);
    uint64_t focus_at = r->focus_start;
    uint64_t start = vmas[0].start, end = vmas[n - 1].end;
    size_t k = 0; /* VMA cursor: scanned ranges come in address order */
    while (start < end) {
        struct pm_scan_arg a = {
            .size = sizeof a, .start = start, .end = end,
            .vec = (uintptr_t)vec, .vec_len = r->vec_len,
            .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
            .return_mask = ret_mask,
        };
        long got = ioctl(r->fd, PAGEMAP_SCAN, &a);
        r->ioctls++;
        if (got < 0)
            return errno == EINTR ? -EINTR : -errno;
        for (long i = 0; i < got; i++) {
            uint64_t s = vec[i].start, e = vec[i].end;
            if (r->focus)
                add_focus(r, &focus_at, s, e, vec[i].categories);
            /* A range may span several adjacent VMAs: split it. */
            while (s < e && k < n) {
                if (vmas[k].end <= s) {
                    k++;
                    continue;
                }
                uint64_t ps = s > vmas[k].start ? s : vmas[k].start;
                uint64_t pe = e < vmas[k].end ? e : vmas[k].end;
                if (ps < pe) {
                    int rc = account_range(r, &w, &vmas[k], ps, pe, vec[i].categories);
                    if (rc < 0)
                        return rc;
                }
                if (e <= vmas[k].end)
                    break;
                s = vmas[k].end;
            }
        }
        /* walk_end can be stale after a multi-round call (§4.3): never
         * resume before the last reported range. */
        uint64_t next = a.walk_end;
        if (got > 0 && vec[got - 1].end > next)
            next = vec[got - 1].end;
        if (next <= start)
            return -EIO;
        start = next;
    }
    if (r->focus && focus_at < r->focus_end) /* not present to its end */
        page_runs_add_state(r->focus, (uint64_t)r->page_size, focus_at,
                            (r->focus_end - focus_at) / (uint64_t)r->page_size, 0);
    return 0;
}

int pagemap_census(struct pagemap_reader *r, struct vma *vmas, size_t n)
{
    size_t user = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&vmas[i].pages, 0, sizeof vmas[i].pages);
        vmas[i].has_census = vmas[i].start < USER_ADDR_LIMIT;
        if (vmas[i].has_census)
            user = i + 1;
    }
    r->focus_done = false;
    if (user == 0)
        return 0;
    if (r->focus && (!r->light || r->focus_end <= r->focus_start))
        r->focus = NULL; /* a full census has the FILE category: not the grid's states */
    if (r->use_scan) {
        int rc = census_scan(r, vmas, user);
        if (r->focus && rc != 0)
            page_runs_free(r->focus); /* cut short, or no PAGEMAP_SCAN after all */
        r->focus_done = r->focus && rc == 0;
        if (r->focus_done) /* as pages_read_states says it */
            r->focus->pfn_readable = kernel_features()->pfn_visible;
        if (rc != -ENOTTY && rc != -EINVAL)
            return rc;
        /* The kernel refused the ioctl after all: start over the classic way. */
        pagemap_force_classic(r);
        for (size_t i = 0; i < user; i++)
            memset(&vmas[i].pages, 0, sizeof vmas[i].pages);
    }
    for (size_t i = 0; i < user; i++) {
        int rc = census_classic(r, &vmas[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
