/* Screen tests: the real binary in a real terminal (tmux), driven with
 * send-keys and read back with capture-pane, against helper processes. */
#include "testlib.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmscope/util.h"

static char sock[64];

/* Runs a tmux command on our private server; returns its exit status. */
static int tmux(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int tmux(const char *fmt, ...)
{
    char args[2048], cmd[2200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "tmux -L %s %s", sock, args);
    return system(cmd);
}

static void tmux_output(struct buf *b, const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tmux -L %s %s", sock, args);
    buf_reset(b);
    FILE *fp = popen(cmd, "r");
    ck_assert_ptr_nonnull(fp);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
        buf_append(b, tmp, n);
    pclose(fp);
}

static void capture(struct buf *b)
{
    tmux_output(b, "capture-pane -J -p -t vt"); /* -J: wrapped lines joined */
}

/* Waits up to secs for text to appear in the pane; returns the pane. A
 * frame reaches tmux in several writes, so once the text shows, the pane is
 * read again after a moment: the rest of that frame has landed by then. */
static bool wait_for(struct buf *b, const char *text, double secs)
{
    for (double t = 0; t < secs; t += 0.1) {
        capture(b);
        if (b->data && strstr(b->data, text)) {
            usleep(150 * 1000);
            capture(b);
            if (b->data && strstr(b->data, text))
                return true;
        }
        usleep(100 * 1000);
    }
    return false;
}

/* Waits until text is no longer on the pane (a screen went away). */
static bool wait_gone(struct buf *b, const char *text, int seconds)
{
    uint64_t deadline = clock_monotonic_ns() + (uint64_t)seconds * 1000000000ull;
    while (clock_monotonic_ns() < deadline) {
        capture(b);
        if (b->data && !strstr(b->data, text))
            return true;
        usleep(100 * 1000);
    }
    return false;
}

/* A fresh pane running prefix vmscope args (prefix: an environment or a
 * tracer, or ""), which then reports its exit status and stays. */
static void start_pane(const char *prefix, const char *args, int cols, int rows)
{
    tmux("kill-server 2>/dev/null");
    /* A server that is still going away refuses the session for a moment. */
    int rc = -1;
    for (int tries = 0; tries < 30 && rc != 0; tries++) {
        if (tries)
            usleep(100 * 1000);
        rc = tmux("new-session -d -s vt -x %d -y %d \"%s%s/vmscope %s; echo EXIT=\\$?; "
                  "sleep 30\" 2>/dev/null",
                  cols, rows, prefix, TEST_BUILDDIR, args);
    }
    ck_assert_int_eq(rc, 0);
}

/* vmscope ARGS in a fresh pane; term, when set, is the pane's TERM. */
static void start_vmscope_term(const char *term, const char *args, int cols, int rows)
{
    char prefix[64] = "";
    if (term)
        snprintf(prefix, sizeof prefix, "TERM=%s ", term);
    start_pane(prefix, args, cols, rows);
}

static void start_vmscope(const char *args, int cols, int rows)
{
    start_vmscope_term(NULL, args, cols, rows);
}

/* A left click at (x, y), 0-based. With TERM=screen ncurses expects X10
 * mouse reports (ESC [ M b x y), which paste-buffer delivers byte for byte. */
static void click_at(int x, int y)
{
    char path[64], report[16];
    snprintf(path, sizeof path, "/tmp/vmscope-mouse-%d", (int)getpid());
    snprintf(report, sizeof report, "\033[M%c%c%c\033[M%c%c%c", 0x20, 33 + x, 33 + y, 0x23,
             33 + x, 33 + y); /* press, release */
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(report, fp);
    fclose(fp);
    tmux("load-buffer %s", path);
    tmux("paste-buffer -t vt");
    unlink(path);
}

static void stop_tmux(void)
{
    tmux("kill-server 2>/dev/null");
}

static const char *pid_args(pid_t pid)
{
    static char a[64];
    snprintf(a, sizeof a, "-p %d -i 0.3", (int)pid);
    return a;
}

/* vmscope on the helper, waited for until its first frame is drawn. */
static void attach(struct buf *b, const struct helper *h, int cols, int rows)
{
    start_vmscope(pid_args(h->pid), cols, rows);
    ck_assert_msg(wait_for(b, "2 Map", 5), "no first frame:\n%s", b->data);
    /* The first screen is the Summary; these tests start from the Map. */
    tmux("send-keys -t vt 2");
    ck_assert_msg(wait_gone(b, "Largest", 3), "no Map:\n%s", b->data);
}

/* Selects the region that contains addr (the / search) and opens its detail. */
static void open_detail(uint64_t addr)
{
    tmux("send-keys -t vt 2"); /* the Map: Enter on the Summary filters Regions */
    tmux("send-keys -t vt / %llx Enter", (unsigned long long)addr);
    tmux("send-keys -t vt Enter");
}

/* The tokens of the pane line that starts with label (a Summary row). */
static int summary_tokens(const char *pane, const char *label, char tok[10][16])
{
    char start[32];
    snprintf(start, sizeof start, "\n%s ", label);
    const char *line = strstr(pane, start);
    if (!line)
        return 0;
    return sscanf(line + 1, "%15s %15s %15s %15s %15s %15s %15s %15s %15s %15s", tok[0], tok[1],
                  tok[2], tok[3], tok[4], tok[5], tok[6], tok[7], tok[8], tok[9]);
}

/* The first screen is the Summary: its reserved row and its free row
 * (blocks and the largest gap) are what the test computes itself from
 * /proc/PID/maps; Enter on the reserved row lists exactly those regions. */
START_TEST(t_summary_screen)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    start_vmscope(pid_args(h.pid), 120, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Largest", 5), "no Summary first:\n%s", b.data);
    /* ground truth: PROT_NONE mappings and the gaps, from the kernel */
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)h.pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    uint64_t res_size = 0, res_blocks = 0;
    while (fgets(line, sizeof line, fp)) {
        unsigned long long lo, hi;
        char perms[8];
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && !strncmp(perms, "---", 3)) {
            res_size += hi - lo;
            res_blocks++;
        }
    }
    fclose(fp);
    ck_assert_uint_ge(res_blocks, 1); /* the helper's fences */
    struct free_space fs;
    test_free_space(h.pid, &fs);
    char want_res[16], want_free[16], want_largest[16], tok[10][16];
    format_size(want_res, sizeof want_res, res_size);
    format_size(want_free, sizeof want_free, fs.size);
    format_size(want_largest, sizeof want_largest, fs.largest);
    ck_assert_int_eq(summary_tokens(b.data, "reserved", tok), 10);
    ck_assert_str_eq(tok[1], want_res);
    ck_assert_uint_eq(strtoull(tok[8], NULL, 10), res_blocks);
    ck_assert_int_eq(summary_tokens(b.data, "free", tok), 10);
    ck_assert_str_eq(tok[1], want_free);
    ck_assert_uint_eq(strtoull(tok[8], NULL, 10), fs.blocks);
    ck_assert_str_eq(tok[9], want_largest);
    char hdr[48];
    snprintf(hdr, sizeof hdr, "largest free %s", want_largest);
    ck_assert_msg(strstr(b.data, hdr), "header lacks %s:\n%s", hdr, b.data);
    ck_assert_int_eq(summary_tokens(b.data, "Total", tok), 10);
    /* Enter on reserved (Total, free, reserved from the bottom) */
    tmux("send-keys -t vt End Up Up Enter");
    ck_assert_msg(wait_for(&b, "the regions of type reserved", 3), "no filtered Regions:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "Start-End"));
    uint64_t listed = 0;
    for (const char *p = strstr(b.data, "Start-End"); (p = strchr(p, '\n')); ) {
        p++;
        char row[512];
        size_t len = strcspn(p, "\n");
        snprintf(row, sizeof row, "%.*s", (int)(len < sizeof row ? len : sizeof row - 1), p);
        if (strlen(row) < 17 || row[16] != '-') /* not a region's row */
            continue;
        ck_assert_msg(strstr(row, " ---p ") != NULL, "not PROT_NONE: %s\n%s", row, b.data);
        listed++;
    }
    ck_assert_uint_eq(listed, res_blocks);
    /* The Map's last gap: the free part, then what is not user space. */
    char *own_maps = test_read_file("/proc/self/maps", NULL);
    bool gate = strstr(own_maps, "[vsyscall]") != NULL; /* a region above user space */
    free(own_maps);
    if (gate) {
        tmux("send-keys -t vt 2 End");
        ck_assert_msg(wait_for(&b, "then the non-canonical hole and the kernel's half", 3), "%s", b.data);
        ck_assert_ptr_null(strstr(b.data, "16E unmapped"));
    }
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 5));
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The Diff lists the regions by |delta RSS| (added ones with their RSS)
 * and scrolls: 60 added mappings of 1..60 written pages do not fit in 40
 * rows; End shows the last, the smallest. */
