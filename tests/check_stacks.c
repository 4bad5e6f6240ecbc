/* The call stacks of traced calls (issue 14): vmscope record --trace on
 * tests/helpers/storyhelper's known call chains ("stacks" mode), checked
 * against the helper's own symbols (nm), addr2line and the recording's
 * event lines; vmscope callsites; and the model's pure functions. */
#include "testlib.h"
#include "vmscope/callsites.h"
#include "vmscope/recording.h"
#include "vmscope/stack.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORY TEST_BUILDDIR "/tests/helpers/storyhelper"
#define PAGE 4096u

static void temp_path(char *path, size_t size, const char *suffix)
{
    snprintf(path, size, "/tmp/vmscope-stacks-%d-%s", (int)getpid(), suffix);
}

static bool have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* A symbol's [start, end) in the helper, from nm -S (the ground truth). */
static bool nm_symbol(const char *binary, const char *name, uint64_t *start, uint64_t *end)
{
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd, "nm -S '%s'", binary);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    bool found = false;
    while (fgets(line, sizeof line, p)) {
        unsigned long long a, s;
        char type, sym[256];
        if (sscanf(line, "%llx %llx %c %255s", &a, &s, &type, sym) == 4 &&
            strcmp(sym, name) == 0) {
            *start = a;
            *end = a + s;
            found = true;
        }
    }
    pclose(p);
    return found;
}

static uint64_t hexval(json_t *v)
{
    const char *x = json_string_value(v);
    ck_assert_ptr_nonnull(x);
    return strtoull(x, NULL, 16);
}

struct rec {
    json_t *stacks; /* id (as a string) -> frames */
    json_t *events; /* the memory calls' event lines, in order */
    json_t *ends;   /* the execve and exit_group lines of child processes */
};

/* Reads a recording's stack and event lines; each stack line must come
 * once, before the first event that uses it. */
static struct rec read_rec(const char *path)
{
    struct rec r = {json_object(), json_array(), json_array()};
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        bool stack = strstr(line, "\"vmscope.stack\"") != NULL;
        if (!stack && !strstr(line, "\"vmscope.event\""))
            continue;
        json_error_t err;
        json_t *doc = json_loads(line, 0, &err);
        ck_assert_msg(doc, "not JSON: %s", err.text);
        if (stack) {
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(doc, "id")));
            ck_assert_msg(!json_object_get(r.stacks, id), "stack %s written twice", id);
            json_object_set(r.stacks, id, json_object_get(doc, "frames"));
            json_decref(doc);
        } else {
            json_t *st = json_object_get(doc, "stack");
            if (st) {
                char id[32];
                snprintf(id, sizeof id, "%lld", (long long)json_integer_value(st));
                ck_assert_msg(json_object_get(r.stacks, id), "stack %s used before its line", id);
            }
            const char *call = json_string_value(json_object_get(doc, "syscall"));
            bool end = call && (!strcmp(call, "execve") || !strcmp(call, "exit_group"));
            json_array_append_new(end ? r.ends : r.events, doc);
        }
    }
    free(line);
    fclose(fp);
    return r;
}

static void rec_free(struct rec *r)
{
    json_decref(r->stacks);
    json_decref(r->events);
    json_decref(r->ends);
}

static json_t *frames_of(const struct rec *r, json_t *event)
{
    char id[32];
    json_t *st = json_object_get(event, "stack");
    if (!st)
        return NULL;
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(st));
    return json_object_get(r->stacks, id);
}

/* The events between the helper's markers that are mmaps of `pages` pages. */
static json_t *story_mmap(const struct rec *r, uint64_t pages)
{
    bool in = false;
    size_t i;
    json_t *e;
    json_array_foreach(r->events, i, e) {
        const char *call = json_string_value(json_object_get(e, "syscall"));
        json_t *args = json_object_get(e, "args");
        if (strcmp(call, "madvise") == 0 && hexval(json_array_get(args, 0)) == 0 &&
            hexval(json_array_get(args, 1)) == 0) {
            in = !in;
            continue;
        }
        if (in && strcmp(call, "mmap") == 0 && hexval(json_array_get(args, 1)) == pages * PAGE)
            return e;
    }
    return NULL;
}

static bool frames_have(json_t *frames, const char *fn)
{
    size_t i;
    json_t *f;
    json_array_foreach(frames, i, f) {
        const char *got = json_string_value(json_object_get(f, "function"));
        if (got && strcmp(got, fn) == 0)
            return true;
    }
    return false;
}

/* record --trace of binary mode into rec; with said, the program's own
 * output goes there (--program-output). */
static void record_mode_saying(const char *binary, const char *mode, const char *rec,
                               const char *said)
{
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    const char *argv[16] = {"vmscope", "record", "-i", "60", "--trace", "-o", rec};
    int n = 7;
    if (said) {
        argv[n++] = "--program-output";
        argv[n++] = said;
    }
    argv[n++] = "--";
    argv[n++] = binary;
    argv[n++] = mode;
    argv[n] = NULL;
    int rc = run_command(argv, (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "record failed (%d): %s", rc, err.data);
    buf_free(&out);
    buf_free(&err);
}

static void record_mode(const char *binary, const char *mode, const char *rec)
{
    record_mode_saying(binary, mode, rec, NULL);
}

static void record_stacks(const char *binary, const char *rec, bool trace)
{
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-i", "60", trace ? "--trace" : "-i",
                                          trace ? "-o" : "60", trace ? rec : "-o",
                                          trace ? "--" : rec, trace ? binary : "--",
                                          trace ? "stacks" : binary, trace ? NULL : "stacks", NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "record failed (%d): %s", rc, err.data);
    buf_free(&out);
    buf_free(&err);
}

