/* The TUI as a sink: samples and news go into the view's model, keys come
 * from the terminal, and the screen is drawn only when something changed
 * (a sample, news, a key the screens say needs it, a resize). The page
 * grid's data is asked of the source here, once per change of request. */
#include "vmscope/sink.h"
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/crash.h"
#include "vmscope/export.h"
#include "vmscope/util.h"
#include "vmscope/view.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct view_sink {
    struct sink base;
    struct view v;
    const char *file; /* -r FILE, for the banner */
    bool cut;
    bool dirty;
    long loading;            /* the recording's samples the Timeline has yet to take */
    uint64_t loading_shown;  /* when the banner last showed that */
};

#define V(k) (&((struct view_sink *)(k))->v)

static void recording_banner(struct view_sink *s)
{
    char when[40];
    format_time(s->v.snap->realtime_ns, when, sizeof when);
    char loading[64] = "";
    if (s->loading > 0)
        snprintf(loading, sizeof loading, "; Timeline: loading %ld samples...", s->loading);
    snprintf(s->v.banner, sizeof s->v.banner,
             " %.100s: sample %ld of %ld, %s (not live; [ ] move)%s%s ", s->file,
             s->v.rec_index + 1, s->v.rec_count, when,
             s->cut ? "; the file ends mid-line" : "", loading);
}

static void history_sample(void *arg, struct snapshot *snap)
{
    struct view *v = arg;
    /* The past comes from the first sample on: the recording's start and
     * its pace, for the header (not the live interval and cost). */
    if (!v->rec_t0_ns) {
        v->rec_t0_ns = snap->monotonic_ns;
        v->rec_loaded = 0;
    } else if (snap->monotonic_ns > v->rec_t0_ns && !v->rec_header_interval) {
        v->rec_interval = (double)(snap->monotonic_ns - v->rec_t0_ns) / 1e9 / (double)v->rec_loaded;
    }
    v->rec_loaded++;
    view_add_history(v, snap);
}

static void history_event(void *arg, const struct syscall_event *e)
{
    struct view *v = arg;
    if (!view_traced(v))
        view_enable_trace(v); /* the recording was made with --trace */
    view_add_syscall_event(v, e);
}

static int view_start(struct sink *k, struct source *src, struct snapshot *first)
{
    struct view_sink *s = (struct view_sink *)k;
    struct view *v = &s->v;
    if (src->caps & SOURCE_OUTPUT) {
        v->output = src->output;
        snprintf(v->output_note, sizeof v->output_note, "%s",
                 src->output_note[0] ? src->output_note : "The program's output is not shown here.");
    }
    if (src->caps & SOURCE_EVENTS)
        view_enable_trace(v);
    /* A recording shows its last sample at once; the Timeline takes its
     * samples from the start between keys (view_background). */
    s->loading = src->ops->history ? src->history_left : 0;
    if (s->loading > 0)
        view_replace_snapshot(v, first);
    else
        view_push_snapshot(v, first);
    if (!(src->caps & SOURCE_TIMER)) { /* a file: nothing is live */
        s->file = src->name;
        s->cut = src->cut;
        v->paused = k->paused = true;
        if (src->caps & SOURCE_SEEK) {
            v->rec_count = src->count;
            v->rec_interval = src->rec_interval;
            v->rec_header_interval = src->rec_interval > 0;
            v->rec_index = src->count - 1;
            recording_banner(s);
        } else {
            char when[40];
            format_time(v->snap->realtime_ns, when, sizeof when);
            snprintf(v->banner, sizeof v->banner, " %.160s: saved %s (not live) ", src->name,
                     when);
        }
    }
    tui_start(v->color);
    s->dirty = true;
    return 0;
}

static int view_sample(struct sink *k, struct snapshot *snap)
{
    struct view *v = V(k);
    /* A gated sample (nothing moved) changes only what shows time. */
    bool moved = !snap->gated || v->screen == SCREEN_TIMELINE || v->screen == SCREEN_DIFF;
    view_push_snapshot(v, snap);
    view_tour_follow(v);
    if (moved)
        ((struct view_sink *)k)->dirty = true;
    return 0;
}

static int view_event(struct sink *k, const struct syscall_event *e)
{
    if (view_traced(V(k)))
        view_add_syscall_event(V(k), e);
    ((struct view_sink *)k)->dirty = true;
    return 0;
}

