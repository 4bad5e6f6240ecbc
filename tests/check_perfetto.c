/* vmscope export -f perfetto: Chrome JSON trace events. A real traced
 * program (storyhelper under record --trace) is exported and the trace,
 * parsed with jansson, is checked against the recording's own lines: the
 * names, a counter per class per sample, exactly one event per traced
 * call, region instants matching what consecutive samples added and
 * removed, timestamps in microseconds from the first sample, monotonic per
 * track. Hostile names come out as valid JSON strings; a large recording
 * exports in bounded memory; Perfetto's trace processor loads the file
 * when it is installed. */
#include "testlib.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORY TEST_BUILDDIR "/tests/helpers/storyhelper"

/* ASan's shadow memory and quarantine make peak RSS meaningless there. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void temp_path(char *path, size_t size, const char *suffix)
{
    snprintf(path, size, "/tmp/vmscope-perfetto-%d-%s", (int)getpid(), suffix);
}

static json_t *load_json(const char *path)
{
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err); /* strict: invalid UTF-8 fails */
    ck_assert_msg(doc, "%s is not valid JSON: %s (line %d)", path, err.text, err.line);
    return doc;
}

static void export_trace(const char *in, const char *out)
{
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "export", in, "-f", "perfetto", "-o", out, NULL},
                         (uid_t)-1, NULL, &err);
    ck_assert_msg(rc == 0, "export failed (%d): %s", rc, err.data ? err.data : "");
    buf_free(&err);
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long int_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

/* ---- the recording, read line by line with jansson (the ground truth) -- */

#define MAX_STARTS 8192

struct rec_sample {
    uint64_t ns, rss, vsz;
    size_t n_added, n_removed; /* against the sample before, by start */
    uint64_t *added, *removed;
};

struct rec_event {
    json_t *line;
};

struct rec {
    long pid;
    char comm[64];
    struct rec_sample *samples;
    size_t n_samples;
    json_t **events;
    size_t n_events;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t addr_of(json_t *v)
{
    const char *s = json_string_value(v);
    ck_assert_ptr_nonnull(s);
    return strtoull(s, NULL, 16);
}

static bool has_start(const uint64_t *set, size_t n, uint64_t a)
{
    return bsearch(&a, set, n, sizeof *set, cmp_u64) != NULL;
}

static void read_recording(const char *path, struct rec *r)
{
    memset(r, 0, sizeof *r);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0;
    uint64_t *cur = calloc(MAX_STARTS, sizeof *cur), *next = calloc(MAX_STARTS, sizeof *next);
    size_t n_cur = 0;
    bool header = true;
    while (getline(&line, &cap, fp) > 0) {
        json_error_t err;
        json_t *doc = json_loads(line, 0, &err);
        ck_assert_msg(doc, "a recording line is not JSON: %s", err.text);
        const char *format = str_of(doc, "format");
        ck_assert_ptr_nonnull(format);
        if (header) {
            ck_assert_str_eq(format, "vmscope.recording");
            json_t *p = json_object_get(doc, "process");
            r->pid = (long)int_of(p, "pid");
            snprintf(r->comm, sizeof r->comm, "%s", str_of(p, "comm"));
            header = false;
            json_decref(doc);
            continue;
        }
        if (strcmp(format, "vmscope.event") == 0) {
            r->events = realloc(r->events, (r->n_events + 1) * sizeof *r->events);
            r->events[r->n_events++] = doc;
            continue;
        }
        bool key = strcmp(format, "vmscope.snapshot") == 0;
        if (!key && strcmp(format, "vmscope.delta") != 0) {
            json_decref(doc);
            continue;
        }
        /* The set of region starts after this sample. */
        size_t n_next = 0;
        size_t i;
        json_t *v;
        if (key) {
            json_array_foreach(json_object_get(doc, "regions"), i, v)
                next[n_next++] = addr_of(json_object_get(v, "start"));
        } else {
            json_t *removed = json_object_get(doc, "removed");
            for (size_t k = 0; k < n_cur; k++) {
                bool gone = false;
                json_array_foreach(removed, i, v) gone |= addr_of(v) == cur[k];
                if (!gone)
                    next[n_next++] = cur[k];
            }
            json_array_foreach(json_object_get(doc, "added"), i, v)
                next[n_next++] = addr_of(json_object_get(v, "start"));
        }
        ck_assert_uint_lt(n_next, MAX_STARTS);
        qsort(next, n_next, sizeof *next, cmp_u64);
        r->samples = realloc(r->samples, (r->n_samples + 1) * sizeof *r->samples);
        struct rec_sample *s = &r->samples[r->n_samples];
        memset(s, 0, sizeof *s);
        s->ns = (uint64_t)int_of(doc, "monotonic_ns");
        json_t *totals = json_object_get(doc, "totals");
        s->rss = (uint64_t)int_of(totals, "rss");
        s->vsz = (uint64_t)int_of(totals, "vsz");
        if (r->n_samples) { /* the first has nothing before it */
            s->added = calloc(n_next + 1, sizeof *s->added);
            s->removed = calloc(n_cur + 1, sizeof *s->removed);
            for (size_t k = 0; k < n_next; k++)
                if (!has_start(cur, n_cur, next[k]))
                    s->added[s->n_added++] = next[k];
            for (size_t k = 0; k < n_cur; k++)
                if (!has_start(next, n_next, cur[k]))
                    s->removed[s->n_removed++] = cur[k];
        }
        r->n_samples++;
        memcpy(cur, next, n_next * sizeof *cur);
        n_cur = n_next;
        json_decref(doc);
    }
    free(line);
    free(cur);
    free(next);
    fclose(fp);
}

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n_samples; i++) {
        free(r->samples[i].added);
        free(r->samples[i].removed);
    }
    for (size_t i = 0; i < r->n_events; i++)
        json_decref(r->events[i]);
    free(r->samples);
    free(r->events);
}

