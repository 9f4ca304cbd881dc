/*
 * Unit tests of analysis/analysis_cache.c: the analyses of a hand-built
 * snapshot saved and mapped back array by array (at once, and part by
 * part from a thread as rh_analysis_need builds them), files of another
 * snapshot ignored, and forged or damaged files refused, or accepted only
 * in a state every index of which is in range and every dominator walk of
 * which ends.
 *
 * White-box: struct disk_header and the sections are needed to forge
 * files, so the source is included here.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "analysis/analysis_cache.c"
#include "snapshot_fixture.h"

#define N 300u

#define ALL (RH_NEED_REFERRERS | RH_NEED_REACH | RH_NEED_GCSIM | RH_NEED_VERDICTS | \
	     RH_NEED_DOMINATORS | RH_NEED_TYPE_RETAINED)
#define ID 0x5eed5eed12345678ull

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/rh-ancache-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *tmp_path(const char *name)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Every file in tmpdir but "." and "..". */
static int count_files(void)
{
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/*
 * The fixture with its last `cut` objects out of reach: references and
 * roots from the others into them go to object 0 instead. They keep
 * their own references (a chain, and some back into the rest), so that
 * parents are left unwritten, and verdicts other than reachable come.
 */
static struct rh_snapshot *make_heap(uint32_t n, uint32_t cut)
{
	struct rh_snapshot *s = make_snapshot(n);
	uint32_t first = n > cut ? n - cut : n;
	for (uint32_t i = 0; i < first; i++)
		for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++)
			if ((s->edges[e] & RH_EDGE_INDEX_MASK) >= first)
				s->edges[e] &= ~RH_EDGE_INDEX_MASK;
	for (size_t r = 0; r < s->nroots; r++)
		if (s->roots[r].obj >= first)
			s->roots[r].obj = 0;
	// A ring among them, each held once: cyclic garbage.
	for (uint32_t i = first; i + 1 < n && i < first + 8; i++) {
		s->obj_refcnt[i] = 1;
		s->obj_gen[i] = 0;
	}
	if (n - first > 8) {
		s->obj_refcnt[first + 8] = 1;
		s->obj_gen[first + 8] = 0;
		s->edges[s->edge_start[first + 8]] = first;
	}
	return s;
}

static void built(struct rh_analysis *a, const struct rh_snapshot *s)
{
	rh_analysis_init(a, s);
	a->jobs = 1;
	assert_null(rh_analysis_need(a, ALL));
	assert_int_equal(a->have, ALL);
	// Parents never written (objects nothing reaches) are saved as
	// sources: the same here, to compare.
	for (uint32_t i = 0; i < s->nobjects; i++)
		if (a->reach.tier[i] == RH_TIER_NONE)
			a->reach.parent[i] = RH_REACH_SOURCE;
}

#define SAME(x, y, count)                                                       \
	do {                                                                    \
		if ((count) > 0)                                                \
			assert_memory_equal((x), (y), (size_t)(count) * sizeof(*(x))); \
	} while (0)

/* b holds what a built, array by array. */
static void assert_same_results(const struct rh_analysis *a, const struct rh_analysis *b)
{
	uint32_t n = a->s->nobjects;
	assert_int_equal(b->rg.n, n);
	SAME(a->rg.start, b->rg.start, (size_t)n + 2);
	SAME(a->rg.src, b->rg.src, a->rg.start[n]);
	assert_int_equal(b->reach.n, n);
	SAME(a->reach.tier, b->reach.tier, n);
	SAME(a->reach.parent, b->reach.parent, n);
	SAME(a->reach.found16, b->reach.found16, n);
	assert_int_equal(a->reach.nfound_big, b->reach.nfound_big);
	SAME(a->reach.found_big, b->reach.found_big, a->reach.nfound_big);
	assert_int_equal(a->reach.nowned_roots, b->reach.nowned_roots);
	SAME(a->reach.owned_roots, b->reach.owned_roots, a->reach.nowned_roots);
	SAME(a->reach.native_bits, b->reach.native_bits, bitset_words(n));
	assert_int_equal(a->reach.nbest_roots, b->reach.nbest_roots);
	SAME(a->reach.best_roots, b->reach.best_roots, a->reach.nbest_roots);
	SAME(a->reach.rooted_bits, b->reach.rooted_bits, bitset_words(n));
	assert_int_equal(b->gc.n, n);
	assert_int_equal(a->gc.ninterps, b->gc.ninterps);
	SAME(a->gc.freed, b->gc.freed, n);
	SAME(a->gc.gens, b->gc.gens, a->gc.ninterps);
	assert_int_equal(b->v.n, n);
	SAME(a->v.verdict, b->v.verdict, n);
	SAME(a->v.flags, b->v.flags, n);
	assert_int_equal(a->v.nmembers, b->v.nmembers);
	SAME(a->v.members, b->v.members, a->v.nmembers);
	assert_int_equal(a->v.ncomps, b->v.ncomps);
	SAME(a->v.comps, b->v.comps, a->v.ncomps);
	assert_int_equal(b->dom.n, n);
	assert_int_equal(a->dom.nreached, b->dom.nreached);
	SAME(a->dom.idom, b->dom.idom, n);
	SAME(a->dom.order, b->dom.order, a->dom.nreached);
	SAME(a->retained, b->retained, n);
	SAME(a->type_retained, b->type_retained, a->s->ntypes);
}

