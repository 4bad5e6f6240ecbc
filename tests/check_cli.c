/* Command-line tests: the real vmscope binary, its exit statuses and its
 * one-line errors: missing pid, permission denied, full disk, read-only
 * and missing directories, bad arguments. */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "vmscope/kernel_abi.h"

static char pidbuf[32];

static const char *pid_arg(pid_t pid)
{
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    return pidbuf;
}

/* stderr must be exactly one line starting with "vmscope: ". */
static void assert_one_line_error(const struct buf *err, const char *needle)
{
    ck_assert_msg(err->len > 0, "no message on stderr");
    ck_assert_msg(strncmp(err->data, "vmscope: ", 9) == 0, "stderr: %s", err->data);
    ck_assert_msg(strchr(err->data, '\n') == err->data + err->len - 1, "not one line: %s", err->data);
    ck_assert_msg(strstr(err->data, needle) != NULL, "'%s' not in: %s", needle, err->data);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(t_missing_pid)
{
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", "1073741800", NULL}, -1, &out, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "no process with pid 1073741800");
    ck_assert_uint_eq(out.len, 0);
    buf_free(&out);
    buf_free(&err);
}
END_TEST

START_TEST(t_usage_errors)
{
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", "abc", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "not a process id"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", "1", "-f", "xml", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "unknown format 'xml'"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "-p PID"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "frobnicate", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "unknown command"));
    /* Launch options belong to a launched program, and -- CMD to no pid. */
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "--trace", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "vmscope [opts] -- CMD"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "-p", "1", "--", "true", NULL}, -1,
                                 NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "does not go with -p"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", "1", "-o", "/dev/null",
                                                  "--", "true", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "either -p PID or -- CMD"));
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "--trace", "-p", "1", "-o",
                                                  "/dev/null", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "are for a launched program"));
    /* Without a terminal the live view says what to use instead. */
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "--", "true", NULL}, -1, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "vmscope record -o FILE -- CMD"));
    buf_free(&err);
}
END_TEST

START_TEST(t_permission_denied_names_privilege)
{
    /* An unprivileged uid against a root process (pid 1, or ourselves
     * when we are root). */
    struct buf err;
    buf_init(&err);
    uid_t as = getuid() == 0 ? 65534 : (uid_t)-1;
    pid_t target = getuid() == 0 ? getpid() : 1;
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(target), NULL}, as, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "permission denied");
    ck_assert_ptr_nonnull(strstr(err.data, "CAP_SYS_PTRACE"));
    buf_free(&err);
}
END_TEST

START_TEST(t_json_file_written_atomically)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "4", "2", NULL});
    char dir[] = "/tmp/vmscope-cli-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-o", path, NULL}, -1, &out, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err.data);
    ck_assert_uint_eq(out.len, 0);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr); /* format inferred from .json */
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "process"), "pid")), h.pid);
    json_decref(doc);
    ck_assert_int_eq(count_entries(dir), 1); /* no temporary left behind */
    unlink(path);
    rmdir(dir);
    buf_free(&out);
    buf_free(&err);
    helper_stop(&h);
}
END_TEST

START_TEST(t_dev_full)
{
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(getpid()), "-o", "/dev/full", NULL}, -1, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "No space left on device");
    struct stat st;
    ck_assert_int_eq(stat("/dev/full", &st), 0);
    ck_assert(S_ISCHR(st.st_mode)); /* written in place, never replaced */
    buf_reset(&err);
    rc = run_command((const char *[]){"/bin/sh", "-c", "exec \"$0\" snapshot -p \"$1\" >/dev/full",
                                      TEST_BUILDDIR "/vmscope", pid_arg(getpid()), NULL}, -1, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "cannot write standard output");
    buf_free(&err);
}
END_TEST

START_TEST(t_missing_directory)
{
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(getpid()), "-o",
                                          "/nonexistent-dir/x.json", NULL}, -1, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "No such file or directory");
    buf_free(&err);
}
END_TEST

/* A tmpfs we can make read-only or tiny: root only (CI runs as root). */
static bool mount_tmpfs(const char *dir, const char *opts, unsigned long flags)
{
    return mount("tmpfs", dir, "tmpfs", flags, opts) == 0;
}

