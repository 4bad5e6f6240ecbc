/* The interned-string table (strtab.h): an array in insertion order and an
 * open-addressing index over it (FNV-1a, linear probing, at most half
 * full). */
#include "vmscope/strtab.h"
#include "vmscope/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return (size_t)(h ^ (h >> 32));
}

void strtab_free(struct strtab *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->strings[i]);
    free(t->strings);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* The slot holding str, or the free slot where it would go. */
static size_t *slot_of(const struct strtab *t, const char *str)
{
    size_t mask = t->n_slots - 1;
    for (size_t i = hash(str) & mask;; i = (i + 1) & mask)
        if (!t->slots[i] || strcmp(t->strings[t->slots[i] - 1], str) == 0)
            return &t->slots[i];
}

static void grow(struct strtab *t)
{
    free(t->slots);
    t->n_slots = t->n_slots ? 2 * t->n_slots : 16;
    t->slots = xcalloc(t->n_slots, sizeof *t->slots);
    for (size_t i = 0; i < t->count; i++)
        *slot_of(t, t->strings[i]) = i + 1;
}

long strtab_find(const struct strtab *t, const char *str)
{
    if (!t->n_slots || !str)
        return -1;
    size_t at = *slot_of(t, str);
    return at ? (long)at - 1 : -1;
}

bool strtab_owns(const struct strtab *t, const char *str)
{
    long i = strtab_find(t, str);
    return i >= 0 && t->strings[i] == str;
}

const char *strtab_intern(struct strtab *t, const char *str)
{
    if (2 * (t->count + 1) > t->n_slots)
        grow(t);
    size_t *slot = slot_of(t, str);
    if (*slot)
        return t->strings[*slot - 1];
    if (t->count == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->strings = xrealloc(t->strings, t->cap * sizeof *t->strings);
    }
    t->strings[t->count] = xstrdup(str);
    *slot = ++t->count;
    return t->strings[t->count - 1];
}

void strtab_copy(struct strtab *to, const struct strtab *from)
{
    to->count = to->cap = from->count;
    to->strings = xcalloc(from->count + 1, sizeof *to->strings);
    for (size_t i = 0; i < from->count; i++)
        to->strings[i] = xstrdup(from->strings[i]);
    to->n_slots = from->n_slots;
    to->slots = from->n_slots ? xmalloc(from->n_slots * sizeof *to->slots) : NULL;
    if (to->slots)
        memcpy(to->slots, from->slots, from->n_slots * sizeof *to->slots);
}
