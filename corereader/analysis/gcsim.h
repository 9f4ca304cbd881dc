/*
 * CPython's cyclic GC, run on a snapshot: which tracked objects each
 * collection would free, and why that collection has not run yet.
 *
 * The algorithm is the interpreter's own (Modules/gcmodule.c 3.8-3.12,
 * Python/gc.c 3.13, gc_collect_main): for the objects of the generations
 * examined ("young": generation g and every younger one), gc_refs =
 * refcount - references from other young objects (update_refs,
 * subtract_refs); objects left with gc_refs > 0 are reachable from outside,
 * and so is everything young reachable from them (move_unreachable). The
 * rest is cyclic garbage. Each interpreter's GC examines only its own
 * lists (rh_snap_interp.gc_owner).
 *
 * Edges used: traversed ones (tp_traverse). Conservative edges (guesses for
 * unknown types) and borrowed ones (no count of their own in the target's
 * refcount) are not subtracted but are followed, so a doubt can only make
 * refheap call less garbage, never more. Owned edges (not visited by
 * tp_traverse) are invisible to CPython's GC and to this one.
 *
 * An immortal refcount (3.12+) never drops to 0; a refcount of 0 (an
 * object caught mid-dealloc) starts at 0, and gc_refs never goes below 0.
 * Not modelled: resurrection by finalizers, legacy tp_del finalizers
 * (their cycles go to gc.garbage), DEBUG_SAVEALL (everything "freed" goes
 * to gc.garbage instead). See gcsim.c for the sources.
 */
#ifndef RH_ANALYSIS_GCSIM_H
#define RH_ANALYSIS_GCSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap/snapshot.h"

/*
 * Bits of rh_gcsim.freed. For the generational collector, run g collects
 * generation g and the younger ones. For the incremental one (3.14.0-
 * 3.14.4, rh_snap_gc.model) the runs take in the lists in the order its
 * collections reach them (RH_GCSIM_INC_*): run 0 the young generation
 * (gc.collect(0), and the first increment that collects); run 1 the young
 * generation and the pending old space together: what this round's
 * increments (gc.collect(1), automatic collections) free between them;
 * run 2 everything (gc.collect(2), or the next round's increments once the
 * spaces swap).
 */
#define RH_GCSIM_GEN(g) (1u << (g))   /* run g (0..2) frees it */
#define RH_GCSIM_INC_YOUNG 0
#define RH_GCSIM_INC_PENDING 1
#define RH_GCSIM_INC_VISITED 2
/** A full collection would free it if the permanent generation were
 *  collected too (gc.unfreeze(); gc.collect()): set for garbage held
 *  only by frozen objects or frozen itself. */
#define RH_GCSIM_UNFROZEN (1u << 3)

struct rh_gcsim_gen {
	uint64_t objects;   /* tracked objects the collection would free */
	uint64_t bytes;     /* their shallow sizes */
};

/** Owns its arrays: free with rh_gcsim_free(). */
struct rh_gcsim {
	uint32_t n;                     /* snapshot objects */
	uint8_t *freed;                 /* per object: RH_GCSIM_* bits */
	/** Per interpreter (snapshot order), counted at the interpreter
	 *  whose GC lists hold the objects (rh_snap_interp.gc_owner):
	 *  index 0..2 = collecting that generation, 3 = the unfrozen full
	 *  collection. */
	struct rh_gcsim_gen (*gens)[4];
	size_t ninterps;
};

/**
 * Run the simulation for generations 0, 1, 2 and the unfrozen case.
 * Needs a snapshot built with `graph`. Linear in objects + edges: one
 * pass over the snapshot builds a compact graph of the tracked objects,
 * then each run reads only that. Besides the result it allocates, until
 * it returns, 4 bytes per object, 20 per tracked object and 4 per edge
 * of a tracked object.
 *
 * Errors: RH_ERR_NO_MEMORY; RH_ERR_INVALID_ARGUMENT without a graph;
 * RH_ERR_LIMIT past 2^32 edges of tracked objects.
 * @param ret written only on success.
 */
struct rh_error *rh_gcsim_run(const struct rh_snapshot *s, struct rh_gcsim *ret);
/** Free the arrays of g and zero it. Accepts NULL. */
void rh_gcsim_free(struct rh_gcsim *g);

/** The first run (0..2) that frees object i, or -1 (also for garbage
 *  only the unfrozen collection frees): for the generational collector
 *  the youngest generation whose collection frees it. */
int rh_gcsim_youngest(const struct rh_gcsim *g, uint32_t i);

/** The run (RH_GCSIM_INC_*) that first examines GC list `list` (0..2 as
 *  in rh_snap_gc.gens) of this GC state; the list itself for the
 *  generational collector. */
int rh_gcsim_rank(const struct rh_snap_gc *gc, int list);

