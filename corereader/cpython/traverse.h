/*
 * Referents of an object, computed out of process: for every type the
 * interpreter knows, the references its tp_traverse visits, in the same
 * order, so that the traversed references of an object equal
 * gc.get_referents(obj) of that CPython version.
 *
 * Each reference also says how to name it (a field, an index, a dict key,
 * an attribute, a slot, a frame local), so a path can be labelled later
 * without storing labels for every edge.
 *
 * References the object owns but its tp_traverse does not visit (str keys
 * of dicts in 3.11+ unicode tables, code object constants, a heap type's
 * ht_name...) are reported with traversed == false: they are invisible to
 * the cyclic GC but keep objects alive, and the snapshot needs them to find
 * untracked objects. Weak references (a weakref's wr_object,
 * tp_subclasses, weakref lists) are reported as RH_REF_WEAK and never count
 * for reachability.
 *
 * For a type refheap does not know (a C extension's), the object's memory
 * (tp_basicsize + items) is scanned for words that point to plausible
 * objects: those references are RH_REF_CONSERVATIVE. One reference of such
 * an object is known all the same: since 3.9 the C API requires the
 * tp_traverse of a heap type to visit the type, so for an unknown heap
 * type the type is reported, traversed, before the scan. Likewise a module
 * whose C definition has an m_traverse refheap does not know gets its state
 * scanned (RH_REF_CONSERVATIVE, name "md_state") and its md_dict traversed.
 *
 * Coverage: tests/integration/referents.sh compares the traversed
 * references with gc.get_referents() for every tracked object of a varied
 * heap on CPython 3.8 - 3.13 (pyenv builds and Debian's 3.11), the stdlib's
 * extension types included (read with their module's DWARF);
 * tests/integration/realapps.sh does the same on Sphinx, mypy and Django.
 */
#ifndef RH_CPYTHON_TRAVERSE_H
#define RH_CPYTHON_TRAVERSE_H

#include <stdbool.h>
#include <stdint.h>

struct rh_error;
struct rh_py_runtime;

enum rh_py_ref_kind {
	RH_REF_FIELD,        /* a named C field: `name` ("tp_mro", "f_back", "__dict__");
			      * "md_state": a word of a C module's state, `index`
			      * its byte offset (an m_traverse refheap mirrors) */
	RH_REF_ITEM,         /* item `index` of a tuple, list, deque, set (table slot
			      * order); name "value stack" for a frame's stack */
	RH_REF_DICT_KEY,     /* the key of dict entry number `index` (name "od node":
			      * an OrderedDict's node list, `index` in list order) */
	RH_REF_DICT_VALUE,   /* a dict value; `key` is its key object */
	RH_REF_ATTRIBUTE,    /* an instance attribute; `key` is the name (a str object) */
	RH_REF_SLOT,         /* a __slots__ member; `name` is its name (NUL-terminated, see below) */
	RH_REF_LOCAL,        /* slot `index` of a frame's locals/cells/frees; `key` is its name (str) or 0 */
	RH_REF_TYPE,         /* the object's own (heap) type */
	RH_REF_WEAK,         /* a weak reference (never traversed, never keeps alive) */
	RH_REF_CONSERVATIVE, /* word at byte offset `index` of an object of unknown
			      * type (name NULL, or "base" for the part of a class
			      * instance its unknown C base owns), or of the state
			      * of a C module whose m_traverse is unknown (name
			      * "md_state"); never traversed */
};

struct rh_py_ref {
	uint64_t addr;             /* the referent (PyObject *), never 0 */
	enum rh_py_ref_kind kind;
	/** Visited by the type's tp_traverse (part of gc.get_referents()). */
	bool traversed;
	/**
	 * For FIELD: a static string. For SLOT: the member name, valid only
	 * during the callback (copy it if needed). Else NULL.
	 */
	const char *name;
	uint64_t index;
	uint64_t key;
};

/** Return non-zero to stop. */
typedef int rh_py_ref_fn(void *arg, const struct rh_py_ref *ref);

/**
 * Report the references of the object at `obj` whose type is `type`
 * (its ob_type, already read by the caller). Traversed references come in
 * tp_traverse order; owned and weak ones may be interleaved.
 *
 * Errors: RH_ERR_FAULT / RH_ERR_BAD_DATA when the object's own memory is
 * unreadable or inconsistent (the references reported before the error
 * stand); RH_ERR_NO_MEMORY. Every count read from the target is bounded by
 * what the target could hold before it drives a loop.
 */
struct rh_error *rh_py_referents(struct rh_py_runtime *rt, uint64_t obj,
				 uint64_t type, rh_py_ref_fn *fn, void *arg);

/** How rh_py_referents() reads the objects of a type. */
enum rh_py_traverse_kind {
	RH_PY_TRAVERSE_NONE,         /* no tp_traverse (nothing to visit) */
	RH_PY_TRAVERSE_INTERPRETER,  /* a mirrored tp_traverse of the interpreter's module */
	RH_PY_TRAVERSE_EXTENSION,    /* a mirrored tp_traverse of an extension module,
				      * read with that module's DWARF layouts */
	RH_PY_TRAVERSE_UNKNOWN,      /* unknown (or unreadable): a conservative scan */
};

/** Classify `type` (a type object address); UNKNOWN on any error. */
enum rh_py_traverse_kind rh_py_traverse_kind(struct rh_py_runtime *rt, uint64_t type);

#endif /* RH_CPYTHON_TRAVERSE_H */
