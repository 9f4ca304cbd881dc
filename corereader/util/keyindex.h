/*
 * An index over a key array the caller owns: key -> its position in the
 * array, for the snapshot's address index (object address -> object
 * index: heap/snapshot.h obj_index, keys = obj_addr; or, beside the index
 * by block of util/blockindex.h, the objects outside pymalloc's pools,
 * keys = other_addr).
 *
 * Why not util/u64map.h: a u64map stores each key again beside its value
 * (12 bytes a slot, 15-23 bytes an object at its load factors), and the
 * snapshot already holds every address in obj_addr. Here a slot is one
 * uint32_t: the position (plus one, 0 marks an empty slot) and the bits
 * the position leaves (3 at least, rh_keyindex_pos_bits) of the key's
 * hash as a tag; a lookup compares the key in the caller's array only
 * when the tag matches (255 times in 256 a foreign key in the probe
 * sequence is passed over without that read, at 9.4M keys). At a load
 * factor of 0.47-0.7 that is 5.7-8.5 bytes an object.
 *
 * A directory of dense per-page slot arrays (one uint32_t per 16-byte
 * granule of the pages holding objects) was considered: one memory access
 * a lookup, but its size follows the address space the objects spread
 * over, not their number: a quarter of the heap's bytes (~20 bytes an
 * object on bench/mkheap.py's 10M-object heap, whose objects average ~83
 * bytes), and more for heaps of big objects, with a fallback needed for
 * 8-aligned static objects and hostile addresses. The hash is bounded by
 * the object count whatever the addresses are.
 *
 * The index holds the positions 0..count-1 of the key array, added in
 * order (rh_keyindex_push), each key once: the caller looks a key up
 * before adding it. Positions are below RH_KEYINDEX_MAX. Linear probing;
 * any slot count (the home slot is hash * nslots >> 64, Lemire's
 * fastrange); at least 3/10 of the slots stay empty, so a probe ends.
 * Lookups only read: threads may look up concurrently while nobody pushes.
 */
#ifndef RH_UTIL_KEYINDEX_H
#define RH_UTIL_KEYINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Positions must be below this (2^29 - 1). */
#define RH_KEYINDEX_MAX ((1u << 29) - 1)

struct rh_keyindex {
	uint32_t *slots;
	size_t nslots;  /* 0 when empty */
	size_t count;   /* positions 0..count-1 are indexed */
};

void rh_keyindex_init(struct rh_keyindex *x);
void rh_keyindex_deinit(struct rh_keyindex *x);

/**
 * Index position x->count, whose key the caller has written at
 * keys[x->count] and checked absent (rh_keyindex_find). keys[0..count]
 * must hold the indexed keys (growing rebuilds from them, in order).
 * False on no memory, or when count reaches RH_KEYINDEX_MAX.
 */
bool rh_keyindex_push(struct rh_keyindex *x, const uint64_t *keys);

/** Make room for n positions in all without rebuilding. False on no memory. */
bool rh_keyindex_reserve(struct rh_keyindex *x, const uint64_t *keys, size_t n);

/*
 * A slot: tag (high bits) | position + 1 (low bits); 0 is empty. The
 * position takes as many bits as the slot count needs (positions are
 * below it), at most 29; the tag has the rest, 3 bits at least: 8 at
 * 9.4M objects (14M slots). With 3 bits always, a lookup read 1.146
 * keys on average, and the one in seven that met another key's matching
 * tag first missed the cache on its own key: 16.7M lookups among 9.4M
 * keys took 77-80 ns each in order, prefetched as the snapshot does,
 * against 42-49 ns with 8 bits (1.005 keys read; a test program, not
 * kept; issue 12). Derived from the slot count alone, so an index read
 * back from a file decodes as it was written.
 */
static inline unsigned rh_keyindex_pos_bits(size_t nslots)
{
	unsigned b = nslots ? 64 - (unsigned)__builtin_clzll((unsigned long long)nslots) : 1;
	return b > 29 ? 29 : b;
}

static inline uint32_t rh_keyindex_pos_mask(size_t nslots)
{
	return (1u << rh_keyindex_pos_bits(nslots)) - 1;
}

