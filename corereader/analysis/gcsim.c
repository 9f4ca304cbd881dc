/*
 * CPython's cyclic GC run on a snapshot, and why a collection has not run;
 * see gcsim.h.
 *
 * Where the semantics come from (CPython, GIL builds; checked against
 * stored copies of these functions: 3.7's gcmodule.c, 3.14's gc.c, a
 * forward-port of 3.13's generational gc.c, and copies of 3.11/3.12's
 * gcmodule.c, not against every tagged file):
 * - Modules/gcmodule.c 3.8-3.12, Python/gc.c 3.13: deduce_unreachable() =
 *   update_refs() + subtract_refs() + move_unreachable(); visit_decref()
 *   decrements only objects being collected (gc_is_collecting),
 *   visit_reachable() sets gc_refs 0 -> 1 and moves tentatively
 *   unreachable objects back. We do the same with a BFS queue instead of
 *   list splicing: the set of objects left unreachable is the same.
 * - collect() (gc_collect_main() from 3.11): "update collection and
 *   allocation counters": generations[generation+1].count += 1 (when there
 *   is an older one), then generations[0..generation].count = 0.
 * - collect_generations() (gc_collect_generations() 3.11-3.12,
 *   gc_select_generation() 3.13): the oldest i with count > threshold,
 *   skipping i == NUM_GENERATIONS-1 while
 *   long_lived_pending < long_lived_total / 4.
 * - _PyObject_GC_Alloc() 3.8-3.10, _PyObject_GC_Link() 3.11-3.13:
 *   generations[0].count++, then a collection when count > threshold &&
 *   enabled && threshold && !collecting && !_PyErr_Occurred(): run at once
 *   up to 3.11, scheduled for the next eval-breaker check from 3.12
 *   (_Py_ScheduleGC, gh-97922). PyObject_GC_Del() decrements
 *   generations[0].count when it is > 0, hence "net" allocations.
 *
 * What we do not model:
 * - Finalizers: tp_finalize (__del__) can resurrect garbage, and CPython
 *   then re-runs deduce_unreachable() on it (handle_resurrected_objects);
 *   we report what the first pass finds. Objects with a legacy tp_del
 *   finalizer, and what they reach, go to gc.garbage instead of being
 *   freed (move_legacy_finalizers); the snapshot does not record tp_del,
 *   so they count as freed. With DEBUG_SAVEALL everything unreachable goes
 *   to gc.garbage: "freed" then means "moved to gc.garbage".
 * - Objects already in gc.garbage need nothing special: the gc.garbage
 *   list holds them, and it is reachable like any other object.
 * - 3.13 untracks immortal objects in update_refs(); we keep them with a
 *   huge gc_refs. Both make them, and everything they reach, survive.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gcsim.h"
#include "util/satmath.h"
#include "util/bigmem.h"
#include "util/bitrank.h"

/*
 * Edges subtract_refs() does not subtract. Conservative edges are guesses;
 * borrowed ones own no count of their target's refcount (CPython would
 * subtract them if the holder were tracked, but then its own debug build
 * would assert "refcount is too small"). Both are still followed by
 * move_unreachable(): every doubt makes less garbage, never more.
 */
#ifdef RH_EDGE_BORROWED
#define NO_SUBTRACT (RH_EDGE_CONSERVATIVE | RH_EDGE_BORROWED)
#else
#define NO_SUBTRACT RH_EDGE_CONSERVATIVE
#endif
/* Edges neither phase sees: not visited by tp_traverse. */
#define NO_FOLLOW RH_EDGE_OWNED

/* The run that collects the permanent generation too. */
#define RUN_UNFROZEN 3
#define NO_SLOT UINT32_MAX

/*
 * The GC's view of the snapshot, built once for the four runs: tracked
 * objects only, numbered by "slot" in rank order (set_ranks: for the
 * generational collector the generations 0, 1, 2, permanent; index order
 * within one), so that the young objects of the
 * collection of generations 0..g are the slots below young_end[g]. Edges
 * are kept only when some collection can see them: traversed, between two
 * tracked objects of the same GC owner (a collection walks only its own
 * interpreter's lists). Each run then reads arrays the size of the
 * tracked set, not of the heap.
 */
