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

/*
 * Only the 2 MiB-aligned middle is advised. That splits the block's mapping
 * in three, so glibc's realloc cannot grow it with mremap (EFAULT across
 * VMAs) and copies it into a fresh block instead: about 505 MB of copies
 * for a 10M-object heap. Advising the whole mapping lets mremap move the
 * arrays, and was measured (issue 12): at 10M objects slightly faster, at
 * 50M much slower (a cold `gc` 61.8 and 64.9 s with the copies, 81.0 and
 * 102.6 s with mremap; the allocator scan's lookups 7.5-8.3 s against
 * 19.4-23.3 s), the moved arrays being slower to reach at random. The
 * copies stay until the arrays are sized once instead of grown.
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
