/* Screen tests: the real binary in a real terminal (tmux), driven with
 * send-keys and read back with capture-pane, against helper processes. */
#include "testlib.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

/* Ends the tmux server and what its pane still runs. Nobody reads the
 * exit status of a vmscope still alive then, and under ASan one can stay,
 * spinning in LeakSanitizer's exit-time stop-the-world and taking a CPU
 * from every later test: the pane's process group is killed outright. */
static void stop_tmux(void)
{
    char cmd[160], line[32] = "";
    snprintf(cmd, sizeof cmd, "tmux -L %s display -p -t vt '#{pane_pid}' 2>/dev/null", sock);
    FILE *fp = popen(cmd, "r"); /* no ck_assert: main calls this after the tests too */
    if (fp) {
        if (!fgets(line, sizeof line, fp))
            line[0] = '\0';
        pclose(fp);
    }
    long pane = strtol(line, NULL, 10);
    tmux("kill-server 2>/dev/null");
    if (pane > 1)
        kill(-(pid_t)pane, SIGKILL); /* the pane is its session's and group's leader */
}

/* A fresh pane running prefix vmscope args (prefix: an environment or a
 * tracer, or ""), which then reports its exit status and stays. */
static void start_pane(const char *prefix, const char *args, int cols, int rows)
{
    stop_tmux();
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

/* /proc/PID/maps as the kernel gives it: ground truth for the tests below. */
struct maps_line {
    unsigned long long start, end;
    char perms[5];
    char name[256];
};

static size_t read_maps(pid_t pid, struct maps_line *out, size_t max)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, fp)) {
        struct maps_line *m = &out[n];
        int name_at = 0;
        if (sscanf(line, "%llx-%llx %4s %*s %*s %*s%n", &m->start, &m->end, m->perms, &name_at) < 3)
            continue;
        const char *name = line + name_at;
        while (*name == ' ')
            name++;
        snprintf(m->name, sizeof m->name, "%.*s", (int)strcspn(name, "\n"), name);
        n++;
    }
    fclose(fp);
    return n;
}

static unsigned long long mmap_min(void)
{
    unsigned long long lo = 65536;
    FILE *fp = fopen("/proc/sys/vm/mmap_min_addr", "r");
    if (fp) {
        ck_assert_int_eq(fscanf(fp, "%llu", &lo), 1);
        fclose(fp);
    }
    return lo;
}

/* The pane line that starts with prefix, copied into line; false if none. */
static bool pane_line(const char *pane, const char *prefix, char *line, size_t size)
{
    for (const char *p = pane; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, strlen(prefix))) {
            snprintf(line, size, "%.*s", (int)strcspn(p, "\n"), p);
            return true;
        }
    return false;
}

#define TASK_TOP 0x7ffffffff000ULL

/* The Map's strip is to scale: a cell shows a mapping exactly where
 * /proc/PID/maps has one; Regions' gap rows (f) are the gaps between the
 * mappings, sizes to the byte; the header's VSZ is status' VmSize. */
START_TEST(t_strip_gaps_and_vsz)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 45);
    static struct maps_line maps[512];
    size_t n = read_maps(h.pid, maps, 512);
    unsigned long long lo = mmap_min();
    int w = 160 - 7 - 6;
    char want[256];
    memset(want, '.', (size_t)w);
    want[w] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (maps[i].start >= TASK_TOP)
            continue;
        unsigned long long a = maps[i].start > lo ? maps[i].start : lo;
        unsigned long long z = (maps[i].end < TASK_TOP ? maps[i].end : TASK_TOP) - 1;
        int ca = (int)((unsigned __int128)(a - lo) * (unsigned)w / (TASK_TOP - lo));
        int cz = (int)((unsigned __int128)(z - lo) * (unsigned)w / (TASK_TOP - lo));
        for (int c = ca; c <= cz && c < w; c++)
            want[c] = '#';
    }
    char line[512];
    ck_assert_msg(pane_line(b.data, "space |", line, sizeof line), "no strip:\n%.2500s", b.data);
    for (int c = 0; c < w; c++)
        ck_assert_msg((line[7 + c] == '.') == (want[c] == '.'), "cell %d: '%c', maps say %s:\n%s\n%s",
                      c, line[7 + c], want[c] == '.' ? "free" : "mapped", line, want);
    /* VSZ: the kernel's VmSize ([vsyscall] shown, not counted) */
    char path[64], vsz[16], shown[32] = "";
    snprintf(path, sizeof path, "/proc/%d/status", (int)h.pid);
    struct buf st;
    buf_init(&st);
    test_read_buf(path, &st);
    const char *vm = strstr(st.data, "VmSize:");
    ck_assert_ptr_nonnull(vm);
    format_size(vsz, sizeof vsz, strtoull(vm + 7, NULL, 10) * 1024);
    buf_free(&st);
    const char *hv = strstr(b.data, "VSZ ");
    ck_assert_ptr_nonnull(hv);
    sscanf(hv + 4, "%31s", shown);
    ck_assert_msg(!strcmp(shown, vsz), "VSZ %s, VmSize %s", shown, vsz);
    /* Regions with gap rows: each as /proc/PID/maps gives it */
    tmux("send-keys -t vt 3 f");
    ck_assert_msg(wait_for(&b, "gaps (f)", 3), "%.2500s", b.data);
    int gaps = 0, regions_seen = 0;
    unsigned long long prev_end = lo;
    for (const char *p = strstr(b.data, "Start-End"); p && (p = strchr(p, '\n')) && *++p;) {
        unsigned long long a, z;
        if (sscanf(p, "%llx-%llx", &a, &z) != 2)
            continue;
        char row[400];
        snprintf(row, sizeof row, "%.*s", (int)strcspn(p, "\n"), p);
        if (strstr(row, " free ")) {
            /* a gap: it ends where a mapping starts and begins where one ends */
            bool starts = a == lo, ends = z == TASK_TOP;
            for (size_t i = 0; i < n; i++) {
                starts |= maps[i].end == a;
                ends |= maps[i].start == z;
                ck_assert_msg(maps[i].end <= a || maps[i].start >= z, "gap %llx-%llx overlaps %llx-%llx",
                              a, z, maps[i].start, maps[i].end);
            }
            ck_assert_msg(starts && ends, "gap %llx-%llx is not between mappings", a, z);
            char bytes[40];
            snprintf(bytes, sizeof bytes, "(%llu bytes unmapped)", z - a);
            ck_assert_msg(strstr(row, bytes), "%s: size is not %s", row, bytes);
            ck_assert_uint_eq(a, prev_end);
            gaps++;
        } else {
            /* a region right after another: no gap in maps between them */
            if (regions_seen++ && a != prev_end && a < TASK_TOP)
                ck_abort_msg("no gap row between %llx and %llx:\n%.2500s", prev_end, a, b.data);
        }
        prev_end = z;
    }
    ck_assert_msg(gaps >= 2, "%d gap rows:\n%.2500s", gaps, b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* A run of identical neighbours (maphelper many: one-page mappings of
 * alternating permissions) is one row "× N" that Enter expands; N is the
 * number of (r--p, rw-p) pairs /proc/PID/maps has from the helper's start. */
START_TEST(t_collapsed_run)
{
    struct helper h;
    helper_start(&h, (const char *[]){"many", "64", NULL});
    unsigned long long start = helper_value(&h, "start");
    long pg = sysconf(_SC_PAGESIZE);
    static struct maps_line maps[512];
    size_t n = read_maps(h.pid, maps, 512), at = n;
    for (size_t i = 0; i < n; i++)
        if (maps[i].start == start)
            at = i;
    ck_assert_uint_lt(at, n);
    ck_assert(at == 0 || maps[at - 1].end != start || strcmp(maps[at - 1].perms, "rw-p") != 0 ||
              maps[at - 1].end - maps[at - 1].start != (unsigned long long)pg); /* the run starts here */
    size_t pairs = 0;
    for (size_t i = at; i + 1 < n; i += 2) {
        bool one = maps[i].end - maps[i].start == (unsigned long long)pg &&
                   maps[i + 1].end - maps[i + 1].start == (unsigned long long)pg && !maps[i].name[0] &&
                   !maps[i + 1].name[0] && !strcmp(maps[i].perms, maps[at].perms) &&
                   !strcmp(maps[i + 1].perms, maps[at + 1].perms);
        if (!one)
            break;
        pairs++;
    }
    ck_assert_uint_ge(pairs, 3);
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 45);
    tmux("send-keys -t vt 3 x");
    ck_assert_msg(wait_for(&b, "runs (x)", 3), "%.2500s", b.data);
    char want[64], row[512], prefix[40];
    snprintf(want, sizeof want, "\xc3\x97 %zu  ", pairs);
    snprintf(prefix, sizeof prefix, "%016llx-", start);
    ck_assert_msg(wait_for(&b, want, 3) && pane_line(b.data, prefix, row, sizeof row) && strstr(row, want),
                  "no run row of %zu at %s:\n%.2500s", pairs, prefix, b.data);
    char second[40];
    snprintf(second, sizeof second, "  %016llx-", maps[at + 1].start);
    ck_assert_msg(!strstr(b.data, second), "collapsed, yet shown:\n%.2500s", b.data);
    tmux("send-keys -t vt / %llx Enter", start); /* the cursor on the run's row */
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(&b, second, 3), "Enter did not expand:\n%.2500s", b.data);
    tmux("send-keys -t vt Left");
    ck_assert_msg(wait_gone(&b, second, 3), "Left did not fold:\n%.2500s", b.data);
    /* the Map: x collapses the same run into one row, Right opens it */
    tmux("send-keys -t vt 2 Home x");
    ck_assert_msg(wait_for(&b, "runs of repeated neighbours collapsed", 3), "%.2500s", b.data);
    snprintf(prefix, sizeof prefix, "%016llx ", start);
    ck_assert_msg(pane_line(b.data, prefix, row, sizeof row) && strstr(row, want),
                  "no Map run row of %zu at %s:\n%.2500s", pairs, prefix, b.data);
    snprintf(second, sizeof second, "\n%016llx ", maps[at + 1].start);
    ck_assert_msg(!strstr(b.data, second), "collapsed, yet shown:\n%.2500s", b.data);
    tmux("send-keys -t vt / %llx Enter Right", start);
    ck_assert_msg(wait_for(&b, second, 3), "Right did not open the run:\n%.2500s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The column chooser adds TID and Offset at 100 columns; I reverses the
 * order (the highest mapping first), and the sort stays on show. */
START_TEST(t_column_chooser_and_reverse)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    static struct maps_line maps[512];
    size_t n = read_maps(h.pid, maps, 512);
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 100, 30);
    tmux("send-keys -t vt 3");
    ck_assert(wait_for(&b, "sort: address", 3));
    ck_assert_ptr_null(strstr(b.data, "TID"));
    tmux("send-keys -t vt F2");
    ck_assert_msg(wait_for(&b, "Columns", 3), "%.2500s", b.data);
    /* the list: End, PrivDty, ShrDty, Swap, Offset, Locked, THP, TID, Object */
    tmux("send-keys -t vt Down Down Down Down Space Down Down Down Space Escape");
    ck_assert_msg(wait_gone(&b, "Columns", 3), "%.2500s", b.data);
    char titles[300];
    ck_assert(pane_line(b.data, "Start ", titles, sizeof titles));
    ck_assert_msg(strstr(titles, "Offset") && strstr(titles, "TID") && !strstr(titles, "Swap"), "%s", titles);
    tmux("send-keys -t vt I Home");
    /* narrow for the long form: the short one, over the Name title */
    ck_assert_msg(wait_for(&b, " address- ", 3), "%.2500s", b.data);
    char top[40];
    snprintf(top, sizeof top, "\n%016llx ", maps[n - 1].start); /* the highest mapping */
    ck_assert_msg(wait_for(&b, top, 3), "not first: %s\n%.2500s", top + 1, b.data);
    ck_assert_msg(strstr(b.data, "Start ") < strstr(b.data, top), "%.2500s", b.data);
    tmux("send-keys -t vt s"); /* size, largest first, still reversed: smallest first */
    ck_assert_msg(wait_for(&b, " size- ", 3), "%.2500s", b.data);
    tmux("send-keys -t vt F2 Space Escape"); /* TID (the cursor stayed on it) off: room for the long form */
    ck_assert_msg(wait_for(&b, "sort: size (reversed)", 3), "%.2500s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* Regions that appear between full samples show "–" for what smaps alone
 * measures (PSS, the dirty pages), and so does the header's PSS; the full
 * sample brings the numbers. */
START_TEST(t_unmeasured_shows_dash)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "8", NULL});
    unsigned long long base = helper_value(&h, "base");
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 45);
    ck_assert_msg(wait_for(&b, "PSS ", 3) && !strstr(b.data, "PSS \xe2\x80\x93"), "%.2500s", b.data);
    tmux("send-keys -t vt 3");
    ck_assert(wait_for(&b, "Start-End", 3));
    ck_assert_int_eq(write(h.stdin_fd, "g", 1), 1); /* 8 mappings, written, between full samples */
    char prefix[40], row[512];
    snprintf(prefix, sizeof prefix, "%016llx-", base);
    tmux("send-keys -t vt / %llx Enter", base);
    bool seen = false;
    for (int t = 0; t < 40 && !seen; t++) {
        usleep(100 * 1000);
        capture(&b);
        seen = pane_line(b.data, prefix, row, sizeof row);
        if (!seen)
            tmux("send-keys -t vt / %llx Enter", base);
    }
    ck_assert_msg(seen, "the new mapping did not show:\n%.2500s", b.data);
    /* RSS is measured (a light tick reads residency): 4K; PSS and dirty are not */
    ck_assert_msg(strstr(row, "rw-p mmap/anon") && strstr(row, "\xe2\x80\x93"), "%s", row);
    ck_assert_msg(strstr(b.data, "PSS \xe2\x80\x93"), "header:\n%.2500s", b.data);
    /* the Summary's anon row: private and shared unknown, not 0 */
    tmux("send-keys -t vt 1");
    ck_assert_msg(wait_for(&b, "Largest", 3), "%.2500s", b.data);
    char anon[300];
    ck_assert_msg(pane_line(b.data, "  anon ", anon, sizeof anon), "%.2500s", b.data);
    if (strstr(b.data, "PSS \xe2\x80\x93")) /* still before the full sample */
        ck_assert_msg(strstr(anon, "\xe2\x80\x93"), "%s", anon);
    /* the next full sample (every 20 ticks of 0.3 s) measures them */
    ck_assert_msg(wait_gone(&b, "PSS \xe2\x80\x93", 15), "still unmeasured:\n%.2500s", b.data);
    tmux("send-keys -t vt 3");
    ck_assert(wait_for(&b, prefix, 3));
    ck_assert(pane_line(b.data, prefix, row, sizeof row));
    ck_assert_msg(!strstr(row, "\xe2\x80\x93"), "%s", row);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* A process that exits is "exited" in the header; a zombie is named as
 * one, with its parent (this test, which has not reaped it). */
