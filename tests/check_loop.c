/* The one loop (loop.c) between a fake source and a fake sink: what ends
 * it (samples, duration, the target's end, a signal, terminal loss), the
 * exit status, the light/full cadence, the order of news, and draining a
 * launched program's last state. Every expectation is counted here. */
#include "testlib.h"

#include "vmscope/app.h"
#include "vmscope/loop.h"
#include "vmscope/util.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct snapshot *tiny(uint64_t stamp)
{
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->monotonic_ns = stamp;
    s->proc.pid = 77;
    return s;
}

/* A target that lives for `life` samples; with reports_end, it says so in
 * news with its last state (as a launched program), else a sample fails
 * with -ESRCH (as a pid). */
struct fake_source {
    struct source base;
    int samples, light, gated, life;
    bool reports_end, killed, told;
    bool first_light; /* the first picture is a light sample */
    int first_kind;   /* the kind of the loop's first sample, -1: none yet */
    int raise_at; /* raise SIGTERM at this sample, 0: never */
    uint64_t last_stamp; /* the last state's monotonic_ns, 0: 999 */
};

static int fs_first(struct source *s, struct snapshot **out, char **why)
{
    (void)why;
    *out = tiny(0);
    (*out)->light = ((struct fake_source *)s)->first_light;
    return 0;
}

static int fs_sample(struct source *s, const struct snapshot *prev, enum sample_kind kind,
                     struct snapshot **out)
{
    struct fake_source *f = (struct fake_source *)s;
    (void)prev;
    if (f->samples >= f->life || f->killed)
        return f->reports_end ? -EAGAIN : -ESRCH;
    if (!f->samples)
        f->first_kind = (int)kind;
    f->samples++;
    f->light += kind == SAMPLE_LIGHT;
    f->gated += kind == SAMPLE_GATED;
    if (f->raise_at && f->samples == f->raise_at)
        raise(SIGTERM);
    *out = tiny((uint64_t)f->samples);
    (*out)->light = kind != SAMPLE_FULL;
    return 0;
}

static size_t fs_fds(struct source *s, struct pollfd *fds, size_t max)
{
    (void)s, (void)fds, (void)max;
    return 0;
}

static void fs_poll(struct source *s, struct source_news *news)
{
    struct fake_source *f = (struct fake_source *)s;
    memset(news, 0, sizeof *news);
    if (f->reports_end && !f->told && (f->samples >= f->life || f->killed)) {
        f->told = true;
        news->state = tiny(f->last_stamp ? f->last_stamp : 999);
        news->ended = true;
        snprintf(news->how, sizeof news->how, "prog (pid 77) exited with status 3");
    }
}

static void fs_kill(struct source *s)
{
    ((struct fake_source *)s)->killed = true;
}

static void fs_free(struct source *s)
{
    (void)s;
}

static const struct source_ops fs_ops = {
    .first = fs_first, .sample = fs_sample, .fds = fs_fds, .poll = fs_poll, .kill = fs_kill,
    .free = fs_free,
};

static void fake_source_init(struct fake_source *f, int life, bool reports_end)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fs_ops;
    f->base.caps = SOURCE_TIMER | (reports_end ? SOURCE_REPORTS_END : 0);
    f->base.pid = 77;
    f->life = life;
    f->reports_end = reports_end;
    f->first_kind = -1;
}

/* Records what it was given, in order: F first, S sample, E end news. */
struct fake_sink {
    struct sink base;
    char log[256];
    size_t n;
    struct snapshot *cur;
    char how[200], why[64];
    int finish_rc;
    int inputs;     /* input() calls */
    int draws;      /* draw() calls */
    unsigned reply; /* what input() answers */
    bool keys;      /* input() reads a byte: 'f' asks for a full sample, 'q' quits;
                     * the log gets K for the ask, D per draw, U per full sample */
    bool went_back; /* a sample older than the one before it came */
};

static void note(struct fake_sink *k, char c)
{
    if (k->n + 1 < sizeof k->log)
        k->log[k->n++] = c;
}

static int fk_start(struct sink *k, struct source *src, struct snapshot *first)
{
    (void)src;
    note((struct fake_sink *)k, 'F');
    ((struct fake_sink *)k)->cur = first;
    return 0;
}

static int fk_sample(struct sink *k, struct snapshot *s)
{
    struct fake_sink *f = (struct fake_sink *)k;
    note(f, s->monotonic_ns == 999 ? 'L' : f->keys && !s->light ? 'U' : 'S'); /* L: the last state */
    f->went_back |= f->cur && s->monotonic_ns < f->cur->monotonic_ns;
    snapshot_free(f->cur);
    f->cur = s;
    return 0;
}

