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
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* " (deleted)" is ambiguous: a live file may really be named so. When the
 * full name still resolves to the mapped inode, the file is not deleted. */
static void resolve_deleted_name(const struct proc_target *t, struct vma *v)
{
    if (!v->deleted || v->name[0] != '/' || v->inode == 0)
        return;
    char *full = xasprintf("%s (deleted)", v->name);
    struct stat st; /* as the process sees the path, never in our mount namespace */
    if (proc_stat_in_root(t, full, &st) == 0 && st.st_ino == v->inode && major(st.st_dev) == v->dev_major &&
        minor(st.st_dev) == v->dev_minor) {
        free(v->name);
        v->name = full;
        v->name_len = strlen(full);
        v->deleted = false;
    } else {
        free(full);
    }
}

/* maps writes a newline in a name as the four bytes "\012" but leaves a
 * backslash alone, so a file literally named "lit\012eral" decodes to a
 * newline. map_files' link holds the raw name: when the decoded name has a
 * newline, it decides (kernel-interfaces.md 1.2; readlink needs only
 * ptrace-read access). */
static void resolve_escaped_name(const struct proc_target *t, struct vma *v)
{
    if (!t || v->inode == 0 || !memchr(v->name, '\n', v->name_len))
        return;
    char link[64], target[PATH_MAX + 16];
    snprintf(link, sizeof link, "map_files/%" PRIx64 "-%" PRIx64, v->start, v->end);
    ssize_t n = readlinkat(t->dirfd, link, target, sizeof target);
    if (n <= 0 || (size_t)n >= sizeof target)
        return;
    static const char suffix[] = " (deleted)";
    size_t sl = sizeof suffix - 1;
    if (v->deleted && (size_t)n >= sl && memcmp(target + n - sl, suffix, sl) == 0)
        n -= (ssize_t)sl;
    free(v->name);
    v->name = xmemdup0(target, (size_t)n);
    v->name_len = (size_t)n;
}

/* One capture in progress: records are classified (and handed to the
 * observer) as soon as they are finished, while smaps is still being read.
 * A record is finished once the next one has begun: the parser's race rule
 * only rewrites the record in progress, or reaches back (rewritten_from). */
struct capture_run {
    struct snapshot *snap;
    const struct proc_target *target;
    struct vma_list vmas;
    struct region *regions; /* parallel to vmas.items */
    size_t regions_cap;
    size_t done;            /* records classified */
    struct smaps_parser *parser;
    struct classifier *classifier;
    const struct capture_observer *observer; /* NULL when not streaming */
};

static void stream_reset(struct capture_run *run)
{
    if (run->observer) {
        run->observer->reset(run->observer->arg);
        run->observer = NULL; /* the exporter uses the finished snapshot */
    }
}

static void classify_upto(struct capture_run *run, size_t upto)
{
    struct vma_list *l = &run->vmas;
    size_t redo = run->parser->rewritten_from;
    run->parser->rewritten_from = SIZE_MAX;
    if (redo != SIZE_MAX && run->done > 0 && redo <= run->done) {
        /* Records we classified were rewritten; their predecessor looked
         * at one of them as its "next": classify from there again. */
        run->done = redo ? redo - 1 : 0;
        stream_reset(run);
    }
    xgrow((void **)&run->regions, &run->regions_cap, l->count, sizeof *run->regions);
    for (; run->done < upto; run->done++) {
        size_t i = run->done;
        struct region *r = &run->regions[i];
        resolve_escaped_name(run->target, &l->items[i]);
        resolve_deleted_name(run->target, &l->items[i]);
        r->vma = &l->items[i];
        struct region *prev = i ? &run->regions[i - 1] : NULL;
        if (prev)
            prev->vma = &l->items[i - 1]; /* the list may have moved */
        classifier_step(run->classifier, r, prev, i + 1 < l->count ? &l->items[i + 1] : NULL);
        if (run->observer)
            run->observer->region(run->observer->arg, r, i);
    }
}

static void classify_finished(void *arg)
{
    struct capture_run *run = arg;
    if (run->vmas.count > 1)
        classify_upto(run, run->vmas.count - 1);
}

/* The threads whose stacks the previous sample placed, sorted: a light
 * sample takes their stacks from there (classify.c's exact hints) instead
 * of reading each one's SP. */
struct known_tids {
    pid_t *tids;
    size_t n;
};

static int cmp_tid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

