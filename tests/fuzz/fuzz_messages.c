/* Fuzz target: command-line text through the messages and the numeric
 * option parsers. Input: NUL-separated arguments. Every message (warnx_msg,
 * atomic_file_warn, the parsers' refusals) must reach stderr as one line
 * starting "vmscope: ", valid UTF-8, with no control, C1, bidi or invisible
 * character; a parser accepts exactly the plain decimal numbers in range. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

static int err_fd = -1;  /* a memfd standing in for stderr ... */
static FILE *captured;   /* ... while vmscope's code runs (libFuzzer keeps fd 2) */
static FILE *real_stderr;

static void check(int cond, const char *what)
{
    if (!cond) {
        stderr = real_stderr;
        fprintf(stderr, "fuzz_messages: %s\n", what);
        abort();
    }
}

/* What was printed since the last call: at most one line per message. */
static void check_messages(size_t expected)
{
    fflush(captured);
    off_t len = lseek(err_fd, 0, SEEK_CUR);
    char *text = malloc((size_t)len + 1);
    check(pread(err_fd, text, (size_t)len, 0) == len, "read back");
    const unsigned char *s = (const unsigned char *)text;
    size_t lines = 0;
    for (off_t i = 0; i < len;) {
        if (i == 0 || s[i - 1] == '\n')
            check(len - i >= 9 && memcmp(s + i, "vmscope: ", 9) == 0, "no prefix");
        unsigned cp;
        size_t n = s[i] < 0x80 ? (cp = s[i], 1) : utf8_decode(s + i, (size_t)(len - i), &cp);
        check(n > 0, "message is not UTF-8");
        lines += cp == '\n';
        check((cp >= 0x20 || cp == '\n') && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f),
              "control character in a message");
        check(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069) &&
                  !(cp >= 0x200b && cp <= 0x200f) && cp != 0xfeff,
              "bidi or invisible character in a message");
        i += (off_t)n;
    }
    check(lines == expected, "not one line per message");
    check(len == 0 || s[len - 1] == '\n', "unterminated message");
    free(text);
    check(ftruncate(err_fd, 0) == 0 && lseek(err_fd, 0, SEEK_SET) == 0, "reset");
}

static bool plain_number(const char *a, size_t max_digits)
{
    size_t n = strlen(a);
    return n > 0 && n <= max_digits && strspn(a, "0123456789") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (err_fd < 0) {
        real_stderr = stderr;
        err_fd = memfd_create("fuzz-stderr", MFD_CLOEXEC);
        captured = err_fd >= 0 ? fdopen(dup(err_fd), "w") : NULL;
        check(captured != NULL, "memfd for messages");
    }
    stderr = captured;
    char *copy = xmemdup0(data, size);
    for (const char *arg = copy; arg <= copy + size; arg += strlen(arg) + 1) {
        warnx_msg("unexpected argument '%s'", arg);
        check_messages(1);
        atomic_file_warn(arg, -ENOENT);
        atomic_file_warn(arg, -ATOMIC_FILE_EFOREIGN);
        check_messages(2);
        long count;
        bool ok = parse_count(arg, "samples", &count);
        check(ok == (plain_number(arg, 12) && strtol(arg, NULL, 10) >= 1 &&
                     strtol(arg, NULL, 10) <= 1000000000L),
              "parse_count accepted junk or refused a count");
        check(!ok || count == strtol(arg, NULL, 10), "parse_count value");
        check_messages(ok ? 0 : 1);
        pid_t pid;
        ok = parse_pid(arg, &pid);
        check(!ok || (plain_number(arg, 12) && pid >= 1), "parse_pid accepted junk");
        check_messages(ok ? 0 : 1);
        double secs;
        ok = parse_seconds(arg, "a duration", 0.01, 1e7, &secs);
        check(!ok || (strspn(arg, "0123456789.") == strlen(arg) && secs >= 0.01 && secs <= 1e7),
              "parse_seconds accepted junk");
        check_messages(ok ? 0 : 1);
    }
    free(copy);
    stderr = real_stderr;
    return 0;
}
