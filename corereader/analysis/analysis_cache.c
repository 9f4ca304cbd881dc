/*
 * The analyses' results saved beside a cached snapshot, and mapped back
 * by the next command on the same core: see analysis.h
 * (rh_analysis_cache_load, rh_analysis_cache_save).
 *
 * A warm command on the 10M-object benchmark spent 0.13-0.19 s of its
 * 0.24 s computing again what the last command had: the referrers,
 * reachability, the GC simulation, the verdicts, and a third of its time
 * in the kernel zeroing fresh pages for their arrays (issue 12 item 4:
 * a second command on the same core in 0.1 s). Those results depend on
 * the snapshot alone, so they are written once to a sidecar of the
 * snapshot's cache file (heap/snapshot.h rh_snapshot_sidecar_path) and
 * used in place from a read-only mapping, like the snapshot itself.
 *
 * File format (native byte order: a file of this machine and this build,
 * since the snapshot file it names is):
 *
 *   struct disk_header   magic, format, the snapshot file's id, the
 *                        snapshot's counts, which parts it holds, the
 *                        results' counts, a table of sections
 *   sections, each at a 64-byte aligned offset:
 *     referrers  start u32[n+2]  src u32[start[n]]
 *     reach      tier u8[n]  parent u32[n]  found16 u16[n]
 *                found_big {u32 obj, count}[]  owned_roots u32[]
 *                native_bits u64[(n+63)/64]  best_roots {u32 obj, root}[]
 *                rooted_bits u64[(n+63)/64]
 *     gcsim      freed u8[n]  gens {u64 objects, bytes}[ninterps][4]
 *     verdicts   verdict u8[n]  flags u8[n]  members {u32 obj, comp}[]
 *                comps struct rh_garbage_comp[]
 *     dominators idom u32[n]  order u32[nreached]  retained u64[n]
 *     type_retained  u64[ntypes]
 *
 * Like the snapshot cache file, this one is untrusted input: every count,
 * offset and index a report uses to index an array is checked before
 * any of it is used, and a file that fails is ignored (and replaced). The
 * dominator tree is proved a tree before the reports walk it: each node of
 * its order once, after its dominator (dominator_tree_ok).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "util/outfile.h"
#include "util/rangecheck.h"
#include "util/workpool.h"

#define MAGIC "RHANALY\0"
/*
 * Bump when the layout below or the meaning of a saved field changes.
 * 2: the dominator tree's order ends with the leaves the DFS no longer
 * enters (analysis/dominators.c single_leaves()); a file of 1 would give
 * warm commands another order of siblings than cold ones.
 */
#define FORMAT_VERSION 2u
#define ENDIAN_MARK 0x01020304u
#define SEC_ALIGN 64u

/* What is saved: every part. */
#define CACHEABLE (RH_NEED_REFERRERS | RH_NEED_REACH | RH_NEED_GCSIM | RH_NEED_VERDICTS | \
		   RH_NEED_DOMINATORS | RH_NEED_TYPE_RETAINED)

/* Saved as they are: these fail the build when the structs change. */
_Static_assert(sizeof(struct rh_found_big) == 8, "struct rh_found_big changed");
_Static_assert(sizeof(struct rh_best_root) == 8, "struct rh_best_root changed");
_Static_assert(sizeof(struct rh_gcsim_gen) == 16, "struct rh_gcsim_gen changed");
_Static_assert(sizeof(struct rh_comp_member) == 8, "struct rh_comp_member changed");
_Static_assert(sizeof(struct rh_garbage_comp) == 48, "struct rh_garbage_comp changed");

enum {
	SEC_RG_START,
	SEC_RG_SRC,
	SEC_TIER,
	SEC_PARENT,
	SEC_FOUND16,
	SEC_FOUND_BIG,
	SEC_OWNED_ROOTS,
	SEC_NATIVE_BITS,
	SEC_BEST_ROOTS,
	SEC_ROOTED_BITS,
	SEC_FREED,
	SEC_GENS,
	SEC_VERDICT,
	SEC_FLAGS,
	SEC_MEMBERS,
	SEC_COMPS,
	SEC_IDOM,
	SEC_ORDER,
	SEC_RETAINED,
	SEC_TYPE_RETAINED,
	NSECTIONS
};

struct disk_section {
	uint64_t offset, size;   /* bytes */
};

struct disk_header {
	char magic[8];
	uint32_t format;
	uint32_t header_size;
	uint32_t endian;
	uint32_t nsections;
	uint64_t snapshot_id;     /* the snapshot cache file's header id */
	uint64_t file_size;
	/* the snapshot's counts, checked against the one loaded */
	uint64_t nobjects, nedges, nroots, ninterps, ntypes;
	uint32_t parts;           /* RH_NEED_* bits saved */
	uint32_t pad;
	/* the results' own counts */
	uint64_t nsrc, nfound_big, nowned_roots, nbest_roots, nmembers, ncomps, nreached;
	struct disk_section sections[NSECTIONS];
};

/*
 * The header's layout is the file's format: a change must bump
 * FORMAT_VERSION and regenerate tests/fuzz/seeds/analysis_cache (run.sh
 * --replay fails on a seed the reader refuses).
 */
_Static_assert(sizeof(struct disk_header) == 464 && NSECTIONS == 20,
	       "the analyses file's header changed: bump FORMAT_VERSION, regenerate the fuzz seeds");

/* ------------------------------------------------------------------ */
/* Writing                                                             */

