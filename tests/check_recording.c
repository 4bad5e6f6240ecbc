/* Recording tests: a recording replays to exactly what was recorded (every
 * key the writer emits, checked by walking both JSON trees), seeking by
 * the keyframe index gives what a sequential read gives, cut and version 1
 * files still read, inputs from pipes and FIFOs are read once, hostile
 * addresses are refused and totals saturate. The targets are real
 * processes: maphelper, or this test process changing its own mappings. */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"

static char dir[] = "/tmp/vmscope-recording-XXXXXX";

static json_t *parse_text(const char *text, size_t len)
{
    json_error_t err;
    json_t *doc = json_loadb(text, len, 0, &err);
    ck_assert_msg(doc != NULL, "invalid JSON: %s at line %d", err.text, err.line);
    return doc;
}

static json_t *snapshot_json(const struct snapshot *s)
{
    char *data = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&data, &len);
    ck_assert_int_eq(export_json(s, 0, fp), 0);
    fclose(fp);
    json_t *doc = parse_text(data, len);
    free(data);
    return doc;
}

/* Every key of each tree is in the other, with the same value. */
static void same_tree(json_t *want, json_t *got, const char *where)
{
    char at[512];
    ck_assert_msg(json_typeof(want) == json_typeof(got), "%s: a %d where %d was written", where,
                  (int)json_typeof(got), (int)json_typeof(want));
    if (json_is_object(want)) {
        const char *key;
        json_t *v;
        json_object_foreach(want, key, v) {
            snprintf(at, sizeof at, "%s.%s", where, key);
            json_t *g = json_object_get(got, key);
            ck_assert_msg(g != NULL, "%s: written, not read back", at);
            same_tree(v, g, at);
        }
        json_object_foreach(got, key, v) {
            snprintf(at, sizeof at, "%s.%s", where, key);
            ck_assert_msg(json_object_get(want, key) != NULL, "%s: read back, never written", at);
        }
    } else if (json_is_array(want)) {
        ck_assert_msg(json_array_size(want) == json_array_size(got), "%s: %zu items, not %zu",
                      where, json_array_size(got), json_array_size(want));
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(at, sizeof at, "%s[%zu]", where, i);
            same_tree(json_array_get(want, i), json_array_get(got, i), at);
        }
    } else {
        char *a = json_dumps(want, JSON_ENCODE_ANY), *b = json_dumps(got, JSON_ENCODE_ANY);
        ck_assert_msg(json_equal(want, got), "%s: %s written, %s read back", where, a, b);
        free(a);
        free(b);
    }
}

static void same_snapshot(const struct snapshot *want, const struct snapshot *got, const char *what)
{
    json_t *a = snapshot_json(want), *b = snapshot_json(got);
    same_tree(a, b, what);
    json_decref(a);
    json_decref(b);
}

/* /proc/PID/status "Threads:", read here: the ground truth. */
static int threads_of(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    int n = -1;
    while (fp && fgets(line, sizeof line, fp))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (fp)
        fclose(fp);
    return n;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- a recording of this process, its mappings changing ------------- */

#define SAMPLES 30
#define BATCH 40

static struct snapshot *originals[SAMPLES];
static const char *rec_path;

/* One-page mappings that cannot merge (every other one read-only). */
static void churn(char **batch)
{
    /* the new ones are mapped before the old go, so they land elsewhere */
    char *old[BATCH];
    memcpy(old, batch, sizeof old);
    for (int i = 0; i < BATCH; i++) {
        int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        batch[i] = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(batch[i], MAP_FAILED);
        if (prot & PROT_WRITE)
            batch[i][0] = 1;
    }
    for (int i = 0; i < BATCH; i++)
        if (old[i])
            munmap(old[i], 4096);
}

/* Samples of every kind: full, with a page census, light (PSS left out). */
static void record_self(void)
{
    rec_path = test_path(dir, "self.jsonl");
    FILE *fp = fopen(rec_path, "w");
    ck_assert_ptr_nonnull(fp);
    struct recording_writer w;
    char *batch[BATCH] = {0};
    const struct snapshot *prev = NULL;
    for (int i = 0; i < SAMPLES; i++) {
        churn(batch);
        struct capture_options opt = {.census = i % 3 == 1, .light = i % 3 == 2, .previous = prev};
        struct snapshot *s;
        ck_assert_int_eq(capture_snapshot(getpid(), &opt, &s), 0);
        originals[i] = snapshot_clone(s);
        if (i == 0)
            ck_assert_int_eq(recording_start(&w, fp, s, 50000000), 0);
        ck_assert_int_eq(recording_add(&w, s), 0);
        prev = s; /* the writer keeps it until the next add */
    }
    recording_finish(&w);
    fclose(fp);
}

static int count_lines(const char *path, const char *format)
{
    size_t len;
    char *text = test_read_file(path, &len);
    int n = 0;
    char key[64];
    snprintf(key, sizeof key, "{\"format\":\"%s\"", format);
    for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, key, strlen(key)) == 0;
    free(text);
    return n;
}

