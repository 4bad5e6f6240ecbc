/* Snapshot diffs -> JSON (vmscope.diff version 1) or text. */
#include "vmscope/export.h"
#include "vmscope/buf.h"
#include "vmscope/diff.h"
#include "vmscope/sanitize.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *delta_json(const struct delta_totals *t)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "vsz", (json_int_t)t->vsz, "rss",
                     (json_int_t)t->rss, "pss", (json_int_t)t->pss, "swap", (json_int_t)t->swap,
                     "regions", (json_int_t)t->regions);
}

static json_t *side_json(const struct snapshot *s)
{
    char when[40];
    format_time(s->realtime_ns, when, sizeof when);
    return json_pack("{s:s, s:I, s:I}", "time", when, "monotonic_ns", (json_int_t)s->monotonic_ns,
                     "pid", (json_int_t)s->proc.pid);
}

static void put_regions(struct buf *b, const char *key, const struct region *const *r, size_t n,
                        unsigned measured, unsigned flags)
{
    buf_printf(b, ",\n \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, i ? ",\n  " : "\n  ");
        json_put_region(b, r[i], measured, flags);
    }
    buf_puts(b, n ? "\n ]" : "]");
}

int export_diff_json(const struct snapshot_diff *d, unsigned flags, FILE *fp)
{
    json_t *head = json_object();
    json_object_set_new(head, "format", json_string("vmscope.diff"));
    json_object_set_new(head, "version", json_integer(1));
    json_object_set_new(head, "tool",
                        json_pack("{s:s, s:s}", "name", "vmscope", "version", PACKAGE_VERSION));
    json_object_set_new(head, "from", side_json(d->from));
    json_object_set_new(head, "to", side_json(d->to));
    json_object_set_new(head, "totals", delta_json(&d->total));
    json_t *by_class = json_object();
    for (int c = 0; c < RC_COUNT; c++)
        json_object_set_new(by_class, region_class_name((enum region_class)c),
                            delta_json(&d->by_class[c]));
    json_object_set_new(head, "by_class", by_class);
    if (d->n_moved) { /* two runs: what ASLR placed elsewhere */
        json_t *moved = json_array();
        for (size_t i = 0; i < d->n_moved; i++) {
            json_t *m = json_object();
            json_set_string_hex(m, "object", d->moved[i].name);
            char shift[24];
            diff_format_shift(shift, sizeof shift, d->moved[i].shift);
            json_object_set_new(m, "shift", json_string(shift));
            json_array_append_new(moved, m);
        }
        json_object_set_new(head, "moved", moved);
    }
    char *text = json_dumps(head, JSON_PRESERVE_ORDER | JSON_INDENT(1));
    json_decref(head);
    if (!text)
        return -ENOMEM;
    struct buf b;
    buf_init(&b);
    buf_append(&b, text, strlen(text) - 2); /* reopen: drop "\n}" */
    free(text);
    put_regions(&b, "added", d->added, d->n_added, d->to->census_measured, flags);
    put_regions(&b, "removed", d->removed, d->n_removed, d->from->census_measured, flags);
    buf_puts(&b, ",\n \"changed\": [");
    for (size_t i = 0; i < d->n_changed; i++) {
        buf_printf(&b, "%s{\"start\": \"0x%" PRIx64 "\", \"before\": ", i ? ",\n  " : "\n  ",
                   d->changed[i].before->vma->start);
        json_put_region(&b, d->changed[i].before, d->from->census_measured, flags);
        buf_puts(&b, ", \"after\": ");
        json_put_region(&b, d->changed[i].after, d->to->census_measured, flags);
        buf_putc(&b, '}');
    }
    buf_puts(&b, d->n_changed ? "\n ]\n}\n" : "]\n}\n");
    size_t n = fwrite(b.data, 1, b.len, fp);
    bool ok = n == b.len;
    buf_free(&b);
    return ok && !ferror(fp) ? 0 : (errno ? -errno : -EIO);
}

static void kib_delta(char *out, size_t size, int64_t bytes)
{
    snprintf(out, size, "%+" PRId64, bytes / 1024);
}

static void text_region(FILE *fp, char mark, const struct region *r, const char *extra)
{
    struct buf name;
    buf_init(&name);
    sanitize_display(&name, r->vma->name, r->vma->name_len);
    char cls[48];
    snprintf(cls, sizeof cls, "%s/%s", region_class_name(r->cls), region_subclass_name(r->subclass));
    fprintf(fp, "%c %016" PRIx64 "-%016" PRIx64 " %s %-13s %s  %s\n", mark, r->vma->start,
            r->vma->end, r->vma->perms, cls, extra, name.data ? name.data : "");
    buf_free(&name);
}

int export_diff_text(const struct snapshot_diff *d, unsigned flags, FILE *fp)
{
    (void)flags;
    fprintf(fp, "pid %d -> %d, %.3f s apart\n", (int)d->from->proc.pid, (int)d->to->proc.pid,
            (double)((int64_t)d->to->monotonic_ns - (int64_t)d->from->monotonic_ns) / 1e9);
    fprintf(fp, "\n%-8s %9s %12s %12s %12s %12s\n", "Class", "Regions", "VSZ KiB", "RSS KiB",
            "PSS KiB", "Swap KiB");
    for (int c = 0; c <= RC_COUNT; c++) {
        const struct delta_totals *t = c < RC_COUNT ? &d->by_class[c] : &d->total;
        char a[24], b[24], e[24], f[24];
        kib_delta(a, sizeof a, t->vsz);
        kib_delta(b, sizeof b, t->rss);
        kib_delta(e, sizeof e, t->pss);
        kib_delta(f, sizeof f, t->swap);
        fprintf(fp, "%-8s %+9" PRId64 " %12s %12s %12s %12s\n",
                c < RC_COUNT ? region_class_name((enum region_class)c) : "total", t->regions, a, b,
                e, f);
    }
    for (size_t i = 0; i < d->n_moved; i++) {
        struct buf line;
        buf_init(&line);
        diff_move_line(&line, &d->moved[i]);
        fprintf(fp, "%s%s\n", i ? "" : "\n", line.data ? line.data : "");
        buf_free(&line);
    }
    fprintf(fp, "\n%zu added, %zu removed, %zu changed\n", d->n_added, d->n_removed, d->n_changed);
    for (size_t i = 0; i < d->n_added; i++)
        text_region(fp, '+', d->added[i], "");
    for (size_t i = 0; i < d->n_removed; i++)
        text_region(fp, '-', d->removed[i], "");
    for (size_t i = 0; i < d->n_changed; i++) {
        const struct region *a = d->changed[i].before, *b = d->changed[i].after;
        char extra[160];
        snprintf(extra, sizeof extra, "size %+" PRId64 " KiB, rss %+" PRId64 " KiB%s%s",
                 ((int64_t)vma_size(b->vma) - (int64_t)vma_size(a->vma)) / 1024,
                 ((int64_t)b->vma->field[SMAPS_RSS] - (int64_t)a->vma->field[SMAPS_RSS]) / 1024,
                 memcmp(a->vma->perms, b->vma->perms, 4) ? ", perms from " : "",
                 memcmp(a->vma->perms, b->vma->perms, 4) ? a->vma->perms : "");
        text_region(fp, '~', b, extra);
    }
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
}
