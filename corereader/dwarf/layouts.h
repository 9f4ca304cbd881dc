/*
 * Layouts: struct sizes, member offsets, array bounds, enum constants and
 * variable addresses, read by name from DWARF with libdwarf. This is the only
 * layer that includes libdwarf.
 *
 * The CPython layer states everything it needs as one table of queries
 * (struct rh_layout_query) and gets one table of answers back. Answering a
 * table needs one pass over the top-level DIEs of every compilation unit
 * (indexing just the names the table asks for), then a walk down the member
 * lists of the structs found. Answers are cached on disk per build-id and
 * per query table, so a second run over the same interpreter never opens the
 * DWARF at all.
 *
 * Type names are spelled as in C: "struct _is", "union _gc_head",
 * "enum _framestate", or a typedef / base type name ("PyInterpreterState",
 * "long"). Typedefs, const/volatile and declarations are looked through; the
 * first complete definition found wins.
 *
 * Member paths are dotted: "gc.generations", "ceval.gil.last_holder".
 * Members of anonymous structs and unions are found as C finds them (3.12's
 * PyObject has `union { ob_refcnt; ob_refcnt_split[2]; }` without a name).
 * An array index may appear in a path, "generations[1].count", and adds
 * index * element size.
 *
 * Handles DWARF 4 and 5 as gcc 12 emits them, including the split
 * early/late DIEs of LTO builds (Debian's python3.11): definitions are found
 * in whichever unit carries them.
 */
#ifndef RH_DWARF_LAYOUTS_H
#define RH_DWARF_LAYOUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rh_error;

enum rh_layout_kind {
	/** Byte size of `type` (member == NULL) or of the member's type. */
	RH_LAYOUT_SIZEOF,
	/**
	 * Byte offset of `member` (a path) from the start of `type`. For a
	 * bit-field: the byte holding its first bit (see BIT_OFFSET).
	 */
	RH_LAYOUT_OFFSET,
	/**
	 * Element count of array `member` of `type` (or of array type
	 * `type`): its first dimension. A flexible array member has count 0
	 * (found). "grid[1]" gives the second dimension of `int grid[3][5]`.
	 */
	RH_LAYOUT_COUNT,
	/** Bit offset from the start of `type` of a (bit-field) member. */
	RH_LAYOUT_BIT_OFFSET,
	/** Bit size of a bit-field member (byte size * 8 for ordinary ones). */
	RH_LAYOUT_BIT_SIZE,
	/** Value of enumerator `member`; `type` is the enum ("enum X") or NULL for any enum. */
	RH_LAYOUT_ENUM,
	/**
	 * Link-time address of variable `member` (type must be NULL): a
	 * DW_OP_addr location, directly or through DW_AT_specification /
	 * DW_AT_abstract_origin. The image layer adds the load bias.
	 */
	RH_LAYOUT_VARIABLE,
	/**
	 * Whether function `type` (a plain name) declares a local variable
	 * named `member`, in its body or a nested block: found, value 0. For
	 * a change of behaviour that no struct shows (a distribution may
	 * backport it into an older version).
	 */
	RH_LAYOUT_LOCAL,
};

struct rh_layout_query {
	enum rh_layout_kind kind;
	const char *type;
	const char *member;
};

struct rh_layout_value {
	/** False when the type, member or name does not exist in this DWARF. */
	bool found;
	int64_t value;
};

struct rh_layout_stats {
	bool from_cache;   /* answered from the on-disk cache */
	bool cache_written;
	double seconds;    /* wall time spent answering */
	unsigned units;    /* compilation units scanned (0 from cache) */
};

/**
 * Answer `n` queries for the binary whose DWARF is in `debug_path`.
 *
 * @param debug_path file with .debug_info (the binary itself or its
 *        separate debug file).
 * @param build_id_hex build-id of the binary, used as the cache key; NULL
 *        disables the cache. Hex digits only, at most 128 (it becomes part
 *        of a file name): anything else is RH_ERR_INVALID_ARGUMENT.
 * @param cache_dir directory for cache files (created if missing), or NULL
 *        for no cache. A cache file that is unreadable, corrupt or for
 *        another query table is ignored and rewritten; failing to write it
 *        is not an error.
 * @param values out: n answers, in query order. Written only on success.
 * @param stats out, may be NULL.
 *
 * Errors: RH_ERR_MISSING_DEBUG_INFO (no .debug_info in the file, or not
 * an ELF file: the message names the file), RH_ERR_OS (cannot open it;
 * errno and path set), RH_ERR_BAD_DATA (corrupt DWARF, libdwarf's message
 * kept; also type chains longer than 64 or anonymous members nested
 * deeper than 16), RH_ERR_INVALID_ARGUMENT (a malformed query: the
 * message gives its index), RH_ERR_NO_MEMORY. A query that finds nothing
 * is not an error: its value has found == false and the caller names what
 * is missing.
 */
struct rh_error *rh_layouts_resolve(const char *debug_path,
				    const char *build_id_hex,
				    const char *cache_dir,
				    const struct rh_layout_query *queries,
				    size_t n, struct rh_layout_value *values,
				    struct rh_layout_stats *stats);

/**
 * Default cache directory: $REFHEAP_CACHE_DIR, else $XDG_CACHE_HOME/refheap,
 * else $HOME/.cache/refheap; NULL when none can be formed. Returns a
 * malloc'd string the caller frees.
 */
char *rh_layouts_default_cache_dir(void);

#endif /* RH_DWARF_LAYOUTS_H */
