/* The launched program's isolation and the tracer, tried as an attacker
 * would (issue 17): a program run with `record -u nobody` cannot reach the
 * caller's terminal (TIOCSTI, OSC) nor any descriptor of vmscope's, in
 * every launch mode; a mapped file is never opened through a path of our
 * own mount namespace; i386 programs are sampled and traced; a process
 * that execs in a loop is never reported as exited; a program's own
 * SECCOMP_RET_TRACE filter gets ENOSYS as without a tracer; -u gives the
 * user's environment; a set-ID program under a non-root vmscope is said.
 * Helpers: tests/helpers/sechelper.c and i386helper.c. */
#include "testlib.h"
#include "vmscope/capture.h"
#include "vmscope/snapshot.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEC TEST_BUILDDIR "/tests/helpers/sechelper"
#define I386 TEST_BUILDDIR "/tests/helpers/i386helper"
#define VMSCOPE TEST_BUILDDIR "/vmscope"
#define NOBODY 65534

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void temp_path(char *path, size_t size, const char *suffix)
{
    snprintf(path, size, "/tmp/vmscope-sec-%d-%s", (int)getpid(), suffix);
}

/* Runs `vmscope record ... -- CMD` with the program's output in a file;
 * returns vmscope's status, the program's output in said. */
static int record_program(const char *const *opts, const char *const *cmd, struct buf *said,
                          struct buf *err)
{
    char rec[128], out[128];
    temp_path(rec, sizeof rec, "rec.jsonl");
    temp_path(out, sizeof out, "program.out");
    const char *argv[32];
    int n = 0;
    argv[n++] = "vmscope";
    argv[n++] = "record";
    argv[n++] = "-i";
    argv[n++] = "60";
    argv[n++] = "-o";
    argv[n++] = rec;
    argv[n++] = "--program-output";
    argv[n++] = out;
    for (int i = 0; opts && opts[i]; i++)
        argv[n++] = opts[i];
    argv[n++] = "--";
    for (int i = 0; cmd[i]; i++)
        argv[n++] = cmd[i];
    argv[n] = NULL;
    int rc = run_command(argv, (uid_t)-1, NULL, err);
    buf_reset(said);
    if (access(out, F_OK) == 0)
        test_read_buf(out, said);
    unlink(out);
    unlink(rec);
    return rc;
}

static bool need_root(void)
{
    if (geteuid() == 0)
        return true;
    printf("skipped: needs root (-u nobody)\n");
    return false;
}

/* TIOCSTI and OSC 0 / OSC 52 from a program that `record -u nobody`
 * launched reach nothing of the test's terminal: no injected input, no
 * escape bytes. Today's code ran it on vmscope's own terminal. */
START_TEST(t_record_keeps_our_terminal)
{
    if (!need_root())
        return;
    char rec[128];
    temp_path(rec, sizeof rec, "tty.jsonl");
    int master, slave;
    ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* vmscope as a shell would run it: our pty its controlling terminal */
        setsid();
        ioctl(slave, TIOCSCTTY, 0);
        dup2(slave, 0);
        dup2(slave, 1);
        dup2(slave, 2);
        close(master);
        close(slave);
        execl(VMSCOPE, "vmscope", "record", "-u", "nobody", "-i", "60", "-o", rec, "--", SEC,
              "attack", (char *)NULL);
        _exit(127);
    }
    struct buf seen;
    buf_init(&seen);
    int status = -1;
    double deadline = now_s() + 30;
    fcntl(master, F_SETFL, O_NONBLOCK);
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        poll(&p, 1, 100);
        char chunk[4096];
        ssize_t n;
        while ((n = read(master, chunk, sizeof chunk)) > 0)
            buf_append(&seen, chunk, (size_t)n);
        if (status == -1 && waitpid(pid, &status, WNOHANG) == pid)
            deadline = now_s() + 0.3; /* what is still in flight */
        if (now_s() > deadline)
            break;
    }
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ck_abort_msg("vmscope did not end: %.*s", (int)seen.len, seen.data);
    }
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "vmscope failed: %.*s",
                  (int)seen.len, seen.data);
    ck_assert_msg(!memmem(seen.data, seen.len, "INJECTED", 8),
                  "injected input echoed on our terminal: %.*s", (int)seen.len, seen.data);
    ck_assert_msg(!memmem(seen.data, seen.len, "\033]", 2), "an OSC sequence reached our terminal");
    ck_assert_msg(!memmem(seen.data, seen.len, "attack done", 11),
                  "the program's output reached our terminal");
    /* Nothing waits in our terminal's input queue either. */
    fcntl(slave, F_SETFL, O_NONBLOCK);
    char in[256];
    ssize_t got = read(slave, in, sizeof in);
    ck_assert_msg(got < 0 && errno == EAGAIN, "input was pushed into our terminal: %.*s",
                  (int)(got > 0 ? got : 0), in);
    close(master);
    close(slave);
    unlink(rec);
    buf_free(&seen);
}
END_TEST

