/*
 * Whole-array checks of the arrays a cache file hands over (the
 * snapshot's, heap/snapshot_cache.c; the analyses', analysis/
 * analysis_cache.c): every index below its bound, every start at or
 * above the one before.
 *
 * Why this shape: a warm command checks some 300 MB of such arrays at 10M
 * objects, and the checks were most of its time (issue 12). Written as
 * `bad |= x >= bound` they stayed scalar: GCC -O2 (its "very cheap"
 * vectorizer) does not vectorize a comparison turned into an integer,
 * nor a loop that needs a scalar tail. Here a comparison is a subtraction
 * whose sign bit is kept, in 64 bits so that no 32-bit value can wrap
 * it, and the loop runs over blocks of a constant 64 entries, so GCC
 * vectorizes the block (SSE2 on any x86-64) and a short scalar loop does
 * the rest. No early exit: a corrupt file is rare, a check of a healthy
 * one reads everything anyway.
 */
#ifndef RH_UTIL_RANGECHECK_H
#define RH_UTIL_RANGECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RH_CHECK_BLOCK 64

/** Whether some p[i] & mask, i < n, is >= bound. */
static inline bool rh_u32_any_ge(const uint32_t *p, size_t n, uint32_t mask, uint64_t bound)
{
	// bound - 1 - v is negative exactly when v >= bound (bound 0: always)
	const uint64_t b1 = bound - 1;
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + RH_CHECK_BLOCK <= n; i += RH_CHECK_BLOCK) {
		uint64_t a = 0;
		for (size_t j = 0; j < RH_CHECK_BLOCK; j++)
			a |= b1 - (p[i + j] & mask);
		acc |= a;
	}
	for (; i < n; i++)
		acc |= b1 - (p[i] & mask);
	return acc >> 63;
}

/**
 * Whether some p[i], i < n, is >= bound and not UINT32_MAX (a reach
 * parent: an object index, or analysis/reach.h RH_REACH_SOURCE).
 */
static inline bool rh_u32_any_ge_but_max(const uint32_t *p, size_t n, uint64_t bound)
{
	// (uint32)(v + 1) is 0 for UINT32_MAX, v + 1 otherwise: > bound
	// exactly when v >= bound and v is not UINT32_MAX.
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + RH_CHECK_BLOCK <= n; i += RH_CHECK_BLOCK) {
		uint64_t a = 0;
		for (size_t j = 0; j < RH_CHECK_BLOCK; j++)
			a |= bound - (uint32_t)(p[i + j] + 1);
		acc |= a;
	}
	for (; i < n; i++)
		acc |= bound - (uint32_t)(p[i] + 1);
	return acc >> 63;
}

/** Whether some p[i + 1] < p[i], i < n (p has n + 1 entries). */
static inline bool rh_u32_any_decrease(const uint32_t *p, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + RH_CHECK_BLOCK <= n; i += RH_CHECK_BLOCK) {
		uint64_t a = 0;
		for (size_t j = 0; j < RH_CHECK_BLOCK; j++)
			a |= (uint64_t)p[i + j + 1] - p[i + j];
		acc |= a;
	}
	for (; i < n; i++)
		acc |= (uint64_t)p[i + 1] - p[i];
	return acc >> 63;
}

#endif /* RH_UTIL_RANGECHECK_H */
