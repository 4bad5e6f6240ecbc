/* Seeking in a recording (see recording.h): one pass over the lines finds
 * where the keyframes start; a sample is read from the keyframe before it.
 * Only offsets are kept, so memory grows with the keyframes, not with the
 * file. */
#include "vmscope/input.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct keyframe {
    off_t offset; /* where its line starts */
    long sample;  /* its sample number */
};

struct recording_index {
    struct recording_iter it; /* the cursor: owns the file */
    struct keyframe *keys;
    size_t n_keys, cap;
    off_t data;   /* where the line after the header starts */
    long count;
    bool cut;
    struct snapshot *single; /* a snapshot file: its one sample */
};

/* LINE_BAD: the iterator refuses it (not JSON, no "format", too long); it
 * counts as a sample, so that reading up to it says why. */
enum line_kind { LINE_SAMPLE, LINE_KEYFRAME, LINE_OTHER, LINE_BAD, LINE_UNKNOWN };

/* Enough of a line's start to read `{ "format" : "vmscope.snapshot"`. */
#define HEAD 96

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* What a line is, from its first bytes, when it opens with "format" as the
 * writer writes it (blanks allowed); LINE_UNKNOWN when only parsing tells. */
static enum line_kind kind_of_head(const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    static const char key[] = "\"format\"", ns[] = "\"vmscope.";
    p = skip_blanks(p, end);
    if (p == end || *p++ != '{')
        return LINE_UNKNOWN;
    p = skip_blanks(p, end);
    if ((size_t)(end - p) < sizeof key - 1 || memcmp(p, key, sizeof key - 1) != 0)
        return LINE_UNKNOWN;
    p = skip_blanks(p + sizeof key - 1, end);
    if (p == end || *p++ != ':')
        return LINE_UNKNOWN;
    p = skip_blanks(p, end);
    if ((size_t)(end - p) < sizeof ns - 1 || memcmp(p, ns, sizeof ns - 1) != 0)
        return LINE_UNKNOWN;
    p += sizeof ns - 1;
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q || strspn(p, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(q - p))
        return LINE_UNKNOWN; /* an escape, or bytes only the parser judges */
    /* the iterator takes "snapshot" and "delta" as samples (and refuses
     * them if they do not read), skips event lines as the writer writes
     * them unread, and parses any other line */
    if (q - p == 8 && memcmp(p, "snapshot", 8) == 0)
        return LINE_KEYFRAME;
    if (q - p == 5 && memcmp(p, "delta", 5) == 0)
        return LINE_SAMPLE;
    if (q - p == 5 && memcmp(p, "stack", 5) == 0) /* a call stack, never a sample */
        return LINE_OTHER;
    static const char event[] = "{\"format\":\"vmscope.event\"";
    if (len >= sizeof event && memcmp(head, event, sizeof event - 1) == 0) /* as it tests */
        return LINE_OTHER;
    return LINE_UNKNOWN;
}

/* A line written in another key order: parsed (it is rare) to learn its
 * "format". The file position is kept. */
static enum line_kind kind_of_line(FILE *fp, off_t at, off_t len)
{
    if (len <= 0 || (uint64_t)len > JSON_READER_MAX_BYTES)
        return LINE_BAD;
    off_t back = ftello(fp);
    char *text = xmalloc((size_t)len + 1);
    enum line_kind kind = LINE_BAD;
    if (back >= 0 && fseeko(fp, at, SEEK_SET) == 0 && fread(text, 1, (size_t)len, fp) == (size_t)len) {
        char *ignored = NULL;
        json_t *doc = json_parse_document(text, (size_t)len, &ignored);
        const char *format = json_string_value(json_object_get(doc, "format"));
        if (format && strcmp(format, "vmscope.snapshot") == 0)
            kind = LINE_KEYFRAME;
        else if (format && strcmp(format, "vmscope.delta") == 0)
            kind = LINE_SAMPLE;
        else if (format)
            kind = LINE_OTHER;
        json_decref(doc);
        free(ignored);
    }
    free(text);
    if (back >= 0)
        fseeko(fp, back, SEEK_SET);
    return kind;
}

static void add_line(struct recording_index *idx, enum line_kind kind, off_t at)
{
    if (kind == LINE_KEYFRAME) {
        if (idx->n_keys == idx->cap) {
            idx->cap = idx->cap ? 2 * idx->cap : 16;
            idx->keys = xrealloc(idx->keys, idx->cap * sizeof *idx->keys);
        }
        idx->keys[idx->n_keys++] = (struct keyframe){at, idx->count};
    }
    if (kind != LINE_OTHER)
        idx->count++;
}

#define BLOCK ((size_t)1 << 20)

/* The one pass: every complete line after the header, by its first bytes. */
static int scan(struct recording_index *idx, char **why)
{
    FILE *fp = idx->it.fp;
    off_t pos = ftello(fp); /* of blk[0] */
    idx->data = pos;
    if (pos < 0) {
        *why = xasprintf("cannot read %s: %s", idx->it.path, strerror(errno));
        return -errno;
    }
    char *blk = xmalloc(BLOCK);
    char head[HEAD];
    size_t head_len = 0, n;
    off_t line = pos;
    while ((n = fread(blk, 1, BLOCK, fp)) > 0) {
        size_t i = 0;
        while (i < n) {
            const char *nl = memchr(blk + i, '\n', n - i);
            size_t seg = nl ? (size_t)(nl - blk) : n;
            size_t take = seg - i < HEAD - head_len ? seg - i : HEAD - head_len;
            memcpy(head + head_len, blk + i, take);
            head_len += take;
            if (!nl)
                break;
            off_t next = pos + (off_t)seg + 1;
            enum line_kind kind = kind_of_head(head, head_len);
            if (kind == LINE_UNKNOWN)
                kind = kind_of_line(fp, line, next - line);
            add_line(idx, kind, line);
            i = seg + 1;
            line = next;
            head_len = 0;
        }
        pos += (off_t)n;
        if ((uint64_t)(pos - line) > JSON_READER_MAX_BYTES)
            break; /* a line the iterator refuses: nothing past it can be read */
    }
    int err = ferror(fp) ? (errno ? errno : EIO) : 0;
    free(blk);
    if (err) {
        *why = xasprintf("cannot read %s: %s", idx->it.path, strerror(err));
        return -err;
    }
    if ((uint64_t)(pos - line) > JSON_READER_MAX_BYTES) {
        add_line(idx, LINE_BAD, line); /* the iterator refuses it before its end */
        return 0;
    }
    idx->cut = line < pos; /* the last line has no newline: killed mid-line */
    return 0;
}

