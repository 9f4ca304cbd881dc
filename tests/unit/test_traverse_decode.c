/*
 * Unit tests of the tp_traverse code decoder (cpython/traverse_decode.c)
 * on hand-assembled x86-64 functions: the gcc -O2 shapes of Cython's
 * cdef class traverses are read exactly (fields in order, the base's
 * traverse, a tail-called last visit), and every shape it must not claim
 * to understand — a loop, a load from something other than the object, a
 * field test that is not Py_VISIT's, a call through memory, a visit with
 * the wrong argument, a jump into an instruction, code running past the
 * bytes — is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpython/traverse_decode.h"

#define ADDR 0x9680u

/* __pyx_tp_traverse_4rhcy_Node as gcc 12 -O2 compiled it (objdump of
 * samples/cython/rhcy.pyx): visits 0x10, 0x20, 0x28, 0x30 (not 0x18, a
 * `cdef str`), the last one as a tail call. */
static const uint8_t node[] = {
	0x41, 0x54,                         /* push %r12 */
	0x49, 0x89, 0xfc,                   /* mov %rdi,%r12 */
	0x55,                               /* push %rbp */
	0x48, 0x89, 0xd5,                   /* mov %rdx,%rbp */
	0x53,                               /* push %rbx */
	0x48, 0x8b, 0x7f, 0x10,             /* mov 0x10(%rdi),%rdi */
	0x48, 0x89, 0xf3,                   /* mov %rsi,%rbx */
	0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
	0x74, 0x09,                         /* je +9 */
	0x48, 0x89, 0xd6,                   /* mov %rdx,%rsi */
	0xff, 0xd3,                         /* call *%rbx */
	0x85, 0xc0,                         /* test %eax,%eax */
	0x75, 0x41,                         /* jne epilogue */
	0x49, 0x8b, 0x7c, 0x24, 0x20,       /* mov 0x20(%r12),%rdi */
	0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
	0x74, 0x09,                         /* je +9 */
	0x48, 0x89, 0xee,                   /* mov %rbp,%rsi */
	0xff, 0xd3,                         /* call *%rbx */
	0x85, 0xc0,                         /* test %eax,%eax */
	0x75, 0x2e,                         /* jne epilogue */
	0x49, 0x8b, 0x7c, 0x24, 0x28,       /* mov 0x28(%r12),%rdi */
	0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
	0x74, 0x09,                         /* je +9 */
	0x48, 0x89, 0xee,                   /* mov %rbp,%rsi */
	0xff, 0xd3,                         /* call *%rbx */
	0x85, 0xc0,                         /* test %eax,%eax */
	0x75, 0x1b,                         /* jne epilogue */
	0x49, 0x8b, 0x7c, 0x24, 0x30,       /* mov 0x30(%r12),%rdi */
	0x31, 0xc0,                         /* xor %eax,%eax */
	0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
	0x74, 0x0f,                         /* je epilogue */
	0x48, 0x89, 0xee,                   /* mov %rbp,%rsi */
	0x48, 0x89, 0xd8,                   /* mov %rbx,%rax */
	0x5b, 0x5d, 0x41, 0x5c,             /* pop %rbx; pop %rbp; pop %r12 */
	0xff, 0xe0,                         /* jmp *%rax */
	0x0f, 0x1f, 0x00,                   /* nopl (%rax) */
	0x5b, 0x5d, 0x41, 0x5c,             /* epilogue: pop x3 */
	0xc3,                               /* ret */
	/* padding, then the next function: never read */
	0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x48, 0x8b, 0x3f, 0xff, 0xd6,
};

/* __pyx_tp_traverse_4rhcy_Leaf: the base's traverse, then 0x40 (tail). */
static const uint8_t leaf[] = {
	0x41, 0x54,                         /* push %r12 */
	0x49, 0x89, 0xd4,                   /* mov %rdx,%r12 */
	0x55,                               /* push %rbp */
	0x48, 0x89, 0xf5,                   /* mov %rsi,%rbp */
	0x53,                               /* push %rbx */
	0x48, 0x89, 0xfb,                   /* mov %rdi,%rbx */
	0xe8, 0xf1, 0xf5, 0xff, 0xff,       /* call ADDR + 0x12 - 0xa0f */
	0x85, 0xc0,                         /* test %eax,%eax */
	0x75, 0x1a,                         /* jne epilogue */
	0x48, 0x8b, 0x7b, 0x40,             /* mov 0x40(%rbx),%rdi */
	0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
	0x74, 0x11,                         /* je epilogue */
	0x5b,                               /* pop %rbx */
	0x4c, 0x89, 0xe6,                   /* mov %r12,%rsi */
	0x48, 0x89, 0xe8,                   /* mov %rbp,%rax */
	0x5d, 0x41, 0x5c,                   /* pop %rbp; pop %r12 */
	0xff, 0xe0,                         /* jmp *%rax */
	0x0f, 0x1f, 0x44, 0x00, 0x00,       /* nopl 0x0(%rax,%rax,1) */
	0x5b, 0x5d, 0x41, 0x5c, 0xc3,       /* epilogue */
	0xcc, 0xcc,
};

