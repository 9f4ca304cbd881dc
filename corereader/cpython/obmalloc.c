/*
 * The allocator scan, pymalloc half: every block in use in CPython's
 * small-object allocator, read from the allocator's own bookkeeping
 * (Objects/obmalloc.c 3.8-3.13; the structs are in
 * Include/internal/pycore_obmalloc.h from 3.12). The glibc half, for
 * objects larger than SMALL_REQUEST_THRESHOLD, is obmalloc_glibc.c.
 *
 * Start at rh_py_alloc_scan(). The allocator's state is
 *   arenas[maxarenas]   a vector of struct arena_object; a slot whose
 *                       `address` is 0 holds no arena;
 *   an arena            ARENA_SIZE bytes from `address`; its pools start at
 *                       the first POOL_SIZE boundary (new_arena() gives one
 *                       pool up when mmap's result is not aligned) and are
 *                       carved in order, so the carved ones end at
 *                       `pool_address` (exclusive);
 *   a pool              a struct pool_header, then blocks of one size
 *                       class from POOL_OVERHEAD (the header rounded up to
 *                       ALIGNMENT) on. Blocks below `nextoffset` have been
 *                       handed out at least once; the free ones among them
 *                       form the `freeblock` chain (each free block's first
 *                       word points to the next, NULL ends it; the block
 *                       at the old nextoffset sits on the chain too, see
 *                       pymalloc_alloc()). `ref.count` counts the others.
 *                       A pool with ref.count 0 is empty (on its arena's
 *                       freepools list): its contents are stale.
 * So the used blocks of a pool are the blocks below nextoffset that are not
 * on the chain, and their number must equal ref.count: the consistency
 * check of every pool. This is exactly what _Py_GetAllocatedBlocks()
 * (3.9-3.11) and _PyInterpreterState_GetAllocatedBlocks() (3.12+) add up.
 *
 * Where the state is, by feature rather than by version (style.md):
 *   PyInterpreterState has a member `obmalloc` (3.12+): per interpreter.
 *     Its DWARF size says which form: the embedded struct _obmalloc_state
 *     (3.12, 263248 bytes) or a pointer to one (3.13+; the main
 *     interpreter's is the static `obmalloc_state_main`). Interpreters
 *     that share the main allocator (Py_RTFLAGS_USE_MAIN_OBMALLOC) point to
 *     the same state (3.13) or leave their own zeroed (3.12).
 *   otherwise (3.8-3.11) the LOCAL statics `arenas` and `maxarenas`, by
 *     symbol (LTO renames them `arenas.lto_priv.0`: the image finds the C
 *     name) or by the DWARF variable.
 *
 * Constants that are macros, hence absent from DWARF (choices checked on
 * pyenv 3.8.18-3.13.0 and Debian 3.11.2, see layouts_obmalloc.h):
 *   ALIGNMENT     512 / NB_SMALL_SIZE_CLASSES, the latter from the length of
 *                 the usedpools array (2 * NB entries for NB = 32 or 64):
 *                 DWARF count of pools.used (3.12+) or the size of the
 *                 `usedpools` symbol. 16 on every 64-bit 3.8+ build
 *                 (bpo-27987 made it 16 in 3.8).
 *   POOL_SIZE     4 KiB (3.8-3.9), 16 KiB (3.10+, with the radix tree and
 *                 USE_LARGE_POOLS). The radix tree's types in DWARF give a
 *                 first guess; the data decide: init_pool() sets
 *                 maxnextoffset = POOL_SIZE - block size in every pool ever
 *                 carved, so the first pool of the first arena, located with
 *                 the guessed POOL_SIZE, must show it (and arenaindex == its
 *                 slot). Other powers of two are tried if the guess fails.
 *   ARENA_SIZE    MAX_POOLS_IN_ARENA * POOL_SIZE, MAX_POOLS_IN_ARENA being the
 *                 length of nfp2lasta minus one (DWARF 3.12+, symbol size
 *                 before); 64 in every configuration of 3.8-3.13 (256 KiB /
 *                 4 KiB and 1 MiB / 16 KiB).
 *
 * Cost: one read per 1024 arena objects, one 48-byte read per carved pool
 * (about 64K reads for 1 GiB of 16 KiB pools), and for the free chains one
 * word per free block, or one read of the pool's carved bytes when it has
 * more than a few free blocks. Linear in the arenas' size. A core's pools
 * are read in place (rh_target_view): no copies.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/obmalloc.h"
#include "cpython/obmalloc_internal.h"
#include "cpython/py_internal.h"
#include "image/image.h"
#include "target/target.h"
#include "util/blockindex.h"
#include "util/error.h"
#include "util/u64map.h"

/* Objects/obmalloc.c (pycore_obmalloc.h 3.12+): the same in 3.8-3.13. */
#define SMALL_REQUEST_THRESHOLD 512

/* arena_objects read per call */
#define ARENA_BATCH 1024
/* pool sizes tried when the guess does not fit the data */
#define MIN_POOL_SIZE 4096u
#define MAX_POOL_SIZE 65536u
/* free blocks beyond which a pool's carved bytes are read in one call */
#define WHOLE_POOL_FREE_MIN 8

struct om_layout {
	size_t ao_size, ao_address, ao_pool_address;
	size_t ao_ntotalpools;    /* SIZE_MAX when DWARF lacks it */
	size_t ph_size, ph_count, ph_freeblock, ph_arenaindex, ph_szidx,
		ph_nextoffset, ph_maxnextoffset;
	unsigned alignment, shift, nclasses, max_pools;
	uint64_t overhead;
	uint64_t pool_size;       /* guessed, then settled by the first arena */
	bool pool_size_settled;
	uint64_t arena_size;
};

