/*
 * `refheap report`: one self-contained HTML page a support engineer can
 * attach to a ticket, in the spirit of Eclipse MAT's leak-suspects report:
 * the interpreter and its GC state, the leak suspects first (each with its
 * labelled path from a root), the dominator tree (expandable, <details>
 * elements: no script needed) and the type histogram (sortable by a small
 * inline script). No network and no external asset: the page's CSP says
 * default-src 'none'. Every string from the target (type names, reprs,
 * labels, root names, paths) goes through rh_escape_html.
 *
 * Reads only the analyses and the snapshot (reprs and labels read the
 * target through the snapshot, as every report does).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/gcstate.h"
#include "report/analyses.h"
#include "report/escape.h"
#include "report/labels.h"
#include "report/listutil.h"

#define REPR_LEN 160
#define LABEL_LEN 256

struct html {
	FILE *f;
	struct rh_analysis *a;
	const struct rh_snapshot *s;
	/* dominator tree as first-child / next-sibling lists */
	uint32_t *first, *next;
	uint32_t top;           /* first child of the virtual root */
	unsigned width, depth;
	long budget;            /* dominator nodes left to write */
};

static void h(FILE *f, const char *str)
{
	rh_escape_html(f, str, strlen(str));
}

static void h_bytes(FILE *f, uint64_t b)
{
	char buf[32];
	rh_format_bytes(b, buf, sizeof(buf));
	fputs(buf, f);
}

/* <span class="obj">: address, type, repr */
static void h_obj(struct html *x, uint32_t i)
{
	const struct rh_snapshot *s = x->s;
	char repr[REPR_LEN];
	if (s->rt)
		rh_snapshot_repr(s, i, repr, sizeof(repr));
	else
		snprintf(repr, sizeof(repr), "?");
	fprintf(x->f, "<span class=\"obj\"><code class=\"addr\">0x%" PRIx64
		"</code> <span class=\"type\">", s->obj_addr[i]);
	h(x->f, rh_obj_type_name(s, i));
	fputs("</span> <span class=\"repr\">", x->f);
	h(x->f, repr);
	fputs("</span></span>", x->f);
}

/* The labelled path from a root to object idx, as <ol class="path">. */
static struct rh_error *h_path(struct html *x, uint32_t idx)
{
	const struct rh_snapshot *s = x->s;
	struct rh_analysis *a = x->a;
	struct rh_paths p = { 0 };
	struct rh_error *err = rh_paths_find(s, &a->rg, &a->reach, idx, 1, &p);
	if (err)
		return err;
	if (!p.npaths) {
		fputs("<p class=\"nopath\">no root reaches it</p>\n", x->f);
		rh_paths_free(&p);
		return NULL;
	}
	const struct rh_path *path = &p.paths[0];
	fputs("<ol class=\"path\">\n", x->f);
	for (uint32_t k = 0; k < path->len; k++) {
		char label[LABEL_LEN];
		fputs("<li>", x->f);
		if (k == 0) {
			if (path->root != UINT32_MAX && path->root < s->nroots) {
				const struct rh_snap_root *r = &s->roots[path->root];
				fprintf(x->f, "<span class=\"root\">%s root%s</span> <span class=\"label\">",
					rh_root_kind_name(r->kind),
					r->conservative ? " (conservative)" : "");
				h(x->f, r->name ? r->name : "?");
				fputs("</span>", x->f);
			} else {
				uint32_t o = path->objs[0];
				fprintf(x->f, "<span class=\"root\">held from outside the heap</span> "
					"<span class=\"label\">refcount %" PRIu32 ", %" PRIu32
					" references found: C code or a leak</span>",
					s->obj_refcnt[o], rh_reach_found(&a->reach, o));
			}
		} else {
			rh_edge_label(s, path->objs[k - 1], path->objs[k], label, sizeof(label));
			fputs("<span class=\"label\">", x->f);
			h(x->f, label);
			fputs("</span>", x->f);
		}
		fputs(" &#8594; ", x->f);
		h_obj(x, path->objs[k]);
		fputs("</li>\n", x->f);
	}
	fputs("</ol>\n", x->f);
	rh_paths_free(&p);
	return NULL;
}

