/*
 * Reachability by tier, the refcount audit and retention paths: see
 * reach.h. Every search here is a breadth-first search over index arrays,
 * with one queue array of the heap's size, or, for the searches from one
 * object (`why`), a queue that grows and arrays taken 4,096 entries at a
 * time (util/sparse.h): linear, no recursion, no per-object allocation.
 */
#include "analysis/reach.h"
#include "util/satmath.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "util/bigmem.h"
#include "util/byobj.h"
#include "util/sparse.h"

#define NONE UINT32_MAX

static struct rh_error *count_big(const struct rh_snapshot *s, struct rh_reach *r);

static int cmp_best_root(const void *a, const void *b)
{
	const struct rh_best_root *x = a, *y = b;
	if (x->obj != y->obj)
		return x->obj < y->obj ? -1 : 1;
	return x->root < y->root ? -1 : x->root > y->root;
}

static bool strong(uint32_t word)
{
	return !(word & RH_EDGE_BORROWED);
}

/* Counts a reference of its own in the target's refcount. */
static bool counted(uint32_t word)
{
	return !(word & (RH_EDGE_BORROWED | RH_EDGE_CONSERVATIVE));
}

struct rh_error *rh_rgraph_build(const struct rh_snapshot *s, struct rh_rgraph *ret)
{
	if (!s->have_graph)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "referrers need a snapshot with references");
	uint32_t n = s->nobjects;
	struct rh_rgraph g = { .n = n };
	g.start = rh_big_calloc_hot((size_t)n + 2, sizeof(*g.start));
	g.src = rh_big_malloc_hot((s->nedges ? s->nedges : 1) * sizeof(*g.src));
	if (!g.start || !g.src) {
		rh_rgraph_free(&g);
		return rh_enomem;
	}
	// Counting sort by target: count into start[t + 2], prefix-sum so
	// that start[t + 1] is where t's referrers begin, then fill by
	// bumping start[t + 1]; afterwards start[t] .. start[t + 1] is t's.
	for (uint64_t e = 0; e < s->nedges; e++) {
		uint32_t t = s->edges[e] & RH_EDGE_INDEX_MASK;
		if (t < n)
			g.start[t + 2]++;
	}
	for (uint32_t t = 2; t <= n + 1; t++)
		g.start[t] += g.start[t - 1];
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (t < n)
				g.src[g.start[t + 1]++] = i | (w & RH_EDGE_FLAGS);
		}
	}
	*ret = g;
	return NULL;
}

void rh_rgraph_free(struct rh_rgraph *g)
{
	free(g->start);
	free(g->src);
	memset(g, 0, sizeof(*g));
}

/* ------------------------------------------------------------------ */

/* Modules and frames say more to a user than a field of the interpreter state. */
static int root_rank(const struct rh_snap_root *x)
{
	return x->kind == RH_SNAP_ROOT_MODULE ? 0 : x->kind == RH_SNAP_ROOT_THREAD ? 1 : 2;
}

int rh_root_better(const struct rh_snapshot *s, uint32_t a, uint32_t b)
{
	const struct rh_snap_root *x = &s->roots[a], *y = &s->roots[b];
	if (x->conservative != y->conservative)
		return x->conservative ? 1 : -1;
	if (x->secondary != y->secondary)
		return x->secondary ? 1 : -1;
	int kx = root_rank(x), ky = root_rank(y);
	if (kx != ky)
		return kx - ky;
	return a < b ? -1 : a > b;
}

/*
 * The searches' queue, in blocks reused as the search passes them: what
 * is resident is the largest frontier (found, not yet visited), not every
 * object found. A queue of an entry per object (37.5 MB at 9.37M
 * objects), written whole by the search from the roots, held a `gc`'s
 * peak: 428.7 MiB beyond the core, 409.3 with the blocks (issue 12).
 *
 * Entries a block: 4 MiB with its link, two whole huge pages
 * (rh_big_malloc). In 256 KiB blocks of 4 KiB pages the faults made the
 * search 0.03 s slower at 9.37M objects than the array: its frontier
 * reaches millions (every user's attributes, one level below the
 * registry dict).
 */
