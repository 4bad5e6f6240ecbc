/* Snapshot -> CSV (formats.md column order, RFC 4180 quoting). New
 * columns go at the end, so a reader that takes columns by position
 * keeps working. */
#include "vmscope/export.h"
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"

#include <errno.h>
#include <string.h>

static void csv_field(FILE *fp, const char *s, size_t len);

/* A string of the target's: sanitised when going to a terminal. */
static void csv_string(FILE *fp, struct buf *clean, unsigned flags, const char *s, size_t len)
{
    if (flags & EXPORT_TO_TERMINAL) {
        buf_reset(clean);
        sanitize_display(clean, s, len);
        csv_field(fp, clean->data ? clean->data : "", clean->len);
    } else {
        csv_field(fp, s, len);
    }
}

static void csv_field(FILE *fp, const char *s, size_t len)
{
    if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
        !memchr(s, '\r', len)) {
        fwrite(s, 1, len, fp);
        return;
    }
    fputc('"', fp);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

int export_csv(const struct snapshot *s, unsigned flags, FILE *fp)
{
    fputs("start,end,size,perms,offset,dev,inode,class,subclass,rss,pss,shared_clean,"
          "shared_dirty,private_clean,private_dirty,swap,locked,path,deleted,tid,object\r\n",
          fp);
    struct buf clean;
    buf_init(&clean);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *r = &s->regions[i];
        const struct vma *v = r->vma;
        const uint64_t *f = v->field;
        fprintf(fp, "0x%llx,0x%llx,%llu,%s,%llu,%02x:%02x,%llu,%s,%s,",
                (unsigned long long)v->start, (unsigned long long)v->end,
                (unsigned long long)vma_size(v), v->perms, (unsigned long long)v->offset,
                v->dev_major, v->dev_minor, (unsigned long long)v->inode,
                region_class_name(r->cls), region_subclass_name(r->subclass));
        static const enum smaps_field cols[] = {
            SMAPS_RSS, SMAPS_PSS, SMAPS_SHARED_CLEAN, SMAPS_SHARED_DIRTY, SMAPS_PRIVATE_CLEAN,
            SMAPS_PRIVATE_DIRTY, SMAPS_SWAP, SMAPS_LOCKED,
        };
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            if (vma_has(v, cols[c])) /* unmeasured stays empty, not a made-up 0 */
                fprintf(fp, "%llu", (unsigned long long)f[cols[c]]);
            fputc(',', fp);
        }
        csv_string(fp, &clean, flags, v->name, v->name_len);
        /* deleted: 1 when the file was deleted; tid: a thread stack's
         * thread (empty otherwise); object: the ELF image a region is part of */
        fprintf(fp, ",%d,", vma_shows_deleted(v) ? 1 : 0);
        if (r->tid)
            fprintf(fp, "%d", (int)r->tid);
        fputc(',', fp);
        if (r->object)
            csv_string(fp, &clean, flags, r->object, strlen(r->object));
        fputs("\r\n", fp);
    }
    buf_free(&clean);
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
}
