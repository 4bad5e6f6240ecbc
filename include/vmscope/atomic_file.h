/* atomic_file: write an output file so that readers see either the old file
 * or the complete new one, never a partial one.
 *
 * Regular targets (or new names) are written to a temporary file in the same
 * directory, flushed, fsync'ed and renamed over the target; any failure
 * unlinks the temporary and leaves the target untouched. Targets that exist
 * and are not regular files (/dev/full, a FIFO, a terminal) are written in
 * place, since renaming over a device would replace it. "-" means stdout. */
#ifndef VMSCOPE_ATOMIC_FILE_H
#define VMSCOPE_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
    FILE *fp;        /* write here */
    char *path;      /* final name (NULL for stdout) */
    char *tmp_path;  /* temporary name, NULL when writing in place */
    int in_place;
};

/* Returns 0 or -errno (af->fp is NULL on error). */
int atomic_file_open(struct atomic_file *af, const char *path);
/* Flush, fsync and rename. Returns 0 or -errno; on error nothing is left behind. */
int atomic_file_commit(struct atomic_file *af);
/* Discard: close and unlink the temporary. */
void atomic_file_abort(struct atomic_file *af);
/* After writing: abort when write_rc < 0 (returning it), else commit.
 * Returns 0 or -errno. */
int atomic_file_finish(struct atomic_file *af, int write_rc);

#endif
