/*
 * Referents of an object, computed out of process: tp_traverse parity.
 *
 * How it works. An object's behaviour under the GC is its type's
 * tp_traverse function, so we dispatch on that function's ADDRESS: the
 * first call resolves the C names of the traverse functions we know
 * ("dict_traverse", "subtype_traverse", ...) to addresses in the module
 * that holds the interpreter (image/ finds static and LTO-renamed
 * functions), and a type's tp_traverse pointer then names its behaviour,
 * also for C subclasses that inherit it (ctypes' StgDict is a dict). A
 * pointer we did not resolve up front (an extension module's .so) is
 * symbolized once and looked up by name; its row then reads the module's
 * structs with a layout set answered from THAT module's DWARF (lset_of:
 * _json's PyScannerObject is in _json's debug info, not libpython's), and
 * only a row whose fields exist there applies (row_fits). One we still do
 * not know, or one whose module has no DWARF (a problem says so), leaves
 * the object to a conservative scan of its memory. Types without a
 * traverse that still own references (decimal's Context before 3.13) are
 * known by their tp_dealloc the same way (dealloc_anchors).
 *
 * Each known function is described by a row of `tfuncs` below: the fields
 * it visits, in its order, as DWARF member offsets (layouts_traverse.h),
 * optionally a piece of C for what is not a plain field (items, tables,
 * frames: the `special` functions), and optionally the traverse function
 * it ends by calling (OSError_traverse calls BaseException_traverse,
 * defdict_traverse calls dict_traverse). A member missing from the DWARF is
 * a member that version does not have, and is skipped, as that version's
 * tp_traverse skips it: so one row serves 3.8 - 3.13 unless the ORDER
 * changed, which the row's comment then handles.
 *
 * Types created by `class` statements use subtype_traverse
 * (Objects/typeobject.c): their per-type plan (slots of every heap base,
 * the dict, whether the type itself is visited, the base's traverse) is
 * computed once per type and cached.
 *
 * gc.get_referents(o) calls tp_traverse only when PyObject_IS_GC(o): the
 * type has Py_TPFLAGS_HAVE_GC and, for type objects (tp_is_gc), the object
 * is a heap type. For any other object every reference is reported with
 * traversed == false (a static type's tp_dict, a code object's constants).
 *
 * Untrusted input: every count read from the target (ob_size, dk_nentries,
 * mask, deque blocks, list links) is checked against what the target could
 * hold before it drives a loop, walks have step bounds, and nothing here
 * recurses over target data (the only recursion follows the static tail
 * chain of `tfuncs`, at most three deep).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/py_internal.h"
#include "cpython/pyread.h"
#include "cpython/traverse.h"
#include "cpython/traverse_decode.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

/* tp_flags bits not in py_internal.h (Include/object.h) */
#define PY_TPFLAGS_INLINE_VALUES (1UL << 2)   /* 3.13+ */

/* PyMemberDef.type of object slots: T_OBJECT_EX (Include/structmember.h),
 * Py_T_OBJECT_EX (Include/descrobject.h 3.12+); the only kind
 * traverse_slots() visits. */
#define PY_T_OBJECT_EX 16
/* PyMethodDef.ml_flags: METH_METHOD, 3.9+ (Include/methodobject.h). */
#define PY_METH_METHOD 0x0200

/* Bounds. Real objects stay far below them; a larger claim is corrupt. */
#define MAX_BASE_DEPTH 64          /* tp_base chain of one type */
#define MAX_SLOTS_PER_TYPE 4096    /* Py_SIZE of a heap type */
#define MAX_SLOT_NAME 256
#define MAX_FRAME_SLOTS (1 << 20)  /* locals + stack of one frame */
#define CONSERVATIVE_MAX 65536     /* bytes scanned in an unknown object */
#define CHUNK 256                  /* pointers read per target read */
#define MAX_TAIL_DEPTH 4

/* ------------------------------------------------------------------ */
/* The table of known traverse functions                               */

enum fop {
	OP_VISIT,    /* Py_VISIT(field) */
	OP_OWNED,    /* an owned reference tp_traverse does not visit */
	OP_WEAK,     /* a weak reference (weakref list head, wr_object) */
	OP_TYPE,     /* Py_VISIT(Py_TYPE(self)) when the type owning the
		      * traverse function is a heap type (C types converted to
		      * heap types visit their type, 3.9+ rule) */
	OP_VISIT_HEAP, /* visited only by the heap-type version of the
			* function (the conversion to a heap type rewrote
			* it); owned before */
	OP_SPECIAL,  /* run the row's special code here */
	OP_REQUIRE,  /* nothing to visit: the struct (a SIZEOF entry) must exist
		      * in an extension module's DWARF for the row to apply
		      * there (row_fits) */
	OP_VISIT_FIX, /* visited only from the patch releases with a fix
		       * (cond: an enum patch_fix, see fix_in()) */
	OP_ABSENT,   /* nothing to visit: the row applies only where this
		      * member does NOT exist (a later version of a
		      * third-party runtime whose traverse differs) */
	OP_NEEDS,    /* nothing to visit: the row applies only where this
		      * member exists (one version of a third-party
		      * runtime, told from the others by its struct) */
};

struct fld {
	int layout;        /* PYL_ index of the member offset, -1 for none */
	enum fop op;
	const char *name;  /* label (C member name or Python attribute) */
	int cond;          /* read only if this PYL_ entry exists too (0,
			    * PYL_SZ_OBJECT, always does): a member whose
			    * name a later version kept for a non-object */
};

enum special {
	SP_NONE,
	SP_SUBTYPE,
	SP_TUPLE,
	SP_LIST,
	SP_DICT,
	SP_SET,
	SP_TYPE,
	SP_MODULE,
	SP_CFUNC,
	SP_FRAME,
	SP_GEN,
	SP_DEQUE,
	SP_ODICT,
	SP_LRU,
	SP_TEEDATA,
	SP_HAMT_BITMAP,
	SP_HAMT_ARRAY,
	SP_HAMT_COLLISION,
	SP_STRUCTSEQ,
	/* extension modules' (these read c->L, the module's layouts) */
	SP_MANAGED_DICT,    /* PyObject_VisitManagedDict(), 3.12+ */
	SP_SQLITE_CTX,      /* connection_traverse()'s callback contexts */
	SP_SQLITE_CACHE,    /* cache_traverse()'s node list (3.10) */
	SP_PICKLER_MEMO,    /* Pickler_traverse()'s memo keys */
	SP_UNPICKLER_MEMO,  /* Unpickler_traverse()'s memo */
	SP_CTYPES_STGDICT,  /* CDataType_traverse()'s StgDict proto */
	SP_CTYPES_STGINFO,  /* CType_Type_traverse()'s StgInfo */
	SP_CAPSULE,         /* capsule_traverse()'s traverse_func (interpreter) */
	SP_CYFUNC_DEFAULTS, /* Cython's __Pyx_CyFunction_traverse() defaults */
	SP_CODE_CACHED,     /* a code object's _co_cached attributes (3.12+) */
	SP_SIMPLEQUEUE,     /* simplequeue_traverse()'s ring buffer (3.13+) */
	SP_PDATA,           /* an unpickler's stack: owned, never visited */
};

struct tfunc {
	const char *symbol;        /* C name of the traverse function */
	enum special special;
	const struct fld *fields;
	size_t nfields;
	const char *tail;          /* traverse function it ends by calling */
};

#define V(L, n) { PYL_##L, OP_VISIT, n }
#define OWN(L, n) { PYL_##L, OP_OWNED, n }
#define WK(L, n) { PYL_##L, OP_WEAK, n }
#define VH(L, n) { PYL_##L, OP_VISIT_HEAP, n }
#define TYPEV { -1, OP_TYPE, "ob_type" }
#define SPECIAL { -1, OP_SPECIAL, NULL }
#define REQ(L) { PYL_##L, OP_REQUIRE, NULL }
#define ABSENT(L) { PYL_##L, OP_ABSENT, NULL }
#define NEEDS(L) { PYL_##L, OP_NEEDS, NULL }
#define V_IF(L, n, C) { PYL_##L, OP_VISIT, n, PYL_##C }
#define V_FIX(L, n, F) { PYL_##L, OP_VISIT_FIX, n, F }

/* Changes of tp_traverse behaviour in patch releases, with no change of
 * layout a DWARF query could see: the version decides (fix_in()). */
enum patch_fix {
	FIX_GH140000,  /* Objects/typevarobject.c: visit the name */
	FIX_GH142516,  /* Modules/_ssl.c context_traverse(): keylog, PSK */
};

/* Objects/funcobject.c func_traverse(); func_builtins 3.10+,
 * func_typeparams 3.12+ (between annotations and qualname). */
static const struct fld F_func[] = {
	V(TFUNC_CODE, "__code__"), V(TFUNC_GLOBALS, "__globals__"),
	V(TFUNC_BUILTINS, "__builtins__"), V(TFUNC_MODULE, "__module__"),
	V(TFUNC_DEFAULTS, "__defaults__"), V(TFUNC_KWDEFAULTS, "__kwdefaults__"),
	V(TFUNC_DOC, "__doc__"), V(TFUNC_NAME, "__name__"),
	V(TFUNC_DICT, "__dict__"), V(TFUNC_CLOSURE, "__closure__"),
	V(TFUNC_ANNOTATIONS, "__annotations__"),
	V(TFUNC_ANNOTATE, "__annotate__"),          /* 3.14+ */
	V(TFUNC_TYPEPARAMS, "__type_params__"),
	V(TFUNC_QUALNAME, "__qualname__"), WK(TFUNC_WEAKLIST, "func_weakreflist"),
};
/* cm_traverse() / sm_traverse(), Objects/funcobject.c */
static const struct fld F_cm[] = {
	V(TCM_CALLABLE, "__func__"), V(TCM_DICT, "__dict__"),
};
static const struct fld F_sm[] = {
	V(TSM_CALLABLE, "__func__"), V(TSM_DICT, "__dict__"),
};
/* Objects/cellobject.c */
static const struct fld F_cell[] = { V(TCELL_REF, "cell_contents") };
/* Objects/classobject.c method_traverse(), instancemethod_traverse() */
static const struct fld F_method[] = {
	V(TMETHOD_FUNC, "__func__"), V(TMETHOD_SELF, "__self__"),
	WK(TMETHOD_WEAKLIST, "im_weakreflist"),
};
static const struct fld F_imethod[] = { V(TIMETHOD_FUNC, "__func__") };
/* Objects/methodobject.c meth_traverse(): mm_class (3.9+, METH_METHOD only)
 * is visited by the special code first. */
static const struct fld F_cfunc[] = {
	SPECIAL, V(TCFUNC_SELF, "__self__"), V(TCFUNC_MODULE, "__module__"),
	WK(TCFUNC_WEAKLIST, "m_weakreflist"),
};
/* Objects/descrobject.c */
static const struct fld F_descr[] = {
	V(TDESCR_TYPE, "__objclass__"), OWN(TDESCR_NAME, "__name__"),
	OWN(TDESCR_QUALNAME, "__qualname__"),
};
static const struct fld F_wrapper[] = {
	V(TWRAPPER_DESCR, "descr"), V(TWRAPPER_SELF, "__self__"),
};
static const struct fld F_mappingproxy[] = { V(TMAPPROXY_MAPPING, "mapping") };
/* property_traverse(): prop_name 3.10+ */
static const struct fld F_property[] = {
	V(TPROP_GET, "fget"), V(TPROP_SET, "fset"), V(TPROP_DEL, "fdel"),
	V(TPROP_DOC, "__doc__"), V(TPROP_NAME, "__name__"),
};
/* Objects/namespaceobject.c, sliceobject.c, Python/traceback.c */
static const struct fld F_namespace[] = { V(TNS_DICT, "__dict__") };
static const struct fld F_slice[] = {
	V(TSLICE_START, "start"), V(TSLICE_STOP, "stop"), V(TSLICE_STEP, "step"),
};
static const struct fld F_tb[] = { V(TTB_NEXT, "tb_next"), V(TTB_FRAME, "tb_frame") };
/* Objects/weakrefobject.c gc_traverse(): the callback only. */
static const struct fld F_weakref[] = {
	V(TWR_CALLBACK, "__callback__"), WK(TWR_OBJECT, "wr_object"),
};
/* Objects/typeobject.c super_traverse() */
static const struct fld F_super[] = {
	V(TSUPER_OBJ, "__self__"), V(TSUPER_TYPE, "__thisclass__"),
	V(TSUPER_OBJ_TYPE, "__self_class__"),
};
/* Objects/enumobject.c, Python/bltinmodule.c, Objects/iterobject.c */
static const struct fld F_enum[] = {
	V(TENUM_SIT, "en_sit"), V(TENUM_RESULT, "en_result"),
	V(TENUM_LONGINDEX, "en_longindex"),
};
static const struct fld F_reversed[] = { V(TREVERSED_SEQ, "seq") };
static const struct fld F_zip[] = { V(TZIP_ITTUPLE, "ittuple"), V(TZIP_RESULT, "result") };
static const struct fld F_map[] = { V(TMAP_ITERS, "iters"), V(TMAP_FUNC, "func") };
static const struct fld F_filter[] = { V(TFILTER_IT, "it"), V(TFILTER_FUNC, "func") };
static const struct fld F_seqiter[] = { V(TSEQITER_SEQ, "it_seq") };
static const struct fld F_calliter[] = {
	V(TCALLITER_CALLABLE, "it_callable"), V(TCALLITER_SENTINEL, "it_sentinel"),
};
/* listiterobject became _PyListIterObject in 3.13, tupleiterobject
 * _PyTupleIterObject in 3.12: one of each pair resolves. */
static const struct fld F_listiter[] = {
	V(TLISTITER_SEQ, "it_seq"), V(TLISTITER_SEQ2, "it_seq"),
};
static const struct fld F_listreviter[] = { V(TLISTREVITER_SEQ, "it_seq") };
static const struct fld F_tupleiter[] = {
	V(TTUPLEITER_SEQ, "it_seq"), V(TTUPLEITER_SEQ2, "it_seq"),
};
static const struct fld F_setiter[] = { V(TSETITER_SET, "si_set") };
static const struct fld F_dictiter[] = {
	V(TDICTITER_DICT, "di_dict"), V(TDICTITER_RESULT, "di_result"),
};
static const struct fld F_dictview[] = { V(TDICTVIEW_DICT, "mapping") };
static const struct fld F_striter[] = { V(TSTRITER_SEQ, "it_seq") };
static const struct fld F_baiter[] = { V(TBAITER_SEQ, "it_seq") };
static const struct fld F_uniiter[] = { V(TUNIITER_SEQ, "it_seq") };
/* Objects/memoryobject.c */
static const struct fld F_memory[] = {
	V(TMEMORY_MBUF, "mbuf"), WK(TMEMORY_WEAKLIST, "weakreflist"),
};
static const struct fld F_mbuf[] = { V(TMBUF_OBJ, "obj") };
/* Objects/genericaliasobject.c (3.9+), Objects/unionobject.c (3.10+) */
static const struct fld F_ga[] = {
	V(TGA_ORIGIN, "__origin__"), V(TGA_ARGS, "__args__"),
	V(TGA_PARAMETERS, "__parameters__"),
};
static const struct fld F_union[] = {
	V(TUNION_ARGS, "__args__"),
	/* 3.14+ (Objects/unionobject.c union_traverse) */
	V(TUNION_HASHABLE, "hashable_args"), V(TUNION_UNHASHABLE, "unhashable_args"),
	V(TUNION_PARAMETERS, "__parameters__"),
};
/* Objects/odictobject.c odict_traverse(): od_inst_dict, the node keys
 * (special), then dict_traverse(). */
static const struct fld F_odict[] = {
	V(TODICT_INST_DICT, "__dict__"), SPECIAL,
	WK(TODICT_WEAKLIST, "od_weakreflist"),
};
static const struct fld F_odictiter[] = {
	V(TODICTITER_ODICT, "di_odict"), V(TODICTITER_CURRENT, "di_current"),
	V(TODICTITER_RESULT, "di_result"),
};
/* Objects/genobject.c gen_traverse(): <=3.10 gi_frame, gi_code, name,
 * qualname, exc_state (type, value, traceback); 3.11 gi_code, name,
 * qualname, the embedded frame unless cleared (special), exc_value;
 * 3.12+ the same without gi_code. */
static const struct fld F_gen[] = {
	V(TGEN_FRAME, "gi_frame"), V(TGEN_CODE, "gi_code"),
	V(TGEN_NAME, "__name__"), V(TGEN_QUALNAME, "__qualname__"), SPECIAL,
	V(TGEN_EXC_TYPE, "exc_type"), V(TGEN_EXC_VALUE, "exc_value"),
	V(TGEN_EXC_TB, "exc_traceback"), WK(TGEN_WEAKLIST, "gi_weakreflist"),
};
/* async_gen_traverse(): the finalizer, then gen_traverse(). */
static const struct fld F_agen[] = {
	V(TAGEN_FINALIZER, "ag_finalizer"),
	V(TAGEN_ORIGIN_OR_FIN, "ag_origin_or_finalizer"),
};
static const struct fld F_asend[] = {
	V(TASEND_GEN, "ags_gen"), V(TASEND_SENDVAL, "ags_sendval"),
};
static const struct fld F_athrow[] = {
	V(TATHROW_GEN, "agt_gen"), V(TATHROW_ARGS, "agt_args"),
	/* 3.15: the exception's parts instead of agt_args */
	V(TATHROW_TYP, "agt_typ"), V(TATHROW_TB, "agt_tb"), V(TATHROW_VAL, "agt_val"),
};
/* lazy_import_traverse(), Objects/lazyimportobject.c (3.15) */
static const struct fld F_lazyimport[] = {
	V(TLAZY_BUILTINS, "lz_builtins"), V(TLAZY_FROM, "lz_from"),
	V(TLAZY_ATTR, "lz_attr"), V(TLAZY_CODE, "lz_code"),
};
/* sentinel_traverse(), Objects/sentinelobject.c (3.15) */
static const struct fld F_sentinel[] = {
	V(TSENTINEL_NAME, "name"), V(TSENTINEL_MODULE, "__module__"),
	V(TSENTINEL_REPR, "repr"),
};
static const struct fld F_awrapped[] = { V(TAWRAPPED_VAL, "agw_val") };
static const struct fld F_corowrapper[] = { V(TCORO_WRAPPER_CORO, "cw_coroutine") };
/* Objects/frameobject.c frame_traverse(): <=3.10 f_back, f_code,
 * f_builtins, f_globals, f_locals, f_trace, then the slots (special);
 * 3.11+ f_back, f_trace, (3.13 f_extra_locals, f_locals_cache), then the
 * embedded frame when the frame object owns it (special). */
static const struct fld F_frame[] = {
	V(TFRAME_BACK, "f_back"), V(TFRAME_CODE, "f_code"),
	V(TFRAME_BUILTINS, "f_builtins"), V(TFRAME_GLOBALS, "f_globals"),
	V(TFRAME_LOCALS, "f_locals"), V(TFRAME_TRACE, "f_trace"),
	V(TFRAME_EXTRA_LOCALS, "f_extra_locals"),
	V(TFRAME_LOCALS_CACHE, "f_locals_cache"), SPECIAL,
};
/* Objects/exceptions.c: BaseException_traverse() (notes 3.11+) and the
 * subclasses that visit their own fields first. */
static const struct fld F_exc[] = {
	V(TEXC_DICT, "__dict__"), V(TEXC_ARGS, "args"), V(TEXC_NOTES, "__notes__"),
	V(TEXC_TRACEBACK, "__traceback__"), V(TEXC_CAUSE, "__cause__"),
	V(TEXC_CONTEXT, "__context__"),
};
static const struct fld F_synerr[] = {
	V(TSYNERR_MSG, "msg"), V(TSYNERR_FILENAME, "filename"),
	V(TSYNERR_LINENO, "lineno"), V(TSYNERR_OFFSET, "offset"),
	V(TSYNERR_END_LINENO, "end_lineno"), V(TSYNERR_END_OFFSET, "end_offset"),
	V(TSYNERR_TEXT, "text"), V(TSYNERR_PFAL, "print_file_and_line"),
};
static const struct fld F_imperr[] = {
	V(TIMPERR_MSG, "msg"), V(TIMPERR_NAME, "name"), V(TIMPERR_PATH, "path"),
	V(TIMPERR_NAME_FROM, "name_from"),
};
static const struct fld F_oserr[] = {
	V(TOSERR_ERRNO, "errno"), V(TOSERR_STRERROR, "strerror"),
	V(TOSERR_FILENAME, "filename"), V(TOSERR_FILENAME2, "filename2"),
};
static const struct fld F_sysexit[] = { V(TSYSEXIT_CODE, "code") };
static const struct fld F_stopiter[] = { V(TSTOPITER_VALUE, "value") };
static const struct fld F_unierr[] = {
	V(TUNIERR_ENCODING, "encoding"), V(TUNIERR_OBJECT, "object"),
	V(TUNIERR_REASON, "reason"),
};
static const struct fld F_attrerr[] = { V(TATTRERR_OBJ, "obj"), V(TATTRERR_NAME, "name") };
static const struct fld F_nameerr[] = { V(TNAMEERR_NAME, "name") };
static const struct fld F_excgroup[] = {
	V(TEXCGROUP_MSG, "message"), V(TEXCGROUP_EXCS, "exceptions"),
};
/* Python/context.c, Python/hamt.c */
static const struct fld F_context[] = { V(TCTX_PREV, "ctx_prev"), V(TCTX_VARS, "ctx_vars") };
/* var_cached is a borrowed cache: neither visited nor owned. */
static const struct fld F_ctxvar[] = {
	V(TCTXVAR_NAME, "name"), V(TCTXVAR_DEFAULT, "default"),
};
static const struct fld F_token[] = {
	V(TTOKEN_CTX, "tok_ctx"), V(TTOKEN_VAR, "var"), V(TTOKEN_OLDVAL, "old_value"),
};
static const struct fld F_hamt[] = { V(THAMT_ROOT, "h_root") };
/* Modules/_collectionsmodule.c (heap types from 3.12: they visit their
 * type first) */
static const struct fld F_deque[] = { TYPEV, SPECIAL, WK(TDEQUE_WEAKLIST, "weakreflist") };
static const struct fld F_dequeiter[] = { TYPEV, V(TDEQUEITER_DEQUE, "deque") };
static const struct fld F_defdict[] = { TYPEV, V(TDEFDICT_FACTORY, "default_factory") };
static const struct fld F_tuplegetter[] = { TYPEV, V(TTUPLEGETTER_DOC, "__doc__") };
/* Modules/_functoolsmodule.c */
static const struct fld F_partial[] = {
	TYPEV, V(TPARTIAL_FN, "func"), V(TPARTIAL_ARGS, "args"),
	V(TPARTIAL_KW, "keywords"), V(TPARTIAL_DICT, "__dict__"),
	WK(TPARTIAL_WEAKLIST, "weakreflist"),
};
static const struct fld F_keyobj[] = { TYPEV, V(TKEYOBJ_CMP, "cmp"), V(TKEYOBJ_OBJECT, "obj") };
/* Modules/_abc.c (heap type 3.9+) */
static const struct fld F_abc[] = {
	TYPEV, V(TABC_REGISTRY, "_abc_registry"), V(TABC_CACHE, "_abc_cache"),
	V(TABC_NEG_CACHE, "_abc_negative_cache"),
};
/* Modules/_operator.c (heap types 3.10+). attrgetter and methodcaller
 * visit their type LAST; methodcaller's name is visited from 3.10, its
 * args became xargs in 3.13. */
static const struct fld F_itemgetter[] = { TYPEV, V(TITEMGETTER_ITEM, "item") };
static const struct fld F_attrgetter[] = { V(TATTRGETTER_ATTR, "attr"), TYPEV };
static const struct fld F_mcaller[] = {
	VH(TMCALLER_NAME, "name"), V(TMCALLER_ARGS, "args"), V(TMCALLER_XARGS, "args"),
	V(TMCALLER_KWDS, "kwds"),
	/* 3.14+ (Modules/_operator.c methodcaller_traverse) */
	V(TMCALLER_VCARGS, "vectorcall_args"), V(TMCALLER_VCKWNAMES, "vectorcall_kwnames"),
	TYPEV,
};
/* Modules/itertoolsmodule.c (heap types 3.12+) */
static const struct fld F_count[] = {
	TYPEV, V(TCOUNT_LONG_CNT, "long_cnt"), V(TCOUNT_LONG_STEP, "long_step"),
};
static const struct fld F_cycle[] = { TYPEV, V(TCYCLE_IT, "it"), V(TCYCLE_SAVED, "saved") };
static const struct fld F_chain[] = {
	TYPEV, V(TCHAIN_SOURCE, "source"), V(TCHAIN_ACTIVE, "active"),
};
static const struct fld F_islice[] = { TYPEV, V(TISLICE_IT, "it") };
static const struct fld F_groupby[] = {
	TYPEV, V(TGROUPBY_IT, "it"), V(TGROUPBY_KEYFUNC, "keyfunc"),
	V(TGROUPBY_TGTKEY, "tgtkey"), V(TGROUPBY_CURRKEY, "currkey"),
	V(TGROUPBY_CURRVALUE, "currvalue"),
};
static const struct fld F_grouper[] = {
	TYPEV, V(TGROUPER_PARENT, "parent"), V(TGROUPER_TGTKEY, "tgtkey"),
};
static const struct fld F_tee[] = { TYPEV, V(TTEE_DATAOBJ, "dataobj") };
static const struct fld F_teedata[] = { TYPEV, V(TTEEDATA_IT, "it"), SPECIAL,
					V(TTEEDATA_NEXTLINK, "nextlink") };
static const struct fld F_product[] = {
	TYPEV, V(TPRODUCT_POOLS, "pools"), V(TPRODUCT_RESULT, "result"),
};
static const struct fld F_repeat[] = { TYPEV, V(TREPEAT_ELEMENT, "element") };
static const struct fld F_accumulate[] = {
	TYPEV, V(TACCUM_BINOP, "binop"), V(TACCUM_IT, "it"), V(TACCUM_TOTAL, "total"),
	V(TACCUM_INITIAL, "initial"),
};
static const struct fld F_starmap[] = { TYPEV, V(TSTARMAP_IT, "it"), V(TSTARMAP_FUNC, "func") };
static const struct fld F_ziplong[] = {
	TYPEV, V(TZIPLONG_ITTUPLE, "ittuple"), V(TZIPLONG_RESULT, "result"),
	V(TZIPLONG_FILLVALUE, "fillvalue"),
};
static const struct fld F_comb[] = { TYPEV, V(TCOMB_POOL, "pool"), V(TCOMB_RESULT, "result") };
static const struct fld F_cwr[] = { TYPEV, V(TCWR_POOL, "pool"), V(TCWR_RESULT, "result") };
static const struct fld F_perm[] = { TYPEV, V(TPERM_POOL, "pool"), V(TPERM_RESULT, "result") };
static const struct fld F_compress[] = {
	TYPEV, V(TCOMPRESS_DATA, "data"), V(TCOMPRESS_SELECTORS, "selectors"),
};
/* these three visit the iterator before the function */
static const struct fld F_dropwhile[] = {
	TYPEV, V(TDROPWHILE_IT, "it"), V(TDROPWHILE_FUNC, "func"),
};
static const struct fld F_takewhile[] = {
	TYPEV, V(TTAKEWHILE_IT, "it"), V(TTAKEWHILE_FUNC, "func"),
};
static const struct fld F_filterfalse[] = {
	TYPEV, V(TFILTERFALSE_IT, "it"), V(TFILTERFALSE_FUNC, "func"),
};
/* pairwise (3.10+): its cached result tuple from 3.13 */
static const struct fld F_pairwise[] = {
	TYPEV, V(TPAIRWISE_IT, "it"), V(TPAIRWISE_OLD, "old"), V(TPAIRWISE_RESULT, "result"),
};
static const struct fld F_batched[] = { TYPEV, V(TBATCHED_IT, "it") };
/* Modules/_sre.c (heap types 3.10+) */
static const struct fld F_pattern[] = {
	TYPEV, V(TPATTERN_GROUPINDEX, "groupindex"), V(TPATTERN_INDEXGROUP, "indexgroup"),
	V(TPATTERN_PATTERN, "pattern"),
};
static const struct fld F_match[] = {
	TYPEV, V(TMATCH_STRING, "string"), V(TMATCH_REGS, "regs"),
	V(TMATCH_PATTERN, "re"),
};
static const struct fld F_scanner[] = { TYPEV, V(TSCANNER_PATTERN, "pattern") };
/* Modules/_io (heap types 3.12+) */
static const struct fld F_fileio[] = { TYPEV, V(TFILEIO_DICT, "__dict__") };
static const struct fld F_iobase[] = { TYPEV, V(TIOBASE_DICT, "__dict__") };
static const struct fld F_buffered[] = {
	TYPEV, V(TBUFFERED_RAW, "raw"), V(TBUFFERED_DICT, "__dict__"),
};
/* bufferedrwpair_traverse(): <=3.11 the dict only; 3.12+ (heap type)
 * the dict, then reader and writer. */
