/* crash: where a launched program's fatal SIGSEGV or SIGBUS hit its
 * address space. The tracer reads the signal's siginfo (the faulting
 * address and si_code) at the signal-delivery stop; this module places
 * that address against a snapshot (the last state) in one sentence a
 * student reads: "0x... is 400 KiB above the end of [heap]", "in the guard
 * page below thread 1234's stack", "write to read-only text of /bin/x",
 * "NULL pointer (page 0)". Pure: no /proc, no curses. */
#ifndef VMSCOPE_CRASH_H
#define VMSCOPE_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/snapshot.h"

struct crash_info {
    bool known;
    int signo; /* SIGSEGV or SIGBUS */
    int code;  /* si_code: SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, SI_KERNEL ... */
    pid_t pid, tid; /* the process and the thread that faulted */
    uint64_t addr;  /* si_addr */
    uint64_t monotonic_ns;
};

/* "SEGV_MAPERR", "SEGV_ACCERR", "BUS_ADRERR", ... or "" when unknown. */
const char *crash_code_name(int signo, int code);
/* The si_code for a name crash_code_name gives; 0 when unknown. */
int crash_code_from_name(int signo, const char *name);

/* One sentence: the signal, the address and where it lies in s (s may be
 * NULL: the address alone). *select is set to the start of the region the
 * sentence names (for the Map's cursor), 0 when none. Names from the
 * target come out sanitised. */
void crash_describe(const struct snapshot *s, const struct crash_info *c, char *out, size_t size,
                    uint64_t *select);

#endif
