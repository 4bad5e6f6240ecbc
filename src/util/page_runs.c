/* Page runs: names, ownership and the grid's request (see page_runs.h). */
#include "vmscope/page_runs.h"

#include <stdlib.h>
#include <string.h>

const char *page_state_name(int bit)
{
    static const char *const names[PAGE_STATE_COUNT] = {
        "present", "swapped", "file", "zero", "huge", "soft_dirty", "exclusive", "guard"};
    return bit >= 0 && bit < PAGE_STATE_COUNT ? names[bit] : "?";
}

const char *kpageflag_name(int bit)
{
    /* tools/mm/page-types.c's names, stable bits then kernel-internal ones. */
    static const char *const names[43] = {
        "locked", "error", "referenced", "uptodate", "dirty", "lru", "active", "slab",
        "writeback", "reclaim", "buddy", "mmap", "anonymous", "swapcache", "swapbacked",
        "compound_head", "compound_tail", "huge", "unevictable", "hwpoison", "nopage", "ksm",
        "thp", "offline", "zero_page", "idle", "pgtable", NULL, NULL, NULL, NULL, NULL,
        "reserved", "mlocked", "mappedtodisk", "private", "private_2", "owner_private", "arch",
        "uncached", "softdirty", "arch_2", "arch_3"};
    return bit >= 0 && bit < 43 ? names[bit] : NULL;
}

void page_runs_free(struct page_runs *r)
{
    free(r->items);
    memset(r, 0, sizeof *r);
}

void page_answer_free(struct page_answer *a)
{
    page_runs_free(&a->states);
    page_runs_free(&a->full);
    page_runs_free(&a->window);
    page_runs_free(&a->one);
    memset(a, 0, sizeof *a);
}

bool page_request_equal(const struct page_request *a, const struct page_request *b)
{
    return a->start == b->start && a->end == b->end && a->with_file == b->with_file &&
           a->full == b->full && a->window_lo == b->window_lo && a->window_hi == b->window_hi &&
           a->page == b->page && a->stamp == b->stamp;
}
