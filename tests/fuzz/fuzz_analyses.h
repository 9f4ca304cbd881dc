/*
 * Run every analysis and every report over a snapshot, output to
 * /dev/null: what a hostile core or cache file reaches after the readers.
 * Shared by fuzz_snapshot_cache.c and fuzz_heap.c.
 */
#ifndef RH_FUZZ_ANALYSES_H
#define RH_FUZZ_ANALYSES_H

struct rh_snapshot;

/* With labels: each object's edge labels (reads the target: heap harness). */
void fuzz_run_analyses(const struct rh_snapshot *s, int labels);

#endif
