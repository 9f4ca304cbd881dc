/*
 * The common part of the target: the segment table and the one
 * bounds-checked reader every layer above uses, its typed wrappers, the
 * accessors, and the in-memory target used by unit tests.
 *
 * How a read works: the segment table is sorted and non-overlapping (see
 * target_internal.h). rh_target_read() first tries the segment the previous
 * read hit: walking a GC list or a dict touches the same heap segment again
 * and again, so almost every read is one range check and one memcpy from the
 * mmapped core. Otherwise it binary-searches the table, splits the range at
 * segment ends, and lets the segment's kind serve the bytes or explain why
 * they cannot be had (core.c, live.c). Nothing on the success path
 * allocates; errors do.
 *
 * Start reading at rh_target_read().
 */
#include "config.h"

#include <stdio.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "target/target.h"
#include "target/target_internal.h"
#include "util/error.h"

/*
 * The segment the last read hit, per thread: small reads cluster, so this
 * is the fast path. It was one field of the target, shared by the
 * snapshot's threads (heap/snapshot_parallel.c, the GC list walker, the
 * allocator scan's checkers), each writing it on a miss: the cache line
 * went back and forth between the cores, and its load was 40-60% of the
 * samples of every word read (perf annotate, a cold 10M-object `gc`,
 * issue 12). Keyed by the target's id, not its address, which a later
 * target may be given after this one is freed.
 */
static _Thread_local struct {
	uint64_t id;
	const struct rh_seg *seg;
} last_hit;

static uint64_t next_target_id = 1;

static inline const struct rh_seg *last_seg(const struct rh_target *t)
{
	return last_hit.id == t->id ? last_hit.seg : NULL;
}

static inline void set_last_seg(const struct rh_target *t, const struct rh_seg *s)
{
	last_hit.id = t->id;
	last_hit.seg = s;
}

struct rh_error *rh_target_alloc(enum rh_target_kind kind, const char *name,
				 struct rh_target **ret)
{
	struct rh_target *t = calloc(1, sizeof(*t));
	if (!t)
		return rh_enomem;
	t->kind = kind;
	t->id = __atomic_fetch_add(&next_target_id, 1, __ATOMIC_RELAXED);
	t->name = strdup(name);
	if (!t->name) {
		free(t);
		return rh_enomem;
	}
	rh_problems_init(&t->problems);
	*ret = t;
	return NULL;
}

