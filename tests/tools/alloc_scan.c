/*
 * alloc_scan: drive the allocator scan (cpython/obmalloc.h) on a core, for
 * tests/integration/alloc_scan.sh and for looking at a core by hand.
 *
 *   alloc_scan [options] (CORE | --pid PID)
 *     --find ADDR       say whether ADDR lies in a used block, which one and
 *                       at which offset (repeatable, up to 64)
 *     --list            print every used block: "block ADDR SIZE SOURCE"
 *     --classes         print pymalloc blocks per size class: "class SIZE N"
 *     --symbol NAME     print "symbol NAME ADDR" (any module; for tests that
 *                       corrupt a copy of the core; repeatable, up to 8)
 *     --no-libc-symbols find glibc's heaps from the segments alone
 *     --skip-malloc     pymalloc only
 *     --skip-pymalloc   malloc only
 *     --debug-dir DIR   extra debug directory (repeatable, up to 8)
 *     --cache-dir DIR   layout cache (default: none)
 *     --pid PID         scan a live process (stopped while it is read)
 *
 * Output: "key value" lines (version, the fields of struct
 * rh_py_alloc_stats, problems N, seconds), "problem: ..." lines, and the
 * lines the options ask for. With --find, the block marks too (struct
 * rh_py_block_marks, made by a count-only scan): "mark ADDR set|none
 * set|none" (ADDR marked, then ADDR + 8, which no object can start at),
 * then a pymalloc scan that skips the marked blocks: "marked_scan_blocks
 * N" (its stats' count), "marked_scan_reported N" and "marked_find ADDR
 * reported|skipped" for each ADDR in a used pymalloc block. Exit status: 0 no problem, 1 problems were
 * recorded (the scan went on), 2 the core could not be read, 64 usage.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpython/obmalloc.h"
#include "cpython/runtime.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

#define MAX_FINDS 64
#define MAX_DEBUG_DIRS 8
#define NCLASSES 64

struct find {
	uint64_t addr;
	bool found;
	struct rh_py_block block;
};

struct scan {
	bool list;
	struct find finds[MAX_FINDS];
	size_t nfinds;
	uint64_t classes[NCLASSES];  /* pymalloc blocks per size / 16 - 1 */
	uint64_t by_region[3];
};

static const char *source_name(const struct rh_py_block *b)
{
	if (b->source == RH_BLOCK_PYMALLOC)
		return "pymalloc";
	switch (b->region) {
	case RH_MALLOC_MAIN_ARENA:
		return "malloc-main";
	case RH_MALLOC_THREAD_ARENA:
		return "malloc-thread";
	case RH_MALLOC_MMAPPED:
		return "malloc-mmapped";
	}
	return "malloc";
}

/* The scan that skips marked blocks: what it reported. */
struct marked_scan {
	const struct scan *s;
	uint64_t reported;
	bool reported_find[MAX_FINDS];
};

static int on_marked_block(void *arg, const struct rh_py_block *b)
{
	struct marked_scan *m = arg;
	m->reported++;
	for (size_t i = 0; i < m->s->nfinds; i++) {
		uint64_t a = m->s->finds[i].addr;
		if (a >= b->addr && a - b->addr < b->size)
			m->reported_find[i] = true;
	}
	return 0;
}

/* Blocks a count-only scan reported: it must report none. */
static uint64_t count_only_reported;

static int on_count_only_block(void *arg, const struct rh_py_block *b)
{
	(void)arg;
	(void)b;
	count_only_reported++;
	return 0;
}

static int on_block(void *arg, const struct rh_py_block *b)
{
	struct scan *s = arg;
	if (s->list)
		printf("block 0x%" PRIx64 " %" PRIu64 " %s\n", b->addr, b->size, source_name(b));
	if (b->source == RH_BLOCK_PYMALLOC) {
		uint64_t k = b->size / 16 - 1;
		if (b->size % 16 == 0 && k < NCLASSES)
			s->classes[k]++;
	} else if ((unsigned)b->region < 3) {
		s->by_region[b->region]++;
	}
	for (size_t i = 0; i < s->nfinds; i++) {
		struct find *f = &s->finds[i];
		if (f->addr >= b->addr && f->addr - b->addr < b->size) {
			if (f->found)
				printf("overlap: 0x%" PRIx64 " lies in two blocks, 0x%" PRIx64 " and 0x%" PRIx64 "\n",
				       f->addr, f->block.addr, b->addr);
			f->found = true;
			f->block = *b;
		}
	}
	return 0;
}

static int usage(const char *msg)
{
	fprintf(stderr, "alloc_scan: %s\n"
		"usage: alloc_scan [--find ADDR]... [--list] [--classes] [--symbol NAME]... [--no-libc-symbols]\n"
		"                  [--skip-malloc] [--skip-pymalloc] [--debug-dir DIR]... [--cache-dir DIR]\n"
		"                  (CORE | --pid PID)\n",
		msg);
	return 64;
}

static void print_problems(const struct rh_problems *p)
{
	for (size_t i = 0; i < p->count; i++)
		printf("problem: %s\n", p->messages[i]);
	if (p->dropped)
		printf("problem: ... and %zu more\n", p->dropped);
}

