/*
 * The allocator scan, glibc half: CPython hands requests above 512 bytes
 * (and PyMem_RawMalloc) to malloc, so objects leaked there are found by
 * walking glibc's own heaps (malloc/malloc.c, malloc/arena.c; x86-64,
 * glibc 2.27+ checked against the DWARF of Debian's 2.36, trixie's 2.41
 * and sid's 2.43).
 *
 * A chunk is {prev_size, size} then user data at chunk + 16; size is a
 * multiple of 16 (MALLOC_ALIGNMENT), at least 32 (MINSIZE), and its low
 * bits are flags:
 *     bit 0 PREV_INUSE      the PREVIOUS chunk is in use
 *     bit 1 IS_MMAPPED      the chunk is a mapping of its own
 *     bit 2 NON_MAIN_ARENA  the chunk belongs to a thread arena
 * so a chunk is in use when the NEXT chunk's PREV_INUSE bit is set. The top
 * chunk (the unallocated end of a heap) is never in use. Chunks in
 * fastbins and tcache keep that bit set although they are free: they are
 * taken out by walking the fastbins (singly linked through fd, mangled
 * from 2.32 on: "safe-linking", fd = (&fd >> 12) ^ next) and by the tcache
 * key (2.34+: a free tcache entry's second word holds the random
 * `tcache_key`, which tcache_get() clears).
 *
 * Where the chunks are:
 *   main arena    the brk heap from mp_.sbrk_base (rounded up to 16) to
 *                 main_arena.top, then the top chunk;
 *   thread arena  heaps of HEAP_MAX_SIZE (64 MiB on 64-bit: 2 *
 *                 DEFAULT_MMAP_THRESHOLD_MAX) alignment, each starting
 *                 with heap_info {ar_ptr, prev, size, mprotect_size...};
 *                 the arena's malloc_state follows the heap_info of its
 *                 first heap, and the chunks follow it (first heap) or the
 *                 heap_info (later heaps). The arena's current heap is the
 *                 one holding its top chunk, older ones are reached through
 *                 `prev` and end with fencepost chunks (sizes 16 then 0,
 *                 sysmalloc()). Arenas form a ring from main_arena.next.
 *   mmapped       one mapping per chunk (requests above the mmap threshold,
 *                 128 KiB rising to at most 32 MiB); on x86-64 the chunk
 *                 starts the mapping (prev_size 0, sysmalloc_mmap()), so
 *                 they are found by probing page starts of anonymous
 *                 writable memory that is no heap, arena or module (the
 *                 size's relation to the mapping changed in 2.43:
 *                 mmapped_chunk_span()).
 *
 * With libc's symbols and DWARF (libc6-dbg), main_arena, mp_, tcache_key
 * and the struct layouts come from there, and mp_.n_mmaps cross-checks the
 * mmapped chunks found. Without them (or with no_libc_symbols) the brk heap
 * is the anonymous segment after the executable whose chunks chain exactly
 * to its end, thread heaps are found at 64 MiB boundaries by a heap_info
 * that names an arena right behind it, the layout is glibc 2.27+'s, and
 * chunks cached in fastbins/tcache cannot be told from used ones.
 *
 * Every walk is bounded: chunk walks by the heap's size / MINSIZE, each
 * chunk must fit its heap; bins by a visited set; arena and heap lists by
 * a count and a visited check.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/obmalloc.h"
#include "cpython/obmalloc_internal.h"
#include "cpython/py_internal.h"
#include "dwarf/layouts.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"
#include "util/u64map.h"

/* malloc/malloc.c, x86-64 */
#define CHUNK_HDR 16u            /* CHUNK_HDR_SZ: prev_size + size */
#define MINSIZE 32u
#define MALLOC_ALIGN 16u
#define PREV_INUSE 1u
#define IS_MMAPPED 2u
#define NON_MAIN_ARENA 4u
#define SIZE_BITS 7u
#define NONCONTIGUOUS_BIT 2u     /* malloc_state.flags */
#define HEAP_MAX (64ULL << 20)   /* malloc/arena.c HEAP_MAX_SIZE, 64-bit */
#define TCACHE_MAX_CHUNK 1040u   /* tidx2usize(63) = 1032 usable bytes */
#define BRK_RANDOM_MAX (1ULL << 30)  /* arch/x86/kernel/process.c, 64-bit */

/* Bounds on lists in the target; real processes are far below them. */
#define MAX_ARENAS 4096
#define MAX_HEAPS 65536
#define MAX_FASTBIN_CHUNKS (1u << 20)

/*
 * sizeof(struct malloc_state) on x86-64, used without DWARF to find an
 * arena's first chunk: 2200 in 2.27-2.42 (Debian's 2.36 and 2.41 agree),
 * 2112 from 2.43, which dropped fastbinsY[10] and have_fastchunks (DWARF
 * of Debian sid's 2.43). The probe tries each; only the right one chains.
 */
static const uint64_t def_ms_sizes[] = { 2200, 2112 };

/* The queries asked of libc's DWARF (a table of its own, cached apart). */
enum {
	GQ_MS_SIZE,
	GQ_MS_FLAGS,
	GQ_MS_FASTBINS,
	GQ_MS_NFASTBINS,
	GQ_MS_TOP,
	GQ_MS_NEXT,
	GQ_MS_SYSTEM_MEM,
	GQ_MP_SBRK_BASE,
	GQ_MP_N_MMAPS,
	GQ_MP_TCACHE_MAX,
	GQ_HI_SIZE,
	GQ_HI_AR_PTR,
	GQ_HI_PREV,
	GQ_HI_HSIZE,
	GQ_HI_MPROTECT,
	GQ_COUNT_
};