static int fk_event(struct sink *k, const struct syscall_event *e)
{
    (void)k, (void)e;
    return 0;
}

static void fk_news(struct sink *k, const struct source_news *news)
{
    struct fake_sink *f = (struct fake_sink *)k;
    if (news->ended) {
        note(f, 'E');
        snprintf(f->how, sizeof f->how, "%s", news->how);
    }
}

static void fk_trouble(struct sink *k, const char *msg)
{
    (void)k, (void)msg;
}

static const struct snapshot *fk_current(struct sink *k)
{
    return ((struct fake_sink *)k)->cur;
}

static unsigned fk_input(struct sink *k, bool readable)
{
    struct fake_sink *f = (struct fake_sink *)k;
    (void)readable;
    f->inputs++;
    char c;
    if (f->keys && read(k->input_fd, &c, 1) == 1) {
        if (c == 'f')
            note(f, 'K');
        return c == 'f' ? SINK_FULL : SINK_QUIT;
    }
    return f->reply;
}

static void fk_draw(struct sink *k, struct source *src)
{
    (void)src;
    struct fake_sink *f = (struct fake_sink *)k;
    f->draws++;
    if (f->keys)
        note(f, 'D');
}

static int fk_finish(struct sink *k, const char *why, int rc)
{
    struct fake_sink *f = (struct fake_sink *)k;
    snprintf(f->why, sizeof f->why, "%s", why);
    f->finish_rc = rc;
    snapshot_free(f->cur);
    f->cur = NULL;
    return rc;
}

static const struct sink_ops fk_ops = {
    .start = fk_start, .sample = fk_sample, .event = fk_event, .news = fk_news,
    .trouble = fk_trouble, .current = fk_current, .input = fk_input, .draw = fk_draw,
    .finish = fk_finish,
};

static void fake_sink_init(struct fake_sink *k, unsigned caps, double interval)
{
    memset(k, 0, sizeof *k);
    k->base.ops = &fk_ops;
    k->base.caps = caps;
    k->base.interval = interval;
    k->base.input_fd = -1;
}

/* The sink reads its keys from a new pipe (fds) that holds keys already. */
static void keys_from_pipe(struct fake_sink *k, int fds[2], const char *keys)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], keys, strlen(keys)), (ssize_t)strlen(keys));
    k->base.input_fd = fds[0];
}

/* A child that writes 'q' to fd 300 ms from now (the caller reaps it). */
static pid_t quit_later(int fd)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        usleep(300 * 1000);
        _exit(write(fd, "q", 1) == 1 ? 0 : 1);
    }
    return child;
}

/* A target of two samples run to its end, status 0: the sink's log, the
 * end it heard and why it finished. */
static void assert_runs_to_end(bool reports_end, const char *log, const char *how,
                               const char *why)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 2, reports_end);
    fake_sink_init(&k, 0, 0.001);
    int rc = loop_run(&src.base, &k.base, &(struct loop_options){0});
    ck_assert_int_eq(rc, EXIT_OK);
    ck_assert_str_eq(k.log, log);
    ck_assert_str_eq(k.how, how);
    ck_assert_str_eq(k.why, why);
}

START_TEST(t_samples_limit)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 100, false);
    fake_sink_init(&k, 0, 0.001);
    int rc = loop_run(&src.base, &k.base, &(struct loop_options){.samples = 3});
    ck_assert_int_eq(rc, EXIT_OK);
    ck_assert_str_eq(k.log, "FSS"); /* the first picture counts */
}
END_TEST

START_TEST(t_duration_limit)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1000, false);
    fake_sink_init(&k, 0, 0.01);
    uint64_t t0 = clock_monotonic_ns();
    int rc = loop_run(&src.base, &k.base, &(struct loop_options){.duration = 0.1});
    uint64_t took = clock_monotonic_ns() - t0;
    ck_assert_int_eq(rc, EXIT_OK);
    ck_assert_str_eq(k.why, "duration reached");
    /* 0.01 s apart on a grid: at most 10 fit in 0.1 s (fewer when the
     * machine is busy: a late sample is not caught up with a burst) */
    ck_assert_int_ge(src.samples, 1);
    ck_assert_int_le(src.samples, 10);
    ck_assert_uint_lt(took, 1000000000ull);
}
END_TEST

/* A pid that goes away: the sink hears "exited" once and a sink that does
 * not keep the last state ends there, status 0. */
