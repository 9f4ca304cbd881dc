/*
 * The struct layouts the CPython layer reads, as one table of DWARF queries
 * (dwarf/layouts.h). Each entry has a name used as an index, PYL_<NAME>.
 *
 * Several entries name the same thing as spelled by different versions
 * ("tstate_head" until 3.10, "threads.head" from 3.11): exactly one of them
 * resolves, and the code asks which one did instead of comparing version
 * numbers (style.md: detect the feature, not the version).
 */
#ifndef RH_CPYTHON_LAYOUT_TABLE_H
#define RH_CPYTHON_LAYOUT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dwarf/layouts.h"

#define S RH_LAYOUT_SIZEOF
#define O RH_LAYOUT_OFFSET
#define C RH_LAYOUT_COUNT
#define BO RH_LAYOUT_BIT_OFFSET
#define BS RH_LAYOUT_BIT_SIZE

/* X(name, kind, type, member, required) */
#define RH_PY_LAYOUTS(X)                                                       \
	/* object header: Include/object.h */                                  \
	X(SZ_OBJECT, S, "PyObject", NULL, true)                                \
	X(OB_REFCNT, O, "PyObject", "ob_refcnt", true)                         \
	/* 3.14+: ob_refcnt is the low 32 bits of ob_refcnt_full, the high */  \
	/* ones hold ob_overflow and ob_flags (Include/object.h 3.14)      */  \
	X(OB_REFCNT_FULL, O, "PyObject", "ob_refcnt_full", false)              \
	/* 3.14+: frames hold _PyStackRef, tagged words (pycore_stackref.h) */ \
	X(SZ_STACKREF, S, "_PyStackRef", NULL, false)                          \
	X(OB_TYPE, O, "PyObject", "ob_type", true)                             \
	X(OB_SIZE, O, "PyVarObject", "ob_size", true)                          \
	X(SZ_GC_HEAD, S, "PyGC_Head", NULL, true)                              \
	X(GC_NEXT, O, "PyGC_Head", "_gc_next", true)                           \
	X(GC_PREV, O, "PyGC_Head", "_gc_prev", true)                           \
	/* type objects: Include/cpython/object.h */                           \
	X(SZ_TYPE, S, "PyTypeObject", NULL, true)                              \
	X(SZ_HEAPTYPE, S, "PyHeapTypeObject", NULL, true)                      \
	X(TP_NAME, O, "PyTypeObject", "tp_name", true)                         \
	X(TP_BASICSIZE, O, "PyTypeObject", "tp_basicsize", true)               \
	X(TP_ITEMSIZE, O, "PyTypeObject", "tp_itemsize", true)                 \
	X(TP_FLAGS, O, "PyTypeObject", "tp_flags", true)                       \
	X(TP_BASE, O, "PyTypeObject", "tp_base", true)                         \
	X(TP_IS_GC, O, "PyTypeObject", "tp_is_gc", true)                       \
	X(HT_CACHED_KEYS, O, "PyHeapTypeObject", "ht_cached_keys", true)       \
	/* runtime and interpreters: Include/internal/pycore_runtime.h,     */ \
	/* pycore_interp.h, Include/cpython/pystate.h                       */ \
	X(SZ_RUNTIME, S, "_PyRuntimeState", NULL, true)                        \
	X(RT_INTERP_HEAD, O, "_PyRuntimeState", "interpreters.head", true)     \
	X(RT_INTERP_MAIN, O, "_PyRuntimeState", "interpreters.main", true)     \
	X(RT_GC, O, "_PyRuntimeState", "gc", false)           /* 3.8 */        \
	X(IS_NEXT, O, "PyInterpreterState", "next", true)                      \
	X(IS_ID, O, "PyInterpreterState", "id", true)                          \
	X(IS_GC, O, "PyInterpreterState", "gc", false)        /* 3.9+ */       \
	X(IS_TSTATE_HEAD, O, "PyInterpreterState", "tstate_head", false)       \
	X(IS_THREADS_HEAD, O, "PyInterpreterState", "threads.head", false)     \
	X(IS_SYSDICT, O, "PyInterpreterState", "sysdict", true)                \
	X(TS_NEXT, O, "PyThreadState", "next", true)                           \
	X(TS_THREAD_ID, O, "PyThreadState", "thread_id", true)                 \
	X(TS_NATIVE_THREAD_ID, O, "PyThreadState", "native_thread_id", false)  \
	X(TS_ID, O, "PyThreadState", "id", false)                              \
	/* GC state: Include/internal/pycore_gc.h (3.8-3.13)                */ \
	X(SZ_GC_STATE, S, "struct _gc_runtime_state", NULL, true)              \
	X(GCS_ENABLED, O, "struct _gc_runtime_state", "enabled", true)         \
	X(GCS_COLLECTING, O, "struct _gc_runtime_state", "collecting", true)   \
	X(GCS_GENERATIONS, O, "struct _gc_runtime_state", "generations", false) \
	X(GCS_NGENERATIONS, C, "struct _gc_runtime_state", "generations", false) \
	X(GCS_YOUNG, O, "struct _gc_runtime_state", "young", false) /* 3.14.0-4, ft */ \
	/* 3.14.0-3.14.4's incremental collector (Include/internal/         */ \
	/* pycore_interp_structs.h): young + old[2] spaces, the visited    */ \
	/* space, work_to_do and phase; 3.14.5 renamed the last three to   */ \
	/* dummy1..3, so their names say which collector a build has       */ \
	X(GCS_OLD, O, "struct _gc_runtime_state", "old", false)                \
	X(GCS_NOLD, C, "struct _gc_runtime_state", "old", false)               \
	X(GCS_WORK_TO_DO, O, "struct _gc_runtime_state", "work_to_do", false)  \
	X(GCS_VISITED_SPACE, O, "struct _gc_runtime_state", "visited_space", false) \
	X(GCS_PHASE, O, "struct _gc_runtime_state", "phase", false)            \
	X(GCS_HEAP_SIZE, O, "struct _gc_runtime_state", "heap_size", false) /* 3.13+ */ \
	X(GCS_PERMANENT, O, "struct _gc_runtime_state", "permanent_generation", true) \
	X(GCS_GARBAGE, O, "struct _gc_runtime_state", "garbage", true)         \
	X(GCS_LONG_LIVED_TOTAL, O, "struct _gc_runtime_state", "long_lived_total", false) \
	X(GCS_LONG_LIVED_PENDING, O, "struct _gc_runtime_state", "long_lived_pending", false) \
	X(SZ_GC_GENERATION, S, "struct gc_generation", NULL, true)             \
	X(GEN_HEAD, O, "struct gc_generation", "head", true)                   \
	X(GEN_THRESHOLD, O, "struct gc_generation", "threshold", true)         \
	X(GEN_COUNT, O, "struct gc_generation", "count", true)                 \
	/* containers, for shallow sizes (sys.getsizeof)                    */ \
	X(LIST_ITEM, O, "PyListObject", "ob_item", true)                       \
	X(LIST_ALLOCATED, O, "PyListObject", "allocated", true)                \
	X(DICT_KEYS, O, "PyDictObject", "ma_keys", true)                       \
	X(DICT_VALUES, O, "PyDictObject", "ma_values", true)                   \
	X(DICT_USED, O, "PyDictObject", "ma_used", true)                       \
	X(SZ_DICTKEYS, S, "struct _dictkeysobject", NULL, true)                \
	X(DK_REFCNT, O, "struct _dictkeysobject", "dk_refcnt", true)           \
	X(DK_SIZE, O, "struct _dictkeysobject", "dk_size", false)  /* <=3.10 */ \
	X(DK_LOG2_SIZE, O, "struct _dictkeysobject", "dk_log2_size", false)    \
	X(DK_LOG2_INDEX_BYTES, O, "struct _dictkeysobject", "dk_log2_index_bytes", false) \
	X(DK_KIND, O, "struct _dictkeysobject", "dk_kind", false)              \
	X(DK_USABLE, O, "struct _dictkeysobject", "dk_usable", true)           \
	X(DK_NENTRIES, O, "struct _dictkeysobject", "dk_nentries", true)       \
	X(DK_INDICES, O, "struct _dictkeysobject", "dk_indices", true)         \
	X(SZ_DICTKEYENTRY, S, "PyDictKeyEntry", NULL, true)                    \
	X(DKE_KEY, O, "PyDictKeyEntry", "me_key", true)                        \
	X(DKE_VALUE, O, "PyDictKeyEntry", "me_value", true)                    \
	X(SZ_DICTUNICODEENTRY, S, "PyDictUnicodeEntry", NULL, false) /* 3.11+ */ \
	X(DUE_KEY, O, "PyDictUnicodeEntry", "me_key", false)                   \
	X(DUE_VALUE, O, "PyDictUnicodeEntry", "me_value", false)               \
	X(DV_VALUES, O, "struct _dictvalues", "values", false)     /* 3.11+ */ \
	X(DV_EMBEDDED, O, "struct _dictvalues", "embedded", false) /* 3.13+ */ \
	X(SET_MASK, O, "PySetObject", "mask", true)                            \
	X(SET_TABLE, O, "PySetObject", "table", true)                          \
	X(SET_SMALLTABLE, O, "PySetObject", "smalltable", true)                \
	X(SZ_SETENTRY, S, "setentry", NULL, true)                              \
	X(ODICT_FAST_NODES_SIZE, O, "struct _odictobject", "od_fast_nodes_size", false) \
	X(SZ_ODICTNODE, S, "struct _odictnode", NULL, false)                   \
	/* "struct BLOCK", not "block": obmalloc.c has typedef uint8_t block */ \
	X(DEQUE_LEFTINDEX, O, "dequeobject", "leftindex", false)               \
	X(SZ_DEQUE_BLOCK, S, "struct BLOCK", NULL, false)                      \
	/* _io buffered objects (Modules/_io/bufferedio.c)                  */ \
	X(BUF_BUFFER, O, "buffered", "buffer", false)                          \
	X(BUF_SIZE, O, "buffered", "buffer_size", false)                       \
	/* which __sizeof__ a type inherits                                 */ \
	X(TP_METHODS, O, "PyTypeObject", "tp_methods", true)                   \
	X(SZ_METHODDEF, S, "PyMethodDef", NULL, true)                          \
	X(ML_NAME, O, "PyMethodDef", "ml_name", true)                          \
	/* int: ob_digit after ob_size (<=3.11) or lv_tag (3.12+)           */ \
	X(LONG_DIGIT, O, "struct _longobject", "ob_digit", false)              \
	X(LONG_DIGIT_312, O, "struct _longobject", "long_value.ob_digit", false) \
	X(LONG_TAG, O, "struct _longobject", "long_value.lv_tag", false)       \
	X(SZ_DIGIT, S, "digit", NULL, true)                                    \
	/* frames and code, for frame/generator sizes                       */ \
	X(SZ_FRAMEOBJECT, S, "PyFrameObject", NULL, true)                      \
	X(FRAME_CODE, O, "PyFrameObject", "f_code", false)        /* <=3.10 */ \
	X(FRAME_FRAME, O, "PyFrameObject", "f_frame", false)      /* 3.11+ */  \
	X(FRAME_DATA, O, "PyFrameObject", "_f_frame_data", false) /* 3.11+ */  \
	X(IFRAME_LOCALSPLUS, O, "struct _PyInterpreterFrame", "localsplus", false) \
	X(IFRAME_CODE, O, "struct _PyInterpreterFrame", "f_code", false)       \
	X(IFRAME_EXECUTABLE, O, "struct _PyInterpreterFrame", "f_executable", false) \
	X(GEN_IFRAME, O, "PyGenObject", "gi_iframe", false)       /* 3.11+ */  \
	X(GEN_CODE, O, "PyGenObject", "gi_code", false)           /* <=3.11 */ \
	X(CO_STACKSIZE, O, "PyCodeObject", "co_stacksize", true)               \
	X(CO_NLOCALS, O, "PyCodeObject", "co_nlocals", true)                   \
	X(CO_NLOCALSPLUS, O, "PyCodeObject", "co_nlocalsplus", false)          \
	X(CO_FRAMESIZE, O, "PyCodeObject", "co_framesize", false)              \
	X(CO_CELLVARS, O, "PyCodeObject", "co_cellvars", false)   /* <=3.10 */ \
	X(CO_FREEVARS, O, "PyCodeObject", "co_freevars", false)   /* <=3.10 */ \
	X(CO_NCELLVARS, O, "PyCodeObject", "co_ncellvars", false)              \
	X(CO_NFREEVARS, O, "PyCodeObject", "co_nfreevars", false)              \
	/* strings and ints, for names and sys.version                      */ \
	X(SZ_ASCII, S, "PyASCIIObject", NULL, true)                            \
	X(SZ_COMPACT_UNICODE, S, "PyCompactUnicodeObject", NULL, true)         \
	X(STR_LENGTH, O, "PyASCIIObject", "length", true)                      \
	X(STR_STATE_KIND_BITS, BO, "PyASCIIObject", "state.kind", true)        \
	X(STR_STATE_COMPACT_BITS, BO, "PyASCIIObject", "state.compact", true)  \
	X(STR_STATE_ASCII_BITS, BO, "PyASCIIObject", "state.ascii", true)      \
	X(STR_STATE_KIND_WIDTH, BS, "PyASCIIObject", "state.kind", true)       \
	X(STR_STATE_READY_BITS, BO, "PyASCIIObject", "state.ready", false)     \
	X(STR_WSTR, O, "PyASCIIObject", "wstr", false)          /* <=3.11 */   \
	X(STR_WSTR_LENGTH, O, "PyCompactUnicodeObject", "wstr_length", false)  \
	X(STR_UTF8_LENGTH, O, "PyCompactUnicodeObject", "utf8_length", true)   \
	X(STR_UTF8, O, "PyCompactUnicodeObject", "utf8", true)                 \
	X(SZ_UNICODE, S, "PyUnicodeObject", NULL, true)                        \
	X(STR_DATA, O, "PyUnicodeObject", "data", true)                        \
	/* _Py_DebugOffsets (3.13+): where each of its fields sits          */ \
	X(DO_RT, O, "_PyRuntimeState", "debug_offsets", false)                 \
	X(DO_VERSION, O, "struct _Py_DebugOffsets", "version", false)          \
	X(DO_FREE_THREADED, O, "struct _Py_DebugOffsets", "free_threaded", false) \
	X(DO_RT_INTERP_HEAD, O, "struct _Py_DebugOffsets", "runtime_state.interpreters_head", false) \
	X(DO_IS_NEXT, O, "struct _Py_DebugOffsets", "interpreter_state.next", false) \
	X(DO_IS_ID, O, "struct _Py_DebugOffsets", "interpreter_state.id", false) \
	X(DO_IS_THREADS_HEAD, O, "struct _Py_DebugOffsets", "interpreter_state.threads_head", false) \
	X(DO_IS_GC, O, "struct _Py_DebugOffsets", "interpreter_state.gc", false) \
	X(DO_IS_SYSDICT, O, "struct _Py_DebugOffsets", "interpreter_state.sysdict", false) \
	X(DO_TS_NEXT, O, "struct _Py_DebugOffsets", "thread_state.next", false) \
	X(DO_TS_THREAD_ID, O, "struct _Py_DebugOffsets", "thread_state.thread_id", false) \
	X(DO_TS_NATIVE_ID, O, "struct _Py_DebugOffsets", "thread_state.native_thread_id", false) \
	X(DO_OB_TYPE, O, "struct _Py_DebugOffsets", "pyobject.ob_type", false) \
	X(DO_TP_NAME, O, "struct _Py_DebugOffsets", "type_object.tp_name", false) \
	X(DO_TP_FLAGS, O, "struct _Py_DebugOffsets", "type_object.tp_flags", false) \
	X(DO_LIST_ITEM, O, "struct _Py_DebugOffsets", "list_object.ob_item", false) \
	X(DO_DICT_KEYS, O, "struct _Py_DebugOffsets", "dict_object.ma_keys", false) \
	X(DO_DICT_VALUES, O, "struct _Py_DebugOffsets", "dict_object.ma_values", false) \
	X(DO_GC_COLLECTING, O, "struct _Py_DebugOffsets", "gc.collecting", false)

