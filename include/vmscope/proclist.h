/* proclist: every process on the system for the picker (libproc2): pid,
 * user, resident size and command line. Strings are the targets': sanitise
 * before display. */
#ifndef VMSCOPE_PROCLIST_H
#define VMSCOPE_PROCLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_entry {
    pid_t pid;
    char *user;
    uint64_t rss; /* bytes */
    char *command; /* command line, or [comm] for kernel threads */
};

/* Sorted by RSS, largest first. Returns 0 or -errno. */
int proclist_read(struct proc_entry **out, size_t *count);
void proclist_free(struct proc_entry *list, size_t count);
/* Why vmscope cannot read pid's address space (a static sentence), or
 * NULL when it can. */
const char *proclist_unreadable(pid_t pid);

#endif
