/*
 * Unit tests of analysis/gcsim.c: the cyclic-GC simulation on hand-built
 * snapshots, a randomized cross-check against a plain fixed-point
 * implementation, and rh_gc_why_not() against a step-by-step simulation of
 * CPython's collection counters.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/gcsim.h"
#include "analysis/reach.h"
#include "analysis/verdict.h"

#define ALL_BITS                                                               \
	(RH_GCSIM_GEN(0) | RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN)
#define IMMORTAL UINT32_MAX
#define MAXE 16384

/* ------------------------------------------------------------ snapshots */

/*
 * A snapshot built by hand: only the fields gcsim reads. Never given to
 * rh_snapshot_destroy(): ts_free() frees what ts_new() allocated.
 */
struct tsnap {
	struct rh_snapshot s;
	uint32_t esrc[MAXE], eword[MAXE];
	uint32_t ne;
};

/* n objects, all in generation 0 of interpreter 0 with refcount 1 and size
 * 16 * (i + 1); ninterps interpreters, each its own GC owner. */
static struct tsnap *ts_new(uint32_t n, size_t ninterps)
{
	struct tsnap *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	struct rh_snapshot *s = &t->s;
	s->nobjects = n;
	s->have_graph = true;
	s->obj_gen = calloc(n + 1, sizeof(*s->obj_gen));
	s->obj_refcnt = calloc(n + 1, sizeof(*s->obj_refcnt));
	s->obj_size = calloc(n + 1, sizeof(*s->obj_size));
	s->obj_interp = calloc(n + 1, sizeof(*s->obj_interp));
	s->edge_start = calloc(n + 1, sizeof(*s->edge_start));
	s->interps = calloc(ninterps + 1, sizeof(*s->interps));
	assert_true(s->obj_gen && s->obj_refcnt && s->obj_size && s->obj_interp &&
		    s->edge_start && s->interps);
	s->ninterps = ninterps;
	for (size_t k = 0; k < ninterps; k++)
		s->interps[k].gc_owner = k;
	for (uint32_t i = 0; i < n; i++) {
		s->obj_refcnt[i] = 1;
		s->obj_size[i] = 16 * (i + 1);
	}
	return t;
}

static void obj(struct tsnap *t, uint32_t i, int gen, uint32_t refcnt)
{
	t->s.obj_gen[i] = (int8_t)gen;
	t->s.obj_refcnt[i] = refcnt;
}

static void edge(struct tsnap *t, uint32_t src, uint32_t dst, uint32_t flags)
{
	assert_true(t->ne < MAXE);
	t->esrc[t->ne] = src;
	t->eword[t->ne] = dst | flags;
	t->ne++;
}

/* Build the CSR edges, keeping each object's edges in insertion order. */
static void ts_finish(struct tsnap *t)
{
	struct rh_snapshot *s = &t->s;
	free(s->edges);
	s->edges = calloc(t->ne + 1, sizeof(*s->edges));
	assert_non_null(s->edges);
	memset(s->edge_start, 0, (s->nobjects + 1) * sizeof(*s->edge_start));
	uint32_t e = 0;
	for (uint32_t i = 0; i < s->nobjects; i++) {
		s->edge_start[i] = e;
		for (uint32_t k = 0; k < t->ne; k++)
			if (t->esrc[k] == i)
				s->edges[e++] = t->eword[k];
	}
	s->edge_start[s->nobjects] = e;
	s->nedges = e;
}

static void ts_free(struct tsnap *t)
{
	struct rh_snapshot *s = &t->s;
	free(s->obj_gen);
	free(s->obj_refcnt);
	free(s->obj_size);
	free(s->obj_interp);
	free(s->edge_start);
	free(s->edges);
	free(s->interps);
	free(s->big_sizes);
	free(t);
}

static struct rh_gcsim run(struct tsnap *t)
{
	ts_finish(t);
	struct rh_gcsim g;
	struct rh_error *err = rh_gcsim_run(&t->s, &g);
	if (err)
		fail_msg("rh_gcsim_run: %s", err->message);
	assert_int_equal(g.n, t->s.nobjects);
	assert_int_equal(g.ninterps, t->s.ninterps);
	return g;
}

/* ------------------------------------------------------------ verdicts */

/* Reachability, then the verdicts from it and the simulation g. */
static void run_verdicts(struct tsnap *t, const struct rh_gcsim *g, struct rh_reach *r,
			 struct rh_verdicts *v)
{
	struct rh_error *err = rh_reach_run(&t->s, r);
	if (err)
		fail_msg("rh_reach_run: %s", err->message);
	err = rh_verdicts_run(&t->s, r, g, v);
	if (err)
		fail_msg("rh_verdicts_run: %s", err->message);
}

/*
 * Garbage components (analysis/verdict.c): two cycles, what only the
 * first holds, and objects outside any. No roots, so reach places nothing
 * and the verdicts come from the simulation. The components are kept for
 * their members only (sorted pairs): each member answers its component,
 * every other object UINT32_MAX, and the members come in index order.
 */
static void rh_verdicts_components_of_members_only(void **state)
{
	(void)state;
	struct tsnap *t = ts_new(9, 1);
	// 0 <-> 1: a cycle in gen 0, holding 2 (untracked) which holds 6
	// (untracked); 3 <-> 4 <-> 7: a cycle across gens 0 and 1, members
	// not adjacent in index order; 5: tracked, no references, count 1
	// (unaccounted); 8: immortal, untracked
	obj(t, 0, 0, 1);
	obj(t, 1, 0, 1);
	obj(t, 2, -1, 1);
	obj(t, 3, 1, 1);
	obj(t, 4, 0, 1);
	obj(t, 5, 0, 1);
	obj(t, 6, -1, 1);
	obj(t, 7, 1, 1);
	obj(t, 8, -1, IMMORTAL);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	edge(t, 1, 2, 0);
	edge(t, 2, 6, 0);
	edge(t, 3, 4, 0);
	edge(t, 4, 7, 0);
	edge(t, 7, 3, 0);
	struct rh_gcsim g = run(t);
	struct rh_reach r;
	struct rh_verdicts v;
	run_verdicts(t, &g, &r, &v);

	assert_int_equal(v.ncomps, 2);
	assert_int_equal(v.nmembers, 7);   /* 0 1 2 3 4 6 7 */
	for (uint32_t k = 1; k < v.nmembers; k++)
		assert_true(v.members[k - 1].obj < v.members[k].obj);
	const uint32_t want[9] = { 0, 0, 0, 1, 1, UINT32_MAX, 0, 1, UINT32_MAX };
	for (uint32_t i = 0; i < 9; i++)
		assert_int_equal(rh_verdicts_comp(&v, i), want[i]);
	assert_int_equal(rh_verdicts_comp(&v, 9), UINT32_MAX);   /* past the heap */
	// components named by their first member, in index order
	assert_int_equal(v.comps[0].first, 0);
	assert_int_equal(v.comps[0].members, 2);
	assert_int_equal(v.comps[0].held, 2);
	assert_int_equal(v.comps[0].bytes, 16 + 32);
	assert_int_equal(v.comps[0].held_bytes, 48 + 112);
	assert_int_equal(v.comps[0].youngest, 0);
	assert_int_equal(v.comps[1].first, 3);
	assert_int_equal(v.comps[1].members, 3);
	assert_int_equal(v.comps[1].held, 0);
	assert_int_equal(v.comps[1].youngest, 1);
	assert_int_equal(v.verdict[2], RH_VERDICT_CYCLIC_GARBAGE);
	assert_true(v.flags[2] & RH_VF_HELD_BY_GARBAGE);
	assert_true(v.flags[6] & RH_VF_HELD_BY_GARBAGE);
	assert_false(v.flags[0] & RH_VF_HELD_BY_GARBAGE);
	assert_int_equal(v.verdict[5], RH_VERDICT_UNACCOUNTED);
	assert_int_equal(v.verdict[8], RH_VERDICT_IMMORTAL);
	// the first member at or after an index
	assert_int_equal(rh_verdicts_member_from(&v, 0), 0);
	assert_int_equal(rh_verdicts_member_from(&v, 5), 5);   /* 6 */
	assert_int_equal(rh_verdicts_member_from(&v, 8), v.nmembers);
	rh_verdicts_free(&v);
	rh_reach_free(&r);
	rh_gcsim_free(&g);
	ts_free(t);
}

