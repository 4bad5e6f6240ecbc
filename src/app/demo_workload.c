/* The built-in demo workload: the lecture notes' lessons about the address
 * space, one phase at a time, each announced in one sentence, forever. */
#include "vmscope/app.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define STEP_MS 250

/* Zero-initialised, so it lives in .bss: free until written. */
static char demo_bss[32 * MIB];

static int announce;

static void say(const char *sentence)
{
    char line[512]; /* one write, so the watcher never sees half a line */
    int len = snprintf(line, sizeof line, "%.510s\n", sentence);
    if (write(announce, line, (size_t)len) < 0)
        _exit(0); /* the watcher is gone */
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void touch(char *p, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < len; off += (size_t)page)
        p[off] = 1;
}

static void phase_brk_heap(void)
{
    say("Small mallocs come from the brk heap: watch [heap] grow upwards.");
    enum { N = 40 };
    void *blocks[N][64];
    for (int step = 0; step < N; step++) {
        for (int i = 0; i < 64; i++) {
            blocks[step][i] = malloc(4000); /* well below the 128 KiB mmap threshold */
            memset(blocks[step][i], 1, 4000);
        }
        pause_ms(STEP_MS / 2);
    }
    pause_ms(2000);
    for (int step = 0; step < N; step++)
        for (int i = 0; i < 64; i++)
            free(blocks[step][i]);
    malloc_trim(0);
}

static void phase_big_malloc(void)
{
    say("A malloc above the mmap threshold (128 KiB) gets its own anonymous mmap, "
        "and free() unmaps it at once.");
    char *big = malloc(24 * MIB);
    touch(big, 24 * MIB);
    pause_ms(4000);
    free(big);
    pause_ms(2000);
}

static void phase_lazy_pages(void)
{
    say("A 256 MiB mapping raises VSZ at once; RSS grows only as pages are touched.");
    size_t len = 256 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    pause_ms(2000);
    for (size_t done = 0; done < len; done += 16 * MIB) {
        touch(p + done, 16 * MIB);
        pause_ms(STEP_MS);
    }
    pause_ms(2000);
    munmap(p, len);
}

static void phase_bss(void)
{
    say("A 32 MiB zero-initialised array lives in .bss and costs nothing until written.");
    long page = sysconf(_SC_PAGESIZE);
    /* Give the pages back so every loop starts from zero resident bytes. */
    uintptr_t lo = ((uintptr_t)demo_bss + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t hi = ((uintptr_t)demo_bss + sizeof demo_bss) & ~((uintptr_t)page - 1);
    madvise((void *)lo, hi - lo, MADV_DONTNEED);
    pause_ms(2000);
    for (size_t done = 0; done < sizeof demo_bss; done += 2 * MIB) {
        touch(demo_bss + done, 2 * MIB);
        pause_ms(STEP_MS);
    }
    pause_ms(2000);
}

static void __attribute__((noinline)) grow_stack(int depth)
{
    volatile char frame[64 * 1024];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    if (depth > 0) {
        pause_ms(60);
        grow_stack(depth - 1);
    } else {
        pause_ms(3000);
    }
    (void)frame[0];
}

static void phase_stack(void)
{
    say("Deep calls grow the main [stack] downwards, one 64 KiB frame at a time.");
    grow_stack(64); /* 4 MiB, well inside the 8 MiB default limit */
    pause_ms(1000);
}

static void phase_file_mapping(void)
{
    say("A private file mapping: pages become resident as they are read, and a write "
        "makes a private anonymous copy (copy-on-write).");
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        close(fd);
        return;
    }
    volatile char *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return;
    long page = sysconf(_SC_PAGESIZE);
    char sum = 0;
    for (off_t off = 0; off < size; off += page * 8) {
        sum += p[off];
        pause_ms(20);
    }
    p[0] = sum; /* the first page is now a private copy */
    pause_ms(3000);
    munmap((void *)p, (size_t)size);
}

static void phase_fork_cow(void)
{
    say("After fork() parent and child share every page; the parent's writes copy "
        "them one by one (copy-on-write): watch Shared turn into Private.");
    size_t len = 32 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    touch(p, len);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pause_ms(12000);
        _exit(0);
    }
    pause_ms(2000);
    for (size_t done = 0; done < len; done += 2 * MIB) {
        memset(p + done, 2, 2 * MIB);
        pause_ms(STEP_MS);
    }
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    pause_ms(1000);
    munmap(p, len);
}

static void phase_mlock(void)
{
    say("mlock() pins 8 MiB in RAM: the region's Locked size equals its size.");
    size_t len = 8 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    if (mlock(p, len) != 0)
        say("(mlock was refused: RLIMIT_MEMLOCK is too low for 8 MiB.)");
    touch(p, len);
    pause_ms(4000);
    munlock(p, len);
    munmap(p, len);
}

_Noreturn void demo_workload_run(int announce_fd)
{
    announce = announce_fd;
    signal(SIGPIPE, SIG_IGN);
    /* A fixed threshold keeps the lesson repeatable: glibc would otherwise
     * raise it after the first free() of an mmapped chunk. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    for (;;) {
        phase_brk_heap();
        phase_big_malloc();
        phase_lazy_pages();
        phase_bss();
        phase_stack();
        phase_file_mapping();
        phase_fork_cow();
        phase_mlock();
        say("The tour starts again.");
    }
}

/* The first announcement means the child has exec'ed and started: only
 * then is its address space the tour's. */
static void wait_first_announcement(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 3000);
}

pid_t demo_workload_spawn(int *announce_fd)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        return -err;
    }
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the watcher */
        /* A fresh exec gives the tour an address space of its own, not a
         * copy of the watcher's; if that fails the fork still works. */
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        fcntl(fds[1], F_SETFD, 0);
        execl("/proc/self/exe", "vmscope-demo", DEMO_WORKLOAD_ARG, fd, (char *)NULL);
        prctl(PR_SET_NAME, "vmscope-demo");
        demo_workload_run(fds[1]);
    }
    close(fds[1]);
    wait_first_announcement(fds[0]);
    *announce_fd = fds[0];
    return pid;
}