static const struct rh_layout_query glibc_queries[GQ_COUNT_] = {
	[GQ_MS_SIZE] = { RH_LAYOUT_SIZEOF, "struct malloc_state", NULL },
	[GQ_MS_FLAGS] = { RH_LAYOUT_OFFSET, "struct malloc_state", "flags" },
	[GQ_MS_FASTBINS] = { RH_LAYOUT_OFFSET, "struct malloc_state", "fastbinsY" },
	[GQ_MS_NFASTBINS] = { RH_LAYOUT_COUNT, "struct malloc_state", "fastbinsY" },
	[GQ_MS_TOP] = { RH_LAYOUT_OFFSET, "struct malloc_state", "top" },
	[GQ_MS_NEXT] = { RH_LAYOUT_OFFSET, "struct malloc_state", "next" },
	[GQ_MS_SYSTEM_MEM] = { RH_LAYOUT_OFFSET, "struct malloc_state", "system_mem" },
	[GQ_MP_SBRK_BASE] = { RH_LAYOUT_OFFSET, "struct malloc_par", "sbrk_base" },
	[GQ_MP_N_MMAPS] = { RH_LAYOUT_OFFSET, "struct malloc_par", "n_mmaps" },
	[GQ_MP_TCACHE_MAX] = { RH_LAYOUT_OFFSET, "struct malloc_par", "tcache_max_bytes" },
	[GQ_HI_SIZE] = { RH_LAYOUT_SIZEOF, "heap_info", NULL },
	[GQ_HI_AR_PTR] = { RH_LAYOUT_OFFSET, "heap_info", "ar_ptr" },
	[GQ_HI_PREV] = { RH_LAYOUT_OFFSET, "heap_info", "prev" },
	[GQ_HI_HSIZE] = { RH_LAYOUT_OFFSET, "heap_info", "size" },
	[GQ_HI_MPROTECT] = { RH_LAYOUT_OFFSET, "heap_info", "mprotect_size" },
};

struct g_layout {
	size_t ms_size, ms_flags, ms_fastbins, ms_top, ms_next, ms_system_mem;
	unsigned nfastbins;
	size_t mp_sbrk_base, mp_n_mmaps, mp_tcache_max;
	bool have_n_mmaps, have_tcache_max;
	size_t hi_size, hi_ar_ptr, hi_prev, hi_hsize, hi_mprotect;
};

/* One arena: its malloc_state address and the fields we use. */
struct g_arena {
	uint64_t addr;
	uint64_t top;
	uint64_t system_mem;
	uint32_t flags;
	bool main;
};

struct g_ctx {
	struct rh_py_runtime *rt;
	struct rh_target *t;
	struct rh_problems *problems;
	rh_py_block_fn *fn;
	void *arg;
	bool stopped;
	struct rh_error *err;        /* NO_MEMORY only */
	struct rh_py_alloc_stats *st;
	struct g_layout L;
	const struct rh_module *libc;
	bool safe_linking;
	bool have_tcache_key;
	uint64_t tcache_key;
	uint64_t tcache_max_chunk;
	/* chunks sitting in fastbins (chunk addresses) */
	struct rh_u64map fastbin_chunks;
	/* arenas and thread heaps walked: a list that comes back is a loop */
	struct rh_u64map visited;
	/* ranges the mmapped-chunk probe must not look into */
	struct om_range *claimed;
	size_t nclaimed, claimed_cap;
	uint64_t page;
};

static bool claim(struct g_ctx *c, uint64_t start, uint64_t end)
{
	if (end <= start)
		return true;
	if (c->nclaimed == c->claimed_cap) {
		size_t ncap = c->claimed_cap ? c->claimed_cap * 2 : 64;
		struct om_range *p = realloc(c->claimed, ncap * sizeof(*p));
		if (!p) {
			c->err = rh_enomem;
			return false;
		}
		c->claimed = p;
		c->claimed_cap = ncap;
	}
	c->claimed[c->nclaimed++] = (struct om_range){ start, end };
	return true;
}

