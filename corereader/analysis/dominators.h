/*
 * Dominator tree and retained sizes over a graph in CSR form.
 *
 * Node d dominates node v when every path from the (virtual) root to v
 * passes through d: if d died, v would die with it. The retained size of d
 * is the size of everything it dominates, itself included: what freeing d
 * frees (Eclipse MAT's "retained heap").
 *
 * The graph is generic (the snapshot's edges are one instance) so that the
 * algorithm can be tested against brute force on small graphs.
 */
#ifndef RH_ANALYSIS_DOMINATORS_H
#define RH_ANALYSIS_DOMINATORS_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/** idom of a node the virtual root does not reach. */
#define RH_DOM_NONE UINT32_MAX
/** idom of a node dominated by the virtual root only. */
#define RH_DOM_ROOT (UINT32_MAX - 1)

struct rh_csr {
	uint32_t n;
	/** n + 1 entries, non-decreasing: node i's edges are [start[i], start[i+1]). */
	const uint32_t *start;
	/**
	 * Edge words: target index under index_mask. A target >= n is taken
	 * as a corrupt edge and ignored; self-loops and repeats are fine.
	 */
	const uint32_t *edges;
	uint32_t index_mask;
	/** Edge words with any of these bits set are ignored. */
	uint32_t skip_bits;
};

struct rh_domtree {
	uint32_t n;
	/** Immediate dominator of each node, RH_DOM_ROOT or RH_DOM_NONE. */
	uint32_t *idom;
	/**
	 * Reached nodes in an order where every node comes after its
	 * immediate dominator (DFS preorder, then the leaves with one way in,
	 * which the DFS does not enter, by index); nreached entries.
	 */
	uint32_t *order;
	uint32_t nreached;
};

/**
 * Compute the dominator tree of g rooted at a virtual node whose children
 * are roots[0..nroots) (duplicates allowed, indices >= n ignored).
 * Lengauer-Tarjan with Semi-NCA; iterative (no recursion), so a path of 10
 * million nodes does not overflow the stack. Scratch memory is about 20
 * bytes a node plus 4 bytes an edge, freed before returning.
 *
 * On success *ret is written and owned by the caller (rh_domtree_free());
 * on error it is left untouched. g and roots are only read.
 *
 * Errors: RH_ERR_NO_MEMORY; RH_ERR_INVALID_ARGUMENT if start[] decreases;
 * RH_ERR_LIMIT if n > RH_DOM_ROOT (node indices would collide with the
 * RH_DOM_* values).
 */
struct rh_error *rh_dominators(const struct rh_csr *g, const uint32_t *roots,
			       size_t nroots, struct rh_domtree *ret);
/**
 * The same with the predecessors taken from `rev`, g's edges reversed
 * (node x's referrers are rev->edges[rev->start[x] .. rev->start[x+1]),
 * source index under rev->index_mask; words with rev->skip_bits set are
 * ignored, as they are in g), instead of a reverse CSR of its own: a
 * caller that keeps the referrers anyway (refheap's `leaks`, `report`)
 * saves 4 bytes a node and 4 an edge. rev must hold exactly g's edges
 * that rh_dominators() follows, reversed (extra ones to or from unreached
 * nodes are harmless); the result is then the same. NULL: rh_dominators().
 */
struct rh_error *rh_dominators_rev(const struct rh_csr *g, const struct rh_csr *rev,
				   const uint32_t *roots, size_t nroots,
				   struct rh_domtree *ret);
/** Free what rh_dominators() put in *t and zero it. Accepts NULL. */
void rh_domtree_free(struct rh_domtree *t);

/** Size of node i, for rh_retained(). */
typedef uint64_t rh_node_size_fn(void *arg, uint32_t i);

/**
 * retained[i] = size(i) + retained of the nodes i immediately dominates;
 * 0 for unreached nodes. retained must hold t->n entries. One pass over
 * t->order backwards; size() is called once per reached node. Sums wrap
 * modulo 2^64.
 */
void rh_retained(const struct rh_domtree *t, rh_node_size_fn *size, void *arg,
		 uint64_t *retained);

#endif /* RH_ANALYSIS_DOMINATORS_H */