struct sim {
	uint32_t ntracked;
	uint32_t young_end[4];
	const uint32_t *refcnt;  /* the snapshot's obj_refcnt (clamped counts) */
	uint32_t *obj;        /* slot -> object index */
	uint32_t *start;      /* ntracked + 1: slot edges start[k] .. start[k+1] */
	uint32_t *edges;      /* target slot | SLOT_NO_SUBTRACT */
	uint32_t *refs;       /* slot -> gc_refs, during one run */
	uint32_t *queue;      /* BFS queue: each young slot at most once */
};

#define SLOT_NO_SUBTRACT (1u << 31)
#define SLOT_MASK (SLOT_NO_SUBTRACT - 1)

static void sim_deinit(struct sim *m)
{
	free(m->obj);
	free(m->start);
	free(m->edges);
	free(m->refs);
	free(m->queue);
}

/* GC owner of each obj_interp value. An interpreter index the snapshot
 * does not describe is its own owner, apart from all others (UINT32_MAX -
 * index cannot be a real one). */
static void set_owners(const struct rh_snapshot *s, uint32_t owner_of[256])
{
	for (uint32_t in = 0; in < 256; in++) {
		if (in < s->ninterps && s->interps[in].gc_owner < s->ninterps)
			owner_of[in] = (uint32_t)s->interps[in].gc_owner;
		else if (in < s->ninterps)
			owner_of[in] = in;
		else
			owner_of[in] = UINT32_MAX - in;
	}
}

/* Tracked: generations 0..2 and permanent. Untracked (-1) reads 255 as
 * uint8_t; values past 3 come from nowhere and count as untracked. */
static inline bool tracked_gen(int8_t gen)
{
	return (uint8_t)gen <= RH_SNAP_GEN_PERMANENT;
}

/* Objects a collection examines: tracked, and not untracked by the
 * collector before it looks (RH_FOUND_GC_UNTRACKS: 3.14.0-3.14.4's
 * untrack_tuples, run first). */
static inline bool in_sim(const struct rh_snapshot *s, uint32_t i)
{
	return tracked_gen(s->obj_gen[i]) &&
	       !(s->obj_found && (s->obj_found[i] & RH_FOUND_GC_UNTRACKS));
}

/*
 * The order in which collections take in each list, per obj_interp value
 * (the GC state is its owner's): run r examines the lists of rank < r+1.
 * Generational: the generation itself (collecting g includes every
 * younger one). Incremental (Python/gc.c 3.14.0-3.14.4): the young
 * generation (gc_collect_young), then the pending old space
 * old[visited_space ^ 1], which this round's increments take in bit by
 * bit together with the young generation (gc_collect_increment), then the
 * visited space old[visited_space], examined only by a full collection
 * (gc_collect_full) or after the spaces swap (completed_scavenge).
 * The permanent generation is last for both.
 */
static void set_ranks(const struct rh_snapshot *s, uint8_t rank_of[256][4])
{
	for (uint32_t in = 0; in < 256; in++) {
		for (int g = 0; g < 4; g++)
			rank_of[in][g] = (uint8_t)g;
		if (in >= s->ninterps)
			continue;
		size_t owner = s->interps[in].gc_owner < s->ninterps ? s->interps[in].gc_owner : in;
		const struct rh_snap_gc *gc = &s->interps[owner].gc;
		if (gc->model == RH_SNAP_GC_INCREMENTAL) {
			int visited = gc->visited_space & 1;
			rank_of[in][1 + (visited ^ 1)] = 1;
			rank_of[in][1 + visited] = 2;
		}
	}
}

/*
 * The slot of an object while the simulation is built: its position among
 * the simulated objects, in rank order and index order within a rank, read
 * from a bitmap per rank and a count per 64 objects rather than from an
 * array of a slot per object: that array, 4 bytes an object, made the peak
 * of a `gc` command (37 MB at 9.37M objects, issue 12); these are 0.75.
 */
struct slot_rank {
	uint64_t *bits[4];     /* per rank: bit i, object i is simulated at that rank */
	uint32_t *before[4];   /* per rank, per 64 objects: the slot of its first one */
};

static void slot_rank_free(struct slot_rank *sr)
{
	for (int r = 0; r < 4; r++) {
		free(sr->bits[r]);
		free(sr->before[r]);
	}
}

static inline uint32_t slot_of(const struct slot_rank *sr, const struct rh_snapshot *s,
			       const uint8_t rank_of[256][4], uint32_t t)
{
	int8_t gen = s->obj_gen[t];
	if (!tracked_gen(gen))
		return NO_SLOT;
	unsigned r = rank_of[s->obj_interp[t]][gen];
	if (!(sr->bits[r][t >> 6] & (1ULL << (t & 63))))
		return NO_SLOT;
	return rh_bitrank(sr->bits[r], sr->before[r], t);
}