static void known_tids_of(const struct snapshot *prev, struct known_tids *k)
{
    k->tids = xcalloc(prev->n_regions + 1, sizeof *k->tids);
    k->n = 0;
    for (size_t i = 0; i < prev->n_regions; i++) {
        const struct region *r = &prev->regions[i];
        if (r->cls == RC_STACK && r->subclass == RS_THREAD && r->tid > 0)
            k->tids[k->n++] = r->tid;
    }
    qsort(k->tids, k->n, sizeof *k->tids, cmp_tid);
}

static bool tid_known(void *arg, pid_t tid)
{
    const struct known_tids *k = arg;
    return k->n && bsearch(&tid, k->tids, k->n, sizeof tid, cmp_tid) != NULL;
}

/* A compat (i386) task's stack is below 4 GiB; a 64-bit task's never is. */
static bool is_compat(const struct proc_stat *st)
{
    return !st->masked && st->start_stack && st->start_stack < (UINT64_C(1) << 32);
}

/* A process that exits (or execs) while we read smaps cuts the read short:
 * the kernel just ends the file. Report that as an exit, or ask for a retry
 * after an exec (before: stat as read before smaps was opened; an exec
 * moves the stack), never as a smaller address space. */
static int check_complete(const struct proc_target *t, const struct vma_list *vmas,
                          const struct proc_stat *before)
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
    if (vmas->count == 0 && (st.flags & STAT_PF_KTHREAD))
        return -ENODATA;
    if (vmas->count == 0 || st.vsize == 0)
        return -EAGAIN; /* between two address spaces (exec), or on its way out */
    if (!st.masked && !before->masked && st.start_stack != before->start_stack)
        return -EAGAIN; /* it exec'ed under us */
    const struct vma *last = &vmas->items[vmas->count - 1];
    if (is_compat(&st)) {
        /* No gate VMA in a 32-bit address space; its stack is at the top. */
        if (last->end <= st.start_stack)
            return -EAGAIN;
    } else if (kernel_features()->gate_vma && strcmp(last->name, "[vsyscall]") != 0) {
        return -EAGAIN; /* alive with a new mm: it exec'ed under us */
    }
    return 0;
}

/* A light sample's smaps fields: RSS and swap from a residency census,
 * the rest carried over from the previous sample where the VMA is the same
 * (same range, permissions and file); left out where it is not. */
static void carry_fields(struct vma *v, const struct region *old)
{
    if (old && old->vma->start == v->start && old->vma->end == v->end &&
        old->vma->inode == v->inode && memcmp(old->vma->perms, v->perms, 4) == 0) {
        memcpy(v->field, old->vma->field, sizeof v->field);
        v->field_mask = old->vma->field_mask;
        v->vmflags = old->vma->vmflags;
        v->has_vmflags = old->vma->has_vmflags;
    }
    uint64_t page = (uint64_t)kernel_features()->page_size;
    /* smaps' Rss leaves out the shared zero page; the census counts it. */
    v->field[SMAPS_RSS] = (v->pages.present - v->pages.zero) * page;
    v->field[SMAPS_SWAP] = v->pages.swapped * page;
    v->field_mask |= 1u << SMAPS_RSS | 1u << SMAPS_SWAP;
    v->has_census = false; /* a residency count, not the full census */
}

static int light_residency(const struct proc_target *t, struct vma_list *vmas,
                           const struct snapshot *prev, const struct capture_options *opt,
                           struct snapshot *s)
{
    struct pagemap_reader pm;
    int rc = pagemap_open(&pm, t);
    if (rc < 0)
        return rc;
    pagemap_set_light(&pm);
    if (opt->focus_start < opt->focus_end) {
        pm.focus = &s->focus;
        pm.focus_start = opt->focus_start;
        pm.focus_end = opt->focus_end;
    }
    rc = pagemap_census(&pm, vmas->items, vmas->count);
    if (pm.focus_done) {
        s->has_focus = true;
        s->focus_start = opt->focus_start;
        s->focus_end = opt->focus_end;
    }
    pagemap_close(&pm);
    if (rc < 0)
        return rc;
    /* Both lists are sorted by start: one merge walk pairs them. */
    size_t j = 0;
    for (size_t i = 0; i < vmas->count; i++) {
        const struct vma *v = &vmas->items[i];
        while (prev && j < prev->n_regions && prev->regions[j].vma->start < v->start)
            j++;
        carry_fields(&vmas->items[i], prev && j < prev->n_regions ? &prev->regions[j] : NULL);
    }
    return 0;
}

static void fill_system(struct snapshot_system *sys)
{
    const struct kernel_features *f = kernel_features();
    memcpy(sys->kernel, f->kernel_release, sizeof sys->kernel);
    sys->page_size = f->page_size;
    sys->mmap_min_addr = f->mmap_min_addr;
    sys->privileged = f->pfn_visible && f->kpageflags;
}

