/*
 * `refheap summary`: the inventory of a heap by interpreter, generation and
 * type, as text for people or as one JSON object for tools.
 */
#ifndef RH_REPORT_SUMMARY_H
#define RH_REPORT_SUMMARY_H

#include <stdio.h>

#include "analysis/histogram.h"
#include "heap/snapshot.h"

/** Plain text; `top` rows per type table (0 = all). */
void rh_report_summary_text(FILE *f, const struct rh_snapshot *s,
			    struct rh_histogram *h, unsigned top);

/**
 * One JSON object (see README "summary --json"); `top` limits the types
 * array (0 = all types, sorted by count).
 */
void rh_report_summary_json(FILE *f, const struct rh_snapshot *s,
			    struct rh_histogram *h, unsigned top);

#endif /* RH_REPORT_SUMMARY_H */
