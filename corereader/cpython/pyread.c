/*
 * Reading str, bytes, tuples and dicts out of the target (see pyread.h).
 *
 * Layouts come from the DWARF table (layout_table.h and layouts_roots.h);
 * every size read from the target is checked before it bounds a loop or a
 * copy.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "cpython/py_internal.h"
#include "cpython/pyread.h"
#include "target/target.h"
#include "util/error.h"

/* Code points read from the target per rh_target_read() call. */
#define STR_CHUNK 256

/* Append code point cp as UTF-8 if it fits in buf[0..max-1); false if not. */
static bool put_utf8(char *buf, size_t max, size_t *out, uint32_t cp)
{
	unsigned char b[4];
	size_t n;
	if (cp == 0) {
		// NUL as C0 80 (modified UTF-8): a str holding NUL would
		// otherwise be cut where it is used as a C string (a module
		// name, a dict key in a label); report/escape.c shows it as NUL.
		b[0] = 0xc0;
		b[1] = 0x80;
		n = 2;
	} else if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		// UCS4 above 0x10ffff is invalid in a str; keep the low bits
		// so the output stays 4 bytes a code point.
		b[0] = (unsigned char)(0xf0 | ((cp >> 18) & 7));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*out + n >= max)
		return false;
	memcpy(buf + *out, b, n);
	*out += n;
	return true;
}

struct rh_error *py_read_str(struct rh_py_runtime *rt, uint64_t addr,
			     char *buf, size_t max, size_t *len_ret,
			     bool *truncated_ret)
{
	unsigned char hdr[128];
	size_t hlen = (size_t)PYL(rt, SZ_ASCII);
	if (hlen > sizeof(hdr) || hlen < 24 || max == 0)
		return RH_BAD_DATA(addr, "implausible PyASCIIObject size");
	struct rh_error *err = rh_target_read(rt->target, addr, hdr, hlen);
	if (err)
		return err;
	int64_t len = (int64_t)py_get_u64(hdr, PYL(rt, STR_LENGTH));
	int64_t kbit = PYL(rt, STR_STATE_KIND_BITS);
	int64_t kwidth = PYL(rt, STR_STATE_KIND_WIDTH);
	int64_t cbit = PYL(rt, STR_STATE_COMPACT_BITS);
	int64_t abit = PYL(rt, STR_STATE_ASCII_BITS);
	if (kbit < 0 || cbit < 0 || abit < 0 || kwidth <= 0 || kwidth > 8 ||
	    kbit / 8 + 2 > (int64_t)hlen || cbit / 8 >= (int64_t)hlen ||
	    abit / 8 >= (int64_t)hlen)
		return RH_BAD_DATA(addr, "implausible PyASCIIObject.state layout");
	unsigned kind = (unsigned)(((hdr[kbit / 8] | hdr[kbit / 8 + 1] << 8) >>
				    (kbit % 8)) & ((1u << kwidth) - 1));
	bool compact = (hdr[cbit / 8] >> (cbit % 8)) & 1;
	bool ascii = (hdr[abit / 8] >> (abit % 8)) & 1;
	// A str is at most PY_SSIZE_T_MAX / kind code points; anything near
	// 2^40 is a corrupt header, not a string.
	if (len < 0 || len >= ((int64_t)1 << 40) || !compact ||
	    (kind != 1 && kind != 2 && kind != 4))
		return RH_BAD_DATA(addr, "str at 0x%" PRIx64 " is not a compact string", addr);
	uint64_t data = addr + (uint64_t)(ascii ? PYL(rt, SZ_ASCII)
						: PYL(rt, SZ_COMPACT_UNICODE));
	size_t out = 0;
	bool truncated = false;
	unsigned char chunk[STR_CHUNK * 4];
	// Invariant: code points [0, i) are in buf, or truncated is set.
	for (int64_t i = 0; i < len && !truncated;) {
		size_t n = (size_t)(len - i) < STR_CHUNK ? (size_t)(len - i) : STR_CHUNK;
		// Never read more code points than could still fit.
		if (n > max - 1 - out)
			n = max - 1 - out;
		if (n == 0) {
			truncated = true;
			break;
		}
		err = rh_target_read(rt->target, data + (uint64_t)i * kind, chunk, n * kind);
		if (err)
			return err;
		for (size_t k = 0; k < n; k++) {
			uint32_t cp = 0;
			memcpy(&cp, chunk + k * kind, kind);
			if (!put_utf8(buf, max, &out, cp)) {
				truncated = true;
				break;
			}
		}
		i += (int64_t)n;
	}
	buf[out] = '\0';
	if (len_ret)
		*len_ret = out;
	if (truncated_ret)
		*truncated_ret = truncated;
	return NULL;
}

