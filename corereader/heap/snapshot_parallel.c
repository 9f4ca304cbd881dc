/*
 * Parallel reading of references (snapshot_parallel.h).
 *
 * A window of objects is cut into chunks of CHUNK objects, claimed by the
 * pool's threads; each chunk has its own buffer of references, so threads
 * share no written memory but the per-object records of their own chunk.
 * The main thread then takes the objects in index order
 * (rh_prefollow_take), so the merge order is the object order whatever
 * the threads did first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cpython/runtime.h"
#include "heap/snapshot_parallel.h"
#include "util/workpool.h"

/* Objects per task, and per window (the pool runs once per window). */
#define CHUNK 1024
#define WINDOW (64 * CHUNK)
#define NCHUNKS (WINDOW / CHUNK)

/* One reference as rh_py_referents gave it (what on_ref reads of it). */
struct saved_ref {
	uint64_t addr;
	uint8_t kind;      /* enum rh_py_ref_kind */
	bool traversed;
};

enum { OBJ_NONE, OBJ_READ };

struct obj_rec {
	uint32_t off, n;         /* references in its chunk's buffer */
	struct rh_error *err;    /* rh_py_referents' error, owned */
	uint8_t state;
};

struct chunk_buf {
	struct saved_ref *refs;
	size_t n, cap;
	bool nomem;
};

struct rh_prefollow {
	struct rh_pool *pool;
	struct rh_py_runtime *rt;
	const struct rh_snapshot *s;
	uint32_t from, to;
	struct obj_rec recs[WINDOW];
	struct chunk_buf bufs[NCHUNKS];
};

struct rh_prefollow *rh_prefollow_create(struct rh_py_runtime *rt, uint32_t jobs)
{
	if (jobs <= 1 || !rh_py_workers_allowed(rt))
		return NULL;
	struct rh_error *err = rh_py_workers_prepare(rt);
	if (err) {
		// The main thread meets the same error again and reports it.
		rh_error_destroy(err);
		return NULL;
	}
	struct rh_prefollow *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	pf->pool = rh_pool_create(jobs);
	if (!pf->pool || rh_pool_jobs(pf->pool) < 2) {
		rh_pool_destroy(pf->pool);
		free(pf);
		return NULL;
	}
	pf->rt = rt;
	return pf;
}

static void drop_window(struct rh_prefollow *pf)
{
	for (uint32_t k = 0; k < pf->to - pf->from; k++) {
		rh_error_destroy(pf->recs[k].err);
		pf->recs[k].err = NULL;
		pf->recs[k].state = OBJ_NONE;
	}
}

void rh_prefollow_destroy(struct rh_prefollow *pf)
{
	if (!pf)
		return;
	drop_window(pf);
	rh_pool_destroy(pf->pool);
	for (size_t c = 0; c < NCHUNKS; c++)
		free(pf->bufs[c].refs);
	free(pf);
}

uint32_t rh_prefollow_end(const struct rh_prefollow *pf)
{
	return pf->to;
}

static int save_ref(void *arg, const struct rh_py_ref *ref)
{
	struct chunk_buf *b = arg;
	// Weak references never keep anything alive: follow_references
	// drops them (on_ref), so they are not kept.
	if (ref->kind == RH_REF_WEAK)
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		struct saved_ref *p = realloc(b->refs, cap * sizeof(*p));
		if (!p) {
			b->nomem = true;
			return 1;
		}
		b->refs = p;
		b->cap = cap;
	}
	b->refs[b->n++] = (struct saved_ref){
		.addr = ref->addr, .kind = (uint8_t)ref->kind, .traversed = ref->traversed,
	};
	return 0;
}

static void read_chunk(void *arg, uint32_t chunk)
{
	struct rh_prefollow *pf = arg;
	const struct rh_snapshot *s = pf->s;
	struct chunk_buf *b = &pf->bufs[chunk];
	uint32_t lo = pf->from + chunk * CHUNK;
	uint32_t hi = pf->to - lo > CHUNK ? lo + CHUNK : pf->to;
	b->n = 0;
	b->nomem = false;
	rh_py_worker_enter();
	for (uint32_t k = lo; k < hi; k++) {
		struct obj_rec *r = &pf->recs[k - pf->from];
		if (s->obj_refcnt[k] == 0)
			continue;
		size_t before = b->n;
		(void)rh_py_worker_take_deferred();
		struct rh_error *err = rh_py_referents(pf->rt, s->obj_addr[k],
						       s->types[s->obj_type[k]].addr,
						       save_ref, b);
		// Given up (a lazy table to fill) or out of memory: the main
		// thread reads it again, and meets the same state in order.
		if (rh_py_worker_take_deferred() || b->nomem ||
		    (err && err->code == RH_ERR_NO_MEMORY)) {
			rh_error_destroy(err);
			b->n = before;
			b->nomem = false;
			continue;
		}
		r->off = (uint32_t)before;
		r->n = (uint32_t)(b->n - before);
		r->err = err;
		r->state = OBJ_READ;
	}
	rh_py_worker_leave();
}

bool rh_prefollow_window(struct rh_prefollow *pf, const struct rh_snapshot *s,
			 uint32_t from, uint32_t to)
{
	drop_window(pf);
	if (to - from > WINDOW)
		to = from + WINDOW;
	pf->s = s;
	pf->from = from;
	pf->to = to;
	// A chunk's buffer offsets are 32-bit: a chunk of CHUNK objects
	// holds far fewer references (the conservative scan caps each).
	rh_pool_run(pf->pool, read_chunk, pf, (to - from + CHUNK - 1) / CHUNK);
	return true;
}

bool rh_prefollow_take(struct rh_prefollow *pf, uint32_t k, rh_py_ref_fn *fn, void *arg,
		       struct rh_error **err_ret)
{
	if (k < pf->from || k >= pf->to)
		return false;
	struct obj_rec *r = &pf->recs[k - pf->from];
	if (r->state != OBJ_READ)
		return false;
	const struct chunk_buf *b = &pf->bufs[(k - pf->from) / CHUNK];
	for (uint32_t j = 0; j < r->n; j++) {
		const struct saved_ref *sr = &b->refs[r->off + j];
		struct rh_py_ref ref = {
			.addr = sr->addr, .kind = (enum rh_py_ref_kind)sr->kind,
			.traversed = sr->traversed,
		};
		if (fn(arg, &ref))
			break;
	}
	*err_ret = r->err;
	r->err = NULL;
	r->state = OBJ_NONE;
	return true;
}

/* ------------------------------------------------------------------ */
/* A predicate over items, in chunks                                   */

#define FLAG_CHUNK 256

struct flags_job {
	rh_parallel_pred *pred;
	void *arg;
	uint32_t n;
	uint8_t *out;
};

static void flag_chunk(void *arg, uint32_t chunk)
{
	struct flags_job *j = arg;
	uint32_t lo = chunk * FLAG_CHUNK;
	uint32_t hi = j->n - lo > FLAG_CHUNK ? lo + FLAG_CHUNK : j->n;
	for (uint32_t i = lo; i < hi; i++)
		j->out[i] = j->pred(j->arg, i);
}

void rh_parallel_flags(struct rh_pool *pool, uint32_t n, rh_parallel_pred *pred, void *arg,
		       uint8_t *out)
{
	struct flags_job j = { .pred = pred, .arg = arg, .n = n, .out = out };
	rh_pool_run(pool, flag_chunk, &j, (n + FLAG_CHUNK - 1) / FLAG_CHUNK);
}
