/* Snapshot -> human-readable text: pmap -X's columns plus the class, then
 * the per-class totals. Every target string is sanitised. */
#include "vmscope/export.h"
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"
#include "vmscope/summary.h"

#include <errno.h>
#include <string.h>

/* Column widths wide enough for every row (a 1 TiB reservation's KiB,
 * "stack/thread:4194304?"), so no value pushes the columns after it. */
struct text_widths {
    int num, cls, off;
};

static int digits(uint64_t x)
{
    int n = 1;
    while (x >= 10) {
        x /= 10;
        n++;
    }
    return n;
}

static void class_label(struct buf *b, const struct region *r)
{
    buf_reset(b);
    buf_printf(b, "%s/%s", region_class_name(r->cls), region_subclass_name(r->subclass));
    if (r->tid)
        buf_printf(b, ":%d", (int)r->tid);
    if (r->flags & REGION_HEURISTIC)
        buf_putc(b, '?');
}

static struct text_widths measure(const struct snapshot *s, struct buf *b)
{
    struct text_widths w = {9, 15, 8};
    static const enum smaps_field f[] = {SMAPS_RSS, SMAPS_PSS, SMAPS_SWAP, SMAPS_LOCKED};
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct vma *v = s->regions[i].vma;
        uint64_t big = vma_size(v) / 1024;
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            big = v->field[f[k]] / 1024 > big ? v->field[f[k]] / 1024 : big;
        uint64_t dirty = (v->field[SMAPS_PRIVATE_DIRTY] + v->field[SMAPS_SHARED_DIRTY]) / 1024;
        big = dirty > big ? dirty : big;
        w.num = digits(big) > w.num ? digits(big) : w.num;
        int off = snprintf(NULL, 0, "%llx", (unsigned long long)v->offset);
        w.off = off > w.off ? off : w.off;
        class_label(b, &s->regions[i]);
        w.cls = (int)b->len > w.cls ? (int)b->len : w.cls;
    }
    return w;
}

static void kib(FILE *fp, int width, const struct vma *v, enum smaps_field f)
{
    if (vma_has(v, f))
        fprintf(fp, " %*llu", width, (unsigned long long)(v->field[f] / 1024));
    else
        fprintf(fp, " %*s", width, "-");
}

static void print_class_table(const struct snapshot *s, FILE *fp)
{
    fprintf(fp, "\n%-8s %8s %12s %12s %12s %12s\n", "Class", "Regions", "VSZ KiB", "RSS KiB",
            "PSS KiB", "Swap KiB");
    for (int c = 0; c < RC_COUNT; c++) {
        const struct class_totals *t = &s->by_class[c];
        fprintf(fp, "%-8s %8zu %12llu %12llu %12llu %12llu\n", region_class_name((enum region_class)c),
                t->regions, (unsigned long long)(t->vsz / 1024), (unsigned long long)(t->rss / 1024),
                (unsigned long long)(t->pss / 1024), (unsigned long long)(t->swap / 1024));
    }
    const struct class_totals *t = &s->totals;
    fprintf(fp, "%-8s %8zu %12llu %12llu %12llu %12llu\n", "total", t->regions,
            (unsigned long long)(t->vsz / 1024), (unsigned long long)(t->rss / 1024),
            (unsigned long long)(t->pss / 1024), (unsigned long long)(t->swap / 1024));
}

