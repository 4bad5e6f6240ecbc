/* kernel_abi: UAPI definitions newer than the installed 6.1 headers
 * (PAGEMAP_SCAN 6.7, PAGE_IS_GUARD 6.16, PROCMAP_QUERY 6.11) and the classic
 * pagemap entry bits. Each is guarded so newer headers win; the layouts are
 * checked with static assertions. Whether the running kernel has them is
 * decided at run time by features.c, never from these definitions. */
#ifndef VMSCOPE_KERNEL_ABI_H
#define VMSCOPE_KERNEL_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#define PAGE_IS_HUGE (1 << 6)
#define PAGE_IS_SOFT_DIRTY (1 << 7)
struct page_region {
    uint64_t start; /* inclusive */
    uint64_t end;   /* exclusive */
    uint64_t categories;
};
struct pm_scan_arg {
    uint64_t size; /* must equal sizeof exactly */
    uint64_t flags;
    uint64_t start;
    uint64_t end;
    uint64_t walk_end; /* out; stale after multi-round walks (§4.3) */
    uint64_t vec;
    uint64_t vec_len;
    uint64_t max_pages;
    uint64_t category_inverted;
    uint64_t category_mask;
    uint64_t category_anyof_mask;
    uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD (1 << 8)
#endif
_Static_assert(sizeof(struct pm_scan_arg) == 96, "pm_scan_arg layout");
_Static_assert(sizeof(struct page_region) == 24, "page_region layout");

#ifndef PROCMAP_QUERY
struct procmap_query {
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start;
    uint64_t vma_end;
    uint64_t vma_flags;
    uint64_t vma_page_size;
    uint64_t vma_offset;
    uint64_t inode;
    uint32_t dev_major;
    uint32_t dev_minor;
    uint32_t vma_name_size;
    uint32_t build_id_size;
    uint64_t vma_name_addr;
    uint64_t build_id_addr;
};
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif
_Static_assert(sizeof(struct procmap_query) == 104, "procmap_query layout");

/* Classic /proc/PID/pagemap entry bits. */
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define PM_SOFT_DIRTY (UINT64_C(1) << 55)
#define PM_MMAP_EXCLUSIVE (UINT64_C(1) << 56)
#define PM_UFFD_WP (UINT64_C(1) << 57)
#define PM_GUARD_REGION (UINT64_C(1) << 58)
#define PM_FILE (UINT64_C(1) << 61)
#define PM_SWAP (UINT64_C(1) << 62)
#define PM_PRESENT (UINT64_C(1) << 63)

#endif
