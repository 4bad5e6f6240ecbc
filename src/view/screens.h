/* Internal to the view layer: the screen registry and drawing helpers. */
#ifndef VMSCOPE_SCREENS_H
#define VMSCOPE_SCREENS_H

#include <curses.h>

#include "vmscope/view.h"

struct screen {
    const char *name;
    /* Draw into rows [top, top + height) of the terminal. */
    void (*draw)(struct view *v, int top, int height);
    /* Returns enum view_flags; 0 when the key is not the screen's. */
    int (*key)(struct view *v, int ch, int height);
    /* Frees what the screen's own state holds (not the state itself), or NULL. */
    void (*free_state)(void *state);
};

/* A screen's own state (v->screen_state[id]): allocated zeroed, of size
 * bytes, the first time the screen asks; freed with the view. */
void *screen_state(struct view *v, enum screen_id id, size_t size);
/* The state of a screen that is a scrolled list and nothing more (Map,
 * Help): its first visible row. */
size_t *screen_top(struct view *v, enum screen_id id);
/* Frees every screen's state (view_free). */
void screens_free_state(struct view *v);

extern const struct screen screen_summary, screen_map, screen_regions, screen_timeline, screen_help,
    screen_detail, screen_diff, screen_output, screen_threads,
    screen_callsites;
/* T: the Threads screen; Esc goes back to the screen it was opened from. */
void screen_threads_open(struct view *v);

/* C: the Call sites screen (Esc returns to the screen it came from). */
int callsites_open(struct view *v);
struct stack;
/* A stack in one line, at most max functions: "leaf ← caller ← ... ←
 * main, file.c:12" (the innermost frame with a source line; libc's
 * wrapper of the call and the library's frames under it left out: the
 * first frame is the caller outside it); not sanitised. */
void callsite_stack_label(const struct stack *st, size_t max, char *out, size_t size);

/* Attributes for a class: its colour pair, or a plain attribute. */
attr_t class_attr(const struct view *v, enum region_class c);
/* One glyph per class, so the map reads without colour too. */
char class_glyph(enum region_class c);

/* Text at (y, x), cut to width columns; untrusted text is sanitised. */
void draw_text(int y, int x, int width, const char *s);
void draw_untrusted(int y, int x, int width, const char *s, size_t len);
/* A name (a path) from the target, sanitised and cut from the front when
 * too wide, so the file name stays: "…/libm.so.6". */
void draw_name(int y, int x, int width, const char *s, size_t len);
/* The same in parentheses, cut inside them: "(…/libc.so.6)". */
void draw_name_in_parens(int y, int x, int width, const char *s, size_t len);
/* Clear a row from x to the right edge. */
void clear_row(int y, int x);

/* The traced calls as the Timeline's log shows them (event_log.c): a
 * filter by call and by thread, the full-width mode and its sideways
 * scroll. Zeroed, it shows everything. Index k = 0 is the newest
 * matching event. */
struct event_log {
    int call;  /* 0: all calls; else an enum traced_call + 1 */
    pid_t tid; /* 0: all threads */
    bool full; /* the log has the whole screen */
    int hscroll;
    size_t *idx; /* the matching events' places in v->trace, oldest first */
    size_t n_idx, cap_idx;
    bool built;
    uint64_t built_ever;
    int built_call;
    pid_t built_tid;
};
void event_log_free(struct event_log *l);
size_t event_log_count(const struct view *v, struct event_log *l);
const struct syscall_event *event_log_at(const struct view *v, struct event_log *l, size_t k);
/* "  12.345    1234  [cc1 5678] mmap(0, 0x200000 (2.0M), ...) = 0x7f..." */
void event_log_line(const struct view *v, const struct syscall_event *e, char *line, size_t size);
void event_log_title(const struct view *v, const struct event_log *l, char *out, size_t size);
/* c, t, L, and Left/Right in the full-width mode; 0 if not its key. */
int event_log_key(const struct view *v, struct event_log *l, int ch);
/* Why the range an event made (at start) is not there: the later call
 * that unmapped, moved or replaced it. */
void event_log_gone(const struct view *v, const struct syscall_event *e, uint64_t start,
                    char *out, size_t size);

/* The detail's page grid (page_grid.c); its state is the Detail screen's. */
void page_grid_draw(struct view *v, const struct region *r, int top, int height);
int page_grid_key(struct view *v, int ch, int height);
void page_grid_free(void *state);

/* The tour (tour_view.c): its box of wrapped sentence lines above the
 * status line (how many rows, and drawn from row y), its status line,
 * the list of phases, and its keys (before the screens' own). */
int tour_box_rows(const struct view *v);
void tour_box_draw(struct view *v, int y);
void tour_status(const struct view *v, char *out, size_t size);
void tour_list_draw(struct view *v, int top, int height);
int tour_key(struct view *v, int ch);

/* The one line editor (line_edit.c): applies key ch to text (size bytes). */
enum line_edit_result { LINE_EDIT_NONE, LINE_EDIT_CHANGED, LINE_EDIT_DONE, LINE_EDIT_CANCEL };
int line_edit_key(char *text, size_t size, int ch);

/* The list widget (list.c). Its primitives: moving a cursor in a list of
 * n rows, height visible (the new cursor for a navigation key, or -1 when
 * ch is not one), and keeping the cursor visible (adjusts *top). */
long list_navigate(int ch, long cursor, long n, int height);
void list_scroll(size_t *top, long cursor, int height);
/* A list's own state: its first visible row. */
struct list_widget {
    size_t top;
};
/* Draws rows [top, top + height) at (y, x), width wide: each through
 * row(ctx, i, y, x, width), the cursor's in reverse video across the
 * width; scrolls to keep the cursor visible. */
void list_draw(struct list_widget *l, int y, int x, int width, int height, long n, long cursor,
               void (*row)(void *ctx, long i, int y, int x, int width), void *ctx);
/* A navigation key, or a click on one of the rows drawn at y: the new
 * cursor, or -1. */
long list_key(const struct list_widget *l, int ch, long cursor, long n, int y, int height);

#endif
