/* Process identity through libproc2's pids API. */
#include "vmscope/identity.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libproc2/pids.h>

enum identity_item { ID_PID, ID_CMD, ID_CMDLINE_V, ID_EXE, ID_RUID, ID_RUSER, ID_STATE, ID_NLWP };
static enum pids_item identity_items[] = {
    PIDS_ID_PID, PIDS_CMD, PIDS_CMDLINE_V, PIDS_EXE, PIDS_ID_RUID, PIDS_ID_RUSER,
    PIDS_STATE, PIDS_NLWP,
};

/* The name exactly as the kernel keeps it: libproc2's PIDS_CMD replaces
 * bytes it cannot print, which loses them (formats.md's _hex rule keeps
 * them instead). NULL if it cannot be read. */
static char *read_raw_comm(pid_t pid)
{
    char path[40], name[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = read(fd, name, sizeof name);
    close(fd);
    if (n <= 0)
        return NULL;
    if (name[n - 1] == '\n')
        n--;
    return xmemdup0(name, (size_t)n);
}

/* 4.0.2's PIDS_VAL takes four arguments, newer releases three: index the
 * result array directly so both build. */
#define ID_VAL(stack, rel, type) ((stack)->head[(rel)].result.type)

int identity_read(pid_t pid, struct proc_identity *id)
{
    memset(id, 0, sizeof *id);
    struct pids_info *info = NULL;
    if (procps_pids_new(&info, identity_items, (int)ARRAY_LEN(identity_items)) < 0)
        return -ENOMEM;
    unsigned want = (unsigned)pid;
    struct pids_fetch *f = procps_pids_select(info, &want, 1, PIDS_SELECT_PID);
    if (!f || f->counts->total != 1) {
        procps_pids_unref(&info);
        return -ESRCH;
    }
    struct pids_stack *s = f->stacks[0];
    id->pid = ID_VAL(s, ID_PID, s_int);
    id->comm = read_raw_comm(pid);
    if (!id->comm)
        id->comm = xstrdup(ID_VAL(s, ID_CMD, str) ? ID_VAL(s, ID_CMD, str) : "");
    char **v = ID_VAL(s, ID_CMDLINE_V, strv);
    size_t n = 0;
    /* Kernel threads have no command line; libproc2 then gives "[comm]"-style
     * or empty vectors: keep whatever it has. */
    while (v && v[n])
        n++;
    id->argv = xcalloc(n + 1, sizeof *id->argv);
    for (size_t i = 0; i < n; i++)
        id->argv[i] = xstrdup(v[i]);
    id->argc = n;
    const char *exe = ID_VAL(s, ID_EXE, str);
    /* libproc2 writes "-" when the link cannot be read. */
    id->exe = (exe && exe[0] && strcmp(exe, "-") != 0) ? xstrdup(exe) : NULL;
    id->uid = ID_VAL(s, ID_RUID, u_int);
    const char *user = ID_VAL(s, ID_RUSER, str);
    id->user = user && user[0] ? xstrdup(user) : xasprintf("%u", (unsigned)id->uid);
    id->state = ID_VAL(s, ID_STATE, s_ch);
    id->threads = ID_VAL(s, ID_NLWP, s_int);
    procps_pids_unref(&info);
    return 0;
}

void identity_free(struct proc_identity *id)
{
    free(id->comm);
    for (size_t i = 0; i < id->argc; i++)
        free(id->argv[i]);
    free(id->argv);
    free(id->exe);
    free(id->user);
    memset(id, 0, sizeof *id);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void identity_copy(struct proc_identity *dst, const struct proc_identity *src)
{
    *dst = *src;
    dst->comm = dup_or_null(src->comm);
    dst->exe = dup_or_null(src->exe);
    dst->user = dup_or_null(src->user);
    dst->argv = xcalloc(src->argc + 1, sizeof *dst->argv);
    for (size_t i = 0; i < src->argc; i++)
        dst->argv[i] = xstrdup(src->argv[i]);
}
