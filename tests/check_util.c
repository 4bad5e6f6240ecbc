/* Tests of the utility layer: the display sanitiser and UTF-8 helpers, the
 * growable buffer and atomic output files. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "vmscope/atomic_file.h"
#include "vmscope/buf.h"
#include "vmscope/key_set.h"
#include "vmscope/sanitize.h"
#include "vmscope/smaps.h"
#include "vmscope/strtab.h"
#include "vmscope/util.h"
#include "vmscope/vma.h"

/* ---- helpers ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* sanitize in[0..len) into a fresh buffer and compare with want */
static void check_sanitize(const char *in, size_t len, const char *want)
{
    struct buf b;
    buf_init(&b);
    sanitize_display(&b, in, len);
    const char *got = b.data ? b.data : "";
    ck_assert_msg(strcmp(got, want) == 0, "sanitize: got \"%s\", want \"%s\"", got, want);
    ck_assert_uint_eq(b.len, strlen(want));
    if (b.data)
        ck_assert_uint_lt(b.len, b.cap);
    buf_free(&b);
}

#define SAN(lit, want) check_sanitize((lit), sizeof(lit) - 1, (want))

/* The display contract: valid UTF-8, no C0 byte, no DEL, and no code
 * point from the unsafe classes. */
static void assert_display_safe(const char *s, size_t len)
{
    /* plain ifs: a ck_assert per byte would be a pipe write per byte */
    if (!utf8_valid(s, len))
        ck_abort_msg("output is not valid UTF-8");
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            ck_abort_msg("raw control byte 0x%02x at %zu", u[i], i);
        unsigned cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        if (n == 0)
            ck_abort_msg("undecodable byte at %zu", i);
        if (cp >= 0x80 && cp <= 0x9f)
            ck_abort_msg("raw C1 U+%04X", cp);
        if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff || cp == 0x2028 || cp == 0x2029)
            ck_abort_msg("raw invisible/bidi U+%04X", cp);
        i += n;
    }
}

/* Inverse of sanitize_display(): every escape it emits is unambiguous
 * (a literal backslash is itself escaped), so decoding must give back the
 * input exactly. Returns false on a malformed escape. */
static int hexdig(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool unescape(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            buf_putc(out, s[i]);
            continue;
        }
        if (++i >= len)
            return false;
        int digits = 0;
        switch (s[i]) {
        case '\\': buf_putc(out, '\\'); continue;
        case 'e': buf_putc(out, '\033'); continue;
        case 'n': buf_putc(out, '\n'); continue;
        case 't': buf_putc(out, '\t'); continue;
        case 'r': buf_putc(out, '\r'); continue;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        default: return false;
        }
        if (len - i - 1 < (size_t)digits)
            return false;
        unsigned v = 0;
        for (int k = 0; k < digits; k++) {
            int h = hexdig(s[i + 1 + (size_t)k]);
            if (h < 0)
                return false;
            v = v << 4 | (unsigned)h;
        }
        i += (size_t)digits;
        if (digits == 2) {
            buf_putc(out, (char)v);
        } else if (v < 0x800) {
            buf_putc(out, (char)(0xc0 | v >> 6));
            buf_putc(out, (char)(0x80 | (v & 0x3f)));
        } else if (v < 0x10000) {
            buf_putc(out, (char)(0xe0 | v >> 12));
            buf_putc(out, (char)(0x80 | (v >> 6 & 0x3f)));
            buf_putc(out, (char)(0x80 | (v & 0x3f)));
        } else {
            buf_putc(out, (char)(0xf0 | v >> 18));
            buf_putc(out, (char)(0x80 | (v >> 12 & 0x3f)));
            buf_putc(out, (char)(0x80 | (v >> 6 & 0x3f)));
            buf_putc(out, (char)(0x80 | (v & 0x3f)));
        }
    }
    return true;
}

/* Fill and free some small heap blocks so that a fresh allocation is not
 * zero by luck (uninitialised-memory bugs then show up reliably). */
static void dirty_heap(void)
{
    for (int i = 0; i < 64; i++) {
        char *junk = malloc(256 + (size_t)(i % 4) * 128);
        ck_assert_ptr_nonnull(junk);
        memset(junk, 'J', 256 + (size_t)(i % 4) * 128);
        free(junk);
    }
}

/* ---- sanitize_display ------------------------------------------------- */

/* The writers' number formatting, against printf, at every length and
 * around every power of ten and of sixteen. */
START_TEST(t_format_numbers)
{
    uint64_t v[200];
    size_t n = 0;
    v[n++] = 0;
    v[n++] = UINT64_MAX;
    for (uint64_t p = 1; n < 120; p *= 10) {
        v[n++] = p - 1;
        v[n++] = p;
        v[n++] = p + 1;
        if (p > UINT64_MAX / 10)
            break;
    }
    for (int b = 1; b < 64 && n < 200; b += 2)
        v[n++] = (UINT64_C(1) << b) - 1;
    for (size_t i = 0; i < n; i++) {
        char want[32], got[32];
        snprintf(want, sizeof want, "%" PRIu64, v[i]);
        *format_u64_to(got, v[i]) = '\0';
        ck_assert_str_eq(got, want);
        for (int min = 1; min <= 4; min += 3) {
            snprintf(want, sizeof want, "%0*" PRIx64, min, v[i]);
            *format_hex_to(got, v[i], min) = '\0';
            ck_assert_str_eq(got, want);
        }
    }
}
END_TEST

