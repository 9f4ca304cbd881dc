/*
 * Unit tests of util/keyindex.c and util/blockindex.c, the address index
 * every snapshot lookup goes through, util/u64map.c, refheap's other maps (and the reference
 * the key index is checked against), util/arena.c, where names are
 * interned, util/bigmem.h, which allocates and grows the snapshot's
 * arrays, and util/outfile.c's block writer, which writes the analyses
 * cache, and its page toucher.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/bigmem.h"
#include "util/blockindex.h"
#include "util/keyindex.h"
#include "util/outfile.h"
#include "util/prefault.h"
#include "util/u64map.h"

static void rh_u64map_insert_then_find_many(void **state)
{
	struct rh_u64map m;
	rh_u64map_init(&m);
	// Object-like keys: 16-byte aligned, dense, across growths.
	const uint32_t n = 200000;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v;
		assert_int_equal(rh_u64map_insert(&m, 0x7f0000001000ULL + 16ULL * i, i, &v), 1);
		assert_int_equal(v, i);
	}
	assert_int_equal(m.count, n);
	// The load factor stays at or below 4/5.
	assert_true(m.count * 5 <= m.nslots * 4);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = UINT32_MAX;
		assert_true(rh_u64map_find(&m, 0x7f0000001000ULL + 16ULL * i, &v));
		assert_int_equal(v, i);
	}
	uint32_t v;
	assert_false(rh_u64map_find(&m, 0x7f0000001008ULL, &v));
	assert_false(rh_u64map_find(&m, 0, &v));
	rh_u64map_deinit(&m);
}

static void rh_u64map_insert_existing_keeps_first_value(void **state)
{
	struct rh_u64map m;
	rh_u64map_init(&m);
	uint32_t v;
	assert_int_equal(rh_u64map_insert(&m, 0x1000, 7, &v), 1);
	assert_int_equal(rh_u64map_insert(&m, 0x1000, 9, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(m.count, 1);
	rh_u64map_deinit(&m);
}

static void rh_u64map_reserve_avoids_rehash(void **state)
{
	struct rh_u64map m;
	rh_u64map_init(&m);
	assert_true(rh_u64map_reserve(&m, 1000));
	size_t slots = m.nslots;
	uint64_t *keys = m.keys;
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(rh_u64map_insert(&m, 0x5000 + 8ULL * i, i, NULL), 1);
	assert_int_equal(m.nslots, slots);
	assert_ptr_equal(m.keys, keys);
	rh_u64map_deinit(&m);
}

static void rh_u64map_find_on_empty_map(void **state)
{
	struct rh_u64map m;
	rh_u64map_init(&m);
	uint32_t v;
	assert_false(rh_u64map_find(&m, 0x1234, &v));
	rh_u64map_prefetch(&m, 0x1234);
	rh_u64map_deinit(&m);
}

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dULL;
}

/*
 * Keys as a snapshot meets them, in three kinds mixed: 16-aligned heap
 * objects packed in pools, 8-aligned static objects, and anything at all
 * (a hostile core: 0, the top of the address space, odd addresses).
 */
static uint64_t some_key(uint64_t *st)
{
	uint64_t r = rnd(st);
	switch (r % 4) {
	case 0:
	case 1:
		return 0x7f3a00000000ULL + (rnd(st) % (1u << 26)) * 16;
	case 2:
		return 0x55d000400000ULL + (rnd(st) % (1u << 16)) * 8;
	default:
		switch (rnd(st) % 4) {
		case 0: return rnd(st) % 64;
		// (not UINT64_MAX itself: the reference stores key + 1, and
		// u64map reserves 0; the check test below indexes it)
		case 1: return UINT64_MAX - 1 - rnd(st) % 64;
		default: {
			uint64_t k = rnd(st);
			return k == UINT64_MAX ? 0 : k;
		}
		}
	}
}

