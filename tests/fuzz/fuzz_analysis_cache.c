/*
 * libFuzzer harness: the analyses' cache reader (analysis/analysis_cache.c)
 * against a fixed hand-built snapshot, then every analysis and report over
 * what it accepts: the parts read from the file, the rest built on top.
 *
 * White-box, like fuzz_snapshot_cache.c: the reader's source is included
 * so that the header's snapshot id and `file_size` can be set to what this
 * run expects; otherwise almost no input would get past the header.
 *
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write seed files (the fixed snapshot's
 * analyses, all of them and some, written by the cache's own writer) into
 * DIR and exit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis_cache.c"
#include "fuzz_analyses.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define ID 0x5eedull
#define ALL (RH_NEED_REFERRERS | RH_NEED_REACH | RH_NEED_GCSIM | RH_NEED_VERDICTS | \
	     RH_NEED_DOMINATORS | RH_NEED_TYPE_RETAINED)
#define OBJECTS 40

static struct rh_snapshot *snap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snap = fuzz_make_snapshot(OBJECTS);
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		static const unsigned parts[] = {
			RH_NEED_REFERRERS | RH_NEED_VERDICTS | RH_NEED_TYPE_RETAINED,
			RH_NEED_REACH,
			RH_NEED_VERDICTS,
		};
		for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
			struct rh_analysis a;
			rh_analysis_init(&a, snap);
			struct rh_error *err = rh_analysis_need(&a, parts[k]);
			char p[512];
			snprintf(p, sizeof(p), "%s/seed-analyses-%zu", seeds, k);
			if (!err)
				err = rh_analysis_cache_save(&a, p, ID, UINT64_MAX);
			if (err) {
				fprintf(stderr, "seed: %s\n", err->message);
				exit(1);
			}
			rh_analysis_deinit(&a);
		}
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (size >= sizeof(struct disk_header)) {
		// This run's snapshot id and the true size (see the top).
		uint64_t id = ID, fsize = size;
		memcpy(copy + offsetof(struct disk_header, snapshot_id), &id, 8);
		memcpy(copy + offsetof(struct disk_header, file_size), &fsize, 8);
	}
	const char *path = fuzz_path("analyses");
	fuzz_write(path, copy, size);
	free(copy);
	// Odd sizes: only the verdicts wanted, the other parts carried over
	// unchecked into a file written again (a new part built), which is
	// then read back whole: what was carried must be checked there.
	unsigned want = size & 1 ? RH_NEED_VERDICTS : ALL;
	struct rh_analysis a;
	rh_analysis_init(&a, snap);
	struct rh_error *err = rh_analysis_cache_load(&a, path, ID, want);
	if (!err && !a.cache_loaded && !a.cache_carried)
		fuzz_refused("nothing taken (another format)");
	if (err) {
		// Refused: nothing taken, and a message that says why.
		if (a.have || a.cache_map || !err->message || !*err->message)
			abort();
		fuzz_refused(err->message);
		rh_error_destroy(err);
	}
	if (want != ALL) {
		const char *again = fuzz_path("analyses-again");
		unlink(again);
		if (!rh_analysis_cache_save_start(&a, again, ID, UINT64_MAX, false)) {
			rh_error_destroy(rh_analysis_need(&a, ALL));
			rh_error_destroy(rh_analysis_cache_save_finish(&a));
		}
		rh_analysis_deinit(&a);
		rh_analysis_init(&a, snap);
		rh_error_destroy(rh_analysis_cache_load(&a, again, ID, ALL));
	}
	fuzz_run_reports(&a, 0);
	rh_analysis_deinit(&a);
	return 0;
}
