/*
 * Internals shared by the two halves of the allocator scan: obmalloc.c
 * (pymalloc, and the public entry points) and obmalloc_glibc.c (glibc's
 * malloc heaps).
 */
#ifndef RH_CPYTHON_OBMALLOC_INTERNAL_H
#define RH_CPYTHON_OBMALLOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpython/obmalloc.h"

struct rh_error;
struct rh_problems;
struct rh_py_runtime;

/** A half-open address range [start, end). */
struct om_range {
	uint64_t start, end;
};

/**
 * Walk glibc's heaps (see obmalloc.h) and report in-use chunks through fn.
 * `skip` lists ranges known to be something else (pymalloc arenas), which
 * the search for mmapped chunks does not probe. Sets *stopped when fn
 * asked to stop. Errors: RH_ERR_NO_MEMORY only; the rest are problems.
 */
struct rh_error *om_glibc_scan(struct rh_py_runtime *rt,
			       const struct rh_py_alloc_options *opts,
			       struct rh_problems *problems,
			       rh_py_block_fn *fn, void *arg,
			       const struct om_range *skip, size_t nskip,
			       struct rh_py_alloc_stats *st, bool *stopped);

#endif /* RH_CPYTHON_OBMALLOC_INTERNAL_H */
