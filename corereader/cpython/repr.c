/*
 * Short reprs of objects and labels of references; see repr.h.
 *
 * The kind of an object is told by the tp_flags subclass bits that every
 * builtin sets (Include/object.h: Py_TPFLAGS_LONG_SUBCLASS ...
 * Py_TPFLAGS_TYPE_SUBCLASS, bits 24-31, the same in 3.8-3.14) and, for
 * float/function/module/code, by the static type's name. Singletons are
 * recognised by address (_Py_NoneStruct, _Py_TrueStruct, _Py_FalseStruct).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpython/py_internal.h"
#include "cpython/pyread.h"
#include "cpython/repr.h"
#include "cpython/traverse.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

#define TPF_LONG (1UL << 24)
#define TPF_LIST (1UL << 25)
#define TPF_TUPLE (1UL << 26)
#define TPF_BYTES (1UL << 27)
#define TPF_UNICODE (1UL << 28)
#define TPF_DICT (1UL << 29)
#define TPF_TYPE (1UL << 31)

/* Quote a str object's contents: 'abc' or 'abc...' when cut. */
static void quote_str(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len)
{
	char text[RH_PY_REPR_MAX_CONTENT + 8];
	size_t n;
	bool cut = false;
	struct rh_error *err = py_read_str(rt, addr, text, sizeof(text) - 4, &n, &cut);
	if (err) {
		rh_error_destroy(err);
		snprintf(buf, len, "<unreadable str>");
		return;
	}
	// The contents may hold NUL bytes: copy by length, not with %s.
	size_t room = len > 8 ? len - 8 : 0;
	if (n > room)
		n = room, cut = true;
	size_t o = 0;
	buf[o++] = '\'';
	memcpy(buf + o, text, n);
	o += n;
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
}

static void quote_bytes(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len)
{
	uint64_t data, n;
	struct rh_error *err = py_read_bytes_span(rt, addr, &data, &n);
	if (err) {
		rh_error_destroy(err);
		snprintf(buf, len, "<unreadable bytes>");
		return;
	}
	unsigned char raw[RH_PY_REPR_MAX_CONTENT];
	size_t take = n < sizeof(raw) ? (size_t)n : sizeof(raw);
	err = rh_target_read(rt->target, data, raw, take);
	if (err) {
		rh_error_destroy(err);
		snprintf(buf, len, "<bytes len %" PRIu64 ">", n);
		return;
	}
	size_t o = 0;
	o += (size_t)snprintf(buf + o, len - o, "b'");
	for (size_t i = 0; i < take && o + 8 < len; i++) {
		unsigned char c = raw[i];
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	snprintf(buf + o, len - o, "%s'", take < n ? "..." : "");
}

/*
 * An int's value: 30-bit digits after ob_size (<=3.11, sign in ob_size) or
 * lv_tag (3.12+: digit count in tag >> 3, sign in tag & 3: 0 positive,
 * 1 zero, 2 negative), Objects/longobject.c.
 */
static void int_value(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len)
{
	uint64_t ndigits;
	bool negative;
	int64_t digits_off;
	struct rh_error *err;
	if (PYL_HAS(rt, LONG_TAG)) {
		uint64_t tag;
		if ((err = rh_target_read_u64(rt->target, addr + PYL(rt, LONG_TAG), &tag)))
			goto unreadable;
		ndigits = tag >> 3;
		negative = (tag & 3) == 2;
		digits_off = PYL(rt, LONG_DIGIT_312);
	} else {
		int64_t size;
		if ((err = rh_target_read_i64(rt->target, addr + PYL(rt, OB_SIZE), &size)))
			goto unreadable;
		negative = size < 0;
		ndigits = (uint64_t)(size < 0 ? -size : size);
		digits_off = PYL(rt, LONG_DIGIT);
	}
	if (ndigits > 2) {
		snprintf(buf, len, "<int of %" PRIu64 " digits>", ndigits);
		return;
	}
	uint32_t d[2] = { 0, 0 };
	if (ndigits && (err = rh_target_read(rt->target, addr + (uint64_t)digits_off, d,
					     ndigits * sizeof(d[0]))))
		goto unreadable;
	uint64_t v = (uint64_t)d[0] | (uint64_t)d[1] << 30;
	snprintf(buf, len, "%s%" PRIu64, negative ? "-" : "", v);
	return;
unreadable:
	rh_error_destroy(err);
	snprintf(buf, len, "<unreadable int>");
}

/* "<kind 'name'>" with the name read from a str field, or "<kind>". */
static void named(struct rh_py_runtime *rt, const char *kind, uint64_t str_field,
		  char *buf, size_t len)
{
	uint64_t s = 0;
	char name[128];
	size_t n;
	struct rh_error *err = str_field ? rh_target_read_u64(rt->target, str_field, &s) : NULL;
	if (!err && s)
		err = py_read_str(rt, s, name, sizeof(name), &n, NULL);
	if (err || !s) {
		rh_error_destroy(err);
		snprintf(buf, len, "<%s>", kind);
		return;
	}
	if (strcmp(kind, "class") == 0 || strcmp(kind, "module") == 0)
		snprintf(buf, len, "<%s '%s'>", kind, name);
	else
		snprintf(buf, len, "<%s %s>", kind, name);
}

static int64_t length_of(struct rh_py_runtime *rt, uint64_t addr, uint64_t flags)
{
	uint64_t v = 0;
	struct rh_error *err;
	if (flags & TPF_DICT)
		err = rh_target_read_u64(rt->target, addr + PYL(rt, DICT_USED), &v);
	else
		err = rh_target_read_u64(rt->target, addr + PYL(rt, OB_SIZE), &v);
	if (err) {
		rh_error_destroy(err);
		return -1;
	}
	return (int64_t)v;
}

static void repr_depth(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len,
		       unsigned depth);

/*
 * A short tuple as Python shows it, its items one level deep: a tuple
 * used as a dict key then labels as [('user', 42)], not [<tuple len 2>].
 * False when it is too long or unreadable (the caller says <tuple len N>).
 */
#define REPR_TUPLE_MAX 6
static bool tuple_items(struct rh_py_runtime *rt, uint64_t addr, int64_t n, char *buf,
			size_t len, unsigned depth)
{
	if (depth > 0 || n < 0 || n > REPR_TUPLE_MAX || !PYL_HAS(rt, TTUPLE_ITEM) || len < 8)
		return false;
	uint64_t items[REPR_TUPLE_MAX];
	struct rh_error *err = n ? rh_target_read(rt->target, addr + PYL(rt, TTUPLE_ITEM), items,
						  (size_t)n * sizeof(items[0])) : NULL;
	if (err) {
		rh_error_destroy(err);
		return false;
	}
	size_t used = (size_t)snprintf(buf, len, "(");
	for (int64_t k = 0; k < n && used < len; k++) {
		char item[RH_PY_REPR_MAX_CONTENT + 24];
		repr_depth(rt, items[k], item, sizeof(item), depth + 1);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "", item);
	}
	if (used < len)
		snprintf(buf + used, len - used, n == 1 ? ",)" : ")");
	return true;
}