/*
 * Why has the automatic collection of generation `gen` not run (yet)?
 * CPython (3.8-3.13) starts one when an allocation of a tracked object
 * finds generations[0].count > threshold with the GC enabled, a non-zero
 * gen-0 threshold and no collection running (_PyObject_GC_Link /
 * gc_alloc); it then collects the oldest generation whose count exceeds
 * its threshold, except that the oldest is skipped while
 * long_lived_pending < long_lived_total / 4 (collect_generations).
 * generations[1].count counts gen-0 collections, generations[2].count
 * gen-1 collections.
 */
enum rh_gc_block {
	RH_GC_BLOCK_NONE,          /* due: the next tracked allocation collects it */
	RH_GC_BLOCK_DISABLED,      /* gc.disable() */
	RH_GC_BLOCK_COLLECTING,    /* a collection is running (or was cut off) */
	RH_GC_BLOCK_THRESHOLD_ZERO,/* gc.set_threshold(0): automatic GC off */
	RH_GC_BLOCK_BELOW_THRESHOLD,
	RH_GC_BLOCK_LONG_LIVED,    /* full collection held back by the heuristic */
	RH_GC_BLOCK_FROZEN,        /* permanent generation: never collected */
	/* incremental collector (3.14.0-3.14.4) */
	RH_GC_BLOCK_AHEAD,         /* work_to_do < 0: increments return at once */
	RH_GC_BLOCK_MARKING,       /* phase mark: the next increment only marks */
	RH_GC_BLOCK_NEXT_ROUND,    /* in the visited space: not examined this round */
};

struct rh_gc_why {
	enum rh_gc_block block;
	int gen;
	int64_t count, threshold;       /* of generation gen */
	/**
	 * Net new tracked allocations (allocations minus deallocations) that
	 * would start the first automatic collection that includes generation
	 * gen, counting the younger collections it needs first: each
	 * collection zeroes generation 0's count, so every one after the
	 * first needs threshold0 + 1. 0 when it is due now (generation 0's
	 * count already exceeds its threshold: the next allocation starts it,
	 * or from 3.12 it is already scheduled). -1 when no number of
	 * allocations would (disabled, collecting, threshold zero, frozen,
	 * heuristic). Saturates at INT64_MAX.
	 */
	int64_t allocations;
	/** allocations is a lower bound (incremental: a mark comes first,
	 *  and what it marks is not known until it runs). */
	bool allocations_at_least;
	/** Incremental: automatic collections (increments) before the first
	 *  that collects, counting it; -1 where none will. */
	int64_t increments;
	/** For RH_GC_BLOCK_LONG_LIVED: the heuristic's numbers. */
	int64_t long_lived_pending, long_lived_total;
	/** One human sentence, e.g. "generation 0 count 512 <= threshold
	 *  700: 189 more tracked allocations start a collection of
	 *  generation 0". */
	char text[512];
};

/**
 * For the incremental collector (gc->model RH_SNAP_GC_INCREMENTAL), gen
 * is a run (RH_GCSIM_INC_*, rh_gcsim_rank()) and the answer mirrors
 * Python/gc.c 3.14.4: an automatic collection is always an increment
 * (_Py_RunGC -> gc_collect_increment), scheduled when young.count exceeds
 * young.threshold (_PyObject_GC_TRACK -> _Py_TriggerGC); each adds
 * assess_work_to_do() = young.count + min(heap_size / 10 / max(2,
 * old[0].threshold), 2 * young.count) to work_to_do and then returns at
 * once while work_to_do < 0; in phase mark it only marks what the roots
 * reach (mark_at_start, which takes twice the objects it marks off
 * work_to_do); in phase collect it collects the young generation plus
 * objects from the head of the pending space until it has about
 * work_to_do of them. `allocations` is then the allocations before the
 * first increment that collects (a lower bound when a mark comes first:
 * allocations_at_least).
 *
 * Explain why the collection of generation gen (0..2, or
 * RH_SNAP_GEN_PERMANENT) of the GC state gc has not run: that is, the
 * first automatic collection that includes it (generation gen or an
 * older one). Checks, in order: frozen, disabled, collecting, threshold
 * zero, the long-lived heuristic (generation 2), then thresholds. Other
 * values of gen are answered for the nearest of 0..2. Never fails.
 */
void rh_gc_why_not(const struct rh_snap_gc *gc, int gen, struct rh_gc_why *ret);

/**
 * The incremental collector (3.14.0-3.14.4) only: what its next automatic
 * collection, always an increment, will be, as one sentence: when it
 * starts (young count against threshold) and what it does, mirroring
 * gc_collect_increment(): return at once (work_to_do still < 0 after
 * assess_work_to_do), only mark (phase mark), or collect the young
 * generation plus objects from the head of the pending space until it has
 * about work_to_do of them. Writes "" for the generational collector.
 */
void rh_gc_next_increment(const struct rh_snap_gc *gc, char *buf, size_t len);

#endif /* RH_ANALYSIS_GCSIM_H */
