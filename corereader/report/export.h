/*
 * `refheap export --format=jsonl`: the snapshot as JSON Lines, a contract
 * other tools build on (keep it stable; add fields, never change them):
 *
 *   {"record":"snapshot","python":"3.11.7","pointer_size":8,"gc":{...},...}
 *   {"record":"object","addr":"0x...","type":"dict","size":N,"refcnt":N,
 *    "gen":0|1|2|"permanent"|null,"refs":["0x...",...],"found":"gc|ref|alloc",
 *    "verdict":"reachable|cyclic-garbage|unaccounted|frozen|dead",...}
 *   {"record":"root",...}   (when roots are known)
 *
 * `refs` are the references tp_traverse visits, in its order: what
 * gc.get_referents() returns. `owned` lists references the object holds but
 * does not traverse (str keys of dicts, code constants). For a type whose
 * tp_traverse refheap does not know (a C extension's), `refs` holds the
 * pointers a scan of the object's memory found, also listed in
 * `conservative`.
 */
#ifndef RH_REPORT_EXPORT_H
#define RH_REPORT_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/gcsim.h"
#include "analysis/verdict.h"
#include "heap/snapshot.h"

struct rh_export_options {
	/**
	 * With verdicts: each object gets "verdict", and the snapshot's "gc"
	 * records (main and per interpreter) get "cyclic_garbage": the
	 * tracked objects a full collection would free (gc.collect()).
	 */
	const struct rh_verdicts *verdicts;
	/**
	 * With the GC simulation too: each cyclic-garbage object gets
	 * "freed_by", the first run that frees it (analysis/gcsim.h: the
	 * youngest generation; for 3.14.0-3.14.4's incremental collector 0
	 * young, 1 an increment of this round, 2 full), and for the
	 * incremental collector "freed_by_collection" ("young", "increment",
	 * "full").
	 */
	const struct rh_gcsim *gcsim;
	/** Add "repr": a short, safe repr of each object (reads the target). */
	bool repr;
	/** Add "labels" (parallel to "refs") and "owned_labels" (to "owned"). */
	bool labels;
};

void rh_report_export_jsonl(FILE *f, const struct rh_snapshot *s,
			    const struct rh_export_options *opts);

#endif /* RH_REPORT_EXPORT_H */
