/*
 * Unit tests of analysis/dominators.c.
 *
 * Oracles that do not share code with the implementation: hand-made graphs
 * with known idoms; brute force on many small random graphs (d dominates v
 * iff removing d makes v unreachable); and, on a larger random graph, the
 * iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast
 * Dominance Algorithm", 2001), which is too slow for real heaps but simple
 * enough to trust.
 *
 * Set RH_DOM_BENCH=1 to also time a 10M-node, 20M-edge random graph
 * (printed, not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "analysis/dominators.h"

#define NONE RH_DOM_NONE
#define ROOT RH_DOM_ROOT

/* A graph under construction: edge words in (src, word) pairs. */
struct test_graph {
	uint32_t n;
	size_t nedges, cap;
	uint32_t *src, *word;
	/* Built by finish(). */
	uint32_t *start, *edges;
	struct rh_csr csr;
};

static void tg_init(struct test_graph *tg, uint32_t n)
{
	memset(tg, 0, sizeof(*tg));
	tg->n = n;
}

static void tg_word(struct test_graph *tg, uint32_t src, uint32_t word)
{
	if (tg->nedges == tg->cap) {
		tg->cap = tg->cap ? 2 * tg->cap : 16;
		tg->src = realloc(tg->src, tg->cap * sizeof(*tg->src));
		tg->word = realloc(tg->word, tg->cap * sizeof(*tg->word));
		assert_non_null(tg->src);
		assert_non_null(tg->word);
	}
	tg->src[tg->nedges] = src;
	tg->word[tg->nedges] = word;
	tg->nedges++;
}

static void tg_edge(struct test_graph *tg, uint32_t src, uint32_t dst)
{
	tg_word(tg, src, dst);
}

/* CSR in insertion order within each source; mask and skip as given. */
static const struct rh_csr *tg_finish(struct test_graph *tg, uint32_t mask,
				      uint32_t skip)
{
	tg->start = calloc((size_t)tg->n + 1, sizeof(*tg->start));
	tg->edges = malloc((tg->nedges ? tg->nedges : 1) * sizeof(*tg->edges));
	assert_non_null(tg->start);
	assert_non_null(tg->edges);
	for (size_t i = 0; i < tg->nedges; i++)
		tg->start[tg->src[i] + 1]++;
	for (uint32_t x = 0; x < tg->n; x++)
		tg->start[x + 1] += tg->start[x];
	uint32_t *pos = malloc(((size_t)tg->n + 1) * sizeof(*pos));
	assert_non_null(pos);
	memcpy(pos, tg->start, ((size_t)tg->n + 1) * sizeof(*pos));
	for (size_t i = 0; i < tg->nedges; i++)
		tg->edges[pos[tg->src[i]]++] = tg->word[i];
	free(pos);
	tg->csr = (struct rh_csr){
		.n = tg->n,
		.start = tg->start,
		.edges = tg->edges,
		.index_mask = mask,
		.skip_bits = skip,
	};
	return &tg->csr;
}

static void tg_deinit(struct test_graph *tg)
{
	free(tg->src);
	free(tg->word);
	free(tg->start);
	free(tg->edges);
}

/*
 * Invariants of any result: idom and order agree on what is reached, order
 * lists each reached node once, and every node comes after its idom.
 */
static void check_tree(const struct rh_domtree *t)
{
	uint32_t *pos = malloc(((size_t)t->n + 1) * sizeof(*pos));
	assert_non_null(pos);
	for (uint32_t i = 0; i < t->n; i++)
		pos[i] = UINT32_MAX;
	assert_true(t->nreached <= t->n);
	for (uint32_t k = 0; k < t->nreached; k++) {
		uint32_t x = t->order[k];
		assert_true(x < t->n);
		assert_int_equal(pos[x], UINT32_MAX); // listed once
		pos[x] = k;
		assert_int_not_equal(t->idom[x], NONE);
		uint32_t d = t->idom[x];
		if (d != ROOT) {
			assert_true(d < t->n);
			assert_true(pos[d] < k); // idom first
		}
	}
	uint32_t reached = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->idom[i] != NONE)
			reached++;
		else
			assert_int_equal(pos[i], UINT32_MAX);
	}
	assert_int_equal(reached, t->nreached);
	free(pos);
}

