/* Help: keys, the class legend and what each class means, in plain words. */
#include "screens.h"

static const char *const help_text[] = {
    "Keys (as you type them)",
    "  Tab / Shift-Tab / 1-7   switch screens: Summary, Map, Regions, Timeline, Diff,",
    "         Help, and Output: what a program launched with vmscope -- CMD printed",
    "  m      mark a baseline: the Diff screen compares the current moment with it",
    "  arrows j k, PgUp PgDn, Home End   move the selection (shared by all screens)",
    "  /   search: a name, or a hex address to jump to the region that contains it",
    "  \\   filter Regions by name, object or class   s F6  next sort   I  reverse it",
    "  space  pause sampling     + -  sample faster / slower",
    "  e      export: asks for JSON, CSV, text or SVG, then the path (a new file)",
    "  ? F1   this help          Esc  back                       q  quit",
    "  [ ] { }  a recording (-r FILE.jsonl): one or ten samples back or on (or click",
    "         a column of the Timeline's chart)",
    "",
    "Classes (each region has one; the subclass says why)",
    "  T text   code and read-only data of the program and its libraries (code,",
    "           rodata, relro): shared between processes that run the same files",
    "  D data   initialised global variables, a private copy once written",
    "  B bss    zero-initialised globals: costs nothing until the program writes it",
    "  H heap   malloc's memory. The brk heap grows up; under ASLR it starts a",
    "           random distance above the end of the program. Threads get arenas",
    "           of their own (64 MiB reservations)",
    "  M mmap   mallocs above glibc's mmap threshold get their own anonymous",
    "           mapping, unmapped by free(); also mapped files and shared memory",
    "  S stack  function calls; the main stack grows down, each thread has its own",
    "           fixed-size stack with a guard page below it",
    "  o other  kernel pages (vdso, vvar, vsyscall), guards and reservations",
    "",
    "Keys on each screen",
    "  Enter  the selected region in detail: smaps fields, class, evidence and a grid",
    "         of its pages (+ - zoom, arrows move the page cursor, n p next/previous",
    "         region; in the tour n p are its phases); a histogram opens with pages",
    "         present, not present, swapped and on the zero page",
    "  Map    bars: # locked, = THP-backed, s swapped, . not resident; after m,",
    "         + marks regions new since the baseline, ~ changed ones (Regions too)",
    "  Summary: per type its size, resident, private, shared, swap, locked, THP,",
    "         regions (blocks) and the largest; reserved = PROT_NONE; free = the",
    "         unmapped user address space. Enter: the Regions of that type",
    "  g      Regions: one row per mapped object (an ELF image with its segments and",
    "         bss, or a file); Enter or Right expands it, Left folds it again",
    "  F2 c   Regions: choose columns (end, dirty, swap, offset, locked, THP, TID,",
    "         object)",
    "  f      Regions: free gaps as rows (start, end, size)     x  Regions and Map:",
    "         runs of repeated neighbours as one row \xc3\x97 N (Enter/Right expands it)",
    "  \xe2\x80\x93      not measured yet (a region seen between full samples): never a 0",
    "  T      Threads: each thread's id, name, state, stack region, the stack in use",
    "         (from its stack pointer to the top) and the guard below; Enter: its",
    "         stack region",
    "  Timeline: Left/Right move the chart's cursor (its values are shown under the",
    "         chart); Up/Down the event log's cursor; Enter shows the event's region",
    "  (launched with --trace, the log is every brk, mmap, munmap, mremap, mprotect and",
    "  madvise of the program, its threads and children, exactly: * marks them; read",
    "  like strace: seconds since the start, thread, [program pid] for a child's call,",
    "  sizes beside the hex. c filters by call, t by thread, L gives it the whole",
    "  screen (Left/Right scroll sideways)",
    "  C      Call sites (--trace): bytes mapped, resident and freed per call stack;",
    "         a top-down tree (Right/Left open/close, * opens all) or, with f, a flat",
    "         list; Enter lists the regions a site made. Esc goes back",
    "",
    "The tour (vmscope --demo)",
    "  A small program (vmscope-tour) runs one lesson at a time; the sentence at the",
    "  bottom says what to look at, and the region it speaks of is selected and",
    "  marked > in Regions (or opened in Detail).",
    "  space  hold the program itself (it stops between two steps: its RSS and VSZ",
    "         stay still) and let it go on     n p  next / previous phase",
    "  t      the list of phases: Enter jumps     --step: it waits for n after each",
    "         phase     --speed 0.5: half as fast",
    "",
    "Words",
    "  VSZ    everything mapped, used or not. RSS (resident set size): the part that",
    "         is in RAM now. A mapping costs RAM only once its pages are touched.",
    "  PSS    proportional set size: RSS with each shared page divided among the",
    "         processes that map it (a page shared by 4 counts a quarter). The PSS of",
    "         all processes adds up to the RAM they use.",
    "  Dirty  pages written since they were read from their file (or any written",
    "         anonymous page): RAM that must be written to disk or swap to be freed.",
    "         Private: only this process maps them; Shared: others do too.",
    "  Locked pages pinned in RAM by mlock(): never swapped out.",
    "  THP    transparent huge pages: the kernel maps 2 MiB at once instead of 512",
    "         pages of 4 KiB (AnonHugePages): fewer page-table entries, TLB misses.",
    "  Pages are 4 KiB on x86-64 (the lecture notes say 8 KiB for 64-bit: that is",
    "  other machines, e.g. SPARC or Alpha); the header says when it is not 4 KiB.",
    "",
    "Page states (Detail's grid: one glyph per page, or per cell of N pages)",
    "  #  anonymous memory, in RAM        F  a file's page (page cache), in RAM",
    "  H  part of a huge page (THP)       0  the shared zero page: read, not written",
    "  S  swapped out                     G  a guard (MADV_GUARD_INSTALL)",
    "  .  not present: mapped, never touched (or given back); costs no RAM",
    "  + f h  (one page per cell) # F H mapped more than once: after fork() parent",
    "         and child map the same frame until one writes it (copy-on-write)",
    "  Kernel flag names under the grid: anon_exclusive(mappedtodisk) is an",
    "  anonymous page this process alone owns (the kernel reports that bit under the",
    "  name mappedtodisk); uptodate: its contents are valid; lru/active: on the",
    "  kernel's reclaim lists; referenced: used lately.",
    "",
    "Reading the screens",
    "  The Map's top line is the user address space to scale: mappings and gaps.",
    "  After fork(), parent and child share pages until one writes them",
    "  (copy-on-write): Shared turns into Private. A ? marks a guess from a pattern.",
    "  glibc malloc: small requests come from the brk heap (and thread arenas).",
    "  Requests from the mmap threshold up (128 KiB at start) that the heap has no",
    "  free block for get a mapping of their own, which free() unmaps; but such a",
    "  free() raises the threshold to that size (up to 32 MiB), so the next malloc",
    "  of that size comes from the heap.",
    "  free() keeps heap memory for reuse, except at the top: when more than the trim",
    "  threshold (128 KiB, then twice the mmap threshold) is free there, glibc gives",
    "  it back with brk and [heap] shrinks. A line that saws up and down is big",
    "  allocations coming and going.",
    "  A launched program's last address space is read just before the kernel tears",
    "  it down, so its final state stays on screen after it exits.",
    "  faults N +M: page faults (a page's first touch; major: read from disk), in all",
    "  and since the last sample. A crash's banner says where its address lies (Map)",
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