/*
 * Enough garbage that members are found by rank (analysis/verdict.c
 * RANK_MIN), interleaved with objects that are not garbage: K two-cycles
 * 3k <-> 3k+1, each even cycle also pointing at the next one (one
 * component of four), and 3k+2 tracked with nothing holding it
 * (unaccounted). Every component and member must come out as with the
 * binary search: named by its first member, in index order.
 */
static void rh_verdicts_components_by_rank(void **state)
{
	(void)state;
	enum { K = 4200 };   /* 8400 garbage objects, above RANK_MIN */
	struct tsnap *t = ts_new(3 * K, 1);
	for (uint32_t k = 0; k < K; k++) {
		edge(t, 3 * k, 3 * k + 1, 0);
		edge(t, 3 * k + 1, 3 * k, 0);
		if (k % 2 == 0)
			edge(t, 3 * k + 1, 3 * (k + 1), 0);
	}
	struct rh_gcsim g = run(t);
	struct rh_reach r;
	struct rh_verdicts v;
	run_verdicts(t, &g, &r, &v);
	assert_int_equal(v.ncomps, K / 2);
	assert_int_equal(v.nmembers, 2 * K);
	for (uint32_t k = 0; k < K; k++) {
		assert_int_equal(rh_verdicts_comp(&v, 3 * k), k / 2);
		assert_int_equal(rh_verdicts_comp(&v, 3 * k + 1), k / 2);
		assert_int_equal(rh_verdicts_comp(&v, 3 * k + 2), UINT32_MAX);
		assert_int_equal(v.verdict[3 * k + 2], RH_VERDICT_UNACCOUNTED);
	}
	for (uint32_t c = 0; c < K / 2; c++) {
		assert_int_equal(v.comps[c].first, 6 * c);
		assert_int_equal(v.comps[c].members, 4);
		assert_int_equal(v.comps[c].held, 0);
	}
	rh_verdicts_free(&v);
	rh_reach_free(&r);
	rh_gcsim_free(&g);
	ts_free(t);
}

/* ------------------------------------------------------------ gcsim cases */

static void rh_gcsim_two_cycle_in_gen0_freed_by_every_collection(void **state)
{
	struct tsnap *t = ts_new(3, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	obj(t, 2, 0, 1);  // held from outside, no edges
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], ALL_BITS);
	assert_int_equal(g.freed[1], ALL_BITS);
	assert_int_equal(g.freed[2], 0);
	assert_int_equal(rh_gcsim_youngest(&g, 0), 0);
	assert_int_equal(rh_gcsim_youngest(&g, 2), -1);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(g.gens[0][k].objects, 2);
		assert_int_equal(g.gens[0][k].bytes, 16 + 32);
	}
	rh_gcsim_free(&g);
	assert_null(g.freed);
	rh_gcsim_free(NULL);
	ts_free(t);
}

