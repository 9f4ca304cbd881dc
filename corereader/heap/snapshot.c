/*
 * Building the snapshot from the CPython layer; see snapshot.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpython/obmalloc.h"
#include "cpython/repr.h"
#include "cpython/roots.h"
#include "cpython/runtime.h"
#include "cpython/traverse.h"
#include "heap/snapshot.h"
#include "heap/snapshot_parallel.h"
#include "util/bigmem.h"
#include "util/byobj.h"
#include "util/prefault.h"
#include "util/satmath.h"
#include "util/workpool.h"
#include "image/image.h"
#include "target/target.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void rh_snapshot_destroy(struct rh_snapshot *s)
{
	if (!s)
		return;
	rh_snapshot_cache_release(s);  /* arrays mapped from a cache file */
	for (size_t i = 0; i < s->ninterps; i++)
		free(s->interps[i].threads);
	free(s->interps);
	free(s->obj_addr);
	free(s->obj_type);
	free(s->obj_size);
	free(s->big_sizes);
	free(s->obj_refcnt);
	free(s->obj_gen);
	free(s->obj_interp);
	free(s->obj_found);
	rh_snapshot_index_free(s);
	free(s->type_obj);
	free(s->edge_start);
	free(s->edges);
	free(s->roots);
	free(s->types);
	rh_u64map_deinit(&s->type_index);
	rh_problems_deinit(&s->problems);
	rh_arena_deinit(&s->arena);
	rh_py_runtime_destroy(s->rt);
	free(s);
}

void rh_snapshot_repr(const struct rh_snapshot *s, uint32_t idx, char *buf,
		      size_t len)
{
	// A snapshot read back from its cache file alone has no runtime
	// (rh_snapshot_cache_read): no target to read a repr from.
	if (!s->rt || idx >= s->nobjects) {
		snprintf(buf, len, "<object 0x%" PRIx64 ">", idx < s->nobjects ? s->obj_addr[idx] : 0);
		return;
	}
	rh_py_repr(s->rt, s->obj_addr[idx], buf, len);
}

struct label_ctx {
	const struct rh_snapshot *s;
	uint64_t edge, end;
	uint64_t only;   /* the one edge to name, or UINT64_MAX: all */
	rh_snapshot_label_fn *fn;
	void *arg;
	bool stopped;
};

static int label_ref(void *arg, const struct rh_py_ref *ref)
{
	struct label_ctx *c = arg;
	const struct rh_snapshot *s = c->s;
	// The stored edges are the non-weak references in this same order,
	// minus any that pointed to unreadable memory: match by address.
	if (ref->kind == RH_REF_WEAK || c->edge >= c->end ||
	    s->obj_addr[s->edges[c->edge] & RH_EDGE_INDEX_MASK] != ref->addr)
		return 0;
	// One edge wanted: the others are counted, not named (a label
	// reads a key's repr; `why` through the 10M-object benchmark's
	// registry dict named its 1.17M entries for one: 0.1 s).
	if (c->only != UINT64_MAX && c->edge != c->only) {
		c->edge++;
		return c->edge > c->only;   /* past it: stop */
	}
	char label[256];
	rh_py_ref_label(s->rt, ref, label, sizeof(label));
	if (c->fn(c->arg, c->edge, label)) {
		c->stopped = true;
		return 1;
	}
	c->edge++;
	return 0;
}

static struct rh_error *edge_labels(const struct rh_snapshot *s, uint32_t idx, uint64_t only,
				     rh_snapshot_label_fn *fn, void *arg)
{
	if (!s->have_graph || idx >= s->nobjects || !s->rt)
		return NULL;   // no runtime (a bare cache read): no labels
	struct label_ctx c = {
		.s = s, .edge = s->edge_start[idx], .end = s->edge_start[idx + 1],
		.only = only, .fn = fn, .arg = arg,
	};
	return rh_py_referents(s->rt, s->obj_addr[idx], s->types[s->obj_type[idx]].addr,
			       label_ref, &c);
}

struct rh_error *rh_snapshot_edge_labels(const struct rh_snapshot *s, uint32_t idx,
					 rh_snapshot_label_fn *fn, void *arg)
{
	return edge_labels(s, idx, UINT64_MAX, fn, arg);
}

struct rh_error *rh_snapshot_edge_label_one(const struct rh_snapshot *s, uint32_t idx,
					    uint64_t edge, rh_snapshot_label_fn *fn, void *arg)
{
	return edge_labels(s, idx, edge, fn, arg);
}

struct walk_ctx {
	const struct rh_snapshot *s;
	uint64_t edge, end;
	rh_snapshot_ref_fn *fn;
	void *arg;
};

static int walk_ref(void *arg, const struct rh_py_ref *ref)
{
	struct walk_ctx *c = arg;
	const struct rh_snapshot *s = c->s;
	char label[256];
	if (ref->kind == RH_REF_WEAK) {
		uint32_t to;
		if (!rh_snapshot_find(s, ref->addr, &to))
			return 0;
		rh_py_ref_label(s->rt, ref, label, sizeof(label));
		return c->fn(c->arg, UINT64_MAX, to, label);
	}
	if (c->edge >= c->end ||
	    s->obj_addr[s->edges[c->edge] & RH_EDGE_INDEX_MASK] != ref->addr)
		return 0;
	rh_py_ref_label(s->rt, ref, label, sizeof(label));
	uint64_t e = c->edge++;
	return c->fn(c->arg, e, s->edges[e] & RH_EDGE_INDEX_MASK, label);
}

struct rh_error *rh_snapshot_refs_walk(const struct rh_snapshot *s, uint32_t idx,
				       rh_snapshot_ref_fn *fn, void *arg)
{
	if (!s->have_graph || !s->rt || idx >= s->nobjects)
		return NULL;
	struct walk_ctx c = {
		.s = s, .edge = s->edge_start[idx], .end = s->edge_start[idx + 1],
		.fn = fn, .arg = arg,
	};
	return rh_py_referents(s->rt, s->obj_addr[idx], s->types[s->obj_type[idx]].addr,
			       walk_ref, &c);
}

/* The bytes of the target's dumped or file-backed segments: what it can hold. */
static uint64_t readable_bytes(struct rh_target *t)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < rh_target_segment_count(t); i++) {
		struct rh_segment_info si;
		rh_target_segment(t, i, &si);
		if (si.dumped || si.file_backed)
			bytes = rh_add_sat(bytes, si.end - si.start);
	}
	return bytes;
}

/*
 * Size the object and edge arrays once, at the most the target's readable
 * memory could hold: an object takes 16 bytes at least (a refcount and a
 * type), a reference a word. Only address space: the pages of a fresh
 * mmapped block are not resident until written, and they are written in
 * index order, so the arrays cost what they hold. Grown instead
 * (grow_objects, push_edge), each array copied at every doubling, a
 * 10M-object snapshot copied ~505 MB and faulted in as much fresh memory
 * again (issue 12). Where the system will not give that much address
 * space (a strict overcommit policy), or the heap holds more than the
 * bound (overlapping phantom objects of a corrupt core), the arrays grow
 * as before.
 */
static void reserve_arrays(struct rh_snapshot *s, struct rh_target *t)
{
	uint64_t bytes = readable_bytes(t);
	uint64_t nobj = bytes / 16 + (1u << 16);
	if (nobj > RH_SNAP_MAX_OBJECTS)
		nobj = RH_SNAP_MAX_OBJECTS;
	uint64_t nedges = bytes / 8 + (1u << 18);
	if (nedges > UINT32_MAX)
		nedges = UINT32_MAX;
	// Test hook: REFHEAP_TEST_RESERVE=N reserves room for N objects and
	// N references only, so that a small core grows its arrays past the
	// reservation (tests/integration/jobs.sh: the same answers).
	const char *env = getenv("REFHEAP_TEST_RESERVE");
	if (env && *env) {
		nobj = strtoull(env, NULL, 0);
		nobj = nobj < 1 ? 1 : nobj > RH_SNAP_MAX_OBJECTS ? RH_SNAP_MAX_OBJECTS : nobj;
		nedges = nobj;
	}
	bool ok = true;
#define RESERVE(field)                                                          \
	do {                                                                    \
		s->field = rh_big_malloc((size_t)nobj * sizeof(*s->field));     \
		ok = ok && s->field;                                            \
	} while (0)
	RESERVE(obj_addr);
	RESERVE(obj_type);
	RESERVE(obj_size);
	RESERVE(obj_refcnt);
	RESERVE(obj_gen);
	RESERVE(obj_interp);
	RESERVE(obj_found);
#undef RESERVE
	s->edges = rh_big_malloc((size_t)nedges * sizeof(*s->edges));
	if (ok && s->edges) {
		s->objects_cap = (uint32_t)nobj;
		s->edges_cap = nedges;
		return;
	}
	// Not all reserved: grow them all from nothing instead.
#define DROP(field)                                                             \
	do {                                                                    \
		free(s->field);                                                 \
		s->field = NULL;                                                \
	} while (0)
	DROP(obj_addr);
	DROP(obj_type);
	DROP(obj_size);
	DROP(obj_refcnt);
	DROP(obj_gen);
	DROP(obj_interp);
	DROP(obj_found);
	DROP(edges);
#undef DROP
}

/*
 * The objects in pymalloc's pools indexed by their block (snapshot.h
 * obj_blocks), from the pools the count saw; the keyindex is then for the
 * others alone, grown as they come (static objects, objects of more than
 * 512 bytes, objects of pools mostly free: 7,128 of the 10M benchmark
 * heap's 9.37M objects). It took the snapshot's references phase from
 * 1.28-1.81 s to 0.78-1.22 s there (issue 12). False (nothing changed)
 * without memory or without a pool.
 */
static bool index_by_block(struct rh_snapshot *s, const struct rh_py_block_marks *marks)
{
	struct rh_blockgeom g;
	size_t nregions;
	struct rh_blockregion *regions = rh_py_block_marks_regions(marks, &g, &nregions);
	bool ok = regions && nregions && rh_blockindex_create(&s->obj_blocks, &g, regions, nregions);
	free(regions);
	if (!ok || !s->obj_blocks.nregions)
		goto fail;
	s->others_cap = 1024;
	s->other_addr = malloc(s->others_cap * sizeof(*s->other_addr));
	s->other_pos = malloc(s->others_cap * sizeof(*s->other_pos));
	if (s->other_addr && s->other_pos)
		return true;
fail:
	rh_snapshot_index_free(s);
	return false;
}

/*
 * Size the address index once, for as many objects as pymalloc has blocks
 * in use: CPython's own count (the pools' ref.count, what
 * sys.getallocatedblocks() adds up), read from the pool headers alone in
 * a few milliseconds. Grown instead, the index was rebuilt about 35 times
 * on a 10M-object heap, each rebuild zeroing a fresh table and placing
 * every key again: 9% of a cold `gc` (issue 12), and at the last rebuild
 * the old table and the new one were resident together.
 *
 * Most objects are pymalloc blocks; the blocks that are no objects (a
 * list's item array, a dict's keys) make the index roomier, the objects
 * that are no blocks (bigger than 512 bytes, static) grow it as before. A
 * corrupt allocator gives a count that is capped by what the core can
 * hold (readable_bytes), and its problems are left to the allocator scan
 * proper, which meets them again. The count does not depend on the object
 * arrays' reservation (REFHEAP_TEST_RESERVE), so the index, which the
 * snapshot cache stores, is the same either way.
 */
static struct rh_py_block_marks *reserve_index(struct rh_snapshot *s, struct rh_py_runtime *rt,
					       struct rh_target *t)
{
	struct rh_problems scratch;
	rh_problems_init(&scratch);
	// The same pass notes the pools for the allocator scan's block marks
	// (mark_known below).
	struct rh_py_block_marks *marks = NULL;
	const struct rh_py_alloc_options o = { .count_only = true, .skip_malloc = true,
					       .marks_ret = &marks };
	struct rh_py_alloc_stats st;
	struct rh_error *err = rh_py_alloc_scan(rt, &o, &scratch, NULL, NULL, &st);
	rh_problems_deinit(&scratch);
	if (err) {
		rh_error_destroy(err);
		return NULL;
	}
	if (marks && index_by_block(s, marks))
		return marks;
	uint64_t n = st.pool_ref_counts;
	uint64_t most = readable_bytes(t) / 16;
	if (n > most)
		n = most;
	if (n >= RH_KEYINDEX_MAX)
		n = RH_KEYINDEX_MAX - 1;
	// No memory for it: the index grows as it did.
	(void)rh_keyindex_reserve(&s->obj_index, s->obj_addr, (size_t)n);
	return marks;
}

/*
 * Without the graph (`summary`) the index holds the GC lists' objects
 * alone: sized once for as many as the generational collector says it
 * tracks, rather than grown (its rebuilds had 18% of `summary`'s samples
 * at 10M objects). Python/gc.c (3.8-3.13) keeps long_lived_total, the
 * objects the last full collection left in the oldest generation, and
 * long_lived_pending, those that reached it since; the youngest
 * generation's count is its allocations less its deallocations since its
 * last collection. The middle generation and the permanent one are not
 * counted: the index grows past the estimate for them, as for a collector
 * without these counts. A corrupt count is capped like reserve_index's.
 */