static struct rh_error *sim_build(const struct rh_snapshot *s, struct sim *m)
{
	const uint32_t n = s->nobjects;
	uint32_t owner_of[256];
	set_owners(s, owner_of);
	uint8_t rank_of[256][4];
	set_ranks(s, rank_of);

	// Count each generation and the edges of tracked objects; note
	// whether the owners differ at all (usually one interpreter).
	uint32_t count[4] = { 0 };
	uint64_t nedges = 0;
	uint32_t first_owner = UINT32_MAX;
	bool multi = false;
	for (uint32_t i = 0; i < n; i++) {
		int8_t gen = s->obj_gen[i];
		if (!in_sim(s, i))
			continue;
		count[rank_of[s->obj_interp[i]][gen]]++;
		if (s->edge_start[i + 1] > s->edge_start[i])
			nedges += s->edge_start[i + 1] - s->edge_start[i];
		uint32_t o = owner_of[s->obj_interp[i]];
		if (first_owner == UINT32_MAX)
			first_owner = o;
		else if (o != first_owner)
			multi = true;
	}
	uint32_t at[4];
	for (int gen = 0; gen < 4; gen++) {
		at[gen] = m->ntracked;
		m->ntracked += count[gen];
		m->young_end[gen] = m->ntracked;
	}
	// Only overlapping edge ranges, which snapshot.c never makes, could
	// exceed the 32-bit edge offsets.
	if (nedges > UINT32_MAX)
		return rh_error_create(RH_ERR_LIMIT,
				       "the GC simulation found %" PRIu64 " edges of tracked "
				       "objects, more than it can index", nedges);
	// Slot numbers fit 31 bits: n <= RH_EDGE_INDEX_MASK + 1.
	size_t nt = m->ntracked ? m->ntracked : 1;
	struct slot_rank sr = { 0 };
	size_t nblocks = ((size_t)n + 63) / 64 + 1;
	bool sr_ok = true;
	for (int r = 0; r < 4; r++) {
		sr.bits[r] = rh_big_calloc(nblocks, sizeof(*sr.bits[r]));
		sr.before[r] = rh_big_malloc(nblocks * sizeof(*sr.before[r]));
		sr_ok = sr_ok && sr.bits[r] && sr.before[r];
	}
	// Filled whole below, so faulted in on two threads (util/bigmem.h);
	// not the edges (an upper bound: edges to untracked objects are
	// left out) nor the queue (what one collection reaches).
	m->obj = rh_big_malloc_hot(nt * sizeof(*m->obj));
	m->start = rh_big_malloc_hot((nt + 1) * sizeof(*m->start));
	m->edges = rh_big_malloc((nedges ? nedges : 1) * sizeof(*m->edges));
	m->refs = rh_big_malloc_hot(nt * sizeof(*m->refs));
	m->queue = rh_big_malloc(nt * sizeof(*m->queue));
	if (!sr_ok || !m->obj || !m->start || !m->edges || !m->refs ||
	    !m->queue) {
		slot_rank_free(&sr);
		return rh_enomem;
	}
	for (uint32_t i = 0; i < n; i++) {
		int8_t gen = s->obj_gen[i];
		// each block's first slot, per rank: the slots given so far
		if (!(i & 63))
			for (int r = 0; r < 4; r++)
				sr.before[r][i >> 6] = at[r];
		if (in_sim(s, i)) {
			unsigned r = rank_of[s->obj_interp[i]][gen];
			uint32_t k = at[r]++;
			sr.bits[r][i >> 6] |= 1ULL << (i & 63);
			m->obj[k] = i;
		}
	}
	uint32_t ce = 0;
	for (uint32_t k = 0; k < m->ntracked; k++) {
		uint32_t i = m->obj[k];
		uint32_t o = owner_of[s->obj_interp[i]];
		m->start[k] = ce;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e];
			uint32_t t = w & RH_EDGE_INDEX_MASK;
			if ((w & NO_FOLLOW) || t >= n)
				continue;
			uint32_t st = slot_of(&sr, s, rank_of, t);
			if (st == NO_SLOT)
				continue;
			if (multi && owner_of[s->obj_interp[t]] != o)
				continue;
			m->edges[ce++] = st | (w & NO_SUBTRACT ? SLOT_NO_SUBTRACT : 0);
		}
	}
	m->start[m->ntracked] = ce;
	slot_rank_free(&sr);
	return NULL;
}

