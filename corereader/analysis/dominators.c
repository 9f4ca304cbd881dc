/*
 * Dominator tree and retained sizes; see dominators.h.
 *
 * Algorithm: Lengauer-Tarjan semidominators with path compression ("simple"
 * LT, no balancing), followed by the Semi-NCA idom step instead of LT's
 * buckets:
 *
 *   T. Lengauer and R. E. Tarjan, "A fast algorithm for finding dominators
 *   in a flowgraph", ACM TOPLAS 1(1):121-141, 1979.
 *   L. Georgiadis, "Linear-Time Algorithms for Dominators and Related
 *   Problems", PhD thesis, Princeton, 2005 (Semi-NCA, section 3.3); also
 *   what LLVM's GenericDomTreeConstruction.h runs.
 *
 * O(m log n) worst case (path compression without LT's balanced linking),
 * near-linear in practice. We do not use the iterative Cooper-Harvey-Kennedy
 * fixpoint: its number of passes grows with the loop nesting of the graph,
 * and a 10-million-object heap must finish in seconds.
 *
 * Where to start reading: rh_dominators() runs five phases, each a function
 * below, in this order, after single_leaves() has found the leaves with
 * one way in, which the DFS does not enter (their idom is their one
 * predecessor; 4.57M of the 9.37M objects of the 10M-object benchmark):
 *
 *   1. dfs()          number reached nodes 1..N in DFS preorder (the virtual
 *                     root is 0), record each one's DFS-tree parent, and
 *                     count each one's predecessors;
 *   2. fill_preds()   predecessor lists in DFS numbers (a reverse CSR);
 *   3. semidominators()  LT's semi(w) for w = N..1, with eval() doing path
 *                     compression over the link forest;
 *   4. semi_nca()     idom(w) = nearest common ancestor of parent(w) and
 *                     semi(w) in the dominator tree built so far, w = 1..N;
 *   5. back to node indices: idom[], and order[] = the DFS preorder,
 *      then the leaves left out.
 *
 * Time is memory latency: every phase reads per-node state at random.
 * Measured on a 2-core VM (~170 ns a dependent cache miss), a uniformly
 * random graph of 10M nodes and 20M edges, the worst case for locality,
 * takes about 4 s, half of it the DFS; heaps, whose objects mostly point
 * near themselves, take less. Prefetching (below) is where the rest went.
 *
 * Nothing recurses. The DFS keeps its stack in the tree itself (the path
 * from the root to the current node is the parent chain, and each node's
 * position in its edge list is kept in a per-node cursor), and eval()
 * compresses paths by reversing the ancestor pointers on the way up and
 * restoring them on the way down, so neither needs memory proportional to
 * the depth, which can be the whole graph (a 10-million-node list).
 *
 * Memory: outputs (idom, order: 8 bytes a node), plus 16 bytes a node of
 * per-node state (struct dnode), plus the reverse CSR, 4 bytes a node and
 * 4 bytes an edge out of a reached node: 28 bytes a node with two edges a
 * node; 24 with rh_dominators_rev(), which reads the caller's referrers
 * instead (one more dependent load per predecessor: its DFS number). No per-node allocation. While phases 1-2 run, the idom output array
 * holds each node's DFS number, so node-indexed scratch costs nothing extra.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dominators.h"
#include "util/satmath.h"
#include "util/bigmem.h"
#include "util/prefault.h"

/*
 * State of one reached node, indexed by DFS number (0 = the virtual root).
 * One struct, not four arrays, so that eval() on a node touches one cache
 * line instead of four: on a random 10M-node graph this is most of the time.
 */
struct dnode {
	/*
	 * DFS-tree parent, then LT's link-forest ancestor: phase 3 compresses
	 * it to point higher up the tree (and eval() briefly reverses it).
	 */
	uint32_t anc;
	/*
	 * While the DFS is in the node: its cursor in its edge list.
	 * Phase 3: LT's label, the node with the smallest semi on the
	 * compressed path from this node up to, not including, anc.
	 */
	uint32_t label;
	/*
	 * While the DFS is in the node: the end of its edge list.
	 * Phase 3 input: 0 if the virtual root has an edge to the node (it is
	 * one of the roots), else nonzero. Phase 3 output: semi(w) as a DFS
	 * number.
	 */
	uint32_t semi;
	/*
	 * While the DFS is in the node: its node index. Then the DFS-tree
	 * parent, and after phase 4 the idom as a DFS number.
	 */
	uint32_t idom;
};