START_TEST(t_read_only_directory)
{
    char dir[] = "/tmp/vmscope-ro-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    bool mounted = mount_tmpfs(dir, "size=1m", MS_RDONLY);
    if (!mounted) /* not root: an unwritable directory is enough */
        ck_assert_int_eq(chmod(dir, 0555), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/x.json", dir);
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(getpid()), "-o", path, NULL}, -1, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, mounted ? "Read-only file system" : "Permission denied");
    ck_assert_int_eq(count_entries(dir), 0);
    if (mounted)
        umount(dir);
    rmdir(dir);
    buf_free(&err);
}
END_TEST

START_TEST(t_full_disk_keeps_old_file)
{
    char dir[] = "/tmp/vmscope-full-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(mount_tmpfs(dir, "size=16k", 0), "mounting a tmpfs needs root");
    char path[256];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("previous\n", fp);
    fclose(fp);
    struct helper h; /* its JSON is far larger than 16 KiB */
    helper_start(&h, (const char *[]){"many", "200", NULL});
    struct buf err;
    buf_init(&err);
    int rc = run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-o", path, NULL}, -1, NULL, &err);
    ck_assert_int_eq(rc, 1);
    assert_one_line_error(&err, "No space left on device");
    fp = fopen(path, "r");
    char line[64] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    fclose(fp);
    ck_assert_str_eq(line, "previous\n");
    ck_assert_int_eq(count_entries(dir), 1); /* the temporary is gone */
    helper_stop(&h);
    umount(dir);
    rmdir(dir);
    buf_free(&err);
}
END_TEST

START_TEST(t_text_to_stdout_and_version)
{
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "2", NULL});
    struct buf out;
    buf_init(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-f", "text", NULL}, -1, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "heap/brk"));
    ck_assert_ptr_nonnull(strstr(out.data, "\ntotal "));
    buf_reset(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-f", "csv", NULL}, -1, &out, NULL), 0);
    ck_assert(strncmp(out.data, "start,end,size,", 15) == 0);
    buf_reset(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "-V", NULL}, -1, &out, NULL), 0);
    ck_assert(strncmp(out.data, "vmscope " PACKAGE_VERSION_STRING "\n", strlen("vmscope " PACKAGE_VERSION_STRING "\n")) == 0);
    buf_free(&out);
    helper_stop(&h);
}
END_TEST

START_TEST(t_demo_prints_phases)
{
    struct buf out;
    buf_init(&out);
    int rc = run_command((const char *[]){"vmscope", "demo", "-n", "3", "-i", "0.3", NULL}, -1, &out, NULL);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out.data, "Small mallocs come from the brk heap"));
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator never uses brk */
    ck_assert_ptr_nonnull(strstr(out.data, "heap/brk"));
#endif
    ck_assert_ptr_nonnull(strstr(out.data, "\ntotal "));
    /* three frames */
    int frames = 0;
    for (const char *p = out.data; (p = strstr(p, "vmscope demo (pid ")); p++)
        frames++;
    ck_assert_int_eq(frames, 3);
    buf_free(&out);
}
END_TEST

START_TEST(t_unprivileged_own_process)
{
    /* An ordinary user reading a process of its own: the snapshot works;
     * pages work without frames or flags, and say what would show them. */
    if (geteuid() != 0) {
        test_skip("t_unprivileged_own_process", "needs root, to become another user");
        return;
    }
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    /* A shell of uid 65534 starts a sleeper and points vmscope at it. */
    char script[512];
    snprintf(script, sizeof script,
             "sleep 30 & p=$!; %s/vmscope snapshot -p $p -f json >/dev/null && "
             "%s/vmscope pages -p $p --range 0-7fffffffffff; r=$?; kill $p; exit $r",
             TEST_BUILDDIR, TEST_BUILDDIR);
    int rc = run_command((const char *[]){"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                          "--clear-groups", "/bin/sh", "-c", script, NULL},
                         -1, &out, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err.data);
    ck_assert_ptr_nonnull(strstr(out.data, "present"));
    ck_assert_ptr_nonnull(strstr(out.data, "need CAP_SYS_ADMIN"));
    ck_assert_ptr_null(strstr(out.data, "mapcount"));
    buf_free(&out);
    buf_free(&err);
}
END_TEST

START_TEST(t_diff_command)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "20", "30", NULL});
    char a[] = "/tmp/vmscope-diff-a-XXXXXX", b[] = "/tmp/vmscope-diff-b-XXXXXX";
    ck_assert_int_ge(mkstemp(a), 0);
    ck_assert_int_ge(mkstemp(b), 0);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-f",
                                                  "json", "-o", a, NULL}, -1, NULL, NULL), 0);
    usleep(300 * 1000);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg(h.pid), "-f",
                                                  "json", "-o", b, NULL}, -1, NULL, NULL), 0);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", a, b, NULL}, -1, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out.data, "changed"));
    ck_assert_ptr_nonnull(strstr(out.data, "\ntotal "));
    ck_assert_ptr_nonnull(strstr(out.data, "mmap/anon"));
    buf_reset(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", a, "/etc/passwd", NULL}, -1, &out, &err), 1);
    assert_one_line_error(&err, "/etc/passwd: not JSON");
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "diff", a, NULL}, -1, NULL, &err), 2);
    unlink(a);
    unlink(b);
    buf_free(&out);
    buf_free(&err);
    helper_stop(&h);
}
END_TEST

