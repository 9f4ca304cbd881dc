/*
 * Value-stack depth of a 3.11-3.13 frame from its bytecode: see
 * stackdepth.h. Mirrors the compiler's stack analysis (Python/compile.c
 * stackdepth() 3.11, Python/flowgraph.c calculate_stackdepth() 3.12/3.13)
 * on the bytes the interpreter runs.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "cpython/stackdepth.h"

/* The shape of a stack effect as a function of oparg x. */
enum {
	SD_LIN,          /* a + b*x */
	SD_BIT0,         /* a + b*(x & 1): LOAD_GLOBAL, LOAD_ATTR's method bit */
	SD_BIT2,         /* a + b*!!(x & 4): FORMAT_VALUE's spec */
	SD_EQ3,          /* a + b*(x == 3): BUILD_SLICE */
	SD_POP4,         /* a + b*popcount(x & 15): MAKE_FUNCTION's flags */
	SD_UNPACK_EX,    /* a + b*((x & 255) + (x >> 8)) */
};

/* Flags of an opcode. */
enum {
	SD_OK = 1,          /* has an entry (CPython opcodes are never 0 here) */
	SD_JFWD = 2,        /* jumps forward by oparg units past its caches */
	SD_JBACK = 4,       /* jumps backward likewise */
	SD_NOFALL = 8,      /* never falls through (return, raise, jump) */
	SD_EXTARG = 16,     /* EXTENDED_ARG: a prefix of the next argument */
	SD_LIVE = 32,       /* inputs live during its calls (stackdepth.h) */
	SD_TOP1 = 64,       /* ...but the top one (3.12+ BEFORE_WITH) */
	SD_CALLARGS = 128,  /* ...CALL_FUNCTION_EX's positional arguments if a tuple */
};

struct sd_effect {
	uint8_t kind;
	int16_t a, b;
};

struct sd_op {
	uint8_t deopt;      /* the base opcode (informative) */
	uint8_t caches;     /* inline cache entries after it */
	uint8_t flags;
	struct sd_effect eff[2];  /* without, with the jump */
};

#include "cpython/stackdepth_tables.h"

static int64_t effect(const struct sd_effect *e, uint32_t x)
{
	int64_t a = e->a, b = e->b;
	switch (e->kind) {
	case SD_LIN: return a + b * (int64_t)x;
	case SD_BIT0: return a + b * (int64_t)(x & 1);
	case SD_BIT2: return a + b * (int64_t)((x & 4) != 0);
	case SD_EQ3: return a + b * (int64_t)(x == 3);
	case SD_POP4: return a + b * (int64_t)__builtin_popcount(x & 15);
	case SD_UNPACK_EX: return a + b * (int64_t)((x & 255) + (x >> 8));
	}
	return INT32_MIN; // no table says so: refused by the range check
}

void rh_py_stackdepth_scratch_deinit(struct rh_py_stackdepth_scratch *s)
{
	free(s->depth);
	free(s->arg);
	free(s->work);
	s->depth = NULL;
	s->arg = NULL;
	s->work = NULL;
	s->cap = 0;
}

static bool reserve(struct rh_py_stackdepth_scratch *s, size_t n)
{
	if (n <= s->cap)
		return true;
	rh_py_stackdepth_scratch_deinit(s);
	// n <= RH_PY_STACKDEPTH_MAX_UNITS: no overflow
	s->depth = malloc(n * sizeof(*s->depth));
	s->arg = malloc(n * sizeof(*s->arg));
	s->work = malloc(n * sizeof(*s->work));
	if (!s->depth || !s->arg || !s->work) {
		rh_py_stackdepth_scratch_deinit(s);
		return false;
	}
	s->cap = n;
	return true;
}

