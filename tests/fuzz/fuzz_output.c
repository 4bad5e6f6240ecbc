/* Fuzz target: the output opener's path handling. Input: a flags byte,
 * then a path under a scratch directory that is sticky and world-writable
 * and holds what another user (65534) planted: a link to a root-only
 * victim, a FIFO and a file of its own; beside them a FIFO and a file of
 * ours and a subdirectory. Whatever the path, open/write/publish/commit or
 * abort must leave the victim and the planted files as they were and no
 * temporary behind; a committed regular file holds exactly what was
 * written. Runs as root (the planted files are chown'ed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmscope/atomic_file.h"
#include "vmscope/util.h"

#define OTHER 65534
static char base[64], work[96];
/* The file the input named, once written: its name may itself look like
 * a temporary (".x.tmp"), and it is the user's, not one left behind. */
static struct stat target;
static bool target_exists;

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_output: %s\n", what);
        abort();
    }
}

static void put(const char *name, const char *text, mode_t mode, uid_t uid)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", work, name);
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);
    check(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "plant a file");
    check(fchown(fd, uid, uid) == 0 && fchmod(fd, mode) == 0, "plant's owner");
    close(fd);
}

static bool same_text(const char *path, const char *text)
{
    char got[64] = "";
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, got, sizeof got - 1);
    close(fd);
    return n == (ssize_t)strlen(text) && memcmp(got, text, (size_t)n) == 0;
}

/* Everything but the planted names goes; the planted ones are checked. */
static void sweep(const char *dir, bool top)
{
    static const char *keep[] = {"ln", "fifo", "own", "myfifo", "reg", "d"};
    DIR *d = opendir(dir);
    check(d != NULL, "open the scratch directory");
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        bool planted = false;
        for (size_t i = 0; top && i < sizeof keep / sizeof keep[0]; i++)
            planted |= strcmp(de->d_name, keep[i]) == 0;
        size_t n = strlen(de->d_name);
        struct stat st;
        bool is_target = target_exists &&
                         fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                         st.st_dev == target.st_dev && st.st_ino == target.st_ino;
        check(is_target || !(de->d_name[0] == '.' && n > 4 && !strcmp(de->d_name + n - 4, ".tmp")),
              "a temporary was left behind");
        if (!planted)
            check(unlinkat(dirfd(d), de->d_name, 0) == 0, "remove a created file");
    }
    closedir(d);
}

static void check_world(void)
{
    char p[160], q[160];
    struct stat st;
    snprintf(p, sizeof p, "%s/victim", base);
    check(same_text(p, "victim\n") && stat(p, &st) == 0 && (st.st_mode & 07777) == 0600,
          "the victim changed");
    snprintf(p, sizeof p, "%s/ln", work);
    check(lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid == OTHER, "the link changed");
    snprintf(p, sizeof p, "%s/fifo", work);
    check(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid == OTHER, "the FIFO changed");
    snprintf(p, sizeof p, "%s/own", work);
    check(same_text(p, "own\n") && lstat(p, &st) == 0 && st.st_uid == OTHER,
          "another user's file changed");
    snprintf(p, sizeof p, "%s/myfifo", work);
    check(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode), "our FIFO changed");
    snprintf(q, sizeof q, "%s/d", work);
    sweep(work, true);
    sweep(q, false);
    put("reg", "reg\n", 0640, 0);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_output: could not remove %s\n", base);
}

static void setup(void)
{
    snprintf(base, sizeof base, "/tmp/vmscope-fuzz-output.%d", (int)getpid());
    snprintf(work, sizeof work, "%s/work", base);
    char p[160];
    check(mkdir(base, 0755) == 0 && mkdir(work, 01777) == 0 && chmod(work, 01777) == 0,
          "scratch directories");
    snprintf(p, sizeof p, "%s/victim", base);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    check(fd >= 0 && write(fd, "victim\n", 7) == 7, "victim");
    close(fd);
    snprintf(p, sizeof p, "%s/ln", work);
    check(symlink("../victim", p) == 0 && lchown(p, OTHER, OTHER) == 0, "planted link");
    snprintf(p, sizeof p, "%s/fifo", work);
    check(mkfifo(p, 0666) == 0 && chown(p, OTHER, OTHER) == 0, "planted FIFO");
    snprintf(p, sizeof p, "%s/myfifo", work);
    check(mkfifo(p, 0600) == 0, "our FIFO");
    snprintf(p, sizeof p, "%s/d", work);
    check(mkdir(p, 0755) == 0, "subdirectory");
    put("own", "own\n", 0644, OTHER);
    put("reg", "reg\n", 0640, 0);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base[0]) {
        check(geteuid() == 0, "needs root (planted files of another user)");
        setup();
    }
    if (size < 1 || size > 200)
        return 0;
    unsigned flags = data[0];
    char *rel = xmemdup0(data + 1, size - 1);
    /* Confined to the scratch directory: no "..", no absolute path. */
    bool escapes = rel[0] == '/' || !strncmp(rel, "..", 2) || strstr(rel, "/..");
    if (escapes) {
        free(rel);
        return 0;
    }
    char *path = xasprintf("%s/%s", work, rel);
    struct atomic_file af;
    int rc = flags & 4 ? atomic_file_open_new(&af, path) : atomic_file_open(&af, path);
    check(atomic_file_strerror(rc) != NULL, "no reason");
    if (rc == 0) {
        check(af.fp != NULL && af.fp != stdout, "no stream");
        fputs("written\n", af.fp);
        if (flags & 2)
            rc = atomic_file_publish(&af);
        if (flags & 1) {
            atomic_file_abort(&af);
        } else {
            bool in_place = af.in_place;
            rc = atomic_file_commit(&af);
            if (rc == 0 && !in_place)
                check(same_text(path, "written\n"), "the committed file lacks what was written");
        }
    } else {
        check(af.fp == NULL, "a stream after a refusal");
    }
    target_exists = lstat(path, &target) == 0 && S_ISREG(target.st_mode);
    check_world();
    free(path);
    free(rel);
    return 0;
}