struct out_sec {
	const void *p;
	uint64_t size;
};

static uint64_t bitset_words(uint32_t n)
{
	return ((uint64_t)n + 63) / 64;
}

/* The sections of the parts in `parts` (the others are left as they are), and the header's counts. */
/* Where part `part` of a is: built (or read and checked), or only carried over. */
static const struct rh_analysis_carry *source(const struct rh_analysis *a, unsigned part)
{
	return (a->cache_carried & ~a->have & part) ? &a->carry : NULL;
}

static void describe(const struct rh_analysis *a, unsigned parts, struct disk_header *h,
		     struct out_sec *sec)
{
	uint64_t n = a->s->nobjects;
	const struct rh_analysis_carry *c;
	if (parts & RH_NEED_REFERRERS) {
		const struct rh_rgraph *g = (c = source(a, RH_NEED_REFERRERS)) ? &c->rg : &a->rg;
		h->nsrc = g->start[n];
		sec[SEC_RG_START] = (struct out_sec){ g->start, (n + 2) * 4 };
		sec[SEC_RG_SRC] = (struct out_sec){ g->src, h->nsrc * 4 };
	}
	if (parts & RH_NEED_REACH) {
		const struct rh_reach *r = (c = source(a, RH_NEED_REACH)) ? &c->reach : &a->reach;
		h->nfound_big = r->nfound_big;
		h->nowned_roots = r->nowned_roots;
		h->nbest_roots = r->nbest_roots;
		sec[SEC_TIER] = (struct out_sec){ r->tier, n };
		sec[SEC_PARENT] = (struct out_sec){ r->parent, n * 4 };
		sec[SEC_FOUND16] = (struct out_sec){ r->found16, n * 2 };
		sec[SEC_FOUND_BIG] = (struct out_sec){ r->found_big, r->nfound_big * 8 };
		sec[SEC_OWNED_ROOTS] = (struct out_sec){ r->owned_roots, r->nowned_roots * 4 };
		sec[SEC_NATIVE_BITS] = (struct out_sec){ r->native_bits, bitset_words(a->s->nobjects) * 8 };
		sec[SEC_BEST_ROOTS] = (struct out_sec){ r->best_roots, r->nbest_roots * 8 };
		sec[SEC_ROOTED_BITS] = (struct out_sec){ r->rooted_bits, bitset_words(a->s->nobjects) * 8 };
	}
	if (parts & RH_NEED_GCSIM) {
		const struct rh_gcsim *g = (c = source(a, RH_NEED_GCSIM)) ? &c->gc : &a->gc;
		sec[SEC_FREED] = (struct out_sec){ g->freed, n };
		sec[SEC_GENS] = (struct out_sec){ g->gens, (uint64_t)g->ninterps * 4 * 16 };
	}
	if (parts & RH_NEED_VERDICTS) {
		const struct rh_verdicts *v = (c = source(a, RH_NEED_VERDICTS)) ? &c->v : &a->v;
		h->nmembers = v->nmembers;
		h->ncomps = v->ncomps;
		sec[SEC_VERDICT] = (struct out_sec){ v->verdict, n };
		sec[SEC_FLAGS] = (struct out_sec){ v->flags, n };
		sec[SEC_MEMBERS] = (struct out_sec){ v->members, (uint64_t)v->nmembers * 8 };
		sec[SEC_COMPS] = (struct out_sec){ v->comps, (uint64_t)v->ncomps * 48 };
	}
	if (parts & RH_NEED_DOMINATORS) {
		c = source(a, RH_NEED_DOMINATORS);
		const struct rh_domtree *d = c ? &c->dom : &a->dom;
		h->nreached = d->nreached;
		sec[SEC_IDOM] = (struct out_sec){ d->idom, n * 4 };
		sec[SEC_ORDER] = (struct out_sec){ d->order, (uint64_t)d->nreached * 4 };
		sec[SEC_RETAINED] = (struct out_sec){ c ? c->retained : a->retained, n * 8 };
	}
	if (parts & RH_NEED_TYPE_RETAINED) {
		c = source(a, RH_NEED_TYPE_RETAINED);
		sec[SEC_TYPE_RETAINED] = (struct out_sec){ c ? c->type_retained : a->type_retained,
							   (uint64_t)a->s->ntypes * 8 };
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The file is written by a thread of its own, part by part as the
 * analyses finish them, while the next part is computed and the report
 * written: on this kind of VM a page of page cache costs its first write
 * (0.42-0.51 s for the 334 MiB of a cold `leaks` at 10M objects, in one
 * go after the report, against 4.2 s for the whole command; 0.12 s for the
 * 92 MiB of a `gc`), and the second core is free once the snapshot's own
 * cache file is written. Sections go in the order the parts come, the
 * header last; the file appears by rename once complete. The thread only
 * reads the arrays of parts handed to it, which nothing changes after
 * rh_analysis_need built them.
 */
struct rh_analysis_saver {
	pthread_t thread;
	bool threaded;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned queued;          /* parts handed over (under mu) */
	bool done;                /* no more (under mu) */

	struct rh_analysis *a;
	char *path, *tmp;
	int fd;
	struct rh_blockwrite bw;  /* writes fd, once it is open */
	uint64_t room;
	unsigned written;
	uint64_t off;
	struct disk_header h;
	struct rh_error *err;
	double seconds;
};

static struct rh_error *saver_fail(struct rh_analysis_saver *w, int e, const char *what)
{
	return rh_error_os(e, w->path, "analyses not saved: %s %s", what, w->path);
}

/*
 * The parents, with RH_REACH_SOURCE for the objects nothing reaches:
 * reachability never writes theirs (analysis/reach.c leaves those pages
 * untouched), and the file gets no stray bytes of this process's memory;
 * the reader checks every parent.
 */
static bool write_parents(struct rh_blockwrite *bw, const struct rh_reach *r, uint64_t off)
{
	enum { CHUNK = 1u << 16 };
	uint32_t *buf = malloc(CHUNK * sizeof(*buf));
	if (!buf)
		return false;
	bool ok = true;
	for (uint64_t lo = 0; ok && lo < r->n; lo += CHUNK) {
		uint32_t len = r->n - lo < CHUNK ? (uint32_t)(r->n - lo) : CHUNK;
		for (uint32_t k = 0; k < len; k++)
			buf[k] = r->tier[lo + k] == RH_TIER_NONE ? RH_REACH_SOURCE : r->parent[lo + k];
		ok = rh_blockwrite_at(bw, buf, (uint64_t)len * 4, off + lo * 4);
	}
	free(buf);
	return ok;
}

/* Write the sections of `parts` at the end of the file. */
static struct rh_error *write_parts(struct rh_analysis_saver *w, unsigned parts)
{
	struct out_sec sec[NSECTIONS];
	memset(sec, 0, sizeof(sec));
	describe(w->a, parts, &w->h, sec);
	uint64_t bytes = 0;
	for (int i = 0; i < NSECTIONS; i++)
		bytes += (sec[i].size + SEC_ALIGN - 1) & ~(uint64_t)(SEC_ALIGN - 1);
	if (bytes > w->room || w->off > w->room - bytes)
		return rh_error_create(RH_ERR_LIMIT,
				       "analyses not saved: more than the %" PRIu64 " MiB the "
				       "snapshot cache has room for (--cache-max, free space)",
				       w->room >> 20);
	if (w->fd < 0) {
		// A temporary name in the same directory, renamed once
		// complete; a writer killed meanwhile leaves a dot-file the
		// cache prunes.
		const char *slash = strrchr(w->path, '/');
		size_t dirlen = slash ? (size_t)(slash - w->path) + 1 : 0;
		if (asprintf(&w->tmp, "%.*s.%s.XXXXXX", (int)dirlen, w->path, w->path + dirlen) < 0) {
			w->tmp = NULL;
			return rh_enomem;
		}
		w->fd = mkostemp(w->tmp, O_CLOEXEC);
		if (w->fd < 0)
			return saver_fail(w, errno, "cannot create a file beside");
		// In whole 2 MiB blocks (util/outfile.h): every warm command
		// reads this file, in a new process each time.
		if (!rh_blockwrite_init(&w->bw, w->fd, w->off))
			return rh_enomem;
	}
	for (int i = 0; i < NSECTIONS; i++) {
		if (!sec[i].size)
			continue;
		const struct rh_analysis_carry *c = source(w->a, RH_NEED_REACH);
		bool ok = i == SEC_PARENT ? write_parents(&w->bw, c ? &c->reach : &w->a->reach, w->off)
					  : rh_blockwrite_at(&w->bw, sec[i].p, sec[i].size, w->off);
		if (!ok)
			return saver_fail(w, errno ? errno : EIO, "cannot write beside");
		w->h.sections[i] = (struct disk_section){ w->off, sec[i].size };
		w->off += (sec[i].size + SEC_ALIGN - 1) & ~(uint64_t)(SEC_ALIGN - 1);
	}
	w->written |= parts;
	return NULL;
}

/* The header, then the name: the file is complete. */
static struct rh_error *finish_file(struct rh_analysis_saver *w)
{
	w->h.parts = w->written;
	w->h.file_size = w->off;
	if (!rh_blockwrite_finish(&w->bw) || !rh_pwrite_all(w->fd, &w->h, sizeof(w->h), 0) ||
	    ftruncate(w->fd, (off_t)w->off) < 0)
		return saver_fail(w, errno ? errno : EIO, "cannot write beside");
	// Its pages read once, for the next command (util/outfile.h). At the
	// end: read as each part was written, they took the second core from
	// the snapshot's writer, which then handed its arrays to the page
	// cache later, and the peak of a cold `leaks` at 10M once reached
	// 51.1 bytes an object instead of 47.5.
	rh_file_touch_pages(w->fd, 0, w->off);
	int fd = w->fd;
	w->fd = -1;
	if (close(fd) < 0)
		return saver_fail(w, errno, "cannot write beside");
	if (rename(w->tmp, w->path) < 0)
		return saver_fail(w, errno, "cannot rename a file to");
	free(w->tmp);
	w->tmp = NULL;
	return NULL;
}

static void *saver_main(void *arg)
{
	struct rh_analysis_saver *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!(w->queued & ~w->written) && !w->done)
			pthread_cond_wait(&w->cond, &w->mu);
		unsigned take = w->queued & ~w->written;
		bool done = w->done;
		pthread_mutex_unlock(&w->mu);
		if (take && !w->err) {
			double t0 = now();
			w->err = write_parts(w, take);
			w->seconds += now() - t0;
		}
		if (done && !(take & ~w->written))
			break;
		if (w->err)
			w->written |= take;   /* given up: only wait for done */
	}
	if (!w->err && w->fd >= 0) {
		double t0 = now();
		w->err = finish_file(w);
		w->seconds += now() - t0;
	}
	return NULL;
}

