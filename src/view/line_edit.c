/* The one line editor every prompt uses (search, filter, the picker's
 * filter): printable ASCII in, Backspace out, Ctrl-U clears, Enter done,
 * Esc cancel. */
#include "screens.h"

#include <string.h>

int line_edit_key(char *text, size_t size, int ch)
{
    size_t len = strlen(text);
    if (ch == 27)
        return LINE_EDIT_CANCEL;
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
        return LINE_EDIT_DONE;
    if (ch == 21) { /* Ctrl-U: clear the line */
        text[0] = '\0';
        return LINE_EDIT_CHANGED;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (len)
            text[len - 1] = '\0';
        return LINE_EDIT_CHANGED;
    }
    if (ch >= 0x20 && ch < 0x7f && len + 1 < size) {
        text[len] = (char)ch;
        text[len + 1] = '\0';
        return LINE_EDIT_CHANGED;
    }
    return LINE_EDIT_NONE;
}
