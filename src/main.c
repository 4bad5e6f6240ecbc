/* vmscope: entry point and subcommand dispatch. */
#include "vmscope/app.h"
#include "vmscope/buf.h"
#include "vmscope/features.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("usage: vmscope [-p PID | --demo [--step] [--speed X] | -r FILE] [-i SEC] [-n COUNT]\n"
          "               [--no-color]\n"
          "       vmscope [-i SEC] [--trace[=calls]] [-u USER] [--program-output F] -- CMD\n"
          "       vmscope snapshot -p PID [-f json|csv|text|svg] [-o FILE] [--pages]\n"
          "       vmscope pages -p PID --range START-END [-f text|json] [-o FILE]\n"
          "       vmscope record (-p PID | [--trace[=calls]] -- CMD) [-i SEC] [-d SEC]\n"
          "                      -o FILE.jsonl\n"
          "       vmscope diff A B [-f text|json] [-o FILE]   (A, B: x.json or x.jsonl@N)\n"
          "       vmscope export FILE [-f svg|json|csv|text|perfetto] [-o FILE]  (x.json, x.jsonl@N)\n"
          "       vmscope callsites FILE.jsonl [-f text|json] [-o FILE]   (a --trace recording)\n"
          "       vmscope demo [-i SEC] [-n COUNT] [--speed X]\n"
          "       vmscope -h | -V\n"
          "\n"
          "vmscope shows the virtual address space of a live Linux process: every region\n"
          "classified as text, data, bss, heap, mmap, stack or other, and how much of it\n"
          "is resident. See vmscope(1).\n",
          fp);
}

static int dispatch(int argc, char **argv);

/* Whatever a command printed on standard output must have arrived: --help
 * or a demo frame to a full disk is a failure, not a silent success. */
int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    int rc = dispatch(argc, argv);
    errno = 0;
    /* A command that failed has said why already. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == EXIT_OK) {
        warnx_msg("cannot write standard output: %s", strerror(errno ? errno : EIO));
        return EXIT_FAILURE_RUNTIME;
    }
    return rc;
}

static int dispatch(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (argc < 2 || (cmd[0] == '-' && strcmp(cmd, "-h") != 0 && strcmp(cmd, "--help") != 0 &&
                     strcmp(cmd, "-V") != 0 && strcmp(cmd, "--version") != 0))
        return cmd_live(argc, argv);
    if (strcmp(cmd, "snapshot") == 0)
        return cmd_snapshot(argc - 1, argv + 1);
    if (strcmp(cmd, "record") == 0)
        return cmd_record(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(cmd, "callsites") == 0)
        return cmd_callsites(argc - 1, argv + 1);
    if (strcmp(cmd, "pages") == 0)
        return cmd_pages(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return cmd_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        /* The version, then what this kernel lets vmscope see (bug reports
         * need both). */
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "vmscope %s\n", PACKAGE_VERSION);
        kernel_features_describe(kernel_features(), &b);
        fwrite(b.data, 1, b.len, stdout);
        buf_free(&b);
        return EXIT_OK;
    }
    warnx_msg("unknown command '%s'", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
