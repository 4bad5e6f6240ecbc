/* /proc/PID access through one directory fd (see procfs.h). */
#include "vmscope/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmscope/procfile.h"

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
