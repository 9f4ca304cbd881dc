/*
 * Finding CPython in a target and reading its runtime state.
 *
 * Start here: rh_py_runtime_open() finds the module that defines
 * `_PyRuntime` (Python/pylifecycle.c; the `.PyRuntime` section of 3.10+
 * when symbols are gone), answers the layout table of layout_table.h from
 * that module's DWARF, reads the version, then walks
 *   _PyRuntime.interpreters.head -> interp->next ...      (pycore_runtime.h)
 *   interp->tstate_head (<=3.10) / interp->threads.head (3.11+) -> tstate->next
 * and reads each interpreter's GC state: `_PyRuntime.gc` in 3.8, `interp->gc`
 * from 3.9 (bpo-36854), `struct _gc_runtime_state` in
 * Include/internal/pycore_gc.h (3.8-3.12) / pycore_gc.h + Python/gc.c (3.13).
 *
 * Every list in target memory is walked with a bound and a cycle check.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpython/gclist.h"
#include "cpython/py_internal.h"
#include "cpython/pyread.h"
#include "cpython/runtime.h"
#include "dwarf/layouts.h"
#include "image/image.h"
#include "target/target.h"
#include "util/error.h"

/* Bounds on walks of runtime lists; real processes are far below them. */
#define MAX_INTERPRETERS 4096
#define MAX_THREADS 100000
#define TYPE_NAME_MAX 256

const struct rh_py_info *rh_py_runtime_info(const struct rh_py_runtime *rt)
{
	return &rt->info;
}

size_t rh_py_interp_count(const struct rh_py_runtime *rt)
{
	return rt->ninterps;
}

const struct rh_py_interp *rh_py_interp(const struct rh_py_runtime *rt,
					size_t i)
{
	return i < rt->ninterps ? &rt->interps[i] : NULL;
}

void rh_py_runtime_destroy(struct rh_py_runtime *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; i < rt->ninterps; i++)
		free(rt->interps[i].threads);
	free(rt->interps);
	free(rt->types);
	py_traverse_destroy(rt->traverse);
	rh_u64map_deinit(&rt->type_index);
	rh_u64map_deinit(&rt->type_checked);
	rh_arena_deinit(&rt->arena);
	free(rt->glibc_layout);
	free(rt);
}

/* ------------------------------------------------------------------ */
/* Finding the interpreter module                                      */

static bool is_libpython_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "libpython", 9) == 0;
}

/*
 * The module that defines _PyRuntime. libpython is preferred (an executable
 * linked against it only references the symbol); a statically linked python
 * executable defines it itself. 3.10+ also put it in the `.PyRuntime`
 * section (Include/internal/pycore_runtime.h, GENERATE_DEBUG_SECTION), which
 * survives stripping of .symtab.
 */
static struct rh_error *find_runtime_module(struct rh_py_runtime *rt,
					    const struct rh_module **mod_ret,
					    uint64_t *addr_ret)
{
	const struct rh_module *best = NULL;
	uint64_t best_addr = 0;
	size_t n = rh_image_module_count(rt->image);
	for (int pass = 0; pass < 2 && !best; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct rh_module *m = rh_image_module(rt->image, i);
			// Pass 0: libpython only; pass 1: any module.
			if (pass == 0 && !is_libpython_name(m->name))
				continue;
			uint64_t addr, size;
			struct rh_error *err = rh_image_find_symbol(
				rt->image, m, "_PyRuntime", &addr, &size);
			if (err) {
				rh_error_destroy(err);
				err = rh_image_find_section(rt->image, m, ".PyRuntime",
							    &addr, &size);
			}
			if (err) {
				rh_error_destroy(err);
				continue;
			}
			best = m;
			best_addr = addr;
			break;
		}
	}
	if (!best)
		return rh_error_create(
			RH_ERR_NOT_PYTHON,
			"%s is not a Python process: no loaded module defines _PyRuntime "
			"(looked in %zu modules; %s are supported)",
			rh_target_name(rt->target), n, RH_PY_SUPPORTED);
	*mod_ret = best;
	*addr_ret = best_addr;
	return NULL;
}

/* Which Debian package carries the debug file of a module, for messages. */
static void debug_package_hint(const struct rh_module *m, char *buf, size_t len)
{
	const char *base = strrchr(m->name, '/');
	base = base ? base + 1 : m->name;
	unsigned major, minor;
	if (strncmp(m->name, "/usr/", 5) == 0 &&
	    (sscanf(base, "python%u.%u", &major, &minor) == 2 ||
	     sscanf(base, "libpython%u.%u", &major, &minor) == 2)) {
		snprintf(buf, len,
			 "install the Debian package %spython%u.%u-dbg (apt-get install %spython%u.%u-dbg), or pass --debug-dir DIR",
			 base[0] == 'l' ? "lib" : "", major, minor,
			 base[0] == 'l' ? "lib" : "", major, minor);
	} else {
		snprintf(buf, len,
			 "pass --debug-dir DIR with its debug file, or rebuild that Python with -g");
	}
}

static struct rh_error *resolve_layouts(struct rh_py_runtime *rt,
					const struct rh_py_options *opts)
{
	const struct rh_module *m = rt->info.module;
	if (!m->debug_path) {
		char hint[256];
		debug_package_hint(m, hint, sizeof(hint));
		return rh_error_create(
			RH_ERR_MISSING_DEBUG_INFO,
			"no DWARF debug info for %s (build-id %s): looked in %s; %s",
			m->name, m->build_id[0] ? m->build_id : "none",
			m->debug_searched && m->debug_searched[0] ? m->debug_searched
								  : "the file itself",
			hint);
	}
	struct rh_layout_stats stats;
	struct rh_error *err = rh_layouts_resolve(
		m->debug_path, m->build_id[0] ? m->build_id : NULL,
		opts ? opts->cache_dir : NULL, rh_py_layout_queries, PYL_COUNT_,
		rt->L, &stats);
	if (err)
		return rh_error_prefix(err, "reading the struct layouts of %s",
				       m->name);
	rt->info.layouts_from_cache = stats.from_cache;
	rt->info.layouts_seconds = stats.seconds;

	for (size_t i = 0; i < PYL_COUNT_; i++) {
		if (rh_py_layout_required[i] && !rt->L[i].found) {
			const struct rh_layout_query *q = &rh_py_layout_queries[i];
			return rh_error_create(
				RH_ERR_UNSUPPORTED,
				"the DWARF of %s (%s) has no %s%s%s: this CPython version or build is not supported (%s are)",
				m->name, m->debug_path, q->type ? q->type : "",
				q->member ? "." : "", q->member ? q->member : "", RH_PY_SUPPORTED);
		}
	}
	// A free-threaded build (3.13t) has a 32-byte object header and no GC
	// lists; a Py_TRACE_REFS build adds two pointers in front of ob_refcnt.
	if (PYL(rt, SZ_OBJECT) != 16 || PYL(rt, OB_REFCNT) != 0 ||
	    PYL(rt, OB_TYPE) != 8)
		return rh_error_create(
			RH_ERR_UNSUPPORTED,
			"%s has a %" PRId64 "-byte object header (ob_refcnt at %" PRId64
			"): free-threaded and Py_TRACE_REFS builds are not supported",
			m->name, PYL(rt, SZ_OBJECT), PYL(rt, OB_REFCNT));
	// generations[3] (3.8-3.13, 3.14.5+) or the incremental collector's
	// young + old[2] (3.14.0-3.14.4): one of the two, or we cannot read it
	if (!PYL_HAS(rt, GCS_GENERATIONS) &&
	    !(PYL_HAS(rt, GCS_YOUNG) && PYL_HAS(rt, GCS_OLD) && PYL_HAS(rt, GCS_VISITED_SPACE)))
		return rh_error_create(
			RH_ERR_UNSUPPORTED,
			"the DWARF of %s (%s) has neither struct _gc_runtime_state.generations nor "
			"young/old/visited_space: a garbage collector refheap does not know (it reads %s)",
			m->name, m->debug_path, RH_PY_SUPPORTED);
	if (!PYL_HAS(rt, RT_GC) && !PYL_HAS(rt, IS_GC))
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "%s: found no GC state in _PyRuntimeState or PyInterpreterState",
				       m->name);
	if (!PYL_HAS(rt, IS_TSTATE_HEAD) && !PYL_HAS(rt, IS_THREADS_HEAD))
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "%s: found no thread list in PyInterpreterState",
				       m->name);
	if (PYL(rt, SZ_GC_GENERATION) <= 0 || PYL(rt, SZ_GC_HEAD) < 16 ||
	    PYL(rt, SZ_GC_STATE) <= 0 || PYL(rt, SZ_GC_STATE) > 65536)
		return RH_BAD_DATA(0, "%s: implausible GC struct sizes in DWARF",
				   m->debug_path);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* sys.version (str and dict readers: pyread.c)                         */