/* The segment holding addr, or false. */
static bool segment_of(struct rh_target *t, uint64_t addr,
		       struct rh_segment_info *ret)
{
	size_t lo = 0, hi = rh_target_segment_count(t);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct rh_segment_info s;
		rh_target_segment(t, mid, &s);
		if (addr < s.start) {
			hi = mid;
		} else if (addr >= s.end) {
			lo = mid + 1;
		} else {
			*ret = s;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Chunks                                                              */

static bool report_chunk(struct g_ctx *c, uint64_t user, uint64_t usable,
			 enum rh_py_malloc_region region)
{
	struct rh_py_block b = {
		.addr = user, .size = usable, .source = RH_BLOCK_MALLOC, .region = region,
	};
	if (region == RH_MALLOC_MMAPPED) {
		c->st->mmapped_chunks++;
		c->st->mmapped_bytes += usable;
	} else {
		c->st->malloc_chunks++;
		c->st->malloc_bytes += usable;
	}
	if (c->fn(c->arg, &b)) {
		c->stopped = true;
		return false;
	}
	return true;
}

/* A chunk that looks used but sits free in a fastbin or a tcache bin. */
static bool cached_free(struct g_ctx *c, uint64_t chunk, uint64_t size)
{
	uint32_t v;
	if (c->fastbin_chunks.count && rh_u64map_find(&c->fastbin_chunks, chunk, &v))
		return true;
	if (c->have_tcache_key && size <= c->tcache_max_chunk) {
		uint64_t key;
		struct rh_error *err = rh_target_read_u64(c->t, chunk + CHUNK_HDR + 8, &key);
		if (err) {
			// The size word after it was readable, so this is a torn
			// core; the caller's walk reports that.
			rh_error_destroy(err);
			return false;
		}
		return key == c->tcache_key;
	}
	return false;
}

enum walk_mode { WALK_REPORT, WALK_PROBE };

/*
 * Walk the chunks of one contiguous heap from `start` (16-aligned). The
 * walk ends at `top` (the arena's top chunk, when it lies in this heap),
 * at a zero-size fencepost (a heap left behind by sysmalloc()), or at a
 * chunk that ends exactly at `end` (the top chunk of a heap whose arena we
 * do not know). A chunk whose size does not fit ends the walk with a
 * problem. Returns true when the walk ended cleanly; *top_ret (may be
 * NULL) gets the address where it ended.
 */
static bool walk_heap(struct g_ctx *c, const char *what, uint64_t start,
		      uint64_t end, uint64_t top, enum rh_py_malloc_region region,
		      enum walk_mode mode, uint64_t *top_ret)
{
	uint64_t p = start, word;
	uint64_t steps = 0, max_steps = (end - start) / CHUNK_HDR + 2;
	uint64_t chunks = 0;
	char why[160];
	why[0] = 0;
	struct rh_error *err = rh_target_read_u64(c->t, p + 8, &word);
	if (err) {
		if (mode == WALK_REPORT)
			rh_problems_add_error(c->problems, err,
					      "malloc: %s: first chunk 0x%" PRIx64 " unreadable",
					      what, p);
		else
			rh_error_destroy(err);
		return false;
	}
	while (!c->stopped) {
		if (top && p == top) {
			if (top_ret)
				*top_ret = p;
			return true;
		}
		if (p >= end || ++steps > max_steps) {
			snprintf(why, sizeof(why), "the walk passed the heap's end 0x%" PRIx64
				 " without meeting its top chunk", end);
			break;
		}
		uint64_t sz = word & ~(uint64_t)SIZE_BITS;
		if (sz == 0) {
			// The last fencepost of a heap sysmalloc() left behind.
			if (!top) {
				if (top_ret)
					*top_ret = p;
				return true;
			}
			snprintf(why, sizeof(why), "a zero-size fencepost at 0x%" PRIx64
				 " before the top chunk 0x%" PRIx64, p, top);
			break;
		}
		if (sz % MALLOC_ALIGN || sz > end - p ||
		    (sz < MINSIZE && sz != CHUNK_HDR)) {
			// a size that does not fit: corrupt, or not a heap
			snprintf(why, sizeof(why), "chunk 0x%" PRIx64 " has size 0x%" PRIx64
				 ", which does not fit the heap (end 0x%" PRIx64 ")",
				 p, word, end);
			break;
		}
		if (word & IS_MMAPPED) {
			// only a chunk with its own mapping has it
			snprintf(why, sizeof(why), "chunk 0x%" PRIx64 " inside a heap says IS_MMAPPED", p);
			break;
		}
		uint64_t next = p + sz;
		if (next == end && !top) {
			// The top chunk of a heap whose arena is unknown: free.
			if (top_ret)
				*top_ret = p;
			return true;
		}
		uint64_t nword;
		err = rh_target_read_u64(c->t, next + 8, &nword);
		if (err) {
			if (mode == WALK_REPORT)
				rh_problems_add_error(c->problems, err,
						      "malloc: %s: chunk 0x%" PRIx64 " unreadable after %" PRIu64 " chunks; the rest of the heap is not scanned",
						      what, next, chunks);
			else
				rh_error_destroy(err);
			return false;
		}
		// sz == CHUNK_HDR: the fencepost in front of the zero-size one
		if (sz >= MINSIZE && (nword & PREV_INUSE) && mode == WALK_REPORT) {
			if (cached_free(c, p, sz))
				c->st->malloc_cached_free++;
			else if (!report_chunk(c, p + CHUNK_HDR, sz - 8, region))
				return true;
		}
		chunks++;
		p = next;
		word = nword;
	}
	if (c->stopped)
		return true;
	if (mode == WALK_REPORT)
		rh_problems_add(c->problems,
				"malloc: %s: %s; stopped after %" PRIu64 " chunks (0x%" PRIx64 "-0x%" PRIx64 " walked)",
				what, why, chunks, start, p);
	return false;
}

/* ------------------------------------------------------------------ */
/* With libc's symbols                                                 */

static const struct rh_module *find_libc(struct rh_image *img)
{
	for (size_t i = 0; i < rh_image_module_count(img); i++) {
		const struct rh_module *m = rh_image_module(img, i);
		const char *base = strrchr(m->name, '/');
		base = base ? base + 1 : m->name;
		if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-2.", 7) == 0)
			return m;
	}
	return NULL;
}

static bool libc_symbol(struct g_ctx *c, const char *name, uint64_t *addr_ret)
{
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(c->rt->image, c->libc, name,
						    &addr, NULL);
	if (err) {
		// The caller says what its absence costs.
		rh_error_destroy(err);
		return false;
	}
	*addr_ret = addr;
	return true;
}

/*
 * Answer the glibc layout table from libc's DWARF. False (no problem
 * recorded: the caller falls back to the segments) when there is none.
 */
static bool load_glibc_layout(struct g_ctx *c, const char *cache_dir)
{
	const struct rh_module *m = c->libc;
	if (!m->debug_path)
		return false;
	struct rh_layout_value v[GQ_COUNT_];
	if (c->rt->glibc_layout) {
		memcpy(v, c->rt->glibc_layout, sizeof(v));
	} else {
		struct rh_error *err = rh_layouts_resolve(m->debug_path,
							  m->build_id[0] ? m->build_id : NULL,
							  cache_dir, glibc_queries, GQ_COUNT_, v, NULL);
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "malloc: reading glibc's struct layouts from %s (falling back to the memory segments)",
					      m->debug_path);
			return false;
		}
		// Kept for the next scan (py_internal.h); without memory it
		// reads them again.
		c->rt->glibc_layout = malloc(sizeof(v));
		if (c->rt->glibc_layout)
			memcpy(c->rt->glibc_layout, v, sizeof(v));
	}
	// glibc 2.43 has no fastbins (malloc_state lost fastbinsY): its
	// small free chunks are in the tcache (or the bins) only
	static const int need[] = {
		GQ_MS_SIZE, GQ_MS_FLAGS, GQ_MS_TOP,
		GQ_MS_NEXT, GQ_MS_SYSTEM_MEM, GQ_MP_SBRK_BASE, GQ_HI_SIZE,
		GQ_HI_AR_PTR, GQ_HI_PREV, GQ_HI_HSIZE, GQ_HI_MPROTECT,
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!v[need[i]].found) {
			rh_problems_add(c->problems,
					"malloc: the DWARF of %s has no %s%s%s; falling back to the memory segments",
					m->debug_path, glibc_queries[need[i]].type,
					glibc_queries[need[i]].member ? "." : "",
					glibc_queries[need[i]].member ? glibc_queries[need[i]].member : "");
			return false;
		}
	}
	struct g_layout *L = &c->L;
	L->ms_size = (size_t)v[GQ_MS_SIZE].value;
	L->ms_flags = (size_t)v[GQ_MS_FLAGS].value;
	bool fastbins = v[GQ_MS_FASTBINS].found && v[GQ_MS_NFASTBINS].found;
	L->ms_fastbins = fastbins ? (size_t)v[GQ_MS_FASTBINS].value : 0;
	L->nfastbins = fastbins ? (unsigned)v[GQ_MS_NFASTBINS].value : 0;
	L->ms_top = (size_t)v[GQ_MS_TOP].value;
	L->ms_next = (size_t)v[GQ_MS_NEXT].value;
	L->ms_system_mem = (size_t)v[GQ_MS_SYSTEM_MEM].value;
	L->mp_sbrk_base = (size_t)v[GQ_MP_SBRK_BASE].value;
	L->have_n_mmaps = v[GQ_MP_N_MMAPS].found;
	L->mp_n_mmaps = (size_t)v[GQ_MP_N_MMAPS].value;
	L->have_tcache_max = v[GQ_MP_TCACHE_MAX].found;
	L->mp_tcache_max = (size_t)v[GQ_MP_TCACHE_MAX].value;
	L->hi_size = (size_t)v[GQ_HI_SIZE].value;
	L->hi_ar_ptr = (size_t)v[GQ_HI_AR_PTR].value;
	L->hi_prev = (size_t)v[GQ_HI_PREV].value;
	L->hi_hsize = (size_t)v[GQ_HI_HSIZE].value;
	L->hi_mprotect = (size_t)v[GQ_HI_MPROTECT].value;
	// Every field is read from a local copy of its struct (the answers
	// may come from a cache file: a negative one must fail too).
	if (L->ms_size > 8192 || L->nfastbins > 16 ||
	    !py_field_fits(L->ms_fastbins, 8 * (size_t)L->nfastbins, L->ms_size) ||
	    !py_field_fits(L->ms_top, 8, L->ms_size) || !py_field_fits(L->ms_next, 8, L->ms_size) ||
	    !py_field_fits(L->ms_system_mem, 8, L->ms_size) || !py_field_fits(L->ms_flags, 4, L->ms_size) ||
	    L->hi_size > 256 || !py_field_fits(L->hi_ar_ptr, 8, L->hi_size) ||
	    !py_field_fits(L->hi_prev, 8, L->hi_size) || !py_field_fits(L->hi_hsize, 8, L->hi_size) ||
	    !py_field_fits(L->hi_mprotect, 8, L->hi_size) || L->hi_size % MALLOC_ALIGN) {
		rh_problems_add(c->problems,
				"malloc: implausible struct malloc_state / heap_info layout in %s; falling back to the memory segments",
				m->debug_path);
		return false;
	}
	return true;
}

