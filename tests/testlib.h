/* Test support: start helper processes that create known mappings and
 * read what they report; run the vmscope binary and capture its output. */
#ifndef VMSCOPE_TESTLIB_H
#define VMSCOPE_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/buf.h"

#define HELPER_MAX_KEYS 16

struct helper {
    pid_t pid;
    int stdin_fd; /* closing it makes the helper exit */
    int nkeys;
    char keys[HELPER_MAX_KEYS][32];
    uint64_t values[HELPER_MAX_KEYS];
};

/* Starts tests/helpers/maphelper with args (NULL-terminated) and waits for
 * its "ready". Fails the test on error. */
void helper_start(struct helper *h, const char *const *args);
uint64_t helper_value(const struct helper *h, const char *key);
/* Starts argv[0] (a path) the same way, with LD_PRELOAD=preload when not
 * NULL, and reads its "key value" lines until "ready", within seconds. */
void program_start(struct helper *h, const char *const *argv, const char *preload,
                   unsigned seconds);
/* Forks and execs argv (argv[0] a path, or a name PATH finds) with its
 * stdin on a pipe (h->stdin_fd) and its stdout, and its stderr too when
 * err_too, on a pipe whose read end it returns; as as_uid (gid the same,
 * no groups) unless (uid_t)-1; LD_PRELOAD=preload when not NULL. Sets
 * h->pid, no keys. Fails the test if it cannot fork. */
int program_spawn(struct helper *h, const char *const *argv, uid_t as_uid, const char *preload,
                  bool err_too);
/* Closes its stdin and reaps it; returns the exit status. */
int helper_stop(struct helper *h);
/* A child that only waits to be killed: a live pid of the test's own,
 * which the test kills and reaps. Fails the test if it cannot fork. */
pid_t test_idle_child(void);

/* Runs argv (argv[0] is looked up relative to the build dir if it has no
 * '/'), optionally as another uid (uid_t -1 = unchanged), collecting stdout
 * and stderr. Returns the exit status (or 128+signal). */
int run_command(const char *const *argv, uid_t as_uid, struct buf *out, struct buf *err);
/* The same, and what the command used (ru_maxrss: its peak RSS in KiB). */
struct rusage;
int run_command_usage(const char *const *argv, uid_t as_uid, struct buf *out, struct buf *err,
                      struct rusage *usage);

/* Creates a file of pages 4 KiB pages of byte fill from a mkstemp template
 * (rewritten in place). Fails the test on error. */
void make_temp_file(char *template_path, int pages, char fill);

/* Path of a file under tests/fixtures (static buffer per call site use). */
const char *fixture_path(const char *name, char *buf, size_t size);
/* Reads a fixture (transparently decompressing .xz) into b. */
void fixture_read(const char *name, struct buf *b);

/* A snapshot of pid (with the page census when asked); fails the test if
 * it cannot be taken. */
struct snapshot;
struct snapshot *test_capture(pid_t pid, bool census);
/* Writes len bytes to path / reads the whole file (allocated, *len set,
 * NUL-terminated); either fails the test on error. */
void test_write_file(const char *path, const void *data, size_t len);
char *test_read_file(const char *path, size_t *len);
/* The same into b (emptied first; b.data NUL-terminated). */
void test_read_buf(const char *path, struct buf *b);
/* "dir/name" in one of 16 static buffers, reused in turn: valid for the
 * next 15 calls. */
const char *test_path(const char *dir, const char *name);
/* VALUE of the first "KEY 0xVALUE" in b (what a helper printed, on the
 * Output screen or in its output file); fails the test, showing b, when
 * there is none. */
uint64_t test_printed_hex(const struct buf *b, const char *key);
/* Prints "name: skipped (why)": a test that cannot run says so instead of
 * passing quietly; the caller then returns. */
void test_skip(const char *name, const char *why);

/* The free user address space of pid as /proc/PID/maps says, computed
 * here (ground truth outside vmscope): the gaps between mappings in
 * [/proc/sys/vm/mmap_min_addr, 0x7ffffffff000). */
struct free_space {
    uint64_t size, blocks, largest;
};
void test_free_space(pid_t pid, struct free_space *out);

/* Runs the suite (fork mode, normal output with the "Checks:" summary
 * line bootstrap.sh counts) and returns the process exit status. */
struct Suite;
int run_suite(struct Suite *s);

#endif