static int seg_compare(const void *a, const void *b)
{
	const struct rh_seg *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

struct rh_error *rh_target_sort_segments(struct rh_seg *segs, size_t nsegs,
					 const char *what)
{
	if (nsegs > 1)
		qsort(segs, nsegs, sizeof(*segs), seg_compare);
	for (size_t i = 1; i < nsegs; i++) {
		// A byte with two sources has no single value: refuse rather
		// than pick one silently.
		if (segs[i].start < segs[i - 1].end)
			return RH_BAD_DATA(segs[i].start,
					   "%s: segments 0x%" PRIx64 "-0x%" PRIx64
					   " and 0x%" PRIx64 "-0x%" PRIx64
					   " overlap",
					   what, segs[i - 1].start,
					   segs[i - 1].end, segs[i].start,
					   segs[i].end);
	}
	return NULL;
}

size_t rh_target_find_segment(const struct rh_seg *segs, size_t nsegs,
			      uint64_t addr)
{
	// Invariant: every segment before lo starts at or below addr, every
	// segment from hi on starts above it.
	size_t lo = 0, hi = nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (segs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= segs[lo - 1].end)
		return nsegs;
	return lo - 1;
}

/*
 * Copy [addr, addr + len) into buf (NULL: only check). Returns true when
 * the whole range is readable; otherwise *fail_seg gets the segment that
 * could not serve (NULL when addr is in no segment) and *fail_addr the first
 * unreadable address. Allocates nothing. The caller has checked that
 * addr + len does not wrap.
 */
static bool access_range(struct rh_target *t, uint64_t addr, uint8_t *buf,
			 size_t len, const struct rh_seg **fail_seg,
			 uint64_t *fail_addr)
{
	while (len) {
		const struct rh_seg *s = last_seg(t);
		if (!s || addr < s->start || addr >= s->end) {
			size_t i = rh_target_find_segment(t->segs, t->nsegs,
							  addr);
			if (i == t->nsegs) {
				*fail_seg = NULL;
				*fail_addr = addr;
				return false;
			}
			s = &t->segs[i];
			set_last_seg(t, s);
		}
		uint64_t n = s->end - addr;
		if (n > len)
			n = len;
		uint64_t off = addr - s->start;
		if (s->kind == RH_SEG_LIVE) {
			if (!rh_target_live_read(t, s, addr, buf, n,
						 fail_addr)) {
				*fail_seg = s;
				return false;
			}
		} else if (off < s->avail && n <= s->avail - off) {
			if (buf)
				memcpy(buf, s->data + off, n);
		} else {
			uint64_t have = s->avail + s->zero_tail;
			if (off >= have || n > have - off) {
				*fail_seg = s;
				*fail_addr = off < have ? s->start + have : addr;
				return false;
			}
			if (buf) {
				uint64_t direct = off < s->avail ? s->avail - off : 0;
				if (direct)
					memcpy(buf, s->data + off, direct);
				memset(buf + direct, 0, n - direct);
			}
		}
		addr += n;
		len -= n;
		if (buf)
			buf += n;
	}
	return true;
}

/* The error for a failed access_range(). */
static struct rh_error *access_error(struct rh_target *t,
				     const struct rh_seg *seg, uint64_t addr)
{
	if (!seg) {
		switch (t->kind) {
		case RH_TARGET_LIVE:
			return rh_error_fault(addr,
					      "address 0x%" PRIx64
					      " is not mapped in %s",
					      addr, t->name);
		case RH_TARGET_MEMORY:
			return rh_error_fault(addr,
					      "address 0x%" PRIx64
					      " is not in the in-memory target",
					      addr);
		case RH_TARGET_CORE:
			break;
		}
		return rh_error_fault(addr,
				      "address 0x%" PRIx64
				      " is not in the core (not mapped, or not dumped)",
				      addr);
	}
	if (seg->kind == RH_SEG_LIVE)
		return rh_target_live_fault(t, addr);
	if (seg->kind == RH_SEG_MEMORY)
		// Memory segments have avail == size, so this means a bug in
		// this file, not bad input; still, never crash on it.
		return rh_error_fault(addr,
				      "address 0x%" PRIx64
				      " is not in the in-memory target",
				      addr);
	return rh_target_core_fault(t, seg, addr);
}

static bool wraps(uint64_t addr, size_t len)
{
	return len && (uint64_t)len - 1 > UINT64_MAX - addr;
}

static struct rh_error *wrap_error(uint64_t addr, size_t len)
{
	return rh_error_fault(addr,
			      "a read of %zu bytes at 0x%" PRIx64
			      " wraps around the end of the address space",
			      len, addr);
}

static struct rh_error *read_slow(struct rh_target *t, uint64_t addr,
				  void *buf, size_t len)
{
	if (!len)
		return NULL;
	if (wraps(addr, len))
		return wrap_error(addr, len);
	const struct rh_seg *seg;
	uint64_t fail;
	if (access_range(t, addr, buf, len, &seg, &fail))
		return NULL;
	return access_error(t, seg, fail);
}

/*
 * Whether [addr, addr + len) lies inside seg's direct bytes (a live
 * segment has none: avail 0). addr - start < avail also rules out
 * addr < start, by wrap-around.
 */
static inline bool in_direct(const struct rh_seg *s, uint64_t addr, size_t len)
{
	return addr - s->start < s->avail && len <= s->avail - (addr - s->start);
}

struct rh_error *rh_target_read(struct rh_target *t, uint64_t addr, void *buf,
				size_t len)
{
	// The fast path: inside the direct bytes of the last segment hit.
	const struct rh_seg *s = last_seg(t);
	if (s && in_direct(s, addr, len)) {
		const uint8_t *p = s->data + (addr - s->start);
		// The readers' small fixed sizes as single moves: a copy of
		// variable length is a call into libc (issue 12: dict keys'
		// one-byte fields, read for every dict's size).
		switch (len) {
		case 1:
			memcpy(buf, p, 1);
			break;
		case 2:
			memcpy(buf, p, 2);
			break;
		case 4:
			memcpy(buf, p, 4);
			break;
		case 8:
			memcpy(buf, p, 8);
			break;
		case 16:
			memcpy(buf, p, 16);
			break;
		default:
			memcpy(buf, p, len);
			break;
		}
		return NULL;
	}
	return read_slow(t, addr, buf, len);
}

/* rh_target_view(), inlined into the typed reads below. */
static inline const uint8_t *view_at(struct rh_target *t, uint64_t addr, size_t len)
{
	if (!len || wraps(addr, len))
		return NULL;
	const struct rh_seg *s = last_seg(t);
	if (!s || addr - s->start >= s->end - s->start) {
		size_t i = rh_target_find_segment(t->segs, t->nsegs, addr);
		if (i == t->nsegs)
			return NULL;
		s = &t->segs[i];
		set_last_seg(t, s);
	}
	// Direct bytes only, which also keeps the range in one segment.
	if (!in_direct(s, addr, len))
		return NULL;
	return s->data + (addr - s->start);
}

const void *rh_target_view(struct rh_target *t, uint64_t addr, size_t len)
{
	return view_at(t, addr, len);
}

/*
 * The typed reads go through the view with a constant size: the copy is
 * then one load, where rh_target_read's copy of a variable length is a
 * call into libc's memcpy (on a miss of the last-hit segment, two:
 * access_range's).
 * The cpython readers make tens of millions of these word reads on a big
 * heap (issue 12: libc's memmove, reached this way, was a fifth of a
 * 10M-object snapshot's time). Bytes the view refuses (live targets, the
 * zero tail, straddling) take rh_target_read's path: the same answer.
 */
struct rh_error *rh_target_read_u64(struct rh_target *t, uint64_t addr,
				    uint64_t *ret)
{
	uint64_t v;
	const uint8_t *p = view_at(t, addr, sizeof(v));
	if (p) {
		memcpy(&v, p, sizeof(v));
	} else {
		struct rh_error *err = read_slow(t, addr, &v, sizeof(v));
		if (err)
			return err;
	}
	*ret = le64toh(v);
	return NULL;
}

struct rh_error *rh_target_read_u32(struct rh_target *t, uint64_t addr,
				    uint32_t *ret)
{
	uint32_t v;
	const uint8_t *p = view_at(t, addr, sizeof(v));
	if (p) {
		memcpy(&v, p, sizeof(v));
	} else {
		struct rh_error *err = read_slow(t, addr, &v, sizeof(v));
		if (err)
			return err;
	}
	*ret = le32toh(v);
	return NULL;
}

struct rh_error *rh_target_read_i64(struct rh_target *t, uint64_t addr,
				    int64_t *ret)
{
	uint64_t v;
	struct rh_error *err = rh_target_read_u64(t, addr, &v);
	if (err)
		return err;
	*ret = (int64_t)v;
	return NULL;
}

bool rh_target_peek(struct rh_target *t, uint64_t addr, void *buf, size_t len)
{
	struct rh_error *err = rh_target_read(t, addr, buf, len);
	rh_error_destroy(err);
	return !err;
}

bool rh_target_peek_u64(struct rh_target *t, uint64_t addr, uint64_t *ret)
{
	struct rh_error *err = rh_target_read_u64(t, addr, ret);
	rh_error_destroy(err);
	return !err;
}

bool rh_target_readable(struct rh_target *t, uint64_t addr, size_t len)
{
	if (!len)
		return true;
	if (wraps(addr, len))
		return false;
	const struct rh_seg *seg;
	uint64_t fail;
	return access_range(t, addr, NULL, len, &seg, &fail);
}

/* Copy up to len bytes at addr to buf, stopping at the first unreadable one. */
static size_t read_prefix(struct rh_target *t, uint64_t addr, uint8_t *buf,
			  size_t len)
{
	const struct rh_seg *seg;
	uint64_t fail;
	if (!wraps(addr, len) && access_range(t, addr, buf, len, &seg, &fail))
		return len;
	size_t i = 0;
	while (i < len && addr + i >= addr &&
	       access_range(t, addr + i, buf + i, 1, &seg, &fail))
		i++;
	return i;
}

/*
 * Reads in chunks that stop at 64-byte boundaries, so that a string ending
 * just before an unreadable page costs one failed chunk, which is then
 * retried byte by byte to find where the readable bytes end.
 */
struct rh_error *rh_target_read_cstr(struct rh_target *t, uint64_t addr,
				     char *buf, size_t max, size_t *len_ret,
				     bool *truncated_ret)
{
	if (max == 0)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "rh_target_read_cstr: max must be at least 1");
	// Invariant: buf[0, pos) holds readable non-NUL bytes of the string.
	size_t pos = 0;
	bool found_nul = false, stopped = false;
	while (pos < max - 1 && !found_nul && !stopped) {
		uint64_t a = addr + pos;
		if (a < addr) {
			stopped = true;  // wrapped: nothing past the end of memory
			break;
		}
		size_t chunk = 64 - (size_t)(a & 63);
		if (chunk > max - 1 - pos)
			chunk = max - 1 - pos;
		size_t got = read_prefix(t, a, (uint8_t *)buf + pos, chunk);
		stopped = got < chunk;
		char *nul = memchr(buf + pos, '\0', got);
		if (nul) {
			pos = (size_t)(nul - buf);
			found_nul = true;
		} else {
			pos += got;
		}
	}
	if (!found_nul && !stopped) {
		// pos == max - 1: a string of exactly max-1 bytes still fits
		// if the next byte is its NUL.
		char c;
		found_nul = read_prefix(t, addr + pos, (uint8_t *)&c, 1) == 1 &&
			    c == '\0';
	}
	if (pos == 0 && !found_nul) {
		// Maybe not even the first byte: report why, with the real
		// code (a truncated core is not the same as an unmapped
		// address). If it is readable after all (max == 1, or a live
		// target that changed), the result is an empty, truncated
		// string.
		char c;
		struct rh_error *err = rh_target_read(t, addr, &c, 1);
		if (err)
			return err;
	}
	buf[pos] = '\0';
	*len_ret = pos;
	if (truncated_ret)
		*truncated_ret = !found_nul;
	return NULL;
}