START_TEST(t_samples_replay_as_recorded)
{
    record_self();
    int keyframes = count_lines(rec_path, "vmscope.snapshot");
    /* keyframes by size: these deltas are large, so more than one, yet
     * fewer than the samples */
    ck_assert_int_ge(keyframes, 3);
    ck_assert_int_lt(keyframes, SAMPLES / 2);
    struct recording_iter it;
    char *why = NULL;
    ck_assert_msg(recording_iter_open(&it, rec_path, &why) == 0, "%s", why);
    const struct snapshot *s;
    int n = 0;
    while (recording_iter_next(&it, &s, &why) > 0) {
        char what[32];
        snprintf(what, sizeof what, "sample %d", n);
        ck_assert(s->has_status);
        same_snapshot(originals[n], s, what);
        n++;
    }
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_int_eq(n, SAMPLES);
    recording_iter_close(&it);
}
END_TEST

START_TEST(t_seek_equals_sequential)
{
    record_self();
    char *why = NULL;
    struct recording_index *idx = recording_index_open(rec_path, &why);
    ck_assert_msg(idx != NULL, "%s", why);
    ck_assert_int_eq(recording_index_count(idx), SAMPLES);
    ck_assert(!recording_index_cut(idx));
    /* backwards, forwards, negative, and jumps across keyframes */
    long order[4 * SAMPLES + 4];
    size_t n = 0;
    for (long i = SAMPLES - 1; i >= 0; i--)
        order[n++] = i;
    for (long i = 0; i < SAMPLES; i++)
        order[n++] = i;
    for (long i = -1; i >= -SAMPLES; i--)
        order[n++] = i;
    for (long i = 0; i < SAMPLES; i++)
        order[n++] = (i * 7) % SAMPLES;
    for (size_t k = 0; k < n; k++) {
        struct snapshot *s;
        ck_assert_msg(recording_index_read(idx, order[k], &s, &why) == 0, "%s", why);
        char what[48];
        snprintf(what, sizeof what, "seek to %ld", order[k]);
        same_snapshot(originals[(order[k] + SAMPLES) % SAMPLES], s, what);
        snapshot_free(s);
    }
    struct snapshot *s;
    ck_assert_int_eq(recording_index_read(idx, SAMPLES, &s, &why), -ERANGE);
    ck_assert_ptr_nonnull(strstr(why, "has no sample"));
    free(why);
    recording_index_close(idx);
    /* and through recording_read, as FILE@N reads it */
    for (long i = -SAMPLES; i < SAMPLES; i += 5) {
        long count;
        bool cut;
        why = NULL;
        ck_assert_msg(recording_read(rec_path, i, &s, &count, &cut, &why) == 0, "%s", why);
        ck_assert_int_eq(count, SAMPLES);
        same_snapshot(originals[(i + SAMPLES) % SAMPLES], s, "recording_read");
        snapshot_free(s);
    }
}
END_TEST

START_TEST(t_cut_file_reads_to_last_line)
{
    record_self();
    size_t len;
    char *text = test_read_file(rec_path, &len);
    /* cut in the middle of the last line, then in the middle of line 20 */
    const char *cut_path = test_path(dir, "cut.jsonl");
    for (int cut_line = SAMPLES; cut_line >= 20; cut_line -= SAMPLES - 20) {
        size_t at = 0;
        for (int l = 0; l < cut_line; l++) /* line cut_line starts after cut_line newlines */
            at = (size_t)(strchr(text + at, '\n') - text) + 1;
        size_t end = (size_t)(strchr(text + at, '\n') - text);
        test_write_file(cut_path, text, at + (end - at) / 2);
        char *why = NULL;
        struct recording_index *idx = recording_index_open(cut_path, &why);
        ck_assert_msg(idx != NULL, "%s", why);
        long complete = cut_line - 1; /* the header is line 0 */
        ck_assert_int_eq(recording_index_count(idx), complete);
        ck_assert(recording_index_cut(idx));
        struct snapshot *s;
        ck_assert_msg(recording_index_read(idx, -1, &s, &why) == 0, "%s", why);
        same_snapshot(originals[complete - 1], s, "last complete sample");
        snapshot_free(s);
        ck_assert_msg(recording_index_read(idx, 0, &s, &why) == 0, "%s", why);
        same_snapshot(originals[0], s, "first sample");
        snapshot_free(s);
        recording_index_close(idx);
    }
    free(text);
}
END_TEST

