/* maphelper: creates known mappings for the live tests, reports them as
 * "key value" lines, prints "ready", then waits until its stdin closes.
 *
 *   brk PAGES            grow the brk heap by PAGES written pages
 *   bigmalloc BYTES      one malloc above the mmap threshold, plus a small one
 *   fenced PAGES WRITTEN anonymous PAGES between two PROT_NONE fences, WRITTEN written
 *   bss PAGES            write PAGES pages of a 16 MiB .bss array
 *   filemap FILE PAGES   MAP_PRIVATE mapping of FILE, PAGES pages written (COW)
 *   memfd NAME PAGES     shared memfd mapping, all PAGES written
 *   thread STACK_KIB     a thread with that stack size, blocked in read()
 *   aligned64            two anonymous 64 MiB blocks at 64 MiB boundaries: one
 *                        zero-filled, one headed like a whole-grown glibc heap
 *   arena                a thread whose malloc creates a glibc arena
 *   spinner              a thread that spins in user space (no readable SP)
 *   thp                  8 MiB, 2 MiB-aligned, MADV_HUGEPAGE, every page written
 *   pageout PAGES OUT    PAGES written, then MADV_PAGEOUT of the first OUT
 *   grow PAGES MS        PAGES fenced; after "ready", one more written every MS
 *   fileread FILE PAGES  MAP_PRIVATE read-only mapping of FILE, PAGES pages read
 *   hostile DIR          mappings whose names carry escapes, newlines, bad UTF-8
 *   many COUNT           COUNT separate one-page mappings
 *   exiter COUNT MS      COUNT mappings, then exit after MS milliseconds
 *   fork PAGES           PAGES written, then fork: the child shares them
 *   addthreads N MS      after "ready", one more thread (blocked) every MS, N in all
 *   addmaps N            after "ready" and a byte on stdin, N mappings of 1..N written pages
 *   dropmap N            N written pages (fenced); a byte on stdin unmaps them
 *
 * Nothing here may allocate from the brk heap unless the mode asks for it:
 * stdout is unbuffered so stdio does not malloc a buffer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BSS_SIZE (16u << 20)
static char big_bss[BSS_SIZE] __attribute__((aligned(4096)));

static long page = 4096; /* initialised: keeps it in .data, off the bss pages the test counts */

static void report(const char *key, uintptr_t value)
{
    printf("%s 0x%lx\n", key, (unsigned long)value);
}

static void die(const char *what)
{
    printf("error %s: %s\n", what, strerror(errno));
    exit(1);
}

static void wait_for_eof(void)
{
    printf("ready\n");
    char c;
    while (read(0, &c, 1) > 0)
        ;
}

static char *map_pages(size_t n, int prot)
{
    /* Very large reservations (the sparse tests) are not charged to commit. */
    int extra = n > (1u << 20) ? MAP_NORESERVE : 0;
    char *p = mmap(NULL, n * (size_t)page, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    return p;
}

static void mode_brk(long pages)
{
    char *start = sbrk(0);
    if (sbrk(pages * page) == (void *)-1)
        die("sbrk");
    for (long i = 0; i < pages; i++)
        start[i * page] = 1;
    report("brk_start", (uintptr_t)start);
    report("brk_end", (uintptr_t)sbrk(0));
}

static void mode_bigmalloc(size_t bytes)
{
    char *big = malloc(bytes);
    char *small = malloc(100);
    if (!big || !small)
        die("malloc");
    memset(big, 1, bytes);
    small[0] = 1;
    report("big", (uintptr_t)big);
    report("small", (uintptr_t)small);
}

/* Anonymous pages between two PROT_NONE pages, so the VMA never merges
 * with a neighbour and its counts are exactly ours. */
static char *map_fenced(long pages)
{
    char *p = map_pages((size_t)pages + 2, PROT_READ | PROT_WRITE);
    if (mprotect(p, (size_t)page, PROT_NONE) || mprotect(p + (pages + 1) * page, (size_t)page, PROT_NONE))
        die("mprotect");
    return p + page;
}

static void mode_fenced(long pages, long written)
{
    char *body = map_fenced(pages);
    for (long i = 0; i < written; i++)
        body[i * 2 * page % (pages * page)] = 1; /* spread out: every other page first */
    report("start", (uintptr_t)body);
    report("end", (uintptr_t)(body + pages * page));
}

static void mode_bss(long pages)
{
    char *lo = big_bss + 2 * page; /* clear of the file-backed page */
    for (long i = 0; i < pages; i++)
        lo[i * page] = 1;
    report("bss_start", (uintptr_t)big_bss);
    report("bss_end", (uintptr_t)(big_bss + BSS_SIZE));
    report("written_start", (uintptr_t)lo);
}

static void mode_filemap(const char *path, long pages)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open");
    off_t size = lseek(fd, 0, SEEK_END);
    char *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        die("mmap file");
    close(fd);
    for (long i = 0; i < pages; i++)
        p[i * page] = 2; /* write faults copy the page: no fault-around */
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + size));
}

