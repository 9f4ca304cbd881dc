/*
 * Unit tests of heap/snapshot_cache.c: a hand-built snapshot written and
 * read back field by field, then the reader fed corrupt files (truncated
 * everywhere, every byte flipped, huge counts, out-of-range indices,
 * unterminated strings), which it must refuse without crashing or accept
 * only in a state every index of which is in range. Also the directory
 * policy (the most recent files kept, stale temporary files removed) and
 * the size limit.
 *
 * White-box: the file's internals (struct disk_header, the sections) are
 * needed to forge files, so the source is included here.
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

#include "heap/snapshot_cache.c"

/* ------------------------------------------------------------ fixtures */

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/rh-snapcache-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				char p[512];
				snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
				unlink(p);
			}
		}
		closedir(d);
	}
	rmdir(tmpdir);
	return 0;
}

static char *tmp_path(const char *name)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static const struct rh_snapshot_cache_key test_key = {
	.core_path = "/cores/core.1234",
	.dev = 2049, .ino = 77, .size = 123456789,
	.mtime_sec = 1700000000, .mtime_nsec = 123456789,
	.context = 0x1234567890abcdefULL,
	.graph = true, .alloc_scan = true,
};

#define N 300u

#include "snapshot_fixture.h"

static void assert_same(const struct rh_snapshot *a, const struct rh_snapshot *b)
{
	assert_string_equal(a->target_name, b->target_name);
	assert_int_equal(a->pid, b->pid);
	assert_false(b->live);
	assert_string_equal(a->python_version, b->python_version);
	assert_int_equal(a->python_version_hex, b->python_version_hex);
	assert_string_equal(a->python_module, b->python_module);
	assert_string_equal(a->build_id, b->build_id);
	assert_string_equal(a->debug_file, b->debug_file);
	assert_int_equal(a->debug_offsets_checked, b->debug_offsets_checked);
	assert_true(a->seconds_graph == b->seconds_graph);
	assert_int_equal(a->gc_nobjects, b->gc_nobjects);
	assert_int_equal(a->gc_nproblems, b->gc_nproblems);

	assert_int_equal(a->ninterps, b->ninterps);
	for (size_t i = 0; i < a->ninterps; i++) {
		const struct rh_snap_interp *x = &a->interps[i], *y = &b->interps[i];
		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->main, y->main);
		assert_int_equal(x->gc_owner, y->gc_owner);
		assert_int_equal(x->nthreads, y->nthreads);
		for (size_t k = 0; k < x->nthreads; k++) {
			assert_int_equal(x->threads[k].addr, y->threads[k].addr);
			assert_int_equal(x->threads[k].thread_id, y->threads[k].thread_id);
			assert_int_equal(x->threads[k].native_thread_id,
					 y->threads[k].native_thread_id);
		}
		assert_int_equal(x->gc.enabled, y->gc.enabled);
		assert_int_equal(x->gc.collecting, y->gc.collecting);
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			assert_int_equal(x->gc.gens[g].threshold, y->gc.gens[g].threshold);
			assert_int_equal(x->gc.gens[g].count, y->gc.gens[g].count);
		}
		assert_int_equal(x->gc.garbage_len, y->gc.garbage_len);
		assert_int_equal(x->gc.garbage_addr, y->gc.garbage_addr);
		assert_int_equal(x->gc.have_long_lived, y->gc.have_long_lived);
		assert_int_equal(x->gc.long_lived_total, y->gc.long_lived_total);
		assert_int_equal(x->gc.long_lived_pending, y->gc.long_lived_pending);
		assert_int_equal(x->gc.runtime_wide, y->gc.runtime_wide);
	}

	assert_int_equal(a->nobjects, b->nobjects);
	uint32_t n = a->nobjects;
	if (n) {
		assert_memory_equal(a->obj_addr, b->obj_addr, n * 8);
		assert_memory_equal(a->obj_type, b->obj_type, n * 4);
		assert_memory_equal(a->obj_size, b->obj_size, n * 4);
		assert_memory_equal(a->obj_refcnt, b->obj_refcnt, n * 4);
		assert_memory_equal(a->obj_gen, b->obj_gen, n);
		assert_memory_equal(a->obj_interp, b->obj_interp, n);
		assert_memory_equal(a->obj_found, b->obj_found, n);
	}
	assert_int_equal(a->nbig_sizes, b->nbig_sizes);
	for (size_t i = 0; i < a->nbig_sizes; i++) {
		assert_int_equal(a->big_sizes[i].obj, b->big_sizes[i].obj);
		assert_int_equal(a->big_sizes[i].size, b->big_sizes[i].size);
	}
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(rh_snapshot_size(a, i), rh_snapshot_size(b, i));
		uint32_t idx;
		assert_true(rh_snapshot_find(b, a->obj_addr[i], &idx));
		assert_int_equal(idx, i);
	}
	uint32_t idx;
	assert_false(rh_snapshot_find(b, 0x7f0000100008ULL, &idx));
	assert_int_equal(a->obj_index.nslots, b->obj_index.nslots);
	assert_int_equal(a->obj_index.count, b->obj_index.count);
	assert_int_equal(a->nothers, b->nothers);
	assert_int_equal(a->obj_blocks.nslots, b->obj_blocks.nslots);
	assert_int_equal(a->obj_blocks.count, b->obj_blocks.count);
	// An address in an indexed block, at an offset of no object there.
	if (n)
		assert_false(rh_snapshot_find(b, a->obj_addr[n / 2] + 16, &idx));

	assert_true(b->have_graph);
	assert_int_equal(a->nedges, b->nedges);
	assert_memory_equal(a->edge_start, b->edge_start, ((size_t)n + 1) * 4);
	if (a->nedges)
		assert_memory_equal(a->edges, b->edges, a->nedges * 4);

	assert_int_equal(a->nroots, b->nroots);
	for (size_t r = 0; r < a->nroots; r++) {
		const struct rh_snap_root *x = &a->roots[r], *y = &b->roots[r];
		assert_int_equal(x->obj, y->obj);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->conservative, y->conservative);
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->where, y->where);
		assert_int_equal(x->thread, y->thread);
		assert_int_equal(x->owned, y->owned);
		assert_int_equal(x->secondary, y->secondary);
	}

	assert_int_equal(a->ntypes, b->ntypes);
	for (uint32_t t = 0; t < a->ntypes; t++) {
		assert_int_equal(a->types[t].addr, b->types[t].addr);
		assert_string_equal(a->types[t].name, b->types[t].name);
		assert_int_equal(a->types[t].size_exact, b->types[t].size_exact);
		uint32_t ti;
		assert_true(rh_u64map_find(&b->type_index, a->types[t].addr, &ti));
		assert_int_equal(ti, t);
	}

	assert_int_equal(a->problems.count, b->problems.count);
	assert_int_equal(a->problems.dropped, b->problems.dropped);
	for (size_t i = 0; i < a->problems.count; i++)
		assert_string_equal(a->problems.messages[i], b->problems.messages[i]);
}

