/* Interned call stacks (see stack.h): a hash table of stacks, each
 * allocated apart so a pointer to it stays valid as the table grows. */
#include "vmscope/stack.h"
#include "vmscope/util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stack_table {
    pthread_mutex_t lock;
    struct stack **by_id; /* by_id[id - 1] */
    size_t n, cap;
    struct stack **slots; /* open addressing on hash, 2x n at least */
    size_t n_slots;
    size_t bytes, limit; /* what the stacks hold; past limit none is added */
    uint64_t refused;    /* new stacks not kept for the limit */
};

struct stack_table *stack_table_new(void)
{
    struct stack_table *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->limit = STACK_TABLE_LIMIT;
    return t;
}

static void stack_free(struct stack *s)
{
    for (size_t i = 0; i < s->n_frames; i++) {
        free(s->frames[i].object);
        free(s->frames[i].function);
        free(s->frames[i].file);
    }
    free(s->frames);
    free(s);
}

void stack_table_free(struct stack_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        stack_free(t->by_id[i]);
    free(t->by_id);
    free(t->slots);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return mix(h, 1);
}

static uint64_t frames_hash(const struct stack_frame *f, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = mix_str(mix(h, f[i].pc), f[i].object);
    return mix(h, n);
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool frames_equal(const struct stack_frame *a, const struct stack_frame *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].pc != b[i].pc || a[i].object_offset != b[i].object_offset ||
            a[i].function_offset != b[i].function_offset || a[i].line != b[i].line ||
            !same_str(a[i].object, b[i].object) || !same_str(a[i].function, b[i].function) ||
            !same_str(a[i].file, b[i].file))
            return false;
    return true;
}

static void slots_put(struct stack **slots, size_t n_slots, struct stack *s)
{
    size_t i = s->hash & (n_slots - 1);
    while (slots[i])
        i = (i + 1) & (n_slots - 1);
    slots[i] = s;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* What a new stack of these frames would hold. */
static size_t stack_bytes(const struct stack_frame *frames, size_t n)
{
    size_t b = sizeof(struct stack) + (n ? n : 1) * sizeof *frames + 2 * sizeof(struct stack *);
    for (size_t i = 0; i < n; i++)
        b += (frames[i].object ? strlen(frames[i].object) + 1 : 0) +
             (frames[i].function ? strlen(frames[i].function) + 1 : 0) +
             (frames[i].file ? strlen(frames[i].file) + 1 : 0);
    return b;
}

void stack_table_set_limit(struct stack_table *t, size_t bytes)
{
    pthread_mutex_lock(&t->lock);
    t->limit = bytes;
    pthread_mutex_unlock(&t->lock);
}

void stack_table_usage(struct stack_table *t, size_t *bytes, uint64_t *refused)
{
    pthread_mutex_lock(&t->lock);
    *bytes = t->bytes;
    *refused = t->refused;
    pthread_mutex_unlock(&t->lock);
}

const struct stack *stack_table_intern(struct stack_table *t, const struct stack_frame *frames,
                                       size_t n)
{
    if (n > STACK_MAX_FRAMES)
        n = STACK_MAX_FRAMES;
    uint64_t h = frames_hash(frames, n);
    pthread_mutex_lock(&t->lock);
    struct stack *found = NULL;
    if (t->n_slots)
        for (size_t i = h & (t->n_slots - 1); t->slots[i]; i = (i + 1) & (t->n_slots - 1)) {
            struct stack *s = t->slots[i];
            if (s->hash == h && s->n_frames == n && frames_equal(s->frames, frames, n)) {
                found = s;
                break;
            }
        }
    if (!found) {
        size_t bytes = stack_bytes(frames, n);
        if (t->bytes + bytes > t->limit) { /* endlessly varied stacks: keep what is held */
            t->refused++;
            pthread_mutex_unlock(&t->lock);
            return NULL;
        }
        t->bytes += bytes;
        found = xcalloc(1, sizeof *found);
        found->hash = h;
        found->n_frames = n;
        found->frames = xcalloc(n ? n : 1, sizeof *found->frames);
        for (size_t i = 0; i < n; i++) {
            found->frames[i] = frames[i];
            found->frames[i].object = dup_or_null(frames[i].object);
            found->frames[i].function = dup_or_null(frames[i].function);
            found->frames[i].file = dup_or_null(frames[i].file);
        }
        xgrow((void **)&t->by_id, &t->cap, t->n + 1, sizeof *t->by_id);
        t->by_id[t->n++] = found;
        found->id = (uint32_t)t->n;
        if (t->n * 2 > t->n_slots) { /* rehash into twice the room */
            size_t n_slots = t->n_slots ? t->n_slots * 2 : 64;
            while (t->n * 2 > n_slots)
                n_slots *= 2;
            struct stack **slots = xcalloc(n_slots, sizeof *slots);
            for (size_t i = 0; i < t->n; i++)
                slots_put(slots, n_slots, t->by_id[i]);
            free(t->slots);
            t->slots = slots;
            t->n_slots = n_slots;
        } else {
            slots_put(t->slots, t->n_slots, found);
        }
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}

const struct stack *stack_table_get(struct stack_table *t, uint32_t id)
{
    pthread_mutex_lock(&t->lock);
    const struct stack *s = id >= 1 && id <= t->n ? t->by_id[id - 1] : NULL;
    pthread_mutex_unlock(&t->lock);
    return s;
}

size_t stack_table_count(struct stack_table *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->n;
    pthread_mutex_unlock(&t->lock);
    return n;
}

static struct stack_table *shared;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void shared_make(void)
{
    shared = stack_table_new();
}

struct stack_table *stack_table_shared(void)
{
    pthread_once(&shared_once, shared_make);
    return shared;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void stack_frame_label(const struct stack_frame *f, char *out, size_t size)
{
    if (f->function)
        snprintf(out, size, "%s+%#" PRIx64, f->function, f->function_offset);
    else if (f->object)
        snprintf(out, size, "%s+%#" PRIx64, base_name(f->object), f->object_offset);
    else
        snprintf(out, size, "%#" PRIx64, f->pc);
}

bool stack_frame_same_site(const struct stack_frame *a, const struct stack_frame *b)
{
    if (a->function || b->function)
        return same_str(a->function, b->function) && same_str(a->object, b->object);
    return a->pc == b->pc && same_str(a->object, b->object);
}
