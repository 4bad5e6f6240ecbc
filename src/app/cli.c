/* Small command-line parsing helpers shared by the subcommands. */
#include "vmscope/app.h"
#include "vmscope/capture.h"
#include "vmscope/util.h"

#include <errno.h>
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

void warn_capture_error(pid_t pid, int err)
{
    char *msg = capture_error_message(pid, err);
    warnx_msg("%s", msg);
    free(msg);
}
