/* Memory-map system calls seen by the tracer (see syscall_event.h). Lines
 * read like strace's, so they look familiar. */
#include "vmscope/syscall_event.h"
#include "vmscope/compat.h"
#include "vmscope/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static const struct {
    const char *name;
    long nr;
    int argc;
} calls[TC_COUNT] = {
    [TC_BRK] = {"brk", SYS_brk, 1},
    [TC_MMAP] = {"mmap", SYS_mmap, 6},
    [TC_MUNMAP] = {"munmap", SYS_munmap, 2},
    [TC_MREMAP] = {"mremap", SYS_mremap, 5},
    [TC_MPROTECT] = {"mprotect", SYS_mprotect, 3},
    [TC_MADVISE] = {"madvise", SYS_madvise, 3},
    [TC_EXECVE] = {"execve", SYS_execve, 0},
    [TC_EXIT_GROUP] = {"exit_group", SYS_exit_group, 1},
};

const char *traced_call_name(enum traced_call c)
{
    return (unsigned)c < TC_COUNT ? calls[c].name : NULL;
}

enum traced_call traced_call_from_name(const char *name)
{
    for (int c = 0; c < TC_COUNT && name; c++)
        if (strcmp(calls[c].name, name) == 0)
            return (enum traced_call)c;
    return TC_COUNT;
}

enum traced_call traced_call_from_nr(long nr)
{
    for (int c = 0; c < TC_COUNT; c++)
        if (calls[c].nr == nr)
            return (enum traced_call)c;
    return TC_COUNT;
}

int traced_call_argc(enum traced_call c)
{
    return (unsigned)c < TC_COUNT ? calls[c].argc : 0;
}

bool syscall_event_failed(const struct syscall_event *e)
{
    /* The kernel returns -4095..-1 for errors; brk reports failure by
     * returning the old break, which is still a success here. */
    return e->result < 0 && e->result >= -4095;
}

static uint64_t page_up(uint64_t x)
{
    return (x + 4095) & ~(uint64_t)4095;
}

bool syscall_event_range(const struct syscall_event *e, uint64_t *start, uint64_t *end)
{
    if (syscall_event_failed(e))
        return false;
    const uint64_t *a = e->args;
    switch (e->call) {
    case TC_BRK: /* the break moved to result: the heap's last page is below it (the
                  * old break is not in the call) */
        if (a[0] == 0 || e->result < 4096)
            return false;
        *end = page_up((uint64_t)e->result);
        *start = *end - 4096;
        return true;
    case TC_MMAP: *start = (uint64_t)e->result; *end = *start + page_up(a[1]); return true;
    case TC_MREMAP: *start = (uint64_t)e->result; *end = *start + page_up(a[2]); return true;
    case TC_MUNMAP:
    case TC_MPROTECT:
    case TC_MADVISE: *start = a[0]; *end = a[0] + page_up(a[1]); return true;
    default: return false;
    }
}

/* The names of the bits set in x ("A|B"), anything left over in hex, or
 * none when x is 0. */
static void format_bits(char *out, size_t size, uint64_t x, const uint64_t *bits,
                        const char *const *names, size_t n, const char *none)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!(x & bits[i]))
            continue;
        used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%s%s",
                                 used ? "|" : "", names[i]);
        x &= ~bits[i];
    }
    if (x)
        snprintf(out + used, used < size ? size - used : 0, "%s%#" PRIx64, used ? "|" : "", x);
    else if (!used)
        snprintf(out, size, "%s", none);
}

static void format_prot(char *out, size_t size, uint64_t prot)
{
    static const uint64_t bits[] = {PROT_READ, PROT_WRITE, PROT_EXEC};
    static const char *const names[] = {"PROT_READ", "PROT_WRITE", "PROT_EXEC"};
    format_bits(out, size, prot, bits, names, ARRAY_LEN(bits), "PROT_NONE");
}

static void format_map_flags(char *out, size_t size, uint64_t flags)
{
    static const uint64_t bits[] = {MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS,
                                    MAP_NORESERVE, MAP_STACK, MAP_POPULATE, MAP_GROWSDOWN,
                                    MAP_DENYWRITE, MAP_HUGETLB, MAP_FIXED_NOREPLACE};
    static const char *const names[] = {"MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED",
                                        "MAP_ANONYMOUS", "MAP_NORESERVE", "MAP_STACK",
                                        "MAP_POPULATE", "MAP_GROWSDOWN", "MAP_DENYWRITE",
                                        "MAP_HUGETLB", "MAP_FIXED_NOREPLACE"};
    format_bits(out, size, flags, bits, names, ARRAY_LEN(bits), "0");
}

