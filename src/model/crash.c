/* crash: a fatal fault's address placed against the last snapshot. */
#include "vmscope/crash.h"
#include "vmscope/buf.h"
#include "vmscope/sanitize.h"
#include "vmscope/util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

struct code_name {
    int signo, code;
    const char *name;
};

static const struct code_name code_names[] = {
    {SIGSEGV, SEGV_MAPERR, "SEGV_MAPERR"}, {SIGSEGV, SEGV_ACCERR, "SEGV_ACCERR"},
    {SIGSEGV, 3, "SEGV_BNDERR"},           {SIGSEGV, 4, "SEGV_PKUERR"},
    {SIGBUS, BUS_ADRALN, "BUS_ADRALN"},    {SIGBUS, BUS_ADRERR, "BUS_ADRERR"},
    {SIGBUS, BUS_OBJERR, "BUS_OBJERR"},    {SIGBUS, 4, "BUS_MCEERR_AR"},
    {SIGBUS, 5, "BUS_MCEERR_AO"},          {0, SI_KERNEL, "SI_KERNEL"},
};

const char *crash_code_name(int signo, int code)
{
    for (size_t i = 0; i < sizeof code_names / sizeof *code_names; i++)
        if (code_names[i].code == code && (!code_names[i].signo || code_names[i].signo == signo))
            return code_names[i].name;
    return "";
}

int crash_code_from_name(int signo, const char *name)
{
    for (size_t i = 0; name && i < sizeof code_names / sizeof *code_names; i++)
        if ((!code_names[i].signo || code_names[i].signo == signo) &&
            strcmp(code_names[i].name, name) == 0)
            return code_names[i].code;
    return 0;
}

/* The region as a student knows it: "[heap]", "thread 1234's stack",
 * "/usr/lib/libc.so.6", "an anonymous mapping (rw-p)"; sanitised. */
static void region_label(const struct region *r, struct buf *b)
{
    const struct vma *v = r->vma;
    if (r->cls == RC_STACK && r->subclass == RS_THREAD && r->tid) {
        buf_printf(b, "thread %d's stack", (int)r->tid);
    } else if (v->name_len) {
        sanitize_display(b, v->name, v->name_len);
    } else if (r->object) {
        buf_puts(b, "the bss of ");
        sanitize_display(b, r->object, strlen(r->object));
    } else {
        buf_printf(b, "an anonymous %s mapping (%s)", region_class_name(r->cls), v->perms);
    }
}

/* "64 bytes", "400 KiB", "1.5 MiB": a distance in the units a lecture uses. */
static void distance(char *out, size_t size, uint64_t bytes)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(out, size, "%llu bytes", (unsigned long long)bytes);
        return;
    }
    double x = (double)bytes / 1024;
    int u = 0;
    while (x >= 1024 && u < 3)
        x /= 1024, u++;
    if (x == (double)(uint64_t)x || x >= 100)
        snprintf(out, size, "%.0f %s", x, unit[u]);
    else
        snprintf(out, size, "%.1f %s", x, unit[u]);
}

