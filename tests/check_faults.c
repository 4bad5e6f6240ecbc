/* Fault tests for replay: what `vmscope -r FILE` and `vmscope diff` read
 * is whatever file they are given, so random bytes, a file cut off, a
 * 1 GiB single line and JSON nested 100,000 deep must each give one clean
 * line of error, in bounded memory and time. Each case runs against the
 * snapshot reader, the recording reader and the binary (`vmscope diff`:
 * the live view wants a terminal, check_tui covers `-r`). Memory is the
 * peak RSS: VmHWM after resetting it (/proc/self/clear_refs) in process,
 * ru_maxrss for the binary. */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"

#define MIB (1024L * 1024)
#define GIB (1024L * MIB)
#define CAP_KIB ((long)(JSON_READER_MAX_BYTES >> 10))

/* AddressSanitizer's shadow, redzones and quarantine (freed blocks kept
 * for a while) make peak RSS say nothing of the reader's own needs: the
 * plain build checks memory, the ASan build everything else, more slowly. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#define CHECK_MEMORY 0
#define SLOWER 4
#else
#define CHECK_MEMORY 1
#define SLOWER 1
#endif

static char dir[] = "/tmp/vmscope-faults-XXXXXX";

/* head, then zeros up to size: a file of 1 GiB that costs no disk. */
static void write_sparse(const char *path, const char *head, off_t size)
{
    test_write_file(path, head, strlen(head));
    ck_assert_int_eq(truncate(path, size), 0);
}

/* One line, nothing a terminal acts on. */
static void assert_clean(const char *why, const char *needle)
{
    ck_assert_msg(why != NULL, "a refusal without a reason");
    for (const char *c = why; *c; c++)
        ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f, "control byte 0x%02x in: %s",
                      (unsigned char)*c, why);
    ck_assert_msg(strstr(why, needle), "'%s' not in: %s", needle, why);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(fp);
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            v = atol(line + n + 1);
    fclose(fp);
    ck_assert_int_ge(v, 0);
    return v;
}

/* Peak RSS and time of one in-process call: start, call, then end. */
struct probe {
    long base_kib;
    double t0;
};

static void probe_start(struct probe *p)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "5", 1), 1); /* 5: the peak RSS starts again from now */
    close(fd);
    p->base_kib = status_kib("VmRSS");
    p->t0 = now_s();
}

static void probe_end(const struct probe *p, const char *what, long max_kib, double max_s)
{
    double secs = now_s() - p->t0;
    long grew = status_kib("VmHWM") - p->base_kib;
    fprintf(stderr, "faults: %s: peak RSS +%ld KiB, %.3f s\n", what, grew, secs);
    ck_assert_msg(!CHECK_MEMORY || grew <= max_kib, "%s: peak RSS grew %ld KiB (bound %ld)", what,
                  grew, max_kib);
    ck_assert_msg(secs <= max_s * SLOWER, "%s: took %.2f s (bound %.0f)", what, secs, max_s * SLOWER);
}

static void text_refuses(const struct buf *b, const char *what, const char *needle, long max_kib,
                         double max_s)
{
    struct probe p;
    struct snapshot *s = NULL;
    char *why = NULL;
    probe_start(&p);
    int rc = json_read_snapshot(b->data, b->len, &s, &why);
    probe_end(&p, what, max_kib, max_s);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_null(s);
    assert_clean(why, needle);
    free(why);
}

static void snapshot_refuses(const char *path, const char *needle, long max_kib, double max_s)
{
    struct probe p;
    struct snapshot *s = NULL;
    char *why = NULL;
    probe_start(&p);
    int rc = json_read_snapshot_file(path, &s, &why);
    probe_end(&p, why ? why : path, max_kib, max_s);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_null(s);
    assert_clean(why, needle);
    free(why);
}

static void recording_refuses(const char *path, long index, const char *needle, long max_kib,
                              double max_s)
{
    struct probe p;
    struct snapshot *s = NULL;
    char *why = NULL;
    long count;
    bool cut;
    probe_start(&p);
    int rc = recording_read(path, index, &s, &count, &cut, &why);
    probe_end(&p, why ? why : path, max_kib, max_s);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_null(s);
    assert_clean(why, needle);
    free(why);
}

