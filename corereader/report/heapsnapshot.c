/*
 * `refheap export --format=heapsnapshot`: the heap in the format of Chrome
 * DevTools' heap snapshots (the .heapsnapshot JSON V8 writes, read by the
 * Memory panel and by memlab), so the Summary, Containment, Dominators and
 * Retainers views work on a Python heap.
 *
 * The format (V8 src/profiler/heap-snapshot-generator.cc,
 * HeapSnapshotJSONSerializer): "nodes" is a flat array of node_fields per
 * node, "edges" a flat array of edge_fields per edge, the edges of node 0
 * first, then those of node 1..., each node saying how many it has; an
 * edge's to_node is the index of the target's first field in "nodes";
 * names are indices into "strings". Node 0 is the synthetic root.
 *
 * Mapping: every Python object is a node of type "object" named by its
 * type (so the Summary groups by type), self_size its sys.getsizeof();
 * its id is 2 * (snapshot index + SYNTHETIC) + 1 (odd, like V8's heap
 * objects; `refheap export` lists objects in the same index order).
 * References are "property" edges named by their label (['key'], .attr,
 * [3]); a pointer found by scanning an unknown type is "internal"; a
 * borrowed reference (the interned dict's) and a weak reference are
 * "weak" edges, which DevTools and memlab leave out of retained sizes.
 * The synthetic root holds one synthetic node per kind of root (modules,
 * threads, interpreter state, interned strings, C statics, native
 * stacks), one for the objects held from outside the heap (a refcount
 * above the references found) and one for the garbage nothing reaches:
 * the same sources refheap's own dominator tree starts from (a root whose
 * object a better root claimed is a weak edge), so the retained sizes
 * DevTools computes equal refheap's.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/heapsnapshot.h"
#include "util/arena.h"
#include "util/u64map.h"

#define NODE_FIELDS 7   /* type, name, id, self_size, edge_count, trace_node_id, detachedness */
#define EDGE_FIELDS 3   /* type, name_or_index, to_node */

/* node_types[0] and edge_types[0] as written in meta, by index */
enum { NT_HIDDEN, NT_ARRAY, NT_STRING, NT_OBJECT, NT_CODE, NT_CLOSURE, NT_REGEXP,
       NT_NUMBER, NT_NATIVE, NT_SYNTHETIC };
enum { ET_CONTEXT, ET_ELEMENT, ET_PROPERTY, ET_INTERNAL, ET_HIDDEN, ET_SHORTCUT, ET_WEAK };

/*
 * Synthetic nodes: the root, then one per source kind. DevTools and memlab
 * find retainer paths breadth-first from the root; to make them prefer,
 * like `refheap why`, an exact root to a guess and a root of its own to
 * one that repeats another (a frame's globals), the guesses (conservative
 * roots), what no root holds, and the repeated roots sit deeper, under
 * SYN_WEAKER (and SYN_REPEATED_HOP).
 */
enum {
	SYN_ROOT,
	SYN_INTERPRETER,
	SYN_MODULE,
	SYN_THREAD,
	SYN_INTERNED,
	SYN_OTHER_ROOTS,
	SYN_WEAKER,
	SYN_STATIC,
	SYN_STACK,
	SYN_EXTERNAL,
	SYN_UNREACHABLE,
	SYN_REPEATED_HOP,
	SYN_REPEATED,
	SYNTHETIC
};

static const char *const syn_names[SYNTHETIC] = {
	[SYN_ROOT] = "(Python heap root)",
	[SYN_INTERPRETER] = "(interpreter state roots)",
	[SYN_MODULE] = "(module roots)",
	[SYN_THREAD] = "(thread frame roots)",
	[SYN_INTERNED] = "(interned string roots)",
	[SYN_OTHER_ROOTS] = "(other roots)",
	[SYN_WEAKER] = "(conservative roots, external holders, garbage, repeated roots)",
	[SYN_STATIC] = "(C static and other conservative roots)",
	[SYN_STACK] = "(native stack roots, conservative)",
	[SYN_EXTERNAL] = "(held from outside the heap: refcount above the references found)",
	[SYN_UNREACHABLE] = "(unreachable: garbage)",
	[SYN_REPEATED_HOP] = "(repeated roots)",
	[SYN_REPEATED] = "(roots repeating a stronger root: frame globals)",
};

