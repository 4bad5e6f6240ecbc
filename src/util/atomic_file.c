/* The output opener (see atomic_file.h): a checked temporary renamed over
 * the target, or an explicitly asked-for FIFO, device or stdout in place. */
#include "vmscope/atomic_file.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void af_reset(struct atomic_file *af)
{
    memset(af, 0, sizeof *af);
    af->dir_fd = -1;
}

static void atomic_file_release(struct atomic_file *af)
{
    if (af->dir_fd >= 0)
        close(af->dir_fd);
    free(af->path);
    free(af->tmp_path);
    free(af->tmp_name);
    free(af->base);
    af_reset(af);
}

/* "dir/base" into its parts; a name that can only be a directory is
 * refused before anything is opened. */
static int split_path(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return -EISDIR;
    *base = xstrdup(b);
    if (!slash)
        *dir = xstrdup(".");
    else if (slash == path)
        *dir = xstrdup("/");
    else
        *dir = xmemdup0(path, (size_t)(slash - path));
    return 0;
}

/* The kernel's protected_regular/protected_fifos rule: in a sticky
 * directory others can write to, only the caller's files and the
 * directory owner's are safe to open or replace. */
static bool foreign_in_sticky(const struct stat *dir, const struct stat *st)
{
    bool sticky = (dir->st_mode & S_ISVTX) && (dir->st_mode & (S_IWOTH | S_IWGRP));
    return sticky && st->st_uid != geteuid() && st->st_uid != dir->st_uid;
}

/* The target's directory, one component at a time: a symbolic link that
 * sits in a sticky directory others can write to is followed only if it
 * belongs to the caller or to that directory's owner (the kernel's
 * protected_symlinks rule, which this machine may have off); everything
 * else is opened without following links, so nothing can be swapped in
 * between the check and the open. */
