/* vmscope record -p PID [-i SEC] [-d SEC] -o FILE.jsonl */
#include "vmscope/app.h"
#include "vmscope/capture.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t record_stop;

static void on_record_signal(int sig)
{
    (void)sig;
    record_stop = 1;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL); /* a signal cuts it short: the loop checks */
}

int cmd_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},      {"interval", required_argument, NULL, 'i'},
        {"duration", required_argument, NULL, 'd'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    double interval = 1.0, duration = 0;
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:i:d:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &pid))
                return EXIT_USAGE;
            break;
        case 'i':
            if (!parse_interval(optarg, &interval))
                return EXIT_USAGE;
            break;
        case 'd': {
            char *end;
            duration = strtod(optarg, &end);
            if (*end || duration <= 0) {
                warnx_msg("'%s' is not a duration in seconds", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'o': out = optarg; break;
        case 'h':
            puts("usage: vmscope record -p PID [-i SEC] [-d SEC] -o FILE.jsonl");
            return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (!pid || !out || optind < argc) {
        warnx_msg("record needs -p PID and -o FILE.jsonl");
        return EXIT_USAGE;
    }
    struct snapshot *first;
    int rc = capture_snapshot(pid, NULL, &first);
    if (rc < 0) {
        warn_capture_error(pid, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    /* Written as it goes, a line at a time: whatever stops the recording,
     * the file holds every sample taken until then. */
    FILE *fp = fopen(out, "w");
    if (!fp) {
        warnx_msg("cannot write %s: %s", out, strerror(errno));
        snapshot_free(first);
        return EXIT_FAILURE_RUNTIME;
    }
    struct sigaction sa = {.sa_handler = on_record_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    uint64_t step = (uint64_t)(interval * 1e9), t0 = clock_monotonic_ns();
    struct recording_writer w;
    rc = recording_start(&w, fp, first, step);
    const struct snapshot *last = first;
    if (rc == 0)
        rc = recording_add(&w, first);
    else
        snapshot_free(first);
    unsigned long samples = 1;
    const char *why = "stopped";
    while (rc == 0 && !record_stop) {
        uint64_t next = t0 + samples * step, now = clock_monotonic_ns();
        if (duration > 0 && next - t0 > (uint64_t)(duration * 1e9)) {
            why = "duration reached";
            break;
        }
        if (next > now)
            sleep_ns(next - now);
        if (record_stop)
            break;
        struct capture_options opt = {.previous = last};
        struct snapshot *s;
        int crc = capture_snapshot(pid, &opt, &s);
        if (crc == -ESRCH || crc == -ENOENT) {
            why = "the process exited";
            break;
        }
        if (crc < 0) {
            warn_capture_error(pid, crc);
            rc = crc;
            break;
        }
        last = s;
        rc = recording_add(&w, s);
        samples++;
    }
    recording_finish(&w);
    if (fclose(fp) != 0 && rc == 0)
        rc = -errno;
    if (rc < 0 && rc != -ESRCH) {
        warnx_msg("recording %s ended early: %s", out, strerror(-rc));
        return EXIT_FAILURE_RUNTIME;
    }
    fprintf(stderr, "vmscope: %lu samples written to %s (%s)\n", samples, out, why);
    return EXIT_OK;
}