struct rh_error *rh_target_open_memory(const struct rh_memory_segment *segs,
				       size_t nsegs, struct rh_target **ret)
{
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_alloc(RH_TARGET_MEMORY, "memory", &t);
	if (err)
		return err;
	if (nsegs) {
		t->segs = calloc(nsegs, sizeof(*t->segs));
		if (!t->segs) {
			err = rh_enomem;
			goto out_target;
		}
	}
	for (size_t i = 0; i < nsegs; i++) {
		if (segs[i].size == 0)
			continue;  // nothing to read; keeps end > start true
		if (wraps(segs[i].addr, segs[i].size)) {
			err = rh_error_create(RH_ERR_INVALID_ARGUMENT,
					      "in-memory segment at 0x%" PRIx64
					      " of %zu bytes wraps around the address space",
					      segs[i].addr, segs[i].size);
			goto out_target;
		}
		struct rh_seg *s = &t->segs[t->nsegs++];
		s->start = segs[i].addr;
		// A segment ending exactly at 2^64 loses its last byte: end
		// is exclusive and must fit in 64 bits.
		s->end = segs[i].addr + segs[i].size - 1 == UINT64_MAX
				 ? UINT64_MAX
				 : segs[i].addr + segs[i].size;
		s->data = segs[i].data;
		s->avail = s->end - s->start;
		s->kind = RH_SEG_MEMORY;
		s->prot = RH_PROT_READ | RH_PROT_WRITE;
	}
	err = rh_target_sort_segments(t->segs, t->nsegs, "in-memory target");
	if (err)
		goto out_target;
	*ret = t;
	return NULL;

out_target:
	rh_target_destroy(t);
	return err;
}

