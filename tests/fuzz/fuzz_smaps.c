/* Fuzz target: arbitrary bytes as /proc/PID/smaps, fed in arbitrary chunks,
 * then classified and written as JSON, CSV, text and SVG. The records must come
 * out sorted and disjoint, and the JSON must parse (the U+FFFD/_hex rule
 * holds for any bytes in a name). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/classify.h"
#include "vmscope/export.h"
#include "vmscope/sanitize.h"
#include "vmscope/smaps.h"
#include "vmscope/util.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_smaps: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 64 + 1; /* the first byte picks the read size */
    data++, size--;
    struct vma_list l;
    vma_list_init(&l);
    struct smaps_parser p;
    smaps_parser_init(&p, &l);
    for (size_t off = 0; off < size; off += chunk)
        smaps_parser_feed(&p, (const char *)data + off, size - off < chunk ? size - off : chunk);
    smaps_parser_finish(&p);
    smaps_parser_free(&p);
    for (size_t i = 0; i < l.count; i++) {
        check(l.items[i].start <= l.items[i].end, "start after end");
        check(i == 0 || l.items[i].start >= l.items[i - 1].end, "records overlap");
        check(l.items[i].name[l.items[i].name_len] == '\0', "name not terminated");
    }
    /* The model and the writers on top. */
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->vmas = l.items;
    s->n_regions = l.count;
    s->regions = xcalloc(l.count ? l.count : 1, sizeof *s->regions);
    for (size_t i = 0; i < l.count; i++)
        s->regions[i].vma = &s->vmas[i];
    s->proc.argv = xcalloc(1, sizeof *s->proc.argv);
    s->has_pss = true;
    classify_snapshot(s, NULL);
    snapshot_compute_totals(s);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    check(export_json(s, 0, fp) == 0, "json export failed");
    fclose(fp);
    json_error_t err;
    /* Valid JSON that jansson reads only when asked: integers above 2^63 (an
     * absurd offset or inode) and \u0000 (a name with NUL bytes, which only
     * fuzzed input has: kernel names cannot contain NUL). */
    json_t *doc = json_loadb(text, len, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &err);
    if (!doc)
        fprintf(stderr, "%s at %d:%d near: %.200s\n", err.text, err.line, err.column,
                text + (err.position > 100 ? err.position - 100 : 0));
    check(doc != NULL, "exported JSON does not parse");
    check(json_array_size(json_object_get(doc, "regions")) == l.count, "region count");
    json_decref(doc);
    free(text);
    for (int f = 0; f < 2; f++) {
        fp = open_memstream(&text, &len);
        export_snapshot(s, f ? EXPORT_CSV : EXPORT_TEXT, EXPORT_TO_TERMINAL, fp);
        fclose(fp);
        for (size_t i = 0; i < len; i++) /* nothing raw for a terminal */
            check((unsigned char)text[i] >= 0x20 || text[i] == '\n' || text[i] == '\r',
                  "control byte in terminal output");
        free(text);
    }
    /* SVG: XML 1.0 text, so no control byte but newline, and valid UTF-8. */
    fp = open_memstream(&text, &len);
    check(export_snapshot(s, EXPORT_SVG, 0, fp) == 0, "svg export failed");
    fclose(fp);
    for (size_t i = 0; i < len; i++)
        check((unsigned char)text[i] >= 0x20 || text[i] == '\n', "control byte in SVG");
    check(utf8_valid(text, len), "SVG is not UTF-8");
    free(text);
    snapshot_free(s);
    return 0;
}