/* ---- the trace ------------------------------------------------------- */

/* The ts of a trace event in nanoseconds (it is microseconds with three
 * decimals). */
static int64_t ts_ns(json_t *e)
{
    json_t *ts = json_object_get(e, "ts");
    ck_assert_msg(json_is_number(ts), "an event without a numeric ts");
    return llround(json_number_value(ts) * 1000.0);
}

/* Every element is an object with a phase, pid, tid and ts; on each track
 * (a thread's, a process's instants, a counter) ts never goes back. */
static void check_tracks(json_t *events)
{
    struct track {
        char key[96];
        int64_t last;
    } *tracks = calloc(4096, sizeof *tracks);
    size_t n_tracks = 0, i;
    json_t *e;
    json_array_foreach(events, i, e) {
        const char *ph = str_of(e, "ph");
        ck_assert_msg(ph && strlen(ph) == 1, "event %zu: no phase", i);
        long long pid = int_of(e, "pid"), tid = int_of(e, "tid");
        int64_t ts = ts_ns(e);
        char key[96];
        const char *scope = str_of(e, "s");
        if (ph[0] == 'M')
            continue;
        if (ph[0] == 'C')
            snprintf(key, sizeof key, "C %lld %s", pid, str_of(e, "name"));
        else if (scope && strcmp(scope, "p") == 0)
            snprintf(key, sizeof key, "P %lld", pid);
        else
            snprintf(key, sizeof key, "T %lld %lld", pid, tid);
        size_t t = 0;
        while (t < n_tracks && strcmp(tracks[t].key, key) != 0)
            t++;
        if (t == n_tracks) {
            ck_assert_uint_lt(n_tracks, 4096);
            snprintf(tracks[n_tracks].key, sizeof tracks[n_tracks].key, "%s", key);
            tracks[n_tracks++].last = ts;
        }
        ck_assert_msg(ts >= tracks[t].last, "track %s goes back in time at event %zu", key, i);
        tracks[t].last = ts;
    }
    free(tracks);
}

/* The "M" event naming pid (and tid, for a thread), or NULL. */
static json_t *find_name(json_t *events, const char *what, long long pid, long long tid)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        if (strcmp(str_of(e, "ph"), "M") == 0 && strcmp(str_of(e, "name"), what) == 0 &&
            int_of(e, "pid") == pid && (tid < 0 || int_of(e, "tid") == tid))
            return e;
    }
    return NULL;
}

static const char *const classes[] = {"text", "data", "bss", "heap", "mmap", "stack", "other"};

