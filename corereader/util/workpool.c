/*
 * Worker pool (workpool.h): one mutex, two condition variables and a
 * generation number. A run bumps the generation and wakes the workers;
 * each claims task numbers from an atomic counter until none is left,
 * then counts itself out. The caller claims tasks like a worker and waits
 * for the count to reach zero, so a run costs two wake-ups, not a thread
 * creation.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/workpool.h"

struct rh_pool {
	pthread_mutex_t mu;
	pthread_cond_t start, done;
	pthread_t *tids;
	uint32_t nworkers;      /* started threads (jobs - 1 at most) */
	uint64_t generation;    /* bumped by each run */
	bool quit;
	rh_pool_task_fn *fn;
	void *arg;
	uint32_t ntasks;
	uint32_t next;          /* next task to claim (atomic) */
	uint32_t running;       /* workers not yet done with this run */
};

static void claim_tasks(struct rh_pool *p)
{
	for (;;) {
		uint32_t k = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (k >= p->ntasks)
			break;
		p->fn(p->arg, k);
	}
}

static void *worker(void *arg)
{
	struct rh_pool *p = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->generation == seen && !p->quit)
			pthread_cond_wait(&p->start, &p->mu);
		if (p->quit)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->mu);
		claim_tasks(p);
		pthread_mutex_lock(&p->mu);
		if (--p->running == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct rh_pool *rh_pool_create(uint32_t jobs)
{
	if (jobs <= 1)
		return NULL;
	if (jobs > RH_POOL_MAX_JOBS)
		jobs = RH_POOL_MAX_JOBS;
	struct rh_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tids = calloc(jobs - 1, sizeof(*p->tids));
	if (!p->tids) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->start, NULL);
	pthread_cond_init(&p->done, NULL);
	for (uint32_t i = 0; i + 1 < jobs; i++) {
		if (pthread_create(&p->tids[i], NULL, worker, p) != 0)
			break;
		p->nworkers++;
	}
	return p;
}

uint32_t rh_pool_jobs(const struct rh_pool *p)
{
	return p ? p->nworkers + 1 : 1;
}

void rh_pool_start(struct rh_pool *p, rh_pool_task_fn *fn, void *arg, uint32_t ntasks)
{
	if (!p || !p->nworkers) {
		for (uint32_t k = 0; k < ntasks; k++)
			fn(arg, k);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->ntasks = ntasks;
	__atomic_store_n(&p->next, 0, __ATOMIC_RELAXED);
	p->running = p->nworkers;
	p->generation++;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->mu);
}

void rh_pool_wait(struct rh_pool *p, bool help)
{
	if (!p || !p->nworkers)
		return;
	// After a finished run `next` is past `ntasks`: nothing to claim.
	if (help)
		claim_tasks(p);
	pthread_mutex_lock(&p->mu);
	while (p->running)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void rh_pool_run(struct rh_pool *p, rh_pool_task_fn *fn, void *arg, uint32_t ntasks)
{
	rh_pool_start(p, fn, arg, ntasks);
	rh_pool_wait(p, true);
}

void rh_pool_destroy(struct rh_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->mu);
	for (uint32_t i = 0; i < p->nworkers; i++)
		pthread_join(p->tids[i], NULL);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->tids);
	free(p);
}

/* rh_pool_set_default_jobs(); set once at the start, before any thread. */
static uint32_t process_jobs;

void rh_pool_set_default_jobs(uint32_t jobs)
{
	process_jobs = jobs;
}

uint32_t rh_pool_default_jobs(uint32_t requested)
{
	uint32_t n = requested ? requested : process_jobs;
	if (!n) {
		const char *env = getenv("REFHEAP_JOBS");
		char *end;
		unsigned long v = env && *env ? strtoul(env, &end, 10) : 0;
		if (env && *env && !*end && v > 0)
			n = v > RH_POOL_MAX_JOBS ? RH_POOL_MAX_JOBS : (uint32_t)v;
	}
	if (!n) {
		// More threads than this gain nothing on the snapshot: the
		// merge that follows each window is sequential.
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1 ? 1 : cpus > RH_POOL_DEFAULT_MAX ? RH_POOL_DEFAULT_MAX : (uint32_t)cpus;
	}
	return n > RH_POOL_MAX_JOBS ? RH_POOL_MAX_JOBS : n;
}
