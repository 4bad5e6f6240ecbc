/* Exercise 2: lazy allocation and the zero page.
 *
 * mmap() of anonymous memory only reserves addresses: no page frame is
 * used until a page is touched. The first read of a page maps the kernel's
 * one shared zero page (still nothing of yours in RSS); the first write
 * gives the page a frame of its own (a minor page fault each). Transparent
 * huge pages are turned off for this mapping (MADV_NOHUGEPAGE) so that
 * every 4 KiB page is faulted on its own.
 *
 * Predict, for each checkpoint: the region's size and its RSS; how many
 * page faults the reads and the writes cost.
 *
 * Run:   cc -O0 -o ex2 ex2_lazy.c && vmscope --trace -- ./ex2
 * Check: the region of "buffer" (/ and its address on the Map, Enter for
 * its Detail): 64 MiB, RSS 0 after the mmap; after the reads RSS is still
 * 0 and the page grid shows the zero page ('0') on every page; after the
 * writes RSS is exactly 4000 KiB (1000 pages of 4 KiB) and the grid shows
 * 1000 present pages. The header's "faults" count jumps by about 16,384
 * at the reads and 1,000 at the writes; the Timeline's faults row shows
 * both bursts. */
#include "exercise.h"

#include <sys/mman.h>

#define SIZE (64ul << 20)
#define WRITTEN 1000

int main(void)
{
    ex_start();
    long page = sysconf(_SC_PAGESIZE);
    char *buffer = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buffer == MAP_FAILED)
        return 1;
    madvise(buffer, SIZE, MADV_NOHUGEPAGE);
    ex_report("buffer", buffer);
    ex_checkpoint("mapped");

    volatile char sum = 0;
    for (unsigned long off = 0; off < SIZE; off += (unsigned long)page)
        sum += buffer[off];
    ex_checkpoint("read");

    for (unsigned long i = 0; i < WRITTEN; i++)
        buffer[i * (unsigned long)page] = 1;
    ex_checkpoint("written");
    return sum;
}
