/* The tracer thread: fork, PTRACE_SEIZE, exec, then the ptrace loop. It
 * owns every ptrace call until the program and everything it traced are
 * gone (kernel-interfaces.md §10). */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/procfile.h"
#include "vmscope/procfs.h"
#include "vmscope/sanitize.h"
#include "vmscope/stack.h"
#include "vmscope/util.h"

static pid_t tgid_of(pid_t tid)
{
    struct proc_target t;
    struct proc_status st;
    struct buf b;
    buf_init(&b);
    pid_t tgid = tid;
    if (proc_target_open(&t, tid) == 0) {
        if (proc_read_file(&t, "status", &b) == 0 && status_parse(b.data, b.len, &st) == 0 &&
            st.tgid > 0)
            tgid = st.tgid;
        proc_target_close(&t);
    }
    buf_free(&b);
    return tgid;
}

/* The task list is under the lock: launch_stop kills every task in it. */
static struct task *task_find(struct launch *l, pid_t tid)
{
    for (size_t i = 0; i < l->n_tasks; i++)
        if (l->tasks[i].tid == tid)
            return &l->tasks[i];
    return NULL;
}

/* Its process is looked up once, when the task is first seen, not per call. */
/* A child process's program, for its calls in the log: its comm, read
 * once per process (and again after it execs). */
static void comm_of(pid_t pid, char comm[16])
{
    struct proc_target t;
    struct buf b;
    buf_init(&b);
    comm[0] = '\0';
    if (proc_target_open(&t, pid) == 0) {
        if (proc_read_file(&t, "comm", &b) == 0 && b.len) {
            size_t n = strcspn(b.data, "\n");
            snprintf(comm, 16, "%.*s", (int)(n < 15 ? n : 15), b.data);
        }
        proc_target_close(&t);
    }
    buf_free(&b);
}

static void task_add(struct launch *l, pid_t tid)
{
    if (task_find(l, tid)) /* only this thread writes the list */
        return;
    struct task t = {tid, tid == l->pid ? tid : tgid_of(tid), ""};
    if (t.tgid != l->pid) { /* a thread of a known child has its name already */
        const struct task *leader = task_find(l, t.tgid);
        if (leader)
            memcpy(t.comm, leader->comm, sizeof t.comm);
        else
            comm_of(t.tgid, t.comm);
    }
    pthread_mutex_lock(&l->lock);
    xgrow((void **)&l->tasks, &l->tasks_cap, l->n_tasks + 1, sizeof *l->tasks);
    l->tasks[l->n_tasks++] = t;
    pthread_mutex_unlock(&l->lock);
}

static void task_forget(struct launch *l, pid_t tid)
{
    pthread_mutex_lock(&l->lock);
    struct task *t = task_find(l, tid);
    if (t)
        *t = l->tasks[--l->n_tasks];
    pthread_mutex_unlock(&l->lock);
    for (size_t i = 0; i < l->n_open; i++)
        if (l->open[i].ev.tid == tid) {
            l->open[i] = l->open[--l->n_open];
            break;
        }
}

/* A stop from the program's own SECCOMP_RET_TRACE filter: without a
 * tracer the kernel fails the call with ENOSYS, so we do the same (skip
 * it: number -1, result -ENOSYS). */
static void answer_foreign(pid_t tid)
{
#if defined(__x86_64__)
    ptrace(PTRACE_POKEUSER, tid, (void *)offsetof(struct user, regs.orig_rax), (void *)-1L);
    ptrace(PTRACE_POKEUSER, tid, (void *)offsetof(struct user, regs.rax), (void *)(long)-ENOSYS);
#else
    (void)tid; /* the call goes through: no register layout for this architecture */
#endif
}

/* Seccomp stop: the call's arguments, before it runs. Returns false for a
 * stop that is not ours (answered, and resumed without an exit stop). */
static bool call_entered(struct launch *l, pid_t tid)
{
    struct __ptrace_syscall_info si;
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof si, &si) <= 0 ||
        si.op != PTRACE_SYSCALL_INFO_SECCOMP)
        return false;
    if ((si.seccomp.ret_data & SECCOMP_RET_DATA) != TRACE_DATA) {
        answer_foreign(tid);
        return false;
    }
    struct syscall_event e;
    bool compat = false;
    memset(&e, 0, sizeof e);
    uint64_t args[6];
    for (int i = 0; i < 6; i++)
        args[i] = si.seccomp.args[i];
    if (!trace_decode_call(tid, si.arch, si.seccomp.nr, args, &e, &compat))
        return true; /* ours, but nothing to record: still wait for its exit stop */
    e.tid = tid;
    const struct task *task = task_find(l, tid);
    e.pid = task ? task->tgid : tid;
    if (task)
        memcpy(e.comm, task->comm, sizeof e.comm);
    if (l->unwinder) /* stopped before the call: its stack is the caller's */
        e.stack = unwinder_stack(l->unwinder, e.pid, tid);
    xgrow((void **)&l->open, &l->open_cap, l->n_open + 1, sizeof *l->open);
    l->open[l->n_open++] = (struct open_call){e, compat};
    return true;
}

