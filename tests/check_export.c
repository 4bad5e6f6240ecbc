/* Export tests: the JSON contract of formats.md (checked by parsing the
 * output back with jansson), CSV columns and quoting, and that no hostile
 * name reaches text output raw. */
#include "testlib.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmscope/capture.h"
#include "vmscope/diff.h"
#include "vmscope/json_reader.h"
#include "vmscope/recording.h"
#include "vmscope/export.h"
#include "vmscope/sanitize.h"

static char hostile_dir[] = "/tmp/vmscope-hostile-XXXXXX";

static char *export_to_string(const struct snapshot *s, enum export_format f, unsigned flags)
{
    char *data = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&data, &len);
    ck_assert_int_eq(export_snapshot(s, f, flags, fp), 0);
    fclose(fp);
    return data;
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    ck_assert_msg(doc != NULL, "invalid JSON: %s at line %d", err.text, err.line);
    return doc;
}

static uint64_t hexnum(json_t *v)
{
    ck_assert(json_is_string(v));
    const char *s = json_string_value(v);
    ck_assert_msg(strncmp(s, "0x", 2) == 0, "address %s lacks 0x", s);
    for (const char *p = s + 2; *p; p++)
        ck_assert_msg((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'), "not lowercase hex: %s", s);
    return strtoull(s, NULL, 16);
}

START_TEST(t_json_contract)
{
    struct helper h;
    helper_start(&h, (const char *[]){"memfd", "json-test", "3", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    char *text = export_to_string(s, EXPORT_JSON, 0);
    json_t *doc = parse(text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "vmscope.snapshot");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "version")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "tool"), "name")), "vmscope");
    const char *when = json_string_value(json_object_get(doc, "time"));
    ck_assert_int_eq(strlen(when), 24); /* 2026-11-22T02:16:08.123Z */
    ck_assert_int_eq(when[23], 'Z');
    ck_assert(json_is_integer(json_object_get(doc, "monotonic_ns")));
    json_t *sys = json_object_get(doc, "system");
    ck_assert_int_eq(json_integer_value(json_object_get(sys, "page_size")), sysconf(_SC_PAGESIZE));
    ck_assert(json_is_boolean(json_object_get(sys, "privileged")));
    json_t *proc = json_object_get(doc, "process");
    ck_assert_int_eq(json_integer_value(json_object_get(proc, "pid")), h.pid);
    ck_assert_str_eq(json_string_value(json_object_get(proc, "comm")), "maphelper");
    ck_assert_int_eq(json_array_size(json_object_get(proc, "cmdline")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(proc, "threads")), 1);
    ck_assert_int_eq(strlen(json_string_value(json_object_get(proc, "state"))), 1);

    json_t *totals = json_object_get(doc, "totals"), *by_class = json_object_get(totals, "by_class");
    static const char *const classes[] = {"text", "data", "bss", "heap", "mmap", "stack", "other"};
    ck_assert_int_eq(json_object_size(by_class), 7);
    json_t *regions = json_object_get(doc, "regions");
    ck_assert_int_eq(json_array_size(regions), json_integer_value(json_object_get(totals, "regions")));
    json_int_t rss_sum = 0, class_rss[7] = {0};
    uint64_t prev_end = 0;
    bool seen_memfd = false;
    size_t i;
    json_t *r;
    json_array_foreach(regions, i, r) {
        uint64_t start = hexnum(json_object_get(r, "start")), end = hexnum(json_object_get(r, "end"));
        ck_assert_uint_ge(start, prev_end); /* sorted by start, disjoint */
        prev_end = end;
        ck_assert_int_eq(json_integer_value(json_object_get(r, "size")), (json_int_t)(end - start));
        static const char *const keys[] = {
            "perms", "offset", "dev", "inode", "path", "deleted", "class", "subclass", "rss", "pss",
            "pss_dirty", "shared_clean", "shared_dirty", "private_clean", "private_dirty",
            "referenced", "anonymous", "ksm", "lazyfree", "anon_huge", "swap", "swap_pss",
            "locked", "vmflags"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            ck_assert_msg(json_object_get(r, keys[k]) != NULL, "region lacks %s", keys[k]);
        ck_assert_ptr_null(json_object_get(r, "pages")); /* no census taken: key left out */
        const char *cls = json_string_value(json_object_get(r, "class"));
        int c = 0;
        while (c < 7 && strcmp(classes[c], cls))
            c++;
        ck_assert_int_lt(c, 7);
        json_int_t rss = json_integer_value(json_object_get(r, "rss"));
        rss_sum += rss;
        class_rss[c] += rss;
        if (!strcmp(json_string_value(json_object_get(r, "path")), "/memfd:json-test")) {
            seen_memfd = true;
            ck_assert(json_is_true(json_object_get(r, "deleted")));
            ck_assert_str_eq(cls, "mmap");
            ck_assert_str_eq(json_string_value(json_object_get(r, "subclass")), "shm");
            ck_assert_int_eq(rss, 3 * sysconf(_SC_PAGESIZE));
            ck_assert_str_eq(json_string_value(json_object_get(r, "dev")), "00:01");
        }
        if (!strcmp(cls, "stack"))
            ck_assert(json_is_integer(json_object_get(r, "tid")));
        else
            ck_assert_ptr_null(json_object_get(r, "tid"));
    }
    ck_assert(seen_memfd);
    ck_assert_int_eq(rss_sum, json_integer_value(json_object_get(totals, "rss")));

    /* The summary: every class and the reserved row carry every column;
     * the memfd is the shm row; free space is what /proc/PID/maps leaves. */
    json_t *summary = json_object_get(doc, "summary"), *by_type = json_object_get(summary, "by_type");
    ck_assert_ptr_nonnull(by_type);
    static const char *const cols[] = {"size", "rss", "private", "shared", "swap", "locked",
                                       "huge", "blocks", "largest"};
    for (int c = 0; c < 8; c++) {
        const char *key = c < 7 ? classes[c] : "reserved";
        json_t *row = json_object_get(by_type, key);
        ck_assert_msg(row != NULL, "summary lacks %s", key);
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            ck_assert_msg(json_is_integer(json_object_get(row, cols[k])), "%s lacks %s", key, cols[k]);
        if (c < 7)
            ck_assert_int_eq(json_integer_value(json_object_get(row, "rss")), class_rss[c]);
    }
    json_t *shm = json_object_get(by_type, "shm");
    ck_assert_int_eq(json_integer_value(json_object_get(shm, "size")), 3 * sysconf(_SC_PAGESIZE));
    ck_assert_int_eq(json_integer_value(json_object_get(shm, "blocks")), 1);
    struct free_space fs;
    test_free_space(h.pid, &fs);
    json_t *free_row = json_object_get(summary, "free");
    ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(free_row, "size")), fs.size);
    ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(free_row, "blocks")), fs.blocks);
    ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(free_row, "largest")), fs.largest);
    for (int c = 0; c < 7; c++)
        ck_assert_int_eq(class_rss[c], json_integer_value(json_object_get(
                                           json_object_get(by_class, classes[c]), "rss")));
    json_decref(doc);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_json_pages_when_census)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "8", "3", NULL});
    struct snapshot *s = test_capture(h.pid, true);
    char *text = export_to_string(s, EXPORT_JSON, 0);
    json_t *doc = parse(text);
    size_t i;
    json_t *r;
    bool found = false;
    json_array_foreach(json_object_get(doc, "regions"), i, r) {
        if (hexnum(json_object_get(r, "start")) != helper_value(&h, "start"))
            continue;
        found = true;
        json_t *pages = json_object_get(r, "pages");
        ck_assert_int_eq(json_integer_value(json_object_get(pages, "present")), 3);
        ck_assert_int_eq(json_integer_value(json_object_get(pages, "exclusive")), 3);
        ck_assert_int_eq(json_integer_value(json_object_get(pages, "file")), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(pages, "swapped")), 0);
    }
    ck_assert(found);
    json_decref(doc);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* Hostile names: the JSON stays valid and lossless; text and CSV for a
 * terminal carry no control or invisible characters. */
