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
 *   type_retained  retained bytes per type, from the dominator tree
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
/** Bytes retained per type (histogram, report): needs the dominator tree. */
#define RH_NEED_TYPE_RETAINED 32u
#define RH_NPARTS 6
/**
 * Not a part: with the parts wanted, says that they are all the caller
 * reads. A part the analyses file holds then comes without the parts it
 * is built from, which are loaded (and checked) or built only for a part
 * the file lacks. `histogram` reads only the bytes retained per type: at
 * 10M objects the dominator tree and reachability it is built from were
 * checked for nothing on every warm run (issue 12 item 4).
 */
#define RH_NEED_ONLY 0x100u

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
extern const unsigned rh_analysis_order[RH_NPARTS];

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
	 * Bytes retained by the objects of each type, each counted once: the
	 * sum of the retained sizes of the objects of the type that no other
	 * object of the type dominates (with type_retained; s->ntypes entries).
	 */
	uint64_t *type_retained;
	/**
	 * Seconds spent per part, in RH_NEED_* bit order; the GC simulation's
	 * overlap reachability's when they run side by side, so wall counts
	 * the analyses' time.
	 */
	double seconds[RH_NPARTS];
	double wall;
	/**
	 * Threads the analyses may use: 1 builds every part on the calling
	 * thread; otherwise (0: as many as there are) the GC simulation runs
	 * beside reachability. Set after rh_analysis_init (--jobs).
	 */
	unsigned jobs;
	/**
	 * Parts read from the analyses file of the snapshot's cache
	 * (rh_analysis_cache_load): their arrays point into cache_map,
	 * read-only, and rh_analysis_deinit() unmaps it instead of freeing
	 * them.
	 */
	unsigned cache_loaded;
	void *cache_map;
	size_t cache_map_len;
	/**
	 * Parts the file held that this command did not want: not checked,
	 * not used, only written again as they were if the file is
	 * (rh_analysis_cache_save_add), so that a command does not drop what
	 * an earlier one saved.
	 */
	unsigned cache_carried;
	struct rh_analysis_carry {
		struct rh_rgraph rg;
		struct rh_reach reach;
		struct rh_gcsim gc;
		struct rh_verdicts v;
		struct rh_domtree dom;
		uint64_t *retained;
		uint64_t *type_retained;
	} carry;
	/** What rh_analysis_cache_save wrote (parts, bytes) and how long it took (--stats). */
	unsigned cache_saved;
	uint64_t cache_saved_bytes;
	double cache_save_seconds;
	/** The thread of rh_analysis_cache_save_start, until ..._finish. */
	struct rh_analysis_saver *saver;
};

void rh_analysis_init(struct rh_analysis *a, const struct rh_snapshot *s);
/** `what` (RH_NEED_* bits) with every part it is built from. */
unsigned rh_analysis_closure(unsigned what);

/** Build what `what` names and what it depends on. Errors: those of the parts. */
struct rh_error *rh_analysis_need(struct rh_analysis *a, unsigned what);
void rh_analysis_deinit(struct rh_analysis *a);
/** Total seconds spent in analyses (wall time). */
double rh_analysis_seconds(const struct rh_analysis *a);

/*
 * The results of the analyses (the referrers, reachability, the GC
 * simulation, the verdicts, the dominator tree and retained sizes) depend
 * on the snapshot alone: saved beside a cached snapshot
 * (the path and id heap/snapshot.h rh_snapshot_sidecar_path gives), the
 * next command on the same core maps them instead of building them
 * (analysis/analysis_cache.c). The file is untrusted input: what a report
 * indexes with is checked before use.
 */

/**
 * Take the parts in `want` (RH_NEED_*, with what they are built from,
 * unless RH_NEED_ONLY) the analyses file at path holds, if it names
 * snapshot file `id` and the snapshot's counts; call before
 * rh_analysis_need. Only the parts taken are checked element by element:
 * the checks read every page. A missing file, or one of another snapshot
 * file or format, is no error (nothing is taken). Errors: RH_ERR_BAD_DATA
 * (a corrupt file), RH_ERR_OS; nothing taken either way.
 */
struct rh_error *rh_analysis_cache_load(struct rh_analysis *a, const char *path, uint64_t id,
					unsigned want);

/**
 * Save the parts built since (or besides) what was loaded to path, for
 * snapshot file `id`, atomically, if it takes at most `room` bytes. Does
 * nothing when no part is new. Errors: RH_ERR_LIMIT (no room), RH_ERR_OS,
 * RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_analysis_cache_save(struct rh_analysis *a, const char *path, uint64_t id,
					uint64_t room);

/**
 * rh_analysis_cache_save part by part, on a thread of its own (unless
 * not threaded: then on the caller's): start before rh_analysis_need, which hands each part over as it is built
 * (rh_analysis_cache_save_add), while the next one is; finish waits for
 * the thread, names the file, and returns what went wrong (the file is
 * then not written). Parts read from the file are written again only
 * with a new one. rh_analysis_deinit finishes too.
 */
struct rh_error *rh_analysis_cache_save_start(struct rh_analysis *a, const char *path,
					      uint64_t id, uint64_t room, bool threaded);
void rh_analysis_cache_save_add(struct rh_analysis *a, unsigned parts);
struct rh_error *rh_analysis_cache_save_finish(struct rh_analysis *a);

#endif /* RH_ANALYSIS_ANALYSIS_H */