/* `vmscope diff a b`: status 1, one line "vmscope: ..." holding needle. */
static void cli_refuses(const char *a, const char *b, const char *needle, long max_kib,
                        double max_s)
{
    struct buf err;
    buf_init(&err);
    struct rusage ru;
    double t0 = now_s();
    int status = run_command_usage((const char *[]){"vmscope", "diff", a, b, NULL}, -1, NULL, &err,
                                   &ru);
    double secs = now_s() - t0;
    buf_append(&err, "", 0);
    fprintf(stderr, "faults: vmscope diff (%s): peak RSS %ld KiB, %.3f s\n", needle, ru.ru_maxrss, secs);
    ck_assert_msg(status == 1, "status %d: %s", status, err.data);
    ck_assert_msg(strncmp(err.data, "vmscope: ", 9) == 0, "stderr: %s", err.data);
    ck_assert_msg(strchr(err.data, '\n') == err.data + err.len - 1, "not one line: %s", err.data);
    err.data[--err.len] = '\0';
    assert_clean(err.data, needle);
    ck_assert_msg(!CHECK_MEMORY || ru.ru_maxrss <= max_kib, "peak RSS %ld KiB (bound %ld)",
                  ru.ru_maxrss, max_kib);
    ck_assert_msg(secs <= max_s * SLOWER, "took %.2f s (bound %.0f)", secs, max_s * SLOWER);
    buf_free(&err);
}

/* The JSON of a real snapshot (a helper with a heap), newline ended. */
static char *real_snapshot(size_t *len)
{
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "10", NULL});
    struct snapshot *s;
    ck_assert_int_eq(capture_snapshot(h.pid, NULL, &s), 0);
    helper_stop(&h);
    char *text = NULL;
    FILE *fp = open_memstream(&text, len);
    ck_assert_int_eq(export_json(s, EXPORT_COMPACT, fp), 0);
    fclose(fp);
    snapshot_free(s);
    return text;
}

/* A real recording of a growing helper: its bytes and the offsets where
 * each line ends. */
static char *real_recording(const char *path, size_t *len, size_t *ends, int *n_lines)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "40", "40", NULL});
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.1", "-d",
                                                  "0.5", "-o", path, NULL}, -1, NULL, NULL), 0);
    helper_stop(&h);
    struct buf b;
    buf_init(&b);
    int fd = open(path, O_RDONLY);
    ck_assert_int_eq(buf_read_fd(&b, fd), 0);
    close(fd);
    *n_lines = 0;
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\n' && *n_lines < 64)
            ends[(*n_lines)++] = i + 1;
    ck_assert_int_ge(*n_lines, 4);
    *len = b.len;
    return b.data;
}

START_TEST(t_random_bytes)
{
    /* Fixed seeds: the same bytes every run. */
    size_t len = 1 << 20;
    unsigned char *bytes = malloc(len + 64);
    unsigned long x = 0x9e3779b97f4a7c15ul;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bytes[i] = (unsigned char)(x >> 24);
    }
    const char *raw = test_path(dir, "random.bin"), *brace = test_path(dir, "random-brace.json"),
               *rec = test_path(dir, "random.jsonl");
    test_write_file(raw, bytes, len);
    bytes[0] = '{'; /* past the first look, into the parser */
    test_write_file(brace, bytes, len);
    const char *header = "{\"format\":\"vmscope.recording\",\"version\":1}\n";
    FILE *fp = fopen(rec, "wb");
    fputs(header, fp);
    fwrite(bytes, 1, len, fp);
    fclose(fp);
    char fixture[4096];
    snapshot_refuses(raw, "not a vmscope snapshot or recording", 4 * MIB / 1024, 2);
    snapshot_refuses(fixture_path("garbage_random.bin", fixture, sizeof fixture), "not JSON", 4096, 2);
    snapshot_refuses(fixture_path("garbage_zeros.bin", fixture, sizeof fixture),
                     "not a vmscope snapshot or recording", 4096, 2);
    snapshot_refuses(brace, "not JSON", 4096, 2);
    recording_refuses(raw, -1, "not a vmscope recording", 4096, 2);
    recording_refuses(rec, -1, "sample 0: not JSON", 4096, 2);
    recording_refuses(rec, 0, "sample 0: not JSON", 4096, 2);
    cli_refuses(raw, raw, "not a vmscope snapshot or recording", 64 * 1024, 5);
    cli_refuses(brace, raw, "not JSON", 64 * 1024, 5);
    cli_refuses(rec, raw, "sample 0: not JSON", 64 * 1024, 5);
    free(bytes);
}
END_TEST