/*
 * What the reader promises of a snapshot it accepts: every index within
 * its array, every string terminated. Used on files with flipped bytes
 * that still pass (a flipped address or refcount is not detectable).
 */
static void assert_consistent(const struct rh_snapshot *s)
{
	uint32_t n = s->nobjects;
	assert_true(s->have_graph);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(s->obj_type[i] < s->ntypes);
		assert_true(s->obj_gen[i] >= -1 && s->obj_gen[i] <= RH_SNAP_GEN_PERMANENT);
		assert_true(s->obj_interp[i] < (s->ninterps ? s->ninterps : 1));
		assert_true(s->edge_start[i] <= s->edge_start[i + 1]);
		(void)rh_snapshot_size(s, i);
		uint32_t idx;
		if (rh_snapshot_find(s, s->obj_addr[i], &idx))
			assert_true(idx < n);
	}
	uint32_t idx;
	(void)rh_snapshot_find(s, 0x10, &idx);   /* an absent key terminates */
	assert_int_equal(s->edge_start[0], 0);
	assert_int_equal(s->edge_start[n], s->nedges);
	for (uint64_t e = 0; e < s->nedges; e++)
		assert_true((s->edges[e] & RH_EDGE_INDEX_MASK) < n);
	for (size_t r = 0; r < s->nroots; r++) {
		assert_true(s->roots[r].obj < n);
		assert_true(s->roots[r].kind <= RH_SNAP_ROOT_MEMORY);
		assert_non_null(s->roots[r].name);
		(void)strlen(s->roots[r].name);
	}
	for (uint32_t t = 0; t < s->ntypes; t++)
		(void)strlen(s->types[t].name);
	for (size_t i = 0; i < s->ninterps; i++)
		assert_true(s->interps[i].gc_owner < s->ninterps);
	for (size_t i = 0; i < s->nbig_sizes; i++)
		assert_true(s->big_sizes[i].obj < n);
	(void)strlen(s->target_name);
	(void)strlen(s->python_version);
	(void)strlen(s->python_module);
	(void)strlen(s->build_id);
	(void)strlen(s->debug_file);
}

/* ------------------------------------------------------------ helpers */

/*
 * Read a (possibly corrupt) file: either refused with a message, or
 * accepted and consistent. Returns whether it was accepted.
 */
static bool try_read(const char *path, const struct rh_snapshot_cache_key *key)
{
	struct rh_snapshot *s = NULL;
	struct rh_error *err = rh_snapshot_cache_read(path, key, &s);
	if (err) {
		assert_null(s);
		assert_non_null(err->message);
		assert_true(err->code == RH_ERR_BAD_DATA || err->code == RH_ERR_NOT_FOUND);
		rh_error_destroy(err);
		return false;
	}
	assert_consistent(s);
	rh_snapshot_destroy(s);
	return true;
}

/* The reference files are of snapshots with an index by block (split). */
static bool split_reference;

/* Write the reference file; *len gets its size. */
static unsigned char *reference_file(const char *path, size_t *len)
{
	struct rh_snapshot *s = split_reference ? make_snapshot_split(N) : make_snapshot(N);
	struct rh_error *err = rh_snapshot_cache_write(s, &test_key, path, 0);
	assert_null(err);
	rh_snapshot_destroy(s);
	return slurp(path, len);
}

/* A copy of the reference file with the header patched by fn, then read. */
static struct rh_error *read_patched(const unsigned char *ref, size_t len,
				     void (*fn)(struct disk_header *h, unsigned char *file))
{
	unsigned char *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, ref, len);
	fn((struct disk_header *)copy, copy);
	const char *p = tmp_path("patched.snap");
	spit(p, copy, len);
	free(copy);
	struct rh_snapshot *s = NULL;
	struct rh_error *err = rh_snapshot_cache_read(p, &test_key, &s);
	if (!err) {
		assert_consistent(s);
		rh_snapshot_destroy(s);
	}
	return err;
}

static void expect_bad(const unsigned char *ref, size_t len,
		       void (*fn)(struct disk_header *h, unsigned char *file))
{
	struct rh_error *err = read_patched(ref, len, fn);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "corrupt"));
	print_message("%s\n", err->message);
	rh_error_destroy(err);
}

static void *sec_ptr(struct disk_header *h, unsigned char *file, int sec)
{
	return file + h->sections[sec].offset;
}

/* ------------------------------------------------------------ tests */

static void rh_snapshot_cache_round_trip(void **state)
{
	(void)state;
	struct rh_snapshot *a = make_snapshot(N);
	const char *p = tmp_path("round.snap");
	assert_null(rh_snapshot_cache_write(a, &test_key, p, 0));
	struct rh_snapshot *b = NULL;
	struct rh_error *err = rh_snapshot_cache_read(p, &test_key, &b);
	assert_null(err);
	assert_non_null(b);
	assert_non_null(b->cache_map);
	assert_null(b->rt);
	assert_false(b->from_cache);
	assert_same(a, b);
	assert_consistent(b);
	// The arrays are used in place from the mapping.
	const unsigned char *m = b->cache_map;
	assert_true((const unsigned char *)b->edges > m &&
		    (const unsigned char *)b->edges < m + b->cache_map_len);
	rh_snapshot_destroy(b);
	rh_snapshot_destroy(a);
	// No temporary file is left behind.
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_false(de->d_name[0] == '.' && strstr(de->d_name, ".snap."));
	closedir(d);
	unlink(p);
}

/*
 * A snapshot of the GC lists alone (`summary`'s): cached under a key
 * without the graph, read back with no edges and no roots; a graph
 * snapshot is not written under such a key, nor such a snapshot under a
 * graph key, and a file whose header claims edges without the graph is
 * corrupt.
 */
