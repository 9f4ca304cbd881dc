/*
 * Walking one GC list (a circular doubly linked list of PyGC_Head) in target
 * memory, bounded and cycle-checked.
 *
 * CPython links every tracked container through the PyGC_Head in front of
 * it (Include/internal/pycore_gc.h): `_gc_next` points to the next header,
 * `_gc_prev` to the previous one, and the list head is a PyGC_Head inside the
 * GC state. The low two bits of both words carry flags (3.8-3.13:
 * _gc_prev bit 0 FINALIZED, bit 1 COLLECTING; _gc_next bit 0 UNREACHABLE
 * during a collection; 3.14.0-3.14.4 keep the old-space bit in _gc_next bit
 * 0), so both are masked with ~3 before use.
 *
 * A hostile or torn list cannot make the walk loop: every node's masked
 * _gc_prev must equal the node we came from (CPython's validate_list(),
 * made unconditional), and the number of steps is bounded by the caller
 * (at most the number of 32-byte blocks the target could hold).
 */
#ifndef RH_CPYTHON_GCLIST_H
#define RH_CPYTHON_GCLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_error;
struct rh_target;

#define RH_GC_PTR_MASK (~(uint64_t)3)

struct rh_gclist_params {
	/** Address of the list head (a PyGC_Head). */
	uint64_t head;
	/** Offsets of _gc_next and _gc_prev in PyGC_Head. */
	size_t next_off, prev_off;
	/**
	 * Bytes read at each node, starting at its PyGC_Head; at least the
	 * header itself (the caller usually adds the object header so one read
	 * serves both). At most RH_GCLIST_MAX_NODE_READ.
	 */
	size_t node_read;
	/** Bound on the number of nodes (excluding the head). */
	uint64_t max_nodes;
	/**
	 * Check each node's _gc_prev. Off while a collection is running
	 * (gcstate->collecting), when _gc_prev holds gc_refs instead.
	 */
	bool check_prev;
};

#define RH_GCLIST_MAX_NODE_READ 128

/**
 * Called with each node's address and the node_read bytes read there.
 * Return non-zero to stop the walk (not an error).
 */
typedef int rh_gclist_fn(void *arg, uint64_t node, const unsigned char *bytes);

/**
 * Walk the list from head->_gc_next until it returns to head.
 *
 * On success returns NULL. On a broken list returns RH_ERR_FAULT (a node is
 * unreadable), RH_ERR_BAD_DATA (a _gc_prev does not point back, or a NULL
 * link) or RH_ERR_LIMIT (max_nodes exceeded), with a message that says how
 * many nodes were read and where the list broke.
 *
 * @param nodes_ret always written (also on error): nodes passed to fn.
 */
struct rh_error *rh_gclist_walk(struct rh_target *t,
				const struct rh_gclist_params *p,
				rh_gclist_fn *fn, void *arg,
				uint64_t *nodes_ret);

#endif /* RH_CPYTHON_GCLIST_H */