static void reserve_index_tracked(struct rh_snapshot *s, struct rh_target *t)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->ninterps; i++) {
		const struct rh_snap_gc *gc = &s->interps[i].gc;
		if (s->interps[i].gc_owner != i || !gc->have_long_lived ||
		    gc->model != RH_SNAP_GC_GENERATIONAL)
			continue;
		if (gc->long_lived_total > 0)
			n = rh_add_sat(n, (uint64_t)gc->long_lived_total);
		if (gc->long_lived_pending > 0)
			n = rh_add_sat(n, (uint64_t)gc->long_lived_pending);
		if (gc->gens[0].count > 0)
			n = rh_add_sat(n, (uint64_t)gc->gens[0].count);
	}
	uint64_t most = readable_bytes(t) / 32;   /* a GC head and a header */
	if (n > most)
		n = most;
	if (n >= RH_KEYINDEX_MAX)
		n = RH_KEYINDEX_MAX - 1;
	if (n)
		(void)rh_keyindex_reserve(&s->obj_index, s->obj_addr, (size_t)n);
}

/*
 * The object arrays, edge_start and the edges, faulted in ahead of their
 * writer by a helper thread (util/prefault.h): the kernel's zeroing of
 * their fresh pages, 8% of a cold `gc`'s samples on the main thread at 10M
 * objects, moves to the other core, idle for a third of the snapshot. A
 * stretch is asked for when the writer is half-way through the last one:
 * the memory faulted in but not yet used is one stretch at most (1.5 MB
 * of objects, 0.5 MB of edges, each array rounded to its 2 MiB huge
 * pages). Only with --jobs > 1. Arrays that grow instead (reserve_arrays
 * failed) move: a request for a freed block populates nothing.
 */
#define AHEAD_OBJECTS (1u << 16)
#define AHEAD_EDGES (1u << 17)

struct ahead {
	struct rh_prefault *pf;
	uint64_t objects, edges;   /* asked for up to, exclusive */
	uint32_t *edge_start;      /* follow_references' array, once made */
	uint64_t start_cap;
};

static void ahead_objects(struct ahead *a, const struct rh_snapshot *s)
{
	if (!a->pf || (uint64_t)s->nobjects + AHEAD_OBJECTS / 2 < a->objects)
		return;
	uint64_t lo = a->objects > s->nobjects ? a->objects : s->nobjects;
	uint64_t hi = lo + AHEAD_OBJECTS < s->objects_cap ? lo + AHEAD_OBJECTS : s->objects_cap;
	if (hi <= lo)
		return;
#define AHEAD(field)                                                            \
	rh_prefault_request(a->pf, (char *)s->field + lo * sizeof(*s->field),  \
			    (hi - lo) * sizeof(*s->field))
	AHEAD(obj_addr);
	AHEAD(obj_type);
	AHEAD(obj_size);
	AHEAD(obj_refcnt);
	AHEAD(obj_gen);
	AHEAD(obj_interp);
	AHEAD(obj_found);
#undef AHEAD
	if (a->edge_start && hi < a->start_cap)
		rh_prefault_request(a->pf, a->edge_start + lo, (hi - lo) * sizeof(*a->edge_start));
	a->objects = hi;
}

static void ahead_edges(struct ahead *a, const struct rh_snapshot *s)
{
	if (!a->pf || s->nedges + AHEAD_EDGES / 2 < a->edges)
		return;
	uint64_t lo = a->edges > s->nedges ? a->edges : s->nedges;
	uint64_t hi = lo + AHEAD_EDGES < s->edges_cap ? lo + AHEAD_EDGES : s->edges_cap;
	if (hi > lo)
		rh_prefault_request(a->pf, s->edges + lo, (hi - lo) * sizeof(*s->edges));
	a->edges = hi;
}

/* Grow the object arrays together, geometrically. */
static bool grow_objects(struct rh_snapshot *s)
{
	if (s->objects_cap >= RH_SNAP_MAX_OBJECTS)
		return false;
	uint32_t cap = s->objects_cap ? s->objects_cap * 2 : 1u << 16;
	if (cap > RH_SNAP_MAX_OBJECTS)
		cap = RH_SNAP_MAX_OBJECTS;
#define GROW(field)                                                            \
	do {                                                                   \
		void *p = rh_big_realloc(s->field,                             \
					 (size_t)s->nobjects * sizeof(*s->field), \
					 (size_t)cap * sizeof(*s->field));       \
		if (!p)                                                        \
			return false;                                          \
		s->field = p;                                                  \
	} while (0)
	GROW(obj_addr);
	GROW(obj_type);
	GROW(obj_size);
	GROW(obj_refcnt);
	GROW(obj_gen);
	GROW(obj_interp);
	GROW(obj_found);
#undef GROW
	s->objects_cap = cap;
	return true;
}

static int type_index(struct rh_snapshot *s, struct rh_py_runtime *rt,
		      uint64_t addr, uint32_t *ret)
{
	if (rh_u64map_find(&s->type_index, addr, ret))
		return 0;
	if (s->ntypes == s->types_cap) {
		uint32_t cap = s->types_cap ? s->types_cap * 2 : 256;
		struct rh_snap_type *p = realloc(s->types, cap * sizeof(*p));
		if (!p)
			return -1;
		s->types = p;
		s->types_cap = cap;
	}
	const char *name = rh_py_type_name(rt, addr);
	name = rh_arena_intern(&s->arena, name, strlen(name));
	if (!name)
		return -1;
	s->types[s->ntypes] = (struct rh_snap_type){
		.addr = addr, .name = name,
		.size_exact = rh_py_type_size_exact(rt, addr),
	};
	if (rh_u64map_insert(&s->type_index, addr, s->ntypes, NULL) < 0)
		return -1;
	*ret = s->ntypes++;
	return 0;
}

_Static_assert(offsetof(struct rh_snap_big_size, obj) == 0,
	       "rh_byobj_find keys on a leading index");

uint64_t rh_snapshot_size_big(const struct rh_snapshot *s, uint32_t i)
{
	const struct rh_snap_big_size *b = rh_byobj_find(s->big_sizes, s->nbig_sizes,
							 sizeof(*s->big_sizes), i);
	return b ? b->size : UINT32_MAX;
}

/*
 * Scans of the objects a dropped index allows before it is built again:
 * a report's few lookups (an ADDR argument, gc.garbage) take ~15 ms each
 * at 10M objects; many (a heap snapshot's weak references) pay for the
 * index once instead.
 */
#define DROPPED_SCANS 4

/* rh_snapshot_find once rh_snapshot_drop_index() let the index go. */
static bool find_dropped(struct rh_snapshot *s, uint64_t addr, uint32_t *idx_ret)
{
	uint32_t t;
	if (rh_u64map_find(&s->type_index, addr, &t) && t < s->ntypes) {
		*idx_ret = s->type_obj[t];
		return s->type_obj[t] != UINT32_MAX;
	}
	if (s->dropped_finds < DROPPED_SCANS) {
		s->dropped_finds++;
		for (uint32_t i = 0; i < s->nobjects; i++)
			if (s->obj_addr[i] == addr) {
				*idx_ret = i;
				return true;
			}
		return false;
	}
	// Built again (the cache writer had written the old one before it
	// was let go), whole: every object over obj_addr.
	rh_snapshot_index_free(s);
	bool ok = rh_keyindex_reserve(&s->obj_index, s->obj_addr, s->nobjects);
	for (uint32_t i = 0; ok && i < s->nobjects; i++)
		ok = rh_keyindex_push(&s->obj_index, s->obj_addr);
	if (!ok) {
		// No memory for it: scan, as before.
		rh_keyindex_deinit(&s->obj_index);
		s->dropped_finds = 0;
		return find_dropped(s, addr, idx_ret);
	}
	s->index_dropped = false;
	return rh_keyindex_find(&s->obj_index, s->obj_addr, addr, idx_ret);
}

void rh_snapshot_index_free(struct rh_snapshot *s)
{
	rh_blockindex_deinit(&s->obj_blocks);
	rh_keyindex_deinit(&s->obj_index);
	if (!s->others_mapped) {
		free(s->other_addr);
		free(s->other_pos);
	}
	s->other_addr = NULL;
	s->other_pos = NULL;
	s->nothers = s->others_cap = 0;
	s->others_mapped = false;
}

/*
 * The object at addr, in the index this process built (snapshot.h
 * obj_blocks and obj_index): its answers need no check.
 */
static inline bool index_find(const struct rh_snapshot *s, uint64_t addr, uint32_t *idx_ret)
{
	if (!s->other_addr)
		return rh_keyindex_find(&s->obj_index, s->obj_addr, addr, idx_ret);
	int r = rh_blockindex_find(&s->obj_blocks, addr, idx_ret);
	if (r != RH_BI_OTHER)
		return r == RH_BI_FOUND;
	uint32_t q;
	if (!rh_keyindex_find(&s->obj_index, s->other_addr, addr, &q))
		return false;
	*idx_ret = s->other_pos[q];
	return true;
}

/* Hint that addr will be looked up soon: its slot in either index. */
RH_PREFETCH_FN index_prefetch(const struct rh_snapshot *s, uint64_t addr)
{
	if (!rh_blockindex_prefetch(&s->obj_blocks, addr))
		rh_keyindex_prefetch(&s->obj_index, addr);
}

/*
 * The second step, once the slot is in the cache (rh_keyindex_prefetch_key):
 * false when addr is absent as of now, for the caller to prefetch what it
 * reads of a new object. A block's slot says it all; the keyindex's names
 * the key to read next.
 */
static inline __attribute__((always_inline)) bool
index_prefetch_key(const struct rh_snapshot *s, uint64_t addr)
{
	uint32_t pos;
	int r = rh_blockindex_find(&s->obj_blocks, addr, &pos);
	if (r != RH_BI_OTHER)
		return r == RH_BI_FOUND;
	return rh_keyindex_prefetch_key(&s->obj_index,
					s->other_addr ? s->other_addr : s->obj_addr, addr);
}

/* Index object i (obj_addr[i] written), which index_find() said is absent. */
static bool index_push(struct rh_snapshot *s, uint32_t i)
{
	if (!s->other_addr)
		return rh_keyindex_push(&s->obj_index, s->obj_addr);
	if (rh_blockindex_place(&s->obj_blocks, s->obj_addr[i], i))
		return true;
	if (s->nothers == s->others_cap) {
		if (s->others_cap >= RH_KEYINDEX_MAX)
			return false;
		uint32_t cap = s->others_cap * 2;
		uint64_t *a = rh_big_realloc(s->other_addr, (size_t)s->nothers * sizeof(*a),
					     (size_t)cap * sizeof(*a));
		if (!a)
			return false;
		s->other_addr = a;
		uint32_t *q = rh_big_realloc(s->other_pos, (size_t)s->nothers * sizeof(*q),
					     (size_t)cap * sizeof(*q));
		if (!q)
			return false;
		s->other_pos = q;
		s->others_cap = cap;
	}
	// The keyindex reads its keys from other_addr: the address first.
	s->other_addr[s->nothers] = s->obj_addr[i];
	s->other_pos[s->nothers] = i;
	if (!rh_keyindex_push(&s->obj_index, s->other_addr))
		return false;
	s->nothers++;
	return true;
}

bool rh_snapshot_find(const struct rh_snapshot *s, uint64_t addr, uint32_t *idx_ret)
{
	if (__builtin_expect(s->index_dropped, 0))
		// Only on the thread that dropped it (snapshot.h).
		return find_dropped((struct rh_snapshot *)s, addr, idx_ret);
	uint32_t idx;
	// A cache file's slots name objects below its count (checked when it
	// was read), but not always the right one: the key says. `summary`'s
	// cut of a cached snapshot holds fewer objects than its index.
	if (!index_find(s, addr, &idx) || idx >= s->nobjects || s->obj_addr[idx] != addr)
		return false;
	*idx_ret = idx;
	return true;
}

/*
 * Add an object the index does not hold (the caller looked it up): *idx_ret
 * gets its index. False on no memory or when the table is full.
 */
static bool add_new_typed(struct rh_snapshot *s, struct rh_py_runtime *rt,
			  const struct rh_py_object *o, uint32_t t, uint8_t found,
			  uint8_t interp, uint32_t *idx_ret)
{
	uint32_t i = s->nobjects;
	if (s->nobjects == s->objects_cap && !grow_objects(s))
		return false;
	// The index reads its keys from obj_addr: the address goes first.
	s->obj_addr[i] = o->addr;
	if (!index_push(s, i))
		return false;
	s->nobjects++;
	s->obj_type[i] = t;
	if (o->size >= UINT32_MAX) {
		// Objects are appended in index order, so big_sizes stays sorted.
		struct rh_snap_big_size *p = realloc(s->big_sizes,
						     (s->nbig_sizes + 1) * sizeof(*p));
		if (!p)
			return false;
		s->big_sizes = p;
		s->big_sizes[s->nbig_sizes++] = (struct rh_snap_big_size){ i, o->size };
		s->obj_size[i] = UINT32_MAX;
	} else {
		s->obj_size[i] = (uint32_t)o->size;
	}
	s->obj_refcnt[i] = o->refcnt <= 0 ? 0 :
			   rh_py_refcnt_immortal(rt, o->refcnt) ? RH_REFCNT_IMMORTAL :
			   o->refcnt >= (int64_t)UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)o->refcnt;
	s->obj_gen[i] = (int8_t)o->gen;
	s->obj_interp[i] = interp;
	s->obj_found[i] = found;
	*idx_ret = i;
	return true;
}

/* add_new_typed, the type's index looked up (or the type added) first. */
static bool add_new(struct rh_snapshot *s, struct rh_py_runtime *rt,
		    const struct rh_py_object *o, uint8_t found, uint8_t interp,
		    uint32_t *idx_ret)
{
	uint32_t t;
	return type_index(s, rt, o->type_addr, &t) == 0 &&
	       add_new_typed(s, rt, o, t, found, interp, idx_ret);
}

/*
 * Add an object. Returns 1 if added (*idx_ret its index), 0 if it was
 * already there (*idx_ret the existing index, `found` bits merged), -1 on
 * no memory or when the table is full.
 */
