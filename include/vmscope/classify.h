/* classify: gives every region its class from evidence:
 *  - ELF images (libelf program headers, load bias from the offset-0
 *    mapping): code / rodata / relro / data / bss, libraries included;
 *  - the brk range and [heap]; glibc arenas by their 64 MiB layout
 *    (heuristic);
 *  - [stack], and thread stacks located by each thread's stack pointer,
 *    falling back to the guard-page pattern (heuristic);
 *  - mmap anon / file / shm, and the kernel's special regions. */
#ifndef VMSCOPE_CLASSIFY_H
#define VMSCOPE_CLASSIFY_H

#include "vmscope/procfile.h"
#include "vmscope/procfs.h"
#include "vmscope/snapshot.h"
#include "vmscope/threads.h"

struct classify_context {
    const struct proc_target *target; /* for exe and map_files; may be NULL */
    const struct proc_stat *stat;     /* may be NULL or masked */
    const struct thread_list *threads; /* may be NULL */
    /* The previous snapshot of the same process, or NULL: a thread running
     * in user space shows no SP, so it keeps the stack it had then. */
    const struct snapshot *previous;
};

/* Classifies s->regions in place and fills s->objects. */
void classify_snapshot(struct snapshot *s, const struct classify_context *ctx);

/* The same, one region at a time, for a capture that classifies records as
 * they are read. snap supplies the pid and receives the ELF object names
 * (its regions need not exist yet); ctx must outlive the classifier. */
struct classifier;
struct classifier *classifier_new(struct snapshot *snap, const struct classify_context *ctx);
/* Classify r (r->vma set) given the region before it (classified, or NULL)
 * and the record after it (its header is enough; NULL at the end). */
void classifier_step(struct classifier *c, struct region *r, const struct region *prev,
                     const struct vma *next);
/* True when some thread's stack can only be guessed from the whole picture
 * (it runs in user space, with no SP and no earlier sample). */
bool classifier_needs_whole_picture(const struct classifier *c);
/* Ends the classification of s->regions (every region stepped); applies the
 * whole-picture guesses. Returns true if that changed regions already
 * stepped. Frees c. */
bool classifier_finish(struct classifier *c, struct snapshot *s);

#endif
