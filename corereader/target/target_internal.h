/*
 * Inside the target: the segment table every read goes through, and the
 * hooks target.c (common part), core.c (ELF cores) and live.c (/proc/PID)
 * share. Nothing outside corereader/target/ includes this file.
 *
 * A target is a sorted array of non-overlapping segments. Each segment says
 * where its bytes come from (its kind). Most kinds are "direct": the bytes of
 * [start, start + avail) sit in host memory (the mmapped core, an mmapped
 * file, a caller's buffer) and a read is one memcpy. What a read past avail
 * means depends on the kind: a truncated core, the end of a backing file, a
 * page that was never dumped. Live segments have no direct bytes: they are
 * read through live.c's block cache.
 *
 * A target is not thread-safe: reads of a live process update its block
 * cache. The last-hit segment is per thread (target.c).
 */
#ifndef RH_TARGET_TARGET_INTERNAL_H
#define RH_TARGET_TARGET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target/target.h"
#include "util/error.h"

enum rh_seg_kind {
	/** Dumped bytes in the core; bytes past avail were cut off (truncated). */
	RH_SEG_CORE,
	/**
	 * Not dumped, served from the mapped file after its build-id matched;
	 * past avail is past the end of that file. aux = mapping index.
	 */
	RH_SEG_FILE,
	/** Not dumped, file-backed, but the file is missing or mismatched. aux = mapping index. */
	RH_SEG_NOFILE,
	/** Not dumped and not file-backed (coredump_filter or gcore skipped it). */
	RH_SEG_ANON,
	/** A caller's buffer (rh_target_open_memory). */
	RH_SEG_MEMORY,
	/** A live process's mapping, read through /proc/PID/mem. */
	RH_SEG_LIVE,
};

struct rh_seg {
	uint64_t start;
	uint64_t end;          /* exclusive, > start */
	/** Host bytes of [start, start + avail), or NULL when avail is 0. */
	const uint8_t *data;
	uint64_t avail;        /* <= end - start */
	/**
	 * Bytes after avail that read as zeros: RH_SEG_FILE only, the rest
	 * of the page holding the end of the file, which mmap zero-fills
	 * (mmap(2)). Known zeros, not a guess. avail + zero_tail <= end - start.
	 */
	uint32_t zero_tail;
	uint32_t aux;          /* kind-specific, see enum rh_seg_kind */
	uint8_t kind;          /* enum rh_seg_kind */
	uint8_t prot;          /* RH_PROT_* */
};

struct rh_core_state;
struct rh_live_state;

struct rh_target {
	enum rh_target_kind kind;
	char *name;            /* core path or "pid N" */
	pid_t pid;

	/** Sorted by start, non-overlapping. */
	struct rh_seg *segs;
	size_t nsegs;
	/**
	 * Unique among the targets of the process (never reused): names this
	 * target in each thread's last-hit segment (target.c).
	 */
	uint64_t id;

	struct rh_mapping *mappings;   /* sorted by start */
	size_t nmappings;
	struct rh_thread *threads;
	size_t nthreads;
	uint64_t *auxv;                /* type, value pairs */
	size_t nauxv;                  /* number of pairs */

	struct rh_problems problems;

	struct rh_core_state *core;    /* core.c, RH_TARGET_CORE only */
	struct rh_live_state *live;    /* live.c, RH_TARGET_LIVE only */
};

/*
 * Hooks between the files of this module. They are not part of the API;
 * they carry the rh_target_ prefix only because they are not static.
 */

/** calloc a target of the given kind, with a copy of name. */
struct rh_error *rh_target_alloc(enum rh_target_kind kind, const char *name,
				 struct rh_target **ret);

/**
 * Sort segs by start and check that they do not overlap. what names the
 * source for the message ("core file /x/core"). Errors: RH_ERR_BAD_DATA.
 */
struct rh_error *rh_target_sort_segments(struct rh_seg *segs, size_t nsegs,
					 const char *what);

/** Index of the segment containing addr in a sorted array, or nsegs. */
size_t rh_target_find_segment(const struct rh_seg *segs, size_t nsegs,
			      uint64_t addr);

/** The error for a read of seg at addr, past seg->avail (core.c). */
struct rh_error *rh_target_core_fault(struct rh_target *t,
				      const struct rh_seg *seg, uint64_t addr);
void rh_target_core_destroy(struct rh_target *t);

/**
 * Read [addr, addr + len) of live segment seg (the range lies inside it)
 * through the block cache (live.c). buf may be NULL to only check. On
 * failure returns false and sets *fail_addr to the first unreadable address.
 */
bool rh_target_live_read(struct rh_target *t, const struct rh_seg *seg,
			 uint64_t addr, void *buf, size_t len,
			 uint64_t *fail_addr);
/** The error for an unreadable live address (live.c). */
struct rh_error *rh_target_live_fault(struct rh_target *t, uint64_t addr);
struct rh_error *rh_target_live_resume(struct rh_target *t);
void rh_target_live_destroy(struct rh_target *t);

#endif /* RH_TARGET_TARGET_INTERNAL_H */
