/* vmscope snapshot -p PID [-f json|csv|text|svg] [-o FILE] [--pages]: a
 * pid (once) paired with the export sink, run by the one loop. */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/capture.h"
#include "vmscope/loop.h"
#include "vmscope/export.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void snapshot_usage(FILE *fp)
{
    fputs("usage: vmscope snapshot -p PID [-f json|csv|text|svg] [-o FILE] [--pages]\n"
          "  -p, --pid PID       process to sample\n"
          "  -f, --format FMT    json, csv, text or svg (default: from -o's extension, else\n"
          "                      text)\n"
          "  -o, --output FILE   write FILE atomically, never through a link (- : stdout)\n"
          "      --pages         add a page census per region (pagemap)\n",
          fp);
}

int cmd_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},    {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'}, {"pages", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    const char *out_path = NULL, *fmt_name = NULL;
    struct capture_options copt = {.once = true};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &pid))
                return EXIT_USAGE;
            break;
        case 'f': fmt_name = optarg; break;
        case 'o': out_path = optarg; break;
        case 'P': copt.census = true; break;
        case 'h': snapshot_usage(stdout); return EXIT_OK;
        default: snapshot_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        warnx_msg("unexpected argument '%s'", argv[optind]);
        snapshot_usage(stderr);
        return EXIT_USAGE;
    }
    if (!pid) {
        warnx_msg("snapshot needs a process: -p PID");
        snapshot_usage(stderr);
        return EXIT_USAGE;
    }
    enum export_format fmt;
    if (!choose_export_format(fmt_name, out_path, &fmt))
        return EXIT_USAGE;

    /* The output is opened first so that JSON can be written while smaps
     * is still being read (into the temporary file, which a failure
     * removes). */
    struct atomic_file af;
    int rc = atomic_file_open(&af, out_path);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    unsigned flags = isatty(fileno(af.fp)) ? EXPORT_TO_TERMINAL : 0;
    struct json_stream *js = fmt == EXPORT_JSON && af.tmp_path ? json_stream_new(af.fp, flags) : NULL;
    if (js)
        copt.observer = json_stream_observer(js);
    /* pid (once) -> export, through the loop every mode runs */
    struct source *src = source_pid_new(pid, -1);
    source_pid_first_options(src, &copt);
    struct sink *out = sink_export_new(af.fp, fmt, flags, js);
    int status = loop_run(src, out, &(struct loop_options){0});
    rc = sink_export_result(out);
    sink_free(out);
    source_free(src);
    if (status != EXIT_OK) { /* the capture failed, and said why */
        json_stream_free(js);
        atomic_file_abort(&af);
        return status;
    }
    rc = atomic_file_finish(&af, rc);
    json_stream_free(js);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}
