/* Fuzz target: arbitrary bytes as a recording or a snapshot file, exported
 * as `vmscope export FILE -f perfetto` does (the first byte chooses output
 * for a file or for a terminal). A refusal is one line with nothing a
 * terminal acts on; whatever is exported is strict JSON (valid UTF-8) with
 * a traceEvents array of objects, and for a terminal plain ASCII. Seeds:
 * its own (call stacks, durations) and those of fuzz_recording and
 * fuzz_reader (tests/fuzz/run.sh). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmscope/export.h"
#include "vmscope/perfetto.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_perfetto: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz_perfetto", 0);
        check(fd >= 0, "memfd_create");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    unsigned flags = size && (data[0] & 1) ? EXPORT_TO_TERMINAL : 0;
    check(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size, "writing the input");

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    check(out != NULL, "open_memstream");
    char *why = NULL;
    int rc = export_perfetto_file(path, flags, out, &why);
    fclose(out);
    if (rc < 0) {
        check(why != NULL, "a refusal without a reason");
        for (const char *c = why; *c; c++)
            check((unsigned char)*c >= 0x20 && *c != 0x7f, "a refusal holds a control byte");
        free(why);
        free(text);
        return 0;
    }
    check(why == NULL, "a reason without a refusal");
    json_error_t err;
    /* sizes up to 2^64 - 1 are valid JSON that jansson reads as reals only */
    json_t *doc = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &err);
    check(doc != NULL, "the trace is not strict JSON");
    json_t *events = json_object_get(doc, "traceEvents"), *e;
    check(json_is_array(events), "no traceEvents array");
    size_t i;
    json_array_foreach(events, i, e) {
        check(json_is_string(json_object_get(e, "ph")), "an event without a phase");
        check(json_is_number(json_object_get(e, "ts")), "an event without a time");
    }
    json_decref(doc);
    if (flags & EXPORT_TO_TERMINAL)
        for (size_t k = 0; k < len; k++)
            check((unsigned char)text[k] < 0x80 && ((unsigned char)text[k] >= 0x20 || text[k] == '\n'),
                  "a raw byte in output for a terminal");
    free(text);
    return 0;
}