START_TEST(t_pid_exit_ends)
{
    assert_runs_to_end(false, "FSSE", "process 77 exited", "the process exited");
}
END_TEST

/* A launched program reports its end itself: the last state comes before
 * the end; the sink samples nothing after. */
START_TEST(t_program_end_with_last_state)
{
    assert_runs_to_end(true, "FSSLE", "prog (pid 77) exited with status 3", "the program ended");
}
END_TEST

/* Stopped by a signal while the program runs: a draining loop kills it and
 * waits for its last state; the status says which signal. */
START_TEST(t_signal_drains_program)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1000, true);
    src.raise_at = 3;
    fake_sink_init(&k, 0, 0.001);
    int rc = loop_run(&src.base, &k.base, &(struct loop_options){.drain = true});
    signal(SIGTERM, SIG_DFL);
    ck_assert_int_eq(rc, 128 + SIGTERM);
    ck_assert(src.killed);
    ck_assert_str_eq(k.log, "FSSSLE");
    ck_assert_str_eq(k.why, "stopped");
}
END_TEST

/* Full smaps on the first tick and every LOOP_FULL_EVERY ticks, an ungated
 * light sample every LOOP_LIGHT_EVERY, gated ones between (a view; a
 * recording alike). */
START_TEST(t_light_cadence)
{
    for (int grid = 0; grid < 2; grid++) {
        struct fake_source src;
        struct fake_sink k;
        fake_source_init(&src, 1000, false);
        fake_sink_init(&k, 0, 0.001);
        loop_run(&src.base, &k.base,
                 &(struct loop_options){.samples = 41, .light = true, .grid = grid});
        ck_assert_int_eq(src.samples, 40);
        int full = 40 / LOOP_FULL_EVERY;
        ck_assert_int_eq(src.light, 40 / LOOP_LIGHT_EVERY - full);
        ck_assert_int_eq(src.gated, 40 - 40 / LOOP_LIGHT_EVERY);
        /* the first tick is full: PSS does not wait LOOP_FULL_EVERY ticks */
        ck_assert_int_eq(src.first_kind, SAMPLE_FULL);
        snapshot_free(k.cur);
    }
    /* Without light samples every one is full. */
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1000, false);
    fake_sink_init(&k, 0, 0.001);
    loop_run(&src.base, &k.base, &(struct loop_options){.samples = 11});
    ck_assert_int_eq(src.light + src.gated, 0);
}
END_TEST

/* A full sample asked for by a key (Detail) comes after the next frame is
 * drawn from the light sample, at once, not at the next tick. */
START_TEST(t_full_sample_after_a_frame)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1000, false);
    src.first_light = true;
    fake_sink_init(&k, 0, 30); /* no tick during the test */
    k.keys = true;
    int fds[2];
    keys_from_pipe(&k, fds, "f");
    pid_t child = quit_later(fds[1]);
    ck_assert_int_eq(loop_run(&src.base, &k.base, &(struct loop_options){.light = true}), EXIT_OK);
    ck_assert_msg(strstr(k.log, "KDU") != NULL, "log %s", k.log);
    ck_assert_int_eq(src.samples, 1);
    waitpid(child, NULL, 0);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A sink that keeps the last state stays after the end until it quits;
 * a lost terminal ends it with status 1. */
START_TEST(t_terminal_lost_status)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1, false);
    fake_sink_init(&k, SINK_STAYS, 0.001);
    int fds[2];
    keys_from_pipe(&k, fds, "x"); /* readable: the loop asks for keys */
    k.reply = SINK_LOST;
    int rc = loop_run(&src.base, &k.base, &(struct loop_options){0});
    ck_assert_int_eq(rc, EXIT_FAILURE_RUNTIME);
    ck_assert_int_ge(k.inputs, 1);
    close(fds[0]);
    close(fds[1]);
    /* and a quit is status 0 */
    fake_source_init(&src, 1, false);
    fake_sink_init(&k, SINK_STAYS, 0.001);
    keys_from_pipe(&k, fds, "q");
    k.reply = SINK_QUIT;
    ck_assert_int_eq(loop_run(&src.base, &k.base, &(struct loop_options){0}), EXIT_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* Paused (or ended), a source on a timer is not sampled at all: the loop
 * sleeps in poll until a key. */
START_TEST(t_paused_takes_no_samples)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 1000, false);
    fake_sink_init(&k, SINK_STAYS, 0.001);
    k.base.paused = true;
    int fds[2];
    keys_from_pipe(&k, fds, "");
    k.reply = SINK_QUIT;
    pid_t child = quit_later(fds[1]);
    uint64_t t0 = clock_monotonic_ns();
    ck_assert_int_eq(loop_run(&src.base, &k.base, &(struct loop_options){0}), EXIT_OK);
    ck_assert_uint_ge(clock_monotonic_ns() - t0, 250000000ull); /* it waited for the key */
    ck_assert_int_eq(src.samples, 0);
    ck_assert_int_eq(k.inputs, 1);
    waitpid(child, NULL, 0);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* Keys only (the picker): a quit is status 0, a hang-up status 1, and a
 * terminal that is readable but has nothing to read is asked about. */