/* --trace=calls: every call is still traced, none has a stack. */
START_TEST(t_trace_calls_has_no_stacks)
{
    char rec[128];
    temp_path(rec, sizeof rec, "calls.jsonl");
    record_mode(STORY, "stacks", rec); /* with stacks, for the count */
    struct rec with = read_rec(rec);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-i", "60", "--trace=calls", "-o",
                                          rec, "--", STORY, "stacks", NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "record --trace=calls failed (%d): %s", rc, err.data);
    struct rec r = read_rec(rec);
    ck_assert_uint_eq(json_object_size(r.stacks), 0);
    ck_assert_ptr_nonnull(story_mmap(&r, 8)); /* the calls are there */
    ck_assert_ptr_nonnull(story_mmap(&r, 3));
    size_t i;
    json_t *e;
    json_array_foreach(r.events, i, e)
        ck_assert_ptr_null(json_object_get(e, "stack"));
    ck_assert_uint_gt(json_object_size(with.stacks), 0);
    /* the same program, the same calls (the loader's and libc's too) */
    ck_assert_uint_eq(json_array_size(r.events), json_array_size(with.events));
    rc = run_command((const char *[]){"vmscope", "record", "--trace=frames", "-o", rec, "--", STORY,
                                      "stacks", NULL},
                     (uid_t)-1, &out, &err);
    ck_assert_int_eq(rc, 2);
    rec_free(&r);
    rec_free(&with);
    unlink(rec);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* Frame k of frames names function fn, inside fn's bytes per nm. */
static void assert_frame_is(json_t *frames, size_t k, const char *binary, const char *fn)
{
    json_t *f = json_array_get(frames, k);
    ck_assert_msg(f, "no frame %zu (wanted %s)", k, fn);
    uint64_t start, end;
    ck_assert_msg(nm_symbol(binary, fn, &start, &end), "nm does not know %s", fn);
    const char *got = json_string_value(json_object_get(f, "function"));
    ck_assert_msg(got && strcmp(got, fn) == 0, "frame %zu is %s, not %s", k, got ? got : "?", fn);
    ck_assert_str_eq(json_string_value(json_object_get(f, "object")), binary);
    /* a return address: the call is the byte before it */
    uint64_t at = hexval(json_object_get(f, "object_offset")) - 1;
    ck_assert_msg(at >= start && at < end, "%s's frame at %#llx is outside [%#llx, %#llx)", fn,
                  (unsigned long long)at, (unsigned long long)start, (unsigned long long)end);
}

/* Where the caller's frame of the libc mmap wrapper is: stack_map_leaf. */
static size_t leaf_index(json_t *frames)
{
    size_t i;
    json_t *f;
    json_array_foreach(frames, i, f) {
        const char *fn = json_string_value(json_object_get(f, "function"));
        if (fn && strcmp(fn, "stack_map_leaf") == 0)
            return i;
    }
    ck_abort_msg("no stack_map_leaf frame");
    return 0;
}

START_TEST(t_stacks_name_the_chain)
{
    char rec[128];
    temp_path(rec, sizeof rec, "chain.jsonl");
    record_stacks(STORY, rec, true);
    struct rec r = read_rec(rec);
    json_t *big = story_mmap(&r, 8), *small = story_mmap(&r, 3);
    ck_assert_msg(big && small, "the helper's mmaps were not traced");
    json_t *fb = frames_of(&r, big), *fs = frames_of(&r, small);
    ck_assert_msg(fb && fs, "the helper's mmaps have no stack");
    size_t k = leaf_index(fb);
    ck_assert_uint_le(k, 1); /* the libc wrapper, if anything, is below it */
    if (k == 1) /* libc, mapped by the loader after exec: the module list was read again */
        ck_assert_ptr_nonnull(json_object_get(json_array_get(fb, 0), "object"));
    assert_frame_is(fb, k + 1, STORY, "stack_make_buffer");
    assert_frame_is(fb, k + 2, STORY, "stack_outer_setup");
    assert_frame_is(fb, k + 3, STORY, "main");
    k = leaf_index(fs);
    assert_frame_is(fs, k + 1, STORY, "stack_outer_setup");
    assert_frame_is(fs, k + 2, STORY, "main");

    /* file:line from DWARF is addr2line's for the same address */
    if (have_tool("addr2line")) {
        json_t *f = json_array_get(fb, leaf_index(fb) + 1);
        char cmd[512], line[512] = "";
        snprintf(cmd, sizeof cmd, "addr2line -e '%s' %#llx", STORY,
                 (unsigned long long)hexval(json_object_get(f, "object_offset")) - 1);
        FILE *p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
        pclose(p);
        char *colon = strrchr(line, ':');
        ck_assert_ptr_nonnull(colon);
        *colon = '\0';
        const char *file = json_string_value(json_object_get(f, "file"));
        ck_assert_ptr_nonnull(file);
        const char *base = strrchr(file, '/'), *want = strrchr(line, '/');
        ck_assert_str_eq(base ? base + 1 : file, want ? want + 1 : line);
        ck_assert_int_eq((int)json_integer_value(json_object_get(f, "line")), atoi(colon + 1));
    } else {
        fprintf(stderr, "skipped: file:line against addr2line (no addr2line)\n");
    }
    rec_free(&r);
    unlink(rec);
}
END_TEST

