/* SVG export tests: the output is well-formed XML (parsed strictly with
 * libxml2), one <g> per region in address order with its class's colour,
 * hostile names and command lines come out escaped, a recording gets its
 * RSS chart in bounded memory, and headless Chromium really draws it (a
 * screenshot decoded here, and the DOM it built). */
#include "testlib.h"

#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vmscope/capture.h"
#include "vmscope/export.h"
#include "vmscope/recording.h"
#include "vmscope/rss_history.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

static char tmp_dir[] = "/tmp/vmscope-svg-XXXXXX";
static char hostile_dir[] = "/tmp/vmscope-svg-hostile-XXXXXX";

static char *svg_of(const struct snapshot *s, const struct svg_options *opt, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&data, &n);
    ck_assert_int_eq(export_svg(s, opt, 0, fp), 0);
    fclose(fp);
    if (len)
        *len = n;
    return data;
}

/* Strict: no recovery, no network; a document that is not well-formed fails. */
static xmlDocPtr parse_xml(const char *text, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "vmscope.svg", NULL, XML_PARSE_NONET);
    const xmlError *e = xmlGetLastError();
    ck_assert_msg(doc != NULL, "not well-formed XML: line %d: %s", e ? e->line : 0,
                  e && e->message ? e->message : "?");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert_str_eq((const char *)root->name, "svg");
    ck_assert_str_eq((const char *)root->ns->href, "http://www.w3.org/2000/svg");
    return doc;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = xstrdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

static bool is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Elements named `name` whose class attribute starts with `cls` (or any
 * class name of a region when cls is NULL), in document order. */
static size_t collect(xmlNodePtr n, const char *name, const char *cls, xmlNodePtr *out, size_t max,
                      size_t count)
{
    for (; n; n = n->next) {
        if (is_element(n, name)) {
            char *c = attr(n, "class");
            bool match = cls ? strncmp(c, cls, strlen(cls)) == 0 : region_class_from_name(c) >= 0;
            if (match && count < max)
                out[count] = n;
            count += match;
            free(c);
        }
        count = collect(n->children, name, cls, out, max, count);
    }
    return count;
}

static char *child_text(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (is_element(c, name)) {
            xmlChar *v = xmlNodeGetContent(c);
            char *s = xstrdup((const char *)v);
            xmlFree(v);
            return s;
        }
    return NULL;
}

/* What a region group must be: its class, its colour, and a tooltip that
 * starts with its range. */
static void assert_region_group(xmlNodePtr g, const struct region *r)
{
    char *cls = attr(g, "class"), *fill = attr(g, "fill"), *title = child_text(g, "title");
    char range[64];
    snprintf(range, sizeof range, "%llx-%llx ", (unsigned long long)r->vma->start,
             (unsigned long long)r->vma->end);
    ck_assert_str_eq(cls, region_class_name(r->cls));
    ck_assert_str_eq(fill, svg_class_colour(r->cls));
    ck_assert_ptr_nonnull(title);
    ck_assert_msg(strncmp(title, range, strlen(range)) == 0, "tooltip '%s' for %s", title, range);
    free(cls);
    free(fill);
    free(title);
}

/* Nothing XML 1.0 forbids, nothing a terminal acts on, valid UTF-8. */
static void assert_clean_bytes(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        ck_assert_msg(c >= 0x20 ? c != 0x7f : c == '\n', "raw byte 0x%02x at %zu", c, i);
    }
    ck_assert(utf8_valid(text, len));
    ck_assert_ptr_null(strstr(text, "\xc2\x9b"));     /* C1 CSI */
    ck_assert_ptr_null(strstr(text, "\xe2\x80\xae")); /* RTL override */
    ck_assert_ptr_null(strstr(text, "\xef\xbf\xbe")); /* U+FFFE, not XML */
}

