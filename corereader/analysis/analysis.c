/*
 * On-demand analyses of a snapshot: see analysis.h.
 */
#include "analysis/analysis.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "util/bigmem.h"
#include "util/bitrank.h"
#include "util/satmath.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rh_analysis_init(struct rh_analysis *a, const struct rh_snapshot *s)
{
	memset(a, 0, sizeof(*a));
	a->s = s;
}

static uint64_t node_size(void *arg, uint32_t i)
{
	return rh_snapshot_size(arg, i);
}

/*
 * The dominator tree's virtual root points at the sources in the order of
 * their tiers (exact roots, conservative roots, external holders), then at
 * every object none of them reaches (garbage), so that garbage gets
 * retained sizes too, each member dominated by the virtual root.
 */
static struct rh_error *dominators(struct rh_analysis *a)
{
	const struct rh_snapshot *s = a->s;
	const struct rh_reach *r = &a->reach;
	uint32_t n = s->nobjects;
	uint32_t *roots = rh_big_malloc((n ? n : 1) * sizeof(*roots));
	if (!roots)
		return rh_enomem;
	size_t k = 0;
	for (uint8_t tier = RH_TIER_EXACT; tier <= RH_TIER_NONE; tier++)
		for (uint32_t i = 0; i < n; i++)
			if (r->tier[i] == tier &&
			    (tier == RH_TIER_NONE || r->parent[i] == RH_REACH_SOURCE))
				roots[k++] = i;
	struct rh_csr g = {
		.n = n,
		.start = s->edge_start,
		.edges = s->edges,
		.index_mask = RH_EDGE_INDEX_MASK,
		.skip_bits = RH_EDGE_BORROWED,
	};
	struct rh_csr rev = {
		.n = n,
		.start = a->rg.start,
		.edges = a->rg.src,
		.index_mask = RH_EDGE_INDEX_MASK,
		.skip_bits = RH_EDGE_BORROWED,
	};
	// With the referrers built (leaks, report, why), the dominator tree
	// reads its predecessors there instead of building a second reverse
	// CSR of its own (4 bytes an object and 4 an edge at the peak: issue
	// 12). Commands without them keep its own, in DFS numbers, whose
	// phase 3 reads sequentially (same peak, fewer cache misses).
	struct rh_error *err = rh_dominators_rev(&g, (a->have & RH_NEED_REFERRERS) ? &rev : NULL,
						 roots, k, &a->dom);
	free(roots);
	if (err)
		return err;
	a->retained = rh_big_malloc_hot((n ? n : 1) * sizeof(*a->retained));
	if (!a->retained) {
		rh_domtree_free(&a->dom);
		return rh_enomem;
	}
	rh_retained(&a->dom, node_size, (void *)s, a->retained);
	return NULL;
}

/*
 * Bytes retained per type, each object counted once: walking the
 * dominator tree depth first, an object adds its retained size to its
 * type's when no object of the same type is above it (active[type] counts
 * those on the path). Moved here from the histogram's report to be saved
 * with the other analyses: it took 0.15 s of a warm `histogram` at 9.37M
 * objects (issue 12).
 *
 * Most objects dominate nothing (the ints and strings of a heap), and
 * every object above another in the tree dominates something. So an
 * object that dominates nothing, of a type no object that dominates
 * something has ("inner" types), has no object of its type above it: it
 * counts, and is added in a sequential pass without joining the walk.
 * At 9.37M objects the walk was 0.38 s of a cold `histogram`, at random
 * over every object (issue 12).
 */
