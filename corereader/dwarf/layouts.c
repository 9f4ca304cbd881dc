/*
 * Layouts: answering a table of queries (sizes, member offsets, array
 * counts, bit-fields, enumerators, variable addresses) from DWARF with
 * libdwarf. See layouts.h for the contract; the cache is layouts_cache.c.
 *
 * How it works, and where to start reading (rh_layouts_scan):
 *
 * 1. One pass over the top-level DIEs of every compilation unit (the
 *    children of each unit DIE). C has no nested type scopes, so every
 *    type and global variable a query can name is a child of its unit;
 *    function bodies and struct member lists are skipped through siblings,
 *    never entered. The pass keeps a table of names:
 *    - the names the queries ask for ("wanted"): typedefs and base types,
 *      variables, and enumerators of queries that name no enum;
 *    - every named struct, union and enum tag with the offset of its
 *      first complete definition. Tags are kept even when no query names
 *      them because a typedef usually points at a declaration only
 *      (`typedef struct _is PyInterpreterState;` is in every unit, `struct
 *      _is {...}` in a few), and the unit with the definition may come
 *      before the unit where the typedef was first seen.
 *    A wanted typedef is followed to its end the first time it is seen,
 *    so the pass knows when every query has what it needs and stops early.
 *
 * 2. Variables in LTO builds are split: the DIE with the DW_OP_addr
 *    location (in an ltrans unit, early in the file) has no name, only a
 *    DW_AT_abstract_origin to an early-debug DIE, whose
 *    DW_AT_specification points to the named declaration (Debian's
 *    python3.11). Non-LTO builds have the shorter `definition
 *    --specification--> declaration` chain. The pass records the links of
 *    unnamed variable DIEs (offset -> target) and the (target, address)
 *    pairs of those with a location, and the offsets of named DIEs of
 *    wanted variables; chains are joined in memory, without re-reading
 *    DIEs (resolve_variables()).
 *
 * 3. Answers: each query's type is looked through typedefs and
 *    cv-qualifiers to its definition, then its member path is walked one
 *    member list at a time (anonymous struct/union members searched as C
 *    does), summing bit positions.
 *
 * The DWARF is untrusted (a core's debug file may come from anywhere): type
 * chains are bounded (TYPE_CHAIN_MAX hops), anonymous member nesting and
 * array nesting are bounded, sibling walks require strictly increasing
 * DIE offsets (a hostile DW_AT_sibling cannot make them loop), and every
 * size computation checks for overflow.
 */
#include "config.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <libdwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dwarf/layouts.h"
#include "dwarf/layouts_internal.h"
#include "util/error.h"

/* Hops through typedefs and qualifiers before we call it a cycle. */
#define TYPE_CHAIN_MAX 64
/* Anonymous struct/union members inside each other, and arrays of arrays. */
#define NESTING_MAX 16
/* Dimensions of one array type. */
#define ARRAY_DIMS_MAX 16
/* Links from a located variable DIE to its named declaration (LTO: 2). */
#define VAR_CHAIN_MAX 8
/* Typedefs of one name tried before giving up (each may end anonymous). */
#define TYPEDEF_TRIES_MAX 8

#define NO_ENTRY_IDX UINT32_MAX
#define DIM_UNKNOWN UINT64_MAX

/* ------------------------------------------------------------ names */

/*
 * Name spaces of C, as the index keeps them apart: "struct X" and a
 * typedef X are different names. Enumerators and variables share C's
 * ordinary name space but are looked for in different DIEs.
 */
enum name_ns {
	NS_STRUCT,
	NS_UNION,
	NS_ENUM,
	NS_BARE, /* typedef or base type */
	NS_ENUMERATOR,
	NS_VARIABLE,
	NS_FUNCTION, /* a function with wanted locals (RH_LAYOUT_LOCAL) */
	NS_LOCAL,    /* "function:variable" */
};

struct name_entry {
	const char *name; /* in the table's pool */
	uint64_t hash;
	enum name_ns ns;
	/* A query (or a wanted typedef's declaration) depends on it. */
	bool wanted;
	/* Enumerators and variables: no longer looked for (has_value says
	 * whether value holds the answer). Bare names: off (or dep's off)
	 * is the definition. */
	bool resolved;
	bool has_value;
	uint8_t tries;
	/* Tags: first complete definition; bare: the type at the end of the
	 * typedef chain (0 for void). 0 is never a DIE: a unit header is there. */
	Dwarf_Off off;
	/* Bare names whose chain ends at a tag declaration: that tag's entry. */
	uint32_t dep;
	int64_t value;
};

/* Bump allocator for names: the index holds a few thousand of them. */
struct pool_chunk {
	struct pool_chunk *next;
	size_t used, size;
	char data[];
};

struct name_table {
	struct name_entry *entries;
	uint32_t count, capacity;
	uint32_t *slots; /* entry index + 1; 0 is empty */
	uint32_t nslots; /* power of two */
	struct pool_chunk *pool;
};

static uint64_t name_hash(enum name_ns ns, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)ns;
	h *= 0x100000001b3ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void names_deinit(struct name_table *t)
{
	free(t->entries);
	free(t->slots);
	while (t->pool) {
		struct pool_chunk *next = t->pool->next;
		free(t->pool);
		t->pool = next;
	}
	memset(t, 0, sizeof(*t));
}

static char *pool_strdup(struct name_table *t, const char *s)
{
	size_t len = strlen(s) + 1;
	if (!t->pool || t->pool->size - t->pool->used < len) {
		size_t size = len > 65536 ? len : 65536;
		struct pool_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = t->pool;
		c->used = 0;
		c->size = size;
		t->pool = c;
	}
	char *p = t->pool->data + t->pool->used;
	memcpy(p, s, len);
	t->pool->used += len;
	return p;
}

/* Index of the entry for (ns, name), or NO_ENTRY_IDX. */
static uint32_t names_find(const struct name_table *t, enum name_ns ns,
			   const char *name)
{
	if (!t->nslots)
		return NO_ENTRY_IDX;
	uint64_t h = name_hash(ns, name);
	for (uint32_t i = (uint32_t)h & (t->nslots - 1);;
	     i = (i + 1) & (t->nslots - 1)) {
		uint32_t s = t->slots[i];
		if (!s)
			return NO_ENTRY_IDX;
		const struct name_entry *e = &t->entries[s - 1];
		if (e->hash == h && e->ns == ns && strcmp(e->name, name) == 0)
			return s - 1;
	}
}

