/* region: a VMA plus what vmscope concluded about it: one of seven classes,
 * a subclass that says why, the ELF object it belongs to and, for thread
 * stacks, the thread. */
#ifndef VMSCOPE_REGION_H
#define VMSCOPE_REGION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmscope/vma.h"

enum region_class {
    RC_TEXT,
    RC_DATA,
    RC_BSS,
    RC_HEAP,
    RC_MMAP,
    RC_STACK,
    RC_OTHER,
    RC_COUNT
};

/* Why a region has its class. Compared in code; the names (region_subclass_name)
 * are what JSON, CSV and text carry. */
enum region_subclass {
    RS_NONE,     /* "": a file that gave none */
    RS_CODE,     /* text: executable ELF segment, or its remapped copy */
    RS_RODATA,
    RS_RELRO,
    RS_DATA,
    RS_BSS,
    RS_JIT,      /* text: anonymous executable memory (JIT code) */
    RS_BRK,      /* heap: the brk heap */
    RS_ARENA,    /* heap: a glibc arena */
    RS_JAVA,     /* heap: the Java heap reservation */
    RS_METASPACE, /* heap: JVM metaspace (class metadata) */
    RS_CLASS_SPACE, /* heap: JVM compressed class space */
    RS_V8,       /* heap: V8 heap pages */
    RS_PYMALLOC, /* heap: CPython's pymalloc arenas */
    RS_GO,       /* heap: the Go heap */
    RS_JEMALLOC,
    RS_TCMALLOC,
    RS_MIMALLOC,
    RS_CDS,      /* data: the JVM's class data sharing archive */
    RS_ANON,     /* mmap */
    RS_FILE,
    RS_SHM,
    RS_DEVICE,
    RS_MAIN,     /* stack */
    RS_THREAD,
    RS_GUARD,    /* other */
    RS_RESERVE,
    RS_SPECIAL,
    RS_VDSO,
    RS_VVAR,
    RS_VVAR_VCLOCK,
    RS_VSYSCALL,
    RS_UPROBES,
    RS_UNKNOWN,  /* a name read from a file that this version does not know */
    RS_COUNT
};

enum region_flag {
    REGION_HEURISTIC = 1 << 0, /* classified by a pattern, not by proof */
};

/* A part of an ELF image at run time, from its program headers and load
 * bias: [start, end), role "code", "rodata", "relro", "data" or "bss". */
struct image_part {
    uint64_t start, end;
    const char *role; /* static string */
};

/* "code" ... as a static string, or NULL when name is none of them. */
const char *image_part_role(const char *name);

struct region {
    struct vma *vma;      /* the kernel's record, owned by the snapshot */
    enum region_class cls;
    enum region_subclass subclass;
    /* One sentence on the evidence: a static string, or owned by the
     * snapshot (read from a file); NULL when none was given. */
    const char *evidence;
    const char *object;   /* ELF image path, owned by the snapshot; or NULL */
    pid_t tid;            /* thread stacks: the thread; else 0 */
    unsigned flags;       /* enum region_flag */
    /* The parts of the image r->object at capture (the detail's "image:"
     * line), owned by the snapshot; NULL when not an image or unread. */
    const struct image_part *image;
    size_t n_image;
};

/* The one table of how a class is named and shown, for the TUI and the
 * SVG alike: its JSON name, its glyph on the map (so it reads without
 * colour), its terminal colour (an ANSI number, as curses' COLOR_*) and
 * its SVG colour. */
struct region_class_style {
    const char *name;
    char glyph;
    short ansi;
    const char *rgb;
};
extern const struct region_class_style region_class_styles[RC_COUNT];

const char *region_class_name(enum region_class c);
/* Returns the class for a name ("text" ...), or -1. */
int region_class_from_name(const char *name);
const char *region_subclass_name(enum region_subclass s);
/* The subclass a name stands for: RS_NONE for "", RS_UNKNOWN for a word
 * this version does not know. */
enum region_subclass region_subclass_from_name(const char *name);

#endif
