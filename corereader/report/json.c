/*
 * Streaming JSON writer; see json.h.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"

void rh_json_init(struct rh_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct rh_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before any value: a comma unless first at this level or after a key. */
static void sep(struct rh_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth > 0)
		indent(j);
}

static void open_level(struct rh_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < RH_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_level(struct rh_json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void rh_json_object_begin(struct rh_json *j) { open_level(j, '{'); }
void rh_json_object_end(struct rh_json *j) { close_level(j, '}'); }
void rh_json_array_begin(struct rh_json *j) { open_level(j, '['); }
void rh_json_array_end(struct rh_json *j) { close_level(j, ']'); }

void rh_json_key(struct rh_json *j, const char *key)
{
	sep(j);
	rh_escape_json(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void rh_json_string(struct rh_json *j, const char *s)
{
	if (!s) {
		rh_json_null(j);
		return;
	}
	rh_json_stringn(j, s, strlen(s));
}

void rh_json_stringn(struct rh_json *j, const char *s, size_t len)
{
	sep(j);
	rh_escape_json(j->f, s, len);
}

void rh_json_int(struct rh_json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void rh_json_uint(struct rh_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void rh_json_double(struct rh_json *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void rh_json_bool(struct rh_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void rh_json_null(struct rh_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void rh_json_addr(struct rh_json *j, uint64_t addr)
{
	sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", addr);
}

void rh_json_finish(struct rh_json *j)
{
	fputc('\n', j->f);
}