/* The file at path holds every part, the same as a. */
static void assert_file_holds(const struct rh_analysis *a, const char *path)
{
	struct rh_analysis c;
	rh_analysis_init(&c, a->s);
	assert_null(rh_analysis_cache_load(&c, path, ID, ALL));
	assert_int_equal(c.cache_loaded, ALL);
	assert_same_results(a, &c);
	rh_analysis_deinit(&c);
}

/* ------------------------------------------------------------------ */

static void round_trip(uint32_t n)
{
	struct rh_snapshot *s = make_heap(n, n / 8);
	struct rh_analysis a, b;
	built(&a, s);
	const char *path = tmp_path("x.snap.analyses");
	assert_null(rh_analysis_cache_save(&a, path, ID, UINT64_MAX));
	assert_int_equal(a.cache_saved, ALL);
	assert_true(exists(path));
	uint32_t unreached = 0, garbage = 0;
	for (uint32_t i = 0; i < n; i++) {
		unreached += a.reach.tier[i] == RH_TIER_NONE;
		garbage += rh_verdicts_comp(&a.v, i) != UINT32_MAX;
	}
	assert_true(n < 8 || (unreached > 0 && garbage > 0));
	assert_int_equal(count_files(), 1);   /* no temporary file left */

	rh_analysis_init(&b, s);
	assert_null(rh_analysis_cache_load(&b, path, ID, ALL));
	assert_int_equal(b.cache_loaded, ALL);
	assert_int_equal(b.have, ALL);
	assert_non_null(b.cache_map);
	assert_same_results(&a, &b);
	// Nothing is built again, and nothing new is saved.
	assert_null(rh_analysis_need(&b, ALL));
	assert_null(rh_analysis_cache_save(&b, tmp_path("y.snap.analyses"), ID, UINT64_MAX));
	assert_false(exists(tmp_path("y.snap.analyses")));
	rh_analysis_deinit(&b);
	rh_analysis_deinit(&a);
	unlink(path);
	rh_snapshot_destroy(s);
}

static void rh_analysis_cache_round_trip(void **state)
{
	(void)state;
	round_trip(N);
	round_trip(5000);   /* bitsets of many words */
	round_trip(1);
}

/* Part by part from a thread, as the CLI saves: the same file. */
static void rh_analysis_cache_saved_as_built(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_heap(N, 40);
	struct rh_analysis a, b;
	built(&a, s);
	for (int threaded = 0; threaded < 2; threaded++) {
		const char *path = tmp_path("t.snap.analyses");
		rh_analysis_init(&b, s);
		b.jobs = 1;
		assert_null(rh_analysis_cache_save_start(&b, path, ID, UINT64_MAX, threaded));
		assert_null(rh_analysis_need(&b, RH_NEED_REACH));
		assert_null(rh_analysis_need(&b, ALL));
		assert_null(rh_analysis_cache_save_finish(&b));
		assert_int_equal(b.cache_saved, ALL);
		rh_analysis_deinit(&b);

		assert_file_holds(&a, path);
		unlink(path);
	}

	// A part built on top of a file: the file again, with every part.
	const char *path = tmp_path("u.snap.analyses");
	rh_analysis_init(&b, s);
	assert_null(rh_analysis_need(&b, RH_NEED_REACH));
	assert_null(rh_analysis_cache_save(&b, path, ID, UINT64_MAX));
	rh_analysis_deinit(&b);
	rh_analysis_init(&b, s);
	b.jobs = 1;
	assert_null(rh_analysis_cache_load(&b, path, ID, ALL));
	assert_int_equal(b.cache_loaded, RH_NEED_REACH);
	assert_null(rh_analysis_cache_save_start(&b, path, ID, UINT64_MAX, true));
	assert_null(rh_analysis_need(&b, ALL));
	assert_null(rh_analysis_cache_save_finish(&b));
	assert_int_equal(b.cache_saved, ALL);
	rh_analysis_deinit(&b);
	assert_file_holds(&a, path);
	assert_int_equal(count_files(), 1);
	unlink(path);

	rh_analysis_deinit(&a);
	rh_snapshot_destroy(s);
}