static bool read_arena(struct g_ctx *c, uint64_t addr, struct g_arena *a,
		       unsigned char *buf)
{
	struct rh_error *err = rh_target_read(c->t, addr, buf, c->L.ms_size);
	if (err) {
		rh_problems_add_error(c->problems, err,
				      "malloc: arena 0x%" PRIx64 " unreadable", addr);
		return false;
	}
	a->addr = addr;
	a->top = py_get_u64(buf, (int64_t)c->L.ms_top);
	a->system_mem = py_get_u64(buf, (int64_t)c->L.ms_system_mem);
	a->flags = py_get_u32(buf, (int64_t)c->L.ms_flags);
	return true;
}

/*
 * Put the chunks of an arena's fastbins into c->fastbin_chunks. Each chain
 * is bounded by the arena's memory / MINSIZE and by the visited set.
 */
static void collect_fastbins(struct g_ctx *c, const struct g_arena *a,
			     const unsigned char *buf)
{
	uint64_t bound = a->system_mem / MINSIZE + 1;
	for (unsigned i = 0; i < c->L.nfastbins; i++) {
		uint64_t p = py_get_u64(buf, (int64_t)c->L.ms_fastbins + 8 * i);
		uint64_t n = 0;
		while (p) {
			const char *why = NULL;
			if (p % MALLOC_ALIGN)
				why = "is not 16-aligned";
			else if (++n > bound || c->fastbin_chunks.count >= MAX_FASTBIN_CHUNKS)
				why = "is longer than the arena could hold";
			if (!why) {
				int r = rh_u64map_insert(&c->fastbin_chunks, p, 0, NULL);
				if (r < 0) {
					c->err = rh_enomem;
					return;
				}
				if (r == 0)
					why = "loops";
			}
			uint64_t fd = 0;
			struct rh_error *err = NULL;
			if (!why) {
				err = rh_target_read_u64(c->t, p + 16, &fd);
				if (err)
					why = "is unreadable";
			}
			if (why) {
				rh_problems_add(c->problems,
						"malloc: arena 0x%" PRIx64 ": fastbin %u %s at 0x%" PRIx64 " (after %" PRIu64 " chunks)%s%s; its other chunks are reported as used",
						a->addr, i, why, p, n, err ? ": " : "",
						err ? err->message : "");
				rh_error_destroy(err);
				break;
			}
			// safe-linking (2.32+): PROTECT_PTR(&fd, next)
			p = c->safe_linking ? ((p + 16) >> 12) ^ fd : fd;
		}
	}
}

