/* smaps: the parser for /proc/PID/maps, /proc/PID/smaps and smaps_rollup.
 *
 * It takes bytes, never a pid, so it runs the same on live reads and on
 * fixtures. Input may arrive in chunks split anywhere: the parser keeps the
 * unfinished line. It decodes \012 in names, strips " (deleted)", keeps raw
 * non-UTF-8 bytes, ignores unknown keys, and applies the kernel's
 * documented race rule (a line that starts below the previous end replaces
 * or is clipped against the previous one). Malformed lines are counted and
 * skipped, never fatal. */
#ifndef VMSCOPE_SMAPS_H
#define VMSCOPE_SMAPS_H

#include "vmscope/buf.h"
#include "vmscope/vma.h"

#include <stdint.h>

struct smaps_parser {
    struct vma_list *out;
    struct buf pending;    /* bytes of an unfinished line */
    struct vma *current;   /* record receiving field lines */
    size_t next_field;     /* field order hint for fast key lookup */
    size_t bad_lines;      /* malformed lines skipped */
    size_t replaced;       /* race rule: records replaced or clipped */
    size_t rewritten_from; /* lowest index the race rule rewrote, or SIZE_MAX;
                              a consumer tracking finished records resets it */
    bool skipping;         /* ignoring the fields of a dropped line */
    bool truncated;        /* input ended mid-line */
};

void smaps_parser_init(struct smaps_parser *p, struct vma_list *out);
void smaps_parser_feed(struct smaps_parser *p, const char *data, size_t len);
/* Ends the input: a last line without newline is dropped and sets truncated. */
void smaps_parser_finish(struct smaps_parser *p);
void smaps_parser_free(struct smaps_parser *p);

/* Whole-buffer convenience; returns the number of bad lines. */
size_t smaps_parse_buffer(const char *data, size_t len, struct vma_list *out);

/* One maps header line (without newline). Returns 0 or -EINVAL; on success
 * v has its range, perms, offset, dev, inode and decoded name (allocated);
 * on failure v is untouched. */
int smaps_parse_header(const char *line, size_t len, struct vma *v);

/* Decode a maps name: "\012" -> '\n', strip " (deleted)". Sets v->name,
 * v->name_len and v->deleted. */
void smaps_decode_name(const char *name, size_t len, struct vma *v);

#endif