static void mode_memfd(const char *name, long pages)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, pages * page) < 0)
        die("memfd");
    char *p = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap memfd");
    for (long i = 0; i < pages; i++)
        p[i * page] = 3;
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + pages * page));
}

static int thread_pipe[2];
static pthread_barrier_t thread_ready;
static uintptr_t thread_lo, thread_hi;
static pid_t thread_tid;

static void *blocked_thread(void *arg)
{
    (void)arg;
    pthread_attr_t a;
    void *addr;
    size_t size;
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstack(&a, &addr, &size);
    pthread_attr_destroy(&a);
    thread_lo = (uintptr_t)addr;
    thread_hi = (uintptr_t)addr + size;
    thread_tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&thread_ready);
    char c;
    while (read(thread_pipe[0], &c, 1) > 0) /* blocked: its SP is readable */
        ;
    return NULL;
}

static void mode_thread(long stack_kib)
{
    pthread_t t;
    pthread_attr_t a;
    if (pipe(thread_pipe))
        die("pipe");
    pthread_barrier_init(&thread_ready, NULL, 2);
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, (size_t)stack_kib * 1024);
    if (pthread_create(&t, &a, blocked_thread, NULL))
        die("pthread_create");
    pthread_barrier_wait(&thread_ready);
    usleep(50 * 1000); /* let it reach read() */
    report("tid", (uintptr_t)thread_tid);
    report("stack_lo", thread_lo);
    report("stack_hi", thread_hi);
}

static volatile int keep_spinning = 1;

static void *spinning_thread(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&thread_ready);
    while (keep_spinning) /* always in user space: its syscall file says "running" */
        ;
    return NULL;
}

static void mode_spinner(void)
{
    pthread_t t;
    pthread_barrier_init(&thread_ready, NULL, 2);
    if (pthread_create(&t, NULL, spinning_thread, NULL))
        die("pthread_create");
    pthread_barrier_wait(&thread_ready);
    report("tid", (uintptr_t)thread_tid);
}

static void *arena_thread(void *arg)
{
    char *p = malloc(1000);
    p[0] = 1;
    *(void **)arg = p;
    pthread_barrier_wait(&thread_ready);
    pause();
    return NULL;
}

static void mode_arena(void)
{
    pthread_t t;
    void *p = NULL;
    pthread_barrier_init(&thread_ready, NULL, 2);
    if (pthread_create(&t, NULL, arena_thread, &p))
        die("pthread_create");
    pthread_barrier_wait(&thread_ready);
    report("arena_ptr", (uintptr_t)p);
}

/* A 64 MiB-aligned anonymous block of exactly 64 MiB, as a whole-grown
 * glibc arena heap is: one zero-filled (any aligned mmap), one with the
 * header glibc writes at the start of a heap (heap_info: its arena, no
 * previous heap, size and mprotect_size of 64 MiB). */
static char *aligned_64m(int flags)
{
    size_t size = (size_t)64 << 20;
    char *p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED)
        die("mmap 128 MiB");
    char *at = (char *)(((uintptr_t)p + size - 1) & ~(uintptr_t)(size - 1));
    if (at > p)
        munmap(p, (size_t)(at - p));
    munmap(at + size, (size_t)(p + 2 * size - (at + size)));
    return at;
}

static void mode_aligned64(void)
{
    /* MAP_NORESERVE on one: two neighbours must not merge into one VMA */
    char *plain = aligned_64m(0), *headed = aligned_64m(MAP_NORESERVE);
    uint64_t info[4] = {(uintptr_t)headed + 32, 0, (uint64_t)1 << 20, (uint64_t)64 << 20};
    memcpy(headed, info, sizeof info);
    report("plain_ptr", (uintptr_t)plain);
    report("headed_ptr", (uintptr_t)headed);
}

static void map_name(const char *dir, const char *name, int unlink_after)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, page) < 0)
        die("create named file");
    if (mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
        die("mmap named file");
    close(fd);
    if (unlink_after)
        unlink(path);
}