static bool names_grow_slots(struct name_table *t)
{
	uint32_t nslots = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false;
	for (uint32_t i = 0; i < t->count; i++) {
		uint32_t j = (uint32_t)t->entries[i].hash & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return true;
}

/* Find or add (ns, name); *ret is its index. Entry pointers die here. */
static struct rh_error *names_add(struct name_table *t, enum name_ns ns,
				  const char *name, uint32_t *ret)
{
	uint32_t idx = names_find(t, ns, name);
	if (idx != NO_ENTRY_IDX) {
		*ret = idx;
		return NULL;
	}
	// Keep the load factor under one half so probes stay short.
	if ((uint64_t)(t->count + 1) * 2 > t->nslots && !names_grow_slots(t))
		return rh_enomem;
	if (t->count == t->capacity) {
		if (t->capacity >= UINT32_MAX / 2)
			return rh_enomem;
		uint32_t cap = t->capacity ? t->capacity * 2 : 256;
		struct name_entry *e = realloc(t->entries, cap * sizeof(*e));
		if (!e)
			return rh_enomem;
		t->entries = e;
		t->capacity = cap;
	}
	const char *copy = pool_strdup(t, name);
	if (!copy)
		return rh_enomem;
	uint64_t h = name_hash(ns, name);
	idx = t->count++;
	t->entries[idx] = (struct name_entry){
		.name = copy, .hash = h, .ns = ns, .dep = NO_ENTRY_IDX,
	};
	uint32_t j = (uint32_t)h & (t->nslots - 1);
	while (t->slots[j])
		j = (j + 1) & (t->nslots - 1);
	t->slots[j] = idx + 1;
	*ret = idx;
	return NULL;
}

/* ---------------------------------------------- u64 -> u64 map, 0 = empty */

struct u64_table {
	uint64_t *keys, *vals;
	size_t count, cap; /* cap: power of two or 0 */
};

static void u64_table_deinit(struct u64_table *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t u64_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static uint64_t u64_table_get(const struct u64_table *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	for (size_t i = u64_slot(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (!m->keys[i])
			return 0;
	}
}

/* Set key (non-zero) to val unless already present: first one wins. */
static struct rh_error *u64_table_add(struct u64_table *m, uint64_t key,
				      uint64_t val)
{
	if ((m->count + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		uint64_t *vals = calloc(cap, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return rh_enomem;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = u64_slot(m->keys[i], cap);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t i = u64_slot(key, m->cap);
	for (; m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return NULL;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->count++;
	return NULL;
}

/* ------------------------------------------------------ query syntax */

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_identifier(const char *s)
{
	if (!is_ident_start(*s))
		return false;
	size_t len = 0;
	for (; *s; s++, len++) {
		if (!is_ident_char(*s) || len >= RH_LAYOUTS_NAME_MAX)
			return false;
	}
	return true;
}

/* Split "struct X" / "union X" / "enum X" / bare; *name points into type. */
static bool split_type_name(const char *type, enum name_ns *ns,
			    const char **name)
{
	static const struct {
		const char *prefix;
		enum name_ns ns;
	} tags[] = {
		{ "struct ", NS_STRUCT },
		{ "union ", NS_UNION },
		{ "enum ", NS_ENUM },
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t len = strlen(tags[i].prefix);
		if (strncmp(type, tags[i].prefix, len) == 0) {
			if (!is_identifier(type + len))
				return false;
			*ns = tags[i].ns;
			*name = type + len;
			return true;
		}
	}
	// Bare: an identifier, or words separated by single spaces for base
	// types ("unsigned long").
	size_t len = strlen(type);
	if (!len || len >= RH_LAYOUTS_NAME_MAX || type[0] == ' ' ||
	    type[len - 1] == ' ' || strstr(type, "  "))
		return false;
	for (const char *p = type; *p; p++) {
		if (!is_ident_char(*p) && *p != ' ')
			return false;
	}
	*ns = NS_BARE;
	*name = type;
	return true;
}

struct path_component {
	const char *name; /* not NUL-terminated */
	size_t len;
	unsigned nindexes;
	uint32_t indexes[RH_LAYOUTS_PATH_MAX_INDEXES];
};

/* Parse "a.b[2][3].c"; false if malformed or beyond the bounds. */
static bool parse_path(const char *s, struct path_component *comps,
		       unsigned *ret_count)
{
	unsigned count = 0;
	const char *p = s;
	for (;;) {
		if (count == RH_LAYOUTS_PATH_MAX_COMPONENTS)
			return false;
		struct path_component *c = &comps[count++];
		if (!is_ident_start(*p))
			return false;
		c->name = p;
		while (is_ident_char(*p))
			p++;
		c->len = (size_t)(p - c->name);
		if (c->len >= RH_LAYOUTS_NAME_MAX)
			return false;
		c->nindexes = 0;
		while (*p == '[') {
			p++;
			if (c->nindexes == RH_LAYOUTS_PATH_MAX_INDEXES ||
			    *p < '0' || *p > '9')
				return false;
			uint64_t v = 0;
			for (; *p >= '0' && *p <= '9'; p++) {
				v = v * 10 + (uint64_t)(*p - '0');
				// Indexes stay far below 2^32 so that index *
				// stride * 8 is checked, not merely wrapped.
				if (v > UINT32_MAX)
					return false;
			}
			if (*p++ != ']')
				return false;
			c->indexes[c->nindexes++] = (uint32_t)v;
		}
		if (*p == '\0')
			break;
		if (*p++ != '.')
			return false;
	}
	*ret_count = count;
	return true;
}

struct rh_error *rh_layouts_check_queries(const struct rh_layout_query *queries,
					  size_t n)
{
	if (n && !queries)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "layout query table is NULL");
	for (size_t i = 0; i < n; i++) {
		const struct rh_layout_query *q = &queries[i];
		bool type_needed, type_allowed = true, member_needed,
				  member_is_name = false;
		switch (q->kind) {
		case RH_LAYOUT_SIZEOF:
		case RH_LAYOUT_COUNT:
			type_needed = true;
			member_needed = false;
			break;
		case RH_LAYOUT_OFFSET:
		case RH_LAYOUT_BIT_OFFSET:
		case RH_LAYOUT_BIT_SIZE:
			type_needed = member_needed = true;
			break;
		case RH_LAYOUT_ENUM:
			type_needed = false;
			member_needed = member_is_name = true;
			break;
		case RH_LAYOUT_VARIABLE:
			type_needed = type_allowed = false;
			member_needed = member_is_name = true;
			break;
		case RH_LAYOUT_LOCAL:
			if (!q->type || !is_identifier(q->type) || !q->member ||
			    !is_identifier(q->member) ||
			    strlen(q->type) + strlen(q->member) + 2 > RH_LAYOUTS_NAME_MAX)
				return rh_error_create(RH_ERR_INVALID_ARGUMENT,
						       "layout query %zu: a local query takes a function and a variable name",
						       i);
			continue;
		default:
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "layout query %zu: unknown kind %d",
					       i, (int)q->kind);
		}
		enum name_ns ns;
		const char *name;
		if (q->type && !type_allowed)
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "layout query %zu: a variable query takes no type (got \"%s\")",
					       i, q->type);
		if (!q->type && type_needed)
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "layout query %zu: type missing", i);
		if (q->type && !split_type_name(q->type, &ns, &name))
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "layout query %zu: bad type name \"%s\" (want \"struct X\", \"union X\", \"enum X\" or a typedef/base type name)",
					       i, q->type);
		if (!q->member) {
			if (member_needed)
				return rh_error_create(RH_ERR_INVALID_ARGUMENT,
						       "layout query %zu (%s): member missing",
						       i, q->type ? q->type : "no type");
			continue;
		}
		struct path_component comps[RH_LAYOUTS_PATH_MAX_COMPONENTS];
		unsigned ncomps;
		bool ok = member_is_name ? is_identifier(q->member)
					 : parse_path(q->member, comps, &ncomps);
		if (!ok)
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "layout query %zu: bad %s \"%s\"", i,
					       member_is_name ? "name" : "member path",
					       q->member);
	}
	return NULL;
}

bool rh_layouts_canonical_base_name(const char *name, char *buf, size_t size)
{
	// Count the words; any word outside the C integer keywords means it
	// is not a spelling we rewrite ("double", "long double", "_Bool",
	// "__int128 unsigned", typedef names).
	unsigned n_unsigned = 0, n_signed = 0, n_short = 0, n_long = 0,
		 n_int = 0, n_char = 0, words = 0;
	bool rewrite = true;
	for (const char *p = name; *p && rewrite;) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t len = (size_t)(p - w);
		if (!len)
			break;
		words++;
		if (len == 8 && !strncmp(w, "unsigned", 8))
			n_unsigned++;
		else if (len == 6 && !strncmp(w, "signed", 6))
			n_signed++;
		else if (len == 5 && !strncmp(w, "short", 5))
			n_short++;
		else if (len == 4 && !strncmp(w, "long", 4))
			n_long++;
		else if (len == 3 && !strncmp(w, "int", 3))
			n_int++;
		else if (len == 4 && !strncmp(w, "char", 4))
			n_char++;
		else
			rewrite = false;
	}
	const char *out = name;
	if (rewrite && words) {
		bool u = n_unsigned > 0;
		if (n_unsigned + n_signed > 1 || n_long > 2 ||
		    (n_short && (n_long || n_char)) || (n_char && (n_long || n_int)))
			out = name; // not a valid C type: leave it alone
		else if (n_char)
			out = u ? "unsigned char" : n_signed ? "signed char" : "char";
		else if (n_short)
			out = u ? "short unsigned int" : "short int";
		else if (n_long == 2)
			out = u ? "long long unsigned int" : "long long int";
		else if (n_long == 1)
			out = u ? "long unsigned int" : "long int";
		else
			out = u ? "unsigned int" : "int";
	}
	size_t len = strlen(out);
	if (len >= size)
		return false;
	memcpy(buf, out, len + 1);
	return true;
}

bool rh_layouts_dwarf3_bit_position(uint64_t byte_offset,
				    uint64_t storage_bytes,
				    uint64_t bit_offset, uint64_t bit_size,
				    bool little_endian, uint64_t *ret)
{
	uint64_t storage_bits, base, end, pos;
	if (__builtin_mul_overflow(storage_bytes, 8, &storage_bits) ||
	    __builtin_mul_overflow(byte_offset, 8, &base) ||
	    __builtin_add_overflow(bit_offset, bit_size, &end) ||
	    end > storage_bits)
		return false;
	// DW_AT_bit_offset numbers bits from the most significant one of the
	// storage unit (DWARF 3, 5.6.6). On a big-endian target that is also
	// the first bit in memory; on a little-endian one it is the last, so
	// the field's lowest bit sits storage_bits - end bits from the start.
	pos = little_endian ? storage_bits - end : bit_offset;
	if (__builtin_add_overflow(base, pos, ret))
		return false;
	return true;
}

/* ------------------------------------------------------ libdwarf glue */

struct var_pair {
	Dwarf_Off target; /* DW_AT_specification / abstract_origin */
	uint64_t addr;
};

struct scan {
	const char *path;
	Dwarf_Debug dbg;
	bool little_endian;
	void (*copy)(void *, const void *, unsigned long);
	Dwarf_Half addr_size; /* of the unit being scanned */
	unsigned units;

	struct name_table names;
	uint32_t *wanted; /* entries a query depends on */
	size_t nwanted, wanted_cap;
	size_t pending_bare, pending_enumerators, pending_variables, pending_locals;

	struct u64_table var_targets; /* named DIE offset -> entry index + 1 */
	struct u64_table var_links;   /* unnamed DIE offset -> its target */
	struct var_pair *pairs;
	size_t npairs, pairs_cap;
	bool vars_dirty;
};

/* A libdwarf error as ours, keeping its message; consumes *e. */
__attribute__((format(printf, 3, 4)))
static struct rh_error *dw_error(struct scan *s, Dwarf_Error *e,
				 const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct rh_error *err = RH_BAD_DATA(0, "%s: reading DWARF (%s): %s",
					   s->path, what,
					   *e ? dwarf_errmsg(*e) : "unknown error");
	if (*e)
		dwarf_dealloc_error(s->dbg, *e);
	*e = NULL;
	return err;
}

static struct rh_error *die_at(struct scan *s, Dwarf_Off off, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(s->dbg, off, true, ret, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "DIE at 0x%llx", (unsigned long long)off);
	if (r != DW_DLV_OK)
		return RH_BAD_DATA(0, "%s: no DWARF DIE at offset 0x%llx, though another DIE refers to it",
				   s->path, (unsigned long long)off);
	return NULL;
}

