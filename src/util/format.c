/* Formatting of numbers for people, shared by the screens and the writers. */
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void format_size(char *out, size_t size, uint64_t bytes)
{
    static const char units[] = "BKMGTPE";
    double x = (double)bytes;
    int u = 0;
    while (x >= 1024 && u < 6) {
        x /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, size, "%" PRIu64 "B", bytes);
    else
        snprintf(out, size, x < 10 ? "%.1f%c" : "%.0f%c", x, units[u]);
}

/* Two digits per division: the writers format ~700,000 numbers per 20,000-region snapshot. */
char *format_u64_to(char *w, uint64_t v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                   "31323334353637383940414243444546474849505152535455565758596061"
                                   "62636465666768697071727374757677787980818283848586878889909192"
                                   "939495969798" "99";
    static const uint64_t pow10[20] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
        UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
        UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
        UINT64_C(10000000000000000), UINT64_C(100000000000000000),
        UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
    };
    if (v < 10) { /* most smaps fields of most regions are 0 */
        *w = (char)('0' + v);
        return w + 1;
    }
    /* Digits from the bit length (log10 2 ~ 1233/4096, as in Bit Twiddling
     * Hacks' IntegerLog10) and one comparison, not a loop over powers of 10. */
    unsigned lg = (64u - (unsigned)__builtin_clzll(v)) * 1233u >> 12; /* <= 19 */
    unsigned n = lg + (v >= pow10[lg]);
    /* Written in place from its last digit: no copy of a temporary. */
    char *t = w + n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--t = pairs[d + 1];
        *--t = pairs[d];
    }
    if (v >= 10) {
        *--t = pairs[v * 2 + 1];
        *--t = pairs[v * 2];
    } else {
        *--t = (char)('0' + v);
    }
    return w + n;
}

char *format_hex_to(char *w, uint64_t v, int min_digits)
{
    static const char digits[] = "0123456789abcdef";
    int n = (64 - __builtin_clzll(v | 1) + 3) / 4; /* hex digits of v, at least 1 */
    if (n < min_digits)
        n = min_digits;
    char *t = w + n;
    for (int i = 0; i < n; i++, v >>= 4)
        *--t = digits[v & 15];
    return w + n;
}
