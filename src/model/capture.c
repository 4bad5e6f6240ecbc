/* Live capture of one snapshot (see capture.h). */
#include "vmscope/capture.h"
#include "vmscope/classify.h"
#include "vmscope/features.h"
#include "vmscope/pagemap.h"
#include "vmscope/procfs.h"
#include "vmscope/smaps.h"
#include "vmscope/smaps_stream.h"
#include "vmscope/threads.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* " (deleted)" is ambiguous: a live file may really be named so. When the
 * full name still resolves to the mapped inode, the file is not deleted. */
static void resolve_deleted_name(struct vma *v)
{
    if (!v->deleted || v->name[0] != '/' || v->inode == 0)
        return;
    char *full = xasprintf("%s (deleted)", v->name);
    struct stat st;
    if (stat(full, &st) == 0 && st.st_ino == v->inode && major(st.st_dev) == v->dev_major &&
        minor(st.st_dev) == v->dev_minor) {
        free(v->name);
        v->name = full;
        v->name_len = strlen(full);
        v->deleted = false;
    } else {
        free(full);
    }
}

/* Hands finished records to the observer while the stream is still read.
 * A record is finished once the next one has begun: the parser's race rule
 * only ever rewrites the record in progress. */
struct vma_notifier {
    struct vma_list *vmas;
    struct smaps_parser *parser;
    size_t done; /* records already handed out */
    const struct capture_options *opt;
};

static void notify_upto(struct vma_notifier *n, size_t upto)
{
    /* The race rule can rewrite records we already handed out: hand them
     * out again (observers restart from a lower index). */
    if (n->parser->rewritten_from < n->done)
        n->done = n->parser->rewritten_from;
    n->parser->rewritten_from = SIZE_MAX;
    for (; n->done < upto; n->done++) {
        struct vma *v = &n->vmas->items[n->done];
        resolve_deleted_name(v);
        if (n->opt && n->opt->on_vma)
            n->opt->on_vma(n->opt->on_vma_arg, v, n->done);
    }
}

static void notify_finished(void *arg)
{
    struct vma_notifier *n = arg;
    if (n->vmas->count > 1)
        notify_upto(n, n->vmas->count - 1);
}

/* A process that exits (or execs) while we read smaps cuts the read short:
 * the kernel just ends the file. Report that as an exit (or ask for a
 * retry after an exec), never as a smaller address space. */
static int check_complete(const struct proc_target *t, const struct vma_list *vmas)
{
    struct buf b;
    buf_init(&b);
    struct proc_stat st;
    int rc = proc_read_file(t, "stat", &b);
    if (rc == 0 && stat_parse(b.data, b.len, &st) < 0)
        rc = -ESRCH;
    buf_free(&b);
    if (rc < 0)
        return rc;
    if (st.state == 'Z' || st.state == 'X' || st.state == 'x')
        return -ESRCH;
    if (vmas->count == 0)
        return (st.flags & STAT_PF_KTHREAD) ? -ENODATA : -ESRCH;
    if (st.vsize == 0)
        return -ESRCH; /* exit_mm() already ran: the task is on its way out */
    if (kernel_features()->gate_vma) {
        const struct vma *last = &vmas->items[vmas->count - 1];
        if (strcmp(last->name, "[vsyscall]") != 0)
            return -EAGAIN; /* alive with a new mm: it exec'ed under us */
    }
    return 0;
}

static void fill_system(struct snapshot_system *sys)
{
    const struct kernel_features *f = kernel_features();
    memcpy(sys->kernel, f->kernel_release, sizeof sys->kernel);
    sys->page_size = f->page_size;
    sys->privileged = f->pfn_visible && f->kpageflags;
}

/* The records move into the snapshot as they are (no copy: 20,000 of them
 * are 6 MB); regions point at them. */
static void take_regions(struct snapshot *s, struct vma_list *l)
{
    s->vmas = l->items;
    s->n_regions = l->count;
    s->regions = xcalloc(l->count, sizeof *s->regions);
    for (size_t i = 0; i < l->count; i++)
        s->regions[i].vma = &s->vmas[i];
    vma_list_init(l);
}

