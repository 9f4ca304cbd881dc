/*
 * Faulting in fresh memory ahead of its writer, on another thread.
 *
 * The snapshot's arrays are reserved once and written in index order
 * (heap/snapshot.c reserve_arrays): each first write to a page faults, and
 * the kernel zeroes the page in the writer's time. On this project's
 * reference machine (a 2-core VM) that zeroing was 14% of a cold `gc`'s
 * samples at 10M objects, 8.4% on the snapshot's main thread while it
 * followed references (clear_page_erms, perf; issue 12). A helper thread
 * asks the kernel to populate the next stretch of each array
 * (madvise MADV_POPULATE_WRITE, Linux 5.14): the zeroing moves to the
 * other core, and the memory's contents are not touched, so the helper
 * and the writer never race on a byte.
 *
 * Only a hint: on an older kernel (EINVAL) the helper stops, and the
 * writer faults its pages in as before.
 *
 * With no request waiting, the helper reads one byte of each page of a
 * range given to rh_prefault_touch(), in order: a core file's mapping.
 * There the first read of each page through a fresh mapping is what
 * costs. MADV_POPULATE_READ maps a 0.8 GB core in 35 ms, yet the first
 * pass over its pages still takes 0.3 s, with no page fault and no
 * kernel time: on x86 the kernel installs the entries "old", and the
 * processor sets each one's accessed bit on the first access, which on
 * this project's reference VM costs ~1.5 us a page, and for one page in
 * sixteen nearly as much as for all. Touched by another thread of the
 * process, the pages are then as quick for the snapshot as if it had
 * read them before (measured: a 16 KiB-stride pass over the core took
 * 0.30 s cold, 0.002 s after a helper thread's pass). That made the
 * 10M-object heap's GC-list phase 0.2 s shorter (issue 12).
 */
#ifndef RH_UTIL_PREFAULT_H
#define RH_UTIL_PREFAULT_H

#include <stddef.h>

struct rh_prefault;

/** A helper thread, or NULL (no thread, no memory): then nothing is prefaulted. */
struct rh_prefault *rh_prefault_create(void);
/**
 * Ask for [start, start + len) to be populated, soon. Never blocks: a
 * request that finds the queue full is dropped (the writer faults those
 * pages itself). p may be NULL.
 */
void rh_prefault_request(struct rh_prefault *p, void *start, size_t len);
/**
 * Read a byte of each page of [start, start + len), in order, whenever no
 * request waits; a later call replaces the range. The range must stay
 * mapped until rh_prefault_destroy(). p may be NULL.
 */
void rh_prefault_touch(struct rh_prefault *p, const void *start, size_t len);
/** Stop the helper (the request or the few pages it is working on finish first). */
void rh_prefault_destroy(struct rh_prefault *p);

/*
 * Fresh memory that is about to be written all over (an analysis's arrays,
 * one entry per object): faulted in by this thread and a short-lived
 * helper, half each, before the writes start. On the reference VM the
 * kernel's first touch of memory the host has taken back is the slow part
 * (a 256 MiB array: 0.47 s faulted in by one thread, 0.26 s by two; when
 * the memory was used just before, 0.015 s either way), and it was 40% of
 * the analyses' time in a cold `gc` at 10M objects (perf: clear_page_erms
 * under reach and the GC simulation; issue 12). Below 8 MiB, or with
 * threads not allowed, nothing is done: the writes fault the pages in.
 */
void rh_populate(void *p, size_t len);
/** Whether rh_populate() may start a thread (--jobs 1 says no). Default yes. */
void rh_populate_threads(int allowed);
/** What rh_populate_threads() last said: may a helper thread be started? */
int rh_populate_threads_allowed(void);

#endif /* RH_UTIL_PREFAULT_H */