START_TEST(t_exited_and_zombie_state)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    ck_assert_ptr_null(strstr(b.data, "state zombie"));
    kill(h.pid, SIGKILL); /* not reaped: a zombie */
    char want[96];
    snprintf(want, sizeof want, "zombie until its parent %d", (int)getpid());
    ck_assert_msg(wait_for(&b, want, 5), "no zombie:\n%.2500s", b.data);
    ck_assert_msg(strstr(b.data, "state zombie"), "%.2500s", b.data);
    helper_stop(&h);
    stop_tmux();
    /* exited and reaped */
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    attach(&b, &h, 160, 40);
    helper_stop(&h);
    ck_assert_msg(wait_for(&b, "state exited", 5), "%.2500s", b.data);
    ck_assert_ptr_null(strstr(b.data, "zombie"));
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
}
END_TEST

/* A Detail whose region is unmapped says so and stays on it; the page grid
 * of a region longer than the screen says where it is. */
START_TEST(t_detail_of_unmapped_region)
{
    struct helper h;
    helper_start(&h, (const char *[]){"dropmap", "4096", NULL});
    unsigned long long start = helper_value(&h, "start"), end = helper_value(&h, "end");
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 40);
    open_detail(start);
    char range[64];
    snprintf(range, sizeof range, "%016llx-%016llx", start, end);
    ck_assert_msg(wait_for(&b, range, 3) && wait_for(&b, "Pages:", 5), "%.2500s", b.data);
    for (int i = 0; i < 14; i++)
        tmux("send-keys -t vt +"); /* zoom in to one page a cell: longer than the grid */
    ck_assert_msg(wait_for(&b, "of 4096 (", 5), "no position:\n%.2500s", b.data);
    ck_assert_msg(strstr(b.data, "pages 1-"), "%.2500s", b.data);
    tmux("send-keys -t vt PageDown PageDown");
    ck_assert_msg(wait_gone(&b, "pages 1-", 5), "the position did not move:\n%.2500s", b.data);
    ck_assert_int_eq(write(h.stdin_fd, "u", 1), 1);
    ck_assert_msg(wait_for(&b, "this region is gone", 5), "%.2500s", b.data);
    ck_assert_msg(strstr(b.data, range), "another region:\n%.2500s", b.data);
    /* and it stays so over later samples */
    usleep(1000 * 1000);
    capture(&b);
    ck_assert_msg(strstr(b.data, "this region is gone") && strstr(b.data, range), "%.2500s", b.data);
    tmux("send-keys -t vt Escape");
    ck_assert(wait_gone(&b, "this region is gone", 3));
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST


/* "55M", "4.5K", "0B" -> bytes (format_size's form); UINT64_MAX when not one. */
static uint64_t size_value(const char *s)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s)
        return UINT64_MAX;
    const char *units = "BKMGTPE", *u = *end ? strchr(units, *end) : NULL;
    if (!u)
        return UINT64_MAX;
    for (long k = u - units; k > 0; k--)
        x *= 1024;
    return (uint64_t)x;
}

/* The file's text, or NULL (buf b holds it). */
static const char *read_text(struct buf *b, const char *path)
{
    buf_reset(b);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
        buf_append(b, tmp, n);
    fclose(fp);
    buf_putc(b, '\0');
    return b->data;
}

