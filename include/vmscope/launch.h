/* launch: start a program under vmscope and watch it from exec to exit
 * (vmscope -- CMD, vmscope record -- CMD). The program runs under ptrace
 * (PTRACE_SEIZE, kernel-interfaces.md §10) held by one tracer thread that
 * owns every ptrace call: it captures the address space right after exec
 * and again at PTRACE_EVENT_EXIT, before the kernel tears it down, and with
 * `trace` it records every brk/mmap/munmap/mremap/mprotect/madvise of the
 * program, its threads and its children through a seccomp filter that stops
 * on those calls only. The caller's loop polls wake_fd and collects the
 * news; nothing else of the tracer is shared. */
#ifndef VMSCOPE_LAUNCH_H
#define VMSCOPE_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmscope/crash.h"
#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"

/* CMD always runs in a session of its own on a pseudo-terminal of its own
 * (never the caller's terminal), with no descriptor of ours but 0, 1, 2. */
struct launch_options {
    char *const *argv;   /* CMD ARGS */
    const char *user;    /* -u: run CMD as this user (needs root), or NULL; the
                          * environment then has the user's HOME, USER, LOGNAME, SHELL */
    int output;          /* without pty: an open descriptor that receives what CMD
                          * writes to its terminal (launch keeps a copy), -1 = discard.
                          * Set it explicitly: 0 is a descriptor. */
    bool pty;            /* the caller reads CMD's terminal (launch_output_fd) */
    unsigned short rows, cols; /* its size */
    bool trace;          /* --trace: exact memory-map system calls */
    bool no_stacks;      /* --trace=calls: without each call's stack (cheaper) */
};

/* What the tracer found since the last launch_poll(); all owned by the
 * caller (launch_news_free). */
struct launch_news {
    struct snapshot *initial; /* the address space right after exec */
    struct snapshot *final;   /* the last live address space, at exit */
    struct syscall_event *events;
    size_t n_events;
    bool exited;    /* the program (its first process) has ended */
    int status;     /* its wait status */
    /* The program's last SIGSEGV or SIGBUS from a fault (siginfo at its
     * signal-delivery stop); it stays in later news. */
    struct crash_info crash;
};

struct launch;

/* Starts CMD and returns once it has exec'd (0, *out set) or could not
 * start (-errno, *why set to a one-line reason). */
int launch_start(const struct launch_options *o, struct launch **out, char **why);
pid_t launch_pid(const struct launch *l);
/* The pseudo-terminal's master side (non-blocking) with pty, else -1. */
int launch_output_fd(const struct launch *l);
/* Readable when there is news: the state at exec or at exit, the exit, or a
 * batch of events (poll at least every few hundred ms for the rest). */
int launch_wake_fd(const struct launch *l);
/* Takes what is new (and clears wake_fd). */
void launch_poll(struct launch *l, struct launch_news *news);
void launch_news_free(struct launch_news *news);
/* Kills the program (and the children it traced) if still running, reaps
 * them and frees l. */
void launch_stop(struct launch *l);

/* "exited with status 3", "killed by SIGSEGV (core dumped)". */
void launch_describe_status(int status, char *out, size_t size);

#endif
