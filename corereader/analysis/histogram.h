/*
 * Type histograms and per-generation totals over a snapshot: what
 * `refheap summary` prints, the same numbers as gc.get_objects(generation)
 * and sys.getsizeof() give inside the process.
 */
#ifndef RH_ANALYSIS_HISTOGRAM_H
#define RH_ANALYSIS_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "heap/snapshot.h"

/* Generation slots: 0..2 and RH_SNAP_GEN_PERMANENT. */
#define RH_HIST_NGENS 4

struct rh_hist_type {
	uint32_t type;                      /* index into snapshot types */
	uint64_t count;
	uint64_t bytes;
	uint64_t gen_count[RH_HIST_NGENS];
};

struct rh_hist_gen {
	uint64_t objects;
	uint64_t bytes;
	/** objects whose size is approximate (see rh_snap_type.size_exact) */
	uint64_t inexact;
};

struct rh_histogram {
	/** Types that have objects, sorted by count (desc), then bytes, then name. */
	struct rh_hist_type *types;
	uint32_t ntypes;
	/** Per interpreter (snapshot order) and generation. */
	struct rh_hist_gen (*gens)[RH_HIST_NGENS];
	size_t ninterps;
	uint64_t objects;
	uint64_t bytes;
	uint64_t inexact;
};

enum rh_hist_order {
	RH_HIST_BY_COUNT,
	RH_HIST_BY_BYTES,
};

/** Build the histogram of all objects the snapshot holds. */
struct rh_error *rh_histogram_create(const struct rh_snapshot *s,
				     struct rh_histogram **ret);
/** Re-sort the type rows. */
void rh_histogram_sort(struct rh_histogram *h, const struct rh_snapshot *s,
		       enum rh_hist_order order);
void rh_histogram_destroy(struct rh_histogram *h);

#endif /* RH_ANALYSIS_HISTOGRAM_H */