/* The trace against the recording it came from. */
static void check_trace(json_t *doc, const struct rec *r)
{
    json_t *events = json_object_get(doc, "traceEvents");
    ck_assert_msg(json_is_array(events), "no traceEvents array");
    check_tracks(events);
    ck_assert_uint_gt(r->n_samples, 0);
    uint64_t t0 = r->samples[0].ns;

    /* The process and its main thread are named after the program. */
    json_t *m = find_name(events, "process_name", r->pid, -1);
    ck_assert_msg(m, "no process_name for %ld", r->pid);
    ck_assert_str_eq(str_of(json_object_get(m, "args"), "name"), r->comm);
    ck_assert_msg(find_name(events, "thread_name", r->pid, r->pid), "main thread not named");

    size_t n_rss = 0, n_vsz = 0, n_series = 0, n_calls = 0, i;
    size_t *appeared = calloc(r->n_samples, sizeof *appeared),
           *gone = calloc(r->n_samples, sizeof *gone);
    json_t *e;
    json_array_foreach(events, i, e) {
        const char *ph = str_of(e, "ph"), *name = str_of(e, "name");
        json_t *args = json_object_get(e, "args");
        int64_t ts = ts_ns(e);
        if (strcmp(ph, "C") == 0) {
            ck_assert_int_eq(int_of(e, "pid"), r->pid);
            if (strcmp(name, "RSS") == 0 || strcmp(name, "VSZ") == 0) {
                bool rss = name[0] == 'R';
                size_t k = rss ? n_rss++ : n_vsz++;
                ck_assert_uint_lt(k, r->n_samples);
                /* one counter per class, adding up to the sample's total */
                ck_assert_int_eq(json_object_size(args), 7);
                uint64_t sum = 0;
                for (int c = 0; c < 7; c++) {
                    json_t *v = json_object_get(args, classes[c]);
                    ck_assert_msg(json_is_integer(v), "%s: no %s counter", name, classes[c]);
                    sum += (uint64_t)json_integer_value(v);
                }
                ck_assert_uint_eq(sum, rss ? r->samples[k].rss : r->samples[k].vsz);
                ck_assert_int_eq(ts, (int64_t)(r->samples[k].ns - t0));
            } else if (strcmp(name, "heap vs mmap") == 0) {
                ck_assert_ptr_nonnull(json_object_get(args, "brk heap"));
                ck_assert_ptr_nonnull(json_object_get(args, "anon mmap"));
                ck_assert_int_eq(ts, (int64_t)(r->samples[n_series++].ns - t0));
            }
        } else if (strcmp(ph, "i") == 0 && strcmp(str_of(e, "cat"), "syscall") == 0) {
            /* the n-th traced call is the recording's n-th event line */
            ck_assert_uint_lt(n_calls, r->n_events);
            json_t *line = r->events[n_calls++];
            ck_assert_str_eq(name, str_of(line, "syscall"));
            ck_assert_int_eq(int_of(e, "tid"), int_of(line, "tid"));
            ck_assert_int_eq(int_of(e, "pid"), int_of(line, "pid"));
            ck_assert_str_eq(str_of(e, "s"), "t");
            ck_assert_int_eq(ts, (int64_t)((uint64_t)int_of(line, "monotonic_ns") - t0));
            ck_assert(json_equal(json_object_get(args, "args"), json_object_get(line, "args")));
            ck_assert_str_eq(str_of(args, "result"), str_of(line, "result"));
            ck_assert_ptr_nonnull(str_of(args, "call"));
            ck_assert_msg(find_name(events, "thread_name", int_of(e, "pid"), int_of(e, "tid")),
                          "thread %lld not named", int_of(e, "tid"));
            ck_assert_msg(find_name(events, "process_name", int_of(e, "pid"), -1),
                          "process %lld not named", int_of(e, "pid"));
        } else if (strcmp(ph, "i") == 0 && strcmp(str_of(e, "cat"), "region") == 0) {
            /* at the sample that saw it: one of the starts it added or removed */
            size_t k = 1;
            while (k < r->n_samples && (int64_t)(r->samples[k].ns - t0) != ts)
                k++;
            ck_assert_msg(k < r->n_samples, "a region instant at %lld ns is at no sample",
                          (long long)ts);
            const struct rec_sample *s = &r->samples[k];
            uint64_t start = addr_of(json_object_get(json_object_get(args, "region"), "start"));
            bool up = strncmp(name, "appeared ", 9) == 0;
            ck_assert_msg(up || strncmp(name, "disappeared ", 12) == 0, "instant %s", name);
            bool listed = false;
            for (size_t j = 0; j < (up ? s->n_added : s->n_removed); j++)
                listed |= (up ? s->added[j] : s->removed[j]) == start;
            ck_assert_msg(listed, "%s 0x%llx: not in sample %zu's diff", name,
                          (unsigned long long)start, k);
            ck_assert_str_eq(name + (up ? 9 : 12),
                             str_of(json_object_get(args, "region"), "class"));
            (up ? appeared : gone)[k]++;
        }
    }
    ck_assert_uint_eq(n_rss, r->n_samples);
    ck_assert_uint_eq(n_vsz, r->n_samples);
    ck_assert_uint_eq(n_series, r->n_samples);
    ck_assert_uint_eq(n_calls, r->n_events);
    size_t n_up = 0, n_down = 0;
    for (size_t k = 1; k < r->n_samples; k++) {
        ck_assert_uint_eq(appeared[k], r->samples[k].n_added);
        ck_assert_uint_eq(gone[k], r->samples[k].n_removed);
        n_up += appeared[k];
        n_down += gone[k];
    }
    fprintf(stderr, "perfetto: %zu samples, %zu calls, %zu regions appeared, %zu disappeared\n",
            r->n_samples, n_calls, n_up, n_down);
    free(appeared);
    free(gone);
}

