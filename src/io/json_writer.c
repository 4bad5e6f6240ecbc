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

static json_t *json_hex(uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "0x%llx", (unsigned long long)v);
    return json_stringn_nocheck(tmp, (size_t)n);
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

static json_t *pages_json(const struct page_census *c, unsigned measured)
{
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "present", json_u64(c->present));
    json_object_set_new_nocheck(o, "swapped", json_u64(c->swapped));
    json_object_set_new_nocheck(o, "file", json_u64(c->file));
    if (measured & CENSUS_ZERO)
        json_object_set_new_nocheck(o, "zero", json_u64(c->zero));
    if (measured & CENSUS_HUGE)
        json_object_set_new_nocheck(o, "huge", json_u64(c->huge));
    if (measured & CENSUS_SOFT_DIRTY)
        json_object_set_new_nocheck(o, "soft_dirty", json_u64(c->soft_dirty));
    if (measured & CENSUS_EXCLUSIVE)
        json_object_set_new_nocheck(o, "exclusive", json_u64(c->exclusive));
    json_object_set_new_nocheck(o, "guard", json_u64(c->guard));
    return o;
}

static json_t *region_json(const struct snapshot *s, const struct region *r)
{
    const struct vma *v = &r->vma;
    json_t *o = json_object();
    char dev[24];
    snprintf(dev, sizeof dev, "%02x:%02x", v->dev_major, v->dev_minor);
    json_object_set_new_nocheck(o, "start", json_hex(v->start));
    json_object_set_new_nocheck(o, "end", json_hex(v->end));
    json_object_set_new_nocheck(o, "size", json_u64(vma_size(v)));
    json_object_set_new_nocheck(o, "perms", json_stringn_nocheck(v->perms, 4));
    json_object_set_new_nocheck(o, "offset", json_u64(v->offset));
    json_object_set_new_nocheck(o, "dev", json_string_nocheck(dev));
    json_object_set_new_nocheck(o, "inode", json_u64(v->inode));
    set_bytes(o, "path", v->name, v->name_len);
    json_object_set_new_nocheck(o, "deleted", json_boolean(v->deleted));
    json_object_set_new_nocheck(o, "class", json_string_nocheck(region_class_name(r->cls)));
    json_object_set_new_nocheck(o, "subclass", json_string_nocheck(r->subclass));
    if (r->flags & REGION_HEURISTIC)
        json_object_set_new_nocheck(o, "heuristic", json_true());
    if (r->object)
        set_str(o, "object", r->object);
    if (r->tid)
        json_object_set_new_nocheck(o, "tid", json_integer(r->tid));
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        if (f == SMAPS_SIZE || !vma_has(v, (enum smaps_field)f))
            continue; /* "size" is exact from the range; Size: is rounded to kB */
        json_object_set_new_nocheck(o, smaps_fields[f].json, json_u64(v->field[f]));
    }
    if (v->has_vmflags) {
        json_t *a = json_array();
        for (int i = 0; i < VMFLAG_COUNT; i++)
            if (v->vmflags & VMFLAG_BIT(i))
                json_array_append_new(a, json_stringn_nocheck(vmflag_names[i], 2));
        json_object_set_new_nocheck(o, "vmflags", a);
    }
    if (v->has_census)
        json_object_set_new_nocheck(o, "pages", pages_json(&v->pages, s->census_measured));
    return o;
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

int export_json(const struct snapshot *s, unsigned flags, FILE *fp)
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
    json_t *regions = json_array();
    for (size_t i = 0; i < s->n_regions; i++)
        json_array_append_new(regions, region_json(s, &s->regions[i]));
    json_object_set_new_nocheck(doc, "regions", regions);

    size_t jflags = JSON_PRESERVE_ORDER | JSON_INDENT(1) | JSON_REAL_PRECISION(17);
    if (flags & EXPORT_TO_TERMINAL)
        jflags |= JSON_ENSURE_ASCII; /* no raw bidi or invisible characters on a tty */
    int rc = json_dumpf(doc, fp, jflags);
    json_decref(doc);
    if (rc != 0 || fputc('\n', fp) == EOF)
        return errno ? -errno : -EIO;
    return 0;
}