/*
 * A command that wants some parts: only those are checked and taken; the
 * others are carried into a file written again (when it builds a new
 * part) as they were, and checked by the next reader that wants them.
 */
static void rh_analysis_cache_carries_parts_not_wanted(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_heap(N, 40);
	struct rh_analysis a, b, c;
	built(&a, s);
	const char *path = tmp_path("c.snap.analyses"), *again = tmp_path("c2.snap.analyses");
	assert_null(rh_analysis_cache_save(&a, path, ID, UINT64_MAX));

	rh_analysis_init(&b, s);
	b.jobs = 1;
	assert_null(rh_analysis_cache_load(&b, path, ID, RH_NEED_VERDICTS));
	assert_int_equal(b.cache_loaded, RH_NEED_REACH | RH_NEED_GCSIM | RH_NEED_VERDICTS);
	assert_int_equal(b.have, b.cache_loaded);
	assert_int_equal(b.cache_carried,
			 RH_NEED_REFERRERS | RH_NEED_DOMINATORS | RH_NEED_TYPE_RETAINED);
	// Nothing new: no file.
	assert_null(rh_analysis_cache_save_start(&b, again, ID, UINT64_MAX, true));
	assert_null(rh_analysis_need(&b, RH_NEED_VERDICTS));
	assert_null(rh_analysis_cache_save_finish(&b));
	assert_false(exists(again));
	// The referrers built (carried ones are never used): a file with every part.
	assert_null(rh_analysis_cache_save_start(&b, again, ID, UINT64_MAX, true));
	assert_null(rh_analysis_need(&b, RH_NEED_REFERRERS));
	assert_null(rh_analysis_cache_save_finish(&b));
	assert_int_equal(b.cache_saved, ALL);
	rh_analysis_deinit(&b);
	assert_file_holds(&a, again);
	unlink(again);

	// A damaged part nobody wanted is carried as it is, and refused by
	// the first reader that wants it.
	size_t len;
	unsigned char *f = slurp(path, &len);
	struct disk_header *h = (struct disk_header *)f;
	uint32_t *order = (uint32_t *)(f + h->sections[SEC_ORDER].offset);
	order[1] = order[0];
	spit(path, f, len);
	free(f);
	rh_analysis_init(&b, s);
	assert_null(rh_analysis_cache_load(&b, path, ID, RH_NEED_REFERRERS));
	assert_true(b.cache_carried & RH_NEED_DOMINATORS);
	assert_null(rh_analysis_cache_save_start(&b, again, ID, UINT64_MAX, false));
	assert_null(rh_analysis_need(&b, RH_NEED_VERDICTS));   /* new: the GC simulation, the verdicts */
	assert_null(rh_analysis_cache_save_finish(&b));
	rh_analysis_deinit(&b);
	rh_analysis_init(&c, s);
	struct rh_error *err = rh_analysis_cache_load(&c, again, ID, RH_NEED_DOMINATORS);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	rh_error_destroy(err);
	assert_int_equal(c.have, 0);
	rh_analysis_deinit(&c);
	unlink(again);
	unlink(path);
	rh_analysis_deinit(&a);
	rh_snapshot_destroy(s);
}

