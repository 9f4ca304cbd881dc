/*
 * Unit tests of the value-stack depth of 3.11-3.13 frames from their
 * bytecode (cpython/stackdepth.c), on real quickened code objects
 * (stackdepth_vectors.h): the depth at every traced instruction is the
 * one the interpreter itself spilled, the depth at every instruction the
 * one the generator's model computes; the call instructions' live slots
 * follow their version's interpreter; and damaged code, tables and
 * arguments are refused, never answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpython/stackdepth.h"
#include "stackdepth_vectors.h"

struct vec {
	const char *name;
	uint32_t version;
	const uint8_t *code;
	size_t len;
	const uint8_t *exc;
	size_t exclen;
	int64_t stacksize;
	const struct depth_seen *seen, *model;
	size_t nseen, nmodel;
	int64_t call_ex, before_with;
};

#define VEC(v, hex, name, NAME) { #v "_" #name, hex, v##_##name##_code, sizeof(v##_##name##_code), \
	v##_##name##_exc, NAME##_EXCLEN, NAME##_STACKSIZE, \
	v##_##name##_seen, v##_##name##_model, \
	sizeof(v##_##name##_seen) / sizeof(struct depth_seen), \
	sizeof(v##_##name##_model) / sizeof(struct depth_seen), \
	NAME##_CALL_FUNCTION_EX, NAME##_BEFORE_WITH }
#define VERSION(v, hex, V) \
	VEC(v, hex, sample_loop, V##_SAMPLE_LOOP), \
	VEC(v, hex, sample_gen_user, V##_SAMPLE_GEN_USER), \
	VEC(v, hex, sample_raise, V##_SAMPLE_RAISE), \
	VEC(v, hex, sample_ext, V##_SAMPLE_EXT), \
	VEC(v, hex, sample_gen, V##_SAMPLE_GEN)

static const struct vec vecs[] = {
	VERSION(v311, 0x030b07f0, V311),
	VERSION(v312, 0x030c01f0, V312),
	VERSION(v313, 0x030d00f0, V313),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

static struct rh_py_stackdepth_scratch scratch;

static int depth_at(const struct vec *v, const uint8_t *code, size_t len,
		    const uint8_t *exc, size_t exclen, int64_t stacksize, uint64_t unit,
		    struct rh_py_stack_live *ret)
{
	(void)v;
	return rh_py_stackdepth(v->version, code, len, exc, exclen, stacksize, unit,
				&scratch, ret);
}

static int64_t depth(const struct vec *v, uint64_t unit)
{
	struct rh_py_stack_live l;
	int r = depth_at(v, v->code, v->len, v->exc, v->exclen, v->stacksize, unit, &l);
	return r ? r : l.depth;
}

/* The interpreter's own depths, at every instruction it traced. */
static void test_interpreter_depths(void **state)
{
	(void)state;
	size_t n = 0;
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		for (size_t k = 0; k < v->nseen; k++, n++) {
			int64_t d = depth(v, v->seen[k].unit);
			if (d != v->seen[k].depth)
				fail_msg("%s unit %u: %lld, the interpreter %d", v->name,
					 v->seen[k].unit, (long long)d, v->seen[k].depth);
		}
	}
	assert_true(n > 300);
}

/* The model's depth at every instruction, and only there. */
static void test_model_depths(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		size_t k = 0;
		for (uint64_t u = 0; u < v->len / 2; u++) {
			int64_t d = depth(v, u);
			if (k < v->nmodel && v->model[k].unit == u) {
				if (d != v->model[k].depth)
					fail_msg("%s unit %llu: %lld, the model %d", v->name,
						 (unsigned long long)u, (long long)d, v->model[k].depth);
				k++;
			} else if (d != -1) {
				// a cache entry, or code the walk does not reach
				fail_msg("%s unit %llu: %lld, not an instruction", v->name,
					 (unsigned long long)u, (long long)d);
			}
		}
		assert_int_equal(k, v->nmodel);
	}
}

/* What is live during CALL_FUNCTION_EX's and BEFORE_WITH's calls. */
static void test_live(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		struct rh_py_stack_live l;
		if (v->call_ex >= 0) {
			// f(x, **{...}): callable, NULL, args, kwargs all live;
			// args only if it is a tuple
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->call_ex, &l), 0);
			assert_true(l.depth >= 4);
			assert_int_equal(l.live, l.depth);
			assert_int_equal(l.tuple_slot, l.depth - 2);
		}
		if (v->before_with >= 0) {
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->before_with, &l), 0);
			// 3.12+ drop the manager before calling __enter__
			assert_int_equal(l.live, l.depth - (v->version >= 0x030c0000 ? 1 : 0));
			assert_int_equal(l.tuple_slot, -1);
		}
		// the first instruction (RESUME, MAKE_CELL...) calls nothing
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
					  v->stacksize, v->model[0].unit, &l), 0);
		assert_int_equal(l.live, -1);
	}
}

/*
 * How high the stack gets while an instruction runs: never below its
 * depth, and over a whole code object exactly co_stacksize, which the
 * compiler computed as the largest depth before or after any reachable
 * instruction (3.11 Python/compile.c stackdepth(), 3.12/3.13
 * Python/flowgraph.c calculate_stackdepth()): an independent answer.
 */