START_TEST(t_sanitize_ascii)
{
    SAN("plain /usr/lib/libc.so.6 [heap]", "plain /usr/lib/libc.so.6 [heap]");
    SAN(" ~!@#$%^&*()_+{}|:\"<>?`-=[];',./", " ~!@#$%^&*()_+{}|:\"<>?`-=[];',./");
    SAN("\033", "\\e");
    SAN("\033]0;PWNED-TITLE\007", "\\e]0;PWNED-TITLE\\x07");
    SAN("\033]52;c;cHduZWQ=\007", "\\e]52;c;cHduZWQ=\\x07");
    SAN("\033[6n\033[2J", "\\e[6n\\e[2J");
    SAN("new\nline", "new\\nline");
    SAN("back\\slash", "back\\\\slash");
    SAN("\\012", "\\\\012"); /* a literal backslash-012 stays distinguishable */
    SAN("tab\there", "tab\\there");
    SAN("cr\r", "cr\\r");
    SAN("\x7f", "\\x7f");
    SAN("\x01\x1f", "\\x01\\x1f");
    SAN("nul\0byte", "nul\\x00byte");
    SAN("\b\a\f\v", "\\x08\\x07\\x0c\\x0b");
}
END_TEST

START_TEST(t_sanitize_unicode)
{
    /* C1 controls */
    SAN("\xc2\x9b" "31m c1-csi", "\\u009b31m c1-csi");
    SAN("\xc2\x80\xc2\x85\xc2\x9f", "\\u0080\\u0085\\u009f");
    /* bidi, zero-width, invisible formatting */
    SAN("rtl\xe2\x80\xae" "gnp.exe", "rtl\\u202egnp.exe");
    SAN("zero\xe2\x80\x8bwidth", "zero\\u200bwidth");
    SAN("\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\x8f", "\\u200c\\u200d\\u200e\\u200f");
    SAN("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202a\\u202b\\u202c\\u202d");
    SAN("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069");
    SAN("\xe2\x81\xa0", "\\u2060");              /* word joiner */
    SAN("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029"); /* line/paragraph separators */
    SAN("\xef\xbb\xbf" "bom", "\\ufeffbom");
    SAN("soft\xc2\xadhyphen", "soft\\u00adhyphen");
    SAN("\xd8\x9c", "\\u061c"); /* Arabic letter mark */
    SAN("\xe1\xa0\x8e", "\\u180e");
    SAN("\xef\xbf\xb9\xef\xbf\xbb", "\\ufff9\\ufffb");
    SAN("\xef\xbf\xbe\xef\xbf\xbf", "\\ufffe\\uffff");
    SAN("tag\xf3\xa0\x81\x81", "tag\\U000e0041"); /* tag characters (> U+FFFF) */
    /* printable non-ASCII passes unchanged */
    SAN("caf\xc3\xa9 \xc3\xbc\xc3\xb1\xc3\xae", "caf\xc3\xa9 \xc3\xbc\xc3\xb1\xc3\xae");
    SAN("\xe6\xbc\xa2\xe5\xad\x97 \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
        "\xe6\xbc\xa2\xe5\xad\x97 \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
    SAN("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");         /* emoji */
    SAN("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"); /* Hebrew */
    SAN("\xe2\x82\xac", "\xe2\x82\xac");                  /* euro */
    SAN("\xc2\xa0", "\xc2\xa0");                          /* no-break space is printable */
}
END_TEST

START_TEST(t_sanitize_invalid)
{
    SAN("bad\xff\xfeutf8", "bad\\xff\\xfeutf8");
    SAN("\x80", "\\x80");                                /* lone continuation */
    SAN("\xc0\xaf", "\\xc0\\xaf");                       /* overlong '/' */
    SAN("\xe0\x80\xaf", "\\xe0\\x80\\xaf");              /* overlong, 3 bytes */
    SAN("\xed\xa0\x80", "\\xed\\xa0\\x80");              /* surrogate U+D800 */
    SAN("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");     /* U+110000 */
    SAN("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
    SAN("cut\xe2\x80", "cut\\xe2\\x80");                 /* truncated at the end */
    SAN("\xe2\x80" "ab", "\\xe2\\x80ab");                /* truncated before ASCII */
    SAN("\xc3" "\xc3\xa9", "\\xc3\xc3\xa9");             /* bad lead, then a valid char */
}
END_TEST

START_TEST(t_sanitize_appends)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "name: ");
    sanitize_display(&b, "a\033b", 3);
    sanitize_display(&b, "", 0);
    sanitize_display(&b, "\xff", 1);
    ck_assert_str_eq(b.data, "name: a\\eb\\xff");
    ck_assert_uint_eq(b.len, strlen("name: a\\eb\\xff"));
    buf_free(&b);
    dirty_heap();
    char *d = sanitize_display_dup("");
    ck_assert_ptr_nonnull(d);
    /* not ck_assert_str_eq: an unterminated result must not be printed */
    ck_assert_msg(d[0] == '\0', "sanitize_display_dup(\"\") is not \"\" (first byte 0x%02x)",
                  (unsigned char)d[0]);
    free(d);
    d = sanitize_display_dup("x\ny\xe2\x80\xae");
    ck_assert_str_eq(d, "x\\ny\\u202e");
    free(d);
}
END_TEST

START_TEST(t_sanitize_expansion)
{
    /* Escapes expand the output (1 byte -> 4 for \x01). Printable bytes
     * after them must still land inside the buffer: len < cap always. */
    char in[256], want[1024];
    memset(in, '\x01', 100);
    memset(in + 100, 'a', 156);
    size_t w = 0;
    for (int i = 0; i < 100; i++)
        w += (size_t)sprintf(want + w, "\\x01");
    memset(want + w, 'a', 156);
    want[w + 156] = '\0';
    struct buf b;
    buf_init(&b);
    sanitize_display(&b, in, sizeof in);
    ck_assert_msg(b.len < b.cap, "wrote past the buffer: len %zu, cap %zu", b.len, b.cap);
    ck_assert_uint_eq(b.len, 556);
    ck_assert_int_eq(memcmp(b.data, want, 557), 0);
    buf_free(&b);
}
END_TEST

