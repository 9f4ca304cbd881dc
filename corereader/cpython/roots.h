/*
 * Roots: what holds the heap from outside it.
 *
 *  - the interpreter's own state: sys.modules (and one MODULE root per
 *    entry), sys.__dict__, builtins, the import machinery, interned
 *    strings, gc.garbage and gc.callbacks, the per-interpreter dict, codec
 *    registries, warnings state, fork and audit hooks, atexit callbacks
 *    (3.10+), the dicts of static builtin types (3.12+);
 *  - every thread's state (thread dict, context, raised and handled
 *    exceptions, profile/trace objects) and its Python frames, innermost
 *    first, with function, file and line and the names of the locals that
 *    hold objects (3.11+ thread-owned interpreter frames are not GC
 *    objects, so their locals are roots; up to 3.10 frames are, and their
 *    locals are reported too, for the labels);
 *  - C static variables of libpython, the executable and every other
 *    loaded module: their writable data scanned for words pointing to heap
 *    objects, each named by the nearest symbol. Static type objects found
 *    there are reported as roots themselves (their tp_dict, tp_mro... are
 *    their referents); `_PyRuntime` is not scanned (the interpreter roots
 *    name what it holds); free lists and caches of borrowed pointers are
 *    left out (roots.c says which and why);
 *  - native thread stacks, scanned conservatively from the stack pointer in
 *    NT_PRSTATUS / ptrace registers (less the red zone) to the end of the
 *    stack mapping, and the general registers; on them, the AST arena of
 *    code run from source (pyrun_file's PyArena, recognised by its shape),
 *    whose a_objects list is an exact root. No object is accepted inside
 *    a thread's stack mapping.
 *
 * Labels (UTF-8 "›" separates steps):
 *   "sys.modules", "os" (a MODULE root: the module name),
 *   "thread 4242 › handle() app.py:42 › local 'req'",
 *   "thread 4242 › handle() app.py:42 › cell 'x'" / "free 'x'" /
 *     "value stack [3]" / "frame globals",
 *   "static PyList_Type in libpython3.11.so.1.0",
 *   "static slotdefs+0xa0 in libpython3.11.so.1.0",
 *   "stack of thread 4242 at 0x7ffc... (sp+32), frame of _Py_read()" (the
 *     function whose return address lies nearest below the word),
 *   "stack of thread 4242 at 0x7ffc... (red zone, 16 bytes below the stack
 *     pointer)", "register rbx of thread 4242",
 *   "thread 4242 › AST arena 0x... of the code run from source
 *     (pyrun_file) › a_objects".
 * Roots of a sub-interpreter are prefixed "interpreter N ".
 */
#ifndef RH_CPYTHON_ROOTS_H
#define RH_CPYTHON_ROOTS_H

#include <stdbool.h>
#include <stdint.h>

struct rh_error;
struct rh_problems;
struct rh_py_runtime;

enum rh_py_root_kind {
	RH_ROOT_INTERPRETER,  /* a field of PyInterpreterState / _PyRuntime */
	RH_ROOT_MODULE,       /* an entry of sys.modules: name = module name */
	RH_ROOT_THREAD,       /* a frame local / frame field of a Python thread */
	RH_ROOT_INTERNED,     /* the interned-strings table */
	RH_ROOT_STATIC,       /* a C static variable (scanned) */
	RH_ROOT_STACK,        /* a word on a native thread stack (conservative) */
};