/* Another snapshot's file, or none: nothing taken, no error. */
static void rh_analysis_cache_other_snapshot_is_a_miss(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_heap(N, 40), *t = make_heap(N + 1, 40);
	struct rh_analysis a, b;
	built(&a, s);
	const char *path = tmp_path("m.snap.analyses");
	assert_null(rh_analysis_cache_save(&a, path, ID, UINT64_MAX));

	rh_analysis_init(&b, s);
	assert_null(rh_analysis_cache_load(&b, path, ID + 1, ALL));   /* the snapshot file written again */
	assert_int_equal(b.have, 0);
	assert_null(b.cache_map);
	rh_analysis_deinit(&b);

	rh_analysis_init(&b, t);
	struct rh_error *err = rh_analysis_cache_load(&b, path, ID, ALL);
	assert_non_null(err);   /* same id, other counts: forged */
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	rh_error_destroy(err);
	assert_int_equal(b.have, 0);
	rh_analysis_deinit(&b);

	rh_analysis_init(&b, s);
	assert_null(rh_analysis_cache_load(&b, tmp_path("absent.snap.analyses"), ID, ALL));
	assert_int_equal(b.have, 0);
	rh_analysis_deinit(&b);

	rh_analysis_deinit(&a);
	unlink(path);
	rh_snapshot_destroy(s);
	rh_snapshot_destroy(t);
}

/* A file larger than the room left: not written, nothing left behind. */
static void rh_analysis_cache_room(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_heap(N, 40);
	struct rh_analysis a;
	built(&a, s);
	struct rh_error *err = rh_analysis_cache_save(&a, tmp_path("r.snap.analyses"), ID, 4096);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_LIMIT);
	rh_error_destroy(err);
	assert_int_equal(count_files(), 0);
	rh_analysis_deinit(&a);
	rh_snapshot_destroy(s);
}

/* ------------------------------------------------------------ forged */

/*
 * Load the file; if it is taken, check what a report relies on: every
 * index in range, every walk up the parents and the dominators ends.
 * Returns the load's error code, or -1 when taken.
 */
static int load_and_use(const struct rh_snapshot *s, const char *path)
{
	struct rh_analysis b;
	rh_analysis_init(&b, s);
	struct rh_error *err = rh_analysis_cache_load(&b, path, ID, ALL);
	int code = err ? (int)err->code : -1;
	rh_error_destroy(err);
	if (err) {
		assert_int_equal(b.have, 0);
		assert_null(b.cache_map);
	}
	uint32_t n = s->nobjects;
	if (b.have & RH_NEED_REFERRERS)
		for (uint32_t t = 0; t < n; t++)
			for (uint32_t k = b.rg.start[t]; k < b.rg.start[t + 1]; k++)
				assert_true((b.rg.src[k] & RH_EDGE_INDEX_MASK) < n);
	if (b.have & RH_NEED_REACH)
		for (uint32_t i = 0; i < n; i++) {
			assert_true(b.reach.tier[i] <= RH_TIER_NONE);
			assert_true(b.reach.parent[i] < n || b.reach.parent[i] == RH_REACH_SOURCE);
			assert_true(rh_reach_best_root(&b.reach, i) == UINT32_MAX ||
				    rh_reach_best_root(&b.reach, i) < s->nroots);
		}
	if (b.have & RH_NEED_VERDICTS)
		for (uint32_t i = 0; i < n; i++) {
			assert_true(b.v.verdict[i] <= RH_VERDICT_HELD_BY_NATIVE);
			uint32_t c = rh_verdicts_comp(&b.v, i);
			assert_true(c == UINT32_MAX || c < b.v.ncomps);
		}
	if (b.have & RH_NEED_DOMINATORS)
		for (uint32_t i = 0; i < n; i++) {
			// Up the dominators: at most n steps to the root.
			uint32_t x = i, steps = 0;
			while (b.dom.idom[x] < n) {
				x = b.dom.idom[x];
				assert_true(++steps <= n);
			}
		}
	rh_analysis_deinit(&b);
	return code;
}

struct forged {
	struct disk_header *h;
	unsigned char *f;
	uint32_t n;
};

static uint32_t *u32_at(struct forged *x, int sec)
{
	return (uint32_t *)(x->f + x->h->sections[sec].offset);
}

/* Each forges one thing the reader must refuse; false if the file has no such thing. */
typedef bool forge_fn(struct forged *x);