START_TEST(t_hostile_names)
{
    struct helper h;
    helper_start(&h, (const char *[]){"hostile", hostile_dir, NULL});
    struct snapshot *s = test_capture(h.pid, false);
    char *json = export_to_string(s, EXPORT_JSON, 0);
    json_t *doc = parse(json);
    size_t i;
    json_t *r;
    int found_bad = 0, found_newline = 0, found_esc = 0, found_gone = 0, found_alive = 0;
    json_array_foreach(json_object_get(doc, "regions"), i, r) {
        const char *path = json_string_value(json_object_get(r, "path"));
        json_t *hex = json_object_get(r, "path_hex");
        if (strstr(path, "bad\xef\xbf\xbd\xef\xbf\xbdutf8")) {
            ck_assert_msg(hex != NULL, "invalid UTF-8 without path_hex");
            /* "/memfd:bad\xff\xfeutf8" exactly, in hex */
            ck_assert_str_eq(json_string_value(hex), "2f6d656d66643a626164fffe75746638");
            found_bad++;
        } else {
            ck_assert_ptr_null(hex);
        }
        found_newline += strstr(path, "new\nline name.bin") != NULL;
        found_esc += strstr(path, "\033]0;PWNED-TITLE\007") != NULL;
        if (strstr(path, "gone.bin")) {
            found_gone++;
            ck_assert(json_is_true(json_object_get(r, "deleted")));
        }
        if (strstr(path, "alive (deleted)")) {
            found_alive++; /* a live file whose name really ends so */
            ck_assert(json_is_false(json_object_get(r, "deleted")));
        }
    }
    ck_assert_int_eq(found_bad, 1);
    ck_assert_int_eq(found_newline, 1);
    ck_assert_int_eq(found_esc, 1);
    ck_assert_int_eq(found_gone, 1);
    ck_assert_int_eq(found_alive, 1);
    json_decref(doc);
    free(json);

    for (int f = 0; f < 3; f++) {
        enum export_format fmt = f == 0 ? EXPORT_TEXT : f == 1 ? EXPORT_CSV : EXPORT_JSON;
        char *out = export_to_string(s, fmt, EXPORT_TO_TERMINAL);
        for (const unsigned char *p = (const unsigned char *)out; *p; p++)
            ck_assert_msg(*p >= 0x20 ? *p != 0x7f && (fmt == EXPORT_JSON ? *p < 0x80 : 1)
                                     : (*p == '\n' || *p == '\r'),
                          "format %d: raw byte 0x%02x in terminal output", f, *p);
        ck_assert_msg(utf8_valid(out, strlen(out)), "format %d: invalid UTF-8", f);
        ck_assert_ptr_null(strstr(out, "\xc2\x9b"));     /* C1 CSI */
        ck_assert_ptr_null(strstr(out, "\xe2\x80\xae")); /* RTL override */
        ck_assert_ptr_null(strstr(out, "\xe2\x80\x8b")); /* zero-width space */
        if (fmt == EXPORT_TEXT)
            ck_assert_ptr_nonnull(strstr(out, "/memfd:\\e]0;PWNED-TITLE\\x07"));
        free(out);
    }
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The writer's word-at-a-time plain-ASCII check: each byte that JSON must
 * escape or that is not ASCII, at every position of a 20-byte name (both
 * whole words and the tail), is written so that jansson reads back exactly
 * the name (or, for bytes that are not UTF-8, its path_hex). */
START_TEST(t_region_names_every_byte_position)
{
    static const unsigned char specials[] = {0x01, 0x1b, 0x1f, '"', '\\', 0x7f, 0x80, 0xff, ' ', '~'};
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t pos = 0; pos < 20; pos++) {
            char name[21];
            memset(name, 'a', 20);
            name[0] = '/';
            name[pos] = (char)specials[k];
            name[20] = '\0';
            struct vma v = {.start = 0x1000, .end = 0x2000, .name = name, .name_len = 20};
            memcpy(v.perms, "r--p", 5);
            struct region r = {.vma = &v, .cls = RC_MMAP, .evidence = name};
            struct buf b;
            buf_init(&b);
            json_put_region(&b, &r, 0, 0);
            json_error_t err;
            json_t *ro = json_loadb(b.data, b.len, 0, &err);
            ck_assert_msg(ro != NULL, "byte 0x%02x at %zu: %s", specials[k], pos, err.text);
            const char *hex = json_string_value(json_object_get(ro, "path_hex"));
            if (specials[k] >= 0x80) {
                ck_assert_ptr_nonnull(hex);
                char want[41];
                for (size_t i = 0; i < 20; i++)
                    snprintf(want + 2 * i, 3, "%02x", (unsigned char)name[i]);
                ck_assert_str_eq(hex, want);
            } else {
                ck_assert_ptr_null(hex);
                json_t *path = json_object_get(ro, "path");
                ck_assert_uint_eq(json_string_length(path), 20);
                ck_assert(memcmp(json_string_value(path), name, 20) == 0);
                ck_assert_str_eq(json_string_value(json_object_get(ro, "evidence")), name);
            }
            json_decref(ro);
            buf_free(&b);
        }
    }
}
END_TEST