/* In dfn[]: a leaf with one way in, not numbered (single_leaves()). */
#define LEAF_MARK (UINT32_C(1) << 31)

/* How far ahead the linear passes prefetch their random accesses. */
#define PREFETCH_AHEAD 16

static inline bool edge_target(const struct rh_csr *g, uint32_t word,
			       uint32_t *ret)
{
	if (word & g->skip_bits)
		return false;
	uint32_t t = word & g->index_mask;
	// A target past the node table is a corrupt edge: skip it.
	if (t >= g->n)
		return false;
	*ret = t;
	return true;
}

/*
 * Phase 2 walks the edge array in order and, for each edge, reads dfn[t]
 * and then a DFS-indexed slot[dfn[t]]: two dependent cache misses at
 * random. Prefetch in two stages, ahead in the whole edge array (most
 * edge lists are a few words long): dfn[] of the edge 2 * PREFETCH_AHEAD
 * on, and the slot of the edge PREFETCH_AHEAD on, whose dfn[] entry the
 * first stage has loaded by then.
 */
static inline void prefetch_edge_slot(const struct rh_csr *g,
				      const uint32_t *dfn, const uint32_t *slot,
				      uint32_t k, uint32_t nwords)
{
	if (nwords - k <= PREFETCH_AHEAD)
		return;
	uint32_t t = g->edges[k + PREFETCH_AHEAD] & g->index_mask;
	if (t < g->n)
		__builtin_prefetch(&slot[dfn[t] & ~LEAF_MARK]);
	if (nwords - k <= 2 * PREFETCH_AHEAD)
		return;
	t = g->edges[k + 2 * PREFETCH_AHEAD] & g->index_mask;
	if (t < g->n)
		__builtin_prefetch(&dfn[t]);
}

/*
 * Leaves with one way in. Most objects of a Python heap refer to nothing
 * (ints, strings, floats, bytes) and are referred to once: 4.57M of the
 * 9.37M objects of the 10M-object benchmark. Such a node w lies on no
 * path to another node, so taking it out changes no other node's
 * dominators; and its only predecessor p dominates it, the nearest
 * strict dominator there is (d dominates w iff d dominates every
 * predecessor of w). So idom(w) = p, and the DFS does not enter w at
 * all: w takes no DFS number, no struct dnode, no place in the
 * predecessor lists, and phases 2-4 run on the rest. Before, the
 * dominator tree took 0.85-0.94 s of a cold 10M `dominators`, much of
 * it faulting in per-node state for those leaves (issue 12).
 *
 * "Referred to once" counts every edge word the DFS could follow, from
 * reached nodes or not, and an edge from the virtual root for each entry
 * of roots[]: a root that is also referred to from a node has two
 * predecessors and its idom is the virtual root, and a root referred to
 * by nothing is entered as a root. A leaf has no edge words at all (one
 * whose words are all skipped or out of range is entered as before; it
 * is rare, and the answer is the same).
 *
 * Two bitsets of n bits (1.2 MB each at 10M nodes, mostly in cache):
 * "seen" and "seen twice"; the result, seen once and a leaf, is left in
 * the first. Marked in the DFS's dfn[] as LEAF_MARK | DFS number of p.
 * Only when n < LEAF_MARK, so that no DFS number has the bit.
 */