int main(int argc, char **argv)
{
	static struct scan s;
	struct rh_py_alloc_options aopts = { 0 };
	const char *debug_dirs[MAX_DEBUG_DIRS];
	size_t ndebug = 0;
	const char *core = NULL, *sysroot = NULL;
	long pid = 0;
	bool classes = false;
	const char *symbols[MAX_DEBUG_DIRS];
	size_t nsymbols = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--find") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(argv[++i], &end, 0);
			if (errno || *end || s.nfinds == MAX_FINDS)
				return usage("--find needs an address (at most 64 of them)");
			s.finds[s.nfinds++].addr = v;
		} else if (strcmp(a, "--list") == 0) {
			s.list = true;
		} else if (strcmp(a, "--classes") == 0) {
			classes = true;
		} else if (strcmp(a, "--symbol") == 0 && i + 1 < argc) {
			if (nsymbols == MAX_DEBUG_DIRS)
				return usage("too many --symbol");
			symbols[nsymbols++] = argv[++i];
		} else if (strcmp(a, "--no-libc-symbols") == 0) {
			aopts.no_libc_symbols = true;
		} else if (strcmp(a, "--skip-malloc") == 0) {
			aopts.skip_malloc = true;
		} else if (strcmp(a, "--skip-pymalloc") == 0) {
			aopts.skip_pymalloc = true;
		} else if (strcmp(a, "--debug-dir") == 0 && i + 1 < argc) {
			if (ndebug == MAX_DEBUG_DIRS)
				return usage("too many --debug-dir");
			debug_dirs[ndebug++] = argv[++i];
		} else if (strcmp(a, "--pid") == 0 && i + 1 < argc) {
			char *end;
			pid = strtol(argv[++i], &end, 10);
			if (*end || pid <= 0)
				return usage("--pid needs a process id");
		} else if (strcmp(a, "--cache-dir") == 0 && i + 1 < argc) {
			aopts.cache_dir = argv[++i];
		} else if (strcmp(a, "--sysroot") == 0 && i + 1 < argc) {
			sysroot = argv[++i];
		} else if (a[0] == '-') {
			return usage("unknown option or missing argument");
		} else if (!core) {
			core = a;
		} else {
			return usage("more than one core");
		}
	}
	if (!core == !pid)
		return usage("give a CORE or --pid PID");
	char pidname[32];
	if (pid) {
		snprintf(pidname, sizeof(pidname), "pid %ld", pid);
		core = pidname;
	}

	int status = 2;
	struct rh_problems problems;
	rh_problems_init(&problems);
	struct rh_target *t = NULL;
	struct rh_image *img = NULL;
	struct rh_py_runtime *rt = NULL;
	struct rh_target_options topts = { .sysroot = sysroot };
	struct rh_error *err = pid ? rh_target_open_pid((pid_t)pid, &topts, &t)
				   : rh_target_open_core(core, &topts, &t);
	if (err)
		goto out;
	struct rh_image_options iopts = { .debug_dirs = debug_dirs, .ndebug_dirs = ndebug,
					  .sysroot = sysroot };
	if ((err = rh_image_create(t, &iopts, &img)))
		goto out;
	struct rh_py_options popts = { .cache_dir = aopts.cache_dir };
	if ((err = rh_py_runtime_open(t, img, &popts, &problems, &rt)))
		goto out;
	// Problems of opening are not the scan's: show them, count apart.
	size_t open_problems = rh_problems_total(&problems);
	print_problems(&problems);
	rh_problems_deinit(&problems);
	rh_problems_init(&problems);

	for (size_t i = 0; i < nsymbols; i++) {
		uint64_t addr;
		struct rh_error *serr = rh_image_find_symbol(img, NULL, symbols[i], &addr, NULL);
		if (serr) {
			printf("symbol %s not found\n", symbols[i]);
			rh_error_destroy(serr);
		} else {
			printf("symbol %s 0x%" PRIx64 "\n", symbols[i], addr);
		}
	}

	struct rh_py_alloc_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = rh_py_alloc_scan(rt, &aopts, &problems, on_block, &s, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		goto out;
	// The count alone (what the snapshot sizes its address index by):
	// the same sum, without a block reported.
	struct rh_py_alloc_options copts = aopts;
	copts.count_only = true;
	struct rh_py_alloc_stats cst;
	struct rh_problems cproblems;
	rh_problems_init(&cproblems);
	err = rh_py_alloc_scan(rt, &copts, &cproblems, on_count_only_block, NULL, &cst);
	rh_problems_deinit(&cproblems);
	if (err)
		goto out;
	// The block marks, when there are addresses to mark.
	struct rh_py_block_marks *marks = NULL;
	struct marked_scan ms = { .s = &s };
	struct rh_py_alloc_stats mst = { 0 };
	if (s.nfinds) {
		copts.marks_ret = &marks;
		rh_problems_init(&cproblems);
		err = rh_py_alloc_scan(rt, &copts, &cproblems, on_count_only_block, NULL, &cst);
		rh_problems_deinit(&cproblems);
		if (err)
			goto out;
	}
	bool marked[MAX_FINDS] = { false }, marked8[MAX_FINDS] = { false };
	bool have_marks = marks != NULL;
	if (marks) {
		for (size_t i = 0; i < s.nfinds; i++) {
			marked[i] = rh_py_block_marks_set(marks, s.finds[i].addr);
			marked8[i] = rh_py_block_marks_set(marks, s.finds[i].addr + 8);
		}
		struct rh_py_alloc_options mopts = aopts;
		mopts.skip_malloc = true;
		mopts.skip = marks;
		rh_problems_init(&cproblems);
		err = rh_py_alloc_scan(rt, &mopts, &cproblems, on_marked_block, &ms, &mst);
		rh_problems_deinit(&cproblems);
		rh_py_block_marks_destroy(marks);
		if (err)
			goto out;
	}
	static const char *const methods[] = { "none", "symbols", "segments" };
	printf("version %s\n", rh_py_runtime_info(rt)->version);
	printf("pool_size %" PRIu64 "\n", st.pool_size);
	printf("arena_size %" PRIu64 "\n", st.arena_size);
	printf("alignment %u\n", st.alignment);
	printf("states %u\n", st.states);
	printf("arenas %" PRIu64 "\n", st.arenas);
	printf("pools_used %" PRIu64 "\n", st.pools_used);
	printf("pools_empty %" PRIu64 "\n", st.pools_empty);
	printf("pymalloc_blocks %" PRIu64 "\n", st.pymalloc_blocks);
	printf("pymalloc_bytes %" PRIu64 "\n", st.pymalloc_bytes);
	printf("pool_ref_counts %" PRIu64 "\n", st.pool_ref_counts);
	printf("count_only_pool_ref_counts %" PRIu64 "\n", cst.pool_ref_counts);
	printf("count_only_blocks_reported %" PRIu64 "\n",
	       cst.pymalloc_blocks + cst.malloc_chunks + count_only_reported);
	printf("raw_allocated_blocks %" PRId64 "\n", st.raw_allocated_blocks);
	printf("allocated_blocks %" PRId64 "\n", st.allocated_blocks);
	printf("malloc_method %s\n", methods[st.malloc_method]);
	printf("malloc_arenas %u\n", st.malloc_arenas);
	printf("malloc_heaps %u\n", st.malloc_heaps);
	printf("malloc_chunks %" PRIu64 "\n", st.malloc_chunks);
	printf("malloc_chunks_main %" PRIu64 "\n", s.by_region[RH_MALLOC_MAIN_ARENA]);
	printf("malloc_chunks_thread %" PRIu64 "\n", s.by_region[RH_MALLOC_THREAD_ARENA]);
	printf("malloc_bytes %" PRIu64 "\n", st.malloc_bytes);
	printf("malloc_cached_free %" PRIu64 "\n", st.malloc_cached_free);
	printf("mmapped_chunks %" PRIu64 "\n", st.mmapped_chunks);
	printf("mmapped_bytes %" PRIu64 "\n", st.mmapped_bytes);
	if (classes)
		for (unsigned k = 0; k < NCLASSES; k++)
			if (s.classes[k])
				printf("class %u %" PRIu64 "\n", (k + 1) * 16, s.classes[k]);
	for (size_t i = 0; i < s.nfinds; i++) {
		const struct find *f = &s.finds[i];
		if (f->found)
			printf("find 0x%" PRIx64 " in %s block 0x%" PRIx64 " size %" PRIu64 " offset %" PRIu64 "\n",
			       f->addr, source_name(&f->block), f->block.addr, f->block.size,
			       f->addr - f->block.addr);
		else
			printf("find 0x%" PRIx64 " not in a used block\n", f->addr);
	}
	if (s.nfinds) {
		printf("marks %s\n", have_marks ? "made" : "none");
		for (size_t i = 0; i < s.nfinds; i++)
			printf("mark 0x%" PRIx64 " %s %s\n", s.finds[i].addr, marked[i] ? "set" : "none",
			       marked8[i] ? "set" : "none");
		printf("marked_scan_blocks %" PRIu64 "\n", mst.pymalloc_blocks);
		printf("marked_scan_reported %" PRIu64 "\n", ms.reported);
		for (size_t i = 0; i < s.nfinds; i++)
			if (s.finds[i].found && s.finds[i].block.source == RH_BLOCK_PYMALLOC)
				printf("marked_find 0x%" PRIx64 " %s\n", s.finds[i].addr,
				       ms.reported_find[i] ? "reported" : "skipped");
	}
	printf("open_problems %zu\n", open_problems);
	printf("problems %zu\n", rh_problems_total(&problems));
	print_problems(&problems);
	printf("seconds %.3f\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = rh_problems_total(&problems) ? 1 : 0;
out:
	if (err) {
		fprintf(stderr, "alloc_scan: %s: %s\n", core, err->message);
		rh_error_destroy(err);
	}
	rh_py_runtime_destroy(rt);
	rh_image_destroy(img);
	rh_target_destroy(t);
	rh_problems_deinit(&problems);
	return status;
}
