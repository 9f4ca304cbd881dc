/*
 * The refheap command: argument parsing, the pipeline target -> image ->
 * snapshot -> analysis -> report for each subcommand, and exit statuses.
 * Only this layer prints to stdout/stderr and exits.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/histogram.h"
#include "cli/cli.h"
#include "cli/exitcodes.h"
#include "cli/gdb_bridge.h"
#include "cli/progress.h"
#include "dwarf/layouts.h"
#include "heap/snapshot.h"
#include "image/image.h"
#include "report/escape.h"
#include "report/export.h"
#include "report/heapsnapshot.h"
#include "report/summary.h"
#include "cpython/runtime.h"
#include "target/target.h"
#include "util/error.h"
#include "util/outfile.h"
#include "util/prefault.h"
#include "util/workpool.h"

static const char main_usage[] =
	"Usage: refheap COMMAND [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Explain what a CPython heap holds, from an ELF core file or a live process,\n"
	"using the interpreter's DWARF debug info. The target is never modified; a\n"
	"live process is stopped only while it is read.\n"
	"\n"
	"Supported: " RH_PY_SUPPORTED ".\n"
	"3.14.0-3.14.4's collector is described in its own terms (young generation,\n"
	"old spaces visited/pending, phase, work_to_do). Free-threaded and Py_DEBUG\n"
	"builds, and versions not listed, are refused by name (exit 7).\n"
	"\n"
	"Commands:\n"
	"  summary     Python version, interpreters, threads, GC state per generation,\n"
	"              and the top types by count and by size\n"
	"  export      every object with its type, size, refcount, generation,\n"
	"              references (as gc.get_referents()) and verdict, as JSON Lines\n"
	"  why ADDR    why an object is alive: paths from roots, cyclic garbage\n"
	"              (and why the GC has not freed it), unaccounted references\n"
	"  refs ADDR   what an object references, as a tree (objgraph show_refs)\n"
	"  referrers ADDR  what references an object, as a tree (show_backrefs)\n"
	"  histogram   count, shallow and retained bytes per type\n"
	"  gc          per generation (3.14.0-3.14.4: young, old spaces): count vs\n"
	"              threshold, objects, bytes, the garbage each next collection\n"
	"              frees and what triggers it\n"
	"  dominators  the objects that retain the most memory, with their\n"
	"              dominator chains\n"
	"  cycles      garbage cycles by retained size\n"
	"  leaks       suspects: unaccounted references, garbage, big retainers\n"
	"  diff OLD NEW  growth per type between two cores of one process\n"
	"  report      one self-contained HTML page: GC state, leak suspects with\n"
	"              their paths, the dominator tree, the type histogram\n"
	"\n"
	"Run 'refheap COMMAND --help' for the options of a command.\n"
	"Options: -h, --help   this text;  --version   print the version\n";

static const char summary_usage[] =
	"Usage: refheap summary [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Inventory of the heap: Python version, interpreters and their threads, GC\n"
	"state (enabled, thresholds, counts, objects and bytes per generation, the\n"
	"permanent generation of gc.freeze(), len(gc.garbage)), and the types of all\n"
	"GC-tracked objects by count and by total size (sizes as sys.getsizeof()).\n"
	"\n"
	"Target:\n"
	"  CORE                 an ELF core file (gcore, or a kernel core dump)\n"
	"  -p, --pid PID        a live process: stopped (ptrace) while its writable\n"
	"                       memory is copied, then let run while refheap reads\n"
	"                       the copy; if a debugger already traces it, it is\n"
	"                       only read\n"
	"      --no-copy        keep the process stopped while it is read instead\n"
	"\n"
	"Output:\n"
	"      --json           one JSON object on stdout instead of text\n"
	"  -n, --top N          rows per type table (text default 20; JSON default all)\n"
	"  -v, --verbose        also report warnings about the target's files\n"
	"      --stats          print timings and memory use to stderr\n"
	"\n"
	"Files:\n"
	"      --sysroot DIR    look for the core's mapped files under DIR\n"
	"      --exe PATH       the main executable, if not at its recorded path\n"
	"      --debug-dir DIR  look for separate debug files in DIR first\n"
	"                       (DIR/.build-id/xx/yyyy.debug); repeatable\n"
	"      --cache-dir DIR  cache of struct layouts per build-id (default\n"
	"                       $REFHEAP_CACHE_DIR, $XDG_CACHE_HOME/refheap or\n"
	"                       ~/.cache/refheap)\n"
	"      --no-cache       read the layouts from DWARF, write no cache\n"
	"      --no-debuginfod  never ask the debuginfod servers of\n"
	"                       $DEBUGINFOD_URLS for the interpreter's debug info\n"
	"      --jobs N         read the heap with N threads (default\n"
	"                       $REFHEAP_JOBS, else the online CPUs, at most 8);\n"
	"                       the output is the same for every N\n"
	"  -h, --help           this text\n"
	"\n";

void print_error(const struct rh_error *err)
{
	rh_progress_done();
	fputs("refheap: ", stderr);
	rh_escape_text(stderr, err->message, strlen(err->message));
	fputc('\n', stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("refheap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'refheap --help')\n", stderr);
	return RH_EXIT_USAGE;
}

bool parse_uint(const char *s, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return false;
	*ret = v;
	return true;
}

static const char export_usage[] =
	"Usage: refheap export [--format=jsonl|heapsnapshot] [-o FILE] [OPTIONS] (CORE | --pid PID)\n"
	"\n"
	"Write the whole heap as JSON Lines: a snapshot record (Python version, GC\n"
	"state, gc.garbage), then one record per object: address, type (tp_name),\n"
	"size (as sys.getsizeof()), raw refcount, GC generation (null: not tracked),\n"
	"how it was found (gc lists, a reference, or only the allocator scan: an\n"
	"object nothing references), and its references in the order and sense of\n"
	"gc.get_referents() (\"refs\"), plus references it owns without traversing\n"
	"them (\"owned\": str keys of dicts, code constants).\n"
	"\n"
	"Target:\n"
	"  CORE                 an ELF core file (gcore, or a kernel core dump)\n"
	"  -p, --pid PID        a live process: stopped while its writable memory\n"
	"                       is copied, then read from the copy as it runs on\n"
	"      --no-copy        keep the process stopped while it is read instead\n"
	"\n"
	"Output:\n"
	"      --format=FMT     jsonl (default): the records above;\n"
	"                       heapsnapshot: a Chrome DevTools heap snapshot\n"
	"                       (.heapsnapshot, for the Memory panel and memlab):\n"
	"                       objects as nodes named by type, references as\n"
	"                       edges named by label, weak references as weak\n"
	"                       edges, roots under the synthetic root\n"
	"  -o, --output FILE    write there instead of stdout\n"
	"      --no-alloc-scan  do not scan the allocators for unreferenced objects\n"
	"      --stats          print timings and memory use to stderr\n"
	"      --repr           add a short, safe repr of each object (\"repr\")\n"
	"      --labels         name each reference (\"labels\", parallel to \"refs\"):\n"
	"                       [3], ['key'], .attr, local 'x', tp_mro...\n"
	"                       (with --no-copy, a live target stays stopped until\n"
	"                       the output is written)\n"
	"  -v, --verbose        also report warnings about the target's files\n"
	"\n"
	"Files:\n"
	"      --sysroot DIR    look for the core's mapped files under DIR\n"
	"      --exe PATH       the main executable, if not at its recorded path\n"
	"      --debug-dir DIR  look for separate debug files in DIR first; repeatable\n"
	"      --cache-dir DIR  cache of struct layouts per build-id, and of the\n"
	"                       snapshots of the last cores read (DIR/snapshots)\n"
	"      --cache-max MB   the snapshots there take at most MB MiB in all\n"
	"                       (default $REFHEAP_SNAPSHOT_CACHE_MAX_MB, else 4096;\n"
	"                       0: no snapshot cache)\n"
	"      --no-cache       read the layouts from DWARF, cache nothing\n"
	"      --no-debuginfod  never ask the debuginfod servers of\n"
	"                       $DEBUGINFOD_URLS for the interpreter's debug info\n"
	"  -h, --help           this text\n"
	"\n";

enum {
	OPT_JSON = 256,
	OPT_FORMAT,
	OPT_NO_ALLOC_SCAN,
	OPT_REPR,
	OPT_STATS,
	OPT_LABELS,
	OPT_SYSROOT,
	OPT_EXE,
	OPT_DEBUG_DIR,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_NO_COPY,
	OPT_CACHE_MAX,
	OPT_PATHS,
	OPT_DEPTH,
	OPT_WIDTH,
	OPT_TYPE,
	OPT_MODULE,
	OPT_DOT,
	OPT_SORT,
	OPT_NO_DEBUGINFOD,
	OPT_JOBS,
};

/* Parse the options shared by every command. Returns -1 to go on, else an exit status. */
int parse_common(int argc, char **argv, const char *usage,
			struct common_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "top", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "exe", required_argument, NULL, OPT_EXE },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "no-copy", no_argument, NULL, OPT_NO_COPY },
		{ "cache-max", required_argument, NULL, OPT_CACHE_MAX },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "no-alloc-scan", no_argument, NULL, OPT_NO_ALLOC_SCAN },
		{ "repr", no_argument, NULL, OPT_REPR },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "labels", no_argument, NULL, OPT_LABELS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "dot", no_argument, NULL, OPT_DOT },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "no-debuginfod", no_argument, NULL, OPT_NO_DEBUGINFOD },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	long v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:p:o:vh", longopts, NULL)) != -1) {
		if (((c == OPT_JSON) && !(o->allowed & ALLOW_JSON)) ||
		    ((c == 'n') && !(o->allowed & ALLOW_TOP)) ||
		    ((c == OPT_STATS) && !(o->allowed & ALLOW_STATS)) ||
		    ((c == OPT_FORMAT || c == OPT_NO_ALLOC_SCAN ||
		      c == OPT_REPR || c == OPT_LABELS) &&
		     !(o->allowed & ALLOW_EXPORT)) ||
		    (c == 'o' && !(o->allowed & (ALLOW_EXPORT | ALLOW_DOT | ALLOW_OUTPUT))) ||
		    (c == OPT_DOT && !(o->allowed & ALLOW_DOT)) ||
		    (c == OPT_PATHS && !(o->allowed & ALLOW_PATHS)) ||
		    ((c == OPT_DEPTH || c == OPT_WIDTH) && !(o->allowed & ALLOW_TREE)) ||
		    (c == OPT_TYPE && !(o->allowed & (ALLOW_TREE | ALLOW_FILTER))) ||
		    (c == OPT_MODULE && !(o->allowed & ALLOW_FILTER)) ||
		    (c == OPT_SORT && !(o->allowed & ALLOW_SORT)))
			// "--top 3": optind is past the value; name the option.
			return usage_error("option '%s' does not apply to this command",
					   optarg && optind >= 2 && optarg == argv[optind - 1] &&
					   argv[optind - 2][0] == '-' ? argv[optind - 2]
								      : argv[optind - 1]);
		switch (c) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "heapsnapshot") != 0)
				return usage_error("unknown format '%s' (jsonl or heapsnapshot)",
						   optarg);
			o->format = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_NO_ALLOC_SCAN:
			o->no_alloc_scan = true;
			break;
		case OPT_REPR:
			o->repr = true;
			break;
		case OPT_STATS:
			o->stats = true;
			rh_target_self_memory_watch();
			break;
		case OPT_LABELS:
			o->labels = true;
			break;
		case 'n':
			if (!parse_uint(optarg, 1000000, &v))
				return usage_error("--top needs a count, not '%s'", optarg);
			o->top = (unsigned)v;
			break;
		case 'p':
			if (!parse_uint(optarg, INT_MAX, &v) || v == 0)
				return usage_error("--pid needs a process id, not '%s'", optarg);
			o->pid = v;
			o->have_pid = true;
			break;
		case OPT_SYSROOT:
			o->sysroot = optarg;
			break;
		case OPT_EXE:
			o->exe = optarg;
			break;
		case OPT_DEBUG_DIR:
			if (o->ndebug_dirs == MAX_DEBUG_DIRS)
				return usage_error("at most %d --debug-dir options", MAX_DEBUG_DIRS);
			o->debug_dirs[o->ndebug_dirs++] = optarg;
			break;
		case OPT_CACHE_DIR:
			o->cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			o->no_cache = true;
			break;
		case OPT_NO_DEBUGINFOD:
			o->no_debuginfod = true;
			break;
		case OPT_NO_COPY:
			o->no_copy = true;
			break;
		case OPT_CACHE_MAX:
			if (!parse_uint(optarg, 1L << 40, &v))
				return usage_error("--cache-max needs a size in MiB (0: no snapshot cache), not '%s'",
						   optarg);
			o->cache_max_mb = (uint64_t)v;
			o->have_cache_max = true;
			break;
		case OPT_JOBS:
			if (!parse_uint(optarg, RH_POOL_MAX_JOBS, &v) || v == 0)
				return usage_error("--jobs needs a number of threads from 1 to %d, not '%s'",
						   RH_POOL_MAX_JOBS, optarg);
			o->jobs = (uint32_t)v;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_PATHS:
			if (!parse_uint(optarg, 1000, &v) || v == 0)
				return usage_error("--paths needs a count from 1 to 1000, not '%s'", optarg);
			o->paths = (unsigned long)v;
			break;
		case OPT_DEPTH:
			if (!parse_uint(optarg, 1000, &v))
				return usage_error("--depth needs a count up to 1000, not '%s'", optarg);
			o->depth = (unsigned long)v;
			break;
		case OPT_WIDTH:
			if (!parse_uint(optarg, 1000000, &v) || v == 0)
				return usage_error("--width needs a count from 1, not '%s'", optarg);
			o->width = (unsigned long)v;
			break;
		case OPT_TYPE:
			o->type_filter = optarg;
			break;
		case OPT_MODULE:
			o->module_filter = optarg;
			break;
		case OPT_DOT:
			o->dot = true;
			break;
		case OPT_SORT:
			if (strcmp(optarg, "count") && strcmp(optarg, "bytes") &&
			    strcmp(optarg, "retained"))
				return usage_error("--sort takes count, bytes or retained, not '%s'",
						   optarg);
			o->sort = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			fputs(rh_exit_status_help, stdout);
			return RH_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	for (unsigned k = 0; k < o->npos; k++) {
		if (optind >= argc)
			return usage_error("missing %s", o->pos_names ? o->pos_names : "argument");
		o->pos[k] = argv[optind++];
	}
	if (optind < argc)
		o->core = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->core && !o->have_pid) {
		// `refheap why CORE`: the one word given went to ADDR. Say
		// that the address is missing rather than "no target".
		if (o->npos && o->pos[0] && o->pos_names && strcmp(o->pos_names, "ADDR") == 0) {
			char *end;
			(void)strtoull(o->pos[0], &end, 0);
			if (end == o->pos[0] || *end)
				return usage_error("missing ADDR: '%s' is not an address; give ADDR "
						   "then the target, e.g. 'refheap %s 0x7f... %s' "
						   "(ADDR is hex(id(obj)))", o->pos[0], argv[0],
						   o->pos[0]);
		}
		return usage_error("no target: give a CORE file or --pid PID");
	}
	if (o->core && o->have_pid)
		return usage_error("give a CORE file or --pid PID, not both");
	if (o->no_cache && o->cache_dir)
		return usage_error("--cache-dir and --no-cache contradict each other");
	return -1;
}