static int add(struct rh_snapshot *s, struct rh_py_runtime *rt,
	       const struct rh_py_object *o, uint8_t found, uint8_t interp,
	       uint32_t *idx_ret)
{
	if (index_find(s, o->addr, idx_ret)) {
		s->obj_found[*idx_ret] |= found;
		return 0;
	}
	return add_new(s, rt, o, found, interp, idx_ret) ? 1 : -1;
}

struct add_ctx {
	struct rh_snapshot *s;
	struct rh_py_runtime *rt;
	uint8_t interp;
	bool nomem;
	struct ahead *ahead;
};

static int add_tracked(void *arg, const struct rh_py_object *o)
{
	struct add_ctx *c = arg;
	uint32_t idx;
	int r = add(c->s, c->rt, o, RH_FOUND_GC, c->interp, &idx);
	if (r < 0) {
		c->nomem = true;
		return 1;
	}
	if (r == 0)
		// CPython keeps an object on one list only: a second sighting
		// means torn lists (a core taken mid-collection?).
		rh_problems_add(&c->s->problems,
				"object 0x%" PRIx64 " is on two GC lists", o->addr);
	return 0;
}

/*
 * How far ahead of an index lookup its memory is prefetched, in lookups:
 * the home slot PF_SLOT lookups ahead, then the key that slot names
 * PF_KEY ahead (the slot has arrived by then). About as many misses as a
 * core keeps in flight (10-16 line fill buffers): a whole batch's slots
 * prefetched at once (~900 in follow_references) ran past them.
 */
#define PF_SLOT 16
#define PF_KEY 8

/*
 * A batch of a GC list's objects, added in list order with their index
 * slots prefetched ahead. One insert per object otherwise waits on a
 * cache miss each (2.3M of them on a 10M-object heap).
 */
