/*
 * DWARF queries of cpython/roots.c and cpython/pyread.c, part of the one
 * table of layout_table.h. X(name, kind, type, member, required): kind is
 * one of the short forms S (SIZEOF), O (OFFSET), C (COUNT), BO, BS defined
 * by layout_table.h, or RH_LAYOUT_ENUM. Read answers with PYL(rt, name) /
 * PYL_HAS(rt, name).
 *
 * None is required: where two entries name one thing as different versions
 * spell it ("modules" until 3.11, "imports.modules" from 3.12), the code
 * asks which one resolved. The version comments say where each was seen
 * (pyenv 3.8.18 ... 3.13.0 and Debian 3.11.2, by `ptype/o`).
 *
 * Names start with R (roots) so they cannot clash with the other lists.
 */
#ifndef RH_CPYTHON_LAYOUTS_ROOTS_H
#define RH_CPYTHON_LAYOUTS_ROOTS_H

#define RH_PY_ROOTS_LAYOUTS(X)                                                 \
	/* pyread.c: Include/cpython/tupleobject.h, bytesobject.h         */   \
	X(RTUPLE_ITEM, O, "PyTupleObject", "ob_item", false)                   \
	X(RBYTES_SVAL, O, "PyBytesObject", "ob_sval", false)                   \
	/* PyInterpreterState (Include/internal/pycore_interp.h)          */   \
	X(RIS_MODULES, O, "PyInterpreterState", "modules", false) /* <=3.11 */ \
	X(RIS_IMP_MODULES, O, "PyInterpreterState", "imports.modules", false) /* 3.12+ */ \
	X(RIS_MODULES_BY_INDEX, O, "PyInterpreterState", "modules_by_index", false) \
	X(RIS_IMP_MODULES_BY_INDEX, O, "PyInterpreterState", "imports.modules_by_index", false) \
	X(RIS_BUILTINS, O, "PyInterpreterState", "builtins", false)            \
	X(RIS_IMPORTLIB, O, "PyInterpreterState", "importlib", false)          \
	X(RIS_IMP_IMPORTLIB, O, "PyInterpreterState", "imports.importlib", false) \
	X(RIS_IMPORT_FUNC, O, "PyInterpreterState", "import_func", false)      \
	X(RIS_IMP_IMPORT_FUNC, O, "PyInterpreterState", "imports.import_func", false) \
	X(RIS_DICT, O, "PyInterpreterState", "dict", false)                    \
	X(RIS_SYSDICT_COPY, O, "PyInterpreterState", "sysdict_copy", false) /* 3.12+ */ \
	X(RIS_BUILTINS_COPY, O, "PyInterpreterState", "builtins_copy", false)  \
	X(RIS_CODEC_SEARCH_PATH, O, "PyInterpreterState", "codec_search_path", false) /* <=3.12 */ \
	X(RIS_CODEC_SEARCH_CACHE, O, "PyInterpreterState", "codec_search_cache", false) \
	X(RIS_CODEC_ERROR_REGISTRY, O, "PyInterpreterState", "codec_error_registry", false) \
	X(RIS_CODECS_SEARCH_PATH, O, "PyInterpreterState", "codecs.search_path", false) /* 3.13 */ \
	X(RIS_CODECS_SEARCH_CACHE, O, "PyInterpreterState", "codecs.search_cache", false) \
	X(RIS_CODECS_ERROR_REGISTRY, O, "PyInterpreterState", "codecs.error_registry", false) \
	X(RIS_BEFORE_FORKERS, O, "PyInterpreterState", "before_forkers", false) \
	X(RIS_AFTER_FORKERS_PARENT, O, "PyInterpreterState", "after_forkers_parent", false) \
	X(RIS_AFTER_FORKERS_CHILD, O, "PyInterpreterState", "after_forkers_child", false) \
	X(RIS_WARN_FILTERS, O, "PyInterpreterState", "warnings.filters", false) \
	X(RIS_WARN_ONCE, O, "PyInterpreterState", "warnings.once_registry", false) \
	X(RIS_WARN_DEFAULT, O, "PyInterpreterState", "warnings.default_action", false) \
	X(RIS_AUDIT_HOOKS, O, "PyInterpreterState", "audit_hooks", false)      \
	X(RIS_PYEXITMODULE, O, "PyInterpreterState", "pyexitmodule", false) /* 3.8-3.9 */ \
	X(RIS_ERRNOMAP, O, "PyInterpreterState", "exc_state.errnomap", false) /* 3.10+ */ \
	X(RIS_INTERNED, O, "PyInterpreterState", "cached_objects.interned_strings", false) /* 3.12+ */ \
	X(RIS_CO_STR_REPLACE_INF, O, "PyInterpreterState", "cached_objects.str_replace_inf", false) \
	X(RIS_CO_GENERIC, O, "PyInterpreterState", "cached_objects.generic_type", false) \
	X(RIS_CO_TYPEVAR, O, "PyInterpreterState", "cached_objects.typevar_type", false) \
	X(RIS_CO_TYPEVARTUPLE, O, "PyInterpreterState", "cached_objects.typevartuple_type", false) \
	X(RIS_CO_PARAMSPEC, O, "PyInterpreterState", "cached_objects.paramspec_type", false) \
	X(RIS_CO_PARAMSPECARGS, O, "PyInterpreterState", "cached_objects.paramspecargs_type", false) \
	X(RIS_CO_PARAMSPECKWARGS, O, "PyInterpreterState", "cached_objects.paramspeckwargs_type", false) \
	X(RIS_TRAMPOLINE, O, "PyInterpreterState", "interpreter_trampoline", false) /* 3.12 */ \
	X(RIS_CO_CONSTEVALUATOR, O, "PyInterpreterState", "cached_objects.constevaluator_type", false) /* 3.14+ */ \
	X(RIS_CO_DICT_DESCR, O, "PyInterpreterState", "cached_objects.dict_descriptor", false) /* 3.15+ */ \
	X(RIS_CO_WEAKREF_DESCR, O, "PyInterpreterState", "cached_objects.weakref_descriptor", false) /* 3.15+ */ \
	X(RIS_XI_NOTSHAREABLE_313, O, "PyInterpreterState", "xi.PyExc_NotShareableError", false) /* 3.13 */ \
	X(RIS_XI_NOTSHAREABLE, O, "PyInterpreterState", "xi.exceptions.PyExc_NotShareableError", false) /* 3.14+ */ \
	X(RIS_IMP_LAZY_IMPORT_FUNC, O, "PyInterpreterState", "imports.lazy_import_func", false) /* 3.15+ */ \
	X(RIS_IMP_LAZY_FILTER, O, "PyInterpreterState", "imports.lazy_imports_filter", false) /* 3.15+ */ \
	X(RIS_IMP_LAZY_MODULES, O, "PyInterpreterState", "imports.lazy_modules", false) /* 3.15+ */ \
	X(RIS_IMP_LAZY_PENDING, O, "PyInterpreterState", "imports.lazy_pending_submodules", false) /* 3.15+ */ \
	/* the _ast module's state (Python/Python-ast.c 3.10+): an int or    */ \
	/* two, then only object pointers, from AST_type to the end         */ \
	/* per-interpreter singletons, 3.9-3.10 (static from 3.11)         */ \
	X(RIS_SMALL_INTS, O, "PyInterpreterState", "small_ints", false)        \
	X(RIS_NSMALL_INTS, C, "PyInterpreterState", "small_ints", false)       \
	X(RIS_BYTES_EMPTY, O, "PyInterpreterState", "bytes.empty_string", false) \
	X(RIS_BYTES_CHARS, O, "PyInterpreterState", "bytes.characters", false) \
	X(RIS_NBYTES_CHARS, C, "PyInterpreterState", "bytes.characters", false) \
	X(RIS_UNICODE_EMPTY, O, "PyInterpreterState", "unicode.empty_string", false) \
	X(RIS_UNICODE_LATIN1, O, "PyInterpreterState", "unicode.latin1", false) \
	X(RIS_NUNICODE_LATIN1, C, "PyInterpreterState", "unicode.latin1", false) \
	X(RIS_AST, O, "PyInterpreterState", "ast", false)                      \
	X(RSZ_AST_STATE, S, "struct ast_state", NULL, false)                   \
	X(RAST_FIRST, O, "struct ast_state", "AST_type", false)                \
	/* _Py_IDENTIFIER strings (Objects/unicodeobject.c 3.10-3.12)      */ \
	X(RIS_UNICODE_IDS_SIZE, O, "PyInterpreterState", "unicode.ids.size", false) \
	X(RIS_UNICODE_IDS_ARRAY, O, "PyInterpreterState", "unicode.ids.array", false) \
	X(RIS_ATEXIT_CALLBACKS, O, "PyInterpreterState", "atexit.callbacks", false) /* 3.10+ */ \
	X(RIS_ATEXIT_NCALLBACKS, O, "PyInterpreterState", "atexit.ncallbacks", false) \
	X(RATEXIT_PY_FUNC, O, "atexit_py_callback", "func", false) /* 3.12+ */ \
	X(RATEXIT_PY_ARGS, O, "atexit_py_callback", "args", false)             \
	X(RATEXIT_PY_KWARGS, O, "atexit_py_callback", "kwargs", false)         \
	X(RATEXIT_FUNC, O, "atexit_callback", "func", false)     /* 3.10-3.11 */ \
	X(RATEXIT_ARGS, O, "atexit_callback", "args", false)                   \
	X(RATEXIT_KWARGS, O, "atexit_callback", "kwargs", false)               \
	/* static builtin types keep their dicts in the interpreter, 3.12+ */  \
	X(RIS_TYPES_BUILTINS, O, "PyInterpreterState", "types.builtins", false) /* 3.12 */ \
	X(RIS_TYPES_NBUILTINS, C, "PyInterpreterState", "types.builtins", false) \
	X(RIS_TYPES_NUM_BUILTINS, O, "PyInterpreterState", "types.num_builtins_initialized", false) \
	X(RIS_TYPES_BUILTINS_INIT, O, "PyInterpreterState", "types.builtins.initialized", false) /* 3.13 */ \
	X(RIS_TYPES_BUILTINS_NINIT, C, "PyInterpreterState", "types.builtins.initialized", false) \
	X(RIS_TYPES_BUILTINS_NUM, O, "PyInterpreterState", "types.builtins.num_initialized", false) \
	X(RIS_TYPES_EXT_INIT, O, "PyInterpreterState", "types.for_extensions.initialized", false) \
	X(RIS_TYPES_EXT_NINIT, C, "PyInterpreterState", "types.for_extensions.initialized", false) \
	X(RIS_TYPES_EXT_NUM, O, "PyInterpreterState", "types.for_extensions.num_initialized", false) \
	X(RSZ_SBSTATE, S, "static_builtin_state", NULL, false)    /* 3.12 */   \
	X(RSBS_TYPE, O, "static_builtin_state", "type", false)                 \
	X(RSBS_DICT, O, "static_builtin_state", "tp_dict", false)              \
	X(RSBS_SUBCLASSES, O, "static_builtin_state", "tp_subclasses", false)  \
	X(RSZ_MSTSTATE, S, "managed_static_type_state", NULL, false) /* 3.13 */ \
	X(RMSTS_TYPE, O, "managed_static_type_state", "type", false)           \
	X(RMSTS_DICT, O, "managed_static_type_state", "tp_dict", false)        \
	X(RMSTS_SUBCLASSES, O, "managed_static_type_state", "tp_subclasses", false) \
	X(RGCS_CALLBACKS, O, "struct _gc_runtime_state", "callbacks", false)   \
	/* the type attribute cache (Objects/typeobject.c): a static array   */ \
	/* `method_cache` 3.8-3.9, interp->type_cache 3.10-3.11,           */ \
	/* interp->types.type_cache 3.12+; entries {version, name, value}  */ \
	X(RSZ_MCACHE_ENTRY, S, "struct method_cache_entry", NULL, false) /* 3.8-3.9 */ \
	X(RMCE_NAME, O, "struct method_cache_entry", "name", false)            \
	X(RSZ_TCACHE_ENTRY, S, "struct type_cache_entry", NULL, false) /* 3.10+ */ \
	X(RTCE_NAME, O, "struct type_cache_entry", "name", false)              \
	X(RTC_HASHTABLE, O, "struct type_cache", "hashtable", false)           \
	X(RTC_NENTRIES, C, "struct type_cache", "hashtable", false)            \
	X(RIS_TYPE_CACHE, O, "PyInterpreterState", "type_cache", false) /* 3.10-3.11 */ \
	X(RIS_TYPES_TYPE_CACHE, O, "PyInterpreterState", "types.type_cache", false) /* 3.12+ */ \
	/* PyThreadState (Include/cpython/pystate.h)                      */   \
	X(RSZ_TSTATE, S, "PyThreadState", NULL, false)                         \
	X(RSZ_INTERP, S, "PyInterpreterState", NULL, false)                    \
	X(RTS_FRAME, O, "PyThreadState", "frame", false)          /* <=3.10 */ \
	X(RTS_CFRAME, O, "PyThreadState", "cframe", false)        /* 3.10-3.12 */ \
	X(RCF_CURRENT_FRAME, O, "struct _PyCFrame", "current_frame", false) /* 3.11-3.12 */ \
	X(RTS_CURRENT_FRAME, O, "PyThreadState", "current_frame", false) /* 3.13 */ \
	X(RTS_STATE, O, "PyThreadState", "state", false) /* 3.13+ */          \
	X(RTS_DICT, O, "PyThreadState", "dict", false)                         \
	X(RTS_ASYNC_EXC, O, "PyThreadState", "async_exc", false)               \
	X(RTS_CONTEXT, O, "PyThreadState", "context", false)                   \
	X(RTS_CUREXC_TYPE, O, "PyThreadState", "curexc_type", false) /* <=3.11 */ \
	X(RTS_CUREXC_VALUE, O, "PyThreadState", "curexc_value", false)         \
	X(RTS_CUREXC_TRACEBACK, O, "PyThreadState", "curexc_traceback", false) \
	X(RTS_CURRENT_EXCEPTION, O, "PyThreadState", "current_exception", false) /* 3.12+ */ \
	X(RTS_EXC_INFO, O, "PyThreadState", "exc_info", false)                 \
	X(RTS_C_PROFILEOBJ, O, "PyThreadState", "c_profileobj", false)         \
	X(RTS_C_TRACEOBJ, O, "PyThreadState", "c_traceobj", false)             \
	X(RTS_ASYNC_GEN_FIRSTITER, O, "PyThreadState", "async_gen_firstiter", false) \
	X(RTS_ASYNC_GEN_FINALIZER, O, "PyThreadState", "async_gen_finalizer", false) \
	X(RTS_THREADING_LOCAL_KEY, O, "PyThreadState", "threading_local_key", false) /* 3.13 */ \
	X(RTS_THREADING_LOCAL_SENTINEL, O, "PyThreadState", "threading_local_sentinel", false) \
	X(RTS_ON_DELETE_DATA, O, "PyThreadState", "on_delete_data", false) /* <=3.12 */ \
	/* _PyThreadStateImpl (Include/internal/pycore_tstate.h), every      */ \
	/* thread state's real type 3.13+: the main thread's is embedded in  */ \
	/* PyInterpreterState (_initial_thread)                              */ \
	X(RTI_LAZY_IMPORTS, O, "_PyThreadStateImpl", "lazy_imports", false) /* 3.15 */ \
	X(RESI_EXC_TYPE, O, "_PyErr_StackItem", "exc_type", false) /* <=3.10 */ \
	X(RESI_EXC_VALUE, O, "_PyErr_StackItem", "exc_value", false)           \
	X(RESI_EXC_TRACEBACK, O, "_PyErr_StackItem", "exc_traceback", false)   \
	X(RESI_PREVIOUS, O, "_PyErr_StackItem", "previous_item", false)        \
	/* PyFrameObject (Include/cpython/frameobject.h, <=3.10;           */  \
	/* Include/internal/pycore_frame.h 3.11+)                           */ \
	X(RSZ_FRAME, S, "PyFrameObject", NULL, false)                          \
	X(RFR_BACK, O, "PyFrameObject", "f_back", false)                       \
	X(RFR_CODE, O, "PyFrameObject", "f_code", false)          /* <=3.10 */ \
	X(RFR_BUILTINS, O, "PyFrameObject", "f_builtins", false)               \
	X(RFR_GLOBALS, O, "PyFrameObject", "f_globals", false)                 \
	X(RFR_LOCALS, O, "PyFrameObject", "f_locals", false)                   \
	X(RFR_TRACE, O, "PyFrameObject", "f_trace", false)                     \
	X(RFR_VALUESTACK, O, "PyFrameObject", "f_valuestack", false)           \
	X(RFR_STACKTOP, O, "PyFrameObject", "f_stacktop", false)  /* 3.8-3.9 */ \
	X(RFR_STACKDEPTH, O, "PyFrameObject", "f_stackdepth", false) /* 3.10 */ \
	X(RFR_LASTI, O, "PyFrameObject", "f_lasti", false)                     \
	X(RFR_LINENO, O, "PyFrameObject", "f_lineno", false)                   \
	X(RFR_LOCALSPLUS, O, "PyFrameObject", "f_localsplus", false)           \
	/* struct _PyInterpreterFrame, 3.11+                               */  \
	X(RSZ_IFRAME, S, "struct _PyInterpreterFrame", NULL, false)            \
	X(RIF_CODE, O, "struct _PyInterpreterFrame", "f_code", false) /* 3.11-3.12 */ \
	X(RIF_EXECUTABLE, O, "struct _PyInterpreterFrame", "f_executable", false) /* 3.13 */ \
	X(RIF_FUNC, O, "struct _PyInterpreterFrame", "f_func", false) /* 3.11 */ \
	X(RIF_FUNCOBJ, O, "struct _PyInterpreterFrame", "f_funcobj", false) /* 3.12+ */ \
	X(RIF_GLOBALS, O, "struct _PyInterpreterFrame", "f_globals", false)    \
	X(RIF_BUILTINS, O, "struct _PyInterpreterFrame", "f_builtins", false)  \
	X(RIF_LOCALS, O, "struct _PyInterpreterFrame", "f_locals", false)      \
	X(RIF_FRAME_OBJ, O, "struct _PyInterpreterFrame", "frame_obj", false)  \
	X(RIF_PREVIOUS, O, "struct _PyInterpreterFrame", "previous", false)    \
	X(RIF_PREV_INSTR, O, "struct _PyInterpreterFrame", "prev_instr", false) /* 3.11-3.12 */ \
	X(RIF_INSTR_PTR, O, "struct _PyInterpreterFrame", "instr_ptr", false) /* 3.13 */ \
	X(RIF_STACKTOP, O, "struct _PyInterpreterFrame", "stacktop", false)    \
	X(RIF_STACKPOINTER, O, "struct _PyInterpreterFrame", "stackpointer", false) /* 3.14+ */ \
	X(RIF_IS_ENTRY, O, "struct _PyInterpreterFrame", "is_entry", false) /* 3.11 */ \
	X(RIF_OWNER, O, "struct _PyInterpreterFrame", "owner", false)          \
	X(RIF_LOCALSPLUS, O, "struct _PyInterpreterFrame", "localsplus", false) \
	X(ROWNED_BY_GENERATOR, RH_LAYOUT_ENUM, "enum _frameowner", "FRAME_OWNED_BY_GENERATOR", false) \
	X(ROWNED_BY_CSTACK, RH_LAYOUT_ENUM, "enum _frameowner", "FRAME_OWNED_BY_CSTACK", false) /* 3.12-3.14 */ \
	X(ROWNED_BY_INTERPRETER, RH_LAYOUT_ENUM, "enum _frameowner", "FRAME_OWNED_BY_INTERPRETER", false) /* 3.14+ */ \
	/* PyCodeObject (Include/cpython/code.h)                           */  \
	X(RSZ_CODE, S, "PyCodeObject", NULL, false)                            \
	X(RCO_NLOCALS, O, "PyCodeObject", "co_nlocals", false)                 \
	X(RCO_NLOCALSPLUS, O, "PyCodeObject", "co_nlocalsplus", false) /* 3.11+ */ \
	X(RCO_STACKSIZE, O, "PyCodeObject", "co_stacksize", false)             \
	X(RCO_FIRSTLINENO, O, "PyCodeObject", "co_firstlineno", false)         \
	X(RCO_VARNAMES, O, "PyCodeObject", "co_varnames", false)  /* <=3.10 */ \
	X(RCO_CELLVARS, O, "PyCodeObject", "co_cellvars", false)  /* <=3.10 */ \
	X(RCO_FREEVARS, O, "PyCodeObject", "co_freevars", false)  /* <=3.10 */ \
	X(RCO_LOCALSPLUSNAMES, O, "PyCodeObject", "co_localsplusnames", false) /* 3.11+ */ \
	X(RCO_LOCALSPLUSKINDS, O, "PyCodeObject", "co_localspluskinds", false) \
	X(RCO_FILENAME, O, "PyCodeObject", "co_filename", false)               \
	X(RCO_NAME, O, "PyCodeObject", "co_name", false)                       \
	X(RCO_QUALNAME, O, "PyCodeObject", "co_qualname", false)  /* 3.11+ */  \
	X(RCO_LNOTAB, O, "PyCodeObject", "co_lnotab", false)      /* <=3.9 */  \
	X(RCO_LINETABLE, O, "PyCodeObject", "co_linetable", false) /* 3.10+ */ \
	X(RCO_CODE_ADAPTIVE, O, "PyCodeObject", "co_code_adaptive", false) /* 3.11+ */ \
	X(RCO_EXCEPTIONTABLE, O, "PyCodeObject", "co_exceptiontable", false) /* 3.11+ */ \
	X(RCO_FIRSTTRACEABLE, O, "PyCodeObject", "_co_firsttraceable", false)  \
	/* Modules/_threadmodule.c: a running thread's bootstate           */  \
	X(RBOOT_TSTATE, O, "struct bootstate", "tstate", false)                \
	X(RBOOT_FUNC, O, "struct bootstate", "func", false)                    \
	X(RBOOT_ARGS, O, "struct bootstate", "args", false)                    \
	X(RBOOT_KWARGS, O, "struct bootstate", "kwargs", false)  /* 3.9+ */    \
	X(RBOOT_KEYW, O, "struct bootstate", "keyw", false)      /* 3.8 */    \
	/* Python/pyarena.c: the running script's AST arena (pyrun_file)   */  \
	X(RARENA_HEAD, O, "struct _arena", "a_head", false)                    \
	X(RARENA_CUR, O, "struct _arena", "a_cur", false)                      \
	X(RARENA_OBJECTS, O, "struct _arena", "a_objects", false)              \
	X(RBLOCK_MEM, O, "struct _block", "ab_mem", false)                     \
	X(RSZ_BLOCK, S, "struct _block", NULL, false)

#endif /* RH_CPYTHON_LAYOUTS_ROOTS_H */