static void rh_snapshot_cache_without_graph(void **state)
{
	(void)state;
	struct rh_snapshot_cache_key key = test_key;
	key.graph = false;
	key.alloc_scan = false;
	struct rh_snapshot *a = make_snapshot(N);
	const char *p = tmp_path("nograph.snap");
	struct rh_error *err = rh_snapshot_cache_write(a, &key, p, 0);
	assert_non_null(err);   /* a graph snapshot under a key without one */
	rh_error_destroy(err);
	a->have_graph = false;
	a->nedges = 0;
	a->nroots = 0;
	memset(a->edge_start, 0, ((size_t)a->nobjects + 1) * sizeof(*a->edge_start));
	err = rh_snapshot_cache_write(a, &test_key, p, 0);
	assert_non_null(err);   /* and the other way round */
	rh_error_destroy(err);
	assert_null(rh_snapshot_cache_write(a, &key, p, 0));
	struct rh_snapshot *b = NULL;
	assert_null(rh_snapshot_cache_read(p, &key, &b));
	assert_false(b->have_graph);
	assert_int_equal(b->nobjects, a->nobjects);
	assert_int_equal(b->nedges, 0);
	assert_int_equal(b->nroots, 0);
	assert_int_equal(b->gc_nobjects, a->gc_nobjects);
	for (uint32_t i = 0; i < a->nobjects; i++) {
		assert_int_equal(b->obj_addr[i], a->obj_addr[i]);
		assert_int_equal(b->obj_gen[i], a->obj_gen[i]);
		uint32_t idx;
		assert_true(rh_snapshot_find(b, a->obj_addr[i], &idx));
		assert_int_equal(idx, i);
	}
	rh_snapshot_destroy(b);
	// The graph key does not find it: another file name, and its header
	// says so too.
	b = NULL;
	err = rh_snapshot_cache_read(p, &test_key, &b);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	rh_error_destroy(err);
	// A header without the graph that claims edges: corrupt.
	size_t len;
	unsigned char *f = slurp(p, &len);
	((struct disk_header *)f)->nedges = 1;
	spit(p, f, len);
	err = rh_snapshot_cache_read(p, &key, &b);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	rh_error_destroy(err);
	free(f);
	rh_snapshot_destroy(a);
	unlink(p);
}

/*
 * rh_snapshot_drop_index: every lookup answers as with the index, through
 * the per-type table (a type object), the scans, and the index built
 * again after DROPPED_SCANS (4) of them; a cache file's index is kept.
 */
static void rh_snapshot_drop_index_finds_the_same(void **state)
{
	(void)state;
	struct rh_snapshot *s = make_snapshot(N);
	// One object is a type's type object (a class's own address).
	s->obj_addr[5] = s->types[2].addr;
	rh_keyindex_deinit(&s->obj_index);
	for (uint32_t i = 0; i < N; i++)
		assert_true(rh_keyindex_push(&s->obj_index, s->obj_addr));
	uint32_t idx;
	rh_snapshot_drop_index(s);
	assert_true(s->index_dropped);
	assert_null(s->obj_index.slots);
	// Types: from the table, no scan spent.
	for (int round = 0; round < 3; round++)
		for (uint32_t t = 0; t < s->ntypes; t++) {
			bool found = rh_snapshot_find(s, s->types[t].addr, &idx);
			assert_int_equal(found, t == 2);
			if (found)
				assert_int_equal(idx, 5);
		}
	assert_int_equal(s->dropped_finds, 0);
	// Four scans: an object, an address inside one, the last, a miss.
	assert_true(rh_snapshot_find(s, s->obj_addr[N / 2], &idx));
	assert_int_equal(idx, N / 2);
	assert_false(rh_snapshot_find(s, s->obj_addr[7] + 8, &idx));
	assert_true(rh_snapshot_find(s, s->obj_addr[N - 1], &idx));
	assert_int_equal(idx, N - 1);
	assert_false(rh_snapshot_find(s, 0x10, &idx));
	assert_true(s->index_dropped);
	// The fifth builds the index again.
	assert_true(rh_snapshot_find(s, s->obj_addr[0], &idx));
	assert_int_equal(idx, 0);
	assert_false(s->index_dropped);
	assert_non_null(s->obj_index.slots);
	for (uint32_t i = 0; i < N; i++) {
		assert_true(rh_snapshot_find(s, s->obj_addr[i], &idx));
		assert_int_equal(idx, i);
		assert_false(rh_snapshot_find(s, s->obj_addr[i] + 16, &idx));
	}
	// Written after a drop and rebuild, the file is the same as before.
	const char *p = tmp_path("drop.snap");
	assert_null(rh_snapshot_cache_write(s, &test_key, p, 0));
	struct rh_snapshot *b = NULL;
	assert_null(rh_snapshot_cache_read(p, &test_key, &b));
	assert_same(s, b);
	// A file's index is file-backed: kept.
	rh_snapshot_drop_index(b);
	assert_false(b->index_dropped);
	assert_non_null(b->obj_index.slots);
	rh_snapshot_destroy(b);
	rh_snapshot_destroy(s);
	unlink(p);
}

static void rh_snapshot_cache_round_trip_small_and_empty(void **state)
{
	(void)state;
	for (uint32_t n = 0; n < 4; n++) {
		struct rh_snapshot *a = make_snapshot(n);
		const char *p = tmp_path("small.snap");
		assert_null(rh_snapshot_cache_write(a, &test_key, p, 0));
		struct rh_snapshot *b = NULL;
		assert_null(rh_snapshot_cache_read(p, &test_key, &b));
		assert_same(a, b);
		rh_snapshot_destroy(b);
		rh_snapshot_destroy(a);
		unlink(p);
	}
}

static void rh_snapshot_cache_other_key_is_a_miss(void **state)
{
	(void)state;
	size_t len;
	const char *p = tmp_path("key.snap");
	unsigned char *ref = reference_file(p, &len);
	free(ref);
	struct rh_snapshot_cache_key k;
	struct rh_snapshot *s = NULL;
	struct rh_error *err;
#define MISS(field, value)                                                     \
	do {                                                                   \
		k = test_key;                                                  \
		k.field = value;                                               \
		err = rh_snapshot_cache_read(p, &k, &s);                       \
		assert_non_null(err);                                          \
		assert_int_equal(err->code, RH_ERR_NOT_FOUND);                 \
		rh_error_destroy(err);                                         \
	} while (0)
	MISS(core_path, "/cores/core.1235");
	MISS(dev, 2050);
	MISS(ino, 78);
	MISS(size, 123456788);
	MISS(mtime_sec, 1700000001);
	MISS(mtime_nsec, 123456788);
	MISS(context, 1);
	MISS(alloc_scan, false);
	MISS(graph, false);
#undef MISS
	err = rh_snapshot_cache_read(tmp_path("absent.snap"), &test_key, &s);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	rh_error_destroy(err);
	unlink(p);
}

static void rh_snapshot_cache_truncated_files_refused(void **state)
{
	(void)state;
	size_t len;
	unsigned char *ref = reference_file(tmp_path("ref.snap"), &len);
	const char *p = tmp_path("trunc.snap");
	for (size_t cut = 0; cut < len; cut += 97) {
		spit(p, ref, cut);
		assert_false(try_read(p, &test_key));
	}
	spit(p, ref, len - 1);
	assert_false(try_read(p, &test_key));
	// Longer than its header says.
	unsigned char *longer = calloc(1, len + 64);
	memcpy(longer, ref, len);
	spit(p, longer, len + 64);
	assert_false(try_read(p, &test_key));
	free(longer);
	free(ref);
}