static int add_tracked_batch(void *arg, const struct rh_py_object *objs, size_t n)
{
	struct add_ctx *c = arg;
	const struct rh_snapshot *s = c->s;
	ahead_objects(c->ahead, s);
	for (size_t k = 0; k < PF_SLOT && k < n; k++)
		index_prefetch(s, objs[k].addr);
	for (size_t k = 0; k < n; k++) {
		if (k + PF_SLOT < n)
			index_prefetch(s, objs[k + PF_SLOT].addr);
		if (add_tracked(c, &objs[k]))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Roots                                                               */

struct root_ctx {
	struct rh_snapshot *s;
	struct rh_py_runtime *rt;
	bool nomem;
	uint64_t unreadable;
};

/* Append a root; false when out of memory. */
static bool push_root(struct rh_snapshot *s, const struct rh_snap_root *r)
{
	if (s->nroots == s->roots_cap) {
		size_t cap = s->roots_cap ? s->roots_cap * 2 : 1024;
		struct rh_snap_root *p = realloc(s->roots, cap * sizeof(*p));
		if (!p)
			return false;
		s->roots = p;
		s->roots_cap = cap;
	}
	s->roots[s->nroots++] = *r;
	return true;
}

static int on_root(void *arg, const struct rh_py_root *root)
{
	struct root_ctx *c = arg;
	struct rh_snapshot *s = c->s;
	uint32_t idx;
	if (!index_find(s, root->addr, &idx)) {
		struct rh_py_object o;
		struct rh_error *err = rh_py_object_read(c->rt, root->addr, &o);
		if (err) {
			c->nomem = err->code == RH_ERR_NO_MEMORY;
			rh_error_destroy(err);
			c->unreadable++;
			return c->nomem;
		}
		// A word of a stack or of static data that points at a header
		// of a GC type whose object is on no GC list (the lists were
		// read first) and yet says it is tracked: the inside of another
		// object (a tuple's ob_size and first item read as a refcount
		// and a class, under a GC header that was the tuple's own), or
		// a freed one. Not a holder of anything.
		if (root->conservative && !rh_py_gc_head_untracked(c->rt, root->addr, o.type_addr))
			return 0;
		if (!add_new(s, c->rt, &o, RH_FOUND_ROOT, 0, &idx)) {
			c->nomem = true;
			return 1;
		}
	} else {
		s->obj_found[idx] |= RH_FOUND_ROOT;
	}
	struct rh_snap_root r = {
		.obj = idx,
		.kind = (uint8_t)root->kind,
		.conservative = root->conservative,
		.owned = root->owned,
		.secondary = root->secondary,
		.name = rh_arena_intern(&s->arena, root->name, strlen(root->name)),
		.where = root->where,
		.thread = root->thread,
	};
	if (!r.name || !push_root(s, &r)) {
		c->nomem = true;
		return 1;
	}
	return 0;
}

static struct rh_error *collect_roots(struct rh_snapshot *s, struct rh_py_runtime *rt)
{
	struct root_ctx c = { .s = s, .rt = rt };
	struct rh_error *err = rh_py_roots_for_each(rt, &s->problems, on_root, &c);
	if (err)
		return err;
	if (c.nomem)
		return rh_enomem;
	if (c.unreadable)
		rh_problems_add(&s->problems, "%" PRIu64 " roots point to unreadable objects",
				c.unreadable);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Following references                                                */

/*
 * Work bounded by what the core holds (issue 11: corrupted type words once
 * turned thousands of addresses into huge pseudo-objects, each scanned
 * conservatively: 47.9M edges and a 1.37 GB export from a 100 MB core).
 * A real heap lives in the core's readable bytes: each object takes at
 * least 16 of them, each reference is an 8-byte pointer stored in one of
 * them, and objects do not overlap, so the bytes traversed add up to at
 * most the core. Twice that plus a floor leaves room for honest double
 * counts (static objects, views); past it the heap is claiming more than
 * the core can hold, and following stops with a problem that says so.
 */
struct budget {
	uint64_t bytes;          /* readable bytes of the target */
	uint64_t max_objects, max_edges, max_traversed;
	uint64_t traversed;      /* bytes of objects whose references were read */
};

#define BUDGET_FLOOR (1u << 20)
/* The conservative scanner's own cap per object (cpython/traverse.c). */
#define BUDGET_OBJECT_MAX 65536

static void budget_init(struct budget *b, struct rh_target *t)
{
	memset(b, 0, sizeof(*b));
	b->bytes = readable_bytes(t);
	// Test hook: REFHEAP_TEST_BUDGET_BYTES=N counts the core as N bytes,
	// so that a test reaches the bounds on a small healthy core.
	const char *env = getenv("REFHEAP_TEST_BUDGET_BYTES");
	if (env && *env)
		b->bytes = strtoull(env, NULL, 0);
	uint64_t floor = getenv("REFHEAP_TEST_BUDGET_BYTES") ? 0 : BUDGET_FLOOR;
	b->max_objects = b->bytes / 16 * 2 + floor;
	b->max_edges = b->bytes / 8 * 2 + floor;
	b->max_traversed = b->bytes * 2 + floor;
}

struct follow_ctx {
	struct rh_snapshot *s;
	struct rh_py_runtime *rt;
	uint8_t interp;
	bool nomem;
	bool full;              /* edge array at its bound */
	struct budget budget;
	const char *over;       /* which bound was hit, or NULL */
	uint64_t dangling;      /* references to unreadable memory */
	uint64_t orphans;       /* objects found by the allocator scan only */
	/*
	 * What the heap is known to hold before the allocator scan: types of
	 * the objects found so far (index < known_types) and the objects
	 * themselves (index < known_objects), among them the type objects
	 * (static types by symbol, heap types from the GC lists and their
	 * tp_base/tp_mro).
	 */
	uint32_t known_types, known_objects;
	uint64_t rejected;      /* allocator blocks refused as inconsistent */
	/* objects proposed by the allocator scan, not yet checked */
	uint64_t blocks[512];
	size_t nblocks;
	/* references of the current batch of objects, resolved together */
	struct pending_ref *pending;
	size_t npending, pending_cap;
	/* the allocator scan's blocks checked on threads (jobs > 1), or NULL */
	struct block_prep *prep;
};

/* A reference read but not yet resolved to an object index. */
struct pending_ref {
	uint64_t addr;
	uint32_t flags;   /* RH_EDGE_OWNED / RH_EDGE_CONSERVATIVE */
	uint8_t interp;
};

static bool push_edge(struct rh_snapshot *s, uint32_t word)
{
	if (s->nedges == s->edges_cap) {
		if (s->edges_cap >= UINT32_MAX)
			return false;
		uint64_t cap = s->edges_cap ? s->edges_cap * 2 : 1u << 18;
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		uint32_t *p = rh_big_realloc(s->edges, s->nedges * sizeof(*p),
					     cap * sizeof(*p));
		if (!p)
			return false;
		s->edges = p;
		s->edges_cap = cap;
	}
	s->edges[s->nedges++] = word;
	return true;
}

static int on_ref(void *arg, const struct rh_py_ref *ref)
{
	struct follow_ctx *c = arg;
	// Weak references never keep anything alive (Objects/weakrefobject.c
	// gc_traverse visits only the callback).
	if (ref->kind == RH_REF_WEAK)
		return 0;
	if (c->npending == c->pending_cap) {
		size_t cap = c->pending_cap ? c->pending_cap * 2 : 4096;
		struct pending_ref *p = rh_big_realloc(c->pending,
						       c->npending * sizeof(*p),
						       cap * sizeof(*p));
		if (!p) {
			c->nomem = true;
			return 1;
		}
		c->pending = p;
		c->pending_cap = cap;
	}
	uint32_t flags = 0;
	// A conservative pointer stands in for the unknown tp_traverse: it
	// counts as traversed, marked so readers can tell.
	if (ref->kind == RH_REF_CONSERVATIVE)
		flags = RH_EDGE_CONSERVATIVE;
	else if (!ref->traversed)
		flags = RH_EDGE_OWNED;
	c->pending[c->npending++] = (struct pending_ref){
		.addr = ref->addr, .flags = flags, .interp = c->interp,
	};
	return 0;
}

/* Resolve one pending reference to an index, adding the referent if new. */
static bool resolve(struct follow_ctx *c, const struct pending_ref *r)
{
	struct rh_snapshot *s = c->s;
	uint32_t idx;
	if (s->nedges >= c->budget.max_edges) {
		c->over = "references";
		c->full = true;
		return false;
	}
	if (!index_find(s, r->addr, &idx)) {
		if (s->nobjects >= c->budget.max_objects) {
			c->over = "objects";
			c->full = true;
			return false;
		}
		struct rh_py_object o;
		struct rh_error *err = rh_py_object_read(c->rt, r->addr, &o);
		if (err) {
			if (err->code == RH_ERR_NO_MEMORY) {
				c->nomem = true;
				return false;
			}
			// A reference into unreadable memory: a dangling pointer,
			// or memory the core does not hold. Counted, and the first
			// few named.
			if (c->dangling++ < 20)
				rh_problems_add_error(&s->problems, err,
						      "reference to 0x%" PRIx64 " is unreadable",
						      r->addr);
			else
				rh_error_destroy(err);
			return true;
		}
		// A word of an object refheap cannot traverse that points into
		// another object (ctypes' CArgObject holding an address 16
		// bytes into a tuple, trust.sh): the same test as for a
		// conservative root. Not a reference: dropped unsaid, as the
		// scan drops any word that is no pointer.
		if ((r->flags & RH_EDGE_CONSERVATIVE) &&
		    !rh_py_gc_head_untracked(c->rt, r->addr, o.type_addr))
			return true;
		// Its type word must name a type (what rh_py_object_plausible
		// asks of a conservative candidate; cached per type): a field
		// that holds no object pointer, or the field of a phantom, once
		// exported objects of type "" with a refcount of 4294967294 and
		// a chain of more behind them (a Django core, realapps.sh).
		// The type's index, looked up once here for add_new_typed.
		uint32_t t;
		if (!rh_u64map_find(&s->type_index, o.type_addr, &t)) {
			if (!rh_py_type_plausible(c->rt, o.type_addr)) {
				if (c->dangling++ < 20)
					rh_problems_add(&s->problems,
							"reference to 0x%" PRIx64 " is to no object: "
							"its type word 0x%" PRIx64 " is not a type",
							r->addr, o.type_addr);
				return true;
			}
			if (type_index(s, c->rt, o.type_addr, &t) < 0) {
				c->nomem = true;
				return false;
			}
		}
		if (!add_new_typed(s, c->rt, &o, t, RH_FOUND_REF, r->interp, &idx)) {
			c->nomem = true;
			return false;
		}
	}
	if (!push_edge(s, idx | r->flags)) {
		c->full = true;
		return false;
	}
	return true;
}

/*
 * Objects the allocator scan proposes, checked against the index in
 * batches with prefetching: the scan yields millions of blocks in address
 * order, and one random index probe each would wait on memory every time.
 */
struct vet_ctx {
	struct rh_snapshot *s;
	struct rh_py_runtime *rt;
	bool ok;
};

static int vet_ref(void *arg, const struct rh_py_ref *ref)
{
	struct vet_ctx *v = arg;
	uint32_t idx;
	if (ref->kind == RH_REF_WEAK || index_find(v->s, ref->addr, &idx) ||
	    rh_py_object_plausible(v->rt, ref->addr))
		return 0;
	v->ok = false;
	return 1;
}

/*
 * Whether an object only the allocator scan found is one: nothing vouches
 * for it, so everything about it must hold together (the block checks of
 * rh_py_block_object, then these). Its type is one the heap already has:
 * the type of an object found through the GC lists, a reference or a
 * root, or a type object found that way. Its references read without
 * error and each leads to a known or plausible object: a stale block's
 * fields point at freed memory, and accepting it would drag more phantoms
 * in as "found by ref".
 */
static bool orphan_consistent(struct follow_ctx *c, const struct rh_py_object *o)
{
	struct rh_snapshot *s = c->s;
	uint32_t t;
	if (!(rh_u64map_find(&s->type_index, o->type_addr, &t) && t < c->known_types) &&
	    !(index_find(s, o->type_addr, &t) && t < c->known_objects))
		return false;
	struct vet_ctx v = { .s = s, .rt = c->rt, .ok = true };
	struct rh_error *err = rh_py_referents(c->rt, o->addr, o->type_addr, vet_ref, &v);
	if (err) {
		c->nomem = err->code == RH_ERR_NO_MEMORY;
		rh_error_destroy(err);
		return false;
	}
	return v.ok;
}

static bool flush_blocks(struct follow_ctx *c)
{
	const struct rh_snapshot *s = c->s;
	size_t nb = c->nblocks;
	for (size_t k = 0; k < PF_SLOT && k < nb; k++)
		index_prefetch(s, c->blocks[k]);
	for (size_t k = 0; k < PF_KEY && k < nb; k++)
		(void)index_prefetch_key(s, c->blocks[k]);
	for (size_t k = 0; k < nb; k++) {
		if (k + PF_SLOT < nb)
			index_prefetch(s, c->blocks[k + PF_SLOT]);
		if (k + PF_KEY < nb)
			(void)index_prefetch_key(s, c->blocks[k + PF_KEY]);
		uint32_t idx;
		if (index_find(c->s, c->blocks[k], &idx))
			continue;
		if (c->s->nobjects >= c->budget.max_objects) {
			c->over = "objects";
			break;
		}
		struct rh_py_object o;
		struct rh_error *err = rh_py_object_read(c->rt, c->blocks[k], &o);
		if (err) {
			c->nomem = err->code == RH_ERR_NO_MEMORY;
			rh_error_destroy(err);
			if (c->nomem)
				return false;
			continue;
		}
		if (!orphan_consistent(c, &o)) {
			if (c->nomem)
				return false;
			c->rejected++;
			continue;
		}
		if (!add_new(c->s, c->rt, &o, RH_FOUND_ALLOC, 0, &idx)) {
			c->nomem = true;
			return false;
		}
		c->orphans++;
	}
	c->nblocks = 0;
	return true;
}

/*
 * A block the allocator scan just built on its stack, copied a field at a
 * time: copied whole, GCC reads it in 16-byte loads that straddle the
 * scan's 8-byte stores, and each waits for the stores to reach the cache
 * (no store forwarding). That load had most of the samples of the native
 * words scan's callback, a fifth of its main thread's, at 10M objects
 * (perf, issue 12).
 */
static inline void copy_block(struct rh_py_block *to, const struct rh_py_block *b)
{
	// volatile: or GCC merges the two 8-byte loads into one again
	const volatile struct rh_py_block *v = b;
	to->addr = v->addr;
	to->size = v->size;
	to->source = v->source;
	to->region = v->region;
}

/*
 * With jobs > 1 the allocator scan's blocks are checked for an object
 * (rh_py_block_object, most of the scan's time: a header read and a type
 * check per block) on the pool, PREP_BATCH at a time, then taken in scan
 * order. A check that needs a lazy table filled gives up on its worker
 * (runtime.h, worker mode) and is redone here, in order, so the tables
 * fill as with --jobs 1; nothing else the check reads changes while the
 * pool runs, so each answer is the one --jobs 1 gets.
 */
#define PREP_BATCH 16384
#define PREP_CHUNK 512
#define PREP_REDO 1   /* an impossible object address */

struct block_prep {
	struct rh_pool *pool;
	struct rh_py_runtime *rt;
	const struct rh_snapshot *s;   /* its index only read while the pool runs */
	struct rh_py_block *b;
	uint64_t *obj;    /* per block: its object, 0 for none, or PREP_REDO */
	uint32_t n;
};

static struct block_prep *prep_create(struct rh_py_runtime *rt,
				      const struct rh_snapshot *s, uint32_t jobs)
{
	struct block_prep *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->rt = rt;
	p->s = s;
	p->b = malloc(PREP_BATCH * sizeof(*p->b));
	p->obj = malloc(PREP_BATCH * sizeof(*p->obj));
	p->pool = p->b && p->obj ? rh_pool_create(jobs) : NULL;
	if (!p->pool) {
		free(p->b);
		free(p->obj);
		free(p);
		return NULL;
	}
	return p;
}

static void prep_destroy(struct block_prep *p)
{
	if (!p)
		return;
	rh_pool_destroy(p->pool);
	free(p->b);
	free(p->obj);
	free(p);
}

static void prep_chunk(void *arg, uint32_t chunk)
{
	struct block_prep *p = arg;
	uint32_t lo = chunk * PREP_CHUNK;
	uint32_t hi = p->n - lo > PREP_CHUNK ? lo + PREP_CHUNK : p->n;
	rh_py_worker_enter();
	for (uint32_t i = lo; i < hi; i++) {
		uint64_t addr;
		(void)rh_py_worker_take_deferred();
		bool ok = rh_py_block_object(p->rt, p->b[i].addr, p->b[i].size, &addr);
		p->obj[i] = rh_py_worker_take_deferred() ? PREP_REDO : ok ? addr : 0;
	}
	rh_py_worker_leave();
	// An object the index holds is no news (most blocks: 9.4M of 12M on
	// bench/mkheap.py's 10M heap): looked up here, on every thread and
	// prefetched as flush_blocks does, instead of on the main thread
	// alone. Only the main thread adds to the index, and not while the
	// pool runs; what it adds from this batch's blocks cannot be another
	// block's object (blocks do not overlap), so each answer is the one
	// --jobs 1 gets.
	const struct rh_snapshot *s = p->s;
	for (uint32_t i = lo; i < hi && i < lo + PF_SLOT; i++)
		if (p->obj[i] > PREP_REDO)
			index_prefetch(s, p->obj[i]);
	for (uint32_t i = lo; i < hi && i < lo + PF_KEY; i++)
		if (p->obj[i] > PREP_REDO)
			(void)index_prefetch_key(s, p->obj[i]);
	for (uint32_t i = lo; i < hi; i++) {
		if (i + PF_SLOT < hi && p->obj[i + PF_SLOT] > PREP_REDO)
			index_prefetch(s, p->obj[i + PF_SLOT]);
		if (i + PF_KEY < hi && p->obj[i + PF_KEY] > PREP_REDO)
			(void)index_prefetch_key(s, p->obj[i + PF_KEY]);
		uint32_t idx;
		if (p->obj[i] > PREP_REDO && index_find(p->s, p->obj[i], &idx))
			p->obj[i] = 0;
	}
}

/* Object addr proposed by the scan; non-zero to stop (no memory). */
static int take_block(struct follow_ctx *c, uint64_t addr)
{
	c->blocks[c->nblocks++] = addr;
	if (c->nblocks == sizeof(c->blocks) / sizeof(c->blocks[0]) && !flush_blocks(c))
		return 1;
	return 0;
}

static int prep_flush(struct follow_ctx *c)
{
	struct block_prep *p = c->prep;
	uint32_t n = p->n;
	rh_pool_run(p->pool, prep_chunk, p, (n + PREP_CHUNK - 1) / PREP_CHUNK);
	p->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t addr = p->obj[i];
		if (addr == PREP_REDO &&
		    !rh_py_block_object(c->rt, p->b[i].addr, p->b[i].size, &addr))
			continue;
		if (addr && take_block(c, addr))
			return 1;
	}
	return 0;
}

static int on_block(void *arg, const struct rh_py_block *b)
{
	struct follow_ctx *c = arg;
	if (c->prep) {
		copy_block(&c->prep->b[c->prep->n++], b);
		return c->prep->n == PREP_BATCH ? prep_flush(c) : 0;
	}
	uint64_t addr;
	if (!rh_py_block_object(c->rt, b->addr, b->size, &addr))
		return 0;
	return take_block(c, addr);
}

/* Objects whose references are read before they are resolved together. */
#define BATCH 512
/* References the pending array keeps room for between batches. */
#define PENDING_KEEP (1u << 16)
/* Objects left to read below which the other threads are not woken. */
#define PARALLEL_MIN 4096

/*
 * Mark the block of every object known so far (rh_py_block_marks): the
 * allocator scan then passes over those blocks, 9.4M of the 12M blocks of
 * bench/mkheap.py's 10M-object heap, without reading their headers or
 * looking their objects up. Which blocks are marked depends on the
 * objects alone, not on the threads.
 */
#define MARK_CHUNK 65536

struct mark_ctx {
	const struct rh_snapshot *s;
	struct rh_py_block_marks *marks;
};

static void mark_chunk(void *arg, uint32_t chunk)
{
	struct mark_ctx *m = arg;
	uint32_t lo = chunk * MARK_CHUNK;
	uint32_t hi = m->s->nobjects - lo > MARK_CHUNK ? lo + MARK_CHUNK : m->s->nobjects;
	for (uint32_t i = lo; i < hi; i++)
		(void)rh_py_block_marks_set(m->marks, m->s->obj_addr[i]);
}

static void mark_known(const struct rh_snapshot *s, struct rh_py_block_marks *marks,
		       struct rh_pool *pool)
{
	struct mark_ctx m = { .s = s, .marks = marks };
	rh_pool_run(pool, mark_chunk, &m, (s->nobjects + MARK_CHUNK - 1) / MARK_CHUNK);
}

/*
 * Breadth-first over the object table itself: the table is the queue, so
 * edges are appended in index order and edge_start is filled as we go.
 * Objects are taken in batches: the references of a whole batch are read
 * first, the index slots they will probe are prefetched, then they are
 * resolved in order. The lookups of a batch then overlap in memory instead
 * of waiting for one cache miss each (they dominated the profile).
 * Invariant: the edges of objects < i are final; objects >= i are unvisited.
 * Once the queue drains, the allocator scan may append orphans, whose own
 * references are then followed the same way.
 */
static struct rh_error *follow_references(struct rh_snapshot *s, struct rh_target *t,
					  struct rh_py_runtime *rt,
					  bool alloc_scan, const char *cache_dir,
					  uint32_t jobs, struct ahead *ahead,
					  struct rh_py_block_marks *marks)
{
	struct follow_ctx c = { .s = s, .rt = rt };
	// Other threads read the references of the objects ahead
	// (heap/snapshot_parallel.c); this one takes them in order.
	struct rh_prefollow *pf = rh_prefollow_create(rt, jobs);
	double t_scan = 0;
	budget_init(&c.budget, t);
	// edge_start: one more than the objects, reserved as they are
	// (reserve_arrays).
	uint64_t start_cap = (uint64_t)s->objects_cap + 1;
	s->edge_start = rh_big_malloc(start_cap * sizeof(*s->edge_start));
	if (!s->edge_start)
		start_cap = 0;
	ahead->edge_start = s->edge_start;
	ahead->start_cap = start_cap;
	bool scanned = !alloc_scan;
	uint64_t unreadable = 0;
	uint32_t counts[BATCH];
	struct rh_error *err = NULL;

	uint32_t i = 0;
	while (i < s->nobjects || !scanned) {
		if (i == s->nobjects) {
			scanned = true;
			c.known_types = s->ntypes;
			c.known_objects = s->nobjects;
			// libc's layouts (for its heaps) are cached like ours.
			struct rh_py_alloc_options aopts = { .cache_dir = cache_dir, .skip = marks };
			double t0 = now();
			// What following held goes before the scan's own buffers
			// come: the read windows and the pending references, with
			// the scan's buffers, were the snapshot's peak on the
			// 10M-object benchmark (446.9 MB beyond the core, 437.8
			// when the scan ended, 402.5 once they were freed: issue
			// 12). The orphans the scan finds get new ones.
			bool parallel = pf != NULL;
			rh_prefollow_destroy(pf);
			pf = NULL;
			free(c.pending);
			c.pending = NULL;
			c.pending_cap = 0;
			c.prep = parallel ? prep_create(rt, s, jobs) : NULL;
			if (marks)
				mark_known(s, marks, c.prep ? c.prep->pool : NULL);
			err = rh_py_alloc_scan(rt, &aopts, &s->problems, on_block, &c, NULL);
			if (!err && !c.nomem && c.prep && c.prep->n)
				(void)prep_flush(&c);   /* nomem is in c.nomem */
			prep_destroy(c.prep);
			c.prep = NULL;
			if (err)
				goto out;
			if (c.nomem || !flush_blocks(&c))
				goto nomem;
			if (parallel && s->nobjects > i)
				pf = rh_prefollow_create(rt, jobs);
			t_scan += now() - t0;
			continue;
		}
		uint32_t end = s->nobjects - i > BATCH ? i + BATCH : s->nobjects;
		// A window pays for the threads' wake-up when it is big enough.
		if (pf && i >= rh_prefollow_end(pf))
			(void)rh_prefollow_window(pf, s, i, s->nobjects, PARALLEL_MIN);
		if (end + 1 > start_cap) {
			uint64_t cap = start_cap ? start_cap * 2 : 1u << 16;
			while (cap < (uint64_t)end + 1)
				cap *= 2;
			uint32_t *p = rh_big_realloc(s->edge_start, i * sizeof(*p),
						     cap * sizeof(*p));
			if (!p)
				goto nomem;
			s->edge_start = p;
			start_cap = cap;
			ahead->edge_start = p;
			ahead->start_cap = cap;
		}
		ahead_objects(ahead, s);
		ahead_edges(ahead, s);
		c.npending = 0;
		memset(counts, 0, sizeof(counts));
		for (uint32_t k = i; k < end && !c.full; k++) {
			size_t before = c.npending;
			// A count of zero or less is a dead object whose memory is
			// still held: 3.8-3.10 code objects keep their last frame
			// (co_zombieframe, Objects/frameobject.c) for reuse. Its
			// fields are stale pointers, not references.
			if (s->obj_refcnt[k] == 0)
				continue;
			// Bytes this object's references are read from (a
			// conservative scan reads at most BUDGET_OBJECT_MAX).
			uint64_t sz = rh_snapshot_size(s, k);
			c.budget.traversed += sz < BUDGET_OBJECT_MAX ? sz : BUDGET_OBJECT_MAX;
			if (c.budget.traversed > c.budget.max_traversed) {
				c.over = "bytes of objects to traverse";
				c.full = true;
				break;
			}
			c.interp = s->obj_interp[k];
			struct rh_error *rerr;
			if (!pf || !rh_prefollow_take(pf, k, on_ref, &c, &rerr))
				rerr = rh_py_referents(rt, s->obj_addr[k],
						       s->types[s->obj_type[k]].addr, on_ref, &c);
			if (c.nomem) {
				rh_error_destroy(rerr);
				goto nomem;
			}
			if (rerr) {
				if (unreadable++ < 20)
					rh_problems_add_error(&s->problems, rerr,
							      "references of %s object 0x%" PRIx64,
							      s->types[s->obj_type[k]].name,
							      s->obj_addr[k]);
				else
					rh_error_destroy(rerr);
			}
			counts[k - i] = (uint32_t)(c.npending - before);
		}
		// Two steps ahead of the lookups: the index slot of the
		// reference PF_SLOT on, the key named by the slot (prefetched
		// PF_SLOT - PF_KEY lookups ago) of the one PF_KEY on.
		size_t np = c.npending;
		for (size_t r = 0; r < PF_SLOT && r < np; r++)
			index_prefetch(s, c.pending[r].addr);
		for (size_t r = 0; r < PF_KEY && r < np; r++)
			(void)index_prefetch_key(s, c.pending[r].addr);
		size_t r = 0;
		for (uint32_t k = i; k < end; k++) {
			s->edge_start[k] = (uint32_t)s->nedges;
			for (uint32_t n = 0; n < counts[k - i] && !c.full; n++, r++) {
				if (r + PF_SLOT < np)
					index_prefetch(s, c.pending[r + PF_SLOT].addr);
				// A reference to an object not yet known is
				// resolved by reading the object's header.
				if (r + PF_KEY < np &&
				    !index_prefetch_key(s, c.pending[r + PF_KEY].addr))
					rh_py_object_prefetch(rt, c.pending[r + PF_KEY].addr);
				if (!resolve(&c, &c.pending[r]) && c.nomem)
					goto nomem;
			}
		}
		i = end;
		// A giant container's references (the 10M-object benchmark's
		// registry dict: 1.17M, 18.7 MB of pending_ref, read early)
		// do not stay resident for the rest of following.
		if (c.pending_cap > PENDING_KEEP) {
			free(c.pending);
			c.pending = NULL;
			c.pending_cap = 0;
		}
	}
	if (!s->edge_start) {
		s->edge_start = malloc(sizeof(*s->edge_start));
		if (!s->edge_start)
			goto nomem;
	}
	// Objects past where following stopped have no edges.
	for (uint32_t k = i; k < s->nobjects; k++)
		s->edge_start[k] = (uint32_t)s->nedges;
	s->edge_start[s->nobjects] = (uint32_t)s->nedges;
	if (c.over)
		rh_problems_add(&s->problems,
				"stopped following references: the heap claims more %s than "
				"a core of %" PRIu64 " readable bytes can hold (at most %" PRIu64
				" objects, %" PRIu64 " references, %" PRIu64 " bytes traversed); "
				"its objects are corrupt (see the other problems), so the graph "
				"is partial: %u objects, %" PRIu64 " references recorded",
				c.over, c.budget.bytes, c.budget.max_objects, c.budget.max_edges,
				c.budget.max_traversed, s->nobjects, s->nedges);
	else if (c.full)
		rh_problems_add(&s->problems,
				"more than %u references: the rest were not recorded",
				UINT32_MAX);
	if (c.dangling > 20)
		rh_problems_add(&s->problems, "%" PRIu64 " references in all were unreadable or to no object",
				c.dangling);
	if (unreadable > 20)
		rh_problems_add(&s->problems, "%" PRIu64 " objects in all had unreadable references",
				unreadable);
	s->have_graph = true;
	goto out;
nomem:
	err = rh_enomem;
out:
	rh_prefollow_destroy(pf);
	free(c.pending);
	s->seconds_alloc_scan = t_scan;
	return err;
}

/*
 * The interned-strings dict does not own its entries: CPython takes the
 * dict's two references back off each mortal interned string
 * (Objects/unicodeobject.c PyUnicode_InternInPlace 3.8-3.11,
 * intern_common 3.13: "The two references in interned dict (key and value)
 * are not counted by refcnt"; 3.12 makes them all immortal).
 */
static void mark_borrowed(struct rh_snapshot *s)
{
	for (size_t r = 0; r < s->nroots; r++) {
		if (s->roots[r].kind != RH_SNAP_ROOT_INTERNED || s->roots[r].conservative)
			continue;
		uint32_t o = s->roots[r].obj;
		for (uint32_t e = s->edge_start[o]; e < s->edge_start[o + 1]; e++)
			s->edges[e] |= RH_EDGE_BORROWED;
	}
}

static int cmp_range(const void *a, const void *b)
{
	const struct rh_image_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * An object in a module's static data starts with a count of its own:
 * PyVarObject_HEAD_INIT(type, 0) and PyModuleDef_HEAD_INIT write
 * ob_refcnt = 1 (Include/object.h, Include/moduleobject.h 3.8-3.11), a
 * static structseq type copies a template that has it (3.8
 * PyStructSequence_InitType2) or is Py_INCREF'd from zero (3.11
 * _PyStructSequence_InitType). Nothing ever releases that count: the
 * storage holds it. So each static object gets a root that owns one count
 * (the static-type roots of cpython/roots.c are marked, the others, found
 * only through references, such as a module's PyModuleDef, are added).
 * Immortal objects (3.12+ statics, 3.11 runtime singletons) are skipped:
 * their counts mean nothing.
 */
/*
 * 3.14.0-3.14.4's incremental collector untracks the young generation's
 * tuples that hold nothing trackable before every collection
 * (Python/gc.c untrack_tuples, called first by gc_collect_young,
 * gc_collect_increment and gc_collect_full): mark them, in list order (a
 * tuple of such tuples goes too, as in CPython's one pass), so that the
 * GC simulation leaves them out. The generational collector untracks
 * after deduce_unreachable(): nothing to mark.
 */
static struct rh_error *mark_gc_untracks(struct rh_snapshot *s, struct rh_py_runtime *rt)
{
	uint64_t *items = NULL;
	bool *tracked = NULL;
	size_t cap = 0;
	for (uint32_t i = 0; i < s->nobjects; i++) {
		if (s->obj_gen[i] != 0 || s->obj_interp[i] >= s->ninterps)
			continue;
		size_t in = s->obj_interp[i];
		size_t owner = s->interps[in].gc_owner < s->ninterps ? s->interps[in].gc_owner : in;
		if (s->interps[owner].gc.model != RH_SNAP_GC_INCREMENTAL)
			continue;
		if (strcmp(s->types[s->obj_type[i]].name, "tuple") != 0)
			continue;   // the exact type is checked by rh_py_tuple_gc_untracks
		uint32_t n = s->edge_start[i + 1] - s->edge_start[i];
		if (n > cap) {
			size_t ncap = n < 16 ? 16 : (size_t)n;
			uint64_t *ni = realloc(items, ncap * sizeof(*items));
			if (ni)
				items = ni;
			bool *nt = realloc(tracked, ncap * sizeof(*tracked));
			if (nt)
				tracked = nt;
			if (!ni || !nt) {
				free(items);
				free(tracked);
				return rh_enomem;
			}
			cap = ncap;
		}
		uint32_t k = 0;
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
			uint32_t w = s->edges[e];
			if (w & (RH_EDGE_OWNED | RH_EDGE_CONSERVATIVE))
				continue;
			uint32_t t = w & RH_EDGE_INDEX_MASK;
			if (t >= s->nobjects)
				continue;
			items[k] = s->obj_addr[t];
			tracked[k] = s->obj_gen[t] >= 0 && s->obj_gen[t] <= RH_SNAP_GEN_PERMANENT &&
				     !(s->obj_found[t] & RH_FOUND_GC_UNTRACKS);
			k++;
		}
		if (rh_py_tuple_gc_untracks(rt, s->obj_addr[i], s->types[s->obj_type[i]].addr,
					    items, tracked, k))
			s->obj_found[i] |= RH_FOUND_GC_UNTRACKS;
	}
	free(items);
	free(tracked);
	return NULL;
}

static struct rh_error *static_storage(struct rh_snapshot *s, struct rh_image *img)
{
	size_t nr = 0, cap = 0;
	struct rh_image_range *ranges = NULL;
	for (size_t m = 0; m < rh_image_module_count(img); m++) {
		const struct rh_image_range *r;
		size_t k = rh_image_module_writable_ranges(img, rh_image_module(img, m), &r);
		if (nr + k > cap) {
			size_t ncap = cap ? cap * 2 : 64;
			while (ncap < nr + k)
				ncap *= 2;
			struct rh_image_range *p = realloc(ranges, ncap * sizeof(*p));
			if (!p) {
				free(ranges);
				return rh_enomem;
			}
			ranges = p;
			cap = ncap;
		}
		// A module with no writable range (its file on disk is another
		// build than the core's) gives k = 0 and r = NULL: memcpy's
		// source must not be NULL even for 0 bytes.
		if (k)
			memcpy(ranges + nr, r, k * sizeof(*r));
		nr += k;
	}
	if (!nr) {
		free(ranges);
		return NULL;
	}
	qsort(ranges, nr, sizeof(*ranges), cmp_range);
	uint64_t lo = ranges[0].start, hi = ranges[nr - 1].end;

	// Objects that already have their own-storage root (static types).
	struct rh_u64map self;
	rh_u64map_init(&self);
	struct rh_error *err = NULL;
	for (size_t r = 0; r < s->nroots; r++) {
		struct rh_snap_root *root = &s->roots[r];
		if (root->kind != RH_SNAP_ROOT_STATIC || root->where != s->obj_addr[root->obj])
			continue;
		root->owned = s->obj_refcnt[root->obj] != RH_REFCNT_IMMORTAL;
		if (rh_u64map_insert(&self, root->obj, 1, NULL) < 0) {
			err = rh_enomem;
			goto out;
		}
	}
	for (uint32_t i = 0; i < s->nobjects; i++) {
		uint64_t a = s->obj_addr[i];
		uint32_t one;
		if (a < lo || a >= hi || s->obj_refcnt[i] == RH_REFCNT_IMMORTAL ||
		    s->obj_refcnt[i] == 0)
			continue;
		size_t l = 0, h = nr;   // the last range starting at or below a
		while (h - l > 1) {
			size_t mid = l + (h - l) / 2;
			if (ranges[mid].start <= a)
				l = mid;
			else
				h = mid;
		}
		if (a < ranges[l].start || a >= ranges[l].end || rh_u64map_find(&self, i, &one))
			continue;
		const struct rh_module *mod;
		const char *sym, *modname = "?";
		uint64_t off;
		char label[320];
		if (rh_image_symbolize(img, a, &mod, &sym, &off)) {
			modname = strrchr(mod->name, '/') ? strrchr(mod->name, '/') + 1 : mod->name;
			if (off)
				snprintf(label, sizeof(label), "static %s+0x%" PRIx64 " in %s",
					 sym, off, modname);
			else
				snprintf(label, sizeof(label), "static %s in %s", sym, modname);
		} else {
			snprintf(label, sizeof(label), "static object at 0x%" PRIx64, a);
		}
		struct rh_snap_root root = {
			.obj = i,
			.kind = RH_SNAP_ROOT_STATIC,
			.conservative = true,
			.owned = true,
			.name = rh_arena_intern(&s->arena, label, strlen(label)),
			.where = a,
		};
		if (!root.name || !push_root(s, &root)) {
			err = rh_enomem;
			goto out;
		}
		s->obj_found[i] |= RH_FOUND_ROOT;
	}
out:
	rh_u64map_deinit(&self);
	free(ranges);
	return err;
}

/* ------------------------------------------------------------------ */
/* Native memory: words of memory refheap does not type that point at    */
/* objects                                                               */

/* Holders named per object, at most, and words remembered per object. */
#define NATIVE_NAMED 4
#define NATIVE_HITS 256
/* Bytes of one allocation read, at most (a huge array is read in part). */
#define NATIVE_BLOCK_MAX (64u << 20)

struct native_hit {
	uint32_t cand;       /* index into the candidates */
	uint32_t holder;     /* object whose memory holds the word, or UINT32_MAX */
	uint8_t source;      /* enum rh_py_block_source */
	uint64_t word;       /* address of the word */
	uint64_t block, size;
};

/*
 * Blocks the allocator scan gives, read in batches on the pool's threads
 * (native_check_chunk), NATIVE_CHUNK blocks a task: a thread finds the
 * candidates' addresses in a block and the object the block holds, then
 * the main thread takes the blocks in scan order (native_count) and counts
 * their words as --jobs 1 does. On mypy's heap half the blocks hold such a
 * word (a mypyc object's fields are no references refheap counts, so what
 * they point at becomes a candidate), and finding each one's holder, three
 * index lookups, was 40% of this phase on the main thread (issue 12).
 *
 * Two batches take turns: the pool reads one while the main thread goes
 * on with the allocator scan into the other and counts the one before.
 * Run one after the other (scan, read, count), the batches made --jobs 2
 * slower than --jobs 1 on the 10M benchmark heap, whose 128 candidates
 * leave little to read: 0.24 s against 0.18 s for the scan (issue 12).
 */
#define NATIVE_BATCH 16384
#define NATIVE_CHUNK 256
#define NATIVE_CHUNKS (NATIVE_BATCH / NATIVE_CHUNK)
#define NATIVE_RING 2
/* Words a task keeps, at most; a block past that is read again in order. */
#define NATIVE_CHUNK_WORDS (1u << 16)

/* A candidate's address found at a block's byte off. */
struct native_word {
	uint32_t cand, off;
};

/* What a pool thread found in one block of the batch. */
enum {
	SEEN_NONE,    /* no candidate's address */
	SEEN_SKIP,    /* its holder's memory says nothing (holder_meaningful) */
	SEEN_WORDS,   /* words first..first+n of its task's buffer */
	SEEN_REDO,    /* unreadable part, or too many words: the main thread reads it */
};

struct native_seen {
	uint32_t holder;
	uint32_t first, n;
	uint8_t state;
};

struct native_words_buf {
	struct native_word *w;
	uint32_t n, cap;
};

struct native_ctx;

/* One batch of blocks and what the pool found in them. */
struct native_batch {
	const struct native_ctx *c;
	struct rh_py_block *blocks;
	struct native_seen *seen;
	struct native_words_buf found[NATIVE_CHUNKS];
	uint32_t n;
};

struct native_ctx {
	struct rh_pool *pool;   /* reads a batch of blocks (native_check_chunk) */
	struct native_batch batch[NATIVE_RING];
	int fill;               /* the batch the scan fills */
	int reading;            /* the batch the pool reads, or -1 */
	struct rh_snapshot *s;
	struct rh_py_runtime *rt;
	struct rh_target *t;
	/* objects whose refcount exceeds the references counted: addr -> candidate */
	struct rh_u64map cand;
	uint32_t *cand_obj;     /* candidate -> object index */
	uint32_t *words;        /* candidate -> words found (saturating) */
	uint64_t lo, hi;        /* address range of the candidates */
	/*
	 * A one-hash Bloom filter of the candidates' addresses (1 << filter_bits
	 * bits, >= 16 per candidate): most words of the heap are pointers
	 * inside [lo, hi] to objects that are not candidates, and one bit
	 * test turns them away where a probe of `cand` missed the cache.
	 */
	uint64_t *filter;
	unsigned filter_bits;
	/* per snapshot type: 1 scan its objects, 2 do not (filled first) */
	uint8_t *type_scan;
	uint64_t offs[RH_PY_BLOCK_OFFSETS];   /* where a block's object may start */
	struct native_hit *hits;
	size_t nhits, hits_cap;
	uint64_t buf[4096];
	bool nomem;
};

/*
 * Whether the memory of object i says anything about what it holds. A
 * dead object (refcount 0: a free list's, a 3.8-3.10 zombie frame) holds
 * nothing; frames and generators keep stale words past their stack top
 * (rh_py_type_has_stale_slots).
 */
static bool holder_meaningful(const struct native_ctx *c, uint32_t i)
{
	const struct rh_snapshot *s = c->s;
	return s->obj_refcnt[i] != 0 && c->type_scan[s->obj_type[i]] == 1;
}

/*
 * The object block b holds, if any, or UINT32_MAX: it starts at the
 * block, after the PyGC_Head, or after the managed pre-header too (an
 * offset is tried only when a header fits after it: past the block is
 * the next block). Only reads: the pool's threads call it.
 */
static uint32_t native_holder(const struct native_ctx *c, const struct rh_py_block *b)
{
	uint32_t idx;
	for (size_t k = 0; k < RH_PY_BLOCK_OFFSETS; k++)
		if (c->offs[k] + 16 <= b->size &&
		    index_find(c->s, b->addr + c->offs[k], &idx))
			return idx;
	return UINT32_MAX;
}

static inline uint64_t filter_bit(const struct native_ctx *c, uint64_t w)
{
	return (w * 0x9E3779B97F4A7C15ULL) >> (64 - c->filter_bits);
}

/* Whether word w is the address of a candidate (c->cand). */
static inline bool native_cand(const struct native_ctx *c, uint64_t w, uint32_t *cand)
{
	if (w < c->lo || w > c->hi || (w & 7))
		return false;
	uint64_t b = filter_bit(c, w);
	return (c->filter[b / 64] >> (b % 64) & 1) && rh_u64map_find(&c->cand, w, cand);
}

/*
 * Whether the block at addr holds a candidate's address anywhere in its
 * first `size` bytes. Most blocks hold none: they are let go after one
 * sequential read, before the random probes that find their holder.
 */
static bool native_any(const struct native_ctx *c, uint64_t addr, uint64_t size)
{
	// Its own buffer: the pool's threads call it too (native_check, a
	// block not viewed in place); it only reads the target and the map.
	uint64_t buf[512];
	// In place when the target has the block mapped (a core): the scan
	// reads every block in use, and copying them all was most of its cost.
	const unsigned char *view = size ? rh_target_view(c->t, addr, size) : NULL;
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		size_t len = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		const unsigned char *p = view ? view + off : (const unsigned char *)buf;
		if (!view) {
			struct rh_error *err = rh_target_read(c->t, addr + off, buf, len);
			if (err) {
				// native_block reads it again and stops at the same hole
				rh_error_destroy(err);
				return true;
			}
		}
		uint32_t cand;
		for (size_t k = 0; k < len / 8; k++) {
			uint64_t w;
			memcpy(&w, p + k * 8, 8);
			if (native_cand(c, w, &cand))
				return true;
		}
	}
	return false;
}

static uint64_t native_size(const struct rh_py_block *b)
{
	uint64_t size = b->size < NATIVE_BLOCK_MAX ? b->size : NATIVE_BLOCK_MAX;
	return size & ~(uint64_t)7;
}

/*
 * Word `word` of block b (holder: the object b holds, or UINT32_MAX) is
 * candidate cand's address: counted, and remembered up to NATIVE_HITS a
 * candidate. False on no memory.
 */
static bool note_hit(struct native_ctx *c, uint32_t cand, uint32_t holder,
		     const struct rh_py_block *b, uint64_t word)
{
	if (c->words[cand] != UINT32_MAX)
		c->words[cand]++;
	// Past NATIVE_HITS a candidate, or 2^32 in all (runs and sort_hits
	// number them in 32 bits), words are counted, not remembered.
	if (c->words[cand] > NATIVE_HITS || c->nhits >= UINT32_MAX - 1)
		return true;
	if (c->nhits == c->hits_cap) {
		size_t cap = c->hits_cap ? c->hits_cap * 2 : 4096;
		struct native_hit *p = realloc(c->hits, cap * sizeof(*p));
		if (!p) {
			c->nomem = true;
			return false;
		}
		c->hits = p;
		c->hits_cap = cap;
	}
	c->hits[c->nhits++] = (struct native_hit){
		.cand = cand, .holder = holder, .source = (uint8_t)b->source,
		.word = word, .block = b->addr, .size = b->size,
	};
	return true;
}

/* Block b, known to hold a candidate's address (or an unreadable part). */
static int native_hit_block(struct native_ctx *c, const struct rh_py_block *b)
{
	uint64_t size = native_size(b);
	// Its object's words are scanned as well: a field its tp_traverse
	// does not visit (or refheap's copy of it misses) is a holder too.
	uint32_t holder = native_holder(c, b);
	if (holder != UINT32_MAX && !holder_meaningful(c, holder))
		return 0;
	for (uint64_t off = 0; off < size; off += sizeof(c->buf)) {
		size_t len = size - off < sizeof(c->buf) ? (size_t)(size - off) : sizeof(c->buf);
		struct rh_error *err = rh_target_read(c->t, b->addr + off, c->buf, len);
		if (err) {
			// The allocator scan vouched for the block; a hole in the
			// core only hides holders, which the verdict then lacks.
			rh_error_destroy(err);
			return 0;
		}
		for (size_t k = 0; k < len / 8; k++) {
			uint32_t cand;
			if (native_cand(c, c->buf[k], &cand) &&
			    !note_hit(c, cand, holder, b, b->addr + off + k * 8))
				return 1;
		}
	}
	return 0;
}

/*
 * native_hit_block's reading of one block, on a pool thread: the
 * candidates' addresses it holds go to the task's buffer, to be counted
 * in order by native_flush. Where that would differ from reading the block
 * there (a part the core lacks) or would keep too much, SEEN_REDO leaves
 * the block to the main thread.
 */
static void native_check(const struct native_ctx *c, const struct rh_py_block *b,
			 struct native_words_buf *f, struct native_seen *seen)
{
	uint64_t size = native_size(b);
	seen->first = f->n;
	seen->n = 0;
	seen->state = SEEN_NONE;
	const unsigned char *view = size ? rh_target_view(c->t, b->addr, size) : NULL;
	if (size && !view) {
		if (native_any(c, b->addr, size))
			seen->state = SEEN_REDO;
		return;
	}
	for (uint64_t off = 0; off < size; off += 8) {
		uint64_t w;
		uint32_t cand;
		memcpy(&w, view + off, 8);
		if (!native_cand(c, w, &cand))
			continue;
		if (f->n == f->cap) {
			uint32_t cap = f->cap ? f->cap * 2 : 1024;
			struct native_word *p = cap <= NATIVE_CHUNK_WORDS
						? realloc(f->w, cap * sizeof(*p)) : NULL;
			if (!p) {
				f->n = seen->first;
				seen->state = SEEN_REDO;
				return;
			}
			f->w = p;
			f->cap = cap;
		}
		f->w[f->n++] = (struct native_word){ cand, (uint32_t)off };
	}
	seen->n = f->n - seen->first;
	if (seen->n)
		seen->state = SEEN_WORDS;   /* its holder is looked up next */
}

/* Blocks whose holders are looked up ahead of the one looked up. */
#define HOLDER_AHEAD 8

/* Prefetch what native_holder will read of block b: the index slots, then (key) the keys. */
static inline void holder_prefetch(const struct native_ctx *c, const struct rh_py_block *b,
				   bool key)
{
	for (size_t k = 0; k < RH_PY_BLOCK_OFFSETS; k++) {
		if (c->offs[k] + 16 > b->size)
			continue;
		if (key)
			(void)index_prefetch_key(c->s, b->addr + c->offs[k]);
		else
			index_prefetch(c->s, b->addr + c->offs[k]);
	}
}

/*
 * A task: its blocks' words first, then the holders of the blocks that
 * have candidate words, the lookups of the next ones prefetched (one
 * lookup waiting on memory after another was most of this phase).
 */
static void native_check_chunk(void *arg, uint32_t chunk)
{
	struct native_batch *nb = arg;
	const struct native_ctx *c = nb->c;
	struct native_words_buf *f = &nb->found[chunk];
	uint32_t lo = chunk * NATIVE_CHUNK;
	uint32_t hi = nb->n - lo > NATIVE_CHUNK ? lo + NATIVE_CHUNK : nb->n;
	uint32_t need[NATIVE_CHUNK], nneed = 0;
	f->n = 0;
	for (uint32_t i = lo; i < hi; i++) {
		native_check(c, &nb->blocks[i], f, &nb->seen[i]);
		if (nb->seen[i].state == SEEN_WORDS)
			need[nneed++] = i;
	}
	for (uint32_t j = 0; j < nneed && j < HOLDER_AHEAD; j++)
		holder_prefetch(c, &nb->blocks[need[j]], false);
	for (uint32_t j = 0; j < nneed; j++) {
		if (j + HOLDER_AHEAD < nneed)
			holder_prefetch(c, &nb->blocks[need[j + HOLDER_AHEAD]], false);
		if (j + HOLDER_AHEAD / 2 < nneed)
			holder_prefetch(c, &nb->blocks[need[j + HOLDER_AHEAD / 2]], true);
		struct native_seen *seen = &nb->seen[need[j]];
		seen->holder = native_holder(c, &nb->blocks[need[j]]);
		// Its words stay in the buffer, unread.
		if (seen->holder != UINT32_MAX && !holder_meaningful(c, seen->holder))
			seen->state = SEEN_SKIP;
	}
}

/*
 * The blocks of a batch the pool has read, counted in scan order (the
 * main thread's alone: note_hit writes c->words and c->hits, which the
 * pool's threads never read).
 */
static int native_count(struct native_ctx *c, struct native_batch *nb)
{
	uint32_t n = nb->n;
	nb->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct native_seen *seen = &nb->seen[i];
		const struct rh_py_block *b = &nb->blocks[i];
		if (seen->state == SEEN_REDO) {
			if (native_hit_block(c, b))
				return 1;
		} else if (seen->state == SEEN_WORDS) {
			const struct native_word *w = nb->found[i / NATIVE_CHUNK].w + seen->first;
			for (uint32_t k = 0; k < seen->n; k++)
				if (!note_hit(c, w[k].cand, seen->holder, b, b->addr + w[k].off))
					return 1;
		}
	}
	return 0;
}