START_TEST(t_diff_scrolls_by_rss)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "60", NULL});
    uint64_t base = helper_value(&h, "base"), at[60];
    long pg = sysconf(_SC_PAGESIZE);
    for (int i = 0, off = 0; i < 60; off += i + 2, i++)
        at[i] = base + (uint64_t)off * (uint64_t)pg;
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 40);
    tmux("send-keys -t vt 5 m");
    ck_assert(wait_for(&b, "baseline marked", 3));
    ck_assert_int_eq(write(h.stdin_fd, "g", 1), 1); /* now the mappings come */
    ck_assert_msg(wait_for(&b, "60 added", 5), "%s", b.data);
    char biggest[80], smallest[80];
    snprintf(biggest, sizeof biggest, "+ %016llx %7s rw-p      rss +%-7s", (unsigned long long)at[59],
             pg == 4096 ? "240K" : "", pg == 4096 ? "240K" : "");
    snprintf(smallest, sizeof smallest, "+ %016llx ", (unsigned long long)at[0]);
    if (pg == 4096)
        ck_assert_msg(strstr(b.data, biggest), "the largest change is not first:\n%s", b.data);
    ck_assert_msg(!strstr(b.data, smallest), "all 60 fit:\n%s", b.data);
    tmux("send-keys -t vt End");
    ck_assert_msg(wait_for(&b, smallest, 3), "End did not reach the last line:\n%s", b.data);
    snprintf(biggest, sizeof biggest, "+ %016llx ", (unsigned long long)at[59]);
    ck_assert_ptr_null(strstr(b.data, biggest));
    /* the last line is the last entry, just above the status line */
    const char *last = strstr(b.data, smallest), *after = strchr(last, '\n');
    ck_assert_ptr_nonnull(after);
    ck_assert_ptr_null(strstr(after, "+ 0000"));
    tmux("send-keys -t vt Home");
    ck_assert_msg(wait_for(&b, biggest, 3), "Home:\n%s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* At 80x24 the Regions table has a Name column, and a long path is cut
 * from the front: its file name stays. */
START_TEST(t_names_keep_file_name)
{
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "/tmp/vmscope-a-long-directory-name-that-does-not-fit-%d-XXXXXX",
             (int)getpid());
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/libzz.so.6", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    char page[4096] = {1};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(write(fd, page, sizeof page), (ssize_t)sizeof page);
    close(fd);
    struct helper h;
    helper_start(&h, (const char *[]){"filemap", path, "2", NULL});
    struct buf b;
    buf_init(&b);
    start_vmscope(pid_args(h.pid), 80, 24);
    ck_assert_msg(wait_for(&b, "Summary", 5), "%s", b.data);
    /* at 80 columns the Summary keeps Blocks and Largest (Locked, Huge, Swap go) */
    ck_assert_msg(wait_for(&b, "   Largest", 3) && strstr(b.data, "    Blocks"), "%s", b.data);
    tmux("send-keys -t vt 3 / libzz Enter");
    ck_assert_msg(wait_for(&b, "/libzz.so.6", 3), "no file name at 80 columns:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, " Name"));
    ck_assert_msg(strstr(b.data, "\xe2\x80\xa6") || strstr(b.data, "~"), "not cut:\n%s", b.data);
    ck_assert_ptr_null(strstr(b.data, dir)); /* the front went, not the end */
    /* the Map and the Detail keep it too */
    tmux("send-keys -t vt 2");
    ck_assert_msg(wait_for(&b, "unmapped", 3), "%s", b.data);
    ck_assert_msg(strstr(b.data, "/libzz.so.6"), "Map:\n%s", b.data);
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, "class mmap/file", 3), "%s", b.data);
    ck_assert_msg(strstr(b.data, "/libzz.so.6"), "Detail:\n%s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* g in Regions: one row per mapped object; libc's row counts its
 * segments (and its bss) and expands to them, each start as in
 * /proc/PID/maps. */
START_TEST(t_regions_grouped_by_object)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char path[64], line[4096], starts[16][20];
    int nlibc = 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)h.pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    while (fgets(line, sizeof line, fp))
        if (strstr(line, "/libc.so.6\n") && nlibc < 16)
            snprintf(starts[nlibc++], sizeof starts[0], "%.*s-", (int)strcspn(line, "-"), line);
    fclose(fp);
    if (!nlibc) {
        test_skip("t_regions_grouped_by_object", "the helper has no libc.so.6 (static?)");
        helper_stop(&h);
        return;
    }
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 45);
    tmux("send-keys -t vt 3 g");
    ck_assert_msg(wait_for(&b, "by object (g)", 3), "%s", b.data);
    /* the object rows follow the column titles (row 4) */
    const char *title = strstr(b.data, "Start-End"), *p = title;
    int row = -1, libc_row = -1, count = 0;
    while ((p = strchr(p, '\n')) && *++p) {
        row++;
        size_t len = strcspn(p, "\n");
        char text[512];
        snprintf(text, sizeof text, "%.*s", (int)(len < sizeof text ? len : sizeof text - 1), p);
        if (strstr(text, "/libc.so.6") && strstr(text, " region")) {
            libc_row = row;
            ck_assert_int_eq(sscanf(text + 3, "%d", &count), 1); /* after the triangle */
            break;
        }
    }
    ck_assert_msg(libc_row >= 0, "no libc row:\n%s", b.data);
    ck_assert_msg(count == nlibc || count == nlibc + 1, "libc: %d regions, maps has %d:\n%s", count,
                  nlibc, b.data);
    for (int i = 0; i < nlibc; i++)
        ck_assert_msg(!strstr(b.data, starts[i]), "collapsed, yet %s shows:\n%s", starts[i], b.data);
    for (int i = 0; i < libc_row; i++)
        tmux("send-keys -t vt Down");
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, starts[nlibc - 1], 3), "not expanded:\n%s", b.data);
    for (int i = 0; i < nlibc; i++)
        ck_assert_msg(strstr(b.data, starts[i]), "%s missing:\n%s", starts[i], b.data);
    tmux("send-keys -t vt g");
    ck_assert(wait_gone(&b, "by object (g)", 3));
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The picker sorts (s), refreshes (a process started after it opened
 * appears), marks a process it cannot read and says why on Enter without
 * leaving, and q in the view attached from it returns to the list. */
START_TEST(t_picker_sorts_refreshes_returns)
{
    pid_t zombie = fork(); /* no address space left: cannot be read */
    ck_assert_int_ge(zombie, 0);
    if (zombie == 0)
        _exit(0);
    start_vmscope("-i 0.3", 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "choose a process", 5), "%s", b.data);
    tmux("send-keys -t vt s");
    ck_assert_msg(wait_for(&b, "sort: PID", 3), "%s", b.data);
    /* the rows below the column titles: ascending pids */
    const char *p = strstr(b.data, "sort: PID");
    long prev = 0;
    int rows = 0;
    while ((p = strchr(p, '\n')) && *++p) {
        long pid;
        /* a row: the mark (' ' or x), the pid right-aligned in 7, a space */
        if ((p[0] != ' ' && p[0] != 'x') || strcspn(p, "\n") < 9 || p[8] != ' ' ||
            sscanf(p + 1, "%ld", &pid) != 1)
            break;
        ck_assert_msg(pid > prev, "not sorted by PID (%ld after %ld):\n%s", pid, prev, b.data);
        prev = pid;
        rows++;
    }
    ck_assert_int_ge(rows, 2);
    /* the zombie: marked, and Enter says why and stays */
    tmux("send-keys -t vt / %d Enter", (int)zombie);
    char want[96];
    snprintf(want, sizeof want, "x%7d ", (int)zombie);
    ck_assert_msg(wait_for(&b, want, 3), "zombie %d not marked:\n%s", (int)zombie, b.data);
    tmux("send-keys -t vt Enter");
    snprintf(want, sizeof want, "pid %d: a kernel thread (or a zombie)", (int)zombie);
    ck_assert_msg(wait_for(&b, want, 3), "no reason:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "choose a process"));
    /* a process started now appears at a refresh */
    char tag[32];
    snprintf(tag, sizeof tag, "refresh-%d", (int)getpid());
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", tag, NULL});
    tmux("send-keys -t vt / C-u %s Enter", tag);
    snprintf(want, sizeof want, " %7d ", (int)h.pid);
    ck_assert_msg(wait_for(&b, want, 5), "helper %d never listed:\n%s", (int)h.pid, b.data);
    tmux("send-keys -t vt Enter");
    snprintf(want, sizeof want, "pid %d", (int)h.pid);
    ck_assert_msg(wait_for(&b, "2 Map", 5) && strstr(b.data, want), "did not attach:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "choose a process", 5), "q did not return to the list:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 5), "%s", b.data);
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
    waitpid(zombie, NULL, 0);
}
END_TEST

