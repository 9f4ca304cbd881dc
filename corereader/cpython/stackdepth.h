/*
 * The value-stack depth of a 3.11-3.13 frame at its current instruction,
 * from its bytecode.
 *
 * 3.11-3.13 record a frame's stack depth (_PyInterpreterFrame.stacktop)
 * only when it calls a Python function inline; one that is executing, or
 * that called into C (which may have called back into Python or let the
 * GIL go), has a stale one. Its depth before the instruction it is at
 * (prev_instr, 3.13 instr_ptr) is the one the compiler's stack analysis
 * gives (Python/compile.c stackdepth 3.11, Python/flowgraph.c 3.12/3.13):
 * an abstract interpretation of the code from depth 0 at offset 0 and at
 * each exception handler (its exception-table depth, +1 for lasti, +1
 * for the exception), along fall-through and jump edges, with each
 * opcode's stack effect. The code is read as the interpreter holds it
 * (co_code_adaptive): specialized and INSTRUMENTED_* opcodes map back to
 * their base opcode, inline caches are skipped, EXTENDED_ARG prefixes
 * build the argument. Tables: stackdepth_tables.h (generated).
 *
 * During a call that instruction makes, the slots below that depth are
 * live for the instructions the tables mark so (calls, attribute and
 * item access, binary operations, iteration, imports, `with`): each
 * keeps its inputs in their slots until the call returns.
 *
 * While an instruction runs, the stack never holds more entries than the
 * larger of its depths before and after: the interpreter reads inputs
 * from their slots and writes outputs over them at the end (3.12/3.13
 * Python/bytecodes.c; 3.11's hand-written ceval.c pushes an output
 * before a call only where that output is counted in the instruction's
 * effect, BEFORE_WITH's __exit__, UNPACK_SEQUENCE's items), and the
 * compiler sizes co_stacksize on that very rule. The slots above are
 * left over from earlier instructions: they own nothing.
 *
 * Below its inputs an instruction leaves the stack alone, so those entries
 * are live at any point of it: the floor, for the instructions a stopped
 * thread's innermost frame is usually at (a call into C, the eval
 * breaker's checks at a backward jump or a function's start, `for`'s
 * next(), `await`'s send()).
 *
 * Fails closed: any opcode without a table entry, a negative depth or one
 * past co_stacksize, two depths meeting at one instruction, a jump into
 * the middle of an instruction or out of the code, an unreadable
 * exception table give -1. Work is linear in the code's size, capped at
 * RH_PY_STACKDEPTH_MAX_UNITS code units.
 *
 * Pure: works on copies of the code and exception table bytes
 * (tests/unit/test_stackdepth.c feeds it real code objects' bytes).
 */
#ifndef RH_CPYTHON_STACKDEPTH_H
#define RH_CPYTHON_STACKDEPTH_H

#include <stddef.h>
#include <stdint.h>

#define RH_PY_STACKDEPTH_MAX_UNITS (1u << 18)

/* Memory reused from call to call; zero-initialize, then _deinit. */
struct rh_py_stackdepth_scratch {
	int32_t *depth;      /* per code unit: depth before it, -1 unknown */
	uint32_t *arg;       /* per code unit: full oparg of an instruction start */
	uint32_t *work;      /* worklist of code units */
	size_t cap;          /* units allocated */
};

void rh_py_stackdepth_scratch_deinit(struct rh_py_stackdepth_scratch *s);

/* What rh_py_stackdepth() found for one instruction. */
struct rh_py_stack_live {
	int64_t depth;       /* stack entries before the instruction */
	int64_t live;        /* of them, live during a call it makes; -1 if
	                      * the instruction is not one known to keep
	                      * them (then only `depth` is known) */
	int64_t tuple_slot;  /* a slot below `live` that is live only if it
	                      * holds an exact tuple (CALL_FUNCTION_EX's
	                      * positional arguments), else -1 */
	int64_t reach;       /* the most entries the stack holds while the
	                      * instruction runs: the larger of its depth
	                      * before and after (either way out); the
	                      * slots from `reach` on are stale */
	int64_t floor;       /* the entries below the instruction's inputs,
	                      * which it never touches: live all through
	                      * it, wherever in it the frame is; -1 when the
	                      * instruction is not one whose inputs are
	                      * known (see stackdepth.c inputs()) */
};

/*
 * The depth before the instruction at code unit `unit` of a code object
 * of CPython `version_hex` (PY_VERSION_HEX: 3.11-3.13 only), whose
 * co_code_adaptive is `code` (`len` bytes), exception table `exc`
 * (`exclen` bytes) and co_stacksize `stacksize`.
 * Returns 0 and fills *ret, -1 when refused (see above), -2 when out of
 * memory.
 */
int rh_py_stackdepth(uint32_t version_hex, const uint8_t *code, size_t len,
		     const uint8_t *exc, size_t exclen, int64_t stacksize,
		     uint64_t unit, struct rh_py_stackdepth_scratch *s,
		     struct rh_py_stack_live *ret);

#endif