static const struct fld F_rwpair[] = {
	TYPEV, V(TRWPAIR_DICT, "__dict__"), VH(TRWPAIR_READER, "reader"),
	VH(TRWPAIR_WRITER, "writer"),
};
static const struct fld F_textio[] = {
	TYPEV, V(TTEXTIO_BUFFER, "buffer"), V(TTEXTIO_ENCODING, "encoding"),
	V(TTEXTIO_ENCODER, "encoder"), V(TTEXTIO_DECODER, "decoder"),
	V(TTEXTIO_READNL, "readnl"), V(TTEXTIO_DECODED_CHARS, "decoded_chars"),
	V(TTEXTIO_PENDING_BYTES, "pending_bytes"), V(TTEXTIO_SNAPSHOT, "snapshot"),
	V(TTEXTIO_ERRORS, "errors"), V(TTEXTIO_RAW, "raw"), V(TTEXTIO_DICT, "__dict__"),
};
/* stringio_traverse(), bytesio_traverse(): <=3.11 the dict only; the
 * heap-type versions (3.12+) also visit readnl, writenl, decoder / buf. */
static const struct fld F_stringio[] = {
	TYPEV, VH(TSTRINGIO_READNL, "readnl"), VH(TSTRINGIO_WRITENL, "writenl"),
	VH(TSTRINGIO_DECODER, "decoder"), V(TSTRINGIO_DICT, "__dict__"),
	/* <=3.11: the _PyAccu accumulator's lists, released by
	 * stringio_dealloc, never visited */
	OWN(TSTRINGIO_ACCU_LARGE, "accu.large"), OWN(TSTRINGIO_ACCU_SMALL, "accu.small"),
};
static const struct fld F_bytesio[] = {
	TYPEV, V(TBYTESIO_DICT, "__dict__"), VH(TBYTESIO_BUF, "buf"),
};
/* Modules/_struct.c s_traverse(), Modules/arraymodule.c
 * array_tp_traverse(): resolved where the interpreter has these modules
 * built in (Debian's python3.11). */
static const struct fld F_struct[] = { TYPEV, V(TSTRUCT_FORMAT, "format") };
static const struct fld F_array[] = { TYPEV };
static const struct fld F_nldecoder[] = {
	TYPEV, V(TNLDECODER_DECODER, "decoder"), V(TNLDECODER_ERRORS, "errors"),
};
/* Non-GC types with owned references (reported with traversed == false;
 * gc.get_referents() of them is empty). Objects/codeobject.c: */
static const struct fld F_code[] = {
	OWN(TCO_CONSTS, "co_consts"), OWN(TCO_NAMES, "co_names"),
	OWN(TCO_CODE, "co_code"), OWN(TCO_VARNAMES, "co_varnames"),
	OWN(TCO_FREEVARS, "co_freevars"), OWN(TCO_CELLVARS, "co_cellvars"),
	OWN(TCO_LOCALSPLUSNAMES, "co_localsplusnames"),
	OWN(TCO_LOCALSPLUSKINDS, "co_localspluskinds"),
	OWN(TCO_FILENAME, "co_filename"), OWN(TCO_NAME, "co_name"),
	OWN(TCO_QUALNAME, "co_qualname"), OWN(TCO_LNOTAB, "co_lnotab"),
	OWN(TCO_LINETABLE, "co_linetable"), OWN(TCO_EXCEPTIONTABLE, "co_exceptiontable"),
	OWN(TCO_ZOMBIEFRAME, "co_zombieframe"), WK(TCO_WEAKLIST, "co_weakreflist"),
	OWN(TCO_CODE_CACHE, "_co_code"),
};
/* Objects/rangeobject.c */
static const struct fld F_range[] = {
	OWN(TRANGE_START, "start"), OWN(TRANGE_STOP, "stop"),
	OWN(TRANGE_STEP, "step"), OWN(TRANGE_LENGTH, "length"),
};
static const struct fld F_lrangeiter[] = {
	OWN(TLRANGEIT_START, "start"), OWN(TLRANGEIT_STEP, "step"),
	OWN(TLRANGEIT_LEN, "len"),
};
/* Modules/_abc.c 3.8: _abc_data_type has no tp_traverse (abc_data_traverse
 * arrived in 3.9, bpo-40149), yet its sets are its own: created by
 * _add_to_weak_set(), released by abc_data_dealloc(). */
static const struct fld F_abcdata[] = {
	OWN(TABC_REGISTRY, "_abc_registry"), OWN(TABC_CACHE, "_abc_cache"),
	OWN(TABC_NEG_CACHE, "_abc_negative_cache"),
};

/*
 * C modules' m_traverse functions (module_traverse() runs them before
 * md_dict). Fields are offsets in the module state (md_state).
 */
/* ---- The stdlib's C types outside Objects/: rows that also serve
 * extension modules (a .so), read there with the module's own layouts. */

/* Modules/_threadmodule.c: lock_traverse(), rlock_traverse() (3.10+, heap
 * types; the lock of 3.8-3.9 has no traverse) and local_traverse()
 * (3.8-3.9 without the type; 3.13: localdicts, thread_watchdogs). The
 * _localdummy has no traverse in any version. */
static const struct fld F_lock[] = { REQ(TSZ_LOCK), TYPEV };
static const struct fld F_rlock[] = { REQ(TSZ_RLOCK), TYPEV };
static const struct fld F_local[] = {
	TYPEV, V(TLOCAL_ARGS, "args"), V(TLOCAL_KW, "kw"),
	V(TLOCAL_DUMMIES, "dummies"), V(TLOCAL_LOCALDICTS, "localdicts"),
	V(TLOCAL_WATCHDOGS, "thread_watchdogs"), OWN(TLOCAL_KEY, "key"),
	WK(TLOCAL_WEAKLIST, "weakreflist"),
};
/* Modules/_json.c scanner_traverse(), encoder_traverse(): the type from
 * 3.9 (heap types), memo 3.9-3.12 (3.13 keeps it on the C stack). */
static const struct fld F_jscanner[] = {
	TYPEV, V(TJSCAN_OBJECT_HOOK, "object_hook"),
	V(TJSCAN_PAIRS_HOOK, "object_pairs_hook"),
	V(TJSCAN_ARRAY_HOOK, "array_hook"),  /* 3.15 */
	V(TJSCAN_PARSE_FLOAT, "parse_float"),
	V(TJSCAN_PARSE_INT, "parse_int"), V(TJSCAN_PARSE_CONSTANT, "parse_constant"),
	/* memo: 3.8's static type has it but does not visit it */
	VH(TJSCAN_MEMO, "memo"),   /* strict is a signed char in 3.8-3.15 */
};
static const struct fld F_jencoder[] = {
	TYPEV, V(TJENC_MARKERS, "markers"), V(TJENC_DEFAULTFN, "default"),
	V(TJENC_ENCODER, "encoder"), V(TJENC_INDENT, "indent"),
	V(TJENC_KEY_SEP, "key_separator"), V(TJENC_ITEM_SEP, "item_separator"),
};
/* Modules/_asynciomodule.c FutureObj_traverse(): the type 3.12+ (heap
 * types), exception_tb 3.10+, cancel_msg 3.9+, cancelled_exc 3.11+ and
 * awaited_by 3.14+ (before dict), the cancelled exception state 3.9-3.10
 * (after dict); 3.13 visits the managed dict instead of `dict`. TaskObj_traverse() visits its own
 * four fields first, then (3.8-3.11 by calling FutureObj_traverse, 3.12+
 * inline) the same future fields: one row, the type once. */
#define FUTURE_FIELDS                                                          \
	V(TFUT_LOOP, "_loop"), V(TFUT_CALLBACK0, "fut_callback0"),             \
	V(TFUT_CONTEXT0, "fut_context0"), V(TFUT_CALLBACKS, "_callbacks"),     \
	V(TFUT_RESULT, "_result"), V(TFUT_EXCEPTION, "_exception"),            \
	V(TFUT_EXCEPTION_TB, "_exception_tb"), V(TFUT_SOURCE_TB, "_source_traceback"), \
	V(TFUT_CANCEL_MSG, "_cancel_message"), V(TFUT_CANCELLED_EXC, "_cancelled_exc"), \
	V(TFUT_AWAITED_BY, "_awaited_by"),                                     \
	V(TFUT_DICT, "__dict__"), SPECIAL,                                     \
	V(TFUT_EXC_STATE_TYPE, "cancelled exc_type"),                          \
	V(TFUT_EXC_STATE_VALUE, "cancelled exc_value"),                        \
	V(TFUT_EXC_STATE_TB, "cancelled exc_traceback"),                       \
	WK(TFUT_WEAKLIST, "fut_weakreflist")
static const struct fld F_future[] = { TYPEV, FUTURE_FIELDS };
static const struct fld F_task[] = {
	TYPEV, V(TTASK_CONTEXT, "_context"), V(TTASK_CORO, "_coro"),
	V(TTASK_NAME, "_name"), V(TTASK_FUT_WAITER, "_fut_waiter"), FUTURE_FIELDS,
};
static const struct fld F_futiter[] = { TYPEV, V(TFUTITER_FUTURE, "future") };
static const struct fld F_taskstep[] = {
	TYPEV, V(TTASKSTEP_TASK, "sw_task"), V(TTASKSTEP_ARG, "sw_arg"),
};
static const struct fld F_taskwakeup[] = { TYPEV, V(TTASKWAKEUP_TASK, "ww_task") };
/* Modules/_sqlite/ (3.10+; the types of 3.8-3.9 are not GC): 3.10 has
 * isolation_level, statements, the pinboards and collations; 3.11+ blobs
 * and the callback contexts (special: callable, module of each). */
static const struct fld F_sqlconn[] = {
	/* 3.11 kept the name for a const char * */
	TYPEV, V_IF(TSQLCONN_ISOLATION, "isolation_level", TSQLCONN_PIN_TRACE),
	V(TSQLCONN_STMT_CACHE, "statement_cache"), V(TSQLCONN_STATEMENTS, "statements"),
	V(TSQLCONN_CURSORS, "cursors"), V(TSQLCONN_BLOBS, "blobs"),
	V(TSQLCONN_ROW_FACTORY, "row_factory"), V(TSQLCONN_TEXT_FACTORY, "text_factory"),
	V(TSQLCONN_PIN_TRACE, "trace callback"), V(TSQLCONN_PIN_PROGRESS, "progress handler"),
	V(TSQLCONN_PIN_AUTH, "authorizer"), V(TSQLCONN_COLLATIONS, "collations"),
	SPECIAL,
};
static const struct fld F_sqlcursor[] = {
	TYPEV, V(TSQLCUR_CONNECTION, "connection"), V(TSQLCUR_DESCRIPTION, "description"),
	V(TSQLCUR_ROW_CAST_MAP, "row_cast_map"), V(TSQLCUR_LASTROWID, "lastrowid"),
	V(TSQLCUR_ROW_FACTORY, "row_factory"), V(TSQLCUR_STATEMENT, "statement"),
	V(TSQLCUR_NEXT_ROW, "next_row"),
};
static const struct fld F_sqlstmt[] = { REQ(TSZ_SQLSTMT), TYPEV, V(TSQLSTMT_SQL, "sql") };
static const struct fld F_sqlblob[] = { TYPEV, V(TSQLBLOB_CONNECTION, "connection") };
static const struct fld F_sqlrow[] = {
	TYPEV, V(TSQLROW_DATA, "data"), V(TSQLROW_DESCRIPTION, "description"),
};
static const struct fld F_sqlprep[] = { REQ(TSZ_SQLPREPPROTO), TYPEV };
static const struct fld F_sqlcache[] = {
	TYPEV, V(TSQLCACHE_MAPPING, "mapping"), SPECIAL,
};
static const struct fld F_sqlnode[] = {
	TYPEV, V(TSQLNODE_KEY, "key"), V(TSQLNODE_DATA, "data"),
};
/* Modules/_pickle.c: the type 3.9+ (heap types); pers_func became
 * persistent_id / persistent_load in 3.13; the memos (special) are
 * visited from 3.11.7 and 3.12.1 (bpo-41422). */
static const struct fld F_pickler[] = {
	TYPEV, V(TPICKLER_WRITE, "write"), V(TPICKLER_PERS_FUNC, "persistent_id"),
	V(TPICKLER_PERSISTENT_ID, "persistent_id"), V(TPICKLER_DISPATCH, "dispatch_table"),
	V(TPICKLER_FAST_MEMO, "fast_memo"), V(TPICKLER_REDUCER_OVERRIDE, "reducer_override"),
	V(TPICKLER_BUFFER_CB, "buffer_callback"), SPECIAL,
};
static const struct fld F_unpickler[] = {
	TYPEV, V(TUNPICKLER_READLINE, "readline"), V(TUNPICKLER_READINTO, "readinto"),
	V(TUNPICKLER_READ, "read"), V(TUNPICKLER_PEEK, "peek"),
	V(TUNPICKLER_STACK, "stack"), V(TUNPICKLER_PERS_FUNC, "persistent_load"),
	V(TUNPICKLER_PERSISTENT_LOAD, "persistent_load"), V(TUNPICKLER_BUFFERS, "buffers"),
	SPECIAL,
};
static const struct fld F_pmemoproxy[] = { TYPEV, V(TPMEMOPROXY_PICKLER, "pickler") };
static const struct fld F_upmemoproxy[] = { TYPEV, V(TUPMEMOPROXY_UNPICKLER, "unpickler") };
static const struct fld F_pdata[] = { REQ(TSZ_PDATA), TYPEV };
/* 3.15: _PyObject_VisitType(), the tp_traverse that heap types visiting
 * only their type share (Debian sid's 3.15.2: _pickle.Pdata's, among
 * others'; seen in its DWARF and symbol table) */
static const struct fld F_visit_type[] = { TYPEV };
/* <=3.11: a static non-GC type, nothing visited (its stack: SP_PDATA) */
static const struct fld F_pdata_static[] = { REQ(TPDATA_DATA) };
/* Modules/_decimal/_decimal.c, 3.13 (heap types; no traverse before). */
static const struct fld F_decctx[] = {
	TYPEV, V(TDECCTX_TRAPS, "traps"), V(TDECCTX_FLAGS, "flags"),
};
static const struct fld F_decctxmgr[] = {
	TYPEV, V(TDECCTXMGR_LOCAL, "local"), V(TDECCTXMGR_GLOBAL, "global"),
};
static const struct fld F_decsigdict[] = { REQ(TSZ_DECSIGDICT), TYPEV };
/* Not GC, yet owning references (found by tp_dealloc, dealloc_anchors):
 * decimal's Context 3.8-3.12 (context_dealloc: traps, flags), _io's
 * IncrementalNewlineDecoder 3.8-3.11 (decoder, errors), select.poll
 * (its dict of registered fds), datetime.timezone (offset, name). */
static const struct fld F_decctx_nogc[] = {
	OWN(TDECCTX_TRAPS, "traps"), OWN(TDECCTX_FLAGS, "flags"),
};
static const struct fld F_nldecoder_nogc[] = {
	OWN(TNLDECODER_DECODER, "decoder"), OWN(TNLDECODER_ERRORS, "errors"),
};
static const struct fld F_poll_nogc[] = { OWN(TPOLL_DICT, "dict") };
static const struct fld F_timezone_nogc[] = {
	OWN(TTIMEZONE_OFFSET, "offset"), OWN(TTIMEZONE_NAME, "name"),
};
static const struct fld F_dec[] = { REQ(TSZ_DECOBJ), TYPEV };
/* Modules/_ssl.c: the type LAST, 3.10+ (heap types); exc 3.12+;
 * context_traverse() visits keylog_filename and the PSK callbacks (3.13+
 * fields) from 3.13.14 and 3.14.4 on (gh-142516). */
static const struct fld F_sslsock[] = {
	V(TSSL_EXC_TYPE, "exc_type"), V(TSSL_EXC_VALUE, "exc_value"),
	V(TSSL_EXC_TB, "exc_tb"), V(TSSL_EXC, "exc"), TYPEV,
};
/* PySSL_traverse() of 3.15 (v3.15.0rc1 _ssl.c): PySSLSocket has no
 * exception member left; only the type is visited. */
static const struct fld F_sslsock315[] = {
	ABSENT(TSSL_EXC), ABSENT(TSSL_EXC_VALUE), REQ(TSZ_SSLSOCKET), TYPEV,
};
static const struct fld F_sslctx[] = {
	V(TSSLCTX_SNI_CB, "sni_callback"), V(TSSLCTX_MSG_CB, "_msg_callback"),
	V_FIX(TSSLCTX_KEYLOG, "keylog_filename", FIX_GH142516),
	V_FIX(TSSLCTX_PSK_CLIENT, "psk_client_callback", FIX_GH142516),
	V_FIX(TSSLCTX_PSK_SERVER, "psk_server_callback", FIX_GH142516), TYPEV,
};
static const struct fld F_sslmembio[] = { REQ(TSZ_SSLMEMBIO), TYPEV };
static const struct fld F_sslsession[] = { V(TSSLSESSION_CTX, "context"), TYPEV };
/* Modules/socketmodule.c sock_traverse(), 3.12+ (heap type). */
static const struct fld F_socket[] = { REQ(TSZ_SOCKET), TYPEV };
/* Objects/typevarobject.c (3.12+): the type first, the managed dict
 * last; default_value/evaluate_default 3.13; the name right after the
 * type (first for TypeAliasType) from 3.13.10 and 3.14.1 (gh-140000);
 * 3.15 adds TypeVarTuple's bound and TypeAliasType's qualname after it. */
static const struct fld F_typevar[] = {
	TYPEV, V_FIX(TTYPEVAR_NAME, "__name__", FIX_GH140000),
	V(TTYPEVAR_BOUND, "__bound__"), V(TTYPEVAR_EVAL_BOUND, "evaluate_bound"),
	V(TTYPEVAR_CONSTRAINTS, "__constraints__"),
	V(TTYPEVAR_EVAL_CONSTRAINTS, "evaluate_constraints"),
	V(TTYPEVAR_DEFAULT, "__default__"), V(TTYPEVAR_EVAL_DEFAULT, "evaluate_default"),
	SPECIAL,
};
static const struct fld F_paramspec[] = {
	TYPEV, V_FIX(TPARAMSPEC_NAME, "__name__", FIX_GH140000),
	V(TPARAMSPEC_BOUND, "__bound__"),
	V(TPARAMSPEC_DEFAULT, "__default__"),
	V(TPARAMSPEC_EVAL_DEFAULT, "evaluate_default"), SPECIAL,
};
static const struct fld F_tvtuple[] = {
	REQ(TSZ_TYPEVARTUPLE), TYPEV, V_FIX(TTVTUPLE_NAME, "__name__", FIX_GH140000),
	V(TTVTUPLE_BOUND, "__bound__"),
	V(TTVTUPLE_DEFAULT, "__default__"),
	V(TTVTUPLE_EVAL_DEFAULT, "evaluate_default"), SPECIAL,
};
static const struct fld F_typealias[] = {
	V_FIX(TTYPEALIAS_NAME, "__name__", FIX_GH140000),
	V(TTYPEALIAS_QUALNAME, "__qualname__"), V(TTYPEALIAS_PARAMS, "__type_params__"),
	V(TTYPEALIAS_COMPUTE, "compute_value"),
	V(TTYPEALIAS_VALUE, "__value__"), V(TTYPEALIAS_MODULE, "__module__"),
};
static const struct fld F_psattr[] = { V(TPSATTR_ORIGIN, "__origin__") };
/* Modules/_ctypes/_ctypes.c PyCData_traverse(): the type last, 3.13 (heap
 * types); PyCFuncPtr_traverse() its eight fields, then PyCData_traverse. */
static const struct fld F_cdata[] = {
	V(TCDATA_OBJECTS, "_objects"), V(TCDATA_BASE, "_b_base_"), TYPEV,
};
static const struct fld F_cfuncptr[] = {
	V(TCFUNCPTR_CALLABLE, "callable"), V(TCFUNCPTR_RESTYPE, "restype"),
	V(TCFUNCPTR_CHECKER, "checker"), V(TCFUNCPTR_ERRCHECK, "errcheck"),
	V(TCFUNCPTR_ARGTYPES, "argtypes"), V(TCFUNCPTR_CONVERTERS, "converters"),
	V(TCFUNCPTR_PARAMFLAGS, "paramflags"), V(TCFUNCPTR_THUNK, "thunk"),
};
/* CDataType_traverse() (3.8-3.12): the StgDict's proto (special), then
 * PyType_Type.tp_traverse. CType_Type_traverse() (3.13): the StgInfo's
 * fields (special), the metatype, then PyType_Type.tp_traverse. */
static const struct fld F_cdatatype[] = { REQ(TSZ_STGDICT), SPECIAL };
static const struct fld F_ctypetype[] = { REQ(TSZ_STGINFO), SPECIAL, TYPEV };
/* Modules/_ctypes/cfield.c, callbacks.c: the type 3.13. */
static const struct fld F_cfield[] = { TYPEV, V(TCFIELD_PROTO, "proto") };
/* _DictRemover_traverse(), 3.12+ (heap type). */
static const struct fld F_dictremover[] = {
	TYPEV, V(TDICTREMOVER_KEY, "key"), V(TDICTREMOVER_DICT, "dict"),
};
/* Objects/capsule.c capsule_traverse() (3.13): the traverse_func that
 * _PyCapsule_SetTraverse() installed (special). */
static const struct fld F_capsule[] = { SPECIAL };
/* Modules/_csv.c Dialect_traverse(), _queuemodule.c simplequeue_traverse():
 * the type last (3.10+ heap types). */
static const struct fld F_csvdialect[] = { V(TCSVDIALECT_LINETERM, "lineterminator"), TYPEV };
static const struct fld F_simplequeue[] = { V(TSIMPLEQUEUE_LST, "lst"), TYPEV };
/* 3.13+: the items of its RingBuf, oldest first, then the type (the queue
 * of every concurrent.futures thread pool: its _WorkItems looked leaked) */
static const struct fld F_simplequeue_ring[] = { REQ(TSIMPLEQUEUE_BUF), SPECIAL, TYPEV };
static const struct fld F_cthunk[] = {
	TYPEV, V(TCTHUNK_CONVERTERS, "converters"), V(TCTHUNK_CALLABLE, "callable"),
	V(TCTHUNK_RESTYPE, "restype"),
};

/*
 * Cython 0.29 (Debian 12's cython3 0.29.32; the runtime of every Cython
 * module built with it): Cython/Utility/CythonFunction.c
 * __Pyx_CyFunction_traverse() visits the closure, func.m_module, the
 * dict, name, qualname, doc, globals, code, classobj, the defaults tuple
 * and kw dict, then the dynamic defaults' leading object pointers
 * (special); not func.m_self. __pyx_FusedFunction_traverse() visits self,
 * type and __signatures__ first, then calls it. Coroutine.c
 * __Pyx_Coroutine_traverse() (generators, coroutines): closure, classobj,
 * yieldfrom, then gi_exc_state (exc_type, exc_value, exc_traceback: the
 * _PyErr_StackItem of 3.7-3.10, Cython's own struct on 3.11+). These are
 * static functions, shared between modules through
 * __Pyx_FetchCommonType: the type, and so the traverse, belong to the
 * first module of that Cython version imported; its DWARF gives the
 * layout. Cython 3 adds visits (func_is_coroutine; 3.1 its type) and
 * its structs have members 0.29's lack: these rows do not apply there
 * (ABSENT); Cython 3.0's have rows of their own below.
 */
static const struct fld F_cyfunc[] = {
	ABSENT(TCYF_IS_COROUTINE),
	V(TCYF_CLOSURE, "func_closure"), V(TCYF_MODULE, "__module__"),
	V(TCYF_DICT, "__dict__"), V(TCYF_NAME, "__name__"),
	V(TCYF_QUALNAME, "__qualname__"), V(TCYF_DOC, "__doc__"),
	V(TCYF_GLOBALS, "__globals__"), V(TCYF_CODE, "__code__"),
	V(TCYF_CLASSOBJ, "__class__ cell"), V(TCYF_DEFAULTS_TUPLE, "__defaults__"),
	V(TCYF_DEFAULTS_KWDICT, "__kwdefaults__"), SPECIAL,
};
static const struct fld F_cyfused[] = {
	ABSENT(TCYF_IS_COROUTINE),
	V(TCYFUSED_SELF, "__self__"), V(TCYFUSED_TYPE, "type"),
	V(TCYFUSED_SIGNATURES, "__signatures__"),
};
static const struct fld F_cycoro[] = {
	ABSENT(TCYCORO_AM_SEND),
	V(TCYCORO_CLOSURE, "closure"), V(TCYCORO_CLASSOBJ, "classobj"),
	V(TCYCORO_YIELDFROM, "yieldfrom"), V(TCYCORO_EXC_TYPE, "exc_type"),
	V(TCYCORO_EXC_VALUE, "exc_value"), V(TCYCORO_EXC_TB, "exc_traceback"),
};
/*
 * Cython 3.0 (3.0.11, Debian 13's cython3: Cython/Utility/CythonFunction.c)
 * __Pyx_CyFunction_traverse(): as 0.29's, but the no-args super() class
 * cell is PyCMethodObject's mm_class from CPython 3.9 (func_classobj
 * before), func.m_module is then func.func.m_module, and func_is_coroutine
 * comes after the defaults kw dict; the dynamic defaults last, as in 0.29.
 * __pyx_FusedFunction_traverse() visits self and __signatures__ (not
 * `type`), then calls it: its fields are repeated here (a tail is found
 * by name, and the first row of that name is 0.29's). Told from 0.29 by
 * func_is_coroutine, from 3.1 (whose traverse visits the type and
 * `defaults` as an object) by defaults_pyobjects. Coroutine.c
 * __Pyx_Coroutine_traverse() of 3.0.11 is 0.29's F_cycoro: closure,
 * classobj, yieldfrom, then gi_exc_state, a _PyErr_StackItem from
 * CPython 3.7 (CYTHON_USE_EXC_INFO_STACK), whose DWARF has exc_value only
 * from 3.11, the one member 3.0.11 visits there.
 */
#define CYFUNC3_FIELDS                                                        \
	NEEDS(TCYF_IS_COROUTINE), NEEDS(TCYF_DEFAULTS_PYOBJECTS),            \
	V(TCYF_CLOSURE, "func_closure"), V(TCYF_MODULE, "__module__"),        \
	V(TCYF3_MODULE, "__module__"), V(TCYF_DICT, "__dict__"),              \
	V(TCYF_NAME, "__name__"), V(TCYF_QUALNAME, "__qualname__"),           \
	V(TCYF_DOC, "__doc__"), V(TCYF_GLOBALS, "__globals__"),               \
	V(TCYF_CODE, "__code__"), V(TCYF_CLASSOBJ, "__class__ cell"),         \
	V(TCYF3_MM_CLASS, "__class__ cell"),                                  \
	V(TCYF_DEFAULTS_TUPLE, "__defaults__"),                               \
	V(TCYF_DEFAULTS_KWDICT, "__kwdefaults__"),                            \
	V(TCYF_IS_COROUTINE, "_is_coroutine"), SPECIAL
static const struct fld F_cyfunc3[] = { CYFUNC3_FIELDS };
static const struct fld F_cyfused3[] = {
	V(TCYFUSED_SELF, "__self__"), V(TCYFUSED_SIGNATURES, "__signatures__"),
	CYFUNC3_FIELDS,
};
/* __Pyx_CoroutineAwait_traverse(): the awaited coroutine (0.29 and 3). */
static const struct fld F_cyawait[] = { V(TCYAWAIT_CORO, "coroutine") };

enum mkind {
	MT_FIELDS,     /* the listed state fields, in this order */
	MT_STATE_ALL,  /* every object pointer of the state, in declaration
			* order: these functions Py_VISIT each field of a
			* state struct that holds only object pointers, or
			* object pointers and words no object could be at
			* (checked against their sources, 3.9-3.13, and by
			* tests/integration/referents.sh) */
	MT_ATEXIT,     /* atexit_m_traverse(), 3.8/3.9 */
};

