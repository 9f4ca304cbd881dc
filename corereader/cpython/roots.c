/*
 * Roots: what holds the heap from outside it (see roots.h for the model).
 *
 * Start at rh_py_roots_walk(). Four sources, each a section below:
 *
 *  1. Interpreter state, per PyInterpreterState (Include/internal/
 *     pycore_interp.h): sys.modules (one MODULE root per entry), sys and
 *     builtins dicts, import machinery, codec registries, warnings state,
 *     fork hooks, audit hooks, gc.garbage / gc.callbacks, atexit callbacks
 *     (3.10+), the per-interpreter dicts of static builtin types (3.12+),
 *     the names in the type attribute cache (static 3.8-3.9), and the
 *     interned-strings dict: the `interned` static of
 *     Objects/unicodeobject.c up to 3.11, interp->cached_objects.
 *     interned_strings from 3.12. Which fields exist is asked of DWARF
 *     (layouts_roots.h), never derived from the version number.
 *
 *  2. Threads: each PyThreadState's own fields, its handled-exception
 *     chain, and its Python frames, innermost first:
 *       3.8-3.10  tstate->frame -> PyFrameObject, f_back
 *       3.11-3.12 tstate->cframe->current_frame -> _PyInterpreterFrame,
 *                 previous
 *       3.13      tstate->current_frame -> _PyInterpreterFrame, previous
 *     Shim frames (owner FRAME_OWNED_BY_CSTACK, 3.12+) are skipped; an
 *     incomplete frame (_PyFrame_IsIncomplete(), Include/internal/
 *     pycore_frame.h 3.11+) is not reported as a frame, but the objects in
 *     its slots are (labelled "incomplete frame"). Every frame gives roots
 *     for its function, code, globals, builtins, locals mapping, frame
 *     object, each local/cell/free slot that holds an object (named from
 *     co_varnames/co_cellvars/co_freevars, or co_localsplusnames 3.11+),
 *     and its value stack. The line of each frame is computed from the code
 *     object's line table as PyFrame_GetLineNumber() would.
 *
 *  3. Static data: the writable PT_LOAD data of every loaded module
 *     (libpython, the executable, extension modules, other libraries) is
 *     scanned word by word. A word is a root when it points to a plausible
 *     object outside any module's static data (rh_py_object_plausible():
 *     readable header, live refcount, type chain reaching PyType_Type).
 *     Such a word is a C static's PyObject pointer, which by CPython's
 *     convention owns a reference: the root counts in the refcount audit.
 *     Not scanned word by word:
 *       - `_PyRuntime`: the interpreter roots above name what it holds,
 *         and in 3.11+ it embeds the main interpreter and the static
 *         singletons (hundreds of KiB of words that would only repeat
 *         those roots without names);
 *       - static type objects (a header whose ob_type is PyType_Type or
 *         another metatype, e.g. PyList_Type, or an extension's static
 *         type): the type itself is reported as one root instead
 *         ("static PyList_Type in libpython3.11.so.1.0"), since what its
 *         words point to (tp_dict, tp_mro, tp_bases, tp_subclasses...) are
 *         its referents, which the snapshot reaches through the type with
 *         proper edge labels. Up to 3.11 a static type's tp_dict is held
 *         only there;
 *       - deep-frozen code objects (3.11+): the specializing
 *         interpreter's inline caches in their bytecode hold borrowed
 *         pointers;
 *       - statics known to hold no references (free lists under any
 *         name, the type attribute cache, read exactly instead; see
 *         not_references[]).
 *     Pointers to other static objects (None, small ints, static strings)
 *     are not roots: those objects are not in the heap.
 *
 *  4. Native stacks: for every thread with registers, the words from the
 *     stack pointer (less the 128-byte red zone of the x86-64 SysV ABI) to
 *     the end of the memory segment holding it (at most 8 MiB), and the
 *     general registers, with the same filter as static data.
 *
 * Every chain in target memory (frames, exception states) is bounded and
 * cycle-checked; anything unreadable becomes a problem saying how far the
 * walk got, and the walk goes on with the next thing.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cpython/py_internal.h"
#include "cpython/pyread.h"
#include "cpython/roots.h"
#include "cpython/runtime.h"
#include "cpython/stackdepth.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"
#include "util/u64map.h"

/* Bounds on walks; real programs stay far below them. */
#define MAX_FRAMES 10000          /* per thread */
#define MAX_EXC_CHAIN 1000        /* handled-exception states per thread */
#define MAX_SLOTS (1 << 20)       /* locals + cells + frees of one code object */
#define MAX_STACKSIZE (1 << 20)   /* co_stacksize */
#define MAX_LINETABLE (1 << 20)   /* bytes of a line table we read */
#define MAX_ATEXIT 100000         /* atexit callbacks */
#define MAX_STATIC_RANGE (256u << 20)
#define STACK_SCAN_MAX (8u << 20)
#define RED_ZONE 128              /* x86-64 SysV ABI */
#define ARENAS_MAX 16             /* AST arenas reported, at most */
#define PAGE 4096u
#define LABEL_MAX 512
#define NAME_MAX_ 160             /* function, module and local names */
#define FILE_MAX 256              /* co_filename */

/* Include/object.h: set on `type` and its subclasses (metatypes). */
#define PY_TPFLAGS_TYPE_SUBCLASS (1UL << 31)

/* co_localspluskinds bits, Include/internal/pycore_code.h (3.11+). */
#define CO_FAST_CELL 0x40
#define CO_FAST_FREE 0x80

struct range {
	uint64_t start, end;
};

struct roots_ctx {
	struct rh_py_runtime *rt;
	struct rh_target *t;
	struct rh_problems *problems;
	rh_py_root_fn *fn;
	void *arg;
	bool stopped;
	struct rh_error *err;          /* RH_ERR_NO_MEMORY, ends the walk */
	struct rh_py_roots_stats stats;
	char label[LABEL_MAX];
	/* "" or "interpreter N " for sub-interpreters */
	char ipfx[48];
	/*
	 * Set while reporting slots that are not counted references of
	 * their own: inside a 3.8-3.10 frame object or a generator's
	 * exception state (edges of those objects), or borrowed (3.11+
	 * f_globals, f_builtins). See rh_py_root.owned.
	 */
	bool not_owned;
	/*
	 * Set while reporting words that own a count although found by a
	 * scan or in static data: a C static's PyObject pointer (CPython's
	 * convention: a static that keeps an object keeps a reference), an
	 * object's own static storage (its initial count).
	 */
	bool force_owned;
	bool secondary;    /* see rh_py_root.secondary */

	/* AST arenas already reported (ast_arena_at) */
	uint64_t arenas[ARENAS_MAX];
	size_t narenas;
	/* &PyList_Type; 0 when not found (no arena is looked for) */
	uint64_t list_type;
	/* &PyCode_Type, &PyFrame_Type; 0 when not found (checks skipped) */
	uint64_t code_type;
	uint64_t frame_type;
	/* &_Py_NoneStruct, 0 if not found */
	uint64_t none;
	/* &PyTuple_Type, 0 if not found (CALL_FUNCTION_EX's arguments) */
	uint64_t tuple_type;
	/* 3.11-3.13 stack depths from bytecode: scratch, code bytes */
	struct rh_py_stackdepth_scratch sd;
	uint8_t *codebuf;
	size_t codecap;

	/* The filter of conservative words (stacks, static data). */
	struct range *wsegs;           /* writable target segments, sorted */
	size_t nwsegs;
	struct range *statics;         /* modules' writable data, sorted */
	size_t nstatics;
	struct rh_u64map verdict;      /* value -> 1 object / 2 not */
	struct rh_u64map metatype;     /* type -> 1 metatype / 2 not */
};

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

static void emit(struct roots_ctx *c, enum rh_py_root_kind kind, uint64_t addr,
		 uint64_t where, int64_t thread, bool conservative,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Report one root; the label is formatted into c->label (bounded). */
static void emit(struct roots_ctx *c, enum rh_py_root_kind kind, uint64_t addr,
		 uint64_t where, int64_t thread, bool conservative,
		 const char *fmt, ...)
{
	if (c->stopped || !addr)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->label, sizeof(c->label), fmt, ap);
	va_end(ap);
	struct rh_py_root r = {
		.addr = addr,
		.kind = kind,
		.name = c->label,
		.where = where,
		.thread = thread,
		.conservative = conservative,
		.owned = c->force_owned ||
			 (!conservative && !c->not_owned && kind != RH_ROOT_MODULE &&
			  kind != RH_ROOT_STATIC && kind != RH_ROOT_STACK),
		.secondary = c->secondary,
	};
	c->stats.count[kind]++;
	if (c->fn(c->arg, &r))
		c->stopped = true;
}

static uint64_t read_span(struct roots_ctx *c, uint64_t start, uint64_t end,
			  uint64_t *buf, uint64_t *first_bad);

/* snprintf for labels, where cutting a long name short is the intent. */
static void bprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static bool has(const struct rh_py_runtime *rt, enum rh_py_layout_index i)
{
	return rt->L[i].found;
}

static int64_t off(const struct rh_py_runtime *rt, enum rh_py_layout_index i)
{
	return rt->L[i].value;
}

/* Read a pointer field; false (and a problem naming `what`) if unreadable. */
static bool read_word(struct roots_ctx *c, uint64_t addr, uint64_t *ret,
		      const char *what)
{
	struct rh_error *err = rh_target_read_u64(c->t, addr, ret);
	if (err) {
		rh_problems_add_error(c->problems, err, "reading %s", what);
		return false;
	}
	return true;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* ------------------------------------------------------------------ */
/* 1. Interpreter state                                                */

struct field {
	enum rh_py_layout_index idx;
	const char *label;
};

/*
 * Object fields of PyInterpreterState. Pairs name one field as two
 * versions spell it; exactly one of each pair resolves.
 */
static const struct field interp_fields[] = {
	{ PYL_IS_SYSDICT, "sys.__dict__" },
	{ PYL_RIS_BUILTINS, "builtins.__dict__" },
	{ PYL_RIS_MODULES_BY_INDEX, "modules_by_index" },
	{ PYL_RIS_IMP_MODULES_BY_INDEX, "modules_by_index" },
	{ PYL_RIS_IMPORTLIB, "importlib" },
	{ PYL_RIS_IMP_IMPORTLIB, "importlib" },
	{ PYL_RIS_IMPORT_FUNC, "builtins.__import__" },
	{ PYL_RIS_IMP_IMPORT_FUNC, "builtins.__import__" },
	{ PYL_RIS_DICT, "interpreter dict" },
	{ PYL_RIS_SYSDICT_COPY, "sys.__dict__ copy" },
	{ PYL_RIS_BUILTINS_COPY, "builtins.__dict__ copy" },
	{ PYL_RIS_CODEC_SEARCH_PATH, "codec search path" },
	{ PYL_RIS_CODECS_SEARCH_PATH, "codec search path" },
	{ PYL_RIS_CODEC_SEARCH_CACHE, "codec search cache" },
	{ PYL_RIS_CODECS_SEARCH_CACHE, "codec search cache" },
	{ PYL_RIS_CODEC_ERROR_REGISTRY, "codec error registry" },
	{ PYL_RIS_CODECS_ERROR_REGISTRY, "codec error registry" },
	{ PYL_RIS_BEFORE_FORKERS, "os.register_at_fork before" },
	{ PYL_RIS_AFTER_FORKERS_PARENT, "os.register_at_fork after_in_parent" },
	{ PYL_RIS_AFTER_FORKERS_CHILD, "os.register_at_fork after_in_child" },
	{ PYL_RIS_WARN_FILTERS, "warnings.filters" },
	{ PYL_RIS_WARN_ONCE, "warnings._onceregistry" },
	{ PYL_RIS_WARN_DEFAULT, "warnings._defaultaction" },
	{ PYL_RIS_AUDIT_HOOKS, "sys.addaudithook hooks" },
	{ PYL_RIS_PYEXITMODULE, "atexit module" },
	{ PYL_RIS_ERRNOMAP, "OSError errno map" },
	// 3.12+ (Include/internal/pycore_interp.h): owned, Py_CLEAR'd by
	// _Py_clear_generic_types() (Objects/typevarobject.c), finalize_
	// interp_clear() and Python-ast.c. Not objreduce or type_slots_pname,
	// which are borrowed (Objects/typeobject.c 3.12).
	{ PYL_RIS_CO_STR_REPLACE_INF, "cached str_replace_inf" },
	{ PYL_RIS_CO_GENERIC, "cached typing.Generic" },
	{ PYL_RIS_CO_TYPEVAR, "cached typing.TypeVar" },
	{ PYL_RIS_CO_TYPEVARTUPLE, "cached typing.TypeVarTuple" },
	{ PYL_RIS_CO_PARAMSPEC, "cached typing.ParamSpec" },
	{ PYL_RIS_CO_PARAMSPECARGS, "cached typing.ParamSpecArgs" },
	{ PYL_RIS_CO_PARAMSPECKWARGS, "cached typing.ParamSpecKwargs" },
	{ PYL_RIS_TRAMPOLINE, "interpreter trampoline code" }, // 3.12
	// 3.14+: typing's _ConstEvaluator type, Py_CLEAR'd with the others
	// (Objects/typevarobject.c _Py_clear_generic_types); 3.15+: the
	// __dict__ and __weakref__ getset descriptors every class shares,
	// owned by the cache until _PyTypes_FiniCachedDescriptors().
	{ PYL_RIS_CO_CONSTEVALUATOR, "cached typing._ConstEvaluator" },
	{ PYL_RIS_CO_DICT_DESCR, "cached __dict__ descriptor" },
	{ PYL_RIS_CO_WEAKREF_DESCR, "cached __weakref__ descriptor" },
	// 3.13+: the heap exception type of cross-interpreter data, created
	// per interpreter and Py_CLEAR'd at its end (Python/crossinterp.c
	// 3.13, crossinterp_exceptions.h 3.14: the other two are static).
	{ PYL_RIS_XI_NOTSHAREABLE_313, "interpreters.NotShareableError" },
	{ PYL_RIS_XI_NOTSHAREABLE, "interpreters.NotShareableError" },
	// 3.15+ lazy imports (PEP 810, Python/import.c): the lazy __import__,
	// the filter set by sys.set_lazy_imports_filter(), and the dicts of
	// lazily imported modules and of their pending submodules, all owned
	// by the import state.
	{ PYL_RIS_IMP_LAZY_IMPORT_FUNC, "lazy __import__" },
	{ PYL_RIS_IMP_LAZY_FILTER, "lazy imports filter" },
	{ PYL_RIS_IMP_LAZY_MODULES, "lazy modules" },
	{ PYL_RIS_IMP_LAZY_PENDING, "lazy pending submodules" },
	// 3.10 (Include/internal/pycore_interp.h): cached singletons, each
	// Py_INCREF'd into its slot (Objects/bytesobject.c, unicodeobject.c).
	{ PYL_RIS_BYTES_EMPTY, "cached b''" },
	{ PYL_RIS_UNICODE_EMPTY, "cached ''" },
};

/*
 * Arrays of owned object pointers in PyInterpreterState: the small ints
 * (3.9-3.10, Objects/longobject.c _PyLong_Init), the one-byte bytes and
 * the Latin-1 one-character strings (3.10, filled on first use with a
 * reference of their own). From 3.11 these are static objects.
 */
static const struct {
	enum rh_py_layout_index at, count;
	const char *label;
} interp_arrays[] = {
	{ PYL_RIS_SMALL_INTS, PYL_RIS_NSMALL_INTS, "small ints" },
	{ PYL_RIS_BYTES_CHARS, PYL_RIS_NBYTES_CHARS, "cached one-byte bytes" },
	{ PYL_RIS_UNICODE_LATIN1, PYL_RIS_NUNICODE_LATIN1, "cached Latin-1 characters" },
};

static void interp_array_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct rh_py_runtime *rt = c->rt;
	for (size_t i = 0; i < sizeof(interp_arrays) / sizeof(interp_arrays[0]); i++) {
		if (!has(rt, interp_arrays[i].at) || !has(rt, interp_arrays[i].count))
			continue;
		int64_t n = off(rt, interp_arrays[i].count);
		uint64_t at = in->addr + (uint64_t)off(rt, interp_arrays[i].at), w[1024], bad = 0;
		if (n <= 0 || n > 1024)
			continue;
		if (read_span(c, at, at + 8 * (uint64_t)n, w, &bad))
			rh_problems_add(c->problems, "%s%s at 0x%" PRIx64 ": unreadable from 0x%" PRIx64,
					c->ipfx, interp_arrays[i].label, at, bad);
		for (int64_t k = 0; k < n && !c->stopped && !c->err; k++)
			if (w[k])
				emit(c, RH_ROOT_INTERPRETER, w[k], at + 8 * (uint64_t)k, 0, false,
				     "%s%s[%" PRId64 "]", c->ipfx, interp_arrays[i].label, k);
	}
}

