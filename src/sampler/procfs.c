/* /proc/PID access through one directory fd (see procfs.h). */
#include "vmscope/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
    return fstat(fd, &st) == 0 && st.st_ino == v->inode && major(st.st_dev) == v->dev_major &&
           minor(st.st_dev) == v->dev_minor;
}

/* fd if it is the mapped inode; closed otherwise. */
static int keep_if_same(int fd, const struct vma *v)
{
    if (fd >= 0 && same_file(fd, v))
        return fd;
    if (fd >= 0)
        close(fd);
    return -ENOENT;
}

int proc_open_mapped_file(const struct proc_target *t, const struct vma *v)
{
    int fd = keep_if_same(proc_openat(t, "exe", O_RDONLY), v);
    if (fd < 0 && !v->deleted && v->name[0] == '/')
        fd = keep_if_same(open(v->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), v);
    if (fd < 0) {
        char name[64];
        snprintf(name, sizeof name, "map_files/%llx-%llx", (unsigned long long)v->start,
                 (unsigned long long)v->end);
        fd = keep_if_same(proc_openat(t, name, O_RDONLY), v);
    }
    return fd;
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
