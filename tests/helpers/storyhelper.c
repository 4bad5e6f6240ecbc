/* storyhelper: a program with a scripted allocation story, for the launch
 * mode tests (vmscope -- storyhelper, vmscope record --trace -- ...).
 *
 *   storyhelper story   the story below, then exit with status 7
 *   storyhelper segv    print a line, then crash with SIGSEGV
 *   storyhelper wait    print a line, then sleep until killed
 *   storyhelper stacks  known call chains (issue 14), between the same
 *                       markers: stack_outer_setup -> stack_make_buffer ->
 *                       stack_map_leaf maps 8 pages; stack_outer_setup ->
 *                       stack_map_leaf maps 3 pages and unmaps them; exit 0
 *   storyhelper crash heap|guard|text
 *                       report "addr 0x..." (and heap_end, tid), then write
 *                       there: 400 KiB above the brk heap's end, into the
 *                       guard page below a thread's stack, into main's code
 *   storyhelper stackswait  the same, then sleep until killed (the
 *                       live screens)
 *   storyhelper churn N  stack_outer_setup as in "stacks", an madvise of its
 *                       8-page buffer by churn_advise, then N pairs of
 *                       a 1-page mmap and its munmap by churn_pair; prints
 *                       "churn done"; exit 0 (a trace longer than the
 *                       view's log)
 *   storyhelper forkleak  a child maps 5 pages by leak_map and exits with
 *                       status 3 leaving them mapped; a second maps 7 and
 *                       execs /bin/true; prints "forkleak done A B"; exit 0
 *   storyhelper jit     between the markers, code in an anonymous mapping
 *                       (no object, no unwind information) calls mmap of
 *                       one page, PROT_READ|PROT_WRITE, itself; exit 0
 *
 * The story, between two markers a tracer can find (madvise(0, 0, ...)
 * with MADV_NORMAL to begin and MADV_SEQUENTIAL to end: calls no loader
 * or libc makes):
 *   1. 256 small mallocs of 1 KiB: the brk heap grows
 *   2. one malloc of 1 MiB (above the mmap threshold): its own mmap, then
 *      free: the matching munmap
 *   3. a direct mmap of 5 pages, mprotect of its first page, munmap
 *   4. a thread that mallocs (a new arena) and exits
 *   5. a fork whose child maps and unmaps 3 pages and exits with 0
 *   6. "keep": 2 MiB anonymous, the first 100 pages written, left mapped
 * Each step prints "KEY 0xVALUE" lines; the test compares them with what
 * the tracer saw. stdout is unbuffered: stdio allocates nothing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *key, uintptr_t value)
{
    printf("%s 0x%lx\n", key, (unsigned long)value);
}

static void *thread_main(void *arg)
{
    (void)arg;
    report("thread_tid", (uintptr_t)syscall(SYS_gettid));
    void *p = malloc(100); /* a thread's first malloc makes an arena */
    report("thread_malloc", (uintptr_t)p);
    free(p);
    return NULL;
}