/* A stripped copy: the same frames as object + offset, no names. */
START_TEST(t_stripped_gives_object_offset)
{
    if (!have_tool("objcopy") || !have_tool("nm")) {
        fprintf(stderr, "skipped: no objcopy\n");
        return;
    }
    char bin[128], rec[128], rec2[128], cmd[512];
    temp_path(bin, sizeof bin, "stripped");
    temp_path(rec, sizeof rec, "stripped.jsonl");
    temp_path(rec2, sizeof rec2, "full.jsonl");
    snprintf(cmd, sizeof cmd, "objcopy --strip-all '%s' '%s'", STORY, bin);
    ck_assert_int_eq(system(cmd), 0);
    record_stacks(bin, rec, true);
    record_stacks(STORY, rec2, true);
    struct rec r = read_rec(rec), full = read_rec(rec2);
    json_t *fs = frames_of(&r, story_mmap(&r, 8)), *ff = frames_of(&full, story_mmap(&full, 8));
    ck_assert_ptr_nonnull(fs);
    ck_assert_ptr_nonnull(ff);
    size_t k = leaf_index(ff);
    for (size_t i = k; i < k + 4; i++) { /* leaf, make_buffer, outer_setup, main */
        json_t *s = json_array_get(fs, i), *f = json_array_get(ff, i);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(json_string_value(json_object_get(s, "object")), bin);
        ck_assert_ptr_null(json_object_get(s, "function"));
        ck_assert_uint_eq(hexval(json_object_get(s, "object_offset")),
                          hexval(json_object_get(f, "object_offset")));
    }
    rec_free(&r);
    rec_free(&full);
    unlink(rec);
    unlink(rec2);
    unlink(bin);
}
END_TEST

/* Code no object holds (a JIT's) ends the stack at its own frame: nothing
 * guessed past it, and the tracer goes on. */
START_TEST(t_jit_ends_the_stack)
{
#if defined(__x86_64__)
    char rec[128];
    temp_path(rec, sizeof rec, "jit.jsonl");
    record_mode(STORY, "jit", rec);
    struct rec r = read_rec(rec);
    uint64_t code = 0;
    size_t i;
    json_t *e, *jit = NULL;
    json_array_foreach(r.events, i, e) {
        json_t *args = json_object_get(e, "args");
        if (strcmp(json_string_value(json_object_get(e, "syscall")), "mmap") != 0)
            continue;
        if (hexval(json_array_get(args, 2)) == 7) /* the RWX page of the code */
            code = hexval(json_object_get(e, "result"));
        else if (code && hexval(json_array_get(args, 1)) == PAGE &&
                 hexval(json_array_get(args, 2)) == 3)
            jit = e;
    }
    ck_assert_msg(code && jit, "the JIT's mmap was not traced");
    json_t *frames = frames_of(&r, jit);
    ck_assert_ptr_nonnull(frames);
    ck_assert_uint_eq(json_array_size(frames), 1);
    json_t *f = json_array_get(frames, 0);
    uint64_t pc = hexval(json_object_get(f, "pc"));
    ck_assert_msg(pc > code && pc < code + PAGE, "frame 0 at %#llx is not in the code at %#llx",
                  (unsigned long long)pc, (unsigned long long)code);
    ck_assert_ptr_null(json_object_get(f, "object"));
    rec_free(&r);
    unlink(rec);
#else
    fprintf(stderr, "skipped: the JIT case is x86-64 code\n");
#endif
}
END_TEST