/* One allocator state: the arena vector and its counters. */
struct om_state {
	uint64_t vector;          /* value of `arenas` */
	uint64_t maxarenas;
	int64_t raw;              /* raw_allocated_blocks, -1 if none */
	char what[48];            /* for messages: "interpreter 0" */
};

/* One pool of a marks table. */
struct mark_pool {
	uint64_t addr;
	uint64_t first_bit;   /* of its blocks in rh_py_block_marks.bits */
	uint32_t size;        /* block size */
	uint32_t ncarved;     /* blocks below nextoffset */
	uint32_t count;       /* ref.count: blocks in use */
};

struct rh_py_block_marks {
	struct rh_u64map index;     /* pool address -> position in pools */
	struct mark_pool *pools;
	size_t npools, cap;
	uint64_t pool_size, overhead;
	uint64_t offsets[RH_PY_BLOCK_OFFSETS];   /* where rh_py_block_object() looks */
	uint64_t nbits;
	uint64_t *bits;             /* made when the count is done */
};

struct om_ctx {
	struct rh_py_runtime *rt;
	struct rh_target *t;
	struct rh_problems *problems;
	rh_py_block_fn *fn;
	void *arg;
	bool stopped;
	bool count_only;          /* rh_py_alloc_options.count_only */
	struct rh_py_block_marks *marks;        /* count_only: being made */
	const struct rh_py_block_marks *skip;   /* rh_py_alloc_options.skip */
	struct rh_py_alloc_stats *st;
	struct om_layout L;
	unsigned char *pool_buf;  /* MAX_POOL_SIZE bytes */
	uint64_t *bitmap;         /* one bit per block of a pool */
	struct om_range *ranges;  /* the arenas seen, for the glibc half */
	size_t nranges, ranges_cap;
	struct rh_error *err;     /* NO_MEMORY only */
};

/* ------------------------------------------------------------------ */
/* Layout                                                              */

/* Size of a symbol of the interpreter module, 0 if not found. */
static uint64_t symbol_size(struct rh_py_runtime *rt, const char *name)
{
	uint64_t addr, size;
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    name, &addr, &size);
	if (err) {
		// Absent symbols only lose a cross-check: the caller falls back.
		rh_error_destroy(err);
		return 0;
	}
	return size;
}

/*
 * Fill c->L from the DWARF answers. False (with a problem recorded) when
 * this build has no pymalloc structs at all.
 */
static bool load_layout(struct om_ctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	struct om_layout *L = &c->L;
	static const struct {
		enum rh_py_layout_index idx;
		const char *what;
	} need[] = {
		{ PYL_OM_SZ_ARENA_OBJECT, "struct arena_object" },
		{ PYL_OM_AO_ADDRESS, "arena_object.address" },
		{ PYL_OM_AO_POOL_ADDRESS, "arena_object.pool_address" },
		{ PYL_OM_SZ_POOL_HEADER, "struct pool_header" },
		{ PYL_OM_PH_COUNT, "pool_header.ref.count" },
		{ PYL_OM_PH_FREEBLOCK, "pool_header.freeblock" },
		{ PYL_OM_PH_ARENAINDEX, "pool_header.arenaindex" },
		{ PYL_OM_PH_SZIDX, "pool_header.szidx" },
		{ PYL_OM_PH_NEXTOFFSET, "pool_header.nextoffset" },
		{ PYL_OM_PH_MAXNEXTOFFSET, "pool_header.maxnextoffset" },
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!rt->L[need[i].idx].found) {
			rh_problems_add(c->problems,
					"pymalloc not scanned: the DWARF of %s has no %s (a build --without-pymalloc?); leaked small objects cannot be found",
					rt->info.module->name, need[i].what);
			return false;
		}
	}
	L->ao_size = (size_t)PYL(rt, OM_SZ_ARENA_OBJECT);
	L->ao_address = (size_t)PYL(rt, OM_AO_ADDRESS);
	L->ao_pool_address = (size_t)PYL(rt, OM_AO_POOL_ADDRESS);
	L->ph_size = (size_t)PYL(rt, OM_SZ_POOL_HEADER);
	L->ph_count = (size_t)PYL(rt, OM_PH_COUNT);
	L->ph_freeblock = (size_t)PYL(rt, OM_PH_FREEBLOCK);
	L->ph_arenaindex = (size_t)PYL(rt, OM_PH_ARENAINDEX);
	L->ph_szidx = (size_t)PYL(rt, OM_PH_SZIDX);
	L->ph_nextoffset = (size_t)PYL(rt, OM_PH_NEXTOFFSET);
	L->ph_maxnextoffset = (size_t)PYL(rt, OM_PH_MAXNEXTOFFSET);
	L->ao_ntotalpools = PYL_HAS(rt, OM_AO_NTOTALPOOLS) ? (size_t)PYL(rt, OM_AO_NTOTALPOOLS)
							  : SIZE_MAX;
	// The struct sizes bound every field read from a local copy (the
	// answers may come from a cache file: a negative one must fail too).
	if (L->ao_size < 16 || L->ao_size > 256 || L->ph_size < 32 || L->ph_size > 256 ||
	    !py_field_fits(L->ao_address, 8, L->ao_size) || !py_field_fits(L->ao_pool_address, 8, L->ao_size) ||
	    (L->ao_ntotalpools != SIZE_MAX && !py_field_fits(L->ao_ntotalpools, 4, L->ao_size)) ||
	    !py_field_fits(L->ph_count, 4, L->ph_size) || !py_field_fits(L->ph_freeblock, 8, L->ph_size) ||
	    !py_field_fits(L->ph_arenaindex, 4, L->ph_size) || !py_field_fits(L->ph_szidx, 4, L->ph_size) ||
	    !py_field_fits(L->ph_nextoffset, 4, L->ph_size) || !py_field_fits(L->ph_maxnextoffset, 4, L->ph_size)) {
		rh_problems_add(c->problems,
				"pymalloc not scanned: implausible struct arena_object / pool_header layout in the DWARF of %s",
				rt->info.module->name);
		return false;
	}

	// NB_SMALL_SIZE_CLASSES from the usedpools array: 2 * NB entries
	// (rounded up to a multiple of 16, exact for NB = 32 or 64).
	uint64_t nused = PYL_HAS(rt, OM_ST_NUSEDPOOLS) ? (uint64_t)PYL(rt, OM_ST_NUSEDPOOLS)
						       : symbol_size(rt, "usedpools") / 8;
	unsigned nclasses = (unsigned)(nused / 2);
	if (nclasses == 32 || nclasses == 64) {
		L->nclasses = nclasses;
	} else {
		// 64-bit CPython 3.8+ has ALIGNMENT 16: 32 classes.
		L->nclasses = 32;
		if (nused)
			rh_problems_add(c->problems,
					"pymalloc: usedpools has %" PRIu64 " entries, expected 64 or 128; assuming 32 size classes of 16 bytes",
					nused);
	}
	L->alignment = SMALL_REQUEST_THRESHOLD / L->nclasses;
	L->shift = L->alignment == 16 ? 4 : 3;
	L->overhead = (L->ph_size + L->alignment - 1) & ~(uint64_t)(L->alignment - 1);

	// MAX_POOLS_IN_ARENA from nfp2lasta[MAX_POOLS_IN_ARENA + 1].
	uint64_t nfp = PYL_HAS(rt, OM_ST_NFP2LASTA) ? (uint64_t)PYL(rt, OM_ST_NFP2LASTA)
						    : symbol_size(rt, "nfp2lasta") / 8;
	L->max_pools = nfp >= 2 && nfp <= 1025 ? (unsigned)(nfp - 1) : 64;

	// The radix tree (3.10+) came with 1 MiB arenas of 16 KiB pools.
	L->pool_size = PYL_HAS(rt, OM_MAP_BOT_COUNT) ? 16384 : 4096;
	L->arena_size = (uint64_t)L->max_pools * L->pool_size;
	return true;
}

