/*
 * uint64 -> uint32 hash map; see u64map.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"

/* Keep in step with rh_u64map_prefetch() in the header. */
static inline size_t hash64(uint64_t k)
{
	// Object addresses are 16-byte aligned: mix the high bits down
	// (the splitmix64 finalizer) so linear probing does not cluster.
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

void rh_u64map_init(struct rh_u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void rh_u64map_deinit(struct rh_u64map *m)
{
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

static bool rehash(struct rh_u64map *m, size_t nslots)
{
	uint64_t *keys = calloc(nslots, sizeof(*keys));
	uint32_t *values = malloc(nslots * sizeof(*values));
	if (!keys || !values) {
		free(keys);
		free(values);
		return false;
	}
	size_t mask = nslots - 1;
	if (m->keys) {
		for (size_t i = 0; i <= m->mask; i++) {
			uint64_t k = m->keys[i];
			if (!k)
				continue;
			size_t j = hash64(k) & mask;
			while (keys[j])
				j = (j + 1) & mask;
			keys[j] = k;
			values[j] = m->values[i];
		}
	}
	free(m->keys);
	free(m->values);
	m->keys = keys;
	m->values = values;
	m->mask = mask;
	return true;
}

bool rh_u64map_reserve(struct rh_u64map *m, size_t n)
{
	// Keep the load factor at or below 3/4.
	size_t want = 16;
	while (want / 4 * 3 < n) {
		if (want > SIZE_MAX / 2 / sizeof(uint64_t))
			return false;
		want *= 2;
	}
	if (m->keys && m->mask + 1 >= want)
		return true;
	return rehash(m, want);
}

int rh_u64map_insert(struct rh_u64map *m, uint64_t key, uint32_t value,
		     uint32_t *value_ret)
{
	if (!m->keys || m->count + 1 > (m->mask + 1) / 4 * 3) {
		if (!rh_u64map_reserve(m, m->count + 1))
			return -1;
	}
	size_t j = hash64(key) & m->mask;
	// Invariant: at least a quarter of the slots are empty, so the probe ends.
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			if (value_ret)
				*value_ret = m->values[j];
			return 0;
		}
		j = (j + 1) & m->mask;
	}
	m->keys[j] = key;
	m->values[j] = value;
	m->count++;
	if (value_ret)
		*value_ret = value;
	return 1;
}

bool rh_u64map_find(const struct rh_u64map *m, uint64_t key,
		    uint32_t *value_ret)
{
	if (!m->keys || !key)
		return false;
	size_t j = hash64(key) & m->mask;
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			*value_ret = m->values[j];
			return true;
		}
		j = (j + 1) & m->mask;
	}
	return false;
}