START_TEST(t_truncated_snapshot)
{
    size_t len;
    char *text = real_snapshot(&len);
    const char *path = test_path(dir, "cut.json");
    /* Cut everywhere in the first and last 300 bytes, and every 61 bytes
     * in between: mid-key, mid-number, mid-"true", between values. */
    for (size_t at = 1; at < len - 1; at += at < 300 || at > len - 300 ? 1 : 61) {
        struct snapshot *s = NULL;
        char *why = NULL;
        ck_assert_int_lt(json_read_snapshot(text, at, &s, &why), 0);
        ck_assert_ptr_null(s);
        ck_assert_msg(why && strstr(why, "cut off?"), "cut at %zu of %zu: %s", at, len, why);
        assert_clean(why, "not JSON");
        free(why);
    }
    test_write_file(path, text, len / 2);
    snapshot_refuses(path, "cut off?", 4096, 2);
    cli_refuses(path, path, "cut off?", 64 * 1024, 5);
    test_write_file(path, "", 0);
    snapshot_refuses(path, "it is empty", 4096, 2);
    free(text);
}
END_TEST

START_TEST(t_truncated_recording)
{
    const char *path = test_path(dir, "rec.jsonl"), *cut_path = test_path(dir, "rec-cut.jsonl");
    size_t len, ends[64];
    int n;
    char *text = real_recording(path, &len, ends, &n);
    /* Cut in the header: not a recording at all. */
    test_write_file(cut_path, text, ends[0] / 2);
    recording_refuses(cut_path, -1, "not a vmscope recording (no header line)", 4096, 2);
    /* Cut in the first sample: nothing to show, and it says why. */
    test_write_file(cut_path, text, ends[0] + (ends[1] - ends[0]) / 2);
    recording_refuses(cut_path, -1, "holds no complete sample (it ends mid-line: cut off?)", 4096, 2);
    cli_refuses(cut_path, path, "cut off?", 64 * 1024, 5);
    /* Cut in every later line, and just before its newline: opens up to the
     * last whole line, and says it was cut. */
    for (int line = 2; line < n; line++) {
        size_t cuts[] = {ends[line - 1] + 1, (ends[line - 1] + ends[line]) / 2, ends[line] - 1};
        for (size_t c = 0; c < 3; c++) {
            test_write_file(cut_path, text, cuts[c]);
            struct snapshot *s = NULL;
            char *why = NULL;
            long count;
            bool cut;
            ck_assert_msg(recording_read(cut_path, -1, &s, &count, &cut, &why) == 0, "%s", why);
            ck_assert(cut);
            ck_assert_int_eq(count, line - 1); /* the header is no sample */
            snapshot_free(s);
            struct recording_iter it;
            ck_assert_int_eq(recording_iter_open(&it, cut_path, &why), 0);
            const struct snapshot *cur;
            long seen = 0;
            while (recording_iter_next(&it, &cur, &why) > 0)
                seen++;
            ck_assert_int_eq(seen, line - 1);
            ck_assert(it.cut);
            recording_iter_close(&it);
        }
    }
    char at0[300];
    snprintf(at0, sizeof at0, "%s@0", cut_path);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", at0, cut_path, NULL}, -1, NULL,
                                 NULL), 0);
    free(text);
}
END_TEST

/* A writer at the other end of a FIFO: head, then 1 GiB of fill (or until
 * the reader goes away). Returns its pid. */
static pid_t fifo_writer(const char *path, const char *head, char fill)
{
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int fd = open(path, O_WRONLY);
        if (fd < 0 || write(fd, head, strlen(head)) < 0)
            _exit(1);
        static char chunk[1 << 16];
        memset(chunk, fill, sizeof chunk);
        for (long sent = 0; sent < GIB; sent += (long)sizeof chunk)
            if (write(fd, chunk, sizeof chunk) < 0)
                _exit(0); /* the reader stopped: as it should */
        _exit(0);
    }
    return pid;
}

