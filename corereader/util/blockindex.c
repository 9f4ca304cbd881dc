/*
 * An index of objects by the allocator block that holds them; see
 * blockindex.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/blockindex.h"
#include "util/rangecheck.h"

/* Regions of more than this are no pools (CPython's are 4-256 KiB). */
#define REGION_MAX ((uint64_t)1 << 24)

void rh_blockindex_init(struct rh_blockindex *x)
{
	memset(x, 0, sizeof(*x));
}

void rh_blockindex_deinit(struct rh_blockindex *x)
{
	free(x->regions_owned);
	free(x->table);
	if (!x->slots_mapped)
		free(x->slots);
	memset(x, 0, sizeof(*x));
}

static bool geom_ok(const struct rh_blockgeom *g)
{
	if (g->region_size < 64 || g->region_size > REGION_MAX ||
	    (g->region_size & (g->region_size - 1)) || g->overhead >= g->region_size)
		return false;
	for (int i = 0; i < RH_BLOCKINDEX_OFFSETS; i++)
		if (g->offs[i] >= g->region_size)
			return false;
	return true;
}

/* A region that fits the geometry, with its blocks inside it. */
static bool region_ok(const struct rh_blockgeom *g, const struct rh_blockregion *r)
{
	return r->addr && !(r->addr & (g->region_size - 1)) && r->size && r->nblocks &&
	       (uint64_t)r->size * r->nblocks <= g->region_size - g->overhead;
}

/* An empty region table of room for n regions (at most half full). */
static bool table_alloc(struct rh_blockindex *x, size_t n)
{
	size_t want = 16;
	while (want < n * 2) {
		if (want > SIZE_MAX / 2 / sizeof(*x->table))
			return false;
		want *= 2;
	}
	x->table = calloc(want, sizeof(*x->table));
	if (!x->table)
		return false;
	x->table_mask = want - 1;
	x->region_shift = (unsigned)__builtin_ctzll(x->g.region_size);
	return true;
}

/* Enter r in the region table; false if a region of its address is there. */
static bool table_add(struct rh_blockindex *x, const struct rh_blockregion *r)
{
	uint64_t h = (r->addr >> x->region_shift) * 0x9E3779B97F4A7C15ULL;
	size_t j = (size_t)(h >> 32) & x->table_mask;
	while (x->table[j].addr && x->table[j].addr != r->addr)
		j = (j + 1) & x->table_mask;
	if (x->table[j].addr)
		return false;
	x->table[j] = (struct rh_blockindex_rslot){
		.addr = r->addr, .first = r->first, .size = r->size, .nblocks = r->nblocks,
	};
	return true;
}

bool rh_blockindex_create(struct rh_blockindex *x, const struct rh_blockgeom *g,
			  const struct rh_blockregion *regions, size_t nregions)
{
	rh_blockindex_init(x);
	if (!geom_ok(g) || nregions > SIZE_MAX / 2 / sizeof(*x->regions_owned))
		return false;
	x->g = *g;
	struct rh_blockregion *own = malloc((nregions ? nregions : 1) * sizeof(*own));
	x->regions_owned = own;
	x->regions = own;
	if (!own || !table_alloc(x, nregions))
		goto fail;
	for (size_t i = 0; i < nregions; i++) {
		struct rh_blockregion r = regions[i];
		r.first = x->nslots;
		if (!region_ok(g, &r) || !table_add(x, &r))
			continue;
		x->nslots += r.nblocks;
		own[x->nregions++] = r;
	}
	if (x->nslots > SIZE_MAX / sizeof(*x->slots))
		goto fail;
	// Written at random as objects are found: faulted in whole first
	// (util/bigmem.h), zeroed by the kernel.
	x->slots = rh_big_calloc_hot(x->nslots ? x->nslots : 1, sizeof(*x->slots));
	if (!x->slots)
		goto fail;
	return true;
fail:
	rh_blockindex_deinit(x);
	return false;
}

int rh_blockindex_open(struct rh_blockindex *x, const struct rh_blockgeom *g,
		       const struct rh_blockregion *regions, size_t nregions,
		       uint32_t *slots, uint64_t nslots, size_t count)
{
	rh_blockindex_init(x);
	if (!nregions && !nslots)
		return 1;   /* no index: every lookup says RH_BI_OTHER */
	if (!geom_ok(g))
		return 0;
	x->g = *g;
	x->regions = regions;
	x->nregions = nregions;
	x->slots = slots;
	x->nslots = nslots;
	x->slots_mapped = true;
	x->count = count;
	if (!table_alloc(x, nregions)) {
		rh_blockindex_deinit(x);
		return -1;
	}
	// A cache file's regions are what rh_blockindex_create left: each
	// fits, at its own address, and their slots follow one another.
	uint64_t next = 0;
	for (size_t i = 0; i < nregions; i++) {
		const struct rh_blockregion *r = &regions[i];
		if (!region_ok(g, r) || r->first != next || r->nblocks > nslots - next ||
		    !table_add(x, r))
			goto fail;
		next += r->nblocks;
	}
	if (next == nslots)
		return 1;
fail:
	rh_blockindex_deinit(x);
	return 0;
}

/* One slot's verdict: 1 in bit 0 when used, 1 in bit 1 when bad (see below). */
static inline uint32_t slot_check(uint32_t v, uint32_t n32)
{
	uint32_t p = v & RH_BLOCKINDEX_POS_MASK;
	uint32_t code = v >> RH_BLOCKINDEX_POS_BITS;
	uint32_t nz = (v | (0u - v)) >> 31;   /* v != 0 */
	uint32_t b = ((n32 - p) | (p - 1) | ((uint32_t)(RH_BLOCKINDEX_OFFSETS - 1) - code)) >> 31;
	return nz | ((nz & b) << 1);
}

size_t rh_blockindex_check_slots(const uint32_t *slots, uint64_t nslots, size_t n,
				 uint64_t lo, uint64_t hi, bool *bad_ret)
{
	// This runs over every slot on every cache load: branch-free,
	// comparisons as sign bits, in blocks of a constant length, so that
	// GCC -O2 vectorizes it (util/rangecheck.h says why; as
	// rh_keyindex_check_slots). A used slot has p = position + 1 in 1..n
	// and an offset number below RH_BLOCKINDEX_OFFSETS; an empty one is
	// all zero. p and n are below 2^29, so n - p and p - 1 are negative
	// exactly when p > n or p == 0; so is OFFSETS - 1 - code past them.
	if (hi > nslots)
		hi = nslots;
	uint32_t n32 = n > RH_BLOCKINDEX_MAX ? RH_BLOCKINDEX_MAX : (uint32_t)n;
	size_t used = 0;
	uint32_t bad = 0;
	uint64_t j = lo;
	for (; j + RH_CHECK_BLOCK <= hi; j += RH_CHECK_BLOCK) {
		uint32_t u = 0, b = 0;
		for (size_t k = 0; k < RH_CHECK_BLOCK; k++) {
			uint32_t c = slot_check(slots[j + k], n32);
			u += c & 1;
			b |= c;
		}
		used += u;
		bad |= b >> 1;
	}
	for (; j < hi; j++) {
		uint32_t c = slot_check(slots[j], n32);
		used += c & 1;
		bad |= c >> 1;
	}
	if (bad)
		*bad_ret = true;
	return used;
}