/* Sum of the "Key:   N kB" lines of /proc/PID/smaps (or the rollup), in bytes. */
static uint64_t smaps_sum(pid_t pid, const char *file, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    struct buf b;
    buf_init(&b);
    uint64_t sum = 0;
    const char *p = read_text(&b, path);
    size_t klen = strlen(key);
    for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        if (!strncmp(p, key, klen) && p[klen] == ':')
            sum += strtoull(p + klen + 1, NULL, 10) * 1024;
    buf_free(&b);
    return sum;
}

/* The chart's y labels (top and bottom) from the Timeline's pane. */
static bool chart_labels(const char *pane, uint64_t *hi, uint64_t *lo)
{
    const char *p = strstr(pane, "RSS over time");
    *hi = *lo = UINT64_MAX;
    while (p && (p = strchr(p, '\n')) && *++p) {
        const char *bar = strstr(p, "\xe2\x94\x82"); /* the axis line, U+2502 */
        const char *eol = strchr(p, '\n');
        if (!bar || (eol && bar > eol) || bar - p != 8)
            break;
        if (p[0] != ' ') {
            char label[9];
            memcpy(label, p, 8);
            label[8] = '\0';
            *strchrnul(label, ' ') = '\0';
            if (*hi == UINT64_MAX)
                *hi = size_value(label);
            *lo = size_value(label);
        }
    }
    return *hi != UINT64_MAX && *lo != UINT64_MAX;
}

/* The Timeline of a sawtooth (10 MiB coming and going on 40 MiB): the y
 * axis is the data's own range (not from 0), its labels bracket every
 * value the cursor reads out, and there is a time axis. */
START_TEST(t_timeline_chart_shows_change)
{
    struct helper h;
    helper_start(&h, (const char *[]){"sawtooth", "40", "10", "1600", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 40);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "cursor now: RSS", 3), "%.3000s", b.data);
    usleep(6000 * 1000); /* three periods, 20 samples at 0.3 s */
    tmux("send-keys -t vt space"); /* paused: the chart stays */
    ck_assert_msg(wait_for(&b, "[paused]", 3), "%.3000s", b.data);
    uint64_t hi, lo;
    ck_assert_msg(chart_labels(b.data, &hi, &lo), "no y labels:\n%.3000s", b.data);
    uint64_t amp = 10ull << 20;
    /* not from 0: the bottom label is near the base, the range a few saws */
    ck_assert_msg(lo > 20ull << 20 && hi - lo <= 4 * amp && lo < hi, "axis %llu..%llu:\n%.3000s",
                  (unsigned long long)lo, (unsigned long long)hi, b.data);
    /* the time axis: labels back from "now" */
    const char *axis = strstr(b.data, "\xe2\x94\x80\xe2\x94\x80"); /* ── */
    const char *now = axis ? strstr(axis, "now") : NULL;
    ck_assert_msg(now, "no time axis:\n%.3000s", b.data);
    const char *bol = now;
    while (bol > b.data && bol[-1] != '\n')
        bol--;
    ck_assert_msg(memchr(bol, '-', (size_t)(now - bol)) && strstr(bol, "s "), "no time labels:\n%.3000s",
                  b.data);
    /* every sample the cursor reaches lies within the labels, and they
     * cover both the bottom and the top of the saw */
    uint64_t min = UINT64_MAX, max = 0;
    char last[64] = "";
    for (int k = 0; k < 30; k++) {
        const char *c = strstr(b.data, "cursor ");
        ck_assert_ptr_nonnull(c);
        const char *open = strchr(c, '(');
        ck_assert_ptr_nonnull(open);
        uint64_t v = strtoull(open + 1, NULL, 10);
        ck_assert_msg(v >= lo && v <= hi, "%llu outside %llu..%llu:\n%.3000s", (unsigned long long)v,
                      (unsigned long long)lo, (unsigned long long)hi, b.data);
        min = v < min ? v : min;
        max = v > max ? v : max;
        snprintf(last, sizeof last, "%.*s", (int)(open - c), c);
        tmux("send-keys -t vt Left");
        wait_gone(&b, last, 2);
    }
    ck_assert_msg(max - min >= amp / 2, "the saw is not in the series: %llu..%llu",
                  (unsigned long long)min, (unsigned long long)max);
    ck_assert_msg(max - min >= (hi - lo) / 4, "the saw fills under a quarter of the height");
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The cursor's value at the newest sample of a process that does not
 * change is its RSS: the sum of smaps' Rss lines. */