/* Wait for the pool's batch, if any, and count it. */
static int native_drain(struct native_ctx *c)
{
	int r = c->reading;
	if (r < 0)
		return 0;
	rh_pool_wait(c->pool, true);
	c->reading = -1;
	return c->nomem ? 1 : native_count(c, &c->batch[r]);
}

/*
 * The batch being filled goes to the pool; the one the pool read before
 * is counted meanwhile, and the scan then fills it again. With `last`,
 * the pool's batch is waited for and counted too. Batches are counted in
 * the order they were filled, so the hits come out as with --jobs 1.
 */
static int native_flush(struct native_ctx *c, bool last)
{
	int prev = c->reading;
	if (prev >= 0)
		rh_pool_wait(c->pool, true);
	c->reading = -1;
	struct native_batch *nb = &c->batch[c->fill];
	if (nb->n) {
		rh_pool_start(c->pool, native_check_chunk, nb,
			      (nb->n + NATIVE_CHUNK - 1) / NATIVE_CHUNK);
		c->reading = c->fill;
	}
	int stop = prev >= 0 ? native_count(c, &c->batch[prev]) : 0;
	c->fill = (c->fill + 1) % NATIVE_RING;
	if (stop || last)
		return native_drain(c) || stop;
	return 0;
}

static int native_block(void *arg, const struct rh_py_block *b)
{
	struct native_ctx *c = arg;
	if (!c->pool)
		return native_any(c, b->addr, native_size(b)) ? native_hit_block(c, b) : 0;
	struct native_batch *nb = &c->batch[c->fill];
	copy_block(&nb->blocks[nb->n++], b);
	return nb->n == NATIVE_BATCH ? native_flush(c, false) : 0;
}

