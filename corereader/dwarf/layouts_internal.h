/*
 * Internals shared by layouts.c (answering a query table from DWARF) and
 * layouts_cache.c (the on-disk cache of answers). Nothing outside dwarf/
 * includes this header; tests/unit/test_layouts.c does, to reach the pure
 * helpers below.
 */
#ifndef RH_DWARF_LAYOUTS_INTERNAL_H
#define RH_DWARF_LAYOUTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dwarf/layouts.h"

struct rh_error;

/**
 * Version of the cache file format and of the meaning of answers. Bump it
 * whenever an answer could change for the same DWARF and query table (a
 * resolution fix included): it is part of the query hash, so old cache
 * files stop matching instead of being trusted.
 */
#define RH_LAYOUTS_FORMAT_VERSION 1

/** First line of a cache file starts with this (then " <version>"). */
#define RH_LAYOUTS_CACHE_MAGIC "refheap-layouts"

/** Longest build-id accepted as a cache key, in hex digits. */
#define RH_LAYOUTS_BUILD_ID_MAX 128

/** Bounds on a query's member path (checked before any DWARF is read). */
#define RH_LAYOUTS_PATH_MAX_COMPONENTS 16
#define RH_LAYOUTS_PATH_MAX_INDEXES 8
#define RH_LAYOUTS_NAME_MAX 256

/**
 * Check a query table: kinds known, type and member present or absent as
 * each kind requires, type names spelled "struct X" / "union X" / "enum X"
 * or bare, member paths well formed ("a.b[2].c") and within the bounds
 * above. Errors: RH_ERR_INVALID_ARGUMENT naming the query by index.
 */
struct rh_error *rh_layouts_check_queries(const struct rh_layout_query *queries,
					  size_t n);

/**
 * 64-bit FNV-1a over RH_LAYOUTS_FORMAT_VERSION and every query's kind,
 * type and member (NULL told apart from ""). Two tables with the same
 * hash are treated as the same table by the cache.
 */
uint64_t rh_layouts_query_hash(const struct rh_layout_query *queries,
			       size_t n);

/** True when hex is a non-empty string of at most RH_LAYOUTS_BUILD_ID_MAX
 *  lowercase or uppercase hex digits: safe to put in a file name. */
bool rh_layouts_build_id_ok(const char *hex);

/**
 * Path of the cache file "<dir>/<build_id>-<qhash as 16 hex>.layout".
 * Returns a malloc'd string, or NULL on no memory.
 */
char *rh_layouts_cache_path(const char *cache_dir, const char *build_id_hex,
			    uint64_t qhash);

/**
 * Read the answers of a query table from the cache.
 *
 * The file is untrusted: anything unexpected (missing, unreadable, wrong
 * magic or version, other build-id, other query count or hash, a line
 * out of order, a value that does not parse, trailing bytes, too large)
 * makes this return false and leave `values` untouched. That is not an
 * error: the caller recomputes and rewrites the file. Returns true and
 * fills all n values only when the whole file checks out.
 */
bool rh_layouts_cache_read(const char *cache_dir, const char *build_id_hex,
			   uint64_t qhash, size_t n,
			   struct rh_layout_value *values);

/**
 * Write the answers to the cache: create cache_dir (and parents, mode
 * 0700) if needed, write a temporary file in it, then rename it over the
 * final name, so that a reader never sees half a file. Returns whether the
 * file is now in place; failing is not an error (read-only home, full
 * disk), only a missed speed-up.
 */
bool rh_layouts_cache_write(const char *cache_dir, const char *build_id_hex,
			    uint64_t qhash, size_t n,
			    const struct rh_layout_value *values);

/**
 * Answer a query table from the DWARF in debug_path, without the cache.
 * Same contract as rh_layouts_resolve(); `units` gets the number of
 * compilation units scanned. The queries must have passed
 * rh_layouts_check_queries().
 */
struct rh_error *rh_layouts_scan(const char *debug_path,
				 const struct rh_layout_query *queries,
				 size_t n, struct rh_layout_value *values,
				 unsigned *units);

/**
 * Bit position of a DWARF 2/3 bit-field from the start of its struct.
 * DW_AT_bit_offset counts from the most significant bit of a storage unit
 * of `storage_bytes` bytes that starts at byte `byte_offset`
 * (DW_AT_data_member_location); on a little-endian target the most
 * significant bit is the last one, so the position is mirrored. Returns
 * false when the numbers contradict each other (the field does not fit in
 * its storage unit).
 */
bool rh_layouts_dwarf3_bit_position(uint64_t byte_offset,
				    uint64_t storage_bytes,
				    uint64_t bit_offset, uint64_t bit_size,
				    bool little_endian, uint64_t *ret);

/**
 * Canonical spelling of a C base type name, the one gcc writes in
 * DW_AT_name: "long" -> "long int", "unsigned long" -> "long unsigned
 * int", "unsigned" -> "unsigned int", "short" -> "short int". Names that
 * are not made only of the words char/short/int/long/signed/unsigned are
 * copied unchanged, so typedef names and "double" pass through. Writes at
 * most `size` bytes including the NUL; returns false if that is too small.
 */
bool rh_layouts_canonical_base_name(const char *name, char *buf,
				    size_t size);

#endif /* RH_DWARF_LAYOUTS_INTERNAL_H */