static void rh_keyindex_matches_a_reference(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint64_t *keys = malloc(N * sizeof(*keys));
	assert_non_null(keys);
	struct rh_keyindex x;
	struct rh_u64map ref;   /* key + 1 -> position (u64map reserves key 0) */
	rh_keyindex_init(&x);
	rh_u64map_init(&ref);
	uint64_t st = 0x9e3779b97f4a7c15ULL;
	uint32_t n = 0, pos;
	for (int round = 0; round < 3 * N && n < N; round++) {
		uint64_t k = some_key(&st);
		uint32_t want;
		bool known = rh_u64map_find(&ref, k + 1, &want);
		assert_int_equal(rh_keyindex_find(&x, keys, k, &pos), known);
		if (known) {
			assert_int_equal(pos, want);
			continue;
		}
		keys[n] = k;
		assert_true(rh_keyindex_push(&x, keys));
		assert_int_equal(rh_u64map_insert(&ref, k + 1, n, NULL), 1);
		n++;
		assert_int_equal(x.count, n);
	}
	assert_true(n > N / 2);
	// Every key found at its position, after all the rebuilds.
	for (uint32_t i = 0; i < n; i++) {
		assert_true(rh_keyindex_find(&x, keys, keys[i], &pos));
		assert_int_equal(pos, i);
	}
	// Absent keys: neighbours of present ones, at 8 and 16 bytes.
	for (uint32_t i = 0; i < n; i += 7) {
		uint64_t k = keys[i] + 8;
		uint32_t want;
		bool known = k + 1 != 0 && rh_u64map_find(&ref, k + 1, &want);
		assert_int_equal(rh_keyindex_find(&x, keys, k, &pos), known);
	}
	// Load factor at most 7/10 (one empty slot at least, lookups end).
	assert_true(x.count * 10 <= x.nslots * 7);
	assert_true(rh_keyindex_check(&x, n));
	assert_false(rh_keyindex_check(&x, n - 1));
	rh_u64map_deinit(&ref);
	rh_keyindex_deinit(&x);
	free(keys);
}


/*
 * The index by block with a keyindex beside it, as the snapshot uses them
 * (heap/snapshot.c index_find, index_push), against a reference map:
 * objects at every offset of blocks of every size, in and out of the
 * indexed regions, two objects claimed in one block, addresses between
 * blocks and in the regions' headers.
 */
static bool split_find(const struct rh_blockindex *b, const struct rh_keyindex *x,
		       const uint64_t *other, const uint32_t *other_pos, uint64_t k, uint32_t *pos)
{
	int r = rh_blockindex_find(b, k, pos);
	if (r != RH_BI_OTHER)
		return r == RH_BI_FOUND;
	uint32_t q;
	if (!rh_keyindex_find(x, other, k, &q))
		return false;
	*pos = other_pos[q];
	return true;
}

