/* Error reporting and clocks. fatal() runs the teardown hook first so a
 * message printed while curses owns the screen is not lost or garbled.
 * Every message passes the sanitiser whole: it quotes command-line text
 * (arguments, paths, user and command names) as well as what processes
 * and files say, and none of it may reach the terminal raw. */
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void (*teardown_hook)(void);

void util_set_teardown(void (*teardown)(void))
{
    teardown_hook = teardown;
}

void util_run_teardown(void)
{
    void (*hook)(void) = teardown_hook;
    teardown_hook = NULL; /* never twice, even if the hook itself fails */
    if (hook)
        hook();
}

static void vmessage(const char *fmt, va_list ap)
{
    char *raw = NULL;
    int n = vasprintf(&raw, fmt, ap);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "vmscope: ");
    if (n >= 0)
        sanitize_message(&b, raw, (size_t)n);
    else
        buf_puts(&b, "(no memory for the message)");
    buf_putc(&b, '\n');
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
    buf_free(&b);
    free(raw);
}

_Noreturn void fatal(const char *fmt, ...)
{
    util_run_teardown();
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    exit(1);
}

void warnx_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_monotonic_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t clock_realtime_ns(void)
{
    return clock_ns(CLOCK_REALTIME);
}
