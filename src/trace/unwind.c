/* The call stack of a traced call (issue 14), read by the tracer thread at
 * the call's seccomp stop with elfutils' libdw: dwfl_linux_proc_attach()
 * with assume_ptrace_stopped, since we are already the thread's tracer and
 * it is already stopped (libdw then neither attaches nor detaches), and
 * dwfl_getthread_frames() unwinds with the CFI of each object (.eh_frame,
 * .debug_frame), its registers through PTRACE_GETREGS and its memory
 * through process_vm_readv, cached by the page. One Dwfl per process keeps
 * each object's unwind tables and symbols loaded once; every address is
 * symbolised once (a per-process cache), and the module list is read again
 * only after the process maps a file. */
#include "trace.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmscope/stack.h"
#include "vmscope/util.h"

/* One symbolised address. */
struct sym_entry {
    uint64_t addr; /* the address looked up (pc, or pc - 1 for a return address) */
    bool used, stale;
    char *object, *function, *file;
    uint64_t bias;      /* object_offset = pc - bias */
    uint64_t sym_start; /* function_offset = pc - sym_start */
    int line;
};

struct unwound_process {
    pid_t tgid;
    Dwfl *dwfl;
    bool attached, stale, broken;
    struct sym_entry *syms; /* open addressing, n_syms * 2 <= cap */
    size_t n_syms, syms_cap;
};

struct unwinder {
    struct unwound_process *procs;
    size_t n_procs, procs_cap;
    struct stack_table *table;
};

/* Separate debug info from the usual places, but never over the network
 * from the tracer thread (debuginfod would hold every traced call). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                          Dwarf_Addr base, const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    const char *urls = getenv("DEBUGINFOD_URLS");
    if (urls && urls[0])
        return -1;
    return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
                                        debuglink_file, debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = find_debuginfo,
};

struct unwinder *unwinder_new(struct stack_table *table)
{
    struct unwinder *u = xcalloc(1, sizeof *u);
    u->table = table;
    return u;
}

static void syms_clear(struct unwound_process *p)
{
    for (size_t i = 0; i < p->syms_cap; i++) {
        free(p->syms[i].object);
        free(p->syms[i].function);
        free(p->syms[i].file);
    }
    free(p->syms);
    p->syms = NULL;
    p->n_syms = p->syms_cap = 0;
}

static void process_drop(struct unwound_process *p)
{
    if (p->dwfl)
        dwfl_end(p->dwfl);
    syms_clear(p);
}

void unwinder_free(struct unwinder *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n_procs; i++)
        process_drop(&u->procs[i]);
    free(u->procs);
    free(u);
}

void unwinder_forget(struct unwinder *u, pid_t tgid)
{
    for (size_t i = 0; u && i < u->n_procs; i++)
        if (u->procs[i].tgid == tgid) {
            process_drop(&u->procs[i]);
            u->procs[i] = u->procs[--u->n_procs];
            return;
        }
}

static struct unwound_process *process_get(struct unwinder *u, pid_t tgid)
{
    for (size_t i = 0; i < u->n_procs; i++)
        if (u->procs[i].tgid == tgid)
            return &u->procs[i];
    xgrow((void **)&u->procs, &u->procs_cap, u->n_procs + 1, sizeof *u->procs);
    struct unwound_process *p = &u->procs[u->n_procs++];
    memset(p, 0, sizeof *p);
    p->tgid = tgid;
    p->stale = true;
    return p;
}

/* The module list, read again after the process mapped a file: modules
 * reported as before keep what libdw loaded for them. */
static bool process_ready(struct unwound_process *p)
{
    if (p->broken)
        return false;
    if (!p->dwfl && !(p->dwfl = dwfl_begin(&callbacks))) {
        p->broken = true;
        return false;
    }
    if (p->stale) {
        dwfl_report_begin(p->dwfl);
        int rc = dwfl_linux_proc_report(p->dwfl, p->tgid);
        dwfl_report_end(p->dwfl, NULL, NULL);
        p->stale = false;
        if (rc != 0 && !p->attached) {
            p->broken = true; /* gone, or not readable: no stacks for it */
            return false;
        }
    }
    if (!p->attached) {
        if (dwfl_linux_proc_attach(p->dwfl, p->tgid, true) != 0) {
            p->broken = true;
            return false;
        }
        p->attached = true;
    }
    return true;
}

static struct sym_entry *sym_slot(struct unwound_process *p, uint64_t addr)
{
    size_t mask = p->syms_cap - 1, i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & mask;
    while (p->syms[i].used && p->syms[i].addr != addr)
        i = (i + 1) & mask;
    return &p->syms[i];
}