/* The synthetic node a root hangs from. */
static int syn_of_root(const struct rh_snap_root *r)
{
	if (r->conservative)
		return r->kind == RH_SNAP_ROOT_STACK ? SYN_STACK : SYN_STATIC;
	if (r->secondary)
		return SYN_REPEATED;
	switch (r->kind) {
	case RH_SNAP_ROOT_INTERPRETER: return SYN_INTERPRETER;
	case RH_SNAP_ROOT_MODULE: return SYN_MODULE;
	case RH_SNAP_ROOT_THREAD: return SYN_THREAD;
	case RH_SNAP_ROOT_INTERNED: return SYN_INTERNED;
	case RH_SNAP_ROOT_STATIC: return SYN_STATIC;
	case RH_SNAP_ROOT_STACK: return SYN_STACK;
	default: return SYN_OTHER_ROOTS;
	}
}

/* Edges between synthetic nodes: from -> [first, last]. */
static const struct { int from, first, last; } syn_tree[] = {
	{ SYN_ROOT, SYN_INTERPRETER, SYN_WEAKER },
	{ SYN_WEAKER, SYN_STATIC, SYN_REPEATED_HOP },
	{ SYN_REPEATED_HOP, SYN_REPEATED, SYN_REPEATED },
};

static int syn_children(int node, int *first)
{
	for (size_t k = 0; k < sizeof(syn_tree) / sizeof(syn_tree[0]); k++)
		if (syn_tree[k].from == node) {
			*first = syn_tree[k].first;
			return syn_tree[k].last - syn_tree[k].first + 1;
		}
	return 0;
}

/* The string table: each distinct string once, by interned pointer. */
struct strtab {
	struct rh_arena arena;
	struct rh_u64map index;    /* interned pointer -> position */
	const char **v;
	size_t n, cap;
	bool oom;
};

static uint32_t str_id(struct strtab *t, const char *s)
{
	if (t->oom)
		return 0;
	const char *p = rh_arena_intern(&t->arena, s, strlen(s));
	uint32_t id;
	if (!p) {
		t->oom = true;
		return 0;
	}
	if (rh_u64map_find(&t->index, (uint64_t)(uintptr_t)p, &id))
		return id;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		const char **v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			t->oom = true;
			return 0;
		}
		t->v = v;
		t->cap = cap;
	}
	id = (uint32_t)t->n;
	if (rh_u64map_insert(&t->index, (uint64_t)(uintptr_t)p, id, NULL) < 0) {
		t->oom = true;
		return 0;
	}
	t->v[t->n++] = p;
	return id;
}

/* One object's edges, gathered by the label walk, written to a scratch file. */
struct walk {
	const struct rh_snapshot *s;
	struct strtab *st;
	FILE *tmp;
	uint32_t from;
	uint64_t count;
	uint8_t *labelled;    /* per edge of `from`: written by the walk */
	uint32_t nlabelled;
};

static uint64_t node_pos(uint32_t obj)
{
	return (uint64_t)(obj + SYNTHETIC) * NODE_FIELDS;
}

static void put_edge(FILE *f, int type, uint64_t name, uint64_t to_pos)
{
	fprintf(f, ",%d,%" PRIu64 ",%" PRIu64 "\n", type, name, to_pos);
}

/* The same, for the edges written first (no comma before the very first). */
static void put_edge_first(FILE *f, bool *first, int type, uint64_t name, uint64_t to_pos)
{
	fprintf(f, "%s%d,%" PRIu64 ",%" PRIu64 "\n", *first ? "" : ",", type, name, to_pos);
	*first = false;
}

static int edge_type(uint32_t w)
{
	if (w & RH_EDGE_BORROWED)
		return ET_WEAK;
	if (w & RH_EDGE_CONSERVATIVE)
		return ET_INTERNAL;
	return ET_PROPERTY;
}

static int walk_one(void *arg, uint64_t edge, uint32_t to, const char *label)
{
	struct walk *w = arg;
	const struct rh_snapshot *s = w->s;
	if (to >= s->nobjects)
		return 0;
	if (edge == UINT64_MAX) {
		put_edge(w->tmp, ET_WEAK, str_id(w->st, label), node_pos(to));
		w->count++;
		return 0;
	}
	uint64_t k = edge - s->edge_start[w->from];
	if (k < w->nlabelled && !w->labelled[k]) {
		w->labelled[k] = 1;
		char name[300];
		snprintf(name, sizeof(name), "%s%s", label,
			 (s->edges[edge] & RH_EDGE_BORROWED) ? " (borrowed)" : "");
		put_edge(w->tmp, edge_type(s->edges[edge]), str_id(w->st, name), node_pos(to));
		w->count++;
	}
	return 0;
}