struct mtfunc {
	const char *symbol;
	enum mkind kind;
	const struct fld *fields;
	size_t nfields;
	int absent;   /* PYL_ index of a member whose presence says the row
		       * does not apply (a version whose m_traverse did more);
		       * 0: none */
	int present;  /* PYL_ index of a member the row needs (that
		       * version's state alone has it); 0: none */
	enum mwalk {
		MW_NONE,
		MW_DECCOND,     /* then decimal_state's signal_map and cond_map */
		MW_FI_FREELIST, /* then asyncio_state's fi_freelist (3.12) */
	} walk;
	bool anchored; /* in the interpreter, only found through mt_anchors
			* (its name is not unique there); by name in an
			* extension module */
};

/* Modules/signalmodule.c: default_handler and ignore_handler are not
 * visited. */
static const struct fld M_signal[] = {
	V(TSIGNAL_ITIMER_ERROR, "itimer_error"), V(TSIGNAL_SIGINFO_TYPE, "siginfo_type"),
};
/* Modules/_operator.c: attrgetter first. */
static const struct fld M_operator[] = {
	V(TOPERATOR_ATTRGETTER, "attrgetter_type"), V(TOPERATOR_ITEMGETTER, "itemgetter_type"),
	V(TOPERATOR_METHODCALLER, "methodcaller_type"),
};
/* Modules/arraymodule.c: the two types, not the cached strings. */
static const struct fld M_array[] = {
	V(TARRAY_ARRAYTYPE, "ArrayType"), V(TARRAY_ITERTYPE, "ArrayIterType"),
};

/* Modules/_randommodule.c, _csv.c (3.11) */
static const struct fld M_random[] = { V(TRANDOMST_TYPE, "Random_Type") };
static const struct fld M_csv[] = {
	V(TCSVST_ERROR, "Error"), V(TCSVST_DIALECTS, "dialects"),
	V(TCSVST_DIALECT_TYPE, "Dialect"), V(TCSVST_READER_TYPE, "Reader"),
	V(TCSVST_WRITER_TYPE, "Writer"),
};

/* Modules/socketmodule.c socket_traverse() (3.12+; built into Debian's
 * interpreter): the type and the two exceptions, not defaulttimeout. */
static const struct fld M_socket[] = {
	V(TSOCKST_SOCK_TYPE, "sock_type"), V(TSOCKST_HERROR, "herror"),
	V(TSOCKST_GAIERROR, "gaierror"),
};
/* Modules/_datetimemodule.c module_traverse() -> traverse_state() (3.13+;
 * built into Debian's interpreter): only the heap type, not the cached
 * ints nor the epoch. */
static const struct fld M_datetime[] = {
	V(TDATETIMEST_ISOCAL, "IsoCalendarDate"),
};
/* Modules/_decimal/_decimal.c decimal_traverse() (3.13.0, 3.14.0,
 * 3.15.0rc1: the same; a .so in lib-dynload): the types, the exception,
 * the context key (tls_context_key and cached_context without
 * WITH_DECIMAL_CONTEXTVAR, else current_context_var: the DWARF says which),
 * the templates, Rational, SignalTuple; not round_map nor PyDecimal. Then
 * (MW_DECCOND) the `ex` of each DecCondMap of signal_map and of cond_map
 * from its second entry, up to the entry whose name is NULL. */
static const struct fld M_decimal[] = {
	V(TDECST_CTXMGR_TYPE, "PyDecContextManager_Type"),
	V(TDECST_CONTEXT_TYPE, "PyDecContext_Type"),
	V(TDECST_SDMIXIN_TYPE, "PyDecSignalDictMixin_Type"),
	V(TDECST_DEC_TYPE, "PyDec_Type"), V(TDECST_SIGNALDICT_TYPE, "PyDecSignalDict_Type"),
	V(TDECST_DECIMALTUPLE, "DecimalTuple"), V(TDECST_EXCEPTION, "DecimalException"),
	V(TDECST_TLS_KEY, "tls_context_key"), V(TDECST_CACHED_CONTEXT, "cached_context"),
	V(TDECST_CONTEXT_VAR, "current_context_var"),
	V(TDECST_DEFAULT_TEMPLATE, "default_context_template"),
	V(TDECST_BASIC_TEMPLATE, "basic_context_template"),
	V(TDECST_EXTENDED_TEMPLATE, "extended_context_template"),
	V(TDECST_RATIONAL, "Rational"), V(TDECST_SIGNALTUPLE, "SignalTuple"),
};
/* Modules/_interpretersmodule.c module_traverse() ->
 * traverse_module_state() (3.13.0-3.15.0rc1; a .so in lib-dynload): the
 * buffer-view type only. */
static const struct fld M_interpreters[] = {
	V(TINTERPST_XIBUFVIEW, "XIBufferViewType"),
};
/* Modules/_json.c _jsonmodule_traverse() (3.9-3.11; a .so in pyenv's
 * and Debian's lib-dynload): the scanner type, then the encoder type. */
static const struct fld M_json[] = {
	V(TJSONST_SCANNER, "PyScannerType"), V(TJSONST_ENCODER, "PyEncoderType"),
};
/* Modules/_sqlite/module.c module_traverse() (3.11-3.15; a .so in
 * lib-dynload, ext_mt): exceptions, types, then the converters, the LRU
 * cache and the adapters; not the interned strings. */
static const struct fld M_sqlite[] = {
	V(TSQLST_DATAERROR, "DataError"), V(TSQLST_DATABASEERROR, "DatabaseError"),
	V(TSQLST_ERROR, "Error"), V(TSQLST_INTEGRITYERROR, "IntegrityError"),
	V(TSQLST_INTERFACEERROR, "InterfaceError"), V(TSQLST_INTERNALERROR, "InternalError"),
	V(TSQLST_NOTSUPPORTEDERROR, "NotSupportedError"),
	V(TSQLST_OPERATIONALERROR, "OperationalError"),
	V(TSQLST_PROGRAMMINGERROR, "ProgrammingError"), V(TSQLST_WARNING, "Warning"),
	V(TSQLST_BLOBTYPE, "Blob"), V(TSQLST_CONNECTIONTYPE, "Connection"),
	V(TSQLST_CURSORTYPE, "Cursor"), V(TSQLST_PREPAREPROTOCOLTYPE, "PrepareProtocol"),
	V(TSQLST_ROWTYPE, "Row"), V(TSQLST_STATEMENTTYPE, "Statement"),
	V(TSQLST_CONVERTERS, "converters"), V(TSQLST_LRU_CACHE, "lru_cache"),
	V(TSQLST_ADAPTERS, "adapters"),
};
/* Modules/_ssl.c sslmodule_traverse() (3.10+): the types, the exceptions,
 * the error-code tables (err_names_to_codes 3.10-3.11), Sock_Type. Not
 * visited, released by sslmodule_clear() (3.11+): the interned attribute
 * names fill_and_set_sslerror() sets on an SSLError. */
static const struct fld M_ssl[] = {
	V(TSSLST_CONTEXT_TYPE, "SSLContext"), V(TSSLST_SOCKET_TYPE, "_SSLSocket"),
	V(TSSLST_MEMBIO_TYPE, "MemoryBIO"), V(TSSLST_SESSION_TYPE, "SSLSession"),
	V(TSSLST_CERT_TYPE, "Certificate"), V(TSSLST_ERROR, "SSLError"),
	V(TSSLST_CERTVERIFY_ERROR, "SSLCertVerificationError"),
	V(TSSLST_ZERORETURN_ERROR, "SSLZeroReturnError"),
	V(TSSLST_WANTREAD_ERROR, "SSLWantReadError"),
	V(TSSLST_WANTWRITE_ERROR, "SSLWantWriteError"),
	V(TSSLST_SYSCALL_ERROR, "SSLSyscallError"), V(TSSLST_EOF_ERROR, "SSLEOFError"),
	V(TSSLST_ERR_CODES_TO_NAMES, "err_codes_to_names"),
	V(TSSLST_ERR_NAMES_TO_CODES, "err_names_to_codes"),
	V(TSSLST_LIB_CODES_TO_NAMES, "lib_codes_to_names"), V(TSSLST_SOCK_TYPE, "Sock_Type"),
	OWN(TSSLST_STR_LIBRARY, "str_library"), OWN(TSSLST_STR_REASON, "str_reason"),
	OWN(TSSLST_STR_VERIFY_CODE, "str_verify_code"),
	OWN(TSSLST_STR_VERIFY_MESSAGE, "str_verify_message"),
};
/* Modules/_asynciomodule.c module_traverse() (3.13+): the types, the
 * imported helpers, the task sets (scheduled_tasks, eager_tasks,
 * current_tasks 3.13; non_asyncio_tasks, non_asyncio_eager_tasks 3.14+),
 * the typecache, context_kwname. 3.12's also walked the future-iterator
 * freelist: its state, alone, has cached_running_loop (the row's
 * `absent`). */
static const struct fld M_asyncio[] = {
	V(TASYNCST_FUTITER_TYPE, "FutureIter"), V(TASYNCST_TASKSTEP_TYPE, "TaskStepMethWrapper"),
	V(TASYNCST_FUTURE_TYPE, "Future"), V(TASYNCST_TASK_TYPE, "Task"),
	V(TASYNCST_MOD, "asyncio"), V(TASYNCST_EXTRACT_STACK, "traceback_extract_stack"),
	V(TASYNCST_FUTURE_REPR, "future_repr"),
	V(TASYNCST_GET_LOOP_POLICY, "get_event_loop_policy"),
	V(TASYNCST_ISCOROUTINE, "iscoroutine"), V(TASYNCST_TASK_GET_STACK, "task_get_stack"),
	V(TASYNCST_TASK_PRINT_STACK, "task_print_stack"),
	V(TASYNCST_TASK_REPR, "task_repr"),
	V(TASYNCST_INVALIDSTATE, "InvalidStateError"),
	V(TASYNCST_CANCELLED, "CancelledError"),
	V(TASYNCST_SCHEDULED_TASKS, "scheduled_tasks"), V(TASYNCST_EAGER_TASKS, "eager_tasks"),
	V(TASYNCST_CURRENT_TASKS, "current_tasks"),
	V(TASYNCST_NON_ASYNCIO_TASKS, "non_asyncio_tasks"),
	V(TASYNCST_NON_ASYNCIO_EAGER, "non_asyncio_eager_tasks"),
	V(TASYNCST_TYPECACHE, "iscoroutine_typecache"), V(TASYNCST_CONTEXT_KWNAME, "context_kwname"),
};
/* Modules/_ctypes/_ctypes.c module_traverse() (3.13+): the pointer-type
 * cache (3.13; 3.14 keeps pointer types in StgInfo), the cached objects,
 * then the types in ctypes_state's order, PyCType_Type last. */