/* Perfetto's own importer, when installed (neither Debian nor npm packages
 * it: see tests/README.md). */
static void check_with_trace_processor(const char *trace, size_t n_calls)
{
    static const char *const names[] = {"/usr/bin/trace_processor_shell",
                                        "/usr/local/bin/trace_processor_shell",
                                        "/usr/local/bin/trace_processor"};
    const char *tp = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !tp; i++)
        if (access(names[i], X_OK) == 0)
            tp = names[i];
    if (!tp) {
        printf("perfetto: loading in Perfetto's trace processor: skipped (not installed)\n");
        return;
    }
    char query[128];
    temp_path(query, sizeof query, "query.sql");
    FILE *fp = fopen(query, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("select count(*) as calls from slice where category = 'syscall';\n", fp);
    fclose(fp);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){tp, "-q", query, trace, NULL}, (uid_t)-1, &out, &err);
    unlink(query);
    ck_assert_msg(rc == 0, "trace processor failed (%d): %s", rc, err.data ? err.data : "");
    char want[32];
    snprintf(want, sizeof want, "\n%zu\n", n_calls);
    ck_assert_msg(out.data && strstr(out.data, want), "trace processor counted: %s", out.data);
    buf_free(&out);
    buf_free(&err);
}

/* A real traced program: storyhelper's known story under record --trace. */
START_TEST(t_traced_recording)
{
    char rec[128], said[128], trace[128];
    temp_path(rec, sizeof rec, "story.jsonl");
    temp_path(said, sizeof said, "story.out");
    temp_path(trace, sizeof trace, "story.trace.json");
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-i", "0.01", "--trace", "-o", rec,
                                          "--program-output", said, "--", STORY, "story", NULL},
                         (uid_t)-1, NULL, &err);
    ck_assert_msg(rc == 0, "record failed (%d): %s", rc, err.data);
    unlink(said);
    export_trace(rec, trace);

    struct rec r;
    read_recording(rec, &r);
    ck_assert_str_eq(r.comm, "storyhelper");
    /* the story makes calls on its main thread, its thread and its child */
    ck_assert_uint_gt(r.n_events, 20);
    ck_assert_uint_ge(r.n_samples, 2);
    json_t *doc = load_json(trace);
    check_trace(doc, &r);
    /* the story's thread and fork child have tracks of their own */
    size_t tids = 0, pids = 0, i;
    json_t *e;
    json_array_foreach(json_object_get(doc, "traceEvents"), i, e) {
        if (strcmp(str_of(e, "ph"), "M") == 0) {
            tids += strcmp(str_of(e, "name"), "thread_name") == 0 && int_of(e, "tid") != r.pid;
            pids += strcmp(str_of(e, "name"), "process_name") == 0 && int_of(e, "pid") != r.pid;
        }
    }
    ck_assert_uint_ge(tids, 2);
    ck_assert_uint_ge(pids, 1);
    json_decref(doc);
    check_with_trace_processor(trace, r.n_events);

    /* FILE@N: that sample alone; a name with an '@' that is no index: the whole file */
    char one[160], at_name[160];
    snprintf(one, sizeof one, "%s@0", rec);
    export_trace(one, trace);
    doc = load_json(trace);
    size_t counters = 0, calls = 0;
    json_array_foreach(json_object_get(doc, "traceEvents"), i, e) {
        counters += strcmp(str_of(e, "ph"), "C") == 0 && strcmp(str_of(e, "name"), "RSS") == 0;
        calls += str_of(e, "cat") && strcmp(str_of(e, "cat"), "syscall") == 0;
    }
    ck_assert_uint_eq(counters, 1);
    ck_assert_uint_eq(calls, 0);
    json_decref(doc);
    temp_path(at_name, sizeof at_name, "a@b.jsonl");
    ck_assert_int_eq(link(rec, at_name), 0);
    export_trace(at_name, trace);
    doc = load_json(trace);
    check_trace(doc, &r);
    json_decref(doc);
    unlink(at_name);
    rec_free(&r);
    unlink(rec);
    unlink(trace);
    buf_free(&err);
}
END_TEST

