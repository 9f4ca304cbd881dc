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

/*
 * Sizes are computed from counts read out of the target, which a stale or
 * corrupt header can make anything: every sum and product saturates at
 * UINT64_MAX instead of wrapping, and py_object_size() then refuses what
 * exceeds the core.
 */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
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
		return add_sat(hdr + width * size,
			       mul_sat(USABLE_FRACTION(size), (uint64_t)PYL(rt, SZ_DICTKEYENTRY)));
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
			res = add_sat(res, mul_sat(add_sat(rd64(c, keys + PYL(rt, DK_NENTRIES)),
							   rd64(c, keys + PYL(rt, DK_USABLE))), 8));
	}
	if (rd64(c, keys + PYL(rt, DK_REFCNT)) == 1)
		res = add_sat(res, ksize);
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
			n = add_sat(n, rd64(c, cells + PYL(rt, OB_SIZE)));
		if (frees)
			n = add_sat(n, rd64(c, frees + PYL(rt, OB_SIZE)));
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
		return add_sat((uint64_t)PYL(rt, SZ_FRAMEOBJECT),
			       mul_sat(extras ? extras - 1 : 0, 8));
	}
	if (PYL_HAS(rt, FRAME_FRAME) && PYL_HAS(rt, FRAME_DATA) &&
	    PYL_HAS(rt, IFRAME_LOCALSPLUS)) {
		// 3.11+ frame_sizeof(), Objects/frameobject.c.
		uint64_t iframe = rd64(c, op + PYL(rt, FRAME_FRAME));
		uint64_t code = iframe ? iframe_code(c, iframe) : 0;
		return add_sat((uint64_t)(PYL(rt, FRAME_DATA) + PYL(rt, IFRAME_LOCALSPLUS)),
			       mul_sat(code ? code_slots(c, code) : 0, 8));
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
	return add_sat((uint64_t)(PYL(rt, GEN_IFRAME) + PYL(rt, IFRAME_LOCALSPLUS)),
		       mul_sat(code ? code_slots(c, code) : 0, 8));
}

/*
 * long___sizeof___impl(), Objects/longobject.c: offsetof(ob_digit) plus the
 * digits. <=3.11 count digits as |ob_size|; 3.12+ as lv_tag >> 3
 * (_PyLong_DigitCount, NON_SIZE_BITS). From 3.11 at least one digit is
 * counted, since zero still allocates one (gh-90716 changed __sizeof__ in
 * 3.11; not visible in DWARF, hence the version test).
 */
static uint64_t long_size(struct size_ctx *c, uint64_t op)
{
	struct rh_py_runtime *rt = c->rt;
	uint64_t ndigits;
	int64_t digits_off;
	if (PYL_HAS(rt, LONG_TAG)) {
		ndigits = rd64(c, op + PYL(rt, LONG_TAG)) >> 3;
		digits_off = PYL(rt, LONG_DIGIT_312);
	} else {
		int64_t n = (int64_t)rd64(c, op + PYL(rt, OB_SIZE));
		ndigits = n == INT64_MIN ? UINT64_MAX : (uint64_t)(n < 0 ? -n : n);
		digits_off = PYL(rt, LONG_DIGIT);
	}
	if (ndigits == 0 && rt->info.version_hex >= 0x030b0000)
		ndigits = 1;
	return add_sat((uint64_t)digits_off, mul_sat(ndigits, (uint64_t)PYL(rt, SZ_DIGIT)));
}

static bool state_bit(const unsigned char *hdr, int64_t bit)
{
	return bit >= 0 && (hdr[bit / 8] >> (bit % 8)) & 1;
}

/*
 * unicode___sizeof___impl(), Objects/unicodeobject.c: compact ASCII
 * strings hold len+1 bytes after PyASCIIObject, other compact ones
 * (len+1)*kind after PyCompactUnicodeObject, legacy ones (every str
 * subclass instance) a separate data block; plus a wchar_t copy (<=3.11,
 * wstr, when not shared with the data) and a UTF-8 copy (utf8, when not
 * shared).
 */