static void rh_blockindex_with_keyindex_matches_a_reference(void **state)
{
	(void)state;
	enum { NREG = 300, N = 60000 };
	const uint64_t base = 0x7f3000000000ULL, R = 16384;
	const struct rh_blockgeom g = { .region_size = R, .overhead = 48, .offs = { 0, 16, 32 } };
	struct rh_blockregion *regs = calloc(NREG + 3, sizeof(*regs));
	assert_non_null(regs);
	size_t nr = 0;
	for (uint32_t i = 0; i < NREG; i++) {
		uint32_t size = 16 * (1 + i % 32);
		// Every third region is left out (a pool mostly free, or none).
		if (i % 3 == 2)
			continue;
		regs[nr++] = (struct rh_blockregion){ .addr = base + R * i, .size = size,
						       .nblocks = (uint32_t)((R - 48) / size) - i % 5 };
	}
	// Refused: a repeat, a region not aligned, one whose blocks overrun it.
	regs[nr++] = regs[0];
	regs[nr++] = (struct rh_blockregion){ .addr = base + R * NREG + 8, .size = 16, .nblocks = 4 };
	regs[nr++] = (struct rh_blockregion){ .addr = base + R * (NREG + 1), .size = 512, .nblocks = 40 };
	struct rh_blockindex b;
	assert_true(rh_blockindex_create(&b, &g, regs, nr));
	assert_int_equal(b.nregions, nr - 3);
	struct rh_keyindex x;
	rh_keyindex_init(&x);
	struct rh_u64map ref;
	rh_u64map_init(&ref);
	uint64_t *other = malloc(N * sizeof(*other));
	uint32_t *other_pos = malloc(N * sizeof(*other_pos));
	uint64_t *keys = malloc(N * sizeof(*keys));
	assert_true(other && other_pos && keys);
	uint32_t n = 0, nother = 0, pos;
	uint64_t st = 0x243f6a8885a308d3ULL;
	for (int round = 0; round < 4 * N && n < N; round++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t r = st >> 11;
		// Anywhere in the regions' span, 16-byte aligned, some 8-aligned.
		uint64_t k = base + (r % (R * (NREG + 2))) / 16 * 16 + (r % 97 == 0 ? 8 : 0);
		uint32_t want;
		bool known = rh_u64map_find(&ref, k, &want);
		assert_int_equal(split_find(&b, &x, other, other_pos, k, &pos), known);
		if (known) {
			assert_int_equal(pos, want);
			continue;
		}
		keys[n] = k;
		if (!rh_blockindex_place(&b, k, n)) {
			other[nother] = k;
			other_pos[nother] = n;
			assert_true(rh_keyindex_push(&x, other));
			nother++;
		}
		assert_int_equal(rh_u64map_insert(&ref, k, n, NULL), 1);
		n++;
	}
	assert_true(n > N / 2);
	// Both indexes took objects; some blocks were claimed twice.
	assert_true(b.count > 1000 && nother > 1000);
	assert_int_equal(b.count + nother, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(split_find(&b, &x, other, other_pos, keys[i], &pos));
		assert_int_equal(pos, i);
		uint32_t want;
		bool known = rh_u64map_find(&ref, keys[i] + 16, &want);
		assert_int_equal(split_find(&b, &x, other, other_pos, keys[i] + 16, &pos), known);
		if (known)
			assert_int_equal(pos, want);
	}
	// Far from every region, and at 0.
	assert_false(split_find(&b, &x, other, other_pos, 0x10, &pos));
	assert_false(split_find(&b, &x, other, other_pos, base - R, &pos));
	// The slots' check: what is used, and a bad slot.
	bool bad = false;
	assert_int_equal(rh_blockindex_check_slots(b.slots, b.nslots, n, 0, b.nslots, &bad), b.count);
	assert_false(bad);
	assert_int_equal(rh_blockindex_check_slots(b.slots, b.nslots, n - 1, 0, b.nslots, &bad),
			 b.count);
	assert_true(bad);
	// Opened over the same regions and slots (a cache file), it answers the same.
	struct rh_blockindex o;
	assert_int_equal(rh_blockindex_open(&o, &g, b.regions, b.nregions, b.slots, b.nslots, b.count), 1);
	for (uint32_t i = 0; i < n; i += 3) {
		assert_true(split_find(&o, &x, other, other_pos, keys[i], &pos));
		assert_int_equal(pos, i);
	}
	rh_blockindex_deinit(&o);
	// Refused on open: slots that do not follow one another, or too few.
	struct rh_blockregion *copy = malloc(b.nregions * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, b.regions, b.nregions * sizeof(*copy));
	copy[1].first++;
	assert_int_equal(rh_blockindex_open(&o, &g, copy, b.nregions, b.slots, b.nslots, b.count), 0);
	copy[1].first--;
	assert_int_equal(rh_blockindex_open(&o, &g, copy, b.nregions, b.slots, b.nslots - 1, b.count), 0);
	const struct rh_blockgeom bad_g = { .region_size = R + 16, .overhead = 48 };
	assert_int_equal(rh_blockindex_open(&o, &bad_g, copy, b.nregions, b.slots, b.nslots, b.count), 0);
	free(copy);
	rh_blockindex_deinit(&b);
	rh_keyindex_deinit(&x);
	rh_u64map_deinit(&ref);
	free(other);
	free(other_pos);
	free(keys);
	free(regs);
}

