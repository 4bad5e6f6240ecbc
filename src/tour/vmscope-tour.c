/* vmscope-tour: the guided tour's workload, a small program of its own
 * (only libc: its address space is the lesson, not vmscope's libraries).
 * It runs the lecture's lessons one phase at a time and tells vmscope
 * each one on the announcement pipe; vmscope's keys come back on the
 * control pipe (hold, next, previous, jump). Every wait is a wait for
 * the lecturer too: held, the program stops between two steps.
 *
 * usage: vmscope-tour ANNOUNCE_FD CONTROL_FD SPEED STEP FIRST_PHASE
 *
 * Lines it writes (tab-separated, one write each):
 *   title  I  TEXT                       the phase list, at start
 *   phase  I  N  ADDR  SHOW  SMAPS  TEXT  phase I of N speaks of ADDR;
 *                                         SHOW: regions, detail or pages;
 *                                         SMAPS: full (every smaps field each
 *                                         sample: the Regions table's PSS is
 *                                         one, and this program is small
 *                                         enough to read whole) or light
 *   state  held|running|step             held by the lecturer / waiting for n
 *   restart                              the tour starts again
 * Bytes it reads: h hold, g go on, n next, p previous, j then '0'+I jump. */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define MIB (1024UL * 1024UL)
/* The tour's own blocks are mapped MAP_NORESERVE (VmFlags "nr"): a flag
 * their anonymous neighbours lack, so the kernel does not merge a block
 * into the region next to it and each lesson stays one row of its own. */
#define STEP_MS 250

/* Zero-initialised, so it lives in .bss: free until written. */
static char tour_bss[32 * MIB];

static int out_fd = -1, ctl_fd = -1;
static double speed = 1.0;
static bool step_mode;
static int current;       /* the phase running, 0-based */
static int jump_to = -1;  /* the phase the lecturer asked for, or -1 */
static bool held;
static bool want_jump_index; /* a 'j' came: the next byte is the phase */
static char *self_argv[8];

static void emit(const char *line)
{
    char buf[600]; /* one write, so the watcher never sees half a line */
    int len = snprintf(buf, sizeof buf, "%.590s\n", line);
    if (write(out_fd, buf, (size_t)len) < 0)
        _exit(0); /* the watcher is gone */
}

static void state(const char *what)
{
    char line[32];
    snprintf(line, sizeof line, "state\t%s", what);
    emit(line);
}

struct phase {
    const char *title;
    void (*run)(void);
};
static const struct phase phases[];
static const int n_phases;