struct rh_error *rh_report_heapsnapshot(FILE *f, const struct rh_analysis *a,
					const struct rh_heapsnapshot_options *opts)
{
	const struct rh_snapshot *s = a->s;
	const struct rh_reach *r = &a->reach;
	if (!s->have_graph || !(a->have & RH_NEED_REACH))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "the heap-snapshot export needs the graph and its reachability");
	uint32_t n = s->nobjects;
	bool labels = opts && opts->labels && s->rt;
	struct strtab st = { 0 };
	rh_arena_init(&st.arena);
	rh_u64map_init(&st.index);
	uint32_t *ecount = calloc((size_t)n + SYNTHETIC, sizeof(*ecount));
	uint8_t *labelled = NULL;
	size_t labelled_cap = 0;
	FILE *tmp = tmpfile();
	struct rh_error *err = NULL;
	uint64_t nedges = 0, problems = 0;
	if (!ecount || !tmp) {
		err = ecount ? rh_error_create(RH_ERR_OS, "cannot create a scratch file for the "
					       "heap snapshot's edges (check TMPDIR)")
			     : rh_enomem;
		goto out;
	}
	str_id(&st, "");   /* strings[0] is "" in V8's snapshots */
	// Objects' edges first, to a scratch file: their counts go in the
	// nodes, which come before the edges in the file.
	for (uint32_t i = 0; i < n && !st.oom; i++) {
		uint32_t e0 = s->edge_start[i], e1 = s->edge_start[i + 1];
		uint32_t ne = e1 - e0;
		struct walk w = { .s = s, .st = &st, .tmp = tmp, .from = i };
		if (labels) {
			if (ne > labelled_cap) {
				free(labelled);
				labelled_cap = ne * 2u;
				labelled = malloc(labelled_cap);
				if (!labelled) {
					err = rh_enomem;
					goto out;
				}
			}
			memset(labelled, 0, ne);
			w.labelled = labelled;
			w.nlabelled = ne;
			struct rh_error *le = rh_snapshot_refs_walk(s, i, walk_one, &w);
			if (le) {
				problems++;
				rh_error_destroy(le);
			}
		}
		// Edges the walk did not name (no target to read, or it changed).
		for (uint32_t e = e0; e < e1; e++) {
			uint32_t wd = s->edges[e], to = wd & RH_EDGE_INDEX_MASK;
			if (to >= n || (labels && labelled[e - e0]))
				continue;
			char name[32];
			snprintf(name, sizeof(name), "%s#%u",
				 (wd & RH_EDGE_CONSERVATIVE) ? "pointer" : "ref", e - e0);
			put_edge(tmp, edge_type(wd), str_id(&st, name), node_pos(to));
			w.count++;
		}
		ecount[SYNTHETIC + i] = (uint32_t)(w.count > UINT32_MAX ? UINT32_MAX : w.count);
		nedges += w.count;
	}
	// The sources, as refheap's dominator tree takes them (analysis.c):
	// roots of every tier, external holders, unreachable objects.
	for (size_t k = 0; k < s->nroots; k++)
		if (s->roots[k].obj < n)
			ecount[syn_of_root(&s->roots[k])]++;
	for (uint32_t i = 0; i < n; i++) {
		if (r->tier[i] == RH_TIER_EXTERNAL && r->parent[i] == RH_REACH_SOURCE)
			ecount[SYN_EXTERNAL]++;
		else if (r->tier[i] == RH_TIER_NONE)
			ecount[SYN_UNREACHABLE]++;
	}
	for (int k = 0; k < SYNTHETIC; k++) {
		int first;
		ecount[k] += (uint32_t)syn_children(k, &first);
	}
	for (int k = 0; k < SYNTHETIC; k++)
		nedges += ecount[k];
	uint32_t *syn_name = malloc(SYNTHETIC * sizeof(*syn_name));
	uint32_t *type_name = malloc((s->ntypes ? s->ntypes : 1) * sizeof(*type_name));
	if (!syn_name || !type_name) {
		free(syn_name);
		free(type_name);
		err = rh_enomem;
		goto out;
	}
	for (int k = 0; k < SYNTHETIC; k++)
		syn_name[k] = str_id(&st, syn_names[k]);
	for (uint32_t t = 0; t < s->ntypes; t++)
		type_name[t] = str_id(&st, s->types[t].name);
	// Root edge names: computed again when written, in the same order.
	for (size_t k = 0; k < s->nroots; k++)
		if (s->roots[k].obj < n)
			str_id(&st, s->roots[k].name ? s->roots[k].name : "root");
	str_id(&st, "refcount above the references found");
	if (st.oom) {
		free(syn_name);
		free(type_name);
		err = rh_enomem;
		goto out;
	}

	fputs("{\"snapshot\":{\"meta\":{"
	      "\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
	      "\"trace_node_id\",\"detachedness\"],"
	      "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\","
	      "\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated string\","
	      "\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],\"string\",\"number\","
	      "\"number\",\"number\",\"number\",\"number\"],"
	      "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
	      "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","
	      "\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],"
	      "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\","
	      "\"script_id\",\"line\",\"column\"],"
	      "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\","
	      "\"children\"],"
	      "\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],"
	      "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},", f);
	fprintf(f, "\"node_count\":%" PRIu64 ",\"edge_count\":%" PRIu64
		",\"trace_function_count\":0},\n\"nodes\":[", (uint64_t)n + SYNTHETIC, nedges);
	for (int k = 0; k < SYNTHETIC; k++)
		fprintf(f, "%s%d,%u,%d,0,%u,0,0\n", k ? "," : "", NT_SYNTHETIC, syn_name[k],
			2 * k + 1, ecount[k]);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, ",%d,%u,%" PRIu64 ",%" PRIu64 ",%u,0,0\n", NT_OBJECT,
			type_name[s->obj_type[i]], 2 * ((uint64_t)i + SYNTHETIC) + 1,
			rh_snapshot_size(s, i), ecount[SYNTHETIC + i]);
	fputs("],\n\"edges\":[", f);
	// The synthetic nodes' edges, node by node: to their synthetic
	// children, then to the objects they hold.
	bool first_edge = true;
	for (int kind = 0; kind < SYNTHETIC; kind++) {
		int first, nkids = syn_children(kind, &first);
		for (int c = 0; c < nkids; c++)
			put_edge_first(f, &first_edge, ET_ELEMENT, (uint64_t)c, (uint64_t)(first + c) * NODE_FIELDS);
		if (kind == SYN_EXTERNAL || kind == SYN_UNREACHABLE) {
			uint32_t nm = str_id(&st, kind == SYN_EXTERNAL
						     ? "refcount above the references found" : "");
			uint64_t idx = 0;
			for (uint32_t i = 0; i < n; i++) {
				bool ext = r->tier[i] == RH_TIER_EXTERNAL &&
					   r->parent[i] == RH_REACH_SOURCE;
				bool none = r->tier[i] == RH_TIER_NONE;
				if (kind == SYN_EXTERNAL ? !ext : !none)
					continue;
				if (kind == SYN_EXTERNAL)
					put_edge_first(f, &first_edge, ET_PROPERTY, nm, node_pos(i));
				else
					put_edge_first(f, &first_edge, ET_ELEMENT, idx, node_pos(i));
				idx++;
			}
			continue;
		}
		for (size_t k = 0; k < s->nroots; k++) {
			const struct rh_snap_root *rt = &s->roots[k];
			if (rt->obj >= n || syn_of_root(rt) != kind)
				continue;
			// A root is a source of refheap's dominator tree only when
			// its search claimed the object (analysis/reach.c: exact
			// roots first, then repeated ones, then guesses, each
			// taking what the better ones left); the others are shown
			// as weak edges, so retained sizes stay refheap's.
			uint32_t o = rt->obj;
			bool source = r->parent[o] == RH_REACH_SOURCE &&
				      r->tier[o] == (rt->conservative ? RH_TIER_CONSERVATIVE
								      : RH_TIER_EXACT);
			put_edge_first(f, &first_edge,
				       !source ? ET_WEAK : rt->conservative ? ET_INTERNAL : ET_PROPERTY,
				       str_id(&st, rt->name ? rt->name : "root"), node_pos(o));
		}
	}
	// Then the objects' edges from the scratch file.
	rewind(tmp);
	char buf[1 << 16];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), tmp)) > 0)
		fwrite(buf, 1, got, f);
	if (ferror(tmp)) {
		free(syn_name);
		free(type_name);
		err = rh_error_create(RH_ERR_OS, "reading back the heap snapshot's scratch file failed");
		goto out;
	}
	fputs("],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\"locations\":[],"
	      "\n\"strings\":[", f);
	for (size_t k = 0; k < st.n; k++) {
		if (k)
			fputs(",\n", f);
		rh_escape_json(f, st.v[k], strlen(st.v[k]));
	}
	fputs("]}\n", f);
	free(syn_name);
	free(type_name);
	if (opts && opts->unlabelled_ret)
		*opts->unlabelled_ret = problems;
out:
	if (tmp)
		fclose(tmp);
	free(labelled);
	free(ecount);
	free(st.v);
	rh_u64map_deinit(&st.index);
	rh_arena_deinit(&st.arena);
	return err;
}
