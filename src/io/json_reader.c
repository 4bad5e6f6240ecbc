/* vmscope.snapshot JSON -> struct snapshot (see json_reader.h). */
#include "vmscope/json_reader.h"
#include "vmscope/buf.h"
#include "vmscope/export.h"
#include "vmscope/input.h"
#include "vmscope/pagemap.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    *why = msg ? msg : xstrdup("not a vmscope snapshot");
    return -EINVAL;
}

/* Owned strings of the snapshot that regions point into (objects and
 * subclasses read from the file). A file may name a different object for
 * each of a million regions, so they are found through an index, not by
 * a scan: the index of the snapshot being read on this thread, kept while
 * the calls are about the same table (a new snapshot, or a table changed
 * elsewhere, starts it again). */
static _Thread_local struct {
    const struct snapshot *s;
    char **objects;
    size_t n;
    json_t *index; /* string -> its position in s->objects */
} interned;

static const char *intern(struct snapshot *s, const char *str)
{
    if (interned.s != s || interned.objects != s->objects || interned.n != s->n_objects) {
        json_decref(interned.index);
        interned.index = json_object();
        for (size_t i = 0; i < s->n_objects; i++)
            json_object_set_new_nocheck(interned.index, s->objects[i], json_integer((json_int_t)i));
        interned.s = s;
    }
    json_t *at = json_object_get(interned.index, str);
    size_t i = at ? (size_t)json_integer_value(at) : 0;
    if (at && i < s->n_objects && strcmp(s->objects[i], str) == 0)
        return s->objects[i];
    /* only the tables of the snapshots this reader builds come here: full
     * at 0, 1, 2, 4..., where their room doubles */
    if ((s->n_objects & (s->n_objects - 1)) == 0)
        s->objects = xrealloc(s->objects, (s->n_objects ? 2 * s->n_objects : 1) * sizeof *s->objects);
    s->objects[s->n_objects] = xstrdup(str);
    json_object_set_new_nocheck(interned.index, str, json_integer((json_int_t)s->n_objects));
    interned.objects = s->objects;
    interned.n = ++s->n_objects;
    return s->objects[s->n_objects - 1];
}

void json_strings_moved(const struct snapshot *from, const struct snapshot *to)
{
    if (interned.s == from)
        interned.s = to;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The exact bytes of obj[key]: from key_hex when present (the U+FFFD rule
 * of formats.md), else the UTF-8 string. Returns an allocated string. */
static char *read_bytes(json_t *obj, const char *key, size_t *len)
{
    char hkey[64];
    snprintf(hkey, sizeof hkey, "%s_hex", key);
    const char *hex = json_string_value(json_object_get(obj, hkey));
    if (hex && strlen(hex) % 2 == 0) {
        size_t n = strlen(hex) / 2;
        char *out = xmalloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
            out[i] = (char)(a < 0 || b < 0 ? '?' : a << 4 | b);
        }
        out[n] = '\0';
        if (len)
            *len = n;
        return out;
    }
    json_t *v = json_object_get(obj, key);
    const char *str = json_string_value(v);
    size_t n = str ? json_string_length(v) : 0;
    if (len)
        *len = n;
    return xmemdup0(str ? str : "", n);
}

bool json_parse_address(const char *s, uint64_t *out)
{
    /* "0x" and 1 to 16 hex digits, nothing else: strtoull alone would take
     * "0x -5" (blanks and a sign) and clamp 40 digits to 2^64 - 1; no
     * writer pads an address past 16 digits. */
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    size_t n = strspn(s + 2, "0123456789abcdefABCDEF");
    if (n == 0 || n > 16 || s[2 + n] != '\0')
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int c = s[2 + i] | 0x20; /* lowercase */
        v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    *out = v;
    return true;
}

static bool read_hex_addr(json_t *v, uint64_t *out)
{
    return json_parse_address(json_string_value(v), out);
}

/* Numbers may come as integers or, read with JSON_DECODE_INT_AS_REAL (for
 * values above 2^63), as reals; a file can hold anything, so out-of-range
 * values are clamped rather than converted (which C leaves undefined). */
