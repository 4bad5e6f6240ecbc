/* Recordings (see recording.h). */
#include "vmscope/recording.h"
#include "vmscope/buf.h"
#include "vmscope/compat.h"
#include "vmscope/diff.h"
#include "vmscope/export.h"
#include "vmscope/input.h"
#include "vmscope/json_reader.h"
#include "vmscope/sanitize.h"
#include "vmscope/stack.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
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
    if (h && first->system.mmap_min_addr) /* where free space starts (additive) */
        json_object_set_new_nocheck(json_object_get(h, "system"), "mmap_min_addr",
                                    json_integer((json_int_t)first->system.mmap_min_addr));
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

/* ,"key":{...} with the keys of after that differ from before, and null for
 * those it no longer has; {} when nothing changed (so a reader tells this
 * from a version 1 delta, which has no such key). Takes both references. */
static void put_changed(struct buf *b, const char *key, json_t *before, json_t *after)
{
    json_t *ch = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(after, k, v) {
        if (!json_equal(json_object_get(before, k), v))
            json_object_set_nocheck(ch, k, v);
    }
    json_object_foreach(before, k, v) {
        if (!json_object_get(after, k))
            json_object_set_new_nocheck(ch, k, json_null());
    }
    char *text = json_dumps(ch, JSON_COMPACT | JSON_PRESERVE_ORDER);
    buf_printf(b, ",\"%s\":%s", key, text ? text : "{}");
    free(text);
    json_decref(ch);
    json_decref(before);
    json_decref(after);
}

static bool same_string(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether a region is written the same in both samples: every key, not
 * just what diff_compute() calls a change (a replay must give back what
 * was recorded: PSS of a light sample, a census that came or went). */
static bool region_same(const struct region *x, const struct region *y, bool same_census_keys)
{
    const struct vma *a = x->vma, *b = y->vma;
    if (a->end != b->end || a->offset != b->offset || a->inode != b->inode ||
        a->dev_major != b->dev_major || a->dev_minor != b->dev_minor ||
        memcmp(a->perms, b->perms, 4) != 0 || a->deleted != b->deleted ||
        a->name_len != b->name_len || memcmp(a->name, b->name, a->name_len) != 0 ||
        x->cls != y->cls || x->subclass != y->subclass || !same_string(x->evidence, y->evidence) ||
        !same_string(x->object, y->object) || x->tid != y->tid || x->flags != y->flags ||
        a->field_mask != b->field_mask || a->has_vmflags != b->has_vmflags ||
        (a->has_vmflags && a->vmflags != b->vmflags) || a->has_census != b->has_census)
        return false;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++)
        if (vma_has(a, (enum smaps_field)f) && a->field[f] != b->field[f])
            return false;
    return !a->has_census ||
           (same_census_keys && memcmp(&a->pages, &b->pages, sizeof a->pages) == 0);
}

/* diff_compute()'s added and removed (by start), with changed as
 * region_same() says. */
static void delta_regions(const struct snapshot *from, const struct snapshot *to,
                          struct snapshot_diff *d)
{
    diff_compute(from, to, d);
    d->n_changed = 0;
    bool keys = from->census_measured == to->census_measured;
    for (size_t i = 0, j = 0; i < from->n_regions && j < to->n_regions;) {
        const struct region *x = &from->regions[i], *y = &to->regions[j];
        if (x->vma->start < y->vma->start) {
            i++;
        } else if (y->vma->start < x->vma->start) {
            j++;
        } else {
            if (!region_same(x, y, keys))
                d->changed[d->n_changed++] = (struct region_change){x, y};
            i++, j++;
        }
    }
}

