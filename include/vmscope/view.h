/* view: the ncurses screens. One struct view holds what every screen
 * shares (the current and previous snapshot, the timeline, the selected
 * region, sort and filter, pause, interval). Each screen is a descriptor
 * (draw, key, name) in one registry; key handlers return flags and only
 * the event loop acts on them. Every string from the target is drawn
 * through sanitize_fit(). */
#ifndef VMSCOPE_VIEW_H
#define VMSCOPE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/byte_ring.h"
#include "vmscope/callsites.h"
#include "vmscope/page_runs.h"
#include "vmscope/snapshot.h"
#include "vmscope/syscall_event.h"
#include "vmscope/timeline.h"
#include "vmscope/tour.h"
#include "vmscope/util.h"

enum view_flags {
    VIEW_HANDLED = 1 << 0,
    VIEW_REDRAW = 1 << 1,
    VIEW_RESAMPLE = 1 << 2, /* take a sample now (interval changed) */
    VIEW_QUIT = 1 << 3,
    VIEW_EXPORT = 1 << 4,   /* write the current snapshot as JSON */
    VIEW_FULL = 1 << 5,     /* take a full smaps sample now (detail opened) */
    VIEW_SEEK = 1 << 6,     /* show sample rec_index of the recording */
};

/* The first SCREEN_TABS screens are tabs (Output only in launch mode);
 * Detail opens with Enter, the others after it with a letter (Call
 * sites: C). */
enum screen_id { SCREEN_SUMMARY, SCREEN_MAP, SCREEN_REGIONS, SCREEN_TIMELINE, SCREEN_DIFF,
                 SCREEN_HELP, SCREEN_OUTPUT, SCREEN_DETAIL, SCREEN_THREADS, SCREEN_CALLSITES,
                 SCREEN_COUNT };
#define SCREEN_TABS 7

/* One per Regions column (the first seven were the only ones before). */
enum sort_key { SORT_ADDRESS, SORT_SIZE, SORT_RSS, SORT_PSS, SORT_SWAP, SORT_CLASS, SORT_NAME,
                SORT_END, SORT_PERMS, SORT_PRIVATE_DIRTY, SORT_SHARED_DIRTY, SORT_OFFSET,
                SORT_LOCKED, SORT_THP, SORT_TID, SORT_OBJECT, SORT_COUNT };

/* The Regions columns a person can add or remove (F2); Start, Size, Perm,
 * Class, RSS, PSS and Name are always there. */
enum region_column { COL_END, COL_PRIVATE_DIRTY, COL_SHARED_DIRTY, COL_SWAP, COL_OFFSET,
                     COL_LOCKED, COL_THP, COL_TID, COL_OBJECT, COL_COUNT };

/* The guided tour (--demo): what its program last said, and what the
 * view did about it (tour_view.c). */
struct view_tour {
    struct tour_word word;  /* word.count 0: no tour */
    uint64_t acted;         /* the word.serial the view has acted on */
    bool select_pending;    /* the region it speaks of is not in a sample yet */
    uint64_t grid_at;       /* the page grid opens at one page per cell there */
    bool list;              /* the list of phases is open (t) */
    long cursor;            /* ... and its cursor */
    char cmd[8];            /* control bytes for the tour program, not yet sent */
    size_t cmd_len;
};

/* The shared model state every screen reads (samples, time cursor,
 * baseline, selection, sort and filter), the frame's (which screen, the
 * prompt, the status line), and each screen's own state, which only that
 * screen knows the shape of (screens.h). */