static int capture_once(pid_t pid, const struct capture_options *opt, struct snapshot **out)
{
    *out = NULL;
    uint64_t t0 = clock_monotonic_ns();
    struct proc_target t;
    int rc = proc_target_open(&t, pid);
    if (rc < 0)
        return rc == -ESRCH ? -ENOENT : rc;

    struct snapshot *s = xcalloc(1, sizeof *s);
    struct vma_list vmas;
    struct thread_list threads = {0};
    struct proc_stat stat = {0};
    struct buf b;
    vma_list_init(&vmas);
    buf_init(&b);

    s->realtime_ns = clock_realtime_ns();
    s->monotonic_ns = clock_monotonic_ns();
    fill_system(&s->system);
    /* smaps in one pass (the maps lines come with it, so no maps/smaps
     * skew), read on a background thread while we gather the rest. */
    struct smaps_stream *stream = NULL;
    if ((rc = smaps_stream_start(&t, &stream)) < 0)
        goto fail;
    struct smaps_parser parser;
    smaps_parser_init(&parser, &vmas);
    rc = identity_read(pid, &s->proc);
    if (rc == 0)
        rc = proc_read_file(&t, "stat", &b);
    if (rc == 0 && stat_parse(b.data, b.len, &stat) < 0)
        rc = -ESRCH; /* an empty stat is a process being torn down */
    if (rc == 0)
        rc = threads_read(&t, &threads);
    /* Always drain the stream, even after an error, so the thread ends. */
    struct vma_notifier notifier = {.vmas = &vmas, .parser = &parser, .opt = opt};
    int read_rc = smaps_stream_consume(stream, &parser, notify_finished, &notifier);
    smaps_parser_finish(&parser);
    bool cut = parser.truncated; /* the kernel ends smaps on a record boundary */
    notify_upto(&notifier, vmas.count);
    smaps_parser_free(&parser);
    if (rc == 0)
        rc = read_rc;
    if (rc == 0 && cut)
        rc = -EAGAIN; /* a line cut short: read again */
    if (rc < 0)
        goto fail;
    buf_reset(&b);
    if (proc_read_file(&t, "status", &b) == 0 && status_parse(b.data, b.len, &s->status) == 0)
        s->has_status = true;
    if (opt && opt->census && vmas.count) {
        struct pagemap_reader pm;
        if ((rc = pagemap_open(&pm, &t)) < 0)
            goto fail;
        rc = pagemap_census(&pm, vmas.items, vmas.count);
        s->census_measured = pm.measured;
        pagemap_close(&pm);
        if (rc < 0)
            goto fail;
        s->has_census = true;
    }
    if ((rc = check_complete(&t, &vmas)) < 0)
        goto fail;
    s->has_pss = true;
    take_regions(s, &vmas);
    struct classify_context ctx = {
        .target = &t, .stat = &stat, .threads = &threads,
        .previous = opt && opt->previous && opt->previous->proc.pid == pid ? opt->previous : NULL,
    };
    classify_snapshot(s, &ctx);
    snapshot_compute_totals(s);
    s->sample_cost_ns = clock_monotonic_ns() - t0;
    *out = s;
    rc = 0;
    goto done;
fail:
    snapshot_free(s);
done:
    vma_list_free(&vmas);
    thread_list_free(&threads);
    buf_free(&b);
    proc_target_close(&t);
    return rc;
}

int capture_snapshot(pid_t pid, const struct capture_options *opt, struct snapshot **out)
{
    int rc;
    for (int attempt = 0; attempt < 3; attempt++)
        if ((rc = capture_once(pid, opt, out)) != -EAGAIN)
            return rc;
    return -ESRCH; /* exec'ing in a loop: we cannot get a consistent picture */
}

char *capture_error_message(pid_t pid, int err)
{
    switch (-err) {
    case ENOENT:
        return xasprintf("no process with pid %d", (int)pid);
    case ESRCH:
        return xasprintf("process %d exited", (int)pid);
    case EACCES:
    case EPERM:
        return xasprintf("permission denied reading the memory maps of process %d: it belongs to "
                         "another user or is not dumpable; run vmscope as its owner, or as root "
                         "(CAP_SYS_PTRACE)", (int)pid);
    case ENODATA:
        return xasprintf("process %d is a kernel thread: it has no user address space", (int)pid);
    default:
        return xasprintf("cannot sample process %d: %s", (int)pid, strerror(-err));
    }
}
