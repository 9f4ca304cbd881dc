/*
 * The analysis commands: why, refs, referrers, histogram, gc, dominators,
 * cycles, leaks, diff. Each loads a snapshot with its graph, asks the
 * analyses for what it needs, and hands the result to its report.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cli/cli.h"
#include "cli/exitcodes.h"
#include "cli/progress.h"
#include "report/analyses.h"
#include "report/escape.h"
#include "report/why.h"
#include "util/outfile.h"

/* Files options shared by every analysis command, for their --help. */
#define TARGET_HELP                                                            \
	"Target:\n"                                                            \
	"  CORE                 an ELF core file (gcore, or a kernel core dump)\n" \
	"  -p, --pid PID        a live process: stopped while its writable memory\n" \
	"                       is copied, then read from the copy as it runs on\n" \
	"      --no-copy        keep the process stopped while it is read instead\n" \
	"\n"
#define FILES_HELP                                                             \
	"Files:\n"                                                             \
	"      --sysroot DIR    look for the core's mapped files under DIR\n"  \
	"      --exe PATH       the main executable, if not at its recorded path\n" \
	"      --debug-dir DIR  look for separate debug files in DIR first; repeatable\n" \
	"      --cache-dir DIR  cache of struct layouts per build-id, and of the\n" \
	"                       snapshots of the last cores read (DIR/snapshots;\n" \
	"                       a repeated command on an unchanged core skips\n" \
	"                       rebuilding it)\n"                                \
	"      --cache-max MB   the snapshots there take at most MB MiB in all\n" \
	"                       (default $REFHEAP_SNAPSHOT_CACHE_MAX_MB, else 4096;\n" \
	"                       0: no snapshot cache)\n"                        \
	"      --no-cache       read the layouts from DWARF, cache nothing\n"  \
	"      --no-debuginfod  never ask the debuginfod servers of\n"         \
	"                       $DEBUGINFOD_URLS for the interpreter's debug info\n" \
	"      --jobs N         read the heap with N threads (default\n"      \
	"                       $REFHEAP_JOBS, else the online CPUs, at most 8);\n" \
	"                       the output is the same for every N\n"         \
	"  -v, --verbose        also report warnings about the target's files\n" \
	"      --stats          print timings and memory use to stderr\n"     \
	"  -h, --help           this text\n"                                   \
	"\n"

/* A loaded target with its analyses. */
struct session {
	struct common_opts *o;
	struct rh_target *t;
	struct rh_image *img;
	struct rh_snapshot *s;
	struct rh_analysis a;
	FILE *out;
};

static int fail(struct rh_error *err)
{
	print_error(err);
	int status = rh_exit_status(err);
	rh_error_destroy(err);
	return status;
}

/*
 * Load the target and build the analyses in `need`. A live target stays
 * stopped while the report reads it again (reprs, labels): `resume` early
 * only when the report reads nothing more.
 */
static int session_open(struct session *x, struct common_opts *o, unsigned need,
			bool resume)
{
	memset(x, 0, sizeof(*x));
	x->o = o;
	x->out = stdout;
	struct rh_error *err = load(o, true, resume, &x->t, &x->img, &x->s);
	if (err)
		return fail(err);
	// Analyses never look an address up, and reports only a few times:
	// the index goes before the analyses' own arrays come (peak memory,
	// issue 12). A session with no analysis (diff's older snapshot)
	// looks up every object of the newer one, and keeps it.
	if (need) {
		rh_snapshot_drop_index(x->s);
		// Nor before the arrays went to the page cache (the peak).
		rh_snapshot_wait_paged(x->s);
	}
	rh_analysis_init(&x->a, x->s);
	x->a.jobs = analysis_jobs(x->s, o);
	// Saved for the next command on this core as they are built.
	if (need) {
		analyses_from_cache(&x->a, x->s, o, need);
		analyses_to_cache_start(&x->a, x->s, o);
	}
	// One part at a time, in dependency order, to show where it is; the
	// GC simulation with reachability, which it runs beside
	// (analysis/analysis.c).
	static const char *const parts[RH_NPARTS] = { "referrers", "reachability and refcount audit",
						      "the cyclic GC's simulation", "verdicts",
						      "dominator tree", "retained bytes per type" };
	// What a part taken from the cache is built from is not built: the
	// file held it too, unless the report reads the part alone
	// (RH_NEED_ONLY, analysis.h).
	need = rh_analysis_closure(need & ~RH_NEED_ONLY & ~x->a.have);
	for (unsigned step = 0; step < RH_NPARTS && !err; step++) {
		unsigned bit = rh_analysis_order[step], want = 1u << bit;
		if (!(need & want) || (x->a.have & want))
			continue;
		const char *part = parts[bit];
		if (want == RH_NEED_GCSIM && (need & RH_NEED_REACH)) {
			want |= RH_NEED_REACH;
			part = "reachability, refcount audit and the cyclic GC's simulation";
		}
		char what[96];
		snprintf(what, sizeof(what), "analysing: %s...", part);
		rh_progress_phase(what, 60 + (int)step * 7);
		err = rh_analysis_need(&x->a, want);
	}
	// Clear the line before the report reaches the terminal.
	rh_progress_done();
	if (err) {
		rh_analysis_deinit(&x->a);
		rh_snapshot_destroy(x->s);
		rh_image_destroy(x->img);
		rh_target_destroy(x->t);
		return fail(err);
	}
	return -1;
}

