/*
 * Run every analysis and every report over a snapshot, output to
 * /dev/null: what a hostile core or cache file reaches after the readers.
 * Shared by fuzz_snapshot_cache.c, fuzz_analysis_cache.c and fuzz_heap.c.
 */
#ifndef RH_FUZZ_ANALYSES_H
#define RH_FUZZ_ANALYSES_H

struct rh_snapshot;

/* With labels: each object's edge labels (reads the target: heap harness). */
void fuzz_run_analyses(const struct rh_snapshot *s, int labels);

struct rh_analysis;
/* The same with the parts an already holds (read from a file), the rest built. */
void fuzz_run_reports(struct rh_analysis *an, int labels);

#endif
