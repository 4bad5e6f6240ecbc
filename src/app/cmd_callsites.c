/* vmscope callsites FILE.jsonl [-f text|json] [-o FILE]: who mapped the
 * memory of a recording made with --trace, per call stack (issue 14). */
#include "vmscope/app.h"
#include "vmscope/atomic_file.h"
#include "vmscope/callsites.h"
#include "vmscope/export.h"
#include "vmscope/recording.h"
#include "vmscope/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each event into the account as it is read: memory bounded by the sites
 * and the ranges still mapped, however long the recording. */
static void count_event(void *arg, const struct syscall_event *e)
{
    callsite_ledger_add(arg, e);
}

/* The account and the last sample of a recording; 0, or -errno with *why. */
static int read_recording(const char *path, struct callsite_ledger *events, struct snapshot **last,
                          struct callsite_report *report, uint64_t **ids, bool *traced,
                          char **why)
{
    struct recording_iter it;
    int rc = recording_iter_open(&it, path, why);
    if (rc < 0)
        return rc;
    it.on_event = count_event;
    it.event_arg = events;
    const struct snapshot *s;
    while ((rc = recording_iter_next(&it, &s, why)) > 0) {
        snapshot_free(*last);
        *last = snapshot_clone(s);
    }
    *traced = it.saw_events;
    if (rc == 0) {
        callsite_ledger_report(events, *last, report);
        *ids = xcalloc(report->n_sites + 1, sizeof **ids);
        for (size_t i = 0; i < report->n_sites; i++) /* the recording's own ids */
            for (size_t k = 0; k < it.stack_ids_cap && report->sites[i].stack; k++)
                if (it.stack_ids[k].id && it.stack_ids[k].stack == report->sites[i].stack) {
                    (*ids)[i] = it.stack_ids[k].id;
                    break;
                }
    }
    recording_iter_close(&it);
    return rc;
}

int cmd_callsites(int argc, char **argv)
{
    static const char usage[] = "vmscope callsites FILE.jsonl [-f text|json] [-o FILE]";
    bool json;
    const char *out_path;
    int done = parse_file_command(argc, argv, usage, 1, &json, &out_path);
    if (done >= 0)
        return done;
    struct callsite_ledger *events = callsite_ledger_new(0); /* as many as the file has */
    struct snapshot *last = NULL;
    struct callsite_report report;
    memset(&report, 0, sizeof report);
    uint64_t *ids = NULL;
    bool traced = false;
    char *why = NULL;
    int rc = read_recording(argv[optind], events, &last, &report, &ids, &traced, &why);
    if (rc == 0 && !traced) {
        warnx_msg("this recording has no traced calls: call sites need a launch with --trace "
                  "(vmscope record --trace -- CMD)");
        rc = -ENODATA;
    } else if (rc < 0) {
        warnx_msg("%s", why);
    } else {
        struct atomic_file af;
        rc = atomic_file_open(&af, out_path);
        if (rc == 0)
            rc = atomic_file_finish(&af, json ? export_callsites_json(&report, ids, af.fp)
                                              : export_callsites_text(&report, af.fp));
        if (rc < 0)
            atomic_file_warn(out_path, rc);
    }
    free(why);
    free(ids);
    callsites_free(&report);
    callsite_ledger_free(events);
    snapshot_free(last);
    return rc < 0 ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