#define QBLOCK ((4u << 20) / 4 - 2)

struct qblock {
	struct qblock *next;
	uint32_t v[QBLOCK];
};
_Static_assert(sizeof(struct qblock) == 4u << 20, "a block is two huge pages");

struct fifo {
	/* spare: passed blocks, kept for the next pushes */
	struct qblock *head, *tail, *spare;
	uint32_t hpos, tpos;     /* next to pop in head, next free in tail */
	bool nomem;
};

/* A block for the tail: a spare one, or a new one; NULL on no memory. */
static struct qblock *fifo_block(struct fifo *q)
{
	struct qblock *b = q->spare;
	if (b)
		q->spare = b->next;
	else if (!(b = rh_big_malloc(sizeof(*b)))) {
		q->nomem = true;
		return NULL;
	}
	b->next = NULL;
	return b;
}

static void fifo_push(struct fifo *q, uint32_t v)
{
	if (!q->tail || q->tpos == QBLOCK) {
		struct qblock *b = fifo_block(q);
		if (!b)
			return;
		if (q->tail)
			q->tail->next = b;
		else
			q->head = b;
		q->tail = b;
		q->tpos = 0;
	}
	q->tail->v[q->tpos++] = v;
}

static void fifo_free(struct fifo *q)
{
	for (struct qblock *b = q->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	for (struct qblock *b = q->spare, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	memset(q, 0, sizeof(*q));
}

/*
 * Breadth-first from the queue's contents, claiming unreached objects for
 * `tier`. The queue's ends are kept in locals (stores of entries would
 * otherwise make the compiler read them again from the struct).
 */
static void bfs(const struct rh_snapshot *s, struct rh_reach *r, struct fifo *q, uint8_t tier)
{
	struct qblock *hb = q->head, *tb = q->tail;
	uint32_t hp = q->hpos, tp = q->tpos;
	while (hb && !q->nomem) {
		uint32_t lim = hb == tb ? tp : QBLOCK;
		if (hp == lim) {
			if (hb == tb)
				break;   /* empty */
			struct qblock *b = hb;
			hb = b->next;
			hp = 0;
			b->next = q->spare;
			q->spare = b;
			continue;
		}
		uint32_t i = hb->v[hp++];
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (!strong(w) || t >= r->n || r->tier[t] != RH_TIER_NONE)
				continue;
			r->tier[t] = tier;
			r->parent[t] = i;
			if (tp == QBLOCK) {
				// tb is full (hb is not NULL here, nor tb)
				struct qblock *b = fifo_block(q);
				if (!b)
					break;
				tb->next = b;
				tb = b;
				tp = 0;
			}
			tb->v[tp++] = t;
		}
	}
	q->head = hb;
	q->tail = tb;
	q->hpos = hp;
	q->tpos = tp;
}

/*
 * Roots that are evidence of a native holder (marked in r.native_bits, verdict
 * held-by-native rather than unaccounted):
 *  - words of live objects beyond their edges (RH_SNAP_ROOT_NATIVE);
 *  - words on a native thread's stack from the stack pointer up, inside
 *    the frames of C functions that have not returned, except the eval
 *    loop's own frame (roots.c stack_roots: such roots are secondary, and
 *    so are the red zone's words below the stack pointer). Measured on the real
 *    applications of tests/integration/realapps.sh (3.11, a gdb unwind of
 *    each word): every such word lay in a live C frame at a local of its
 *    function (the filename in _PyRun_AnyFileObject, readinto's
 *    memoryview in _Py_read, CALL_FUNCTION_EX's kwargs copy in
 *    _PyEval_EvalFrameDefault, sock_recv_into's args), and no planted
 *    Py_IncRef leak had one (samples/orphans.py on 3.8-3.13,
 *    tests/integration/alloc_scan.sh; realapps.sh's planted lists). A
 *    returned call's words lie below the stack pointer and are not
 *    scanned.
 * Not evidence, only candidate names: registers (where == 0: a syscall's
 * argument registers hold scratch values), C statics' words (scanned data
 * with free lists and caches), words in memory that holds no object
 * (RH_SNAP_ROOT_MEMORY: stale copies in reused chunks), and executing
 * frames' value-stack slots past the recorded depth (3.11+ keeps no
 * stack depth while a frame runs: Python/ceval.c sets stacktop to -1 when
 * it loads the stack pointer into a C local; a popped slot keeps its old
 * pointer).
 */
static bool native_evidence(const struct rh_snap_root *root)
{
	return root->kind == RH_SNAP_ROOT_NATIVE ||
	       (root->kind == RH_SNAP_ROOT_STACK && root->where != 0 && !root->secondary);
}

struct rh_error *rh_reach_run(const struct rh_snapshot *s, struct rh_reach *ret)
{
	if (!s->have_graph)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "reachability needs a snapshot with references");
	uint32_t n = s->nobjects;
	struct rh_reach r = { .n = n };
	size_t m = n ? n : 1;
	// The tiers are all written next (memset), so faulted in on two
	// threads (util/bigmem.h). Not the parents nor the counts: the
	// objects nothing reaches or references (the allocator scan's,
	// appended last) leave their end untouched, and untouched it stays
	// out of memory.
	r.tier = rh_big_malloc_hot(m);
	r.parent = rh_big_malloc(m * sizeof(*r.parent));
	r.found16 = rh_big_calloc(m, sizeof(*r.found16));
	r.native_bits = rh_big_calloc((m + 63) / 64, sizeof(*r.native_bits));
	r.owned_roots = malloc((s->nroots ? s->nroots : 1) * sizeof(*r.owned_roots));
	r.best_roots = malloc((s->nroots ? s->nroots : 1) * sizeof(*r.best_roots));
	r.rooted_bits = rh_big_calloc((m + 63) / 64, sizeof(*r.rooted_bits));
	struct fifo q = { 0 };
	if (!r.tier || !r.parent || !r.found16 || !r.native_bits || !r.owned_roots || !r.best_roots ||
	    !r.rooted_bits) {
		rh_reach_free(&r);
		return rh_enomem;
	}
	memset(r.tier, RH_TIER_NONE, m);

	// The audit: references that own a count.
	for (uint64_t e = 0; e < s->nedges; e++) {
		uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
		if (t < n && counted(w) && r.found16[t] != RH_FOUND_BIG)
			r.found16[t]++;
		if (t < n && (w & RH_EDGE_CONSERVATIVE))
			r.native_bits[t >> 6] |= 1ull << (t & 63);
	}
	for (size_t k = 0; k < s->nroots; k++) {
		const struct rh_snap_root *root = &s->roots[k];
		if (root->obj >= n)
			continue;
		if (root->owned) {
			r.owned_roots[r.nowned_roots++] = root->obj;
			if (r.found16[root->obj] != RH_FOUND_BIG)
				r.found16[root->obj]++;
		}
		if (native_evidence(root))
			r.native_bits[root->obj >> 6] |= 1ull << (root->obj & 63);
		r.best_roots[r.nbest_roots++] = (struct rh_best_root){ root->obj, (uint32_t)k };
		r.rooted_bits[root->obj >> 6] |= 1ull << (root->obj & 63);
	}
	qsort(r.owned_roots, r.nowned_roots, sizeof(*r.owned_roots), rh_byobj_cmp_u32);
	struct rh_error *err = count_big(s, &r);
	if (err) {
		rh_reach_free(&r);
		return err;
	}
	// One pair per object: the best of its roots (rh_root_better).
	qsort(r.best_roots, r.nbest_roots, sizeof(*r.best_roots), cmp_best_root);
	size_t kept = 0;
	for (size_t k = 0; k < r.nbest_roots; k++) {
		struct rh_best_root *last = kept ? &r.best_roots[kept - 1] : NULL;
		if (last && last->obj == r.best_roots[k].obj) {
			if (rh_root_better(s, r.best_roots[k].root, last->root) < 0)
				last->root = r.best_roots[k].root;
		} else {
			r.best_roots[kept++] = r.best_roots[k];
		}
	}
	r.nbest_roots = kept;

	// Exact roots, secondary exact roots (a frame's globals: the module
	// holds them too, and paths through the module read better), then
	// conservative roots: each search claims what the better ones left,
	// so the breadth-first tree's paths start from the best root.
	for (int phase = 0; phase < 3; phase++) {
		uint8_t tier = phase < 2 ? RH_TIER_EXACT : RH_TIER_CONSERVATIVE;
		for (size_t k = 0; k < s->nroots; k++) {
			const struct rh_snap_root *root = &s->roots[k];
			uint32_t o = root->obj;
			if (o >= n || r.tier[o] != RH_TIER_NONE ||
			    root->conservative != (tier == RH_TIER_CONSERVATIVE) ||
			    (tier == RH_TIER_EXACT && root->secondary != (phase == 1)))
				continue;
			r.tier[o] = tier;
			r.parent[o] = RH_REACH_SOURCE;
			fifo_push(&q, o);
		}
		bfs(s, &r, &q, tier);
	}
	// Tier 2: what no root reaches but its own refcount says is held.
	for (uint32_t i = 0; i < n && !q.nomem; i++) {
		if (r.tier[i] == RH_TIER_NONE && rh_reach_excess(s, &r, i) > 0) {
			r.tier[i] = RH_TIER_EXTERNAL;
			r.parent[i] = RH_REACH_SOURCE;
			fifo_push(&q, i);
		}
	}
	bfs(s, &r, &q, RH_TIER_EXTERNAL);
	bool nomem = q.nomem;
	fifo_free(&q);
	if (nomem) {
		rh_reach_free(&r);
		return rh_enomem;
	}
	*ret = r;
	return NULL;
}

