/* Exercise 4: a crash, placed on the map.
 *
 * The brk heap ends where the last brk() put it; the addresses above it
 * are not mapped, and a write there is a segmentation fault (SIGSEGV,
 * si_code SEGV_MAPERR: no mapping). A write into the program's own code
 * is one too, for another reason (SEGV_ACCERR: the page is mapped, but
 * read-only).
 *
 * Predict: what will vmscope's banner say, for "./ex4" and for
 * "./ex4 text"? Which region will the Map's cursor be on?
 *
 * Run:   cc -O0 -o ex4 ex4_crash.c && vmscope -- ./ex4
 * Check: the banner says "killed by SIGSEGV (SEGV_MAPERR) at 0x...:
 * unmapped, 400 KiB above the end of [heap]" and the Map's cursor is on
 * [heap]; with "text": "write to read-only text of .../ex4 (r-xp)". The
 * same line is in a recording (vmscope record -- ./ex4: its
 * vmscope.crash line), and -r of that recording shows the banner again. */
#include "exercise.h"

#include <string.h>

static void *volatile keep;

int main(int argc, char **argv)
{
    ex_start();
    volatile char *target;
    if (argc > 1 && strcmp(argv[1], "text") == 0) {
        target = (volatile char *)(unsigned long)&main;
    } else {
        keep = malloc(100); /* the heap exists */
        char *end = sbrk(0);
        ex_report("heap_end", end);
        target = end + 400 * 1024;
    }
    ex_report("target", (const void *)target);
    ex_checkpoint("before");
    *target = 1;
    return 0;
}