START_TEST(t_timeline_cursor_value)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "256", "100", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 40);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "cursor now: RSS", 3), "%.3000s", b.data);
    uint64_t rss = smaps_sum(h.pid, "smaps", "Rss");
    char want[64];
    snprintf(want, sizeof want, "(%llu bytes)", (unsigned long long)rss);
    ck_assert_msg(wait_for(&b, want, 3), "want %s:\n%.3000s", want, b.data);
    usleep(800 * 1000);
    tmux("send-keys -t vt Left");
    ck_assert_msg(wait_gone(&b, "cursor now:", 3), "Left did not move the cursor:\n%.3000s", b.data);
    ck_assert_msg(strstr(b.data, "cursor -0.") && strstr(b.data, want), "%.3000s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The Threads screen: each tid of /proc/PID/task, its stack region the
 * maps line its stack pointer is in, the guard below it. */
START_TEST(t_threads_screen)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addthreads", "3", "1", NULL});
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)h.pid);
    struct buf b, f;
    buf_init(&b);
    buf_init(&f);
    for (int k = 0; k < 50 && !strstr(read_text(&f, path), "Threads:\t4"); k++)
        usleep(100 * 1000);
    attach(&b, &h, 150, 40);
    tmux("send-keys -t vt T");
    ck_assert_msg(wait_for(&b, "Used (SP to top)", 3), "no Threads screen:\n%.3000s", b.data);
    usleep(700 * 1000); /* a full sample with every thread asleep */
    capture(&b);
    snprintf(path, sizeof path, "/proc/%d/task", (int)h.pid);
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    int seen = 0;
    char maps_path[64];
    snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)h.pid);
    struct buf maps;
    buf_init(&maps);
    read_text(&maps, maps_path);
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char sys[600];
        snprintf(sys, sizeof sys, "%s/%s/syscall", path, de->d_name);
        unsigned long long sp = 0;
        const char *t = read_text(&f, sys);
        ck_assert_ptr_nonnull(t);
        const char *sp_at = strrchr(t, ' ');
        ck_assert_ptr_nonnull(sp_at);
        /* the second to last field is the SP */
        char *copy = xstrdup(t);
        char *last = strrchr(copy, ' ');
        *last = '\0';
        sp = strtoull(strrchr(copy, ' ') + 1, NULL, 16);
        free(copy);
        /* the maps line with the SP */
        unsigned long long lo = 0, hi = 0, glo = 0;
        bool found = false;
        for (const char *l = maps.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
            unsigned long long a, z;
            if (sscanf(l, "%llx-%llx", &a, &z) == 2 && sp >= a && sp < z) {
                lo = a, hi = z;
                found = true;
                break;
            }
            glo = a;
        }
        ck_assert_msg(found, "SP %llx of %s in no mapping", sp, de->d_name);
        char row[400];
        snprintf(row, sizeof row, "\n%7s S maphelper        %llx-%llx", de->d_name, lo, hi);
        const char *r = strstr(b.data, row);
        ck_assert_msg(r, "no row %s:\n%.3000s", row + 1, b.data);
        /* stack used: from the SP to the region's top */
        char used[32];
        format_size(used, sizeof used, hi - sp);
        char want_used[48];
        snprintf(want_used, sizeof want_used, " %s (", used);
        const char *eol = strchr(r + 1, '\n');
        ck_assert_msg(memmem(r, (size_t)(eol - r), want_used, strlen(want_used)),
                      "stack used is not %s:%.*s", used, (int)(eol - r), r);
        if (atoi(de->d_name) != h.pid) { /* pthread's guard page below */
            char guard[64];
            snprintf(guard, sizeof guard, "4.0K at %llx", glo);
            ck_assert_msg(strstr(r, guard) && strstr(r, guard) < strchr(r + 1, '\n'),
                          "no guard %s:\n%.3000s", guard, b.data);
        }
        seen++;
    }
    closedir(d);
    ck_assert_int_eq(seen, 4);
    tmux("send-keys -t vt Escape");
    ck_assert_msg(wait_gone(&b, "Used (SP to top)", 3), "Esc did not go back:\n%.3000s", b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    buf_free(&f);
    buf_free(&maps);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The Map's bars mark a locked region (#) and a THP-backed one (=), with
 * the legend; regions added or changed since the baseline are marked. */
START_TEST(t_map_markers)
{
    struct helper h;
    helper_start(&h, (const char *[]){"locked", "16", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 120, 60);
    ck_assert_msg(wait_for(&b, "# locked  = THP  s swapped", 3), "no legend:\n%.3000s", b.data);
    char row[64];
    snprintf(row, sizeof row, "%016llx   ########",
             (unsigned long long)helper_value(&h, "locked_start"));
    ck_assert_msg(wait_for(&b, row, 3), "no locked bar %s:\n%.3000s", row, b.data);
    /* THP only where the kernel gave huge pages (ground truth: smaps) */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)h.pid);
    struct buf f;
    buf_init(&f);
    char head[32];
    snprintf(head, sizeof head, "%llx-", (unsigned long long)helper_value(&h, "start"));
    const char *rec = strstr(read_text(&f, path), head);
    const char *ah = rec ? strstr(rec, "AnonHugePages:") : NULL;
    if (ah && strtoull(ah + 14, NULL, 10) > 0) {
        snprintf(row, sizeof row, "%016llx   ========", (unsigned long long)helper_value(&h, "start"));
        ck_assert_msg(wait_for(&b, row, 3), "no THP bar %s:\n%.3000s", row, b.data);
    } else {
        fprintf(stderr, "t_map_markers: no THP given by the kernel: THP part skipped\n");
    }
    buf_free(&f);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

START_TEST(t_baseline_marks)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "3", NULL});
    uint64_t base = helper_value(&h, "base");
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 160, 60);
    tmux("send-keys -t vt m");
    ck_assert(wait_for(&b, "baseline marked", 3));
    ck_assert_int_eq(write(h.stdin_fd, "g", 1), 1); /* now the mappings come */
    char row[64];
    snprintf(row, sizeof row, "%016llx  +", (unsigned long long)base);
    ck_assert_msg(wait_for(&b, row, 5), "no + in the Map at %s:\n%.3000s", row, b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "+ new  ~ changed since the baseline"));
    tmux("send-keys -t vt 3");
    ck_assert_msg(wait_for(&b, "+ new ~ changed since m", 3), "%.3000s", b.data);
    snprintf(row, sizeof row, "%016llx-", (unsigned long long)base);
    const char *r = strstr(b.data, row), *eol = r ? strchr(r, '\n') : NULL;
    /* the row's mark stands in the gap before the name: "  +" at the end (no name) */
    ck_assert_msg(r && eol && memmem(r, (size_t)(eol - r), " +", 2), "no + in Regions:\n%.3000s",
                  b.data);
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* The picker's columns against the kernel's files, and the user filter. */
START_TEST(t_picker_columns_and_user)
{
    char tag[32];
    snprintf(tag, sizeof tag, "cols-%d", (int)getpid());
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "64", "64", tag, NULL});
    start_vmscope("-i 0.5", 160, 30);
    struct buf b, f;
    buf_init(&b);
    buf_init(&f);
    ck_assert_msg(wait_for(&b, "choose a process", 5), "%.3000s", b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "PSS    SWAP   MAPS  THR"));
    tmux("send-keys -t vt / %s Enter", tag);
    char pid[32];
    snprintf(pid, sizeof pid, " %7d ", (int)h.pid);
    ck_assert_msg(wait_for(&b, pid, 5), "%.3000s", b.data);
    /* expected: smaps_rollup's Pss and Swap, maps' lines, 1 thread */
    char pss[16], swap[16], want[160], maps_path[64];
    format_size(pss, sizeof pss, smaps_sum(h.pid, "smaps_rollup", "Pss"));
    format_size(swap, sizeof swap, smaps_sum(h.pid, "smaps_rollup", "Swap"));
    snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)h.pid);
    const char *m = read_text(&f, maps_path);
    int lines = 0;
    for (; m && (m = strchr(m, '\n')); m++)
        lines++;
    (void)want;
    const char *row = strstr(b.data, pid);
    ck_assert_ptr_nonnull(row);
    char user[32], rss_s[16], pss_s[16], swap_s[16];
    int maps = -1, threads = -1, got_pid = 0;
    ck_assert_int_eq(sscanf(row, "%d %31s %15s %15s %15s %d %d", &got_pid, user, rss_s, pss_s,
                            swap_s, &maps, &threads), 7);
    /* PSS moves as other processes map the same files: within 5 % */
    uint64_t want_pss = smaps_sum(h.pid, "smaps_rollup", "Pss"), got_pss = size_value(pss_s);
    ck_assert_msg(got_pss * 20 >= want_pss * 19 && got_pss * 20 <= want_pss * 21,
                  "PSS %s, smaps_rollup %s:\n%.3000s", pss_s, pss, b.data);
    ck_assert_str_eq(swap_s, swap);
    ck_assert_int_eq(maps, lines);
    ck_assert_int_eq(threads, 1);
    /* u: another user's processes only: the helper (root's) goes */
    tmux("send-keys -t vt u nobody Enter");
    ck_assert_msg(wait_for(&b, "user: nobody", 3), "%.3000s", b.data);
    ck_assert_msg(!strstr(b.data, pid), "root's process shown for nobody:\n%.3000s", b.data);
    tmux("send-keys -t vt u C-u root Enter");
    ck_assert_msg(wait_for(&b, pid, 3), "root's process not shown for root:\n%.3000s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 5));
    buf_free(&b);
    buf_free(&f);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* e asks for the format and the path; the file written is that format. */
START_TEST(t_export_asks_format)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    struct buf b, f;
    buf_init(&b);
    buf_init(&f);
    attach(&b, &h, 160, 30);
    static const struct { const char *key, *starts; } cases[] = {
        {"c", "start,end,size,perms,offset,dev,inode,class,subclass,rss,pss,shared_clean,"},
        {"t", NULL}, {"s", "<?xml"}, {"j", "{"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tmux("send-keys -t vt e");
        ck_assert_msg(wait_for(&b, "export as: j JSON, c CSV, t text, s SVG", 3), "%.3000s", b.data);
        tmux("send-keys -t vt %s", cases[k].key);
        ck_assert_msg(wait_for(&b, "export to (Enter writes", 3), "%.3000s", b.data);
        tmux("send-keys -t vt Enter");
        ck_assert_msg(wait_for(&b, "exported to ", 5), "%.3000s", b.data);
        char path[512];
        const char *p = strstr(b.data, "exported to ") + 12;
        snprintf(path, sizeof path, "%.*s", (int)strcspn(p, " \n"), p);
        const char *text = read_text(&f, path);
        ck_assert_msg(text, "no file %s", path);
        if (cases[k].starts)
            ck_assert_msg(!strncmp(text, cases[k].starts, strlen(cases[k].starts)), "%s: %.80s",
                          path, text);
        else /* text: "PID:   command", then the columns */
            ck_assert_msg(atoi(text) == h.pid && strstr(text, "Start-End"), "%s: %.80s", path, text);
        unlink(path);
        tmux("send-keys -t vt Escape"); /* the message goes */
    }
    /* a path of our own, and an existing file is refused, not overwritten */
    char mine[64];
    snprintf(mine, sizeof mine, "/tmp/vmscope-export-%d.csv", (int)getpid());
    tmux("send-keys -t vt e c C-u %s Enter", mine);
    ck_assert_msg(wait_for(&b, "exported to /tmp/vmscope-export-", 5), "%.3000s", b.data);
    ck_assert_ptr_nonnull(read_text(&f, mine));
    tmux("send-keys -t vt e c C-u %s Enter", mine);
    ck_assert_msg(wait_for(&b, "export failed", 5), "%.3000s", b.data);
    unlink(mine);
    tmux("send-keys -t vt q");
    buf_free(&b);
    buf_free(&f);
    stop_tmux();
    helper_stop(&h);
}
END_TEST

/* 80x24: names visible on every screen; a terminal too small says so in
 * words that fit, whole; back at 80x24 everything is drawn again. */
START_TEST(t_small_terminals)
{
    struct helper h;
    helper_start(&h, (const char *[]){"thread", "128", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 80, 24);
    ck_assert_msg(wait_for(&b, "/helpers/maphelper", 3), "Map at 80x24 has no names:\n%.3000s", b.data);
    /* the header's two rows fit: items left out whole, none cut (~) */
    for (int row = 0; row < 2; row++) {
        const char *l = b.data;
        for (int k = 0; k < row && l; k++)
            l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL;
        ck_assert_ptr_nonnull(l);
        int len = (int)strcspn(l, "\n");
        while (len > 0 && l[len - 1] == ' ')
            len--;
        ck_assert_msg(len > 0 && l[len - 1] != '~', "header row %d cut at 80 columns:\n%.3000s", row,
                      b.data);
    }
    ck_assert_msg(strstr(b.data, "state S") && strstr(b.data, "VSZ ") && strstr(b.data, "PSS ") &&
                      strstr(b.data, "largest free "),
                  "header at 80 columns:\n%.3000s", b.data);
    tmux("send-keys -t vt 3");
    ck_assert_msg(wait_for(&b, "Name", 3) && strstr(b.data, "/helpers/maphelper"), "Regions:\n%.3000s",
                  b.data);
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "cursor now", 3), "Timeline:\n%.3000s", b.data);
    tmux("send-keys -t vt T");
    char tid[32];
    snprintf(tid, sizeof tid, "%7d S", (int)helper_value(&h, "tid"));
    ck_assert_msg(wait_for(&b, tid, 3), "Threads:\n%.3000s", b.data);
    /* a message longer than the width wraps: its end is on screen */
    tmux("send-keys -t vt e c C-u /nonexistent-%d/a-directory-name-long-enough-to-wrap-a-line-of-"
         "80/file.csv Enter",
         (int)getpid());
    ck_assert_msg(wait_for(&b, "file.csv: No such file or directory", 3), "not wrapped:\n%.3000s",
                  b.data);
    static const struct { int cols, rows; const char *says; } sizes[] = {
        {10, 3, "vmscope:\nterminal\ntoo small"},
        {40, 4, "vmscope: the terminal is too small"},
        {19, 6, "needs at least 20x6"},
        {5, 2, "too\nsmall"},
    };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        tmux("resize-window -t vt -x %d -y %d", sizes[k].cols, sizes[k].rows);
        bool says = false;
        for (int t = 0; t < 30 && !says; t++) {
            usleep(100 * 1000);
            capture(&b);
            /* the words, whatever blanks the pane keeps after them */
            char *w = b.data;
            for (char *r = b.data; r && *r; r++) {
                if (*r == ' ' && r[strspn(r, " ")] == '\n')
                    r += strspn(r, " ") - 1;
                else
                    *w++ = *r;
            }
            if (w)
                *w = '\0';
            says = strstr(b.data, sizes[k].says) != NULL;
        }
        ck_assert_msg(says, "%dx%d:\n%.3000s", sizes[k].cols, sizes[k].rows, b.data);
        /* no line longer than the terminal is wide: nothing was cut */
        for (const char *l = b.data; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
            ck_assert_int_le((int)strcspn(l, "\n"), sizes[k].cols);
    }
    tmux("resize-window -t vt -x 1 -y 1");
    usleep(300 * 1000);
    tmux("resize-window -t vt -x 80 -y 24");
    ck_assert_msg(wait_for(&b, "Guard", 3), "no redraw at 80x24:\n%.3000s", b.data);
    ck_assert_ptr_null(strstr(b.data, "EXIT="));
    tmux("send-keys -t vt q");
    buf_free(&b);
    stop_tmux();
    helper_stop(&h);
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
    /* the totals per state come first: 9 of 64 pages present, none swapped */
    const char *totals = strstr(b.data, "bytes  totals");
    ck_assert_msg(totals && strstr(totals, "        9     36K  present") &&
                      strstr(totals, "       55    220K  not present") &&
                      strstr(totals, "        0      0B  swapped") &&
                      strstr(totals, "bytes  totals") < strstr(b.data, "        9     36K  present"),
                  "no totals:\n%s", b.data);
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
/* The header's region count ("regions N"), or -1. */
static long header_regions(const struct buf *b)
{
    const char *p = b->data ? strstr(b->data, "  regions ") : NULL;
    return p ? strtol(p + 10, NULL, 10) : -1;
}

/* A live view of an idle process takes gated samples (status unchanged:
 * the last sample stands); a region the process maps shows at the next
 * sample all the same, not at the next ungated one 5 samples later. */
START_TEST(t_new_region_shows_within_a_tick)
{
    struct helper h;
    helper_start(&h, (const char *[]){"addmaps", "3", NULL});
    struct buf b;
    buf_init(&b);
    char args[64];
    snprintf(args, sizeof args, "-p %d -i 1", (int)h.pid);
    start_vmscope(args, 160, 40);
    ck_assert_msg(wait_for(&b, "2 Map", 5), "no first frame:\n%s", b.data);
    /* The first frame is up: samples follow about 1 s apart; the 5th is
     * the first the gate cannot skip (loop.h LOOP_LIGHT_EVERY). */
    uint64_t t0 = clock_monotonic_ns();
    long before = header_regions(&b);
    ck_assert_int_gt(before, 0);
    usleep(1300 * 1000); /* past the first sample, a gated one */
    ck_assert_int_eq(write(h.stdin_fd, "x", 1), 1); /* it maps three regions */
    char want[64];
    snprintf(want, sizeof want, "  regions %ld ", before + 3);
    /* by the second sample (2 s), with a second to spare; a gate that
     * missed them would show them at the 5th */
    bool shown = false;
    while (!shown && clock_monotonic_ns() - t0 < 3000000000ull) { /* wait_for counts sleeps */
        capture(&b);
        shown = b.data && strstr(b.data, want);
        usleep(50 * 1000);
    }
    ck_assert_msg(shown, "no %s within 3 s of the first frame:\n%s", want, b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
}
END_TEST

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
    sleep(6); /* six samples: one at least not gated (loop.h LOOP_LIGHT_EVERY) */
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
         * (light) or smaps (full); a gated one reads status first: its start */
        if (strstr(line, "openat(") && (strstr(line, "\"stat\"") || strstr(line, "\"maps\"") ||
                                        strstr(line, "\"smaps\"") || strstr(line, "\"status\""))) {
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

/* A file that is slow to read says so on the terminal ("vmscope:
 * loading...", after 0.3 s), and the line goes when the view starts: the
 * snapshot comes through a FIFO that the test holds half-written. */
START_TEST(t_replay_says_loading)
{
    struct helper h;
    helper_start(&h, (const char *[]){"fenced", "16", "4", NULL});
    char dir[] = "/tmp/vmscope-loading-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128], fifo[128], pid[16];
    snprintf(path, sizeof path, "%s/snap.json", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(pid, sizeof pid, "%d", (int)h.pid);
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "snapshot", "-p", pid, "-o", path, NULL},
                                 -1, NULL, NULL), 0);
    helper_stop(&h);
    struct buf text, b;
    buf_init(&text);
    buf_init(&b);
    int in = open(path, O_RDONLY);
    ck_assert_int_ge(in, 0);
    ck_assert_int_ge(buf_read_fd(&text, in), 0);
    close(in);
    ck_assert_uint_gt(text.len, 1000);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    char args[160];
    snprintf(args, sizeof args, "-r %s", fifo);
    start_vmscope(args, 160, 45);
    /* Until vmscope opens it for reading (ENXIO before), with a deadline;
     * a vmscope gone early then fails a write, not the test process. */
    signal(SIGPIPE, SIG_IGN);
    int out = -1;
    for (int tries = 0; tries < 100 && out < 0; tries++) {
        out = open(fifo, O_WRONLY | O_NONBLOCK);
        if (out < 0) {
            ck_assert_int_eq(errno, ENXIO);
            usleep(50 * 1000);
        }
    }
    ck_assert_msg(out >= 0, "vmscope never opened the FIFO");
    ck_assert_int_eq(fcntl(out, F_SETFL, 0), 0); /* blocking writes from here */
    size_t half = text.len / 2;
    ck_assert_int_eq(write(out, text.data, half), (ssize_t)half);
    ck_assert_msg(wait_for(&b, "vmscope: loading", 5), "no progress while held:\n%s", b.data);
    ck_assert_ptr_null(strstr(b.data, "2 Map")); /* no view yet */
    ck_assert_int_eq(write(out, text.data + half, text.len - half), (ssize_t)(text.len - half));
    close(out);
    char want[64];
    snprintf(want, sizeof want, "pid %s", pid);
    ck_assert_msg(wait_for(&b, want, 5), "no view after the rest:\n%s", b.data);
    ck_assert_msg(!strstr(b.data, "vmscope: loading"), "the progress line stayed:\n%s", b.data);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 3));
    stop_tmux();
    unlink(fifo);
    unlink(path);
    rmdir(dir);
    buf_free(&text);
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
    /* the header: the recording's pace and the moment shown, not the live
     * cost; the moment is the last sample's time after the first, as the
     * file's lines give them */
    struct buf rec;
    buf_init(&rec);
    test_read_buf(path, &rec);
    unsigned long long t0 = 0, t = 0;
    for (const char *p = rec.data; (p = strstr(p, "\"monotonic_ns\":")); p++) {
        t = strtoull(p + 15, NULL, 10);
        if (!t0)
            t0 = t;
    }
    buf_free(&rec);
    char when[64];
    snprintf(when, sizeof when, "recorded every 0.1s  at +%.1fs (6/6)", (double)(t - t0) / 1e9);
    ck_assert_msg(wait_for(&b, when, 5), "%s:\n%.2500s", when, b.data);
    ck_assert_ptr_null(strstr(b.data, "cost "));
    char *mmap_last = strstr(b.data, " mmap ");
    ck_assert_ptr_nonnull(mmap_last);
    char last[16];
    sscanf(mmap_last + 6, "%15s", last);
    tmux("send-keys -t vt [ [ [ [ [");
    ck_assert_msg(wait_for(&b, "sample 1 of 6", 3), "%s", b.data);
    ck_assert_msg(wait_for(&b, "at +0.0s (1/6)", 3), "%s", b.data);
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
    uint64_t keep = test_printed_hex(&b, "keep");
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
    uint64_t keep = test_printed_hex(&b, "keep");
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
    uint64_t keep = test_printed_hex(&out, "keep");
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
static bool pane_line_with(const struct buf *b, const char *text, char *out, size_t size)
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
    ck_assert(pane_line_with(b, chain, line, sizeof line));
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
    pane_line_with(b, "stack_map_leaf \u2190 stack_outer_setup \u2190 main,", line, sizeof line);
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
    pane_line_with(b, "- stack_outer_setup", line, sizeof line);
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
    uint64_t buffer = test_printed_hex(&b, "leaf_map"); /* the first: the 8 pages */
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
    ck_assert(pane_line_with(&b, "mapped by", line, sizeof line));
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

