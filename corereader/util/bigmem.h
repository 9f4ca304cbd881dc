/*
 * Big arrays (the snapshot's object and edge arrays, the address index):
 * ask for transparent huge pages. On this project's reference machine (a
 * VM) a page fault costs ~10-30 us: a 10M-object snapshot touches ~1 GB
 * of fresh memory, 250,000 faults of 4 KiB pages, and they were a third
 * of its time. With 2 MiB pages it is 500 faults. Only a hint: where THP
 * is "never" nothing changes.
 */
#ifndef RH_UTIL_BIGMEM_H
#define RH_UTIL_BIGMEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/prefault.h"

/*
 * Only the 2 MiB-aligned middle is advised. That splits the block's mapping
 * in three, so glibc's realloc cannot grow it with mremap (EFAULT across
 * VMAs) and copies it into a fresh block instead. Advising the whole
 * mapping lets mremap move the arrays, and was measured (issue 12): at 10M
 * objects slightly faster, at 50M much slower (a cold `gc` 61.8 and 64.9 s
 * with the copies, 81.0 and 102.6 s with mremap; the allocator scan's
 * lookups 7.5-8.3 s against 19.4-23.3 s), the moved arrays being slower to
 * reach at random. So growing arrays are copied, by rh_big_realloc below.
 */
/** Advise huge pages for the 2 MiB-aligned part of [p, p + len), when big. */
static inline void rh_mem_advise_big(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (!p || len < 2 * huge)
		return;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(huge - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

/*
 * malloc/calloc for arrays of one entry per object or edge.
 * rh_big_malloc gives a big block whole 2 MiB pages: aligned, its size
 * rounded up. A block malloc places at a page boundary only has a head
 * and a tail that are not advised, up to 4 MiB of 4 KiB faults each: the
 * address index is rebuilt ~35 times as it grows, and those faults were
 * most of a cold snapshot's (issue 12).
 */
static inline void *rh_big_malloc(size_t size)
{
	const size_t huge = (size_t)2 << 20;
	// From 1 MiB, whole pages: the snapshot cache maps its file over the
	// snapshot's arrays once written (heap/snapshot_cache.c adopt_section),
	// which needs them page-aligned; malloc puts a block this size 16
	// bytes into a page.
	if (size >= ((size_t)1 << 20) && size < 2 * huge)
		return aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
	if (size < 2 * huge || size > SIZE_MAX - huge) {
		void *p = malloc(size);
		rh_mem_advise_big(p, size);
		return p;
	}
	size_t len = (size + huge - 1) & ~(huge - 1);
	void *p = aligned_alloc(huge, len);
	rh_mem_advise_big(p, len);
	return p;
}

static inline void *rh_big_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb, size);
	// calloc checked nmemb * size; a big block is fresh mmapped memory,
	// not yet touched, so the advice applies to all of it.
	if (p)
		rh_mem_advise_big(p, nmemb * size);
	return p;
}

/*
 * Grow a big array to new_size bytes, keeping its first used bytes: a
 * fresh block, advised before anything touches it, then the copy. glibc's
 * realloc copied into a fresh block too (see above), but the advice came
 * after the copy had faulted the whole block in as 4 KiB pages: for a
 * 10M-object heap ~505 MB of growth copies, ~125,000 faults at ~10 us on
 * a VM, about a second of a cold snapshot. Only the used part is copied.
 * Blocks under 64 KiB go to realloc (tests/integration/jobs.sh grows
 * arrays from room for 1,000 objects, and so reaches this copy on a small
 * core). NULL on no memory, p then left as it was.
 */
static inline void *rh_big_realloc(void *p, size_t used, size_t new_size)
{
	if (new_size < ((size_t)64 << 10))
		return realloc(p, new_size);
	void *q = rh_big_malloc(new_size);
	if (!q)
		return NULL;
	if (p && used)
		memcpy(q, p, used < new_size ? used : new_size);
	free(p);
	return q;
}

/*
 * rh_big_malloc and rh_big_calloc for arrays written all over at once
 * (one entry per object, filled by the caller next): faulted in on two
 * threads first (util/prefault.h rh_populate).
 */
static inline void *rh_big_malloc_hot(size_t size)
{
	void *p = rh_big_malloc(size);
	rh_populate(p, size);
	return p;
}

static inline void *rh_big_calloc_hot(size_t nmemb, size_t size)
{
	void *p = rh_big_calloc(nmemb, size);
	// rh_big_calloc checked the product (calloc returned it).
	if (p)
		rh_populate(p, nmemb * size);
	return p;
}

#endif /* RH_UTIL_BIGMEM_H */
