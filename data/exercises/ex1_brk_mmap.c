/* Exercise 1: brk or mmap? Where malloc puts a small and a big block.
 *
 * glibc's malloc serves small requests from the brk heap ("[heap]": the
 * region right above the program, grown with brk()) and gives a request
 * of at least M_MMAP_THRESHOLD bytes (128 KiB at start) a mapping of its
 * own (mmap). Freeing a big block unmaps it at once, and glibc then raises
 * its threshold to that block's size (the "dynamic mmap threshold"): the
 * same malloc a second time comes from the heap.
 *
 * Predict, for each checkpoint: which region holds small (64 KiB) and big
 * (1 MiB)? How big is big's region, exactly? After free(big), what does a
 * second malloc of 1 MiB get?
 *
 * Run:   cc -O0 -o ex1 ex1_brk_mmap.c && vmscope --trace -- ./ex1
 * Check: the Output screen (7) shows the addresses; type / and paste one
 * to select its region on the Map (2): small is in heap/brk [heap], big in
 * an mmap/anon region of 1 MiB + 4 KiB (glibc's 16-byte header rounds the
 * request up a page), or a little more: the kernel merges an anonymous
 * mapping with an anonymous neighbour of the same permissions, and the
 * Timeline's mmap call gives its exact size. The Timeline (4) lists the exact calls: brk() for
 * the heap, mmap(0, 1.0 MiB + 4 KiB, ...) for big, munmap at big - 16, and
 * for big2 another brk() (the heap grows: the threshold moved). */
#include "exercise.h"

int main(void)
{
    ex_start();
    char *small = malloc(64 * 1024);
    char *big = malloc(1024 * 1024);
    small[0] = big[0] = 1;
    ex_report("small", small);
    ex_report("big", big);
    ex_checkpoint("allocated");

    free(big);
    ex_checkpoint("freed");

    char *big2 = malloc(1024 * 1024);
    big2[0] = 1;
    ex_report("big2", big2);
    ex_checkpoint("again");
    return 0;
}
