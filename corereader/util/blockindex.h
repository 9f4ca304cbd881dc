/*
 * An index of objects by the allocator block that holds them: address ->
 * position, for the objects that sit in the blocks of an allocator's
 * fixed-size regions (pymalloc's pools), beside util/keyindex.h for the
 * rest (heap/snapshot.h obj_blocks and obj_index).
 *
 * Why: a lookup in the keyindex reads two random cache lines, the slot and
 * then the key it names in the object table; on the 10M-object benchmark
 * the snapshot's 16.7M lookups were the main thread's largest cost while
 * it followed references (issue 12). Here the address alone says where
 * its slot is: its region (a pool, found in a small table of the pools,
 * which stays in the cache), the block in it (the offset over the pool's
 * block size) and where the object sits in the block (one of a few
 * offsets: after a GC header, or at the start). The slot holds the
 * position and that offset, so a lookup reads one random line and never
 * the key: 16.7M lookups in edge order took 9.4-9.7 ns each against
 * 26.3-26.6 ns in the keyindex prefetched the same way (a test program on
 * the 10M benchmark core, not kept).
 *
 * A slot is a uint32_t: 0 is empty; otherwise the offset's number in the
 * top RH_BLOCKINDEX_CODE_BITS bits and position + 1 below. A block holds
 * one object: an address in a block whose slot holds another offset is
 * not indexed here (rh_blockindex_find says RH_BI_OTHER, and the caller
 * uses its other index). An empty slot is final: no address of its block
 * was placed elsewhere while it was empty, so nothing of that block is
 * indexed anywhere.
 *
 * Memory: one slot per carved block of the regions the caller gives (4
 * bytes a block: 49 MB for the 12.2M blocks of the 10M benchmark heap,
 * against 67 MB of keyindex for its 9.4M objects); the caller leaves out
 * regions that are mostly free. The region table is rebuilt from the
 * region array (which the snapshot cache stores) by rh_blockindex_open.
 *
 * Lookups only read: threads may look up concurrently while nobody places.
 */
#ifndef RH_UTIL_BLOCKINDEX_H
#define RH_UTIL_BLOCKINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RH_BLOCKINDEX_OFFSETS 3
#define RH_BLOCKINDEX_CODE_BITS 3
#define RH_BLOCKINDEX_POS_BITS (32 - RH_BLOCKINDEX_CODE_BITS)
#define RH_BLOCKINDEX_POS_MASK ((1u << RH_BLOCKINDEX_POS_BITS) - 1)
/** Positions must be below this (as util/keyindex.h's RH_KEYINDEX_MAX). */
#define RH_BLOCKINDEX_MAX RH_BLOCKINDEX_POS_MASK

/** One region: its address, its first slot, its block size and blocks. */
struct rh_blockregion {
	uint64_t addr;
	uint64_t first;
	uint32_t size;
	uint32_t nblocks;
};

/** What the regions have in common (all zero: no index). */
struct rh_blockgeom {
	uint64_t region_size;   /* a power of two; regions are aligned to it */
	uint64_t overhead;      /* the first block's offset in its region */
	uint64_t offs[RH_BLOCKINDEX_OFFSETS];   /* where an object may sit in a block */
};

/* A slot of the region table: the region's record, key addr (0: empty). */
struct rh_blockindex_rslot {
	uint64_t addr;
	uint64_t first;
	uint32_t size;
	uint32_t nblocks;
};

struct rh_blockindex {
	struct rh_blockgeom g;
	/* The regions, in the caller's order (what a cache file stores). */
	const struct rh_blockregion *regions;
	struct rh_blockregion *regions_owned;
	size_t nregions;
	/* Region table: a power of two of slots, at most half used. */
	struct rh_blockindex_rslot *table;
	size_t table_mask;
	unsigned region_shift;
	uint32_t *slots;        /* nslots; owned unless slots_mapped */
	uint64_t nslots;
	bool slots_mapped;
	size_t count;           /* slots used */
};

void rh_blockindex_init(struct rh_blockindex *x);
void rh_blockindex_deinit(struct rh_blockindex *x);

/**
 * Make the index over regions (copied): each region's blocks get slots
 * first .. first + nblocks - 1, in the caller's order, all empty. Regions
 * that are not aligned to g->region_size, repeat one before them, have no
 * blocks, or blocks that overrun the region, are left out. False on no
 * memory or a geometry that is not one (then x is empty and every lookup
 * says RH_BI_OTHER).
 */
bool rh_blockindex_create(struct rh_blockindex *x, const struct rh_blockgeom *g,
			  const struct rh_blockregion *regions, size_t nregions);