static void fifo_done(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

START_TEST(t_gib_line_recording)
{
    const char *sparse = test_path(dir, "gib.jsonl"), *fifo = test_path(dir, "gib-fifo.jsonl");
    const char *header = "{\"format\":\"vmscope.recording\",\"version\":1}\n";
    const char *prefix = "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[";
    char head[256];
    snprintf(head, sizeof head, "%s%s", header, prefix);
    /* The reader holds at most the cap of one line before it gives up. */
    long bound = CAP_KIB + 32 * 1024;
    write_sparse(sparse, head, GIB);
    recording_refuses(sparse, -1, "sample 0: a line longer than the 256 MiB vmscope reads", bound, 10);
    recording_refuses(sparse, 0, "sample 0: a line longer than the 256 MiB", bound, 10);
    cli_refuses(sparse, sparse, "a line longer than the 256 MiB vmscope reads", bound, 10);
    /* A header line of 1 GiB (zeros after the format): no header at all. */
    write_sparse(sparse, "{\"format\":\"vmscope.recording\"", GIB);
    recording_refuses(sparse, -1, "not a vmscope recording (no header line)", 8 * 1024, 2);
    unlink(sparse);
    /* Valid-looking JSON to the end: 1 GiB of blanks, then of digits. */
    const char fills[] = {' ', '7'};
    for (size_t i = 0; i < sizeof fills; i++) {
        pid_t w = fifo_writer(fifo, head, fills[i]);
        struct recording_iter it;
        char *why = NULL;
        struct probe p;
        probe_start(&p);
        ck_assert_msg(recording_iter_open(&it, fifo, &why) == 0, "%s", why);
        const struct snapshot *s;
        ck_assert_int_eq(recording_iter_next(&it, &s, &why), -EFBIG);
        recording_iter_close(&it);
        probe_end(&p, "1 GiB line through a FIFO", bound, 10);
        assert_clean(why, "a line longer than the 256 MiB vmscope reads");
        free(why);
        fifo_done(w);
    }
}
END_TEST

START_TEST(t_gib_snapshot)
{
    const char *sparse = test_path(dir, "gib.json"), *fifo = test_path(dir, "gib-fifo.json");
    const char *prefix = "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[";
    /* A regular file: refused by its size, before any reading. */
    write_sparse(sparse, prefix, GIB);
    snapshot_refuses(sparse, "1024.0 MiB, more than the 256 MiB a vmscope snapshot may be", 4096, 1);
    cli_refuses(sparse, sparse, "more than the 256 MiB a vmscope snapshot may be", 16 * 1024, 5);
    unlink(sparse);
    /* A pipe has no size: read up to the cap, then refused. */
    pid_t w = fifo_writer(fifo, prefix, ' ');
    snapshot_refuses(fifo, "more than the 256 MiB a vmscope snapshot may be", CAP_KIB + 32 * 1024, 10);
    fifo_done(w);
}
END_TEST

START_TEST(t_deep_nesting)
{
    /* jansson stops at depth 2048: no stack overflow, at once, one line. */
    const char *opens[] = {"[", "{\"a\":"};
    struct buf b;
    buf_init(&b);
    for (size_t k = 0; k < 2; k++) {
        buf_reset(&b);
        buf_puts(&b, "{\"format\":\"vmscope.snapshot\",\"version\":1,\"x\":");
        for (int i = 0; i < 100000; i++)
            buf_puts(&b, opens[k]);
        for (int i = 0; i < 100000 && k == 0; i++) /* closed as well: valid JSON */
            buf_putc(&b, ']');
        buf_puts(&b, "}\n");
        text_refuses(&b, "100,000 levels", "JSON nested deeper than 2048 levels", 16 * 1024, 2);
        /* The same as a snapshot file, as a recording's sample line, and
         * through the binary. */
        const char *path = test_path(dir, "deep.json"), *rec = test_path(dir, "deep.jsonl");
        test_write_file(path, b.data, b.len);
        snapshot_refuses(path, "JSON nested deeper than 2048 levels", 16 * 1024, 2);
        FILE *fp = fopen(rec, "w");
        fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1}\n%s", b.data);
        fclose(fp);
        recording_refuses(rec, -1, "sample 0: JSON nested deeper than 2048 levels", 16 * 1024, 2);
        cli_refuses(path, path, "JSON nested deeper than 2048 levels", 64 * 1024, 5);
        cli_refuses(rec, path, "JSON nested deeper than 2048 levels", 64 * 1024, 5);
    }
    buf_free(&b);
}
END_TEST