void rh_py_repr(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len)
{
	repr_depth(rt, addr, buf, len, 0);
}

static void repr_depth(struct rh_py_runtime *rt, uint64_t addr, char *buf, size_t len,
		       unsigned depth)
{
	uint64_t type;
	struct rh_error *err = rh_target_read_u64(rt->target, addr + PYL(rt, OB_TYPE), &type);
	if (err) {
		rh_error_destroy(err);
		snprintf(buf, len, "<unreadable object 0x%" PRIx64 ">", addr);
		return;
	}
	if (!rt->repr_ready) {
		rt->none_addr = py_symbol(rt, "_Py_NoneStruct");
		rt->true_addr = py_symbol(rt, "_Py_TrueStruct");
		rt->false_addr = py_symbol(rt, "_Py_FalseStruct");
		rt->repr_ready = true;
	}
	if (addr == rt->none_addr) {
		snprintf(buf, len, "None");
		return;
	}
	if (addr == rt->true_addr || addr == rt->false_addr) {
		snprintf(buf, len, "%s", addr == rt->true_addr ? "True" : "False");
		return;
	}
	const struct py_type *tp = py_type_get(rt, type);
	if (!tp) {
		snprintf(buf, len, "<object 0x%" PRIx64 ">", addr);
		return;
	}
	uint64_t f = tp->flags;
	bool heap = (f & PY_TPFLAGS_HEAPTYPE) != 0;
	if (f & TPF_UNICODE) {
		quote_str(rt, addr, buf, len);
	} else if (f & TPF_BYTES) {
		quote_bytes(rt, addr, buf, len);
	} else if (f & TPF_LONG) {
		int_value(rt, addr, buf, len);
	} else if (f & TPF_TYPE) {
		// Heap types: the qualified name; static types: tp_name, which
		// carries the module ("collections.OrderedDict").
		uint64_t tflags = 0;
		if ((err = rh_target_read_u64(rt->target, addr + PYL(rt, TP_FLAGS), &tflags)))
			rh_error_destroy(err);
		if ((tflags & PY_TPFLAGS_HEAPTYPE) && PYL_HAS(rt, RP_HT_QUALNAME)) {
			named(rt, "class", addr + (uint64_t)PYL(rt, RP_HT_QUALNAME), buf, len);
		} else {
			snprintf(buf, len, "<class '%s'>", rh_py_type_name(rt, addr));
		}
	} else if (!heap && strcmp(tp->name, "float") == 0 && PYL_HAS(rt, RP_FLOAT_FVAL)) {
		double v;
		if ((err = rh_target_read(rt->target, addr + PYL(rt, RP_FLOAT_FVAL), &v, sizeof(v)))) {
			rh_error_destroy(err);
			snprintf(buf, len, "<unreadable float>");
		} else {
			snprintf(buf, len, "%.17g", v);
		}
	} else if (!heap && strcmp(tp->name, "function") == 0 && PYL_HAS(rt, RP_FUNC_QUALNAME)) {
		named(rt, "function", addr + (uint64_t)PYL(rt, RP_FUNC_QUALNAME), buf, len);
	} else if (!heap && strcmp(tp->name, "code") == 0 && PYL_HAS(rt, RP_CO_NAME)) {
		named(rt, "code", addr + (uint64_t)PYL(rt, RP_CO_NAME), buf, len);
	} else if (!heap && strcmp(tp->name, "module") == 0 && PYL_HAS(rt, RP_MOD_NAME)) {
		named(rt, "module", addr + (uint64_t)PYL(rt, RP_MOD_NAME), buf, len);
	} else if (f & (TPF_LIST | TPF_TUPLE | TPF_DICT)) {
		int64_t n = length_of(rt, addr, f);
		if (!(f & TPF_TUPLE) || heap || !tuple_items(rt, addr, n, buf, len, depth))
			snprintf(buf, len, "<%s len %" PRId64 ">", tp->name, n);
	} else {
		snprintf(buf, len, "<%s object>", tp->name);
	}
}

