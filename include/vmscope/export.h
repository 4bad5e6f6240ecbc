/* export: writes a snapshot as JSON (formats.md contract, via jansson), CSV
 * or pmap-like text. Strings from the target follow the JSON rule of
 * formats.md (U+FFFD plus a lossless <key>_hex sibling); text output, and
 * any output going to a terminal, passes them through the sanitiser. */
#ifndef VMSCOPE_EXPORT_H
#define VMSCOPE_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "vmscope/snapshot.h"

enum export_format { EXPORT_TEXT, EXPORT_JSON, EXPORT_CSV };

/* "json" / "csv" / "text". Returns 0 or -EINVAL. */
int export_format_parse(const char *name, enum export_format *out);
/* Guess from a file name's extension; false when there is none we know. */
bool export_format_from_path(const char *path, enum export_format *out);

enum export_flags {
    EXPORT_TO_TERMINAL = 1 << 0, /* sanitise everything, ASCII-only JSON */
};

/* Writes s to fp. Returns 0, or -errno when writing failed. */
int export_snapshot(const struct snapshot *s, enum export_format fmt, unsigned flags, FILE *fp);

int export_json(const struct snapshot *s, unsigned flags, FILE *fp);

/* JSON rendering that starts during the capture: pass
 * json_prerender_region as the capture's region observer, with the object
 * as its argument, then export with export_json_prerendered(). Regions that
 * changed after they were rendered are rendered again, so the output is
 * the same as export_json()'s. */
struct json_prerender;
struct vma;
struct json_prerender *json_prerender_new(unsigned flags);
void json_prerender_free(struct json_prerender *p);
void json_prerender_region(void *prerender, const struct vma *v, size_t index);
int export_json_prerendered(const struct snapshot *s, const struct json_prerender *pre,
                            unsigned flags, FILE *fp);
int export_csv(const struct snapshot *s, unsigned flags, FILE *fp);
int export_text(const struct snapshot *s, unsigned flags, FILE *fp);

#endif
