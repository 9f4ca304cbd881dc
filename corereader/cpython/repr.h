/*
 * Short, safe descriptions of objects and names of references, computed on
 * demand (never stored per object or per edge).
 *
 * A repr is bounded text such as 'user42@example.com' (str contents,
 * truncated), b'\x00ab', 42, 3.5, True, None, <class 'app.User'>,
 * <function handle>, <module 'json'>, <dict len 3>, <User object>.
 * A label names a reference: [3], ['key'], .attr, .__dict__, local 'req',
 * cell_contents, tp_mro.
 *
 * The text is bytes taken from the target (str contents may hold any
 * character): the report layer escapes it for a terminal or JSON.
 */
#ifndef RH_CPYTHON_REPR_H
#define RH_CPYTHON_REPR_H

#include <stddef.h>
#include <stdint.h>

struct rh_py_ref;
struct rh_py_runtime;

/** Longest str/bytes content quoted in a repr, in bytes. */
#define RH_PY_REPR_MAX_CONTENT 60

/**
 * Write a short repr of the object at addr into buf (size len >= 16),
 * NUL-terminated. Never fails: unreadable parts show as <unreadable ...>.
 */
void rh_py_repr(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len);

/**
 * Write the label of a reference (as reported by rh_py_referents) into
 * buf (size len >= 16), NUL-terminated. Never fails.
 */
void rh_py_ref_label(struct rh_py_runtime *rt, const struct rh_py_ref *ref,
		     char *buf, size_t len);

#endif /* RH_CPYTHON_REPR_H */
