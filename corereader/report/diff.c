/*
 * `refheap diff OLD NEW`: growth per type between two snapshots of one
 * process, and where the new objects of the top growers are held.
 *
 * Types are matched by name (two classes of one name count as one row).
 * An object of NEW is "new" when OLD has no object at its address, or
 * has one of another type name there (the memory was reused).
 *
 * Paths: for each top grower (by count of new objects, types whose count
 * grew, at most `top` of them), up to SAMPLE_MAX of its new objects are
 * sampled evenly; each one's retention path is its chain in NEW's
 * breadth-first reach tree (reach.parent, shortest within its tier),
 * capped at PATH_MAX steps. Paths are grouped by shape: the root record
 * the chain starts from plus the sequence of type indices along it. The
 * `paths` most common shapes are shown with how many samples took them,
 * and one representative path, labelled (edge labels need reads of the
 * target, so only the representatives are labelled).
 *
 * JSON (one object):
 *   {"old": SNAP, "new": SNAP,   SNAP = {"target", "objects", "bytes"}
 *    "types_changed": rows with any change,
 *    "types": [{"type", "old_count", "new_count", "count_growth",
 *               "old_bytes", "new_bytes", "bytes_growth",
 *               "new_objects", "new_objects_bytes"}]   by bytes_growth,
 *                                                        then count_growth
 *    "growers": [{"type", "new_objects", "sampled",
 *                 "shapes": [{"count" (samples with this shape),
 *                             "holder": "root" | "external" | "garbage",
 *                             "tier": "exact" | "conservative" |
 *                                     "external" | "none",
 *                             "root": {"kind", "name", "conservative"} | null,
 *                             "truncated": bool (longer than PATH_MAX:
 *                                                the path starts mid-way),
 *                             "path": [{"addr", "type", "edge",
 *                                       "root" (first step: root kind,
 *                                               "external" or "garbage")}]
 *                }]}]}
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/analyses.h"
#include "report/json.h"
#include "report/labels.h"
#include "report/listutil.h"
#include "util/satmath.h"

#define SAMPLE_MAX 2000u
#define PATH_MAX_STEPS 64u
#define LABEL_MAX 200

/* ------------------------------------------------------------------ */
/* type names shared by both snapshots                                 */

struct tname {
	const char *name;
	uint32_t type;
	uint8_t which;   /* 0 old, 1 new */
};

static int tname_cmp(const void *pa, const void *pb)
{
	const struct tname *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	if (a->which != b->which)
		return a->which - b->which;
	return (a->type > b->type) - (a->type < b->type);
}

struct row {
	uint64_t old_count, new_count, old_bytes, new_bytes;
	uint64_t new_objects, new_objects_bytes;
	const char *name;
};

struct names {
	uint32_t *old_id, *new_id;   /* per type of each snapshot */
	struct row *rows;            /* per name id */
	uint32_t n;
};

static void names_free(struct names *nm)
{
	free(nm->old_id);
	free(nm->new_id);
	free(nm->rows);
}

static struct rh_error *names_build(const struct rh_snapshot *o, const struct rh_snapshot *n,
				    struct names *nm)
{
	size_t total = (size_t)o->ntypes + n->ntypes;
	struct tname *all = malloc((total ? total : 1) * sizeof(*all));
	nm->old_id = malloc((o->ntypes ? o->ntypes : 1) * sizeof(uint32_t));
	nm->new_id = malloc((n->ntypes ? n->ntypes : 1) * sizeof(uint32_t));
	nm->rows = calloc(total ? total : 1, sizeof(*nm->rows));
	if (!all || !nm->old_id || !nm->new_id || !nm->rows) {
		free(all);
		return rh_enomem;
	}
	size_t k = 0;
	for (uint32_t t = 0; t < o->ntypes; t++)
		all[k++] = (struct tname){ o->types[t].name, t, 0 };
	for (uint32_t t = 0; t < n->ntypes; t++)
		all[k++] = (struct tname){ n->types[t].name, t, 1 };
	qsort(all, total, sizeof(*all), tname_cmp);
	uint32_t id = 0;
	for (size_t i = 0; i < total; i++) {
		if (i > 0 && strcmp(all[i].name, all[i - 1].name) != 0)
			id++;
		nm->rows[id].name = all[i].name;
		if (all[i].which)
			nm->new_id[all[i].type] = id;
		else
			nm->old_id[all[i].type] = id;
	}
	nm->n = total ? id + 1 : 0;
	free(all);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* ranking                                                             */

static int64_t growth(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a);
}

