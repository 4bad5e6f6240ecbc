/* capture: takes a snapshot of a live process: opens /proc/PID once,
 * reads smaps in one pass (so maps and smaps cannot disagree), status,
 * stat, thread SPs and identity, optionally the page census, then
 * classifies. A process that exits at any point gives -ESRCH, never a
 * half-built snapshot. */
#ifndef VMSCOPE_CAPTURE_H
#define VMSCOPE_CAPTURE_H

#include <stdbool.h>
#include <sys/types.h>

#include "vmscope/snapshot.h"

struct capture_options {
    bool census; /* page census through pagemap */
    const struct snapshot *previous; /* last sample of this pid, or NULL */
};

/* Returns 0 and *out, or -errno: -ESRCH (no such process / exited),
 * -EACCES or -EPERM (not allowed to read its memory maps). */
int capture_snapshot(pid_t pid, const struct capture_options *opt, struct snapshot **out);

/* A one-line, user-facing explanation of a capture error (allocated). */
char *capture_error_message(pid_t pid, int err);

#endif
