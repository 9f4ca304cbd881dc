/*
 * `refheap why ADDR`: one object's verdict and its evidence, as text or
 * as one JSON object:
 *
 *   {"addr":"0x...","type":"dict","size":N,"refcnt":N,"repr":"...",
 *    "verdict":"reachable|cyclic-garbage|unaccounted|frozen|dead",
 *    "refcount":{"refcnt":N,"found":N,"excess":N,"deficit":N},
 *    "path":[{"addr":"0x...","type":"module","edge":"app","root":"module"},
 *            {"addr":"0x...","type":"dict","edge":"__dict__"},...],
 *    "paths":[[...],...],            (every path, the first is "path")
 *    "gc":{"generation":0|1|2|"permanent"|"untracked", ...
 *          cyclic garbage and frozen: "freed_by":G|null,"blocked":"...",
 *          "count":N,"threshold":N,"allocations":N,"reason":"..."},
 *    "cycle":{"members":N,"bytes":N,"held":N,"held_bytes":N,
 *             "objects":[{"addr","type"},...]},
 *    "holders":[{"kind":"stack|static|pointer","name":"...","where":"0x..."}],
 *    "retained":{"objects":N,"bytes":N}}
 */
#ifndef RH_REPORT_WHY_H
#define RH_REPORT_WHY_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/analysis.h"

struct rh_why_options {
	bool json;
	/** Paths through distinct roots (default 1). */
	unsigned paths;
	/** Members of a garbage cycle listed (default 20). */
	unsigned members;
};

/** Needs RH_NEED_VERDICTS | RH_NEED_REFERRERS. Errors: RH_ERR_NO_MEMORY. */
struct rh_error *rh_report_why(FILE *f, struct rh_analysis *a, uint32_t idx,
			       const struct rh_why_options *opts);

#endif /* RH_REPORT_WHY_H */