/* Phase `current` speaks of addr; show says which screen brings it out. */
static void say(uintptr_t at, const char *show, bool full, const char *sentence)
{
    char line[600];
    snprintf(line, sizeof line, "phase\t%d\t%d\t%lx\t%s\t%s\t%s", current + 1, n_phases,
             (unsigned long)at, show, full ? "full" : "light", sentence);
    emit(line);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void read_commands(void)
{
    char cmd[64];
    ssize_t n = read(ctl_fd, cmd, sizeof cmd);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        _exit(0); /* vmscope is gone */
    for (ssize_t i = 0; i < n; i++) {
        char c = cmd[i];
        if (want_jump_index) {
            want_jump_index = false;
            if (c - '0' >= 0 && c - '0' < n_phases)
                jump_to = c - '0';
            continue;
        }
        switch (c) {
        case 'h': held = true; state("held"); break;
        case 'g': held = false; state("running"); break;
        case 'n': jump_to = current + 1; break;
        case 'p': jump_to = current > 0 ? current - 1 : 0; break;
        case 'j': want_jump_index = true; break;
        default: break;
        }
    }
}

/* Waits ms (at the tour's speed) and for as long as the lecturer holds
 * the program; false when the lecturer asked for another phase. */
static bool wait_ms(long ms)
{
    uint64_t deadline = now_ms() + (uint64_t)((double)ms / speed);
    while (jump_to < 0) {
        uint64_t t = now_ms();
        if (!held && t >= deadline)
            return true;
        struct pollfd p = {.fd = ctl_fd, .events = POLLIN};
        int r = poll(&p, 1, held ? -1 : (int)(deadline - t));
        if (held)
            deadline += now_ms() - t; /* time held does not count */
        if (r > 0)
            read_commands();
    }
    return false;
}

static void touch(char *p, size_t len)
{
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
}

/* ---- the phases ------------------------------------------------------- */

static void phase_heap(void)
{
    enum { N = 40, PER = 64 };
    static void *blocks[N][PER];
    int made = 0;
    blocks[0][0] = malloc(4000);
    say((uintptr_t)(blocks[0][0]), "regions", true,
        "Small mallocs come from the brk heap: [heap] grows upwards. Under ASLR it starts "
        "a random distance above the end of the program.");
    for (int step = 0; step < N; step++, made++) {
        for (int i = step ? 0 : 1; i < PER; i++) {
            blocks[step][i] = malloc(4000); /* below the 128 KiB mmap threshold */
            memset(blocks[step][i], 1, 4000);
        }
        if (!wait_ms(STEP_MS / 2)) {
            made++;
            goto out;
        }
    }
    if (!wait_ms(2000))
        goto out;
    say((uintptr_t)(blocks[0][0]), "regions", true,
        "free() from the top down: once more than 128 KiB is free at the top, glibc gives it "
        "back with brk and [heap] shrinks.");
    for (int step = N - 1; step >= 0; step--, made--) {
        for (int i = PER - 1; i >= 0; i--)
            free(blocks[step][i]);
        if (!wait_ms(STEP_MS / 2)) {
            made--;
            goto out;
        }
    }
    wait_ms(2000);
out:
    for (int step = made - 1; step >= 0; step--)
        for (int i = PER - 1; i >= 0; i--)
            free(blocks[step][i]);
}

static void phase_big_malloc(void)
{
    char *big = malloc(24 * MIB), *again = NULL;
    touch(big, 24 * MIB);
    say((uintptr_t)(big), "regions", true,
        "malloc(24 MiB) is above glibc's mmap threshold (128 KiB at start): it gets an "
        "anonymous mapping of its own.");
    if (!wait_ms(4000))
        goto out;
    free(big); /* unmapped now; the threshold rises to 24 MiB */
    big = NULL;
    again = malloc(24 * MIB);
    touch(again, 24 * MIB);
    say((uintptr_t)(again), "regions", true,
        "free() unmapped it and raised the threshold to 24 MiB, so the same malloc again "
        "comes from [heap], which grew by 24 MiB.");
    if (!wait_ms(4000))
        goto out;
    free(again);
    again = NULL;
    say((uintptr_t)((char *)sbrk(0) - 1), "regions", true,
        "This free() keeps the memory in [heap] for reuse: glibc now trims the heap top "
        "only above 48 MiB (twice the threshold).");
    wait_ms(4000);
out:
    free(big);
    free(again);
    malloc_trim(0);
}

static void phase_lazy(void)
{
    size_t len = 256 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return;
    say((uintptr_t)(p), "regions", true,
        "mmap of 256 MiB: VSZ rises at once, RSS does not. Each page becomes resident on its "
        "first touch (a page fault), 16 MiB every step.");
    if (!wait_ms(2000))
        goto out;
    for (size_t done = 0; done < len; done += 16 * MIB) {
        touch(p + done, 16 * MIB);
        if (!wait_ms(STEP_MS))
            goto out;
    }
    wait_ms(2000);
out:
    munmap(p, len);
}

static void phase_bss(void)
{
    say((uintptr_t)(tour_bss), "regions", true,
        "A 32 MiB zero-initialised global array lives in .bss: mapped when the program "
        "starts, it costs nothing until it is written.");
    if (!wait_ms(2000))
        return;
    for (size_t done = 0; done < sizeof tour_bss; done += 2 * MIB) {
        touch(tour_bss + done, 2 * MIB);
        if (!wait_ms(STEP_MS))
            return;
    }
    wait_ms(2000);
}

static bool __attribute__((noinline)) grow_stack(int depth)
{
    volatile char frame[64 * 1024];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    bool go_on = depth > 0 ? wait_ms(80) && grow_stack(depth - 1) : wait_ms(3000);
    (void)frame[0];
    return go_on;
}

static void *stack_thread(void *arg)
{
    (void)arg;
    char here;
    say((uintptr_t)(&here), "regions", true,
        "A new thread gets a stack of its own (8 MiB reserved, a guard page below it). Deep "
        "calls grow it downwards, 64 KiB per call.");
    if (wait_ms(1500))
        grow_stack(48); /* 3 MiB, inside the 8 MiB stack */
    return NULL;
}

static void phase_stack(void)
{
    pthread_t t;
    /* A fresh thread each time, in a fresh process each loop: its stack
     * starts empty, so the growth shows every time. */
    if (pthread_create(&t, NULL, stack_thread, NULL) == 0)
        pthread_join(t, NULL);
}

static void phase_file(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    volatile char *p =
        size > 0 ? mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
                 : MAP_FAILED;
    close(fd);
    if (p == MAP_FAILED)
        return;
    say((uintptr_t)((void *)p), "pages", true,
        "mmap of this program's own file, private and writable: each page comes in from the "
        "page cache as it is read (F; f when another mapping shares the page).");
    char sum = 0;
    for (off_t off = 0; off < size; off += 4096) {
        sum += p[off];
        if (!wait_ms(STEP_MS))
            goto out;
    }
    if (!wait_ms(1500))
        goto out;
    size_t copy = size > 8192 ? 4096 : 0;
    p[copy] = sum; /* that page is now a private copy */
    say((uintptr_t)((void *)(p + copy)), "pages", true,
        "A write to page 1 made a private anonymous copy of it (# under the cursor): the "
        "file and the other pages stay as they were.");
    wait_ms(5000);
out:
    munmap((void *)p, (size_t)size);
}

static void phase_fork(void)
{
    size_t len = 48 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return;
    touch(p, len);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            pause(); /* killed at the end of the phase */
    }
    char shared[256];
    snprintf(shared, sizeof shared,
             "After fork() parent and child (pid %d) share every page of this 192 KiB block: "
             "+ marks a page mapped by both, the same frame.",
             (int)child);
    say((uintptr_t)(p), "pages", true, shared);
    if (!wait_ms(3000))
        goto out;
    say((uintptr_t)(p), "pages", true,
        "The parent writes its pages one by one: each write gets a private copy "
        "(copy-on-write), and + turns into #.");
    for (size_t done = 0; done < len; done += 4 * 4096) {
        memset(p + done, 2, 4 * 4096);
        if (!wait_ms(STEP_MS))
            goto out;
    }
    wait_ms(3000);
out:
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    munmap(p, len);
}