/* The thread's calls carry the thread's stack, the fork child's its own. */
START_TEST(t_threads_and_children_have_their_stacks)
{
    char rec[128];
    temp_path(rec, sizeof rec, "story.jsonl");
    record_mode(STORY, "story", rec);
    struct rec r = read_rec(rec);
    long pid = (long)json_integer_value(json_object_get(json_array_get(r.events, 0), "pid"));
    size_t i, in_thread = 0, in_child = 0;
    json_t *e;
    json_array_foreach(r.events, i, e) {
        long epid = (long)json_integer_value(json_object_get(e, "pid")),
             tid = (long)json_integer_value(json_object_get(e, "tid"));
        json_t *frames = frames_of(&r, e);
        ck_assert_msg(frames, "event %zu has no stack", i);
        if (frames_have(frames, "thread_main")) {
            ck_assert_int_ne(tid, pid); /* only the thread calls from there */
            ck_assert(frames_have(frames, "start_thread"));
            in_thread++;
        } else if (epid != pid && epid) {
            ck_assert_msg(frames_have(frames, "story"), "the child's call %zu is not story's", i);
            /* named by its program: the child's comm, as the kernel has it */
            ck_assert_str_eq(json_string_value(json_object_get(e, "comm")), "storyhelper");
            in_child++;
        }
        if (epid == pid)
            ck_assert_ptr_null(json_object_get(e, "comm")); /* the launched program's own */
    }
    ck_assert_uint_gt(in_thread, 0);
    ck_assert_uint_eq(in_child, 2); /* its mmap and munmap of 3 pages */
    /* and the child's end, exit status 0, after its calls; no line for the
     * launched program's own start or end */
    ck_assert_uint_eq(json_array_size(r.ends), 1);
    json_t *end = json_array_get(r.ends, 0);
    ck_assert_str_eq(json_string_value(json_object_get(end, "syscall")), "exit_group");
    ck_assert_int_ne(json_integer_value(json_object_get(end, "pid")), pid);
    ck_assert_uint_eq(hexval(json_array_get(json_object_get(end, "args"), 0)), 0);

    /* the kept 2 MiB: still mapped at the end, its 100 written pages resident */
    char out_path[128];
    temp_path(out_path, sizeof out_path, "story.json");
    int rc = run_command((const char *[]){"vmscope", "callsites", rec, "-f", "json", "-o",
                                          out_path, NULL},
                         (uid_t)-1, NULL, NULL);
    ck_assert_int_eq(rc, 0);
    json_error_t jerr;
    json_t *doc = json_load_file(out_path, 0, &jerr);
    ck_assert_msg(doc, "callsites JSON: %s", jerr.text);
    json_t *site, *keep = NULL;
    json_array_foreach(json_object_get(doc, "sites"), i, site) {
        if (json_integer_value(json_object_get(site, "mapped")) == 2 << 20 &&
            json_integer_value(json_object_get(site, "calls")) == 1 &&
            frames_have(json_object_get(site, "frames"), "story"))
            keep = site;
    }
    ck_assert_msg(keep, "no call site of story mapped the kept 2 MiB");
    ck_assert_int_eq(json_integer_value(json_object_get(keep, "live")), 2 << 20);
    ck_assert_int_eq(json_integer_value(json_object_get(keep, "freed")), 0);
    json_int_t resident = json_integer_value(json_object_get(keep, "resident"));
    ck_assert_msg(resident >= 100 * PAGE && resident <= 104 * PAGE,
                  "the kept mapping's resident share is %lld bytes, not 100 pages",
                  (long long)resident);
    json_decref(doc);
    unlink(out_path);
    rec_free(&r);
    unlink(rec);
}
END_TEST

/* callsites -f json: per stack, the calls and the mmap bytes of the
 * recording's own event lines. */
START_TEST(t_callsites_totals)
{
    char rec[128], out_path[128];
    temp_path(rec, sizeof rec, "sites.jsonl");
    temp_path(out_path, sizeof out_path, "sites.json");
    record_stacks(STORY, rec, true);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "callsites", rec, "-f", "json", "-o",
                                          out_path, NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "callsites failed (%d): %s", rc, err.data);
    json_error_t jerr;
    json_t *doc = json_load_file(out_path, 0, &jerr);
    ck_assert_msg(doc, "callsites JSON: %s", jerr.text);
    struct rec r = read_rec(rec);
    size_t i, j, checked = 0;
    json_t *site, *e;
    uint64_t all_calls = 0;
    json_array_foreach(json_object_get(doc, "sites"), i, site) {
        json_int_t id = json_integer_value(json_object_get(site, "stack"));
        uint64_t calls = 0, mmap_bytes = 0;
        bool other_growth = false;
        json_array_foreach(r.events, j, e) {
            json_t *st = json_object_get(e, "stack");
            if (!st || json_integer_value(st) != id)
                continue;
            calls++;
            const char *call = json_string_value(json_object_get(e, "syscall"));
            if (strcmp(call, "mmap") == 0 && !json_object_get(e, "error"))
                mmap_bytes += (hexval(json_array_get(json_object_get(e, "args"), 1)) + PAGE - 1) &
                              ~(uint64_t)(PAGE - 1);
            other_growth |= strcmp(call, "brk") == 0 || strcmp(call, "mremap") == 0;
        }
        ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(site, "calls")), calls);
        all_calls += calls;
        if (!other_growth) {
            ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(site, "mapped")),
                              mmap_bytes);
            checked++;
        }
    }
    ck_assert_uint_gt(checked, 3);
    ck_assert_uint_eq(all_calls, json_array_size(r.events));
    ck_assert_uint_eq(
        (uint64_t)json_integer_value(json_object_get(json_object_get(doc, "total"), "calls")),
        json_array_size(r.events));

    /* the text form names the chain as a tree */
    buf_reset(&out);
    rc = run_command((const char *[]){"vmscope", "callsites", rec, NULL}, (uid_t)-1, &out, &err);
    ck_assert_int_eq(rc, 0);
    const char *outer = strstr(out.data, "stack_outer_setup");
    ck_assert_ptr_nonnull(outer);
    ck_assert_ptr_nonnull(strstr(outer, "stack_make_buffer"));
    json_decref(doc);
    rec_free(&r);
    unlink(rec);
    unlink(out_path);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* What a child process maps and never unmaps goes with it: its end
 * (exit_group) and an exec (execve) free its ranges, so Call sites count
 * them freed, not live. Ground truth: the helper's own pids and statuses. */
