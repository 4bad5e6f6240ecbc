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
};

extern const struct screen screen_map, screen_regions, screen_timeline, screen_help,
    screen_detail, screen_diff, screen_output;

/* Attributes for a class: its colour pair, or a plain attribute. */
attr_t class_attr(const struct view *v, enum region_class c);
/* One glyph per class, so the map reads without colour too. */
char class_glyph(enum region_class c);

/* Text at (y, x), cut to width columns; untrusted text is sanitised. */
void draw_text(int y, int x, int width, const char *s);
void draw_untrusted(int y, int x, int width, const char *s, size_t len);
/* Clear a row from x to the right edge. */
void clear_row(int y, int x);

/* The detail's page grid (page_grid.c). */
void page_grid_draw(struct view *v, const struct region *r, int top, int height);
int page_grid_key(struct view *v, int ch, int height);

/* The one line editor (line_edit.c): applies key ch to text (size bytes). */
enum line_edit_result { LINE_EDIT_NONE, LINE_EDIT_CHANGED, LINE_EDIT_DONE, LINE_EDIT_CANCEL };
int line_edit_key(char *text, size_t size, int ch);

/* Moving a cursor in a list of n rows, height visible: returns the new
 * cursor for a navigation key, or -1 when ch is not one. */
long list_navigate(int ch, long cursor, long n, int height);
/* Keep cursor visible: adjusts *top. */
void list_scroll(size_t *top, long cursor, int height);

#endif