/* Syscall-exit stop after a seccomp stop: the result. */
static void call_returned(struct launch *l, pid_t tid)
{
    for (size_t i = 0; i < l->n_open; i++) {
        if (l->open[i].ev.tid != tid)
            continue;
        struct open_call c = l->open[i];
        l->open[i] = l->open[--l->n_open];
        struct __ptrace_syscall_info si;
        if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof si, &si) <= 0 ||
            si.op != PTRACE_SYSCALL_INFO_EXIT)
            return;
        c.ev.result = si.exit.rval;
        if (c.compat) /* 32 bits: an address, or -errno */
            c.ev.result = (int32_t)si.exit.rval >= -4095 && (int32_t)si.exit.rval < 0
                              ? (int32_t)si.exit.rval
                              : (int64_t)(uint32_t)si.exit.rval;
        c.ev.monotonic_ns = clock_monotonic_ns();
        unwinder_mapped(l->unwinder, c.ev.pid, &c.ev);
        launch_queue_event(l, &c.ev);
        return;
    }
}

/* A traced child's address space replaced (exec) or gone (its end): an
 * event, so that what it had mapped stops counting as mapped. Only when
 * calls are traced; not for the launched program's own start and end. */
static void process_ended(struct launch *l, pid_t pid, pid_t tid, enum traced_call call,
                          uint64_t status)
{
    if (!l->filter.len)
        return;
    struct syscall_event e = {.monotonic_ns = clock_monotonic_ns(), .pid = pid, .tid = tid,
                              .call = call, .args = {status}};
    const struct task *t = task_find(l, tid);
    if (t)
        memcpy(e.comm, t->comm, sizeof e.comm);
    launch_queue_event(l, &e);
}

static struct snapshot *capture_now(pid_t pid)
{
    struct snapshot *s = NULL;
    return capture_snapshot(pid, NULL, &s) == 0 ? s : NULL;
}

/* A fault of the program's own process (not a child's): its address, in
 * case the signal kills it. A signal sent with kill() (si_code <= 0 but
 * SI_KERNEL) has no address and is not a fault. */
static void note_fault(struct launch *l, pid_t tid, int sig)
{
    siginfo_t si;
    const struct task *t = task_find(l, tid);
    if ((t ? t->tgid : tid) != l->pid || ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) != 0 ||
        (si.si_code <= 0 && si.si_code != SI_KERNEL))
        return;
    struct crash_info c = {.known = true, .signo = sig, .code = si.si_code, .pid = l->pid,
                           .tid = tid, .addr = (uint64_t)(uintptr_t)si.si_addr,
                           .monotonic_ns = clock_monotonic_ns()};
    pthread_mutex_lock(&l->lock);
    l->news.crash = c;
    pthread_mutex_unlock(&l->lock);
}

static void handle_stop(struct launch *l, pid_t tid, int st)
{
    int sig = WSTOPSIG(st), ev = (unsigned)st >> 16, inject = 0;
    enum __ptrace_request resume = PTRACE_CONT;
    task_add(l, tid); /* a new task's first stop may come before its parent's event */
    if (sig == (SIGTRAP | 0x80)) {
        call_returned(l, tid);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_SECCOMP) {
        if (call_entered(l, tid))
            resume = PTRACE_SYSCALL; /* one more stop, at the call's return */
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_EXIT) {
        /* Before exit_mm(): the last live address space (§10.2). */
        if (tid == l->pid && l->execed && !launch_quitting(l)) {
            struct snapshot *s = capture_now(tid);
            if (s) /* read in a tracing stop ('t'), but the process is ending */
                s->proc.state = 'X';
            pthread_mutex_lock(&l->lock);
            snapshot_free(l->news.final);
            l->news.final = s;
            launch_wake(l);
            pthread_mutex_unlock(&l->lock);
        }
    } else if (sig == SIGTRAP &&
               (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK)) {
        unsigned long child = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, NULL, &child);
        if (child)
            task_add(l, (pid_t)child);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_EXEC) {
        const struct task *t = task_find(l, tid);
        pid_t tgid = t ? t->tgid : tid;
        unwinder_forget(l->unwinder, tgid); /* another program now */
        if (tgid != l->pid || l->execed) /* not the launch itself */
            process_ended(l, tgid, tid, TC_EXECVE, 0);
        if (tgid != l->pid) { /* a child runs another program: its name */
            char comm[16];
            comm_of(tgid, comm);
            pthread_mutex_lock(&l->lock);
            for (size_t i = 0; i < l->n_tasks; i++)
                if (l->tasks[i].tgid == tgid)
                    memcpy(l->tasks[i].comm, comm, sizeof comm);
            pthread_mutex_unlock(&l->lock);
        }
        if (tid == l->pid) {
            l->execed = true; /* before that, an exit is a failed start: nothing to show */
            struct snapshot *s = capture_now(tid);
            pthread_mutex_lock(&l->lock);
            if (!l->news.initial) {
                l->news.initial = s;
                s = NULL;
            }
            launch_wake(l);
            pthread_mutex_unlock(&l->lock);
            snapshot_free(s);
        }
    } else if (ev == PTRACE_EVENT_STOP) {
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
            ptrace(PTRACE_LISTEN, tid, NULL, NULL); /* a group-stop: stay stopped */
            return;
        }
    } else {
        inject = sig; /* a real signal: deliver it */
        if (sig == SIGSEGV || sig == SIGBUS)
            note_fault(l, tid, sig);
    }
    ptrace(resume, tid, NULL, (void *)(long)inject);
}

