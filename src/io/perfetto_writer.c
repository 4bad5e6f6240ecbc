/* Recordings as Chrome JSON trace events, streamed (see perfetto.h). */
#include "vmscope/perfetto.h"
#include "vmscope/buf.h"
#include "vmscope/compat.h"
#include "vmscope/diff.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/timeline.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Output is built in a buffer and written out in pieces of about this size. */
#define PERFETTO_FLUSH_AT ((size_t)64 << 10)

/* The ids already named by an "M" event, sorted. */
struct id_set {
    pid_t *ids;
    size_t n, cap;
};

/* Call stacks by id, sorted. */
struct stack_entry {
    int64_t id;
    char *frames; /* JSON array text */
};

struct perfetto_writer {
    FILE *fp;
    unsigned flags;
    struct buf out;
    int err;      /* the first write error, sticky */
    bool started; /* "{"traceEvents":[" written */
    bool have_t0;
    uint64_t t0;  /* the first timestamp: ts 0 */
    char *comm;   /* the recorded process's name, once a sample said it */
    struct snapshot *prev; /* the sample before, for its regions' diff */
    struct timeline tl;    /* one sample deep: the heap-versus-mmap series and arena slots */
    struct id_set pids, tids;
    struct stack_entry *stacks;
    size_t n_stacks, cap_stacks, stack_bytes;
};

/* True if id was not in the set (and is now). */
static bool id_set_add(struct id_set *s, pid_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ids[mid] == id)
            return false;
        if (s->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->ids = xrealloc(s->ids, s->cap * sizeof *s->ids);
    }
    memmove(&s->ids[lo + 1], &s->ids[lo], (s->n - lo) * sizeof *s->ids);
    s->ids[lo] = id;
    s->n++;
    return true;
}

struct perfetto_writer *perfetto_writer_new(FILE *fp, unsigned flags)
{
    struct perfetto_writer *w = xcalloc(1, sizeof *w);
    w->fp = fp;
    w->flags = flags;
    buf_init(&w->out);
    timeline_init(&w->tl, 1, 1);
    return w;
}

void perfetto_writer_free(struct perfetto_writer *w)
{
    if (!w)
        return;
    buf_free(&w->out);
    free(w->comm);
    snapshot_free(w->prev);
    timeline_free(&w->tl);
    free(w->pids.ids);
    free(w->tids.ids);
    for (size_t i = 0; i < w->n_stacks; i++)
        free(w->stacks[i].frames);
    free(w->stacks);
    free(w);
}

static void flush_out(struct perfetto_writer *w, size_t at_least)
{
    if (w->out.len < at_least || w->out.len == 0)
        return;
    if (!w->err && fwrite(w->out.data, 1, w->out.len, w->fp) != w->out.len)
        w->err = errno ? -errno : -EIO;
    buf_reset(&w->out);
}

static void set_t0(struct perfetto_writer *w, uint64_t ns)
{
    if (!w->have_t0) {
        w->t0 = ns;
        w->have_t0 = true;
    }
}

/* Starts one element of traceEvents: {"ph":"X","name":"...","pid":P,"tid":T,"ts":US
 * (the name is ours: plain ASCII). Microseconds with the nanoseconds kept
 * as three decimals; before the first sample (an event written after it),
 * negative. */
static void event_head(struct perfetto_writer *w, char ph, const char *name, pid_t pid, pid_t tid,
                       uint64_t ns)
{
    if (!w->started) {
        buf_puts(&w->out, "{\"traceEvents\":[\n");
        w->started = true;
    } else {
        buf_puts(&w->out, ",\n");
    }
    uint64_t d = ns >= w->t0 ? ns - w->t0 : w->t0 - ns;
    buf_printf(&w->out,
               "{\"ph\":\"%c\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%s%" PRIu64 ".%03u", ph,
               name, (int)pid, (int)tid, ns >= w->t0 ? "" : "-", d / 1000, (unsigned)(d % 1000));
}

/* ,"args":{"name":"..."}} for an "M" event; s is from the target. */
static void name_args(struct perfetto_writer *w, const char *s)
{
    buf_puts(&w->out, ",\"args\":{");
    size_t at = w->out.len;
    json_put_key_string(&w->out, "name", s, strlen(s), w->flags);
    /* the first key has no comma before it (the NUL moves too) */
    memmove(w->out.data + at, w->out.data + at + 1, w->out.len - at);
    w->out.len--;
    buf_puts(&w->out, "}}");
}