START_TEST(t_sanitize_expansion_tail)
{
    /* The same with existing content and a long path-like name. */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "x");
    char in[4000];
    memset(in, '/', sizeof in);
    for (int i = 0; i < 100; i++)
        in[i] = '\033';
    sanitize_display(&b, in, sizeof in);
    ck_assert_msg(b.len < b.cap, "wrote past the buffer: len %zu, cap %zu", b.len, b.cap);
    ck_assert_uint_eq(b.len, 1 + 200 + 3900);
    ck_assert_int_eq(b.data[b.len], '\0');
    buf_free(&b);
}
END_TEST

START_TEST(t_sanitize_random)
{
    /* Property check on deterministic random byte strings biased towards
     * the dangerous ranges. The output buffer starts at various fill
     * levels so the capacity boundaries are crossed. */
    static const unsigned char pieces[][4] = {
        {0x1b}, {0x07}, {0x0a}, {0x5c}, {0x7f}, {0x00}, {0xc2, 0x9b}, {0xe2, 0x80, 0xae},
        {0xe2, 0x80, 0x8b}, {0xef, 0xbb, 0xbf}, {0xff}, {0xc0}, {0xed, 0xa0}, {0xf4, 0x90},
        {0xc3, 0xa9}, {0xe6, 0xbc, 0xa2}, {0xf0, 0x9f, 0x98, 0x80}, {'a'}, {'/'}, {' '},
    };
    static const unsigned char plen[] = {1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 1, 1, 2, 2, 2, 3, 4, 1, 1, 1};
    rng_state = 42;
    unsigned char in[1200];
    for (int round = 0; round < 1000; round++) {
        size_t len = 0, target = (size_t)(rng() % 1000);
        while (len < target) {
            size_t k = (size_t)(rng() % (sizeof plen));
            if (rng() % 16 == 0) { /* a long printable run, as in a path */
                size_t run = 32 + (size_t)(rng() % 160);
                if (run > sizeof in - 4 - len)
                    run = sizeof in - 4 - len;
                memset(in + len, 'r', run);
                len += run;
            } else if (rng() % 4 == 0)
                in[len++] = (unsigned char)rng();
            else {
                memcpy(in + len, pieces[k], plen[k]);
                len += plen[k];
            }
        }
        struct buf b;
        buf_init(&b);
        size_t pre = (size_t)(rng() % 300);
        for (size_t i = 0; i < pre; i++)
            buf_putc(&b, 'p');
        sanitize_display(&b, (const char *)in, len);
        if (b.data) {
            if (b.len >= b.cap)
                ck_abort_msg("round %d: wrote past the buffer: len %zu, cap %zu", round, b.len,
                             b.cap);
            if (b.data[b.len] != '\0' || b.len < pre + len)
                ck_abort_msg("round %d: bad length or terminator", round);
            assert_display_safe(b.data + pre, b.len - pre);
            struct buf back;
            buf_init(&back);
            if (!unescape(b.data + pre, b.len - pre, &back) || back.len != len ||
                memcmp(back.data, in, len) != 0)
                ck_abort_msg("round %d: output does not decode back to the input", round);
            buf_free(&back);
        }
        buf_free(&b);
    }
}
END_TEST

START_TEST(t_sanitize_hostile_names)
{
    /* The names of the hostile fixture, as the parser hands them over. */
    static const struct {
        uint64_t start;
        const char *want;
    } c[] = {
        {0x7ffb116c9000, "/memfd:\\e]0;PWNED-TITLE\\x07"},
        {0x7ffb116c8000, "/memfd:\\e]52;c;cHduZWQ=\\x07"},
        {0x7ffb116c7000, "/memfd:\\e[6n\\e[2J"},
        {0x7ffb116c6000, "/memfd:\\u009b31m c1-csi"},
        {0x7ffb116c5000, "/memfd:bad\\xff\\xfeutf8"},
        {0x7ffb116c4000, "/memfd:rtl\\u202egnp.exe"},
        {0x7ffb116c3000, "/memfd:zero\\u200bwidth"},
        {0x7ffb116c2000, "/tmp/vmscope-hostile/new\\nline name.bin"},
        {0x7ffb116c1000, "/tmp/vmscope-hostile/back\\\\slash and space.bin"},
    };
    struct buf f;
    buf_init(&f);
    fixture_read("smaps_hostile", &f);
    struct vma_list l;
    vma_list_init(&l);
    ck_assert_uint_eq(smaps_parse_buffer(f.data, f.len, &l), 0);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        long k = vma_list_find(l.items, l.count, c[i].start);
        ck_assert_int_ge(k, 0);
        char *s = sanitize_display_dup(l.items[k].name);
        ck_assert_str_eq(s, c[i].want);
        free(s);
    }
    for (size_t i = 0; i < l.count; i++) {
        struct buf b;
        buf_init(&b);
        sanitize_display(&b, l.items[i].name, l.items[i].name_len);
        if (b.data)
            assert_display_safe(b.data, b.len);
        buf_free(&b);
    }
    vma_list_free(&l);
    buf_free(&f);
}
END_TEST

/* ---- sanitize_xml ----------------------------------------------------- */

static void check_xml(const char *in, size_t len, size_t max, const char *want)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "["); /* appends */
    sanitize_xml(&b, in, len, max);
    ck_assert_msg(strcmp(b.data + 1, want) == 0, "sanitize_xml gave '%s', want '%s'", b.data + 1,
                  want);
    ck_assert(utf8_valid(b.data, b.len));
    buf_free(&b);
}
#define XML(lit, max, want) check_xml((lit), sizeof(lit) - 1, (max), (want))

