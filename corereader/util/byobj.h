/*
 * Side tables sorted by object index: arrays of records whose first
 * member is a uint32_t object index, for the few objects a dense
 * per-object array cannot describe (a size of 4 GiB or more, a refcount
 * count past 16 bits, the best root of a rooted object). One lookup for
 * all of them: the first record whose index is >= obj.
 */
#ifndef RH_UTIL_BYOBJ_H
#define RH_UTIL_BYOBJ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * The position of the first of the n records at base (stride bytes
 * apart, each starting with its uint32_t object index, sorted by it)
 * whose index is >= obj; n when there is none.
 */
static inline size_t rh_byobj_lower(const void *base, size_t n, size_t stride, uint32_t obj)
{
	const unsigned char *b = base;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k;
		memcpy(&k, b + mid * stride, sizeof(k));
		if (k < obj)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/** The record of object obj, or NULL. */
static inline const void *rh_byobj_find(const void *base, size_t n, size_t stride, uint32_t obj)
{
	size_t i = rh_byobj_lower(base, n, stride, obj);
	if (i == n)
		return NULL;
	const unsigned char *rec = (const unsigned char *)base + i * stride;
	uint32_t k;
	memcpy(&k, rec, sizeof(k));
	return k == obj ? rec : NULL;
}

/**
 * qsort comparator for a plain array of object indices: records of
 * stride 4, then searched with rh_byobj_find.
 */
static inline int rh_byobj_cmp_u32(const void *a, const void *b)
{
	uint32_t x, y;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x < y ? -1 : x > y;
}

#endif
