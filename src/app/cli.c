/* Small command-line parsing helpers shared by the subcommands. */
#include "vmscope/app.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool parse_pid(const char *arg, pid_t *out)
{
    char *end;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || *arg == '\0' || *end != '\0' || errno || v <= 0 || v > 0x3fffffff) {
        warnx_msg("'%s' is not a process id (a positive number)", arg ? arg : "");
        return false;
    }
    *out = (pid_t)v;
    return true;
}

bool parse_interval(const char *arg, double *out)
{
    char *end;
    double v = arg ? strtod(arg, &end) : 0;
    if (!arg || *arg == '\0' || *end != '\0' || !isfinite(v) || v < 0.01 || v > 3600) {
        warnx_msg("'%s' is not an interval in seconds between 0.01 and 3600", arg ? arg : "");
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

bool choose_export_format(const char *name, const char *out_path, enum export_format *fmt)
{
    *fmt = EXPORT_TEXT;
    if (name) {
        if (export_format_parse(name, fmt) == 0)
            return true;
        warnx_msg("unknown format '%s': use json, csv, text or svg", name);
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

int open_program_output(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) {
        int e = errno;
        char *name = sanitize_display_dup(path);
        warnx_msg("cannot write %s: %s", name, strerror(e));
        free(name);
    }
    return fd;
}
