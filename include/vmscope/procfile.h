/* procfile: parsers for the small per-process files: status, stat, auxv and
 * task/TID/syscall. Like every parser they take bytes, not a pid. */
#ifndef VMSCOPE_PROCFILE_H
#define VMSCOPE_PROCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum status_field {
    STATUS_VM_PEAK, STATUS_VM_SIZE, STATUS_VM_LCK, STATUS_VM_PIN, STATUS_VM_HWM,
    STATUS_VM_RSS, STATUS_RSS_ANON, STATUS_RSS_FILE, STATUS_RSS_SHMEM, STATUS_VM_DATA,
    STATUS_VM_STK, STATUS_VM_EXE, STATUS_VM_LIB, STATUS_VM_PTE, STATUS_VM_SWAP,
    STATUS_HUGETLB, STATUS_FIELD_COUNT
};
struct status_field_info {
    const char *key;  /* "VmRSS" */
    const char *json; /* "vm_rss" */
};
extern const struct status_field_info status_fields[STATUS_FIELD_COUNT];

/* /proc/PID/status: memory counters in bytes, plus identity bits. */
struct proc_status {
    uint32_t mask; /* bit f set = value[f] was present */
    uint64_t value[STATUS_FIELD_COUNT];
    char state;  /* 'R', 'S', 'Z', ... or 0 */
    int threads; /* -1 if absent */
    uid_t uid;   /* real uid; (uid_t)-1 if absent */
    pid_t tgid;
};
int status_parse(const char *text, size_t len, struct proc_status *st);

/* /proc/PID/stat layout fields (1-based numbers as in proc(5)). Without
 * ptrace-read access the kernel masks them; masked is then true. */
struct proc_stat {
    char state;
    pid_t ppid;                                 /* 4 */
    uint64_t flags;                             /* 9: PF_* */
    uint64_t start_code, end_code, start_stack; /* 26, 27, 28 */
    uint64_t start_data, end_data, start_brk;   /* 45, 46, 47 */
    uint64_t vsize;                             /* 23, bytes */
    uint64_t rss_pages;                         /* 24 */
    uint64_t minflt, majflt;                    /* 10, 12: faults so far */
    bool masked;
};
int stat_parse(const char *text, size_t len, struct proc_stat *st);
#define STAT_PF_KTHREAD 0x00200000u /* stat flags: a kernel thread */

/* /proc/PID/auxv (native Elf64_auxv_t array). */
struct auxv_info {
    uint64_t phdr, phent, phnum, pagesz, base, entry, sysinfo_ehdr;
    bool valid;
};
int auxv_parse(const void *data, size_t len, struct auxv_info *ai);

/* /proc/PID/task/TID/syscall. Returns 1 and sets *sp when the thread is
 * blocked (in a syscall or stopped), 0 when it is "running", -EINVAL when
 * the text is not understood. */
int task_syscall_parse(const char *text, size_t len, uint64_t *sp);

#endif
