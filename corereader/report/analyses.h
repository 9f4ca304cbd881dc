/*
 * Reports of the analysis commands other than `why` (why.h): trees of
 * references and referrers, histogram, gc, dominators, cycles, leaks, diff.
 * Text by default; JSON (one object) with `json`; DOT for the trees.
 * Every string from the target goes through report/escape.
 */
#ifndef RH_REPORT_ANALYSES_H
#define RH_REPORT_ANALYSES_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "report/listutil.h"

struct rh_tree_options {
	bool json;
	bool dot;
	/** Write here instead of f; .svg/.png/.pdf: render DOT with graphviz's
	 *  `dot` when it is installed, else keep FILE.dot and say so. */
	const char *output;
	bool referrers;       /* the tree of referrers (else references) */
	unsigned depth;       /* levels */
	unsigned width;       /* children per node */
	const char *type;     /* keep only branches that lead to this type */
};

/** refs / referrers. Needs RH_NEED_REFERRERS | RH_NEED_REACH. */
struct rh_error *rh_report_tree(FILE *f, struct rh_analysis *a, uint32_t idx,
				const struct rh_tree_options *opts);

struct rh_list_options {
	bool json;
	unsigned top;          /* rows; 0 = all */
	const char *sort;      /* histogram: "count", "bytes", "retained" (NULL: bytes) */
	const char *type;      /* substring of the type name */
	const char *module;    /* module of the type */
	unsigned paths;        /* diff: path shapes per type */
};

/** Needs RH_NEED_DOMINATORS. */
struct rh_error *rh_report_histogram(FILE *f, struct rh_analysis *a,
				     const struct rh_list_options *opts);
/** Needs RH_NEED_VERDICTS. */
struct rh_error *rh_report_gc(FILE *f, struct rh_analysis *a,
			      const struct rh_list_options *opts);
/** Needs RH_NEED_DOMINATORS. */
struct rh_error *rh_report_dominators(FILE *f, struct rh_analysis *a,
				      const struct rh_list_options *opts);
/** Needs RH_NEED_VERDICTS. */
struct rh_error *rh_report_cycles(FILE *f, struct rh_analysis *a,
				  const struct rh_list_options *opts);
/** Needs RH_NEED_VERDICTS | RH_NEED_DOMINATORS | RH_NEED_REFERRERS. */
struct rh_error *rh_report_leaks(FILE *f, struct rh_analysis *a,
				 const struct rh_list_options *opts);
/** old: any; new: RH_NEED_REFERRERS | RH_NEED_REACH. */
struct rh_error *rh_report_diff(FILE *f, struct rh_analysis *old, struct rh_analysis *new,
				const struct rh_list_options *opts);

/*
 * The leak suspects `leaks` lists and `report` shows: unaccounted objects
 * (no native holder first, then by unexplained count), the largest
 * garbage components, the largest retained sets (interpreter
 * infrastructure left out). At most `max` of each (0: all).
 */
#define RH_SUSPECT_MEMBERS 5

struct rh_suspect_leak {
	uint32_t obj;
	int64_t excess;          /* refcount minus the references found */
};

struct rh_suspect_cycle {
	uint32_t id;             /* garbage component (rh_verdicts.comps) */
	uint32_t members[RH_SUSPECT_MEMBERS];
	uint32_t nmembers;
	struct rh_gc_why why;    /* why no collection has freed it yet */
	bool have_why;
};

struct rh_suspects {
	uint64_t nleaks, norphans;          /* all unaccounted; those no native word points at */
	uint64_t leak_bytes;                /* their shallow bytes */
	struct rh_suspect_leak *leaks;      /* nleaks_shown */
	struct rh_native_holders *holders;  /* parallel to leaks */
	size_t nleaks_shown;
	/* held by native code (RH_VERDICT_HELD_BY_NATIVE): not suspects,
	 * summarized apart with a few examples */
	uint64_t nnative, nnative_orphans, native_bytes;
	struct rh_suspect_leak *native;     /* nnative_shown */
	struct rh_native_holders *native_holders;
	size_t nnative_shown;
	struct rh_suspect_cycle *cycles;
	size_t ncycles;
	uint64_t garbage_objects, garbage_bytes;
	uint32_t *sets;                     /* largest retained sets, biggest first */
	size_t nsets;
};

/** Needs RH_NEED_VERDICTS | RH_NEED_DOMINATORS (| RH_NEED_REFERRERS for
 *  pointer holders). Errors: RH_ERR_NO_MEMORY, RH_ERR_INVALID_ARGUMENT. */
struct rh_error *rh_suspects_gather(const struct rh_analysis *a, unsigned max,
				    struct rh_suspects *ret);
void rh_suspects_free(struct rh_suspects *x);

/* Per type: objects, shallow bytes, retained bytes (an object dominated
 * by another of its type counted once, in it; 0 without dominators). */
struct rh_type_row {
	uint64_t count, bytes, retained;
};
/** rows: s->ntypes entries, zeroed by the caller. Errors: RH_ERR_NO_MEMORY. */
struct rh_error *rh_type_rows(const struct rh_analysis *a, struct rh_type_row *rows);

struct rh_html_options {
	unsigned top;            /* rows per suspect kind (default 10) */
	unsigned tree_width;     /* children per dominator node (default 12) */
	unsigned tree_depth;     /* levels of the dominator tree (default 5) */
	unsigned types;          /* histogram rows (default 200; 0 = all) */
};

/**
 * `refheap report`: one self-contained HTML page (no network, no external
 * asset) with the interpreter and its GC state, the leak suspects with a
 * labelled path from a root each, the dominator tree (expandable) and the
 * type histogram (sortable). Every string from the target is escaped.
 * Needs RH_NEED_VERDICTS | RH_NEED_DOMINATORS | RH_NEED_REFERRERS.
 */
struct rh_error *rh_report_html(FILE *f, struct rh_analysis *a,
				const struct rh_html_options *opts);

#endif /* RH_REPORT_ANALYSES_H */
