/* capture: takes a snapshot of a live process: opens /proc/PID once,
 * reads smaps in one pass (so maps and smaps cannot disagree), status,
 * stat, thread SPs and identity, optionally the page census, then
 * classifies. A process that exits at any point gives -ESRCH, never a
 * half-built snapshot. */
#ifndef VMSCOPE_CAPTURE_H
#define VMSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/snapshot.h"

/* Lets an exporter start writing before the capture ends. Calls come on
 * the capturing thread, in this order: begin (pid, system and time are
 * known; not yet the identity or totals), region for index 0, 1, 2 ... in address order (classified
 * and final, valid only during the call; no page census), and reset when
 * what was handed out is void (records were rewritten, or a retry starts
 * over with begin). The finished snapshot is always the truth; an
 * observer that was reset must use it instead. */
struct capture_observer {
    void (*begin)(void *arg, const struct snapshot *header);
    void (*region)(void *arg, const struct region *r, size_t index);
    void (*reset)(void *arg);
    void *arg;
};

struct capture_options {
    bool census; /* page census through pagemap */
    /* A cheap sample for a live view's ticks: maps instead of smaps, RSS
     * and swap from a PAGEMAP_SCAN residency census, the other smaps
     * fields carried over from `previous` for regions that did not change
     * (left out for the others). Sets snapshot.light. */
    bool light;
    const struct snapshot *previous; /* last sample of this pid, or NULL */
    /* With light and previous: read /proc/PID/status first and, when its
     * counters (sizes, RSS by kind, swap, page tables, threads) equal
     * previous's, skip maps, the census and classification and return a
     * copy of previous with the new time and status (snapshot.gated). A
     * change that leaves them all equal (an mprotect that splits a VMA)
     * shows at the next sample taken without the gate. */
    bool gate;
    /* Receives regions while the capture is still reading, or NULL. */
    const struct capture_observer *observer;
    /* With light: a private anonymous range (the Detail grid's region)
     * whose page states the residency census gathers into
     * snapshot.focus on its way (pagemap.h); 0, 0 for none. */
    uint64_t focus_start, focus_end;
    /* The only capture of a short-lived command (snapshot): its region
     * list may take huge pages (xgrow_huge), never reused by a next tick. */
    bool once;
    /* How long a process that execs under the capture is retried before
     * -EAGAIN, in ms; 0 for a second (a tick must stay responsive). */
    unsigned exec_patience_ms;
};

/* Returns 0 and *out, or -errno: -ESRCH (no such process / exited),
 * -EACCES or -EPERM (not allowed to read its memory maps). */
int capture_snapshot(pid_t pid, const struct capture_options *opt, struct snapshot **out);

/* A one-line, user-facing explanation of a capture error (allocated). */
char *capture_error_message(pid_t pid, int err);

#endif
