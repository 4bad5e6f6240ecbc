/* Launch mode, headless: vmscope record [--trace] -- storyhelper, against a
 * program whose allocation story is known call by call
 * (tests/helpers/storyhelper.c). */
#include "testlib.h"
#include "vmscope/launch.h"
#include "vmscope/recording.h"
#include "vmscope/snapshot.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STORY TEST_BUILDDIR "/tests/helpers/storyhelper"
#define PAGE 4096u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "key 0xVALUE" from the helper's output. */
static uint64_t story_value(const struct buf *out, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s 0x", key);
    const char *p = out->data ? strstr(out->data, pattern) : NULL;
    ck_assert_msg(p, "the helper did not report %s:\n%s", key, out->data);
    return strtoull(p + strlen(pattern), NULL, 16);
}

static uint64_t hex(json_t *s)
{
    const char *x = json_string_value(s);
    ck_assert_ptr_nonnull(x);
    return strtoull(x, NULL, 16);
}

struct ev {
    long pid, tid;
    char call[16];
    uint64_t args[6], result;
    int nargs;
};

/* The event lines of a recording, in file order. */
static size_t read_events(const char *path, struct ev **out)
{
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0, n = 0, room = 0;
    *out = NULL;
    while (getline(&line, &cap, fp) > 0) {
        if (!strstr(line, "\"vmscope.event\""))
            continue;
        json_error_t err;
        json_t *doc = json_loads(line, 0, &err);
        ck_assert_msg(doc, "event line is not JSON: %s", err.text);
        if (n == room) {
            room = room ? room * 2 : 64;
            *out = realloc(*out, room * sizeof **out);
        }
        struct ev *e = &(*out)[n++];
        memset(e, 0, sizeof *e);
        e->pid = (long)json_integer_value(json_object_get(doc, "pid"));
        e->tid = (long)json_integer_value(json_object_get(doc, "tid"));
        snprintf(e->call, sizeof e->call, "%s",
                 json_string_value(json_object_get(doc, "syscall")));
        json_t *args = json_object_get(doc, "args");
        e->nargs = (int)json_array_size(args);
        for (int i = 0; i < e->nargs && i < 6; i++)
            e->args[i] = hex(json_array_get(args, (size_t)i));
        const char *r = json_string_value(json_object_get(doc, "result"));
        ck_assert_ptr_nonnull(r);
        e->result = strtoull(r, NULL, 0);
        json_decref(doc);
    }
    free(line);
    fclose(fp);
    return n;
}

static bool is_marker(const struct ev *e)
{
    return strcmp(e->call, "madvise") == 0 && e->args[0] == 0 && e->args[1] == 0;
}

static void temp_path(char *path, size_t size, const char *suffix)
{
    snprintf(path, size, "/tmp/vmscope-launch-%d-%s", (int)getpid(), suffix);
}

/* What the program wrote (record mode keeps it off vmscope's terminal:
 * --program-output). */
static void read_program_output(const char *path, struct buf *out)
{
    test_read_buf(path, out);
    unlink(path);
}

/* The last sample of a complete recording; *count gets the number of samples. */
static struct snapshot *last_sample(const char *rec, long *count)
{
    struct snapshot *last;
    bool cut;
    char *why = NULL;
    ck_assert_msg(recording_read(rec, -1, &last, count, &cut, &why) == 0, "%s", why);
    ck_assert_msg(!cut, "%s ends mid-line", rec);
    return last;
}

struct replayed {
    struct syscall_event *events;
    size_t n;
};

static void collect_event(void *arg, const struct syscall_event *e)
{
    struct replayed *r = arg;
    r->events = realloc(r->events, (r->n + 1) * sizeof *r->events);
    r->events[r->n++] = *e;
}

/* Every event of a recording, read as -r reads it; the recording must read. */
static struct replayed replay_events(const char *rec)
{
    struct replayed got = {0};
    struct recording_iter it;
    char *why = NULL;
    ck_assert_int_eq(recording_iter_open(&it, rec, &why), 0);
    it.on_event = collect_event;
    it.event_arg = &got;
    const struct snapshot *sample;
    int rc;
    while ((rc = recording_iter_next(&it, &sample, &why)) > 0)
        ;
    ck_assert_msg(rc == 0, "the replay refused: %s", why);
    recording_iter_close(&it);
    return got;
}

/* --trace reports exactly the helper's own calls, between its markers, in
 * order; the loader's come before the first marker. The last sample is the
 * state at exit, the exit status is said. */
