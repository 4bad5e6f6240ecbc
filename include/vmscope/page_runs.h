/* page_runs (util: plain data, no reads): the page states of an address
 * range as runs of pages with the same state, as the sampler reads them
 * (pages.h) and a screen shows them; and the request with which the page
 * grid asks the loop for them (the screens read nothing themselves). */
#ifndef VMSCOPE_PAGE_RUNS_H
#define VMSCOPE_PAGE_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum page_state {
    PS_PRESENT = 1 << 0,
    PS_SWAPPED = 1 << 1,
    PS_FILE = 1 << 2,      /* file-backed or shmem */
    PS_ZERO = 1 << 3,      /* the shared zero page */
    PS_HUGE = 1 << 4,      /* PMD-mapped THP or hugetlb */
    PS_SOFT_DIRTY = 1 << 5,
    PS_EXCLUSIVE = 1 << 6, /* mapped exactly once */
    PS_GUARD = 1 << 7,     /* MADV_GUARD_INSTALL marker */
};
#define PAGE_STATE_COUNT 8
/* "present", "swapped", ... for bit i. */
const char *page_state_name(int bit);

/* kpageflags bit names as the kernel's page-types prints them. */
const char *kpageflag_name(int bit); /* NULL for bits without a name */

struct page_run {
    uint64_t start;    /* address of the first page */
    uint64_t pages;
    unsigned state;    /* enum page_state bits; 0 = not present */
    bool has_pfn;      /* PFNs were readable (and the pages are present) */
    uint64_t pfn;      /* first page's frame; the run's frames are consecutive */
    bool has_flags;    /* kpageflags/kpagecount were readable */
    uint64_t kflags;   /* kpageflags of every page in the run */
    uint64_t mapcount; /* kpagecount of every page in the run */
};

struct page_runs {
    struct page_run *items;
    size_t count, capacity;
    bool pfn_readable;   /* the reader sees PFNs (CAP_SYS_ADMIN) */
    bool flags_readable; /* /proc/kpageflags and kpagecount opened */
};

void page_runs_free(struct page_runs *r);
/* What the Detail grid needs for one region at one sample. */
struct page_request {
    uint64_t start, end;           /* the region */
    bool with_file;                /* private anonymous memory has no file pages */
    bool full;                     /* small region: every page in full (flags histogram) */
    uint64_t window_lo, window_hi; /* one page per cell: the pages on screen in full, or 0, 0 */
    uint64_t page;                 /* the cursor's page, read in full */
    uint64_t stamp;                /* the sample (monotonic_ns) it belongs to */
    bool states_given;             /* the states came with the sample (its census): read the rest */
};

/* What the source answered; err < 0 when it could not read (note says
 * why, for the screen). */
struct page_answer {
    struct page_runs states, full, window, one;
    int err;
    const char *note;
};

void page_answer_free(struct page_answer *a);
bool page_request_equal(const struct page_request *a, const struct page_request *b);

#endif