static int64_t i64_of(json_t *v)
{
    if (!json_is_real(v))
        return (int64_t)json_integer_value(v);
    double d = json_real_value(v);
    if (!(d > -9.2e18)) /* also NaN */
        return d != d ? 0 : INT64_MIN;
    return d < 9.2e18 ? (int64_t)d : INT64_MAX;
}

static uint64_t u64_of(json_t *v)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        return x < 0 ? 0 : (uint64_t)x;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > 0)) /* negative or NaN */
            return 0;
        return d < 1.8e19 ? (uint64_t)d : UINT64_MAX;
    }
    return 0;
}

static int read_region(struct snapshot *s, json_t *o, struct region *r, size_t i, char **why);

int json_region_into(struct snapshot *s, json_t *o, struct region *r, struct vma *v, size_t i,
                     char **why)
{
    r->vma = v;
    return read_region(s, o, r, i, why);
}

void json_region_copy(struct snapshot *s, const struct region *from, struct region *r,
                      struct vma *v)
{
    *v = *from->vma;
    v->name = xmemdup0(from->vma->name, from->vma->name_len);
    *r = *from;
    r->vma = v;
    r->evidence = from->evidence ? intern(s, from->evidence) : NULL;
    r->object = from->object ? intern(s, from->object) : NULL;
    r->image = snapshot_add_image(s, from->image, from->n_image);
}

/* "image": the parts of the region's ELF image; parts that do not say
 * what and where they are are left out. */
static void read_image(struct snapshot *s, json_t *arr, struct region *r)
{
    size_t n = json_array_size(arr), k = 0;
    if (!n || n > 64)
        return;
    struct image_part *parts = xcalloc(n, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *role = image_part_role(json_string_value(json_object_get(o, "role")));
        struct image_part p = {.role = role};
        if (role && read_hex_addr(json_object_get(o, "start"), &p.start) &&
            read_hex_addr(json_object_get(o, "end"), &p.end) && p.start < p.end)
            parts[k++] = p;
    }
    r->image = snapshot_add_image(s, parts, k);
    r->n_image = r->image ? k : 0;
    free(parts);
}

/* What the model promises about these two (the writers copy them as they
 * are): maps' "rwxp" form, and a subclass that is a short lowercase word. */
static bool perms_valid(const char *p)
{
    return p && strlen(p) == 4 && strchr("r-", p[0]) && strchr("w-", p[1]) &&
           strchr("x-", p[2]) && strchr("ps", p[3]);
}

static bool subclass_valid(const char *sub)
{
    size_t n = strspn(sub, "abcdefghijklmnopqrstuvwxyz0123456789_-");
    return sub[n] == '\0' && n <= 32;
}

