/*
 * Type histogram; see histogram.h. One linear pass over the object arrays.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/histogram.h"
#include "util/satmath.h"

void rh_histogram_destroy(struct rh_histogram *h)
{
	if (!h)
		return;
	free(h->types);
	free(h->gens);
	free(h);
}

static int gen_slot(int8_t gen)
{
	return gen >= 0 && gen < RH_HIST_NGENS ? gen : -1;
}

struct rh_error *rh_histogram_create(const struct rh_snapshot *s,
				     struct rh_histogram **ret)
{
	struct rh_histogram *h = calloc(1, sizeof(*h));
	if (!h)
		return rh_enomem;
	struct rh_hist_type *rows = calloc(s->ntypes ? s->ntypes : 1, sizeof(*rows));
	h->gens = calloc(s->ninterps ? s->ninterps : 1, sizeof(*h->gens));
	if (!rows || !h->gens) {
		free(rows);
		rh_histogram_destroy(h);
		return rh_enomem;
	}
	h->ninterps = s->ninterps;
	for (uint32_t i = 0; i < s->nobjects; i++) {
		struct rh_hist_type *r = &rows[s->obj_type[i]];
		uint64_t size = rh_snapshot_size(s, i);
		int g = gen_slot(s->obj_gen[i]);
		bool inexact = !s->types[s->obj_type[i]].size_exact;
		r->count++;
		r->bytes = rh_add_sat(r->bytes, size);
		h->objects++;
		h->bytes = rh_add_sat(h->bytes, size);
		h->inexact += inexact;
		if (g >= 0) {
			r->gen_count[g]++;
			size_t in = s->obj_interp[i];
			if (in < h->ninterps) {
				h->gens[in][g].objects++;
				h->gens[in][g].bytes = rh_add_sat(h->gens[in][g].bytes, size);
				h->gens[in][g].inexact += inexact;
			}
		}
	}
	// Keep only the types that have objects.
	uint32_t n = 0;
	for (uint32_t t = 0; t < s->ntypes; t++) {
		if (!rows[t].count)
			continue;
		rows[t].type = t;
		rows[n++] = rows[t];
	}
	h->types = rows;
	h->ntypes = n;
	rh_histogram_sort(h, s, RH_HIST_BY_COUNT);
	*ret = h;
	return NULL;
}

/* qsort has no context argument: the comparison needs the type names. */
static const struct rh_snapshot *sort_snapshot;
static enum rh_hist_order sort_order;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct rh_hist_type *a = pa, *b = pb;
	uint64_t ka = sort_order == RH_HIST_BY_COUNT ? a->count : a->bytes;
	uint64_t kb = sort_order == RH_HIST_BY_COUNT ? b->count : b->bytes;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	uint64_t la = sort_order == RH_HIST_BY_COUNT ? a->bytes : a->count;
	uint64_t lb = sort_order == RH_HIST_BY_COUNT ? b->bytes : b->count;
	if (la != lb)
		return la > lb ? -1 : 1;
	int c = strcmp(sort_snapshot->types[a->type].name,
		       sort_snapshot->types[b->type].name);
	if (c)
		return c;
	return a->type < b->type ? -1 : a->type > b->type;
}

void rh_histogram_sort(struct rh_histogram *h, const struct rh_snapshot *s,
		       enum rh_hist_order order)
{
	sort_snapshot = s;
	sort_order = order;
	qsort(h->types, h->ntypes, sizeof(*h->types), cmp_rows);
	sort_snapshot = NULL;
}
