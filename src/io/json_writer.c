/* Snapshot -> JSON (formats.md, "vmscope.snapshot" version 1), with jansson. */
#include "vmscope/export.h"
#include "vmscope/stack.h"
#include "vmscope/capture.h"
#include "vmscope/buf.h"
#include "vmscope/pagemap.h"
#include "vmscope/summary.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The bytes as a JSON string; when they are not valid UTF-8, the string
 * has U+FFFD for each bad sequence and *hex (if asked for) receives the
 * exact bytes in hex (formats.md's _hex rule). */
static json_t *json_bytes(const char *bytes, size_t len, json_t **hex)
{
    if (hex)
        *hex = NULL;
    if (utf8_valid(bytes, len))
        return json_stringn_nocheck(bytes, len);
    struct buf b;
    buf_init(&b);
    utf8_repair(&b, bytes, len);
    json_t *str = json_stringn_nocheck(b.data ? b.data : "", b.len);
    if (hex) {
        static const char digits[] = "0123456789abcdef";
        buf_reset(&b);
        buf_reserve(&b, len * 2);
        for (size_t i = 0; i < len; i++) {
            buf_putc(&b, digits[(unsigned char)bytes[i] >> 4]);
            buf_putc(&b, digits[(unsigned char)bytes[i] & 15]);
        }
        *hex = json_stringn_nocheck(b.data ? b.data : "", b.len);
    }
    buf_free(&b);
    return str;
}

/* obj[key] = the bytes, plus obj[key_hex] when they are not valid UTF-8. */
static void set_bytes(json_t *obj, const char *key, const char *bytes, size_t len)
{
    json_t *hex;
    json_object_set_new_nocheck(obj, key, json_bytes(bytes, len, &hex));
    if (hex) {
        char *hkey = xasprintf("%s_hex", key);
        json_object_set_new(obj, hkey, hex);
        free(hkey);
    }
}

static void set_str(json_t *obj, const char *key, const char *s)
{
    set_bytes(obj, key, s, strlen(s));
}

void json_set_string_hex(json_t *obj, const char *key, const char *s)
{
    set_str(obj, key, s);
}

static void set_hex(json_t *o, const char *key, uint64_t v)
{
    char hex[24];
    snprintf(hex, sizeof hex, "0x%" PRIx64, v);
    json_object_set_new(o, key, json_string(hex));
}

json_t *json_stack_frames(const struct stack *st)
{
    json_t *frames = json_array();
    for (size_t i = 0; i < st->n_frames; i++) {
        const struct stack_frame *f = &st->frames[i];
        json_t *o = json_object();
        set_hex(o, "pc", f->pc);
        if (f->object) {
            set_str(o, "object", f->object);
            set_hex(o, "object_offset", f->object_offset);
        }
        if (f->function) {
            set_str(o, "function", f->function);
            set_hex(o, "function_offset", f->function_offset);
        }
        if (f->file) {
            set_str(o, "file", f->file);
            json_object_set_new(o, "line", json_integer(f->line));
        }
        json_array_append_new(frames, o);
    }
    return frames;
}

static json_t *json_u64(uint64_t v)
{
    /* a JSON integer is signed: a saturated total stays the largest one */
    return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *totals_json(const struct class_totals *t, bool with_pss)
{
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "vsz", json_u64(t->vsz));
    json_object_set_new_nocheck(o, "rss", json_u64(t->rss));
    if (with_pss)
        json_object_set_new_nocheck(o, "pss", json_u64(t->pss));
    json_object_set_new_nocheck(o, "swap", json_u64(t->swap));
    json_object_set_new_nocheck(o, "regions", json_u64(t->regions));
    return o;
}

/* ---- regions --------------------------------------------------------
 * A 20,000-region snapshot has ~700,000 values: building them as a jansson
 * tree cost 10x the kernel's own smaps time (bench/), so region objects are
 * written straight into one buffer. Keys and numbers are ours; every string
 * that is not plain printable ASCII still goes through jansson's encoder. */

static void put_raw(struct buf *b, const char *s, size_t n)
{
    buf_append(b, s, n);
}
/* lit must be a string literal (sizeof gives its length). */
#define PUT_LIT(b, lit) put_raw((b), "" lit, sizeof(lit) - 1)

/* Unchecked writers for the hot path: the caller reserved the room. */
#define W_LIT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) += sizeof(lit) - 1)

static char *w_u64(char *w, uint64_t v)
{
    return format_u64_to(w, v);
}

static char *w_hex(char *w, uint64_t v, int min_digits)
{
    return format_hex_to(w, v, min_digits);
}

static char *w_str(char *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w, s, n);
    return w + n;
}

