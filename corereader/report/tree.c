/*
 * `refheap refs` and `refheap referrers`: the references of an object (or
 * its referrers) as a tree, objgraph's show_refs / show_backrefs in text,
 * JSON or Graphviz DOT.
 *
 * The tree is a depth-first walk from the object: children are its
 * references in edge order (tp_traverse order), or its referrers. An object
 * is expanded the first time it is printed; later it is marked "seen
 * above" (in DOT, the edge goes to the node already drawn), which cuts
 * cycles and bounds the output by the heap. At most `width` children are
 * shown per object, then "... N more"; the walk stops `depth` levels
 * below the object.
 *
 * --type T keeps the branches that lead, within the depth, to an object
 * whose tp_name is exactly T: a breadth-first search from the object
 * bounded by the depth finds the objects the tree can reach, then a
 * search back from those of type T gives each its distance to one; a
 * child at level d is kept when that distance is at most depth - d.
 * Linear in the objects and references within the depth.
 *
 * Labels: for refs, the label of each reference (one read of the object
 * for all its shown children); for referrers, the label of the reference
 * the referrer holds (rh_edge_label). Borrowed references are shown and
 * say so; conservative ones (pointers found in an unknown type) too.
 *
 * JSON (one object):
 *   {"target", "direction": "refs"|"referrers", "depth", "width",
 *    "type": T|null, "matched": bool (false: no object of type T within
 *    the depth), "nodes": lines printed, "tree": NODE}
 *   NODE = {"addr", "type", "size", "repr",
 *           "edge": label (absent at the top),
 *           "borrowed", "conservative" (bools, on the edge; absent at top),
 *           "seen": bool (printed above: not expanded again),
 *           "root": {"kind", "name", "conservative"} (referrers: held
 *                   directly by that root),
 *           "external": bool (referrers: held from outside the heap),
 *           "children": [NODE...],
 *           "more": children not shown (beyond the width, or all of them
 *                   at the depth limit)}
 * DOT: one node per object ("type\naddr\nrepr"), edges in the direction
 * of the reference, labelled; roots as boxes; "N more" as plain text.
 * Output to a file ending .svg/.png/.pdf writes FILE.dot and renders it
 * with graphviz's dot when it is installed (spawned without a shell).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/analyses.h"
#include "report/escape.h"
#include "report/json.h"
#include "report/labels.h"
#include "report/listutil.h"
#include "util/outfile.h"

extern char **environ;

#define LABEL_MAX 160
#define REPR_MAX 120

enum fmt { FMT_TEXT, FMT_JSON, FMT_DOT };

/* mark bits per object */
#define M_PRINTED 1u
#define M_BALL 2u
#define M_DECLARED 4u

struct level {
	uint32_t obj;
	uint32_t n, next;     /* children prepared / started */
	uint64_t more;        /* children not shown */
	uint32_t cap;
	uint32_t *kid;
	uint32_t *kflags;     /* RH_EDGE_* bits of the reference */
	uint32_t *kedge;      /* refs: the edge index */
	char (*label)[LABEL_MAX];
};

struct tree {
	struct rh_analysis *a;
	const struct rh_snapshot *s;
	bool back;            /* referrers */
	unsigned depth;
	uint32_t width;
	enum fmt fmt;
	FILE *f;
	const char *type;     /* filter, exact tp_name */
	uint8_t *mark;
	uint32_t *dist;       /* with a filter: distance to an object of type T */
	struct level *levels;
	unsigned nlevels;
	uint64_t nodes;
	uint64_t more_nodes;  /* DOT: "more" node ids */
	struct rh_error *err;
};

/* ------------------------------------------------------------------ */
/* children                                                            */

static uint32_t degree(const struct tree *t, uint32_t x)
{
	if (t->back)
		return t->a->rg.start[x + 1] - t->a->rg.start[x];
	return t->s->edge_start[x + 1] - t->s->edge_start[x];
}

/* The word of child k of x (object index | RH_EDGE_* flags). */
static inline uint32_t child_word(const struct tree *t, uint32_t x, uint32_t k)
{
	if (t->back)
		return t->a->rg.src[t->a->rg.start[x] + k];
	return t->s->edges[t->s->edge_start[x] + k];
}