START_TEST(t_header_and_screens)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    start_vmscope(pid_args(h.pid), 160, 40);
    struct buf b;
    buf_init(&b);
    char want[64];
    snprintf(want, sizeof want, "pid %d", (int)h.pid);
    ck_assert_msg(wait_for(&b, want, 5), "no header with %s:\n%s", want, b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "maphelper"));
    ck_assert_ptr_nonnull(strstr(b.data, "RSS "));
    ck_assert_ptr_nonnull(strstr(b.data, "heap "));
    ck_assert_ptr_nonnull(strstr(b.data, "2 Map"));
    tmux("send-keys -t vt 3");
    ck_assert_msg(wait_for(&b, "Start-End", 3), "Regions screen:\n%s", b.data);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "Heap versus mmap", 3), "Timeline screen:\n%s", b.data);
    tmux("send-keys -t vt '?'");
    ck_assert_msg(wait_for(&b, "Classes (each region", 3), "Help screen:\n%s", b.data);
    tmux("send-keys -t vt Tab"); /* after the last tab, the first: Summary */
    ck_assert_msg(wait_for(&b, "Largest", 3), "Summary screen after Tab:\n%s", b.data);
    tmux("send-keys -t vt Tab");
    ck_assert_msg(wait_for(&b, "unmapped", 3), "Map screen after Tab:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 3), "q did not exit 0:\n%s", b.data);
    /* The terminal is restored: nothing of the screens is left. */
    ck_assert_ptr_null(strstr(b.data, "Map"));
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_search_address_selects_region)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    uint64_t start = helper_value(&h, "start");
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    /* An address inside the fenced mapping, without 0x. */
    tmux("send-keys -t vt / %llx Enter", (unsigned long long)(start + 5 * 4096 + 123));
    char row[64];
    snprintf(row, sizeof row, "%016llx >", (unsigned long long)start);
    ck_assert_msg(wait_for(&b, row, 3), "selection not on %s:\n%s", row, b.data);
    /* Enter opens its detail: 4 written pages, exactly. */
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, "class mmap/anon", 3), "no detail:\n%s", b.data);
    const char *rss = strstr(b.data, "\nRss ");
    ck_assert_ptr_nonnull(rss);
    char rss_line[64];
    sscanf(rss + 1, "Rss %63s", rss_line);
    ck_assert_str_eq(rss_line, "16K");
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_for(&b, "unmapped", 3), "Esc did not return to the map:\n%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_sort_by_size)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "4096", "1", NULL}); /* a 16 MiB region */
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    tmux("send-keys -t vt s"); /* address -> size, and to the Regions screen */
    ck_assert_msg(wait_for(&b, "sort: size", 3), "%s", b.data);
    /* The first row under the column titles is the largest region. */
    char *title = strstr(b.data, "Start-End");
    ck_assert_ptr_nonnull(title);
    char *first = strchr(title, '\n') + 1;
    char *end = strchr(first, '\n');
    *end = 0;
    ck_assert_msg(strstr(first, "128T") || strstr(first, "G ") || strstr(first, "M "),
                  "first row is not large: %s", first);
    tmux("send-keys -t vt s");
    ck_assert(wait_for(&b, "sort: rss", 3));
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_resize_to_1x1_and_back)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 30);
    tmux("resize-window -t vt -x 1 -y 1");
    usleep(500 * 1000);
    tmux("resize-window -t vt -x 5 -y 3");
    usleep(300 * 1000);
    tmux("resize-window -t vt -x 120 -y 30");
    ck_assert_msg(wait_for(&b, "2 Map", 3), "no full redraw after resize:\n%s", b.data);
    ck_assert_ptr_null(strstr(b.data, "EXIT="));
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_sigwinch_burst)
{
    /* Forty resizes as fast as tmux sends them, down to 1x1 and up again. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 30);
    for (int i = 0; i < 40; i++)
        tmux("resize-window -t vt -x %d -y %d", 1 + (i * 37) % 200, 1 + (i * 13) % 60);
    tmux("resize-window -t vt -x 120 -y 30");
    ck_assert_msg(wait_for(&b, "2 Map", 3), "no full redraw:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_hostile_name_is_not_obeyed)
{
    char dir[] = "/tmp/vmscope-tui-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct helper h;
    helper_start(&h, (const char *[]){"hostile", dir, NULL});
    start_vmscope(pid_args(h.pid), 200, 60);
    struct buf b, title;
    buf_init(&b);
    buf_init(&title);
    ck_assert(wait_for(&b, "2 Map", 5));
    tmux("send-keys -t vt 3"); /* every region's name is on the Regions screen */
    tmux("send-keys -t vt / PWNED Enter");
    ck_assert_msg(wait_for(&b, "\\e]0;PWNED-TITLE\\x07", 3), "no visible escape:\n%s", b.data);
    tmux_output(&title, "display-message -p -t vt '#{pane_title}'");
    ck_assert_msg(!strstr(title.data, "PWNED"), "the pane title changed: %s", title.data);
    tmux_output(&title, "show-buffer 2>&1");
    ck_assert_msg(!strstr(title.data, "pwned"), "the paste buffer changed: %s", title.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    buf_free(&title);
    helper_stop(&h);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(t_target_exit_shows_banner)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    pid_t pid = h.pid;
    helper_stop(&h); /* the helper exits */
    char want[64];
    snprintf(want, sizeof want, "process %d exited", (int)pid);
    ck_assert_msg(wait_for(&b, want, 5), "no exit banner:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "2 Map")); /* the last state stays */
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_picker_lists_helper)
{
    /* An extra argument (the helper ignores it) makes its command line
     * unique, whatever else runs on the machine. */
    char tag[32];
    snprintf(tag, sizeof tag, "picker-%d", (int)getpid());
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", tag, NULL});
    start_vmscope("", 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "choose a process", 5), "%s", b.data);
    tmux("send-keys -t vt / %s Enter", tag);
    char want[32];
    snprintf(want, sizeof want, "%8d ", (int)h.pid);
    ck_assert_msg(wait_for(&b, want, 3), "helper %d not listed:\n%s", (int)h.pid, b.data);
    tmux("send-keys -t vt Enter"); /* attach to it */
    char hdr[64];
    snprintf(hdr, sizeof hdr, "pid %d", (int)h.pid);
    ck_assert_msg(wait_for(&b, hdr, 5), "did not attach:\n%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

#ifndef __SANITIZE_ADDRESS__
static uint64_t heap_kib(const char *pane)
{
    const char *p = strstr(pane, " heap ");
    if (!p)
        return 0;
    double v = strtod(p + 6, NULL);
    const char *u = p + 6 + strspn(p + 6, "0123456789.");
    return (uint64_t)(v * (*u == 'M' ? 1024 : *u == 'G' ? 1024 * 1024 : *u == 'K' ? 1 : 0));
}
#endif

START_TEST(t_demo_heap_grows)
{
    start_vmscope("--demo -i 0.3", 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Small mallocs come from the brk heap", 5), "%s", b.data);
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator never uses brk: no heap to grow */
    uint64_t before = heap_kib(b.data), after = before;
    uint64_t deadline = clock_monotonic_ns() + 5000000000ull;
    while (after <= before + 1024 && clock_monotonic_ns() < deadline) {
        usleep(100 * 1000);
        capture(&b);
        after = heap_kib(b.data);
    }
    ck_assert_msg(after > before + 1024, "heap did not grow: %llu -> %llu KiB\n%s",
                  (unsigned long long)before, (unsigned long long)after, b.data);
#endif
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_signals_restore_terminal)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    static const char *const sigs[] = {"INT", "TERM", "HUP"};
    static const char *const codes[] = {"EXIT=0", "EXIT=143", "EXIT=129"};
    for (int i = 0; i < 3; i++) {
        start_vmscope(pid_args(h.pid), 120, 30);
        struct buf b;
        buf_init(&b);
        ck_assert(wait_for(&b, "2 Map", 5));
        char cmd[128];
        /* Anchored, so it matches vmscope and not the shells around it. */
        snprintf(cmd, sizeof cmd, "pkill -%s -f '^%s/vmscope -p %d'", sigs[i], TEST_BUILDDIR,
                 (int)h.pid);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_msg(wait_for(&b, codes[i], 3), "SIG%s:\n%s", sigs[i], b.data);
        ck_assert_ptr_null(strstr(b.data, "2 Map")); /* the screen was restored */
        stop_tmux();
        buf_free(&b);
    }
    helper_stop(&h);
}
END_TEST

/* Any SGR parameter that sets a colour (30-38, 40-48, 90-97, 100-107);
 * 39 and 49 only restore the defaults. */
static bool has_colour_sgr(const char *s)
{
    for (const char *p = s; (p = strstr(p, "\033[")); ) {
        p += 2;
        while (*p >= '0' && *p <= '9') {
            int n = (int)strtol(p, (char **)&p, 10);
            if ((n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 107))
                return true;
            if (*p == ';')
                p++;
        }
    }
    return false;
}

START_TEST(t_no_color)
{
    /* NO_COLOR and --no-color: no colour escapes reach the terminal. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    for (int way = 0; way < 3; way++) {
        char args[128];
        snprintf(args, sizeof args, "%s%s", pid_args(h.pid), way == 1 ? " --no-color" : "");
        if (way == 2)
            setenv("NO_COLOR", "1", 1); /* the new tmux server passes it on */
        start_vmscope(args, 160, 40);
        ck_assert(wait_for(&b, "2 Map", 5));
        tmux_output(&b, "capture-pane -e -p -t vt");
        bool coloured = has_colour_sgr(b.data);
        if (way == 0)
            ck_assert_msg(coloured, "no colour at all by default");
        else
            ck_assert_msg(!coloured, "colour with way %d", way);
        tmux("send-keys -t vt q");
        unsetenv("NO_COLOR");
        stop_tmux();
    }
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_permission_error_is_one_line)
{
    /* As an unprivileged user against our own (root) process: one line, exit
     * status 1, and no screen left behind. */
    if (geteuid() != 0) {
        test_skip("t_permission_error_is_one_line", "needs root, to become another user");
        return;
    }
    char args[128];
    snprintf(args, sizeof args, "-p %d", (int)getpid());
    start_pane("setpriv --reuid=65534 --regid=65534 --clear-groups ", args, 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "EXIT=1", 5), "%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "vmscope: permission denied"));
    ck_assert_ptr_nonnull(strstr(b.data, "CAP_SYS_PTRACE"));
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* A process under jemalloc (LD_PRELOAD of Debian's libjemalloc2): the
 * header names the allocator, the heap-versus-mmap view labels the
 * runtime heap with it, and Detail says why its malloc'd block is heap. */
START_TEST(t_runtime_heap_shown)
{
    const char *lib = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
    if (access(lib, R_OK) != 0) {
        test_skip("t_runtime_heap_shown", "no libjemalloc2");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/helpers/allochelper", TEST_BUILDDIR);
    struct helper h;
    program_start(&h, (const char *[]){path, NULL}, lib, 10);
    start_vmscope(pid_args(h.pid), 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "2 Map", 5), "%s", b.data);
    /* the header's second row (the Map below it names libjemalloc.so.2 too) */
    const char *row1 = strchr(b.data, '\n');
    const char *row1_end = row1 ? strchr(row1 + 1, '\n') : NULL;
    ck_assert_ptr_nonnull(row1_end);
    const char *named = strstr(row1, "  jemalloc");
    ck_assert_msg(named && named < row1_end, "the header names no allocator:\n%s", b.data);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "jemalloc heap", 3), "no jemalloc heap series:\n%s", b.data);
    tmux("send-keys -t vt 3");
    ck_assert(wait_for(&b, "Start-End", 3));
    open_detail(helper_value(&h, "big"));
    ck_assert_msg(wait_for(&b, "class heap/jemalloc", 3), "%s", b.data);
    ck_assert_msg(strstr(b.data, "why: "), "no evidence line:\n%s", b.data);
    /* a POSIX shm object is a deleted file underneath; it is not shown as one */
    tmux("send-keys -t vt Escape");
    open_detail(helper_value(&h, "shm"));
    ck_assert_msg(wait_for(&b, "class mmap/shm", 3), "%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 5));
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

START_TEST(t_mouse_click_selects)
{
    /* A click on the third row of the Regions table selects that region. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char args[128];
    snprintf(args, sizeof args, "-p %d", (int)h.pid);
    start_vmscope_term("screen", args, 160, 40);
    struct buf b;
    buf_init(&b);
    ck_assert(wait_for(&b, "2 Map", 5));
    tmux("send-keys -t vt 3");
    ck_assert(wait_for(&b, "Start-End", 3));
    /* The third data row: screen row 7 (0-based), under 4 header rows and the titles. */
    const char *row3 = b.data;
    for (int i = 0; i < 7 && row3; i++)
        row3 = strchr(row3, '\n') ? strchr(row3, '\n') + 1 : NULL;
    ck_assert_ptr_nonnull(row3);
    char start[17] = "";
    memcpy(start, row3, 16);
    click_at(9, 7);
    tmux("send-keys -t vt Enter");
    char want[32];
    snprintf(want, sizeof want, "%s-", start);
    ck_assert_msg(wait_for(&b, "class ", 5), "%.3000s", b.data); /* a pane fits in a message */
    ck_assert_msg(strstr(b.data, want) != NULL, "detail is not of %s:\n%s", start, b.data);
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_page_grid)
{
    /* /address + Enter opens the region; its grid counts the written pages
     * and the cursor's line describes the page under it. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "64", "9", NULL});
    uint64_t start = helper_value(&h, "start");
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 150, 45);
    open_detail(start);
    ck_assert_msg(wait_for(&b, "per cell", 3), "no grid:\n%s", b.data);
    /* every other page of the first 18 is written */
    ck_assert_msg(strstr(b.data, "#.#.#.#.#.#.#.#.#...") != NULL, "grid:\n%s", b.data);
    /* The histogram: by kernel page flags where they are readable (root),
     * by page state otherwise; either way 9 pages (36 KiB) in one line. */
    if (geteuid() == 0) {
        const char *line = strstr(b.data, "        9     36K  ");
        ck_assert_msg(strstr(b.data, "kernel page flags") && line, "histogram:\n%s", b.data);
        ck_assert_msg(strstr(line, "mmap") != NULL, "%s", b.data); /* the list may be cut */
        ck_assert_ptr_nonnull(strstr(b.data, "       55    220K  (not present)"));
    } else {
        ck_assert_msg(strstr(b.data, "        9     36K  # present") != NULL, "histogram:\n%s",
                      b.data);
    }
    char want[96];
    snprintf(want, sizeof want, "page 0x%llx (+0x2000)  present exclusive",
             (unsigned long long)(start + 2 * 4096));
    tmux("send-keys -t vt Right Right");
    ck_assert_msg(wait_for(&b, want, 3), "cursor line:\n%s", b.data);
    if (geteuid() == 0)
        ck_assert_ptr_nonnull(strstr(b.data, "mapcount 1"));
    tmux("send-keys -t vt Right");
    snprintf(want, sizeof want, "(+0x3000)  not present");
    ck_assert_msg(wait_for(&b, want, 3), "cursor line:\n%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_page_grid_large_region_histogram)
{
    /* Past 64 MiB the histogram counts page states (no per-page flag reads). */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "20000", "5", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 150, 45);
    open_detail(helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, "        5     20K  # present", 3), "%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "    19995     78M  . not present"));
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_page_grid_shared_pages)
{
    /* After fork the parent's written pages are mapped twice: at one page
     * per cell the grid shows them as shared ('+'), not exclusive ('#'). */
    struct helper h;
    helper_start(&h, (const char *[]){"fork", "8", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 150, 45);
    open_detail(helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, "++++++++", 3), "no shared pages in the grid:\n%s", b.data);
    ck_assert_ptr_null(strstr(b.data, "########"));
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

/* Every process whose command line is exactly argv0 arg (a unique marker). */
static int count_processes(const char *argv0, const char *arg)
{
    char want[128];
    int wlen = snprintf(want, sizeof want, "%s%c%s", argv0, 0, arg) + 1;
    int n = 0;
    DIR *d = opendir("/proc");
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));) {
        char path[300], cmd[128];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *fp = fopen(path, "r");
        if (!fp)
            continue;
        size_t len = fread(cmd, 1, sizeof cmd, fp);
        fclose(fp);
        n += len == (size_t)wlen && memcmp(cmd, want, (size_t)wlen) == 0;
    }
    closedir(d);
    return n;
}

/* The view on a pty we own that is not its controlling terminal (a new
 * session, as under su -c), with SIGHUP ignored besides: closing the pty's
 * master sends no SIGHUP, and still ends the view within a second, status
 * 1, in every mode: a launched program (killed too), a pid, a file, the
 * picker. */
START_TEST(t_terminal_loss_exits)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char pid_arg[16], file[64];
    snprintf(pid_arg, sizeof pid_arg, "%d", (int)h.pid);
    snprintf(file, sizeof file, "/tmp/vmscope-loss-%d.json", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid_arg, "-o", file,
                                                  NULL}, -1, NULL, NULL), 0);
    const char *const modes[][6] = {
        {"-i", "0.5", "--", "sleep", "987.654", NULL},
        {"-i", "0.5", "-p", pid_arg, NULL},
        {"-r", file, NULL},
        {NULL},
    };
    const char *const *args = modes[_i];
    const char *marker = _i == 3 ? "choose a process" : "Map";
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(master));
    struct winsize ws = {.ws_row = 40, .ws_col = 160};
    ioctl(master, TIOCSWINSZ, &ws);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/vmscope", TEST_BUILDDIR);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setsid();
        int fd = open(slave, O_RDWR | O_NOCTTY);
        if (fd < 0)
            _exit(99);
        dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
        close(master);
        signal(SIGHUP, SIG_IGN);
        setenv("TERM", "xterm", 1);
        char *argv[8] = {"vmscope"};
        for (int k = 0; args[k]; k++)
            argv[k + 1] = (char *)args[k];
        execv(bin, argv);
        _exit(98);
    }
    /* Read the screen until the first frame is there. */
    struct buf screen;
    buf_init(&screen);
    uint64_t deadline = clock_monotonic_ns() + 10000000000ull;
    while (clock_monotonic_ns() < deadline && !(screen.data && strstr(screen.data, marker))) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            char tmp[4096];
            ssize_t n = read(master, tmp, sizeof tmp);
            if (n > 0)
                buf_append(&screen, tmp, (size_t)n);
        }
    }
    ck_assert_msg(screen.data && strstr(screen.data, marker), "mode %d: no first frame", _i);
    if (_i == 0)
        ck_assert_int_eq(count_processes("sleep", "987.654"), 1);
    close(master);
    uint64_t closed = clock_monotonic_ns();
    int status = 0;
    pid_t got = 0;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && clock_monotonic_ns() - closed < 1000000000ull)
        usleep(10 * 1000);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    ck_assert_msg(got == pid, "mode %d: still running 1 s after its terminal closed", _i);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "mode %d: status %#x", _i,
                  status);
    ck_assert_int_eq(count_processes("sleep", "987.654"), 0); /* nothing left running */
    buf_free(&screen);
    unlink(file);
    helper_stop(&h);
}
END_TEST

