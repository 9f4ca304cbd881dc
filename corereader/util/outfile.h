/*
 * Output files (-o): never destroy what refheap did not create.
 *
 * A regular file (or a new one) is written to a temporary file beside it
 * and renamed over it only on success, so a failed run leaves an existing
 * file untouched and a reader never sees half a file. A path that exists
 * and is not a regular file (a FIFO, /dev/null, a terminal) is written in
 * place and never removed or replaced. A symlink is followed: its target
 * is what gets replaced, the link stays.
 */
#ifndef RH_UTIL_OUTFILE_H
#define RH_UTIL_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct rh_error;

struct rh_outfile {
	FILE *f;             /* write here (NULL after commit/abort) */
	char *path;          /* the destination (a symlink's target resolved) */
	char *tmp;           /* the temporary beside it, or NULL: in place */
	/** What to write to when not through f (another program's -o). */
	const char *write_path;
};

/**
 * Open path for writing. Errors: RH_ERR_OS with the path and what to do
 * (a directory that cannot be written, a path that is a directory),
 * RH_ERR_NO_MEMORY. On error *o is left closed (nothing to abort).
 */
struct rh_error *rh_outfile_open(struct rh_outfile *o, const char *path);

/**
 * Flush, close and move into place. On error the temporary file is
 * removed and the destination untouched. Errors: RH_ERR_OS.
 */
struct rh_error *rh_outfile_commit(struct rh_outfile *o);

/** Close and remove the temporary file only. Idempotent. */
void rh_outfile_abort(struct rh_outfile *o);

/**
 * The same for a file another program writes (graphviz's dot -o): opened
 * and closed at once, so that o->write_path names where it must write;
 * then rh_outfile_commit() or rh_outfile_abort().
 */
struct rh_error *rh_outfile_reserve(struct rh_outfile *o, const char *path);

#include <stdint.h>
/**
 * pwrite(2) all of buf at off, in calls of at most 1 GiB, again after
 * EINTR; false with errno on failure (a short write of 0: errno left).
 */
bool rh_pwrite_all(int fd, const void *buf, uint64_t len, uint64_t off);

#endif /* RH_UTIL_OUTFILE_H */