static void assert_only_std_fds(const struct buf *said, const char *mode)
{
    ck_assert_msg(said->len && strcmp(said->data, "fds: 0 1 2\n") == 0,
                  "%s: the program was given more than 0, 1, 2: %s", mode,
                  said->len ? said->data : "(nothing)");
}

/* The launched program holds 0, 1 and 2 only: not the recording (it could
 * write into root's file), not --program-output, not the tracer's pipes. */
START_TEST(t_record_gives_only_std_fds)
{
    struct buf said, err;
    buf_init(&said);
    buf_init(&err);
    int rc = record_program(NULL, (const char *[]){SEC, "fds", NULL}, &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    assert_only_std_fds(&said, "record");
    rc = record_program((const char *[]){"--trace", NULL}, (const char *[]){SEC, "fds", NULL},
                        &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    assert_only_std_fds(&said, "record --trace");
    if (geteuid() == 0) {
        rc = record_program((const char *[]){"-u", "nobody", NULL},
                            (const char *[]){SEC, "fds", NULL}, &said, &err);
        ck_assert_msg(rc == 0, "%s", err.data);
        assert_only_std_fds(&said, "record -u nobody");
    }
    buf_free(&said);
    buf_free(&err);
}
END_TEST

/* The live view's launch mode, in tmux as check_tui does. */
START_TEST(t_live_gives_only_std_fds)
{
    if (system("command -v tmux >/dev/null 2>&1") != 0) {
        printf("skipped: no tmux\n");
        return;
    }
    char list[128], cmd[1024];
    temp_path(list, sizeof list, "live-fds");
    unlink(list);
    snprintf(cmd, sizeof cmd,
             "tmux -L vmscope-sec-%d new-session -d -s vt -x 120 -y 40 '%s -- %s fds %s'",
             (int)getpid(), VMSCOPE, SEC, list);
    ck_assert_int_eq(system(cmd), 0);
    struct buf said;
    buf_init(&said);
    double deadline = now_s() + 20;
    while (now_s() < deadline) {
        if (access(list, F_OK) == 0) {
            test_read_buf(list, &said);
            if (said.len && said.data[said.len - 1] == '\n')
                break;
        }
        usleep(20000);
    }
    snprintf(cmd, sizeof cmd, "tmux -L vmscope-sec-%d kill-server 2>/dev/null", (int)getpid());
    ck_assert_int_eq(system(cmd), 0);
    assert_only_std_fds(&said, "live launch");
    unlink(list);
    buf_free(&said);
}
END_TEST

/* -u: the user's HOME, USER, LOGNAME and SHELL, as runuser gives them. */
START_TEST(t_user_environment)
{
    if (!need_root())
        return;
    struct passwd *pw = getpwnam("nobody");
    ck_assert_ptr_nonnull(pw);
    char want[1024];
    snprintf(want, sizeof want, "HOME=%s\nUSER=nobody\nLOGNAME=nobody\nSHELL=%s\n", pw->pw_dir,
             pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
    struct buf said, err;
    buf_init(&said);
    buf_init(&err);
    int rc = record_program((const char *[]){"-u", "nobody", NULL},
                            (const char *[]){SEC, "env", NULL}, &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    ck_assert_str_eq(said.len ? said.data : "", want);
    buf_free(&said);
    buf_free(&err);
}
END_TEST

/* A line from fd within secs, or false. */
static bool read_line(int fd, char *line, size_t size, double secs)
{
    size_t n = 0;
    double deadline = now_s() + secs;
    while (n + 1 < size && now_s() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            break;
        if (line[n++] == '\n')
            break;
    }
    line[n] = 0;
    return n > 0 && line[n - 1] == '\n';
}

/* Gives up what opening /proc/PID/map_files needs (CAP_SYS_ADMIN,
 * CAP_CHECKPOINT_RESTORE), keeping CAP_SYS_PTRACE. */
static int drop_map_files_caps(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    const int drop[] = {CAP_SYS_ADMIN, 40 /* CAP_CHECKPOINT_RESTORE */};
    for (size_t i = 0; i < 2; i++) {
        d[drop[i] / 32].effective &= ~(1u << (drop[i] % 32));
        d[drop[i] / 32].permitted &= ~(1u << (drop[i] % 32));
    }
    return (int)syscall(SYS_capset, &h, d);
}

/* nobody, in its own user and mount namespace, maps DIR/evil from a tmpfs
 * only it sees; in our namespace DIR/evil is its symlink to a file of
 * ours. Sampling must never open that file (inotify sees every open). */
START_TEST(t_mount_namespace_symlink_not_followed)
{
    if (!need_root())
        return;
    char dir[128], target[128], link[160];
    temp_path(dir, sizeof dir, "ns");
    temp_path(target, sizeof target, "target");
    snprintf(link, sizeof link, "%s/evil", dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
    int tf = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ck_assert_int_ge(tf, 0);
    ck_assert_int_eq(write(tf, "root's file\n", 12), 12);
    close(tf);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(lchown(link, NOBODY, NOBODY), 0);

    struct helper h;
    int out = program_spawn(&h,
                            (const char *[]){"unshare", "-Urm", "sh", "-c",
                                             "mount -t tmpfs none \"$1\" && echo hidden > "
                                             "\"$1/evil\" && exec \"$2\" mapfile \"$1/evil\"",
                                             "sh", dir, SEC, NULL},
                            NOBODY, NULL, true);
    pid_t sh = h.pid;
    char line[256];
    bool ready = read_line(out, line, sizeof line, 20) && strncmp(line, "ready ", 6) == 0;
    if (!ready) {
        printf("skipped: unshare -Urm not permitted here (%s)\n", line);
    } else {
        int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        ck_assert_int_ge(ino, 0);
        ck_assert_int_ge(inotify_add_watch(ino, target, IN_OPEN | IN_ACCESS), 0);
        uint64_t addr = strtoull(line + 6, NULL, 16);
        struct snapshot *s = NULL;
        ck_assert_int_eq(capture_snapshot(sh, NULL, &s), 0); /* sh exec'ed the helper */
        const struct region *r = snapshot_find(s, addr);
        ck_assert_msg(r && strstr(r->vma->name, "/evil"), "the mapping of evil is not sampled");
        snapshot_free(s);
        /* Without CAP_SYS_ADMIN (no map_files): the path inside the
         * process's root, never ours. */
        pid_t c = fork();
        ck_assert_int_ge(c, 0);
        if (c == 0)
            _exit(drop_map_files_caps() == 0 && capture_snapshot(sh, NULL, &s) == 0 &&
                          snapshot_find(s, addr)
                      ? 0
                      : 1);
        int st;
        ck_assert_int_eq(waitpid(c, &st, 0), c);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "no sample without CAP_SYS_ADMIN");
        char ev[4096];
        ssize_t n = read(ino, ev, sizeof ev);
        ck_assert_msg(n < 0 && errno == EAGAIN,
                      "vmscope opened %s through the symlink in its own mount namespace", target);
        close(ino);
    }
    close(out);
    helper_stop(&h);
    unlink(link);
    rmdir(dir);
    unlink(target);
}
END_TEST

static bool have_i386(void)
{
    if (access(I386, X_OK) == 0)
        return true;
    printf("skipped: no i386 helper (gcc -m32 does not work here; install gcc-multilib)\n");
    return false;
}

/* An i386 process is sampled (no [vsyscall] in its address space: it was
 * reported "exited"), its mapping found. */
START_TEST(t_i386_sampled)
{
    if (!have_i386())
        return;
    struct helper h;
    int out = program_spawn(&h, (const char *[]){I386, "wait", NULL}, (uid_t)-1, NULL, false);
    pid_t pid = h.pid;
    char line[128];
    ck_assert(read_line(out, line, sizeof line, 10));
    uint64_t addr = strtoull(line + 4, NULL, 16);
    for (int i = 0; i < 10; i++) {
        struct snapshot *s = NULL;
        int rc = capture_snapshot(pid, NULL, &s);
        ck_assert_msg(rc == 0, "sample %d of the i386 process: %s", i, strerror(-rc));
        const struct region *r = snapshot_find(s, addr);
        ck_assert_msg(r && r->vma->start == addr && r->vma->end == addr + (1u << 20),
                      "the 1 MiB mapping is not in the sample");
        ck_assert_uint_eq(r->vma->field[SMAPS_RSS], 16 * 4096);
        snapshot_free(s);
    }
    close(out);
    int st = helper_stop(&h);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* The events of a recording that contain text. */
static bool recording_has(const char *rec, const char *a, const char *b)
{
    FILE *fp = fopen(rec, "re");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, fp) > 0)
        found = strstr(line, "\"vmscope.event\"") && strstr(line, a) && strstr(line, b);
    free(line);
    fclose(fp);
    return found;
}

/* Runs record --trace on cmd, keeping the recording in rec. */
static int record_trace(const char *rec, const char *const *cmd, struct buf *said, struct buf *err)
{
    char out[128];
    temp_path(out, sizeof out, "trace.out");
    const char *argv[16] = {"vmscope", "record", "-i", "60", "--trace", "-o", rec,
                            "--program-output", out, "--"};
    int n = 10;
    for (int i = 0; cmd[i]; i++)
        argv[n++] = cmd[i];
    argv[n] = NULL;
    int rc = run_command(argv, (uid_t)-1, NULL, err);
    test_read_buf(out, said);
    unlink(out);
    return rc;
}

/* --trace follows an i386 program's calls (it was killed at its first). */
START_TEST(t_i386_traced)
{
    if (!have_i386())
        return;
    char rec[128];
    temp_path(rec, sizeof rec, "i386.jsonl");
    struct buf said, err;
    buf_init(&said);
    buf_init(&err);
    int rc = record_trace(rec, (const char *[]){I386, "run", NULL}, &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    ck_assert_msg(strstr(err.data, "exited with status 3"), "%s", err.data);
    const char *m = strstr(said.data ? said.data : "", "map 0x");
    ck_assert_msg(m, "the program did not run: %s", said.data);
    char result[64], unmap[64];
    snprintf(result, sizeof result, "\"result\":\"%.*s\"", (int)strcspn(m + 4, "\n"), m + 4);
    snprintf(unmap, sizeof unmap, "\"args\":[\"%.*s\",\"0x100000\"]", (int)strcspn(m + 4, "\n"),
             m + 4);
    ck_assert_msg(recording_has(rec, "\"mmap\"", result), "no mmap returning %s", result);
    ck_assert_msg(recording_has(rec, "\"mmap\"", "\"0x100000\",\"0x3\",\"0x22\""),
                  "the mmap's arguments are not the i386 ones");
    ck_assert_msg(recording_has(rec, "\"munmap\"", unmap), "no munmap of the mapping");
    unlink(rec);
    buf_free(&said);
    buf_free(&err);
}
END_TEST

/* int 0x80 from 64-bit code is an i386 call: traced, not killed (SIGSYS). */
START_TEST(t_int80_traced)
{
    char rec[128];
    temp_path(rec, sizeof rec, "int80.jsonl");
    struct buf said, err;
    buf_init(&said);
    buf_init(&err);
    int rc = record_trace(rec, (const char *[]){SEC, "int80", NULL}, &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    ck_assert_msg(strstr(err.data, "exited with status 0"), "%s", err.data);
    const char *m = strstr(said.data ? said.data : "", "int80 mmap2 0x");
    ck_assert_msg(m, "the call did not return: %s", said.data);
    char result[64];
    snprintf(result, sizeof result, "\"result\":\"%.*s\"", (int)strcspn(m + 12, "\n"), m + 12);
    ck_assert_msg(recording_has(rec, "\"mmap\"", result), "no mmap event returning %s", result);
    unlink(rec);
    buf_free(&said);
    buf_free(&err);
}
END_TEST

/* A program's own SECCOMP_RET_TRACE filter: without a tracer its calls
 * fail with ENOSYS, and under --trace they must too (they ran). */
START_TEST(t_foreign_seccomp_trace_gets_enosys)
{
    char rec[128];
    temp_path(rec, sizeof rec, "seccomp.jsonl");
    struct buf said, err;
    buf_init(&said);
    buf_init(&err);
    int rc = record_trace(rec, (const char *[]){SEC, "seccomp", NULL}, &said, &err);
    ck_assert_msg(rc == 0, "%s", err.data);
    char want[64];
    snprintf(want, sizeof want, "getppid -1 %d\nmmap -1 %d\n", ENOSYS, ENOSYS);
    ck_assert_str_eq(said.len ? said.data : "", want);
    unlink(rec);
    buf_free(&said);
    buf_free(&err);
}
END_TEST

/* A process that execs in a loop is sampled, never reported as exited.
 * The storm is killed before any assertion: it must not outlive a failure. */
START_TEST(t_exec_storm_sampled)
{
    struct helper h; /* it reads and writes nothing */
    close(program_spawn(&h, (const char *[]){SEC, "execstorm", NULL}, (uid_t)-1, NULL, false));
    pid_t pid = h.pid;
    usleep(50000);
    int ok = 0, bad = 0, bad_at = -1;
    for (int i = 0; i < 40; i++) {
        struct snapshot *s = NULL;
        int rc = capture_snapshot(pid, NULL, &s);
        ok += rc == 0;
        if (rc != 0 && rc != -EAGAIN && bad_at < 0) {
            bad = rc;
            bad_at = i;
        }
        snapshot_free(s);
    }
    /* record -p keeps sampling it (it stopped after 4 samples). */
    char rec[128];
    temp_path(rec, sizeof rec, "storm.jsonl");
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", (int)pid);
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "record", "-p", pidtext, "-i", "0.05", "-d",
                                          "3", "-o", rec, NULL},
                         (uid_t)-1, NULL, &err);
    kill(pid, SIGKILL);
    helper_stop(&h);
    unlink(rec);
    ck_assert_msg(bad_at < 0, "sample %d: %s", bad_at,
                  bad == -ESRCH || bad == -ENOENT ? "process reported exited" : strerror(-bad));
    /* How many of the 40 land depends on how a capture's length compares with
     * the storm's exec period (under ASan a capture is several times slower
     * and 8 of 40 landed): what matters is that some do and none says
     * "exited". */
    ck_assert_msg(ok >= 1, "none of 40 samples of an exec storm succeeded");
    ck_assert_msg(!strstr(err.data, "exited"), "record -p of an exec storm: %s", err.data);
    /* It runs to its duration; only when no first picture could be read
     * at all (5 s of tries: under ASan a capture is slower than the
     * storm's exec period, and CI once got none) it says exactly that. */
    if (rc != 0)
        ck_assert_msg(strstr(err.data, "replaces itself (exec) faster than it can be read"),
                      "record -p of an exec storm: %s", err.data);
    else
        ck_assert_msg(strstr(err.data, "duration reached"), "record -p of an exec storm: %s",
                      err.data);
    /* "duration reached" is the fix (the old code stopped after 4 samples,
     * saying the process exited). How many of the 60 ticks land is the
     * race of a capture against an exec every millisecond or so: 8-17 here,
     * 1 under ASan on a loaded CI machine, so no count is asserted. */
    buf_free(&err);
}
END_TEST

/* Launched by a non-root vmscope, a set-user-ID program runs without its
 * privilege: vmscope says so before it runs. */
START_TEST(t_setuid_said)
{
    const char *prog = NULL;
    const char *candidates[] = {"/usr/bin/passwd", "/usr/bin/chfn", "/usr/bin/newgrp",
                                "/bin/su", "/usr/bin/su"};
    struct stat st;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !prog; i++)
        if (stat(candidates[i], &st) == 0 && (st.st_mode & S_ISUID))
            prog = candidates[i];
    if (!prog) {
        printf("skipped: no set-user-ID program found\n");
        return;
    }
    char rec[128];
    snprintf(rec, sizeof rec, "/tmp/vmscope-sec-%d-setuid.jsonl", (int)getpid());
    struct buf err;
    buf_init(&err);
    run_command((const char *[]){"vmscope", "record", "-i", "60", "-o", rec, "--", prog,
                                 "--help", NULL},
                geteuid() == 0 ? NOBODY : (uid_t)-1, NULL, &err);
    ck_assert_msg(strstr(err.data, "set-user-ID") &&
                      strstr(err.data, "runs without that privilege"),
                  "not said: %s", err.data);
    /* Before it runs: the note is the first line. */
    ck_assert_msg(strncmp(err.data, "vmscope: note:", 14) == 0, "%s", err.data);
    unlink(rec);
    buf_free(&err);
}
END_TEST

static Suite *security_suite(void)
{
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("launch");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_record_keeps_our_terminal);
    tcase_add_test(tc, t_record_gives_only_std_fds);
    tcase_add_test(tc, t_live_gives_only_std_fds);
    tcase_add_test(tc, t_user_environment);
    tcase_add_test(tc, t_setuid_said);
    suite_add_tcase(s, tc);
    tc = tcase_create("sampling");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_mount_namespace_symlink_not_followed);
    tcase_add_test(tc, t_i386_sampled);
    tcase_add_test(tc, t_exec_storm_sampled);
    suite_add_tcase(s, tc);
    tc = tcase_create("trace");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_i386_traced);
    tcase_add_test(tc, t_int80_traced);
    tcase_add_test(tc, t_foreign_seccomp_trace_gets_enosys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(security_suite());
}