/*
 * Threads for the analyses (struct rh_analysis jobs): --jobs once the
 * snapshot's arrays are in the page cache (mapped from the cache file, or
 * moved there before the command went on); while they are anonymous memory
 * (--no-cache, or the cache writer still at work) the parts run one after
 * another, so that the GC simulation's working memory and reachability's
 * do not add up on top of them. Side by side, a cold `gc --no-cache`
 * peaked at 49.0 bytes an object instead of 45.8, and a cold `why` with the
 * writer at work at 45.8-53.5 instead of 47.4-47.6, on the 10M-object
 * benchmark; cold, the writer has the second core anyway (issue 12).
 */
unsigned analysis_jobs(const struct rh_snapshot *s, const struct common_opts *o)
{
	unsigned arrays;
	uint64_t bytes;
	return rh_snapshot_paged(s, &arrays, &bytes) == RH_SNAP_PAGED ? rh_pool_default_jobs(o->jobs)
									: 1;
}

/* Under --verbose, "refheap: note: " WHAT and err's message; err is destroyed. */
static void cache_note(const struct common_opts *o, const char *what, struct rh_error *err)
{
	if (err && o->verbose) {
		fprintf(stderr, "refheap: note: %s", what);
		rh_escape_text(stderr, err->message, strlen(err->message));
		fputc('\n', stderr);
	}
	rh_error_destroy(err);
}

