/*
 * referents_dump: a test driver for cpython/traverse.c.
 *
 *     referents_dump [--labels] [--debug-dir DIR] [--sysroot DIR] [--addr ADDR]... CORE
 *
 * Opens CORE (rh_target_open_core -> rh_image_create ->
 * rh_py_runtime_open, no layout cache), walks every GC-tracked object of
 * every interpreter (rh_py_gc_for_each) and prints one JSON line per
 * object:
 *   {"addr":"0x..","type":"tp_name","refs":[...],"owned":[...],
 *    "weak":[...],"conservative":[...],"traverse":"..."}
 * traverse: how the type's references were read (rh_py_traverse_kind):
 * "interpreter", "extension" (a mirrored traverse read with the extension
 * module's own DWARF), "none", or "unknown" (a conservative scan).
 * refs are the traversed references in order (what gc.get_referents()
 * should say), owned the other strong references, weak the weak ones,
 * conservative those found by scanning an object of unknown type (and a
 * module's state). With --labels each reference is "0x..=label".
 * A referents error is printed as "error" in the object's line (the
 * references found before it stand).
 *
 * With --addr, only the objects at those addresses are dumped (any
 * object, tracked or not: a code object, a static type...).
 *
 * The last line is a summary: {"summary":{"objects":N,"errors":N,
 * "problems":N}}. Exit status: 0, or 2 when the core cannot be read.
 * Tests compare this output with the interpreter's own record
 * (tests/integration/compare_referents.py).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/runtime.h"
#include "cpython/traverse.h"
#include "image/image.h"
#include "report/escape.h"
#include "target/target.h"
#include "util/error.h"

#define MAX_DEBUG_DIRS 8
#define MAX_ADDRS 64

struct list {
	char *buf;
	size_t len, cap;
	size_t n;
};

static int list_add(struct list *l, const char *s)
{
	size_t need = strlen(s) + 4;
	if (l->len + need > l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		while (ncap < l->len + need)
			ncap *= 2;
		char *p = realloc(l->buf, ncap);
		if (!p)
			return -1;
		l->buf = p;
		l->cap = ncap;
	}
	l->len += (size_t)sprintf(l->buf + l->len, "%s\"%s\"", l->n ? "," : "", s);
	l->n++;
	return 0;
}

struct dump {
	struct rh_py_runtime *rt;
	bool labels;
	struct list refs, owned, weak, cons;
	uint64_t objects, errors;
	bool nomem;
};

static const char *kind_name(enum rh_py_ref_kind k)
{
	switch (k) {
	case RH_REF_FIELD: return "field";
	case RH_REF_ITEM: return "item";
	case RH_REF_DICT_KEY: return "key";
	case RH_REF_DICT_VALUE: return "value";
	case RH_REF_ATTRIBUTE: return "attr";
	case RH_REF_SLOT: return "slot";
	case RH_REF_LOCAL: return "local";
	case RH_REF_TYPE: return "type";
	case RH_REF_WEAK: return "weak";
	case RH_REF_CONSERVATIVE: return "conservative";
	}
	return "?";
}

static int on_ref(void *arg, const struct rh_py_ref *ref)
{
	struct dump *d = arg;
	char s[300];
	int n = snprintf(s, sizeof(s), "0x%" PRIx64, ref->addr);
	if (d->labels) {
		char name[128] = "";
		size_t j = 0;
		// keep the label JSON-safe: plain printable ASCII only
		for (const char *p = ref->name ? ref->name : ""; *p && j + 1 < sizeof(name); p++)
			name[j++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '?';
		name[j] = '\0';
		snprintf(s + n, sizeof(s) - (size_t)n, "=%s:%s:%" PRIu64 ":0x%" PRIx64,
			 kind_name(ref->kind), name, ref->index, ref->key);
	}
	struct list *l = ref->kind == RH_REF_WEAK ? &d->weak :
			 ref->kind == RH_REF_CONSERVATIVE ? &d->cons :
			 ref->traversed ? &d->refs : &d->owned;
	if (list_add(l, s)) {
		d->nomem = true;
		return 1;
	}
	return 0;
}

static void list_reset(struct list *l)
{
	l->len = 0;
	l->n = 0;
	if (l->buf)
		l->buf[0] = '\0';
}

static int on_object(void *arg, const struct rh_py_object *o)
{
	struct dump *d = arg;
	list_reset(&d->refs);
	list_reset(&d->owned);
	list_reset(&d->weak);
	list_reset(&d->cons);
	struct rh_error *err = rh_py_referents(d->rt, o->addr, o->type_addr, on_ref, d);
	if (d->nomem)
		return 1;
	d->objects++;
	const char *tname = rh_py_type_name(d->rt, o->type_addr);
	printf("{\"addr\":\"0x%" PRIx64 "\",\"type\":", o->addr);
	rh_escape_json(stdout, tname, strlen(tname));
	printf(",\"refs\":[%s],\"owned\":[%s],\"weak\":[%s],\"conservative\":[%s]",
	       d->refs.buf ? d->refs.buf : "", d->owned.buf ? d->owned.buf : "",
	       d->weak.buf ? d->weak.buf : "", d->cons.buf ? d->cons.buf : "");
	static const char *const tkinds[] = { "none", "interpreter", "extension", "unknown" };
	enum rh_py_traverse_kind tk = rh_py_traverse_kind(d->rt, o->type_addr);
	printf(",\"traverse\":\"%s\"", tkinds[tk]);
	if (err) {
		d->errors++;
		printf(",\"error\":");
		rh_escape_json(stdout, err->message, strlen(err->message));
		rh_error_destroy(err);
	}
	printf("}\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *core = NULL, *sysroot = NULL;
	const char *debug_dirs[MAX_DEBUG_DIRS];
	size_t ndebug = 0;
	uint64_t addrs[MAX_ADDRS];
	size_t naddrs = 0;
	struct dump d = { 0 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--labels") == 0) {
			d.labels = true;
		} else if (strcmp(argv[i], "--debug-dir") == 0 && i + 1 < argc &&
			   ndebug < MAX_DEBUG_DIRS) {
			debug_dirs[ndebug++] = argv[++i];
		} else if (strcmp(argv[i], "--sysroot") == 0 && i + 1 < argc) {
			sysroot = argv[++i];
		} else if (strcmp(argv[i], "--addr") == 0 && i + 1 < argc &&
			   naddrs < MAX_ADDRS) {
			addrs[naddrs++] = strtoull(argv[++i], NULL, 0);
		} else if (argv[i][0] != '-' && !core) {
			core = argv[i];
		} else {
			fprintf(stderr, "usage: referents_dump [--labels] [--debug-dir DIR] [--addr ADDR]... CORE\n");
			return 2;
		}
	}
	if (!core) {
		fprintf(stderr, "usage: referents_dump [--labels] [--debug-dir DIR] CORE\n");
		return 2;
	}
	struct rh_problems problems;
	rh_problems_init(&problems);
	struct rh_target *t = NULL;
	struct rh_image *img = NULL;
	struct rh_py_runtime *rt = NULL;
	struct rh_target_options topts = { .sysroot = sysroot };
	struct rh_image_options iopts = { .debug_dirs = debug_dirs, .ndebug_dirs = ndebug,
					  .sysroot = sysroot };
	struct rh_py_options popts = { .cache_dir = NULL };
	int status = 2;
	struct rh_error *err = rh_target_open_core(core, &topts, &t);
	if (!err)
		err = rh_image_create(t, &iopts, &img);
	if (!err)
		err = rh_py_runtime_open(t, img, &popts, &problems, &rt);
	if (err) {
		fprintf(stderr, "referents_dump: %s\n", err->message);
		rh_error_destroy(err);
		goto out;
	}
	d.rt = rt;
	for (size_t i = 0; i < naddrs; i++) {
		struct rh_py_object o;
		err = rh_py_object_read(rt, addrs[i], &o);
		if (err) {
			fprintf(stderr, "referents_dump: 0x%" PRIx64 ": %s\n", addrs[i], err->message);
			rh_error_destroy(err);
			continue;
		}
		if (on_object(&d, &o))
			break;
	}
	for (size_t i = 0; i < rh_py_interp_count(rt) && !naddrs; i++) {
		err = rh_py_gc_for_each(rt, i, &problems, on_object, &d, NULL);
		if (err || d.nomem) {
			fprintf(stderr, "referents_dump: %s\n", err ? err->message : "out of memory");
			rh_error_destroy(err);
			goto out;
		}
	}
	printf("{\"summary\":{\"objects\":%" PRIu64 ",\"errors\":%" PRIu64
	       ",\"problems\":%zu}}\n", d.objects, d.errors, rh_problems_total(&problems));
	for (size_t i = 0; i < problems.count; i++)
		fprintf(stderr, "referents_dump: problem: %s\n", problems.messages[i]);
	status = 0;
out:
	free(d.refs.buf);
	free(d.owned.buf);
	free(d.weak.buf);
	free(d.cons.buf);
	rh_py_runtime_destroy(rt);
	rh_image_destroy(img);
	rh_target_destroy(t);
	rh_problems_deinit(&problems);
	return status;
}
