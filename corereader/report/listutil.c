/*
 * Helpers shared by the analysis reports; see listutil.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/labels.h"
#include "report/listutil.h"

/* ------------------------------------------------------------------ */
/* top N                                                               */

struct rh_error *rh_topn_init(struct rh_topn *t, size_t cap, size_t hint,
			      rh_rank_fn *rank, const void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap ? cap : hint;
	if (cap && hint < cap)
		t->cap = hint;  /* never more than there are items */
	t->rank = rank;
	t->arg = arg;
	t->items = malloc((t->cap ? t->cap : 1) * sizeof(*t->items));
	return t->items ? NULL : rh_enomem;
}

/* Min-heap on rank: items[0] is the worst kept item. */
static bool worse(const struct rh_topn *t, uint32_t a, uint32_t b)
{
	return t->rank(t->arg, a, b) < 0;
}

static void sift_down(struct rh_topn *t, size_t i, size_t n)
{
	uint32_t *h = t->items;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && worse(t, h[l], h[m]))
			m = l;
		if (r < n && worse(t, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		uint32_t x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

void rh_topn_add(struct rh_topn *t, uint32_t item)
{
	uint32_t *h = t->items;
	if (t->n < t->cap) {
		size_t i = t->n++;
		h[i] = item;
		while (i > 0) {
			size_t p = (i - 1) / 2;
			if (!worse(t, h[i], h[p]))
				break;
			uint32_t x = h[i];
			h[i] = h[p];
			h[p] = x;
			i = p;
		}
		return;
	}
	if (t->cap == 0 || !worse(t, h[0], item))
		return;
	h[0] = item;
	sift_down(t, 0, t->n);
}

void rh_topn_finish(struct rh_topn *t)
{
	// Heap sort: popping the worst to the end leaves the best first.
	for (size_t n = t->n; n > 1; n--) {
		uint32_t x = t->items[0];
		t->items[0] = t->items[n - 1];
		t->items[n - 1] = x;
		sift_down(t, 0, n - 1);
	}
}

void rh_topn_free(struct rh_topn *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* modules of types                                                    */

struct find_label {
	const char *want;
	uint64_t edge;
	bool found;
};

static int find_label_cb(void *arg, uint64_t edge, const char *label)
{
	struct find_label *c = arg;
	if (strcmp(label, c->want) != 0)
		return 0;
	c->edge = edge;
	c->found = true;
	return 1;
}

/* The object that object i's edge labelled `label` references, or false. */
static bool follow_label(const struct rh_snapshot *s, uint32_t i, const char *label,
			 uint32_t *ret)
{
	struct find_label c = { .want = label };
	rh_error_destroy(rh_snapshot_edge_labels(s, i, find_label_cb, &c));
	if (!c.found || c.edge >= s->nedges)
		return false;
	*ret = s->edges[c.edge] & RH_EDGE_INDEX_MASK;
	return *ret < s->nobjects;
}

void rh_type_module(const struct rh_snapshot *s, uint32_t type, char *buf, size_t len)
{
	const char *name = s->types[type].name;
	uint32_t t, d, m;
	// type_module(), Objects/typeobject.c: a heap type's __dict__
	// ['__module__'] (a str), else the tp_name prefix, else builtins.
	if (s->rt && s->have_graph && rh_snapshot_find(s, s->types[type].addr, &t) &&
	    follow_label(s, t, "__dict__", &d) && follow_label(s, d, "['__module__']", &m) &&
	    strcmp(s->types[s->obj_type[m]].name, "str") == 0) {
		char repr[256];
		rh_snapshot_repr(s, m, repr, sizeof(repr));
		size_t l = strlen(repr);
		if (l >= 2 && (repr[0] == '\'' || repr[0] == '"') && repr[l - 1] == repr[0]) {
			snprintf(buf, len, "%.*s", (int)(l - 2), repr + 1);
			return;
		}
	}
	const char *dot = strrchr(name, '.');
	if (dot)
		snprintf(buf, len, "%.*s", (int)(dot - name), name);
	else
		snprintf(buf, len, "builtins");
}

struct rh_error *rh_type_filter_init(struct rh_type_filter *tf, const struct rh_snapshot *s,
				     const char *type_sub, const char *module)
{
	memset(tf, 0, sizeof(*tf));
	tf->s = s;
	tf->type_sub = type_sub && *type_sub ? type_sub : NULL;
	tf->module = module && *module ? module : NULL;
	tf->state = calloc(s->ntypes ? s->ntypes : 1, 1);
	return tf->state ? NULL : rh_enomem;
}

bool rh_type_filter_pass(struct rh_type_filter *tf, uint32_t type)
{
	if (!tf->type_sub && !tf->module)
		return true;
	if (type >= tf->s->ntypes)
		return false;
	if (tf->state[type])
		return tf->state[type] == 1;
	bool pass = true;
	if (tf->type_sub && !strstr(tf->s->types[type].name, tf->type_sub))
		pass = false;
	if (pass && tf->module) {
		char mod[256];
		rh_type_module(tf->s, type, mod, sizeof(mod));
		pass = strcmp(mod, tf->module) == 0;
	}
	tf->state[type] = pass ? 1 : 2;
	return pass;
}

void rh_type_filter_free(struct rh_type_filter *tf)
{
	free(tf->state);
	tf->state = NULL;
}

/* ------------------------------------------------------------------ */
/* holders                                                             */

void rh_json_root(struct rh_json *j, const struct rh_snapshot *s, uint32_t k)
{
	const struct rh_snap_root *r = &s->roots[k];
	rh_json_object_begin(j);
	rh_json_key(j, "kind");
	rh_json_string(j, rh_root_kind_name(r->kind));
	rh_json_key(j, "name");
	rh_json_string(j, r->name);
	rh_json_key(j, "conservative");
	rh_json_bool(j, r->conservative);
	rh_json_object_end(j);
}

/* Longest BFS parent chain walked to name one root of an object. */
#define PARENT_WALK_MAX 100000u

void rh_holder_of(const struct rh_analysis *a, uint32_t top, struct rh_holder *ret)
{
	const struct rh_snapshot *s = a->s;
	const struct rh_reach *r = &a->reach;
	*ret = (struct rh_holder){ .kind = "unknown", .root = UINT32_MAX };
	if (top >= s->nobjects)
		return;
	uint8_t tier = r->tier[top];
	if (tier == RH_TIER_NONE) {
		ret->kind = "garbage";
		return;
	}
	// A root holding the object directly names it, unless that root is a
	// guess (a conservative stack word) or repeats a stronger root (a
	// frame's globals) and a better root's search claimed the object
	// first (analysis/reach.c): then the breadth-first parents lead to
	// that root, the one `why` prints. Linear in the path, no search.
	uint32_t best = rh_reach_best_root(r, top);
	bool weak = best < s->nroots && (s->roots[best].conservative || s->roots[best].secondary);
	if (best != UINT32_MAX && !(weak && r->parent[top] != RH_REACH_SOURCE)) {
		ret->root = best;
		ret->kind = rh_root_kind_name(s->roots[best].kind);
		return;
	}
	if (tier == RH_TIER_EXTERNAL) {
		ret->kind = "external";
		return;
	}
	// Reached from several roots, none of which holds it alone: name the
	// root of one shortest path.
	ret->kind = "roots";
	uint32_t x = top;
	for (uint32_t k = 0; k < PARENT_WALK_MAX && x < s->nobjects; k++) {
		if (r->parent[x] == RH_REACH_SOURCE) {
			ret->root = rh_reach_best_root(r, x);
			return;
		}
		x = r->parent[x];
	}
}

void rh_holder_print(FILE *f, const struct rh_snapshot *s, const struct rh_holder *h)
{
	if (strcmp(h->kind, "garbage") == 0) {
		fputs("garbage (no root reaches it)", f);
		return;
	}
	if (strcmp(h->kind, "external") == 0) {
		fputs("external (its refcount exceeds the references found: C code or a leak)", f);
		return;
	}
	if (h->root == UINT32_MAX) {
		fputs(strcmp(h->kind, "roots") == 0 ? "several roots" : "?", f);
		return;
	}
	const struct rh_snap_root *r = &s->roots[h->root];
	if (strcmp(h->kind, "roots") == 0)
		fputs("several roots, e.g. ", f);
	fprintf(f, "%s root ", rh_root_kind_name(r->kind));
	rh_print_str(f, r->name);
	if (r->conservative)
		fputs(" (conservative)", f);
}

void rh_holder_json(struct rh_json *j, const struct rh_snapshot *s, const struct rh_holder *h)
{
	rh_json_object_begin(j);
	rh_json_key(j, "kind");
	rh_json_string(j, h->kind);
	if (h->root != UINT32_MAX) {
		rh_json_key(j, "root");
		rh_json_root(j, s, h->root);
	}
	rh_json_object_end(j);
}

const char *rh_gc_block_name(enum rh_gc_block b)
{
	switch (b) {
	case RH_GC_BLOCK_NONE: return "due";
	case RH_GC_BLOCK_DISABLED: return "disabled";
	case RH_GC_BLOCK_COLLECTING: return "collecting";
	case RH_GC_BLOCK_THRESHOLD_ZERO: return "threshold-zero";
	case RH_GC_BLOCK_BELOW_THRESHOLD: return "below-threshold";
	case RH_GC_BLOCK_LONG_LIVED: return "long-lived-heuristic";
	case RH_GC_BLOCK_FROZEN: return "frozen";
	case RH_GC_BLOCK_AHEAD: return "ahead-of-schedule";
	case RH_GC_BLOCK_MARKING: return "marking";
	case RH_GC_BLOCK_NEXT_ROUND: return "next-round";
	}
	return "?";
}

const struct rh_snap_gc *rh_gc_state_of_interp(const struct rh_snapshot *s, size_t interp)
{
	if (interp >= s->ninterps)
		return NULL;
	size_t owner = s->interps[interp].gc_owner;
	if (owner >= s->ninterps)
		owner = interp;
	return &s->interps[owner].gc;
}

/* ------------------------------------------------------------------ */
/* Candidate native holders                                            */

struct holder_slot {
	uint32_t obj;
	uint32_t set;
};

static int holder_slot_cmp(const void *pa, const void *pb)
{
	uint32_t a = ((const struct holder_slot *)pa)->obj, b = ((const struct holder_slot *)pb)->obj;
	return (a > b) - (a < b);
}

struct rh_error *rh_native_holders_find(const struct rh_analysis *a,
					struct rh_native_holders *sets, size_t n)
{
	const struct rh_snapshot *s = a->s;
	// The objects asked about, sorted, so that one pass over the roots
	// serves all of them.
	struct holder_slot *slots = malloc((n ? n : 1) * sizeof(*slots));
	if (!slots)
		return rh_enomem;
	for (size_t k = 0; k < n; k++) {
		sets[k].n = 0;
		slots[k] = (struct holder_slot){ sets[k].obj, (uint32_t)k };
	}
	qsort(slots, n, sizeof(*slots), holder_slot_cmp);
	for (size_t r = 0; r < s->nroots && n; r++) {
		const struct rh_snap_root *root = &s->roots[r];
		if (!root->conservative)
			continue;
		struct holder_slot key = { root->obj, 0 };
		struct holder_slot *hit = bsearch(&key, slots, n, sizeof(*slots), holder_slot_cmp);
		if (!hit)
			continue;
		// Duplicates of one object: any of its sets gets the holder.
		struct rh_native_holders *set = &sets[hit->set];
		if (set->n < RH_MAX_NATIVE_HOLDERS)
			set->h[set->n++] = (struct rh_native_holder){
				.kind = rh_root_kind_name(root->kind), .name = root->name,
				.where = root->where, .obj = UINT32_MAX,
			};
	}
	free(slots);
	if (!(a->have & RH_NEED_REFERRERS))
		return NULL;
	for (size_t k = 0; k < n; k++) {
		struct rh_native_holders *set = &sets[k];
		uint32_t i = set->obj;
		if (i >= s->nobjects)
			continue;
		for (uint32_t p = a->rg.start[i]; p < a->rg.start[i + 1] &&
						  set->n < RH_MAX_NATIVE_HOLDERS; p++) {
			uint32_t w = a->rg.src[p], o = w & RH_EDGE_INDEX_MASK;
			if (!(w & RH_EDGE_CONSERVATIVE))
				continue;
			// Several pointers inside one object: name it once.
			if (set->n && set->h[set->n - 1].obj == o)
				continue;
			set->h[set->n++] = (struct rh_native_holder){ .kind = "pointer", .obj = o };
		}
	}
	return NULL;
}

void rh_print_type_distinct(FILE *f, const struct rh_snapshot *s, uint32_t t)
{
	char m[160], m2[160];
	if (t >= s->ntypes)
		return;
	rh_type_module(s, t, m, sizeof(m));
	// Two classes of one name in one module (a class defined twice):
	// only the address tells them apart.
	bool same = false;
	for (uint32_t k = 0; k < s->ntypes && !same; k++) {
		if (k == t || strcmp(s->types[k].name, s->types[t].name) != 0)
			continue;
		rh_type_module(s, k, m2, sizeof(m2));
		same = strcmp(m, m2) == 0;
	}
	fputs(" (module '", f);
	rh_print_str(f, m);
	fputc('\'', f);
	if (same)
		fprintf(f, ", type at 0x%" PRIx64, s->types[t].addr);
	fputc(')', f);
}
