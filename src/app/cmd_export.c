/* vmscope export FILE[@N] [-f svg|json|csv|text|perfetto] [-o FILE]: a
 * saved snapshot, or sample N of a recording (the last without @N), in
 * another format. A recording's SVG also charts RSS over the whole run;
 * perfetto streams the whole run as trace events. */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/export.h"
#include "vmscope/perfetto.h"
#include "vmscope/recording.h"
#include "vmscope/rss_history.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void export_usage(FILE *fp)
{
    fputs("usage: vmscope export FILE[@N] [-f svg|json|csv|text|perfetto] [-o FILE]\n"
          "  FILE                a snapshot (x.json) or a recording (x.jsonl); @N picks\n"
          "                      sample N of a recording (N < 0 counts from the end;\n"
          "                      default: the last)\n"
          "  -f, --format FMT    svg, json, csv, text or perfetto (default: from -o's\n"
          "                      extension, else text); a recording's svg adds RSS over\n"
          "                      time by class; perfetto writes the whole recording (or\n"
          "                      sample N alone) as Chrome JSON trace events for\n"
          "                      ui.perfetto.dev or chrome://tracing\n"
          "  -o, --output FILE   write FILE atomically, never through a link (- : stdout)\n",
          fp);
}

/* One pass over the recording: every sample into h (bounded memory), and
 * sample index kept for the map. A negative index other than -1 needs the
 * count first, so it takes a second pass. */
static int read_recording(const char *path, long index, struct rss_history *h,
                          struct snapshot **out, long *shown, char **why)
{
    struct recording_iter it;
    int rc = recording_iter_open(&it, path, why);
    if (rc < 0)
        return rc;
    const struct snapshot *s;
    struct snapshot *pick = NULL;
    while ((rc = recording_iter_next(&it, &s, why)) > 0) {
        rss_history_add(h, s);
        if (it.index == index)
            pick = snapshot_clone(s);
    }
    long count = it.index + 1;
    if (rc == 0 && index == -1 && it.cur) { /* the iterator still holds the last one */
        pick = it.cur;
        it.cur = NULL;
    }
    recording_iter_close(&it);
    if (rc < 0)
        return rc;
    if (!pick && index < -1 && index + count >= 0) {
        long n;
        bool cut;
        rc = recording_read(path, index + count, &pick, &n, &cut, why);
        if (rc < 0)
            return rc;
    }
    if (!pick) {
        *why = count ? xasprintf("%s: has no sample %ld (%ld samples)", path, index, count)
                     : xasprintf("%s: has no samples", path);
        return -ERANGE;
    }
    *shown = index < 0 ? index + count : index;
    *out = pick;
    return 0;
}

/* The whole file as trace events, streamed: read errors are said as the
 * reader says them, and nothing is left at the target. */
static int export_whole(const char *path, const char *out_path)
{
    struct atomic_file af;
    int rc = atomic_file_open(&af, out_path);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    char *why = NULL;
    unsigned flags = isatty(fileno(af.fp)) ? EXPORT_TO_TERMINAL : 0;
    rc = export_perfetto_file(path, flags, af.fp, &why);
    if (why) {
        atomic_file_abort(&af);
        warnx_msg("%s", why);
        free(why);
        return EXIT_FAILURE_RUNTIME;
    }
    rc = atomic_file_finish(&af, rc);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *fmt_name = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt_name = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': export_usage(stdout); return EXIT_OK;
        default: export_usage(stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        warnx_msg("export needs one snapshot or recording: vmscope export FILE[@N] -f FMT");
        export_usage(stderr);
        return EXIT_USAGE;
    }
    enum export_format fmt;
    if (!choose_export_format(fmt_name, out_path, &fmt))
        return EXIT_USAGE;

    long index;
    char *path = parse_sample_arg(argv[optind], &index);
    if (fmt == EXPORT_PERFETTO && strcmp(path, argv[optind]) == 0) { /* no @N */
        free(path);
        return export_whole(argv[optind], out_path);
    }

    struct snapshot *snap = NULL;
    char *why = NULL;
    struct rss_history hist;
    struct svg_options svg = {NULL, -1};
    int rc = 0;
    if (fmt == EXPORT_SVG && recording_is(path)) {
        rss_history_init(&hist, RSS_HISTORY_POINTS);
        svg.history = &hist;
        rc = read_recording(path, index, &hist, &snap, &svg.sample, &why);
    } else {
        rc = read_sample_arg(argv[optind], &snap, &why);
    }
    free(path);
    if (rc < 0) {
        warnx_msg("%s", why);
        free(why);
        if (svg.history)
            rss_history_free(&hist);
        return EXIT_FAILURE_RUNTIME;
    }

    struct atomic_file af;
    rc = atomic_file_open(&af, out_path);
    if (rc == 0) {
        unsigned flags = isatty(fileno(af.fp)) ? EXPORT_TO_TERMINAL : 0;
        rc = atomic_file_finish(&af, fmt == EXPORT_SVG ? export_svg(snap, &svg, flags, af.fp)
                                                       : export_snapshot(snap, fmt, flags, af.fp));
    }
    snapshot_free(snap);
    if (svg.history)
        rss_history_free(&hist);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}
