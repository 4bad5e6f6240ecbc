/* stack: call stacks of traced calls (issue 14). Each distinct stack is
 * interned once in a stack_table and never changes or moves after: events
 * point at it (syscall_event.stack) from any thread, and its id is what a
 * recording writes ("stack": N, after a vmscope.stack line). Frames are
 * innermost first (frame 0 made the system call). Strings come from the
 * target (its symbol table, its file names): sanitise before a terminal. */
#ifndef VMSCOPE_STACK_H
#define VMSCOPE_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STACK_MAX_FRAMES 64

struct stack_frame {
    uint64_t pc;              /* the frame's address (a return address above frame 0) */
    char *object;             /* the mapped file it is in, or NULL */
    uint64_t object_offset;   /* pc as an address of that file (what addr2line takes) */
    char *function;           /* the symbol, or NULL (stripped, JIT) */
    uint64_t function_offset; /* pc - the symbol's start */
    char *file;               /* source file from DWARF, or NULL */
    int line;                 /* its line, 0 if unknown */
};

struct stack {
    uint32_t id; /* 1, 2, ... in interning order; 0 is never used */
    size_t n_frames;
    struct stack_frame *frames;
    uint64_t hash;
};

struct stack_table;

struct stack_table *stack_table_new(void);
void stack_table_free(struct stack_table *t);
/* The stack with these frames (copied, strings included) in t, interned
 * if new; thread-safe. The pointer stays valid until stack_table_free.
 * NULL when the stack is new and would take the table past its limit:
 * a program with endlessly varied stacks (recursion depths, JIT code)
 * keeps the stacks it had, and its later new ones are not kept. */
const struct stack *stack_table_intern(struct stack_table *t, const struct stack_frame *frames,
                                       size_t n);
/* The default limit of a table: what its stacks and strings hold. */
#define STACK_TABLE_LIMIT ((size_t)64 << 20)
void stack_table_set_limit(struct stack_table *t, size_t bytes);
/* What the table holds, and how many new stacks the limit refused. */
void stack_table_usage(struct stack_table *t, size_t *bytes, uint64_t *refused);
/* By id, NULL if none. */
const struct stack *stack_table_get(struct stack_table *t, uint32_t id);
size_t stack_table_count(struct stack_table *t);
/* The process's table, shared by the tracer and the readers (made on first
 * use, lives as long as the process: events outlive any one launch). */
struct stack_table *stack_table_shared(void);

/* "main", "bar_make_buffer+0x1c", "libc.so.6+0x11a2b3" or "0x7f...": a
 * frame's name for people (not sanitised). */
void stack_frame_label(const struct stack_frame *f, char *out, size_t size);
/* Whether two frames name the same code point (for merging a call tree):
 * same function of the same object, or the same address without one. */
bool stack_frame_same_site(const struct stack_frame *a, const struct stack_frame *b);

#endif