static void rh_gcsim_cycle_across_gens_freed_only_by_gen2(void **state)
{
	struct tsnap *t = ts_new(2, 1);
	obj(t, 0, 0, 1);
	obj(t, 1, 2, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	struct rh_gcsim g = run(t);
	uint8_t want = RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN;
	assert_int_equal(g.freed[0], want);
	assert_int_equal(g.freed[1], want);
	assert_int_equal(rh_gcsim_youngest(&g, 0), 2);
	assert_int_equal(rh_gcsim_youngest(&g, 1), 2);
	assert_int_equal(g.gens[0][0].objects, 0);
	assert_int_equal(g.gens[0][1].objects, 0);
	assert_int_equal(g.gens[0][2].objects, 2);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_cycle_with_extra_refcount_not_freed(void **state)
{
	struct tsnap *t = ts_new(2, 1);
	obj(t, 0, 1, 2);  // one reference from outside the cycle
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], 0);
	assert_int_equal(g.freed[1], 0);
	assert_int_equal(g.gens[0][3].objects, 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_garbage_referencing_reachable_object(void **state)
{
	struct tsnap *t = ts_new(4, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	edge(t, 0, 2, 0);
	obj(t, 2, 0, 2);  // the garbage's reference and one from outside
	edge(t, 1, 3, 0);
	obj(t, 3, 1, 1);  // only the garbage holds it: garbage too
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], ALL_BITS);
	assert_int_equal(g.freed[1], ALL_BITS);
	assert_int_equal(g.freed[2], 0);
	assert_int_equal(g.freed[3], RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN);
	assert_int_equal(g.gens[0][0].objects, 2);
	assert_int_equal(g.gens[0][1].objects, 3);
	assert_int_equal(g.gens[0][1].bytes, 16 + 32 + 64);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_reachable_object_keeps_cycle(void **state)
{
	struct tsnap *t = ts_new(3, 1);
	obj(t, 2, 0, 1);  // held from outside
	edge(t, 2, 0, 0);
	obj(t, 0, 0, 2);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	struct rh_gcsim g = run(t);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(g.freed[i], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_cycle_through_frozen_object_freed_only_unfrozen(void **state)
{
	struct tsnap *t = ts_new(5, 1);
	// 0 (gen 0) <-> 1 (frozen): the frozen one is outside every
	// automatic collection, so 0 looks referenced from outside.
	obj(t, 1, RH_SNAP_GEN_PERMANENT, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	// 2 (frozen, held from outside) holds the cycle 3 <-> 4: never freed.
	obj(t, 2, RH_SNAP_GEN_PERMANENT, 1);
	edge(t, 2, 3, 0);
	obj(t, 3, 0, 2);
	edge(t, 3, 4, 0);
	edge(t, 4, 3, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], RH_GCSIM_UNFROZEN);
	assert_int_equal(g.freed[1], RH_GCSIM_UNFROZEN);
	assert_int_equal(rh_gcsim_youngest(&g, 0), -1);
	assert_int_equal(rh_gcsim_youngest(&g, 1), -1);
	for (uint32_t i = 2; i < 5; i++)
		assert_int_equal(g.freed[i], 0);
	assert_int_equal(g.gens[0][2].objects, 0);
	assert_int_equal(g.gens[0][3].objects, 2);
	assert_int_equal(g.gens[0][3].bytes, 16 + 32);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_owned_edge_not_subtracted(void **state)
{
	// The refcount 1 of 0 comes from an owned reference tp_traverse
	// does not visit: CPython's GC sees it as a reference from outside.
	struct tsnap *t = ts_new(2, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, RH_EDGE_OWNED);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], 0);
	assert_int_equal(g.freed[1], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_owned_edge_not_followed(void **state)
{
	// 0 is reachable from outside; it holds 1 only through an owned
	// edge, and 1 <-> 2 is a cycle: CPython frees 1 and 2 (its
	// tp_traverse never shows 0 -> 1, and 1's refcount counts only 2's
	// reference).
	struct tsnap *t = ts_new(3, 1);
	edge(t, 0, 1, RH_EDGE_OWNED);
	obj(t, 1, 0, 1);
	edge(t, 1, 2, 0);
	edge(t, 2, 1, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], 0);
	assert_int_equal(g.freed[1], ALL_BITS);
	assert_int_equal(g.freed[2], ALL_BITS);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_conservative_edge_followed_not_subtracted(void **state)
{
	struct tsnap *t = ts_new(5, 1);
	// Not subtracted: 0 <-> 1 closed by a guess stays.
	edge(t, 0, 1, 0);
	edge(t, 1, 0, RH_EDGE_CONSERVATIVE);
	// Followed: 2 (held from outside) may point at the cycle 3 <-> 4.
	edge(t, 2, 3, RH_EDGE_CONSERVATIVE);
	edge(t, 3, 4, 0);
	edge(t, 4, 3, 0);
	struct rh_gcsim g = run(t);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(g.freed[i], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

#ifdef RH_EDGE_BORROWED
static void rh_gcsim_borrowed_edge_followed_not_subtracted(void **state)
{
	struct tsnap *t = ts_new(5, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, RH_EDGE_BORROWED);
	edge(t, 2, 3, RH_EDGE_BORROWED);
	edge(t, 3, 4, 0);
	edge(t, 4, 3, 0);
	struct rh_gcsim g = run(t);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(g.freed[i], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}
#endif

static void rh_gcsim_immortal_never_freed(void **state)
{
	struct tsnap *t = ts_new(3, 1);
	obj(t, 0, 0, IMMORTAL);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	edge(t, 2, 0, 0);
	obj(t, 2, 0, 1);
	edge(t, 1, 2, 0);
	struct rh_gcsim g = run(t);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(g.freed[i], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_dead_refcount_zero(void **state)
{
	struct tsnap *t = ts_new(3, 1);
	obj(t, 0, 0, 0);  // caught mid-dealloc, nothing holds it
	obj(t, 1, 0, 1);  // held from outside, points at a dying object
	edge(t, 1, 2, 0);
	obj(t, 2, 0, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], ALL_BITS);
	assert_int_equal(g.freed[1], 0);
	assert_int_equal(g.freed[2], 0);  // reachable from 1
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_untracked_objects_ignored(void **state)
{
	// An untracked tuple in a cycle is not examined: its reference
	// counts as one from outside.
	struct tsnap *t = ts_new(2, 1);
	obj(t, 0, RH_SNAP_GEN_UNTRACKED, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], 0);
	assert_int_equal(g.freed[1], 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_interpreters_with_separate_owners(void **state)
{
	struct tsnap *t = ts_new(8, 3);
	// interps 0 and 1 own their GC; interp 2 shares 0's (3.8).
	t->s.interps[2].gc_owner = 0;
	// 0 (interp 0) <-> 1 (interp 1): each collection sees the other
	// side as outside.
	t->s.obj_interp[1] = 1;
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	// 2 <-> 3, both interp 1: freed, counted at interp 1.
	t->s.obj_interp[2] = 1;
	t->s.obj_interp[3] = 1;
	edge(t, 2, 3, 0);
	edge(t, 3, 2, 0);
	// 4 (interp 0) <-> 5 (interp 2): one GC state, freed, counted at 0.
	t->s.obj_interp[5] = 2;
	obj(t, 5, 1, 1);
	edge(t, 4, 5, 0);
	edge(t, 5, 4, 0);
	// 6 (interp 1, held from outside) -> 7 (interp 1) <- nothing else
	// but 6 and a loop on itself.
	t->s.obj_interp[6] = 1;
	t->s.obj_interp[7] = 1;
	obj(t, 7, 0, 2);
	edge(t, 6, 7, 0);
	edge(t, 7, 7, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], 0);
	assert_int_equal(g.freed[1], 0);
	assert_int_equal(g.freed[2], ALL_BITS);
	assert_int_equal(g.freed[3], ALL_BITS);
	assert_int_equal(g.freed[4], RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN);
	assert_int_equal(g.freed[5], RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN);
	assert_int_equal(g.freed[6], 0);
	assert_int_equal(g.freed[7], 0);
	assert_int_equal(g.gens[0][0].objects, 0);
	assert_int_equal(g.gens[0][1].objects, 2);
	assert_int_equal(g.gens[0][1].bytes, 80 + 96);
	assert_int_equal(g.gens[1][0].objects, 2);
	assert_int_equal(g.gens[1][0].bytes, 48 + 64);
	assert_int_equal(g.gens[2][3].objects, 0);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_big_sizes_counted(void **state)
{
	struct tsnap *t = ts_new(2, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	t->s.obj_size[1] = UINT32_MAX;
	t->s.big_sizes = calloc(1, sizeof(*t->s.big_sizes));
	assert_non_null(t->s.big_sizes);
	t->s.big_sizes[0] = (struct rh_snap_big_size){ .obj = 1, .size = 5ULL << 32 };
	t->s.nbig_sizes = 1;
	struct rh_gcsim g = run(t);
	assert_int_equal(g.gens[0][0].bytes, 16 + (5ULL << 32));
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_without_graph_is_invalid_argument(void **state)
{
	struct tsnap *t = ts_new(2, 1);
	ts_finish(t);
	t->s.have_graph = false;
	struct rh_gcsim g = { .n = 12345 };
	struct rh_error *err = rh_gcsim_run(&t->s, &g);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	assert_int_equal(g.n, 12345);  // out parameter untouched
	rh_error_destroy(err);
	ts_free(t);
}

static void rh_gcsim_empty_snapshot(void **state)
{
	struct tsnap *t = ts_new(0, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(rh_gcsim_youngest(&g, 0), -1);
	rh_gcsim_free(&g);
	ts_free(t);
}

/* ------------------------------------------------- randomized cross-check */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	// xorshift64*
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

/*
 * The collection of generations 0..gmax, written plainly: gc_refs =
 * refcount - counted references from examined objects of the same owner
 * (at least 0, immortal never drops); then grow the reachable set until
 * nothing changes.
 */
static void brute_collect(const struct rh_snapshot *s, int gmax, uint8_t *garbage)
{
	uint32_t n = s->nobjects;
	int64_t *refs = calloc(n + 1, sizeof(*refs));
	bool *in = calloc(n + 1, sizeof(*in));
	bool *reach = calloc(n + 1, sizeof(*reach));
	size_t *own = calloc(n + 1, sizeof(*own));
	assert_true(refs && in && reach && own);
	for (uint32_t i = 0; i < n; i++) {
		int gen = s->obj_gen[i];
		in[i] = gen >= 0 && gen <= gmax;
		size_t x = s->obj_interp[i];
		own[i] = x < s->ninterps ? s->interps[x].gc_owner : 1000 + x;
		refs[i] = s->obj_refcnt[i] == IMMORTAL ? (int64_t)1 << 40 : s->obj_refcnt[i];
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!in[i])
			continue;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], j = w & RH_EDGE_INDEX_MASK;
			bool counted = !(w & (RH_EDGE_OWNED | RH_EDGE_CONSERVATIVE));
#ifdef RH_EDGE_BORROWED
			counted = counted && !(w & RH_EDGE_BORROWED);
#endif
			if (counted && in[j] && own[j] == own[i] &&
			    s->obj_refcnt[j] != IMMORTAL && refs[j] > 0)
				refs[j]--;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		reach[i] = in[i] && refs[i] > 0;
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t i = 0; i < n; i++) {
			if (!reach[i])
				continue;
			for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
				uint32_t w = s->edges[e], j = w & RH_EDGE_INDEX_MASK;
				if (!(w & RH_EDGE_OWNED) && in[j] && own[j] == own[i] &&
				    !reach[j]) {
					reach[j] = true;
					changed = true;
				}
			}
		}
	}
	for (uint32_t i = 0; i < n; i++)
		garbage[i] = in[i] && !reach[i];
	free(refs);
	free(in);
	free(reach);
	free(own);
}

static void rh_gcsim_matches_brute_force_on_random_graphs(void **state)
{
	rng_state = 0x9e3779b97f4a7c15ULL;
	static const uint32_t flag_choices[] = {
		0, 0, 0, 0, 0, 0, RH_EDGE_OWNED, RH_EDGE_CONSERVATIVE,
#ifdef RH_EDGE_BORROWED
		RH_EDGE_BORROWED,
#endif
	};
	const uint32_t nflags = sizeof(flag_choices) / sizeof(flag_choices[0]);
	uint64_t total_freed = 0, total_kept = 0;
	for (int round = 0; round < 3000; round++) {
		uint32_t n = 1 + rnd(24);
		size_t ninterps = 1 + rnd(3);
		struct tsnap *t = ts_new(n, ninterps);
		for (size_t k = 0; k < ninterps; k++)
			t->s.interps[k].gc_owner = rnd((uint32_t)k + 1);  // 0..k
		// Mostly one interpreter; sometimes an index with no entry.
		for (uint32_t i = 0; i < n; i++)
			t->s.obj_interp[i] = rnd(4) == 0 ? (uint8_t)rnd((uint32_t)ninterps + 1) : 0;
		uint32_t ne = rnd(3 * n + 1);
		uint32_t *indeg = calloc(n, sizeof(*indeg));
		assert_non_null(indeg);
		for (uint32_t k = 0; k < ne; k++) {
			uint32_t a = rnd(n), b = rnd(n);
			uint32_t f = flag_choices[rnd(nflags)];
			edge(t, a, b, f);
			if (!(f & RH_EDGE_CONSERVATIVE))
				indeg[b]++;
		}
		for (uint32_t i = 0; i < n; i++) {
			static const int gens[] = { -1, 0, 0, 1, 2, 2, 3 };
			int gen = gens[rnd(7)];
			uint32_t rc = indeg[i];
			switch (rnd(10)) {
			case 0: rc += 1; break;           // held from outside
			case 1: rc = rc ? rc - 1 : 0; break;  // inconsistent
			case 2: rc = IMMORTAL; break;
			case 3: rc = 0; break;            // mid-dealloc
			default: break;
			}
			obj(t, i, gen, rc);
		}
		free(indeg);
		struct rh_gcsim g = run(t);
		uint8_t *want = calloc(n, 1);
		uint8_t *garbage = calloc(n, 1);
		assert_true(want && garbage);
		for (int run_ = 0; run_ < 4; run_++) {
			brute_collect(&t->s, run_, garbage);
			uint8_t bit = run_ < 3 ? RH_GCSIM_GEN(run_) : RH_GCSIM_UNFROZEN;
			for (uint32_t i = 0; i < n; i++)
				if (garbage[i])
					want[i] |= bit;
		}
		uint64_t objs[8][4] = { { 0 } }, bytes[8][4] = { { 0 } };
		for (uint32_t i = 0; i < n; i++) {
			if (g.freed[i] != want[i])
				fail_msg("round %d object %u: freed 0x%x, brute force 0x%x",
					 round, i, g.freed[i], want[i]);
			if (want[i])
				total_freed++;
			else
				total_kept++;
			size_t x = t->s.obj_interp[i];
			if (x >= ninterps)
				continue;
			size_t o = t->s.interps[x].gc_owner;
			for (int k = 0; k < 4; k++) {
				uint8_t bit = k < 3 ? RH_GCSIM_GEN(k) : RH_GCSIM_UNFROZEN;
				if (want[i] & bit) {
					objs[o][k]++;
					bytes[o][k] += 16 * (i + 1);
				}
			}
			int y = -1;
			for (int k = 2; k >= 0; k--)
				if (want[i] & RH_GCSIM_GEN(k))
					y = k;
			assert_int_equal(rh_gcsim_youngest(&g, i), y);
		}
		for (size_t o = 0; o < ninterps; o++)
			for (int k = 0; k < 4; k++) {
				assert_int_equal(g.gens[o][k].objects, objs[o][k]);
				assert_int_equal(g.gens[o][k].bytes, bytes[o][k]);
			}
		free(want);
		free(garbage);
		rh_gcsim_free(&g);
		ts_free(t);
	}
	// The generator makes both kinds in quantity.
	assert_true(total_freed > 1000);
	assert_true(total_kept > 1000);
}

/* ------------------------------------------------------------ why not */

static struct rh_snap_gc gc_state(int64_t t0, int64_t t1, int64_t t2, int64_t c0,
				  int64_t c1, int64_t c2)
{
	struct rh_snap_gc gc = { .enabled = true };
	gc.gens[0] = (struct rh_snap_gen){ .threshold = t0, .count = c0 };
	gc.gens[1] = (struct rh_snap_gen){ .threshold = t1, .count = c1 };
	gc.gens[2] = (struct rh_snap_gen){ .threshold = t2, .count = c2 };
	return gc;
}

static void assert_text_has(const struct rh_gc_why *w, const char *needle)
{
	if (!strstr(w->text, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, w->text);
}

static void rh_gc_why_not_below_threshold_counts(void **state)
{
	struct rh_snap_gc gc = gc_state(700, 10, 10, 512, 3, 1);
	struct rh_gc_why w;

	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.gen, 0);
	assert_int_equal(w.count, 512);
	assert_int_equal(w.threshold, 700);
	assert_int_equal(w.allocations, 189);
	assert_text_has(&w, "512");
	assert_text_has(&w, "700");
	assert_text_has(&w, "189");

	// 8 gen-0 collections make count 11 > 10; the 9th trigger collects
	// generation 1: 189 + 8 * 701.
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.count, 3);
	assert_int_equal(w.threshold, 10);
	assert_int_equal(w.allocations, 5797);
	assert_text_has(&w, "5797");
	assert_text_has(&w, " 8 ");

	// First gen-1 collection at trigger 9; 10 of them are needed, each
	// 12 triggers apart (11 gen-0 collections, then the gen-1 one);
	// then one more trigger: 9 + 9 * 12 + 1 = 118 -> 189 + 117 * 701.
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.allocations, 82206);
	assert_text_has(&w, "82206");

	// The heuristic, not blocking: pending 250 >= 1000 / 4.
	gc.have_long_lived = true;
	gc.long_lived_total = 1000;
	gc.long_lived_pending = 250;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.allocations, 82206);
}

static void rh_gc_why_not_due_now(void **state)
{
	struct rh_snap_gc gc = gc_state(700, 10, 10, 701, 3, 1);
	struct rh_gc_why w;
	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_int_equal(w.allocations, 0);
	assert_text_has(&w, "next tracked allocation");

	// Exactly at the threshold: one allocation makes it exceed.
	gc.gens[0].count = 700;
	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.allocations, 1);

	// Generation 1 due: the next collection is of generation 1.
	gc = gc_state(700, 10, 10, 701, 11, 1);
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_int_equal(w.allocations, 0);
	assert_int_equal(w.count, 11);
	assert_text_has(&w, "generation 1");
	// ... which also covers generation 0.
	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_text_has(&w, "includes");

	// Generation 2 eligible: the next collection is full, and frees
	// generation-1 garbage too, whatever generation 1's count.
	gc = gc_state(700, 10, 10, 512, 3, 11);
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.allocations, 189);
	assert_text_has(&w, "collection of generation 2, which includes");
	gc.gens[0].count = 800;
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_text_has(&w, "generation 2");
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_int_equal(w.allocations, 0);
}

static void rh_gc_why_not_long_lived(void **state)
{
	struct rh_snap_gc gc = gc_state(700, 10, 10, 701, 3, 11);
	gc.have_long_lived = true;
	gc.long_lived_total = 1000;
	gc.long_lived_pending = 249;
	struct rh_gc_why w;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_LONG_LIVED);
	assert_int_equal(w.allocations, -1);
	assert_int_equal(w.count, 11);
	assert_int_equal(w.threshold, 10);
	assert_int_equal(w.long_lived_pending, 249);
	assert_int_equal(w.long_lived_total, 1000);
	assert_text_has(&w, "249");
	assert_text_has(&w, "= 250");

	// Generation 2 skipped: generation 1 is counted as usual.
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.allocations, 8 * 701);
	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);

	// Below its threshold too: still the heuristic.
	gc.gens[2].count = 2;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_LONG_LIVED);
	assert_int_equal(w.allocations, -1);

	// total / 4 rounds down like Py_ssize_t: 1003 / 4 = 250.
	gc.long_lived_total = 1003;
	gc.long_lived_pending = 250;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);

	// Without the heuristic's fields the numbers are not used.
	gc.have_long_lived = false;
	gc.long_lived_pending = 0;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
}

