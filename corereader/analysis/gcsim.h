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
#include <stdint.h>

#include "heap/snapshot.h"

/* Bits of rh_gcsim.freed. */
#define RH_GCSIM_GEN(g) (1u << (g))   /* collecting generation g (0..2) frees it */
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

/** The youngest generation (0..2) whose collection frees object i, or -1
 *  (also for garbage only the unfrozen collection frees). */
int rh_gcsim_youngest(const struct rh_gcsim *g, uint32_t i);

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
	/** For RH_GC_BLOCK_LONG_LIVED: the heuristic's numbers. */
	int64_t long_lived_pending, long_lived_total;
	/** One human sentence, e.g. "generation 0 count 512 <= threshold
	 *  700: 189 more tracked allocations start a collection of
	 *  generation 0". */
	char text[256];
};

/**
 * Explain why the collection of generation gen (0..2, or
 * RH_SNAP_GEN_PERMANENT) of the GC state gc has not run: that is, the
 * first automatic collection that includes it (generation gen or an
 * older one). Checks, in order: frozen, disabled, collecting, threshold
 * zero, the long-lived heuristic (generation 2), then thresholds. Other
 * values of gen are answered for the nearest of 0..2. Never fails.
 */
void rh_gc_why_not(const struct rh_snap_gc *gc, int gen, struct rh_gc_why *ret);

#endif /* RH_ANALYSIS_GCSIM_H */
