/* A recording as a sink (record -p, record -- CMD): every sample and exact
 * event written a line at a time (recording.h), so whatever stops the
 * recording, the file holds every sample taken until then. It is written
 * to the output opener's temporary, which replaces the old file once the
 * first sample is complete: a recording that never starts keeps it. */
#include "vmscope/sink.h"
#include "vmscope/atomic_file.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct recording_sink {
    struct sink base;
    struct recording_writer w;
    struct atomic_file af; /* owned; fp is af.fp */
    FILE *fp;
    const char *path;
    bool started;   /* the header is written */
    bool published; /* the first sample too, and the file replaced the old one */
    bool events_unflushed;
};

static int rec_start(struct sink *k, struct source *src, struct snapshot *first)
{
    (void)src;
    struct recording_sink *r = (struct recording_sink *)k;
    int rc = recording_start(&r->w, r->fp, first, (uint64_t)(k->interval * 1e9));
    if (rc < 0) {
        snapshot_free(first);
        return rc;
    }
    r->started = true;
    if ((rc = recording_add(&r->w, first)) < 0)
        return rc;
    if ((rc = atomic_file_publish(&r->af)) < 0)
        return rc;
    r->published = true;
    return 0;
}

static int flush_events(struct recording_sink *r)
{
    if (!r->events_unflushed)
        return 0;
    r->events_unflushed = false;
    return fflush(r->fp) != 0 ? (errno ? -errno : -EIO) : 0;
}

static int rec_sample(struct sink *k, struct snapshot *s)
{
    struct recording_sink *r = (struct recording_sink *)k;
    int rc = flush_events(r);
    if (rc < 0) {
        snapshot_free(s);
        return rc;
    }
    return recording_add(&r->w, s);
}

static int rec_event(struct sink *k, const struct syscall_event *e)
{
    struct recording_sink *r = (struct recording_sink *)k;
    r->events_unflushed = true;
    return recording_add_event(&r->w, e);
}

static void rec_news(struct sink *k, const struct source_news *news)
{
    struct recording_sink *r = (struct recording_sink *)k;
    flush_events(r); /* a burst of events ends with the news */
    if (news->crash.known && r->started) {
        char where[300];
        uint64_t at;
        crash_describe(r->w.prev, &news->crash, where, sizeof where, &at);
        warnx_msg("%s", where); /* sanitised */
        int rc = recording_add_crash(&r->w, &news->crash);
        if (rc < 0)
            warnx_msg("recording %s: the crash line: %s", r->path, atomic_file_strerror(rc));
    }
    if (news->ended)
        warnx_msg("%s", news->how);
}

static void rec_trouble(struct sink *k, const char *msg)
{
    (void)k;
    warnx_msg("%s", msg);
}

static const struct snapshot *rec_current(struct sink *k)
{
    return ((struct recording_sink *)k)->w.prev;
}

static int rec_finish(struct sink *k, const char *why, int rc)
{
    struct recording_sink *r = (struct recording_sink *)k;
    if (rc == 0)
        rc = flush_events(r);
    unsigned long written = r->w.samples;
    if (r->started)
        recording_finish(&r->w);
    r->fp = NULL;
    if (!r->published) {
        atomic_file_abort(&r->af); /* the old file stays as it was */
        atomic_file_warn(r->path, rc < 0 ? rc : -EIO);
        return rc < 0 ? rc : -EIO;
    }
    int crc = atomic_file_commit(&r->af);
    if (rc == 0)
        rc = crc;
    if (rc < 0 && rc != -ESRCH)
        warnx_msg("recording %s ended early: %s", r->path, atomic_file_strerror(rc));
    else
        warnx_msg("%lu samples written to %s (%s)", written, r->path, why);
    return rc;
}

static void rec_free(struct sink *k)
{
    struct recording_sink *r = (struct recording_sink *)k;
    if (r->fp)
        atomic_file_abort(&r->af); /* never finished: the loop could not start */
    free(r);
}

static const struct sink_ops recording_ops = {
    .start = rec_start, .sample = rec_sample, .event = rec_event, .news = rec_news,
    .trouble = rec_trouble, .current = rec_current, .finish = rec_finish, .free = rec_free,
};

struct sink *sink_recording_new(struct atomic_file *af, const char *path, double interval)
{
    struct recording_sink *r = xcalloc(1, sizeof *r);
    r->af = *af;
    FILE *fp = af->fp;
    r->base.ops = &recording_ops;
    r->base.interval = interval;
    r->base.input_fd = -1;
    r->fp = fp;
    r->path = path;
    return &r->base;
}