static int row_rank(const void *arg, uint32_t a, uint32_t b)
{
	const struct row *r = arg;
	int64_t x = growth(r[a].old_bytes, r[a].new_bytes), y = growth(r[b].old_bytes, r[b].new_bytes);
	if (x != y)
		return x > y ? 1 : -1;
	x = growth(r[a].old_count, r[a].new_count);
	y = growth(r[b].old_count, r[b].new_count);
	if (x != y)
		return x > y ? 1 : -1;
	int c = strcmp(r[b].name, r[a].name);
	return c ? c : (a < b ? 1 : -1);
}

static int grower_rank(const void *arg, uint32_t a, uint32_t b)
{
	const struct row *r = arg;
	if (r[a].new_objects != r[b].new_objects)
		return r[a].new_objects > r[b].new_objects ? 1 : -1;
	return row_rank(arg, a, b);
}

/* ------------------------------------------------------------------ */
/* path shapes                                                         */

/* Root keys besides root record indices. */
#define KEY_EXTERNAL UINT32_MAX
#define KEY_GARBAGE (UINT32_MAX - 1)
#define KEY_TRUNCATED (UINT32_MAX - 2)

struct chain {
	uint32_t objs[PATH_MAX_STEPS + 1];   /* from the object up */
	uint32_t len;
	uint32_t key;                        /* root record, or KEY_* */
	uint8_t tier;
};

static void chain_of(const struct rh_analysis *a, uint32_t x, struct chain *c)
{
	const struct rh_reach *r = &a->reach;
	uint32_t n = a->s->nobjects;
	c->len = 0;
	c->tier = r->tier[x];
	if (c->tier == RH_TIER_NONE) {
		c->objs[c->len++] = x;
		c->key = KEY_GARBAGE;
		return;
	}
	for (;;) {
		c->objs[c->len++] = x;
		uint32_t p = r->parent[x];
		if (p == RH_REACH_SOURCE) {
			c->key = rh_reach_best_root(r, x);   /* UINT32_MAX: an external holder */
			if (c->key == UINT32_MAX)
				c->key = KEY_EXTERNAL;
			return;
		}
		if (p >= n || c->len > PATH_MAX_STEPS) {
			c->key = KEY_TRUNCATED;
			return;
		}
		x = p;
	}
}