/* A version 1 file: deltas without process, status or sample cost. */
START_TEST(t_version1_file_still_reads)
{
    record_self();
    size_t len;
    char *text = test_read_file(rec_path, &len);
    const char *v1 = test_path(dir, "v1.jsonl");
    FILE *fp = fopen(v1, "w");
    int deltas = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "{\"format\":\"vmscope.delta\"", 25) != 0) {
            fprintf(fp, "%s\n", line);
            continue;
        }
        json_t *doc = parse_text(line, strlen(line));
        ck_assert_ptr_nonnull(json_object_get(doc, "process")); /* the new writer's */
        json_object_del(doc, "process");
        json_object_del(doc, "status");
        json_object_del(doc, "sample_cost_ns");
        char *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(fp, "%s\n", out);
        free(out);
        json_decref(doc);
        deltas++;
    }
    fclose(fp);
    free(text);
    ck_assert_int_gt(deltas, 0);
    char *why = NULL;
    struct recording_index *idx = recording_index_open(v1, &why);
    ck_assert_msg(idx != NULL, "%s", why);
    ck_assert_int_eq(recording_index_count(idx), SAMPLES);
    for (long i = SAMPLES - 1; i >= 0; i--) {
        struct snapshot *s;
        ck_assert_msg(recording_index_read(idx, i, &s, &why) == 0, "%s", why);
        json_t *want = snapshot_json(originals[i]), *got = snapshot_json(s);
        same_tree(json_object_get(want, "regions"), json_object_get(got, "regions"), "regions");
        json_decref(want);
        json_decref(got);
        ck_assert_int_eq(s->proc.pid, getpid());
        snapshot_free(s);
    }
    recording_index_close(idx);
}
END_TEST

/* Light and gated samples of an idle helper that maps three regions
 * midway, as `record` takes them: each comes back from the file exactly
 * as it was recorded, the gated ones (copies of the sample before with a
 * new time and status) included. */
START_TEST(t_gated_samples_replay_exactly)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "3", NULL});
    const char *path = test_path(dir, "gated.jsonl");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    enum { MAX = 400 };
    static struct snapshot *want[MAX];
    struct recording_writer w;
    const struct snapshot *prev = NULL;
    int n = 0, gated = 0, mapped_at = -1;
    uint64_t third = helper_value(&h, "base") + 5 * (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t deadline = now_ms() + 5000;
    for (int i = 0; n < MAX; i++) {
        if (i == 6)
            ck_assert_int_eq(write(h.stdin_fd, "x", 1), 1); /* the helper maps now */
        struct capture_options opt = {.light = i % 5 != 0, .gate = i % 5 > 1, .previous = prev};
        struct snapshot *s;
        ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
        want[n++] = snapshot_clone(s);
        gated += s->gated;
        if (mapped_at < 0 && snapshot_find(s, third))
            mapped_at = i;
        if (i == 0)
            ck_assert_int_eq(recording_start(&w, fp, s, 1000000), 0);
        ck_assert_int_eq(recording_add(&w, s), 0);
        prev = s;
        if ((mapped_at >= 0 && i >= mapped_at + 6) || now_ms() > deadline)
            break;
        usleep(2000);
    }
    recording_finish(&w);
    fclose(fp);
    ck_assert_msg(mapped_at >= 0, "the helper's mappings never showed");
    ck_assert_int_ge(gated, 3);
    struct recording_iter it;
    char *why = NULL;
    ck_assert_msg(recording_iter_open(&it, path, &why) == 0, "%s", why);
    const struct snapshot *s;
    int k = 0;
    while (k < n && recording_iter_next(&it, &s, &why) > 0) {
        char what[32];
        snprintf(what, sizeof what, "sample %d", k);
        same_snapshot(want[k], s, what);
        k++;
    }
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_int_eq(k, n);
    recording_iter_close(&it);
    for (int i = 0; i < n; i++)
        snapshot_free(want[i]);
    helper_stop(&h);
}
END_TEST

/* ---- a real helper recorded by the binary --------------------------- */