/* "3.9.18 (main, ...)" or "3.13.0rc2+ ..." -> PY_VERSION_HEX */
static bool parse_version(const char *s, uint32_t *hex_ret, char *out, size_t outlen)
{
	unsigned major, minor, micro = 0;
	int n = 0;
	if (sscanf(s, "%u.%u%n", &major, &minor, &n) < 2)
		return false;
	const char *p = s + n;
	if (*p == '.') {
		int m = 0;
		if (sscanf(p, ".%u%n", &micro, &m) < 1)
			return false;
		p += m;
	}
	unsigned level = 0xf, serial = 0;
	if (p[0] == 'a' || p[0] == 'b' || (p[0] == 'r' && p[1] == 'c')) {
		level = p[0] == 'a' ? 0xa : p[0] == 'b' ? 0xb : 0xc;
		p += p[0] == 'r' ? 2 : 1;
		sscanf(p, "%u", &serial);
	}
	if (major > 255 || minor > 255 || micro > 255 || serial > 15)
		return false;
	*hex_ret = major << 24 | minor << 16 | micro << 8 | level << 4 | serial;
	size_t len = strcspn(s, " ");
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static void version_from_hex(uint32_t hex, char *out, size_t len);

/*
 * Refuse, by name, a version this layer does not know: its layouts may
 * resolve (DWARF names are stable) while their meaning changed. `source`
 * says where the version was read. An unknown version ("unknown", hex 0)
 * is left to the layout checks.
 */
static struct rh_error *version_supported(const struct rh_py_runtime *rt, const char *source)
{
	uint32_t v = rt->info.version_hex;
	unsigned major = v >> 24, minor = (v >> 16) & 0xff;
	if (!v)
		return NULL;
	if (major == 3 && minor >= 8 && minor <= 15)
		return NULL;
	return rh_error_create(RH_ERR_UNSUPPORTED,
			       "%s is CPython %s (read from %s in the core), which refheap does not know: "
			       "it reads %s; use a refheap that supports %s",
			       rt->info.module->name, rt->info.version, source, RH_PY_SUPPORTED,
			       rt->info.version);
}

/* Py_Version (3.11+, Python/getversion.c), before anything else is read. */
static struct rh_error *early_version(struct rh_py_runtime *rt)
{
	uint64_t addr;
	uint32_t hex;
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    "Py_Version", &addr, NULL);
	if (!err)
		err = rh_target_read_u32(rt->target, addr, &hex);
	if (err) {
		rh_error_destroy(err);   // older, or stripped: find_version() tries more
		return NULL;
	}
	if (hex >> 24 == 0)
		return NULL;
	rt->info.version_hex = hex;
	version_from_hex(hex, rt->info.version, sizeof(rt->info.version));
	return version_supported(rt, "Py_Version");
}

static void version_from_hex(uint32_t hex, char *out, size_t len)
{
	unsigned level = (hex >> 4) & 0xf;
	const char *lv = level == 0xa ? "a" : level == 0xb ? "b" : level == 0xc ? "rc" : "";
	if (*lv)
		snprintf(out, len, "%u.%u.%u%s%u", hex >> 24, (hex >> 16) & 0xff,
			 (hex >> 8) & 0xff, lv, hex & 0xf);
	else
		snprintf(out, len, "%u.%u.%u", hex >> 24, (hex >> 16) & 0xff,
			 (hex >> 8) & 0xff);
}

/*
 * The version: `Py_Version` (PY_VERSION_HEX as a uint32 global, 3.11+,
 * Python/getversion.c), else sys.version from the main interpreter's sys
 * dict, else major.minor from the library name.
 */
static void find_version(struct rh_py_runtime *rt)
{
	uint64_t addr;
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    "Py_Version", &addr, NULL);
	uint32_t hex;
	if (!err && !(err = rh_target_read_u32(rt->target, addr, &hex)) &&
	    hex >> 24 == 3) {
		rt->info.version_hex = hex;
		version_from_hex(hex, rt->info.version, sizeof(rt->info.version));
		return;
	}
	rh_error_destroy(err);
	err = NULL;

	const struct rh_py_interp *main_interp = NULL;
	for (size_t i = 0; i < rt->ninterps; i++)
		if (rt->interps[i].main)
			main_interp = &rt->interps[i];
	if (main_interp) {
		uint64_t sysdict = 0, vstr = 0;
		char buf[128];
		if (!(err = rh_target_read_u64(rt->target,
					       main_interp->addr + PYL(rt, IS_SYSDICT),
					       &sysdict)) &&
		    !(err = py_dict_find_str(rt, sysdict, "version", &vstr)) &&
		    !(err = py_read_str(rt, vstr, buf, sizeof(buf), NULL, NULL)) &&
		    parse_version(buf, &rt->info.version_hex, rt->info.version,
				  sizeof(rt->info.version)))
			return;
	}
	if (err)
		rh_problems_add_error(rt->problems, err, "reading sys.version");
	const char *base = strrchr(rt->info.module->name, '/');
	base = base ? base + 1 : rt->info.module->name;
	unsigned major, minor;
	if (sscanf(base, "libpython%u.%u", &major, &minor) == 2 ||
	    sscanf(base, "python%u.%u", &major, &minor) == 2) {
		rt->info.version_hex = major << 24 | minor << 16;
		snprintf(rt->info.version, sizeof(rt->info.version), "%u.%u", major, minor);
	} else {
		snprintf(rt->info.version, sizeof(rt->info.version), "unknown");
	}
}

/* ------------------------------------------------------------------ */
/* Interpreters, threads, GC state                                     */

/*
 * Where the three GC lists and their counters lie in the GC state, as the
 * DWARF names them: generations[0..2], or the incremental collector's
 * young, old[0], old[1] (3.14.0-3.14.4). Offsets of each struct
 * gc_generation in `off`.
 */
static struct rh_error *gc_list_offsets(struct rh_py_runtime *rt, int *model,
					int64_t off[RH_PY_NGENS])
{
	int64_t gsz = PYL(rt, SZ_GC_GENERATION);
	if (PYL_HAS(rt, GCS_GENERATIONS)) {
		int64_t ngens = PYL_HAS(rt, GCS_NGENERATIONS) ? PYL(rt, GCS_NGENERATIONS) : 3;
		if (ngens != RH_PY_NGENS)
			return rh_error_create(RH_ERR_UNSUPPORTED,
					       "this CPython has %" PRId64 " GC generations, expected 3",
					       ngens);
		*model = RH_PY_GC_GENERATIONAL;
		for (int i = 0; i < RH_PY_NGENS; i++)
			off[i] = PYL(rt, GCS_GENERATIONS) + i * gsz;
		return NULL;
	}
	int64_t nold = PYL_HAS(rt, GCS_NOLD) ? PYL(rt, GCS_NOLD) : 2;
	if (nold != 2)
		return rh_error_create(RH_ERR_UNSUPPORTED,
				       "this CPython's incremental GC has %" PRId64 " old spaces, expected 2",
				       nold);
	*model = RH_PY_GC_INCREMENTAL;
	off[0] = PYL(rt, GCS_YOUNG);
	off[1] = PYL(rt, GCS_OLD);
	off[2] = PYL(rt, GCS_OLD) + gsz;
	return NULL;
}

static struct rh_error *read_gc_state(struct rh_py_runtime *rt, uint64_t addr,
				      struct rh_py_gc *gc)
{
	unsigned char buf[65536];
	size_t size = (size_t)PYL(rt, SZ_GC_STATE);
	struct rh_error *err = rh_target_read(rt->target, addr, buf, size);
	if (err)
		return rh_error_prefix(err, "reading the GC state at 0x%" PRIx64, addr);
	memset(gc, 0, sizeof(*gc));
	gc->addr = addr;
	int64_t gsz = PYL(rt, SZ_GC_GENERATION);
	int64_t goff[RH_PY_NGENS];
	if ((err = gc_list_offsets(rt, &gc->model, goff)))
		return err;
	// Every field read below must lie inside the struct we copied.
	int64_t fields[] = { PYL(rt, GCS_ENABLED) + 4, PYL(rt, GCS_COLLECTING) + 4,
			     PYL(rt, GCS_PERMANENT) + gsz, PYL(rt, GCS_GARBAGE) + 8,
			     goff[0] + gsz, goff[1] + gsz, goff[2] + gsz };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] > (int64_t)size)
			return RH_BAD_DATA(addr, "GC state layout exceeds its size");
	gc->enabled = py_get_i32(buf, PYL(rt, GCS_ENABLED)) != 0;
	gc->collecting = py_get_i32(buf, PYL(rt, GCS_COLLECTING)) != 0;
	for (int i = 0; i < RH_PY_NGENS; i++) {
		int64_t g = goff[i];
		gc->gens[i].head_addr = addr + (uint64_t)(g + PYL(rt, GEN_HEAD));
		gc->gens[i].threshold = py_get_i32(buf, g + PYL(rt, GEN_THRESHOLD));
		gc->gens[i].count = py_get_i32(buf, g + PYL(rt, GEN_COUNT));
	}
	gc->heap_size = -1;
	if (PYL_HAS(rt, GCS_HEAP_SIZE) && PYL(rt, GCS_HEAP_SIZE) + 8 <= (int64_t)size)
		gc->heap_size = (int64_t)py_get_u64(buf, PYL(rt, GCS_HEAP_SIZE));
	if (gc->model == RH_PY_GC_INCREMENTAL) {
		// Python/gc.c 3.14.4: visited_space is 0 or 1 (GEN_HEAD asserts
		// it), phase an enum _GCPhase; anything else is a torn core.
		if (!PYL_HAS(rt, GCS_WORK_TO_DO) || !PYL_HAS(rt, GCS_PHASE) ||
		    PYL(rt, GCS_WORK_TO_DO) + 8 > (int64_t)size ||
		    PYL(rt, GCS_VISITED_SPACE) + 4 > (int64_t)size ||
		    PYL(rt, GCS_PHASE) + 4 > (int64_t)size)
			return rh_error_create(RH_ERR_UNSUPPORTED,
					       "the incremental GC state has no work_to_do/phase in the DWARF, "
					       "or they lie outside struct _gc_runtime_state");
		gc->work_to_do = (int64_t)py_get_u64(buf, PYL(rt, GCS_WORK_TO_DO));
		gc->visited_space = py_get_i32(buf, PYL(rt, GCS_VISITED_SPACE));
		gc->phase = py_get_i32(buf, PYL(rt, GCS_PHASE));
		if ((gc->visited_space != 0 && gc->visited_space != 1) ||
		    (gc->phase != RH_PY_GC_PHASE_MARK && gc->phase != RH_PY_GC_PHASE_COLLECT))
			return RH_BAD_DATA(addr, "incremental GC state: visited_space %d, phase %d "
					   "(each must be 0 or 1)", gc->visited_space, gc->phase);
	}
	gc->permanent_head = addr + (uint64_t)(PYL(rt, GCS_PERMANENT) + PYL(rt, GEN_HEAD));
	gc->garbage_addr = py_get_u64(buf, PYL(rt, GCS_GARBAGE));
	if (PYL_HAS(rt, GCS_LONG_LIVED_TOTAL) && PYL_HAS(rt, GCS_LONG_LIVED_PENDING) &&
	    PYL(rt, GCS_LONG_LIVED_TOTAL) + 8 <= (int64_t)size &&
	    PYL(rt, GCS_LONG_LIVED_PENDING) + 8 <= (int64_t)size) {
		gc->have_long_lived = true;
		gc->long_lived_total = (int64_t)py_get_u64(buf, PYL(rt, GCS_LONG_LIVED_TOTAL));
		gc->long_lived_pending = (int64_t)py_get_u64(buf, PYL(rt, GCS_LONG_LIVED_PENDING));
	}
	gc->garbage_len = -1;
	if (gc->garbage_addr) {
		uint64_t len;
		err = rh_target_read_u64(rt->target, gc->garbage_addr + PYL(rt, OB_SIZE), &len);
		if (err)
			rh_problems_add_error(rt->problems, err, "reading len(gc.garbage)");
		else
			gc->garbage_len = (int64_t)len;
	} else {
		gc->garbage_len = 0;
	}
	return NULL;
}

