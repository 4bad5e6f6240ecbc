/* Snapshot -> SVG: a picture for a browser. A header (process, time,
 * totals), the class legend with per-class totals, for a recording the RSS
 * over time stacked by class, and the map as the Map screen draws it
 * (map_layout.h): one bar per region in address order, coloured by class,
 * dark for the resident part and pale for the rest, with a <title> tooltip
 * each. Every string from the target goes through sanitize_xml(). */
#include "vmscope/buf.h"
#include "vmscope/export.h"
#include "vmscope/map_layout.h"
#include "vmscope/rss_history.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SVG_WIDTH 1200
#define PAD 16
#define BAR_X 160
#define BAR_W 360
#define LABEL_X (BAR_X + BAR_W + 10)
#define ROW_H_MAX 14   /* px per map row when the map is small */
#define MAP_BUDGET 16000 /* px of map above which rows shrink (to 1 px at least) */
#define LABEL_MIN_H 11 /* px a text label needs: thin regions share the room */
#define GAP_ROW_H 12   /* gap rows keep room for their label ... */
#define GAP_ROWS_TALL 256 /* ... while there are this few of them */
#define LABEL_NAME_CHARS 64
#define TITLE_NAME_CHARS 512
#define CMD_CHARS 80 /* what fits the title line at 18 px */
#define TABLE_TOP 76
#define CHART_H 240

/* The class's colour from the one table the TUI uses too (region.h), as
 * hex that reads on white paper ("white" is grey there). */
const char *svg_class_colour(enum region_class c)
{
    return (unsigned)c < RC_COUNT ? region_class_styles[c].rgb : "#000000";
}

static void put_untrusted(FILE *fp, struct buf *tmp, const char *s, size_t len, size_t max_chars)
{
    buf_reset(tmp);
    sanitize_xml(tmp, s, len, max_chars);
    fwrite(tmp->data ? tmp->data : "", 1, tmp->len, fp);
}

static void put_header(FILE *fp, const struct snapshot *s, struct buf *tmp)
{
    const struct proc_identity *p = &s->proc;
    struct buf cmd;
    buf_init(&cmd);
    for (size_t i = 0; i < p->argc; i++) { /* sanitised as a whole below */
        if (i)
            buf_putc(&cmd, ' ');
        buf_puts(&cmd, p->argv[i]);
    }
    if (!p->argc && p->comm)
        buf_puts(&cmd, p->comm);
    fprintf(fp, "<text x=\"%d\" y=\"28\" font-size=\"18\" font-weight=\"bold\">vmscope: pid %d ",
            PAD, (int)p->pid);
    put_untrusted(fp, tmp, cmd.data ? cmd.data : "", cmd.len, CMD_CHARS);
    fputs("</text>\n", fp);
    buf_free(&cmd);

    char when[40], vsz[16], rss[16], pss[16], swap[16];
    format_time(s->realtime_ns, when, sizeof when);
    format_size(vsz, sizeof vsz, s->totals.vsz);
    format_size(rss, sizeof rss, s->totals.rss);
    format_size(pss, sizeof pss, s->totals.pss);
    format_size(swap, sizeof swap, s->totals.swap);
    fprintf(fp, "<text x=\"%d\" y=\"50\" font-size=\"13\">%s \u00b7 kernel ", PAD, when);
    const char *kernel = s->system.kernel;
    put_untrusted(fp, tmp, kernel, strnlen(kernel, sizeof s->system.kernel), 64);
    fprintf(fp, " \u00b7 %zu regions \u00b7 VSZ %s \u00b7 RSS %s", s->n_regions, vsz, rss);
    if (s->has_pss)
        fprintf(fp, " \u00b7 PSS %s", pss);
    fprintf(fp, " \u00b7 swap %s</text>\n", swap);
}