static void rh_keyindex_check_refuses_bad_slots(void **state)
{
	(void)state;
	uint64_t keys[100];
	struct rh_keyindex x;
	rh_keyindex_init(&x);
	assert_true(rh_keyindex_check(&x, 0));
	uint32_t pos;
	assert_false(rh_keyindex_find(&x, keys, 0x1000, &pos));
	rh_keyindex_prefetch(&x, 0x1000);
	rh_keyindex_prefetch_key(&x, keys, 0x1000);
	for (uint32_t i = 0; i < 100; i++) {
		// 8-aligned (static objects), and the extremes of the space
		keys[i] = i == 0 ? 0 : i == 1 ? UINT64_MAX : 0x10000 + 8ULL * i;
		assert_true(rh_keyindex_push(&x, keys));
	}
	for (uint32_t i = 0; i < 100; i++) {
		assert_true(rh_keyindex_find(&x, keys, keys[i], &pos));
		assert_int_equal(pos, i);
	}
	assert_false(rh_keyindex_find(&x, keys, 0x10000 + 4, &pos));
	assert_true(rh_keyindex_check(&x, 100));
	size_t j = 0;
	while (!x.slots[j])
		j++;
	uint32_t saved = x.slots[j];
	x.slots[j] = (saved & ~rh_keyindex_pos_mask(x.nslots)) | 101;   // position 100 of 100
	assert_false(rh_keyindex_check(&x, 100));
	x.slots[j] = saved & ~rh_keyindex_pos_mask(x.nslots);           // a tag, no position
	if (!x.slots[j])
		x.slots[j] = 1u << rh_keyindex_pos_bits(x.nslots);
	assert_false(rh_keyindex_check(&x, 100));
	x.slots[j] = 0;                                       // one slot missing
	assert_false(rh_keyindex_check(&x, 100));
	x.slots[j] = saved;
	assert_true(rh_keyindex_check(&x, 100));
	// A wrong but in-range slot only makes lookups miss: keys are compared.
	for (size_t k = 0; k < x.nslots; k++)
		if (x.slots[k] && x.slots[k] != saved) {
			uint32_t other = x.slots[k];
			x.slots[k] = (other & ~rh_keyindex_pos_mask(x.nslots)) | (saved & rh_keyindex_pos_mask(x.nslots));
			uint32_t lost = (other & rh_keyindex_pos_mask(x.nslots)) - 1;
			assert_false(rh_keyindex_find(&x, keys, keys[lost], &pos) && pos != lost);
			x.slots[k] = other;
			break;
		}
	rh_keyindex_deinit(&x);
}

static void rh_keyindex_reserve_avoids_rebuild(void **state)
{
	(void)state;
	uint64_t *keys = malloc(1000 * sizeof(*keys));
	assert_non_null(keys);
	struct rh_keyindex x;
	rh_keyindex_init(&x);
	assert_true(rh_keyindex_reserve(&x, keys, 1000));
	// sized for 1000 at a load of at most 7/10, no more: growing by
	// half from 16 slots would give 1641
	assert_true(x.nslots >= 1000 * 10 / 7 && x.nslots <= 1000 * 10 / 7 + 10);
	uint32_t *slots = x.slots;
	size_t nslots = x.nslots;
	for (uint32_t i = 0; i < 1000; i++) {
		keys[i] = 0x7f0000000010ULL + 16ULL * i * 3;
		assert_true(rh_keyindex_push(&x, keys));
	}
	assert_ptr_equal(x.slots, slots);
	assert_int_equal(x.nslots, nslots);
	rh_keyindex_deinit(&x);
	free(keys);
}

