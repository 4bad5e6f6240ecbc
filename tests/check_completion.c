/* Shell completion (data/completion/vmscope): bash runs the script as it
 * would at a prompt (COMP_WORDS/COMP_CWORD set, _vmscope called), and what
 * it offers is checked against the program itself: every option each
 * command's --help names is offered, every option offered is one the
 * command accepts, the offered formats are accepted, the offered pids are
 * live processes. */
#include "testlib.h"

#include <check.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define COMPLETION TEST_SRCDIR "/../data/completion/vmscope"
#define SAMPLE TEST_SRCDIR "/../data/sample.jsonl"
#define MAX_WORDS 256

/* Words, one per line, in one allocation. */
struct words {
    struct buf text;
    int n;
    const char *w[MAX_WORDS];
};

static void words_split(struct words *ws)
{
    ws->n = 0;
    char *p = ws->text.data;
    while (p && *p && ws->n < MAX_WORDS) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p)
            ws->w[ws->n++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
}

static bool words_has(const struct words *ws, const char *w)
{
    for (int i = 0; i < ws->n; i++)
        if (strcmp(ws->w[i], w) == 0)
            return true;
    return false;
}

/* What the completion offers for the command line words (the last one is
 * the word being completed), one per line. */
static void complete(struct words *ws, const char *const *line)
{
    static const char script[] =
        "source \"$1\" || exit 99\n"
        "shift\n"
        "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=()\n"
        "_vmscope\n"
        "(( ${#COMPREPLY[@]} )) && printf '%s\\n' \"${COMPREPLY[@]}\"\n"
        "exit 0\n";
    const char *argv[40] = {"/bin/bash", "--norc", "--noprofile", "-c", script, "bash", COMPLETION};
    int n = 7;
    for (int i = 0; line[i]; i++)
        argv[n++] = line[i];
    argv[n] = NULL;
    buf_init(&ws->text);
    struct buf err;
    buf_init(&err);
    int rc = run_command(argv, -1, &ws->text, &err);
    ck_assert_msg(rc == 0, "bash exited %d: %s", rc, err.data ? err.data : "");
    ck_assert_msg(err.len == 0, "the completion wrote to stderr: %s", err.data);
    buf_free(&err);
    words_split(ws);
}

/* The options (-x, --long-name) a command's --help names (the live view's
 * own help: "vmscope --help" alone is the overall usage). */
static void help_options(struct words *ws, const char *cmd)
{
    const char *argv[] = {"vmscope", cmd ? cmd : "--no-color", "--help", NULL};
    struct buf out;
    buf_init(&out);
    ck_assert_int_eq(run_command(argv, -1, &out, NULL), 0);
    ck_assert_ptr_nonnull(out.data);
    buf_init(&ws->text);
    const char *p = out.data;
    while ((p = strchr(p, '-'))) {
        /* An option starts a word ("[-p", " --pid", "(-p"). */
        bool starts = p == out.data || strchr(" [(|,", p[-1]);
        const char *q = p + 1 + (p[1] == '-');
        size_t len = 0;
        while (q[len] && (isalnum((unsigned char)q[len]) || (len > 0 && q[len] == '-')))
            len++;
        bool shortopt = p[1] != '-';
        if (starts && len > 0 && (!shortopt || len == 1) && isalpha((unsigned char)q[0])) {
            buf_append(&ws->text, p, (size_t)(q - p) + len);
            buf_putc(&ws->text, '\n');
        }
        p = q + len;
    }
    buf_free(&out);
    words_split(ws);
}

static const char *const subcommands[] = {"snapshot", "pages", "record", "diff", "export", "callsites", "demo", NULL};

/* The getopt tables of src/main.c and src/app/cmd_*.c, read by hand: every
 * one must be offered ("live" is vmscope without a subcommand). */
static const struct {
    const char *cmd;
    const char *opts[24];
} getopt_tables[] = {
    {"live", {"-p", "--pid", "--demo", "-i", "--interval", "--no-color", "-n", "--samples", "-r",
              "--read", "--trace", "-u", "--user", "--program-output", "--step", "--speed", "-h",
              "--help", "-V", "--version", NULL}},
    {"snapshot", {"-p", "--pid", "-f", "--format", "-o", "--output", "--pages", "-h", "--help", NULL}},
    {"pages", {"-p", "--pid", "-r", "--range", "-f", "--format", "-o", "--output", "-h", "--help", NULL}},
    {"record", {"-p", "--pid", "-i", "--interval", "-d", "--duration", "-o", "--output", "--trace",
                "-u", "--user", "--program-output", "-h", "--help", NULL}},
    {"diff", {"-f", "--format", "-o", "--output", "-h", "--help", NULL}},
    {"export", {"-f", "--format", "-o", "--output", "-h", "--help", NULL}},
    {"callsites", {"-f", "--format", "-o", "--output", "-h", "--help", NULL}},
    {"demo", {"-i", "--interval", "-n", "--count", "--speed", "-h", "--help", NULL}},
};