static void h_head(struct html *x)
{
	const struct rh_snapshot *s = x->s;
	FILE *f = x->f;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>refheap report: ", f);
	h(f, s->target_name ? s->target_name : "?");
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;max-width:80em}\n"
	      "h1{font-size:1.5em;margin:0 0 .3em}h2{border-bottom:2px solid #3465a4;padding-bottom:.2em;margin-top:1.6em}\n"
	      "table{border-collapse:collapse}td,th{padding:.15em .6em;text-align:left;vertical-align:top}\n"
	      "th{background:#eef2f7}tr:nth-child(even) td{background:#f8f9fb}\n"
	      ".num{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "code,.addr{font-family:ui-monospace,monospace;font-size:.92em}\n"
	      ".type{font-weight:600;color:#204a87}.repr{color:#555}.label{color:#8f5902;font-family:ui-monospace,monospace}\n"
	      ".root{color:#4e9a06;font-weight:600}.suspect{border-left:4px solid #cc0000;padding:.3em .8em;margin:.8em 0;background:#fff8f8}\n"
	      ".suspect.cycle{border-color:#f57900;background:#fffaf3}.suspect.set{border-color:#3465a4;background:#f6f9fd}\n"
	      "ol.path{margin:.3em 0;padding-left:1.6em}ol.path li{margin:.1em 0}\n"
	      "details.dom{margin-left:1.2em}details.dom>summary{cursor:pointer}div.leaf{margin-left:2.4em}\n"
	      ".size{display:inline-block;min-width:6.5em;text-align:right;font-variant-numeric:tabular-nums;margin-right:.5em}\n"
	      "th.sortable{cursor:pointer;user-select:none}th.sortable:after{content:' \\2195';color:#999}\n"
	      ".note{color:#555;font-size:.92em}\n"
	      "</style>\n</head>\n<body>\n<h1>refheap report</h1>\n<p class=\"note\">", f);
	h(f, s->target_name ? s->target_name : "?");
	if (s->live)
		fputs(" (live process)", f);
	else
		fprintf(f, " (core of pid %d)", s->pid);
	fputs(", written by " PACKAGE_STRING ". Sizes are sys.getsizeof(); <em>retained</em>: "
	      "what freeing the object would free (dominator tree).</p>\n", f);
}

static void h_interp(struct html *x)
{
	const struct rh_snapshot *s = x->s;
	FILE *f = x->f;
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < s->nobjects; i++)
		bytes += rh_snapshot_size(s, i);
	fputs("<section id=\"interpreter\">\n<h2>Interpreter</h2>\n<table>\n<tr><th>Python</th><td>", f);
	h(f, s->python_version ? s->python_version : "?");
	fputs(" in ", f);
	h(f, s->python_module ? s->python_module : "?");
	fputs("</td></tr>\n<tr><th>build-id</th><td><code>", f);
	h(f, s->build_id[0] ? s->build_id : "none");
	fputs("</code></td></tr>\n<tr><th>debug info</th><td><code>", f);
	h(f, s->debug_file ? s->debug_file : "?");
	fprintf(f, "</code></td></tr>\n<tr><th>objects</th><td>%" PRIu32 " objects, ", s->nobjects);
	h_bytes(f, bytes);
	fprintf(f, ", %" PRIu64 " references, %zu roots</td></tr>\n</table>\n", s->nedges, s->nroots);
	for (size_t in = 0; in < s->ninterps; in++) {
		const struct rh_snap_interp *it = &s->interps[in];
		const struct rh_snap_gc *gc = &it->gc;
		fprintf(f, "<h3>Interpreter %" PRId64 "%s, %zu thread%s</h3>\n", it->id,
			it->main ? " (main)" : "", it->nthreads, it->nthreads == 1 ? "" : "s");
		if (it->gc_owner != in) {
			fputs("<p>Shares the GC of the main interpreter.</p>\n", f);
			continue;
		}
		fprintf(f, "<p>GC %s%s.</p>\n", gc->enabled ? "enabled" : "<strong>disabled</strong> (gc.disable())",
			gc->collecting ? ", a collection is running" : "");
		if (gc->model == RH_SNAP_GC_INCREMENTAL)
			fprintf(f, "<p>Incremental collector (CPython 3.14.0-3.14.4): phase %s, "
				"visited space old[%d], work_to_do %" PRId64 ".</p>\n",
				gc->phase == RH_SNAP_GC_PHASE_MARK ? "mark" : "collect",
				gc->visited_space & 1, gc->work_to_do);
		fprintf(f, "<table class=\"gc\"><tr><th>%s</th><th class=\"num\">count</th>"
			"<th class=\"num\">threshold</th><th>next collection</th></tr>\n",
			gc->model == RH_SNAP_GC_INCREMENTAL ? "list" : "generation");
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			struct rh_gc_why w;
			rh_gc_why_not(gc, rh_gcsim_rank(gc, g), &w);
			fputs("<tr><td>", f);
			h(f, gc->model == RH_SNAP_GC_INCREMENTAL ? rh_gc_list_name(gc, g)
								 : rh_gc_list_short(gc, g));
			fprintf(f, "</td><td class=\"num\">%" PRId64 "</td><td class=\"num\">%"
				PRId64 "</td><td>", gc->gens[g].count, gc->gens[g].threshold);
			h(f, w.text);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
		if (gc->garbage_len >= 0)
			fprintf(f, "<p>gc.garbage: %" PRId64 " objects.</p>\n", gc->garbage_len);
	}
	fputs("</section>\n", f);
}

