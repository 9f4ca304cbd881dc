/*
 * A hand-built snapshot, and reading and writing whole files, for the unit
 * tests of the snapshot cache and of the analyses' cache
 * (test_snapshot_cache.c, test_analysis_cache.c).
 * Include after <cmocka.h> and heap/snapshot.h.
 */
#ifndef RH_TESTS_SNAPSHOT_FIXTURE_H
#define RH_TESTS_SNAPSHOT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap/snapshot.h"

/*
 * A snapshot as rh_snapshot_create() leaves one: n objects in a chain with
 * some extra edges, 5 types, 2 interpreters (3 threads), roots of every
 * kind, two big sizes, problems.
 */
static struct rh_snapshot *make_snapshot(uint32_t n)
{
	struct rh_snapshot *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	rh_problems_init(&s->problems);
	rh_arena_init(&s->arena);
	rh_keyindex_init(&s->obj_index);
	rh_u64map_init(&s->type_index);
	s->target_name = rh_arena_intern(&s->arena, "core.1234", 9);
	s->pid = 1234;
	s->python_version = rh_arena_intern(&s->arena, "3.11.7", 6);
	s->python_version_hex = 0x030b07f0;
	s->python_module = rh_arena_intern(&s->arena, "/usr/lib/libpython3.11.so", 25);
	s->build_id = rh_arena_intern(&s->arena, "0123abcd", 8);
	s->debug_file = rh_arena_intern(&s->arena, "", 0);
	s->debug_offsets_checked = 7;
	s->seconds_runtime = 0.25;
	s->seconds_objects = 1.5;
	s->seconds_graph = 1.25;

	s->ninterps = 2;
	s->interps = calloc(2, sizeof(*s->interps));
	assert_non_null(s->interps);
	for (size_t i = 0; i < 2; i++) {
		struct rh_snap_interp *in = &s->interps[i];
		in->addr = 0x5000 + 0x100 * i;
		in->id = (int64_t)i;
		in->main = i == 0;
		in->gc_owner = 0;
		in->gc.enabled = i == 0;
		in->gc.collecting = i == 1;
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			in->gc.gens[g].threshold = 700 / (g + 1);
			in->gc.gens[g].count = g + 3 + (int64_t)i;
		}
		in->gc.garbage_len = i ? -1 : 4;
		in->gc.garbage_addr = 0x7000 + i;
		in->gc.have_long_lived = true;
		in->gc.long_lived_total = 1000 + (int64_t)i;
		in->gc.long_lived_pending = 20;
		in->gc.runtime_wide = i == 1;
		in->nthreads = i ? 1 : 2;
		in->threads = calloc(in->nthreads, sizeof(*in->threads));
		assert_non_null(in->threads);
		for (size_t k = 0; k < in->nthreads; k++)
			in->threads[k] = (struct rh_snap_thread){
				.addr = 0x9000 + 0x10 * k + 0x100 * i,
				.thread_id = 0x7f0000 + k, .native_thread_id = k ? -1 : 4242,
			};
	}

	s->ntypes = 5;
	s->types_cap = 5;
	s->types = calloc(5, sizeof(*s->types));
	assert_non_null(s->types);
	static const char *const tnames[] = { "dict", "list", "app.User", "str", "int" };
	for (uint32_t t = 0; t < 5; t++) {
		s->types[t] = (struct rh_snap_type){
			.addr = 0x600000 + 0x400 * t,
			.name = rh_arena_intern(&s->arena, tnames[t], strlen(tnames[t])),
			.size_exact = t != 2,
		};
		assert_int_equal(rh_u64map_insert(&s->type_index, s->types[t].addr, t, NULL), 1);
	}

	s->nobjects = n;
	s->objects_cap = n;
	s->gc_nobjects = n / 2;   /* the GC lists' part */
	s->gc_nproblems = 0;
	s->obj_addr = calloc(n ? n : 1, 8);
	s->obj_type = calloc(n ? n : 1, 4);
	s->obj_size = calloc(n ? n : 1, 4);
	s->obj_refcnt = calloc(n ? n : 1, 4);
	s->obj_gen = calloc(n ? n : 1, 1);
	s->obj_interp = calloc(n ? n : 1, 1);
	s->obj_found = calloc(n ? n : 1, 1);
	assert_true(s->obj_addr && s->obj_type && s->obj_size && s->obj_refcnt &&
		    s->obj_gen && s->obj_interp && s->obj_found);
	for (uint32_t i = 0; i < n; i++) {
		s->obj_addr[i] = 0x7f0000100000ULL + 0x30ULL * i;
		s->obj_type[i] = i % 5;
		s->obj_size[i] = 16 + i;
		s->obj_refcnt[i] = i % 7 == 0 ? RH_REFCNT_IMMORTAL : i % 3;
		s->obj_gen[i] = (int8_t)((int)(i % 5) - 1);   /* -1 .. 3 */
		s->obj_interp[i] = (uint8_t)(i % 2);
		s->obj_found[i] = (uint8_t)(1u << (i % 4));
		assert_true(rh_keyindex_push(&s->obj_index, s->obj_addr));
	}
	if (n > 10) {
		s->nbig_sizes = 2;
		s->big_sizes = calloc(2, sizeof(*s->big_sizes));
		assert_non_null(s->big_sizes);
		s->big_sizes[0] = (struct rh_snap_big_size){ 3, 5ULL << 32 };
		s->big_sizes[1] = (struct rh_snap_big_size){ 9, 1ULL << 40 };
		s->obj_size[3] = s->obj_size[9] = UINT32_MAX;
	}

	s->have_graph = true;
	s->edge_start = calloc(n + 1, 4);
	s->edges = calloc(3 * (size_t)n + 1, 4);
	assert_true(s->edge_start && s->edges);
	for (uint32_t i = 0; i < n; i++) {
		s->edge_start[i] = (uint32_t)s->nedges;
		if (i + 1 < n)
			s->edges[s->nedges++] = i + 1;
		if (i % 4 == 0)
			s->edges[s->nedges++] = (i * 7) % n | RH_EDGE_OWNED;
		if (i % 9 == 0)
			s->edges[s->nedges++] = (i / 2) | RH_EDGE_CONSERVATIVE | RH_EDGE_BORROWED;
	}
	s->edge_start[n] = (uint32_t)s->nedges;
	s->edges_cap = 3 * (uint64_t)n + 1;

	s->nroots = n ? 12 : 0;
	s->roots_cap = 12;
	s->roots = calloc(12, sizeof(*s->roots));
	assert_non_null(s->roots);
	for (size_t r = 0; r < s->nroots; r++) {
		char name[64];
		int len = snprintf(name, sizeof(name), "thread %zu \xe2\x80\xba frame local 'x%zu'",
				   r, r % 3);
		s->roots[r] = (struct rh_snap_root){
			.obj = (uint32_t)((r * 37) % n), .kind = (uint8_t)(r % (RH_SNAP_ROOT_MEMORY + 1)),
			.conservative = r % 2, .name = rh_arena_intern(&s->arena, name, (size_t)len),
			.where = r * 8, .thread = (int64_t)r - 3, .owned = r % 3 == 0,
			.secondary = r % 5 == 0,
		};
	}
	rh_problems_add(&s->problems, "object 0x%x is on two GC lists", 0x1234);
	rh_problems_add(&s->problems, "3 roots point to unreadable objects");
	s->problems.dropped = 5;
	return s;
}