START_TEST(t_cmdline_hex_for_invalid_utf8)
{
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "1", "caf\xe9", NULL}); /* Latin-1, not UTF-8 */
    struct snapshot *s = test_capture(h.pid, false);
    char *text = export_to_string(s, EXPORT_JSON, 0);
    json_t *doc = parse(text);
    json_t *proc = json_object_get(doc, "process");
    json_t *argv = json_object_get(proc, "cmdline"), *hex = json_object_get(proc, "cmdline_hex");
    ck_assert_int_eq(json_array_size(argv), 4);
    ck_assert_str_eq(json_string_value(json_array_get(argv, 3)), "caf\xef\xbf\xbd");
    ck_assert_int_eq(json_array_size(hex), 4);
    ck_assert_str_eq(json_string_value(json_array_get(hex, 1)), "");
    ck_assert_str_eq(json_string_value(json_array_get(hex, 3)), "636166e9");
    json_decref(doc);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* Streamed JSON (written while the capture reads) must be byte for byte
 * what export_json() writes for the finished snapshot: straight through,
 * after a reset half-way (the exporter rewrites the file), and when the
 * capture cannot stream at all (a thread running in user space). */
struct reset_after {
    const struct capture_observer *inner;
    size_t after; /* call reset once this many regions were handed out */
    struct capture_observer self;
};

static void ra_begin(void *arg, const struct snapshot *h)
{
    struct reset_after *ra = arg;
    ra->inner->begin(ra->inner->arg, h);
}

static void ra_region(void *arg, const struct region *r, size_t i)
{
    struct reset_after *ra = arg;
    ra->inner->region(ra->inner->arg, r, i);
    if (i + 1 == ra->after)
        ra->inner->reset(ra->inner->arg);
}

static void ra_reset(void *arg)
{
    struct reset_after *ra = arg;
    ra->inner->reset(ra->inner->arg);
}

static void check_stream_matches(const char *const *helper_args, size_t reset_after,
                                 bool expect_streamed)
{
    struct helper h;
    helper_start(&h, helper_args);
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    struct json_stream *js = json_stream_new(fp, 0);
    struct reset_after ra = {.inner = json_stream_observer(js), .after = reset_after};
    ra.self = (struct capture_observer){ra_begin, ra_region, ra_reset, &ra};
    struct capture_options opt = {.observer = reset_after ? &ra.self : json_stream_observer(js)};
    struct snapshot *s;
    ck_assert_int_eq(capture_snapshot(h.pid, &opt, &s), 0);
    size_t streamed_regions = json_stream_regions_streamed(js);
    if (!expect_streamed)
        ck_assert_uint_eq(streamed_regions, 0);
    else if (reset_after)
        ck_assert_uint_eq(streamed_regions, reset_after);
    else
        ck_assert_uint_eq(streamed_regions, s->n_regions);
    ck_assert_int_eq(json_stream_finish(js, s), 0);
    ck_assert_int_eq(fflush(fp), 0);
    long size = ftell(fp);
    char *streamed = malloc((size_t)size + 1);
    rewind(fp);
    ck_assert_int_eq(fread(streamed, 1, (size_t)size, fp), (size_t)size);
    streamed[size] = 0;
    char *whole = export_to_string(s, EXPORT_JSON, 0);
    ck_assert_uint_eq(strlen(whole), (size_t)size);
    ck_assert_str_eq(streamed, whole);
    json_decref(parse(streamed));
    free(streamed);
    free(whole);
    json_stream_free(js);
    fclose(fp);
    snapshot_free(s);
    kill(h.pid, SIGKILL);
    helper_stop(&h);
}

