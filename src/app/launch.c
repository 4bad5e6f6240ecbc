/* Launch mode (see launch.h): fork, PTRACE_SEIZE, exec, and one tracer
 * thread that owns every ptrace call until the program is gone. */
#include "vmscope/launch.h"
#include "vmscope/capture.h"
#include "vmscope/features.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define TRACE_DATA 0x5653      /* SECCOMP_RET_DATA: "VS", so our stops are ours */
#define EVENT_QUEUE_MAX 65536  /* the tracee waits rather than an event being lost */
/* Events wake the caller in batches: a wake per call would cost the traced
 * program a context switch per call on a 2-CPU machine. The caller polls at
 * least every sample interval (and every 250 ms in the live view) anyway. */
#define EVENT_WAKE_BATCH 4096
#define MAX_GROUPS 256

/* What the child reports through the close-on-exec pipe when a step before
 * exec fails. */
enum child_step { STEP_EXEC, STEP_USER, STEP_FILTER, STEP_TERMINAL };

struct child_failure {
    int step;
    int err;
};

/* A traced task: a thread (tid) of a process (tgid). */
struct task {
    pid_t tid, tgid;
};

/* A call between its seccomp stop (arguments) and its exit stop (result). */
struct open_call {
    struct syscall_event ev;
};

struct launch {
    struct launch_options opt;
    pid_t pid;
    int master_fd, output_fd, wake_fd;
    char slave_path[64];
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_GROUPS];
    int n_groups;
    pthread_t thread;
    bool thread_started;

    pthread_mutex_t lock; /* guards what follows, up to the tracer's own */
    pthread_cond_t cond;  /* started, or room in the event queue */
    bool started, quit;
    int start_error;
    char *start_why;
    struct launch_news news;
    size_t events_cap;

    struct task *tasks; /* every task traced; written by the tracer only */
    size_t n_tasks, tasks_cap;

    /* The tracer thread's own. */
    bool execed;
    struct open_call *open;
    size_t n_open, open_cap;
};