static void expect_idoms(const struct rh_csr *g, const uint32_t *roots,
			 size_t nroots, const uint32_t *want)
{
	struct rh_domtree t;
	assert_null(rh_dominators(g, roots, nroots, &t));
	assert_int_equal(t.n, g->n);
	check_tree(&t);
	for (uint32_t i = 0; i < g->n; i++) {
		if (t.idom[i] != want[i])
			print_error("node %u: idom %u, want %u\n", i, t.idom[i], want[i]);
		assert_int_equal(t.idom[i], want[i]);
	}
	rh_domtree_free(&t);
}

static uint64_t size_one(void *arg, uint32_t i)
{
	return 1;
}

static uint64_t size_from_array(void *arg, uint32_t i)
{
	return ((const uint64_t *)arg)[i];
}

/* ------------------------------------------------------------ hand graphs */

static void rh_dominators_diamond(void **state)
{
	// 0 -> 1, 2 -> 3: neither branch dominates the join.
	struct test_graph tg;
	tg_init(&tg, 4);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 0, 2);
	tg_edge(&tg, 1, 3);
	tg_edge(&tg, 2, 3);
	const uint32_t roots[] = { 0 };
	const uint32_t want[] = { ROOT, 0, 0, 0 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 1, want);

	struct rh_domtree t;
	assert_null(rh_dominators(&tg.csr, roots, 1, &t));
	uint64_t ret[4];
	rh_retained(&t, size_one, NULL, ret);
	assert_int_equal(ret[0], 4);
	assert_int_equal(ret[1], 1);
	assert_int_equal(ret[2], 1);
	assert_int_equal(ret[3], 1);
	rh_domtree_free(&t);
	tg_deinit(&tg);
}

static void rh_dominators_loop(void **state)
{
	// 0 -> 1 <-> 2 -> 3, and a way into the loop's middle that does
	// not pass its head: 0 -> 4 -> 2.
	struct test_graph tg;
	tg_init(&tg, 5);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 2, 1);
	tg_edge(&tg, 2, 3);
	const uint32_t roots[] = { 0 };
	const uint32_t want[] = { ROOT, 0, 1, 2, NONE };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 1, want);
	tg_deinit(&tg);

	tg_init(&tg, 5);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 2, 1);
	tg_edge(&tg, 2, 3);
	tg_edge(&tg, 0, 4);
	tg_edge(&tg, 4, 2);
	const uint32_t want2[] = { ROOT, 0, 0, 2, 0 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 1, want2);
	tg_deinit(&tg);
}

static void rh_dominators_two_roots(void **state)
{
	// 2 is held by both roots' subgraphs: only the virtual root
	// dominates it.
	struct test_graph tg;
	tg_init(&tg, 5);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 3, 2);
	tg_edge(&tg, 3, 4);
	const uint32_t roots[] = { 0, 3 };
	const uint32_t want[] = { ROOT, 0, ROOT, ROOT, 3 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 2, want);
	tg_deinit(&tg);
}

static void rh_dominators_root_reached_from_earlier_root(void **state)
{
	// Root 1 is entered by the DFS from root 0 (so its DFS parent is 0),
	// yet the virtual root's own edge to it makes its idom the root, and
	// 1 still dominates 2.
	struct test_graph tg;
	tg_init(&tg, 4);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 0, 3);
	tg_edge(&tg, 3, 2);
	const uint32_t roots[] = { 0, 1 };
	const uint32_t want[] = { ROOT, ROOT, ROOT, 0 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 2, want);
	tg_deinit(&tg);

	tg_init(&tg, 3);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 2);
	const uint32_t want2[] = { ROOT, ROOT, 1 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 2, want2);
	tg_deinit(&tg);
}

static void rh_dominators_unreachable_nodes(void **state)
{
	// 2 and 3 are unreached; 2's edge into 1 must not count.
	struct test_graph tg;
	tg_init(&tg, 5);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 4);
	tg_edge(&tg, 2, 4);
	tg_edge(&tg, 2, 3);
	const uint32_t roots[] = { 0 };
	const uint32_t want[] = { ROOT, 0, NONE, NONE, 1 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 1, want);

	struct rh_domtree t;
	assert_null(rh_dominators(&tg.csr, roots, 1, &t));
	assert_int_equal(t.nreached, 3);
	uint64_t ret[5];
	rh_retained(&t, size_one, NULL, ret);
	const uint64_t want_ret[] = { 3, 2, 0, 0, 1 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(ret[i], want_ret[i]);
	rh_domtree_free(&t);
	tg_deinit(&tg);
}