/* The address against s's regions; "" when s has none to speak of. */
static void place(const struct snapshot *s, const struct crash_info *c, struct buf *b,
                  uint64_t *select)
{
    uint64_t a = c->addr;
    long psz = s && s->system.page_size > 0 ? s->system.page_size : 4096;
    if (c->code == SI_KERNEL) {
        buf_puts(b, "a general-protection fault (a non-canonical address, or an instruction "
                    "the CPU refused): the kernel gives no address");
        return;
    }
    if (a < (uint64_t)psz) {
        buf_puts(b, "NULL pointer (page 0, which is never mapped)");
        return;
    }
    if (!s || !s->n_regions) {
        buf_puts(b, "no snapshot to place it in");
        return;
    }
    const struct region *r = snapshot_find(s, a);
    if (r) {
        const struct vma *v = r->vma;
        size_t i = (size_t)(r - s->regions);
        const struct region *above = i + 1 < s->n_regions ? &s->regions[i + 1] : NULL;
        *select = v->start;
        bool none = v->perms[0] != 'r' && v->perms[1] != 'w' && v->perms[2] != 'x';
        /* The state at exit is read once the threads are gone: a guard is
         * then a PROT_NONE page right below anonymous rw-p memory, and the
         * thread whose stack it guards the one that faulted there. */
        bool below_stack = above && above->vma->start == v->end && !above->vma->name_len &&
                           above->vma->perms[0] == 'r' && above->vma->perms[1] == 'w';
        if (r->subclass == RS_GUARD ||
            (none && below_stack && vma_size(v) <= 1024 * 1024 && c->tid != c->pid)) {
            buf_puts(b, "in the guard page below ");
            pid_t tid = above && above->tid ? above->tid : c->tid != c->pid ? c->tid : 0;
            if (tid)
                buf_printf(b, "thread %d's stack", (int)tid);
            else
                buf_puts(b, "a thread's stack");
            buf_puts(b, " (the stack overflowed)");
            return;
        }
        if (none) {
            buf_puts(b, "in a PROT_NONE region of ");
            region_label(r, b);
            return;
        }
        if (c->signo == SIGSEGV && c->code == SEGV_ACCERR && v->perms[1] != 'w') {
            buf_puts(b, r->cls == RC_TEXT ? "write to read-only text of "
                                          : "write (or jump) to read-only ");
            region_label(r, b);
            buf_printf(b, " (%s), offset +0x%llx", v->perms, (unsigned long long)(a - v->start));
            return;
        }
        if (c->signo == SIGBUS && v->name_len && v->name[0] == '/') {
            buf_puts(b, "in ");
            region_label(r, b);
            buf_puts(b, " past the end of the file (the mapping is longer than the file)");
            return;
        }
        buf_puts(b, "in ");
        region_label(r, b);
        buf_printf(b, " (%s), offset +0x%llx", v->perms, (unsigned long long)(a - v->start));
        return;
    }
    /* In a gap: the nearer of the region below and the one above. */
    const struct region *below = NULL, *above = NULL;
    for (size_t i = 0; i < s->n_regions; i++) {
        if (s->regions[i].vma->end <= a)
            below = &s->regions[i];
        else if (s->regions[i].vma->start > a) {
            above = &s->regions[i];
            break;
        }
    }
    char d[32];
    uint64_t up = below ? a - below->vma->end : UINT64_MAX;
    uint64_t down = above ? above->vma->start - a : UINT64_MAX;
    if (below && up <= down) {
        *select = below->vma->start;
        distance(d, sizeof d, up);
        buf_printf(b, "unmapped, %s above the end of ", d);
        region_label(below, b);
    } else if (above) {
        *select = above->vma->start;
        distance(d, sizeof d, down);
        buf_printf(b, "unmapped, %s below the start of ", d);
        region_label(above, b);
        if (above->cls == RC_STACK && above->subclass == RS_MAIN)
            buf_puts(b, " (past the main stack's guard gap or its limit)");
    } else {
        buf_puts(b, "unmapped");
    }
}

void crash_describe(const struct snapshot *s, const struct crash_info *c, char *out, size_t size,
                    uint64_t *select)
{
    *select = 0;
    struct buf b;
    buf_init(&b);
    const char *code = crash_code_name(c->signo, c->code);
    buf_printf(&b, "%s", c->signo == SIGBUS ? "SIGBUS" : "SIGSEGV");
    if (code[0])
        buf_printf(&b, " (%s)", code);
    if (c->code != SI_KERNEL)
        buf_printf(&b, " at 0x%llx", (unsigned long long)c->addr);
    if (c->tid && c->tid != c->pid)
        buf_printf(&b, " in thread %d", (int)c->tid);
    buf_puts(&b, ": ");
    place(s, c, &b, select);
    snprintf(out, size, "%s", b.data ? b.data : "");
    buf_free(&b);
}
