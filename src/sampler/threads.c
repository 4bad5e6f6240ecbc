/* Thread stack pointers from /proc/PID/task/TID/syscall (§6). */
#include "vmscope/threads.h"
#include "vmscope/buf.h"
#include "vmscope/procfile.h"
#include "vmscope/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "TID (comm) S ...": the comm (between the first '(' and the last ')',
 * as it may hold either) and the state after it. */
static void task_stat_name(const char *text, size_t len, char *name, size_t size, char *state)
{
    const char *open = memchr(text, '(', len), *close = NULL;
    for (const char *p = text + len; p-- > text && !close;)
        if (*p == ')')
            close = p;
    if (!open || !close || close < open)
        return;
    size_t n = (size_t)(close - open - 1);
    n = n < size - 1 ? n : size - 1;
    memcpy(name, open + 1, n);
    name[n] = '\0';
    if (close + 2 < text + len)
        *state = close[2];
}

void thread_list_free(struct thread_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

int threads_read(const struct proc_target *t, struct thread_list *out)
{
    return threads_read_except(t, out, NULL, NULL);
}

int threads_read_except(const struct proc_target *t, struct thread_list *out,
                        bool (*known)(void *arg, pid_t tid), void *arg)
{
    memset(out, 0, sizeof *out);
    int fd = proc_openat(t, "task", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd;
    DIR *d = fdopendir(fd);
    if (!d) {
        int err = errno;
        close(fd);
        return -err;
    }
    struct buf b;
    buf_init(&b);
    struct dirent *de;
    while ((de = readdir(d))) {
        char *q;
        long tid = strtol(de->d_name, &q, 10);
        if (*q || tid <= 0)
            continue;
        xgrow((void **)&out->items, &out->capacity, out->count + 1, sizeof *out->items);
        struct thread_sp *ts = &out->items[out->count++];
        memset(ts, 0, sizeof *ts);
        ts->tid = (pid_t)tid;
        if (known && known(arg, ts->tid))
            continue;
        char path[64];
        snprintf(path, sizeof path, "task/%ld/stat", tid);
        buf_reset(&b);
        if (proc_read_file(t, path, &b) == 0)
            task_stat_name(b.data, b.len, ts->name, sizeof ts->name, &ts->state);
        snprintf(path, sizeof path, "task/%ld/syscall", tid);
        buf_reset(&b);
        int rc = proc_read_file(t, path, &b);
        if (rc == -EACCES || rc == -EPERM) {
            out->denied++;
            continue;
        }
        if (rc < 0)
            continue; /* the thread exited meanwhile */
        uint64_t sp;
        if (task_syscall_parse(b.data, b.len, &sp) == 1) {
            ts->sp = sp;
            ts->sp_known = true;
        }
    }
    buf_free(&b);
    closedir(d);
    return 0;
}
