/*
 * One verdict per object -- why it survives -- from reachability (reach.h)
 * and the cyclic-GC simulation (gcsim.h), and the garbage grouped into the
 * components a collection frees together.
 *
 * Precedence, and why:
 *  - dead: refcount 0, a freed object's memory kept for reuse (3.8-3.10
 *    zombie frames); nothing about it is alive.
 *  - reachable from an exact root (tier 0): those references are counted
 *    in refcounts, so the GC cannot call the object garbage.
 *  - cyclic-garbage: the GC's accounting (refcount minus references from
 *    other tracked objects) finds no outside holder. It beats
 *    conservative roots: a stale stack word pointing at a cycle owns no
 *    count, and CPython frees the cycle regardless.
 *  - frozen: it would be garbage but sits in (or is held only from) the
 *    permanent generation, which no collection examines.
 *  - held-by-native: no exact root reaches it, its refcount exceeds every
 *    reference the heap shows, and a live object's memory points at it
 *    where refheap reads no reference (rh_reach.native: an object of an
 *    unknown C type, mypyc, Cython; a field a known type's traverse does
 *    not visit). Native code holds it.
 *  - unaccounted: the same excess, and no live object points at it: a
 *    reference taken and never released, or held from memory refheap
 *    cannot type. A native stack word, a C static or a word of untyped
 *    malloc'd memory pointing at it is a candidate holder, not proof: a
 *    stale copy looks the same as a live one.
 *  - reachable from a conservative root (tier 1), or from an external
 *    holder (tier 2), with a count the heap explains.
 *  - immortal: nothing above holds it, but its count is immortal (3.12+)
 *    or static (3.11): it is never freed, whoever refers to it.
 * Objects no root reaches but that only garbage holds (a str inside a
 * garbage list) share the verdict of what holds them: the collection that
 * frees the cycle frees them too.
 */
#ifndef RH_ANALYSIS_VERDICT_H
#define RH_ANALYSIS_VERDICT_H

#include <stdint.h>

#include "analysis/gcsim.h"
#include "analysis/reach.h"
#include "heap/snapshot.h"

enum rh_verdict {
	RH_VERDICT_REACHABLE,
	RH_VERDICT_CYCLIC_GARBAGE,
	RH_VERDICT_UNACCOUNTED,
	RH_VERDICT_FROZEN,
	RH_VERDICT_DEAD,
	RH_VERDICT_IMMORTAL,
	RH_VERDICT_HELD_BY_NATIVE,
};

/** "reachable", "cyclic-garbage", "unaccounted", "frozen", "dead", "immortal",
 *  "held-by-native". */
const char *rh_verdict_name(enum rh_verdict v);

/** rh_verdicts.flags bits */
#define RH_VF_HELD_BY_GARBAGE 1u  /* not garbage itself: only garbage holds it */

struct rh_garbage_comp {
	uint32_t first;          /* lowest member index */
	uint64_t members;        /* tracked garbage objects */
	uint64_t bytes;
	uint64_t held;           /* objects only it holds (untracked, or held by it alone) */
	uint64_t held_bytes;
	/** Youngest generation whose collection frees the whole component. */
	int8_t youngest;
	/** Interpreter (snapshot order) whose GC holds it. */
	uint8_t interp;
	bool frozen;             /* frozen garbage: gc.unfreeze() first */
};

/** An object that has a garbage component, and the component. */
struct rh_comp_member {
	uint32_t obj, comp;
};

struct rh_verdicts {
	uint32_t n;
	uint8_t *verdict;        /* enum rh_verdict per object */
	uint8_t *flags;          /* RH_VF_* */
	/**
	 * The objects that have a garbage component (cyclic or frozen
	 * garbage, or held only by it), in index order, each with its
	 * component: 8 bytes for each of them rather than 4 for every
	 * object of the heap (issue 12: 37 MB at 9.37M objects, where a
	 * few thousand are garbage). rh_verdicts_comp() looks one up.
	 */
	struct rh_comp_member *members;
	uint32_t nmembers;
	struct rh_garbage_comp *comps;
	uint32_t ncomps;
};

/** The position in v->members of the first member whose index is >= obj. */
uint32_t rh_verdicts_member_from(const struct rh_verdicts *v, uint32_t obj);

/** Garbage component of object i, else UINT32_MAX. */
uint32_t rh_verdicts_comp(const struct rh_verdicts *v, uint32_t i);

/**
 * Errors: RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_verdicts_run(const struct rh_snapshot *s, const struct rh_reach *r,
				 const struct rh_gcsim *g, struct rh_verdicts *ret);
void rh_verdicts_free(struct rh_verdicts *v);

#endif /* RH_ANALYSIS_VERDICT_H */
