/* features: what the running kernel and our privileges allow, probed once
 * on our own process (never decided from uname or the headers). */
#ifndef VMSCOPE_FEATURES_H
#define VMSCOPE_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct kernel_features {
    bool pagemap_scan;  /* PAGEMAP_SCAN ioctl (6.7+) */
    bool scan_guard;    /* PAGE_IS_GUARD category (6.16+) */
    bool procmap_query; /* PROCMAP_QUERY ioctl (6.11+) */
    bool soft_dirty;    /* CONFIG_MEM_SOFT_DIRTY: pagemap bit 55 is live */
    bool pfn_visible;   /* we may see PFNs (CAP_SYS_ADMIN in the init userns) */
    bool kpageflags;    /* /proc/kpageflags is readable */
    bool gate_vma;      /* maps ends with the [vsyscall] gate VMA */
    long page_size;
    uint64_t mmap_min_addr; /* /proc/sys/vm/mmap_min_addr; 0 when unreadable */
    char kernel_release[65];
};

const struct kernel_features *kernel_features(void);

struct buf;
/* What vmscope -V prints: the kernel, then one line per probe that changes
 * what vmscope can show ("PAGEMAP_SCAN: yes ..."), saying what it costs when
 * a probe failed. */
void kernel_features_describe(const struct kernel_features *f, struct buf *out);

#endif