START_TEST(t_keys_only)
{
    struct fake_sink k;
    fake_sink_init(&k, SINK_STAYS, 1);
    int fds[2];
    keys_from_pipe(&k, fds, "q");
    k.reply = SINK_QUIT;
    ck_assert_int_eq(loop_keys(&k.base), EXIT_OK);
    ck_assert_int_eq(k.inputs, 1);
    ck_assert_int_ge(k.draws, 1);
    close(fds[1]); /* the other end goes: a hang-up, no key read */
    fake_sink_init(&k, SINK_STAYS, 1);
    k.base.input_fd = fds[0];
    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    ck_assert_int_eq(loop_keys(&k.base), EXIT_FAILURE_RUNTIME);
    ck_assert_int_eq(k.inputs, 0);
    close(fds[0]);
}
END_TEST

/* A live pid that became a zombie: its sample fails and the pid source's
 * next news says so, with the parent that has not reaped it (its name as
 * /proc/self/comm gives it). */
START_TEST(t_pid_source_names_zombie)
{
    pid_t child = test_idle_child();
    struct source *src = source_pid_new(child, -1);
    struct snapshot *first = NULL;
    char *why = NULL;
    ck_assert_int_eq(src->ops->first(src, &first, &why), 0);
    snapshot_free(first);
    kill(child, SIGKILL);
    siginfo_t si;
    ck_assert_int_eq(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0); /* gone, not reaped */
    struct snapshot *snap = NULL;
    int rc = src->ops->sample(src, NULL, SAMPLE_FULL, &snap);
    ck_assert_msg(rc == -ESRCH || rc == -ENOENT, "sample of a zombie: %d", rc);
    struct source_news news;
    src->ops->poll(src, &news);
    ck_assert(news.ended);
    char comm[64] = "";
    size_t len = 0;
    char *c = test_read_file("/proc/self/comm", &len);
    snprintf(comm, sizeof comm, "%.*s", (int)strcspn(c, "\n"), c);
    free(c);
    char want[200];
    snprintf(want, sizeof want, "process %d exited: a zombie until its parent %d (%s) reaps it",
             (int)child, (int)getpid(), comm);
    ck_assert_str_eq(news.how, want);
    source_free(src);
    waitpid(child, NULL, 0);
}
END_TEST

/* A launched program's state at exit is read by the tracer while the
 * loop may still take a sample of the held process: when that sample came
 * first, the older state must not take the sink back in time (a
 * recording's samples, Perfetto's counter tracks). */
START_TEST(t_last_state_never_goes_back)
{
    struct fake_source src;
    struct fake_sink k;
    fake_source_init(&src, 3, true);
    src.last_stamp = 1; /* read before samples 2 and 3 were taken */
    fake_sink_init(&k, 0, 0.001);
    ck_assert_int_eq(loop_run(&src.base, &k.base, &(struct loop_options){0}), EXIT_OK);
    ck_assert_str_eq(k.log, "FSSSSE"); /* its content still comes, last */
    ck_assert_msg(!k.went_back, "a sample older than the one before it reached the sink");
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("loop");
    tcase_add_test(tc, t_samples_limit);
    tcase_add_test(tc, t_duration_limit);
    tcase_add_test(tc, t_pid_exit_ends);
    tcase_add_test(tc, t_program_end_with_last_state);
    tcase_add_test(tc, t_signal_drains_program);
    tcase_add_test(tc, t_light_cadence);
    tcase_add_test(tc, t_full_sample_after_a_frame);
    tcase_add_test(tc, t_terminal_lost_status);
    tcase_add_test(tc, t_paused_takes_no_samples);
    tcase_add_test(tc, t_keys_only);
    tcase_add_test(tc, t_pid_source_names_zombie);
    tcase_add_test(tc, t_last_state_never_goes_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(loop_suite());
}