/* Esc (the documented "back") returns from Help within 100 ms: the best of
 * three tries, each measured from the key to the Map on screen. */
START_TEST(t_escape_is_quick)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    tmux("send-keys -t vt p"); /* nothing: only so that Help has a screen to go back to */
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
        tmux("send-keys -t vt '?'");
        ck_assert_msg(wait_for(&b, "Classes (each region", 3), "Help:\n%s", b.data);
        uint64_t t0 = clock_monotonic_ns();
        tmux("send-keys -t vt Escape");
        bool back = false;
        while (!back && clock_monotonic_ns() - t0 < 3000000000ull) {
            capture(&b);
            back = b.data && strstr(b.data, "unmapped") && !strstr(b.data, "Classes (each region");
        }
        ck_assert_msg(back, "Esc did not return:\n%s", b.data);
        uint64_t took = clock_monotonic_ns() - t0;
        if (took < best)
            best = took;
    }
    ck_assert_msg(best < 100000000ull, "Esc took %.0f ms", (double)best / 1e6);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

/* LeakSanitizer cannot run under a tracer: an ASan build's leak check is
 * left to the other tests there. */
#define NO_LEAK_CHECK "ASAN_OPTIONS=\\$ASAN_OPTIONS:detect_leaks=0 "

static bool have_strace(void)
{
    return system("strace -V >/dev/null 2>&1") == 0;
}

/* The lines of an strace log (from line `from` on) that open or stat a path
 * containing needle. */
static int strace_hits(const char *log, const char *needle, long from, struct buf *hits)
{
    FILE *fp = fopen(log, "r");
    ck_assert_ptr_nonnull(fp);
    char line[4096];
    int n = 0;
    for (long i = 0; fgets(line, sizeof line, fp); i++)
        if (i >= from && strstr(line, needle) && n++ < 10) /* a few, for the message */
            buf_append(hits, line, strlen(line));
    fclose(fp);
    return n;
}

