/*
 * DWARF queries of cpython/traverse.c, part of the one table of layout_table.h.
 * X(name, kind, type, member, required): kind is one of the short forms
 * S (SIZEOF), O (OFFSET), C (COUNT), BO, BS defined by layout_table.h, or
 * RH_LAYOUT_ENUM.
 * Use PYL(rt, name) / PYL_HAS(rt, name) to read an answer.
 *
 * None of these is required: a missing member means the version does not
 * have it (traverse.c skips it, as that version's tp_traverse does), and a
 * missing struct leaves its objects to the conservative scan.
 *
 * Names are T<struct>_<member>, grouped by the CPython file that holds the
 * tp_traverse function reading them.
 */
#ifndef RH_CPYTHON_LAYOUTS_TRAVERSE_H
#define RH_CPYTHON_LAYOUTS_TRAVERSE_H

#define RH_PY_TRAVERSE_LAYOUTS(X)                                              \
	/* Include/cpython/object.h: PyTypeObject, PyHeapTypeObject       */   \
	X(TTP_TRAVERSE, O, "PyTypeObject", "tp_traverse", false)               \
	X(TTP_DICTOFFSET, O, "PyTypeObject", "tp_dictoffset", false)           \
	X(TTP_WEAKLISTOFFSET, O, "PyTypeObject", "tp_weaklistoffset", false)   \
	X(TTP_DICT, O, "PyTypeObject", "tp_dict", false)                       \
	X(TTP_MEMBERS, O, "PyTypeObject", "tp_members", false)                 \
	X(TTP_CACHE, O, "PyTypeObject", "tp_cache", false)                     \
	X(TTP_MRO, O, "PyTypeObject", "tp_mro", false)                         \
	X(TTP_BASES, O, "PyTypeObject", "tp_bases", false)                     \
	X(TTP_SUBCLASSES, O, "PyTypeObject", "tp_subclasses", false)           \
	X(TTP_WEAKLIST, O, "PyTypeObject", "tp_weaklist", false)               \
	X(THT_NAME, O, "PyHeapTypeObject", "ht_name", false)                   \
	X(THT_SLOTS, O, "PyHeapTypeObject", "ht_slots", false)                 \
	X(THT_QUALNAME, O, "PyHeapTypeObject", "ht_qualname", false)           \
	X(THT_MODULE, O, "PyHeapTypeObject", "ht_module", false) /* 3.9+ */    \
	X(TSZ_MEMBERDEF, S, "PyMemberDef", NULL, false)                        \
	X(TMEMBER_NAME, O, "PyMemberDef", "name", false)                       \
	X(TMEMBER_TYPE, O, "PyMemberDef", "type", false)                       \
	X(TMEMBER_OFFSET, O, "PyMemberDef", "offset", false)                   \
	/* containers                                                     */   \
	X(TTUPLE_ITEM, O, "PyTupleObject", "ob_item", false)                   \
	X(TDK_LOOKUP, O, "struct _dictkeysobject", "dk_lookup", false) /* <=3.10 */ \
	X(TDV_VALID, O, "struct _dictvalues", "valid", false)     /* 3.13+ */  \
	X(TDV_CAPACITY, O, "struct _dictvalues", "capacity", false) /* 3.13+ */ \
	X(TSZ_DICTORVALUES, S, "PyDictOrValues", NULL, false)     /* 3.12 */   \
	X(TSZ_DICT, S, "PyDictObject", NULL, false)                            \
	X(TSETENTRY_KEY, O, "setentry", "key", false)                          \
	/* Objects/moduleobject.c                                         */   \
	X(TMOD_DICT, O, "PyModuleObject", "md_dict", false)                    \
	X(TMOD_DEF, O, "PyModuleObject", "md_def", false)                      \
	X(TMOD_STATE, O, "PyModuleObject", "md_state", false)                  \
	/* GH-130327 (see traverse.c dict_visits_embedded): its fix       */   \
	/* declares `dict` in PyObject_VisitManagedDict; `tp` is in both  */   \
	X(TVMD_LOCAL_DICT, RH_LAYOUT_LOCAL, "PyObject_VisitManagedDict", "dict", false) \
	X(TVMD_LOCAL_TP, RH_LAYOUT_LOCAL, "PyObject_VisitManagedDict", "tp", false) \
	X(TMOD_STATE_SIZE, O, "PyModuleObject", "md_state_size", false) /* 3.15 */ \
	X(TMOD_STATE_TRAVERSE, O, "PyModuleObject", "md_state_traverse", false) \
	X(TMOD_WEAKLIST, O, "PyModuleObject", "md_weaklist", false)            \
	X(TMOD_NAME, O, "PyModuleObject", "md_name", false)                    \
	X(TMODDEF_SIZE, O, "PyModuleDef", "m_size", false)                     \
	X(TMODDEF_TRAVERSE, O, "PyModuleDef", "m_traverse", false)             \
	/* module states of the m_traverse functions traverse.c mirrors   */   \
	X(TSIGNAL_ITIMER_ERROR, O, "_signal_module_state", "itimer_error", false) \
	X(TSIGNAL_SIGINFO_TYPE, O, "_signal_module_state", "siginfo_type", false) \
	X(TOPERATOR_ITEMGETTER, O, "_operator_state", "itemgetter_type", false) \
	X(TOPERATOR_ATTRGETTER, O, "_operator_state", "attrgetter_type", false) \
	X(TOPERATOR_METHODCALLER, O, "_operator_state", "methodcaller_type", false) \
	X(TARRAY_ARRAYTYPE, O, "array_state", "ArrayType", false)              \
	X(TARRAY_ITERTYPE, O, "array_state", "ArrayIterType", false)           \
	X(TATEXIT_CALLBACKS, O, "atexitmodule_state", "atexit_callbacks", false) \
	X(TATEXIT_NCALLBACKS, O, "atexitmodule_state", "ncallbacks", false)    \
	/* Modules/_decimal/_decimal.c decimal_state (3.13+)              */   \
	X(TDECST_CTXMGR_TYPE, O, "decimal_state", "PyDecContextManager_Type", false) \
	X(TDECST_CONTEXT_TYPE, O, "decimal_state", "PyDecContext_Type", false) \
	X(TDECST_SDMIXIN_TYPE, O, "decimal_state", "PyDecSignalDictMixin_Type", false) \
	X(TDECST_DEC_TYPE, O, "decimal_state", "PyDec_Type", false)            \
	X(TDECST_SIGNALDICT_TYPE, O, "decimal_state", "PyDecSignalDict_Type", false) \
	X(TDECST_DECIMALTUPLE, O, "decimal_state", "DecimalTuple", false)      \
	X(TDECST_EXCEPTION, O, "decimal_state", "DecimalException", false)     \
	X(TDECST_TLS_KEY, O, "decimal_state", "tls_context_key", false) /* no contextvar */ \
	X(TDECST_CACHED_CONTEXT, O, "decimal_state", "cached_context", false)  \
	X(TDECST_CONTEXT_VAR, O, "decimal_state", "current_context_var", false) \
	X(TDECST_DEFAULT_TEMPLATE, O, "decimal_state", "default_context_template", false) \
	X(TDECST_BASIC_TEMPLATE, O, "decimal_state", "basic_context_template", false) \
	X(TDECST_EXTENDED_TEMPLATE, O, "decimal_state", "extended_context_template", false) \
	X(TDECST_RATIONAL, O, "decimal_state", "Rational", false)              \
	X(TDECST_SIGNALTUPLE, O, "decimal_state", "SignalTuple", false)        \
	X(TDECST_SIGNAL_MAP, O, "decimal_state", "signal_map", false)          \
	X(TDECST_COND_MAP, O, "decimal_state", "cond_map", false)              \
	X(TSZ_DECCONDMAP, S, "DecCondMap", NULL, false)                        \
	X(TDECCOND_NAME, O, "DecCondMap", "name", false)                       \
	X(TDECCOND_EX, O, "DecCondMap", "ex", false)                           \
	/* Modules/_interpretersmodule.c module_state (3.13+)             */   \
	X(TINTERPST_XIBUFVIEW, O, "module_state", "XIBufferViewType", false)   \
	X(TATEXIT_CB_FUNC, O, "atexit_callback", "func", false)                \
	X(TATEXIT_CB_ARGS, O, "atexit_callback", "args", false)                \
	X(TATEXIT_CB_KWARGS, O, "atexit_callback", "kwargs", false)            \
	/* Objects/funcobject.c                                           */   \
	X(TFUNC_CODE, O, "PyFunctionObject", "func_code", false)               \
	X(TFUNC_GLOBALS, O, "PyFunctionObject", "func_globals", false)         \
	X(TFUNC_BUILTINS, O, "PyFunctionObject", "func_builtins", false)       \
	X(TFUNC_MODULE, O, "PyFunctionObject", "func_module", false)           \
	X(TFUNC_DEFAULTS, O, "PyFunctionObject", "func_defaults", false)       \
	X(TFUNC_KWDEFAULTS, O, "PyFunctionObject", "func_kwdefaults", false)   \
	X(TFUNC_DOC, O, "PyFunctionObject", "func_doc", false)                 \
	X(TFUNC_NAME, O, "PyFunctionObject", "func_name", false)               \
	X(TFUNC_DICT, O, "PyFunctionObject", "func_dict", false)               \
	X(TFUNC_CLOSURE, O, "PyFunctionObject", "func_closure", false)         \
	X(TFUNC_ANNOTATIONS, O, "PyFunctionObject", "func_annotations", false) \
	X(TFUNC_ANNOTATE, O, "PyFunctionObject", "func_annotate", false) /* 3.14+ */ \
	X(TFUNC_QUALNAME, O, "PyFunctionObject", "func_qualname", false)       \
	X(TFUNC_TYPEPARAMS, O, "PyFunctionObject", "func_typeparams", false)   \
	X(TFUNC_WEAKLIST, O, "PyFunctionObject", "func_weakreflist", false)    \
	X(TCM_CALLABLE, O, "classmethod", "cm_callable", false)                \
	X(TCM_DICT, O, "classmethod", "cm_dict", false)                        \
	X(TSM_CALLABLE, O, "staticmethod", "sm_callable", false)               \
	X(TSM_DICT, O, "staticmethod", "sm_dict", false)                       \
	/* Objects/classobject.c, methodobject.c, cellobject.c            */   \
	X(TMETHOD_FUNC, O, "PyMethodObject", "im_func", false)                 \
	X(TMETHOD_SELF, O, "PyMethodObject", "im_self", false)                 \
	X(TMETHOD_WEAKLIST, O, "PyMethodObject", "im_weakreflist", false)      \
	X(TIMETHOD_FUNC, O, "PyInstanceMethodObject", "func", false)           \
	X(TCFUNC_ML, O, "PyCFunctionObject", "m_ml", false)                    \
	X(TCFUNC_SELF, O, "PyCFunctionObject", "m_self", false)                \
	X(TCFUNC_MODULE, O, "PyCFunctionObject", "m_module", false)            \
	X(TCFUNC_WEAKLIST, O, "PyCFunctionObject", "m_weakreflist", false)     \
	X(TCMETH_CLASS, O, "PyCMethodObject", "mm_class", false)  /* 3.9+ */   \
	X(TMETHODDEF_FLAGS, O, "PyMethodDef", "ml_flags", false)               \
	X(TCELL_REF, O, "PyCellObject", "ob_ref", false)                       \
	/* Objects/descrobject.c                                          */   \
	X(TDESCR_TYPE, O, "PyDescrObject", "d_type", false)                    \
	X(TDESCR_NAME, O, "PyDescrObject", "d_name", false)                    \
	X(TDESCR_QUALNAME, O, "PyDescrObject", "d_qualname", false)            \
	X(TWRAPPER_DESCR, O, "wrapperobject", "descr", false)                  \
	X(TWRAPPER_SELF, O, "wrapperobject", "self", false)                    \
	X(TMAPPROXY_MAPPING, O, "mappingproxyobject", "mapping", false)        \
	X(TPROP_GET, O, "propertyobject", "prop_get", false)                   \
	X(TPROP_SET, O, "propertyobject", "prop_set", false)                   \
	X(TPROP_DEL, O, "propertyobject", "prop_del", false)                   \
	X(TPROP_DOC, O, "propertyobject", "prop_doc", false)                   \
	X(TPROP_NAME, O, "propertyobject", "prop_name", false)   /* 3.10+ */   \
	/* Objects/namespaceobject.c, sliceobject.c, traceback.c, weakrefs */  \
	X(TNS_DICT, O, "_PyNamespaceObject", "ns_dict", false)                 \
	X(TSLICE_START, O, "PySliceObject", "start", false)                    \
	X(TSLICE_STOP, O, "PySliceObject", "stop", false)                      \
	X(TSLICE_STEP, O, "PySliceObject", "step", false)                      \
	X(TTB_NEXT, O, "PyTracebackObject", "tb_next", false)                  \
	X(TTB_FRAME, O, "PyTracebackObject", "tb_frame", false)                \
	X(TWR_OBJECT, O, "PyWeakReference", "wr_object", false)                \
	X(TWR_CALLBACK, O, "PyWeakReference", "wr_callback", false)            \
	X(TRANGE_START, O, "rangeobject", "start", false)                      \
	X(TRANGE_STOP, O, "rangeobject", "stop", false)                        \
	X(TRANGE_STEP, O, "rangeobject", "step", false)                        \
	X(TRANGE_LENGTH, O, "rangeobject", "length", false)                    \
	X(TLRANGEIT_START, O, "longrangeiterobject", "start", false)           \
	X(TLRANGEIT_STEP, O, "longrangeiterobject", "step", false)             \
	X(TLRANGEIT_LEN, O, "longrangeiterobject", "len", false)               \
	/* Objects/typeobject.c super, enumobject.c, bltinmodule.c, iterobject.c */ \
	X(TSUPER_TYPE, O, "superobject", "type", false)                        \
	X(TSUPER_OBJ, O, "superobject", "obj", false)                          \
	X(TSUPER_OBJ_TYPE, O, "superobject", "obj_type", false)                \
	X(TENUM_SIT, O, "enumobject", "en_sit", false)                         \
	X(TENUM_RESULT, O, "enumobject", "en_result", false)                   \
	X(TENUM_LONGINDEX, O, "enumobject", "en_longindex", false)             \
	X(TREVERSED_SEQ, O, "reversedobject", "seq", false)                    \
	X(TZIP_ITTUPLE, O, "zipobject", "ittuple", false)                      \
	X(TZIP_RESULT, O, "zipobject", "result", false)                        \
	X(TMAP_ITERS, O, "mapobject", "iters", false)                          \
	X(TMAP_FUNC, O, "mapobject", "func", false)                            \
	X(TFILTER_FUNC, O, "filterobject", "func", false)                      \
	X(TFILTER_IT, O, "filterobject", "it", false)                          \
	X(TSEQITER_SEQ, O, "seqiterobject", "it_seq", false)                   \
	X(TCALLITER_CALLABLE, O, "calliterobject", "it_callable", false)       \
	X(TCALLITER_SENTINEL, O, "calliterobject", "it_sentinel", false)       \
	X(TLISTITER_SEQ, O, "listiterobject", "it_seq", false)                 \
	X(TLISTITER_SEQ2, O, "_PyListIterObject", "it_seq", false) /* 3.13 */  \
	X(TLISTREVITER_SEQ, O, "listreviterobject", "it_seq", false)           \
	X(TTUPLEITER_SEQ, O, "tupleiterobject", "it_seq", false)               \
	X(TTUPLEITER_SEQ2, O, "_PyTupleIterObject", "it_seq", false) /* 3.12+ */ \
	X(TSETITER_SET, O, "setiterobject", "si_set", false)                   \
	X(TDICTITER_DICT, O, "dictiterobject", "di_dict", false)               \
	X(TDICTITER_RESULT, O, "dictiterobject", "di_result", false)           \
	X(TDICTVIEW_DICT, O, "_PyDictViewObject", "dv_dict", false)            \
	X(TSTRITER_SEQ, O, "striterobject", "it_seq", false)                   \
	X(TBAITER_SEQ, O, "bytesiterobject", "it_seq", false)                  \
	X(TUNIITER_SEQ, O, "unicodeiterobject", "it_seq", false)               \
	X(TMEMORY_MBUF, O, "PyMemoryViewObject", "mbuf", false)                \
	X(TMEMORY_WEAKLIST, O, "PyMemoryViewObject", "weakreflist", false)     \
	X(TMBUF_OBJ, O, "_PyManagedBufferObject", "master.obj", false)         \
	X(TGA_ORIGIN, O, "gaobject", "origin", false)            /* 3.9+ */    \
	X(TGA_ARGS, O, "gaobject", "args", false)                              \
	X(TGA_PARAMETERS, O, "gaobject", "parameters", false)                  \
	X(TUNION_ARGS, O, "unionobject", "args", false)          /* 3.10+ */   \
	X(TUNION_HASHABLE, O, "unionobject", "hashable_args", false) /* 3.14+ */ \
	X(TUNION_UNHASHABLE, O, "unionobject", "unhashable_args", false)       \
	X(TUNION_PARAMETERS, O, "unionobject", "parameters", false)            \
	/* Objects/odictobject.c                                          */   \
	X(TODICT_FIRST, O, "PyODictObject", "od_first", false)                 \
	X(TODICT_INST_DICT, O, "PyODictObject", "od_inst_dict", false)         \
	X(TODICT_WEAKLIST, O, "PyODictObject", "od_weakreflist", false)        \
	X(TODICT_FAST_NODES_SIZE, O, "PyODictObject", "od_fast_nodes_size", false) \
	X(TODICTNODE_KEY, O, "struct _odictnode", "key", false)                \
	X(TODICTNODE_NEXT, O, "struct _odictnode", "next", false)              \
	X(TODICTITER_ODICT, O, "odictiterobject", "di_odict", false)           \
	X(TODICTITER_CURRENT, O, "odictiterobject", "di_current", false)       \
	X(TODICTITER_RESULT, O, "odictiterobject", "di_result", false)         \
	/* Objects/genobject.c                                            */   \
	X(TGEN_FRAME, O, "PyGenObject", "gi_frame", false)        /* <=3.10 */ \
	X(TGEN_CODE, O, "PyGenObject", "gi_code", false)          /* <=3.11 */ \
	X(TGEN_NAME, O, "PyGenObject", "gi_name", false)                       \
	X(TGEN_QUALNAME, O, "PyGenObject", "gi_qualname", false)               \
	X(TGEN_WEAKLIST, O, "PyGenObject", "gi_weakreflist", false)            \
	X(TGEN_EXC_TYPE, O, "PyGenObject", "gi_exc_state.exc_type", false)     \
	X(TGEN_EXC_VALUE, O, "PyGenObject", "gi_exc_state.exc_value", false)   \
	X(TGEN_EXC_TB, O, "PyGenObject", "gi_exc_state.exc_traceback", false)  \
	X(TGEN_ORIGIN, O, "PyGenObject", "gi_origin_or_finalizer", false)      \
	X(TGEN_FRAME_STATE, O, "PyGenObject", "gi_frame_state", false) /* 3.11+ */ \
	X(TGEN_IFRAME, O, "PyGenObject", "gi_iframe", false)      /* 3.11+ */  \
	X(TCORO_ORIGIN, O, "PyCoroObject", "cr_origin", false)    /* <=3.10 */ \
	X(TAGEN_FINALIZER, O, "PyAsyncGenObject", "ag_finalizer", false) /* <=3.10 */ \
	X(TAGEN_ORIGIN_OR_FIN, O, "PyAsyncGenObject", "ag_origin_or_finalizer", false) \
	X(TFRAME_CLEARED, RH_LAYOUT_ENUM, "enum _framestate", "FRAME_CLEARED", false) \
	X(TASEND_GEN, O, "PyAsyncGenASend", "ags_gen", false)                  \
	X(TASEND_SENDVAL, O, "PyAsyncGenASend", "ags_sendval", false)          \
	X(TATHROW_GEN, O, "PyAsyncGenAThrow", "agt_gen", false)                \
	X(TATHROW_ARGS, O, "PyAsyncGenAThrow", "agt_args", false)              \
	X(TATHROW_TYP, O, "PyAsyncGenAThrow", "agt_typ", false) /* 3.15 */     \
	X(TATHROW_TB, O, "PyAsyncGenAThrow", "agt_tb", false)   /* 3.15 */     \
	X(TATHROW_VAL, O, "PyAsyncGenAThrow", "agt_val", false) /* 3.15 */     \
	/* Objects/lazyimportobject.c (3.15), Objects/sentinelobject.c     */  \
	X(TLAZY_BUILTINS, O, "PyLazyImportObject", "lz_builtins", false)       \
	X(TLAZY_FROM, O, "PyLazyImportObject", "lz_from", false)               \
	X(TLAZY_ATTR, O, "PyLazyImportObject", "lz_attr", false)               \
	X(TLAZY_CODE, O, "PyLazyImportObject", "lz_code", false)               \
	X(TSENTINEL_NAME, O, "sentinelobject", "name", false)                  \
	X(TSENTINEL_MODULE, O, "sentinelobject", "module", false)              \
	X(TSENTINEL_REPR, O, "sentinelobject", "repr", false)                  \
	X(TAWRAPPED_VAL, O, "_PyAsyncGenWrappedValue", "agw_val", false)       \
	X(TCORO_WRAPPER_CORO, O, "PyCoroWrapper", "cw_coroutine", false)       \
	/* Objects/frameobject.c, Python/frame.c                          */   \
	X(TFRAME_BACK, O, "PyFrameObject", "f_back", false)                    \
	X(TFRAME_CODE, O, "PyFrameObject", "f_code", false)       /* <=3.10 */ \
	X(TFRAME_BUILTINS, O, "PyFrameObject", "f_builtins", false)            \
	X(TFRAME_GLOBALS, O, "PyFrameObject", "f_globals", false)              \
	X(TFRAME_LOCALS, O, "PyFrameObject", "f_locals", false)                \
	X(TFRAME_TRACE, O, "PyFrameObject", "f_trace", false)                  \
	X(TFRAME_VALUESTACK, O, "PyFrameObject", "f_valuestack", false)        \
	X(TFRAME_STACKTOP, O, "PyFrameObject", "f_stacktop", false) /* 3.8-3.9 */ \
	X(TFRAME_STACKDEPTH, O, "PyFrameObject", "f_stackdepth", false) /* 3.10 */ \
	X(TFRAME_LOCALSPLUS, O, "PyFrameObject", "f_localsplus", false)        \
	X(TFRAME_FRAME, O, "PyFrameObject", "f_frame", false)     /* 3.11+ */  \
	X(TFRAME_EXTRA_LOCALS, O, "PyFrameObject", "f_extra_locals", false) /* 3.13 */ \
	X(TFRAME_LOCALS_CACHE, O, "PyFrameObject", "f_locals_cache", false)    \
	X(TIF_FUNC, O, "struct _PyInterpreterFrame", "f_func", false) /* 3.11 */ \
	X(TIF_FUNCOBJ, O, "struct _PyInterpreterFrame", "f_funcobj", false)    \
	X(TIF_CODE, O, "struct _PyInterpreterFrame", "f_code", false)          \
	X(TIF_EXECUTABLE, O, "struct _PyInterpreterFrame", "f_executable", false) \
	X(TIF_LOCALS, O, "struct _PyInterpreterFrame", "f_locals", false)      \
	X(TIF_FRAME_OBJ, O, "struct _PyInterpreterFrame", "frame_obj", false)  \
	X(TIF_STACKTOP, O, "struct _PyInterpreterFrame", "stacktop", false)    \
	X(TIF_STACKPOINTER, O, "struct _PyInterpreterFrame", "stackpointer", false) /* 3.14+ */ \
	X(TIF_OWNER, O, "struct _PyInterpreterFrame", "owner", false)          \
	X(TIF_LOCALSPLUS, O, "struct _PyInterpreterFrame", "localsplus", false) \
	X(TOWNED_BY_FRAME_OBJECT, RH_LAYOUT_ENUM, "enum _frameowner", "FRAME_OWNED_BY_FRAME_OBJECT", false) \
	/* Objects/codeobject.c (not GC: owned references only)           */   \
	X(TCO_CONSTS, O, "PyCodeObject", "co_consts", false)                   \
	X(TCO_NAMES, O, "PyCodeObject", "co_names", false)                     \
	X(TCO_CODE, O, "PyCodeObject", "co_code", false)          /* <=3.10 */ \
	X(TCO_VARNAMES, O, "PyCodeObject", "co_varnames", false)  /* <=3.10 */ \
	X(TCO_FREEVARS, O, "PyCodeObject", "co_freevars", false)               \
	X(TCO_CELLVARS, O, "PyCodeObject", "co_cellvars", false)               \
	X(TCO_LOCALSPLUSNAMES, O, "PyCodeObject", "co_localsplusnames", false) \
	X(TCO_LOCALSPLUSKINDS, O, "PyCodeObject", "co_localspluskinds", false) \
	X(TCO_FILENAME, O, "PyCodeObject", "co_filename", false)               \
	X(TCO_NAME, O, "PyCodeObject", "co_name", false)                       \
	X(TCO_QUALNAME, O, "PyCodeObject", "co_qualname", false)               \
	X(TCO_LNOTAB, O, "PyCodeObject", "co_lnotab", false)                   \
	X(TCO_LINETABLE, O, "PyCodeObject", "co_linetable", false)             \
	X(TCO_EXCEPTIONTABLE, O, "PyCodeObject", "co_exceptiontable", false)   \
	X(TCO_ZOMBIEFRAME, O, "PyCodeObject", "co_zombieframe", false)         \
	X(TCO_WEAKLIST, O, "PyCodeObject", "co_weakreflist", false)            \
	X(TCO_CODE_CACHE, O, "PyCodeObject", "_co_code", false)   /* 3.11 */   \
	X(TCO_CACHED, O, "PyCodeObject", "_co_cached", false)     /* 3.12+ */  \
	X(TCOCACHED_CODE, O, "_PyCoCached", "_co_code", false)                 \
	X(TCOCACHED_VARNAMES, O, "_PyCoCached", "_co_varnames", false)         \
	X(TCOCACHED_CELLVARS, O, "_PyCoCached", "_co_cellvars", false)         \
	X(TCOCACHED_FREEVARS, O, "_PyCoCached", "_co_freevars", false)         \
	/* Objects/exceptions.c                                           */   \
	X(TEXC_DICT, O, "PyBaseExceptionObject", "dict", false)                \
	X(TEXC_ARGS, O, "PyBaseExceptionObject", "args", false)                \
	X(TEXC_NOTES, O, "PyBaseExceptionObject", "notes", false) /* 3.11+ */  \
	X(TEXC_TRACEBACK, O, "PyBaseExceptionObject", "traceback", false)      \
	X(TEXC_CONTEXT, O, "PyBaseExceptionObject", "context", false)          \
	X(TEXC_CAUSE, O, "PyBaseExceptionObject", "cause", false)              \
	X(TSYNERR_MSG, O, "PySyntaxErrorObject", "msg", false)                 \
	X(TSYNERR_FILENAME, O, "PySyntaxErrorObject", "filename", false)       \
	X(TSYNERR_LINENO, O, "PySyntaxErrorObject", "lineno", false)           \
	X(TSYNERR_OFFSET, O, "PySyntaxErrorObject", "offset", false)           \
	X(TSYNERR_END_LINENO, O, "PySyntaxErrorObject", "end_lineno", false)   \
	X(TSYNERR_END_OFFSET, O, "PySyntaxErrorObject", "end_offset", false)   \
	X(TSYNERR_TEXT, O, "PySyntaxErrorObject", "text", false)               \
	X(TSYNERR_PFAL, O, "PySyntaxErrorObject", "print_file_and_line", false) \
	X(TIMPERR_MSG, O, "PyImportErrorObject", "msg", false)                 \
	X(TIMPERR_NAME, O, "PyImportErrorObject", "name", false)               \
	X(TIMPERR_PATH, O, "PyImportErrorObject", "path", false)               \
	X(TIMPERR_NAME_FROM, O, "PyImportErrorObject", "name_from", false)     \
	X(TOSERR_ERRNO, O, "PyOSErrorObject", "myerrno", false)                \
	X(TOSERR_STRERROR, O, "PyOSErrorObject", "strerror", false)            \
	X(TOSERR_FILENAME, O, "PyOSErrorObject", "filename", false)            \
	X(TOSERR_FILENAME2, O, "PyOSErrorObject", "filename2", false)          \
	X(TSYSEXIT_CODE, O, "PySystemExitObject", "code", false)               \
	X(TSTOPITER_VALUE, O, "PyStopIterationObject", "value", false)         \
	X(TUNIERR_ENCODING, O, "PyUnicodeErrorObject", "encoding", false)      \
	X(TUNIERR_OBJECT, O, "PyUnicodeErrorObject", "object", false)          \
	X(TUNIERR_REASON, O, "PyUnicodeErrorObject", "reason", false)          \
	X(TATTRERR_OBJ, O, "PyAttributeErrorObject", "obj", false) /* 3.10+ */ \
	X(TATTRERR_NAME, O, "PyAttributeErrorObject", "name", false)           \
	X(TNAMEERR_NAME, O, "PyNameErrorObject", "name", false)   /* 3.10+ */  \
	X(TEXCGROUP_MSG, O, "PyBaseExceptionGroupObject", "msg", false) /* 3.11+ */ \
	X(TEXCGROUP_EXCS, O, "PyBaseExceptionGroupObject", "excs", false)      \
	/* Python/context.c, Python/hamt.c                                */   \
	X(TCTX_PREV, O, "PyContext", "ctx_prev", false)                        \
	X(TCTX_VARS, O, "PyContext", "ctx_vars", false)                        \
	X(TCTXVAR_NAME, O, "PyContextVar", "var_name", false)                  \
	X(TCTXVAR_DEFAULT, O, "PyContextVar", "var_default", false)            \
	X(TCTXVAR_CACHED, O, "PyContextVar", "var_cached", false)              \
	X(TTOKEN_CTX, O, "PyContextToken", "tok_ctx", false)                   \
	X(TTOKEN_VAR, O, "PyContextToken", "tok_var", false)                   \
	X(TTOKEN_OLDVAL, O, "PyContextToken", "tok_oldval", false)             \
	X(THAMT_ROOT, O, "PyHamtObject", "h_root", false)                      \
	X(THAMT_BITMAP_ARRAY, O, "PyHamtNode_Bitmap", "b_array", false)        \
	X(THAMT_ARRAY_ARRAY, O, "PyHamtNode_Array", "a_array", false)          \
	X(THAMT_ARRAY_COUNT, C, "PyHamtNode_Array", "a_array", false)          \
	X(THAMT_COLL_ARRAY, O, "PyHamtNode_Collision", "c_array", false)       \
	/* Modules/_collectionsmodule.c                                   */   \
	X(TDEQUE_LEFTBLOCK, O, "dequeobject", "leftblock", false)              \
	X(TDEQUE_RIGHTBLOCK, O, "dequeobject", "rightblock", false)            \
	X(TDEQUE_LEFTINDEX, O, "dequeobject", "leftindex", false)              \
	X(TDEQUE_RIGHTINDEX, O, "dequeobject", "rightindex", false)            \
	X(TDEQUE_WEAKLIST, O, "dequeobject", "weakreflist", false)             \
	X(TBLOCK_DATA, O, "struct BLOCK", "data", false)                       \
	X(TBLOCK_LEN, C, "struct BLOCK", "data", false)                        \
	X(TBLOCK_RIGHTLINK, O, "struct BLOCK", "rightlink", false)             \
	X(TDEQUEITER_DEQUE, O, "dequeiterobject", "deque", false)              \
	X(TDEFDICT_FACTORY, O, "defdictobject", "default_factory", false)      \
	X(TTUPLEGETTER_DOC, O, "_tuplegetterobject", "doc", false)             \
	/* Modules/_functoolsmodule.c                                     */   \
	X(TPARTIAL_FN, O, "partialobject", "fn", false)                        \
	X(TPARTIAL_ARGS, O, "partialobject", "args", false)                    \
	X(TPARTIAL_KW, O, "partialobject", "kw", false)                        \
	X(TPARTIAL_DICT, O, "partialobject", "dict", false)                    \
	X(TPARTIAL_WEAKLIST, O, "partialobject", "weakreflist", false)         \
	X(TKEYOBJ_CMP, O, "keyobject", "cmp", false)                           \
	X(TKEYOBJ_OBJECT, O, "keyobject", "object", false)                     \
	X(TLRU_ROOT_NEXT, O, "lru_cache_object", "root.next", false)           \
	X(TLRU_CACHE, O, "lru_cache_object", "cache", false)                   \
	X(TLRU_FUNC, O, "lru_cache_object", "func", false)                     \
	X(TLRU_KWD_MARK, O, "lru_cache_object", "kwd_mark", false)             \
	X(TLRU_ELEM_TYPE, O, "lru_cache_object", "lru_list_elem_type", false)  \
	X(TLRU_INFO_TYPE, O, "lru_cache_object", "cache_info_type", false)     \
	X(TLRU_DICT, O, "lru_cache_object", "dict", false)                     \
	X(TLRU_WEAKLIST, O, "lru_cache_object", "weakreflist", false)          \
	X(TLRU_ELEM_NEXT, O, "lru_list_elem", "next", false)                   \
	X(TLRU_ELEM_KEY, O, "lru_list_elem", "key", false)                     \
	X(TLRU_ELEM_RESULT, O, "lru_list_elem", "result", false)               \
	/* Modules/_abc.c, _operator.c, itertoolsmodule.c                 */   \
	X(TABC_REGISTRY, O, "_abc_data", "_abc_registry", false)               \
	X(TABC_CACHE, O, "_abc_data", "_abc_cache", false)                     \
	X(TABC_NEG_CACHE, O, "_abc_data", "_abc_negative_cache", false)        \
	X(TITEMGETTER_ITEM, O, "itemgetterobject", "item", false)              \
	X(TATTRGETTER_ATTR, O, "attrgetterobject", "attr", false)              \
	X(TMCALLER_NAME, O, "methodcallerobject", "name", false)               \
	X(TMCALLER_ARGS, O, "methodcallerobject", "args", false)               \
	X(TMCALLER_KWDS, O, "methodcallerobject", "kwds", false)               \
	X(TMCALLER_XARGS, O, "methodcallerobject", "xargs", false) /* 3.13 */  \
	X(TMCALLER_VCARGS, O, "methodcallerobject", "vectorcall_args", false) /* 3.14+ */ \
	X(TMCALLER_VCKWNAMES, O, "methodcallerobject", "vectorcall_kwnames", false) \
	X(TCOUNT_LONG_CNT, O, "countobject", "long_cnt", false)                \
	X(TCOUNT_LONG_STEP, O, "countobject", "long_step", false)              \
	X(TCYCLE_IT, O, "cycleobject", "it", false)                            \
	X(TCYCLE_SAVED, O, "cycleobject", "saved", false)                      \
	X(TCHAIN_SOURCE, O, "chainobject", "source", false)                    \
	X(TCHAIN_ACTIVE, O, "chainobject", "active", false)                    \
	X(TISLICE_IT, O, "isliceobject", "it", false)                          \
	X(TGROUPBY_IT, O, "groupbyobject", "it", false)                        \
	X(TGROUPBY_KEYFUNC, O, "groupbyobject", "keyfunc", false)              \
	X(TGROUPBY_TGTKEY, O, "groupbyobject", "tgtkey", false)                \
	X(TGROUPBY_CURRKEY, O, "groupbyobject", "currkey", false)              \
	X(TGROUPBY_CURRVALUE, O, "groupbyobject", "currvalue", false)          \
	X(TGROUPER_PARENT, O, "_grouperobject", "parent", false)               \
	X(TGROUPER_TGTKEY, O, "_grouperobject", "tgtkey", false)               \
	X(TTEE_DATAOBJ, O, "teeobject", "dataobj", false)                      \
	X(TTEEDATA_IT, O, "teedataobject", "it", false)                        \
	X(TTEEDATA_NUMREAD, O, "teedataobject", "numread", false)              \
	X(TTEEDATA_NEXTLINK, O, "teedataobject", "nextlink", false)            \
	X(TTEEDATA_VALUES, O, "teedataobject", "values", false)                \
	X(TTEEDATA_NVALUES, C, "teedataobject", "values", false)               \
	X(TPRODUCT_POOLS, O, "productobject", "pools", false)                  \
	X(TPRODUCT_RESULT, O, "productobject", "result", false)                \
	X(TREPEAT_ELEMENT, O, "repeatobject", "element", false)                \
	X(TACCUM_BINOP, O, "accumulateobject", "binop", false)                 \
	X(TACCUM_IT, O, "accumulateobject", "it", false)                       \
	X(TACCUM_TOTAL, O, "accumulateobject", "total", false)                 \
	X(TACCUM_INITIAL, O, "accumulateobject", "initial", false)             \
	X(TSTARMAP_FUNC, O, "starmapobject", "func", false)                    \
	X(TSTARMAP_IT, O, "starmapobject", "it", false)                        \
	X(TZIPLONG_ITTUPLE, O, "ziplongestobject", "ittuple", false)           \
	X(TZIPLONG_RESULT, O, "ziplongestobject", "result", false)             \
	X(TZIPLONG_FILLVALUE, O, "ziplongestobject", "fillvalue", false)       \
	X(TCOMB_POOL, O, "combinationsobject", "pool", false)                  \
	X(TCOMB_RESULT, O, "combinationsobject", "result", false)              \
	X(TCWR_POOL, O, "cwrobject", "pool", false)                            \
	X(TCWR_RESULT, O, "cwrobject", "result", false)                        \
	X(TPERM_POOL, O, "permutationsobject", "pool", false)                  \
	X(TPERM_RESULT, O, "permutationsobject", "result", false)              \
	X(TCOMPRESS_DATA, O, "compressobject", "data", false)                  \
	X(TCOMPRESS_SELECTORS, O, "compressobject", "selectors", false)        \
	X(TDROPWHILE_FUNC, O, "dropwhileobject", "func", false)                \
	X(TDROPWHILE_IT, O, "dropwhileobject", "it", false)                    \
	X(TTAKEWHILE_FUNC, O, "takewhileobject", "func", false)                \
	X(TTAKEWHILE_IT, O, "takewhileobject", "it", false)                    \
	X(TFILTERFALSE_FUNC, O, "filterfalseobject", "func", false)            \
	X(TFILTERFALSE_IT, O, "filterfalseobject", "it", false)                \
	X(TPAIRWISE_IT, O, "pairwiseobject", "it", false)      /* 3.10+ */     \
	X(TPAIRWISE_OLD, O, "pairwiseobject", "old", false)                    \
	X(TPAIRWISE_RESULT, O, "pairwiseobject", "result", false) /* 3.13 */   \
	X(TBATCHED_IT, O, "batchedobject", "it", false)        /* 3.12+ */     \
	/* Modules/_sre.c (_sre/sre.c 3.11+)                              */   \
	X(TPATTERN_GROUPINDEX, O, "PatternObject", "groupindex", false)        \
	X(TPATTERN_INDEXGROUP, O, "PatternObject", "indexgroup", false)        \
	X(TPATTERN_PATTERN, O, "PatternObject", "pattern", false)              \
	X(TMATCH_STRING, O, "MatchObject", "string", false)                    \
	X(TMATCH_REGS, O, "MatchObject", "regs", false)                        \
	X(TMATCH_PATTERN, O, "MatchObject", "pattern", false)                  \
	X(TSCANNER_PATTERN, O, "ScannerObject", "pattern", false)              \
	/* Modules/_io                                                    */   \
	X(TFILEIO_DICT, O, "fileio", "dict", false)                            \
	X(TIOBASE_DICT, O, "iobase", "dict", false)                            \
	X(TBUFFERED_RAW, O, "buffered", "raw", false)                          \
	X(TBUFFERED_DICT, O, "buffered", "dict", false)                        \
	X(TRWPAIR_READER, O, "rwpair", "reader", false)                        \
	X(TRWPAIR_WRITER, O, "rwpair", "writer", false)                        \
	X(TRWPAIR_DICT, O, "rwpair", "dict", false)                            \
	X(TTEXTIO_BUFFER, O, "textio", "buffer", false)                        \
	X(TTEXTIO_ENCODING, O, "textio", "encoding", false)                    \
	X(TTEXTIO_ENCODER, O, "textio", "encoder", false)                      \
	X(TTEXTIO_DECODER, O, "textio", "decoder", false)                      \
	X(TTEXTIO_READNL, O, "textio", "readnl", false)                        \
	X(TTEXTIO_DECODED_CHARS, O, "textio", "decoded_chars", false)          \
	X(TTEXTIO_PENDING_BYTES, O, "textio", "pending_bytes", false)          \
	X(TTEXTIO_SNAPSHOT, O, "textio", "snapshot", false)                    \
	X(TTEXTIO_ERRORS, O, "textio", "errors", false)                        \
	X(TTEXTIO_RAW, O, "textio", "raw", false)                              \
	X(TTEXTIO_DICT, O, "textio", "dict", false)                            \
	X(TSTRINGIO_READNL, O, "stringio", "readnl", false)                    \
	X(TSTRINGIO_WRITENL, O, "stringio", "writenl", false)                  \
	X(TSTRINGIO_DECODER, O, "stringio", "decoder", false)                  \
	X(TSTRINGIO_DICT, O, "stringio", "dict", false)                        \
	X(TBYTESIO_DICT, O, "bytesio", "dict", false)                          \
	X(TBYTESIO_BUF, O, "bytesio", "buf", false)                            \
	X(TNLDECODER_DECODER, O, "nldecoder_object", "decoder", false)         \
	X(TNLDECODER_ERRORS, O, "nldecoder_object", "errors", false)          \
	/* built-in extension modules (Debian): _struct, array            */   \
	X(TSTRUCT_FORMAT, O, "PyStructObject", "s_format", false)              \
	RH_PY_TRAVERSE_EXT_LAYOUTS(X)

