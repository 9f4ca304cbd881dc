/*
 * libFuzzer harness: the heap walk over mutated target memory. A small
 * real core (REFHEAP_FUZZ_CORE, made by tests/fuzz/run.sh: a CPython
 * stopped at startup and dumped with gcore) is opened once; each input is
 * a list of 8-byte writes into its dumped writable memory, applied to the
 * core's private mapping, then the snapshot (runtime, GC lists, referents,
 * allocator scan, roots) and every analysis and report run over it, and
 * the writes are undone.
 *
 * Record (14 bytes): mode, field, u32 index, u64 value.
 *   mode % 4 == 0  object[index] + field (aligned down to 8) := value
 *   mode % 4 == 1  writable byte offset index (any alignment) := value
 *   mode % 4 == 2  object[index] + field := address of object[value]
 *   mode % 4 == 3  object[index] + field := a hostile number (value % 8
 *                  picks 0, -1, INT64_MIN, INT64_MAX, 1 << 40, 40, value
 *                  >> 3, or the object's own address)
 * Objects are those of the unmutated snapshot, in its order, so that
 * mutations land on headers, sizes, GC links and dict keys.
 *
 * White-box: target/target_internal.h gives the mapped bytes of the core.
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write a few seed inputs into DIR and exit.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_analyses.h"
#include "fuzz_common.h"
#include "heap/snapshot.h"
#include "image/image.h"
#include "target/target.h"
#include "target/target_internal.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define REC 14
#define MAX_RECS 32

static struct rh_target *target;
static struct rh_image *image;
static uint64_t *objs;
static uint32_t nobjs;
static struct rh_seg **wsegs;    /* dumped, writable */
static size_t nwsegs;
static uint64_t wbytes;
static char cache_dir[512];
static long pagesize;

static void make_seeds(const char *dir)
{
	static const uint8_t seeds[][REC * 2] = {
		{ 0, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,       /* ob_type of #1 := INT64_MIN */
		  3, 16, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 },        /* ob_size of #2 := INT64_MIN */
		{ 2, 8, 5, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,          /* a type := some object */
		  3, 24, 7, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0 },        /* 1 << 40 */
		{ 1, 0, 0x10, 0x20, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 3, 0, 30, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },       /* refcount -1 */
	};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/seed-heap-%zu", dir, i);
		size_t len = seeds[i][REC] || seeds[i][REC + 1] || seeds[i][REC + 2] ? 2 * REC : REC;
		fuzz_write(p, seeds[i], len);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		make_seeds(seeds);
		exit(0);
	}
	const char *core = getenv("REFHEAP_FUZZ_CORE");
	if (!core || !*core) {
		fprintf(stderr, "fuzz_heap: set REFHEAP_FUZZ_CORE to a small CPython core "
				"(tests/fuzz/run.sh makes one)\n");
		exit(2);
	}
	pagesize = sysconf(_SC_PAGESIZE);
	snprintf(cache_dir, sizeof(cache_dir), "%s", fuzz_path("cache"));
	struct rh_error *err = rh_target_open_core(core, NULL, &target);
	if (!err)
		err = rh_image_create(target, &(struct rh_image_options){ 0 }, &image);
	struct rh_snapshot *s = NULL;
	struct rh_snapshot_options so = { .cache_dir = cache_dir, .graph = true, .alloc_scan = true };
	if (!err)
		err = rh_snapshot_create(target, image, &so, &s);
	if (err) {
		fprintf(stderr, "fuzz_heap: %s: %s\n", core, err->message);
		exit(2);
	}
	nobjs = s->nobjects;
	objs = malloc((nobjs ? nobjs : 1) * sizeof(*objs));
	if (!objs)
		abort();
	memcpy(objs, s->obj_addr, nobjs * sizeof(*objs));
	rh_snapshot_destroy(s);
	wsegs = calloc(target->nsegs ? target->nsegs : 1, sizeof(*wsegs));
	for (size_t i = 0; i < target->nsegs; i++) {
		struct rh_seg *g = &target->segs[i];
		if (g->kind == RH_SEG_CORE && g->data && g->avail >= 8 && (g->prot & RH_PROT_WRITE)) {
			wsegs[nwsegs++] = g;
			wbytes += g->avail;
		}
	}
	if (!nobjs || !nwsegs) {
		fprintf(stderr, "fuzz_heap: %s: no objects or no writable dumped memory\n", core);
		exit(2);
	}
	fprintf(stderr, "fuzz_heap: %s: %u objects, %zu writable segments, %" PRIu64 " bytes\n",
		core, nobjs, nwsegs, wbytes);
	return 0;
}

struct undo {
	uint8_t *at;
	uint8_t old[8];
};

/* Host address of [addr, addr + 8) in dumped writable memory, or NULL. */
static uint8_t *host(uint64_t addr)
{
	for (size_t i = 0; i < nwsegs; i++) {
		struct rh_seg *g = wsegs[i];
		if (addr >= g->start && addr - g->start <= g->avail - 8)
			return (uint8_t *)(uintptr_t)g->data + (addr - g->start);
	}
	return NULL;
}

static uint8_t *byte_offset(uint64_t off)
{
	off %= wbytes;
	for (size_t i = 0; i < nwsegs; i++) {
		struct rh_seg *g = wsegs[i];
		if (off < g->avail)
			return (uint8_t *)(uintptr_t)g->data + (off <= g->avail - 8 ? off : g->avail - 8);
		off -= g->avail;
	}
	return NULL;
}

static void make_writable(uint8_t *p)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pagesize - 1);
	size_t len = (uintptr_t)p + 8 - a;
	// MAP_PRIVATE: writes stay in this process (copy on write).
	if (mprotect((void *)a, len, PROT_READ | PROT_WRITE) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct undo undo[MAX_RECS];
	size_t nundo = 0;
	for (size_t r = 0; r + REC <= size && nundo < MAX_RECS; r += REC) {
		const uint8_t *q = data + r;
		uint32_t idx;
		uint64_t val;
		memcpy(&idx, q + 2, 4);
		memcpy(&val, q + 6, 8);
		uint64_t obj = objs[idx % nobjs];
		uint64_t at = obj + (q[1] & ~7u);
		uint8_t *p;
		switch (q[0] % 4) {
		case 1:
			p = byte_offset(idx | (uint64_t)q[1] << 32);
			break;
		case 2:
			p = host(at);
			val = objs[val % nobjs];
			break;
		case 3: {
			static const uint64_t hostile[] = { 0, UINT64_MAX, 1ULL << 63,
							    INT64_MAX, 1ULL << 40, 40 };
			p = host(at);
			val = val % 8 < 6 ? hostile[val % 8] : val % 8 == 6 ? val >> 3 : obj;
			break;
		}
		default:
			p = host(at);
			break;
		}
		if (!p)
			continue;
		make_writable(p);
		undo[nundo].at = p;
		memcpy(undo[nundo].old, p, 8);
		nundo++;
		memcpy(p, &val, 8);
	}
	struct rh_snapshot *s = NULL;
	struct rh_snapshot_options so = { .cache_dir = cache_dir, .graph = true, .alloc_scan = true };
	struct rh_error *err = rh_snapshot_create(target, image, &so, &s);
	if (err) {
		if (!err->message || !*err->message)
			abort();
		rh_error_destroy(err);
	} else {
		fuzz_run_analyses(s, 1);
		rh_snapshot_destroy(s);
	}
	while (nundo--)
		memcpy(undo[nundo].at, undo[nundo].old, 8);
	return 0;
}