struct rh_error *py_read_bytes_span(struct rh_py_runtime *rt, uint64_t addr,
				    uint64_t *data_ret, uint64_t *len_ret)
{
	if (!PYL_HAS(rt, RBYTES_SVAL))
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "no PyBytesObject.ob_sval in the DWARF");
	uint64_t size;
	struct rh_error *err = rh_target_read_u64(rt->target, addr + PYL(rt, OB_SIZE), &size);
	if (err)
		return err;
	if ((int64_t)size < 0 || size >= (1ULL << 40))
		return RH_BAD_DATA(addr, "bytes at 0x%" PRIx64 " has size %" PRId64,
				   addr, (int64_t)size);
	*data_ret = addr + (uint64_t)PYL(rt, RBYTES_SVAL);
	*len_ret = size;
	return NULL;
}

struct rh_error *py_read_tuple_span(struct rh_py_runtime *rt, uint64_t addr,
				    uint64_t *items_ret, uint64_t *len_ret)
{
	if (!PYL_HAS(rt, RTUPLE_ITEM))
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "no PyTupleObject.ob_item in the DWARF");
	uint64_t size;
	struct rh_error *err = rh_target_read_u64(rt->target, addr + PYL(rt, OB_SIZE), &size);
	if (err)
		return err;
	if ((int64_t)size < 0 || size >= (1ULL << 32))
		return RH_BAD_DATA(addr, "tuple at 0x%" PRIx64 " has size %" PRId64,
				   addr, (int64_t)size);
	*items_ret = addr + (uint64_t)PYL(rt, RTUPLE_ITEM);
	*len_ret = size;
	return NULL;
}