START_TEST(t_child_end_frees_its_mappings)
{
    char rec[128], said[128], out_path[128];
    temp_path(rec, sizeof rec, "forkleak.jsonl");
    temp_path(said, sizeof said, "forkleak.out");
    temp_path(out_path, sizeof out_path, "forkleak.json");
    record_mode_saying(STORY, "forkleak", rec, said);
    size_t len = 0;
    char *text = test_read_file(said, &len);
    const char *done = text ? strstr(text, "forkleak done ") : NULL;
    ck_assert_msg(done, "the helper said: %s", text ? text : "(nothing)");
    long a = 0, b = 0;
    ck_assert_int_eq(sscanf(done, "forkleak done %ld %ld", &a, &b), 2);
    free(text);
    unlink(said);
    struct rec r = read_rec(rec);
    /* a's end (status 3), b's exec, then the end of b's new program (true: 0) */
    ck_assert_uint_eq(json_array_size(r.ends), 3);
    const char *want[3] = {"exit_group", "execve", "exit_group"};
    long who[3] = {a, b, b};
    uint64_t status[3] = {3, 0, 0};
    for (size_t k = 0; k < 3; k++) {
        json_t *end = json_array_get(r.ends, k);
        ck_assert_str_eq(json_string_value(json_object_get(end, "syscall")), want[k]);
        ck_assert_int_eq(json_integer_value(json_object_get(end, "pid")), who[k]);
        if (k != 1)
            ck_assert_uint_eq(hexval(json_array_get(json_object_get(end, "args"), 0)), status[k]);
    }
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "callsites", rec, "-f", "json", "-o",
                                          out_path, NULL},
                         (uid_t)-1, NULL, &err);
    ck_assert_msg(rc == 0, "callsites failed (%d): %s", rc, err.data);
    json_error_t jerr;
    json_t *doc = json_load_file(out_path, 0, &jerr);
    ck_assert_msg(doc, "callsites JSON: %s", jerr.text);
    size_t i;
    json_t *site;
    json_int_t calls = 0, mapped = 0, freed = 0, live = 0; /* two sites: two call lines */
    json_array_foreach(json_object_get(doc, "sites"), i, site) {
        if (!frames_have(json_object_get(site, "frames"), "leak_map"))
            continue;
        calls += json_integer_value(json_object_get(site, "calls"));
        mapped += json_integer_value(json_object_get(site, "mapped"));
        freed += json_integer_value(json_object_get(site, "freed"));
        live += json_integer_value(json_object_get(site, "live"));
    }
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(mapped, 12 * PAGE);
    ck_assert_int_eq(freed, 12 * PAGE);
    ck_assert_int_eq(live, 0);
    /* the two ends are not calls of a site */
    ck_assert_uint_eq(
        (uint64_t)json_integer_value(json_object_get(json_object_get(doc, "total"), "calls")),
        json_array_size(r.events));
    json_decref(doc);
    rec_free(&r);
    unlink(out_path);
    unlink(rec);
    buf_free(&err);
}
END_TEST

START_TEST(t_callsites_needs_trace)
{
    char rec[128];
    temp_path(rec, sizeof rec, "untraced.jsonl");
    record_stacks(STORY, rec, false);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "callsites", rec, NULL}, (uid_t)-1, &out,
                         &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_ptr_nonnull(strstr(err.data, "--trace"));
    ck_assert_ptr_eq(strchr(err.data, '\n'), err.data + err.len - 1); /* one line */
    ck_assert_uint_eq(out.len, 0);
    unlink(rec);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* The model over a made-up event list. */
