/* VMA records, the smaps field table and the VmFlags mnemonics. */
#include "vmscope/vma.h"
#include "vmscope/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Order follows the kernel's smaps output so the parser's "next expected
 * field" guess usually hits. */
#define FIELD(key, json, kb) {key, json, kb, sizeof(key) - 1, sizeof(json) - 1}
const struct smaps_field_info smaps_fields[SMAPS_FIELD_COUNT] = {
    [SMAPS_SIZE] = FIELD("Size", "size_kb_reported", true),
    [SMAPS_KERNEL_PAGE_SIZE] = FIELD("KernelPageSize", "kernel_page_size", true),
    [SMAPS_MMU_PAGE_SIZE] = FIELD("MMUPageSize", "mmu_page_size", true),
    [SMAPS_RSS] = FIELD("Rss", "rss", true),
    [SMAPS_PSS] = FIELD("Pss", "pss", true),
    [SMAPS_PSS_DIRTY] = FIELD("Pss_Dirty", "pss_dirty", true),
    [SMAPS_PSS_ANON] = FIELD("Pss_Anon", "pss_anon", true),
    [SMAPS_PSS_FILE] = FIELD("Pss_File", "pss_file", true),
    [SMAPS_PSS_SHMEM] = FIELD("Pss_Shmem", "pss_shmem", true),
    [SMAPS_SHARED_CLEAN] = FIELD("Shared_Clean", "shared_clean", true),
    [SMAPS_SHARED_DIRTY] = FIELD("Shared_Dirty", "shared_dirty", true),
    [SMAPS_PRIVATE_CLEAN] = FIELD("Private_Clean", "private_clean", true),
    [SMAPS_PRIVATE_DIRTY] = FIELD("Private_Dirty", "private_dirty", true),
    [SMAPS_REFERENCED] = FIELD("Referenced", "referenced", true),
    [SMAPS_ANONYMOUS] = FIELD("Anonymous", "anonymous", true),
    [SMAPS_KSM] = FIELD("KSM", "ksm", true),
    [SMAPS_LAZYFREE] = FIELD("LazyFree", "lazyfree", true),
    [SMAPS_ANON_HUGE] = FIELD("AnonHugePages", "anon_huge", true),
    [SMAPS_SHMEM_PMD_MAPPED] = FIELD("ShmemPmdMapped", "shmem_pmd_mapped", true),
    [SMAPS_FILE_PMD_MAPPED] = FIELD("FilePmdMapped", "file_pmd_mapped", true),
    [SMAPS_SHARED_HUGETLB] = FIELD("Shared_Hugetlb", "shared_hugetlb", true),
    [SMAPS_PRIVATE_HUGETLB] = FIELD("Private_Hugetlb", "private_hugetlb", true),
    [SMAPS_SWAP] = FIELD("Swap", "swap", true),
    [SMAPS_SWAP_PSS] = FIELD("SwapPss", "swap_pss", true),
    [SMAPS_LOCKED] = FIELD("Locked", "locked", true),
    [SMAPS_THP_ELIGIBLE] = FIELD("THPeligible", "thp_eligible", false),
    [SMAPS_PROTECTION_KEY] = FIELD("ProtectionKey", "protection_key", false),
};

/* Every mnemonic of the 6.18 show_smap_vma_flags() table, plus "gu". */
const char vmflag_names[VMFLAG_COUNT][3] = {
    "rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "pf", "gu", "lo", "io",
    "sr", "rr", "dc", "de", "ac", "nr", "ht", "sf", "ar", "wf", "dd", "bt", "sd",
    "mm", "hg", "nh", "mg", "um", "uw", "ui", "mt", "ss", "dp", "sl", "lf",
};

/* Two lowercase letters index a 26x26 table (smaps prints ~8 flags per
 * VMA, so this runs ~160,000 times for a 20,000-VMA process). */
static signed char vmflag_table[26 * 26];
static pthread_once_t vmflag_table_once = PTHREAD_ONCE_INIT;

static void vmflag_table_init(void)
{
    memset(vmflag_table, -1, sizeof vmflag_table);
    for (int i = 0; i < VMFLAG_COUNT; i++)
        if (vmflag_names[i][0] >= 'a' && vmflag_names[i][1] >= 'a') /* not "??" */
            vmflag_table[(vmflag_names[i][0] - 'a') * 26 + (vmflag_names[i][1] - 'a')] =
                (signed char)i;
}

int vmflag_index(const char *s)
{
    pthread_once(&vmflag_table_once, vmflag_table_init);
    if (s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z')
        return vmflag_table[(s[0] - 'a') * 26 + (s[1] - 'a')];
    for (int i = 0; i < VMFLAG_COUNT; i++) /* "??" and anything odd */
        if (vmflag_names[i][0] == s[0] && vmflag_names[i][1] == s[1])
            return i;
    return -1;
}

void vma_list_init(struct vma_list *l)
{
    memset(l, 0, sizeof *l);
}

void vma_clear(struct vma *v)
{
    free(v->name);
    memset(v, 0, sizeof *v);
}

void vma_list_free(struct vma_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].name);
    free(l->items);
    vma_list_init(l);
}

struct vma *vma_list_push(struct vma_list *l)
{
    if (l->count == l->capacity)
        (l->once ? xgrow_huge : xgrow)((void **)&l->items, &l->capacity, l->count + 1,
                                       sizeof *l->items);
    struct vma *v = &l->items[l->count++];
    memset(v, 0, sizeof *v);
    return v;
}

long vma_list_find(const struct vma *items, size_t count, uint64_t addr)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr < items[mid].start)
            hi = mid;
        else if (addr >= items[mid].end)
            lo = mid + 1;
        else
            return (long)mid;
    }
    return -1;
}
