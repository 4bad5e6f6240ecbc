/* vmscope pages -p PID --range START-END [-f text|json] [-o FILE] */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/pages.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pages_usage(FILE *fp)
{
    fputs("usage: vmscope pages -p PID --range START-END [-f text|json] [-o FILE]\n"
          "  -p, --pid PID        process to read\n"
          "  -r, --range S-E      hex addresses (0x optional), end exclusive\n"
          "  -f, --format FMT     text (default) or json\n"
          "  -o, --output FILE    write FILE atomically, never through a link (- : stdout)\n",
          fp);
}

/* Hex digits only (strtoull alone would take a sign, spaces or "0x" twice),
 * at most 16 of them after an optional 0x. */
static bool parse_hex_addr(const char *s, uint64_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strspn(s, "0123456789abcdefABCDEF");
    if (n == 0 || n > 16 || s[n])
        return false;
    *out = strtoull(s, NULL, 16);
    return true;
}

static bool parse_range(const char *arg, uint64_t *start, uint64_t *end)
{
    char buf[64];
    const char *dash = strchr(arg, '-');
    if (!dash || (size_t)(dash - arg) >= sizeof buf)
        return false;
    memcpy(buf, arg, (size_t)(dash - arg));
    buf[dash - arg] = '\0';
    return parse_hex_addr(buf, start) && parse_hex_addr(dash + 1, end) && *end > *start;
}

int cmd_pages(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},    {"range", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    pid_t pid = 0;
    uint64_t start = 0, end = 0;
    bool json = false, have_range = false;
    const char *out_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:r:f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &pid))
                return EXIT_USAGE;
            break;
        case 'r':
            if (!parse_range(optarg, &start, &end)) {
                warnx_msg("'%s' is not a range START-END of hex addresses", optarg);
                return EXIT_USAGE;
            }
            have_range = true;
            break;
        case 'f':
            if (!parse_text_or_json(optarg, &json))
                return EXIT_USAGE;
            break;
        case 'o': out_path = optarg; break;
        case 'h': pages_usage(stdout); return EXIT_OK;
        default: pages_usage(stderr); return EXIT_USAGE;
        }
    }
    if (!pid || !have_range || optind < argc) {
        warnx_msg("pages needs -p PID and --range START-END");
        pages_usage(stderr);
        return EXIT_USAGE;
    }
    struct proc_target t;
    int rc = proc_target_open(&t, pid);
    struct page_runs runs = {0};
    if (rc == 0) {
        rc = pages_read(&t, start, end, &runs);
        proc_target_close(&t);
    }
    if (rc < 0) {
        warn_capture_error(pid, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    struct atomic_file af;
    rc = atomic_file_open(&af, out_path);
    if (rc == 0)
        rc = atomic_file_finish(&af, json ? export_pages_json(pid, start, end, &runs, af.fp)
                                          : export_pages_text(pid, start, end, &runs, af.fp));
    page_runs_free(&runs);
    if (rc < 0) {
        atomic_file_warn(out_path, rc);
        return EXIT_FAILURE_RUNTIME;
    }
    return EXIT_OK;
}