static void interp_field(struct roots_ctx *c, uint64_t base,
			 enum rh_py_layout_index idx, enum rh_py_root_kind kind,
			 const char *label)
{
	if (!has(c->rt, idx))
		return;
	uint64_t addr = base + (uint64_t)off(c->rt, idx), v;
	char what[96];
	snprintf(what, sizeof(what), "%s%s", c->ipfx, label);
	if (read_word(c, addr, &v, what))
		emit(c, kind, v, addr, 0, false, "%s%s", c->ipfx, label);
}

struct module_ctx {
	struct roots_ctx *c;
	size_t n;
};

static int module_entry(void *arg, uint64_t key, uint64_t value, uint64_t slot)
{
	struct module_ctx *m = arg;
	struct roots_ctx *c = m->c;
	char name[NAME_MAX_];
	struct rh_error *err = py_read_str(c->rt, key, name, sizeof(name), NULL, NULL);
	if (err) {
		rh_problems_add_error(c->problems, err,
				      "%ssys.modules: key 0x%" PRIx64 " of entry %zu",
				      c->ipfx, key, m->n);
		snprintf(name, sizeof(name), "<key 0x%" PRIx64 ">", key);
	}
	m->n++;
	emit(c, RH_ROOT_MODULE, value, slot, 0, false, "%s%s", c->ipfx, name);
	return c->stopped;
}

static void modules_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct rh_py_runtime *rt = c->rt;
	enum rh_py_layout_index idx = has(rt, PYL_RIS_MODULES) ? PYL_RIS_MODULES
							       : PYL_RIS_IMP_MODULES;
	if (!has(rt, idx)) {
		rh_problems_add(c->problems, "no sys.modules field in PyInterpreterState (DWARF)");
		return;
	}
	uint64_t slot = in->addr + (uint64_t)off(rt, idx), dict;
	if (!read_word(c, slot, &dict, "sys.modules") || !dict)
		return;
	emit(c, RH_ROOT_INTERPRETER, dict, slot, 0, false, "%ssys.modules", c->ipfx);
	struct module_ctx m = { .c = c };
	struct rh_error *err = py_dict_for_each(rt, dict, module_entry, &m);
	if (err)
		rh_problems_add_error(c->problems, err,
				      "%ssys.modules at 0x%" PRIx64 ": read %zu entries",
				      c->ipfx, dict, m.n);
}

/* The interned-strings dict: 3.12+ per interpreter, else a libpython static. */
static void interned_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct rh_py_runtime *rt = c->rt;
	if (has(rt, PYL_RIS_INTERNED)) {
		interp_field(c, in->addr, PYL_RIS_INTERNED, RH_ROOT_INTERNED,
			     "interned strings");
		return;
	}
	if (!in->main)
		return; // one static for the process, reported once
	uint64_t addr, dict;
	// "interned.lto_priv.0" in LTO builds (Debian); the image finds it
	// by its C name.
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    "interned", &addr, NULL);
	if (err) {
		rh_problems_add_error(c->problems, err,
				      "finding the interned-strings dict (static `interned` of Objects/unicodeobject.c)");
		return;
	}
	if (read_word(c, addr, &dict, "the static `interned`"))
		emit(c, RH_ROOT_INTERNED, dict, addr, 0, false, "interned strings");
}

static void gc_roots(struct roots_ctx *c, const struct rh_py_interp *in,
		     bool first)
{
	// 3.8 keeps one GC state for the runtime: report it once.
	if (in->gc.runtime_wide && !first)
		return;
	if (!in->gc.addr)
		return;
	uint64_t slot = in->gc.addr + (uint64_t)PYL(c->rt, GCS_GARBAGE), v;
	if (read_word(c, slot, &v, "gc.garbage"))
		emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false, "%sgc.garbage", c->ipfx);
	if (has(c->rt, PYL_RGCS_CALLBACKS)) {
		slot = in->gc.addr + (uint64_t)PYL(c->rt, RGCS_CALLBACKS);
		if (read_word(c, slot, &v, "gc.callbacks"))
			emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false, "%sgc.callbacks", c->ipfx);
	}
}

/*
 * atexit.register() callbacks, 3.10-3.13: interp->atexit.callbacks is an array
 * of ncallbacks pointers (NULL once unregistered) to {func, args, kwargs}
 * (atexit_callback 3.10-3.11, atexit_py_callback 3.12+; Modules/
 * atexitmodule.c). Up to 3.9 they live in the atexit module's state, which
 * the module object (reported as "atexit module") holds.
 */
static void atexit_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct rh_py_runtime *rt = c->rt;
	enum rh_py_layout_index f, a, k;
	// 3.14+: interp->atexit.callbacks is one list of (func, args, kwargs)
	// tuples, and the count and the atexit_py_callback struct are gone
	// (Include/internal/pycore_interp_structs.h, Modules/atexitmodule.c
	// 3.14 atexit_register: PyList_Insert(state->callbacks, 0, ...)). The
	// list is an object: one exact reference, its items are its referents.
	if (has(rt, PYL_RIS_ATEXIT_CALLBACKS) && !has(rt, PYL_RIS_ATEXIT_NCALLBACKS) &&
	    !has(rt, PYL_RATEXIT_PY_FUNC) && !has(rt, PYL_RATEXIT_ARGS)) {
		uint64_t slot = in->addr + (uint64_t)off(rt, PYL_RIS_ATEXIT_CALLBACKS), v;
		if (read_word(c, slot, &v, "the atexit callbacks list"))
			emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false, "%satexit callbacks", c->ipfx);
		return;
	}
	if (has(rt, PYL_RATEXIT_PY_FUNC)) {
		f = PYL_RATEXIT_PY_FUNC, a = PYL_RATEXIT_PY_ARGS, k = PYL_RATEXIT_PY_KWARGS;
	} else if (has(rt, PYL_RATEXIT_ARGS)) {
		f = PYL_RATEXIT_FUNC, a = PYL_RATEXIT_ARGS, k = PYL_RATEXIT_KWARGS;
	} else {
		return;
	}
	if (!has(rt, PYL_RIS_ATEXIT_CALLBACKS) || !has(rt, PYL_RIS_ATEXIT_NCALLBACKS) ||
	    !has(rt, f) || !has(rt, a) || !has(rt, k))
		return;
	uint64_t arr;
	uint32_t n;
	struct rh_error *err;
	if (!read_word(c, in->addr + (uint64_t)off(rt, PYL_RIS_ATEXIT_CALLBACKS), &arr,
		       "the atexit callbacks"))
		return;
	if ((err = rh_target_read_u32(c->t, in->addr + (uint64_t)off(rt, PYL_RIS_ATEXIT_NCALLBACKS), &n))) {
		rh_problems_add_error(c->problems, err, "reading the number of atexit callbacks");
		return;
	}
	if (!arr || (int32_t)n <= 0)
		return;
	if (n > MAX_ATEXIT) {
		rh_problems_add(c->problems, "%s%" PRIu32 " atexit callbacks: reading the first %d",
				c->ipfx, n, MAX_ATEXIT);
		n = MAX_ATEXIT;
	}
	for (uint32_t i = 0; i < n && !c->stopped; i++) {
		uint64_t cb;
		if ((err = rh_target_read_u64(c->t, arr + 8ULL * i, &cb))) {
			rh_problems_add_error(c->problems, err,
					      "atexit callbacks at 0x%" PRIx64 ": read %" PRIu32 " of %" PRIu32,
					      arr, i, n);
			return;
		}
		if (!cb)
			continue;
		static const char *const what[] = { "function", "args", "kwargs" };
		enum rh_py_layout_index idx[] = { f, a, k };
		for (int j = 0; j < 3; j++) {
			uint64_t slot = cb + (uint64_t)off(rt, idx[j]), v;
			if (read_word(c, slot, &v, "an atexit callback"))
				emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false,
				     "%satexit callback %" PRIu32 " %s", c->ipfx, i, what[j]);
		}
	}
}

/*
 * Dicts and subclass lists of static builtin types, 3.12+: kept per
 * interpreter in interp->types (static_builtin_state 3.12,
 * managed_static_type_state 3.13; Objects/typeobject.c
 * _PyStaticType_GetState()), not in the type object.
 */
static void static_type_table(struct roots_ctx *c, const struct rh_py_interp *in,
			      enum rh_py_layout_index arr_i, enum rh_py_layout_index cap_i,
			      enum rh_py_layout_index num_i, bool managed)
{
	struct rh_py_runtime *rt = c->rt;
	enum rh_py_layout_index sz = managed ? PYL_RSZ_MSTSTATE : PYL_RSZ_SBSTATE;
	enum rh_py_layout_index ty = managed ? PYL_RMSTS_TYPE : PYL_RSBS_TYPE;
	enum rh_py_layout_index di = managed ? PYL_RMSTS_DICT : PYL_RSBS_DICT;
	enum rh_py_layout_index su = managed ? PYL_RMSTS_SUBCLASSES : PYL_RSBS_SUBCLASSES;
	if (!has(rt, arr_i) || !has(rt, cap_i) || !has(rt, num_i) || !has(rt, sz) ||
	    !has(rt, ty) || !has(rt, di) || !has(rt, su))
		return;
	uint64_t num;
	if (!read_word(c, in->addr + (uint64_t)off(rt, num_i), &num,
		       "the number of static types initialized"))
		return;
	if (num > (uint64_t)off(rt, cap_i)) {
		rh_problems_add(c->problems, "%s%" PRIu64 " static types initialized, room for %" PRId64
				": reading %" PRId64, c->ipfx, num, off(rt, cap_i), off(rt, cap_i));
		num = (uint64_t)off(rt, cap_i);
	}
	uint64_t base = in->addr + (uint64_t)off(rt, arr_i);
	for (uint64_t i = 0; i < num && !c->stopped; i++) {
		uint64_t e = base + i * (uint64_t)off(rt, sz), type, v;
		if (!read_word(c, e + (uint64_t)off(rt, ty), &type, "a static type state"))
			return;
		const char *name = type ? rh_py_type_name(rt, type) : "?";
		uint64_t slot = e + (uint64_t)off(rt, di);
		if (read_word(c, slot, &v, "a static type's dict"))
			emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false,
			     "%sstatic type %s tp_dict", c->ipfx, name);
		slot = e + (uint64_t)off(rt, su);
		if (read_word(c, slot, &v, "a static type's subclasses"))
			emit(c, RH_ROOT_INTERPRETER, v, slot, 0, false,
			     "%sstatic type %s tp_subclasses", c->ipfx, name);
	}
}

