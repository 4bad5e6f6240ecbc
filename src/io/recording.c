/* Recordings (see recording.h). */
#include "vmscope/recording.h"
#include "vmscope/buf.h"
#include "vmscope/diff.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int write_line(FILE *fp, struct buf *b)
{
    buf_putc(b, '\n');
    size_t n = fwrite(b->data, 1, b->len, fp);
    int rc = n == b->len && fflush(fp) == 0 ? 0 : (errno ? -errno : -EIO);
    return rc;
}

int recording_start(struct recording_writer *w, FILE *fp, const struct snapshot *first,
                    uint64_t interval_ns)
{
    memset(w, 0, sizeof *w);
    w->fp = fp;
    json_t *h = json_pack("{s:s, s:i, s:{s:s, s:s}, s:{s:s, s:I, s:b}, s:{s:I, s:s}, s:I}",
                          "format", "vmscope.recording", "version", 1, "tool", "name", "vmscope",
                          "version", PACKAGE_VERSION, "system", "kernel", first->system.kernel,
                          "page_size", (json_int_t)first->system.page_size, "privileged",
                          first->system.privileged, "process", "pid",
                          (json_int_t)first->proc.pid, "comm",
                          first->proc.comm ? first->proc.comm : "", "interval_ns",
                          (json_int_t)interval_ns);
    char *text = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(h);
    if (!text)
        return -ENOMEM;
    struct buf b;
    buf_init(&b);
    buf_puts(&b, text);
    free(text);
    int rc = write_line(fp, &b);
    buf_free(&b);
    return rc;
}

static int write_delta(struct recording_writer *w, const struct snapshot *s)
{
    struct snapshot_diff d;
    diff_compute(w->prev, s, &d);
    struct buf b;
    buf_init(&b);
    char when[40];
    format_time(s->realtime_ns, when, sizeof when);
    buf_printf(&b, "{\"format\":\"vmscope.delta\",\"time\":\"%s\",\"monotonic_ns\":%" PRIu64
                   ",\"totals\":{\"vsz\":%" PRIu64 ",\"rss\":%" PRIu64 ",\"pss\":%" PRIu64
                   ",\"swap\":%" PRIu64 ",\"regions\":%zu},\"added\":[",
               when, s->monotonic_ns, s->totals.vsz, s->totals.rss, s->totals.pss,
               s->totals.swap, s->totals.regions);
    for (size_t i = 0; i < d.n_added; i++) {
        if (i)
            buf_putc(&b, ',');
        json_put_region(&b, d.added[i], s->census_measured, 0);
    }
    buf_puts(&b, "],\"removed\":[");
    for (size_t i = 0; i < d.n_removed; i++)
        buf_printf(&b, "%s\"0x%" PRIx64 "\"", i ? "," : "", d.removed[i]->vma->start);
    buf_puts(&b, "],\"changed\":[");
    for (size_t i = 0; i < d.n_changed; i++) {
        if (i)
            buf_putc(&b, ',');
        json_put_region(&b, d.changed[i].after, s->census_measured, 0);
    }
    buf_puts(&b, "]}");
    diff_free(&d);
    int rc = write_line(w->fp, &b);
    buf_free(&b);
    return rc;
}

int recording_add(struct recording_writer *w, struct snapshot *s)
{
    int rc;
    if (!w->prev || w->samples % RECORDING_KEYFRAME == 0) {
        rc = export_json(s, EXPORT_COMPACT, w->fp);
        if (rc == 0 && fflush(w->fp) != 0)
            rc = errno ? -errno : -EIO;
    } else {
        rc = write_delta(w, s);
    }
    snapshot_free(w->prev);
    w->prev = s;
    w->samples++;
    return rc;
}

