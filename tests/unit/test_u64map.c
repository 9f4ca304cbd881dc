/*
 * Unit tests of util/u64map.c, the address index every snapshot lookup
 * goes through, and util/arena.c, where names are interned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_u64map_insert_then_find_many),
		cmocka_unit_test(rh_u64map_insert_existing_keeps_first_value),
		cmocka_unit_test(rh_u64map_reserve_avoids_rehash),
		cmocka_unit_test(rh_u64map_find_on_empty_map),
		cmocka_unit_test(rh_arena_intern_returns_one_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
