/* The traced calls as the Timeline's event log shows them (--trace),
 * read like strace: seconds.milliseconds since the start, the thread, a
 * child's calls under its program's name, each length with its size
 * beside the hex; filtered by call (c) and by thread (t); L gives the log
 * the whole screen, where Left/Right scroll it sideways. */
#include "screens.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool matches(const struct event_log *l, const struct syscall_event *e)
{
    return (!l->call || (int)e->call + 1 == l->call) && (!l->tid || e->tid == l->tid);
}

static bool filtered(const struct event_log *l)
{
    return l->call || l->tid;
}

/* The matching events' places in the trace log, oldest first; rebuilt
 * when events came or the filter changed (a scan of at most the log). */
static void rebuild(const struct view *v, struct event_log *l)
{
    uint64_t ever = v->trace.dropped + v->trace.count;
    if (l->built && l->built_ever == ever && l->built_call == l->call && l->built_tid == l->tid)
        return;
    l->n_idx = 0;
    for (size_t i = 0; filtered(l) && i < v->trace.count; i++)
        if (matches(l, trace_log_at(&v->trace, i))) {
            xgrow((void **)&l->idx, &l->cap_idx, l->n_idx + 1, sizeof *l->idx);
            l->idx[l->n_idx++] = i;
        }
    l->built = true;
    l->built_ever = ever;
    l->built_call = l->call;
    l->built_tid = l->tid;
}

void event_log_free(struct event_log *l)
{
    free(l->idx);
    memset(l, 0, sizeof *l);
}

size_t event_log_count(const struct view *v, struct event_log *l)
{
    rebuild(v, l);
    return filtered(l) ? l->n_idx : v->trace.count;
}

const struct syscall_event *event_log_at(const struct view *v, struct event_log *l, size_t k)
{
    size_t n = event_log_count(v, l);
    if (k >= n)
        return NULL;
    size_t i = filtered(l) ? l->idx[n - 1 - k] : n - 1 - k;
    return trace_log_at(&v->trace, i);
}

void event_log_line(const struct view *v, const struct syscall_event *e, char *line, size_t size)
{
    char call[320], who[48] = "";
    syscall_event_format_human(e, call, sizeof call);
    uint64_t t = e->monotonic_ns > v->start_ns ? e->monotonic_ns - v->start_ns : 0;
    /* a child process, by its program's name (the target's: sanitised when drawn) */
    if (v->snap && e->pid && e->pid != v->snap->proc.pid)
        snprintf(who, sizeof who, "[%.15s %d] ", e->comm[0] ? e->comm : "child", (int)e->pid);
    snprintf(line, size, "%4" PRIu64 ".%03" PRIu64 " %7d  %s%s", t / 1000000000u,
             t / 1000000u % 1000u, (int)e->tid, who, call);
}

void event_log_title(const struct view *v, const struct event_log *l, char *out, size_t size)
{
    char filter[96] = "";
    if (filtered(l))
        snprintf(filter, sizeof filter, "; only %s%s%.0d",
                 l->call ? traced_call_name((enum traced_call)(l->call - 1)) : "",
                 l->call && l->tid ? ", thread " : l->tid ? "thread " : "", (int)l->tid);
    snprintf(out, size, "Memory calls, exact (newest first; %llu brk, %llu mmap, %llu munmap, "
             "%llu other%s)  c call, t thread, L %s",
             (unsigned long long)v->trace.total[TC_BRK],
             (unsigned long long)v->trace.total[TC_MMAP],
             (unsigned long long)v->trace.total[TC_MUNMAP],
             (unsigned long long)(v->trace.total[TC_MREMAP] + v->trace.total[TC_MPROTECT] +
                                  v->trace.total[TC_MADVISE]),
             filter, l->full ? "split" : "full width");
}

/* The next thread after tid among those in the log (0: all again). */
static pid_t next_thread(const struct view *v, pid_t tid)
{
    pid_t next = 0;
    for (size_t i = 0; i < v->trace.count; i++) {
        pid_t t = trace_log_at(&v->trace, i)->tid;
        if (t > tid && (!next || t < next))
            next = t;
    }
    return next;
}

int event_log_key(const struct view *v, struct event_log *l, int ch)
{
    switch (ch) {
    case 'c': /* all, brk, mmap, ..., madvise, all */
        l->call = (l->call + 1) % (TC_COUNT + 1);
        break;
    case 't': l->tid = next_thread(v, l->tid); break;
    case 'L':
        l->full = !l->full;
        l->hscroll = 0;
        break;
    case KEY_LEFT: case KEY_RIGHT:
        if (!l->full)
            return 0;
        l->hscroll += ch == KEY_RIGHT ? 8 : -8;
        if (l->hscroll < 0)
            l->hscroll = 0;
        if (l->hscroll > 400)
            l->hscroll = 400;
        return VIEW_HANDLED | VIEW_REDRAW;
    default: return 0;
    }
    return VIEW_HANDLED | VIEW_REDRAW;
}

/* Enter on an event whose range is no longer mapped: which later call
 * took it away, if the log has it. */
void event_log_gone(const struct view *v, const struct syscall_event *e, uint64_t start,
                    char *out, size_t size)
{
    if (e->call == TC_MUNMAP) {
        snprintf(out, size, "this call unmapped %#" PRIx64 ": its region is gone", start);
        return;
    }
    bool after = false;
    for (size_t i = 0; i < v->trace.count; i++) {
        const struct syscall_event *x = trace_log_at(&v->trace, i);
        if (x == e) {
            after = true;
            continue;
        }
        uint64_t s, t;
        if (!after || x->pid != e->pid || syscall_event_failed(x) ||
            (x->call != TC_MUNMAP && x->call != TC_MREMAP && x->call != TC_MMAP))
            continue;
        bool takes = x->call == TC_MREMAP ? start >= x->args[0] && start < x->args[0] + x->args[1]
                                          : syscall_event_range(x, &s, &t) && start >= s && start < t;
        if (!takes)
            continue;
        uint64_t at = x->monotonic_ns > v->start_ns ? x->monotonic_ns - v->start_ns : 0;
        snprintf(out, size, "%#" PRIx64 " is gone: %s at %" PRIu64 ".%03" PRIu64
                 " s (thread %d) %s it", start, traced_call_name(x->call), at / 1000000000u,
                 at / 1000000u % 1000u, (int)x->tid,
                 x->call == TC_MUNMAP ? "unmapped" : x->call == TC_MREMAP ? "moved" : "replaced");
        return;
    }
    snprintf(out, size, "%#" PRIx64 " is not mapped at this moment (unmapped or replaced since)",
             start);
}