static int install_filter(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), /* i386/x32 numbers differ */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_brk, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_munmap, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mremap, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_madvise, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | TRACE_DATA),
    };
    struct sock_fprog prog = {.len = ARRAY_LEN(f), .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static _Noreturn void child_fail(int fd, int step)
{
    struct child_failure f = {step, errno};
    ssize_t n = write(fd, &f, sizeof f);
    (void)n;
    _exit(127);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static _Noreturn void child_run(struct launch *l, int go_fd, int fail_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (l->master_fd >= 0) {
        /* Its own session with the pty as controlling terminal: the
         * program's output never reaches ours, and Ctrl-C in vmscope does
         * not hit it. */
        setsid();
        int s = open(l->slave_path, O_RDWR);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
            child_fail(fail_fd, STEP_TERMINAL);
        struct termios t;
        if (tcgetattr(s, &t) == 0) {
            t.c_oflag &= ~(tcflag_t)ONLCR; /* plain \n in the captured output */
            t.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(s, TCSANOW, &t);
        }
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
        if (s > 2)
            close(s);
    } else if (l->output_fd >= 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(l->output_fd, 1);
        dup2(l->output_fd, 2);
    }
    char go;
    if (read(go_fd, &go, 1) != 1) /* the tracer has seized us */
        _exit(126);
    if (l->opt.user && (setgroups((size_t)l->n_groups, l->groups) != 0 ||
                        setgid(l->gid) != 0 || setuid(l->uid) != 0))
        child_fail(fail_fd, STEP_USER);
    /* Only now: a filtered call with no tracer attached would fail with
     * ENOSYS (§10.2). */
    if (l->opt.trace && install_filter() != 0)
        child_fail(fail_fd, STEP_FILTER);
    execvp(l->opt.argv[0], l->opt.argv);
    child_fail(fail_fd, STEP_EXEC);
}

static void wake(struct launch *l)
{
    uint64_t one = 1;
    ssize_t n = write(l->wake_fd, &one, sizeof one);
    (void)n;
}

static pid_t tgid_of(pid_t tid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *fp = fopen(path, "re");
    pid_t tgid = tid;
    while (fp && fgets(line, sizeof line, fp))
        if (strncmp(line, "Tgid:", 5) == 0) {
            tgid = (pid_t)atoi(line + 5);
            break;
        }
    if (fp)
        fclose(fp);
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
static void task_add(struct launch *l, pid_t tid)
{
    if (task_find(l, tid)) /* only this thread writes the list */
        return;
    pid_t tgid = tid == l->pid ? tid : tgid_of(tid);
    pthread_mutex_lock(&l->lock);
    xgrow((void **)&l->tasks, &l->tasks_cap, l->n_tasks + 1, sizeof *l->tasks);
    l->tasks[l->n_tasks++] = (struct task){tid, tgid};
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

/* Seccomp stop: the call's arguments, before it runs. */
static void call_entered(struct launch *l, pid_t tid)
{
    struct __ptrace_syscall_info si;
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof si, &si) <= 0 ||
        si.op != PTRACE_SYSCALL_INFO_SECCOMP)
        return;
    enum traced_call c = traced_call_from_nr((long)si.seccomp.nr);
    if (c == TC_COUNT)
        return;
    xgrow((void **)&l->open, &l->open_cap, l->n_open + 1, sizeof *l->open);
    struct syscall_event *e = &l->open[l->n_open++].ev;
    memset(e, 0, sizeof *e);
    e->tid = tid;
    const struct task *task = task_find(l, tid);
    e->pid = task ? task->tgid : tid;
    e->call = c;
    for (int i = 0; i < 6; i++)
        e->args[i] = si.seccomp.args[i];
}

static void queue_event(struct launch *l, const struct syscall_event *e)
{
    pthread_mutex_lock(&l->lock);
    while (l->news.n_events >= EVENT_QUEUE_MAX && !l->quit)
        pthread_cond_wait(&l->cond, &l->lock);
    if (!l->quit) {
        xgrow((void **)&l->news.events, &l->events_cap, l->news.n_events + 1,
              sizeof *l->news.events);
        l->news.events[l->news.n_events++] = *e;
        if (l->news.n_events == EVENT_WAKE_BATCH || l->news.n_events == EVENT_QUEUE_MAX)
            wake(l);
    }
    pthread_mutex_unlock(&l->lock);
}

/* Syscall-exit stop after a seccomp stop: the result. */
static void call_returned(struct launch *l, pid_t tid)
{
    for (size_t i = 0; i < l->n_open; i++) {
        if (l->open[i].ev.tid != tid)
            continue;
        struct syscall_event e = l->open[i].ev;
        l->open[i] = l->open[--l->n_open];
        struct __ptrace_syscall_info si;
        if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof si, &si) <= 0 ||
            si.op != PTRACE_SYSCALL_INFO_EXIT)
            return;
        e.result = si.exit.rval;
        e.monotonic_ns = clock_monotonic_ns();
        queue_event(l, &e);
        return;
    }
}

static struct snapshot *capture_now(pid_t pid)
{
    struct snapshot *s = NULL;
    return capture_snapshot(pid, NULL, &s) == 0 ? s : NULL;
}

static void set_started(struct launch *l, int err, char *why)
{
    pthread_mutex_lock(&l->lock);
    l->started = true;
    l->start_error = err;
    l->start_why = why;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

static bool quitting(struct launch *l)
{
    pthread_mutex_lock(&l->lock);
    bool q = l->quit;
    pthread_mutex_unlock(&l->lock);
    return q;
}

static void handle_stop(struct launch *l, pid_t tid, int st)
{
    int sig = WSTOPSIG(st), ev = (unsigned)st >> 16, inject = 0;
    enum __ptrace_request resume = PTRACE_CONT;
    task_add(l, tid); /* a new task's first stop may come before its parent's event */
    if (sig == (SIGTRAP | 0x80)) {
        call_returned(l, tid);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_SECCOMP) {
        call_entered(l, tid);
        resume = PTRACE_SYSCALL; /* one more stop, at the call's return */
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_EXIT) {
        /* Before exit_mm(): the last live address space (§10.2). */
        if (tid == l->pid && l->execed && !quitting(l)) {
            struct snapshot *s = capture_now(tid);
            if (s) /* read in a tracing stop ('t'), but the process is ending */
                s->proc.state = 'X';
            pthread_mutex_lock(&l->lock);
            snapshot_free(l->news.final);
            l->news.final = s;
            wake(l);
            pthread_mutex_unlock(&l->lock);
        }
    } else if (sig == SIGTRAP &&
               (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK)) {
        unsigned long child = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, NULL, &child);
        if (child)
            task_add(l, (pid_t)child);
    } else if (sig == SIGTRAP && ev == PTRACE_EVENT_EXEC) {
        if (tid == l->pid) {
            l->execed = true; /* before that, an exit is a failed start: nothing to show */
            struct snapshot *s = capture_now(tid);
            pthread_mutex_lock(&l->lock);
            if (!l->news.initial) {
                l->news.initial = s;
                s = NULL;
            }
            wake(l);
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
            task_forget(l, tid);
            if (tid == l->pid) {
                pthread_mutex_lock(&l->lock);
                l->news.exited = true;
                l->news.status = st;
                wake(l);
                pthread_mutex_unlock(&l->lock);
            }
            continue;
        }
        if (WIFSTOPPED(st))
            handle_stop(l, tid, st);
    }
}