START_TEST(t_sanitize_xml)
{
    XML("plain /usr/lib/libc.so.6", 0, "plain /usr/lib/libc.so.6");
    XML("<script>&\"'", 0, "&lt;script&gt;&amp;&quot;&apos;");
    XML("]]>", 0, "]]&gt;");
    XML("\033]0;T\007", 0, "\\e]0;T\\x07"); /* display-safe first */
    XML("bad\xff\xfe", 0, "bad\\xff\\xfe");
    XML("nul\0x", 0, "nul\\x00x");
    XML("\xef\xbf\xbe", 0, "\\ufffe"); /* a noncharacter XML forbids */
    XML("caf\xc3\xa9", 0, "caf\xc3\xa9");
    /* Cut to max characters, the last a "~"; never inside an entity or a character. */
    XML("abcdef", 4, "abc~");
    XML("abcd", 4, "abcd");
    XML("<<<<<<", 3, "&lt;&lt;~");
    XML("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xc3\xa9~");
    XML("\033xy", 3, "\\e~"); /* the cut counts the escape's characters */
    XML("", 5, "");
}
END_TEST

/* ---- UTF-8 ------------------------------------------------------------ */

#define VALID(lit) ck_assert_msg(utf8_valid((lit), sizeof(lit) - 1), "rejected %s", #lit)
#define INVALID(lit) ck_assert_msg(!utf8_valid((lit), sizeof(lit) - 1), "accepted %s", #lit)

START_TEST(t_utf8_valid)
{
    VALID("");
    VALID("ascii only");
    VALID("nul\0inside");
    VALID("\xc2\x80");         /* U+0080, smallest 2-byte */
    VALID("\xdf\xbf");         /* U+07FF */
    VALID("\xe0\xa0\x80");     /* U+0800, smallest 3-byte */
    VALID("\xed\x9f\xbf");     /* U+D7FF, below the surrogates */
    VALID("\xee\x80\x80");     /* U+E000, above them */
    VALID("\xef\xbf\xbf");     /* U+FFFF */
    VALID("\xf0\x90\x80\x80"); /* U+10000, smallest 4-byte */
    VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last code point */
    VALID("caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80");
    /* overlongs */
    INVALID("\xc0\x80");
    INVALID("\xc0\xaf");
    INVALID("\xc1\xbf");
    INVALID("\xe0\x80\x80");
    INVALID("\xe0\x9f\xbf");
    INVALID("\xf0\x80\x80\x80");
    INVALID("\xf0\x8f\xbf\xbf");
    /* surrogates */
    INVALID("\xed\xa0\x80");
    INVALID("\xed\xaf\xbf");
    INVALID("\xed\xbf\xbf");
    INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* CESU-8 pair */
    /* beyond U+10FFFF, and bytes that never occur */
    INVALID("\xf4\x90\x80\x80");
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xf7\xbf\xbf\xbf");
    INVALID("\xf8\x88\x80\x80\x80");
    INVALID("\xfc\x84\x80\x80\x80\x80");
    INVALID("\xfe");
    INVALID("\xff");
    /* truncated sequences */
    INVALID("\xc3");
    INVALID("\xe2\x82");
    INVALID("\xf0\x9f\x98");
    INVALID("ok\xf0\x9f");
    /* bad continuation bytes */
    INVALID("\x80");
    INVALID("\xbf");
    INVALID("\xc3\x28");
    INVALID("\xe2\x28\xa1");
    INVALID("\xe2\x82\x28");
    INVALID("\xf0\x28\x8c\xbc");
    INVALID("\xf0\x90\x28\xbc");
    /* len is respected */
    ck_assert(!utf8_valid("\xc3\xa9", 1));
    ck_assert(utf8_valid("a\xc3\xa9", 1));
}
END_TEST