static int story(void)
{
    long page = sysconf(_SC_PAGESIZE);
    report("pid", (uintptr_t)getpid());
    madvise(NULL, 0, MADV_NORMAL); /* the story begins */

    void *small[256];
    for (int i = 0; i < 256; i++)
        memset(small[i] = malloc(1024), 1, 1024);
    report("small_last", (uintptr_t)small[255]);

    char *big = malloc(1 << 20);
    memset(big, 2, 1 << 20);
    report("big_malloc", (uintptr_t)big);
    free(big);

    char *direct = mmap(NULL, 5 * (size_t)page, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (direct == MAP_FAILED)
        return 1;
    report("direct", (uintptr_t)direct);
    mprotect(direct, (size_t)page, PROT_READ);
    munmap(direct, 5 * (size_t)page);

    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0)
        return 1;
    pthread_join(t, NULL);

    pid_t child = fork();
    if (child == 0) {
        char *c = mmap(NULL, 3 * (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c != MAP_FAILED)
            munmap(c, 3 * (size_t)page);
        _exit(0);
    }
    report("child", (uintptr_t)child);
    waitpid(child, NULL, 0);

    char *keep = mmap(NULL, 2u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (keep == MAP_FAILED)
        return 1;
    memset(keep, 3, 100 * (size_t)page);
    report("keep", (uintptr_t)keep);
    madvise(NULL, 0, MADV_SEQUENTIAL); /* the story ends */
    printf("story done\n");
    return 7;
}

/* Not inlined, not cloned, and each does work after its call (no tail
 * call), whatever the optimisation level: the stacks name every one. */
__attribute__((noinline, noclone)) char *stack_map_leaf(size_t pages)
{
    char *p = mmap(NULL, pages * (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("leaf_map", (uintptr_t)p);
    return p;
}

__attribute__((noinline, noclone)) char *stack_make_buffer(size_t pages)
{
    char *p = stack_map_leaf(pages);
    if (p != MAP_FAILED)
        memset(p, 4, pages * (size_t)sysconf(_SC_PAGESIZE));
    return p;
}

static char *made_buffer; /* stack_outer_setup's 8 pages, for churn_advise */

__attribute__((noinline, noclone)) int stack_outer_setup(void)
{
    char *buffer = stack_make_buffer(8);
    made_buffer = buffer;
    char *scratch = stack_map_leaf(3);
    if (buffer == MAP_FAILED || scratch == MAP_FAILED)
        return 1;
    munmap(scratch, 3 * (size_t)sysconf(_SC_PAGESIZE));
    return 0;
}

/* forkleak: what a child maps and never unmaps goes with its end. */
__attribute__((noinline, noclone)) void *leak_map(size_t pages)
{
    void *p = mmap(NULL, pages * (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        memset(p, 1, pages * (size_t)sysconf(_SC_PAGESIZE));
    return p;
}

static int fork_leak(void)
{
    pid_t a = fork();
    if (a == 0) { /* maps 5 pages and exits with them mapped */
        leak_map(5);
        _exit(3);
    }
    int st = 0;
    if (a < 0 || waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
        return 1;
    pid_t b = fork();
    if (b == 0) { /* maps 7 pages and becomes another program */
        leak_map(7);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    if (b < 0 || waitpid(b, &st, 0) != b || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    printf("forkleak done %d %d\n", (int)a, (int)b);
    return 0;
}

/* The buffer's one change: an madvise that splits nothing. */
__attribute__((noinline, noclone)) int churn_advise(void)
{
    int rc = madvise(made_buffer, 8 * (size_t)sysconf(_SC_PAGESIZE), MADV_WILLNEED);
    return rc != 0;
}

__attribute__((noinline, noclone)) int churn_pair(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED || munmap(p, page) != 0;
}

/* x86-64: mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS,
 * -1, 0) by a syscall instruction in code no object holds, as a JIT's. */
static int jit_call(void)
{
#if defined(__x86_64__)
    static const unsigned char code[] = {
        0x48, 0xc7, 0xc0, 0x09, 0x00, 0x00, 0x00, /* mov rax, 9 (mmap) */
        0x48, 0x31, 0xff,                         /* xor rdi, rdi */
        0x48, 0xc7, 0xc6, 0x00, 0x10, 0x00, 0x00, /* mov rsi, 4096 */
        0x48, 0xc7, 0xc2, 0x03, 0x00, 0x00, 0x00, /* mov rdx, 3 */
        0x49, 0xc7, 0xc2, 0x22, 0x00, 0x00, 0x00, /* mov r10, 0x22 */
        0x49, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, /* mov r8, -1 */
        0x4d, 0x31, 0xc9,                         /* xor r9, r9 */
        0x0f, 0x05,                               /* syscall */
        0xc3,                                     /* ret */
    };
    unsigned char *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (jit == MAP_FAILED)
        return 1;
    memcpy(jit, code, sizeof code);
    madvise(NULL, 0, MADV_NORMAL);
    void *p = ((void *(*)(void))(uintptr_t)jit)();
    madvise(NULL, 0, MADV_SEQUENTIAL);
    report("jit_map", (uintptr_t)p);
    return p == MAP_FAILED;
#else
    return 2;
#endif
}

static volatile char *crash_at;
static void *volatile keep_heap;

static void *crash_thread(void *arg)
{
    (void)arg;
    pthread_attr_t a;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) != 0 || pthread_attr_getstack(&a, &lo, &size) != 0)
        return NULL;
    report("tid", (uintptr_t)syscall(SYS_gettid));
    crash_at = (volatile char *)lo - 64; /* the guard page right below the stack */
    report("addr", (uintptr_t)crash_at);
    *crash_at = 1;
    return NULL;
}

static int crash(const char *where)
{
    report("pid", (uintptr_t)getpid());
    if (strcmp(where, "guard") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, crash_thread, NULL);
        pthread_join(t, NULL);
        return 1;
    }
    if (strcmp(where, "heap") == 0) {
        keep_heap = malloc(100); /* the brk heap exists (a free could trim it away) */
        char *end = sbrk(0);
        report("heap_end", (uintptr_t)end);
        crash_at = end + 400 * 1024;
    } else {
        crash_at = (volatile char *)(uintptr_t)&crash; /* our own code */
    }
    report("addr", (uintptr_t)crash_at);
    *crash_at = 1;
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "story";
    if (strcmp(mode, "story") == 0)
        return story();
    if (strcmp(mode, "segv") == 0) {
        printf("about to crash\n");
        volatile int *nowhere = NULL;
        *nowhere = 1;
        return 0;
    }
    if (strcmp(mode, "stacks") == 0 || strcmp(mode, "stackswait") == 0) {
        madvise(NULL, 0, MADV_NORMAL);
        int rc = stack_outer_setup();
        madvise(NULL, 0, MADV_SEQUENTIAL);
        printf("stacks done\n");
        if (strcmp(mode, "stackswait") == 0)
            for (;;)
                pause();
        return rc;
    }
    if (strcmp(mode, "churn") == 0 && argc > 2) {
        int rc = stack_outer_setup();
        if (rc == 0)
            rc = churn_advise();
        for (long i = strtol(argv[2], NULL, 10); i > 0 && rc == 0; i--)
            rc = churn_pair();
        printf("churn done\n");
        return rc;
    }
    if (strcmp(mode, "jit") == 0)
        return jit_call();
    if (strcmp(mode, "forkleak") == 0)
        return fork_leak();
    if (strcmp(mode, "crash") == 0 && argc > 2)
        return crash(argv[2]);
    if (strcmp(mode, "wait") == 0) {
        printf("waiting to be killed\n");
        for (;;)
            pause();
    }
    fprintf(stderr, "usage: storyhelper [story|segv|wait|stacks|stackswait|churn N|jit|forkleak]\n");
    return 2;
}
