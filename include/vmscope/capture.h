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
    /* Called once per VMA, in address order, as soon as its record is
     * complete: on the capturing thread, while smaps is still being read,
     * so an exporter can start rendering. v is valid only during the call.
     * An index at or below one already given restarts from there: the
     * records were rewritten (the maps race rule), or a new attempt began
     * (a capture retries after an exec). */
    void (*on_vma)(void *arg, const struct vma *v, size_t index);
    void *on_vma_arg;
};

/* Returns 0 and *out, or -errno: -ESRCH (no such process / exited),
 * -EACCES or -EPERM (not allowed to read its memory maps). */
int capture_snapshot(pid_t pid, const struct capture_options *opt, struct snapshot **out);

/* A one-line, user-facing explanation of a capture error (allocated). */
char *capture_error_message(pid_t pid, int err);

#endif