static struct rh_error *type_retained(struct rh_analysis *a)
{
	const struct rh_snapshot *s = a->s;
	const struct rh_domtree *t = &a->dom;
	uint32_t n = s->nobjects;
	uint32_t ntypes = s->ntypes ? s->ntypes : 1;
	if (t->n != n)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "no dominator tree");
	const uint32_t NONE = UINT32_MAX;
	size_t nwords = ((size_t)n + 63) / 64;
	uint64_t *out = calloc(ntypes, sizeof(*out));
	uint32_t *active = calloc(ntypes, sizeof(*active));
	uint8_t *inner = calloc(ntypes, 1);
	// The objects the walk goes through ("linked"): those that dominate
	// something, then those of an inner type too. Numbered densely by
	// their rank in this bitset (util/bitrank.h), so
	// that the child lists take 8 bytes a linked object, 4.8M of the
	// 9.37M at 10M objects, not 8 an object.
	uint64_t *linked = calloc(nwords + 1, sizeof(*linked));
	uint32_t *prefix = malloc((nwords + 1) * sizeof(*prefix));
	uint32_t *first = NULL, *next = NULL;
	struct rh_error *err = NULL;
	if (!out || !active || !inner || !linked || !prefix)
		goto nomem;
	for (uint32_t x = 0; x < n; x++) {
		uint32_t p = t->idom[x];
		if (p < n)
			linked[p >> 6] |= UINT64_C(1) << (p & 63);
	}
	for (uint32_t x = 0; x < n; x++)
		if (linked[x >> 6] >> (x & 63) & 1)
			inner[s->obj_type[x]] = 1;
	for (uint32_t x = 0; x < n; x++) {
		uint32_t ty = s->obj_type[x];
		if (t->idom[x] != RH_DOM_NONE && ty < ntypes && inner[ty])
			linked[x >> 6] |= UINT64_C(1) << (x & 63);
	}
	rh_bitrank_fill(linked, prefix, nwords + 1, 0);
	uint32_t nlinked = prefix[nwords];
#define RANK(x) rh_bitrank(linked, prefix, (x))
	first = rh_big_malloc((nlinked ? nlinked : 1) * sizeof(*first));
	next = rh_big_malloc((nlinked ? nlinked : 1) * sizeof(*next));
	if (!first || !next)
		goto nomem;
	memset(first, 0xff, (size_t)nlinked * sizeof(*first));
	// The leaves of the tree whose type is not inner count alone; the
	// rest are linked into child lists for the walk.
	uint32_t top = NONE;
	for (uint32_t k = t->nreached; k-- > 0;) {
		uint32_t x = t->order[k];
		if (x >= n)
			continue;
		if (!(linked[x >> 6] >> (x & 63) & 1)) {
			uint32_t ty = s->obj_type[x];
			if (ty < ntypes)
				out[ty] = rh_add_sat(out[ty], a->retained[x]);
			continue;
		}
		uint32_t p = t->idom[x], cx = RANK(x);
		if (p == RH_DOM_ROOT) {
			next[cx] = top;
			top = x;
		} else if (p < n) {
			// p dominates x: it is linked.
			uint32_t cp = RANK(p);
			next[cx] = first[cp];
			first[cp] = x;
		} else {
			next[cx] = NONE;
		}
	}
	uint32_t x = top;
	while (x != NONE) {
		uint32_t ty = s->obj_type[x];
		if (active[ty]++ == 0)
			out[ty] = rh_add_sat(out[ty], a->retained[x]);
		uint32_t f = first[RANK(x)];
		if (f != NONE) {
			x = f;
			continue;
		}
		for (;;) {
			active[s->obj_type[x]]--;
			uint32_t nx = next[RANK(x)];
			if (nx != NONE) {
				x = nx;
				break;
			}
			uint32_t p = t->idom[x];
			if (p >= n) {
				x = NONE;
				break;
			}
			x = p;
		}
	}
#undef RANK
	a->type_retained = out;
	out = NULL;
	goto out;
nomem:
	err = rh_enomem;
out:
	free(first);
	free(next);
	free(prefix);
	free(linked);
	free(inner);
	free(active);
	free(out);
	return err;
}

const unsigned rh_analysis_order[RH_NPARTS] = { 0, 2, 1, 3, 4, 5 };

/* The GC simulation on a thread of its own (rh_analysis_need). */
struct side {
	struct rh_analysis *a;
	pthread_t thread;
	bool running;
	struct rh_error *err;
	double seconds;
};

static void *gcsim_main(void *arg)
{
	struct side *x = arg;
	double t0 = now();
	x->err = rh_gcsim_run(x->a->s, &x->a->gc);
	x->seconds = now() - t0;
	return NULL;
}