static bool f_magic(struct forged *x) { x->h->magic[0] ^= 1; return true; }
static bool f_file_size(struct forged *x) { x->h->file_size += 64; return true; }
static bool f_parts_unknown(struct forged *x) { x->h->parts |= 1u << 9; return true; }
static bool f_parts_verdicts_alone(struct forged *x) { x->h->parts &= ~RH_NEED_GCSIM; return true; }
static bool f_parts_dominators_alone(struct forged *x) { x->h->parts &= ~RH_NEED_REACH; return true; }
static bool f_parts_types_alone(struct forged *x) { x->h->parts &= ~RH_NEED_DOMINATORS; x->h->parts &= ~RH_NEED_REACH; return true; }
static bool f_types_size(struct forged *x) { x->h->sections[SEC_TYPE_RETAINED].size += 8; return true; }
static bool f_ntypes(struct forged *x) { x->h->ntypes++; return true; }
static bool f_nsrc(struct forged *x) { x->h->nsrc = x->h->nedges + 1; return true; }
static bool f_nreached(struct forged *x) { x->h->nreached = (uint64_t)x->n + 1; return true; }
static bool f_nmembers(struct forged *x) { x->h->nmembers = UINT64_MAX / 4; return true; }
static bool f_sec_past_end(struct forged *x) { x->h->sections[SEC_PARENT].offset = x->h->file_size - 64; return true; }
static bool f_sec_wrap(struct forged *x) { x->h->sections[SEC_IDOM].offset = UINT64_MAX - 63; return true; }
static bool f_sec_misaligned(struct forged *x) { x->h->sections[SEC_TIER].offset += 1; return true; }
static bool f_sec_in_header(struct forged *x) { x->h->sections[SEC_FREED].offset = 0; return true; }
static bool f_sec_size(struct forged *x) { x->h->sections[SEC_VERDICT].size -= 1; return true; }
static bool f_tier(struct forged *x) { x->f[x->h->sections[SEC_TIER].offset + x->n / 2] = RH_TIER_NONE + 1; return true; }
static bool f_parent(struct forged *x) { u32_at(x, SEC_PARENT)[x->n - 1] = x->n; return true; }
static bool f_freed(struct forged *x) { x->f[x->h->sections[SEC_FREED].offset + 7] = 16; return true; }
static bool f_verdict(struct forged *x) { x->f[x->h->sections[SEC_VERDICT].offset + 3] = RH_VERDICT_HELD_BY_NATIVE + 1; return true; }
static bool f_flags(struct forged *x) { x->f[x->h->sections[SEC_FLAGS].offset + x->n - 1] = 2; return true; }
static bool f_src(struct forged *x)
{
	if (!x->h->nsrc)
		return false;
	u32_at(x, SEC_RG_SRC)[x->h->nsrc - 1] = x->n;
	return true;
}
static bool f_start_decreasing(struct forged *x)
{
	uint32_t *start = u32_at(x, SEC_RG_START);
	for (uint32_t t = 1; t < x->n; t++)
		if (start[t] > 0) {
			start[t] = start[t + 1] + 1;
			return true;
		}
	return false;
}
static bool f_start_end(struct forged *x) { u32_at(x, SEC_RG_START)[x->n] -= 1; return true; }
static bool f_best_root(struct forged *x)
{
	if (!x->h->nbest_roots)
		return false;
	u32_at(x, SEC_BEST_ROOTS)[1] = (uint32_t)x->h->nroots;
	return true;
}
static bool f_best_unsorted(struct forged *x)
{
	if (x->h->nbest_roots < 2)
		return false;
	uint32_t *b = u32_at(x, SEC_BEST_ROOTS);
	b[2] = b[0];
	return true;
}
static bool f_owned(struct forged *x)
{
	if (!x->h->nowned_roots)
		return false;
	u32_at(x, SEC_OWNED_ROOTS)[x->h->nowned_roots - 1] = x->n;
	return true;
}
static bool f_member_comp(struct forged *x)
{
	if (!x->h->nmembers)
		return false;
	u32_at(x, SEC_MEMBERS)[1] = (uint32_t)x->h->ncomps;
	return true;
}
static bool f_comp_interp(struct forged *x)
{
	if (!x->h->ncomps)
		return false;
	struct rh_garbage_comp *c = (void *)(x->f + x->h->sections[SEC_COMPS].offset);
	c->interp = (uint8_t)x->h->ninterps;
	return true;
}
static bool f_order_twice(struct forged *x)
{
	if (x->h->nreached < 2)
		return false;
	uint32_t *order = u32_at(x, SEC_ORDER);
	order[1] = order[0];
	return true;
}
static bool f_order_range(struct forged *x)
{
	u32_at(x, SEC_ORDER)[0] = x->n;
	return true;
}
/* A dominator after its node: a walk up could loop. */
static bool f_idom_cycle(struct forged *x)
{
	uint32_t *order = u32_at(x, SEC_ORDER), *idom = u32_at(x, SEC_IDOM);
	for (uint64_t k = 1; k < x->h->nreached; k++)
		if (idom[order[k]] == order[k - 1]) {
			idom[order[k - 1]] = order[k];
			return true;
		}
	return false;
}
/* A node left out of the order that keeps a dominator (every node is in it here). */
static bool f_idom_unreached(struct forged *x)
{
	if (!x->h->nreached)
		return false;
	x->h->nreached--;
	x->h->sections[SEC_ORDER].size -= 4;
	return true;
}

