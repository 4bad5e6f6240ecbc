/* sanitize: the single gate every string from a target process passes
 * through before it reaches a terminal or an SVG file (sanitize_xml).
 *
 * A process controls its mapping names (memfd names, file names) and its
 * command line, so they may carry escape sequences (OSC title/clipboard,
 * CSI queries), C1 controls, bidi overrides or invalid UTF-8. The output of
 * sanitize_display() is valid UTF-8 containing only printable characters:
 * every unsafe code point is replaced by a visible escape (\e, \n, \x07,
 * \u009b, \u202e ...) and every invalid byte by \xNN, so nothing is hidden and
 * nothing is interpreted by the terminal. */
#ifndef VMSCOPE_SANITIZE_H
#define VMSCOPE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Append the display-safe form of in[0..len) to out. */
void sanitize_display(struct buf *out, const char *in, size_t len);
/* The same for a whole message (warnx_msg, fatal): a backslash stays as
 * it is, so parts already sanitised (a file name in a reader's reason)
 * are not escaped twice; everything a terminal acts on is escaped. */
void sanitize_message(struct buf *out, const char *in, size_t len);
/* Convenience: newly allocated display-safe copy of a NUL-terminated string. */
char *sanitize_display_dup(const char *s);

/* Append the display-safe form of in[0..len), cut to at most max_cols
 * terminal columns (wcwidth, in the current locale); a cut string ends in
 * "~". Characters the locale cannot print are escaped too. Returns the
 * columns used. */
int sanitize_fit(struct buf *out, const char *in, size_t len, int max_cols);
/* The same, cut from the front: a cut string starts with "…" ("~" where
 * the locale is not UTF-8), so a path keeps its file name (…/libm.so.6). */
int sanitize_fit_tail(struct buf *out, const char *in, size_t len, int max_cols);

/* Append the display-safe form of in[0..len) as XML character data (SVG
 * text and attribute values): & < > " ' become entities; what is left is
 * valid UTF-8 with no control character, which XML 1.0 allows anywhere.
 * With max_chars > 0 it is cut to that many characters, the last a "~". */
void sanitize_xml(struct buf *out, const char *in, size_t len, size_t max_chars);

/* True if in[0..len) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *in, size_t len);
/* Append in[0..len) to out as valid UTF-8, each invalid sequence replaced by
 * U+FFFD (the JSON rule of formats.md). Returns true if nothing was replaced. */
bool utf8_repair(struct buf *out, const char *in, size_t len);
/* Decode one UTF-8 sequence at in (avail bytes). Returns its length (>=1) and
 * stores the code point, or returns 0 for an invalid sequence. */
size_t utf8_decode(const unsigned char *in, size_t avail, unsigned *cp);

#endif
