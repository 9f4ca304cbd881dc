/*
 * Shallow object sizes, equal to sys.getsizeof().
 *
 * sys.getsizeof(o) is type(o).__sizeof__(o) plus what precedes the object
 * (Python/sysmodule.c _PySys_GetSizeOf: sizeof(PyGC_Head) for GC objects in
 * 3.8-3.10, _PyType_PreHeaderSize() from 3.11, which adds two words for
 * managed dict/weakref types). Most types inherit object.__sizeof__
 * (Objects/typeobject.c object___sizeof___impl: tp_basicsize +
 * Py_SIZE * tp_itemsize); the containers below define their own, and each
 * function cites the one it mirrors.
 */
#include "config.h"

#include <inttypes.h>

#include "cpython/py_internal.h"
#include "target/target.h"
#include "util/error.h"

struct size_ctx {
	struct rh_py_runtime *rt;
	uint64_t addr;
	struct rh_error *err;
};

/* Read a word; the first failure is kept and later reads give 0. */
static uint64_t rd64(struct size_ctx *c, uint64_t addr)
{
	uint64_t v = 0;
	if (c->err)
		return 0;
	c->err = rh_target_read_u64(c->rt->target, addr, &v);
	return c->err ? 0 : v;
}

static uint32_t rd32(struct size_ctx *c, uint64_t addr)
{
	uint32_t v = 0;
	if (c->err)
		return 0;
	c->err = rh_target_read_u32(c->rt->target, addr, &v);
	return c->err ? 0 : v;
}

static uint8_t rd8(struct size_ctx *c, uint64_t addr)
{
	uint8_t v = 0;
	if (c->err)
		return 0;
	c->err = rh_target_read(c->rt->target, addr, &v, 1);
	return c->err ? 0 : v;
}

#define USABLE_FRACTION(n) (((n) << 1) / 3)

/*
 * _PyDict_KeysSize(): Objects/dictobject.c. 3.8-3.10: header + index bytes
 * (1/2/4/8 per slot by table size) + usable * sizeof(PyDictKeyEntry);
 * 3.11+: header + (1 << dk_log2_index_bytes) + usable * entry size, the
 * entry being PyDictUnicodeEntry unless dk_kind is DICT_KEYS_GENERAL (0).
 */
static uint64_t keys_size(struct size_ctx *c, uint64_t keys, uint64_t *nslots_ret)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t hdr = (uint64_t)PYL(rt, SZ_DICTKEYS);
	if (PYL_HAS(rt, DK_SIZE)) {
		uint64_t size = rd64(c, keys + PYL(rt, DK_SIZE));
		if (size > (1ULL << 40))
			size = 0;
		unsigned width = size <= 0xff ? 1 : size <= 0xffff ? 2 :
				 size <= 0xffffffff ? 4 : 8;
		if (nslots_ret)
			*nslots_ret = size;
		return hdr + width * size +
		       USABLE_FRACTION(size) * (uint64_t)PYL(rt, SZ_DICTKEYENTRY);
	}
	unsigned log2_size = rd8(c, keys + PYL(rt, DK_LOG2_SIZE));
	unsigned log2_index = rd8(c, keys + PYL(rt, DK_LOG2_INDEX_BYTES));
	unsigned kind = rd8(c, keys + PYL(rt, DK_KIND));
	if (log2_size > 40 || log2_index > 43)
		return hdr;
	uint64_t size = 1ULL << log2_size;
	if (nslots_ret)
		*nslots_ret = size;
	uint64_t esize = (uint64_t)(kind == 0 ? PYL(rt, SZ_DICTKEYENTRY)
					      : PYL(rt, SZ_DICTUNICODEENTRY));
	return hdr + (1ULL << log2_index) + USABLE_FRACTION(size) * esize;
}

/*
 * _PyDict_SizeOf(), Objects/dictobject.c: the object, the values array of
 * a split table (3.8-3.10: USABLE_FRACTION(dk_size) slots; 3.11+:
 * dk_nentries + dk_usable), and the keys when this dict alone owns them
 * (dk_refcnt == 1: shared keys are counted with the type).
 */