/*
 * Structs of the stdlib's extension modules. Where the module is a shared
 * object (lib-dynload: _json, _asyncio, _sqlite3, _ssl, _decimal, and
 * _pickle in pyenv builds) these are answered from THAT module's DWARF
 * (traverse.c, lset_of()); where it is built into the interpreter
 * (Debian's _pickle, _socket; _thread everywhere) from the interpreter's.
 */
#define RH_PY_TRAVERSE_EXT_LAYOUTS(X)                                          \
	/* Modules/_threadmodule.c                                        */   \
	X(TLOCAL_ARGS, O, "localobject", "args", false)                        \
	X(TLOCAL_KW, O, "localobject", "kw", false)                            \
	X(TLOCAL_DUMMIES, O, "localobject", "dummies", false)   /* <=3.12 */   \
	X(TLOCAL_LOCALDICTS, O, "localobject", "localdicts", false) /* 3.13 */ \
	X(TLOCAL_WATCHDOGS, O, "localobject", "thread_watchdogs", false)       \
	X(TLOCAL_KEY, O, "localobject", "key", false)                          \
	X(TLOCAL_WEAKLIST, O, "localobject", "weakreflist", false)             \
	X(TSZ_LOCK, S, "lockobject", NULL, false)                              \
	/* Modules/_json.c                                                */   \
	X(TJSCAN_OBJECT_HOOK, O, "PyScannerObject", "object_hook", false)      \
	X(TJSCAN_PAIRS_HOOK, O, "PyScannerObject", "object_pairs_hook", false) \
	X(TJSCAN_ARRAY_HOOK, O, "PyScannerObject", "array_hook", false) /* 3.15 */ \
	X(TJSCAN_PARSE_FLOAT, O, "PyScannerObject", "parse_float", false)      \
	X(TJSCAN_PARSE_INT, O, "PyScannerObject", "parse_int", false)          \
	X(TJSCAN_PARSE_CONSTANT, O, "PyScannerObject", "parse_constant", false) \
	X(TJSCAN_MEMO, O, "PyScannerObject", "memo", false)   /* 3.9-3.12 */   \
	X(TJENC_MARKERS, O, "PyEncoderObject", "markers", false)               \
	X(TJENC_DEFAULTFN, O, "PyEncoderObject", "defaultfn", false)           \
	X(TJENC_ENCODER, O, "PyEncoderObject", "encoder", false)               \
	X(TJENC_INDENT, O, "PyEncoderObject", "indent", false)                 \
	X(TJENC_KEY_SEP, O, "PyEncoderObject", "key_separator", false)         \
	X(TJENC_ITEM_SEP, O, "PyEncoderObject", "item_separator", false)       \
	/* Modules/_asynciomodule.c: TaskObj starts with FutureObj_HEAD(task),\
	 * the same members as FutureObj's with another prefix, so a Task's  \
	 * future fields are read at FutureObj's offsets                  */   \
	X(TASYNCST_FUTITER_TYPE, O, "asyncio_state", "FutureIterType", false) \
	X(TASYNCST_TASKSTEP_TYPE, O, "asyncio_state", "TaskStepMethWrapper_Type", false) \
	X(TASYNCST_FUTURE_TYPE, O, "asyncio_state", "FutureType", false) \
	X(TASYNCST_TASK_TYPE, O, "asyncio_state", "TaskType", false) \
	X(TASYNCST_MOD, O, "asyncio_state", "asyncio_mod", false) /* 3.12+ */ \
	X(TASYNCST_EXTRACT_STACK, O, "asyncio_state", "traceback_extract_stack", false) \
	X(TASYNCST_FUTURE_REPR, O, "asyncio_state", "asyncio_future_repr_func", false) \
	X(TASYNCST_GET_LOOP_POLICY, O, "asyncio_state", "asyncio_get_event_loop_policy", false) \
	X(TASYNCST_ISCOROUTINE, O, "asyncio_state", "asyncio_iscoroutine_func", false) \
	X(TASYNCST_TASK_GET_STACK, O, "asyncio_state", "asyncio_task_get_stack_func", false) \
	X(TASYNCST_TASK_PRINT_STACK, O, "asyncio_state", "asyncio_task_print_stack_func", false) \
	X(TASYNCST_TASK_REPR, O, "asyncio_state", "asyncio_task_repr_func", false) \
	X(TASYNCST_INVALIDSTATE, O, "asyncio_state", "asyncio_InvalidStateError", false) \
	X(TASYNCST_CANCELLED, O, "asyncio_state", "asyncio_CancelledError", false) \
	X(TASYNCST_SCHEDULED_TASKS, O, "asyncio_state", "scheduled_tasks", false) /* 3.12-3.13 */ \
	X(TASYNCST_EAGER_TASKS, O, "asyncio_state", "eager_tasks", false) \
	X(TASYNCST_CURRENT_TASKS, O, "asyncio_state", "current_tasks", false) \
	X(TASYNCST_NON_ASYNCIO_TASKS, O, "asyncio_state", "non_asyncio_tasks", false) /* 3.14+ */ \
	X(TASYNCST_NON_ASYNCIO_EAGER, O, "asyncio_state", "non_asyncio_eager_tasks", false) \
	X(TASYNCST_TYPECACHE, O, "asyncio_state", "iscoroutine_typecache", false) \
	X(TASYNCST_CONTEXT_KWNAME, O, "asyncio_state", "context_kwname", false) \
	X(TASYNCST_CACHED_LOOP, O, "asyncio_state", "cached_running_loop", false) /* 3.12 */ \
	X(TASYNCST_FI_FREELIST, O, "asyncio_state", "fi_freelist", false) /* 3.12-3.13 */ \
	X(TFUT_LOOP, O, "FutureObj", "fut_loop", false)                        \
	X(TFUT_CALLBACK0, O, "FutureObj", "fut_callback0", false)              \
	X(TFUT_CONTEXT0, O, "FutureObj", "fut_context0", false)                \
	X(TFUT_CALLBACKS, O, "FutureObj", "fut_callbacks", false)              \
	X(TFUT_RESULT, O, "FutureObj", "fut_result", false)                    \
	X(TFUT_EXCEPTION, O, "FutureObj", "fut_exception", false)              \
	X(TFUT_EXCEPTION_TB, O, "FutureObj", "fut_exception_tb", false) /* 3.10+ */ \
	X(TFUT_SOURCE_TB, O, "FutureObj", "fut_source_tb", false)              \
	X(TFUT_CANCEL_MSG, O, "FutureObj", "fut_cancel_msg", false) /* 3.9+ */ \
	X(TFUT_CANCELLED_EXC, O, "FutureObj", "fut_cancelled_exc", false) /* 3.11+ */ \
	X(TFUT_AWAITED_BY, O, "FutureObj", "fut_awaited_by", false) /* 3.14+ */ \
	X(TFUT_DICT, O, "FutureObj", "dict", false)             /* <=3.12 */   \
	X(TFUT_EXC_STATE_TYPE, O, "FutureObj", "fut_cancelled_exc_state.exc_type", false) /* 3.9-3.10 */ \
	X(TFUT_EXC_STATE_VALUE, O, "FutureObj", "fut_cancelled_exc_state.exc_value", false) \
	X(TFUT_EXC_STATE_TB, O, "FutureObj", "fut_cancelled_exc_state.exc_traceback", false) \
	X(TFUT_WEAKLIST, O, "FutureObj", "fut_weakreflist", false)             \
	X(TTASK_CONTEXT, O, "TaskObj", "task_context", false)                  \
	X(TTASK_CORO, O, "TaskObj", "task_coro", false)                        \
	X(TTASK_NAME, O, "TaskObj", "task_name", false)                        \
	X(TTASK_FUT_WAITER, O, "TaskObj", "task_fut_waiter", false)            \
	X(TFUTITER_FUTURE, O, "futureiterobject", "future", false)             \
	X(TTASKSTEP_TASK, O, "TaskStepMethWrapper", "sw_task", false)          \
	X(TTASKSTEP_ARG, O, "TaskStepMethWrapper", "sw_arg", false)            \
	X(TTASKWAKEUP_TASK, O, "TaskWakeupMethWrapper", "ww_task", false) /* <=3.10 */ \
	/* Modules/_sqlite/ (3.10+: earlier versions' types are not GC)   */   \
	X(TSQLST_DATAERROR, O, "pysqlite_state", "DataError", false) /* 3.11+ */ \
	X(TSQLST_DATABASEERROR, O, "pysqlite_state", "DatabaseError", false) \
	X(TSQLST_ERROR, O, "pysqlite_state", "Error", false) \
	X(TSQLST_INTEGRITYERROR, O, "pysqlite_state", "IntegrityError", false) \
	X(TSQLST_INTERFACEERROR, O, "pysqlite_state", "InterfaceError", false) \
	X(TSQLST_INTERNALERROR, O, "pysqlite_state", "InternalError", false) \
	X(TSQLST_NOTSUPPORTEDERROR, O, "pysqlite_state", "NotSupportedError", false) \
	X(TSQLST_OPERATIONALERROR, O, "pysqlite_state", "OperationalError", false) \
	X(TSQLST_PROGRAMMINGERROR, O, "pysqlite_state", "ProgrammingError", false) \
	X(TSQLST_WARNING, O, "pysqlite_state", "Warning", false) \
	X(TSQLST_BLOBTYPE, O, "pysqlite_state", "BlobType", false) \
	X(TSQLST_CONNECTIONTYPE, O, "pysqlite_state", "ConnectionType", false) \
	X(TSQLST_CURSORTYPE, O, "pysqlite_state", "CursorType", false) \
	X(TSQLST_PREPAREPROTOCOLTYPE, O, "pysqlite_state", "PrepareProtocolType", false) \
	X(TSQLST_ROWTYPE, O, "pysqlite_state", "RowType", false) \
	X(TSQLST_STATEMENTTYPE, O, "pysqlite_state", "StatementType", false) \
	X(TSQLST_CONVERTERS, O, "pysqlite_state", "converters", false) \
	X(TSQLST_LRU_CACHE, O, "pysqlite_state", "lru_cache", false) \
	X(TSQLST_ADAPTERS, O, "pysqlite_state", "psyco_adapters", false) \
	X(TSQLCONN_ISOLATION, O, "pysqlite_Connection", "isolation_level", false) /* 3.10 */ \
	X(TSQLCONN_STMT_CACHE, O, "pysqlite_Connection", "statement_cache", false) \
	X(TSQLCONN_STATEMENTS, O, "pysqlite_Connection", "statements", false) /* 3.10 */ \
	X(TSQLCONN_CURSORS, O, "pysqlite_Connection", "cursors", false)        \
	X(TSQLCONN_BLOBS, O, "pysqlite_Connection", "blobs", false) /* 3.11+ */ \
	X(TSQLCONN_ROW_FACTORY, O, "pysqlite_Connection", "row_factory", false) \
	X(TSQLCONN_TEXT_FACTORY, O, "pysqlite_Connection", "text_factory", false) \
	X(TSQLCONN_PIN_TRACE, O, "pysqlite_Connection", "function_pinboard_trace_callback", false) \
	X(TSQLCONN_PIN_PROGRESS, O, "pysqlite_Connection", "function_pinboard_progress_handler", false) \
	X(TSQLCONN_PIN_AUTH, O, "pysqlite_Connection", "function_pinboard_authorizer_cb", false) \
	X(TSQLCONN_COLLATIONS, O, "pysqlite_Connection", "collations", false)  \
	X(TSQLCONN_TRACE_CTX, O, "pysqlite_Connection", "trace_ctx", false) /* 3.11+ */ \
	X(TSQLCONN_PROGRESS_CTX, O, "pysqlite_Connection", "progress_ctx", false) \
	X(TSQLCONN_AUTH_CTX, O, "pysqlite_Connection", "authorizer_ctx", false) \
	X(TSQLCTX_CALLABLE, O, "callback_context", "callable", false)          \
	X(TSQLCTX_MODULE, O, "callback_context", "module", false)              \
	X(TSQLCUR_CONNECTION, O, "pysqlite_Cursor", "connection", false)       \
	X(TSQLCUR_DESCRIPTION, O, "pysqlite_Cursor", "description", false)     \
	X(TSQLCUR_ROW_CAST_MAP, O, "pysqlite_Cursor", "row_cast_map", false)   \
	X(TSQLCUR_LASTROWID, O, "pysqlite_Cursor", "lastrowid", false)         \
	X(TSQLCUR_ROW_FACTORY, O, "pysqlite_Cursor", "row_factory", false)     \
	X(TSQLCUR_STATEMENT, O, "pysqlite_Cursor", "statement", false)         \
	X(TSQLCUR_NEXT_ROW, O, "pysqlite_Cursor", "next_row", false) /* 3.10 */ \
	X(TSQLSTMT_SQL, O, "pysqlite_Statement", "sql", false)   /* 3.10 */    \
	X(TSQLSTMT_DB, O, "pysqlite_Statement", "db", false)                   \
	X(TSQLBLOB_CONNECTION, O, "pysqlite_Blob", "connection", false)        \
	X(TSQLROW_DATA, O, "pysqlite_Row", "data", false)                      \
	X(TSQLROW_DESCRIPTION, O, "pysqlite_Row", "description", false)        \
	X(TSQLCACHE_MAPPING, O, "pysqlite_Cache", "mapping", false) /* 3.10 */ \
	X(TSQLCACHE_FACTORY, O, "pysqlite_Cache", "factory", false)            \
	X(TSQLCACHE_FIRST, O, "pysqlite_Cache", "first", false)                \
	X(TSQLCACHE_DECREF, O, "pysqlite_Cache", "decref_factory", false)      \
	X(TSQLNODE_KEY, O, "pysqlite_Node", "key", false)                      \
	X(TSQLNODE_DATA, O, "pysqlite_Node", "data", false)                    \
	X(TSQLNODE_NEXT, O, "pysqlite_Node", "next", false)                    \
	/* Modules/_pickle.c                                              */   \
	X(TPICKLER_WRITE, O, "PicklerObject", "write", false)                  \
	X(TPICKLER_PERS_FUNC, O, "PicklerObject", "pers_func", false) /* <=3.12 */ \
	X(TPICKLER_PERSISTENT_ID, O, "PicklerObject", "persistent_id", false) /* 3.13 */ \
	X(TPICKLER_DISPATCH, O, "PicklerObject", "dispatch_table", false)      \
	X(TPICKLER_FAST_MEMO, O, "PicklerObject", "fast_memo", false)          \
	X(TPICKLER_REDUCER_OVERRIDE, O, "PicklerObject", "reducer_override", false) \
	X(TPICKLER_BUFFER_CB, O, "PicklerObject", "buffer_callback", false)    \
	X(TPICKLER_MEMO, O, "PicklerObject", "memo", false)                    \
	X(TMEMOTABLE_TABLE, O, "PyMemoTable", "mt_table", false)               \
	X(TMEMOTABLE_ALLOCATED, O, "PyMemoTable", "mt_allocated", false)       \
	X(TSZ_MEMOENTRY, S, "PyMemoEntry", NULL, false)                        \
	X(TMEMOENTRY_KEY, O, "PyMemoEntry", "me_key", false)                   \
	X(TUNPICKLER_READLINE, O, "UnpicklerObject", "readline", false)        \
	X(TUNPICKLER_READINTO, O, "UnpicklerObject", "readinto", false)        \
	X(TUNPICKLER_READ, O, "UnpicklerObject", "read", false)                \
	X(TUNPICKLER_PEEK, O, "UnpicklerObject", "peek", false)                \
	X(TUNPICKLER_STACK, O, "UnpicklerObject", "stack", false)              \
	X(TUNPICKLER_PERS_FUNC, O, "UnpicklerObject", "pers_func", false)      \
	X(TUNPICKLER_PERSISTENT_LOAD, O, "UnpicklerObject", "persistent_load", false) \
	X(TUNPICKLER_BUFFERS, O, "UnpicklerObject", "buffers", false)          \
	X(TUNPICKLER_MEMO, O, "UnpicklerObject", "memo", false)                \
	X(TUNPICKLER_MEMO_SIZE, O, "UnpicklerObject", "memo_size", false)      \
	X(TPMEMOPROXY_PICKLER, O, "PicklerMemoProxyObject", "pickler", false)  \
	X(TUPMEMOPROXY_UNPICKLER, O, "UnpicklerMemoProxyObject", "unpickler", false) \
	/* Modules/_decimal/_decimal.c (3.13: heap types with traverse)   */   \
	X(TDECCTX_TRAPS, O, "PyDecContextObject", "traps", false)              \
	X(TDECCTX_FLAGS, O, "PyDecContextObject", "flags", false)              \
	X(TDECCTXMGR_LOCAL, O, "PyDecContextManagerObject", "local", false)    \
	X(TDECCTXMGR_GLOBAL, O, "PyDecContextManagerObject", "global", false)  \
	/* Modules/_ssl.c                                                 */   \
	X(TSSLST_CONTEXT_TYPE, O, "_sslmodulestate", "PySSLContext_Type", false) /* 3.10+ */ \
	X(TSSLST_SOCKET_TYPE, O, "_sslmodulestate", "PySSLSocket_Type", false) \
	X(TSSLST_MEMBIO_TYPE, O, "_sslmodulestate", "PySSLMemoryBIO_Type", false) \
	X(TSSLST_SESSION_TYPE, O, "_sslmodulestate", "PySSLSession_Type", false) \
	X(TSSLST_CERT_TYPE, O, "_sslmodulestate", "PySSLCertificate_Type", false) \
	X(TSSLST_ERROR, O, "_sslmodulestate", "PySSLErrorObject", false) \
	X(TSSLST_CERTVERIFY_ERROR, O, "_sslmodulestate", "PySSLCertVerificationErrorObject", false) \
	X(TSSLST_ZERORETURN_ERROR, O, "_sslmodulestate", "PySSLZeroReturnErrorObject", false) \
	X(TSSLST_WANTREAD_ERROR, O, "_sslmodulestate", "PySSLWantReadErrorObject", false) \
	X(TSSLST_WANTWRITE_ERROR, O, "_sslmodulestate", "PySSLWantWriteErrorObject", false) \
	X(TSSLST_SYSCALL_ERROR, O, "_sslmodulestate", "PySSLSyscallErrorObject", false) \
	X(TSSLST_EOF_ERROR, O, "_sslmodulestate", "PySSLEOFErrorObject", false) \
	X(TSSLST_ERR_CODES_TO_NAMES, O, "_sslmodulestate", "err_codes_to_names", false) \
	X(TSSLST_ERR_NAMES_TO_CODES, O, "_sslmodulestate", "err_names_to_codes", false) /* 3.10-3.11 */ \
	X(TSSLST_LIB_CODES_TO_NAMES, O, "_sslmodulestate", "lib_codes_to_names", false) \
	X(TSSLST_SOCK_TYPE, O, "_sslmodulestate", "Sock_Type", false) \
	X(TSSLST_STR_LIBRARY, O, "_sslmodulestate", "str_library", false) /* 3.11+ */ \
	X(TSSLST_STR_REASON, O, "_sslmodulestate", "str_reason", false) \
	X(TSSLST_STR_VERIFY_CODE, O, "_sslmodulestate", "str_verify_code", false) \
	X(TSSLST_STR_VERIFY_MESSAGE, O, "_sslmodulestate", "str_verify_message", false) \
	X(TSSL_EXC_TYPE, O, "PySSLSocket", "exc_type", false)   /* <=3.11 */   \
	X(TSSL_EXC_VALUE, O, "PySSLSocket", "exc_value", false)                \
	X(TSSL_EXC_TB, O, "PySSLSocket", "exc_tb", false)                      \
	X(TSSL_EXC, O, "PySSLSocket", "exc", false)             /* 3.12-3.14 */ \
	X(TSZ_SSLSOCKET, S, "PySSLSocket", NULL, false)                        \
	X(TSSLCTX_SNI_CB, O, "PySSLContext", "set_sni_cb", false)              \
	X(TSSLCTX_MSG_CB, O, "PySSLContext", "msg_cb", false)                  \
	X(TSSLCTX_KEYLOG, O, "PySSLContext", "keylog_filename", false)         \
	X(TSSLCTX_PSK_CLIENT, O, "PySSLContext", "psk_client_callback", false) /* 3.13+ */ \
	X(TSSLCTX_PSK_SERVER, O, "PySSLContext", "psk_server_callback", false) \
	X(TSSLSESSION_CTX, O, "PySSLSession", "ctx", false)                    \
	X(TSZ_SSLMEMBIO, S, "PySSLMemoryBIO", NULL, false)                     \
	X(TSZ_SOCKET, S, "PySocketSockObject", NULL, false)                    \
	/* Objects/typevarobject.c (3.12+)                                */   \
	X(TTYPEVAR_NAME, O, "typevarobject", "name", false)                    \
	X(TTYPEVAR_BOUND, O, "typevarobject", "bound", false)                  \
	X(TTYPEVAR_EVAL_BOUND, O, "typevarobject", "evaluate_bound", false)    \
	X(TTYPEVAR_CONSTRAINTS, O, "typevarobject", "constraints", false)      \
	X(TTYPEVAR_EVAL_CONSTRAINTS, O, "typevarobject", "evaluate_constraints", false) \
	X(TTYPEVAR_DEFAULT, O, "typevarobject", "default_value", false) /* 3.13 */ \
	X(TTYPEVAR_EVAL_DEFAULT, O, "typevarobject", "evaluate_default", false) \
	X(TPARAMSPEC_NAME, O, "paramspecobject", "name", false)                \
	X(TPARAMSPEC_BOUND, O, "paramspecobject", "bound", false)              \
	X(TPARAMSPEC_DEFAULT, O, "paramspecobject", "default_value", false)    \
	X(TPARAMSPEC_EVAL_DEFAULT, O, "paramspecobject", "evaluate_default", false) \
	X(TTVTUPLE_NAME, O, "typevartupleobject", "name", false)               \
	X(TTVTUPLE_BOUND, O, "typevartupleobject", "bound", false) /* 3.15 */  \
	X(TTVTUPLE_DEFAULT, O, "typevartupleobject", "default_value", false)   \
	X(TTVTUPLE_EVAL_DEFAULT, O, "typevartupleobject", "evaluate_default", false) \
	X(TSZ_TYPEVARTUPLE, S, "typevartupleobject", NULL, false)              \
	X(TTYPEALIAS_NAME, O, "typealiasobject", "name", false)                \
	X(TTYPEALIAS_QUALNAME, O, "typealiasobject", "qualname", false) /* 3.15 */ \
	X(TTYPEALIAS_PARAMS, O, "typealiasobject", "type_params", false)       \
	X(TTYPEALIAS_COMPUTE, O, "typealiasobject", "compute_value", false)    \
	X(TTYPEALIAS_VALUE, O, "typealiasobject", "value", false)              \
	X(TTYPEALIAS_MODULE, O, "typealiasobject", "module", false)            \
	X(TPSATTR_ORIGIN, O, "paramspecattrobject", "__origin__", false)      \
	/* structs whose presence in a module's DWARF tells a row that     */  \
	/* visits only the type apart from a namesake elsewhere             */ \
	X(TSZ_SQLSTMT, S, "pysqlite_Statement", NULL, false)                   \
	X(TSZ_SQLPREPPROTO, S, "pysqlite_PrepareProtocol", NULL, false)        \
	X(TSZ_DECOBJ, S, "PyDecObject", NULL, false)                           \
	X(TSZ_DECSIGDICT, S, "PyDecSignalDictObject", NULL, false)             \
	X(TSZ_PDATA, S, "Pdata", NULL, false)                                  \
	X(TPDATA_DATA, O, "Pdata", "data", false)                              \
	X(TSZ_RLOCK, S, "rlockobject", NULL, false)                            \
	/* Modules/_ctypes/ (ctypes.h)                                    */   \
	X(TCDATA_OBJECTS, O, "CDataObject", "b_objects", false)                \
	X(TCDATA_BASE, O, "CDataObject", "b_base", false)                      \
	X(TCFUNCPTR_CALLABLE, O, "PyCFuncPtrObject", "callable", false)        \
	X(TCFUNCPTR_RESTYPE, O, "PyCFuncPtrObject", "restype", false)          \
	X(TCFUNCPTR_CHECKER, O, "PyCFuncPtrObject", "checker", false)          \
	X(TCFUNCPTR_ERRCHECK, O, "PyCFuncPtrObject", "errcheck", false)        \
	X(TCFUNCPTR_ARGTYPES, O, "PyCFuncPtrObject", "argtypes", false)        \
	X(TCFUNCPTR_CONVERTERS, O, "PyCFuncPtrObject", "converters", false)    \
	X(TCFUNCPTR_PARAMFLAGS, O, "PyCFuncPtrObject", "paramflags", false)    \
	X(TCFUNCPTR_THUNK, O, "PyCFuncPtrObject", "thunk", false)              \
	X(TSZ_STGDICT, S, "StgDictObject", NULL, false)       /* <=3.12 */     \
	X(TSTGDICT_PROTO, O, "StgDictObject", "proto", false)                  \
	X(TSZ_STGINFO, S, "StgInfo", NULL, false)             /* 3.13 */       \
	X(TSTGINFO_PROTO, O, "StgInfo", "proto", false)                        \
	X(TSTGINFO_ARGTYPES, O, "StgInfo", "argtypes", false)                  \
	X(TSTGINFO_CONVERTERS, O, "StgInfo", "converters", false)              \
	X(TSTGINFO_RESTYPE, O, "StgInfo", "restype", false)                    \
	X(TSTGINFO_CHECKER, O, "StgInfo", "checker", false)                    \
	X(TSTGINFO_POINTER_TYPE, O, "StgInfo", "pointer_type", false) /* 3.14+ */ \
	X(TSTGINFO_MODULE, O, "StgInfo", "module", false)                      \
	X(TCTYPESST_PTRTYPE_CACHE, O, "ctypes_state", "_ctypes_ptrtype_cache", false) /* 3.13 */ \
	X(TCTYPESST_UNPICKLE, O, "ctypes_state", "_unpickle", false) /* 3.13+ */ \
	X(TCTYPESST_ARRAY_CACHE, O, "ctypes_state", "array_cache", false) \
	X(TCTYPESST_ERROR_OBJECT_NAME, O, "ctypes_state", "error_object_name", false) \
	X(TCTYPESST_ARGERROR, O, "ctypes_state", "PyExc_ArgError", false) \
	X(TCTYPESST_SWAPPED_SUFFIX, O, "ctypes_state", "swapped_suffix", false) \
	X(TCTYPESST_DICTREMOVER_TYPE, O, "ctypes_state", "DictRemover_Type", false) \
	X(TCTYPESST_CARG_TYPE, O, "ctypes_state", "PyCArg_Type", false) \
	X(TCTYPESST_CFIELD_TYPE, O, "ctypes_state", "PyCField_Type", false) \
	X(TCTYPESST_CTHUNK_TYPE, O, "ctypes_state", "PyCThunk_Type", false) \
	X(TCTYPESST_STRUCTPARAM_TYPE, O, "ctypes_state", "StructParam_Type", false) \
	X(TCTYPESST_CSTRUCTTYPE_TYPE, O, "ctypes_state", "PyCStructType_Type", false) \
	X(TCTYPESST_UNIONTYPE_TYPE, O, "ctypes_state", "UnionType_Type", false) \
	X(TCTYPESST_CPOINTERTYPE_TYPE, O, "ctypes_state", "PyCPointerType_Type", false) \
	X(TCTYPESST_CARRAYTYPE_TYPE, O, "ctypes_state", "PyCArrayType_Type", false) \
	X(TCTYPESST_CSIMPLETYPE_TYPE, O, "ctypes_state", "PyCSimpleType_Type", false) \
	X(TCTYPESST_CFUNCPTRTYPE_TYPE, O, "ctypes_state", "PyCFuncPtrType_Type", false) \
	X(TCTYPESST_CDATA_TYPE, O, "ctypes_state", "PyCData_Type", false) \
	X(TCTYPESST_STRUCT_TYPE, O, "ctypes_state", "Struct_Type", false) \
	X(TCTYPESST_UNION_TYPE, O, "ctypes_state", "Union_Type", false) \
	X(TCTYPESST_CARRAY_TYPE, O, "ctypes_state", "PyCArray_Type", false) \
	X(TCTYPESST_SIMPLE_TYPE, O, "ctypes_state", "Simple_Type", false) \
	X(TCTYPESST_CPOINTER_TYPE, O, "ctypes_state", "PyCPointer_Type", false) \
	X(TCTYPESST_CFUNCPTR_TYPE, O, "ctypes_state", "PyCFuncPtr_Type", false) \
	X(TCTYPESST_CTYPE_TYPE, O, "ctypes_state", "PyCType_Type", false) \
	X(TCFIELD_PROTO, O, "CFieldObject", "proto", false)                    \
	X(TCTHUNK_CONVERTERS, O, "CThunkObject", "converters", false)          \
	X(TCTHUNK_CALLABLE, O, "CThunkObject", "callable", false)              \
	X(TCTHUNK_RESTYPE, O, "CThunkObject", "restype", false)                \
	X(TDICTREMOVER_KEY, O, "DictRemoverObject", "key", false)              \
	X(TDICTREMOVER_DICT, O, "DictRemoverObject", "dict", false)            \
	/* Objects/capsule.c (traverse_func 3.13), Modules/socketmodule.h  */  \
	X(TCAPSULE_POINTER, O, "PyCapsule", "pointer", false)                  \
	X(TCAPSULE_TRAVERSE, O, "PyCapsule", "traverse_func", false)           \
	X(TSOCKCAPI_SOCK_TYPE, O, "PySocketModule_APIObject", "Sock_Type", false) \
	X(TSOCKST_SOCK_TYPE, O, "socket_state", "sock_type", false) /* 3.12+ */ \
	X(TSOCKST_HERROR, O, "socket_state", "socket_herror", false)           \
	X(TSOCKST_GAIERROR, O, "socket_state", "socket_gaierror", false)       \
	/* Modules/_datetimemodule.c (3.13+)                              */   \
	X(TDATETIMEST_ISOCAL, O, "datetime_state", "isocalendar_date_type", false) \
	/* Modules/_json.c _jsonmodule_traverse() (3.9-3.11)               */   \
	X(TJSONST_SCANNER, O, "_jsonmodulestate", "PyScannerType", false)      \
	X(TJSONST_ENCODER, O, "_jsonmodulestate", "PyEncoderType", false)      \
	/* Modules/_randommodule.c, _csv.c, _queuemodule.c                */   \
	X(TRANDOMST_TYPE, O, "_randomstate", "Random_Type", false)             \
	X(TCSVST_ERROR, O, "_csvstate", "error_obj", false)                    \
	X(TCSVST_DIALECTS, O, "_csvstate", "dialects", false)                  \
	X(TCSVST_DIALECT_TYPE, O, "_csvstate", "dialect_type", false)          \
	X(TCSVST_READER_TYPE, O, "_csvstate", "reader_type", false)            \
	X(TCSVST_WRITER_TYPE, O, "_csvstate", "writer_type", false)            \
	X(TCSVDIALECT_LINETERM, O, "DialectObj", "lineterminator", false)      \
	X(TSIMPLEQUEUE_LST, O, "simplequeueobject", "lst", false)              \
	X(TSIMPLEQUEUE_BUF, O, "simplequeueobject", "buf", false) /* 3.13+ */  \
	X(TRINGBUF_GET_IDX, O, "RingBuf", "get_idx", false)                    \
	X(TRINGBUF_ITEMS, O, "RingBuf", "items", false)                        \
	X(TRINGBUF_ITEMS_CAP, O, "RingBuf", "items_cap", false)                \
	X(TRINGBUF_NUM_ITEMS, O, "RingBuf", "num_items", false)                \
	/* non-GC owners (traverse.c dealloc_anchors)                     */   \
	X(TTP_DEALLOC, O, "PyTypeObject", "tp_dealloc", false)                 \
	X(TPOLL_DICT, O, "pollObject", "dict", false)                          \
	X(TTIMEZONE_OFFSET, O, "PyDateTime_TimeZone", "offset", false)         \
	X(TTIMEZONE_NAME, O, "PyDateTime_TimeZone", "name", false)             \
	X(TSTRINGIO_ACCU_LARGE, O, "stringio", "accu.large", false) /* <=3.11 */ \
	X(TSTRINGIO_ACCU_SMALL, O, "stringio", "accu.small", false)            \
	/* Cython 0.29's utility code (Cython/Utility/CythonFunction.c,   */   \
	/* Coroutine.c), compiled into each Cython module: read with that */   \
	/* module's DWARF. func_is_coroutine and yieldfrom_am_send exist */   \
	/* only from Cython 3, whose traverses differ (rows' OP_ABSENT);  */   \
	/* Cython 3.0's rows need them (OP_NEEDS).                        */   \
	X(TCYF_MODULE, O, "__pyx_CyFunctionObject", "func.m_module", false)    \
	X(TCYF_DICT, O, "__pyx_CyFunctionObject", "func_dict", false)          \
	X(TCYF_NAME, O, "__pyx_CyFunctionObject", "func_name", false)          \
	X(TCYF_QUALNAME, O, "__pyx_CyFunctionObject", "func_qualname", false)  \
	X(TCYF_DOC, O, "__pyx_CyFunctionObject", "func_doc", false)            \
	X(TCYF_GLOBALS, O, "__pyx_CyFunctionObject", "func_globals", false)    \
	X(TCYF_CODE, O, "__pyx_CyFunctionObject", "func_code", false)          \
	X(TCYF_CLOSURE, O, "__pyx_CyFunctionObject", "func_closure", false)    \
	X(TCYF_CLASSOBJ, O, "__pyx_CyFunctionObject", "func_classobj", false)  \
	X(TCYF_DEFAULTS, O, "__pyx_CyFunctionObject", "defaults", false)       \
	X(TCYF_DEFAULTS_PYOBJECTS, O, "__pyx_CyFunctionObject", "defaults_pyobjects", false) \
	X(TCYF_DEFAULTS_TUPLE, O, "__pyx_CyFunctionObject", "defaults_tuple", false) \
	X(TCYF_DEFAULTS_KWDICT, O, "__pyx_CyFunctionObject", "defaults_kwdict", false) \
	X(TCYF_IS_COROUTINE, O, "__pyx_CyFunctionObject", "func_is_coroutine", false) \
	X(TCYF3_MODULE, O, "__pyx_CyFunctionObject", "func.func.m_module", false) /* 3.0, CPython 3.9+ */ \
	X(TCYF3_MM_CLASS, O, "__pyx_CyFunctionObject", "func.mm_class", false) \
	X(TCYFUSED_SELF, O, "__pyx_FusedFunctionObject", "self", false)        \
	X(TCYFUSED_TYPE, O, "__pyx_FusedFunctionObject", "type", false)        \
	X(TCYFUSED_SIGNATURES, O, "__pyx_FusedFunctionObject", "__signatures__", false) \
	X(TCYCORO_CLOSURE, O, "__pyx_CoroutineObject", "closure", false)       \
	X(TCYCORO_CLASSOBJ, O, "__pyx_CoroutineObject", "classobj", false)     \
	X(TCYCORO_YIELDFROM, O, "__pyx_CoroutineObject", "yieldfrom", false)   \
	X(TCYCORO_EXC_TYPE, O, "__pyx_CoroutineObject", "gi_exc_state.exc_type", false) \
	X(TCYCORO_EXC_VALUE, O, "__pyx_CoroutineObject", "gi_exc_state.exc_value", false) \
	X(TCYCORO_EXC_TB, O, "__pyx_CoroutineObject", "gi_exc_state.exc_traceback", false) \
	X(TCYCORO_AM_SEND, O, "__pyx_CoroutineObject", "yieldfrom_am_send", false) \
	X(TCYAWAIT_CORO, O, "__pyx_CoroutineAwaitObject", "coroutine", false)

#endif /* RH_CPYTHON_LAYOUTS_TRAVERSE_H */
