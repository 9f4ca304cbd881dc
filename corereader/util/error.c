/*
 * Errors and problem lists; see error.h for the conventions.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct rh_error rh_enomem_error = {
	.code = RH_ERR_NO_MEMORY,
	.message = (char *)"out of memory",
};

static const char *const code_names[] = {
#define RH_X(name, str) [RH_ERR_##name] = str,
	RH_ERROR_CODES(RH_X)
#undef RH_X
};

const char *rh_error_code_name(enum rh_error_code code)
{
	if ((unsigned)code >= RH_ERR_COUNT_)
		return "unknown";
	return code_names[code];
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

struct rh_error *rh_error_vcreate(enum rh_error_code code, const char *fmt,
				  va_list ap)
{
	struct rh_error *err = calloc(1, sizeof(*err));
	if (!err)
		return rh_enomem;
	err->code = code;
	err->message = vformat(fmt, ap);
	if (!err->message) {
		free(err);
		return rh_enomem;
	}
	return err;
}

struct rh_error *rh_error_create(enum rh_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rh_error *err = rh_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct rh_error *rh_error_os(int errnum, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = vformat(fmt, ap);
	va_end(ap);
	if (!what)
		return rh_enomem;
	struct rh_error *err = rh_error_create(RH_ERR_OS, "%s: %s", what,
					       strerror(errnum));
	free(what);
	if (err == rh_enomem)
		return err;
	err->errnum = errnum;
	if (path) {
		err->path = strdup(path);
		if (!err->path) {
			rh_error_destroy(err);
			return rh_enomem;
		}
	}
	return err;
}

struct rh_error *rh_error_fault(uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rh_error *err = rh_error_vcreate(RH_ERR_FAULT, fmt, ap);
	va_end(ap);
	if (err != rh_enomem)
		err->addr = addr;
	return err;
}

struct rh_error *rh_error_bad_data(const char *where, uint64_t addr,
				   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rh_error *err = rh_error_vcreate(RH_ERR_BAD_DATA, fmt, ap);
	va_end(ap);
	if (err != rh_enomem) {
		err->addr = addr;
		err->where = where;
	}
	return err;
}

struct rh_error *rh_error_prefix(struct rh_error *err, const char *fmt, ...)
{
	if (!err || err == rh_enomem)
		return err;
	va_list ap;
	va_start(ap, fmt);
	char *what = vformat(fmt, ap);
	va_end(ap);
	char *msg = NULL;
	if (!what || asprintf(&msg, "%s: %s", what, err->message) < 0) {
		// Keep the original error rather than lose it to ENOMEM.
		free(what);
		return err;
	}
	free(what);
	free(err->message);
	err->message = msg;
	return err;
}

void rh_error_destroy(struct rh_error *err)
{
	if (!err || err == rh_enomem)
		return;
	free(err->path);
	free(err->message);
	free(err);
}

void rh_problems_init(struct rh_problems *p)
{
	memset(p, 0, sizeof(*p));
}

void rh_problems_deinit(struct rh_problems *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->messages[i]);
	free(p->messages);
	memset(p, 0, sizeof(*p));
}

void rh_problems_truncate(struct rh_problems *p, size_t n)
{
	for (size_t i = n; i < p->count; i++)
		free(p->messages[i]);
	if (n < p->count)
		p->count = n;
	p->dropped = 0;
}

static void problems_vadd(struct rh_problems *p, const char *prefix,
			  const char *fmt, va_list ap)
{
	if (p->count >= RH_PROBLEMS_MAX) {
		p->dropped++;
		return;
	}
	if (p->count == p->capacity) {
		size_t cap = p->capacity ? p->capacity * 2 : 16;
		char **m = realloc(p->messages, cap * sizeof(*m));
		if (!m) {
			p->dropped++;
			return;
		}
		p->messages = m;
		p->capacity = cap;
	}
	char *s = vformat(fmt, ap);
	if (s && prefix) {
		char *t = NULL;
		if (asprintf(&t, "%s: %s", s, prefix) < 0)
			t = NULL;
		free(s);
		s = t;
	}
	if (!s) {
		p->dropped++;
		return;
	}
	p->messages[p->count++] = s;
}

void rh_problems_add(struct rh_problems *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problems_vadd(p, NULL, fmt, ap);
	va_end(ap);
}

void rh_problems_add_error(struct rh_problems *p, struct rh_error *err,
			   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problems_vadd(p, err ? err->message : "unknown error", fmt, ap);
	va_end(ap);
	rh_error_destroy(err);
}
