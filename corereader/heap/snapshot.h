/*
 * The snapshot: what analyses see of a heap. It is built once from the
 * CPython layer and then read without touching the target again, and it
 * speaks no CPython version: generations are 0..2 plus "permanent", types
 * are (address, name) pairs, the GC state is plain numbers.
 *
 * Objects are compact parallel arrays indexed by uint32_t (no per-object
 * malloc): 23 bytes per object, plus 5.7-8.5 for the address index
 * (util/keyindex.h), so 10 million objects take ~300 MB before edges.
 * Strings are interned in an arena the snapshot owns.
 */
#ifndef RH_HEAP_SNAPSHOT_H
#define RH_HEAP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/blockindex.h"
#include "util/error.h"
#include "util/keyindex.h"
#include "util/u64map.h"

struct rh_image;
struct rh_py_runtime;
struct rh_target;

#define RH_SNAP_NGENS 3
#define RH_SNAP_GEN_PERMANENT 3
#define RH_SNAP_GEN_UNTRACKED (-1)

/* How an object was found (bits of obj_found). */
#define RH_FOUND_GC 1u        /* on a GC generation list */
#define RH_FOUND_REF 2u       /* referenced by a found object */
#define RH_FOUND_ALLOC 4u     /* only by the allocator scan: nothing references it */
#define RH_FOUND_ROOT 8u      /* held by a root (interpreter state, frame, static, stack) */
/**
 * On a GC list, but the collector untracks it before it examines that
 * list, so no collection ever includes it (3.14.0-3.14.4's incremental
 * collector untracks the young generation's atomic tuples first:
 * cpython/runtime.h rh_py_tuple_gc_untracks). It dies with what holds it.
 */
#define RH_FOUND_GC_UNTRACKS 16u

/* Root kinds, as the CPython layer names them (cpython/roots.h). */
enum rh_snap_root_kind {
	RH_SNAP_ROOT_INTERPRETER,
	RH_SNAP_ROOT_MODULE,
	RH_SNAP_ROOT_THREAD,
	RH_SNAP_ROOT_INTERNED,
	RH_SNAP_ROOT_STATIC,
	RH_SNAP_ROOT_STACK,
	/**
	 * A word inside a live object, beyond the references refheap reads
	 * from it (a field its tp_traverse does not visit), pointing at an
	 * object whose refcount the heap's references do not explain
	 * (heap/snapshot.c native_words). Evidence: the refcount audit counts
	 * it (held-by-native). Conservative, never owned.
	 */
	RH_SNAP_ROOT_NATIVE,
	/**
	 * A word in allocated memory that holds no object (a malloc'd C
	 * structure, or a stale copy in a reused chunk: refheap cannot tell)
	 * pointing at such an object: a candidate holder only.
	 */
	RH_SNAP_ROOT_MEMORY,
};

struct rh_snap_root {
	uint32_t obj;            /* object index */
	uint8_t kind;            /* enum rh_snap_root_kind */
	bool conservative;       /* a word that looks like a pointer (stacks, statics) */
	const char *name;        /* label, in the snapshot's arena */
	uint64_t where;          /* address of the slot holding it, or 0 */
	int64_t thread;          /* native thread id for thread/stack roots */
	/**
	 * The slot lies outside every object and owns one count of the
	 * object's refcount (an interpreter-state field, a 3.11+ frame's
	 * local): the refcount audit counts it. False for roots that only
	 * name an edge already in the graph (a sys.modules entry, a 3.10
	 * frame object's local) and for conservative ones.
	 */
	bool owned;
	/** Repeats what a stronger root holds (a frame's globals), or a
	 *  stack word that is often stale (rh_py_root.secondary): paths
	 *  prefer other roots; no holder evidence for the audit. */
	bool secondary;
};

/*
 * Edges: CSR over object indices. The two high bits of an edge word say
 * what kind of reference it is; the rest is the target's index (so at most
 * 2^29 objects).
 */
#define RH_EDGE_OWNED (1u << 31)        /* owned, not visited by tp_traverse */
#define RH_EDGE_CONSERVATIVE (1u << 30) /* a pointer found by scanning an unknown type */
/**
 * A reference that does not own a count of its target's refcount: the
 * interned-strings dict's entries (CPython takes the dict's two references
 * back off a mortal interned string). The refcount audit skips it.
 */