/* ,"key":value */
static char *w_key_u64(char *w, const char *key, size_t klen, uint64_t v)
{
    *w++ = ',';
    *w++ = '"';
    memcpy(w, key, klen);
    w += klen;
    *w++ = '"';
    *w++ = ':';
    return w_u64(w, v);
}

/* Room for the fixed parts of a region object: 40 keys of at most 20
 * characters and 20 digits each, plus punctuation. */
#define REGION_FIXED_ROOM 2048

static void put_key_u64(struct buf *b, const char *key, uint64_t v)
{
    buf_reserve(b, strlen(key) + 28);
    b->len = (size_t)(w_key_u64(b->data + b->len, key, strlen(key), v) - b->data);
    b->data[b->len] = '\0';
}

static void put_u64(struct buf *b, uint64_t v)
{
    buf_reserve(b, 24);
    b->len = (size_t)(w_u64(b->data + b->len, v) - b->data);
    b->data[b->len] = '\0';
}

/* Whether any byte of x is below n (n <= 128), is above n (n <= 127), or
 * is zero: exact per word (Bit Twiddling Hacks). */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static uint64_t any_byte_below(uint64_t x, unsigned n)
{
    return (x - ONES * n) & ~x & HIGHS;
}
static uint64_t any_byte_above(uint64_t x, unsigned n)
{
    return ((x + ONES * (127 - n)) | x) & HIGHS;
}
static uint64_t any_byte_zero(uint64_t x)
{
    return (x - ONES) & ~x & HIGHS;
}

/* Printable ASCII other than '"' and '\\', which JSON takes as it is:
 * paths and evidence sentences, 40,000 strings a snapshot, eight bytes
 * at a time. */
static bool plain_ascii(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, sizeof x);
        if (any_byte_below(x, 0x20) | any_byte_above(x, 0x7e) |
            any_byte_zero(x ^ (ONES * '"')) | any_byte_zero(x ^ (ONES * '\\')))
            return false;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* A JSON string: fast path for plain ASCII, jansson for everything else. */
static void put_json(struct buf *b, json_t *v, size_t jflags)
{
    size_t need = json_dumpb(v, NULL, 0, jflags | JSON_ENCODE_ANY);
    buf_reserve(b, need);
    b->len += json_dumpb(v, b->data + b->len, need, jflags | JSON_ENCODE_ANY);
    b->data[b->len] = '\0';
}

static void put_key_bytes(struct buf *b, const char *key, const char *s, size_t n, size_t jflags)
{
    size_t kl = strlen(key);
    if (plain_ascii(s, n)) { /* the common case, written in one piece */
        buf_reserve(b, kl + n + 6);
        char *w = b->data + b->len;
        W_LIT(w, ",\"");
        memcpy(w, key, kl);
        w += kl;
        W_LIT(w, "\":\"");
        memcpy(w, s, n);
        w += n;
        *w++ = '"';
        b->len = (size_t)(w - b->data);
        b->data[b->len] = '\0';
        return;
    }
    PUT_LIT(b, ",\"");
    put_raw(b, key, kl);
    PUT_LIT(b, "\":");
    json_t *hex;
    json_t *str = json_bytes(s, n, &hex);
    put_json(b, str, jflags);
    json_decref(str);
    if (hex) {
        buf_printf(b, ",\"%s_hex\":", key);
        put_json(b, hex, jflags);
        json_decref(hex);
    }
}

static void put_pages(struct buf *b, const struct page_census *c, unsigned measured)
{
    PUT_LIT(b, ",\"pages\":{\"present\":");
    put_u64(b, c->present);
    put_key_u64(b, "swapped", c->swapped);
    put_key_u64(b, "file", c->file);
    if (measured & CENSUS_ZERO)
        put_key_u64(b, "zero", c->zero);
    if (measured & CENSUS_HUGE)
        put_key_u64(b, "huge", c->huge);
    if (measured & CENSUS_SOFT_DIRTY)
        put_key_u64(b, "soft_dirty", c->soft_dirty);
    if (measured & CENSUS_EXCLUSIVE)
        put_key_u64(b, "exclusive", c->exclusive);
    put_key_u64(b, "guard", c->guard);
    buf_putc(b, '}');
}

