/* The call stack of a traced call (issue 14), read by the tracer thread at
 * the call's seccomp stop with elfutils' libdw: dwfl_linux_proc_attach()
 * with assume_ptrace_stopped, since we are already the thread's tracer and
 * it is already stopped (libdw then neither attaches nor detaches), and
 * dwfl_getthread_frames() unwinds with the CFI of each object (.eh_frame,
 * .debug_frame), its registers through PTRACE_GETREGS and its memory
 * through process_vm_readv, cached by the page. One Dwfl per process keeps
 * each object's unwind tables loaded once, and the module list is read
 * again only after the process maps a file. Symbols are cached by object
 * and address in that object, for every process of the launch: each code
 * address is symbolised once. The symbols and lines come from a Dwfl of
 * that object alone, opened once per launch by its path (when its build ID
 * is the one the process mapped): a forked or exec'd child of the same
 * libraries never loads their symbols and DWARF again. File and line come
 * from DWARF in the object itself only (see has_own_lines). */
#include "trace.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmscope/stack.h"
#include "vmscope/util.h"

/* One symbolised code address: an address of an object file. */
struct sym_entry {
    char *object;   /* the file; NULL: a free slot */
    uint64_t addr;  /* looked up (pc, or pc - 1 for a return address), as a file address */
    uint64_t hash;
    char *function, *file;
    uint64_t sym_start; /* function_offset = pc - sym_start (file addresses) */
    int line;
};

struct unwound_process {
    pid_t tgid;
    Dwfl *dwfl;
    bool attached, stale, broken;
};

/* An object file, opened apart for its symbols. */
struct sym_object {
    char *path;
    Dwfl *dwfl;       /* NULL: it could not be opened by its path */
    Dwfl_Module *mod; /* its one module, at its file addresses */
    uint64_t bias;
    bool own_lines; /* has_own_lines() */
};

struct unwinder {
    struct unwound_process *procs;
    size_t n_procs, procs_cap;
    struct sym_object *objects;
    size_t n_objects, objects_cap;
    struct sym_entry *syms; /* open addressing, n_syms * 2 <= syms_cap */
    size_t n_syms, syms_cap;
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

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

struct unwinder *unwinder_new(struct stack_table *table)
{
    struct unwinder *u = xcalloc(1, sizeof *u);
    u->table = table;
    return u;
}

static void process_drop(struct unwound_process *p)
{
    if (p->dwfl)
        dwfl_end(p->dwfl);
}

void unwinder_free(struct unwinder *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n_procs; i++)
        process_drop(&u->procs[i]);
    free(u->procs);
    for (size_t i = 0; i < u->syms_cap; i++) {
        free(u->syms[i].object);
        free(u->syms[i].function);
        free(u->syms[i].file);
    }
    free(u->syms);
    for (size_t i = 0; i < u->n_objects; i++) {
        free(u->objects[i].path);
        if (u->objects[i].dwfl)
            dwfl_end(u->objects[i].dwfl);
    }
    free(u->objects);
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

static uint64_t sym_hash(const char *object, uint64_t addr)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *c = object; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
    return (h ^ addr) * 0x9e3779b97f4a7c15ull;
}

static struct sym_entry *sym_slot(struct sym_entry *syms, size_t cap, const char *object,
                                  uint64_t addr, uint64_t hash)
{
    size_t mask = cap - 1, i = (size_t)(hash >> 16) & mask;
    while (syms[i].object && (syms[i].hash != hash || syms[i].addr != addr ||
                              strcmp(syms[i].object, object) != 0))
        i = (i + 1) & mask;
    return &syms[i];
}

static void syms_grow(struct unwinder *u)
{
    struct sym_entry *old = u->syms;
    size_t old_cap = u->syms_cap;
    u->syms_cap = old_cap ? old_cap * 2 : 512;
    u->syms = xcalloc(u->syms_cap, sizeof *u->syms);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].object)
            *sym_slot(u->syms, u->syms_cap, old[i].object, old[i].addr, old[i].hash) = old[i];
    free(old);
}

/* Whether the object's own file has DWARF line tables (a -g build), not
 * only a separate debug file: opening one (libc6-dbg's libc: ~100 ms to
 * decompress) would stall the traced program at its first stack, and
 * again in every launch. Symbols still come from the debug file's table. */
static bool has_own_lines(Dwfl_Module *m)
{
    Dwarf_Addr bias;
    Elf *elf = dwfl_module_getelf(m, &bias);
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
        return false;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
        if (name && (strcmp(name, ".debug_line") == 0 || strcmp(name, ".zdebug_line") == 0))
            return sh.sh_type != SHT_NOBITS;
    }
    return false;
}

static bool same_build_id(Dwfl_Module *a, Dwfl_Module *b)
{
    const unsigned char *x, *y;
    GElf_Addr at;
    int n = dwfl_module_build_id(a, &x, &at), k = dwfl_module_build_id(b, &y, &at);
    return n > 0 && n == k && memcmp(x, y, (size_t)n) == 0;
}

