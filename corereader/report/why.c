/*
 * `refheap why`: see why.h for the JSON shape. The evidence is gathered
 * first (paths, the cycle, candidate holders, the retained set), then
 * written as text or JSON from the same facts.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"
#include "report/labels.h"
#include "report/listutil.h"
#include "report/why.h"
#include "report/gcstate.h"

#define LABEL_MAX 256

struct evidence {
	enum rh_verdict verdict;
	int64_t excess, deficit;
	struct rh_paths paths;
	/* labels[p][k]: the label of step k of path p (k = 0: the root) */
	char ***labels;
	struct rh_native_holders holders;
	uint64_t retained_objects, retained_bytes;
	const struct rh_garbage_comp *comp;
	uint32_t comp_id;
	struct rh_gc_why why;
	int freed_by;
	bool have_why;
};

/* The text a path's first step shows. */
static void source_label(const struct rh_snapshot *s, const struct rh_reach *r,
			 const struct rh_path *p, char *buf, size_t len)
{
	if (p->root != UINT32_MAX) {
		snprintf(buf, len, "%s", s->roots[p->root].name);
		return;
	}
	uint32_t o = p->objs[0];
	snprintf(buf, len,
		 "held from outside the heap (refcount %" PRIu32 ", %" PRIu32
		 " references found: C code or a leak)",
		 s->obj_refcnt[o], rh_reach_found(r, o));
}

static struct rh_error *gather(struct rh_analysis *a, uint32_t idx,
			       const struct rh_why_options *o, struct evidence *ev)
{
	const struct rh_snapshot *s = a->s;
	const struct rh_reach *r = &a->reach;
	struct rh_error *err;
	ev->verdict = a->v.verdict[idx];
	ev->excess = rh_reach_excess(s, r, idx);
	ev->deficit = rh_reach_deficit(s, r, idx);
	ev->freed_by = rh_gcsim_youngest(&a->gc, idx);

	if (ev->verdict == RH_VERDICT_REACHABLE || ev->verdict == RH_VERDICT_UNACCOUNTED ||
	    ev->verdict == RH_VERDICT_HELD_BY_NATIVE) {
		err = rh_paths_find(s, &a->rg, r, idx, o->paths ? o->paths : 1, &ev->paths);
		if (err)
			return err;
		ev->labels = calloc(ev->paths.npaths ? ev->paths.npaths : 1, sizeof(*ev->labels));
		if (!ev->labels)
			return rh_enomem;
		for (size_t p = 0; p < ev->paths.npaths; p++) {
			const struct rh_path *path = &ev->paths.paths[p];
			ev->labels[p] = calloc(path->len, sizeof(char *));
			if (!ev->labels[p])
				return rh_enomem;
			for (uint32_t k = 0; k < path->len; k++) {
				ev->labels[p][k] = malloc(LABEL_MAX);
				if (!ev->labels[p][k])
					return rh_enomem;
				if (k == 0)
					source_label(s, r, path, ev->labels[p][k], LABEL_MAX);
				else
					rh_edge_label(s, path->objs[k - 1], path->objs[k],
						      ev->labels[p][k], LABEL_MAX);
			}
		}
	}
	// Candidate native holders: worth listing whenever the count is not
	// explained, and for what only a conservative root keeps alive.
	ev->holders.obj = idx;
	if (ev->excess > 0 || (ev->verdict == RH_VERDICT_REACHABLE &&
			       r->tier[idx] == RH_TIER_CONSERVATIVE)) {
		err = rh_native_holders_find(a, &ev->holders, 1);
		if (err)
			return err;
	}
	uint32_t comp = rh_verdicts_comp(&a->v, idx);
	if (comp != UINT32_MAX) {
		ev->comp_id = comp;
		ev->comp = &a->v.comps[ev->comp_id];
		const struct rh_snap_gc *gc = rh_gc_state_of_interp(s, s->obj_interp[idx]);
		if (gc) {
			int gen = ev->comp->frozen ? RH_SNAP_GEN_PERMANENT : ev->comp->youngest;
			if (gen >= 0) {
				rh_gc_why_not(gc, gen, &ev->why);
				ev->have_why = true;
			}
		}
	}
	if (ev->verdict != RH_VERDICT_DEAD) {
		err = rh_retained_one(s, &a->rg, r, idx, &ev->retained_objects,
				      &ev->retained_bytes);
		if (err)
			return err;
	}
	return NULL;
}

