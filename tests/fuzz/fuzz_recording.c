/* Fuzz target: arbitrary bytes as a recording (JSON Lines), read the way
 * `vmscope -r` and `vmscope diff FILE.jsonl@N` read it: sample by sample
 * with the iterator, and by seeking with the keyframe index
 * (recording_read at -1 and 0, recording_index_read at samples the
 * iterator read, backwards). A refusal is one line with nothing a terminal
 * acts on; every sample is a model the rest of vmscope can trust (regions
 * sorted and disjoint, the diff of two neighbours computes), and the two
 * ways of reading agree on every sample the iterator read. A seek reads
 * from the keyframe before the sample only, so it may read past a line the
 * iterator refused before that keyframe. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmscope/diff.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_recording: %s\n", what);
        abort();
    }
}

static void check_refusal(char *why)
{
    check(why != NULL, "refusal without a reason");
    for (const char *c = why; *c; c++) /* one line, nothing a terminal acts on */
        check((unsigned char)*c >= 0x20 && *c != 0x7f, "refusal holds a control byte");
    free(why);
}

static void check_model(const struct snapshot *s)
{
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct vma *v = s->regions[i].vma;
        check(v->start <= v->end, "a region ends before it starts");
        check(i == 0 || v->start >= s->regions[i - 1].vma->end, "regions overlap or are unsorted");
        check(v->name[v->name_len] == '\0', "a name is not terminated");
    }
}

/* What the Timeline does with a replayed event: format it for the log. */
static void format_event(void *arg, const struct syscall_event *e)
{
    (void)arg;
    char line[512];
    uint64_t start, end;
    syscall_event_format(e, line, sizeof line);
    syscall_event_range(e, &start, &end);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The readers take a path: the input goes to a memory file, opened
     * afresh through /proc as a file on disk would be. */
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz_recording", 0);
        check(fd >= 0, "memfd_create");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    check(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size, "writing the input");

    struct recording_iter it;
    char *why = NULL;
    long samples = 0, first_regions = -1;
    static long regions_of[64]; /* of the first samples the iterator read */
    int rc = recording_iter_open(&it, path, &why);
    if (rc < 0) {
        check_refusal(why);
    } else {
        it.on_event = format_event; /* the event lines too, as -r reads them */
        struct snapshot *prev = NULL;
        const struct snapshot *s;
        while ((rc = recording_iter_next(&it, &s, &why)) > 0) {
            check_model(s);
            if (prev) {
                struct snapshot_diff d;
                diff_compute(prev, s, &d);
                diff_free(&d);
                snapshot_free(prev);
            } else {
                first_regions = (long)s->n_regions;
            }
            prev = snapshot_clone(s);
            if (samples < 64)
                regions_of[samples] = (long)s->n_regions;
            samples++;
        }
        if (rc < 0)
            check_refusal(why);
        snapshot_free(prev);
        recording_iter_close(&it);
    }
    bool iter_failed = rc < 0;

    /* The last sample and the first, as `diff FILE.jsonl` and `@0` read them. */
    for (long index = -1; index <= 0; index++) {
        struct snapshot *s = NULL;
        long count;
        bool cut;
        why = NULL;
        if (recording_read(path, index, &s, &count, &cut, &why) < 0) {
            check(s == NULL, "a refusal with a sample");
            check(iter_failed || samples == 0, "refused what the iterator read");
            check(index != 0 || samples == 0, "refused the first sample the iterator read");
            check_refusal(why);
            continue;
        }
        check(count >= samples, "fewer samples than the iterator read");
        check(iter_failed || count == samples, "a different count of samples");
        check(index != 0 || samples == 0 || (long)s->n_regions == first_regions,
              "a different first sample");
        check_model(s);
        snapshot_free(s);
    }

    /* Seeking, backwards, to every sample the iterator read. */
    why = NULL;
    struct recording_index *idx = recording_index_open(path, &why);
    if (!idx) {
        check(samples == 0, "no index for what the iterator read");
        check_refusal(why);
        return 0;
    }
    long known = samples < 64 ? samples : 64, step = known > 8 ? known / 8 : 1;
    for (long i = known - 1; i >= 0; i -= step) { /* a few: each seek reads a keyframe */
        struct snapshot *s = NULL;
        why = NULL;
        check(recording_index_read(idx, i, &s, &why) == 0, "a seek refused what the iterator read");
        check((long)s->n_regions == regions_of[i], "a seek read another sample");
        check_model(s);
        snapshot_free(s);
    }
    struct snapshot *s = NULL;
    why = NULL;
    if (recording_index_read(idx, -1, &s, &why) == 0) {
        check_model(s);
        snapshot_free(s);
    } else {
        check_refusal(why);
    }
    recording_index_close(idx);
    return 0;
}
