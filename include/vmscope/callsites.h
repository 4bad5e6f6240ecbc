/* callsites: who mapped the memory (issue 14), as pure functions over a
 * launch's traced events (in order, each with its stack or NULL) and the
 * snapshot at the end: per region, the call that created it and the last
 * that changed it; for the brk heap, the call sites that grew it; per call
 * stack, the bytes its calls mapped, freed and left resident. */
#ifndef VMSCOPE_CALLSITES_H
#define VMSCOPE_CALLSITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/snapshot.h"
#include "vmscope/stack.h"
#include "vmscope/syscall_event.h"

/* The events of process pid (every process if pid is 0) that made or
 * changed [start, end): created is the last mmap or mremap over it, or the
 * first brk that grew the heap into it; changed is the last call that
 * touched it (mprotect, madvise, a partial munmap, ...). NULL when none. */
struct region_origin {
    const struct syscall_event *created;
    const struct syscall_event *changed;
};
void region_origin_find(const struct syscall_event *ev, size_t n, pid_t pid, uint64_t start,
                        uint64_t end, struct region_origin *out);

/* A call site's account. Bytes are whole pages. */
struct callsite {
    const struct stack *stack; /* NULL: the calls traced without a stack */
    uint64_t calls;            /* every traced call with this stack, failed ones too */
    uint64_t mapped;           /* mmap lengths, mremap and brk growth */
    uint64_t freed;            /* of those, unmapped since (by any call) */
    uint64_t live;             /* still mapped after the last event */
    uint64_t resident;         /* of live, resident in the end snapshot (its share) */
};

/* A range still mapped after the last event, and the site that made it. */
struct callsite_range {
    pid_t pid;
    uint64_t start, end;
    size_t site; /* index into the report's sites */
};

struct callsite_report {
    struct callsite *sites; /* by mapped bytes, largest first */
    size_t n_sites;
    struct callsite total;  /* the sum (stack NULL) */
    struct callsite_range *ranges; /* by process, then address */
    size_t n_ranges;
};

/* Accounts every event; end (may be NULL) gives the resident bytes of the
 * live ranges of its process. */
void callsites_compute(const struct syscall_event *ev, size_t n, const struct snapshot *end,
                       struct callsite_report *out);
void callsites_free(struct callsite_report *r);

/* The same account kept as the events come (a live launch, a replay's
 * load): every event counts, however long the trace, in memory bounded by
 * the sites and the ranges still mapped. */
struct callsite_ledger;
/* max_ranges (0: none) bounds the ranges it holds still mapped: past it
 * the ledger is full, frees what it held and takes no more events. */
struct callsite_ledger *callsite_ledger_new(size_t max_ranges);
void callsite_ledger_free(struct callsite_ledger *l);
bool callsite_ledger_full(const struct callsite_ledger *l);
void callsite_ledger_add(struct callsite_ledger *l, const struct syscall_event *e);
uint64_t callsite_ledger_calls(const struct callsite_ledger *l); /* events added */
/* The report of every event added so far; end as for callsites_compute. */
void callsite_ledger_report(const struct callsite_ledger *l, const struct snapshot *end,
                            struct callsite_report *out);
/* What made [start, end) of pid, among the ranges still mapped: the last
 * mmap or mremap over it, else the brk that first grew the heap into it;
 * false when no traced call did (the kernel or exec made it). */
bool callsite_ledger_made(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                          uint64_t end, struct syscall_event *out);
/* The last call that changed [start, end) of pid among the ranges still
 * mapped: an mprotect or madvise over it, else what made it; false when
 * the newest touch of each range there was of another part of it (the
 * caller may know an older one from the calls it holds). */
bool callsite_ledger_changed(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                             uint64_t end, struct syscall_event *out);
/* The sites whose brk growth is still mapped in [start, end) of pid, by
 * those bytes (mapped, live), largest first, into *out (n returned; free()
 * it); calls counts each site's growths still mapped there, not the calls
 * whose growth a shrink took back. */
size_t callsite_ledger_heap_growers(const struct callsite_ledger *l, pid_t pid, uint64_t start,
                                    uint64_t end, struct callsite **out);

/* The top-down tree (caller -> callee, heaptrack's): the root's children
 * are the outermost frames; each node sums the sites whose stacks pass
 * through it (their indexes in sites[]), children by bytes mapped, largest
 * first. Frames are the report's stacks' (borrowed). The calls without a
 * stack are in no node. */
struct callsite_node {
    const struct stack_frame *frame; /* NULL: the root */
    uint64_t mapped, resident, freed, calls;
    size_t *sites;
    size_t n_sites, cap_sites;
    struct callsite_node *children;
    size_t n_children, cap_children;
};
void callsite_tree_build(const struct callsite_report *r, struct callsite_node *root);
void callsite_tree_free(struct callsite_node *root);

/* The brk heap's growers in process pid: each site's growth of the break,
 * largest first, into *out (n returned; free() it). */
size_t callsites_heap_growers(const struct syscall_event *ev, size_t n, pid_t pid,
                              struct callsite **out);

#endif
