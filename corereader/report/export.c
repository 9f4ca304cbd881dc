/*
 * JSON Lines export of a snapshot; see export.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/export.h"
#include "report/json.h"
#include "report/gcstate.h"
#include "report/listutil.h"

static void gc_record(struct rh_json *j, const struct rh_snapshot *s,
		      const struct rh_snap_interp *in, const struct rh_verdicts *v)
{
	const struct rh_snap_gc *gc = &in->gc;
	uint64_t per_gen[RH_SNAP_NGENS + 1] = { 0 };
	size_t owner = in->gc_owner;
	for (uint32_t i = 0; i < s->nobjects; i++) {
		int g = s->obj_gen[i];
		if (g >= 0 && g <= RH_SNAP_GEN_PERMANENT && s->obj_interp[i] == owner)
			per_gen[g]++;
	}
	rh_json_object_begin(j);
	rh_json_key(j, "enabled");
	rh_json_bool(j, gc->enabled);
	rh_json_key(j, "collecting");
	rh_json_bool(j, gc->collecting);
	rh_gc_json_model(j, gc);
	rh_json_key(j, "generations");
	rh_json_array_begin(j);
	for (int g = 0; g < RH_SNAP_NGENS; g++) {
		rh_json_object_begin(j);
		rh_json_key(j, "gen");
		rh_json_int(j, g);
		rh_gc_json_list(j, gc, g);
		rh_json_key(j, "count");
		rh_json_int(j, gc->gens[g].count);
		rh_json_key(j, "threshold");
		rh_json_int(j, gc->gens[g].threshold);
		rh_json_key(j, "objects");
		rh_json_uint(j, per_gen[g]);
		rh_json_object_end(j);
	}
	rh_json_array_end(j);
	rh_json_key(j, "permanent");
	rh_json_uint(j, per_gen[RH_SNAP_GEN_PERMANENT]);
	if (gc->have_long_lived) {
		rh_json_key(j, "long_lived_total");
		rh_json_int(j, gc->long_lived_total);
		rh_json_key(j, "long_lived_pending");
		rh_json_int(j, gc->long_lived_pending);
	}
	// gc.garbage's items are the traversed references of that list.
	rh_json_key(j, "garbage");
	rh_json_array_begin(j);
	uint32_t g;
	if (gc->garbage_addr && s->have_graph && rh_snapshot_find(s, gc->garbage_addr, &g)) {
		for (uint32_t e = s->edge_start[g]; e < s->edge_start[g + 1]; e++)
			if (!(s->edges[e] & RH_EDGE_OWNED))
				rh_json_addr(j, s->obj_addr[s->edges[e] & RH_EDGE_INDEX_MASK]);
	}
	rh_json_array_end(j);
	if (v) {
		// What gc.collect() frees: tracked objects found garbage, not
		// those that are freed only because garbage held them.
		rh_json_key(j, "cyclic_garbage");
		rh_json_array_begin(j);
		for (uint32_t i = 0; i < s->nobjects; i++)
			if (v->verdict[i] == RH_VERDICT_CYCLIC_GARBAGE &&
			    !(v->flags[i] & RH_VF_HELD_BY_GARBAGE) && s->obj_interp[i] == owner)
				rh_json_addr(j, s->obj_addr[i]);
		rh_json_array_end(j);
	}
	rh_json_object_end(j);
}

static const char *found_name(uint8_t found)
{
	if (found & RH_FOUND_GC)
		return "gc";
	if (found & RH_FOUND_REF)
		return "ref";
	if (found & RH_FOUND_ROOT)
		return "root";
	if (found & RH_FOUND_ALLOC)
		return "alloc";
	return "unknown";
}

struct labels_ctx {
	const struct rh_snapshot *s;
	uint32_t idx;
	/* label per edge of the object, NULL when none could be computed */
	char **labels;
	size_t n;
};

static int keep_label(void *arg, uint64_t edge, const char *label)
{
	struct labels_ctx *c = arg;
	size_t k = (size_t)(edge - c->s->edge_start[c->idx]);
	if (k < c->n && !c->labels[k])
		c->labels[k] = strdup(label);
	return 0;
}

