/* A saved snapshot or recording (vmscope -r FILE): everything comes from
 * the file, nothing from any process (the pid in it may be another
 * process by now). A recording seeks by sample index. */
#include "vmscope/source.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct file_source {
    struct source base;
    bool recording;
    struct recording_index *idx; /* a recording's keyframes: a seek reads one and its deltas */
};

static int file_first(struct source *s, struct snapshot **out, char **why)
{
    struct file_source *f = (struct file_source *)s;
    f->recording = recording_is(s->name);
    if (!f->recording)
        return json_read_snapshot_file(s->name, out, why);
    f->idx = recording_index_open(s->name, why);
    if (!f->idx)
        return errno ? -errno : -EINVAL;
    s->count = recording_index_count(f->idx);
    s->cut = recording_index_cut(f->idx);
    int rc = recording_index_read(f->idx, -1, out, why);
    if (rc == 0 && s->count > 0)
        s->caps |= SOURCE_SEEK;
    return rc;
}

struct history_ctx {
    struct source *src;
    void (*on_event)(void *arg, const struct syscall_event *e);
    void *arg;
};

static void history_event(void *arg, const struct syscall_event *e)
{
    struct history_ctx *c = arg;
    c->src->caps |= SOURCE_EVENTS; /* the recording was made with --trace */
    c->on_event(c->arg, e);
}

/* Every sample through the sink, so the Timeline shows the recording (and
 * the traced calls, when it has them). */
static void file_history(struct source *s, void (*on_sample)(void *arg, struct snapshot *snap),
                         void (*on_event)(void *arg, const struct syscall_event *e), void *arg)
{
    struct file_source *f = (struct file_source *)s;
    struct recording_iter it;
    char *why = NULL;
    if (!f->recording || recording_iter_open(&it, s->name, &why) < 0) {
        free(why);
        return;
    }
    struct history_ctx ctx = {s, on_event, arg};
    it.on_event = history_event;
    it.event_arg = &ctx;
    const struct snapshot *snap;
    while (recording_iter_next(&it, &snap, &why) > 0)
        on_sample(arg, snapshot_clone(snap));
    free(why);
    recording_iter_close(&it);
}

static size_t file_fds(struct source *s, struct pollfd *fds, size_t max)
{
    (void)s, (void)fds, (void)max;
    return 0;
}

static void file_poll(struct source *s, struct source_news *news)
{
    (void)s;
    memset(news, 0, sizeof *news);
}

static int file_seek(struct source *s, long index, struct snapshot **out, char **why)
{
    return recording_index_read(((struct file_source *)s)->idx, index, out, why);
}

static void file_free(struct source *s)
{
    struct file_source *f = (struct file_source *)s;
    if (f->idx)
        recording_index_close(f->idx);
    free(f);
}

static const struct source_ops file_ops = {
    .first = file_first, .history = file_history, .fds = file_fds, .poll = file_poll,
    .seek = file_seek, .free = file_free,
};

struct source *source_file_new(const char *path)
{
    struct file_source *f = xcalloc(1, sizeof *f);
    f->base.ops = &file_ops;
    f->base.name = path;
    return &f->base;
}