static const struct fld M_ctypes[] = {
	V(TCTYPESST_PTRTYPE_CACHE, "_ctypes_ptrtype_cache"),
	V(TCTYPESST_UNPICKLE, "_unpickle"),
	V(TCTYPESST_ARRAY_CACHE, "array_cache"),
	V(TCTYPESST_ERROR_OBJECT_NAME, "error_object_name"),
	V(TCTYPESST_ARGERROR, "PyExc_ArgError"),
	V(TCTYPESST_SWAPPED_SUFFIX, "swapped_suffix"),
	V(TCTYPESST_DICTREMOVER_TYPE, "DictRemover_Type"),
	V(TCTYPESST_CARG_TYPE, "PyCArg_Type"),
	V(TCTYPESST_CFIELD_TYPE, "PyCField_Type"),
	V(TCTYPESST_CTHUNK_TYPE, "PyCThunk_Type"),
	V(TCTYPESST_STRUCTPARAM_TYPE, "StructParam_Type"),
	V(TCTYPESST_CSTRUCTTYPE_TYPE, "PyCStructType_Type"),
	V(TCTYPESST_UNIONTYPE_TYPE, "UnionType_Type"),
	V(TCTYPESST_CPOINTERTYPE_TYPE, "PyCPointerType_Type"),
	V(TCTYPESST_CARRAYTYPE_TYPE, "PyCArrayType_Type"),
	V(TCTYPESST_CSIMPLETYPE_TYPE, "PyCSimpleType_Type"),
	V(TCTYPESST_CFUNCPTRTYPE_TYPE, "PyCFuncPtrType_Type"),
	V(TCTYPESST_CDATA_TYPE, "PyCData_Type"),
	V(TCTYPESST_STRUCT_TYPE, "Struct_Type"),
	V(TCTYPESST_UNION_TYPE, "Union_Type"),
	V(TCTYPESST_CARRAY_TYPE, "PyCArray_Type"),
	V(TCTYPESST_SIMPLE_TYPE, "Simple_Type"),
	V(TCTYPESST_CPOINTER_TYPE, "PyCPointer_Type"),
	V(TCTYPESST_CFUNCPTR_TYPE, "PyCFuncPtr_Type"),
	V(TCTYPESST_CTYPE_TYPE, "PyCType_Type"),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What ctypes' StgDict adds to a PyDictObject (stgdict_fields()). */
#define STGDICT_EXTRA 144

static const struct mtfunc mtfuncs[] = {
	{ "_signal_module_traverse", MT_FIELDS, M_signal, N(M_signal) },
	{ "operator_traverse", MT_FIELDS, M_operator, N(M_operator) },
	{ "array_traverse", MT_FIELDS, M_array, N(M_array) },
	{ "atexit_m_traverse", MT_ATEXIT, NULL, 0 },
	{ "iomodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_posix_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_abcmodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "locale_traverse", MT_STATE_ALL, NULL, 0 },
	{ "thread_module_traverse", MT_STATE_ALL, NULL, 0 },
	{ "time_module_traverse", MT_STATE_ALL, NULL, 0 },
	{ "itertoolsmodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "collections_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_functools_traverse", MT_STATE_ALL, NULL, 0 },
	{ "sre_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_structmodule_traverse", MT_STATE_ALL, NULL, 0 },
	/* Modules/grpmodule.c (3.9+; 3.9.18, 3.15.0rc1: StructGrpType, the
	 * state's one member), _posixsubprocess.c (3.9: disable, enable,
	 * isenabled, the whole state in order) */
	{ "grpmodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_posixsubprocess_traverse", MT_STATE_ALL, NULL, 0 },
	/* Modules/pwdmodule.c (3.9+), Python/Python-tokenize.c (3.12+);
	 * built into Debian's interpreter: Modules/_pickle.c pickle_traverse,
	 * selectmodule.c _select_traverse, binascii.c binascii_traverse
	 * (3.11: each visits every field of a state of object pointers, in
	 * declaration order) */
	{ "pwdmodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "tokenizemodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "pickle_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_select_traverse", MT_STATE_ALL, NULL, 0 },
	{ "binascii_traverse", MT_STATE_ALL, NULL, 0 },
	/* more of Debian's built-in modules (3.11.2 sources): zlib, _sha512,
	 * _blake2, _elementtree, pyexpat, _queue, _lsprof, _lzma, resource,
	 * mmap visit their whole state in order; _random and _csv do not
	 * visit a cached string (Long___abs__, str_write) */
	{ "zlib_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_sha512_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_blake2_traverse", MT_STATE_ALL, NULL, 0 },
	{ "elementtree_traverse", MT_STATE_ALL, NULL, 0 },
	{ "pyexpat_traverse", MT_STATE_ALL, NULL, 0 },
	{ "queue_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_lsprof_traverse", MT_STATE_ALL, NULL, 0 },
	{ "lzma_traverse", MT_STATE_ALL, NULL, 0 },
	{ "resourcemodule_traverse", MT_STATE_ALL, NULL, 0 },
	{ "mmap_traverse", MT_STATE_ALL, NULL, 0 },
	/* Modules/_bz2module.c (3.10+: bz2_compressor_type,
	 * bz2_decompressor_type), Modules/_zstd/_zstdmodule.c (3.14+, built
	 * into Debian's 3.15: ZstdDict_type, ZstdCompressor_type,
	 * ZstdDecompressor_type, ZstdError, CParameter_type,
	 * DParameter_type): the whole state, in order. Unread, _zstd's module
	 * failed realapps.sh's referents check whenever the application had
	 * imported it by the time of the dump. */
	{ "_bz2_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_zstd_traverse", MT_STATE_ALL, NULL, 0 },
	{ "_random_traverse", MT_FIELDS, M_random, N(M_random) },
	{ "_csv_traverse", MT_FIELDS, M_csv, N(M_csv) },
	{ "socket_traverse", MT_FIELDS, M_socket, N(M_socket) },
	{ "_jsonmodule_traverse", MT_FIELDS, M_json, N(M_json) },
	/* "module_traverse" is also Objects/moduleobject.c's (and, with
	 * LTO, both are "module_traverse.lto_priv.N"): found through the
	 * module definition (mt_anchors) */
	{ "module_traverse", MT_FIELDS, M_datetime, N(M_datetime), .anchored = true },
	{ "module_traverse", MT_FIELDS, M_sqlite, N(M_sqlite) },
	{ "sslmodule_traverse", MT_FIELDS, M_ssl, N(M_ssl) },
	{ "module_traverse", MT_FIELDS, M_asyncio, N(M_asyncio), PYL_TASYNCST_CACHED_LOOP },
	/* 3.12.1's: the same fields, then the future-iterator freelist */
	{ "module_traverse", MT_FIELDS, M_asyncio, N(M_asyncio),
	  .present = PYL_TASYNCST_CACHED_LOOP, .walk = MW_FI_FREELIST },
	{ "decimal_traverse", MT_FIELDS, M_decimal, N(M_decimal), .walk = MW_DECCOND },
	{ "module_traverse", MT_FIELDS, M_interpreters, N(M_interpreters) },
	{ "module_traverse", MT_FIELDS, M_ctypes, N(M_ctypes) },
};

/*
 * m_traverse functions whose name is not unique in the interpreter,
 * found by the m_traverse of their module's static PyModuleDef.
 */
static const struct {
	const char *def_symbol;
	const struct fld *fields;   /* the anchored row's (unique) */
} mt_anchors[] = {
	{ "datetimemodule", M_datetime },
};

#define ROW(sym, sp, f, tail) { sym, sp, f, N(f), tail }
#define SPROW(sym, sp) { sym, sp, NULL, 0, NULL }

static const struct tfunc tfuncs[] = {
	/* the first rows are referred to by index (TF_*); "<...>" rows are
	 * non-GC types found by their type object (type_anchors) */
	SPROW("subtype_traverse", SP_SUBTYPE),
	ROW("<code>", SP_CODE_CACHED, F_code, NULL),
	ROW("<range>", SP_NONE, F_range, NULL),
	ROW("<longrangeiter>", SP_NONE, F_lrangeiter, NULL),
	ROW("<abc_data>", SP_NONE, F_abcdata, NULL),
	/* a Cython cdef class's traverse read from its code (decoded_tf) */
	SPROW("<decoded traverse>", SP_NONE),
	/* Objects/ */
	SPROW("dict_traverse", SP_DICT),
	ROW("BaseException_traverse", SP_NONE, F_exc, NULL),
	ROW("gen_traverse", SP_GEN, F_gen, NULL),
	SPROW("tupletraverse", SP_TUPLE),
	SPROW("tuple_traverse", SP_TUPLE),   /* the name from 3.14 */
	SPROW("structseq_traverse", SP_STRUCTSEQ),
	SPROW("list_traverse", SP_LIST),
	SPROW("set_traverse", SP_SET),
	SPROW("type_traverse", SP_TYPE),
	SPROW("module_traverse", SP_MODULE),
	ROW("func_traverse", SP_NONE, F_func, NULL),
	ROW("cm_traverse", SP_NONE, F_cm, NULL),
	ROW("sm_traverse", SP_NONE, F_sm, NULL),
	ROW("cell_traverse", SP_NONE, F_cell, NULL),
	ROW("method_traverse", SP_NONE, F_method, NULL),
	ROW("instancemethod_traverse", SP_NONE, F_imethod, NULL),
	ROW("meth_traverse", SP_CFUNC, F_cfunc, NULL),
	ROW("descr_traverse", SP_NONE, F_descr, NULL),
	ROW("wrapper_traverse", SP_NONE, F_wrapper, NULL),
	ROW("mappingproxy_traverse", SP_NONE, F_mappingproxy, NULL),
	ROW("property_traverse", SP_NONE, F_property, NULL),
	ROW("namespace_traverse", SP_NONE, F_namespace, NULL),
	ROW("slice_traverse", SP_NONE, F_slice, NULL),
	ROW("tb_traverse", SP_NONE, F_tb, NULL),
	ROW("gc_traverse", SP_NONE, F_weakref, NULL),
	ROW("super_traverse", SP_NONE, F_super, NULL),
	ROW("enum_traverse", SP_NONE, F_enum, NULL),
	ROW("reversed_traverse", SP_NONE, F_reversed, NULL),
	ROW("zip_traverse", SP_NONE, F_zip, NULL),
	ROW("map_traverse", SP_NONE, F_map, NULL),
	ROW("filter_traverse", SP_NONE, F_filter, NULL),
	ROW("iter_traverse", SP_NONE, F_seqiter, NULL),
	ROW("calliter_traverse", SP_NONE, F_calliter, NULL),
	ROW("listiter_traverse", SP_NONE, F_listiter, NULL),
	ROW("listreviter_traverse", SP_NONE, F_listreviter, NULL),
	ROW("tupleiter_traverse", SP_NONE, F_tupleiter, NULL),
	ROW("setiter_traverse", SP_NONE, F_setiter, NULL),
	ROW("dictiter_traverse", SP_NONE, F_dictiter, NULL),
	ROW("dictview_traverse", SP_NONE, F_dictview, NULL),
	ROW("striter_traverse", SP_NONE, F_striter, NULL),
	ROW("bytearrayiter_traverse", SP_NONE, F_baiter, NULL),
	ROW("unicodeiter_traverse", SP_NONE, F_uniiter, NULL),
	ROW("memory_traverse", SP_NONE, F_memory, NULL),
	ROW("mbuf_traverse", SP_NONE, F_mbuf, NULL),
	ROW("ga_traverse", SP_NONE, F_ga, NULL),
	ROW("union_traverse", SP_NONE, F_union, NULL),
	ROW("odict_traverse", SP_ODICT, F_odict, "dict_traverse"),
	ROW("odictiter_traverse", SP_NONE, F_odictiter, NULL),
	ROW("async_gen_traverse", SP_NONE, F_agen, "gen_traverse"),
	ROW("async_gen_asend_traverse", SP_NONE, F_asend, NULL),
	ROW("async_gen_athrow_traverse", SP_NONE, F_athrow, NULL),
	ROW("lazy_import_traverse", SP_NONE, F_lazyimport, NULL),   /* 3.15 */
	ROW("sentinel_traverse", SP_NONE, F_sentinel, NULL),        /* 3.15 */
	ROW("async_gen_wrapped_val_traverse", SP_NONE, F_awrapped, NULL),
	ROW("coro_wrapper_traverse", SP_NONE, F_corowrapper, NULL),
	ROW("frame_traverse", SP_FRAME, F_frame, NULL),
	ROW("SyntaxError_traverse", SP_NONE, F_synerr, "BaseException_traverse"),
	ROW("ImportError_traverse", SP_NONE, F_imperr, "BaseException_traverse"),
	ROW("OSError_traverse", SP_NONE, F_oserr, "BaseException_traverse"),
	ROW("SystemExit_traverse", SP_NONE, F_sysexit, "BaseException_traverse"),
	ROW("StopIteration_traverse", SP_NONE, F_stopiter, "BaseException_traverse"),
	ROW("UnicodeError_traverse", SP_NONE, F_unierr, "BaseException_traverse"),
	ROW("AttributeError_traverse", SP_NONE, F_attrerr, "BaseException_traverse"),
	ROW("NameError_traverse", SP_NONE, F_nameerr, "BaseException_traverse"),
	ROW("BaseExceptionGroup_traverse", SP_NONE, F_excgroup, "BaseException_traverse"),
	/* Python/ */
	ROW("context_tp_traverse", SP_NONE, F_context, NULL),
	ROW("contextvar_tp_traverse", SP_NONE, F_ctxvar, NULL),
	ROW("token_tp_traverse", SP_NONE, F_token, NULL),
	ROW("hamt_tp_traverse", SP_NONE, F_hamt, NULL),
	SPROW("hamt_node_bitmap_traverse", SP_HAMT_BITMAP),
	SPROW("hamt_node_array_traverse", SP_HAMT_ARRAY),
	SPROW("hamt_node_collision_traverse", SP_HAMT_COLLISION),
	/* Modules/ */
	ROW("deque_traverse", SP_DEQUE, F_deque, NULL),
	ROW("dequeiter_traverse", SP_NONE, F_dequeiter, NULL),
	ROW("defdict_traverse", SP_NONE, F_defdict, "dict_traverse"),
	ROW("tuplegetter_traverse", SP_NONE, F_tuplegetter, NULL),
	ROW("partial_traverse", SP_NONE, F_partial, NULL),
	ROW("keyobject_traverse", SP_NONE, F_keyobj, NULL),
	SPROW("lru_cache_tp_traverse", SP_LRU),
	ROW("abc_data_traverse", SP_NONE, F_abc, NULL),
	ROW("itemgetter_traverse", SP_NONE, F_itemgetter, NULL),
	ROW("attrgetter_traverse", SP_NONE, F_attrgetter, NULL),
	ROW("methodcaller_traverse", SP_NONE, F_mcaller, NULL),
	ROW("count_traverse", SP_NONE, F_count, NULL),
	ROW("cycle_traverse", SP_NONE, F_cycle, NULL),
	ROW("chain_traverse", SP_NONE, F_chain, NULL),
	ROW("islice_traverse", SP_NONE, F_islice, NULL),
	ROW("groupby_traverse", SP_NONE, F_groupby, NULL),
	ROW("_grouper_traverse", SP_NONE, F_grouper, NULL),
	ROW("tee_traverse", SP_NONE, F_tee, NULL),
	ROW("teedataobject_traverse", SP_TEEDATA, F_teedata, NULL),
	ROW("product_traverse", SP_NONE, F_product, NULL),
	ROW("repeat_traverse", SP_NONE, F_repeat, NULL),
	ROW("accumulate_traverse", SP_NONE, F_accumulate, NULL),
	ROW("starmap_traverse", SP_NONE, F_starmap, NULL),
	ROW("zip_longest_traverse", SP_NONE, F_ziplong, NULL),
	ROW("combinations_traverse", SP_NONE, F_comb, NULL),
	ROW("cwr_traverse", SP_NONE, F_cwr, NULL),
	ROW("permutations_traverse", SP_NONE, F_perm, NULL),
	ROW("compress_traverse", SP_NONE, F_compress, NULL),
	ROW("dropwhile_traverse", SP_NONE, F_dropwhile, NULL),
	ROW("takewhile_traverse", SP_NONE, F_takewhile, NULL),
	ROW("filterfalse_traverse", SP_NONE, F_filterfalse, NULL),
	ROW("pairwise_traverse", SP_NONE, F_pairwise, NULL),
	ROW("batched_traverse", SP_NONE, F_batched, NULL),
	ROW("pattern_traverse", SP_NONE, F_pattern, NULL),
	ROW("match_traverse", SP_NONE, F_match, NULL),
	ROW("scanner_traverse", SP_NONE, F_scanner, NULL),
	/* _json's scanner_traverse, built in (Debian): see slot_anchors */
	ROW("<json scanner>", SP_NONE, F_jscanner, NULL),
	ROW("fileio_traverse", SP_NONE, F_fileio, NULL),
	ROW("iobase_traverse", SP_NONE, F_iobase, NULL),
	ROW("buffered_traverse", SP_NONE, F_buffered, NULL),
	ROW("bufferedrwpair_traverse", SP_NONE, F_rwpair, NULL),
	ROW("textiowrapper_traverse", SP_NONE, F_textio, NULL),
	ROW("stringio_traverse", SP_NONE, F_stringio, NULL),
	ROW("bytesio_traverse", SP_NONE, F_bytesio, NULL),
	ROW("incrementalnewlinedecoder_traverse", SP_NONE, F_nldecoder, NULL),
	ROW("s_traverse", SP_NONE, F_struct, NULL),
	ROW("array_tp_traverse", SP_NONE, F_array, NULL),
	/* the stdlib's C types, often in extension modules (lset_of) */
	ROW("lock_traverse", SP_NONE, F_lock, NULL),
	ROW("rlock_traverse", SP_NONE, F_rlock, NULL),
	ROW("local_traverse", SP_NONE, F_local, NULL),
	ROW("scanner_traverse", SP_NONE, F_jscanner, NULL), /* _json's; _sre's above */
	ROW("encoder_traverse", SP_NONE, F_jencoder, NULL),
	ROW("FutureObj_traverse", SP_MANAGED_DICT, F_future, NULL),
	ROW("TaskObj_traverse", SP_MANAGED_DICT, F_task, NULL),
	ROW("FutureIter_traverse", SP_NONE, F_futiter, NULL),
	ROW("TaskStepMethWrapper_traverse", SP_NONE, F_taskstep, NULL),
	ROW("TaskWakeupMethWrapper_traverse", SP_NONE, F_taskwakeup, NULL),
	ROW("connection_traverse", SP_SQLITE_CTX, F_sqlconn, NULL),
	ROW("cursor_traverse", SP_NONE, F_sqlcursor, NULL),
	ROW("stmt_traverse", SP_NONE, F_sqlstmt, NULL),
	ROW("blob_traverse", SP_NONE, F_sqlblob, NULL),
	ROW("row_traverse", SP_NONE, F_sqlrow, NULL),
	ROW("pysqlite_prepare_protocol_traverse", SP_NONE, F_sqlprep, NULL),
	ROW("cache_traverse", SP_SQLITE_CACHE, F_sqlcache, NULL),
	ROW("node_traverse", SP_NONE, F_sqlnode, NULL),
	ROW("Pickler_traverse", SP_PICKLER_MEMO, F_pickler, NULL),
	ROW("Unpickler_traverse", SP_UNPICKLER_MEMO, F_unpickler, NULL),
	ROW("PicklerMemoProxy_traverse", SP_NONE, F_pmemoproxy, NULL),
	ROW("UnpicklerMemoProxy_traverse", SP_NONE, F_upmemoproxy, NULL),
	ROW("Pdata_traverse", SP_PDATA, F_pdata, NULL),
	ROW("_PyObject_VisitType", SP_NONE, F_visit_type, NULL),
	ROW("<Pdata>", SP_PDATA, F_pdata_static, NULL),   /* <=3.11 */
	ROW("context_traverse", SP_NONE, F_decctx, NULL),   /* _decimal's */
	ROW("context_traverse", SP_NONE, F_sslctx, NULL),   /* _ssl's */
	ROW("ctxmanager_traverse", SP_NONE, F_decctxmgr, NULL),
	ROW("signaldict_traverse", SP_NONE, F_decsigdict, NULL),
	ROW("dec_traverse", SP_NONE, F_dec, NULL),
	ROW("PySSL_traverse", SP_NONE, F_sslsock, NULL),
	ROW("PySSL_traverse", SP_NONE, F_sslsock315, NULL),
	ROW("memory_bio_traverse", SP_NONE, F_sslmembio, NULL),
	ROW("PySSLSession_traverse", SP_NONE, F_sslsession, NULL),
	ROW("sock_traverse", SP_NONE, F_socket, NULL),
	ROW("typevar_traverse", SP_MANAGED_DICT, F_typevar, NULL),
	ROW("paramspec_traverse", SP_MANAGED_DICT, F_paramspec, NULL),
	ROW("typevartuple_traverse", SP_MANAGED_DICT, F_tvtuple, NULL),
	ROW("typealias_traverse", SP_NONE, F_typealias, NULL),
	ROW("paramspecattr_traverse", SP_NONE, F_psattr, NULL),
	ROW("PyCData_traverse", SP_NONE, F_cdata, NULL),
	ROW("PyCFuncPtr_traverse", SP_NONE, F_cfuncptr, "PyCData_traverse"),
	ROW("CDataType_traverse", SP_CTYPES_STGDICT, F_cdatatype, "type_traverse"),
	ROW("CType_Type_traverse", SP_CTYPES_STGINFO, F_ctypetype, "type_traverse"),
	ROW("PyCField_traverse", SP_NONE, F_cfield, NULL),
	ROW("CThunkObject_traverse", SP_NONE, F_cthunk, NULL),
	ROW("_DictRemover_traverse", SP_NONE, F_dictremover, NULL),
	ROW("capsule_traverse", SP_CAPSULE, F_capsule, NULL),
	ROW("Dialect_traverse", SP_NONE, F_csvdialect, NULL),
	ROW("<decimal context>", SP_NONE, F_decctx_nogc, NULL),
	ROW("<nldecoder>", SP_NONE, F_nldecoder_nogc, NULL),
	ROW("<poll>", SP_NONE, F_poll_nogc, NULL),
	ROW("<timezone>", SP_NONE, F_timezone_nogc, NULL),
	ROW("simplequeue_traverse", SP_NONE, F_simplequeue, NULL),
	ROW("simplequeue_traverse", SP_SIMPLEQUEUE, F_simplequeue_ring, NULL),
	/* Cython 0.29's runtime, in Cython modules (lset_of) */
	ROW("__Pyx_CyFunction_traverse", SP_CYFUNC_DEFAULTS, F_cyfunc, NULL),
	ROW("__pyx_FusedFunction_traverse", SP_NONE, F_cyfused, "__Pyx_CyFunction_traverse"),
	ROW("__Pyx_Coroutine_traverse", SP_NONE, F_cycoro, NULL),
	ROW("__Pyx_CoroutineAwait_traverse", SP_NONE, F_cyawait, NULL),
	/* Cython 3.0's (after 0.29's rows of the same names) */
	ROW("__Pyx_CyFunction_traverse", SP_CYFUNC_DEFAULTS, F_cyfunc3, NULL),
	ROW("__pyx_FusedFunction_traverse", SP_CYFUNC_DEFAULTS, F_cyfused3, NULL),
};

#define NTFUNCS N(tfuncs)

/* Rows referred to by index; the order of the first rows above. */
enum {
	TF_SUBTYPE = 0,
	TF_CODE = 1,
	TF_RANGE = 2,
	TF_LRANGEITER = 3,
	TF_ABCDATA = 4,
	TF_DECODED = 5,   /* TF_LSET(tf) is then a decoded plan's index */
	/* not rows: */
	TF_NONE = 0xfffffffe,     /* no tp_traverse: nothing to visit */
	TF_UNKNOWN = 0xffffffff,  /* a tp_traverse we do not know */
};

/*
 * A traverse function found in an extension module (a .so in lib-dynload,
 * _json, _asyncio, _ctypes, _sqlite3...) reads ITS structs, whose layouts
 * only that module's DWARF has: each such module gets a layout set, the
 * same query table (layout_table.h) answered from its own DWARF and cached
 * by its build-id. A tf value names a row and the layout set its fields
 * are read with: row in the low 16 bits, set in the high bits (0: the
 * interpreter's own module, rt->L).
 */
#define TF_ROW(tf) ((tf) & 0xffffu)
#define TF_LSET(tf) ((tf) >> 16)
#define TF_MAKE(row, ls) ((uint32_t)(row) | ((uint32_t)(ls) << 16))
#define MAX_LSETS 4096   /* extension modules with a row we know: far fewer */

struct lset {
	const struct rh_module *module;
	struct rh_layout_value *L;   /* PYL_COUNT_ answers; NULL: no DWARF */
};

/* Non-GC types whose owned references we report, found by symbol. */
static const struct {
	const char *symbol;
	uint32_t tf;
} type_anchors[] = {
	{ "PyCode_Type", TF_CODE },
	{ "PyRange_Type", TF_RANGE },
	{ "PyLongRangeIter_Type", TF_LRANGEITER },
	{ "_abc_data_type", TF_ABCDATA },   // 3.8 (a static type)
};

/*
 * Rows bound through a static type object's tp_traverse: with LTO
 * (Debian's 3.14/3.15) several static functions share a name
 * ("module_traverse.lto_priv.0", ".1", and one without suffix in another
 * file), and the name alone does not say which is the type's.
 */
static const struct {
	const char *type_symbol;
	const char *row;
} traverse_anchors[] = {
	{ "PyModule_Type", "module_traverse" },
	{ "PyTuple_Type", "tupletraverse" },
	{ "_PyUnion_Type", "union_traverse" },
	{ "_PyAsyncGenAThrow_Type", "async_gen_athrow_traverse" },
	{ "PyLazyImport_Type", "lazy_import_traverse" },
	{ "PySentinel_Type", "sentinel_traverse" },
};

/*
 * The same for heap types made from a PyType_Spec: the Py_tp_traverse
 * entry of the spec's PyType_Slot array (Include/typeslots.h: 71).
 * _sre's and _json's scanner_traverse are two static functions with one
 * name when both are built into the interpreter.
 */
#define PY_TP_TRAVERSE_SLOT 71
static const struct {
	const char *slots_symbol;
	const char *row;
} slot_anchors[] = {
	{ "scanner_slots", "scanner_traverse" },          /* Modules/_sre */
	{ "PyScannerType_slots", "<json scanner>" },      /* Modules/_json.c */
};

/* ------------------------------------------------------------------ */
/* Per-runtime state                                                   */

/* What we know about one type object. */
struct tinfo {
	uint64_t addr;
	uint64_t flags;
	int64_t basicsize, itemsize, dictoffset;
	uint32_t tf;          /* its tp_traverse, a row index or TF_NONE/UNKNOWN */
	bool has_is_gc;       /* tp_is_gc set: instances are GC only if heap types */
	bool heap;
	/* SP_SUBTYPE: the plan of subtype_traverse() for this type */
	uint32_t slot_first, nslots;
	uint32_t base_tf;     /* the nearest base with another tp_traverse */
	bool base_heap;
	int64_t base_basicsize;
	bool visit_type;
	bool dict_differs;    /* type->tp_dictoffset != base->tp_dictoffset */
	uint64_t cached_keys; /* ht_cached_keys (managed-dict values' keys) */
	bool bad;             /* the type could not be read: conservative scan */
	bool stgdict;         /* ctypes' StgDict: see stgdict_fields() */
	/* SP_STRUCTSEQ: how many fields an object has (structseq_fields()) */
	bool sseq_by_basicsize;
	int64_t sseq_fields;  /* hidden fields (by basicsize), else the
			       * highest member's index + 1 */
};

struct slot {
	int64_t offset;
	const char *name;     /* interned in rt->arena */
};

struct py_traverse {
	struct rh_u64map fn_map;     /* tp_traverse address -> row */
	struct rh_u64map anchor_map; /* type address -> row (non-GC types) */
	uint32_t row_visit_type;     /* the _PyObject_VisitType row */
	struct rh_u64map mt_map;     /* m_traverse address -> mtfuncs index and
				      * layout set (TF_MAKE), or TF_UNKNOWN */
	struct rh_u64map type_map;   /* type address -> index in types */
	struct tinfo *types;
	size_t ntypes, types_cap;
	struct slot *slots;
	size_t nslots, slots_cap;
	uint32_t tail[NTFUNCS];      /* row index of each row's tail, or TF_NONE */
	struct lset *lsets;          /* [0] the interpreter's; see TF_MAKE */
	size_t nlsets, lsets_cap;
	uint64_t set_dummy;          /* the set dummy key (*_PySet_Dummy) */
	uint64_t lookdict;           /* <=3.10: dk_lookup of general tables */
	uint64_t lookdict_unicode[3];
	bool new_visit_type_rule;    /* 3.9+: see subtype plan */
	struct dplan *dplans;        /* decoded traverses; [0] unused */
	size_t ndplans, dplans_cap;
	uint32_t *doffs;             /* their field offsets */
	size_t ndoffs, doffs_cap;
	int64_t frame_cleared;       /* FRAME_CLEARED, 3.11+ */
	int64_t owned_by_frame_object;
};

/* A traverse function read from its code: the base's traverse, then the
 * fields at doffs[first .. first + n). */
struct dplan {
	uint32_t base_tf;   /* TF_NONE: none */
	uint32_t first, n;
};
#define MAX_DPLANS 0xffff   /* TF_LSET's 16 bits */

void py_traverse_destroy(struct py_traverse *tv)
{
	if (!tv)
		return;
	rh_u64map_deinit(&tv->fn_map);
	rh_u64map_deinit(&tv->anchor_map);
	rh_u64map_deinit(&tv->mt_map);
	rh_u64map_deinit(&tv->type_map);
	free(tv->types);
	free(tv->slots);
	for (size_t i = 1; i < tv->nlsets; i++)
		free(tv->lsets[i].L);
	free(tv->lsets);
	free(tv->dplans);
	free(tv->doffs);
	free(tv);
}

static uint32_t row_by_name(const char *name, size_t len)
{
	for (uint32_t i = 0; i < NTFUNCS; i++)
		if (strlen(tfuncs[i].symbol) == len &&
		    memcmp(tfuncs[i].symbol, name, len) == 0)
			return i;
	return TF_UNKNOWN;
}

static uint64_t find_sym(struct rh_py_runtime *rt, const char *name)
{
	return py_symbol(rt, name);
}

static bool row_fits(uint32_t r, const struct rh_layout_value *L, bool ext, int depth);

/* The row of mt_anchors' fields. */
static uint32_t mt_by_fields(const struct fld *fields)
{
	for (uint32_t i = 0; i < N(mtfuncs); i++)
		if (mtfuncs[i].fields == fields)
			return i;
	return TF_UNKNOWN;
}

/* Whether m_traverse row mt can be read with layouts L: an MT_FIELDS row
 * needs one of its state fields in that DWARF (socket_state exists only
 * where _socket is built in), its `present` member if it names one, and
 * not its `absent` member; the others read no struct of their own. */
static bool mt_fits(uint32_t mt, const struct rh_layout_value *L)
{
	if (mtfuncs[mt].kind != MT_FIELDS)
		return true;
	if (mtfuncs[mt].absent && L[mtfuncs[mt].absent].found)
		return false;
	if (mtfuncs[mt].present && !L[mtfuncs[mt].present].found)
		return false;
	for (size_t i = 0; i < mtfuncs[mt].nfields; i++)
		if (L[mtfuncs[mt].fields[i].layout].found)
			return true;
	return false;
}

static struct rh_error *traverse_init(struct rh_py_runtime *rt)
{
	struct py_traverse *tv = calloc(1, sizeof(*tv));
	if (!tv)
		return rh_enomem;
	rh_u64map_init(&tv->fn_map);
	rh_u64map_init(&tv->anchor_map);
	tv->row_visit_type = row_by_name("_PyObject_VisitType", strlen("_PyObject_VisitType"));
	rh_u64map_init(&tv->mt_map);
	rh_u64map_init(&tv->type_map);
	tv->lsets = calloc(8, sizeof(*tv->lsets));
	if (!tv->lsets)
		goto out_nomem;
	tv->lsets_cap = 8;
	tv->lsets[0] = (struct lset){ .module = rt->info.module, .L = rt->L };
	tv->nlsets = 1;

	const uint32_t first_stdlib = row_by_name("lock_traverse", strlen("lock_traverse"));
	// first: the anchored address wins over a same-named function
	if (PYL_HAS(rt, TTP_TRAVERSE)) {
		for (size_t i = 0; i < N(traverse_anchors); i++) {
			uint64_t type = find_sym(rt, traverse_anchors[i].type_symbol), fn;
			uint32_t row = row_by_name(traverse_anchors[i].row,
						   strlen(traverse_anchors[i].row));
			if (!type || row == TF_UNKNOWN)
				continue;
			struct rh_error *err = rh_target_read_u64(
				rt->target, type + (uint64_t)PYL(rt, TTP_TRAVERSE), &fn);
			if (err) {
				rh_error_destroy(err);   // the name lookup below stands
				continue;
			}
			if (fn && rh_u64map_insert(&tv->fn_map, fn, row, NULL) < 0)
				goto out_nomem;
		}
	}
	for (size_t i = 0; i < N(slot_anchors); i++) {
		uint64_t slots = find_sym(rt, slot_anchors[i].slots_symbol);
		uint32_t row = row_by_name(slot_anchors[i].row, strlen(slot_anchors[i].row));
		for (unsigned k = 0; slots && row != TF_UNKNOWN && k < 64; k++) {
			struct { int32_t slot, pad; uint64_t fn; } e;
			struct rh_error *err = rh_target_read(rt->target, slots + 16 * k, &e, sizeof(e));
			if (err) {
				rh_error_destroy(err);   // the name lookup below stands
				break;
			}
			if (e.slot == 0)
				break;
			if (e.slot == PY_TP_TRAVERSE_SLOT && e.fn) {
				if (rh_u64map_insert(&tv->fn_map, e.fn, row, NULL) < 0)
					goto out_nomem;
				break;
			}
		}
	}
	for (uint32_t i = 0; i < NTFUNCS; i++) {
		const struct tfunc *f = &tfuncs[i];
		tv->tail[i] = TF_NONE;
		if (f->tail) {
			tv->tail[i] = row_by_name(f->tail, strlen(f->tail));
		}
		if (f->symbol[0] == '<')
			continue;
		// The stdlib rows share names with other static functions
		// (context_traverse, row_traverse...): they apply only where
		// their structs exist.
		if (i >= first_stdlib && !row_fits(i, rt->L, false, 0))
			continue;
		uint64_t addr = find_sym(rt, f->symbol);
		if (!addr)
			continue;
		uint32_t prev;
		int r = rh_u64map_insert(&tv->fn_map, addr, i, &prev);
		if (r < 0)
			goto out_nomem;
		// Two names at one address: identical code folded by the
		// linker (ICF), so identical behaviour; the first row stays.
	}
	// first: the anchored address wins over a same-named function
	for (size_t i = 0; i < N(mt_anchors) && PYL_HAS(rt, TMODDEF_TRAVERSE); i++) {
		uint64_t def = find_sym(rt, mt_anchors[i].def_symbol), fn;
		uint32_t mt = mt_by_fields(mt_anchors[i].fields);
		if (!def || mt == TF_UNKNOWN || !mt_fits(mt, rt->L))
			continue;
		struct rh_error *err = rh_target_read_u64(
			rt->target, def + (uint64_t)PYL(rt, TMODDEF_TRAVERSE), &fn);
		if (err) {
			rh_error_destroy(err);   // its module's state is then scanned
			continue;
		}
		if (fn && rh_u64map_insert(&tv->mt_map, fn, mt, NULL) < 0)
			goto out_nomem;
	}
	for (uint32_t i = 0; i < N(mtfuncs); i++) {
		// a row whose state struct is not in the interpreter's
		// DWARF is another module's (_sqlite3's module_traverse,
		// not _datetime's built in one): ext_mt() finds it
		if (mtfuncs[i].anchored || !mt_fits(i, rt->L))
			continue;
		uint64_t addr = find_sym(rt, mtfuncs[i].symbol);
		if (addr && rh_u64map_insert(&tv->mt_map, addr, i, NULL) < 0)
			goto out_nomem;
	}
	for (size_t i = 0; i < N(type_anchors); i++) {
		uint64_t addr = find_sym(rt, type_anchors[i].symbol);
		if (addr && rh_u64map_insert(&tv->anchor_map, addr,
					     type_anchors[i].tf, NULL) < 0)
			goto out_nomem;
	}

	// Objects/setobject.c: `PyObject *_PySet_Dummy = dummy;` points to
	// the static `_dummy_struct`.
	uint64_t p = find_sym(rt, "_PySet_Dummy");
	if (p) {
		struct rh_error *err = rh_target_read_u64(rt->target, p, &tv->set_dummy);
		if (err) {
			rh_problems_add_error(rt->problems, err, "reading _PySet_Dummy");
			tv->set_dummy = 0;
		}
	}
	if (!tv->set_dummy)
		tv->set_dummy = find_sym(rt, "_dummy_struct");
	if (!tv->set_dummy)
		rh_problems_add(rt->problems,
				"no set dummy found (_PySet_Dummy, _dummy_struct): deleted set entries may be reported as referents");

	// <=3.10 Objects/dictobject.c: dict_traverse() visits keys only when
	// dk_lookup == lookdict (a general table).
	if (PYL_HAS(rt, TDK_LOOKUP)) {
		tv->lookdict = find_sym(rt, "lookdict");
		tv->lookdict_unicode[0] = find_sym(rt, "lookdict_unicode");
		tv->lookdict_unicode[1] = find_sym(rt, "lookdict_unicode_nodummy");
		tv->lookdict_unicode[2] = find_sym(rt, "lookdict_split");
		if (!tv->lookdict && !tv->lookdict_unicode[0])
			rh_problems_add(rt->problems,
					"no lookdict symbols: dict keys are taken as traversed (general tables)");
	}
	// bpo-40217 (3.9): subtype_traverse() visits the type only if the
	// base's traverse is not a heap type's (which visits it itself).
	tv->new_visit_type_rule = rt->info.version_hex >= 0x03090000 ||
				  PYL_HAS(rt, THT_MODULE);
	tv->frame_cleared = PYL_HAS(rt, TFRAME_CLEARED) ? PYL(rt, TFRAME_CLEARED) : 4;
	tv->owned_by_frame_object = PYL_HAS(rt, TOWNED_BY_FRAME_OBJECT)
				    ? PYL(rt, TOWNED_BY_FRAME_OBJECT) : 2;
	rt->traverse = tv;
	return NULL;

out_nomem:
	py_traverse_destroy(tv);
	return rh_enomem;
}

/* ------------------------------------------------------------------ */
/* Visiting                                                            */

struct vctx {
	struct rh_py_runtime *rt;
	struct py_traverse *tv;
	rh_py_ref_fn *fn;
	void *arg;
	uint64_t obj;
	uint64_t type;
	const struct tinfo *ti;   /* Py_TYPE(obj); stable: see tinfo_get */
	bool gc;                  /* PyObject_IS_GC(obj): references count */
	const struct rh_layout_value *L; /* the running row's layouts (TF_LSET) */
	bool stop;                /* the callback asked to stop */
	struct rh_error *err;     /* first read error; stops the walk */
};

static bool done(const struct vctx *c)
{
	return c->stop || c->err;
}

static void emit(struct vctx *c, uint64_t addr, enum rh_py_ref_kind kind,
		 bool traversed, const char *name, uint64_t index, uint64_t key)
{
	if (!addr || done(c))
		return;
	struct rh_py_ref ref = {
		.addr = addr,
		.kind = kind,
		.traversed = traversed && c->gc,
		.name = name,
		.index = index,
		.key = key,
	};
	if (c->fn(c->arg, &ref))
		c->stop = true;
}

static bool rd(struct vctx *c, uint64_t addr, uint64_t *v)
{
	if (c->err)
		return false;
	c->err = rh_target_read_u64(c->rt->target, addr, v);
	return !c->err;
}

static bool rd_bytes(struct vctx *c, uint64_t addr, void *buf, size_t len)
{
	if (c->err)
		return false;
	c->err = rh_target_read(c->rt->target, addr, buf, len);
	return !c->err;
}

/*
 * rd_bytes() read in place when it can (issue 12: copying every array
 * out of the mapped core was a fifth of a big snapshot's time): the
 * bytes, viewed or copied into buf (room for len), or NULL on error.
 */
static const unsigned char *rd_view(struct vctx *c, uint64_t addr, size_t len, void *buf)
{
	if (c->err)
		return NULL;
	return py_view(c->rt->target, addr, len, buf, &c->err);
}

/*
 * n elements of size bytes at addr in place, when the whole array lies in
 * the core's direct bytes; else NULL, and the caller reads it by chunks
 * as before (rd_view), which finds the same bytes or the same error.
 */
static const unsigned char *view_all(struct vctx *c, uint64_t addr, uint64_t n, size_t size)
{
	if (c->err || n == 0 || size == 0 || n > SIZE_MAX / size)
		return NULL;
	return rh_target_view(c->rt->target, addr, (size_t)n * size);
}

static void bad(struct vctx *c, struct rh_error *err)
{
	if (!c->err)
		c->err = err;
	else
		rh_error_destroy(err);
}

/*
 * Visit `n` pointers at `addr` (an array in target memory), in increasing
 * (or, `reverse`, decreasing) index order, skipping NULL as Py_VISIT does.
 * n has been bounded by the caller; reads go by chunks.
 */
static void visit_array_as(struct vctx *c, uint64_t addr, uint64_t n, bool reverse,
			   bool traversed, enum rh_py_ref_kind kind, const char *name,
			   uint64_t index0)
{
	uint64_t buf[CHUNK];
	// The whole array in one piece when it is viewed in place.
	const unsigned char *all = view_all(c, addr, n, 8);
	uint64_t per = all ? n : CHUNK;
	for (uint64_t done_n = 0; done_n < n && !done(c); ) {
		uint64_t k = n - done_n < per ? n - done_n : per;
		// first index of this chunk
		uint64_t first = reverse ? n - done_n - k : done_n;
		const unsigned char *b = all ? all : rd_view(c, addr + first * 8, k * 8, buf);
		if (!b)
			return;
		for (uint64_t j = 0; j < k && !done(c); j++) {
			uint64_t i = reverse ? k - 1 - j : j;
			emit(c, py_get_u64(b, (int64_t)(i * 8)), kind, traversed, name,
			     index0 + first + i, 0);
		}
		done_n += k;
	}
}

/* visit_array_as for references tp_traverse visits (most). */
static void visit_array(struct vctx *c, uint64_t addr, uint64_t n, bool reverse,
			enum rh_py_ref_kind kind, const char *name, uint64_t index0)
{
	visit_array_as(c, addr, n, reverse, true, kind, name, index0);
}

/* An item count is plausible if the items could be in the target. */
static bool count_ok(struct vctx *c, int64_t n)
{
	return n >= 0 && (uint64_t)n <= c->rt->max_objects * 4;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

/* The layout set of extension module m, answered from its DWARF on first
 * use; 0 when it has none (a problem says why: its objects are then
 * scanned conservatively). */
static uint32_t lset_of(struct rh_py_runtime *rt, const struct rh_module *m,
			const char *fn_name)
{
	struct py_traverse *tv = rt->traverse;
	for (size_t i = 1; i < tv->nlsets; i++)
		if (tv->lsets[i].module == m)
			return tv->lsets[i].L ? (uint32_t)i : 0;
	if (py_worker_defer())
		return 0;
	if (tv->nlsets >= MAX_LSETS)
		return 0;
	if (tv->nlsets == tv->lsets_cap) {
		struct lset *p = realloc(tv->lsets, tv->lsets_cap * 2 * sizeof(*p));
		if (!p)
			return 0;
		tv->lsets = p;
		tv->lsets_cap *= 2;
	}
	struct lset *ls = &tv->lsets[tv->nlsets++];
	*ls = (struct lset){ .module = m };
	if (!m->debug_path) {
		rh_problems_add(rt->problems,
				"no DWARF debug info for %s (build-id %s; looked in %s): what its %s traverses (objects of its types, or its module state) is scanned conservatively (install its debug symbols, or pass --debug-dir)",
				m->name, m->build_id[0] ? m->build_id : "none",
				m->debug_searched && m->debug_searched[0] ? m->debug_searched : "the file itself",
				fn_name);
		return 0;
	}
	ls->L = calloc(PYL_COUNT_, sizeof(*ls->L));
	if (!ls->L)
		return 0;
	struct rh_error *err = rh_layouts_resolve(
		m->debug_path, m->build_id[0] ? m->build_id : NULL, rt->cache_dir,
		rh_py_layout_queries, PYL_COUNT_, ls->L, NULL);
	if (err) {
		rh_problems_add_error(rt->problems, err,
				      "reading the struct layouts of %s: its objects are scanned conservatively",
				      m->name);
		free(ls->L);
		ls->L = NULL;
		return 0;
	}
	return (uint32_t)(tv->nlsets - 1);
}

/* Specials that read only the interpreter's structs (rt->L) or the
 * running row's (c->L): usable by a row of an extension module. */
static bool special_portable(enum special sp)
{
	return sp == SP_NONE || sp == SP_MANAGED_DICT || sp == SP_SQLITE_CTX ||
	       sp == SP_SQLITE_CACHE || sp == SP_PICKLER_MEMO ||
	       sp == SP_UNPICKLER_MEMO || sp == SP_CTYPES_STGDICT ||
	       sp == SP_CTYPES_STGINFO || sp == SP_CYFUNC_DEFAULTS || sp == SP_SIMPLEQUEUE ||
	       sp == SP_PDATA;
}

/* Whether row r can be read with layouts L: in an extension module only
 * rows whose special code is portable; and at least one of its fields
 * (OP_REQUIRE included), and of its tail's, exists there, unless it has
 * none; every OP_NEEDS member exists there and no OP_ABSENT one. This is what tells two static functions of one name apart:
 * _json's scanner_traverse reads PyScannerObject, _sre's ScannerObject;
 * _decimal's context_traverse PyDecContextObject, _ssl's PySSLContext. */
static bool row_fits(uint32_t r, const struct rh_layout_value *L, bool ext, int depth)
{
	const struct tfunc *f = &tfuncs[r];
	if (depth > MAX_TAIL_DEPTH)
		return false;
	// A tail that is the interpreter's own special code with no fields
	// (type_traverse) reads only the interpreter's structs: portable.
	if (ext && !special_portable(f->special) && !(depth > 0 && f->nfields == 0))
		return false;
	size_t nlay = 0, found = 0;
	for (size_t i = 0; i < f->nfields; i++) {
		if (f->fields[i].layout < 0)
			continue;
		if (f->fields[i].op == OP_ABSENT) {
			if (L[f->fields[i].layout].found)
				return false;
			continue;
		}
		if (f->fields[i].op == OP_NEEDS) {
			if (!L[f->fields[i].layout].found)
				return false;
			continue;
		}

		nlay++;
		found += L[f->fields[i].layout].found;
	}
	if (nlay && !found)
		return false;
	if (f->tail) {
		uint32_t t = row_by_name(f->tail, strlen(f->tail));
		return t != TF_UNKNOWN && row_fits(t, L, ext, depth + 1);
	}
	return true;
}

/*
 * The symbol starting exactly at fn (offset 0) in a module other than the
 * interpreter's, and the length of its C name: LTO builds (Debian's)
 * rename the module's statics ("cursor_traverse.lto_priv.0").
 */
static bool ext_symbol(struct rh_py_runtime *rt, uint64_t fn, const struct rh_module **m,
		       const char **name, size_t *len)
{
	uint64_t off = 1;
	*m = NULL;
	*name = NULL;
	if (!rh_image_symbolize(rt->image, fn, m, name, &off) || off != 0 ||
	    !*m || *m == rt->info.module || !*name)
		return false;
	*len = rh_image_c_name_len(*name);
	return true;
}

/*
 * A traverse function outside the interpreter's module: if its symbol
 * names a row, that row read with the module's own layouts. Only exact
 * symbol starts count (offset 0), and only rows whose fields exist in
 * the module's DWARF (row_fits). The symbol is matched by its C name
 * (ext_symbol).
 */
static uint32_t ext_row(struct rh_py_runtime *rt, uint64_t fn)
{
	const struct rh_module *m;
	const char *name;
	size_t len;
	if (!ext_symbol(rt, fn, &m, &name, &len))
		return TF_UNKNOWN;
	uint32_t ls = 0;
	for (uint32_t i = 0; i < NTFUNCS; i++) {
		if (strlen(tfuncs[i].symbol) != len ||
		    memcmp(tfuncs[i].symbol, name, len) != 0)
			continue;
		if (!ls && !(ls = lset_of(rt, m, name)))
			return TF_UNKNOWN;
		if (row_fits(i, rt->traverse->lsets[ls].L, true, 0))
			return TF_MAKE(i, ls);
	}
	return TF_UNKNOWN;
}

/*
 * An m_traverse outside the interpreter's module (_sqlite3's in
 * lib-dynload): an MT_FIELDS row of the same C name whose state struct
 * exists in that module's DWARF, read with its layouts. Names repeat
 * across modules ("module_traverse" of _sqlite3, _asyncio, _datetime),
 * the state structs do not. An MT_STATE_ALL row (pickle_traverse,
 * _structmodule_traverse...: each visits its whole state, which needs no
 * layout) applies to a module of the interpreter's own lib-dynload only,
 * where the function is the stdlib's (pyenv builds _pickle, _struct,
 * select, binascii as .so files), never to a third-party module's
 * function of the same name.
 */
static uint32_t ext_mt(struct rh_py_runtime *rt, uint64_t fn)
{
	const struct rh_module *m;
	const char *name;
	size_t len;
	if (!ext_symbol(rt, fn, &m, &name, &len))
		return TF_UNKNOWN;
	uint32_t ls = 0;
	for (uint32_t i = 0; i < N(mtfuncs); i++) {
		if (strlen(mtfuncs[i].symbol) != len ||
		    memcmp(mtfuncs[i].symbol, name, len) != 0)
			continue;
		if (mtfuncs[i].kind == MT_STATE_ALL) {
			if (m->name && strstr(m->name, "/lib-dynload/"))
				return TF_MAKE(i, 0);
			continue;
		}
		if (mtfuncs[i].kind != MT_FIELDS)
			continue;
		if (!ls && !(ls = lset_of(rt, m, name)))
			return TF_UNKNOWN;
		if (mt_fits(i, rt->traverse->lsets[ls].L))
			return TF_MAKE(i, ls);
	}
	return TF_UNKNOWN;
}

/* The m_traverse row of function fn (TF_MAKE), or TF_UNKNOWN. */
static uint32_t mt_of_fn(struct rh_py_runtime *rt, uint64_t fn)
{
	struct py_traverse *tv = rt->traverse;
	uint32_t idx;
	if (rh_u64map_find(&tv->mt_map, fn, &idx))
		return idx;
	if (py_worker_defer())
		return TF_UNKNOWN;
	idx = ext_mt(rt, fn);
	if (rh_u64map_insert(&tv->mt_map, fn, idx, NULL) < 0)
		return TF_UNKNOWN;
	return idx;
}

static uint32_t tf_of_fn_at(struct rh_py_runtime *rt, uint64_t fn, int depth);

/*
 * An extension module's tp_traverse that no row knows, read from its
 * machine code (traverse_decode.c). Made for Cython's cdef classes
 * ("__pyx_tp_traverse_<module>_<class>"): which fields one visits depends
 * on how each attribute was declared in the .pyx (`cdef str` is not
 * visited, `cdef object` is), which neither the C struct nor its DWARF
 * says; the code does, also in a stripped .so (Debian's PyYAML, lxml,
 * msgpack), and in any C extension whose traverse is a plain run of
 * Py_VISITs of fields. The decoder accepts nothing else: a function it
 * does not accept, or whose base's traverse is unknown, stays unknown
 * (conservative scan).
 */
static uint32_t decoded_tf(struct rh_py_runtime *rt, uint64_t fn, int depth)
{
	struct py_traverse *tv = rt->traverse;
	const struct rh_module *m = rh_image_module_containing(rt->image, fn);
	const char *why;
	if (depth > MAX_TAIL_DEPTH || !m || m == rt->info.module || fn >= m->end)
		return TF_UNKNOWN;
	uint8_t code[RH_DECODE_MAX_CODE];
	size_t n = m->end - fn < sizeof(code) ? (size_t)(m->end - fn) : sizeof(code);
	while (n >= 64 && !rh_target_peek(rt->target, fn, code, n))
		n /= 2;   // the code may end before a mapping's last page
	struct rh_decoded_traverse d;
	if (n < 64 || !rh_decode_traverse(code, n, fn, &d, &why))
		return TF_UNKNOWN;
	uint32_t base = TF_NONE;
	if (d.base_fn && (base = tf_of_fn_at(rt, d.base_fn, depth + 1)) == TF_UNKNOWN)
		return TF_UNKNOWN;
	if (tv->ndplans == 0)
		tv->ndplans = 1;   // plan 0 would read as the interpreter's layouts
	if (tv->ndplans >= MAX_DPLANS)
		return TF_UNKNOWN;
	if (tv->ndplans >= tv->dplans_cap) {
		size_t cap = tv->dplans_cap ? tv->dplans_cap * 2 : 16;
		struct dplan *p = realloc(tv->dplans, cap * sizeof(*p));
		if (!p)
			return TF_UNKNOWN;
		tv->dplans = p;
		tv->dplans_cap = cap;
	}
	if (tv->ndoffs + d.nvisits > tv->doffs_cap) {
		size_t cap = tv->doffs_cap ? tv->doffs_cap * 2 : 128;
		while (cap < tv->ndoffs + d.nvisits)
			cap *= 2;
		uint32_t *p = realloc(tv->doffs, cap * sizeof(*p));
		if (!p)
			return TF_UNKNOWN;
		tv->doffs = p;
		tv->doffs_cap = cap;
	}
	memcpy(tv->doffs + tv->ndoffs, d.off, d.nvisits * sizeof(d.off[0]));
	tv->dplans[tv->ndplans] = (struct dplan){
		.base_tf = base, .first = (uint32_t)tv->ndoffs, .n = d.nvisits,
	};
	tv->ndoffs += d.nvisits;
	return TF_MAKE(TF_DECODED, tv->ndplans++);
}

static uint32_t tf_of_fn_at(struct rh_py_runtime *rt, uint64_t fn, int depth)
{
	struct py_traverse *tv = rt->traverse;
	uint32_t idx;
	if (!fn)
		return TF_NONE;
	if (rh_u64map_find(&tv->fn_map, fn, &idx))
		return idx;
	if (py_worker_defer())
		return TF_UNKNOWN;
	// A function we did not resolve up front: an extension module's
	// traverse we may know by name (ext_row) or read from its code
	// (decoded_tf), else one we do not know, whose objects are scanned
	// conservatively.
	idx = ext_row(rt, fn);
	if (idx == TF_UNKNOWN)
		idx = decoded_tf(rt, fn, depth);
	if (rh_u64map_insert(&tv->fn_map, fn, idx, NULL) < 0)
		return TF_UNKNOWN;
	return idx;
}

static uint32_t tf_of_fn(struct rh_py_runtime *rt, uint64_t fn)
{
	return tf_of_fn_at(rt, fn, 0);
}

struct typebuf {
	uint64_t flags, traverse, base, ob_type, cached_keys, dealloc;
	int64_t basicsize, itemsize, dictoffset, ob_size;
	bool has_is_gc;
};

static struct rh_error *read_type(struct rh_py_runtime *rt, uint64_t addr,
				  struct typebuf *ret)
{
	unsigned char tbuf[1024];
	size_t tsz = (size_t)PYL(rt, SZ_TYPE);
	if (tsz > sizeof(tbuf) || !PYL_HAS(rt, TTP_TRAVERSE) || !PYL_HAS(rt, TTP_DICTOFFSET))
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "PyTypeObject layout without tp_traverse/tp_dictoffset");
	struct rh_error *err;
	const unsigned char *buf = py_view(rt->target, addr, tsz, tbuf, &err);
	if (!buf)
		return err;
	struct typebuf t = {
		.flags = py_get_u64(buf, PYL(rt, TP_FLAGS)),
		.traverse = py_get_u64(buf, PYL(rt, TTP_TRAVERSE)),
		.dealloc = PYL_HAS(rt, TTP_DEALLOC) ? py_get_u64(buf, PYL(rt, TTP_DEALLOC)) : 0,
		.base = py_get_u64(buf, PYL(rt, TP_BASE)),
		.ob_type = py_get_u64(buf, PYL(rt, OB_TYPE)),
		.basicsize = (int64_t)py_get_u64(buf, PYL(rt, TP_BASICSIZE)),
		.itemsize = (int64_t)py_get_u64(buf, PYL(rt, TP_ITEMSIZE)),
		.dictoffset = (int64_t)py_get_u64(buf, PYL(rt, TTP_DICTOFFSET)),
		.ob_size = (int64_t)py_get_u64(buf, PYL(rt, OB_SIZE)),
		.has_is_gc = py_get_u64(buf, PYL(rt, TP_IS_GC)) != 0,
	};
	if (t.flags & PY_TPFLAGS_HEAPTYPE) {
		err = rh_target_read_u64(rt->target, addr + PYL(rt, HT_CACHED_KEYS),
					 &t.cached_keys);
		if (err)
			return err;
	}
	*ret = t;
	return NULL;
}

/*
 * Append the object slots of heap type `type` (traverse_slots(),
 * Objects/typeobject.c): its PyMemberDef array follows the type object,
 * at (char *)type + Py_TYPE(type)->tp_basicsize (PyHeapType_GET_MEMBERS),
 * Py_SIZE(type) entries; only T_OBJECT_EX members are visited.
 */
static struct rh_error *add_slots(struct rh_py_runtime *rt, uint64_t type,
				  const struct typebuf *t)
{
	struct py_traverse *tv = rt->traverse;
	if (t->ob_size <= 0)
		return NULL;
	if (t->ob_size > MAX_SLOTS_PER_TYPE)
		return RH_BAD_DATA(type, "type 0x%" PRIx64 " claims %" PRId64 " slots",
				   type, t->ob_size);
	if (!PYL_HAS(rt, TSZ_MEMBERDEF) || !PYL_HAS(rt, TMEMBER_TYPE) ||
	    PYL(rt, TSZ_MEMBERDEF) > 64)
		return rh_error_create(RH_ERR_UNSUPPORTED, "no PyMemberDef layout in the DWARF");
	uint64_t meta_basicsize;
	struct rh_error *err = rh_target_read_u64(rt->target,
						  t->ob_type + PYL(rt, TP_BASICSIZE),
						  &meta_basicsize);
	if (err)
		return err;
	if (meta_basicsize < (uint64_t)PYL(rt, SZ_TYPE) || meta_basicsize > (1u << 20))
		return RH_BAD_DATA(t->ob_type, "metatype basic size %" PRIu64, meta_basicsize);
	uint64_t members = type + meta_basicsize;
	size_t msz = (size_t)PYL(rt, TSZ_MEMBERDEF);
	for (int64_t i = 0; i < t->ob_size; i++) {
		unsigned char m[64];
		err = rh_target_read(rt->target, members + (uint64_t)i * msz, m, msz);
		if (err)
			return err;
		if (py_get_i32(m, PYL(rt, TMEMBER_TYPE)) != PY_T_OBJECT_EX)
			continue;
		char name[MAX_SLOT_NAME];
		size_t len = 0;
		struct rh_error *nerr = rh_target_read_cstr(
			rt->target, py_get_u64(m, PYL(rt, TMEMBER_NAME)), name,
			sizeof(name), &len, NULL);
		if (nerr) {
			// The name only labels the edge.
			rh_error_destroy(nerr);
			strcpy(name, "?");
			len = 1;
		}
		if (tv->nslots == tv->slots_cap) {
			size_t ncap = tv->slots_cap ? tv->slots_cap * 2 : 64;
			struct slot *s = realloc(tv->slots, ncap * sizeof(*s));
			if (!s)
				return rh_enomem;
			tv->slots = s;
			tv->slots_cap = ncap;
		}
		const char *iname = rh_arena_intern(&rt->arena, name, len);
		if (!iname)
			return rh_enomem;
		tv->slots[tv->nslots++] = (struct slot){
			.offset = (int64_t)py_get_u64(m, PYL(rt, TMEMBER_OFFSET)),
			.name = iname,
		};
	}
	return NULL;
}

/*
 * Types without tp_traverse (not GC) that nonetheless own references,
 * told by their tp_dealloc, which releases them: its symbol names the
 * type for static and heap types alike, and its module is where the
 * struct's layout is read (row_fits tells namesakes apart).
 */
static const struct {
	const char *dealloc;
	const char *row;
} dealloc_anchors[] = {
	{ "context_dealloc", "<decimal context>" },        // _decimal <=3.12
	{ "incrementalnewlinedecoder_dealloc", "<nldecoder>" }, // _io <=3.11
	{ "Pdata_dealloc", "<Pdata>" },                    // _pickle <=3.11
	{ "poll_dealloc", "<poll>" },                      // select
	{ "timezone_dealloc", "<timezone>" },              // _datetime
};

/*
 * 3.15: heap types whose tp_traverse visits only the type share one
 * function, _PyObject_VisitType(); where such a type owns more references
 * than it visits, its tp_dealloc tells it, and the row its own traverse
 * had before (Pdata_traverse(), 3.12-3.14) reads them.
 */
static const struct {
	const char *dealloc;
	const char *row;
} visit_type_anchors[] = {
	{ "Pdata_dealloc", "Pdata_traverse" },             // _pickle 3.15
};

/* The row named for fn, a tp_dealloc, by one of the tables above. */
static uint32_t dealloc_row(struct rh_py_runtime *rt, uint64_t fn, bool visit_type)
{
	const struct rh_module *m = NULL;
	const char *name = NULL;
	uint64_t off = 1;
	if (!fn || !rh_image_symbolize(rt->image, fn, &m, &name, &off) || off != 0 || !m || !name)
		return TF_NONE;
	size_t len = strcspn(name, ".");   // "context_dealloc.lto_priv.0"
	size_t n = visit_type ? N(visit_type_anchors) : N(dealloc_anchors);
	for (size_t i = 0; i < n; i++) {
		const char *dealloc = visit_type ? visit_type_anchors[i].dealloc
						 : dealloc_anchors[i].dealloc;
		const char *row = visit_type ? visit_type_anchors[i].row : dealloc_anchors[i].row;
		if (strlen(dealloc) != len || memcmp(dealloc, name, len) != 0)
			continue;
		uint32_t r = row_by_name(row, strlen(row));
		uint32_t ls = m == rt->info.module ? 0 : lset_of(rt, m, name);
		if (m != rt->info.module && !ls)
			return TF_NONE;   // no DWARF for it: a problem says so
		const struct rh_layout_value *L = rt->traverse->lsets[ls].L;
		if (r != TF_UNKNOWN && L && row_fits(r, L, ls != 0, 0))
			return TF_MAKE(r, ls);
	}
	return TF_NONE;
}

static uint32_t tf_of_type(struct rh_py_runtime *rt, uint64_t addr,
			   const struct typebuf *t)
{
	if (t->traverse) {
		uint32_t tf = tf_of_fn(rt, t->traverse), d;
		if (tf != TF_UNKNOWN && tf != TF_NONE && TF_ROW(tf) == rt->traverse->row_visit_type &&
		    (d = dealloc_row(rt, t->dealloc, true)) != TF_NONE)
			return d;
		return tf;
	}
	uint32_t idx;
	if (rh_u64map_find(&rt->traverse->anchor_map, addr, &idx))
		return idx;
	return dealloc_row(rt, t->dealloc, false);
}

/*
 * The plan of subtype_traverse() (Objects/typeobject.c) for `type`:
 * walk tp_base while tp_traverse == subtype_traverse, collecting the slots
 * of each such base; the first other base gives basetraverse and the
 * dictoffset comparison.
 */
static struct rh_error *plan_subtype(struct rh_py_runtime *rt, uint64_t type,
				     const struct typebuf *t, struct tinfo *ti)
{
	struct py_traverse *tv = rt->traverse;
	struct typebuf b = *t;
	uint64_t base = type;
	struct rh_error *err;
	ti->slot_first = (uint32_t)tv->nslots;
	for (int depth = 0;; depth++) {
		if (depth >= MAX_BASE_DEPTH)
			return RH_BAD_DATA(type, "tp_base chain of type 0x%" PRIx64
					   " longer than %d", type, MAX_BASE_DEPTH);
		if (tf_of_type(rt, base, &b) != TF_SUBTYPE)
			break;
		if ((err = add_slots(rt, base, &b)))
			return err;
		if (!b.base)
			return RH_BAD_DATA(type, "type 0x%" PRIx64 " uses subtype_traverse but has no base",
					   base);
		base = b.base;
		if ((err = read_type(rt, base, &b)))
			return err;
	}
	ti->nslots = (uint32_t)(tv->nslots - ti->slot_first);
	ti->base_tf = tf_of_type(rt, base, &b);
	ti->base_heap = (b.flags & PY_TPFLAGS_HEAPTYPE) != 0;
	ti->base_basicsize = b.basicsize;
	ti->dict_differs = t->dictoffset != b.dictoffset;
	// 3.8: a heap type's instances visit the type. 3.9+ (bpo-40217):
	// only when basetraverse is NULL or not a heap type's, which would
	// visit Py_TYPE(self) itself.
	ti->visit_type = (t->flags & PY_TPFLAGS_HEAPTYPE) &&
			 (!tv->new_visit_type_rule || !b.traverse || !ti->base_heap);
	return NULL;
}

/*
 * How many fields the objects of a struct sequence type hold, visible and
 * hidden: REAL_SIZE in Objects/structseq.c, which structseq_traverse()
 * visits (Py_SIZE is only the visible part).
 *  - 3.13+ (and 3.12.6+, gh-122527): get_real_size() is Py_SIZE plus the
 *    hidden fields counted in tp_basicsize, (tp_basicsize -
 *    offsetof(PyStructSequence, ob_item)) / sizeof(PyObject *); the type
 *    setup makes tp_basicsize sizeof(PyStructSequence) + (hidden - 1) words.
 *  - Before: the "n_fields" entry of the type's dict, and tp_basicsize is
 *    the template's sizeof(PyStructSequence) - sizeof(PyObject *), exactly
 *    offsetof(ob_item): so a larger tp_basicsize means the first rule. The
 *    dict of a 3.12 static builtin type lives in the interpreter, not the
 *    type, so n_fields is read from tp_members instead, which
 *    PyStructSequence_InitType2() fills with one member per named field at
 *    offsetof(ob_item) + i * sizeof(PyObject *). Hidden fields are always
 *    named (PyStructSequence_UnnamedField is allowed only among the
 *    visible ones), so with hidden fields n_fields is the highest member's
 *    index + 1, and without any it is Py_SIZE: structseq_traverse() of
 *    an object visits max(Py_SIZE, that) fields.
 * The member array is bounded (MAX_SLOTS_PER_TYPE) and every member must
 * lie on an item.
 */
static struct rh_error *structseq_fields(struct rh_py_runtime *rt, uint64_t type,
					 struct tinfo *ti)
{
	if (!PYL_HAS(rt, TTUPLE_ITEM))
		return rh_error_create(RH_ERR_UNSUPPORTED, "no PyTupleObject.ob_item in the DWARF");
	int64_t item = PYL(rt, TTUPLE_ITEM);
	if (ti->basicsize > item) {
		if ((ti->basicsize - item) % 8 || ti->basicsize > (1 << 20))
			return RH_BAD_DATA(type, "struct sequence type 0x%" PRIx64 " has tp_basicsize %" PRId64,
					   type, ti->basicsize);
		ti->sseq_by_basicsize = true;
		ti->sseq_fields = (ti->basicsize - item) / 8;
		return NULL;
	}
	if (!PYL_HAS(rt, TTP_MEMBERS) || !PYL_HAS(rt, TSZ_MEMBERDEF) ||
	    !PYL_HAS(rt, TMEMBER_NAME) || !PYL_HAS(rt, TMEMBER_OFFSET) ||
	    PYL(rt, TSZ_MEMBERDEF) > 64)
		return rh_error_create(RH_ERR_UNSUPPORTED, "no PyMemberDef layout in the DWARF");
	uint64_t members;
	struct rh_error *err = rh_target_read_u64(rt->target, type + PYL(rt, TTP_MEMBERS), &members);
	if (err)
		return err;
	size_t msz = (size_t)PYL(rt, TSZ_MEMBERDEF);
	int64_t end = 0;
	for (int64_t i = 0; members; i++) {
		if (i >= MAX_SLOTS_PER_TYPE)
			return RH_BAD_DATA(type, "struct sequence type 0x%" PRIx64 ": more than %d members",
					   type, MAX_SLOTS_PER_TYPE);
		unsigned char m[64];
		if ((err = rh_target_read(rt->target, members + (uint64_t)i * msz, m, msz)))
			return err;
		if (!py_get_u64(m, PYL(rt, TMEMBER_NAME)))
			break;
		int64_t off = (int64_t)py_get_u64(m, PYL(rt, TMEMBER_OFFSET));
		if (off < item || (off - item) % 8 || off - item >= (int64_t)MAX_SLOTS_PER_TYPE * 8)
			return RH_BAD_DATA(type, "struct sequence type 0x%" PRIx64 ": member %" PRId64
					   " at offset %" PRId64 ", not on an item", type, i, off);
		if ((off - item) / 8 + 1 > end)
			end = (off - item) / 8 + 1;
	}
	ti->sseq_fields = end;
	return NULL;
}

/*
 * The cached record of a type. Returns NULL only on no memory; a type that
 * cannot be read gets a record with `bad` set (its objects are scanned
 * conservatively) and a problem.
 */
static const struct tinfo *tinfo_get(struct rh_py_runtime *rt, uint64_t type)
{
	struct py_traverse *tv = rt->traverse;
	uint32_t idx;
	if (rh_u64map_find(&tv->type_map, type, &idx))
		return &tv->types[idx];
	if (py_worker_defer())
		return NULL;
	if (tv->ntypes >= UINT32_MAX - 1)
		return NULL;
	if (tv->ntypes == tv->types_cap) {
		size_t ncap = tv->types_cap ? tv->types_cap * 2 : 256;
		struct tinfo *p = realloc(tv->types, ncap * sizeof(*p));
		if (!p)
			return NULL;
		tv->types = p;
		tv->types_cap = ncap;
	}
	struct tinfo ti = { .addr = type, .tf = TF_UNKNOWN, .base_tf = TF_NONE };
	struct typebuf t;
	struct rh_error *err = read_type(rt, type, &t);
	if (!err) {
		ti.flags = t.flags;
		ti.basicsize = t.basicsize;
		ti.itemsize = t.itemsize;
		ti.dictoffset = t.dictoffset;
		ti.has_is_gc = t.has_is_gc;
		ti.heap = (t.flags & PY_TPFLAGS_HEAPTYPE) != 0;
		ti.cached_keys = t.cached_keys;
		ti.tf = tf_of_type(rt, type, &t);
		if (ti.tf == TF_SUBTYPE)
			err = plan_subtype(rt, type, &t, &ti);
		else if (ti.tf < NTFUNCS && tfuncs[ti.tf].special == SP_STRUCTSEQ)
			err = structseq_fields(rt, type, &ti);
		else if (ti.tf < NTFUNCS && tfuncs[ti.tf].special == SP_DICT && !ti.heap &&
			 PYL_HAS(rt, TSZ_DICT) && t.basicsize == PYL(rt, TSZ_DICT) + STGDICT_EXTRA) {
			const char *name = rh_py_type_name(rt, type);
			ti.stgdict = name && strcmp(name, "StgDict") == 0;
		}
	}
	if (err) {
		if (err == rh_enomem)
			return NULL;
		rh_problems_add_error(rt->problems, err,
				      "type 0x%" PRIx64 ": its objects are scanned conservatively",
				      type);
		ti.bad = true;
		ti.tf = TF_UNKNOWN;
		ti.nslots = 0;
	}
	idx = (uint32_t)tv->ntypes;
	if (rh_u64map_insert(&tv->type_map, type, idx, NULL) < 0)
		return NULL;
	tv->types[tv->ntypes++] = ti;
	return &tv->types[idx];
}

/* ------------------------------------------------------------------ */
/* Conservative scan                                                   */

/*
 * An object of unknown type: every 8-aligned word of its memory past the
 * header (tp_basicsize + |ob_size| * tp_itemsize bytes, at most
 * CONSERVATIVE_MAX) that passes rh_py_object_plausible(). Never counted as
 * traversed: we cannot know what its tp_traverse visits.
 */
static void scan_conservative(struct vctx *c, uint64_t from, int64_t basicsize,
			      int64_t itemsize, const char *name)
{
	uint64_t size = basicsize > 0 ? (uint64_t)basicsize : 0;
	if (itemsize > 0) {
		uint64_t n;
		if (!rd(c, c->obj + PYL(c->rt, OB_SIZE), &n))
			return;
		int64_t sn = (int64_t)n;
		uint64_t an = sn < 0 ? (uint64_t)(-(sn + 1)) + 1 : (uint64_t)sn;
		if (an > CONSERVATIVE_MAX)
			an = CONSERVATIVE_MAX;
		size += an * (uint64_t)itemsize;
	}
	if (size > CONSERVATIVE_MAX)
		size = CONSERVATIVE_MAX;
	uint64_t buf[CHUNK];
	uint64_t off0 = from & ~(uint64_t)7;
	// In place when all the words are (then every chunk is readable).
	const unsigned char *all = off0 + 8 <= size ?
		view_all(c, c->obj + off0, (size - off0) / 8, 8) : NULL;
	for (uint64_t off = off0; off + 8 <= size && !done(c); ) {
		uint64_t k = (size - off) / 8;
		if (k > CHUNK && !all)
			k = CHUNK;
		const unsigned char *b = all;
		if (!b) {
			if (!rh_target_readable(c->rt->target, c->obj + off, k * 8))
				return;   // the object's end is not ours to read
			if (!(b = rd_view(c, c->obj + off, k * 8, buf)))
				return;
		}
		for (uint64_t j = 0; j < k && !done(c); j++) {
			uint64_t v = py_get_u64(b, (int64_t)(j * 8));
			if (v && v != c->obj && rh_py_object_plausible(c->rt, v))
				emit(c, v, RH_REF_CONSERVATIVE, false, name, off + j * 8, 0);
		}
		off += k * 8;
	}
}

/*
 * A tp_traverse we do not know. Since 3.9 the C API requires the traverse
 * function of a heap type to visit Py_TYPE(self) (or delegate to a heap
 * base that does: "Instances of heap-allocated types hold a reference to
 * their type", Doc/c-api/typeobj.rst, bpo-40217), so that one reference
 * is known and reported first; the rest comes from the conservative scan.
 */
static void unknown_traverse(struct vctx *c, bool owner_heap, int64_t basicsize,
			     int64_t itemsize, const char *name)
{
	if (owner_heap && c->tv->new_visit_type_rule)
		emit(c, c->type, RH_REF_TYPE, true, NULL, 0, 0);
	scan_conservative(c, 16, basicsize, itemsize, name);
}

/* ------------------------------------------------------------------ */
/* Dicts                                                               */

/* The layout of a keys object, as dict_traverse() sees it. */
struct dkeys {
	uint64_t entries;      /* address of entry 0 */
	uint64_t nentries;
	size_t esize, koff, voff;
	bool general;          /* keys are visited (not a unicode table) */
};

static bool read_dkeys(struct vctx *c, uint64_t keys, struct dkeys *k)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t nentries;
	if (!rd(c, keys + PYL(rt, DK_NENTRIES), &nentries))
		return false;
	if (PYL_HAS(rt, DK_SIZE)) {
		// 3.8-3.10 Objects/dict-common.h: dk_size slots, indices of
		// 1/2/4/8 bytes, then PyDictKeyEntry {hash, key, value}.
		uint64_t size, lookup = 0;
		if (!rd(c, keys + PYL(rt, DK_SIZE), &size))
			return false;
		if (PYL_HAS(rt, TDK_LOOKUP) && !rd(c, keys + PYL(rt, TDK_LOOKUP), &lookup))
			return false;
		if (size == 0 || (size & (size - 1)) || size > (1ULL << 40)) {
			bad(c, RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has dk_size %" PRIu64,
					   keys, size));
			return false;
		}
		unsigned width = size <= 0xff ? 1 : size <= 0xffff ? 2 :
				 size <= 0xffffffff ? 4 : 8;
		k->entries = keys + PYL(rt, DK_INDICES) + size * width;
		k->esize = (size_t)PYL(rt, SZ_DICTKEYENTRY);
		k->koff = (size_t)PYL(rt, DKE_KEY);
		k->voff = (size_t)PYL(rt, DKE_VALUE);
		struct py_traverse *tv = c->tv;
		if (tv->lookdict)
			k->general = lookup == tv->lookdict;
		else
			k->general = lookup != tv->lookdict_unicode[0] &&
				     lookup != tv->lookdict_unicode[1] &&
				     lookup != tv->lookdict_unicode[2];
		if (nentries > size) {
			bad(c, RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has %" PRIu64
					   " entries in %" PRIu64 " slots", keys, nentries, size));
			return false;
		}
	} else {
		// 3.11+ Include/internal/pycore_dict.h: dk_log2_size,
		// dk_log2_index_bytes, dk_kind (0 GENERAL, 1 UNICODE, 2 SPLIT).
		unsigned char b[3];
		if (!rd_bytes(c, keys + PYL(rt, DK_LOG2_SIZE), &b[0], 1) ||
		    !rd_bytes(c, keys + PYL(rt, DK_LOG2_INDEX_BYTES), &b[1], 1) ||
		    !rd_bytes(c, keys + PYL(rt, DK_KIND), &b[2], 1))
			return false;
		if (b[0] > 40 || b[1] > 43) {
			bad(c, RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has log2 size %u",
					   keys, b[0]));
			return false;
		}
		k->general = b[2] == 0;
		k->entries = keys + PYL(rt, DK_INDICES) + (1ULL << b[1]);
		k->esize = (size_t)(k->general ? PYL(rt, SZ_DICTKEYENTRY) : PYL(rt, SZ_DICTUNICODEENTRY));
		k->koff = (size_t)(k->general ? PYL(rt, DKE_KEY) : PYL(rt, DUE_KEY));
		k->voff = (size_t)(k->general ? PYL(rt, DKE_VALUE) : PYL(rt, DUE_VALUE));
		if (nentries > (1ULL << b[0])) {
			// 64-bit shift: b[0] may be up to 40 here.
			bad(c, RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has %" PRIu64
					   " entries in %" PRIu64 " slots", keys, nentries,
					   (uint64_t)1 << b[0]));
			return false;
		}
	}
	if (k->esize == 0 || k->esize > 64 || k->koff + 8 > k->esize || k->voff + 8 > k->esize) {
		bad(c, RH_BAD_DATA(keys, "implausible dict entry layout"));
		return false;
	}
	if (!count_ok(c, (int64_t)nentries)) {
		bad(c, RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has %" PRIu64 " entries",
				   keys, nentries));
		return false;
	}
	k->nentries = nentries;
	return true;
}

