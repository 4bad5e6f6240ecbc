/* vma: one virtual memory area exactly as the kernel reported it (sampler
 * layer: no interpretation beyond decoding the text).
 *
 * Sizes from smaps are stored in bytes. A field the source did not carry is
 * absent from field_mask and must not be reported as zero. */
#ifndef VMSCOPE_VMA_H
#define VMSCOPE_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum smaps_field {
    SMAPS_SIZE,
    SMAPS_KERNEL_PAGE_SIZE,
    SMAPS_MMU_PAGE_SIZE,
    SMAPS_RSS,
    SMAPS_PSS,
    SMAPS_PSS_DIRTY,
    SMAPS_PSS_ANON, /* smaps_rollup only */
    SMAPS_PSS_FILE,
    SMAPS_PSS_SHMEM,
    SMAPS_SHARED_CLEAN,
    SMAPS_SHARED_DIRTY,
    SMAPS_PRIVATE_CLEAN,
    SMAPS_PRIVATE_DIRTY,
    SMAPS_REFERENCED,
    SMAPS_ANONYMOUS,
    SMAPS_KSM,
    SMAPS_LAZYFREE,
    SMAPS_ANON_HUGE,
    SMAPS_SHMEM_PMD_MAPPED,
    SMAPS_FILE_PMD_MAPPED,
    SMAPS_SHARED_HUGETLB,
    SMAPS_PRIVATE_HUGETLB,
    SMAPS_SWAP,
    SMAPS_SWAP_PSS,
    SMAPS_LOCKED,
    SMAPS_THP_ELIGIBLE,   /* a flag, not a size */
    SMAPS_PROTECTION_KEY, /* a number, not a size */
    SMAPS_FIELD_COUNT
};

struct smaps_field_info {
    const char *key;  /* as in /proc/PID/smaps, without the colon */
    const char *json; /* key in vmscope's formats */
    bool is_kb;       /* value printed in kB, stored in bytes */
    unsigned char key_len, json_len; /* strlen of the two, for the hot paths */
};
extern const struct smaps_field_info smaps_fields[SMAPS_FIELD_COUNT];

/* VmFlags mnemonics, one bit each in vma.vmflags (table order = bit). */
#define VMFLAG_COUNT 38
extern const char vmflag_names[VMFLAG_COUNT][3];
int vmflag_index(const char *two_letters); /* -1 if unknown */
#define VMFLAG_BIT(i) (UINT64_C(1) << (i))

/* Page census of one VMA (pagemap). Counts are pages. */
struct page_census {
    uint64_t present;    /* includes zero-page mappings */
    uint64_t swapped;    /* non-present non-none entries other than guards */
    uint64_t file;       /* file-backed or shmem (not anonymous) */
    uint64_t zero;       /* maps the shared zero page */
    uint64_t huge;       /* PMD-mapped THP or hugetlb */
    uint64_t soft_dirty; /* only when the kernel tracks soft-dirty */
    uint64_t exclusive;  /* mapped exactly once */
    uint64_t guard;      /* MADV_GUARD_INSTALL markers */
};

struct vma {
    uint64_t start, end; /* [start, end) */
    uint64_t offset;     /* file offset in bytes */
    uint64_t inode;
    uint32_t dev_major, dev_minor;
    char perms[5]; /* "r-xp" */
    bool deleted;  /* the kernel appended " (deleted)"; stripped from name */
    bool has_vmflags;
    bool has_census;
    char *name;      /* decoded bytes (\012 -> newline), NUL-terminated; "" if none */
    size_t name_len; /* names cannot contain NUL, but may contain anything else */
    uint32_t field_mask; /* bit i set = field[i] was reported */
    uint64_t field[SMAPS_FIELD_COUNT];
    uint64_t vmflags;
    struct page_census pages;
};

static inline bool vma_has(const struct vma *v, enum smaps_field f)
{
    return (v->field_mask >> f) & 1u;
}
/* Whether a name is worth a "(deleted)" after it: a memfd never had a
 * directory entry, so the kernel's suffix says nothing about it. */
static inline bool vma_shows_deleted(const struct vma *v)
{
    return v->deleted && !(v->name_len >= 7 && memcmp(v->name, "/memfd:", 7) == 0);
}
static inline uint64_t vma_size(const struct vma *v)
{
    return v->end - v->start;
}

/* A growable, owned array of VMAs in address order. */
struct vma_list {
    struct vma *items;
    size_t count, capacity;
    bool once; /* built once, in a short-lived command: grows with xgrow_huge */
};

void vma_list_init(struct vma_list *l);
void vma_list_free(struct vma_list *l);
struct vma *vma_list_push(struct vma_list *l); /* zeroed new element */
void vma_clear(struct vma *v);                  /* frees the name */
/* Index of the VMA containing addr, or -1 (binary search). */
long vma_list_find(const struct vma *items, size_t count, uint64_t addr);

#endif
