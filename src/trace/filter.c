/* The --trace seccomp filter, chosen per architecture, and the system call
 * tables of every ABI it follows (kernel-interfaces.md §10.3). On x86-64
 * a program may make i386 calls (an i386 binary, or int 0x80 from 64-bit
 * code) and x32 calls: each ABI has its own numbers, and an ABI without a
 * table is let through untraced, never killed. */
#include "trace.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "vmscope/util.h"

struct abi_call {
    uint32_t nr;
    enum traced_call call;
};

/* How a call's arguments differ from the x86-64 ones. */
enum abi_quirk { Q_NONE, Q_MMAP2, Q_OLD_MMAP };

struct abi_entry {
    uint32_t nr;
    enum traced_call call;
    enum abi_quirk quirk;
};

struct abi {
    uint32_t audit_arch;
    uint32_t nr_mask; /* x32 marks its numbers with bit 30 */
    bool compat;      /* 32-bit arguments and results */
    const struct abi_entry *calls;
    size_t n_calls;
};

#if defined(__x86_64__)
static const struct abi_entry x86_64_calls[] = {
    {__NR_brk, TC_BRK, Q_NONE},           {__NR_mmap, TC_MMAP, Q_NONE},
    {__NR_munmap, TC_MUNMAP, Q_NONE},     {__NR_mremap, TC_MREMAP, Q_NONE},
    {__NR_mprotect, TC_MPROTECT, Q_NONE}, {__NR_madvise, TC_MADVISE, Q_NONE},
};
/* arch/x86/entry/syscalls/syscall_32.tbl (its header clashes with the
 * 64-bit one, so the numbers are spelled out). */
static const struct abi_entry i386_calls[] = {
    {45, TC_BRK, Q_NONE},       {90, TC_MMAP, Q_OLD_MMAP}, {192, TC_MMAP, Q_MMAP2},
    {91, TC_MUNMAP, Q_NONE},    {163, TC_MREMAP, Q_NONE},  {125, TC_MPROTECT, Q_NONE},
    {219, TC_MADVISE, Q_NONE},
};
static const struct abi abis[] = {
    {AUDIT_ARCH_X86_64, ~0x40000000u, false, x86_64_calls, ARRAY_LEN(x86_64_calls)},
    {AUDIT_ARCH_I386, ~0u, true, i386_calls, ARRAY_LEN(i386_calls)},
};
#elif defined(__aarch64__)
static const struct abi_entry aarch64_calls[] = {
    {__NR_brk, TC_BRK, Q_NONE},           {__NR_mmap, TC_MMAP, Q_NONE},
    {__NR_munmap, TC_MUNMAP, Q_NONE},     {__NR_mremap, TC_MREMAP, Q_NONE},
    {__NR_mprotect, TC_MPROTECT, Q_NONE}, {__NR_madvise, TC_MADVISE, Q_NONE},
};
static const struct abi abis[] = {
    {AUDIT_ARCH_AARCH64, ~0u, false, aarch64_calls, ARRAY_LEN(aarch64_calls)},
};
#else
static const struct abi abis[1];
#define NO_TRACE_TABLES 1
#endif

int trace_filter_build(struct sock_fprog *prog)
{
    prog->len = 0;
    prog->filter = NULL;
#ifdef NO_TRACE_TABLES
    return 0;
#else
    /* Per ABI: load arch, skip the block unless it matches; load nr, mask,
     * compare against each call. Every other ABI is allowed. */
    size_t cap = 2;
    for (size_t a = 0; a < ARRAY_LEN(abis); a++)
        cap += 6 + abis[a].n_calls;
    struct sock_filter *f = xcalloc(cap, sizeof *f);
    size_t n = 0;
    for (size_t a = 0; a < ARRAY_LEN(abis); a++) {
        const struct abi *abi = &abis[a];
        size_t skip = 4 + abi->n_calls; /* from after the JEQ on arch to the next block */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, arch));
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, abi->audit_arch, 0,
                                              (uint8_t)skip);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, nr));
        f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, abi->nr_mask);
        for (size_t c = 0; c < abi->n_calls; c++) /* to the RET TRACE after the RET ALLOW */
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, abi->calls[c].nr,
                                                  (uint8_t)(abi->n_calls - c), 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | TRACE_DATA);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog->filter = f;
    prog->len = (unsigned short)n;
    return 0;
#endif
}

void trace_filter_free(struct sock_fprog *prog)
{
    free(prog->filter);
    prog->filter = NULL;
    prog->len = 0;
}

/* i386's old mmap takes one pointer to its six 32-bit arguments. */
static bool read_old_mmap_args(pid_t tid, uint64_t ptr, uint64_t out[6])
{
    uint32_t a[6];
    struct iovec local = {a, sizeof a}, remote = {(void *)(uintptr_t)ptr, sizeof a};
    if (process_vm_readv(tid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof a)
        return false;
    for (int i = 0; i < 6; i++)
        out[i] = a[i];
    return true;
}

bool trace_decode_call(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6],
                       struct syscall_event *e, bool *compat)
{
    for (size_t a = 0; a < ARRAY_LEN(abis); a++) {
        const struct abi *abi = &abis[a];
        if (abi->n_calls == 0 || abi->audit_arch != arch)
            continue;
        uint32_t n = (uint32_t)nr & abi->nr_mask;
        for (size_t c = 0; c < abi->n_calls; c++) {
            if (abi->calls[c].nr != n)
                continue;
            e->call = abi->calls[c].call;
            *compat = abi->compat;
            for (int i = 0; i < 6; i++) /* int 0x80 from 64-bit code: the low halves */
                e->args[i] = abi->compat ? (uint32_t)args[i] : args[i];
            if (abi->calls[c].quirk == Q_MMAP2)
                e->args[5] *= 4096; /* mmap2's offset is in 4 KiB units on every page size */
            else if (abi->calls[c].quirk == Q_OLD_MMAP && !read_old_mmap_args(tid, e->args[0], e->args))
                return false;
            if (abi->compat && e->call == TC_MMAP) /* fd -1 reads as -1, as on x86-64 */
                e->args[4] = (uint64_t)(int64_t)(int32_t)e->args[4];
            return true;
        }
        return false;
    }
    return false;
}
