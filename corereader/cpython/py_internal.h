/*
 * Internals shared by the files of the CPython layer.
 */
#ifndef RH_CPYTHON_PY_INTERNAL_H
#define RH_CPYTHON_PY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpython/layout_table.h"
#include "cpython/runtime.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/u64map.h"

/* tp_flags bits, Include/object.h; the same values in 3.8-3.14. */
#define PY_TPFLAGS_MANAGED_WEAKREF (1UL << 3)  /* 3.12+ */
#define PY_TPFLAGS_MANAGED_DICT (1UL << 4)     /* 3.11+ */
#define PY_TPFLAGS_HEAPTYPE (1UL << 9)
#define PY_TPFLAGS_HAVE_GC (1UL << 14)

/*
 * How sys.getsizeof() sizes an object of a type: which __sizeof__ the type
 * inherits. Found by walking tp_base to the first builtin that defines one.
 */
enum py_size_kind {
	PY_SIZE_GENERIC,    /* object.__sizeof__: basicsize + |ob_size| * itemsize */
	PY_SIZE_LIST,
	PY_SIZE_DICT,
	PY_SIZE_ODICT,
	PY_SIZE_SET,
	PY_SIZE_DEQUE,
	PY_SIZE_TYPE,
	PY_SIZE_FRAME,
	PY_SIZE_GEN,        /* generator, coroutine, async generator */
	PY_SIZE_LONG,       /* int and its subclasses */
	PY_SIZE_UNICODE,    /* str and its subclasses */
	PY_SIZE_BUFFERED,   /* _io.BufferedReader/Writer/Random */
	/*
	 * A base defines a __sizeof__ refheap does not model (a C extension's):
	 * the size is object.__sizeof__'s and marked approximate.
	 */
	PY_SIZE_UNMODELLED,
};

/*
 * Worker-thread mode (runtime.h rh_py_worker_enter): true on a worker
 * thread. A lazy table about to be filled checks py_worker_defer() first
 * and, on a worker, gives up: the object is redone on the main thread.
 */
extern _Thread_local bool py_worker_mode;
extern _Thread_local bool py_worker_deferred;
/*
 * On the main thread, while workers may be reading (rh_py_main_barrier):
 * called before a lazy table is filled, to wait for them.
 */
extern _Thread_local void (*py_fill_barrier)(void *);
extern _Thread_local void *py_fill_barrier_arg;
/** Fill the traverse tables every read needs (traverse.c). */
struct rh_error *py_traverse_prepare(struct rh_py_runtime *rt);
static inline bool py_worker_defer(void)
{
	if (!py_worker_mode) {
		if (py_fill_barrier)
			py_fill_barrier(py_fill_barrier_arg);
		return false;
	}
	py_worker_deferred = true;
	return true;
}

struct py_type {
	uint64_t addr;
	const char *name;         /* interned */
	int64_t basicsize;
	int64_t itemsize;
	uint64_t flags;
	enum py_size_kind size_kind;
	/* sizes of this type's objects equal sys.getsizeof() */
	bool size_exact;
	/* bytes sys.getsizeof() adds in front of a tracked instance */
	int64_t presize;
};

struct rh_py_runtime {
	struct rh_target *target;
	struct rh_image *image;
	struct rh_layout_value L[PYL_COUNT_];
	struct rh_py_info info;
	struct rh_py_interp *interps;
	size_t ninterps;
	struct rh_arena arena;
	/* type cache: address -> index in types */
	struct rh_u64map type_index;
	struct py_type *types;
	size_t ntypes, types_cap;
	/* PyTuple_Type, looked up once (rh_py_tuple_gc_untracks) */
	uint64_t tuple_type;
	bool tuple_type_known;
	/* bound for list walks: blocks of 32 bytes the target could hold */
	uint64_t max_objects;
	/* &PyType_Type, to recognise type objects; 0 if not found */
	uint64_t type_type;
	/* bound on a plausible refcount: one per word the target could hold */
	uint64_t max_refcnt;
	/* bytes of memory the target holds: no object can be larger */
	uint64_t core_bytes;
	/** Lowest start of a loaded module: counts below it cannot be module addresses. */
	uint64_t lowest_module;
	/* type addresses checked by rh_py_object_plausible: 1 valid, 2 not */
	struct rh_u64map type_checked;
	/* singletons, looked up on the first repr */
	bool repr_ready;
	uint64_t none_addr, true_addr, false_addr;
	struct rh_problems *problems;
	/* traverse.c's tables, built on the first rh_py_referents() call */
	struct py_traverse *traverse;
	/* layout cache directory (rh_py_options), for the layouts traverse.c
	 * reads later from extension modules' DWARF; NULL for no cache */
	const char *cache_dir;
	/*
	 * obmalloc_glibc.c's answers from libc's DWARF, once read: a snapshot
	 * scans the allocators twice (following references, then native
	 * words), and reading them again took 50 ms without a layout cache.
	 */
	struct rh_layout_value *glibc_layout;
};

