/* An i386 program (built with gcc -m32 when that works): maps 1 MiB and
 * says where ("map 0x..."). "wait": then waits for stdin to close;
 * "run": unmaps it and exits with status 3. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    memset(p, 1, 16 * 4096);
    printf("map 0x%lx\n", (unsigned long)p);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        char c;
        while (read(0, &c, 1) > 0)
            ;
        return 0;
    }
    munmap(p, 1 << 20);
    return 3;
}