/* The key object of entry i (for labels), 0 if unreadable. */
static uint64_t entry_key(struct vctx *c, const struct dkeys *k, uint64_t i)
{
	uint64_t key = 0;
	struct rh_error *err = rh_target_read_u64(c->rt->target,
						  k->entries + i * k->esize + k->koff, &key);
	if (err) {
		// Only a label: the value itself was read.
		rh_error_destroy(err);
		return 0;
	}
	return key;
}

/*
 * Values of a split table / managed-dict values array: `values` holds at
 * least n slots (entry index order, as dict_traverse() and
 * _PyObject_VisitInstanceAttributes() walk them). `attr`: label them as
 * attributes of the object, else as dict values.
 */
static void visit_values(struct vctx *c, uint64_t values, uint64_t n,
			 const struct dkeys *k, bool attr)
{
	uint64_t buf[CHUNK];
	const unsigned char *all = view_all(c, values, n, 8);
	uint64_t per = all ? n : CHUNK;
	for (uint64_t i0 = 0; i0 < n && !done(c); i0 += per) {
		uint64_t m = n - i0 < per ? n - i0 : per;
		const unsigned char *b = all ? all : rd_view(c, values + i0 * 8, m * 8, buf);
		if (!b)
			return;
		for (uint64_t j = 0; j < m && !done(c); j++) {
			uint64_t v = py_get_u64(b, (int64_t)(j * 8));
			if (!v)
				continue;
			uint64_t key = k ? entry_key(c, k, i0 + j) : 0;
			emit(c, v, attr ? RH_REF_ATTRIBUTE : RH_REF_DICT_VALUE,
			     true, NULL, i0 + j, key);
		}
	}
}