/*
 * The analyses' results saved with the snapshot cache (analysis.h
 * rh_analysis_cache_load): taken before the analyses run, when the
 * snapshot itself came from the cache. A file that fails its checks is
 * built again and replaced; --verbose says why.
 */
void analyses_from_cache(struct rh_analysis *a, struct rh_snapshot *s,
			 const struct common_opts *o, unsigned need)
{
	uint64_t id;
	const char *path = s->from_cache ? rh_snapshot_sidecar_path(s, &id) : NULL;
	if (!path)
		return;
	cache_note(o, "analyses not read from the snapshot cache: ",
		   rh_analysis_cache_load(a, path, id, need));
}

/*
 * Save what the analyses build for the next command on the same core,
 * beside the snapshot's cache file: on a thread, part by part as they are
 * built (analyses_to_cache_start, before rh_analysis_need), then waited
 * for with the snapshot's own writer (analyses_to_cache_finish), whose
 * file must exist for the analyses' to be of use.
 */
void analyses_to_cache_start(struct rh_analysis *a, struct rh_snapshot *s,
			     const struct common_opts *o)
{
	uint64_t id;
	const char *path = rh_snapshot_sidecar_path(s, &id);
	// --jobs 1: on this thread, as the snapshot's own file is.
	struct rh_error *err = path ? rh_analysis_cache_save_start(a, path, id,
								 rh_snapshot_sidecar_room(s),
								 rh_pool_default_jobs(o->jobs) > 1)
				    : NULL;
	cache_note(o, "", err);
}