static long count_lines(const char *log)
{
    FILE *fp = fopen(log, "r");
    if (!fp)
        return 0;
    long n = 0;
    for (int c; (c = getc(fp)) != EOF;)
        n += c == '\n';
    fclose(fp);
    return n;
}

/* vmscope -r FILE reads the file and nothing else: with every screen
 * visited (Detail of an image region with its page grid and image parts
 * included) it opens no /proc/<pid> path and no file the process mapped. */
START_TEST(t_replay_reads_no_process)
{
    if (!have_strace()) {
        test_skip("t_replay_reads_no_process", "no strace");
        return;
    }
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "3", NULL});
    char path[64], log[64], pid[16], args[400], procdir[32];
    snprintf(path, sizeof path, "/tmp/vmscope-noproc-%d.json", (int)getpid());
    snprintf(log, sizeof log, "/tmp/vmscope-noproc-%d.strace", (int)getpid());
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    snprintf(procdir, sizeof procdir, "/proc/%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-o", path, NULL},
                                 -1, NULL, NULL), 0);
    uint64_t bss = helper_value(&h, "written_start");
    /* The helper stays alive: a reader that looked would find it. */
    snprintf(args, sizeof args, "-r %s", path);
    char prefix[200];
    snprintf(prefix, sizeof prefix, "%sstrace -f -e trace=%%file -o %s ", NO_LEAK_CHECK, log);
    start_pane(prefix, args, 200, 45);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "(not live)", 10), "%s", b.data);
    const char *screens[] = {"3", "Start-End", "4", "Heap versus mmap", "5", "Diff", "?", "Classes (each region", "2", "unmapped", "1", "Largest"};
    for (size_t i = 0; i < 12; i += 2) {
        tmux("send-keys -t vt %s", screens[i]);
        ck_assert_msg(wait_for(&b, screens[i + 1], 3), "screen %s:\n%s", screens[i], b.data);
    }
    open_detail(bss);
    ck_assert_msg(wait_for(&b, "image: rodata ", 3), "detail with image parts:\n%s", b.data);
    bool grid_says = strstr(b.data, "pages were not recorded") != NULL;
    tmux("send-keys -t vt Right Right");
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 5), "%s", b.data);
    struct buf hits;
    buf_init(&hits);
    ck_assert_msg(strace_hits(log, procdir, 0, &hits) == 0, "opened %s:\n%s", procdir, hits.data);
    ck_assert_msg(strace_hits(log, "helpers/maphelper", 0, &hits) == 0, "opened the image:\n%s",
                  hits.data);
    ck_assert_msg(strace_hits(log, "map_files", 0, &hits) == 0, "%s", hits.data);
    ck_assert_msg(grid_says, "the page grid does not say the pages were not recorded");
    buf_free(&hits);
    buf_free(&b);
    stop_tmux();
    unlink(path);
    unlink(log);
    helper_stop(&h);
}
END_TEST

/* Live at 1 Hz with Detail (and its page grid) open, everything vmscope
 * reads or writes comes right after a sample starts (the sample, the
 * grid's one read of the sample's pages, the draw): nothing between. */
START_TEST(t_live_view_idle_between_samples)
{
    if (!have_strace()) {
        test_skip("t_live_view_idle_between_samples", "no strace");
        return;
    }
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char log[64], prefix[200], args[64];
    snprintf(log, sizeof log, "/tmp/vmscope-between-%d.strace", (int)getpid());
    snprintf(prefix, sizeof prefix, "%sstrace -f -ttt -e trace=openat,pread64,write -o %s ",
             NO_LEAK_CHECK, log);
    snprintf(args, sizeof args, "-p %d -i 1", (int)h.pid);
    start_pane(prefix, args, 160, 45);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "2 Map", 10), "%s", b.data);
    open_detail(helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, "per cell", 5), "no page grid:\n%s", b.data);
    usleep(500 * 1000);
    long from = count_lines(log);
    sleep(4); /* four samples */
    FILE *fp = fopen(log, "r");
    ck_assert_ptr_nonnull(fp);
    char line[4096];
    double sample = 0, worst = 0;
    int samples = 0, calls = 0;
    char worst_line[512] = "";
    for (long i = 0; fgets(line, sizeof line, fp); i++) {
        int tid;
        double t;
        if (i < from || sscanf(line, "%d %lf", &tid, &t) != 2)
            continue;
        /* a sample reads stat (to tell an exec between reads), then maps
         * (light) or smaps (full): its start */
        if (strstr(line, "openat(") && (strstr(line, "\"stat\"") || strstr(line, "\"maps\"") ||
                                        strstr(line, "\"smaps\""))) {
            sample = t;
            samples++;
            continue;
        }
        if (!samples || strstr(line, "resumed>") || strstr(line, "+++") || strstr(line, "---") ||
            strstr(line, "O_DIRECTORY"))
            continue; /* /proc/PID itself is opened just before a sample's maps */
        calls++;
        if (t - sample > worst) {
            worst = t - sample;
            snprintf(worst_line, sizeof worst_line, "%.500s", line);
        }
    }
    fclose(fp);
    ck_assert_int_ge(samples, 3);
    ck_assert_int_gt(calls, 0);
    ck_assert_msg(worst < 0.5, "%.3f s after a sample started: %s", worst, worst_line);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 5), "%s", b.data);
    buf_free(&b);
    stop_tmux();
    unlink(log);
    helper_stop(&h);
}
END_TEST

/* An idle view costs nothing: paused with Detail (and its page grid) open,
 * vmscope makes no /proc reads and writes nothing to the terminal. */
START_TEST(t_idle_view_is_idle)
{
    if (!have_strace()) {
        test_skip("t_idle_view_is_idle", "no strace");
        return;
    }
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char log[64], procdir[32];
    snprintf(log, sizeof log, "/tmp/vmscope-idle-%d.strace", (int)getpid());
    snprintf(procdir, sizeof procdir, "/proc/%d", (int)h.pid);
    char prefix[200], args[64];
    snprintf(prefix, sizeof prefix, "%sstrace -f -e trace=openat,read,pread64,write,writev,ioctl "
             "-o %s ", NO_LEAK_CHECK, log);
    snprintf(args, sizeof args, "-p %d -i 1", (int)h.pid);
    start_pane(prefix, args, 160, 45);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "2 Map", 10), "%s", b.data);
    open_detail(helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, "per cell", 5), "no page grid:\n%s", b.data);
    tmux("send-keys -t vt Space");
    ck_assert_msg(wait_for(&b, "ms  [p", 3), "%s", b.data); /* "[paused]", cut to the width */
    usleep(300 * 1000);
    long from = count_lines(log);
    sleep(3); /* three sample intervals */
    struct buf hits;
    buf_init(&hits);
    int opens = strace_hits(log, "openat(", from, &hits);
    int reads = strace_hits(log, "pread64(", from, &hits);
    int writes = strace_hits(log, "write(1,", from, &hits);
    ck_assert_msg(opens + reads + writes == 0, "idle but busy:\n%s", hits.data);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 5), "%s", b.data);
    buf_free(&hits);
    buf_free(&b);
    stop_tmux();
    unlink(log);
    helper_stop(&h);
}
END_TEST

START_TEST(t_detail_image_parts)
{
    /* The bss region's detail shows its image's parts at run time. */
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "3", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 200, 45);
    open_detail(helper_value(&h, "written_start"));
    ck_assert_msg(wait_for(&b, "class bss/bss", 3), "%s", b.data);
    ck_assert_msg(strstr(b.data, "image: rodata ") != NULL, "%s", b.data);
    char bss[64];
    snprintf(bss, sizeof bss, "-%llx (16M)", /* the image's bss ends with the 16 MiB array */
             (unsigned long long)((helper_value(&h, "bss_end") + 4095) & ~4095ull));
    ck_assert_msg(strstr(b.data, "bss ") && strstr(b.data, bss), "no bss part %s:\n%s", bss,
                  b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "code "));
    ck_assert_ptr_nonnull(strstr(b.data, "relro "));
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

static int count_char_in_line_after(const char *pane, const char *marker, char c)
{
    const char *p = strstr(pane, marker);
    if (!p || !(p = strchr(p, '\n')))
        return -1;
    int n = 0;
    for (p++; *p && *p != '\n'; p++)
        n += *p == c;
    return n;
}