/*
 * One collection of the young slots [0, nyoung), in every GC owner at
 * once (edges between owners are gone). Sets `bit` in freed[] for what it
 * would free.
 */
static void collect(struct sim *m, uint32_t nyoung, uint8_t *freed, uint8_t bit)
{
	uint32_t *refs = m->refs;

	// update_refs: gc_refs = refcount. An immortal count means nothing
	// and stays huge; a count of 0 (caught mid-dealloc) starts at 0.
	// Read through obj[] rather than from a copy by slot (4 bytes a
	// tracked object at the simulation's peak, issue 12): within a rank
	// the slots are in index order, so the reads go forward.
	for (uint32_t k = 0; k < nyoung; k++)
		refs[k] = m->refcnt[m->obj[k]];

	// subtract_refs: afterwards gc_refs counts the references from
	// outside the young objects. It never goes below 0 (CPython asserts
	// it cannot; an inconsistent snapshot can).
	for (uint32_t k = 0; k < nyoung; k++) {
		for (uint32_t e = m->start[k]; e < m->start[k + 1]; e++) {
			uint32_t t = m->edges[e];  // SLOT_NO_SUBTRACT makes t >= nyoung
			if (t < nyoung && refs[t] != 0 && refs[t] != RH_REFCNT_IMMORTAL)
				refs[t]--;
		}
	}

	// move_unreachable: objects with gc_refs > 0 are reachable, and so
	// is every young object they reach. A queued object has gc_refs > 0;
	// one reached with gc_refs 0 gets 1 (visit_reachable), so each is
	// queued at most once.
	uint32_t head = 0, tail = 0;
	for (uint32_t k = 0; k < nyoung; k++)
		if (refs[k])
			m->queue[tail++] = k;
	while (head < tail) {
		uint32_t k = m->queue[head++];
		for (uint32_t e = m->start[k]; e < m->start[k + 1]; e++) {
			uint32_t t = m->edges[e] & SLOT_MASK;
			if (t < nyoung && !refs[t]) {
				refs[t] = 1;
				m->queue[tail++] = t;
			}
		}
	}

	// What is left at 0 is cyclic garbage.
	for (uint32_t k = 0; k < nyoung; k++)
		if (!refs[k])
			freed[m->obj[k]] |= bit;
}

struct rh_error *rh_gcsim_run(const struct rh_snapshot *s, struct rh_gcsim *ret)
{
	if (!s->have_graph || !s->edge_start)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "the GC simulation needs the snapshot's references: "
				       "build it with the graph option");
	struct sim m = { .refcnt = s->obj_refcnt };
	struct rh_gcsim g = { .n = s->nobjects, .ninterps = s->ninterps };
	struct rh_error *err = sim_build(s, &m);
	if (err)
		goto out;
	g.freed = rh_big_calloc(g.n ? g.n : 1, sizeof(*g.freed));
	g.gens = rh_big_calloc(s->ninterps ? s->ninterps : 1, sizeof(*g.gens));
	if (!g.freed || !g.gens) {
		err = rh_enomem;
		rh_gcsim_free(&g);
		goto out;
	}

	for (int run = 0; run < RH_SNAP_NGENS; run++)
		collect(&m, m.young_end[run], g.freed, RH_GCSIM_GEN(run));
	collect(&m, m.young_end[RUN_UNFROZEN], g.freed, RH_GCSIM_UNFROZEN);

	// Totals, per GC owner: the interpreter whose collection frees them.
	uint32_t owner_of[256];
	set_owners(s, owner_of);
	for (uint32_t k = 0; k < m.ntracked; k++) {
		uint32_t i = m.obj[k];
		uint8_t bits = g.freed[i];
		uint32_t o = owner_of[s->obj_interp[i]];
		if (!bits || o >= s->ninterps)
			continue;
		uint64_t size = rh_snapshot_size(s, i);
		for (int col = 0; col < 4; col++) {
			uint8_t bit = col < RH_SNAP_NGENS ? RH_GCSIM_GEN(col) : RH_GCSIM_UNFROZEN;
			if (bits & bit) {
				g.gens[o][col].objects++;
				g.gens[o][col].bytes = rh_add_sat(g.gens[o][col].bytes, size);
			}
		}
	}
	*ret = g;
out:
	sim_deinit(&m);
	return err;
}

