/* Fuzz target: the sanitiser and the UTF-8 helpers on arbitrary bytes. The
 * display form must be valid UTF-8 with no control, C1, bidi or invisible
 * character, and fit the columns asked for; the repaired form valid UTF-8. */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/buf.h"
#include "vmscope/sanitize.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_sanitize: %s\n", what);
        abort();
    }
}

static void check_display(const struct buf *b)
{
    const unsigned char *s = (const unsigned char *)(b->data ? b->data : "");
    check(utf8_valid((const char *)s, b->len), "display output is not UTF-8");
    for (size_t i = 0; i < b->len;) {
        unsigned cp;
        size_t n = utf8_decode(s + i, b->len - i, &cp);
        check(n > 0, "undecodable");
        check(cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f), "control character");
        check(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069) &&
                  !(cp >= 0x200b && cp <= 0x200f) && cp != 0xfeff,
              "bidi or invisible character");
        i += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        setlocale(LC_ALL, "C.UTF-8");
        init = 1;
    }
    struct buf b;
    buf_init(&b);
    sanitize_display(&b, (const char *)data, size);
    check_display(&b);
    buf_reset(&b);
    int cols = size ? data[0] % 80 : 10;
    int used = sanitize_fit(&b, (const char *)data, size, cols);
    check(used <= cols, "wider than asked");
    check_display(&b);
    buf_reset(&b);
    utf8_repair(&b, (const char *)data, size);
    check(utf8_valid(b.data ? b.data : "", b.len), "repaired output is not UTF-8");
    buf_free(&b);
    return 0;
}
