/* Fuzz target: arbitrary bytes as a saved snapshot. The reader either
 * refuses with one line, or gives a model that writes out as JSON that
 * reads back with the same regions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/export.h"
#include "vmscope/json_reader.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_reader: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snapshot *s = NULL;
    char *why = NULL;
    if (json_read_snapshot((const char *)data, size, &s, &why) < 0) {
        check(why != NULL, "refusal without a reason");
        for (const char *c = why; *c; c++) /* one line, nothing a terminal acts on */
            check((unsigned char)*c >= 0x20 && *c != 0x7f, "refusal holds a control byte");
        free(why);
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    check(export_json(s, 0, fp) == 0, "export failed");
    fclose(fp);
    struct snapshot *again = NULL;
    if (json_read_snapshot(text, len, &again, &why) < 0) {
        fprintf(stderr, "fuzz_reader: our own output does not read back: %s\n", why ? why : "?");
        abort();
    }
    check(again->n_regions == s->n_regions, "region count changed");
    for (size_t i = 0; i < s->n_regions; i++)
        check(again->regions[i].vma->start == s->regions[i].vma->start &&
                  again->regions[i].vma->name_len == s->regions[i].vma->name_len &&
                  memcmp(again->regions[i].vma->name, s->regions[i].vma->name,
                         s->regions[i].vma->name_len) == 0,
              "a region changed on the way round");
    snapshot_free(again);
    snapshot_free(s);
    free(text);
    return 0;
}
