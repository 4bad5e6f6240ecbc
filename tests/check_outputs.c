/* Every file vmscope writes and every message it prints (issue 17): the
 * real binary, run as root against what another user (nobody, 65534)
 * planted in a sticky world-writable directory, failed starts and a full
 * disk that must keep the old file byte for byte, modes, standard output
 * and its write errors, hostile command-line text, TERM, numeric options. */
#include "testlib.h"

#include "vmscope/sanitize.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#define NOBODY 65534
#define DEADLINE_S 20 /* a command still running then was hanging */

static char self_pid[32];

static bool need_root(const char *test)
{
    if (geteuid() == 0)
        return true;
    printf("%s: skipped (needs root)\n", test);
    return false;
}

struct run_opts {
    const char *stdout_path; /* stdout to this file instead of a pipe */
    const char *term;        /* NULL: as is; "": unset; else TERM=term */
};

/* Runs vmscope with args; a SIGALRM at the deadline ends a hang (status
 * 128+SIGALRM), so the test fails instead of waiting forever. */
static int run_vm(const char *const *args, const struct run_opts *o, struct buf *out,
                  struct buf *err)
{
    int p[2][2];
    ck_assert_int_eq(pipe2(p[0], O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(p[1], O_CLOEXEC), 0);
    const char *argv[32] = {TEST_BUILDDIR "/vmscope"};
    int n = 1;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = o && o->stdout_path ? open(o->stdout_path, O_WRONLY) : p[0][1];
        dup2(fd, 1);
        dup2(p[1][1], 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        if (o && o->term && !*o->term)
            unsetenv("TERM");
        else if (o && o->term)
            setenv("TERM", o->term, 1);
        alarm(DEADLINE_S); /* kept across exec */
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[0][1]);
    close(p[1][1]);
    struct pollfd fds[2] = {{.fd = p[0][0], .events = POLLIN}, {.fd = p[1][0], .events = POLLIN}};
    for (int open_fds = 2; open_fds > 0;) {
        if (poll(fds, 2, (DEADLINE_S + 5) * 1000) <= 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            char tmp[65536];
            ssize_t r = read(fds[i].fd, tmp, sizeof tmp);
            struct buf *dst = i == 0 ? out : err;
            if (r > 0 && dst)
                buf_append(dst, tmp, (size_t)r);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    ck_assert_msg(rc != 128 + SIGALRM, "vmscope %s hung (%d s)", args[0], DEADLINE_S);
    return rc;
}

/* Nothing a terminal acts on: valid UTF-8, no C0 but the final newline,
 * no DEL, no C1. */
static void assert_terminal_safe(const struct buf *b)
{
    const unsigned char *s = (const unsigned char *)(b->data ? b->data : "");
    for (size_t i = 0; i < b->len;) {
        unsigned cp;
        size_t k = s[i] < 0x80 ? (cp = s[i], 1) : utf8_decode(s + i, b->len - i, &cp);
        ck_assert_msg(k > 0, "invalid UTF-8 at %zu: %s", i, b->data);
        ck_assert_msg(!((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f)),
                      "control U+%04x at %zu in: %s", cp, i, b->data);
        i += k;
    }
}

static void assert_one_line(const struct buf *err, const char *needle)
{
    ck_assert_msg(err->len > 0 && strncmp(err->data, "vmscope: ", 9) == 0, "stderr: %s",
                  err->data ? err->data : "(none)");
    ck_assert_msg(strchr(err->data, '\n') == err->data + err->len - 1, "not one line: %s",
                  err->data);
    ck_assert_msg(!needle || strstr(err->data, needle), "'%s' not in: %s", needle, err->data);
    assert_terminal_safe(err);
}

static void read_all(const char *path, struct buf *b)
{
    buf_reset(b);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    char tmp[4096];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0)
        buf_append(b, tmp, (size_t)n);
    close(fd);
}

static void write_all(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Every entry, dot files (vmscope's temporaries) included. */
static int count_all(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A snapshot to feed export and diff, in a private directory. */
static void make_snapshot(const char *path)
{
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-f", "json", "-o", path,
                                             NULL},
                            NULL, NULL, &err),
                     0);
    buf_free(&err);
}

/* The first mapping of this process, as pages' START-END. */
static void first_range(char *out, size_t size)
{
    FILE *fp = fopen("/proc/self/maps", "re");
    ck_assert_ptr_nonnull(fp);
    char line[512];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    fclose(fp);
    snprintf(out, size, "%.*s", (int)strcspn(line, " "), line);
}

/* What nobody plants: a link to root's secret, a FIFO nobody reads, a
 * file of its own. */
static void plant_as_nobody(const char *dir, const char *victim, const char *root_dir)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char p[512];
        if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
            _exit(2);
        snprintf(p, sizeof p, "%s/link.out", dir);
        if (symlink(victim, p) != 0)
            _exit(3);
        snprintf(p, sizeof p, "%s/fifo.out", dir);
        if (mkfifo(p, 0666) != 0)
            _exit(4);
        snprintf(p, sizeof p, "%s/dirlink", dir); /* a directory component */
        if (symlink(root_dir, p) != 0)
            _exit(6);
        snprintf(p, sizeof p, "%s/owned.out", dir);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 || write(fd, "nobody's own\n", 13) != 13)
            _exit(5);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "planting failed: %d", status);
}