START_TEST(t_replayed_threads_follow_the_process)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addthreads", "5", "150", NULL});
    const char *path = test_path(dir, "threads.jsonl");
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.05", "-d",
                                                  "1.2", "-o", path, NULL}, -1, NULL, &err), 0);
    uint64_t deadline = now_ms() + 5000;
    while (threads_of(h.pid) != 6 && now_ms() < deadline)
        usleep(10000);
    ck_assert_int_eq(threads_of(h.pid), 6); /* the main thread and 5 more */
    char *why = NULL;
    struct recording_index *idx = recording_index_open(path, &why);
    ck_assert_msg(idx != NULL, "%s", why);
    long n = recording_index_count(idx);
    ck_assert_int_ge(n, 10);
    /* the recording keeps vm.mmap_min_addr: in its header and every sample */
    unsigned long long min_addr = 0;
    FILE *fp = fopen("/proc/sys/vm/mmap_min_addr", "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fscanf(fp, "%llu", &min_addr), 1);
    fclose(fp);
    struct recording_iter it;
    ck_assert_int_eq(recording_iter_open(&it, path, &why), 0);
    ck_assert_uint_eq(it.mmap_min_addr, min_addr);
    recording_iter_close(&it);
    int first = -1, last = -1, distinct = 0;
    for (long i = 0; i < n; i++) {
        struct snapshot *s;
        ck_assert_msg(recording_index_read(idx, i, &s, &why) == 0, "%s", why);
        ck_assert_uint_eq(s->system.mmap_min_addr, min_addr);
        ck_assert_msg(s->has_status, "sample %ld has no status", i);
        ck_assert(s->status.mask != 0);
        if (i == 0)
            first = s->proc.threads;
        else
            ck_assert_msg(s->proc.threads >= last, "threads went from %d to %d", last,
                          s->proc.threads);
        distinct += s->proc.threads != last;
        last = s->proc.threads;
        snapshot_free(s);
    }
    recording_index_close(idx);
    ck_assert_int_le(first, 2);
    ck_assert_int_eq(last, 6);
    ck_assert_int_ge(distinct, 4);
    buf_free(&err);
    helper_stop(&h);
}
END_TEST

START_TEST(t_census_round_trip)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "64", "32", NULL});
    const char *path = test_path(dir, "census.json");
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "--pages", "-f",
                                                  "json", "-o", path, NULL}, -1, NULL, NULL), 0);
    size_t len;
    char *text = test_read_file(path, &len);
    json_t *written = parse_text(text, len);
    free(text);
    /* what the old reader dropped must be there to be kept */
    json_t *regions = json_object_get(written, "regions");
    bool measured = false;
    for (size_t i = 0; i < json_array_size(regions); i++) {
        json_t *pages = json_object_get(json_array_get(regions, i), "pages");
        measured |= json_object_get(pages, "exclusive") || json_object_get(pages, "zero") ||
                    json_object_get(pages, "huge");
    }
    ck_assert_msg(measured, "the census measured none of zero, huge, exclusive");
    struct snapshot *s;
    char *why = NULL;
    ck_assert_msg(json_read_snapshot_file(path, &s, &why) == 0, "%s", why);
    ck_assert(s->has_census);
    json_t *back = snapshot_json(s);
    same_tree(written, back, "snapshot");
    json_decref(back);
    json_decref(written);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* ---- inputs read once ----------------------------------------------- */

static int sh(const char *script, struct buf *out, struct buf *err)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "VM='%s/vmscope'; cd '%s' && %s", TEST_BUILDDIR, dir, script);
    return run_command((const char *[]){"/bin/bash", "-c", cmd, NULL}, -1, out, err);
}

static void same_output(const char *want_script, const char *got_script)
{
    struct buf a, b, err;
    buf_init(&a);
    buf_init(&b);
    buf_init(&err);
    ck_assert_msg(sh(want_script, &a, &err) == 0, "%s: %s", want_script, err.data);
    buf_reset(&err);
    ck_assert_msg(sh(got_script, &b, &err) == 0, "%s: %s", got_script, err.data ? err.data : "");
    json_t *x = parse_text(a.data, a.len), *y = parse_text(b.data, b.len);
    same_tree(x, y, got_script);
    json_decref(x);
    json_decref(y);
    buf_free(&a);
    buf_free(&b);
    buf_free(&err);
}

