/*
 * The heap as a Chrome DevTools heap snapshot (.heapsnapshot), for the
 * Memory panel and memlab; see heapsnapshot.c for the mapping.
 */
#ifndef RH_REPORT_HEAPSNAPSHOT_H
#define RH_REPORT_HEAPSNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/analysis.h"

struct rh_heapsnapshot_options {
	/** Name edges by their labels (['key'], .attr) and add weak
	 *  references, reading the target again (a live one stays stopped). */
	bool labels;
	/** Out, may be NULL: objects whose references could not be read again. */
	uint64_t *unlabelled_ret;
};

/**
 * Write the snapshot. Needs the graph and RH_NEED_REACH.
 * Errors: RH_ERR_NO_MEMORY, RH_ERR_OS (scratch file), RH_ERR_INVALID_ARGUMENT.
 */
struct rh_error *rh_report_heapsnapshot(FILE *f, const struct rh_analysis *a,
					const struct rh_heapsnapshot_options *opts);

#endif /* RH_REPORT_HEAPSNAPSHOT_H */
