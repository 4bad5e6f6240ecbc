/* Page runs -> JSON ("vmscope.pages" version 1) or text. Runs carry no
 * string from the target (states and flag names are ours), so they are
 * written directly; jansson writes the document's frame. */
#include "vmscope/export.h"
#include "vmscope/pages.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void put_states(FILE *fp, unsigned state, const char *sep)
{
    bool first = true;
    for (int b = 0; b < PAGE_STATE_COUNT; b++) {
        if (!(state & (1u << b)))
            continue;
        fprintf(fp, "%s\"%s\"", first ? "" : sep, page_state_name(b));
        first = false;
    }
}

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
    for (size_t i = 0; i < runs->count; i++) {
        const struct page_run *r = &runs->items[i];
        fprintf(fp, "%s\n  {\"start\": \"0x%" PRIx64 "\", \"pages\": %" PRIu64 ", \"state\": [",
                i ? "," : "", r->start, r->pages);
        put_states(fp, r->state, ", ");
        fputc(']', fp);
        if (r->has_flags) {
            fputs(", \"flags\": [", fp);
            put_flags(fp, r->kflags, ", ", true);
            fprintf(fp, "], \"mapcount\": %" PRIu64, r->mapcount);
        }
        if (r->has_pfn)
            fprintf(fp, ", \"pfn\": %" PRIu64, r->pfn);
        fputc('}', fp);
    }
    fputs("\n ]\n}\n", fp);
    return ferror(fp) ? (errno ? -errno : -EIO) : 0;
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