void rh_gcsim_free(struct rh_gcsim *g)
{
	if (!g)
		return;
	free(g->freed);
	free(g->gens);
	memset(g, 0, sizeof(*g));
}

int rh_gcsim_youngest(const struct rh_gcsim *g, uint32_t i)
{
	if (i >= g->n)
		return -1;
	for (int gen = 0; gen < RH_SNAP_NGENS; gen++)
		if (g->freed[i] & RH_GCSIM_GEN(gen))
			return gen;
	return -1;
}

/* ---------------------------------------------------------------- why not */

/* Saturating int64 arithmetic for the non-negative quantities below:
 * counts and thresholds come from an untrusted core. */
static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

/* max(0, threshold - count + 1): how many increments make count exceed
 * threshold. Only ever >= 0, so saturating upwards is enough. */
static int64_t to_exceed(int64_t count, int64_t threshold)
{
	if (count > threshold)
		return 0;
	int64_t d;
	if (__builtin_sub_overflow(threshold, count, &d))
		return INT64_MAX;
	return sat_add(d, 1);
}

static bool long_lived_blocks(const struct rh_snap_gc *gc)
{
	// gc_select_generation (3.13) / collect_generations (3.8-3.12):
	// "long_lived_pending < long_lived_total / 4", Py_ssize_t division.
	return gc->have_long_lived &&
	       gc->long_lived_pending < gc->long_lived_total / 4;
}

/* The generation a collection started now would collect (at least 0). */
static int select_now(const struct rh_snap_gc *gc)
{
	for (int i = RH_SNAP_NGENS - 1; i > 0; i--) {
		if (gc->gens[i].count <= gc->gens[i].threshold)
			continue;
		if (i == RH_SNAP_NGENS - 1 && long_lived_blocks(gc))
			continue;
		return i;
	}
	return 0;
}

/*
 * Automatic collections ("triggers") happen each time generation 0's
 * count exceeds its threshold. The first needs first_allocs =
 * to_exceed(c0, t0) allocations; every later one needs per_trigger =
 * t0 + 1 (the collection zeroed the count; at least one allocation, as
 * only an allocation checks). Returns the allocations before trigger
 * number `trigger` (1-based).
 */
static int64_t allocations_for(const struct rh_snap_gc *gc, int64_t trigger)
{
	int64_t t0 = gc->gens[0].threshold;
	int64_t first = to_exceed(gc->gens[0].count, t0);
	int64_t per = t0 >= 0 ? sat_add(t0, 1) : 1;
	return sat_add(first, sat_mul(trigger - 1, per));
}

/*
 * Which trigger (1-based) is the first to collect generation gen or an
 * older one, with the heuristic not blocking generation 2. Counts only
 * change at collections: a gen-0 collection does c1++, a gen-1 one
 * c1 = 0 and c2++; the heuristic's numbers only grow pending (at gen-1
 * collections) until a full collection, so once it lets generation 2 go
 * it keeps doing so.
 */
static int64_t trigger_for(const struct rh_snap_gc *gc, int gen, int64_t *needed)
{
	int64_t c1 = gc->gens[1].count, t1 = gc->gens[1].threshold;
	int64_t c2 = gc->gens[2].count, t2 = gc->gens[2].threshold;
	*needed = 0;
	if (gen == 0)
		return 1;
	bool full_ok = !long_lived_blocks(gc);
	// Generation 2 is picked first when eligible, and a full collection
	// includes generation 1 too.
	if (full_ok && c2 > t2)
		return 1;
	// k1 gen-0 collections before c1 > t1; the next trigger collects 1.
	int64_t k1 = to_exceed(c1, t1);
	int64_t first_gen1 = sat_add(k1, 1);
	if (gen == 1) {
		*needed = k1;
		return first_gen1;
	}
	// Generation 2: k2 gen-1 collections before c2 > t2. After a gen-1
	// collection c1 = 0: max(0, t1 + 1) gen-0 collections, then the
	// gen-1 one. Once c2 > t2, the next trigger is the full collection.
	int64_t k2 = to_exceed(c2, t2);
	*needed = k2;
	int64_t cycle = sat_add(to_exceed(0, t1), 1);
	return sat_add(sat_add(first_gen1, sat_mul(k2 - 1, cycle)), 1);
}