struct rh_error *rh_analysis_cache_save_start(struct rh_analysis *a, const char *path,
					      uint64_t id, uint64_t room, bool threaded)
{
	if (a->saver || !path)
		return NULL;
	struct rh_analysis_saver *w = calloc(1, sizeof(*w));
	if (!w)
		return rh_enomem;
	w->a = a;
	w->fd = -1;
	w->room = room;
	w->path = strdup(path);
	if (!w->path) {
		free(w);
		return rh_enomem;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	const struct rh_snapshot *s = a->s;
	struct disk_header *h = &w->h;
	memcpy(h->magic, MAGIC, sizeof(h->magic));
	h->format = FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->endian = ENDIAN_MARK;
	h->nsections = NSECTIONS;
	h->snapshot_id = id;
	h->nobjects = s->nobjects;
	h->nedges = s->nedges;
	h->nroots = s->nroots;
	h->ninterps = s->ninterps;
	h->ntypes = s->ntypes;
	w->off = (sizeof(*h) + SEC_ALIGN - 1) & ~(uint64_t)(SEC_ALIGN - 1);
	// Without a thread, the parts are written as they come (rh_analysis_need).
	w->threaded = threaded && pthread_create(&w->thread, NULL, saver_main, w) == 0;
	a->saver = w;
	return NULL;
}

void rh_analysis_cache_save_add(struct rh_analysis *a, unsigned parts)
{
	struct rh_analysis_saver *w = a->saver;
	parts &= CACHEABLE;
	if (!w || !parts)
		return;
	// Parts taken from the file go in only with a new one: a command
	// that built nothing leaves the file as it is. Those it held and
	// this command did not want go in as they were (the next reader
	// that wants them checks them).
	if (!(parts & ~a->cache_loaded))
		return;
	parts |= a->cache_loaded | a->cache_carried;
	// The verdicts and the dominator tree only with what they were made
	// from, as the reader expects (rh_analysis_need builds those first).
	unsigned held = a->have | a->cache_carried;
	if ((parts & RH_NEED_VERDICTS) && (held & (RH_NEED_REACH | RH_NEED_GCSIM)) !=
					       (RH_NEED_REACH | RH_NEED_GCSIM))
		parts &= ~RH_NEED_VERDICTS;
	if ((parts & RH_NEED_DOMINATORS) && !(held & RH_NEED_REACH))
		parts &= ~RH_NEED_DOMINATORS;
	if ((parts & RH_NEED_TYPE_RETAINED) && !((held | parts) & RH_NEED_DOMINATORS))
		parts &= ~RH_NEED_TYPE_RETAINED;
	if (!w->threaded) {
		unsigned take = parts & ~w->written;
		if (take && !w->err) {
			double t0 = now();
			w->err = write_parts(w, take);
			w->seconds += now() - t0;
		}
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->queued |= parts;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

struct rh_error *rh_analysis_cache_save_finish(struct rh_analysis *a)
{
	struct rh_analysis_saver *w = a->saver;
	if (!w)
		return NULL;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->done = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	} else if (!w->err && w->fd >= 0) {
		double t0 = now();
		w->err = finish_file(w);
		w->seconds += now() - t0;
	}
	a->saver = NULL;
	rh_blockwrite_abort(&w->bw);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	if (!w->err && w->written) {
		a->cache_saved = w->written;
		a->cache_saved_bytes = w->off;
	}
	a->cache_save_seconds = w->seconds;
	struct rh_error *err = w->err;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
	free(w->tmp);
	free(w->path);
	free(w);
	return err;
}

struct rh_error *rh_analysis_cache_save(struct rh_analysis *a, const char *path, uint64_t id,
					uint64_t room)
{
	if (a->saver)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "analyses already being saved");
	struct rh_error *err = rh_analysis_cache_save_start(a, path, id, room, false);
	if (err)
		return err;
	rh_analysis_cache_save_add(a, a->have);
	return rh_analysis_cache_save_finish(a);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

struct reader {
	const char *path;
	const unsigned char *base;
	uint64_t size;
	const struct disk_header *h;
};

static struct rh_error *corrupt(const struct reader *r, const char *what)
{
	return rh_error_create(RH_ERR_BAD_DATA, "analyses file %s is corrupt: %s", r->path, what);
}

/* Section i, which must be `size` bytes inside the file (0: absent). */
static const void *section(const struct reader *r, int i, uint64_t size)
{
	const struct disk_section *d = &r->h->sections[i];
	if (d->size != size)
		return NULL;
	if (!size)
		return r->base;   /* a non-NULL pointer to nothing */
	if (d->offset % SEC_ALIGN || d->offset < sizeof(struct disk_header) ||
	    d->offset > r->size || size > r->size - d->offset)
		return NULL;
	return r->base + d->offset;
}

/*
 * Whether every byte of p[0..n) is below limit (at most 0x80), eight at a
 * time: a byte-wise loop with two arrays (the verdicts and their flags)
 * took 47 ms at 9.37M objects, the whole warm command's margin.
 */
static bool bytes_below(const uint8_t *p, uint64_t n, unsigned limit)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	const uint64_t add = (uint64_t)(0x80 - limit) * ones;
	uint64_t bad = 0, k = 0;
	for (; k + 8 <= n; k += 8) {
		uint64_t w;
		memcpy(&w, p + k, sizeof(w));
		// A byte >= 0x80 has its high bit; below that, adding
		// 0x80 - limit sets it exactly when the byte is >= limit
		// (at most 0xfe: no carry into the next byte).
		bad |= (((w & ~high) + add) | w) & high;
	}
	for (; k < n; k++)
		bad |= p[k] >= limit;
	return bad == 0;
}

/* Sorted by object, strictly, each object < n (the rh_byobj_find arrays). */
static bool byobj_ok(const uint32_t *pairs, uint64_t count, uint32_t n)
{
	for (uint64_t k = 0; k < count; k++) {
		uint32_t obj = pairs[2 * k];
		if (obj >= n || (k && obj <= pairs[2 * (k - 1)]))
			return false;
	}
	return true;
}

static struct rh_error *load_referrers(const struct reader *r, const struct rh_snapshot *s,
				       struct rh_rgraph *g, bool check)
{
	const struct disk_header *h = r->h;
	uint32_t n = s->nobjects;
	if (h->nsrc > s->nedges)
		return corrupt(r, "more referrers than edges");
	const uint32_t *start = section(r, SEC_RG_START, ((uint64_t)n + 2) * 4);
	const uint32_t *src = section(r, SEC_RG_SRC, h->nsrc * 4);
	if (!start || !src)
		return corrupt(r, "a section of the referrers is out of place");
	if (!check)
		goto out;
	// Every report reads start[t] .. start[t + 1] of src.
	if (start[0] != 0 || start[n] != h->nsrc || start[n + 1] != h->nsrc)
		return corrupt(r, "the referrers' bounds");
	if (rh_u32_any_decrease(start, n))
		return corrupt(r, "the referrers' starts decrease");
	if (rh_u32_any_ge(src, h->nsrc, RH_EDGE_INDEX_MASK, n))
		return corrupt(r, "a referrer out of range");
out:
	*g = (struct rh_rgraph){ .n = n, .start = (uint32_t *)start, .src = (uint32_t *)src };
	return NULL;
}

static struct rh_error *load_reach(const struct reader *r, const struct rh_snapshot *s,
				       struct rh_reach *x, bool check)
{
	const struct disk_header *h = r->h;
	uint32_t n = s->nobjects;
	uint64_t words = bitset_words(n);
	if (h->nfound_big > n || h->nowned_roots > s->nroots || h->nbest_roots > s->nroots)
		return corrupt(r, "reachability's counts");
	const uint8_t *tier = section(r, SEC_TIER, n);
	const uint32_t *parent = section(r, SEC_PARENT, (uint64_t)n * 4);
	const uint16_t *found16 = section(r, SEC_FOUND16, (uint64_t)n * 2);
	const uint32_t *found_big = section(r, SEC_FOUND_BIG, h->nfound_big * 8);
	const uint32_t *owned = section(r, SEC_OWNED_ROOTS, h->nowned_roots * 4);
	const uint64_t *native = section(r, SEC_NATIVE_BITS, words * 8);
	const uint32_t *best = section(r, SEC_BEST_ROOTS, h->nbest_roots * 8);
	const uint64_t *rooted = section(r, SEC_ROOTED_BITS, words * 8);
	if (!tier || !parent || !found16 || !found_big || !owned || !native || !best || !rooted)
		return corrupt(r, "a section of reachability is out of place");
	if (!check)
		goto out;
	// Tiers name arrays of four; parents are walked (bounded) and
	// indexed; roots index the snapshot's root records.
	if (!bytes_below(tier, n, RH_TIER_NONE + 1))
		return corrupt(r, "a tier out of range");
	_Static_assert(RH_REACH_SOURCE == UINT32_MAX, "a parent's source mark changed");
	if (rh_u32_any_ge_but_max(parent, n, n))
		return corrupt(r, "a parent out of range");
	if (!byobj_ok(found_big, h->nfound_big, n) || !byobj_ok(best, h->nbest_roots, n))
		return corrupt(r, "reachability's tables are not sorted by object");
	for (uint64_t k = 0; k < h->nbest_roots; k++)
		if (best[2 * k + 1] >= s->nroots)
			return corrupt(r, "a root out of range");
	for (uint64_t k = 0; k < h->nowned_roots; k++)
		if (owned[k] >= n || (k && owned[k] < owned[k - 1]))
			return corrupt(r, "the owned roots are not sorted objects");
out:
	*x = (struct rh_reach){
		.n = n,
		.tier = (uint8_t *)tier,
		.parent = (uint32_t *)parent,
		.found16 = (uint16_t *)found16,
		.found_big = (struct rh_found_big *)found_big,
		.nfound_big = h->nfound_big,
		.owned_roots = (uint32_t *)owned,
		.nowned_roots = h->nowned_roots,
		.native_bits = (uint64_t *)native,
		.best_roots = (struct rh_best_root *)best,
		.nbest_roots = h->nbest_roots,
		.rooted_bits = (uint64_t *)rooted,
	};
	return NULL;
}

static struct rh_error *load_gcsim(const struct reader *r, const struct rh_snapshot *s,
				       struct rh_gcsim *g, bool check)
{
	uint32_t n = s->nobjects;
	const uint8_t *freed = section(r, SEC_FREED, n);
	const void *gens = section(r, SEC_GENS, (uint64_t)s->ninterps * 4 * 16);
	if (!freed || !gens)
		return corrupt(r, "a section of the GC simulation is out of place");
	// Bits 0-2 (RH_GCSIM_GEN) and 3 (RH_GCSIM_UNFROZEN), nothing above.
	_Static_assert((RH_GCSIM_GEN(0) | RH_GCSIM_GEN(1) | RH_GCSIM_GEN(2) | RH_GCSIM_UNFROZEN) == 15,
		       "the GC simulation's bits changed");
	if (check && !bytes_below(freed, n, 16))
		return corrupt(r, "the GC simulation's bits");
	*g = (struct rh_gcsim){
		.n = n,
		.freed = (uint8_t *)freed,
		.gens = (struct rh_gcsim_gen (*)[4])gens,
		.ninterps = s->ninterps,
	};
	return NULL;
}

static struct rh_error *load_verdicts(const struct reader *r, const struct rh_snapshot *s,
				       struct rh_verdicts *v, bool check)
{
	const struct disk_header *h = r->h;
	uint32_t n = s->nobjects;
	if (h->nmembers > n || h->ncomps > h->nmembers)
		return corrupt(r, "the verdicts' counts");
	const uint8_t *verdict = section(r, SEC_VERDICT, n);
	const uint8_t *flags = section(r, SEC_FLAGS, n);
	const uint32_t *members = section(r, SEC_MEMBERS, h->nmembers * 8);
	const struct rh_garbage_comp *comps = section(r, SEC_COMPS, h->ncomps * 48);
	if (!verdict || !flags || !members || !comps)
		return corrupt(r, "a section of the verdicts is out of place");
	if (!check)
		goto out;
	_Static_assert(RH_VF_HELD_BY_GARBAGE == 1, "the verdicts' flags changed");
	if (!bytes_below(verdict, n, RH_VERDICT_HELD_BY_NATIVE + 1) || !bytes_below(flags, n, 2))
		return corrupt(r, "a verdict out of range");
	if (!byobj_ok(members, h->nmembers, n))
		return corrupt(r, "the garbage members are not sorted by object");
	for (uint64_t k = 0; k < h->nmembers; k++)
		if (members[2 * k + 1] >= h->ncomps)
			return corrupt(r, "a garbage component out of range");
	for (uint64_t c = 0; c < h->ncomps; c++)
		if (comps[c].first >= n || comps[c].youngest < -1 ||
		    comps[c].youngest > RH_SNAP_NGENS || (s->ninterps && comps[c].interp >= s->ninterps))
			return corrupt(r, "a garbage component's fields");
out:
	*v = (struct rh_verdicts){
		.n = n,
		.verdict = (uint8_t *)verdict,
		.flags = (uint8_t *)flags,
		.members = (struct rh_comp_member *)members,
		.nmembers = (uint32_t)h->nmembers,
		.comps = (struct rh_garbage_comp *)comps,
		.ncomps = (uint32_t)h->ncomps,
	};
	return NULL;
}

/*
 * Whether idom and order are a tree the reports may walk: every node of
 * order once and below n, its dominator the root or a node before it in
 * order; every node not in order without one. Then no walk up the
 * dominators loops, and the children lists built from order are lists.
 */
static bool dominator_tree_ok(const uint32_t *idom, const uint32_t *order, uint64_t nreached,
			      uint32_t n, uint64_t *seen)
{
	for (uint64_t k = 0; k < nreached; k++) {
		uint32_t v = order[k];
		if (v >= n || (seen[v >> 6] >> (v & 63) & 1))
			return false;
		uint32_t p = idom[v];
		if (p != RH_DOM_ROOT && (p >= n || !(seen[p >> 6] >> (p & 63) & 1)))
			return false;
		seen[v >> 6] |= 1ull << (v & 63);
	}
	uint32_t bad = 0;
	for (uint32_t v = 0; v < n; v++)
		bad |= !(seen[v >> 6] >> (v & 63) & 1) & (idom[v] != RH_DOM_NONE);
	return !bad;
}

static struct rh_error *load_dominators(const struct reader *r, const struct rh_snapshot *s,
					struct rh_domtree *t, uint64_t **retained, bool check)
{
	const struct disk_header *h = r->h;
	uint32_t n = s->nobjects;
	if (h->nreached > n)
		return corrupt(r, "the dominator tree's count");
	const uint32_t *idom = section(r, SEC_IDOM, (uint64_t)n * 4);
	const uint32_t *order = section(r, SEC_ORDER, h->nreached * 4);
	const uint64_t *ret = section(r, SEC_RETAINED, (uint64_t)n * 8);
	if (!idom || !order || !ret)
		return corrupt(r, "a section of the dominator tree is out of place");
	if (!check)
		goto out;
	uint64_t *seen = calloc(bitset_words(n) ? bitset_words(n) : 1, sizeof(*seen));
	if (!seen)
		return rh_enomem;
	bool ok = dominator_tree_ok(idom, order, h->nreached, n, seen);
	free(seen);
	if (!ok)
		return corrupt(r, "the dominator tree is not a tree");
out:
	*t = (struct rh_domtree){ .n = n, .idom = (uint32_t *)idom, .order = (uint32_t *)order,
				  .nreached = (uint32_t)h->nreached };
	*retained = (uint64_t *)ret;
	return NULL;
}

/* Any value is a byte count: only its place is checked. */
static struct rh_error *load_type_retained(const struct reader *r, const struct rh_snapshot *s,
					   uint64_t **ret)
{
	const uint64_t *p = section(r, SEC_TYPE_RETAINED, (uint64_t)s->ntypes * 8);
	if (!p)
		return corrupt(r, "the retained bytes per type are out of place");
	*ret = (uint64_t *)p;
	return NULL;
}

/* The parts' checks as tasks, the longest first. */
enum { TASK_DOMINATORS, TASK_REFERRERS, TASK_REACH, TASK_VERDICTS, TASK_GCSIM,
       TASK_TYPE_RETAINED, NPART_TASKS };

struct parts_task {
	const struct reader *r;
	const struct rh_snapshot *s;
	unsigned check;          /* parts whose content is checked (the others: only placed) */
	struct rh_analysis_carry out;
	struct rh_error *err[NPART_TASKS];
};

/* The sections of each part, first and last. */
static const int part_sections[RH_NPARTS][2] = {
	{ SEC_RG_START, SEC_RG_SRC },   /* RH_NEED_REFERRERS */
	{ SEC_TIER, SEC_ROOTED_BITS },  /* RH_NEED_REACH */
	{ SEC_FREED, SEC_GENS },        /* RH_NEED_GCSIM */
	{ SEC_VERDICT, SEC_COMPS },     /* RH_NEED_VERDICTS */
	{ SEC_IDOM, SEC_RETAINED },     /* RH_NEED_DOMINATORS */
	{ SEC_TYPE_RETAINED, SEC_TYPE_RETAINED },   /* RH_NEED_TYPE_RETAINED */
};

/*
 * Map in the pages of a part about to be checked, in one call: the file
 * is mapped without them (a `gc` reads 3 of the 5 parts, a third of the
 * file at 10M objects), and one call is cheaper than a fault per 64 KiB.
 * Sections already checked to lie inside the file are rounded out to
 * pages; an older kernel without MADV_POPULATE_READ faults them in.
 */
static void populate(const struct reader *r, unsigned part)
{
#ifdef MADV_POPULATE_READ
	int bit = __builtin_ctz(part);
	for (int i = part_sections[bit][0]; i <= part_sections[bit][1]; i++) {
		const struct disk_section *d = &r->h->sections[i];
		if (!d->size || d->offset > r->size || d->size > r->size - d->offset)
			continue;
		uintptr_t lo = (uintptr_t)r->base + d->offset, hi = lo + d->size;
		lo &= ~(uintptr_t)4095;
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_READ);
	}
#else
	(void)r;
	(void)part;
#endif
}