/* The legend is the per-class table: swatch, name, regions and sizes. */
static void put_class_table(FILE *fp, const struct snapshot *s)
{
    static const char *const heads[] = {"regions", "VSZ", "RSS", "PSS", "swap"};
    fprintf(fp, "<g class=\"legend\" font-size=\"12\">\n<text x=\"%d\" y=\"%d\" "
                "font-weight=\"bold\">class</text>",
            PAD + 18, TABLE_TOP);
    for (size_t k = 0; k < ARRAY_LEN(heads); k++)
        fprintf(fp, "<text x=\"%zu\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">%s</text>",
                170 + 80 * k, TABLE_TOP, heads[k]);
    fputc('\n', fp);
    for (int c = 0; c <= RC_COUNT; c++) {
        const struct class_totals *t = c < RC_COUNT ? &s->by_class[c] : &s->totals;
        int y = TABLE_TOP + 16 * (c + 1);
        if (c < RC_COUNT)
            fprintf(fp, "<rect class=\"swatch\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                        "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
                    PAD, y - 10, region_class_styles[c].rgb, PAD + 18, y,
                    region_class_name((enum region_class)c));
        else
            fprintf(fp, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">total</text>", PAD + 18, y);
        const uint64_t v[] = {t->vsz, t->rss, t->pss, t->swap};
        fprintf(fp, "<text x=\"170\" y=\"%d\" text-anchor=\"end\">%zu</text>", y, t->regions);
        for (size_t k = 0; k < ARRAY_LEN(v); k++) {
            char sz[16];
            format_size(sz, sizeof sz, v[k]);
            fprintf(fp, "<text x=\"%zu\" y=\"%d\" text-anchor=\"end\">%s</text>", 250 + 80 * k, y,
                    k == 2 && !s->has_pss ? "-" : sz);
        }
        fputc('\n', fp);
    }
    static const char *const help[] = {
        "Map: regions in address order, low addresses at the top; larger regions get more",
        "rows (a log scale), and unmapped gaps of 1 MiB or more shrink to one dashed row.",
        "Each bar is coloured by class: the dark part is resident (RSS), the pale part is not.",
        "Hover over a region for its range, size, permissions, class, RSS and name.",
    };
    for (size_t k = 0; k < ARRAY_LEN(help); k++)
        fprintf(fp, "<text x=\"600\" y=\"%zu\" fill=\"#555\">%s</text>\n", TABLE_TOP + 16 * (k + 1),
                help[k]);
    fputs("</g>\n", fp);
}

/* 1, 2 or 5 times a power of ten, at least raw. */
static double nice_step(double raw)
{
    if (!(raw > 0))
        return 1;
    double p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void put_chart(FILE *fp, const struct rss_history *h, const struct snapshot *shown, int top)
{
    const double x0 = 90, x1 = SVG_WIDTH - PAD - 14, y0 = top + 20, y1 = top + 20 + CHART_H;
    const struct rss_point *pt = h->points;
    size_t n = h->count;
    uint64_t t0 = n ? pt[0].monotonic_ns : 0, tn = n ? pt[n - 1].monotonic_ns : 0;
    double dur = tn > t0 ? (double)(tn - t0) / 1e9 : 0;
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        max = pt[i].rss > max ? pt[i].rss : max;

    fprintf(fp, "<g class=\"chart\" font-size=\"12\">\n<text x=\"%d\" y=\"%d\" font-size=\"14\" "
                "font-weight=\"bold\">RSS over time by class</text>",
            PAD, top + 6);
    fprintf(fp, "<text x=\"%.0f\" y=\"%d\" fill=\"#555\">%lu samples", x0 + 190, top + 6,
            h->samples);
    if (h->per_point > 1)
        fprintf(fp, ", each point the largest of %zu", h->per_point);
    fputs("</text>\n", fp);

    /* y axis: binary units, 1-2-5 steps, about five of them. */
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (u < 3 && (double)max >= 1024.0 * pow(1024, u + 1))
        u++;
    double unit = pow(1024, u + 1), step = nice_step((double)max / unit / 5);
    double ytop = max ? ceil((double)max / unit / step) * step : step;
    for (double v = 0; v <= ytop + step / 2; v += step) {
        double y = y1 - v / ytop * (y1 - y0);
        fprintf(fp, "<path d=\"M%.0f %.1fH%.0f\" stroke=\"#ddd\"/><text x=\"%.0f\" y=\"%.1f\" "
                    "text-anchor=\"end\">%g %s</text>\n",
                x0, y, x1, x0 - 6, y + 4, v, units[u]);
    }
    /* x axis: seconds since the first sample. */
    double span = dur > 0 ? dur : 1, tstep = nice_step(span / 8);
    for (double t = 0; t <= span + tstep / 1000; t += tstep) {
        double x = x0 + t / span * (x1 - x0);
        fprintf(fp, "<path d=\"M%.1f %.0fv5\" stroke=\"#333\"/><text x=\"%.1f\" y=\"%.0f\" "
                    "text-anchor=\"middle\">%g s</text>\n",
                x, y1, x, y1 + 18, t);
    }
    fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#555\">time since the "
                "first sample</text>\n",
            (x0 + x1) / 2, y1 + 34);

    /* One stacked area per class: along its top edge, back along the one below. */
    for (int c = 0; c < RC_COUNT && n; c++) {
        uint64_t peak = 0;
        for (size_t i = 0; i < n; i++)
            peak = pt[i].class_rss[c] > peak ? pt[i].class_rss[c] : peak;
        if (!peak)
            continue;
        fprintf(fp, "<path class=\"area %s\" fill=\"%s\" d=\"",
                region_class_name((enum region_class)c), region_class_styles[c].rgb);
        for (int edge = 0; edge < 2; edge++) {
            /* One sample alone spans the whole width. */
            size_t steps = n == 1 ? 2 : n;
            for (size_t j = 0; j < steps; j++) {
                size_t i = edge ? steps - 1 - j : j, k = n == 1 ? 0 : i;
                uint64_t acc = 0;
                for (int d = 0; d < c + (edge ? 0 : 1); d++)
                    acc += pt[k].class_rss[d];
                double x = n == 1 ? (i ? x1 : x0)
                                  : x0 + (double)(pt[k].monotonic_ns - t0) / 1e9 / span * (x1 - x0);
                fprintf(fp, "%c%.1f %.1f", edge == 0 && j == 0 ? 'M' : 'L', x,
                        y1 - (double)acc / unit / ytop * (y1 - y0));
            }
        }
        char sz[16], last[16];
        format_size(sz, sizeof sz, peak);
        format_size(last, sizeof last, pt[n - 1].class_rss[c]);
        fprintf(fp, "Z\"><title>%s: peak %s, last %s</title></path>\n",
                region_class_name((enum region_class)c), sz, last);
    }
    if (shown && n && shown->monotonic_ns >= t0 && shown->monotonic_ns <= tn && dur > 0) {
        double x = x0 + (double)(shown->monotonic_ns - t0) / 1e9 / span * (x1 - x0);
        bool right = x > (x0 + x1) / 2; /* the label stays inside the plot */
        fprintf(fp, "<path class=\"shown\" d=\"M%.1f %.0fV%.0f\" stroke=\"#000\" "
                    "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">"
                    "the map below</text>\n",
                x, y0, y1, right ? x - 4 : x + 4, y0 + 14, right ? "end" : "start");
    }
    fprintf(fp, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                "stroke=\"#333\"/>\n</g>\n",
            x0, y0, x1 - x0, y1 - y0);
}