/** The key's hash: the home slot from its high bits, the tag from its low ones. */
static inline uint64_t rh_keyindex_hash(uint64_t k)
{
	// Object addresses are 8- or 16-byte aligned: mix every bit in
	// (the splitmix64 finalizer).
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return k;
}

static inline size_t rh_keyindex_home(uint64_t h, size_t n)
{
	return (size_t)(((unsigned __int128)h * n) >> 64);
}

/* The tag of hash h in a slot of an index of nslots slots. */
static inline uint32_t rh_keyindex_tag(uint64_t h, size_t nslots)
{
	unsigned b = rh_keyindex_pos_bits(nslots);
	return (uint32_t)(h << b);
}

/** Look key up; false if absent. */
static inline bool rh_keyindex_find(const struct rh_keyindex *x, const uint64_t *keys,
				    uint64_t key, uint32_t *pos_ret)
{
	size_t n = x->nslots;
	if (!n)
		return false;
	uint64_t h = rh_keyindex_hash(key);
	uint32_t tag = rh_keyindex_tag(h, n);
	uint32_t mask = rh_keyindex_pos_mask(n);
	const uint32_t *slots = x->slots;
	for (size_t j = rh_keyindex_home(h, n);; j = j + 1 == n ? 0 : j + 1) {
		uint32_t w = slots[j];
		if (!w)
			return false;
		if ((w & ~mask) == tag) {
			uint32_t pos = (w & mask) - 1;
			if (keys[pos] == key) {
				*pos_ret = pos;
				return true;
			}
		}
	}
}

/*
 * The prefetches are always inlined: GCC 12 (Debian 12's) judges a
 * function whose only effect is __builtin_prefetch to have none at all
 * (ipa-pure-const makes it const), and deletes the calls when it does not
 * inline them first. It did not: every prefetch of the snapshot's lookups
 * was compiled out (objdump: no prefetcht0 in follow_references or
 * add_tracked_batch), which is why prefetching "made no difference"
 * (issue 12).
 */
#define RH_PREFETCH_FN static inline __attribute__((always_inline)) void

/** Hint that key will be looked up soon: prefetch its home slot. */
RH_PREFETCH_FN rh_keyindex_prefetch(const struct rh_keyindex *x, uint64_t key)
{
	if (x->nslots)
		__builtin_prefetch(&x->slots[rh_keyindex_home(rh_keyindex_hash(key), x->nslots)]);
}

/**
 * The second step of a prefetch, once the home slot is in the cache:
 * prefetch the key of the first slot whose tag matches (a few slots on).
 * False when an empty slot comes first: the key is absent (as of now),
 * and the caller may prefetch what it will read about a new key instead.
 */
static inline __attribute__((always_inline)) bool
rh_keyindex_prefetch_key(const struct rh_keyindex *x, const uint64_t *keys, uint64_t key)
{
	size_t n = x->nslots;
	if (!n)
		return false;
	uint64_t h = rh_keyindex_hash(key);
	uint32_t tag = rh_keyindex_tag(h, n);
	uint32_t mask = rh_keyindex_pos_mask(n);
	size_t j = rh_keyindex_home(h, n);
	for (int k = 0; k < 4; k++, j = j + 1 == n ? 0 : j + 1) {
		uint32_t w = x->slots[j];
		if (!w)
			return false;
		if ((w & ~mask) == tag) {
			__builtin_prefetch(&keys[(w & mask) - 1]);
			return true;
		}
	}
	return true;
}

/**
 * Check an index read from an untrusted file against n positions: every
 * used slot holds a position below n, n slots are used, one at least is
 * empty. Lookups then stay in bounds and end (a wrong slot can only make
 * a lookup miss: keys are compared). False if not.
 */
bool rh_keyindex_check(const struct rh_keyindex *x, size_t n);
/** rh_keyindex_check in parts: the counts... */
bool rh_keyindex_check_shape(const struct rh_keyindex *x, size_t n);
/**
 * ...and slots lo..hi: sets *bad_ret if one holds a position not below n,
 * and returns how many are used (the sum over all parts must be n).
 */
size_t rh_keyindex_check_slots(const struct rh_keyindex *x, size_t n, size_t lo, size_t hi,
			       bool *bad_ret);

#endif /* RH_UTIL_KEYINDEX_H */