struct rh_error *rh_target_resume(struct rh_target *t)
{
	if (t->kind != RH_TARGET_LIVE)
		return NULL;
	return rh_target_live_resume(t);
}

void rh_target_destroy(struct rh_target *t)
{
	if (!t)
		return;
	// The kind-specific part goes first: a live process is resumed
	// before anything else, and it owns the mapping path strings.
	if (t->live)
		rh_target_live_destroy(t);
	if (t->core)
		rh_target_core_destroy(t);
	free(t->segs);
	free(t->mappings);
	free(t->threads);
	free(t->auxv);
	rh_problems_deinit(&t->problems);
	free(t->name);
	free(t);
}

enum rh_target_kind rh_target_kind(const struct rh_target *t)
{
	return t->kind;
}

const char *rh_target_name(const struct rh_target *t)
{
	return t->name;
}

pid_t rh_target_pid(const struct rh_target *t)
{
	return t->pid;
}

size_t rh_target_mapping_count(const struct rh_target *t)
{
	return t->nmappings;
}

const struct rh_mapping *rh_target_mapping(const struct rh_target *t, size_t i)
{
	return i < t->nmappings ? &t->mappings[i] : NULL;
}

size_t rh_target_thread_count(const struct rh_target *t)
{
	return t->nthreads;
}

const struct rh_thread *rh_target_thread(const struct rh_target *t, size_t i)
{
	return i < t->nthreads ? &t->threads[i] : NULL;
}

