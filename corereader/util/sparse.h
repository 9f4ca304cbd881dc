/*
 * An array of n uint32_t, all 0 at first, whose memory is taken a chunk
 * at a time as entries are written.
 *
 * Why: `why` searches from one object (its paths to a root, what freeing
 * it would free). Such a search usually visits a few dozen objects, but
 * an array of one entry per object had to be written whole first: on the
 * 10M-object benchmark, a memset of 37 MB of fresh memory per array, most
 * of a warm `why` (issue 12). Untouched chunks cost one NULL pointer each;
 * a search that visits the whole heap pays one calloc per 4096 entries,
 * not one per object. The lists such searches keep (their queues, what
 * they found) grow by doubling: rh_u32_append.
 */
#ifndef RH_UTIL_SPARSE_H
#define RH_UTIL_SPARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define RH_SPARSE_SHIFT 12
#define RH_SPARSE_CHUNK ((uint32_t)1 << RH_SPARSE_SHIFT)

struct rh_sparse32 {
	uint32_t **chunks;
	size_t nchunks;
};

/** n entries, all 0. False on no memory. */
static inline bool rh_sparse32_init(struct rh_sparse32 *a, uint32_t n)
{
	a->nchunks = ((size_t)n + RH_SPARSE_CHUNK - 1) >> RH_SPARSE_SHIFT;
	a->chunks = calloc(a->nchunks ? a->nchunks : 1, sizeof(*a->chunks));
	return a->chunks != NULL;
}

/** Entry i (i < n: the caller's bound). */
static inline uint32_t rh_sparse32_get(const struct rh_sparse32 *a, uint32_t i)
{
	const uint32_t *c = a->chunks[i >> RH_SPARSE_SHIFT];
	return c ? c[i & (RH_SPARSE_CHUNK - 1)] : 0;
}

/** Set entry i (i < n) to v. False on no memory (nothing set). */
static inline bool rh_sparse32_set(struct rh_sparse32 *a, uint32_t i, uint32_t v)
{
	uint32_t **slot = &a->chunks[i >> RH_SPARSE_SHIFT];
	if (!*slot) {
		*slot = calloc(RH_SPARSE_CHUNK, sizeof(**slot));
		if (!*slot)
			return false;
	}
	(*slot)[i & (RH_SPARSE_CHUNK - 1)] = v;
	return true;
}

static inline void rh_sparse32_free(struct rh_sparse32 *a)
{
	if (a->chunks)
		for (size_t k = 0; k < a->nchunks; k++)
			free(a->chunks[k]);
	free(a->chunks);
	a->chunks = NULL;
	a->nchunks = 0;
}

/** (*v)[(*n)++] = x, doubling *v's room (*cap entries) when full. False on no memory. */
static inline bool rh_u32_append(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		uint32_t *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return false;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return true;
}

#endif /* RH_UTIL_SPARSE_H */