int rh_gcsim_rank(const struct rh_snap_gc *gc, int list)
{
	if (gc->model != RH_SNAP_GC_INCREMENTAL || list < 1 || list > 2)
		return list;
	return list == 1 + (gc->visited_space & 1) ? RH_GCSIM_INC_VISITED : RH_GCSIM_INC_PENDING;
}

/* Python/gc.c 3.14.4 assess_work_to_do(): the work one increment adds
 * when it starts with young.count == count. */
static int64_t inc_assess(const struct rh_snap_gc *gc, int64_t count)
{
	if (count < 0)
		count = 0;
	int64_t scale = gc->gens[1].threshold;   // old[0].threshold
	if (scale < 2)
		scale = 2;
	int64_t max_fraction = sat_mul(count, 2);
	int64_t fraction = gc->heap_size > 0 ? gc->heap_size / 10 / scale : 0;
	if (fraction > max_fraction)
		fraction = max_fraction;
	return sat_add(count, fraction);
}

/*
 * The incremental collector's answer (see gcsim.h). Steps the automatic
 * increments one by one from the state read: trigger k starts with
 * young.count = max(c0, t0 + 1) for the first, t0 + 1 after (each
 * increment zeroes young.count in assess_work_to_do), adds its assessment
 * to work_to_do and returns while that is negative. Bounded: the number
 * of increments needed before work_to_do reaches 0 is computed, not
 * stepped.
 */
static void why_not_incremental(const struct rh_snap_gc *gc, int run, struct rh_gc_why *w)
{
	const size_t tl = sizeof(w->text);
	int64_t c0 = gc->gens[0].count, t0 = gc->gens[0].threshold;
	int visited = gc->visited_space & 1, pending = visited ^ 1;
	w->gen = run;
	w->count = c0;
	w->threshold = t0;
	w->increments = -1;
	if (run == RH_GCSIM_INC_VISITED) {
		w->block = RH_GC_BLOCK_NEXT_ROUND;
		snprintf(w->text, tl,
			 "in the visited old space (old[%d]): this round's increments do not "
			 "examine it; when they have emptied the pending space old[%d] the spaces "
			 "swap and the next round's increments free it (gc.collect(2) frees it now)",
			 visited, pending);
		return;
	}
	const char *what = run == RH_GCSIM_INC_YOUNG
		? "the young generation"
		: "the pending old space";
	char where[96];
	if (run == RH_GCSIM_INC_YOUNG)
		snprintf(where, sizeof(where), "the next increment that collects");
	else
		snprintf(where, sizeof(where),
			 "an increment of this round (each takes objects from the head of old[%d])",
			 pending);
	if (!gc->enabled) {
		w->block = RH_GC_BLOCK_DISABLED;
		snprintf(w->text, tl,
			 "automatic collection is off (gc.disable()): %s waits for gc.enable() and "
			 "more allocations, or for gc.collect(%d)",
			 what, run == RH_GCSIM_INC_YOUNG ? 0 : 1);
		return;
	}
	if (gc->collecting) {
		w->block = RH_GC_BLOCK_COLLECTING;
		snprintf(w->text, tl,
			 "a collection was running when the heap was read (or was cut off): "
			 "no automatic collection starts until it ends");
		return;
	}
	if (t0 == 0) {
		w->block = RH_GC_BLOCK_THRESHOLD_ZERO;
		snprintf(w->text, tl,
			 "young threshold is 0 (gc.set_threshold(0)): automatic collection is off; "
			 "only gc.collect() frees %s", what);
		return;
	}
	// Step the triggers: how many return at once (work_to_do < 0), then
	// whether the first that runs only marks.
	int64_t per = t0 > 0 ? sat_add(t0, 1) : 1;
	int64_t first_count = c0 > t0 ? c0 : per;
	int64_t first_allocs = to_exceed(c0, t0);
	int64_t wtd = sat_add(gc->work_to_do, inc_assess(gc, first_count));
	int64_t k = 1;
	if (wtd < 0) {
		int64_t add = inc_assess(gc, per);
		if (add <= 0) {
			w->block = RH_GC_BLOCK_AHEAD;
			snprintf(w->text, tl, "work_to_do %" PRId64 " never reaches 0: no increment collects",
				 gc->work_to_do);
			return;
		}
		// ceil(-wtd / add) more triggers
		int64_t more = (-(wtd + 1)) / add + 1;
		k = sat_add(k, more);
	}
	bool marking = gc->phase == RH_SNAP_GC_PHASE_MARK;
	if (marking)
		k = sat_add(k, 1);   // at least one more: the mark's own cost is unknown
	w->increments = k;
	w->allocations = sat_add(first_allocs, sat_mul(k - 1, per));
	w->allocations_at_least = marking;
	if (marking) {
		w->block = RH_GC_BLOCK_MARKING;
		snprintf(w->text, tl,
			 "phase mark, work_to_do %" PRId64 ": the %s increment only marks what the roots "
			 "reach (and takes twice that off work_to_do); %s frees it, at least %" PRId64
			 " increments and %" PRId64 " more tracked allocations away (young count %"
			 PRId64 ", threshold %" PRId64 ")",
			 gc->work_to_do, k - 1 == 1 ? "next" : "first one that runs", where, k,
			 w->allocations, c0, t0);
	} else if (k > 1) {
		w->block = RH_GC_BLOCK_AHEAD;
		snprintf(w->text, tl,
			 "work_to_do %" PRId64 " < 0 (the collector is ahead of its schedule): %" PRId64
			 " increments return at once first; %s frees it, about %" PRId64
			 " more tracked allocations away (young count %" PRId64 ", threshold %" PRId64 ")",
			 gc->work_to_do, k - 1, where, w->allocations, c0, t0);
	} else if (w->allocations == 0) {
		w->block = RH_GC_BLOCK_NONE;
		snprintf(w->text, tl,
			 "due: young count %" PRId64 " > threshold %" PRId64 ", phase collect, "
			 "work_to_do %" PRId64 ": the increment already scheduled (or the next tracked "
			 "allocation) is %s", c0, t0, gc->work_to_do, where);
	} else {
		w->block = RH_GC_BLOCK_BELOW_THRESHOLD;
		snprintf(w->text, tl,
			 "young count %" PRId64 " <= threshold %" PRId64 ": %" PRId64 " more tracked "
			 "allocations start an increment (phase collect, work_to_do %" PRId64
			 "), %s", c0, t0, w->allocations, gc->work_to_do, where);
	}
}

