/*
 * An open-addressing hash map from uint64_t keys (target addresses) to
 * uint32_t values (snapshot indices), sized for tens of millions of keys.
 *
 * Keys and values live in two flat arrays (12 bytes a slot, no per-entry
 * allocation). The table is kept at most 4/5 full and grows by half, not
 * doubling, so its slots are 12 / 0.53..0.8 bytes per key: 10 million
 * objects take 150-230 MB instead of up to 400. Any slot count is allowed:
 * the home slot is hash * nslots >> 64 (Lemire's fastrange). Linear
 * probing: a lookup touches one or two cache lines of the key array.
 * Key 0 is reserved as "empty" (no object lives at address 0).
 */
#ifndef RH_UTIL_U64MAP_H
#define RH_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_u64map {
	uint64_t *keys;
	uint32_t *values;
	size_t nslots;  /* 0 when empty */
	size_t count;
};

void rh_u64map_init(struct rh_u64map *m);
void rh_u64map_deinit(struct rh_u64map *m);
/** Make room for n keys in total without rehashing. False on no memory. */
bool rh_u64map_reserve(struct rh_u64map *m, size_t n);
/**
 * Insert key (!= 0) with value, or find it. *value_ret (may be NULL) gets
 * the stored value (the existing one if the key was present). Returns 1 if
 * inserted, 0 if it was present, -1 on no memory.
 */
int rh_u64map_insert(struct rh_u64map *m, uint64_t key, uint32_t value,
		     uint32_t *value_ret);
/** The home slot of key in a table of n slots (internal; shared with the prefetch). */
static inline size_t rh_u64map_home(uint64_t k, size_t n)
{
	// Object addresses are 16-byte aligned: mix every bit in (the
	// splitmix64 finalizer), then map onto [0, n) without a division.
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)(((unsigned __int128)k * n) >> 64);
}

/** Hint that key will be looked up soon (prefetch its home slot). */
/* Always inlined, or GCC deletes it: see RH_PREFETCH_FN in util/keyindex.h. */
static inline __attribute__((always_inline)) void rh_u64map_prefetch(const struct rh_u64map *m, uint64_t key)
{
	if (!m->keys)
		return;
	size_t j = rh_u64map_home(key, m->nslots);
	__builtin_prefetch(&m->keys[j]);
	__builtin_prefetch(&m->values[j]);
}

/** Look up key; false if absent. */
bool rh_u64map_find(const struct rh_u64map *m, uint64_t key,
		    uint32_t *value_ret);

#endif /* RH_UTIL_U64MAP_H */