START_TEST(t_utf8_decode)
{
    static const struct {
        const char *s;
        size_t avail, n;
        unsigned cp;
    } c[] = {
        {"A", 1, 1, 0x41},
        {"\xc3\xa9", 2, 2, 0xe9},
        {"\xe2\x82\xac", 3, 3, 0x20ac},
        {"\xf0\x9f\x98\x80", 4, 4, 0x1f600},
        {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"\xc3\xa9", 1, 0, 0},
        {"\xe2\x82\xac", 2, 0, 0},
        {"\xf0\x9f\x98\x80", 3, 0, 0},
        {"\xc0\x80", 2, 0, 0},
        {"\xed\xa0\x80", 3, 0, 0},
        {"\xf4\x90\x80\x80", 4, 0, 0},
        {"\x80", 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        unsigned cp = 0xdead;
        size_t n = utf8_decode((const unsigned char *)c[i].s, c[i].avail, &cp);
        ck_assert_msg(n == c[i].n, "case %zu: length %zu, want %zu", i, n, c[i].n);
        if (n)
            ck_assert_uint_eq(cp, c[i].cp);
    }
}
END_TEST

static void check_repair(const char *in, size_t len, const char *want, bool clean)
{
    struct buf b;
    buf_init(&b);
    bool r = utf8_repair(&b, in, len);
    ck_assert_int_eq(r, clean);
    ck_assert_uint_eq(b.len, strlen(want));
    ck_assert_int_eq(memcmp(b.data, want, b.len), 0);
    ck_assert(utf8_valid(b.data, b.len));
    buf_free(&b);
}

#define REPAIR(lit, want, clean) check_repair((lit), sizeof(lit) - 1, (want), (clean))
#define FFFD "\xef\xbf\xbd"

START_TEST(t_utf8_repair)
{
    REPAIR("", "", true);
    REPAIR("plain", "plain", true);
    REPAIR("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80", true);
    REPAIR("\033[2J", "\033[2J", true); /* valid UTF-8: repair is not sanitising */
    REPAIR("a\xff" "b", "a" FFFD "b", false);
    REPAIR("bad\xff\xfeutf8", "bad" FFFD FFFD "utf8", false);
    REPAIR("\xc0\xaf", FFFD FFFD, false);            /* overlong: 2 bad bytes */
    REPAIR("\xed\xa0\x80", FFFD FFFD FFFD, false);   /* surrogate */
    REPAIR("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, false);
    REPAIR("\x80x", FFFD "x", false);
    REPAIR("x\xc3\xa9\xff\xc3\xa9", "x\xc3\xa9" FFFD "\xc3\xa9", false);
    /* truncated at the end: replaced, the valid prefix kept */
    struct buf b;
    buf_init(&b);
    ck_assert(!utf8_repair(&b, "ok\xe2\x82", 4));
    ck_assert(utf8_valid(b.data, b.len));
    ck_assert_int_eq(memcmp(b.data, "ok" FFFD, 5), 0);
    buf_free(&b);
    /* appends */
    buf_init(&b);
    buf_puts(&b, "k=");
    ck_assert(utf8_repair(&b, "v", 1));
    ck_assert_str_eq(b.data, "k=v");
    buf_free(&b);
}
END_TEST

START_TEST(t_utf8_repair_random)
{
    rng_state = 7;
    char in[600];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(rng() % sizeof in);
        for (size_t i = 0; i < len; i++)
            in[i] = (char)(rng() % 3 ? 0x80 + rng() % 0x80 : rng() % 0x80);
        struct buf b;
        buf_init(&b);
        bool clean = utf8_repair(&b, in, len);
        ck_assert(utf8_valid(b.data ? b.data : "", b.len));
        ck_assert_int_eq(clean, utf8_valid(in, len));
        if (clean) {
            ck_assert_uint_eq(b.len, len);
            ck_assert_int_eq(memcmp(b.data, in, len), 0);
        }
        buf_free(&b);
    }
}
END_TEST

/* ---- buf -------------------------------------------------------------- */

START_TEST(t_buf_growth)
{
    struct buf b;
    buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    for (size_t i = 0; i < 100000; i++) {
        buf_putc(&b, (char)('a' + i % 26));
        if (b.len >= b.cap || b.data[b.len] != '\0')
            ck_abort_msg("after %zu putc: len %zu cap %zu, unterminated", i + 1, b.len, b.cap);
    }
    ck_assert_uint_eq(b.len, 100000);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] != 'a' + (int)(i % 26))
            ck_abort_msg("byte %zu differs", i);
    size_t cap = b.cap;
    buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_str_eq(b.data, "");
    buf_reserve(&b, 1000000);
    ck_assert_uint_ge(b.cap, 1000001);
    buf_free(&b);
    ck_assert_ptr_null(b.data);
    /* binary data with NULs */
    buf_init(&b);
    buf_append(&b, "a\0b", 3);
    buf_append(&b, "", 0);
    ck_assert_uint_eq(b.len, 3);
    ck_assert_int_eq(memcmp(b.data, "a\0b\0", 4), 0);
    buf_puts(&b, "cd");
    ck_assert_uint_eq(b.len, 5);
    ck_assert_int_eq(memcmp(b.data, "a\0bcd", 6), 0);
    buf_free(&b);
}
END_TEST

START_TEST(t_buf_reserve_terminated)
{
    /* buf.h: "Always NUL-terminated past len". A buffer that has memory
     * must read as a C string, also right after buf_reserve(). Dirty the
     * heap first so that a fresh allocation is not zero by luck. */
    dirty_heap();
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, 10);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_msg(b.data[0] == '\0', "buf_reserve left data[len] = 0x%02x",
                  (unsigned char)b.data[0]);
    buf_free(&b);
    /* what the sanitiser does with an empty name */
    buf_init(&b);
    sanitize_display(&b, "", 0);
    ck_assert(b.data == NULL || b.data[0] == '\0');
    buf_free(&b);
}
END_TEST

START_TEST(t_buf_consume)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "hello world");
    buf_consume(&b, 0);
    ck_assert_str_eq(b.data, "hello world");
    buf_consume(&b, 6);
    ck_assert_str_eq(b.data, "world");
    ck_assert_uint_eq(b.len, 5);
    buf_consume(&b, 5);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    buf_puts(&b, "abc");
    buf_consume(&b, 1000);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    /* a streaming pattern: append chunks, consume lines */
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "line %d\n", i);
    int lines = 0;
    char *nl;
    while ((nl = memchr(b.data, '\n', b.len))) {
        char want[32];
        snprintf(want, sizeof want, "line %d", lines);
        ck_assert_int_eq(memcmp(b.data, want, strlen(want)), 0);
        buf_consume(&b, (size_t)(nl - b.data) + 1);
        lines++;
    }
    ck_assert_int_eq(lines, 1000);
    ck_assert_uint_eq(b.len, 0);
    buf_free(&b);
    /* consume on an empty, never-allocated buffer */
    buf_init(&b);
    buf_consume(&b, 3);
    ck_assert_uint_eq(b.len, 0);
    buf_free(&b);
}
END_TEST

START_TEST(t_buf_printf)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%d-%s-%x", 42, "x", 255u);
    ck_assert_str_eq(b.data, "42-x-ff");
    /* around the 256-byte stack buffer of buf_vprintf */
    static const size_t sizes[] = {254, 255, 256, 257, 4095, 4096, 10000, 100000};
    char *s = malloc(100001);
    ck_assert_ptr_nonnull(s);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (size_t i = 0; i < n; i++)
            s[i] = (char)('A' + (i * 7) % 26);
        s[n] = '\0';
        buf_reset(&b);
        buf_puts(&b, "<");
        buf_printf(&b, "%s|%zu", s, n);
        char tail[32];
        int tl = snprintf(tail, sizeof tail, "|%zu", n);
        ck_assert_uint_eq(b.len, 1 + n + (size_t)tl);
        ck_assert_int_eq(b.data[0], '<');
        ck_assert_int_eq(memcmp(b.data + 1, s, n), 0);
        ck_assert_str_eq(b.data + 1 + n, tail);
        ck_assert_uint_lt(b.len, b.cap);
    }
    buf_reset(&b);
    buf_printf(&b, "%s", "");
    ck_assert_uint_eq(b.len, 0);
    buf_printf(&b, "%.*s", 300, s);
    ck_assert_uint_eq(b.len, 300);
    free(s);
    buf_free(&b);
}
END_TEST