#define RH_EDGE_BORROWED (1u << 29)
#define RH_EDGE_FLAGS (RH_EDGE_OWNED | RH_EDGE_CONSERVATIVE | RH_EDGE_BORROWED)
#define RH_EDGE_INDEX_MASK ((1u << 29) - 1)
#define RH_SNAP_MAX_OBJECTS RH_EDGE_INDEX_MASK

/** obj_refcnt of an immortal object (3.12+): its count means nothing. */
#define RH_REFCNT_IMMORTAL UINT32_MAX

struct rh_snap_gen {
	int64_t threshold;
	int64_t count;
};

/*
 * Which collector made the lists (what cpython/ read from the DWARF):
 * - generational (3.8-3.13, 3.14.5+): gens[g] and obj_gen g are
 *   generation g; a collection of g includes every younger one.
 * - incremental (3.14.0-3.14.4): gens[0] / obj_gen 0 is the young
 *   generation, gens[1] / 1 old space 0, gens[2] / 2 old space 1. One old
 *   space is "visited" this round (visited_space), the other "pending":
 *   each increment collects the young generation plus part of the
 *   pending space; the spaces swap when the pending one is empty.
 */
enum rh_snap_gc_model {
	RH_SNAP_GC_GENERATIONAL = 0,
	RH_SNAP_GC_INCREMENTAL = 1,
};

#define RH_SNAP_GC_PHASE_MARK 0
#define RH_SNAP_GC_PHASE_COLLECT 1

struct rh_snap_gc {
	bool enabled;
	bool collecting;
	uint8_t model;             /* enum rh_snap_gc_model */
	int8_t visited_space;      /* incremental: 0 or 1 */
	int8_t phase;              /* incremental: RH_SNAP_GC_PHASE_* */
	int64_t work_to_do;        /* incremental */
	int64_t heap_size;         /* tracked objects as the GC counts them, -1 if unknown */
	struct rh_snap_gen gens[RH_SNAP_NGENS];
	int64_t garbage_len;       /* len(gc.garbage), -1 if unreadable */
	uint64_t garbage_addr;     /* the gc.garbage list object, 0 if none */
	bool have_long_lived;
	int64_t long_lived_total;
	int64_t long_lived_pending;
	bool runtime_wide;         /* one GC state for all interpreters */
};

struct rh_snap_thread {
	uint64_t addr;
	uint64_t thread_id;
	int64_t native_thread_id;  /* -1 if unknown */
};

struct rh_snap_interp {
	uint64_t addr;
	int64_t id;
	bool main;
	struct rh_snap_thread *threads;
	size_t nthreads;
	struct rh_snap_gc gc;
	/** Index of the interpreter whose GC lists hold this one's objects. */
	size_t gc_owner;
};

struct rh_snap_type {
	uint64_t addr;
	const char *name;   /* interned, unescaped bytes from the target */
	/** obj_size equals sys.getsizeof() for this type's objects */
	bool size_exact;
};

/* The arrays that can be handed to the page cache: the 7 obj_ arrays, edge_start, edges. */
#define RH_SNAP_ADOPT_MAX 9

struct rh_snap_big_size {
	uint32_t obj;
	uint64_t size;
};

struct rh_snapshot {
	/* what was read */
	const char *target_name;
	bool live;
	int pid;
	const char *python_version;
	uint32_t python_version_hex;
	const char *python_module;
	const char *build_id;
	const char *debug_file;
	bool layouts_from_cache;
	/** Layout fields confirmed by the runtime's _Py_DebugOffsets (3.13+). */
	unsigned debug_offsets_checked;

	struct rh_snap_interp *interps;
	size_t ninterps;