START_TEST(t_page_grid_live)
{
    /* The grid follows the process: pages written after it opened appear
     * at the next samples, underlined for the tick they changed in. */
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "60", "100", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 150, 45);
    open_detail(helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, "per cell", 3), "%s", b.data);
    int before = count_char_in_line_after(b.data, "per cell", '#');
    bool underlined = false;
    for (int i = 0; i < 20 && !underlined; i++) {
        usleep(150 * 1000);
        tmux_output(&b, "capture-pane -e -p -t vt");
        underlined = strstr(b.data, "\033[4m") || strstr(b.data, ";4m");
    }
    ck_assert_msg(underlined, "no changed cell was marked");
    int after = before;
    uint64_t deadline = clock_monotonic_ns() + 3000000000ull;
    while (after <= before + 3 && clock_monotonic_ns() < deadline) {
        usleep(100 * 1000);
        capture(&b);
        after = count_char_in_line_after(b.data, "per cell", '#');
    }
    ck_assert_msg(after > before + 3, "grid did not follow: %d -> %d\n%s", before, after, b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

START_TEST(t_replay_snapshot)
{
    /* A saved snapshot opens in the same screens after its process is gone;
     * a file that is not one gives one line and exit status 1. */
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char path[64];
    snprintf(path, sizeof path, "/tmp/vmscope-replay-%d.json", (int)getpid());
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-o", path, NULL},
                                 -1, NULL, NULL), 0);
    uint64_t start = helper_value(&h, "start");
    helper_stop(&h);
    char args[128];
    snprintf(args, sizeof args, "-r %s", path);
    start_vmscope(args, 160, 45);
    struct buf b;
    buf_init(&b);
    char want[64];
    snprintf(want, sizeof want, "pid %s", pid);
    ck_assert_msg(wait_for(&b, want, 5), "%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "(not live)"));
    open_detail(start);
    ck_assert_msg(wait_for(&b, "a saved snapshot has no page states", 3), "%s", b.data);
    const char *rss = strstr(b.data, "\nRss ");
    ck_assert_ptr_nonnull(rss);
    char value[32];
    sscanf(rss + 1, "Rss %31s", value);
    ck_assert_str_eq(value, "16K");
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    start_vmscope("-r /etc/passwd", 160, 45);
    ck_assert_msg(wait_for(&b, "EXIT=1", 5), "%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "vmscope: /etc/passwd: not JSON"));
    stop_tmux();
    unlink(path);
    buf_free(&b);
}
END_TEST

START_TEST(t_replay_refuses_hostile_files)
{
    /* `-r` reads the file before curses starts: whatever the file, one
     * line of error and status 1 (check_faults bounds memory and time). */
    static const struct {
        const char *head;
        long size; /* zeros up to this size; 0: none */
        const char *want;
    } cases[] = {
        {"\x89PNG\r\n\x1a\n\x1b]0;pwned\x07", 0, "not JSON (it does not start with '{')"},
        {"{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[{\"start\":\"0x", 0,
         "(cut off?)"},
        {"{\"format\":\"vmscope.recording\",\"version\":1}\n{\"format\":\"vmscope.snap", 0,
         "holds no complete sample (it ends mid-line: cut off?)"},
        {"{\"format\":\"vmscope.recording\",\"version\":1}\n{\"format\":", 1L << 30,
         "sample 0: a line longer than the 256 MiB vmscope reads"},
        {"{\"format\":\"vmscope.snapshot\",\"version\":1,\"regions\":[", 1L << 30,
         "1024.0 MiB, more than the 256 MiB a vmscope snapshot may be"},
    };
    char path[64];
    snprintf(path, sizeof path, "/tmp/vmscope-hostile-r-%d", (int)getpid());
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fputs(cases[i].head, fp);
        fclose(fp);
        if (cases[i].size)
            ck_assert_int_eq(truncate(path, cases[i].size), 0);
        char args[128];
        snprintf(args, sizeof args, "-r %s", path);
        start_vmscope(args, 160, 45);
        ck_assert_msg(wait_for(&b, "EXIT=1", 10), "case %zu: %s", i, b.data);
        ck_assert_msg(strstr(b.data, cases[i].want), "case %zu: %s", i, b.data);
        stop_tmux();
    }
    unlink(path);
    buf_free(&b);
}
END_TEST

START_TEST(t_replay_recording_scrubs)
{
    /* A recording opens at its last sample with its whole timeline; [ and
     * ] move through it and every screen shows that moment. */
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "40", "40", NULL});
    char path[64], pid[16];
    snprintf(path, sizeof path, "/tmp/vmscope-scrub-%d.jsonl", (int)getpid());
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.1", "-n",
                                                  NULL}, -1, NULL, NULL), 2); /* -n is not record's */
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-p", pid, "-i", "0.1", "-d",
                                                  "0.5", "-o", path, NULL}, -1, NULL, NULL), 0);
    helper_stop(&h);
    char args[128];
    snprintf(args, sizeof args, "-r %s", path);
    start_vmscope_term("screen", args, 160, 45); /* for the mouse */
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "sample 6 of 6", 5), "%s", b.data);
    char *mmap_last = strstr(b.data, " mmap ");
    ck_assert_ptr_nonnull(mmap_last);
    char last[16];
    sscanf(mmap_last + 6, "%15s", last);
    tmux("send-keys -t vt [ [ [ [ [");
    ck_assert_msg(wait_for(&b, "sample 1 of 6", 3), "%s", b.data);
    char first[16];
    sscanf(strstr(b.data, " mmap ") + 6, "%15s", first);
    ck_assert_str_ne(first, last); /* the region grew between the two */
    tmux("send-keys -t vt ]");
    ck_assert(wait_for(&b, "sample 2 of 6", 3));
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "Heap versus mmap", 3), "%s", b.data);
    /* The Timeline's time cursor: Left and Right, and a click on the chart
     * (sample k is column 9 + k, its rows start at row 5). */
    tmux("send-keys -t vt Left");
    ck_assert_msg(wait_for(&b, "sample 1 of 6", 3), "%s", b.data);
    tmux("send-keys -t vt Right Right");
    ck_assert_msg(wait_for(&b, "sample 3 of 6", 3), "%s", b.data);
    click_at(9 + 4, 6);
    ck_assert_msg(wait_for(&b, "sample 5 of 6", 3), "click on the chart:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    unlink(path);
    buf_free(&b);
}
END_TEST

START_TEST(t_diff_screen_against_baseline)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "60", "40", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 45);
    tmux("send-keys -t vt 5");
    ck_assert_msg(wait_for(&b, "No baseline yet", 3), "%s", b.data);
    tmux("send-keys -t vt m");
    ck_assert(wait_for(&b, "baseline marked", 3));
    /* the helper keeps writing pages: its region shows up as changed */
    char row[64];
    snprintf(row, sizeof row, "~ %016llx", (unsigned long long)helper_value(&h, "start"));
    ck_assert_msg(wait_for(&b, row, 4), "no changed region:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "rss +"));
    ck_assert_ptr_nonnull(strstr(b.data, "Since the baseline"));
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

#define STORY TEST_BUILDDIR "/tests/helpers/storyhelper"

/* "key 0xVALUE" as the launched helper printed it on the Output screen. */
static uint64_t pane_value(const struct buf *b, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s 0x", key);
    const char *p = strstr(b->data, pattern);
    ck_assert_msg(p, "no %s on the Output screen:\n%s", key, b->data);
    return strtoull(p + strlen(pattern), NULL, 16);
}

/* vmscope -- CMD: the program's output on the Output screen (not on ours),
 * its exit status, and its last address space kept after it is gone. */
START_TEST(t_launch_output_and_final_state)
{
    struct buf b;
    buf_init(&b);
    start_vmscope("-i 0.2 -- " STORY " story", 160, 45);
    ck_assert_msg(wait_for(&b, "exited with status 7", 10), "no exit banner:\n%s", b.data);
    ck_assert_ptr_null(strstr(b.data, "story done")); /* not written over the screens */
    tmux("send-keys -t vt 7");
    ck_assert_msg(wait_for(&b, "story done", 3), "Output screen:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "Output of "));
    uint64_t keep = pane_value(&b, "keep");
    /* The kept mapping was made just before exit: only the state captured
     * at the exit stop has it, with its 100 written pages. */
    tmux("send-keys -t vt 2");
    open_detail(keep);
    char want[32];
    snprintf(want, sizeof want, "%llx", (unsigned long long)keep);
    ck_assert_msg(wait_for(&b, "VmFlags", 3) && strstr(b.data, want), "detail of %s:\n%s", want,
                  b.data);
    ck_assert_msg(strstr(b.data, "its pages were not read"), "page grid after exit:\n%s", b.data);
    ck_assert_msg(strstr(b.data, "400 kB") || strstr(b.data, "400K"), "Rss of 100 pages:\n%s",
                  b.data);
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 3), "q after exit:\n%s", b.data);
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* vmscope --trace -- storyhelper story, waited for until the story ended. */
static void launch_story_traced(struct buf *b, int cols, int rows)
{
    start_vmscope("-i 0.2 --trace -- " STORY " story", cols, rows);
    ck_assert_msg(wait_for(b, "exited with status 7", 10), "no exit banner:\n%s", b->data);
}

/* --trace: the Timeline lists the exact calls; Enter on one shows the
 * region it made. */
START_TEST(t_launch_trace_selects_region)
{
    struct buf b;
    buf_init(&b);
    launch_story_traced(&b, 200, 50);
    tmux("send-keys -t vt 7");
    ck_assert(wait_for(&b, "story done", 3));
    uint64_t keep = pane_value(&b, "keep");
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "Memory calls, exact", 3), "Timeline:\n%s", b.data);
    char want[80];
    snprintf(want, sizeof want, "0x200000 (2.0M), PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#llx",
             (unsigned long long)keep);
    ck_assert_msg(strstr(b.data, want), "no %s in:\n%s", want, b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "madvise(0, 0, MADV_SEQUENTIAL) = 0"));
    /* Newest first: the end marker, then the kept mmap. */
    tmux("send-keys -t vt j Enter");
    snprintf(want, sizeof want, "%llx", (unsigned long long)keep);
    ck_assert_msg(wait_for(&b, "VmFlags", 3) && strstr(b.data, want), "detail of %s:\n%s", want,
                  b.data);
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_for(&b, "Memory calls, exact", 3), "back to the Timeline:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* A recording made with --trace replays its calls in the Timeline's log. */
START_TEST(t_replay_shows_traced_calls)
{
    char rec[96];
    snprintf(rec, sizeof rec, "/tmp/vmscope-traced-%d.jsonl", (int)getpid());
    char said[96];
    snprintf(said, sizeof said, "/tmp/vmscope-traced-%d.out", (int)getpid());
    struct buf out;
    buf_init(&out);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-i", "60", "--trace", "-o",
                                                  rec, "--program-output", said, "--", STORY,
                                                  "story", NULL},
                                 -1, NULL, NULL),
                     0);
    /* Record mode keeps the program's output off vmscope's terminal. */
    int fd = open(said, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(buf_read_fd(&out, fd), 0);
    close(fd);
    unlink(said);
    uint64_t keep = pane_value(&out, "keep");
    char args[128];
    snprintf(args, sizeof args, "-r %s", rec);
    start_vmscope(args, 200, 50);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "sample 2 of 2", 5), "%s", b.data);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "Memory calls, exact", 3), "Timeline of the recording:\n%s", b.data);
    char want[32];
    snprintf(want, sizeof want, "= %#llx", (unsigned long long)keep);
    ck_assert_msg(strstr(b.data, want), "no call returning %s:\n%s", want, b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    unlink(rec);
    buf_free(&out);
    buf_free(&b);
}
END_TEST

