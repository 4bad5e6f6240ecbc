/* syscall_event: one memory-map system call seen by the tracer in launch
 * mode (--trace): who made it, when, with which arguments, and what it
 * returned. A trace_log keeps the newest ones in a bounded ring (hours of
 * tracing do not grow it) and counts every call by kind. */
#ifndef VMSCOPE_SYSCALL_EVENT_H
#define VMSCOPE_SYSCALL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stack;

/* The memory calls, then two that are not: a traced child process's
 * execve (its address space replaced) and its end (exit_group, or a
 * signal: args[0] is its exit status, 128 + the signal when killed), which
 * the tracer reports so that what the process had mapped counts as gone.
 * The launched program's own first exec and its end are not reported: the
 * views show its state at the end. */
enum traced_call {
    TC_BRK, TC_MMAP, TC_MUNMAP, TC_MREMAP, TC_MPROTECT, TC_MADVISE,
    TC_EXECVE, TC_EXIT_GROUP,
    TC_COUNT
};
/* execve or exit_group: the end of an address space, not a memory call. */
static inline bool traced_call_ends_process(enum traced_call c)
{
    return c == TC_EXECVE || c == TC_EXIT_GROUP;
}

struct syscall_event {
    uint64_t monotonic_ns; /* when the call returned */
    pid_t pid;             /* thread group (process) of the caller */
    pid_t tid;             /* the calling thread */
    enum traced_call call;
    uint64_t args[6];
    int64_t result; /* the raw return value: an address, 0, or -errno */
    const struct stack *stack; /* the caller's stack (stack.h, interned), or NULL */
    char comm[16]; /* a child process's program (its comm: the target's bytes,
                    * sanitise before showing), "" for the launched program */
};

/* "mmap", "munmap", ...; NULL for an unknown call. */
const char *traced_call_name(enum traced_call c);
/* The call for a name ("mmap" -> TC_MMAP), TC_COUNT if none. */
enum traced_call traced_call_from_name(const char *name);
/* The call for an x86-64 system call number, TC_COUNT if none. */
enum traced_call traced_call_from_nr(long nr);
/* How many of args[] the call takes (the rest are not meaningful). */
int traced_call_argc(enum traced_call c);

bool syscall_event_failed(const struct syscall_event *e);
/* The address range the call made or changed ([*start, *end)); for brk,
 * the page below the new break. False if it failed or touched nothing
 * (brk(0), a query). */
bool syscall_event_range(const struct syscall_event *e, uint64_t *start, uint64_t *end);
/* One line for a log: "mmap(0, 2.0 MiB, rw-, PRIVATE|ANONYMOUS, -1, 0) = 0x7f..."
 * (no time, no tid). */
void syscall_event_format(const struct syscall_event *e, char *out, size_t size);
/* The same with each length's size beside it, as people read it:
 * "mmap(0, 0x200000 (2.0M), PROT_READ|PROT_WRITE, ...) = 0x7f..." */
void syscall_event_format_human(const struct syscall_event *e, char *out, size_t size);

struct trace_log {
    struct syscall_event *events;
    size_t cap, count, head; /* ring: head = next slot */
    uint64_t total[TC_COUNT]; /* every call ever added, by kind */
    uint64_t dropped;         /* overwritten by newer ones */
};

void trace_log_init(struct trace_log *t, size_t cap);
void trace_log_free(struct trace_log *t);
void trace_log_add(struct trace_log *t, const struct syscall_event *e);
/* i = 0 is the oldest kept; NULL past the end. Valid until the next add. */
const struct syscall_event *trace_log_at(const struct trace_log *t, size_t i);

#endif
