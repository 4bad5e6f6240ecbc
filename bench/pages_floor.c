/* pages_floor: the least work that yields every page's PFN, kernel flags and map count, the
 * floor `vmscope pages` is measured against (bench_census.sh).
 * usage: pages_floor PID START END   (hex addresses; needs root)
 * One PAGEMAP_SCAN walk for the present runs, one pagemap pread per run, and one kpageflags
 * and one kpagecount pread per run of contiguous PFNs. Prints the pages, the PFN runs and a
 * checksum of the flags so the work cannot be optimised away. Uses only vmscope's copy of the
 * kernel ABI (older headers lack PAGEMAP_SCAN), no libvmscope code. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmscope/kernel_abi.h"

#define PFN_MASK ((UINT64_C(1) << 55) - 1)
#define PRESENT (UINT64_C(1) << 63)
#define VEC 512
#define MAX_PAGES 65536

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PID START END\n", argv[0]);
        return 2;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/pagemap", argv[1]);
    uint64_t start = strtoull(argv[2], NULL, 16), end = strtoull(argv[3], NULL, 16);
    int pm = open(path, O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY),
        kc = open("/proc/kpagecount", O_RDONLY);
    if (pm < 0 || kf < 0 || kc < 0) {
        perror("pages_floor: open");
        return 1;
    }
    static struct page_region vec[VEC];
    static uint64_t ent[MAX_PAGES], flags[MAX_PAGES], counts[MAX_PAGES];
    uint64_t pages = 0, runs = 0, sum = 0;
    for (uint64_t s = start; s < end;) {
        struct pm_scan_arg a = {.size = sizeof a, .start = s, .end = end,
                                .vec = (uintptr_t)vec, .vec_len = VEC,
                                .category_anyof_mask = PAGE_IS_PRESENT,
                                .return_mask = PAGE_IS_PRESENT};
        long n = ioctl(pm, PAGEMAP_SCAN, &a);
        if (n < 0) {
            perror("pages_floor: PAGEMAP_SCAN");
            return 1;
        }
        for (long i = 0; i < n; i++)
            for (uint64_t p = vec[i].start; p < vec[i].end;) {
                size_t want = (size_t)((vec[i].end - p) / 4096);
                if (want > MAX_PAGES)
                    want = MAX_PAGES;
                ssize_t got = pread(pm, ent, want * 8, (off_t)(p / 4096 * 8));
                if (got <= 0)
                    break;
                size_t m = (size_t)got / 8;
                for (size_t j = 0; j < m;) {
                    size_t k = j + 1;
                    uint64_t pfn = ent[j] & PFN_MASK;
                    while (k < m && (ent[k] & PRESENT) && (ent[k] & PFN_MASK) == pfn + (k - j))
                        k++;
                    if ((ent[j] & PRESENT) && pfn) {
                        ssize_t a1 = pread(kf, flags, (k - j) * 8, (off_t)(pfn * 8));
                        ssize_t a2 = pread(kc, counts, (k - j) * 8, (off_t)(pfn * 8));
                        for (ssize_t x = 0; x < a1 / 8 && x < a2 / 8; x++)
                            sum += flags[x] ^ counts[x];
                        runs++;
                    }
                    j = k;
                }
                pages += m;
                p += m * 4096;
            }
        uint64_t next = a.walk_end;
        if (n > 0 && vec[n - 1].end > next)
            next = vec[n - 1].end;
        if (next <= s)
            break;
        s = next;
    }
    printf("%llu present pages, %llu PFN runs, checksum %llx\n", (unsigned long long)pages,
           (unsigned long long)runs, (unsigned long long)sum);
    return 0;
}