void rh_gc_next_increment(const struct rh_snap_gc *gc, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	if (gc->model != RH_SNAP_GC_INCREMENTAL)
		return;
	int64_t c0 = gc->gens[0].count, t0 = gc->gens[0].threshold;
	int pending = (gc->visited_space & 1) ^ 1;
	if (!gc->enabled || t0 == 0) {
		snprintf(buf, len, "none: automatic collection is off (%s); gc.collect(1) runs an increment",
			 gc->enabled ? "young threshold 0" : "gc.disable()");
		return;
	}
	int64_t count = c0 > t0 ? c0 : sat_add(t0, 1);
	int64_t allocs = to_exceed(c0, t0);
	int64_t add = inc_assess(gc, count);
	int64_t wtd = sat_add(gc->work_to_do, add);
	char when[96];
	if (allocs == 0)
		snprintf(when, sizeof(when), "due now (young count %" PRId64 " > threshold %" PRId64 ")",
			 c0, t0);
	else
		snprintf(when, sizeof(when), "%" PRId64 " more tracked allocations away (young count %"
			 PRId64 ", threshold %" PRId64 ")", allocs, c0, t0);
	if (wtd < 0)
		snprintf(buf, len, "an increment, %s: work_to_do %" PRId64 " + %" PRId64
			 " is still < 0, so it returns at once", when, gc->work_to_do, add);
	else if (gc->phase == RH_SNAP_GC_PHASE_MARK)
		snprintf(buf, len, "an increment, %s: phase mark, so it only marks what the roots "
			 "reach into the visited space old[%d] (work_to_do %" PRId64 " + %" PRId64 ")",
			 when, gc->visited_space & 1, gc->work_to_do, add);
	else
		snprintf(buf, len, "an increment, %s: it collects the young generation and objects "
			 "from the head of the pending space old[%d] until it has about %" PRId64
			 " (work_to_do %" PRId64 " + %" PRId64 ")",
			 when, pending, wtd, gc->work_to_do, add);
}

