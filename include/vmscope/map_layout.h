/* map_layout: the pure arithmetic of the Map picture, shared by the TUI's
 * Map screen and the SVG writer. Regions in address order, each given
 * rows by the log of its size (so a 4 KiB guard page and a 1 GiB heap are
 * both visible), and every unmapped gap of MAP_GAP_SHOWN or more collapsed
 * into one row of its own that says how large it is. */
#ifndef VMSCOPE_MAP_LAYOUT_H
#define VMSCOPE_MAP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/snapshot.h"

#define MAP_GAP_SHOWN (UINT64_C(1) << 20) /* gaps from 1 MiB up get a row */
#define MAP_REGION_ROWS_MAX 6

struct map_row {
    long region;  /* index into the snapshot's regions, or -1 for a gap row */
    uint64_t gap; /* a gap row: the unmapped bytes it stands for */
    bool first;   /* the region's first row (the one that carries its text) */
    uint64_t hole; /* a gap row: the part of gap above the user address space
                    * (SUMMARY_TASK_SIZE): the non-canonical hole and the
                    * kernel's half, not free for the process */
};

/* The Map's to-scale strip of the user address space [lo, hi) in width
 * cells: the cell addr falls in. */
#define MAP_STRIP_LEFT "space |"
size_t map_strip_cell(uint64_t addr, uint64_t lo, uint64_t hi, int width);

/* Rows for a region of size bytes: 1 up to 64 KiB, then one more per
 * factor of 16, at most MAP_REGION_ROWS_MAX. */
int map_region_rows(uint64_t size);
/* The rows of the whole map, top (low addresses) to bottom; *out is
 * allocated (free() it). Returns the number of rows. */
size_t map_layout_rows(const struct snapshot *s, struct map_row **out);

#endif