void analyses_to_cache_finish(struct rh_analysis *a, struct rh_snapshot *s,
			      const struct common_opts *o)
{
	uint64_t id;
	const char *path = rh_snapshot_sidecar_path(s, &id);
	struct rh_error *err = rh_analysis_cache_save_finish(a);
	if (a->cache_saved)
		rh_snapshot_sidecar_settle(s, path);
	cache_note(o, "", err);
}

/*
 * --stats: where the time went and how much memory the snapshot holds
 * beyond the mapped core (malloc's own count: the core itself is mmapped
 * and does not appear in it).
 */
void print_stats(const struct rh_snapshot *s, const struct rh_target *t)
{
	// Resident anonymous memory is what the snapshot costs beyond the
	// mapped core (RssFile); malloc's count includes untouched capacity,
	// the address space the snapshot's arrays reserve at the start
	// (heap/snapshot.c reserve_arrays) among it.
	struct mallinfo2 mi = mallinfo2();
	double heap = (double)(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0);
	uint64_t anon = 0, file = 0, peak = 0;
	bool have = rh_target_self_memory(&anon, &file, &peak);
	double anon_mib = (double)anon / (1024.0 * 1024.0);
	fprintf(stderr,
		"refheap: stats: %u objects, %" PRIu64 " edges, %zu roots; snapshot %.3f s "
		"(runtime %.3f, objects %.3f, of which references %.3f); "
		"malloc'd %.1f MiB (address space); resident anonymous %.1f MiB (%.1f bytes/object), "
		"file-backed %.1f MiB, peak RSS %.1f MiB%s\n",
		s->nobjects, s->nedges, s->nroots, s->seconds_runtime + s->seconds_objects,
		s->seconds_runtime, s->seconds_objects, s->seconds_graph, heap, anon_mib,
		s->nobjects ? (double)anon / s->nobjects : 0.0,
		(double)file / (1024.0 * 1024.0), (double)peak / (1024.0 * 1024.0),
		have ? "" : " (resident memory unknown)");
	// Peak beyond the file-backed pages: the largest sample of the
	// anonymous memory (snapshot arrays and the analyses' working
	// arrays), target/target.c rh_target_self_memory_watch. VmHWM less
	// what is file-backed now is no measure of it once the snapshot's
	// arrays went to the page cache (heap/snapshot_cache.c): it is only
	// the fallback where no sample was taken.
	uint64_t apeak = 0;
	if (!rh_target_self_anon_peak(&apeak) && have && peak > file)
		apeak = peak - file;
	if (apeak)
		fprintf(stderr,
			"refheap: stats: peak RSS beyond file-backed pages %.1f MiB (%.1f bytes/object)\n",
			(double)apeak / (1024.0 * 1024.0),
			s->nobjects ? (double)apeak / s->nobjects : 0.0);
	// The arrays moved to the page cache (heap/snapshot_cache.c), known
	// once the writer is done (--verbose and --jobs 1 write before the
	// analyses; otherwise it may still be writing).
	unsigned arrays;
	uint64_t moved;
	enum rh_snap_paging where = rh_snapshot_paged(s, &arrays, &moved);
	if (where == RH_SNAP_MOVING)
		fputs("refheap: stats: the snapshot's arrays are being written to the page cache\n",
		      stderr);
	else if (!s->from_cache && s->have_graph)
		fprintf(stderr, "refheap: stats: the snapshot's arrays in the page cache: "
			"%u of %u, %.1f MiB; the analyses waited %.3f s for them\n", arrays,
			RH_SNAP_ADOPT_MAX, (double)moved / (1024.0 * 1024.0), s->seconds_paged_wait);
	// How the core is mapped. The kernel maps a page-cache folio of
	// 2 MiB with one entry (Linux mm/filemap.c filemap_map_pages, the
	// core being mapped whole at a 2 MiB boundary); a core read from
	// disk comes in such folios where the filesystem has large ones
	// (Linux 6.18, ext4: 93% of a 10M-object core), one that gcore or cp
	// just wrote stays in the 4 KiB ones it was written in (0%). The
	// snapshot reads headers all over the core, and with 4 KiB entries
	// each read of a page out of the TLB walks the page table: on the
	// 10M-object core the GC lists took 0.23 s against 0.35-0.62
	// (issue 12).
	uint64_t core_rss = 0, core_huge = 0;
	if (!s->from_cache && t && rh_target_core_mapping(t, &core_rss, &core_huge))
		fprintf(stderr, "refheap: stats: the core's pages: %.1f MiB resident, %.1f MiB "
			"(%.0f%%) mapped with 2 MiB entries%s\n", (double)core_rss / (1024.0 * 1024.0),
			(double)core_huge / (1024.0 * 1024.0),
			core_rss ? 100.0 * (double)core_huge / (double)core_rss : 0.0,
			core_rss >= ((uint64_t)256 << 20) && core_huge < core_rss / 2 ?
			" (the page cache holds it in 4 KiB pieces, as it was written; "
			"read back from disk, it can come in 2 MiB ones: dd if=CORE iflag=nocache "
			"count=0 drops it from the cache)" : "");
	if (s->from_cache)
		fputs("refheap: stats: snapshot mapped from the snapshot cache\n", stderr);
	else if (s->have_graph)
		fprintf(stderr,
			"refheap: stats: snapshot phases: GC lists %.3f, roots %.3f, references "
			"%.3f, allocator scan %.3f, static storage %.3f, native words %.3f s\n",
			s->seconds_gc_lists, s->seconds_roots, s->seconds_follow,
			s->seconds_alloc_scan, s->seconds_static, s->seconds_native);
	if (!s->from_cache && s->have_graph)
		fprintf(stderr,
			"refheap: stats: address index: %" PRIu64 " objects by their pymalloc block "
			"(%" PRIu64 " slots, %.1f MiB), %" PRIu64 " by hash\n",
			s->stat_by_block, s->stat_block_slots,
			(double)s->stat_block_slots * 4 / (1024.0 * 1024.0), s->stat_others);
}