struct view {
    /* the model */
    struct snapshot *snap; /* current; owned */
    struct snapshot *prev; /* the one before; owned */
    struct snapshot *baseline; /* marked with m, for the Diff screen; owned */
    struct snapshot *history_last; /* a recording's past: the last one the timeline took; owned */
    struct timeline timeline;
    long rec_index, rec_count; /* a recording: the sample shown (time cursor), and how many */
    struct trace_log trace;    /* the exact events (--trace), once enabled */
    struct callsite_ledger *calls; /* every one of them, per call site (callsites.h) */
    uint32_t traced_since_sample; /* events since the last sample */
    uint64_t start_ns; /* the earliest sample or event seen: the log's time 0 */
    /* A launched program: its output (a pty), or a note on where it went;
     * with neither there is no Output tab. */
    const struct byte_ring *output;
    char output_note[256];
    uint64_t selected; /* start address of the selected region, shared by screens */
    enum sort_key sort;
    bool sort_reverse; /* I: the other way round */
    unsigned columns;  /* bits of enum region_column, once chosen (F2) */
    bool columns_chosen; /* false: the columns follow the width */
    char filter[128];  /* name, class or subclass substring, or "type:KEY" (a
                        * Summary row, summary.h); "" = all */
    bool paused;
    double interval;
    /* the frame */
    bool color;
    enum screen_id screen;
    enum screen_id back; /* where Esc returns from Help or Detail */
    char search[256];  /* the input line while typing / or \ (or the export path) */
    int input_mode;    /* 0, '/' (search), '\\' (filter), 'e' (export format), 'E' (its path) */
    /* e: the format asked for ('j' JSON, 'c' CSV, 't' text, 's' SVG) and the
     * path, for the loop's export */
    char export_format;
    char export_path[256];
    char banner[256];  /* exited / error, shown in the status line */
    char message[512]; /* transient status (export path, search miss) */
    char phase[256];   /* demo: the current lesson */
    struct view_tour tour;
    char gone[16];     /* "exited" or "zombie" once the process is gone, else "" */
    double rec_interval; /* a recording's sampling interval in seconds, 0 if unknown */
    uint64_t rec_t0_ns;  /* a recording's first sample (monotonic), 0 if unknown */
    long rec_loaded;     /* samples of the recording's past taken so far */
    bool rec_header_interval; /* rec_interval is the recording header's */
    /* Detail: the region it shows, kept when the region disappears */
    uint64_t detail_start, detail_end;
    bool detail_gone;
    int rows, cols;
    /* the marks of view_baseline_mark, for the snapshot and baseline taken
     * at these times (recomputed when either changes) */
    char *marks;
    uint64_t marks_snap_ns, marks_base_ns;
    /* each screen's own state, allocated and owned by that screen */
    void *screen_state[SCREEN_COUNT];
};

void view_init(struct view *v, double interval, bool color);
/* Opens Detail on the selected region (back goes to `back`): the Detail
 * takes the region it shows afresh. */
void view_open_detail(struct view *v, enum screen_id back);
void view_free(struct view *v);
/* Takes ownership of snap: it becomes current, the current one previous,
 * and the timeline records it. */
void view_push_snapshot(struct view *v, struct snapshot *snap);
/* A sample of a recording's past, oldest first, for the timeline only
 * (the screens go on showing the current one); takes snap. The timeline
 * ends up as view_push_snapshot() of each would leave it. */
void view_add_history(struct view *v, struct snapshot *snap);
/* Launch mode with --trace: keep the exact events. */
void view_enable_trace(struct view *v);
/* Whether the view keeps exact events (they replace the region events). */
bool view_traced(const struct view *v);
void view_add_syscall_event(struct view *v, const struct syscall_event *e);
/* The traced events kept, oldest first, copied into a new array (*out,
 * free() it; n returned). In a recording, those up to the sample shown. */
size_t view_trace_events(const struct view *v, struct syscall_event **out);
/* A recording shown before its last sample: what the view holds of its
 * calls goes past the sample shown. */
bool view_trace_before_end(const struct view *v);
/* Whether the call-site ledger (v->calls) answers for every traced call:
 * not before a recording's end, nor once it went past its bound. */
bool view_every_call(const struct view *v);
/* The page states the Detail grid would show now: false when none are
 * needed (another screen, or the ones held answer this very request). */
bool view_page_request(struct view *v, struct page_request *rq);
/* The loop's answer to that request (takes a's runs). */
void view_set_pages(struct view *v, const struct page_request *rq, struct page_answer *a);
/* What the grid holds: this sample's page states (or, previous, the
 * sample before's), borrowed; and why there are none, or NULL. */