/* A region object: the head (range .. deleted), the classification, the
 * tail (smaps fields, vmflags) and, with a census, its pages. */
static void put_region_head(struct buf *b, const struct vma *v, size_t jflags)
{
    buf_reserve(b, REGION_FIXED_ROOM);
    char *w = b->data + b->len;
    W_LIT(w, "{\"start\":\"0x");
    w = w_hex(w, v->start, 1);
    W_LIT(w, "\",\"end\":\"0x");
    w = w_hex(w, v->end, 1);
    *w++ = '"';
    w = w_key_u64(w, "size", 4, vma_size(v));
    W_LIT(w, ",\"perms\":\"");
    memcpy(w, v->perms, 4);
    w += 4;
    *w++ = '"';
    w = w_key_u64(w, "offset", 6, v->offset);
    W_LIT(w, ",\"dev\":\"");
    w = w_hex(w, v->dev_major, 2);
    *w++ = ':';
    w = w_hex(w, v->dev_minor, 2);
    *w++ = '"';
    w = w_key_u64(w, "inode", 5, v->inode);
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    put_key_bytes(b, "path", v->name, v->name_len, jflags);
    if (v->deleted)
        PUT_LIT(b, ",\"deleted\":true");
    else
        PUT_LIT(b, ",\"deleted\":false");
}

static void put_region_class(struct buf *b, const struct region *r, size_t jflags)
{
    buf_reserve(b, REGION_FIXED_ROOM);
    char *w = b->data + b->len;
    W_LIT(w, ",\"class\":\"");
    w = w_str(w, region_class_name(r->cls));
    W_LIT(w, "\",\"subclass\":\"");
    w = w_str(w, region_subclass_name(r->subclass));
    *w++ = '"';
    if (r->flags & REGION_HEURISTIC)
        W_LIT(w, ",\"heuristic\":true");
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    if (r->object)
        put_key_bytes(b, "object", r->object, strlen(r->object), jflags);
    if (r->tid)
        put_key_u64(b, "tid", (uint64_t)r->tid);
    if (r->n_image) { /* the image's parts at run time (formats.md: additive) */
        PUT_LIT(b, ",\"image\":[");
        for (size_t i = 0; i < r->n_image; i++) {
            char part[96];
            snprintf(part, sizeof part, "%s{\"role\":\"%s\",\"start\":\"0x%" PRIx64
                     "\",\"end\":\"0x%" PRIx64 "\"}", i ? "," : "", r->image[i].role,
                     r->image[i].start, r->image[i].end);
            buf_puts(b, part);
        }
        buf_putc(b, ']');
    }
    if (r->evidence)
        put_key_bytes(b, "evidence", r->evidence, strlen(r->evidence), jflags);
}

/* ,"key": for each smaps field, padded so that it is copied with one
 * fixed-size move (a memcpy of variable length is a call per value, and a
 * snapshot writes 500,000 of them). */
#define FIELD_PREFIX_ROOM 32
static struct {
    char text[FIELD_PREFIX_ROOM];
    size_t len;
} field_prefix[SMAPS_FIELD_COUNT];
static pthread_once_t field_prefix_once = PTHREAD_ONCE_INIT;

static void field_prefix_init(void)
{
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        int n = snprintf(field_prefix[f].text, FIELD_PREFIX_ROOM, ",\"%s\":", smaps_fields[f].json);
        if (n < 0 || n >= FIELD_PREFIX_ROOM)
            fatal("smaps field name %s is too long", smaps_fields[f].json);
        field_prefix[f].len = (size_t)n;
    }
}

static void put_region_tail(struct buf *b, const struct vma *v)
{
    pthread_once(&field_prefix_once, field_prefix_init);
    buf_reserve(b, REGION_FIXED_ROOM);
    char *w = b->data + b->len;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        /* "size" is exact from the range; smaps' Size: is rounded to kB */
        if (f != SMAPS_SIZE && vma_has(v, (enum smaps_field)f)) {
            memcpy(w, field_prefix[f].text, FIELD_PREFIX_ROOM);
            w = w_u64(w + field_prefix[f].len, v->field[f]);
        }
    }
    if (v->has_vmflags) {
        W_LIT(w, ",\"vmflags\":[");
        bool first = true;
        for (int i = 0; i < VMFLAG_COUNT; i++) {
            if (!(v->vmflags & VMFLAG_BIT(i)))
                continue;
            if (!first)
                *w++ = ',';
            first = false;
            *w++ = '"';
            *w++ = vmflag_names[i][0];
            *w++ = vmflag_names[i][1];
            *w++ = '"';
        }
        *w++ = ']';
    }
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
}

