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

#endif /* RH_REPORT_ANALYSES_H */