/* The value -V gives for a feature ("NAME: value..."), one line each. */
static const char *version_line(const char *out, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = out; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
            return p + n + 2;
    ck_abort_msg("vmscope -V has no '%s:' line: %s", name, out);
    return NULL;
}

static bool says(const char *value, const char *word)
{
    return strncmp(value, word, strlen(word)) == 0;
}

/* vmscope -V: the version, then PAGEMAP_SCAN, PROCMAP_QUERY and kpageflags
 * as this test finds them itself (the ioctls on its own process, opening
 * /proc/kpageflags), as root and as nobody. */
START_TEST(t_version_lists_features)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    struct page_region vec[1];
    static char page[1 << 12] __attribute__((aligned(1 << 12)));
    page[0] = 1;
    struct pm_scan_arg a = {.size = sizeof a, .start = (uintptr_t)page, .end = (uintptr_t)page + sizeof page,
                            .vec = (uintptr_t)vec, .vec_len = 1, .return_mask = PAGE_IS_PRESENT};
    bool scan = ioctl(fd, PAGEMAP_SCAN, &a) >= 0;
    close(fd);
    fd = open("/proc/self/maps", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    struct procmap_query q = {.size = sizeof q, .query_addr = (uintptr_t)page};
    bool query = ioctl(fd, PROCMAP_QUERY, &q) == 0;
    close(fd);

    for (int as_nobody = 0; as_nobody <= (getuid() == 0); as_nobody++) {
        bool kpf = false;
        if (!as_nobody) {
            fd = open("/proc/kpageflags", O_RDONLY);
            kpf = fd >= 0;
            if (fd >= 0)
                close(fd);
        }
        struct buf out;
        buf_init(&out);
        ck_assert_int_eq(run_command((const char *[]){"vmscope", "-V", NULL}, as_nobody ? 65534 : (uid_t)-1,
                                     &out, NULL), 0);
        ck_assert_ptr_nonnull(out.data);
        ck_assert_msg(strncmp(out.data, "vmscope " PACKAGE_VERSION_STRING "\n", 9 + strlen(PACKAGE_VERSION_STRING)) == 0,
                      "%s", out.data);
        ck_assert_msg(says(version_line(out.data, "PAGEMAP_SCAN"), scan ? "yes" : "no (Linux 6.7+"), "%s", out.data);
        ck_assert_msg(says(version_line(out.data, "PROCMAP_QUERY"), query ? "yes" : "no (Linux 6.11+"), "%s",
                      out.data);
        ck_assert_msg(says(version_line(out.data, "kpageflags"), kpf ? "readable" : "not readable (needs root"),
                      "%s", out.data);
        buf_free(&out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_missing_pid);
    tcase_add_test(tc, t_usage_errors);
    tcase_add_test(tc, t_permission_denied_names_privilege);
    tcase_add_test(tc, t_json_file_written_atomically);
    tcase_add_test(tc, t_dev_full);
    tcase_add_test(tc, t_missing_directory);
    tcase_add_test(tc, t_read_only_directory);
    tcase_add_test(tc, t_full_disk_keeps_old_file);
    tcase_add_test(tc, t_text_to_stdout_and_version);
    tcase_add_test(tc, t_demo_prints_phases);
    tcase_add_test(tc, t_unprivileged_own_process);
    tcase_add_test(tc, t_diff_command);
    tcase_add_test(tc, t_version_lists_features);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
