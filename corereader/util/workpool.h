/*
 * A fixed pool of worker threads that run numbered tasks: the caller's
 * thread works too, and rh_pool_run() returns when every task is done.
 * Tasks are claimed in increasing order from one atomic counter, so a
 * slow task never holds the others up; what a task writes is its own
 * (the caller merges the results in task order: the pool promises no
 * order of execution, only completion).
 */
#ifndef RH_UTIL_WORKPOOL_H
#define RH_UTIL_WORKPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct rh_pool;

typedef void rh_pool_task_fn(void *arg, uint32_t task);

/**
 * A pool of `jobs` threads in all, the caller's included (jobs - 1 are
 * started). Fewer may start (no memory, a thread limit): the pool then
 * runs with what it has; rh_pool_jobs() says how many. NULL only when
 * jobs <= 1 or nothing at all could be allocated: run the tasks inline.
 */
struct rh_pool *rh_pool_create(uint32_t jobs);
uint32_t rh_pool_jobs(const struct rh_pool *p);
/** Run fn(arg, 0..ntasks-1) on the pool (inline when p is NULL). */
void rh_pool_run(struct rh_pool *p, rh_pool_task_fn *fn, void *arg, uint32_t ntasks);
/**
 * Start fn(arg, 0..ntasks-1) on the pool's own threads and return at once,
 * so the caller can do other work meanwhile; rh_pool_wait() ends the run.
 * Without threads (p NULL, none started) the tasks run here, now. One run
 * at a time: no rh_pool_run() or rh_pool_start() before the wait.
 */
void rh_pool_start(struct rh_pool *p, rh_pool_task_fn *fn, void *arg, uint32_t ntasks);
/**
 * Wait until the run rh_pool_start() began is done (at once if none is);
 * with help, the caller claims the tasks left too.
 */
void rh_pool_wait(struct rh_pool *p, bool help);
void rh_pool_destroy(struct rh_pool *p);

/**
 * How many threads to use: `requested` if non-zero, else what
 * rh_pool_set_default_jobs() set, else $REFHEAP_JOBS if set to a number,
 * else the online CPUs; at most RH_POOL_MAX_JOBS.
 */
#define RH_POOL_MAX_JOBS 64
#define RH_POOL_DEFAULT_MAX 8
uint32_t rh_pool_default_jobs(uint32_t requested);
/**
 * The process's own default (the command line's --jobs; 0: none), for the
 * code that has no options to pass one through: the snapshot cache's
 * checks (heap/snapshot_cache.c) ran on two threads under --jobs 1.
 */
void rh_pool_set_default_jobs(uint32_t jobs);

#endif /* RH_UTIL_WORKPOOL_H */
