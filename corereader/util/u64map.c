/*
 * uint64 -> uint32 hash map; see u64map.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"

static inline size_t hash64(uint64_t k)
{
	// Object addresses are 16-byte aligned: mix the high bits down
	// (splitmix64 finalizer) so linear probing does not cluster.
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
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static bool rehash(struct rh_u64map *m, size_t nslots)
{
	struct rh_u64map_slot *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false;
	size_t mask = nslots - 1;
	if (m->slots) {
		for (size_t i = 0; i <= m->mask; i++) {
			if (!m->slots[i].key)
				continue;
			size_t j = hash64(m->slots[i].key) & mask;
			while (slots[j].key)
				j = (j + 1) & mask;
			slots[j] = m->slots[i];
		}
	}
	free(m->slots);
	m->slots = slots;
	m->mask = mask;
	return true;
}

bool rh_u64map_reserve(struct rh_u64map *m, size_t n)
{
	// Keep the load factor at or below 1/2.
	size_t want = 16;
	while (want / 2 < n) {
		if (want > SIZE_MAX / 4 / sizeof(struct rh_u64map_slot))
			return false;
		want *= 2;
	}
	if (m->slots && m->mask + 1 >= want)
		return true;
	return rehash(m, want);
}

int rh_u64map_insert(struct rh_u64map *m, uint64_t key, uint32_t value,
		     uint32_t *value_ret)
{
	if (!m->slots || (m->count + 1) * 2 > m->mask + 1) {
		if (!rh_u64map_reserve(m, m->count + 1 > 8 ? (m->count + 1) * 2 : 8))
			return -1;
	}
	size_t j = hash64(key) & m->mask;
	while (m->slots[j].key) {
		if (m->slots[j].key == key) {
			if (value_ret)
				*value_ret = m->slots[j].value;
			return 0;
		}
		j = (j + 1) & m->mask;
	}
	m->slots[j].key = key;
	m->slots[j].value = value;
	m->count++;
	if (value_ret)
		*value_ret = value;
	return 1;
}

bool rh_u64map_find(const struct rh_u64map *m, uint64_t key,
		    uint32_t *value_ret)
{
	if (!m->slots || !key)
		return false;
	size_t j = hash64(key) & m->mask;
	while (m->slots[j].key) {
		if (m->slots[j].key == key) {
			*value_ret = m->slots[j].value;
			return true;
		}
		j = (j + 1) & m->mask;
	}
	return false;
}