void rh_reach_free(struct rh_reach *r)
{
	free(r->tier);
	free(r->parent);
	free(r->found16);
	free(r->found_big);
	free(r->owned_roots);
	free(r->native_bits);
	free(r->best_roots);
	free(r->rooted_bits);
	memset(r, 0, sizeof(*r));
}

static bool count_meaningless(const struct rh_snapshot *s, uint32_t i)
{
	return s->obj_refcnt[i] == RH_REFCNT_IMMORTAL || s->obj_refcnt[i] == 0;
}

int64_t rh_reach_excess(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t i)
{
	if (i >= r->n || count_meaningless(s, i))
		return 0;
	return (int64_t)s->obj_refcnt[i] - (int64_t)rh_reach_found(r, i);
}

_Static_assert(offsetof(struct rh_found_big, obj) == 0 &&
	       offsetof(struct rh_best_root, obj) == 0, "rh_byobj_find keys on a leading index");

static struct rh_found_big *find_big(const struct rh_reach *r, uint32_t i)
{
	return (struct rh_found_big *)rh_byobj_find(r->found_big, r->nfound_big,
						    sizeof(*r->found_big), i);
}

uint32_t rh_reach_found_big(const struct rh_reach *r, uint32_t i)
{
	const struct rh_found_big *b = find_big(r, i);
	return b ? b->count : RH_FOUND_BIG;
}

