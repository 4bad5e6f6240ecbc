/* summary: the address space at a glance (VMMap's top table): one row per
 * class and its important subclasses, the reserved (PROT_NONE) space, the
 * free user address space and a total. Pure arithmetic over a snapshot. */
#ifndef VMSCOPE_SUMMARY_H
#define VMSCOPE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/region.h"

struct snapshot;

/* The end of the user address space (TASK_SIZE): above it lie the
 * non-canonical hole and the kernel's half. */
#if defined(__x86_64__)
#define SUMMARY_TASK_SIZE UINT64_C(0x7ffffffff000)
#else
#define SUMMARY_TASK_SIZE UINT64_C(0x1000000000000)
#endif
/* When a snapshot does not say (an older file): the usual vm.mmap_min_addr. */
#define SUMMARY_MMAP_MIN_DEFAULT UINT64_C(65536)

enum summary_kind { SUMMARY_CLASS, SUMMARY_SUB, SUMMARY_RESERVED, SUMMARY_FREE, SUMMARY_TOTAL };

/* Sizes in bytes; blocks counts regions (or free gaps); largest is the
 * largest one. The free row has size, blocks and largest only. */
struct summary_cell {
    uint64_t size, rss, priv, shared, swap, locked, huge;
    uint64_t blocks, largest;
    /* Some resident region was not measured by smaps (seen only by a light
     * tick): private, shared, locked and huge are then unknown, not 0. */
    bool partial;
};

struct summary_row {
    const char *label; /* for a person: "heap", "arenas", "runtime heaps" */
    const char *key;   /* JSON and the "type:" filter: "heap", "arena", "runtime_heap" */
    enum summary_kind kind;
    struct summary_cell c;
};

#define SUMMARY_MAX_ROWS 24

struct summary {
    struct summary_row rows[SUMMARY_MAX_ROWS]; /* classes (each followed by its
                                                * subclasses that have blocks),
                                                * reserved, free, total */
    size_t n;
    bool has_detail; /* private/shared/locked/huge were measured (smaps) */
};

/* The table of s; free space is the gaps between mappings within
 * [min_addr, task_size). */
void summary_compute(const struct snapshot *s, uint64_t min_addr, uint64_t task_size,
                     struct summary *out);
/* summary_compute with the snapshot's own mmap_min_addr and SUMMARY_TASK_SIZE. */
void summary_of(const struct snapshot *s, struct summary *out);
/* Whether r is counted in the row named key ("heap", "arena", "reserved"...);
 * false for "free", "total" and unknown keys. */
bool summary_matches(const char *key, const struct region *r);
/* The free row of a table (always present). */
const struct summary_row *summary_free_row(const struct summary *sm);

#endif