START_TEST(t_model_origin_and_growers)
{
    struct stack_table *t = stack_table_new();
    struct stack_frame a = {.pc = 0x1000, .function = "a"}, b = {.pc = 0x2000, .function = "b"};
    const struct stack *sa = stack_table_intern(t, &a, 1), *sb = stack_table_intern(t, &b, 1);
    ck_assert_ptr_eq(stack_table_intern(t, &a, 1), sa);
    struct syscall_event ev[] = {
        {.pid = 1, .call = TC_BRK, .args = {0}, .result = 0x10000, .stack = sa},
        {.pid = 1, .call = TC_BRK, .args = {0x30000}, .result = 0x30000, .stack = sa},
        {.pid = 1, .call = TC_BRK, .args = {0x80000}, .result = 0x80000, .stack = sb},
        {.pid = 1, .call = TC_MMAP, .args = {0, 0x5000, 3, 0x22, -1ull, 0}, .result = 0x700000,
         .stack = sa},
        {.pid = 1, .call = TC_MPROTECT, .args = {0x701000, 0x1000, 1}, .result = 0, .stack = sb},
        {.pid = 1, .call = TC_MUNMAP, .args = {0x703000, 0x2000}, .result = 0, .stack = sb},
    };
    size_t n = sizeof ev / sizeof ev[0];
    struct region_origin o;
    region_origin_find(ev, n, 1, 0x700000, 0x703000, &o);
    ck_assert_ptr_eq(o.created, &ev[3]);
    ck_assert_ptr_eq(o.changed, &ev[4]); /* the mprotect in it; the munmap is past it */
    region_origin_find(ev, n, 1, 0x10000, 0x80000, &o);
    ck_assert_ptr_eq(o.created, &ev[1]);
    ck_assert_ptr_eq(o.changed, &ev[2]);
    struct callsite *g;
    size_t ng = callsites_heap_growers(ev, n, 1, &g);
    ck_assert_uint_eq(ng, 2);
    ck_assert_ptr_eq(g[0].stack, sb);
    ck_assert_uint_eq(g[0].mapped, 0x50000);
    ck_assert_uint_eq(g[1].mapped, 0x20000);
    free(g);
    /* the ledger of the same calls answers the same */
    struct callsite_ledger *l = callsite_ledger_new(0);
    for (size_t i = 0; i < n; i++)
        callsite_ledger_add(l, &ev[i]);
    struct syscall_event made;
    ck_assert(callsite_ledger_made(l, 1, 0x700000, 0x703000, &made));
    ck_assert_int_eq(made.call, TC_MMAP);
    ck_assert_uint_eq((uint64_t)made.result, 0x700000);
    ck_assert(callsite_ledger_made(l, 1, 0x10000, 0x80000, &made));
    ck_assert_int_eq(made.call, TC_BRK);
    ck_assert_uint_eq(made.args[0], 0x30000); /* the first growth into it */
    ck_assert(!callsite_ledger_made(l, 1, 0x703000, 0x705000, &made)); /* unmapped since */
    ck_assert(!callsite_ledger_made(l, 2, 0x700000, 0x703000, &made)); /* another process */
    /* the last change: the mprotect in it, as region_origin_find says */
    struct syscall_event changed;
    ck_assert(callsite_ledger_changed(l, 1, 0x700000, 0x703000, &changed));
    ck_assert_int_eq(changed.call, TC_MPROTECT);
    /* the part the mprotect left alone: its range's newest touch is not of it */
    ck_assert(!callsite_ledger_changed(l, 1, 0x702000, 0x703000, &changed));
    ck_assert(callsite_ledger_changed(l, 1, 0x10000, 0x80000, &changed));
    ck_assert_ptr_eq(changed.stack, sb); /* the last brk that grew into it */
    ck_assert(!callsite_ledger_changed(l, 1, 0x703000, 0x705000, &changed)); /* unmapped */
    ng = callsite_ledger_heap_growers(l, 1, 0x10000, 0x80000, &g);
    ck_assert_uint_eq(ng, 2);
    ck_assert_ptr_eq(g[0].stack, sb);
    ck_assert_uint_eq(g[0].mapped, 0x50000);
    ck_assert_ptr_eq(g[1].stack, sa);
    ck_assert_uint_eq(g[1].mapped, 0x20000);
    ck_assert_uint_eq(g[0].calls, 1); /* one growth each still mapped */
    ck_assert_uint_eq(g[1].calls, 1);
    free(g);
    callsite_ledger_free(l);
    struct callsite_report r;
    callsites_compute(ev, n, NULL, &r);
    ck_assert_uint_eq(r.total.calls, n);
    ck_assert_uint_eq(r.total.mapped, 0x20000 + 0x50000 + 0x5000);
    ck_assert_uint_eq(r.total.freed, 0x2000);
    ck_assert_uint_eq(r.total.live, 0x70000 + 0x3000);
    callsites_free(&r);
    stack_table_free(t);
}
END_TEST

/* The ledger over a long random trace (50,000 calls, more than the view's
 * log keeps) against a page-by-page model: two processes each own 512
 * pages of a window that mmap (MAP_FIXED or not), munmap and brk map and
 * unmap at random; each page remembers the site that mapped it. Every
 * site's mapped, freed, live and call count must be the model's, fed at
 * once or in two halves with a report between. */