/*
 * The exact counts of the objects whose 16-bit count saturated: a second
 * pass over the edges (and owned roots) that looks only at those, in
 * index order. Skipped when none did.
 */
static struct rh_error *count_big(const struct rh_snapshot *s, struct rh_reach *r)
{
	uint32_t n = r->n;
	size_t nbig = 0;
	for (uint32_t i = 0; i < n; i++)
		nbig += r->found16[i] == RH_FOUND_BIG;
	if (!nbig)
		return NULL;
	r->found_big = malloc(nbig * sizeof(*r->found_big));
	if (!r->found_big)
		return rh_enomem;
	for (uint32_t i = 0; i < n; i++)
		if (r->found16[i] == RH_FOUND_BIG)
			r->found_big[r->nfound_big++] = (struct rh_found_big){ i, 0 };
	for (uint64_t e = 0; e < s->nedges; e++) {
		uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
		if (t < n && r->found16[t] == RH_FOUND_BIG && counted(w)) {
			struct rh_found_big *b = find_big(r, t);
			if (b && b->count != UINT32_MAX)
				b->count++;
		}
	}
	for (size_t k = 0; k < s->nroots; k++) {
		uint32_t o = s->roots[k].obj;
		if (o < n && s->roots[k].owned && r->found16[o] == RH_FOUND_BIG) {
			struct rh_found_big *b = find_big(r, o);
			if (b && b->count != UINT32_MAX)
				b->count++;
		}
	}
	return NULL;
}