static struct rh_error *die_offset(struct scan *s, Dwarf_Die die,
				   Dwarf_Off *ret)
{
	Dwarf_Error e = NULL;
	if (dwarf_dieoffset(die, ret, &e) != DW_DLV_OK)
		return dw_error(s, &e, "DIE offset");
	return NULL;
}

static struct rh_error *die_tag(struct scan *s, Dwarf_Die die, Dwarf_Half *ret)
{
	Dwarf_Error e = NULL;
	if (dwarf_tag(die, ret, &e) != DW_DLV_OK)
		return dw_error(s, &e, "DIE tag");
	return NULL;
}

/* *ret = the DIE's name (libdwarf's; pass to name_free) or NULL if none. */
static struct rh_error *die_name(struct scan *s, Dwarf_Die die, char **ret)
{
	Dwarf_Error e = NULL;
	char *name = NULL;
	int r = dwarf_diename(die, &name, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "DIE name");
	*ret = r == DW_DLV_OK ? name : NULL;
	return NULL;
}

static void name_free(struct scan *s, char *name)
{
	// Names point into .debug_str or .debug_info, where this is a no-op,
	// but the documented contract is to hand them back.
	if (name)
		dwarf_dealloc(s->dbg, name, DW_DLA_STRING);
}

static struct rh_error *die_has(struct scan *s, Dwarf_Die die, Dwarf_Half at,
				bool *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Bool has = 0;
	if (dwarf_hasattr(die, at, &has, &e) != DW_DLV_OK)
		return dw_error(s, &e, "attribute 0x%x", at);
	*ret = has != 0;
	return NULL;
}

/* *ret = the attribute or NULL when absent; dealloc with dwarf_dealloc_attribute. */
static struct rh_error *die_attr(struct scan *s, Dwarf_Die die, Dwarf_Half at,
				 Dwarf_Attribute *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Attribute attr = NULL;
	int r = dwarf_attr(die, at, &attr, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "attribute 0x%x", at);
	*ret = r == DW_DLV_OK ? attr : NULL;
	return NULL;
}

/* Global offset of a reference attribute, 0 when absent. */
static struct rh_error *die_ref(struct scan *s, Dwarf_Die die, Dwarf_Half at,
				Dwarf_Off *ret)
{
	Dwarf_Attribute attr = NULL;
	struct rh_error *err = die_attr(s, die, at, &attr);
	if (err)
		return err;
	*ret = 0;
	if (!attr)
		return NULL;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK) {
		err = dw_error(s, &e, "form of attribute 0x%x", at);
		goto out;
	}
	// Type-unit signatures (-fdebug-types-section) are not followed:
	// gcc does not emit them by default. Such a reference reads as
	// absent and the query finds nothing.
	if (form == DW_FORM_ref_sig8)
		goto out;
	Dwarf_Off off = 0;
	if (dwarf_global_formref(attr, &off, &e) != DW_DLV_OK) {
		err = dw_error(s, &e, "reference attribute 0x%x", at);
		goto out;
	}
	*ret = off;
out:
	dwarf_dealloc_attribute(attr);
	return err;
}

/*
 * A constant attribute as int64. Forms data1..8 carry no sign in DWARF;
 * `is_signed` says how to read them (sdata and implicit_const are signed,
 * udata unsigned, whatever it says). *present = false when the attribute
 * is absent or not a constant (an expression, a reference, data16).
 */
static struct rh_error *die_const(struct scan *s, Dwarf_Die die, Dwarf_Half at,
				  bool is_signed, bool *present, int64_t *ret)
{
	Dwarf_Attribute attr = NULL;
	struct rh_error *err = die_attr(s, die, at, &attr);
	if (err)
		return err;
	*present = false;
	if (!attr)
		return NULL;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK) {
		err = dw_error(s, &e, "form of attribute 0x%x", at);
		goto out;
	}
	Dwarf_Signed sv = 0;
	Dwarf_Unsigned uv = 0;
	int r;
	switch (form) {
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		r = dwarf_formsdata(attr, &sv, &e);
		break;
	case DW_FORM_udata:
		is_signed = false;
		/* fallthrough */
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
		if (is_signed && form != DW_FORM_udata)
			r = dwarf_formsdata(attr, &sv, &e);
		else {
			r = dwarf_formudata(attr, &uv, &e);
			sv = (Dwarf_Signed)uv;
		}
		break;
	default:
		goto out;
	}
	if (r != DW_DLV_OK) {
		err = dw_error(s, &e, "constant attribute 0x%x", at);
		goto out;
	}
	*present = true;
	*ret = sv;
out:
	dwarf_dealloc_attribute(attr);
	return err;
}

/* An unsigned constant attribute; a negative value is corrupt. */
static struct rh_error *die_udata(struct scan *s, Dwarf_Die die, Dwarf_Half at,
				  bool *present, uint64_t *ret)
{
	int64_t v;
	struct rh_error *err = die_const(s, die, at, false, present, &v);
	if (err || !*present)
		return err;
	if (v < 0 && at != DW_AT_upper_bound)
		return RH_BAD_DATA(0, "%s: negative value %lld for DWARF attribute 0x%x",
				   s->path, (long long)v, at);
	*ret = (uint64_t)v;
	return NULL;
}

/* The bytes of an expression attribute (exprloc or block form). */
static struct rh_error *attr_expr(struct scan *s, Dwarf_Attribute attr,
				  const uint8_t **ret, size_t *ret_len,
				  bool *present)
{
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	*present = false;
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK)
		return dw_error(s, &e, "form of an expression");
	if (form == DW_FORM_exprloc) {
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr ptr = NULL;
		if (dwarf_formexprloc(attr, &len, &ptr, &e) != DW_DLV_OK)
			return dw_error(s, &e, "expression");
		*ret = ptr;
		*ret_len = (size_t)len;
		*present = true;
	} else if (form == DW_FORM_block1 || form == DW_FORM_block2 ||
		   form == DW_FORM_block4 || form == DW_FORM_block) {
		Dwarf_Block *blk = NULL;
		if (dwarf_formblock(attr, &blk, &e) != DW_DLV_OK)
			return dw_error(s, &e, "block");
		// The block's bytes live in the section; only the
		// descriptor is allocated.
		*ret = blk->bl_data;
		*ret_len = (size_t)blk->bl_len;
		dwarf_dealloc(s->dbg, blk, DW_DLA_BLOCK);
		*present = true;
	}
	return NULL;
}

/* ULEB128 from [*p, end); false if it runs past end or exceeds 64 bits. */
static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		if (shift >= 64 || (shift == 63 && (b & 0x7e)))
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/*
 * Static address of a variable: a location that is exactly DW_OP_addr A
 * (or DW_OP_addrx / DW_OP_GNU_addr_index i). TLS, register and list
 * locations are not static addresses: *present = false.
 */
static struct rh_error *var_address(struct scan *s, Dwarf_Die die,
				    bool *present, uint64_t *ret)
{
	Dwarf_Attribute attr = NULL;
	struct rh_error *err = die_attr(s, die, DW_AT_location, &attr);
	*present = false;
	if (err || !attr)
		return err;
	const uint8_t *p = NULL;
	size_t len = 0;
	bool is_expr = false;
	err = attr_expr(s, attr, &p, &len, &is_expr);
	if (err || !is_expr || len == 0)
		goto out;
	const uint8_t *end = p + len;
	if (p[0] == DW_OP_addr) {
		if (len != 1u + s->addr_size)
			goto out;
		if (s->addr_size == 8) {
			uint64_t a = 0;
			s->copy(&a, p + 1, 8);
			*ret = a;
		} else if (s->addr_size == 4) {
			uint32_t a = 0;
			s->copy(&a, p + 1, 4);
			*ret = a;
		} else {
			goto out;
		}
		*present = true;
	} else if (p[0] == DW_OP_addrx || p[0] == DW_OP_GNU_addr_index) {
		uint64_t idx;
		p++;
		if (!read_uleb(&p, end, &idx) || p != end)
			goto out;
		Dwarf_Error e = NULL;
		Dwarf_Addr a = 0;
		if (dwarf_debug_addr_index_to_addr(die, idx, &a, &e) !=
		    DW_DLV_OK) {
			err = dw_error(s, &e, "address index %llu",
				       (unsigned long long)idx);
			goto out;
		}
		*ret = a;
		*present = true;
	}
out:
	dwarf_dealloc_attribute(attr);
	return err;
}

/* --------------------------------------------------------- the pass */

static bool ns_of_tag(Dwarf_Half tag, enum name_ns *ns)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		*ns = NS_STRUCT;
		return true;
	case DW_TAG_union_type:
		*ns = NS_UNION;
		return true;
	case DW_TAG_enumeration_type:
		*ns = NS_ENUM;
		return true;
	default:
		return false;
	}
}

static bool is_type_wrapper(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_shared_type:
	case DW_TAG_packed_type:
		return true;
	default:
		return false;
	}
}

struct resolved_type {
	bool found;      /* false: ends at a declaration with no definition */
	Dwarf_Off off;   /* the definition; 0 for void */
	Dwarf_Half tag;  /* its tag; 0 for void */
	uint32_t dep;    /* !found: the tag entry waited for, if named */
};

/*
 * Look through typedefs and qualifiers from the type at `off` to a
 * definition. A struct/union/enum declaration is replaced by the first
 * complete definition of that tag indexed so far.
 */
