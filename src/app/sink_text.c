/* The headless demo as a sink (vmscope demo): each sample printed as text
 * under the tour's current lesson, the screen cleared between frames on a
 * terminal. */
#include "vmscope/sink.h"
#include "vmscope/buf.h"
#include "vmscope/export.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct text_sink {
    struct sink base;
    char phase[256];
    struct snapshot *cur;
    bool tty;
};

static int text_sample(struct sink *k, struct snapshot *s)
{
    struct text_sink *t = (struct text_sink *)k;
    if (t->tty)
        fputs("\033[H\033[2J", stdout);
    struct buf safe;
    buf_init(&safe);
    sanitize_display(&safe, t->phase, strlen(t->phase));
    printf("vmscope demo (pid %d)  %s\n\n", (int)s->proc.pid, safe.data ? safe.data : "");
    buf_free(&safe);
    int rc = export_text(s, EXPORT_TO_TERMINAL, stdout);
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
        rc = errno ? -errno : -EIO; /* the first lost frame ends the tour */
    snapshot_free(t->cur);
    t->cur = s;
    return rc;
}

static int text_start(struct sink *k, struct source *src, struct snapshot *first)
{
    struct source_news news;
    src->ops->poll(src, &news); /* the lesson the first picture shows */
    if (news.phase)
        snprintf(((struct text_sink *)k)->phase, sizeof ((struct text_sink *)k)->phase, "%s",
                 news.phase);
    return text_sample(k, first);
}

static int text_event(struct sink *k, const struct syscall_event *e)
{
    (void)k, (void)e;
    return 0;
}

static void text_news(struct sink *k, const struct source_news *news)
{
    struct text_sink *t = (struct text_sink *)k;
    if (news->phase)
        snprintf(t->phase, sizeof t->phase, "%s", news->phase);
    if (news->ended)
        warnx_msg("%s", news->how);
}

static void text_trouble(struct sink *k, const char *msg)
{
    (void)k;
    warnx_msg("%s", msg);
}

static const struct snapshot *text_current(struct sink *k)
{
    return ((struct text_sink *)k)->cur;
}

static int text_finish(struct sink *k, const char *why, int rc)
{
    (void)k, (void)why;
    if (rc < 0)
        warnx_msg("cannot write standard output: %s", strerror(-rc));
    return rc;
}

static void text_free(struct sink *k)
{
    snapshot_free(((struct text_sink *)k)->cur);
    free(k);
}

static const struct sink_ops text_ops = {
    .start = text_start, .sample = text_sample, .event = text_event, .news = text_news,
    .trouble = text_trouble, .current = text_current, .finish = text_finish, .free = text_free,
};

struct sink *sink_text_new(double interval)
{
    struct text_sink *t = xcalloc(1, sizeof *t);
    t->base.ops = &text_ops;
    t->base.interval = interval;
    t->base.input_fd = -1;
    t->tty = isatty(STDOUT_FILENO);
    return &t->base;
}
