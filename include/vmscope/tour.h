/* tour: what the guided tour's workload (vmscope-tour, src/tour/) last
 * said about itself, as the pid source read it from its announcement
 * pipe and the view shows it; and the bytes the view sends back. */
#ifndef VMSCOPE_TOUR_H
#define VMSCOPE_TOUR_H

#include <stdbool.h>
#include <stdint.h>

#define TOUR_MAX_PHASES 16

struct tour_word {
    int phase, count;   /* the phase running (1-based) of count; 0: none yet */
    uint64_t at;        /* the address its sentence speaks of, or 0 */
    char show;          /* the screen that shows it: 'r' Regions, 'd' Detail,
                         * 'p' Detail's page grid at one page per cell */
    bool full;          /* it speaks of smaps fields: every sample reads them all */
    char state;         /* 'r' running, 'h' held, 's' waiting for n (--step) */
    unsigned restarts;  /* how often the tour started again */
    uint64_t serial;    /* grows with each phase line: a new sentence to act on */
    int n_titles;
    char titles[TOUR_MAX_PHASES][64];
};

/* Parses one announcement line into w; returns the sentence it carried
 * (inside line) or NULL. */
const char *tour_parse_line(struct tour_word *w, char *line);

/* Control bytes for the workload. */
#define TOUR_HOLD 'h'
#define TOUR_GO 'g'
#define TOUR_NEXT 'n'
#define TOUR_PREVIOUS 'p'
#define TOUR_JUMP 'j' /* followed by '0' + the phase's 0-based index */

#endif