/* ---- hostile names --------------------------------------------------- */

/* This process, renamed and with mappings named to attack a terminal or a
 * JSON reader, recorded as two samples (the second adds the named
 * mappings): the trace is strict JSON, the names come back exact where
 * they are valid UTF-8 and with a _hex twin where they are not. */
START_TEST(t_hostile_names)
{
    static const char *const names[] = {"\033]0;PWNED\007", "quote\" back\\slash",
                                        "bad\xff\xfeutf8", "rtl\xe2\x80\xae" "gnp", "nl\nname"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int fd = memfd_create(names[i], 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 4096), 0);
        ck_assert_ptr_ne(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
        close(fd);
    }
    ck_assert_int_eq(prctl(PR_SET_NAME, "\033[2J\xff\"x", 0, 0, 0), 0);
    char snap[128], rec[128], trace[128], pid[16];
    temp_path(snap, sizeof snap, "hostile.json");
    temp_path(rec, sizeof rec, "hostile.jsonl");
    temp_path(trace, sizeof trace, "hostile.trace.json");
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-f", "json", "-o",
                                                  snap, NULL},
                                 (uid_t)-1, NULL, NULL),
                     0);
    /* sample 0: without the memfds; sample 1: as captured */
    json_t *full = load_json(snap), *before = json_deep_copy(full);
    json_t *regions = json_object_get(before, "regions");
    size_t dropped = 0;
    for (size_t i = json_array_size(regions); i-- > 0;) {
        const char *path = str_of(json_array_get(regions, i), "path");
        if (path && strncmp(path, "/memfd:", 7) == 0) {
            json_array_remove(regions, i);
            dropped++;
        }
    }
    ck_assert_uint_ge(dropped, sizeof names / sizeof names[0]);
    json_object_set_new(full, "monotonic_ns",
                        json_integer(json_integer_value(json_object_get(before, "monotonic_ns")) + 1000));
    FILE *fp = fopen(rec, "w");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1,\"process\":{\"pid\":%s}}\n", pid);
    json_dumpf(before, fp, JSON_COMPACT);
    fputc('\n', fp);
    json_dumpf(full, fp, JSON_COMPACT);
    fputc('\n', fp);
    fclose(fp);
    export_trace(rec, trace);
    json_t *doc = load_json(trace); /* strict: any invalid UTF-8 fails here */
    json_t *events = json_object_get(doc, "traceEvents");
    json_t *m = find_name(events, "process_name", getpid(), -1);
    ck_assert_ptr_nonnull(m);
    /* the comm, cut to 15 bytes by the kernel, with U+FFFD for \xff and the bytes in hex */
    ck_assert_str_eq(str_of(json_object_get(m, "args"), "name"), "\033[2J\xef\xbf\xbd\"x");
    ck_assert_str_eq(str_of(json_object_get(m, "args"), "name_hex"), "1b5b324aff2278");
    size_t found = 0, i;
    json_t *e;
    json_array_foreach(events, i, e) {
        if (strcmp(str_of(e, "ph"), "i") != 0)
            continue;
        json_t *region = json_object_get(json_object_get(e, "args"), "region");
        const char *path = str_of(region, "path");
        ck_assert_str_eq(str_of(e, "name"), "appeared mmap");
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            char want[64];
            snprintf(want, sizeof want, "/memfd:%s", names[k]);
            if (k == 2) {
                if (strcmp(path, "/memfd:bad\xef\xbf\xbd\xef\xbf\xbdutf8") != 0)
                    continue;
                ck_assert_str_eq(str_of(region, "path_hex"), "2f6d656d66643a626164fffe75746638");
                found++;
            } else if (strcmp(path, want) == 0) {
                ck_assert_ptr_null(json_object_get(region, "path_hex"));
                found++;
            }
        }
    }
    ck_assert_uint_eq(found, sizeof names / sizeof names[0]);
    json_decref(doc);
    json_decref(full);
    json_decref(before);
    unlink(snap);
    unlink(rec);
    unlink(trace);
}
END_TEST