static void rh_gc_why_not_disabled_collecting_zero_frozen(void **state)
{
	struct rh_snap_gc gc = gc_state(0, 10, 10, 900, 3, 1);
	gc.enabled = false;
	gc.collecting = true;
	struct rh_gc_why w;
	rh_gc_why_not(&gc, 1, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_DISABLED);
	assert_int_equal(w.allocations, -1);
	assert_int_equal(w.count, 3);
	assert_int_equal(w.threshold, 10);
	assert_text_has(&w, "gc.disable()");

	gc.enabled = true;
	rh_gc_why_not(&gc, 0, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_COLLECTING);
	assert_int_equal(w.allocations, -1);

	gc.collecting = false;
	rh_gc_why_not(&gc, 2, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_THRESHOLD_ZERO);
	assert_int_equal(w.allocations, -1);
	assert_text_has(&w, "gc.set_threshold(0)");

	gc.enabled = false;
	rh_gc_why_not(&gc, RH_SNAP_GEN_PERMANENT, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_FROZEN);
	assert_int_equal(w.gen, RH_SNAP_GEN_PERMANENT);
	assert_int_equal(w.allocations, -1);
	assert_text_has(&w, "gc.unfreeze()");
}

static void rh_gc_why_not_huge_counts_saturate(void **state)
{
	struct rh_snap_gc gc = gc_state(INT64_MAX, INT64_MAX, INT64_MAX, INT64_MIN, 0, 0);
	struct rh_gc_why w;
	for (int gen = 0; gen < 3; gen++) {
		rh_gc_why_not(&gc, gen, &w);
		assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
		assert_true(w.allocations == INT64_MAX);
		assert_non_null(memchr(w.text, 0, sizeof(w.text)));
	}
}

