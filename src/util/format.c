/* Formatting of numbers for people, shared by the screens and the writers. */
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>

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