/*
 * Other files of this layer keep their own lists (same X signature) so they
 * can grow without touching this one; all lists form ONE table, answered in
 * one pass over the DWARF and cached as one file.
 */
#include "cpython/layouts_traverse.h"
#include "cpython/layouts_obmalloc.h"
#include "cpython/layouts_repr.h"
#include "cpython/layouts_roots.h"

#define RH_PY_ALL_LAYOUTS(X)                                                   \
	RH_PY_LAYOUTS(X)                                                       \
	RH_PY_TRAVERSE_LAYOUTS(X)                                              \
	RH_PY_OBMALLOC_LAYOUTS(X)                                              \
	RH_PY_ROOTS_LAYOUTS(X)                                                 \
	RH_PY_REPR_LAYOUTS(X)

enum rh_py_layout_index {
#define RH_X(name, kind, type, member, req) PYL_##name,
	RH_PY_ALL_LAYOUTS(RH_X)
#undef RH_X
	PYL_COUNT_
};

/** The query table, PYL_COUNT_ entries. */
extern const struct rh_layout_query rh_py_layout_queries[];
/** Whether each entry must resolve on every supported version. */
extern const bool rh_py_layout_required[];

#undef S
#undef O
#undef C
#undef BO
#undef BS

#endif /* RH_CPYTHON_LAYOUT_TABLE_H */