static void mode_hostile(const char *dir)
{
    static const char *const memfd_names[] = {
        "\033]0;PWNED-TITLE\007",            /* OSC title */
        "\033]52;c;cHduZWQ=\007",            /* OSC 52 clipboard */
        "\033[6n\033[2J",                    /* CSI device status + clear */
        "\xc2\x9b" "31m c1-csi",             /* 8-bit C1 CSI */
        "bad\xff\xfeutf8",                   /* invalid UTF-8 */
        "rtl\xe2\x80\xae" "gnp.exe",         /* right-to-left override */
        "zero\xe2\x80\x8bwidth",             /* zero-width space */
    };
    for (size_t i = 0; i < sizeof memfd_names / sizeof memfd_names[0]; i++) {
        int fd = memfd_create(memfd_names[i], 0);
        if (fd < 0 || ftruncate(fd, page) < 0)
            die("memfd");
        char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap memfd");
        p[0] = 1;
    }
    map_name(dir, "new\nline name.bin", 0);
    map_name(dir, "back\\slash and space.bin", 0);
    map_name(dir, "gone.bin", 1);
    map_name(dir, "alive (deleted)", 0);
    char longname[256];
    memset(longname, 'L', 250);
    longname[250] = 0;
    map_name(dir, longname, 0);
}

static void mode_thp(void)
{
    size_t huge = 2u << 20, len = 8u << 20;
    char *p = map_pages((len + huge) / (size_t)page, PROT_READ | PROT_WRITE);
    char *aligned = (char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    if (madvise(aligned, len, MADV_HUGEPAGE))
        die("madvise");
    for (size_t off = 0; off < len; off += (size_t)page)
        aligned[off] = 1;
    report("start", (uintptr_t)aligned);
    report("end", (uintptr_t)(aligned + len));
}

/* A resident base of base_mib, and amp_mib more that comes and goes every
 * period_ms (a sawtooth: touched page by page, then dropped at once). */
static void mode_sawtooth(long base_mib, long amp_mib, long period_ms)
{
    size_t base = (size_t)base_mib << 20, amp = (size_t)amp_mib << 20;
    char *p = map_pages(base / (size_t)page, PROT_READ | PROT_WRITE);
    memset(p, 1, base);
    char *q = map_pages(amp / (size_t)page, PROT_READ | PROT_WRITE);
    report("base", (uintptr_t)p);
    report("saw", (uintptr_t)q);
    printf("ready\n");
    size_t steps = 16, chunk = amp / steps;
    for (;;) {
        for (size_t k = 0; k < steps; k++) {
            memset(q + k * chunk, 1, chunk);
            usleep((useconds_t)period_ms * 1000 / (useconds_t)steps);
        }
        if (madvise(q, amp, MADV_DONTNEED))
            die("madvise");
        struct pollfd in = {.fd = 0, .events = POLLIN};
        if (poll(&in, 1, 0) > 0)
            exit(0);
    }
}

/* pages locked with mlock, fenced; then the THP region of mode_thp. */
static void mode_locked(long pages)
{
    char *p = map_fenced(pages);
    if (mlock(p, (size_t)(pages * page)))
        die("mlock");
    report("locked_start", (uintptr_t)p);
    report("locked_end", (uintptr_t)(p + pages * page));
}

static void mode_pageout(long pages, long out)
{
    char *p = map_fenced(pages);
    for (long i = 0; i < pages; i++)
        p[i * page] = (char)(i + 1);
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
    if (madvise(p, (size_t)(out * page), MADV_PAGEOUT))
        die("madvise(MADV_PAGEOUT)");
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + pages * page));
}

static void mode_fileread(const char *path, long pages)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open");
    off_t size = lseek(fd, 0, SEEK_END);
    volatile char *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        die("mmap file");
    close(fd);
    char sum = 0;
    for (long i = 0; i < pages; i++)
        sum += p[i * page];
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + size));
    report("sum", (uintptr_t)(unsigned char)sum);
}

static void mode_many(long count)
{
    /* Alternate protections so neighbours never merge into one VMA. */
    char *p = map_pages((size_t)count, PROT_READ | PROT_WRITE);
    for (long i = 0; i < count; i += 2)
        if (mprotect(p + i * page, (size_t)page, PROT_READ))
            die("mprotect");
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + count * page));
}

/* addmaps N: on a byte on stdin, N mappings at base + the offsets the test
 * computes (mapping i: i + 1 pages, all written, one unmapped page after
 * it so none merge); until then nothing of them exists. */
