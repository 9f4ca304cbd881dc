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
 *
 * What the malloc side covers (glibc only, x86-64): the main arena's brk
 * heap, every thread arena's heaps (64 MiB-aligned heap_info regions) and
 * mmapped chunks (one mapping per chunk, recognised by their header at page
 * boundaries of anonymous memory). With libc's symbols and DWARF
 * (libc6-dbg), chunks sitting free in fastbins and tcache (which glibc
 * marks as in use) are left out; without them the brk heap and thread
 * heaps are found from the memory segments alone and those cached free
 * chunks are reported as used (stats say which way was taken).
 */
#ifndef RH_CPYTHON_OBMALLOC_H
#define RH_CPYTHON_OBMALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct rh_error;
struct rh_problems;
struct rh_py_block_marks;   /* below */
struct rh_py_runtime;

enum rh_py_block_source {
	RH_BLOCK_PYMALLOC,   /* a pymalloc block in a used pool */
	RH_BLOCK_MALLOC,     /* a glibc malloc chunk (user pointer) */
};

/** Where a malloc chunk lives (RH_BLOCK_MALLOC only). */
enum rh_py_malloc_region {
	RH_MALLOC_MAIN_ARENA,    /* the brk heap of glibc's main_arena */
	RH_MALLOC_THREAD_ARENA,  /* a heap of a non-main (thread) arena */
	RH_MALLOC_MMAPPED,       /* a chunk with its own mapping (IS_MMAPPED) */
};

struct rh_py_block {
	uint64_t addr;       /* first byte of the block / chunk user data */
	uint64_t size;       /* usable size */
	enum rh_py_block_source source;
	/** RH_BLOCK_MALLOC: which kind of heap; 0 for pymalloc blocks. */
	enum rh_py_malloc_region region;
};

/** Return non-zero to stop. */
typedef int rh_py_block_fn(void *arg, const struct rh_py_block *block);

/**
 * Report every allocated block of the interpreter's allocators, with
 * default options (both allocators, libc symbols used when present, no
 * layout cache for libc). See rh_py_alloc_scan().
 *
 * Errors: only RH_ERR_NO_MEMORY; unreadable or corrupt allocator state
 * becomes problems (how far the scan got).
 */
struct rh_error *rh_py_alloc_for_each(struct rh_py_runtime *rt,
				      struct rh_problems *problems,
				      rh_py_block_fn *fn, void *arg);

struct rh_py_alloc_options {
	bool skip_pymalloc;
	bool skip_malloc;
	/**
	 * Do not use libc's symbols or DWARF: find the brk heap and the thread
	 * heaps from the memory segments alone (what happens when libc6-dbg is
	 * missing; lets tests exercise that path).
	 */
	bool no_libc_symbols;
	/** Layout cache directory for libc's DWARF answers, or NULL. */
	const char *cache_dir;
	/**
	 * Count only: check the pool headers and add up their ref.count
	 * (stats pool_ref_counts, CPython's own count of used small blocks)
	 * without walking a free chain or reporting a block. The glibc half
	 * is skipped. One header read per pool: a few milliseconds per GiB.
	 */
	bool count_only;
	/**
	 * With count_only: also note every pool counted, for block marks
	 * (below); *marks_ret gets them, or NULL (no memory, or no pool).
	 */
	struct rh_py_block_marks **marks_ret;
	/**
	 * Blocks marked here are counted in the stats but not reported: the
	 * caller knows their objects already. Only pools the count-only scan
	 * that made the marks saw can have marked blocks.
	 */
	const struct rh_py_block_marks *skip;
};

/**
 * A bit per block of the used pools, for a caller that knows most blocks'
 * objects before the allocator scan (the snapshot, after following
 * references: 9.4M of the 12M blocks of bench/mkheap.py's 10M-object
 * heap). Checking such a block for an object, then looking its address up
 * in the snapshot's index, was most of the scan's time, memory-bound on
 * the index (issue 12); a known object marks its block from the object
 * list instead, in address-independent order, with its pool found in a
 * small table. Marks may be set from several threads at once.
 */
struct rh_py_block_marks;

/**
 * Mark the block holding an object at obj. The object must sit where
 * rh_py_block_object() looks for one in its block (after a GC header and
 * 3.12+'s managed pre-header, or at the start): any other address, or one
 * in no pool the count saw, marks nothing. False when nothing was marked.
 */
bool rh_py_block_marks_set(struct rh_py_block_marks *m, uint64_t obj);
void rh_py_block_marks_destroy(struct rh_py_block_marks *m);