/* Whether byte off of a cache file lies in one of its sections. */
static bool in_section(const struct disk_header *h, size_t off)
{
	for (int i = 0; i < NSECTIONS; i++)
		if (off >= h->sections[i].offset && off - h->sections[i].offset < h->sections[i].size)
			return true;
	return false;
}

static void rh_snapshot_cache_flipped_bytes_never_crash(void **state)
{
	(void)state;
	size_t len;
	unsigned char *ref = reference_file(tmp_path("ref.snap"), &len);
	const char *p = tmp_path("flip.snap");
	static const unsigned char masks[] = { 0xff, 0x80, 0x01, 0x10 };
	size_t refused_header = 0, header_bytes = 0;
	for (size_t m = 0; m < sizeof(masks); m++) {
		for (size_t i = 0; i < len; i++) {
			// Every byte of the header and the small tables; a
			// stride through the big arrays; not the zeros that
			// align each section to a page.
			if (i >= sizeof(struct disk_header) &&
			    (i % 7 != m || !in_section((const struct disk_header *)ref, i)))
				continue;
			ref[i] ^= masks[m];
			spit(p, ref, len);
			bool ok = try_read(p, &test_key);
			ref[i] ^= masks[m];
			if (i < sizeof(struct disk_header)) {
				header_bytes++;
				refused_header += !ok;
			}
		}
	}
	// Most of the header matters (key, counts, sections); some fields
	// (timings, the version text, pid) may change freely.
	assert_true(refused_header * 4 > header_bytes * 3);
	free(ref);
}

static void set_huge_nobjects(struct disk_header *h, unsigned char *f) { (void)f; h->nobjects = 1ULL << 40; }
static void set_huge_nobjects2(struct disk_header *h, unsigned char *f) { (void)f; h->nobjects = RH_SNAP_MAX_OBJECTS; h->index_count = RH_SNAP_MAX_OBJECTS; }
static void set_huge_nedges(struct disk_header *h, unsigned char *f) { (void)f; h->nedges = UINT64_MAX / 2; }
static void set_huge_nroots(struct disk_header *h, unsigned char *f) { (void)f; h->nroots = UINT64_MAX / 8; }
static void set_huge_ntypes(struct disk_header *h, unsigned char *f) { (void)f; h->ntypes = 1ULL << 33; }
static void set_huge_threads(struct disk_header *h, unsigned char *f) { (void)f; h->nthreads = UINT64_MAX; }
static void set_huge_problems(struct disk_header *h, unsigned char *f) { (void)f; h->nproblems = UINT64_MAX / 4; }
static void set_huge_nslots(struct disk_header *h, unsigned char *f) { (void)f; h->index_nslots = UINT64_MAX; }
static void set_full_index(struct disk_header *h, unsigned char *f) { (void)f; h->index_nslots = h->index_count; }
static void set_section_past_end(struct disk_header *h, unsigned char *f) { (void)f; h->sections[SEC_EDGES].offset = h->file_size - 8; }
static void set_section_wrap(struct disk_header *h, unsigned char *f) { (void)f; h->sections[SEC_EDGES].offset = UINT64_MAX - 7; }
static void set_section_misaligned(struct disk_header *h, unsigned char *f) { (void)f; h->sections[SEC_OBJ_ADDR].offset += 4; }
static void set_section_in_header(struct disk_header *h, unsigned char *f) { (void)f; h->sections[SEC_ROOTS].offset = 0; }
static void set_section_size(struct disk_header *h, unsigned char *f) { (void)f; h->sections[SEC_OBJ_TYPE].size -= 4; }
static void set_file_size(struct disk_header *h, unsigned char *f) { (void)f; h->file_size += 64; }
static void set_no_graph(struct disk_header *h, unsigned char *f) { (void)f; h->have_graph = 0; }
static void set_gc_prefix_long(struct disk_header *h, unsigned char *f) { (void)f; h->gc_nobjects = (uint32_t)h->nobjects + 1; }
static void set_gc_prefix_problems(struct disk_header *h, unsigned char *f) { (void)f; h->gc_nproblems = (uint32_t)h->nproblems + 1; }
static void set_magic(struct disk_header *h, unsigned char *f) { (void)f; h->magic[3] ^= 1; }
static void set_string_offset(struct disk_header *h, unsigned char *f) { (void)f; h->python_version = h->sections[SEC_STRINGS].size; }
static void set_string_offset_null(struct disk_header *h, unsigned char *f) { (void)f; h->build_id = NO_STRING; }

static void set_unterminated(struct disk_header *h, unsigned char *f)
{
	// The last string of the table loses its NUL.
	unsigned char *st = sec_ptr(h, f, SEC_STRINGS);
	st[h->sections[SEC_STRINGS].size - 1] = 'x';
}

static void set_edge_out_of_range(struct disk_header *h, unsigned char *f)
{
	uint32_t *e = sec_ptr(h, f, SEC_EDGES);
	e[h->nedges / 2] = (uint32_t)h->nobjects | RH_EDGE_OWNED;
}

static void set_edge_start_decreasing(struct disk_header *h, unsigned char *f)
{
	uint32_t *es = sec_ptr(h, f, SEC_EDGE_START);
	es[h->nobjects / 2] = es[h->nobjects / 2 + 1] + 1;
}

static void set_edge_start_end(struct disk_header *h, unsigned char *f)
{
	uint32_t *es = sec_ptr(h, f, SEC_EDGE_START);
	es[h->nobjects] = (uint32_t)h->nedges + 1;
}

static void set_edge_start_first(struct disk_header *h, unsigned char *f)
{
	uint32_t *es = sec_ptr(h, f, SEC_EDGE_START);
	es[0] = 1;
}

static void set_type_out_of_range(struct disk_header *h, unsigned char *f)
{
	uint32_t *t = sec_ptr(h, f, SEC_OBJ_TYPE);
	t[h->nobjects - 1] = (uint32_t)h->ntypes;
}

static void set_gen_out_of_range(struct disk_header *h, unsigned char *f)
{
	int8_t *g = sec_ptr(h, f, SEC_OBJ_GEN);
	g[7] = 4;
}

static void set_gen_negative(struct disk_header *h, unsigned char *f)
{
	int8_t *g = sec_ptr(h, f, SEC_OBJ_GEN);
	g[8] = -2;
}

static void set_interp_out_of_range(struct disk_header *h, unsigned char *f)
{
	uint8_t *in = sec_ptr(h, f, SEC_OBJ_INTERP);
	in[0] = (uint8_t)h->ninterps;
}

