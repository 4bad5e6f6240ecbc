/* json_reader: a vmscope.snapshot JSON document back into the same model
 * objects a live capture builds (ncdu's import/export symmetry), so saved
 * snapshots go through the same screens and diffs. Unknown keys are
 * ignored; a document that is not ours, or is corrupt, gives one clear
 * message. */
#ifndef VMSCOPE_JSON_READER_H
#define VMSCOPE_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

/* The largest document the readers take (a snapshot file, one line of a
 * recording): far above a real one (20,000 mappings make about 12 MB) and
 * what keeps a hostile file from costing unbounded memory or time. Memory
 * while reading stays within about 32 times the document's size. */
#define JSON_READER_MAX_BYTES ((size_t)256 << 20)

/* Reads a snapshot from path. Returns 0 and *out, or -errno with *why set
 * to an allocated one-line explanation. */
int json_read_snapshot_file(const char *path, struct snapshot **out, char **why);
/* Regions read by the readers of this process so far, from any thread:
 * a progress count for a long read. */
size_t json_reader_regions_read(void);
/* The same from a buffer (what the reader of recordings uses). */
int json_read_snapshot(const char *text, size_t len, struct snapshot **out, char **why);
/* The same for a document as vmscope writes it, without a jansson tree of
 * its regions: 1 and *out, or 0 (nothing read) when the document needs the
 * general way, which then reads it, or says why not, the same. */
int json_read_snapshot_fast(const char *text, size_t len, struct snapshot **out);
/* For the recording reader's deltas, the same way. A document as the
 * writer writes it with the top-level arrays named by keys (each there
 * once) found: their text in spans, and the document with each emptied
 * ("[]") in head. Then such an array of regions read as json_region_into
 * reads them (strings interned into s; sorted: refuse regions out of
 * order or overlapping), into arrays the caller frees, names included.
 * Both return 1, or 0 (nothing kept) when the general way must read it. */
struct buf;
struct json_span {
    const char *text;
    size_t len;
};
int json_split_fast(const char *text, size_t len, const char *const *keys, size_t n_keys,
                    struct json_span *spans, struct buf *head);
int json_regions_fast(struct snapshot *s, const char *text, size_t len, bool sorted,
                      struct vma **vmas, struct region **regions, size_t *n);

/* For the recording reader: a parsed document, and regions parsed into a
 * snapshot's arrays (v is the record r->vma will point to). */
typedef struct json_t json_t;
/* Parses one JSON document as the readers need it (NULs allowed, inodes
 * above 2^63 kept). NULL and *why = "not JSON: ..." (one sanitised line)
 * if it is not JSON. */
json_t *json_parse_document(const char *text, size_t len, char **why);
int json_snapshot_from_doc(json_t *doc, struct snapshot **out, char **why);
int json_region_into(struct snapshot *s, json_t *o, struct region *r, struct vma *v, size_t i,
                     char **why);
/* For the recording reader: a delta's process and status: cur's with the
 * keys of the delta's "process" and "status" objects set over them (null
 * removes one); a delta without "status" (version 1) has none. */
void json_delta_process_status(struct snapshot *s, const struct snapshot *cur, json_t *delta);
/* Whether a delta's totals say PSS was measured (regions_have_it when it
 * has no totals). */
bool json_delta_has_pss(json_t *delta, bool regions_have_it);
/* "time" as the writer writes it ("2026-11-22T02:16:08.123Z") into ns
 * since the epoch; false if it does not read. */
bool json_read_time(json_t *v, uint64_t *ns);
/* A region address as the writer writes it: "0x" and 1 to 16 hex digits
 * (either case), nothing else. */
/* obj[key]'s exact bytes (from key_hex if there), allocated; NULL if absent. */
char *json_read_string_hex(json_t *obj, const char *key);
bool json_parse_address(const char *text, uint64_t *out);
/* Copy a region (and its record) into snapshot s's string table. */
void json_region_copy(struct snapshot *s, const struct region *from, struct region *r,
                      struct vma *v);

#endif
