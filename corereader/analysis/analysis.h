/*
 * The analyses of one snapshot, computed on demand and kept together:
 * commands ask for what they need (rh_analysis_need) and each part is
 * built once, after the parts it depends on.
 *
 *   referrers  the edges reversed (reach.h)
 *   reach      tiers, BFS parents, the refcount audit (reach.h)
 *   gcsim      CPython's cyclic GC per generation (gcsim.h)
 *   verdicts   one verdict per object, garbage components (verdict.h)
 *   dominators the dominator tree and retained sizes (dominators.h)
 */
#ifndef RH_ANALYSIS_ANALYSIS_H
#define RH_ANALYSIS_ANALYSIS_H

#include <stdint.h>

#include "analysis/dominators.h"
#include "analysis/gcsim.h"
#include "analysis/reach.h"
#include "analysis/verdict.h"
#include "heap/snapshot.h"

#define RH_NEED_REFERRERS 1u
#define RH_NEED_REACH 2u
#define RH_NEED_GCSIM 4u
#define RH_NEED_VERDICTS 8u
#define RH_NEED_DOMINATORS 16u

/**
 * The order in which the parts are built, as bit numbers: dependencies
 * first, and the GC simulation before reachability. Each leaves results
 * behind and has working memory of its own; the simulation's results are
 * small (a byte an object, written for tracked objects only) and
 * reachability's are not (7 bytes an object), so the simulation's working
 * memory comes first, on top of the smaller sum. Built after reachability,
 * the simulation held a `gc`'s peak at 9.37M objects: 447.8 MiB beyond the
 * core, against 436.9 for the snapshot's own (issue 12).
 */
extern const unsigned rh_analysis_order[5];

struct rh_analysis {
	const struct rh_snapshot *s;
	unsigned have;                 /* RH_NEED_* bits built */
	struct rh_rgraph rg;
	struct rh_reach reach;
	struct rh_gcsim gc;
	struct rh_verdicts v;
	struct rh_domtree dom;
	uint64_t *retained;            /* bytes, per object (with dominators) */
	/**
	 * Seconds spent per part, in RH_NEED_* bit order; the GC simulation's
	 * overlap reachability's when they run side by side, so wall counts
	 * the analyses' time.
	 */
	double seconds[5];
	double wall;
	/**
	 * Threads the analyses may use: 1 builds every part on the calling
	 * thread; otherwise (0: as many as there are) the GC simulation runs
	 * beside reachability. Set after rh_analysis_init (--jobs).
	 */
	unsigned jobs;
};

void rh_analysis_init(struct rh_analysis *a, const struct rh_snapshot *s);
/** Build what `what` names and what it depends on. Errors: those of the parts. */
struct rh_error *rh_analysis_need(struct rh_analysis *a, unsigned what);
void rh_analysis_deinit(struct rh_analysis *a);
/** Total seconds spent in analyses (wall time). */
double rh_analysis_seconds(const struct rh_analysis *a);

#endif /* RH_ANALYSIS_ANALYSIS_H */
