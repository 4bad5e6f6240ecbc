/* pagemap: page census of VMAs through /proc/PID/pagemap.
 *
 * With PAGEMAP_SCAN (6.7+) only present or swapped ranges come back, so a
 * sparse 64 GiB region costs about a millisecond; the exclusive bit exists
 * only in classic entries, which are then read for the present ranges
 * alone. Without PAGEMAP_SCAN (ENOTTY/EINVAL) every page is read as an
 * 8-byte entry, in 512 KiB batches. */
#ifndef VMSCOPE_PAGEMAP_H
#define VMSCOPE_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/page_runs.h"
#include "vmscope/procfs.h"
#include "vmscope/vma.h"

/* Which page_census counters a census measured. */
enum census_measured {
    CENSUS_HUGE = 1 << 0,
    CENSUS_ZERO = 1 << 1,
    CENSUS_SOFT_DIRTY = 1 << 2,
    CENSUS_EXCLUSIVE = 1 << 3,
};

struct pagemap_reader {
    int fd;
    bool use_scan;
    unsigned measured; /* enum census_measured bits */
    long page_size;
    uint64_t *entries; /* classic pread buffer */
    size_t entries_cap;
    void *vec;         /* struct page_region[] for PAGEMAP_SCAN */
    size_t vec_len;
    uint64_t ioctls, preads; /* cost counters */
    bool light; /* residency only: no FILE category, no exclusive bit */
    /* A light census also gathers the page states of [focus_start,
     * focus_end) (a private anonymous range: the Detail grid's region) into
     * *focus, exactly as pages_read_states(..., false) reads them, from its
     * own scan: the grid then needs no second walk of that range. */
    struct page_runs *focus;
    uint64_t focus_start, focus_end;
    bool focus_done; /* *focus holds them (else it is empty) */
};

int pagemap_open(struct pagemap_reader *r, const struct proc_target *t);
void pagemap_close(struct pagemap_reader *r);
/* Fill vmas[i].pages (and has_census) for every VMA in the list, which must
 * be sorted and non-overlapping. Returns 0 or -errno. */
int pagemap_census(struct pagemap_reader *r, struct vma *vmas, size_t n);
/* Force the classic 8-byte path (tests compare both paths). */
void pagemap_force_classic(struct pagemap_reader *r);
/* Count only what residency needs (present, swapped, zero, huge): the
 * FILE category triples PAGEMAP_SCAN's cost and the exclusive bit needs
 * classic entries for every present page. For a live view's every tick. */
void pagemap_set_light(struct pagemap_reader *r);

/* Pure decoder: add n classic entries to c. soft_dirty counts bit 55. */
void pagemap_count_entries(const uint64_t *entries, size_t n, struct page_census *c);

#endif