static const char *process_label(const struct perfetto_writer *w)
{
    return w->comm ? w->comm : "traced process";
}

/* "M" events naming a process and a thread the first time they are seen:
 * the main thread by the process's name, the others "thread" (the UI adds
 * the tid). A process seen before its name (an event before the first
 * sample) is named again once the name is known. */
static void name_process(struct perfetto_writer *w, pid_t pid)
{
    if (!id_set_add(&w->pids, pid))
        return;
    event_head(w, 'M', "process_name", pid, pid, w->t0);
    name_args(w, process_label(w));
}

static void name_thread(struct perfetto_writer *w, pid_t pid, pid_t tid)
{
    name_process(w, pid);
    if (!id_set_add(&w->tids, tid))
        return;
    event_head(w, 'M', "thread_name", pid, tid, w->t0);
    name_args(w, tid == pid ? process_label(w) : "thread");
}

/* A counter per class: "RSS" or "VSZ" with one argument per class (in
 * Perfetto, the tracks "RSS text", "RSS heap", ...; in chrome://tracing,
 * one chart stacked by class). */
static void put_class_counter(struct perfetto_writer *w, const struct snapshot *s, bool rss)
{
    event_head(w, 'C', rss ? "RSS" : "VSZ", s->proc.pid, s->proc.pid, s->monotonic_ns);
    buf_puts(&w->out, ",\"args\":{");
    for (int c = 0; c < RC_COUNT; c++)
        buf_printf(&w->out, "%s\"%s\":%" PRIu64, c ? "," : "", region_class_name((enum region_class)c),
                   rss ? s->by_class[c].rss : s->by_class[c].vsz);
    buf_puts(&w->out, "}}");
}

/* The Timeline's heap-versus-mmap series: RSS of the brk heap, of each
 * malloc arena (named by its 64 MiB-aligned base) and of anonymous mmaps;
 * and how many anonymous mmaps there are. */
static void put_series_counters(struct perfetto_writer *w, const struct snapshot *s)
{
    timeline_add(&w->tl, NULL, s);
    const struct timeline_sample *t = timeline_sample_at(&w->tl, 0);
    event_head(w, 'C', "heap vs mmap", s->proc.pid, s->proc.pid, s->monotonic_ns);
    buf_printf(&w->out, ",\"args\":{\"brk heap\":%" PRIu64, t->series_rss[SERIES_BRK]);
    uint64_t arenas = 0;
    for (size_t i = 0; i < w->tl.n_arenas; i++) {
        buf_printf(&w->out, ",\"arena 0x%" PRIx64 "\":%" PRIu64, w->tl.arena_base[i],
                   t->arena_rss[i]);
        arenas += t->arena_rss[i];
    }
    if (w->tl.n_arenas == TIMELINE_ARENAS) /* the arenas past those followed one by one */
        buf_printf(&w->out, ",\"other arenas\":%" PRIu64,
                   t->series_rss[SERIES_ARENAS] > arenas ? t->series_rss[SERIES_ARENAS] - arenas : 0);
    buf_printf(&w->out, ",\"anon mmap\":%" PRIu64 "}}", t->series_rss[SERIES_ANON_MMAP]);
    event_head(w, 'C', "anon mmaps", s->proc.pid, s->proc.pid, s->monotonic_ns);
    buf_printf(&w->out, ",\"args\":{\"count\":%" PRIu32 "}}", t->anon_mmaps);
}

/* A region that appeared or disappeared: a process-wide instant at the
 * sample that saw it, the region (formats.md) in its arguments. */
static void put_region_instant(struct perfetto_writer *w, const struct snapshot *s,
                               const struct region *r, bool appeared)
{
    char name[48];
    snprintf(name, sizeof name, "%s %s", appeared ? "appeared" : "disappeared",
             region_class_name(r->cls));
    event_head(w, 'i', name, s->proc.pid, s->proc.pid, s->monotonic_ns);
    buf_puts(&w->out, ",\"s\":\"p\",\"cat\":\"region\",\"args\":{\"region\":");
    json_put_region(&w->out, r, appeared ? s->census_measured : w->prev->census_measured, w->flags);
    buf_puts(&w->out, "}}");
}

