/* threads: each thread's user stack pointer, from task/TID/syscall. A
 * thread running in user space has no readable SP ("running"); the model
 * then falls back to the last known assignment or the guard-page pattern. */
#ifndef VMSCOPE_THREADS_H
#define VMSCOPE_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/procfs.h"

struct thread_sp {
    pid_t tid;
    uint64_t sp;
    bool sp_known; /* false: running, or syscall unreadable */
    char state;    /* task/TID/stat's state ('R', 'S', ...), or 0 when unread */
    char name[16]; /* its comm, raw (the target's: sanitise before showing) */
};

struct thread_list {
    struct thread_sp *items;
    size_t count, capacity;
    int denied; /* how many syscall files we were not allowed to read */
};

void thread_list_free(struct thread_list *l);
/* Reads task/ of the target: each thread's SP, name and state. Returns 0
 * or -errno (-ESRCH: exited). */
int threads_read(const struct proc_target *t, struct thread_list *out);
/* The same, without opening task/TID/syscall of a thread for which
 * known(arg, tid) is true (its stack is known from an earlier sample): it
 * is listed with sp_known false. A JVM's thousand threads cost a
 * thousand opens otherwise. */
int threads_read_except(const struct proc_target *t, struct thread_list *out,
                        bool (*known)(void *arg, pid_t tid), void *arg);

#endif
