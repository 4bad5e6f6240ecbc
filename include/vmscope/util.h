/* util: allocation wrappers that abort cleanly, and the error/log helpers.
 *
 * Allocation failure is not recoverable for vmscope: xmalloc and friends call
 * fatal(), which first runs the registered teardown hook (the TUI registers
 * one that ends curses) so the message lands on a sane terminal. */
#ifndef VMSCOPE_UTIL_H
#define VMSCOPE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Grow *items (each elem_size bytes) so it holds at least need elements. */
void xgrow(void **items, size_t *capacity, size_t need, size_t elem_size);
/* xgrow for an array that is built once and then freed with the process
 * (a one-shot snapshot's 7 MB region list): past 2 MiB it moves to
 * 2 MiB-aligned memory marked MADV_HUGEPAGE, so first touching it costs a
 * few huge-page faults instead of one fault per 4 KiB (1,700, ~2 ms). Not
 * for arrays built again and again: each would be a fresh huge page to
 * clear, where glibc reuses the heap for xgrow's. Free with free(). */
void xgrow_huge(void **items, size_t *capacity, size_t need, size_t elem_size);
char *xstrdup(const char *s);
char *xmemdup0(const void *p, size_t len); /* copy + NUL terminator */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called by fatal() before printing, e.g. to end curses. */
void util_set_teardown(void (*teardown)(void));
void util_run_teardown(void);
/* Prints "vmscope: <message>" on stderr and exits with status 1. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "vmscope: <message>" on stderr. */
void warnx_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A byte count for people: "512B", "4.0K", "12M", "1.5G" (binary units). */
void format_size(char *out, size_t size, uint64_t bytes);
/* v in decimal (at most 20 characters) or lowercase hex (at most 16, zero-padded to min_digits)
 * at w, unterminated, for writers that reserved the room; return the end. */
char *format_u64_to(char *w, uint64_t v);
char *format_hex_to(char *w, uint64_t v, int min_digits);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t clock_monotonic_ns(void);
uint64_t clock_realtime_ns(void);

#endif