/* glibc's version from the string __libc_version, 0 if unreadable. */
static unsigned libc_version(struct g_ctx *c)
{
	uint64_t addr;
	if (!libc_symbol(c, "__libc_version", &addr))
		return 0;
	char buf[16];
	size_t len;
	struct rh_error *err = rh_target_read_cstr(c->t, addr, buf, sizeof(buf), &len, NULL);
	if (err) {
		// The callers guess from other symbols.
		rh_error_destroy(err);
		return 0;
	}
	unsigned major, minor;
	if (sscanf(buf, "%u.%u", &major, &minor) != 2)
		return 0;
	return major * 100 + minor;
}

/* Walk the heaps of thread arena a, newest first. */
static void walk_thread_arena(struct g_ctx *c, const struct g_arena *a)
{
	const struct g_layout *L = &c->L;
	uint64_t h = a->top & ~(HEAP_MAX - 1);
	unsigned char hi[256];
	char what[96];
	for (unsigned n = 0; h && !c->stopped && !c->err; n++) {
		if (n >= MAX_HEAPS) {
			rh_problems_add(c->problems,
					"malloc: arena 0x%" PRIx64 ": more than %d heaps; stopped",
					a->addr, MAX_HEAPS);
			return;
		}
		int r = rh_u64map_insert(&c->visited, h, 0, NULL);
		if (r < 0) {
			c->err = rh_enomem;
			return;
		}
		if (r == 0) {
			rh_problems_add(c->problems,
					"malloc: arena 0x%" PRIx64 ": its heap list comes back to heap 0x%" PRIx64 " after %u heaps",
					a->addr, h, n);
			return;
		}
		struct rh_error *err = rh_target_read(c->t, h, hi, L->hi_size);
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "malloc: arena 0x%" PRIx64 ": heap_info 0x%" PRIx64 " unreadable after %u heaps",
					      a->addr, h, n);
			return;
		}
		uint64_t ar = py_get_u64(hi, (int64_t)L->hi_ar_ptr);
		uint64_t size = py_get_u64(hi, (int64_t)L->hi_hsize);
		uint64_t prev = py_get_u64(hi, (int64_t)L->hi_prev);
		uint64_t mprot = py_get_u64(hi, (int64_t)L->hi_mprotect);
		// a heap belongs to one arena and lies inside its 64 MiB slot
		if (ar != a->addr || size < L->hi_size + MINSIZE || size > HEAP_MAX ||
		    (prev && prev % HEAP_MAX) || prev == h) {
			rh_problems_add(c->problems,
					"malloc: arena 0x%" PRIx64 ": heap 0x%" PRIx64 " has ar_ptr 0x%" PRIx64 ", size 0x%" PRIx64 ", prev 0x%" PRIx64 "; its heaps from there on are not scanned",
					a->addr, h, ar, size, prev);
			return;
		}
		// The arena's first heap holds its malloc_state after heap_info.
		uint64_t start = a->addr == h + L->hi_size
			? (a->addr + L->ms_size + MALLOC_ALIGN - 1) & ~(uint64_t)(MALLOC_ALIGN - 1)
			: h + L->hi_size;
		uint64_t end = h + size;
		uint64_t top = a->top >= h && a->top < end ? a->top : 0;
		snprintf(what, sizeof(what), "thread arena 0x%" PRIx64 ", heap 0x%" PRIx64, a->addr, h);
		if (!claim(c, h, h + (mprot > size && mprot <= HEAP_MAX ? mprot : size)))
			return;
		c->st->malloc_heaps++;
		if (start < end)
			walk_heap(c, what, start, end, top, RH_MALLOC_THREAD_ARENA, WALK_REPORT, NULL);
		h = prev;
	}
}

/*
 * The main arena's brk heap: chunks from sbrk_base (rounded up to 16) to
 * main_arena.top, then the top chunk.
 */