START_TEST(t_pipes_and_fifos_read_once)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "30", "30", NULL});
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "$VM snapshot -p %d -f json -o a.json && $VM record -p %d -i 0.05 -d 0.6 -o r.jsonl "
             "2>/dev/null && mkfifo fifo",
             (int)h.pid, (int)h.pid);
    ck_assert_int_eq(sh(cmd, NULL, NULL), 0);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_msg(sh("$VM diff <(cat a.json) a.json", &out, &err) == 0, "%s", err.data);
    buf_free(&out);
    buf_free(&err);
    same_output("$VM export a.json -f json", "cat a.json | $VM export /dev/stdin -f json");
    same_output("$VM export a.json -f json", "(cat a.json > fifo &) ; $VM export fifo -f json");
    same_output("$VM export r.jsonl@-1 -f json", "cat r.jsonl | $VM export /dev/stdin -f json");
    same_output("$VM export r.jsonl@0 -f json", "$VM export <(cat r.jsonl)@0 -f json");
    same_output("$VM export r.jsonl@-2 -f json", "$VM export <(cat r.jsonl)@-2 -f json");
    same_output("$VM export r.jsonl@3 -f json", "(cat r.jsonl > fifo &) ; $VM export fifo@3 -f json");
    same_output("$VM export r.jsonl -f json", "$VM diff <(cat r.jsonl) r.jsonl -f json >/dev/null && "
                                              "$VM export r.jsonl -f json");
    /* The index over a FIFO: seeks like the file. */
    const char *fifo = test_path(dir, "fifo"), *rec = test_path(dir, "r.jsonl");
    pid_t w = fork();
    if (w == 0) {
        execl("/bin/sh", "sh", "-c", "cat \"$1\" > \"$2\"", "sh", rec, fifo, (char *)NULL);
        _exit(127);
    }
    char *why = NULL;
    struct recording_index *a = recording_index_open(rec, &why);
    ck_assert_msg(a != NULL, "%s", why);
    struct recording_index *b = recording_index_open(fifo, &why);
    ck_assert_msg(b != NULL, "%s", why);
    ck_assert_int_eq(recording_index_count(a), recording_index_count(b));
    for (long i = -1; i >= -recording_index_count(a); i -= 3) {
        struct snapshot *x, *y;
        ck_assert_msg(recording_index_read(a, i, &x, &why) == 0, "%s", why);
        ck_assert_msg(recording_index_read(b, i, &y, &why) == 0, "%s", why);
        same_snapshot(x, y, "the FIFO's sample");
        snapshot_free(x);
        snapshot_free(y);
    }
    recording_index_close(a);
    recording_index_close(b);
    int status;
    waitpid(w, &status, 0);
    /* A snapshot opens as a recording of one sample. */
    struct recording_index *one = recording_index_open(test_path(dir, "a.json"), &why);
    ck_assert_msg(one != NULL, "%s", why);
    ck_assert_int_eq(recording_index_count(one), 1);
    recording_index_close(one);
    helper_stop(&h);
}
END_TEST

/* ---- hostile files -------------------------------------------------- */

static char *snapshot_text(const char *start, const char *end, const char *rss)
{
    char *text = NULL;
    if (asprintf(&text,
                 "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":["
                 "{\"start\":\"%s\",\"end\":\"%s\",\"perms\":\"rw-p\",\"class\":\"heap\","
                 "\"rss\":%s},"
                 "{\"start\":\"0x7f0000000000\",\"end\":\"0x7f0000001000\",\"perms\":\"rw-p\","
                 "\"class\":\"heap\",\"rss\":%s}]}",
                 start, end, rss, rss) < 0)
        ck_abort();
    return text;
}

START_TEST(t_hostile_addresses_refused)
{
    static const char *const bad[] = {
        "0x -5", "0x", "0x-5", " 0x1000", "0x1000 ", "0x+10", "1000", "0xg", "0x1000x",
        "0x0000000000000000000000000000000000001000", "0x10000000000000000", "0X", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *text = snapshot_text(bad[i], "0x2000", "4096");
        struct snapshot *s;
        char *why = NULL;
        ck_assert_msg(json_read_snapshot(text, strlen(text), &s, &why) < 0, "took \"%s\"", bad[i]);
        ck_assert_ptr_nonnull(strstr(why, "no valid start and end"));
        ck_assert_ptr_null(strchr(why, '\n'));
        free(why);
        free(text);
    }
    /* leading zeros and capitals as a writer may pad them */
    char *text = snapshot_text("0x0000000000001000", "0x2AbC000", "4096");
    struct snapshot *s;
    char *why = NULL;
    ck_assert_msg(json_read_snapshot(text, strlen(text), &s, &why) == 0, "%s", why);
    ck_assert_uint_eq(s->regions[0].vma->start, 0x1000);
    ck_assert_uint_eq(s->regions[0].vma->end, 0x2abc000);
    free(text);
    /* and in a delta's removed list */
    const char *path = test_path(dir, "hostile.jsonl");
    FILE *fp = fopen(path, "w");
    fputs("{\"format\":\"vmscope.recording\",\"version\":1}\n", fp);
    export_json(s, EXPORT_COMPACT, fp);
    fputs("{\"format\":\"vmscope.delta\",\"monotonic_ns\":1,\"added\":[],\"changed\":[],"
          "\"removed\":[\"0x -5\"]}\n",
          fp);
    fclose(fp);
    snapshot_free(s);
    long count;
    bool cut;
    ck_assert_int_lt(recording_read(path, 1, &s, &count, &cut, &why), 0);
    ck_assert_ptr_nonnull(strstr(why, "removed address 0"));
    ck_assert_ptr_null(strchr(why, '\n'));
    free(why);
}
END_TEST

START_TEST(t_totals_saturate)
{
    /* 1e19 each: two of them pass 2^64, which would wrap to 1.55e18 */
    char *text = snapshot_text("0x1000", "0x2000", "10000000000000000000");
    struct snapshot *s;
    char *why = NULL;
    ck_assert_msg(json_read_snapshot(text, strlen(text), &s, &why) == 0, "%s", why);
    ck_assert_uint_eq(s->totals.rss, UINT64_MAX);
    ck_assert_uint_eq(s->by_class[RC_HEAP].rss, UINT64_MAX);
    ck_assert_uint_eq(s->totals.vsz, 0x2000);
    /* written as the largest JSON integer, not as a negative one */
    char *data = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&data, &len);
    ck_assert_int_eq(export_json(s, 0, fp), 0);
    fclose(fp);
    json_error_t err;
    json_t *doc = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &err);
    ck_assert_ptr_nonnull(doc);
    ck_assert(json_real_value(json_object_get(json_object_get(doc, "totals"), "rss")) ==
              (double)INT64_MAX);
    json_decref(doc);
    free(data);
    snapshot_free(s);
    free(text);
}
END_TEST