static uint64_t unicode_size(struct size_ctx *c, uint64_t op)
{
	struct rh_py_runtime *rt = c->rt;
	unsigned char buf[128];
	size_t hlen = (size_t)PYL(rt, SZ_ASCII);
	if (hlen > sizeof(buf) || c->err)
		return 0;
	const unsigned char *hdr = py_view(rt->target, op, hlen, buf, &c->err);
	if (!hdr)
		return 0;
	int64_t kbit = PYL(rt, STR_STATE_KIND_BITS), kw = PYL(rt, STR_STATE_KIND_WIDTH);
	// Every field read below lies in the hlen bytes (hdr may be a view).
	if (kbit < 0 || kw <= 0 || kw > 8 || kbit / 8 + 2 > (int64_t)hlen ||
	    PYL(rt, STR_STATE_COMPACT_BITS) / 8 >= (int64_t)hlen ||
	    PYL(rt, STR_STATE_ASCII_BITS) / 8 >= (int64_t)hlen ||
	    PYL(rt, STR_STATE_READY_BITS) / 8 >= (int64_t)hlen ||
	    !py_field_fits((size_t)PYL(rt, STR_LENGTH), 8, hlen))
		return 0;
	uint64_t kind = ((hdr[kbit / 8] | hdr[kbit / 8 + 1] << 8) >> (kbit % 8)) & ((1u << kw) - 1);
	bool compact = state_bit(hdr, PYL(rt, STR_STATE_COMPACT_BITS));
	bool ascii = state_bit(hdr, PYL(rt, STR_STATE_ASCII_BITS));
	bool ready = !PYL_HAS(rt, STR_STATE_READY_BITS) ||
		     state_bit(hdr, PYL(rt, STR_STATE_READY_BITS));
	uint64_t len = py_get_u64(hdr, PYL(rt, STR_LENGTH));
	if (len > (1ULL << 40))
		len = 0;
	uint64_t size, data;
	if (compact && ascii) {
		size = (uint64_t)PYL(rt, SZ_ASCII) + len + 1;
		data = op + (uint64_t)PYL(rt, SZ_ASCII);
	} else if (compact) {
		size = (uint64_t)PYL(rt, SZ_COMPACT_UNICODE) + (len + 1) * kind;
		if (kind != 1 && kind != 2 && kind != 4)
			size = UINT64_MAX;  // PyUnicode_1BYTE/2BYTE/4BYTE_KIND only
		data = op + (uint64_t)PYL(rt, SZ_COMPACT_UNICODE);
	} else {
		size = (uint64_t)PYL(rt, SZ_UNICODE);
		data = rd64(c, op + PYL(rt, STR_DATA));
		if (data)
			size += (len + 1) * kind;
	}
	if (PYL_HAS(rt, STR_WSTR)) {
		uint64_t wstr = rd64(c, op + PYL(rt, STR_WSTR));
		if (wstr && (!ready || wstr != data)) {
			uint64_t wlen = compact && ascii ? len
				: rd64(c, op + PYL(rt, STR_WSTR_LENGTH));
			size = add_sat(size, mul_sat(add_sat(wlen, 1), 4));  // sizeof(wchar_t) on Linux
		}
	}
	if (!(compact && ascii)) {
		uint64_t utf8 = rd64(c, op + PYL(rt, STR_UTF8));
		if (utf8 && utf8 != data)
			size = add_sat(size, add_sat(rd64(c, op + PYL(rt, STR_UTF8_LENGTH)), 1));
	}
	return size;
}

void py_object_size_prefetch(struct rh_py_runtime *rt, const struct py_type *tp,
			     uint64_t addr)
{
	if (tp->size_kind != PY_SIZE_DICT && tp->size_kind != PY_SIZE_ODICT)
		return;
	const unsigned char *v = rh_target_view(rt->target, addr + PYL(rt, DICT_KEYS), 8);
	uint64_t keys;
	if (!v)
		return;
	memcpy(&keys, v, 8);
	const void *k = keys ? rh_target_view(rt->target, keys, 16) : NULL;
	if (k)
		__builtin_prefetch(k);
}

uint64_t py_object_size(struct rh_py_runtime *rt, const struct py_type *tp,
			uint64_t addr)
{
	return py_object_size_checked(rt, tp, addr, NULL);
}

