/*
 * Errors of the refheap library.
 *
 * Every function that can fail returns a `struct rh_error *`, NULL on success,
 * and hands its results back through out parameters written only on success
 * (the libdrgn convention). An error carries a code, which the command line
 * maps to an exit status, and a message a user can act on: what was looked
 * for, where, and what to do. OS errors also carry errno and the path; faults
 * carry the target address that could not be read.
 *
 * Running out of memory must never need another allocation, so `rh_enomem`
 * is a static error that rh_error_destroy() leaves alone.
 *
 * The library never prints and never exits: errors travel up to a front end.
 */
#ifndef RH_UTIL_ERROR_H
#define RH_UTIL_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One list yields the enum and the names (elfutils' DWFL_ERRORS idea).
 * The names are stable: they appear in --json error output.
 */
#define RH_ERROR_CODES(X)                                                      \
	X(NO_MEMORY, "no-memory")                                              \
	X(OS, "os")                    /* a system call failed (errno, path) */ \
	X(FAULT, "fault")              /* target address not readable */       \
	X(BAD_DATA, "bad-data")        /* the target contradicts itself */     \
	X(TRUNCATED, "truncated")      /* the core file is cut short */        \
	X(NOT_CORE, "not-core")        /* input is not an ELF core file */     \
	X(NOT_PYTHON, "not-python")    /* no CPython runtime in the target */  \
	X(MISSING_DEBUG_INFO, "missing-debug-info")                            \
	X(NOT_FOUND, "not-found")                                              \
	X(UNSUPPORTED, "unsupported")                                          \
	X(INVALID_ARGUMENT, "invalid-argument")                                \
	X(LIMIT, "limit")              /* a bound on a walk or size was hit */

enum rh_error_code {
#define RH_X(name, str) RH_ERR_##name,
	RH_ERROR_CODES(RH_X)
#undef RH_X
	RH_ERR_COUNT_
};

struct rh_error {
	enum rh_error_code code;
	/** errno for RH_ERR_OS, else 0. */
	int errnum;
	/** Target address for RH_ERR_FAULT (and BAD_DATA when known), else 0. */
	uint64_t addr;
	/** File the error is about, or NULL. Owned. */
	char *path;
	/** Human-readable message, never NULL. Owned (except for rh_enomem). */
	char *message;
	/** "file.c:123" where BAD_DATA was detected (debug aid), or NULL. */
	const char *where;
};

/** The static out-of-memory error; destroying it is a no-op. */
extern struct rh_error rh_enomem_error;
#define rh_enomem (&rh_enomem_error)

/** Stable short name of a code ("fault", "bad-data", ...). */
const char *rh_error_code_name(enum rh_error_code code);

/** A new error with a printf-style message. Returns rh_enomem if that fails. */
struct rh_error *rh_error_create(enum rh_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct rh_error *rh_error_vcreate(enum rh_error_code code, const char *fmt,
				  va_list ap);

/**
 * An OS error: the message becomes "<fmt>: <strerror(errnum)>", and errnum
 * and path (may be NULL) are recorded.
 */
struct rh_error *rh_error_os(int errnum, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** A fault reading target memory at addr. */
struct rh_error *rh_error_fault(uint64_t addr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Corrupt target data, with the detecting source line (SQLITE_CORRUPT_BKPT). */
struct rh_error *rh_error_bad_data(const char *where, uint64_t addr,
				   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define RH_STR2_(x) #x
#define RH_STR_(x) RH_STR2_(x)
#define RH_BAD_DATA(addr, ...)                                                 \
	rh_error_bad_data(__FILE__ ":" RH_STR_(__LINE__), (addr), __VA_ARGS__)

/**
 * Put context in front of an error's message: "<fmt>: <old message>".
 * Consumes err and returns the (possibly new) error; rh_enomem stays as is.
 */
struct rh_error *rh_error_prefix(struct rh_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Free an error. Accepts NULL and rh_enomem. */
void rh_error_destroy(struct rh_error *err);

/*
 * Problems: what a walk that went on despite bad data records, so that a
 * front end can say "partial" (exit status 1) and show what was skipped.
 * Messages beyond a cap are counted, not kept, so a hostile core cannot make
 * the list grow without bound.
 */
struct rh_problems {
	char **messages;
	size_t count;     /* kept */
	size_t capacity;
	size_t dropped;   /* counted past the cap */
};

#define RH_PROBLEMS_MAX 200

void rh_problems_init(struct rh_problems *p);
void rh_problems_deinit(struct rh_problems *p);
/** Record a problem. Never fails: on no memory the problem is only counted. */
void rh_problems_add(struct rh_problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Record err's message with a prefix, then destroy err. */
void rh_problems_add_error(struct rh_problems *p, struct rh_error *err,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Keep the first n problems (n <= count) and forget the dropped ones. */
void rh_problems_truncate(struct rh_problems *p, size_t n);
static inline size_t rh_problems_total(const struct rh_problems *p)
{
	return p->count + p->dropped;
}

#endif /* RH_UTIL_ERROR_H */