/* ---- deltas replayed in place ---------------------------------------- */

START_TEST(t_in_place_deltas_replay_as_recorded)
{
    /* Pages written into mappings that stay where they are: the deltas only
     * change regions at their starts, and idle ones change none. Replayed
     * in place they must give what was recorded, sample by sample and by
     * seeking, totals and per-class sums included. */
    enum { N = 24, PAGES = 64 };
    char *area = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    ck_assert_ptr_ne(area, MAP_FAILED);
    const char *path = test_path(dir, "inplace.jsonl");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    struct recording_writer w;
    static struct snapshot *want[N];
    for (int i = 0; i < N; i++) {
        if (i % 3 != 2) /* every third sample: nothing written */
            area[(i % PAGES) * 4096] = 1;
        struct snapshot *s;
        ck_assert_int_eq(capture_snapshot(getpid(), NULL, &s), 0);
        want[i] = snapshot_clone(s);
        if (i == 0)
            ck_assert_int_eq(recording_start(&w, fp, s, 1000000000), 0);
        ck_assert_int_eq(recording_add(&w, s), 0);
    }
    recording_finish(&w);
    fclose(fp);
    ck_assert_int_ge(count_lines(path, "vmscope.delta"), 1);
    struct recording_iter it;
    char *why = NULL;
    ck_assert_msg(recording_iter_open(&it, path, &why) == 0, "%s", why);
    const struct snapshot *got;
    int n = 0;
    while (recording_iter_next(&it, &got, &why) > 0) {
        char what[32];
        snprintf(what, sizeof what, "in place %d", n);
        same_snapshot(want[n], got, what);
        struct snapshot *sum = snapshot_clone(got); /* the totals as a full sum gives them */
        snapshot_compute_totals(sum);
        ck_assert(memcmp(&sum->totals, &got->totals, sizeof got->totals) == 0);
        ck_assert(memcmp(sum->by_class, got->by_class, sizeof got->by_class) == 0);
        snapshot_free(sum);
        n++;
    }
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_int_eq(n, N);
    recording_iter_close(&it);
    struct recording_index *idx = recording_index_open(path, &why);
    ck_assert_msg(idx != NULL, "%s", why);
    for (long i = N - 1; i >= 0; i -= 5) {
        struct snapshot *s;
        ck_assert_msg(recording_index_read(idx, i, &s, &why) == 0, "%s", why);
        same_snapshot(want[i], s, "in place, seek");
        snapshot_free(s);
    }
    recording_index_close(idx);
    for (int i = 0; i < N; i++)
        snapshot_free(want[i]);
    munmap(area, PAGES * 4096);
}
END_TEST