#define ORACLE_PAGES 512
#define ORACLE_SITES 6
START_TEST(t_ledger_matches_page_model)
{
    struct stack_table *t = stack_table_new();
    const struct stack *st[ORACLE_SITES];
    for (int k = 0; k < ORACLE_SITES; k++) {
        struct stack_frame f = {.pc = 0x1000 + (uint64_t)k * 16, .function = "site"};
        st[k] = stack_table_intern(t, &f, 1);
    }
    static int owner[2][ORACLE_PAGES]; /* site + 1, 0: unmapped */
    memset(owner, 0, sizeof owner);
    uint64_t mapped[ORACLE_SITES] = {0}, freed[ORACLE_SITES] = {0}, calls[ORACLE_SITES] = {0};
    uint64_t brk_top[2] = {0, 0}; /* pages of the heap, from the window's top half */
    const uint64_t base = 0x10000000, half = ORACLE_PAGES / 2;
    struct callsite_ledger *l = callsite_ledger_new(0);
    srandom(11);
    const size_t n = 50000;
    size_t ends = 0;
    for (size_t i = 0; i < n; i++) {
        int p = (int)(random() % 2), k = (int)(random() % ORACLE_SITES);
        struct syscall_event e = {.pid = 100 + p, .tid = 100 + p, .stack = st[k]};
        uint64_t first = (uint64_t)random() % half, len = 1 + (uint64_t)random() % 16;
        if (first + len > half)
            len = half - first;
        int what = random() % 400 == 0 ? 3 : (int)(random() % 3);
        if (what == 3) { /* the process execs or ends: all it had is freed, its break forgotten */
            e.call = random() % 2 ? TC_EXECVE : TC_EXIT_GROUP;
            e.stack = NULL;
            for (uint64_t pg = 0; pg < ORACLE_PAGES; pg++) {
                if (owner[p][pg])
                    freed[owner[p][pg] - 1] += 4096;
                owner[p][pg] = 0;
            }
            brk_top[p] = 0;
            ends++;
        } else {
            calls[k]++;
        }
        if (what == 0) { /* mmap of len pages at first (the kernel's choice or MAP_FIXED) */
            e.call = TC_MMAP;
            e.args[1] = len * 4096;
            e.args[3] = (random() % 2) ? 0x32 : 0x22;
            e.result = (int64_t)(base + first * 4096);
            for (uint64_t pg = first; pg < first + len; pg++) {
                if (owner[p][pg])
                    freed[owner[p][pg] - 1] += 4096;
                owner[p][pg] = k + 1;
            }
            mapped[k] += len * 4096;
        } else if (what == 1) { /* munmap */
            e.call = TC_MUNMAP;
            e.args[0] = base + first * 4096;
            e.args[1] = len * 4096;
            for (uint64_t pg = first; pg < first + len; pg++) {
                if (owner[p][pg])
                    freed[owner[p][pg] - 1] += 4096;
                owner[p][pg] = 0;
            }
        } else if (what == 2) { /* brk: grow or shrink the heap at the window's top half */
            e.call = TC_BRK;
            uint64_t heap = base + half * 4096;
            if (brk_top[p] == 0) { /* the first brk(0) learns the break */
                e.result = (int64_t)heap;
                brk_top[p] = 1; /* 0 pages, known */
            } else {
                uint64_t now = brk_top[p] - 1, to = (uint64_t)random() % half;
                e.args[0] = heap + to * 4096;
                e.result = (int64_t)e.args[0];
                for (uint64_t pg = half + now; pg < half + to; pg++) {
                    owner[p][pg] = k + 1;
                    mapped[k] += 4096;
                }
                for (uint64_t pg = half + to; pg < half + now; pg++) {
                    freed[owner[p][pg] - 1] += 4096;
                    owner[p][pg] = 0;
                }
                brk_top[p] = to + 1;
            }
        }
        callsite_ledger_add(l, &e);
        if (i == n / 2) { /* a report midway changes nothing that follows */
            struct callsite_report mid;
            callsite_ledger_report(l, NULL, &mid);
            ck_assert_uint_eq(mid.total.calls, i + 1 - ends); /* an end is no call */
            callsites_free(&mid);
        }
    }
    uint64_t live[ORACLE_SITES] = {0};
    for (int p = 0; p < 2; p++)
        for (int pg = 0; pg < ORACLE_PAGES; pg++)
            if (owner[p][pg])
                live[owner[p][pg] - 1] += 4096;
    ck_assert_uint_gt(ends, 50);
    ck_assert_uint_eq(callsite_ledger_calls(l), n - ends);
    struct callsite_report r;
    callsite_ledger_report(l, NULL, &r);
    ck_assert_uint_eq(r.n_sites, ORACLE_SITES);
    for (size_t i = 0; i < r.n_sites; i++) {
        int k = (int)(r.sites[i].stack->frames[0].pc - 0x1000) / 16;
        ck_assert_uint_eq(r.sites[i].calls, calls[k]);
        ck_assert_uint_eq(r.sites[i].mapped, mapped[k]);
        ck_assert_uint_eq(r.sites[i].freed, freed[k]);
        ck_assert_uint_eq(r.sites[i].live, live[k]);
    }
    for (size_t i = 1; i < r.n_ranges; i++) /* by process, then address, disjoint */
        ck_assert(r.ranges[i - 1].pid < r.ranges[i].pid ||
                  (r.ranges[i - 1].pid == r.ranges[i].pid &&
                   r.ranges[i - 1].end <= r.ranges[i].start));
    callsites_free(&r);
    callsite_ledger_free(l);
    stack_table_free(t);
}
END_TEST

/* A bounded ledger (the view's): ranges that no call unmaps fill it; past the bound it is full, holds
 * nothing and takes no more, and an unbounded one goes on. */
START_TEST(t_ledger_bound)
{
    struct callsite_ledger *bounded = callsite_ledger_new(100), *open = callsite_ledger_new(0);
    for (int i = 0; i < 150; i++) {
        struct syscall_event e = {.pid = 1000 + i, .call = TC_MMAP, .args = {0, 4096, 3, 0x22},
                                  .result = 0x10000000};
        callsite_ledger_add(bounded, &e);
        callsite_ledger_add(open, &e);
        ck_assert(callsite_ledger_full(bounded) == (i >= 100));
    }
    ck_assert(!callsite_ledger_full(open));
    struct callsite_report r;
    callsite_ledger_report(bounded, NULL, &r);
    ck_assert_uint_eq(r.n_sites, 0);
    ck_assert_uint_eq(r.n_ranges, 0);
    callsites_free(&r);
    callsite_ledger_report(open, NULL, &r);
    ck_assert_uint_eq(r.n_ranges, 150);
    ck_assert_uint_eq(r.total.live, 150 * 4096);
    callsites_free(&r);
    callsite_ledger_free(bounded);
    callsite_ledger_free(open);
}
END_TEST

/* Endlessly varied stacks: the table stops at its limit, keeps the
 * stacks it has (same pointers, found again), refuses and counts new ones,
 * and its own accounting follows the bytes the process really holds. */
