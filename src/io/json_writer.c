/* Snapshot -> JSON (formats.md, "vmscope.snapshot" version 1), with jansson. */
#include "vmscope/export.h"
#include "vmscope/buf.h"
#include "vmscope/pagemap.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static json_t *json_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
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
#define PUT_LIT(b, lit) put_raw((b), (lit), sizeof(lit) - 1)

/* Unchecked writers for the hot path: the caller reserved the room. */
#define W_LIT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) += sizeof(lit) - 1)

static char *w_u64(char *w, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *w++ = tmp[--n];
    return w;
}

static char *w_hex(char *w, uint64_t v, int min_digits)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v || n < min_digits);
    while (n)
        *w++ = tmp[--n];
    return w;
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

static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
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
    PUT_LIT(b, ",\"");
    buf_puts(b, key);
    PUT_LIT(b, "\":");
    if (plain_ascii(s, n)) {
        buf_putc(b, '"');
        put_raw(b, s, n);
        buf_putc(b, '"');
        return;
    }
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

/* A region object is written in three parts so the two that depend only on
 * the kernel's record can be rendered while smaps is still being read
 * (json_prerender): the head (range .. deleted), the classification, and
 * the tail (smaps fields, vmflags). */
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
    w = w_str(w, r->subclass);
    *w++ = '"';
    if (r->flags & REGION_HEURISTIC)
        W_LIT(w, ",\"heuristic\":true");
    b->len = (size_t)(w - b->data);
    b->data[b->len] = '\0';
    if (r->object)
        put_key_bytes(b, "object", r->object, strlen(r->object), jflags);
    if (r->tid)
        put_key_u64(b, "tid", (uint64_t)r->tid);
}

static void put_region_tail(struct buf *b, const struct vma *v)
{
    buf_reserve(b, REGION_FIXED_ROOM);
    char *w = b->data + b->len;
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        /* "size" is exact from the range; smaps' Size: is rounded to kB */
        if (f != SMAPS_SIZE && vma_has(v, (enum smaps_field)f))
            w = w_key_u64(w, smaps_fields[f].json, smaps_fields[f].json_len, v->field[f]);
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

/* ---- pre-rendering during the capture -------------------------------- */

struct rendered_span {
    size_t head_off, head_len, tail_off, tail_len;
    uint64_t start, end; /* guard against a record that changed after rendering */
    bool deleted;
};

struct json_prerender {
    size_t jflags;
    struct buf text;
    struct rendered_span *spans;
    size_t count, capacity;
};

static size_t region_jflags(unsigned flags)
{
    /* ASCII-only on a terminal: no raw bidi or invisible characters. */
    return (flags & EXPORT_TO_TERMINAL) ? JSON_ENSURE_ASCII : 0;
}

struct json_prerender *json_prerender_new(unsigned flags)
{
    struct json_prerender *p = xcalloc(1, sizeof *p);
    p->jflags = region_jflags(flags);
    buf_init(&p->text);
    return p;
}

void json_prerender_free(struct json_prerender *p)
{
    if (!p)
        return;
    buf_free(&p->text);
    free(p->spans);
    free(p);
}

void json_prerender_region(void *arg, const struct vma *v, size_t index)
{
    struct json_prerender *p = arg;
    if (index == 0) /* a new capture (or a retry): start over */
        buf_reset(&p->text);
    if (index < p->count)
        p->count = index; /* records from here on were rewritten */
    if (index != p->count)
        return; /* a gap: the exporter renders the rest itself */
    xgrow((void **)&p->spans, &p->capacity, p->count + 1, sizeof *p->spans);
    struct rendered_span *sp = &p->spans[p->count++];
    sp->start = v->start;
    sp->end = v->end;
    sp->deleted = v->deleted;
    sp->head_off = p->text.len;
    put_region_head(&p->text, v, p->jflags);
    sp->head_len = p->text.len - sp->head_off;
    sp->tail_off = p->text.len;
    put_region_tail(&p->text, v);
    sp->tail_len = p->text.len - sp->tail_off;
}

static void put_region(struct buf *b, const struct snapshot *s, size_t i,
                       const struct json_prerender *pre, size_t jflags)
{
    const struct region *r = &s->regions[i];
    const struct vma *v = r->vma;
    const struct rendered_span *sp = pre && i < pre->count ? &pre->spans[i] : NULL;
    if (sp && (sp->start != v->start || sp->end != v->end || sp->deleted != v->deleted))
        sp = NULL;
    if (sp)
        put_raw(b, pre->text.data + sp->head_off, sp->head_len);
    else
        put_region_head(b, v, jflags);
    put_region_class(b, r, jflags);
    if (sp)
        put_raw(b, pre->text.data + sp->tail_off, sp->tail_len);
    else
        put_region_tail(b, v);
    if (v->has_census)
        put_pages(b, &v->pages, s->census_measured);
    buf_putc(b, '}');
}

static json_t *process_json(const struct snapshot *s)
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
    return o;
}

