/*
 * A small streaming JSON writer. Commas and nesting are tracked so callers
 * write keys and values in order; strings go through rh_escape_json().
 * Output is one compact line per document unless `pretty` is set.
 */
#ifndef RH_REPORT_JSON_H
#define RH_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RH_JSON_MAX_DEPTH 32

struct rh_json {
	FILE *f;
	bool pretty;
	int depth;
	/* per level: nothing written yet at that level */
	bool first[RH_JSON_MAX_DEPTH];
	/* a key was just written: the next value needs no comma */
	bool after_key;
};

void rh_json_init(struct rh_json *j, FILE *f, bool pretty);
void rh_json_object_begin(struct rh_json *j);
void rh_json_object_end(struct rh_json *j);
void rh_json_array_begin(struct rh_json *j);
void rh_json_array_end(struct rh_json *j);
/** An object key (a literal from our code, or escaped target bytes). */
void rh_json_key(struct rh_json *j, const char *key);
void rh_json_string(struct rh_json *j, const char *s);
void rh_json_stringn(struct rh_json *j, const char *s, size_t len);
void rh_json_int(struct rh_json *j, int64_t v);
void rh_json_uint(struct rh_json *j, uint64_t v);
void rh_json_double(struct rh_json *j, double v);
void rh_json_bool(struct rh_json *j, bool v);
void rh_json_null(struct rh_json *j);
/** An address as the string "0x...". */
void rh_json_addr(struct rh_json *j, uint64_t addr);
/** {"kind":"core"|"live","name":...,"pid":N}: what was read, as every record says it. */
void rh_json_target(struct rh_json *j, bool live, const char *name, int64_t pid);

struct rh_problems;
/**
 * The value of a "problems" key: an array of one string per problem the
 * snapshot recorded (what could not be read, where), plus "... and N
 * more" when some were only counted. Empty when the result is complete.
 */
void rh_json_problems(struct rh_json *j, const struct rh_problems *p);

/** End the document with a newline. */
void rh_json_finish(struct rh_json *j);

#endif /* RH_REPORT_JSON_H */
