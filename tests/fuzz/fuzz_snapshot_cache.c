/*
 * libFuzzer harness: the snapshot cache reader (heap/snapshot_cache.c),
 * then every analysis and report over what it accepts.
 *
 * White-box, like tests/unit/test_snapshot_cache.c: the reader's source is
 * included so that the header's build stamp (`tool`, a hash of this very
 * binary) and `file_size` can be set to what this run expects; otherwise
 * no input could get past the header and the committed seeds would only
 * fit the build that wrote them.
 *
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write seed files (small hand-built
 * snapshots written by rh_snapshot_cache_write) into DIR and exit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_analyses.h"
#include "fuzz_common.h"
#include "heap/snapshot_cache.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

/* n objects in a chain with extra edges, 4 types, roots, problems. */
static struct rh_snapshot *make_snapshot(uint32_t n)
{
	struct rh_snapshot *s = xcalloc(1, sizeof(*s));
	rh_problems_init(&s->problems);
	rh_arena_init(&s->arena);
	rh_keyindex_init(&s->obj_index);
	rh_u64map_init(&s->type_index);
	s->target_name = rh_arena_intern(&s->arena, "core", 4);
	s->pid = 7;
	s->python_version = rh_arena_intern(&s->arena, "3.11.2", 6);
	s->python_version_hex = 0x030b02f0;
	s->python_module = rh_arena_intern(&s->arena, "/usr/bin/python3.11", 19);
	s->build_id = rh_arena_intern(&s->arena, "c0ffee", 6);
	s->debug_file = rh_arena_intern(&s->arena, "", 0);
	s->ninterps = 1;
	s->interps = xcalloc(1, sizeof(*s->interps));
	s->interps[0].main = true;
	s->interps[0].gc.enabled = true;
	for (int g = 0; g < RH_SNAP_NGENS; g++)
		s->interps[0].gc.gens[g].threshold = 700 / (g + 1);
	s->interps[0].nthreads = 1;
	s->interps[0].threads = xcalloc(1, sizeof(*s->interps[0].threads));
	s->interps[0].threads[0].addr = 0x9000;
	static const char *const tnames[] = { "dict", "list", "app.\xe2\x80\xaeUser", "str" };
	s->ntypes = s->types_cap = 4;
	s->types = xcalloc(4, sizeof(*s->types));
	for (uint32_t t = 0; t < 4; t++) {
		s->types[t] = (struct rh_snap_type){
			.addr = 0x600000 + 0x400 * t,
			.name = rh_arena_intern(&s->arena, tnames[t], strlen(tnames[t])),
			.size_exact = t != 2,
		};
		rh_u64map_insert(&s->type_index, s->types[t].addr, t, NULL);
	}
	s->nobjects = s->objects_cap = n;
	s->obj_addr = xcalloc(n, 8);
	s->obj_type = xcalloc(n, 4);
	s->obj_size = xcalloc(n, 4);
	s->obj_refcnt = xcalloc(n, 4);
	s->obj_gen = xcalloc(n, 1);
	s->obj_interp = xcalloc(n, 1);
	s->obj_found = xcalloc(n, 1);
	for (uint32_t i = 0; i < n; i++) {
		s->obj_addr[i] = 0x7f0000100000ULL + 0x30ULL * i;
		s->obj_type[i] = i % 4;
		s->obj_size[i] = 16 + i;
		s->obj_refcnt[i] = i % 3;
		s->obj_gen[i] = (int8_t)((int)(i % 4) - 1);
		s->obj_found[i] = (uint8_t)(1u << (i % 4));
		rh_keyindex_push(&s->obj_index, s->obj_addr);
	}
	s->have_graph = true;
	s->edge_start = xcalloc(n + 1, 4);
	s->edges = xcalloc(3 * (size_t)n + 1, 4);
	for (uint32_t i = 0; i < n; i++) {
		s->edge_start[i] = (uint32_t)s->nedges;
		if (i + 1 < n)
			s->edges[s->nedges++] = i + 1;
		if (i % 4 == 0)
			s->edges[s->nedges++] = (i * 7) % n | RH_EDGE_OWNED;
		if (i % 5 == 0)
			s->edges[s->nedges++] = (i / 2) | RH_EDGE_CONSERVATIVE;
	}
	s->edge_start[n] = (uint32_t)s->nedges;
	s->edges_cap = 3 * (uint64_t)n + 1;
	s->nroots = s->roots_cap = 4;
	s->roots = xcalloc(4, sizeof(*s->roots));
	for (size_t r = 0; r < 4; r++)
		s->roots[r] = (struct rh_snap_root){
			.obj = (uint32_t)(r * 3 % n), .kind = (uint8_t)r,
			.name = rh_arena_intern(&s->arena, "root \xe2\x80\xa8x", 8),
			.thread = -1, .owned = r & 1,
		};
	rh_problems_add(&s->problems, "object 0x%x is on two GC lists", 0x1234);
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		static const uint32_t sizes[] = { 1, 12, 40 };
		for (size_t k = 0; k < 3; k++) {
			struct rh_snapshot *s = make_snapshot(sizes[k]);
			char p[512];
			snprintf(p, sizeof(p), "%s/seed-snapshot-%u", seeds, sizes[k]);
			struct rh_snapshot_cache_key key = { .core_path = "core", .graph = true };
			struct rh_error *err = rh_snapshot_cache_write(s, &key, p, 0);
			if (err) {
				fprintf(stderr, "seed: %s\n", err->message);
				exit(1);
			}
			rh_snapshot_destroy(s);
		}
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (size >= sizeof(struct disk_header)) {
		// This build's stamp and the true size (see the top).
		uint64_t tool = tool_hash(), fsize = size;
		memcpy(copy + offsetof(struct disk_header, tool), &tool, 8);
		memcpy(copy + offsetof(struct disk_header, file_size), &fsize, 8);
	}
	const char *path = fuzz_path("snapshot");
	fuzz_write(path, copy, size);
	free(copy);
	struct rh_snapshot *s = NULL;
	struct rh_error *err = rh_snapshot_cache_read(path, NULL, &s);
	if (err) {
		if (s || !err->message || !*err->message)
			abort();
		rh_error_destroy(err);
		return 0;
	}
	fuzz_run_analyses(s, 0);
	rh_snapshot_destroy(s);
	return 0;
}
