/* Small command-line parsing helpers shared by the subcommands. */
#include "vmscope/app.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every numeric option goes through these two: plain decimal digits (no
 * sign, space, base prefix or exponent the C library would take) within
 * the option's range, or one line saying what was expected. */
static bool whole_number(const char *arg, long min, long max, long *out)
{
    if (!arg || !*arg || strspn(arg, "0123456789") != strlen(arg) || strlen(arg) > 12)
        return false;
    long v = strtol(arg, NULL, 10);
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool parse_count(const char *arg, const char *what, long *out)
{
    if (whole_number(arg, 1, 1000000000L, out))
        return true;
    warnx_msg("'%s' is not a number of %s (1 to 1000000000)", arg ? arg : "", what);
    return false;
}

bool parse_trace(const char *arg, bool *no_stacks)
{
    *no_stacks = arg && strcmp(arg, "calls") == 0;
    if (!arg || *no_stacks)
        return true;
    warnx_msg("--trace takes no value or 'calls' (the calls without their stacks)");
    return false;
}

bool parse_seconds(const char *arg, const char *what, double min, double max, double *out)
{
    /* digits with at most one '.', and at least one digit */
    size_t digits = arg ? strspn(arg, "0123456789.") : 0;
    const char *dot = arg ? strchr(arg, '.') : NULL;
    bool shape = arg && *arg && digits == strlen(arg) && strcmp(arg, ".") != 0 &&
                 (!dot || !strchr(dot + 1, '.')) && digits <= 20;
    double v = shape ? strtod(arg, NULL) : 0;
    if (!shape || !isfinite(v) || v < min || v > max) {
        warnx_msg("'%s' is not %s in seconds between %g and %g", arg ? arg : "", what, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool parse_pid(const char *arg, pid_t *out)
{
    long v;
    if (!whole_number(arg, 1, 0x3fffffff, &v)) {
        warnx_msg("'%s' is not a process id (a positive number)", arg ? arg : "");
        return false;
    }
    *out = (pid_t)v;
    return true;
}

bool parse_interval(const char *arg, double *out)
{
    return parse_seconds(arg, "an interval", 0.01, 3600, out);
}

bool parse_speed(const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= 0.1 && v <= 10)) {
        warnx_msg("invalid speed '%s': use a number from 0.1 (slow) to 10 (fast)", arg);
        return false;
    }
    *out = v;
    return true;
}

bool parse_text_or_json(const char *arg, bool *json)
{
    if (strcmp(arg, "json") == 0 || strcmp(arg, "text") == 0) {
        *json = arg[0] == 'j';
        return true;
    }
    warnx_msg("unknown format '%s': use text or json", arg);
    return false;
}

int parse_file_command(int argc, char **argv, const char *usage, int files, bool *json,
                       const char **out_path)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    *json = false;
    *out_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!parse_text_or_json(optarg, json))
                return EXIT_USAGE;
            break;
        case 'o': *out_path = optarg; break;
        case 'h': printf("usage: %s\n", usage); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (argc - optind != files) {
        warnx_msg("usage: %s", usage);
        return EXIT_USAGE;
    }
    return -1;
}

bool choose_export_format(const char *name, const char *out_path, enum export_format *fmt)
{
    *fmt = EXPORT_TEXT;
    if (name) {
        if (export_format_parse(name, fmt) == 0)
            return true;
        warnx_msg("unknown format '%s': use json, csv, text, svg or perfetto", name);
        return false;
    }
    if (out_path)
        export_format_from_path(out_path, fmt);
    return true;
}

char *parse_sample_arg(const char *arg, long *index)
{
    char *path = xstrdup(arg);
    char *at = strrchr(path, '@');
    *index = -1;
    if (at && at[1]) {
        char *end;
        long n = strtol(at + 1, &end, 10);
        if (!*end) {
            *at = '\0';
            *index = n;
        }
    }
    return path;
}

int read_sample_arg(const char *arg, struct snapshot **out, char **why)
{
    long index;
    char *path = parse_sample_arg(arg, &index);
    int rc;
    if (recording_is(path)) {
        long count;
        bool cut;
        rc = recording_read(path, index, out, &count, &cut, why);
    } else {
        rc = json_read_snapshot_file(path, out, why);
    }
    free(path);
    return rc;
}

void warn_capture_error(pid_t pid, int err)
{
    char *msg = capture_error_message(pid, err);
    warnx_msg("%s", msg);
    free(msg);
}