static struct snapshot *read_sample(const char *path, long n)
{
    struct snapshot *s;
    long count;
    bool cut;
    char *why = NULL;
    ck_assert_msg(recording_read(path, n, &s, &count, &cut, &why) == 0, "%s", why);
    return s;
}

START_TEST(t_in_place_deltas_edge_cases)
{
    /* Hand-written deltas: a saturated total changed in place (summed again,
     * not taken apart), a change that overlaps its neighbour (refused as
     * the full merge refuses it), a changed region that was not there
     * (added, as before) and an idle delta after a census. */
    char *text = snapshot_text("0x1000", "0x2000", "10000000000000000000");
    const char *path = test_path(dir, "edges.jsonl");
    FILE *fp = fopen(path, "w");
    fputs("{\"format\":\"vmscope.recording\",\"version\":1}\n", fp);
    fputs(text, fp);
    fputs("\n{\"format\":\"vmscope.delta\",\"monotonic_ns\":1,\"added\":[],\"removed\":[],"
          "\"changed\":[{\"start\":\"0x1000\",\"end\":\"0x2000\",\"perms\":\"rw-p\","
          "\"class\":\"heap\",\"rss\":5}]}\n"
          "{\"format\":\"vmscope.delta\",\"monotonic_ns\":2,\"added\":[],\"removed\":[],"
          "\"changed\":[{\"start\":\"0x1000\",\"end\":\"0x3000\",\"perms\":\"rw-p\","
          "\"class\":\"heap\",\"rss\":7,\"pages\":{\"present\":1}}]}\n"
          "{\"format\":\"vmscope.delta\",\"monotonic_ns\":3,\"added\":[],\"removed\":[],"
          "\"changed\":[]}\n"
          "{\"format\":\"vmscope.delta\",\"monotonic_ns\":4,\"added\":[],\"removed\":[],"
          "\"changed\":[{\"start\":\"0x5000\",\"end\":\"0x6000\",\"perms\":\"r--p\","
          "\"class\":\"heap\",\"rss\":4096}]}\n"
          "{\"format\":\"vmscope.delta\",\"monotonic_ns\":5,\"added\":[],\"removed\":[],"
          "\"changed\":[{\"start\":\"0x1000\",\"end\":\"0x7f0000000800\",\"perms\":\"rw-p\","
          "\"class\":\"heap\",\"rss\":1}]}\n",
          fp);
    fclose(fp);
    free(text);
    struct snapshot *s = read_sample(path, 1);
    ck_assert_uint_eq(s->totals.rss, UINT64_C(10000000000000000005));
    ck_assert_uint_eq(s->by_class[RC_HEAP].rss, UINT64_C(10000000000000000005));
    snapshot_free(s);
    s = read_sample(path, 2);
    ck_assert_uint_eq(s->regions[0].vma->end, 0x3000);
    ck_assert_uint_eq(s->totals.vsz, 0x3000);
    ck_assert(s->has_census);
    snapshot_free(s);
    s = read_sample(path, 3); /* idle: all carried, the census too */
    ck_assert_uint_eq(s->totals.vsz, 0x3000);
    ck_assert_uint_eq(s->totals.rss, UINT64_C(10000000000000000007));
    ck_assert(s->has_census);
    snapshot_free(s);
    s = read_sample(path, 4); /* a change where nothing started: it is there now */
    ck_assert_uint_eq(s->n_regions, 3);
    ck_assert_uint_eq(s->regions[1].vma->start, 0x5000);
    ck_assert_uint_eq(s->totals.regions, 3);
    snapshot_free(s);
    long count;
    bool cut;
    char *why = NULL;
    ck_assert_int_lt(recording_read(path, 5, &s, &count, &cut, &why), 0);
    ck_assert_ptr_nonnull(strstr(why, "overlap"));
    free(why);
}
END_TEST

/* ---- the state at exit ---------------------------------------------- */

static int stack_pipe[2];
static pid_t stack_tid;

static void *stack_thread(void *arg)
{
    (void)arg;
    stack_tid = (pid_t)syscall(SYS_gettid);
    char c;
    while (read(stack_pipe[0], &c, 1) < 0) /* blocked: its SP is readable */
        ;
    return NULL;
}

