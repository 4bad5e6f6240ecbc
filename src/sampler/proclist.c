/* The process list through libproc2's pids API. */
#include "vmscope/proclist.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <libproc2/pids.h>

enum list_item { LI_PID, LI_USER, LI_RSS, LI_CMDLINE, LI_CMD };
static enum pids_item list_items[] = {PIDS_ID_PID, PIDS_ID_RUSER, PIDS_VM_RSS, PIDS_CMDLINE,
                                      PIDS_CMD};
#define LI_VAL(stack, rel, type) ((stack)->head[(rel)].result.type)

static int by_rss(const void *a, const void *b)
{
    const struct proc_entry *x = a, *y = b;
    if (x->rss != y->rss)
        return x->rss < y->rss ? 1 : -1;
    return x->pid - y->pid;
}

int proclist_read(struct proc_entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    struct pids_info *info = NULL;
    if (procps_pids_new(&info, list_items, (int)ARRAY_LEN(list_items)) < 0)
        return -ENOMEM;
    struct pids_fetch *f = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
    if (!f) {
        procps_pids_unref(&info);
        return -EIO;
    }
    size_t n = (size_t)f->counts->total;
    struct proc_entry *list = xcalloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < n; i++) {
        struct pids_stack *s = f->stacks[i];
        const char *cmd = LI_VAL(s, LI_CMDLINE, str);
        const char *comm = LI_VAL(s, LI_CMD, str);
        list[i].pid = LI_VAL(s, LI_PID, s_int);
        list[i].user = xstrdup(LI_VAL(s, LI_USER, str) ? LI_VAL(s, LI_USER, str) : "?");
        list[i].rss = (uint64_t)LI_VAL(s, LI_RSS, ul_int) * 1024; /* KiB */
        list[i].command = cmd && cmd[0] && strcmp(cmd, "-") != 0
                              ? xstrdup(cmd)
                              : xasprintf("[%s]", comm ? comm : "?");
    }
    procps_pids_unref(&info);
    qsort(list, n, sizeof *list, by_rss);
    *out = list;
    *count = n;
    return 0;
}

void proclist_free(struct proc_entry *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].user);
        free(list[i].command);
    }
    free(list);
}

const char *proclist_unreadable(pid_t pid)
{
    char path[64], c;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? "it has exited"
               : errno == EACCES || errno == EPERM
                   ? "permission denied: run vmscope as root or as the process's user"
                   : "its /proc files cannot be opened";
    ssize_t r = read(fd, &c, 1);
    int err = errno;
    close(fd);
    if (r < 0)
        return err == EACCES || err == EPERM
                   ? "permission denied: run vmscope as root or as the process's user"
                   : "its memory map cannot be read";
    return r == 0 ? "a kernel thread (or a zombie): no user address space" : NULL;
}