void print_problems(const struct rh_problems *p, const char *what)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++) {
		fprintf(stderr, "refheap: warning (%s): ", what);
		rh_escape_text(stderr, p->messages[i], strlen(p->messages[i]));
		fputc('\n', stderr);
	}
	if (p->dropped)
		fprintf(stderr, "refheap: warning (%s): %zu more\n", what, p->dropped);
}

/* Problems shown one line each when a command exits "partial". */
#define PARTIAL_SHOWN 5

void print_partial(const struct rh_problems *p)
{
	size_t total = rh_problems_total(p);
	if (!total)
		return;
	fprintf(stderr, "refheap: partial result (exit status 1): %zu problem%s reading the "
		"target%s\n", total, total == 1 ? "" : "s",
		total > PARTIAL_SHOWN ? "; the first ones:" : ":");
	for (size_t i = 0; i < p->count && i < PARTIAL_SHOWN; i++) {
		fputs("refheap:   ", stderr);
		rh_escape_text(stderr, p->messages[i], strlen(p->messages[i]));
		fputc('\n', stderr);
	}
	if (total > PARTIAL_SHOWN)
		fputs("refheap:   ... (all of them: --json \"problems\", or the export's "
		      "snapshot record)\n", stderr);
}

/* What the library does on the user's behalf (debuginfod): one line on stderr. */
static void cli_notice(void *arg, const char *msg)
{
	rh_progress_done();
	fputs("refheap: ", stderr);
	rh_escape_text(stderr, msg, strlen(msg));
	fputc('\n', stderr);
}

