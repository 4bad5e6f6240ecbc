/* elf_image: the loadable layout of an ELF file (libelf): its PT_LOAD
 * segments and PT_GNU_RELRO, which tell which part of a mapped image is
 * code, rodata, relro, data and bss. */
#ifndef VMSCOPE_ELF_IMAGE_H
#define VMSCOPE_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_segment {
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t flags; /* PF_R | PF_W | PF_X */
};

struct elf_image {
    struct elf_segment *loads;
    size_t n_loads;
    bool has_relro;
    uint64_t relro_vaddr, relro_memsz;
    uint16_t type; /* ET_EXEC or ET_DYN */
};

/* Reads the program headers of the ELF file open at fd. Returns 0, or
 * -ENOEXEC when it is not an ELF file with loadable segments. */
int elf_image_load(int fd, struct elf_image *img);
void elf_image_free(struct elf_image *img);

#endif