static int read_region(struct snapshot *s, json_t *o, struct region *r, size_t i, char **why)
{
    struct vma *v = r->vma;
    if (!json_is_object(o) || !read_hex_addr(json_object_get(o, "start"), &v->start) ||
        !read_hex_addr(json_object_get(o, "end"), &v->end) || v->end < v->start)
        return fail(why, "region %zu has no valid start and end", i);
    const char *perms = json_string_value(json_object_get(o, "perms"));
    if (!perms_valid(perms))
        return fail(why, "region %zu has no permissions", i);
    memcpy(v->perms, perms, 5);
    v->offset = u64_of(json_object_get(o, "offset"));
    v->inode = u64_of(json_object_get(o, "inode"));
    const char *dev = json_string_value(json_object_get(o, "dev"));
    unsigned maj = 0, min = 0;
    if (dev && sscanf(dev, "%x:%x", &maj, &min) == 2) {
        v->dev_major = maj;
        v->dev_minor = min;
    }
    v->name = read_bytes(o, "path", &v->name_len);
    v->deleted = json_is_true(json_object_get(o, "deleted"));
    const char *cls = json_string_value(json_object_get(o, "class"));
    int c = cls ? region_class_from_name(cls) : -1;
    if (c < 0)
        return fail(why, "region %zu has an unknown class", i);
    r->cls = (enum region_class)c;
    const char *sub = json_string_value(json_object_get(o, "subclass"));
    if (sub && !subclass_valid(sub))
        return fail(why, "region %zu has an invalid subclass", i);
    r->subclass = region_subclass_from_name(sub ? sub : "");
    if (json_object_get(o, "evidence")) {
        char *ev = read_bytes(o, "evidence", NULL);
        r->evidence = intern(s, ev);
        free(ev);
    }
    if (json_object_get(o, "object")) {
        char *obj = read_bytes(o, "object", NULL);
        r->object = intern(s, obj);
        free(obj);
    }
    if (r->object)
        read_image(s, json_object_get(o, "image"), r);
    int64_t tid = i64_of(json_object_get(o, "tid"));
    r->tid = tid > 0 && tid <= INT32_MAX ? (pid_t)tid : 0; /* a thread id, or none */
    if (json_is_true(json_object_get(o, "heuristic")))
        r->flags |= REGION_HEURISTIC;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        json_t *x = json_object_get(o, smaps_fields[f].json);
        if (x && json_is_number(x)) {
            v->field[f] = u64_of(x);
            v->field_mask |= 1u << f;
        }
    }
    if (v->field_mask) { /* smaps' Size: is not written: it is the range's size */
        v->field[SMAPS_SIZE] = vma_size(v);
        v->field_mask |= 1u << SMAPS_SIZE;
    }
    json_t *flags = json_object_get(o, "vmflags");
    if (json_is_array(flags)) {
        v->has_vmflags = true;
        size_t k;
        json_t *x;
        json_array_foreach(flags, k, x) {
            const char *name = json_string_value(x);
            int b = name && strlen(name) == 2 ? vmflag_index(name) : -1;
            if (b >= 0)
                v->vmflags |= VMFLAG_BIT(b);
        }
    }
    json_t *pages = json_object_get(o, "pages");
    if (json_is_object(pages)) {
        v->has_census = true;
        v->pages.present = u64_of(json_object_get(pages, "present"));
        v->pages.swapped = u64_of(json_object_get(pages, "swapped"));
        v->pages.file = u64_of(json_object_get(pages, "file"));
        v->pages.zero = u64_of(json_object_get(pages, "zero"));
        v->pages.huge = u64_of(json_object_get(pages, "huge"));
        v->pages.soft_dirty = u64_of(json_object_get(pages, "soft_dirty"));
        v->pages.exclusive = u64_of(json_object_get(pages, "exclusive"));
        v->pages.guard = u64_of(json_object_get(pages, "guard"));
        /* the writer leaves out what the census did not measure */
        static const struct {
            const char *key;
            unsigned bit;
        } measured[] = {{"zero", CENSUS_ZERO},
                        {"huge", CENSUS_HUGE},
                        {"soft_dirty", CENSUS_SOFT_DIRTY},
                        {"exclusive", CENSUS_EXCLUSIVE}};
        for (size_t k = 0; k < sizeof measured / sizeof *measured; k++)
            if (json_object_get(pages, measured[k].key))
                s->census_measured |= measured[k].bit;
    }
    return 0;
}

static void read_process(struct snapshot *s, json_t *p)
{
    struct proc_identity *id = &s->proc;
    identity_free(id);
    memset(id, 0, sizeof *id);
    id->pid = (pid_t)i64_of(json_object_get(p, "pid"));
    id->comm = read_bytes(p, "comm", NULL);
    json_t *argv = json_object_get(p, "cmdline"), *argv_hex = json_object_get(p, "cmdline_hex");
    size_t n = json_array_size(argv);
    id->argv = xcalloc(n + 1, sizeof *id->argv);
    for (size_t i = 0; i < n; i++) {
        json_t *holder = json_object();
        json_object_set(holder, "a", json_array_get(argv, i));
        const char *hex = json_string_value(json_array_get(argv_hex, i));
        if (hex && hex[0])
            json_object_set_new(holder, "a_hex", json_string(hex));
        id->argv[i] = read_bytes(holder, "a", NULL);
        json_decref(holder);
    }
    id->argc = n;
    if (json_object_get(p, "exe"))
        id->exe = read_bytes(p, "exe", NULL);
    id->uid = (uid_t)i64_of(json_object_get(p, "uid"));
    if (json_object_get(p, "user"))
        id->user = read_bytes(p, "user", NULL);
    id->threads = (int)i64_of(json_object_get(p, "threads"));
    const char *state = json_string_value(json_object_get(p, "state"));
    /* one letter of /proc/PID/stat; the writer copies it as it is */
    id->state = state && state[0] > ' ' && state[0] < 0x7f ? state[0] : '?';
    s->runtime.kinds = 0;
    json_t *rt = json_object_get(p, "runtimes");
    for (size_t i = 0; i < json_array_size(rt); i++) {
        const char *name = json_string_value(json_array_get(rt, i));
        s->runtime.kinds |= name ? runtime_kind_from_name(name) : 0;
    }
}