START_TEST(t_exit_state_keeps_live_classes)
{
    /* A thread on a stack this test owns, with a guard below as glibc
     * places one: once the thread is gone, the mapping stays, as a
     * process's do in the instant of its exit. */
    size_t size = 64 * 4096;
    char *guard = mmap(NULL, size + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(guard, MAP_FAILED);
    char *stack = guard + 4096;
    ck_assert_int_eq(mprotect(stack, size, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(pipe(stack_pipe), 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstack(&a, stack, size);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, &a, stack_thread, NULL), 0);
    uint64_t deadline = now_ms() + 5000;
    char path[64], state[256] = "";
    do { /* until the thread sleeps in read() */
        usleep(5000);
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)stack_tid);
        FILE *fp = stack_tid ? fopen(path, "r") : NULL;
        if (fp) {
            if (!fgets(state, sizeof state, fp))
                state[0] = '\0';
            fclose(fp);
        }
    } while (!strstr(state, ") S ") && now_ms() < deadline);
    struct snapshot *live, *final;
    ck_assert_int_eq(capture_snapshot(getpid(), NULL, &live), 0);
    const struct region *r = snapshot_find(live, (uint64_t)(uintptr_t)stack);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->cls, RC_STACK);
    ck_assert_int_eq(r->tid, stack_tid);
    ck_assert_int_eq(snapshot_find(live, (uint64_t)(uintptr_t)guard)->subclass, RS_GUARD);

    ck_assert_int_eq(write(stack_pipe[1], "x", 1), 1);
    pthread_join(t, NULL);
    deadline = now_ms() + 5000; /* until the kernel has let go of the task */
    snprintf(path, sizeof path, "/proc/self/task/%d", (int)stack_tid);
    while (access(path, F_OK) == 0 && now_ms() < deadline)
        usleep(5000);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(capture_snapshot(getpid(), NULL, &final), 0);
    r = snapshot_find(final, (uint64_t)(uintptr_t)stack);
    /* what the exit stop reads without the thread: another class, or at
     * best a guess from the layout that knows no thread */
    ck_assert_msg(r->cls != RC_STACK || (r->tid != stack_tid && (r->flags & REGION_HEURISTIC)),
                  "%s tid %d", region_subclass_name(r->subclass), (int)r->tid);
    uint64_t stack_before = final->by_class[RC_STACK].vsz;

    ck_assert_uint_gt(snapshot_inherit_classes(final, live), 0);
    r = snapshot_find(final, (uint64_t)(uintptr_t)stack);
    ck_assert_int_eq(r->cls, RC_STACK);
    ck_assert_int_eq(r->subclass, RS_THREAD);
    ck_assert_int_eq(r->tid, stack_tid);
    ck_assert_int_eq(r->flags & REGION_HEURISTIC, 0);
    ck_assert_int_eq(snapshot_find(final, (uint64_t)(uintptr_t)guard)->subclass, RS_GUARD);
    uint64_t stack_vsz = 0; /* the totals are summed again */
    for (size_t i = 0; i < final->n_regions; i++)
        if (final->regions[i].cls == RC_STACK)
            stack_vsz += vma_size(final->regions[i].vma);
    ck_assert_uint_eq(final->by_class[RC_STACK].vsz, stack_vsz);
    ck_assert_uint_ge(stack_vsz, stack_before);
    /* the strings are the final snapshot's own: it outlives the live one */
    snapshot_free(live);
    json_t *doc = snapshot_json(final);
    json_decref(doc);
    /* a region that changed keeps what the final sample says */
    ck_assert_int_eq(mprotect(stack, 4096, PROT_READ), 0);
    struct snapshot *changed;
    ck_assert_int_eq(capture_snapshot(getpid(), NULL, &changed), 0);
    snapshot_inherit_classes(changed, final);
    ck_assert_int_ne(snapshot_find(changed, (uint64_t)(uintptr_t)stack)->cls, RC_STACK);
    snapshot_free(changed);
    snapshot_free(final);
    munmap(guard, size + 4096);
}
END_TEST

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    Suite *s = suite_create("recording");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_samples_replay_as_recorded);
    tcase_add_test(tc, t_seek_equals_sequential);
    tcase_add_test(tc, t_in_place_deltas_replay_as_recorded);
    tcase_add_test(tc, t_in_place_deltas_edge_cases);
    tcase_add_test(tc, t_cut_file_reads_to_last_line);
    tcase_add_test(tc, t_version1_file_still_reads);
    tcase_add_test(tc, t_replayed_threads_follow_the_process);
    tcase_add_test(tc, t_gated_samples_replay_exactly);
    tcase_add_test(tc, t_census_round_trip);
    tcase_add_test(tc, t_pipes_and_fifos_read_once);
    tcase_add_test(tc, t_hostile_addresses_refused);
    tcase_add_test(tc, t_totals_saturate);
    tcase_add_test(tc, t_exit_state_keeps_live_classes);
    suite_add_tcase(s, tc);
    int status = run_suite(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return status;
}
