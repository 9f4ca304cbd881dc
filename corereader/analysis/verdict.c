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
#include "util/bitrank.h"

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

uint32_t rh_verdicts_member_from(const struct rh_verdicts *v, uint32_t obj)
{
	uint32_t lo = 0, hi = v->nmembers;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v->members[mid].obj < obj)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t rh_verdicts_comp(const struct rh_verdicts *v, uint32_t i)
{
	// Only garbage and what only garbage holds are members: most
	// objects are answered by their verdict alone.
	if (i >= v->n || !(is_garbage(v->verdict[i]) || (v->flags[i] & RH_VF_HELD_BY_GARBAGE)))
		return NONE;
	uint32_t k = rh_verdicts_member_from(v, i);
	return k < v->nmembers && v->members[k].obj == i ? v->members[k].comp : NONE;
}

/*
 * Positions of the garbage in members[0..ng), by rank (util/bitrank.h): a
 * bit per object (set for garbage) and the garbage before each 64
 * objects. Found by a
 * binary search over members instead (twenty dependent reads an edge),
 * the union below was 40% of this function's samples on a Sphinx build
 * caught mid-collection (1.4M garbage objects: the collection's
 * unreachable set); this takes two reads. Made only for that much
 * garbage (RANK_MIN): a heap's usual few dozen objects take no array of
 * the heap's size.
 */
#define RANK_MIN 4096

struct garbage_rank {
	uint64_t *bits;
	uint32_t *before;
};

static bool rank_make(struct garbage_rank *gr, const uint8_t *verdict, uint32_t n)
{
	size_t nb = ((size_t)n + 63) / 64;
	gr->bits = rh_big_calloc(nb ? nb : 1, sizeof(*gr->bits));
	gr->before = rh_big_malloc((nb ? nb : 1) * sizeof(*gr->before));
	if (!gr->bits || !gr->before)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (is_garbage(verdict[i]))
			gr->bits[i / 64] |= 1ULL << (i % 64);
	rh_bitrank_fill(gr->bits, gr->before, nb, 0);
	return true;
}

static void rank_free(struct garbage_rank *gr)
{
	free(gr->bits);
	free(gr->before);
	gr->bits = NULL;
	gr->before = NULL;
}

static int member_cmp(const void *x, const void *y)
{
	uint32_t a = ((const struct rh_comp_member *)x)->obj;
	uint32_t b = ((const struct rh_comp_member *)y)->obj;
	return a < b ? -1 : a > b;
}

