/* `vmscope callsites` output: a callsite_report as a top-down tree (caller
 * -> callee, indented like heaptrack's) and a flat list by bytes, or as
 * JSON (vmscope.callsites). Names and paths come from the target: text
 * passes them through the sanitiser, JSON through the _hex rule. */
#include "vmscope/buf.h"
#include "vmscope/callsites.h"
#include "vmscope/export.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* "function (file:line)" or "object+0x..", sanitised. */
static void put_frame(struct buf *b, const struct stack_frame *f, bool offsets)
{
    char label[512];
    if (f->function && !offsets)
        snprintf(label, sizeof label, "%s", f->function);
    else
        stack_frame_label(f, label, sizeof label);
    sanitize_display(b, label, strlen(label));
    if (f->file) {
        const char *base = strrchr(f->file, '/');
        base = base ? base + 1 : f->file;
        buf_puts(b, " (");
        sanitize_display(b, base, strlen(base));
        buf_printf(b, ":%d)", f->line);
    } else if (f->object && f->function) {
        const char *base = strrchr(f->object, '/');
        base = base ? base + 1 : f->object;
        buf_puts(b, " [");
        sanitize_display(b, base, strlen(base));
        buf_putc(b, ']');
    }
}

static void put_sizes(struct buf *b, uint64_t mapped, uint64_t resident, uint64_t calls)
{
    char m[16], r[16];
    format_size(m, sizeof m, mapped);
    format_size(r, sizeof r, resident);
    buf_printf(b, "%8s %8s %7" PRIu64 "  ", m, r, calls);
}

static void put_tree(struct buf *b, const struct callsite_node *n, int depth)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const struct callsite_node *c = &n->children[i];
        put_sizes(b, c->mapped, c->resident, c->calls);
        buf_printf(b, "%*s", depth * 2, "");
        put_frame(b, c->frame, false);
        buf_putc(b, '\n');
        put_tree(b, c, depth + 1);
    }
}

static int write_out(struct buf *b, FILE *fp)
{
    int rc = fwrite(b->data ? b->data : "", 1, b->len, fp) == b->len ? 0 : -(errno ? errno : EIO);
    buf_free(b);
    return rc;
}

int export_callsites_text(const struct callsite_report *r, FILE *fp)
{
    struct buf b;
    buf_init(&b);
    char m[16], f[16], res[16];
    format_size(m, sizeof m, r->total.mapped);
    format_size(f, sizeof f, r->total.freed);
    format_size(res, sizeof res, r->total.resident);
    buf_printf(&b, "%" PRIu64 " calls: %s mapped, %s freed since, %s resident at the end\n\n",
               r->total.calls, m, f, res);
    struct callsite_node root;
    callsite_tree_build(r, &root);
    buf_puts(&b, "Top-down (caller -> callee)\n  mapped resident   calls  function\n");
    put_tree(&b, &root, 0);
    callsite_tree_free(&root);
    buf_puts(&b, "\nCall sites by bytes mapped\n  mapped resident   calls  freed     stack\n");
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct callsite *c = &r->sites[i];
        put_sizes(&b, c->mapped, c->resident, c->calls);
        format_size(f, sizeof f, c->freed);
        buf_printf(&b, "%-8s  ", f);
        if (!c->stack) {
            buf_puts(&b, "(no stack)\n");
            continue;
        }
        for (size_t k = 0; k < c->stack->n_frames; k++) {
            if (k)
                buf_printf(&b, "%44s<- ", "");
            put_frame(&b, &c->stack->frames[k], true);
            buf_putc(&b, '\n');
        }
        if (!c->stack->n_frames)
            buf_puts(&b, "(empty)\n");
    }
    return write_out(&b, fp);
}

static json_t *site_json(const struct callsite *c, uint64_t id)
{
    json_t *o = json_object();
    json_object_set_new(o, "stack", id ? json_integer((json_int_t)id) : json_null());
    json_object_set_new(o, "calls", json_integer((json_int_t)c->calls));
    json_object_set_new(o, "mapped", json_integer((json_int_t)c->mapped));
    json_object_set_new(o, "freed", json_integer((json_int_t)c->freed));
    json_object_set_new(o, "live", json_integer((json_int_t)c->live));
    json_object_set_new(o, "resident", json_integer((json_int_t)c->resident));
    if (c->stack)
        json_object_set_new(o, "frames", json_stack_frames(c->stack));
    return o;
}

int export_callsites_json(const struct callsite_report *r, const uint64_t *ids, FILE *fp)
{
    json_t *sites = json_array();
    for (size_t i = 0; i < r->n_sites; i++)
        json_array_append_new(sites, site_json(&r->sites[i], ids ? ids[i] : 0));
    json_t *total = site_json(&r->total, 0);
    json_object_del(total, "stack");
    json_t *doc = json_pack("{s:s, s:i, s:o, s:o}", "format", "vmscope.callsites", "version", 1,
                            "total", total, "sites", sites);
    int rc = doc && json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) == 0 &&
                     fputc('\n', fp) != EOF
                 ? 0
                 : -(errno ? errno : EIO);
    json_decref(doc);
    return rc;
}
