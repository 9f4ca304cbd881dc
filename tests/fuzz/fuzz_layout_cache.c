/*
 * libFuzzer harness: the DWARF layout cache reader (dwarf/layouts_cache.c),
 * through rh_layouts_resolve() with CPython's real query table, as the
 * runtime asks it. The input is the cache file; when the reader refuses
 * it, resolve falls back to the DWARF of a file that does not exist and
 * fails cleanly.
 *
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write seed cache files into DIR and exit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/layout_table.h"
#include "dwarf/layouts_internal.h"
#include "fuzz_common.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define BUILD_ID "c561f3aa7232f2bd6ac6d56bd475f1c154a00486"

static struct rh_layout_value values[PYL_COUNT_];
static char cache_path[1024];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint64_t qhash = rh_layouts_query_hash(rh_py_layout_queries, PYL_COUNT_);
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		for (size_t i = 0; i < PYL_COUNT_; i++) {
			values[i].found = i % 7 != 3;
			values[i].value = (int64_t)(i * 8) - (i % 11 == 0 ? 100 : 0);
		}
		if (!rh_layouts_cache_write(fuzz_dir(), BUILD_ID, qhash, PYL_COUNT_, values)) {
			fprintf(stderr, "seed: cannot write the layout cache\n");
			exit(1);
		}
		char *from = rh_layouts_cache_path(fuzz_dir(), BUILD_ID, qhash);
		char to[1024];
		snprintf(to, sizeof(to), "%s/seed-layouts", seeds);
		if (!from || rename(from, to) < 0) {
			perror(to);
			exit(1);
		}
		free(from);
		exit(0);
	}
	char *p = rh_layouts_cache_path(fuzz_dir(), BUILD_ID, qhash);
	if (!p)
		abort();
	snprintf(cache_path, sizeof(cache_path), "%s", p);
	free(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write(cache_path, data, size);
	struct rh_layout_stats st = { 0 };
	struct rh_error *err = rh_layouts_resolve(fuzz_path("no-such-debug-file"), BUILD_ID,
						  fuzz_dir(), rh_py_layout_queries, PYL_COUNT_,
						  values, &st);
	if (err) {
		if (!err->message || !*err->message || st.from_cache)
			abort();
		rh_error_destroy(err);
	} else if (!st.from_cache) {
		abort();   // answered without the cache nor the DWARF?
	}
	return 0;
}
