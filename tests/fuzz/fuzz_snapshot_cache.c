/*
 * libFuzzer harness: the snapshot cache reader (heap/snapshot_cache.c),
 * then every analysis and report over what it accepts.
 *
 * White-box, like tests/unit/test_snapshot_cache.c: the reader's source is
 * included so that the header's build stamp (`tool`, a hash of this very
 * binary) and `file_size` can be set to what this run expects; otherwise
 * no input could get past the header and the committed seeds would only
 * fit the build that wrote them.
 *
 * REFHEAP_FUZZ_MAKE_SEEDS=DIR: write seed files (small hand-built
 * snapshots written by rh_snapshot_cache_write) into DIR and exit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_analyses.h"
#include "fuzz_common.h"
#include "heap/snapshot_cache.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("REFHEAP_FUZZ_MAKE_SEEDS");
	if (seeds && *seeds) {
		// The last with an index by block (4 KiB regions: its objects
		// span two, and a third's go to the keyindex).
		static const uint32_t sizes[] = { 1, 12, 40, 200 };
		for (size_t k = 0; k < 4; k++) {
			struct rh_snapshot *s = fuzz_make_snapshot(sizes[k]);
			if (k == 3)
				fuzz_split_index(s);
			char p[512];
			snprintf(p, sizeof(p), "%s/seed-snapshot-%s%u", seeds, k == 3 ? "split-" : "",
				 sizes[k]);
			struct rh_snapshot_cache_key key = { .core_path = "core", .graph = true };
			struct rh_error *err = rh_snapshot_cache_write(s, &key, p, 0);
			if (err) {
				fprintf(stderr, "seed: %s\n", err->message);
				exit(1);
			}
			rh_snapshot_destroy(s);
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
		// This build's stamp and the true size (see the top).
		uint64_t tool = tool_hash(), fsize = size;
		memcpy(copy + offsetof(struct disk_header, tool), &tool, 8);
		memcpy(copy + offsetof(struct disk_header, file_size), &fsize, 8);
	}
	const char *path = fuzz_path("snapshot");
	fuzz_write(path, copy, size);
	free(copy);
	struct rh_snapshot *s = NULL;
	struct rh_error *err = rh_snapshot_cache_read(path, NULL, &s);
	if (err) {
		if (s || !err->message || !*err->message)
			abort();
		fuzz_refused(err->message);
		rh_error_destroy(err);
		return 0;
	}
	fuzz_run_analyses(s, 0);
	rh_snapshot_destroy(s);
	return 0;
}