static void offered_options(struct words *ws, const char *cmd)
{
    if (strcmp(cmd, "live") == 0)
        complete(ws, (const char *[]){"vmscope", "-", NULL});
    else
        complete(ws, (const char *[]){"vmscope", cmd, "-", NULL});
}

START_TEST(t_offers_every_subcommand)
{
    struct words got;
    complete(&got, (const char *[]){"vmscope", "", NULL});
    int n = 0;
    for (int i = 0; subcommands[i]; i++, n++)
        ck_assert_msg(words_has(&got, subcommands[i]), "'%s' not offered", subcommands[i]);
    ck_assert_int_eq(got.n, n);
    /* The program's own usage names the same set ("vmscope WORD" lines). */
    struct buf out;
    buf_init(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "--help", NULL}, -1, &out, NULL), 0);
    int in_usage = 0;
    for (const char *p = out.data; p && (p = strstr(p, "vmscope ")); p += 8) {
        /* Only the usage lines: "usage: vmscope ..." and the indented ones. */
        const char *bol = p;
        while (bol > out.data && bol[-1] != '\n')
            bol--;
        if (strncmp(bol, "usage: vmscope ", 15) != 0 && (p == bol || strspn(bol, " ") != (size_t)(p - bol)))
            continue;
        const char *w = p + 8;
        size_t len = strcspn(w, " \n");
        if (len == 0 || !islower((unsigned char)w[0]))
            continue;
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)len, w);
        ck_assert_msg(words_has(&got, word), "usage names '%s', the completion does not", word);
        in_usage++;
    }
    ck_assert_int_eq(in_usage, n);
    /* And each one runs: its --help exits 0. */
    for (int i = 0; subcommands[i]; i++)
        ck_assert_int_eq(run_command((const char *[]){"vmscope", subcommands[i], "--help", NULL}, -1, NULL, NULL), 0);
    buf_free(&out);
    buf_free(&got.text);
}
END_TEST

/* Every option of the getopt tables, and every option --help names, is
 * offered: an option added without completion fails here. */
START_TEST(t_offers_every_option)
{
    for (size_t t = 0; t < sizeof getopt_tables / sizeof getopt_tables[0]; t++) {
        const char *cmd = getopt_tables[t].cmd;
        struct words got, help;
        offered_options(&got, cmd);
        for (int i = 0; getopt_tables[t].opts[i]; i++)
            ck_assert_msg(words_has(&got, getopt_tables[t].opts[i]), "vmscope %s: '%s' not offered", cmd,
                          getopt_tables[t].opts[i]);
        help_options(&help, strcmp(cmd, "live") == 0 ? NULL : cmd);
        ck_assert_msg(help.n >= 2, "vmscope %s --help names no option", cmd);
        for (int i = 0; i < help.n; i++) {
            ck_assert_msg(words_has(&got, help.w[i]), "vmscope %s: --help names '%s', not offered", cmd,
                          help.w[i]);
        }
        buf_free(&got.text);
        buf_free(&help.text);
    }
}
END_TEST

/* Every option offered is one the command accepts: given with a value
 * before --help, getopt either takes it or says it takes no value, never
 * "unrecognized". */
START_TEST(t_offers_only_accepted_options)
{
    for (size_t t = 0; t < sizeof getopt_tables / sizeof getopt_tables[0]; t++) {
        const char *cmd = getopt_tables[t].cmd;
        bool live = strcmp(cmd, "live") == 0;
        struct words got;
        offered_options(&got, cmd);
        for (int i = 0; i < got.n; i++) {
            const char *o = got.w[i];
            if (strcmp(o, "--") == 0 || strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0 ||
                strcmp(o, "-V") == 0 || strcmp(o, "--version") == 0)
                continue;
            char arg[64];
            snprintf(arg, sizeof arg, "%s%s", o, o[1] == '-' ? "=1" : "1");
            const char *argv[5] = {"vmscope"};
            int n = 1;
            if (!live)
                argv[n++] = cmd;
            argv[n++] = arg;
            argv[n++] = "--help";
            argv[n] = NULL;
            struct buf err;
            buf_init(&err);
            run_command(argv, -1, NULL, &err);
            bool refused = err.data && (strstr(err.data, "unrecognized") || strstr(err.data, "invalid option"));
            buf_free(&err);
            ck_assert_msg(!refused, "vmscope %s: '%s' offered, but refused", cmd, o);
        }
        buf_free(&got.text);
    }
}
END_TEST

