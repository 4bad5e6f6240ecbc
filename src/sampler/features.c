/* Run-time kernel feature probes, done once on our own process. */
#include "vmscope/features.h"
#include "vmscope/buf.h"
#include "vmscope/kernel_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

static struct kernel_features features;
static bool probed;

static bool probe_scan(int fd, uint64_t page, uint64_t psz, uint64_t return_mask)
{
    struct page_region vec[1];
    struct pm_scan_arg a = {
        .size = sizeof a, .start = page, .end = page + psz,
        .vec = (uintptr_t)vec, .vec_len = 1, .return_mask = return_mask,
    };
    /* ENOTTY: no ioctl at all (< 6.7); EINVAL: unknown category bits. */
    return ioctl(fd, PAGEMAP_SCAN, &a) >= 0;
}

static void probe(void)
{
    struct kernel_features *f = &features;
    f->page_size = sysconf(_SC_PAGESIZE);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(f->kernel_release, sizeof f->kernel_release, "%s", u.release);
    }
    uint64_t psz = (uint64_t)f->page_size;
    unsigned char *page = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (page != MAP_FAILED && fd >= 0) {
        *(volatile unsigned char *)page = 1;
        uint64_t addr = (uintptr_t)page;
        f->pagemap_scan = probe_scan(fd, addr, psz, PAGE_IS_PRESENT);
        f->scan_guard = f->pagemap_scan && probe_scan(fd, addr, psz, PAGE_IS_PRESENT | PAGE_IS_GUARD);
        uint64_t e = 0;
        if (pread(fd, &e, sizeof e, (off_t)(addr / psz * 8)) == (ssize_t)sizeof e) {
            /* A freshly faulted page is soft-dirty wherever the kernel tracks it. */
            f->soft_dirty = (e & PM_SOFT_DIRTY) != 0;
            f->pfn_visible = (e & PM_PRESENT) && (e & PM_PFN_MASK) != 0;
        }
    }
    if (fd >= 0)
        close(fd);
    if (page != MAP_FAILED)
        munmap(page, psz);

    fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        /* The gate VMA is always printed last; when it exists, a maps or
         * smaps read that does not end with it was cut short. */
        struct buf maps;
        buf_init(&maps);
        static const char gate[] = "[vsyscall]\n";
        if (buf_read_fd(&maps, fd) == 0 && maps.len >= sizeof gate - 1)
            f->gate_vma = memcmp(maps.data + maps.len - (sizeof gate - 1), gate, sizeof gate - 1) == 0;
        buf_free(&maps);
        struct procmap_query q = {.size = sizeof q, .query_addr = (uintptr_t)&probe};
        f->procmap_query = ioctl(fd, PROCMAP_QUERY, &q) == 0;
        close(fd);
    }
    FILE *fp = fopen("/proc/sys/vm/mmap_min_addr", "re");
    if (fp) {
        unsigned long long min = 0;
        if (fscanf(fp, "%llu", &min) == 1)
            f->mmap_min_addr = min;
        fclose(fp);
    }
    fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        f->kpageflags = true;
        close(fd);
    }
}

const struct kernel_features *kernel_features(void)
{
    if (!probed) {
        probe();
        probed = true;
    }
    return &features;
}

void kernel_features_describe(const struct kernel_features *f, struct buf *out)
{
    buf_printf(out, "kernel: Linux %s, %ld-byte pages\n",
               f->kernel_release[0] ? f->kernel_release : "(unknown)", f->page_size);
    buf_printf(out, "PAGEMAP_SCAN: %s\n",
               f->pagemap_scan ? (f->scan_guard ? "yes (with guard pages)" : "yes")
                               : "no (Linux 6.7+; page census reads pagemap entry by entry)");
    buf_printf(out, "PROCMAP_QUERY: %s\n",
               f->procmap_query ? "yes (not used yet: vmscope reads /proc/PID/maps)"
                                : "no (Linux 6.11+; vmscope reads /proc/PID/maps)");
    buf_printf(out, "kpageflags: %s\n",
               !f->kpageflags    ? "not readable (needs root: no kernel page flags)"
               : f->pfn_visible ? "readable"
                                : "readable, but frame numbers are hidden (needs CAP_SYS_ADMIN)");
}
