/* timeline: what changed over time, in bounded memory. A ring of samples
 * (RSS per class and the heap-versus-mmap series) and a ring of events
 * (regions that appeared, disappeared, grew, shrank or changed protection),
 * found by comparing consecutive snapshots. Hours of watching do not grow
 * it: the oldest entries are overwritten. */
#ifndef VMSCOPE_TIMELINE_H
#define VMSCOPE_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

/* The heap-versus-mmap view: where anonymous memory comes from. */
enum alloc_series {
    SERIES_BRK,       /* the brk heap */
    SERIES_ARENAS,    /* glibc arenas */
    SERIES_ANON_MMAP, /* anonymous mmaps */
    SERIES_FILE_MMAP, /* file mappings that are not ELF images */
    SERIES_STACKS,    /* main and thread stacks */
    SERIES_RUNTIME,   /* heaps a runtime or allocator manages (Java, V8, jemalloc...) */
    SERIES_COUNT
};
const char *alloc_series_name(enum alloc_series s);

/* Arenas followed one by one (in the order they appeared); the rest count
 * only in SERIES_ARENAS. */
#define TIMELINE_ARENAS 8

struct timeline_sample {
    uint64_t monotonic_ns;
    uint64_t rss, vsz;
    uint64_t class_rss[RC_COUNT];
    uint64_t series_rss[SERIES_COUNT];
    uint32_t anon_mmaps; /* how many anonymous mmap regions */
    uint64_t anon_mmap_vsz; /* and their mapped bytes */
    uint64_t arena_rss[TIMELINE_ARENAS]; /* by timeline.arena_base */
    uint64_t minflt, majflt; /* page faults so far (stat), when has_faults */
    bool has_faults;
    uint32_t events;     /* events found at this sample */
    uint32_t traced;     /* exact system calls (--trace) since the sample before */
};

enum timeline_event_kind { EV_APPEARED, EV_DISAPPEARED, EV_GREW, EV_SHRANK, EV_PROTECTION };
const char *timeline_event_name(enum timeline_event_kind k);

struct timeline_event {
    uint64_t monotonic_ns;
    enum timeline_event_kind kind;
    enum region_class cls;
    uint64_t start, end;    /* the region after (before, for disappeared) */
    int64_t size_delta;     /* bytes */
    char perms_before[5], perms_after[5];
};

struct timeline {
    struct timeline_sample *samples;
    size_t sample_cap, sample_count, sample_head; /* ring: head = next slot */
    struct timeline_event *events;
    size_t event_cap, event_count, event_head;
    uint64_t arena_base[TIMELINE_ARENAS]; /* each arena's 64 MiB-aligned base */
    size_t n_arenas;
};

void timeline_init(struct timeline *t, size_t max_samples, size_t max_events);
void timeline_free(struct timeline *t);
/* Records snapshot cur; prev (may be NULL) is the one recorded before it. */
void timeline_add(struct timeline *t, const struct snapshot *prev, const struct snapshot *cur);
/* Counts n traced system calls into the newest sample. */
void timeline_mark_traced(struct timeline *t, uint32_t n);
/* i = 0 is the oldest kept; NULL past the end. Valid until the next add. */
const struct timeline_sample *timeline_sample_at(const struct timeline *t, size_t i);
const struct timeline_event *timeline_event_at(const struct timeline *t, size_t i);

/* Faults (minor + major) taken between sample i - 1 and sample i; 0 for
 * the oldest kept and when either sample has no counts. */
uint64_t timeline_faults_between(const struct timeline *t, size_t i);

/* Which series a region's RSS belongs to, or SERIES_COUNT for none. */
enum alloc_series alloc_series_of(const struct region *r);

#endif