START_TEST(t_svg_one_group_per_region)
{
    struct helper h;
    helper_start(&h, (const char *[]){"memfd", "svg-test", "3", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    size_t len;
    char *text = svg_of(s, NULL, &len);
    xmlDocPtr doc = parse_xml(text, len);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr *groups = xcalloc(s->n_regions + 1, sizeof *groups);
    size_t n = collect(root, "g", NULL, groups, s->n_regions + 1, 0);
    ck_assert_uint_eq(n, s->n_regions);
    bool seen_memfd = false;
    for (size_t i = 0; i < n; i++) {
        const struct region *r = &s->regions[i];
        assert_region_group(groups[i], r);
        if (strcmp(r->vma->name, "/memfd:svg-test") == 0) {
            seen_memfd = true;
            char *title = child_text(groups[i], "title");
            ck_assert_ptr_nonnull(strstr(title, " mmap/shm "));
            /* a memfd is never in a directory: no "(deleted)" noise */
            ck_assert_ptr_nonnull(strstr(title, "/memfd:svg-test"));
            ck_assert_ptr_null(strstr(title, "(deleted)"));
            free(title);
            /* All three pages resident: one dark rect across the whole bar. */
            xmlNodePtr rect = groups[i]->children;
            while (rect && !is_element(rect, "rect"))
                rect = rect->next;
            ck_assert_ptr_nonnull(rect);
            char *w = attr(rect, "width"), *op = attr(rect, "fill-opacity");
            ck_assert_str_eq(w, "360");
            ck_assert_str_eq(op, "");
            free(w);
            free(op);
        }
    }
    ck_assert(seen_memfd);
    /* The legend: seven swatches in class order, the same colours. */
    xmlNodePtr swatches[RC_COUNT + 1];
    ck_assert_uint_eq(collect(root, "rect", "swatch", swatches, RC_COUNT + 1, 0), RC_COUNT);
    for (int c = 0; c < RC_COUNT; c++) {
        char *fill = attr(swatches[c], "fill");
        ck_assert_str_eq(fill, svg_class_colour((enum region_class)c));
        free(fill);
    }
    /* A snapshot alone has no chart. */
    xmlNodePtr chart;
    ck_assert_uint_eq(collect(root, "g", "chart", &chart, 1, 0), 0);
    free(groups);
    xmlFreeDoc(doc);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* A snapshot built here, so every name is exactly the hostile one asked for. */
static const struct {
    const char *name;
    size_t len;
} evil[] = {
    {"<script>alert(1)</script>", 25},
    {"]]><![CDATA[x", 13},
    {"\033]0;PWNED-TITLE\007", 16},
    {"\033]52;c;cHduZWQ=\007", 16},
    {"\033[6n\033[2J", 8},
    {"bad\xff\xfeutf8", 9},
    {"c1 \xc2\x9b" "31m", 8},
    {"amp & quot \" apos ' lt < gt >", 29},
    {"nul\0inside", 10},
    {"nonchar \xef\xbf\xbe", 11},
    {"rtl\xe2\x80\xae" "gnp.exe", 13},
};

static struct snapshot *evil_snapshot(void)
{
    size_t n = ARRAY_LEN(evil);
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->vmas = xcalloc(n, sizeof *s->vmas);
    s->regions = xcalloc(n, sizeof *s->regions);
    s->n_regions = n;
    for (size_t i = 0; i < n; i++) {
        struct vma *v = &s->vmas[i];
        v->start = 0x400000 + i * 0x100000;
        v->end = v->start + 0x4000 * (i + 1);
        strcpy(v->perms, "rw-p");
        v->name = xmemdup0(evil[i].name, evil[i].len);
        v->name_len = evil[i].len;
        v->field[SMAPS_RSS] = 0x1000 * i;
        s->regions[i] = (struct region){.vma = v, .cls = (enum region_class)(i % RC_COUNT),
                                        .subclass = RS_ANON};
    }
    s->proc.pid = 4242;
    s->proc.comm = xstrdup("evil");
    s->proc.argv = xcalloc(3, sizeof *s->proc.argv);
    s->proc.argv[0] = xstrdup("evil<svg onload=alert(1)>");
    s->proc.argv[1] = xstrdup("\033[2J&");
    s->proc.argc = 2;
    snapshot_compute_totals(s);
    return s;
}

START_TEST(t_svg_hostile_names_escaped)
{
    struct snapshot *s = evil_snapshot();
    size_t len;
    char *text = svg_of(s, NULL, &len);
    assert_clean_bytes(text, len);
    ck_assert_ptr_null(strstr(text, "<script"));
    ck_assert_ptr_null(strstr(text, "]]>"));
    ck_assert_ptr_null(strstr(text, "<svg onload"));
    ck_assert_ptr_nonnull(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    xmlDocPtr doc = parse_xml(text, len);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr groups[ARRAY_LEN(evil) + 1];
    ck_assert_uint_eq(collect(root, "g", NULL, groups, ARRAY_LEN(evil) + 1, 0), ARRAY_LEN(evil));
    struct buf want;
    buf_init(&want);
    for (size_t i = 0; i < ARRAY_LEN(evil); i++) {
        assert_region_group(groups[i], &s->regions[i]);
        /* Read back, the text is the display-safe name: escaped, not dropped. */
        buf_reset(&want);
        sanitize_display(&want, evil[i].name, evil[i].len);
        char *title = child_text(groups[i], "title");
        ck_assert_msg(strstr(title, want.data) != NULL, "'%s' not in tooltip '%s'", want.data,
                      title);
        free(title);
        xmlNodePtr tspan[2];
        ck_assert_uint_eq(collect(groups[i]->children, "tspan", "", tspan, 2, 0), 1);
        xmlChar *label = xmlNodeGetContent(tspan[0]);
        ck_assert_str_eq((const char *)label, want.data);
        xmlFree(label);
    }
    ck_assert_ptr_nonnull(strstr(text, "\\e]0;PWNED-TITLE\\x07"));
    ck_assert_ptr_nonnull(strstr(text, "bad\\xff\\xfeutf8"));
    ck_assert_ptr_nonnull(strstr(text, "nul\\x00inside"));
    ck_assert_ptr_nonnull(strstr(text, "evil&lt;svg onload=alert(1)&gt; \\e[2J&amp;"));
    buf_free(&want);
    xmlFreeDoc(doc);
    free(text);
    snapshot_free(s);

    /* The live hostile helper: its names straight from the kernel. */
    struct helper h;
    helper_start(&h, (const char *[]){"hostile", hostile_dir, NULL});
    s = test_capture(h.pid, false);
    text = svg_of(s, NULL, &len);
    assert_clean_bytes(text, len);
    ck_assert_ptr_nonnull(strstr(text, "/memfd:\\e]0;PWNED-TITLE\\x07"));
    ck_assert_ptr_nonnull(strstr(text, "new\\nline name.bin"));
    doc = parse_xml(text, len);
    xmlNodePtr *all = xcalloc(s->n_regions + 1, sizeof *all);
    ck_assert_uint_eq(collect(xmlDocGetRootElement(doc), "g", NULL, all, s->n_regions + 1, 0),
                      s->n_regions);
    free(all);
    xmlFreeDoc(doc);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

static struct snapshot *history_sample(uint64_t t_ns, uint64_t heap)
{
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->monotonic_ns = t_ns;
    s->by_class[RC_TEXT].rss = 1 << 20;
    s->by_class[RC_HEAP].rss = heap;
    return s;
}

START_TEST(t_rss_history_bounded_keeps_peaks)
{
    struct rss_history h;
    rss_history_init(&h, 2000);
    for (unsigned long i = 0; i < 10007; i++) {
        struct snapshot *s = history_sample(i * 100000000ull, i == 7777 ? 1ull << 30 : 4 << 20);
        rss_history_add(&h, s);
        free(s);
        ck_assert_uint_le(h.count, 2000);
    }
    ck_assert_uint_eq(h.samples, 10007);
    ck_assert_uint_eq(h.per_point, 8); /* 10007 samples / 2000 points, as a power of 2 */
    ck_assert_uint_eq(h.count, (10007 + 7) / 8);
    bool spike = false;
    for (size_t i = 0; i < h.count; i++) {
        const struct rss_point *p = &h.points[i];
        ck_assert(i == 0 || p->monotonic_ns > h.points[i - 1].monotonic_ns);
        ck_assert_uint_eq(p->rss, p->class_rss[RC_TEXT] + p->class_rss[RC_HEAP]);
        spike |= p->class_rss[RC_HEAP] == 1ull << 30 && p->monotonic_ns == 7777 * 100000000ull;
    }
    ck_assert_msg(spike, "the peak sample was merged away");
    ck_assert_uint_eq(h.points[0].monotonic_ns, 0); /* ties keep the first */
    rss_history_free(&h);
}
END_TEST

START_TEST(t_svg_recording_has_chart)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "64", "15", NULL});
    char rec[256], svg[256], out[300], pid[16];
    snprintf(rec, sizeof rec, "%s", test_path(tmp_dir, "grow.jsonl"));
    snprintf(svg, sizeof svg, "%s", test_path(tmp_dir, "grow.svg"));
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.1", "-d",
                                                  "0.8", "-o", rec, NULL}, -1, NULL, &err), 0);
    helper_stop(&h);
    long samples = 0;
    struct snapshot *last = NULL;
    bool cut;
    char *why = NULL;
    ck_assert_msg(recording_read(rec, -1, &last, &samples, &cut, &why) == 0, "%s", why);
    ck_assert_int_ge(samples, 4);
    /* Format from -o's extension; the map is the last sample. */
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", rec, "-o", svg, NULL}, -1,
                                 NULL, &err), 0);
    size_t len;
    char *text = test_read_file(svg, &len);
    assert_clean_bytes(text, len);
    xmlDocPtr doc = parse_xml(text, len);
    xmlNodePtr root = xmlDocGetRootElement(doc), chart, areas[RC_COUNT + 1];
    ck_assert_uint_eq(collect(root, "g", "chart", &chart, 1, 0), 1);
    size_t n_areas = collect(chart, "path", "area ", areas, RC_COUNT + 1, 0);
    ck_assert_uint_ge(n_areas, 2); /* text and mmap at least, stacked */
    for (size_t i = 0; i < n_areas; i++) {
        char *cls = attr(areas[i], "class"), *fill = attr(areas[i], "fill");
        char *d = attr(areas[i], "d");
        int c = region_class_from_name(cls + 5);
        ck_assert_int_ge(c, 0);
        ck_assert_str_eq(fill, svg_class_colour((enum region_class)c));
        ck_assert(d[0] == 'M' && d[strlen(d) - 1] == 'Z');
        free(cls);
        free(fill);
        free(d);
    }
    char want[64];
    snprintf(want, sizeof want, "%ld samples", samples);
    ck_assert_ptr_nonnull(strstr(text, want));
    snprintf(want, sizeof want, "Address space (sample %ld)", samples - 1);
    ck_assert_ptr_nonnull(strstr(text, want));
    ck_assert_ptr_nonnull(strstr(text, "iB</text>")); /* the y axis, in KiB, MiB or GiB */
    ck_assert_ptr_nonnull(strstr(text, " s</text>"));   /* the x axis, in seconds */
    xmlNodePtr *groups = xcalloc(last->n_regions + 1, sizeof *groups);
    ck_assert_uint_eq(collect(root, "g", NULL, groups, last->n_regions + 1, 0), last->n_regions);
    free(groups);
    xmlFreeDoc(doc);
    free(text);

    /* FILE@N picks the sample the map shows; the chart marks it. */
    snprintf(out, sizeof out, "%s@1", rec);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", out, "-f", "svg", "-o", svg,
                                                  NULL}, -1, NULL, &err), 0);
    text = test_read_file(svg, &len);
    ck_assert_ptr_nonnull(strstr(text, "Address space (sample 1)"));
    ck_assert_ptr_nonnull(strstr(text, "class=\"shown\""));
    free(text);

    /* The other formats of export: the last sample as JSON. */
    snprintf(out, sizeof out, "%s", test_path(tmp_dir, "last.json"));
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", rec, "-o", out, NULL}, -1,
                                 NULL, &err), 0);
    json_error_t jerr;
    json_t *j = json_load_file(out, 0, &jerr);
    ck_assert_msg(j != NULL, "%s", jerr.text);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "totals"), "rss")),
                     (json_int_t)last->totals.rss);
    json_decref(j);
    /* ... and a snapshot file as SVG. */
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", out, "-f", "svg", "-o", svg,
                                                  NULL}, -1, NULL, &err), 0);
    text = test_read_file(svg, &len);
    xmlFreeDoc(parse_xml(text, len));
    ck_assert_ptr_null(strstr(text, "class=\"chart\""));
    free(text);

    /* One-line errors: runtime 1, usage 2; a failed export leaves nothing. */
    snprintf(out, sizeof out, "%s", test_path(tmp_dir, "none.svg"));
    char bad[300];
    snprintf(bad, sizeof bad, "%s@99", rec);
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", bad, "-o", out, NULL}, -1,
                                 NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err.data, "has no sample 99"));
    ck_assert_ptr_eq(strchr(err.data, '\n'), err.data + err.len - 1);
    ck_assert_int_ne(access(out, F_OK), 0);
    buf_reset(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", rec, "-f", "png", NULL}, -1,
                                 NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err.data, "unknown format 'png'"));
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", NULL}, -1, NULL, NULL), 2);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "export", "/nonexistent.json", NULL},
                                 -1, NULL, NULL), 1);
    snapshot_free(last);
    buf_free(&err);
}
END_TEST

