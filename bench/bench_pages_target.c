/* Target for bench_pages: a 64 GiB sparse region (one page written per
 * 64 MiB) and an 8 GiB region with every 4 KiB page written.
 * usage: bench_pages_target [POPULATED_GIB]; prints the two ranges, then
 * "ready", and waits for EOF on stdin. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t gib = 1u << 30, sparse = 64 * gib;
    size_t dense = (size_t)(argc > 1 ? atoi(argv[1]) : 8) * gib;
    char *s = mmap(NULL, sparse, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    char *d = mmap(NULL, dense, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED || d == MAP_FAILED) {
        perror("bench_pages_target: mmap");
        return 1;
    }
    madvise(d, dense, MADV_NOHUGEPAGE); /* 4 KiB pages: the worst case for a walk */
    for (size_t off = 0; off < sparse; off += 64u << 20)
        s[off] = 1;
    for (size_t off = 0; off < dense; off += 4096)
        d[off] = 1;
    printf("sparse %p %p\ndense %p %p\nready\n", (void *)s, (void *)(s + sparse), (void *)d,
           (void *)(d + dense));
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
