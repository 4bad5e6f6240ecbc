/* Test support (see testlib.h). */
#include "testlib.h"
#include "vmscope/capture.h"
#include "vmscope/util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* In a forked child: becomes as_uid (unless (uid_t)-1), sets LD_PRELOAD
 * (when not NULL) and execs prog with argv; never returns (126: the uid
 * change failed, 127: the exec). */
static void exec_as(const char *prog, const char *const *argv, uid_t as_uid, const char *preload)
{
    if (as_uid != (uid_t)-1 && (setgroups(0, NULL) || setgid(as_uid) || setuid(as_uid)))
        _exit(126);
    if (preload)
        setenv("LD_PRELOAD", preload, 1);
    execvp(prog, (char *const *)argv);
    _exit(127);
}

int program_spawn(struct helper *h, const char *const *argv, uid_t as_uid, const char *preload,
                  bool err_too)
{
    memset(h, 0, sizeof *h);
    int in[2], out[2];
    ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (err_too)
            dup2(out[1], 2);
        exec_as(argv[0], argv, as_uid, preload);
    }
    close(in[0]);
    close(out[1]);
    h->pid = pid;
    h->stdin_fd = in[1];
    return out[0];
}

void helper_start(struct helper *h, const char *const *args)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/helpers/maphelper", TEST_BUILDDIR);
    const char *argv[16] = {path};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    FILE *fp = fdopen(program_spawn(h, argv, (uid_t)-1, NULL, false), "r");
    char line[512];
    bool ready = false;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        if (strcmp(line, "ready") == 0) {
            ready = true;
            break;
        }
        ck_assert_msg(strncmp(line, "error", 5) != 0, "helper %s: %s", args[0], line);
        char key[32];
        unsigned long long v;
        if (sscanf(line, "%31s %lli", key, &v) == 2 && h->nkeys < HELPER_MAX_KEYS) {
            strcpy(h->keys[h->nkeys], key);
            h->values[h->nkeys++] = v;
        }
    }
    fclose(fp);
    ck_assert_msg(ready, "helper %s did not get ready", args[0]);
}

uint64_t helper_value(const struct helper *h, const char *key)
{
    for (int i = 0; i < h->nkeys; i++)
        if (strcmp(h->keys[i], key) == 0)
            return h->values[i];
    ck_abort_msg("helper did not report '%s'", key);
    return 0;
}

/* Starts argv (stdin and stdout pipes, LD_PRELOAD=preload when not NULL),
 * reads its "key value" lines until "ready", with a deadline. */
void program_start(struct helper *h, const char *const *argv, const char *preload,
                          unsigned seconds)
{
    int out = program_spawn(h, argv, (uid_t)-1, preload, false);
    pid_t pid = h->pid;
    char buf[4096];
    size_t have = 0;
    bool ready = false;
    uint64_t deadline = (clock_monotonic_ns() / 1000000u) + seconds * 1000u;
    while (!ready && (clock_monotonic_ns() / 1000000u) < deadline) {
        struct pollfd p = {out, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - (clock_monotonic_ns() / 1000000u))) <= 0)
            continue;
        ssize_t n = read(out, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
            *nl = '\0';
            char key[32];
            unsigned long long v;
            if (strcmp(buf, "ready") == 0)
                ready = true;
            else if (sscanf(buf, "%31s %lli", key, &v) == 2 && h->nkeys < HELPER_MAX_KEYS) {
                strcpy(h->keys[h->nkeys], key);
                h->values[h->nkeys++] = v;
            }
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
        }
    }
    close(out);
    if (!ready) {
        kill(pid, SIGKILL);
        helper_stop(h);
        ck_abort_msg("%s did not print ready within %u s", argv[0], seconds);
    }
}

int helper_stop(struct helper *h)
{
    int status = 0;
    if (h->stdin_fd >= 0)
        close(h->stdin_fd);
    h->stdin_fd = -1;
    if (h->pid > 0 && waitpid(h->pid, &status, 0) == h->pid)
        h->pid = 0;
    return status;
}

int run_command(const char *const *argv, uid_t as_uid, struct buf *out, struct buf *err)
{
    return run_command_usage(argv, as_uid, out, err, NULL);
}