int perfetto_add_sample(struct perfetto_writer *w, const struct snapshot *s)
{
    if (w->err)
        return w->err;
    set_t0(w, s->monotonic_ns);
    pid_t pid = s->proc.pid;
    if (s->proc.comm && (!w->comm || strcmp(w->comm, s->proc.comm) != 0)) {
        free(w->comm); /* a new name (exec): say it again */
        w->comm = xstrdup(s->proc.comm);
        w->pids.n = 0;
        w->tids.n = 0;
    }
    name_thread(w, pid, pid);
    for (size_t i = 0; i < s->n_regions; i++)
        if (s->regions[i].tid > 0) /* a thread stack: its thread */
            name_thread(w, pid, s->regions[i].tid);
    put_class_counter(w, s, true);
    put_class_counter(w, s, false);
    put_series_counters(w, s);
    if (w->prev) {
        struct snapshot_diff d;
        diff_compute(w->prev, s, &d);
        for (size_t i = 0; i < d.n_removed; i++)
            put_region_instant(w, s, d.removed[i], false);
        for (size_t i = 0; i < d.n_added; i++)
            put_region_instant(w, s, d.added[i], true);
        diff_free(&d);
    }
    snapshot_free(w->prev);
    w->prev = snapshot_clone(s);
    flush_out(w, PERFETTO_FLUSH_AT);
    return w->err;
}

