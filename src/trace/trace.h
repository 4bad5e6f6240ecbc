/* The tracer layer's own contract (not exported): the launch object the
 * four files share. launch.c is the API and the event queue, spawn.c
 * prepares and runs the child up to exec, tracer.c is the ptrace loop,
 * filter.c the seccomp filter and the system call tables per ABI,
 * output.c drains the program's terminal when the caller does not,
 * unwind.c reads the stack of each traced call (the tracer thread's). */
#ifndef VMSCOPE_TRACE_H
#define VMSCOPE_TRACE_H

#include <linux/filter.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/launch.h"

#define MAX_GROUPS 256
/* SECCOMP_RET_DATA of our filter ("VS"): a stop with other data comes
 * from the program's own filter. */
#define TRACE_DATA 0x5653

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
    char comm[16]; /* a child process's program (its comm), "" for the launched one */
};

/* A call between its seccomp stop (arguments) and its exit stop (result). */
struct open_call {
    struct syscall_event ev;
    bool compat; /* a 32-bit call: its result is 32 bits */
};

struct launch {
    struct launch_options opt;
    pid_t pid;
    int master_fd;   /* the program's terminal, master side */
    int output_fd;   /* where output.c copies it (ours, a dup), or -1 */
    int wake_fd;
    char slave_path[64];
    /* -u */
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_GROUPS];
    int n_groups;
    char **envp;        /* the program's environment (-u: the user's), or NULL */
    bool privileged;    /* root: the filter goes in before the switch, without no_new_privs */
    struct sock_fprog filter; /* built before the fork; .len 0 without --trace */

    pthread_t thread, pump;
    bool thread_started, pump_started;
    int pump_stop_fd; /* eventfd: tells output.c to end */

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
    struct unwinder *unwinder; /* --trace with stacks, else NULL */
    struct open_call *open;
    size_t n_open, open_cap;
};

/* spawn.c */
int spawn_prepare(struct launch *l, char **why);
_Noreturn void spawn_child(struct launch *l, int go_fd, int fail_fd);
char *spawn_describe_failure(const struct launch *l, int step, int err);
void spawn_free(struct launch *l);

/* tracer.c: the tracer thread's body. */
void *tracer_main(void *arg);

/* filter.c */
/* Builds the --trace filter into *prog (0 and prog->len 0 when this
 * architecture has no tables: --trace then says so and runs untraced). */
int trace_filter_build(struct sock_fprog *prog);
void trace_filter_free(struct sock_fprog *prog);
/* Fills e->call and e->args from a seccomp stop's ABI, number and
 * arguments; false if the call is not one we trace. *compat is set for
 * a 32-bit ABI (its result is 32 bits). */
bool trace_decode_call(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6],
                       struct syscall_event *e, bool *compat);

/* unwind.c: the tracer thread's, like every ptrace call. */
struct stack_table;
struct unwinder *unwinder_new(struct stack_table *table);
void unwinder_free(struct unwinder *u);
/* The stack of thread tid of process tgid, stopped in a tracing stop;
 * NULL if it cannot be read at all (what could be read is kept). */
const struct stack *unwinder_stack(struct unwinder *u, pid_t tgid, pid_t tid);
/* After call e returned: a file mapped means new modules. */
void unwinder_mapped(struct unwinder *u, pid_t tgid, const struct syscall_event *e);
/* An exec or an exit: what we knew of the process is gone. */
void unwinder_forget(struct unwinder *u, pid_t tgid);

/* output.c */
int output_pump_start(struct launch *l);
void output_pump_stop(struct launch *l);

/* launch.c: the event queue, fed by the tracer. */
void launch_wake(struct launch *l);
void launch_queue_event(struct launch *l, const struct syscall_event *e);
void launch_set_started(struct launch *l, int err, char *why);
bool launch_quitting(struct launch *l);

#endif
