/*
 * The snapshot's parallel part (internal to heap/): reading the references
 * of a window of objects on several threads before the snapshot's one
 * thread resolves them in order (heap/snapshot.c follow_references).
 *
 * Why the output cannot change with the number of threads: a worker only
 * reads (target memory, the runtime's filled tables, and the inputs of its
 * window, copied when the window starts); everything with an order -
 * object indices, edges, problems, the runtime's lazy tables - is written
 * by the main thread, in object order, exactly as with one thread, and it
 * fills a lazy table only while no worker reads (rh_py_main_barrier). An object whose reading would fill a lazy table (a type seen for
 * the first time) is given up by the worker (cpython/runtime.h
 * rh_py_worker_enter) and read again by the main thread at its turn.
 */
#ifndef RH_HEAP_SNAPSHOT_PARALLEL_H
#define RH_HEAP_SNAPSHOT_PARALLEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpython/traverse.h"
#include "heap/snapshot.h"

struct rh_prefollow;

/**
 * A reader for `jobs` threads, or NULL to read sequentially (jobs <= 1, a
 * target that cannot be read from two threads, no memory).
 */
struct rh_prefollow *rh_prefollow_create(struct rh_py_runtime *rt, uint32_t jobs);
void rh_prefollow_destroy(struct rh_prefollow *pf);
/** First object index past the window read last (0 before any). */
uint32_t rh_prefollow_end(const struct rh_prefollow *pf);
/**
 * Make the window holding object `from` the current one: the one read
 * ahead if it holds it, else objects [from, to) of s read now on the pool
 * (when there are `min` of them at least). Then start reading ahead, on
 * the pool's threads alone, what s holds past the window (`min` objects
 * at least), while the caller merges this one. Objects with a refcount of
 * 0 are skipped (follow_references reads none of them). False if no
 * window holds `from`: read sequentially.
 */
bool rh_prefollow_window(struct rh_prefollow *pf, const struct rh_snapshot *s,
			 uint32_t from, uint32_t to, uint32_t min);
/**
 * If object k was read in the window: call fn for each of its references
 * except weak ones, in the order rh_py_referents() gave them, set
 * *err_ret to the error it returned (the caller owns it), and return true.
 * False: read k on this thread.
 */
bool rh_prefollow_take(struct rh_prefollow *pf, uint32_t k, rh_py_ref_fn *fn, void *arg,
		       struct rh_error **err_ret);

#endif /* RH_HEAP_SNAPSHOT_PARALLEL_H */