/*
 * CPython's counters, step by step (3.12+ order: a collection found due
 * runs before anything else happens). Returns the net allocations before
 * the first automatic collection of generation gen or older, or -1 past
 * the limit.
 */
static int64_t sim_allocations(const struct rh_snap_gc *gc0, int gen, int64_t limit)
{
	struct rh_snap_gc gc = *gc0;
	int64_t allocs = 0;
	bool due = gc.gens[0].count > gc.gens[0].threshold;
	while (allocs <= limit) {
		if (due) {
			int sel = -1;
			for (int i = 2; i >= 0 && sel < 0; i--) {
				if (gc.gens[i].count <= gc.gens[i].threshold)
					continue;
				if (i == 2 && gc.have_long_lived &&
				    gc.long_lived_pending < gc.long_lived_total / 4)
					continue;
				sel = i;
			}
			assert_true(sel >= 0);
			if (sel >= gen)
				return allocs;
			if (sel + 1 < 3)
				gc.gens[sel + 1].count++;
			for (int i = 0; i <= sel; i++)
				gc.gens[i].count = 0;
			due = false;
			continue;
		}
		allocs++;
		gc.gens[0].count++;
		due = gc.gens[0].count > gc.gens[0].threshold;
	}
	return -1;
}

static void rh_gc_why_not_matches_counter_simulation(void **state)
{
	rng_state = 12345;
	int checked = 0;
	for (int round = 0; round < 20000; round++) {
		struct rh_snap_gc gc = gc_state(
			(int64_t)rnd(7) - 1, (int64_t)rnd(6) - 1, (int64_t)rnd(6) - 1,
			rnd(9), rnd(8), rnd(8));
		if (gc.gens[0].threshold == 0)
			gc.gens[0].threshold = 1 + rnd(3);
		gc.have_long_lived = rnd(2);
		gc.long_lived_total = rnd(20);
		gc.long_lived_pending = rnd(8);
		for (int gen = 0; gen < 3; gen++) {
			struct rh_gc_why w;
			rh_gc_why_not(&gc, gen, &w);
			bool blocked = gen == 2 && gc.have_long_lived &&
				       gc.long_lived_pending < gc.long_lived_total / 4;
			if (blocked) {
				assert_int_equal(w.block, RH_GC_BLOCK_LONG_LIVED);
				assert_int_equal(w.allocations, -1);
				continue;
			}
			int64_t want = sim_allocations(&gc, gen, 100000);
			assert_true(want >= 0);
			if (w.allocations != want)
				fail_msg("thresholds %" PRId64 "/%" PRId64 "/%" PRId64
					 " counts %" PRId64 "/%" PRId64 "/%" PRId64
					 " gen %d: %" PRId64 ", simulation %" PRId64,
					 gc.gens[0].threshold, gc.gens[1].threshold,
					 gc.gens[2].threshold, gc.gens[0].count,
					 gc.gens[1].count, gc.gens[2].count, gen,
					 w.allocations, want);
			assert_int_equal(w.block, want == 0 ? RH_GC_BLOCK_NONE
							    : RH_GC_BLOCK_BELOW_THRESHOLD);
			checked++;
		}
	}
	assert_true(checked > 40000);
}

