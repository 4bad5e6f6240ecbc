/* proclist: every process on the system for the picker (libproc2): pid,
 * user, resident size and command line. Strings are the targets': sanitise
 * before display. */
#ifndef VMSCOPE_PROCLIST_H
#define VMSCOPE_PROCLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_entry {
    pid_t pid;
    char *user;
    uint64_t rss; /* bytes */
    char *command; /* command line, or [comm] for kernel threads */
    int threads;   /* -1 when unknown */
};

/* What the picker shows beyond the list, read cheaply per process: the
 * maps lines counted (not parsed) and smaps_rollup's Pss and Swap (one
 * small file, no per-mapping records). */
struct proc_memory {
    const char *why; /* why vmscope cannot read it (a static sentence), or NULL */
    size_t mappings;
    uint64_t pss, swap; /* bytes */
    bool has_rollup;    /* pss and swap were read */
};

/* Sorted by RSS, largest first. Returns 0 or -errno. */
int proclist_read(struct proc_entry **out, size_t *count);
void proclist_free(struct proc_entry *list, size_t count);
/* Reads pid's proc_memory (why is NULL when vmscope can read it). */
void proclist_probe(pid_t pid, struct proc_memory *out);

#endif