/* ------------------------------------------------------------------ */
/* Finding the allocator states                                        */

/* Address of a static of the interpreter module: symbol, else DWARF. */
static bool find_static(struct rh_py_runtime *rt, const char *name,
			enum rh_py_layout_index var, uint64_t *addr_ret)
{
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    name, &addr, NULL);
	if (!err) {
		*addr_ret = addr;
		return true;
	}
	// Not in .symtab: the DWARF variable (link-time address + bias).
	rh_error_destroy(err);
	if (!rt->L[var].found)
		return false;
	*addr_ret = (uint64_t)rt->L[var].value + rt->info.module->bias;
	return true;
}

/*
 * The states to scan. 3.12+: one per interpreter with its own state
 * (duplicates and zeroed ones dropped); 3.8-3.11: the statics. Returns
 * the number found (0 with a problem recorded when none is readable).
 */
static size_t find_states(struct om_ctx *c, struct om_state **ret)
{
	struct rh_py_runtime *rt = c->rt;
	struct rh_py_alloc_stats *st = c->st;
	struct om_state *states = NULL;
	size_t n = 0;
	*ret = NULL;

	if (PYL_HAS(rt, OM_IS_OBMALLOC)) {
		if (!PYL_HAS(rt, OM_ST_ARENAS) || !PYL_HAS(rt, OM_ST_MAXARENAS)) {
			rh_problems_add(c->problems,
					"pymalloc not scanned: the DWARF of %s has PyInterpreterState.obmalloc but no struct _obmalloc_state mgmt.arenas/maxarenas",
					rt->info.module->name);
			return 0;
		}
		size_t ninterp = rh_py_interp_count(rt);
		states = calloc(ninterp ? ninterp : 1, sizeof(*states));
		if (!states) {
			c->err = rh_enomem;
			return 0;
		}
		bool pointer = PYL(rt, OM_SZ_IS_OBMALLOC) == 8;
		struct rh_u64map seen;
		rh_u64map_init(&seen);
		bool raw_all = PYL_HAS(rt, OM_ST_RAW_BLOCKS);
		int64_t raw_sum = 0;
		for (size_t i = 0; i < ninterp; i++) {
			const struct rh_py_interp *in = rh_py_interp(rt, i);
			uint64_t sa = in->addr + (uint64_t)PYL(rt, OM_IS_OBMALLOC);
			struct rh_error *err = NULL;
			if (pointer)
				err = rh_target_read_u64(c->t, sa, &sa);
			if (err) {
				rh_problems_add_error(c->problems, err,
						      "pymalloc: interpreter %" PRId64 ": reading its obmalloc pointer",
						      in->id);
				continue;
			}
			if (!sa)
				continue;
			// Interpreters sharing the main allocator (3.13) point to
			// the same state: scan it once.
			int r = rh_u64map_insert(&seen, sa, 0, NULL);
			if (r < 0) {
				c->err = rh_enomem;
				break;
			}
			if (r == 0)
				continue;
			struct om_state *s = &states[n];
			uint32_t maxarenas;
			if ((err = rh_target_read_u64(c->t, sa + PYL(rt, OM_ST_ARENAS), &s->vector)) ||
			    (err = rh_target_read_u32(c->t, sa + PYL(rt, OM_ST_MAXARENAS), &maxarenas))) {
				rh_problems_add_error(c->problems, err,
						      "pymalloc: interpreter %" PRId64 ": reading its allocator state at 0x%" PRIx64,
						      in->id, sa);
				raw_all = false;
				continue;
			}
			s->maxarenas = maxarenas;
			s->raw = -1;
			if (raw_all) {
				int64_t raw;
				err = rh_target_read_i64(c->t, sa + PYL(rt, OM_ST_RAW_BLOCKS), &raw);
				if (err) {
					rh_problems_add_error(c->problems, err,
							      "pymalloc: interpreter %" PRId64 ": reading raw_allocated_blocks",
							      in->id);
					raw_all = false;
				} else {
					s->raw = raw;
					raw_sum += raw;
				}
			}
			snprintf(s->what, sizeof(s->what), "interpreter %" PRId64, in->id);
			// 3.12: an interpreter using the main allocator leaves its
			// embedded state zeroed; it holds nothing.
			if (!s->vector && !s->maxarenas)
				continue;
			n++;
		}
		rh_u64map_deinit(&seen);
		if (c->err) {
			free(states);
			return 0;
		}
		if (raw_all) {
			st->raw_allocated_blocks = raw_sum;
			// _Py_GetGlobalAllocatedBlocks() adds the blocks of
			// interpreters already finalized.
			int64_t leaks = 0;
			if (PYL_HAS(rt, OM_RT_LEAKS)) {
				struct rh_error *err = rh_target_read_i64(
					c->t, rt->info.runtime_addr + PYL(rt, OM_RT_LEAKS), &leaks);
				if (err) {
					rh_problems_add_error(c->problems, err,
							      "pymalloc: reading _PyRuntime.obmalloc.interpreter_leaks");
					raw_all = false;
				}
			}
			// allocated_blocks is completed once pools are counted
			st->allocated_blocks = raw_all ? raw_sum + leaks : -1;
		}
		*ret = states;
		return n;
	}

	uint64_t arenas_addr, maxarenas_addr;
	if (!find_static(rt, "arenas", PYL_OM_VAR_ARENAS, &arenas_addr) ||
	    !find_static(rt, "maxarenas", PYL_OM_VAR_MAXARENAS, &maxarenas_addr)) {
		rh_problems_add(c->problems,
				"pymalloc not scanned: found neither the symbols nor the DWARF variables `arenas` and `maxarenas` of Objects/obmalloc.c in %s",
				rt->info.module->name);
		return 0;
	}
	states = calloc(1, sizeof(*states));
	if (!states) {
		c->err = rh_enomem;
		return 0;
	}
	uint32_t maxarenas;
	struct rh_error *err;
	if ((err = rh_target_read_u64(c->t, arenas_addr, &states[0].vector)) ||
	    (err = rh_target_read_u32(c->t, maxarenas_addr, &maxarenas))) {
		rh_problems_add_error(c->problems, err,
				      "pymalloc not scanned: reading `arenas` (0x%" PRIx64 ") and `maxarenas` (0x%" PRIx64 ")",
				      arenas_addr, maxarenas_addr);
		free(states);
		return 0;
	}
	states[0].maxarenas = maxarenas;
	states[0].raw = -1;
	snprintf(states[0].what, sizeof(states[0].what), "the arenas");
	uint64_t a;
	int64_t v;
	if (find_static(rt, "raw_allocated_blocks", PYL_OM_VAR_RAW_BLOCKS, &a)) {
		// 3.9-3.11: _Py_GetAllocatedBlocks() = raw + the pools' counts
		err = rh_target_read_i64(c->t, a, &v);
		if (err) {
			rh_problems_add_error(c->problems, err, "pymalloc: reading raw_allocated_blocks");
		} else {
			states[0].raw = v;
			st->raw_allocated_blocks = v;
			st->allocated_blocks = v;
		}
	} else if (find_static(rt, "_Py_AllocatedBlocks", PYL_OM_VAR_ALLOCATED_BLOCKS, &a)) {
		// 3.8: a counter of pymalloc and raw blocks together
		err = rh_target_read_i64(c->t, a, &v);
		if (err)
			rh_problems_add_error(c->problems, err, "pymalloc: reading _Py_AllocatedBlocks");
		else
			st->allocated_blocks = v;
	}
	*ret = states;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Pools                                                               */

static bool add_range(struct om_ctx *c, uint64_t start, uint64_t end)
{
	if (c->nranges == c->ranges_cap) {
		size_t ncap = c->ranges_cap ? c->ranges_cap * 2 : 64;
		struct om_range *p = realloc(c->ranges, ncap * sizeof(*p));
		if (!p) {
			c->err = rh_enomem;
			return false;
		}
		c->ranges = p;
		c->ranges_cap = ncap;
	}
	c->ranges[c->nranges++] = (struct om_range){ start, end };
	return true;
}

static bool report(struct om_ctx *c, uint64_t addr, uint64_t size)
{
	struct rh_py_block b = { .addr = addr, .size = size, .source = RH_BLOCK_PYMALLOC };
	c->st->pymalloc_blocks++;
	c->st->pymalloc_bytes += size;
	if (c->fn(c->arg, &b)) {
		c->stopped = true;
		return false;
	}
	return true;
}

/*
 * Whether the header at hdr (of the pool at pool, in arena slot idx) was
 * set up by init_pool() for pools of pool_size bytes: it names its arena,
 * and maxnextoffset = POOL_SIZE - block size.
 */
static bool header_fits(const struct om_layout *L, const unsigned char *hdr,
			uint64_t idx, uint64_t pool_size)
{
	uint32_t szidx = py_get_u32(hdr, (int64_t)L->ph_szidx);
	if (py_get_u32(hdr, (int64_t)L->ph_arenaindex) != idx || szidx >= L->nclasses)
		return false;
	uint64_t size = (uint64_t)(szidx + 1) << L->shift;
	return (uint64_t)py_get_u32(hdr, (int64_t)L->ph_maxnextoffset) + size == pool_size;
}

/*
 * Settle POOL_SIZE on the first arena: keep the guess if its first pool
 * fits it, else take the first power of two that fits.
 */
static void settle_pool_size(struct om_ctx *c, const struct om_state *s,
			     uint64_t idx, uint64_t address)
{
	struct om_layout *L = &c->L;
	unsigned char hdr[256];
	uint64_t guess = L->pool_size;
	uint64_t cands[8];
	size_t nc = 0;
	cands[nc++] = guess;
	for (uint64_t p = MIN_POOL_SIZE; p <= MAX_POOL_SIZE; p <<= 1)
		if (p != guess)
			cands[nc++] = p;
	for (size_t i = 0; i < nc; i++) {
		uint64_t first = (address + cands[i] - 1) & ~(cands[i] - 1);
		if (first < address)
			continue;
		struct rh_error *err = rh_target_read(c->t, first, hdr, L->ph_size);
		if (err) {
			rh_error_destroy(err);
			continue;
		}
		if (header_fits(L, hdr, idx, cands[i])) {
			if (cands[i] != guess)
				rh_problems_add(c->problems,
						"pymalloc: %s: the first pool of arena %" PRIu64 " says POOL_SIZE is %" PRIu64 ", not the %" PRIu64 " this build's DWARF suggests; using %" PRIu64,
						s->what, idx, cands[i], guess, cands[i]);
			L->pool_size = cands[i];
			L->arena_size = (uint64_t)L->max_pools * L->pool_size;
			L->pool_size_settled = true;
			return;
		}
	}
	// Keep the guess; the per-pool checks will say what is wrong.
	rh_problems_add(c->problems,
			"pymalloc: %s: the first pool of arena %" PRIu64 " at 0x%" PRIx64 " fits no POOL_SIZE from %u to %u; assuming %" PRIu64,
			s->what, idx, address, MIN_POOL_SIZE, MAX_POOL_SIZE, guess);
	L->pool_size_settled = true;
}

/* ------------------------------------------------------------------ */
/* Block marks                                                         */

/* The count-only scan saw a used pool: give its blocks their bits. */
static void note_pool(struct om_ctx *c, uint64_t pool, uint64_t size, uint64_t ncarved,
		      uint32_t count)
{
	struct rh_py_block_marks *m = c->marks;
	if (m->npools == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct mark_pool *p = realloc(m->pools, ncap * sizeof(*p));
		if (!p)
			goto fail;
		m->pools = p;
		m->cap = ncap;
	}
	// A pool seen twice (two arenas claiming it: corrupt) keeps its first
	// bits; the full scan skips blocks only where the two agree.
	int r = rh_u64map_insert(&m->index, pool, (uint32_t)m->npools, NULL);
	if (r < 0)
		goto fail;
	if (r == 0)
		return;
	// ncarved <= POOL_SIZE / 8 and the pools are bounded by the core: no
	// overflow, but the positions are uint32_t.
	if (m->npools >= UINT32_MAX)
		goto fail;
	// Each pool's bits start on a word: the scan reads a pool's marks
	// as whole words of their own (marked_blocks).
	m->nbits = (m->nbits + 63) & ~(uint64_t)63;
	m->pools[m->npools++] = (struct mark_pool){
		.addr = pool, .first_bit = m->nbits, .size = (uint32_t)size,
		.ncarved = (uint32_t)ncarved, .count = count,
	};
	m->nbits += ncarved;
	return;
fail:
	// No memory for the marks: the scan goes on without them.
	rh_py_block_marks_destroy(m);
	c->marks = NULL;
}

/* The pool's first mark word, if the marks have it as the scan sees it. */
static const uint64_t *marked_blocks(const struct rh_py_block_marks *m, uint64_t pool,
				     uint64_t size, uint64_t ncarved)
{
	uint32_t i;
	if (!m || !rh_u64map_find(&m->index, pool, &i))
		return NULL;
	const struct mark_pool *p = &m->pools[i];
	if (p->size != size || p->ncarved != ncarved || p->first_bit % 64)
		return NULL;
	return m->bits + p->first_bit / 64;
}

bool rh_py_block_marks_set(struct rh_py_block_marks *m, uint64_t obj)
{
	uint64_t pool = obj & ~(m->pool_size - 1);
	uint32_t i;
	if (obj - pool < m->overhead || !rh_u64map_find(&m->index, pool, &i))
		return false;
	const struct mark_pool *p = &m->pools[i];
	uint64_t off = obj - pool - m->overhead;
	uint64_t k = off / p->size;
	uint64_t at = off - k * p->size;
	bool candidate = false;
	for (size_t j = 0; j < RH_PY_BLOCK_OFFSETS; j++)
		candidate |= at == m->offsets[j];
	if (k >= p->ncarved || !candidate)
		return false;
	uint64_t bit = p->first_bit + k;
	__atomic_fetch_or(&m->bits[bit / 64], 1ULL << (bit % 64), __ATOMIC_RELAXED);
	return true;
}

void rh_py_block_marks_destroy(struct rh_py_block_marks *m)
{
	if (!m)
		return;
	rh_u64map_deinit(&m->index);
	free(m->pools);
	free(m->bits);
	free(m);
}

_Static_assert(RH_PY_BLOCK_OFFSETS == RH_BLOCKINDEX_OFFSETS,
	       "an index by block needs rh_py_block_offsets()' places");

/*
 * A pool mostly free costs a slot per carved block for few objects: a
 * heap that shrank keeps pools with one block in use of 1,024. Those go
 * to the other index, so the slots stay within about twice the blocks in
 * use.
 */
#define REGION_SPARSE(p) ((uint64_t)(p)->ncarved > 2 * (uint64_t)(p)->count + 64)

struct rh_blockregion *rh_py_block_marks_regions(const struct rh_py_block_marks *m,
						 struct rh_blockgeom *g, size_t *n_ret)
{
	*n_ret = 0;
	memset(g, 0, sizeof(*g));
	struct rh_blockregion *r = malloc((m->npools ? m->npools : 1) * sizeof(*r));
	if (!r)
		return NULL;
	g->region_size = m->pool_size;
	g->overhead = m->overhead;
	memcpy(g->offs, m->offsets, sizeof(g->offs));
	size_t n = 0;
	for (size_t i = 0; i < m->npools; i++) {
		const struct mark_pool *p = &m->pools[i];
		if (!REGION_SPARSE(p))
			r[n++] = (struct rh_blockregion){
				.addr = p->addr, .size = p->size, .nblocks = p->ncarved,
			};
	}
	*n_ret = n;
	return r;
}

/* Start the marks of a count-only scan. */
static struct rh_py_block_marks *marks_create(struct rh_py_runtime *rt)
{
	struct rh_py_block_marks *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	rh_u64map_init(&m->index);
	rh_py_block_offsets(rt, m->offsets);
	return m;
}

/* The count is done: the bits, all clear. False (and no marks) without memory. */
static bool marks_finish(struct om_ctx *c)
{
	struct rh_py_block_marks *m = c->marks;
	m->pool_size = c->L.pool_size;
	m->overhead = c->L.overhead;
	m->bits = calloc(m->nbits / 64 + 1, sizeof(uint64_t));
	if (m->bits && m->npools)
		return true;
	rh_py_block_marks_destroy(m);
	c->marks = NULL;
	return false;
}

static void scan_pool(struct om_ctx *c, const struct om_state *s, uint64_t idx,
		      uint64_t pool, const unsigned char *hdr)
{
	const struct om_layout *L = &c->L;
	struct rh_py_alloc_stats *st = c->st;
	uint64_t P = L->pool_size;
	uint32_t count = py_get_u32(hdr, (int64_t)L->ph_count);
	if (count == 0) {
		// Empty: on its arena's freepools list, contents stale.
		st->pools_empty++;
		return;
	}
	uint32_t aidx = py_get_u32(hdr, (int64_t)L->ph_arenaindex);
	uint32_t szidx = py_get_u32(hdr, (int64_t)L->ph_szidx);
	uint64_t nextoff = py_get_u32(hdr, (int64_t)L->ph_nextoffset);
	uint64_t maxnext = py_get_u32(hdr, (int64_t)L->ph_maxnextoffset);
	uint64_t fb = py_get_u64(hdr, (int64_t)L->ph_freeblock);
	uint64_t size = (uint64_t)(szidx + 1) << L->shift;
	char why[128];
	why[0] = 0;
	if (aidx != idx)
		// pymalloc_free() finds a block's arena through it
		snprintf(why, sizeof(why), "arenaindex %u, expected %" PRIu64, aidx, idx);
	else if (szidx >= L->nclasses)
		snprintf(why, sizeof(why), "size class %u, at most %u", szidx, L->nclasses - 1);
	else if (maxnext + size != P)
		// init_pool() sets it so for every pool
		snprintf(why, sizeof(why), "maxnextoffset %" PRIu64 ", expected %" PRIu64,
			 maxnext, P - size);
	else if (nextoff > P || nextoff < L->overhead + size ||
		 (nextoff - L->overhead) % size)
		// nextoffset only ever moves by whole blocks from POOL_OVERHEAD
		snprintf(why, sizeof(why), "nextoffset %" PRIu64 " is not a block boundary inside the pool",
			 nextoff);
	else if (count > (nextoff - L->overhead) / size)
		snprintf(why, sizeof(why), "ref.count %u exceeds the %" PRIu64 " blocks carved",
			 count, (nextoff - L->overhead) / size);
	if (why[0]) {
		rh_problems_add(c->problems,
				"pymalloc: %s, arena %" PRIu64 ", pool 0x%" PRIx64 ": %s; pool skipped (ref.count %u)",
				s->what, idx, pool, why, count);
		return;
	}
	st->pools_used++;
	st->pool_ref_counts += count;
	uint64_t ncarved = (nextoff - L->overhead) / size;
	if (c->count_only) {
		if (c->marks)
			note_pool(c, pool, size, ncarved, count);
		return;
	}

	uint64_t nfree = ncarved - count;
	memset(c->bitmap, 0, ((ncarved + 63) / 64) * sizeof(uint64_t));
	// The carved part in place when the target has it mapped (a core);
	// otherwise, with many free blocks, one read of it beats a read per
	// link. Every free block lies below nextoffset.
	const unsigned char *buf = nfree ? rh_target_view(c->t, pool, nextoff) : NULL;
	if (!buf && nfree > WHOLE_POOL_FREE_MIN) {
		struct rh_error *err = rh_target_read(c->t, pool, c->pool_buf, nextoff);
		if (err)
			rh_error_destroy(err);  // the per-link reads will say where
		else
			buf = c->pool_buf;
	}
	uint64_t links = 0;
	const char *broken = NULL;
	uint64_t bad = 0;
	while (fb) {
		// Each link must be a carved block of this pool, seen once:
		// this bounds the walk by ncarved steps.
		if (fb < pool + L->overhead || fb >= pool + nextoff) {
			broken = "points outside the pool's carved blocks";
			bad = fb;
			break;
		}
		uint64_t off = fb - pool - L->overhead;
		if (off % size) {
			broken = "is not at a block boundary";
			bad = fb;
			break;
		}
		uint64_t k = off / size;
		if (c->bitmap[k / 64] & (1ULL << (k % 64))) {
			broken = "loops back to a block already on the chain";
			bad = fb;
			break;
		}
		c->bitmap[k / 64] |= 1ULL << (k % 64);
		links++;
		uint64_t next;
		if (buf) {
			next = py_get_u64(buf, (int64_t)fb - pool);
		} else {
			struct rh_error *err = rh_target_read_u64(c->t, fb, &next);
			if (err) {
				rh_error_destroy(err);
				broken = "is unreadable";
				bad = fb;
				break;
			}
		}
		fb = next;
	}
	uint64_t used = ncarved - links;
	if (broken)
		rh_problems_add(c->problems,
				"pymalloc: %s, arena %" PRIu64 ", pool 0x%" PRIx64 " (%" PRIu64 "-byte blocks): the free chain breaks after %" PRIu64 " links, at 0x%" PRIx64 " which %s; the %" PRIu64 " blocks not seen on it are reported as used (ref.count %u)",
				s->what, idx, pool, size, links, bad, broken, used, count);
	else if (used != count)
		rh_problems_add(c->problems,
				"pymalloc: %s, arena %" PRIu64 ", pool 0x%" PRIx64 " (%" PRIu64 "-byte blocks): ref.count %u but %" PRIu64 " of %" PRIu64 " carved blocks are not on the free chain; those are reported as used",
				s->what, idx, pool, size, count, used, ncarved);
	// Blocks the caller marked as known are counted, not reported.
	const uint64_t *known = marked_blocks(c->skip, pool, size, ncarved);
	for (uint64_t k = 0; k < ncarved; k++) {
		if (c->bitmap[k / 64] & (1ULL << (k % 64)))
			continue;
		if (known && (__atomic_load_n(&known[k / 64], __ATOMIC_RELAXED) >> (k % 64)) & 1) {
			st->pymalloc_blocks++;
			st->pymalloc_bytes += size;
			continue;
		}
		if (!report(c, pool + L->overhead + k * size, size))
			return;
	}
}

static void scan_arena(struct om_ctx *c, const struct om_state *s, uint64_t idx,
		       const unsigned char *ao)
{
	uint64_t address = py_get_u64(ao, (int64_t)c->L.ao_address);
	uint64_t pool_address = py_get_u64(ao, (int64_t)c->L.ao_pool_address);
	struct om_layout *L = &c->L;
	c->st->arenas++;
	if (!L->pool_size_settled)
		settle_pool_size(c, s, idx, address);
	uint64_t P = L->pool_size;
	uint64_t first = (address + P - 1) & ~(P - 1);
	// new_arena() starts the pools at the first POOL_SIZE boundary and
	// carves them in order up to pool_address.
	if (first < address || pool_address < first ||
	    pool_address - first > L->arena_size || (pool_address - first) % P) {
		rh_problems_add(c->problems,
				"pymalloc: %s, arena %" PRIu64 " at 0x%" PRIx64 ": pool_address 0x%" PRIx64 " is not a pool boundary inside the arena; arena skipped",
				s->what, idx, address, pool_address);
		return;
	}
	// new_arena(): ntotalpools is MAX_POOLS_IN_ARENA, or one less when
	// the arena is not pool-aligned; only that many are ever carved.
	if (L->ao_ntotalpools != SIZE_MAX) {
		uint32_t ntotal = py_get_u32(ao, (int64_t)L->ao_ntotalpools);
		if (ntotal > L->max_pools || (pool_address - first) / P > ntotal) {
			rh_problems_add(c->problems,
					"pymalloc: %s, arena %" PRIu64 " at 0x%" PRIx64 ": ntotalpools %u (at most %u) and %" PRIu64 " pools carved disagree; arena skipped",
					s->what, idx, address, ntotal, L->max_pools, (pool_address - first) / P);
			return;
		}
	}
	if (!add_range(c, address, address + L->arena_size))
		return;
	unsigned char buf[256];
	for (uint64_t pool = first; pool < pool_address && !c->stopped; pool += P) {
		// In place when mapped: no copy of 64K headers per GiB.
		const unsigned char *hdr = rh_target_view(c->t, pool, L->ph_size);
		struct rh_error *err = hdr ? NULL : rh_target_read(c->t, pool, buf, L->ph_size);
		if (!hdr)
			hdr = buf;
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "pymalloc: %s, arena %" PRIu64 " at 0x%" PRIx64 ": pool 0x%" PRIx64 " unreadable; its last %" PRIu64 " pools are not scanned",
					      s->what, idx, address, pool, (pool_address - pool) / P);
			return;
		}
		scan_pool(c, s, idx, pool, hdr);
		if (c->err)
			return;
	}
}

