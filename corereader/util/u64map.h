/*
 * An open-addressing hash map from uint64_t keys (target addresses) to
 * uint32_t values (snapshot indices), sized for tens of millions of keys.
 *
 * Keys and values live in two flat arrays (12 bytes a slot, no per-entry
 * allocation) and the table is kept at most 3/4 full, so 10 million
 * objects need 16.7M slots, 200 MB. Linear probing: a lookup touches one
 * or two cache lines of the key array. Key 0 is reserved as "empty" (no
 * object lives at address 0).
 */
#ifndef RH_UTIL_U64MAP_H
#define RH_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_u64map {
	uint64_t *keys;
	uint32_t *values;
	size_t mask;  /* nslots - 1, nslots a power of two; 0 when empty */
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
/** Hint that key will be looked up soon (prefetch its home slot). */
static inline void rh_u64map_prefetch(const struct rh_u64map *m, uint64_t key)
{
	if (!m->keys)
		return;
	uint64_t k = key;
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	__builtin_prefetch(&m->keys[(size_t)k & m->mask]);
	__builtin_prefetch(&m->values[(size_t)k & m->mask]);
}

/** Look up key; false if absent. */
bool rh_u64map_find(const struct rh_u64map *m, uint64_t key,
		    uint32_t *value_ret);

#endif /* RH_UTIL_U64MAP_H */