/* ---- Call sites (issue 14) ------------------------------------------ */

/* The pane line that holds text, or NULL; out gets that line. */
static bool pane_line(const struct buf *b, const char *text, char *out, size_t size)
{
    const char *p = b->data ? strstr(b->data, text) : NULL;
    if (!p)
        return false;
    const char *bol = p, *eol = strchr(p, '\n');
    while (bol > b->data && bol[-1] != '\n')
        bol--;
    snprintf(out, size, "%.*s", (int)((eol ? eol : p + strlen(p)) - bol), bol);
    return true;
}

/* The row under the cursor (drawn in reverse video): capture-pane -e. */
static bool cursor_row_has(const char *text)
{
    struct buf b;
    buf_init(&b);
    tmux_output(&b, "capture-pane -e -J -p -t vt");
    bool found = false;
    for (char *line = b.data; line && *line && !found;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        found = strstr(line, "\033[7m") && strstr(line, text);
        line = nl ? nl + 1 : NULL;
    }
    buf_free(&b);
    return found;
}

/* Moves the cursor down until its row holds text (at most 40 rows). */
static bool cursor_to(const char *text)
{
    for (int i = 0; i < 40; i++) {
        for (int t = 0; t < 10; t++) { /* the frame after the key */
            if (cursor_row_has(text))
                return true;
            usleep(50 * 1000);
        }
        tmux("send-keys -t vt Down");
    }
    return false;
}

/* The helper's own functions, by nm: the names the screens must show. */
static bool story_has_symbol(const char *fn)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "nm '%s' 2>/dev/null | grep -qw '%s'", STORY, fn);
    return system(cmd) == 0;
}

/* The flat list's row for a chain: Mapped (the first column) is the
 * helper's known size. */
static void assert_site_mapped(struct buf *b, const char *chain, uint64_t bytes)
{
    char line[512], want[16];
    ck_assert_msg(wait_for(b, chain, 10), "no call site %s:\n%s", chain, b->data);
    ck_assert(pane_line(b, chain, line, sizeof line));
    format_size(want, sizeof want, bytes);
    char got[16] = "";
    ck_assert(sscanf(line, "%15s", got) == 1);
    ck_assert_msg(strcmp(got, want) == 0, "%s mapped %s, not %s: %s", chain, got, want, line);
}

/* The Call sites screen live (--trace) and the same sites in a replay:
 * storyhelper's chains by name (nm) with the sizes they map (8 and 3
 * pages); the tree opens down to them; Enter lists the region the 8 pages
 * are in (its address as the helper printed it), whose Detail says which
 * function mapped it. */
static void check_call_sites(struct buf *b)
{
    const long page = sysconf(_SC_PAGESIZE);
    ck_assert(story_has_symbol("stack_make_buffer") && story_has_symbol("stack_map_leaf") &&
              story_has_symbol("stack_outer_setup"));
    tmux("send-keys -t vt C");
    ck_assert_msg(wait_for(b, "Call sites, top-down", 5), "no Call sites screen:\n%s", b->data);
    tmux("send-keys -t vt f");
    ck_assert_msg(wait_for(b, "Call sites, by stack", 5), "no flat list:\n%s", b->data);
    assert_site_mapped(b, "stack_map_leaf \u2190 stack_make_buffer \u2190 stack_outer_setup", 8 * (uint64_t)page);
    assert_site_mapped(b, "stack_map_leaf \u2190 stack_outer_setup \u2190 main,", 3 * (uint64_t)page);
    char line[512], freed[16], got[3][16];
    pane_line(b, "stack_map_leaf \u2190 stack_outer_setup \u2190 main,", line, sizeof line);
    format_size(freed, sizeof freed, 3 * (uint64_t)page); /* its 3 pages were unmapped */
    ck_assert(sscanf(line, "%15s %15s %15s", got[0], got[1], got[2]) == 3);
    ck_assert_msg(strcmp(got[2], freed) == 0, "freed %s, not %s: %s", got[2], freed, line);

    /* the tree: the helper's _start opens down to the chain */
    tmux("send-keys -t vt f");
    ck_assert(wait_for(b, "Call sites, top-down", 5));
    ck_assert_ptr_null(strstr(b->data, "stack_make_buffer"));
    ck_assert_msg(cursor_to("[storyhelper]"), "no row for the helper's _start:\n%s", b->data);
    tmux("send-keys -t vt '*'");
    ck_assert_msg(wait_for(b, "- stack_make_buffer", 5), "the tree did not open:\n%s", b->data);
    char want[16];
    pane_line(b, "- stack_outer_setup", line, sizeof line);
    format_size(want, sizeof want, 11 * (uint64_t)page); /* 8 + 3 pages under it */
    ck_assert_msg(sscanf(line, "%15s", got[0]) == 1 && strcmp(got[0], want) == 0,
                  "stack_outer_setup: %s", line);

    /* Enter on the site: the region the 8 pages are in */
    ck_assert(cursor_to("- stack_make_buffer"));
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(b, "Regions made by stack_make_buffer", 5), "%s", b->data);
}

START_TEST(t_callsites_screen_live)
{
    struct buf b;
    buf_init(&b);
    start_vmscope("-i 0.3 --trace -- " STORY " stackswait", 100, 30);
    ck_assert_msg(wait_for(&b, "7 Output", 10), "no first frame:\n%s", b.data);
    tmux("send-keys -t vt 7");
    ck_assert_msg(wait_for(&b, "stacks done", 10), "the helper did not finish:\n%s", b.data);
    uint64_t buffer = pane_value(&b, "leaf_map"); /* the first: the 8 pages */
    check_call_sites(&b);
    char at[32];
    snprintf(at, sizeof at, "%012llx", (unsigned long long)buffer);
    ck_assert(wait_for(&b, "Regions made by", 1));
    /* the listed region holds the buffer's address */
    bool holds = false;
    for (const char *p = b.data; (p = strstr(p, "\n")) && !holds; p++) {
        unsigned long long s, e;
        if (sscanf(p + 1, "%llx-%llx", &s, &e) == 2)
            holds = s <= buffer && buffer < e;
    }
    ck_assert_msg(holds, "no listed region holds %s:\n%s", at, b.data);
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, "mapped by", 5), "Detail:\n%s", b.data);
    char line[512], want[160], sz[16];
    format_size(sz, sizeof sz, 8 * (uint64_t)sysconf(_SC_PAGESIZE));
    snprintf(want, sizeof want, "mapped by  mmap %s  stack_map_leaf \u2190 stack_make_buffer \u2190 "
             "stack_outer_setup, storyhelper.c:", sz);
    ck_assert(pane_line(&b, "mapped by", line, sizeof line));
    ck_assert_msg(strstr(line, want), "mapped by: %s", line);
    /* at 80x24: one caller fewer, the file:line kept */
    tmux("resize-window -t vt -x 80 -y 24");
    snprintf(want, sizeof want, "mapped by  mmap %s  stack_map_leaf \u2190 stack_make_buffer, "
             "storyhelper.c:", sz);
    ck_assert_msg(wait_for(&b, want, 5), "Detail at 80x24:\n%s", b.data);
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_for(&b, "Regions made by", 3), "Esc from Detail:\n%s", b.data);
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_for(&b, "Call sites, top-down", 3), "Esc from the regions:\n%s", b.data);
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_for(&b, "Output of", 3), "Esc from Call sites:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=", 5));
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_callsites_screen_replay)
{
    char rec[96];
    snprintf(rec, sizeof rec, "/tmp/vmscope-sites-%d.jsonl", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-i", "60", "--trace", "-o",
                                                  rec, "--program-output", "/dev/null", "--",
                                                  STORY, "stacks", NULL},
                                 -1, NULL, NULL),
                     0);
    char args[128];
    snprintf(args, sizeof args, "-r %s", rec);
    start_vmscope(args, 100, 30);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "(not live", 5), "%s", b.data);
    check_call_sites(&b);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    unlink(rec);
    buf_free(&b);
}
END_TEST

/* Attached (no --trace): the screen says what it needs, at 80x24. */
START_TEST(t_callsites_need_trace)
{
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "3", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 80, 24);
    tmux("send-keys -t vt C");
    ck_assert_msg(wait_for(&b, "Call sites need a launch with --trace", 3), "%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "attached to"));
    ck_assert_ptr_nonnull(strstr(b.data, "vmscope --trace -- CMD"));
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_gone(&b, "Call sites need", 3), "Esc:\n%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

/* The brk heap's Detail names the code that grew it: the helper's story
 * (its 256 mallocs of 1 KiB), not libc's way from malloc to brk. */
START_TEST(t_detail_heap_grown_by)
{
    struct buf b;
    buf_init(&b);
    launch_story_traced(&b, 100, 30);
    tmux("send-keys -t vt 2");
    tmux("send-keys -t vt / '[heap]' Enter");
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, "grown by", 5), "heap Detail:\n%s", b.data);
    char line[512];
    ck_assert(pane_line(&b, "grown by", line, sizeof line));
    /* (main returns story() as a tail call: its frame is story's) */
    ck_assert_msg(strstr(line, "grown by   brk ") && strstr(line, "  story \u2190 ") &&
                      strstr(line, ", storyhelper.c:"),
                  "grown by: %s", line);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* The log rows under the title (the lines that start with a time). */