/* A trace longer than the Timeline's log (20,000 calls): Call sites
 * still counts every call in the recording, and Detail still names the
 * call that mapped a region 21,000 calls before the end. */
START_TEST(t_callsites_count_every_call)
{
    char rec[96], said[96];
    snprintf(rec, sizeof rec, "/tmp/vmscope-churn-%d.jsonl", (int)getpid());
    snprintf(said, sizeof said, "/tmp/vmscope-churn-%d.out", (int)getpid());
    ck_assert_int_eq(run_command((const char *[]){"vmscope", "record", "-i", "60", "--trace", "-o",
                                                  rec, "--program-output", said, "--", STORY,
                                                  "churn", "10500", NULL},
                                 -1, NULL, NULL),
                     0);
    size_t len = 0, events = 0;
    char *text = test_read_file(rec, &len); /* the calls the recording holds */
    for (const char *p = text; (p = strstr(p, "\"format\":\"vmscope.event\"")); p++)
        events++;
    free(text);
    ck_assert_uint_gt(events, 21000);
    text = test_read_file(said, &len);
    struct buf out = {.data = text, .len = len};
    uint64_t buffer = test_printed_hex(&out, "leaf_map"); /* the first: the 8-page buffer */
    free(text);
    unlink(said);
    char args[128], want[64];
    snprintf(args, sizeof args, "-r %s", rec);
    start_vmscope(args, 120, 30);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "(not live", 20), "%s", b.data);
    tmux("send-keys -t vt C");
    snprintf(want, sizeof want, "top-down: %zu calls mapped", events);
    ck_assert_msg(wait_for(&b, want, 10), "no '%s':\n%s", want, b.data);
    ck_assert_msg(!strstr(b.data, "not counted"), "%s", b.data);
    /* the buffer was mapped and advised 21,000 calls before the end: Detail still knows by what */
    tmux("send-keys -t vt Escape");
    open_detail(buffer);
    ck_assert_msg(wait_for(&b, "mapped by", 5), "Detail:\n%s", b.data);
    char line[512];
    ck_assert(pane_line_with(&b, "mapped by", line, sizeof line));
    ck_assert_msg(strstr(line, "mapped by  mmap 32K  stack_map_leaf \u2190 stack_make_buffer"),
                  "mapped by: %s", line);
    /* ... and by what it was changed, as long before (the log holds 20,000) */
    ck_assert_msg(pane_line_with(&b, "changed by", line, sizeof line), "Detail:\n%s", b.data);
    ck_assert_msg(strstr(line, "madvise") && strstr(line, "churn_advise"), "changed by: %s", line);
    tmux("send-keys -t vt q");
    ck_assert(wait_for(&b, "EXIT=0", 5));
    stop_tmux();
    unlink(rec);
    buf_free(&b);
}
END_TEST

