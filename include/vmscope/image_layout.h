/* image_layout: where the parts of an ELF image lie at run time (code,
 * rodata, relro, data and bss) from its program headers and the load bias
 * of its mapping at file offset 0. Pure arithmetic on an elf_image: the
 * classifier calls it once per image at capture and keeps the parts on the
 * snapshot (region.image), so a screen or a replay reads no file. */
#ifndef VMSCOPE_IMAGE_LAYOUT_H
#define VMSCOPE_IMAGE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmscope/elf_image.h"
#include "vmscope/region.h"

/* The load bias of an image whose offset-0 mapping starts at map_start:
 * false when no PT_LOAD covers file offset 0. The one place it is
 * computed (classify.c uses it too). */
bool image_load_bias(const struct elf_image *img, uint64_t map_start, uint64_t page_mask,
                     uint64_t *bias);
/* The image's parts at bias, sorted by start; returns how many (*parts
 * allocated, NULL for none). */
size_t image_layout(const struct elf_image *img, uint64_t bias, struct image_part **parts);

#endif