/* The Summary table, as the TUI's first screen shows it (KiB). */
static void print_summary(const struct snapshot *s, FILE *fp)
{
    struct summary sm;
    summary_of(s, &sm);
    fprintf(fp, "\n%-16s %12s %12s %12s %12s %10s %10s %10s %7s %12s\n", "Type", "Size KiB",
            "Resident", "Private", "Shared", "Swap", "Locked", "Huge", "Blocks", "Largest");
    for (size_t i = 0; i < sm.n; i++) {
        const struct summary_row *row = &sm.rows[i];
        const struct summary_cell *c = &row->c;
        char label[32];
        snprintf(label, sizeof label, "%s%s", row->kind == SUMMARY_SUB ? "  " : "", row->label);
        if (row->kind == SUMMARY_FREE) {
            fprintf(fp, "%-16s %12llu %12s %12s %12s %10s %10s %10s %7llu %12llu\n", label,
                    (unsigned long long)(c->size / 1024), "-", "-", "-", "-", "-", "-",
                    (unsigned long long)c->blocks, (unsigned long long)(c->largest / 1024));
            continue;
        }
        fprintf(fp, "%-16s %12llu %12llu %12llu %12llu %10llu %10llu %10llu %7llu %12llu\n", label,
                (unsigned long long)(c->size / 1024), (unsigned long long)(c->rss / 1024),
                (unsigned long long)(c->priv / 1024), (unsigned long long)(c->shared / 1024),
                (unsigned long long)(c->swap / 1024), (unsigned long long)(c->locked / 1024),
                (unsigned long long)(c->huge / 1024), (unsigned long long)c->blocks,
                (unsigned long long)(c->largest / 1024));
    }
}

int export_text(const struct snapshot *s, unsigned flags, FILE *fp)
{
    struct buf b;
    buf_init(&b);
    const struct proc_identity *p = &s->proc;
    for (size_t i = 0; i < p->argc; i++) {
        if (i)
            buf_putc(&b, ' ');
        sanitize_display(&b, p->argv[i], strlen(p->argv[i]));
    }
    if (!p->argc && p->comm)
        sanitize_display(&b, p->comm, strlen(p->comm));
    fprintf(fp, "%d:   %s\n", (int)p->pid, b.data ? b.data : "");
    struct text_widths w = measure(s, &b);
    int n = w.num;
    fprintf(fp, "%-33s %4s %-*s %-5s %*s %*s %*s %*s %*s %*s  %-*s %s\n", "Start-End", "Perm",
            w.off, "Offset", "Dev", n, "Size KiB", n, "Rss", n, "Pss", n, "Dirty", n, "Swap", n, "Locked",
            w.cls, "Class", "Mapping");
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        const struct vma *v = r->vma;
        fprintf(fp, "%016llx-%016llx %4s %0*llx %02x:%02x %*llu", (unsigned long long)v->start,
                (unsigned long long)v->end, v->perms, w.off,
                (unsigned long long)v->offset, v->dev_major, v->dev_minor, n,
                (unsigned long long)(vma_size(v) / 1024));
        kib(fp, n, v, SMAPS_RSS);
        kib(fp, n, v, SMAPS_PSS);
        if (vma_has(v, SMAPS_PRIVATE_DIRTY))
            fprintf(fp, " %*llu", n,
                    (unsigned long long)((v->field[SMAPS_PRIVATE_DIRTY] + v->field[SMAPS_SHARED_DIRTY]) /
                                         1024));
        else
            fprintf(fp, " %*s", n, "-");
        kib(fp, n, v, SMAPS_SWAP);
        kib(fp, n, v, SMAPS_LOCKED);
        class_label(&b, r);
        fprintf(fp, "  %-*s ", w.cls, b.data);
        buf_reset(&b);
        sanitize_display(&b, v->name, v->name_len);
        if (vma_shows_deleted(v))
            buf_puts(&b, " (deleted)");
        if (!v->name_len && r->object) { /* e.g. the bss tail of an image */
            buf_puts(&b, "(");
            sanitize_display(&b, r->object, strlen(r->object));
            buf_puts(&b, ")");
        }
        fprintf(fp, "%s\n", b.data ? b.data : "");
    }
    buf_free(&b);
    print_class_table(s, fp);
    if (s->has_status && (s->status.mask >> STATUS_VM_RSS & 1))
        fprintf(fp, "status: VmRSS %llu KiB, VmSize %llu KiB, VmSwap %llu KiB\n",
                (unsigned long long)(s->status.value[STATUS_VM_RSS] / 1024),
                (unsigned long long)(s->status.value[STATUS_VM_SIZE] / 1024),
                (unsigned long long)(s->status.value[STATUS_VM_SWAP] / 1024));
    print_summary(s, fp);
    (void)flags;
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
}