static int write_delta(struct recording_writer *w, const struct snapshot *s)
{
    struct snapshot_diff d;
    delta_regions(w->prev, s, &d);
    struct buf b;
    buf_init(&b);
    char when[40];
    format_time(s->realtime_ns, when, sizeof when);
    buf_printf(&b, "{\"format\":\"vmscope.delta\",\"time\":\"%s\",\"monotonic_ns\":%" PRIu64
                   ",\"totals\":{\"vsz\":%" PRIu64 ",\"rss\":%" PRIu64,
               when, s->monotonic_ns, s->totals.vsz, s->totals.rss);
    if (s->has_pss) /* as in a snapshot: left out when not measured */
        buf_printf(&b, ",\"pss\":%" PRIu64, s->totals.pss);
    buf_printf(&b, ",\"swap\":%" PRIu64 ",\"regions\":%zu}", s->totals.swap, s->totals.regions);
    put_changed(&b, "process", json_process_object(w->prev), json_process_object(s));
    if (s->has_status)
        put_changed(&b, "status",
                    w->prev->has_status ? json_status_object(&w->prev->status) : json_object(),
                    json_status_object(&s->status));
    if (s->sample_cost_ns)
        buf_printf(&b, ",\"sample_cost_ns\":%" PRIu64, s->sample_cost_ns);
    buf_puts(&b, ",\"added\":[");
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
    w->delta_bytes += b.len + 1 + RECORDING_DELTA_LINE_COST;
    int rc = write_line(w->fp, &b);
    buf_free(&b);
    return rc;
}

static int write_keyframe(struct recording_writer *w, const struct snapshot *s)
{
    off_t before = ftello(w->fp);
    int rc = export_json(s, EXPORT_COMPACT, w->fp);
    if (rc == 0 && fflush(w->fp) != 0)
        rc = errno ? -errno : -EIO;
    off_t after = ftello(w->fp);
    /* not seekable (a pipe): keyframes every RECORDING_KEYFRAME samples only */
    w->key_bytes = before >= 0 && after > before ? (uint64_t)(after - before) : 0;
    w->delta_bytes = 0;
    w->since_key = 0;
    return rc;
}

int recording_add(struct recording_writer *w, struct snapshot *s)
{
    int rc;
    /* A reader seeks to the keyframe before a sample and applies the
     * deltas after it, and reading costs by the byte (the JSON parse is
     * most of it): a keyframe once the deltas weigh half as much as the
     * last one keeps any seek within 1.5 keyframes' worth of reading. */
    if (!w->prev || w->since_key + 1 >= RECORDING_KEYFRAME ||
        (w->key_bytes && w->delta_bytes >= w->key_bytes / RECORDING_DELTA_SHARE)) {
        rc = write_keyframe(w, s);
    } else {
        rc = write_delta(w, s);
        w->since_key++;
    }
    snapshot_free(w->prev);
    w->prev = s;
    w->samples++;
    return rc;
}

/* {"format":"vmscope.stack","id":N,"frames":[...]} (formats: man page). */
static void put_stack_line(struct buf *b, const struct stack *st)
{
    json_t *frames = json_stack_frames(st);
    json_t *doc = json_pack("{s:s, s:I, s:o}", "format", "vmscope.stack", "id",
                            (json_int_t)st->id, "frames", frames);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (text) {
        buf_puts(b, text);
        buf_putc(b, '\n');
    }
    free(text);
}