START_TEST(t_planted_in_sticky_directory)
{
    if (!need_root("t_planted_in_sticky_directory"))
        return;
    char dir[] = "/tmp/vmscope-sticky-XXXXXX", priv[] = "/tmp/vmscope-priv-XXXXXX";
    char victim[] = "/tmp/vmscope-victim-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ptr_nonnull(mkdtemp(priv));
    ck_assert_int_eq(chmod(dir, 01777), 0);
    int vfd = mkstemp(victim);
    ck_assert_int_ge(vfd, 0);
    ck_assert_int_eq(write(vfd, "root's secret\n", 14), 14);
    close(vfd);
    ck_assert_int_eq(chmod(victim, 0600), 0);
    plant_as_nobody(dir, victim, priv);
    char snap[256], range[64];
    snprintf(snap, sizeof snap, "%s/a.json", priv);
    make_snapshot(snap);
    struct buf snap_before;
    buf_init(&snap_before);
    read_all(snap, &snap_before);
    first_range(range, sizeof range);
    static const char *names[] = {"link.out", "fifo.out", "owned.out"};
    struct buf err, content;
    buf_init(&err);
    buf_init(&content);
    for (size_t i = 0; i < 3; i++) {
        char target[256];
        snprintf(target, sizeof target, "%s/%s", dir, names[i]);
        const char *const cmds[][16] = {
            {"snapshot", "-p", self_pid, "-o", target, NULL},
            {"export", snap, "-f", "json", "-o", target, NULL},
            {"diff", snap, snap, "-o", target, NULL},
            {"pages", "-p", self_pid, "--range", range, "-o", target, NULL},
            {"record", "-p", self_pid, "-i", "0.1", "-d", "0.3", "-o", target, NULL},
        };
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            buf_reset(&err);
            int rc = run_vm(cmds[c], NULL, NULL, &err);
            ck_assert_msg(rc == 1, "%s -o %s: status %d, %s", cmds[c][0], names[i], rc,
                          err.data ? err.data : "");
            assert_one_line(&err, "another user");
            read_all(victim, &content);
            ck_assert_str_eq(content.data, "root's secret\n");
            struct stat st;
            ck_assert_int_eq(lstat(target, &st), 0);
            ck_assert_int_eq(st.st_uid, NOBODY); /* still nobody's, not replaced */
            if (i == 2) {
                read_all(target, &content);
                ck_assert_str_eq(content.data, "nobody's own\n");
            }
        }
    }
    /* through nobody's link to a directory of root's: refused, the file
     * there (root's a.json) as it was */
    char through[300];
    snprintf(through, sizeof through, "%s/dirlink/a.json", dir);
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"export", snap, "-f", "text", "-o", through, NULL},
                            NULL, NULL, &err),
                     1);
    assert_one_line(&err, "another user");
    read_all(snap, &content);
    ck_assert(content.len == snap_before.len &&
              memcmp(content.data, snap_before.data, content.len) == 0);
    ck_assert_int_eq(count_all(priv), 1);
    /* --program-output onto each planted name: refused before the program runs */
    char rec[300], out_path[300];
    snprintf(rec, sizeof rec, "%s/r.jsonl", priv);
    for (size_t i = 0; i < 3; i++) {
        snprintf(out_path, sizeof out_path, "%s/%s", dir, names[i]);
        buf_reset(&err);
        ck_assert_int_eq(run_vm((const char *[]){"record", "--program-output", out_path, "-o", rec,
                                                 "--", "/bin/echo", "hello", NULL},
                                NULL, NULL, &err),
                         1);
        assert_one_line(&err, "another user");
        read_all(victim, &content);
        ck_assert_str_eq(content.data, "root's secret\n");
    }
    buf_free(&snap_before);
    ck_assert_int_eq(count_all(dir), 4); /* no temporary left */
    struct stat st;
    ck_assert_int_eq(stat(victim, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    buf_free(&err);
    buf_free(&content);
    unlink(victim);
    remove_tree(dir);
    remove_tree(priv);
}
END_TEST

/* A FIFO of one's own: no reader is an error at once, a reader gets the
 * output; a link to a block device is refused. */
START_TEST(t_own_fifo_and_devices)
{
    char dir[] = "/tmp/vmscope-fifo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char fifo[256], link[256], blk[256];
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    struct buf err, out;
    buf_init(&err);
    buf_init(&out);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", fifo, NULL}, NULL,
                            NULL, &err),
                     1);
    assert_one_line(&err, "no reader");
    /* with a reader: the whole text arrives */
    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rfd, 0);
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", fifo, NULL}, NULL,
                            NULL, &err),
                     0);
    char tmp[65536];
    ssize_t n = read(rfd, tmp, sizeof tmp - 1);
    ck_assert_int_gt(n, 0);
    tmp[n] = '\0';
    ck_assert_ptr_nonnull(strstr(tmp, self_pid));
    close(rfd);
    /* a link to a block device: refused, never opened */
    snprintf(blk, sizeof blk, "%s/blk", dir);
    snprintf(link, sizeof link, "%s/to-blk", dir);
    if (mknod(blk, S_IFBLK | 0600, makedev(7, 250)) == 0) {
        ck_assert_int_eq(symlink(blk, link), 0);
        buf_reset(&err);
        ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", link, NULL},
                                NULL, NULL, &err),
                         1);
        assert_one_line(&err, "not a regular file");
        struct stat st;
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
        buf_reset(&err);
        ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", blk, NULL},
                                NULL, NULL, &err),
                         1);
        assert_one_line(&err, "not a regular file");
    } else {
        printf("t_own_fifo_and_devices: block device part skipped (mknod: %s)\n",
               strerror(errno));
    }
    /* "-" is standard output */
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-f", "json", "-o", "-",
                                             NULL},
                            NULL, &out, &err),
                     0);
    ck_assert_msg(out.len > 0 && out.data[0] == '{', "stdout: %.80s", out.data ? out.data : "");
    buf_free(&err);
    buf_free(&out);
    remove_tree(dir);
}
END_TEST

