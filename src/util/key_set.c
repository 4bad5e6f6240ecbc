/* A small set of 64-bit keys (see key_set.h). */
#include "vmscope/key_set.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

bool key_set_has(const struct key_set *s, uint64_t key)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->keys[i] == key)
            return true;
    return false;
}

void key_set_put(struct key_set *s, uint64_t key, bool in)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->keys[i] == key) {
            if (!in)
                s->keys[i] = s->keys[--s->n];
            return;
        }
    if (in) {
        xgrow((void **)&s->keys, &s->cap, s->n + 1, sizeof *s->keys);
        s->keys[s->n++] = key;
    }
}

void key_set_free(struct key_set *s)
{
    free(s->keys);
    memset(s, 0, sizeof *s);
}