static void view_news(struct sink *k, const struct source_news *news)
{
    struct view *v = V(k);
    if (news->phase)
        snprintf(v->phase, sizeof v->phase, "%s", news->phase);
    if (news->tour)
        view_tour_heard(v, news->tour);
    if (news->ended) {
        snprintf(v->banner, sizeof v->banner,
                 " %s: its last state stays on screen (q quits) ", news->how);
        snprintf(v->gone, sizeof v->gone, "%s", strstr(news->how, "zombie") ? "zombie" : "exited");
    }
    if (news->crash.known && v->snap) {
        /* Placed against the last state, and the Map's cursor put there. */
        char where[200];
        uint64_t at;
        crash_describe(v->snap, &news->crash, where, sizeof where, &at);
        snprintf(v->banner, sizeof v->banner, " pid %d killed by %s (q quits) ",
                 (int)news->crash.pid, where);
        if (at) {
            v->selected = at;
            v->screen = SCREEN_MAP;
        }
    }
    ((struct view_sink *)k)->dirty = true;
}

static void view_trouble(struct sink *k, const char *msg)
{
    snprintf(V(k)->banner, sizeof V(k)->banner, " %s ", msg);
    ((struct view_sink *)k)->dirty = true;
}

static const struct snapshot *view_current(struct sink *k)
{
    return V(k)->snap;
}

static unsigned view_input(struct sink *k, bool readable)
{
    struct view_sink *s = (struct view_sink *)k;
    struct view *v = &s->v;
    /* Looked at before reading: keys can be swallowed (a mouse release
     * nobody asked for), so "nothing came" alone does not mean the end. */
    if (readable && tui_terminal_gone())
        return SINK_LOST;
    unsigned req = 0;
    timeout(0);
    for (int ch; !(req & SINK_QUIT) && (ch = tui_read_key()) != ERR;) {
        int flags = tui_key(v, ch);
        if (flags & VIEW_REDRAW)
            s->dirty = true;
        if (flags & VIEW_QUIT) {
            req |= SINK_QUIT;
            s->base.quit_by_key = true;
        }
        if (flags & VIEW_EXPORT)
            req |= SINK_FULL | SINK_EXPORT; /* every smaps field, fresh */
        if (flags & VIEW_SEEK)
            req |= SINK_SEEK;
        if (flags & VIEW_FULL)
            req |= SINK_FULL;
        if (flags & VIEW_RESAMPLE)
            req |= SINK_RESAMPLE;
    }
    k->paused = v->paused;
    k->interval = v->interval;
    return req;
}

/* The page states of the grid's region that came with the shown sample
 * (its light census read them: source.focus_*), copied into *out. */
static bool states_from_sample(const struct snapshot *s, const struct page_request *rq,
                               struct page_runs *out)
{
    if (!s || !s->has_focus || s->focus_start != rq->start || s->focus_end != rq->end ||
        rq->with_file || s->monotonic_ns != rq->stamp)
        return false;
    memset(out, 0, sizeof *out);
    out->pfn_readable = s->focus.pfn_readable;
    if (s->focus.count)
        out->items = (void *)xmemdup0(s->focus.items, s->focus.count * sizeof *s->focus.items);
    out->count = out->capacity = s->focus.count;
    return true;
}

/* Asks the source for what the page grid needs, when that changed; tells
 * it which region the grid shows, for the samples to come. */
static bool fetch_pages(struct view *v, struct source *src)
{
    struct page_request rq = {0};
    bool changed = view_page_request(v, &rq); /* rq: the grid's region, changed or not */
    if (src && (src->caps & SOURCE_PAGES)) {
        src->focus_start = rq.with_file ? 0 : rq.start;
        src->focus_end = rq.with_file ? 0 : rq.end;
    }
    if (!changed)
        return false;
    struct page_answer a = {0};
    if ((src->caps & SOURCE_PAGES) && !src->ended) {
        struct page_runs given;
        rq.states_given = states_from_sample(v->snap, &rq, &given);
        src->ops->pages(src, &rq, &a);
        if (rq.states_given) {
            page_runs_free(&a.states);
            a.states = given;
        }
        if (a.err < 0)
            a.note = "Pages: the process could not be read";
    } else {
        a.err = -ENODATA;
        a.note = (src->caps & SOURCE_PAGES)
                     ? "Pages: the process has ended and its pages were not read before; the "
                       "fields above are its state at the end"
                     : "Pages: a saved snapshot has no page states (pages were not recorded; "
                       "a census taken with --pages is in the fields above)";
    }
    view_set_pages(v, &rq, &a); /* takes the runs */
    return true;
}