static uint64_t dict_size(struct size_ctx *c, const struct py_type *tp, uint64_t op)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t res = (uint64_t)tp->basicsize;
	uint64_t keys = rd64(c, op + PYL(rt, DICT_KEYS));
	uint64_t values = rd64(c, op + PYL(rt, DICT_VALUES));
	if (!keys || c->err)
		return res;
	uint64_t nslots = 0;
	uint64_t ksize = keys_size(c, keys, &nslots);
	if (values) {
		if (PYL_HAS(rt, DK_SIZE))
			res += USABLE_FRACTION(nslots) * 8;
		else
			res += (rd64(c, keys + PYL(rt, DK_NENTRIES)) +
				rd64(c, keys + PYL(rt, DK_USABLE))) * 8;
	}
	if (rd64(c, keys + PYL(rt, DK_REFCNT)) == 1)
		res += ksize;
	return res;
}

/*
 * Code object slots of a frame: 3.11+ _PyFrame_NumSlotsForCodeObject()
 * (co_framesize - FRAME_SPECIALS_SIZE == co_nlocalsplus + co_stacksize);
 * 3.8-3.10 frame_sizeof(): co_stacksize + co_nlocals + len(co_cellvars) +
 * len(co_freevars).
 */
static uint64_t code_slots(struct size_ctx *c, uint64_t code)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t stack = rd32(c, code + PYL(rt, CO_STACKSIZE));
	if (PYL_HAS(rt, CO_NLOCALSPLUS))
		return stack + rd32(c, code + PYL(rt, CO_NLOCALSPLUS));
	uint64_t n = stack + rd32(c, code + PYL(rt, CO_NLOCALS));
	if (PYL_HAS(rt, CO_CELLVARS)) {
		uint64_t cells = rd64(c, code + PYL(rt, CO_CELLVARS));
		uint64_t frees = rd64(c, code + PYL(rt, CO_FREEVARS));
		if (cells)
			n += rd64(c, cells + PYL(rt, OB_SIZE));
		if (frees)
			n += rd64(c, frees + PYL(rt, OB_SIZE));
	}
	return n;
}

/* The code object of an interpreter frame (3.11+): f_code, or 3.13's f_executable. */
static uint64_t iframe_code(struct size_ctx *c, uint64_t iframe)
{
	struct rh_py_runtime *rt = c->rt;
	int64_t off = PYL_HAS(rt, IFRAME_CODE) ? PYL(rt, IFRAME_CODE)
					       : PYL(rt, IFRAME_EXECUTABLE);
	return rd64(c, iframe + off);
}

static uint64_t frame_size(struct size_ctx *c, const struct py_type *tp, uint64_t op)
{
	struct rh_py_runtime *rt = c->rt;
	if (PYL_HAS(rt, FRAME_CODE)) {
		// 3.8-3.10 frame_sizeof(): one slot is inside PyFrameObject.
		uint64_t code = rd64(c, op + PYL(rt, FRAME_CODE));
		uint64_t extras = code ? code_slots(c, code) : 0;
		return (uint64_t)PYL(rt, SZ_FRAMEOBJECT) + (extras - 1) * 8;
	}
	if (PYL_HAS(rt, FRAME_FRAME) && PYL_HAS(rt, FRAME_DATA) &&
	    PYL_HAS(rt, IFRAME_LOCALSPLUS)) {
		// 3.11+ frame_sizeof(), Objects/frameobject.c.
		uint64_t iframe = rd64(c, op + PYL(rt, FRAME_FRAME));
		uint64_t code = iframe ? iframe_code(c, iframe) : 0;
		return (uint64_t)(PYL(rt, FRAME_DATA) + PYL(rt, IFRAME_LOCALSPLUS)) +
		       (code ? code_slots(c, code) : 0) * 8;
	}
	return (uint64_t)tp->basicsize;
}

static uint64_t gen_size(struct size_ctx *c, const struct py_type *tp, uint64_t op)
{
	struct rh_py_runtime *rt = c->rt;
	// 3.8-3.10 generators use object.__sizeof__; 3.11+ gen_sizeof()
	// (Objects/genobject.c) counts the embedded frame's slots.
	if (!PYL_HAS(rt, GEN_IFRAME) || !PYL_HAS(rt, IFRAME_LOCALSPLUS))
		return (uint64_t)tp->basicsize;
	uint64_t code = PYL_HAS(rt, GEN_CODE) ? rd64(c, op + PYL(rt, GEN_CODE))
					      : iframe_code(c, op + PYL(rt, GEN_IFRAME));
	return (uint64_t)(PYL(rt, GEN_IFRAME) + PYL(rt, IFRAME_LOCALSPLUS)) +
	       (code ? code_slots(c, code) : 0) * 8;
}