START_TEST(t_stream_equals_export)
{
    check_stream_matches((const char *[]){"thread", "128", NULL}, 0, true);
}
END_TEST

START_TEST(t_stream_reset_rewrites)
{
    check_stream_matches((const char *[]){"thread", "128", NULL}, 5, true);
}
END_TEST

START_TEST(t_stream_declined_for_running_thread)
{
    check_stream_matches((const char *[]){"spinner", NULL}, 0, false);
}
END_TEST

START_TEST(t_csv_columns_and_quoting)
{
    struct helper h;
    helper_start(&h, (const char *[]){"hostile", hostile_dir, NULL});
    struct snapshot *s = test_capture(h.pid, false);
    char *csv = export_to_string(s, EXPORT_CSV, 0);
    /* the old columns first, in their order; the new ones after them */
    static const char header[] = "start,end,size,perms,offset,dev,inode,class,subclass,rss,pss,"
                                 "shared_clean,shared_dirty,private_clean,private_dirty,swap,"
                                 "locked,path,deleted,tid,object\r\n";
    ck_assert(strncmp(csv, header, sizeof header - 1) == 0);
    /* Count records the RFC 4180 way: CRLF outside quotes. */
    size_t records = 0;
    bool quoted = false;
    for (const char *p = csv; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && p[0] == '\r' && p[1] == '\n')
            records++;
    }
    ck_assert(!quoted);
    ck_assert_uint_eq(records, s->n_regions + 1);
    ck_assert_ptr_nonnull(strstr(csv, ",\"" ));
    ck_assert_ptr_nonnull(strstr(csv, "new\nline name.bin\",0,,\r\n"));
    /* deleted: the unlinked file is 1, a file named "alive (deleted)" is 0 */
    ck_assert_ptr_nonnull(strstr(csv, "/gone.bin,1,,\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "alive (deleted),0,,\r\n"));
    free(csv);
    snapshot_free(s);
    helper_stop(&h);
    /* tid: a thread stack's thread (the helper says which); object: libc's
     * rows name libc */
    helper_start(&h, (const char *[]){"thread", "128", NULL});
    s = test_capture(h.pid, false);
    csv = export_to_string(s, EXPORT_CSV, 0);
    char want[96];
    snprintf(want, sizeof want, ",0x%llx,", (unsigned long long)helper_value(&h, "stack_hi"));
    const char *row = strstr(csv, want); /* the stack's row: its end (a guard is below it) */
    ck_assert_msg(row, "no row at %s:\n%s", want, csv);
    snprintf(want, sizeof want, ",0,%d,\r\n", (int)helper_value(&h, "tid"));
    const char *end = strstr(row, "\r\n");
    ck_assert_msg(end && !strncmp(end - strlen(want) + 2, want, strlen(want)), "%.*s",
                  (int)(end - row), row);
    const char *libc = strstr(csv, "libc.so.6,0,,/");
    ck_assert_msg(libc, "no libc row with its object:\n%s", csv);
    free(csv);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The text's columns hold whatever is in them: a thread stack's
 * "stack/thread:TID" (wider than 15) does not push the mapping column. */
START_TEST(t_text_columns_never_overflow)
{
    struct helper h;
    helper_start(&h, (const char *[]){"thread", "128", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    char *text = export_to_string(s, EXPORT_TEXT, 0);
    const char *header = strchr(text, '\n') + 1;
    long cls_at = strstr(header, "Class") - header, map_at = strstr(header, "Mapping") - header;
    const char *line = strchr(header, '\n') + 1;
    char tid[32];
    snprintf(tid, sizeof tid, ":%d", (int)helper_value(&h, "tid"));
    bool saw_tid = false;
    for (size_t i = 0; i < s->n_regions; i++) {
        const char *end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        ck_assert_msg(end - line >= map_at && line[cls_at - 1] == ' ' && line[cls_at] != ' ' &&
                          line[map_at - 1] == ' ',
                      "columns moved:\n%.*s\n%.*s", (int)(strchr(header, '\n') - header), header,
                      (int)(end - line), line);
        if (memmem(line, (size_t)(end - line), tid, strlen(tid)))
            saw_tid = true;
        line = end + 1;
    }
    ck_assert_msg(saw_tid, "no thread stack row with %s", tid);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_text_has_class_totals)
{
    struct helper h;
    helper_start(&h, (const char *[]){"brk", "4", NULL});
    struct snapshot *s = test_capture(h.pid, false);
    char *text = export_to_string(s, EXPORT_TEXT, 0);
    static const char *const rows[] = {"\ntext ", "\ndata ", "\nbss ", "\nheap ", "\nmmap ",
                                       "\nstack ", "\nother ", "\ntotal "};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        ck_assert_msg(strstr(text, rows[i]) != NULL, "no totals row%s", rows[i]);
    ck_assert_ptr_nonnull(strstr(text, "heap/brk"));
    ck_assert_ptr_nonnull(strstr(text, "[heap]"));
    /* The Summary table closes the text. */
    const char *table = strstr(text, "\nType ");
    ck_assert_ptr_nonnull(table);
    static const char *const srows[] = {"\n  brk ", "\nreserved ", "\nfree ", "\nTotal "};
    for (size_t i = 0; i < sizeof srows / sizeof srows[0]; i++)
        ck_assert_msg(strstr(table, srows[i]) != NULL, "no summary row%s", srows[i]);
    free(text);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

START_TEST(t_reader_round_trip)
{
    /* capture -> JSON -> reader gives back the same model, hostile names
     * and invalid UTF-8 included (byte for byte, through the _hex keys). */
    struct helper h;
    helper_start(&h, (const char *[]){"hostile", hostile_dir, "caf\xe9", NULL});
    struct snapshot *s = test_capture(h.pid, true);
    char *text = export_to_string(s, EXPORT_JSON, 0);
    struct snapshot *r;
    char *why = NULL;
    ck_assert_msg(json_read_snapshot(text, strlen(text), &r, &why) == 0, "%s", why);
    ck_assert_uint_eq(r->n_regions, s->n_regions);
    ck_assert_int_eq(r->proc.pid, s->proc.pid);
    ck_assert_uint_eq(r->proc.argc, s->proc.argc);
    for (size_t i = 0; i < s->proc.argc; i++)
        ck_assert_str_eq(r->proc.argv[i], s->proc.argv[i]); /* "caf\xe9" exactly */
    ck_assert_uint_eq(r->realtime_ns / 1000000, s->realtime_ns / 1000000);
    for (size_t i = 0; i < s->n_regions; i++) {
        const struct region *a = &s->regions[i], *b = &r->regions[i];
        ck_assert_uint_eq(a->vma->start, b->vma->start);
        ck_assert_uint_eq(a->vma->end, b->vma->end);
        ck_assert_str_eq(a->vma->perms, b->vma->perms);
        ck_assert_uint_eq(a->vma->name_len, b->vma->name_len);
        ck_assert(memcmp(a->vma->name, b->vma->name, a->vma->name_len) == 0);
        ck_assert_int_eq(a->vma->deleted, b->vma->deleted);
        ck_assert_int_eq(a->cls, b->cls);
        ck_assert_int_eq(a->subclass, b->subclass);
        ck_assert_str_eq(a->evidence ? a->evidence : "", b->evidence ? b->evidence : "");
        ck_assert_int_eq(a->tid, b->tid);
        ck_assert((a->object == NULL) == (b->object == NULL));
        if (a->object)
            ck_assert_str_eq(a->object, b->object);
        ck_assert_uint_eq(a->vma->field_mask, b->vma->field_mask);
        ck_assert(memcmp(a->vma->field, b->vma->field, sizeof a->vma->field) == 0);
        ck_assert_uint_eq(a->vma->vmflags, b->vma->vmflags);
        ck_assert_uint_eq(a->vma->pages.present, b->vma->pages.present);
        ck_assert_uint_eq(a->vma->pages.exclusive, b->vma->pages.exclusive);
    }
    ck_assert_uint_eq(r->totals.rss, s->totals.rss);
    /* And it writes out the same regions again. */
    char *again = export_to_string(r, EXPORT_JSON, 0);
    ck_assert_ptr_nonnull(strstr(again, "\"path_hex\":\"2f6d656d66643a626164fffe75746638\""));
    free(again);
    free(text);
    snapshot_free(r);
    snapshot_free(s);
    helper_stop(&h);
}
END_TEST

/* The general reader's result for text (jansson all the way) as exported
 * JSON, or its error; *fast whether the fast reader took the text. */
static char *read_both_ways(const char *text, bool *fast)
{
    size_t len = strlen(text);
    char *why = NULL;
    struct snapshot *g = NULL, *f = NULL;
    json_t *doc = json_parse_document(text, len, &why);
    int rc = doc ? json_snapshot_from_doc(doc, &g, &why) : -EINVAL;
    json_decref(doc);
    *fast = json_read_snapshot_fast(text, len, &f) == 1;
    if (*fast) { /* taken: only what the general way reads, read the same */
        ck_assert_msg(rc == 0, "the fast reader took what the general one refuses: %s", why);
        char *a = export_to_string(g, EXPORT_JSON, 0), *b = export_to_string(f, EXPORT_JSON, 0);
        ck_assert_str_eq(a, b);
        ck_assert(memcmp(&g->totals, &f->totals, sizeof g->totals) == 0);
        ck_assert_int_eq(g->has_pss, f->has_pss);
        ck_assert_int_eq(g->has_census, f->has_census);
        ck_assert_uint_eq(g->census_measured, f->census_measured);
        free(b);
        snapshot_free(f);
        snapshot_free(g);
        return a;
    }
    /* not taken: json_read_snapshot still gives the general result */
    struct snapshot *r = NULL;
    char *why2 = NULL;
    ck_assert_int_eq(json_read_snapshot(text, len, &r, &why2), rc);
    char *out = rc == 0 ? export_to_string(r, EXPORT_JSON, 0) : strdup(why);
    if (rc < 0)
        ck_assert_str_eq(why, why2);
    free(why);
    free(why2);
    snapshot_free(r);
    snapshot_free(g);
    return out;
}

static char *edited(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no %s", from);
    char *out = NULL;
    if (asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) < 0)
        ck_abort();
    return out;
}

START_TEST(t_fast_reader_equals_general)
{
    /* Real snapshots read both ways give the same model: a process with
     * threads and a census (taken the fast way: no name needs an escape),
     * and one with hostile names (a name written with escapes sends the
     * document the general way). Then edits that the fast reader must either read the same or
     * leave to the general one. */
    static const char *const modes[2][4] = {{"thread", "3", NULL}, {"hostile", NULL, "caf\xe9", NULL}};
    bool fast;
    for (int m = 0; m < 2; m++) {
        const char *argv[4] = {modes[m][0], m ? hostile_dir : modes[m][1], modes[m][2], NULL};
        struct helper h;
        helper_start(&h, argv);
        struct snapshot *s = test_capture(h.pid, true);
        for (int compact = 0; compact < 2; compact++) {
            char *text = export_to_string(s, EXPORT_JSON, compact ? EXPORT_COMPACT : 0);
            free(read_both_ways(text, &fast));
            if (m == 0)
                ck_assert_msg(fast, "the fast reader declined vmscope's own %s output",
                              compact ? "compact" : "indented");
            free(text);
        }
        snapshot_free(s);
        helper_stop(&h);
    }

    static const char base[] =
        "{\"format\":\"vmscope.snapshot\",\"version\":1,\"totals\":{\"pss\":0},\"regions\":["
        "{\"start\":\"0x1000\",\"end\":\"0x3000\",\"perms\":\"rw-p\",\"class\":\"heap\","
        "\"subclass\":\"brk\",\"path\":\"[heap]\",\"rss\":4096,\"pss\":4096,\"tid\":0,"
        "\"deleted\":false,\"vmflags\":[\"rd\",\"wr\"],\"pages\":{\"present\":1,\"zero\":0}},"
        "{\"start\":\"0x7f0000000000\",\"end\":\"0x7f0000001000\",\"perms\":\"r--p\","
        "\"class\":\"data\",\"path\":\"/lib/x.so\",\"object\":\"/lib/x.so\",\"inode\":12,"
        "\"dev\":\"fe:01\",\"offset\":4096,\"rss\":8192}]}";
    static const struct {
        const char *from, *to;
        int fast; /* 1 taken, 0 declined, -1 either */
    } edits[] = {
        {"", "", 1},
        {"\"rss\":4096", "\"x\":{\"y\":[1,{\"z\":null}],\"w\":-0},\"rss\":4096", 1},
        {"\"path\":\"[heap]\"", "\"path\":\"[heap]\",\"path_hex\":\"41ff\"", 1},
        {"\"path\":\"[heap]\"", "\"path\":\"[heap]\",\"path_hex\":\"41f\"", 1},
        {"[\"rd\",\"wr\"]", "[1,\"rd\",null,\"xyz\",\"zz\"]", 1},
        {"\"tid\":0", "\"tid\":-5", 1},
        {"\"tid\":0", "\"tid\":4294967296", 1},
        {"\"tid\":0", "\"tid\":\"7\"", 1},
        {"\"deleted\":false", "\"deleted\":1", 1},
        {"\"deleted\":false", "\"deleted\":true,\"heuristic\":true", 1},
        {"\"pss\":4096", "\"pss\":null", 1},
        {"\"pss\":4096", "\"pss\":-3", 1},
        {"{\"present\":1,\"zero\":0}", "{\"present\":null,\"soft_dirty\":2}", 1},
        {"\"offset\":4096", "\"offset\":\"4096\"", 1},
        {"\"vmflags\":[\"rd\",\"wr\"]", "\"vmflags\":{}", 1},
        {"\"pages\":{\"present\":1,\"zero\":0}", "\"pages\":7", 1},
        {"\"totals\":{\"pss\":0},", "", 1},
        {"\"rss\":4096", "\"rss\":1,\"rss\":4096", 0},
        {"\"rss\":4096", "\"rss\":4096.5", 0},
        {"\"inode\":12", "\"inode\":18446744073709551615", 0},
        {"\"path\":\"[heap]\"", "\"path\":\"[he\\nap]\"", 0},
        {"\"path\":\"[heap]\"", "\"path\":\"[he\\u0000ap]\"", 0},
        {"\"object\":\"/lib/x.so\"", "\"object\":null", 0},
        {"\"start\":\"0x1000\"", "\"start\":\"0x9000\"", -1},
        {"\"perms\":\"rw-p\"", "\"perms\":\"rw-\"", -1},
        {"\"class\":\"heap\"", "\"class\":\"nope\"", -1},
        {"\"subclass\":\"brk\"", "\"subclass\":\"BRK\"", -1},
        {"\"end\":\"0x3000\"", "\"end\":\"0x0800\"", -1},
        {"]}", "]} x", 0},
        {"]}", "]", 0},
        {"\"version\":1", "\"version\":2", -1},
        {"\"regions\":[", "\"regions\":[],\"r\":[", 1},
        {"\"start\":\"0x1000\"", "\"start\":\"0x1000\",\"start\":\"0x1000\"", 0},
        /* the split finds the regions' end by brackets outside strings */
        {"\"rss\":4096", "\"r]}s\":\"]]}\",\"[{\":[],\"rss\":4096", 1},
        {"\"path\":\"[heap]\"", "\"path\":\"[he\\\"]}ap]\"", 0},
        {"\"path\":\"[heap]\"", "\"path\":\"[heap]\\\\\"", 0},
        {"}]}", "}}}", -1},
        {"}]}", "}]]}", -1},
        {"\"regions\":[", "\"regions\":[[", -1},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char *text = edited(base, edits[i].from, edits[i].to);
        char *got = read_both_ways(text, &fast);
        if (edits[i].fast >= 0)
            ck_assert_msg(fast == (edits[i].fast == 1), "edit %zu: fast reader %s: %s", i,
                          fast ? "took it" : "declined", text);
        free(got);
        free(text);
    }
}
END_TEST

START_TEST(t_diff_of_a_growing_region)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "30", "40", NULL});
    struct snapshot *a = test_capture(h.pid, false);
    usleep(400 * 1000);
    struct snapshot *b = test_capture(h.pid, false);
    struct snapshot_diff d;
    diff_compute(a, b, &d);
    const struct region *ra = snapshot_find(a, helper_value(&h, "start"));
    const struct region *rb = snapshot_find(b, helper_value(&h, "start"));
    int64_t grew = (int64_t)rb->vma->field[SMAPS_RSS] - (int64_t)ra->vma->field[SMAPS_RSS];
    ck_assert_int_gt(grew, 0);
    bool found = false;
    for (size_t i = 0; i < d.n_changed; i++)
        if (d.changed[i].after == rb) {
            found = true;
            ck_assert_ptr_eq(d.changed[i].before, ra);
        }
    ck_assert(found);
    ck_assert_uint_eq(d.n_added, 0);
    ck_assert_uint_eq(d.n_removed, 0);
    ck_assert_int_eq(d.by_class[RC_MMAP].rss,
                     (int64_t)b->by_class[RC_MMAP].rss - (int64_t)a->by_class[RC_MMAP].rss);
    char *data = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&data, &len);
    ck_assert_int_eq(export_diff_json(&d, 0, fp), 0);
    fclose(fp);
    json_t *doc = parse(data);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "vmscope.diff");
    ck_assert_int_eq(json_array_size(json_object_get(doc, "changed")), (json_int_t)d.n_changed);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "by_class"),
                                                                        "mmap"), "rss")),
                     d.by_class[RC_MMAP].rss);
    json_decref(doc);
    free(data);
    diff_free(&d);
    snapshot_free(a);
    snapshot_free(b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_reader_refuses_what_is_not_ours)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"\x89PNG\r\n", "not JSON"},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1, \"regions\": [", "not JSON"},
        {"{\"format\": \"other\"}", "not a vmscope snapshot"},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 7, \"regions\": []}", "version 7"},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1}", "no \"regions\""},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1, \"regions\": [{\"start\": 5}]}",
         "no valid start"},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1, \"regions\": ["
         "{\"start\": \"0x2000\", \"end\": \"0x3000\", \"perms\": \"rw-p\", \"class\": \"mmap\"},"
         "{\"start\": \"0x1000\", \"end\": \"0x2000\", \"perms\": \"rw-p\", \"class\": \"mmap\"}]}",
         "not sorted"},
        /* the writers copy perms and subclass as they are: a quote in
         * either would make the file written back not JSON */
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1, \"regions\": ["
         "{\"start\": \"0x1000\", \"end\": \"0x2000\", \"perms\": \"r\\\"xp\", \"class\": \"mmap\"}]}",
         "region 0 has no permissions"},
        {"{\"format\": \"vmscope.snapshot\", \"version\": 1, \"regions\": ["
         "{\"start\": \"0x1000\", \"end\": \"0x2000\", \"perms\": \"rw-p\", \"class\": \"mmap\","
         " \"subclass\": \"a\\\"b\"}]}",
         "region 0 has an invalid subclass"},
        /* jansson quotes the bytes near the error: a title-setting escape
         * and a newline that must not reach the terminal */
        {"{\"format\": \"\\\x1b]0;pwned\x07\"}", "not JSON"},
        {"{\"format\": \"\\\n\"}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct snapshot *s = NULL;
        char *why = NULL;
        ck_assert_int_lt(json_read_snapshot(cases[i].text, strlen(cases[i].text), &s, &why), 0);
        ck_assert_ptr_null(s);
        ck_assert_msg(why && strstr(why, cases[i].why), "case %zu: %s", i, why);
        for (const char *c = why; *c; c++) /* one line, nothing the terminal acts on */
            ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f, "case %zu: %s", i, why);
        free(why);
    }
    /* The same for a sample line of a recording. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/vmscope-bad-%d.jsonl", (int)getpid());
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("{\"format\": \"vmscope.recording\", \"version\": 1}\n"
          "{\"format\": \"vmscope.snapshot\", \"x\": \"\\\x1b]0;pwned\x07\"}\n", fp);
    fclose(fp);
    struct snapshot *s = NULL;
    long count;
    bool cut;
    char *why = NULL;
    ck_assert_int_lt(recording_read(path, -1, &s, &count, &cut, &why), 0);
    ck_assert_msg(strstr(why, "sample 0: not JSON"), "%s", why);
    ck_assert_msg(!strchr(why, '\x1b') && !strchr(why, '\x07'), "%s", why);
    free(why);
    unlink(path);
}
END_TEST

/* What the reader accepts, the writer must write back as a document the
 * reader accepts again, with the same content (fuzz_reader's property on
 * the cases it found). */