static void rh_dominators_self_loop_and_multi_edges(void **state)
{
	struct test_graph tg;
	tg_init(&tg, 3);
	tg_edge(&tg, 0, 0);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 1);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 1, 2);
	tg_edge(&tg, 2, 2);
	tg_edge(&tg, 2, 0);
	const uint32_t roots[] = { 0 };
	const uint32_t want[] = { ROOT, 0, 1 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 1, want);
	tg_deinit(&tg);
}

static void rh_dominators_skip_bits_filter_edges(void **state)
{
	// Bit 31 marks an edge to skip (say, weak); bit 30 is a label bit
	// outside the index mask that must not change the target.
	const uint32_t skip = 1u << 31, tag = 1u << 30, mask = tag - 1;
	struct test_graph tg;
	tg_init(&tg, 4);
	tg_word(&tg, 0, skip | 1); // skipped: 1 is reached only via 2
	tg_word(&tg, 0, tag | 2);
	tg_word(&tg, 2, 1);
	tg_word(&tg, 1, skip | tag | 3); // skipped: 3 unreached
	const uint32_t roots[] = { 0 };
	const uint32_t want[] = { ROOT, 2, 0, NONE };
	expect_idoms(tg_finish(&tg, mask, skip), roots, 1, want);
	tg_deinit(&tg);
}

static void rh_dominators_out_of_range_ignored(void **state)
{
	// Targets past n are corrupt and skipped; so are roots past n.
	// Duplicate roots enter once.
	struct test_graph tg;
	tg_init(&tg, 3);
	tg_edge(&tg, 0, 99);
	tg_edge(&tg, 0, 1);
	tg_edge(&tg, 1, 3);
	tg_edge(&tg, 1, UINT32_MAX);
	tg_edge(&tg, 1, 2);
	const uint32_t roots[] = { 7, 0, 0, UINT32_MAX, 0, 3 };
	const uint32_t want[] = { ROOT, 0, 1 };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), roots, 6, want);
	tg_deinit(&tg);
}

static void rh_dominators_no_roots_or_nodes(void **state)
{
	struct test_graph tg;
	tg_init(&tg, 3);
	tg_edge(&tg, 0, 1);
	const uint32_t want[] = { NONE, NONE, NONE };
	expect_idoms(tg_finish(&tg, UINT32_MAX, 0), NULL, 0, want);
	tg_deinit(&tg);

	tg_init(&tg, 0);
	const uint32_t roots[] = { 0, 5 };
	struct rh_domtree t;
	assert_null(rh_dominators(tg_finish(&tg, UINT32_MAX, 0), roots, 2, &t));
	assert_int_equal(t.n, 0);
	assert_int_equal(t.nreached, 0);
	rh_retained(&t, size_one, NULL, NULL);
	rh_domtree_free(&t);
	rh_domtree_free(NULL);
	tg_deinit(&tg);
}

static void rh_dominators_decreasing_start_is_invalid(void **state)
{
	const uint32_t start[] = { 0, 2, 1, 2 };
	const uint32_t edges[] = { 1, 2 };
	const struct rh_csr g = {
		.n = 3, .start = start, .edges = edges,
		.index_mask = UINT32_MAX,
	};
	const uint32_t roots[] = { 0 };
	struct rh_domtree t = { .n = 12345 };
	struct rh_error *err = rh_dominators(&g, roots, 1, &t);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "node 1"));
	assert_int_equal(t.n, 12345); // out parameter untouched
	rh_error_destroy(err);
}

static void rh_dominators_too_many_nodes_is_limit(void **state)
{
	// Node index UINT32_MAX - 1 would read as RH_DOM_ROOT. Refused
	// before anything is read or allocated.
	const struct rh_csr g = { .n = UINT32_MAX, .index_mask = UINT32_MAX };
	struct rh_domtree t;
	struct rh_error *err = rh_dominators(&g, NULL, 0, &t);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_LIMIT);
	assert_non_null(strstr(err->message, "nodes"));
	rh_error_destroy(err);
}

/* ------------------------------------------------------------ deep graphs */

