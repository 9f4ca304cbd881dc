/*
 * String arena and interning; see arena.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

#define BLOCK_MIN (64 * 1024)

struct rh_arena_block {
	struct rh_arena_block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void rh_arena_init(struct rh_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void rh_arena_deinit(struct rh_arena *a)
{
	struct rh_arena_block *b = a->blocks;
	while (b) {
		struct rh_arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a->slots);
	free(a->hashes);
	memset(a, 0, sizeof(*a));
}

void *rh_arena_alloc(struct rh_arena *a, size_t size)
{
	size_t need = (size + 15) & ~(size_t)15;
	if (need < size)
		return NULL;
	struct rh_arena_block *b = a->blocks;
	if (!b || b->size - b->used < need) {
		size_t bsize = need > BLOCK_MIN ? need : BLOCK_MIN;
		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->size = bsize;
		b->used = 0;
		b->next = a->blocks;
		a->blocks = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

char *rh_arena_strndup(struct rh_arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = rh_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static uint32_t fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int grow(struct rh_arena *a)
{
	size_t n = a->nslots ? a->nslots * 2 : 256;
	const char **slots = calloc(n, sizeof(*slots));
	uint32_t *hashes = calloc(n, sizeof(*hashes));
	if (!slots || !hashes) {
		free(slots);
		free(hashes);
		return -1;
	}
	for (size_t i = 0; i < a->nslots; i++) {
		if (!a->slots[i])
			continue;
		size_t j = a->hashes[i] & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = a->slots[i];
		hashes[j] = a->hashes[i];
	}
	free(a->slots);
	free(a->hashes);
	a->slots = slots;
	a->hashes = hashes;
	a->nslots = n;
	return 0;
}

const char *rh_arena_intern(struct rh_arena *a, const char *s, size_t len)
{
	if ((a->used + 1) * 2 > a->nslots && grow(a) < 0)
		return NULL;
	uint32_t h = fnv1a(s, len);
	size_t j = h & (a->nslots - 1);
	// Invariant: the table is at most half full, so the probe ends.
	while (a->slots[j]) {
		if (a->hashes[j] == h && strncmp(a->slots[j], s, len) == 0 &&
		    a->slots[j][len] == '\0')
			return a->slots[j];
		j = (j + 1) & (a->nslots - 1);
	}
	char *copy = rh_arena_strndup(a, s, len);
	if (!copy)
		return NULL;
	a->slots[j] = copy;
	a->hashes[j] = h;
	a->used++;
	return copy;
}