int recording_add_event(struct recording_writer *w, const struct syscall_event *e)
{
    struct buf b;
    buf_init(&b);
    if (e->stack) { /* its stack before its first use */
        uint32_t id = e->stack->id;
        if (id / 8 >= w->stacks_written_cap) {
            size_t cap = w->stacks_written_cap;
            xgrow((void **)&w->stacks_written, &w->stacks_written_cap, id / 8 + 1, 1);
            memset(w->stacks_written + cap, 0, w->stacks_written_cap - cap);
        }
        if (!(w->stacks_written[id / 8] & (1u << (id % 8)))) {
            w->stacks_written[id / 8] |= (unsigned char)(1u << (id % 8));
            put_stack_line(&b, e->stack);
        }
    }
    buf_printf(&b,
               "{\"format\":\"vmscope.event\",\"monotonic_ns\":%" PRIu64
               ",\"pid\":%d,\"tid\":%d,\"syscall\":\"%s\",\"args\":[",
               e->monotonic_ns, (int)e->pid, (int)e->tid, traced_call_name(e->call));
    for (int i = 0; i < traced_call_argc(e->call); i++)
        buf_printf(&b, "%s\"0x%" PRIx64 "\"", i ? "," : "", e->args[i]);
    if (syscall_event_failed(e)) {
        const char *name = strerrorname_np((int)-e->result);
        buf_printf(&b, "],\"result\":\"%" PRId64 "\",\"error\":\"%s\"", e->result,
                   name ? name : "?");
    } else {
        buf_printf(&b, "],\"result\":\"0x%" PRIx64 "\"", (uint64_t)e->result);
    }
    if (e->stack)
        buf_printf(&b, ",\"stack\":%" PRIu32, e->stack->id);
    if (e->comm[0])
        json_put_key_string(&b, "comm", e->comm, strnlen(e->comm, sizeof e->comm), 0);
    buf_puts(&b, "}\n");
    /* Not flushed here: events come in bursts, and the caller flushes each
     * burst (a kill mid-burst leaves a cut last line, which readers skip). */
    int rc = fwrite(b.data, 1, b.len, w->fp) == b.len ? 0 : (errno ? -errno : -EIO);
    buf_free(&b);
    return rc;
}

int recording_add_crash(struct recording_writer *w, const struct crash_info *c)
{
    char where[400];
    uint64_t at;
    crash_describe(w->prev, c, where, sizeof where, &at);
    json_t *doc = json_object();
    json_object_set_new(doc, "format", json_string("vmscope.crash"));
    json_object_set_new(doc, "monotonic_ns", json_integer((json_int_t)c->monotonic_ns));
    json_object_set_new(doc, "pid", json_integer(c->pid));
    json_object_set_new(doc, "tid", json_integer(c->tid));
    json_object_set_new(doc, "signal", json_string(c->signo == SIGBUS ? "SIGBUS" : "SIGSEGV"));
    json_object_set_new(doc, "code", json_string(crash_code_name(c->signo, c->code)));
    char addr[24];
    snprintf(addr, sizeof addr, "0x%" PRIx64, c->addr);
    json_object_set_new(doc, "addr", json_string(addr));
    json_object_set_new(doc, "where", json_string(where)); /* sanitised: valid UTF-8 */
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, text ? text : "{}");
    free(text);
    int rc = write_line(w->fp, &b);
    buf_free(&b);
    return rc;
}

bool recording_crash_from_doc(json_t *doc, struct crash_info *c)
{
    const char *format = json_string_value(json_object_get(doc, "format"));
    const char *sig = json_string_value(json_object_get(doc, "signal"));
    const char *addr = json_string_value(json_object_get(doc, "addr"));
    if (!format || strcmp(format, "vmscope.crash") != 0 || !sig || !addr)
        return false;
    memset(c, 0, sizeof *c);
    c->signo = strcmp(sig, "SIGBUS") == 0 ? SIGBUS : strcmp(sig, "SIGSEGV") == 0 ? SIGSEGV : 0;
    char *end;
    errno = 0;
    unsigned long long a = strtoull(addr, &end, 16);
    if (!c->signo || strncmp(addr, "0x", 2) != 0 || !addr[2] || *end || errno)
        return false;
    c->addr = a;
    c->code = crash_code_from_name(c->signo, json_string_value(json_object_get(doc, "code")));
    json_t *pid = json_object_get(doc, "pid"), *tid = json_object_get(doc, "tid");
    c->pid = json_is_integer(pid) ? (pid_t)json_integer_value(pid) : 0;
    c->tid = json_is_integer(tid) ? (pid_t)json_integer_value(tid) : 0;
    json_t *ns = json_object_get(doc, "monotonic_ns");
    c->monotonic_ns = json_is_integer(ns) && json_integer_value(ns) > 0 ? (uint64_t)json_integer_value(ns) : 0;
    c->known = true;
    return true;
}