/* ---- call stacks and durations ----------------------------------------- */

/* What a recording may add to its events: vmscope.stack lines before the
 * calls that name them ("stack": N), a call's "duration_ns", lines of kinds
 * this reader does not know. The frames go into the call's arguments, a
 * timed call is a complete event from its start, nothing is refused. */
START_TEST(t_stacks_and_durations)
{
    char snap[128], rec[128], trace[128], pid[16];
    temp_path(snap, sizeof snap, "stk.json");
    temp_path(rec, sizeof rec, "stk.jsonl");
    temp_path(trace, sizeof trace, "stk.trace.json");
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-f", "json", "-o",
                                                  snap, NULL},
                                 (uid_t)-1, NULL, NULL),
                     0);
    json_t *base = load_json(snap);
    long long t = int_of(base, "monotonic_ns");
    json_t *frames = json_pack("[{s:s, s:s, s:s, s:s, s:i}, {s:s, s:s}]", "pc", "0x401136", "object",
                               "/usr/bin/prog", "function", "grow\u202e<\"x\">", "file", "prog.c",
                               "line", 42, "pc", "0x7f0000001000", "object", "/lib/libc.so.6");
    char *frames_text = json_dumps(frames, JSON_COMPACT);
    FILE *fp = fopen(rec, "w");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1,\"process\":{\"pid\":%s}}\n", pid);
    json_dumpf(base, fp, JSON_COMPACT);
    fputc('\n', fp);
    fprintf(fp, "{\"format\":\"vmscope.stack\",\"id\":1,\"frames\":%s}\n", frames_text);
    fprintf(fp, "{\"format\":\"vmscope.stack\",\"id\":3,\"frames\":\"not an array\"}\n");
    fprintf(fp, "{\"format\":\"vmscope.future\",\"anything\":[1,2]}\n");
    static const char call[] = "\"syscall\":\"mmap\",\"args\":[\"0x0\",\"0x1000\",\"0x3\","
                               "\"0x22\",\"0xffffffff\",\"0x0\"],\"result\":\"0x7f0000000000\"";
    fprintf(fp, "{\"format\":\"vmscope.event\",\"monotonic_ns\":%lld,\"pid\":%s,\"tid\":%s,%s,"
                "\"duration_ns\":2500,\"stack\":1}\n", t + 10000, pid, pid, call);
    fprintf(fp, "{\"format\":\"vmscope.event\",\"monotonic_ns\":%lld,\"pid\":%s,\"tid\":%s,%s,"
                "\"stack\":2}\n", t + 20000, pid, pid, call);
    fprintf(fp, "{\"format\":\"vmscope.event\",\"monotonic_ns\":%lld,\"pid\":%s,\"tid\":%s,%s,"
                "\"stack\":3}\n", t + 30000, pid, pid, call);
    fprintf(fp, "{\"format\":\"vmscope.event\",\"monotonic_ns\":%lld,\"pid\":%s,\"tid\":%s,%s}\n",
            t + 40000, pid, pid, call);
    fclose(fp);
    export_trace(rec, trace);
    json_t *doc = load_json(trace);
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(json_object_get(doc, "traceEvents"), i, e) {
        if (!str_of(e, "cat") || strcmp(str_of(e, "cat"), "syscall") != 0)
            continue;
        json_t *args = json_object_get(e, "args"), *stack = json_object_get(args, "stack");
        switch (n++) {
        case 0: /* timed, with its frames */
            ck_assert_str_eq(str_of(e, "ph"), "X");
            ck_assert_int_eq(ts_ns(e), 10000 - 2500);
            ck_assert_int_eq(llround(json_number_value(json_object_get(e, "dur")) * 1000), 2500);
            ck_assert_int_eq(int_of(stack, "id"), 1);
            ck_assert_msg(json_equal(json_object_get(stack, "frames"), frames), "frames differ");
            break;
        case 1: /* a stack never given, and one whose line made no sense: the id alone */
        case 2:
            ck_assert_str_eq(str_of(e, "ph"), "i");
            ck_assert_int_eq(int_of(stack, "id"), n == 2 ? 2 : 3);
            ck_assert_ptr_null(json_object_get(stack, "frames"));
            break;
        default: /* no stack */
            ck_assert_str_eq(str_of(e, "ph"), "i");
            ck_assert_int_eq(ts_ns(e), 40000);
            ck_assert_ptr_null(stack);
        }
    }
    ck_assert_uint_eq(n, 4);
    /* replay and diff read the same file (the extra lines are not samples) */
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", rec, snap, NULL}, (uid_t)-1, NULL,
                                 NULL),
                     0);
    json_decref(doc);
    json_decref(frames);
    json_decref(base);
    free(frames_text);
    unlink(snap);
    unlink(rec);
    unlink(trace);
}
END_TEST