/* A record that cannot start keeps the old recording byte for byte. */
START_TEST(t_failed_record_keeps_file)
{
    char dir[] = "/tmp/vmscope-rec-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/good.jsonl", dir);
    struct buf old, now, err;
    buf_init(&old);
    buf_init(&now);
    buf_init(&err);
    for (int i = 0; i < 3000; i++)
        buf_printf(&old, "{\"line\": %d, \"pad\": \"%040d\"}\n", i, i);
    write_all(path, old.data, 0640);
    const char *const cmds[][12] = {
        {"record", "-p", "1073741800", "-o", path, NULL},
        {"record", "-o", path, "--", "/no/such/command-vmscope", NULL},
        {"record", "-u", "no-such-user-vmscope", "-o", path, "--", "/bin/true", NULL},
    };
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        buf_reset(&err);
        int rc = run_vm(cmds[c], NULL, NULL, &err);
        ck_assert_msg(rc == 1, "%s %s: status %d: %s", cmds[c][1], cmds[c][2], rc,
                      err.data ? err.data : "");
        assert_one_line(&err, NULL);
        read_all(path, &now);
        ck_assert_msg(now.len == old.len && memcmp(now.data, old.data, old.len) == 0,
                      "%s: the old recording changed (%zu bytes now)", cmds[c][2], now.len);
        ck_assert_int_eq(count_all(dir), 1);
    }
    /* --program-output: a program that cannot start keeps the old output,
     * one that runs replaces it */
    char pout[256];
    snprintf(pout, sizeof pout, "%s/program.txt", dir);
    write_all(pout, "old output\n", 0600);
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"record", "--program-output", pout, "-o", path, "--",
                                             "/no/such/command-vmscope", NULL},
                            NULL, NULL, &err),
                     1);
    read_all(pout, &now);
    ck_assert_str_eq(now.data, "old output\n");
    read_all(path, &now);
    ck_assert(now.len == old.len && memcmp(now.data, old.data, old.len) == 0);
    ck_assert_int_eq(count_all(dir), 2);
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"record", "--program-output", pout, "-o", path, "--",
                                             "/bin/echo", "hello there", NULL},
                            NULL, NULL, &err),
                     0);
    read_all(pout, &now);
    ck_assert_str_eq(now.data, "hello there\n");
    unlink(pout);
    /* a recording that starts replaces it, keeping its mode */
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"record", "-p", self_pid, "-i", "0.1", "-d", "0.25",
                                             "-o", path, NULL},
                            NULL, NULL, &err),
                     0);
    read_all(path, &now);
    ck_assert_msg(strncmp(now.data, "{\"format\":\"vmscope.recording\"", 29) == 0, "%.60s",
                  now.data);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    ck_assert_int_eq(count_all(dir), 1);
    buf_free(&old);
    buf_free(&now);
    buf_free(&err);
    remove_tree(dir);
}
END_TEST

