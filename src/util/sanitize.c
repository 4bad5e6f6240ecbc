/* The one sanitiser for untrusted strings (see sanitize.h), plus the UTF-8
 * helpers the JSON writer uses for its U+FFFD / _hex rule. */
#include "vmscope/sanitize.h"
#include "vmscope/buf.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

size_t utf8_decode(const unsigned char *s, size_t avail, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

bool utf8_valid(const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

bool utf8_repair(struct buf *out, const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    bool clean = true;
    size_t run = 0; /* start of the pending run of valid bytes */
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = s[i] < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);
        if (n) {
            i += n;
            continue;
        }
        buf_append(out, in + run, i - run);
        buf_append(out, "\xef\xbf\xbd", 3); /* U+FFFD */
        clean = false;
        i++;
        run = i;
    }
    buf_append(out, in + run, len - run);
    return clean;
}

/* Code points that are valid UTF-8 but must not reach a terminal raw:
 * C1 controls, bidi embeddings/overrides/isolates, zero-width and invisible
 * formatting characters, line/paragraph separators, interlinear annotation
 * marks, the BOM, noncharacters and tag characters. */
static bool unsafe_code_point(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x061c || cp == 0x180e ||
           (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
           cp == 0xfffe || cp == 0xffff || (cp >= 0xe0000 && cp <= 0xe007f);
}

static void put_ascii_escaped(struct buf *out, unsigned char c)
{
    switch (c) {
    case '\\': buf_append(out, "\\\\", 2); break;
    case '\t': buf_append(out, "\\t", 2); break;
    case '\n': buf_append(out, "\\n", 2); break;
    case '\r': buf_append(out, "\\r", 2); break;
    case 0x1b: buf_append(out, "\\e", 2); break;
    default: buf_printf(out, "\\x%02x", c); break;
    }
}

static void sanitize(struct buf *out, const char *in, size_t len, bool keep_backslash)
{
    const unsigned char *s = (const unsigned char *)in;
    buf_reserve(out, len);
    for (size_t i = 0; i < len;) {
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x7f && (s[run] != '\\' || keep_backslash))
            run++;
        if (run > i) { /* a run of plain printable ASCII */
            buf_append(out, in + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            put_ascii_escaped(out, c);
            i++;
            continue;
        }
        unsigned cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (!n) {
            buf_printf(out, "\\x%02x", c);
            i++;
        } else if (unsafe_code_point(cp)) {
            buf_printf(out, cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
            i += n;
        } else {
            buf_append(out, in + i, n);
            i += n;
        }
    }
}

void sanitize_display(struct buf *out, const char *in, size_t len)
{
    sanitize(out, in, len, false);
}

void sanitize_message(struct buf *out, const char *in, size_t len)
{
    sanitize(out, in, len, true);
}

char *sanitize_display_dup(const char *s)
{
    struct buf b;
    buf_init(&b);
    sanitize_display(&b, s, strlen(s));
    if (!b.data)
        return xstrdup("");
    return b.data;
}

/* One character of sanitize_display's output at s[i] as the terminal will
 * show it: *piece (escaped when this locale cannot print it), its length
 * and columns. Returns the bytes it took from s. */
static size_t fit_piece(const unsigned char *s, size_t n, size_t i, char esc[16], const char **piece,
                        size_t *piece_len, int *w)
{
    unsigned cp;
    size_t k = utf8_decode(s + i, n - i, &cp); /* valid: sanitize_display's output */
    *w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
    *piece = (const char *)s + i;
    *piece_len = k;
    if (*w < 0) { /* this locale cannot show it: escape it as well */
        *piece_len = (size_t)snprintf(esc, 16, cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
        *piece = esc;
        *w = (int)*piece_len;
    }
    return k;
}

/* s[0, n) (sanitised) cut at the end to max_cols, "~" marking the cut. */
static int fit_head(struct buf *out, const unsigned char *s, size_t n, int max_cols)
{
    int cols = 0;
    for (size_t i = 0; i < n;) {
        char esc[16];
        const char *piece;
        size_t piece_len;
        int w;
        size_t k = fit_piece(s, n, i, esc, &piece, &piece_len, &w);
        bool last = i + k >= n;
        /* Keep one column for the "~" unless this is the end of the string. */
        if (cols + w > max_cols - (last ? 0 : 1)) {
            if (cols + w <= max_cols && last) {
                buf_append(out, piece, piece_len);
                cols += w;
            } else if (cols < max_cols) {
                buf_putc(out, '~');
                cols++;
            }
            break;
        }
        buf_append(out, piece, piece_len);
        cols += w;
        i += k;
    }
    return cols;
}

/* The same cut at the front, so a path keeps its file name. */
static int fit_tail(struct buf *out, const unsigned char *s, size_t n, int max_cols)
{
    char esc[16];
    const char *piece;
    size_t piece_len;
    int w, total = 0, cols = 0;
    for (size_t i = 0; i < n;)
        i += fit_piece(s, n, i, esc, &piece, &piece_len, &w), total += w;
    size_t i = 0;
    if (total > max_cols) { /* drop from the front until the rest and the mark fit */
        for (int drop = total - (max_cols - 1); i < n && drop > 0; drop -= w)
            i += fit_piece(s, n, i, esc, &piece, &piece_len, &w);
        if (MB_CUR_MAX > 1)
            buf_puts(out, "\xe2\x80\xa6"); /* one column */
        else
            buf_putc(out, '~');
        cols = 1;
    }
    while (i < n) {
        i += fit_piece(s, n, i, esc, &piece, &piece_len, &w);
        if (cols + w > max_cols)
            break;
        buf_append(out, piece, piece_len);
        cols += w;
    }
    return cols;
}

static int fit(struct buf *out, const char *in, size_t len, int max_cols, bool tail)
{
    if (max_cols <= 0)
        return 0;
    struct buf safe;
    buf_init(&safe);
    sanitize_display(&safe, in, len);
    const unsigned char *s = (const unsigned char *)(safe.data ? safe.data : "");
    int cols = tail ? fit_tail(out, s, safe.len, max_cols) : fit_head(out, s, safe.len, max_cols);
    buf_free(&safe);
    return cols;
}

int sanitize_fit(struct buf *out, const char *in, size_t len, int max_cols)
{
    return fit(out, in, len, max_cols, false);
}

int sanitize_fit_tail(struct buf *out, const char *in, size_t len, int max_cols)
{
    return fit(out, in, len, max_cols, true);
}

void sanitize_xml(struct buf *out, const char *in, size_t len, size_t max_chars)
{
    struct buf safe;
    buf_init(&safe);
    sanitize_display(&safe, in, len);
    const unsigned char *s = (const unsigned char *)(safe.data ? safe.data : "");
    size_t total = 0;
    for (size_t i = 0; i < safe.len; i++)
        total += (s[i] & 0xc0) != 0x80; /* lead bytes: valid UTF-8 here */
    size_t keep = max_chars && total > max_chars ? max_chars - 1 : total; /* room for "~" */
    size_t i = 0;
    for (size_t chars = 0; chars < keep; chars++) {
        switch (s[i]) { /* what XML would read as markup */
        case '&': buf_puts(out, "&amp;"); break;
        case '<': buf_puts(out, "&lt;"); break;
        case '>': buf_puts(out, "&gt;"); break;
        case '"': buf_puts(out, "&quot;"); break;
        case '\'': buf_puts(out, "&apos;"); break;
        default: {
            size_t k = 1;
            while (i + k < safe.len && (s[i + k] & 0xc0) == 0x80)
                k++;
            buf_append(out, s + i, k);
            i += k;
            continue;
        }
        }
        i++;
    }
    if (keep < total)
        buf_putc(out, '~');
    buf_free(&safe);
}