int recording_add_event(struct recording_writer *w, const struct syscall_event *e)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b,
               "{\"format\":\"vmscope.event\",\"monotonic_ns\":%" PRIu64
               ",\"pid\":%d,\"tid\":%d,\"syscall\":\"%s\",\"args\":[",
               e->monotonic_ns, (int)e->pid, (int)e->tid, traced_call_name(e->call));
    for (int i = 0; i < traced_call_argc(e->call); i++)
        buf_printf(&b, "%s\"0x%" PRIx64 "\"", i ? "," : "", e->args[i]);
    if (syscall_event_failed(e)) {
        const char *name = strerrorname_np((int)-e->result);
        buf_printf(&b, "],\"result\":\"%" PRId64 "\",\"error\":\"%s\"}", e->result,
                   name ? name : "?");
    } else {
        buf_printf(&b, "],\"result\":\"0x%" PRIx64 "\"}", (uint64_t)e->result);
    }
    buf_putc(&b, '\n');
    /* Not flushed here: events come in bursts, and the caller flushes each
     * burst (a kill mid-burst leaves a cut last line, which readers skip). */
    int rc = fwrite(b.data, 1, b.len, w->fp) == b.len ? 0 : (errno ? -errno : -EIO);
    buf_free(&b);
    return rc;
}

void recording_finish(struct recording_writer *w)
{
    snapshot_free(w->prev);
    memset(w, 0, sizeof *w);
}

/* ---- reading ------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
    const struct region *x = a, *y = b;
    return x->vma->start < y->vma->start ? -1 : x->vma->start > y->vma->start;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* starts is sorted: a hostile delta may list a million addresses */
static bool in_starts(const uint64_t *starts, size_t n, uint64_t addr)
{
    return bsearch(&addr, starts, n, sizeof *starts, cmp_u64) != NULL;
}

/* cur + delta -> the next sample. */
static int apply_delta(const struct snapshot *cur, json_t *delta, struct snapshot **out, char **why)
{
    json_t *added = json_object_get(delta, "added"), *removed = json_object_get(delta, "removed"),
           *changed = json_object_get(delta, "changed");
    if (!json_is_array(added) || !json_is_array(removed) || !json_is_array(changed)) {
        *why = xstrdup("a delta line lacks added, removed or changed");
        return -EINVAL;
    }
    size_t nr = json_array_size(removed), nc = json_array_size(changed),
           na = json_array_size(added);
    uint64_t *gone = xcalloc(nr + nc + 1, sizeof *gone);
    for (size_t i = 0; i < nr; i++) {
        const char *x = json_string_value(json_array_get(removed, i));
        gone[i] = x ? strtoull(x, NULL, 16) : 0;
    }
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->system = cur->system;
    identity_copy(&s->proc, &cur->proc);
    size_t cap = cur->n_regions + na + nc + 1;
    s->vmas = xcalloc(cap, sizeof *s->vmas);
    s->regions = xcalloc(cap, sizeof *s->regions);
    int rc = 0;
    size_t n = 0;
    for (size_t i = 0; i < na + nc && rc == 0; i++) {
        json_t *o = i < na ? json_array_get(added, i) : json_array_get(changed, i - na);
        s->n_regions = n + 1; /* so snapshot_free frees what a failed read left */
        rc = json_region_into(s, o, &s->regions[n], &s->vmas[n], n, why);
        if (rc == 0 && i >= na)
            gone[nr + (i - na)] = s->vmas[n].start;
        if (rc == 0)
            n++;
    }
    if (rc == 0)
        s->n_regions = n;
    qsort(gone, nr + nc, sizeof *gone, cmp_u64);
    for (size_t i = 0; i < cur->n_regions && rc == 0; i++) {
        const struct region *r = &cur->regions[i];
        if (in_starts(gone, nr + nc, r->vma->start))
            continue;
        json_region_copy(s, r, &s->regions[n], &s->vmas[n]);
        n++;
        s->n_regions = n;
    }
    free(gone);
    if (rc < 0) {
        snapshot_free(s);
        return rc;
    }
    /* Sort the regions (the records stay where they are). */
    qsort(s->regions, n, sizeof *s->regions, by_start);
    for (size_t i = 1; i < n; i++) {
        /* a region added twice, or over one that stays: the model (and
         * every screen and diff on it) takes regions as disjoint */
        if (s->regions[i].vma->start < s->regions[i - 1].vma->end) {
            *why = xasprintf("the delta leaves regions that overlap (at 0x%" PRIx64 ")",
                             s->regions[i].vma->start);
            snapshot_free(s);
            return -EINVAL;
        }
    }
    s->monotonic_ns = (uint64_t)json_integer_value(json_object_get(delta, "monotonic_ns"));
    s->realtime_ns = cur->realtime_ns + (s->monotonic_ns - cur->monotonic_ns);
    s->has_pss = cur->has_pss;
    snapshot_compute_totals(s);
    *out = s;
    return 0;
}

