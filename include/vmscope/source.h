/* source: where samples come from (architecture.md "Sources and sinks"):
 * a live pid sampled on a timer, a program launched under ptrace, or a
 * file (a snapshot or a recording). A source states what it can do in
 * `caps`; the loop (loop.h) asks it for samples, news and page data, so
 * neither the sinks nor the screens ask which kind of source it is. */
#ifndef VMSCOPE_SOURCE_H
#define VMSCOPE_SOURCE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmscope/byte_ring.h"
#include "vmscope/launch.h"
#include "vmscope/page_runs.h"
#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"
#include "vmscope/tour.h"

enum source_caps {
    SOURCE_TIMER = 1 << 0,  /* samples on a timer (a live process): pause and interval apply */
    SOURCE_PAGES = 1 << 1,  /* page states of an address range, read now */
    SOURCE_SEEK = 1 << 2,   /* a recording: sample N on request */
    SOURCE_EVENTS = 1 << 3, /* exact memory-map calls (--trace) */
    SOURCE_OUTPUT = 1 << 4, /* a launched program, whose output is kept or sent elsewhere */
    SOURCE_REPORTS_END = 1 << 5, /* tells the target's end itself, with its last state */
};

/* What arrived since the last source_poll(); valid until the next call. */
struct source_news {
    struct snapshot *state; /* a state the source caught itself (launch: at exec, at exit); owned by the taker */
    const struct syscall_event *events;
    size_t n_events;
    bool output;            /* new bytes in source.output */
    const char *phase;      /* the demo's newest announcement, or NULL */
    const struct tour_word *tour; /* the tour's state when it said something, or NULL */
    bool ended;             /* the target is gone; `how` says how */
    char how[200];
    /* A launched program killed by a fault (launch), or a recording's
     * crash line (file): where the fault was. */
    struct crash_info crash;
};

/* What a timer sample reads (loop.h's cadence): the full smaps; maps and
 * a residency census (light); or, when /proc/PID/status says nothing
 * moved since prev, nothing more (gated: capture_options.gate). */
enum sample_kind { SAMPLE_FULL, SAMPLE_LIGHT, SAMPLE_GATED };

struct source;

struct source_ops {
    /* The first picture: 0, or -errno with *why (allocated, one line). */
    int (*first)(struct source *s, struct snapshot **out, char **why);
    /* A sample now (SOURCE_TIMER): 0 or -errno (-ESRCH: the target is gone,
     * and the next poll's news says how, when the source knows). */
    int (*sample)(struct source *s, const struct snapshot *prev, enum sample_kind kind,
                  struct snapshot **out);
    /* The samples up to the first picture (a recording), oldest first,
     * with the events among them: those read by now, at most max (the
     * first call starts the reading; fds() wakes the loop when more are
     * ready). on_sample takes snap. Returns the samples given; history_left
     * is 0 once all are. */
    long (*history)(struct source *s, long max, void (*on_sample)(void *arg, struct snapshot *snap),
                    void (*on_event)(void *arg, const struct syscall_event *e), void *arg);
    /* File descriptors whose readiness means news; returns how many. */
    size_t (*fds)(struct source *s, struct pollfd *fds, size_t max);
    void (*poll)(struct source *s, struct source_news *news);
    /* Page states for the Detail grid (SOURCE_PAGES). */
    int (*pages)(struct source *s, const struct page_request *rq, struct page_answer *out);
    /* Sample index of a recording (SOURCE_SEEK). */
    int (*seek)(struct source *s, long index, struct snapshot **out, char **why);
    /* Ends the target (SOURCE_REPORTS_END): kill. News keeps coming until
     * the end is reported. */
    void (*kill)(struct source *s);
    /* The tour's control bytes (tour.h), or NULL when it has none. */
    void (*control)(struct source *s, const char *bytes, size_t len);
    void (*free)(struct source *s);
};

struct source {
    const struct source_ops *ops;
    unsigned caps;
    pid_t pid;
    const char *name;       /* the file or the command, for messages */
    long count;             /* SOURCE_SEEK: samples in the recording */
    long history_left;      /* samples history() has yet to give (about; 0: none) */
    bool cut;               /* a recording that ends mid-line */
    double rec_interval;    /* SOURCE_SEEK: the interval it was recorded at, s; 0 unknown */
    const struct byte_ring *output; /* SOURCE_OUTPUT: the program's terminal, or NULL */
    char output_note[256];  /* ... or where its output went instead */
    bool ended;             /* set by the loop once news said so */
    int poll_ms;            /* > 0: news may come without waking fds(); look this often */
    bool full_samples;      /* every sample reads all smaps fields (a tour phase needs them) */
    /* SOURCE_PAGES: the private anonymous range the page grid shows
     * (start < end), whose states a light sample reads with its census
     * (capture_options.focus_*); set by the sink, 0, 0 for none. */
    uint64_t focus_start, focus_end;
};

/* vmscope -p PID; announce_fd >= 0: the demo workload's phase lines, and
 * the source kills and reaps pid at the end. */
struct source *source_pid_new(pid_t pid, int announce_fd);
/* The tour program (vmscope-tour): a pid source with its announcements,
 * whose control bytes go to control_fd (closed with the source). */
struct source *source_tour_new(pid_t pid, int announce_fd, int control_fd);
/* The first picture of a pid source taken with these options (a census,
 * an observer streaming it out); later samples take their own. */
struct capture_options;
void source_pid_first_options(struct source *s, const struct capture_options *opt);
/* A program under ptrace; takes ownership of l. output_file: where its
 * output went instead of a pty (for the Output screen's note). */
struct source *source_launch_new(struct launch *l, const char *command, bool trace,
                                 const char *output_file);
/* A snapshot or recording file (nothing is read until first()). */
struct source *source_file_new(const char *path);

/* The page read of a live process, shared by the pid and launch sources. */
int source_read_pages(pid_t pid, const struct page_request *rq, struct page_answer *a);

static inline int source_first(struct source *s, struct snapshot **out, char **why)
{
    return s->ops->first(s, out, why);
}
void source_free(struct source *s);

#endif