static struct rh_error *resolve_type(struct scan *s, Dwarf_Off off,
				     struct resolved_type *ret)
{
	struct rh_error *err = NULL;
	*ret = (struct resolved_type){ .dep = NO_ENTRY_IDX };
	for (unsigned hop = 0; hop < TYPE_CHAIN_MAX; hop++) {
		if (!off) {
			ret->found = true; // void
			return NULL;
		}
		Dwarf_Die die;
		Dwarf_Half tag;
		err = die_at(s, off, &die);
		if (err)
			return err;
		err = die_tag(s, die, &tag);
		if (err)
			goto out_die;
		if (is_type_wrapper(tag)) {
			Dwarf_Off next;
			err = die_ref(s, die, DW_AT_type, &next);
			dwarf_dealloc_die(die);
			if (err)
				return err;
			off = next;
			continue;
		}
		enum name_ns ns;
		bool decl = false;
		if (ns_of_tag(tag, &ns)) {
			err = die_has(s, die, DW_AT_declaration, &decl);
			if (err)
				goto out_die;
		}
		if (!decl) {
			ret->found = true;
			ret->off = off;
			ret->tag = tag;
			goto out_die;
		}
		char *name = NULL;
		err = die_name(s, die, &name);
		if (err || !name)
			goto out_die; // anonymous declaration: nothing to find
		uint32_t idx;
		err = names_add(&s->names, ns, name, &idx);
		name_free(s, name);
		if (err)
			goto out_die;
		const struct name_entry *e = &s->names.entries[idx];
		if (e->off) {
			ret->found = true;
			ret->off = e->off;
			ret->tag = tag == DW_TAG_class_type ? DW_TAG_structure_type : tag;
		} else {
			ret->dep = idx;
		}
out_die:
		dwarf_dealloc_die(die);
		return err;
	}
	return RH_BAD_DATA(0, "%s: type chain at DIE 0x%llx is longer than %d typedefs and qualifiers (a cycle?)",
			   s->path, (unsigned long long)off, TYPE_CHAIN_MAX);
}

static struct rh_error *want(struct scan *s, enum name_ns ns, const char *name)
{
	char canon[RH_LAYOUTS_NAME_MAX + 32];
	if (ns == NS_BARE) {
		if (!rh_layouts_canonical_base_name(name, canon, sizeof(canon)))
			return rh_error_create(RH_ERR_INVALID_ARGUMENT,
					       "type name too long: %s", name);
		name = canon;
	}
	uint32_t idx;
	struct rh_error *err = names_add(&s->names, ns, name, &idx);
	if (err)
		return err;
	struct name_entry *e = &s->names.entries[idx];
	if (e->wanted)
		return NULL;
	e->wanted = true;
	if (s->nwanted == s->wanted_cap) {
		size_t cap = s->wanted_cap ? s->wanted_cap * 2 : 64;
		uint32_t *w = realloc(s->wanted, cap * sizeof(*w));
		if (!w)
			return rh_enomem;
		s->wanted = w;
		s->wanted_cap = cap;
	}
	s->wanted[s->nwanted++] = idx;
	if (ns == NS_BARE)
		s->pending_bare++;
	else if (ns == NS_ENUMERATOR)
		s->pending_enumerators++;
	else if (ns == NS_VARIABLE)
		s->pending_variables++;
	else if (ns == NS_LOCAL)
		s->pending_locals++;
	return NULL;
}

/* Is the enum at `die` of a signed type? gcc gives enums a DW_AT_type. */
static struct rh_error *enum_is_signed(struct scan *s, Dwarf_Die die,
				       bool *ret)
{
	Dwarf_Off type;
	struct rh_error *err = die_ref(s, die, DW_AT_type, &type);
	if (err)
		return err;
	*ret = true; // C's default underlying type is int
	if (!type)
		return NULL;
	struct resolved_type rt;
	err = resolve_type(s, type, &rt);
	if (err || !rt.found || rt.tag != DW_TAG_base_type)
		return err;
	Dwarf_Die base;
	err = die_at(s, rt.off, &base);
	if (err)
		return err;
	bool present = false;
	int64_t enc = 0;
	err = die_const(s, base, DW_AT_encoding, false, &present, &enc);
	if (!err && present)
		*ret = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	dwarf_dealloc_die(base);
	return err;
}

/*
 * Walk the children of an enum until match(name) says yes. Then *matched
 * is true, and *has_value says whether the enumerator has a constant
 * value, which goes to *ret.
 */
typedef bool enumerator_match_fn(struct scan *s, const char *name, void *arg);

