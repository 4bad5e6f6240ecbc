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
    if (v < 10) { /* most smaps fields of most regions are 0 */
        *w = (char)('0' + v);
        return w + 1;
    }
    /* Written in place from its last digit: no copy of a temporary. */
    unsigned n = 2; /* digits: v >= 10 here */
    for (uint64_t p = 100; n < 20 && v >= p; p *= 10) /* 10^19 is the last power that fits */
        n++;
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
    int n = 1;
    for (uint64_t x = v >> 4; x; x >>= 4)
        n++;
    if (n < min_digits)
        n = min_digits;
    for (char *t = w + n; t > w; v >>= 4)
        *--t = digits[v & 15];
    return w + n;
}