struct rh_py_root {
	uint64_t addr;             /* the object held */
	enum rh_py_root_kind kind;
	/**
	 * Human label (see the top of this file), NUL-terminated, at most 511
	 * bytes, valid only during the callback. Names read from the target
	 * (functions, files, locals, modules) are copied as UTF-8 bytes, not
	 * escaped: the report layer escapes them.
	 */
	const char *name;
	/**
	 * Where the reference sits: the slot's address; 0 for a register. A
	 * static object reported as a root itself (a static type) has
	 * where == addr.
	 */
	uint64_t where;
	/**
	 * Native thread id for THREAD and STACK roots (0 when it cannot be
	 * told), else 0.
	 */
	int64_t thread;
	/**
	 * True for conservative roots: STACK and STATIC ones, and frame
	 * value-stack slots whose liveness is not recorded (the executing
	 * frame's, and 3.8-3.10 frames'), kept because they hold a plausible
	 * object.
	 */
	bool conservative;
	/**
	 * The slot is outside every object and owns one count of the
	 * object's refcount: interpreter and thread-state fields, atexit
	 * entries, 3.11+ interpreter frames' strong fields and locals
	 * (Include/internal/pycore_frame.h: f_globals and f_builtins are
	 * borrowed), names in the type attribute cache, and a C static's
	 * pointer to a heap object (found by a scan, so conservative too,
	 * but by CPython's convention a static keeping an object owns a
	 * reference). False for MODULE roots (sys.modules' own entries), for
	 * slots inside a 3.8-3.10 frame object or a generator's exception
	 * state (already references of those objects), and for the other
	 * conservative roots (native stacks, the rest of an interpreter
	 * state).
	 */
	bool owned;
	/**
	 * A root that repeats what a stronger one holds: a frame's globals
	 * and builtins (the module and the builtins module hold them too);
	 * or a native stack word that is often a stale copy (the red zone,
	 * the eval loop's own C frame): it names a candidate holder but is
	 * no evidence of one for the refcount audit. Retention paths prefer
	 * other roots.
	 */
	bool secondary;
};

/** Return non-zero to stop. */
typedef int rh_py_root_fn(void *arg, const struct rh_py_root *root);

/** What to leave out (all false: everything). */
struct rh_py_roots_options {
	/** No conservative scan of the modules' static data. */
	bool skip_static;
	/** No conservative scan of native stacks and registers. */
	bool skip_stacks;
};

/** Figures of one walk, for tests and --verbose output. */
struct rh_py_roots_stats {
	/** Roots reported, per enum rh_py_root_kind. */
	uint64_t count[RH_ROOT_STACK + 1];
	/** Python frames walked (shim and incomplete frames not counted). */
	uint64_t frames;
	/** Frame slots (locals, cells, frees, value stack) reported. */
	uint64_t frame_slots;
	/** 3.11-3.13 frames whose live stack depth came from their bytecode. */
	uint64_t frames_bytecode_depth;
	/** 3.11-3.13 value-stack slots past where the current instruction
	 *  can take the stack: stale, not scanned. */
	uint64_t stack_slots_stale;
	/** 3.11-3.13 innermost frames whose stack below their current
	 *  instruction's inputs came from their bytecode. */
	uint64_t frames_bytecode_floor;
	/** Static data scanned: modules, bytes, wall time. */
	uint64_t static_modules;
	uint64_t static_bytes;
	double static_seconds;
	/** Native stacks scanned: threads, bytes, wall time. */
	uint64_t stacks;
	uint64_t stack_bytes;
	double stack_seconds;
};

/**
 * Report the roots of every interpreter. Unreadable parts (a torn frame
 * chain, an unreadable stack) become problems; walks of frame chains are
 * bounded and cycle-checked.
 *
 * Errors: RH_ERR_NO_MEMORY only.
 */
struct rh_error *rh_py_roots_for_each(struct rh_py_runtime *rt,
				      struct rh_problems *problems,
				      rh_py_root_fn *fn, void *arg);

/**
 * rh_py_roots_for_each() with options (NULL: everything) and figures
 * (stats_ret may be NULL; it is written even when fn stops the walk).
 *
 * Order: interpreter roots (per interpreter: its fields, sys.modules
 * entries, the interned dict), then thread roots (per thread: its state's
 * fields, then its frames innermost first), then static data (module by
 * module), then native stacks and registers (thread by thread).
 *
 * Errors: RH_ERR_NO_MEMORY only.
 */
struct rh_error *rh_py_roots_walk(struct rh_py_runtime *rt,
				  const struct rh_py_roots_options *opts,
				  struct rh_problems *problems,
				  rh_py_root_fn *fn, void *arg,
				  struct rh_py_roots_stats *stats_ret);

#endif /* RH_CPYTHON_ROOTS_H */