/*
 * The helper only populates: what the writer has put in the memory stays,
 * while the helper works on it and after; requests for freed memory and
 * for NULL are harmless. (Whether the pages became resident depends on
 * the kernel: MADV_POPULATE_WRITE is 5.14+.)
 */
/* A file of random writes, forward with gaps, is what the writes say. */
static void rh_blockwrite_writes_what_it_is_given(void **state)
{
	(void)state;
	const uint64_t B = RH_BLOCKWRITE_BLOCK, size = 5 * B + 12345;
	uint8_t *want = calloc(size, 1), *got = malloc(size), *src = malloc(size);
	assert_non_null(want);
	assert_non_null(got);
	assert_non_null(src);
	srand(12);
	for (uint64_t k = 0; k < size; k++)
		src[k] = (uint8_t)(rand() % 255 + 1);
	for (int round = 0; round < 40; round++) {
		char path[] = "/tmp/refheap-blockwrite-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		unlink(path);
		memset(want, 0, size);
		// The first write anywhere in the first blocks; then writes of
		// 0 bytes to more than two blocks, after gaps of 0 bytes to
		// more than a block: every case of where they start and end.
		uint64_t off = (uint64_t)rand() % (2 * B), end = off;
		struct rh_blockwrite w;
		assert_true(rh_blockwrite_init(&w, fd, off));
		while (1) {
			uint64_t gap = rand() % 4 == 0 ? 0 : (uint64_t)rand() % (B + B / 2);
			uint64_t len = rand() % 3 == 0 ? (uint64_t)rand() % (2 * B + 5000)
						       : (uint64_t)rand() % 300000;
			if (end + gap + len > size)
				break;
			uint64_t at = end + gap;
			assert_true(rh_blockwrite_at(&w, src + at, len, at));
			memcpy(want + at, src + at, len);
			end = at + len;
		}
		// Going back is refused.
		if (end > off) {
			assert_false(rh_blockwrite_at(&w, src, 1, end - 1));
			assert_int_equal(errno, EINVAL);
		}
		assert_true(rh_blockwrite_finish(&w));
		assert_null(w.buf);
		rh_blockwrite_abort(&w);   /* idempotent */
		// The file ends where the last write did, and holds the bytes
		// written and zeros between.
		assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)(end > off ? end : off));
		uint64_t n = end;
		assert_int_equal(pread(fd, got, n, 0), (ssize_t)n);
		assert_memory_equal(got, want, n);
		close(fd);
	}
	free(want);
	free(got);
	free(src);
}

/* Touching pages stays inside the file, wherever it is asked to go. */
static void rh_file_touch_pages_stays_in_the_file(void **state)
{
	(void)state;
	char path[] = "/tmp/refheap-touch-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	char page[4096];
	memset(page, 7, sizeof(page));
	for (int k = 0; k < 3; k++)
		assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	assert_int_equal(write(fd, page, 100), 100);   /* a partial last page */
	// Past the end (a page there would be SIGBUS), unaligned, empty.
	rh_file_touch_pages(fd, 0, UINT64_MAX);
	rh_file_touch_pages(fd, 4097, 1u << 30);
	rh_file_touch_pages(fd, 3 * 4096 + 99, 5);
	rh_file_touch_pages(fd, 3 * 4096 + 100, 4096);
	rh_file_touch_pages(fd, UINT64_MAX - 10, 20);
	rh_file_touch_pages(fd, 0, 0);
	rh_file_touch_pages(-1, 0, 4096);
	// Nothing written.
	char back[4096];
	assert_int_equal(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	assert_memory_equal(back, page, sizeof(back));
	assert_int_equal(lseek(fd, 0, SEEK_END), 3 * 4096 + 100);
	close(fd);
}

static void rh_prefault_keeps_contents(void **state)
{
	(void)state;
	size_t len = (size_t)8 << 20;
	unsigned char *p = rh_big_malloc(len);
	assert_non_null(p);
	for (size_t i = 0; i < len / 2; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	struct rh_prefault *pf = rh_prefault_create();
	rh_prefault_request(pf, p, len);
	// the writer goes on while the helper populates
	for (size_t i = len / 2; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	unsigned char *gone = rh_big_malloc(len);
	assert_non_null(gone);
	free(gone);
	rh_prefault_request(pf, gone, len);
	rh_prefault_request(NULL, p, len);
	for (int k = 0; k < 100; k++)
		rh_prefault_request(pf, p + (size_t)k * 4096, 4096);
	usleep(20000);
	rh_prefault_destroy(pf);
	rh_prefault_destroy(NULL);
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7 + 1))
			fail_msg("byte %zu changed", i);
	free(p);
}

static void rh_arena_intern_returns_one_copy(void **state)
{
	struct rh_arena a;
	rh_arena_init(&a);
	const char *x = rh_arena_intern(&a, "dict", 4);
	const char *y = rh_arena_intern(&a, "dictionary", 4);
	const char *z = rh_arena_intern(&a, "list", 4);
	assert_ptr_equal(x, y);
	assert_ptr_not_equal(x, z);
	assert_string_equal(x, "dict");
	// Many strings force the table and the blocks to grow.
	char buf[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "name%d", i);
		assert_non_null(rh_arena_intern(&a, buf, strlen(buf)));
	}
	assert_ptr_equal(rh_arena_intern(&a, "dict", 4), x);
	snprintf(buf, sizeof(buf), "name%d", 12345);
	assert_string_equal(rh_arena_intern(&a, buf, strlen(buf)), "name12345");
	rh_arena_deinit(&a);
}