static int hit_cmp(const void *x, const void *y)
{
	const struct native_hit *a = x, *b = y;
	if (a->cand != b->cand)
		return a->cand < b->cand ? -1 : 1;
	if (a->holder != b->holder)
		return a->holder < b->holder ? -1 : 1;
	if (a->word != b->word)
		return a->word < b->word ? -1 : 1;
	// The same word twice (blocks that overlap in a corrupt heap): any
	// order is right, one order keeps the output the same on every run.
	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return (a->source > b->source) - (a->source < b->source);
}

/*
 * The hits in hit_cmp's order: placed by candidate in place (the
 * candidates are numbered: a counting sort that swaps each hit into its
 * candidate's part), then each candidate's hits sorted, NATIVE_HITS at
 * most (note_hit). A qsort of them all was a fifth of this phase on
 * mypy's heap, half a million hits (issue 12). False on no memory.
 */
static bool sort_hits(struct native_ctx *c, uint32_t ncand)
{
	if (c->nhits < 2)
		return true;
	uint32_t *head = calloc((size_t)ncand + 1, sizeof(*head));
	uint32_t *end = malloc(((size_t)ncand + 1) * sizeof(*end));
	if (!head || !end) {
		free(head);
		free(end);
		return false;
	}
	struct native_hit *h = c->hits;
	for (size_t k = 0; k < c->nhits; k++)
		head[h[k].cand + 1]++;
	for (uint32_t k = 0; k < ncand; k++)
		head[k + 1] += head[k];
	for (uint32_t k = 0; k < ncand; k++)
		end[k] = head[k + 1];
	for (uint32_t k = 0; k < ncand; k++) {
		uint32_t from = k ? end[k - 1] : 0;
		// Each swap puts one hit where it belongs: linear in all.
		while (head[k] < end[k]) {
			uint32_t d = h[head[k]].cand;
			if (d == k) {
				head[k]++;
				continue;
			}
			struct native_hit tmp = h[head[d]];
			h[head[d]++] = h[head[k]];
			h[head[k]] = tmp;
		}
		if (end[k] - from > 1)
			qsort(h + from, end[k] - from, sizeof(*h), hit_cmp);
	}
	free(head);
	free(end);
	return true;
}

