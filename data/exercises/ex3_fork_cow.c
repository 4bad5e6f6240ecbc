/* Exercise 3: fork and copy-on-write.
 *
 * fork() copies no page: parent and child map the same frames, read-only,
 * and the first write to a page by either one copies that page (copy on
 * write). smaps shows it: a page mapped by two processes is "shared" and
 * counts half in each one's PSS.
 *
 * Predict: after the fork, the child's region of "buffer" (256 written
 * pages = 1 MiB): its RSS, PSS, Shared_Dirty and Private_Dirty. After the
 * child writes 64 of the pages: the same four numbers.
 *
 * Run:   cc -O0 -o ex3 ex3_fork_cow.c && vmscope --trace -- ./ex3
 *        (and, for the child, vmscope -p CHILD_PID in another terminal)
 * Check: in Regions (3) or the region's Detail: after the fork, RSS 1 MiB,
 * PSS 512 KiB, all of it shared dirty; after the child's writes, the
 * child has 256 KiB private dirty (the copies) and 768 KiB shared, PSS
 * 256 + 768/2 = 640 KiB. Run as root, the page grid marks the shared
 * pages 'S' and shows their frame numbers: the same in both processes
 * until the write, different after it. */
#include "exercise.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 256
#define CHILD_WRITES 64

int main(void)
{
    ex_start();
    long page = sysconf(_SC_PAGESIZE);
    /* Between two PROT_NONE pages: the kernel cannot merge the buffer
     * with another anonymous mapping, so its region is exactly it. */
    char *fenced = mmap(NULL, (PAGES + 2) * (size_t)page, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fenced == MAP_FAILED)
        return 1;
    char *buffer = fenced + page;
    if (mprotect(buffer, PAGES * (size_t)page, PROT_READ | PROT_WRITE) != 0)
        return 1;
    memset(buffer, 1, PAGES * (size_t)page);
    ex_report("buffer", buffer);
    ex_checkpoint("written");

    pid_t child = fork();
    if (child == 0) {
        printf("child %d\n", (int)getpid());
        ex_checkpoint("forked");
        for (int i = 0; i < CHILD_WRITES; i++)
            buffer[(size_t)i * (size_t)page] = 2;
        ex_checkpoint("child-wrote");
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    ex_checkpoint("child-gone");
    return 0;
}
