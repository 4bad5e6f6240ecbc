/* Streaming parser for maps/smaps/smaps_rollup text (see smaps.h).
 *
 * This is the hot path of every snapshot: a 20,000-VMA process produces
 * ~500,000 lines, so it parses with pointer arithmetic instead of sscanf. */
#include "vmscope/smaps.h"
#include "vmscope/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char DELETED_SUFFIX[] = " (deleted)";

/* A hex digit's value plus one, 0 for any other byte (either case). */
static const unsigned char hex_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

static int hexval(char c)
{
    return (int)hex_plus_one[(unsigned char)c] - 1;
}

/* Parse hex digits at *p (at least one, at most 16). */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;
    while (s < end) {
        int h = hexval(*s);
        if (h < 0)
            break;
        if (++digits > 16)
            return false;
        v = (v << 4) | (uint64_t)h;
        s++;
    }
    if (!digits)
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (s >= end || *s < '0' || *s > '9')
        return false;
    while (s < end && *s >= '0' && *s <= '9') {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

void smaps_decode_name(const char *name, size_t len, struct vma *v)
{
    v->deleted = false;
    size_t sl = sizeof DELETED_SUFFIX - 1;
    if (len >= sl && memcmp(name + len - sl, DELETED_SUFFIX, sl) == 0) {
        v->deleted = true;
        len -= sl;
    }
    char *out = xmalloc(len + 1);
    /* Most names have no escape at all: copied whole up to the first '\\'. */
    const char *esc = memchr(name, '\\', len);
    size_t o = esc ? (size_t)(esc - name) : len;
    memcpy(out, name, o);
    for (size_t i = o; i < len; i++) {
        /* mangle_path() escapes only '\n', as the four bytes "\012". */
        if (name[i] == '\\' && len - i >= 4 && memcmp(name + i, "\\012", 4) == 0) {
            out[o++] = '\n';
            i += 3;
        } else {
            out[o++] = name[i];
        }
    }
    out[o] = '\0';
    v->name = out;
    v->name_len = o;
}

int smaps_parse_header(const char *line, size_t len, struct vma *v)
{
    const char *p = line, *end = line + len;
    uint64_t start, stop, off, maj, min, ino;
    if (!parse_hex(&p, end, &start) || !expect(&p, end, '-') || !parse_hex(&p, end, &stop) ||
        !expect(&p, end, ' '))
        return -EINVAL;
    if (end - p < 5 || p[4] != ' ')
        return -EINVAL;
    const char *perms = p;
    if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 's' && perms[3] != 'p'))
        return -EINVAL;
    p += 5;
    if (!parse_hex(&p, end, &off) || !expect(&p, end, ' ') || !parse_hex(&p, end, &maj) ||
        !expect(&p, end, ':') || !parse_hex(&p, end, &min) || !expect(&p, end, ' ') ||
        !parse_dec(&p, end, &ino))
        return -EINVAL;
    if (p < end && *p != ' ')
        return -EINVAL;
    if (stop < start || maj > UINT32_MAX || min > UINT32_MAX)
        return -EINVAL;
    /* Padding up to column 73; every real name starts with a non-space. */
    while (p < end && *p == ' ')
        p++;
    v->start = start;
    v->end = stop;
    v->offset = off;
    v->dev_major = (uint32_t)maj;
    v->dev_minor = (uint32_t)min;
    v->inode = ino;
    memcpy(v->perms, perms, 4);
    v->perms[4] = '\0';
    smaps_decode_name(p, (size_t)(end - p), v);
    return 0;
}

static int find_field(struct smaps_parser *p, const char *key, size_t klen)
{
    /* Fields arrive in kernel order; try the expected one first, and
     * compare lengths before bytes (this runs ~25 times per VMA). */
    for (size_t k = 0; k < SMAPS_FIELD_COUNT; k++) {
        size_t i = p->next_field + k;
        if (i >= SMAPS_FIELD_COUNT)
            i -= SMAPS_FIELD_COUNT;
        if (smaps_fields[i].key_len == klen && memcmp(smaps_fields[i].key, key, klen) == 0) {
            p->next_field = i + 1 < SMAPS_FIELD_COUNT ? i + 1 : 0;
            return (int)i;
        }
    }
    return -1;
}

static void parse_vmflags(struct vma *v, const char *p, const char *end)
{
    v->has_vmflags = true;
    v->vmflags = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (end - p >= 2 && (p + 2 == end || p[2] == ' ')) {
            char two[3] = {p[0], p[1], 0};
            int i = vmflag_index(two);
            if (i >= 0)
                v->vmflags |= VMFLAG_BIT(i);
        }
        while (p < end && *p != ' ')
            p++;
    }
}