static size_t region_jflags(unsigned flags)
{
    /* ASCII-only on a terminal: no raw bidi or invisible characters. */
    return (flags & EXPORT_TO_TERMINAL) ? JSON_ENSURE_ASCII : 0;
}

static void put_region(struct buf *b, const struct region *r, unsigned census_measured,
                       size_t jflags)
{
    const struct vma *v = r->vma;
    put_region_head(b, v, jflags);
    put_region_class(b, r, jflags);
    put_region_tail(b, v);
    if (v->has_census)
        put_pages(b, &v->pages, census_measured);
    buf_putc(b, '}');
}

void json_put_region(struct buf *b, const struct region *r, unsigned census_measured,
                     unsigned flags)
{
    put_region(b, r, census_measured, region_jflags(flags));
}

json_t *json_process_object(const struct snapshot *s)
{
    const struct proc_identity *p = &s->proc;
    json_t *o = json_object();
    char state[2] = {p->state ? p->state : '?', 0};
    json_object_set_new_nocheck(o, "pid", json_integer(p->pid));
    set_str(o, "comm", p->comm ? p->comm : "");
    /* cmdline_hex, when needed, is parallel to cmdline: "" where valid. */
    json_t *argv = json_array(), *argv_hex = json_array();
    bool any_hex = false;
    for (size_t i = 0; i < p->argc; i++) {
        json_t *hex;
        json_array_append_new(argv, json_bytes(p->argv[i], strlen(p->argv[i]), &hex));
        json_array_append_new(argv_hex, hex ? hex : json_string(""));
        any_hex |= hex != NULL;
    }
    json_object_set_new_nocheck(o, "cmdline", argv);
    if (any_hex)
        json_object_set_new_nocheck(o, "cmdline_hex", argv_hex);
    else
        json_decref(argv_hex);
    if (p->exe)
        set_str(o, "exe", p->exe);
    json_object_set_new_nocheck(o, "uid", json_integer(p->uid));
    if (p->user)
        set_str(o, "user", p->user);
    json_object_set_new_nocheck(o, "threads", json_integer(p->threads));
    json_object_set_new_nocheck(o, "state", json_string_nocheck(state));
    if (s->has_faults) {
        json_t *f = json_object();
        json_object_set_new_nocheck(f, "minor", json_u64(s->faults.minor));
        json_object_set_new_nocheck(f, "major", json_u64(s->faults.major));
        json_object_set_new_nocheck(o, "faults", f);
    }
    if (s->runtime.kinds) {
        /* What the classification rules knew (runtime.h); absent when none. */
        json_t *rt = json_array();
        for (int k = 0; k < RT_KIND_COUNT; k++)
            if (s->runtime.kinds & (1u << k))
                json_array_append_new(rt, json_string(runtime_kind_name(1u << k)));
        json_object_set_new_nocheck(o, "runtimes", rt);
        set_str(o, "allocator", runtime_allocator_name(s->runtime.kinds));
    }
    return o;
}

json_t *json_status_object(const struct proc_status *st)
{
    json_t *o = json_object();
    for (int f = 0; f < STATUS_FIELD_COUNT; f++)
        if (st->mask & (1u << f))
            json_object_set_new_nocheck(o, status_fields[f].json, json_u64(st->value[f]));
    return o;
}

void format_time(uint64_t ns, char *out, size_t size)
{
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03uZ", (unsigned)(ns / 1000000u % 1000u));
}

/* The document opens with what is known before the regions (so a capture
 * can stream them), and closes with what it learns after them: the process
 * identity is read once smaps is drained, off the critical path. */
static size_t doc_jflags(unsigned flags)
{
    return JSON_PRESERVE_ORDER | region_jflags(flags) |
           ((flags & EXPORT_COMPACT) ? JSON_COMPACT : JSON_INDENT(1));
}