static inline void bit_set(uint64_t *b, uint32_t i)
{
	b[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline bool bit_get(const uint64_t *b, uint32_t i)
{
	return b[i >> 6] >> (i & 63) & 1;
}

static inline void mark_pred(uint64_t *once, uint64_t *twice, uint32_t t)
{
	if (bit_get(once, t))
		bit_set(twice, t);
	else
		bit_set(once, t);
}

/* The bitset of leaves with one way in, or NULL (none worth it, or no memory). */
static uint64_t *single_leaves(const struct rh_csr *g, const uint32_t *roots,
			       size_t nroots)
{
	const uint32_t n = g->n;
	if (n == 0 || n >= LEAF_MARK)
		return NULL;
	size_t words = ((size_t)n + 63) / 64;
	uint64_t *once = calloc(words, sizeof(*once));
	uint64_t *twice = calloc(words, sizeof(*twice));
	if (!once || !twice) {
		// Only an optimisation: the DFS enters every node instead.
		free(once);
		free(twice);
		return NULL;
	}
	for (size_t r = 0; r < nroots; r++)
		if (roots[r] < n)
			mark_pred(once, twice, roots[r]);
	const uint32_t nwords = g->start[n];
	for (uint32_t k = 0; k < nwords; k++) {
		uint32_t t;
		if (edge_target(g, g->edges[k], &t))
			mark_pred(once, twice, t);
	}
	// Seen once, and no edge words of its own.
	for (size_t w = 0; w < words; w++) {
		uint64_t leaf = 0;
		uint32_t base = (uint32_t)(w * 64);
		uint32_t top = n - base < 64 ? n - base : 64;
		for (uint32_t b = 0; b < top; b++)
			leaf |= (uint64_t)(g->start[base + b] == g->start[base + b + 1]) << b;
		once[w] &= ~twice[w] & leaf;
	}
	free(twice);
	return once;
}

/*
 * The per-node state and the DFS order are written in DFS-number order, a
 * stretch at a time: a helper thread faults in the next stretch of each
 * (util/prefault.h) while the DFS runs. On the reference VM a fresh page
 * costs its writer ~10 us in the kernel; nodes[] alone is 77 MB for the
 * 4.8M nodes the DFS numbers at 10M objects, and the second core is idle
 * while a `dominators` or `histogram` builds the tree (issue 12). Only
 * what the DFS reaches is asked for: a heap of much garbage leaves the
 * rest of the arrays untouched, as before.
 */
#define AHEAD_NODES (1u << 16)

struct dfs_ahead {
	struct rh_prefault *pf;
	struct dnode *nodes;
	uint32_t *vertex;
	uint32_t n;
	uint32_t upto;      /* DFS numbers asked for, exclusive */
};

/* Ask for the next stretch when DFS number d is half-way into the last one. */
static inline void dfs_ahead(struct dfs_ahead *a, uint32_t d)
{
	if (!a->pf || d + AHEAD_NODES / 2 < a->upto || a->upto > a->n)
		return;
	uint32_t lo = a->upto > d ? a->upto : d;
	uint32_t hi = a->n - lo > AHEAD_NODES ? lo + AHEAD_NODES : a->n + 1;
	rh_prefault_request(a->pf, &a->nodes[lo], (size_t)(hi - lo) * sizeof(*a->nodes));
	if (lo < a->n) {
		uint32_t vhi = hi > a->n ? a->n : hi;
		rh_prefault_request(a->pf, &a->vertex[lo], (size_t)(vhi - lo) * sizeof(*a->vertex));
	}
	a->upto = hi;
}

/* How many edges of a newly entered node dfs() prefetches. */
#define DFS_PREFETCH_EDGES 8

/*
 * Enter node x as DFS number d, child of parent. While in the DFS, a
 * node's struct dnode is its stack frame: anc = parent, label = cursor in
 * the edge list, semi = end of the edge list, idom = the node index x.
 *
 * The DFS is bound by memory latency on a heap of millions of objects:
 * each step needs dfn[t], then start[t], then edges[start[t]], each a
 * cache miss that depends on the one before. Loading dfn[] and start[] of
 * the first targets as soon as their edges are known takes one of the three
 * off the critical path (a quarter of the DFS time on a random 10M-node
 * graph). Keeping the frame's node index and list end in the frame saves
 * two more misses each time the DFS backs up into a node.
 */
static inline void dfs_enter(const struct rh_csr *g, uint32_t *dfn,
			     uint32_t *vertex, struct dnode *nodes, uint32_t x,
			     uint32_t d, uint32_t parent, const uint64_t *single)
{
	uint32_t begin = g->start[x], end = g->start[x + 1];
	dfn[x] = d;
	vertex[d - 1] = x;
	nodes[d] = (struct dnode){ parent, begin, end, x };
	uint32_t stop = end - begin > DFS_PREFETCH_EDGES ?
		begin + DFS_PREFETCH_EDGES : end;
	for (uint32_t k = begin; k < stop; k++) {
		uint32_t t = g->edges[k] & g->index_mask;
		// A leaf with one way in is only written to (dfs()).
		if (t < g->n && !(single && bit_get(single, t))) {
			__builtin_prefetch(&dfn[t]);
			__builtin_prefetch(&g->start[t]);
		}
	}
}

/*
 * Phase 1: iterative DFS from the virtual root, whose children are roots[]
 * in order, not entering the leaves in single (which may be NULL).
 * Postcondition: dfn[x] is x's DFS number (1..N), LEAF_MARK | the DFS
 * number of its one predecessor for a leaf of single reached, or 0 if x
 * is unreached; vertex[d - 1] is the node numbered d; nodes[d].anc and
 * .idom are d's DFS-tree parent (0 for a tree started at a root); nodes[d].label
 * is d; nodes[d].semi is 0 when d is one of the roots, else d;
 * npreds[d] (zeroed on entry) is the number of edges into d from reached
 * nodes, multi-edges and self-loops included. Returns N.
 *
 * Each edge of a reached node is looked at exactly once (the cursor only
 * moves forward), so this is also where predecessors are counted: the
 * dfn[t] load is already paid for, and the increments, off the DFS's
 * critical path, overlap with its cache misses (cheaper than a separate
 * pass over the edges). Edges out of unreached nodes are not on any path
 * from the root and are never counted. The sum is at most the number of
 * edge words, so no count wraps.
 *
 * It must be a real DFS (a node is numbered when first entered, and
 * children are entered before the parent's next edge is looked at), not a
 * "mark on push" traversal: LT's semidominator theorem relies on every
 * non-tree edge v->w with v < w going to a descendant (LT 1979, Lemma 3).
 */
static uint32_t dfs(const struct rh_csr *g, const uint32_t *roots,
		    size_t nroots, uint32_t *dfn, uint32_t *vertex,
		    struct dnode *nodes, uint32_t *npreds,
		    const uint64_t *single, struct dfs_ahead *ahead)
{
	uint32_t count = 0;
	dfs_ahead(ahead, 0);
	nodes[0] = (struct dnode){ 0, 0, 0, 0 };
	for (size_t r = 0; r < nroots; r++) {
		uint32_t root = roots[r];
		// Out-of-range roots are ignored, duplicates enter once.
		if (root >= g->n || dfn[root])
			continue;
		dfs_ahead(ahead, count + 1);
		dfs_enter(g, dfn, vertex, nodes, root, ++count, 0, single);
		// Invariant: cur is the deepest node on the DFS stack; the
		// stack is cur's parent chain (.anc), each frame as
		// dfs_enter() describes.
		uint32_t cur = count;
		while (cur) {
			struct dnode *f = &nodes[cur];
			uint32_t pos = f->label, end = f->semi;
			uint32_t t = 0;
			bool found = false;
			while (pos < end) {
				if (!edge_target(g, g->edges[pos++], &t))
					continue;
				// Its one way in is this edge, so it is not
				// visited yet and never met again
				// (single_leaves()): marked without loading
				// dfn[t] first, a cache miss for each of the
				// 4.57M leaves of the 10M benchmark.
				if (single && bit_get(single, t)) {
					dfn[t] = LEAF_MARK | cur;
					continue;
				}
				if (!dfn[t]) {
					found = true;
					break;
				}
				if (npreds)
					npreds[dfn[t]]++;
			}
			if (found) {
				if (npreds)
					npreds[count + 1]++;
				f->label = pos;
				dfs_ahead(ahead, count + 1);
				dfs_enter(g, dfn, vertex, nodes, t, ++count, cur, single);
				cur = count;
			} else {
				// Done with cur: the frame becomes what
				// phase 3 starts from (label and semi
				// are cur itself, idom the parent).
				*f = (struct dnode){ f->anc, cur, cur, f->anc };
				cur = f->anc;
			}
		}
	}
	// An edge from the virtual root makes semi = 0 whether or not the
	// root became a DFS-tree child of the virtual root (it may have been
	// reached first from an earlier root). Marked here, applied in phase
	// 3 when the node's turn comes.
	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] < g->n)
			nodes[dfn[roots[r]]].semi = 0;
	}
	return count;
}

