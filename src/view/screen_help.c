/* Help: keys, the class legend and what each class means, in plain words. */
#include "screens.h"

static const char *const help_text[] = {
    "Keys",
    "  Tab / Shift-Tab / 1-7   switch screens: Summary, Map, Regions, Timeline, Diff,",
    "         Help, and",
    "         Output: what a program launched with vmscope -- CMD printed (its terminal)",
    "  m      mark a baseline: the Diff screen compares the current moment with it",
    "  arrows j k, PgUp PgDn, Home End   move the selection (shared by all screens)",
    "  Enter  the selected region in detail: smaps fields, class, evidence and a grid of",
    "         its pages (+ - zoom, arrows move the page cursor, n p next/previous region)",
    "  /   search: a name, or a hex address to jump to the region that contains it",
    "  \\   filter the Regions table by name or class     s, F6   change the sort",
    "  Summary: per type its size, resident, private, shared, swap, locked, THP,",
    "         regions (blocks) and the largest; reserved = PROT_NONE; free = the",
    "         unmapped user address space. Enter: the Regions of that type",
    "  g      Regions: one row per mapped object (an ELF image with its segments and",
    "         bss, or a file); Enter or Right expands it, Left folds it again",
    "  space  pause sampling     + -  sample faster / slower     e  export JSON",
    "  ? F1   this help          Esc  back                       q  quit",
    "  [ ] { }  a recording (-r FILE.jsonl): one or ten samples back or on (or click",
    "         a column of the Timeline's chart)",
    "  Timeline: arrows move the event log's cursor; Enter shows the event's region",
    "  (launched with --trace, the log is every brk, mmap, munmap, mremap, mprotect and",
    "  madvise of the program, its threads and children, exactly: * marks them; read",
    "  like strace: seconds since the start, thread, [program pid] for a child's call,",
    "  sizes beside the hex. c filters by call, t by thread, L gives it the whole",
    "  screen (Left/Right scroll sideways)",
    "  C      Call sites (--trace): bytes mapped, resident and freed per call stack;",
    "         a top-down tree (Right/Left open/close, * opens all) or, with f, a flat",
    "         list; Enter lists the regions a site made. Esc goes back",
    "",
    "Classes (each region has one; the subclass says why)",
    "  T text   code and read-only data of the program and its libraries (code,",
    "           rodata, relro): shared between processes that run the same files",
    "  D data   initialised global variables, a private copy once written",
    "  B bss    zero-initialised globals: costs nothing until the program writes it",
    "  H heap   malloc's memory: the brk heap grows up from the end of the program;",
    "           threads get arenas of their own (64 MiB reservations)",
    "  M mmap   big mallocs (above 128 KiB) get their own anonymous mapping that",
    "           free() unmaps at once; also mapped files and shared memory",
    "  S stack  function calls; the main stack grows down, each thread has its own",
    "           fixed-size stack with a guard page below it",
    "  o other  kernel pages (vdso, vvar, vsyscall), guards and reservations",
    "",
    "Reading the screens",
    "  VSZ is what is mapped; RSS what is really in RAM. A mapping costs nothing",
    "  until its pages are touched. PSS shares each page among the processes using",
    "  it. After fork(), parent and child share pages until one writes them",
    "  (copy-on-write): Shared turns into Private. A ? marks a guess from a pattern.",
    "  Heap versus mmap: small allocations come from the brk heap and arenas, and",
    "  freed memory stays there for reuse; big ones are mmap'd and given back on free,",
    "  so a line that saws up and down is big allocations coming and going.",
    "  A launched program's last address space is read just before the kernel tears",
    "  it down, so its final state stays on screen after it exits.",
};

#define HELP_LINES ((long)(sizeof help_text / sizeof help_text[0]))

static void help_draw(struct view *v, int top, int height)
{
    size_t first = *screen_top(v, SCREEN_HELP);
    if (height > 0 && first + (size_t)height > (size_t)HELP_LINES)
        first = HELP_LINES > height ? (size_t)(HELP_LINES - height) : 0;
    *screen_top(v, SCREEN_HELP) = first;
    for (int i = 0; (long)first + i < HELP_LINES && i < height; i++) {
        const char *line = help_text[first + (size_t)i];
        bool heading = line[0] != ' ' && line[0];
        if (heading)
            attron(A_BOLD);
        draw_text(top + i, 0, COLS, line);
        if (heading)
            attroff(A_BOLD);
    }
}

/* Scrolls when the help is longer than the screen. */
static int help_key(struct view *v, int ch, int height)
{
    long top = list_navigate(ch, (long)*screen_top(v, SCREEN_HELP), HELP_LINES, height);
    if (top < 0)
        return 0;
    *screen_top(v, SCREEN_HELP) = (size_t)top;
    return VIEW_HANDLED | VIEW_REDRAW;
}

const struct screen screen_help = {"Help", help_draw, help_key, NULL};
