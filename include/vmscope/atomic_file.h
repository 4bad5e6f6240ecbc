/* atomic_file: the one opener for every file vmscope writes (snapshot,
 * export, diff, pages, record -o, --program-output, the TUI's `e` key).
 * vmscope runs as root, often in directories other users can write to, so
 * it never writes through a name it did not check.
 *
 * Regular targets (or new names) are written to a temporary created with
 * O_EXCL|O_CLOEXEC under an unpredictable name in the target's directory,
 * flushed, fsync'ed and renamed over the target: a symbolic link at the
 * target is replaced, never followed, and any failure unlinks the temporary
 * and leaves the target byte for byte as it was. An overwrite keeps the
 * replaced file's permission bits (never wider); a new file gets
 * 0666 & ~umask.
 *
 * Other targets only when asked for explicitly: "-" (or NULL) is standard
 * output; a path that already is a FIFO or character device owned by the
 * caller (or by root) is opened in place with O_NONBLOCK|O_NOFOLLOW (a FIFO
 * without a reader is an error, not a hang) and checked with fstat after
 * opening. Block devices, sockets, directories, links to anything but a
 * regular file, and devices or FIFOs of other users are refused.
 *
 * In a sticky world-writable directory (/tmp) a file or link owned by
 * someone other than the caller and the directory's owner is never written
 * through or replaced: the kernel's protected_regular/protected_fifos
 * rules, enforced here whatever the sysctls say. */
#ifndef VMSCOPE_ATOMIC_FILE_H
#define VMSCOPE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct atomic_file {
    FILE *fp;        /* write here */
    char *path;      /* final name (NULL for stdout) */
    char *tmp_path;  /* the temporary's full name, NULL when in place or published */
    int in_place;    /* stdout, a FIFO or a device: written directly */
    int dir_fd;      /* the target's directory (O_PATH), or -1 */
    char *tmp_name;  /* the temporary's name in dir_fd */
    char *base;      /* the target's name in dir_fd */
    bool must_be_new; /* commit fails with -EEXIST rather than replace */
};

/* Refusals of the opener, returned negated like -errno (see
 * atomic_file_strerror). */
enum {
    ATOMIC_FILE_EFOREIGN = 4096, /* another user's file in a sticky directory */
    ATOMIC_FILE_ENOREADER,       /* a FIFO nobody reads */
    ATOMIC_FILE_EKIND,           /* a block device, socket, or link to one */
    ATOMIC_FILE_EOWNER,          /* a FIFO or device of another user */
    ATOMIC_FILE_ETTY,            /* a terminal, for a launched program */
};

/* Opens path ("-" or NULL: standard output). Returns 0 or a negative code
 * (af->fp is NULL on error). */
int atomic_file_open(struct atomic_file *af, const char *path);
/* Like atomic_file_open, but the name must not exist yet, now or at commit
 * (-EEXIST): the TUI's `e` key, whose name has a random part. */
int atomic_file_open_new(struct atomic_file *af, const char *path);
/* For a launched program's output (--program-output): the same, but a
 * terminal (standard output or a tty device) is refused: a program given
 * one could type into it (TIOCSTI) or retitle it. */
int atomic_file_open_program(struct atomic_file *af, const char *path);
/* Renames the temporary over the target now and keeps writing to it (a
 * recording, once its first sample is complete; a launched program's
 * output once it runs). Flushes first. Returns 0 or -errno; a no-op in
 * place. After it, abort keeps what was written. */
int atomic_file_publish(struct atomic_file *af);
/* Flush, fsync and rename. Returns 0 or -errno; on error nothing is left behind. */
int atomic_file_commit(struct atomic_file *af);
/* Discard: close and unlink the temporary (the target stays as it was). */
void atomic_file_abort(struct atomic_file *af);
/* After writing: abort when write_rc < 0 (returning it), else commit.
 * Returns 0 or -errno. */
int atomic_file_finish(struct atomic_file *af, int write_rc);
/* The file descriptor to hand on (a launched program's output), or -1. */
int atomic_file_fd(const struct atomic_file *af);

/* The reason for a code from the functions above: strerror, or the
 * opener's own refusals. */
const char *atomic_file_strerror(int rc);
/* Prints "vmscope: cannot write PATH: REASON" (PATH NULL or "-": standard
 * output), with a note on a full disk that the old file is kept. */
void atomic_file_warn(const char *path, int rc);

#endif
