/*
 * Reading what a simple tp_traverse function visits from its x86-64 code
 * (see traverse_decode.h for why and what is accepted).
 *
 * A linear sweep over the function, tracking what each register holds:
 * the object (rdi on entry, System V calling convention), the visit
 * function v (rsi), its argument a (rdx), a field of the object loaded
 * from [object + disp], or a call's result. A visit is `call *reg` or the
 * tail call `jmp *reg` with reg holding v, rdi a field and rsi a; the
 * field's offset is recorded. The only other call allowed is one direct
 * call with the untouched (o, v, a), before any visit: Cython's call of
 * the base class's traverse. Conditional jumps go forward only (no loop)
 * and may only follow a test of a loaded field (Py_VISIT's NULL check) or
 * of a call's result (`if (e) return e`); a jump taken on a field's test
 * must land before the next field is loaded (it skips that one visit, as
 * Py_VISIT's `if (x)` does, never others). What each register holds where
 * paths join is what all paths agree on (a jump records its state; code
 * after a return is reached only by jumps). The sweep ends after a return
 * or tail call that no jump seen goes beyond. Anything else fails.
 */
#include "config.h"

#include <string.h>

#include "cpython/traverse_decode.h"

enum role { R_UNK, R_OBJ, R_V, R_A, R_FIELD, R_RET,
	R_TAGGED /* a field holding a mypyc tagged int, its tag stripped */ };

/* What the flags the next conditional jump reads say. */
enum flags { FL_NONE, FL_NULL /* test r,r of a field */, FL_TAGBIT /* test $1 */,
	     FL_TAGONE /* cmp $1 */ };

#define RAX 0
#define RCX 1
#define RDX 2
#define RSI 6
#define RDI 7

/* The bytes after a ModRM byte at code[pc] (SIB and displacement), or -1
 * when they run past the end. */
static int modrm_extra(const uint8_t *code, size_t len, size_t pc)
{
	if (pc >= len)
		return -1;
	uint8_t m = code[pc], mod = m >> 6, rm = m & 7;
	int n = 0;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (pc + 1 >= len)
			return -1;
		n = 1;
		if (mod == 0 && (code[pc + 1] & 7) == 5)
			n += 4;
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		n += 4;
	return pc + 1 + (size_t)n <= len ? n : -1;
}

static int32_t le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

static void clobber(enum role *role)
{
	static const int caller_saved[] = { 0, 1, 2, 6, 7, 8, 9, 10, 11 };
	for (size_t i = 0; i < sizeof(caller_saved) / sizeof(caller_saved[0]); i++)
		role[caller_saved[i]] = R_UNK;
}

#define FAIL(msg) do { *why = msg; return false; } while (0)
#define MAX_JUMPS 128

struct state {
	enum role role[16];
	uint32_t foff[16];
	/* mypyc tagged int checks passed on a field: 1 its tag bit is set,
	 * 2 and it is not 1 (CPY_INT_TAG, an unset attribute) */
	uint8_t tag[16];
};

struct jump {
	size_t target;
	struct state st;
};

/* The state where paths meet: what they agree on. */
static void merge(struct state *into, const struct state *from)
{
	for (int i = 0; i < 16; i++)
		if (into->role[i] != from->role[i] || into->tag[i] != from->tag[i] ||
		    ((into->role[i] == R_FIELD || into->role[i] == R_TAGGED) &&
		     into->foff[i] != from->foff[i]))
			into->role[i] = R_UNK;
}