static void view_draw(struct sink *k, struct source *src)
{
    struct view_sink *s = (struct view_sink *)k;
    char cmd[8];
    size_t n = view_tour_take_commands(&s->v, cmd, sizeof cmd);
    if (n && src && src->ops->control)
        src->ops->control(src, cmd, n);
    if (!s->dirty)
        return;
    /* What the page grid needs is asked of the source once per change of
     * request (a sample, another region, the cursor); a draw that changed
     * the grid's size may change it again. */
    fetch_pages(&s->v, src);
    tui_draw(&s->v);
    if (fetch_pages(&s->v, src))
        tui_draw(&s->v);
    s->dirty = false;
}

static void view_export(struct sink *k)
{
    struct view *v = V(k);
    if (!v->snap)
        return;
    char fmt = v->export_format ? v->export_format : 'j';
    char name[sizeof v->export_path];
    if (v->export_path[0])
        snprintf(name, sizeof name, "%s", v->export_path);
    else
        view_export_default_name(v, fmt, name, sizeof name);
    v->export_path[0] = '\0';
    /* The file must be new: nothing planted there, nothing overwritten. */
    struct atomic_file af;
    int rc = atomic_file_open_new(&af, name);
    if (rc == 0) {
        int wrc = fmt == 'c'   ? export_csv(v->snap, 0, af.fp)
                  : fmt == 't' ? export_text(v->snap, 0, af.fp)
                  : fmt == 's' ? export_svg(v->snap, NULL, 0, af.fp)
                               : export_json(v->snap, 0, af.fp);
        rc = atomic_file_finish(&af, wrc);
    }
    char *cwd = name[0] == '/' ? NULL : getcwd(NULL, 0);
    if (rc < 0)
        snprintf(v->message, sizeof v->message, "export failed: %.200s: %.64s", name,
                 atomic_file_strerror(rc));
    else
        snprintf(v->message, sizeof v->message, "exported to %.150s%s%.250s", cwd ? cwd : "",
                 cwd ? "/" : "", name);
    free(cwd);
    ((struct view_sink *)k)->dirty = true;
}

static void view_seek(struct sink *k, struct source *src)
{
    struct view_sink *s = (struct view_sink *)k;
    struct view *v = &s->v;
    struct snapshot *snap;
    char *why = NULL;
    if (src->ops->seek && src->ops->seek(src, v->rec_index, &snap, &why) == 0)
        view_replace_snapshot(v, snap);
    else
        snprintf(v->message, sizeof v->message, "%.200s", why ? why : "cannot read the sample");
    free(why);
    recording_banner(s);
    s->dirty = true;
}

/* The time a background step may take: keys wait at most this long. */
#define HISTORY_STEP_NS 25000000u
/* How often the banner's count of samples left is redrawn. */
#define HISTORY_SHOW_NS 250000000u

/* The recording's samples read by now into the Timeline, for at most
 * about HISTORY_STEP_NS; redrawn now and then, and when all are in.
 * True when more are ready (else the source's fd wakes the loop). */
static bool view_background(struct sink *k, struct source *src)
{
    struct view_sink *s = (struct view_sink *)k;
    if (s->loading <= 0)
        return false;
    uint64_t t0 = clock_monotonic_ns(), now = t0;
    long given;
    do {
        given = src->ops->history(src, 1, history_sample, history_event, &s->v);
        now = clock_monotonic_ns();
    } while (given > 0 && now - t0 < HISTORY_STEP_NS);
    s->loading = src->history_left;
    if (s->loading == 0 || now - s->loading_shown >= HISTORY_SHOW_NS) {
        s->loading_shown = now;
        recording_banner(s);
        s->dirty = true;
    }
    return s->loading > 0 && given > 0;
}

static int view_finish(struct sink *k, const char *why, int rc)
{
    (void)k, (void)why;
    tui_stop();
    return rc;
}

static void view_sink_free(struct sink *k)
{
    tui_stop();
    view_free(V(k));
    free(k);
}

static const struct sink_ops view_ops = {
    .start = view_start, .sample = view_sample, .event = view_event, .news = view_news,
    .trouble = view_trouble, .current = view_current, .input = view_input, .draw = view_draw,
    .export = view_export, .seek = view_seek, .background = view_background, .finish = view_finish, .free = view_sink_free,
};

struct sink *sink_view_new(double interval, bool color)
{
    struct view_sink *s = xcalloc(1, sizeof *s);
    s->base.ops = &view_ops;
    s->base.caps = SINK_STAYS;
    s->base.interval = interval;
    s->base.input_fd = STDIN_FILENO;
    view_init(&s->v, interval, color);
    return &s->base;
}

void sink_free(struct sink *k)
{
    if (k)
        k->ops->free(k);
}
