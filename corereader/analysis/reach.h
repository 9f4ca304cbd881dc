/*
 * What holds each object: reachability from the roots, the refcount audit,
 * and the retention paths `refheap why` prints.
 *
 * Roots come in tiers, and an object belongs to the best tier that reaches
 * it, so a path from an exact root is always preferred to a guess:
 *   0 exact roots: interpreter state, modules, thread frames, interned;
 *   1 conservative roots: words on native stacks and in C static data that
 *     look like pointers to objects;
 *   2 external holders: objects whose refcount exceeds every reference
 *     the heap explains ("refs found") -- held by C code refheap cannot
 *     see, or leaked -- and what they hold.
 * Edges followed: every strong reference (traversed, owned, conservative);
 * borrowed ones (the interned dict's entries) never keep anything alive.
 *
 * Only the snapshot is read; nothing here knows a Python version.
 */
#ifndef RH_ANALYSIS_REACH_H
#define RH_ANALYSIS_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/snapshot.h"

enum rh_tier {
	RH_TIER_EXACT = 0,
	RH_TIER_CONSERVATIVE = 1,
	RH_TIER_EXTERNAL = 2,
	RH_TIER_NONE = 3,
};

/** rh_reach.parent of an object a root (or, in tier 2, its own refcount) holds. */
#define RH_REACH_SOURCE UINT32_MAX

/** Referrers: the snapshot's edges reversed (CSR by target). */
struct rh_rgraph {
	uint32_t n;
	uint32_t *start;   /* n + 1 entries */
	uint32_t *src;     /* referrer index | the edge's RH_EDGE_* flag bits */
};

struct rh_reach {
	uint32_t n;
	uint8_t *tier;        /* enum rh_tier per object */
	/** Breadth-first tree: the object it was first reached from, or
	 *  RH_REACH_SOURCE. Shortest within its tier. */
	uint32_t *parent;
	/**
	 * References that own a count of the object's refcount and that the
	 * snapshot shows: incoming edges (not conservative, not borrowed)
	 * plus owned root slots; read with rh_reach_found() (saturates at
	 * UINT32_MAX). Kept in 16 bits; objects with RH_FOUND_BIG or more
	 * (None, small ints, common strings: a few per heap) have their count
	 * in found_big, sorted by object. 2 bytes an object, not 4 (issue 12).
	 */
	uint16_t *found16;
	struct rh_found_big *found_big;
	size_t nfound_big;
	/**
	 * The objects of the owned root slots, sorted, one entry per slot:
	 * found minus these is the heap edges alone (rh_reach_found_edges),
	 * for the "refcount too low" check. A few thousand entries instead of
	 * a second count per object (4 bytes an object: issue 12).
	 */
	uint32_t *owned_roots;
	size_t nowned_roots;
	/**
	 * Bitset (rh_reach_native()): some pointer refheap cannot type, inside
	 * a live object, points at the object: conservative edges (words
	 * inside objects of types whose references refheap does not know:
	 * mypyc, Cython, C extensions) and RH_SNAP_ROOT_NATIVE roots (fields
	 * of known objects their traverse does not visit). Evidence that
	 * native code holds what its refcount says; and words on native
	 * thread stacks from the stack pointer up (live C frames' locals:
	 * reach.c native_evidence). Registers, C statics' words, words of
	 * untyped memory and executing frames' value-stack slots past the
	 * recorded depth are not counted: stale copies look the same. Only
	 * whether there is such evidence is used (verdict held-by-native),
	 * so one bit an object, not a count.
	 */
	uint64_t *native_bits;
	/**
	 * Best root record of each object held directly by a root: a few
	 * thousand pairs sorted by object, and a bitset of those objects for
	 * the common "none" answer, instead of 4 bytes an object (issue 12).
	 * Read with rh_reach_best_root().
	 */
	struct rh_best_root *best_roots;
	size_t nbest_roots;
	uint64_t *rooted_bits;
};

struct rh_best_root {
	uint32_t obj, root;
};

#define RH_FOUND_BIG UINT16_MAX
struct rh_found_big {
	uint32_t obj, count;
};

uint32_t rh_reach_found_big(const struct rh_reach *r, uint32_t i);