static void parse_field_line(struct smaps_parser *p, const char *line, size_t len)
{
    if (p->skipping)
        return; /* fields of a dropped duplicate line */
    if (!p->current) {
        p->bad_lines++;
        return;
    }
    const char *s, *end = line + len;
    int f;
    /* Fast path: the field the kernel prints next. */
    const struct smaps_field_info *expect = &smaps_fields[p->next_field];
    if (len > expect->key_len && line[expect->key_len] == ':' &&
        memcmp(line, expect->key, expect->key_len) == 0) {
        f = (int)p->next_field;
        p->next_field = p->next_field + 1 < SMAPS_FIELD_COUNT ? p->next_field + 1 : 0;
        s = line + expect->key_len + 1;
    } else {
        const char *colon = memchr(line, ':', len);
        if (!colon) {
            p->bad_lines++;
            return;
        }
        size_t klen = (size_t)(colon - line);
        s = colon + 1;
        if (klen == 7 && memcmp(line, "VmFlags", 7) == 0) {
            parse_vmflags(p->current, s, end);
            return;
        }
        f = find_field(p, line, klen);
        if (f < 0)
            return; /* a key newer than us: ignore, as the kernel docs ask */
    }
    while (s < end && *s == ' ')
        s++;
    uint64_t val;
    if (!parse_dec(&s, end, &val)) {
        p->bad_lines++;
        return;
    }
    if (smaps_fields[f].is_kb) {
        if (val > UINT64_MAX / 1024) {
            p->bad_lines++;
            return;
        }
        val *= 1024;
    }
    p->current->field[f] = val;
    p->current->field_mask |= 1u << f;
}

/* Apply the maps race rule (kernel-interfaces.md §1.7) to the record just
 * appended: a line that starts below the previous end replaces or is clipped
 * against what came before, as many records back as it reaches. */
static void apply_race_rule(struct smaps_parser *p)
{
    struct vma_list *l = p->out;
    while (l->count >= 2) {
        struct vma *prev = &l->items[l->count - 2], *cur = &l->items[l->count - 1];
        if (cur->start >= prev->end)
            break;
        p->replaced++;
        if (cur->start <= prev->start) {
            /* The same VMA printed again after it grew: the later line wins. */
            free(prev->name);
            *prev = *cur;
            memset(cur, 0, sizeof *cur);
            l->count--;
            if (l->count - 1 < p->rewritten_from)
                p->rewritten_from = l->count - 1;
        } else if (cur->end <= prev->end) {
            vma_clear(cur); /* nothing new: drop it and the fields that follow */
            l->count--;
            p->current = NULL;
            p->skipping = true;
            return;
        } else {
            cur->start = prev->end; /* clip to what was not yet reported */
            break;
        }
    }
    p->current = &l->items[l->count - 1];
}

static bool is_header_start(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void parse_line(struct smaps_parser *p, const char *line, size_t len)
{
    if (len == 0)
        return;
    if (is_header_start(line[0])) {
        /* Parsed in place (a VMA is 360 bytes: no copy through a
         * temporary); a bad header allocated nothing and is taken back. */
        struct vma *v = vma_list_push(p->out);
        if (smaps_parse_header(line, len, v) != 0) {
            p->out->count--;
            p->bad_lines++;
            p->current = NULL; /* its fields must not land on the previous record */
            return;
        }
        p->current = v;
        p->skipping = false;
        p->next_field = 0;
        apply_race_rule(p);
        return;
    }
    parse_field_line(p, line, len);
}

/* Each key with its colon as two 8-byte words and the masks of its bytes
 * (keys are at most 15 characters): the expected key is checked with two
 * loads instead of a memcmp call per line. */
static struct {
    uint64_t word[2], mask[2];
} key_words[SMAPS_FIELD_COUNT];
static pthread_once_t key_words_once = PTHREAD_ONCE_INIT;

static void key_words_init(void)
{
    for (int f = 0; f < SMAPS_FIELD_COUNT; f++) {
        unsigned char key[16] = {0}, mask[16] = {0};
        size_t kl = smaps_fields[f].key_len;
        if (kl > 15)
            continue; /* key_matches compares it with memcmp */
        memcpy(key, smaps_fields[f].key, kl);
        key[kl] = ':';
        memset(mask, 0xff, kl + 1);
        memcpy(key_words[f].word, key, sizeof key);
        memcpy(key_words[f].mask, mask, sizeof mask);
    }
}

void smaps_parser_init(struct smaps_parser *p, struct vma_list *out)
{
    pthread_once(&key_words_once, key_words_init);
    memset(p, 0, sizeof *p);
    p->out = out;
    p->rewritten_from = SIZE_MAX;
    buf_init(&p->pending);
}

/* The common line, "Key:   123 kB\n" with the key the kernel prints next,
 * parsed in one pass without first searching for its end. Returns the
 * bytes consumed, or 0 to let the general path take the line. */
/* The kernel pads values to a column: "Rss:                 512 kB".
 * Skipped eight bytes at a time where the first non-space can be found
 * by the lowest set byte (little-endian). */
static const char *skip_spaces(const char *q, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - q >= 8) {
        uint64_t x;
        memcpy(&x, q, sizeof x);
        x ^= UINT64_C(0x2020202020202020);
        if (x)
            return q + __builtin_ctzll(x) / 8;
        q += 8;
    }
#endif
    while (q < end && *q == ' ')
        q++;
    return q;
}