START_TEST(t_buf_read_fd)
{
    char path[] = "/tmp/vmscope-buf.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    char *data = malloc(200000);
    for (size_t i = 0; i < 200000; i++)
        data[i] = (char)(i * 31);
    ck_assert_int_eq(write(fd, data, 200000), 200000);
    lseek(fd, 0, SEEK_SET);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "pre");
    ck_assert_int_eq(buf_read_fd(&b, fd), 0);
    ck_assert_uint_eq(b.len, 200003);
    ck_assert_int_eq(memcmp(b.data, "pre", 3), 0);
    ck_assert_int_eq(memcmp(b.data + 3, data, 200000), 0);
    ck_assert_int_eq(b.data[b.len], '\0');
    close(fd);
    ck_assert_int_eq(buf_read_fd(&b, fd), -EBADF);
    /* a /proc file: short reads of about a page each */
    buf_reset(&b);
    fd = open("/proc/self/maps", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(buf_read_fd(&b, fd), 0);
    close(fd);
    ck_assert_uint_gt(b.len, 0);
    ck_assert_int_eq(b.data[b.len - 1], '\n');
    ck_assert_ptr_nonnull(strstr(b.data, "[stack]"));
    free(data);
    buf_free(&b);
}
END_TEST

/* ---- strtab ------------------------------------------------------------ */

/* Each string once: equal strings share one copy, positions follow the
 * order they came in, a copy keeps them, and "owns" tells the table's
 * own pointer from an equal string elsewhere. 100,000 distinct strings
 * go in at a constant cost each (a scan would take minutes). */
START_TEST(t_strtab)
{
    struct strtab t = {0};
    ck_assert_int_eq(strtab_find(&t, "x"), -1);
    ck_assert(!strtab_owns(&t, "x"));
    char libc[] = "/usr/lib/libc.so.6";
    const char *a = strtab_intern(&t, libc);
    ck_assert_ptr_ne(a, libc);
    ck_assert_str_eq(a, libc);
    const char *b = strtab_intern(&t, "[heap]");
    ck_assert_ptr_eq(strtab_intern(&t, "/usr/lib/libc.so.6"), a);
    ck_assert_uint_eq(t.count, 2);
    ck_assert_int_eq(strtab_find(&t, "[heap]"), 1);
    ck_assert(strtab_owns(&t, a));
    ck_assert(!strtab_owns(&t, libc)); /* equal, but not the table's */
    ck_assert(!strtab_owns(&t, NULL));
    char name[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "/o%d", i);
        strtab_intern(&t, name);
    }
    ck_assert_uint_eq(t.count, 100002);
    ck_assert_str_eq(t.strings[strtab_find(&t, "/o77777")], "/o77777");
    struct strtab c = {0};
    strtab_copy(&c, &t);
    ck_assert_uint_eq(c.count, t.count);
    ck_assert_int_eq(strtab_find(&c, "[heap]"), 1);
    ck_assert_ptr_ne(c.strings[1], b);
    ck_assert(!strtab_owns(&c, b));
    ck_assert_ptr_eq(strtab_intern(&c, "[heap]"), c.strings[1]);
    strtab_intern(&c, "new"); /* the copy grows on its own */
    ck_assert_uint_eq(c.count, t.count + 1);
    ck_assert_int_eq(strtab_find(&t, "new"), -1);
    strtab_free(&c);
    strtab_free(&t);
    ck_assert_uint_eq(t.count, 0);
}
END_TEST

/* ---- atomic_file ------------------------------------------------------ */

/* The opener's temporaries in dir: ".NAME.RANDOM.tmp" */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] == '.' && strlen(e->d_name) > 4 &&
            !strcmp(e->d_name + strlen(e->d_name) - 4, ".tmp"))
            n++;
    closedir(d);
    return n;
}

static void make_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/vmscope-atomic.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[4200];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