/** rh_reach.found16 of object i, with the big counts: 0 past the heap. */
static inline uint32_t rh_reach_found(const struct rh_reach *r, uint32_t i)
{
	if (i >= r->n)
		return 0;
	uint16_t f = r->found16[i];
	return f != RH_FOUND_BIG ? f : rh_reach_found_big(r, i);
}

/** Build the referrers of s (needs a graph). Errors: RH_ERR_NO_MEMORY. */
struct rh_error *rh_rgraph_build(const struct rh_snapshot *s, struct rh_rgraph *ret);
void rh_rgraph_free(struct rh_rgraph *g);

/**
 * Reachability by tier and the refcount audit. Linear in objects + edges.
 * Errors: RH_ERR_NO_MEMORY; RH_ERR_INVALID_ARGUMENT without a graph.
 */
struct rh_error *rh_reach_run(const struct rh_snapshot *s, struct rh_reach *ret);
void rh_reach_free(struct rh_reach *r);

/** Whether native evidence points at object i (see rh_reach.native_bits). */
static inline bool rh_reach_native(const struct rh_reach *r, uint32_t i)
{
	return i < r->n && (r->native_bits[i >> 6] >> (i & 63) & 1);
}

/** Best root record of an object held directly by a root, else UINT32_MAX. */
uint32_t rh_reach_best_root(const struct rh_reach *r, uint32_t i);

/** Heap edges that own a count of object i's refcount (found minus owned root slots). */
uint32_t rh_reach_found_edges(const struct rh_reach *r, uint32_t i);

/**
 * Refcount minus the references found (positive: held by something the
 * heap does not show; negative: fewer counts than references). 0 for
 * immortal and dead objects, whose counts say nothing.
 */
int64_t rh_reach_excess(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t i);

/**
 * Refcount minus the heap edges alone, when negative: the object is
 * referenced more often than it is counted, so one of those references
 * will dangle once the count reaches zero (a use-after-free to come).
 * 0 otherwise.
 */
int64_t rh_reach_deficit(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t i);

/** Compare two root records for "which one names a path best" (< 0: a first). */
int rh_root_better(const struct rh_snapshot *s, uint32_t a, uint32_t b);

/*
 * Retention paths to one object: a breadth-first search over referrers
 * from the object, collecting the nearest sources of each tier. Each path
 * starts at a distinct object held by a root (or an external holder).
 */
struct rh_path {
	uint8_t tier;
	uint32_t root;       /* root record index; UINT32_MAX for an external holder */
	uint32_t *objs;      /* from the source to the object */
	uint32_t len;
};

struct rh_paths {
	struct rh_path *paths;
	size_t npaths;
};

/**
 * Up to max_paths shortest paths to object idx through distinct sources,
 * best tier first, then shortest, secondary roots last. The search is
 * bounded by the heap's size.
 * Errors: RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_paths_find(const struct rh_snapshot *s, const struct rh_rgraph *rg,
			       const struct rh_reach *r, uint32_t idx, size_t max_paths,
			       struct rh_paths *ret);
void rh_paths_free(struct rh_paths *p);

/**
 * Index of the first edge of `from` that references `to` (borrowed edges
 * last), or UINT32_MAX: which edge a path step took, for its label.
 */
uint32_t rh_edge_between(const struct rh_snapshot *s, uint32_t from, uint32_t to);

/**
 * What freeing object idx would free: the objects reachable from it that
 * no source reaches without passing through it (Eclipse MAT's retained
 * set of one object), computed with two searches instead of the whole
 * dominator tree. Sources: roots of every tier; for an object no root
 * reaches, the search from the roots alone. With the referrers (rg, may
 * be NULL), a small retained set is found from idx alone, with the same
 * answer.
 * Errors: RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_retained_one(const struct rh_snapshot *s, const struct rh_rgraph *rg,
				 const struct rh_reach *r, uint32_t idx,
				 uint64_t *objects_ret, uint64_t *bytes_ret);

/**
 * Test hook: the steps (edges, referrers, reach-tree parents) rh_retained_one
 * may take from idx before it searches the whole heap instead; 0 restores
 * the default. Returns how many calls since the last were answered from
 * idx alone. Not for use while another thread calls rh_retained_one.
 */
uint64_t rh_retained_local_budget(uint64_t work);

#endif /* RH_ANALYSIS_REACH_H */
