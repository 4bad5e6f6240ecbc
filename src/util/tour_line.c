/* The tour workload's announcement lines (format in src/tour/vmscope-tour.c). */
#include "vmscope/tour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next tab-separated field of *rest, or "" at the end. */
static char *field(char **rest)
{
    char *f = *rest, *tab = strchr(f, '\t');
    if (tab) {
        *tab = '\0';
        *rest = tab + 1;
    } else {
        *rest = f + strlen(f);
    }
    return f;
}

const char *tour_parse_line(struct tour_word *w, char *line)
{
    char *rest = line;
    const char *kind = field(&rest);
    if (!strcmp(kind, "phase")) {
        int phase = atoi(field(&rest)), count = atoi(field(&rest));
        if (phase < 1 || count < phase || count > TOUR_MAX_PHASES)
            return NULL;
        w->phase = phase;
        w->count = count;
        w->at = strtoull(field(&rest), NULL, 16);
        const char *show = field(&rest);
        w->show = !strcmp(show, "pages") ? 'p' : !strcmp(show, "detail") ? 'd' : 'r';
        w->full = !strcmp(field(&rest), "full");
        w->serial++;
        return rest;
    }
    if (!strcmp(kind, "title")) {
        int i = atoi(field(&rest));
        if (i >= 1 && i <= TOUR_MAX_PHASES) {
            snprintf(w->titles[i - 1], sizeof w->titles[i - 1], "%s", rest);
            if (w->n_titles < i)
                w->n_titles = i;
        }
        return NULL;
    }
    if (!strcmp(kind, "state")) {
        const char *s = field(&rest);
        w->state = !strcmp(s, "held") ? 'h' : !strcmp(s, "step") ? 's' : 'r';
        return NULL;
    }
    if (!strcmp(kind, "restart")) {
        w->restarts++;
        return "The tour starts again, in a fresh process image (exec): new addresses (ASLR), "
               "an empty heap.";
    }
    return line[0] ? line : NULL; /* a plain sentence */
}
