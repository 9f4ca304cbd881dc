/*
 * Shared by the libFuzzer harnesses in tests/fuzz: a private scratch
 * directory per process, writing an input to a file there (the readers
 * under test open paths, as refheap does), and a hand-built snapshot.
 */
#ifndef RH_FUZZ_COMMON_H
#define RH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The scratch directory (created on first use, under $TMPDIR or /tmp). */
const char *fuzz_dir(void);
/* dir/name, in a static buffer. */
const char *fuzz_path(const char *name);
/* Write len bytes to path (truncating); aborts on failure: a harness bug. */
void fuzz_write(const char *path, const void *data, size_t len);

/*
 * A cache harness's input was refused: with REFHEAP_FUZZ_SEEDS_VALID set
 * (run.sh --replay, for the seeds), abort: seeds the reader refuses test
 * nothing past its header (a format bumped without new seeds).
 */
void fuzz_refused(const char *why);

struct rh_snapshot;
/*
 * A snapshot as rh_snapshot_create() leaves one: n objects in a chain
 * with extra edges, 4 types, roots, a problem (fuzz_snapshot_cache's
 * seeds, fuzz_analysis_cache's snapshot). Aborts on no memory.
 */
struct rh_snapshot *fuzz_make_snapshot(uint32_t n);
/** Give s an index by block (heap/snapshot.h obj_blocks), the rest to the keyindex. */
void fuzz_split_index(struct rh_snapshot *s);

#endif