static bool level_reserve(struct level *L, uint32_t n)
{
	if (n <= L->cap)
		return true;
	uint32_t cap = L->cap ? L->cap : 16;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? n : cap * 2;
	uint32_t *kid = realloc(L->kid, (size_t)cap * sizeof(*kid));
	if (kid)
		L->kid = kid;
	uint32_t *kflags = realloc(L->kflags, (size_t)cap * sizeof(*kflags));
	if (kflags)
		L->kflags = kflags;
	uint32_t *kedge = realloc(L->kedge, (size_t)cap * sizeof(*kedge));
	if (kedge)
		L->kedge = kedge;
	char (*label)[LABEL_MAX] = realloc(L->label, (size_t)cap * sizeof(*label));
	if (label)
		L->label = label;
	if (!kid || !kflags || !kedge || !label)
		return false;
	L->cap = cap;
	return true;
}

static bool keep(const struct tree *t, uint32_t c, unsigned level)
{
	if (!t->type)
		return true;
	return t->dist[c] != UINT32_MAX && t->dist[c] <= t->depth - level;
}

struct label_fill {
	struct level *L;
	uint32_t k;
};

static int label_cb(void *arg, uint64_t edge, const char *label)
{
	struct label_fill *c = arg;
	struct level *L = c->L;
	while (c->k < L->n && L->kedge[c->k] < edge)
		c->k++;
	if (c->k >= L->n)
		return 1;
	if (L->kedge[c->k] == edge) {
		snprintf(L->label[c->k], LABEL_MAX, "%s", label);
		c->k++;
	}
	return c->k >= L->n;
}