/* ------------------------------------------------ incremental collector */

/*
 * 3.14.0-3.14.4: lists young (0), old[0] (1), old[1] (2). With
 * visited_space v, run 0 takes young, run 1 young + old[v ^ 1] (pending),
 * run 2 everything.
 */
static void incremental_runs(int visited)
{
	int pending_list = 1 + (visited ^ 1), visited_list = 1 + visited;
	struct tsnap *t = ts_new(9, 1);
	t->s.interps[0].gc.model = RH_SNAP_GC_INCREMENTAL;
	t->s.interps[0].gc.visited_space = (int8_t)visited;
	// a young 2-cycle
	obj(t, 0, 0, 1);
	obj(t, 1, 0, 1);
	edge(t, 0, 1, 0);
	edge(t, 1, 0, 0);
	// a 2-cycle in the pending space
	obj(t, 2, pending_list, 1);
	obj(t, 3, pending_list, 1);
	edge(t, 2, 3, 0);
	edge(t, 3, 2, 0);
	// a 2-cycle in the visited space
	obj(t, 4, visited_list, 1);
	obj(t, 5, visited_list, 1);
	edge(t, 4, 5, 0);
	edge(t, 5, 4, 0);
	// a cycle across young, pending and visited
	obj(t, 6, 0, 1);
	obj(t, 7, pending_list, 1);
	obj(t, 8, visited_list, 1);
	edge(t, 6, 7, 0);
	edge(t, 7, 8, 0);
	edge(t, 8, 6, 0);
	struct rh_gcsim g = run(t);
	for (int i = 0; i < 2; i++)
		assert_int_equal(g.freed[i], ALL_BITS);
	for (int i = 2; i < 4; i++)
		assert_int_equal(g.freed[i], RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN);
	for (int i = 4; i < 9; i++)
		assert_int_equal(g.freed[i], RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN);
	assert_int_equal(rh_gcsim_youngest(&g, 0), RH_GCSIM_INC_YOUNG);
	assert_int_equal(rh_gcsim_youngest(&g, 2), RH_GCSIM_INC_PENDING);
	assert_int_equal(rh_gcsim_youngest(&g, 4), RH_GCSIM_INC_VISITED);
	assert_int_equal(g.gens[0][0].objects, 2);
	assert_int_equal(g.gens[0][1].objects, 4);
	assert_int_equal(g.gens[0][2].objects, 9);
	assert_int_equal(rh_gcsim_rank(&t->s.interps[0].gc, pending_list), RH_GCSIM_INC_PENDING);
	assert_int_equal(rh_gcsim_rank(&t->s.interps[0].gc, visited_list), RH_GCSIM_INC_VISITED);
	assert_int_equal(rh_gcsim_rank(&t->s.interps[0].gc, 0), RH_GCSIM_INC_YOUNG);
	rh_gcsim_free(&g);
	ts_free(t);
}

static void rh_gcsim_incremental_runs_by_space(void **state)
{
	(void)state;
	incremental_runs(0);
	incremental_runs(1);
}

/* A young tuple the collector untracks first (RH_FOUND_GC_UNTRACKS) is in
 * no collection: garbage it belongs to is freed without it. */
static void rh_gcsim_gc_untracks_left_out(void **state)
{
	(void)state;
	struct tsnap *t = ts_new(2, 1);
	t->s.interps[0].gc.model = RH_SNAP_GC_INCREMENTAL;
	t->s.obj_found = calloc(3, 1);
	assert_non_null(t->s.obj_found);
	t->s.obj_found[1] = RH_FOUND_GC | RH_FOUND_GC_UNTRACKS;
	obj(t, 0, 0, 1);
	obj(t, 1, 0, 1);
	edge(t, 0, 0, 0);
	edge(t, 0, 1, 0);
	struct rh_gcsim g = run(t);
	assert_int_equal(g.freed[0], ALL_BITS);
	assert_int_equal(g.freed[1], 0);
	rh_gcsim_free(&g);
	free(t->s.obj_found);
	ts_free(t);
}

