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
/** Stop the helper (the request it is working on finishes first). */
void rh_prefault_destroy(struct rh_prefault *p);

#endif /* RH_UTIL_PREFAULT_H */