static void interp_roots(struct roots_ctx *c, const struct rh_py_interp *in,
			 bool first)
{
	if (in->main)
		c->ipfx[0] = '\0';
	else
		snprintf(c->ipfx, sizeof(c->ipfx), "interpreter %" PRId64 " ", in->id);
	modules_roots(c, in);
	for (size_t i = 0; i < sizeof(interp_fields) / sizeof(interp_fields[0]); i++)
		interp_field(c, in->addr, interp_fields[i].idx, RH_ROOT_INTERPRETER,
			     interp_fields[i].label);
	interp_array_roots(c, in);
	gc_roots(c, in, first);
	atexit_roots(c, in);
	static_type_table(c, in, PYL_RIS_TYPES_BUILTINS, PYL_RIS_TYPES_NBUILTINS,
			  PYL_RIS_TYPES_NUM_BUILTINS, false);
	static_type_table(c, in, PYL_RIS_TYPES_BUILTINS_INIT, PYL_RIS_TYPES_BUILTINS_NINIT,
			  PYL_RIS_TYPES_BUILTINS_NUM, true);
	static_type_table(c, in, PYL_RIS_TYPES_EXT_INIT, PYL_RIS_TYPES_EXT_NINIT,
			  PYL_RIS_TYPES_EXT_NUM, true);
	interned_roots(c, in);
	c->ipfx[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* 2. Threads and frames                                               */

/* What a frame needs from its code object. */
struct code_info {
	uint64_t addr;
	int64_t nlocals;        /* <=3.10: slots named by co_varnames */
	int64_t nslots;         /* locals + cells + frees */
	int64_t stacksize;
	int64_t firstlineno;
	int64_t firsttraceable; /* 3.11+, code units */
	/* <=3.10 name tuples: items and lengths */
	uint64_t var_items, cell_items, free_items;
	uint64_t nvar, ncell, nfree;
	/* 3.11+ co_localsplusnames items, co_localspluskinds bytes */
	uint64_t lp_items, nlp;
	uint64_t kinds, nkinds;
	uint64_t filename, name, qualname, linetable;
	uint64_t exctable;      /* 3.11+ co_exceptiontable, 0 if none */
};

static struct rh_error *read_tuple_or_empty(struct roots_ctx *c, uint64_t t,
					    uint64_t *items, uint64_t *n)
{
	*items = 0;
	*n = 0;
	if (!t)
		return NULL;
	return py_read_tuple_span(c->rt, t, items, n);
}

/*
 * Read what the frame walk needs of a code object (Include/cpython/code.h).
 * Errors: FAULT, BAD_DATA (not a code object, implausible counts).
 */
static struct rh_error *read_code(struct roots_ctx *c, uint64_t addr,
				  struct code_info *ci)
{
	struct rh_py_runtime *rt = c->rt;
	unsigned char b[512];
	int64_t size = off(rt, PYL_RSZ_CODE);
	if (!has(rt, PYL_RSZ_CODE) || size < 32 || size > (int64_t)sizeof(b))
		return RH_BAD_DATA(addr, "implausible PyCodeObject size in DWARF");
	struct rh_error *err = rh_target_read(c->t, addr, b, (size_t)size);
	if (err)
		return err;
	if (c->code_type && py_get_u64(b, PYL(rt, OB_TYPE)) != c->code_type)
		return RH_BAD_DATA(addr, "0x%" PRIx64 " is not a code object (type 0x%" PRIx64 ")",
				   addr, py_get_u64(b, PYL(rt, OB_TYPE)));
	memset(ci, 0, sizeof(*ci));
	ci->addr = addr;
#define GET_I32(i) (has(rt, i) && off(rt, i) + 4 <= size ? py_get_i32(b, off(rt, i)) : -1)
#define GET_PTR(i) (has(rt, i) && off(rt, i) + 8 <= size ? py_get_u64(b, off(rt, i)) : 0)
	ci->stacksize = GET_I32(PYL_RCO_STACKSIZE);
	ci->firstlineno = GET_I32(PYL_RCO_FIRSTLINENO);
	ci->firsttraceable = GET_I32(PYL_RCO_FIRSTTRACEABLE);
	ci->filename = GET_PTR(PYL_RCO_FILENAME);
	ci->name = GET_PTR(PYL_RCO_NAME);
	ci->qualname = GET_PTR(PYL_RCO_QUALNAME);
	ci->linetable = has(rt, PYL_RCO_LNOTAB) ? GET_PTR(PYL_RCO_LNOTAB)
						 : GET_PTR(PYL_RCO_LINETABLE);
	ci->exctable = GET_PTR(PYL_RCO_EXCEPTIONTABLE);
	if (ci->stacksize < 0 || ci->stacksize > MAX_STACKSIZE)
		return RH_BAD_DATA(addr, "code object 0x%" PRIx64 " has co_stacksize %" PRId64,
				   addr, ci->stacksize);
	if (has(rt, PYL_RCO_LOCALSPLUSNAMES)) {
		// 3.11+: one array of names and one of kinds
		ci->nslots = GET_I32(PYL_RCO_NLOCALSPLUS);
		if ((err = read_tuple_or_empty(c, GET_PTR(PYL_RCO_LOCALSPLUSNAMES),
					       &ci->lp_items, &ci->nlp)))
			return err;
		uint64_t kinds = GET_PTR(PYL_RCO_LOCALSPLUSKINDS);
		if (kinds && (err = py_read_bytes_span(rt, kinds, &ci->kinds, &ci->nkinds)))
			return err;
	} else {
		// <=3.10: co_nlocals locals, then cells, then frees
		// (Objects/frameobject.c _PyFrame_New_NoTrack)
		ci->nlocals = GET_I32(PYL_RCO_NLOCALS);
		if ((err = read_tuple_or_empty(c, GET_PTR(PYL_RCO_VARNAMES), &ci->var_items, &ci->nvar)) ||
		    (err = read_tuple_or_empty(c, GET_PTR(PYL_RCO_CELLVARS), &ci->cell_items, &ci->ncell)) ||
		    (err = read_tuple_or_empty(c, GET_PTR(PYL_RCO_FREEVARS), &ci->free_items, &ci->nfree)))
			return err;
		ci->nslots = ci->nlocals + (int64_t)ci->ncell + (int64_t)ci->nfree;
	}
#undef GET_I32
#undef GET_PTR
	if (ci->nslots < 0 || ci->nslots > MAX_SLOTS || ci->nlocals > MAX_SLOTS)
		return RH_BAD_DATA(addr, "code object 0x%" PRIx64 " has %" PRId64 " local slots",
				   addr, ci->nslots);
	return NULL;
}

/* Name and kind ("local", "cell", "free") of slot i; "?" if unknown. */
static const char *slot_name(struct roots_ctx *c, const struct code_info *ci,
			     int64_t i, char *buf, size_t len)
{
	uint64_t items = 0, j = 0, n = 0;
	const char *kind = "local";
	if (ci->lp_items || ci->nlp) {
		items = ci->lp_items;
		n = ci->nlp;
		j = (uint64_t)i;
		if ((uint64_t)i < ci->nkinds) {
			unsigned char k;
			struct rh_error *err = rh_target_read(c->t, ci->kinds + (uint64_t)i, &k, 1);
			if (err)
				rh_error_destroy(err); // the name still says what it is
			else if (k & CO_FAST_FREE)
				kind = "free";
			else if (k & CO_FAST_CELL)
				kind = "cell";
		}
	} else if (i < ci->nlocals) {
		items = ci->var_items, n = ci->nvar, j = (uint64_t)i;
	} else if ((uint64_t)(i - ci->nlocals) < ci->ncell) {
		items = ci->cell_items, n = ci->ncell, j = (uint64_t)(i - ci->nlocals);
		kind = "cell";
	} else {
		items = ci->free_items, n = ci->nfree;
		j = (uint64_t)(i - ci->nlocals) - ci->ncell;
		kind = "free";
	}
	snprintf(buf, len, "?");
	uint64_t s;
	struct rh_error *err;
	if (items && j < n) {
		if ((err = rh_target_read_u64(c->t, items + 8 * j, &s)) ||
		    (err = py_read_str(c->rt, s, buf, len, NULL, NULL))) {
			rh_problems_add_error(c->problems, err,
					      "name of local slot %" PRId64 " of code 0x%" PRIx64,
					      i, ci->addr);
			snprintf(buf, len, "?");
		}
	}
	return kind;
}

/* ---- line numbers ---- */

/* <=3.9: PyCode_Addr2Line() on co_lnotab (Objects/lnotab_notes.txt 3.8). */
static int line_lnotab(const unsigned char *p, size_t len, int line, int64_t addrq)
{
	int64_t addr = 0;
	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += p[i];
		if (addr > addrq)
			break;
		line += (signed char)p[i + 1];
	}
	return line;
}

/*
 * 3.10: co_linetable pairs (start delta, line delta; -128 = no line),
 * _PyCode_CheckLineNumber() of Objects/codeobject.c 3.10: the line of the
 * first non-empty range ending past addrq.
 */
static int line_linetable310(const unsigned char *p, size_t len, int line,
			     int64_t addrq)
{
	if (addrq < 0)
		return line;
	int64_t end = 0;
	int computed = line;
	for (size_t i = 0; i + 1 < len; i += 2) {
		int64_t start = end;
		end += p[i];
		int ar_line;
		if ((signed char)p[i + 1] == -128) {
			ar_line = -1;
		} else {
			computed += (signed char)p[i + 1];
			ar_line = computed;
		}
		if (end > start && end > addrq)
			return ar_line;
	}
	return -1;
}

/* Objects/codeobject.c 3.11+ scan_varint / scan_signed_varint. */
static unsigned scan_varint(const unsigned char *p, size_t len, size_t *i)
{
	unsigned val = 0, shift = 0;
	while (*i < len) {
		unsigned char b = p[(*i)++];
		if (shift < 32)
			val |= (unsigned)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return val;
}

static int scan_signed_varint(const unsigned char *p, size_t len, size_t *i)
{
	unsigned u = scan_varint(p, len, i);
	return (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
}

/*
 * 3.11+: the location table (Objects/locations.md). Each entry starts with
 * a byte 1cccclll: code c, length l+1 code units; codes 13 and 14 carry a
 * signed varint line delta, 10-12 a delta of c-10, 15 means no location.
 * Mirrors advance() / _PyCode_CheckLineNumber() of Objects/codeobject.c:
 * addrq is a byte offset (code units * 2).
 */
static int line_locations(const unsigned char *p, size_t len, int line,
			  int64_t addrq)
{
	if (addrq < 0)
		return line;
	int64_t end = 0;
	int computed = line;
	size_t i = 0;
	// Invariant: i is at the first byte of an entry (bit 7 set) or len.
	while (i < len) {
		unsigned char first = p[i];
		if (!(first & 128))
			return -1; // not at an entry: a corrupt table
		int code = (first >> 3) & 15;
		size_t j = i + 1;
		int delta = 0;
		switch (code) {
		case 15: // no location
			break;
		case 13: // no columns
		case 14: // long form
			delta = scan_signed_varint(p, len, &j);
			break;
		case 10:
		case 11:
		case 12: // one line, delta code - 10
			delta = code - 10;
			break;
		default: // short forms: same line
			break;
		}
		computed += delta;
		int ar_line = code == 15 ? -1 : computed;
		int64_t start = end;
		end += ((first & 7) + 1) * 2;
		// the next entry starts at the next byte with bit 7 set
		for (i++; i < len && !(p[i] & 128); i++)
			;
		if (end > start && end > addrq)
			return ar_line;
	}
	return -1;
}

/*
 * The line PyFrame_GetLineNumber() would give. `addrq` is the byte offset
 * of the last (<=3.12) or current (3.13) instruction as the version's
 * PyCode_Addr2Line() takes it. -1 when unknown.
 */
static int frame_line(struct roots_ctx *c, const struct code_info *ci, int64_t addrq)
{
	struct rh_py_runtime *rt = c->rt;
	if (!ci->linetable || ci->firstlineno < 0)
		return -1;
	uint64_t data, len;
	struct rh_error *err = py_read_bytes_span(rt, ci->linetable, &data, &len);
	if (!err && len > MAX_LINETABLE)
		err = RH_BAD_DATA(ci->linetable, "line table of %" PRIu64 " bytes", len);
	unsigned char *p = NULL;
	if (!err && len) {
		p = malloc((size_t)len);
		if (!p) {
			c->err = rh_enomem;
			return -1;
		}
		err = rh_target_read(c->t, data, p, (size_t)len);
	}
	if (err) {
		rh_problems_add_error(c->problems, err, "line table of code 0x%" PRIx64, ci->addr);
		free(p);
		return -1;
	}
	int line;
	if (has(rt, PYL_RCO_LNOTAB))
		line = line_lnotab(p, (size_t)len, (int)ci->firstlineno, addrq);
	else if (has(rt, PYL_RCO_LOCALSPLUSNAMES))
		line = line_locations(p, (size_t)len, (int)ci->firstlineno, addrq);
	else
		line = line_linetable310(p, (size_t)len, (int)ci->firstlineno, addrq);
	free(p);
	return line;
}

/* ---- frames ---- */

/* One frame, version-free. */
struct frame {
	uint64_t addr;          /* PyFrameObject (<=3.10) or _PyInterpreterFrame */
	uint64_t code;
	uint64_t func, globals, builtins, locals, frame_obj, trace;
	uint64_t func_slot, code_slot, globals_slot, builtins_slot, locals_slot,
		 frame_obj_slot, trace_slot;
	uint64_t slots;         /* &localsplus[0] */
	uint64_t stack;         /* value stack base */
	int64_t stack_exact;    /* entries known live, -1 if unknown */
	int64_t tuple_slot;     /* below stack_exact, live only if a tuple; -1 */
	int64_t stack_reach;    /* entries from here on are stale; -1 if unknown */
	bool func_borrowed;     /* 3.14+ f_funcobj is a borrowed _PyStackRef */
	bool code_borrowed;     /* 3.14+ f_executable likewise */
	int64_t addrq;          /* instruction byte offset for the line */
	int64_t lineno;         /* f_lineno of a traced frame, else 0 */
	bool incomplete;
	bool is_object;         /* addr is a PyFrameObject (<=3.10) */
};

struct thread_ctx {
	int64_t tid;            /* native id, 0 if unknown */
	char name[96];          /* "thread 4242" */
	bool detached;          /* 3.13+ tstate->state is _Py_THREAD_DETACHED */
};

/*
 * One varint of an exception table (Python/ceval.c parse_varint, 3.11+):
 * 6 bits a byte, most significant first, bit 6 set on every byte but the
 * last; bit 7 marks the first byte of an entry. At most 5 bytes (30 bits).
 */
static bool exc_varint(const unsigned char *b, size_t n, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;
	for (int k = 0; k < 5 && *i < n; k++) {
		unsigned char x = b[(*i)++];
		v = (v << 6) | (x & 63);
		if (!(x & 64)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

#define EXCTABLE_MAX 16384

/*
 * How deep an executing frame's value stack is known to be live, from its
 * code's exception table (3.11+, format in Objects/exception_handling_notes.txt;
 * Python/ceval.c get_exception_handler looks the current instruction up
 * the same way). Entries are flattened and do not overlap; the one
 * covering the current instruction gives the stack depth its handler
 * unwinds to: CPython pops down to that depth, never below
 * (exception_unwind asserts STACK_LEVEL() >= level), so the entries below
 * it are on the stack throughout the protected range, each owning its
 * reference: a `for` loop's iterator around a `try`, a `with`'s __exit__.
 * 3.11+ record no depth while a frame runs (stacktop -1; 3.14+ NULL
 * stackpointer), so this is the part of the stack known exactly; -1 when
 * no entry covers the instruction or the table cannot be read.
 */
static int64_t handler_depth(struct roots_ctx *c, const struct code_info *ci,
			     const struct frame *f)
{
	uint64_t data, n;
	unsigned char b[EXCTABLE_MAX];
	if (!ci->exctable || f->addrq < 0 || (f->addrq & 1) || f->incomplete)
		return -1;
	struct rh_error *err = py_read_bytes_span(c->rt, ci->exctable, &data, &n);
	if (err) {
		rh_error_destroy(err); // a code object's table: only no depth
		return -1;
	}
	if (!n || n > EXCTABLE_MAX || !rh_target_peek(c->t, data, b, (size_t)n))
		return -1;
	uint64_t index = (uint64_t)f->addrq / 2;   /* code units */
	size_t i = 0;
	while (i < n) {
		uint64_t start, size, target, depth_lasti;
		if (!(b[i] & 128) || !exc_varint(b, n, &i, &start) || start > index ||
		    !exc_varint(b, n, &i, &size))
			return -1;
		if (start + size > index) {
			if (!exc_varint(b, n, &i, &target) || !exc_varint(b, n, &i, &depth_lasti))
				return -1;
			int64_t d = (int64_t)(depth_lasti >> 1);
			return d <= ci->stacksize ? d : -1;
		}
		while (i < n && !(b[i] & 128))
			i++;
	}
	return -1;
}

/*
 * 3.11-3.13: the value stack of a frame from its bytecode (stackdepth.h).
 * Sets f->stack_reach, the depth its current instruction can take the
 * stack to: the words above are left over from earlier instructions. When
 * `live`, the frame is in a call its current instruction makes: sets
 * f->stack_exact (and f->tuple_slot), how much of the stack is live, and
 * returns true. Otherwise (the innermost frame, anywhere in its
 * instruction) sets f->stack_exact to the entries below the instruction's
 * inputs, which it does not touch, where known. False when the code
 * cannot be read or the instruction is not one whose inputs are known
 * (then the caller falls back to handler_depth()).
 */
static bool bytecode_depth(struct roots_ctx *c, const struct code_info *ci,
			   struct frame *f, bool live)
{
	struct rh_py_runtime *rt = c->rt;
	if (f->addrq < 0 || (f->addrq & 1) || f->incomplete || !has(rt, PYL_RCO_CODE_ADAPTIVE) ||
	    !has(rt, PYL_OB_SIZE))
		return false;
	// Py_SIZE(code) is its number of code units (_PyCode_NBYTES, 3.11+)
	uint64_t units;
	if (!rh_target_peek_u64(c->t, ci->addr + (uint64_t)off(rt, PYL_OB_SIZE), &units) ||
	    !units || units > RH_PY_STACKDEPTH_MAX_UNITS)
		return false;
	size_t len = (size_t)units * 2;
	if (len > c->codecap) {
		uint8_t *b = realloc(c->codebuf, len);
		if (!b) {
			c->err = rh_enomem;
			return false;
		}
		c->codebuf = b;
		c->codecap = len;
	}
	if (!rh_target_peek(c->t, ci->addr + (uint64_t)off(rt, PYL_RCO_CODE_ADAPTIVE),
			    c->codebuf, len))
		return false;
	unsigned char exc[EXCTABLE_MAX];
	uint64_t data = 0, n = 0;
	if (ci->exctable) {
		struct rh_error *err = py_read_bytes_span(rt, ci->exctable, &data, &n);
		if (err) {
			rh_error_destroy(err); // a code object's table: only no depth
			return false;
		}
		if (n > EXCTABLE_MAX || (n && !rh_target_peek(c->t, data, exc, (size_t)n)))
			return false;
	}
	struct rh_py_stack_live l;
	int r = rh_py_stackdepth(rt->info.version_hex, c->codebuf, len, exc, (size_t)n,
				 ci->stacksize, (uint64_t)f->addrq / 2, &c->sd, &l);
	if (r == -2)
		c->err = rh_enomem;
	if (r)
		return false;
	f->stack_reach = l.reach;
	if (!live) {
		// what a `for` loop iterates over, outside the call its body
		// is in: live, the thread stopped in that call or in the eval
		// breaker after it (a files script's outer list_iterator was
		// "unaccounted" on Debian's 3.11 and trixie's 3.13)
		if (l.floor < 0 || f->stack_exact >= 0)
			return false; // unknown, or a recorded depth already
		c->stats.frames_bytecode_floor++;
		f->stack_exact = l.floor;
		return true;
	}
	if (l.live < 0)
		return false;
	c->stats.frames_bytecode_depth++;
	f->stack_exact = l.live;
	f->tuple_slot = l.tuple_slot;
	return true;
}

/* Report the slots of a frame: locals, cells, frees, then the value stack. */
static void frame_slots(struct roots_ctx *c, const struct thread_ctx *th,
			const struct frame *f, const struct code_info *ci,
			const char *fpfx)
{
	uint64_t buf[256];
	char name[NAME_MAX_];
	int64_t n = ci->nslots;
	for (int64_t i0 = 0; i0 < n && !c->stopped; i0 += 256) {
		size_t k = (size_t)(n - i0 < 256 ? n - i0 : 256);
		struct rh_error *err = rh_target_read(c->t, f->slots + 8 * (uint64_t)i0,
						      buf, k * 8);
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "%s: local slots at 0x%" PRIx64 ", read %" PRId64 " of %" PRId64,
					      fpfx, f->slots, i0, n);
			return;
		}
		for (size_t j = 0; j < k && !c->stopped; j++) {
			bool borrowed, not_owned = c->not_owned;
			uint64_t o = f->is_object ? buf[j] : py_stackref(c->rt, buf[j], &borrowed);
			if (!o)
				continue;
			int64_t i = i0 + (int64_t)j;
			const char *kind = slot_name(c, ci, i, name, sizeof(name));
			c->stats.frame_slots++;
			// a borrowed _PyStackRef owns no count (3.14+)
			c->not_owned = not_owned || (!f->is_object && borrowed);
			emit(c, RH_ROOT_THREAD, o, f->slots + 8 * (uint64_t)i, th->tid,
			     false, "%s › %s '%s'", fpfx, kind, name);
			c->not_owned = not_owned;
		}
	}
	// The value stack: entries below a known depth are live; past it (or
	// all of it when the depth is not recorded, as for an executing
	// frame) words are kept only if they are plausible objects, up to
	// where the current instruction can take the stack, when known.
	int64_t cap = ci->stacksize;
	if (f->stack_reach >= 0 && f->stack_reach < cap) {
		c->stats.stack_slots_stale += (uint64_t)(cap - f->stack_reach);
		cap = f->stack_reach;
	}
	for (int64_t i0 = 0; i0 < cap && !c->stopped; i0 += 256) {
		size_t k = (size_t)(cap - i0 < 256 ? cap - i0 : 256);
		struct rh_error *err = rh_target_read(c->t, f->stack + 8 * (uint64_t)i0,
						      buf, k * 8);
		if (err) {
			rh_problems_add_error(c->problems, err,
					      "%s: value stack at 0x%" PRIx64 ", read %" PRId64 " of %" PRId64,
					      fpfx, f->stack, i0, cap);
			return;
		}
		for (size_t j = 0; j < k && !c->stopped; j++) {
			int64_t i = i0 + (int64_t)j;
			bool exact = f->stack_exact >= 0 && i < f->stack_exact;
			bool borrowed, not_owned = c->not_owned;
			uint64_t o = f->is_object ? buf[j] : py_stackref(c->rt, buf[j], &borrowed);
			if (exact && i == f->tuple_slot && o) {
				// CALL_FUNCTION_EX replaced a non-tuple by a tuple
				// in a C local: then this slot is stale
				uint64_t type = 0;
				exact = c->tuple_type &&
					rh_target_peek_u64(c->t, o + (uint64_t)PYL(c->rt, OB_TYPE), &type) &&
					type == c->tuple_type;
			}
			if (!o || (!exact && !rh_py_object_plausible(c->rt, o)))
				continue;
			c->stats.frame_slots++;
			c->not_owned = not_owned || (!f->is_object && borrowed);
			emit(c, RH_ROOT_THREAD, o, f->stack + 8 * (uint64_t)i, th->tid,
			     !exact, "%s › value stack [%" PRId64 "]", fpfx, i);
			c->not_owned = not_owned;
		}
	}
}

/*
 * Report one frame: its fields, then its slots. ci is its code object, or
 * NULL when that could not be read (the slots are then unknown).
 */
static void frame_roots(struct roots_ctx *c, const struct thread_ctx *th,
			const struct frame *f, const struct code_info *ci)
{
	char fpfx[LABEL_MAX];
	char fname[NAME_MAX_], file[FILE_MAX];
	struct rh_error *err;
	if (!ci) {
		bprintf(fpfx, sizeof(fpfx), "%s › <frame 0x%" PRIx64 ">", th->name, f->addr);
		goto fields;
	}
	uint64_t nm = ci->qualname ? ci->qualname : ci->name;
	if (!nm) {
		snprintf(fname, sizeof(fname), "?");
	} else if ((err = py_read_str(c->rt, nm, fname, sizeof(fname), NULL, NULL))) {
		rh_problems_add_error(c->problems, err, "name of code 0x%" PRIx64, ci->addr);
		snprintf(fname, sizeof(fname), "?");
	}
	if (!ci->filename) {
		snprintf(file, sizeof(file), "?");
	} else if ((err = py_read_str(c->rt, ci->filename, file, sizeof(file), NULL, NULL))) {
		rh_problems_add_error(c->problems, err, "file name of code 0x%" PRIx64, ci->addr);
		snprintf(file, sizeof(file), "?");
	}
	if (f->incomplete) {
		bprintf(fpfx, sizeof(fpfx), "%s › %s() %s (incomplete frame)",
			 th->name, fname, file);
	} else {
		int64_t line = f->lineno > 0 ? f->lineno : frame_line(c, ci, f->addrq);
		if (line >= 0)
			bprintf(fpfx, sizeof(fpfx), "%s › %s() %s:%" PRId64,
				 th->name, fname, file, line);
		else
			bprintf(fpfx, sizeof(fpfx), "%s › %s() %s", th->name, fname, file);
		c->stats.frames++;
	}
fields:
	// A 3.8-3.10 frame object is held by its caller's C code (the
	// evaluation loop's local), which no heap edge shows: that root owns
	// a count. Its fields and slots are its own edges.
	emit(c, RH_ROOT_THREAD, f->is_object ? f->addr : f->frame_obj, f->frame_obj_slot,
	     th->tid, false, "%s › frame object", fpfx);
	c->not_owned = f->is_object || f->func_borrowed;
	emit(c, RH_ROOT_THREAD, f->func, f->func_slot, th->tid, false,
	     "%s › frame function", fpfx);
	c->not_owned = f->is_object || f->code_borrowed;
	emit(c, RH_ROOT_THREAD, f->code, f->code_slot, th->tid, false,
	     "%s › frame code", fpfx);
	c->not_owned = true;  // borrowed in 3.11+ _PyInterpreterFrame too
	c->secondary = true;
	emit(c, RH_ROOT_THREAD, f->globals, f->globals_slot, th->tid, false,
	     "%s › frame globals", fpfx);
	emit(c, RH_ROOT_THREAD, f->builtins, f->builtins_slot, th->tid, false,
	     "%s › frame builtins", fpfx);
	c->secondary = false;
	c->not_owned = f->is_object;
	// A module-level frame's locals are its globals (the module's dict).
	c->secondary = f->locals == f->globals;
	emit(c, RH_ROOT_THREAD, f->locals, f->locals_slot, th->tid, false,
	     "%s › frame locals", fpfx);
	c->secondary = false;
	emit(c, RH_ROOT_THREAD, f->trace, f->trace_slot, th->tid, false,
	     "%s › frame trace function", fpfx);
	if (ci)
		frame_slots(c, th, f, ci, fpfx);
	c->not_owned = false;
}

/*
 * 3.8-3.10: PyFrameObject chain from tstate->frame through f_back
 * (Include/cpython/frameobject.h). The value stack starts at f_valuestack;
 * its depth is f_stacktop (3.8/3.9, NULL while the frame executes) or
 * f_stackdepth (3.10, -1 while it executes).
 */
static bool read_frame_object(struct roots_ctx *c, uint64_t addr, struct frame *f,
			      uint64_t *next_ret)
{
	struct rh_py_runtime *rt = c->rt;
	unsigned char b[1024];
	int64_t size = off(rt, PYL_RSZ_FRAME);
	if (size < 64 || size > (int64_t)sizeof(b) || !has(rt, PYL_RFR_LOCALSPLUS) ||
	    !has(rt, PYL_RFR_CODE) || !has(rt, PYL_RFR_BACK) ||
	    !has(rt, PYL_RFR_VALUESTACK) || !has(rt, PYL_RFR_LASTI)) {
		rh_problems_add(c->problems, "PyFrameObject layout incomplete in DWARF: no frames");
		return false;
	}
	// f_localsplus is the last member: read up to it.
	size_t n = (size_t)off(rt, PYL_RFR_LOCALSPLUS);
	if (n > sizeof(b))
		n = sizeof(b);
	struct rh_error *err = rh_target_read(c->t, addr, b, n);
	if (err) {
		rh_problems_add_error(c->problems, err, "frame 0x%" PRIx64, addr);
		return false;
	}
	if (c->frame_type && py_get_u64(b, PYL(rt, OB_TYPE)) != c->frame_type) {
		rh_problems_add(c->problems, "0x%" PRIx64 " in a frame chain is not a frame object",
				addr);
		return false;
	}
#define FLD(i) (has(rt, i) && off(rt, i) + 8 <= (int64_t)n ? py_get_u64(b, off(rt, i)) : 0)
#define I32(i) (has(rt, i) && off(rt, i) + 4 <= (int64_t)n ? py_get_i32(b, off(rt, i)) : -1)
#define SLOT(i) (has(rt, i) ? addr + (uint64_t)off(rt, i) : 0)
	memset(f, 0, sizeof(*f));
	f->tuple_slot = -1;
	f->stack_reach = -1;
	f->addr = addr;
	f->is_object = true;
	f->code = FLD(PYL_RFR_CODE), f->code_slot = SLOT(PYL_RFR_CODE);
	f->globals = FLD(PYL_RFR_GLOBALS), f->globals_slot = SLOT(PYL_RFR_GLOBALS);
	f->builtins = FLD(PYL_RFR_BUILTINS), f->builtins_slot = SLOT(PYL_RFR_BUILTINS);
	f->locals = FLD(PYL_RFR_LOCALS), f->locals_slot = SLOT(PYL_RFR_LOCALS);
	f->trace = FLD(PYL_RFR_TRACE), f->trace_slot = SLOT(PYL_RFR_TRACE);
	f->slots = addr + (uint64_t)off(rt, PYL_RFR_LOCALSPLUS);
	f->stack = FLD(PYL_RFR_VALUESTACK);
	f->stack_exact = -1;
	if (has(rt, PYL_RFR_STACKTOP)) {
		uint64_t top = FLD(PYL_RFR_STACKTOP);
		if (top >= f->stack && (top - f->stack) % 8 == 0 &&
		    (top - f->stack) / 8 <= MAX_STACKSIZE)
			f->stack_exact = (int64_t)((top - f->stack) / 8);
	} else if (has(rt, PYL_RFR_STACKDEPTH)) {
		f->stack_exact = I32(PYL_RFR_STACKDEPTH);
	}
	int32_t lasti = I32(PYL_RFR_LASTI);
	// f_lasti is a byte offset up to 3.9 and an instruction index in
	// 3.10 (bpo-27129), where PyCode_Addr2Line() gets f_lasti * 2.
	f->addrq = has(rt, PYL_RCO_LNOTAB) ? lasti : (int64_t)lasti * 2;
	// f_lineno is current only while tracing (PyFrame_GetLineNumber()).
	if (f->trace && has(rt, PYL_RFR_LINENO))
		f->lineno = I32(PYL_RFR_LINENO);
	*next_ret = FLD(PYL_RFR_BACK);
#undef FLD
#undef I32
#undef SLOT
	if (!f->stack)
		f->stack = f->slots; // no stack recorded: nothing plausible past slots
	return true;
}

/*
 * 3.11+: struct _PyInterpreterFrame (Include/internal/pycore_frame.h).
 * Returns false when the walk must stop; *skip_ret for a shim frame.
 */
static bool read_iframe(struct roots_ctx *c, uint64_t addr, struct frame *f,
			uint64_t *next_ret, bool *skip_ret)
{
	struct rh_py_runtime *rt = c->rt;
	unsigned char b[256];
	*skip_ret = false;
	enum rh_py_layout_index code_i = has(rt, PYL_RIF_CODE) ? PYL_RIF_CODE : PYL_RIF_EXECUTABLE;
	enum rh_py_layout_index func_i = has(rt, PYL_RIF_FUNC) ? PYL_RIF_FUNC : PYL_RIF_FUNCOBJ;
	enum rh_py_layout_index instr_i = has(rt, PYL_RIF_PREV_INSTR) ? PYL_RIF_PREV_INSTR
								      : PYL_RIF_INSTR_PTR;
	// 3.14+ keep a pointer past the last live localsplus entry
	// (stackpointer) where 3.11-3.13 kept their number (stacktop).
	bool sp = has(rt, PYL_RIF_STACKPOINTER);
	enum rh_py_layout_index top_i = sp ? PYL_RIF_STACKPOINTER : PYL_RIF_STACKTOP;
	if (!has(rt, PYL_RIF_LOCALSPLUS) || !has(rt, code_i) || !has(rt, PYL_RIF_PREVIOUS) ||
	    !has(rt, instr_i) || !has(rt, PYL_RIF_OWNER) || !has(rt, top_i) ||
	    !has(rt, PYL_RCO_CODE_ADAPTIVE) || off(rt, PYL_RIF_LOCALSPLUS) > (int64_t)sizeof(b) ||
	    off(rt, PYL_RIF_OWNER) >= off(rt, PYL_RIF_LOCALSPLUS) ||
	    off(rt, top_i) + (sp ? 8 : 4) > off(rt, PYL_RIF_LOCALSPLUS)) {
		rh_problems_add(c->problems,
				"_PyInterpreterFrame layout incomplete in DWARF: no frames");
		return false;
	}
	size_t n = (size_t)off(rt, PYL_RIF_LOCALSPLUS);
	struct rh_error *err = rh_target_read(c->t, addr, b, n);
	if (err) {
		rh_problems_add_error(c->problems, err, "interpreter frame 0x%" PRIx64, addr);
		return false;
	}
#define FLD(i) (has(rt, i) && off(rt, i) + 8 <= (int64_t)n ? py_get_u64(b, off(rt, i)) : 0)
#define SLOT(i) (has(rt, i) ? addr + (uint64_t)off(rt, i) : 0)
	memset(f, 0, sizeof(*f));
	f->tuple_slot = -1;
	f->stack_reach = -1;
	f->addr = addr;
	*next_ret = FLD(PYL_RIF_PREVIOUS);
	int owner = b[off(rt, PYL_RIF_OWNER)];
	// 3.12+: the entry frame of each _PyEval_EvalFrameDefault call is a
	// shim owned by the C stack (Python/ceval.c), not a Python frame.
	// 3.14+: so is a frame owned by the interpreter (the thread's base
	// frame, 3.15's shims): _PyFrame_IsIncomplete() is true for owner
	// >= FRAME_OWNED_BY_INTERPRETER (Include/internal/pycore_interpframe.h).
	if ((has(rt, PYL_ROWNED_BY_CSTACK) && owner == off(rt, PYL_ROWNED_BY_CSTACK)) ||
	    (has(rt, PYL_ROWNED_BY_INTERPRETER) && owner >= off(rt, PYL_ROWNED_BY_INTERPRETER))) {
		*skip_ret = true;
		return true;
	}
	// 3.14+: f_executable and f_funcobj are _PyStackRef (py_stackref)
	f->code = py_stackref(rt, FLD(code_i), &f->code_borrowed), f->code_slot = SLOT(code_i);
	f->func = py_stackref(rt, FLD(func_i), &f->func_borrowed), f->func_slot = SLOT(func_i);
	f->globals = FLD(PYL_RIF_GLOBALS), f->globals_slot = SLOT(PYL_RIF_GLOBALS);
	f->builtins = FLD(PYL_RIF_BUILTINS), f->builtins_slot = SLOT(PYL_RIF_BUILTINS);
	f->locals = FLD(PYL_RIF_LOCALS), f->locals_slot = SLOT(PYL_RIF_LOCALS);
	f->frame_obj = FLD(PYL_RIF_FRAME_OBJ), f->frame_obj_slot = SLOT(PYL_RIF_FRAME_OBJ);
	f->slots = addr + (uint64_t)off(rt, PYL_RIF_LOCALSPLUS);
	uint64_t instr = FLD(instr_i);
	int64_t stacktop;
	if (sp) {
		// _PyFrame_Stackbase() + depth; NULL (or stale) while the
		// frame executes: then no depth is known
		uint64_t p = FLD(top_i);
		stacktop = p >= f->slots && (p - f->slots) % 8 == 0 &&
			   (p - f->slots) / 8 <= MAX_STACKSIZE ? (int64_t)((p - f->slots) / 8) : -1;
	} else {
		stacktop = py_get_i32(b, off(rt, PYL_RIF_STACKTOP));
	}
#undef FLD
#undef SLOT
	// _PyInterpreterFrame_LASTI() * sizeof(_Py_CODEUNIT), in bytes.
	uint64_t code0 = f->code + (uint64_t)off(rt, PYL_RCO_CODE_ADAPTIVE);
	f->addrq = (int64_t)(instr - code0);
	f->stack_exact = stacktop; // checked against the code in frame_iroots
	int64_t firsttraceable = -1;
	if (has(rt, PYL_RCO_FIRSTTRACEABLE)) {
		int32_t v;
		err = rh_target_read(c->t, f->code + (uint64_t)off(rt, PYL_RCO_FIRSTTRACEABLE), &v, 4);
		if (err)
			rh_error_destroy(err); // read_code() reports the code object
		else
			firsttraceable = v;
	}
	// _PyFrame_IsIncomplete(): not a generator's, and its instruction
	// pointer has not reached the first traceable instruction yet.
	bool gen = has(rt, PYL_ROWNED_BY_GENERATOR) && owner == off(rt, PYL_ROWNED_BY_GENERATOR);
	f->incomplete = !gen && firsttraceable >= 0 && f->addrq < firsttraceable * 2;
	// f_lineno of a frame object is current only while tracing.
	if (f->frame_obj && has(rt, PYL_RFR_TRACE) && has(rt, PYL_RFR_LINENO)) {
		uint64_t trace;
		int32_t lineno;
		// peek: a failed read here used to leak its error object
		if (rh_target_peek_u64(c->t, f->frame_obj + (uint64_t)off(rt, PYL_RFR_TRACE), &trace) &&
		    trace &&
		    rh_target_peek(c->t, f->frame_obj + (uint64_t)off(rt, PYL_RFR_LINENO), &lineno, 4))
			f->lineno = lineno;
		// unreadable: the line comes from the instruction pointer
	}
	return true;
}

/*
 * Walk one thread's frames, innermost first, from the frame pointer
 * stored at `slot` (tstate->frame, cframe->current_frame or
 * tstate->current_frame). `objects`: the chain is of PyFrameObjects.
 */
static void frames_roots(struct roots_ctx *c, const struct thread_ctx *th,
			 uint64_t slot, bool objects)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t fa;
	if (!read_word(c, slot, &fa, "a thread's top frame pointer"))
		return;
	struct rh_u64map seen;
	rh_u64map_init(&seen);
	size_t n = 0;
	// 3.11+: whether the frame just visited (the callee of the current
	// one) was pushed by a Python-to-Python call, which saves the
	// caller's stacktop (DISPATCH_INLINED, Python/ceval.c). An executing
	// frame, or one that called into C, has a stale stacktop in 3.11-3.13.
	// 3.14+ (the frame has `stackpointer`): the generated interpreter
	// spills stack_pointer into the frame before every escaping call
	// (_PyFrame_SetStackPointer() ahead of each call that can run other
	// code: Python/generated_cases.c.h, 442 of them in 3.14.4, the eval
	// breaker's _Py_HandlePending() among them) and a release build
	// keeps it after the call (_PyFrame_GetStackPointer() NULLs it only
	// with assertions, Include/internal/pycore_interpframe.h). So a frame
	// that called into C has its depth too, and so has the innermost
	// frame of a thread that let the GIL go (detached: it did so inside
	// such a call). Only the innermost frame of an attached thread may
	// be between two calls, its stackpointer stale: it stays conservative.
	bool spills = has(rt, PYL_RIF_STACKPOINTER);
	bool inlined_callee = spills && th->detached;
	// 3.11-3.13: a frame with a stale stacktop that called into C is
	// inside its current instruction's call, with that instruction's
	// depth from the bytecode (bytecode_depth). Not the innermost frame:
	// it may be mid-instruction, its inputs half dropped, or past its
	// instruction's call with the result pushed and the arguments
	// dropped, at the eval breaker where a thread lets the GIL go
	// (3.11 ceval.c CALL's CHECK_EVAL_BREAKER(), 3.13 bytecodes.c
	// _CHECK_PERIODIC after _CALL, instr_ptr still at the CALL; 3.13
	// spills no stack pointer there, unlike 3.14). Every frame, the
	// innermost too, is somewhere inside its current instruction
	// (prev_instr / instr_ptr is set as each starts), so the stack is no
	// deeper than that instruction takes it: the words above are stale,
	// not even candidates. They are what made a planted leak look held
	// ("main() › value stack [11]" on 3.13, in one suite run here and
	// one in CI): a freed temporary's slot whose block the leaked object
	// reused.
	bool innermost = true;
	while (fa && !c->stopped && !c->err) {
		if (n >= MAX_FRAMES) {
			rh_problems_add(c->problems, "%s: more than %d frames, stopped there",
					th->name, MAX_FRAMES);
			break;
		}
		int r = rh_u64map_insert(&seen, fa, 0, NULL);
		if (r < 0) {
			c->err = rh_enomem;
			break;
		}
		if (r == 0) {
			rh_problems_add(c->problems, "%s: frame chain loops back to 0x%" PRIx64
					" after %zu frames", th->name, fa, n);
			break;
		}
		n++;
		struct frame f;
		uint64_t next = 0;
		bool skip = false;
		bool ok = objects ? read_frame_object(c, fa, &f, &next)
				  : read_iframe(c, fa, &f, &next, &skip);
		if (!ok) {
			rh_problems_add(c->problems, "%s: frame chain cut after %zu frames",
					th->name, n - 1);
			break;
		}
		if (skip) {
			// a shim: the frame before it was called from C (with
			// its stack spilled from 3.14 on)
			inlined_callee = spills;
			fa = next;
			continue;
		}
		struct code_info ci;
		struct rh_error *err = read_code(c, f.code, &ci);
		if (err)
			rh_problems_add_error(c->problems, err, "%s: code object of frame 0x%" PRIx64,
					      th->name, fa);
		if (objects) {
			f.frame_obj_slot = slot;
		} else {
			// stacktop counts localsplus entries, locals included;
			// the value stack follows the co_nlocalsplus slots.
			int64_t depth = f.stack_exact - (err ? 0 : ci.nslots);
			f.stack = f.slots + 8 * (uint64_t)(err ? 0 : ci.nslots);
			f.stack_exact = inlined_callee && !err && depth >= 0 &&
					depth <= ci.stacksize ? depth : -1;
			// the innermost frame's depth, when set, is its floor
			bool floor = !err && !spills &&
				     bytecode_depth(c, &ci, &f, !innermost && f.stack_exact < 0) &&
				     innermost;
			if (!err && (f.stack_exact < 0 || floor)) {
				// both are entries known live: the larger covers more
				int64_t h = handler_depth(c, &ci, &f);
				if (h > f.stack_exact)
					f.stack_exact = h;
			}
			bool is_entry = false;
			if (has(rt, PYL_RIF_IS_ENTRY)) {
				unsigned char e;
				struct rh_error *e_err = rh_target_read(
					c->t, fa + (uint64_t)off(rt, PYL_RIF_IS_ENTRY), &e, 1);
				if (e_err)
					rh_error_destroy(e_err); // read just before: only a stale stack
				else
					is_entry = e != 0;
			}
			// 3.11 marks the first frame of each C-level call
			// is_entry; 3.12+ put a shim before it (skip above).
			inlined_callee = !is_entry || spills;
		}
		innermost = false;
		frame_roots(c, th, &f, err ? NULL : &ci);
		slot = objects ? fa + (uint64_t)off(rt, PYL_RFR_BACK)
			       : fa + (uint64_t)off(rt, PYL_RIF_PREVIOUS);
		fa = next;
	}
	rh_u64map_deinit(&seen);
}

/*
 * The native thread id of a thread state: tstate->native_thread_id (3.11+),
 * else the target thread whose TLS base equals tstate->thread_id (on
 * x86-64 glibc, pthread_self() is the thread pointer, %fs base).
 */
static int64_t native_tid(struct roots_ctx *c, const struct rh_py_thread *th)
{
	if (th->native_thread_id > 0)
		return th->native_thread_id;
	for (size_t i = 0; i < rh_target_thread_count(c->t); i++) {
		const struct rh_thread *t = rh_target_thread(c->t, i);
		if (t->have_regs && t->fs_base && t->fs_base == th->thread_id)
			return t->tid;
	}
	return 0;
}

static const struct field tstate_fields[] = {
	{ PYL_RTS_DICT, "thread dict" },
	{ PYL_RTS_ASYNC_EXC, "pending async exception" },
	{ PYL_RTS_CONTEXT, "contextvars context" },
	{ PYL_RTS_CUREXC_TYPE, "raised exception type" },
	{ PYL_RTS_CUREXC_VALUE, "raised exception" },
	{ PYL_RTS_CUREXC_TRACEBACK, "raised exception traceback" },
	{ PYL_RTS_CURRENT_EXCEPTION, "raised exception" },
	{ PYL_RTS_C_PROFILEOBJ, "profile function" },
	{ PYL_RTS_C_TRACEOBJ, "trace function" },
	{ PYL_RTS_ASYNC_GEN_FIRSTITER, "async generator firstiter hook" },
	{ PYL_RTS_ASYNC_GEN_FINALIZER, "async generator finalizer hook" },
	{ PYL_RTS_THREADING_LOCAL_KEY, "threading.local key" },
	{ PYL_RTS_THREADING_LOCAL_SENTINEL, "threading.local sentinel" },
	// 3.15 (Python/import.c lazy_import_resolve_impl): the set of lazy
	// imports this thread is resolving, made on the first resolution
	// (PySet_New, owned) and kept, emptied, after it.
	{ PYL_RTI_LAZY_IMPORTS, "lazy imports being resolved" },
};

/*
 * Handled exceptions (sys.exc_info()): tstate->exc_info -> _PyErr_StackItem
 * {exc_type, exc_value, exc_traceback (<=3.10) | exc_value (3.11+),
 * previous_item}; items live in the thread state, in generators, or on
 * the C stack.
 */
static void exc_info_roots(struct roots_ctx *c, const struct thread_ctx *th,
			   uint64_t ts)
{
	struct rh_py_runtime *rt = c->rt;
	if (!has(rt, PYL_RTS_EXC_INFO) || !has(rt, PYL_RESI_PREVIOUS) ||
	    !has(rt, PYL_RESI_EXC_VALUE))
		return;
	uint64_t item;
	if (!read_word(c, ts + (uint64_t)off(rt, PYL_RTS_EXC_INFO), &item, "tstate->exc_info"))
		return;
	static const struct field parts[] = {
		{ PYL_RESI_EXC_TYPE, "type" },
		{ PYL_RESI_EXC_VALUE, "value" },
		{ PYL_RESI_EXC_TRACEBACK, "traceback" },
	};
	uint64_t tspan = has(rt, PYL_RSZ_TSTATE) ? (uint64_t)off(rt, PYL_RSZ_TSTATE) : PAGE;
	for (int depth = 0; item && !c->stopped; depth++) {
		if (depth >= MAX_EXC_CHAIN) {
			rh_problems_add(c->problems,
					"%s: more than %d handled-exception states (a loop?), stopped there",
					th->name, MAX_EXC_CHAIN);
			return;
		}
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			if (!has(rt, parts[i].idx))
				continue;
			uint64_t slot = item + (uint64_t)off(rt, parts[i].idx), v;
			if (!read_word(c, slot, &v, "a handled-exception state"))
				return;
			// Py_None marks "no exception" in 3.11+ states.
			if (v == c->none)
				continue;
			// Only the thread state's own item is outside every
			// object; the others are generators' gi_exc_state.
			c->not_owned = !(item >= ts && item - ts < tspan);
			emit(c, RH_ROOT_THREAD, v, slot, th->tid, false,
			     "%s › handled exception [%d] %s", th->name, depth, parts[i].label);
			c->not_owned = false;
		}
		if (!read_word(c, item + (uint64_t)off(rt, PYL_RESI_PREVIOUS), &item,
			       "a handled-exception state"))
			return;
	}
}

static void thread_roots(struct roots_ctx *c, const struct rh_py_thread *pth)
{
	struct rh_py_runtime *rt = c->rt;
	struct thread_ctx th = { .tid = native_tid(c, pth) };
	if (has(rt, PYL_RTS_STATE)) {
		// _Py_THREAD_DETACHED is 0 (Include/internal/pycore_pystate.h
		// 3.13-3.15); unreadable counts as attached (the safe side)
		int32_t st = 1;
		th.detached = rh_target_peek(c->t, pth->addr + (uint64_t)off(rt, PYL_RTS_STATE), &st, 4) &&
			      st == 0;
	}
	if (th.tid)
		bprintf(th.name, sizeof(th.name), "%sthread %" PRId64, c->ipfx, th.tid);
	else
		bprintf(th.name, sizeof(th.name), "%sthread 0x%" PRIx64, c->ipfx, pth->thread_id);
	uint64_t ts = pth->addr;
	for (size_t i = 0; i < sizeof(tstate_fields) / sizeof(tstate_fields[0]); i++) {
		if (!has(rt, tstate_fields[i].idx))
			continue;
		uint64_t slot = ts + (uint64_t)off(rt, tstate_fields[i].idx), v;
		if (read_word(c, slot, &v, tstate_fields[i].label))
			emit(c, RH_ROOT_THREAD, v, slot, th.tid, false, "%s › %s",
			     th.name, tstate_fields[i].label);
	}
	// threading's sentinel lock, 3.8-3.12: _set_sentinel()
	// (Modules/_threadmodule.c) keeps a weak reference to it in
	// tstate->on_delete_data and releases it in release_sentinel(). A
	// void * by type: only a plausible object is taken.
	if (has(rt, PYL_RTS_ON_DELETE_DATA)) {
		uint64_t slot = ts + (uint64_t)off(rt, PYL_RTS_ON_DELETE_DATA), v;
		if (read_word(c, slot, &v, "tstate->on_delete_data") && v &&
		    rh_py_object_plausible(rt, v))
			emit(c, RH_ROOT_THREAD, v, slot, th.tid, false,
			     "%s › threading sentinel weakref", th.name);
	}
	exc_info_roots(c, &th, ts);

	if (has(rt, PYL_RTS_FRAME)) {
		frames_roots(c, &th, ts + (uint64_t)off(rt, PYL_RTS_FRAME), true);
	} else if (has(rt, PYL_RTS_CURRENT_FRAME)) {
		frames_roots(c, &th, ts + (uint64_t)off(rt, PYL_RTS_CURRENT_FRAME), false);
	} else if (has(rt, PYL_RTS_CFRAME) && has(rt, PYL_RCF_CURRENT_FRAME)) {
		uint64_t cf;
		if (read_word(c, ts + (uint64_t)off(rt, PYL_RTS_CFRAME), &cf, "tstate->cframe") &&
		    cf)
			frames_roots(c, &th, cf + (uint64_t)off(rt, PYL_RCF_CURRENT_FRAME), false);
	} else {
		rh_problems_add(c->problems, "no frame pointer in PyThreadState (DWARF): no frames");
	}
}

/* ------------------------------------------------------------------ */
/* 3, 4. Conservative scans                                            */

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static bool in_ranges(const struct range *r, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < r[mid].start)
			hi = mid;
		else if (v >= r[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Does segment s hold a thread's stack pointer? */
static bool holds_a_stack(struct roots_ctx *c, const struct rh_segment_info *s)
{
	for (size_t i = 0; i < rh_target_thread_count(c->t); i++) {
		const struct rh_thread *th = rh_target_thread(c->t, i);
		if (th->have_regs && th->sp >= s->start && th->sp < s->end)
			return true;
	}
	return false;
}

/* Writable target segments and the modules' static data, for the filter. */
static struct rh_error *build_filter(struct roots_ctx *c)
{
	size_t n = rh_target_segment_count(c->t);
	c->wsegs = calloc(n ? n : 1, sizeof(*c->wsegs));
	if (!c->wsegs)
		return rh_enomem;
	for (size_t i = 0; i < n; i++) {
		struct rh_segment_info s;
		rh_target_segment(c->t, i, &s);
		// Objects are written (refcounts): they live in writable memory;
		// but never on a thread's native stack (CPython 3.8-3.15 makes
		// every object with its allocators or as a C static), where a
		// word pointing into the stack would otherwise accept a C
		// struct's bytes as an object (measured on a Sphinx core: a
		// "AttributeError" at an address on the main thread's stack).
		if ((s.prot & RH_PROT_WRITE) && s.end > s.start && !holds_a_stack(c, &s))
			c->wsegs[c->nwsegs++] = (struct range){ s.start, s.end };
	}
	qsort(c->wsegs, c->nwsegs, sizeof(*c->wsegs), cmp_range);
	size_t cap = 0;
	struct rh_image *img = c->rt->image;
	for (size_t m = 0; m < rh_image_module_count(img); m++) {
		const struct rh_image_range *r;
		size_t k = rh_image_module_writable_ranges(img, rh_image_module(img, m), &r);
		for (size_t j = 0; j < k; j++) {
			if (c->nstatics == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct range *p = realloc(c->statics, ncap * sizeof(*p));
				if (!p)
					return rh_enomem;
				c->statics = p;
				cap = ncap;
			}
			c->statics[c->nstatics++] = (struct range){ r[j].start, r[j].end };
		}
	}
	if (c->nstatics)
		qsort(c->statics, c->nstatics, sizeof(*c->statics), cmp_range);
	return NULL;
}

/*
 * Whether tp is a metatype (its instances are types): PyType_Type itself,
 * or a type object whose own type is PyType_Type, with
 * Py_TPFLAGS_TYPE_SUBCLASS and instances at least as large as a
 * PyTypeObject. Checked that strictly because static data is full of words
 * that merely look like pointers to objects.
 */
static bool is_metatype(struct roots_ctx *c, uint64_t tp)
{
	struct rh_py_runtime *rt = c->rt;
	if (tp == rt->type_type)
		return true;
	if (!tp || (tp & 7) || !rt->type_type)
		return false;
	uint32_t verdict;
	if (rh_u64map_find(&c->metatype, tp, &verdict))
		return verdict == 1;
	bool meta = false;
	uint64_t ob_type, flags, basicsize;
	struct rh_error *err;
	if (!(err = rh_target_read_u64(c->t, tp + (uint64_t)PYL(rt, OB_TYPE), &ob_type)) &&
	    ob_type == rt->type_type &&
	    !(err = rh_target_read_u64(c->t, tp + (uint64_t)PYL(rt, TP_FLAGS), &flags)) &&
	    !(err = rh_target_read_u64(c->t, tp + (uint64_t)PYL(rt, TP_BASICSIZE), &basicsize)))
		meta = (flags & PY_TPFLAGS_TYPE_SUBCLASS) &&
		       basicsize >= (uint64_t)PYL(rt, SZ_TYPE) && basicsize < 65536;
	rh_error_destroy(err); // unreadable: not a metatype
	if (rh_u64map_insert(&c->metatype, tp, meta ? 1 : 2, NULL) < 0)
		c->err = rh_enomem;
	return meta;
}

/*
 * Whether a word found by a conservative scan points to a heap object:
 * aligned, inside writable memory but not in any module's static data,
 * and a plausible object. Verdicts are cached per value.
 */
static bool heap_object(struct roots_ctx *c, uint64_t v)
{
	if (v < 4096 || (v & 7) || !in_ranges(c->wsegs, c->nwsegs, v) ||
	    in_ranges(c->statics, c->nstatics, v))
		return false;
	uint32_t verdict;
	if (rh_u64map_find(&c->verdict, v, &verdict))
		return verdict == 1;
	bool ok = rh_py_object_plausible(c->rt, v);
	if (rh_u64map_insert(&c->verdict, v, ok ? 1 : 2, NULL) < 0)
		c->err = rh_enomem;
	return ok;
}

/*
 * Read [start, end) into buf, page by page where the whole does not read;
 * returns the number of unreadable bytes (their words are left 0) and the
 * first unreadable address.
 */
static uint64_t read_span(struct roots_ctx *c, uint64_t start, uint64_t end,
			  uint64_t *buf, uint64_t *first_bad)
{
	size_t len = (size_t)(end - start);
	struct rh_error *err = rh_target_read(c->t, start, buf, len);
	if (!err)
		return 0;
	rh_error_destroy(err);
	uint64_t bad = 0;
	*first_bad = 0;
	for (uint64_t a = start; a < end;) {
		uint64_t next = (a & ~(uint64_t)(PAGE - 1)) + PAGE;
		if (next > end)
			next = end;
		unsigned char *dst = (unsigned char *)buf + (a - start);
		err = rh_target_read(c->t, a, dst, (size_t)(next - a));
		if (err) {
			rh_error_destroy(err);
			memset(dst, 0, (size_t)(next - a));
			if (!bad)
				*first_bad = a;
			bad += next - a;
		}
		a = next;
	}
	return bad;
}

/*
 * Static variables of CPython whose words are not references, by C name
 * (compilers add ".lto_priv.0", ".1"... to statics).
 */
static const char *const not_references[] = {
	// The type attribute cache (Objects/typeobject.c 3.8-3.9): reported
	// by type_cache_roots(), whose names are references and whose values
	// are borrowed.
	"method_cache",
	// Reported as the interned-strings root.
	"interned",
};

static bool not_a_reference(const char *sym)
{
	size_t len = strcspn(sym, ".");
	for (size_t i = 0; i < sizeof(not_references) / sizeof(not_references[0]); i++)
		if (strlen(not_references[i]) == len &&
		    memcmp(not_references[i], sym, len) == 0)
			return true;
	// Free lists under every spelling (free_list, keys_free_list 3.8-3.11
	// Objects/*object.c; ag_value_freelist, ag_asend_freelist
	// Objects/genobject.c; ctx_freelist Python/context.c): dead objects,
	// and past numfree stale pointers to objects reused since.
	for (size_t i = 0; i + 4 <= len; i++)
		if (strncasecmp(sym + i, "free", 4) == 0)
			return true;
	return false;
}

/*
 * Report a static root at `where`, named by the nearest symbol; words of
 * the statics above are dropped. A word that points to a heap object is a
 * PyObject pointer of C, and by CPython's convention a static that keeps
 * an object owns a reference to it (Py_INCREF'd or created for it:
 * `static PyObject *extensions` of Python/import.c, a PyModuleDef's
 * m_base.m_copy, an extension's exception types), so it is counted. The
 * object_itself root (a static type) is not a pointer: its own count is
 * the snapshot's business (static storage, see heap/snapshot.c).
 */
static void emit_static(struct roots_ctx *c, uint64_t obj, uint64_t where,
			const char *modname, bool object_itself)
{
	const struct rh_module *m;
	const char *sym;
	uint64_t o;
	c->force_owned = !object_itself;
	if (rh_image_symbolize(c->rt->image, where, &m, &sym, &o)) {
		if (!object_itself && not_a_reference(sym)) {
			c->force_owned = false;
			return;
		}
		if (o)
			emit(c, RH_ROOT_STATIC, obj, where, 0, true, "static %s+0x%" PRIx64 " in %s",
			     sym, o, modname);
		else
			emit(c, RH_ROOT_STATIC, obj, where, 0, true, "static %s in %s", sym, modname);
	} else {
		emit(c, RH_ROOT_STATIC, obj, where, 0, true, "static %s0x%" PRIx64 " in %s",
		     object_itself ? "object at " : "", where, modname);
	}
	c->force_owned = false;
}

/*
 * Scan one range of a module's writable data. Invariant of the loop:
 * words below `i` have been judged; `skip_to` is the end of the last
 * static type object found (its words are its referents, not roots).
 */
static void scan_static_range(struct roots_ctx *c, uint64_t start, uint64_t end,
			      const char *modname)
{
	start = (start + 7) & ~(uint64_t)7;
	end &= ~(uint64_t)7;
	if (end <= start)
		return;
	if (end - start > MAX_STATIC_RANGE) {
		rh_problems_add(c->problems, "static data of %s: %" PRIu64
				" bytes at 0x%" PRIx64 ", scanning the first %u",
				modname, end - start, start, MAX_STATIC_RANGE);
		end = start + MAX_STATIC_RANGE;
	}
	uint64_t *w = malloc((size_t)(end - start));
	if (!w) {
		c->err = rh_enomem;
		return;
	}
	uint64_t first_bad = 0;
	uint64_t bad = read_span(c, start, end, w, &first_bad);
	if (bad)
		rh_problems_add(c->problems, "static data of %s: %" PRIu64 " of %" PRIu64
				" bytes unreadable (not in the core?), first at 0x%" PRIx64,
				modname, bad, end - start, first_bad);
	c->stats.static_bytes += end - start;
	size_t n = (size_t)((end - start) / 8);
	int64_t tsz = PYL(c->rt, SZ_TYPE);
	size_t flags_w = (size_t)(PYL(c->rt, TP_FLAGS) / 8);
	uint64_t skip_to = start;
	uint64_t rc_mask = (uint64_t)rh_py_refcnt_word(c->rt, UINT64_MAX) == 0xFFFFFFFFu
				   ? 0xFFFFFFFFu : UINT64_MAX;
	for (size_t i = 0; i < n && !c->stopped && !c->err; i++) {
		uint64_t a = start + 8 * (uint64_t)i, v = w[i];
		if (a < skip_to || v < 4096 || (v & 7))
			continue;
		// A static type object: refcount, then ob_type a metatype
		// (3.14+: the count is the low half, ob_flags in the high one).
		uint64_t rc = i > 0 ? w[i - 1] & rc_mask : 0;
		if (rc > 0 && rc < ((uint64_t)1 << 40) &&
		    in_ranges(c->statics, c->nstatics, v) && is_metatype(c, v)) {
			uint64_t obj = a - 8;
			bool heap = i - 1 + flags_w < n &&
				    (w[i - 1 + flags_w] & PY_TPFLAGS_HEAPTYPE);
			if (!heap && rh_py_object_plausible(c->rt, obj)) {
				emit_static(c, obj, obj, modname, true);
				skip_to = obj + (uint64_t)tsz;
				continue;
			}
		}
		// A deep-frozen code object (Tools/build/deepfreeze.py, 3.11+):
		// its constants are static too, and the words of its inline
		// caches (co_code_adaptive) are borrowed pointers of the
		// specializing interpreter, not references. Skip it whole.
		if (v == c->code_type && i > 0 && w[i - 1] > 0 &&
		    w[i - 1] < ((uint64_t)1 << 40) && i + 1 < n) {
			const struct py_type *ct = py_type_get(c->rt, v);
			int64_t units = (int64_t)w[i + 1];
			if (ct && units >= 0 && units < (1 << 24) && ct->basicsize > 0) {
				uint64_t size = (uint64_t)(ct->basicsize + units * ct->itemsize);
				skip_to = ((a - 8) + size + 7) & ~(uint64_t)7;
				continue;
			}
		}
		if (heap_object(c, v))
			emit_static(c, v, a, modname, false);
	}
	free(w);
}

/*
 * The type attribute cache (_PyType_Lookup, Objects/typeobject.c): 4096
 * entries {version, name, value}. The name is a reference: 3.8 takes it
 * with "Py_INCREF(name); Py_SETREF(method_cache[h].name, name)", 3.13's
 * update_cache() with Py_NewRef(name). The value is borrowed (so says
 * the source), and may even be stale: no root at all. The interned name
 * is otherwise held only by the interned dict, which does not count, so
 * without these its count looked unexplained. Where the table lives:
 * the static `method_cache` 3.8-3.9, PyInterpreterState.type_cache
 * 3.10-3.11, .types.type_cache 3.12+ (asked of DWARF, not of the version).
 */
struct type_cache {
	uint64_t addr;      /* first entry */
	uint64_t n;         /* entries */
	uint64_t entry;     /* sizeof an entry */
	uint64_t name;      /* offset of the name in an entry */
	bool is_static;
};

static bool type_cache_of(struct roots_ctx *c, const struct rh_py_interp *in,
			  struct type_cache *tc, bool report)
{
	struct rh_py_runtime *rt = c->rt;
	memset(tc, 0, sizeof(*tc));
	if (has(rt, PYL_RSZ_TCACHE_ENTRY) && has(rt, PYL_RTCE_NAME) &&
	    has(rt, PYL_RTC_HASHTABLE) && has(rt, PYL_RTC_NENTRIES) &&
	    (has(rt, PYL_RIS_TYPE_CACHE) || has(rt, PYL_RIS_TYPES_TYPE_CACHE))) {
		int64_t base = has(rt, PYL_RIS_TYPE_CACHE) ? off(rt, PYL_RIS_TYPE_CACHE)
							   : off(rt, PYL_RIS_TYPES_TYPE_CACHE);
		tc->addr = in->addr + (uint64_t)base + (uint64_t)off(rt, PYL_RTC_HASHTABLE);
		tc->n = (uint64_t)off(rt, PYL_RTC_NENTRIES);
		tc->entry = (uint64_t)off(rt, PYL_RSZ_TCACHE_ENTRY);
		tc->name = (uint64_t)off(rt, PYL_RTCE_NAME);
	} else if (has(rt, PYL_RSZ_MCACHE_ENTRY) && has(rt, PYL_RMCE_NAME) && in->main) {
		uint64_t size = 0;
		struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
							    "method_cache", &tc->addr, &size);
		if (err) {
			if (report)
				rh_problems_add_error(c->problems, err,
						      "finding the type attribute cache (static `method_cache` of Objects/typeobject.c)");
			else
				rh_error_destroy(err);
			return false;
		}
		tc->entry = (uint64_t)off(rt, PYL_RSZ_MCACHE_ENTRY);
		tc->name = (uint64_t)off(rt, PYL_RMCE_NAME);
		tc->n = tc->entry ? size / tc->entry : 0;
		tc->is_static = true;
	} else {
		return false;
	}
	// 1 << MCACHE_SIZE_EXP entries of 24 bytes in every version so far.
	if (!tc->n || tc->n > (1u << 16) || tc->entry < 16 || tc->entry > 64 ||
	    tc->name + 8 > tc->entry) {
		if (report)
			rh_problems_add(c->problems, "the type attribute cache at 0x%" PRIx64
				": %" PRIu64 " entries of %" PRIu64 " bytes, name at +%" PRIu64
				" (not what CPython has); not read",
				tc->addr, tc->n, tc->entry, tc->name);
		return false;
	}
	return true;
}

static void type_cache_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct type_cache tc;
	if (!type_cache_of(c, in, &tc, true))
		return;
	size_t len = (size_t)(tc.n * tc.entry);
	uint64_t *w = malloc(len);
	if (!w) {
		c->err = rh_enomem;
		return;
	}
	uint64_t first_bad = 0;
	if (read_span(c, tc.addr, tc.addr + len, w, &first_bad))
		rh_problems_add(c->problems, "the type attribute cache at 0x%" PRIx64
				": unreadable from 0x%" PRIx64, tc.addr, first_bad);
	const unsigned char *b = (const unsigned char *)w;
	for (uint64_t i = 0; i < tc.n && !c->stopped && !c->err; i++) {
		uint64_t name;
		memcpy(&name, b + i * tc.entry + tc.name, 8);
		// Static names (3.11+ _Py_ID strings, None) are not in the heap.
		if (!heap_object(c, name))
			continue;
		emit(c, tc.is_static ? RH_ROOT_STATIC : RH_ROOT_INTERPRETER, name,
		     tc.addr + i * tc.entry + tc.name, 0, false,
		     "%stype attribute cache[%" PRIu64 "] name", in->main ? "" : c->ipfx, i);
	}
	free(w);
}

/*
 * The _ast module's state, PyInterpreterState.ast (Python/Python-ast.c
 * 3.10+): after its flags, only object pointers (the AST types, the
 * operator singletons, field-name strings), each made with a new
 * reference by init_types() and Py_CLEAR'd by ast_clear_state(). The
 * generated struct declares them AST_type first, in name order.
 */
#define MAX_AST_STATE 16384

static bool ast_state_of(struct roots_ctx *c, const struct rh_py_interp *in,
			 uint64_t *lo, uint64_t *hi)
{
	struct rh_py_runtime *rt = c->rt;
	if (!has(rt, PYL_RIS_AST) || !has(rt, PYL_RSZ_AST_STATE) || !has(rt, PYL_RAST_FIRST))
		return false;
	int64_t size = off(rt, PYL_RSZ_AST_STATE), first = off(rt, PYL_RAST_FIRST);
	if (first < 0 || size <= first || size > MAX_AST_STATE || (size - first) % 8)
		return false;
	*lo = in->addr + (uint64_t)off(rt, PYL_RIS_AST) + (uint64_t)first;
	*hi = in->addr + (uint64_t)off(rt, PYL_RIS_AST) + (uint64_t)size;
	return true;
}

static void ast_state_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	uint64_t lo, hi, w[MAX_AST_STATE / 8], bad = 0;
	if (!ast_state_of(c, in, &lo, &hi))
		return;
	if (read_span(c, lo, hi, w, &bad))
		rh_problems_add(c->problems, "the _ast state at 0x%" PRIx64
				": unreadable from 0x%" PRIx64, lo, bad);
	for (uint64_t k = 0; k < (hi - lo) / 8 && !c->stopped && !c->err; k++)
		if (heap_object(c, w[k]))
			emit(c, RH_ROOT_INTERPRETER, w[k], lo + 8 * k, 0, false,
			     "%s_ast module state+0x%" PRIx64, c->ipfx,
			     lo + 8 * k - in->addr - (uint64_t)off(c->rt, PYL_RIS_AST));
}

/*
 * _Py_IDENTIFIER strings, 3.10-3.12: _PyUnicode_FromId()
 * (Objects/unicodeobject.c) interns the string and stores it, with its
 * reference, at interp->unicode.ids.array[id->index], a PyMem array of
 * ids.size slots. One string may sit in two slots (two identifiers of
 * one name): each slot is a count.
 */
#define MAX_UNICODE_IDS (1u << 20)

static void unicode_ids_roots(struct roots_ctx *c, const struct rh_py_interp *in)
{
	struct rh_py_runtime *rt = c->rt;
	if (!has(rt, PYL_RIS_UNICODE_IDS_SIZE) || !has(rt, PYL_RIS_UNICODE_IDS_ARRAY))
		return;
	uint64_t n, array;
	if (!read_word(c, in->addr + (uint64_t)off(rt, PYL_RIS_UNICODE_IDS_SIZE), &n,
		       "interp->unicode.ids.size") ||
	    !read_word(c, in->addr + (uint64_t)off(rt, PYL_RIS_UNICODE_IDS_ARRAY), &array,
		       "interp->unicode.ids.array") ||
	    !n || !array)
		return;
	if (n > MAX_UNICODE_IDS) {
		rh_problems_add(c->problems, "interp->unicode.ids: %" PRIu64
				" identifiers (more than %u): not read", n, MAX_UNICODE_IDS);
		return;
	}
	uint64_t *w = malloc((size_t)n * 8), bad = 0;
	if (!w) {
		c->err = rh_enomem;
		return;
	}
	if (read_span(c, array, array + n * 8, w, &bad))
		rh_problems_add(c->problems, "interp->unicode.ids.array at 0x%" PRIx64
				": unreadable from 0x%" PRIx64, array, bad);
	for (uint64_t k = 0; k < n && !c->stopped && !c->err; k++)
		if (heap_object(c, w[k]))
			emit(c, RH_ROOT_INTERPRETER, w[k], array + 8 * k, 0, false,
			     "%s_Py_IDENTIFIER cache[%" PRIu64 "]", c->ipfx, k);
	free(w);
}

/*
 * The rest of each interpreter's state, conservatively: PyInterpreterState
 * holds more than the fields named above (3.11's ast_state types and
 * identifiers, 3.12+ per-interpreter caches...), and what only it holds
 * would otherwise look held by nothing. Conservative, so such a word never
 * counts as a reference, and a borrowed pointer in a cache only makes an
 * object look reachable through a guess.
 */
#define MAX_INTERP_STATE (4u << 20)

static void interp_state_roots(struct roots_ctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!has(rt, PYL_RSZ_INTERP))
		return;
	uint64_t size = (uint64_t)off(rt, PYL_RSZ_INTERP) & ~(uint64_t)7;
	if (size > MAX_INTERP_STATE)
		size = MAX_INTERP_STATE;
	uint64_t *w = malloc(size ? (size_t)size : 8);
	if (!w) {
		c->err = rh_enomem;
		return;
	}
	for (size_t i = 0; i < rh_py_interp_count(rt) && !c->stopped && !c->err; i++) {
		const struct rh_py_interp *in = rh_py_interp(rt, i);
		uint64_t first_bad = 0;
		if (read_span(c, in->addr, in->addr + size, w, &first_bad))
			rh_problems_add(c->problems, "interpreter state at 0x%" PRIx64
					": unreadable from 0x%" PRIx64, in->addr, first_bad);
		// Read exactly above: the type cache, the _ast state.
		struct type_cache tc;
		uint64_t skip[2][2] = { { 0, 0 }, { 0, 0 } }, lo, hi;
		if (type_cache_of(c, in, &tc, false) && !tc.is_static) {
			skip[0][0] = tc.addr - in->addr;
			skip[0][1] = skip[0][0] + tc.n * tc.entry;
		}
		if (ast_state_of(c, in, &lo, &hi)) {
			skip[1][0] = lo - in->addr;
			skip[1][1] = hi - in->addr;
		}
		for (uint64_t k = 0; k < size / 8 && !c->stopped && !c->err; k++) {
			if ((8 * k >= skip[0][0] && 8 * k < skip[0][1]) ||
			    (8 * k >= skip[1][0] && 8 * k < skip[1][1]))
				continue;
			if (!heap_object(c, w[k]))
				continue;
			if (in->main)
				emit(c, RH_ROOT_INTERPRETER, w[k], in->addr + 8 * k, 0, true,
				     "interpreter state+0x%" PRIx64, 8 * k);
			else
				emit(c, RH_ROOT_INTERPRETER, w[k], in->addr + 8 * k, 0, true,
				     "interpreter %" PRId64 " state+0x%" PRIx64, in->id, 8 * k);
		}
	}
	free(w);
}