static int index_open(const char *path, bool snapshots, struct recording_index **out,
                      char **why)
{
    *out = NULL;
    *why = NULL;
    struct recording_index *idx = xcalloc(1, sizeof *idx);
    int rc;
    if (snapshots && !recording_is(path)) {
        rc = json_read_snapshot_file(path, &idx->single, why);
        idx->count = 1;
    } else if ((rc = recording_iter_open(&idx->it, path, why)) == 0) {
        rc = scan(idx, why);
    }
    if (rc < 0) {
        recording_index_close(idx);
        return rc;
    }
    *out = idx;
    return 0;
}

struct recording_index *recording_index_open(const char *path, char **why)
{
    struct recording_index *idx;
    int rc = index_open(path, true, &idx, why);
    if (rc < 0)
        errno = -rc;
    return idx;
}

long recording_index_count(const struct recording_index *idx)
{
    return idx->count;
}

uint64_t recording_index_interval_ns(const struct recording_index *idx)
{
    return idx->it.interval_ns;
}

bool recording_index_cut(const struct recording_index *idx)
{
    return idx->cut;
}

/* The last keyframe at or before sample n, or NULL. */
static const struct keyframe *keyframe_for(const struct recording_index *idx, long n)
{
    size_t lo = 0, hi = idx->n_keys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx->keys[mid].sample <= n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &idx->keys[lo - 1] : NULL;
}

static int read_from_keyframe(struct recording_index *idx, long n, bool from_start,
                              struct snapshot **out, char **why)
{
    *out = NULL;
    *why = NULL;
    long asked = n;
    if (n < 0)
        n += idx->count;
    const char *path = idx->single ? "the snapshot" : idx->it.path;
    if (n < 0 || n >= idx->count) {
        *why = idx->count ? xasprintf("%s: has no sample %ld (%ld samples%s)", path, asked,
                                      idx->count,
                                      idx->cut ? "; it ends mid-line: cut off?" : "")
                          : xasprintf("%s: holds no complete sample%s", path,
                                      idx->cut ? " (it ends mid-line: cut off?)" : "");
        return -ERANGE;
    }
    if (idx->single) {
        *out = snapshot_clone(idx->single);
        return 0;
    }
    /* no keyframe before n: from the first line, for the iterator to say why */
    const struct keyframe *k = from_start ? NULL : keyframe_for(idx, n);
    struct keyframe start = k ? *k : (struct keyframe){idx->data, 0};
    struct recording_iter *it = &idx->it;
    /* From where the cursor is when that is on the way (`]`), else from
     * the keyframe. */
    if (!it->cur || it->index > n || it->index < start.sample) {
        if (fseeko(it->fp, start.offset, SEEK_SET) < 0) {
            int err = errno;
            *why = xasprintf("cannot read %s: %s", path, strerror(err));
            return -err;
        }
        snapshot_free(it->cur);
        it->cur = NULL;
        it->index = start.sample - 1;
        it->cut = false;
    }
    while (it->index < n) {
        const struct snapshot *s;
        int rc = recording_iter_next(it, &s, why);
        if (rc == 0) { /* a sample line the iterator does not take as one */
            *why = xasprintf("%s: has no sample %ld (it ends after %ld)", path, n, it->index + 1);
            rc = -ERANGE;
        }
        if (rc < 0) {
            snapshot_free(it->cur); /* start again from a keyframe next time */
            it->cur = NULL;
            return rc;
        }
    }
    *out = snapshot_clone(it->cur);
    return 0;
}

int recording_index_read(struct recording_index *idx, long n, struct snapshot **out, char **why)
{
    int rc = read_from_keyframe(idx, n, false, out, why);
    if (rc == -EINVAL && !idx->single && keyframe_for(idx, n < 0 ? n + idx->count : n)) {
        /* A line that looked like a keyframe and was not one (a hostile
         * file): the sequential read from the first line decides. */
        char *first = *why;
        rc = read_from_keyframe(idx, n, true, out, why);
        if (rc < 0) {
            free(*why);
            *why = first;
        } else {
            free(first);
        }
    }
    return rc;
}

void recording_index_close(struct recording_index *idx)
{
    if (!idx)
        return;
    if (idx->it.fp || idx->it.path)
        recording_iter_close(&idx->it);
    free(idx->keys);
    snapshot_free(idx->single);
    free(idx);
}

int recording_read(const char *path, long index, struct snapshot **out, long *count, bool *cut,
                   char **why)
{
    *out = NULL;
    *count = 0;
    *cut = false;
    struct recording_index *idx;
    int rc = index_open(path, false, &idx, why);
    if (rc < 0)
        return rc;
    *count = idx->count;
    *cut = idx->cut;
    rc = recording_index_read(idx, index, out, why);
    recording_index_close(idx);
    return rc;
}