static json_t *status_json(const struct proc_status *st)
{
    json_t *o = json_object();
    for (int f = 0; f < STATUS_FIELD_COUNT; f++)
        if (st->mask & (1u << f))
            json_object_set_new_nocheck(o, status_fields[f].json, json_u64(st->value[f]));
    return o;
}

static void format_time(uint64_t ns, char *out, size_t size)
{
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03uZ", (unsigned)(ns / 1000000u % 1000u));
}

int export_json_prerendered(const struct snapshot *s, const struct json_prerender *pre,
                             unsigned flags, FILE *fp)
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
    json_object_set_new_nocheck(doc, "process", process_json(s));
    json_t *totals = totals_json(&s->totals, s->has_pss);
    json_t *by_class = json_object();
    for (int c = 0; c < RC_COUNT; c++)
        json_object_set_new_nocheck(by_class, region_class_name((enum region_class)c),
                                    totals_json(&s->by_class[c], s->has_pss));
    json_object_set_new_nocheck(totals, "by_class", by_class);
    json_object_set_new_nocheck(doc, "totals", totals);
    if (s->has_status)
        json_object_set_new_nocheck(doc, "status", status_json(&s->status));
    if (s->sample_cost_ns)
        json_object_set_new_nocheck(doc, "sample_cost_ns", json_u64(s->sample_cost_ns));
    size_t jflags = JSON_PRESERVE_ORDER | JSON_INDENT(1);
    if (flags & EXPORT_TO_TERMINAL)
        jflags |= JSON_ENSURE_ASCII; /* no raw bidi or invisible characters on a tty */
    struct buf out;
    buf_init(&out);
    put_json(&out, doc, jflags);
    json_decref(doc);
    /* Reopen the header object to append the regions, one per line. */
    while (out.len && out.data[out.len - 1] != '}')
        out.len--;
    if (out.len)
        out.len--;
    PUT_LIT(&out, ",\n \"regions\": [");
    /* Written out in 1 MiB pieces: one 12 MB buffer for 20,000 regions
     * costs more in page faults than the copies it saves. */
    for (size_t i = 0; i < s->n_regions; i++) {
        PUT_LIT(&out, "\n  ");
        put_region(&out, s, i, pre, region_jflags(flags));
        if (i + 1 < s->n_regions)
            buf_putc(&out, ',');
        if (out.len >= (1u << 20)) {
            if (fwrite(out.data, 1, out.len, fp) != out.len)
                break;
            buf_reset(&out);
        }
    }
    PUT_LIT(&out, "\n ]\n}\n");
    size_t written = fwrite(out.data, 1, out.len, fp);
    bool complete = written == out.len;
    buf_free(&out);
    if (!complete || ferror(fp))
        return errno ? -errno : -EIO;
    return 0;
}

int export_json(const struct snapshot *s, unsigned flags, FILE *fp)
{
    return export_json_prerendered(s, NULL, flags, fp);
}