static void rh_dominators_million_chain(void **state)
{
	// A list of a million nodes: a recursive DFS or eval() would
	// overflow the stack. Back edges from the tail to the head and
	// halfway up make eval() compress paths hundreds of thousands long;
	// they go to ancestors, so they change no idom. Shortcuts 0 -> even
	// make the even nodes' idom 0.
	const uint32_t n = 1000000;
	struct test_graph tg;
	tg_init(&tg, n);
	for (uint32_t i = 0; i + 1 < n; i++)
		tg_edge(&tg, i, i + 1);
	tg_edge(&tg, n - 1, 1);
	for (uint32_t i = 3; i < n; i += 1000)
		tg_edge(&tg, i, i / 2);
	const struct rh_csr *g = tg_finish(&tg, UINT32_MAX, 0);
	const uint32_t roots[] = { 0 };
	struct rh_domtree t;
	assert_null(rh_dominators(g, roots, 1, &t));
	check_tree(&t);
	assert_int_equal(t.nreached, n);
	assert_int_equal(t.idom[0], ROOT);
	for (uint32_t i = 1; i < n; i++)
		assert_int_equal(t.idom[i], i - 1);
	uint64_t *ret = malloc(n * sizeof(*ret));
	assert_non_null(ret);
	rh_retained(&t, size_one, NULL, ret);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(ret[i], n - i);
	rh_domtree_free(&t);
	tg_deinit(&tg);

	tg_init(&tg, n);
	for (uint32_t i = 0; i + 1 < n; i++)
		tg_edge(&tg, i, i + 1);
	for (uint32_t i = 2; i < n; i += 2)
		tg_edge(&tg, 0, i);
	tg_edge(&tg, n - 1, 1);
	g = tg_finish(&tg, UINT32_MAX, 0);
	assert_null(rh_dominators(g, roots, 1, &t));
	check_tree(&t);
	for (uint32_t i = 1; i < n; i++)
		assert_int_equal(t.idom[i], i % 2 ? i - 1 : 0);
	rh_retained(&t, size_one, NULL, ret);
	assert_int_equal(ret[0], n);
	for (uint32_t i = 1; i < n; i++)
		assert_int_equal(ret[i], i % 2 ? 1 : 2); // even i holds i + 1
	rh_domtree_free(&t);
	tg_deinit(&tg);
	free(ret);
}

/* ------------------------------------------------------------ brute force */

static uint64_t rng_state;

