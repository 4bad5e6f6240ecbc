/* pages: the state of every page of an address range, as runs of pages
 * with the same state (present, swapped, file, zero page, huge, soft-dirty,
 * exclusive, guard), and, where the reader may see them, their physical
 * frames, kernel page flags (/proc/kpageflags) and map counts
 * (/proc/kpagecount). PAGEMAP_SCAN finds the populated ranges; classic
 * pagemap entries and kpageflags are read for those pages alone. */
#ifndef VMSCOPE_PAGES_H
#define VMSCOPE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/procfs.h"

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
/* Fills out with runs covering [start, end) in order (page aligned).
 * Returns 0 or -errno (-ESRCH: the process exited). */
int pages_read(const struct proc_target *t, uint64_t start, uint64_t end, struct page_runs *out);
/* The same without the per-page reads: states only (present, swapped,
 * zero, huge, soft-dirty, guard, and file when with_file; no exclusive,
 * frames or flags). With PAGEMAP_SCAN this costs about one walk of the
 * range's page tables, for a page grid of a region of any size. The file
 * category costs a page lookup per PTE: leave it out for private anonymous
 * memory, which has no file pages. */
int pages_read_states(const struct proc_target *t, uint64_t start, uint64_t end, bool with_file,
                      struct page_runs *out);

#endif