static void walk_main_heap(struct g_ctx *c, const struct g_arena *a, uint64_t sbrk_base)
{
	if (!sbrk_base)
		return;  // never grew through brk (it can run on mmap alone)
	struct rh_segment_info seg;
	uint64_t start = (sbrk_base + MALLOC_ALIGN - 1) & ~(uint64_t)(MALLOC_ALIGN - 1);
	if (!segment_of(c->t, start, &seg) || a->top < start || a->top >= seg.end) {
		rh_problems_add(c->problems,
				"malloc: the main arena's top chunk 0x%" PRIx64 " is not in the brk heap from 0x%" PRIx64 "%s; the brk heap is not scanned",
				a->top, sbrk_base,
				a->flags & NONCONTIGUOUS_BIT ? " (the arena is non-contiguous)" : "");
		return;
	}
	uint64_t topsize = 0;
	struct rh_error *err = rh_target_read_u64(c->t, a->top + 8, &topsize);
	if (err) {
		rh_problems_add_error(c->problems, err, "malloc: main arena top chunk");
		return;
	}
	topsize &= ~(uint64_t)SIZE_BITS;
	uint64_t end = a->top + topsize;
	if (end > seg.end || end < a->top)
		end = seg.end;
	if (!claim(c, start, end))
		return;
	c->st->malloc_heaps++;
	walk_heap(c, "main arena (brk heap)", start, end, a->top,
		  RH_MALLOC_MAIN_ARENA, WALK_REPORT, NULL);
}

/*
 * The symbol route. False when libc's symbols or DWARF are missing
 * (nothing walked, no problem recorded: the caller falls back).
 */
static bool scan_by_symbols(struct g_ctx *c, const char *cache_dir,
			    int64_t *n_mmaps_ret)
{
	uint64_t main_addr, mp_addr;
	if (!c->libc || !libc_symbol(c, "main_arena", &main_addr) ||
	    !libc_symbol(c, "mp_", &mp_addr) || !load_glibc_layout(c, cache_dir))
		return false;
	const struct g_layout *L = &c->L;
	unsigned char *buf = malloc(L->ms_size);
	if (!buf) {
		c->err = rh_enomem;
		return true;
	}
	c->st->malloc_method = RH_MALLOC_BY_SYMBOLS;
	uint64_t key_addr;
	if (libc_symbol(c, "tcache_key", &key_addr)) {
		// 2.34+: the random key of free tcache entries
		struct rh_error *err = rh_target_read_u64(c->t, key_addr, &c->tcache_key);
		if (err)
			rh_problems_add_error(c->problems, err,
					      "malloc: reading tcache_key (free tcache chunks will be reported as used)");
		else
			c->have_tcache_key = c->tcache_key != 0;
	}
	unsigned ver = libc_version(c);
	c->safe_linking = ver ? ver >= 232 : c->have_tcache_key;

	uint64_t sbrk_base = 0;
	struct rh_error *err = rh_target_read_u64(c->t, mp_addr + L->mp_sbrk_base, &sbrk_base);
	if (err) {
		rh_problems_add_error(c->problems, err, "malloc: reading mp_.sbrk_base");
		sbrk_base = 0;
	}
	// Both only sharpen the result: unreadable, the defaults stand.
	c->tcache_max_chunk = TCACHE_MAX_CHUNK;
	if (L->have_tcache_max) {
		uint64_t v;
		err = rh_target_read_u64(c->t, mp_addr + L->mp_tcache_max, &v);
		if (!err && v < (1u << 20))
			c->tcache_max_chunk = v + 8 + MALLOC_ALIGN;
		rh_error_destroy(err);
	}
	if (L->have_n_mmaps) {
		int32_t v;
		err = rh_target_read(c->t, mp_addr + L->mp_n_mmaps, &v, sizeof(v));
		if (!err)
			*n_mmaps_ret = v;
		rh_error_destroy(err);
	}

	// The arena ring: main_arena.next -> ... -> &main_arena.
	struct g_arena a;
	uint64_t addr = main_addr;
	for (unsigned n = 0; !c->stopped && !c->err; n++) {
		if (n >= MAX_ARENAS) {
			rh_problems_add(c->problems, "malloc: more than %d arenas; stopped", MAX_ARENAS);
			break;
		}
		// An arena's malloc_state lies in its first heap, never at a
		// heap's start, so one visited set serves arenas and heaps.
		int r = rh_u64map_insert(&c->visited, addr, 0, NULL);
		if (r < 0) {
			c->err = rh_enomem;
			break;
		}
		if (r == 0) {
			rh_problems_add(c->problems,
					"malloc: the arena list from main_arena comes back to 0x%" PRIx64 " after %u arenas",
					addr, n);
			break;
		}
		if (!read_arena(c, addr, &a, buf))
			break;
		a.main = addr == main_addr;
		c->st->malloc_arenas++;
		collect_fastbins(c, &a, buf);
		if (c->err)
			break;
		if (a.main)
			walk_main_heap(c, &a, sbrk_base);
		else
			walk_thread_arena(c, &a);
		uint64_t next = py_get_u64(buf, (int64_t)L->ms_next);
		if (next == main_addr)
			break;
		if (!next) {
			// the ring is circular: NULL only in a torn or corrupt core
			rh_problems_add(c->problems,
					"malloc: the arena list from main_arena ends in NULL after %u arenas",
					n + 1);
			break;
		}
		addr = next;
	}
	free(buf);
	return true;
}

/* ------------------------------------------------------------------ */
/* Without symbols: from the segments                                  */

/* Whether [start, end) overlaps a module or a file mapping. */
static bool file_or_module(struct g_ctx *c, uint64_t start, uint64_t end)
{
	struct rh_image *img = c->rt->image;
	for (size_t i = 0; i < rh_image_module_count(img); i++) {
		const struct rh_module *m = rh_image_module(img, i);
		if (start < m->end && m->start < end)
			return true;
	}
	for (size_t i = 0; i < rh_target_mapping_count(c->t); i++) {
		const struct rh_mapping *m = rh_target_mapping(c->t, i);
		if (start < m->end && m->start < end)
			return true;
	}
	return false;
}

/*
 * The brk heap: the anonymous writable segment above the executable (the
 * kernel starts brk at most 1 GiB after it on x86-64: arch_randomize_brk())
 * whose chunks, from its start, chain exactly to its end.
 */
