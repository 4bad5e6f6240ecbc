/* Parsers for status, stat, auxv and task syscall (see procfile.h). */
#include "vmscope/procfile.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct status_field_info status_fields[STATUS_FIELD_COUNT] = {
    [STATUS_VM_PEAK] = {"VmPeak", "vm_peak"},   [STATUS_VM_SIZE] = {"VmSize", "vm_size"},
    [STATUS_VM_LCK] = {"VmLck", "vm_lck"},      [STATUS_VM_PIN] = {"VmPin", "vm_pin"},
    [STATUS_VM_HWM] = {"VmHWM", "vm_hwm"},      [STATUS_VM_RSS] = {"VmRSS", "vm_rss"},
    [STATUS_RSS_ANON] = {"RssAnon", "rss_anon"}, [STATUS_RSS_FILE] = {"RssFile", "rss_file"},
    [STATUS_RSS_SHMEM] = {"RssShmem", "rss_shmem"}, [STATUS_VM_DATA] = {"VmData", "vm_data"},
    [STATUS_VM_STK] = {"VmStk", "vm_stk"},      [STATUS_VM_EXE] = {"VmExe", "vm_exe"},
    [STATUS_VM_LIB] = {"VmLib", "vm_lib"},      [STATUS_VM_PTE] = {"VmPTE", "vm_pte"},
    [STATUS_VM_SWAP] = {"VmSwap", "vm_swap"},   [STATUS_HUGETLB] = {"HugetlbPages", "hugetlb"},
};

/* Decimal number at p, never reading at or past end (the input need not be
 * NUL-terminated). Returns false when there is no digit. All arithmetic
 * is unsigned, so absurd input wraps (unsigned fields above 2^63 keep their
 * bits); negating it as a long long was a signed overflow (fuzz_procfile
 * under UBSan, "-9223372036854775808"). */
static bool dec_at(const char *p, const char *end, bool allow_sign, long long *out)
{
    bool neg = false;
    if (allow_sign && p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return false;
    unsigned long long v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (unsigned)(*p - '0');
    *out = (long long)(neg ? 0 - v : v);
    return true;
}

static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

int status_parse(const char *text, size_t len, struct proc_status *st)
{
    memset(st, 0, sizeof *st);
    st->threads = -1;
    st->uid = (uid_t)-1;
    const char *p = text, *end = text + len;
    int seen = 0;
    while (p < end) {
        const char *le = line_end(p, end);
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon) {
            size_t klen = (size_t)(colon - p);
            long long num;
            const char *v = colon + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            if (klen == 5 && memcmp(p, "State", 5) == 0 && v < le) {
                st->state = *v;
                seen++;
            } else if (klen == 7 && memcmp(p, "Threads", 7) == 0) {
                if (dec_at(v, le, false, &num))
                    st->threads = (int)num;
            } else if (klen == 3 && memcmp(p, "Uid", 3) == 0) {
                if (dec_at(v, le, false, &num))
                    st->uid = (uid_t)num;
            } else if (klen == 4 && memcmp(p, "Tgid", 4) == 0) {
                if (dec_at(v, le, false, &num))
                    st->tgid = (pid_t)num;
            } else {
                for (int f = 0; f < STATUS_FIELD_COUNT; f++) {
                    if (strlen(status_fields[f].key) == klen &&
                        memcmp(status_fields[f].key, p, klen) == 0) {
                        if (dec_at(v, le, false, &num)) {
                            st->value[f] = (uint64_t)num * 1024;
                            st->mask |= 1u << f;
                        }
                        break;
                    }
                }
            }
        }
        p = le + 1;
    }
    return seen ? 0 : -EINVAL;
}

int stat_parse(const char *text, size_t len, struct proc_stat *st)
{
    memset(st, 0, sizeof *st);
    /* comm (field 2) may hold spaces and ')': fields start after the LAST ')'. */
    const char *rp = NULL;
    for (size_t i = len; i > 0; i--)
        if (text[i - 1] == ')') {
            rp = text + i - 1;
            break;
        }
    if (!rp || rp + 2 >= text + len)
        return -EINVAL;
    const char *p = rp + 2, *end = text + len;
    st->state = *p;
    /* Field numbers are 1-based; p now points at field 3. */
    int field = 3;
    while (p < end && field <= 52) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        long long num = 0;
        if (field > 3 && dec_at(p, sp ? sp : end, true, &num)) {
            uint64_t v = (uint64_t)num;
            switch (field) {
            case 4: st->ppid = (pid_t)v; break;
            case 9: st->flags = v; break;
            case 10: st->minflt = v; break;
            case 12: st->majflt = v; break;
            case 23: st->vsize = v; break;
            case 24: st->rss_pages = v; break;
            case 26: st->start_code = v; break;
            case 27: st->end_code = v; break;
            case 28: st->start_stack = v; break;
            case 45: st->start_data = v; break;
            case 46: st->end_data = v; break;
            case 47: st->start_brk = v; break;
            default: break;
            }
        }
        field++;
        if (!sp)
            break;
        p = sp + 1;
    }
    if (field < 29)
        return -EINVAL;
    /* do_task_stat() writes 1/1/0 when the reader may not ptrace-read. */
    st->masked = st->start_code == 1 && st->end_code == 1 && st->start_stack == 0;
    return 0;
}

int auxv_parse(const void *data, size_t len, struct auxv_info *ai)
{
    memset(ai, 0, sizeof *ai);
    size_t n = len / sizeof(Elf64_auxv_t);
    for (size_t i = 0; i < n; i++) {
        Elf64_auxv_t a;
        memcpy(&a, (const char *)data + i * sizeof a, sizeof a);
        switch (a.a_type) {
        case AT_NULL: ai->valid = ai->phdr != 0; return ai->valid ? 0 : -EINVAL;
        case AT_PHDR: ai->phdr = a.a_un.a_val; break;
        case AT_PHENT: ai->phent = a.a_un.a_val; break;
        case AT_PHNUM: ai->phnum = a.a_un.a_val; break;
        case AT_PAGESZ: ai->pagesz = a.a_un.a_val; break;
        case AT_BASE: ai->base = a.a_un.a_val; break;
        case AT_ENTRY: ai->entry = a.a_un.a_val; break;
        case AT_SYSINFO_EHDR: ai->sysinfo_ehdr = a.a_un.a_val; break;
        default: break;
        }
    }
    return -EINVAL; /* no AT_NULL: truncated */
}

int task_syscall_parse(const char *text, size_t len, uint64_t *sp)
{
    if (len >= 7 && memcmp(text, "running", 7) == 0)
        return 0;
    /* "nr a0..a5 sp pc" or "-1 sp pc": the SP is the second-to-last field. */
    const char *fields[10];
    int n = 0;
    const char *p = text, *end = text + len;
    while (p < end && n < 10) {
        while (p < end && (*p == ' ' || *p == '\n'))
            p++;
        if (p >= end)
            break;
        fields[n++] = p;
        while (p < end && *p != ' ' && *p != '\n')
            p++;
    }
    if (n != 3 && n != 9)
        return -EINVAL;
    char *q;
    unsigned long long v = strtoull(fields[n - 2], &q, 16);
    if (q == fields[n - 2])
        return -EINVAL;
    *sp = v;
    return 1;
}