/* ---- rendering in headless Chromium ------------------------------------ */

static const char *find_chromium(void)
{
    static char path[4096];
    const char *env = getenv("PATH");
    char *dirs = xstrdup(env ? env : "/usr/bin:/bin");
    const char *found = NULL;
    for (char *save, *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof path, "%s/chromium", d);
        if (access(path, X_OK) == 0)
            found = path;
    }
    free(dirs);
    return found;
}

static int run_chromium(const char *chromium, const char *mode_arg, const char *svg,
                        struct buf *out)
{
    char url[4200], profile[300], err_path[300];
    snprintf(url, sizeof url, "file://%s", svg);
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium-profile", tmp_dir);
    snprintf(err_path, sizeof err_path, "%s/chromium.err", tmp_dir);
    struct buf err;
    buf_init(&err);
    /* Root needs --no-sandbox; the timeout keeps a hung browser from hanging the suite. */
    int rc = run_command((const char *[]){"/usr/bin/timeout", "60", chromium, "--headless",
                                          "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                          "--no-first-run", "--window-size=1200,900", profile,
                                          mode_arg, url, NULL}, -1, out, &err);
    if (rc != 0)
        fprintf(stderr, "chromium exited %d: %s\n", rc, err.data ? err.data : "");
    buf_free(&err);
    return rc;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG as Chromium writes it (8-bit RGB or RGBA, not interlaced) to RGB
 * pixels. Returns NULL if it is anything else. */
static unsigned char *png_decode(const unsigned char *d, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 8 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0)
        return NULL;
    struct buf idat;
    buf_init(&idat);
    unsigned depth = 0, type = 0, interlace = 1;
    for (size_t i = 8; i + 12 <= n;) {
        uint32_t len = be32(d + i);
        if (len > n - i - 12)
            break;
        const unsigned char *c = d + i + 8;
        if (memcmp(d + i + 4, "IHDR", 4) == 0 && len >= 13) {
            *w = be32(c), *h = be32(c + 4), depth = c[8], type = c[9], interlace = c[12];
        } else if (memcmp(d + i + 4, "IDAT", 4) == 0) {
            buf_append(&idat, c, len);
        }
        i += 12 + len;
    }
    if (depth != 8 || (type != 2 && type != 6) || interlace || !*w || !*h || *w > 8192 ||
        *h > 8192) {
        buf_free(&idat);
        return NULL;
    }
    size_t bpp = type == 6 ? 4 : 3, stride = *w * bpp;
    uLongf raw_len = (uLongf)((stride + 1) * *h);
    unsigned char *raw = xmalloc(raw_len), *rgb = xmalloc((size_t)*w * *h * 3);
    uLongf got = raw_len;
    int zrc = uncompress(raw, &got, (const Bytef *)idat.data, idat.len);
    buf_free(&idat);
    if (zrc != Z_OK || got != raw_len) {
        free(raw);
        free(rgb);
        return NULL;
    }
    for (size_t y = 0; y < *h; y++) {
        unsigned char *line = raw + y * (stride + 1) + 1, f = line[-1];
        const unsigned char *prev = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;
        for (size_t x = 0; x < stride; x++) { /* the five PNG filters */
            int a = x >= bpp ? line[x - bpp] : 0, b = prev ? prev[x] : 0,
                c = prev && x >= bpp ? prev[x - bpp] : 0, p = 0;
            if (f == 1)
                p = a;
            else if (f == 2)
                p = b;
            else if (f == 3)
                p = (a + b) / 2;
            else if (f == 4) {
                int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
                p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            }
            line[x] = (unsigned char)(line[x] + p);
        }
        for (size_t x = 0; x < *w; x++)
            memcpy(rgb + (y * *w + x) * 3, line + x * bpp, 3);
    }
    free(raw);
    return rgb;
}