/*
 * make_snapshot(n) with its index by block (snapshot.h obj_blocks), as
 * for objects in pymalloc's pools: 4 KiB regions of 48-byte blocks after
 * a 48-byte header, so that the objects sit at every offset the index
 * knows (0, 16, 32: 4096 is 16 past a multiple of 48). The first object
 * (in a region's header) and those past the third region go to the
 * keyindex, over other_addr.
 */
static __attribute__((unused)) struct rh_snapshot *make_snapshot_split(uint32_t n)
{
	struct rh_snapshot *s = make_snapshot(n);
	rh_keyindex_deinit(&s->obj_index);
	const struct rh_blockgeom g = { .region_size = 4096, .overhead = 48, .offs = { 0, 16, 32 } };
	struct rh_blockregion r[3];
	for (int k = 0; k < 3; k++)
		r[k] = (struct rh_blockregion){
			.addr = 0x7f0000100000ULL + 4096ULL * (uint64_t)k, .size = 48,
			.nblocks = (4096 - 48) / 48,
		};
	assert_true(rh_blockindex_create(&s->obj_blocks, &g, r, 3));
	s->others_cap = n ? n : 1;
	s->other_addr = calloc(s->others_cap, sizeof(*s->other_addr));
	s->other_pos = calloc(s->others_cap, sizeof(*s->other_pos));
	assert_true(s->other_addr && s->other_pos);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pos;
		assert_int_not_equal(rh_blockindex_find(&s->obj_blocks, s->obj_addr[i], &pos),
				     RH_BI_FOUND);
		if (rh_blockindex_place(&s->obj_blocks, s->obj_addr[i], i))
			continue;
		s->other_addr[s->nothers] = s->obj_addr[i];
		s->other_pos[s->nothers] = i;
		assert_true(rh_keyindex_push(&s->obj_index, s->other_addr));
		s->nothers++;
	}
	return s;
}

/* A whole file, and a file written whole. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long l = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)l);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)l, f), (size_t)l);
	fclose(f);
	*len = (size_t)l;
	return buf;
}

static void spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

#endif /* RH_TESTS_SNAPSHOT_FIXTURE_H */
