/*
 * Unit tests of the GC-list walk (cpython/gclist.c) over an in-memory
 * target: well-formed lists, lists that loop, torn links and unreadable
 * nodes. A hostile core must never make the walk loop or crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpython/gclist.h"
#include "target/target.h"
#include "util/error.h"

#define BASE 0x10000u
#define HEAD BASE
#define NODE(i) (BASE + 0x100u + (uint64_t)(i) * 0x40u)
#define MAXN 16

static unsigned char mem[0x1000];

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(mem + (addr - BASE), &v, 8);
}

/* A well-formed circular list of n nodes; node i has ob_refcnt 100+i. */
static void build_list(int n)
{
	memset(mem, 0, sizeof(mem));
	uint64_t prev = HEAD;
	for (int i = 0; i < n; i++) {
		put64(prev + 0, NODE(i));       /* prev->_gc_next */
		put64(NODE(i) + 8, prev);       /* node->_gc_prev */
		put64(NODE(i) + 16, 100 + (uint64_t)i);
		put64(NODE(i) + 24, 0xdead0000u);
		prev = NODE(i);
	}
	put64(prev + 0, HEAD);
	put64(HEAD + 8, prev);
}

static struct rh_target *open_mem(size_t size)
{
	struct rh_memory_segment seg = { .addr = BASE, .data = mem, .size = size };
	struct rh_target *t;
	struct rh_error *err = rh_target_open_memory(&seg, 1, &t);
	assert_null(err);
	return t;
}

struct visit {
	uint64_t nodes[64];
	int n;
	int stop_after;
};

static int visit(void *arg, uint64_t node, const unsigned char *bytes)
{
	struct visit *v = arg;
	uint64_t refcnt;
	memcpy(&refcnt, bytes + 16, 8);
	assert_int_equal(refcnt, 100 + (uint64_t)v->n);
	v->nodes[v->n++] = node;
	return v->stop_after && v->n >= v->stop_after;
}

static struct rh_gclist_params params(bool check_prev)
{
	return (struct rh_gclist_params){
		.head = HEAD, .next_off = 0, .prev_off = 8, .node_read = 32,
		.max_nodes = MAXN, .check_prev = check_prev,
	};
}

static void rh_gclist_walk_visits_every_node(void **state)
{
	build_list(5);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	struct visit v = { 0 };
	uint64_t n;
	assert_null(rh_gclist_walk(t, &p, visit, &v, &n));
	assert_int_equal(n, 5);
	assert_int_equal(v.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(v.nodes[i], NODE(i));
	rh_target_destroy(t);
}

static void rh_gclist_walk_empty_list(void **state)
{
	build_list(0);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	struct visit v = { 0 };
	uint64_t n = 99;
	assert_null(rh_gclist_walk(t, &p, visit, &v, &n));
	assert_int_equal(n, 0);
	rh_target_destroy(t);
}

static void rh_gclist_walk_masks_flag_bits(void **state)
{
	build_list(3);
	// _gc_next bit 0 (NEXT_MASK_UNREACHABLE / 3.14 old-space bit) and
	// _gc_prev bits 0-1 (FINALIZED, COLLECTING) must not disturb the walk.
	put64(NODE(0) + 0, NODE(1) | 1);
	put64(NODE(1) + 8, NODE(0) | 1);
	put64(NODE(2) + 8, NODE(1) | 2);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	struct visit v = { 0 };
	uint64_t n;
	assert_null(rh_gclist_walk(t, &p, visit, &v, &n));
	assert_int_equal(n, 3);
	rh_target_destroy(t);
}

static void rh_gclist_walk_loop_into_middle_is_bad_data(void **state)
{
	build_list(5);
	put64(NODE(4) + 0, NODE(2));   /* loops back, never reaches the head */
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	struct visit v = { 0 };
	uint64_t n;
	struct rh_error *err = rh_gclist_walk(t, &p, visit, &v, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "broken after 5 objects"));
	assert_non_null(strstr(err->message, "_gc_prev"));
	assert_int_equal(n, 5);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static int count_only(void *arg, uint64_t node, const unsigned char *bytes)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static void rh_gclist_walk_loop_without_prev_check_hits_bound(void **state)
{
	build_list(5);
	put64(NODE(4) + 0, NODE(2));
	struct rh_target *t = open_mem(sizeof(mem));
	// While a collection runs, _gc_prev holds gc_refs and cannot be
	// checked: the bound alone must end the walk.
	struct rh_gclist_params p = params(false);
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_LIMIT);
	assert_non_null(strstr(err->message, "loops"));
	assert_int_equal(n, MAXN);
	assert_int_equal(calls, MAXN);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static void rh_gclist_walk_self_loop_is_bad_data(void **state)
{
	build_list(2);
	put64(NODE(1) + 0, NODE(1));
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	assert_int_equal(n, 2);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static void rh_gclist_walk_unreadable_node_is_fault(void **state)
{
	build_list(4);
	put64(NODE(1) + 0, 0x7fff00000000u);   /* points outside the target */
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_FAULT);
	assert_non_null(strstr(err->message, "broken after 2 objects"));
	assert_non_null(strstr(err->message, "unreadable"));
	assert_int_equal(n, 2);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static void rh_gclist_walk_null_next_is_bad_data(void **state)
{
	build_list(3);
	put64(NODE(2) + 0, 0);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "NULL _gc_next"));
	assert_int_equal(n, 3);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static void rh_gclist_walk_unreadable_head_is_fault(void **state)
{
	build_list(1);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	p.head = 0x10;
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_FAULT);
	assert_non_null(strstr(err->message, "GC list head"));
	assert_int_equal(n, 0);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

static void rh_gclist_walk_callback_stops_early(void **state)
{
	build_list(6);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	struct visit v = { .stop_after = 2 };
	uint64_t n;
	assert_null(rh_gclist_walk(t, &p, visit, &v, &n));
	assert_int_equal(n, 2);
	rh_target_destroy(t);
}

static void rh_gclist_walk_node_read_too_large_is_invalid(void **state)
{
	build_list(1);
	struct rh_target *t = open_mem(sizeof(mem));
	struct rh_gclist_params p = params(true);
	p.node_read = RH_GCLIST_MAX_NODE_READ + 1;
	uint64_t calls = 0, n;
	struct rh_error *err = rh_gclist_walk(t, &p, count_only, &calls, &n);
	assert_non_null(err);
	assert_int_equal(err->code, RH_ERR_INVALID_ARGUMENT);
	rh_error_destroy(err);
	rh_target_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_gclist_walk_visits_every_node),
		cmocka_unit_test(rh_gclist_walk_empty_list),
		cmocka_unit_test(rh_gclist_walk_masks_flag_bits),
		cmocka_unit_test(rh_gclist_walk_loop_into_middle_is_bad_data),
		cmocka_unit_test(rh_gclist_walk_loop_without_prev_check_hits_bound),
		cmocka_unit_test(rh_gclist_walk_self_loop_is_bad_data),
		cmocka_unit_test(rh_gclist_walk_unreadable_node_is_fault),
		cmocka_unit_test(rh_gclist_walk_null_next_is_bad_data),
		cmocka_unit_test(rh_gclist_walk_unreadable_head_is_fault),
		cmocka_unit_test(rh_gclist_walk_callback_stops_early),
		cmocka_unit_test(rh_gclist_walk_node_read_too_large_is_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