static void syms_grow(struct unwound_process *p)
{
    struct sym_entry *old = p->syms;
    size_t old_cap = p->syms_cap;
    p->syms_cap = old_cap ? old_cap * 2 : 256;
    p->syms = xcalloc(p->syms_cap, sizeof *p->syms);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used)
            *sym_slot(p, old[i].addr) = old[i];
    free(old);
}

static void symbolise(Dwfl *dwfl, uint64_t addr, struct sym_entry *e)
{
    Dwfl_Module *m = dwfl_addrmodule(dwfl, addr);
    if (!m)
        return; /* JIT code, or an anonymous mapping */
    const char *name = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    e->object = name ? xstrdup(name) : NULL;
    Dwarf_Addr bias = 0;
    if (dwfl_module_getelf(m, &bias))
        e->bias = bias;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *fn = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
    if (fn) {
        e->function = xstrdup(fn);
        e->sym_start = addr - off;
    }
    Dwfl_Line *line = dwfl_module_getsrc(m, addr);
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (file && lineno > 0) {
        e->file = xstrdup(file);
        e->line = lineno;
    }
}

static const struct sym_entry *sym_lookup(struct unwound_process *p, uint64_t addr)
{
    if ((p->n_syms + 1) * 2 > p->syms_cap)
        syms_grow(p);
    struct sym_entry *e = sym_slot(p, addr);
    if (e->used && !e->stale)
        return e;
    if (e->used) {
        free(e->object);
        free(e->function);
        free(e->file);
    } else {
        p->n_syms++;
    }
    memset(e, 0, sizeof *e);
    e->used = true;
    e->addr = addr;
    symbolise(p->dwfl, addr, e);
    return e;
}

struct frame_walk {
    uint64_t pc[STACK_MAX_FRAMES];
    bool activation[STACK_MAX_FRAMES];
    size_t n;
};

static int on_frame(Dwfl_Frame *state, void *arg)
{
    struct frame_walk *w = arg;
    Dwarf_Addr pc;
    bool activation = false;
    if (!dwfl_frame_pc(state, &pc, &activation) || pc == 0)
        return DWARF_CB_ABORT;
    w->pc[w->n] = pc;
    w->activation[w->n] = activation;
    return ++w->n < STACK_MAX_FRAMES ? DWARF_CB_OK : DWARF_CB_ABORT;
}

const struct stack *unwinder_stack(struct unwinder *u, pid_t tgid, pid_t tid)
{
    struct unwound_process *p = process_get(u, tgid);
    if (!process_ready(p))
        return NULL;
    struct frame_walk w;
    w.n = 0;
    /* Ends at the outermost frame, at code without unwind information (JIT,
     * hand-written assembly) or at unreadable memory: what it got stays. */
    dwfl_getthread_frames(p->dwfl, tid, on_frame, &w);
    if (w.n == 0)
        return NULL;
    struct stack_frame frames[STACK_MAX_FRAMES];
    for (size_t i = 0; i < w.n; i++) {
        /* a return address points after the call: its line is the call's */
        uint64_t addr = w.activation[i] ? w.pc[i] : w.pc[i] - 1;
        const struct sym_entry *e = sym_lookup(p, addr);
        frames[i] = (struct stack_frame){
            .pc = w.pc[i],
            .object = e->object,
            .object_offset = e->object ? w.pc[i] - e->bias : 0,
            .function = e->function,
            .function_offset = e->function ? w.pc[i] - e->sym_start : 0,
            .file = e->file,
            .line = e->line,
        };
    }
    return stack_table_intern(u->table, frames, w.n);
}

void unwinder_mapped(struct unwinder *u, pid_t tgid, const struct syscall_event *e)
{
    uint64_t start, end;
    if (!u || !syscall_event_range(e, &start, &end))
        return;
    bool file_map = e->call == TC_MMAP && !(e->args[3] & MAP_ANONYMOUS);
    if (!file_map && e->call != TC_MUNMAP && e->call != TC_MREMAP)
        return;
    struct unwound_process *p = NULL;
    for (size_t i = 0; i < u->n_procs && !p; i++)
        if (u->procs[i].tgid == tgid)
            p = &u->procs[i];
    if (!p)
        return;
    if (file_map)
        p->stale = true;
    for (size_t i = 0; i < p->syms_cap; i++) /* what was there may be other code now */
        if (p->syms[i].used && p->syms[i].addr >= start && p->syms[i].addr < end)
            p->syms[i].stale = true;
}