static void set_index_value_out_of_range(struct disk_header *h, unsigned char *f)
{
	uint32_t *v = sec_ptr(h, f, SEC_INDEX);
	for (uint64_t j = 0; j < h->index_nslots; j++)
		if (v[j]) {
			// position nobjects (stored plus one), same tag
			v[j] = (v[j] & ~rh_keyindex_pos_mask(h->index_nslots)) | (uint32_t)(h->nobjects + 1);
			return;
		}
}

static void set_index_no_empty_slot(struct disk_header *h, unsigned char *f)
{
	uint32_t *v = sec_ptr(h, f, SEC_INDEX);
	for (uint64_t j = 0; j < h->index_nslots; j++)
		if (!v[j])
			v[j] = 1;
}

/* A used slot (a tag) with no position: position -1 would be read. */
static void set_index_tag_only(struct disk_header *h, unsigned char *f)
{
	uint32_t *v = sec_ptr(h, f, SEC_INDEX);
	for (uint64_t j = 0; j < h->index_nslots; j++)
		if (v[j]) {
			v[j] &= ~rh_keyindex_pos_mask(h->index_nslots);
			if (!v[j])
				v[j] = 1u << rh_keyindex_pos_bits(h->index_nslots);
			return;
		}
}

/* One slot too many used (an empty one given a valid position). */
static void set_index_extra_slot(struct disk_header *h, unsigned char *f)
{
	uint32_t *v = sec_ptr(h, f, SEC_INDEX);
	for (uint64_t j = 0; j < h->index_nslots; j++)
		if (!v[j]) {
			v[j] = 1;
			return;
		}
}

static void set_root_out_of_range(struct disk_header *h, unsigned char *f)
{
	struct disk_root *r = sec_ptr(h, f, SEC_ROOTS);
	r[h->nroots - 1].obj = (uint32_t)h->nobjects;
}

static void set_root_kind(struct disk_header *h, unsigned char *f)
{
	struct disk_root *r = sec_ptr(h, f, SEC_ROOTS);
	r[0].kind = RH_SNAP_ROOT_MEMORY + 1;   /* past the last kind */
}

static void set_root_name(struct disk_header *h, unsigned char *f)
{
	struct disk_root *r = sec_ptr(h, f, SEC_ROOTS);
	r[1].name = UINT32_MAX;
}

static void set_type_name(struct disk_header *h, unsigned char *f)
{
	struct disk_type *t = sec_ptr(h, f, SEC_TYPES);
	t[2].name = (uint32_t)h->sections[SEC_STRINGS].size + 100;
}

static void set_gc_owner(struct disk_header *h, unsigned char *f)
{
	struct disk_interp *in = sec_ptr(h, f, SEC_INTERPS);
	in[1].gc_owner = h->ninterps;
}

static void set_interp_threads(struct disk_header *h, unsigned char *f)
{
	struct disk_interp *in = sec_ptr(h, f, SEC_INTERPS);
	in[1].first_thread = h->nthreads;
}

static void set_interp_threads_wrap(struct disk_header *h, unsigned char *f)
{
	struct disk_interp *in = sec_ptr(h, f, SEC_INTERPS);
	in[0].nthreads = UINT64_MAX;
}

static void set_big_size_order(struct disk_header *h, unsigned char *f)
{
	struct rh_snap_big_size *b = sec_ptr(h, f, SEC_BIG_SIZES);
	b[1].obj = b[0].obj;
}

static void set_big_size_range(struct disk_header *h, unsigned char *f)
{
	struct rh_snap_big_size *b = sec_ptr(h, f, SEC_BIG_SIZES);
	b[1].obj = (uint32_t)h->nobjects;
}

static void set_problem_string(struct disk_header *h, unsigned char *f)
{
	uint64_t *p = sec_ptr(h, f, SEC_PROBLEMS);
	p[0] = UINT64_MAX - 1;
}

static void rh_snapshot_cache_forged_files_refused(void **state)
{
	(void)state;
	size_t len;
	unsigned char *ref = reference_file(tmp_path("ref.snap"), &len);
	void (*const bad[])(struct disk_header *, unsigned char *) = {
		set_huge_nobjects, set_huge_nobjects2, set_huge_nedges, set_huge_nroots,
		set_huge_ntypes, set_huge_threads, set_huge_problems, set_huge_nslots,
		set_full_index, set_section_past_end, set_section_wrap,
		set_section_misaligned, set_section_in_header, set_section_size,
		set_file_size, set_no_graph, set_magic, set_string_offset,
		set_string_offset_null, set_unterminated, set_edge_out_of_range,
		set_edge_start_decreasing, set_edge_start_end, set_edge_start_first,
		set_type_out_of_range, set_gen_out_of_range, set_gen_negative,
		set_interp_out_of_range, set_index_value_out_of_range,
		set_index_no_empty_slot, set_index_tag_only, set_index_extra_slot,
		set_root_out_of_range, set_root_kind,
		set_root_name, set_type_name, set_gc_owner, set_interp_threads,
		set_gc_prefix_long, set_gc_prefix_problems,
		set_interp_threads_wrap, set_big_size_order, set_big_size_range,
		set_problem_string,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_bad(ref, len, bad[i]);
	}
	free(ref);
}

static void set_format(struct disk_header *h, unsigned char *f) { (void)f; h->format++; }
static void set_tool(struct disk_header *h, unsigned char *f) { (void)f; h->tool ^= 1; }

static void rh_snapshot_cache_other_build_is_a_miss(void **state)
{
	(void)state;
	size_t len;
	unsigned char *ref = reference_file(tmp_path("ref.snap"), &len);
	struct rh_error *err = read_patched(ref, len, set_format);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	rh_error_destroy(err);
	err = read_patched(ref, len, set_tool);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_NOT_FOUND);
	rh_error_destroy(err);
	free(ref);
}

static void rh_snapshot_cache_not_a_file(void **state)
{
	(void)state;
	struct rh_snapshot *s = NULL;
	struct rh_error *err = rh_snapshot_cache_read(tmpdir, &test_key, &s);
	assert_non_null(err);
	assert_null(s);
	rh_error_destroy(err);
}

