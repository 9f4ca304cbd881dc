/*
 * An index over a caller's key array; see keyindex.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"
#include "util/keyindex.h"
#include "util/rangecheck.h"

void rh_keyindex_init(struct rh_keyindex *x)
{
	memset(x, 0, sizeof(*x));
}

void rh_keyindex_deinit(struct rh_keyindex *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}

/* Whether n positions fit in `slots` slots at a load factor of at most 7/10. */
static bool fits(size_t n, size_t slots)
{
	return n <= slots / 10 * 7;
}

static inline void place(uint32_t *slots, size_t n, uint64_t key, uint32_t pos)
{
	uint64_t h = rh_keyindex_hash(key);
	size_t j = rh_keyindex_home(h, n);
	while (slots[j])
		j = j + 1 == n ? 0 : j + 1;
	slots[j] = rh_keyindex_tag(h, n) | (pos + 1);
}

/*
 * Rebuild into nslots slots from keys[0..count): the keys are read in
 * order (the old slots would send the reads all over the key array).
 */
static bool rebuild(struct rh_keyindex *x, const uint64_t *keys, size_t nslots)
{
	// Huge pages, and zeroed by a write rather than calloc'd: the probes
	// read a page before writing it, so a calloc'd page faulted twice
	// (util/bigmem.h; the same as util/u64map.c). Faulted in on two
	// threads first: the memset below was 0.12 s of page faults at the
	// start of a 10M-object snapshot (issue 12).
	uint32_t *slots = rh_big_malloc_hot(nslots * sizeof(*slots));
	if (!slots)
		return false;
	memset(slots, 0, nslots * sizeof(*slots));
	for (size_t p = 0; p < x->count; p++)
		place(slots, nslots, keys[p], (uint32_t)p);
	free(x->slots);
	x->slots = slots;
	x->nslots = nslots;
	return true;
}

/* The fewest slots that hold n positions (fits): no more than needed. */
static bool exact_slots(size_t n, size_t *ret)
{
	if (n / 7 + 1 > SIZE_MAX / 4 / sizeof(uint32_t) / 10)
		return false;
	*ret = (n / 7 + 1) * 10;
	return true;
}

bool rh_keyindex_reserve(struct rh_keyindex *x, const uint64_t *keys, size_t n)
{
	if (x->slots && fits(n, x->nslots))
		return true;
	// The caller knows how many: sized for them, where growing by half
	// could overshoot by as much (a 10M-object snapshot's index was
	// presized 23M slots instead of 17M: 26 MiB more resident).
	size_t want;
	return exact_slots(n, &want) && rebuild(x, keys, want);
}

bool rh_keyindex_push(struct rh_keyindex *x, const uint64_t *keys)
{
	if (x->count >= RH_KEYINDEX_MAX)
		return false;
	if (!x->slots || !fits(x->count + 1, x->nslots)) {
		// Grown by half: amortized, ~3 placements per key in all.
		size_t want = x->nslots ? x->nslots : 16;
		while (!fits(x->count + 1, want)) {
			if (want > SIZE_MAX / 4 / sizeof(uint32_t))
				return false;
			want += want / 2;
		}
		if (!rebuild(x, keys, want))
			return false;
	}
	place(x->slots, x->nslots, keys[x->count], (uint32_t)x->count);
	x->count++;
	return true;
}

bool rh_keyindex_check_shape(const struct rh_keyindex *x, size_t n)
{
	if (!x->nslots)
		return n == 0 && x->count == 0;
	return x->count == n && n < x->nslots && n <= RH_KEYINDEX_MAX;
}

size_t rh_keyindex_check_slots(const struct rh_keyindex *x, size_t n, size_t lo, size_t hi,
			       bool *bad_ret)
{
	// This runs over the whole index on every cache load: branch-free,
	// comparisons as sign bits, in blocks of a constant length, so that
	// GCC -O2 vectorizes it (util/rangecheck.h says why).
	// A used slot has p in 1..n; an empty one is all zero. p and n are
	// below 2^29, so n - p and p - 1 are negative exactly when p > n or
	// p == 0.
	if (hi > x->nslots)
		hi = x->nslots;
	uint32_t n32 = n > RH_KEYINDEX_MAX ? RH_KEYINDEX_MAX : (uint32_t)n;
	uint32_t mask = rh_keyindex_pos_mask(x->nslots);
	size_t used = 0;
	uint32_t bad = 0;
	size_t j = lo;
	for (; j + RH_CHECK_BLOCK <= hi; j += RH_CHECK_BLOCK) {
		uint32_t u = 0, b = 0;
		for (size_t k = 0; k < RH_CHECK_BLOCK; k++) {
			uint32_t w = x->slots[j + k];
			uint32_t p = w & mask;
			uint32_t nz = (w | (0u - w)) >> 31;   /* w != 0 */
			u += nz;
			b |= nz & (((n32 - p) | (p - 1)) >> 31);
		}
		used += u;
		bad |= b;
	}
	for (; j < hi; j++) {
		uint32_t w = x->slots[j];
		uint32_t p = w & mask;
		uint32_t nz = (w | (0u - w)) >> 31;
		used += nz;
		bad |= nz & (((n32 - p) | (p - 1)) >> 31);
	}
	if (bad)
		*bad_ret = true;
	return used;
}

bool rh_keyindex_check(const struct rh_keyindex *x, size_t n)
{
	if (!rh_keyindex_check_shape(x, n))
		return false;
	bool bad = false;
	size_t used = rh_keyindex_check_slots(x, n, 0, x->nslots, &bad);
	return !bad && used == n;
}
