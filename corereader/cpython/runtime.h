/*
 * The CPython runtime of a target: where `_PyRuntime` is, which version, the
 * struct layouts of that exact build (from its DWARF), the interpreters with
 * their threads and garbage-collector state, and walks over the objects the
 * collector tracks.
 *
 * Every CPython version difference lives in this layer: callers see version-
 * free structs (struct rh_py_interp, struct rh_py_gc) and object callbacks.
 *
 * Supported: default (GIL) builds of CPython 3.8 - 3.13 on x86-64. The
 * free-threaded build (3.13t) keeps no GC lists and is refused with
 * RH_ERR_UNSUPPORTED.
 */
#ifndef RH_CPYTHON_RUNTIME_H
#define RH_CPYTHON_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_error;
struct rh_image;
struct rh_module;
struct rh_problems;
struct rh_target;

struct rh_py_options {
	/** Layout cache directory; NULL means no cache. */
	const char *cache_dir;
};

/** GC generation numbers as the snapshot uses them. */
#define RH_PY_NGENS 3
#define RH_PY_GEN_PERMANENT 3

struct rh_py_gc_gen {
	int64_t threshold;
	int64_t count;
	uint64_t head_addr;   /* list head (a PyGC_Head inside the GC state) */
};

/*
 * Which collector the GC state belongs to, told by the DWARF member names
 * of struct _gc_runtime_state (never by the version):
 * - generational: generations[3] (3.8-3.13, and 3.14.5+ which brought it
 *   back); gens[g] is generation g.
 * - incremental: young + old[2] with work_to_do, visited_space, phase
 *   (3.14.0-3.14.4, Python/gc.c); gens[0] is `young`, gens[1] `old[0]`,
 *   gens[2] `old[1]`: the lists as they lie in the GC state. Which old
 *   space is the one visited this round is visited_space.
 */
enum rh_py_gc_model {
	RH_PY_GC_GENERATIONAL = 0,
	RH_PY_GC_INCREMENTAL = 1,
};

/* enum _GCPhase (pycore_interp_structs.h 3.14.0-3.14.4) */
#define RH_PY_GC_PHASE_MARK 0
#define RH_PY_GC_PHASE_COLLECT 1

struct rh_py_gc {
	uint64_t addr;              /* the struct _gc_runtime_state */
	bool enabled;
	bool collecting;
	int model;                  /* enum rh_py_gc_model */
	struct rh_py_gc_gen gens[RH_PY_NGENS];
	/* incremental collector only */
	int visited_space;          /* 0 or 1: old[visited_space] is visited */
	int phase;                  /* RH_PY_GC_PHASE_* */
	int64_t work_to_do;
	/* number of tracked objects as the GC counts them (3.13+), -1 if absent */
	int64_t heap_size;
	uint64_t permanent_head;
	uint64_t garbage_addr;      /* gc.garbage list, 0 if NULL */
	int64_t garbage_len;        /* -1 if unreadable */
	bool have_long_lived;       /* the full-collection heuristic exists */
	int64_t long_lived_total;
	int64_t long_lived_pending;
	/** True where one GC state serves the whole runtime (3.8). */
	bool runtime_wide;
};

struct rh_py_thread {
	uint64_t addr;              /* PyThreadState */
	uint64_t thread_id;         /* pthread_self() of the thread */
	int64_t native_thread_id;   /* OS tid, -1 where the version lacks it */
	int64_t id;                 /* tstate->id, -1 if absent */
};

struct rh_py_interp {
	uint64_t addr;
	int64_t id;
	bool main;
	struct rh_py_thread *threads;
	size_t nthreads;
	struct rh_py_gc gc;
};

/*
 * The CPython versions this layer knows, as told to users (--help, errors,
 * README): another version is refused by name rather than read as if it
 * were one of these. 3.14.0-3.14.4 use the incremental collector, read in
 * its own terms (struct rh_py_gc.model).
 */
#define RH_PY_SUPPORTED \
	"CPython 3.8-3.15 (64-bit default builds with the GIL; 3.14.0-3.14.4 with their incremental collector)"

struct rh_py_info {
	/** "3.11.7" */
	char version[32];
	/** PY_VERSION_HEX, e.g. 0x030b07f0. */
	uint32_t version_hex;
	/** The module holding _PyRuntime (libpython or the executable). */
	const struct rh_module *module;
	uint64_t runtime_addr;
	bool layouts_from_cache;
	double layouts_seconds;
	/** Fields checked against _Py_DebugOffsets (3.13+), 0 where none. */
	unsigned debug_offsets_checked;
};

struct rh_py_runtime;

/**
 * Find CPython in the target: the module that defines `_PyRuntime` (symbol,
 * or the `.PyRuntime` section of 3.10+), its DWARF, the layouts, the
 * version, the interpreters, their threads and GC state.
 *
 * Errors: RH_ERR_NOT_PYTHON (no module defines _PyRuntime),
 * RH_ERR_MISSING_DEBUG_INFO (names the files looked for and the Debian
 * package that provides them), RH_ERR_UNSUPPORTED (version or build),
 * RH_ERR_FAULT / RH_ERR_BAD_DATA / RH_ERR_TRUNCATED (the runtime state itself
 * is unreadable). Unreadable parts past the runtime state (one interpreter's
 * thread list, say) are recorded in `problems` instead.
 *
 * The runtime borrows t and img: they must outlive it.
 */