static void load_part(void *arg, uint32_t task)
{
	struct parts_task *p = arg;
	unsigned parts = p->r->h->parts;
	struct rh_error **err = &p->err[task];
	static const unsigned part_of[NPART_TASKS] = {
		[TASK_DOMINATORS] = RH_NEED_DOMINATORS, [TASK_REFERRERS] = RH_NEED_REFERRERS,
		[TASK_REACH] = RH_NEED_REACH, [TASK_VERDICTS] = RH_NEED_VERDICTS,
		[TASK_GCSIM] = RH_NEED_GCSIM, [TASK_TYPE_RETAINED] = RH_NEED_TYPE_RETAINED,
	};
	if (parts & p->check & part_of[task])
		populate(p->r, part_of[task]);
	switch (task) {
	case TASK_DOMINATORS:
		if (parts & RH_NEED_DOMINATORS)
			*err = load_dominators(p->r, p->s, &p->out.dom, &p->out.retained,
					       p->check & RH_NEED_DOMINATORS);
		break;
	case TASK_REFERRERS:
		if (parts & RH_NEED_REFERRERS)
			*err = load_referrers(p->r, p->s, &p->out.rg, p->check & RH_NEED_REFERRERS);
		break;
	case TASK_REACH:
		if (parts & RH_NEED_REACH)
			*err = load_reach(p->r, p->s, &p->out.reach, p->check & RH_NEED_REACH);
		break;
	case TASK_VERDICTS:
		if (parts & RH_NEED_VERDICTS)
			*err = load_verdicts(p->r, p->s, &p->out.v, p->check & RH_NEED_VERDICTS);
		break;
	case TASK_GCSIM:
		if (parts & RH_NEED_GCSIM)
			*err = load_gcsim(p->r, p->s, &p->out.gc, p->check & RH_NEED_GCSIM);
		break;
	case TASK_TYPE_RETAINED:
		if (parts & RH_NEED_TYPE_RETAINED)
			*err = load_type_retained(p->r, p->s, &p->out.type_retained);
		break;
	}
}