/* The hits one holder (or untyped memory) has at one candidate, in hits order. */
struct hit_run {
	uint32_t first, n;   /* hits[first, first + n) */
	uint32_t edges;      /* typed: the references from the holder to the candidate */
};

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

/*
 * Each typed run's edges: the references its holder has to its candidate
 * that the snapshot holds, conservative ones too (an object of an unknown
 * type was scanned word by word already, and its conservative edges are
 * the audit's evidence: analysis/reach.c). Each holder's references are
 * read once, for all its runs: counted per run, a tuple of a million
 * candidates read its million references a million times. False on no
 * memory.
 */
static bool run_edges(struct native_ctx *c, struct hit_run *runs, uint32_t nruns,
		      uint32_t ncand)
{
	const struct rh_snapshot *s = c->s;
	uint32_t ntyped = 0;
	for (uint32_t r = 0; r < nruns; r++)
		ntyped += c->hits[runs[r].first].holder != UINT32_MAX;
	if (!ntyped)
		return true;
	// (holder << 32 | run), sorted: the runs of each holder together
	uint64_t *by = malloc(ntyped * sizeof(*by));
	uint32_t *stamp = calloc(ncand, sizeof(*stamp));
	uint32_t *count = malloc(ncand * sizeof(*count));
	if (!by || !stamp || !count) {
		free(by);
		free(stamp);
		free(count);
		return false;
	}
	ntyped = 0;
	for (uint32_t r = 0; r < nruns; r++)
		if (c->hits[runs[r].first].holder != UINT32_MAX)
			by[ntyped++] = (uint64_t)c->hits[runs[r].first].holder << 32 | r;
	qsort(by, ntyped, sizeof(*by), u64_cmp);
	for (uint32_t g = 0, next; g < ntyped; g = next) {
		uint32_t holder = (uint32_t)(by[g] >> 32);
		for (next = g; next < ntyped && (uint32_t)(by[next] >> 32) == holder; next++) {
			uint32_t cand = c->hits[runs[(uint32_t)by[next]].first].cand;
			stamp[cand] = g + 1;
			count[cand] = 0;
		}
		for (uint32_t e = s->edge_start[holder]; e < s->edge_start[holder + 1]; e++) {
			uint32_t to = s->edges[e] & RH_EDGE_INDEX_MASK, cand;
			if (to < s->nobjects && native_cand(c, s->obj_addr[to], &cand) &&
			    stamp[cand] == g + 1)
				count[cand]++;
		}
		for (uint32_t k = g; k < next; k++) {
			struct hit_run *run = &runs[(uint32_t)by[k]];
			run->edges = count[c->hits[run->first].cand];
		}
	}
	free(by);
	free(stamp);
	free(count);
	return true;
}

/*
 * Evidence for the refcount audit, gathered here because analyses never
 * read the target. For each object whose refcount exceeds the references
 * the snapshot counts (incoming non-conservative, non-borrowed edges plus
 * owned roots, as analysis/reach.c counts them), the words that point at
 * its start in every pymalloc block and malloc chunk in use, and in the
 * objects in modules' static data. Two kinds of word are told apart:
 *
 *  - A word inside a live object beyond the references refheap reads
 *    from that object (more words of holder H point at X than H has
 *    edges to X): a field H's tp_traverse does not visit, or that
 *    refheap's copy misses (a structseq's hidden fields, 3.8-3.11
 *    structseq_traverse visits only Py_SIZE; a PyModuleDef's m_copy).
 *    It is evidence that H holds X: a root of kind RH_SNAP_ROOT_NATIVE,
 *    which the audit counts (verdict held-by-native). Dead objects and
 *    frames' stale stacks are not read.
 *  - A word in memory that holds no object (malloc'd C structures: a
 *    PyArena, a thread's bootstate; but also the out-of-line storage of
 *    known objects: a list's items, a dict's keys, and freed-then-reused
 *    chunks whose tails still hold old pointers). Nothing tells a live
 *    word there from a stale one: when such words outnumber the counted
 *    references, they are named as candidate holders (a root of kind
 *    RH_SNAP_ROOT_MEMORY) without changing the verdict. A planted
 *    Py_IncRef leak often has one (samples/orphans.py: a reused PyArena
 *    block's old constant, on 3.11).
 *
 * At most NATIVE_NAMED roots per object. Linear: one pass over the edges,
 * one allocator scan reading each block once, a sort of the hits.
 */
static struct rh_error *native_words(struct rh_snapshot *s, struct rh_py_runtime *rt,
				     struct rh_target *t, const char *cache_dir, uint32_t jobs)
{
	uint32_t n = s->nobjects;
	struct native_ctx *c = calloc(1, sizeof(*c));
	/*
	 * References counted per object, 16 bits (saturating): this array
	 * is the largest of this phase and, with the snapshot complete, its
	 * peak (2 bytes an object rather than 4). The few objects whose
	 * count saturates and whose refcount is above it (a type's
	 * instances, small ints) are counted exactly in `over`: object
	 * index + 1 (a key is never 0) -> position in over_count. Only the
	 * candidates' counts are kept past the allocator scan
	 * (cand_counted).
	 */
	uint16_t *counted = rh_big_calloc(n ? n : 1, sizeof(*counted));
	struct rh_u64map over;
	rh_u64map_init(&over);
	uint32_t *over_count = NULL, *cand_counted = NULL;
	uint8_t *named = NULL;
	struct hit_run *runs = NULL;
	struct rh_error *err = NULL;
	if (!c || !counted) {
		free(c);
		free(counted);
		return rh_enomem;
	}
	rh_u64map_init(&c->cand);
	c->s = s;
	c->rt = rt;
	c->t = t;
	c->type_scan = calloc(s->ntypes ? s->ntypes : 1, 1);
	if (!c->type_scan)
		goto nomem;
	// Filled here, for the pool's threads only read (the type's lookup
	// may fill the runtime's lazy tables).
	for (uint32_t i = 0; i < s->ntypes; i++)
		c->type_scan[i] = rh_py_type_has_stale_slots(rt, s->types[i].addr) ? 2 : 1;
	rh_py_block_offsets(rt, c->offs);
	// Pass 0 counts in `counted`; pass 1, if any object saturated it
	// with a refcount above, counts those exactly.
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			uint32_t nover = 0;
			for (uint32_t i = 0; i < n; i++)
				if (counted[i] == UINT16_MAX && s->obj_refcnt[i] > UINT16_MAX &&
				    s->obj_refcnt[i] != RH_REFCNT_IMMORTAL) {
					if (rh_u64map_insert(&over, (uint64_t)i + 1, nover, NULL) < 0)
						goto nomem;
					nover++;
				}
			if (!nover)
				break;
			over_count = calloc(nover, sizeof(*over_count));
			if (!over_count)
				goto nomem;
		}
		for (uint64_t e = 0; e < s->nedges; e++) {
			uint32_t w = s->edges[e], to = w & RH_EDGE_INDEX_MASK;
			if (to >= n || (w & (RH_EDGE_CONSERVATIVE | RH_EDGE_BORROWED)))
				continue;
			if (pass == 0) {
				if (counted[to] != UINT16_MAX)
					counted[to]++;
			} else {
				uint32_t k;
				if (counted[to] == UINT16_MAX && rh_u64map_find(&over, (uint64_t)to + 1, &k) &&
				    over_count[k] != UINT32_MAX)
					over_count[k]++;
			}
		}
		// Owned root slots explain counts too (and may sit in untyped
		// memory themselves: a thread state is malloc'd).
		for (size_t r = 0; r < s->nroots; r++) {
			uint32_t to = s->roots[r].obj, k;
			if (!s->roots[r].owned || to >= n)
				continue;
			if (pass == 0) {
				if (counted[to] != UINT16_MAX)
					counted[to]++;
			} else if (counted[to] == UINT16_MAX && rh_u64map_find(&over, (uint64_t)to + 1, &k) &&
				   over_count[k] != UINT32_MAX) {
				over_count[k]++;
			}
		}
	}
	uint32_t ncand = 0;
	for (int pass = 0; pass < 2; pass++) {
		// Pass 0 counts the candidates, pass 1 records them.
		ncand = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (s->obj_refcnt[i] == 0 || s->obj_refcnt[i] == RH_REFCNT_IMMORTAL)
				continue;
			uint32_t got = counted[i], k;
			if (got == UINT16_MAX && over_count && rh_u64map_find(&over, (uint64_t)i + 1, &k))
				got = over_count[k];
			if (s->obj_refcnt[i] <= got)
				continue;
			if (pass == 1) {
				cand_counted[ncand] = got;
				c->cand_obj[ncand] = i;
				if (rh_u64map_insert(&c->cand, s->obj_addr[i], ncand, NULL) < 0)
					goto nomem;
				uint64_t b = filter_bit(c, s->obj_addr[i]);
				c->filter[b / 64] |= 1ULL << (b % 64);
				if (s->obj_addr[i] < c->lo || !c->lo)
					c->lo = s->obj_addr[i];
				if (s->obj_addr[i] > c->hi)
					c->hi = s->obj_addr[i];
			}
			ncand++;
		}
		if (pass == 0) {
			if (!ncand)
				goto out;
			c->cand_obj = rh_big_malloc(ncand * sizeof(*c->cand_obj));
			cand_counted = rh_big_malloc(ncand * sizeof(*cand_counted));
			c->words = rh_big_calloc(ncand, sizeof(*c->words));
			c->filter_bits = 12;
			while (c->filter_bits < 40 && (1ULL << c->filter_bits) < (uint64_t)ncand * 16)
				c->filter_bits++;
			c->filter = rh_big_calloc((1ULL << c->filter_bits) / 64, sizeof(*c->filter));
			if (!c->cand_obj || !cand_counted || !c->words || !c->filter ||
			    !rh_u64map_reserve(&c->cand, ncand))
				goto nomem;
		}
	}
	// The per-object counts are not needed past here: freed before the
	// allocator scan's own buffers.
	free(counted);
	counted = NULL;
	rh_u64map_deinit(&over);
	free(over_count);
	over_count = NULL;
	struct rh_py_alloc_options aopts = { .cache_dir = cache_dir };
	struct rh_problems quiet;   // the first scan reported its problems
	rh_problems_init(&quiet);
	// Blocks are checked in batches on `jobs` threads (the target must
	// be one several threads can read: cpython/runtime.h).
	// The threads look holders up in the index: not once it is let go
	// (find_dropped rebuilds it).
	c->reading = -1;
	if (jobs > 1 && rh_py_workers_allowed(rt) && !s->index_dropped) {
		bool ok = true;
		for (int k = 0; k < NATIVE_RING; k++) {
			struct native_batch *nb = &c->batch[k];
			nb->c = c;
			nb->blocks = rh_big_malloc(NATIVE_BATCH * sizeof(*nb->blocks));
			nb->seen = rh_big_malloc(NATIVE_BATCH * sizeof(*nb->seen));
			ok = ok && nb->blocks && nb->seen;
		}
		c->pool = ok ? rh_pool_create(jobs) : NULL;
	}
	err = rh_py_alloc_scan(rt, &aopts, &quiet, native_block, c, NULL);
	if (c->pool) {
		// After an error or no memory too: the pool's batch is waited for.
		if (!err && !c->nomem)
			(void)native_flush(c, true);   /* nomem is in c->nomem */
		else if (native_drain(c))
			c->nomem = true;
	}
	rh_problems_deinit(&quiet);
	rh_pool_destroy(c->pool);
	c->pool = NULL;
	for (int k = 0; k < NATIVE_RING; k++) {
		struct native_batch *nb = &c->batch[k];
		free(nb->blocks);
		free(nb->seen);
		for (size_t j = 0; j < NATIVE_CHUNKS; j++)
			free(nb->found[j].w);
		*nb = (struct native_batch){ 0 };
	}
	if (err)
		goto out;
	// Objects in a module's static data are in no allocator block, and
	// their fields hold references too: a PyModuleDef's m_copy (the
	// module dict a single-phase extension keeps, Python/import.c
	// _PyImport_FixupExtensionObject), a static type's slots. Their
	// own-storage roots (static_storage) name them.
	for (size_t r = 0; r < s->nroots && !c->nomem; r++) {
		const struct rh_snap_root *root = &s->roots[r];
		if (root->kind != RH_SNAP_ROOT_STATIC || root->obj >= n ||
		    root->where != s->obj_addr[root->obj])
			continue;
		uint64_t size = rh_snapshot_size(s, root->obj);
		struct rh_py_block b = {
			.addr = root->where, .size = size < 65536 ? size : 65536,
			.source = RH_BLOCK_MALLOC,
		};
		if (native_any(c, b.addr, native_size(&b)))
			native_hit_block(c, &b);
	}
	if (c->nomem)
		goto nomem;
	if (!sort_hits(c, ncand))
		goto nomem;
	named = calloc(ncand, 1);
	if (!named)
		goto nomem;
	// The runs: each holder's (or untyped memory's) words at a candidate.
	// c->hits has fewer than UINT32_MAX hits (NATIVE_HITS a candidate).
	uint32_t nruns = 0;
	runs = malloc((c->nhits ? c->nhits : 1) * sizeof(*runs));
	if (!runs)
		goto nomem;
	for (size_t h = 0, next; h < c->nhits; h = next) {
		for (next = h + 1; next < c->nhits && c->hits[next].cand == c->hits[h].cand &&
				   c->hits[next].holder == c->hits[h].holder; next++)
			;
		runs[nruns++] = (struct hit_run){ .first = (uint32_t)h, .n = (uint32_t)(next - h) };
	}
	if (!run_edges(c, runs, nruns, ncand))
		goto nomem;
	for (uint32_t r = 0; r < nruns; r++) {
		const struct native_hit *hit = &c->hits[runs[r].first];
		uint32_t i = c->cand_obj[hit->cand];
		uint32_t run = runs[r].n;
		size_t next = runs[r].first + run;
		bool typed = hit->holder != UINT32_MAX;
		if (typed ? run <= runs[r].edges : c->words[hit->cand] <= cand_counted[hit->cand])
			continue;
		// Typed words beyond the holder's edges: the last ones (the
		// holder's edges come first in its memory more often than not;
		// either way the holder is the same).
		size_t first = typed ? next - (run - runs[r].edges) : runs[r].first;
		for (size_t k = first; k < next && named[hit->cand] < NATIVE_NAMED; k++) {
			const struct native_hit *x = &c->hits[k];
			char label[320];
			if (!typed)
				snprintf(label, sizeof(label), "%s 0x%" PRIx64 " (%" PRIu64
					 " bytes), word +0x%" PRIx64,
					 x->source == RH_BLOCK_PYMALLOC ? "pymalloc block" : "malloc chunk",
					 x->block, x->size, x->word - x->block);
			else if (x->word >= s->obj_addr[x->holder])
				snprintf(label, sizeof(label), "field +0x%" PRIx64 " of %.200s object 0x%"
					 PRIx64, x->word - s->obj_addr[x->holder],
					 s->types[s->obj_type[x->holder]].name, s->obj_addr[x->holder]);
			else
				snprintf(label, sizeof(label), "pre-header of %.200s object 0x%" PRIx64,
					 s->types[s->obj_type[x->holder]].name, s->obj_addr[x->holder]);
			struct rh_snap_root root = {
				.obj = i,
				.kind = typed ? RH_SNAP_ROOT_NATIVE : RH_SNAP_ROOT_MEMORY,
				.conservative = true,
				.name = rh_arena_intern(&s->arena, label, strlen(label)),
				.where = x->word,
			};
			if (!root.name || !push_root(s, &root))
				goto nomem;
			named[hit->cand]++;
		}
	}
	goto out;
