/*
 * A string arena: strings are copied once into large blocks and interned, so
 * the snapshot never mallocs per object or per name. Interned strings are
 * compared by pointer. Everything lives until rh_arena_deinit().
 */
#ifndef RH_UTIL_ARENA_H
#define RH_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct rh_error;

struct rh_arena_block;

struct rh_arena {
	struct rh_arena_block *blocks;
	/* open-addressing table of interned strings */
	const char **slots;
	uint32_t *hashes;
	size_t nslots;   /* power of two, or 0 */
	size_t used;
};

void rh_arena_init(struct rh_arena *a);
void rh_arena_deinit(struct rh_arena *a);

/** Copy len bytes (NUL added) into the arena. NULL on no memory. */
char *rh_arena_strndup(struct rh_arena *a, const char *s, size_t len);

/**
 * Return the arena's single copy of s[0..len), adding it if new.
 * Equal strings give the same pointer. NULL on no memory.
 */
const char *rh_arena_intern(struct rh_arena *a, const char *s, size_t len);

/** Raw aligned (16) allocation from the arena, zeroed. NULL on no memory. */
void *rh_arena_alloc(struct rh_arena *a, size_t size);

#endif /* RH_UTIL_ARENA_H */
