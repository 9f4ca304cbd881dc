#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/analysis.h"
#include "analysis/histogram.h"
#include "fuzz_analyses.h"
#include "heap/snapshot.h"
#include "report/analyses.h"
#include "report/export.h"
#include "report/summary.h"
#include "report/why.h"
#include "util/error.h"

static FILE *devnull(void)
{
	static FILE *f;
	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

static int count_label(void *arg, uint64_t edge, const char *label)
{
	(void)edge;
	(void)label;
	(*(size_t *)arg)++;
	return 0;
}

void fuzz_run_analyses(const struct rh_snapshot *s, int labels)
{
	FILE *f = devnull();
	struct rh_histogram *h;
	if (!rh_histogram_create(s, &h)) {
		rh_report_summary_text(f, s, h, 10);
		rh_report_summary_json(f, s, h, 10);
		rh_histogram_destroy(h);
	}
	if (!s->have_graph)
		return;
	struct rh_analysis an;
	rh_analysis_init(&an, s);
	fuzz_run_reports(&an, labels);
	rh_analysis_deinit(&an);
}

void fuzz_run_reports(struct rh_analysis *an, int labels)
{
	FILE *f = devnull();
	const struct rh_snapshot *s = an->s;
	struct rh_error *err = rh_analysis_need(an, RH_NEED_VERDICTS | RH_NEED_TYPE_RETAINED |
						    RH_NEED_REFERRERS | RH_NEED_REACH);
	if (err) {
		rh_error_destroy(err);
		return;
	}
	struct rh_export_options eo = { .verdicts = &an->v };
	rh_report_export_jsonl(f, s, &eo);
	struct rh_list_options lo = { .top = 5 };
	rh_error_destroy(rh_report_gc(f, an, &lo));
	rh_error_destroy(rh_report_leaks(f, an, &lo));
	rh_error_destroy(rh_report_cycles(f, an, &lo));
	rh_error_destroy(rh_report_dominators(f, an, &lo));
	rh_error_destroy(rh_report_histogram(f, an, &lo));
	lo.json = true;
	rh_error_destroy(rh_report_leaks(f, an, &lo));
	// why, refs and referrers of a few objects spread over the table
	struct rh_why_options wo = { .paths = 2, .members = 5 };
	struct rh_tree_options to = { .depth = 3, .width = 4 };
	for (uint32_t k = 0; k < 4 && s->nobjects; k++) {
		uint32_t i = (uint32_t)((uint64_t)s->nobjects * k / 4);
		rh_error_destroy(rh_report_why(f, an, i, &wo));
		wo.json = !wo.json;
		to.referrers = k & 1;
		rh_error_destroy(rh_report_tree(f, an, i, &to));
		if (labels) {
			size_t n = 0;
			rh_error_destroy(rh_snapshot_edge_labels(s, i, count_label, &n));
		}
	}
}
