/*
 * What the refheap command's subcommands share: options, loading the
 * target into a snapshot, printing errors and warnings.
 */
#ifndef RH_CLI_CLI_H
#define RH_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "heap/snapshot.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

#define MAX_DEBUG_DIRS 16

struct common_opts {
	const char *core;
	long pid;
	bool have_pid;
	const char *sysroot;
	const char *exe;
	const char *debug_dirs[MAX_DEBUG_DIRS];
	size_t ndebug_dirs;
	const char *cache_dir;
	bool no_cache;
	bool no_debuginfod;       /* --no-debuginfod */
	bool no_copy;             /* --no-copy: a live target stays stopped while read */
	bool have_cache_max;      /* --cache-max MB */
	uint32_t jobs;            /* --jobs N; 0: $REFHEAP_JOBS or the CPUs */
	uint64_t cache_max_mb;
	bool json;
	bool verbose;
	unsigned top;
	/* export */
	const char *output;
	const char *format;       /* export: "jsonl" (default) or "heapsnapshot" */
	bool no_alloc_scan;
	bool repr;
	bool labels;
	bool stats;
	/* analyses */
	unsigned long paths;      /* why --paths */
	unsigned long depth;      /* refs/referrers --depth */
	unsigned long width;      /* refs/referrers --width */
	const char *type_filter;  /* --type */
	const char *module_filter;/* --module */
	bool dot;                 /* --dot */
	const char *sort;         /* histogram --sort */
	/* options this command takes beyond the common ones */
	unsigned allowed;
	/* positional arguments before the target (ADDR, OLD), and how many */
	unsigned npos;
	const char *pos[2];
	const char *pos_names;    /* "ADDR", "OLD": for messages */
};

#define ALLOW_JSON 1u
#define ALLOW_TOP 2u
#define ALLOW_EXPORT 4u
#define ALLOW_STATS 8u
#define ALLOW_PATHS 16u
#define ALLOW_TREE 32u        /* --depth --width --type */
#define ALLOW_FILTER 64u      /* --type --module */
#define ALLOW_DOT 128u        /* --dot -o FILE */
#define ALLOW_SORT 256u
#define ALLOW_OUTPUT 512u     /* -o FILE (report) */

void print_error(const struct rh_error *err);
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);
bool parse_uint(const char *s, long max, long *ret);
/** Parse the options shared by every command. Returns -1 to go on, else an exit status. */
int parse_common(int argc, char **argv, const char *usage, struct common_opts *o);
void print_stats(const struct rh_snapshot *s, const struct rh_target *t);
struct rh_analysis;
/** Take the analyses' results in `need` saved with the snapshot cache (before rh_analysis_need). */
void analyses_from_cache(struct rh_analysis *a, struct rh_snapshot *s,
			 const struct common_opts *o, unsigned need);
/** Save the analyses' results beside the snapshot's cache file: start on a thread... */
void analyses_to_cache_start(struct rh_analysis *a, struct rh_snapshot *s,
			     const struct common_opts *o);
/** ...and wait for it (and the snapshot's own file). */
void analyses_to_cache_finish(struct rh_analysis *a, struct rh_snapshot *s,
			      const struct common_opts *o);
unsigned analysis_jobs(const struct rh_snapshot *s, const struct common_opts *o);
void print_problems(const struct rh_problems *p, const char *what);
/**
 * On stderr, when a result is partial: how many problems there were and
 * the first few, one line each (nothing when there were none).
 */
void print_partial(const struct rh_problems *p);
struct rh_outfile;
/**
 * -o FILE: open it through util/outfile.h (a temporary beside it, renamed
 * on success; a device or FIFO written in place; never removed), or
 * stdout when path is NULL. Returns -1 to go on, else an exit status.
 */
int open_output(const char *path, struct rh_outfile *of, FILE **out);
/** Open the target, its image and read the snapshot. */
struct rh_error *load(const struct common_opts *o, bool graph, bool resume,
		      struct rh_target **t_ret, struct rh_image **img_ret,
		      struct rh_snapshot **snap_ret);

/* cli/commands.c: the analysis commands */
int cmd_why(int argc, char **argv);
int cmd_refs(int argc, char **argv);
int cmd_referrers(int argc, char **argv);
int cmd_histogram(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_dominators(int argc, char **argv);
int cmd_cycles(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif /* RH_CLI_CLI_H */