static struct rh_error *walk_enumerators(struct scan *s, Dwarf_Die enum_die,
					 enumerator_match_fn *match, void *arg,
					 bool *matched, bool *has_value,
					 int64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Die child = NULL;
	struct rh_error *err = NULL;
	Dwarf_Off prev;
	bool is_signed = true;
	*matched = *has_value = false;
	err = die_offset(s, enum_die, &prev);
	if (err)
		return err;
	int r = dwarf_child(enum_die, &child, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "enumerators");
	while (r == DW_DLV_OK) {
		Dwarf_Off off;
		Dwarf_Half tag;
		char *name = NULL;
		err = die_offset(s, child, &off);
		if (err)
			break;
		if (off <= prev) {
			err = RH_BAD_DATA(0, "%s: DIE 0x%llx follows DIE 0x%llx (siblings must move forward)",
					  s->path, (unsigned long long)off,
					  (unsigned long long)prev);
			break;
		}
		prev = off;
		err = die_tag(s, child, &tag);
		if (!err && tag == DW_TAG_enumerator)
			err = die_name(s, child, &name);
		if (err)
			break;
		bool hit = name && match(s, name, arg);
		name_free(s, name);
		if (hit) {
			*matched = true;
			err = enum_is_signed(s, enum_die, &is_signed);
			if (!err)
				err = die_const(s, child, DW_AT_const_value,
						is_signed, has_value, ret);
			break;
		}
		Dwarf_Die next = NULL;
		r = dwarf_siblingof_b(s->dbg, child, true, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (r == DW_DLV_ERROR) {
			child = NULL;
			err = dw_error(s, &e, "next enumerator");
		}
	}
	if (child)
		dwarf_dealloc_die(child);
	return err;
}

struct pass_enumerator_arg {
	uint32_t idx;
};

/* During the pass: an enumerator some query wants and has not got yet. */
static bool pass_enumerator_match(struct scan *s, const char *name, void *arg)
{
	struct pass_enumerator_arg *a = arg;
	uint32_t idx = names_find(&s->names, NS_ENUMERATOR, name);
	if (idx == NO_ENTRY_IDX)
		return false;
	const struct name_entry *e = &s->names.entries[idx];
	if (!e->wanted || e->resolved)
		return false;
	a->idx = idx;
	return true;
}

static struct rh_error *pass_enum_values(struct scan *s, Dwarf_Die die)
{
	// One enum may hold several wanted enumerators: walk until no more
	// match (each walk stops at its first match).
	for (;;) {
		struct pass_enumerator_arg arg = { NO_ENTRY_IDX };
		bool matched = false, has_value = false;
		int64_t v = 0;
		struct rh_error *err = walk_enumerators(s, die, pass_enumerator_match,
							&arg, &matched, &has_value,
							&v);
		if (err)
			return err;
		if (!matched)
			return NULL;
		struct name_entry *e = &s->names.entries[arg.idx];
		// A match without a constant value still ends the wait for
		// it: the answer then says "not found".
		e->resolved = true;
		e->has_value = has_value;
		e->value = v;
		s->pending_enumerators--;
		if (!s->pending_enumerators)
			return NULL;
	}
}

/* A struct/union/enum at the top of a unit. */
static struct rh_error *pass_tag(struct scan *s, Dwarf_Die die, Dwarf_Off off,
				 Dwarf_Half tag, enum name_ns ns)
{
	char *name = NULL;
	struct rh_error *err = die_name(s, die, &name);
	if (err)
		return err;
	bool complete = false;
	if (name) {
		uint32_t idx;
		err = names_add(&s->names, ns, name, &idx);
		name_free(s, name);
		if (err)
			return err;
		if (s->names.entries[idx].off)
			complete = true; // known already: no need to ask again
		else {
			bool decl = false;
			err = die_has(s, die, DW_AT_declaration, &decl);
			if (err)
				return err;
			if (!decl) {
				s->names.entries[idx].off = off;
				complete = true;
			}
		}
	} else if (ns == NS_ENUM) {
		complete = true; // an anonymous enum is always a definition
	}
	if (ns == NS_ENUM && complete && s->pending_enumerators)
		return pass_enum_values(s, die);
	return NULL;
}

/* A typedef or base type at the top of a unit. */
static struct rh_error *pass_bare(struct scan *s, Dwarf_Die die, Dwarf_Off off,
				  Dwarf_Half tag)
{
	char *name = NULL;
	char canon[RH_LAYOUTS_NAME_MAX + 32];
	struct rh_error *err = die_name(s, die, &name);
	if (err || !name)
		return err;
	const char *key = name;
	if (tag == DW_TAG_base_type &&
	    rh_layouts_canonical_base_name(name, canon, sizeof(canon)))
		key = canon;
	uint32_t idx = names_find(&s->names, NS_BARE, key);
	name_free(s, name);
	if (idx == NO_ENTRY_IDX)
		return NULL;
	struct name_entry *e = &s->names.entries[idx];
	if (!e->wanted || e->resolved || e->dep != NO_ENTRY_IDX ||
	    e->tries >= TYPEDEF_TRIES_MAX)
		return NULL;
	e->tries++;
	struct resolved_type rt;
	err = resolve_type(s, off, &rt);
	if (err)
		return err;
	e = &s->names.entries[idx]; // resolve_type may have grown the table
	if (rt.found) {
		e->resolved = true;
		e->off = rt.off;
		s->pending_bare--;
	} else if (rt.dep != NO_ENTRY_IDX) {
		// Ends at `struct X;`: X's definition is looked for by name,
		// in the units already scanned (the index) and those to come.
		e->dep = rt.dep;
		s->pending_bare--;
	}
	return NULL;
}

static struct rh_error *add_pair(struct scan *s, Dwarf_Off target,
				 uint64_t addr)
{
	if (s->npairs == s->pairs_cap) {
		size_t cap = s->pairs_cap ? s->pairs_cap * 2 : 256;
		struct var_pair *p = realloc(s->pairs, cap * sizeof(*p));
		if (!p)
			return rh_enomem;
		s->pairs = p;
		s->pairs_cap = cap;
	}
	s->pairs[s->npairs++] = (struct var_pair){ target, addr };
	s->vars_dirty = true;
	return NULL;
}

static void resolve_variable(struct scan *s, uint32_t idx, uint64_t addr)
{
	struct name_entry *e = &s->names.entries[idx];
	if (e->resolved)
		return;
	e->resolved = true;
	e->has_value = true;
	e->value = (int64_t)addr;
	s->pending_variables--;
}

/* A variable at the top of a unit. */
static struct rh_error *pass_variable(struct scan *s, Dwarf_Die die,
				      Dwarf_Off off)
{
	char *name = NULL;
	struct rh_error *err = die_name(s, die, &name);
	if (err)
		return err;
	bool has_addr = false;
	uint64_t addr = 0;
	if (name) {
		uint32_t idx = names_find(&s->names, NS_VARIABLE, name);
		name_free(s, name);
		if (idx == NO_ENTRY_IDX || !s->names.entries[idx].wanted ||
		    s->names.entries[idx].resolved)
			return NULL;
		err = var_address(s, die, &has_addr, &addr);
		if (err)
			return err;
		if (has_addr) {
			resolve_variable(s, idx, addr);
			return NULL;
		}
		// A declaration, or an LTO early-debug DIE: the address is on
		// some DIE that points here.
		s->vars_dirty = true;
		return u64_table_add(&s->var_targets, off, (uint64_t)idx + 1);
	}
	Dwarf_Off target;
	err = die_ref(s, die, DW_AT_specification, &target);
	if (!err && !target)
		err = die_ref(s, die, DW_AT_abstract_origin, &target);
	if (err || !target)
		return err;
	err = var_address(s, die, &has_addr, &addr);
	if (err)
		return err;
	if (has_addr)
		return add_pair(s, target, addr);
	s->vars_dirty = true;
	return u64_table_add(&s->var_links, off, target);
}

/*
 * Join located DIEs to the named DIEs of wanted variables through the
 * recorded links. Postcondition: every wanted variable whose chain is
 * complete in what was scanned so far is resolved (first pair wins).
 */
static void resolve_variables(struct scan *s)
{
	if (!s->vars_dirty || !s->pending_variables || !s->var_targets.count)
		return;
	s->vars_dirty = false;
	for (size_t i = 0; i < s->npairs && s->pending_variables; i++) {
		Dwarf_Off off = s->pairs[i].target;
		for (unsigned hop = 0; off && hop < VAR_CHAIN_MAX; hop++) {
			uint64_t v = u64_table_get(&s->var_targets, off);
			if (v) {
				resolve_variable(s, (uint32_t)(v - 1),
						 s->pairs[i].addr);
				break;
			}
			off = u64_table_get(&s->var_links, off);
		}
	}
}

/* Does every query have what it needs, so that later units cannot matter? */
static bool all_resolved(const struct scan *s)
{
	if (s->pending_bare || s->pending_enumerators || s->pending_variables ||
	    s->pending_locals)
		return false;
	for (size_t i = 0; i < s->nwanted; i++) {
		const struct name_entry *e = &s->names.entries[s->wanted[i]];
		switch (e->ns) {
		case NS_STRUCT:
		case NS_UNION:
		case NS_ENUM:
			if (!e->off)
				return false;
			break;
		case NS_BARE:
			if (!e->resolved && (e->dep == NO_ENTRY_IDX ||
					     !s->names.entries[e->dep].off))
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

/*
 * The variables declared in `die` (a function, or a block in it), down to
 * LOCALS_DEPTH blocks: each "function:variable" wanted is resolved.
 * Inlined calls are other functions' bodies: not entered.
 */
#define LOCALS_DEPTH 8
#define LOCALS_MAX 4096
static struct rh_error *walk_locals(struct scan *s, Dwarf_Die die, const char *fn,
				    unsigned depth, unsigned *budget)
{
	Dwarf_Error e = NULL;
	Dwarf_Die child = NULL;
	int r = dwarf_child(die, &child, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "children of function %s", fn);
	struct rh_error *err = NULL;
	while (r == DW_DLV_OK && !err && s->pending_locals) {
		if (!*budget) {
			dwarf_dealloc_die(child);
			return NULL;
		}
		--*budget;
		Dwarf_Half tag;
		err = die_tag(s, child, &tag);
		if (!err && tag == DW_TAG_variable) {
			char *name = NULL;
			err = die_name(s, child, &name);
			if (!err && name) {
				char key[RH_LAYOUTS_NAME_MAX + 2];
				int n = snprintf(key, sizeof(key), "%s:%s", fn, name);
				name_free(s, name);
				uint32_t idx = n > 0 && (size_t)n < sizeof(key)
						       ? names_find(&s->names, NS_LOCAL, key)
						       : NO_ENTRY_IDX;
				struct name_entry *en = idx == NO_ENTRY_IDX ? NULL
									    : &s->names.entries[idx];
				if (en && en->wanted && !en->resolved) {
					en->resolved = en->has_value = true;
					en->value = 0;
					s->pending_locals--;
				}
			}
		} else if (!err && tag == DW_TAG_lexical_block && depth < LOCALS_DEPTH) {
			err = walk_locals(s, child, fn, depth + 1, budget);
		}
		Dwarf_Die next = NULL;
		r = dwarf_siblingof_b(s->dbg, child, true, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (r == DW_DLV_ERROR) {
			child = NULL;
			if (!err)
				err = dw_error(s, &e, "a DIE of function %s", fn);
		}
	}
	if (child)
		dwarf_dealloc_die(child);
	return err;
}

static struct rh_error *pass_function(struct scan *s, Dwarf_Die die)
{
	char *name = NULL;
	struct rh_error *err = die_name(s, die, &name);
	if (err || !name)
		return err;
	uint32_t idx = names_find(&s->names, NS_FUNCTION, name);
	if (idx != NO_ENTRY_IDX && s->names.entries[idx].wanted) {
		unsigned budget = LOCALS_MAX;
		err = walk_locals(s, die, s->names.entries[idx].name, 0, &budget);
	}
	name_free(s, name);
	return err;
}

static struct rh_error *pass_die(struct scan *s, Dwarf_Die die, Dwarf_Off off)
{
	Dwarf_Half tag;
	struct rh_error *err = die_tag(s, die, &tag);
	if (err)
		return err;
	enum name_ns ns;
	if (ns_of_tag(tag, &ns))
		return pass_tag(s, die, off, tag, ns);
	if ((tag == DW_TAG_typedef || tag == DW_TAG_base_type) &&
	    s->pending_bare)
		return pass_bare(s, die, off, tag);
	if (tag == DW_TAG_variable && s->pending_variables)
		return pass_variable(s, die, off);
	if (tag == DW_TAG_subprogram && s->pending_locals)
		return pass_function(s, die);
	return NULL;
}

/* The top-level DIEs of the current unit. */
static struct rh_error *pass_unit(struct scan *s)
{
	Dwarf_Error e = NULL;
	Dwarf_Die cu = NULL, die = NULL;
	struct rh_error *err = NULL;
	int r = dwarf_siblingof_b(s->dbg, NULL, true, &cu, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(s, &e, "unit DIE");
	if (r != DW_DLV_OK)
		return NULL;
	Dwarf_Off prev;
	err = die_offset(s, cu, &prev);
	if (err)
		goto out_cu;
	r = dwarf_child(cu, &die, &e);
	if (r == DW_DLV_ERROR) {
		err = dw_error(s, &e, "first DIE of unit at 0x%llx",
			       (unsigned long long)prev);
		goto out_cu;
	}
	while (r == DW_DLV_OK) {
		Dwarf_Off off;
		err = die_offset(s, die, &off);
		if (err)
			break;
		// Siblings must move forward: a DW_AT_sibling pointing back
		// would otherwise loop forever.
		if (off <= prev) {
			err = RH_BAD_DATA(0, "%s: DIE 0x%llx follows DIE 0x%llx (siblings must move forward)",
					  s->path, (unsigned long long)off,
					  (unsigned long long)prev);
			break;
		}
		prev = off;
		err = pass_die(s, die, off);
		if (err)
			break;
		Dwarf_Die next = NULL;
		r = dwarf_siblingof_b(s->dbg, die, true, &next, &e);
		dwarf_dealloc_die(die);
		die = next;
		if (r == DW_DLV_ERROR) {
			die = NULL;
			err = dw_error(s, &e, "DIE after 0x%llx",
				       (unsigned long long)off);
		}
	}
	if (die)
		dwarf_dealloc_die(die);
out_cu:
	dwarf_dealloc_die(cu);
	return err;
}

static struct rh_error *pass_all_units(struct scan *s)
{
	for (;;) {
		Dwarf_Error e = NULL;
		Dwarf_Unsigned next = 0;
		Dwarf_Half version = 0, addr_size = 0, unit_type = 0;
		int r = dwarf_next_cu_header_d(s->dbg, true, NULL, &version,
					       NULL, &addr_size, NULL, NULL,
					       NULL, NULL, &next, &unit_type,
					       &e);
		if (r == DW_DLV_NO_ENTRY)
			break;
		if (r == DW_DLV_ERROR)
			return dw_error(s, &e, "header of unit %u", s->units);
		s->units++;
		s->addr_size = addr_size;
		struct rh_error *err = pass_unit(s);
		if (err)
			return err;
		// Cheap (a few dozen entries): lets us stop as soon as the
		// last definition needed has gone by.
		if (!s->pending_bare && !s->pending_enumerators) {
			resolve_variables(s);
			if (all_resolved(s))
				break;
		}
	}
	resolve_variables(s);
	return NULL;
}

/* ------------------------------------------------ answering queries */

/* Where a member path has got to: a type, possibly part-way into an array. */
struct cursor {
	Dwarf_Off off;   /* the type's definition, 0 for void */
	Dwarf_Half tag;
	bool complete;   /* false: only a declaration exists */
	unsigned skip;   /* array dimensions already indexed */
};

struct array_info {
	uint64_t dims[ARRAY_DIMS_MAX]; /* DIM_UNKNOWN: no bound */
	unsigned ndims;
	Dwarf_Off elem; /* element type as written (not resolved) */
};

static struct rh_error *read_array(struct scan *s, Dwarf_Off off,
				   struct array_info *ret)
{
	Dwarf_Die die, child = NULL;
	Dwarf_Error e = NULL;
	struct rh_error *err = die_at(s, off, &die);
	if (err)
		return err;
	ret->ndims = 0;
	err = die_ref(s, die, DW_AT_type, &ret->elem);
	if (err)
		goto out_die;
	Dwarf_Off prev = off;
	int r = dwarf_child(die, &child, &e);
	if (r == DW_DLV_ERROR) {
		err = dw_error(s, &e, "array dimensions at 0x%llx",
			       (unsigned long long)off);
		goto out_die;
	}
	while (r == DW_DLV_OK) {
		Dwarf_Off coff;
		Dwarf_Half tag;
		err = die_offset(s, child, &coff);
		if (!err && coff <= prev)
			err = RH_BAD_DATA(0, "%s: DIE 0x%llx follows DIE 0x%llx (siblings must move forward)",
					  s->path, (unsigned long long)coff,
					  (unsigned long long)prev);
		if (!err)
			err = die_tag(s, child, &tag);
		if (err)
			break;
		prev = coff;
		if (tag == DW_TAG_subrange_type || tag == DW_TAG_enumeration_type) {
			if (ret->ndims == ARRAY_DIMS_MAX) {
				err = RH_BAD_DATA(0, "%s: array type at 0x%llx has more than %d dimensions",
						  s->path, (unsigned long long)off,
						  ARRAY_DIMS_MAX);
				break;
			}
			uint64_t dim = DIM_UNKNOWN, count, upper, lower = 0;
			bool has_count = false, has_upper = false, has_lower;
			if (tag == DW_TAG_subrange_type) {
				err = die_udata(s, child, DW_AT_count, &has_count, &count);
				if (!err && !has_count)
					err = die_udata(s, child, DW_AT_upper_bound,
							&has_upper, &upper);
				if (!err && has_upper)
					err = die_udata(s, child, DW_AT_lower_bound,
							&has_lower, &lower);
				if (err)
					break;
			}
			if (has_count) {
				dim = count;
			} else if (has_upper) {
				// gcc writes `x[0]` as upper bound -1.
				if (upper == UINT64_MAX)
					dim = 0;
				else if (upper >= lower)
					dim = upper - lower + 1;
				else
					dim = 0;
			}
			ret->dims[ret->ndims++] = dim;
		}
		Dwarf_Die next = NULL;
		r = dwarf_siblingof_b(s->dbg, child, true, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (r == DW_DLV_ERROR) {
			child = NULL;
			err = dw_error(s, &e, "array dimension");
		}
	}
	if (child)
		dwarf_dealloc_die(child);
	// No subrange at all: an array of unknown bound.
	if (!err && ret->ndims == 0)
		ret->dims[ret->ndims++] = DIM_UNKNOWN;
out_die:
	dwarf_dealloc_die(die);
	return err;
}

static struct rh_error *cursor_from_type(struct scan *s, Dwarf_Off type_off,
					 struct cursor *ret)
{
	struct resolved_type rt;
	struct rh_error *err = resolve_type(s, type_off, &rt);
	if (err)
		return err;
	*ret = (struct cursor){ .off = rt.off, .tag = rt.tag,
				.complete = rt.found };
	return NULL;
}

static struct rh_error *cursor_size(struct scan *s, struct cursor c,
				    unsigned depth, bool *found, uint64_t *ret);

/*
 * Bytes spanned by one step of dimension `dim` of an array: the element
 * size times every later dimension. *found = false if a later dimension
 * has no bound or the element has no size.
 */
static struct rh_error *array_stride(struct scan *s, const struct array_info *a,
				     unsigned dim, unsigned depth, bool *found,
				     uint64_t *ret)
{
	struct cursor elem;
	struct rh_error *err = cursor_from_type(s, a->elem, &elem);
	if (err)
		return err;
	uint64_t size;
	err = cursor_size(s, elem, depth + 1, found, &size);
	if (err || !*found)
		return err;
	for (unsigned d = dim + 1; d < a->ndims; d++) {
		if (a->dims[d] == DIM_UNKNOWN) {
			*found = false;
			return NULL;
		}
		if (__builtin_mul_overflow(size, a->dims[d], &size))
			return RH_BAD_DATA(0, "%s: array size overflows 64 bits",
					   s->path);
	}
	*ret = size;
	return NULL;
}

/* sizeof the cursor's type; *found = false for void, functions, incomplete. */
static struct rh_error *cursor_size(struct scan *s, struct cursor c,
				    unsigned depth, bool *found, uint64_t *ret)
{
	*found = false;
	if (depth > NESTING_MAX)
		return RH_BAD_DATA(0, "%s: array of array types nested deeper than %d at DIE 0x%llx",
				   s->path, NESTING_MAX, (unsigned long long)c.off);
	if (!c.off || !c.complete)
		return NULL;
	if (c.tag == DW_TAG_array_type) {
		struct array_info a;
		struct rh_error *err = read_array(s, c.off, &a);
		if (err)
			return err;
		if (c.skip >= a.ndims)
			return NULL;
		// A flexible array member (no bound) has size 0, as GDB says.
		if (a.dims[c.skip] == DIM_UNKNOWN) {
			*found = true;
			*ret = 0;
			return NULL;
		}
		uint64_t stride;
		err = array_stride(s, &a, c.skip, depth, found, &stride);
		if (err || !*found)
			return err;
		if (__builtin_mul_overflow(stride, a.dims[c.skip], ret))
			return RH_BAD_DATA(0, "%s: array size overflows 64 bits",
					   s->path);
		return NULL;
	}
	if (c.tag == DW_TAG_subroutine_type)
		return NULL;
	Dwarf_Die die;
	struct rh_error *err = die_at(s, c.off, &die);
	if (err)
		return err;
	err = die_udata(s, die, DW_AT_byte_size, found, ret);
	if (!err && !*found &&
	    (c.tag == DW_TAG_pointer_type || c.tag == DW_TAG_reference_type ||
	     c.tag == DW_TAG_rvalue_reference_type)) {
		// gcc omits the size of pointers in some units: it is the
		// unit's address size.
		Dwarf_Half asz = 0;
		Dwarf_Error e = NULL;
		if (dwarf_get_die_address_size(die, &asz, &e) != DW_DLV_OK)
			err = dw_error(s, &e, "address size");
		else {
			*found = true;
			*ret = asz;
		}
	}
	dwarf_dealloc_die(die);
	return err;
}

/* Byte offset in DW_AT_data_member_location: a constant or DW_OP_plus_uconst. */
static struct rh_error *member_location(struct scan *s, Dwarf_Die die,
					uint64_t *ret)
{
	bool present = false;
	struct rh_error *err = die_udata(s, die, DW_AT_data_member_location,
					 &present, ret);
	if (err || present)
		return err;
	Dwarf_Attribute attr = NULL;
	err = die_attr(s, die, DW_AT_data_member_location, &attr);
	*ret = 0; // absent: a union member, or a DWARF 5 first member
	if (err || !attr)
		return err;
	const uint8_t *p = NULL;
	size_t len = 0;
	err = attr_expr(s, attr, &p, &len, &present);
	if (!err) {
		const uint8_t *end = p + len;
		// DWARF 2 style: DW_OP_plus_uconst N, and nothing else.
		if (!present || len < 2 || p[0] != DW_OP_plus_uconst ||
		    (p++, !read_uleb(&p, end, ret)) || p != end)
			err = RH_BAD_DATA(0, "%s: member location is not a constant offset",
					  s->path);
	}
	dwarf_dealloc_attribute(attr);
	return err;
}

/* Bit position of a member from the start of the struct holding it. */
static struct rh_error *member_bit_position(struct scan *s, Dwarf_Die die,
					    uint64_t *ret)
{
	bool present = false;
	struct rh_error *err = die_udata(s, die, DW_AT_data_bit_offset,
					 &present, ret);
	if (err || present)
		return err; // DWARF 4+ bit-fields
	uint64_t byte_offset, bit_offset;
	err = member_location(s, die, &byte_offset);
	if (!err)
		err = die_udata(s, die, DW_AT_bit_offset, &present, &bit_offset);
	if (err)
		return err;
	if (!present) {
		if (__builtin_mul_overflow(byte_offset, 8, ret))
			return RH_BAD_DATA(0, "%s: member offset overflows", s->path);
		return NULL;
	}
	// DWARF 2/3 bit-field: the storage unit is DW_AT_byte_size bytes, or
	// the size of the member's type.
	uint64_t bit_size, storage;
	err = die_udata(s, die, DW_AT_bit_size, &present, &bit_size);
	if (err)
		return err;
	if (!present)
		return RH_BAD_DATA(0, "%s: bit-field with DW_AT_bit_offset but no DW_AT_bit_size",
				   s->path);
	err = die_udata(s, die, DW_AT_byte_size, &present, &storage);
	if (err)
		return err;
	if (!present) {
		Dwarf_Off type;
		struct cursor c;
		err = die_ref(s, die, DW_AT_type, &type);
		if (!err)
			err = cursor_from_type(s, type, &c);
		if (!err)
			err = cursor_size(s, c, 0, &present, &storage);
		if (err)
			return err;
		if (!present)
			return RH_BAD_DATA(0, "%s: bit-field of a type without a size",
					   s->path);
	}
	if (!rh_layouts_dwarf3_bit_position(byte_offset, storage, bit_offset,
					    bit_size, s->little_endian, ret))
		return RH_BAD_DATA(0, "%s: bit-field of %llu bits at bit %llu does not fit its %llu-byte storage unit",
				   s->path, (unsigned long long)bit_size,
				   (unsigned long long)bit_offset,
				   (unsigned long long)storage);
	return NULL;
}

/*
 * Find member `name` in the struct/union at `off`, looking into anonymous
 * struct/union members as C does. On success *found, *ret_member is the
 * member's DIE offset and *ret_bits its bit position from the start of
 * the struct at `off`.
 */
static struct rh_error *find_member(struct scan *s, Dwarf_Off off,
				    const char *name, size_t len,
				    unsigned depth, bool *found,
				    Dwarf_Off *ret_member, uint64_t *ret_bits)
{
	*found = false;
	if (depth > NESTING_MAX)
		return RH_BAD_DATA(0, "%s: anonymous members nested deeper than %d in the type at DIE 0x%llx",
				   s->path, NESTING_MAX, (unsigned long long)off);
	Dwarf_Die die, child = NULL;
	Dwarf_Error e = NULL;
	struct rh_error *err = die_at(s, off, &die);
	if (err)
		return err;
	Dwarf_Off prev = off;
	int r = dwarf_child(die, &child, &e);
	if (r == DW_DLV_ERROR) {
		err = dw_error(s, &e, "members of the type at 0x%llx",
			       (unsigned long long)off);
		goto out_die;
	}
	while (r == DW_DLV_OK && !*found) {
		Dwarf_Off coff;
		Dwarf_Half tag;
		char *cname = NULL;
		err = die_offset(s, child, &coff);
		if (!err && coff <= prev)
			err = RH_BAD_DATA(0, "%s: DIE 0x%llx follows DIE 0x%llx (siblings must move forward)",
					  s->path, (unsigned long long)coff,
					  (unsigned long long)prev);
		if (!err)
			err = die_tag(s, child, &tag);
		if (!err && tag == DW_TAG_member)
			err = die_name(s, child, &cname);
		if (err)
			break;
		prev = coff;
		if (tag == DW_TAG_member && cname) {
			if (strlen(cname) == len && memcmp(cname, name, len) == 0) {
				err = member_bit_position(s, child, ret_bits);
				if (!err) {
					*found = true;
					*ret_member = coff;
				}
			}
			name_free(s, cname);
		} else if (tag == DW_TAG_member) {
			// Anonymous: search inside if it is a struct or union.
			Dwarf_Off type;
			struct cursor c;
			err = die_ref(s, child, DW_AT_type, &type);
			if (!err)
				err = cursor_from_type(s, type, &c);
			if (!err && c.complete &&
			    (c.tag == DW_TAG_structure_type ||
			     c.tag == DW_TAG_union_type ||
			     c.tag == DW_TAG_class_type)) {
				uint64_t inner, outer;
				err = find_member(s, c.off, name, len, depth + 1,
						  found, ret_member, &inner);
				if (!err && *found) {
					err = member_bit_position(s, child, &outer);
					if (!err && __builtin_add_overflow(outer, inner,
									   ret_bits))
						err = RH_BAD_DATA(0, "%s: member offset overflows",
								  s->path);
				}
			}
		}
		if (err || *found)
			break;
		Dwarf_Die next = NULL;
		r = dwarf_siblingof_b(s->dbg, child, true, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (r == DW_DLV_ERROR) {
			child = NULL;
			err = dw_error(s, &e, "member after 0x%llx",
				       (unsigned long long)coff);
		}
	}
	if (child)
		dwarf_dealloc_die(child);
	if (err)
		*found = false;
out_die:
	dwarf_dealloc_die(die);
	return err;
}

static bool is_record(Dwarf_Half tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_class_type;
}

/* The type DIE a query's type name stands for, or 0. */
static Dwarf_Off query_type_off(struct scan *s, const char *type)
{
	enum name_ns ns;
	const char *name;
	char canon[RH_LAYOUTS_NAME_MAX + 32];
	if (!split_type_name(type, &ns, &name))
		return 0;
	if (ns == NS_BARE) {
		if (!rh_layouts_canonical_base_name(name, canon, sizeof(canon)))
			return 0;
		name = canon;
	}
	uint32_t idx = names_find(&s->names, ns, name);
	if (idx == NO_ENTRY_IDX)
		return 0;
	const struct name_entry *e = &s->names.entries[idx];
	if (ns != NS_BARE)
		return e->off;
	if (e->resolved)
		return e->off;
	if (e->dep != NO_ENTRY_IDX)
		return s->names.entries[e->dep].off;
	return 0;
}

struct named_enumerator_arg {
	const char *name;
};

static bool named_enumerator_match(struct scan *s, const char *name, void *arg)
{
	const struct named_enumerator_arg *a = arg;
	return strcmp(name, a->name) == 0;
}

/* One query of a kind that starts from a type. Postcondition: *ret set. */
static struct rh_error *answer_type_query(struct scan *s,
					  const struct rh_layout_query *q,
					  struct rh_layout_value *ret)
{
	*ret = (struct rh_layout_value){ .found = false };
	Dwarf_Off type_off = query_type_off(s, q->type);
	if (!type_off)
		return NULL;
	struct cursor c;
	struct rh_error *err = cursor_from_type(s, type_off, &c);
	if (err || !c.complete)
		return err;

	if (q->kind == RH_LAYOUT_ENUM) {
		if (c.tag != DW_TAG_enumeration_type)
			return NULL;
		Dwarf_Die die;
		err = die_at(s, c.off, &die);
		if (err)
			return err;
		struct named_enumerator_arg arg = { q->member };
		bool matched = false, has_value = false;
		int64_t v = 0;
		err = walk_enumerators(s, die, named_enumerator_match, &arg,
				       &matched, &has_value, &v);
		dwarf_dealloc_die(die);
		if (!err && has_value) {
			ret->found = true;
			ret->value = v;
		}
		return err;
	}

	struct path_component comps[RH_LAYOUTS_PATH_MAX_COMPONENTS];
	unsigned ncomps = 0;
	if (q->member && !parse_path(q->member, comps, &ncomps))
		return NULL; // rh_layouts_check_queries() rejected it already
	uint64_t bits = 0;
	Dwarf_Off member = 0;
	for (unsigned i = 0; i < ncomps; i++) {
		if (c.skip || !c.complete || !is_record(c.tag))
			return NULL;
		bool found = false;
		uint64_t mbits;
		err = find_member(s, c.off, comps[i].name, comps[i].len, 0,
				  &found, &member, &mbits);
		if (err || !found)
			return err;
		if (__builtin_add_overflow(bits, mbits, &bits))
			return RH_BAD_DATA(0, "%s: member offset overflows", s->path);
		Dwarf_Die mdie;
		Dwarf_Off mtype;
		err = die_at(s, member, &mdie);
		if (err)
			return err;
		err = die_ref(s, mdie, DW_AT_type, &mtype);
		dwarf_dealloc_die(mdie);
		if (!err)
			err = cursor_from_type(s, mtype, &c);
		if (err)
			return err;
		for (unsigned k = 0; k < comps[i].nindexes; k++) {
			uint64_t idx = comps[i].indexes[k];
			if (!c.complete || c.tag != DW_TAG_array_type)
				return NULL;
			struct array_info a;
			uint64_t stride, step;
			bool found_stride = false;
			err = read_array(s, c.off, &a);
			if (!err && c.skip < a.ndims)
				err = array_stride(s, &a, c.skip, 0, &found_stride,
						   &stride);
			if (err)
				return err;
			if (c.skip >= a.ndims || !found_stride)
				return NULL;
			// Past the end of a bounded dimension is a mistake in
			// the query; an unbounded one (flexible array) takes
			// any index.
			if (a.dims[c.skip] != DIM_UNKNOWN && idx >= a.dims[c.skip])
				return NULL;
			if (__builtin_mul_overflow(idx, stride, &step) ||
			    __builtin_mul_overflow(step, 8, &step) ||
			    __builtin_add_overflow(bits, step, &bits))
				return NULL;
			member = 0; // an element is not the bit-field itself
			if (++c.skip == a.ndims) {
				err = cursor_from_type(s, a.elem, &c);
				if (err)
					return err;
			}
		}
	}

	bool found = false;
	uint64_t v;
	switch (q->kind) {
	case RH_LAYOUT_OFFSET:
		// A bit-field's offset is that of the byte holding its first bit.
		ret->found = true;
		ret->value = (int64_t)(bits / 8);
		return NULL;
	case RH_LAYOUT_BIT_OFFSET:
		ret->found = true;
		ret->value = (int64_t)bits;
		return NULL;
	case RH_LAYOUT_BIT_SIZE:
		if (member) {
			Dwarf_Die mdie;
			err = die_at(s, member, &mdie);
			if (err)
				return err;
			err = die_udata(s, mdie, DW_AT_bit_size, &found, &v);
			dwarf_dealloc_die(mdie);
			if (err)
				return err;
			if (found) {
				ret->found = true;
				ret->value = (int64_t)v;
				return NULL;
			}
		}
		err = cursor_size(s, c, 0, &found, &v);
		if (err || !found)
			return err;
		if (v > (uint64_t)INT64_MAX / 8)
			return NULL;
		ret->found = true;
		ret->value = (int64_t)(v * 8);
		return NULL;
	case RH_LAYOUT_SIZEOF:
		err = cursor_size(s, c, 0, &found, &v);
		if (err || !found || v > (uint64_t)INT64_MAX)
			return err;
		ret->found = true;
		ret->value = (int64_t)v;
		return NULL;
	case RH_LAYOUT_COUNT: {
		if (!c.complete || c.tag != DW_TAG_array_type)
			return NULL;
		struct array_info a;
		err = read_array(s, c.off, &a);
		if (err || c.skip >= a.ndims)
			return err;
		// A flexible array member counts 0 elements, but exists.
		v = a.dims[c.skip] == DIM_UNKNOWN ? 0 : a.dims[c.skip];
		if (v > (uint64_t)INT64_MAX)
			return NULL;
		ret->found = true;
		ret->value = (int64_t)v;
		return NULL;
	}
	default:
		return NULL;
	}
}

static struct rh_error *answer_queries(struct scan *s,
				       const struct rh_layout_query *queries,
				       size_t n, struct rh_layout_value *values)
{
	for (size_t i = 0; i < n; i++) {
		const struct rh_layout_query *q = &queries[i];
		values[i] = (struct rh_layout_value){ .found = false };
		if (q->kind == RH_LAYOUT_LOCAL) {
			char key[RH_LAYOUTS_NAME_MAX + 2];
			snprintf(key, sizeof(key), "%s:%s", q->type, q->member);
			uint32_t idx = names_find(&s->names, NS_LOCAL, key);
			values[i].found = idx != NO_ENTRY_IDX && s->names.entries[idx].has_value;
			continue;
		}
		if (q->kind == RH_LAYOUT_VARIABLE ||
		    (q->kind == RH_LAYOUT_ENUM && !q->type)) {
			enum name_ns ns = q->kind == RH_LAYOUT_VARIABLE
						  ? NS_VARIABLE
						  : NS_ENUMERATOR;
			uint32_t idx = names_find(&s->names, ns, q->member);
			if (idx != NO_ENTRY_IDX && s->names.entries[idx].has_value) {
				values[i].found = true;
				values[i].value = s->names.entries[idx].value;
			}
			continue;
		}
		struct rh_error *err = answer_type_query(s, q, &values[i]);
		if (err)
			return rh_error_prefix(err, "answering layout query %zu (%s%s%s)",
					       i, q->type, q->member ? " " : "",
					       q->member ? q->member : "");
	}
	return NULL;
}

static struct rh_error *want_queries(struct scan *s,
				     const struct rh_layout_query *queries,
				     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rh_layout_query *q = &queries[i];
		struct rh_error *err;
		if (q->kind == RH_LAYOUT_LOCAL) {
			char key[RH_LAYOUTS_NAME_MAX + 2];
			snprintf(key, sizeof(key), "%s:%s", q->type, q->member);
			err = want(s, NS_FUNCTION, q->type);
			if (!err)
				err = want(s, NS_LOCAL, key);
		} else if (q->kind == RH_LAYOUT_VARIABLE) {
			err = want(s, NS_VARIABLE, q->member);
		} else if (q->kind == RH_LAYOUT_ENUM && !q->type) {
			err = want(s, NS_ENUMERATOR, q->member);
		} else {
			enum name_ns ns;
			const char *name;
			if (!split_type_name(q->type, &ns, &name))
				return rh_error_create(RH_ERR_INVALID_ARGUMENT,
						       "layout query %zu: bad type name", i);
			err = want(s, ns, name);
		}
		if (err)
			return err;
	}
	return NULL;
}

static void scan_deinit(struct scan *s)
{
	names_deinit(&s->names);
	free(s->wanted);
	u64_table_deinit(&s->var_targets);
	u64_table_deinit(&s->var_links);
	free(s->pairs);
}

struct rh_error *rh_layouts_scan(const char *debug_path,
				 const struct rh_layout_query *queries,
				 size_t n, struct rh_layout_value *values,
				 unsigned *units)
{
	struct rh_error *err = NULL;
	struct scan s = { .path = debug_path };

	// Open it ourselves: a missing or unreadable file is an OS error
	// with its errno, which libdwarf would turn into "no entry".
	int fd = open(debug_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rh_error_os(errno, debug_path, "cannot open %s to read its DWARF",
				   debug_path);
	unsigned char magic[4];
	ssize_t got = pread(fd, magic, sizeof(magic), 0);
	if (got != (ssize_t)sizeof(magic) || memcmp(magic, "\177ELF", 4) != 0) {
		err = rh_error_create(RH_ERR_MISSING_DEBUG_INFO,
				      "%s is not an ELF file, so it has no DWARF: give the interpreter's binary or its separate debug file",
				      debug_path);
		goto out_fd;
	}

	struct rh_layout_value *tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (!tmp) {
		err = rh_enomem;
		goto out_fd;
	}
	Dwarf_Error e = NULL;
	int r = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
			     &s.dbg, &e);
	if (r == DW_DLV_NO_ENTRY) {
		err = rh_error_create(RH_ERR_MISSING_DEBUG_INFO,
				      "no DWARF (.debug_info) in %s: install the interpreter's debug symbols (e.g. the -dbg or -dbgsym package) or give its separate debug file",
				      debug_path);
		goto out_tmp;
	}
	if (r != DW_DLV_OK) {
		// No dbg exists yet: libdwarf frees such an error without one.
		err = RH_BAD_DATA(0, "%s: cannot read DWARF: %s", debug_path,
				  e ? dwarf_errmsg(e) : "unknown libdwarf error");
		if (e)
			dwarf_dealloc_error(NULL, e);
		goto out_tmp;
	}
	s.copy = dwarf_get_endian_copy_function(s.dbg);
	if (!s.copy) {
		err = RH_BAD_DATA(0, "%s: libdwarf knows no byte order for it",
				  debug_path);
		goto out_dbg;
	}
	// The copy function reads object bytes into a host value: 01 00 reads
	// as 1 exactly when the object is little-endian.
	uint16_t probe = 0;
	static const unsigned char probe_bytes[2] = { 1, 0 };
	s.copy(&probe, probe_bytes, 2);
	s.little_endian = probe == 1;

	err = want_queries(&s, queries, n);
	if (err)
		goto out_dbg;
	err = pass_all_units(&s);
	if (err)
		goto out_dbg;
	if (s.units == 0) {
		err = rh_error_create(RH_ERR_MISSING_DEBUG_INFO,
				      "no compilation units in the DWARF of %s: install the interpreter's debug symbols or give its separate debug file",
				      debug_path);
		goto out_dbg;
	}
	err = answer_queries(&s, queries, n, tmp);
	if (err)
		goto out_dbg;
	memcpy(values, tmp, n * sizeof(*values));
	if (units)
		*units = s.units;
out_dbg:
	if (dwarf_finish(s.dbg, &e) == DW_DLV_ERROR && e)
		dwarf_dealloc_error(NULL, e); // nothing left to act on
out_tmp:
	free(tmp);
	scan_deinit(&s);
out_fd:
	close(fd);
	return err;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct rh_error *rh_layouts_resolve(const char *debug_path,
				    const char *build_id_hex,
				    const char *cache_dir,
				    const struct rh_layout_query *queries,
				    size_t n, struct rh_layout_value *values,
				    struct rh_layout_stats *stats)
{
	double start = now_seconds();
	if (!debug_path || (n && !values))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "rh_layouts_resolve: debug_path and values are required");
	if (build_id_hex && !rh_layouts_build_id_ok(build_id_hex))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "build-id \"%s\" is not 1 to %d hex digits",
				       build_id_hex, RH_LAYOUTS_BUILD_ID_MAX);
	struct rh_error *err = rh_layouts_check_queries(queries, n);
	if (err)
		return err;

	struct rh_layout_stats st = { 0 };
	struct rh_layout_value *tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (!tmp)
		return rh_enomem;
	bool use_cache = build_id_hex && cache_dir && *cache_dir;
	uint64_t qhash = rh_layouts_query_hash(queries, n);
	if (use_cache &&
	    rh_layouts_cache_read(cache_dir, build_id_hex, qhash, n, tmp)) {
		st.from_cache = true;
	} else {
		err = rh_layouts_scan(debug_path, queries, n, tmp, &st.units);
		if (err)
			goto out;
		if (use_cache)
			st.cache_written = rh_layouts_cache_write(cache_dir, build_id_hex,
								  qhash, n, tmp);
	}
	memcpy(values, tmp, n * sizeof(*values));
	st.seconds = now_seconds() - start;
	if (stats)
		*stats = st;
out:
	free(tmp);
	return err;
}