uint32_t rh_reach_best_root(const struct rh_reach *r, uint32_t i)
{
	if (i >= r->n || !(r->rooted_bits[i >> 6] >> (i & 63) & 1))
		return NONE;
	const struct rh_best_root *b = rh_byobj_find(r->best_roots, r->nbest_roots,
						     sizeof(*r->best_roots), i);
	return b ? b->root : NONE;
}

uint32_t rh_reach_found_edges(const struct rh_reach *r, uint32_t i)
{
	if (i >= r->n)
		return 0;
	// Owned root slots of i: the run of i in the sorted list.
	size_t lo = 0, hi = r->nowned_roots;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->owned_roots[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t roots = 0;
	while (lo < r->nowned_roots && r->owned_roots[lo] == i) {
		roots++;
		lo++;
	}
	// found saturates; so did the edges alone, if found is below the roots.
	uint32_t found = rh_reach_found(r, i);
	return found >= roots ? found - roots : 0;
}

int64_t rh_reach_deficit(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t i)
{
	if (i >= r->n || count_meaningless(s, i))
		return 0;
	int64_t d = (int64_t)s->obj_refcnt[i] - (int64_t)rh_reach_found_edges(r, i);
	return d < 0 ? d : 0;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

uint32_t rh_edge_between(const struct rh_snapshot *s, uint32_t from, uint32_t to)
{
	uint32_t weak = NONE;
	for (uint32_t e = s->edge_start[from]; e < s->edge_start[from + 1]; e++) {
		uint32_t w = s->edges[e];
		if ((w & RH_EDGE_INDEX_MASK) != to)
			continue;
		if (strong(w))
			return e;
		if (weak == NONE)
			weak = e;
	}
	return weak;
}

struct cand {
	uint32_t obj;
	uint32_t dist;
	uint32_t ord;      /* discovery order */
	uint8_t tier;
	bool secondary;
	int rank;          /* root kind: lower is better (root_rank) */
};

/*
 * Rank: tier, then distance (a secondary root counts one step longer, so
 * a module's global is named through the module rather than through the
 * globals of a frame running in it), primary roots on ties, then discovery.
 */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->tier != y->tier)
		return x->tier - y->tier;
	uint64_t dx = (uint64_t)x->dist + x->secondary, dy = (uint64_t)y->dist + y->secondary;
	if (dx != dy)
		return dx < dy ? -1 : 1;
	if (x->secondary != y->secondary)
		return x->secondary ? 1 : -1;
	// Then the kind of root (a module before a frame that uses it).
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* How object i can start a path: its best tier as a source, or RH_TIER_NONE. */
static uint8_t source_tier(const struct rh_snapshot *s, const struct rh_reach *r, uint32_t i,
			   bool *secondary)
{
	*secondary = false;
	uint32_t b = rh_reach_best_root(r, i);
	if (b != NONE) {
		*secondary = s->roots[b].secondary;
		return s->roots[b].conservative ? RH_TIER_CONSERVATIVE : RH_TIER_EXACT;
	}
	if (r->tier[i] == RH_TIER_EXTERNAL && r->parent[i] == RH_REACH_SOURCE)
		return RH_TIER_EXTERNAL;
	return RH_TIER_NONE;
}

/* Upper bound on candidates kept: paths beyond the first thousand sources say nothing new. */
#define MAX_CANDIDATES 4096

struct rh_error *rh_paths_find(const struct rh_snapshot *s, const struct rh_rgraph *rg,
			       const struct rh_reach *r, uint32_t idx, size_t max_paths,
			       struct rh_paths *ret)
{
	uint32_t n = s->nobjects;
	struct rh_paths out = { 0 };
	if (idx >= n || !max_paths) {
		*ret = out;
		return NULL;
	}
	// next[v] + 1: the object one step closer to idx (0: not reached);
	// dist in a parallel array. Sparse: a search usually ends within a
	// few dozen objects, and arrays of the heap's size had to be written
	// whole first (util/sparse.h).
	struct rh_sparse32 next, dist;
	bool have_next = rh_sparse32_init(&next, n), have_dist = rh_sparse32_init(&dist, n);
	uint32_t *queue = NULL;
	size_t head = 0, tail = 0, queue_cap = 0;
	struct cand *cands = rh_big_malloc(MAX_CANDIDATES * sizeof(*cands));
	size_t ncands = 0;
	struct rh_error *err = NULL;
	if (!have_next || !have_dist || !cands || !rh_sparse32_set(&next, idx, idx + 1) ||
	    !rh_u32_append(&queue, &tail, &queue_cap, idx))
		goto nomem;
	// Only objects of idx's own tier or better can be on its paths, so
	// a search from a reachable object need not wander into garbage.
	uint8_t limit = r->tier[idx];
	size_t exact_found = 0;
	uint32_t stop_dist = UINT32_MAX;
	while (head < tail) {
		uint32_t v = queue[head++];
		uint32_t dv = rh_sparse32_get(&dist, v);
		// Once max_paths primary exact sources are found at distance d,
		// nothing beyond d + 1 (a secondary root's penalty) can rank
		// before them: the search ends there instead of covering the
		// whole heap.
		if (dv > stop_dist)
			break;
		bool sec;
		uint8_t st = source_tier(s, r, v, &sec);
		if (st != RH_TIER_NONE && st <= limit && ncands < MAX_CANDIDATES) {
			uint32_t b = rh_reach_best_root(r, v);
			cands[ncands] = (struct cand){ .obj = v, .dist = dv, .tier = st,
						       .secondary = sec, .ord = (uint32_t)ncands,
						       .rank = b == NONE ? 3 : root_rank(&s->roots[b]) };
			ncands++;
			if (st == RH_TIER_EXACT && !sec && ++exact_found == max_paths)
				stop_dist = dv + 1;
		}
		for (uint32_t k = rg->start[v]; k < rg->start[v + 1]; k++) {
			uint32_t w = rg->src[k], u = w & RH_EDGE_INDEX_MASK;
			if (!strong(w) || u >= n || rh_sparse32_get(&next, u))
				continue;
			if (limit != RH_TIER_NONE && r->tier[u] > limit)
				continue;
			if (!rh_sparse32_set(&next, u, v + 1) || !rh_sparse32_set(&dist, u, dv + 1) ||
			    !rh_u32_append(&queue, &tail, &queue_cap, u))
				goto nomem;
		}
	}
	qsort(cands, ncands, sizeof(*cands), cand_cmp);
	size_t want = ncands < max_paths ? ncands : max_paths;
	out.paths = rh_big_calloc(want ? want : 1, sizeof(*out.paths));
	if (!out.paths)
		goto nomem;
	for (size_t c = 0; c < want; c++) {
		struct rh_path *p = &out.paths[out.npaths];
		p->tier = cands[c].tier;
		p->root = rh_reach_best_root(r, cands[c].obj);
		p->len = cands[c].dist + 1;
		p->objs = rh_big_malloc((size_t)p->len * sizeof(*p->objs));
		if (!p->objs)
			goto nomem;
		uint32_t v = cands[c].obj;
		for (uint32_t k = 0; k < p->len; k++) {
			p->objs[k] = v;
			v = rh_sparse32_get(&next, v) - 1;
		}
		out.npaths++;
	}
	rh_sparse32_free(&next);
	rh_sparse32_free(&dist);
	free(queue);
	free(cands);
	*ret = out;
	return NULL;
nomem:
	err = rh_enomem;
	rh_sparse32_free(&next);
	rh_sparse32_free(&dist);
	free(queue);
	free(cands);
	rh_paths_free(&out);
	return err;
}

void rh_paths_free(struct rh_paths *p)
{
	for (size_t i = 0; i < p->npaths; i++)
		free(p->paths[i].objs);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ */

/* Steps of a parent chain retained_local follows before it gives up on it. */
#define CHAIN_MAX 256

/*
 * Whether the reach tree's path to v (r->parent, up to its source) avoids
 * idx: then a source reaches v without passing idx. False also when the
 * chain is longer than CHAIN_MAX or leaves the heap (a corrupt cache):
 * unproven, which only costs a longer search.
 */
static bool chain_avoids(const struct rh_reach *r, uint32_t n, uint32_t idx, uint32_t v,
			 uint64_t *work)
{
	for (int k = 0; k < CHAIN_MAX; k++) {
		if (v >= n || v == idx || r->tier[v] == RH_TIER_NONE)
			return false;
		(*work)++;
		if (r->parent[v] == RH_REACH_SOURCE)
			return true;
		v = r->parent[v];
	}
	return false;
}

#define GONE_BIT (1u << 31)   /* in retained_local's list: a source reaches it without idx */

/*
 * The retained set found from idx alone, for when it is small (most
 * objects: the benchmark's User object retains 17 of 9.37M).
 * A search from idx over strong edges, idx itself left out, that does not
 * go on from an object a source is known to reach without passing idx
 * (its reach-tree path avoids idx: chain_avoids). Its type, a shared
 * string, a module: most of what an object refers to is such. The other
 * objects it finds, E, are then settled by a fixed point: an object of E
 * stays with idx unless
 *  - it is a source itself, or
 *  - it has a strong referrer u, not idx and not in E, that a source
 *    reaches (r->tier[u] != RH_TIER_NONE: reach.c's tiers are the closure
 *    of the sources over strong edges). A source reaches such a u without
 *    passing idx: if idx reached u, a simple path from idx to u would
 *    leave E at an object known to be reached without idx, or u would be
 *    in E;
 *  - or a strong referrer in E that does not stay: a worklist.
 * What stays, and idx, is what the whole-heap search below leaves with
 * idx. In work proportional to E and the references into it, instead of
 * every object and edge (~45 ms and 46 MB of fresh memory at 10M
 * objects, a fifth of a warm `why`: issue 12).
 * 1: done; 0: more than `budget` steps (the caller searches the whole
 * heap); -1: no memory.
 */
static int retained_local(const struct rh_snapshot *s, const struct rh_rgraph *rg,
			  const struct rh_reach *r, uint32_t idx, uint64_t budget,
			  uint64_t *objects_ret, uint64_t *bytes_ret)
{
	uint32_t n = s->nobjects;
	// pos[v]: v's place in list + 1. list[0] is idx, then what the search
	// found in its order, GONE_BIT set on those not gone on from.
	struct rh_sparse32 pos;
	uint32_t *list = NULL, *stack = NULL;
	uint8_t *gone = NULL;
	size_t cap = 0, nl = 0, ns = 0;
	uint64_t work = 0;
	int ret = -1;
	if (!rh_sparse32_init(&pos, n))
		return -1;
	if (!rh_sparse32_set(&pos, idx, 1) || !rh_u32_append(&list, &nl, &cap, idx))
		goto out;
	for (size_t h = 0; h < nl; h++) {
		if (list[h] & GONE_BIT)
			continue;
		uint32_t v = list[h];
		uint32_t e1 = s->edge_start[v + 1];
		work += e1 - s->edge_start[v] + 1;
		for (uint32_t e = s->edge_start[v]; e < e1; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (!strong(w) || t >= n || rh_sparse32_get(&pos, t))
				continue;
			uint32_t entry = t | (chain_avoids(r, n, idx, t, &work) ? GONE_BIT : 0);
			if (!rh_sparse32_set(&pos, t, (uint32_t)nl + 1) ||
			    !rh_u32_append(&list, &nl, &cap, entry))
				goto out;
		}
		if (work > budget) {
			ret = 0;
			goto out;
		}
	}
	gone = calloc(nl, 1);
	stack = malloc(nl * sizeof(*stack));
	if (!gone || !stack)
		goto out;
	for (size_t p = 1; p < nl; p++) {
		if (list[p] & GONE_BIT) {
			gone[p] = 1;
			continue;
		}
		uint32_t v = list[p];
		bool reached = r->tier[v] != RH_TIER_NONE && r->parent[v] == RH_REACH_SOURCE;
		uint32_t k1 = rg->start[v + 1];
		work += k1 - rg->start[v] + 1;
		if (work > budget) {
			ret = 0;
			goto out;
		}
		for (uint32_t k = rg->start[v]; !reached && k < k1; k++) {
			uint32_t w = rg->src[k], u = w & RH_EDGE_INDEX_MASK;
			if (!strong(w) || u >= n || u == idx || r->tier[u] == RH_TIER_NONE)
				continue;
			uint32_t q = rh_sparse32_get(&pos, u);
			reached = !q || (list[q - 1] & GONE_BIT);
		}
		if (reached) {
			gone[p] = 1;
			stack[ns++] = (uint32_t)p;
		}
	}
	// Propagated through E, idx (place 0) aside.
	while (ns) {
		uint32_t v = list[stack[--ns]];
		for (uint32_t e = s->edge_start[v]; e < s->edge_start[v + 1]; e++) {
			uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
			if (!strong(w) || t >= n)
				continue;
			uint32_t q = rh_sparse32_get(&pos, t);
			if (q > 1 && !gone[q - 1]) {
				gone[q - 1] = 1;
				stack[ns++] = q - 1;
			}
		}
	}
	uint64_t objects = 0, bytes = 0;
	for (size_t p = 0; p < nl; p++) {
		if (!gone[p]) {
			objects++;
			bytes = rh_add_sat(bytes, rh_snapshot_size(s, list[p]));
		}
	}
	*objects_ret = objects;
	*bytes_ret = bytes;
	ret = 1;
out:
	rh_sparse32_free(&pos);
	free(list);
	free(gone);
	free(stack);
	return ret;
}

/* 0: the default budget of retained_local (a test's override). */
static uint64_t local_budget;
/* Searches retained_local finished, for the test that sets the budget. */
static uint64_t local_done;

uint64_t rh_retained_local_budget(uint64_t work)
{
	uint64_t done = local_done;
	local_budget = work;
	local_done = 0;
	return done;
}

struct rh_error *rh_retained_one(const struct rh_snapshot *s, const struct rh_rgraph *rg,
				 const struct rh_reach *r, uint32_t idx,
				 uint64_t *objects_ret, uint64_t *bytes_ret)
{
	uint32_t n = s->nobjects;
	if (idx >= n)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "no object %u", idx);
	// Past a sixty-fourth of the whole search's work, the local one, whose
	// steps are random reads, is no longer the cheaper (and one that
	// gives up has cost at most that).
	uint64_t budget = local_budget ? local_budget : (n + s->nedges) / 64 + 65536;
	if (rg && rg->n == n) {
		int done = retained_local(s, rg, r, idx, budget, objects_ret, bytes_ret);
		if (done < 0)
			return rh_enomem;
		if (done) {
			local_done++;
			return NULL;
		}
	}
	uint8_t *seen = rh_big_calloc(n, 1);
	uint32_t *queue = rh_big_malloc((size_t)n * sizeof(*queue));
	if (!seen || !queue) {
		free(seen);
		free(queue);
		return rh_enomem;
	}
	// First: everything the sources reach when idx is taken away.
	uint32_t head = 0, tail = 0;
	seen[idx] = 2;
	for (uint32_t i = 0; i < n; i++) {
		if (!seen[i] && r->tier[i] != RH_TIER_NONE && r->parent[i] == RH_REACH_SOURCE) {
			seen[i] = 1;
			queue[tail++] = i;
		}
	}
	for (;;) {
		while (head < tail) {
			uint32_t i = queue[head++];
			for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
				uint32_t w = s->edges[e], t = w & RH_EDGE_INDEX_MASK;
				if (strong(w) && t < n && !seen[t]) {
					seen[t] = seen[i];
					queue[tail++] = t;
				}
			}
		}
		// Then: what idx reaches that the first search did not.
		if (seen[idx] != 2)
			break;
		seen[idx] = 3;
		queue[tail++] = idx;
	}
	uint64_t objects = 0, bytes = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (seen[i] >= 2) {
			objects++;
			bytes = rh_add_sat(bytes, rh_snapshot_size(s, i));
		}
	}
	free(seen);
	free(queue);
	*objects_ret = objects;
	*bytes_ret = bytes;
	return NULL;
}