/* A full disk (a tmpfs of 16 KiB) keeps the old file and no temporary. */
START_TEST(t_full_disk_keeps_old_file)
{
    if (!need_root("t_full_disk_keeps_old_file"))
        return;
    char dir[] = "/tmp/vmscope-full-XXXXXX", priv[] = "/tmp/vmscope-src-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ptr_nonnull(mkdtemp(priv));
    ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "size=16k"), 0);
    char path[256], snap[256];
    snprintf(path, sizeof path, "%s/out", dir);
    snprintf(snap, sizeof snap, "%s/a.json", priv);
    struct helper h; /* its JSON and its recording are far larger than 16 KiB */
    helper_start(&h, (const char *[]){"many", "200", NULL});
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", pid, "-o", snap, NULL}, NULL, NULL,
                            NULL),
                     0);
    const char *const cmds[][12] = {
        {"record", "-p", pid, "-i", "0.1", "-d", "0.3", "-o", path, NULL},
        {"export", snap, "-f", "json", "-o", path, NULL},
        {"diff", snap, snap, "-f", "json", "-o", path, NULL},
    };
    struct buf err, now;
    buf_init(&err);
    buf_init(&now);
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        write_all(path, "previous\n", 0644);
        buf_reset(&err);
        int rc = run_vm(cmds[c], NULL, NULL, &err);
        if (c == 2 && rc == 0) /* a small diff may fit */
            continue;
        ck_assert_msg(rc == 1, "%s: status %d", cmds[c][0], rc);
        assert_one_line(&err, "No space left on device");
        read_all(path, &now);
        ck_assert_str_eq(now.data, "previous\n");
        ck_assert_int_eq(count_all(dir), 1);
    }
    helper_stop(&h);
    umount(dir);
    rmdir(dir);
    remove_tree(priv);
    buf_free(&err);
    buf_free(&now);
}
END_TEST