void recording_finish(struct recording_writer *w)
{
    snapshot_free(w->prev);
    free(w->stacks_written);
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

/* Gives s's string table and the ELF image parts back to cur. */
static void return_strings(struct snapshot *cur, struct snapshot *s)
{
    cur->objects = s->objects;
    s->objects = (struct strtab){0};
    cur->images = s->images;
    cur->n_images = s->n_images;
    s->images = NULL;
    s->n_images = 0;
}

static void free_parsed(struct vma *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* Index of the region of s that starts at addr, or SIZE_MAX. */
static size_t region_at(const struct snapshot *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n_regions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->regions[mid].vma->start < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_regions && s->regions[lo].vma->start == addr ? lo : SIZE_MAX;
}

/* A delta that adds and removes nothing and changes regions where they
 * start (an idle process's changes none) keeps cur's arrays and replaces
 * the changed records in them: replaying it costs its own regions, not a
 * move of every region, so keyframes can be far apart. fresh is sorted by
 * start. Returns false, with nothing touched, when the general merge must
 * decide (a start not in cur, twice the same start, an overlap). */
static bool replace_in_place(struct snapshot *cur, struct snapshot *s, struct region *fresh,
                             size_t n_fresh, bool *carried_census, bool *totals_done)
{
    size_t *at = xcalloc(n_fresh + 1, sizeof *at);
    bool ok = true;
    for (size_t j = 0; j < n_fresh && ok; j++) {
        const struct vma *v = fresh[j].vma;
        size_t k = region_at(cur, v->start);
        ok = k != SIZE_MAX && (j == 0 || at[j - 1] < k);
        if (!ok)
            break;
        at[j] = k;
        if (k + 1 < cur->n_regions && v->end > cur->regions[k + 1].vma->start)
            ok = false;
        if (k > 0) {
            uint64_t prev_end = j > 0 && at[j - 1] == k - 1 ? fresh[j - 1].vma->end
                                                             : cur->regions[k - 1].vma->end;
            ok = ok && prev_end <= v->start;
        }
    }
    if (!ok) {
        free(at);
        return false;
    }
    bool carried = cur->has_census && n_fresh == 0;
    for (size_t k = 0, j = 0; k < cur->n_regions && cur->has_census && n_fresh; k++) {
        if (j < n_fresh && at[j] == k)
            j++;
        else
            carried |= cur->vmas[k].has_census;
    }
    s->totals = cur->totals;
    memcpy(s->by_class, cur->by_class, sizeof s->by_class);
    bool totals = true;
    for (size_t j = 0; j < n_fresh; j++) {
        size_t k = at[j];
        if (totals)
            totals = snapshot_totals_replace(s, cur->regions[k].vma, cur->regions[k].cls,
                                             &fresh[j]);
        free(cur->regions[k].vma->name);
        *cur->regions[k].vma = *fresh[j].vma;
        fresh[j].vma->name = NULL; /* moved */
        struct vma *v = cur->regions[k].vma;
        cur->regions[k] = fresh[j];
        cur->regions[k].vma = v;
    }
    free(at);
    s->vmas = cur->vmas;
    s->regions = cur->regions;
    s->n_regions = cur->n_regions;
    cur->vmas = NULL;
    cur->regions = NULL;
    cur->n_regions = 0;
    *carried_census = carried;
    *totals_done = totals;
    return true;
}

/* cur + delta -> the next sample. cur is the iterator's, freed right after:
 * the regions that stay, their names and the string table they point
 * into are moved, not copied (replaying a delta of a few regions of a
 * 20,000-region process costs a pass over the regions, no allocation per
 * region). On success cur is left gutted, fit only for snapshot_free();
 * on failure it is as it was. */
/* A delta's "added" and "changed" regions as the fast path found them in
 * the line (json_split_fast), the arrays of its parsed document empty. */
struct delta_text {
    struct json_span added, changed;
};

/* The regions of t, parsed the fast way into nv/fresh (added first): false,
 * nothing kept, if the general way must read them. */
static bool fresh_from_text(struct snapshot *s, const struct delta_text *t, struct vma **nv,
                            struct region **fresh, size_t *na, size_t *nc)
{
    struct vma *v[2] = {NULL, NULL};
    struct region *r[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    if (!json_regions_fast(s, t->added.text, t->added.len, false, &v[0], &r[0], &n[0]))
        return false;
    if (!json_regions_fast(s, t->changed.text, t->changed.len, false, &v[1], &r[1], &n[1])) {
        free_parsed(v[0], n[0]);
        free(r[0]);
        return false;
    }
    *nv = xcalloc(n[0] + n[1] + 1, sizeof **nv);
    *fresh = xcalloc(n[0] + n[1] + 1, sizeof **fresh);
    for (size_t k = 0, at = 0; k < 2; k++) {
        for (size_t i = 0; i < n[k]; i++, at++) {
            (*nv)[at] = v[k][i]; /* the name moves */
            (*fresh)[at] = r[k][i];
            (*fresh)[at].vma = &(*nv)[at];
        }
        free(v[k]);
        free(r[k]);
    }
    *na = n[0];
    *nc = n[1];
    return true;
}

/* Returns 0, -errno with *why, or 1 when text (not NULL) is not for the
 * fast path: then nothing was changed, and the general way reads the line. */
static int apply_delta(struct snapshot *cur, json_t *delta, const struct delta_text *text,
                       struct snapshot **out, char **why)
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
        if (!json_parse_address(json_string_value(json_array_get(removed, i)), &gone[i])) {
            *why = xasprintf("removed address %zu is not \"0x\" and 1 to 16 hex digits", i);
            free(gone);
            return -EINVAL;
        }
    }
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->system = cur->system;
    json_delta_process_status(s, cur, delta);
    /* the tables the carried regions point into (names, image parts) become s's */
    s->objects = cur->objects;
    cur->objects = (struct strtab){0};
    s->images = cur->images;
    s->n_images = cur->n_images;
    cur->images = NULL;
    cur->n_images = 0;

    /* The regions the delta brings, parsed apart first. */
    struct vma *nv = NULL;
    struct region *fresh = NULL;
    int rc = 0;
    size_t n_fresh = 0;
    if (text) {
        if (!fresh_from_text(s, text, &nv, &fresh, &na, &nc)) {
            free(gone);
            return_strings(cur, s);
            snapshot_free(s);
            return 1;
        }
        gone = xrealloc(gone, (nr + nc + 1) * sizeof *gone);
        for (size_t i = 0; i < nc; i++)
            gone[nr + i] = nv[na + i].start;
        n_fresh = na + nc;
    } else {
        nv = xcalloc(na + nc + 1, sizeof *nv);
        fresh = xcalloc(na + nc + 1, sizeof *fresh);
    }
    for (size_t i = 0; !text && i < na + nc && rc == 0; i++) {
        json_t *o = i < na ? json_array_get(added, i) : json_array_get(changed, i - na);
        rc = json_region_into(s, o, &fresh[n_fresh], &nv[n_fresh], n_fresh, why);
        n_fresh++; /* its name, if any, is freed below */
        if (rc == 0 && i >= na)
            gone[nr + (i - na)] = nv[n_fresh - 1].start;
    }
    qsort(gone, nr + nc, sizeof *gone, cmp_u64);
    qsort(fresh, n_fresh, sizeof *fresh, by_start); /* the records stay where they are */

    /* Both sorted by start: one merge, first to check, then to move. */
    size_t n = 0;
    bool carried_census = false, totals_done = false;
    bool in_place = rc == 0 && nr == 0 && na == 0 &&
                    replace_in_place(cur, s, fresh, n_fresh, &carried_census, &totals_done);
    if (in_place)
        n = s->n_regions;
    for (int pass = 0; pass < 2 && rc == 0 && !in_place; pass++) {
        if (pass == 1) {
            size_t cap = n + 1;
            s->vmas = xcalloc(cap, sizeof *s->vmas);
            s->regions = xcalloc(cap, sizeof *s->regions);
        }
        n = 0;
        uint64_t end = 0;
        size_t i = 0, j = 0;
        while (rc == 0) {
            while (i < cur->n_regions && in_starts(gone, nr + nc, cur->regions[i].vma->start))
                i++;
            bool from_cur = i < cur->n_regions &&
                            (j == n_fresh || cur->regions[i].vma->start < fresh[j].vma->start);
            if (!from_cur && j == n_fresh)
                break;
            struct region *r = from_cur ? &cur->regions[i++] : &fresh[j++];
            /* a region added twice, or over one that stays: the model (and
             * every screen and diff on it) takes regions as disjoint */
            if (n && r->vma->start < end) {
                *why = xasprintf("the delta leaves regions that overlap (at 0x%" PRIx64 ")",
                                 r->vma->start);
                rc = -EINVAL;
                break;
            }
            end = r->vma->end;
            if (pass == 1) {
                s->vmas[n] = *r->vma;
                r->vma->name = NULL; /* moved */
                s->regions[n] = *r;
                s->regions[n].vma = &s->vmas[n];
                if (from_cur)
                    s->has_census |= s->vmas[n].has_census;
            }
            n++;
        }
    }
    bool *fresh_census = xcalloc(n_fresh + 1, sizeof *fresh_census);
    for (size_t j = 0; j < n_fresh; j++)
        fresh_census[j] = nv[j].has_census;
    free(gone);
    free(fresh);
    free_parsed(nv, n_fresh); /* the names not moved */
    if (rc < 0) {
        free(fresh_census);
        return_strings(cur, s);
        snapshot_free(s);
        return rc;
    }
    s->n_regions = n;
    if (!in_place)
        carried_census = s->has_census;
    s->monotonic_ns = (uint64_t)json_integer_value(json_object_get(delta, "monotonic_ns"));
    if (!json_read_time(json_object_get(delta, "time"), &s->realtime_ns))
        s->realtime_ns = cur->realtime_ns + (s->monotonic_ns - cur->monotonic_ns);
    /* A pass over 20,000 regions was most of replaying a delta that
     * changes a few: in place, the totals were updated region by region. */
    bool pss = true;
    if (in_place) {
        s->has_census |= carried_census;
        for (size_t j = 0; j < n_fresh; j++)
            s->has_census |= fresh_census[j];
    }
    bool totals_say = json_is_object(json_object_get(delta, "totals"));
    for (size_t i = 0; i < n && !(in_place && totals_say); i++) {
        pss &= vma_has(s->regions[i].vma, SMAPS_PSS);
        s->has_census |= s->regions[i].vma->has_census;
    }
    s->has_pss = json_delta_has_pss(delta, pss);
    if (carried_census) /* those regions' pages were written with cur's keys */
        s->census_measured |= cur->census_measured;
    if (!(in_place && totals_done))
        snapshot_compute_totals(s);
    free(fresh_census);
    *out = s;
    return 0;
}

/* Whether path starts with a recording's header line: the iterator's own
 * test, so every reader tells a recording from a snapshot the same way. */
bool recording_is(const char *path)
{
    struct recording_iter it;
    char *why = NULL;
    bool yes = recording_iter_open(&it, path, &why) == 0;
    if (yes)
        recording_iter_close(&it);
    free(why);
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

/* A header line: one JSON object whose format is "vmscope.recording" (not
 * merely a line that mentions it). */
static bool is_header_line(const char *line, size_t len, struct recording_iter *it)
{
    static const char format[] = "\"vmscope.recording\"";
    if (!len || line[len - 1] != '\n' || !memmem(line, len, format, sizeof format - 1))
        return false;
    json_error_t err;
    json_t *doc = json_loadb(line, len, 0, &err);
    const char *f = json_string_value(json_object_get(doc, "format"));
    bool yes = json_is_object(doc) && f && strcmp(f, "vmscope.recording") == 0;
    json_t *min = json_object_get(json_object_get(doc, "system"), "mmap_min_addr");
    json_t *interval = json_object_get(doc, "interval_ns");
    if (yes && json_is_integer(min) && json_integer_value(min) > 0)
        it->mmap_min_addr = (uint64_t)json_integer_value(min);
    if (yes && json_is_integer(interval) && json_integer_value(interval) > 0)
        it->interval_ns = (uint64_t)json_integer_value(interval);
    json_decref(doc);
    return yes;
}

int recording_iter_open(struct recording_iter *it, const char *path, char **why)
{
    memset(it, 0, sizeof *it);
    it->index = -1;
    it->path = sanitize_display_dup(path); /* only ever shown */
    it->fp = input_open(path);
    if (!it->fp) {
        int err = errno;
        *why = xasprintf("cannot open %s: %s", it->path, strerror(err));
        recording_iter_close(it);
        return -err;
    }
    ssize_t len = read_line(it, HEADER_MAX);
    if (len <= 0 || !is_header_line(it->line, (size_t)len, it)) {
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

static struct recording_stack_id *stack_id_slot(const struct recording_iter *it, uint64_t id)
{
    size_t mask = it->stack_ids_cap - 1, i = (size_t)(id * 0x9e3779b97f4a7c15ull >> 20) & mask;
    while (it->stack_ids[i].id && it->stack_ids[i].id != id)
        i = (i + 1) & mask;
    return &it->stack_ids[i];
}

const struct stack *recording_iter_stack(const struct recording_iter *it, uint64_t id)
{
    return id && it->stack_ids_cap ? stack_id_slot(it, id)->stack : NULL;
}

/* A vmscope.stack line: its frames interned in the shared table, its id
 * kept for the events after it. A line that does not read is skipped (its
 * events then have no stack). */
static void stack_from_doc(struct recording_iter *it, json_t *doc)
{
    json_t *id = json_object_get(doc, "id"), *frames = json_object_get(doc, "frames");
    if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
        json_integer_value(id) > UINT32_MAX || !json_is_array(frames))
        return;
    size_t n = json_array_size(frames);
    if (n > STACK_MAX_FRAMES)
        n = STACK_MAX_FRAMES;
    struct stack_frame f[STACK_MAX_FRAMES];
    memset(f, 0, sizeof f);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(frames, i);
        uint64_t v;
        if (json_number_of(json_object_get(o, "pc"), &v))
            f[i].pc = v;
        f[i].object = json_read_string_hex(o, "object");
        if (json_number_of(json_object_get(o, "object_offset"), &v))
            f[i].object_offset = v;
        f[i].function = json_read_string_hex(o, "function");
        if (json_number_of(json_object_get(o, "function_offset"), &v))
            f[i].function_offset = v;
        f[i].file = json_read_string_hex(o, "file");
        json_t *line = json_object_get(o, "line");
        f[i].line = json_is_integer(line) && json_integer_value(line) > 0 &&
                            json_integer_value(line) < INT32_MAX
                        ? (int)json_integer_value(line)
                        : 0;
    }
    const struct stack *st = stack_table_intern(stack_table_shared(), f, n);
    for (size_t i = 0; i < n; i++) {
        free(f[i].object);
        free(f[i].function);
        free(f[i].file);
    }
    if ((it->n_stack_ids + 1) * 2 > it->stack_ids_cap) { /* rehash into twice the room */
        struct recording_stack_id *old = it->stack_ids;
        size_t old_cap = it->stack_ids_cap;
        it->stack_ids_cap = old_cap ? old_cap * 2 : 64;
        it->stack_ids = xcalloc(it->stack_ids_cap, sizeof *it->stack_ids);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].id)
                *stack_id_slot(it, old[i].id) = old[i];
        free(old);
    }
    struct recording_stack_id *slot = stack_id_slot(it, (uint64_t)json_integer_value(id));
    if (!slot->id)
        it->n_stack_ids++;
    *slot = (struct recording_stack_id){(uint64_t)json_integer_value(id), st};
}