/* A debuginfod download: progress on stderr when it is a terminal. */
static void cli_download_progress(void *arg, long done, long total)
{
	char what[96];
	if (total > 0)
		snprintf(what, sizeof(what), "debuginfod download %ld of %ld KiB", done / 1024,
			 total / 1024);
	else
		snprintf(what, sizeof(what), "debuginfod download %ld KiB", done / 1024);
	rh_progress_line(what, total > 0 ? (int)(done * 100 / total) : -1);
}

int open_output(const char *path, struct rh_outfile *of, FILE **out)
{
	*out = stdout;
	if (!path)
		return -1;
	struct rh_error *err = rh_outfile_open(of, path);
	if (err) {
		print_error(err);
		rh_error_destroy(err);
		return RH_EXIT_OS;
	}
	*out = of->f;
	return -1;
}

/* Open the target, its image and read the snapshot. */
struct rh_error *load(const struct common_opts *o, bool graph,
			     bool resume, struct rh_target **t_ret,
			     struct rh_image **img_ret, struct rh_snapshot **snap_ret)
{
	struct rh_target_options topts = { .sysroot = o->sysroot, .exe = o->exe,
					    .no_copy = o->no_copy };
	struct rh_target *t;
	rh_progress_setup(o->json || o->dot);
	rh_progress_phase(o->have_pid ? "stopping and opening the process..." : "opening the core...", 0);
	struct rh_error *err = o->have_pid ?
		rh_target_open_pid((pid_t)o->pid, &topts, &t) :
		rh_target_open_core(o->core, &topts, &t);
	if (err)
		return err;
	struct rh_image_options iopts = {
		.debug_dirs = o->debug_dirs,
		.ndebug_dirs = o->ndebug_dirs,
		.sysroot = o->sysroot,
		.no_debuginfod = o->no_debuginfod,
		.notice = cli_notice,
		.progress = cli_download_progress,
	};
	struct rh_image *img;
	rh_progress_phase("reading the modules and their symbols...", 5);
	err = rh_image_create(t, &iopts, &img);
	if (err)
		goto out_target;
	rh_progress_phase(graph ? "reading the heap: objects, references, roots..."
				: "reading the GC lists...", 15);

