/* identity: who a process is (libproc2): comm, command line, exe, user,
 * state and thread count. The strings are raw bytes from the target:
 * sanitise before display. */
#ifndef VMSCOPE_IDENTITY_H
#define VMSCOPE_IDENTITY_H

#include <sys/types.h>
#include <stddef.h>

struct proc_identity {
    pid_t pid;
    char *comm;
    char **argv; /* argc strings; argv[argc] == NULL */
    size_t argc;
    char *exe; /* NULL when unreadable (another user's process) */
    uid_t uid;
    char *user; /* user name, or the uid as text */
    char state; /* 'R', 'S', 'Z', ... */
    int threads;
};

/* Returns 0, or -ESRCH when no such process exists. */
int identity_read(pid_t pid, struct proc_identity *id);
void identity_free(struct proc_identity *id);
/* Deep copy. */
void identity_copy(struct proc_identity *dst, const struct proc_identity *src);

#endif