/* The records and their classification move into the snapshot as they
 * are (no copy: 20,000 records are 6 MB). */
static void take_regions(struct snapshot *s, struct capture_run *run)
{
    s->vmas = run->vmas.items;
    s->n_regions = run->vmas.count;
    s->regions = run->regions;
    for (size_t i = 0; i < s->n_regions; i++)
        s->regions[i].vma = &s->vmas[i];
    run->regions = NULL;
    vma_list_init(&run->vmas);
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
    struct capture_run run = {.snap = s, .target = &t};
    struct thread_list threads = {0};
    struct proc_stat stat = {0};
    struct smaps_parser parser;
    struct buf b;
    vma_list_init(&run.vmas);
    run.vmas.once = opt && opt->once;
    smaps_parser_init(&parser, &run.vmas);
    run.parser = &parser;
    buf_init(&b);

    s->realtime_ns = clock_realtime_ns();
    s->monotonic_ns = clock_monotonic_ns();
    /* smaps in one pass (the maps lines come with it, so no maps/smaps
     * skew), read on a background thread while we gather the rest. Only
     * what classification needs (stat, thread SPs, identity) comes before
     * we start consuming it. */
    bool light = opt && opt->light && !opt->census;
    struct smaps_stream *stream = NULL;
    /* stat before smaps: an exec in between shows as a moved stack. */
    rc = proc_read_file(&t, "stat", &b);
    if (rc == 0 && stat_parse(b.data, b.len, &stat) < 0)
        rc = -ESRCH; /* an empty stat is a process being torn down */
    if (rc < 0)
        goto fail;
    if ((rc = smaps_stream_start(&t, light ? "maps" : "smaps", &stream)) < 0)
        goto fail;
    fill_system(&s->system);
    s->proc.pid = pid;
    s->faults = (struct snapshot_faults){stat.minflt, stat.majflt};
    s->has_faults = true;
    const struct snapshot *previous =
        opt && opt->previous && opt->previous->proc.pid == pid ? opt->previous : NULL;
    if (light && previous) {
        struct known_tids known;
        known_tids_of(previous, &known);
        rc = threads_read_except(&t, &threads, tid_known, &known);
        free(known.tids);
    } else {
        rc = threads_read(&t, &threads);
    }
    /* Who it is (libproc2, which loads libnuma each time) is read while
     * the kernel is still producing smaps on the other thread. */
    if (rc == 0)
        rc = identity_read(pid, &s->proc);
    struct classify_context ctx = {
        .target = &t, .stat = &stat, .threads = &threads, .previous = previous,
    };
    run.classifier = classifier_new(s, &ctx);
    /* Stream regions to the observer unless they will change later: the
     * census fills pages in afterwards, and a running thread's stack can
     * only be guessed from the whole picture. */
    if (rc == 0 && opt && opt->observer && !opt->census && !light &&
        !classifier_needs_whole_picture(run.classifier)) {
        run.observer = opt->observer;
        run.observer->begin(run.observer->arg, s);
    }
    /* Always drain the stream, even after an error, so the thread ends. */
    int read_rc = smaps_stream_consume(stream, &parser, classify_finished, &run);
    smaps_parser_finish(&parser);
    bool cut = parser.truncated; /* the kernel ends smaps on a record boundary */
    classify_upto(&run, run.vmas.count);
    if (rc == 0)
        rc = read_rc;
    if (rc == 0 && cut)
        rc = -EAGAIN; /* a line cut short: read again */
    if (rc < 0)
        goto fail;
    buf_reset(&b);
    if (proc_read_file(&t, "status", &b) == 0 && status_parse(b.data, b.len, &s->status) == 0)
        s->has_status = true;
    if (opt && opt->census && run.vmas.count) {
        struct pagemap_reader pm;
        if ((rc = pagemap_open(&pm, &t)) < 0)
            goto fail;
        rc = pagemap_census(&pm, run.vmas.items, run.vmas.count);
        s->census_measured = pm.measured;
        pagemap_close(&pm);
        if (rc < 0)
            goto fail;
        s->has_census = true;
    }
    if (light && run.vmas.count) {
        if ((rc = light_residency(&t, &run.vmas, ctx.previous, opt, s)) < 0)
            goto fail;
        s->light = true;
    }
    if ((rc = check_complete(&t, &run.vmas, &stat)) < 0)
        goto fail;
    s->has_pss = !light;
    take_regions(s, &run);
    if (classifier_finish(run.classifier, s))
        stream_reset(&run);
    run.classifier = NULL;
    snapshot_compute_totals(s);
    s->threads = threads.items; /* the snapshot keeps them (the Threads screen) */
    s->n_threads = threads.count;
    threads.items = NULL;
    s->sample_cost_ns = clock_monotonic_ns() - t0;
    *out = s;
    rc = 0;
    goto done;
fail:
    if (run.classifier)
        classifier_finish(run.classifier, s);
    snapshot_free(s);
done:
    smaps_parser_free(&parser);
    vma_list_free(&run.vmas);
    free(run.regions);
    thread_list_free(&threads);
    buf_free(&b);
    proc_target_close(&t);
    return rc;
}