static void read_threads(struct rh_py_runtime *rt, struct rh_py_interp *in)
{
	int64_t off = PYL_HAS(rt, IS_THREADS_HEAD) ? PYL(rt, IS_THREADS_HEAD)
						    : PYL(rt, IS_TSTATE_HEAD);
	uint64_t ts;
	struct rh_error *err = rh_target_read_u64(rt->target, in->addr + off, &ts);
	if (err) {
		rh_problems_add_error(rt->problems, err,
				      "reading the thread list of interpreter %" PRId64, in->id);
		return;
	}
	size_t cap = 0;
	struct rh_u64map seen;
	rh_u64map_init(&seen);
	while (ts) {
		if (in->nthreads >= MAX_THREADS) {
			rh_problems_add(rt->problems,
					"interpreter %" PRId64 ": more than %d thread states, stopped reading them",
					in->id, MAX_THREADS);
			break;
		}
		int r = rh_u64map_insert(&seen, ts, 0, NULL);
		if (r == 0) {
			rh_problems_add(rt->problems,
					"interpreter %" PRId64 ": thread list loops back to 0x%" PRIx64
					" after %zu threads",
					in->id, ts, in->nthreads);
			break;
		}
		if (r < 0)
			break;
		struct rh_py_thread th = { .addr = ts, .native_thread_id = -1, .id = -1 };
		uint64_t next, v;
		if ((err = rh_target_read_u64(rt->target, ts + PYL(rt, TS_NEXT), &next)) ||
		    (err = rh_target_read_u64(rt->target, ts + PYL(rt, TS_THREAD_ID), &th.thread_id))) {
			rh_problems_add_error(rt->problems, err,
					      "interpreter %" PRId64 ": thread state 0x%" PRIx64
					      " unreadable after %zu threads",
					      in->id, ts, in->nthreads);
			break;
		}
		if (PYL_HAS(rt, TS_NATIVE_THREAD_ID) &&
		    rh_target_peek_u64(rt->target, ts + PYL(rt, TS_NATIVE_THREAD_ID), &v))
			th.native_thread_id = (int64_t)v;
		if (PYL_HAS(rt, TS_ID) &&
		    rh_target_peek_u64(rt->target, ts + PYL(rt, TS_ID), &v))
			th.id = (int64_t)v;
		if (in->nthreads == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct rh_py_thread *p = realloc(in->threads, ncap * sizeof(*p));
			if (!p)
				break;
			in->threads = p;
			cap = ncap;
		}
		in->threads[in->nthreads++] = th;
		ts = next;
	}
	rh_u64map_deinit(&seen);
}

/*
 * 3.13+ put a table of their own offsets at the start of _PyRuntime
 * (_Py_DebugOffsets, Include/internal/pycore_runtime.h) for out-of-process
 * tools. Where it covers a field the DWARF gave us, both must agree; on a
 * disagreement the runtime's own table wins (it describes the binary that
 * ran) and the difference is recorded. The cookie "xdebugpy" and the
 * version guard against reading something else.
 */
static void cross_check_debug_offsets(struct rh_py_runtime *rt)
{
	if (!PYL_HAS(rt, DO_RT) || !PYL_HAS(rt, DO_VERSION))
		return;
	uint64_t base = rt->info.runtime_addr + (uint64_t)PYL(rt, DO_RT);
	char cookie[8];
	struct rh_error *err = rh_target_read(rt->target, base, cookie, sizeof(cookie));
	if (err) {
		rh_problems_add_error(rt->problems, err, "reading _Py_DebugOffsets");
		return;
	}
	if (memcmp(cookie, "xdebugpy", 8) != 0) {
		rh_problems_add(rt->problems,
				"_Py_DebugOffsets at 0x%" PRIx64 " lacks its cookie: not cross-checked",
				base);
		return;
	}
	static const struct {
		enum rh_py_layout_index debug, dwarf;
		const char *what;
	} pairs[] = {
		{ PYL_DO_RT_INTERP_HEAD, PYL_RT_INTERP_HEAD, "_PyRuntimeState.interpreters.head" },
		{ PYL_DO_IS_NEXT, PYL_IS_NEXT, "PyInterpreterState.next" },
		{ PYL_DO_IS_ID, PYL_IS_ID, "PyInterpreterState.id" },
		{ PYL_DO_IS_THREADS_HEAD, PYL_IS_THREADS_HEAD, "PyInterpreterState.threads.head" },
		{ PYL_DO_IS_GC, PYL_IS_GC, "PyInterpreterState.gc" },
		{ PYL_DO_IS_SYSDICT, PYL_IS_SYSDICT, "PyInterpreterState.sysdict" },
		{ PYL_DO_TS_NEXT, PYL_TS_NEXT, "PyThreadState.next" },
		{ PYL_DO_TS_THREAD_ID, PYL_TS_THREAD_ID, "PyThreadState.thread_id" },
		{ PYL_DO_TS_NATIVE_ID, PYL_TS_NATIVE_THREAD_ID, "PyThreadState.native_thread_id" },
		{ PYL_DO_OB_TYPE, PYL_OB_TYPE, "PyObject.ob_type" },
		{ PYL_DO_TP_NAME, PYL_TP_NAME, "PyTypeObject.tp_name" },
		{ PYL_DO_TP_FLAGS, PYL_TP_FLAGS, "PyTypeObject.tp_flags" },
		{ PYL_DO_LIST_ITEM, PYL_LIST_ITEM, "PyListObject.ob_item" },
		{ PYL_DO_DICT_KEYS, PYL_DICT_KEYS, "PyDictObject.ma_keys" },
		{ PYL_DO_DICT_VALUES, PYL_DICT_VALUES, "PyDictObject.ma_values" },
		{ PYL_DO_GC_COLLECTING, PYL_GCS_COLLECTING, "struct _gc_runtime_state.collecting" },
	};
	unsigned checked = 0;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!rt->L[pairs[i].debug].found || !rt->L[pairs[i].dwarf].found)
			continue;
		uint64_t v;
		err = rh_target_read_u64(rt->target, base + (uint64_t)rt->L[pairs[i].debug].value, &v);
		if (err) {
			rh_problems_add_error(rt->problems, err, "reading _Py_DebugOffsets");
			return;
		}
		checked++;
		if ((int64_t)v != rt->L[pairs[i].dwarf].value) {
			rh_problems_add(rt->problems,
					"%s: the DWARF says offset %" PRId64 ", the runtime's _Py_DebugOffsets %" PRIu64
					" (using the latter; is the debug file from another build?)",
					pairs[i].what, rt->L[pairs[i].dwarf].value, v);
			rt->L[pairs[i].dwarf].value = (int64_t)v;
		}
	}
	rt->info.debug_offsets_checked = checked;
}

