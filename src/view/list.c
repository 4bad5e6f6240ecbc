/* The one list widget every table uses (Regions, the Timeline's event
 * log, the picker; the Map and Help scroll with its primitives): a cursor
 * over n rows, the first visible row kept so the cursor stays in view,
 * each visible row drawn by the screen's callback under one cursor bar,
 * and one set of navigation keys (htop's Panel, tmux's mode-tree). */
#include "screens.h"

long list_navigate(int ch, long cursor, long n, int height)
{
    long page = height > 1 ? height - 1 : 1;
    switch (ch) {
    case KEY_UP: case 'k': cursor--; break;
    case KEY_DOWN: case 'j': cursor++; break;
    case KEY_PPAGE: cursor -= page; break;
    case KEY_NPAGE: cursor += page; break;
    case KEY_HOME: case 'g': cursor = 0; break;
    case KEY_END: case 'G': cursor = n - 1; break;
    default: return -1;
    }
    if (cursor >= n)
        cursor = n - 1;
    if (cursor < 0)
        cursor = 0;
    return cursor;
}

void list_scroll(size_t *top, long cursor, int height)
{
    if (cursor < 0 || height <= 0)
        return;
    if ((size_t)cursor < *top)
        *top = (size_t)cursor;
    else if ((size_t)cursor >= *top + (size_t)height)
        *top = (size_t)cursor - (size_t)height + 1;
}

void list_draw(struct list_widget *l, int y, int x, int width, int height, long n, long cursor,
               void (*row)(void *ctx, long i, int y, int x, int width), void *ctx)
{
    if (height <= 0 || width <= 0)
        return;
    if (l->top >= (size_t)(n > 0 ? n : 0))
        l->top = 0;
    list_scroll(&l->top, cursor, height);
    for (int r = 0; r < height && (long)l->top + r < n; r++) {
        long i = (long)l->top + r;
        bool sel = i == cursor;
        if (sel)
            attron(A_REVERSE);
        move(y + r, x);
        for (int c = 0; c < width && x + c < COLS; c++) /* the bar across the width */
            addch(' ');
        row(ctx, i, y + r, x, width);
        if (sel)
            attroff(A_REVERSE);
    }
}

long list_key(const struct list_widget *l, int ch, long cursor, long n, int y, int height)
{
    if (ch == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) != OK || ev.y < y || ev.y >= y + height)
            return -1;
        long i = (long)l->top + (ev.y - y);
        return i < n ? i : -1;
    }
    return list_navigate(ch, cursor, n, height);
}