START_TEST(t_small_document_large_tree)
{
    /* 3 bytes of "{}," cost jansson ~220 bytes of tree: without a budget a
     * 9 MB file took 650 MB. Held to 32 bytes a byte (a real snapshot
     * needs about 12), it is refused within that. */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[{}");
    for (int i = 0; i < 3000000; i++)
        buf_puts(&b, ",{}");
    buf_puts(&b, "]}\n");
    text_refuses(&b, "3 million empty objects",
                 "JSON that needs more than 32 times its size, or 1024 MiB, in memory",
                 (long)(b.len * 40 / 1024) + 32 * 1024, 10);
    const char *path = test_path(dir, "wide.json");
    test_write_file(path, b.data, b.len);
    cli_refuses(path, path, "more than 32 times its size, or 1024 MiB", (long)(b.len * 40 / 1024) + 48 * 1024, 10);
    buf_free(&b);
}
END_TEST

START_TEST(t_large_real_snapshot_still_reads)
{
    /* The caps must not touch real files: 20,000 mappings (about 12 MB of
     * JSON) read, alone and as a recording's sample. */
    struct helper h;
    helper_start(&h, (const char *[]){"many", "20000", NULL});
    struct snapshot *s;
    ck_assert_int_eq(capture_snapshot(h.pid, NULL, &s), 0);
    helper_stop(&h);
    const char *path = test_path(dir, "20k.jsonl");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    struct recording_writer w;
    ck_assert_int_eq(recording_start(&w, fp, s, 1000000000u), 0);
    size_t n = s->n_regions;
    ck_assert_int_eq(recording_add(&w, s), 0);
    recording_finish(&w);
    ck_assert_int_eq(fclose(fp), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_gt(st.st_size, 10 * MIB);
    struct snapshot *back = NULL;
    char *why = NULL;
    long count;
    bool cut;
    struct probe p;
    probe_start(&p);
    ck_assert_msg(recording_read(path, -1, &back, &count, &cut, &why) == 0, "%s", why);
    probe_end(&p, "20,000 mappings", 32 * (long)st.st_size / 1024, 10);
    ck_assert_uint_eq(back->n_regions, n);
    snapshot_free(back);
}
END_TEST

START_TEST(t_delta_cannot_make_regions_overlap)
{
    /* fuzz_recording: a delta that adds a region twice, or over one that
     * stays, gave a model with overlapping regions (screens and diffs take
     * them as disjoint). */
    static const char *const deltas[] = {
        "\"added\":[{\"start\":\"0x3000\",\"end\":\"0x4000\",\"perms\":\"rw-p\",\"class\":\"mmap\"},"
        "{\"start\":\"0x3000\",\"end\":\"0x4000\",\"perms\":\"rw-p\",\"class\":\"mmap\"}],"
        "\"removed\":[],\"changed\":[]",
        "\"added\":[{\"start\":\"0x1800\",\"end\":\"0x2800\",\"perms\":\"rw-p\",\"class\":\"mmap\"}],"
        "\"removed\":[],\"changed\":[]",
        "\"added\":[{\"start\":\"0x1000\",\"end\":\"0x2000\",\"perms\":\"rw-p\",\"class\":\"mmap\"}],"
        "\"removed\":[],\"changed\":[{\"start\":\"0x1000\",\"end\":\"0x2000\",\"perms\":\"rw-p\","
        "\"class\":\"mmap\"}]",
    };
    const char *path = test_path(dir, "overlap.jsonl");
    for (size_t i = 0; i < sizeof deltas / sizeof deltas[0]; i++) {
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1}\n"
                    "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[{\"start\":\"0x1000\","
                    "\"end\":\"0x2000\",\"perms\":\"r-xp\",\"class\":\"text\"}]}\n"
                    "{\"format\":\"vmscope.delta\",\"monotonic_ns\":1,%s}\n",
                deltas[i]);
        fclose(fp);
        recording_refuses(path, -1, "sample 1: the delta leaves regions that overlap", 4096, 1);
        cli_refuses(path, path, "sample 1: the delta leaves regions that overlap", 64 * 1024, 5);
    }
}
END_TEST