static void trace_loop(struct launch *l)
{
    while (l->n_tasks > 0) {
        int st;
        pid_t tid = waitpid(-1, &st, __WALL);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: nobody left */
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            const struct task *t = task_find(l, tid);
            if (t && t->tgid == tid && tid != l->pid) /* a child process's end */
                process_ended(l, tid, tid, TC_EXIT_GROUP,
                              WIFEXITED(st) ? (uint64_t)WEXITSTATUS(st)
                                            : 128 + (uint64_t)WTERMSIG(st));
            unwinder_forget(l->unwinder, tid); /* a process's leader: the process */
            task_forget(l, tid);
            if (tid == l->pid) {
                pthread_mutex_lock(&l->lock);
                l->news.exited = true;
                l->news.status = st;
                launch_wake(l);
                pthread_mutex_unlock(&l->lock);
            }
            continue;
        }
        if (WIFSTOPPED(st))
            handle_stop(l, tid, st);
    }
}

/* Waits for the exec stop, where the initial snapshot is taken. */
static void wait_exec(struct launch *l, pid_t pid)
{
    while (!l->news.initial && l->n_tasks > 0) {
        int st;
        pid_t tid = waitpid(pid, &st, __WALL);
        if (tid < 0 && errno == EINTR)
            continue;
        if (tid < 0 || !WIFSTOPPED(st)) {
            task_forget(l, pid);
            pthread_mutex_lock(&l->lock);
            l->news.exited = true;
            l->news.status = st;
            pthread_mutex_unlock(&l->lock);
            break;
        }
        bool exec_stop = WSTOPSIG(st) == SIGTRAP && ((unsigned)st >> 16) == PTRACE_EVENT_EXEC;
        handle_stop(l, tid, st);
        if (exec_stop)
            break;
    }
}

static char *cannot_start(const struct launch *l, const char *what, int err)
{
    char *cmd = sanitize_display_dup(l->opt.argv[0]);
    char *msg = xasprintf("cannot %s %s: %s%s", what, cmd, strerror(err),
                          strcmp(what, "trace") == 0
                              ? " (ptrace is needed to see the program exit; a container may "
                                "forbid it)"
                              : "");
    free(cmd);
    return msg;
}

void *tracer_main(void *arg)
{
    struct launch *l = arg;
    sigset_t all;
    sigfillset(&all);
    /* Signals are the main loop's, except SIGCHLD: each ptrace stop notifies the tracer's
     * thread group, and while every thread blocked it the kernel queued one per stop for the
     * main thread, interrupting and restarting its syscalls. Unblocked here, its default
     * disposition drops it when it is sent. */
    sigdelset(&all, SIGCHLD);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    int go[2], fail[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(fail, O_CLOEXEC) != 0) {
        launch_set_started(l, -errno, cannot_start(l, "start", errno));
        return NULL;
    }
    pid_t pid = fork();
    if (pid == 0)
        spawn_child(l, go[0], fail[1]);
    int fork_err = errno;
    close(go[0]);
    close(fail[1]);
    if (pid < 0) {
        close(go[1]);
        close(fail[0]);
        launch_set_started(l, -fork_err, cannot_start(l, "start", fork_err));
        return NULL;
    }
    l->pid = pid;
    /* Every thread is ours (TRACECLONE), so that a fault in any of them
     * stops it with its siginfo (note_fault); children only with --trace. */
    long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_TRACECLONE;
    if (l->filter.len) /* the filter is inherited: every task must be ours (§10.2) */
        opts |= PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
                PTRACE_O_TRACEVFORK;
    if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) != 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(go[1]);
        close(fail[0]);
        launch_set_started(l, -e, cannot_start(l, "trace", e));
        return NULL;
    }
    task_add(l, pid);
    ssize_t n = write(go[1], "g", 1);
    (void)n;
    close(go[1]);
    struct child_failure f;
    bool failed = read(fail[0], &f, sizeof f) == (ssize_t)sizeof f;
    close(fail[0]);
    if (failed) {
        char *why = spawn_describe_failure(l, f.step, f.err);
        trace_loop(l); /* let it end */
        launch_set_started(l, -f.err, why);
        return NULL;
    }
    if (l->filter.len && !l->opt.no_stacks)
        l->unwinder = unwinder_new(stack_table_shared());
    wait_exec(l, pid);
    launch_set_started(l, 0, NULL);
    trace_loop(l);
    unwinder_free(l->unwinder);
    l->unwinder = NULL;
    return NULL;
}