/* Finish: stats, flush, exit status (partial when the snapshot had problems). */
static int session_close(struct session *x, struct rh_error *err)
{
	int status = RH_EXIT_OK;
	rh_progress_done();
	if (err)
		status = fail(err);
	else if (rh_problems_total(&x->s->problems))
		status = RH_EXIT_PARTIAL;
	if (status == RH_EXIT_PARTIAL)
		print_partial(&x->s->problems);
	if (fflush(x->out) != 0 || ferror(x->out)) {
		fprintf(stderr, "refheap: writing the output failed: %s\n", strerror(errno));
		status = RH_EXIT_OS;
	}
	analyses_to_cache_finish(&x->a, x->s, x->o);
	if (x->o->stats) {
		print_stats(x->s, x->t);
		const double *sec = x->a.seconds;
		fprintf(stderr,
			"refheap: stats: analyses %.3f s (referrers %.3f, reach %.3f, gc %.3f, "
			"verdicts %.3f, dominators %.3f, retained per type %.3f)\n",
			rh_analysis_seconds(&x->a), sec[0], sec[1], sec[2], sec[3], sec[4], sec[5]);
		if (x->a.cache_saved)
			fprintf(stderr, "refheap: stats: analyses saved with the snapshot cache: "
				"%.1f MiB, written in %.3f s as they were built\n", (double)x->a.cache_saved_bytes / (1024.0 * 1024.0),
				x->a.cache_save_seconds);
		if (x->a.cache_loaded)
			fprintf(stderr, "refheap: stats: analyses read from the snapshot cache:%s%s%s%s%s%s\n",
				(x->a.cache_loaded & RH_NEED_REFERRERS) ? " referrers" : "",
				(x->a.cache_loaded & RH_NEED_REACH) ? " reach" : "",
				(x->a.cache_loaded & RH_NEED_GCSIM) ? " gc" : "",
				(x->a.cache_loaded & RH_NEED_VERDICTS) ? " verdicts" : "",
				(x->a.cache_loaded & RH_NEED_DOMINATORS) ? " dominators" : "",
				(x->a.cache_loaded & RH_NEED_TYPE_RETAINED) ? " type-retained" : "");
	}
	rh_analysis_deinit(&x->a);
	rh_snapshot_destroy(x->s);
	rh_image_destroy(x->img);
	rh_target_destroy(x->t);
	return status;
}

/*
 * The object an ADDR argument names. An address inside an object (a field,
 * as a C debugger shows it) is refused with the object it falls in, so the
 * user can retry with the header's address.
 */
static int resolve_addr(const struct rh_snapshot *s, const char *arg, uint32_t *idx_ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end)
		return usage_error("ADDR must be an address (0x7f..., as id() prints it "
				   "in hex), not '%s'", arg);
	if (rh_snapshot_find(s, (uint64_t)v, idx_ret))
		return -1;
	for (uint32_t i = 0; i < s->nobjects; i++) {
		uint64_t a = s->obj_addr[i];
		if ((uint64_t)v > a && (uint64_t)v < a + rh_snapshot_size(s, i)) {
			fprintf(stderr, "refheap: no object starts at 0x%llx; it is %" PRIu64
				" bytes into ", v, (uint64_t)v - a);
			rh_escape_text(stderr, s->types[s->obj_type[i]].name,
				       strlen(s->types[s->obj_type[i]].name));
			fprintf(stderr, " object 0x%" PRIx64 " (try that address)\n", a);
			return RH_EXIT_NO_OBJECT;
		}
	}
	fprintf(stderr,
		"refheap: no Python object at 0x%llx among the %u objects found (give the "
		"object's own address: hex(id(obj)) in Python, a PyObject * in C)\n",
		v, s->nobjects);
	return RH_EXIT_NO_OBJECT;
}