static struct rh_error *read_interpreters(struct rh_py_runtime *rt)
{
	uint64_t rtaddr = rt->info.runtime_addr;
	uint64_t head, main_addr;
	struct rh_error *err;
	if ((err = rh_target_read_u64(rt->target, rtaddr + PYL(rt, RT_INTERP_HEAD), &head)) ||
	    (err = rh_target_read_u64(rt->target, rtaddr + PYL(rt, RT_INTERP_MAIN), &main_addr)))
		return rh_error_prefix(err, "reading _PyRuntime at 0x%" PRIx64, rtaddr);
	if (!head)
		return rh_error_create(RH_ERR_NOT_PYTHON,
				       "%s: _PyRuntime has no interpreter (Python not initialized yet, or already finalized)",
				       rh_target_name(rt->target));
	struct rh_py_gc runtime_gc;
	if (PYL_HAS(rt, RT_GC)) {
		err = read_gc_state(rt, rtaddr + PYL(rt, RT_GC), &runtime_gc);
		if (err)
			return err;
		runtime_gc.runtime_wide = true;
	}
	size_t cap = 0;
	for (uint64_t ip = head; ip; ) {
		if (rt->ninterps >= MAX_INTERPRETERS) {
			rh_problems_add(rt->problems, "more than %d interpreters; stopped reading them",
					MAX_INTERPRETERS);
			break;
		}
		for (size_t i = 0; i < rt->ninterps; i++) {
			if (rt->interps[i].addr == ip) {
				rh_problems_add(rt->problems,
						"interpreter list loops back to 0x%" PRIx64, ip);
				return NULL;
			}
		}
		if (rt->ninterps == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct rh_py_interp *p = realloc(rt->interps, ncap * sizeof(*p));
			if (!p)
				return rh_enomem;
			rt->interps = p;
			cap = ncap;
		}
		struct rh_py_interp *in = &rt->interps[rt->ninterps];
		memset(in, 0, sizeof(*in));
		in->addr = ip;
		in->main = ip == main_addr;
		uint64_t next, id;
		if ((err = rh_target_read_u64(rt->target, ip + PYL(rt, IS_NEXT), &next)) ||
		    (err = rh_target_read_u64(rt->target, ip + PYL(rt, IS_ID), &id))) {
			if (rt->ninterps == 0)
				return rh_error_prefix(err, "reading the main interpreter state");
			rh_problems_add_error(rt->problems, err, "reading interpreter 0x%" PRIx64, ip);
			break;
		}
		in->id = (int64_t)id;
		if (PYL_HAS(rt, RT_GC)) {
			in->gc = runtime_gc;
		} else {
			err = read_gc_state(rt, ip + PYL(rt, IS_GC), &in->gc);
			if (err) {
				if (in->main)
					return err;
				rh_problems_add_error(rt->problems, err,
						      "interpreter %" PRId64, in->id);
			}
		}
		rt->ninterps++;
		read_threads(rt, in);
		ip = next;
	}
	return NULL;
}

/* Bound list walks by what the target could hold: one object per 32 bytes. */
static uint64_t target_capacity(struct rh_target *t)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < rh_target_segment_count(t); i++) {
		struct rh_segment_info s;
		rh_target_segment(t, i, &s);
		bytes += s.end - s.start;
	}
	return bytes / 32 + 1;
}

struct rh_error *rh_py_runtime_open(struct rh_target *t, struct rh_image *img,
				    const struct rh_py_options *opts,
				    struct rh_problems *problems,
				    struct rh_py_runtime **ret)
{
	struct rh_py_runtime *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return rh_enomem;
	rt->target = t;
	rt->image = img;
	rt->problems = problems;
	rh_arena_init(&rt->arena);
	rh_u64map_init(&rt->type_index);
	rt->max_objects = target_capacity(t);
	rt->max_refcnt = rt->max_objects * 4;  /* bytes / 8 */
	rt->core_bytes = rt->max_objects * 32;
	rh_u64map_init(&rt->type_checked);
	if (opts && opts->cache_dir) {
		rt->cache_dir = rh_arena_strndup(&rt->arena, opts->cache_dir,
						 strlen(opts->cache_dir));
		if (!rt->cache_dir) {
			rh_py_runtime_destroy(rt);
			return rh_enomem;
		}
	}

