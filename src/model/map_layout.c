/* Map layout arithmetic (see map_layout.h). */
#include "vmscope/map_layout.h"
#include "vmscope/summary.h"
#include "vmscope/util.h"

size_t map_strip_cell(uint64_t addr, uint64_t lo, uint64_t hi, int width)
{
    if (addr <= lo || hi <= lo || width <= 0)
        return 0;
    unsigned __int128 c = (unsigned __int128)(addr - lo) * (unsigned)width / (hi - lo);
    return c >= (unsigned)width ? (size_t)width - 1 : (size_t)c;
}

int map_region_rows(uint64_t size)
{
    int rows = 1;
    for (uint64_t s = size >> 16; s && rows < MAP_REGION_ROWS_MAX; s >>= 4)
        rows++;
    return rows;
}

size_t map_layout_rows(const struct snapshot *s, struct map_row **out)
{
    size_t n = 0, cap = 0;
    struct map_row *rows = NULL;
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct vma *m = s->regions[i].vma;
        uint64_t prev_end = i > 0 ? s->regions[i - 1].vma->end : 0;
        if (i > 0 && m->start - prev_end >= MAP_GAP_SHOWN) {
            uint64_t above = prev_end > SUMMARY_TASK_SIZE ? prev_end : SUMMARY_TASK_SIZE;
            xgrow((void **)&rows, &cap, n + 1, sizeof *rows);
            rows[n++] = (struct map_row){-1, m->start - prev_end, false,
                                         m->start > above ? m->start - above : 0};
        }
        int k = map_region_rows(vma_size(m));
        xgrow((void **)&rows, &cap, n + (size_t)k, sizeof *rows);
        for (int j = 0; j < k; j++)
            rows[n++] = (struct map_row){(long)i, 0, j == 0, 0};
    }
    *out = rows;
    return n;
}
