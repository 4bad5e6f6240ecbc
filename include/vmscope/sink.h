/* sink: where samples go (architecture.md "Sources and sinks"): the TUI,
 * a recording (JSON Lines) or a text export printed each tick. The loop
 * (loop.h) hands a sink the first picture, every sample, exact event and
 * piece of news; a terminal sink also reads keys and draws, and says what
 * it wants of the loop with enum sink_request. */
#ifndef VMSCOPE_SINK_H
#define VMSCOPE_SINK_H

#include <stdbool.h>
#include <stdio.h>

#include "vmscope/export.h"
#include "vmscope/snapshot.h"
#include "vmscope/source.h"
#include "vmscope/syscall_event.h"

enum sink_caps {
    SINK_STAYS = 1 << 0, /* keeps the last state on screen after the end, until quit */
    SINK_ONCE = 1 << 1,  /* takes the first picture and nothing more */
};

/* What a terminal sink asks of the loop after reading keys. */
enum sink_request {
    SINK_QUIT = 1 << 0,
    SINK_RESAMPLE = 1 << 1, /* sample now (the interval changed) */
    SINK_FULL = 1 << 2,     /* a full sample now (Detail opened, export) */
    SINK_SEEK = 1 << 3,     /* show sample `seek_index` of the recording */
    SINK_EXPORT = 1 << 4,   /* after SINK_FULL: write the current snapshot */
    SINK_LOST = 1 << 5,     /* the terminal is gone (EOF, hang-up, error) */
};

struct sink;

struct sink_ops {
    /* The first picture (owned). Returns 0 or -errno. */
    int (*start)(struct sink *k, struct source *src, struct snapshot *first);
    /* A new sample (owned). Returns 0 or -errno (a write failed). */
    int (*sample)(struct sink *k, struct snapshot *s);
    int (*event)(struct sink *k, const struct syscall_event *e);
    /* The demo's announcement, program output, the end (news->how). */
    void (*news)(struct sink *k, const struct source_news *news);
    /* A sample could not be taken (not the end): msg is one line. */
    void (*trouble)(struct sink *k, const char *msg);
    /* The current sample, the base of the next light one (borrowed). */
    const struct snapshot *(*current)(struct sink *k);
    /* Terminal sinks: reading keys (readable: poll said the terminal is;
     * nothing there then means it is gone), drawing when something
     * changed, the e key's export, and the seek. */
    unsigned (*input)(struct sink *k, bool readable);
    void (*draw)(struct sink *k, struct source *src);
    void (*export)(struct sink *k);
    void (*seek)(struct sink *k, struct source *src);
    /* Work for the time between keys (a replay's Timeline, a few samples
     * at a time), or NULL; returns whether some is left. */
    bool (*background)(struct sink *k, struct source *src);
    /* The end: why ("stopped", "duration reached", ...), and rc, the
     * loop's error (0 or -errno); returns rc or a new error. */
    int (*finish)(struct sink *k, const char *why, int rc);
    void (*free)(struct sink *k);
};

struct sink {
    const struct sink_ops *ops;
    unsigned caps;
    int input_fd;    /* the terminal keys come from, or -1 */
    double interval; /* seconds between samples; a terminal sink may change it */
    bool paused;
    bool quit_by_key; /* a terminal sink: the user quit (q), not a signal or the end */
};

/* The TUI (curses starts at start()). */
struct sink *sink_view_new(double interval, bool color);
/* A recording into af, an opened output file (atomic_file.h) the sink
 * takes over: published once the first sample is written, committed at
 * finish, aborted (the old file kept) when the recording never started.
 * path is for messages. */
struct atomic_file;
struct sink *sink_recording_new(struct atomic_file *af, const char *path, double interval);
/* The headless demo: each sample as text with the phase, to stdout. */
struct sink *sink_text_new(double interval);
/* One export of the first picture to fp (kept open: the caller commits
 * it), or through js, the JSON stream that took the regions as they were
 * captured; sink_export_result() is the write's 0 or -errno. */
struct sink *sink_export_new(FILE *fp, enum export_format fmt, unsigned flags,
                             struct json_stream *js);
int sink_export_result(const struct sink *k);
/* The picker, for loop_keys(): keys and drawing only; sink_picker_chosen()
 * is the pid Enter picked, or 0. rows are borrowed. */
struct sink *sink_picker_new(double interval, bool color);
pid_t sink_picker_chosen(const struct sink *k);
void sink_free(struct sink *k);

#endif
