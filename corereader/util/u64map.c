/*
 * uint64 -> uint32 hash map; see u64map.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/u64map.h"

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

static inline size_t next_slot(size_t j, size_t n)
{
	return j + 1 == n ? 0 : j + 1;
}

static bool rehash(struct rh_u64map *m, size_t nslots)
{
	uint64_t *keys = malloc(nslots * sizeof(*keys));
	uint32_t *values = malloc(nslots * sizeof(*values));
	if (!keys || !values) {
		free(keys);
		free(values);
		return false;
	}
	// Huge pages, and zeroed by a write rather than calloc'd: the probe
	// below reads a page before writing it, so a calloc'd page faulted
	// twice (a copy of the zero page and a TLB flush the second time).
	// Page faults were a quarter of a 10M-object snapshot (util/bigmem.h).
	rh_mem_advise_big(keys, nslots * sizeof(*keys));
	rh_mem_advise_big(values, nslots * sizeof(*values));
	memset(keys, 0, nslots * sizeof(*keys));
	for (size_t i = 0; i < m->nslots; i++) {
		uint64_t k = m->keys[i];
		if (!k)
			continue;
		size_t j = rh_u64map_home(k, nslots);
		while (keys[j])
			j = next_slot(j, nslots);
		keys[j] = k;
		values[j] = m->values[i];
	}
	free(m->keys);
	free(m->values);
	m->keys = keys;
	m->values = values;
	m->nslots = nslots;
	return true;
}

/* Whether n keys fit in `slots` slots at a load factor of at most 4/5. */
static bool fits(size_t n, size_t slots)
{
	return n <= slots / 5 * 4;
}

bool rh_u64map_reserve(struct rh_u64map *m, size_t n)
{
	if (m->keys && fits(n, m->nslots))
		return true;
	size_t want = m->nslots ? m->nslots : 16;
	while (!fits(n, want)) {
		if (want > SIZE_MAX / 4 / sizeof(uint64_t))
			return false;
		want += want / 2;
	}
	return rehash(m, want);
}

int rh_u64map_insert(struct rh_u64map *m, uint64_t key, uint32_t value,
		     uint32_t *value_ret)
{
	if (!m->keys || !fits(m->count + 1, m->nslots)) {
		if (!rh_u64map_reserve(m, m->count + 1))
			return -1;
	}
	size_t j = rh_u64map_home(key, m->nslots);
	// Invariant: at least a fifth of the slots are empty, so the probe ends.
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			if (value_ret)
				*value_ret = m->values[j];
			return 0;
		}
		j = next_slot(j, m->nslots);
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
	size_t j = rh_u64map_home(key, m->nslots);
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			*value_ret = m->values[j];
			return true;
		}
		j = next_slot(j, m->nslots);
	}
	return false;
}