static void put_region(FILE *fp, const struct region *r, int y, int height, bool label,
                       struct buf *tmp)
{
    int bar_h = height >= 4 ? height - 1 : height; /* a white line between neighbours */
    const struct vma *v = r->vma;
    uint64_t size = vma_size(v), rss = v->field[SMAPS_RSS];
    char sz[16], rs[16], sub[48];
    format_size(sz, sizeof sz, size);
    format_size(rs, sizeof rs, rss);
    if (r->tid)
        snprintf(sub, sizeof sub, "%s:%d", region_subclass_name(r->subclass), (int)r->tid);
    else
        snprintf(sub, sizeof sub, "%s", region_subclass_name(r->subclass));
    const char *cls = region_class_name(r->cls), *heur = r->flags & REGION_HEURISTIC ? "?" : "";
    fprintf(fp, "<g class=\"%s\" fill=\"%s\"><title>%llx-%llx %s %s %s/%s%s RSS %s", cls,
            svg_class_colour(r->cls), (unsigned long long)v->start, (unsigned long long)v->end, sz,
            v->perms, cls, sub, heur, rs);
    if (vma_has(v, SMAPS_SWAP) && v->field[SMAPS_SWAP]) {
        format_size(rs, sizeof rs, v->field[SMAPS_SWAP]);
        fprintf(fp, " swap %s", rs);
    }
    if (v->name_len || r->object)
        fputc(' ', fp);
    put_untrusted(fp, tmp, v->name, v->name_len, TITLE_NAME_CHARS);
    if (vma_shows_deleted(v))
        fputs(" (deleted)", fp);
    if (!v->name_len && r->object) { /* e.g. the bss tail of an image */
        fputc('(', fp);
        put_untrusted(fp, tmp, r->object, strlen(r->object), TITLE_NAME_CHARS);
        fputc(')', fp);
    }
    fputs("</title>", fp);
    /* The resident part dark, the rest pale: one rect each, only where there is one. */
    double w = 0;
    if (rss && size) {
        w = (double)BAR_W * (double)(rss < size ? rss : size) / (double)size;
        w = w < 1 ? 1 : w;
        fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%.4g\" height=\"%d\"/>", BAR_X, y, w, bar_h);
    }
    if (w < BAR_W)
        fprintf(fp, "<rect x=\"%.4g\" y=\"%d\" width=\"%.4g\" height=\"%d\" fill-opacity=\".3\"/>",
                BAR_X + w, y, BAR_W - w, bar_h);
    if (label) {
        int room = height < LABEL_MIN_H ? LABEL_MIN_H : height < ROW_H_MAX ? height : ROW_H_MAX;
        int base = y + room - 3;
        format_size(rs, sizeof rs, rss);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%016llx</text><text x=\"%d\" y=\"%d\" "
                    "fill=\"#333\" xml:space=\"preserve\">%6s %6s %s %s/%s%s <tspan fill=\"%s\">",
                PAD, base, (unsigned long long)v->start, LABEL_X, base, sz, rs, v->perms, cls, sub,
                heur, svg_class_colour(r->cls));
        put_untrusted(fp, tmp, v->name, v->name_len, LABEL_NAME_CHARS);
        fputs("</tspan></text>", fp);
    }
    fputs("</g>\n", fp);
}

