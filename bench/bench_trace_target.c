/* bench_trace_target: a malloc-heavy program for bench_trace.sh.
 *
 *   bench_trace_target small N   N malloc/free pairs of 16..4096 bytes (brk heap,
 *                                almost no system calls)
 *   bench_trace_target large N   N malloc/free pairs of 256 KiB with the mmap
 *                                threshold pinned at 128 KiB: each pair is one
 *                                mmap and one munmap
 *   bench_trace_target mixed N   both, interleaved 63:1 (a typical allocator mix)
 *
 * Prints "elapsed_ms X" measured inside the program, so the tracer's start and
 * the exit capture are not counted. */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_trace_target small|large|mixed N\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* fixed: no dynamic raise */
    void *keep[64] = {0};
    unsigned seed = 1;
    double t0 = now_ms();
    for (long i = 0; i < n; i++) {
        bool large = strcmp(mode, "large") == 0 || (strcmp(mode, "mixed") == 0 && i % 64 == 63);
        size_t size = large ? 256 * 1024 : 16 + (rand_r(&seed) % 4081);
        char *p = malloc(size);
        p[0] = p[size - 1] = 1;
        /* Keep a few alive so the heap is not one chunk reused forever. */
        size_t slot = (size_t)rand_r(&seed) % 64;
        free(keep[slot]);
        keep[slot] = large ? NULL : p;
        if (large)
            free(p);
    }
    double elapsed = now_ms() - t0;
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    printf("elapsed_ms %.3f\n", elapsed);
    return 0;
}