static void phase_mlock(void)
{
    size_t len = 4 * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return;
    bool locked = mlock(p, len) == 0;
    touch(p, len);
    say((uintptr_t)(p), "detail", true,
        locked ? "mlock() pins these 4 MiB in RAM: the region's Locked equals its size, and its "
                 "pages are never swapped out."
               : "mlock() was refused here (RLIMIT_MEMLOCK below 4 MiB): Locked stays 0.");
    wait_ms(5000);
    munlock(p, len);
    munmap(p, len);
}

static const struct phase phases[] = {
    {"brk heap: small mallocs, free trims the top", phase_heap},
    {"big malloc: mmap threshold, then the heap", phase_big_malloc},
    {"lazy allocation: VSZ now, RSS on touch", phase_lazy},
    {".bss: zero-initialised globals", phase_bss},
    {"a thread's stack grows", phase_stack},
    {"private file mapping: copy on write", phase_file},
    {"fork: shared pages, then private", phase_fork},
    {"mlock: Locked", phase_mlock},
};
static const int n_phases = (int)(sizeof phases / sizeof phases[0]);

/* A fresh process image for phase `first` (a new loop, a step back):
 * glibc's threshold, the heap and the libraries start over. */
static _Noreturn void start_over(int first)
{
    char arg[16];
    snprintf(arg, sizeof arg, "%d", first);
    self_argv[5] = arg;
    execv("/proc/self/exe", self_argv);
    _exit(127);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fputs("vmscope-tour is started by vmscope --demo and vmscope demo\n", stderr);
        return 2;
    }
    out_fd = atoi(argv[1]);
    ctl_fd = atoi(argv[2]);
    speed = strtod(argv[3], NULL);
    if (!(speed > 0.01 && speed <= 100))
        speed = 1.0;
    step_mode = atoi(argv[4]) != 0;
    current = atoi(argv[5]);
    if (current < 0 || current >= n_phases)
        current = 0;
    for (int i = 0; i < 6; i++)
        self_argv[i] = argv[i];
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive vmscope */
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < n_phases; i++) {
        char line[128];
        snprintf(line, sizeof line, "title\t%d\t%s", i + 1, phases[i].title);
        emit(line);
    }
    state("running");
    for (;;) {
        jump_to = -1;
        phases[current].run();
        if (jump_to < 0 && step_mode) { /* wait for the lecturer's n */
            held = true;
            state("step");
            wait_ms(0);
            held = false;
            state("running");
        }
        int next = jump_to >= 0 ? jump_to : current + 1;
        if (next >= n_phases) {
            emit("restart");
            jump_to = -1;
            wait_ms(1500);
            start_over(jump_to >= 0 && jump_to < n_phases ? jump_to : 0);
        }
        if (next <= current)
            start_over(next);
        current = next;
    }
}