START_TEST(t_trace_reports_the_story)
{
    char rec[128];
    temp_path(rec, sizeof rec, "story.jsonl");
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    /* -i 60: no sample but the one at exec and the one at exit. */
    char said[128];
    temp_path(said, sizeof said, "story.out");
    int rc = run_command((const char *[]){"vmscope", "record", "-i", "60", "--trace", "-o", rec,
                                          "--program-output", said, "--", STORY, "story", NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_msg(rc == 0, "record failed (%d): %s", rc, err.data);
    read_program_output(said, &out);
    ck_assert_msg(strstr(err.data, "exited with status 7"), "no exit status:\n%s", err.data);
    uint64_t pid = story_value(&out, "pid"), big = story_value(&out, "big_malloc"),
             direct = story_value(&out, "direct"), tid = story_value(&out, "thread_tid"),
             child = story_value(&out, "child"), keep = story_value(&out, "keep");

    struct ev *ev;
    size_t n = read_events(rec, &ev), begin = n, end = n;
    for (size_t i = 0; i < n; i++)
        if (is_marker(&ev[i])) {
            if (begin == n)
                begin = i;
            else
                end = i;
        }
    ck_assert_msg(begin < end && end < n, "markers not found in %zu events", n);
    /* The loader (ld.so mapping libc) comes first, all in the main thread. */
    size_t loader_maps = 0;
    for (size_t i = 0; i < begin; i++) {
        ck_assert_int_eq(ev[i].tid, (long)pid);
        loader_maps += strcmp(ev[i].call, "mmap") == 0 && ev[i].args[4] != 0xffffffffu;
    }
    ck_assert_msg(loader_maps >= 1, "no file mmap by the loader before the story");

    /* The story: brk growth, then the main thread's own calls in order. */
    uint64_t brk_before = 0;
    size_t i = begin + 1, brk_growth = 0;
    for (; i < end && strcmp(ev[i].call, "brk") == 0; i++) {
        ck_assert_int_eq(ev[i].tid, (long)pid);
        if (brk_before && ev[i].result > brk_before)
            brk_growth++;
        brk_before = ev[i].result;
    }
    ck_assert_msg(brk_growth >= 1, "the brk heap did not grow");
    struct want {
        const char *call;
        uint64_t a0, a1, a2, result;
    } main_calls[] = {
        {"mmap", 0, (1u << 20) + PAGE, 3, big - 16}, /* malloc: header of 16 bytes */
        {"munmap", big - 16, (1u << 20) + PAGE, 0, 0},
        {"mmap", 0, 5 * PAGE, 3, direct},
        {"mprotect", direct, PAGE, 1, 0},
        {"munmap", direct, 5 * PAGE, 0, 0},
        {"mmap", 0, 0, 0, 0},     /* the thread's stack (size chosen by glibc) */
        {"mprotect", 0, 0, 3, 0}, /* its guard page stays PROT_NONE */
        {"mmap", 0, 2u << 20, 3, keep},
    };
    size_t k = 0, thread_calls = 0, child_calls = 0, child_ends = 0;
    for (; i < end; i++) {
        if ((uint64_t)ev[i].tid == tid) {
            thread_calls++;
            continue;
        }
        if ((uint64_t)ev[i].pid == child && strcmp(ev[i].call, "exit_group") == 0) {
            ck_assert_uint_eq(child_calls, 2); /* after its calls, with its status */
            ck_assert_uint_eq(ev[i].args[0], 0);
            child_ends++;
            continue;
        }
        if ((uint64_t)ev[i].pid == child) {
            ck_assert_str_eq(ev[i].call, child_calls == 0 ? "mmap" : "munmap");
            ck_assert_uint_eq(ev[i].args[1], 3 * PAGE);
            child_calls++;
            continue;
        }
        ck_assert_int_eq(ev[i].tid, (long)pid);
        ck_assert_msg(k < sizeof main_calls / sizeof main_calls[0], "an extra call: %s", ev[i].call);
        const struct want *w = &main_calls[k++];
        ck_assert_str_eq(ev[i].call, w->call);
        if (w->a0 || strcmp(w->call, "mmap") == 0)
            ck_assert_uint_eq(ev[i].args[0], w->a0);
        if (w->a1)
            ck_assert_uint_eq(ev[i].args[1], w->a1);
        if (strcmp(w->call, "mmap") == 0 && w->a1 == 0) /* the stack */
            ck_assert_msg(ev[i].args[3] & 0x20000, "the thread stack lacks MAP_STACK");
        else
            ck_assert_uint_eq(ev[i].args[2], w->a2);
        if (w->result)
            ck_assert_uint_eq(ev[i].result, w->result);
    }
    ck_assert_uint_eq(k, sizeof main_calls / sizeof main_calls[0]);
    ck_assert_msg(thread_calls >= 1, "nothing from the thread's arena");
    ck_assert_uint_eq(child_calls, 2);
    ck_assert_uint_eq(child_ends, 1); /* the child's end; not the program's own */

    /* The recording reader gives the same events back, in order. */
    struct replayed got = replay_events(rec);
    ck_assert_uint_eq(got.n, n);
    for (size_t j = 0; j < n; j++) {
        ck_assert_str_eq(traced_call_name(got.events[j].call), ev[j].call);
        ck_assert_int_eq(got.events[j].tid, ev[j].tid);
        ck_assert_uint_eq(got.events[j].args[0], ev[j].args[0]);
        ck_assert_uint_eq((uint64_t)got.events[j].result, ev[j].result);
    }
    free(got.events);
    free(ev);

    /* Two samples: the state at exec (no "keep" yet) and at exit. */
    struct snapshot *first, *last;
    long count;
    bool cut;
    char *why = NULL;
    ck_assert_int_eq(recording_read(rec, 0, &first, &count, &cut, &why), 0);
    last = last_sample(rec, &count);
    ck_assert_int_eq(count, 2);
    ck_assert_ptr_null(snapshot_find(first, keep));
    const struct region *r = snapshot_find(last, keep);
    ck_assert_msg(r, "the state at exit lacks the kept mapping");
    ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 100 * PAGE);
    snapshot_free(first);
    snapshot_free(last);
    unlink(rec);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* A crash and a kill are both shown with the state before it, promptly. */
/* SIGCHLDs the main thread was interrupted by, while a handler counts them. */
static volatile sig_atomic_t main_sigchld;
static pid_t main_tid;

static void count_sigchld(int sig)
{
    (void)sig;
    if ((pid_t)syscall(SYS_gettid) == main_tid)
        main_sigchld = main_sigchld + 1;
}

/* Every ptrace stop notifies the tracer's thread group with SIGCHLD; while
 * the tracer thread blocked it, each one interrupted the main thread (and
 * restarted its system calls), hundreds a second under --trace. The tracer
 * thread takes them now: the main thread sees none. */
START_TEST(t_trace_stops_spare_the_main_thread)
{
    main_tid = (pid_t)syscall(SYS_gettid);
    struct sigaction sa = {.sa_handler = count_sigchld, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
    char *argv[] = {STORY, "story", NULL};
    struct launch_options o = {.argv = argv, .output = -1, .trace = true};
    struct launch *l;
    char *why = NULL;
    ck_assert_msg(launch_start(&o, &l, &why) == 0, "%s", why);
    size_t events = 0;
    bool exited = false;
    uint64_t deadline = (uint64_t)time(NULL) + 30;
    while (!exited && (uint64_t)time(NULL) < deadline) {
        struct pollfd p = {.fd = launch_wake_fd(l), .events = POLLIN};
        poll(&p, 1, 200);
        struct launch_news news;
        launch_poll(l, &news);
        events += news.n_events;
        exited = news.exited;
        launch_news_free(&news);
    }
    launch_stop(l);
    ck_assert_msg(exited, "the traced helper did not end");
    ck_assert_uint_ge(events, 10); /* the stops happened */
    /* The kernel gives a stop's SIGCHLD to the tracer thread unless that
     * thread has one pending still (then to any thread that takes it): on
     * a loaded machine an odd one reaches the main thread, where the old
     * code gave it every one (at least one per event). */
    ck_assert_msg((size_t)main_sigchld * 10 <= events, "%d SIGCHLDs on the main thread, %zu events",
                  (int)main_sigchld, events);
    signal(SIGCHLD, SIG_DFL);
}
END_TEST

START_TEST(t_crash_is_reported)
{
    char rec[128];
    temp_path(rec, sizeof rec, "segv.jsonl");
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    double t0 = now_s();
    char said[128];
    temp_path(said, sizeof said, "segv.out");
    int rc = run_command((const char *[]){"vmscope", "record", "-i", "60", "-o", rec,
                                          "--program-output", said, "--", STORY, "segv", NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_int_eq(rc, 0);
    read_program_output(said, &out);
    ck_assert_msg(now_s() - t0 < 20, "a crash took %.1f s to report", now_s() - t0);
    ck_assert_msg(strstr(err.data, "killed by SIGSEGV"), "no signal said:\n%s", err.data);
    ck_assert_ptr_nonnull(strstr(out.data, "about to crash"));
    long count;
    struct snapshot *last = last_sample(rec, &count);
    ck_assert_int_eq(count, 2); /* exec and the crash */
    ck_assert_uint_gt(last->n_regions, 5);
    snapshot_free(last);
    unlink(rec);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* Reads the pid of the recorded process from the header line. */
static pid_t recorded_pid(const char *path, double secs)
{
    for (double t = 0; t < secs; t += 0.05) {
        FILE *fp = fopen(path, "r");
        char line[4096];
        if (fp && fgets(line, sizeof line, fp) && strchr(line, '\n')) {
            fclose(fp);
            json_t *doc = json_loads(line, 0, NULL);
            pid_t pid = (pid_t)json_integer_value(
                json_object_get(json_object_get(doc, "process"), "pid"));
            json_decref(doc);
            return pid;
        }
        if (fp)
            fclose(fp);
        usleep(50 * 1000);
    }
    return 0;
}

static pid_t spawn_record(const char *rec, const char *extra)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        if (extra)
            execl(TEST_BUILDDIR "/vmscope", "vmscope", "record", "-i", "0.2", extra, "-o", rec,
                  "--", STORY, "wait", (char *)NULL);
        else
            execl(TEST_BUILDDIR "/vmscope", "vmscope", "record", "-i", "0.2", "-o", rec, "--",
                  STORY, "wait", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid, double secs)
{
    for (double t = 0; t < secs; t += 0.05) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(50 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* kill -9 of the program from outside: the recording ends with its state
 * just before, and vmscope does not hang. */
START_TEST(t_killed_program_ends_the_recording)
{
    char rec[128];
    temp_path(rec, sizeof rec, "killed.jsonl");
    pid_t vm = spawn_record(rec, NULL);
    pid_t target = recorded_pid(rec, 10);
    ck_assert_int_gt(target, 0);
    usleep(500 * 1000);
    kill(target, SIGKILL);
    ck_assert_int_eq(wait_exit(vm, 10), 0);
    long count;
    struct snapshot *last = last_sample(rec, &count);
    ck_assert_int_eq(last->proc.pid, target);
    ck_assert_uint_gt(last->n_regions, 5);
    snapshot_free(last);
    unlink(rec);
}
END_TEST

/* Ctrl-C (SIGINT) ends a launched recording: the program goes too, the
 * file is complete and ends with its last state. */
START_TEST(t_interrupt_ends_launched_recording)
{
    char rec[128];
    temp_path(rec, sizeof rec, "int.jsonl");
    pid_t vm = spawn_record(rec, "--trace");
    pid_t target = recorded_pid(rec, 10);
    ck_assert_int_gt(target, 0);
    usleep(600 * 1000);
    kill(vm, SIGINT);
    ck_assert_int_eq(wait_exit(vm, 10), 0);
    ck_assert_msg(kill(target, 0) != 0 && errno == ESRCH, "the program outlived vmscope");
    long count;
    struct snapshot *last = last_sample(rec, &count);
    ck_assert_int_ge(count, 3);
    snapshot_free(last);
    unlink(rec);
}
END_TEST

/* A command that cannot run: one line, status 1, no recording left open. */
START_TEST(t_missing_command_is_one_line)
{
    char rec[128];
    temp_path(rec, sizeof rec, "missing.jsonl");
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-o", rec, "--",
                                          "/nonexistent/program", NULL},
                         (uid_t)-1, &out, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_str_eq(err.data, "vmscope: cannot run /nonexistent/program: No such file or "
                               "directory\n");
    unlink(rec);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* -u runs the program as another user (root only); without root, a clear
 * refusal. The program's output goes to --program-output. */
START_TEST(t_run_as_user)
{
    char rec[128], outfile[128];
    temp_path(rec, sizeof rec, "user.jsonl");
    temp_path(outfile, sizeof outfile, "user.out");
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-u", "nobody", "--program-output",
                                          outfile, "-o", rec, "--", "id", "-u", NULL},
                         (uid_t)-1, &out, &err);
    if (geteuid() != 0) {
        ck_assert_int_eq(rc, 1);
        ck_assert_ptr_nonnull(strstr(err.data, "needs root"));
    } else {
        ck_assert_msg(rc == 0, "%s", err.data);
        struct buf id;
        buf_init(&id);
        FILE *fp = fopen(outfile, "r");
        ck_assert_ptr_nonnull(fp);
        char line[64] = "";
        ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
        fclose(fp);
        ck_assert_str_eq(line, "65534\n");
        buf_free(&id);
        /* And not as root: the unprivileged user is refused -u. */
        unlink(rec);
        rc = run_command((const char *[]){"vmscope", "record", "-u", "root", "-o", rec, "--",
                                          "true", NULL},
                         65534, &out, &err);
        ck_assert_int_eq(rc, 1);
        ck_assert_msg(strstr(err.data, "-u root needs root"), "%s", err.data);
    }
    unlink(rec);
    unlink(outfile);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

/* Event lines are never samples: one that does not read (cut JSON, a field
 * missing) is skipped by the replay (on_event) exactly as by diff (no
 * on_event), and formats.md's form (no "pid", decimal args) reads. */
START_TEST(t_event_lines_never_refuse)
{
    char rec[128];
    temp_path(rec, sizeof rec, "events.jsonl");
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-i", "60", "-o", rec, "--",
                                                  "/bin/true", NULL},
                                 (uid_t)-1, NULL, NULL),
                     0);
    FILE *fp = fopen(rec, "a");
    ck_assert_ptr_nonnull(fp);
    fputs("{\"format\":\"vmscope.event\",\"monotonic_ns\":1,\"tid\":42,\"syscall\":\"mmap\","
          "\"args\":[\"0\",\"4096\"],\"result\":\"0x3000\"}\n"
          "{\"format\":\"vmscope.event\",\"monotonic_ns\":2,\"tid\":42,\"syscall\":\"mm\n"
          "{\"format\":\"vmscope.event\",\"monotonic_ns\":3,\"syscall\":\"brk\",\"args\":[],"
          "\"result\":\"0x1\"}\n",
          fp);
    fclose(fp);
    struct replayed got = replay_events(rec);
    ck_assert_uint_eq(got.n, 1); /* the two broken lines are skipped */
    ck_assert_int_eq(got.events[0].pid, 0);
    ck_assert_int_eq(got.events[0].tid, 42);
    ck_assert_uint_eq(got.events[0].args[1], 4096);
    ck_assert_uint_eq((uint64_t)got.events[0].result, 0x3000);
    long count;
    struct snapshot *last = last_sample(rec, &count); /* diff's way: the same file reads */
    ck_assert_int_eq(count, 2);
    snapshot_free(last);
    free(got.events);
    unlink(rec);
}
END_TEST

/* An event as the Timeline's log shows it, and the region Enter opens. */
START_TEST(t_syscall_event_lines)
{
    char line[256];
    uint64_t start, end;
    struct syscall_event mmap_ev = {.call = TC_MMAP,
                                    .args = {0, 0x101000, 3, 0x22, 0xffffffffu, 0},
                                    .result = 0x7f0000001000};
    syscall_event_format(&mmap_ev, line, sizeof line);
    ck_assert_str_eq(line, "mmap(0, 0x101000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
                           "-1, 0) = 0x7f0000001000");
    ck_assert(syscall_event_range(&mmap_ev, &start, &end));
    ck_assert_uint_eq(start, 0x7f0000001000);
    ck_assert_uint_eq(end, 0x7f0000102000);

    struct syscall_event bad = {.call = TC_MUNMAP, .args = {0x1001, 4096}, .result = -22};
    syscall_event_format(&bad, line, sizeof line);
    ck_assert_str_eq(line, "munmap(0x1001, 0x1000) = -1 EINVAL");
    ck_assert(!syscall_event_range(&bad, &start, &end));

    /* brk: the heap's last page is just below the new break. */
    struct syscall_event brk = {.call = TC_BRK, .args = {0x555000021000}, .result = 0x555000021000};
    ck_assert(syscall_event_range(&brk, &start, &end));
    ck_assert_uint_eq(start, 0x555000020000);
    ck_assert_uint_eq(end, 0x555000021000);
    struct syscall_event query = {.call = TC_BRK, .args = {0}, .result = 0x555000000000};
    ck_assert(!syscall_event_range(&query, &start, &end));

    struct syscall_event adv = {.call = TC_MADVISE, .args = {0x1000, 0x2000, 4}};
    syscall_event_format(&adv, line, sizeof line);
    ck_assert_str_eq(line, "madvise(0x1000, 0x2000, MADV_DONTNEED) = 0");
    ck_assert_int_eq(traced_call_from_name("mprotect"), TC_MPROTECT);
    ck_assert_int_eq(traced_call_from_name("open"), TC_COUNT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("launch");
    TCase *tc = tcase_create("record -- CMD");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_trace_reports_the_story);
    tcase_add_test(tc, t_trace_stops_spare_the_main_thread);
    tcase_add_test(tc, t_crash_is_reported);
    tcase_add_test(tc, t_killed_program_ends_the_recording);
    tcase_add_test(tc, t_interrupt_ends_launched_recording);
    tcase_add_test(tc, t_missing_command_is_one_line);
    tcase_add_test(tc, t_run_as_user);
    tcase_add_test(tc, t_event_lines_never_refuse);
    tcase_add_test(tc, t_syscall_event_lines);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