static uint64_t rng(void)
{
	// xorshift64*: fixed seed, reproducible failures.
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rng_below(uint32_t bound)
{
	return (uint32_t)((rng() >> 32) * bound >> 32);
}

/* Nodes reachable from roots when node `removed` (or none: n) is gone. */
static uint64_t brute_reach(const struct rh_csr *g, const uint32_t *roots,
			    size_t nroots, uint32_t removed)
{
	uint64_t seen = 0;
	uint32_t stack[64 * 4];
	size_t sp = 0;
	for (size_t r = 0; r < nroots; r++) {
		uint32_t x = roots[r];
		if (x < g->n && x != removed && !(seen >> x & 1)) {
			seen |= 1ULL << x;
			stack[sp++] = x;
		}
	}
	while (sp) {
		uint32_t x = stack[--sp];
		for (uint32_t k = g->start[x]; k < g->start[x + 1]; k++) {
			uint32_t w = g->edges[k];
			if (w & g->skip_bits)
				continue;
			uint32_t t = w & g->index_mask;
			if (t >= g->n || t == removed || (seen >> t & 1))
				continue;
			seen |= 1ULL << t;
			stack[sp++] = t;
		}
	}
	return seen;
}

/* How many checked idoms were a real node, the root, unreached. */
/*
 * g's edge words reversed (the referrers rh_dominators_rev() reads), with
 * the skip bit kept. Freed with free(rev->start) and free(rev->edges).
 */
static void reverse_csr(const struct rh_csr *g, struct rh_csr *rev)
{
	uint32_t *rstart = calloc((size_t)g->n + 2, sizeof(*rstart));
	size_t nwords = g->start[g->n];
	uint32_t *redges = malloc((nwords ? nwords : 1) * sizeof(*redges));
	assert_true(rstart && redges);
	for (size_t e = 0; e < nwords; e++) {
		uint32_t t = g->edges[e] & g->index_mask;
		if (t < g->n)
			rstart[t + 2]++;
	}
	for (uint32_t x = 2; x <= g->n + 1; x++)
		rstart[x] += rstart[x - 1];
	for (uint32_t x = 0; x < g->n; x++) {
		for (uint32_t e = g->start[x]; e < g->start[x + 1]; e++) {
			uint32_t t = g->edges[e] & g->index_mask;
			if (t < g->n)
				redges[rstart[t + 1]++] = x | (g->edges[e] & g->skip_bits);
		}
	}
	*rev = (struct rh_csr){ .n = g->n, .start = rstart, .edges = redges,
				.index_mask = g->index_mask, .skip_bits = g->skip_bits };
}

/*
 * Reached nodes the DFS leaves out (analysis/dominators.c
 * single_leaves()): no edge words of their own, one edge word or root
 * entry in. Counted here from the graph, so that a generator that stopped
 * making them would be noticed.
 */
static unsigned long brute_single_leaves;

static void count_single_leaves(const struct rh_csr *g, const uint32_t *roots,
				size_t nroots, const struct rh_domtree *t)
{
	uint32_t *in = calloc((size_t)g->n + 1, sizeof(*in));
	assert_non_null(in);
	for (size_t r = 0; r < nroots; r++)
		if (roots[r] < g->n)
			in[roots[r]]++;
	for (uint32_t e = 0; e < g->start[g->n]; e++) {
		uint32_t w = g->edges[e];
		if (!(w & g->skip_bits) && (w & g->index_mask) < g->n)
			in[w & g->index_mask]++;
	}
	for (uint32_t x = 0; x < g->n; x++)
		brute_single_leaves += in[x] == 1 && g->start[x] == g->start[x + 1] &&
				       t->idom[x] != NONE && t->idom[x] != ROOT;
	free(in);
}

static unsigned long brute_kinds[3];

static void check_brute(const struct rh_csr *g, const uint32_t *roots,
			size_t nroots, const uint64_t *sizes)
{
	const uint32_t n = g->n;
	uint64_t reach = brute_reach(g, roots, nroots, n);
	// sdom[v]: the nodes whose removal cuts v off (v excluded).
	uint64_t sdom[64] = { 0 };
	uint64_t lost[64];
	for (uint32_t d = 0; d < n; d++) {
		lost[d] = reach & ~brute_reach(g, roots, nroots, d);
		for (uint32_t v = 0; v < n; v++) {
			if (v != d && (lost[d] >> v & 1))
				sdom[v] |= 1ULL << d;
		}
	}
	struct rh_domtree t;
	assert_null(rh_dominators(g, roots, nroots, &t));
	check_tree(&t);
	count_single_leaves(g, roots, nroots, &t);
	// The predecessors read from a reverse CSR give the same tree.
	struct rh_csr rev;
	reverse_csr(g, &rev);
	struct rh_domtree t2;
	assert_null(rh_dominators_rev(g, &rev, roots, nroots, &t2));
	check_tree(&t2);
	assert_int_equal(t2.nreached, t.nreached);
	assert_memory_equal(t2.idom, t.idom, (size_t)n * sizeof(*t.idom));
	if (t.nreached)
		assert_memory_equal(t2.order, t.order, (size_t)t.nreached * sizeof(*t.order));
	rh_domtree_free(&t2);
	free((void *)rev.start);
	free((void *)rev.edges);
	for (uint32_t v = 0; v < n; v++) {
		uint32_t want;
		if (!(reach >> v & 1)) {
			want = NONE;
		} else if (!sdom[v]) {
			want = ROOT;
		} else {
			// The strict dominator dominated by all the others.
			want = NONE;
			for (uint32_t c = 0; c < n; c++) {
				if ((sdom[v] >> c & 1) &&
				    (sdom[v] & ~(1ULL << c) & ~sdom[c]) == 0) {
					assert_int_equal(want, NONE); // unique
					want = c;
				}
			}
			assert_int_not_equal(want, NONE);
		}
		brute_kinds[want == NONE ? 2 : want == ROOT ? 1 : 0]++;
		if (t.idom[v] != want)
			print_error("n=%u node %u: idom %u, want %u\n", n, v,
				    t.idom[v], want);
		assert_int_equal(t.idom[v], want);
	}
	uint64_t ret[64];
	rh_retained(&t, size_from_array, (void *)sizes, ret);
	for (uint32_t d = 0; d < n; d++) {
		uint64_t want = 0;
		if (reach >> d & 1) {
			want = sizes[d];
			for (uint32_t v = 0; v < n; v++) {
				if (v != d && (lost[d] >> v & 1))
					want += sizes[v];
			}
		}
		assert_int_equal(ret[d], want);
	}
	rh_domtree_free(&t);
}

static void rh_dominators_random_small_graphs_match_brute_force(void **state)
{
	const uint32_t skip = 1u << 31, mask = skip - 1;
	rng_state = 0x9E3779B97F4A7C15ULL;
	for (int iter = 0; iter < 3000; iter++) {
		uint32_t n = 1 + rng_below(40);
		struct test_graph tg;
		tg_init(&tg, n);
		// Sparse to dense: sparse graphs have deep trees, dense ones
		// many cross edges.
		uint32_t m = rng_below(4 * n + 1);
		// Half the graphs are heap-like: the nodes past nsrc refer to
		// nothing, as most objects of a heap (ints, strings).
		uint32_t nsrc = rng_below(2) ? n : 1 + n / 3;
		for (uint32_t e = 0; e < m; e++) {
			uint32_t src = rng_below(nsrc);
			uint32_t r = rng_below(100);
			uint32_t dst;
			if (r < 3)
				dst = n + rng_below(5);           // corrupt
			else if (r < 40)
				dst = src + 1 < n ? src + 1 : 0;  // chains
			else
				dst = rng_below(n);
			if (rng_below(10) == 0)
				dst |= skip;
			tg_word(&tg, src, dst);
		}
		uint32_t roots[8];
		size_t nroots = rng_below(6);
		for (size_t r = 0; r < nroots; r++)
			roots[r] = rng_below(10) == 0 ? n + 3 : rng_below(n);
		uint64_t sizes[64];
		for (uint32_t i = 0; i < n; i++)
			sizes[i] = 1 + rng_below(1000);
		check_brute(tg_finish(&tg, mask, skip), roots, nroots, sizes);
		tg_deinit(&tg);
	}
	// The generator must produce all three kinds in bulk, or this test
	// would pass without checking much.
	print_message("brute force: %lu node idoms, %lu root, %lu unreached, "
		      "%lu of them leaves with one way in\n",
		      brute_kinds[0], brute_kinds[1], brute_kinds[2], brute_single_leaves);
	for (int k = 0; k < 3; k++)
		assert_true(brute_kinds[k] > 5000);
	assert_true(brute_single_leaves > 2000);
}

/* ------------------------------------------------------------ CHK oracle */

/*
 * Cooper-Harvey-Kennedy over the reverse postorder of an iterative DFS.
 * Returns idoms in the same encoding as rh_dominators(). Node n stands for
 * the virtual root.
 */
static uint32_t *chk_dominators(const struct rh_csr *g, const uint32_t *roots,
				size_t nroots)
{
	const uint32_t n = g->n, vroot = n;
	uint32_t *po = calloc((size_t)n + 1, sizeof(*po));     // postorder number
	uint32_t *rpo = malloc(((size_t)n + 1) * sizeof(*rpo)); // by position
	uint32_t *stk = malloc(((size_t)n + 1) * sizeof(*stk));
	uint32_t *cur = malloc(((size_t)n + 1) * sizeof(*cur));
	char *seen = calloc((size_t)n + 1, 1);
	assert_true(po && rpo && stk && cur && seen);
	uint32_t npo = 0;
	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] >= n || seen[roots[r]])
			continue;
		size_t sp = 0;
		stk[sp++] = roots[r];
		seen[roots[r]] = 1;
		cur[roots[r]] = g->start[roots[r]];
		while (sp) {
			uint32_t x = stk[sp - 1];
			if (cur[x] < g->start[x + 1]) {
				uint32_t w = g->edges[cur[x]++];
				uint32_t t = w & g->index_mask;
				if ((w & g->skip_bits) || t >= n || seen[t])
					continue;
				seen[t] = 1;
				cur[t] = g->start[t];
				stk[sp++] = t;
			} else {
				po[x] = npo++;
				sp--;
			}
		}
	}
	po[vroot] = npo;
	// Predecessor lists (CSR) of reached nodes, plus the root's edges.
	uint32_t *pstart = calloc((size_t)n + 2, sizeof(*pstart));
	assert_non_null(pstart);
	size_t total = 0;
	for (uint32_t x = 0; x < n; x++) {
		if (!seen[x])
			continue;
		for (uint32_t k = g->start[x]; k < g->start[x + 1]; k++) {
			uint32_t w = g->edges[k], t = w & g->index_mask;
			if (!(w & g->skip_bits) && t < n) {
				pstart[t + 1]++;
				total++;
			}
		}
	}
	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] < n) {
			pstart[roots[r] + 1]++;
			total++;
		}
	}
	for (uint32_t x = 0; x < n; x++)
		pstart[x + 1] += pstart[x];
	uint32_t *preds = malloc((total ? total : 1) * sizeof(*preds));
	uint32_t *fill = malloc(((size_t)n + 1) * sizeof(*fill));
	assert_true(preds && fill);
	memcpy(fill, pstart, ((size_t)n + 1) * sizeof(*fill));
	for (uint32_t x = 0; x < n; x++) {
		if (!seen[x])
			continue;
		for (uint32_t k = g->start[x]; k < g->start[x + 1]; k++) {
			uint32_t w = g->edges[k], t = w & g->index_mask;
			if (!(w & g->skip_bits) && t < n)
				preds[fill[t]++] = x;
		}
	}
	for (size_t r = 0; r < nroots; r++) {
		if (roots[r] < n)
			preds[fill[roots[r]]++] = vroot;
	}
	for (uint32_t x = 0; x < n; x++) {
		if (seen[x])
			rpo[npo - 1 - po[x]] = x;
	}
	uint32_t *doms = malloc(((size_t)n + 1) * sizeof(*doms));
	assert_non_null(doms);
	for (uint32_t x = 0; x <= n; x++)
		doms[x] = NONE;
	doms[vroot] = vroot;
	int changed = 1;
	while (changed) {
		changed = 0;
		for (uint32_t k = 0; k < npo; k++) {
			uint32_t b = rpo[k], nd = NONE;
			for (uint32_t j = pstart[b]; j < pstart[b + 1]; j++) {
				uint32_t p = preds[j];
				if (doms[p] == NONE)
					continue;
				if (nd == NONE) {
					nd = p;
					continue;
				}
				uint32_t f1 = p, f2 = nd;
				while (f1 != f2) {
					while (po[f1] < po[f2])
						f1 = doms[f1];
					while (po[f2] < po[f1])
						f2 = doms[f2];
				}
				nd = f1;
			}
			if (doms[b] != nd) {
				doms[b] = nd;
				changed = 1;
			}
		}
	}
	for (uint32_t x = 0; x < n; x++) {
		if (doms[x] == vroot)
			doms[x] = ROOT;
	}
	free(po);
	free(rpo);
	free(stk);
	free(cur);
	free(seen);
	free(pstart);
	free(preds);
	free(fill);
	return doms;
}