static struct rh_snap_gc inc_state(int64_t t0, int64_t c0, int64_t old0_threshold,
				   int64_t work_to_do, int phase, int64_t heap_size)
{
	struct rh_snap_gc gc = { .enabled = true, .model = RH_SNAP_GC_INCREMENTAL,
				 .visited_space = 1, .phase = (int8_t)phase,
				 .work_to_do = work_to_do, .heap_size = heap_size };
	gc.gens[0] = (struct rh_snap_gen){ .threshold = t0, .count = c0 };
	gc.gens[1] = (struct rh_snap_gen){ .threshold = old0_threshold };
	return gc;
}

static void rh_gc_why_not_incremental_cases(void **state)
{
	(void)state;
	struct rh_gc_why w;
	// phase collect, work_to_do 0: the first trigger (1969 allocations
	// away) collects: it adds 2001 + min(10000 / 10 / 10, 4002) >= 0
	struct rh_snap_gc gc = inc_state(2000, 32, 10, 0, RH_SNAP_GC_PHASE_COLLECT, 10000);
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_int_equal(w.allocations, 1969);
	assert_int_equal(w.increments, 1);
	assert_false(w.allocations_at_least);
	rh_gc_why_not(&gc, RH_GCSIM_INC_PENDING, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_BELOW_THRESHOLD);
	assert_text_has(&w, "old[0]");
	// ahead of schedule: -10000 + 2101 = -7899 needs 4 more triggers of
	// 2101 each: 5 increments, 1969 + 4 * 2001 allocations
	gc.work_to_do = -10000;
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_AHEAD);
	assert_int_equal(w.increments, 5);
	assert_int_equal(w.allocations, 1969 + 4 * 2001);
	// phase mark: the first increment that runs only marks; at least one
	// more
	gc = inc_state(2000, 32, 10, 0, RH_SNAP_GC_PHASE_MARK, 10000);
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_MARKING);
	assert_int_equal(w.increments, 2);
	assert_int_equal(w.allocations, 1969 + 2001);
	assert_true(w.allocations_at_least);
	// due: young count over its threshold, phase collect
	gc = inc_state(2000, 2001, 10, 0, RH_SNAP_GC_PHASE_COLLECT, 10000);
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NONE);
	assert_int_equal(w.allocations, 0);
	// the visited space waits for the next round
	rh_gc_why_not(&gc, RH_GCSIM_INC_VISITED, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_NEXT_ROUND);
	assert_int_equal(w.allocations, -1);
	assert_text_has(&w, "old[1]");
	// disabled, threshold 0, frozen
	gc.enabled = false;
	rh_gc_why_not(&gc, RH_GCSIM_INC_PENDING, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_DISABLED);
	gc.enabled = true;
	gc.gens[0].threshold = 0;
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_THRESHOLD_ZERO);
	rh_gc_why_not(&gc, RH_SNAP_GEN_PERMANENT, &w);
	assert_int_equal(w.block, RH_GC_BLOCK_FROZEN);
	assert_text_has(&w, "old[1]");
	// what the next increment does (gc_collect_increment)
	char next[384];
	gc = inc_state(2000, 32, 10, 0, RH_SNAP_GC_PHASE_MARK, 10000);
	rh_gc_next_increment(&gc, next, sizeof(next));
	assert_non_null(strstr(next, "only marks"));
	assert_non_null(strstr(next, "1969 more"));
	gc.phase = RH_SNAP_GC_PHASE_COLLECT;
	rh_gc_next_increment(&gc, next, sizeof(next));
	assert_non_null(strstr(next, "until it has about 2101"));
	assert_non_null(strstr(next, "old[0]"));
	gc.work_to_do = -5000;
	rh_gc_next_increment(&gc, next, sizeof(next));
	assert_non_null(strstr(next, "returns at once"));
	gc.model = RH_SNAP_GC_GENERATIONAL;
	rh_gc_next_increment(&gc, next, sizeof(next));
	assert_string_equal(next, "");
	// hostile numbers saturate instead of overflowing
	gc = inc_state(INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, RH_SNAP_GC_PHASE_COLLECT,
		       INT64_MAX);
	rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
	assert_true(w.allocations >= -1);
}

/* The triggers stepped one allocation at a time (Include/internal/
 * pycore_gc.h 3.14.4 _PyObject_GC_TRACK, Python/gc.c
 * gc_collect_increment / assess_work_to_do), phase collect. */
static void rh_gc_why_not_incremental_matches_stepping(void **state)
{
	(void)state;
	unsigned seed = 12345;
	for (int round = 0; round < 300; round++) {
		seed = seed * 1103515245u + 12345u;
		int64_t t0 = 1 + (seed >> 8) % 300;
		seed = seed * 1103515245u + 12345u;
		int64_t c0 = (seed >> 8) % 400;
		seed = seed * 1103515245u + 12345u;
		int64_t wtd = -(int64_t)((seed >> 8) % 20000);
		seed = seed * 1103515245u + 12345u;
		int64_t heap = (seed >> 8) % 50000;
		int64_t old0 = 1 + round % 12;
		struct rh_snap_gc gc = inc_state(t0, c0, old0, wtd, RH_SNAP_GC_PHASE_COLLECT, heap);
		struct rh_gc_why w;
		rh_gc_why_not(&gc, RH_GCSIM_INC_YOUNG, &w);
		int64_t count = c0, work = wtd, allocs = 0, incs = 0;
		int64_t scale = old0 < 2 ? 2 : old0;
		// a count already over the threshold triggers without allocating
		for (;;) {
			if (count > t0) {
				incs++;
				int64_t frac = heap / 10 / scale;
				if (frac > 2 * count)
					frac = 2 * count;
				work += count + frac;
				count = 0;
				if (work >= 0)
					break;
			}
			count++;
			allocs++;
		}
		if (w.allocations != allocs || w.increments != incs)
			fail_msg("t0 %" PRId64 " c0 %" PRId64 " wtd %" PRId64 " heap %" PRId64
				 ": refheap %" PRId64 " allocations / %" PRId64 " increments, "
				 "stepping %" PRId64 " / %" PRId64, t0, c0, wtd, heap,
				 w.allocations, w.increments, allocs, incs);
	}
}

/* ------------------------------------------------ retained set of one */

/*
 * What freeing idx frees, written plainly: what idx reaches over strong
 * edges, less what the sources reach with idx taken away.
 */
