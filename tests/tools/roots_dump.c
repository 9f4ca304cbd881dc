/*
 * roots_dump: print the roots (cpython/roots.h) of a core or a live
 * process, for tests/integration/roots.sh and for looking at a target by
 * hand.
 *
 *   roots_dump [options] CORE
 *   roots_dump [options] --pid PID
 *     --skip-static     no scan of the modules' static data
 *     --skip-stacks     no scan of native stacks and registers
 *     --debug-dir DIR   extra debug directory (repeatable, up to 8)
 *     --cache-dir DIR   layout cache (default: none)
 *
 * Output: one JSON object a line per root,
 *   {"kind": "thread", "name": "...", "addr": "0x...", "where": "0x...",
 *    "thread": 4242, "conservative": false}
 * then "#"-prefixed lines: problems ("# problem: ..."), and the figures
 * ("# version 3.11.7", "# frames N", "# static_seconds 0.012" ...).
 * Exit status: 0 no problem, 1 problems were recorded (the walk went on),
 * 2 the target could not be read, 64 usage.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpython/roots.h"
#include "cpython/runtime.h"
#include "image/image.h"
#include "report/escape.h"
#include "target/target.h"
#include "util/error.h"

#define MAX_DEBUG_DIRS 8

static const char *const kind_names[] = {
	[RH_ROOT_INTERPRETER] = "interpreter",
	[RH_ROOT_MODULE] = "module",
	[RH_ROOT_THREAD] = "thread",
	[RH_ROOT_INTERNED] = "interned",
	[RH_ROOT_STATIC] = "static",
	[RH_ROOT_STACK] = "stack",
};

static int on_root(void *arg, const struct rh_py_root *r)
{
	(void)arg;
	printf("{\"kind\": \"%s\", \"name\": ", kind_names[r->kind]);
	rh_escape_json(stdout, r->name, strlen(r->name));
	printf(", \"addr\": \"0x%" PRIx64 "\", \"where\": \"0x%" PRIx64
	       "\", \"thread\": %" PRId64 ", \"conservative\": %s}\n",
	       r->addr, r->where, r->thread, r->conservative ? "true" : "false");
	return 0;
}

static int usage(const char *msg)
{
	fprintf(stderr, "roots_dump: %s\n"
		"usage: roots_dump [--skip-static] [--skip-stacks] [--debug-dir DIR]... [--cache-dir DIR] CORE\n"
		"       roots_dump [options] --pid PID\n", msg);
	return 64;
}

static void print_problems(const struct rh_problems *p)
{
	for (size_t i = 0; i < p->count; i++) {
		printf("# problem: ");
		rh_escape_text(stdout, p->messages[i], strlen(p->messages[i]));
		printf("\n");
	}
	if (p->dropped)
		printf("# problem: ... and %zu more\n", p->dropped);
}

int main(int argc, char **argv)
{
	struct rh_py_roots_options ropts = { 0 };
	const char *debug_dirs[MAX_DEBUG_DIRS];
	size_t ndebug = 0;
	const char *core = NULL, *cache_dir = NULL, *sysroot = NULL;
	long pid = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--skip-static") == 0) {
			ropts.skip_static = true;
		} else if (strcmp(a, "--skip-stacks") == 0) {
			ropts.skip_stacks = true;
		} else if (strcmp(a, "--pid") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			pid = strtol(argv[++i], &end, 10);
			if (errno || *end || pid <= 0)
				return usage("--pid needs a process id");
		} else if (strcmp(a, "--debug-dir") == 0 && i + 1 < argc) {
			if (ndebug == MAX_DEBUG_DIRS)
				return usage("too many --debug-dir");
			debug_dirs[ndebug++] = argv[++i];
		} else if (strcmp(a, "--cache-dir") == 0 && i + 1 < argc) {
			cache_dir = argv[++i];
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
		return usage("give a core or --pid PID");

	int status = 2;
	struct rh_problems problems;
	rh_problems_init(&problems);
	struct rh_target *t = NULL;
	struct rh_image *img = NULL;
	struct rh_py_runtime *rt = NULL;
	struct rh_target_options topts = { .sysroot = sysroot };
	struct rh_error *err = core ? rh_target_open_core(core, &topts, &t)
				    : rh_target_open_pid((pid_t)pid, &topts, &t);
	if (err)
		goto out;
	struct rh_image_options iopts = { .debug_dirs = debug_dirs, .ndebug_dirs = ndebug,
					  .sysroot = sysroot };
	if ((err = rh_image_create(t, &iopts, &img)))
		goto out;
	struct rh_py_options popts = { .cache_dir = cache_dir };
	if ((err = rh_py_runtime_open(t, img, &popts, &problems, &rt)))
		goto out;
	size_t open_problems = rh_problems_total(&problems);
	print_problems(&problems);
	rh_problems_deinit(&problems);
	rh_problems_init(&problems);

	struct rh_py_roots_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = rh_py_roots_walk(rt, &ropts, &problems, on_root, NULL, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	// The snapshot is complete: let a live target run again.
	struct rh_error *rerr = rh_target_resume(t);
	if (rerr) {
		printf("# problem: resuming the target: %s\n", rerr->message);
		rh_error_destroy(rerr);
	}
	if (err)
		goto out;
	printf("# version %s\n", rh_py_runtime_info(rt)->version);
	for (int k = 0; k <= RH_ROOT_STACK; k++)
		printf("# count_%s %" PRIu64 "\n", kind_names[k], st.count[k]);
	printf("# frames %" PRIu64 "\n", st.frames);
	printf("# frame_slots %" PRIu64 "\n", st.frame_slots);
	printf("# frames_bytecode_depth %" PRIu64 "\n", st.frames_bytecode_depth);
	printf("# stack_slots_stale %" PRIu64 "\n", st.stack_slots_stale);
	printf("# frames_bytecode_floor %" PRIu64 "\n", st.frames_bytecode_floor);
	printf("# static_modules %" PRIu64 "\n", st.static_modules);
	printf("# static_bytes %" PRIu64 "\n", st.static_bytes);
	printf("# static_seconds %.6f\n", st.static_seconds);
	printf("# stacks %" PRIu64 "\n", st.stacks);
	printf("# stack_bytes %" PRIu64 "\n", st.stack_bytes);
	printf("# stack_seconds %.6f\n", st.stack_seconds);
	printf("# open_problems %zu\n", open_problems);
	printf("# problems %zu\n", rh_problems_total(&problems));
	print_problems(&problems);
	printf("# seconds %.6f\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = rh_problems_total(&problems) ? 1 : 0;
out:
	if (err) {
		fprintf(stderr, "roots_dump: %s: %s\n", core ? core : "live process",
			err->message);
		rh_error_destroy(err);
	}
	rh_py_runtime_destroy(rt);
	rh_image_destroy(img);
	rh_target_destroy(t);
	rh_problems_deinit(&problems);
	return status;
}