/**
 * Use regions and slots that the caller keeps (a cache file's mapping):
 * only the region table is made. 1 when done; 0 when the regions do not
 * fit the slots or the geometry (a corrupt file), -1 on no memory: then
 * nothing is kept.
 */
int rh_blockindex_open(struct rh_blockindex *x, const struct rh_blockgeom *g,
			const struct rh_blockregion *regions, size_t nregions,
			uint32_t *slots, uint64_t nslots, size_t count);

enum { RH_BI_OTHER = -1, RH_BI_ABSENT = 0, RH_BI_FOUND = 1 };

/* Where addr's slot is, if addr is a place an object may sit in a block. */
static inline bool rh_blockindex_locate(const struct rh_blockindex *x, uint64_t addr,
					uint64_t *slot_ret, uint32_t *code_ret)
{
	if (!x->table)
		return false;
	uint64_t raddr = addr & ~(x->g.region_size - 1);
	uint64_t h = (raddr >> x->region_shift) * 0x9E3779B97F4A7C15ULL;
	size_t j = (size_t)(h >> 32) & x->table_mask;
	const struct rh_blockindex_rslot *r;
	// An empty slot first: no region is at 0, where an empty slot's
	// address is.
	for (;; j = (j + 1) & x->table_mask) {
		r = &x->table[j];
		if (!r->addr)
			return false;
		if (r->addr == raddr)
			break;
	}
	uint64_t off = addr - raddr;
	if (off < x->g.overhead)
		return false;
	// Regions are at most 2^32 bytes (rh_blockindex_create): a 32-bit
	// division, a third of the 64-bit one's latency.
	uint32_t o = (uint32_t)(off - x->g.overhead);
	uint32_t k = o / r->size;
	uint32_t at = o - k * r->size;
	if (k >= r->nblocks)
		return false;
	uint32_t code;
	if (at == x->g.offs[0])
		code = 0;
	else if (at == x->g.offs[1])
		code = 1;
	else if (at == x->g.offs[2])
		code = 2;
	else
		return false;
	*slot_ret = r->first + k;
	*code_ret = code;
	return true;
}

/**
 * Look addr up: RH_BI_FOUND (*pos_ret set), RH_BI_ABSENT (no object at
 * addr is indexed anywhere: its block's slot is empty), or RH_BI_OTHER
 * (not a place this index holds: ask the other index). The position is
 * the one placed for addr; a caller that does not trust the slots (a
 * cache file) compares the key itself.
 */
static inline int rh_blockindex_find(const struct rh_blockindex *x, uint64_t addr,
				     uint32_t *pos_ret)
{
	uint64_t slot;
	uint32_t code;
	if (!rh_blockindex_locate(x, addr, &slot, &code))
		return RH_BI_OTHER;
	uint32_t v = x->slots[slot];
	if (!v)
		return RH_BI_ABSENT;
	if (v >> RH_BLOCKINDEX_POS_BITS != code)
		return RH_BI_OTHER;
	*pos_ret = (v & RH_BLOCKINDEX_POS_MASK) - 1;
	return RH_BI_FOUND;
}

/**
 * Place pos for addr, which rh_blockindex_find just said is RH_BI_ABSENT
 * (true), or which this index does not hold (false: the caller places it
 * in its other index).
 */
static inline bool rh_blockindex_place(struct rh_blockindex *x, uint64_t addr, uint32_t pos)
{
	uint64_t slot;
	uint32_t code;
	if (pos >= RH_BLOCKINDEX_MAX || !rh_blockindex_locate(x, addr, &slot, &code) ||
	    x->slots[slot])
		return false;
	x->slots[slot] = (code << RH_BLOCKINDEX_POS_BITS) | (pos + 1);
	x->count++;
	return true;
}

/* Always inlined, or GCC deletes it: see RH_PREFETCH_FN in util/keyindex.h. */
/** Prefetch addr's slot; false if this index does not hold addr's place. */
static inline __attribute__((always_inline)) bool
rh_blockindex_prefetch(const struct rh_blockindex *x, uint64_t addr)
{
	uint64_t slot;
	uint32_t code;
	if (!rh_blockindex_locate(x, addr, &slot, &code))
		return false;
	__builtin_prefetch(&x->slots[slot]);
	return true;
}

/**
 * For a cache file's slots: how many of slots lo..hi are used, and *bad_ret
 * set if one holds a position not below n or an offset number past the
 * geometry's (the sum over all parts is the count).
 */
size_t rh_blockindex_check_slots(const uint32_t *slots, uint64_t nslots, size_t n,
				 uint64_t lo, uint64_t hi, bool *bad_ret);

#endif /* RH_UTIL_BLOCKINDEX_H */