static void find_brk_heap(struct g_ctx *c)
{
	uint64_t exe_end = 0;
	for (size_t i = 0; i < rh_image_module_count(c->rt->image); i++) {
		const struct rh_module *m = rh_image_module(c->rt->image, i);
		if (m->is_executable)
			exe_end = m->end;
	}
	if (!exe_end)
		return;
	for (size_t i = 0; i < rh_target_segment_count(c->t); i++) {
		struct rh_segment_info s;
		rh_target_segment(c->t, i, &s);
		if (s.start < exe_end || s.start - exe_end > BRK_RANDOM_MAX)
			continue;
		if (!s.dumped || !(s.prot & RH_PROT_WRITE) || file_or_module(c, s.start, s.end))
			continue;
		uint64_t first;
		struct rh_error *err = rh_target_read_u64(c->t, s.start, &first);
		if (err) {
			rh_error_destroy(err);  // dumped yet unreadable: not a heap
			continue;
		}
		if (first != 0)
			continue;  // the first chunk's prev_size is 0
		uint64_t top;
		if (!walk_heap(c, "brk heap", s.start, s.end, 0, RH_MALLOC_MAIN_ARENA,
			       WALK_PROBE, &top))
			continue;
		if (!claim(c, s.start, s.end))
			return;
		c->st->malloc_heaps++;
		c->st->malloc_arenas++;
		walk_heap(c, "main arena (brk heap)", s.start, s.end, top,
			  RH_MALLOC_MAIN_ARENA, WALK_REPORT, NULL);
		return;
	}
}

/*
 * Thread heaps: at each 64 MiB boundary of anonymous memory, a heap_info
 * (glibc's stable prefix {ar_ptr, prev, size, mprotect_size}) that either
 * names the arena right behind it (an arena's first heap; heap_info is 32
 * bytes before 2.35 and 48 after) or names an arena found so.
 */