	char *cache_dir = NULL;
	if (!o->no_cache)
		cache_dir = o->cache_dir ? strdup(o->cache_dir) : rh_layouts_default_cache_dir();
	// --jobs 1: one thread, also for faulting in the analyses' arrays
	// and checking the cache files.
	rh_pool_set_default_jobs(o->jobs);
	rh_populate_threads(rh_pool_default_jobs(o->jobs) > 1);
	struct rh_snapshot_options sopts = {
		.cache_dir = cache_dir,
		.graph = graph,
		.alloc_scan = graph && !o->no_alloc_scan,
		.have_cache_max = o->have_cache_max,
		.cache_max_mb = o->cache_max_mb,
		.jobs = o->jobs,
		// --verbose shows at once whether the cache file was written
		.cache_write_sync = o->verbose,
	};
	// A graph snapshot of a core is cached beside the layouts, so that
	// the next command on the same core (a GDB session) maps it back;
	// `summary` cuts its GC lists' part from it.
	char *snap_dir = NULL;
	if (cache_dir && asprintf(&snap_dir, "%s/snapshots", cache_dir) < 0)
		snap_dir = NULL;
	struct rh_snapshot *snap;
	err = rh_snapshot_load_or_create(t, img, &sopts, snap_dir, &snap);
	free(snap_dir);
	free(cache_dir);
	rh_progress_phase(graph ? "heap read" : "GC lists read", graph ? 60 : 95);
	if (err)
		goto out_image;
	if (o->verbose && snap->cache_note) {
		fputs("refheap: note: ", stderr);
		rh_escape_text(stderr, snap->cache_note, strlen(snap->cache_note));
		fputc('\n', stderr);
	}
	// The snapshot holds all we need: let a live process run again now
	// rather than after the report is written (unless the report reads
	// the target again, for reprs and labels).
	err = resume ? rh_target_resume(t) : NULL;
	if (err) {
		rh_snapshot_destroy(snap);
		goto out_image;
	}
	rh_progress_done();
	struct rh_live_stats ls;
	if (o->stats && rh_target_live_stats(t, &ls)) {
		fprintf(stderr,
			"refheap: stats: pid %ld was stopped %.1f ms%s; %.1f MiB copied while it was stopped (in %.1f ms)\n",
			o->pid, ls.stopped_ms,
			resume || ls.copied ? "" : " (and still is)",
			(double)ls.copied / (1024.0 * 1024.0), ls.copy_ms);
		fprintf(stderr,
			"refheap: stats: the stop: threads stopped in %.1f ms, maps and registers %.1f ms, copy %.1f ms, resume %.1f ms; %.1f MiB never touched, not copied\n",
			ls.attach_ms, ls.prepare_ms, ls.copy_ms, ls.resume_ms,
			(double)ls.untouched / (1024.0 * 1024.0));
	}
	if (o->verbose) {
		print_problems(rh_target_problems(t), "target");
		print_problems(rh_image_problems(img), "image");
	}
	*t_ret = t;
	*img_ret = img;
	*snap_ret = snap;
	rh_progress_done();
	return NULL;

out_image:
	rh_image_destroy(img);
out_target:
	rh_target_destroy(t);
	rh_progress_done();
	return err;
}

static int cmd_summary(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_JSON | ALLOW_TOP | ALLOW_STATS };
	int status = parse_common(argc, argv, summary_usage, &o);
	if (status >= 0)
		return status;

	struct rh_target *t;
	struct rh_image *img;
	struct rh_snapshot *snap;
	struct rh_error *err = load(&o, false, true, &t, &img, &snap);
	if (err) {
		print_error(err);
		status = rh_exit_status(err);
		rh_error_destroy(err);
		return status;
	}
	struct rh_histogram *h;
	err = rh_histogram_create(snap, &h);
	if (err) {
		print_error(err);
		status = rh_exit_status(err);
		rh_error_destroy(err);
		goto out;
	}
	if (o.stats)
		print_stats(snap, t);
	if (o.json)
		rh_report_summary_json(stdout, snap, h, o.top);
	else
		rh_report_summary_text(stdout, snap, h, o.top);
	rh_histogram_destroy(h);
	status = rh_problems_total(&snap->problems) ? RH_EXIT_PARTIAL : RH_EXIT_OK;
	print_partial(&snap->problems);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "refheap: writing the output failed: %s\n", strerror(errno));
		status = RH_EXIT_OS;
	}
out:
	rh_snapshot_destroy(snap);
	rh_image_destroy(img);
	rh_target_destroy(t);
	return status;
}