/*
 * dict_traverse(), Objects/dictobject.c. General tables: value then key of
 * every live entry. Unicode tables: values only (the str keys are owned,
 * reported with traversed == false). Split tables: the values array
 * (3.8-3.10 `PyObject **ma_values`; 3.11+ PyDictValues, whose values[] is
 * at DV_VALUES); 3.13: nothing when the values are embedded in the owning
 * object, which visits them itself.
 */
/*
 * GH-130327 (3.13.13 and 3.14.4 on): a materialized managed dict traverses
 * the inline values it shares with its object, and the object traverses
 * the dict instead of the values (PyObject_VisitManagedDict and
 * dict_traverse, Objects/dictobject.c). Before, the dict skipped embedded
 * values and the object visited them. No struct changed with it, and
 * distributions backport it (Debian's 3.13.5-2+deb13u3): the fix's local
 * `dict` in PyObject_VisitManagedDict decides when the DWARF has that
 * function's locals (its `tp` is in both), else the version does.
 */
static bool dict_visits_embedded(const struct rh_py_runtime *rt)
{
	if (PYL_HAS(rt, TVMD_LOCAL_TP))
		return PYL_HAS(rt, TVMD_LOCAL_DICT);
	uint32_t v = rt->info.version_hex >> 8;   /* 0xMMmmpp */
	return (v >= 0x030d0d && v < 0x030e00) || v >= 0x030e04;
}

static void sp_dict(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t keys, values;
	if (!rd(c, c->obj + PYL(rt, DICT_KEYS), &keys) ||
	    !rd(c, c->obj + PYL(rt, DICT_VALUES), &values) || !keys)
		return;
	struct dkeys k;
	if (!read_dkeys(c, keys, &k))
		return;
	if (values && !k.general) {
		if (PYL_HAS(rt, DV_EMBEDDED)) {
			unsigned char embedded;
			if (!rd_bytes(c, values + PYL(rt, DV_EMBEDDED), &embedded, 1))
				return;
			if (embedded && !dict_visits_embedded(rt))
				return;
		}
		visit_values(c, values + (PYL_HAS(rt, DV_VALUES) ? PYL(rt, DV_VALUES) : 0),
			     k.nentries, &k, false);
		return;
	}
	unsigned char buf[CHUNK * 24];
	const unsigned char *all = view_all(c, k.entries, k.nentries, k.esize);
	uint64_t per = all ? k.nentries : sizeof(buf) / k.esize;
	for (uint64_t i0 = 0; i0 < k.nentries && !done(c); i0 += per) {
		uint64_t m = k.nentries - i0 < per ? k.nentries - i0 : per;
		const unsigned char *b = all ? all :
			rd_view(c, k.entries + i0 * k.esize, m * k.esize, buf);
		if (!b)
			return;
		for (uint64_t j = 0; j < m && !done(c); j++) {
			uint64_t key = py_get_u64(b, (int64_t)(j * k.esize + k.koff));
			uint64_t val = py_get_u64(b, (int64_t)(j * k.esize + k.voff));
			if (!val)
				continue;
			emit(c, val, RH_REF_DICT_VALUE, true, NULL, i0 + j, key);
			emit(c, key, RH_REF_DICT_KEY, k.general, NULL, i0 + j, 0);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Instances of classes: subtype_traverse()                             */

/*
 * The type's shared keys (ht_cached_keys): the count of managed values
 * (3.11/3.12) and their attribute names. labels_only (3.13, where the
 * values carry their own capacity): a failure costs only the names, so it
 * is dropped.
 */
static bool cached_keys(struct vctx *c, const struct tinfo *ti, struct dkeys *k,
			bool labels_only)
{
	if (!ti->cached_keys) {
		if (!labels_only)
			bad(c, RH_BAD_DATA(c->obj, "object 0x%" PRIx64 " has managed values but its type 0x%"
					   PRIx64 " has no cached keys", c->obj, ti->addr));
		return false;
	}
	if (!labels_only)
		return read_dkeys(c, ti->cached_keys, k);
	if (done(c))
		return false;
	if (read_dkeys(c, ti->cached_keys, k))
		return true;
	rh_error_destroy(c->err);   // names only, see above
	c->err = NULL;
	return false;
}

/*
 * _PyObject_GetDictPtr() (3.8-3.10) / _PyObject_ComputedDictPointer()
 * (3.11+), Objects/object.c: tp_dictoffset > 0 counts from the start, < 0
 * from the end of the variable part (rounded up to a pointer).
 */
static bool dict_ptr(struct vctx *c, const struct tinfo *ti, uint64_t *ret)
{
	int64_t off = ti->dictoffset;
	if (off == 0)
		return false;
	if (off < 0) {
		uint64_t n;
		if (!rd(c, c->obj + PYL(c->rt, OB_SIZE), &n))
			return false;
		int64_t sn = (int64_t)n;
		uint64_t an = sn < 0 ? (uint64_t)(-(sn + 1)) + 1 : (uint64_t)sn;
		if (an > (1ULL << 40)) {
			bad(c, RH_BAD_DATA(c->obj, "object 0x%" PRIx64 " has ob_size %" PRId64,
					   c->obj, sn));
			return false;
		}
		uint64_t size = (uint64_t)ti->basicsize + an * (uint64_t)ti->itemsize;
		size = (size + 7) & ~(uint64_t)7;
		off += (int64_t)size;
	}
	*ret = c->obj + (uint64_t)off;
	return true;
}

static void run_row(struct vctx *c, uint32_t tf, bool owner_heap, int depth);

/*
 * PyObject_VisitManagedDict() (Objects/dictobject.c 3.13) and
 * _PyObject_VisitManagedDict() (Objects/typeobject.c 3.12): the managed
 * dict of an object whose type has Py_TPFLAGS_MANAGED_DICT, or its values
 * while no dict is materialized. subtype_traverse() calls it, and so do C
 * types that manage a dict (asyncio's Future and Task 3.13, the typing C
 * types 3.12+). The managed words sit in front of the PyGC_Head.
 */
static void managed_dict(struct vctx *c, const struct tinfo *ti)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t dict_at = c->obj - (uint64_t)PYL(rt, SZ_GC_HEAD) - 8;
	if (!(ti->flags & PY_TPFLAGS_MANAGED_DICT) || !PYL_HAS(rt, DV_VALUES))
		return;
	if (PYL_HAS(rt, TDV_VALID) && dict_visits_embedded(rt)) {
		// 3.13.13+, 3.14.4+ (GH-130327): the dict if there is one,
		// which visits the values it shares; else valid inline values
		uint64_t d;
		if (!rd(c, dict_at, &d))
			return;
		if (d) {
			emit(c, d, RH_REF_FIELD, true, "__dict__", 0, 0);
		} else if (ti->flags & PY_TPFLAGS_INLINE_VALUES) {
			uint64_t values = c->obj + (uint64_t)ti->basicsize;
			unsigned char hdr[2];
			if (!rd_bytes(c, values + PYL(rt, TDV_VALID), &hdr[0], 1) ||
			    !rd_bytes(c, values + PYL(rt, TDV_CAPACITY), &hdr[1], 1))
				return;
			if (hdr[0]) {
				struct dkeys k;
				bool labels = cached_keys(c, ti, &k, true);
				visit_values(c, values + PYL(rt, DV_VALUES), hdr[1],
					     labels ? &k : NULL, true);
			}
		}
	} else if (PYL_HAS(rt, TDV_VALID)) {
		// 3.13
		bool visited = false;
		if (ti->flags & PY_TPFLAGS_INLINE_VALUES) {
			uint64_t values = c->obj + (uint64_t)ti->basicsize;
			unsigned char hdr[2];
			if (!rd_bytes(c, values + PYL(rt, TDV_VALID), &hdr[0], 1) ||
			    !rd_bytes(c, values + PYL(rt, TDV_CAPACITY), &hdr[1], 1))
				return;
			if (hdr[0]) {
				struct dkeys k;
				bool labels = cached_keys(c, ti, &k, true);
				visit_values(c, values + PYL(rt, DV_VALUES), hdr[1],
					     labels ? &k : NULL, true);
				visited = true;
			}
		}
		// With valid inline values a dict may still exist: one
		// materialized for obj.__dict__ shares the values
		// (_PyObject_MaterializeManagedDict, Objects/dictobject.c
		// 3.13). PyObject_VisitManagedDict() visits the values, not
		// it, yet the object owns it (PyObject_ClearManagedDict
		// releases it): an owned reference that gc does not report.
		uint64_t d;
		if (!rd(c, dict_at, &d))
			return;
		emit(c, d, RH_REF_FIELD, !visited, "__dict__", 0, 0);
	} else if (PYL_HAS(rt, TSZ_DICTORVALUES)) {
		// 3.12
		uint64_t w;
		if (!rd(c, dict_at, &w))
			return;
		if (w & 1) {
			struct dkeys k;
			if (!cached_keys(c, ti, &k, false))
				return;
			visit_values(c, w + 1 + PYL(rt, DV_VALUES), k.nentries, &k, true);
		} else {
			emit(c, w, RH_REF_FIELD, true, "__dict__", 0, 0);
		}
	}
}

/*
 * subtype_traverse(), Objects/typeobject.c: the slots of each heap base
 * (most derived first), then the instance dict, then the type (heap types;
 * see plan_subtype), then the base's traverse. The dict: 3.8-3.10 and
 * non-managed types via tp_dictoffset when it differs from the base's;
 * managed dicts (Py_TPFLAGS_MANAGED_DICT, 3.11+) live in front of the GC
 * header:
 *   3.11 _PyObject_VisitInstanceAttributes(): the values array at
 *        obj - 4 words, then (the offsets differ) the dict at obj - 3;
 *   3.12 _PyObject_VisitManagedDict(): the tagged PyDictOrValues at
 *        obj - 3 words: values (bit 0 set, stored minus one) or a dict;
 *   3.13 PyObject_VisitManagedDict(): the inline values after the object
 *        (at tp_basicsize) when valid, else the dict at obj - 3 words.
 * Values are visited by index 0 .. dk_nentries of the type's cached keys
 * (3.11/3.12), 0 .. capacity (3.13); NULL skipped.
 */
static void sp_subtype(struct vctx *c, const struct tinfo *ti)
{
	struct rh_py_runtime *rt = c->rt;
	struct py_traverse *tv = c->tv;
	for (uint32_t i = 0; i < ti->nslots && !done(c); i++) {
		const struct slot *s = &tv->slots[ti->slot_first + i];
		uint64_t v;
		if (!rd(c, c->obj + (uint64_t)s->offset, &v))
			return;
		emit(c, v, RH_REF_SLOT, true, s->name, (uint64_t)s->offset, 0);
	}
	// The managed words sit in front of the PyGC_Head (pre-header,
	// Include/internal/pycore_object.h): dict at -(GC head + 8),
	// 3.11's values at -(GC head + 16).
	uint64_t dict_at = c->obj - (uint64_t)PYL(rt, SZ_GC_HEAD) - 8;
	uint64_t values_at = c->obj - (uint64_t)PYL(rt, SZ_GC_HEAD) - 16;
	bool managed = (ti->flags & PY_TPFLAGS_MANAGED_DICT) && PYL_HAS(rt, DV_VALUES);
	if (managed && (PYL_HAS(rt, TDV_VALID) || PYL_HAS(rt, TSZ_DICTORVALUES))) {
		// 3.12+: only where the base's dict offset differs (Objects/
		// typeobject.c subtype_traverse 3.12-3.15). A subclass of a C
		// type with a managed dict of its own leaves the dict to the
		// base's traverse: _asyncio.Future's FutureObj_traverse ends
		// with PyObject_VisitManagedDict (3.13+), so a
		// _GatheringFuture's attributes are visited once, at the end.
		if (ti->dict_differs)
			managed_dict(c, ti);
	} else {
		if (managed) {
			// 3.11
			uint64_t values;
			if (!rd(c, values_at, &values))
				return;
			if (values) {
				struct dkeys k;
				if (!cached_keys(c, ti, &k, false))
					return;
				visit_values(c, values + PYL(rt, DV_VALUES), k.nentries, &k, true);
			}
		}
		if (ti->dict_differs && !done(c)) {
			uint64_t at, d;
			if (managed)
				at = dict_at;
			else if (!dict_ptr(c, ti, &at))
				at = 0;
			if (at && rd(c, at, &d))
				emit(c, d, RH_REF_FIELD, true, "__dict__", 0, 0);
		}
	}
	if (done(c))
		return;
	if (ti->visit_type)
		emit(c, ti->addr, RH_REF_TYPE, true, NULL, 0, 0);
	if (ti->base_tf == TF_UNKNOWN)
		unknown_traverse(c, ti->base_heap, ti->base_basicsize, 0, "base");
	else if (ti->base_tf != TF_NONE)
		run_row(c, ti->base_tf, ti->base_heap, 1);
}

/* ------------------------------------------------------------------ */
/* Other special cases                                                 */

/* tupletraverse(): the items, LAST FIRST (`for (i = Py_SIZE(o); --i >= 0; )`). */
static void sp_tuple(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t n;
	if (!PYL_HAS(rt, TTUPLE_ITEM) || !rd(c, c->obj + PYL(rt, OB_SIZE), &n))
		return;
	if (!count_ok(c, (int64_t)n)) {
		bad(c, RH_BAD_DATA(c->obj, "tuple 0x%" PRIx64 " has size %" PRId64,
				   c->obj, (int64_t)n));
		return;
	}
	visit_array(c, c->obj + PYL(rt, TTUPLE_ITEM), n, true, RH_REF_ITEM, NULL, 0);
}

/*
 * structseq_traverse() (Objects/structseq.c): 3.9+ first visits
 * Py_TYPE(self) when it is a heap type (os.stat_result; bpo-40217), 3.8
 * does not; then every field, visible and hidden, first to last (unlike
 * tupletraverse), as many as structseq_fields() says.
 */
static void sp_structseq(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t n;
	if (!rd(c, c->obj + PYL(rt, OB_SIZE), &n))
		return;
	if (!count_ok(c, (int64_t)n)) {
		bad(c, RH_BAD_DATA(c->obj, "struct sequence 0x%" PRIx64 " has size %" PRId64,
				   c->obj, (int64_t)n));
		return;
	}
	uint64_t fields = n;
	if (c->ti->sseq_by_basicsize)
		fields = n + (uint64_t)c->ti->sseq_fields;
	else if ((uint64_t)c->ti->sseq_fields > n)
		fields = (uint64_t)c->ti->sseq_fields;
	if (c->ti->heap && c->tv->new_visit_type_rule)
		emit(c, c->type, RH_REF_TYPE, true, NULL, 0, 0);
	visit_array(c, c->obj + PYL(rt, TTUPLE_ITEM), fields, false, RH_REF_ITEM, NULL, 0);
}

/* list_traverse(): the items, last first, as tupletraverse(). */
static void sp_list(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t n, items, allocated;
	if (!rd(c, c->obj + PYL(rt, OB_SIZE), &n) ||
	    !rd(c, c->obj + PYL(rt, LIST_ITEM), &items) ||
	    !rd(c, c->obj + PYL(rt, LIST_ALLOCATED), &allocated))
		return;
	if (!count_ok(c, (int64_t)n) || n > allocated) {
		bad(c, RH_BAD_DATA(c->obj, "list 0x%" PRIx64 " has size %" PRId64
				   " (allocated %" PRId64 ")", c->obj, (int64_t)n,
				   (int64_t)allocated));
		return;
	}
	if (n && !items) {
		bad(c, RH_BAD_DATA(c->obj, "list 0x%" PRIx64 " has items but no array", c->obj));
		return;
	}
	visit_array(c, items, n, true, RH_REF_ITEM, NULL, 0);
}

/* set_traverse(): set_next() over table[0 .. mask], skipping NULL and dummy. */
static void sp_set(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t mask, table;
	if (!rd(c, c->obj + PYL(rt, SET_MASK), &mask) ||
	    !rd(c, c->obj + PYL(rt, SET_TABLE), &table))
		return;
	size_t esz = (size_t)PYL(rt, SZ_SETENTRY);
	size_t koff = PYL_HAS(rt, TSETENTRY_KEY) ? (size_t)PYL(rt, TSETENTRY_KEY) : 0;
	if (!count_ok(c, (int64_t)mask) || (mask & (mask + 1)) || esz == 0 || esz > 64 ||
	    koff + 8 > esz) {
		bad(c, RH_BAD_DATA(c->obj, "set 0x%" PRIx64 " has mask %" PRIu64, c->obj, mask));
		return;
	}
	unsigned char buf[CHUNK * 16];
	uint64_t n = mask + 1;
	const unsigned char *all = view_all(c, table, n, esz);
	uint64_t per = all ? n : sizeof(buf) / esz;
	for (uint64_t i0 = 0; i0 < n && !done(c); i0 += per) {
		uint64_t m = n - i0 < per ? n - i0 : per;
		const unsigned char *b = all ? all : rd_view(c, table + i0 * esz, m * esz, buf);
		if (!b)
			return;
		for (uint64_t j = 0; j < m && !done(c); j++) {
			uint64_t key = py_get_u64(b, (int64_t)(j * esz + koff));
			if (key && key != c->tv->set_dummy)
				emit(c, key, RH_REF_ITEM, true, NULL, i0 + j, 0);
		}
	}
}

/* A word that can be an object pointer (3.12+ static builtin types keep a
 * small index in tp_subclasses). */
static bool pointer_like(uint64_t v)
{
	return v >= 4096 && !(v & 7);
}

/*
 * type_traverse(), Objects/typeobject.c (heap types only; static types are
 * not GC, so for them everything is owned): tp_dict, tp_cache, tp_mro,
 * tp_bases, tp_base, ht_module (3.9+). ht_name, ht_qualname, ht_slots and
 * the tp_subclasses dict are owned; tp_weaklist is weak.
 */
static void sp_type(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	static const struct {
		int layout;
		const char *name;
	} visited[] = {
		{ PYL_TTP_DICT, "__dict__" }, { PYL_TTP_CACHE, "tp_cache" },
		{ PYL_TTP_MRO, "__mro__" }, { PYL_TTP_BASES, "__bases__" },
		{ PYL_TP_BASE, "__base__" },
	};
	uint64_t flags;
	if (!rd(c, c->obj + PYL(rt, TP_FLAGS), &flags))
		return;
	bool heap = (flags & PY_TPFLAGS_HEAPTYPE) != 0;
	for (size_t i = 0; i < N(visited) && !done(c); i++) {
		uint64_t v;
		if (rt->L[visited[i].layout].found &&
		    rd(c, c->obj + (uint64_t)rt->L[visited[i].layout].value, &v) &&
		    pointer_like(v))
			emit(c, v, RH_REF_FIELD, true, visited[i].name, 0, 0);
	}
	uint64_t v;
	if (heap && PYL_HAS(rt, THT_MODULE) && rd(c, c->obj + PYL(rt, THT_MODULE), &v))
		emit(c, v, RH_REF_FIELD, true, "ht_module", 0, 0);
	if (heap) {
		if (PYL_HAS(rt, THT_NAME) && rd(c, c->obj + PYL(rt, THT_NAME), &v))
			emit(c, v, RH_REF_FIELD, false, "__name__", 0, 0);
		if (PYL_HAS(rt, THT_QUALNAME) && rd(c, c->obj + PYL(rt, THT_QUALNAME), &v))
			emit(c, v, RH_REF_FIELD, false, "__qualname__", 0, 0);
		if (PYL_HAS(rt, THT_SLOTS) && rd(c, c->obj + PYL(rt, THT_SLOTS), &v))
			emit(c, v, RH_REF_FIELD, false, "__slots__", 0, 0);
	}
	if (PYL_HAS(rt, TTP_SUBCLASSES) && rd(c, c->obj + PYL(rt, TTP_SUBCLASSES), &v) &&
	    pointer_like(v))
		emit(c, v, RH_REF_FIELD, false, "tp_subclasses", 0, 0);
	if (PYL_HAS(rt, TTP_WEAKLIST) && rd(c, c->obj + PYL(rt, TTP_WEAKLIST), &v) &&
	    pointer_like(v))
		emit(c, v, RH_REF_WEAK, false, "tp_weaklist", 0, 0);
}

/* atexit_m_traverse(), Modules/atexitmodule.c 3.8/3.9: func, args and
 * kwargs of each registered callback (3.10 moved them to the interpreter). */
static void mt_atexit(struct vctx *c, uint64_t state)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TATEXIT_CALLBACKS) || !PYL_HAS(rt, TATEXIT_NCALLBACKS) ||
	    !PYL_HAS(rt, TATEXIT_CB_FUNC))
		return;
	uint64_t cbs;
	int32_t n;
	if (!rd(c, state + PYL(rt, TATEXIT_CALLBACKS), &cbs) ||
	    !rd_bytes(c, state + PYL(rt, TATEXIT_NCALLBACKS), &n, 4))
		return;
	if (n < 0 || !count_ok(c, n)) {
		bad(c, RH_BAD_DATA(state, "atexit state has %d callbacks", n));
		return;
	}
	static const int parts[] = { PYL_TATEXIT_CB_FUNC, PYL_TATEXIT_CB_ARGS, PYL_TATEXIT_CB_KWARGS };
	static const char *const names[] = { "atexit func", "atexit args", "atexit kwargs" };
	for (int32_t i = 0; i < n && !done(c); i++) {
		uint64_t cb, v;
		if (!rd(c, cbs + (uint64_t)i * 8, &cb))
			return;
		for (size_t k = 0; cb && k < N(parts) && !done(c); k++)
			if (rt->L[parts[k]].found &&
			    rd(c, cb + (uint64_t)rt->L[parts[k]].value, &v))
				emit(c, v, RH_REF_FIELD, true, names[k], (uint64_t)i, 0);
	}
}

/* Longest DecCondMap table walked (_decimal.c 3.13.0: signal_map has 9
 * entries and its NULL end, cond_map 5 or 6 and its end) and longest
 * future-iterator freelist (FI_FREELIST_MAXLEN, _asynciomodule.c 3.12: 255):
 * beyond these the state is not what we read. */
#define DECCOND_MAX 64
#define FI_FREELIST_MAX 255

/* decimal_traverse(), Modules/_decimal/_decimal.c 3.13-3.15: the `ex` of
 * each DecCondMap of the table at state member `member`, from entry
 * `first`, up to the entry whose name is NULL. L: _decimal's layouts. */
static void mt_deccond(struct vctx *c, const struct rh_layout_value *L, uint64_t state,
		       int member, uint64_t first, const char *name)
{
	if (!L[member].found || !L[PYL_TSZ_DECCONDMAP].found ||
	    !L[PYL_TDECCOND_NAME].found || !L[PYL_TDECCOND_EX].found)
		return;
	uint64_t map, esz = (uint64_t)L[PYL_TSZ_DECCONDMAP].value, nm, v;
	if (!rd(c, state + (uint64_t)L[member].value, &map) || !map)
		return;
	for (uint64_t i = first; !done(c); i++) {
		if (i > DECCOND_MAX) {
			bad(c, RH_BAD_DATA(map, "_decimal condition table 0x%" PRIx64
					   " has no end in %d entries", map, DECCOND_MAX));
			return;
		}
		uint64_t e = map + i * esz;
		if (!rd(c, e + (uint64_t)L[PYL_TDECCOND_NAME].value, &nm) || !nm)
			return;
		if (rd(c, e + (uint64_t)L[PYL_TDECCOND_EX].value, &v))
			emit(c, v, RH_REF_FIELD, true, name, i, 0);
	}
}