/* ---- memory ---------------------------------------------------------- */

/* A recording of samples samples: a real snapshot of this process as the
 * first keyframe, then deltas that each add one page and remove the one
 * before, a keyframe every 100, and four traced calls per sample from four
 * threads. Returns the number of event lines written. */
static size_t make_recording(const char *path, const char *snap_path, size_t samples)
{
    json_t *base = load_json(snap_path);
    long long pid = int_of(json_object_get(base, "process"), "pid");
    uint64_t t = (uint64_t)int_of(base, "monotonic_ns");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    json_t *totals = json_object_get(base, "totals");
    unsigned long long rss = (unsigned long long)int_of(totals, "rss") + 4096,
                       vsz = (unsigned long long)int_of(totals, "vsz") + 4096;
    fprintf(fp, "{\"format\":\"vmscope.recording\",\"version\":1,\"process\":{\"pid\":%lld,"
                "\"comm\":\"%s\"}}\n",
            pid, str_of(json_object_get(base, "process"), "comm"));
    size_t events = 0;
    for (size_t k = 0; k < samples; k++, t += 10000000) {
        /* below the program and ASan's shadow (from 0x7fff8000): free */
        uint64_t page = 0x20000000ull + (uint64_t)k * 0x1000;
        if (k % 100 == 0) {
            json_t *key = json_deep_copy(base);
            json_object_set_new(key, "monotonic_ns", json_integer((json_int_t)t));
            json_t *kt = json_object_get(key, "totals");
            json_object_set_new(kt, "rss", json_integer((json_int_t)rss));
            json_object_set_new(kt, "vsz", json_integer((json_int_t)vsz));
            char start[32], end[32];
            snprintf(start, sizeof start, "0x%llx", (unsigned long long)page);
            snprintf(end, sizeof end, "0x%llx", (unsigned long long)page + 4096);
            json_t *regions = json_object_get(key, "regions");
            size_t at = 0; /* in address order */
            while (at < json_array_size(regions) &&
                   addr_of(json_object_get(json_array_get(regions, at), "start")) < page)
                at++;
            json_array_insert_new(regions, at,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "start", start,
                                            "end", end, "perms", "rw-p", "path", "", "class",
                                            "mmap", "subclass", "anon", "rss", 4096));
            json_dumpf(key, fp, JSON_COMPACT);
            fputc('\n', fp);
            json_decref(key);
        } else {
            fprintf(fp,
                    "{\"format\":\"vmscope.delta\",\"monotonic_ns\":%llu,\"totals\":{\"vsz\":%llu,"
                    "\"rss\":%llu},\"added\":[{\"start\":"
                    "\"0x%llx\",\"end\":\"0x%llx\",\"perms\":\"rw-p\",\"path\":\"\",\"class\":"
                    "\"mmap\",\"subclass\":\"anon\",\"rss\":4096}],\"removed\":[\"0x%llx\"],"
                    "\"changed\":[]}\n",
                    (unsigned long long)t, vsz, rss, (unsigned long long)page,
                    (unsigned long long)page + 4096, (unsigned long long)page - 0x1000);
        }
        for (int j = 0; j < 4; j++, events++)
            fprintf(fp,
                    "{\"format\":\"vmscope.event\",\"monotonic_ns\":%llu,\"pid\":%lld,\"tid\":%lld,"
                    "\"syscall\":\"mmap\",\"args\":[\"0x0\",\"0x1000\",\"0x3\",\"0x22\","
                    "\"0xffffffff\",\"0x0\"],\"result\":\"0x%llx\"}\n",
                    (unsigned long long)t + 1000 + (unsigned long long)j, pid, pid + j,
                    (unsigned long long)page);
    }
    fclose(fp);
    json_decref(base);
    return events;
}