static int open_dir_checked(const char *dir)
{
    int cur = open(dir[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return -errno;
    char *copy = xstrdup(dir), *save = NULL;
    int rc = 0;
    for (char *c = strtok_r(copy, "/", &save); c && rc == 0; c = strtok_r(NULL, "/", &save)) {
        struct stat parent, st;
        int next = -1;
        if (fstat(cur, &parent) != 0 || fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -errno;
        } else if (S_ISLNK(st.st_mode)) {
            if (foreign_in_sticky(&parent, &st))
                rc = -ATOMIC_FILE_EFOREIGN;
            else if ((next = openat(cur, c, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                rc = -errno;
        } else if ((next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
            rc = -errno;
        }
        if (next >= 0) {
            close(cur);
            cur = next;
        }
    }
    free(copy);
    if (rc < 0) {
        close(cur);
        return rc;
    }
    return cur;
}

/* A FIFO or character device the caller named: opened without following a
 * link and without blocking, then checked to be the file that was
 * checked before. */
static int open_in_place(struct atomic_file *af, const struct stat *dir, const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return -ATOMIC_FILE_EOWNER;
    int fd = openat(af->dir_fd, af->base, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENXIO ? -ATOMIC_FILE_ENOREADER
               : errno == ELOOP ? -ATOMIC_FILE_EKIND : -errno;
    struct stat now;
    int rc = 0;
    if (fstat(fd, &now) != 0)
        rc = -errno;
    else if (now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
             !(S_ISFIFO(now.st_mode) || S_ISCHR(now.st_mode)))
        rc = -ATOMIC_FILE_EKIND; /* swapped since it was checked */
    else if (foreign_in_sticky(dir, &now))
        rc = -ATOMIC_FILE_EFOREIGN;
    else if (now.st_uid != geteuid() && now.st_uid != 0)
        rc = -ATOMIC_FILE_EOWNER;
    /* O_NONBLOCK was for the open; writes wait for a slow reader. */
    if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        rc = -errno;
    if (rc == 0 && !(af->fp = fdopen(fd, "w")))
        rc = -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    af->in_place = 1;
    return 0;
}

/* The temporary: an unpredictable name, created (never opened) with
 * O_EXCL, so nothing another user planted is written. */
static int create_temp(struct atomic_file *af, const char *dir, mode_t mode,
                       const struct stat *old)
{
    int fd = -1;
    for (int tries = 0; tries < 64 && fd < 0; tries++) {
        uint64_t r;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = clock_monotonic_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)tries;
        free(af->tmp_name);
        af->tmp_name = xasprintf(".%.200s.%016" PRIx64 ".tmp", af->base, r);
        fd = openat(af->dir_fd, af->tmp_name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return -errno;
    }
    if (fd < 0)
        return -EEXIST;
    /* An overwrite gives the file back to its owner with its mode: root
     * replacing a user's 0600 file leaves a 0600 file of that user. */
    if (old && geteuid() == 0 && (old->st_uid != 0 || old->st_gid != 0))
        (void)!fchown(fd, old->st_uid, old->st_gid);
    int rc = fchmod(fd, mode) == 0 ? 0 : -errno;
    if (rc == 0 && !(af->fp = fdopen(fd, "w")))
        rc = -errno;
    if (rc < 0) {
        close(fd);
        unlinkat(af->dir_fd, af->tmp_name, 0);
        return rc;
    }
    af->tmp_path = strcmp(dir, "/") == 0 ? xasprintf("/%s", af->tmp_name)
                                         : xasprintf("%s/%s", dir, af->tmp_name);
    return 0;
}

static int open_checked(struct atomic_file *af, const char *path, bool must_be_new)
{
    af_reset(af);
    if (!path || strcmp(path, "-") == 0) {
        af->fp = stdout;
        af->in_place = 1;
        return 0;
    }
    char *dir = NULL;
    int rc = split_path(path, &dir, &af->base);
    if (rc < 0)
        goto out;
    af->must_be_new = must_be_new;
    af->dir_fd = open_dir_checked(dir);
    struct stat ds, st;
    if (af->dir_fd < 0) {
        rc = af->dir_fd;
        af->dir_fd = -1;
        goto out;
    }
    if (fstat(af->dir_fd, &ds) != 0) {
        rc = -errno;
        goto out;
    }
    bool exists = fstatat(af->dir_fd, af->base, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && errno != ENOENT) {
        rc = -errno;
        goto out;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (!exists) {
        rc = create_temp(af, dir, 0666 & ~mask, NULL);
    } else if (must_be_new) {
        rc = -EEXIST;
    } else if (foreign_in_sticky(&ds, &st)) {
        rc = -ATOMIC_FILE_EFOREIGN;
    } else if (S_ISREG(st.st_mode)) {
        rc = create_temp(af, dir, st.st_mode & 0777, &st);
    } else if (S_ISLNK(st.st_mode)) {
        /* Replaced by the rename, never followed; but a link to a device
         * or FIFO means the user wanted that, which must be named itself. */
        struct stat to;
        if (fstatat(af->dir_fd, af->base, &to, 0) == 0 && !S_ISREG(to.st_mode))
            rc = S_ISDIR(to.st_mode) ? -EISDIR : -ATOMIC_FILE_EKIND;
        else
            rc = create_temp(af, dir, 0666 & ~mask, NULL);
    } else if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        rc = open_in_place(af, &ds, &st);
    } else {
        rc = -ATOMIC_FILE_EKIND;
    }
out:
    free(dir);
    if (rc < 0) {
        atomic_file_release(af);
        return rc;
    }
    af->path = xstrdup(path);
    return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path)
{
    return open_checked(af, path, false);
}

int atomic_file_open_new(struct atomic_file *af, const char *path)
{
    return open_checked(af, path, true);
}

int atomic_file_open_program(struct atomic_file *af, const char *path)
{
    int rc = open_checked(af, path, false);
    if (rc == 0 && af->in_place && isatty(fileno(af->fp))) {
        if (af->fp == stdout)
            af->fp = NULL; /* never close our own standard output */
        atomic_file_abort(af);
        return -ATOMIC_FILE_ETTY;
    }
    return rc;
}

int atomic_file_fd(const struct atomic_file *af)
{
    return af->fp ? fileno(af->fp) : -1;
}

static int flush_error(FILE *fp)
{
    if (fflush(fp) != 0 || ferror(fp))
        return errno ? -errno : -EIO;
    return 0;
}

/* The temporary becomes the target: renamed over it (a link is replaced,
 * not followed), or only linked when the name must be new. */
static int rename_into_place(struct atomic_file *af)
{
    int rc = 0;
    if (af->must_be_new) {
        if (renameat2(af->dir_fd, af->tmp_name, af->dir_fd, af->base, RENAME_NOREPLACE) != 0) {
            rc = -errno;
            if (rc == -EINVAL || rc == -ENOSYS) /* a filesystem without it */
                rc = linkat(af->dir_fd, af->tmp_name, af->dir_fd, af->base, 0) == 0
                         ? (unlinkat(af->dir_fd, af->tmp_name, 0), 0)
                         : -errno;
        }
    } else if (renameat(af->dir_fd, af->tmp_name, af->dir_fd, af->base) != 0) {
        rc = -errno;
    }
    if (rc == 0) {
        free(af->tmp_name);
        free(af->tmp_path);
        af->tmp_name = af->tmp_path = NULL;
    }
    return rc;
}

int atomic_file_publish(struct atomic_file *af)
{
    int rc = flush_error(af->fp);
    /* fsync first: with delayed allocation a full disk may only say so here */
    if (rc == 0 && af->tmp_name && fsync(fileno(af->fp)) != 0)
        rc = -errno;
    if (rc == 0 && af->tmp_name)
        rc = rename_into_place(af);
    return rc;
}

int atomic_file_commit(struct atomic_file *af)
{
    int rc = flush_error(af->fp);
    if (af->fp == stdout) {
        atomic_file_release(af);
        return rc;
    }
    errno = 0;
    if (rc == 0 && !af->in_place && fsync(fileno(af->fp)) != 0)
        rc = -errno;
    if (fclose(af->fp) != 0 && rc == 0)
        rc = errno ? -errno : -EIO;
    af->fp = NULL;
    if (rc == 0 && af->tmp_name)
        rc = rename_into_place(af);
    if (rc < 0 && af->tmp_name)
        unlinkat(af->dir_fd, af->tmp_name, 0);
    atomic_file_release(af);
    return rc;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp && af->fp != stdout)
        fclose(af->fp);
    if (af->tmp_name) /* published files keep what was written */
        unlinkat(af->dir_fd, af->tmp_name, 0);
    atomic_file_release(af);
}

int atomic_file_finish(struct atomic_file *af, int write_rc)
{
    if (write_rc < 0) {
        atomic_file_abort(af);
        return write_rc;
    }
    return atomic_file_commit(af); /* flushes and checks the stream's error */
}

const char *atomic_file_strerror(int rc)
{
    switch (-rc) {
    case ATOMIC_FILE_EFOREIGN:
        return "it belongs to another user in a sticky directory anyone can write to "
               "(not written through or replaced)";
    case ATOMIC_FILE_ENOREADER: return "a FIFO with no reader";
    case ATOMIC_FILE_EKIND:
        return "not a regular file, FIFO or character device (links to devices are not "
               "followed: name the device itself, or - for standard output)";
    case ATOMIC_FILE_EOWNER: return "a FIFO or device that belongs to another user";
    case ATOMIC_FILE_ETTY:
        return "a terminal (a program given one could type into it): use a file or a FIFO";
    default: return strerror(-rc);
    }
}

void atomic_file_warn(const char *path, int rc)
{
    bool file = path && strcmp(path, "-") != 0;
    warnx_msg("cannot write %s: %s%s", file ? path : "standard output", atomic_file_strerror(rc),
              file && rc == -ENOSPC ? " (any old file is kept)" : "");
}