static void find_thread_heaps(struct g_ctx *c)
{
	// Two passes: first heaps define the arenas, later heaps join them.
	struct {
		uint64_t addr;      /* the malloc_state */
		uint64_t hi_size;   /* sizeof(heap_info) its first heap shows */
	} arenas[256];
	size_t narenas = 0;
	char what[96];
	for (int pass = 0; pass < 2 && !c->stopped && !c->err; pass++) {
		for (size_t i = 0; i < rh_target_segment_count(c->t); i++) {
			struct rh_segment_info s;
			rh_target_segment(c->t, i, &s);
			if (!s.dumped || !(s.prot & RH_PROT_WRITE))
				continue;
			for (uint64_t h = (s.start + HEAP_MAX - 1) & ~(HEAP_MAX - 1);
			     h >= s.start && h + 64 <= s.end && !c->stopped && !c->err;
			     h += HEAP_MAX) {
				uint64_t w[4];
				struct rh_error *err = rh_target_read(c->t, h, w, sizeof(w));
				if (err) {
					// not dumped: no heap to find there
					rh_error_destroy(err);
					continue;
				}
				uint64_t ar = w[0], size = w[2], mprot = w[3];
				// new_heap() maps whole pages inside the 64 MiB slot
				if (size < 4096 || size > HEAP_MAX || size % 4096 ||
				    mprot < size || mprot > HEAP_MAX || h + size > s.end)
					continue;
				bool first = ar == h + 32 || ar == h + 48;
				size_t k = 0;
				while (k < narenas && arenas[k].addr != ar)
					k++;
				if (pass == 0 ? !first : first || k == narenas)
					continue;
				uint64_t start = 0, top = 0;
				bool chained = false;
				if (first) {
					// the arena's malloc_state, of a size
					// that depends on glibc's version
					for (size_t v = 0; v < sizeof(def_ms_sizes) / sizeof(def_ms_sizes[0]) && !chained; v++) {
						start = (ar + def_ms_sizes[v] + MALLOC_ALIGN - 1) &
							~(uint64_t)(MALLOC_ALIGN - 1);
						chained = start < h + size &&
							  walk_heap(c, "thread heap", start, h + size, 0,
								    RH_MALLOC_THREAD_ARENA, WALK_PROBE, &top);
					}
				} else {
					start = h + arenas[k].hi_size;
					chained = start < h + size &&
						  walk_heap(c, "thread heap", start, h + size, 0,
							    RH_MALLOC_THREAD_ARENA, WALK_PROBE, &top);
				}
				if (!chained)
					continue;
				if (first && narenas < sizeof(arenas) / sizeof(arenas[0])) {
					arenas[narenas].addr = ar;
					arenas[narenas].hi_size = ar - h;
					narenas++;
				}
				if (!claim(c, h, h + mprot))
					return;
				if (first)
					c->st->malloc_arenas++;
				c->st->malloc_heaps++;
				snprintf(what, sizeof(what), "thread arena 0x%" PRIx64 ", heap 0x%" PRIx64, ar, h);
				walk_heap(c, what, start, h + size, top, RH_MALLOC_THREAD_ARENA,
					  WALK_REPORT, NULL);
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* mmapped chunks                                                      */

static int cmp_range(const void *a, const void *b)
{
	const struct om_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The mapping an mmapped chunk header {prev_size, size} at a page start
 * describes, or 0 when it is none. sysmalloc_mmap() puts the chunk at the
 * mapping's start (prev_size, the offset from the mapping, is 0 unless
 * memalign moved it), with exactly IS_MMAPPED among the flags. How the
 * size relates to the mapping changed, as munmap_chunk() shows (its
 * disassembly with Debian's libc6-dbg):
 *   up to 2.41   mapping = prev_size + size
 *   2.43         mapping = (prev_size & ~1) + size + CHUNK_HDR_SZ
 *                (bit 0 of prev_size became a flag)
 * A header matches at most one rule (the page is >= 4096), so both are
 * tried: neither the DWARF nor the version string says which holds (2.42
 * is not checked), and without libc's symbols there is neither.
 */
static uint64_t mmapped_chunk_span(uint64_t prev_size, uint64_t size_word, uint64_t page)
{
	if ((size_word & SIZE_BITS) != IS_MMAPPED)
		return 0;
	uint64_t sz = size_word & ~(uint64_t)SIZE_BITS;
	if (sz < page)
		return 0;
	if (prev_size == 0 && sz % page == 0)
		return sz;
	if ((prev_size & ~(uint64_t)1) == 0 && (sz + CHUNK_HDR) % page == 0)
		return sz + CHUNK_HDR;
	return 0;
}

/*
 * Probe the page starts of anonymous writable memory that nothing else
 * claimed for the header of an mmapped chunk (mmapped_chunk_span()) whose
 * mapping fits its segment. A chunk found is skipped whole.
 */
static void find_mmapped(struct g_ctx *c)
{
	struct rh_image *img = c->rt->image;
	for (size_t i = 0; i < rh_image_module_count(img); i++) {
		const struct rh_module *m = rh_image_module(img, i);
		if (!claim(c, m->start, m->end))
			return;
	}
	for (size_t i = 0; i < rh_target_mapping_count(c->t); i++) {
		const struct rh_mapping *m = rh_target_mapping(c->t, i);
		if (!claim(c, m->start, m->end))
			return;
	}
	qsort(c->claimed, c->nclaimed, sizeof(*c->claimed), cmp_range);
	uint64_t page = c->page;
	size_t ci = 0;
	for (size_t i = 0; i < rh_target_segment_count(c->t) && !c->stopped; i++) {
		struct rh_segment_info s;
		rh_target_segment(c->t, i, &s);
		if (!s.dumped || !(s.prot & RH_PROT_WRITE))
			continue;
		uint64_t a = (s.start + page - 1) & ~(page - 1);
		while (a >= s.start && a + 16 <= s.end && !c->stopped) {
			while (ci < c->nclaimed && c->claimed[ci].end <= a)
				ci++;
			if (ci < c->nclaimed && c->claimed[ci].start <= a) {
				uint64_t e = c->claimed[ci].end;
				a = (e + page - 1) & ~(page - 1);
				if (a < e)
					break;
				continue;
			}
			uint64_t w[2];
			struct rh_error *err = rh_target_read(c->t, a, w, sizeof(w));
			if (err) {
				// not in the core (a hole gcore could not read)
				rh_error_destroy(err);
				a += page;
				continue;
			}
			uint64_t span = mmapped_chunk_span(w[0], w[1], page);
			if (span && span <= s.end - a) {
				// the user data runs to the mapping's end
				if (!report_chunk(c, a + CHUNK_HDR, span - CHUNK_HDR, RH_MALLOC_MMAPPED))
					return;
				a += span;
				continue;
			}
			a += page;
		}
		// claimed ranges are sorted; go back for the next segment
		ci = 0;
	}
}

/* ------------------------------------------------------------------ */

struct rh_error *om_glibc_scan(struct rh_py_runtime *rt,
			       const struct rh_py_alloc_options *opts,
			       struct rh_problems *problems,
			       rh_py_block_fn *fn, void *arg,
			       const struct om_range *skip, size_t nskip,
			       struct rh_py_alloc_stats *st, bool *stopped)
{
	struct g_ctx c = {
		.rt = rt,
		.t = rt->target,
		.problems = problems,
		.fn = fn,
		.arg = arg,
		.st = st,
		.page = 4096,
		.tcache_max_chunk = TCACHE_MAX_CHUNK,
	};
	rh_u64map_init(&c.fastbin_chunks);
	rh_u64map_init(&c.visited);
	uint64_t pagesz;
	struct rh_error *err = rh_target_auxv(c.t, 6 /* AT_PAGESZ */, &pagesz);
	if (err)
		rh_error_destroy(err);  // 4096, x86-64's
	else if (pagesz >= 4096 && pagesz <= (1u << 20) && !(pagesz & (pagesz - 1)))
		c.page = pagesz;
	for (size_t i = 0; i < nskip; i++)
		if (!claim(&c, skip[i].start, skip[i].end))
			goto out;

	c.libc = find_libc(rt->image);
	int64_t n_mmaps = -1;
	if (opts->no_libc_symbols || !scan_by_symbols(&c, opts->cache_dir, &n_mmaps)) {
		st->malloc_method = RH_MALLOC_BY_SEGMENTS;
		find_brk_heap(&c);
		if (!c.stopped && !c.err)
			find_thread_heaps(&c);
		if (!st->malloc_heaps)
			rh_problems_add(problems,
					"malloc: found no glibc heap%s; large objects are not scanned",
					c.libc ? " (install libc6-dbg for libc's symbols)" : " (no libc in the target)");
	}
	if (!c.stopped && !c.err)
		find_mmapped(&c);
	if (!c.stopped && !c.err && n_mmaps >= 0 && (uint64_t)n_mmaps != st->mmapped_chunks)
		rh_problems_add(problems,
				"malloc: mp_.n_mmaps says %" PRId64 " mmapped chunks, found %" PRIu64 " (memalign'ed ones, or mappings missing from the core, are not found)",
				n_mmaps, st->mmapped_chunks);
out:
	*stopped = c.stopped;
	rh_u64map_deinit(&c.fastbin_chunks);
	rh_u64map_deinit(&c.visited);
	free(c.claimed);
	return c.err;
}