bool rh_decode_traverse(const uint8_t *code, size_t len, uint64_t addr,
			struct rh_decoded_traverse *out, const char **why)
{
	struct state cur;
	enum role *role = cur.role;
	uint32_t *foff = cur.foff;
	struct jump jumps[MAX_JUMPS];   /* ~17 KiB of stack: no state kept */
	size_t njumps = 0, matched = 0;
	size_t pc = 0, max_target = 0;
	size_t field_skip = 0;   /* farthest jump taken on a field's test */
	enum flags flags = FL_NONE;   /* set by test, cmp, xor, and, calls */
	int flags_reg = 0;
	/* `mov %e<field>,%eX` just decoded (mypyc's last tagged visit tests
	 * its tag bit in a copy): the copy's register, the field's, and
	 * where the next instruction starts; -1 none */
	int tagcopy_reg = -1, tagcopy_src = 0;
	size_t tagcopy_at = 0;
	bool block_end = false;
	static const char *ok = "";
	*why = ok;
	memset(out, 0, sizeof(*out));
	memset(&cur, 0, sizeof(cur));
	for (int i = 0; i < 16; i++)
		role[i] = R_UNK;
	role[RDI] = R_OBJ;
	role[RSI] = R_V;
	role[RDX] = R_A;
	if (len > RH_DECODE_MAX_CODE)
		len = RH_DECODE_MAX_CODE;
	for (;;) {
		if (block_end && max_target < pc)
			break;
		// a join: the state the jumps here agree on (with the
		// fall-through's unless a return or jump came just before)
		bool first = block_end;
		for (size_t j = 0; j < njumps; j++) {
			if (jumps[j].target != pc)
				continue;
			matched++;
			if (first)
				cur = jumps[j].st;
			else
				merge(&cur, &jumps[j].st);
			first = false;
		}
		if (first)   // after a return, reached by no jump: padding
			for (int i = 0; i < 16; i++)
				role[i] = R_UNK;
		block_end = false;
		if (pc >= len)
			FAIL("the function runs past the bytes read");
		size_t start = pc;
		// the flags the jumps test: set by test, xor and calls only
		bool was_field_test = flags != FL_NONE;
		// endbr64 (CET builds)
		if (pc + 4 <= len && code[pc] == 0xf3 && code[pc + 1] == 0x0f &&
		    code[pc + 2] == 0x1e && code[pc + 3] == 0xfa) {
			pc += 4;
			continue;
		}
		// operand-size and segment prefixes: only on nops here
		bool prefixed = false;
		while (pc < len && (code[pc] == 0x66 || code[pc] == 0x2e)) {
			pc++;
			prefixed = true;
		}
		uint8_t rex = 0;
		if (pc < len && (code[pc] & 0xf0) == 0x40)
			rex = code[pc++];
		if (pc >= len)
			FAIL("the function runs past the bytes read");
		uint8_t op = code[pc++];
		bool W = rex & 8;
		int R = (rex & 4) << 1, B = (rex & 1) << 3, X = rex & 2;
		if (prefixed && op != 0x90 && op != 0x0f)
			FAIL("an instruction with a prefix other than a nop");
		if (op >= 0x50 && op <= 0x57) {          // push
			continue;
		} else if (op >= 0x58 && op <= 0x5f) {   // pop
			role[(op - 0x58) | B] = R_UNK;
			continue;
		} else if (op == 0x90) {                 // nop
			continue;
		} else if (op == 0xc3) {                 // ret
			block_end = true;
			continue;
		}
		switch (op) {
		case 0x89:
		case 0x8b: {
			int extra = modrm_extra(code, len, pc);
			if (extra < 0)
				FAIL("truncated mov");
			uint8_t m = code[pc], mod = m >> 6;
			int reg = ((m >> 3) & 7) | R, rm = (m & 7) | B;
			if (!W && !X && mod == 3 && op == 0x89 && role[reg] == R_FIELD) {
				// mov %e<field>,%e<rm>: the low half, for a tag test
				tagcopy_reg = rm;
				tagcopy_src = reg;
				tagcopy_at = pc + 1;
				role[rm] = R_UNK;
				pc += 1;
				break;
			}
			if (!W || X)
				FAIL("a mov that is not a 64-bit register move or load");
			if (mod == 3) {
				int dst = op == 0x89 ? rm : reg, src = op == 0x89 ? reg : rm;
				role[dst] = role[src];
				foff[dst] = foff[src];
				pc += 1;
				break;
			}
			if (op != 0x8b)
				FAIL("a store to memory");
			if (mod == 0)
				FAIL("a load without displacement (not an object field)");
			size_t dp = pc + 1;
			if ((m & 7) == 4) {
				// SIB: no index, base rsp/r12 only
				if ((code[pc + 1] & 0x3f) != 0x24)
					FAIL("a load with an index register");
				dp++;
			}
			int64_t disp = mod == 1 ? (int8_t)code[dp] : le32(&code[dp]);
			if (role[rm] != R_OBJ)
				FAIL("a load from something other than the object");
			if (field_skip > start)
				FAIL("a jump on a field's test skips another field's visit");
			field_skip = 0;
			if (disp < 16 || disp % 8 || disp > 1 << 20)
				FAIL("a load of an offset that cannot be an object field");
			role[reg] = R_FIELD;
			foff[reg] = (uint32_t)disp;
			cur.tag[reg] = 0;
			pc += 1 + (size_t)extra;
			break;
		}
		case 0x85: {                              // test reg, reg
			if (pc >= len)
				FAIL("truncated test");
			uint8_t m = code[pc];
			int reg = ((m >> 3) & 7) | R, rm = (m & 7) | B;
			if (m >> 6 != 3 || reg != rm ||
			    !((role[reg] == R_FIELD && W) || role[reg] == R_RET))
				FAIL("a test of something other than a loaded field or a call's result");
			flags = role[reg] == R_FIELD ? FL_NULL : FL_NONE;
			pc += 1;
			break;
		}
		case 0x31:
		case 0x33: {                              // xor reg, reg (zero)
			if (pc >= len)
				FAIL("truncated xor");
			uint8_t m = code[pc];
			int reg = ((m >> 3) & 7) | R, rm = (m & 7) | B;
			if (m >> 6 != 3 || reg != rm)
				FAIL("a xor that is not a zeroing");
			role[reg] = R_UNK;
			flags = FL_NONE;
			pc += 1;
			break;
		}
		/*
		 * mypyc's visit of a tagged int attribute (mypyc/lib-rt:
		 * `if (CPyTagged_CheckLong(x)) Py_VISIT(CPyTagged_LongAsObject(x))`,
		 * with CPY_INT_TAG, 1, for an unset one): test $1,%dil; je;
		 * cmp $1,%rdi; je; and $-2,%rdi; then the visit.
		 */
		case 0xf6: {                              // test $imm8, r8
			if (pc + 2 > len)
				FAIL("truncated test");
			uint8_t m = code[pc];
			int rm = (m & 7) | B;
			if (m >> 6 != 3 || ((m >> 3) & 7) != 0 || W || code[pc + 1] != 1 ||
			    ((m & 7) >= 4 && !rex) || role[rm] != R_FIELD || cur.tag[rm] != 0)
				FAIL("a byte test other than a field's tag bit");
			flags = FL_TAGBIT;
			flags_reg = rm;
			pc += 2;
			break;
		}
		case 0x83: {                              // cmp/and $imm8, r64
			if (pc + 2 > len)
				FAIL("truncated instruction");
			uint8_t m = code[pc], ext = (m >> 3) & 7, imm = code[pc + 1];
			int rm = (m & 7) | B;
			if (m >> 6 == 3 && !W && ext == 4 && imm == 1 && rm == tagcopy_reg &&
			    start == tagcopy_at && role[tagcopy_src] == R_FIELD &&
			    cur.tag[tagcopy_src] == 0) {
				// and $1,%eX right after the copy: the field's tag bit
				flags = FL_TAGBIT;
				flags_reg = tagcopy_src;
				role[rm] = R_UNK;
				pc += 2;
				break;
			}
			if (m >> 6 != 3 || !W || role[rm] != R_FIELD)
				FAIL("arithmetic on something other than a loaded field");
			if (ext == 7 && imm == 1 && cur.tag[rm] == 1) {
				flags = FL_TAGONE;
				flags_reg = rm;
			} else if (ext == 4 && imm == 0xfe && cur.tag[rm] == 2) {
				role[rm] = R_TAGGED;
				flags = FL_NONE;
			} else {
				FAIL("arithmetic other than mypyc's tagged int checks");
			}
			pc += 2;
			break;
		}
		case 0x74:
		case 0x75:
		case 0xeb: {                              // je/jne/jmp rel8
			if (pc >= len)
				FAIL("truncated jump");
			size_t target = pc + 1 + (size_t)(int64_t)(int8_t)code[pc];
			if ((int8_t)code[pc] < 0)
				FAIL("a backward jump (a loop)");
			pc += 1;
			if (op != 0xeb && was_field_test) {
				if (op == 0x75)
					FAIL("a jump taken when a field is set (the visit out of line)");
				if (target > field_skip)
					field_skip = target;
				if (flags == FL_TAGBIT)
					cur.tag[flags_reg] = 1;
				else if (flags == FL_TAGONE)
					cur.tag[flags_reg] = 2;
			}
			if (njumps == MAX_JUMPS)
				FAIL("too many jumps");
			jumps[njumps].target = target;
			jumps[njumps++].st = cur;
			if (target > max_target)
				max_target = target;
			if (op == 0xeb)
				block_end = true;
			break;
		}
		case 0xe9: {                              // jmp rel32
			if (pc + 4 > len)
				FAIL("truncated jump");
			int32_t rel = le32(&code[pc]);
			if (rel < 0)
				FAIL("a backward jump (a loop)");
			pc += 4;
			if (njumps == MAX_JUMPS)
				FAIL("too many jumps");
			jumps[njumps].target = pc + (size_t)rel;
			jumps[njumps++].st = cur;
			if (pc + (size_t)rel > max_target)
				max_target = pc + (size_t)rel;
			block_end = true;
			break;
		}
		case 0x0f: {
			if (pc >= len)
				FAIL("truncated instruction");
			uint8_t op2 = code[pc++];
			if (op2 == 0x1f) {                // nop r/m
				int extra = modrm_extra(code, len, pc);
				if (extra < 0)
					FAIL("truncated nop");
				pc += 1 + (size_t)extra;
				break;
			}
			if (prefixed || (op2 != 0x84 && op2 != 0x85))
				FAIL("an instruction the decoder does not accept");
			if (pc + 4 > len)
				FAIL("truncated jump");
			int32_t rel = le32(&code[pc]);
			if (rel < 0)
				FAIL("a backward jump (a loop)");
			pc += 4;
			if (was_field_test) {
				if (op2 == 0x85)
					FAIL("a jump taken when a field is set (the visit out of line)");
				if (pc + (size_t)rel > field_skip)
					field_skip = pc + (size_t)rel;
				if (flags == FL_TAGBIT)
					cur.tag[flags_reg] = 1;
				else if (flags == FL_TAGONE)
					cur.tag[flags_reg] = 2;
			}
			if (njumps == MAX_JUMPS)
				FAIL("too many jumps");
			jumps[njumps].target = pc + (size_t)rel;
			jumps[njumps++].st = cur;
			if (pc + (size_t)rel > max_target)
				max_target = pc + (size_t)rel;
			break;
		}
		case 0xe8: {                              // call rel32: the base's traverse
			if (pc + 4 > len)
				FAIL("truncated call");
			int32_t rel = le32(&code[pc]);
			pc += 4;
			if (field_skip > start)
				FAIL("a jump on a field's test skips the base's traverse");
			if (out->base_fn || out->nvisits || role[RDI] != R_OBJ ||
			    role[RSI] != R_V || role[RDX] != R_A)
				FAIL("a direct call other than the base traverse with (o, v, a) first");
			out->base_fn = addr + pc + (uint64_t)(int64_t)rel;
			flags = FL_NONE;
			clobber(role);
			role[RAX] = R_RET;
			break;
		}
		case 0xff: {                              // call/jmp *reg: a visit
			if (pc >= len)
				FAIL("truncated call");
			uint8_t m = code[pc], ext = (m >> 3) & 7;
			int r = (m & 7) | B;
			if (m >> 6 != 3 || (ext != 2 && ext != 4))
				FAIL("an indirect call or jump through memory");
			if (role[r] != R_V || (role[RDI] != R_FIELD && role[RDI] != R_TAGGED) ||
			    role[RSI] != R_A)
				FAIL("an indirect call that is not v(field, a)");
			if (out->nvisits == RH_DECODE_MAX_VISITS)
				FAIL("too many visits");
			out->off[out->nvisits++] = foff[RDI] | (role[RDI] == R_TAGGED);
			pc += 1;
			flags = FL_NONE;
			if (ext == 2) {
				clobber(role);
				role[RAX] = R_RET;
			} else {
				block_end = true;
			}
			break;
		}
		default:
			FAIL("an instruction the decoder does not accept");
		}
	}
	// every jump must land on an instruction start the sweep decoded
	if (matched != njumps)
		FAIL("a jump into the middle of an instruction");
	return true;
}