/* module_traverse(), Modules/_asynciomodule.c 3.12: each future iterator
 * of the freelist fi_freelist, linked through its `future`. */
static void mt_fi_freelist(struct vctx *c, const struct rh_layout_value *L, uint64_t state)
{
	if (!L[PYL_TASYNCST_FI_FREELIST].found || !L[PYL_TFUTITER_FUTURE].found)
		return;
	uint64_t it;
	if (!rd(c, state + (uint64_t)L[PYL_TASYNCST_FI_FREELIST].value, &it))
		return;
	for (uint64_t i = 0; it && !done(c); i++) {
		if (i >= FI_FREELIST_MAX) {
			bad(c, RH_BAD_DATA(state, "_asyncio future-iterator freelist longer than %d",
					   FI_FREELIST_MAX));
			return;
		}
		emit(c, it, RH_REF_FIELD, true, "fi_freelist", i, 0);
		if (!rd(c, it + (uint64_t)L[PYL_TFUTITER_FUTURE].value, &it))
			return;
	}
}

/* The plausible object pointers of a module state, in address order, but
 * at the offsets in skip[], reported as `kind` (traversed or not). */
static void scan_state_words(struct vctx *c, uint64_t state, uint64_t size,
			     enum rh_py_ref_kind kind, bool traversed,
			     const int64_t *skip, size_t nskip)
{
	if (size > CONSERVATIVE_MAX)
		size = CONSERVATIVE_MAX;
	uint64_t buf[CHUNK];
	for (uint64_t off = 0; off + 8 <= size && !done(c); ) {
		uint64_t k = (size - off) / 8;
		if (k > CHUNK)
			k = CHUNK;
		if (!rd_bytes(c, state + off, buf, k * 8))
			return;
		for (uint64_t j = 0; j < k && !done(c); j++) {
			int64_t at = (int64_t)(off + j * 8);
			bool listed = false;
			for (size_t s = 0; s < nskip && !listed; s++)
				listed = skip[s] == at;
			if (!listed && buf[j] && rh_py_object_plausible(c->rt, buf[j]))
				emit(c, buf[j], kind, traversed, "md_state", (uint64_t)at, 0);
		}
		off += k * 8;
	}
}

/* Every plausible object pointer of a module state (MT_STATE_ALL), or,
 * traversed == false, of any module state whose m_traverse we do not know
 * (conservative). */
static void scan_state(struct vctx *c, uint64_t state, uint64_t size, bool known)
{
	scan_state_words(c, state, size, known ? RH_REF_FIELD : RH_REF_CONSERVATIVE, known,
			 NULL, 0);
}

/*
 * The words of a module state its m_traverse does not visit (MT_FIELDS
 * rows), where they are objects: owned references, not visited. A C
 * module keeps in its state what it made or imported at init and
 * releases it in m_clear / m_free; m_traverse visits only what can be
 * part of a cycle, so strings (_ssl's interned str_verify_message 3.11+),
 * ints and bytes are left out. Their counts
 * are real: without these references each looked leaked, "held by a
 * pymalloc block" refheap could not type. The words the row reads
 * (fields, decimal's tables, 3.12 asyncio's freelist head) are skipped.
 */
static void scan_state_rest(struct vctx *c, const struct rh_layout_value *L,
			    const struct mtfunc *m, uint64_t state, uint64_t size)
{
	int64_t skip[64];
	size_t nskip = 0;
	for (size_t i = 0; i < m->nfields && nskip < N(skip); i++)
		if (L[m->fields[i].layout].found)
			skip[nskip++] = L[m->fields[i].layout].value;
	static const int walked[] = { PYL_TDECST_SIGNAL_MAP, PYL_TDECST_COND_MAP,
				      PYL_TASYNCST_FI_FREELIST };
	for (size_t i = 0; i < N(walked) && nskip < N(skip); i++)
		if (m->walk != MW_NONE && L[walked[i]].found)
			skip[nskip++] = L[walked[i]].value;
	if (nskip == N(skip))
		return; // a row with more fields than this: not scanned
	scan_state_words(c, state, size, RH_REF_FIELD, false, skip, nskip);
}

/*
 * module_traverse(), Objects/moduleobject.c: the C module's m_traverse
 * (3.9+: only if m_size <= 0 or md_state is allocated), then md_dict.
 * m_traverse functions we know (mtfuncs) are mirrored; for the others the
 * module state (m_size bytes at md_state) is scanned conservatively
 * (RH_REF_CONSERVATIVE, name "md_state", not traversed): the known gap.
 */
static void sp_module(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t def = 0, v;
	if (PYL_HAS(rt, TMOD_DEF) && !rd(c, c->obj + PYL(rt, TMOD_DEF), &def))
		return;
	// 3.15 copies m_traverse and m_size into the module
	// (md_state_traverse, md_state_size): md_def is gone
	bool own = PYL_HAS(rt, TMOD_STATE_TRAVERSE) && PYL_HAS(rt, TMOD_STATE_SIZE);
	if ((own || (def && PYL_HAS(rt, TMODDEF_TRAVERSE) && PYL_HAS(rt, TMODDEF_SIZE))) &&
	    PYL_HAS(rt, TMOD_STATE)) {
		uint64_t trav, size, state;
		if (own ? !rd(c, c->obj + PYL(rt, TMOD_STATE_TRAVERSE), &trav) ||
			  !rd(c, c->obj + PYL(rt, TMOD_STATE_SIZE), &size)
			: !rd(c, def + PYL(rt, TMODDEF_TRAVERSE), &trav) ||
			  !rd(c, def + PYL(rt, TMODDEF_SIZE), &size))
			return;
		if (!rd(c, c->obj + PYL(rt, TMOD_STATE), &state))
			return;
		// Every m_traverse we know reads the state: none runs
		// without one (3.8 would call it anyway).
		if (trav && state && (int64_t)size > 0) {
			uint32_t tmt = mt_of_fn(rt, trav), mt = TF_ROW(tmt);
			// an extension module's row reads its own layouts
			const struct rh_layout_value *L =
				tmt == TF_UNKNOWN || TF_LSET(tmt) >= c->tv->nlsets
					? NULL : c->tv->lsets[TF_LSET(tmt)].L;
			if (!L || mt >= N(mtfuncs))
				scan_state(c, state, size, false);
			else if (mtfuncs[mt].kind == MT_STATE_ALL)
				scan_state(c, state, size, true);
			else if (mtfuncs[mt].kind == MT_ATEXIT)
				mt_atexit(c, state);
			else {
				for (size_t i = 0; i < mtfuncs[mt].nfields && !done(c); i++) {
					const struct fld *f = &mtfuncs[mt].fields[i];
					if (L[f->layout].found &&
					    rd(c, state + (uint64_t)L[f->layout].value, &v))
						emit(c, v, RH_REF_FIELD, f->op != OP_OWNED, f->name, 0, 0);
				}
				if (mtfuncs[mt].walk == MW_DECCOND) {
					mt_deccond(c, L, state, PYL_TDECST_SIGNAL_MAP, 0, "signal_map ex");
					mt_deccond(c, L, state, PYL_TDECST_COND_MAP, 1, "cond_map ex");
				} else if (mtfuncs[mt].walk == MW_FI_FREELIST) {
					mt_fi_freelist(c, L, state);
				}
				scan_state_rest(c, L, &mtfuncs[mt], state, size);
			}
		}
	}
	if (PYL_HAS(rt, TMOD_DICT) && rd(c, c->obj + PYL(rt, TMOD_DICT), &v))
		emit(c, v, RH_REF_FIELD, true, "__dict__", 0, 0);
	if (PYL_HAS(rt, TMOD_NAME) && rd(c, c->obj + PYL(rt, TMOD_NAME), &v))
		emit(c, v, RH_REF_FIELD, false, "md_name", 0, 0);
	if (PYL_HAS(rt, TMOD_WEAKLIST) && rd(c, c->obj + PYL(rt, TMOD_WEAKLIST), &v))
		emit(c, v, RH_REF_WEAK, false, "md_weaklist", 0, 0);
}

/* meth_traverse(), Objects/methodobject.c, 3.9+: PyCFunction_GET_CLASS(m),
 * i.e. mm_class of a METH_METHOD function, comes first. */
static void sp_cfunc(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TCMETH_CLASS) || !PYL_HAS(rt, TCFUNC_ML) ||
	    !PYL_HAS(rt, TMETHODDEF_FLAGS))
		return;
	uint64_t ml, cls;
	uint32_t flags;
	if (!rd(c, c->obj + PYL(rt, TCFUNC_ML), &ml) || !ml)
		return;
	if (!rd_bytes(c, ml + PYL(rt, TMETHODDEF_FLAGS), &flags, 4))
		return;
	if ((flags & PY_METH_METHOD) && rd(c, c->obj + PYL(rt, TCMETH_CLASS), &cls))
		emit(c, cls, RH_REF_FIELD, true, "__defining_class__", 0, 0);
}

/* Name of local i of a code object, for labels (0 when unknown). */
static uint64_t local_name(struct vctx *c, uint64_t code, uint64_t i)
{
	struct rh_py_runtime *rt = c->rt;
	struct rh_target *t = rt->target;
	uint64_t tuple, n, name = 0;
	if (!code || !PYL_HAS(rt, TTUPLE_ITEM))
		return 0;
	if (PYL_HAS(rt, TCO_LOCALSPLUSNAMES)) {
		if (rh_target_peek_u64(t, code + PYL(rt, TCO_LOCALSPLUSNAMES), &tuple) &&
		    tuple && rh_target_peek_u64(t, tuple + PYL(rt, OB_SIZE), &n) && i < n &&
		    rh_target_peek_u64(t, tuple + PYL(rt, TTUPLE_ITEM) + i * 8, &name))
			return name;
		return 0;
	}
	// <=3.10: co_varnames, then co_cellvars, then co_freevars.
	static const int parts[] = { PYL_TCO_VARNAMES, PYL_TCO_CELLVARS, PYL_TCO_FREEVARS };
	for (size_t p = 0; p < N(parts); p++) {
		if (!rt->L[parts[p]].found)
			return 0;
		uint64_t at = code + (uint64_t)rt->L[parts[p]].value;
		if (!rh_target_peek_u64(t, at, &tuple) || !tuple ||
		    !rh_target_peek_u64(t, tuple + PYL(rt, OB_SIZE), &n))
			return 0;
		if (i < n) {
			if (rh_target_peek_u64(t, tuple + PYL(rt, TTUPLE_ITEM) + i * 8, &name))
				return name;
			return 0;
		}
		i -= n;
	}
	return 0;
}

/* Slots 0 .. n-1 at `at`: locals (labelled) then value stack. */
static void visit_slots(struct vctx *c, uint64_t at, uint64_t n, uint64_t code,
			uint64_t nlocals)
{
	uint64_t buf[CHUNK];
	for (uint64_t i0 = 0; i0 < n && !done(c); i0 += CHUNK) {
		uint64_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
		if (!rd_bytes(c, at + i0 * 8, buf, m * 8))
			return;
		for (uint64_t j = 0; j < m && !done(c); j++) {
			uint64_t i = i0 + j;
			// 3.14+ _PyStackRef: tagged ints are skipped
			// (_PyGC_VisitFrameStack, Python/gc.c 3.14), borrowed
			// references visited like owned ones
			uint64_t o = py_stackref(c->rt, buf[j], NULL);
			if (!o)
				continue;
			if (i < nlocals)
				emit(c, o, RH_REF_LOCAL, true, NULL, i, local_name(c, code, i));
			else
				emit(c, o, RH_REF_ITEM, true, "value stack", i - nlocals, 0);
		}
	}
}

/*
 * _PyFrame_Traverse(), Python/frame.c 3.11+: frame_obj, f_locals, the
 * function (f_func 3.11, f_funcobj 3.12+), the code (f_code, 3.13
 * f_executable), then localsplus[0 .. stacktop).
 */
static void iframe_traverse(struct vctx *c, uint64_t f)
{
	struct rh_py_runtime *rt = c->rt;
	static const struct {
		int layout;
		const char *name;
	} fields[] = {
		{ PYL_TIF_FRAME_OBJ, "frame_obj" }, { PYL_TIF_LOCALS, "f_locals" },
		{ PYL_TIF_FUNC, "f_func" }, { PYL_TIF_FUNCOBJ, "f_funcobj" },
		{ PYL_TIF_CODE, "f_code" }, { PYL_TIF_EXECUTABLE, "f_executable" },
	};
	uint64_t code = 0, v;
	for (size_t i = 0; i < N(fields) && !done(c); i++) {
		if (!rt->L[fields[i].layout].found)
			continue;
		if (!rd(c, f + (uint64_t)rt->L[fields[i].layout].value, &v))
			return;
		// 3.14+: f_funcobj and f_executable are _PyStackRef
		if (fields[i].layout == PYL_TIF_FUNCOBJ || fields[i].layout == PYL_TIF_EXECUTABLE)
			v = py_stackref(rt, v, NULL);
		if (fields[i].layout == PYL_TIF_CODE || fields[i].layout == PYL_TIF_EXECUTABLE)
			code = v;
		emit(c, v, RH_REF_FIELD, true, fields[i].name, 0, 0);
	}
	if (!PYL_HAS(rt, TIF_LOCALSPLUS) || done(c))
		return;
	int64_t top;
	if (PYL_HAS(rt, TIF_STACKPOINTER)) {
		// 3.14+: localsplus[0 .. stackpointer) (_PyGC_VisitFrameStack)
		uint64_t sp, lp = f + PYL(rt, TIF_LOCALSPLUS);
		if (!rd(c, f + PYL(rt, TIF_STACKPOINTER), &sp))
			return;
		// An executing frame has none: _PyFrame_GetStackPointer()
		// (Include/internal/pycore_frame.h 3.14) takes it into a
		// register and leaves NULL, and _PyGC_VisitFrameStack's loop
		// then visits nothing. Benign, like 3.11-3.13's stacktop -1.
		if (sp == 0)
			return;
		if (sp < lp || (sp - lp) % 8 || (sp - lp) / 8 > MAX_FRAME_SLOTS) {
			bad(c, RH_BAD_DATA(f, "interpreter frame 0x%" PRIx64 " has stackpointer 0x%" PRIx64,
					   f, sp));
			return;
		}
		top = (int64_t)((sp - lp) / 8);
	} else if (PYL_HAS(rt, TIF_STACKTOP)) {
		int32_t t32;
		if (!rd_bytes(c, f + PYL(rt, TIF_STACKTOP), &t32, 4))
			return;
		// A frame that is executing (a running generator or
		// coroutine, the frame of a thread caught mid-instruction) has
		// stacktop -1: 3.11 _PyEval_EvalFrameDefault sets it so while
		// the stack pointer lives in a register (Python/ceval.c
		// "frame->stacktop = -1"), and _PyFrame_Traverse's loop then
		// visits nothing. A benign state, not a problem; the thread's
		// frame walk (roots.c) reads what it can.
		if (t32 == -1)
			return;
		if (t32 < 0 || t32 > MAX_FRAME_SLOTS) {
			bad(c, RH_BAD_DATA(f, "interpreter frame 0x%" PRIx64 " has stacktop %d", f, t32));
			return;
		}
		top = t32;
	} else {
		return;
	}
	uint64_t nlocals = 0;
	if (code && PYL_HAS(rt, CO_NLOCALSPLUS)) {
		int32_t nl;
		struct rh_error *err = rh_target_read(rt->target, code + PYL(rt, CO_NLOCALSPLUS), &nl, 4);
		if (err)
			rh_error_destroy(err);   // labels only
		else if (nl > 0)
			nlocals = (uint64_t)nl;
	}
	visit_slots(c, f + PYL(rt, TIF_LOCALSPLUS), (uint64_t)top, code, nlocals);
}

/*
 * frame_traverse(), Objects/frameobject.c, the part after the fields:
 * 3.11+: _PyFrame_Traverse() of the embedded frame when the frame object
 * owns it (f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT);
 * 3.8-3.10: the f_valuestack - f_localsplus local/cell/free slots, then the
 * value stack up to f_stacktop (3.8/3.9, NULL while executing) or
 * f_stackdepth entries (3.10, -1 while executing).
 */
static void sp_frame(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (PYL_HAS(rt, TFRAME_FRAME)) {
		uint64_t f;
		unsigned char owner;
		if (!rd(c, c->obj + PYL(rt, TFRAME_FRAME), &f) || !f ||
		    !PYL_HAS(rt, TIF_OWNER) || !rd_bytes(c, f + PYL(rt, TIF_OWNER), &owner, 1))
			return;
		if (owner == c->tv->owned_by_frame_object)
			iframe_traverse(c, f);
		return;
	}
	if (!PYL_HAS(rt, TFRAME_VALUESTACK) || !PYL_HAS(rt, TFRAME_LOCALSPLUS))
		return;
	uint64_t vs, code = 0;
	if (!rd(c, c->obj + PYL(rt, TFRAME_VALUESTACK), &vs))
		return;
	if (PYL_HAS(rt, TFRAME_CODE) && !rd(c, c->obj + PYL(rt, TFRAME_CODE), &code))
		return;
	uint64_t lp = c->obj + PYL(rt, TFRAME_LOCALSPLUS);
	if (vs < lp || (vs - lp) % 8 || (vs - lp) / 8 > MAX_FRAME_SLOTS) {
		bad(c, RH_BAD_DATA(c->obj, "frame 0x%" PRIx64 " has f_valuestack 0x%" PRIx64,
				   c->obj, vs));
		return;
	}
	uint64_t nslots = (vs - lp) / 8;
	visit_slots(c, lp, nslots, code, nslots);
	if (done(c))
		return;
	uint64_t depth = 0;
	if (PYL_HAS(rt, TFRAME_STACKTOP)) {
		uint64_t top;
		if (!rd(c, c->obj + PYL(rt, TFRAME_STACKTOP), &top))
			return;
		if (top) {
			if (top < vs || (top - vs) % 8 || (top - vs) / 8 > MAX_FRAME_SLOTS) {
				bad(c, RH_BAD_DATA(c->obj, "frame 0x%" PRIx64 " has f_stacktop 0x%" PRIx64,
						   c->obj, top));
				return;
			}
			depth = (top - vs) / 8;
		}
	} else if (PYL_HAS(rt, TFRAME_STACKDEPTH)) {
		int32_t d;
		if (!rd_bytes(c, c->obj + PYL(rt, TFRAME_STACKDEPTH), &d, 4))
			return;
		if (d > MAX_FRAME_SLOTS) {
			bad(c, RH_BAD_DATA(c->obj, "frame 0x%" PRIx64 " has f_stackdepth %d", c->obj, d));
			return;
		}
		depth = d > 0 ? (uint64_t)d : 0;
	}
	visit_array(c, vs, depth, false, RH_REF_ITEM, "value stack", 0);
}

/* gen_traverse() 3.11+: the embedded frame unless gi_frame_state is
 * FRAME_CLEARED (3.11 `< FRAME_CLEARED`, 3.12 `!=`: the largest state). */
static void sp_gen(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TGEN_IFRAME) || !PYL_HAS(rt, TGEN_FRAME_STATE))
		return;
	int8_t state;
	if (!rd_bytes(c, c->obj + PYL(rt, TGEN_FRAME_STATE), &state, 1))
		return;
	if (state < c->tv->frame_cleared)
		iframe_traverse(c, c->obj + PYL(rt, TGEN_IFRAME));
}

/*
 * deque_traverse(), Modules/_collectionsmodule.c: the items from
 * leftblock[leftindex] to rightblock[rightindex], block by block through
 * rightlink. At most (len + leftindex) / BLOCKLEN + 1 links are followed.
 */
static void sp_deque(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TDEQUE_LEFTBLOCK) || !PYL_HAS(rt, TBLOCK_DATA) ||
	    !PYL_HAS(rt, TBLOCK_RIGHTLINK) || !PYL_HAS(rt, TBLOCK_LEN) ||
	    PYL(rt, TBLOCK_LEN) <= 0)
		return;
	uint64_t blocklen = (uint64_t)PYL(rt, TBLOCK_LEN);
	uint64_t lb, rb, li, ri, len;
	if (!rd(c, c->obj + PYL(rt, OB_SIZE), &len) ||
	    !rd(c, c->obj + PYL(rt, TDEQUE_LEFTBLOCK), &lb) ||
	    !rd(c, c->obj + PYL(rt, TDEQUE_RIGHTBLOCK), &rb) ||
	    !rd(c, c->obj + PYL(rt, TDEQUE_LEFTINDEX), &li) ||
	    !rd(c, c->obj + PYL(rt, TDEQUE_RIGHTINDEX), &ri))
		return;
	// rightindex is leftindex - 1 in an empty deque (-1 possible).
	if (!count_ok(c, (int64_t)len) || li >= blocklen ||
	    ((int64_t)ri < -1 || (int64_t)ri >= (int64_t)blocklen) || !lb) {
		bad(c, RH_BAD_DATA(c->obj, "deque 0x%" PRIx64 " has len %" PRId64
				   ", indices %" PRId64 "..%" PRId64, c->obj, (int64_t)len,
				   (int64_t)li, (int64_t)ri));
		return;
	}
	uint64_t max_links = (len + li) / blocklen + 1, links = 0, index = 0;
	uint64_t b = lb, lo = li;
	uint64_t data_off = (uint64_t)PYL(rt, TBLOCK_DATA);
	while (b != rb && !done(c)) {
		if (++links > max_links || !b) {
			bad(c, RH_BAD_DATA(c->obj, "deque 0x%" PRIx64 ": more than %" PRIu64
					   " blocks for %" PRIu64 " items", c->obj, max_links, len));
			return;
		}
		visit_array(c, b + data_off + lo * 8, blocklen - lo, false, RH_REF_ITEM, NULL, index);
		index += blocklen - lo;
		lo = 0;
		if (!rd(c, b + PYL(rt, TBLOCK_RIGHTLINK), &b))
			return;
	}
	if ((int64_t)ri >= (int64_t)lo && !done(c))
		visit_array(c, b + data_off + lo * 8, ri - lo + 1, false, RH_REF_ITEM, NULL, index);
}

/* odict_traverse(), Objects/odictobject.c: the key of every node
 * (_odict_FOREACH from od_first through `next`), bounded by the table. */
static void sp_odict(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TODICT_FIRST) || !PYL_HAS(rt, TODICTNODE_KEY) ||
	    !PYL_HAS(rt, TODICTNODE_NEXT))
		return;
	uint64_t node, bound = c->rt->max_objects, i = 0;
	if (!rd(c, c->obj + PYL(rt, TODICT_FIRST), &node))
		return;
	while (node && !done(c)) {
		if (i++ > bound) {
			bad(c, RH_BAD_DATA(c->obj, "ordered dict 0x%" PRIx64 ": node list does not end",
					   c->obj));
			return;
		}
		uint64_t key;
		if (!rd(c, node + PYL(rt, TODICTNODE_KEY), &key) ||
		    !rd(c, node + PYL(rt, TODICTNODE_NEXT), &node))
			return;
		emit(c, key, RH_REF_DICT_KEY, true, "od node", i - 1, 0);
	}
}

/*
 * The links of an lru_cache's root list (lru_list_elem objects, not GC):
 * key, result and, heap_links (3.10+), the link's own type. At most
 * max_objects links are followed.
 */
static void lru_links(struct vctx *c, bool heap_links)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TLRU_ROOT_NEXT) || !PYL_HAS(rt, TLRU_ELEM_NEXT) ||
	    !PYL_HAS(rt, TLRU_ELEM_KEY) || !PYL_HAS(rt, TLRU_ELEM_RESULT))
		return;
	uint64_t root = c->obj + PYL(rt, TLRU_ROOT_NEXT) - PYL(rt, TLRU_ELEM_NEXT);
	uint64_t link, i = 0;
	if (!rd(c, c->obj + PYL(rt, TLRU_ROOT_NEXT), &link))
		return;
	while (link != root && !done(c)) {
		if (!link || i++ > rt->max_objects) {
			bad(c, RH_BAD_DATA(c->obj, "lru cache 0x%" PRIx64 ": broken link list", c->obj));
			return;
		}
		uint64_t key, result, type = 0;
		if (!rd(c, link + PYL(rt, TLRU_ELEM_KEY), &key) ||
		    !rd(c, link + PYL(rt, TLRU_ELEM_RESULT), &result) ||
		    (heap_links && !rd(c, link + PYL(rt, OB_TYPE), &type)))
			return;
		emit(c, key, RH_REF_FIELD, true, "link key", i - 1, 0);
		emit(c, result, RH_REF_FIELD, true, "link result", i - 1, 0);
		emit(c, type, RH_REF_FIELD, true, "link type", i - 1, 0);
		if (!rd(c, link + PYL(rt, TLRU_ELEM_NEXT), &link))
			return;
	}
}

/*
 * lru_cache_tp_traverse(), Modules/_functoolsmodule.c. 3.8/3.9: the key
 * and result of every link of the root list, then func, cache,
 * cache_info_type, dict. 3.10+ (heap types, kwd_mark per object):
 * Py_TYPE, the links (key, result, Py_TYPE(link)), cache, func, kwd_mark,
 * lru_list_elem_type, cache_info_type, dict.
 */
static void sp_lru(struct vctx *c, bool owner_heap)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t v;
	if (PYL_HAS(rt, TLRU_KWD_MARK)) {
		static const int order[] = {
			PYL_TLRU_CACHE, PYL_TLRU_FUNC, PYL_TLRU_KWD_MARK,
			PYL_TLRU_ELEM_TYPE, PYL_TLRU_INFO_TYPE, PYL_TLRU_DICT,
		};
		static const char *const names[] = {
			"cache", "__wrapped__", "kwd_mark", "lru_list_elem_type",
			"cache_info_type", "__dict__",
		};
		if (owner_heap)
			emit(c, c->type, RH_REF_TYPE, true, NULL, 0, 0);
		lru_links(c, true);
		for (size_t i = 0; i < N(order) && !done(c); i++)
			if (rt->L[order[i]].found &&
			    rd(c, c->obj + (uint64_t)rt->L[order[i]].value, &v))
				emit(c, v, RH_REF_FIELD, true, names[i], 0, 0);
		return;
	}
	lru_links(c, false);
	static const int order[] = {
		PYL_TLRU_FUNC, PYL_TLRU_CACHE, PYL_TLRU_INFO_TYPE, PYL_TLRU_DICT,
	};
	static const char *const names[] = { "__wrapped__", "cache", "cache_info_type", "__dict__" };
	for (size_t k = 0; k < N(order) && !done(c); k++)
		if (rt->L[order[k]].found && rd(c, c->obj + (uint64_t)rt->L[order[k]].value, &v))
			emit(c, v, RH_REF_FIELD, true, names[k], 0, 0);
}

/* teedataobject_traverse(): values[0 .. numread) between it and nextlink. */
static void sp_teedata(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	if (!PYL_HAS(rt, TTEEDATA_NUMREAD) || !PYL_HAS(rt, TTEEDATA_VALUES))
		return;
	int32_t n;
	if (!rd_bytes(c, c->obj + PYL(rt, TTEEDATA_NUMREAD), &n, 4))
		return;
	if (n < 0 || (PYL_HAS(rt, TTEEDATA_NVALUES) && n > PYL(rt, TTEEDATA_NVALUES))) {
		bad(c, RH_BAD_DATA(c->obj, "tee data 0x%" PRIx64 " has numread %d", c->obj, n));
		return;
	}
	visit_array(c, c->obj + PYL(rt, TTEEDATA_VALUES), (uint64_t)n, false,
		    RH_REF_ITEM, "values", 0);
}

/* Python/hamt.c node traverses: bitmap and collision nodes visit their
 * Py_SIZE items last first; array nodes their HAMT_ARRAY_NODE_SIZE
 * children in order. */
static void sp_hamt(struct vctx *c, enum special sp)
{
	struct rh_py_runtime *rt = c->rt;
	if (sp == SP_HAMT_ARRAY) {
		if (PYL_HAS(rt, THAMT_ARRAY_ARRAY) && PYL_HAS(rt, THAMT_ARRAY_COUNT))
			visit_array(c, c->obj + PYL(rt, THAMT_ARRAY_ARRAY),
				    (uint64_t)PYL(rt, THAMT_ARRAY_COUNT), false,
				    RH_REF_ITEM, NULL, 0);
		return;
	}
	int layout = sp == SP_HAMT_BITMAP ? PYL_THAMT_BITMAP_ARRAY : PYL_THAMT_COLL_ARRAY;
	uint64_t n;
	if (!rt->L[layout].found || !rd(c, c->obj + PYL(rt, OB_SIZE), &n))
		return;
	if (!count_ok(c, (int64_t)n)) {
		bad(c, RH_BAD_DATA(c->obj, "hamt node 0x%" PRIx64 " has size %" PRId64,
				   c->obj, (int64_t)n));
		return;
	}
	visit_array(c, c->obj + (uint64_t)rt->L[layout].value, n, true, RH_REF_ITEM, NULL, 0);
}