struct rh_error *rh_py_runtime_open(struct rh_target *t, struct rh_image *img,
				    const struct rh_py_options *opts,
				    struct rh_problems *problems,
				    struct rh_py_runtime **ret);
void rh_py_runtime_destroy(struct rh_py_runtime *rt);

const struct rh_py_info *rh_py_runtime_info(const struct rh_py_runtime *rt);
size_t rh_py_interp_count(const struct rh_py_runtime *rt);
const struct rh_py_interp *rh_py_interp(const struct rh_py_runtime *rt,
					size_t i);

/*
 * Reading objects from worker threads (heap/snapshot_parallel.c).
 *
 * Reading an object's references or header is a pure function of target
 * memory once the runtime's lazy tables (types, traverse rows, extension
 * modules' layouts) hold what it needs. Filling those tables is not safe
 * from two threads, and it records problems whose order is part of the
 * output. So a worker thread calls rh_py_worker_enter(): from then on, on
 * that thread, a lookup that would fill a lazy table gives up instead
 * (the read returns an error or a partial answer), and
 * rh_py_worker_take_deferred() says so; the caller throws that answer
 * away and redoes the object on the main thread, in sequential order.
 * rh_py_workers_prepare() fills what every read needs (the traverse
 * tables) on the main thread first. Targets read through a cache (a live
 * process without a copy) are not safe to share: rh_py_workers_allowed().
 */
struct rh_error *rh_py_workers_prepare(struct rh_py_runtime *rt);
bool rh_py_workers_allowed(const struct rh_py_runtime *rt);
void rh_py_worker_enter(void);
void rh_py_worker_leave(void);
/** Whether a lazy table was needed since the last call (and clear it). */
bool rh_py_worker_take_deferred(void);
/**
 * When workers read while this thread goes on (not only while it waits for
 * them), a lazy table this thread is about to fill must not change under
 * them: from now on, on this thread, fn(arg) is called before each fill
 * (it waits until no worker reads). The fills are the ones workers give up
 * on (a type seen first, an extension module's layouts): rare once the
 * first objects of each type are read. NULL fn: no barrier.
 */
void rh_py_main_barrier(void (*fn)(void *), void *arg);

/** What a walk reports for each tracked object. */
struct rh_py_object {
	uint64_t addr;        /* the PyObject, not its GC header */
	uint64_t type_addr;
	int64_t refcnt;       /* raw ob_refcnt */
	uint64_t size;        /* shallow size, as sys.getsizeof() */
	int gen;              /* 0..2, or RH_PY_GEN_PERMANENT */
};

/** Return non-zero to stop the walk. */
typedef int rh_py_object_fn(void *arg, const struct rh_py_object *obj);

/**
 * Walk the GC lists of interpreter i: generations 0, 1, 2 (for the
 * incremental collector: young, old[0], old[1]), then the permanent
 * generation. Each list walk is bounded and checks that every
 * node's _gc_prev points back to the node it came from (CPython's
 * validate_list, made unconditional); a broken list is recorded in
 * `problems` (which list, how many objects were read, where it broke) and
 * the walk goes on with the next list. An object whose size cannot be read
 * is reported with its basic size and a problem.
 *
 * Returns an error only for no memory; *walked_ret (may be NULL) gets the
 * number of objects reported.
 */
struct rh_error *rh_py_gc_for_each(struct rh_py_runtime *rt, size_t interp,
				   struct rh_problems *problems,
				   rh_py_object_fn *fn, void *arg,
				   uint64_t *walked_ret);

/**
 * rh_py_gc_for_each() handing the objects over RH_PY_GC_BATCH at a time,
 * in the same order, each list's last ones before its problem (if any) is
 * recorded: the caller can prefetch what it will touch for a whole batch
 * (the snapshot's index slots) rather than wait on a cache miss per
 * object. Return non-zero from fn to stop. With jobs > 1 (and a target
 * threads may share) a second thread chases the lists meanwhile.
 */
#define RH_PY_GC_BATCH 256
typedef int rh_py_objects_fn(void *arg, const struct rh_py_object *objs, size_t n);
struct rh_error *rh_py_gc_for_each_batch(struct rh_py_runtime *rt, size_t interp,
					 struct rh_problems *problems,
					 rh_py_objects_fn *fn, void *arg, uint32_t jobs);

/**
 * Read the header and shallow size of the object at addr (an object found
 * through a reference rather than on a GC list): obj->gen is set to -1.
 * Errors: RH_ERR_FAULT when the header is unreadable.
 */
struct rh_error *rh_py_object_read(struct rh_py_runtime *rt, uint64_t addr,
				   struct rh_py_object *ret);

/**
 * The count refcnt says nothing of references: a 3.12+ immortal object, or
 * a 3.11 statically allocated one (counted from 999999999).
 */