/*
 * Phase 2. On entry pred_start[w] is the count for w (1..count), from
 * dfs(). prefix_sums() returns the total; after fill_preds(), the
 * predecessors of w (DFS numbers, in no particular order, multi-edges
 * repeated) are preds[pred_start[w] .. pred_start[w+1]). The fill is a
 * linear pass over the nodes, so that the edge array streams and the
 * random reads can be prefetched.
 */
static uint32_t prefix_sums(uint32_t *pred_start, uint32_t count)
{
	// Inclusive: pred_start[w] = end of w's list; fill_preds() then
	// moves each back to the start of its list.
	uint32_t sum = 0;
	for (uint32_t w = 0; w <= count; w++) {
		sum += pred_start[w];
		pred_start[w] = sum;
	}
	pred_start[count + 1] = sum;
	return sum;
}

static void fill_preds(const struct rh_csr *g, const uint32_t *dfn,
		       uint32_t *pred_start, uint32_t *preds)
{
	const uint32_t nwords = g->start[g->n];
	for (uint32_t x = 0; x < g->n; x++) {
		uint32_t v = dfn[x];
		if (!v || (v & LEAF_MARK))
			continue;
		uint32_t end = g->start[x + 1];
		for (uint32_t k = g->start[x]; k < end; k++) {
			prefetch_edge_slot(g, dfn, pred_start, k, nwords);
			uint32_t t;
			if (!edge_target(g, g->edges[k], &t))
				continue;
			// A leaf left out of the DFS is in no list.
			uint32_t d = dfn[t];
			if (!(d & LEAF_MARK))
				preds[--pred_start[d]] = v;
		}
	}
}

