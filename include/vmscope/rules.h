/* rules: the ordered table of classification rules that name memory the
 * ELF, brk, arena and thread-stack passes of classify.c leave generic:
 * what a runtime (JVM, V8, CPython, Go) or an allocator (jemalloc, tcmalloc,
 * mimalloc) makes of anonymous memory, JIT code, shared memory, devices and
 * named anonymous memory. Each rule names the evidence it needs (which
 * runtime the process has, the generic result it refines, the mapping's
 * name, permissions, alignment, neighbours); the first rule that matches
 * gives class, subclass and an evidence sentence. A process with no known
 * runtime keeps the generic classes. man/vmscope.1 (CLASSIFICATION) lists
 * the table. */
#ifndef VMSCOPE_RULES_H
#define VMSCOPE_RULES_H

#include <stdbool.h>

#include "vmscope/region.h"
#include "vmscope/runtime.h"

/* Refines r (classified by the earlier passes) from the region before it
 * (classified, or NULL) and the record after it (or NULL). Returns true if
 * r changed. */
bool rules_apply(struct region *r, const struct region *prev, const struct vma *next,
                 const struct runtime_info *rt);

/* The number of rules, and one rule's "class/subclass: evidence" line (for
 * documentation and tests). */
unsigned rules_count(void);
void rules_describe(unsigned i, char *out, unsigned size);

#endif