static void brute_retained(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t idx,
			   uint64_t *objects, uint64_t *bytes)
{
	uint32_t n = s->nobjects;
	uint8_t *src_seen = calloc(n, 1), *idx_seen = calloc(n, 1);
	assert_true(src_seen && idx_seen);
	for (uint32_t i = 0; i < n; i++)
		src_seen[i] = i != idx && r->tier[i] != RH_TIER_NONE &&
			      r->parent[i] == RH_REACH_SOURCE;
	idx_seen[idx] = 1;
	for (bool grew = true; grew;) {
		grew = false;
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
				uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
				if (w & RH_EDGE_BORROWED)
					continue;
				if (src_seen[i] && t != idx && !src_seen[t])
					src_seen[t] = grew = true;
				if (idx_seen[i] && !idx_seen[t])
					idx_seen[t] = grew = true;
			}
	}
	*objects = *bytes = 0;
	for (uint32_t i = 0; i < n; i++)
		if (idx_seen[i] && !src_seen[i]) {
			(*objects)++;
			*bytes += s->obj_size[i];
		}
	free(src_seen);
	free(idx_seen);
}

/*
 * rh_retained_one from idx alone (the referrers given), from the whole
 * heap (none given), and from idx with budgets that run out at every
 * step (the whole-heap search after a partial one), against the plain
 * fixed point, for every object of random graphs: roots of each kind,
 * borrowed, conservative and owned edges, refcounts that make external
 * sources, and long chains (past the reach-tree walk's bound).
 */
static void rh_retained_one_local_matches_whole_heap(void **state)
{
	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	uint64_t local = 0;
	for (int round = 0; round < 400; round++) {
		bool chain = round % 20 == 19;
		uint32_t n = chain ? 600 + rnd(100) : 1 + rnd(40);
		struct tsnap *t = ts_new(n, 1);
		struct rh_snapshot *s = &t->s;
		for (uint32_t i = 0; i < n; i++) {
			s->obj_refcnt[i] = rnd(4);
			uint32_t ne = chain ? (uint32_t)(i + 1 < n) + (rnd(8) == 0 ? 1u : 0u) : rnd(4);
			for (uint32_t k = 0; k < ne; k++) {
				uint32_t to = chain && k == 0 && i + 1 < n ? i + 1 : rnd(n);
				uint32_t f = rnd(8);
				uint32_t flags = f == 0 ? RH_EDGE_OWNED : f == 1 ? RH_EDGE_CONSERVATIVE : 0;
#ifdef RH_EDGE_BORROWED
				if (f == 2)
					flags = RH_EDGE_BORROWED;
#endif
				edge(t, i, to, flags);
			}
		}
		size_t nroots = chain ? 1 : rnd(4);
		s->roots = calloc(nroots + 1, sizeof(*s->roots));
		assert_non_null(s->roots);
		s->nroots = nroots;
		for (size_t k = 0; k < nroots; k++)
			s->roots[k] = (struct rh_snap_root){
				.obj = chain ? 0 : rnd(n), .kind = RH_SNAP_ROOT_MODULE,
				.conservative = rnd(4) == 0, .secondary = rnd(4) == 0,
				.owned = rnd(2) == 0, .name = "root",
			};
		ts_finish(t);
		struct rh_reach r;
		struct rh_rgraph rg;
		assert_null(rh_reach_run(s, &r));
		assert_null(rh_rgraph_build(s, &rg));
		for (uint32_t idx = 0; idx < n; idx++) {
			uint64_t bo, bb;
			brute_retained(s, &r, idx, &bo, &bb);
			for (int how = 0; how < 4; how++) {
				// the default budget, none (whole heap), and two
				// that run out partway
				uint64_t budget = how == 2 ? 1 + rnd(8) : how == 3 ? 1 + rnd(64) : 0;
				(void)rh_retained_local_budget(budget);
				uint64_t o, b;
				assert_null(rh_retained_one(s, how == 1 ? NULL : &rg, &r, idx, &o, &b));
				local += rh_retained_local_budget(0);
				if (o != bo || b != bb)
					fail_msg("round %d, n %u, object %u, way %d: %" PRIu64
						 " objects, %" PRIu64 " bytes; plainly %" PRIu64
						 ", %" PRIu64, round, n, idx, how, o, b, bo, bb);
			}
		}
		rh_rgraph_free(&rg);
		rh_reach_free(&r);
		free(s->roots);
		ts_free(t);
	}
	// Most answers came from the search from idx alone.
	assert_true(local > 10000);
	print_message("retained sets found from the object alone: %" PRIu64 "\n", local);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_gcsim_two_cycle_in_gen0_freed_by_every_collection),
		cmocka_unit_test(rh_gcsim_cycle_across_gens_freed_only_by_gen2),
		cmocka_unit_test(rh_gcsim_cycle_with_extra_refcount_not_freed),
		cmocka_unit_test(rh_gcsim_garbage_referencing_reachable_object),
		cmocka_unit_test(rh_gcsim_reachable_object_keeps_cycle),
		cmocka_unit_test(rh_gcsim_cycle_through_frozen_object_freed_only_unfrozen),
		cmocka_unit_test(rh_gcsim_owned_edge_not_subtracted),
		cmocka_unit_test(rh_gcsim_owned_edge_not_followed),
		cmocka_unit_test(rh_gcsim_conservative_edge_followed_not_subtracted),
#ifdef RH_EDGE_BORROWED
		cmocka_unit_test(rh_gcsim_borrowed_edge_followed_not_subtracted),
#endif
		cmocka_unit_test(rh_gcsim_immortal_never_freed),
		cmocka_unit_test(rh_gcsim_dead_refcount_zero),
		cmocka_unit_test(rh_gcsim_untracked_objects_ignored),
		cmocka_unit_test(rh_gcsim_interpreters_with_separate_owners),
		cmocka_unit_test(rh_gcsim_big_sizes_counted),
		cmocka_unit_test(rh_gcsim_without_graph_is_invalid_argument),
		cmocka_unit_test(rh_gcsim_empty_snapshot),
		cmocka_unit_test(rh_verdicts_components_of_members_only),
		cmocka_unit_test(rh_verdicts_components_by_rank),
		cmocka_unit_test(rh_gcsim_matches_brute_force_on_random_graphs),
		cmocka_unit_test(rh_retained_one_local_matches_whole_heap),
		cmocka_unit_test(rh_gc_why_not_below_threshold_counts),
		cmocka_unit_test(rh_gc_why_not_due_now),
		cmocka_unit_test(rh_gc_why_not_long_lived),
		cmocka_unit_test(rh_gc_why_not_disabled_collecting_zero_frozen),
		cmocka_unit_test(rh_gc_why_not_huge_counts_saturate),
		cmocka_unit_test(rh_gc_why_not_matches_counter_simulation),
		cmocka_unit_test(rh_gcsim_incremental_runs_by_space),
		cmocka_unit_test(rh_gcsim_gc_untracks_left_out),
		cmocka_unit_test(rh_gc_why_not_incremental_cases),
		cmocka_unit_test(rh_gc_why_not_incremental_matches_stepping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