START_TEST(t_atomic_replace)
{
    char dir[64], target[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(target, sizeof target, "%s/out.json", dir);
    test_write_file(target, "old content\n", 12);
    struct stat before, after;
    ck_assert_int_eq(stat(target, &before), 0);
    umask(022);
    struct atomic_file af;
    ck_assert_int_eq(atomic_file_open(&af, target), 0);
    ck_assert_ptr_nonnull(af.fp);
    ck_assert_int_eq(af.in_place, 0);
    ck_assert_ptr_nonnull(af.tmp_path);
    char hidden[160]; /* beside the target, hidden, named after it */
    snprintf(hidden, sizeof hidden, "%s/.out.json.", dir);
    ck_assert_int_eq(strncmp(af.tmp_path, hidden, strlen(hidden)), 0);
    for (int i = 0; i < 10000; i++)
        fprintf(af.fp, "new line %d\n", i);
    /* before commit: readers still see the old file, a temp file exists */
    size_t b_len;
    char *b = test_read_file(target, &b_len);
    ck_assert_str_eq(b, "old content\n");
    ck_assert_int_eq(count_tmp(dir), 1);
    ck_assert_int_eq(atomic_file_commit(&af), 0);
    ck_assert_ptr_null(af.fp);
    ck_assert_int_eq(count_tmp(dir), 0);
    free(b);
    b = test_read_file(target, &b_len);
    ck_assert_int_eq(strncmp(b, "new line 0\n", 11), 0);
    ck_assert_ptr_nonnull(strstr(b, "new line 9999\n"));
    ck_assert_int_eq(b[b_len - 1], '\n');
    ck_assert_int_eq(stat(target, &after), 0);
    ck_assert_uint_ne(after.st_ino, before.st_ino); /* renamed over, not rewritten */
    ck_assert_uint_eq(after.st_mode & 07777, 0644);
    ck_assert_uint_eq((uint64_t)after.st_size, b_len);
    free(b);
    remove_tree(dir);
}
END_TEST

START_TEST(t_atomic_new_and_abort)
{
    char dir[64], target[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(target, sizeof target, "%s/new.csv", dir);
    struct atomic_file af;
    ck_assert_int_eq(atomic_file_open(&af, target), 0);
    fputs("a,b\n", af.fp);
    ck_assert_int_eq(access(target, F_OK), -1); /* not visible before commit */
    ck_assert_int_eq(atomic_file_commit(&af), 0);
    char *b = test_read_file(target, NULL);
    ck_assert_str_eq(b, "a,b\n");
    /* abort: the target stays, the temporary goes */
    ck_assert_int_eq(atomic_file_open(&af, target), 0);
    fputs("discarded\n", af.fp);
    fflush(af.fp);
    ck_assert_int_eq(count_tmp(dir), 1);
    atomic_file_abort(&af);
    ck_assert_int_eq(count_tmp(dir), 0);
    free(b);
    b = test_read_file(target, NULL);
    ck_assert_str_eq(b, "a,b\n");
    free(b);
    remove_tree(dir);
}
END_TEST

START_TEST(t_atomic_dev_full)
{
    struct atomic_file af;
    ck_assert_int_eq(atomic_file_open(&af, "/dev/full"), 0);
    ck_assert_int_eq(af.in_place, 1); /* never rename over a device */
    ck_assert_ptr_null(af.tmp_path);
    fputs("small write that stays in the stdio buffer\n", af.fp);
    ck_assert_int_eq(atomic_file_commit(&af), -ENOSPC);
    ck_assert_ptr_null(af.fp);
    struct stat st;
    ck_assert_int_eq(stat("/dev/full", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    /* a large write that fails inside fwrite already */
    ck_assert_int_eq(atomic_file_open(&af, "/dev/full"), 0);
    static char mib[1 << 20];
    memset(mib, 'x', sizeof mib);
    fwrite(mib, 1, sizeof mib, af.fp);
    ck_assert_int_eq(atomic_file_commit(&af), -ENOSPC);
    ck_assert_int_eq(count_tmp("/dev"), 0);
}
END_TEST

START_TEST(t_atomic_errors_at_open)
{
    struct atomic_file af;
    ck_assert_int_eq(atomic_file_open(&af, "/tmp/vmscope-no-such-dir-8d1f/sub/out.json"), -ENOENT);
    ck_assert_ptr_null(af.fp);
    ck_assert_ptr_null(af.tmp_path);
    char dir[64];
    make_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(atomic_file_open(&af, dir), -EISDIR);
    ck_assert_ptr_null(af.fp);
    /* a path through a regular file */
    char f[128];
    snprintf(f, sizeof f, "%s/file", dir);
    test_write_file(f, "x", 1);
    char through[160];
    snprintf(through, sizeof through, "%s/file/out", dir);
    ck_assert_int_eq(atomic_file_open(&af, through), -ENOTDIR);
    ck_assert_int_eq(count_tmp(dir), 0);
    remove_tree(dir);
}
END_TEST

START_TEST(t_atomic_stdout)
{
    struct atomic_file af;
    ck_assert_int_eq(atomic_file_open(&af, "-"), 0);
    ck_assert_ptr_eq(af.fp, stdout);
    ck_assert_int_eq(af.in_place, 1);
    ck_assert_ptr_null(af.path);
    ck_assert_int_eq(atomic_file_commit(&af), 0);
    ck_assert_ptr_null(af.fp);
}
END_TEST

START_TEST(t_atomic_readonly_dir)
{
    /* chmod 555: root ignores directory permissions, so the attempt runs
     * in a child that dropped to uid/gid 65534. */
    char dir[64], target[128];
    make_tmpdir(dir, sizeof dir);
    snprintf(target, sizeof target, "%s/out.txt", dir);
    test_write_file(target, "old\n", 4);
    ck_assert_int_eq(chmod(dir, 0555), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) || setuid(65534)))
            _exit(100);
        struct atomic_file af;
        int r = atomic_file_open(&af, target);
        _exit(r == -EACCES ? 0 : r == 0 ? 101 : 102);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    chmod(dir, 0700);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    char *b = test_read_file(target, NULL);
    ck_assert_str_eq(b, "old\n");
    ck_assert_int_eq(count_tmp(dir), 0);
    free(b);
    remove_tree(dir);
}
END_TEST

/* Mounts a 64 KiB tmpfs on a fresh directory; false (with a note) when
 * this environment does not allow mounting. */
static bool mount_small_tmpfs(char *dir, size_t size)
{
    make_tmpdir(dir, size);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") != 0) {
        printf("note: cannot mount a tmpfs (%s): full-filesystem test skipped\n", strerror(errno));
        rmdir(dir);
        return false;
    }
    return true;
}

START_TEST(t_atomic_full_fs)
{
    char dir[64], target[128];
    if (!mount_small_tmpfs(dir, sizeof dir))
        return;
    snprintf(target, sizeof target, "%s/snap.json", dir);
    test_write_file(target, "{\"old\": true}\n", 14);
    /* Write 1 MiB into 64 KiB: the write or the commit fails, and the old
     * file and the directory are as before. Results are collected before
     * the unmount so that a failed assertion cannot leave it mounted. */
    struct atomic_file af;
    int open_r = atomic_file_open(&af, target);
    int commit_r = 1, tmp_during = -1, tmp_after = -1;
    if (open_r == 0) {
        static char mib[1 << 20];
        memset(mib, 'y', sizeof mib);
        fwrite(mib, 1, sizeof mib, af.fp);
        tmp_during = count_tmp(dir);
        commit_r = atomic_file_commit(&af);
        tmp_after = count_tmp(dir);
    }
    char *b = test_read_file(target, NULL);
    umount(dir);
    rmdir(dir);
    ck_assert_int_eq(open_r, 0);
    ck_assert_int_eq(tmp_during, 1);
    ck_assert_int_eq(commit_r, -ENOSPC);
    ck_assert_int_eq(tmp_after, 0);
    ck_assert_str_eq(b, "{\"old\": true}\n");
    free(b);
}
END_TEST

START_TEST(t_atomic_readonly_fs)
{
    char dir[64], target[128];
    if (!mount_small_tmpfs(dir, sizeof dir))
        return;
    snprintf(target, sizeof target, "%s/snap.json", dir);
    test_write_file(target, "old\n", 4);
    int remount = mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k,mode=0700");
    struct atomic_file af;
    int open_r = remount == 0 ? atomic_file_open(&af, target) : 0;
    int tmp = count_tmp(dir);
    char *b = test_read_file(target, NULL);
    umount(dir);
    rmdir(dir);
    ck_assert_int_eq(remount, 0);
    ck_assert_int_eq(open_r, -EROFS);
    ck_assert_int_eq(tmp, 0);
    ck_assert_str_eq(b, "old\n");
    free(b);
}
END_TEST

/* key_set: put and take keys (the screens' open nodes and runs); a key is
 * held once however often it is put, and taking one keeps the others. */
/* The VmFlags line of the mapping that holds addr in /proc/self/smaps,
 * copied into out ("" when none is found). */
static void own_vmflags(const void *addr, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/smaps", "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    bool inside = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            size_t len = strnlen(line + 8, size - 1);
            memcpy(out, line + 8, len);
            out[len] = '\0';
            break;
        }
    }
    fclose(f);
}

