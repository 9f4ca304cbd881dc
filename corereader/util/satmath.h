/*
 * Saturating arithmetic for sizes and sums read from, or derived from, an
 * untrusted target: a corrupt count must not wrap a total into a small
 * number or a sum into garbage. UINT64_MAX means "at least this much".
 */
#ifndef RH_UTIL_SATMATH_H
#define RH_UTIL_SATMATH_H

#include <stdint.h>

static inline uint64_t rh_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline uint64_t rh_mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

#endif /* RH_UTIL_SATMATH_H */