static void put_header(struct buf *b, const struct snapshot *s, unsigned flags)
{
    json_t *doc = json_object();
    char when[40];
    format_time(s->realtime_ns, when, sizeof when);
    json_object_set_new_nocheck(doc, "format", json_string("vmscope.snapshot"));
    json_object_set_new_nocheck(doc, "version", json_integer(1));
    json_object_set_new_nocheck(doc, "tool", json_pack("{s:s, s:s}", "name", "vmscope",
                                                        "version", PACKAGE_VERSION));
    json_object_set_new_nocheck(doc, "time", json_string(when));
    json_object_set_new_nocheck(doc, "monotonic_ns", json_u64(s->monotonic_ns));
    json_object_set_new_nocheck(doc, "system",
                                json_pack("{s:s, s:I, s:b}", "kernel", s->system.kernel,
                                          "page_size", (json_int_t)s->system.page_size,
                                          "privileged", s->system.privileged));
    if (s->system.mmap_min_addr)
        json_object_set_new_nocheck(json_object_get(doc, "system"), "mmap_min_addr",
                                    json_u64(s->system.mmap_min_addr));
    put_json(b, doc, doc_jflags(flags));
    json_decref(doc);
    while (b->len && b->data[b->len - 1] != '}') /* reopen the object */
        b->len--;
    if (b->len)
        b->len--;
    while (b->len && b->data[b->len - 1] == '\n')
        b->len--;
    if (flags & EXPORT_COMPACT)
        PUT_LIT(b, ",\"regions\":[");
    else
        PUT_LIT(b, ",\n \"regions\": [");
}

/* Derived from the regions (a reader may ignore it): the Summary table. */
static json_t *summary_json(const struct snapshot *s)
{
    struct summary sm;
    summary_of(s, &sm);
    json_t *by_type = json_object(), *free_space = NULL;
    for (size_t i = 0; i < sm.n; i++) {
        const struct summary_row *row = &sm.rows[i];
        const struct summary_cell *c = &row->c;
        if (row->kind == SUMMARY_FREE) {
            free_space = json_object();
            json_object_set_new_nocheck(free_space, "size", json_u64(c->size));
            json_object_set_new_nocheck(free_space, "blocks", json_u64(c->blocks));
            json_object_set_new_nocheck(free_space, "largest", json_u64(c->largest));
            continue;
        }
        if (row->kind == SUMMARY_TOTAL)
            continue;
        json_t *o = json_object();
        json_object_set_new_nocheck(o, "size", json_u64(c->size));
        json_object_set_new_nocheck(o, "rss", json_u64(c->rss));
        /* null: a resident region of the type was not measured (a light tick) */
        json_object_set_new_nocheck(o, "private", c->partial ? json_null() : json_u64(c->priv));
        json_object_set_new_nocheck(o, "shared", c->partial ? json_null() : json_u64(c->shared));
        json_object_set_new_nocheck(o, "swap", json_u64(c->swap));
        json_object_set_new_nocheck(o, "locked", c->partial ? json_null() : json_u64(c->locked));
        json_object_set_new_nocheck(o, "huge", c->partial ? json_null() : json_u64(c->huge));
        json_object_set_new_nocheck(o, "blocks", json_u64(c->blocks));
        json_object_set_new_nocheck(o, "largest", json_u64(c->largest));
        json_object_set_new(by_type, row->key, o);
    }
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "by_type", by_type);
    json_object_set_new_nocheck(o, "free", free_space ? free_space : json_object());
    return o;
}

static void put_tail(struct buf *b, const struct snapshot *s, unsigned flags)
{
    json_t *doc = json_object();
    json_object_set_new_nocheck(doc, "process", json_process_object(s));
    json_t *totals = totals_json(&s->totals, s->has_pss);
    json_t *by_class = json_object();
    for (int c = 0; c < RC_COUNT; c++)
        json_object_set_new_nocheck(by_class, region_class_name((enum region_class)c),
                                    totals_json(&s->by_class[c], s->has_pss));
    json_object_set_new_nocheck(totals, "by_class", by_class);
    json_object_set_new_nocheck(doc, "totals", totals);
    json_object_set_new_nocheck(doc, "summary", summary_json(s));
    if (s->has_status)
        json_object_set_new_nocheck(doc, "status", json_status_object(&s->status));
    if (s->sample_cost_ns)
        json_object_set_new_nocheck(doc, "sample_cost_ns", json_u64(s->sample_cost_ns));
    if (flags & EXPORT_COMPACT)
        PUT_LIT(b, "],");
    else
        PUT_LIT(b, "\n ],");
    size_t at = b->len;
    put_json(b, doc, doc_jflags(flags));
    json_decref(doc);
    memmove(b->data + at, b->data + at + 1, b->len - at); /* drop its "{" */
    b->len--;
    buf_putc(b, '\n');
}