START_TEST(t_reader_output_reads_back)
{
    /* a kernel name cut mid-character by the model's 64-byte field, a
     * state that is not one ASCII letter, a negative thread id */
    const char *text = "{\"format\": \"vmscope.snapshot\", \"version\": 1,"
                       " \"system\": {\"kernel\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9\","
                       " \"page_size\": 4096},"
                       " \"process\": {\"pid\": 7, \"state\": \"\u00e9\"},"
                       " \"regions\": [{\"start\": \"0x1000\", \"end\": \"0x2000\","
                       " \"perms\": \"rw-p\", \"class\": \"heap\", \"subclass\": \"brk\","
                       " \"tid\": -5}]}";
    struct snapshot *s = NULL;
    char *why = NULL;
    ck_assert_msg(json_read_snapshot(text, strlen(text), &s, &why) == 0, "%s", why);
    char *data = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&data, &len);
    ck_assert_int_eq(export_json(s, 0, fp), 0);
    fclose(fp);
    json_t *doc = parse(data);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "system"), "kernel")),
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "process"), "state")),
                     "?");
    json_t *region = json_array_get(json_object_get(doc, "regions"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(region, "subclass")), "brk");
    ck_assert_str_eq(json_string_value(json_object_get(region, "perms")), "rw-p");
    ck_assert_ptr_null(json_object_get(region, "tid")); /* no thread has id -5 */
    json_decref(doc);
    free(data);
    snapshot_free(s);
}
END_TEST

