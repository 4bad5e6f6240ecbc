/* An export as a sink (vmscope snapshot): the first picture written once
 * in the chosen format, as JSON already streamed while it was captured
 * when there is a stream. The caller opens and commits the output. */
#include "vmscope/sink.h"
#include "vmscope/util.h"

#include <stdlib.h>

struct export_sink {
    struct sink base;
    FILE *fp;
    enum export_format fmt;
    unsigned flags;
    struct json_stream *js; /* borrowed, or NULL */
    int rc;                 /* the write's result, for the caller */
};

static int export_start(struct sink *k, struct source *src, struct snapshot *first)
{
    (void)src;
    struct export_sink *e = (struct export_sink *)k;
    e->rc = e->js ? json_stream_finish(e->js, first) : export_snapshot(first, e->fmt, e->flags, e->fp);
    snapshot_free(first);
    return 0; /* the caller reports a failed write: it owns the output */
}

static int export_sample(struct sink *k, struct snapshot *s)
{
    (void)k;
    snapshot_free(s);
    return 0;
}

static int export_event(struct sink *k, const struct syscall_event *e)
{
    (void)k, (void)e;
    return 0;
}

static void export_news(struct sink *k, const struct source_news *news)
{
    (void)k, (void)news;
}

static void export_trouble(struct sink *k, const char *msg)
{
    (void)k;
    warnx_msg("%s", msg);
}

static const struct snapshot *export_current(struct sink *k)
{
    (void)k;
    return NULL;
}

static int export_finish(struct sink *k, const char *why, int rc)
{
    (void)k, (void)why;
    return rc;
}

static void export_free(struct sink *k)
{
    free(k);
}

static const struct sink_ops export_ops = {
    .start = export_start, .sample = export_sample, .event = export_event,
    .news = export_news, .trouble = export_trouble, .current = export_current,
    .finish = export_finish, .free = export_free,
};

struct sink *sink_export_new(FILE *fp, enum export_format fmt, unsigned flags,
                             struct json_stream *js)
{
    struct export_sink *e = xcalloc(1, sizeof *e);
    e->base.ops = &export_ops;
    e->base.caps = SINK_ONCE;
    e->base.input_fd = -1;
    e->fp = fp;
    e->fmt = fmt;
    e->flags = flags;
    e->js = js;
    return &e->base;
}

int sink_export_result(const struct sink *k)
{
    return ((const struct export_sink *)k)->rc;
}