static void evidence_free(struct evidence *ev)
{
	if (ev->labels) {
		for (size_t p = 0; p < ev->paths.npaths; p++) {
			if (!ev->labels[p])
				continue;
			for (uint32_t k = 0; k < ev->paths.paths[p].len; k++)
				free(ev->labels[p][k]);
			free(ev->labels[p]);
		}
		free(ev->labels);
	}
	rh_paths_free(&ev->paths);
}

/* Members of the object's garbage component, in index order, at most max. */
static void comp_members(const struct rh_analysis *a, uint32_t comp, unsigned max,
			 void (*fn)(void *, uint32_t), void *arg)
{
	const struct rh_verdicts *v = &a->v;
	unsigned k = 0;
	for (uint32_t j = rh_verdicts_member_from(v, v->comps[comp].first);
	     j < v->nmembers && k < max; j++) {
		uint32_t i = v->members[j].obj;
		if (v->members[j].comp == comp && !(v->flags[i] & RH_VF_HELD_BY_GARBAGE)) {
			fn(arg, i);
			k++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* text                                                                */

struct text_ctx {
	FILE *f;
	const struct rh_snapshot *s;
};

static void text_member(void *arg, uint32_t i)
{
	struct text_ctx *c = arg;
	fputs("    ", c->f);
	rh_print_obj(c->f, c->s, i);
	fprintf(c->f, "  gen %s, refcount %" PRIu32 "\n",
		rh_gc_list_short(rh_gc_state_of_interp(c->s, c->s->obj_interp[i]), c->s->obj_gen[i]),
		c->s->obj_refcnt[i]);
}

static void write_text(FILE *f, struct rh_analysis *a, uint32_t idx,
		       const struct rh_why_options *o, const struct evidence *ev)
{
	const struct rh_snapshot *s = a->s;
	char repr[200], b1[32], b2[32];
	rh_print_obj(f, s, idx);
	rh_snapshot_repr(s, idx, repr, sizeof(repr));
	fputs("  ", f);
	rh_print_str(f, repr);
	rh_format_bytes(rh_snapshot_size(s, idx), b1, sizeof(b1));
	const struct rh_snap_gc *ogc = rh_gc_state_of_interp(s, s->obj_interp[idx]);
	if (ogc && ogc->model == RH_SNAP_GC_INCREMENTAL)
		fprintf(f, "\n  size %s, refcount %" PRIu32 ", %" PRIu32 " references found, GC list %s\n",
			b1, s->obj_refcnt[idx], rh_reach_found(&a->reach, idx),
			rh_gc_list_name(ogc, s->obj_gen[idx]));
	else
		fprintf(f, "\n  size %s, refcount %" PRIu32 ", %" PRIu32 " references found, GC generation %s\n",
			b1, s->obj_refcnt[idx], rh_reach_found(&a->reach, idx), rh_gen_name(s->obj_gen[idx]));
	fprintf(f, "verdict: %s", rh_verdict_name(ev->verdict));
	if (a->v.flags[idx] & RH_VF_HELD_BY_GARBAGE)
		fputs(" (held only by garbage: freed with it)", f);
	fputc('\n', f);

	switch (ev->verdict) {
	case RH_VERDICT_DEAD:
		fputs("  its refcount is 0: freed memory that still holds an object header\n"
		      "  (a free list or a 3.8-3.10 zombie frame), not a live object\n", f);
		break;
	case RH_VERDICT_UNACCOUNTED:
		fprintf(f, "  its refcount exceeds the references found by %" PRId64
			", and no live object holds it:\n  leaked, or held from memory refheap"
			" cannot type\n", ev->excess);
		break;
	case RH_VERDICT_HELD_BY_NATIVE:
		fprintf(f, "  its refcount exceeds the references found by %" PRId64
			"; a live object's memory points at it\n  where refheap reads no"
			" reference (a C extension, mypyc or Cython object; a field\n  its"
			" type's traverse does not visit): held by native code\n", ev->excess);
		break;
	case RH_VERDICT_CYCLIC_GARBAGE:
	case RH_VERDICT_FROZEN:
		if (ev->comp) {
			rh_format_bytes(ev->comp->bytes, b1, sizeof(b1));
			rh_format_bytes(ev->comp->held_bytes, b2, sizeof(b2));
			fprintf(f, "  %s: %" PRIu64 " object%s (%s)",
				ev->verdict == RH_VERDICT_FROZEN ? "frozen garbage" : "a garbage cycle",
				ev->comp->members, ev->comp->members == 1 ? "" : "s", b1);
			if (ev->comp->held)
				fprintf(f, ", holding %" PRIu64 " more (%s) that only it reaches",
					ev->comp->held, b2);
			fputs(":\n", f);
			struct text_ctx c = { f, s };
			comp_members(a, ev->comp_id, o->members ? o->members : 20, text_member, &c);
			if (ev->comp->members > (o->members ? o->members : 20))
				fprintf(f, "    ... %" PRIu64 " more\n",
					ev->comp->members - (o->members ? o->members : 20));
			if (ev->verdict == RH_VERDICT_CYCLIC_GARBAGE && ev->comp->youngest >= 0) {
				char t[256];
				rh_gc_run_text(rh_gc_state_of_interp(s, s->obj_interp[idx]),
					       ev->comp->youngest, t, sizeof(t));
				fprintf(f, "  %s\n", t);
			}
		}
		if (ev->have_why) {
			fputs("  not collected yet: ", f);
			rh_print_str(f, ev->why.text);
			fputc('\n', f);
		}
		break;
	case RH_VERDICT_IMMORTAL:
		fputs("  no root reaches it, but its refcount is immortal (3.12+) or static\n"
		      "  (3.11): the interpreter never frees it\n", f);
		break;
	case RH_VERDICT_REACHABLE:
		break;
	}
	for (size_t p = 0; p < ev->paths.npaths; p++) {
		const struct rh_path *path = &ev->paths.paths[p];
		static const char *const tiers[] = { "", " (conservative root)", " (external holder)", "" };
		fprintf(f, "path %zu%s, %u steps:\n  ", p + 1, tiers[path->tier & 3], path->len - 1);
		for (uint32_t k = 0; k < path->len; k++) {
			if (k)
				fputs(" › ", f);
			rh_print_str(f, ev->labels[p][k]);
		}
		fputc('\n', f);
		for (uint32_t k = 0; k < path->len; k++) {
			fputs(k ? "    › " : "    ", f);
			rh_print_obj(f, s, path->objs[k]);
			if (k == 0 && path->root != UINT32_MAX)
				fprintf(f, "  [%s root]", rh_root_kind_name(s->roots[path->root].kind));
			fputc('\n', f);
		}
	}
	if (ev->holders.n) {
		fputs("candidate native holders:\n", f);
		for (size_t k = 0; k < ev->holders.n; k++) {
			const struct rh_native_holder *h = &ev->holders.h[k];
			if (h->name) {
				fputs("  ", f);
				rh_print_str(f, h->name);
				if (h->where)
					fprintf(f, " (slot 0x%" PRIx64 ")", h->where);
			} else {
				fputs("  a pointer inside ", f);
				rh_print_obj(f, s, h->obj);
				fputs(" (a type whose references refheap does not know)", f);
			}
			fputc('\n', f);
		}
	} else if (ev->verdict == RH_VERDICT_UNACCOUNTED) {
		// "Anywhere" only when nothing at all points at it: a mypy
		// list held by one counted attribute read "no word anywhere"
		// beside the path through that attribute.
		if (rh_reach_found(&a->reach, idx))
			fputs("  no word in the core beyond the references found (objects,\n"
			      "  malloc'd memory, native stacks, C statics) points at it: a\n"
			      "  reference was taken and never released (a missing Py_DECREF)\n", f);
		else
			fputs("  no word anywhere in the core (objects, malloc'd memory, native\n"
			      "  stacks, C statics) points at it: a reference was taken and never\n"
			      "  released (a missing Py_DECREF)\n", f);
	}
	if (ev->deficit < 0)
		fprintf(f, "warning: refcount %" PRIu32 " is lower than the %" PRIu32
			" references objects hold: one will dangle when the count reaches 0 "
			"(a missing Py_INCREF, a use-after-free to come)\n",
			s->obj_refcnt[idx], rh_reach_found_edges(&a->reach, idx));
	if (ev->verdict != RH_VERDICT_DEAD) {
		rh_format_bytes(ev->retained_bytes, b1, sizeof(b1));
		fprintf(f, "retains %" PRIu64 " objects, %s (what freeing it would free)\n",
			ev->retained_objects, b1);
	}
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static void json_step(struct rh_json *j, const struct rh_snapshot *s, uint32_t obj,
		      const char *edge, const char *root)
{
	rh_json_object_begin(j);
	rh_json_key(j, "addr");
	rh_json_addr(j, s->obj_addr[obj]);
	rh_json_key(j, "type");
	rh_json_string(j, s->types[s->obj_type[obj]].name);
	rh_json_key(j, "edge");
	rh_json_string(j, edge);
	if (root) {
		rh_json_key(j, "root");
		rh_json_string(j, root);
	}
	rh_json_object_end(j);
}

static void json_path(struct rh_json *j, const struct rh_snapshot *s,
		      const struct evidence *ev, size_t p)
{
	const struct rh_path *path = &ev->paths.paths[p];
	rh_json_array_begin(j);
	for (uint32_t k = 0; k < path->len; k++) {
		const char *root = NULL;
		if (k == 0)
			root = path->root != UINT32_MAX ? rh_root_kind_name(s->roots[path->root].kind)
							 : "external";
		json_step(j, s, path->objs[k], ev->labels[p][k], root);
	}
	rh_json_array_end(j);
}

struct json_member_ctx {
	struct rh_json *j;
	const struct rh_snapshot *s;
};

static void json_member_obj(void *arg, uint32_t i)
{
	struct json_member_ctx *c = arg;
	rh_json_object_begin(c->j);
	rh_json_key(c->j, "addr");
	rh_json_addr(c->j, c->s->obj_addr[i]);
	rh_json_key(c->j, "type");
	rh_json_string(c->j, c->s->types[c->s->obj_type[i]].name);
	rh_json_object_end(c->j);
}

static void write_json(FILE *f, struct rh_analysis *a, uint32_t idx,
		       const struct rh_why_options *o, const struct evidence *ev)
{
	const struct rh_snapshot *s = a->s;
	struct rh_json j;
	char repr[256];
	rh_json_init(&j, f, false);
	rh_json_object_begin(&j);
	rh_json_key(&j, "addr");
	rh_json_addr(&j, s->obj_addr[idx]);
	rh_json_key(&j, "type");
	rh_json_string(&j, s->types[s->obj_type[idx]].name);
	rh_json_key(&j, "size");
	rh_json_uint(&j, rh_snapshot_size(s, idx));
	rh_json_key(&j, "refcnt");
	rh_json_uint(&j, s->obj_refcnt[idx]);
	rh_snapshot_repr(s, idx, repr, sizeof(repr));
	rh_json_key(&j, "repr");
	rh_json_string(&j, repr);
	rh_json_key(&j, "verdict");
	rh_json_string(&j, rh_verdict_name(ev->verdict));
	rh_json_key(&j, "problems");
	rh_json_problems(&j, &s->problems);
	rh_json_key(&j, "held_by_garbage");
	rh_json_bool(&j, (a->v.flags[idx] & RH_VF_HELD_BY_GARBAGE) != 0);

	rh_json_key(&j, "refcount");
	rh_json_object_begin(&j);
	rh_json_key(&j, "refcnt");
	rh_json_uint(&j, s->obj_refcnt[idx]);
	rh_json_key(&j, "found");
	rh_json_uint(&j, rh_reach_found(&a->reach, idx));
	rh_json_key(&j, "excess");
	rh_json_int(&j, ev->excess > 0 ? ev->excess : 0);
	rh_json_key(&j, "deficit");
	rh_json_int(&j, ev->deficit < 0 ? -ev->deficit : 0);
	rh_json_key(&j, "immortal");
	rh_json_bool(&j, s->obj_refcnt[idx] == RH_REFCNT_IMMORTAL);
	rh_json_object_end(&j);

	rh_json_key(&j, "path");
	if (ev->paths.npaths)
		json_path(&j, s, ev, 0);
	else
		rh_json_null(&j);
	rh_json_key(&j, "paths");
	rh_json_array_begin(&j);
	for (size_t p = 0; p < ev->paths.npaths; p++)
		json_path(&j, s, ev, p);
	rh_json_array_end(&j);

	rh_json_key(&j, "gc");
	rh_json_object_begin(&j);
	rh_json_key(&j, "generation");
	int g = s->obj_gen[idx];
	if (g >= 0 && g < RH_SNAP_NGENS)
		rh_json_int(&j, g);
	else
		rh_json_string(&j, rh_gen_name((int8_t)g));
	const struct rh_snap_gc *jgc = rh_gc_state_of_interp(s, s->obj_interp[idx]);
	if (jgc) {
		rh_json_key(&j, "model");
		rh_json_string(&j, rh_gc_model_name(jgc));
		if (jgc->model == RH_SNAP_GC_INCREMENTAL && g >= 0 && g < RH_SNAP_NGENS)
			rh_gc_json_list(&j, jgc, g);
	}
	int freed_by = ev->comp && !ev->comp->frozen && ev->comp->youngest >= 0
		? ev->comp->youngest : ev->freed_by;
	rh_json_key(&j, "freed_by");
	if (freed_by >= 0)
		rh_json_int(&j, freed_by);
	else
		rh_json_null(&j);
	// the incremental collector: "young", "increment" or "full"
	const char *run = jgc && freed_by >= 0 ? rh_gc_run_name(jgc, freed_by) : NULL;
	if (run) {
		rh_json_key(&j, "freed_by_collection");
		rh_json_string(&j, run);
	}
	if (ev->have_why) {
		rh_json_key(&j, "blocked");
		rh_json_string(&j, rh_gc_block_name(ev->why.block));
		rh_json_key(&j, "collection");
		if (ev->why.gen == RH_SNAP_GEN_PERMANENT)
			rh_json_string(&j, "permanent");
		else
			rh_json_int(&j, ev->why.gen);
		rh_json_key(&j, "count");
		rh_json_int(&j, ev->why.count);
		rh_json_key(&j, "threshold");
		rh_json_int(&j, ev->why.threshold);
		rh_json_key(&j, "allocations");
		if (ev->why.allocations >= 0)
			rh_json_int(&j, ev->why.allocations);
		else
			rh_json_null(&j);
		if (ev->why.increments >= 0) {
			rh_json_key(&j, "increments");
			rh_json_int(&j, ev->why.increments);
			rh_json_key(&j, "allocations_at_least");
			rh_json_bool(&j, ev->why.allocations_at_least);
		}
		if (ev->why.block == RH_GC_BLOCK_LONG_LIVED) {
			rh_json_key(&j, "long_lived_pending");
			rh_json_int(&j, ev->why.long_lived_pending);
			rh_json_key(&j, "long_lived_total");
			rh_json_int(&j, ev->why.long_lived_total);
		}
		rh_json_key(&j, "reason");
		rh_json_string(&j, ev->why.text);
	}
	rh_json_object_end(&j);

	if (ev->comp) {
		rh_json_key(&j, "cycle");
		rh_json_object_begin(&j);
		rh_json_key(&j, "members");
		rh_json_uint(&j, ev->comp->members);
		rh_json_key(&j, "bytes");
		rh_json_uint(&j, ev->comp->bytes);
		rh_json_key(&j, "held");
		rh_json_uint(&j, ev->comp->held);
		rh_json_key(&j, "held_bytes");
		rh_json_uint(&j, ev->comp->held_bytes);
		rh_json_key(&j, "frozen");
		rh_json_bool(&j, ev->comp->frozen);
		rh_json_key(&j, "objects");
		rh_json_array_begin(&j);
		struct json_member_ctx c = { &j, s };
		comp_members(a, ev->comp_id, o->members ? o->members : 20, json_member_obj, &c);
		rh_json_array_end(&j);
		rh_json_object_end(&j);
	}
	rh_json_key(&j, "holders");
	rh_json_array_begin(&j);
	for (size_t k = 0; k < ev->holders.n; k++) {
		const struct rh_native_holder *h = &ev->holders.h[k];
		rh_json_object_begin(&j);
		rh_json_key(&j, "kind");
		rh_json_string(&j, h->kind);
		if (h->name) {
			rh_json_key(&j, "name");
			rh_json_string(&j, h->name);
		}
		if (h->where) {
			rh_json_key(&j, "where");
			rh_json_addr(&j, h->where);
		}
		if (h->obj != UINT32_MAX) {
			rh_json_key(&j, "object");
			rh_json_addr(&j, s->obj_addr[h->obj]);
		}
		rh_json_object_end(&j);
	}
	rh_json_array_end(&j);
	if (ev->verdict != RH_VERDICT_DEAD) {
		rh_json_key(&j, "retained");
		rh_json_object_begin(&j);
		rh_json_key(&j, "objects");
		rh_json_uint(&j, ev->retained_objects);
		rh_json_key(&j, "bytes");
		rh_json_uint(&j, ev->retained_bytes);
		rh_json_object_end(&j);
	}
	rh_json_object_end(&j);
	rh_json_finish(&j);
}

struct rh_error *rh_report_why(FILE *f, struct rh_analysis *a, uint32_t idx,
			       const struct rh_why_options *opts)
{
	struct rh_why_options o = opts ? *opts : (struct rh_why_options){ 0 };
	struct evidence ev = { 0 };
	struct rh_error *err = gather(a, idx, &o, &ev);
	if (!err) {
		if (o.json)
			write_json(f, a, idx, &o, &ev);
		else
			write_text(f, a, idx, &o, &ev);
	}
	evidence_free(&ev);
	return err;
}
