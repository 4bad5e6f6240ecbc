/* input: opens a file vmscope reads (a snapshot or a recording) so that its
 * bytes come from the kernel once. A regular file opens as it is. A pipe,
 * FIFO, terminal or socket (`<(cmd)`, /dev/stdin, mkfifo) is kept, as it is
 * read, in an anonymous memory file that every later open of the same path
 * reads again: the format is told from the first bytes of the very stream
 * that is then parsed, and a recording from a pipe seeks like a file. */
#ifndef VMSCOPE_INPUT_H
#define VMSCOPE_INPUT_H

#include <stdint.h>
#include <stdio.h>

/* What a non-seekable input may hold in memory: a recording larger than
 * this must be saved to a file first. */
#define INPUT_SPOOL_MAX ((uint64_t)1 << 30)

/* Opens path for reading ("re"). Returns NULL with errno set (EFBIG, as a
 * read error, once a pipe passes INPUT_SPOOL_MAX). */
FILE *input_open(const char *path);

#endif
