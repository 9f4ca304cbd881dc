#include "config.h"

#include "fuzz_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap/snapshot.h"

static char dir[256];

static void cleanup(void)
{
	// Only what the harnesses made, one level deep.
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/rh-fuzz-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(dir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(cleanup);
	}
	return dir;
}

const char *fuzz_path(const char *name)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", fuzz_dir(), name);
	return p;
}

void fuzz_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		len -= (size_t)w;
	}
	close(fd);
}

void fuzz_refused(const char *why)
{
	const char *v = getenv("REFHEAP_FUZZ_SEEDS_VALID");
	if (v && *v && strcmp(v, "0") != 0) {
		fprintf(stderr, "a seed was refused (regenerate the seeds: tests/fuzz/README.md): %s\n",
			why);
		abort();
	}
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

struct rh_snapshot *fuzz_make_snapshot(uint32_t n)
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

void fuzz_split_index(struct rh_snapshot *s)
{
	// As tests/unit/snapshot_fixture.h make_snapshot_split: 4 KiB regions
	// of 48-byte blocks, objects at every offset the index knows.
	rh_keyindex_deinit(&s->obj_index);
	const struct rh_blockgeom g = { .region_size = 4096, .overhead = 48, .offs = { 0, 16, 32 } };
	struct rh_blockregion r[2];
	for (int k = 0; k < 2; k++)
		r[k] = (struct rh_blockregion){
			.addr = 0x7f0000100000ULL + 4096ULL * (uint64_t)k, .size = 48,
			.nblocks = (4096 - 48) / 48,
		};
	if (!rh_blockindex_create(&s->obj_blocks, &g, r, 2))
		abort();
	s->others_cap = s->nobjects ? s->nobjects : 1;
	s->other_addr = xcalloc(s->others_cap, sizeof(*s->other_addr));
	s->other_pos = xcalloc(s->others_cap, sizeof(*s->other_pos));
	for (uint32_t i = 0; i < s->nobjects; i++) {
		if (rh_blockindex_place(&s->obj_blocks, s->obj_addr[i], i))
			continue;
		s->other_addr[s->nothers] = s->obj_addr[i];
		s->other_pos[s->nothers] = i;
		if (!rh_keyindex_push(&s->obj_index, s->other_addr))
			abort();
		s->nothers++;
	}
}
