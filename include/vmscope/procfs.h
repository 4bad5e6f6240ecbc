/* procfs: access to one target process through a /proc/PID directory fd.
 *
 * The directory is opened once; every file is opened relative to it, so a
 * recycled pid can never make us read another process. Errors are -errno:
 * -ESRCH means the process is gone (ENOENT from an openat on a dead
 * process's directory is mapped to ESRCH), -EACCES/-EPERM a privilege
 * problem. */
#ifndef VMSCOPE_PROCFS_H
#define VMSCOPE_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/buf.h"

struct proc_target {
    pid_t pid;
    int dirfd;
};

int proc_target_open(struct proc_target *t, pid_t pid);
void proc_target_close(struct proc_target *t);
/* Open a file under /proc/PID (flags as openat). Returns fd or -errno. */
int proc_openat(const struct proc_target *t, const char *name, int flags);
/* Read a whole file under /proc/PID into out (appending). */
int proc_read_file(const struct proc_target *t, const char *name, struct buf *out);
/* Open the file a mapping shows, only through the target's view and only
 * once it is checked to be the very regular file mapped (dev, inode):
 * /proc/PID/map_files/START-END where permitted (CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE), /proc/PID/exe, else the path resolved inside
 * /proc/PID/root without following its last component. Nothing is opened
 * for reading before the check (O_PATH first), and never a path in our
 * own mount namespace. Returns an fd or -errno. */
struct vma;
int proc_open_mapped_file(const struct proc_target *t, const struct vma *v);
/* stat() of a path as the process sees it (inside /proc/PID/root, the
 * last component not followed). 0 or -errno. */
struct stat;
int proc_stat_in_root(const struct proc_target *t, const char *path, struct stat *st);
/* 1 if the process is alive (not a zombie), 0 if it exited, or -errno. */
int proc_is_alive(const struct proc_target *t);
/* len bytes (within one page) of the process's memory at addr, read only
 * when that page is present in RAM (pagemap), so reading it faults nothing
 * in: the process's pages, fault counts and zero-page mappings stay as
 * they were. 0, -ENODATA when the page is not present, or -errno. The
 * read itself is by pid (process_vm_readv), for header bytes that only
 * add evidence. */
int proc_read_present_memory(const struct proc_target *t, uint64_t addr, void *out, size_t len);

#endif