bool json_read_time(json_t *v, uint64_t *ns)
{
    const char *when = json_string_value(v);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = when ? strptime(when, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return false;
    unsigned ms = 0;
    if (*rest == '.')
        ms = (unsigned)strtoul(rest + 1, NULL, 10) % 1000u;
    *ns = (uint64_t)timegm(&tm) * 1000000000u + (uint64_t)ms * 1000000u;
    return true;
}

static void read_status(struct snapshot *s, json_t *status)
{
    memset(&s->status, 0, sizeof s->status);
    s->has_status = false;
    for (int f = 0; f < STATUS_FIELD_COUNT && json_is_object(status); f++) {
        json_t *x = json_object_get(status, status_fields[f].json);
        if (json_is_number(x)) {
            s->status.value[f] = u64_of(x);
            s->status.mask |= 1u << f;
            s->has_status = true;
        }
    }
}

/* from's object with the keys of change set over it; a null removes one */
static json_t *merged(json_t *from, json_t *change)
{
    const char *key;
    json_t *v;
    json_object_foreach(change, key, v) {
        if (json_is_null(v))
            json_object_del(from, key);
        else
            json_object_set_nocheck(from, key, v);
    }
    return from;
}

void json_delta_process_status(struct snapshot *s, const struct snapshot *cur, json_t *delta)
{
    json_t *p = json_object_get(delta, "process"), *st = json_object_get(delta, "status");
    if (json_is_object(p)) {
        json_t *whole = merged(json_process_object(cur), p);
        read_process(s, whole);
        json_decref(whole);
    } else {
        identity_free(&s->proc);
        identity_copy(&s->proc, &cur->proc); /* version 1: the keyframe's */
        s->runtime = cur->runtime;
    }
    if (json_is_object(st)) {
        json_t *whole = merged(cur->has_status ? json_status_object(&cur->status) : json_object(),
                               st);
        read_status(s, whole);
        json_decref(whole);
    } else {
        read_status(s, NULL); /* version 1 deltas carry none */
    }
    s->sample_cost_ns = u64_of(json_object_get(delta, "sample_cost_ns"));
}

/* Whether totals say PSS was measured (the writer leaves it out when not);
 * files without totals: whether every region has it. */
static bool totals_have_pss(json_t *doc, bool regions_have_it)
{
    json_t *totals = json_object_get(doc, "totals");
    return json_is_object(totals) ? json_object_get(totals, "pss") != NULL : regions_have_it;
}

bool json_delta_has_pss(json_t *delta, bool regions_have_it)
{
    return totals_have_pss(delta, regions_have_it);
}

int json_snapshot_from_doc(json_t *doc, struct snapshot **out, char **why)
{
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!json_is_object(doc) || !format || strcmp(format, "vmscope.snapshot") != 0)
        return fail(why, "not a vmscope snapshot (no \"format\": \"vmscope.snapshot\")");
    if (i64_of(json_object_get(doc, "version")) != 1)
        return fail(why, "vmscope snapshot version %lld is not one this vmscope reads (1)",
                    (long long)i64_of(json_object_get(doc, "version")));
    json_t *regions = json_object_get(doc, "regions");
    if (!json_is_array(regions))
        return fail(why, "the snapshot has no \"regions\" array");
    struct snapshot *s = xcalloc(1, sizeof *s);
    json_t *sys = json_object_get(doc, "system");
    const char *kernel = json_string_value(json_object_get(sys, "kernel"));
    snprintf(s->system.kernel, sizeof s->system.kernel, "%s", kernel ? kernel : "");
    size_t klen = strlen(s->system.kernel);
    while (klen && !utf8_valid(s->system.kernel, klen)) /* cut mid-character */
        s->system.kernel[--klen] = '\0';
    s->system.page_size = (long)i64_of(json_object_get(sys, "page_size"));
    if (s->system.page_size <= 0)
        s->system.page_size = 4096;
    s->system.privileged = json_is_true(json_object_get(sys, "privileged"));
    s->system.mmap_min_addr = u64_of(json_object_get(sys, "mmap_min_addr"));
    s->monotonic_ns = u64_of(json_object_get(doc, "monotonic_ns"));
    json_read_time(json_object_get(doc, "time"), &s->realtime_ns);
    read_process(s, json_object_get(doc, "process"));
    read_status(s, json_object_get(doc, "status"));
    s->sample_cost_ns = u64_of(json_object_get(doc, "sample_cost_ns"));
    size_t n = json_array_size(regions);
    s->vmas = xcalloc(n ? n : 1, sizeof *s->vmas);
    s->regions = xcalloc(n ? n : 1, sizeof *s->regions);
    s->has_pss = true;
    for (size_t i = 0; i < n; i++) {
        s->regions[i].vma = &s->vmas[i];
        s->n_regions = i + 1; /* so snapshot_free frees what was read */
        int rc = read_region(s, json_array_get(regions, i), &s->regions[i], i, why);
        if (rc == 0 && i > 0 && s->vmas[i].start < s->vmas[i - 1].end)
            rc = fail(why, "regions overlap or are not sorted by start (region %zu)", i);
        if (rc < 0) {
            snapshot_free(s);
            return rc;
        }
        s->has_census |= s->vmas[i].has_census;
        s->has_pss &= vma_has(&s->vmas[i], SMAPS_PSS);
    }
    s->has_pss = totals_have_pss(doc, s->has_pss);
    snapshot_compute_totals(s);
    *out = s;
    return 0;
}