/* ---- Specials of the stdlib's extension rows: they read c->L. */

#define LHAS(c, name) ((c)->L[PYL_##name].found)
#define LOFF(c, name) ((uint64_t)(c)->L[PYL_##name].value)

/* connection_traverse(), Modules/_sqlite/connection.c 3.11+:
 * VISIT_CALLBACK_CONTEXT of trace_ctx, progress_ctx, authorizer_ctx: a
 * malloc'd callback_context's callable then module, when set. */
static void sp_sqlite_ctx(struct vctx *c)
{
	static const int ctxs[] = { PYL_TSQLCONN_TRACE_CTX, PYL_TSQLCONN_PROGRESS_CTX,
				    PYL_TSQLCONN_AUTH_CTX };
	if (!LHAS(c, TSQLCTX_CALLABLE) || !LHAS(c, TSQLCTX_MODULE))
		return;
	for (size_t i = 0; i < N(ctxs) && !done(c); i++) {
		uint64_t ctx, v;
		if (!c->L[ctxs[i]].found)
			continue;
		if (!rd(c, c->obj + (uint64_t)c->L[ctxs[i]].value, &ctx))
			return;
		if (!ctx)
			continue;
		if (rd(c, ctx + LOFF(c, TSQLCTX_CALLABLE), &v))
			emit(c, v, RH_REF_FIELD, true, "callback", i, 0);
		if (rd(c, ctx + LOFF(c, TSQLCTX_MODULE), &v))
			emit(c, v, RH_REF_FIELD, true, "callback module", i, 0);
	}
}

/* cache_traverse(), Modules/_sqlite/cache.c 3.10: the factory if
 * decref_factory, then every node from `first` along `next`. */
static void sp_sqlite_cache(struct vctx *c)
{
	if (!LHAS(c, TSQLCACHE_FACTORY) || !LHAS(c, TSQLCACHE_FIRST) ||
	    !LHAS(c, TSQLCACHE_DECREF) || !LHAS(c, TSQLNODE_NEXT))
		return;
	int32_t decref;
	uint64_t v, node;
	if (!rd_bytes(c, c->obj + LOFF(c, TSQLCACHE_DECREF), &decref, 4))
		return;
	if (decref && rd(c, c->obj + LOFF(c, TSQLCACHE_FACTORY), &v))
		emit(c, v, RH_REF_FIELD, true, "factory", 0, 0);
	if (!rd(c, c->obj + LOFF(c, TSQLCACHE_FIRST), &node))
		return;
	for (uint64_t i = 0; node && !done(c); i++) {
		if (i > c->rt->max_objects) {
			bad(c, RH_BAD_DATA(c->obj, "sqlite3 cache node list longer than the target could hold"));
			return;
		}
		emit(c, node, RH_REF_ITEM, true, "cache node", i, 0);
		if (!rd(c, node + LOFF(c, TSQLNODE_NEXT), &node))
			return;
	}
}

/* Pickler_traverse(), Unpickler_traverse(), Modules/_pickle.c: the memos,
 * visited from 3.11.7 and 3.12.1 on (bpo-41422, a change of behaviour in
 * patch releases with no change of layout: the one place this file must
 * look at the version). Pickler: the keys of the PyMemoTable, last entry
 * first; Unpickler: memo[memo_size - 1] down to memo[0]. Before, the memos
 * hold their references all the same (PyMemoTable_Set and
 * _Unpickler_MemoPut take one with Py_INCREF) but the collector does not
 * see them: they are read as owned, not traversed. Unread, every object a
 * running pickle.load() had memoized looked leaked: 774,000 of a Sphinx
 * build's 4.7M objects on Debian's 3.11.2, dumped while it loaded a
 * doctree (issue 12's real heaps). */
static bool pickle_memo_visited(const struct rh_py_runtime *rt)
{
	uint32_t v = rt->info.version_hex >> 8;  /* 0xMMmmpp */
	return v >= 0x030d00 || (v >= 0x030c01 && v < 0x030d00) ||
	       (v >= 0x030b07 && v < 0x030c00);
}

static void sp_pickler_memo(struct vctx *c)
{
	uint64_t memo, table;
	int64_t n;
	if (!LHAS(c, TPICKLER_MEMO) ||
	    !LHAS(c, TMEMOTABLE_TABLE) || !LHAS(c, TMEMOTABLE_ALLOCATED) ||
	    !LHAS(c, TSZ_MEMOENTRY) || !LHAS(c, TMEMOENTRY_KEY))
		return;
	if (!rd(c, c->obj + LOFF(c, TPICKLER_MEMO), &memo) || !memo ||
	    !rd(c, memo + LOFF(c, TMEMOTABLE_TABLE), &table) || !table ||
	    !rd(c, memo + LOFF(c, TMEMOTABLE_ALLOCATED), (uint64_t *)&n))
		return;
	if (!count_ok(c, n)) {
		bad(c, RH_BAD_DATA(memo, "pickler memo of %" PRId64 " entries", n));
		return;
	}
	uint64_t esz = LOFF(c, TSZ_MEMOENTRY), koff = LOFF(c, TMEMOENTRY_KEY), k;
	bool visited = pickle_memo_visited(c->rt);
	for (int64_t i = n - 1; i >= 0 && !done(c); i--)
		if (rd(c, table + (uint64_t)i * esz + koff, &k))
			emit(c, k, RH_REF_ITEM, visited, "memo key", (uint64_t)i, 0);
}

static void sp_unpickler_memo(struct vctx *c)
{
	uint64_t memo;
	int64_t n;
	if (!LHAS(c, TUNPICKLER_MEMO) || !LHAS(c, TUNPICKLER_MEMO_SIZE))
		return;
	if (!rd(c, c->obj + LOFF(c, TUNPICKLER_MEMO), &memo) || !memo ||
	    !rd(c, c->obj + LOFF(c, TUNPICKLER_MEMO_SIZE), (uint64_t *)&n))
		return;
	if (!count_ok(c, n)) {
		bad(c, RH_BAD_DATA(c->obj, "unpickler memo of %" PRId64 " entries", n));
		return;
	}
	visit_array_as(c, memo, (uint64_t)n, true, pickle_memo_visited(c->rt), RH_REF_ITEM,
		       "memo", 0);
}

/* Pdata, Modules/_pickle.c: the stack of a running unpickler, Py_SIZE(self)
 * objects at self->data, each an owned reference (Pdata_push steals one,
 * Pdata_dealloc drops them) that no traverse visits: 3.8-3.11's Pdata_Type
 * has no tp_traverse, 3.12+'s Pdata_traverse() visits the type only. Read
 * as owned: unread, what a pickle.load() in progress had stacked looked
 * leaked (590 objects of a Sphinx build's heap, issue 12's real heaps). */
static void sp_pdata(struct vctx *c)
{
	uint64_t data, n;
	if (!LHAS(c, TPDATA_DATA) || !rd(c, c->obj + LOFF(c, TPDATA_DATA), &data) || !data ||
	    !rd(c, c->obj + PYL(c->rt, OB_SIZE), &n))
		return;
	if (!count_ok(c, (int64_t)n)) {
		bad(c, RH_BAD_DATA(c->obj, "unpickler stack of %" PRId64 " items", (int64_t)n));
		return;
	}
	visit_array_as(c, data, n, false, false, RH_REF_ITEM, "stack item", 0);
}

/* CDataType_traverse(), Modules/_ctypes/_ctypes.c 3.8-3.12:
 * PyType_stgdict(self), the type's tp_dict when its type is exactly
 * StgDict, then Py_VISIT(dict->proto). */
static void sp_ctypes_stgdict(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t dict, dtype, proto;
	if (!LHAS(c, TSTGDICT_PROTO) || !PYL_HAS(rt, TTP_DICT) ||
	    !rd(c, c->obj + PYL(rt, TTP_DICT), &dict) || !dict ||
	    !rd(c, dict + PYL(rt, OB_TYPE), &dtype))
		return;
	const char *name = rh_py_type_name(rt, dtype);
	if (!name || strcmp(name, "StgDict") != 0)
		return;
	if (rd(c, dict + LOFF(c, TSTGDICT_PROTO), &proto))
		emit(c, proto, RH_REF_FIELD, true, "StgDict proto", 0, 0);
}

/* CType_Type_traverse(), Modules/_ctypes/_ctypes.c 3.13: the StgInfo
 * lives right after the type object, at
 * _Py_SIZE_ROUND_UP(PyType_Type.tp_basicsize, ALIGNOF_MAX_ALIGN_T)
 * (_PyStgInfo_FromType_NoState, Modules/_ctypes/ctypes.h): proto,
 * argtypes, converters, restype, checker, pointer_type (3.14+), module. */
static void sp_ctypes_stginfo(struct vctx *c)
{
	static const struct { int l; const char *name; } f[] = {
		{ PYL_TSTGINFO_PROTO, "proto" }, { PYL_TSTGINFO_ARGTYPES, "argtypes" },
		{ PYL_TSTGINFO_CONVERTERS, "converters" }, { PYL_TSTGINFO_RESTYPE, "restype" },
		{ PYL_TSTGINFO_CHECKER, "checker" },
		{ PYL_TSTGINFO_POINTER_TYPE, "pointer_type" }, { PYL_TSTGINFO_MODULE, "module" },
	};
	uint64_t info = c->obj + (((uint64_t)PYL(c->rt, SZ_HEAPTYPE) + 15) & ~(uint64_t)15), v;
	for (size_t i = 0; i < N(f) && !done(c); i++)
		if (c->L[f[i].l].found &&
		    rd(c, info + (uint64_t)c->L[f[i].l].value, &v))
			emit(c, v, RH_REF_FIELD, true, f[i].name, 0, 0);
}

/*
 * simplequeue_traverse(), Modules/_queuemodule.c 3.13-3.15: RingBuf_At(buf,
 * i) for i < num_items, items[(get_idx + i) % items_cap], in the
 * module's own layouts (c->L).
 */
static void sp_simplequeue(struct vctx *c)
{
	const struct rh_layout_value *L = c->L;
	if (!L[PYL_TSIMPLEQUEUE_BUF].found || !L[PYL_TRINGBUF_GET_IDX].found ||
	    !L[PYL_TRINGBUF_ITEMS].found || !L[PYL_TRINGBUF_ITEMS_CAP].found ||
	    !L[PYL_TRINGBUF_NUM_ITEMS].found)
		return;
	uint64_t buf = c->obj + (uint64_t)L[PYL_TSIMPLEQUEUE_BUF].value;
	uint64_t get, items, cap, n;
	if (!rd(c, buf + (uint64_t)L[PYL_TRINGBUF_GET_IDX].value, &get) ||
	    !rd(c, buf + (uint64_t)L[PYL_TRINGBUF_ITEMS].value, &items) ||
	    !rd(c, buf + (uint64_t)L[PYL_TRINGBUF_ITEMS_CAP].value, &cap) ||
	    !rd(c, buf + (uint64_t)L[PYL_TRINGBUF_NUM_ITEMS].value, &n))
		return;
	if (!count_ok(c, (int64_t)cap) || !count_ok(c, (int64_t)n) || n > cap ||
	    (cap && get >= cap) || (n && !items)) {
		bad(c, RH_BAD_DATA(c->obj, "SimpleQueue 0x%" PRIx64 " has %" PRId64 " items from %"
				   PRId64 " in a ring of %" PRId64, c->obj, (int64_t)n,
				   (int64_t)get, (int64_t)cap));
		return;
	}
	// oldest first: from get_idx to the end of the array, then from 0
	uint64_t first = n < cap - get ? n : cap - get;
	visit_array(c, items + get * 8, first, false, RH_REF_ITEM, NULL, 0);
	if (!done(c))
		visit_array(c, items, n - first, false, RH_REF_ITEM, NULL, first);
}

/*
 * The attributes a code object computes on first use and keeps (3.12+,
 * Objects/codeobject.c): co_code, co_varnames, co_cellvars and
 * co_freevars are built by _PyCode_GetCode() / get_cached_locals() into
 * the PyMem block _co_cached points at, and released with it by
 * code_dealloc() (3.12-3.15). 3.11 kept only the first,
 * in the code object itself (_co_code, a field of F_code). Owned, not
 * visited: code objects have no tp_traverse. Without them every tuple of
 * names a dataclass's or a class body's code was asked for looked leaked,
 * held by a 32-byte block refheap could not type.
 */
static void sp_code_cached(struct vctx *c)
{
	static const struct { int l; const char *name; } f[] = {
		{ PYL_TCOCACHED_CODE, "_co_cached._co_code" },
		{ PYL_TCOCACHED_VARNAMES, "_co_cached._co_varnames" },
		{ PYL_TCOCACHED_CELLVARS, "_co_cached._co_cellvars" },
		{ PYL_TCOCACHED_FREEVARS, "_co_cached._co_freevars" },
	};
	uint64_t cached, v;
	if (!c->L[PYL_TCO_CACHED].found ||
	    !rd(c, c->obj + (uint64_t)c->L[PYL_TCO_CACHED].value, &cached) || !cached)
		return;
	for (size_t i = 0; i < N(f) && !done(c); i++)
		if (c->L[f[i].l].found && rd(c, cached + (uint64_t)c->L[f[i].l].value, &v))
			emit(c, v, RH_REF_FIELD, false, f[i].name, 0, 0);
}

/*
 * capsule_traverse(), Objects/capsule.c 3.13: calls the capsule's
 * traverse_func. The one CPython installs (_PyCapsule_SetTraverse) is
 * Modules/socketmodule.c sock_capi_traverse(): Py_VISIT(capi->Sock_Type)
 * of the PySocketModule_APIObject at `pointer`, a struct read with the
 * DWARF of the module that holds the function. Any other function is
 * unknown: the capsule's C data is not scanned, and a problem says so.
 */
static void sp_capsule(struct vctx *c)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t fn, ptr, v;
	if (!PYL_HAS(rt, TCAPSULE_TRAVERSE) || !PYL_HAS(rt, TCAPSULE_POINTER) ||
	    !rd(c, c->obj + PYL(rt, TCAPSULE_TRAVERSE), &fn) || !fn ||
	    !rd(c, c->obj + PYL(rt, TCAPSULE_POINTER), &ptr))
		return;
	const struct rh_module *m = NULL;
	const char *name = NULL;
	uint64_t off = 1;
	// by its C name: "sock_capi_traverse.lto_priv.0" in LTO builds
	if (rh_image_symbolize(rt->image, fn, &m, &name, &off) && off == 0 && name &&
	    rh_image_c_name_len(name) == strlen("sock_capi_traverse") &&
	    strncmp(name, "sock_capi_traverse", strlen("sock_capi_traverse")) == 0 && m) {
		uint32_t ls = m == rt->info.module ? 0 : lset_of(rt, m, name);
		const struct rh_layout_value *L = c->tv->lsets[ls].L;
		if (L && L[PYL_TSOCKCAPI_SOCK_TYPE].found && ptr &&
		    rd(c, ptr + (uint64_t)L[PYL_TSOCKCAPI_SOCK_TYPE].value, &v))
			emit(c, v, RH_REF_FIELD, true, "Sock_Type", 0, 0);
		return;
	}
	// Modules/_cursesmodule.c curses_capi_capsule_traverse() (3.14+):
	// the first word of the C API array, the window type
	if (name && m && off == 0 &&
	    rh_image_c_name_len(name) == strlen("curses_capi_capsule_traverse") &&
	    strncmp(name, "curses_capi_capsule_traverse",
		    strlen("curses_capi_capsule_traverse")) == 0) {
		if (ptr && rd(c, ptr, &v))
			emit(c, v, RH_REF_FIELD, true, "window type", 0, 0);
		return;
	}
	bad(c, RH_BAD_DATA(c->obj, "capsule traverse function %s is unknown: its references are not reported",
			   name ? name : "(no symbol)"));
}

/*
 * Cython 0.29's __Pyx_CyFunction_traverse() (CythonFunction.c) ends by
 * visiting the first defaults_pyobjects pointers of `defaults`, the
 * PyObject_Malloc'd struct of a function's dynamic default values (its
 * object members come first), when it is set.
 */
static void sp_cyfunc_defaults(struct vctx *c)
{
	const struct rh_layout_value *L = c->L;
	uint64_t defaults, npy;
	if (!L[PYL_TCYF_DEFAULTS].found || !L[PYL_TCYF_DEFAULTS_PYOBJECTS].found ||
	    !rd(c, c->obj + (uint64_t)L[PYL_TCYF_DEFAULTS].value, &defaults) || !defaults ||
	    !rd(c, c->obj + (uint64_t)L[PYL_TCYF_DEFAULTS_PYOBJECTS].value, &npy))
		return;
	int64_t n = (int32_t)(uint32_t)npy;   /* an int */
	if (!count_ok(c, n)) {
		bad(c, RH_BAD_DATA(c->obj, "Cython function's defaults_pyobjects %" PRId64 " is impossible", n));
		return;
	}
	visit_array(c, defaults, (uint64_t)n, false, RH_REF_FIELD, "default", 0);
}

static void run_special(struct vctx *c, enum special sp, bool owner_heap)
{
	switch (sp) {
	case SP_NONE:
		break;
	case SP_SUBTYPE:
		// Only reached through a direct type (run_row never gets a
		// subtype row as a tail).
		sp_subtype(c, c->ti);
		break;
	case SP_TUPLE: sp_tuple(c); break;
	case SP_STRUCTSEQ: sp_structseq(c); break;
	case SP_LIST: sp_list(c); break;
	case SP_DICT: sp_dict(c); break;
	case SP_SET: sp_set(c); break;
	case SP_TYPE: sp_type(c); break;
	case SP_MODULE: sp_module(c); break;
	case SP_CFUNC: sp_cfunc(c); break;
	case SP_FRAME: sp_frame(c); break;
	case SP_GEN: sp_gen(c); break;
	case SP_DEQUE: sp_deque(c); break;
	case SP_ODICT: sp_odict(c); break;
	case SP_LRU: sp_lru(c, owner_heap); break;
	case SP_TEEDATA: sp_teedata(c); break;
	case SP_HAMT_BITMAP:
	case SP_HAMT_ARRAY:
	case SP_HAMT_COLLISION:
		sp_hamt(c, sp);
		break;
	case SP_MANAGED_DICT: managed_dict(c, c->ti); break;
	case SP_SQLITE_CTX: sp_sqlite_ctx(c); break;
	case SP_SQLITE_CACHE: sp_sqlite_cache(c); break;
	case SP_PICKLER_MEMO: sp_pickler_memo(c); break;
	case SP_UNPICKLER_MEMO: sp_unpickler_memo(c); break;
	case SP_PDATA: sp_pdata(c); break;
	case SP_CTYPES_STGDICT: sp_ctypes_stgdict(c); break;
	case SP_CTYPES_STGINFO: sp_ctypes_stginfo(c); break;
	case SP_CAPSULE: sp_capsule(c); break;
	case SP_CYFUNC_DEFAULTS: sp_cyfunc_defaults(c); break;
	case SP_CODE_CACHED: sp_code_cached(c); break;
	case SP_SIMPLEQUEUE: sp_simplequeue(c); break;
	}
}

/*
 * Whether the interpreter has patch fix `fix` (OP_VISIT_FIX): a change of
 * behaviour in patch releases with no change of layout (the member was
 * always there, not visited), so the version decides.
 * - gh-140000, 3.13.10 and 3.14.1 on: typevar_traverse(),
 *   paramspec_traverse(), typevartuple_traverse() and typealias_traverse()
 *   (Objects/typevarobject.c) visit the object's name.
 * - gh-142516, 3.13.14 and 3.14.4 on: _ssl's context_traverse()
 *   (Modules/_ssl.c) visits keylog_filename, psk_client_callback and
 *   psk_server_callback. The extension module is of the interpreter's
 *   own build, hence of its version.
 */
static bool fix_in(const struct rh_py_runtime *rt, enum patch_fix fix)
{
	uint32_t v = rt->info.version_hex >> 8;  /* 0xMMmmpp */
	switch (fix) {
	case FIX_GH140000:
		return (v >= 0x030d0a && v < 0x030e00) || v >= 0x030e01;
	case FIX_GH142516:
		return (v >= 0x030d0e && v < 0x030e00) || v >= 0x030e04;
	}
	return false;
}

/*
 * Run row tf on c->obj: its fields in order (the special code where the
 * row places it, else after the fields), then its tail. owner_heap: the
 * type that supplies this traverse function is a heap type.
 */
static void run_decoded(struct vctx *c, uint32_t plan, bool owner_heap, int depth)
{
	struct py_traverse *tv = c->tv;
	if (plan == 0 || plan >= tv->ndplans || depth > MAX_TAIL_DEPTH)
		return;
	struct dplan p = tv->dplans[plan];
	if (p.base_tf != TF_NONE)
		run_row(c, p.base_tf, owner_heap, depth + 1);
	for (uint32_t i = 0; i < p.n && !done(c); i++) {
		uint64_t off = tv->doffs[p.first + i] & ~1u, v;
		bool tagged = tv->doffs[p.first + i] & 1u;
		// the object's own type (a subclass) is at least as large
		if (off + 8 > (uint64_t)c->ti->basicsize) {
			bad(c, RH_BAD_DATA(c->obj, "a Cython traverse visits offset %" PRIu64 " beyond the object's basic size %" PRId64,
					   off, c->ti->basicsize));
			return;
		}
		if (!rd(c, c->obj + off, &v))
			return;
		// a mypyc tagged int: a boxed int only with its tag bit set
		// (CPyTagged_CheckLong), and 1 is an unset attribute
		if (tagged && (!(v & 1) || v == 1))
			continue;
		emit(c, tagged ? v & ~(uint64_t)1 : v, RH_REF_FIELD, true,
		     tagged ? "attribute (tagged int)" : "attribute", 0, 0);
	}
}

static void run_row(struct vctx *c, uint32_t tf, bool owner_heap, int depth)
{
	uint32_t row = TF_ROW(tf), ls = TF_LSET(tf);
	if (tf != TF_NONE && tf != TF_UNKNOWN && row == TF_DECODED) {
		run_decoded(c, ls, owner_heap, depth);
		return;
	}
	if (tf == TF_NONE || tf == TF_UNKNOWN || row >= NTFUNCS ||
	    ls >= c->tv->nlsets || !c->tv->lsets[ls].L || depth > MAX_TAIL_DEPTH)
		return;
	const struct tfunc *f = &tfuncs[row];
	const struct rh_layout_value *L = c->tv->lsets[ls].L;
	c->L = L;
	if (f->special == SP_SUBTYPE && depth > 0)
		return;   // subtype_traverse is never a base's traverse
	bool special_done = false;
	for (size_t i = 0; i < f->nfields && !done(c); i++) {
		const struct fld *fl = &f->fields[i];
		uint64_t v;
		switch (fl->op) {
		case OP_SPECIAL:
			run_special(c, f->special, owner_heap);
			special_done = true;
			break;
		case OP_TYPE:
			if (owner_heap)
				emit(c, c->type, RH_REF_TYPE, true, NULL, 0, 0);
			break;
		case OP_REQUIRE:
		case OP_ABSENT:
		case OP_NEEDS:
			break;
		case OP_VISIT_FIX:
			if (!L[fl->layout].found || !fix_in(c->rt, (enum patch_fix)fl->cond))
				break;
			if (!rd(c, c->obj + (uint64_t)L[fl->layout].value, &v))
				return;
			emit(c, v, RH_REF_FIELD, true, fl->name, 0, 0);
			break;
		case OP_VISIT:
		case OP_VISIT_HEAP:
		case OP_OWNED:
		case OP_WEAK:
			if (!L[fl->layout].found || !L[fl->cond].found)
				break;
			if (!rd(c, c->obj + (uint64_t)L[fl->layout].value, &v))
				return;
			if (fl->op == OP_WEAK)
				emit(c, v, RH_REF_WEAK, false, fl->name, 0, 0);
			else
				emit(c, v, RH_REF_FIELD,
				     fl->op == OP_VISIT || (fl->op == OP_VISIT_HEAP && owner_heap),
				     fl->name, 0, 0);
			break;
		}
	}
	if (!special_done && !done(c))
		run_special(c, f->special, owner_heap);
	if (c->tv->tail[row] != TF_NONE && !done(c))
		run_row(c, TF_MAKE(c->tv->tail[row], ls), owner_heap, depth + 1);
}

/*
 * ctypes' StgDict (Modules/_ctypes/ctypes.h, 3.8-3.12; gone in 3.13): a
 * dict subclass that inherits dict_traverse, so gc sees only its items,
 * yet it owns the fields after the dict (StgDict_clear() Py_CLEARs them):
 * the class's _type_ or _fields_ prototype, argtypes, the argtypes'
 * from_param converters, restype, errcheck. The struct is the same in
 * every version with it: size, align, length, an ffi_type (24 bytes),
 * then proto at +48, setfunc/getfunc/paramfunc, argtypes at +80,
 * converters +88, restype +96, checker +104, then flags, format, ndim,
 * shape: 144 bytes after the PyDictObject (checked with the DWARF of
 * _ctypes on 3.8, 3.11 and 3.12; the type's tp_basicsize must agree).
 */
static void stgdict_fields(struct vctx *c)
{
	static const struct {
		uint64_t off;
		const char *name;
	} f[] = {
		{ 48, "proto" }, { 80, "argtypes" }, { 88, "converters" },
		{ 96, "restype" }, { 104, "checker" },
	};
	uint64_t base = c->obj + (uint64_t)PYL(c->rt, TSZ_DICT), v;
	for (size_t i = 0; i < N(f) && !done(c); i++) {
		if (!rd(c, base + f[i].off, &v))
			return;
		emit(c, v, RH_REF_FIELD, false, f[i].name, 0, 0);
	}
}

struct rh_error *py_traverse_prepare(struct rh_py_runtime *rt)
{
	return rt->traverse ? NULL : traverse_init(rt);
}

struct rh_error *rh_py_referents(struct rh_py_runtime *rt, uint64_t obj,
				 uint64_t type, rh_py_ref_fn *fn, void *arg)
{
	struct rh_error *err;
	if (!rt->traverse && (err = traverse_init(rt)))
		return err;
	const struct tinfo *ti = tinfo_get(rt, type);
	if (!ti)
		return rh_enomem;
	struct vctx c = {
		.rt = rt, .tv = rt->traverse, .fn = fn, .arg = arg,
		.obj = obj, .type = type, .ti = ti,
	};
	// PyObject_IS_GC(): Py_TPFLAGS_HAVE_GC, and tp_is_gc (type objects:
	// heap types only) when the type has one.
	c.gc = (ti->flags & PY_TPFLAGS_HAVE_GC) != 0;
	if (c.gc && ti->has_is_gc) {
		uint64_t flags;
		if (!rd(&c, obj + PYL(rt, TP_FLAGS), &flags))
			return c.err;
		c.gc = (flags & PY_TPFLAGS_HEAPTYPE) != 0;
	}
	// tinfo_get() may grow the type table while we run (a base type read
	// the first time): keep a copy of our record.
	struct tinfo self = *ti;
	c.ti = &self;
	if (self.tf == TF_UNKNOWN)
		unknown_traverse(&c, self.heap, self.basicsize, self.itemsize, NULL);
	else if (self.tf != TF_NONE)
		run_row(&c, self.tf, self.heap, 0);
	if (self.stgdict && !done(&c))
		stgdict_fields(&c);
	if (c.err)
		return rh_error_prefix(c.err, "referents of %s object 0x%" PRIx64,
				       rh_py_type_name(rt, type), obj);
	return NULL;
}

enum rh_py_traverse_kind rh_py_traverse_kind(struct rh_py_runtime *rt, uint64_t type)
{
	if (!rt->traverse && traverse_init(rt))
		return RH_PY_TRAVERSE_UNKNOWN;
	const struct tinfo *ti = tinfo_get(rt, type);
	if (!ti || ti->tf == TF_UNKNOWN)
		return RH_PY_TRAVERSE_UNKNOWN;
	if (ti->tf == TF_NONE)
		return RH_PY_TRAVERSE_NONE;
	if (ti->tf == TF_SUBTYPE && ti->base_tf == TF_UNKNOWN)
		return RH_PY_TRAVERSE_UNKNOWN;
	uint32_t tf = ti->tf == TF_SUBTYPE ? ti->base_tf : ti->tf;
	if (tf != TF_NONE && TF_LSET(tf) != 0)
		return RH_PY_TRAVERSE_EXTENSION;
	return RH_PY_TRAVERSE_INTERPRETER;
}