static const char *advice_name(uint64_t advice)
{
    switch (advice) {
    case MADV_NORMAL: return "MADV_NORMAL";
    case MADV_RANDOM: return "MADV_RANDOM";
    case MADV_SEQUENTIAL: return "MADV_SEQUENTIAL";
    case MADV_WILLNEED: return "MADV_WILLNEED";
    case MADV_DONTNEED: return "MADV_DONTNEED";
    case MADV_FREE: return "MADV_FREE";
    case MADV_HUGEPAGE: return "MADV_HUGEPAGE";
    case MADV_NOHUGEPAGE: return "MADV_NOHUGEPAGE";
    case MADV_DONTFORK: return "MADV_DONTFORK";
    case MADV_DOFORK: return "MADV_DOFORK";
    case 20: return "MADV_COLD";
    case 21: return "MADV_PAGEOUT";
    case 25: return "MADV_COLLAPSE";
    default: return NULL;
    }
}

/* A length: hex, and with `human` its size beside it ("0x200000 (2.0M)"). */
static void format_len(char *out, size_t size, uint64_t len, bool human)
{
    char h[16];
    if (human && len) {
        format_size(h, sizeof h, len);
        snprintf(out, size, "%#" PRIx64 " (%s)", len, h);
    } else {
        snprintf(out, size, "%#" PRIx64, len);
    }
}

static void format_call(const struct syscall_event *e, bool human, char *out, size_t size)
{
    const uint64_t *a = e->args;
    char x[128], y[160], args[400], n1[48], n2[48];
    format_len(n1, sizeof n1, a[1], human);
    format_len(n2, sizeof n2, a[2], human);
    switch (e->call) {
    case TC_BRK: snprintf(args, sizeof args, "%#" PRIx64, a[0]); break;
    case TC_MMAP:
        format_prot(x, sizeof x, a[2]);
        format_map_flags(y, sizeof y, a[3]);
        snprintf(args, sizeof args, "%#" PRIx64 ", %s, %s, %s, %d, %#" PRIx64, a[0], n1, x, y,
                 (int)a[4], a[5]);
        break;
    case TC_MUNMAP: snprintf(args, sizeof args, "%#" PRIx64 ", %s", a[0], n1); break;
    case TC_MREMAP:
        snprintf(args, sizeof args, "%#" PRIx64 ", %s, %s, %#" PRIx64, a[0], n1, n2, a[3]);
        break;
    case TC_MPROTECT:
        format_prot(x, sizeof x, a[2]);
        snprintf(args, sizeof args, "%#" PRIx64 ", %s, %s", a[0], n1, x);
        break;
    case TC_MADVISE: {
        const char *adv = advice_name(a[2]);
        if (adv)
            snprintf(args, sizeof args, "%#" PRIx64 ", %s, %s", a[0], n1, adv);
        else
            snprintf(args, sizeof args, "%#" PRIx64 ", %s, %" PRIu64, a[0], n1, a[2]);
        break;
    }
    case TC_EXECVE: snprintf(args, sizeof args, "..."); break; /* as strace -e trace=execve */
    case TC_EXIT_GROUP: snprintf(args, sizeof args, "%" PRIu64, a[0]); break;
    default: snprintf(args, sizeof args, "?"); break;
    }
    const char *name = traced_call_name(e->call);
    if (e->call == TC_EXIT_GROUP) { /* it does not return */
        snprintf(out, size, "%s(%s) = ?", name, args);
        return;
    }
    if (syscall_event_failed(e))
    {
        const char *err = strerrorname_np((int)-e->result);
        snprintf(out, size, "%s(%s) = -1 %s", name ? name : "?", args, err ? err : "error");
    }
    else if (e->call == TC_MMAP || e->call == TC_MREMAP || e->call == TC_BRK)
        snprintf(out, size, "%s(%s) = %#" PRIx64, name ? name : "?", args, (uint64_t)e->result);
    else
        snprintf(out, size, "%s(%s) = %" PRId64, name ? name : "?", args, e->result);
}

void syscall_event_format(const struct syscall_event *e, char *out, size_t size)
{
    format_call(e, false, out, size);
}

void syscall_event_format_human(const struct syscall_event *e, char *out, size_t size)
{
    format_call(e, true, out, size);
}

void trace_log_init(struct trace_log *t, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->cap = cap ? cap : 1;
    /* Touched now: the ring's pages count from the start, not hours later. */
    t->events = xcalloc(t->cap, sizeof *t->events);
}

void trace_log_free(struct trace_log *t)
{
    free(t->events);
    memset(t, 0, sizeof *t);
}

void trace_log_add(struct trace_log *t, const struct syscall_event *e)
{
    if ((unsigned)e->call < TC_COUNT)
        t->total[e->call]++;
    if (t->count == t->cap)
        t->dropped++;
    else
        t->count++;
    t->events[t->head] = *e;
    t->head = (t->head + 1) % t->cap;
}

const struct syscall_event *trace_log_at(const struct trace_log *t, size_t i)
{
    if (i >= t->count)
        return NULL;
    size_t oldest = (t->head + t->cap - t->count) % t->cap;
    return &t->events[(oldest + i) % t->cap];
}