	struct rh_error *err = find_runtime_module(rt, &rt->info.module,
						   &rt->info.runtime_addr);
	if (err)
		goto out_rt;
	// 3.11+ say their version in Py_Version: refuse one we do not know
	// before reading anything with layouts it may not have
	if ((err = early_version(rt)))
		goto out_rt;
	err = resolve_layouts(rt, opts);
	if (err)
		goto out_rt;
	cross_check_debug_offsets(rt);
	err = read_interpreters(rt);
	if (err)
		goto out_rt;
	find_version(rt);
	if ((err = version_supported(rt, "sys.version")))
		goto out_rt;
	if ((err = rh_image_find_symbol(img, rt->info.module, "PyType_Type",
					&rt->type_type, NULL))) {
		rh_problems_add_error(problems, err, "looking up PyType_Type");
		rt->type_type = 0;
	}
	*ret = rt;
	return NULL;

out_rt:
	rh_py_runtime_destroy(rt);
	return err;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

uint64_t py_symbol(struct rh_py_runtime *rt, const char *name)
{
	uint64_t addr = 0;
	struct rh_error *err = rh_image_find_symbol(rt->image, rt->info.module,
						    name, &addr, NULL);
	if (err) {
		rh_error_destroy(err);
		return 0;
	}
	return addr;
}

const char *rh_py_type_name(struct rh_py_runtime *rt, uint64_t type_addr)
{
	const struct py_type *tp = py_type_get(rt, type_addr);
	return tp ? tp->name : "<unknown type>";
}

bool rh_py_type_size_exact(struct rh_py_runtime *rt, uint64_t type_addr)
{
	const struct py_type *tp = py_type_get(rt, type_addr);
	return tp && tp->size_exact;
}

/* Whether a static type's tp_methods table defines __sizeof__. */
static bool defines_sizeof(struct rh_py_runtime *rt, uint64_t methods)
{
	int64_t msz = PYL(rt, SZ_METHODDEF);
	if (!methods || msz <= 0)
		return false;
	// A PyMethodDef table ends with a NULL ml_name; 512 entries is more
	// than any builtin type has.
	for (int i = 0; i < 512; i++) {
		uint64_t name;
		struct rh_error *err = rh_target_read_u64(
			rt->target, methods + (uint64_t)(i * msz) + PYL(rt, ML_NAME), &name);
		if (err) {
			rh_error_destroy(err);
			return false;
		}
		if (!name)
			return false;
		char buf[16];
		size_t len;
		err = rh_target_read_cstr(rt->target, name, buf, sizeof(buf), &len, NULL);
		if (err) {
			rh_error_destroy(err);
			continue;
		}
		if (strcmp(buf, "__sizeof__") == 0)
			return true;
	}
	return false;
}

/*
 * The __sizeof__ a type inherits: walk tp_base from the type itself to the
 * first type that defines __sizeof__ in its tp_methods (that is the one
 * type.__sizeof__ lookup finds for C-defined methods). Builtins whose
 * __sizeof__ is mirrored in objsize.c are recognised by tp_name plus the
 * absence of Py_TPFLAGS_HEAPTYPE (a user class named "list" is not list);
 * qualified names ("collections.deque") cannot be user class names. Any
 * other definer is a C extension's __sizeof__ we do not model: the size is
 * then object.__sizeof__'s and flagged approximate.
 *
 * A Python-level __sizeof__ in a class body is not detected.
 */
static enum py_size_kind size_kind_of(struct rh_py_runtime *rt, uint64_t addr)
{
	static const struct {
		const char *name;
		bool qualified;
		enum py_size_kind kind;
	} known[] = {
		{ "object", false, PY_SIZE_GENERIC },
		{ "list", false, PY_SIZE_LIST },
		{ "dict", false, PY_SIZE_DICT },
		{ "set", false, PY_SIZE_SET },
		{ "frozenset", false, PY_SIZE_SET },
		{ "type", false, PY_SIZE_TYPE },
		{ "frame", false, PY_SIZE_FRAME },
		{ "generator", false, PY_SIZE_GEN },
		{ "coroutine", false, PY_SIZE_GEN },
		{ "async_generator", false, PY_SIZE_GEN },
		{ "int", false, PY_SIZE_LONG },
		{ "str", false, PY_SIZE_UNICODE },
		{ "collections.OrderedDict", true, PY_SIZE_ODICT },
		{ "collections.deque", true, PY_SIZE_DEQUE },
		{ "_io.BufferedReader", true, PY_SIZE_BUFFERED },
		{ "_io.BufferedWriter", true, PY_SIZE_BUFFERED },
		{ "_io.BufferedRandom", true, PY_SIZE_BUFFERED },
	};
	unsigned char buf[512];
	size_t tsz = (size_t)PYL(rt, SZ_TYPE);
	if (tsz > sizeof(buf))
		return PY_SIZE_UNMODELLED;
	for (int depth = 0; addr && depth < 64; depth++) {
		struct rh_error *err = rh_target_read(rt->target, addr, buf, tsz);
		if (err) {
			// An unreadable base: we cannot tell which __sizeof__.
			rh_error_destroy(err);
			return PY_SIZE_UNMODELLED;
		}
		uint64_t flags = py_get_u64(buf, PYL(rt, TP_FLAGS));
		char name[TYPE_NAME_MAX];
		size_t len;
		err = rh_target_read_cstr(rt->target, py_get_u64(buf, PYL(rt, TP_NAME)),
					  name, sizeof(name), &len, NULL);
		// An unqualified name is the builtin's only when the static
		// type object is the interpreter's own: Cython 0.29's runtime
		// has static types named "generator" and "coroutine" whose
		// structs are not CPython's (Cython/Utility/Coroutine.c).
		bool own = rh_image_module_containing(rt->image, addr) == rt->info.module;
		if (!err) {
			for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				if (strcmp(name, known[i].name) == 0 &&
				    (known[i].qualified ||
				     (!(flags & PY_TPFLAGS_HEAPTYPE) && own)))
					return known[i].kind;
		}
		rh_error_destroy(err);
		// Classes from `class` statements have no tp_methods; static
		// types and PyType_FromSpec types may define __sizeof__ there.
		if (defines_sizeof(rt, py_get_u64(buf, PYL(rt, TP_METHODS))))
			return PY_SIZE_UNMODELLED;
		addr = py_get_u64(buf, PYL(rt, TP_BASE));
	}
	return PY_SIZE_GENERIC;
}

const struct py_type *py_type_known(const struct rh_py_runtime *rt, uint64_t addr)
{
	uint32_t idx;
	return rh_u64map_find(&rt->type_index, addr, &idx) ? &rt->types[idx] : NULL;
}

const struct py_type *py_type_get(struct rh_py_runtime *rt, uint64_t addr)
{
	uint32_t idx;
	if (rh_u64map_find(&rt->type_index, addr, &idx))
		return &rt->types[idx];
	if (py_worker_defer())
		return NULL;
	if (rt->ntypes >= UINT32_MAX - 1)
		return NULL;
	if (rt->ntypes == rt->types_cap) {
		size_t ncap = rt->types_cap ? rt->types_cap * 2 : 256;
		struct py_type *p = realloc(rt->types, ncap * sizeof(*p));
		if (!p)
			return NULL;
		rt->types = p;
		rt->types_cap = ncap;
	}
	struct py_type tp = { .addr = addr };
	unsigned char buf[512];
	size_t tsz = (size_t)PYL(rt, SZ_TYPE);
	char name[TYPE_NAME_MAX];
	struct rh_error *err = tsz <= sizeof(buf) ?
		rh_target_read(rt->target, addr, buf, tsz) :
		RH_BAD_DATA(addr, "implausible PyTypeObject size");
	if (err) {
		rh_error_destroy(err);
		snprintf(name, sizeof(name), "<unreadable type 0x%" PRIx64 ">", addr);
	} else {
		tp.basicsize = (int64_t)py_get_u64(buf, PYL(rt, TP_BASICSIZE));
		tp.itemsize = (int64_t)py_get_u64(buf, PYL(rt, TP_ITEMSIZE));
		tp.flags = py_get_u64(buf, PYL(rt, TP_FLAGS));
		size_t len;
		bool trunc;
		err = rh_target_read_cstr(rt->target, py_get_u64(buf, PYL(rt, TP_NAME)),
					  name, sizeof(name), &len, &trunc);
		if (err) {
			rh_error_destroy(err);
			snprintf(name, sizeof(name), "<type 0x%" PRIx64 " with unreadable name>", addr);
		}
		tp.size_kind = size_kind_of(rt, addr);
		tp.size_exact = tp.size_kind != PY_SIZE_UNMODELLED;
		// sys.getsizeof() adds what precedes the object: the GC header
		// and, for managed dict/weakref types, two more words
		// (_PyType_PreHeaderSize, Include/internal/pycore_object.h 3.11+;
		// 3.8-3.10 add sizeof(PyGC_Head) for GC objects only). Static
		// type objects are the exception: see py_object_size().
		tp.presize = (tp.flags & PY_TPFLAGS_HAVE_GC) ? PYL(rt, SZ_GC_HEAD) : 0;
		if (tp.flags & (PY_TPFLAGS_MANAGED_DICT | PY_TPFLAGS_MANAGED_WEAKREF))
			tp.presize += 16;
	}
	tp.name = rh_arena_intern(&rt->arena, name, strlen(name));
	if (!tp.name)
		return NULL;
	idx = (uint32_t)rt->ntypes;
	if (rh_u64map_insert(&rt->type_index, addr, idx, NULL) < 0)
		return NULL;
	rt->types[rt->ntypes++] = tp;
	return &rt->types[idx];
}

struct rh_error *rh_py_object_read(struct rh_py_runtime *rt, uint64_t addr,
				   struct rh_py_object *ret)
{
	unsigned char buf[16];
	struct rh_error *err;
	// In place (issue 12): one per object reached by reference.
	const unsigned char *hdr = py_view(rt->target, addr, sizeof(buf), buf, &err);
	if (!hdr)
		return err;
	struct rh_py_object o = {
		.addr = addr,
		.refcnt = rh_py_refcnt_word(rt, py_get_u64(hdr, PYL(rt, OB_REFCNT))),
		.type_addr = py_get_u64(hdr, PYL(rt, OB_TYPE)),
		.gen = -1,
	};
	const struct py_type *tp = py_type_get(rt, o.type_addr);
	if (!tp)
		return rh_enomem;
	o.size = py_object_size(rt, tp, addr);
	*ret = o;
	return NULL;
}

#define PY_TPFLAGS_READY (1UL << 12)
#define PY_TPFLAGS_TYPE_SUBCLASS (1UL << 31)
/* Negative answers cached at most this many: garbage has no end. */
#define TYPE_CHECK_CACHE_MAX 1000000

/*
 * Whether addr is a type object: readable, sane sizes, a readable name,
 * its own type PyType_Type or a metatype (depth bounds the metaclass
 * chain), and either statically allocated inside a loaded module or, for a
 * heap type, PyType_Ready'd and tracked by the GC (heap types always are).
 * A static type need not be ready: 3.8's functools.KeyWrapper and
 * _lru_list_elem never are (Modules/_functoolsmodule.c 3.8 makes their
 * objects with PyObject_New and never calls PyType_Ready on them), and
 * their objects are real (tests/integration/referents.sh: 21 references
 * of an lru_cache's dicts and lists were refused as "to no object").
 * Answers are cached per address.
 */
static bool type_valid(struct rh_py_runtime *rt, uint64_t addr, int depth)
{
	uint32_t cached;
	if (rh_u64map_find(&rt->type_checked, addr, &cached))
		return cached == 1;
	// The answer is cached below: not from a worker thread.
	if (py_worker_defer())
		return false;
	bool ok = false;
	unsigned char buf[512];
	size_t tsz = (size_t)PYL(rt, SZ_TYPE);
	if (addr == rt->type_type) {
		ok = true;
	} else if (depth < 4 && addr && !(addr & 7) && tsz <= sizeof(buf) &&
		   rh_target_readable(rt->target, addr, tsz)) {
		struct rh_error *err = rh_target_read(rt->target, addr, buf, tsz);
		if (err) {
			rh_error_destroy(err);
			goto out;
		}
		uint64_t flags = py_get_u64(buf, PYL(rt, TP_FLAGS));
		int64_t basic = (int64_t)py_get_u64(buf, PYL(rt, TP_BASICSIZE));
		int64_t item = (int64_t)py_get_u64(buf, PYL(rt, TP_ITEMSIZE));
		uint64_t name = py_get_u64(buf, PYL(rt, TP_NAME));
		uint64_t meta = py_get_u64(buf, PYL(rt, OB_TYPE));
		char c;
		if (((flags & PY_TPFLAGS_HEAPTYPE) && !(flags & PY_TPFLAGS_READY)) ||
		    basic < 16 || basic > (1 << 20) ||
		    item < 0 || item > (1 << 16) || !name ||
		    !rh_target_readable(rt->target, name, 1) ||
		    !rh_target_peek(rt->target, name, &c, 1) || c <= ' ')
			goto out;
		if (meta != rt->type_type) {
			// A metatype is itself a type, and a subclass of type.
			if (!type_valid(rt, meta, depth + 1))
				goto out;
			uint64_t mflags;
			err = rh_target_read_u64(rt->target, meta + PYL(rt, TP_FLAGS), &mflags);
			if (err) {
				rh_error_destroy(err);
				goto out;
			}
			if (!(mflags & PY_TPFLAGS_TYPE_SUBCLASS))
				goto out;
		}
		if (flags & PY_TPFLAGS_HEAPTYPE) {
			uint64_t next;
			err = rh_target_read_u64(rt->target, addr - (uint64_t)PYL(rt, SZ_GC_HEAD) +
						 (uint64_t)PYL(rt, GC_NEXT), &next);
			if (err) {
				rh_error_destroy(err);
				goto out;
			}
			ok = next != 0;
		} else {
			// Static types live in a module's data.
			ok = rh_image_module_containing(rt->image, addr) != NULL;
		}
	}
out:
	if (ok || rt->type_checked.count < TYPE_CHECK_CACHE_MAX)
		rh_u64map_insert(&rt->type_checked, addr, ok ? 1 : 2, NULL);
	return ok;
}

bool rh_py_type_has_stale_slots(struct rh_py_runtime *rt, uint64_t type_addr)
{
	const struct py_type *tp = py_type_get(rt, type_addr);
	if (!tp || (tp->flags & PY_TPFLAGS_HEAPTYPE))
		return false;
	// The static types whose objects embed a value stack: PyFrame_Type
	// (3.8-3.10: f_valuestack inside the object; 3.11+: a frame's own
	// copy of _PyInterpreterFrame), PyGen_Type, PyCoro_Type,
	// PyAsyncGen_Type (3.11+: gi_iframe inside the object).
	static const char *const stacked[] = {
		"frame", "generator", "coroutine", "async_generator",
	};
	for (size_t i = 0; i < sizeof(stacked) / sizeof(stacked[0]); i++)
		if (strcmp(tp->name, stacked[i]) == 0)
			return true;
	return false;
}

uint64_t rh_py_gc_head_size(const struct rh_py_runtime *rt)
{
	return (uint64_t)PYL(rt, SZ_GC_HEAD);
}

void rh_py_block_offsets(const struct rh_py_runtime *rt, uint64_t offs[RH_PY_BLOCK_OFFSETS])
{
	uint64_t gc = (uint64_t)PYL(rt, SZ_GC_HEAD);
	offs[0] = 0;
	offs[1] = gc;
	offs[2] = gc + 16;
}

int64_t rh_py_refcnt_word(const struct rh_py_runtime *rt, uint64_t word)
{
	// 3.14+ (Include/object.h): a union of int64_t ob_refcnt_full with
	// { uint32_t ob_refcnt; uint16_t ob_overflow; uint16_t ob_flags; }.
	// Py_REFCNT() is ob_refcnt, the low 32 bits (Include/refcount.h);
	// ob_flags of a static object holds _Py_STATICALLY_ALLOCATED_FLAG.
	if (PYL_HAS(rt, OB_REFCNT_FULL))
		return (int64_t)(uint32_t)word;
	return (int64_t)word;
}

bool rh_py_refcnt_immortal(const struct rh_py_runtime *rt, int64_t refcnt)
{
	uint32_t v = rt->info.version_hex;
	// 3.12+: immortal when the low 32 bits, as a signed int, are
	// negative (_Py_IsImmortal, Include/object.h 3.12 and 3.13: the
	// count starts at UINT_MAX and increments leave it there; 3.14,
	// Include/refcount.h: it starts at 3 << 30 and stays >= 1 << 31).
	if (v >= 0x030c0000)
		return (int32_t)(uint32_t)refcnt < 0;
	// 3.11: statically allocated objects (deep-frozen code constants,
	// small ints, singletons) start at _PyObject_IMMORTAL_REFCNT,
	// 999999999 (Include/internal/pycore_object.h), and drift from
	// there with ordinary increments and decrements.
	if (v >= 0x030b0000)
		return refcnt >= 999999999 - (1 << 20) && refcnt <= 999999999 + (1LL << 32);
	return false;
}

/* Whether a count is really an address inside a loaded module. */
static bool count_is_module_address(struct rh_py_runtime *rt, uint64_t count)
{
	if (!rt->lowest_module) {
		if (py_worker_defer())
			return false;
		rt->lowest_module = UINT64_MAX;
		for (size_t m = 0; m < rh_image_module_count(rt->image); m++) {
			uint64_t st = rh_image_module(rt->image, m)->start;
			if (st && st < rt->lowest_module)
				rt->lowest_module = st;
		}
	}
	return count >= rt->lowest_module && rh_image_module_containing(rt->image, count);
}

bool rh_py_object_plausible(struct rh_py_runtime *rt, uint64_t addr)
{
	if (!addr || (addr & 7) || !rt->type_type)
		return false;
	uint64_t w[2];
	// In place when it can (issue 12: called for every candidate word of
	// the conservative scans); else readable() first: no error is
	// allocated for the common miss.
	const void *v = rh_target_view(rt->target, addr, sizeof(w));
	if (v)
		memcpy(w, v, sizeof(w));
	else if (!rh_target_readable(rt->target, addr, sizeof(w)) ||
		 !rh_target_peek(rt->target, addr, w, sizeof(w)))
		return false;
	int64_t refcnt = rh_py_refcnt_word(rt, w[PYL(rt, OB_REFCNT) / 8]);
	// 3.14+: the high half of the word is ob_overflow (0 on a 64-bit
	// build) and ob_flags (_Py_IMMORTAL_FLAGS 1, _Py_STATICALLY_ALLOCATED_
	// FLAG 4, Include/refcount.h): a pointer read as a header fails here.
	if (PYL_HAS(rt, OB_REFCNT_FULL)) {
		uint64_t hi = w[PYL(rt, OB_REFCNT) / 8] >> 32;
		if ((hi & 0xFFFF) || (hi >> 16) > 0xFF)
			return false;
	}
	uint64_t tp = w[PYL(rt, OB_TYPE) / 8];
	// A count is at least 1 and at most one per pointer-sized word the
	// process could hold. Anything else is a pointer or data that happens
	// to sit where a header would: words of a list's item array, of a
	// dict's keys, of a freed block.
	// Statically allocated objects start from a huge count and move from
	// there: 999999999 in 3.11 (_PyObject_IMMORTAL_REFCNT,
	// Include/internal/pycore_object.h), 0xFFFFFFFF and no movement in
	// 3.12/3.13 (_Py_IMMORTAL_REFCNT, Include/object.h).
	// 3.14: 3 << 30 to start with (_Py_IMMORTAL_INITIAL_REFCNT,
	// Include/refcount.h), immortal from 1 << 31 on, in the low 32 bits
	// that are all of the count (rh_py_refcnt_word).
	// Each window belongs to its version only: 3.15's socket module
	// state (Modules/socketmodule.c socket_state: sock_type, error,
	// herror...) read as a header gives a "count" that is the address
	// of a type in a non-PIE executable's brk heap, 0x3bd0f930, which
	// 3.11's window took for an immortal object's, and a phantom
	// `herror` with 1,003,534,128 references was exported.
	uint64_t r = (uint64_t)refcnt;
	uint32_t ver = rt->info.version_hex;
	bool immortal = PYL_HAS(rt, OB_REFCNT_FULL) ? r >= (1ULL << 31) && r <= 0xFFFFFFFFu :
			ver >= 0x030c0000 ? r == 0xFFFFFFFFu :
			ver >= 0x030b0000 ? r >= 999999999u && r - 999999999u <= rt->max_refcnt :
			false;
	if (refcnt <= 0 || (r > rt->max_refcnt && !immortal))
		return false;
	// In a non-PIE executable (Debian's python3.11) static data sits at
	// 0x400000-0x1000000: a structure of pointers there (a capsule's C
	// API table: PyDateTimeAPI's DateType, DateTimeType...) reads as a
	// count of millions followed by a valid type. A count that is an
	// address inside a loaded module is taken for what it more likely
	// is, a pointer; so is an aligned count that is an address the
	// target maps (its brk heap sits right above such an executable).
	// A real count that large (64K and more, a multiple of 8, and
	// equal to a mapped address) on an object found only by a scan is
	// far rarer than a structure of pointers, and refusing it costs one
	// conservative edge.
	if (!immortal && (count_is_module_address(rt, r) ||
			  (r >= 0x10000 && !(r & 7) && rh_target_readable(rt->target, r, 8))))
		return false;
	return type_valid(rt, tp, 0);
}

/*
 * An object on no GC list, if its type is a GC type, is untracked: _gc_next
 * 0 and _gc_prev holding at most the FINALIZED/COLLECTING flag bits
 * (_PyObject_GC_Link and _PyObject_GC_UNTRACK, Modules/gcmodule.c and
 * Include/internal/pycore_object.h 3.8-3.13; Python/gc.c 3.14).
 */
static bool gc_head_untracked(struct rh_py_runtime *rt, const struct py_type *tp,
			      uint64_t obj)
{
	if (!(tp->flags & PY_TPFLAGS_HAVE_GC))
		return true;
	uint64_t head = obj - (uint64_t)PYL(rt, SZ_GC_HEAD), next, prev;
	struct rh_error *err = rh_target_read_u64(rt->target, head + PYL(rt, GC_NEXT), &next);
	if (!err)
		err = rh_target_read_u64(rt->target, head + PYL(rt, GC_PREV), &prev);
	if (err) {
		rh_error_destroy(err);
		return false;
	}
	return next == 0 && prev <= 3;
}

bool rh_py_gc_head_untracked(struct rh_py_runtime *rt, uint64_t addr, uint64_t type_addr)
{
	// A statically allocated object (a static type, 3.12+'s static
	// strings and deep-frozen code) has no GC header: the words before
	// it are the module's other data.
	if (rh_image_module_containing(rt->image, addr))
		return true;
	const struct py_type *tp = py_type_get(rt, type_addr);
	return tp && gc_head_untracked(rt, tp, addr);
}

void rh_py_object_prefetch(struct rh_py_runtime *rt, uint64_t addr)
{
	// rh_target_view writes the target's last-segment cache: GCC cannot
	// take this function for one without effects and drop its calls
	// (see RH_PREFETCH_FN in util/keyindex.h).
	//
	// Two lines: what a header read goes on to read for the object's
	// size lies in its first 48 bytes: an int's or a tuple's ob_size at
	// +16, past the first line for one object in four (objects are
	// 16-aligned); a str's state at +32 and its wstr at +40, past it for
	// one in two (Include/cpython/unicodeobject.h PyASCIIObject; wstr
	// 3.8-3.11 only). Most objects the snapshot adds by reference are such
	// (7.1M of 9.4M on bench/mkheap.py's 10M-object heap), and each
	// second line was a miss on the main thread's path: resolving
	// references took 0.874 s at best against 0.953 (six runs each,
	// alternating; issue 12).
	const char *v = rh_target_view(rt->target, addr, 48);
	if (v) {
		__builtin_prefetch(v);
		__builtin_prefetch(v + 32);
	} else if ((v = rh_target_view(rt->target, addr, 16))) {
		__builtin_prefetch(v);
	}
}

bool rh_py_type_plausible(struct rh_py_runtime *rt, uint64_t addr)
{
	return type_valid(rt, addr, 0);
}

/*
 * The header of a candidate found by the allocator scan agrees with its
 * type; now the rest of it must agree with the block. Stale bytes in a
 * reused block (a C string written over the front of a freed tuple) pass
 * the header checks often enough to matter on real heaps.
 *  - A GC object the scan finds is on no GC list (those were read first),
 *    so it must be untracked (gc_head_untracked).
 *  - Its extent, pre-header + basic size + inline items, lies inside the
 *    block (the pymalloc size class, or the glibc chunk's usable size).
 *  - Its per-type fields are possible (py_object_inline_size), and its
 *    full size (what sys.getsizeof() would say) is readable and within
 *    the target's memory.
 */
static bool block_object_consistent(struct rh_py_runtime *rt, const struct py_type *tp,
				    uint64_t block, uint64_t size, uint64_t obj)
{
	if (!gc_head_untracked(rt, tp, obj))
		return false;
	bool bad = false;
	uint64_t extent = py_object_inline_size(rt, tp, obj, &bad);
	// extent counts the type's pre-header; what precedes obj in the
	// block is `before` bytes (the same, but for the 3.8-3.10 layout).
	uint64_t before = obj - block, body = extent - (uint64_t)tp->presize;
	if (bad || body > size || before > size - body)
		return false;
	py_object_size_checked(rt, tp, obj, &bad);
	return !bad;
}

bool rh_py_block_object(struct rh_py_runtime *rt, uint64_t block, uint64_t size,
			uint64_t *obj_ret)
{
	uint64_t gc = (uint64_t)PYL(rt, SZ_GC_HEAD);
	uint64_t offsets[RH_PY_BLOCK_OFFSETS];
	rh_py_block_offsets(rt, offsets);
	for (size_t i = 0; i < RH_PY_BLOCK_OFFSETS; i++) {
		uint64_t obj = block + offsets[i];
		if (offsets[i] + 16 > size)
			break;
		if (!rh_py_object_plausible(rt, obj))
			continue;
		uint64_t type;
		struct rh_error *err = rh_target_read_u64(rt->target, obj + PYL(rt, OB_TYPE), &type);
		if (err) {
			rh_error_destroy(err);
			continue;
		}
		// (rh_py_object_plausible refused counts that are module
		// addresses, and read 3.14's count word: nothing references
		// what the scan proposes, so the header is all the evidence.)
		const struct py_type *tp = py_type_get(rt, type);
		if (!tp)
			return false;
		// presize is exactly what precedes such an object in its block.
		if ((uint64_t)tp->presize != offsets[i] &&
		    // 3.8-3.10 have no managed pre-header
		    ((tp->flags & PY_TPFLAGS_HAVE_GC) ? gc : 0) != offsets[i])
			continue;
		if (!block_object_consistent(rt, tp, block, size, obj))
			return false;
		*obj_ret = obj;
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Walking the GC lists                                                */

struct walk_ctx {
	struct rh_py_runtime *rt;
	rh_py_object_fn *fn;
	rh_py_objects_fn *batch_fn;   /* instead of fn, when set */
	void *arg;
	int gen;
	size_t gc_head;
	bool stopped;
	struct rh_error *err;
	struct rh_py_object *batch;   /* RH_PY_GC_BATCH, with batch_fn */
	size_t nbatch;
};

/* Hand the batch over; false when the callback stops the walk. */
static bool walk_flush(struct walk_ctx *w)
{
	size_t n = w->nbatch;
	w->nbatch = 0;
	if (n && w->batch_fn(w->arg, w->batch, n)) {
		w->stopped = true;
		return false;
	}
	return true;
}

/*
 * A node's size reads more than the chaser read of it: the object's
 * fields (a list's allocated, a dict's keys and their size), one cache
 * miss after another on this thread (on a Sphinx build's heap, whose
 * lists are in no address order, a third of its time in the GC lists,
 * issue 12). Prefetched SIZE_AHEAD nodes ahead, the dicts' keys half as
 * far.
 */
#define SIZE_AHEAD 8

static void size_prefetch(struct walk_ctx *w, uint64_t node, const unsigned char *bytes)
{
	// Only a type already read: the table fills in node order, as
	// without the pipe.
	const struct py_type *tp = py_type_known(w->rt,
						 py_get_u64(bytes + w->gc_head, PYL(w->rt, OB_TYPE)));
	if (tp)
		py_object_size_prefetch(w->rt, tp, node + w->gc_head);
}

static int walk_node(void *arg, uint64_t node, const unsigned char *bytes)
{
	struct walk_ctx *w = arg;
	struct rh_py_runtime *rt = w->rt;
	const unsigned char *ob = bytes + w->gc_head;
	struct rh_py_object o = {
		.addr = node + w->gc_head,
		.refcnt = rh_py_refcnt_word(rt, py_get_u64(ob, PYL(rt, OB_REFCNT))),
		.type_addr = py_get_u64(ob, PYL(rt, OB_TYPE)),
		.gen = w->gen,
	};
	const struct py_type *tp = py_type_get(rt, o.type_addr);
	if (!tp) {
		w->err = rh_enomem;
		return 1;
	}
	o.size = py_object_size(rt, tp, o.addr);
	if (w->batch_fn) {
		w->batch[w->nbatch++] = o;
		return w->nbatch == RH_PY_GC_BATCH && !walk_flush(w);
	}
	if (w->fn(w->arg, &o)) {
		w->stopped = true;
		return 1;
	}
	return 0;
}

/*
 * With jobs > 1 (the batch walk) a thread of its own chases the lists
 * while this one makes objects of the nodes: the chase is one dependent
 * cache miss per node (about half the walk's time on a 2.3M-object heap),
 * the rest overlaps it. The chaser runs rh_gclist_walk() itself, with its
 * bounds and checks, and hands the nodes' bytes over in chunks through a
 * ring, each list's end with its error and count: this thread sees the
 * same nodes, errors and counts in the same order as a walk of its own.
 * Only reads of the target happen on the chaser (rh_py_workers_allowed).
 */
#define PIPE_CHUNK 2048
#define PIPE_SLOTS 4

struct pipe_chunk {
	uint32_t n;              /* nodes */
	bool end;                /* the list ends after them */
	struct rh_error *err;    /* with end: the list walk's error, owned */
	uint64_t walked;         /* with end: its count */
	uint64_t node[PIPE_CHUNK];
	unsigned char bytes[PIPE_CHUNK][RH_GCLIST_MAX_NODE_READ];
};

struct gc_pipe {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rh_target *t;
	const struct rh_gclist_params *params;   /* one per list */
	int nlists;
	struct pipe_chunk *slots;                /* PIPE_SLOTS */
	uint64_t produced, consumed;             /* chunks, under mu */
	bool abort;                              /* under mu */
	struct pipe_chunk *cur;                  /* the chaser's */
};

/* The chaser's next chunk to fill, or NULL once the walk is abandoned. */
static struct pipe_chunk *pipe_next(struct gc_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->produced - p->consumed == PIPE_SLOTS && !p->abort)
		pthread_cond_wait(&p->cv, &p->mu);
	struct pipe_chunk *c = p->abort ? NULL : &p->slots[p->produced % PIPE_SLOTS];
	pthread_mutex_unlock(&p->mu);
	if (c) {
		c->n = 0;
		c->end = false;
		c->err = NULL;
		c->walked = 0;
	}
	return c;
}

static void pipe_publish(struct gc_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->produced++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int pipe_node(void *arg, uint64_t node, const unsigned char *bytes)
{
	struct gc_pipe *p = arg;
	struct pipe_chunk *c = p->cur;
	c->node[c->n] = node;
	memcpy(c->bytes[c->n], bytes, p->params[0].node_read);
	if (++c->n < PIPE_CHUNK)
		return 0;
	pipe_publish(p);
	p->cur = pipe_next(p);
	return !p->cur;
}

static void *pipe_main(void *arg)
{
	struct gc_pipe *p = arg;
	p->cur = pipe_next(p);
	for (int g = 0; g < p->nlists && p->cur; g++) {
		uint64_t n = 0;
		struct rh_error *err = rh_gclist_walk(p->t, &p->params[g], pipe_node, p, &n);
		if (!p->cur) {
			rh_error_destroy(err);   /* abandoned meanwhile */
			break;
		}
		p->cur->end = true;
		p->cur->err = err;
		p->cur->walked = n;
		pipe_publish(p);
		p->cur = pipe_next(p);
	}
	return NULL;
}

/* The consumer's next chunk (blocks until the chaser publishes it). */
static struct pipe_chunk *pipe_take(struct gc_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->produced == p->consumed)
		pthread_cond_wait(&p->cv, &p->mu);
	struct pipe_chunk *c = &p->slots[p->consumed % PIPE_SLOTS];
	pthread_mutex_unlock(&p->mu);
	return c;
}

static void pipe_release(struct gc_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->consumed++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Stop the chaser (if still running), wait for it, free what it left. */
static void pipe_finish(struct gc_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->abort = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	for (uint64_t k = p->consumed; k < p->produced; k++)
		rh_error_destroy(p->slots[k % PIPE_SLOTS].err);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
}

static bool pipe_start(struct gc_pipe *p, struct rh_target *t,
		       const struct rh_gclist_params *params, int nlists)
{
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->params = params;
	p->nlists = nlists;
	p->slots = malloc(PIPE_SLOTS * sizeof(*p->slots));
	if (!p->slots)
		return false;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p->slots);
		return false;
	}
	return true;
}

/*
 * One list through the pipe: walk_node for each node the chaser read,
 * then its error and count. Like rh_gclist_walk, stopping (w->stopped,
 * w->err) leaves the rest of the list unread and no error.
 */
static struct rh_error *pipe_list(struct gc_pipe *p, struct walk_ctx *w, uint64_t *n_ret)
{
	uint64_t n = 0;
	for (;;) {
		struct pipe_chunk *c = pipe_take(p);
		for (uint32_t i = 0; i < c->n; i++) {
			// What the sizes read past the node's first bytes
			// (walk_node): the object's fields, SIZE_AHEAD nodes on,
			// then a dict's keys, once those fields have arrived.
			if (i + SIZE_AHEAD < c->n)
				rh_py_object_prefetch(w->rt, c->node[i + SIZE_AHEAD] + w->gc_head + 16);
			if (i + SIZE_AHEAD / 2 < c->n)
				size_prefetch(w, c->node[i + SIZE_AHEAD / 2], c->bytes[i + SIZE_AHEAD / 2]);
			n++;
			if (walk_node(w, c->node[i], c->bytes[i]))
				break;
		}
		bool end = c->end;
		struct rh_error *err = c->err;
		uint64_t walked = c->walked;
		c->err = NULL;
		pipe_release(p);
		if (w->stopped || w->err) {
			rh_error_destroy(err);
			*n_ret = n;
			return NULL;
		}
		if (end) {
			*n_ret = walked;
			return err;
		}
	}
}

static struct rh_error *gc_walk(struct walk_ctx *w0, size_t interp,
				struct rh_problems *problems, uint64_t *walked_ret,
				uint32_t jobs)
{
	struct walk_ctx w = *w0;
	struct rh_py_runtime *rt = w.rt;
	if (interp >= rt->ninterps)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT, "no interpreter %zu", interp);
	const struct rh_py_interp *in = &rt->interps[interp];
	uint64_t total = 0;
	static const char *const names[] = { "generation 0", "generation 1",
					     "generation 2", "the permanent generation" };
	static const char *const inc_names[] = { "the young generation", "old space 0",
						 "old space 1", "the permanent generation" };
	const char *const *lname = in->gc.model == RH_PY_GC_INCREMENTAL ? inc_names : names;
	struct rh_gclist_params params[RH_PY_GEN_PERMANENT + 1];
	for (int g = 0; g <= RH_PY_GEN_PERMANENT; g++)
		params[g] = (struct rh_gclist_params){
			.head = g < RH_PY_NGENS ? in->gc.gens[g].head_addr : in->gc.permanent_head,
			.next_off = (size_t)PYL(rt, GC_NEXT),
			.prev_off = (size_t)PYL(rt, GC_PREV),
			// PyGC_Head + ob_refcnt + ob_type: nothing past the
			// smallest object, so a node at the very end of a segment
			// still reads. ob_size is read only for var-sized types.
			.node_read = w.gc_head + 16,
			.max_nodes = rt->max_objects,
			// During a collection _gc_prev holds gc_refs, not a link
			// (Modules/gcmodule.c update_refs()).
			.check_prev = !in->gc.collecting,
		};
	struct gc_pipe pipe;
	bool piped = jobs > 1 && params[0].node_read <= RH_GCLIST_MAX_NODE_READ &&
		     rh_py_workers_allowed(rt) &&
		     pipe_start(&pipe, rt->target, params, RH_PY_GEN_PERMANENT + 1);
	for (int g = 0; g <= RH_PY_GEN_PERMANENT && !w.stopped; g++) {
		w.gen = g;
		uint64_t n = 0;
		struct rh_error *err = piped ? pipe_list(&pipe, &w, &n)
					     : rh_gclist_walk(rt->target, &params[g], walk_node, &w, &n);
		total += n;
		// This list's objects go before its problem.
		if (w.batch_fn && !w.err && !w.stopped)
			walk_flush(&w);
		if (w.err) {
			rh_error_destroy(err);
			if (piped)
				pipe_finish(&pipe);
			return w.err;
		}
		if (err) {
			rh_problems_add_error(problems, err, "interpreter %" PRId64 ", %s",
					      in->id, lname[g]);
		}
	}
	if (piped)
		pipe_finish(&pipe);
	if (walked_ret)
		*walked_ret = total;
	return NULL;
}

