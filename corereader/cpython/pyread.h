/*
 * Reading small CPython values out of the target: str, bytes, tuples and
 * dicts. Shared by the files of the CPython layer (runtime.c for
 * sys.version, roots.c for sys.modules, frames and code objects).
 *
 * Every reader bounds what it copies by the caller's buffer or by a fixed
 * cap, never by a count read from the target alone; none allocates.
 */
#ifndef RH_CPYTHON_PYREAD_H
#define RH_CPYTHON_PYREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_error;
struct rh_py_runtime;

/**
 * Read the str object at addr as UTF-8 into buf (size max >= 1), always
 * NUL-terminated; a string longer than the buffer is cut at a code point
 * boundary and *truncated_ret set. Code points are copied as they are
 * (a lone surrogate becomes its 3-byte form, a NUL a NUL byte): the text
 * is untrusted bytes for the report layer to escape. *len_ret (may be
 * NULL) gets the number of bytes written, without the NUL.
 * U+0000 is written C0 80 and a lone surrogate as its 3-byte form
 * (ED A0..BF xx): buf stays one C string, and report/escape.c shows both.
 *
 * Only compact strings are read (every str made by CPython 3.3+ except
 * legacy PyUnicode_FromUnicode(NULL, n) ones): PyASCIIObject.state says
 * compact/ascii/kind (Include/cpython/unicodeobject.h).
 *
 * Errors: RH_ERR_FAULT, RH_ERR_BAD_DATA (not a compact str).
 */
struct rh_error *py_read_str(struct rh_py_runtime *rt, uint64_t addr,
			     char *buf, size_t max, size_t *len_ret,
			     bool *truncated_ret);

/**
 * Where the bytes of a bytes object are: *data_ret = &ob_sval[0],
 * *len_ret = ob_size (checked non-negative, below 2^40).
 * Errors: RH_ERR_FAULT, RH_ERR_BAD_DATA.
 */
struct rh_error *py_read_bytes_span(struct rh_py_runtime *rt, uint64_t addr,
				    uint64_t *data_ret, uint64_t *len_ret);

/**
 * Where the items of a tuple are: *items_ret = &ob_item[0], *len_ret =
 * ob_size (checked non-negative, below 2^32).
 * Errors: RH_ERR_FAULT, RH_ERR_BAD_DATA.
 */
struct rh_error *py_read_tuple_span(struct rh_py_runtime *rt, uint64_t addr,
				    uint64_t *items_ret, uint64_t *len_ret);

/**
 * Called for each live entry of a dict: its key, its value, and the
 * address of the slot holding the value. Return non-zero to stop.
 */
typedef int py_dict_entry_fn(void *arg, uint64_t key, uint64_t value,
			     uint64_t value_slot);

/**
 * Visit the entries of the dict at addr in entry order (insertion order
 * for combined tables; for split tables, the shared keys' order). Mirrors
 * the layouts of Objects/dictobject.c: 3.8-3.10 keep dk_size and
 * PyDictKeyEntry {hash, key, value} after indices of 1/2/4/8 bytes, and
 * split values in a PyObject * array; 3.11+ keep dk_log2_size /
 * dk_log2_index_bytes and, for dk_kind != DICT_KEYS_GENERAL,
 * PyDictUnicodeEntry {key, value}; split values live in struct
 * _dictvalues (values[] at offset 0 in 3.11/3.12, after a 4-byte header
 * in 3.13).
 *
 * The number of entries is checked against the table size, so a corrupt
 * dk_nentries cannot drive the loop past the table.
 *
 * Errors: RH_ERR_FAULT, RH_ERR_BAD_DATA (entries reported before the error
 * stand).
 */
struct rh_error *py_dict_for_each(struct rh_py_runtime *rt, uint64_t addr,
				  py_dict_entry_fn *fn, void *arg);

/**
 * The value of str key `name` in the dict at addr.
 * Errors: RH_ERR_NOT_FOUND, RH_ERR_FAULT, RH_ERR_BAD_DATA.
 */
struct rh_error *py_dict_find_str(struct rh_py_runtime *rt, uint64_t addr,
				  const char *name, uint64_t *value_ret);

/**
 * A word of a frame's f_executable, f_funcobj or localsplus[] as an object
 * address, or 0 when it is none. Before 3.14 the word is a PyObject *.
 * 3.14+ (DWARF has _PyStackRef): a tagged word (Include/internal/
 * pycore_stackref.h, the build with the GIL): low bits 00, a pointer
 * owning a reference; 01, a borrowed (deferred) pointer with bit 0 set,
 * owning none (PyStackRef_NULL is 1, a borrowed NULL); 11, a tagged
 * small int (PyStackRef_TagInt), no object; 10, 3.15's Py_TAG_INVALID,
 * a wrapped non-object pointer (PyStackRef_Wrap). *borrowed_ret (may be
 * NULL) is set for 01.
 */
uint64_t py_stackref(const struct rh_py_runtime *rt, uint64_t word, bool *borrowed_ret);

#endif /* RH_CPYTHON_PYREAD_H */
