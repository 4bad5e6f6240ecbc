/* exercise.h: what the vmscope classroom exercises share. Each exercise
 * prints what it did as "key value" lines (addresses in hex) and stops at
 * checkpoints so that you can look at it in vmscope:
 *
 *   - started from a terminal (or under vmscope, whose program runs on a
 *     terminal of its own), a checkpoint waits EX_PAUSE seconds (default
 *     6), long enough to look at the Map, Regions and Detail;
 *   - with a pipe on stdin (a test, or `cat | ./ex1`), it waits for one
 *     byte, so a script can read /proc/PID/... at each checkpoint.
 *
 * stdout is unbuffered: printing allocates nothing from the heap that the
 * exercises look at. */
#ifndef EXERCISE_H
#define EXERCISE_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void ex_report(const char *key, const void *value)
{
    printf("%s %p\n", key, value);
}

static void ex_checkpoint(const char *name)
{
    printf("checkpoint %s\n", name);
    if (!isatty(0)) {
        char c;
        ssize_t n = read(0, &c, 1);
        if (n == 1)
            return;
    }
    const char *pause = getenv("EX_PAUSE");
    double secs = pause ? atof(pause) : 6.0;
    usleep((useconds_t)(secs * 1e6));
}

static void ex_start(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("pid %d\n", (int)getpid());
}

#endif