struct rh_error *rh_py_gc_for_each(struct rh_py_runtime *rt, size_t interp,
				   struct rh_problems *problems,
				   rh_py_object_fn *fn, void *arg,
				   uint64_t *walked_ret)
{
	struct walk_ctx w = {
		.rt = rt, .fn = fn, .arg = arg,
		.gc_head = (size_t)PYL(rt, SZ_GC_HEAD),
	};
	return gc_walk(&w, interp, problems, walked_ret, 1);
}

struct rh_error *rh_py_gc_for_each_batch(struct rh_py_runtime *rt, size_t interp,
					 struct rh_problems *problems,
					 rh_py_objects_fn *fn, void *arg, uint32_t jobs)
{
	struct rh_py_object *batch = malloc(RH_PY_GC_BATCH * sizeof(*batch));
	if (!batch)
		return rh_enomem;
	struct walk_ctx w = {
		.rt = rt, .batch_fn = fn, .arg = arg, .batch = batch,
		.gc_head = (size_t)PYL(rt, SZ_GC_HEAD),
	};
	struct rh_error *err = gc_walk(&w, interp, problems, NULL, jobs);
	free(batch);
	return err;
}

/*
 * _PyObject_GC_MAY_BE_TRACKED (Include/internal/pycore_gc.h 3.14.4) for an
 * object on no GC list: PyObject_IS_GC (Py_TPFLAGS_HAVE_GC, and for type
 * objects, whose tp_is_gc is type_is_gc, a heap type) and not a tuple.
 */