static void rh_analysis_cache_forged_files_refused(void **state)
{
	(void)state;
	static forge_fn *const forges[] = {
		f_magic, f_file_size, f_parts_unknown, f_parts_verdicts_alone,
		f_parts_dominators_alone, f_parts_types_alone, f_types_size, f_ntypes, f_nsrc, f_nreached, f_nmembers, f_sec_past_end,
		f_sec_wrap, f_sec_misaligned, f_sec_in_header, f_sec_size, f_tier, f_parent,
		f_freed, f_verdict, f_flags, f_src, f_start_decreasing, f_start_end,
		f_best_root, f_best_unsorted, f_owned, f_member_comp, f_comp_interp,
		f_order_twice, f_order_range, f_idom_cycle, f_idom_unreached,
	};
	struct rh_snapshot *s = make_heap(N, 40);
	struct rh_analysis a;
	built(&a, s);
	const char *path = tmp_path("f.snap.analyses");
	assert_null(rh_analysis_cache_save(&a, path, ID, UINT64_MAX));
	size_t len;
	unsigned char *ref = slurp(path, &len);
	unsigned char *f = malloc(len);
	assert_non_null(f);
	int forged = 0;
	for (size_t k = 0; k < sizeof(forges) / sizeof(forges[0]); k++) {
		memcpy(f, ref, len);
		struct forged x = { .h = (struct disk_header *)f, .f = f, .n = N };
		if (!forges[k](&x))
			continue;
		forged++;
		spit(path, f, len);
		int code = load_and_use(s, path);
		if (code != RH_ERR_BAD_DATA)
			fail_msg("forgery %zu: %d, not refused as corrupt", k, code);
	}
	// The fixture has what each needs.
	assert_int_equal(forged, (int)(sizeof(forges) / sizeof(forges[0])));
	// Truncated anywhere: refused.
	for (size_t cut = 0; cut < len; cut += cut < 512 ? 1 : 509) {
		spit(path, ref, cut);
		assert_int_equal(load_and_use(s, path), RH_ERR_BAD_DATA);
	}
	free(f);
	free(ref);
	unlink(path);
	rh_analysis_deinit(&a);
	rh_snapshot_destroy(s);
}

/* Any byte flipped: refused, or taken only in a usable state (load_and_use). */
static void rh_analysis_cache_flipped_bytes_never_crash(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_heap(N, 40);
	struct rh_analysis a;
	built(&a, s);
	const char *path = tmp_path("b.snap.analyses");
	assert_null(rh_analysis_cache_save(&a, path, ID, UINT64_MAX));
	size_t len;
	unsigned char *ref = slurp(path, &len);
	unsigned char *f = malloc(len);
	assert_non_null(f);
	int taken = 0, refused = 0;
	for (size_t off = 0; off < len; off++) {
		// Three flips in the header, one in the sections.
		static const unsigned char flips[] = { 0xff, 0x01, 0x80 };
		for (size_t k = 0; k < (off < sizeof(struct disk_header) ? 3u : 1u); k++) {
			memcpy(f, ref, len);
			f[off] ^= flips[k];
			spit(path, f, len);
			if (load_and_use(s, path) == -1)
				taken++;
			else
				refused++;
		}
	}
	assert_true(taken > 0 && refused > 0);
	free(f);
	free(ref);
	unlink(path);
	rh_analysis_deinit(&a);
	rh_snapshot_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_analysis_cache_round_trip),
		cmocka_unit_test(rh_analysis_cache_saved_as_built),
		cmocka_unit_test(rh_analysis_cache_carries_parts_not_wanted),
		cmocka_unit_test(rh_analysis_cache_other_snapshot_is_a_miss),
		cmocka_unit_test(rh_analysis_cache_room),
		cmocka_unit_test(rh_analysis_cache_forged_files_refused),
		cmocka_unit_test(rh_analysis_cache_flipped_bytes_never_crash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