static void static_roots(struct roots_ctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	struct rh_image *img = rt->image;
	double t0 = now();
	// _PyRuntime is left out (see the file comment).
	uint64_t rt_lo = rt->info.runtime_addr;
	uint64_t rt_hi = rt_lo + (uint64_t)PYL(rt, SZ_RUNTIME);
	for (size_t m = 0; m < rh_image_module_count(img) && !c->stopped && !c->err; m++) {
		const struct rh_module *mod = rh_image_module(img, m);
		const struct rh_image_range *r;
		size_t k = rh_image_module_writable_ranges(img, mod, &r);
		if (k)
			c->stats.static_modules++;
		const char *modname = basename_of(mod->name);
		for (size_t j = 0; j < k && !c->stopped && !c->err; j++) {
			uint64_t s = r[j].start, e = r[j].end;
			if (rt_lo < e && rt_hi > s) {
				if (s < rt_lo)
					scan_static_range(c, s, rt_lo, modname);
				if (rt_hi < e)
					scan_static_range(c, rt_hi, e, modname);
			} else {
				scan_static_range(c, s, e, modname);
			}
		}
	}
	c->stats.static_seconds = now() - t0;
}

/* user_regs_struct order (x86-64), general registers only. */
static const char *const reg_names[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10",
	"r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
};

