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
#include <sys/mman.h>

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

/* malloc/calloc for arrays of one entry per object or edge. */
static inline void *rh_big_malloc(size_t size)
{
	void *p = malloc(size);
	rh_mem_advise_big(p, size);
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

#endif /* RH_UTIL_BIGMEM_H */