/* The object of module m (named path) opened apart, or NULL: not by that
 * path, or not the same file as the process's (another mount namespace, a
 * file replaced since, no build ID to tell). */
static struct sym_object *sym_object_of(struct unwinder *u, Dwfl_Module *m, const char *path)
{
    struct sym_object *o = NULL;
    for (size_t i = 0; i < u->n_objects && !o; i++)
        if (strcmp(u->objects[i].path, path) == 0)
            o = &u->objects[i];
    if (!o) {
        xgrow((void **)&u->objects, &u->objects_cap, u->n_objects + 1, sizeof *u->objects);
        o = &u->objects[u->n_objects++];
        memset(o, 0, sizeof *o);
        o->path = xstrdup(path);
        Dwarf_Addr bias = 0;
        if (path[0] == '/' && (o->dwfl = dwfl_begin(&offline_callbacks))) {
            dwfl_report_begin(o->dwfl);
            o->mod = dwfl_report_elf(o->dwfl, path, path, -1, 0, false);
            dwfl_report_end(o->dwfl, NULL, NULL);
            if (!o->mod || !dwfl_module_getelf(o->mod, &bias)) {
                dwfl_end(o->dwfl);
                o->dwfl = NULL;
                o->mod = NULL;
            }
        }
        o->bias = bias;
        o->own_lines = o->mod && has_own_lines(o->mod);
    }
    return o->mod && same_build_id(o->mod, m) ? o : NULL;
}

/* The symbol and line of file address addr of module m (at bias). */
static void symbolise(Dwfl_Module *m, uint64_t addr, uint64_t bias, bool lines,
                      struct sym_entry *e)
{
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *fn = dwfl_module_addrinfo(m, addr + bias, &off, &sym, NULL, NULL, NULL);
    if (fn) {
        e->function = xstrdup(fn);
        e->sym_start = addr - off;
    }
    Dwfl_Line *line = lines ? dwfl_module_getsrc(m, addr + bias) : NULL;
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (file && lineno > 0) {
        e->file = xstrdup(file);
        e->line = lineno;
    }
}

/* Frame f for pc, looked up at addr (pc, or pc - 1 above frame 0); false
 * when no object holds it. */
static bool frame_at(struct unwinder *u, Dwfl *dwfl, uint64_t pc, uint64_t addr,
                     struct stack_frame *f)
{
    memset(f, 0, sizeof *f);
    f->pc = pc;
    Dwfl_Module *m = dwfl_addrmodule(dwfl, addr);
    Dwarf_Addr low = 0, high = 0, bias = 0;
    const char *object = m ? dwfl_module_info(m, NULL, &low, &high, NULL, NULL, NULL, NULL) : NULL;
    /* dwfl_addrmodule may answer the last module for an address past it */
    if (!object || addr < low || addr >= high || !dwfl_module_getelf(m, &bias))
        return false; /* JIT code, an anonymous mapping, or no code at all */
    uint64_t file_addr = addr - bias, hash = sym_hash(object, file_addr);
    if ((u->n_syms + 1) * 2 > u->syms_cap)
        syms_grow(u);
    struct sym_entry *e = sym_slot(u->syms, u->syms_cap, object, file_addr, hash);
    if (!e->object) {
        e->object = xstrdup(object);
        e->addr = file_addr;
        e->hash = hash;
        const struct sym_object *o = sym_object_of(u, m, object);
        if (o)
            symbolise(o->mod, file_addr, o->bias, o->own_lines, e);
        else /* through the process's view */
            symbolise(m, file_addr, bias, has_own_lines(m), e);
        u->n_syms++;
    }
    f->object = e->object;
    f->object_offset = pc - bias;
    f->function = e->function;
    f->function_offset = e->function ? pc - bias - e->sym_start : 0;
    f->file = e->file;
    f->line = e->line;
    return true;
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
    size_t n = 0;
    /* A return address is after the call: the call's line. Code that no
     * object holds (JIT) has no unwind information, and what libdw guesses
     * past it (the frame pointer chain) is not to be trusted: the stack
     * ends there. */
    while (n < w.n &&
           frame_at(u, p->dwfl, w.pc[n], w.activation[n] ? w.pc[n] : w.pc[n] - 1, &frames[n]))
        n++;
    if (n < w.n)
        n++; /* that frame, as its address alone */
    return stack_table_intern(u->table, frames, n);
}

void unwinder_mapped(struct unwinder *u, pid_t tgid, const struct syscall_event *e)
{
    /* A file mapped: maybe a new object, read at the next stack. Symbols
     * are by file and stay true wherever it is mapped. */
    if (!u || e->call != TC_MMAP || (e->args[3] & MAP_ANONYMOUS) || syscall_event_failed(e))
        return;
    for (size_t i = 0; i < u->n_procs; i++)
        if (u->procs[i].tgid == tgid)
            u->procs[i].stale = true;
}