START_TEST(t_stack_table_bounded)
{
    struct stack_table *t = stack_table_new();
    stack_table_set_limit(t, 256 << 10);
    struct stack_frame f[8];
    memset(f, 0, sizeof f);
    const struct stack *first = NULL;
    size_t kept = 0;
    uint64_t i;
    for (i = 0; i < 100000; i++) {
        for (size_t k = 0; k < 8; k++)
            f[k] = (struct stack_frame){.pc = 0x400000 + i * 16 + k, .function = "recurse_deeper",
                                        .object = "/usr/bin/endless"};
        const struct stack *s = stack_table_intern(t, f, 8);
        if (!first)
            first = s;
        if (!s)
            break;
        kept++;
    }
    ck_assert_uint_lt(i, 100000); /* it stopped */
    ck_assert_uint_eq(stack_table_count(t), kept);
    size_t bytes;
    uint64_t refused;
    stack_table_usage(t, &bytes, &refused);
    ck_assert_uint_le(bytes, 256 << 10);
    ck_assert_uint_gt(bytes, 200 << 10);
    ck_assert_uint_eq(refused, 1);
    for (uint64_t j = 0; j < 1000; j++) { /* more new ones: refused, the count stays */
        f[0].pc = 0x9000000 + j;
        ck_assert_ptr_null(stack_table_intern(t, f, 8));
    }
    stack_table_usage(t, &bytes, &refused);
    ck_assert_uint_eq(refused, 1001);
    ck_assert_uint_eq(stack_table_count(t), kept);
    for (size_t k = 0; k < 8; k++) /* the first is still there, the same one */
        f[k] = (struct stack_frame){.pc = 0x400000 + k, .function = "recurse_deeper",
                                    .object = "/usr/bin/endless"};
    ck_assert_ptr_eq(stack_table_intern(t, f, 8), first);
    ck_assert_ptr_eq(stack_table_get(t, 1), first);
    stack_table_free(t);
}
END_TEST

static void keep_event(void *arg, const struct syscall_event *e)
{
    *(struct syscall_event *)arg = *e;
}

/* A stack line round trip: names that are not UTF-8 keep their bytes
 * (the _hex rule), the line comes once, the event reads back with it. */
START_TEST(t_stack_line_round_trip)
{
    struct stack_table *t = stack_table_shared();
    struct stack_frame f[2] = {
        {.pc = 0x401234, .object = "/opt/b\xe9t\xe9/app", .object_offset = 0x1234,
         .function = "caf\xe9_alloc", .function_offset = 0x14, .file = "x.c", .line = 9},
        {.pc = 0x7f0000001000},
    };
    const struct stack *st = stack_table_intern(t, f, 2);
    char path[128];
    temp_path(path, sizeof path, "roundtrip.jsonl");
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("{\"format\":\"vmscope.recording\",\"version\":1}\n", fp);
    struct recording_writer w;
    memset(&w, 0, sizeof w);
    w.fp = fp;
    struct syscall_event e = {.pid = 5, .tid = 5, .call = TC_MMAP, .args = {0, 4096, 3, 0x22},
                              .result = 0x10000, .stack = st};
    ck_assert_int_eq(recording_add_event(&w, &e), 0);
    ck_assert_int_eq(recording_add_event(&w, &e), 0);
    recording_finish(&w);
    fclose(fp);
    struct rec r = read_rec(path); /* once, before use */
    ck_assert_uint_eq(json_object_size(r.stacks), 1);
    ck_assert_uint_eq(json_array_size(r.events), 2);
    json_t *f0 = json_array_get(json_object_iter_value(json_object_iter(r.stacks)), 0);
    ck_assert_str_eq(json_string_value(json_object_get(f0, "function_hex")), "636166e95f616c6c6f63");
    ck_assert_ptr_nonnull(json_object_get(f0, "object_hex"));
    ck_assert_ptr_null(json_object_get(f0, "file_hex"));
    rec_free(&r);

    struct recording_iter it;
    char *why = NULL;
    struct syscall_event got;
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(recording_iter_open(&it, path, &why), 0);
    it.on_event = keep_event;
    it.event_arg = &got;
    const struct snapshot *sample;
    ck_assert_int_eq(recording_iter_next(&it, &sample, &why), 0);
    recording_iter_close(&it);
    ck_assert_ptr_eq(got.stack, st); /* the same frames: the same interned stack */
    ck_assert_str_eq(got.stack->frames[0].function, "caf\xe9_alloc");
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stacks");
    TCase *tc = tcase_create("record --trace stacks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_model_origin_and_growers);
    tcase_add_test(tc, t_ledger_matches_page_model);
    tcase_add_test(tc, t_ledger_bound);
    tcase_add_test(tc, t_stack_line_round_trip);
    tcase_add_test(tc, t_stack_table_bounded);
    tcase_add_test(tc, t_stacks_name_the_chain);
    tcase_add_test(tc, t_stripped_gives_object_offset);
    tcase_add_test(tc, t_jit_ends_the_stack);
    tcase_add_test(tc, t_threads_and_children_have_their_stacks);
    tcase_add_test(tc, t_callsites_totals);
    tcase_add_test(tc, t_child_end_frees_its_mappings);
    tcase_add_test(tc, t_callsites_needs_trace);
    tcase_add_test(tc, t_trace_calls_has_no_stacks);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