/* jansson builds a tree of about 12 bytes of allocations per byte of a
 * real snapshot (strings, hash tables of small objects); a hostile document
 * of empty objects or arrays reaches 40-75. Its allocations while one
 * document is parsed are held to what a real file of that size needs, so
 * memory stays proportional to the file, not to how it is shaped. */
#define PARSE_BYTES_PER_BYTE 32
#define PARSE_FLOOR ((size_t)16 << 20)
/* And never more than this in all: a process at the default
 * vm.max_map_count (65530 mappings) makes a snapshot of about 40 MB, which
 * reads in about 500 MB. */
#define PARSE_CEILING ((size_t)1 << 30)

static _Thread_local size_t parse_budget, parse_used; /* budget 0: not parsing */
static _Thread_local bool parse_over;

static void *budget_malloc(size_t n)
{
    if (parse_budget) {
        if (n > parse_budget - parse_used) {
            parse_over = true;
            return NULL; /* jansson gives up the parse cleanly */
        }
        parse_used += n;
    }
    return malloc(n);
}

static pthread_once_t budget_once = PTHREAD_ONCE_INIT;

static void budget_install(void)
{
    json_set_alloc_funcs(budget_malloc, free); /* free: memory from before stays valid */
}

static json_t *parse_within_budget(const char *text, size_t len, size_t flags, json_error_t *err)
{
    pthread_once(&budget_once, budget_install);
    parse_used = 0;
    parse_over = false;
    parse_budget = len < (PARSE_CEILING - PARSE_FLOOR) / PARSE_BYTES_PER_BYTE
                       ? PARSE_FLOOR + len * PARSE_BYTES_PER_BYTE
                       : PARSE_CEILING;
    json_t *doc = json_loadb(text, len, flags, err);
    parse_budget = 0;
    return doc;
}