/*
 * The bootstate of a thread started by _thread.start_new_thread()
 * (Modules/_threadmodule.c, 3.8-3.13): a PyMem block holding the
 * callable, its args and kwargs, owned until the thread's function
 * returns (thread_bootstate_free / t_bootstrap), referenced only from
 * t_bootstrap()'s frame at the base of the thread's native stack (or a
 * callee-saved register). Among the top STACK_BOOT_SCAN bytes of the
 * stack and the registers, a word pointing to a block whose `tstate`
 * member is one of the interpreter's thread states is that bootstate:
 * its three fields are exact roots that own a count each.
 */
#define STACK_BOOT_SCAN 65536

static bool is_tstate(struct roots_ctx *c, uint64_t v)
{
	for (size_t i = 0; i < c->rt->ninterps; i++)
		for (size_t j = 0; j < c->rt->interps[i].nthreads; j++)
			if (c->rt->interps[i].threads[j].addr == v)
				return true;
	return false;
}

static bool bootstate_at(struct roots_ctx *c, uint64_t w, int tid)
{
	const struct rh_layout_value *L = c->rt->L;
	if (!L[PYL_RBOOT_TSTATE].found || !L[PYL_RBOOT_FUNC].found ||
	    !L[PYL_RBOOT_ARGS].found || (w & 7) || w < 4096)
		return false;
	uint64_t ts;
	struct rh_error *err = rh_target_read_u64(c->t, w + (uint64_t)L[PYL_RBOOT_TSTATE].value, &ts);
	if (err) {
		rh_error_destroy(err);
		return false;
	}
	// A thread state's own first word (`prev`) is a thread state too:
	// a pointer to one (a C local, TLS's _Py_tss_tstate just below the
	// TCB) is no bootstate, and stopped the search before the real one
	// (two of sid 3.14's thread-pool workers' bound run methods looked
	// leaked). A bootstate's function is an object.
	uint64_t fn;
	if (!ts || !is_tstate(c, ts) || is_tstate(c, w) ||
	    !rh_target_peek_u64(c->t, w + (uint64_t)L[PYL_RBOOT_FUNC].value, &fn) ||
	    !heap_object(c, fn))
		return false;
	static const struct { int l; const char *name; } f[] = {
		{ PYL_RBOOT_FUNC, "function" }, { PYL_RBOOT_ARGS, "args" },
		{ PYL_RBOOT_KWARGS, "kwargs" }, { PYL_RBOOT_KEYW, "kwargs" },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && !c->stopped; i++) {
		uint64_t v;
		if (!L[f[i].l].found)
			continue;
		uint64_t at = w + (uint64_t)L[f[i].l].value;
		err = rh_target_read_u64(c->t, at, &v);
		if (err) {
			rh_error_destroy(err);
			continue;
		}
		if (v && heap_object(c, v))
			emit(c, RH_ROOT_THREAD, v, at, tid, false,
			     "thread %d › bootstate %s", tid, f[i].name);
	}
	return true;
}