/* An anonymous region named for its object, as the bss past an image's
 * file is, keeps its parentheses when the name is cut at 80 columns:
 * "(…s/maphelper)", not "…s/maphelper)". */
START_TEST(t_object_label_keeps_parens)
{
    struct helper h;
    helper_start(&h, (const char *[]){"bss", "3", NULL});
    struct buf b;
    buf_init(&b);
    attach(&b, &h, 80, 24);
    tmux("send-keys -t vt 3");
    ck_assert_msg(wait_for(&b, "bss/bss", 3), "%s", b.data);
    char line[512] = ""; /* the row of the helper's own anonymous bss */
    for (const char *q = b.data; q && *q;) {
        const char *eol = strchr(q, '\n');
        size_t len = eol ? (size_t)(eol - q) : strlen(q);
        snprintf(line, sizeof line, "%.*s", (int)len, q);
        if (strstr(line, "bss/bss") && strstr(line, "maphelper)"))
            break;
        line[0] = '\0';
        q = eol ? eol + 1 : NULL;
    }
    ck_assert_msg(line[0], "no bss row of the helper:\n%s", b.data);
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    ck_assert_msg(n > 10 && strcmp(line + n - 10, "maphelper)") == 0 && strstr(line, "(\xe2\x80\xa6"),
                  "not a cut label in parentheses: '%s'", line);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
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
    ck_assert(pane_line_with(&b, "grown by", line, sizeof line));
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
    uint64_t child = test_printed_hex(&b, "child");
    uint64_t thread = test_printed_hex(&b, "thread_tid");
    uint64_t direct = test_printed_hex(&b, "direct");
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
    tmux("send-keys -t vt c c c c c c c"); /* ... madvise, execve, exit_group, all */
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

/* ---- the guided tour (vmscope --demo, issue 15) --------------------- */

/* The tour program's pid, from the header ("vmscope  pid N"). */
static pid_t tour_pid(const struct buf *b)
{
    const char *p = b->data ? strstr(b->data, "vmscope  pid ") : NULL;
    return p ? (pid_t)atoi(p + 13) : 0;
}

/* VmRSS + VmSize of pid in KiB, read from the kernel. */
static void vm_status(pid_t pid, uint64_t *rss, uint64_t *vsz)
{
    char path[64];
    struct buf st;
    buf_init(&st);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    test_read_buf(path, &st);
    const char *r = strstr(st.data, "VmRSS:"), *v = strstr(st.data, "VmSize:");
    ck_assert(r && v);
    *rss = strtoull(r + 6, NULL, 10);
    *vsz = strtoull(v + 7, NULL, 10);
    buf_free(&st);
}

/* The /proc/PID/maps line that starts at start (copied to line), and the
 * one before it (prev); false when there is none. */
static bool maps_line(pid_t pid, uint64_t start, char *line, size_t len, char *prev,
                      size_t plen)
{
    char path[64], cur[512], before[512] = "";
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    bool found = false;
    while (!found && fgets(cur, sizeof cur, fp)) {
        if (strtoull(cur, NULL, 16) == start) {
            snprintf(line, len, "%s", cur);
            snprintf(prev, plen, "%s", before);
            found = true;
        }
        snprintf(before, sizeof before, "%s", cur);
    }
    fclose(fp);
    return found;
}

static int count_maps(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *fp = fopen(path, "r");
    int n = 0;
    while (fp && fgets(line, sizeof line, fp))
        n++;
    if (fp)
        fclose(fp);
    return n;
}

/* Jumps to phase k (1-based) through the list of phases (t). */
static void tour_jump(struct buf *b, int k)
{
    char want[32];
    snprintf(want, sizeof want, "Tour %d/8", k);
    tmux("send-keys -t vt t");
    ck_assert_msg(wait_for(b, "Phases: Enter jumps", 3), "no list of phases:\n%s", b->data);
    tmux("send-keys -t vt Home");
    for (int i = 1; i < k; i++)
        tmux("send-keys -t vt j");
    tmux("send-keys -t vt Enter");
    ck_assert_msg(wait_for(b, want, 10), "no %s:\n%s", want, b->data);
}

/* The start address of the region the tour marked: the Regions row with
 * '>' before the name, or the Detail's first line. */
static uint64_t tour_marked(const struct buf *b)
{
    for (const char *l = b->data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        if (len > 60 && strspn(l, "0123456789abcdef") == 16 && l[16] == '-')
            return strtoull(l, NULL, 16); /* Detail */
        if (len > 56 && strspn(l, "0123456789abcdef") == 16 && memchr(l, '>', len))
            return strtoull(l, NULL, 16); /* the marked Regions row */
    }
    return 0;
}

static uint64_t maps_size(const char *line)
{
    char *end;
    uint64_t lo = strtoull(line, &end, 16);
    return strtoull(end + 1, NULL, 16) - lo;
}

START_TEST(t_tour_next_previous_and_small)
{
    start_vmscope("--demo -i 0.3", 100, 30);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Tour 1/8", 5), "%s", b.data);
    pid_t pid = tour_pid(&b);
    ck_assert_int_gt(pid, 0);
    int most = count_maps(pid);
    for (int k = 2; k <= 8; k++) {
        char want[16];
        snprintf(want, sizeof want, "Tour %d/8", k);
        tmux("send-keys -t vt n");
        ck_assert_msg(wait_for(&b, want, 10), "n did not go to %s:\n%s", want, b.data);
        usleep(500 * 1000); /* the phase's own mappings are made */
        int n = count_maps(pid);
        most = n > most ? n : most;
    }
    ck_assert_msg(most <= 30, "the tour program has %d regions", most);
    tmux("send-keys -t vt p");
    ck_assert_msg(wait_for(&b, "Tour 7/8", 10), "p did not go back:\n%s", b.data);
    /* no vmscope library in the tour's address space */
    char path[64];
    struct buf maps;
    buf_init(&maps);
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    test_read_buf(path, &maps);
    ck_assert_msg(!strstr(maps.data, "ncurses") && !strstr(maps.data, "libelf") &&
                      !strstr(maps.data, "jansson"),
                  "%s", maps.data);
    buf_free(&maps);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_tour_hold_stops_the_program)
{
    start_vmscope("--demo --speed 0.5 -i 0.3", 100, 30);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Tour 1/8", 5), "%s", b.data);
    pid_t pid = tour_pid(&b);
    tour_jump(&b, 3); /* lazy allocation: RSS grows step by step */
    uint64_t rss0, vsz0, rss, vsz;
    vm_status(pid, &rss0, &vsz0);
    uint64_t deadline = clock_monotonic_ns() + 10000000000ull;
    do {
        usleep(50 * 1000);
        vm_status(pid, &rss, &vsz);
    } while (rss == rss0 && clock_monotonic_ns() < deadline);
    ck_assert_msg(rss != rss0, "the lazy phase never touched a page");
    tmux("send-keys -t vt Space");
    ck_assert_msg(wait_for(&b, "[HELD]", 3), "%s", b.data);
    vm_status(pid, &rss0, &vsz0);
    for (int i = 0; i < 20; i++) { /* two seconds held: nothing moves */
        usleep(100 * 1000);
        vm_status(pid, &rss, &vsz);
        ck_assert_msg(rss == rss0 && vsz == vsz0, "held, yet RSS %llu -> %llu, VSZ %llu -> %llu",
                      (unsigned long long)rss0, (unsigned long long)rss,
                      (unsigned long long)vsz0, (unsigned long long)vsz);
    }
    tmux("send-keys -t vt Space");
    deadline = clock_monotonic_ns() + 10000000000ull;
    do {
        usleep(50 * 1000);
        vm_status(pid, &rss, &vsz);
    } while (rss == rss0 && vsz == vsz0 && clock_monotonic_ns() < deadline);
    ck_assert_msg(rss != rss0 || vsz != vsz0, "released, yet nothing moved");
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_tour_selection_follows)
{
    start_vmscope("--demo --speed 0.5 -i 0.3", 100, 34);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Tour 1/8", 5), "%s", b.data);
    pid_t pid = tour_pid(&b);
    for (int k = 1; k <= 8; k++) {
        if (k > 1)
            tour_jump(&b, k);
        char line[512] = "", prev[512] = "";
        uint64_t at = 0;
        bool ok = false;
        /* the sample that holds the phase's region comes within a tick */
        uint64_t deadline = clock_monotonic_ns() + 6000000000ull;
        while (!ok && clock_monotonic_ns() < deadline) {
            usleep(200 * 1000);
            capture(&b);
            at = tour_marked(&b);
            if (!at || !maps_line(pid, at, line, sizeof line, prev, sizeof prev))
                continue;
            uint64_t size = maps_size(line);
            bool anon = !strchr(line, '/') && !strchr(line, '[');
            const char *locked = strstr(b.data, "Locked");
            switch (k) {
            case 1: ok = strstr(line, "[heap]") != NULL; break;
            case 2: ok = strstr(line, "[heap]") || (anon && size >= 24u << 20); break;
            case 3: ok = anon && size == 256u << 20; break;
            case 4: ok = strstr(prev, "vmscope-tour") && size >= 32u << 20; break;
            case 5: ok = anon && size >= 8u << 20 && strstr(prev, "---p"); break;
            case 6: ok = strstr(line, "rw-p") && strstr(line, "vmscope-tour"); break;
            case 7: ok = anon && size == 48u * 4096; break;
            case 8:
                ok = anon && size == 4u << 20 && locked &&
                     !strncmp(locked + 6 + strspn(locked + 6, " "), "4.0M", 4);
                break;
            }
        }
        ck_assert_msg(ok, "phase %d marks %llx: %s(before: %s)\n%s", k,
                      (unsigned long long)at, line, prev, b.data);
    }
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
}
END_TEST

START_TEST(t_tour_step_waits)
{
    start_vmscope("--demo --step --speed 4 -i 0.3", 100, 30);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Tour 1/8", 5), "%s", b.data);
    ck_assert_msg(wait_for(&b, "[step: n for the next phase]", 15), "%s", b.data);
    uint64_t until = clock_monotonic_ns() + 3000000000ull; /* waits, however long */
    while (clock_monotonic_ns() < until) {
        capture(&b);
        ck_assert_msg(strstr(b.data, "Tour 1/8") && !strstr(b.data, "Tour 2/8"), "%s", b.data);
        usleep(200 * 1000);
    }
    tmux("send-keys -t vt n");
    ck_assert_msg(wait_for(&b, "Tour 2/8", 5), "%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* The words of s, one space apart (out: size bytes), without the number
 * after "(pid " (the fork phase names its child, another one each run). */
static void squeeze(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++)
        if (n >= 5 && !memcmp(out + n - 5, "(pid ", 5) && *s >= '0' && *s <= '9')
            continue;
        else if (*s != ' ' && *s != '\n')
            out[n++] = *s;
        else if (n && out[n - 1] != ' ')
            out[n++] = ' ';
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/* Every sentence the tour program says, as it says it: the program run
 * here on pipes of our own, every phase asked for with 'n'. */
static int tour_sentences(char sentences[][400], int max)
{
    int out[2], ctl[2];
    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(pipe(ctl), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char a[16], c[16];
        snprintf(a, sizeof a, "%d", out[1]);
        snprintf(c, sizeof c, "%d", ctl[0]);
        execl(TEST_BUILDDIR "/vmscope-tour", "vmscope-tour", a, c, "10", "0", "0", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(ctl[0]);
    FILE *fp = fdopen(out[0], "r");
    char line[800];
    int n = 0, phase = 0;
    while (n < max && fgets(line, sizeof line, fp)) {
        if (strncmp(line, "phase\t", 6) != 0)
            continue;
        phase = atoi(line + 6);
        char *text = line;
        for (int f = 0; f < 6 && text; f++)
            text = strchr(text, '\t') ? strchr(text, '\t') + 1 : NULL;
        ck_assert_ptr_nonnull(text);
        text[strcspn(text, "\n")] = '\0';
        snprintf(sentences[n++], 400, "Tour %d/8: %s", phase, text);
        if (phase == 8)
            break;
        ck_assert_int_eq(write(ctl[1], "n", 1), 1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fclose(fp);
    close(ctl[1]);
    return n;
}

START_TEST(t_tour_80x24_sentences_whole)
{
    char said[16][400];
    int n = tour_sentences(said, 16);
    ck_assert_int_ge(n, 8);
    start_vmscope("--demo -i 0.3", 80, 24);
    struct buf b;
    buf_init(&b);
    ck_assert_msg(wait_for(&b, "Tour 1/8", 5), "%s", b.data);
    for (int k = 1; k <= 8; k++) {
        if (k > 1)
            tour_jump(&b, k);
        char want[400];
        for (int i = 0; i < n; i++)
            if (atoi(said[i] + 5) == k) {
                squeeze(said[i], want, sizeof want);
                break;
            }
        /* the box: the rows from "Tour k/8" to the status line */
        char tag[16], shown[2000];
        snprintf(tag, sizeof tag, "Tour %d/8", k);
        bool whole = false;
        uint64_t deadline = clock_monotonic_ns() + 4000000000ull;
        while (!whole && clock_monotonic_ns() < deadline) {
            capture(&b);
            const char *box = strstr(b.data, tag), *end = box ? strstr(box, "\ntour:") : NULL;
            if (box && end) {
                char raw[2000];
                snprintf(raw, sizeof raw, "%.*s", (int)(end - box), box);
                squeeze(raw, shown, sizeof shown);
                whole = !strcmp(shown, want);
            }
            usleep(200 * 1000);
        }
        ck_assert_msg(whole, "phase %d: wanted \"%s\"\n%s", k, want, b.data);
        /* the class legend (the header's third row) is not cut */
        const char *row = b.data;
        for (int r = 0; r < 2 && row; r++)
            row = strchr(row, '\n') ? strchr(row, '\n') + 1 : NULL;
        ck_assert_ptr_nonnull(row);
        size_t len = strcspn(row, "\n");
        while (len && row[len - 1] == ' ')
            len--;
        ck_assert_msg(len && row[len - 1] != '~', "legend cut: %.*s", (int)len, row);
        if (k == 7) { /* the page grid's legend, whole */
            const char *g = strstr(b.data, ".none +fh shared");
            ck_assert_msg(g, "%s", b.data);
            g += strlen(".none +fh shared");
            ck_assert_msg(g[strspn(g, " ")] == '\n', "%s", b.data);
        }
    }
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* The Map's selected row ("ADDRESS >"), or "" when none is on screen. */
static void selected_row(const struct buf *b, char *row, size_t size)
{
    row[0] = 0;
    for (const char *l = b->data; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        if (len > 18 && strspn(l, "0123456789abcdef") == 16 && strncmp(l + 16, " >", 2) == 0) {
            snprintf(row, size, "%.*s", (int)len, l);
            return;
        }
        l = nl ? nl + 1 : l + len;
    }
}

/* "key 0xVALUE" from the launched program's Output screen, once it shows. */
static uint64_t output_value(struct buf *b, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s 0x", key);
    tmux("send-keys -t vt 7");
    ck_assert_msg(wait_for(b, pattern, 3), "no %s on the Output screen:\n%s", key, b->data);
    return test_printed_hex(b, key);
}

/* A launched program's SIGSEGV (issue 15): the banner gives the address it
 * wrote to (its own report, on the Output screen) and the place, and the
 * Map's cursor is on the region named: above the heap's end, in a thread's
 * guard page, in its own read-only text. -r of a recording says it again. */
START_TEST(t_crash_banner_places_fault)
{
    static const struct {
        const char *mode, *place, *row;
    } cases[] = {
        {"heap", "unmapped, 400 KiB above the end of [heap]", "[heap]"},
        {"guard", "in the guard page below thread ", "---p"},
        {"text", "write to read-only text of " STORY " (r-xp)", "r-xp text/code"},
    };
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char args[256];
        snprintf(args, sizeof args, "-- " STORY " crash %s", cases[i].mode);
        start_vmscope(args, 220, 40);
        ck_assert_msg(wait_for(&b, "killed by SIGSEGV", 10), "no crash banner:\n%s", b.data);
        const char *banner = strstr(b.data, "killed by SIGSEGV");
        ck_assert_msg(strstr(banner, cases[i].place), "%s: no \"%s\" in %.300s", cases[i].mode,
                      cases[i].place, banner);
        char row[400];
        selected_row(&b, row, sizeof row);
        ck_assert_msg(strstr(row, cases[i].row), "%s: the Map's cursor is on \"%.200s\"",
                      cases[i].mode, row);
        char at[40], said[300];
        snprintf(said, sizeof said, "%.299s", banner);
        uint64_t addr = output_value(&b, "addr");
        snprintf(at, sizeof at, "at 0x%llx", (unsigned long long)addr);
        ck_assert_msg(strstr(said, at), "%s: the banner lacks %s: %s", cases[i].mode, at, said);
        tmux("send-keys -t vt q");
        ck_assert(wait_for(&b, "EXIT=0", 3));
    }
    /* The recording's crash line, replayed. */
    char rec[128], cmd[512];
    snprintf(rec, sizeof rec, "/tmp/vmscope-crash-%d.jsonl", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s/vmscope record -o %s -- %s crash heap >/dev/null 2>&1",
             TEST_BUILDDIR, rec, STORY);
    ck_assert_int_ne(system(cmd), -1);
    char args[200];
    snprintf(args, sizeof args, "-r %s", rec);
    start_vmscope(args, 220, 40);
    ck_assert_msg(wait_for(&b, "400 KiB above the end of [heap]", 10), "replay:\n%s", b.data);
    char row[400];
    selected_row(&b, row, sizeof row);
    ck_assert_msg(strstr(row, "[heap]"), "replay: the cursor is on \"%s\"", row);
    tmux("send-keys -t vt q");
    unlink(rec);
    stop_tmux();
    buf_free(&b);
}
END_TEST

/* Page faults (issue 15): the header's count is /proc/PID/stat's minflt
 * (between a read before and one after the frame), and it rises as the
 * helper writes a fresh page every 20 ms; the Timeline has a faults row. */
static uint64_t stat_minflt(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = 0;
    unsigned long long minflt = 0;
    ck_assert_int_eq(sscanf(strrchr(text, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %llu", &minflt), 1);
    return minflt;
}

static uint64_t header_faults(const struct buf *b)
{
    const char *f = b->data ? strstr(b->data, "  faults ") : NULL;
    ck_assert_msg(f, "no faults in the header:\n%s", b->data);
    return strtoull(f + 9, NULL, 10);
}

START_TEST(t_faults_in_header_and_timeline)
{
    struct helper h;
    helper_start(&h, (const char *[]){"grow", "2000", "20", NULL});
    struct buf b;
    buf_init(&b);
    uint64_t before = stat_minflt(h.pid);
    char args[64];
    snprintf(args, sizeof args, "-i 0.3 -p %d", (int)h.pid);
    start_vmscope(args, 200, 50);
    ck_assert_msg(wait_for(&b, "  faults ", 5), "no header:\n%s", b.data);
    uint64_t first = header_faults(&b), after = stat_minflt(h.pid);
    ck_assert_msg(first >= before && first <= after, "header %llu, stat %llu..%llu",
                  (unsigned long long)first, (unsigned long long)before,
                  (unsigned long long)after);
    /* 25 more pages written a second later: the count follows. */
    uint64_t deadline = clock_monotonic_ns() + 5000000000ull, now = first;
    while (now < first + 25 && clock_monotonic_ns() < deadline) {
        usleep(100 * 1000);
        capture(&b);
        now = header_faults(&b);
    }
    ck_assert_msg(now >= first + 25 && now <= stat_minflt(h.pid), "faults %llu then %llu",
                  (unsigned long long)first, (unsigned long long)now);
    ck_assert(strstr(b.data, " +")); /* the interval's count */
    tmux("send-keys -t vt 4");
    ck_assert_msg(wait_for(&b, "faults  ", 3), "no faults row in the Timeline:\n%s", b.data);
    tmux("send-keys -t vt q");
    stop_tmux();
    buf_free(&b);
    helper_stop(&h);
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
    tcase_add_test(tc, t_strip_gaps_and_vsz);
    tcase_add_test(tc, t_collapsed_run);
    tcase_add_test(tc, t_column_chooser_and_reverse);
    tcase_add_test(tc, t_unmeasured_shows_dash);
    tcase_add_test(tc, t_exited_and_zombie_state);
    tcase_add_test(tc, t_detail_of_unmapped_region);
    tcase_add_test(tc, t_search_address_selects_region);
    tcase_add_test(tc, t_sort_by_size);
    tcase_add_test(tc, t_resize_to_1x1_and_back);
    tcase_add_test(tc, t_sigwinch_burst);
    tcase_add_test(tc, t_hostile_name_is_not_obeyed);
    tcase_add_test(tc, t_target_exit_shows_banner);
    tcase_add_test(tc, t_picker_lists_helper);
    tcase_add_test(tc, t_demo_heap_grows);
    TCase *tour = tcase_create("tour");
    tcase_set_timeout(tour, 180);
    tcase_add_test(tour, t_tour_next_previous_and_small);
    tcase_add_test(tour, t_tour_hold_stops_the_program);
    tcase_add_test(tour, t_tour_selection_follows);
    tcase_add_test(tour, t_tour_step_waits);
    tcase_add_test(tour, t_tour_80x24_sentences_whole);
    suite_add_tcase(s, tour);
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
    tcase_add_test(tc, t_new_region_shows_within_a_tick);
    tcase_add_test(tc, t_replay_reads_no_process);
    tcase_add_test(tc, t_idle_view_is_idle);
    tcase_add_test(tc, t_live_view_idle_between_samples);
    tcase_add_test(tc, t_page_grid_live);
    tcase_add_test(tc, t_replay_snapshot);
    tcase_add_test(tc, t_replay_says_loading);
    tcase_add_test(tc, t_replay_recording_scrubs);
    tcase_add_test(tc, t_replay_refuses_hostile_files);
    tcase_add_test(tc, t_diff_screen_against_baseline);
    tcase_add_test(tc, t_launch_output_and_final_state);
    tcase_add_test(tc, t_launch_trace_selects_region);
    tcase_add_test(tc, t_launch_crash_is_shown);
    tcase_add_test(tc, t_crash_banner_places_fault);
    tcase_add_test(tc, t_faults_in_header_and_timeline);
    tcase_add_test(tc, t_replay_shows_traced_calls);
    tcase_add_test(tc, t_runtime_heap_shown);
    tcase_add_test(tc, t_summary_screen);
    tcase_add_test(tc, t_diff_scrolls_by_rss);
    tcase_add_test(tc, t_names_keep_file_name);
    tcase_add_test(tc, t_object_label_keeps_parens);
    tcase_add_test(tc, t_regions_grouped_by_object);
    tcase_add_test(tc, t_picker_sorts_refreshes_returns);
    suite_add_tcase(s, tc);
    /* charts, threads, markers, picker columns, export prompt, small
     * terminals (#12): a case of their own, CK_RUN_CASE=glance runs them */
    TCase *glance = tcase_create("glance");
    tcase_set_timeout(glance, 60);
    tcase_add_test(glance, t_timeline_chart_shows_change);
    tcase_add_test(glance, t_timeline_cursor_value);
    tcase_add_test(glance, t_threads_screen);
    tcase_add_test(glance, t_map_markers);
    tcase_add_test(glance, t_baseline_marks);
    tcase_add_test(glance, t_picker_columns_and_user);
    tcase_add_test(glance, t_export_asks_format);
    tcase_add_test(glance, t_small_terminals);
    suite_add_tcase(s, glance);
    TCase *sites = tcase_create("callsites"); /* issue 14's screens */
    tcase_set_timeout(sites, 60);
    tcase_add_test(sites, t_callsites_screen_live);
    tcase_add_test(sites, t_callsites_screen_replay);
    tcase_add_test(sites, t_callsites_need_trace);
    tcase_add_test(sites, t_callsites_count_every_call);
    tcase_add_test(sites, t_event_log_like_strace);
    tcase_add_test(sites, t_detail_heap_grown_by);
    suite_add_tcase(s, sites);
    int status = run_suite(s);
    stop_tmux();
    return status;
}