/* An overwrite keeps the mode (and as root the owner); a new file follows
 * the umask. */
START_TEST(t_modes)
{
    char dir[] = "/tmp/vmscope-mode-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], fresh[256];
    snprintf(path, sizeof path, "%s/private.txt", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.txt", dir);
    write_all(path, "old\n", 0600);
    ck_assert_int_eq(chmod(path, 0600), 0);
    uid_t owner = geteuid() == 0 ? NOBODY : geteuid();
    if (geteuid() == 0)
        ck_assert_int_eq(chown(path, NOBODY, NOBODY), 0);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", path, NULL}, NULL,
                            NULL, NULL),
                     0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_uid, owner);
    ck_assert_int_gt(st.st_size, 4);
    mode_t old_mask = umask(027);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, "-o", fresh, NULL}, NULL,
                            NULL, NULL),
                     0);
    umask(old_mask);
    ck_assert_int_eq(stat(fresh, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    ck_assert_int_eq(count_all(dir), 2);
    remove_tree(dir);
}
END_TEST

/* Command-line text in every message reaches stderr with nothing a
 * terminal acts on. */
START_TEST(t_hostile_argv)
{
    static const char osc[] = "\033]0;PWNED\a", c1[] = "x\xc2\x9b" "31mred", raw[] = "\x9b\x07";
    char path[128];
    snprintf(path, sizeof path, "/nonexistent-vmscope/%s/out.json", osc);
    const char *const cmds[][12] = {
        {osc, NULL},
        {"snapshot", "-p", osc, NULL},
        {"snapshot", "-p", self_pid, "-o", path, NULL},
        {"snapshot", "-p", self_pid, "-f", c1, NULL},
        {"export", path, NULL},
        {"diff", raw, osc, NULL},
        {"record", "-o", "/tmp/vmscope-hostile-u.jsonl", "-u", osc, "--", "/bin/true", NULL},
        {"-n", c1, NULL},
        {"record", "-d", raw, "-o", "x", "-p", "1", NULL},
        {"snapshot", osc, "-p", "1", NULL},
    };
    struct buf err;
    buf_init(&err);
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        buf_reset(&err);
        int rc = run_vm(cmds[c], NULL, NULL, &err);
        ck_assert_msg(rc == 1 || rc == 2, "case %zu: status %d", c, rc);
        ck_assert_msg(err.len > 0, "case %zu: no message", c);
        assert_terminal_safe(&err);
    }
    /* a launched command's name in its "not found" line */
    char dir[] = "/tmp/vmscope-argv-XXXXXX", out[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/r.jsonl", dir);
    buf_reset(&err);
    ck_assert_int_eq(run_vm((const char *[]){"record", "-o", out, "--", osc, NULL}, NULL, NULL,
                            &err),
                     1);
    assert_one_line(&err, "\\e]0;PWNED\\x07");
    buf_free(&err);
    remove_tree(dir);
}
END_TEST

START_TEST(t_stdout_write_errors)
{
    const char *const cmds[][6] = {
        {"--help", NULL},
        {"-V", NULL},
        {"demo", "-n", "1", "-i", "0.1", NULL},
        {"snapshot", "-h", NULL},
    };
    struct run_opts o = {.stdout_path = "/dev/full"};
    struct buf err;
    buf_init(&err);
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        buf_reset(&err);
        ck_assert_msg(run_vm(cmds[c], &o, NULL, &err) == 1, "%s to /dev/full", cmds[c][0]);
        assert_one_line(&err, "No space left on device");
    }
    buf_free(&err);
}
END_TEST

