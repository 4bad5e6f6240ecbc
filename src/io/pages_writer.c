/* Page runs -> JSON ("vmscope.pages" version 1) or text. Runs carry no
 * string from the target (states and flag names are ours), so they are
 * written directly; jansson writes the document's frame. */
#include "vmscope/buf.h"
#include "vmscope/export.h"
#include "vmscope/pages.h"
#include "vmscope/util.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_flags(FILE *fp, uint64_t kflags, const char *sep, bool quoted)
{
    bool first = true;
    for (int b = 0; b < 64; b++) {
        if (!(kflags >> b & 1))
            continue;
        const char *name = kpageflag_name(b);
        char other[16];
        if (!name) {
            snprintf(other, sizeof other, "bit%d", b);
            name = other;
        }
        fprintf(fp, quoted ? "%s\"%s\"" : "%s%s", first ? "" : sep, name);
        first = false;
    }
}

/* Runs are written into one buffer flushed in 1 MiB pieces: fprintf per field was 95 % of a
 * root census's time. A run's state and flags lists repeat from run to run, so the last of
 * each is kept already written. */
#define PAGES_FLUSH_AT (1u << 20)
#define RUN_ROOM 160 /* a run's fixed parts: keys, punctuation, four numbers */

struct list_cache {
    bool valid;
    uint64_t key;
    struct buf text;
};

static void cache_states(struct list_cache *c, unsigned state)
{
    if (c->valid && c->key == state)
        return;
    buf_reset(&c->text);
    for (int b = 0; b < PAGE_STATE_COUNT; b++)
        if (state & (1u << b))
            buf_printf(&c->text, "%s\"%s\"", c->text.len ? ", " : "", page_state_name(b));
    c->valid = true;
    c->key = state;
}

static void cache_flags(struct list_cache *c, uint64_t kflags)
{
    if (c->valid && c->key == kflags)
        return;
    buf_reset(&c->text);
    for (int b = 0; b < 64; b++) {
        if (!(kflags >> b & 1))
            continue;
        const char *name = kpageflag_name(b);
        if (name)
            buf_printf(&c->text, "%s\"%s\"", c->text.len ? ", " : "", name);
        else
            buf_printf(&c->text, "%s\"bit%d\"", c->text.len ? ", " : "", b);
    }
    c->valid = true;
    c->key = kflags;
}

#define W_LIT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) += sizeof(lit) - 1)

static char *w_list(char *w, const struct buf *list)
{
    if (list->len) /* an empty buf has no data */
        memcpy(w, list->data, list->len);
    return w + list->len;
}

static bool flush_runs(struct buf *b, FILE *fp)
{
    bool ok = b->len == 0 || fwrite(b->data, 1, b->len, fp) == b->len;
    buf_reset(b);
    return ok;
}

int export_pages_json(pid_t pid, uint64_t start, uint64_t end, const struct page_runs *runs, FILE *fp)
{
    json_t *head = json_pack("{s:s, s:i, s:{s:s, s:s}, s:I, s:{s:b, s:b}}", "format", "vmscope.pages",
                             "version", 1, "tool", "name", "vmscope", "version", PACKAGE_VERSION,
                             "pid", (json_int_t)pid, "readable", "pfn", runs->pfn_readable,
                             "flags", runs->flags_readable);
    char *text = json_dumps(head, JSON_PRESERVE_ORDER | JSON_INDENT(1));
    json_decref(head);
    if (!text)
        return -ENOMEM;
    size_t len = strlen(text);
    fwrite(text, 1, len - 2, fp); /* reopen the object: drop "\n}" */
    free(text);
    fprintf(fp, ",\n \"range\": {\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\"},\n"
                " \"runs\": [",
            start, end);
    struct buf b;
    struct list_cache states = {0}, flags = {0};
    buf_init(&b);
    buf_init(&states.text);
    buf_init(&flags.text);
    bool ok = true;
    for (size_t i = 0; i < runs->count && ok; i++) {
        const struct page_run *r = &runs->items[i];
        cache_states(&states, r->state);
        if (r->has_flags)
            cache_flags(&flags, r->kflags);
        buf_reserve(&b, RUN_ROOM + states.text.len + (r->has_flags ? flags.text.len : 0));
        char *w = b.data + b.len;
        if (i)
            *w++ = ',';
        W_LIT(w, "\n  {\"start\": \"0x");
        w = format_hex_to(w, r->start, 1);
        W_LIT(w, "\", \"pages\": ");
        w = format_u64_to(w, r->pages);
        W_LIT(w, ", \"state\": [");
        w = w_list(w, &states.text);
        *w++ = ']';
        if (r->has_flags) {
            W_LIT(w, ", \"flags\": [");
            w = w_list(w, &flags.text);
            W_LIT(w, "], \"mapcount\": ");
            w = format_u64_to(w, r->mapcount);
        }
        if (r->has_pfn) {
            W_LIT(w, ", \"pfn\": ");
            w = format_u64_to(w, r->pfn);
        }
        *w++ = '}';
        b.len = (size_t)(w - b.data);
        if (b.len >= PAGES_FLUSH_AT)
            ok = flush_runs(&b, fp);
    }
    if (ok)
        ok = flush_runs(&b, fp);
    buf_free(&b);
    buf_free(&states.text);
    buf_free(&flags.text);
    fputs("\n ]\n}\n", fp);
    return !ok || ferror(fp) ? (errno ? -errno : -EIO) : 0;
}

int export_pages_text(pid_t pid, uint64_t start, uint64_t end, const struct page_runs *runs, FILE *fp)
{
    uint64_t pages = 0, present = 0;
    for (size_t i = 0; i < runs->count; i++) {
        pages += runs->items[i].pages;
        if (runs->items[i].state & PS_PRESENT)
            present += runs->items[i].pages;
    }
    fprintf(fp, "pid %d  0x%" PRIx64 "-0x%" PRIx64 "  %" PRIu64 " pages, %" PRIu64 " present, %zu runs%s\n",
            (int)pid, start, end, pages, present, runs->count,
            runs->flags_readable ? ""
            : runs->pfn_readable ? "  (kernel page flags need read access to /proc/kpageflags: root)"
                                 : "  (PFNs, page flags and map counts need CAP_SYS_ADMIN: run as root)");
    fprintf(fp, "%-18s %10s  %-34s %12s %5s  %s\n", "Start", "Pages", "State", "PFN", "Map",
            "Flags");
    for (size_t i = 0; i < runs->count; i++) {
        const struct page_run *r = &runs->items[i];
        char state[128] = "";
        for (int b = 0; b < PAGE_STATE_COUNT; b++)
            if (r->state & (1u << b)) {
                if (state[0])
                    strcat(state, ",");
                strcat(state, page_state_name(b));
            }
        if (!state[0])
            strcpy(state, "-");
        fprintf(fp, "0x%016" PRIx64 " %10" PRIu64 "  %-34s ", r->start, r->pages, state);
        if (r->has_pfn)
            fprintf(fp, "%12" PRIx64, r->pfn);
        else
            fprintf(fp, "%12s", "-");
        if (r->has_flags) {
            fprintf(fp, " %5" PRIu64 "  ", r->mapcount);
            put_flags(fp, r->kflags, ",", false);
        }
        fputc('\n', fp);
    }
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
}
