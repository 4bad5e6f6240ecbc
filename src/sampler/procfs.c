/* /proc/PID access through one directory fd (see procfs.h). */
#include "vmscope/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vmscope/procfile.h"
#include "vmscope/vma.h"

int proc_target_open(struct proc_target *t, pid_t pid)
{
    char path[32];
    t->pid = pid;
    t->dirfd = -1;
    if (pid <= 0)
        return -ESRCH;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    t->dirfd = fd;
    return 0;
}

void proc_target_close(struct proc_target *t)
{
    if (t->dirfd >= 0)
        close(t->dirfd);
    t->dirfd = -1;
}

int proc_openat(const struct proc_target *t, const char *name, int flags)
{
    int fd = openat(t->dirfd, name, flags | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    /* Once the process is reaped its directory entries vanish: ENOENT (or
     * ESRCH) from a name that always exists means "exited". */
    return (errno == ENOENT || errno == ESRCH) ? -ESRCH : -errno;
}

int proc_read_file(const struct proc_target *t, const char *name, struct buf *out)
{
    int fd = proc_openat(t, name, O_RDONLY);
    if (fd < 0)
        return fd;
    int rc = buf_read_fd(out, fd);
    close(fd);
    return rc;
}

static bool same_file(int fd, const struct vma *v)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == v->inode &&
           major(st.st_dev) == v->dev_major && minor(st.st_dev) == v->dev_minor;
}

/* An O_PATH fd (nothing opened yet) becomes a readable one only when it is
 * the mapped regular file: a FIFO, a device or another inode is never
 * opened for reading. */
static int reopen_if_same(int path_fd, const struct vma *v)
{
    if (path_fd < 0)
        return path_fd;
    int fd = -ENOENT;
    if (same_file(path_fd, v)) {
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", path_fd);
        fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            fd = -errno;
        else if (!same_file(fd, v)) {
            close(fd);
            fd = -ENOENT;
        }
    }
    close(path_fd);
    return fd;
}

/* The path as the target sees it: resolved under /proc/PID/root, with
 * its symlinks and ".." kept inside that root (openat2 RESOLVE_IN_ROOT),
 * the last component never followed. Never a path in our own mount
 * namespace: another user's namespace could point it anywhere of ours. */
static int open_in_target_root(const struct proc_target *t, const char *path)
{
    int root = proc_openat(t, "root", O_PATH | O_DIRECTORY);
    if (root < 0)
        return root;
    while (*path == '/')
        path++;
    struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) { /* before 5.6: relative to the root, last link not followed */
        fd = openat(root, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    int e = errno;
    close(root);
    return fd >= 0 ? fd : -e;
}

int proc_stat_in_root(const struct proc_target *t, const char *path, struct stat *st)
{
    int fd = open_in_target_root(t, path);
    if (fd < 0)
        return fd;
    int rc = fstat(fd, st) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int proc_open_mapped_file(const struct proc_target *t, const struct vma *v)
{
    char name[64];
    snprintf(name, sizeof name, "map_files/%llx-%llx", (unsigned long long)v->start,
             (unsigned long long)v->end);
    int fd = reopen_if_same(proc_openat(t, name, O_PATH), v);
    if (fd < 0)
        fd = reopen_if_same(proc_openat(t, "exe", O_PATH), v);
    if (fd < 0 && !v->deleted && v->name[0] == '/')
        fd = reopen_if_same(open_in_target_root(t, v->name), v);
    return fd < 0 ? -ENOENT : fd;
}

int proc_is_alive(const struct proc_target *t)
{
    struct buf b;
    buf_init(&b);
    int rc = proc_read_file(t, "stat", &b);
    if (rc == -ESRCH) {
        buf_free(&b);
        return 0;
    }
    if (rc < 0) {
        buf_free(&b);
        return rc;
    }
    struct proc_stat st;
    rc = stat_parse(b.data, b.len, &st);
    buf_free(&b);
    if (rc < 0)
        return 0; /* an empty stat is a process being torn down */
    return st.state != 'Z' && st.state != 'X' && st.state != 'x';
}

int proc_read_present_memory(const struct proc_target *t, uint64_t addr, void *out, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || len == 0 || addr / (uint64_t)page != (addr + len - 1) / (uint64_t)page)
        return -EINVAL;
    int fd = proc_openat(t, "pagemap", O_RDONLY);
    if (fd < 0)
        return fd;
    uint64_t entry = 0;
    ssize_t got = pread(fd, &entry, sizeof entry, (off_t)(addr / (uint64_t)page * sizeof entry));
    int err = errno;
    close(fd);
    if (got != (ssize_t)sizeof entry)
        return got < 0 ? -err : -EIO;
    if (!(entry >> 63 & 1)) /* not present (or swapped): reading would fault it in */
        return -ENODATA;
    struct iovec local = {out, len}, remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_readv(t->pid, &local, 1, &remote, 1, 0);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EFAULT;
}
