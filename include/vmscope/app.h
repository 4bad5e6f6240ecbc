/* app: the command line's subcommands and the built-in demo workload. */
#ifndef VMSCOPE_APP_H
#define VMSCOPE_APP_H

#include <stdbool.h>
#include <sys/types.h>

#include "vmscope/export.h"

/* Exit statuses shared by every subcommand. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_RUNTIME = 1, /* sampling or writing failed */
    EXIT_USAGE = 2,           /* bad command line */
};

int cmd_snapshot(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_pages(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_callsites(int argc, char **argv);

/* Parses a pid argument; false (with a message) when it is not a pid. */
bool parse_pid(const char *arg, pid_t *out);
/* Parses an interval in seconds (0.01 .. 3600). */
bool parse_interval(const char *arg, double *out);
/* The tour's --speed: 0.1 to 10 (1 is the normal pace). */
bool parse_speed(const char *arg, double *out);
/* Every other numeric option: a count (1 .. 10^9) of `what` ("samples"),
 * or seconds between min and max (`what`: "a duration"). Plain decimal
 * only; false with a one-line message otherwise. */
bool parse_count(const char *arg, const char *what, long *out);
bool parse_seconds(const char *arg, const char *what, double min, double max, double *out);
/* --trace[=calls]: arg NULL (stacks too) or "calls" (no stacks); false
 * with a one-line message otherwise. */
bool parse_trace(const char *arg, bool *no_stacks);
/* Parses "-f text|json" (with a message when it is neither). */
bool parse_text_or_json(const char *arg, bool *json);
/* The options of a headless command that reads `files` files and writes
 * text or JSON (diff, callsites): -f text|json, -o FILE, -h (prints
 * "usage: USAGE"). Returns -1 to go on, with the files at argv[optind],
 * else the exit status to return (a bad option, -h, a wrong file count). */
int parse_file_command(int argc, char **argv, const char *usage, int files, bool *json,
                       const char **out_path);
/* The output format: -f's name, else -o's extension, else text. False
 * (with a message) when the name is not a format. */
bool choose_export_format(const char *name, const char *out_path, enum export_format *fmt);
/* Splits "FILE@N" into the path (allocated) and N, sample N of a recording
 * (N < 0 counts from the end); without "@N", *index is -1, the last. */
char *parse_sample_arg(const char *arg, long *index);
/* A snapshot file, or sample N of a recording as parse_sample_arg() says.
 * Returns 0, or -errno with *why set (allocated). */
struct snapshot;
int read_sample_arg(const char *arg, struct snapshot **out, char **why);
/* Whether TERM can show the live view (not unset, not dumb, known to
 * terminfo, with cursor addressing); false with *why (allocated) if not. */
bool terminal_can_draw(char **why);
/* Prints capture_error_message() for err as the one-line error. */
void warn_capture_error(pid_t pid, int err);

/* The tour's workload (vmscope-tour): speed scales its pauses (0.5 is
 * half as fast); step: it waits for n after each phase. */
struct demo_options {
    double speed;
    bool step;
};
/* Starts the tour program; returns its pid and sets *announce_fd to the
 * read end of its announcement pipe and *control_fd to the write end of
 * its control pipe (tour.h), or -errno (said on stderr). */
pid_t demo_workload_spawn(const struct demo_options *o, int *announce_fd, int *control_fd);

#endif
