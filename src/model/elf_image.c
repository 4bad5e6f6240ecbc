/* ELF program headers through libelf (both ELF classes via gelf). */
#include "vmscope/elf_image.h"
#include "vmscope/util.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

int elf_image_load(int fd, struct elf_image *img)
{
    memset(img, 0, sizeof *img);
    if (elf_version(EV_CURRENT) == EV_NONE)
        return -ENOSYS;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    if (!e)
        return -ENOEXEC;
    int rc = -ENOEXEC;
    size_t phnum;
    GElf_Ehdr eh;
    if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &phnum) != 0)
        goto out;
    img->type = eh.e_type;
    img->loads = xcalloc(phnum ? phnum : 1, sizeof *img->loads);
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph))
            continue;
        if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
            struct elf_segment *s = &img->loads[img->n_loads++];
            s->vaddr = ph.p_vaddr;
            s->memsz = ph.p_memsz;
            s->filesz = ph.p_filesz;
            s->offset = ph.p_offset;
            s->flags = ph.p_flags;
        } else if (ph.p_type == PT_GNU_RELRO) {
            img->has_relro = true;
            img->relro_vaddr = ph.p_vaddr;
            img->relro_memsz = ph.p_memsz;
        }
    }
    rc = img->n_loads ? 0 : -ENOEXEC;
out:
    elf_end(e);
    if (rc < 0)
        elf_image_free(img);
    return rc;
}

void elf_image_free(struct elf_image *img)
{
    free(img->loads);
    memset(img, 0, sizeof *img);
}