/*
 * A random graph shaped a little like a heap: a few roots, mostly short
 * lists with some long chains, and both local and far edges.
 */
static void make_random_graph(struct test_graph *tg, uint32_t n, uint32_t m,
			      uint32_t *roots, size_t nroots)
{
	tg_init(tg, n);
	tg->cap = m + 16;
	tg->src = malloc(tg->cap * sizeof(*tg->src));
	tg->word = malloc(tg->cap * sizeof(*tg->word));
	assert_true(tg->src && tg->word);
	for (uint32_t e = 0; e < m; e++) {
		uint32_t src = rng_below(n);
		uint32_t dst = rng_below(4) ? rng_below(n)
					    : (src + 1 + rng_below(8)) % n;
		tg_edge(tg, src, dst);
	}
	for (size_t r = 0; r < nroots; r++)
		roots[r] = rng_below(n);
}

static void rh_dominators_random_graph_matches_chk(void **state)
{
	rng_state = 12345;
	const struct { uint32_t n, m; size_t nroots; } shapes[] = {
		{ 100000, 130000, 50 },  // sparse: many small trees
		{ 100000, 200000, 5 },   // one big strongly connected core
		{ 50000, 400000, 1 },    // dense
	};
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct test_graph tg;
		uint32_t roots[64];
		make_random_graph(&tg, shapes[s].n, shapes[s].m, roots,
				  shapes[s].nroots);
		const struct rh_csr *g = tg_finish(&tg, UINT32_MAX, 0);
		uint32_t *want = chk_dominators(g, roots, shapes[s].nroots);
		struct rh_domtree t;
		assert_null(rh_dominators(g, roots, shapes[s].nroots, &t));
		check_tree(&t);
		// Deep dominator trees are where eval() and the NCA walk
		// do real work; make sure the shape gives one.
		uint32_t nonroot = 0;
		for (uint32_t i = 0; i < g->n; i++) {
			assert_int_equal(t.idom[i], want[i]);
			nonroot += want[i] < g->n;
		}
		print_message("chk: %u nodes, %u reached, %u idoms below the root\n",
			      g->n, t.nreached, nonroot);
		// rh_dominators_rev() over the edges reversed, plus skipped
		// words (bit 31) from random nodes that must change nothing.
		struct rh_csr rev = { .n = g->n, .index_mask = 0x7fffffff,
				      .skip_bits = 0x80000000 };
		uint32_t *rstart = calloc((size_t)g->n + 2, sizeof(*rstart));
		size_t nwords = g->start[g->n], nextra = g->n / 10;
		uint32_t *redges = malloc((nwords + nextra) * sizeof(*redges));
		assert_true(rstart && redges);
		for (size_t e = 0; e < nwords; e++)
			rstart[g->edges[e] + 2]++;
		for (uint32_t x = 0; x < nextra; x++)
			rstart[x + 2]++;
		for (uint32_t x = 2; x <= g->n + 1; x++)
			rstart[x] += rstart[x - 1];
		for (uint32_t x = 0; x < nextra; x++)
			redges[rstart[x + 1]++] = 0x80000000 | rng_below(g->n);
		for (uint32_t x = 0; x < g->n; x++)
			for (uint32_t e = g->start[x]; e < g->start[x + 1]; e++)
				redges[rstart[g->edges[e] + 1]++] = x;
		rev.start = rstart;
		rev.edges = redges;
		struct rh_domtree t2;
		assert_null(rh_dominators_rev(g, &rev, roots, shapes[s].nroots, &t2));
		check_tree(&t2);
		assert_int_equal(t2.nreached, t.nreached);
		for (uint32_t i = 0; i < g->n; i++)
			assert_int_equal(t2.idom[i], want[i]);
		assert_memory_equal(t2.order, t.order, (size_t)t.nreached * sizeof(*t.order));
		rh_domtree_free(&t2);
		free(rstart);
		free(redges);
		assert_true(t.nreached > g->n / 4);
		assert_true(nonroot > g->n / 20);
		rh_domtree_free(&t);
		free(want);
		tg_deinit(&tg);
	}
}