struct sample {
	uint64_t hash;
	uint32_t obj;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

static uint64_t chain_hash(const struct rh_snapshot *s, const struct chain *c)
{
	uint64_t h = mix(0, c->key);
	for (uint32_t k = 0; k < c->len; k++)
		h = mix(h, s->obj_type[c->objs[k]]);
	return mix(h, c->len);
}

static int chain_cmp(const struct rh_snapshot *s, const struct chain *a, const struct chain *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	for (uint32_t k = 0; k < a->len; k++) {
		uint32_t x = s->obj_type[a->objs[k]], y = s->obj_type[b->objs[k]];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

struct sort_ctx {
	const struct rh_analysis *a;
	struct chain ca, cb;
};

static int sample_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sample *x = pa, *y = pb;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	struct sort_ctx *c = arg;
	chain_of(c->a, x->obj, &c->ca);
	chain_of(c->a, y->obj, &c->cb);
	int r = chain_cmp(c->a->s, &c->ca, &c->cb);
	if (r)
		return r;
	return (x->obj > y->obj) - (x->obj < y->obj);
}

struct shape {
	uint32_t first;    /* index of its first sample */
	uint32_t count;
};

static int shape_rank(const void *arg, uint32_t a, uint32_t b)
{
	const struct shape *s = arg;
	if (s[a].count != s[b].count)
		return s[a].count > s[b].count ? 1 : -1;
	return a < b ? 1 : -1;
}

/* A representative path, labelled, from the source to the object. */
struct rep {
	uint32_t count;
	struct chain c;
	char labels[PATH_MAX_STEPS + 1][LABEL_MAX];
};

struct grower {
	uint32_t id;          /* name id */
	struct sample *samples;
	uint32_t nsamples;
	uint64_t want, seen;
	struct rep *reps;
	uint32_t nreps;
};

static const char *tier_name(uint8_t t)
{
	switch (t) {
	case RH_TIER_EXACT: return "exact";
	case RH_TIER_CONSERVATIVE: return "conservative";
	case RH_TIER_EXTERNAL: return "external";
	default: return "none";
	}
}

static struct rh_error *shapes_of(const struct rh_analysis *a, struct grower *g, unsigned max)
{
	const struct rh_snapshot *s = a->s;
	struct sort_ctx *ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return rh_enomem;
	ctx->a = a;
	for (uint32_t k = 0; k < g->nsamples; k++) {
		chain_of(a, g->samples[k].obj, &ctx->ca);
		g->samples[k].hash = chain_hash(s, &ctx->ca);
	}
	qsort_r(g->samples, g->nsamples, sizeof(*g->samples), sample_cmp, ctx);
	struct shape *shapes = malloc((g->nsamples ? g->nsamples : 1) * sizeof(*shapes));
	if (!shapes) {
		free(ctx);
		return rh_enomem;
	}
	uint32_t nshapes = 0;
	for (uint32_t k = 0; k < g->nsamples; k++) {
		bool same = false;
		if (k > 0 && g->samples[k].hash == g->samples[k - 1].hash) {
			chain_of(a, g->samples[k - 1].obj, &ctx->ca);
			chain_of(a, g->samples[k].obj, &ctx->cb);
			same = chain_cmp(s, &ctx->ca, &ctx->cb) == 0;
		}
		if (same)
			shapes[nshapes - 1].count++;
		else
			shapes[nshapes++] = (struct shape){ k, 1 };
	}
	free(ctx);
	struct rh_topn top;
	struct rh_error *err = rh_topn_init(&top, max ? max : 1, nshapes, shape_rank, shapes);
	if (err) {
		free(shapes);
		return err;
	}
	for (uint32_t k = 0; k < nshapes; k++)
		rh_topn_add(&top, k);
	rh_topn_finish(&top);
	g->reps = calloc(top.n ? top.n : 1, sizeof(*g->reps));
	if (!g->reps) {
		free(shapes);
		rh_topn_free(&top);
		return rh_enomem;
	}
	g->nreps = (uint32_t)top.n;
	for (uint32_t k = 0; k < g->nreps; k++) {
		const struct shape *sh = &shapes[top.items[k]];
		struct rep *rp = &g->reps[k];
		rp->count = sh->count;
		chain_of(a, g->samples[sh->first].obj, &rp->c);
		// Reverse: from the source to the object.
		for (uint32_t i = 0, j = rp->c.len - 1; i < j; i++, j--) {
			uint32_t x = rp->c.objs[i];
			rp->c.objs[i] = rp->c.objs[j];
			rp->c.objs[j] = x;
		}
		for (uint32_t i = 0; i < rp->c.len; i++) {
			char *b = rp->labels[i];
			if (i > 0) {
				rh_edge_label(s, rp->c.objs[i - 1], rp->c.objs[i], b, LABEL_MAX);
				continue;
			}
			uint32_t o = rp->c.objs[0];
			switch (rp->c.key) {
			case KEY_GARBAGE:
				snprintf(b, LABEL_MAX, "garbage (no root reaches it)");
				break;
			case KEY_EXTERNAL:
				snprintf(b, LABEL_MAX,
					 "held from outside the heap (refcount %" PRIu32 ", %" PRIu32
					 " references found)", s->obj_refcnt[o], rh_reach_found(&a->reach, o));
				break;
			case KEY_TRUNCATED:
				snprintf(b, LABEL_MAX, "... (path longer than %u steps)",
					 PATH_MAX_STEPS);
				break;
			default:
				snprintf(b, LABEL_MAX, "%s", s->roots[rp->c.key].name);
				break;
			}
		}
	}
	free(shapes);
	rh_topn_free(&top);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* output                                                              */

static void json_snap(struct rh_json *j, const struct rh_snapshot *s, uint64_t bytes)
{
	rh_json_object_begin(j);
	rh_json_key(j, "target");
	rh_json_target(j, s->live, s->target_name, s->pid);
	rh_json_key(j, "objects");
	rh_json_uint(j, s->nobjects);
	rh_json_key(j, "bytes");
	rh_json_uint(j, bytes);
	rh_json_key(j, "problems");
	rh_json_problems(j, &s->problems);
	rh_json_object_end(j);
}

static const char *holder_name(uint32_t key)
{
	switch (key) {
	case KEY_EXTERNAL: return "external";
	case KEY_GARBAGE: return "garbage";
	case KEY_TRUNCATED: return "unknown";
	default: return "root";
	}
}

static void json_rep(struct rh_json *j, const struct rh_snapshot *s, const struct rep *rp)
{
	rh_json_object_begin(j);
	rh_json_key(j, "count");
	rh_json_uint(j, rp->count);
	rh_json_key(j, "holder");
	rh_json_string(j, holder_name(rp->c.key));
	rh_json_key(j, "tier");
	rh_json_string(j, tier_name(rp->c.tier));
	rh_json_key(j, "root");
	if (rp->c.key < KEY_TRUNCATED)
		rh_json_root(j, s, rp->c.key);
	else
		rh_json_null(j);
	rh_json_key(j, "truncated");
	rh_json_bool(j, rp->c.key == KEY_TRUNCATED);
	rh_json_key(j, "path");
	rh_json_array_begin(j);
	for (uint32_t i = 0; i < rp->c.len; i++) {
		uint32_t o = rp->c.objs[i];
		rh_json_object_begin(j);
		rh_json_key(j, "addr");
		rh_json_addr(j, s->obj_addr[o]);
		rh_json_key(j, "type");
		rh_json_string(j, rh_obj_type_name(s, o));
		rh_json_key(j, "edge");
		rh_json_string(j, rp->labels[i]);
		if (i == 0) {
			rh_json_key(j, "root");
			rh_json_string(j, rp->c.key < KEY_TRUNCATED
					       ? rh_root_kind_name(s->roots[rp->c.key].kind)
					       : holder_name(rp->c.key));
		}
		rh_json_object_end(j);
	}
	rh_json_array_end(j);
	rh_json_object_end(j);
}

static void text_signed_bytes(char *buf, size_t len, int64_t v)
{
	char b[24];
	rh_format_bytes(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, b, sizeof(b));
	snprintf(buf, len, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", b);
}

static void text_rep(FILE *f, const struct rh_snapshot *s, const struct rep *rp,
		     uint32_t sampled)
{
	fprintf(f, "    %" PRIu32 " of %" PRIu32 " sampled (%.0f%%)", rp->count, sampled,
		sampled ? 100.0 * rp->count / sampled : 0.0);
	if (rp->c.key < KEY_TRUNCATED)
		fprintf(f, ", %s root", rh_root_kind_name(s->roots[rp->c.key].kind));
	else
		fprintf(f, ", %s", holder_name(rp->c.key));
	if (rp->c.tier == RH_TIER_CONSERVATIVE)
		fputs(" (conservative)", f);
	fputs(":\n      ", f);
	for (uint32_t i = 0; i < rp->c.len; i++) {
		if (i)
			fputs(" › ", f);
		rh_print_str(f, rp->labels[i]);
	}
	fputc('\n', f);
	for (uint32_t i = 0; i < rp->c.len; i++) {
		fputs(i ? "        › " : "        ", f);
		rh_print_obj(f, s, rp->c.objs[i]);
		fputc('\n', f);
	}
}

/* ------------------------------------------------------------------ */

struct rh_error *rh_report_diff(FILE *f, struct rh_analysis *old, struct rh_analysis *new,
				const struct rh_list_options *opts)
{
	const struct rh_snapshot *so = old->s, *sn = new->s;
	struct rh_list_options o = opts ? *opts : (struct rh_list_options){ 0 };
	if (!(new->have & RH_NEED_REACH))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "diff needs the reach analysis of the new snapshot");
	struct names nm = { 0 };
	struct rh_topn rows = { 0 }, grow = { 0 };
	uint64_t *isnew = NULL;
	uint32_t *slot = NULL;
	struct grower *gs = NULL;
	size_t ngs = 0;
	struct rh_error *err = names_build(so, sn, &nm);
	if (err)
		goto out;
	uint64_t old_bytes = 0, new_bytes = 0;
	for (uint32_t i = 0; i < so->nobjects; i++) {
		uint64_t b = rh_snapshot_size(so, i);
		struct row *r = &nm.rows[nm.old_id[so->obj_type[i]]];
		r->old_count++;
		r->old_bytes = rh_add_sat(r->old_bytes, b);
		old_bytes = rh_add_sat(old_bytes, b);
	}
	isnew = calloc(((size_t)sn->nobjects + 63) / 64 + 1, sizeof(*isnew));
	if (!isnew) {
		err = rh_enomem;
		goto out;
	}
	for (uint32_t i = 0; i < sn->nobjects; i++) {
		uint64_t b = rh_snapshot_size(sn, i);
		uint32_t id = nm.new_id[sn->obj_type[i]], j;
		struct row *r = &nm.rows[id];
		r->new_count++;
		r->new_bytes = rh_add_sat(r->new_bytes, b);
		new_bytes = rh_add_sat(new_bytes, b);
		if (!rh_snapshot_find(so, sn->obj_addr[i], &j) || nm.old_id[so->obj_type[j]] != id) {
			isnew[i / 64] |= 1ull << (i % 64);
			r->new_objects++;
			r->new_objects_bytes = rh_add_sat(r->new_objects_bytes, b);
		}
	}
	// The table: rows with any change.
	if ((err = rh_topn_init(&rows, o.top, nm.n, row_rank, nm.rows)))
		goto out;
	uint64_t changed = 0;
	for (uint32_t id = 0; id < nm.n; id++) {
		const struct row *r = &nm.rows[id];
		if (r->old_count == r->new_count && r->old_bytes == r->new_bytes && !r->new_objects)
			continue;
		changed++;
		rh_topn_add(&rows, id);
	}
	rh_topn_finish(&rows);
	// The top growers by new objects, among types whose count grew.
	if ((err = rh_topn_init(&grow, o.top, nm.n, grower_rank, nm.rows)))
		goto out;
	for (uint32_t id = 0; id < nm.n; id++) {
		const struct row *r = &nm.rows[id];
		if (r->new_objects && r->new_count > r->old_count)
			rh_topn_add(&grow, id);
	}
	rh_topn_finish(&grow);
	ngs = grow.n;
	gs = calloc(ngs ? ngs : 1, sizeof(*gs));
	slot = malloc((nm.n ? nm.n : 1) * sizeof(*slot));
	if (!gs || !slot) {
		err = rh_enomem;
		goto out;
	}
	memset(slot, 0xff, (size_t)nm.n * sizeof(*slot));
	for (size_t k = 0; k < ngs; k++) {
		struct grower *g = &gs[k];
		g->id = grow.items[k];
		slot[g->id] = (uint32_t)k;
		uint64_t cnt = nm.rows[g->id].new_objects;
		g->want = cnt < SAMPLE_MAX ? cnt : SAMPLE_MAX;
		g->samples = malloc((g->want ? g->want : 1) * sizeof(*g->samples));
		if (!g->samples) {
			err = rh_enomem;
			goto out;
		}
	}
	if (ngs) {
		for (uint32_t i = 0; i < sn->nobjects; i++) {
			if (!(isnew[i / 64] & (1ull << (i % 64))))
				continue;
			uint32_t k = slot[nm.new_id[sn->obj_type[i]]];
			if (k == UINT32_MAX)
				continue;
			// Evenly: the m-th of cnt new objects is taken when
			// m * want / cnt steps up (want of them in all).
			struct grower *g = &gs[k];
			uint64_t cnt = nm.rows[g->id].new_objects, m = g->seen++;
			if ((m * g->want) / cnt != ((m + 1) * g->want) / cnt && g->nsamples < g->want)
				g->samples[g->nsamples++] = (struct sample){ 0, i };
		}
	}
	unsigned paths = o.paths ? o.paths : 3;
	for (size_t k = 0; k < ngs && !err; k++)
		err = shapes_of(new, &gs[k], paths);
	if (err)
		goto out;

	if (o.json) {
		struct rh_json j;
		rh_json_init(&j, f, false);
		rh_json_object_begin(&j);
		rh_json_key(&j, "old");
		json_snap(&j, so, old_bytes);
		rh_json_key(&j, "new");
		json_snap(&j, sn, new_bytes);
		rh_json_key(&j, "types_changed");
		rh_json_uint(&j, changed);
		rh_json_key(&j, "types");
		rh_json_array_begin(&j);
		for (size_t k = 0; k < rows.n; k++) {
			const struct row *r = &nm.rows[rows.items[k]];
			rh_json_object_begin(&j);
			rh_json_key(&j, "type");
			rh_json_string(&j, r->name);
			rh_json_key(&j, "old_count");
			rh_json_uint(&j, r->old_count);
			rh_json_key(&j, "new_count");
			rh_json_uint(&j, r->new_count);
			rh_json_key(&j, "count_growth");
			rh_json_int(&j, growth(r->old_count, r->new_count));
			rh_json_key(&j, "old_bytes");
			rh_json_uint(&j, r->old_bytes);
			rh_json_key(&j, "new_bytes");
			rh_json_uint(&j, r->new_bytes);
			rh_json_key(&j, "bytes_growth");
			rh_json_int(&j, growth(r->old_bytes, r->new_bytes));
			rh_json_key(&j, "new_objects");
			rh_json_uint(&j, r->new_objects);
			rh_json_key(&j, "new_objects_bytes");
			rh_json_uint(&j, r->new_objects_bytes);
			rh_json_object_end(&j);
		}
		rh_json_array_end(&j);
		rh_json_key(&j, "growers");
		rh_json_array_begin(&j);
		for (size_t k = 0; k < ngs; k++) {
			const struct grower *g = &gs[k];
			rh_json_object_begin(&j);
			rh_json_key(&j, "type");
			rh_json_string(&j, nm.rows[g->id].name);
			rh_json_key(&j, "new_objects");
			rh_json_uint(&j, nm.rows[g->id].new_objects);
			rh_json_key(&j, "sampled");
			rh_json_uint(&j, g->nsamples);
			rh_json_key(&j, "shapes");
			rh_json_array_begin(&j);
			for (uint32_t r = 0; r < g->nreps; r++)
				json_rep(&j, sn, &g->reps[r]);
			rh_json_array_end(&j);
			rh_json_object_end(&j);
		}
		rh_json_array_end(&j);
		rh_json_object_end(&j);
		rh_json_finish(&j);
		goto out;
	}

	char b1[32], b2[32], b3[32];
	fputs("diff ", f);
	rh_print_str(f, so->target_name);
	fputs(" -> ", f);
	rh_print_str(f, sn->target_name);
	if (sn->live)
		fprintf(f, " (live, pid %d)", sn->pid);
	rh_format_bytes(old_bytes, b1, sizeof(b1));
	rh_format_bytes(new_bytes, b2, sizeof(b2));
	text_signed_bytes(b3, sizeof(b3), growth(old_bytes, new_bytes));
	fprintf(f, "\n  objects %" PRIu32 " -> %" PRIu32 " (%+" PRId64 "), %s -> %s (%s)\n",
		so->nobjects, sn->nobjects,
		(int64_t)sn->nobjects - (int64_t)so->nobjects, b1, b2, b3);
	fprintf(f, "%zu of %" PRIu64 " changed types, by growth in bytes:\n", rows.n, changed);
	fprintf(f, "  %10s %10s %9s  %11s %11s  %9s  %s\n", "old count", "new count", "+count",
		"old bytes", "new bytes", "+bytes", "type");
	for (size_t k = 0; k < rows.n; k++) {
		const struct row *r = &nm.rows[rows.items[k]];
		rh_format_bytes(r->old_bytes, b1, sizeof(b1));
		rh_format_bytes(r->new_bytes, b2, sizeof(b2));
		text_signed_bytes(b3, sizeof(b3), growth(r->old_bytes, r->new_bytes));
		fprintf(f, "  %10" PRIu64 " %10" PRIu64 " %+9" PRId64 "  %11s %11s  %9s  ",
			r->old_count, r->new_count, growth(r->old_count, r->new_count), b1, b2, b3);
		rh_print_str(f, r->name);
		fputc('\n', f);
	}
	if (ngs)
		fputs("\nwhere the new objects are held (paths from the roots, grouped by shape):\n",
		      f);
	for (size_t k = 0; k < ngs; k++) {
		const struct grower *g = &gs[k];
		fputs("  ", f);
		rh_print_str(f, nm.rows[g->id].name);
		fprintf(f, ": %" PRIu64 " new objects", nm.rows[g->id].new_objects);
		if (g->nsamples < nm.rows[g->id].new_objects)
			fprintf(f, ", %" PRIu32 " sampled", g->nsamples);
		fputs("\n", f);
		for (uint32_t r = 0; r < g->nreps; r++)
			text_rep(f, sn, &g->reps[r], g->nsamples);
	}
out:
	if (gs) {
		for (size_t k = 0; k < ngs; k++) {
			free(gs[k].samples);
			free(gs[k].reps);
		}
	}
	free(gs);
	free(slot);
	free(isnew);
	rh_topn_free(&rows);
	rh_topn_free(&grow);
	names_free(&nm);
	return err;
}