/* Regions are written out in 256 KiB pieces: one 12 MB buffer for 20,000
 * regions costs more in page faults than the copies it saves. */
#define FLUSH_AT (256u << 10)

static int flush_out(struct buf *b, FILE *fp, size_t at_least)
{
    if (b->len < at_least)
        return 0;
    size_t n = fwrite(b->data, 1, b->len, fp);
    bool ok = n == b->len;
    buf_reset(b);
    return ok ? 0 : (errno ? -errno : -EIO);
}

int export_json(const struct snapshot *s, unsigned flags, FILE *fp)
{
    struct buf out;
    buf_init(&out);
    put_header(&out, s, flags);
    int rc = 0;
    for (size_t i = 0; i < s->n_regions && rc == 0; i++) {
        if (i)
            buf_putc(&out, ',');
        if (!(flags & EXPORT_COMPACT))
            PUT_LIT(&out, "\n  ");
        put_region(&out, &s->regions[i], s->census_measured, region_jflags(flags));
        rc = flush_out(&out, fp, FLUSH_AT);
    }
    put_tail(&out, s, flags);
    if (rc == 0)
        rc = flush_out(&out, fp, 0);
    buf_free(&out);
    if (rc == 0 && ferror(fp))
        rc = errno ? -errno : -EIO;
    return rc;
}

/* ---- streaming during the capture ---------------------------------- */

struct json_stream {
    FILE *fp;
    unsigned flags;
    struct buf out;
    size_t count;  /* regions written */
    bool begun;    /* the header is out */
    bool broken;   /* reset: finish rewrites the file from the snapshot */
    int error;
    struct capture_observer observer;
};

static void stream_rewind(struct json_stream *js)
{
    buf_reset(&js->out);
    js->count = 0;
    if (fflush(js->fp) != 0 || ftruncate(fileno(js->fp), 0) != 0 || fseeko(js->fp, 0, SEEK_SET))
        js->error = errno ? -errno : -EIO;
}

static void stream_begin(void *arg, const struct snapshot *header)
{
    struct json_stream *js = arg;
    if (js->begun)
        stream_rewind(js); /* the capture starts over */
    js->begun = true;
    js->broken = false;
    put_header(&js->out, header, js->flags);
}

static void stream_region(void *arg, const struct region *r, size_t index)
{
    struct json_stream *js = arg;
    if (js->broken || js->error)
        return;
    if (index != js->count) {
        js->broken = true;
        return;
    }
    if (index)
        buf_putc(&js->out, ',');
    PUT_LIT(&js->out, "\n  ");
    put_region(&js->out, r, 0, region_jflags(js->flags));
    js->count++;
    int rc = flush_out(&js->out, js->fp, FLUSH_AT);
    if (rc < 0)
        js->error = rc;
}

static void stream_reset(void *arg)
{
    ((struct json_stream *)arg)->broken = true;
}

struct json_stream *json_stream_new(FILE *fp, unsigned flags)
{
    struct json_stream *js = xcalloc(1, sizeof *js);
    js->fp = fp;
    js->flags = flags;
    buf_init(&js->out);
    js->observer = (struct capture_observer){stream_begin, stream_region, stream_reset, js};
    return js;
}

const struct capture_observer *json_stream_observer(struct json_stream *js)
{
    return &js->observer;
}

int json_stream_finish(struct json_stream *js, const struct snapshot *s)
{
    if (js->error)
        return js->error;
    if (!js->begun || js->broken || js->count != s->n_regions) {
        stream_rewind(js);
        return js->error ? js->error : export_json(s, js->flags, js->fp);
    }
    put_tail(&js->out, s, js->flags);
    int rc = flush_out(&js->out, js->fp, 0);
    if (rc == 0 && ferror(js->fp))
        rc = errno ? -errno : -EIO;
    return rc;
}

size_t json_stream_regions_streamed(const struct json_stream *js)
{
    return js->count;
}

void json_stream_free(struct json_stream *js)
{
    if (!js)
        return;
    buf_free(&js->out);
    free(js);
}

void json_put_key_string(struct buf *b, const char *key, const char *s, size_t n, unsigned flags)
{
    put_key_bytes(b, key, s, n, region_jflags(flags));
}