/* Check the file and fill a's parts from it; nothing of a is set on error. */
static struct rh_error *load(struct rh_analysis *a, const struct reader *r, uint64_t id,
			     unsigned want)
{
	const struct disk_header *h = r->h;
	const struct rh_snapshot *s = a->s;
	if (memcmp(h->magic, MAGIC, sizeof(h->magic)) != 0)
		return corrupt(r, "not an analyses file");
	// Of another format, or of another snapshot file (the core was read
	// again since): the ordinary miss, replaced once built.
	if (h->format != FORMAT_VERSION || h->header_size != sizeof(*h) ||
	    h->endian != ENDIAN_MARK || h->nsections != NSECTIONS || h->snapshot_id != id)
		return NULL;
	if (h->nobjects != s->nobjects || h->nedges != s->nedges || h->nroots != s->nroots ||
	    h->ninterps != s->ninterps || h->ntypes != s->ntypes)
		return corrupt(r, "it names the snapshot file, but not its counts");
	if (h->file_size != r->size)
		return corrupt(r, "its size is not the one it was written with");
	if (h->parts & ~CACHEABLE || !s->have_graph)
		return corrupt(r, "its parts");
	// The verdicts are only ever saved with what they were made from.
	if ((h->parts & RH_NEED_VERDICTS) &&
	    (h->parts & (RH_NEED_REACH | RH_NEED_GCSIM)) != (RH_NEED_REACH | RH_NEED_GCSIM))
		return corrupt(r, "its parts");
	if ((h->parts & RH_NEED_DOMINATORS) && !(h->parts & RH_NEED_REACH))
		return corrupt(r, "its parts");
	if ((h->parts & RH_NEED_TYPE_RETAINED) && !(h->parts & RH_NEED_DOMINATORS))
		return corrupt(r, "its parts");
	if (want & RH_NEED_ONLY)
		want = (want & ~RH_NEED_ONLY) |
		       rh_analysis_closure(want & ~RH_NEED_ONLY & ~h->parts);
	struct parts_task pt = { .r = r, .s = s, .check = h->parts & want };
	struct rh_error *err = NULL;
	// The parts are checked side by side (a->jobs): on the 10M-object
	// benchmark the dominator tree's check alone took 34-62 ms, the
	// others 42-80 together, most of it the first read of each page.
	uint32_t jobs = a->jobs == 1 ? 1 : rh_pool_default_jobs(a->jobs);
	struct rh_pool *pool = jobs > 1 && s->nobjects >= (1u << 20) ? rh_pool_create(2) : NULL;
	rh_pool_run(pool, load_part, &pt, NPART_TASKS);
	rh_pool_destroy(pool);
	for (int k = 0; k < NPART_TASKS; k++) {
		if (!err)
			err = pt.err[k];
		else
			rh_error_destroy(pt.err[k]);
	}
	const struct rh_analysis_carry *got = &pt.out;
	// Sections of the parts it does not hold must be empty.
	for (int i = 0; !err && i < NSECTIONS; i++) {
		bool held = (i <= SEC_RG_SRC && (h->parts & RH_NEED_REFERRERS)) ||
			    (i >= SEC_TIER && i <= SEC_ROOTED_BITS && (h->parts & RH_NEED_REACH)) ||
			    (i >= SEC_FREED && i <= SEC_GENS && (h->parts & RH_NEED_GCSIM)) ||
			    (i >= SEC_VERDICT && i <= SEC_COMPS && (h->parts & RH_NEED_VERDICTS)) ||
			    (i >= SEC_IDOM && i <= SEC_RETAINED && (h->parts & RH_NEED_DOMINATORS)) ||
			    (i == SEC_TYPE_RETAINED && (h->parts & RH_NEED_TYPE_RETAINED));
		if (!held && h->sections[i].size)
			err = corrupt(r, "a section of a part it does not hold");
	}
	if (err)
		return err;
	// Only parts not built already: this runs before any is. The parts
	// not wanted are only carried over to a file written again.
	unsigned take = h->parts & want & ~a->have;
	unsigned carry = h->parts & ~want & ~a->have;
	a->carry = *got;
	if (take & RH_NEED_REFERRERS)
		a->rg = got->rg;
	if (take & RH_NEED_REACH)
		a->reach = got->reach;
	if (take & RH_NEED_GCSIM)
		a->gc = got->gc;
	if (take & RH_NEED_VERDICTS)
		a->v = got->v;
	if (take & RH_NEED_DOMINATORS) {
		a->dom = got->dom;
		a->retained = got->retained;
	}
	if (take & RH_NEED_TYPE_RETAINED)
		a->type_retained = got->type_retained;
	a->have |= take;
	a->cache_loaded = take;
	a->cache_carried = carry;
	return NULL;
}