START_TEST(t_recording_replays_its_totals)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "40", "40", NULL});
    char path[64], pid[16];
    snprintf(path, sizeof path, "/tmp/vmscope-rec-%d.jsonl", (int)getpid());
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    struct buf err;
    buf_init(&err);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.1", "-d",
                                                  "0.7", "-o", path, NULL}, -1, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.data, "samples written"));
    /* Every sample line carries the totals it was recorded with; reading the
     * recording back (deltas applied) must give the same. */
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char *line = NULL;
    size_t cap = 0;
    long index = -1, deltas = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *doc = parse(line);
        const char *format = json_string_value(json_object_get(doc, "format"));
        if (index >= 0) {
            json_int_t rss = json_integer_value(json_object_get(json_object_get(doc, "totals"), "rss"));
            deltas += strcmp(format, "vmscope.delta") == 0;
            struct snapshot *s;
            long count;
            bool cut;
            char *why = NULL;
            ck_assert_msg(recording_read(path, index, &s, &count, &cut, &why) == 0, "%s", why);
            ck_assert_int_eq((json_int_t)s->totals.rss, rss);
            ck_assert(!cut);
            snapshot_free(s);
        } else {
            ck_assert_str_eq(format, "vmscope.recording");
        }
        json_decref(doc);
        index++;
    }
    free(line);
    fclose(fp);
    ck_assert_int_ge(index, 5);
    /* a full snapshot, then deltas (and a keyframe again once they weigh
     * half as much: check_recording tests where) */
    ck_assert_int_ge(deltas, 1);

    /* Cut off mid-line (killed while writing): opens up to the last whole line. */
    char cut_path[80];
    snprintf(cut_path, sizeof cut_path, "%s.cut", path);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "head -c -25 %s > %s", path, cut_path);
    ck_assert_int_eq(system(cmd), 0);
    struct snapshot *last;
    long count;
    bool cut;
    char *why = NULL;
    ck_assert_msg(recording_read(cut_path, -1, &last, &count, &cut, &why) == 0, "%s", why);
    ck_assert(cut);
    ck_assert_int_eq(count, index - 1);
    snapshot_free(last);
    /* A snapshot is not a recording. */
    ck_assert_int_lt(recording_read("/etc/passwd", -1, &last, &count, &cut, &why), 0);
    ck_assert_ptr_nonnull(strstr(why, "not a vmscope recording"));
    free(why);
    unlink(path);
    unlink(cut_path);
    buf_free(&err);
    helper_stop(&h);
}
END_TEST

int main(void)
{
    if (!mkdtemp(hostile_dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("formats");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_json_contract);
    tcase_add_test(tc, t_json_pages_when_census);
    tcase_add_test(tc, t_hostile_names);
    tcase_add_test(tc, t_region_names_every_byte_position);
    tcase_add_test(tc, t_cmdline_hex_for_invalid_utf8);
    tcase_add_test(tc, t_stream_equals_export);
    tcase_add_test(tc, t_stream_reset_rewrites);
    tcase_add_test(tc, t_stream_declined_for_running_thread);
    tcase_add_test(tc, t_csv_columns_and_quoting);
    tcase_add_test(tc, t_text_columns_never_overflow);
    tcase_add_test(tc, t_reader_round_trip);
    tcase_add_test(tc, t_fast_reader_equals_general);
    tcase_add_test(tc, t_diff_of_a_growing_region);
    tcase_add_test(tc, t_reader_refuses_what_is_not_ours);
    tcase_add_test(tc, t_reader_output_reads_back);
    tcase_add_test(tc, t_recording_replays_its_totals);
    tcase_add_test(tc, t_text_has_class_totals);
    suite_add_tcase(s, tc);
    int status = run_suite(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", hostile_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", hostile_dir);
    return status;
}