/* One varint of an exception table (Python/ceval.c parse_varint 3.11+). */
static bool varint(const uint8_t *b, size_t n, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;
	for (int k = 0; k < 5 && *i < n; k++) {
		uint8_t x = b[(*i)++];
		v = (v << 6) | (x & 63);
		if (!(x & 64)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

#define NOT_START UINT32_MAX

struct walk {
	int32_t *depth;
	uint32_t *work;
	size_t nwork, n;
	int64_t stacksize;
};

/* Record depth d before unit i; false on a conflict or a bad edge. */
static bool put(struct walk *w, const uint32_t *arg, int64_t i, int64_t d)
{
	if (i < 0 || (uint64_t)i >= w->n || arg[i] == NOT_START || d < 0 || d > w->stacksize)
		return false;
	if (w->depth[i] >= 0)
		return w->depth[i] == d;
	w->depth[i] = (int32_t)d;
	w->work[w->nwork++] = (uint32_t)i; // once per unit: fits in n
	return true;
}

/*
 * How many stack entries the instruction with base opcode `base` and
 * argument x reads (its inputs), or -1 if not listed: the instructions a
 * stopped thread's innermost frame is at in a call into C, in the eval
 * breaker (3.11 ceval.c CHECK_EVAL_BREAKER() in CALL, JUMP_BACKWARD,
 * RESUME; 3.12/3.13 bytecodes.c CHECK_EVAL_BREAKER / _CHECK_PERIODIC), or
 * in `for`'s next() and `await`'s send(). Opcode numbers: each version's
 * Lib/opcode.py (3.11, 3.12) and Lib/_opcode_metadata.py (3.13).
 *   CALL              callable (or NULL), self or callable, x arguments
 *                     (3.11 ceval.c TARGET(CALL): is_method(),
 *                     STACK_SHRINK(oparg + 2); 3.12/3.13 bytecodes.c
 *                     `method, callable, args[oparg]`)
 *   PRECALL (3.11)    the same entries, which CALL then reads
 *   CALL_KW (3.13)    those and the kwnames tuple
 *   CALL_FUNCTION_EX  NULL, func, callargs, kwargs if x & 1
 *   FOR_ITER          the iterator
 *   SEND              receiver and value
 *   JUMP_BACKWARD(_NO_INTERRUPT), RESUME, NOP: none
 */
static int64_t inputs(uint32_t minor, uint8_t base, uint32_t x)
{
	if (minor == 11 || minor == 12) {
		switch (base) {
		case 171: return (int64_t)x + 2;            /* CALL */
		case 166: return minor == 11 ? (int64_t)x + 2 : -1; /* PRECALL */
		case 142: return 3 + (int64_t)(x & 1);      /* CALL_FUNCTION_EX */
		case 93: return 1;                          /* FOR_ITER */
		case 123: return 2;                         /* SEND */
		case 140: case 134: case 151: case 9: return 0;
		}
	} else if (minor == 13) {
		switch (base) {
		case 53: return (int64_t)x + 2;             /* CALL */
		case 57: return (int64_t)x + 3;             /* CALL_KW */
		case 54: return 3 + (int64_t)(x & 1);       /* CALL_FUNCTION_EX */
		case 72: return 1;                          /* FOR_ITER */
		case 104: return 2;                         /* SEND */
		case 77: case 78: case 149: case 30: return 0;
		}
	}
	return -1;
}

int rh_py_stackdepth(uint32_t version_hex, const uint8_t *code, size_t len,
		     const uint8_t *exc, size_t exclen, int64_t stacksize,
		     uint64_t unit, struct rh_py_stackdepth_scratch *s,
		     struct rh_py_stack_live *ret)
{
	const struct sd_op *tab;
	switch (version_hex >> 16) {
	case 0x030b: tab = sd_ops_311; break;
	case 0x030c: tab = sd_ops_312; break;
	case 0x030d: tab = sd_ops_313; break;
	default: return -1;
	}
	size_t n = len / 2;
	if (!code || !n || len % 2 || n > RH_PY_STACKDEPTH_MAX_UNITS || unit >= n ||
	    stacksize < 0 || stacksize > INT32_MAX)
		return -1;
	if (!reserve(s, n))
		return -2;
	// Instruction starts and their full arguments: an instruction is an
	// opcode unit, then its inline caches; EXTENDED_ARG (no caches)
	// shifts its argument into the next one's (3.11 Python/ceval.c
	// TARGET(EXTENDED_ARG); 3.12/3.13 bytecodes.c).
	uint64_t a = 0;
	size_t i = 0;
	for (size_t k = 0; k < n; k++)
		s->arg[k] = NOT_START;
	while (i < n) {
		const struct sd_op *op = &tab[code[2 * i]];
		if (!op->flags)
			return -1; // no entry: CACHE, INSTRUMENTED_LINE, ...
		a = a << 8 | code[2 * i + 1];
		if (a > UINT32_MAX / 2)
			return -1; // more EXTENDED_ARGs than the compiler emits
		s->arg[i] = (uint32_t)a;
		if (!(op->flags & SD_EXTARG))
			a = 0;
		i += 1 + (size_t)op->caches;
	}
	if (i != n || a)
		return -1; // the last instruction's caches run past the code
	struct walk w = { .depth = s->depth, .work = s->work, .n = n, .stacksize = stacksize };
	for (size_t k = 0; k < n; k++)
		w.depth[k] = -1;
	if (!put(&w, s->arg, 0, 0))
		return -1;
	// Exception handlers start at their table depth, plus lasti, plus
	// the exception (Python/ceval.c exception_unwind 3.11+).
	size_t e = 0;
	while (e < exclen) {
		uint64_t start, size, target, dl;
		if (!(exc[e] & 128) || !varint(exc, exclen, &e, &start) ||
		    !varint(exc, exclen, &e, &size) || !varint(exc, exclen, &e, &target) ||
		    !varint(exc, exclen, &e, &dl) || target >= n ||
		    !put(&w, s->arg, (int64_t)target, (int64_t)(dl >> 1) + (int64_t)(dl & 1) + 1))
			return -1;
	}
	// Each unit enters the worklist once (put): at most n iterations.
	while (w.nwork) {
		size_t at = w.work[--w.nwork];
		int64_t d = w.depth[at];
		const struct sd_op *op = &tab[code[2 * at]];
		uint32_t x = s->arg[at];
		if (op->flags & SD_EXTARG) {
			if (!put(&w, s->arg, (int64_t)at + 1, d))
				return -1;
			continue;
		}
		int64_t next = (int64_t)at + 1 + op->caches;
		if (!(op->flags & SD_NOFALL) && !put(&w, s->arg, next, d + effect(&op->eff[0], x)))
			return -1;
		if ((op->flags & SD_JFWD) && !put(&w, s->arg, next + (int64_t)x, d + effect(&op->eff[1], x)))
			return -1;
		if ((op->flags & SD_JBACK) && !put(&w, s->arg, next - (int64_t)x, d + effect(&op->eff[1], x)))
			return -1;
	}
	if (s->arg[unit] == NOT_START || w.depth[unit] < 0)
		return -1; // not an instruction, or not reached
	// An EXTENDED_ARG is at the depth of the instruction it prefixes.
	size_t at = (size_t)unit;
	while (at < n && (tab[code[2 * at]].flags & SD_EXTARG))
		at++;
	if (at >= n)
		return -1;
	const struct sd_op *op = &tab[code[2 * at]];
	struct rh_py_stack_live l = { .depth = w.depth[at], .live = -1, .tuple_slot = -1,
				      .reach = w.depth[at], .floor = -1 };
	uint32_t x = s->arg[at];
	int64_t in = inputs((version_hex >> 16) & 255, op->deopt, x);
	if (in >= 0 && in <= l.depth)
		l.floor = l.depth - in;
	if (!(op->flags & SD_NOFALL) && l.depth + effect(&op->eff[0], x) > l.reach)
		l.reach = l.depth + effect(&op->eff[0], x);
	if ((op->flags & (SD_JFWD | SD_JBACK)) && l.depth + effect(&op->eff[1], x) > l.reach)
		l.reach = l.depth + effect(&op->eff[1], x);
	// reach <= stacksize: the walk put() each of these edges' depths
	if (op->flags & SD_LIVE) {
		l.live = l.depth - ((op->flags & SD_TOP1) ? 1 : 0);
		if (op->flags & SD_CALLARGS) {
			// (callable, NULL, callargs[, kwargs]): 3.11-3.13
			int64_t t = l.depth - 1 - (int64_t)(s->arg[at] & 1);
			l.tuple_slot = t >= 0 ? t : -1;
		}
		if (l.live < 0)
			return -1;
	}
	*ret = l;
	return 0;
}