static inline bool key_matches(const char *s, const char *end, int f)
{
    const struct smaps_field_info *fi = &smaps_fields[f];
    size_t kl = fi->key_len;
    if (kl > 15 || end - s < 16)
        return (size_t)(end - s) > kl && s[kl] == ':' && memcmp(s, fi->key, kl) == 0;
    uint64_t a, b;
    memcpy(&a, s, sizeof a);
    memcpy(&b, s + 8, sizeof b);
    return !(((a ^ key_words[f].word[0]) & key_words[f].mask[0]) |
             ((b ^ key_words[f].word[1]) & key_words[f].mask[1]));
}

/* Whether line s starts with field f's key and its colon. */
static inline bool line_has_key(const char *s, const char *end, unsigned f)
{
    return end - s >= (ptrdiff_t)smaps_fields[f].key_len + 3 && key_matches(s, end, (int)f);
}

static size_t fast_field_line(struct smaps_parser *p, const char *s, const char *end)
{
    if (!p->current || p->skipping)
        return 0;
    unsigned f = (unsigned)p->next_field;
    if (!line_has_key(s, end, f)) {
        /* A VMA's smaps has no Pss_Anon/_File/_Shmem (smaps_rollup has):
         * there Shared_Clean follows Pss_Dirty. */
        if (f != SMAPS_PSS_ANON || !line_has_key(s, end, SMAPS_SHARED_CLEAN))
            return 0;
        f = SMAPS_SHARED_CLEAN;
    }
    const struct smaps_field_info *fi = &smaps_fields[f];
    const char *q = skip_spaces(s + fi->key_len + 1, end);
    const char *digits = q;
    uint64_t v = 0;
    while (q < end && *q >= '0' && *q <= '9' && q - digits < 19) /* 19 digits cannot overflow */
        v = v * 10 + (uint64_t)(*q++ - '0');
    if (q == digits)
        return 0;
    if (fi->is_kb) {
        if (end - q < 4 || memcmp(q, " kB\n", 4) != 0 || v > UINT64_MAX / 1024)
            return 0;
        q += 4;
        v *= 1024;
    } else {
        if (q >= end || *q != '\n')
            return 0;
        q++;
    }
    p->current->field[f] = v;
    p->current->field_mask |= 1u << f;
    p->next_field = f + 1 < SMAPS_FIELD_COUNT ? f + 1 : 0;
    return (size_t)(q - s);
}

void smaps_parser_feed(struct smaps_parser *p, const char *data, size_t len)
{
    const char *s = data, *end = data + len;
    if (p->pending.len) {
        const char *nl = memchr(s, '\n', len);
        if (!nl) {
            buf_append(&p->pending, s, len);
            return;
        }
        buf_append(&p->pending, s, (size_t)(nl - s));
        parse_line(p, p->pending.data, p->pending.len);
        buf_reset(&p->pending);
        s = nl + 1;
    }
    while (s < end) {
        size_t fast = fast_field_line(p, s, end);
        if (fast) {
            s += fast;
            continue;
        }
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            buf_append(&p->pending, s, (size_t)(end - s));
            return;
        }
        parse_line(p, s, (size_t)(nl - s));
        s = nl + 1;
    }
}

void smaps_parser_finish(struct smaps_parser *p)
{
    if (p->pending.len) {
        p->truncated = true; /* a cut line may carry a cut name or number */
        buf_reset(&p->pending);
    }
    p->current = NULL;
}

void smaps_parser_free(struct smaps_parser *p)
{
    buf_free(&p->pending);
}

size_t smaps_parse_buffer(const char *data, size_t len, struct vma_list *out)
{
    struct smaps_parser p;
    smaps_parser_init(&p, out);
    smaps_parser_feed(&p, data, len);
    smaps_parser_finish(&p);
    smaps_parser_free(&p);
    return p.bad_lines;
}