	/* objects: parallel arrays of length nobjects */
	uint32_t nobjects;
	uint32_t objects_cap;
	uint64_t *obj_addr;
	uint32_t *obj_type;   /* index into types */
	/**
	 * Shallow size, as sys.getsizeof(); read it with rh_snapshot_size().
	 * 4 bytes: sizes of 4 GiB and more (rare) saturate here and are kept
	 * exactly in big_sizes.
	 */
	uint32_t *obj_size;
	struct rh_snap_big_size *big_sizes;  /* sorted by object index */
	size_t nbig_sizes;
	/**
	 * ob_refcnt, clamped to 0..UINT32_MAX: a count at or below zero (a
	 * dead object) reads 0; 3.12+ immortal objects read RH_REFCNT_IMMORTAL; a
	 * count of 2^32 or more would need 32 GiB of references.
	 */
	uint32_t *obj_refcnt;
	int8_t *obj_gen;      /* 0..2, RH_SNAP_GEN_PERMANENT, RH_SNAP_GEN_UNTRACKED */
	uint8_t *obj_interp;  /* interpreter index (capped at 255) */
	uint8_t *obj_found;   /* RH_FOUND_* bits */
	/**
	 * Address -> object index, in two parts; use rh_snapshot_find().
	 * obj_blocks holds the objects that sit in pymalloc's pools, by the
	 * block that holds each (util/blockindex.h); obj_index the others,
	 * over other_addr (util/keyindex.h: its positions q are those of
	 * other_addr, and other_pos[q] is the object's index). Without a
	 * pool table (a snapshot without the graph, a heap pymalloc did not
	 * allocate) obj_blocks is empty and obj_index holds every object,
	 * over obj_addr, other_addr NULL. Empty once dropped
	 * (rh_snapshot_drop_index).
	 */
	struct rh_blockindex obj_blocks;
	struct rh_keyindex obj_index;
	uint64_t *other_addr;
	uint32_t *other_pos;
	uint32_t nothers, others_cap;
	bool others_mapped;   /* other_addr and other_pos point into cache_map */
	/**
	 * rh_snapshot_drop_index() let the index go: finds look type objects
	 * up in type_obj (per type: its object's index, or UINT32_MAX), scan
	 * obj_addr for the first few other addresses, then build the index
	 * again. dropped_finds counts those scans.
	 */
	bool index_dropped;
	uint32_t dropped_finds;
	uint32_t *type_obj;

	/*
	 * References, when the snapshot was built with `graph`: the edges of
	 * object i are edges[edge_start[i] .. edge_start[i+1]), traversed ones
	 * in tp_traverse order (gc.get_referents order).
	 */
	bool have_graph;

	/* What holds the heap from outside (built with `graph`). */
	struct rh_snap_root *roots;
	size_t nroots, roots_cap;
	uint32_t *edge_start;  /* nobjects + 1 entries */
	uint32_t *edges;
	uint64_t nedges;
	uint64_t edges_cap;

	struct rh_snap_type *types;
	uint32_t ntypes, types_cap;
	struct rh_u64map type_index;

	/** What could not be read; non-empty means the result is partial. */
	struct rh_problems problems;
	struct rh_arena arena;

	/*
	 * Where the GC lists' part of a graph snapshot ends: its objects come
	 * list by list first, then those found otherwise, so objects
	 * [0, gc_nobjects) and problems [0, gc_nproblems) are what a snapshot
	 * without the graph (`summary`) reads. `summary` takes them from a
	 * cached graph snapshot (rh_snapshot_load_or_create). gc_nobjects is
	 * RH_SNAP_NO_GC_PREFIX when that prefix is not such a snapshot: none
	 * was recorded, or problems were dropped past the cap by then, or
	 * sizing the index (graph only) added a problem in between.
	 */
	uint32_t gc_nobjects;
	uint32_t gc_nproblems;

	/*
	 * The runtime the snapshot was read from, kept for what is computed on
	 * demand (reprs, edge labels): it reads the target again, so the target
	 * and image must outlive the snapshot.
	 */
	struct rh_py_runtime *rt;

	/* timings, seconds */
	double seconds_runtime;  /* finding the runtime and layouts */
	double seconds_objects;  /* walking the objects (graph included) */
	double seconds_graph;    /* following references, allocator scan */
	/*
	 * Where seconds_objects went (--stats; not in the snapshot cache):
	 * the GC lists, the roots, reading and resolving references, the
	 * allocator scan for unreferenced objects, objects in static data,
	 * the native-word evidence of the refcount audit (a second scan).
	 */
	double seconds_gc_lists, seconds_roots, seconds_follow, seconds_alloc_scan,
	       seconds_static, seconds_native;
	/* How the address index held the objects when the snapshot was built (--stats). */
	uint64_t stat_by_block, stat_block_slots, stat_others;
	/* Waited for the writer to hand the arrays over (rh_snapshot_wait_paged). */
	double seconds_paged_wait;