struct rh_error *rh_target_auxv(const struct rh_target *t, uint64_t type,
				uint64_t *ret)
{
	for (size_t i = 0; i < t->nauxv; i++) {
		if (t->auxv[2 * i] == type) {
			*ret = t->auxv[2 * i + 1];
			return NULL;
		}
	}
	return rh_error_create(RH_ERR_NOT_FOUND,
			       "%s has no auxiliary vector entry of type %" PRIu64,
			       t->name, type);
}

size_t rh_target_segment_count(const struct rh_target *t)
{
	return t->nsegs;
}

void rh_target_segment(const struct rh_target *t, size_t i,
		       struct rh_segment_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (i >= t->nsegs)
		return;
	const struct rh_seg *s = &t->segs[i];
	ret->start = s->start;
	ret->end = s->end;
	ret->prot = s->prot;
	ret->dumped = s->kind == RH_SEG_CORE || s->kind == RH_SEG_MEMORY ||
		      s->kind == RH_SEG_LIVE;
	ret->file_backed = s->kind == RH_SEG_FILE;
}

const struct rh_problems *rh_target_problems(const struct rh_target *t)
{
	return &t->problems;
}

/* One field of /proc/self/status ("RssAnon:"), in bytes; false if absent. */
static bool status_field(const char *text, const char *name, uint64_t *ret)
{
	const char *p = strstr(text, name);
	unsigned long long kib;
	if (!p || sscanf(p + strlen(name), " %llu", &kib) != 1)
		return false;
	*ret = (uint64_t)kib * 1024;
	return true;
}

/* /proc/self/status, read with no allocation (the sampler below runs it). */
static bool read_status(char *buf, size_t len)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return n > 0;
}

bool rh_target_self_memory(uint64_t *anon_ret, uint64_t *file_ret,
			   uint64_t *peak_ret)
{
	char buf[4096];
	return read_status(buf, sizeof(buf)) && status_field(buf, "RssAnon:", anon_ret) &&
	       status_field(buf, "RssFile:", file_ret) && status_field(buf, "VmHWM:", peak_ret);
}

bool rh_target_self_map_room(unsigned more)
{
	long max = 65530;
	char buf[8192];
	int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = 0;
		if (r <= 0 || sscanf(buf, "%ld", &max) != 1)
			max = 65530;
		close(fd);
	}
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	long lines = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR))
		for (ssize_t i = 0; i < r; i++)
			lines += buf[i] == '\n';
	close(fd);
	// A margin for what other threads map meanwhile.
	return lines + (long)more + 64 < max;
}

/*
 * The peak of memory that only RAM or swap can hold: RssAnon, and RssShmem
 * (a snapshot cache on tmpfs). The kernel keeps a high-water mark of the
 * whole RSS only (VmHWM), file-backed pages included, and those grow after
 * the peak when the snapshot's arrays are handed to the page cache
 * (heap/snapshot_cache.c adopt_section): VmHWM less the file-backed pages
 * at the end would then read too low. So a thread samples it every 5 ms;
 * what the analyses allocate stays for tens of milliseconds at least.
 */
static _Atomic uint64_t anon_peak;
static _Atomic bool sampler_started;

static void anon_sample(void)
{
	char buf[4096];
	uint64_t anon = 0, shmem = 0;
	if (!read_status(buf, sizeof(buf)) || !status_field(buf, "RssAnon:", &anon))
		return;
	(void)status_field(buf, "RssShmem:", &shmem);
	uint64_t v = anon + shmem, cur = atomic_load(&anon_peak);
	while (v > cur && !atomic_compare_exchange_weak(&anon_peak, &cur, v))
		;
}

static void *sampler_main(void *arg)
{
	(void)arg;
	const struct timespec period = { 0, 5 * 1000 * 1000 };
	for (;;) {
		anon_sample();
		nanosleep(&period, NULL);
	}
	return NULL;
}

void rh_target_self_memory_watch(void)
{
	bool no = false;
	if (!atomic_compare_exchange_strong(&sampler_started, &no, true))
		return;
	anon_sample();
	pthread_t th;
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0)
		return;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 64 << 10);
	// Blocked signals: the thread never runs a handler meant for the
	// main one (the live target's resume on SIGINT).
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	(void)pthread_create(&th, &attr, sampler_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

bool rh_target_self_anon_peak(uint64_t *ret)
{
	if (!atomic_load(&sampler_started))
		return false;
	anon_sample();
	*ret = atomic_load(&anon_peak);
	return *ret > 0;
}
