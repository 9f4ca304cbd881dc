/*
 * Rank in a bitmap: the number of set bits below bit i, read from the
 * bitmap's word and a count of the set bits before each 64 (`before`,
 * which may start at a base). Two reads where a sorted array of the set
 * positions would take a binary search (analysis/verdict.c), and 0.75
 * bytes an object where an array of positions by object would take 4
 * (analysis/gcsim.c's slots).
 */
#ifndef RH_UTIL_BITRANK_H
#define RH_UTIL_BITRANK_H

#include <stddef.h>
#include <stdint.h>

/** before[i / 64] plus the bits set below i in its word. */
static inline uint32_t rh_bitrank(const uint64_t *bits, const uint32_t *before, uint32_t i)
{
	uint64_t below = bits[i >> 6] & ((1ULL << (i & 63)) - 1);
	return before[i >> 6] + (uint32_t)__builtin_popcountll(below);
}

/** Fill before[0..nwords) from bits: the set bits before each word, plus base. */
static inline void rh_bitrank_fill(const uint64_t *bits, uint32_t *before, size_t nwords,
				   uint32_t base)
{
	for (size_t b = 0; b < nwords; b++) {
		before[b] = base;
		base += (uint32_t)__builtin_popcountll(bits[b]);
	}
}

#endif /* RH_UTIL_BITRANK_H */