/* ------------------------------------------------------------ benchmark */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rh_dominators_bench_10m(void **state)
{
	const char *env = getenv("RH_DOM_BENCH");
	if (!env || !*env || !strcmp(env, "0"))
		skip();
	const uint32_t n = 10000000, m = 20000000;
	rng_state = 777;
	struct test_graph tg;
	uint32_t roots[100];
	make_random_graph(&tg, n, m, roots, 100);
	const struct rh_csr *g = tg_finish(&tg, UINT32_MAX, 0);
	// The edge-list builder's arrays are not part of the CSR.
	free(tg.src);
	free(tg.word);
	tg.src = tg.word = NULL;
	struct rh_domtree t;
	double t0 = now();
	assert_null(rh_dominators(g, roots, 100, &t));
	double t1 = now();
	uint64_t *ret = malloc((size_t)n * sizeof(*ret));
	assert_non_null(ret);
	rh_retained(&t, size_one, NULL, ret);
	double t2 = now();
	print_message("bench: %u nodes, %u edges, %u reached: "
		      "rh_dominators %.3f s, rh_retained %.3f s\n",
		      n, m, t.nreached, t1 - t0, t2 - t1);
	free(ret);
	rh_domtree_free(&t);
	tg_deinit(&tg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_dominators_diamond),
		cmocka_unit_test(rh_dominators_loop),
		cmocka_unit_test(rh_dominators_two_roots),
		cmocka_unit_test(rh_dominators_root_reached_from_earlier_root),
		cmocka_unit_test(rh_dominators_unreachable_nodes),
		cmocka_unit_test(rh_dominators_self_loop_and_multi_edges),
		cmocka_unit_test(rh_dominators_skip_bits_filter_edges),
		cmocka_unit_test(rh_dominators_out_of_range_ignored),
		cmocka_unit_test(rh_dominators_no_roots_or_nodes),
		cmocka_unit_test(rh_dominators_decreasing_start_is_invalid),
		cmocka_unit_test(rh_dominators_too_many_nodes_is_limit),
		cmocka_unit_test(rh_dominators_million_chain),
		cmocka_unit_test(rh_dominators_random_small_graphs_match_brute_force),
		cmocka_unit_test(rh_dominators_random_graph_matches_chk),
		cmocka_unit_test(rh_dominators_bench_10m),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
