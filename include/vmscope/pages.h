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

#include "vmscope/page_runs.h"
#include "vmscope/procfs.h"

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

/* The grid's states of a PAGEMAP_SCAN range's categories, and a run of
 * them added to o (merged with the last run when it continues it): what
 * pages_read_states builds, for a census that scans the same pages. */
unsigned page_state_of_categories(uint64_t categories);
void page_runs_add_state(struct page_runs *o, uint64_t page_size, uint64_t addr, uint64_t pages,
                         unsigned state);

#endif
