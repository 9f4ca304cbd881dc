/*
 * Reading what a simple tp_traverse function visits from its x86-64 code.
 *
 * Cython writes one tp_traverse per cdef class (ModuleNode.py
 * generate_traverse_function(): the base type's traverse, then
 * `if (p->attr) { e = (*v)(p->attr, a); if (e) return e; }` for each object
 * attribute that is not of a builtin type that cannot make cycles — str,
 * bytes, int, float... are skipped, and the C struct does not say which
 * attribute was declared how). What the function visits is in its code:
 * loads of the object's fields into the visit function's first argument,
 * each followed by a call of `v`. The decoder accepts only the few
 * instructions that pattern compiles to (gcc -O1 and above) and fails
 * closed on anything else — a loop, a test of another field, a call
 * through memory, a load from anything but the object — so a function it
 * accepts visits exactly the fields it lists, in its code order.
 *
 * mypyc's native classes compile to the same shape, plus the visit of a
 * tagged int attribute (a boxed int when its low bit is set).
 *
 * Pure: works on a copy of the code bytes, reads no target memory
 * (tests/unit/test_traverse_decode.c feeds it hand-assembled functions).
 */
#ifndef RH_CPYTHON_TRAVERSE_DECODE_H
#define RH_CPYTHON_TRAVERSE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RH_DECODE_MAX_VISITS 64
#define RH_DECODE_MAX_CODE 2048   /* bytes of one function decoded at most */

struct rh_decoded_traverse {
	/* a traverse function called with (o, v, a) before the visits (the
	 * base class's), or 0 */
	uint64_t base_fn;
	uint32_t nvisits;
	/* byte offsets from the object of the fields visited, in order; bit
	 * 0 set: the field is a mypyc tagged int, visited as (x & ~1) only
	 * when its tag bit is set and it is not 1 (mypyc/lib-rt CPyTagged) */
	uint32_t off[RH_DECODE_MAX_VISITS];
};

/*
 * Decode the function at `addr` whose first `len` code bytes are `code`
 * (more bytes than the function is fine: decoding stops after its last
 * return). Returns false, with *why saying at which byte and what, when
 * the code is not of the accepted form.
 */
bool rh_decode_traverse(const uint8_t *code, size_t len, uint64_t addr,
			struct rh_decoded_traverse *out, const char **why);

#endif /* RH_CPYTHON_TRAVERSE_DECODE_H */