void rh_gc_why_not(const struct rh_snap_gc *gc, int gen, struct rh_gc_why *ret)
{
	struct rh_gc_why w = {
		.gen = gen,
		.allocations = -1,
		.increments = -1,
		.long_lived_pending = gc->long_lived_pending,
		.long_lived_total = gc->long_lived_total,
	};
	const size_t tl = sizeof(w.text);
	bool inc = gc->model == RH_SNAP_GC_INCREMENTAL;
	if (gen == RH_SNAP_GEN_PERMANENT) {
		w.block = RH_GC_BLOCK_FROZEN;
		if (inc)
			// _PyGC_Unfreeze (Python/gc.c 3.14.4) merges it into
			// old[visited_space]
			snprintf(w.text, tl,
				 "the permanent generation (gc.freeze()) is never collected: "
				 "gc.unfreeze() moves it to the visited old space old[%d], which "
				 "the next round's increments or gc.collect(2) examine",
				 gc->visited_space & 1);
		else
			snprintf(w.text, tl,
				 "the permanent generation (gc.freeze()) is never collected: "
				 "gc.unfreeze() moves it to generation 2 for the next full collection");
		*ret = w;
		return;
	}
	if (inc) {
		why_not_incremental(gc, gen < 0 ? 0 : gen > 2 ? 2 : gen, &w);
		*ret = w;
		return;
	}
	// Anything else out of range: answer for the nearest generation.
	if (gen < 0)
		gen = 0;
	if (gen >= RH_SNAP_NGENS)
		gen = RH_SNAP_NGENS - 1;
	w.gen = gen;
	w.count = gc->gens[gen].count;
	w.threshold = gc->gens[gen].threshold;
	int64_t c0 = gc->gens[0].count, t0 = gc->gens[0].threshold;

	if (!gc->enabled) {
		w.block = RH_GC_BLOCK_DISABLED;
		snprintf(w.text, tl,
			 "automatic collection is off (gc.disable()): generation %d waits "
			 "for gc.enable() and more allocations, or for gc.collect()",
			 gen);
	} else if (gc->collecting) {
		w.block = RH_GC_BLOCK_COLLECTING;
		snprintf(w.text, tl,
			 "a collection was running when the heap was read (or was cut "
			 "off): no automatic collection starts until it ends");
	} else if (t0 == 0) {
		w.block = RH_GC_BLOCK_THRESHOLD_ZERO;
		snprintf(w.text, tl,
			 "generation 0 threshold is 0 (gc.set_threshold(0)): automatic "
			 "collection is off; only gc.collect() collects generation %d",
			 gen);
	} else if (gen == RH_SNAP_NGENS - 1 && long_lived_blocks(gc)) {
		w.block = RH_GC_BLOCK_LONG_LIVED;
		snprintf(w.text, tl,
			 "generation 2 count %" PRId64 " %s threshold %" PRId64
			 "%s a full collection waits until long_lived_pending %" PRId64
			 " >= long_lived_total / 4 = %" PRId64 ", which depends on "
			 "what survives younger collections",
			 w.count, w.count > w.threshold ? ">" : "<=", w.threshold,
			 w.count > w.threshold ? ", but" : ", and", gc->long_lived_pending,
			 gc->long_lived_total / 4);
	} else {
		int64_t needed;
		int64_t trigger = trigger_for(gc, gen, &needed);
		w.allocations = allocations_for(gc, trigger);
		if (w.allocations == 0) {
			// The first trigger, and c0 > t0 already.
			int sel = select_now(gc);
			w.block = RH_GC_BLOCK_NONE;
			snprintf(w.text, tl,
				 "due: generation 0 count %" PRId64 " > threshold %" PRId64
				 ", so the next tracked allocation, or the collection "
				 "already scheduled, collects generation %d%s",
				 c0, t0, sel, sel > gen ? ", which includes this one" : "");
		} else if (trigger == 1) {
			// Counts change only at collections: the next one is
			// of the generation select_now() names.
			int sel = select_now(gc);
			w.block = RH_GC_BLOCK_BELOW_THRESHOLD;
			snprintf(w.text, tl,
				 "generation 0 count %" PRId64 " <= threshold %" PRId64
				 ": %" PRId64 " more tracked allocations start a "
				 "collection of generation %d%s",
				 c0, t0, w.allocations, sel,
				 sel > gen ? ", which includes this one" : "");
		} else {
			w.block = RH_GC_BLOCK_BELOW_THRESHOLD;
			snprintf(w.text, tl,
				 "generation %d count %" PRId64 " <= threshold %" PRId64
				 ": %" PRId64 " more generation-%d collections first; "
				 "about %" PRId64 " more tracked allocations start it "
				 "(generation 0 count %" PRId64 ", threshold %" PRId64 ")",
				 gen, w.count, w.threshold, needed, gen - 1, w.allocations,
				 c0, t0);
		}
	}
	*ret = w;
}