/* ------------------------------------------------------------------ */

static const char why_usage[] =
	"Usage: refheap why [--json] [--paths N] ADDR (CORE | --pid PID)\n"
	"\n"
	"Why is the object at ADDR alive? One verdict with its evidence:\n"
	"  reachable       the shortest paths from roots (module globals, thread\n"
	"                  frames and locals, interpreter state, C statics, native\n"
	"                  stacks), each step labelled with the dict key, attribute,\n"
	"                  index or local that holds the next object\n"
	"  cyclic-garbage  the cyclic GC would free it (CPython's own algorithm on\n"
	"                  this heap); the cycle's members, the youngest generation\n"
	"                  whose collection frees it and why that has not run: GC\n"
	"                  disabled, count below threshold (and how many allocations\n"
	"                  start it), the full-collection heuristic, a collection\n"
	"                  running\n"
	"  unaccounted     its refcount exceeds every reference in the heap: leaked,\n"
	"                  or held from memory refheap cannot type; the C statics,\n"
	"                  registers, malloc'd words and running frames' stack slots\n"
	"                  that point at it (candidates: stale copies look the same)\n"
	"  held-by-native  the same excess, matched by words of live objects refheap\n"
	"                  cannot traverse or of live C frames (a native stack from\n"
	"                  the stack pointer up), named\n"
	"  frozen          garbage kept in the permanent generation (gc.freeze())\n"
	"  dead            refcount 0: freed memory with an object header\n"
	"A refcount lower than the references objects hold is flagged too. The\n"
	"retained size (what freeing it would free) ends the report.\n"
	"\n"
	"ADDR is the object's address, hex(id(obj)).\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object (addr, type, verdict, path, gc...)\n"
	"      --paths N        up to N paths through distinct roots (default 1)\n"
	"\n"
	FILES_HELP;

int cmd_why(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_PATHS | ALLOW_STATS,
				 .npos = 1, .pos_names = "ADDR" };
	int status = parse_common(argc, argv, why_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_VERDICTS | RH_NEED_REFERRERS, false)) >= 0)
		return status;
	uint32_t idx;
	if ((status = resolve_addr(x.s, o.pos[0], &idx)) >= 0) {
		session_close(&x, NULL);
		return status;
	}
	struct rh_why_options wo = { .json = o.json, .paths = (unsigned)(o.paths ? o.paths : 1) };
	return session_close(&x, rh_report_why(x.out, &x.a, idx, &wo));
}

/* ------------------------------------------------------------------ */

static const char refs_usage[] =
	"Usage: refheap refs [OPTIONS] ADDR (CORE | --pid PID)\n"
	"\n"
	"What the object at ADDR references, as a tree (objgraph's show_refs):\n"
	"each line an object with the label of the reference that leads to it.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --depth N        levels below ADDR (default 3)\n"
	"      --width N        children shown per object (default 10)\n"
	"      --type T         show only paths that lead to objects of type T\n"
	"      --json           the tree as JSON\n"
	"      --dot            the graph in Graphviz DOT\n"
	"  -o, --output FILE    write there; FILE.svg/.png are rendered with\n"
	"                       graphviz's dot when installed (else FILE.dot is kept)\n"
	"\n"
	FILES_HELP;

static const char referrers_usage[] =
	"Usage: refheap referrers [OPTIONS] ADDR (CORE | --pid PID)\n"
	"\n"
	"What references the object at ADDR, as a tree of referrers (objgraph's\n"
	"show_backrefs), up to the roots that hold them.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --depth N        levels above ADDR (default 3)\n"
	"      --width N        referrers shown per object (default 10)\n"
	"      --type T         show only referrers of type T (and the way to them)\n"
	"      --json           the tree as JSON\n"
	"      --dot            the graph in Graphviz DOT\n"
	"  -o, --output FILE    write there; FILE.svg/.png are rendered with\n"
	"                       graphviz's dot when installed (else FILE.dot is kept)\n"
	"\n"
	FILES_HELP;

static int tree_cmd(int argc, char **argv, bool back)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TREE | ALLOW_DOT | ALLOW_STATS,
				 .npos = 1, .pos_names = "ADDR" };
	int status = parse_common(argc, argv, back ? referrers_usage : refs_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_REFERRERS | RH_NEED_REACH, false)) >= 0)
		return status;
	uint32_t idx;
	if ((status = resolve_addr(x.s, o.pos[0], &idx)) >= 0) {
		session_close(&x, NULL);
		return status;
	}
	struct rh_tree_options to = {
		.json = o.json,
		.dot = o.dot,
		.output = o.output,
		.referrers = back,
		.depth = o.depth ? (unsigned)o.depth : 3,
		.width = o.width ? (unsigned)o.width : 10,
		.type = o.type_filter,
	};
	return session_close(&x, rh_report_tree(x.out, &x.a, idx, &to));
}