static void put_gap(FILE *fp, uint64_t start, uint64_t end, int y, int height, bool label)
{
    char sz[16];
    format_size(sz, sizeof sz, end - start);
    fprintf(fp, "<g class=\"gap\"><title>%llx-%llx %s unmapped</title><rect x=\"%d\" y=\"%d\" "
                "width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"M%d %.1fh%d\" stroke=\"#999\" "
                "stroke-dasharray=\"3 3\"/>",
            (unsigned long long)start, (unsigned long long)end, sz, BAR_X, y, BAR_W, height, BAR_X,
            y + height / 2.0, BAR_W);
    if (label)
        fprintf(fp, "<text x=\"%d\" y=\"%d\" fill=\"#888\">~~~ %s unmapped ~~~</text>", LABEL_X,
                y + (height < LABEL_MIN_H ? LABEL_MIN_H : height) - 3, sz);
    fputs("</g>\n", fp);
}

/* The map's rows from y down; returns the y below the last. With fp NULL
 * it only measures (the height goes in the <svg> element, first). A row
 * is labelled when the last label left room for its text: every row
 * while rows are tall, one every few among thin ones. Gap rows tall
 * enough for a label always get one, moved down past the last label if
 * need be. */
static int put_map(FILE *fp, const struct snapshot *s, const struct map_row *rows, size_t n, int y,
                   int h, int gap_h, struct buf *tmp)
{
    int free_y = y;
    for (size_t k = 0; k < n; k++) {
        const struct map_row *mr = &rows[k];
        if (mr->region < 0) {
            bool label = gap_h >= LABEL_MIN_H || y >= free_y;
            y = gap_h >= LABEL_MIN_H && y < free_y ? free_y : y;
            const struct vma *next = s->regions[rows[k + 1].region].vma; /* a gap is between two */
            if (fp)
                put_gap(fp, next->start - mr->gap, next->start, y, gap_h, label);
            free_y = label ? y + (gap_h < LABEL_MIN_H ? LABEL_MIN_H : gap_h) : free_y;
            y += gap_h;
            continue;
        }
        const struct region *r = &s->regions[mr->region];
        if (mr->first) {
            bool label = y >= free_y;
            if (fp)
                put_region(fp, r, y, h * map_region_rows(vma_size(r->vma)), label, tmp);
            free_y = label ? y + LABEL_MIN_H : free_y;
        }
        y += h;
    }
    return y > free_y ? y : free_y;
}

int export_svg(const struct snapshot *s, const struct svg_options *opt, unsigned flags, FILE *fp)
{
    struct map_row *rows;
    size_t n = map_layout_rows(s, &rows), gaps = 0;
    for (size_t k = 0; k < n; k++)
        gaps += rows[k].region < 0;
    /* Rows shrink so that a map of 20,000 regions stays a scrollable page. */
    int h = n ? MAP_BUDGET / (int)(n < MAP_BUDGET ? n : MAP_BUDGET) : ROW_H_MAX;
    h = h > ROW_H_MAX ? ROW_H_MAX : h;
    int gap_h = gaps <= GAP_ROWS_TALL && h < GAP_ROW_H ? GAP_ROW_H : h;
    const struct rss_history *hist = opt ? opt->history : NULL;
    int chart_top = TABLE_TOP + 16 * (RC_COUNT + 1) + 40;
    int map_top = hist ? chart_top + CHART_H + 80 : chart_top;
    long height = put_map(NULL, s, rows, n, map_top + 12, h, gap_h, NULL) + PAD;

    struct buf tmp;
    buf_init(&tmp);
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%ld\" "
                "viewBox=\"0 0 %d %ld\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
                "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            SVG_WIDTH, height, SVG_WIDTH, height);
    put_header(fp, s, &tmp);
    put_class_table(fp, s);
    if (hist)
        put_chart(fp, hist, s, chart_top);

    fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">Address space",
            PAD, map_top);
    if (opt && opt->sample >= 0)
        fprintf(fp, " (sample %ld)", opt->sample);
    fputs("</text>\n<g class=\"map\" font-family=\"DejaVu Sans Mono, monospace\" "
          "font-size=\"10\">\n",
          fp);
    put_map(fp, s, rows, n, map_top + 12, h, gap_h, &tmp);
    fputs("</g>\n</svg>\n", fp);
    buf_free(&tmp);
    free(rows);
    (void)flags; /* every target string is escaped already, terminal or not */
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
}
