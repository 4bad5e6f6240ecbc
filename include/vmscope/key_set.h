/* key_set (util): a small set of 64-bit keys, such as the tree nodes or
 * the "× N" runs a user opened on a screen. A plain array: it holds what
 * a person opened by hand, so a linear search is the fastest there is. */
#ifndef VMSCOPE_KEY_SET_H
#define VMSCOPE_KEY_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct key_set {
    uint64_t *keys;
    size_t n, cap;
};

bool key_set_has(const struct key_set *s, uint64_t key);
/* Adds key (in) or takes it out (!in); either way once at most. */
void key_set_put(struct key_set *s, uint64_t key, bool in);
void key_set_free(struct key_set *s);

#endif