/*
 * LT's EVAL(v) while processing w, for a node v > w (already linked):
 * the node with the smallest semi on the link-forest path from v up to,
 * not including, the forest root (the first ancestor <= w). Compresses
 * the path: afterwards every node on it points at the forest root and
 * has the label that covers the whole path (LT 1979, section 3, COMPRESS).
 *
 * Iterative: the way up reverses the anc pointers (each node points at
 * the one below it, 0 below v; 0 cannot be on the path since the virtual
 * root is never linked), the way down restores them to the forest root
 * while carrying the best label down. This is the two loops of LLVM's
 * SemiNCAInfo::eval() with the explicit stack folded into anc[].
 */
static uint32_t eval(struct dnode *nodes, uint32_t v, uint32_t w)
{
	if (nodes[v].anc <= w)
		return nodes[v].label;
	// Up: x walks from v to the top node of the path (whose anc is
	// the forest root); prev is the node below x.
	uint32_t prev = 0, x = v;
	while (nodes[x].anc > w) {
		uint32_t up = nodes[x].anc;
		nodes[x].anc = prev;
		prev = x;
		x = up;
	}
	uint32_t root = nodes[x].anc;
	// Down: best is the label of the node just above y, already final.
	uint32_t best = nodes[x].label;
	uint32_t best_semi = nodes[best].semi;
	for (uint32_t y = prev; y;) {
		uint32_t down = nodes[y].anc;
		nodes[y].anc = root;
		uint32_t l = nodes[y].label;
		uint32_t l_semi = nodes[l].semi;
		if (best_semi < l_semi) {
			nodes[y].label = best;
		} else {
			best = l;
			best_semi = l_semi;
		}
		y = down;
	}
	return nodes[v].label;
}