/* An array grown with xgrow_huge past 2 MiB keeps every element and moves
 * to memory marked for huge pages (the kernel's VmFlags "hg"), 2 MiB-aligned. */
START_TEST(t_xgrow_huge)
{
    uint32_t *items = NULL;
    size_t cap = 0;
    const size_t n = 3u << 20; /* 12 MiB of uint32_t */
    for (size_t i = 0; i < n; i++) {
        xgrow_huge((void **)&items, &cap, i + 1, sizeof *items);
        ck_assert_uint_ge(cap, i + 1);
        items[i] = (uint32_t)(i * 2654435761u);
    }
    for (size_t i = 0; i < n; i++)
        if (items[i] != (uint32_t)(i * 2654435761u))
            ck_abort_msg("element %zu lost in growth", i);
    ck_assert_uint_eq((uintptr_t)items % (2u << 20), 0);
    ck_assert_uint_eq(cap * sizeof *items % (2u << 20), 0);
    char flags[512];
    own_vmflags(items, flags, sizeof flags);
    ck_assert_msg(strstr(flags, " hg") != NULL, "VmFlags:%s", flags);
    /* small arrays stay with malloc */
    uint32_t *small = NULL;
    size_t small_cap = 0;
    xgrow_huge((void **)&small, &small_cap, 100, sizeof *small);
    ck_assert_uint_lt(small_cap * sizeof *small, 2u << 20);
    free(small);
    free(items);
}
END_TEST

START_TEST(t_key_set)
{
    struct key_set s = {0};
    for (uint64_t k = 1; k <= 100; k++)
        key_set_put(&s, k * 4096, true);
    key_set_put(&s, 4096, true);
    ck_assert_uint_eq(s.n, 100);
    for (uint64_t k = 2; k <= 100; k += 2)
        key_set_put(&s, k * 4096, false);
    key_set_put(&s, 7, false); /* not there: nothing */
    ck_assert_uint_eq(s.n, 50);
    for (uint64_t k = 1; k <= 100; k++)
        ck_assert(key_set_has(&s, k * 4096) == (k % 2 == 1));
    ck_assert(!key_set_has(&s, 0));
    key_set_free(&s);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(!key_set_has(&s, 4096));
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc;

    tc = tcase_create("sanitize");
    tcase_add_test(tc, t_format_numbers);
    tcase_add_test(tc, t_sanitize_ascii);
    tcase_add_test(tc, t_sanitize_unicode);
    tcase_add_test(tc, t_sanitize_invalid);
    tcase_add_test(tc, t_sanitize_appends);
    tcase_add_test(tc, t_sanitize_expansion);
    tcase_add_test(tc, t_sanitize_expansion_tail);
    tcase_add_test(tc, t_sanitize_random);
    tcase_add_test(tc, t_sanitize_hostile_names);
    tcase_add_test(tc, t_sanitize_xml);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_test(tc, t_utf8_valid);
    tcase_add_test(tc, t_utf8_decode);
    tcase_add_test(tc, t_utf8_repair);
    tcase_add_test(tc, t_utf8_repair_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("buf");
    tcase_add_test(tc, t_buf_growth);
    tcase_add_test(tc, t_buf_reserve_terminated);
    tcase_add_test(tc, t_buf_consume);
    tcase_add_test(tc, t_buf_printf);
    tcase_add_test(tc, t_buf_read_fd);
    suite_add_tcase(s, tc);

    tc = tcase_create("atomic_file");
    tcase_add_test(tc, t_atomic_replace);
    tcase_add_test(tc, t_atomic_new_and_abort);
    tcase_add_test(tc, t_atomic_dev_full);
    tcase_add_test(tc, t_atomic_errors_at_open);
    tcase_add_test(tc, t_atomic_stdout);
    tcase_add_test(tc, t_atomic_readonly_dir);
    tcase_add_test(tc, t_atomic_full_fs);
    tcase_add_test(tc, t_atomic_readonly_fs);
    tcase_add_test(tc, t_strtab);
    tcase_add_test(tc, t_key_set);
    suite_add_tcase(s, tc);

    tc = tcase_create("alloc");
    tcase_add_test(tc, t_xgrow_huge);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(util_suite()); /* srunner_run_all(CK_NORMAL): prints "Checks: N, ..." */
}