/* An event line back into the event (formats.md; "pid" is ours and may be
 * missing: 0). False for a line that does not say what a call did: events
 * are not samples, so such a line is skipped, never a reason to refuse. */
static bool event_from_doc(const struct recording_iter *it, json_t *doc,
                           struct syscall_event *e)
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
    json_t *stack = json_object_get(doc, "stack");
    if (json_is_integer(stack) && json_integer_value(stack) > 0)
        e->stack = recording_iter_stack(it, (uint64_t)json_integer_value(stack));
    char *comm = json_read_string_hex(doc, "comm");
    if (comm)
        snprintf(e->comm, sizeof e->comm, "%.15s", comm);
    free(comm);
    return true;
}

/* A delta line as the writer writes it: its regions read from the text,
 * the rest (small) through jansson. 1 and the next sample, or 0, nothing
 * changed, for the general way (which also words any error). */
static int delta_fast(struct recording_iter *it, size_t len, const struct snapshot **out)
{
    static const char prefix[] = "{\"format\":\"vmscope.delta\"";
    static const char *const keys[] = {"added", "changed"};
    if (len <= sizeof prefix || memcmp(it->line, prefix, sizeof prefix - 1) != 0)
        return 0;
    struct json_span spans[2];
    struct buf head;
    buf_init(&head);
    char *why = NULL;
    json_t *doc = NULL;
    if (json_split_fast(it->line, len, keys, 2, spans, &head))
        doc = json_parse_document(head.data, head.len, &why);
    buf_free(&head);
    free(why);
    why = NULL;
    const char *format = json_string_value(json_object_get(doc, "format"));
    struct snapshot *next = NULL;
    struct delta_text text = {spans[0], spans[1]};
    int rc = format && strcmp(format, "vmscope.delta") == 0
                 ? apply_delta(it->cur, doc, &text, &next, &why)
                 : 1;
    json_decref(doc);
    free(why);
    if (rc != 0)
        return 0; /* the general way: also for an error, to word it */
    snapshot_free(it->cur);
    it->cur = next;
    it->index++;
    *out = next;
    return 1;
}