/* The slot of stack id: where it is, or where it would go. */
static size_t stack_slot(const struct perfetto_writer *w, int64_t id)
{
    size_t lo = 0, hi = w->n_stacks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->stacks[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void perfetto_add_stack(struct perfetto_writer *w, int64_t id, const char *frames_json)
{
    size_t len = strlen(frames_json), at = stack_slot(w, id);
    bool have = at < w->n_stacks && w->stacks[at].id == id;
    if (w->stack_bytes + len > PERFETTO_STACK_BYTES)
        return; /* the table is full: calls give the id alone */
    if (have) {
        w->stack_bytes -= strlen(w->stacks[at].frames);
        free(w->stacks[at].frames);
    } else {
        if (w->n_stacks == w->cap_stacks) {
            w->cap_stacks = w->cap_stacks ? w->cap_stacks * 2 : 64;
            w->stacks = xrealloc(w->stacks, w->cap_stacks * sizeof *w->stacks);
        }
        memmove(&w->stacks[at + 1], &w->stacks[at], (w->n_stacks - at) * sizeof *w->stacks);
        w->n_stacks++;
        w->stacks[at].id = id;
    }
    w->stacks[at].frames = xstrdup(frames_json);
    w->stack_bytes += len;
}

int perfetto_add_event(struct perfetto_writer *w, const struct syscall_event *e)
{
    return perfetto_add_call(w, e, 0, -1);
}

/* A traced call on its thread's track: an instant when it returned, or,
 * when the recording says how long it took, a complete event from its
 * start; with the call as the Timeline's log writes it, its raw arguments,
 * its result and its stack. */
int perfetto_add_call(struct perfetto_writer *w, const struct syscall_event *e,
                      uint64_t duration_ns, int64_t stack_id)
{
    if (w->err)
        return w->err;
    if (duration_ns > e->monotonic_ns)
        duration_ns = 0; /* nonsense: keep the time it returned */
    uint64_t start = e->monotonic_ns - duration_ns;
    set_t0(w, start);
    pid_t pid = e->pid > 0 ? e->pid : w->prev ? w->prev->proc.pid : e->tid;
    name_thread(w, pid, e->tid);
    const char *call = traced_call_name(e->call);
    event_head(w, duration_ns ? 'X' : 'i', call ? call : "syscall", pid, e->tid, start);
    if (duration_ns)
        buf_printf(&w->out, ",\"dur\":%" PRIu64 ".%03u", duration_ns / 1000,
                   (unsigned)(duration_ns % 1000));
    else
        buf_puts(&w->out, ",\"s\":\"t\"");
    buf_puts(&w->out, ",\"cat\":\"syscall\",\"args\":{\"args\":[");
    for (int i = 0; i < traced_call_argc(e->call); i++)
        buf_printf(&w->out, "%s\"0x%" PRIx64 "\"", i ? "," : "", e->args[i]);
    if (syscall_event_failed(e)) {
        const char *name = strerrorname_np((int)-e->result);
        buf_printf(&w->out, "],\"result\":\"%" PRId64 "\",\"error\":\"%s\"", e->result,
                   name ? name : "?");
    } else {
        buf_printf(&w->out, "],\"result\":\"0x%" PRIx64 "\"", (uint64_t)e->result);
    }
    char text[256];
    syscall_event_format(e, text, sizeof text);
    json_put_key_string(&w->out, "call", text, strlen(text), w->flags);
    if (stack_id >= 0) {
        size_t at = stack_slot(w, stack_id);
        buf_printf(&w->out, ",\"stack\":{\"id\":%" PRId64, stack_id);
        if (at < w->n_stacks && w->stacks[at].id == stack_id)
            buf_printf(&w->out, ",\"frames\":%s", w->stacks[at].frames);
        buf_putc(&w->out, '}');
    }
    buf_puts(&w->out, "}}");
    flush_out(w, PERFETTO_FLUSH_AT);
    return w->err;
}

int perfetto_writer_finish(struct perfetto_writer *w)
{
    if (!w->started)
        buf_puts(&w->out, "{\"traceEvents\":[\n");
    /* no displayTimeUnit: some Perfetto versions read "ns" there as the unit of ts */
    buf_puts(&w->out, "\n],\"otherData\":{\"tool\":\"vmscope\",\"version\":\"" PACKAGE_VERSION
                      "\"}}\n");
    flush_out(w, 0);
    if (!w->err && (fflush(w->fp) != 0 || ferror(w->fp)))
        w->err = errno ? -errno : -EIO;
    return w->err;
}

int export_perfetto(const struct snapshot *s, unsigned flags, FILE *fp)
{
    struct perfetto_writer *w = perfetto_writer_new(fp, flags);
    int rc = perfetto_add_sample(w, s);
    if (rc == 0)
        rc = perfetto_writer_finish(w);
    perfetto_writer_free(w);
    return rc;
}

/* What a recording says of a call beyond the model's event. */
struct feed {
    struct perfetto_writer *w;
    uint64_t duration_ns; /* of the event line just read, 0 if none */
    int64_t stack_id;     /* -1 if none */
};

static bool feed_integer(json_t *doc, const char *key, json_int_t *out)
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = json_integer_value(v);
    return true;
}

/* Every line that is not a sample: call stacks into the table, and an
 * event line's duration and stack for the on_event call that follows it. */
static void feed_line(void *arg, json_t *doc)
{
    struct feed *f = arg;
    const char *format = json_string_value(json_object_get(doc, "format"));
    json_int_t v;
    f->duration_ns = 0;
    f->stack_id = -1;
    if (!format)
        return;
    if (strcmp(format, "vmscope.event") == 0) {
        if (feed_integer(doc, "duration_ns", &v))
            f->duration_ns = (uint64_t)v;
        if (feed_integer(doc, "stack", &v))
            f->stack_id = (int64_t)v;
    } else if (strcmp(format, "vmscope.stack") == 0 && feed_integer(doc, "id", &v)) {
        json_t *frames = json_object_get(doc, "frames");
        size_t jflags = JSON_COMPACT | JSON_ENCODE_ANY |
                        ((f->w->flags & EXPORT_TO_TERMINAL) ? JSON_ENSURE_ASCII : 0);
        char *text = json_is_array(frames) ? json_dumps(frames, jflags) : NULL;
        if (text)
            perfetto_add_stack(f->w, (int64_t)v, text);
        free(text);
    }
}

static void feed_event(void *arg, const struct syscall_event *e)
{
    struct feed *f = arg;
    perfetto_add_call(f->w, e, f->duration_ns, f->stack_id); /* an error stays in the writer */
    f->duration_ns = 0;
    f->stack_id = -1;
}

int export_perfetto_file(const char *path, unsigned flags, FILE *fp, char **why)
{
    *why = NULL;
    struct perfetto_writer *w = perfetto_writer_new(fp, flags);
    int rc;
    if (recording_is(path)) {
        struct recording_iter it;
        rc = recording_iter_open(&it, path, why);
        struct feed f = {w, 0, -1};
        if (rc == 0) {
            it.on_event = feed_event;
            it.on_line = feed_line;
            it.event_arg = &f;
            const struct snapshot *s;
            while (w->err == 0 && (rc = recording_iter_next(&it, &s, why)) > 0)
                perfetto_add_sample(w, s);
            recording_iter_close(&it);
        }
    } else {
        struct snapshot *s;
        rc = json_read_snapshot_file(path, &s, why);
        if (rc == 0) {
            perfetto_add_sample(w, s);
            snapshot_free(s);
        }
    }
    if (rc >= 0)
        rc = w->err ? w->err : perfetto_writer_finish(w);
    perfetto_writer_free(w);
    return rc < 0 ? rc : 0;
}