START_TEST(t_refused_delta_frees_what_it_read)
{
    /* fuzz_recording (ASan): a delta region refused after its name was
     * read leaked the name. 500 refusals of a 4000-byte name: 2 MB then. */
    char name[4001];
    memset(name, 'n', 4000);
    name[4000] = '\0';
    const char *path = test_path(dir, "leak.jsonl");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1}\n"
                "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[]}\n"
                "{\"format\":\"vmscope.delta\",\"monotonic_ns\":1,\"added\":[{\"start\":\"0x1000\","
                "\"end\":\"0x2000\",\"perms\":\"rw-p\",\"path\":\"%s\",\"class\":\"none\"}],"
                "\"removed\":[],\"changed\":[]}\n",
            name);
    fclose(fp);
    size_t before = 0;
    for (int i = 0; i <= 500; i++) {
        if (i == 1)
            before = mallinfo2().uordblks; /* after the first: buffers are warm */
        struct snapshot *s = NULL;
        char *why = NULL;
        long count;
        bool cut;
        ck_assert_int_lt(recording_read(path, -1, &s, &count, &cut, &why), 0);
        ck_assert_msg(strstr(why, "region 0 has an unknown class"), "%s", why);
        free(why);
    }
    size_t after = mallinfo2().uordblks;
    ck_assert_msg(after < before + 256 * 1024, "in use: %zu bytes before, %zu after", before, after);
}
END_TEST

START_TEST(t_a_distinct_object_per_region)
{
    /* Each region may name its own ELF object: 100,000 of them (9 MB) took
     * 35 s to read (a scan of the string table per region) and as long
     * again to clone for the Timeline. */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[");
    for (unsigned i = 0; i < 100000; i++)
        buf_printf(&b, "%s{\"start\":\"0x%x\",\"end\":\"0x%x\",\"perms\":\"r--p\",\"class\":\"text\","
                       "\"subclass\":\"s%u\",\"object\":\"/o%u\"}",
                   i ? "," : "", (i + 1) << 12, (i + 2) << 12, i, i);
    buf_puts(&b, "]}");
    struct snapshot *s = NULL;
    char *why = NULL;
    struct probe p;
    probe_start(&p);
    ck_assert_msg(json_read_snapshot(b.data, b.len, &s, &why) == 0, "%s", why);
    probe_end(&p, "100,000 objects read", 512 * 1024, 5);
    ck_assert_uint_eq(s->objects.count, 100000);
    probe_start(&p);
    struct snapshot *c = snapshot_clone(s);
    probe_end(&p, "100,000 objects cloned", 512 * 1024, 2);
    for (size_t i = 0; i < c->n_regions; i += 997) {
        ck_assert_str_eq(c->regions[i].object, s->regions[i].object);
        ck_assert_int_eq(c->regions[i].subclass, RS_UNKNOWN); /* "s<i>" is no subclass */
        ck_assert_ptr_ne(c->regions[i].object, s->regions[i].object); /* the copy's own */
    }
    snapshot_free(c);
    snapshot_free(s);
    buf_free(&b);
}
END_TEST

START_TEST(t_file_names_are_shown_safely)
{
    /* The name is the user's, but it may come from a hostile directory
     * (`vmscope diff *`): shown escaped like everything else. */
    const char *path = test_path(dir, "a\x1b]0;title\x07\n.json");
    test_write_file(path, "garbage", 7);
    snapshot_refuses(path, "a\\e]0;title\\x07\\n.json: not JSON", 4096, 1);
    recording_refuses(path, -1, "a\\e]0;title\\x07\\n.json: not a vmscope recording", 4096, 1);
    cli_refuses(path, path, "a\\e]0;title\\x07\\n.json: not JSON", 64 * 1024, 5);
    unlink(path);
    snapshot_refuses(path, "cannot open", 4096, 1);
}
END_TEST

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_random_bytes);
    tcase_add_test(tc, t_truncated_snapshot);
    tcase_add_test(tc, t_truncated_recording);
    tcase_add_test(tc, t_gib_line_recording);
    tcase_add_test(tc, t_gib_snapshot);
    tcase_add_test(tc, t_deep_nesting);
    tcase_add_test(tc, t_small_document_large_tree);
    tcase_add_test(tc, t_large_real_snapshot_still_reads);
    tcase_add_test(tc, t_delta_cannot_make_regions_overlap);
    tcase_add_test(tc, t_refused_delta_frees_what_it_read);
    tcase_add_test(tc, t_a_distinct_object_per_region);
    tcase_add_test(tc, t_file_names_are_shown_safely);
    suite_add_tcase(s, tc);
    int status = run_suite(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return status;
}