struct rh_blockregion;
struct rh_blockgeom;
/**
 * The used pools the count saw, as the regions of an index by block
 * (util/blockindex.h), *g their geometry: the pool size, the pool header's
 * size, and where rh_py_block_object() looks for an object in a block.
 * Pools mostly free are left out (more carved blocks than twice those in
 * use, plus 64). A malloc'd array of *n_ret, or NULL on no memory.
 */
struct rh_blockregion *rh_py_block_marks_regions(const struct rh_py_block_marks *m,
						 struct rh_blockgeom *g, size_t *n_ret);

/** How the glibc heaps were found. */
enum rh_py_malloc_method {
	RH_MALLOC_NOT_SCANNED,   /* skipped, or no glibc heap found at all */
	RH_MALLOC_BY_SYMBOLS,    /* main_arena and mp_ from libc's debug info */
	RH_MALLOC_BY_SEGMENTS,   /* heuristics over the memory segments */
};

/** What a scan saw, for reports and tests. */
struct rh_py_alloc_stats {
	/* ---- pymalloc (all fields 0 when no pymalloc state was found) */
	uint64_t pool_size;           /* POOL_SIZE as found (4 KiB or 16 KiB) */
	uint64_t arena_size;          /* ARENA_SIZE */
	unsigned alignment;           /* block size granule (16 on x86-64) */
	unsigned states;              /* allocator states scanned */
	uint64_t arenas;              /* arena slots with address != 0 */
	uint64_t pools_used;          /* pools with ref.count > 0 */
	uint64_t pools_empty;         /* carved pools with ref.count == 0 */
	uint64_t pymalloc_blocks;     /* used blocks reported */
	uint64_t pymalloc_bytes;
	/** Sum of the used pools' ref.count (CPython's own count). */
	uint64_t pool_ref_counts;
	/**
	 * Blocks PyObject_Malloc passed on to malloc and not yet freed:
	 * `raw_allocated_blocks` (3.9-3.11 static, 3.12+ mgmt field), summed
	 * over states; -1 when the build has no such counter (3.8).
	 */
	int64_t raw_allocated_blocks;
	/**
	 * What sys.getallocatedblocks() returned at the time of the dump, as
	 * CPython computes it: 3.8 the counter `_Py_AllocatedBlocks`; 3.9-3.11
	 * pool_ref_counts + raw_allocated_blocks; 3.12+ the same summed over
	 * interpreters plus _PyRuntime.obmalloc.interpreter_leaks. -1 if unknown.
	 */
	int64_t allocated_blocks;
	/* ---- glibc malloc */
	enum rh_py_malloc_method malloc_method;
	unsigned malloc_arenas;       /* main + thread arenas walked */
	unsigned malloc_heaps;        /* contiguous heaps walked (brk + thread) */
	uint64_t malloc_chunks;       /* in-use chunks reported (heaps) */
	uint64_t malloc_bytes;        /* their usable bytes */
	uint64_t malloc_cached_free;  /* free chunks in tcache/fastbins left out */
	uint64_t mmapped_chunks;
	uint64_t mmapped_bytes;
};

/**
 * Report every allocated block of the interpreter's allocators through fn.
 *
 * pymalloc: for each allocator state (3.12+: each interpreter with its own
 * obmalloc state), every arena, every carved pool with ref.count > 0, every
 * block below the pool's nextoffset that is not on its freeblock chain.
 * Pool headers are validated (arenaindex, szidx, nextoffset, maxnextoffset);
 * a bad pool is recorded and skipped. A free chain that breaks, or whose
 * length disagrees with ref.count, is recorded and the blocks not on it are
 * still reported.
 *
 * malloc: see the file comment. Chunks are reported by their user pointer
 * (chunk + 16) and usable size (chunk size - 8, mmapped: - 16).
 *
 * Every walk (arenas, pools, free chains, chunks, bins, heap lists) is
 * bounded by what the target's memory can hold, and cycle-checked.
 *
 * @param opts may be NULL (defaults: everything, libc symbols, no cache).
 * @param stats_ret may be NULL; written also when fn stopped the scan.
 * Errors: only RH_ERR_NO_MEMORY; unreadable or corrupt allocator state
 * becomes problems (what, where, how far the scan got).
 */
struct rh_error *rh_py_alloc_scan(struct rh_py_runtime *rt,
				  const struct rh_py_alloc_options *opts,
				  struct rh_problems *problems,
				  rh_py_block_fn *fn, void *arg,
				  struct rh_py_alloc_stats *stats_ret);

#endif /* RH_CPYTHON_OBMALLOC_H */