bool recording_is(const char *path)
{
    FILE *fp = fopen(path, "re");
    if (!fp)
        return false;
    char head[128] = "";
    bool yes = fgets(head, sizeof head, fp) && strstr(head, "\"vmscope.recording\"");
    fclose(fp);
    return yes;
}

/* A recording's header is a few hundred bytes: a first line longer than
 * this is not one. */
#define HEADER_MAX ((size_t)1 << 20)

/* The next line, newline included, into it->line: its length, 0 at the
 * end of the file, -EFBIG if it is longer than max bytes (left half read:
 * a hostile line costs at most max bytes of memory), -EIO on a read error. */
static ssize_t read_line(struct recording_iter *it, size_t max)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(it->fp)) != EOF) {
        if (n + 2 > it->cap) { /* room for c and the terminating NUL */
            if (n > max)
                return -EFBIG;
            size_t cap = it->cap ? it->cap * 2 : 4096;
            it->cap = cap < max + 2 ? cap : max + 2;
            it->line = xrealloc(it->line, it->cap);
        }
        it->line[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (ferror(it->fp))
        return -EIO;
    if (n)
        it->line[n] = '\0';
    return (ssize_t)n;
}

int recording_iter_open(struct recording_iter *it, const char *path, char **why)
{
    memset(it, 0, sizeof *it);
    it->index = -1;
    it->path = sanitize_display_dup(path); /* only ever shown */
    it->fp = fopen(path, "re");
    if (!it->fp) {
        int err = errno;
        *why = xasprintf("cannot open %s: %s", it->path, strerror(err));
        recording_iter_close(it);
        return -err;
    }
    ssize_t len = read_line(it, HEADER_MAX);
    if (len <= 0 || it->line[len - 1] != '\n' || !strstr(it->line, "\"vmscope.recording\"")) {
        *why = len == -EIO ? xasprintf("cannot read %s: %s", it->path, strerror(EIO))
                           : xasprintf("%s: not a vmscope recording (no header line)", it->path);
        recording_iter_close(it);
        return len == -EIO ? -EIO : -EINVAL;
    }
    return 0;
}

/* A number written as a string ("0x1000", "4096", "-12") or as a number. */
static bool json_number_of(json_t *v, uint64_t *out)
{
    const char *x = json_string_value(v);
    if (json_is_integer(v))
        *out = (uint64_t)json_integer_value(v);
    else if (x && x[0] == '-')
        *out = (uint64_t)strtoll(x, NULL, 10);
    else if (x && x[0])
        *out = strtoull(x, NULL, x[0] == '0' && (x[1] == 'x' || x[1] == 'X') ? 16 : 10);
    else
        return false;
    return true;
}

/* An event line back into the event (formats.md; "pid" is ours and may be
 * missing: 0). False for a line that does not say what a call did: events
 * are not samples, so such a line is skipped, never a reason to refuse. */
static bool event_from_doc(json_t *doc, struct syscall_event *e)
{
    memset(e, 0, sizeof *e);
    json_t *ns = json_object_get(doc, "monotonic_ns"), *tid = json_object_get(doc, "tid"),
           *args = json_object_get(doc, "args");
    uint64_t result;
    e->call = traced_call_from_name(json_string_value(json_object_get(doc, "syscall")));
    if (!json_is_integer(ns) || !json_is_integer(tid) || !json_is_array(args) ||
        e->call == TC_COUNT || !json_number_of(json_object_get(doc, "result"), &result))
        return false;
    e->monotonic_ns = (uint64_t)json_integer_value(ns);
    e->tid = (pid_t)json_integer_value(tid);
    e->pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
    for (size_t i = 0; i < json_array_size(args) && i < 6; i++)
        if (!json_number_of(json_array_get(args, i), &e->args[i]))
            e->args[i] = 0;
    e->result = (int64_t)result;
    return true;
}

int recording_iter_next(struct recording_iter *it, const struct snapshot **out, char **why)
{
    *out = NULL;
    ssize_t len;
    while ((len = read_line(it, JSON_READER_MAX_BYTES)) > 0) {
        if (it->line[len - 1] != '\n') {
            it->cut = true; /* killed mid-line: stop at the last whole one */
            return 0;
        }
        /* An event line as the writer writes it is never a sample: parsed
         * only for on_event, and skipped if it does not read, so -r and
         * diff accept the same files. */
        static const char event_prefix[] = "{\"format\":\"vmscope.event\"";
        if ((size_t)len > sizeof event_prefix &&
            memcmp(it->line, event_prefix, sizeof event_prefix - 1) == 0) {
            char *ignored = NULL;
            json_t *doc = it->on_event ? json_parse_document(it->line, (size_t)len, &ignored)
                                       : NULL;
            struct syscall_event e;
            if (doc && event_from_doc(doc, &e))
                it->on_event(it->event_arg, &e);
            json_decref(doc);
            free(ignored);
            continue;
        }
        char *error = NULL;
        json_t *doc = json_parse_document(it->line, (size_t)len, &error);
        const char *format = json_string_value(json_object_get(doc, "format"));
        struct snapshot *next = NULL;
        int rc = 0;
        if (!doc || !format) {
            rc = -EINVAL;
        } else if (strcmp(format, "vmscope.snapshot") == 0) {
            rc = json_snapshot_from_doc(doc, &next, &error);
        } else if (strcmp(format, "vmscope.delta") == 0) {
            if (!it->cur) {
                error = xstrdup("a delta before any full snapshot");
                rc = -EINVAL;
            } else {
                rc = apply_delta(it->cur, doc, &next, &error);
            }
        } else if (strcmp(format, "vmscope.event") == 0 && it->on_event) {
            struct syscall_event e; /* written by another tool, keys in another order */
            if (event_from_doc(doc, &e))
                it->on_event(it->event_arg, &e);
        } /* other lines are not samples */
        json_decref(doc);
        if (rc < 0) /* which file and which sample */
            *why = xasprintf("%s: sample %ld: %s", it->path, it->index + 1,
                             error ? error : "no \"format\"");
        free(error);
        if (rc < 0)
            return rc;
        if (next) {
            snapshot_free(it->cur);
            it->cur = next;
            it->index++;
            *out = next;
            return 1;
        }
    }
    if (len == -EFBIG)
        *why = xasprintf("%s: sample %ld: a line longer than the %u MiB vmscope reads", it->path,
                         it->index + 1, (unsigned)(JSON_READER_MAX_BYTES >> 20));
    else if (len < 0)
        *why = xasprintf("cannot read %s: %s", it->path, strerror((int)-len));
    return (int)len;
}

void recording_iter_close(struct recording_iter *it)
{
    if (it->fp)
        fclose(it->fp);
    free(it->line);
    free(it->path);
    snapshot_free(it->cur);
    memset(it, 0, sizeof *it);
}

int recording_read(const char *path, long index, struct snapshot **out, long *count, bool *cut,
                   char **why)
{
    *out = NULL;
    *count = 0;
    *cut = false;
    *why = NULL;
    struct recording_iter it;
    int rc;
    if (index < 0) { /* count first */
        if ((rc = recording_iter_open(&it, path, why)) < 0)
            return rc;
        const struct snapshot *s;
        while ((rc = recording_iter_next(&it, &s, why)) > 0)
            ;
        *count = it.index + 1;
        *cut = it.cut; /* only a pass to the end can know */
        if (rc == 0 && *count == 0) {
            *why = xasprintf("%s: holds no complete sample%s", it.path,
                             it.cut ? " (it ends mid-line: cut off?)" : "");
            rc = -ERANGE;
        } else if (rc == 0 && index + *count < 0) {
            *why = xasprintf("%s: has %ld samples", it.path, *count);
            rc = -ERANGE;
        }
        recording_iter_close(&it);
        if (rc < 0)
            return rc;
        index += *count;
    }
    if ((rc = recording_iter_open(&it, path, why)) < 0)
        return rc;
    const struct snapshot *s = NULL;
    while ((rc = recording_iter_next(&it, &s, why)) > 0 && it.index < index)
        ;
    *cut = *cut || it.cut;
    if (rc > 0) {
        *out = it.cur; /* take it from the iterator */
        it.cur = NULL;
        if (*count == 0)
            *count = it.index + 1;
        rc = 0;
    } else if (rc == 0) {
        *why = xasprintf("%s: has no sample %ld (%ld samples%s)", it.path, index, it.index + 1,
                         it.cut ? "; it ends mid-line: cut off?" : "");
        rc = -ERANGE;
    }
    recording_iter_close(&it);
    return rc;
}
