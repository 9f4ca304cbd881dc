/*
 * The GC state in the collector's own terms, for every report: the
 * generational collector's generations 0-2 (3.8-3.13, 3.14.5+), or the
 * incremental collector's young generation and two old spaces, one
 * visited this round and one pending (3.14.0-3.14.4; heap/snapshot.h).
 */
#ifndef RH_REPORT_GCSTATE_H
#define RH_REPORT_GCSTATE_H

#include <stdio.h>

#include "heap/snapshot.h"
#include "report/json.h"

/** Short name of GC list g (0..2, RH_SNAP_GEN_PERMANENT): "0".."2" or
 *  "young", "old[0]", "old[1]"; "permanent". */
const char *rh_gc_list_short(const struct rh_snap_gc *gc, int g);

/** Long name: "generation 1", or "old space 0 (pending this round)". */
const char *rh_gc_list_name(const struct rh_snap_gc *gc, int g);

/** "generational" or "incremental". */
const char *rh_gc_model_name(const struct rh_snap_gc *gc);

/** JSON keys (inside an open object): "model", and for the incremental
 *  collector "visited_space", "phase" ("mark"/"collect"), "work_to_do";
 *  "heap_size" where known. */
void rh_gc_json_model(struct rh_json *j, const struct rh_snap_gc *gc);

/** JSON keys describing list g inside its open object: "list" (short
 *  name), and for an old space "space" ("visited"/"pending"). */
void rh_gc_json_list(struct rh_json *j, const struct rh_snap_gc *gc, int g);

/** What run `run` of the GC simulation (analysis/gcsim.h) stands for:
 *  for the incremental collector "young", "increment", "full"; NULL for
 *  the generational one (the run is a generation number). */
const char *rh_gc_run_name(const struct rh_snap_gc *gc, int run);

/** A sentence: which collection frees garbage first freed by run `run`
 *  ("a collection of generation 1 (or older) frees it"). */
void rh_gc_run_text(const struct rh_snap_gc *gc, int run, char *buf, size_t len);

/** One line for the incremental collector (nothing for the generational
 *  one): phase, visited space, work_to_do, heap_size. */
void rh_gc_print_model(FILE *f, const struct rh_snap_gc *gc, const char *indent);

#endif /* RH_REPORT_GCSTATE_H */