/*
 * Phase 3. Postcondition: nodes[w].semi = sdom(w) for w in 1..count.
 *
 * Processes w in decreasing DFS number. Invariant: the nodes > w are
 * linked to their DFS parents in the forest (LT's LINK is implicit: a node
 * is linked once the loop has passed it, so anc > w tests "linked"), the
 * nodes <= w are not, and nodes > w have their final semi.
 *
 * semi(w) = min over predecessors v of: v itself if v < w (v is then an
 * ancestor of w), else semi(eval(v)) (LT 1979, Theorem 4). A predecessor
 * <= w is not linked, so eval() would return it; taking v directly saves a
 * random memory access per back edge, and lets .semi of not-yet-processed
 * nodes carry the "is a root" flag that dfs() set.
 */
static void semidominators(struct dnode *nodes, uint32_t count,
			   const uint32_t *pred_start, const uint32_t *preds)
{
	for (uint32_t w = count; w >= 1; w--) {
		// The DFS parent is a predecessor; the virtual root, when it
		// has an edge to w, is the smallest possible.
		uint32_t s = nodes[w].semi == 0 ? 0 : nodes[w].anc;
		uint32_t begin = pred_start[w];
		for (uint32_t k = pred_start[w + 1]; k > begin && s; k--) {
			// Two stages, as in phase 2: v's node, then the
			// nodes eval() goes to next (label, ancestor).
			if (k - 1 >= 2 * PREFETCH_AHEAD)
				__builtin_prefetch(&nodes[preds[k - 1 - 2 * PREFETCH_AHEAD]]);
			if (k - 1 >= PREFETCH_AHEAD) {
				const struct dnode *p =
					&nodes[preds[k - 1 - PREFETCH_AHEAD]];
				__builtin_prefetch(&nodes[p->label]);
				__builtin_prefetch(&nodes[p->anc]);
			}
			uint32_t v = preds[k - 1];
			uint32_t c = v <= w ? v : nodes[eval(nodes, v, w)].semi;
			if (c < s)
				s = c;
		}
		nodes[w].semi = s;
	}
}

/*
 * Phase 3 over the caller's reverse CSR (rh_dominators_rev): the same,
 * with w's predecessors read as node indices from rev at vertex[w - 1]
 * and numbered through dfn[] (0: unreached, not a predecessor that
 * counts; the virtual root's edges are the semi == 0 mark, as above).
 * One more dependent load per predecessor (dfn[]) than phase 3 proper,
 * prefetched in two stages as there.
 */
static void semidominators_rev(struct dnode *nodes, uint32_t count,
			       const struct rh_csr *rev, const uint32_t *dfn,
			       const uint32_t *vertex)
{
	const uint32_t mask = rev->index_mask, skip = rev->skip_bits, n = rev->n;
	for (uint32_t w = count; w >= 1; w--) {
		if (w > PREFETCH_AHEAD) {
			uint32_t ahead = vertex[w - 1 - PREFETCH_AHEAD];
			__builtin_prefetch(&rev->start[ahead]);
		}
		uint32_t s = nodes[w].semi == 0 ? 0 : nodes[w].anc;
		uint32_t x = vertex[w - 1];
		uint32_t begin = rev->start[x];
		for (uint32_t k = rev->start[x + 1]; k > begin && s; k--) {
			if (k - 1 >= begin + 2 * PREFETCH_AHEAD) {
				uint32_t u = rev->edges[k - 1 - 2 * PREFETCH_AHEAD] & mask;
				if (u < n)
					__builtin_prefetch(&dfn[u]);
			}
			if (k - 1 >= begin + PREFETCH_AHEAD) {
				uint32_t u = rev->edges[k - 1 - PREFETCH_AHEAD] & mask;
				if (u < n)
					__builtin_prefetch(&nodes[dfn[u] & ~LEAF_MARK]);
			}
			uint32_t word = rev->edges[k - 1];
			if (word & skip)
				continue;
			uint32_t u = word & mask;
			if (u >= n)
				continue;
			uint32_t v = dfn[u];
			// A leaf refers to nothing; one named as a referrer
			// here means rev is not g reversed (a corrupt cached
			// file): it is no predecessor, and no DFS number.
			if (!v || (v & LEAF_MARK))
				continue;
			uint32_t c = v <= w ? v : nodes[eval(nodes, v, w)].semi;
			if (c < s)
				s = c;
		}
		nodes[w].semi = s;
	}
}

