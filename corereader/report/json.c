/*
 * Streaming JSON writer; see json.h.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"
#include "util/error.h"

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
		putc_unlocked(',', j->f);
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
	putc_unlocked(':', j->f);
	if (j->pretty)
		putc_unlocked(' ', j->f);
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

/*
 * Numbers are formatted by hand: an export writes tens of millions of them,
 * and fprintf's format parsing dominated its profile.
 */
static void put_uint(FILE *f, uint64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

void rh_json_int(struct rh_json *j, int64_t v)
{
	sep(j);
	if (v < 0) {
		putc_unlocked('-', j->f);
		put_uint(j->f, (uint64_t)0 - (uint64_t)v);
	} else {
		put_uint(j->f, (uint64_t)v);
	}
}

void rh_json_uint(struct rh_json *j, uint64_t v)
{
	sep(j);
	put_uint(j->f, v);
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
	static const char hex[] = "0123456789abcdef";
	char buf[24];
	char *p = buf + sizeof(buf);
	*--p = '"';
	do {
		*--p = hex[addr & 15];
		addr >>= 4;
	} while (addr);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	sep(j);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), j->f);
}

void rh_json_target(struct rh_json *j, bool live, const char *name, int64_t pid)
{
	rh_json_object_begin(j);
	rh_json_key(j, "kind");
	rh_json_string(j, live ? "live" : "core");
	rh_json_key(j, "name");
	rh_json_string(j, name);
	rh_json_key(j, "pid");
	rh_json_int(j, pid);
	rh_json_object_end(j);
}

void rh_json_finish(struct rh_json *j)
{
	fputc('\n', j->f);
}

void rh_json_problems(struct rh_json *j, const struct rh_problems *p)
{
	rh_json_array_begin(j);
	for (size_t i = 0; p && i < p->count; i++)
		rh_json_string(j, p->messages[i]);
	if (p && p->dropped) {
		char more[64];
		snprintf(more, sizeof(more), "... and %zu more", p->dropped);
		rh_json_string(j, more);
	}
	rh_json_array_end(j);
}
