/* vmscope diff A.json B.json [-f text|json] [-o FILE] */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/diff.h"
#include "vmscope/export.h"
#include "vmscope/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_diff(int argc, char **argv)
{
    static const char usage[] = "vmscope diff A.json B.json [-f text|json] [-o FILE]";
    bool json;
    const char *out_path;
    int done = parse_file_command(argc, argv, usage, 2, &json, &out_path);
    if (done >= 0)
        return done;
    struct snapshot *a = NULL, *b = NULL;
    char *why = NULL;
    if (read_sample_arg(argv[optind], &a, &why) < 0 ||
        read_sample_arg(argv[optind + 1], &b, &why) < 0) {
        warnx_msg("%s", why);
        free(why);
        snapshot_free(a);
        return EXIT_FAILURE_RUNTIME;
    }
    struct snapshot_diff d;
    diff_compute_runs(a, b, &d); /* two runs of one program: matched across ASLR */
    struct atomic_file af;
    int rc = atomic_file_open(&af, out_path);
    if (rc == 0) {
        unsigned flags = isatty(fileno(af.fp)) ? EXPORT_TO_TERMINAL : 0;
        rc = atomic_file_finish(&af, json ? export_diff_json(&d, flags, af.fp)
                                          : export_diff_text(&d, flags, af.fp));
    }
    diff_free(&d);
    snapshot_free(a);
    snapshot_free(b);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}