uint64_t py_object_size(struct rh_py_runtime *rt, const struct py_type *tp,
			uint64_t addr)
{
	struct size_ctx c = { .rt = rt, .addr = addr };
	uint64_t size;
	switch (tp->size_kind) {
	case PY_SIZE_LIST:
		// list___sizeof__: the object plus the allocated item array.
		size = (uint64_t)tp->basicsize + rd64(&c, addr + PYL(rt, LIST_ALLOCATED)) * 8;
		break;
	case PY_SIZE_DICT:
		size = dict_size(&c, tp, addr);
		break;
	case PY_SIZE_ODICT: {
		// odict_sizeof(), Objects/odictobject.c: the dict, the fast-node
		// table and one _ODictNode per item.
		size = dict_size(&c, tp, addr);
		if (PYL_HAS(rt, ODICT_FAST_NODES_SIZE) && PYL_HAS(rt, SZ_ODICTNODE)) {
			size += rd64(&c, addr + PYL(rt, ODICT_FAST_NODES_SIZE)) * 8;
			size += rd64(&c, addr + PYL(rt, DICT_USED)) * (uint64_t)PYL(rt, SZ_ODICTNODE);
		}
		break;
	}
	case PY_SIZE_SET: {
		// set_sizeof(): the table, unless it is the embedded smalltable.
		size = (uint64_t)tp->basicsize;
		uint64_t table = rd64(&c, addr + PYL(rt, SET_TABLE));
		if (table != addr + (uint64_t)PYL(rt, SET_SMALLTABLE))
			size += (rd64(&c, addr + PYL(rt, SET_MASK)) + 1) *
				(uint64_t)PYL(rt, SZ_SETENTRY);
		break;
	}
	case PY_SIZE_DEQUE: {
		// deque_sizeof(), Modules/_collectionsmodule.c: whole blocks of
		// BLOCKLEN items from leftindex.
		size = (uint64_t)tp->basicsize;
		if (PYL_HAS(rt, DEQUE_LEFTINDEX) && PYL(rt, SZ_DEQUE_BLOCK) > 16) {
			uint64_t blocklen = (uint64_t)(PYL(rt, SZ_DEQUE_BLOCK) - 16) / 8;
			uint64_t n = rd64(&c, addr + PYL(rt, OB_SIZE)) +
				     rd64(&c, addr + PYL(rt, DEQUE_LEFTINDEX));
			size += (n + blocklen - 1) / blocklen * (uint64_t)PYL(rt, SZ_DEQUE_BLOCK);
		}
		break;
	}
	case PY_SIZE_TYPE: {
		// type___sizeof__(): PyHeapTypeObject plus its cached shared
		// keys for heap types, PyTypeObject for static ones.
		uint64_t flags = rd64(&c, addr + PYL(rt, TP_FLAGS));
		if (flags & PY_TPFLAGS_HEAPTYPE) {
			size = (uint64_t)PYL(rt, SZ_HEAPTYPE);
			uint64_t keys = rd64(&c, addr + PYL(rt, HT_CACHED_KEYS));
			if (keys)
				size += keys_size(&c, keys, NULL);
		} else {
			// Static types have no PyGC_Head in front of them, and
			// sys.getsizeof() adds nothing for them.
			return c.err ? (uint64_t)tp->basicsize : (uint64_t)PYL(rt, SZ_TYPE);
		}
		break;
	}
	case PY_SIZE_FRAME:
		size = frame_size(&c, tp, addr);
		break;
	case PY_SIZE_GEN:
		size = gen_size(&c, tp, addr);
		break;
	case PY_SIZE_GENERIC:
	default:
		size = (uint64_t)tp->basicsize;
		if (tp->itemsize > 0) {
			int64_t n = (int64_t)rd64(&c, addr + PYL(rt, OB_SIZE));
			if (n < 0)
				n = -n;
			size += (uint64_t)n * (uint64_t)tp->itemsize;
		}
		break;
	}
	if (c.err) {
		rh_problems_add_error(rt->problems, c.err,
				      "size of %s object 0x%" PRIx64 " (counted as its basic size)",
				      tp->name, addr);
		size = (uint64_t)tp->basicsize;
	}
	return size + (uint64_t)tp->presize;
}
