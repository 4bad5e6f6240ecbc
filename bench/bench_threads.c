/* A light tick's thread cost on a process with many threads (run by hand;
 * see README.md): the mean time of a light capture that reads every
 * thread's SP (no previous sample: threads_read) against one with the
 * previous sample (threads_read_except skips the threads whose stacks it
 * placed), and of the two thread reads alone.
 *   usage: bench_threads PID [ROUNDS] */
#include "vmscope/capture.h"
#include "vmscope/procfs.h"
#include "vmscope/threads.h"
#include "vmscope/util.h"

#include <stdio.h>
#include <stdlib.h>

static bool all_known(void *arg, pid_t tid)
{
    (void)arg;
    (void)tid;
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    pid_t pid = (pid_t)atoi(argv[1]);
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    struct snapshot *full;
    if (capture_snapshot(pid, NULL, &full) < 0)
        return 1;
    uint64_t with = 0, without = 0, all = 0, none = 0;
    struct proc_target t;
    if (proc_target_open(&t, pid) < 0)
        return 1;
    for (int i = 0; i < rounds; i++) {
        struct snapshot *s;
        uint64_t t0 = clock_monotonic_ns();
        if (capture_snapshot(pid, &(struct capture_options){.light = true, .previous = full}, &s) < 0)
            return 1;
        uint64_t t1 = clock_monotonic_ns();
        snapshot_free(s);
        struct thread_list l;
        uint64_t t2 = clock_monotonic_ns();
        threads_read(&t, &l);
        uint64_t t3 = clock_monotonic_ns();
        size_t n = l.count;
        thread_list_free(&l);
        threads_read_except(&t, &l, all_known, NULL);
        uint64_t t4 = clock_monotonic_ns();
        thread_list_free(&l);
        with += t1 - t0;
        all += t3 - t2;
        none += t4 - t3;
        if (i == 0)
            printf("%zu threads\n", n);
    }
    for (int i = 0; i < rounds; i++) {
        /* a light capture without a previous sample reads every SP */
        struct snapshot *s;
        uint64_t t0 = clock_monotonic_ns();
        if (capture_snapshot(pid, &(struct capture_options){.light = true}, &s) < 0)
            return 1;
        without += clock_monotonic_ns() - t0;
        snapshot_free(s);
    }
    printf("light capture, previous sample given: %.2f ms\n", with / 1e6 / rounds);
    printf("light capture, no previous sample:    %.2f ms\n", without / 1e6 / rounds);
    printf("threads_read (every SP):              %.2f ms\n", all / 1e6 / rounds);
    printf("threads_read_except (none read):      %.2f ms\n", none / 1e6 / rounds);
    proc_target_close(&t);
    snapshot_free(full);
    return 0;
}
