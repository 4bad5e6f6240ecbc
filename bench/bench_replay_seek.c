/* Seek timing for bench_replay.sh (run by hand, not a test): builds the
 * keyframe index of a recording (recording_index_open) and reads samples
 * through it, as the view's `[`/`]` and FILE@N do.
 *
 * usage: bench_replay_seek FILE.jsonl N...
 * Prints one line per step: what, milliseconds. For each N: reading sample
 * N cold (from its keyframe), then N + 1 right after (one delta on). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmscope/recording.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int read_one(struct recording_index *idx, long n, const char *what)
{
    struct snapshot *s;
    char *why = NULL;
    double t0 = now_ms();
    if (recording_index_read(idx, n, &s, &why) < 0) {
        fprintf(stderr, "bench_replay_seek: %s\n", why);
        free(why);
        return -1;
    }
    printf("%-28s %9.1f ms  (%zu regions)\n", what, now_ms() - t0, s->n_regions);
    snapshot_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE.jsonl N...\n", argv[0]);
        return 2;
    }
    char *why = NULL;
    double t0 = now_ms();
    struct recording_index *idx = recording_index_open(argv[1], &why);
    if (!idx) {
        fprintf(stderr, "bench_replay_seek: %s\n", why);
        return 1;
    }
    printf("%-28s %9.1f ms  (%ld samples)\n", "index (one pass)", now_ms() - t0,
           recording_index_count(idx));
    for (int i = 2; i < argc; i++) {
        long n = strtol(argv[i], NULL, 10);
        char what[64];
        snprintf(what, sizeof what, "sample %ld (seek)", n);
        if (read_one(idx, n, what) < 0)
            return 1;
        long next = n < 0 ? n + recording_index_count(idx) + 1 : n + 1;
        if (next < recording_index_count(idx)) {
            snprintf(what, sizeof what, "sample %ld (then ])", next);
            if (read_one(idx, next, what) < 0)
                return 1;
        }
    }
    recording_index_close(idx);
    return 0;
}