#define PYL(rt, name) ((rt)->L[PYL_##name].value)
#define PYL_HAS(rt, name) ((rt)->L[PYL_##name].found)

static inline uint64_t py_get_u64(const unsigned char *b, int64_t off)
{
	uint64_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

static inline uint32_t py_get_u32(const unsigned char *b, int64_t off)
{
	uint32_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

/*
 * The len bytes at addr, read in place or copied (issue 12): a pointer
 * into the mapped core when the whole range lies in directly mapped bytes
 * (rh_target_view), else rh_target_read's copy into buf (room for len
 * bytes), or NULL with its error in *err. Both give the same bytes, and a
 * range the copy would refuse is never viewed, so callers keep one path.
 * The view may be unaligned: read it with py_get_u64().
 */
static inline const unsigned char *py_view(struct rh_target *t, uint64_t addr,
					   size_t len, void *buf,
					   struct rh_error **err)
{
	const unsigned char *p = rh_target_view(t, addr, len);
	*err = NULL;
	if (p)
		return p;
	*err = rh_target_read(t, addr, buf, len);
	return *err ? NULL : buf;
}

/* Whether a field of width bytes at off lies inside a struct of size bytes. */
static inline bool py_field_fits(size_t off, size_t width, size_t size)
{
	return off <= size && width <= size - off;
}

static inline int32_t py_get_i32(const unsigned char *b, int64_t off)
{
	int32_t v;
	memcpy(&v, b + off, sizeof(v));
	return v;
}

/**
 * Runtime address of a symbol of the interpreter's module, or 0 when this
 * version or build lacks it (callers fall back).
 */
uint64_t py_symbol(struct rh_py_runtime *rt, const char *name);

/** The type record for a type address (reads the type on first use). */
const struct py_type *py_type_get(struct rh_py_runtime *rt, uint64_t addr);
/** The type record if already read, else NULL (reads nothing, fills nothing). */
const struct py_type *py_type_known(const struct rh_py_runtime *rt, uint64_t addr);

/**
 * Shallow size of the object at addr as sys.getsizeof() gives it. On a
 * read error the basic size is returned and a problem recorded.
 */
uint64_t py_object_size(struct rh_py_runtime *rt, const struct py_type *tp,
			uint64_t addr);

/**
 * py_object_size() for a candidate that may not be an object at all (an
 * allocator block): records no problem, and sets *bad_ret (when not NULL)
 * if a field could not be read or the size exceeds the target's memory.
 * Either way the size returned is bounded by the target's memory.
 */
/*
 * Prefetch what py_object_size() will read of the object at addr beyond
 * its header, where that is another block: a dict's keys. Called a few
 * objects ahead of the size, once the object's own line has arrived.
 */
void py_object_size_prefetch(struct rh_py_runtime *rt, const struct py_type *tp,
			     uint64_t addr);
uint64_t py_object_size_checked(struct rh_py_runtime *rt, const struct py_type *tp,
				uint64_t addr, bool *bad_ret);

/**
 * The bytes an object occupies in its own allocation, pre-header
 * included: basic size plus inline items (a tuple's items, an int's
 * digits, a compact str's characters), not what it allocates apart (a
 * list's item array, a dict's keys). *bad_ret is set when a field is
 * unreadable or impossible for the type (a list longer than its
 * allocation, a negative dict length, a str kind that does not exist).
 */
uint64_t py_object_inline_size(struct rh_py_runtime *rt, const struct py_type *tp,
			       uint64_t addr, bool *bad_ret);

struct py_traverse;
/** Free traverse.c's tables (accepts NULL). */
void py_traverse_destroy(struct py_traverse *tv);

#endif /* RH_CPYTHON_PY_INTERNAL_H */