/*
 * A big block is whole 2 MiB pages (aligned, so that all of it can be a
 * huge page), and growing keeps the used part: small to big (realloc's
 * side, then a fresh block) and big to bigger.
 */
static void rh_big_realloc_keeps_the_used_part(void **state)
{
	(void)state;
	const size_t huge = (size_t)2 << 20;
	uint8_t *big = rh_big_malloc(5 * huge + 1);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % huge, 0);
	memset(big, 0x5a, 5 * huge + 1);
	free(big);

	uint32_t *p = rh_big_realloc(NULL, 0, 1000 * sizeof(*p));
	assert_non_null(p);
	for (uint32_t i = 0; i < 1000; i++)
		p[i] = i * 7 + 1;
	// 1000 entries to 3M: a fresh block of whole huge pages.
	p = rh_big_realloc(p, 1000 * sizeof(*p), 3000000 * sizeof(*p));
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % huge, 0);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(p[i], i * 7 + 1);
	for (uint32_t i = 1000; i < 3000000; i++)
		p[i] = i ^ 0x9e3779b9u;
	// 3M to 6M, the first 2.5M in use: those are kept.
	p = rh_big_realloc(p, 2500000 * sizeof(*p), 6000000 * sizeof(*p));
	assert_non_null(p);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(p[i], i * 7 + 1);
	for (uint32_t i = 1000; i < 2500000; i++)
		assert_int_equal(p[i], i ^ 0x9e3779b9u);
	p[6000000 - 1] = 1;
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_u64map_insert_then_find_many),
		cmocka_unit_test(rh_u64map_insert_existing_keeps_first_value),
		cmocka_unit_test(rh_u64map_reserve_avoids_rehash),
		cmocka_unit_test(rh_u64map_find_on_empty_map),
		cmocka_unit_test(rh_keyindex_matches_a_reference),
		cmocka_unit_test(rh_keyindex_check_refuses_bad_slots),
		cmocka_unit_test(rh_blockindex_with_keyindex_matches_a_reference),
		cmocka_unit_test(rh_keyindex_reserve_avoids_rebuild),
		cmocka_unit_test(rh_arena_intern_returns_one_copy),
		cmocka_unit_test(rh_big_realloc_keeps_the_used_part),
		cmocka_unit_test(rh_prefault_keeps_contents),
		cmocka_unit_test(rh_blockwrite_writes_what_it_is_given),
		cmocka_unit_test(rh_file_touch_pages_stays_in_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