static size_t count_colour(const unsigned char *rgb, size_t pixels, const char *hex)
{
    unsigned r, g, b;
    ck_assert_int_eq(sscanf(hex, "#%02x%02x%02x", &r, &g, &b), 3);
    size_t n = 0;
    for (size_t i = 0; i < pixels; i++)
        n += rgb[i * 3] == r && rgb[i * 3 + 1] == g && rgb[i * 3 + 2] == b;
    return n;
}

START_TEST(t_svg_renders_in_chromium)
{
    const char *chromium = find_chromium();
    if (!chromium) {
        fprintf(stderr, "check_svg: SKIP t_svg_renders_in_chromium: no chromium on PATH "
                        "(apt-get install chromium, or ./bootstrap.sh deps)\n");
        return;
    }
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "64", NULL});
    char svg[256], png[256], shot[300], pid[16];
    snprintf(svg, sizeof svg, "%s", test_path(tmp_dir, "live.svg"));
    snprintf(png, sizeof png, "%s", test_path(tmp_dir, "live.png"));
    snprintf(shot, sizeof shot, "--screenshot=%s", png);
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-f", "svg",
                                                  "-o", svg, NULL}, -1, NULL, NULL), 0);
    helper_stop(&h);
    size_t len;
    char *text = test_read_file(svg, &len);
    xmlDocPtr doc = parse_xml(text, len);
    size_t regions = collect(xmlDocGetRootElement(doc), "g", NULL, NULL, 0, 0);
    xmlFreeDoc(doc);
    free(text);
    ck_assert_uint_gt(regions, 5);

    /* The screenshot: the size asked for, the legend's seven colours, and
     * the map's bars (text is at the top of the map, low addresses). */
    ck_assert_int_eq(run_chromium(chromium, shot, svg, NULL), 0);
    char *file = test_read_file(png, &len);
    uint32_t w = 0, hgt = 0;
    unsigned char *rgb = png_decode((const unsigned char *)file, len, &w, &hgt);
    ck_assert_msg(rgb != NULL, "%s is not a PNG Chromium would write (%zu bytes)", png, len);
    ck_assert_uint_eq(w, 1200);
    ck_assert_uint_eq(hgt, 900);
    size_t pixels = (size_t)w * hgt;
    for (int c = 0; c < RC_COUNT; c++) {
        const char *hex = svg_class_colour((enum region_class)c);
        ck_assert_msg(count_colour(rgb, pixels, hex) >= 100, "%s (%s) not drawn", hex,
                      region_class_name((enum region_class)c));
    }
    ck_assert_uint_gt(count_colour(rgb, pixels, svg_class_colour(RC_TEXT)), 2000);
    ck_assert_uint_lt(count_colour(rgb, pixels, "#ffffff"), pixels * 95 / 100);
    free(rgb);
    free(file);

    /* The DOM Chromium built: the same region groups, and no parser error
     * page (which is what a document that is not well-formed becomes). */
    struct buf dom;
    buf_init(&dom);
    ck_assert_int_eq(run_chromium(chromium, "--dump-dom", svg, &dom), 0);
    ck_assert_ptr_nonnull(dom.data);
    ck_assert_ptr_null(strstr(dom.data, "parsererror"));
    size_t in_dom = 0;
    for (int c = 0; c < RC_COUNT; c++) {
        char needle[64];
        snprintf(needle, sizeof needle, "<g class=\"%s\" fill=\"%s\">",
                 region_class_name((enum region_class)c), svg_class_colour((enum region_class)c));
        for (const char *p = dom.data; (p = strstr(p, needle)); p++)
            in_dom++;
    }
    ck_assert_uint_eq(in_dom, regions);

    /* Hostile names in the browser: still one document, and no script element. */
    struct snapshot *s = evil_snapshot();
    snprintf(svg, sizeof svg, "%s", test_path(tmp_dir, "evil.svg"));
    FILE *fp = fopen(svg, "w");
    ck_assert_int_eq(export_svg(s, NULL, 0, fp), 0);
    fclose(fp);
    buf_reset(&dom);
    ck_assert_int_eq(run_chromium(chromium, "--dump-dom", svg, &dom), 0);
    ck_assert_ptr_null(strstr(dom.data, "parsererror"));
    ck_assert_ptr_null(strstr(dom.data, "<script"));
    ck_assert_ptr_nonnull(strstr(dom.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    snapshot_free(s);
    buf_free(&dom);
}
END_TEST

int main(void)
{
    if (!mkdtemp(tmp_dir) || !mkdtemp(hostile_dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("svg");
    TCase *tc = tcase_create("svg");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_svg_one_group_per_region);
    tcase_add_test(tc, t_svg_hostile_names_escaped);
    tcase_add_test(tc, t_rss_history_bounded_keeps_peaks);
    tcase_add_test(tc, t_svg_recording_has_chart);
    tcase_add_test(tc, t_svg_renders_in_chromium);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", tmp_dir, hostile_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
    return rc;
}