struct rh_error *py_dict_for_each(struct rh_py_runtime *rt, uint64_t dict,
				  py_dict_entry_fn *fn, void *arg)
{
	struct rh_target *t = rt->target;
	uint64_t keys, values;
	struct rh_error *err;
	if ((err = rh_target_read_u64(t, dict + PYL(rt, DICT_KEYS), &keys)) ||
	    (err = rh_target_read_u64(t, dict + PYL(rt, DICT_VALUES), &values)))
		return err;
	if (!keys)
		return RH_BAD_DATA(dict, "dict 0x%" PRIx64 " has no keys object", dict);
	uint64_t nentries, entries, slots;
	size_t esize, koff, voff;
	if ((err = rh_target_read_u64(t, keys + PYL(rt, DK_NENTRIES), &nentries)))
		return err;
	if (PYL_HAS(rt, DK_SIZE)) {
		// 3.8-3.10: dk_size slots, indices of 1/2/4/8 bytes each.
		uint64_t size;
		if ((err = rh_target_read_u64(t, keys + PYL(rt, DK_SIZE), &size)))
			return err;
		if (size == 0 || size > (1ULL << 40) || (size & (size - 1)))
			return RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has dk_size %" PRIu64,
					   keys, size);
		unsigned width = size <= 0xff ? 1 : size <= 0xffff ? 2 :
				 size <= 0xffffffff ? 4 : 8;
		entries = keys + PYL(rt, DK_INDICES) + size * width;
		esize = (size_t)PYL(rt, SZ_DICTKEYENTRY);
		koff = (size_t)PYL(rt, DKE_KEY);
		voff = (size_t)PYL(rt, DKE_VALUE);
		slots = size;
	} else {
		// 3.11+: log2 sizes and a kind (Objects/dictobject.c
		// DK_ENTRIES / DK_UNICODE_ENTRIES).
		unsigned char b[3];
		if ((err = rh_target_read(t, keys + PYL(rt, DK_LOG2_SIZE), &b[0], 1)) ||
		    (err = rh_target_read(t, keys + PYL(rt, DK_LOG2_INDEX_BYTES), &b[1], 1)) ||
		    (err = rh_target_read(t, keys + PYL(rt, DK_KIND), &b[2], 1)))
			return err;
		if (b[0] > 40 || b[1] > 43)
			return RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has log2 size %u",
					   keys, b[0]);
		entries = keys + PYL(rt, DK_INDICES) + (1ULL << b[1]);
		bool general = b[2] == 0; // DICT_KEYS_GENERAL
		esize = (size_t)(general ? PYL(rt, SZ_DICTKEYENTRY) : PYL(rt, SZ_DICTUNICODEENTRY));
		koff = (size_t)(general ? PYL(rt, DKE_KEY) : PYL(rt, DUE_KEY));
		voff = (size_t)(general ? PYL(rt, DKE_VALUE) : PYL(rt, DUE_VALUE));
		slots = 1ULL << b[0];
	}
	// Usable entries are 2/3 of the slots; more than all of them is corrupt.
	if (nentries > slots)
		return RH_BAD_DATA(keys, "dict keys 0x%" PRIx64 " has %" PRIu64
				   " entries for %" PRIu64 " slots", keys, nentries, slots);
	if (esize == 0 || esize > 64 || koff + 8 > esize || voff + 8 > esize)
		return RH_BAD_DATA(keys, "implausible dict entry layout");
	// Split table: values live apart, indexed like the entries.
	uint64_t vbase = values ? values + (uint64_t)(PYL_HAS(rt, DV_VALUES) ? PYL(rt, DV_VALUES) : 0) : 0;
	for (uint64_t i = 0; i < nentries; i++) {
		unsigned char e[64];
		if ((err = rh_target_read(t, entries + i * esize, e, esize)))
			return err;
		uint64_t k = py_get_u64(e, (int64_t)koff);
		uint64_t slot = entries + i * esize + voff;
		uint64_t v = py_get_u64(e, (int64_t)voff);
		if (vbase) {
			slot = vbase + i * 8;
			if ((err = rh_target_read_u64(t, slot, &v)))
				return err;
		}
		if (!k || !v)
			continue;
		if (fn(arg, k, v, slot))
			return NULL;
	}
	return NULL;
}

struct find_ctx {
	struct rh_py_runtime *rt;
	const char *name;
	size_t nlen;
	uint64_t value;
	bool found;
};

static int find_entry(void *arg, uint64_t key, uint64_t value, uint64_t slot)
{
	(void)slot;
	struct find_ctx *c = arg;
	char kbuf[64];
	size_t len;
	bool trunc;
	struct rh_error *err = py_read_str(c->rt, key, kbuf, sizeof(kbuf), &len, &trunc);
	if (err) {
		// Non-str keys or unreadable ones cannot be the one we want.
		rh_error_destroy(err);
		return 0;
	}
	if (!trunc && len == c->nlen && memcmp(kbuf, c->name, len) == 0) {
		c->value = value;
		c->found = true;
		return 1;
	}
	return 0;
}

struct rh_error *py_dict_find_str(struct rh_py_runtime *rt, uint64_t dict,
				  const char *name, uint64_t *value_ret)
{
	struct find_ctx c = { .rt = rt, .name = name, .nlen = strlen(name) };
	struct rh_error *err = py_dict_for_each(rt, dict, find_entry, &c);
	if (err)
		return err;
	if (!c.found)
		return rh_error_create(RH_ERR_NOT_FOUND, "no key '%s' in dict 0x%" PRIx64,
				       name, dict);
	*value_ret = c.value;
	return NULL;
}

uint64_t py_stackref(const struct rh_py_runtime *rt, uint64_t word, bool *borrowed_ret)
{
	if (borrowed_ret)
		*borrowed_ret = false;
	if (!PYL_HAS(rt, SZ_STACKREF))
		return word;
	switch (word & 3) {
	case 0:
		return word;
	case 1:
		if (borrowed_ret)
			*borrowed_ret = true;
		return word & ~(uint64_t)1;
	default:
		return 0;
	}
}