static void rh_snapshot_cache_size_limit(void **state)
{
	(void)state;
	struct rh_snapshot *a = make_snapshot(N);
	const char *p = tmp_path("limit.snap");
	struct rh_error *err = rh_snapshot_cache_write(a, &test_key, p, 1024);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_LIMIT);
	rh_error_destroy(err);
	assert_int_equal(access(p, F_OK), -1);
	// Unwritable place: an error, no crash.
	err = rh_snapshot_cache_write(a, &test_key, "/nonexistent-dir/x.snap", 0);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_OS);
	rh_error_destroy(err);
	rh_snapshot_destroy(a);

	unsetenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB");
	assert_int_equal(max_bytes(), 4096ULL << 20);
	setenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB", "0", 1);
	assert_int_equal(max_bytes(), 0);
	setenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB", "12", 1);
	assert_int_equal(max_bytes(), 12ULL << 20);
	setenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB", "junk", 1);
	assert_int_equal(max_bytes(), 4096ULL << 20);
	setenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB", "-5", 1);
	assert_int_equal(max_bytes(), 4096ULL << 20);
	unsetenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB");
}

static void rh_snapshot_cache_prune_keeps_most_recent(void **state)
{
	(void)state;
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/prune", tmpdir);
	assert_true(make_dirs(dir));
	char p[400];
	time_t base = time(NULL) - 100000;
	for (int i = 0; i < 7; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		spit(p, "x", 1);
		struct timespec ts[2] = { { base + i * 10, 0 }, { base + i * 10, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	}
	// A fresh and a stale temporary file, and an unrelated file.
	snprintf(p, sizeof(p), "%s/.0000000000000001.snap.abcdef", dir);
	spit(p, "x", 1);
	snprintf(p, sizeof(p), "%s/.0000000000000002.snap.abcdef", dir);
	spit(p, "x", 1);
	struct timespec old[2] = { { base, 0 }, { base, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	spit(p, "x", 1);
	prune(dir, UINT64_MAX);
	for (int i = 0; i < 7; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		assert_int_equal(access(p, F_OK) == 0, i >= 3);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/.0000000000000001.snap.abcdef", dir);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/.0000000000000002.snap.abcdef", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
	rmdir(dir);
}

/* The newest files are kept only while together they fit under the cap. */
static void rh_snapshot_cache_prune_keeps_under_the_size_cap(void **state)
{
	(void)state;
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/prune-cap", tmpdir);
	assert_true(make_dirs(dir));
	char p[400];
	static char block[64 * 1024];
	memset(block, 'x', sizeof(block));
	time_t base = time(NULL) - 100000;
	struct stat st;
	uint64_t each = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		spit(p, block, sizeof(block));
		struct timespec ts[2] = { { base + i * 10, 0 }, { base + i * 10, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		assert_int_equal(stat(p, &st), 0);
		each = (uint64_t)st.st_blocks * 512;
	}
	// Room for the two newest and not the third: the oldest goes.
	prune(dir, 2 * each + each / 2);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		assert_int_equal(access(p, F_OK) == 0, i >= 1);
	}
	// A cap below one file: none is kept.
	prune(dir, each - 1);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		assert_int_equal(access(p, F_OK), -1);
	}
	rmdir(dir);
	// The option wins over the environment; 0 is "no cache".
	setenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB", "12", 1);
	struct rh_snapshot_options o = { .have_cache_max = true, .cache_max_mb = 3 };
	assert_int_equal(limit_for(&o), 3ULL << 20);
	o.cache_max_mb = 0;
	assert_int_equal(limit_for(&o), 0);
	o.have_cache_max = false;
	assert_int_equal(limit_for(&o), 12ULL << 20);
	unsetenv("REFHEAP_SNAPSHOT_CACHE_MAX_MB");
}

/*
 * A sidecar (the analyses' file) counts with its snapshot file against the
 * cap and goes with it; one whose snapshot file is gone goes at once.
 */
static void rh_snapshot_cache_prune_takes_sidecars_along(void **state)
{
	(void)state;
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/prune-sidecar", tmpdir);
	assert_true(make_dirs(dir));
	char p[400];
	static char block[64 * 1024];
	memset(block, 'x', sizeof(block));
	time_t base = time(NULL) - 100000;
	struct stat st;
	uint64_t each = 0;
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		spit(p, block, sizeof(block));
		struct timespec ts[2] = { { base + i * 10, 0 }, { base + i * 10, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		assert_int_equal(stat(p, &st), 0);
		each = (uint64_t)st.st_blocks * 512;
		snprintf(p, sizeof(p), "%s/%016x.snap.analyses", dir, i);
		spit(p, block, sizeof(block));
	}
	snprintf(p, sizeof(p), "%s/%016x.snap.analyses", dir, 7);
	spit(p, block, sizeof(block));
	// Room for both snapshot files, not for their sidecars too: the
	// older pair goes, and the orphan.
	prune(dir, 3 * each);
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%016x.snap", dir, i);
		assert_int_equal(access(p, F_OK) == 0, i == 1);
		snprintf(p, sizeof(p), "%s/%016x.snap.analyses", dir, i);
		assert_int_equal(access(p, F_OK) == 0, i == 1);
	}
	snprintf(p, sizeof(p), "%s/%016x.snap.analyses", dir, 7);
	assert_int_equal(access(p, F_OK), -1);
	prune(dir, 0);
	snprintf(p, sizeof(p), "%s/%016x.snap.analyses", dir, 1);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
}

/* The key of an existing file, as make_key() would give it (context aside). */
static struct rh_snapshot_cache_key key_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	struct rh_snapshot_cache_key k = test_key;
	k.core_path = path;
	k.dev = st.st_dev;
	k.ino = st.st_ino;
	k.size = (uint64_t)st.st_size;
	k.mtime_sec = st.st_mtim.tv_sec;
	k.mtime_nsec = st.st_mtim.tv_nsec;
	return k;
}

static void rh_snapshot_cache_prune_drops_files_of_gone_cores(void **state)
{
	(void)state;
	char dir[300], core_a[300], core_b[300], core_c[300], fa[400], fb[400], fc[400];
	snprintf(dir, sizeof(dir), "%s/gone", tmpdir);
	assert_true(make_dirs(dir));
	snprintf(core_a, sizeof(core_a), "%s/core.a", tmpdir);
	snprintf(core_b, sizeof(core_b), "%s/core.b", tmpdir);
	snprintf(core_c, sizeof(core_c), "%s/core.c", tmpdir);
	spit(core_a, "core a", 6);
	spit(core_b, "core b", 6);
	spit(core_c, "core c", 6);
	struct rh_snapshot *s = make_snapshot(20);
	struct rh_snapshot_cache_key ka = key_of(core_a), kb = key_of(core_b), kc = key_of(core_c);
	snprintf(fa, sizeof(fa), "%s/a.snap", dir);
	snprintf(fb, sizeof(fb), "%s/b.snap", dir);
	snprintf(fc, sizeof(fc), "%s/c.snap", dir);
	assert_null(rh_snapshot_cache_write(s, &ka, fa, 0));
	assert_null(rh_snapshot_cache_write(s, &kb, fb, 0));
	assert_null(rh_snapshot_cache_write(s, &kc, fc, 0));
	rh_snapshot_destroy(s);
	unlink(core_b);                          /* gone */
	spit(core_c, "core c, written again", 21);  /* changed */
	prune(dir, UINT64_MAX);
	assert_int_equal(access(fa, F_OK), 0);
	assert_int_equal(access(fb, F_OK), -1);
	assert_int_equal(access(fc, F_OK), -1);
	// The kept one still reads.
	struct rh_snapshot *r = NULL;
	assert_null(rh_snapshot_cache_read(fa, &ka, &r));
	rh_snapshot_destroy(r);
	unlink(fa);
	unlink(core_a);
	unlink(core_c);
	rmdir(dir);
}

static void rh_snapshot_cache_paths_differ_by_key(void **state)
{
	(void)state;
	char *a = cache_path("/d", &test_key);
	struct rh_snapshot_cache_key k = test_key;
	k.mtime_nsec++;
	char *b = cache_path("/d", &k);
	k = test_key;
	k.alloc_scan = false;
	char *c = cache_path("/d", &k);
	assert_non_null(a);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "/d/", 3), 0);
	assert_non_null(strstr(a, ".snap"));
	free(a);
	free(b);
	free(c);
}

/* Move *field's n bytes into a page-aligned block, as rh_big_malloc gives big arrays. */
static void rehome_aligned(void **field, size_t n)
{
	size_t len = (n + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, len);
	assert_non_null(p);
	memcpy(p, *field, n);
	free(*field);
	*field = p;
}

/*
 * Whether /proc/self/maps maps addr from a file whose path contains name;
 * the mapping's start and file offset in *start and *offset when not NULL.
 */
static bool mapping_of(const void *addr, const char *name, uintptr_t *start,
		       uint64_t *offset)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		unsigned long long off;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %llx", &lo, &hi, perms, &off) != 4 ||
		    (uintptr_t)addr < lo || (uintptr_t)addr >= hi)
			continue;
		found = strstr(line, name) != NULL;
		if (found && start)
			*start = lo;
		if (found && offset)
			*offset = off;
		break;
	}
	fclose(f);
	return found;
}