static int cmd_export(int argc, char **argv)
{
	struct common_opts o = { .allowed = ALLOW_EXPORT | ALLOW_STATS };
	int status = parse_common(argc, argv, export_usage, &o);
	if (status >= 0)
		return status;
	FILE *out;
	struct rh_outfile of = { 0 };
	if ((status = open_output(o.output, &of, &out)) >= 0)
		return status;
	bool heapsnapshot = o.format && strcmp(o.format, "heapsnapshot") == 0;
	struct rh_target *t;
	struct rh_image *img;
	struct rh_snapshot *snap;
	// The heap snapshot names every edge: a live target stays stopped.
	struct rh_error *err = load(&o, true, !o.repr && !o.labels && !heapsnapshot,
				    &t, &img, &snap);
	if (err) {
		print_error(err);
		status = rh_exit_status(err);
		rh_error_destroy(err);
		rh_outfile_abort(&of);
		return status;
	}
	// Large writes: an export of 10 million objects is gigabytes.
	static char outbuf[1 << 20];
	setvbuf(out, outbuf, _IOFBF, sizeof(outbuf));
	if (o.stats)
		print_stats(snap, t);
	// Verdicts: the analyses read only the snapshot.
	struct rh_analysis an;
	rh_analysis_init(&an, snap);
	an.jobs = analysis_jobs(snap, &o);
	unsigned need = heapsnapshot ? RH_NEED_REACH : RH_NEED_VERDICTS;
	analyses_from_cache(&an, snap, &o, need);
	analyses_to_cache_start(&an, snap, &o);
	err = rh_analysis_need(&an, need);
	if (err) {
		print_error(err);
		rh_error_destroy(err);
		rh_analysis_deinit(&an);
		rh_snapshot_destroy(snap);
		rh_image_destroy(img);
		rh_target_destroy(t);
		rh_outfile_abort(&of);
		return RH_EXIT_FATAL;
	}
	status = RH_EXIT_OK;
	if (o.output)
		rh_progress_phase(heapsnapshot ? "writing the heap snapshot..." : "writing the export...", 80);
	if (heapsnapshot) {
		uint64_t unlabelled = 0;
		struct rh_heapsnapshot_options hopts = { .labels = true,
							 .unlabelled_ret = &unlabelled };
		err = rh_report_heapsnapshot(out, &an, &hopts);
		if (err) {
			print_error(err);
			status = rh_exit_status(err);
			rh_error_destroy(err);
		} else if (unlabelled) {
			fprintf(stderr, "refheap: warning: the references of %" PRIu64 " objects "
				"could not be read again; their edges are named ref#N\n", unlabelled);
		}
	} else {
		struct rh_export_options eopts = { .repr = o.repr, .labels = o.labels,
						   .verdicts = &an.v,
						   .gcsim = &an.gc };
		rh_report_export_jsonl(out, snap, &eopts);
	}
	rh_progress_done();
	analyses_to_cache_finish(&an, snap, &o);
	rh_analysis_deinit(&an);
	if (status == RH_EXIT_OK)
		status = rh_problems_total(&snap->problems) ? RH_EXIT_PARTIAL : RH_EXIT_OK;
	print_partial(&snap->problems);
	if (out == stdout) {
		if (fflush(out) != 0 || ferror(out)) {
			fprintf(stderr, "refheap: writing the output failed: %s\n", strerror(errno));
			status = RH_EXIT_OS;
		}
	} else if (status > RH_EXIT_PARTIAL) {
		// the writer failed: whatever FILE held stays as it was
		rh_outfile_abort(&of);
	} else if ((err = rh_outfile_commit(&of))) {
		print_error(err);
		rh_error_destroy(err);
		status = RH_EXIT_OS;
	}
	rh_snapshot_destroy(snap);
	rh_image_destroy(img);
	rh_target_destroy(t);
	return status;
}

int main(int argc, char **argv)
{
	// The snapshot's arrays grow by realloc to hundreds of MiB. glibc
	// raises its mmap threshold after the first big free (up to 32 MiB),
	// and from then on a growing array is copied into fresh heap pages
	// instead of being moved by mremap: on a 10M-object heap half of the
	// page faults were those copies. A fixed threshold keeps big blocks
	// mmapped (and their huge-page advice, util/bigmem.h, with them).
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	if (argc < 2)
		return usage_error("no command given");
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(main_usage, stdout);
		fputc('\n', stdout);
		fputs(rh_exit_status_help, stdout);
		return RH_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		puts(PACKAGE_STRING);
		return RH_EXIT_OK;
	}
	if (strcmp(cmd, "gdb-bridge") == 0)   /* hidden: run by plugin/refheap.gdb */
		return rh_gdb_bridge(argv[0], argc - 1, argv + 1);
	if (strcmp(cmd, "summary") == 0)
		return cmd_summary(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "why", cmd_why },
		{ "refs", cmd_refs },
		{ "referrers", cmd_referrers },
		{ "histogram", cmd_histogram },
		{ "gc", cmd_gc },
		{ "dominators", cmd_dominators },
		{ "cycles", cmd_cycles },
		{ "leaks", cmd_leaks },
		{ "diff", cmd_diff },
		{ "report", cmd_report },
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