static void mode_addmaps(long count)
{
    size_t total = 0;
    for (long i = 0; i < count; i++)
        total += (size_t)(i + 2);
    char *base = map_pages(total, PROT_NONE); /* only to find room */
    if (munmap(base, total * (size_t)page))
        die("munmap");
    report("base", (uintptr_t)base);
    printf("ready\n");
    fflush(stdout);
    char c;
    if (read(0, &c, 1) != 1)
        exit(0);
    char *at = base;
    for (long i = 0; i < count; i++) {
        char *p = mmap(at, (size_t)(i + 1) * (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != at)
            die("mmap");
        for (long k = 0; k <= i; k++)
            p[k * page] = 1;
        at += (size_t)(i + 2) * (size_t)page;
    }
    while (read(0, &c, 1) > 0)
        ;
    exit(0);
}

/* dropmap N: N written pages (fenced); on a byte on stdin they are
 * unmapped; then it waits for the end of stdin. */
static void mode_dropmap(long pages)
{
    char *p = map_fenced(pages);
    for (long i = 0; i < pages; i++)
        p[i * page] = 1;
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + pages * page));
    printf("ready\n");
    fflush(stdout);
    char c;
    if (read(0, &c, 1) != 1)
        exit(0);
    if (munmap(p, (size_t)pages * (size_t)page))
        die("munmap"); /* nothing printed: the test stopped reading at "ready" */
    while (read(0, &c, 1) > 0)
        ;
    exit(0);
}

static void mode_fork(long pages)
{
    char *p = map_fenced(pages);
    for (long i = 0; i < pages; i++)
        p[i * page] = 1;
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pause();
        _exit(0);
    }
    report("start", (uintptr_t)p);
    report("end", (uintptr_t)(p + pages * page));
    report("child", (uintptr_t)child);
}

static void *sleeping_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    page = sysconf(_SC_PAGESIZE);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
    const char *mode = argc > 1 ? argv[1] : "";
    long a = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
    long b = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
    if (!strcmp(mode, "brk"))
        mode_brk(a);
    else if (!strcmp(mode, "bigmalloc"))
        mode_bigmalloc((size_t)a);
    else if (!strcmp(mode, "fenced"))
        mode_fenced(a, b);
    else if (!strcmp(mode, "bss"))
        mode_bss(a);
    else if (!strcmp(mode, "filemap") && argc > 3)
        mode_filemap(argv[2], b);
    else if (!strcmp(mode, "memfd") && argc > 3)
        mode_memfd(argv[2], b);
    else if (!strcmp(mode, "thread"))
        mode_thread(a);
    else if (!strcmp(mode, "aligned64"))
        mode_aligned64();
    else if (!strcmp(mode, "arena"))
        mode_arena();
    else if (!strcmp(mode, "spinner"))
        mode_spinner();
    else if (!strcmp(mode, "thp"))
        mode_thp();
    else if (!strcmp(mode, "sawtooth") && argc > 4)
        mode_sawtooth(a, b, strtol(argv[4], NULL, 0));
    else if (!strcmp(mode, "locked")) {
        mode_locked(a);
        mode_thp();
    } else if (!strcmp(mode, "pageout"))
        mode_pageout(a, b);
    else if (!strcmp(mode, "grow")) {
        char *p = map_fenced(a);
        report("start", (uintptr_t)p);
        report("end", (uintptr_t)(p + a * page));
        printf("ready\n");
        for (long i = 0; i < a; i++) {
            p[i * page] = 1;
            usleep((useconds_t)b * 1000);
        }
        char c;
        while (read(0, &c, 1) > 0)
            ;
        return 0;
    }
    else if (!strcmp(mode, "fileread") && argc > 3)
        mode_fileread(argv[2], b);
    else if (!strcmp(mode, "hostile") && argc > 2)
        mode_hostile(argv[2]);
    else if (!strcmp(mode, "many"))
        mode_many(a);
    else if (!strcmp(mode, "addmaps"))
        mode_addmaps(a);
    else if (!strcmp(mode, "dropmap"))
        mode_dropmap(a);
    else if (!strcmp(mode, "exiter")) {
        mode_many(a);
        printf("ready\n");
        usleep((useconds_t)b * 1000);
        return 0;
    } else if (!strcmp(mode, "fork"))
        mode_fork(a);
    else if (!strcmp(mode, "addthreads")) {
        printf("ready\n");
        for (long i = 0; i < a; i++) {
            usleep((useconds_t)b * 1000);
            pthread_t t;
            if (pthread_create(&t, NULL, sleeping_thread, NULL))
                die("pthread_create");
        }
        char c;
        while (read(0, &c, 1) > 0)
            ;
        return 0;
    }
    else {
        printf("error unknown mode '%s'\n", mode);
        return 2;
    }
    wait_for_eof();
    return 0;
}