/*
 * Phase 4 (Semi-NCA). Postcondition: nodes[w].idom = idom(w) as a DFS
 * number, 0 for the virtual root, for w in 1..count.
 *
 * idom(w) is the nearest common ancestor, in the dominator tree, of
 * parent(w) and semi(w) (Georgiadis 2005, Lemma 3.3): walk up the idom
 * chain from parent(w) until a node <= semi(w). In increasing order every
 * node on that chain (all < w) already has its final idom. The walk ends:
 * idoms strictly decrease and semi(w) >= 0.
 */
static void semi_nca(struct dnode *nodes, uint32_t count)
{
	for (uint32_t w = 1; w <= count; w++) {
		if (w + PREFETCH_AHEAD <= count)
			__builtin_prefetch(&nodes[nodes[w + PREFETCH_AHEAD].idom]);
		uint32_t s = nodes[w].semi;
		uint32_t c = nodes[w].idom;
		while (c > s)
			c = nodes[c].idom;
		nodes[w].idom = c;
	}
}

static void *malloc_array(size_t nmemb, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(nmemb, size, &bytes))
		return NULL;
	return rh_big_malloc(bytes ? bytes : 1);
}

static void *calloc_array(size_t nmemb, size_t size)
{
	// calloc() checks nmemb * size itself.
	return rh_big_calloc(nmemb ? nmemb : 1, size);
}

struct rh_error *rh_dominators(const struct rh_csr *g, const uint32_t *roots,
			       size_t nroots, struct rh_domtree *ret)
{
	return rh_dominators_rev(g, NULL, roots, nroots, ret);
}

