/* snapshot: one immutable picture of a process's address space: identity,
 * system facts, status counters, and the classified regions sorted by
 * start, with totals per class. Built by capture.c (live) or by a reader
 * (replay); never modified once handed out. */
#ifndef VMSCOPE_SNAPSHOT_H
#define VMSCOPE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/identity.h"
#include "vmscope/page_runs.h"
#include "vmscope/procfile.h"
#include "vmscope/region.h"
#include "vmscope/runtime.h"
#include "vmscope/strtab.h"
#include "vmscope/threads.h"

struct class_totals {
    uint64_t vsz, rss, pss, swap;
    size_t regions;
};

struct snapshot_system {
    char kernel[65];
    long page_size;
    bool privileged; /* PFNs and kernel page flags readable */
    uint64_t mmap_min_addr; /* vm.mmap_min_addr at capture; 0 = not known */
};

/* Page faults the process has taken so far (stat's minflt and majflt):
 * minor ones found the page in memory (or the zero page, or a fresh
 * frame), major ones had to read it from a file or swap. */
struct snapshot_faults {
    uint64_t minor, major;
};

struct snapshot_image {
    struct image_part *parts;
    size_t n;
};

struct snapshot {
    uint64_t realtime_ns, monotonic_ns;
    struct snapshot_system system;
    struct proc_identity proc;
    struct proc_status status;
    bool has_status;
    struct snapshot_faults faults;
    bool has_faults; /* a recording from before faults were kept has none */
    struct vma *vmas;       /* the records regions[i].vma point to */
    struct region *regions; /* n_regions, sorted by start */
    size_t n_regions;
    bool has_pss;    /* regions carry smaps detail */
    bool has_census; /* regions carry a page census */
    bool light;      /* a light sample: RSS and swap fresh, other fields carried */
    bool gated;      /* a gated light sample: status as before, regions carried as they were */
    unsigned census_measured; /* enum census_measured */
    struct class_totals totals;
    struct class_totals by_class[RC_COUNT];
    struct runtime_info runtime; /* runtimes and allocator found (runtime.h) */
    struct strtab objects; /* strings region.object and region.evidence point into (or static ones) */
    struct snapshot_image *images; /* arrays region.image points into */
    size_t n_images;
    uint64_t sample_cost_ns; /* how long the capture took */
    /* Each thread's id, name, state and stack pointer at capture (live
     * only: a recording does not keep them, n_threads is then 0). */
    struct thread_sp *threads;
    size_t n_threads;
    /* A light sample's page states of capture_options' focus range, read
     * with its census (has_focus), so the Detail grid of this sample needs
     * no read of its own. Not copied by snapshot_clone. */
    struct page_runs focus;
    uint64_t focus_start, focus_end;
    bool has_focus;
};

void snapshot_free(struct snapshot *s);
/* What manages the process's memory, for a person: the runtimes found and
 * the allocator ("cpython, glibc malloc", "jvm", "redis: jemalloc" ...);
 * "glibc malloc" alone when nothing else was found. */
void snapshot_runtime_label(const struct snapshot *s, char *out, size_t size);
/* The runtime (else the allocator) whose heap is the "runtime heap"
 * series: "jvm", "v8", "jemalloc"...; NULL when glibc's malloc alone. */
const char *snapshot_heap_manager(const struct snapshot *s);
/* Keeps a copy of parts[0, n) with s, for regions to point to. */
const struct image_part *snapshot_add_image(struct snapshot *s, const struct image_part *parts,
                                            size_t n);
/* A deep copy (its own records, names and string table). */
struct snapshot *snapshot_clone(const struct snapshot *s);
/* Sums regions into totals and by_class. */
void snapshot_compute_totals(struct snapshot *s);
/* The totals after one region's record changed from old (of class old_cls)
 * to now's, without summing every region again; false, nothing changed,
 * when a total had saturated and only snapshot_compute_totals is exact. */
bool snapshot_totals_replace(struct snapshot *s, const struct vma *old, enum region_class old_cls,
                             const struct region *now);
/* The state at exit is read when the threads are gone (PTRACE_EVENT_EXIT):
 * their stacks would read as plain mmap and their guards be lost. Gives
 * every region of final that is the same mapping as in last_live (range,
 * permissions, offset, file) last_live's class, subclass, object, thread
 * and flags, and sums the totals again. Call it before final is handed
 * out. Returns how many regions were kept. */
size_t snapshot_inherit_classes(struct snapshot *final, const struct snapshot *last_live);
/* Region containing addr, or NULL. Valid as long as s is. */
const struct region *snapshot_find(const struct snapshot *s, uint64_t addr);

#endif