/* Alive (not a zombie, not gone): a read that failed may be retried. */
static bool still_alive(pid_t pid)
{
    struct proc_target t;
    if (proc_target_open(&t, pid) < 0)
        return false;
    int alive = proc_is_alive(&t);
    proc_target_close(&t);
    return alive > 0;
}

/* The status counters that move when the address space does: every
 * size and RSS field, swap and page tables, and the thread count (a new
 * thread's stack). The state letter and the peaks are left out. */
static bool status_same(const struct proc_status *a, const struct proc_status *b)
{
    if (a->mask != b->mask || a->threads != b->threads || a->uid != b->uid)
        return false;
    for (int f = 0; f < STATUS_FIELD_COUNT; f++)
        if (f != STATUS_VM_PEAK && f != STATUS_VM_HWM && (a->mask & 1u << f) &&
            a->value[f] != b->value[f])
            return false;
    return true;
}

/* The gate (capture_options.gate): 0 and *out when nothing moved, 1 when
 * a sample must be taken, or -errno. */
static int capture_gated(pid_t pid, const struct snapshot *prev, struct snapshot **out)
{
    uint64_t t0 = clock_monotonic_ns();
    struct proc_target t;
    int rc = proc_target_open(&t, pid);
    if (rc < 0)
        return rc == -ESRCH ? -ENOENT : rc;
    struct buf b;
    buf_init(&b);
    struct proc_status st;
    rc = proc_read_file(&t, "status", &b);
    if (rc == 0)
        rc = status_parse(b.data, b.len, &st) == 0 && status_same(&st, &prev->status) ? 0 : 1;
    /* Faults go on where sizes stand still (a block mapped and unmapped
     * between two samples): the count is read anyway. */
    struct proc_stat stat;
    buf_reset(&b);
    if (rc == 0 && prev->has_faults)
        rc = proc_read_file(&t, "stat", &b) == 0 && stat_parse(b.data, b.len, &stat) == 0 ? 0 : 1;
    buf_free(&b);
    proc_target_close(&t);
    if (rc != 0)
        return rc;
    struct snapshot *s = snapshot_clone(prev);
    if (prev->has_faults)
        s->faults = (struct snapshot_faults){stat.minflt, stat.majflt};
    s->realtime_ns = clock_realtime_ns();
    s->monotonic_ns = clock_monotonic_ns();
    s->status = st;
    s->light = s->gated = true;
    s->has_pss = false; /* as a light sample: the carried PSS is not measured now */
    s->has_census = false;
    s->census_measured = 0;
    for (size_t i = 0; i < s->n_regions; i++)
        s->vmas[i].has_census = false;
    s->sample_cost_ns = clock_monotonic_ns() - t0;
    *out = s;
    return 0;
}

int capture_snapshot(pid_t pid, const struct capture_options *opt, struct snapshot **out)
{
    if (opt && opt->gate && opt->light && !opt->census && opt->previous &&
        opt->previous->proc.pid == pid && opt->previous->has_status) {
        if (capture_gated(pid, opt->previous, out) == 0)
            return 0; /* an error is the full path's to report (it retries) */
    }
    /* An exec between two reads is retried, never reported as an exit; a
     * process that execs in a loop gets a second of tries, or its patience. */
    unsigned patience_ms = opt && opt->exec_patience_ms ? opt->exec_patience_ms : 1000;
    uint64_t give_up = clock_monotonic_ns() + (uint64_t)patience_ms * 1000000u;
    for (int attempt = 0;; attempt++) {
        int rc = capture_once(pid, opt, out);
        if (rc != -EAGAIN && rc != -ESRCH)
            return rc;
        if (!still_alive(pid))
            return -ESRCH;
        if (clock_monotonic_ns() > give_up)
            return -EAGAIN;
        usleep(attempt < 5 ? 1000u << attempt : 20000u); /* let an exec in progress finish */
    }
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
    case EAGAIN:
        return xasprintf("process %d replaces itself (exec) faster than it can be read",
                         (int)pid);
    default:
        return xasprintf("cannot sample process %d: %s", (int)pid, strerror(-err));
    }
}