static void write_labels(struct rh_json *j, const struct rh_snapshot *s, uint32_t i)
{
	size_t n = s->edge_start[i + 1] - s->edge_start[i];
	char **labels = calloc(n ? n : 1, sizeof(*labels));
	if (!labels)
		return;
	struct labels_ctx c = { .s = s, .idx = i, .labels = labels, .n = n };
	// An error leaves the remaining labels null: the refs stand anyway.
	rh_error_destroy(rh_snapshot_edge_labels(s, i, keep_label, &c));
	for (int pass = 0; pass < 2; pass++) {
		bool any = false;
		for (size_t k = 0; k < n; k++)
			any |= ((s->edges[s->edge_start[i] + k] & RH_EDGE_OWNED) != 0) == (pass == 1);
		if (pass == 1 && !any)
			break;
		rh_json_key(j, pass == 0 ? "labels" : "owned_labels");
		rh_json_array_begin(j);
		for (size_t k = 0; k < n; k++) {
			bool owned = (s->edges[s->edge_start[i] + k] & RH_EDGE_OWNED) != 0;
			if (owned != (pass == 1))
				continue;
			if (labels[k])
				rh_json_string(j, labels[k]);
			else
				rh_json_null(j);
		}
		rh_json_array_end(j);
	}
	for (size_t k = 0; k < n; k++)
		free(labels[k]);
	free(labels);
}