/*
 * The AST arena of code being run from source (Python/pythonrun.c, 3.8-3.14:
 * pyrun_file and PyRun_StringFlags make a PyArena with _PyArena_New(),
 * parse into it, run the module, and only then _PyArena_Free() it). The
 * arena is a PyMem block referenced only from that C function's frame (a
 * local, or a callee-saved register a callee spilled); its a_objects list
 * (Python/pyarena.c) owns one reference to every identifier and constant
 * of the AST, and is the arena's own: the list's count is the arena's.
 * A word w is such an arena when its a_head and a_cur blocks are arena
 * blocks (block_new sets ab_mem to the byte after the block header) and
 * a_objects is a live list: then a_objects is an exact root owning one
 * count. A freed arena's first word is pymalloc's free-list link, which
 * fails the block check. Each arena is reported once.
 */
static bool arena_block(struct roots_ctx *c, uint64_t b)
{
	const struct rh_layout_value *L = c->rt->L;
	uint64_t mem;
	if (b < 4096 || (b & 7) || !in_ranges(c->wsegs, c->nwsegs, b) ||
	    !rh_target_peek_u64(c->t, b + (uint64_t)L[PYL_RBLOCK_MEM].value, &mem))
		return false;
	return mem == b + (uint64_t)L[PYL_RSZ_BLOCK].value;
}