nomem:
	err = rh_enomem;
out:
	rh_u64map_deinit(&c->cand);
	free(c->filter);
	free(named);
	free(c->type_scan);
	free(c->cand_obj);
	free(c->words);
	free(c->hits);
	free(c);
	free(counted);
	rh_u64map_deinit(&over);
	free(over_count);
	free(cand_counted);
	free(runs);
	return err;
}

static const char *intern(struct rh_snapshot *s, const char *str)
{
	return str ? rh_arena_intern(&s->arena, str, strlen(str)) : NULL;
}

static struct rh_error *copy_runtime(struct rh_snapshot *s, struct rh_target *t,
				     struct rh_py_runtime *rt)
{
	const struct rh_py_info *info = rh_py_runtime_info(rt);
	s->target_name = intern(s, rh_target_name(t));
	s->live = rh_target_kind(t) == RH_TARGET_LIVE;
	s->pid = (int)rh_target_pid(t);
	s->python_version = intern(s, info->version);
	s->python_version_hex = info->version_hex;
	s->python_module = intern(s, info->module->name);
	s->build_id = intern(s, info->module->build_id);
	s->debug_file = intern(s, info->module->debug_path ? info->module->debug_path : "");
	s->layouts_from_cache = info->layouts_from_cache;
	s->debug_offsets_checked = info->debug_offsets_checked;
	if (!s->target_name || !s->python_version || !s->python_module ||
	    !s->build_id || !s->debug_file)
		return rh_enomem;

	size_t n = rh_py_interp_count(rt);
	s->interps = calloc(n ? n : 1, sizeof(*s->interps));
	if (!s->interps)
		return rh_enomem;
	for (size_t i = 0; i < n; i++) {
		const struct rh_py_interp *in = rh_py_interp(rt, i);
		struct rh_snap_interp *out = &s->interps[i];
		out->addr = in->addr;
		out->id = in->id;
		out->main = in->main;
		out->gc_owner = i;
		// 3.8 keeps one GC state for the runtime: its lists are walked
		// once, through the first interpreter.
		for (size_t j = 0; j < i; j++)
			if (rh_py_interp(rt, j)->gc.addr == in->gc.addr) {
				out->gc_owner = j;
				break;
			}
		out->gc = (struct rh_snap_gc){
			.enabled = in->gc.enabled,
			.collecting = in->gc.collecting,
			.garbage_len = in->gc.garbage_len,
			.garbage_addr = in->gc.garbage_addr,
			.have_long_lived = in->gc.have_long_lived,
			.long_lived_total = in->gc.long_lived_total,
			.long_lived_pending = in->gc.long_lived_pending,
			.runtime_wide = in->gc.runtime_wide,
			.model = in->gc.model == RH_PY_GC_INCREMENTAL ? RH_SNAP_GC_INCREMENTAL
								      : RH_SNAP_GC_GENERATIONAL,
			.visited_space = (int8_t)in->gc.visited_space,
			.phase = (int8_t)in->gc.phase,
			.work_to_do = in->gc.work_to_do,
			.heap_size = in->gc.heap_size,
		};
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			out->gc.gens[g].threshold = in->gc.gens[g].threshold;
			out->gc.gens[g].count = in->gc.gens[g].count;
		}
		if (in->nthreads) {
			out->threads = calloc(in->nthreads, sizeof(*out->threads));
			if (!out->threads)
				return rh_enomem;
			for (size_t k = 0; k < in->nthreads; k++)
				out->threads[k] = (struct rh_snap_thread){
					.addr = in->threads[k].addr,
					.thread_id = in->threads[k].thread_id,
					.native_thread_id = in->threads[k].native_thread_id,
				};
			out->nthreads = in->nthreads;
		}
		s->ninterps++;
	}
	return NULL;
}

struct rh_error *rh_snapshot_create(struct rh_target *t, struct rh_image *img,
				    const struct rh_snapshot_options *opts,
				    struct rh_snapshot **ret)
{
	struct rh_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return rh_enomem;
	struct ahead ahead = { 0 };
	struct rh_py_block_marks *marks = NULL;   /* reserve_index's, for follow_references */
	rh_problems_init(&s->problems);
	rh_arena_init(&s->arena);
	rh_u64map_init(&s->type_index);
	// The core's pages, all at once (untimed, as when the core was opened).
	rh_target_populate(t);

	double t0 = now();
	uint32_t jobs = rh_pool_default_jobs(opts ? opts->jobs : 0);
	// From the start: the helper reads the core's pages ahead of the
	// runtime's first reads (util/prefault.h).
	if (jobs > 1 && opts && opts->graph) {
		ahead.pf = rh_prefault_create();
		rh_target_touch_ahead(t, ahead.pf);
	}
	struct rh_py_options popts = { .cache_dir = opts ? opts->cache_dir : NULL };
	struct rh_py_runtime *rt;
	struct rh_error *err = rh_py_runtime_open(t, img, &popts, &s->problems, &rt);
	if (err)
		goto out_snapshot;
	err = copy_runtime(s, t, rt);
	if (err)
		goto out_runtime;
	double t1 = now();
	s->seconds_runtime = t1 - t0;

	reserve_arrays(s, t);
	size_t nproblems = rh_problems_total(&s->problems);
	// Only a snapshot that follows references meets the objects that
	// are not on a GC list: without the graph the count would oversize.
	if (opts && opts->graph)
		marks = reserve_index(s, rt, t);
	else
		reserve_index_tracked(s, t);
	// A problem of reserve_index's sits between the runtime's and the GC
	// lists' ones, where a snapshot without the graph has none.
	bool gc_prefix = rh_problems_total(&s->problems) == nproblems;
	for (size_t i = 0; i < s->ninterps; i++) {
		if (s->interps[i].gc_owner != i)
			continue;
		struct add_ctx c = { .s = s, .rt = rt, .interp = i > 255 ? 255 : (uint8_t)i,
				     .ahead = &ahead };
		err = rh_py_gc_for_each_batch(rt, i, &s->problems, add_tracked_batch, &c, jobs);
		if (!err && c.nomem)
			err = rh_error_create(RH_ERR_NO_MEMORY,
					      "out of memory after reading %u objects",
					      s->nobjects);
		if (err)
			goto out_runtime;
	}
	s->seconds_gc_lists = now() - t1;
	s->gc_nobjects = RH_SNAP_NO_GC_PREFIX;
	if (gc_prefix && !s->problems.dropped) {
		s->gc_nobjects = s->nobjects;
		s->gc_nproblems = (uint32_t)s->problems.count;
	}
	if (opts && opts->graph) {
		double t2 = now();
		// Roots first: objects only they hold (3.11+ frame locals are
		// not GC objects) then get their references followed too.
		err = collect_roots(s, rt);
		if (err)
			goto out_runtime;
		double t3 = now();
		s->seconds_roots = t3 - t2;
		err = follow_references(s, t, rt, opts->alloc_scan, opts->cache_dir,
					jobs, &ahead, marks);
		rh_prefault_destroy(ahead.pf);
		ahead.pf = NULL;
		rh_py_block_marks_destroy(marks);
		marks = NULL;
		if (err)
			goto out_runtime;
		double t4 = now();
		s->seconds_follow = t4 - t3 - s->seconds_alloc_scan;
		mark_borrowed(s);
		err = mark_gc_untracks(s, rt);
		if (err)
			goto out_runtime;
		err = static_storage(s, img);
		if (err)
			goto out_runtime;
		double t5 = now();
		s->seconds_static = t5 - t4;
		if (opts->alloc_scan) {
			err = native_words(s, rt, t, opts->cache_dir,
					   rh_pool_default_jobs(opts->jobs));
			if (err)
				goto out_runtime;
		}
		s->seconds_native = now() - t5;
		s->seconds_graph = now() - t2;
		s->stat_by_block = s->obj_blocks.count;
		s->stat_block_slots = s->obj_blocks.nslots;
		s->stat_others = s->other_addr ? s->nothers : s->obj_index.count;
	}
	s->seconds_objects = now() - t1;
	s->rt = rt;
	*ret = s;
	return NULL;

out_runtime:
	rh_py_runtime_destroy(rt);
out_snapshot:
	rh_prefault_destroy(ahead.pf);
	rh_py_block_marks_destroy(marks);
	rh_snapshot_destroy(s);
	return err;
}