	/* ---- snapshot cache (heap/snapshot_cache.c) ---- */
	/** Loaded from a snapshot cache file rather than read from the target. */
	bool from_cache;
	/**
	 * The cache file's mapping, or NULL: the object arrays, big_sizes,
	 * edge_start, edges, the obj_index slots and the names point into
	 * it (read-only), and rh_snapshot_destroy() unmaps it instead of
	 * freeing them.
	 */
	void *cache_map;
	size_t cache_map_len;
	/**
	 * Why the snapshot cache was not used or not written (a corrupt or
	 * unwritable file, no disk space), for --verbose; NULL if it went
	 * as expected. Not a problem: the snapshot itself is complete.
	 */
	const char *cache_note;
	/**
	 * The cache file being written on a thread of its own while the
	 * command goes on (rh_snapshot_load_or_create with jobs > 1), or
	 * NULL. rh_snapshot_cache_release() (hence rh_snapshot_destroy())
	 * waits for it; the file appears by rename only once complete.
	 */
	struct rh_snapshot_writer *cache_writer;
	/**
	 * The named cache file this snapshot was read from or is being
	 * written to (in the arena), else NULL; the random id in its
	 * header, which a file of results derived from the snapshot names
	 * (rh_snapshot_sidecar_path); and the cap on the cache directory
	 * in bytes, which such a file counts towards.
	 */
	const char *cache_file;
	uint64_t cache_id;
	uint64_t cache_limit;
	/**
	 * Pages of the object and edge arrays that were handed to the page
	 * cache once written to the cache file: a private mapping of the
	 * file replaced them, same bytes, so the kernel may drop them and
	 * read them again instead of keeping them in RAM
	 * (heap/snapshot_cache.c adopt_section). Each entry: the snapshot's
	 * field holding the array, and how many bytes from its start are
	 * mapped. rh_snapshot_cache_release() makes them anonymous again
	 * before the arrays go back to malloc. Written by the cache writer's
	 * thread, read once it is joined.
	 */
	struct rh_snap_adopted {
		void **field;
		size_t len;
	} adopted[RH_SNAP_ADOPT_MAX];
	unsigned nadopted;
};

struct rh_snapshot_options {
	const char *cache_dir;
	/**
	 * Follow every object's references: objects only referenced (str,
	 * int, untracked tuples and dicts...) join the table and edges are
	 * recorded. Off for `summary`, which needs only the GC lists.
	 */
	bool graph;
	/** Also scan the allocators for objects nothing references (needs graph). */
	bool alloc_scan;
	/**
	 * Cap on the snapshot cache directory in MiB (0: no snapshot cache),
	 * when have_cache_max; else REFHEAP_SNAPSHOT_CACHE_MAX_MB or 4096.
	 */
	bool have_cache_max;
	uint64_t cache_max_mb;
	/**
	 * Threads that read references (0: $REFHEAP_JOBS, else the online
	 * CPUs, at most 8). The snapshot is the same whatever the number.
	 */
	uint32_t jobs;
	/**
	 * Write the snapshot cache file before returning even with jobs > 1
	 * (otherwise it is written on a thread while the command goes on),
	 * so that cache_note says at once whether it was written.
	 */
	bool cache_write_sync;
};

/** rh_snapshot_size() of an object of 4 GiB or more (in big_sizes). */
uint64_t rh_snapshot_size_big(const struct rh_snapshot *s, uint32_t i);

/**
 * Shallow size of object i, as sys.getsizeof(). Inline: the reports and
 * analyses sum it over every object (a call each was a tenth of a warm
 * `dominators` report's loop at 10M objects, issue 12).
 */
static inline uint64_t rh_snapshot_size(const struct rh_snapshot *s, uint32_t i)
{
	uint32_t sz = s->obj_size[i];
	return sz != UINT32_MAX ? sz : rh_snapshot_size_big(s, i);
}

/**
 * Index of the object at addr, or false. After rh_snapshot_drop_index(),
 * on the thread that dropped it only: the first lookups of addresses that
 * are no type's scan the objects, and the next one builds the index again.
 */
bool rh_snapshot_find(const struct rh_snapshot *s, uint64_t addr, uint32_t *idx_ret);

/**
 * Let the address index go, before analyses that never read it (a third
 * of a built snapshot's memory at 10M objects: 7.3 bytes an object of the
 * 41.6). A snapshot read from a cache file keeps its (file-backed) index.
 * When the cache file is being written on a thread, this waits until the
 * file has the index (written first for that). Reports' lookups go on
 * through rh_snapshot_find(), which answers the same.
 */
