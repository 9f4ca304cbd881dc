/*
 * Roots: what holds the heap from outside it.
 *
 *  - the interpreter's own state: sys.modules, sys.__dict__, builtins, the
 *    import machinery, interned strings, gc.garbage and gc.callbacks, the
 *    per-interpreter dict, codec registries...;
 *  - every thread's Python frames, innermost first, with function, file,
 *    line and the names of the locals that hold objects (3.11+ thread-owned
 *    interpreter frames are not GC objects, so their locals are roots);
 *  - C static variables of libpython and of extension modules: their
 *    writable data scanned for words pointing to objects, each named by the
 *    nearest symbol;
 *  - native thread stacks, scanned conservatively from the stack pointer in
 *    NT_PRSTATUS / ptrace registers to the end of the stack mapping.
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
	 * Human label, valid only during the callback, e.g.
	 * "sys.modules", "thread 4242 (MainThread) › handle() app.py:42 › local 'req'",
	 * "static _PyRuntime+0x1a8 in libpython3.11.so.1.0",
	 * "stack of thread 4242 at 0x7ffc...".
	 */
	const char *name;
	/** Where the reference sits: the slot's address (0 if none). */
	uint64_t where;
	/** Native thread id for THREAD and STACK roots, else 0. */
	int64_t thread;
	/** True for conservative roots (STACK, and STATIC words). */
	bool conservative;
};

/** Return non-zero to stop. */
typedef int rh_py_root_fn(void *arg, const struct rh_py_root *root);

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

#endif /* RH_CPYTHON_ROOTS_H */