const struct page_runs *view_pages(struct view *v, bool previous);
const char *view_pages_note(struct view *v);
/* How many tabs there are (Output is one only for a launched program). */
int view_tab_count(const struct view *v);
/* Shows snap (owned) instead of the current one, leaving the timeline as
 * it is: moving through a recording. */
void view_replace_snapshot(struct view *v, struct snapshot *snap);

/* The tour said something (w): the view goes to the region, the screen
 * and the zoom its sentence speaks of. */
void view_tour_heard(struct view *v, const struct tour_word *w);
/* After a sample: select the region the tour speaks of once it is there. */
void view_tour_follow(struct view *v);
/* Whether r is the region the tour's sentence speaks of (marked '>'). */
bool view_tour_marks(const struct view *v, const struct region *r);
/* The control bytes the keys asked for (moved to out, at most max; the
 * rest stay queued for the next call). */
size_t view_tour_take_commands(struct view *v, char *out, size_t max);

/* curses lifecycle: tui_start installs the teardown that fatal() and the
 * signal path run, so the terminal is always restored. */
void tui_start(bool color);
void tui_stop(void);
void tui_draw(struct view *v);
/* The terminal went away (hang-up, end of file, an error): readable with
 * nothing to read. Asked before reading keys. */
bool tui_terminal_gone(void);
/* The next key without waiting, or ERR when none is there. A mouse event
 * ncurses merges away (a release) makes getch() return ERR while keys it
 * read behind it wait in its own buffer, where poll cannot see them: only
 * a second ERR in a row means there is no key. */
int tui_read_key(void);
int tui_key(struct view *v, int ch);

/* The default name of an export in format fmt ('j', 'c', 't', 's'): in the
 * current directory, with the pid, the time and a random part nobody can
 * plant in advance ("vmscope-PID-YYYYmmdd-HHMMSS-xxxxxx.json"). */
void view_export_default_name(const struct view *v, char fmt, char *out, size_t size);

/* Regions in the order and with the filter the Regions screen shows;
 * returns a newly allocated array of indexes into v->snap->regions. */
size_t view_region_order(const struct view *v, size_t **out);
/* The Regions columns shown now (bits of enum region_column). */
unsigned view_columns(const struct view *v);
/* The next sort key s / F6 gives: the next column shown. */
enum sort_key view_next_sort(const struct view *v);
/* Region i of v->snap against the baseline (m): '+' added since, '~'
 * changed (size, permissions, class, RSS...), ' ' the same or no baseline. */
char view_baseline_mark(struct view *v, size_t i);

/* Index of the selected region in v->snap, or -1. */
long view_selected_index(const struct view *v);
/* Select the region that contains addr, or whose name contains text. */
bool view_search(struct view *v, const char *text);

/* A process the picker offers; the app reads the list (the view reads
 * nothing). Strings are the targets': the picker sanitises them. */
struct picker_row {
    pid_t pid;
    const char *user;
    uint64_t rss; /* bytes */
    const char *command;
    const char *why; /* why vmscope cannot read it (one line), or NULL */
    uint64_t pss, swap; /* bytes, when has_memory */
    bool has_memory;
    size_t mappings;
    int threads; /* -1 when unknown */
};
/* The process picker over rows (borrowed until picker_free or the next
 * picker_set_rows): drawn when the loop says, keys return view flags;
 * Enter on a readable process sets *chosen and quits, on one vmscope
 * cannot read it says why and stays. s / F6 change the sort (RSS, PSS,
 * swap, mappings, threads, PID, user, command), I reverses it; / searches
 * (command, user or pid), u shows one user's processes. */
struct picker;
struct picker *picker_new(const struct picker_row *rows, size_t n);
/* A fresh list (the refresh): the cursor stays on its process. */
void picker_set_rows(struct picker *p, const struct picker_row *rows, size_t n);
void picker_free(struct picker *p);
void picker_draw(struct picker *p);
int picker_key(struct picker *p, int ch, pid_t *chosen);

#endif
