/* Whether the terminal can show the live view, asked before curses starts:
 * with TERM unset ncurses prints its own error and exits, and on a dumb
 * terminal it draws garbage. The headless commands never ask. */
#include "vmscope/app.h"
#include "vmscope/util.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

bool terminal_can_draw(char **why)
{
    static const char hint[] = "; for a one-off picture use 'vmscope snapshot -p PID'";
    const char *term = getenv("TERM");
    if (!term || !*term) {
        *why = xasprintf("TERM is not set: the live view needs a terminal type%s", hint);
        return false;
    }
    if (strcmp(term, "dumb") == 0) {
        *why = xasprintf("TERM=dumb cannot show the live view (no cursor addressing)%s", hint);
        return false;
    }
    int err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        *why = xasprintf("TERM=%s is not a terminal type this system knows (terminfo)%s", term,
                         hint);
        return false;
    }
    const char *cup = tigetstr("cup");
    bool ok = cup && cup != (char *)-1;
    del_curterm(cur_term);
    if (!ok)
        *why = xasprintf("TERM=%s cannot show the live view (no cursor addressing)%s", term,
                         hint);
    return ok;
}