static int log_rows(const struct buf *b, char rows[][256], int max)
{
    int n = 0;
    for (const char *p = b->data; p && *p && n < max;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        unsigned s, ms;
        char dot;
        if (sscanf(p, " %u%c%3u", &s, &dot, &ms) == 3 && dot == '.' && strstr(p, "(") &&
            strstr(p, "(") < p + len)
            snprintf(rows[n++], 256, "%.*s", len, p);
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* --trace's event log reads like strace (issue 12): seconds.milliseconds
 * from the start, newest first, inside the run's own wall time; sizes
 * beside the hex; c filters by call, t by thread (the helper's own thread
 * id); the child's calls under its program and pid as the helper printed
 * it; Enter on the mapping the helper unmapped says which call took it. */
START_TEST(t_event_log_like_strace)
{
    struct buf b;
    buf_init(&b);
    uint64_t t0 = clock_monotonic_ns();
    launch_story_traced(&b, 120, 40);
    double wall = (double)(clock_monotonic_ns() - t0) / 1e9;
    tmux("send-keys -t vt 7");
    ck_assert(wait_for(&b, "story done", 3));
    uint64_t child = pane_value(&b, "child"), thread = pane_value(&b, "thread_tid"),
             direct = pane_value(&b, "direct");
    tmux("send-keys -t vt 4 L");
    ck_assert_msg(wait_for(&b, "L split", 3), "no full-width log:\n%s", b.data);
    static char rows[40][256];
    int n = log_rows(&b, rows, 40);
    ck_assert_int_ge(n, 20);
    double prev = 1e9;
    for (int i = 0; i < n; i++) { /* newest first, from the start, within the run */
        unsigned sec, ms;
        ck_assert(sscanf(rows[i], " %u.%3u", &sec, &ms) == 2);
        double t = sec + ms / 1000.0;
        ck_assert_msg(t <= prev && t <= wall, "row %d at %.3f (previous %.3f, run %.3f s): %s", i,
                      t, prev, wall, rows[i]);
        prev = t;
    }
    ck_assert_msg(strstr(b.data, "mmap(0, 0x200000 (2.0M), PROT_READ|PROT_WRITE"), "%s", b.data);
    char want[96];
    snprintf(want, sizeof want, "[storyhelper %d] mmap(0, 0x3000 (12K)", (int)child);
    ck_assert_msg(strstr(b.data, want), "no %s:\n%s", want, b.data);

    tmux("send-keys -t vt c c"); /* all, brk, mmap */
    ck_assert_msg(wait_for(&b, "; only mmap)", 3), "%s", b.data);
    n = log_rows(&b, rows, 40);
    ck_assert_int_ge(n, 5);
    for (int i = 0; i < n; i++)
        ck_assert_msg(strstr(rows[i], "  mmap(") || strstr(rows[i], "] mmap("), "%s", rows[i]);
    tmux("send-keys -t vt c c c c c"); /* ... madvise, all */
    ck_assert_msg(wait_gone(&b, "; only", 3), "%s", b.data);
    snprintf(want, sizeof want, "only thread %d)", (int)thread);
    for (int i = 0; i < 10 && !strstr(b.data, want); i++) {
        tmux("send-keys -t vt t");
        usleep(200 * 1000);
        capture(&b);
    }
    ck_assert_msg(wait_for(&b, want, 3), "no filter on the helper's thread %d:\n%s", (int)thread,
                  b.data);
    n = log_rows(&b, rows, 40);
    ck_assert_int_ge(n, 2); /* its arena: mmap, munmap, mprotect */
    for (int i = 0; i < n; i++) {
        unsigned sec, ms;
        int tid;
        ck_assert(sscanf(rows[i], " %u.%3u %d", &sec, &ms, &tid) == 3);
        ck_assert_int_eq(tid, (int)thread);
    }
    while (!strstr(b.data, "thread, L split") || strstr(b.data, "; only")) { /* back to all */
        tmux("send-keys -t vt t");
        usleep(200 * 1000);
        capture(&b);
    }
    /* the 5 pages the helper mapped and unmapped */
    snprintf(want, sizeof want, "= %#llx", (unsigned long long)direct);
    tmux("send-keys -t vt c c");
    ck_assert(wait_for(&b, "; only mmap)", 3));
    ck_assert_msg(cursor_to(want), "no mmap returning %s:\n%s", want, b.data);
    tmux("send-keys -t vt Enter");
    snprintf(want, sizeof want, "%#llx is gone: munmap at ", (unsigned long long)direct);
    ck_assert_msg(wait_for(&b, want, 3), "Enter on a gone region:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* CPU time (user + system, in clock ticks) of the vmscope running in the pane. */
static long vmscope_cpu_ticks(void)
{
    struct buf b;
    buf_init(&b);
    tmux_output(&b, "list-panes -t vt -F '#{pane_pid}'");
    int shell = b.data ? atoi(b.data) : 0;
    char cmd[96];
    snprintf(cmd, sizeof cmd, "pgrep -P %d -x vmscope", shell);
    FILE *fp = popen(cmd, "r");
    int pid = 0;
    if (fp && fscanf(fp, "%d", &pid) != 1)
        pid = 0;
    if (fp)
        pclose(fp);
    ck_assert_msg(pid > 0, "no vmscope under the pane's shell %d", shell);
    char path[64], stat[1024] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(fgets(stat, sizeof stat, fp));
    fclose(fp);
    long utime = 0, stime = 0;
    const char *p = strrchr(stat, ')'); /* fields after comm: state is the 3rd */
    ck_assert(p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime,
                          &stime) == 2);
    buf_free(&b);
    return utime + stime;
}

/* A launched program that crashes: shown with its signal, no hang. */
START_TEST(t_launch_crash_is_shown)
{
    struct buf b;
    buf_init(&b);
    start_vmscope("-i 0.2 -- " STORY " segv", 160, 40);
    ck_assert_msg(wait_for(&b, "killed by SIGSEGV", 10), "no crash banner:\n%s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "2 Map")); /* its last state stays */
    /* Idle after the end: the hung-up pty is not polled in a loop (it was:
     * 60 % of a CPU). One second may cost a few redraws, not a spin. */
    long before = vmscope_cpu_ticks();
    sleep(1);
    long spent = vmscope_cpu_ticks() - before;
    ck_assert_msg(spent < sysconf(_SC_CLK_TCK) / 5, "vmscope used %ld ticks in 1 s after the end",
                  spent);
    tmux("send-keys -t vt 7");
    ck_assert(wait_for(&b, "about to crash", 3));
    tmux("send-keys -t vt q");
    ck_assert_msg(wait_for(&b, "EXIT=0", 3), "q after a crash:\n%s", b.data);
    stop_tmux();
    buf_free(&b);
}
END_TEST

int main(void)
{
    snprintf(sock, sizeof sock, "vmscope-test-%d", (int)getpid());
    setenv("LANG", "C.UTF-8", 1);
    Suite *s = suite_create("tui");
    TCase *tc = tcase_create("tmux");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, t_header_and_screens);
    tcase_add_test(tc, t_search_address_selects_region);
    tcase_add_test(tc, t_sort_by_size);
    tcase_add_test(tc, t_resize_to_1x1_and_back);
    tcase_add_test(tc, t_sigwinch_burst);
    tcase_add_test(tc, t_hostile_name_is_not_obeyed);
    tcase_add_test(tc, t_target_exit_shows_banner);
    tcase_add_test(tc, t_picker_lists_helper);
    tcase_add_test(tc, t_demo_heap_grows);
    tcase_add_test(tc, t_signals_restore_terminal);
    tcase_add_test(tc, t_no_color);
    tcase_add_test(tc, t_permission_error_is_one_line);
    tcase_add_test(tc, t_mouse_click_selects);
    tcase_add_test(tc, t_page_grid);
    tcase_add_test(tc, t_page_grid_shared_pages);
    tcase_add_test(tc, t_page_grid_large_region_histogram);
    tcase_add_test(tc, t_detail_image_parts);
    tcase_add_loop_test(tc, t_terminal_loss_exits, 0, 4);
    tcase_add_test(tc, t_escape_is_quick);
    tcase_add_test(tc, t_replay_reads_no_process);
    tcase_add_test(tc, t_idle_view_is_idle);
    tcase_add_test(tc, t_live_view_idle_between_samples);
    tcase_add_test(tc, t_page_grid_live);
    tcase_add_test(tc, t_replay_snapshot);
    tcase_add_test(tc, t_replay_recording_scrubs);
    tcase_add_test(tc, t_replay_refuses_hostile_files);
    tcase_add_test(tc, t_diff_screen_against_baseline);
    tcase_add_test(tc, t_launch_output_and_final_state);
    tcase_add_test(tc, t_launch_trace_selects_region);
    tcase_add_test(tc, t_launch_crash_is_shown);
    tcase_add_test(tc, t_replay_shows_traced_calls);
    tcase_add_test(tc, t_runtime_heap_shown);
    tcase_add_test(tc, t_summary_screen);
    tcase_add_test(tc, t_diff_scrolls_by_rss);
    tcase_add_test(tc, t_names_keep_file_name);
    tcase_add_test(tc, t_regions_grouped_by_object);
    tcase_add_test(tc, t_picker_sorts_refreshes_returns);
    suite_add_tcase(s, tc);
    TCase *sites = tcase_create("callsites"); /* issue 14's screens */
    tcase_set_timeout(sites, 60);
    tcase_add_test(sites, t_callsites_screen_live);
    tcase_add_test(sites, t_callsites_screen_replay);
    tcase_add_test(sites, t_callsites_need_trace);
    tcase_add_test(sites, t_event_log_like_strace);
    tcase_add_test(sites, t_detail_heap_grown_by);
    suite_add_tcase(s, sites);
    int status = run_suite(s);
    tmux("kill-server 2>/dev/null");
    return status;
}
