/* Soak target for bench_record_soak.sh (run by hand, not a test).
 *
 * usage: soak_grow [CYCLE_SEC [GROW_SEC]]      (defaults 60 and 10)
 *
 * A program that grows in steps: every CYCLE_SEC seconds it spends
 * GROW_SEC seconds growing (each second: one new 1 MiB anonymous mapping,
 * read-only every other time so neighbours never merge into one region, and
 * 256 KiB more heap in 4 KiB mallocs, every page written), then sits idle
 * for the rest of the cycle. It prints "ready PID", then a line
 * "grow|idle MONOTONIC_NS" at each change of phase (CLOCK_MONOTONIC, the
 * clock of a recording's monotonic_ns), so the script can tell which
 * samples were taken while it grew. Exits at EOF on standard input.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps up to ms; returns 1 if standard input reached EOF (time to go). */
static int wait_ms(int ms)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, ms) > 0) {
        char c;
        if (read(0, &c, 1) <= 0)
            return 1;
    }
    return 0;
}

static void grow_one_step(unsigned long step)
{
    size_t len = 1u << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("soak_grow: mmap");
        exit(2);
    }
    memset(p, 1, len);
    if (step % 2)
        mprotect(p, len, PROT_READ);
    for (int i = 0; i < 64; i++) { /* 4 KiB pieces stay below the mmap threshold: the heap grows */
        char *h = malloc(4096);
        if (!h)
            exit(2);
        memset(h, 2, 4096);
    }
}

int main(int argc, char **argv)
{
    int cycle = argc > 1 ? atoi(argv[1]) : 60, grow = argc > 2 ? atoi(argv[2]) : 10;
    if (cycle <= 0 || grow <= 0 || grow > cycle) {
        fprintf(stderr, "usage: soak_grow [CYCLE_SEC [GROW_SEC]] (0 < GROW_SEC <= CYCLE_SEC)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready %d\n", (int)getpid());
    unsigned long step = 0;
    for (;;) {
        printf("grow %llu\n", (unsigned long long)now_ns());
        for (int s = 0; s < grow; s++) {
            grow_one_step(step++);
            if (wait_ms(1000))
                return 0;
        }
        printf("idle %llu\n", (unsigned long long)now_ns());
        if (cycle > grow && wait_ms((cycle - grow) * 1000))
            return 0;
    }
}
