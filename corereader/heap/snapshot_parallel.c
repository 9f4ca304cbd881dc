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
#include "util/bigmem.h"
#include "util/workpool.h"

/* Objects per task, and per window (the pool runs once per window). */
#define CHUNK 1024
#define WINDOW (64 * CHUNK)
#define NCHUNKS (WINDOW / CHUNK)
/* References a chunk's buffer keeps room for between reads (as PENDING_KEEP). */
#define REFS_KEEP (1u << 16)
/* Objects whose headers are prefetched ahead of the one read. */
#define OBJ_AHEAD 4

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

/* What a worker needs of an object: copied when its window starts. */
struct obj_in {
	uint64_t addr, type;     /* type 0: skipped (a refcount of 0) */
};

/*
 * A window of objects [from, to): its inputs, copied from the snapshot
 * when it starts (the main thread grows, and so moves, the snapshot's
 * arrays while workers read), and what the workers read.
 */
struct window {
	struct rh_prefollow *pf;
	uint32_t from, to;
	bool busy;               /* started, not yet waited for */
	struct obj_in in[WINDOW];
	struct obj_rec recs[WINDOW];
	struct chunk_buf bufs[NCHUNKS];
};

/*
 * Two windows: the workers read the next one while the main thread
 * resolves the references of the current one (follow_references), so the
 * second core reads instead of waiting for the merge. The main thread
 * fills the runtime's lazy tables only with no window being read
 * (rh_py_main_barrier): the workers' reads never see a table change.
 */
struct rh_prefollow {
	struct rh_pool *pool;
	struct rh_py_runtime *rt;
	struct window *cur, *next;
	struct window w[2];
};

static void wait_next(void *arg)
{
	struct rh_prefollow *pf = arg;
	if (pf->next->busy) {
		rh_pool_wait(pf->pool, false);
		pf->next->busy = false;
	}
}

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
	pf->cur = &pf->w[0];
	pf->next = &pf->w[1];
	pf->w[0].pf = pf->w[1].pf = pf;
	rh_py_main_barrier(wait_next, pf);
	return pf;
}

static void drop_window(struct window *w)
{
	for (uint32_t k = 0; k < w->to - w->from; k++) {
		rh_error_destroy(w->recs[k].err);
		w->recs[k].err = NULL;
		w->recs[k].state = OBJ_NONE;
	}
	w->from = w->to = 0;
}

void rh_prefollow_destroy(struct rh_prefollow *pf)
{
	if (!pf)
		return;
	wait_next(pf);
	rh_py_main_barrier(NULL, NULL);
	for (int i = 0; i < 2; i++)
		drop_window(&pf->w[i]);
	rh_pool_destroy(pf->pool);
	for (int i = 0; i < 2; i++)
		for (size_t c = 0; c < NCHUNKS; c++)
			free(pf->w[i].bufs[c].refs);
	free(pf);
}

uint32_t rh_prefollow_end(const struct rh_prefollow *pf)
{
	return pf->cur->to;
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
		struct saved_ref *p = rh_big_realloc(b->refs, b->n * sizeof(*p),
						     cap * sizeof(*p));
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
	struct window *w = arg;
	struct rh_prefollow *pf = w->pf;
	struct chunk_buf *b = &w->bufs[chunk];
	uint32_t lo = w->from + chunk * CHUNK;
	uint32_t hi = w->to - lo > CHUNK ? lo + CHUNK : w->to;
	b->n = 0;
	if (b->cap > REFS_KEEP) {
		// A giant container's: not kept for every later window.
		free(b->refs);
		b->refs = NULL;
		b->cap = 0;
	}
	b->nomem = false;
	rh_py_worker_enter();
	// The objects lie anywhere in the heap: each header read would wait
	// on a miss. Prefetched OBJ_AHEAD objects ahead.
	for (uint32_t k = lo; k < hi && k < lo + OBJ_AHEAD; k++)
		rh_py_object_prefetch(pf->rt, w->in[k - w->from].addr);
	for (uint32_t k = lo; k < hi; k++) {
		struct obj_rec *r = &w->recs[k - w->from];
		const struct obj_in *in = &w->in[k - w->from];
		if (k + OBJ_AHEAD < hi)
			rh_py_object_prefetch(pf->rt, w->in[k + OBJ_AHEAD - w->from].addr);
		if (!in->type)
			continue;
		size_t before = b->n;
		(void)rh_py_worker_take_deferred();
		struct rh_error *err = rh_py_referents(pf->rt, in->addr, in->type, save_ref, b);
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

/* Copy the inputs of [from, to) and start reading them on the workers. */
static void start_window(struct rh_prefollow *pf, struct window *w,
			 const struct rh_snapshot *s, uint32_t from, uint32_t to)
{
	drop_window(w);
	if (to - from > WINDOW)
		to = from + WINDOW;
	w->from = from;
	w->to = to;
	for (uint32_t k = from; k < to; k++)
		w->in[k - from] = (struct obj_in){
			.addr = s->obj_addr[k],
			// follow_references reads no object of count 0
			.type = s->obj_refcnt[k] ? s->types[s->obj_type[k]].addr : 0,
		};
	w->busy = true;
	// A chunk's buffer offsets are 32-bit: a chunk of CHUNK objects
	// holds far fewer references (the conservative scan caps each).
	rh_pool_start(pf->pool, read_chunk, w, (to - from + CHUNK - 1) / CHUNK);
}

bool rh_prefollow_window(struct rh_prefollow *pf, const struct rh_snapshot *s,
			 uint32_t from, uint32_t to, uint32_t min)
{
	struct window *n = pf->next;
	if (n->busy || n->to > n->from) {
		// The window read ahead while the last one was merged. The
		// caller may have read its first objects itself (a batch that
		// straddled the last window's end): their answers go unused.
		wait_next(pf);
		if (n->from <= from && from < n->to) {
			pf->next = pf->cur;
			pf->cur = n;
		} else {
			drop_window(n);
		}
	}
	struct window *c = pf->cur;
	if (!(c->from <= from && from < c->to)) {
		if (to - from < min)
			return false;
		// None ready: read this one now, the caller helping.
		start_window(pf, c, s, from, to);
		rh_pool_wait(pf->pool, true);
		c->busy = false;
	}
	// Read ahead what the snapshot holds past this window while the
	// caller merges it.
	if (s->nobjects > c->to && s->nobjects - c->to >= min)
		start_window(pf, pf->next, s, c->to, s->nobjects);
	return true;
}

bool rh_prefollow_take(struct rh_prefollow *pf, uint32_t k, rh_py_ref_fn *fn, void *arg,
		       struct rh_error **err_ret)
{
	struct window *w = pf->cur;
	if (k < w->from || k >= w->to)
		return false;
	struct obj_rec *r = &w->recs[k - w->from];
	if (r->state != OBJ_READ)
		return false;
	const struct chunk_buf *b = &w->bufs[(k - w->from) / CHUNK];
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