static char *describe_failure(const struct launch *l, const struct child_failure *f)
{
    const char *cmd = l->opt.argv[0];
    switch (f->step) {
    case STEP_USER:
        return xasprintf("cannot run %s as %s: %s", cmd, l->opt.user, strerror(f->err));
    case STEP_FILTER:
        return xasprintf("cannot install the --trace seccomp filter: %s", strerror(f->err));
    case STEP_TERMINAL:
        return xasprintf("cannot give %s a terminal: %s", cmd, strerror(f->err));
    default:
        return xasprintf("cannot run %s: %s", cmd, strerror(f->err));
    }
}

static void *tracer_main(void *arg)
{
    struct launch *l = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL); /* signals are the main loop's */
    int go[2], fail[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(fail, O_CLOEXEC) != 0) {
        set_started(l, -errno, xasprintf("cannot start %s: %s", l->opt.argv[0], strerror(errno)));
        return NULL;
    }
    pid_t pid = fork();
    if (pid == 0)
        child_run(l, go[0], fail[1]);
    int fork_err = errno;
    close(go[0]);
    close(fail[1]);
    if (pid < 0) {
        close(go[1]);
        close(fail[0]);
        set_started(l, -fork_err, xasprintf("cannot start %s: %s", l->opt.argv[0],
                                             strerror(fork_err)));
        return NULL;
    }
    l->pid = pid;
    long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC;
    if (l->opt.trace) /* the filter is inherited: every task must be ours (§10.2) */
        opts |= PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
                PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
    if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) != 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(go[1]);
        close(fail[0]);
        set_started(l, -e, xasprintf("cannot trace %s: %s (ptrace is needed to see the program "
                                     "exit; a container may forbid it)",
                                     l->opt.argv[0], strerror(e)));
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
        char *why = describe_failure(l, &f);
        trace_loop(l); /* let it end */
        set_started(l, -f.err, why);
        return NULL;
    }
    /* The exec stop comes first: the initial snapshot is taken there. */
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
    set_started(l, 0, NULL);
    trace_loop(l);
    return NULL;
}

/* Everything that may fail is done here, before the fork, so the child
 * only has to apply it. */