static bool mapped_from(const void *addr, const char *name)
{
	return mapping_of(addr, name, NULL, NULL);
}

/*
 * A snapshot just built hands its object and edge arrays to the page cache
 * once they are written: the same addresses now map the file, the bytes
 * are the same (also once the file is removed), the file reads back as the
 * snapshot, and the snapshot is freed as usual (under ASan: no report). An
 * array that is not page-aligned (a small one, from malloc) stays as it
 * was.
 */
static void rh_snapshot_cache_adopt_maps_the_file(void **state)
{
	(void)state;
	const uint32_t n = 1200000;   /* the 1-byte arrays over ADOPT_MIN */
	struct rh_snapshot *s = make_snapshot(n);
	size_t sz[] = { (size_t)n * 8, (size_t)n * 4, (size_t)n * 4, (size_t)n * 4,
			n, n, (size_t)n + 1, ((size_t)3 * n + 1) * 4 };
	void **f[] = { (void **)&s->obj_addr, (void **)&s->obj_type, (void **)&s->obj_size,
		       (void **)&s->obj_refcnt, (void **)&s->obj_gen, (void **)&s->obj_interp,
		       (void **)&s->edge_start, (void **)&s->edges };
	sz[6] *= 4;
	void *copy[8];
	for (int i = 0; i < 8; i++) {
		rehome_aligned(f[i], sz[i]);
		copy[i] = malloc(sz[i]);
		assert_non_null(copy[i]);
		memcpy(copy[i], *f[i], sz[i]);
	}
	// obj_found stays where calloc put it: 16 bytes into its mapping.
	uint8_t *found = s->obj_found;
	bool found_aligned = (uintptr_t)found % 4096 == 0;
	const char *p = tmp_path("adopt.snap");
	assert_null(cache_write(s, &test_key, p, 0, NULL, NULL, s, false));
	assert_int_equal(s->nadopted, found_aligned ? 9 : 8);
	unsigned arrays;
	uint64_t bytes;
	assert_int_equal(rh_snapshot_paged(s, &arrays, &bytes), RH_SNAP_PAGED);
	assert_int_equal(arrays, s->nadopted);
	assert_true(bytes >= (uint64_t)n * 8 - 4096);
	assert_ptr_equal(s->obj_found, found);
	assert_false(!found_aligned && mapped_from(found, "adopt.snap"));
	for (int i = 0; i < 8; i++) {
		assert_true(mapped_from(*f[i], "adopt.snap"));
		assert_memory_equal(*f[i], copy[i], sz[i]);
	}
	// The file reads back as the snapshot.
	struct rh_snapshot *b = NULL;
	assert_null(rh_snapshot_cache_read(p, &test_key, &b));
	assert_same(s, b);
	rh_snapshot_destroy(b);
	// The mappings hold the file's pages, not its name.
	assert_int_equal(unlink(p), 0);
	for (int i = 0; i < 8; i++) {
		assert_memory_equal(*f[i], copy[i], sz[i]);
		free(copy[i]);
	}
	rh_snapshot_destroy(s);
}

/*
 * A big array, 2 MiB-aligned as rh_big_malloc gives it, is mapped over
 * from a file offset congruent with its address modulo 2 MiB, so that
 * the kernel can map the file's 2 MiB folios with one entry each
 * (BIG_ALIGN): the sections of 4 MiB or more start at 2 MiB boundaries
 * of the file, and the smaller ones stay packed at 4 KiB.
 */
static void rh_snapshot_cache_big_sections_congruent(void **state)
{
	(void)state;
	const size_t huge = (size_t)2 << 20;
	const uint32_t n = 1200000;
	struct rh_snapshot *s = make_snapshot(n);
	// obj_addr 9.6 MB, edges 14.4 MB, obj_type 4.8 MB: big; obj_gen
	// 1.2 MB: not.
	void **f[] = { (void **)&s->obj_addr, (void **)&s->edges, (void **)&s->obj_type,
		       (void **)&s->obj_gen };
	size_t sz[] = { (size_t)n * 8, ((size_t)3 * n + 1) * 4, (size_t)n * 4, n };
	for (int i = 0; i < 4; i++) {
		size_t len = (sz[i] + huge - 1) & ~(huge - 1);
		void *p = aligned_alloc(huge, len);
		assert_non_null(p);
		memcpy(p, *f[i], sz[i]);
		free(*f[i]);
		*f[i] = p;
	}
	const char *p = tmp_path("congruent.snap");
	assert_null(cache_write(s, &test_key, p, 0, NULL, NULL, s, false));
	for (int i = 0; i < 4; i++) {
		uintptr_t start;
		uint64_t off;
		assert_true(mapping_of(*f[i], "congruent.snap", &start, &off));
		assert_int_equal(start, (uintptr_t)*f[i]);
		if (sz[i] >= BIG_MIN)
			assert_int_equal(off % huge, 0);
		else
			assert_int_equal(off % ALIGN, 0);
	}
	struct rh_snapshot *b = NULL;
	assert_null(rh_snapshot_cache_read(p, &test_key, &b));
	assert_same(s, b);
	rh_snapshot_destroy(b);
	assert_int_equal(unlink(p), 0);
	rh_snapshot_destroy(s);
}