/* The live view on a pty with TERM as given: one line, status 2. */
static int live_on_pty(const char *term, struct buf *out)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (term)
            setenv("TERM", term, 1);
        else
            unsetenv("TERM");
        alarm(DEADLINE_S);
        execl(TEST_BUILDDIR "/vmscope", "vmscope", "-p", self_pid, (char *)NULL);
        _exit(127);
    }
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, (DEADLINE_S + 5) * 1000) <= 0)
            break;
        char tmp[4096];
        ssize_t n = read(master, tmp, sizeof tmp);
        if (n <= 0)
            break; /* EIO: the other side is gone */
        buf_append(out, tmp, (size_t)n);
    }
    close(master);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(t_term_dumb_and_unset)
{
    const char *terms[] = {"dumb", NULL, "no-such-terminal-vmscope"};
    struct buf out;
    buf_init(&out);
    for (size_t i = 0; i < 3; i++) {
        buf_reset(&out);
        int rc = live_on_pty(terms[i], &out);
        ck_assert_msg(rc == 2, "TERM=%s: status %d: %s", terms[i] ? terms[i] : "(unset)", rc,
                      out.data ? out.data : "");
        ck_assert_ptr_nonnull(strstr(out.data, "vmscope: TERM"));
        /* one line: the pty turns its \n into \r\n */
        char *nl = strstr(out.data, "\r\n");
        ck_assert_msg(nl && nl + 2 == out.data + out.len, "not one line: %s", out.data);
        ck_assert_ptr_null(strchr(out.data, '\033'));
    }
    struct run_opts o = {.term = ""}; /* headless commands do not care */
    buf_reset(&out);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, NULL}, &o, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out.data, self_pid));
    o.term = "dumb";
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", self_pid, NULL}, &o, NULL, NULL), 0);
    buf_free(&out);
}
END_TEST

/* Every numeric option of every command refuses what is not a plain
 * number in its range, in one line, status 2. */
START_TEST(t_numeric_options)
{
    const char *const cmds[][10] = {
        {"-n", "abc", "-p", "1", NULL},
        {"-n", "5x", "-p", "1", NULL},
        {"-n", "-1", "-p", "1", NULL},
        {"-n", " 5", "-p", "1", NULL},
        {"-i", "nan", "-p", "1", NULL},
        {"-i", "1e400", "-p", "1", NULL},
        {"demo", "-n", "abc", NULL},
        {"demo", "-n", "0", NULL},
        {"demo", "-n", "99999999999999999999", NULL},
        {"demo", "-i", "0x10", NULL},
        {"record", "-d", "abc", "-p", "1", "-o", "/dev/null", NULL},
        {"record", "-d", "inf", "-p", "1", "-o", "/dev/null", NULL},
        {"record", "-d", "-3", "-p", "1", "-o", "/dev/null", NULL},
        {"record", "-i", " 1", "-p", "1", "-o", "/dev/null", NULL},
        {"snapshot", "-p", " 12", NULL},
        {"snapshot", "-p", "+1", NULL},
        {"snapshot", "-p", "0x10", NULL},
        {"pages", "-p", "1", "--range", "-5-10", NULL},
        {"pages", "-p", "1", "--range", "0x0x1-2", NULL},
        {"pages", "-p", "1", "--range", "1-10000000000000000000", NULL},
        {"pages", "-p", "1", "--range", " 1-2", NULL},
    };
    struct buf err;
    buf_init(&err);
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        buf_reset(&err);
        int rc = run_vm(cmds[c], NULL, NULL, &err);
        ck_assert_msg(rc == 2, "case %zu (%s %s %s): status %d", c, cmds[c][0], cmds[c][1],
                      cmds[c][2], rc);
        ck_assert_msg(strncmp(err.data, "vmscope: ", 9) == 0, "case %zu: %s", c, err.data);
        ck_assert_msg(strstr(err.data, "not "), "case %zu: %s", c, err.data);
    }
    buf_free(&err);
}
END_TEST