int cmd_refs(int argc, char **argv)
{
	return tree_cmd(argc, argv, false);
}

int cmd_referrers(int argc, char **argv)
{
	return tree_cmd(argc, argv, true);
}

/* ------------------------------------------------------------------ */

static const char histogram_usage[] =
	"Usage: refheap histogram [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Per type: object count, shallow bytes (as sys.getsizeof()) and retained\n"
	"bytes (what freeing all of them would free, from the dominator tree).\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object\n"
	"  -n, --top N          rows (default 30; 0 = all)\n"
	"      --sort KEY       count, bytes or retained (default bytes)\n"
	"      --type T         only types whose name contains T\n"
	"      --module M       only types defined in module M (tp_name 'M.X', or\n"
	"                       a class whose __module__ is M)\n"
	"\n"
	FILES_HELP;

int cmd_histogram(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_FILTER | ALLOW_SORT |
					    ALLOW_STATS, .top = 30 };
	int status = parse_common(argc, argv, histogram_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	// --module reads each type's __module__ from the target: keep a live
	// process stopped until then.
	// rh_report_histogram reads the bytes retained per type alone.
	if ((status = session_open(&x, &o, RH_NEED_TYPE_RETAINED | RH_NEED_ONLY,
				   !o.module_filter)) >= 0)
		return status;
	struct rh_list_options lo = { .json = o.json, .top = o.top, .sort = o.sort,
				      .type = o.type_filter, .module = o.module_filter };
	return session_close(&x, rh_report_histogram(x.out, &x.a, &lo));
}

static const char gc_usage[] =
	"Usage: refheap gc [--json] (CORE | --pid PID)\n"
	"\n"
	"The cyclic GC, per interpreter and generation: count against threshold,\n"
	"objects and bytes, the garbage each next collection would free (CPython's\n"
	"algorithm run on this heap), and what starts that collection: how many\n"
	"more allocations, or why none will (GC disabled, threshold 0, the\n"
	"full-collection heuristic, a collection running), and the frozen\n"
	"(permanent) generation.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object\n"
	"\n"
	FILES_HELP;

int cmd_gc(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_STATS };
	int status = parse_common(argc, argv, gc_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_VERDICTS, true)) >= 0)
		return status;
	struct rh_list_options lo = { .json = o.json };
	return session_close(&x, rh_report_gc(x.out, &x.a, &lo));
}

static const char dominators_usage[] =
	"Usage: refheap dominators [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"The objects that retain the most memory: for each, its retained size (all\n"
	"it alone keeps alive, from the dominator tree, as Eclipse MAT computes it)\n"
	"and its dominator chain up to the root that holds it.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object\n"
	"  -n, --top N          objects (default 20)\n"
	"      --type T         only objects whose type name contains T\n"
	"      --module M       only objects whose type is defined in module M\n"
	"\n"
	FILES_HELP;

int cmd_dominators(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_FILTER | ALLOW_STATS,
				 .top = 20 };
	int status = parse_common(argc, argv, dominators_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_DOMINATORS, false)) >= 0)
		return status;
	struct rh_list_options lo = { .json = o.json, .top = o.top, .type = o.type_filter,
				      .module = o.module_filter };
	return session_close(&x, rh_report_dominators(x.out, &x.a, &lo));
}

static const char cycles_usage[] =
	"Usage: refheap cycles [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Garbage the cyclic GC would free, grouped into the components a\n"
	"collection frees together, largest first: members, bytes, what they\n"
	"alone hold, the collection that frees them and why it has not run.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object\n"
	"  -n, --top N          components (default 20; 0 = all)\n"
	"\n"
	FILES_HELP;

int cmd_cycles(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_STATS, .top = 20 };
	int status = parse_common(argc, argv, cycles_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_VERDICTS, false)) >= 0)
		return status;
	struct rh_list_options lo = { .json = o.json, .top = o.top };
	return session_close(&x, rh_report_cycles(x.out, &x.a, &lo));
}

static const char leaks_usage[] =
	"Usage: refheap leaks [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Leak suspects: objects whose refcount exceeds every reference in the heap\n"
	"and that no live object holds (verdict unaccounted: leaked, or held from\n"
	"a C static, a register, malloc'd memory or a running frame's stack slot,\n"
	"named as candidate holders; those nothing points at first), the largest\n"
	"garbage cycles, and the largest retained sets. Objects held by native\n"
	"code (verdict held-by-native: live objects refheap cannot traverse, such\n"
	"as C extension, mypyc or Cython objects, or live C frames on a native\n"
	"stack point at them) are summarized apart, not as suspects.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"      --json           one JSON object\n"
	"  -n, --top N          rows per section (default 10)\n"
	"\n"
	FILES_HELP;

