/*
 * The snapshot's parallel part (internal to heap/): reading the references
 * of a window of objects on several threads before the snapshot's one
 * thread resolves them in order (heap/snapshot.c follow_references).
 *
 * Why the output cannot change with the number of threads: a worker only
 * reads (target memory and the runtime's filled tables); everything with
 * an order - object indices, edges, problems, the runtime's lazy tables -
 * is written by the main thread, in object order, exactly as with one
 * thread. An object whose reading would fill a lazy table (a type seen for
 * the first time) is given up by the worker (cpython/runtime.h
 * rh_py_worker_enter) and read again by the main thread at its turn.
 *
 * Workers also resolve what they can of the references they read: the
 * address index is only read while the pool runs (the main thread is in
 * it too), and an object, once indexed, keeps its index, so an address
 * known when the window is read resolves to what the main thread would
 * find later. An address not known yet may be added by the time the main
 * thread reaches it (an earlier reference in the window): the main thread
 * looks it up again, in order, and only then adds it, using the header a
 * worker read ahead if there is one (a pure function of target memory).
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
 * Read the references of objects [from, to) of s on the pool. Objects
 * with a refcount of 0 are skipped (follow_references reads none of
 * them). False if the window could not be set up: read sequentially.
 */
bool rh_prefollow_window(struct rh_prefollow *pf, const struct rh_snapshot *s,
			 uint32_t from, uint32_t to);
/** What a worker learnt of a reference's target while reading the window. */
struct rh_prefollow_hint {
	/** Its object index when the window was read, or UINT32_MAX. */
	uint32_t known;
	/**
	 * Not known then: its header as rh_py_object_read() gives it, read
	 * ahead (valid until the next window), or NULL (read it).
	 */
	const struct rh_py_object *read;
};

typedef int rh_prefollow_ref_fn(void *arg, const struct rh_py_ref *ref,
				const struct rh_prefollow_hint *hint);

/**
 * If object k was read in the window: call fn for each of its references
 * except weak ones, in the order rh_py_referents() gave them, with what
 * the workers found of each, set *err_ret to the error it returned (the
 * caller owns it), and return true. False: read k on this thread.
 */
bool rh_prefollow_take(struct rh_prefollow *pf, uint32_t k, rh_prefollow_ref_fn *fn,
		       void *arg, struct rh_error **err_ret);

/*
 * A predicate over numbered items, run on a pool: out[i] = pred(arg, i)
 * for i in [0, n). The predicate only reads (the target, filled tables);
 * whoever uses the flags does so in item order on one thread, so the
 * result cannot depend on the threads. With pool NULL it runs inline.
 */
struct rh_pool;
typedef bool rh_parallel_pred(void *arg, uint32_t i);
void rh_parallel_flags(struct rh_pool *pool, uint32_t n, rh_parallel_pred *pred, void *arg,
		       uint8_t *out);

#endif /* RH_HEAP_SNAPSHOT_PARALLEL_H */
