/*
 * Verdicts and garbage components: see verdict.h for the precedence and
 * its reasons. Linear: one pass over the objects, one union-find over the
 * edges between garbage objects, one breadth-first search for what only
 * garbage holds.
 */
#include "analysis/verdict.h"
#include "util/satmath.h"

#include <stdlib.h>
#include <string.h>
#include "util/bigmem.h"

#define NONE UINT32_MAX
#define PENDING 0xff

const char *rh_verdict_name(enum rh_verdict v)
{
	switch (v) {
	case RH_VERDICT_REACHABLE: return "reachable";
	case RH_VERDICT_CYCLIC_GARBAGE: return "cyclic-garbage";
	case RH_VERDICT_UNACCOUNTED: return "unaccounted";
	case RH_VERDICT_FROZEN: return "frozen";
	case RH_VERDICT_DEAD: return "dead";
	case RH_VERDICT_IMMORTAL: return "immortal";
	case RH_VERDICT_HELD_BY_NATIVE: return "held-by-native";
	}
	return "?";
}

static uint32_t find(uint32_t *uf, uint32_t x)
{
	// Path halving: iterative, and each step shortens the chain.
	while (uf[x] != x) {
		uf[x] = uf[uf[x]];
		x = uf[x];
	}
	return x;
}

static void unite(uint32_t *uf, uint32_t a, uint32_t b)
{
	a = find(uf, a);
	b = find(uf, b);
	// The lower index becomes the representative: components are then
	// named by their first member, whatever the edge order.
	if (a < b)
		uf[b] = a;
	else if (b < a)
		uf[a] = b;
}

static bool is_garbage(uint8_t v)
{
	return v == RH_VERDICT_CYCLIC_GARBAGE || v == RH_VERDICT_FROZEN;
}

struct rh_error *rh_verdicts_run(const struct rh_snapshot *s, const struct rh_reach *r,
				 const struct rh_gcsim *g, struct rh_verdicts *ret)
{
	uint32_t n = s->nobjects;
	size_t m = n ? n : 1;
	struct rh_verdicts v = { .n = n };
	v.verdict = rh_big_malloc(m);
	v.flags = rh_big_calloc(m, 1);
	v.comp = rh_big_malloc(m * sizeof(*v.comp));
	// The union-find forest lives in v.comp itself (no second array of
	// the heap's size: issue 12); NONE outside garbage.
	uint32_t *uf = v.comp;
	uint32_t *queue = rh_big_malloc(m * sizeof(*queue));
	if (!v.verdict || !v.flags || !v.comp || !queue)
		goto nomem;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t tier = r->tier[i], freed = g->freed[i], out;
		if (s->obj_refcnt[i] == 0)
			out = RH_VERDICT_DEAD;
		else if (tier == RH_TIER_EXACT)
			out = RH_VERDICT_REACHABLE;
		else if (freed & RH_GCSIM_GEN(2))
			out = RH_VERDICT_CYCLIC_GARBAGE;
		else if (freed & RH_GCSIM_UNFROZEN)
			out = RH_VERDICT_FROZEN;
		else if (tier == RH_TIER_CONSERVATIVE || tier == RH_TIER_EXTERNAL)
			out = rh_reach_excess(s, r, i) <= 0 ? RH_VERDICT_REACHABLE :
			      rh_reach_native(r, i) ? RH_VERDICT_HELD_BY_NATIVE : RH_VERDICT_UNACCOUNTED;
		else
			out = PENDING;
		v.verdict[i] = out;
		uf[i] = is_garbage(out) ? i : NONE;
	}

	// Garbage that references garbage is freed together.
	for (uint32_t i = 0; i < n; i++) {
		if (!is_garbage(v.verdict[i]))
			continue;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (!(w & RH_EDGE_BORROWED) && t < n && v.verdict[t] == v.verdict[i])
				unite(uf, i, t);
		}
	}
	// Flatten: every member points at its representative, its
	// component's lowest index (in index order each find() ends at a
	// representative or an already flattened lower member).
	uint32_t ncomps = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (uf[i] == NONE)
			continue;
		uf[i] = find(uf, i);
		ncomps += uf[i] == i;
	}
	v.comps = rh_big_calloc(ncomps ? ncomps : 1, sizeof(*v.comps));
	if (!v.comps)
		goto nomem;
	// Number the components in index order. A representative comes
	// before its members, so when member i is reached comp[rep] already
	// holds the number (rep < i) while comp[i] still names rep.
	uint32_t next = 0;
	uint32_t head = 0, tail = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rep = v.comp[i];
		if (rep == NONE)
			continue;
		if (rep == i) {
			v.comps[next] = (struct rh_garbage_comp){
				.first = i,
				.youngest = -1,
				.frozen = v.verdict[i] == RH_VERDICT_FROZEN,
				.interp = s->obj_interp[i],
			};
			v.comp[i] = next++;
		} else {
			v.comp[i] = v.comp[rep];
		}
		struct rh_garbage_comp *c = &v.comps[v.comp[i]];
		c->members++;
		c->bytes = rh_add_sat(c->bytes, rh_snapshot_size(s, i));
		int y = rh_gcsim_youngest(g, i);
		if (y > c->youngest)
			c->youngest = (int8_t)y;
		queue[tail++] = i;
	}
	v.ncomps = ncomps;

	// What only garbage holds goes with the component that reaches it first.
	while (head < tail) {
		uint32_t i = queue[head++];
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if ((w & RH_EDGE_BORROWED) || t >= n || v.verdict[t] != PENDING)
				continue;
			v.verdict[t] = v.verdict[i];
			v.flags[t] |= RH_VF_HELD_BY_GARBAGE;
			v.comp[t] = v.comp[i];
			v.comps[v.comp[t]].held++;
			v.comps[v.comp[t]].held_bytes = rh_add_sat(v.comps[v.comp[t]].held_bytes, rh_snapshot_size(s, t));
			queue[tail++] = t;
		}
	}
	// Nothing reaches what is left, and its count is explained (or
	// means nothing): immortal objects, and otherwise only an
	// inconsistent heap (a count too low) gets here.
	for (uint32_t i = 0; i < n; i++)
		if (v.verdict[i] == PENDING)
			v.verdict[i] = s->obj_refcnt[i] == RH_REFCNT_IMMORTAL ? RH_VERDICT_IMMORTAL
									: RH_VERDICT_UNACCOUNTED;
	free(queue);
	*ret = v;
	return NULL;
nomem:
	free(queue);
	rh_verdicts_free(&v);
	return rh_enomem;
}

void rh_verdicts_free(struct rh_verdicts *v)
{
	free(v->verdict);
	free(v->flags);
	free(v->comp);
	free(v->comps);
	memset(v, 0, sizeof(*v));
}