void rh_snapshot_drop_index(struct rh_snapshot *s);

/** Free the address index's parts that are not a cache file's (heap/ only). */
void rh_snapshot_index_free(struct rh_snapshot *s);

/**
 * When the cache file is being written on a thread, wait until its
 * arrays went to the page cache (or the write gave up); at once
 * otherwise. The wait adds to seconds_paged_wait. Analyses that come while the
 * arrays are still anonymous memory make the command's peak: a cold
 * `leaks` at 10M objects peaked at 45.7 bytes an object when the writer
 * was done first, 47.5-51.1 when the referrers' arrays came before
 * (issue 12).
 */
void rh_snapshot_wait_paged(struct rh_snapshot *s);

/**
 * A short, safe repr of object idx ('text', 42, <class 'app.User'>, <dict
 * len 3>...), read from the target now: for a live target, call it before
 * the process is resumed. Unescaped bytes: report/ escapes them.
 */
void rh_snapshot_repr(const struct rh_snapshot *s, uint32_t idx, char *buf,
		      size_t len);

/** Called with each edge index of an object and its label. Non-zero stops. */
typedef int rh_snapshot_label_fn(void *arg, uint64_t edge, const char *label);

/**
 * Name the edges of object idx ("[3]", "['key']", ".attr", "local 'x'",
 * "tp_mro"...), in edge order, by reading the object's references again.
 * Edges whose label cannot be recomputed (the target changed) get none.
 * Errors: those of reading the object.
 */
struct rh_error *rh_snapshot_edge_labels(const struct rh_snapshot *s, uint32_t idx,
					 rh_snapshot_label_fn *fn, void *arg);

/** rh_snapshot_edge_labels() for edge `edge` of idx alone: the others are not named. */
struct rh_error *rh_snapshot_edge_label_one(const struct rh_snapshot *s, uint32_t idx,
					    uint64_t edge, rh_snapshot_label_fn *fn, void *arg);

/**
 * Called for each reference of an object: a stored edge (its index) or a
 * weak reference (edge UINT64_MAX) to a known object `to`, with its label.
 * Non-zero stops.
 */
typedef int rh_snapshot_ref_fn(void *arg, uint64_t edge, uint32_t to, const char *label);

/**
 * Like rh_snapshot_edge_labels(), and also report the weak references
 * (weakref objects' referents), which the graph does not store because
 * they keep nothing alive: the heap-snapshot export shows them as weak
 * edges. Reads the target. Errors: those of reading the object.
 */
struct rh_error *rh_snapshot_refs_walk(const struct rh_snapshot *s, uint32_t idx,
				       rh_snapshot_ref_fn *fn, void *arg);

/**
 * Read the heap of a target: the CPython runtime, then every object on the
 * GC lists of every interpreter.
 *
 * Errors are those of rh_py_runtime_open() (not Python, no debug info,
 * unsupported) and RH_ERR_NO_MEMORY; everything after the runtime is found
 * degrades to problems recorded in the snapshot.
 *
 * @param ret written only on success; free with rh_snapshot_destroy().
 */
struct rh_error *rh_snapshot_create(struct rh_target *t, struct rh_image *img,
				    const struct rh_snapshot_options *opts,
				    struct rh_snapshot **ret);
void rh_snapshot_destroy(struct rh_snapshot *s);

/* ================================================================== */
/* Snapshot cache (heap/snapshot_cache.c)                              */
/* ================================================================== */

/*
 * A snapshot of a core file is saved once and mapped back by the next
 * command on the same unchanged core (a GDB session issues many), instead
 * of being rebuilt. Files live in one directory (the CLI uses
 * <layout cache dir>/snapshots), one per core, named by a hash of the key
 * below; the 4 most recently used are kept. A cache file is untrusted
 * input: every count, offset, index and string is checked before use, and
 * a file that fails is ignored (and replaced).
 *
 * Environment: REFHEAP_SNAPSHOT_CACHE_MAX_MB (default 4096) bounds the size
 * of a file written; 0 turns the snapshot cache off.
 */

/** What a cache file must match to be used (besides refheap's own build). */
struct rh_snapshot_cache_key {
	const char *core_path;     /* the core's real path */
	uint64_t dev, ino, size;   /* the core's identity */
	int64_t mtime_sec, mtime_nsec;
	/** Hash of the target's mapped files and the image's modules and build-ids. */
	uint64_t context;
	bool graph, alloc_scan;
};

