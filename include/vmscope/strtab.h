/* strtab: a table of owned strings, each kept once (interning), that many
 * pointers share: a snapshot's object paths and subclasses read from a
 * file or found at capture. Found through a hash index, so a file naming
 * a different object for each of 100,000 regions costs no more per string
 * than one naming ten. A zeroed struct strtab is an empty table. */
#ifndef VMSCOPE_STRTAB_H
#define VMSCOPE_STRTAB_H

#include <stdbool.h>
#include <stddef.h>

struct strtab {
    char **strings; /* in the order added */
    size_t count, cap;
    size_t *slots;  /* the index: open addressing, position + 1 (0: free) */
    size_t n_slots; /* a power of two, at least twice count */
};

void strtab_free(struct strtab *t);
/* The table's string equal to str, added (copied) if there is none. */
const char *strtab_intern(struct strtab *t, const char *str);
/* The position of the string equal to str, or -1. */
long strtab_find(const struct strtab *t, const char *str);
/* Whether str is one of t's strings itself (not an equal copy elsewhere). */
bool strtab_owns(const struct strtab *t, const char *str);
/* to (empty) gets copies of from's strings, at the same positions. */
void strtab_copy(struct strtab *to, const struct strtab *from);

#endif