static void scan_state(struct om_ctx *c, const struct om_state *s)
{
	const struct om_layout *L = &c->L;
	unsigned char *vec = malloc(ARENA_BATCH * L->ao_size);
	if (!vec) {
		c->err = rh_enomem;
		return;
	}
	c->st->states++;
	// maxarenas comes from the target: the vector must be readable batch
	// by batch, which bounds the loop by the core's size.
	for (uint64_t base = 0; base < s->maxarenas && !c->stopped && !c->err;
	     base += ARENA_BATCH) {
		uint64_t n = s->maxarenas - base < ARENA_BATCH ? s->maxarenas - base : ARENA_BATCH;
		uint64_t at = s->vector + base * L->ao_size;
		struct rh_error *err = at < s->vector ? rh_error_fault(s->vector, "address wraps")
					: rh_target_read(c->t, at, vec, n * L->ao_size);
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "pymalloc: %s: the arena vector at 0x%" PRIx64 " (maxarenas %" PRIu64 ") is unreadable from slot %" PRIu64 " on; those arenas are not scanned",
					      s->what, s->vector, s->maxarenas, base);
			break;
		}
		for (uint64_t j = 0; j < n && !c->stopped && !c->err; j++) {
			const unsigned char *ao = vec + j * L->ao_size;
			if (!py_get_u64(ao, (int64_t)L->ao_address))
				continue;  // a slot on unused_arena_objects
			scan_arena(c, s, base + j, ao);
		}
	}
	free(vec);
}

