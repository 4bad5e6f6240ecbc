/* Atomic output files: temp + fsync + rename, or in place for devices. */
#include "vmscope/atomic_file.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int atomic_file_open(struct atomic_file *af, const char *path)
{
    memset(af, 0, sizeof *af);
    if (!path || strcmp(path, "-") == 0) {
        af->fp = stdout;
        af->in_place = 1;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return -EISDIR;
        af->fp = fopen(path, "w");
        if (!af->fp)
            return -errno;
        af->path = xstrdup(path);
        af->in_place = 1;
        return 0;
    }
    /* The temporary lives beside the target so rename() stays on one
     * filesystem and is atomic. */
    af->tmp_path = xasprintf("%s.tmp.XXXXXX", path);
    int fd = mkostemp(af->tmp_path, O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        free(af->tmp_path);
        af->tmp_path = NULL;
        return -err;
    }
    /* mkstemp creates 0600; give the file the usual umask-based mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int err = errno;
        close(fd);
        unlink(af->tmp_path);
        free(af->tmp_path);
        af->tmp_path = NULL;
        return -err;
    }
    af->path = xstrdup(path);
    return 0;
}

static void atomic_file_release(struct atomic_file *af)
{
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
    af->fp = NULL;
}

int atomic_file_commit(struct atomic_file *af)
{
    int err = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp))
        err = errno ? errno : EIO;
    if (af->fp == stdout) {
        atomic_file_release(af);
        return -err;
    }
    if (!err && !af->in_place && fsync(fileno(af->fp)) != 0)
        err = errno;
    if (fclose(af->fp) != 0 && !err)
        err = errno ? errno : EIO;
    af->fp = NULL;
    if (!err && !af->in_place && rename(af->tmp_path, af->path) != 0)
        err = errno;
    if (err && af->tmp_path)
        unlink(af->tmp_path);
    atomic_file_release(af);
    return -err;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp && af->fp != stdout)
        fclose(af->fp);
    if (af->tmp_path)
        unlink(af->tmp_path);
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
