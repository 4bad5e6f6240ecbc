/* The top-down call tree of a callsite_report (see callsites.h): each
 * site's stack walked from its outermost frame, one node per code point
 * reached by one path of callers, children by bytes mapped. */
#include "vmscope/callsites.h"
#include "vmscope/util.h"

#include <stdlib.h>
#include <string.h>

static struct callsite_node *child_for(struct callsite_node *n, const struct stack_frame *f)
{
    for (size_t i = 0; i < n->n_children; i++)
        if (stack_frame_same_site(n->children[i].frame, f))
            return &n->children[i];
    xgrow((void **)&n->children, &n->cap_children, n->n_children + 1, sizeof *n->children);
    struct callsite_node *c = &n->children[n->n_children++];
    memset(c, 0, sizeof *c);
    c->frame = f;
    return c;
}

static void add_site(struct callsite_node *n, const struct callsite *c, size_t site)
{
    n->mapped += c->mapped;
    n->resident += c->resident;
    n->freed += c->freed;
    n->calls += c->calls;
    xgrow((void **)&n->sites, &n->cap_sites, n->n_sites + 1, sizeof *n->sites);
    n->sites[n->n_sites++] = site;
}

static int by_bytes(const void *a, const void *b)
{
    const struct callsite_node *x = a, *y = b;
    if (x->mapped != y->mapped)
        return x->mapped < y->mapped ? 1 : -1;
    return x->calls < y->calls ? 1 : x->calls > y->calls ? -1 : 0;
}

static void sort_tree(struct callsite_node *n)
{
    if (n->n_children > 1)
        qsort(n->children, n->n_children, sizeof *n->children, by_bytes);
    for (size_t i = 0; i < n->n_children; i++)
        sort_tree(&n->children[i]);
}

void callsite_tree_build(const struct callsite_report *r, struct callsite_node *root)
{
    memset(root, 0, sizeof *root);
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct callsite *c = &r->sites[i];
        if (!c->stack)
            continue;
        add_site(root, c, i);
        struct callsite_node *n = root;
        for (size_t k = c->stack->n_frames; k-- > 0;) {
            n = child_for(n, &c->stack->frames[k]);
            add_site(n, c, i);
        }
    }
    sort_tree(root);
}

void callsite_tree_free(struct callsite_node *root)
{
    for (size_t i = 0; i < root->n_children; i++)
        callsite_tree_free(&root->children[i]);
    free(root->children);
    free(root->sites);
    memset(root, 0, sizeof *root);
}
