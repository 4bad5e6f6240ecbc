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

enum list_item { LI_PID, LI_USER, LI_RSS, LI_CMDLINE, LI_CMD, LI_NLWP };
static enum pids_item list_items[] = {PIDS_ID_PID, PIDS_ID_RUSER, PIDS_VM_RSS, PIDS_CMDLINE,
                                      PIDS_CMD, PIDS_NLWP};
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
        list[i].threads = LI_VAL(s, LI_NLWP, s_int);
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

static const char *why_not(int err, bool opened)
{
    if (err == ENOENT || err == ESRCH)
        return "it has exited";
    if (err == EACCES || err == EPERM)
        return "permission denied: run vmscope as root or as the process's user";
    return opened ? "its memory map cannot be read" : "its /proc files cannot be opened";
}

/* Bytes of "Key:   N kB" in a smaps_rollup text, or 0. */
static uint64_t rollup_value(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 10) * 1024 : 0;
}

void proclist_probe(pid_t pid, struct proc_memory *out)
{
    memset(out, 0, sizeof *out);
    char path[64], buf[16384];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out->why = why_not(errno, false);
        return;
    }
    /* count the lines: one per mapping */
    ssize_t r;
    bool any = false;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        any = true;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
            out->mappings++;
    }
    int err = errno;
    close(fd);
    if (r < 0) {
        out->why = why_not(err, true);
        return;
    }
    if (!any) {
        out->why = "a kernel thread (or a zombie): no user address space";
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    r = read(fd, buf, sizeof buf - 1); /* the rollup is one record, well under 4 KiB */
    close(fd);
    if (r <= 0)
        return;
    buf[r] = '\0';
    out->pss = rollup_value(buf, "\nPss:");
    out->swap = rollup_value(buf, "\nSwap:");
    out->has_rollup = strstr(buf, "\nPss:") != NULL;
}