/* Peak RSS of the export in KiB; checks the trace has every call. */
static long export_peak_kib(const char *rec, const char *trace, size_t events)
{
    struct rusage ru;
    struct buf err;
    buf_init(&err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run_command_usage((const char *[]){"vmscope", "export", rec, "-f", "perfetto", "-o",
                                                trace, NULL},
                               (uid_t)-1, NULL, &err, &ru);
    ck_assert_msg(rc == 0, "export failed (%d): %s", rc, err.data ? err.data : "");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "perfetto: %s exported in %.2f s\n", rec,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    buf_free(&err);
    /* count the calls without loading the whole trace */
    FILE *fp = fopen(trace, "r");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0, calls = 0;
    while (getline(&line, &cap, fp) > 0)
        calls += strstr(line, "\"cat\":\"syscall\"") != NULL;
    free(line);
    fclose(fp);
    ck_assert_uint_eq(calls, events);
    return ru.ru_maxrss;
}

/* A recording ten times larger exports in the same memory. */
START_TEST(t_memory_bounded)
{
    char snap[128], small[128], large[128], trace[128], pid[16];
    temp_path(snap, sizeof snap, "base.json");
    temp_path(small, sizeof small, "small.jsonl");
    temp_path(large, sizeof large, "large.jsonl");
    temp_path(trace, sizeof trace, "big.trace.json");
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-f", "json", "-o",
                                                  snap, NULL},
                                 (uid_t)-1, NULL, NULL),
                     0);
    size_t ev_small = make_recording(small, snap, 1000);
    size_t ev_large = make_recording(large, snap, 10000);
    struct stat st_small, st_large;
    ck_assert_int_eq(stat(small, &st_small), 0);
    ck_assert_int_eq(stat(large, &st_large), 0);
    /* ru_maxrss counts the child from the fork, a copy of this process:
     * both are measured before this process loads any trace */
    long kib_large = export_peak_kib(large, trace, ev_large);
    long kib_small = export_peak_kib(small, trace, ev_small);
    struct stat st_trace;
    ck_assert_int_eq(stat(trace, &st_trace), 0);
    /* the small one in full: every sample removes a region and adds one */
    struct rec r;
    read_recording(small, &r);
    json_t *doc = load_json(trace);
    check_trace(doc, &r);
    json_decref(doc);
    rec_free(&r);
    fprintf(stderr,
            "perfetto: %lld-byte recording (trace %lld bytes): peak RSS %ld KiB; %lld bytes: %ld KiB\n",
            (long long)st_small.st_size, (long long)st_trace.st_size, kib_small,
            (long long)st_large.st_size, kib_large);
#ifndef UNDER_ASAN
    ck_assert_msg(kib_large <= kib_small + 2048, "peak RSS grew with the file: %ld -> %ld KiB",
                  kib_small, kib_large);
    ck_assert_msg(kib_large <= 32 * 1024, "peak RSS %ld KiB", kib_large);
#endif
    unlink(snap);
    unlink(small);
    unlink(large);
    unlink(trace);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("perfetto");
    TCase *tc = tcase_create("export -f perfetto");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, t_traced_recording);
    tcase_add_test(tc, t_hostile_names);
    tcase_add_test(tc, t_stacks_and_durations);
    tcase_add_test(tc, t_memory_bounded);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