/* Wait for the simulation's thread; its error unless *err is one already. */
static void side_join(struct side *x, struct rh_error **err)
{
	if (!x->running)
		return;
	pthread_join(x->thread, NULL);
	x->running = false;
	x->a->seconds[2] += x->seconds;
	if (!x->err) {
		x->a->have |= RH_NEED_GCSIM;
		rh_analysis_cache_save_add(x->a, RH_NEED_GCSIM);
	}
	else if (!*err)
		*err = x->err;
	else
		rh_error_destroy(x->err);
}

unsigned rh_analysis_closure(unsigned what)
{
	if (what & RH_NEED_VERDICTS)
		what |= RH_NEED_REACH | RH_NEED_GCSIM;
	if (what & RH_NEED_TYPE_RETAINED)
		what |= RH_NEED_DOMINATORS;
	if (what & RH_NEED_DOMINATORS)
		what |= RH_NEED_REACH;
	return what;
}

struct rh_error *rh_analysis_need(struct rh_analysis *a, unsigned what)
{
	what = rh_analysis_closure(what);
	struct rh_error *err = NULL;
	double start = now();
	// Reachability and the GC simulation read only the snapshot and
	// each write results of their own: when both are wanted, the
	// simulation runs on a second thread beside the rest (issue 12:
	// both cores). Their results are the same either way.
	struct side side = { .a = a };
	const unsigned pair = RH_NEED_REACH | RH_NEED_GCSIM;
	if ((what & pair) == pair && !(a->have & pair) && a->jobs != 1)
		side.running = pthread_create(&side.thread, NULL, gcsim_main, &side) == 0;
	for (unsigned o = 0; o < RH_NPARTS && !err; o++) {
		unsigned bit = rh_analysis_order[o], b = 1u << bit;
		if (!(what & b) || (a->have & b) || (b == RH_NEED_GCSIM && side.running))
			continue;
		// What needs the simulation waits for it.
		if (b == RH_NEED_VERDICTS)
			side_join(&side, &err);
		if (err)
			break;
		double t0 = now();
		switch (b) {
		case RH_NEED_REFERRERS:
			err = rh_rgraph_build(a->s, &a->rg);
			break;
		case RH_NEED_REACH:
			err = rh_reach_run(a->s, &a->reach);
			break;
		case RH_NEED_GCSIM:
			err = rh_gcsim_run(a->s, &a->gc);
			break;
		case RH_NEED_VERDICTS:
			err = rh_verdicts_run(a->s, &a->reach, &a->gc, &a->v);
			break;
		case RH_NEED_DOMINATORS:
			err = dominators(a);
			break;
		case RH_NEED_TYPE_RETAINED:
			err = type_retained(a);
			break;
		}
		a->seconds[bit] += now() - t0;
		if (!err) {
			a->have |= b;
			// Saved while the next part is built (analysis_cache.c).
			rh_analysis_cache_save_add(a, b);
		}
	}
	side_join(&side, &err);
	a->wall += now() - start;
	return err;
}

void rh_analysis_deinit(struct rh_analysis *a)
{
	rh_error_destroy(rh_analysis_cache_save_finish(a));
	// Parts read from the analyses file are in its mapping.
	a->have &= ~a->cache_loaded;
	if (a->cache_map)
		munmap(a->cache_map, a->cache_map_len);
	if (a->have & RH_NEED_REFERRERS)
		rh_rgraph_free(&a->rg);
	if (a->have & RH_NEED_REACH)
		rh_reach_free(&a->reach);
	if (a->have & RH_NEED_GCSIM)
		rh_gcsim_free(&a->gc);
	if (a->have & RH_NEED_VERDICTS)
		rh_verdicts_free(&a->v);
	if (a->have & RH_NEED_DOMINATORS) {
		rh_domtree_free(&a->dom);
		free(a->retained);
	}
	if (a->have & RH_NEED_TYPE_RETAINED)
		free(a->type_retained);
	memset(a, 0, sizeof(*a));
}

double rh_analysis_seconds(const struct rh_analysis *a)
{
	return a->wall;
}