uint64_t py_object_size_checked(struct rh_py_runtime *rt, const struct py_type *tp,
				uint64_t addr, bool *bad_ret)
{
	struct size_ctx c = { .rt = rt, .addr = addr };
	if (bad_ret)
		*bad_ret = false;
	uint64_t size;
	switch (tp->size_kind) {
	case PY_SIZE_LIST:
		// list___sizeof__: the object plus the allocated item array.
		size = add_sat((uint64_t)tp->basicsize,
			       mul_sat(rd64(&c, addr + PYL(rt, LIST_ALLOCATED)), 8));
		break;
	case PY_SIZE_DICT:
		size = dict_size(&c, tp, addr);
		break;
	case PY_SIZE_ODICT: {
		// odict_sizeof(), Objects/odictobject.c: the dict, the fast-node
		// table and one _ODictNode per item.
		size = dict_size(&c, tp, addr);
		if (PYL_HAS(rt, ODICT_FAST_NODES_SIZE) && PYL_HAS(rt, SZ_ODICTNODE)) {
			size = add_sat(size, mul_sat(rd64(&c, addr + PYL(rt, ODICT_FAST_NODES_SIZE)), 8));
			size = add_sat(size, mul_sat(rd64(&c, addr + PYL(rt, DICT_USED)),
						     (uint64_t)PYL(rt, SZ_ODICTNODE)));
		}
		break;
	}
	case PY_SIZE_SET: {
		// set_sizeof(): the table, unless it is the embedded smalltable.
		size = (uint64_t)tp->basicsize;
		uint64_t table = rd64(&c, addr + PYL(rt, SET_TABLE));
		if (table != addr + (uint64_t)PYL(rt, SET_SMALLTABLE))
			size = add_sat(size, mul_sat(add_sat(rd64(&c, addr + PYL(rt, SET_MASK)), 1),
						     (uint64_t)PYL(rt, SZ_SETENTRY)));
		break;
	}
	case PY_SIZE_DEQUE: {
		// deque_sizeof(), Modules/_collectionsmodule.c: whole blocks of
		// BLOCKLEN items from leftindex.
		size = (uint64_t)tp->basicsize;
		if (PYL_HAS(rt, DEQUE_LEFTINDEX) && PYL(rt, SZ_DEQUE_BLOCK) > 16) {
			uint64_t blocklen = (uint64_t)(PYL(rt, SZ_DEQUE_BLOCK) - 16) / 8;
			uint64_t n = add_sat(rd64(&c, addr + PYL(rt, OB_SIZE)),
					     rd64(&c, addr + PYL(rt, DEQUE_LEFTINDEX)));
			size = add_sat(size, mul_sat(n / blocklen + (n % blocklen != 0),
						     (uint64_t)PYL(rt, SZ_DEQUE_BLOCK)));
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
				size = add_sat(size, keys_size(&c, keys, NULL));
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
	case PY_SIZE_LONG:
		size = long_size(&c, addr);
		break;
	case PY_SIZE_UNICODE:
		size = unicode_size(&c, addr);
		break;
	case PY_SIZE_BUFFERED:
		// buffered_sizeof(), Modules/_io/bufferedio.c: plus the buffer.
		size = (uint64_t)tp->basicsize;
		if (PYL_HAS(rt, BUF_BUFFER) && PYL_HAS(rt, BUF_SIZE) &&
		    rd64(&c, addr + PYL(rt, BUF_BUFFER)))
			size = add_sat(size, rd64(&c, addr + PYL(rt, BUF_SIZE)));
		break;
	case PY_SIZE_UNMODELLED:
	case PY_SIZE_GENERIC:
	default:
		size = (uint64_t)tp->basicsize;
		if (tp->itemsize > 0) {
			int64_t n = (int64_t)rd64(&c, addr + PYL(rt, OB_SIZE));
			uint64_t un = n == INT64_MIN ? UINT64_MAX : (uint64_t)(n < 0 ? -n : n);
			size = add_sat(size, mul_sat(un, (uint64_t)tp->itemsize));
		}
		break;
	}
	if (c.err) {
		if (bad_ret) {
			*bad_ret = true;
			rh_error_destroy(c.err);
		} else {
			rh_problems_add_error(rt->problems, c.err,
					      "size of %s object 0x%" PRIx64
					      " (counted as its basic size)", tp->name, addr);
		}
		size = (uint64_t)tp->basicsize;
	}
	size = add_sat(size, (uint64_t)tp->presize);
	// No object is larger than the memory the target holds: a size
	// beyond it comes from a corrupt or stale count (a phantom's
	// ob_size that is really a pointer).
	if (size > rt->core_bytes) {
		if (bad_ret)
			*bad_ret = true;
		else
			rh_problems_add(rt->problems,
					"%s object 0x%" PRIx64 " claims %" PRIu64 " bytes, more"
					" than the target's %" PRIu64 " bytes of memory (counted as"
					" its basic size)", tp->name, addr, size, rt->core_bytes);
		size = (uint64_t)tp->basicsize + (uint64_t)tp->presize;
	}
	return size;
}

uint64_t py_object_inline_size(struct rh_py_runtime *rt, const struct py_type *tp,
			       uint64_t addr, bool *bad_ret)
{
	struct size_ctx c = { .rt = rt, .addr = addr };
	uint64_t size = (uint64_t)tp->basicsize;
	bool bad = tp->basicsize < 16;
	switch (tp->size_kind) {
	case PY_SIZE_LONG:
		size = long_size(&c, addr);
		break;
	case PY_SIZE_UNICODE: {
		// unicode_size() without the separately allocated copies:
		// a compact string's characters follow its header.
		unsigned char buf[128];
		size_t hlen = (size_t)PYL(rt, SZ_ASCII);
		int64_t kbit = PYL(rt, STR_STATE_KIND_BITS), kw = PYL(rt, STR_STATE_KIND_WIDTH);
		if (hlen > sizeof(buf) || kbit < 0 || kw <= 0 || kw > 8 ||
		    kbit / 8 + 2 > (int64_t)hlen ||
		    PYL(rt, STR_STATE_COMPACT_BITS) / 8 >= (int64_t)hlen ||
		    PYL(rt, STR_STATE_ASCII_BITS) / 8 >= (int64_t)hlen ||
		    !py_field_fits((size_t)PYL(rt, STR_LENGTH), 8, hlen)) {
			bad = true;
			break;
		}
		const unsigned char *hdr = py_view(rt->target, addr, hlen, buf, &c.err);
		if (!hdr)
			break;
		uint64_t kind = ((hdr[kbit / 8] | hdr[kbit / 8 + 1] << 8) >> (kbit % 8)) &
				((1u << kw) - 1);
		uint64_t len = py_get_u64(hdr, PYL(rt, STR_LENGTH));
		bool compact = state_bit(hdr, PYL(rt, STR_STATE_COMPACT_BITS));
		bool ascii = state_bit(hdr, PYL(rt, STR_STATE_ASCII_BITS));
		if (len > rt->core_bytes || (compact && kind != 1 && kind != 2 && kind != 4)) {
			bad = true;
			break;
		}
		if (compact && ascii)
			size = (uint64_t)PYL(rt, SZ_ASCII) + len + 1;
		else if (compact)
			size = (uint64_t)PYL(rt, SZ_COMPACT_UNICODE) + (len + 1) * kind;
		break;
	}
	case PY_SIZE_LIST: {
		// list_resize() (Objects/listobject.c) keeps 0 <= ob_size <=
		// allocated, and the item array is allocated * 8 bytes.
		int64_t n = (int64_t)rd64(&c, addr + PYL(rt, OB_SIZE));
		int64_t alloc = (int64_t)rd64(&c, addr + PYL(rt, LIST_ALLOCATED));
		uint64_t items = rd64(&c, addr + PYL(rt, LIST_ITEM));
		if (n < 0 || alloc < n || (uint64_t)alloc > rt->core_bytes / 8 ||
		    (alloc > 0 && !items))
			bad = true;
		break;
	}
	case PY_SIZE_DICT:
	case PY_SIZE_ODICT: {
		int64_t used = (int64_t)rd64(&c, addr + PYL(rt, DICT_USED));
		uint64_t keys = rd64(&c, addr + PYL(rt, DICT_KEYS));
		if (used < 0 || (uint64_t)used > rt->core_bytes / 16 || !keys)
			bad = true;
		break;
	}
	default:
		if (tp->itemsize > 0) {
			int64_t n = (int64_t)rd64(&c, addr + PYL(rt, OB_SIZE));
			uint64_t un = n == INT64_MIN ? UINT64_MAX : (uint64_t)(n < 0 ? -n : n);
			size = add_sat(size, mul_sat(un, (uint64_t)tp->itemsize));
		}
		break;
	}
	if (c.err) {
		rh_error_destroy(c.err);
		bad = true;
	}
	*bad_ret = bad || size > rt->core_bytes;
	return add_sat(size, (uint64_t)tp->presize);
}
