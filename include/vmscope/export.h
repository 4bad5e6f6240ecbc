/* export: writes a snapshot as JSON (formats.md contract, via jansson), CSV,
 * pmap-like text or an SVG picture. Strings from the target follow the JSON rule of
 * formats.md (U+FFFD plus a lossless <key>_hex sibling); text output, and
 * any output going to a terminal, passes them through the sanitiser; SVG
 * through its XML form. */
#ifndef VMSCOPE_EXPORT_H
#define VMSCOPE_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vmscope/snapshot.h"

/* EXPORT_PERFETTO: Chrome JSON trace events (perfetto.h), for a whole
 * recording; a single snapshot is a trace of one sample. */
enum export_format { EXPORT_TEXT, EXPORT_JSON, EXPORT_CSV, EXPORT_SVG, EXPORT_PERFETTO };

/* "json" / "csv" / "text" / "svg" / "perfetto". Returns 0 or -EINVAL. */
int export_format_parse(const char *name, enum export_format *out);
/* Guess from a file name's extension; false when there is none we know. */
bool export_format_from_path(const char *path, enum export_format *out);

enum export_flags {
    EXPORT_TO_TERMINAL = 1 << 0, /* sanitise everything, ASCII-only JSON */
    EXPORT_COMPACT = 1 << 1,     /* JSON on one line (a recording's sample) */
};

/* Writes s to fp. Returns 0, or -errno when writing failed. */
int export_snapshot(const struct snapshot *s, enum export_format fmt, unsigned flags, FILE *fp);

int export_json(const struct snapshot *s, unsigned flags, FILE *fp);
int export_csv(const struct snapshot *s, unsigned flags, FILE *fp);
int export_text(const struct snapshot *s, unsigned flags, FILE *fp);

/* SVG for a browser: header, class legend and totals, and the map (as the
 * Map screen lays it out), each region a <g> of its class's colour with a
 * <title> tooltip; with a history, RSS over time stacked by class too.
 * opt may be NULL (a snapshot alone). */
struct rss_history;
struct svg_options {
    const struct rss_history *history; /* a recording's RSS over time, or NULL */
    long sample;                       /* which sample of it the map shows, or -1 */
};
int export_svg(const struct snapshot *s, const struct svg_options *opt, unsigned flags, FILE *fp);
/* The fill of a class in the SVG ("#rrggbb"), matching the TUI's colours. */
const char *svg_class_colour(enum region_class c);

/* JSON written while the capture is still reading: pass the observer to
 * capture_snapshot(), then call json_stream_finish() with the snapshot.
 * fp must be a regular file (a reset rewrites it from the start); the
 * result is byte for byte what export_json() writes. */
struct json_stream;
struct capture_observer;
struct json_stream *json_stream_new(FILE *fp, unsigned flags);
const struct capture_observer *json_stream_observer(struct json_stream *js);
int json_stream_finish(struct json_stream *js, const struct snapshot *s);
void json_stream_free(struct json_stream *js);
/* How many regions went out during the capture (before any rewrite). */
size_t json_stream_regions_streamed(const struct json_stream *js);

/* One region as a JSON object (formats.md), appended to out. */
struct buf;
void json_put_region(struct buf *out, const struct region *r, unsigned census_measured,
                     unsigned flags);
/* ,"key":"s" with s (n bytes from the target) as a JSON string by the
 * formats.md rule (U+FFFD, plus ,"key_hex":"..." when not valid UTF-8). */
void json_put_key_string(struct buf *out, const char *key, const char *s, size_t n,
                         unsigned flags);
/* The "process" and "status" objects of a snapshot's JSON (new
 * references), for the recording's deltas and their reader. */
typedef struct json_t json_t;
json_t *json_process_object(const struct snapshot *s);
struct proc_status;
json_t *json_status_object(const struct proc_status *st);
/* obj[key] = s from the target, with key_hex when it is not UTF-8. */
void json_set_string_hex(json_t *obj, const char *key, const char *s);
/* `vmscope callsites`: the tree and flat list as text, or JSON
 * (vmscope.callsites); ids[i] is sites[i]'s stack id in the recording
 * (0: none), or ids NULL. */
struct callsite_report;
int export_callsites_text(const struct callsite_report *r, FILE *fp);
int export_callsites_json(const struct callsite_report *r, const uint64_t *ids, FILE *fp);
/* A call stack's frames (vmscope.stack's "frames"), a new reference. */
struct stack;
json_t *json_stack_frames(const struct stack *st);
/* ns since the epoch as ISO 8601 UTC with milliseconds ("...T02:16:08.123Z"). */
void format_time(uint64_t ns, char *out, size_t size);

/* A diff (vmscope.diff, formats.md) as JSON, or as text. */
struct snapshot_diff;
int export_diff_json(const struct snapshot_diff *d, unsigned flags, FILE *fp);
int export_diff_text(const struct snapshot_diff *d, unsigned flags, FILE *fp);

/* Page runs of `vmscope pages` (the vmscope.pages format, or text). */
struct page_runs;
int export_pages_json(pid_t pid, uint64_t start, uint64_t end, const struct page_runs *runs,
                      FILE *fp);
int export_pages_text(pid_t pid, uint64_t start, uint64_t end, const struct page_runs *runs,
                      FILE *fp);

#endif