/* A child with a comm of odd bytes and two mapped files: one literally
 * named "lit\012eral" (backslash, digits), one with a real newline. */
static pid_t odd_child(const char *lit, const char *nl, int *keep_fd)
{
    int ready[2], hold[2];
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(hold), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        prctl(PR_SET_NAME, "a\x01\xff\x1b]b", 0, 0, 0);
        const char *files[] = {lit, nl};
        for (int i = 0; i < 2; i++) {
            int fd = open(files[i], O_RDONLY);
            if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
                _exit(3);
            close(fd);
        }
        if (write(ready[1], "r", 1) != 1)
            _exit(4);
        char c;
        (void)!read(hold[0], &c, 1);
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *keep_fd = hold[1];
    return pid;
}

START_TEST(t_comm_hex_and_escaped_names)
{
    char dir[] = "/tmp/vmscope-names-XXXXXX", lit[256], nl[256], pid[32];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(lit, sizeof lit, "%s/lit\\012eral", dir);
    snprintf(nl, sizeof nl, "%s/new\nline", dir);
    char page[4096] = {1};
    for (int i = 0; i < 2; i++) {
        int fd = open(i ? nl : lit, O_WRONLY | O_CREAT | O_EXCL, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, page, sizeof page), (ssize_t)sizeof page);
        close(fd);
    }
    int hold;
    pid_t child = odd_child(lit, nl, &hold);
    snprintf(pid, sizeof pid, "%d", (int)child);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", pid, "-f", "json", "-o", "-", NULL},
                            NULL, &out, &err),
                     0);
    json_error_t je;
    json_t *root = json_loadb(out.data, out.len, 0, &je);
    ck_assert_msg(root != NULL, "%s", je.text);
    json_t *proc = json_object_get(root, "process");
    /* the kernel's bytes exactly, not libproc2's escaped form */
    ck_assert_str_eq(json_string_value(json_object_get(proc, "comm_hex")), "6101ff1b5d62");
    bool saw_lit = false, saw_nl = false;
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(root, "regions"), i, r) {
        const char *path = json_string_value(json_object_get(r, "path"));
        saw_lit |= path && strcmp(path, lit) == 0;
        saw_nl |= path && strcmp(path, nl) == 0;
    }
    ck_assert_msg(saw_lit, "no region named %s", lit);
    ck_assert_msg(saw_nl, "no region with the newline name");
    json_decref(root);
    /* a saved snapshot keeps both: comm_hex through the reader */
    char saved[300];
    snprintf(saved, sizeof saved, "%s/s.json", dir);
    ck_assert_int_eq(run_vm((const char *[]){"snapshot", "-p", pid, "-o", saved, NULL}, NULL, NULL,
                            NULL),
                     0);
    buf_reset(&out);
    ck_assert_int_eq(run_vm((const char *[]){"export", saved, "-f", "json", NULL}, NULL, &out,
                            NULL),
                     0);
    root = json_loadb(out.data, out.len, 0, &je);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "process"),
                                                       "comm_hex")),
                     "6101ff1b5d62");
    json_decref(root);
    close(hold);
    waitpid(child, NULL, 0);
    buf_free(&out);
    buf_free(&err);
    remove_tree(dir);
}
END_TEST

/* Drains the pty while waiting (up to ms) for dir to hold want entries. */
static bool wait_entries(int master, const char *dir, int want, int ms)
{
    for (int waited = 0; waited < ms; waited += 100) {
        if (count_all(dir) >= want)
            return true;
        struct pollfd p = {.fd = master, .events = POLLIN};
        char tmp[65536];
        if (poll(&p, 1, 100) > 0 && read(master, tmp, sizeof tmp) < 0)
            return count_all(dir) >= want;
    }
    return count_all(dir) >= want;
}

