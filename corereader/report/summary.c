/*
 * Rendering of `refheap summary`; see summary.h.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"
#include "report/summary.h"
#include "report/gcstate.h"

static const char *const gen_names[RH_HIST_NGENS] = { "0", "1", "2", "permanent" };

static void human_bytes(char *buf, size_t len, uint64_t b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

static void text_str(FILE *f, const char *s)
{
	rh_escape_text(f, s, strlen(s));
}

static void type_table(FILE *f, const struct rh_snapshot *s,
		       const struct rh_histogram *h, unsigned top,
		       const char *title)
{
	uint32_t n = top && top < h->ntypes ? top : h->ntypes;
	fprintf(f, "\n%s (%u of %u types):\n", title, n, h->ntypes);
	fprintf(f, "  %12s %12s %8s  %s\n", "count", "bytes", "avg", "type");
	for (uint32_t i = 0; i < n; i++) {
		const struct rh_hist_type *r = &h->types[i];
		char b[32];
		human_bytes(b, sizeof(b), r->bytes);
		fprintf(f, "  %12" PRIu64 " %c%11s %8" PRIu64 "  ", r->count,
			s->types[r->type].size_exact ? ' ' : '~', b,
			r->count ? r->bytes / r->count : 0);
		text_str(f, s->types[r->type].name);
		// Two classes may share a name (defined twice, or in two
		// modules): tell them apart by address.
		for (uint32_t k = 0; k < h->ntypes; k++) {
			if (k != i && strcmp(s->types[h->types[k].type].name,
					     s->types[r->type].name) == 0) {
				fprintf(f, " (type at 0x%" PRIx64 ")", s->types[r->type].addr);
				break;
			}
		}
		fputc('\n', f);
	}
}

void rh_report_summary_text(FILE *f, const struct rh_snapshot *s,
			    struct rh_histogram *h, unsigned top)
{
	fputs("refheap summary of ", f);
	text_str(f, s->target_name);
	// A live target is named "pid N" already: say the pid once.
	if (s->live)
		fputs(" (live)\n", f);
	else
		fprintf(f, " (pid %d)\n", s->pid);
	fprintf(f, "Python %s in ", s->python_version);
	text_str(f, s->python_module);
	fprintf(f, "\n  build-id %s, layouts %s", s->build_id[0] ? s->build_id : "none",
		s->layouts_from_cache ? "from cache" : "read from DWARF");
	if (s->debug_offsets_checked)
		fprintf(f, ", %u fields confirmed by _Py_DebugOffsets", s->debug_offsets_checked);
	fputc('\n', f);
	fputs("  debug info: ", f);
	text_str(f, s->debug_file);
	fputc('\n', f);

	size_t nthreads = 0;
	for (size_t i = 0; i < s->ninterps; i++)
		nthreads += s->interps[i].nthreads;
	fprintf(f, "Interpreters: %zu, threads: %zu\n", s->ninterps, nthreads);

	for (size_t i = 0; i < s->ninterps; i++) {
		const struct rh_snap_interp *in = &s->interps[i];
		const struct rh_snap_gc *gc = &in->gc;
		fprintf(f, "\nInterpreter %" PRId64 "%s at 0x%" PRIx64 ", %zu thread%s\n",
			in->id, in->main ? " (main)" : "", in->addr, in->nthreads,
			in->nthreads == 1 ? "" : "s");
		for (size_t k = 0; k < in->nthreads; k++) {
			const struct rh_snap_thread *t = &in->threads[k];
			fprintf(f, "  thread state 0x%" PRIx64 ", thread id 0x%" PRIx64,
				t->addr, t->thread_id);
			if (t->native_thread_id >= 0)
				fprintf(f, ", native id %" PRId64, t->native_thread_id);
			fputc('\n', f);
		}
		fprintf(f, "  GC: %s%s%s\n", gc->enabled ? "enabled" : "DISABLED (gc.disable())",
			gc->collecting ? ", a collection is in progress" : "",
			in->gc_owner != i ? ", shared with interpreter 0" : "");
		if (in->gc_owner != i)
			continue;
		bool inc = gc->model == RH_SNAP_GC_INCREMENTAL;
		fprintf(f, "  %-*s %9s %9s %12s %12s\n", inc ? 18 : 10,
			inc ? "list" : "generation", "threshold", "count", "objects", "bytes");
		for (int g = 0; g < RH_HIST_NGENS; g++) {
			const struct rh_hist_gen *hg = &h->gens[i][g];
			char b[32], name[40];
			human_bytes(b, sizeof(b), hg->bytes);
			// the incremental collector's lists: young, old[0], old[1]
			// marked visited or pending this round
			if (inc && (g == 1 || g == 2))
				snprintf(name, sizeof(name), "%s %s", rh_gc_list_short(gc, g),
					 g - 1 == (gc->visited_space & 1) ? "visited" : "pending");
			else
				snprintf(name, sizeof(name), "%s", inc ? rh_gc_list_short(gc, g) : gen_names[g]);
			if (g < RH_SNAP_NGENS)
				fprintf(f, "  %-*s %9" PRId64 " %9" PRId64 " %12" PRIu64 " %12s\n",
					inc ? 18 : 10, name, gc->gens[g].threshold, gc->gens[g].count,
					hg->objects, b);
			else
				fprintf(f, "  %-*s %9s %9s %12" PRIu64 " %12s\n", inc ? 18 : 10, name,
					"-", "-", hg->objects, b);
		}
		rh_gc_print_model(f, gc, "  ");
		if (gc->garbage_len >= 0)
			fprintf(f, "  gc.garbage: %" PRId64 " object%s\n", gc->garbage_len,
				gc->garbage_len == 1 ? "" : "s");
		if (gc->have_long_lived)
			fprintf(f, "  full-collection heuristic: long_lived_pending %" PRId64
				", long_lived_total %" PRId64 "\n",
				gc->long_lived_pending, gc->long_lived_total);
	}

	char b[32];
	human_bytes(b, sizeof(b), h->bytes);
	fprintf(f, "\nTracked objects: %" PRIu64 " (%s)\n", h->objects, b);
	if (h->inexact)
		fprintf(f, "  ~ marks types whose C __sizeof__ refheap does not model: sized as\n"
			"    object.__sizeof__ (%" PRIu64 " objects)\n", h->inexact);
	unsigned n = top ? top : 20;
	rh_histogram_sort(h, s, RH_HIST_BY_COUNT);
	type_table(f, s, h, n, "Top types by count");
	rh_histogram_sort(h, s, RH_HIST_BY_BYTES);
	type_table(f, s, h, n, "Top types by size");
	rh_histogram_sort(h, s, RH_HIST_BY_COUNT);

	size_t np = rh_problems_total(&s->problems);
	if (np) {
		fprintf(f, "\nPartial result: %zu problem%s while reading:\n", np,
			np == 1 ? "" : "s");
		for (size_t i = 0; i < s->problems.count; i++) {
			fputs("  ", f);
			text_str(f, s->problems.messages[i]);
			fputc('\n', f);
		}
		if (s->problems.dropped)
			fprintf(f, "  ... and %zu more\n", s->problems.dropped);
	}
}

void rh_report_summary_json(FILE *f, const struct rh_snapshot *s,
			    struct rh_histogram *h, unsigned top)
{
	struct rh_json j;
	rh_json_init(&j, f, false);
	rh_json_object_begin(&j);
	rh_json_key(&j, "record");
	rh_json_string(&j, "summary");

	rh_json_key(&j, "target");
	rh_json_target(&j, s->live, s->target_name, s->pid);

	rh_json_key(&j, "python");
	rh_json_object_begin(&j);
	rh_json_key(&j, "version");
	rh_json_string(&j, s->python_version);
	rh_json_key(&j, "version_hex");
	char hex[16];
	snprintf(hex, sizeof(hex), "0x%x", s->python_version_hex);
	rh_json_string(&j, hex);
	rh_json_key(&j, "module");
	rh_json_string(&j, s->python_module);
	rh_json_key(&j, "build_id");
	rh_json_string(&j, s->build_id);
	rh_json_key(&j, "debug_file");
	rh_json_string(&j, s->debug_file);
	rh_json_key(&j, "layouts_from_cache");
	rh_json_bool(&j, s->layouts_from_cache);
	rh_json_key(&j, "debug_offsets_checked");
	rh_json_uint(&j, s->debug_offsets_checked);
	rh_json_object_end(&j);

	rh_json_key(&j, "interpreters");
	rh_json_array_begin(&j);
	for (size_t i = 0; i < s->ninterps; i++) {
		const struct rh_snap_interp *in = &s->interps[i];
		const struct rh_snap_gc *gc = &in->gc;
		// 3.8's runtime-wide GC lists are counted once, at their owner.
		const struct rh_hist_gen *hg = h->gens[in->gc_owner];
		rh_json_object_begin(&j);
		rh_json_key(&j, "id");
		rh_json_int(&j, in->id);
		rh_json_key(&j, "addr");
		rh_json_addr(&j, in->addr);
		rh_json_key(&j, "main");
		rh_json_bool(&j, in->main);
		rh_json_key(&j, "threads");
		rh_json_array_begin(&j);
		for (size_t k = 0; k < in->nthreads; k++) {
			rh_json_object_begin(&j);
			rh_json_key(&j, "addr");
			rh_json_addr(&j, in->threads[k].addr);
			rh_json_key(&j, "thread_id");
			rh_json_uint(&j, in->threads[k].thread_id);
			rh_json_key(&j, "native_thread_id");
			if (in->threads[k].native_thread_id >= 0)
				rh_json_int(&j, in->threads[k].native_thread_id);
			else
				rh_json_null(&j);
			rh_json_object_end(&j);
		}
		rh_json_array_end(&j);
		rh_json_key(&j, "gc");
		rh_json_object_begin(&j);
		rh_json_key(&j, "enabled");
		rh_json_bool(&j, gc->enabled);
		rh_json_key(&j, "collecting");
		rh_json_bool(&j, gc->collecting);
		rh_json_key(&j, "shared");
		rh_json_bool(&j, gc->runtime_wide);
		rh_gc_json_model(&j, gc);
		rh_json_key(&j, "generations");
		rh_json_array_begin(&j);
		for (int g = 0; g < RH_SNAP_NGENS; g++) {
			rh_json_object_begin(&j);
			rh_json_key(&j, "gen");
			rh_json_int(&j, g);
			rh_gc_json_list(&j, gc, g);
			rh_json_key(&j, "threshold");
			rh_json_int(&j, gc->gens[g].threshold);
			rh_json_key(&j, "count");
			rh_json_int(&j, gc->gens[g].count);
			rh_json_key(&j, "objects");
			rh_json_uint(&j, hg[g].objects);
			rh_json_key(&j, "bytes");
			rh_json_uint(&j, hg[g].bytes);
			rh_json_key(&j, "bytes_exact");
			rh_json_bool(&j, hg[g].inexact == 0);
			rh_json_object_end(&j);
		}
		rh_json_array_end(&j);
		rh_json_key(&j, "permanent");
		rh_json_object_begin(&j);
		rh_json_key(&j, "objects");
		rh_json_uint(&j, hg[RH_SNAP_GEN_PERMANENT].objects);
		rh_json_key(&j, "bytes");
		rh_json_uint(&j, hg[RH_SNAP_GEN_PERMANENT].bytes);
		rh_json_key(&j, "bytes_exact");
		rh_json_bool(&j, hg[RH_SNAP_GEN_PERMANENT].inexact == 0);
		rh_json_object_end(&j);
		rh_json_key(&j, "garbage");
		if (gc->garbage_len >= 0)
			rh_json_int(&j, gc->garbage_len);
		else
			rh_json_null(&j);
		if (gc->have_long_lived) {
			rh_json_key(&j, "long_lived_total");
			rh_json_int(&j, gc->long_lived_total);
			rh_json_key(&j, "long_lived_pending");
			rh_json_int(&j, gc->long_lived_pending);
		}
		rh_json_object_end(&j);
		rh_json_object_end(&j);
	}
	rh_json_array_end(&j);

	rh_json_key(&j, "objects");
	rh_json_object_begin(&j);
	rh_json_key(&j, "tracked");
	rh_json_uint(&j, h->objects);
	rh_json_key(&j, "bytes");
	rh_json_uint(&j, h->bytes);
	rh_json_key(&j, "bytes_exact");
	rh_json_bool(&j, h->inexact == 0);
	rh_json_object_end(&j);

	rh_histogram_sort(h, s, RH_HIST_BY_COUNT);
	rh_json_key(&j, "types");
	rh_json_array_begin(&j);
	uint32_t n = top && top < h->ntypes ? top : h->ntypes;
	for (uint32_t i = 0; i < n; i++) {
		const struct rh_hist_type *r = &h->types[i];
		rh_json_object_begin(&j);
		rh_json_key(&j, "type");
		rh_json_string(&j, s->types[r->type].name);
		rh_json_key(&j, "addr");
		rh_json_addr(&j, s->types[r->type].addr);
		rh_json_key(&j, "count");
		rh_json_uint(&j, r->count);
		rh_json_key(&j, "bytes");
		rh_json_uint(&j, r->bytes);
		rh_json_key(&j, "size_exact");
		rh_json_bool(&j, s->types[r->type].size_exact);
		rh_json_key(&j, "per_gen");
		rh_json_array_begin(&j);
		for (int g = 0; g < RH_HIST_NGENS; g++)
			rh_json_uint(&j, r->gen_count[g]);
		rh_json_array_end(&j);
		rh_json_object_end(&j);
	}
	rh_json_array_end(&j);

	rh_json_key(&j, "problems");
	rh_json_problems(&j, &s->problems);
	rh_json_key(&j, "seconds");
	rh_json_object_begin(&j);
	rh_json_key(&j, "runtime");
	rh_json_double(&j, s->seconds_runtime);
	rh_json_key(&j, "objects");
	rh_json_double(&j, s->seconds_objects);
	rh_json_object_end(&j);
	rh_json_object_end(&j);
	rh_json_finish(&j);
}