bool rh_py_refcnt_immortal(const struct rh_py_runtime *rt, int64_t refcnt);

/* The reference count held in the object header's first word (3.14+: its
 * low 32 bits, the rest being ob_overflow and ob_flags). */
int64_t rh_py_refcnt_word(const struct rh_py_runtime *rt, uint64_t word);

/**
 * Whether addr plausibly holds a live object: 8-aligned, readable header,
 * refcount > 0, and ob_type a readable type object whose own type chain
 * reaches `type` (PyType_Type) within a few steps. Allocates nothing and
 * records no problem; used to vet conservative pointers.
 */
bool rh_py_object_plausible(struct rh_py_runtime *rt, uint64_t addr);

/**
 * Hint that the object at addr will be read soon: prefetch the cache line
 * of its header from the target's memory, where the target has it mapped
 * (a core). Nothing is read; any address will do.
 */
void rh_py_object_prefetch(struct rh_py_runtime *rt, uint64_t addr);

/**
 * Whether addr is a type object (readable, sane sizes, a name, a metatype
 * chain that reaches PyType_Type; static in a loaded module, or a ready,
 * GC-tracked heap type): the test rh_py_object_plausible applies to an
 * object's ob_type. Answers are cached per address; main thread only.
 */
bool rh_py_type_plausible(struct rh_py_runtime *rt, uint64_t addr);

/**
 * For an object known to be on no GC list: whether its GC header says so.
 * True when its type is no GC type, when it lies in a loaded module's
 * image (a static object has no GC header), or when the header is an
 * untracked one (_gc_next 0, _gc_prev at most the FINALIZED/COLLECTING
 * bits). A pointer into the middle of another object, read as a header,
 * seldom passes (tests/integration/realapps.sh: a stale stack word at a
 * tuple's ob_size read as a `Model` whose GC header was the tuple's own).
 */
bool rh_py_gc_head_untracked(struct rh_py_runtime *rt, uint64_t addr, uint64_t type_addr);

/**
 * Whether an allocator block [block, block+size) holds an object, and
 * where it starts: at the block for non-GC types, after the PyGC_Head for
 * GC types, after the managed dict/weakref pre-header too for types that
 * have one (_PyType_PreHeaderSize, 3.11+). The object must be plausible
 * and its type must agree with the offset it was found at.
 */
bool rh_py_block_object(struct rh_py_runtime *rt, uint64_t block, uint64_t size,
			uint64_t *obj_ret);

/**
 * Whether objects of this type keep stale pointers in their own memory by
 * design: frames and generators (coroutines, async generators) leave old
 * values past their stack top (Python/ceval.c pops without clearing), so a
 * word there says nothing about what they hold.
 */
bool rh_py_type_has_stale_slots(struct rh_py_runtime *rt, uint64_t type_addr);

/**
 * 3.14.0-3.14.4's incremental collector untracks, before it examines the
 * young generation, every exact tuple whose items may none of them be
 * tracked (Python/gc.c untrack_tuples -> _PyTuple_MaybeUntrack,
 * Objects/tupleobject.c 3.14.4): such a tuple is never part of the
 * collection, it dies by refcount with what holds it. Whether the tuple
 * at `addr` (type `type_addr`, not checked to be on a list) is one, given
 * its items: `tracked[k]` says whether item k is on a GC list. An item
 * that is not may still "maybe be tracked" (_PyObject_GC_MAY_BE_TRACKED:
 * any object of a GC type but a tuple), read here from its type. False
 * when unsure (an unreadable item, fewer items than ob_size: a NULL).
 */
bool rh_py_tuple_gc_untracks(struct rh_py_runtime *rt, uint64_t addr, uint64_t type_addr,
			     const uint64_t *items, const bool *tracked, size_t nitems);

/** sizeof(PyGC_Head): what precedes a GC object in its allocation. */
uint64_t rh_py_gc_head_size(const struct rh_py_runtime *rt);

/**
 * Where in an allocator block an object may start, in the order
 * rh_py_block_object() tries them: at the block's start (no GC header),
 * after the PyGC_Head, or after it and 3.12+'s managed pre-header (the
 * dict and weakref words, Include/internal/pycore_object.h). The block
 * marks and the native-words scan ask the same.
 */
#define RH_PY_BLOCK_OFFSETS 3
void rh_py_block_offsets(const struct rh_py_runtime *rt, uint64_t offs[RH_PY_BLOCK_OFFSETS]);

/**
 * tp_name of a type object, interned (valid until the runtime is
 * destroyed). Unreadable names come back as "<unreadable type 0x...>".
 */
const char *rh_py_type_name(struct rh_py_runtime *rt, uint64_t type_addr);

/**
 * Whether the sizes reported for objects of this type equal
 * sys.getsizeof(): false when a base defines a __sizeof__ refheap does not
 * model (a C extension's), whose objects are sized as object.__sizeof__.
 */
bool rh_py_type_size_exact(struct rh_py_runtime *rt, uint64_t type_addr);

#endif /* RH_CPYTHON_RUNTIME_H */
