/*
 * The GC state in the collector's own terms; see gcstate.h.
 *
 * Names follow Python/gc.c 3.14.4 for the incremental collector: `young`,
 * `old[0]`, `old[1]`, old[visited_space] being the space visited this
 * round (GEN_HEAD(gcstate, 1)) and the other one pending (GEN_HEAD 2).
 */
#include "config.h"

#include <inttypes.h>

#include "analysis/gcsim.h"
#include "report/gcstate.h"

static bool incremental(const struct rh_snap_gc *gc)
{
	return gc && gc->model == RH_SNAP_GC_INCREMENTAL;
}

const char *rh_gc_list_short(const struct rh_snap_gc *gc, int g)
{
	static const char *const gen[] = { "0", "1", "2", "permanent" };
	static const char *const inc[] = { "young", "old[0]", "old[1]", "permanent" };
	if (g < 0 || g > RH_SNAP_GEN_PERMANENT)
		return "untracked";
	return incremental(gc) ? inc[g] : gen[g];
}

const char *rh_gc_list_name(const struct rh_snap_gc *gc, int g)
{
	static const char *const gen[] = { "generation 0", "generation 1", "generation 2",
					   "permanent generation" };
	if (g < 0 || g > RH_SNAP_GEN_PERMANENT)
		return "untracked";
	if (!incremental(gc))
		return gen[g];
	if (g == 0)
		return "young generation";
	if (g == RH_SNAP_GEN_PERMANENT)
		return "permanent generation";
	bool visited = g - 1 == (gc->visited_space & 1);
	if (g == 1)
		return visited ? "old space 0 (visited this round)" : "old space 0 (pending this round)";
	return visited ? "old space 1 (visited this round)" : "old space 1 (pending this round)";
}

const char *rh_gc_model_name(const struct rh_snap_gc *gc)
{
	return incremental(gc) ? "incremental" : "generational";
}

void rh_gc_json_model(struct rh_json *j, const struct rh_snap_gc *gc)
{
	rh_json_key(j, "model");
	rh_json_string(j, rh_gc_model_name(gc));
	if (incremental(gc)) {
		rh_json_key(j, "visited_space");
		rh_json_int(j, gc->visited_space & 1);
		rh_json_key(j, "phase");
		rh_json_string(j, gc->phase == RH_SNAP_GC_PHASE_MARK ? "mark" : "collect");
		rh_json_key(j, "work_to_do");
		rh_json_int(j, gc->work_to_do);
	}
	if (gc->heap_size >= 0) {
		rh_json_key(j, "heap_size");
		rh_json_int(j, gc->heap_size);
	}
	if (incremental(gc)) {
		char next[384];
		rh_gc_next_increment(gc, next, sizeof(next));
		rh_json_key(j, "next_collection");
		rh_json_string(j, next);
	}
}

void rh_gc_json_list(struct rh_json *j, const struct rh_snap_gc *gc, int g)
{
	rh_json_key(j, "list");
	rh_json_string(j, rh_gc_list_short(gc, g));
	if (incremental(gc) && (g == 1 || g == 2)) {
		rh_json_key(j, "space");
		rh_json_string(j, g - 1 == (gc->visited_space & 1) ? "visited" : "pending");
	}
}

void rh_gc_print_model(FILE *f, const struct rh_snap_gc *gc, const char *indent)
{
	if (!incremental(gc))
		return;
	int v = gc->visited_space & 1;
	fprintf(f, "%sincremental collector: phase %s, visited space old[%d], pending old[%d], "
		"work_to_do %" PRId64,
		indent, gc->phase == RH_SNAP_GC_PHASE_MARK ? "mark" : "collect", v, v ^ 1,
		gc->work_to_do);
	if (gc->heap_size >= 0)
		fprintf(f, ", heap_size %" PRId64, gc->heap_size);
	fputc('\n', f);
	char next[384];
	rh_gc_next_increment(gc, next, sizeof(next));
	fprintf(f, "%snext automatic collection: %s\n", indent, next);
}

const char *rh_gc_run_name(const struct rh_snap_gc *gc, int run)
{
	static const char *const names[] = { "young", "increment", "full" };
	if (!incremental(gc) || run < 0 || run > 2)
		return NULL;
	return names[run];
}

void rh_gc_run_text(const struct rh_snap_gc *gc, int run, char *buf, size_t len)
{
	if (!incremental(gc)) {
		snprintf(buf, len, "a collection of generation %d (or older) frees it", run);
		return;
	}
	int v = gc->visited_space & 1;
	if (run == 0)
		snprintf(buf, len, "a young collection (gc.collect(0)) frees it, and so does the "
			 "next increment that collects (gc.collect(1), automatic)");
	else if (run == 1)
		snprintf(buf, len, "an increment of this round frees it (gc.collect(1), automatic: "
			 "the young generation and the pending old space old[%d] bit by bit); "
			 "a young collection does not", v ^ 1);
	else
		snprintf(buf, len, "only a full collection (gc.collect(2)) or an increment of the "
			 "next round frees it: part of it is in the visited old space old[%d]", v);
}