static bool may_be_tracked_untracked(struct rh_py_runtime *rt, uint64_t obj, uint64_t tuple_type)
{
	uint64_t type_addr;
	if (!rh_target_peek_u64(rt->target, obj + PYL(rt, OB_TYPE), &type_addr))
		return true;   // unsure: keep the tuple tracked
	if (type_addr == tuple_type)
		return false;  // an untracked tuple
	const struct py_type *tp = py_type_get(rt, type_addr);
	if (!tp)
		return true;
	if (!(tp->flags & PY_TPFLAGS_HAVE_GC))
		return false;
	if (rt->type_type && type_addr == rt->type_type) {
		uint64_t flags;
		if (!rh_target_peek_u64(rt->target, obj + PYL(rt, TP_FLAGS), &flags))
			return true;
		return (flags & PY_TPFLAGS_HEAPTYPE) != 0;
	}
	return true;
}

bool rh_py_tuple_gc_untracks(struct rh_py_runtime *rt, uint64_t addr, uint64_t type_addr,
			     const uint64_t *items, const bool *tracked, size_t nitems)
{
	if (!rt->tuple_type_known) {
		rt->tuple_type = py_symbol(rt, "PyTuple_Type");
		rt->tuple_type_known = true;
	}
	if (!rt->tuple_type || type_addr != rt->tuple_type)
		return false;
	uint64_t size;
	if (!rh_target_peek_u64(rt->target, addr + PYL(rt, OB_SIZE), &size) || size != nitems)
		return false;   // a NULL item (under construction), or unreadable
	for (size_t k = 0; k < nitems; k++) {
		if (tracked[k] || may_be_tracked_untracked(rt, items[k], rt->tuple_type))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Worker threads (runtime.h)                                          */

_Thread_local bool py_worker_mode;
_Thread_local bool py_worker_deferred;
_Thread_local void (*py_fill_barrier)(void *);
_Thread_local void *py_fill_barrier_arg;

void rh_py_main_barrier(void (*fn)(void *), void *arg)
{
	py_fill_barrier = fn;
	py_fill_barrier_arg = arg;
}

struct rh_error *rh_py_workers_prepare(struct rh_py_runtime *rt)
{
	(void)count_is_module_address(rt, 0);
	return py_traverse_prepare(rt);
}

bool rh_py_workers_allowed(const struct rh_py_runtime *rt)
{
	// A live target without a copy reads through a block cache that
	// one thread fills at a time (target/live.c rh_target_live_read).
	return rh_target_kind(rt->target) != RH_TARGET_LIVE;
}

void rh_py_worker_enter(void)
{
	py_worker_mode = true;
	py_worker_deferred = false;
}

void rh_py_worker_leave(void)
{
	py_worker_mode = false;
}

bool rh_py_worker_take_deferred(void)
{
	bool d = py_worker_deferred;
	py_worker_deferred = false;
	return d;
}
