/*
 * Helpers shared by the analysis reports (lists.c, diff.c, tree.c): a
 * bounded "top N" selection that never sorts the whole heap, the module a
 * type belongs to, and a few text and JSON pieces every report writes the
 * same way.
 */
#ifndef RH_REPORT_LISTUTIL_H
#define RH_REPORT_LISTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "report/json.h"

/** > 0 when item a ranks before item b (a is "bigger"); never 0 for a != b
 *  if the order must be deterministic (break ties by index). */
typedef int rh_rank_fn(const void *arg, uint32_t a, uint32_t b);

/*
 * The best `cap` items of a stream, kept in a min-heap of size cap:
 * O(n log cap) time, cap entries of memory. cap 0 keeps every item
 * (room for `hint` of them), which is then a heap sort.
 */
struct rh_topn {
	uint32_t *items;
	size_t n, cap;
	rh_rank_fn *rank;
	const void *arg;
};

/** Errors: RH_ERR_NO_MEMORY. */
struct rh_error *rh_topn_init(struct rh_topn *t, size_t cap, size_t hint,
			      rh_rank_fn *rank, const void *arg);
void rh_topn_add(struct rh_topn *t, uint32_t item);
/** Sort what is kept, best first (items[0 .. n)). */
void rh_topn_finish(struct rh_topn *t);
void rh_topn_free(struct rh_topn *t);

/**
 * The module a type belongs to, as type.__module__ says it: the
 * '__module__' entry of the type's dict (classes, heap types; read from
 * the target), else the part of tp_name before its last '.', else
 * "builtins". buf gets unescaped target bytes.
 */
void rh_type_module(const struct rh_snapshot *s, uint32_t type, char *buf, size_t len);

/*
 * Which types pass a report's --type (substring of the name) and --module
 * (rh_type_module() equals it) filters, decided once per type, lazily:
 * the module needs reads of the target.
 */
struct rh_type_filter {
	const struct rh_snapshot *s;
	const char *type_sub;
	const char *module;
	uint8_t *state;     /* per type: 0 unknown, 1 passes, 2 filtered out */
};

/** Errors: RH_ERR_NO_MEMORY. */
struct rh_error *rh_type_filter_init(struct rh_type_filter *tf, const struct rh_snapshot *s,
				     const char *type_sub, const char *module);
bool rh_type_filter_pass(struct rh_type_filter *tf, uint32_t type);
void rh_type_filter_free(struct rh_type_filter *tf);

/** JSON {"kind": ..., "name": ..., "conservative": bool} for root record k. */
void rh_json_root(struct rh_json *j, const struct rh_snapshot *s, uint32_t k);

/**
 * What holds the top of a dominator chain (an object the virtual root
 * dominates): "module __main__", "garbage", "external" ... as one
 * sentence for text, and its parts for JSON. kind: a root kind name,
 * "roots" (several roots reach it; root = the root of one shortest path),
 * "external", "garbage" or "unknown"; root: a root record or UINT32_MAX.
 */
struct rh_holder {
	const char *kind;
	uint32_t root;
};
void rh_holder_of(const struct rh_analysis *a, uint32_t top, struct rh_holder *ret);
void rh_holder_print(FILE *f, const struct rh_snapshot *s, const struct rh_holder *h);
void rh_holder_json(struct rh_json *j, const struct rh_snapshot *s, const struct rh_holder *h);

/*
 * Candidate native holders of an object whose count is not explained:
 * conservative roots pointing at it (native stack words, C statics,
 * interpreter-state words) and objects of unknown types whose memory holds
 * a pointer to it (one entry per such object).
 */
#define RH_MAX_NATIVE_HOLDERS 8

struct rh_native_holder {
	const char *kind;    /* root kind name, or "pointer" */
	const char *name;    /* root name, NULL for a pointer */
	uint64_t where;      /* the root's slot, or 0 */
	uint32_t obj;        /* the object holding a pointer, or UINT32_MAX */
};

struct rh_native_holders {
	uint32_t obj;        /* in: the object asked about */
	uint32_t n;          /* out */
	struct rh_native_holder h[RH_MAX_NATIVE_HOLDERS];
};

/**
 * Fill sets[k].h for sets[k].obj, k < n: one pass over the roots for all
 * of them, then their referrers (when RH_NEED_REFERRERS was built).
 * Errors: RH_ERR_NO_MEMORY.
 */
struct rh_error *rh_native_holders_find(const struct rh_analysis *a,
					struct rh_native_holders *sets, size_t n);

/** Name of a gc-block reason, as the JSON reports spell it ("disabled"...). */
const char *rh_gc_block_name(enum rh_gc_block b);

/** The GC state that governs the objects of interpreter `interp`, or NULL. */
const struct rh_snap_gc *rh_gc_state_of_interp(const struct rh_snapshot *s, size_t interp);

/**
 * After the name of type t, which another type shares: " (module 'M')",
 * with the type's address when the module does not tell them apart.
 * Reads the target (the module of a class); needs the graph for that.
 */
void rh_print_type_distinct(FILE *f, const struct rh_snapshot *s, uint32_t t);

/** Type name of object i (unescaped target bytes). */
static inline const char *rh_obj_type_name(const struct rh_snapshot *s, uint32_t i)
{
	return s->types[s->obj_type[i]].name;
}

#endif /* RH_REPORT_LISTUTIL_H */
