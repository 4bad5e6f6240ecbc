/* vmscope snapshot -p PID [-f json|csv|text] [-o FILE] [--pages] */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/capture.h"
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
    fputs("usage: vmscope snapshot -p PID [-f json|csv|text] [-o FILE] [--pages]\n"
          "  -p, --pid PID       process to sample\n"
          "  -f, --format FMT    json, csv or text (default: from -o's extension, else text)\n"
          "  -o, --output FILE   write FILE atomically instead of standard output\n"
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
    struct capture_options copt = {0};
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
    enum export_format fmt = EXPORT_TEXT;
    if (fmt_name) {
        if (export_format_parse(fmt_name, &fmt) < 0) {
            warnx_msg("unknown format '%s': use json, csv or text", fmt_name);
            return EXIT_USAGE;
        }
    } else if (out_path) {
        export_format_from_path(out_path, &fmt);
    }

    /* JSON rendering starts while smaps is still being read. Whether the
     * output is a terminal decides the encoding; -o names a file, except in
     * the odd case of -o /dev/tty, handled below. */
    bool to_stdout = !out_path || strcmp(out_path, "-") == 0;
    unsigned flags = to_stdout && isatty(STDOUT_FILENO) ? EXPORT_TO_TERMINAL : 0;
    struct json_prerender *pre = fmt == EXPORT_JSON ? json_prerender_new(flags) : NULL;
    if (pre) {
        copt.on_vma = json_prerender_region;
        copt.on_vma_arg = pre;
    }
    struct snapshot *snap;
    int rc = capture_snapshot(pid, &copt, &snap);
    if (rc < 0) {
        json_prerender_free(pre);
        char *msg = capture_error_message(pid, rc);
        warnx_msg("%s", msg);
        free(msg);
        return EXIT_FAILURE_RUNTIME;
    }
    struct atomic_file af;
    const char *shown = out_path && strcmp(out_path, "-") != 0 ? out_path : "standard output";
    rc = atomic_file_open(&af, out_path);
    if (rc == 0) {
        if (isatty(fileno(af.fp)) && !(flags & EXPORT_TO_TERMINAL)) {
            flags |= EXPORT_TO_TERMINAL; /* -o /dev/tty: render again for a terminal */
            json_prerender_free(pre);
            pre = NULL;
        }
        rc = pre ? export_json_prerendered(snap, pre, flags, af.fp)
                 : export_snapshot(snap, fmt, flags, af.fp);
        if (rc == 0 && (fflush(af.fp) != 0 || ferror(af.fp)))
            rc = errno ? -errno : -EIO;
        if (rc < 0)
            atomic_file_abort(&af);
        else
            rc = atomic_file_commit(&af);
    }
    snapshot_free(snap);
    json_prerender_free(pre);
    if (rc < 0) {
        warnx_msg("cannot write %s: %s%s", shown, strerror(-rc),
                  rc == -ENOSPC ? " (nothing was written)" : "");
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}