/* The live view's `e` key: each export a new file with a random part. */
START_TEST(t_export_key_names)
{
    char dir[] = "/tmp/vmscope-ekey-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int master;
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        setenv("TERM", "xterm", 1);
        alarm(DEADLINE_S);
        execl(TEST_BUILDDIR "/vmscope", "vmscope", "-p", self_pid, (char *)NULL);
        _exit(127);
    }
    ck_assert(!wait_entries(master, dir, 1, 1500)); /* the view is up, nothing written */
    /* e, j for JSON, Enter takes the default name it offers */
    ck_assert_int_eq(write(master, "ej\r", 3), 3);
    ck_assert_msg(wait_entries(master, dir, 1, 10000), "no export after e");
    ck_assert_int_eq(write(master, "ej\r", 3), 3);
    ck_assert_msg(wait_entries(master, dir, 2, 10000), "the second e wrote no new file");
    ck_assert_int_eq(write(master, "q", 1), 1);
    wait_entries(master, dir, 99, 1000);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(master);
    DIR *d = opendir(dir);
    struct dirent *de;
    int seen = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        /* vmscope-PID-YYYYmmdd-HHMMSS-RANDOM.json */
        char prefix[64];
        snprintf(prefix, sizeof prefix, "vmscope-%s-", self_pid);
        size_t n = strlen(de->d_name), dashes = 0;
        for (size_t i = 0; i < n; i++)
            dashes += de->d_name[i] == '-';
        ck_assert_msg(strncmp(de->d_name, prefix, strlen(prefix)) == 0 && n > 12 && dashes == 4 &&
                          strcmp(de->d_name + n - 5, ".json") == 0 &&
                          de->d_name[n - 12] == '-' &&
                          strspn(de->d_name + n - 11, "0123456789abcdef") == 6,
                      "not an unpredictable name: %s", de->d_name);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        json_t *root = json_load_file(path, 0, NULL);
        ck_assert_ptr_nonnull(root);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "process"),
                                                            "pid")),
                         atoi(self_pid));
        json_decref(root);
        seen++;
    }
    closedir(d);
    ck_assert_int_eq(seen, 2);
    remove_tree(dir);
}
END_TEST

/* A launched program never gets a terminal through --program-output: it
 * could type into it (TIOCSTI) as whoever runs vmscope. */
START_TEST(t_program_output_not_a_terminal)
{
    int master, slave;
    char name[128];
    ck_assert_int_eq(openpty(&master, &slave, name, NULL, NULL), 0);
    char dir[] = "/tmp/vmscope-ptyout-XXXXXX", rec[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(rec, sizeof rec, "%s/r.jsonl", dir);
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_vm((const char *[]){"record", "--program-output", name, "-o", rec, "--",
                                             "/bin/echo", "typed", NULL},
                            NULL, NULL, &err),
                     1);
    assert_one_line(&err, "a terminal");
    struct pollfd p = {.fd = master, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 0), 0); /* nothing reached it */
    ck_assert_int_eq(count_all(dir), 0);
    buf_free(&err);
    close(slave);
    close(master);
    remove_tree(dir);
}
END_TEST

int main(void)
{
    snprintf(self_pid, sizeof self_pid, "%d", (int)getpid());
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("outputs");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, t_planted_in_sticky_directory);
    tcase_add_test(tc, t_own_fifo_and_devices);
    tcase_add_test(tc, t_failed_record_keeps_file);
    tcase_add_test(tc, t_full_disk_keeps_old_file);
    tcase_add_test(tc, t_modes);
    tcase_add_test(tc, t_hostile_argv);
    tcase_add_test(tc, t_stdout_write_errors);
    tcase_add_test(tc, t_term_dumb_and_unset);
    tcase_add_test(tc, t_numeric_options);
    tcase_add_test(tc, t_comm_hex_and_escaped_names);
    tcase_add_test(tc, t_export_key_names);
    tcase_add_test(tc, t_program_output_not_a_terminal);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
