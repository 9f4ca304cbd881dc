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

/*
 * Writes that leave a file in the page cache in whole 2 MiB folios.
 *
 * A kernel whose filesystem takes large folios (ext4 from Linux 6.11, XFS)
 * sizes the page cache's folio for a write by the write's length and its
 * alignment in the file (mm/filemap.c __filemap_get_folio): a write that
 * starts 4 KiB past a 2 MiB boundary gets a 4 KiB folio, then 8 KiB, and so
 * on up to the next boundary; only a write of a whole aligned 2 MiB gets a
 * 2 MiB folio, which a reader's mapping then maps with one entry
 * (FilePmdMapped). Reading a 4 KiB-folio file costs a page-table entry per
 * page at each first touch in each process: on this project's VM the
 * warm `why` on a 10M-object core took 113-145 ms with the analyses file as
 * sections of any length wrote it, 61-68 ms with the same bytes in 2 MiB
 * folios (issue 12). So writes are gathered here into aligned 2 MiB blocks:
 * copied when they start or end inside one, passed to pwrite(2) as they
 * are when they cover whole blocks.
 *
 * Writes go forward: each starts at or past where the last one ended;
 * the gap between reads as zeros. A kernel without large folios gets the
 * same file.
 */
#define RH_BLOCKWRITE_BLOCK ((uint64_t)2 << 20)

struct rh_blockwrite {
	int fd;
	uint64_t base;    /* file offset of buf[0]: a multiple of the block */
	uint64_t end;     /* bytes of buf written (data or the zeros of gaps) */
	uint8_t *buf;     /* RH_BLOCKWRITE_BLOCK bytes */
};

/**
 * Start writing fd at off. The bytes of off's block before off are
 * written as zeros: what goes there is written after
 * rh_blockwrite_finish(). False when out of memory.
 */
bool rh_blockwrite_init(struct rh_blockwrite *w, int fd, uint64_t off);

/**
 * Write len bytes of p at off (at or past the end of the last write; an
 * earlier offset fails with EINVAL). False with errno on failure.
 */
bool rh_blockwrite_at(struct rh_blockwrite *w, const void *p, uint64_t len, uint64_t off);

/** Write what is gathered and free the buffer. False with errno on failure. */
bool rh_blockwrite_finish(struct rh_blockwrite *w);

/** Free the buffer without writing (after a failure). Idempotent. */
void rh_blockwrite_abort(struct rh_blockwrite *w);

/*
 * Read one byte of every 4 KiB page of fd's bytes [off, off + len) (the
 * pages that hold them), through a mapping of its own, once they are
 * written. On this project's VM (a PVM guest) the first access to a
 * page-cache page through any user mapping costs 0.5-1 µs a page, once,
 * whichever process makes it: the first command to read a freshly written
 * 10M-object snapshot and its analyses paid 65-87 ms per file that way, a
 * warm `leaks` took 186-193 ms instead of 88-95. Paid by the thread that
 * wrote the file, once it is complete, the next command does not pay it
 * (issue 12). Best effort: what cannot be mapped is left as it is.
 */
void rh_file_touch_pages(int fd, uint64_t off, uint64_t len);

#endif /* RH_UTIL_OUTFILE_H */