static int iter_next_sample(struct recording_iter *it, const struct snapshot **out, char **why);

int recording_iter_next(struct recording_iter *it, const struct snapshot **out, char **why)
{
    int rc = iter_next_sample(it, out, why);
    /* a sample that does not say gets the header's (it->cur is ours) */
    if (rc == 1 && it->cur && *out == it->cur && !it->cur->system.mmap_min_addr)
        it->cur->system.mmap_min_addr = it->mmap_min_addr;
    return rc;
}

static int iter_next_sample(struct recording_iter *it, const struct snapshot **out, char **why)
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
            json_t *doc = it->on_event || it->on_line
                              ? json_parse_document(it->line, (size_t)len, &ignored)
                              : NULL;
            struct syscall_event e;
            if (doc && it->on_line)
                it->on_line(it->event_arg, doc);
            it->saw_events |= it->on_event != NULL;
            if (doc && it->on_event && event_from_doc(it, doc, &e))
                it->on_event(it->event_arg, &e);
            json_decref(doc);
            free(ignored);
            continue;
        }
        if (it->cur && delta_fast(it, (size_t)len, out) == 1)
            return 1;
        /* a keyframe as the writer writes it: read without a jansson tree */
        static const char key_prefix[] = "{\"format\":\"vmscope.snapshot\"";
        struct snapshot *key = NULL;
        if ((size_t)len > sizeof key_prefix &&
            memcmp(it->line, key_prefix, sizeof key_prefix - 1) == 0 &&
            json_read_snapshot_fast(it->line, (size_t)len, &key) == 1) {
            snapshot_free(it->cur);
            it->cur = key;
            it->index++;
            *out = key;
            return 1;
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
                rc = apply_delta(it->cur, doc, NULL, &next, &error);
            }
        } else {
            /* other lines are not samples */
            if (it->on_line)
                it->on_line(it->event_arg, doc);
            struct syscall_event e; /* written by another tool, keys in another order */
            if (strcmp(format, "vmscope.event") == 0 && it->on_event) {
                it->saw_events = true;
                if (event_from_doc(it, doc, &e))
                    it->on_event(it->event_arg, &e);
            } else if (strcmp(format, "vmscope.stack") == 0 && it->on_event) {
                stack_from_doc(it, doc);
            }
        }
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
    free(it->stack_ids);
    snapshot_free(it->cur);
    memset(it, 0, sizeof *it);
}