/* The text of a str naming an attribute or a local; false if unreadable. */
static bool key_name(struct rh_py_runtime *rt, uint64_t str, char *buf, size_t len)
{
	size_t n;
	if (!str)
		return false;
	struct rh_error *err = py_read_str(rt, str, buf, len, &n, NULL);
	rh_error_destroy(err);
	return err == NULL;
}

void rh_py_ref_label(struct rh_py_runtime *rt, const struct rh_py_ref *ref,
		     char *buf, size_t len)
{
	char key[RH_PY_REPR_MAX_CONTENT + 24];
	switch (ref->kind) {
	case RH_REF_FIELD:
		snprintf(buf, len, "%s", ref->name ? ref->name : "field");
		break;
	case RH_REF_ITEM:
		snprintf(buf, len, "[%" PRIu64 "]", ref->index);
		break;
	case RH_REF_DICT_KEY:
		snprintf(buf, len, "key #%" PRIu64, ref->index);
		break;
	case RH_REF_DICT_VALUE:
		if (ref->key) {
			rh_py_repr(rt, ref->key, key, sizeof(key));
			snprintf(buf, len, "[%s]", key);
		} else {
			snprintf(buf, len, "value #%" PRIu64, ref->index);
		}
		break;
	case RH_REF_ATTRIBUTE:
		if (key_name(rt, ref->key, key, sizeof(key)))
			snprintf(buf, len, ".%s", key);
		else
			snprintf(buf, len, ".<attribute>");
		break;
	case RH_REF_SLOT:
		snprintf(buf, len, ".%s", ref->name ? ref->name : "<slot>");
		break;
	case RH_REF_LOCAL:
		if (key_name(rt, ref->key, key, sizeof(key)))
			snprintf(buf, len, "local '%s'", key);
		else
			snprintf(buf, len, "local #%" PRIu64, ref->index);
		break;
	case RH_REF_TYPE:
		snprintf(buf, len, "__class__");
		break;
	case RH_REF_WEAK:
		snprintf(buf, len, "%s (weak)", ref->name ? ref->name : "referent");
		break;
	case RH_REF_CONSERVATIVE:
	default:
		snprintf(buf, len, "+0x%" PRIx64 " (conservative)", ref->index);
		break;
	}
}