static void test_reach(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		int64_t most = -1;
		for (size_t k = 0; k < v->nmodel; k++) {
			struct rh_py_stack_live l;
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, v->model[k].unit, &l), 0);
			assert_true(l.reach >= l.depth);
			assert_true(l.floor >= -1 && l.floor <= l.depth);
			if (l.reach > most)
				most = l.reach;
		}
		if (most != v->stacksize)
			fail_msg("%s: the stack reaches %lld, co_stacksize %lld", v->name,
				 (long long)most, (long long)v->stacksize);
		struct rh_py_stack_live l;
		if (v->call_ex >= 0) {
			// a call leaves its result where its callable was
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->call_ex, &l), 0);
			assert_int_equal(l.reach, l.depth);
		}
		if (v->call_ex >= 0) {
			// below its inputs (NULL, f, args, kwargs) the stack
			// is the frame's, whatever point of the call it is at
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->call_ex, &l), 0);
			assert_int_equal(l.floor, l.depth - 4);
		}
		if (v->before_with >= 0) {
			// not an instruction whose inputs are listed
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->before_with, &l), 0);
			assert_int_equal(l.floor, -1);
		}
		if (v->before_with >= 0) {
			// the manager becomes __exit__ and __enter__'s result
			assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, (uint64_t)v->before_with, &l), 0);
			assert_int_equal(l.reach, l.depth + 1);
		}
	}
}

static uint8_t buf[8192];

static const struct vec *loop_of(uint32_t minor)
{
	for (size_t i = 0; i < NVECS; i++)
		if (((vecs[i].version >> 16) & 255) == minor && vecs[i].call_ex >= 0)
			return &vecs[i];
	fail();
	return NULL;
}

static void test_refused(void **state)
{
	(void)state;
	for (uint32_t minor = 11; minor <= 13; minor++) {
		const struct vec *v = loop_of(minor);
		struct rh_py_stack_live l;
		uint64_t at = (uint64_t)v->call_ex;
		assert_true(v->len <= sizeof(buf));
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen, v->stacksize, at, &l), 0);
		// versions without tables
		assert_int_equal(rh_py_stackdepth(0x030a0df0, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, at, &scratch, &l), -1);
		assert_int_equal(rh_py_stackdepth(0x030e04f0, v->code, v->len, v->exc, v->exclen,
						  v->stacksize, at, &scratch, &l), -1);
		// past the code, an odd length, no code
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen, v->stacksize,
					  v->len / 2, &l), -1);
		assert_int_equal(depth_at(v, v->code, v->len - 1, v->exc, v->exclen, v->stacksize,
					  at, &l), -1);
		assert_int_equal(depth_at(v, NULL, 0, v->exc, v->exclen, v->stacksize, 0, &l), -1);
		// a co_stacksize the code exceeds
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen, v->stacksize - 1,
					  at, &l), -1);
		// an exception table cut short or not starting an entry
		assert_true(v->exclen > 4);
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen - 1, v->stacksize,
					  at, &l), -1);
		memcpy(buf, v->exc, v->exclen);
		buf[0] &= 127;
		assert_int_equal(depth_at(v, v->code, v->len, buf, v->exclen, v->stacksize, at, &l), -1);
		// a handler past the code
		memcpy(buf, v->exc, v->exclen);
		buf[2] = 0x3f; // target varint of the first entry: 63 + continuation
		buf[3] = 0x3f;
		memcpy(buf + 4, "\x3f\x3f\x3f\x3f", 4);
		assert_int_equal(depth_at(v, v->code, v->len, buf, v->exclen, v->stacksize, at, &l), -1);
		// CACHE (opcode 0) where an instruction starts
		memcpy(buf, v->code, v->len);
		buf[2 * at] = 0;
		assert_int_equal(depth_at(v, buf, v->len, v->exc, v->exclen, v->stacksize, 0, &l), -1);
		// CALL_FUNCTION_EX without **kwargs: the loop meets itself
		// one deeper at FOR_ITER (or goes past co_stacksize)
		memcpy(buf, v->code, v->len);
		buf[2 * at + 1] ^= 1;
		assert_int_equal(depth_at(v, buf, v->len, v->exc, v->exclen, v->stacksize, 0, &l), -1);
		// an instruction whose inline caches the code cuts
		size_t k = 0;
		while (k + 1 < v->nmodel && v->model[k + 1].unit == v->model[k].unit + 1)
			k++;
		assert_true(k + 1 < v->nmodel);
		assert_int_equal(depth_at(v, v->code, 2 * (v->model[k].unit + 1), v->exc, 0,
					  v->stacksize, 0, &l), -1);
		// a cache entry is no instruction
		assert_int_equal(depth_at(v, v->code, v->len, v->exc, v->exclen, v->stacksize,
					  v->model[k].unit + 1, &l), -1);
	}
}

/* EXTENDED_ARG: its depth is its instruction's; a huge one jumps out. */
static void test_extended_arg(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		if (strstr(v->name, "sample_ext") == NULL)
			continue;
		// EXTENDED_ARG: 144 (3.11 quickens it to EXTENDED_ARG_QUICK,
		// 34), 71 in 3.13
		uint32_t minor = (v->version >> 16) & 255;
		uint8_t ext = minor == 13 ? 71 : 144, ext2 = minor == 11 ? 34 : ext;
		size_t found = 0;
		for (size_t k = 0; k + 1 < v->nmodel; k++) {
			uint32_t u = v->model[k].unit;
			if (v->code[2 * u] != ext && v->code[2 * u] != ext2)
				continue;
			found++;
			assert_int_equal(depth(v, u), depth(v, u + 1));
			struct rh_py_stack_live l;
			memcpy(buf, v->code, v->len);
			buf[2 * u + 1] = 0xff;
			assert_int_equal(depth_at(v, buf, v->len, v->exc, v->exclen, v->stacksize,
						  0, &l), -1);
		}
		assert_true(found >= 2); // the loop's FOR_ITER and JUMP_BACKWARD
	}
}

static int teardown(void **state)
{
	(void)state;
	rh_py_stackdepth_scratch_deinit(&scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpreter_depths),
		cmocka_unit_test(test_model_depths),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_reach),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_extended_arg),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
