/*
 * Bounded, cycle-checked walk of a GC list; see gclist.h.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "cpython/gclist.h"
#include "cpython/py_internal.h"
#include "target/target.h"
#include "util/error.h"

static uint64_t get_u64(const unsigned char *b, size_t off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

struct rh_error *rh_gclist_walk(struct rh_target *t,
				const struct rh_gclist_params *p,
				rh_gclist_fn *fn, void *arg,
				uint64_t *nodes_ret)
{
	unsigned char buf[RH_GCLIST_MAX_NODE_READ];
	uint64_t n = 0;
	struct rh_error *err;

	*nodes_ret = 0;
	if (p->node_read > sizeof(buf) || p->next_off + 8 > p->node_read ||
	    p->prev_off + 8 > p->node_read)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "GC list walk: node read of %zu bytes does not cover the header",
				       p->node_read);

	err = rh_target_read(t, p->head, buf, p->next_off + 8 > p->prev_off + 8 ?
			     p->next_off + 8 : p->prev_off + 8);
	if (err)
		return rh_error_prefix(err, "reading GC list head 0x%" PRIx64,
				       p->head);
	uint64_t prev = p->head;
	uint64_t node = get_u64(buf, p->next_off) & RH_GC_PTR_MASK;

	// Invariant: `prev` is the last node visited (or the head), `node`
	// is its masked _gc_next, and n nodes were passed to fn.
	while (node != p->head) {
		*nodes_ret = n;
		if (node == 0)
			return RH_BAD_DATA(prev,
					   "GC list 0x%" PRIx64 " broken after %" PRIu64
					   " objects: node 0x%" PRIx64 " has a NULL _gc_next",
					   p->head, n, prev);
		if (n >= p->max_nodes)
			return rh_error_create(RH_ERR_LIMIT,
					       "GC list 0x%" PRIx64 " has more than %" PRIu64
					       " objects (more than the target can hold): it loops; stopped there",
					       p->head, p->max_nodes);
		// In place when the core maps the node directly (issue 12).
		const unsigned char *nb = py_view(t, node, p->node_read, buf, &err);
		if (!nb) {
			return rh_error_prefix(err,
					       "GC list 0x%" PRIx64 " broken after %" PRIu64
					       " objects: node 0x%" PRIx64 " (from 0x%" PRIx64 ") is unreadable",
					       p->head, n, node, prev);
		}
		uint64_t back = get_u64(nb, p->prev_off) & RH_GC_PTR_MASK;
		// A list that loops back into its middle, or a node that does not
		// belong to this list, shows up here: its _gc_prev names another
		// node than the one we came from.
		if (p->check_prev && back != prev)
			return RH_BAD_DATA(node,
					   "GC list 0x%" PRIx64 " broken after %" PRIu64
					   " objects: node 0x%" PRIx64 " has _gc_prev 0x%" PRIx64
					   " but was reached from 0x%" PRIx64,
					   p->head, n, node, back, prev);
		n++;
		if (fn(arg, node, nb))
			break;
		prev = node;
		node = get_u64(nb, p->next_off) & RH_GC_PTR_MASK;
	}
	*nodes_ret = n;
	return NULL;
}