int run_command_usage(const char *const *argv, uid_t as_uid, struct buf *out, struct buf *err,
                      struct rusage *usage)
{
    int o[2], e[2];
    ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(e, O_CLOEXEC), 0);
    char path[4096];
    const char *prog = argv[0];
    if (!strchr(prog, '/')) {
        snprintf(path, sizeof path, "%s/%s", TEST_BUILDDIR, prog);
        prog = path;
    }
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(o[1], 1);
        dup2(e[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        exec_as(prog, argv, as_uid, NULL);
    }
    close(o[1]);
    close(e[1]);
    struct pollfd p[2] = {{.fd = o[0], .events = POLLIN}, {.fd = e[0], .events = POLLIN}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(p, 2, 30000) <= 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char tmp[65536];
            ssize_t n = read(p[i].fd, tmp, sizeof tmp);
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            } else {
                struct buf *dst = i == 0 ? out : err;
                if (dst)
                    buf_append(dst, tmp, (size_t)n);
            }
        }
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    if (usage)
        *usage = ru;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *fixture_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/fixtures/%s", TEST_SRCDIR, name);
    return buf;
}

void fixture_read(const char *name, struct buf *b)
{
    char path[4096], cmd[4200];
    fixture_path(name, path, sizeof path);
    size_t len = strlen(name);
    FILE *fp;
    if (len > 3 && strcmp(name + len - 3, ".xz") == 0) {
        snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
        fp = popen(cmd, "r");
    } else {
        fp = fopen(path, "rb");
    }
    ck_assert_msg(fp != NULL, "cannot open fixture %s", path);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
        buf_append(b, tmp, n);
    if (len > 3 && strcmp(name + len - 3, ".xz") == 0)
        ck_assert_int_eq(pclose(fp), 0);
    else
        fclose(fp);
}

int run_suite(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void make_temp_file(char *template_path, int pages, char fill)
{
    int fd = mkstemp(template_path);
    ck_assert_int_ge(fd, 0);
    char block[4096];
    memset(block, fill, sizeof block);
    for (int i = 0; i < pages; i++)
        ck_assert_int_eq(write(fd, block, sizeof block), (ssize_t)sizeof block);
    close(fd);
}

struct snapshot *test_capture(pid_t pid, bool census)
{
    struct capture_options opt = {.census = census};
    struct snapshot *s;
    int rc = capture_snapshot(pid, &opt, &s);
    ck_assert_msg(rc == 0, "capture of %d: %s", (int)pid, strerror(-rc));
    return s;
}

void test_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_msg(fp != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

void test_read_buf(const char *path, struct buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "cannot open %s: %s", path, strerror(errno));
    buf_reset(b);
    ck_assert_msg(buf_read_fd(b, fd) == 0, "cannot read %s", path);
    close(fd);
}

char *test_read_file(const char *path, size_t *len)
{
    struct buf b;
    buf_init(&b);
    test_read_buf(path, &b);
    if (len)
        *len = b.len;
    return b.data ? b.data : xstrdup("");
}

const char *test_path(const char *dir, const char *name)
{
    static char paths[16][512];
    static unsigned next;
    char *p = paths[next++ % 16];
    int n = snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    ck_assert_msg(n > 0 && (size_t)n < sizeof paths[0], "path too long: %s/%s", dir, name);
    return p;
}

uint64_t test_printed_hex(const struct buf *b, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s 0x", key);
    const char *text = b->data ? b->data : "";
    const char *p = strstr(text, pattern);
    ck_assert_msg(p, "no \"%s\" in:\n%s", pattern, text);
    return strtoull(p + strlen(pattern), NULL, 16);
}

void test_skip(const char *name, const char *why)
{
    printf("%s: skipped (%s)\n", name, why);
    fflush(stdout);
}

void test_free_space(pid_t pid, struct free_space *out)
{
    memset(out, 0, sizeof *out);
    unsigned long long lo = 65536, start, end;
    FILE *fp = fopen("/proc/sys/vm/mmap_min_addr", "r");
    if (fp) {
        ck_assert_int_eq(fscanf(fp, "%llu", &lo), 1);
        fclose(fp);
    }
    const unsigned long long task = 0x7ffffffff000ULL;
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    unsigned long long cursor = lo;
    while (fgets(line, sizeof line, fp)) {
        if (sscanf(line, "%llx-%llx", &start, &end) != 2)
            continue;
        unsigned long long top = start < task ? start : task;
        if (top > cursor) {
            out->size += top - cursor;
            out->blocks++;
            if (top - cursor > out->largest)
                out->largest = top - cursor;
        }
        if (end > cursor)
            cursor = end;
    }
    fclose(fp);
    if (task > cursor) {
        out->size += task - cursor;
        out->blocks++;
        if (task - cursor > out->largest)
            out->largest = task - cursor;
    }
}

pid_t test_idle_child(void)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    return child;
}
