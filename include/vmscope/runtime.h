/* runtime: which language runtimes and allocators a process has, from
 * the files it maps (libjvm.so, libpython3.X, node, libjemalloc...) and
 * from its executable's ELF (a Go build-info section, the symbols of a
 * statically linked allocator). The rules (rules.h) read it; it is probed
 * once per process image and kept by the snapshot. */
#ifndef VMSCOPE_RUNTIME_H
#define VMSCOPE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum runtime_kind {
    RT_JVM = 1u << 0,
    RT_V8 = 1u << 1,
    RT_CPYTHON = 1u << 2,
    RT_GO = 1u << 3,
    RT_JEMALLOC = 1u << 4,
    RT_TCMALLOC = 1u << 5,
    RT_MIMALLOC = 1u << 6,
    RT_KIND_COUNT = 7
};
#define RT_ALLOCATORS (RT_JEMALLOC | RT_TCMALLOC | RT_MIMALLOC)

struct runtime_info {
    unsigned kinds;        /* enum runtime_kind bits */
    unsigned python_minor; /* CPython 3.x: x; 0 when unknown */
    /* The process image the probe saw (stat's start_code, end_code and
     * start_stack: an exec changes them); all 0 when stat was masked. */
    uint64_t image_key[3];
    bool exe_probed; /* the executable's ELF was read */
};

/* What a mapped file's name says (its last component): libjvm.so,
 * libpython3.X.so*, pythonX.Y, node, libnode.so*, libjemalloc.so*,
 * libtcmalloc*.so*, libmimalloc*.so*. Sets *python_minor for CPython. */
unsigned runtime_from_path(const char *path, unsigned *python_minor);
/* What the ELF file open at fd says: a .go.buildinfo section (Go) and the
 * symbols of a runtime or allocator linked in statically (redis carries
 * jemalloc). Reads .symtab, else .dynsym. Returns the kinds, 0 on error. */
unsigned runtime_from_elf(int fd);
/* "jvm", "v8", "cpython", "go", "jemalloc", "tcmalloc", "mimalloc". */
const char *runtime_kind_name(enum runtime_kind k);
/* The kind a name stands for, or 0. */
unsigned runtime_kind_from_name(const char *name);
/* The allocator that manages the process's heap: "jemalloc", "tcmalloc",
 * "mimalloc", or "glibc". */
const char *runtime_allocator_name(unsigned kinds);

#endif