json_t *json_parse_document(const char *text, size_t len, char **why)
{
    if (len > JSON_READER_MAX_BYTES) {
        fail(why, "a document of %zu bytes, more than the %u MiB vmscope reads", len,
             (unsigned)(JSON_READER_MAX_BYTES >> 20));
        return NULL;
    }
    json_error_t err;
    json_t *doc = parse_within_budget(text, len, JSON_ALLOW_NUL, &err);
    if (!doc && json_error_code(&err) == json_error_numeric_overflow) /* an inode above 2^63 */
        doc = parse_within_budget(text, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
    if (doc)
        return doc;
    if (parse_over) {
        fail(why, "JSON that needs more than %d times its size, or %u MiB, in memory to read "
                  "(%zu bytes); no vmscope file does",
             PARSE_BYTES_PER_BYTE, (unsigned)(PARSE_CEILING >> 20), len);
    } else if (json_error_code(&err) == json_error_stack_overflow) {
        fail(why, "JSON nested deeper than %d levels; no vmscope file is", JSON_PARSER_MAX_DEPTH);
    } else if (json_error_code(&err) == json_error_premature_end_of_input ||
               (err.position >= 0 && (size_t)err.position >= len)) { /* "tru" at the end */
        fail(why, "not JSON: the text ends inside the document, at byte %d (cut off?)",
             err.position);
    } else {
        /* jansson quotes the bytes near the error: they are the file's, so
         * they may hold newlines or escape sequences. */
        char *near = sanitize_display_dup(err.text);
        fail(why, "not JSON: %s (line %d, column %d)", near, err.line, err.column);
        free(near);
    }
    return NULL;
}

int json_read_snapshot(const char *text, size_t len, struct snapshot **out, char **why)
{
    *out = NULL;
    *why = NULL;
    json_t *doc = json_parse_document(text, len, why);
    if (!doc)
        return -EINVAL;
    int rc = json_snapshot_from_doc(doc, out, why);
    json_decref(doc);
    return rc;
}

/* Whether text starts, after blanks, as a JSON object does: if not, the
 * file is no vmscope file at all, and saying so beats a parser's complaint. */
static bool starts_as_object(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && text[i] && strchr(" \t\r\n", text[i]))
        i++;
    return i < len && text[i] == '{';
}

/* All of fp into b: 0, -EFBIG past max bytes, or -errno. */
static int read_stream_max(struct buf *b, FILE *fp, size_t max)
{
    size_t room = 1 << 16;
    for (;;) {
        buf_reserve(b, room);
        size_t n = fread(b->data + b->len, 1, room, fp);
        b->len += n;
        b->data[b->len] = '\0';
        if (b->len > max)
            return -EFBIG;
        if (n < room)
            return ferror(fp) ? (errno ? -errno : -EIO) : 0;
        if (room < (1u << 22))
            room *= 2;
    }
}

int json_read_snapshot_file(const char *path, struct snapshot **out, char **why)
{
    *out = NULL;
    *why = NULL;
    char *shown = sanitize_display_dup(path);
    FILE *fp = input_open(path); /* a pipe read before (to tell its format) reads again */
    int fd = fp ? fileno(fp) : -1;
    struct stat st = {0};
    int rc = !fp || (fd >= 0 && fstat(fd, &st) < 0) ? -errno : 0;
    if (rc < 0) {
        *why = xasprintf("cannot open %s: %s", shown, strerror(-rc));
    } else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > JSON_READER_MAX_BYTES) {
        /* refused before reading: a hostile file costs neither memory nor time */
        *why = xasprintf("%s: %.1f MiB, more than the %u MiB a vmscope snapshot may be",
                         shown, (double)st.st_size / (1 << 20),
                         (unsigned)(JSON_READER_MAX_BYTES >> 20));
        rc = -EFBIG;
    }
    struct buf b;
    buf_init(&b);
    if (rc == 0 && (rc = fd >= 0 ? buf_read_fd_max(&b, fd, JSON_READER_MAX_BYTES)
                                  : read_stream_max(&b, fp, JSON_READER_MAX_BYTES)) < 0) {
        if (rc == -EFBIG) /* a pipe or a file still growing */
            *why = xasprintf("%s: more than the %u MiB a vmscope snapshot may be", shown,
                             (unsigned)(JSON_READER_MAX_BYTES >> 20));
        else
            *why = xasprintf("cannot read %s: %s", shown, strerror(-rc));
    }
    if (fp)
        fclose(fp);
    if (rc == 0 && !starts_as_object(b.data ? b.data : "", b.len)) {
        *why = xasprintf("%s: not JSON (%s): not a vmscope snapshot or recording", shown,
                         b.len ? "it does not start with '{'" : "it is empty");
        rc = -EINVAL;
    }
    if (rc == 0 && (rc = json_read_snapshot(b.data, b.len, out, why)) < 0) {
        char *inner = *why;
        *why = xasprintf("%s: %s", shown, inner);
        free(inner);
    }
    buf_free(&b);
    free(shown);
    return rc;
}