/* Each format offered after -f is one the command writes. */
START_TEST(t_formats_offered_are_accepted)
{
    static const char *const cmds[] = {"snapshot", "pages", "diff", "export"};
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        struct words got;
        complete(&got, (const char *[]){"vmscope", cmds[c], "-f", "", NULL});
        ck_assert_msg(got.n >= 2, "vmscope %s -f: %d formats offered", cmds[c], got.n);
        struct words again;
        complete(&again, (const char *[]){"vmscope", cmds[c], "--format", "=", "", NULL});
        ck_assert_int_eq(again.n, got.n);
        for (int i = 0; i < got.n; i++) {
            const char *f = got.w[i];
            const char *snapshot[] = {"vmscope", "snapshot", "-p", pid, "-f", f, "-o", "/dev/null", NULL};
            const char *pages[] = {"vmscope", "pages", "-p", pid, "--range", "0-1000", "-f", f, "-o", "/dev/null", NULL};
            const char *diff[] = {"vmscope", "diff", SAMPLE "@0", SAMPLE "@-1", "-f", f, "-o", "/dev/null", NULL};
            const char *export[] = {"vmscope", "export", SAMPLE "@-1", "-f", f, "-o", "/dev/null", NULL};
            const char *const *argv = c == 0 ? snapshot : c == 1 ? pages : c == 2 ? diff : export;
            struct buf err;
            buf_init(&err);
            int rc = run_command(argv, -1, NULL, &err);
            ck_assert_msg(rc == 0, "vmscope %s -f %s: status %d: %s", cmds[c], f, rc, err.data ? err.data : "");
            buf_free(&err);
        }
        buf_free(&got.text);
        buf_free(&again.text);
    }
}
END_TEST

/* -p offers live pids: this process and a child started for the test, and
 * only numbers /proc has. */
START_TEST(t_pid_offers_live_processes)
{
    pid_t child = test_idle_child();
    char me[16], kid[16];
    snprintf(me, sizeof me, "%d", (int)getpid());
    snprintf(kid, sizeof kid, "%d", (int)child);
    static const char *const where[][3] = {{"-p", NULL}, {"--pid", NULL}, {"snapshot", "-p"},
                                           {"pages", "--pid"}, {"record", "-p"}};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
        const char *line[6] = {"vmscope", where[w][0]};
        int n = 2;
        if (where[w][1])
            line[n++] = where[w][1];
        line[n++] = "";
        line[n] = NULL;
        struct words got;
        complete(&got, line);
        ck_assert_msg(words_has(&got, me) && words_has(&got, kid), "%s %s: pids %s, %s not offered",
                      where[w][0], where[w][1] ? where[w][1] : "", me, kid);
        for (int i = 0; i < got.n; i++)
            ck_assert_msg(strspn(got.w[i], "0123456789") == strlen(got.w[i]), "not a pid: %s", got.w[i]);
        buf_free(&got.text);
    }
    kill(child, SIGKILL);
    struct words after;
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    complete(&after, (const char *[]){"vmscope", "-p", "", NULL});
    ck_assert_msg(!words_has(&after, kid), "pid %s offered after it was reaped", kid);
    buf_free(&after.text);
}
END_TEST

/* -r and the files of diff/export: snapshots and recordings (and
 * directories), not other files. */
START_TEST(t_files_offer_recordings)
{
    char dir[] = "/tmp/vmscope-completion-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const char *const names[] = {"a.json", "b.jsonl", "c.txt", "d.svg"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fclose(fp);
    }
    snprintf(path, sizeof path, "%s/sub", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    char prefix[256], want_a[256], want_b[256], want_sub[256], not_c[256];
    snprintf(prefix, sizeof prefix, "%s/", dir);
    snprintf(want_a, sizeof want_a, "%s/a.json", dir);
    snprintf(want_b, sizeof want_b, "%s/b.jsonl", dir);
    snprintf(want_sub, sizeof want_sub, "%s/sub", dir);
    snprintf(not_c, sizeof not_c, "%s/c.txt", dir);
    static const char *const where[][2] = {{"-r", NULL}, {"--read", NULL}, {"diff", NULL}, {"export", NULL}};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
        struct words got;
        complete(&got, (const char *[]){"vmscope", where[w][0], prefix, NULL});
        ck_assert_msg(got.n == 3 && words_has(&got, want_a) && words_has(&got, want_b) &&
                          words_has(&got, want_sub),
                      "%s: %d offered (%s)", where[w][0], got.n, got.n ? got.w[0] : "");
        buf_free(&got.text);
    }
    /* -o takes any file. */
    struct words out;
    complete(&out, (const char *[]){"vmscope", "snapshot", "-o", prefix, NULL});
    ck_assert(words_has(&out, not_c));
    buf_free(&out.text);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(want_sub);
    rmdir(dir);
}
END_TEST

int main(void)
{
    if (access("/bin/bash", X_OK) != 0) {
        printf("completion: skipped (no /bin/bash)\n");
        return 77;
    }
    Suite *s = suite_create("completion");
    TCase *tc = tcase_create("bash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_offers_every_subcommand);
    tcase_add_test(tc, t_offers_every_option);
    tcase_add_test(tc, t_offers_only_accepted_options);
    tcase_add_test(tc, t_formats_offered_are_accepted);
    tcase_add_test(tc, t_pid_offers_live_processes);
    tcase_add_test(tc, t_files_offer_recordings);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