/*
 * An index by block goes to the file and comes back: every object found
 * where it was, through the blocks' slots or the keyindex of the others.
 */
static void rh_snapshot_cache_round_trip_split(void **state)
{
	(void)state;
	struct rh_snapshot *a = make_snapshot_split(N);
	assert_true(a->obj_blocks.count > N / 2);
	assert_true(a->nothers > 0);
	const char *p = tmp_path("split.snap");
	assert_null(rh_snapshot_cache_write(a, &test_key, p, 0));
	struct rh_snapshot *b = NULL;
	assert_null(rh_snapshot_cache_read(p, &test_key, &b));
	assert_same(a, b);
	assert_consistent(b);
	rh_snapshot_destroy(b);
	rh_snapshot_destroy(a);
}

/* The hostile-file tests again, on a file with an index by block. */
static void rh_snapshot_cache_split_truncated_refused(void **state)
{
	split_reference = true;
	rh_snapshot_cache_truncated_files_refused(state);
	split_reference = false;
}

static void rh_snapshot_cache_split_flipped_never_crash(void **state)
{
	split_reference = true;
	rh_snapshot_cache_flipped_bytes_never_crash(state);
	split_reference = false;
}

/* Slots that name no object, or an offset the geometry lacks, are corrupt. */
static void block_slot_past_objects(struct disk_header *h, unsigned char *f)
{
	uint32_t *slots = (uint32_t *)(f + h->sections[SEC_BLOCK_SLOTS].offset);
	for (uint64_t i = 0; i < h->block_nslots; i++)
		if (slots[i]) {
			slots[i] = (slots[i] & ~RH_BLOCKINDEX_POS_MASK) | (uint32_t)(h->nobjects + 1);
			return;
		}
}

static void block_slot_bad_offset(struct disk_header *h, unsigned char *f)
{
	uint32_t *slots = (uint32_t *)(f + h->sections[SEC_BLOCK_SLOTS].offset);
	for (uint64_t i = 0; i < h->block_nslots; i++)
		if (slots[i]) {
			slots[i] |= 7u << RH_BLOCKINDEX_POS_BITS;
			return;
		}
}

static void block_slot_zero_pos(struct disk_header *h, unsigned char *f)
{
	uint32_t *slots = (uint32_t *)(f + h->sections[SEC_BLOCK_SLOTS].offset);
	for (uint64_t i = 0; i < h->block_nslots; i++)
		if (slots[i]) {
			slots[i] = 1u << RH_BLOCKINDEX_POS_BITS;   /* position -1 */
			return;
		}
}

static void block_region_overlaps(struct disk_header *h, unsigned char *f)
{
	struct rh_blockregion *r = (struct rh_blockregion *)(f + h->sections[SEC_BLOCK_REGIONS].offset);
	r[1].addr = r[0].addr;
}

static void block_region_overruns(struct disk_header *h, unsigned char *f)
{
	struct rh_blockregion *r = (struct rh_blockregion *)(f + h->sections[SEC_BLOCK_REGIONS].offset);
	r[2].nblocks += 1;
}

static void other_pos_past_objects(struct disk_header *h, unsigned char *f)
{
	uint32_t *pos = (uint32_t *)(f + h->sections[SEC_OTHER_POS].offset);
	pos[0] = (uint32_t)h->nobjects;
}

static void block_count_off(struct disk_header *h, unsigned char *f)
{
	(void)f;
	h->block_count--;
	h->nothers++;
	h->index_count++;
}

static void block_geometry_bad(struct disk_header *h, unsigned char *f)
{
	(void)f;
	h->block_region_size = 3000;
}

static void rh_snapshot_cache_split_corruptions_refused(void **state)
{
	(void)state;
	split_reference = true;
	size_t len;
	unsigned char *ref = reference_file(tmp_path("ref.snap"), &len);
	split_reference = false;
	void (*const fns[])(struct disk_header *, unsigned char *) = {
		block_slot_past_objects, block_slot_bad_offset, block_slot_zero_pos,
		block_region_overlaps, block_region_overruns, other_pos_past_objects,
		block_count_off, block_geometry_bad,
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct rh_error *err = read_patched(ref, len, fns[i]);
		assert_non_null(err);
		assert_int_equal(err->code, RH_ERR_BAD_DATA);
		rh_error_destroy(err);
	}
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_snapshot_cache_round_trip),
		cmocka_unit_test(rh_snapshot_cache_without_graph),
		cmocka_unit_test(rh_snapshot_cache_round_trip_small_and_empty),
		cmocka_unit_test(rh_snapshot_cache_other_key_is_a_miss),
		cmocka_unit_test(rh_snapshot_cache_truncated_files_refused),
		cmocka_unit_test(rh_snapshot_cache_flipped_bytes_never_crash),
		cmocka_unit_test(rh_snapshot_cache_forged_files_refused),
		cmocka_unit_test(rh_snapshot_cache_other_build_is_a_miss),
		cmocka_unit_test(rh_snapshot_cache_not_a_file),
		cmocka_unit_test(rh_snapshot_cache_size_limit),
		cmocka_unit_test(rh_snapshot_cache_prune_keeps_most_recent),
		cmocka_unit_test(rh_snapshot_cache_prune_keeps_under_the_size_cap),
		cmocka_unit_test(rh_snapshot_cache_prune_takes_sidecars_along),
		cmocka_unit_test(rh_snapshot_cache_prune_drops_files_of_gone_cores),
		cmocka_unit_test(rh_snapshot_cache_paths_differ_by_key),
		cmocka_unit_test(rh_snapshot_drop_index_finds_the_same),
		cmocka_unit_test(rh_snapshot_cache_adopt_maps_the_file),
		cmocka_unit_test(rh_snapshot_cache_big_sections_congruent),
		cmocka_unit_test(rh_snapshot_cache_round_trip_split),
		cmocka_unit_test(rh_snapshot_cache_split_truncated_refused),
		cmocka_unit_test(rh_snapshot_cache_split_flipped_never_crash),
		cmocka_unit_test(rh_snapshot_cache_split_corruptions_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