static struct rh_error *cache_load(struct rh_analysis *a, const char *path, uint64_t id,
				   unsigned want);

struct rh_error *rh_analysis_cache_load(struct rh_analysis *a, const char *path, uint64_t id,
					unsigned want)
{
	double t0 = now();
	// What the wanted parts are built from comes too, unless the caller
	// reads the wanted parts alone (load() then takes what a wanted part
	// the file lacks is built from).
	struct rh_error *err = cache_load(a, path, id, (want & RH_NEED_ONLY) ? want :
						       rh_analysis_closure(want));
	a->wall += now() - t0;
	return err;
}

static struct rh_error *cache_load(struct rh_analysis *a, const char *path, uint64_t id,
				   unsigned want)
{
	if (!path || a->cache_map)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? NULL
				       : rh_error_os(errno, path, "cannot open the analyses file %s",
						     path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return rh_error_os(e, path, "cannot read the analyses file %s", path);
	}
	struct reader r = { .path = path, .size = (uint64_t)st.st_size };
	// Only our own files: another user's could be planted in a shared directory.
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return rh_error_create(RH_ERR_NOT_FOUND, "analyses file %s is not one of ours",
				       path);
	}
	if (r.size < sizeof(struct disk_header) || r.size > SIZE_MAX) {
		close(fd);
		return corrupt(&r, "its size");
	}
	// The parts wanted are populated as they are checked (populate).
	void *map = mmap(NULL, (size_t)r.size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return rh_error_os(e, path, "cannot map the analyses file %s", path);
	r.base = map;
	r.h = map;
	struct rh_error *err = load(a, &r, id, want);
	if (err || !(a->cache_loaded | a->cache_carried)) {
		munmap(map, (size_t)r.size);
		return err;
	}
	a->cache_map = map;
	a->cache_map_len = (size_t)r.size;
	return NULL;
}
