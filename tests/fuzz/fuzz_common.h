/*
 * Shared by the libFuzzer harnesses in tests/fuzz: a private scratch
 * directory per process, and writing an input to a file there (the readers
 * under test open paths, as refheap does).
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

#endif
