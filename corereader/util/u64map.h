/*
 * An open-addressing hash map from uint64_t keys (target addresses) to
 * uint32_t values (snapshot indices). Linear probing over one flat array:
 * 16 bytes per slot, no per-entry allocation, sized for tens of millions of
 * keys. Key 0 is reserved as "empty" (no object lives at address 0).
 */
#ifndef RH_UTIL_U64MAP_H
#define RH_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_u64map_slot {
	uint64_t key;
	uint32_t value;
	uint32_t pad_;
};

struct rh_u64map {
	struct rh_u64map_slot *slots;
	size_t mask;  /* nslots - 1, nslots a power of two; 0 when empty */
	size_t count;
};

void rh_u64map_init(struct rh_u64map *m);
void rh_u64map_deinit(struct rh_u64map *m);
/** Make room for n keys in total without rehashing. False on no memory. */
bool rh_u64map_reserve(struct rh_u64map *m, size_t n);
/**
 * Insert key (!= 0) with value, or find it. *value_ret gets the stored value
 * (the existing one if the key was present). Returns 1 if inserted, 0 if it
 * was present, -1 on no memory.
 */
int rh_u64map_insert(struct rh_u64map *m, uint64_t key, uint32_t value,
		     uint32_t *value_ret);
/** Look up key; false if absent. */
bool rh_u64map_find(const struct rh_u64map *m, uint64_t key,
		    uint32_t *value_ret);

#endif /* RH_UTIL_U64MAP_H */