static bool ast_arena_at(struct roots_ctx *c, uint64_t w, int tid)
{
	const struct rh_layout_value *L = c->rt->L;
	if (!c->list_type || !L[PYL_RARENA_HEAD].found || !L[PYL_RARENA_CUR].found ||
	    !L[PYL_RARENA_OBJECTS].found || !L[PYL_RBLOCK_MEM].found ||
	    !L[PYL_RSZ_BLOCK].found || w < 4096 || (w & 7) ||
	    !in_ranges(c->wsegs, c->nwsegs, w))
		return false;
	uint64_t head, cur, objs, tp, refcnt;
	uint64_t at = w + (uint64_t)L[PYL_RARENA_OBJECTS].value;
	if (!rh_target_peek_u64(c->t, w + (uint64_t)L[PYL_RARENA_HEAD].value, &head) ||
	    !rh_target_peek_u64(c->t, w + (uint64_t)L[PYL_RARENA_CUR].value, &cur) ||
	    !rh_target_peek_u64(c->t, at, &objs) ||
	    !arena_block(c, head) || !arena_block(c, cur) || !heap_object(c, objs) ||
	    !rh_target_peek_u64(c->t, objs + (uint64_t)L[PYL_OB_TYPE].value, &tp) ||
	    tp != c->list_type ||
	    !rh_target_peek_u64(c->t, objs + (uint64_t)L[PYL_OB_REFCNT].value, &refcnt) ||
	    (refcnt & 0xffffffff) == 0)
		return false;
	for (size_t i = 0; i < c->narenas; i++)
		if (c->arenas[i] == w)
			return true;
	if (c->narenas == ARENAS_MAX)
		return false;
	c->arenas[c->narenas++] = w;
	emit(c, RH_ROOT_THREAD, objs, at, tid, false,
	     "thread %d › AST arena 0x%" PRIx64 " of the code run from source (pyrun_file) › a_objects",
	     tid, w);
	return true;
}