static int prepare(struct launch *l, char **why)
{
    if (l->opt.user) {
        if (geteuid() != 0) {
            *why = xasprintf("-u %s needs root (vmscope runs as uid %d)", l->opt.user,
                             (int)geteuid());
            return -EPERM;
        }
        struct passwd *pw = getpwnam(l->opt.user);
        if (!pw) {
            *why = xasprintf("-u: no such user '%s'", l->opt.user);
            return -ENOENT;
        }
        l->uid = pw->pw_uid;
        l->gid = pw->pw_gid;
        l->n_groups = MAX_GROUPS;
        if (getgrouplist(pw->pw_name, pw->pw_gid, l->groups, &l->n_groups) < 0)
            l->n_groups = MAX_GROUPS; /* the first MAX_GROUPS are enough to run */
    }
    if (l->opt.output >= 0) {
        l->output_fd = fcntl(l->opt.output, F_DUPFD_CLOEXEC, 3);
        if (l->output_fd < 0) {
            int e = errno;
            *why = xasprintf("cannot pass the program its output: %s", strerror(e));
            return -e;
        }
    } else if (l->opt.pty) {
        l->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (l->master_fd < 0 || grantpt(l->master_fd) != 0 || unlockpt(l->master_fd) != 0 ||
            ptsname_r(l->master_fd, l->slave_path, sizeof l->slave_path) != 0) {
            int e = errno;
            *why = xasprintf("cannot open a pseudo-terminal: %s", strerror(e));
            return -e;
        }
        struct winsize ws = {.ws_row = l->opt.rows ? l->opt.rows : 24,
                             .ws_col = l->opt.cols ? l->opt.cols : 80};
        ioctl(l->master_fd, TIOCSWINSZ, &ws);
        fcntl(l->master_fd, F_SETFL, fcntl(l->master_fd, F_GETFL) | O_NONBLOCK);
    }
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->wake_fd < 0) {
        int e = errno;
        *why = xasprintf("cannot start %s: %s", l->opt.argv[0], strerror(e));
        return -e;
    }
    return 0;
}

static void launch_free(struct launch *l)
{
    if (l->master_fd >= 0)
        close(l->master_fd);
    if (l->output_fd >= 0)
        close(l->output_fd);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    launch_news_free(&l->news);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l->start_why);
    free(l->tasks);
    free(l->open);
    free(l);
}

int launch_start(const struct launch_options *o, struct launch **out, char **why)
{
    *out = NULL;
    *why = NULL;
    struct launch *l = xcalloc(1, sizeof *l);
    l->opt = *o;
    l->master_fd = l->output_fd = l->wake_fd = -1;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    kernel_features(); /* probed once, before a second thread could race for it */
    int rc = prepare(l, why);
    if (rc == 0 && (rc = -pthread_create(&l->thread, NULL, tracer_main, l)) != 0)
        *why = xasprintf("cannot start the tracer: %s", strerror(-rc));
    if (rc < 0) {
        launch_free(l);
        return rc;
    }
    l->thread_started = true;
    pthread_mutex_lock(&l->lock);
    while (!l->started)
        pthread_cond_wait(&l->cond, &l->lock);
    rc = l->start_error;
    pthread_mutex_unlock(&l->lock);
    if (rc < 0) {
        *why = l->start_why;
        l->start_why = NULL;
        pthread_join(l->thread, NULL);
        launch_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

pid_t launch_pid(const struct launch *l)
{
    return l->pid;
}

int launch_output_fd(const struct launch *l)
{
    return l->master_fd;
}

int launch_wake_fd(const struct launch *l)
{
    return l->wake_fd;
}

void launch_poll(struct launch *l, struct launch_news *news)
{
    uint64_t count;
    ssize_t n = read(l->wake_fd, &count, sizeof count);
    (void)n;
    pthread_mutex_lock(&l->lock);
    *news = l->news;
    bool exited = l->news.exited;
    int status = l->news.status;
    memset(&l->news, 0, sizeof l->news);
    l->news.exited = exited; /* stays true: later polls still know */
    l->news.status = status;
    l->events_cap = 0;
    pthread_cond_broadcast(&l->cond); /* room in the queue */
    pthread_mutex_unlock(&l->lock);
}

void launch_news_free(struct launch_news *news)
{
    snapshot_free(news->initial);
    snapshot_free(news->final);
    free(news->events);
    memset(news, 0, sizeof *news);
}

void launch_stop(struct launch *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->quit = true;
    for (size_t i = 0; i < l->n_tasks; i++) /* the program, its threads and children */
        kill(l->tasks[i].tid, SIGKILL);
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    if (l->thread_started)
        pthread_join(l->thread, NULL);
    launch_free(l);
}

void launch_describe_status(int status, char *out, size_t size)
{
    if (WIFEXITED(status)) {
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        snprintf(out, size, "killed by SIG%s%s", name ? name : "?",
                 WCOREDUMP(status) ? " (core dumped)" : "");
    } else {
        snprintf(out, size, "ended (wait status %#x)", (unsigned)status);
    }
}