/* Children of x, which is printed at `level`: those kept, the first width. */
static bool prepare(struct tree *t, struct level *L, uint32_t x, unsigned level)
{
	const struct rh_snapshot *s = t->s;
	L->obj = x;
	L->n = L->next = 0;
	L->more = 0;
	uint32_t deg = degree(t, x), prev = UINT32_MAX;
	for (uint32_t k = 0; k < deg; k++) {
		uint32_t w = child_word(t, x, k), c = w & RH_EDGE_INDEX_MASK;
		if (c >= s->nobjects)
			continue;
		// A referrer holding several references to x: once.
		if (t->back && c == prev)
			continue;
		prev = c;
		if (!keep(t, c, level + 1))
			continue;
		if (L->n >= t->width) {
			L->more++;
			continue;
		}
		if (!level_reserve(L, L->n + 1))
			return false;
		L->kid[L->n] = c;
		L->kflags[L->n] = w & RH_EDGE_FLAGS;
		L->kedge[L->n] = t->back ? 0 : s->edge_start[x] + k;
		L->label[L->n][0] = 0;
		L->n++;
	}
	if (t->back) {
		for (uint32_t k = 0; k < L->n; k++)
			rh_edge_label(s, L->kid[k], x, L->label[k], LABEL_MAX);
		return true;
	}
	if (L->n && s->rt) {
		struct label_fill c = { L, 0 };
		rh_error_destroy(rh_snapshot_edge_labels(s, x, label_cb, &c));
	}
	for (uint32_t k = 0; k < L->n; k++) {
		char *b = L->label[k];
		if (!b[0])
			snprintf(b, LABEL_MAX, "%s#%u",
				 (L->kflags[k] & RH_EDGE_CONSERVATIVE) ? "pointer" : "ref",
				 L->kedge[k] - s->edge_start[x]);
		if (L->kflags[k] & RH_EDGE_BORROWED) {
			size_t l = strlen(b);
			snprintf(b + l, LABEL_MAX - l, " (borrowed)");
		}
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* the type filter                                                     */

static struct rh_error *filter_build(struct tree *t, uint32_t root)
{
	const struct rh_snapshot *s = t->s;
	uint32_t n = s->nobjects;
	uint32_t *q = malloc((n ? n : 1) * sizeof(*q));
	uint32_t *q2 = malloc((n ? n : 1) * sizeof(*q2));
	uint8_t *match = calloc(s->ntypes ? s->ntypes : 1, 1);
	t->dist = malloc((n ? n : 1) * sizeof(*t->dist));
	if (!q || !q2 || !match || !t->dist) {
		free(q);
		free(q2);
		free(match);
		return rh_enomem;
	}
	for (uint32_t ty = 0; ty < s->ntypes; ty++)
		match[ty] = strcmp(s->types[ty].name, t->type) == 0;
	memset(t->dist, 0xff, (size_t)n * sizeof(*t->dist));
	// What the tree can reach: breadth-first, depth levels.
	uint32_t head = 0, tail = 0;
	q[tail++] = root;
	t->mark[root] |= M_BALL;
	for (unsigned lv = 0; lv < t->depth && head < tail; lv++) {
		uint32_t end = tail;
		for (; head < end; head++) {
			uint32_t x = q[head], deg = degree(t, x);
			for (uint32_t k = 0; k < deg; k++) {
				uint32_t c = child_word(t, x, k) & RH_EDGE_INDEX_MASK;
				if (c < n && !(t->mark[c] & M_BALL)) {
					t->mark[c] |= M_BALL;
					q[tail++] = c;
				}
			}
		}
	}
	// Back from the objects of type T, within what the tree reaches.
	uint32_t h2 = 0, t2 = 0;
	for (uint32_t k = 0; k < tail; k++)
		if (match[s->obj_type[q[k]]]) {
			t->dist[q[k]] = 0;
			q2[t2++] = q[k];
		}
	const struct rh_rgraph *rg = &t->a->rg;
	while (h2 < t2) {
		uint32_t y = q2[h2++], d = t->dist[y];
		if (d >= t->depth)
			continue;
		// Parents of y in the tree: referrers of y (refs), or the
		// objects y references (referrers).
		uint32_t b = t->back ? s->edge_start[y] : rg->start[y];
		uint32_t e = t->back ? s->edge_start[y + 1] : rg->start[y + 1];
		for (uint32_t k = b; k < e; k++) {
			uint32_t x = (t->back ? s->edges[k] : rg->src[k]) & RH_EDGE_INDEX_MASK;
			if (x < n && (t->mark[x] & M_BALL) && t->dist[x] == UINT32_MAX) {
				t->dist[x] = d + 1;
				q2[t2++] = x;
			}
		}
	}
	// The marks are reused for printing.
	for (uint32_t k = 0; k < tail; k++)
		t->mark[q[k]] &= (uint8_t)~M_BALL;
	free(q);
	free(q2);
	free(match);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* output                                                              */

/* A DOT double-quoted string body: the one escaping rule (escape.h). */
static void dot_str(FILE *f, const char *str)
{
	rh_escape_dot(f, str, strlen(str));
}

static void json_str(FILE *f, const char *s)
{
	rh_escape_json(f, s, strlen(s));
}

static void indent(FILE *f, unsigned level)
{
	for (unsigned k = 0; k < level; k++)
		fputs("  ", f);
}

static bool external_holder(const struct tree *t, uint32_t x)
{
	const struct rh_reach *r = &t->a->reach;
	return r->tier[x] == RH_TIER_EXTERNAL && r->parent[x] == RH_REACH_SOURCE;
}

static void dot_declare(struct tree *t, uint32_t x, bool top)
{
	const struct rh_snapshot *s = t->s;
	FILE *f = t->f;
	if (t->mark[x] & M_DECLARED)
		return;
	t->mark[x] |= M_DECLARED;
	char repr[REPR_MAX], size[32];
	rh_snapshot_repr(s, x, repr, sizeof(repr));
	rh_format_bytes(rh_snapshot_size(s, x), size, sizeof(size));
	fprintf(f, "  n%" PRIu32 " [label=\"", x);
	dot_str(f, rh_obj_type_name(s, x));
	fprintf(f, "\\n0x%" PRIx64 "\\n", s->obj_addr[x]);
	dot_str(f, repr);
	fprintf(f, "\\n%s\"%s];\n", size, top ? ", style=filled, fillcolor=lightblue" : "");
	if (!t->back)
		return;
	uint32_t b = rh_reach_best_root(&t->a->reach, x);
	if (b != UINT32_MAX) {
		const struct rh_snap_root *r = &s->roots[b];
		fprintf(f, "  r%" PRIu32 " [shape=box, style=filled, fillcolor=lightyellow, "
			"label=\"%s root%s\\n", x, rh_root_kind_name(r->kind),
			r->conservative ? " (conservative)" : "");
		dot_str(f, r->name);
		fprintf(f, "\"];\n  r%" PRIu32 " -> n%" PRIu32 ";\n", x, x);
	} else if (external_holder(t, x)) {
		fprintf(f, "  r%" PRIu32 " [shape=box, style=dashed, label=\"held from outside "
			"the heap\\nrefcount %" PRIu32 ", %" PRIu32 " found\"];\n"
			"  r%" PRIu32 " -> n%" PRIu32 ";\n", x, s->obj_refcnt[x],
			rh_reach_found(&t->a->reach, x), x, x);
	}
}

/*
 * Print node x at `level`, reached through child k of level L (the
 * parent's; NULL for the top). Its children, if any, follow; node_end()
 * closes it.
 */
static void node_begin(struct tree *t, uint32_t x, unsigned level, const struct level *L,
		       uint32_t k, bool seen)
{
	const struct rh_snapshot *s = t->s;
	FILE *f = t->f;
	char repr[REPR_MAX], size[32];
	t->nodes++;
	uint32_t flags = L ? L->kflags[k] : 0;
	const char *label = L ? L->label[k] : NULL;
	uint32_t b = t->back ? rh_reach_best_root(&t->a->reach, x) : UINT32_MAX;
	bool ext = t->back && external_holder(t, x);
	switch (t->fmt) {
	case FMT_TEXT:
		indent(f, level);
		if (label) {
			rh_print_str(f, label);
			fputs(t->back ? " of " : " -> ", f);
		}
		rh_print_obj(f, s, x);
		rh_snapshot_repr(s, x, repr, sizeof(repr));
		rh_format_bytes(rh_snapshot_size(s, x), size, sizeof(size));
		fputs("  ", f);
		rh_print_str(f, repr);
		fprintf(f, "  %s", size);
		if (flags & RH_EDGE_CONSERVATIVE)
			fputs(" [conservative]", f);
		if (seen) {
			fputs(" (seen above)\n", f);
			break;
		}
		if (b != UINT32_MAX) {
			const struct rh_snap_root *r = &s->roots[b];
			fprintf(f, " [%s root%s: ", rh_root_kind_name(r->kind),
				r->conservative ? " (conservative)" : "");
			rh_print_str(f, r->name);
			fputc(']', f);
		} else if (ext) {
			fprintf(f, " [held from outside the heap: refcount %" PRIu32 ", %" PRIu32
				" references found]", s->obj_refcnt[x], rh_reach_found(&t->a->reach, x));
		}
		fputc('\n', f);
		break;
	case FMT_JSON:
		if (L && k > 0)
			fputc(',', f);
		fprintf(f, "{\"addr\":\"0x%" PRIx64 "\",\"type\":", s->obj_addr[x]);
		json_str(f, rh_obj_type_name(s, x));
		fprintf(f, ",\"size\":%" PRIu64 ",\"repr\":", rh_snapshot_size(s, x));
		rh_snapshot_repr(s, x, repr, sizeof(repr));
		json_str(f, repr);
		if (label) {
			fputs(",\"edge\":", f);
			json_str(f, label);
			fprintf(f, ",\"borrowed\":%s,\"conservative\":%s",
				(flags & RH_EDGE_BORROWED) ? "true" : "false",
				(flags & RH_EDGE_CONSERVATIVE) ? "true" : "false");
		}
		fprintf(f, ",\"seen\":%s", seen ? "true" : "false");
		if (b != UINT32_MAX) {
			const struct rh_snap_root *r = &s->roots[b];
			fprintf(f, ",\"root\":{\"kind\":\"%s\",\"name\":", rh_root_kind_name(r->kind));
			json_str(f, r->name);
			fprintf(f, ",\"conservative\":%s}", r->conservative ? "true" : "false");
		}
		if (t->back)
			fprintf(f, ",\"external\":%s", ext ? "true" : "false");
		fputs(",\"children\":[", f);
		break;
	case FMT_DOT:
		dot_declare(t, x, !L);
		if (L) {
			if (t->back)
				fprintf(f, "  n%" PRIu32 " -> n%" PRIu32, x, L->obj);
			else
				fprintf(f, "  n%" PRIu32 " -> n%" PRIu32, L->obj, x);
			fputs(" [label=\"", f);
			dot_str(f, label);
			fprintf(f, "\"%s];\n", (flags & (RH_EDGE_BORROWED | RH_EDGE_CONSERVATIVE))
						       ? ", style=dashed" : "");
		}
		break;
	}
}

/* Close node x: `more` children not shown. */
static void node_end(struct tree *t, uint32_t x, unsigned level, uint64_t more, bool list_more)
{
	FILE *f = t->f;
	switch (t->fmt) {
	case FMT_TEXT:
		if (more && list_more) {
			indent(f, level + 1);
			fprintf(f, "... %" PRIu64 " more\n", more);
		}
		break;
	case FMT_JSON:
		fprintf(f, "],\"more\":%" PRIu64 "}", more);
		break;
	case FMT_DOT:
		if (more && list_more) {
			uint64_t m = t->more_nodes++;
			fprintf(f, "  m%" PRIu64 " [shape=plaintext, label=\"... %" PRIu64
				" more\"];\n", m, more);
			if (t->back)
				fprintf(f, "  m%" PRIu64 " -> n%" PRIu32 " [style=dotted];\n", m, x);
			else
				fprintf(f, "  n%" PRIu32 " -> m%" PRIu64 " [style=dotted];\n", x, m);
		}
		break;
	}
}

/* Room for levels[0 .. n). */
static bool levels_reserve(struct tree *t, unsigned n)
{
	if (n <= t->nlevels)
		return true;
	unsigned cap = t->nlevels ? t->nlevels * 2 : 16;
	if (cap < n)
		cap = n;
	struct level *l = realloc(t->levels, (size_t)cap * sizeof(*l));
	if (!l)
		return false;
	memset(l + t->nlevels, 0, (size_t)(cap - t->nlevels) * sizeof(*l));
	t->levels = l;
	t->nlevels = cap;
	return true;
}

static struct rh_error *walk(struct tree *t, uint32_t root)
{
	unsigned depth = t->depth;
	t->mark[root] |= M_PRINTED;
	bool open = false;
	if (depth > 0) {
		if (!levels_reserve(t, 1) || !prepare(t, &t->levels[0], root, 0))
			return rh_enomem;
		open = t->levels[0].n || t->levels[0].more;
	}
	node_begin(t, root, 0, NULL, 0, false);
	if (!open) {
		node_end(t, root, 0, depth == 0 && !t->type ? degree(t, root) : 0, false);
		return NULL;
	}
	unsigned sp = 1;
	while (sp) {
		struct level *L = &t->levels[sp - 1];
		if (L->next < L->n) {
			uint32_t k = L->next++, c = L->kid[k];
			bool seen = (t->mark[c] & M_PRINTED) != 0;
			t->mark[c] |= M_PRINTED;
			bool expand = false;
			if (!seen && sp < depth) {
				if (!levels_reserve(t, sp + 1))
					return rh_enomem;
				L = &t->levels[sp - 1];
				if (!prepare(t, &t->levels[sp], c, sp))
					return rh_enomem;
				expand = t->levels[sp].n || t->levels[sp].more;
			}
			node_begin(t, c, sp, L, k, seen);
			if (expand) {
				sp++;
			} else {
				// At the depth limit: everything below is "more".
				uint64_t more = (!seen && sp >= depth && !t->type) ? degree(t, c) : 0;
				node_end(t, c, sp, more, false);
			}
		} else {
			node_end(t, L->obj, sp - 1, L->more, true);
			sp--;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* files and graphviz                                                  */

static const char *render_format(const char *path)
{
	static const char *const exts[] = { "svg", "png", "pdf" };
	const char *dot = path ? strrchr(path, '.') : NULL;
	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++)
		if (strcasecmp(dot + 1, exts[k]) == 0)
			return exts[k];
	return NULL;
}

static bool ends_with_dot(const char *path)
{
	size_t l = path ? strlen(path) : 0;
	return l >= 4 && strcasecmp(path + l - 4, ".dot") == 0;
}

/*
 * Run `dot -T<fmt> -o out in` without a shell. *missing: dot is not on
 * PATH. Its error output becomes the error's message.
 */
static struct rh_error *run_dot(const char *fmt, const char *in, const char *out,
				bool *missing)
{
	char tflag[16];
	snprintf(tflag, sizeof(tflag), "-T%s", fmt);
	char *argv[] = { "dot", tflag, "-o", (char *)out, (char *)in, NULL };
	int pipefd[2];
	*missing = false;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return rh_error_os(errno, NULL, "cannot run graphviz's dot");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		if (rc == ENOENT) {
			*missing = true;
			return NULL;
		}
		return rh_error_os(rc, "dot", "cannot run graphviz's dot");
	}
	char msg[512];
	size_t used = 0;
	for (;;) {
		char buf[512];
		ssize_t r = read(pipefd[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = (size_t)r < sizeof(msg) - 1 - used ? (size_t)r : sizeof(msg) - 1 - used;
		memcpy(msg + used, buf, take);
		used += take;
	}
	close(pipefd[0]);
	msg[used] = 0;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return rh_error_os(errno, "dot", "waiting for graphviz's dot");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	while (used && (msg[used - 1] == '\n' || msg[used - 1] == '\r'))
		msg[--used] = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		*missing = true;
		return NULL;
	}
	return rh_error_create(RH_ERR_OS, "graphviz's dot could not render %s from %s (%s %d)%s%s",
			       out, in, WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       used ? ": " : "", msg);
}

/* ------------------------------------------------------------------ */

static struct rh_error *write_tree(struct tree *t, uint32_t root)
{
	const struct rh_snapshot *s = t->s;
	FILE *f = t->f;
	bool matched = !t->type || t->dist[root] != UINT32_MAX;
	if (t->fmt == FMT_JSON) {
		fputs("{\"target\":", f);
		struct rh_json j;
		rh_json_init(&j, f, false);
		rh_json_target(&j, s->live, s->target_name, s->pid);
		fputs(",\"problems\":", f);
		struct rh_json jp;   // a fresh writer: no comma before the array
		rh_json_init(&jp, f, false);
		rh_json_problems(&jp, &s->problems);
		fprintf(f, ",\"direction\":\"%s\",\"depth\":%u,\"width\":%" PRIu32 ",\"type\":",
			t->back ? "referrers" : "refs", t->depth, t->width);
		if (t->type)
			json_str(f, t->type);
		else
			fputs("null", f);
		fprintf(f, ",\"matched\":%s,\"tree\":", matched ? "true" : "false");
	} else if (t->fmt == FMT_DOT) {
		fprintf(f, "digraph %s {\n  rankdir=%s;\n  node [shape=box, style=rounded, "
			"fontname=\"monospace\", fontsize=10];\n  edge [fontsize=9];\n",
			t->back ? "referrers" : "refs", t->back ? "BT" : "TB");
	}
	struct rh_error *err = NULL;
	if (matched) {
		err = walk(t, root);
	} else {
		node_begin(t, root, 0, NULL, 0, false);
		node_end(t, root, 0, 0, false);
		if (t->fmt == FMT_TEXT) {
			fputs("  (no ", f);
			fputs(t->back ? "referrer" : "reference", f);
			fputs(" of type '", f);
			rh_print_str(f, t->type);
			fprintf(f, "' within %u levels)\n", t->depth);
		}
	}
	if (err)
		return err;
	if (t->fmt == FMT_JSON)
		fprintf(f, ",\"nodes\":%" PRIu64 "}\n", t->nodes);
	else if (t->fmt == FMT_DOT)
		fputs("}\n", f);
	return NULL;
}

struct rh_error *rh_report_tree(FILE *f, struct rh_analysis *a, uint32_t idx,
				const struct rh_tree_options *opts)
{
	const struct rh_snapshot *s = a->s;
	struct rh_tree_options o = opts ? *opts : (struct rh_tree_options){ 0 };
	if (idx >= s->nobjects)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "no object #%" PRIu32, idx);
	if (!s->have_graph)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "a tree needs a snapshot with references");
	if (o.referrers && !(a->have & RH_NEED_REFERRERS))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "the referrers tree needs RH_NEED_REFERRERS");
	if (!(a->have & RH_NEED_REACH))
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "a tree needs RH_NEED_REACH");
	const char *render = render_format(o.output);
	bool dot = o.dot || render || ends_with_dot(o.output);
	struct tree t = {
		.a = a, .s = s, .back = o.referrers,
		.depth = o.depth < s->nobjects ? o.depth : s->nobjects,
		.width = o.width ? o.width : UINT32_MAX,
		.fmt = dot ? FMT_DOT : o.json ? FMT_JSON : FMT_TEXT,
		.type = o.type && *o.type ? o.type : NULL,
	};
	struct rh_error *err = NULL;
	char *dotpath = NULL;
	FILE *w = NULL;
	// -o files: written beside and renamed on success, never removed
	// on failure, devices and FIFOs in place (util/outfile.h).
	struct rh_outfile wf = { 0 }, rf = { 0 };
	t.mark = calloc(s->nobjects, 1);
	if (!t.mark) {
		err = rh_enomem;
		goto out;
	}
	if (t.type && (err = filter_build(&t, idx)))
		goto out;
	const char *path = o.output && *o.output ? o.output : NULL;
	if (render) {
		size_t stem = (size_t)(strrchr(path, '.') - path);
		dotpath = malloc(stem + 5);
		if (!dotpath) {
			err = rh_enomem;
			goto out;
		}
		memcpy(dotpath, path, stem);
		memcpy(dotpath + stem, ".dot", 5);
	}
	const char *file = dotpath ? dotpath : path;
	if (file) {
		if ((err = rh_outfile_open(&wf, file)))
			goto out;
		w = wf.f;
	}
	t.f = w ? w : f;
	err = write_tree(&t, idx);
	if (w) {
		if (err)
			rh_outfile_abort(&wf);
		else
			err = rh_outfile_commit(&wf);
		w = NULL;
	}
	if (err || !file)
		goto out;
	bool missing = false;
	if (render) {
		// dot writes a temporary beside the image, renamed on success
		if ((err = rh_outfile_reserve(&rf, path)))
			goto out;
		err = run_dot(render, dotpath, rf.write_path, &missing);
		if (err || missing)
			rh_outfile_abort(&rf);
		else
			err = rh_outfile_commit(&rf);
		if (err)
			goto out;
	}
	if (o.json) {
		struct rh_json j;
		rh_json_init(&j, f, false);
		rh_json_object_begin(&j);
		rh_json_key(&j, "output");
		rh_json_string(&j, render && missing ? dotpath : path);
		rh_json_key(&j, "dot");
		rh_json_string(&j, dot ? file : NULL);
		rh_json_key(&j, "rendered");
		rh_json_bool(&j, render && !missing);
		if (render && missing) {
			rh_json_key(&j, "note");
			rh_json_string(&j, "graphviz is not installed: the graph is kept in DOT");
		}
		rh_json_key(&j, "nodes");
		rh_json_uint(&j, t.nodes);
		rh_json_object_end(&j);
		rh_json_finish(&j);
	} else if (render && missing) {
		fputs("graphviz is not installed (no dot on PATH): the graph is in ", f);
		rh_print_str(f, dotpath);
		fprintf(f, " (render it with: dot -T%s -o ", render);
		rh_print_str(f, path);
		fputc(' ', f);
		rh_print_str(f, dotpath);
		fputs(")\n", f);
	} else {
		fputs("wrote ", f);
		rh_print_str(f, path);
		if (render) {
			fputs(" (from ", f);
			rh_print_str(f, dotpath);
			fputc(')', f);
		}
		fprintf(f, ": %" PRIu64 " objects\n", t.nodes);
	}
out:
	rh_outfile_abort(&wf);   /* no-ops once committed */
	rh_outfile_abort(&rf);
	if (t.levels) {
		for (unsigned k = 0; k < t.nlevels; k++) {
			free(t.levels[k].kid);
			free(t.levels[k].kflags);
			free(t.levels[k].kedge);
			free(t.levels[k].label);
		}
	}
	free(t.levels);
	free(t.mark);
	free(t.dist);
	free(dotpath);
	return err;
}