static void bootstate_roots(struct roots_ctx *c, const struct rh_thread *th,
			    const uint64_t *buf, size_t n, uint64_t lo, uint64_t hi)
{
	for (size_t r = 0; r < sizeof(reg_names) / sizeof(reg_names[0]); r++)
		if ((th->regs[r] < lo || th->regs[r] >= hi) &&
		    bootstate_at(c, th->regs[r], th->tid))
			return;
	size_t first = hi - lo > STACK_BOOT_SCAN ? n - STACK_BOOT_SCAN / 8 : 0;
	for (size_t k = n; k-- > first && !c->stopped; )
		if ((buf[k] < lo || buf[k] >= hi) && bootstate_at(c, buf[k], th->tid))
			return;
}

/*
 * Executable segments, sorted, for naming the C function whose frame holds
 * a stack word: the nearest word below it (from the stack pointer up) that
 * points into code is the return address its function pushed when it made
 * its current call (x86-64: `call` pushes it just below the caller's
 * frame), so it names the function the word's frame belongs to. A stale
 * code pointer in the frame can name a callee instead: a label, not a
 * verdict.
 */
struct code_ranges {
	struct range *r;
	size_t n;
};

static void code_ranges_build(struct roots_ctx *c, struct code_ranges *cr)
{
	size_t nseg = rh_target_segment_count(c->t);
	cr->n = 0;
	cr->r = nseg ? malloc(nseg * sizeof(*cr->r)) : NULL;
	if (!cr->r)
		return;
	for (size_t k = 0; k < nseg; k++) {
		struct rh_segment_info si;
		rh_target_segment(c->t, k, &si);
		if (si.prot & RH_PROT_EXEC)
			cr->r[cr->n++] = (struct range){ si.start, si.end };
	}
	qsort(cr->r, cr->n, sizeof(*cr->r), cmp_range);
}

/* "_textiowrapper_readline" or "" (no symbol) for a return address */
static const char *code_name(struct roots_ctx *c, uint64_t ret)
{
	const char *sym;
	if (ret && rh_image_symbolize(c->rt->image, ret - 1, NULL, &sym, NULL))
		return sym;
	return "";
}

static void stack_roots(struct roots_ctx *c)
{
	struct code_ranges cr = { 0 };
	code_ranges_build(c, &cr);
	double t0 = now();
	uint64_t *buf = NULL;
	size_t nseg = rh_target_segment_count(c->t);
	for (size_t i = 0; i < rh_target_thread_count(c->t) && !c->stopped && !c->err; i++) {
		const struct rh_thread *th = rh_target_thread(c->t, i);
		if (!th->have_regs)
			continue;
		for (size_t r = 0; r < sizeof(reg_names) / sizeof(reg_names[0]); r++)
			if (heap_object(c, th->regs[r]))
				emit(c, RH_ROOT_STACK, th->regs[r], 0, th->tid, true,
				     "register %s of thread %d", reg_names[r], th->tid);
			else
				ast_arena_at(c, th->regs[r], th->tid);
		// The segment holding the stack pointer.
		struct rh_segment_info s = { 0 };
		bool found = false;
		for (size_t k = 0; k < nseg && !found; k++) {
			rh_target_segment(c->t, k, &s);
			found = th->sp >= s.start && th->sp < s.end;
		}
		if (!found) {
			rh_problems_add(c->problems, "thread %d: stack pointer 0x%" PRIx64
					" is in no memory segment: stack not scanned", th->tid, th->sp);
			continue;
		}
		uint64_t lo = th->sp - RED_ZONE >= s.start && th->sp >= RED_ZONE ?
			      th->sp - RED_ZONE : s.start;
		lo &= ~(uint64_t)7;
		if (lo < s.start)
			lo += 8;
		uint64_t hi = s.end & ~(uint64_t)7;
		// A thread glibc made has its TCB (struct pthread, where the
		// thread pointer %fs points) at the top of its stack mapping,
		// static TLS just below it, the stack below that (nptl/
		// allocatestack.c). Thread stacks mapped back to back with no
		// guard page (measured: CPython 3.14's thread pool threads on
		// Debian sid, 8 MiB + 4 KiB apart) merge into one mapping, and
		// the words past the TCB are the next thread's stack, most of
		// it below that thread's stack pointer: dead. The main thread's
		// TCB is elsewhere (ld.so allocates it), its stack is [stack].
		if (th->fs_base > th->sp && th->fs_base < s.end)
			hi = th->fs_base & ~(uint64_t)7;
		if (hi - lo > STACK_SCAN_MAX) {
			rh_problems_add(c->problems, "thread %d: stack of %" PRIu64
					" bytes above the stack pointer, scanning the first %u",
					th->tid, hi - lo, STACK_SCAN_MAX);
			hi = lo + STACK_SCAN_MAX;
		}
		if (hi <= lo)
			continue;
		if (!buf && !(buf = malloc(STACK_SCAN_MAX))) {
			c->err = rh_enomem;
			break;
		}
		uint64_t first_bad = 0;
		uint64_t bad = read_span(c, lo, hi, buf, &first_bad);
		if (bad)
			rh_problems_add(c->problems, "thread %d: %" PRIu64 " of %" PRIu64
					" stack bytes unreadable, first at 0x%" PRIx64,
					th->tid, bad, hi - lo, first_bad);
		c->stats.stacks++;
		c->stats.stack_bytes += hi - lo;
		size_t n = (size_t)((hi - lo) / 8);
		uint64_t ret = 0;   /* the last return address seen below */
		for (size_t k = 0; k < n && !c->stopped && !c->err; k++) {
			uint64_t at = lo + 8 * (uint64_t)k;
			if (heap_object(c, buf[k])) {
				const char *fn = at >= th->sp ? code_name(c, ret) : "";
				// Words that are often stale copies only name a
				// candidate (secondary: the refcount audit does not
				// take them as a holder). The red zone below the stack
				// pointer is scratch of the innermost function, here a
				// syscall wrapper. The eval loop's C frame
				// (_PyEval_EvalFrameDefault and its .cold part, Python/
				// ceval.c) holds what it works on through the Python
				// frame's value stack and locals, read above; its own
				// spill slots are reused by hundreds of temporaries and
				// keep old ones: measured, a slot at sp+736 of that frame
				// on Debian sid's 3.15 kept a pointer to a Py_IncRef'd
				// and dropped bytes object (tests/integration/
				// alloc_scan.sh, samples/orphans.py).
				c->secondary = at < th->sp ||
					       strncmp(fn, "_PyEval_EvalFrameDefault", 24) == 0;
				if (at < th->sp)
					emit(c, RH_ROOT_STACK, buf[k], at, th->tid, true,
					     "stack of thread %d at 0x%" PRIx64 " (red zone, %u"
					     " bytes below the stack pointer)", th->tid, at,
					     (unsigned)(th->sp - at));
				else if (*fn)
					emit(c, RH_ROOT_STACK, buf[k], at, th->tid, true,
					     "stack of thread %d at 0x%" PRIx64 " (sp+%" PRIu64
					     "), frame of %s()", th->tid, at, at - th->sp, fn);
				else
					emit(c, RH_ROOT_STACK, buf[k], at, th->tid, true,
					     "stack of thread %d at 0x%" PRIx64 " (sp+%" PRIu64 ")",
					     th->tid, at, at - th->sp);
				c->secondary = false;
			} else if (at >= th->sp && in_ranges(cr.r, cr.n, buf[k])) {
				ret = buf[k];
			} else if (at >= th->sp) {
				ast_arena_at(c, buf[k], th->tid);
			}
		}
		if (!c->stopped && !c->err)
			bootstate_roots(c, th, buf, n, lo, hi);
	}
	free(buf);
	free(cr.r);
	c->stats.stack_seconds = now() - t0;
}

/* ------------------------------------------------------------------ */

struct rh_error *rh_py_roots_walk(struct rh_py_runtime *rt,
				  const struct rh_py_roots_options *opts,
				  struct rh_problems *problems,
				  rh_py_root_fn *fn, void *arg,
				  struct rh_py_roots_stats *stats_ret)
{
	struct rh_py_roots_options none = { 0 };
	if (!opts)
		opts = &none;
	struct roots_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return rh_enomem;
	c->rt = rt;
	c->t = rt->target;
	c->problems = problems;
	c->fn = fn;
	c->arg = arg;
	rh_u64map_init(&c->verdict);
	rh_u64map_init(&c->metatype);
	struct rh_error *err;
	// Type checks of frames and code objects; skipped if not found.
	if ((err = rh_image_find_symbol(rt->image, rt->info.module, "PyCode_Type",
					&c->code_type, NULL))) {
		rh_problems_add_error(problems, err, "frames: code objects are not type-checked");
		c->code_type = 0;
	}
	if ((err = rh_image_find_symbol(rt->image, rt->info.module, "PyList_Type",
					&c->list_type, NULL))) {
		rh_problems_add_error(problems, err, "roots: the running script's AST arena is not looked for");
		c->list_type = 0;
	}
	if ((err = rh_image_find_symbol(rt->image, rt->info.module, "_Py_NoneStruct",
					&c->none, NULL))) {
		rh_error_destroy(err); // only a root to None more
		c->none = 0;
	}
	if ((err = rh_image_find_symbol(rt->image, rt->info.module, "PyTuple_Type",
					&c->tuple_type, NULL))) {
		rh_error_destroy(err); // CALL_FUNCTION_EX's arguments stay secondary
		c->tuple_type = 0;
	}
	if (has(rt, PYL_RFR_CODE) &&
	    (err = rh_image_find_symbol(rt->image, rt->info.module, "PyFrame_Type",
					&c->frame_type, NULL))) {
		rh_problems_add_error(problems, err, "frames: frame objects are not type-checked");
		c->frame_type = 0;
	}

	for (size_t i = 0; i < rh_py_interp_count(rt) && !c->stopped && !c->err; i++)
		interp_roots(c, rh_py_interp(rt, i), i == 0);
	for (size_t i = 0; i < rh_py_interp_count(rt) && !c->stopped && !c->err; i++) {
		const struct rh_py_interp *in = rh_py_interp(rt, i);
		if (in->main)
			c->ipfx[0] = '\0';
		else
			snprintf(c->ipfx, sizeof(c->ipfx), "interpreter %" PRId64 " ", in->id);
		for (size_t j = 0; j < in->nthreads && !c->stopped && !c->err; j++)
			thread_roots(c, &in->threads[j]);
		c->ipfx[0] = '\0';
	}
	if ((!opts->skip_static || !opts->skip_stacks) && !c->stopped && !c->err)
		c->err = build_filter(c);
	if (!opts->skip_static && !c->stopped && !c->err) {
		for (size_t i = 0; i < rh_py_interp_count(rt) && !c->stopped && !c->err; i++) {
			const struct rh_py_interp *in = rh_py_interp(rt, i);
			if (!in->main)
				snprintf(c->ipfx, sizeof(c->ipfx), "interpreter %" PRId64 " ", in->id);
			type_cache_roots(c, in);
			ast_state_roots(c, in);
			unicode_ids_roots(c, in);
			c->ipfx[0] = '\0';
		}
	}
	if (!opts->skip_static && !c->stopped && !c->err)
		static_roots(c);
	if (!opts->skip_static && !c->stopped && !c->err)
		interp_state_roots(c);
	if (!opts->skip_stacks && !c->stopped && !c->err)
		stack_roots(c);

	err = c->err;
	if (stats_ret)
		*stats_ret = c->stats;
	rh_u64map_deinit(&c->verdict);
	rh_u64map_deinit(&c->metatype);
	free(c->wsegs);
	free(c->statics);
	rh_py_stackdepth_scratch_deinit(&c->sd);
	free(c->codebuf);
	free(c);
	return err;
}

struct rh_error *rh_py_roots_for_each(struct rh_py_runtime *rt,
				      struct rh_problems *problems,
				      rh_py_root_fn *fn, void *arg)
{
	return rh_py_roots_walk(rt, NULL, problems, fn, arg, NULL);
}