#define RH_SNAP_NO_GC_PREFIX UINT32_MAX

/**
 * rh_snapshot_create(), through the cache in snapshot_cache_dir (NULL: no
 * cache). Only core targets are cached (a live process changes). On a hit
 * the runtime is opened again (layouts from the layout cache) for what is
 * read on demand (reprs, labels), and the snapshot has from_cache set.
 * Without opts->graph (`summary`), a cached graph snapshot of the core
 * (with or without the allocator scan) is cut to its GC lists' part
 * (gc_nobjects objects: the index still finds the others, which nothing
 * asks of such a snapshot); failing that, the snapshot of the GC lists
 * alone is read from or written to the cache, and a graph snapshot of the
 * core written later removes it. Errors: those of rh_snapshot_create();
 * the cache's own failures only set cache_note.
 */
struct rh_error *rh_snapshot_load_or_create(struct rh_target *t, struct rh_image *img,
					    const struct rh_snapshot_options *opts,
					    const char *snapshot_cache_dir,
					    struct rh_snapshot **ret);

/**
 * Write s (built with a graph) to path, atomically (a temporary file in the
 * same directory, renamed). Errors: RH_ERR_OS, RH_ERR_LIMIT (the snapshot
 * cannot be represented, or the file would exceed max_bytes when not 0),
 * RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_snapshot_cache_write(const struct rh_snapshot *s,
					 const struct rh_snapshot_cache_key *key,
					 const char *path, uint64_t max_bytes);

/*
 * A sidecar: a file of results derived from a cached snapshot (the
 * analyses': analysis/analysis_cache.c), kept beside the snapshot's cache
 * file as <file>.analyses. It names the snapshot file's random id, so a
 * snapshot written again makes it stale; the cap counts it with its
 * snapshot file, and pruning removes the two together (and a sidecar
 * whose snapshot file is gone). Its content is the caller's; the caller
 * writes it to a temporary name from rh_snapshot_sidecar_tmp() and renames it.
 */

/**
 * The sidecar path of s and the id it must name, or NULL when s has no
 * named cache file (a live target, --no-cache, a write that failed); its
 * file may still be being written (see rh_snapshot_sidecar_settle).
 */
const char *rh_snapshot_sidecar_path(struct rh_snapshot *s, uint64_t *id_ret);

/**
 * Once a sidecar is written at path: wait for s's own file, and remove
 * the sidecar if that file was not written after all; else prune the
 * directory to its cap, the sidecar counted.
 */
void rh_snapshot_sidecar_settle(struct rh_snapshot *s, const char *path);

/**
 * Bytes a sidecar of s may take: the cap on the cache directory less the
 * snapshot file, and no more than the free space less a margin.
 */
uint64_t rh_snapshot_sidecar_room(const struct rh_snapshot *s);

/** Where a snapshot's object and edge arrays are (rh_snapshot_paged). */
enum rh_snap_paging {
	RH_SNAP_ANONYMOUS,   /* in anonymous memory (--no-cache, or too small to move) */
	RH_SNAP_MOVING,      /* the cache writer is still handing them over */
	RH_SNAP_PAGED,       /* in the page cache: moved there, or mapped from a cache file */
};

/**
 * Where s's arrays are; with RH_SNAP_PAGED for a snapshot just built, how
 * many of the RH_SNAP_ADOPT_MAX arrays moved and their bytes (both 0
 * otherwise). Call from the thread that owns s.
 */
enum rh_snap_paging rh_snapshot_paged(const struct rh_snapshot *s, unsigned *arrays_ret,
				      uint64_t *bytes_ret);

/**
 * Map a cache file written by rh_snapshot_cache_write() and check it
 * entirely. The snapshot has no runtime (rt is NULL) and from_cache unset.
 * Errors: RH_ERR_NOT_FOUND (no file, or written for another key or another
 * build of refheap), RH_ERR_BAD_DATA (corrupt: the message says where),
 * RH_ERR_OS, RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_snapshot_cache_read(const char *path,
					const struct rh_snapshot_cache_key *key,
					struct rh_snapshot **ret);

/** Unmap s->cache_map and forget what pointed into it (rh_snapshot_destroy's part). */
void rh_snapshot_cache_release(struct rh_snapshot *s);

#endif /* RH_HEAP_SNAPSHOT_H */
