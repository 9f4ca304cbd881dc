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
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/*
 * The advice covers the whole mapping that holds the block, not only its
 * 2 MiB-aligned middle. A big block is its own mmap (the CLI fixes glibc's
 * mmap threshold at 1 MiB), and glibc's realloc grows it with mremap,
 * which moves a range only if it lies in one kernel VMA: advising the
 * aligned middle alone split the mapping in three, mremap failed with
 * EFAULT, and realloc fell back to malloc, memcpy and munmap. On a
 * 10M-object heap that copied about 500 MB of growing arrays into fresh
 * pages (8% of a cold `gc`'s samples in memmove, and the page faults of
 * the copies). The kernel uses huge pages only for the aligned parts
 * anyway. malloc_usable_size ends the block where its mapping ends.
 */
/** Advise huge pages for the mapping holding [p, p + len), when big. */
static inline void rh_mem_advise_big(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (!p || len < 2 * huge)
		return;
	long ps = sysconf(_SC_PAGESIZE);
	const uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
#ifdef __GLIBC__
	size_t usable = malloc_usable_size(p);
	if (usable > len)
		len = usable;
#endif
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len + page - 1) & ~(page - 1);
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
