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

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The exact bytes of obj[key]: from key_hex when present (the U+FFFD rule
 * of formats.md), else the UTF-8 string. Returns an allocated string. */
static char *hex_bytes(const char *hex, size_t n, size_t *len)
{
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

static char *read_bytes(json_t *obj, const char *key, size_t *len)
{
    char hkey[64];
    snprintf(hkey, sizeof hkey, "%s_hex", key);
    const char *hex = json_string_value(json_object_get(obj, hkey));
    if (hex && strlen(hex) % 2 == 0)
        return hex_bytes(hex, strlen(hex) / 2, len);
    json_t *v = json_object_get(obj, key);
    const char *str = json_string_value(v);
    size_t n = str ? json_string_length(v) : 0;
    if (len)
        *len = n;
    return xmemdup0(str ? str : "", n);
}

char *json_read_string_hex(json_t *obj, const char *key)
{
    return json_object_get(obj, key) ? read_bytes(obj, key, NULL) : NULL;
}

static int hex_digit(char c)
{
    unsigned d = (unsigned)(unsigned char)c - '0';
    if (d < 10)
        return (int)d;
    unsigned l = ((unsigned)(unsigned char)c | 0x20) - 'a'; /* either case */
    return l < 6 ? (int)l + 10 : -1;
}

bool json_parse_address(const char *s, uint64_t *out)
{
    /* "0x" and 1 to 16 hex digits, nothing else: strtoull alone would take
     * "0x -5" (blanks and a sign) and clamp 40 digits to 2^64 - 1; no
     * writer pads an address past 16 digits. */
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    uint64_t v = 0;
    size_t n = 0;
    for (int h; (h = hex_digit(s[2 + n])) >= 0; n++) {
        if (n == 16)
            return false;
        v = v << 4 | (uint64_t)h;
    }
    if (n == 0 || s[2 + n] != '\0')
        return false;
    *out = v;
    return true;
}

/* "MAJ:MIN" in hex, as the writers write it; other forms as sscanf's
 * "%x:%x" reads them. */
static bool parse_dev(const char *dev, unsigned *maj, unsigned *min)
{
    unsigned v[2] = {0, 0};
    const char *p = dev;
    for (int k = 0; k < 2; k++) {
        int n = 0;
        for (int h; (h = hex_digit(*p)) >= 0 && n < 8; n++, p++)
            v[k] = v[k] << 4 | (unsigned)h;
        if (n == 0 || n == 8 || *p != (k ? '\0' : ':'))
            return sscanf(dev, "%x:%x", maj, min) == 2; /* an odd form */
        p++;
    }
    *maj = v[0];
    *min = v[1];
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
    r->evidence = from->evidence ? strtab_intern(&s->objects, from->evidence) : NULL;
    r->object = from->object ? strtab_intern(&s->objects, from->object) : NULL;
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

/* Regions read by every reader of this process so far: what "loading N
 * regions..." counts while a big file is read. */
static _Atomic size_t regions_read;

size_t json_reader_regions_read(void)
{
    return regions_read;
}

static int read_region(struct snapshot *s, json_t *o, struct region *r, size_t i, char **why)
{
    struct vma *v = r->vma;
    regions_read++;
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
    if (dev && parse_dev(dev, &maj, &min)) {
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
        r->evidence = strtab_intern(&s->objects, ev);
        free(ev);
    }
    if (json_object_get(o, "object")) {
        char *obj = read_bytes(o, "object", NULL);
        r->object = strtab_intern(&s->objects, obj);
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
    json_t *faults = json_object_get(p, "faults");
    s->has_faults = json_is_object(faults);
    s->faults.minor = u64_of(json_object_get(faults, "minor"));
    s->faults.major = u64_of(json_object_get(faults, "major"));
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
        s->faults = cur->faults;
        s->has_faults = cur->has_faults;
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

/* The document's checks and all but its regions. */
static int snapshot_begin(json_t *doc, struct snapshot **out, char **why)
{
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!json_is_object(doc) || !format || strcmp(format, "vmscope.snapshot") != 0)
        return fail(why, "not a vmscope snapshot (no \"format\": \"vmscope.snapshot\")");
    if (i64_of(json_object_get(doc, "version")) != 1)
        return fail(why, "vmscope snapshot version %lld is not one this vmscope reads (1)",
                    (long long)i64_of(json_object_get(doc, "version")));
    if (!json_is_array(json_object_get(doc, "regions")))
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
    *out = s;
    return 0;
}

/* regions_pss: whether every region has PSS */
static void snapshot_end(json_t *doc, struct snapshot *s, bool regions_pss)
{
    s->has_pss = totals_have_pss(doc, regions_pss);
    snapshot_compute_totals(s);
}

int json_snapshot_from_doc(json_t *doc, struct snapshot **out, char **why)
{
    struct snapshot *s;
    int rc = snapshot_begin(doc, &s, why);
    if (rc < 0)
        return rc;
    json_t *regions = json_object_get(doc, "regions");
    size_t n = json_array_size(regions);
    s->vmas = xcalloc(n ? n : 1, sizeof *s->vmas);
    s->regions = xcalloc(n ? n : 1, sizeof *s->regions);
    bool pss = true;
    for (size_t i = 0; i < n; i++) {
        s->regions[i].vma = &s->vmas[i];
        s->n_regions = i + 1; /* so snapshot_free frees what was read */
        rc = read_region(s, json_array_get(regions, i), &s->regions[i], i, why);
        if (rc == 0 && i > 0 && s->vmas[i].start < s->vmas[i - 1].end)
            rc = fail(why, "regions overlap or are not sorted by start (region %zu)", i);
        if (rc < 0) {
            snapshot_free(s);
            return rc;
        }
        s->has_census |= s->vmas[i].has_census;
        pss &= vma_has(&s->vmas[i], SMAPS_PSS);
    }
    snapshot_end(doc, s, pss);
    *out = s;
    return 0;
}
/* ---- the fast path ---------------------------------------------------
 * A 20,000-region snapshot is 12 MB of JSON, and a jansson tree of it cost
 * about twice the capture that wrote it (most of it in malloc); diff and -r
 * read two. Documents as vmscope writes them (strings without escapes,
 * integers below 10^18, no key twice) have their regions read straight
 * from the text and the rest (small) through jansson. Anything else, valid
 * or not, takes the general way, which also words every error, so both
 * ways accept the same files and read them the same. */

#define FAST_MAX_DEPTH 64

struct scan {
    const char *p, *end;
};

static void skip_blank(struct scan *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

/* A string without escapes or control characters, in valid UTF-8: its
 * bytes [*s, *s + *n). */
/* The bytes of 8 that end a plain ASCII run (quote, backslash, control,
 * non-ASCII), as their top bits: word-at-a-time, a byte is zero exactly
 * where (x - 1) & ~x has its top bit, and no borrow reaches a byte below
 * the first flagged one, so the lowest flag is exact. */
static uint64_t string_stops8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, sizeof x);
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (x & highs) | ((x - ones * 0x20) & ~x & highs) | ((q - ones) & ~q & highs) |
           ((b - ones) & ~b & highs);
}

static bool scan_string(struct scan *c, const char **s, size_t *n)
{
    if (c->p >= c->end || *c->p != '"')
        return false;
    const unsigned char *b = (const unsigned char *)++c->p, *u = b,
                        *end = (const unsigned char *)c->end;
    bool high = false;
    for (;;) {
        /* eight bytes at a time: the first stop is the lowest flag
         * (little-endian: the byte at the lowest address) */
        uint64_t stops = 0;
        while (end - u >= 8 && !(stops = string_stops8(u)))
            u += 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (stops)
            u += __builtin_ctzll(stops) / 8;
#endif
        while (u < end && *u >= 0x20 && *u < 0x80 && *u != '"' && *u != '\\')
            u++; /* printable ASCII (the last few bytes, or big-endian) */
        if (u >= end)
            return false;
        if (*u < 0x80)
            break;
        high = true;
        u++;
    }
    if (*u != '"' || (high && !utf8_valid((const char *)b, (size_t)(u - b))))
        return false;
    *s = (const char *)b;
    *n = (size_t)(u - b);
    c->p = (const char *)u + 1;
    return true;
}

/* An integer as jansson reads one into a json_int_t, of at most 18 digits. */
static bool scan_int(struct scan *c, int64_t *v)
{
    const char *q = c->p;
    bool neg = q < c->end && *q == '-';
    q += neg;
    if (q >= c->end || *q < '0' || *q > '9' ||
        (*q == '0' && q + 1 < c->end && q[1] >= '0' && q[1] <= '9'))
        return false;
    int64_t x = 0;
    int digits = 0;
    while (q < c->end && *q >= '0' && *q <= '9') {
        if (++digits > 18)
            return false;
        x = x * 10 + (*q++ - '0');
    }
    if (q < c->end && (*q == '.' || *q == 'e' || *q == 'E'))
        return false; /* a real */
    *v = neg ? -x : x;
    c->p = q;
    return true;
}

static bool scan_word(struct scan *c, const char *w, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
        return false;
    c->p += n;
    return true;
}

typedef bool scan_item_fn(struct scan *c, void *arg, const char *key, size_t klen);
static bool scan_value(struct scan *c, int depth);

/* An object or array, each member through item() (NULL: any value). */
static bool scan_container(struct scan *c, int depth, bool object, scan_item_fn *item, void *arg)
{
    char close = object ? '}' : ']';
    if (depth > FAST_MAX_DEPTH || c->p >= c->end || *c->p != (object ? '{' : '['))
        return false;
    c->p++;
    skip_blank(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        const char *key = NULL;
        size_t klen = 0;
        skip_blank(c);
        if (object) {
            if (!scan_string(c, &key, &klen))
                return false;
            skip_blank(c);
            if (c->p >= c->end || *c->p != ':')
                return false;
            c->p++;
            skip_blank(c);
        }
        if (item ? !item(c, arg, key, klen) : !scan_value(c, depth + 1))
            return false;
        skip_blank(c);
        if (c->p >= c->end)
            return false;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != close)
            return false;
        c->p++;
        return true;
    }
}

static bool scan_value(struct scan *c, int depth)
{
    const char *s;
    size_t n;
    int64_t v;
    if (c->p >= c->end)
        return false;
    switch (*c->p) {
    case '"':
        return scan_string(c, &s, &n);
    case '{':
        return scan_container(c, depth, true, NULL, NULL);
    case '[':
        return scan_container(c, depth, false, NULL, NULL);
    case 't':
        return scan_word(c, "true", 4);
    case 'f':
        return scan_word(c, "false", 5);
    case 'n':
        return scan_word(c, "null", 4);
    default:
        return scan_int(c, &v);
    }
}

static bool key_is(const char *k, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(k, lit, n) == 0;
}

/* u64_of() of the value: integers, 0 for what is not a number. */
static bool scan_u64(struct scan *c, uint64_t *out, bool *is_number)
{
    int64_t x;
    *out = 0;
    *is_number = c->p < c->end && (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'));
    if (!*is_number)
        return scan_value(c, 2);
    if (!scan_int(c, &x))
        return false;
    *out = x < 0 ? 0 : (uint64_t)x;
    return true;
}

/* json_is_true() of the value */
static bool scan_true(struct scan *c, bool *yes)
{
    *yes = scan_word(c, "true", 4);
    return *yes || scan_value(c, 2);
}

enum {
    FS_START, FS_END, FS_PERMS, FS_DEV, FS_PATH, FS_PATH_HEX, FS_CLASS, FS_SUBCLASS, FS_OBJECT,
    FS_OBJECT_HEX, FS_EVIDENCE, FS_EVIDENCE_HEX, FS_STRINGS
};
enum { FS_TID = FS_STRINGS, FS_OFFSET, FS_INODE, FS_DELETED, FS_HEURISTIC, FS_VMFLAGS, FS_PAGES,
       FS_IMAGE, FS_PAGE_KEYS };

/* A region's keys, in the order the writer writes them: each lookup starts
 * after the last key found, so a file of ours finds every key first try. */
#define FAST_FIELD 100 /* id of smaps field i: FAST_FIELD + i */
struct fast_key {
    const char *name;
    size_t len;
    int id;
};

struct fast_keys {
    struct fast_key k[FS_PAGE_KEYS + 1 + SMAPS_FIELD_COUNT];
    size_t n, next;
};

static void fast_keys_init(struct fast_keys *t)
{
    static const char *const names[FS_PAGE_KEYS] = {
        "start", "end", "perms", "dev", "path", "path_hex", "class", "subclass", "object",
        "object_hex", "evidence", "evidence_hex", "tid", "offset", "inode", "deleted",
        "heuristic", "vmflags", "pages", "image"};
    static const int order[] = {FS_START, FS_END, FS_PERMS, FS_OFFSET, FS_DEV, FS_INODE,
                                FS_PATH, FS_PATH_HEX, FS_DELETED, FS_CLASS, FS_SUBCLASS,
                                FS_OBJECT, FS_OBJECT_HEX, FS_TID, FS_IMAGE, FS_EVIDENCE,
                                FS_EVIDENCE_HEX, FS_HEURISTIC};
    t->n = t->next = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        t->k[t->n++] = (struct fast_key){names[order[i]], strlen(names[order[i]]), order[i]};
        if (order[i] == FS_END)
            t->k[t->n++] = (struct fast_key){"size", 4, -1}; /* the range's: not read */
    }
    for (int i = 0; i < SMAPS_FIELD_COUNT; i++)
        t->k[t->n++] = (struct fast_key){smaps_fields[i].json, strlen(smaps_fields[i].json),
                                         FAST_FIELD + i};
    t->k[t->n++] = (struct fast_key){"vmflags", 7, FS_VMFLAGS};
    t->k[t->n++] = (struct fast_key){"pages", 5, FS_PAGES};
}

/* One part of "image": {"role", "start", "end"} as the writer writes it;
 * anything else is left to jansson (read_image()). */
struct fast_part {
    const char *str[3];
    size_t len[3];
};

static bool fast_image_part_key(struct scan *c, void *arg, const char *key, size_t klen)
{
    static const char *const names[3] = {"role", "start", "end"};
    struct fast_part *p = arg;
    for (int i = 0; i < 3; i++)
        if (klen == strlen(names[i]) && memcmp(key, names[i], klen) == 0)
            return !p->str[i] && scan_string(c, &p->str[i], &p->len[i]);
    return false;
}

static bool fast_image_part(struct scan *c, void *arg, const char *key, size_t klen);

/* The id of a key, -1 for one that is not read. */
static int fast_key_id(struct fast_keys *t, const char *key, size_t klen)
{
    for (size_t j = 0; j < t->n; j++) {
        size_t i = (t->next + j) % t->n;
        if (t->k[i].len == klen && memcmp(t->k[i].name, key, klen) == 0) {
            t->next = i + 1 == t->n ? 0 : i + 1;
            return t->k[i].id;
        }
    }
    return -1;
}

struct fast_region {
    struct fast_keys *keys;
    struct snapshot *s;
    struct vma *v;
    struct region *r;
    uint32_t seen;         /* keys read: a second one is left to jansson */
    uint64_t seen_fields;  /* smaps fields read */
    const char *str[FS_STRINGS];
    size_t len[FS_STRINGS];
    int64_t tid;
    struct image_part image[64]; /* "image", as read_image() takes it */
    size_t n_image;
};

static bool once(struct fast_region *f, int bit)
{
    if (f->seen >> bit & 1)
        return false;
    f->seen |= UINT32_C(1) << bit;
    return true;
}

static bool fast_flag(struct scan *c, void *arg, const char *key, size_t klen)
{
    (void)key;
    (void)klen;
    struct vma *v = arg;
    const char *s;
    size_t n;
    if (c->p >= c->end || *c->p != '"')
        return scan_value(c, 3);
    if (!scan_string(c, &s, &n))
        return false;
    char name[3] = {n == 2 ? s[0] : 0, n == 2 ? s[1] : 0, 0};
    int b = n == 2 ? vmflag_index(name) : -1;
    if (b >= 0)
        v->vmflags |= VMFLAG_BIT(b);
    return true;
}

static bool fast_page_key(struct scan *c, void *arg, const char *key, size_t klen)
{
    struct fast_region *f = arg;
    struct page_census *p = &f->v->pages;
    const struct {
        const char *key;
        uint64_t *to;
        unsigned measured; /* the writer leaves out what was not measured */
    } keys[] = {{"present", &p->present, 0},
                {"swapped", &p->swapped, 0},
                {"file", &p->file, 0},
                {"zero", &p->zero, CENSUS_ZERO},
                {"huge", &p->huge, CENSUS_HUGE},
                {"soft_dirty", &p->soft_dirty, CENSUS_SOFT_DIRTY},
                {"exclusive", &p->exclusive, CENSUS_EXCLUSIVE},
                {"guard", &p->guard, 0}};
    bool num;
    for (int i = 0; i < 8; i++)
        if (key_is(key, klen, keys[i].key)) {
            if (!once(f, FS_PAGE_KEYS + i) || !scan_u64(c, keys[i].to, &num))
                return false;
            f->s->census_measured |= keys[i].measured;
            return true;
        }
    return scan_value(c, 3);
}

static bool fast_region_key(struct scan *c, void *arg, const char *key, size_t klen)
{
    struct fast_region *f = arg;
    struct vma *v = f->v;
    bool num, yes;
    int id = fast_key_id(f->keys, key, klen);
    if (id >= FAST_FIELD) {
        int i = id - FAST_FIELD;
        if (f->seen_fields >> i & 1)
            return false;
        f->seen_fields |= UINT64_C(1) << i;
        if (!scan_u64(c, &v->field[i], &num))
            return false;
        if (num)
            v->field_mask |= 1u << i;
        return true;
    }
    if (id < 0)
        return scan_value(c, 2);
    if (!once(f, id))
        return false; /* a key twice: jansson's */
    if (id < FS_STRINGS)
        return scan_string(c, &f->str[id], &f->len[id]);
    switch (id) {
    case FS_OFFSET:
        return scan_u64(c, &v->offset, &num);
    case FS_INODE:
        return scan_u64(c, &v->inode, &num);
    case FS_TID:
        if (c->p < c->end && (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')))
            return scan_int(c, &f->tid);
        return scan_value(c, 2);
    case FS_DELETED:
        if (!scan_true(c, &yes))
            return false;
        v->deleted = yes;
        return true;
    case FS_HEURISTIC:
        if (!scan_true(c, &yes))
            return false;
        if (yes)
            f->r->flags |= REGION_HEURISTIC;
        return true;
    case FS_VMFLAGS:
        if (c->p >= c->end || *c->p != '[')
            return scan_value(c, 2);
        v->has_vmflags = true;
        return scan_container(c, 2, false, fast_flag, v);
    case FS_IMAGE:
        return scan_container(c, 2, false, fast_image_part, f);
    default: /* FS_PAGES */
        if (c->p >= c->end || *c->p != '{')
            return scan_value(c, 2);
        v->has_census = true;
        return scan_container(c, 2, true, fast_page_key, f);
    }
}

/* String key i as a C string in out (size bytes): false if absent or too long. */
static bool fast_cstr(const struct fast_region *f, int i, char *out, size_t size)
{
    if (!f->str[i] || f->len[i] >= size)
        return false;
    memcpy(out, f->str[i], f->len[i]);
    out[f->len[i]] = '\0';
    return true;
}

static bool fast_image_part(struct scan *c, void *arg, const char *key, size_t klen)
{
    (void)key;
    (void)klen;
    struct fast_region *f = arg;
    struct fast_part p = {0};
    if (f->n_image >= sizeof f->image / sizeof *f->image ||
        !scan_container(c, 3, true, fast_image_part_key, &p))
        return false;
    char field[3][32];
    for (int i = 0; i < 3; i++) {
        if (!p.str[i] || p.len[i] >= sizeof field[i])
            return false;
        memcpy(field[i], p.str[i], p.len[i]);
        field[i][p.len[i]] = '\0';
    }
    struct image_part part = {.role = image_part_role(field[0])};
    if (!part.role || !json_parse_address(field[1], &part.start) ||
        !json_parse_address(field[2], &part.end) || part.start >= part.end)
        return false;
    f->image[f->n_image++] = part;
    return true;
}

/* read_bytes() of key i and its _hex twin */
static char *fast_bytes(const struct fast_region *f, int i, size_t *len)
{
    if (f->str[i + 1] && f->len[i + 1] % 2 == 0)
        return hex_bytes(f->str[i + 1], f->len[i + 1] / 2, len);
    if (len)
        *len = f->len[i];
    return xmemdup0(f->str[i] ? f->str[i] : "", f->len[i]);
}

/* The region f has read, checked as read_region() checks it. */
static bool fast_region_finish(struct fast_region *f)
{
    struct vma *v = f->v;
    struct region *r = f->r;
    char addr[24], perms[8], dev[64], cls[32], sub[40];
    if (!fast_cstr(f, FS_START, addr, sizeof addr) || !json_parse_address(addr, &v->start) ||
        !fast_cstr(f, FS_END, addr, sizeof addr) || !json_parse_address(addr, &v->end) ||
        v->end < v->start)
        return false;
    if (!fast_cstr(f, FS_PERMS, perms, sizeof perms) || !perms_valid(perms))
        return false;
    memcpy(v->perms, perms, 5);
    unsigned maj = 0, min = 0;
    if (f->str[FS_DEV]) {
        if (!fast_cstr(f, FS_DEV, dev, sizeof dev))
            return false;
        if (parse_dev(dev, &maj, &min)) {
            v->dev_major = maj;
            v->dev_minor = min;
        }
    }
    if (!fast_cstr(f, FS_CLASS, cls, sizeof cls))
        return false;
    int c = region_class_from_name(cls);
    if (c < 0)
        return false;
    r->cls = (enum region_class)c;
    if (f->str[FS_SUBCLASS] && (!fast_cstr(f, FS_SUBCLASS, sub, sizeof sub) || !subclass_valid(sub)))
        return false;
    v->name = fast_bytes(f, FS_PATH, &v->name_len);
    r->subclass = region_subclass_from_name(f->str[FS_SUBCLASS] ? sub : "");
    if (f->str[FS_EVIDENCE]) {
        char *ev = fast_bytes(f, FS_EVIDENCE, NULL);
        r->evidence = strtab_intern(&f->s->objects, ev);
        free(ev);
    }
    r->image = snapshot_add_image(f->s, f->image, f->n_image);
    r->n_image = r->image ? f->n_image : 0;
    if (f->str[FS_OBJECT]) {
        char *obj = fast_bytes(f, FS_OBJECT, NULL);
        r->object = strtab_intern(&f->s->objects, obj);
        free(obj);
    }
    r->tid = f->tid > 0 && f->tid <= INT32_MAX ? (pid_t)f->tid : 0;
    if (v->field_mask) {
        v->field[SMAPS_SIZE] = vma_size(v);
        v->field_mask |= 1u << SMAPS_SIZE;
    }
    return true;
}

struct fast_doc {
    struct fast_keys keys;
    struct snapshot *s; /* strings are interned into its table */
    struct vma *vmas;
    struct region *regions;
    size_t n, cap_vmas, cap_regions;
    bool sorted; /* a snapshot's regions: sorted and disjoint, or the general way */
    bool pss, census;
};

static bool fast_region(struct scan *c, void *arg, const char *key, size_t klen)
{
    (void)key;
    (void)klen;
    struct fast_doc *d = arg;
    size_t i = d->n;
    regions_read++;
    xgrow((void **)&d->vmas, &d->cap_vmas, i + 1, sizeof *d->vmas);
    xgrow((void **)&d->regions, &d->cap_regions, i + 1, sizeof *d->regions);
    memset(&d->vmas[i], 0, sizeof d->vmas[i]);
    memset(&d->regions[i], 0, sizeof d->regions[i]);
    d->n = i + 1; /* so its name is freed if this fails */
    struct fast_region f = {.keys = &d->keys, .s = d->s, .v = &d->vmas[i], .r = &d->regions[i]};
    if (!scan_container(c, 1, true, fast_region_key, &f) || !fast_region_finish(&f))
        return false;
    if (d->sorted && i > 0 && d->vmas[i].start < d->vmas[i - 1].end)
        return false;
    d->census |= d->vmas[i].has_census;
    d->pss &= vma_has(&d->vmas[i], SMAPS_PSS);
    return true;
}

int json_regions_fast(struct snapshot *s, const char *text, size_t len, bool sorted,
                      struct vma **vmas, struct region **regions, size_t *n)
{
    struct fast_doc d = {.s = s, .sorted = sorted, .pss = true};
    fast_keys_init(&d.keys);
    struct scan c = {text, text + len};
    bool ok = scan_container(&c, 1, false, fast_region, &d);
    skip_blank(&c);
    if (!ok || c.p != c.end) {
        for (size_t i = 0; i < d.n; i++)
            free(d.vmas[i].name);
        free(d.vmas);
        free(d.regions);
        return 0;
    }
    if (!d.n) { /* as the general way allocates them */
        d.vmas = xcalloc(1, sizeof *d.vmas);
        d.regions = xcalloc(1, sizeof *d.regions);
    }
    for (size_t i = 0; i < d.n; i++)
        d.regions[i].vma = &d.vmas[i];
    *vmas = d.vmas;
    *regions = d.regions;
    *n = d.n;
    return 1;
}

/* The top level: every value checked, the arrays asked for found. */
struct fast_top {
    const char *const *keys;
    struct json_span *spans;
    size_t n_keys;
    bool bad; /* a key twice, or not an array */
};

/* Past the array at c->p by its brackets outside strings, without
 * reading what is inside: the caller's span is read (and checked to end
 * where this says) by the regions reader, so it is tokenised once. */
static bool skip_array(struct scan *c)
{
    const char *p = c->p, *end = c->end;
    size_t depth = 0;
    while (p < end) {
        char ch = *p++;
        if (ch == '"') {
            for (;;) { /* the closing quote: one not escaped by an odd run of backslashes */
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q)
                    return false;
                size_t bs = 0;
                while (q - bs > p && q[-1 - (long)bs] == '\\')
                    bs++;
                p = q + 1;
                if (bs % 2 == 0)
                    break;
            }
        } else if (ch == '[' || ch == '{') {
            depth++;
        } else if (ch == ']' || ch == '}') {
            if (depth == 0)
                return false;
            if (--depth == 0) {
                c->p = p;
                return true;
            }
        }
    }
    return false;
}

static bool fast_top_key(struct scan *c, void *arg, const char *key, size_t klen)
{
    struct fast_top *t = arg;
    struct json_span *sp = NULL;
    for (size_t i = 0; i < t->n_keys && !sp; i++)
        if (key_is(key, klen, t->keys[i]))
            sp = &t->spans[i];
    if (sp) {
        t->bad |= sp->text != NULL || c->p >= c->end || *c->p != '[';
        sp->text = c->p;
    }
    if (sp ? !skip_array(c) : !scan_value(c, 1))
        return false;
    if (sp)
        sp->len = (size_t)(c->p - sp->text);
    return true;
}

int json_split_fast(const char *text, size_t len, const char *const *keys, size_t n_keys,
                    struct json_span *spans, struct buf *head)
{
    struct scan c = {text, text + len};
    struct fast_top top = {keys, spans, n_keys, false};
    memset(spans, 0, n_keys * sizeof *spans);
    skip_blank(&c);
    if (len > JSON_READER_MAX_BYTES || !scan_container(&c, 0, true, fast_top_key, &top))
        return 0;
    skip_blank(&c);
    if (c.p != c.end || top.bad)
        return 0;
    for (size_t i = 0; i < n_keys; i++)
        if (!spans[i].text)
            return 0;
    /* the document with those arrays emptied, in the order they come */
    buf_reset(head);
    const char *at = text;
    for (;;) {
        const struct json_span *next = NULL;
        for (size_t i = 0; i < n_keys; i++)
            if (spans[i].text >= at && (!next || spans[i].text < next->text))
                next = &spans[i];
        if (!next)
            break;
        buf_append(head, at, (size_t)(next->text - at));
        buf_append(head, "[]", 2);
        at = next->text + next->len;
    }
    buf_append(head, at, (size_t)(text + len - at));
    return 1;
}

int json_read_snapshot_fast(const char *text, size_t len, struct snapshot **out)
{
    *out = NULL;
    static const char *const keys[] = {"regions"};
    struct json_span span;
    struct buf head;
    buf_init(&head);
    json_t *doc = NULL;
    char *why = NULL;
    struct snapshot *s = NULL;
    if (json_split_fast(text, len, keys, 1, &span, &head))
        doc = json_parse_document(head.data, head.len, &why);
    buf_free(&head);
    free(why);
    why = NULL;
    if (!doc || snapshot_begin(doc, &s, &why) < 0) {
        free(why);
        json_decref(doc);
        return 0;
    }
    struct fast_doc d = {.s = s, .sorted = true, .pss = true};
    fast_keys_init(&d.keys);
    struct scan c = {span.text, span.text + span.len};
    bool ok = scan_container(&c, 1, false, fast_region, &d);
    ok = ok && c.p == c.end; /* where the split said the array ends */
    s->vmas = d.vmas;
    s->regions = d.regions;
    s->n_regions = d.n; /* freed with s if it failed */
    if (!ok) {
        snapshot_free(s);
        json_decref(doc);
        return 0;
    }
    for (size_t i = 0; i < s->n_regions; i++)
        s->regions[i].vma = &s->vmas[i];
    if (!s->n_regions) { /* as the general way allocates them */
        s->vmas = xcalloc(1, sizeof *s->vmas);
        s->regions = xcalloc(1, sizeof *s->regions);
    }
    s->has_census = d.census;
    snapshot_end(doc, s, d.pss);
    json_decref(doc);
    *out = s;
    return 1;
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
    if (json_read_snapshot_fast(text, len, out) == 1)
        return 0;
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