void rh_report_export_jsonl(FILE *f, const struct rh_snapshot *s,
			    const struct rh_export_options *opts)
{
	struct rh_json j;
	const struct rh_snap_interp *main_in = NULL;
	for (size_t i = 0; i < s->ninterps; i++)
		if (s->interps[i].main)
			main_in = &s->interps[i];
	if (!main_in && s->ninterps)
		main_in = &s->interps[0];

	rh_json_init(&j, f, false);
	rh_json_object_begin(&j);
	rh_json_key(&j, "record");
	rh_json_string(&j, "snapshot");
	rh_json_key(&j, "python");
	rh_json_string(&j, s->python_version);
	rh_json_key(&j, "pointer_size");
	rh_json_int(&j, 8);
	rh_json_key(&j, "target");
	rh_json_target(&j, s->live, s->target_name, s->pid);
	if (main_in) {
		rh_json_key(&j, "gc");
		gc_record(&j, s, main_in, opts ? opts->verdicts : NULL);
	}
	rh_json_key(&j, "interpreters");
	rh_json_array_begin(&j);
	for (size_t i = 0; i < s->ninterps; i++) {
		rh_json_object_begin(&j);
		rh_json_key(&j, "id");
		rh_json_int(&j, s->interps[i].id);
		rh_json_key(&j, "addr");
		rh_json_addr(&j, s->interps[i].addr);
		rh_json_key(&j, "main");
		rh_json_bool(&j, s->interps[i].main);
		rh_json_key(&j, "gc");
		gc_record(&j, s, &s->interps[i], opts ? opts->verdicts : NULL);
		rh_json_object_end(&j);
	}
	rh_json_array_end(&j);
	rh_json_key(&j, "objects");
	rh_json_uint(&j, s->nobjects);
	rh_json_key(&j, "edges");
	rh_json_uint(&j, s->nedges);
	rh_json_key(&j, "problems");
	rh_json_problems(&j, &s->problems);
	rh_json_key(&j, "seconds");
	rh_json_object_begin(&j);
	rh_json_key(&j, "runtime");
	rh_json_double(&j, s->seconds_runtime);
	rh_json_key(&j, "gc_lists");
	rh_json_double(&j, s->seconds_objects - s->seconds_graph);
	rh_json_key(&j, "graph");
	rh_json_double(&j, s->seconds_graph);
	rh_json_object_end(&j);
	rh_json_object_end(&j);
	rh_json_finish(&j);

	for (uint32_t i = 0; i < s->nobjects; i++) {
		const struct rh_snap_type *t = &s->types[s->obj_type[i]];
		rh_json_init(&j, f, false);
		rh_json_object_begin(&j);
		rh_json_key(&j, "record");
		rh_json_string(&j, "object");
		rh_json_key(&j, "addr");
		rh_json_addr(&j, s->obj_addr[i]);
		rh_json_key(&j, "type");
		rh_json_string(&j, t->name);
		rh_json_key(&j, "size");
		rh_json_uint(&j, rh_snapshot_size(s, i));
		rh_json_key(&j, "refcnt");
		rh_json_uint(&j, s->obj_refcnt[i]);
		rh_json_key(&j, "gen");
		int g = s->obj_gen[i];
		if (g == RH_SNAP_GEN_PERMANENT)
			rh_json_string(&j, "permanent");
		else if (g >= 0)
			rh_json_int(&j, g);
		else
			rh_json_null(&j);
		// the incremental collector's list (young, old[0], old[1]) and
		// whether that old space is visited or pending this round
		const struct rh_snap_gc *ogc = rh_gc_state_of_interp(s, s->obj_interp[i]);
		if (ogc && ogc->model == RH_SNAP_GC_INCREMENTAL && g >= 0 && g < RH_SNAP_NGENS)
			rh_gc_json_list(&j, ogc, g);
		rh_json_key(&j, "found");
		rh_json_string(&j, found_name(s->obj_found[i]));
		if (opts && opts->verdicts) {
			rh_json_key(&j, "verdict");
			rh_json_string(&j, rh_verdict_name(opts->verdicts->verdict[i]));
			int fb = opts->gcsim && opts->gcsim->n == s->nobjects &&
					 opts->verdicts->verdict[i] == RH_VERDICT_CYCLIC_GARBAGE
				 ? rh_gcsim_youngest(opts->gcsim, i) : -1;
			if (fb >= 0) {
				rh_json_key(&j, "freed_by");
				rh_json_int(&j, fb);
				const char *run = ogc ? rh_gc_run_name(ogc, fb) : NULL;
				if (run) {
					rh_json_key(&j, "freed_by_collection");
					rh_json_string(&j, run);
				}
			}
		}
		if (opts && opts->repr) {
			char repr[256];
			rh_snapshot_repr(s, i, repr, sizeof(repr));
			rh_json_key(&j, "repr");
			rh_json_string(&j, repr);
		}
		if (s->have_graph) {
			bool owned = false, conservative = false;
			rh_json_key(&j, "refs");
			rh_json_array_begin(&j);
			for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++) {
				uint32_t w = s->edges[e];
				owned |= (w & RH_EDGE_OWNED) != 0;
				conservative |= (w & RH_EDGE_CONSERVATIVE) != 0;
				if (!(w & RH_EDGE_OWNED))
					rh_json_addr(&j, s->obj_addr[w & RH_EDGE_INDEX_MASK]);
			}
			rh_json_array_end(&j);
			if (owned) {
				rh_json_key(&j, "owned");
				rh_json_array_begin(&j);
				for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++)
					if (s->edges[e] & RH_EDGE_OWNED)
						rh_json_addr(&j, s->obj_addr[s->edges[e] & RH_EDGE_INDEX_MASK]);
				rh_json_array_end(&j);
			}
			if (opts && opts->labels)
				write_labels(&j, s, i);
			if (conservative) {
				// The type's tp_traverse is unknown: these refs come
				// from a scan of its memory for pointers to objects.
				rh_json_key(&j, "conservative");
				rh_json_array_begin(&j);
				for (uint32_t e = s->edge_start[i]; e < s->edge_start[i + 1]; e++)
					if (s->edges[e] & RH_EDGE_CONSERVATIVE)
						rh_json_addr(&j, s->obj_addr[s->edges[e] & RH_EDGE_INDEX_MASK]);
				rh_json_array_end(&j);
			}
		}
		rh_json_object_end(&j);
		rh_json_finish(&j);
	}

	static const char *const kinds[] = {
		[RH_SNAP_ROOT_INTERPRETER] = "interpreter",
		[RH_SNAP_ROOT_MODULE] = "module",
		[RH_SNAP_ROOT_THREAD] = "thread",
		[RH_SNAP_ROOT_INTERNED] = "interned",
		[RH_SNAP_ROOT_STATIC] = "static",
		[RH_SNAP_ROOT_STACK] = "stack",
		[RH_SNAP_ROOT_NATIVE] = "native",
		[RH_SNAP_ROOT_MEMORY] = "memory",
	};
	for (size_t r = 0; r < s->nroots; r++) {
		const struct rh_snap_root *root = &s->roots[r];
		rh_json_init(&j, f, false);
		rh_json_object_begin(&j);
		rh_json_key(&j, "record");
		rh_json_string(&j, "root");
		rh_json_key(&j, "kind");
		rh_json_string(&j, root->kind < sizeof(kinds) / sizeof(kinds[0]) &&
				   kinds[root->kind] ? kinds[root->kind] : "unknown");
		rh_json_key(&j, "name");
		rh_json_string(&j, root->name);
		rh_json_key(&j, "addr");
		rh_json_addr(&j, s->obj_addr[root->obj]);
		if (root->where) {
			rh_json_key(&j, "where");
			rh_json_addr(&j, root->where);
		}
		if (root->thread) {
			rh_json_key(&j, "thread");
			rh_json_int(&j, root->thread);
		}
		if (root->conservative) {
			rh_json_key(&j, "conservative");
			rh_json_bool(&j, true);
		}
		if (root->secondary) {
			// a weaker root (snapshot.h): paths prefer others, and
			// the refcount audit takes no holder evidence from it
			rh_json_key(&j, "secondary");
			rh_json_bool(&j, true);
		}
		rh_json_object_end(&j);
		rh_json_finish(&j);
	}
}