int cmd_leaks(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_STATS, .top = 10 };
	int status = parse_common(argc, argv, leaks_usage, &o);
	if (status >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_VERDICTS | RH_NEED_DOMINATORS |
					    RH_NEED_REFERRERS, false)) >= 0)
		return status;
	struct rh_list_options lo = { .json = o.json, .top = o.top };
	return session_close(&x, rh_report_leaks(x.out, &x.a, &lo));
}

static const char diff_usage[] =
	"Usage: refheap diff [OPTIONS] OLD (NEW | --pid PID)\n"
	"\n"
	"Compare two cores of one process (or a core and the live process): growth\n"
	"per type in count and bytes, and for the top growers the paths from roots\n"
	"that retain the new objects (objects whose address and type OLD did not\n"
	"have), grouped by the shape of the path.\n"
	"\n"
	"Target:\n"
	"  OLD                  the earlier core\n"
	"  NEW                  the later core\n"
	"  -p, --pid PID        the live process instead of NEW\n"
	"\n"
	"Output:\n"
	"      --json           one JSON object\n"
	"  -n, --top N          types (default 20)\n"
	"      --paths N        path shapes per growing type (default 3)\n"
	"\n"
	FILES_HELP;

int cmd_diff(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_PATHS | ALLOW_STATS,
				 .top = 20, .npos = 1, .pos_names = "OLD core" };
	int status = parse_common(argc, argv, diff_usage, &o);
	if (status >= 0)
		return status;
	struct common_opts old = o;
	old.have_pid = false;
	old.core = o.pos[0];
	old.stats = false;
	struct session a, b;
	if ((status = session_open(&a, &old, 0, true)) >= 0)
		return status;
	if ((status = session_open(&b, &o, RH_NEED_REFERRERS | RH_NEED_REACH, false)) >= 0) {
		session_close(&a, NULL);
		return status;
	}
	struct rh_list_options lo = { .json = o.json, .top = o.top,
				      .paths = o.paths ? (unsigned)o.paths : 3 };
	struct rh_error *err = rh_report_diff(b.out, &a.a, &b.a, &lo);
	session_close(&a, NULL);
	return session_close(&b, err);
}

/* ------------------------------------------------------------------ */

static const char report_usage[] =
	"Usage: refheap report [-o FILE.html] [--top N] (CORE | --pid PID)\n"
	"\n"
	"One self-contained HTML page to attach to a ticket (no network, no external\n"
	"file): the interpreter and its GC state; the leak suspects first\n"
	"(unaccounted objects, the largest cyclic garbage with why it is not\n"
	"collected yet, the largest retained sets), each with its labelled path\n"
	"from a root; the dominator tree, expandable; the type histogram (count,\n"
	"shallow, retained), sortable. Every string from the heap is escaped.\n"
	"\n"
	TARGET_HELP
	"Output:\n"
	"  -o, --output FILE    write there (default: stdout)\n"
	"  -n, --top N          suspects of each kind (default 10)\n"
	"\n"
	FILES_HELP;

int cmd_report(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_TOP | ALLOW_OUTPUT | ALLOW_STATS, .top = 10 };
	int status = parse_common(argc, argv, report_usage, &o);
	if (status >= 0)
		return status;
	FILE *out;
	struct rh_outfile of = { 0 };
	if ((status = open_output(o.output, &of, &out)) >= 0)
		return status;
	struct session x;
	if ((status = session_open(&x, &o, RH_NEED_VERDICTS | RH_NEED_TYPE_RETAINED |
					    RH_NEED_REFERRERS, false)) >= 0) {
		rh_outfile_abort(&of);
		return status;
	}
	x.out = out;
	if (o.output)
		rh_progress_phase("writing the report...", 96);
	struct rh_html_options ho = { .top = o.top, .types = 200 };
	struct rh_error *err = rh_report_html(out, &x.a, &ho);
	bool failed = err != NULL;
	status = session_close(&x, err);
	if (o.output) {
		struct rh_error *cerr = NULL;
		if (failed)
			rh_outfile_abort(&of);
		else if ((cerr = rh_outfile_commit(&of))) {
			print_error(cerr);
			rh_error_destroy(cerr);
			status = RH_EXIT_OS;
		}
	}
	return status;
}