struct rh_error *rh_dominators_rev(const struct rh_csr *g, const struct rh_csr *rev,
				   const uint32_t *roots, size_t nroots,
				   struct rh_domtree *ret)
{
	struct rh_error *err = NULL;
	const uint32_t n = g->n;
	// Node indices must stay apart from RH_DOM_ROOT and RH_DOM_NONE.
	if (n > RH_DOM_ROOT) {
		return rh_error_create(RH_ERR_LIMIT,
				       "dominators: %" PRIu32
				       " nodes, at most %" PRIu32 " supported",
				       n, (uint32_t)RH_DOM_ROOT);
	}
	if (rev && rev->n != n)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "dominators: %" PRIu32 " nodes but %" PRIu32
				       " in the reverse graph", n, rev->n);
	// Overlapping edge ranges would let the predecessor counts exceed
	// the edge array (and wrap); they are a caller bug, not something
	// to guess at. One sequential pass, a few ms for 10M nodes.
	for (uint32_t x = 0; x < n; x++) {
		if (g->start[x] > g->start[x + 1]) {
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "dominators: edge ranges decrease at node %" PRIu32
					       " (start %" PRIu32 " > %" PRIu32 ")",
					       x, g->start[x], g->start[x + 1]);
		}
	}

	// idom doubles as dfn[] (0 = not visited) until phase 5.
	uint32_t *idom = calloc_array(n, sizeof(*idom));
	uint32_t *order = malloc_array(n, sizeof(*order));
	// n + 2 cannot overflow size_t: n <= RH_DOM_ROOT.
	struct dnode *nodes = malloc_array((size_t)n + 1, sizeof(*nodes));
	uint32_t *pred_start = rev ? NULL : calloc_array((size_t)n + 2, sizeof(*pred_start));
	if (!idom || !order || !nodes || (!rev && !pred_start)) {
		err = rh_enomem;
		goto out;
	}

	// dfn[] is written all over: faulted in on two threads first. The
	// rest as the DFS reaches it (struct dfs_ahead).
	rh_populate(idom, (size_t)n * sizeof(*idom));
	struct dfs_ahead ahead = {
		// From half a million nodes (test_dominators' million-node
		// chain takes this path): below, a thread gains nothing.
		.pf = n >= AHEAD_NODES * 8 && rh_populate_threads_allowed() ?
		      rh_prefault_create() : NULL,
		.nodes = nodes, .vertex = order, .n = n,
	};
	uint64_t *single = single_leaves(g, roots, nroots);
	uint32_t count = dfs(g, roots, nroots, idom, order, nodes, pred_start,
			     single, &ahead);
	rh_prefault_destroy(ahead.pf);
	free(single);
	if (rev) {
		semidominators_rev(nodes, count, rev, idom, order);
	} else {
		uint32_t npreds = prefix_sums(pred_start, count);
		// Filled whole next, so faulted in on two threads (util/bigmem.h).
		// Not the per-node arrays: only the nodes reached (the first
		// `count` DFS numbers) are written, and a heap of much garbage
		// would hold the rest in memory for nothing.
		uint32_t *preds = malloc_array(npreds, sizeof(*preds));
		rh_populate(preds, (size_t)npreds * sizeof(*preds));
		if (!preds) {
			err = rh_enomem;
			goto out;
		}
		fill_preds(g, idom, pred_start, preds);
		semidominators(nodes, count, pred_start, preds);
		free(preds);
		free(pred_start);
		pred_start = NULL;
	}
	semi_nca(nodes, count);

	// Phase 5: node indices, in place over dfn[]. The leaves go after
	// every node the DFS numbered, so after their idom in order[]:
	// order[0..count) is the DFS preorder, read here, and the leaves
	// are written past it.
	uint32_t nl = 0;
	for (uint32_t x = 0; x < n; x++) {
		if (x + PREFETCH_AHEAD < n) {
			uint32_t a = idom[x + PREFETCH_AHEAD];
			if (a & LEAF_MARK)
				__builtin_prefetch(&order[(a & ~LEAF_MARK) - 1]);
			else
				__builtin_prefetch(&nodes[a]);
		}
		uint32_t v = idom[x];
		if (!v) {
			idom[x] = RH_DOM_NONE;
		} else if (v & LEAF_MARK) {
			idom[x] = order[(v & ~LEAF_MARK) - 1];
			order[count + nl++] = x;
		} else {
			uint32_t i = nodes[v].idom;
			idom[x] = i ? order[i - 1] : RH_DOM_ROOT;
		}
	}
	free(nodes);
	count += nl;
	if (count < n) {
		// Give back the tail; a failed shrink keeps the larger block.
		uint32_t *shrunk = realloc(order, (count ? count : 1) * sizeof(*order));
		if (shrunk)
			order = shrunk;
	}
	ret->n = n;
	ret->idom = idom;
	ret->order = order;
	ret->nreached = count;
	return NULL;

out:
	free(pred_start);
	free(nodes);
	free(order);
	free(idom);
	return err;
}

void rh_domtree_free(struct rh_domtree *t)
{
	if (!t)
		return;
	free(t->idom);
	free(t->order);
	t->idom = NULL;
	t->order = NULL;
	t->n = 0;
	t->nreached = 0;
}

/*
 * Bottom-up over the dominator tree: in reverse preorder every node comes
 * after all the nodes it dominates, so retained[x] is complete when x is
 * reached and can be added to its idom. Sums wrap modulo 2^64 (well
 * defined for unsigned types); a heap is far smaller than that.
 */
void rh_retained(const struct rh_domtree *t, rh_node_size_fn *size, void *arg,
		 uint64_t *retained)
{
	if (t->n)
		memset(retained, 0, (size_t)t->n * sizeof(*retained));
	for (uint32_t k = t->nreached; k-- > 0;) {
		uint32_t x = t->order[k];
		retained[x] = rh_add_sat(retained[x], size(arg, x));
		uint32_t d = t->idom[x];
		if (d < t->n)
			retained[d] = rh_add_sat(retained[d], retained[x]);
	}
}
