/* Benchmark target for bench_snapshot.sh (run by hand, not a test).
 *
 * usage: bench_target MAPPINGS RESIDENT_MIB [CHURN]
 *
 * Maps one anonymous region of RESIDENT_MIB MiB, makes every 4 KiB page of
 * it resident (MADV_NOHUGEPAGE first, so THP cannot shrink the page-table
 * walk), then splits it into MAPPINGS VMAs by making every other chunk
 * read-only, so neighbours can never merge. Prints "ready PID" and waits
 * until standard input reaches EOF (or it is killed). With CHURN, it
 * changes the RSS of CHURN writable chunks every 50 ms meanwhile (the next
 * ones each time: their first page dropped, or written again), so a
 * recording of it has deltas of that many regions (bench_replay.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

/* VMAs the process has besides the region (binary, libc, ld.so, stack,
 * vdso, ...), with room to spare. */
#define OTHER_MAPPINGS_MARGIN 64

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_target: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static unsigned long parse_ulong(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        die("%s must be a positive integer, got '%s'", what, s);
    return v;
}

static long read_max_map_count(void)
{
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (!f)
        return -1;
    long v = -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s MAPPINGS RESIDENT_MIB [CHURN]\n", argv[0]);
        return 2;
    }
    unsigned long mappings = parse_ulong(argv[1], "MAPPINGS");
    unsigned long mib = parse_ulong(argv[2], "RESIDENT_MIB");
    unsigned long churn = argc == 4 ? parse_ulong(argv[3], "CHURN") : 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (size_t)mib << 20;

    long max_maps = read_max_map_count();
    if (max_maps < 0)
        die("cannot read /proc/sys/vm/max_map_count: %s", strerror(errno));
    if ((unsigned long)max_maps < mappings + OTHER_MAPPINGS_MARGIN)
        die("vm.max_map_count is %ld, too low for %lu mappings (+%d for the binary and "
            "libraries); raise it with: sysctl -w vm.max_map_count=%lu",
            max_maps, mappings, OTHER_MAPPINGS_MARGIN, mappings + 2 * OTHER_MAPPINGS_MARGIN);

    size_t chunk = size / mappings / page * page;
    if (chunk == 0)
        die("%lu MiB is %zu pages, fewer than the %lu mappings asked for", mib, size / page,
            mappings);

    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        die("mmap %lu MiB: %s", mib, strerror(errno));
    if (madvise(base, size, MADV_NOHUGEPAGE) != 0)
        die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
    for (size_t off = 0; off < size; off += page)
        base[off] = (char)(off / page) | 1; /* nonzero: never the shared zero page */

    /* Chunk i covers [i*chunk, (i+1)*chunk); the last one also takes the
     * remainder, so the region is exactly MAPPINGS VMAs. */
    for (unsigned long i = 1; i < mappings; i += 2) {
        size_t start = i * chunk;
        size_t len = i == mappings - 1 ? size - start : chunk;
        if (mprotect(base + start, len, PROT_READ) != 0)
            die("mprotect of chunk %lu of %lu: %s%s", i, mappings, strerror(errno),
                errno == ENOMEM ? " (vm.max_map_count reached?)" : "");
    }

    setvbuf(stdout, NULL, _IONBF, 0);
    printf("ready %ld\n", (long)getpid());

    if (churn) {
        unsigned long writable = (mappings + 1) / 2, next = 0;
        for (;;) {
            struct pollfd in = {STDIN_FILENO, POLLIN, 0};
            if (poll(&in, 1, 50) != 0) /* EOF, or input: stop as below */
                break;
            for (unsigned long k = 0; k < churn; k++, next++) {
                char *p = base + (next % writable) * 2 * chunk;
                if ((next / writable) % 2 == 0)
                    madvise(p, page, MADV_DONTNEED);
                else
                    p[0] = 1;
            }
        }
    }

    char buf[256];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 && errno != EINTR)
            die("read stdin: %s", strerror(errno));
    }
    munmap(base, size);
    return 0;
}
