/*
 * The allocator scan: every block in use in CPython's small-object
 * allocator (pymalloc: arenas -> pools -> blocks, Objects/obmalloc.c), so
 * that objects nothing references (leaked by reference-count bugs in C
 * code) are found too. Large objects (> 512 bytes) come from malloc; those
 * are found in glibc's heap chunks where possible.
 *
 * State location per version (Objects/obmalloc.c, pycore_obmalloc.h):
 * 3.8-3.11 static globals `arenas`, `maxarenas` (LOCAL symbols, found in
 * .symtab/DWARF); 3.12 `interp->obmalloc` embedded struct _obmalloc_state;
 * 3.13 `interp->obmalloc` pointer (main interpreter: `obmalloc_state_main`).
 * Arena 256 KiB / pool 4 KiB in 3.8-3.9, 1 MiB / 16 KiB from 3.10.
 */
#ifndef RH_CPYTHON_OBMALLOC_H
#define RH_CPYTHON_OBMALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct rh_error;
struct rh_problems;
struct rh_py_runtime;

enum rh_py_block_source {
	RH_BLOCK_PYMALLOC,   /* a pymalloc block in a used pool */
	RH_BLOCK_MALLOC,     /* a glibc malloc chunk (user pointer) */
};

struct rh_py_block {
	uint64_t addr;       /* first byte of the block / chunk user data */
	uint64_t size;       /* usable size */
	enum rh_py_block_source source;
};

/** Return non-zero to stop. */
typedef int rh_py_block_fn(void *arg, const struct rh_py_block *block);

/**
 * Report every allocated block of the interpreter's allocators. Free
 * blocks (on a pool's freeblock chain, or beyond nextoffset) are skipped;
 * a pool whose used count disagrees with what its free chain implies is
 * recorded as a problem and skipped. Every walk (arenas, pools, free
 * chains, malloc chunks) is bounded and cycle-checked.
 *
 * Errors: only RH_ERR_NO_MEMORY; unreadable or corrupt allocator state
 * becomes problems (how far the scan got).
 */
struct rh_error *rh_py_alloc_for_each(struct rh_py_runtime *rt,
				      struct rh_problems *problems,
				      rh_py_block_fn *fn, void *arg);

#endif /* RH_CPYTHON_OBMALLOC_H */
