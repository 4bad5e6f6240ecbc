/* smaps_stream: reads /proc/PID/smaps on a background thread, so parsing
 * (and anything else the caller does meanwhile) overlaps the kernel's page
 * table walk, which is the floor of every snapshot. The kernel hands out
 * about a page per read(); the thread batches reads into large chunks. */
#ifndef VMSCOPE_SMAPS_STREAM_H
#define VMSCOPE_SMAPS_STREAM_H

#include "vmscope/procfs.h"
#include "vmscope/smaps.h"

struct smaps_stream;

/* Opens the file ("smaps", or "maps" for the records without the page
 * walk; errors such as -EACCES are returned here) and starts reading. */
int smaps_stream_start(const struct proc_target *t, const char *file, struct smaps_stream **out);
/* Feeds every chunk to p as it arrives, until the end of the file, calling
 * after_chunk(arg) (if not NULL) after each. Returns 0 or the read error
 * (-ESRCH when the process went away). Frees s. */
int smaps_stream_consume(struct smaps_stream *s, struct smaps_parser *p,
                         void (*after_chunk)(void *arg), void *arg);

#endif
