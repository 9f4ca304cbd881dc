/*
 * Faulting in fresh memory ahead of its writer; see prefault.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/prefault.h"

/* Linux 5.14 (include/uapi/asm-generic/mman-common.h); older headers lack it. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Requests waiting: the snapshot asks for a handful of arrays at a time. */
#define QUEUE 32
/* Pages touched between looks at the queue: ~0.1 ms on the reference VM. */
#define TOUCH_STEP 64

struct range {
	uintptr_t start, end;
};

struct rh_prefault {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct range q[QUEUE];
	unsigned head, n;     /* ring of n requests from q[head] */
	uintptr_t touch, touch_end;   /* the pages left to read */
	bool stop;
	bool unsupported;     /* the kernel refused: requests are dropped */
};

static void *helper(void *arg)
{
	struct rh_prefault *p = arg;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->n && !p->stop && p->touch >= p->touch_end)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		if (!p->n) {
			// Nothing to populate: touch the next few pages. The
			// reads are volatile so that they happen; what they
			// read does not matter.
			uintptr_t at = p->touch, end = p->touch_end;
			pthread_mutex_unlock(&p->lock);
			for (unsigned k = 0; k < TOUCH_STEP && at < end; k++, at += page)
				(void)*(const volatile unsigned char *)at;
			pthread_mutex_lock(&p->lock);
			if (p->touch_end == end)   /* not replaced meanwhile */
				p->touch = at < end ? at : end;
			continue;
		}
		struct range r = p->q[p->head];
		p->head = (p->head + 1) % QUEUE;
		p->n--;
		pthread_mutex_unlock(&p->lock);
		uintptr_t lo = r.start & ~(page - 1);
		uintptr_t hi = (r.end + page - 1) & ~(page - 1);
		// EINVAL: no such advice (before 5.14); ENOMEM: not mapped (a
		// block freed meanwhile: harmless, nothing is written). Either
		// way the writer faults the pages in itself.
		bool refused = hi > lo && madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) != 0 &&
			       errno == EINVAL;
		pthread_mutex_lock(&p->lock);
		if (refused)
			p->unsupported = true;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct rh_prefault *rh_prefault_create(void)
{
	struct rh_prefault *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, helper, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

void rh_prefault_request(struct rh_prefault *p, void *start, size_t len)
{
	if (!p || !len)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->unsupported && p->n < QUEUE) {
		p->q[(p->head + p->n) % QUEUE] = (struct range){
			(uintptr_t)start, (uintptr_t)start + len,
		};
		p->n++;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

void rh_prefault_touch(struct rh_prefault *p, const void *start, size_t len)
{
	if (!p)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	// From the first page boundary in the range: every read stays in it.
	uintptr_t lo = ((uintptr_t)start + page - 1) & ~(page - 1);
	uintptr_t hi = (uintptr_t)start + len;
	pthread_mutex_lock(&p->lock);
	p->touch = lo;
	p->touch_end = hi > lo ? hi : lo;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void rh_prefault_destroy(struct rh_prefault *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Populating fresh memory on two threads                              */

#define POPULATE_MIN ((size_t)8 << 20)

static int populate_allowed = 1;

void rh_populate_threads(int allowed)
{
	populate_allowed = allowed;
}

int rh_populate_threads_allowed(void)
{
	return populate_allowed;
}

struct half {
	uintptr_t lo, hi;
};

static void *populate_half(void *arg)
{
	const struct half *h = arg;
	// Refused (EINVAL before Linux 5.14): the writes fault it in.
	(void)madvise((void *)h->lo, h->hi - h->lo, MADV_POPULATE_WRITE);
	return NULL;
}

void rh_populate(void *p, size_t len)
{
	if (!p || len < POPULATE_MIN || !populate_allowed)
		return;
	// Whole pages inside the block, split on a 2 MiB boundary so that
	// each half is made of whole huge pages (util/bigmem.h).
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(page - 1);
	uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t mid = (lo + (hi - lo) / 2 + huge - 1) & ~(huge - 1);
	if (hi <= lo || mid <= lo || mid >= hi)
		return;
	struct half second = { mid, hi };
	pthread_t t;
	bool started = pthread_create(&t, NULL, populate_half, &second) == 0;
	struct half first = { lo, started ? mid : hi };
	populate_half(&first);
	if (started)
		pthread_join(t, NULL);
}