static void pymalloc_scan(struct om_ctx *c)
{
	if (!load_layout(c))
		return;
	struct om_state *states;
	size_t n = find_states(c, &states);
	if (c->err || !n) {
		free(states);
		return;
	}
	c->pool_buf = malloc(MAX_POOL_SIZE);
	// A pool holds at most MAX_POOL_SIZE / 8 blocks (ALIGNMENT >= 8).
	c->bitmap = malloc((MAX_POOL_SIZE / 8 / 64 + 1) * sizeof(uint64_t));
	if (!c->pool_buf || !c->bitmap) {
		c->err = rh_enomem;
		goto out;
	}
	for (size_t i = 0; i < n && !c->stopped && !c->err; i++)
		scan_state(c, &states[i]);
	struct rh_py_alloc_stats *st = c->st;
	st->pool_size = c->L.pool_size;
	st->arena_size = c->L.arena_size;
	st->alignment = c->L.alignment;
	// 3.9+: sys.getallocatedblocks() adds the pools' counts to the raw
	// counters read by find_states(); 3.8 read the total directly.
	if (st->raw_allocated_blocks >= 0 && st->allocated_blocks >= 0 && !c->stopped)
		st->allocated_blocks += (int64_t)st->pool_ref_counts;
	else if (st->raw_allocated_blocks >= 0)
		st->allocated_blocks = -1;
out:
	free(c->pool_buf);
	free(c->bitmap);
	c->pool_buf = NULL;
	c->bitmap = NULL;
	free(states);
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

struct rh_error *rh_py_alloc_scan(struct rh_py_runtime *rt,
				  const struct rh_py_alloc_options *opts,
				  struct rh_problems *problems,
				  rh_py_block_fn *fn, void *arg,
				  struct rh_py_alloc_stats *stats_ret)
{
	static const struct rh_py_alloc_options defaults = { 0 };
	if (!opts)
		opts = &defaults;
	struct rh_py_alloc_stats st = {
		.raw_allocated_blocks = -1,
		.allocated_blocks = -1,
	};
	struct om_ctx c = {
		.rt = rt,
		.t = rt->target,
		.problems = problems,
		.fn = fn,
		.arg = arg,
		.st = &st,
		.count_only = opts->count_only,
		.skip = opts->skip,
	};
	if (opts->marks_ret)
		*opts->marks_ret = NULL;
	if (opts->count_only && opts->marks_ret)
		c.marks = marks_create(rt);   /* NULL: no marks, the count goes on */
	if (!opts->skip_pymalloc)
		pymalloc_scan(&c);
	if (c.marks && !c.err && !c.stopped && marks_finish(&c))
		*opts->marks_ret = c.marks;
	else
		rh_py_block_marks_destroy(c.marks);
	if (!c.err && !c.stopped && !opts->skip_malloc && !opts->count_only)
		c.err = om_glibc_scan(rt, opts, problems, fn, arg, c.ranges,
				      c.nranges, &st, &c.stopped);
	free(c.ranges);
	if (c.err)
		return c.err;
	if (stats_ret)
		*stats_ret = st;
	return NULL;
}

struct rh_error *rh_py_alloc_for_each(struct rh_py_runtime *rt,
				      struct rh_problems *problems,
				      rh_py_block_fn *fn, void *arg)
{
	return rh_py_alloc_scan(rt, NULL, problems, fn, arg, NULL);
}