/* mypy.nodes.Block's traverse in Debian 12's mypy 1.0.1 (mypyc, gcc -O2;
 * the stripped __mypyc .so at 0x41a4e0, up to its padding): two tagged
 * int attributes (line, column), then five object attributes, the last
 * as a tail call. */
static const uint8_t mypyc_block[] = {
	0x41, 0x54, 0x49, 0x89, 0xfc, 0x55, 0x48, 0x89, 0xd5, 0x53, 0x48, 0x8b,
	0x7f, 0x18, 0x48, 0x89, 0xf3, 0x40, 0xf6, 0xc7, 0x01, 0x74, 0x17, 0x48,
	0x83, 0xff, 0x01, 0x74, 0x11, 0x48, 0x83, 0xe7, 0xfe, 0x48, 0x89, 0xd6,
	0xff, 0xd3, 0x85, 0xc0, 0x0f, 0x85, 0x82, 0x00, 0x00, 0x00, 0x49, 0x8b,
	0x7c, 0x24, 0x20, 0x40, 0xf6, 0xc7, 0x01, 0x74, 0x13, 0x48, 0x83, 0xff,
	0x01, 0x74, 0x0d, 0x48, 0x83, 0xe7, 0xfe, 0x48, 0x89, 0xee, 0xff, 0xd3,
	0x85, 0xc0, 0x75, 0x64, 0x49, 0x8b, 0x7c, 0x24, 0x28, 0x48, 0x85, 0xff,
	0x74, 0x09, 0x48, 0x89, 0xee, 0xff, 0xd3, 0x85, 0xc0, 0x75, 0x51, 0x49,
	0x8b, 0x7c, 0x24, 0x30, 0x48, 0x85, 0xff, 0x74, 0x09, 0x48, 0x89, 0xee,
	0xff, 0xd3, 0x85, 0xc0, 0x75, 0x3e, 0x49, 0x8b, 0x7c, 0x24, 0x38, 0x48,
	0x85, 0xff, 0x74, 0x09, 0x48, 0x89, 0xee, 0xff, 0xd3, 0x85, 0xc0, 0x75,
	0x2b, 0x49, 0x8b, 0x7c, 0x24, 0x40, 0x48, 0x85, 0xff, 0x74, 0x09, 0x48,
	0x89, 0xee, 0xff, 0xd3, 0x85, 0xc0, 0x75, 0x18, 0x49, 0x8b, 0x7c, 0x24,
	0x48, 0x31, 0xc0, 0x48, 0x85, 0xff, 0x74, 0x0c, 0x48, 0x89, 0xee, 0x48,
	0x89, 0xd8, 0x5b, 0x5d, 0x41, 0x5c, 0xff, 0xe0, 0x5b, 0x5d, 0x41, 0x5c,
	0xc3, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static bool decode(const uint8_t *code, size_t len, struct rh_decoded_traverse *d,
		   const char **why)
{
	return rh_decode_traverse(code, len, ADDR, d, why);
}

static void test_node(void **state)
{
	(void)state;
	struct rh_decoded_traverse d;
	const char *why;
	assert_true(decode(node, sizeof(node), &d, &why));
	assert_int_equal(d.base_fn, 0);
	assert_int_equal(d.nvisits, 4);
	assert_int_equal(d.off[0], 0x10);
	assert_int_equal(d.off[1], 0x20);
	assert_int_equal(d.off[2], 0x28);
	assert_int_equal(d.off[3], 0x30);
}

static void test_leaf_base_call(void **state)
{
	(void)state;
	struct rh_decoded_traverse d;
	const char *why;
	assert_true(decode(leaf, sizeof(leaf), &d, &why));
	assert_int_equal(d.base_fn, ADDR + 18 - 0xa0f);
	assert_int_equal(d.nvisits, 1);
	assert_int_equal(d.off[0], 0x40);
}

static void test_mypyc_tagged(void **state)
{
	(void)state;
	struct rh_decoded_traverse d;
	const char *why;
	assert_true(decode(mypyc_block, sizeof(mypyc_block), &d, &why));
	assert_int_equal(d.base_fn, 0);
	assert_int_equal(d.nvisits, 7);
	assert_int_equal(d.off[0], 0x18 | 1);   /* tagged */
	assert_int_equal(d.off[1], 0x20 | 1);
	for (uint32_t i = 2; i < 7; i++)
		assert_int_equal(d.off[i], 0x28 + 8 * (i - 2));
	/* without the cmp $1 (CPY_INT_TAG) check: refused */
	uint8_t code[sizeof(mypyc_block)];
	memcpy(code, mypyc_block, sizeof(code));
	memset(code + 0x17, 0x90, 6);   /* cmp $0x1,%%rdi; je -> nops */
	assert_false(decode(code, sizeof(code), &d, &why));
}

/* One byte patched in a copy of node[]. */
static bool decode_patched(size_t at, uint8_t v, const char **why)
{
	uint8_t code[sizeof(node)];
	struct rh_decoded_traverse d;
	memcpy(code, node, sizeof(code));
	code[at] = v;
	return decode(code, sizeof(code), &d, why);
}

static void test_refusals(void **state)
{
	(void)state;
	const char *why;
	/* the first load from %rsi (v) instead of the object: 48 8b 7e 10 */
	assert_false(decode_patched(12, 0x7e, &why));
	assert_non_null(strstr(why, "other than the object"));
	/* a backward je (a loop) */
	assert_false(decode_patched(21, 0xf0, &why));
	assert_non_null(strstr(why, "backward"));
	/* call *(%rbx) through memory: ff 13 */
	assert_false(decode_patched(26, 0x13, &why));
	/* the visit's second argument is v, not a: mov %rbx,%rsi (48 89 de) */
	assert_false(decode_patched(24, 0xde, &why));
	assert_non_null(strstr(why, "v(field, a)"));
	/* a load of offset 8 (ob_type) is not a field */
	assert_false(decode_patched(13, 0x08, &why));
	/* a 32-bit load: 8b 7f 10 without REX.W (40 instead of 48) */
	assert_false(decode_patched(10, 0x40, &why));
	/* a je landing inside an instruction */
	assert_false(decode_patched(21, 0x01, &why));
	assert_non_null(strstr(why, "middle"));
	/* an instruction it does not know (a cmp: 48 39 ff) */
	assert_false(decode_patched(18, 0x39, &why));
	/* the bytes end before the function does */
	struct rh_decoded_traverse d;
	assert_false(decode(node, 36, &d, &why));
	assert_non_null(strstr(why, "past"));
	/* a base call after a visit is not a base call */
	static const uint8_t late_call[] = {
		0x48, 0x89, 0xfb,                   /* mov %rdi,%rbx */
		0x48, 0x89, 0xf5,                   /* mov %rsi,%rbp */
		0x49, 0x89, 0xd4,                   /* mov %rdx,%r12 */
		0x48, 0x8b, 0x7f, 0x10,             /* mov 0x10(%rdi),%rdi */
		0x4c, 0x89, 0xe6,                   /* mov %r12,%rsi */
		0xff, 0xd5,                         /* call *%rbp */
		0x48, 0x89, 0xdf,                   /* mov %rbx,%rdi */
		0x48, 0x89, 0xee,                   /* mov %rbp,%rsi */
		0x4c, 0x89, 0xe2,                   /* mov %r12,%rdx */
		0xe8, 0, 0, 0, 0,                   /* call */
		0xc3,
	};
	assert_false(decode(late_call, sizeof(late_call), &d, &why));
	/* `if (self->a) { Py_VISIT(self->a); Py_VISIT(self->b); }`: the jump
	 * on a's test skips b's visit too */
	static const uint8_t nested[] = {
		0x48, 0x89, 0xfb,                   /* mov %rdi,%rbx */
		0x48, 0x89, 0xf5,                   /* mov %rsi,%rbp */
		0x49, 0x89, 0xd4,                   /* mov %rdx,%r12 */
		0x48, 0x8b, 0x7f, 0x10,             /* mov 0x10(%rdi),%rdi */
		0x48, 0x85, 0xff,                   /* test %rdi,%rdi */
		0x74, 0x12,                         /* je end (past b) */
		0x4c, 0x89, 0xe6,                   /* mov %r12,%rsi */
		0xff, 0xd5,                         /* call *%rbp */
		0x48, 0x8b, 0x7b, 0x18,             /* mov 0x18(%rbx),%rdi */
		0x4c, 0x89, 0xe6,                   /* mov %r12,%rsi */
		0xff, 0xd5,                         /* call *%rbp */
		0x31, 0xc0,                         /* xor %eax,%eax */
		0xc3,                               /* end: ret */
	};
	assert_false(decode(nested, sizeof(nested), &d, &why));
	assert_non_null(strstr(why, "skips another"));
	/* a visit whose field was loaded on one path only (a join) */
	static const uint8_t join[] = {
		0x48, 0x85, 0xd2,                   /* test %rdx,%rdx: not a field */
	};
	assert_false(decode(join, sizeof(join), &d, &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_leaf_base_call),
		cmocka_unit_test(test_mypyc_tagged),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
