/* Runtime and allocator detection from mapped names and the executable's
 * ELF (see runtime.h). */
#include "vmscope/runtime.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[RT_KIND_COUNT] = {
    "jvm", "v8", "cpython", "go", "jemalloc", "tcmalloc", "mimalloc",
};

const char *runtime_kind_name(enum runtime_kind k)
{
    for (int i = 0; i < RT_KIND_COUNT; i++)
        if ((unsigned)k == 1u << i)
            return kind_names[i];
    return "?";
}

unsigned runtime_kind_from_name(const char *name)
{
    for (int i = 0; i < RT_KIND_COUNT; i++)
        if (strcmp(kind_names[i], name) == 0)
            return 1u << i;
    return 0;
}

const char *runtime_allocator_name(unsigned kinds)
{
    if (kinds & RT_JEMALLOC)
        return "jemalloc";
    if (kinds & RT_TCMALLOC)
        return "tcmalloc";
    if (kinds & RT_MIMALLOC)
        return "mimalloc";
    return "glibc";
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "3.11..." after a "python" or "libpython" prefix: the minor version. */
static unsigned python_minor_of(const char *v)
{
    unsigned major = 0, minor = 0;
    return sscanf(v, "%u.%u", &major, &minor) == 2 && major == 3 ? minor : 0;
}

unsigned runtime_from_path(const char *path, unsigned *python_minor)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "libjvm.so") == 0)
        return RT_JVM;
    if (strcmp(base, "node") == 0 || starts(base, "libnode.so") || starts(base, "libv8.so"))
        return RT_V8;
    if (starts(base, "libjemalloc.so"))
        return RT_JEMALLOC;
    if (starts(base, "libtcmalloc"))
        return RT_TCMALLOC;
    if (starts(base, "libmimalloc"))
        return RT_MIMALLOC;
    const char *v = starts(base, "libpython") ? base + 9 : starts(base, "python") ? base + 6 : NULL;
    if (v && python_minor_of(v)) {
        if (python_minor)
            *python_minor = python_minor_of(v);
        return RT_CPYTHON;
    }
    return 0;
}

/* Symbols that only a runtime or an allocator defines. */
static unsigned kind_of_symbol(const char *name)
{
    static const struct {
        const char *name;
        unsigned kind;
    } known[] = {
        {"je_malloc", RT_JEMALLOC},        {"je_mallctl", RT_JEMALLOC},
        {"mallctl", RT_JEMALLOC},          {"tc_malloc", RT_TCMALLOC},
        {"mi_malloc", RT_MIMALLOC},        {"runtime.mallocgc", RT_GO},
        {"JNI_CreateJavaVM", RT_JVM},      {"Py_Initialize", RT_CPYTHON},
        {"_ZN2v86Isolate3NewERKNS0_12CreateParamsE", RT_V8},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].name, name) == 0)
            return known[i].kind;
    return 0;
}

static unsigned scan_symbols(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || sh->sh_entsize == 0)
        return 0;
    unsigned kinds = 0;
    size_t n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
            continue; /* an import says nothing about what is linked in */
        const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
        if (name && (name[0] == 'j' || name[0] == 'm' || name[0] == 't' || name[0] == 'r' ||
                     name[0] == 'J' || name[0] == 'P' || name[0] == '_'))
            kinds |= kind_of_symbol(name);
    }
    return kinds;
}

unsigned runtime_from_elf(int fd)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return 0;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e)
        return 0;
    unsigned kinds = 0;
    size_t shstrndx;
    Elf_Scn *symtab = NULL, *dynsym = NULL;
    GElf_Shdr symtab_sh, dynsym_sh;
    if (elf_kind(e) == ELF_K_ELF && elf_getshdrstrndx(e, &shstrndx) == 0) {
        for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh))
                continue;
            const char *name = elf_strptr(e, shstrndx, sh.sh_name);
            if (name && strcmp(name, ".go.buildinfo") == 0)
                kinds |= RT_GO;
            if (sh.sh_type == SHT_SYMTAB) {
                symtab = scn;
                symtab_sh = sh;
            } else if (sh.sh_type == SHT_DYNSYM) {
                dynsym = scn;
                dynsym_sh = sh;
            }
        }
        if (symtab)
            kinds |= scan_symbols(e, symtab, &symtab_sh);
        else if (dynsym)
            kinds |= scan_symbols(e, dynsym, &dynsym_sh);
    }
    elf_end(e);
    return kinds;
}