struct rh_error *rh_verdicts_run(const struct rh_snapshot *s, const struct rh_reach *r,
				 const struct rh_gcsim *g, struct rh_verdicts *ret)
{
	uint32_t n = s->nobjects;
	size_t m = n ? n : 1;
	struct rh_verdicts v = { .n = n };
	uint32_t *uf = NULL;
	struct garbage_rank gr = { NULL, NULL };
	// Every verdict is written: faulted in on two threads (util/bigmem.h).
	// The flags only where one is set: the rest stays untouched.
	v.verdict = rh_big_malloc_hot(m);
	v.flags = rh_big_calloc(m, 1);
	if (!v.verdict || !v.flags)
		goto nomem;

	uint32_t ng = 0;
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
		ng += is_garbage(out);
	}

	// The garbage objects in index order (members[0..ng)), then what
	// only they hold, appended by the search below (the queue).
	size_t cap = ng ? ng : 1;
	// Huge pages (util/bigmem.h): a collection caught mid-way leaves
	// millions of garbage objects, and 4 KiB faults on these arrays were
	// half of this function's samples on such a heap (issue 12).
	v.members = rh_big_malloc(cap * sizeof(*v.members));
	uf = rh_big_malloc(cap * sizeof(*uf));
	if (!v.members || !uf)
		goto nomem;
	for (uint32_t i = 0, k = 0; i < n; i++)
		if (is_garbage(v.verdict[i])) {
			v.members[k] = (struct rh_comp_member){ .obj = i };
			uf[k] = k;
			k++;
		}
	v.nmembers = ng;

	// Garbage that references garbage is freed together. The forest
	// is over positions in members: the same order as the indices, so
	// a component is still named by its first member.
	bool ranked = ng >= RANK_MIN;
	if (ranked && !rank_make(&gr, v.verdict, n))
		goto nomem;
	for (uint32_t k = 0; k < ng; k++) {
		uint32_t i = v.members[k].obj;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (!(w & RH_EDGE_BORROWED) && t < n && v.verdict[t] == v.verdict[i])
				unite(uf, k, ranked ? rh_bitrank(gr.bits, gr.before, t)
						    : rh_verdicts_member_from(&v, t));
		}
	}
	rank_free(&gr);
	// Flatten: every member points at its representative, its
	// component's lowest position (in order each find() ends at a
	// representative or an already flattened lower member).
	uint32_t ncomps = 0;
	for (uint32_t k = 0; k < ng; k++) {
		uf[k] = find(uf, k);
		ncomps += uf[k] == k;
	}
	v.comps = rh_big_calloc(ncomps ? ncomps : 1, sizeof(*v.comps));
	if (!v.comps)
		goto nomem;
	// Number the components in index order: a representative comes
	// before its members, so its number is known when they are reached.
	uint32_t next = 0;
	for (uint32_t k = 0; k < ng; k++) {
		uint32_t rep = uf[k], i = v.members[k].obj;
		if (rep == k) {
			v.comps[next] = (struct rh_garbage_comp){
				.first = i,
				.youngest = -1,
				.frozen = v.verdict[i] == RH_VERDICT_FROZEN,
				.interp = s->obj_interp[i],
			};
			v.members[k].comp = next++;
		} else {
			v.members[k].comp = v.members[rep].comp;
		}
		struct rh_garbage_comp *c = &v.comps[v.members[k].comp];
		c->members++;
		c->bytes = rh_add_sat(c->bytes, rh_snapshot_size(s, i));
		int y = rh_gcsim_youngest(g, i);
		if (y > c->youngest)
			c->youngest = (int8_t)y;
	}
	v.ncomps = ncomps;
	free(uf);
	uf = NULL;

	// What only garbage holds goes with the component that reaches it
	// first: a breadth-first search from the garbage, in index order,
	// whose queue is the members array itself.
	size_t head = 0, tail = ng;
	while (head < tail) {
		uint32_t i = v.members[head].obj, c = v.members[head].comp;
		head++;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if ((w & RH_EDGE_BORROWED) || t >= n || v.verdict[t] != PENDING)
				continue;
			v.verdict[t] = v.verdict[i];
			v.flags[t] |= RH_VF_HELD_BY_GARBAGE;
			v.comps[c].held++;
			v.comps[c].held_bytes = rh_add_sat(v.comps[c].held_bytes, rh_snapshot_size(s, t));
			if (tail == cap) {
				// each object is queued once: at most n members
				size_t ncap = cap * 2 < m ? cap * 2 : m;
				struct rh_comp_member *p = rh_big_realloc(v.members, tail * sizeof(*p),
									  ncap * sizeof(*p));
				if (!p)
					goto nomem;
				v.members = p;
				cap = ncap;
			}
			v.members[tail++] = (struct rh_comp_member){ .obj = t, .comp = c };
		}
	}
	// In index order for the lookups (the indices are distinct).
	v.nmembers = (uint32_t)tail;
	qsort(v.members, tail, sizeof(*v.members), member_cmp);
	// Nothing reaches what is left, and its count is explained (or
	// means nothing): immortal objects, and otherwise only an
	// inconsistent heap (a count too low) gets here.
	for (uint32_t i = 0; i < n; i++)
		if (v.verdict[i] == PENDING)
			v.verdict[i] = s->obj_refcnt[i] == RH_REFCNT_IMMORTAL ? RH_VERDICT_IMMORTAL
									: RH_VERDICT_UNACCOUNTED;
	*ret = v;
	return NULL;
nomem:
	free(uf);
	rank_free(&gr);
	rh_verdicts_free(&v);
	return rh_enomem;
}

void rh_verdicts_free(struct rh_verdicts *v)
{
	free(v->verdict);
	free(v->flags);
	free(v->members);
	free(v->comps);
	memset(v, 0, sizeof(*v));
}