static struct rh_error *h_suspects(struct html *x, unsigned top)
{
	struct rh_analysis *a = x->a;
	const struct rh_snapshot *s = x->s;
	FILE *f = x->f;
	struct rh_suspects sx;
	struct rh_error *err = rh_suspects_gather(a, top, &sx);
	if (err)
		return err;
	fputs("<section id=\"suspects\">\n<h2>Leak suspects</h2>\n", f);
	fprintf(f, "<h3 id=\"unaccounted\">Unaccounted references: %" PRIu64 " objects</h3>\n"
		"<p class=\"note\">The refcount exceeds every reference found, and no live object "
		"holds them: leaked, or held from memory refheap cannot type (%" PRIu64 " with no "
		"word anywhere in the core pointing at them, listed first; the others name "
		"candidate holders, which may be stale copies).</p>\n", sx.nleaks, sx.norphans);
	for (size_t k = 0; k < sx.nleaks_shown && !err; k++) {
		uint32_t i = sx.leaks[k].obj;
		fprintf(f, "<div class=\"suspect leak\" data-addr=\"0x%" PRIx64 "\">\n<p>", s->obj_addr[i]);
		h_obj(x, i);
		fprintf(f, "<br>refcount %" PRIu32 ", %" PRIu32 " references found (%" PRId64
			" unexplained), retains ", s->obj_refcnt[i], rh_reach_found(&a->reach, i),
			sx.leaks[k].excess);
		h_bytes(f, a->retained[i]);
		fputs("</p>\n", f);
		const struct rh_native_holders *hs = &sx.holders[k];
		if (!hs->n)
			fputs("<p class=\"note\">No native stack word or C static points at it: a "
			      "reference taken and never released (a missing Py_DECREF), or held "
			      "from a malloc'd C structure.</p>\n", f);
		for (uint32_t j = 0; j < hs->n; j++) {
			fputs("<p>candidate holder: ", f);
			if (hs->h[j].name) {
				h(f, hs->h[j].name);
			} else if (hs->h[j].obj < s->nobjects) {
				fputs("a pointer inside ", f);
				h_obj(x, hs->h[j].obj);
			}
			fputs("</p>\n", f);
		}
		err = h_path(x, i);
		fputs("</div>\n", f);
	}
	// Not suspects: counts that live objects of types refheap cannot read
	// (C extension, mypyc, Cython objects) explain.
	fprintf(f, "<h3 id=\"native\">Held by native code (not suspects): %" PRIu64
		" objects, ", sx.nnative);
	h_bytes(f, sx.native_bytes);
	fputs("</h3>\n<p class=\"note\">Their refcount exceeds the references found, and "
	      "live objects' memory where refheap reads no reference (C extension, mypyc or "
	      "Cython objects; fields a type's traverse does not visit) points at them.</p>\n", f);
	for (size_t k = 0; k < sx.nnative_shown; k++) {
		uint32_t i = sx.native[k].obj;
		fprintf(f, "<div class=\"suspect native\" data-addr=\"0x%" PRIx64 "\">\n<p>",
			s->obj_addr[i]);
		h_obj(x, i);
		const struct rh_native_holders *hs = &sx.native_holders[k];
		for (uint32_t j = 0; j < hs->n && j < 2; j++) {
			fputs("<br>held by: ", f);
			if (hs->h[j].name)
				h(f, hs->h[j].name);
			else if (hs->h[j].obj < s->nobjects)
				h_obj(x, hs->h[j].obj);
		}
		fputs("</p>\n</div>\n", f);
	}
	fprintf(f, "<h3 id=\"garbage\">Cyclic garbage not collected yet: %zu of %" PRIu32
		" components, %" PRIu64 " objects, ", sx.ncycles, a->v.ncomps, sx.garbage_objects);
	h_bytes(f, sx.garbage_bytes);
	fputs("</h3>\n", f);
	for (size_t k = 0; k < sx.ncycles && !err; k++) {
		const struct rh_suspect_cycle *cv = &sx.cycles[k];
		const struct rh_garbage_comp *gc = &a->v.comps[cv->id];
		fputs("<div class=\"suspect cycle\">\n<p><strong>", f);
		h_bytes(f, gc->bytes + gc->held_bytes);
		fprintf(f, "</strong>: %" PRIu64 " objects in the cycle, holding %" PRIu64
			" more. ", gc->members, gc->held);
		if (gc->frozen)
			fputs("Frozen (gc.freeze()): gc.unfreeze() first.", f);
		else if (gc->youngest >= 0) {
			char t[256];
			rh_gc_run_text(rh_gc_state_of_interp(s, gc->interp), gc->youngest, t, sizeof(t));
			h(f, t);
			fputs(".", f);
		}
		fputs("</p>\n", f);
		if (cv->have_why) {
			fputs("<p>Why not collected yet: ", f);
			h(f, cv->why.text);
			fputs("</p>\n", f);
		}
		fputs("<p class=\"note\">No root reaches it; its members:</p>\n<ul>\n", f);
		for (uint32_t m = 0; m < cv->nmembers; m++) {
			fputs("<li>", f);
			h_obj(x, cv->members[m]);
			fputs("</li>\n", f);
		}
		if (gc->members > cv->nmembers)
			fprintf(f, "<li>&#8230; %" PRIu64 " more</li>\n", gc->members - cv->nmembers);
		fputs("</ul>\n</div>\n", f);
	}
	fputs("<h3 id=\"retained\">Largest retained sets</h3>\n<p class=\"note\">Where memory "
	      "accumulates; interpreter infrastructure (modules, classes) left out.</p>\n", f);
	for (size_t k = 0; k < sx.nsets && !err; k++) {
		uint32_t i = sx.sets[k];
		fprintf(f, "<div class=\"suspect set\" data-addr=\"0x%" PRIx64 "\">\n<p><strong>",
			s->obj_addr[i]);
		h_bytes(f, a->retained[i]);
		fputs("</strong> retained by ", f);
		h_obj(x, i);
		fputs("</p>\n", f);
		err = h_path(x, i);
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
	rh_suspects_free(&sx);
	return err;
}

static int retained_rank(const void *arg, uint32_t a, uint32_t b)
{
	const uint64_t *r = arg;
	if (r[a] != r[b])
		return r[a] > r[b] ? 1 : -1;
	return a < b ? 1 : -1;
}

/* Children of a dominator node (UINT32_MAX: the virtual root), biggest first. */
static struct rh_error *dom_children(struct html *x, uint32_t node, unsigned width,
				     struct rh_topn *t, uint64_t *nkids, uint64_t *kid_bytes)
{
	struct rh_error *err = rh_topn_init(t, width, width, retained_rank, x->a->retained);
	if (err)
		return err;
	*nkids = *kid_bytes = 0;
	for (uint32_t c = node == UINT32_MAX ? x->top : x->first[node]; c != UINT32_MAX;
	     c = x->next[c]) {
		rh_topn_add(t, c);
		(*nkids)++;
		*kid_bytes += x->a->retained[c];
	}
	rh_topn_finish(t);
	return NULL;
}

static struct rh_error *dom_node(struct html *x, uint32_t i, unsigned depth)
{
	FILE *f = x->f;
	const struct rh_snapshot *s = x->s;
	x->budget--;
	bool kids = x->first[i] != UINT32_MAX;
	if (!kids || depth >= x->depth || x->budget <= 0) {
		fprintf(f, "<div class=\"leaf\" data-addr=\"0x%" PRIx64 "\"><span class=\"size\">", s->obj_addr[i]);
		h_bytes(f, x->a->retained[i]);
		fputs("</span>", f);
		h_obj(x, i);
		if (kids)
			fprintf(f, " <span class=\"note\">(dominates more: refheap dominators, "
				"refheap why 0x%" PRIx64 ")</span>", s->obj_addr[i]);
		fputs("</div>\n", f);
		return NULL;
	}
	fprintf(f, "<details class=\"dom\" data-addr=\"0x%" PRIx64 "\"><summary><span class=\"size\">",
		s->obj_addr[i]);
	h_bytes(f, x->a->retained[i]);
	fputs("</span>", f);
	h_obj(x, i);
	fputs("</summary>\n", f);
	struct rh_topn t;
	uint64_t nkids, kid_bytes;
	struct rh_error *err = dom_children(x, i, x->width, &t, &nkids, &kid_bytes);
	if (err)
		return err;
	for (size_t k = 0; k < t.n && !err; k++)
		err = dom_node(x, t.items[k], depth + 1);
	if (!err && nkids > t.n)
		fprintf(f, "<div class=\"leaf note\">&#8230; %" PRIu64 " more objects it dominates</div>\n",
			nkids - t.n);
	fputs("</details>\n", f);
	rh_topn_free(&t);
	return err;
}

static struct rh_error *h_domtree(struct html *x)
{
	const struct rh_snapshot *s = x->s;
	const struct rh_domtree *t = &x->a->dom;
	uint32_t n = s->nobjects;
	FILE *f = x->f;
	x->first = malloc((n ? n : 1) * sizeof(*x->first));
	x->next = malloc((n ? n : 1) * sizeof(*x->next));
	if (!x->first || !x->next)
		return rh_enomem;
	memset(x->first, 0xff, (size_t)n * sizeof(*x->first));
	memset(x->next, 0xff, (size_t)n * sizeof(*x->next));
	x->top = UINT32_MAX;
	for (uint32_t k = t->nreached; k-- > 0;) {
		uint32_t v = t->order[k];
		if (v >= n)
			continue;
		uint32_t p = t->idom[v];
		if (p == RH_DOM_ROOT) {
			x->next[v] = x->top;
			x->top = v;
		} else if (p < n) {
			x->next[v] = x->first[p];
			x->first[p] = v;
		}
	}
	fputs("<section id=\"dominators\">\n<h2>Dominator tree</h2>\n<p class=\"note\">Each object "
	      "with what it alone keeps alive (retained size); expand a node to see the objects it "
	      "dominates, biggest first.</p>\n<div id=\"domtree\">\n", f);
	struct rh_topn top;
	uint64_t nkids, kid_bytes;
	struct rh_error *err = dom_children(x, UINT32_MAX, x->width * 2, &top, &nkids, &kid_bytes);
	if (err)
		return err;
	for (size_t k = 0; k < top.n && !err; k++)
		err = dom_node(x, top.items[k], 1);
	if (!err && nkids > top.n)
		fprintf(f, "<div class=\"leaf note\">&#8230; %" PRIu64 " more top-level objects</div>\n",
			nkids - top.n);
	rh_topn_free(&top);
	fputs("</div>\n</section>\n", f);
	return err;
}

static int type_rank(const void *arg, uint32_t a, uint32_t b)
{
	const struct rh_type_row *r = arg;
	if (r[a].retained != r[b].retained)
		return r[a].retained > r[b].retained ? 1 : -1;
	if (r[a].bytes != r[b].bytes)
		return r[a].bytes > r[b].bytes ? 1 : -1;
	return a < b ? 1 : -1;
}

static struct rh_error *h_types(struct html *x, unsigned max)
{
	const struct rh_snapshot *s = x->s;
	FILE *f = x->f;
	struct rh_type_row *rows = calloc(s->ntypes ? s->ntypes : 1, sizeof(*rows));
	if (!rows)
		return rh_enomem;
	struct rh_topn top;
	struct rh_error *err = rh_type_rows(x->a, rows);
	if (!err)
		err = rh_topn_init(&top, max, s->ntypes, type_rank, rows);
	if (err) {
		free(rows);
		return err;
	}
	uint64_t ntypes = 0;
	for (uint32_t t = 0; t < s->ntypes; t++)
		if (rows[t].count) {
			ntypes++;
			rh_topn_add(&top, t);
		}
	rh_topn_finish(&top);
	fprintf(f, "<section id=\"types\">\n<h2>Types</h2>\n<p class=\"note\">%zu of %" PRIu64
		" types, by retained size; click a column to sort. Retained: what freeing every "
		"object of the type would free (an object dominated by another of its type is "
		"counted once, in it). ~: the type's size is not known exactly.</p>\n"
		"<table id=\"types-table\">\n<thead><tr><th class=\"sortable\" data-kind=\"text\">type</th>"
		"<th class=\"sortable\" data-kind=\"text\">module</th>"
		"<th class=\"sortable num\" data-kind=\"num\">count</th>"
		"<th class=\"sortable num\" data-kind=\"num\">shallow</th>"
		"<th class=\"sortable num\" data-kind=\"num\">retained</th></tr></thead>\n<tbody>\n",
		top.n, ntypes);
	for (size_t k = 0; k < top.n; k++) {
		uint32_t t = top.items[k];
		char mod[160];
		rh_type_module(s, t, mod, sizeof(mod));
		fputs("<tr><td class=\"type\">", f);
		h(f, s->types[t].name);
		fputs("</td><td>", f);
		h(f, mod);
		fprintf(f, "</td><td class=\"num\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>"
			"<td class=\"num\" data-v=\"%" PRIu64 "\">%s", rows[t].count, rows[t].count,
			rows[t].bytes, s->types[t].size_exact ? "" : "~");
		h_bytes(f, rows[t].bytes);
		fprintf(f, "</td><td class=\"num\" data-v=\"%" PRIu64 "\">", rows[t].retained);
		h_bytes(f, rows[t].retained);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
	rh_topn_free(&top);
	free(rows);
	return NULL;
}

/* Sorting the type table: click a header; again to reverse. */
static const char script[] =
	"<script>\n"
	"(function () {\n"
	"  var table = document.getElementById('types-table');\n"
	"  if (!table) return;\n"
	"  var heads = table.tHead.rows[0].cells;\n"
	"  Array.prototype.forEach.call(heads, function (th, col) {\n"
	"    th.addEventListener('click', function () {\n"
	"      var body = table.tBodies[0];\n"
	"      var rows = Array.prototype.slice.call(body.rows);\n"
	"      var num = th.getAttribute('data-kind') === 'num';\n"
	"      var desc = th.getAttribute('aria-sort') !== 'descending';\n"
	"      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });\n"
	"      th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');\n"
	"      rows.sort(function (a, b) {\n"
	"        var x = a.cells[col], y = b.cells[col], c;\n"
	"        if (num) c = Number(x.getAttribute('data-v')) - Number(y.getAttribute('data-v'));\n"
	"        else c = x.textContent.localeCompare(y.textContent);\n"
	"        return desc ? -c : c;\n"
	"      });\n"
	"      rows.forEach(function (r) { body.appendChild(r); });\n"
	"    });\n"
	"  });\n"
	"})();\n"
	"</script>\n";

struct rh_error *rh_report_html(FILE *f, struct rh_analysis *a, const struct rh_html_options *opts)
{
	const struct rh_snapshot *s = a->s;
	unsigned need = RH_NEED_VERDICTS | RH_NEED_DOMINATORS | RH_NEED_REFERRERS;
	if ((a->have & need) != need || !s->have_graph)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "the HTML report needs the graph, verdicts, dominators and referrers");
	struct html x = {
		.f = f, .a = a, .s = s,
		.width = opts && opts->tree_width ? opts->tree_width : 12,
		.depth = opts && opts->tree_depth ? opts->tree_depth : 5,
		.budget = 3000,
	};
	unsigned top = opts && opts->top ? opts->top : 10;
	unsigned types = opts ? opts->types : 200;
	h_head(&x);
	fputs("<nav class=\"note\">Contents: <a href=\"#interpreter\">interpreter</a> &#183; "
	      "<a href=\"#suspects\">leak suspects</a> &#183; <a href=\"#dominators\">dominator "
	      "tree</a> &#183; <a href=\"#types\">types</a></nav>\n", f);
	h_interp(&x);
	struct rh_error *err = h_suspects(&x, top);
	if (!err)
		err = h_domtree(&x);
	if (!err)
		err = h_types(&x, types);
	fputs(script, f);
	fputs("</body>\n</html>\n", f);
	free(x.first);
	free(x.next);
	return err;
}
