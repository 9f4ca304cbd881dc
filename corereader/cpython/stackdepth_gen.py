#!/usr/bin/env python3
"""
Tables for corereader/cpython/stackdepth.c, and the check that they give
the interpreter's own value-stack depth.

Run with the CPython whose bytecode the tables describe (3.11, 3.12 or
3.13); it reads only that interpreter's own `dis` and `opcode` modules
and fetches nothing:

    python3.X stackdepth_gen.py table    # C table, pasted into stackdepth_tables.h
    python3.X stackdepth_gen.py check    # model vs the interpreter, over a workload
    python3.X stackdepth_gen.py vectors  # test vectors for tests/unit/test_stackdepth.c

`check` runs functions under sys.settrace with opcode events and reads
the traced frame's own record of its depth (_PyInterpreterFrame.stacktop,
which the tracing path spills before calling the tracer: Python/ceval.c
3.11 DO_TRACING, 3.12/3.13 INSTRUMENTED_INSTRUCTION) through ctypes, and
compares it with the depth the table-driven model computes from the
quickened bytes (co_code_adaptive, captured before tracing starts).
"""
import ctypes
import dis
import opcode
import sys

V = sys.version_info[:2]
assert (3, 11) <= V <= (3, 13), "tables exist for 3.11-3.13 only"

# ---- opcode numbering of this version ------------------------------------

if V >= (3, 13):
    ALL_OPMAP = dict(dis.opmap)
    ALL_OPMAP.update(opcode._specialized_opmap)
else:
    ALL_OPMAP = dict(dis._all_opmap)
NAME = {v: k for k, v in ALL_OPMAP.items() if v < 256}


def base_name(name):
    """The opcode the interpreter deoptimizes `name` to, or None (refused)."""
    for base, family in opcode._specializations.items():
        if name in family:
            return base
    if name in ('INSTRUMENTED_LINE', 'INSTRUMENTED_INSTRUCTION', 'ENTER_EXECUTOR',
                'CACHE', 'RESERVED'):
        # the original opcode lives in co_monitoring / the executor
        return None
    if name.startswith('INSTRUMENTED_'):
        # Python/instrumentation.c DE_INSTRUMENT (3.12, 3.13)
        return name[len('INSTRUMENTED_'):]
    return name


def caches(base):
    ice = opcode._inline_cache_entries
    if isinstance(ice, dict):
        return ice.get(base, 0)
    return ice[dis.opmap[base]]


# ---- stack effects -------------------------------------------------------

# Shapes of an effect as a function of oparg (stackdepth.c SD_*).
KINDS = [
    ('SD_LIN', lambda a, b, x: a + b * x),
    ('SD_BIT0', lambda a, b, x: a + b * (x & 1)),
    ('SD_BIT2', lambda a, b, x: a + b * ((x & 4) != 0)),
    ('SD_EQ3', lambda a, b, x: a + b * (x == 3)),
    ('SD_POP4', lambda a, b, x: a + b * bin(x & 15).count('1')),
    ('SD_UNPACK_EX', lambda a, b, x: a + b * ((x & 255) + (x >> 8))),
]
SAMPLE = list(range(0, 600)) + [1000, 4095, 65535, 65539, 2**20 + 7]

# Where the interpreter's stack differs from the compiler's model (dis),
# instruction by instruction; each found by `check` and read in ceval.c.
RUNTIME = {
    (3, 11): {
        # Python/ceval.c 3.11 TARGET(PRECALL) leaves the stack as it is and
        # CALL pops the arguments (the compiler charges them to PRECALL)
        'PRECALL': ('SD_LIN', 0, 0),
        'CALL': ('SD_LIN', -1, -1),
    },
}
# RETURN_GENERATOR: the generator's frame resumes after it with the sent
# value pushed (Objects/genobject.c gen_send_ex2 _PyFrame_StackPush),
# which the next POP_TOP drops; 3.11 and 3.12's compiler count 0.
for v in ((3, 11), (3, 12)):
    RUNTIME.setdefault(v, {})['RETURN_GENERATOR'] = ('SD_LIN', 1, 0)


def fit(op):
    """(kind, a, b) for jump=False and jump=True, checked on SAMPLE."""
    out = []
    for jump in (False, True):
        if op < dis.HAVE_ARGUMENT:
            out.append(('SD_LIN', dis.stack_effect(op, jump=jump), 0))
            continue
        vals = [dis.stack_effect(op, x, jump=jump) for x in SAMPLE]
        for kname, f in KINDS:
            a = vals[0]
            cands = {vals[SAMPLE.index(x)] - a for x in (1, 3, 4, 256)}
            for b in sorted(cands) + [0, 1, -1]:
                if all(f(a, b, x) == v for x, v in zip(SAMPLE, vals)):
                    out.append((kname, a, b))
                    break
            else:
                continue
            break
        else:
            sys.exit('no shape fits the stack effect of %s' % dis.opname[op])
    return out


NOFALL = {'RETURN_VALUE', 'RETURN_CONST', 'RAISE_VARARGS', 'RERAISE', 'JUMP_FORWARD',
          'JUMP_BACKWARD', 'JUMP_BACKWARD_NO_INTERRUPT', 'INTERPRETER_EXIT'}


# What is live while the instruction is in a call that can run other code
# or let the GIL go (the caller of a C call, a thread parked in one).
# SD_LIVE: every input stays in its slot, owned, until the call returns
# (3.11 Python/ceval.c pops after the call or leaves the popped slot
# holding what a C local owns and drops after it; 3.12/3.13
# Python/bytecodes.c DECREF_INPUTS() after the call). Checked in the
# source of each, for each version.
LIVE = {'CALL', 'PRECALL', 'CALL_KW', 'FOR_ITER', 'SEND', 'BINARY_OP', 'BINARY_SUBSCR',
        'STORE_SUBSCR', 'DELETE_SUBSCR', 'LOAD_ATTR', 'LOAD_METHOD', 'STORE_ATTR',
        'DELETE_ATTR', 'COMPARE_OP', 'CONTAINS_OP', 'GET_ITER', 'IMPORT_NAME',
        'IMPORT_FROM', 'WITH_EXCEPT_START', 'UNPACK_SEQUENCE', 'UNPACK_EX',
        'LIST_EXTEND', 'SET_UPDATE', 'DICT_UPDATE', 'DICT_MERGE'}
# BEFORE_WITH: 3.11 replaces the manager by __exit__ before calling
# __enter__ (ceval.c SET_TOP(exit); Py_DECREF(mgr)): all live. 3.12/3.13
# drop the manager (DECREF_INPUTS()) and call __enter__ with __exit__ in
# a C local: the top slot is stale (SD_TOP1).
# CALL_FUNCTION_EX: a positional-arguments object that is not an exact
# tuple is replaced by a tuple in a C local (Py_SETREF(callargs,
# PySequence_Tuple(callargs)), 3.11 ceval.c, 3.12/3.13 bytecodes.c) and
# its slot is stale: that slot is live only if it holds a tuple
# (SD_CALLARGS), all others are.


def live_flags(name):
    if name in LIVE or (name == 'BEFORE_WITH' and V < (3, 12)):
        return ['SD_LIVE']
    if name == 'BEFORE_WITH':
        return ['SD_LIVE', 'SD_TOP1']
    if name == 'CALL_FUNCTION_EX':
        return ['SD_LIVE', 'SD_CALLARGS']
    return []


def base_info():
    """{base opcode: (name, caches, flags, [(kind,a,b) nojump, jump])}"""
    info = {}
    for name, op in dis.opmap.items():
        if op >= 256 or base_name(name) != name:
            continue
        try:
            eff = fit(op)
        except ValueError:
            continue  # the compiler has no effect for it: refused
        over = RUNTIME.get(V, {}).get(name)
        if over:
            eff = [(over[0], over[1], over[2])] * 2
        flags = ['SD_OK']
        if op in dis.hasjrel:
            flags.append('SD_JBACK' if 'JUMP_BACKWARD' in name else 'SD_JFWD')
        if name in NOFALL:
            flags.append('SD_NOFALL')
        if name == 'EXTENDED_ARG':
            flags.append('SD_EXTARG')
        flags += live_flags(name)
        info[op] = (name, caches(name), flags, eff)
    return info


def op_table():
    """256 entries: (deopt opcode, caches, flags, eff) or None."""
    info = base_info()
    tab = [None] * 256
    for op in range(256):
        name = NAME.get(op)
        if name is None:
            continue
        b = base_name(name)
        if b is None or b not in dis.opmap or dis.opmap[b] not in info:
            continue
        tab[op] = (dis.opmap[b],) + info[dis.opmap[b]][1:]
    return tab


def cmd_table():
    tab = op_table()
    print('/* CPython %d.%d: generated by `python%d.%d stackdepth_gen.py table` '
          '(%s) */' % (V + V + (sys.version.split()[0],)))
    print('static const struct sd_op sd_ops_3%d[256] = {' % V[1])
    for op, e in enumerate(tab):
        if e is None:
            continue
        base, nc, flags, eff = e
        print('\t[%d] = { %d, %d, %s, { { %s, %d, %d }, { %s, %d, %d } } }, /* %s */'
              % (op, base, nc, ' | '.join(flags), *eff[0], *eff[1], NAME[op]))
    print('};')


# ---- the model (what stackdepth.c does) ----------------------------------

SHAPE = dict(KINDS)


def effect(e, jump, x):
    kname, a, b = e[3][1 if jump else 0]
    return SHAPE[kname](a, b, x)


def exctable(co):
    """(start, end, target, depth, lasti) in code units."""
    b = co.co_exceptiontable
    i, out = 0, []

    def varint():
        nonlocal i
        v = b[i] & 63
        while b[i] & 64:
            i += 1
            v = (v << 6) | (b[i] & 63)
        i += 1
        return v
    while i < len(b):
        s = varint(); n = varint(); t = varint(); dl = varint()
        out.append((s, s + n, t, dl >> 1, dl & 1))
    return out


def model(code, co, tab):
    """{code unit: depth before it}, or a string saying why refused."""
    units = [code[i] | code[i + 1] << 8 for i in range(0, len(code), 2)]
    n = len(units)
    depth = {}
    work = []

    def put(i, d):
        if i < 0 or i >= n or d < 0 or d > co.co_stacksize:
            raise ValueError('edge to %d with depth %d' % (i, d))
        if i in depth:
            if depth[i] != d:
                raise ValueError('join at %d: %d vs %d' % (i, depth[i], d))
            return
        depth[i] = d
        work.append(i)
    try:
        # instruction starts, their table entries and full arguments
        ins, i, arg = {}, 0, 0
        while i < n:
            e = tab[units[i] & 255]
            if e is None:
                raise ValueError('opcode %d at %d' % (units[i] & 255, i))
            arg = arg << 8 | units[i] >> 8
            ins[i] = (e, arg)
            if 'SD_EXTARG' not in e[2]:
                arg = 0
            i += 1 + e[1]
        put(0, 0)
        for s, e, t, d, lasti in exctable(co):
            put(t, d + lasti + 1)
        while work:
            i = work.pop()
            d = depth[i]
            if i not in ins:
                raise ValueError('edge into the middle of an instruction at %d' % i)
            e, arg = ins[i]
            if 'SD_EXTARG' in e[2]:
                put(i + 1, d)
                continue
            nxt = i + 1 + e[1]
            if 'SD_NOFALL' not in e[2]:
                put(nxt, d + effect(e, False, arg))
            if 'SD_JFWD' in e[2]:
                put(nxt + arg, d + effect(e, True, arg))
            elif 'SD_JBACK' in e[2]:
                put(nxt - arg, d + effect(e, True, arg))
    except (ValueError, IndexError) as err:
        return str(err)
    return depth


# ---- the interpreter's own depths ----------------------------------------

STACKTOP = 64    # _PyInterpreterFrame.stacktop, 3.11-3.13 (pycore_frame.h)
F_FRAME = 24     # PyFrameObject.f_frame, 3.11-3.13


def nlocalsplus(co):
    return len(set(co.co_varnames) | set(co.co_cellvars) | set(co.co_freevars))


def observe(funcs, every=False):
    """{code: (adaptive bytes, {unit: set of depths seen})}: the functions'
    code, or (every) that of all code objects alive, captured after a
    warm-up quickened them and before tracing instruments them (3.12+)."""
    import gc
    for f, args in funcs:
        for _ in range(60):
            try:
                f(*args)
            except Exception:
                pass
    if every:
        codes, todo = set(), [o.__code__ for o in gc.get_objects()
                              if type(o) is type(observe)]
        while todo:          # code objects are not tracked: reach them
            co = todo.pop()
            if co not in codes:
                codes.add(co)
                todo += [c for c in co.co_consts if type(c) is type(co)]
    else:
        codes = [f.__code__ for f, args in funcs] + [sample_gen.__code__]
    seen = {co: (co._co_code_adaptive, {}) for co in codes}

    def tracer(frame, event, arg):
        co = frame.f_code
        if co not in seen:
            return None
        # 3.12+ spill the stack pointer for line events only
        # (bytecodes.c INSTRUMENTED_LINE; not INSTRUMENTED_INSTRUCTION)
        frame.f_trace_opcodes = V < (3, 12)
        if event == ('line' if V >= (3, 12) else 'opcode'):
            iframe = ctypes.c_void_p.from_address(id(frame) + F_FRAME).value
            top = ctypes.c_int.from_address(iframe + STACKTOP).value
            seen[co][1].setdefault(frame.f_lasti // 2, set()).add(top - nlocalsplus(co))
        return tracer
    # 3.12 asks for instruction events only if some frame wants them
    # when tracing starts (Python/legacy_tracing.c)
    sys._getframe().f_trace_opcodes = V < (3, 12)
    sys.settrace(tracer)
    try:
        for f, args in funcs:
            try:
                f(*args)
            except Exception:
                pass
    finally:
        sys.settrace(None)
    return seen


# ---- sample code: a for loop, a try, a with, **kwargs, a generator --------

class CM:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def kw(*a, **k):
    return len(a) + len(k)


def sample_loop(xs):
    total = 0
    for x in xs:
        try:
            total += kw(x, **{'a': x})
        except TypeError:
            total -= 1
        with CM() as c:
            total += len([c, x])
    return total


def sample_gen(n):
    for i in range(n):
        try:
            yield i * 2
        finally:
            pass


def sample_gen_user(n):
    return sum(sample_gen(n))


def sample_raise(xs):
    out = []
    for x in xs:
        try:
            if x % 2:
                raise ValueError(x)
            out.append({**{'k': x}, 'v': [y for y in range(x)]})
        except ValueError as e:
            out.append(str(e))
        finally:
            out.append(None)
    return out


# a loop body longer than 255 code units: its jumps take EXTENDED_ARG
EXT_SRC = ('def sample_ext(n):\n    s = 0\n    for i in range(n):\n' +
           ''.join('        a%d = i + %d\n' % (k, k) for k in range(60)) +
           '        s += a59\n    return s\n')
exec(EXT_SRC, globals())

SAMPLES = [(sample_loop, ([1, 2, 3],)), (sample_gen_user, (5,)),
           (sample_raise, ([1, 2, 3, 4],)), (sample_ext, (3,))]


def workload():
    """The samples, and a few stdlib functions, with their arguments."""
    import argparse, ast, collections, difflib, email, json, pprint, re, textwrap
    data = {'a': [1, 2, {'b': None}], 'c': 'x' * 10}
    fns = list(SAMPLES)
    fns += [(json.dumps, (data,)), (json.loads, (json.dumps(data),)),
            (textwrap.fill, ('hello world ' * 20, 30)),
            (re.sub, (r'a+', 'b', 'caaat aat')),
            (collections.Counter, ('abracadabra',)),
            (lambda: ast.dump(ast.parse(EXT_SRC)), ()),
            (lambda: list(difflib.unified_diff(EXT_SRC.split(), BIG_TEXT)), ()),
            (pprint.pformat, (data,)),
            (lambda: email.message_from_string('To: a@b\nSubject: x\n\nbody\n'), ()),
            (lambda: argparse.ArgumentParser().parse_args([]), ())]
    return fns


BIG_TEXT = EXT_SRC.replace('i + 1', 'i - 1').split()


def cmd_check():
    tab = op_table()
    bad = ok = 0
    for co, (code, obs) in observe(workload(), True).items():
        m = model(code, co, tab)
        if isinstance(m, str):
            print('REFUSED %s: %s' % (co.co_name, m))
            bad += 1
            continue
        for unit, ds in sorted(obs.items()):
            if len(ds) != 1 or m.get(unit) not in ds:
                bad += 1
                print('MISMATCH %s unit %d (%s): interpreter %s model %s' % (
                    co.co_name, unit, NAME.get(code[2 * unit]), sorted(ds), m.get(unit)))
            else:
                ok += 1
    print('%d.%d: %d depths agree, %d disagree' % (V + (ok, bad)))
    return 1 if bad else 0


def cmd_vectors():
    seen = observe(SAMPLES)
    tab = op_table()
    print('/* CPython %s: generated by `python%d.%d stackdepth_gen.py vectors` */'
          % ((sys.version.split()[0],) + V))
    for co, (code, obs) in seen.items():
        pre = 'v3%d_%s' % (V[1], co.co_name)
        print('static const uint8_t %s_code[] = {' % pre)
        for i in range(0, len(code), 16):
            print('\t' + ' '.join('0x%02x,' % b for b in code[i:i + 16]))
        print('};')
        print('static const uint8_t %s_exc[] = {' % pre)
        b = co.co_exceptiontable
        for i in range(0, len(b), 16):
            print('\t' + ' '.join('0x%02x,' % x for x in b[i:i + 16]))
        if not b:
            print('\t0')
        print('};')
        print('static const struct depth_seen %s_seen[] = {' % pre)
        pairs = ['{ %d, %d },' % (u, next(iter(ds))) for u, ds in sorted(obs.items())
                 if len(ds) == 1]
        for i in range(0, len(pairs), 8):
            print('\t' + ' '.join(pairs[i:i + 8]))
        print('};')
        # the model's depth at every instruction (stackdepth.c must agree)
        m = model(code, co, tab)
        print('static const struct depth_seen %s_model[] = {' % pre)
        pairs = ['{ %d, %d },' % kv for kv in sorted(m.items())]
        for i in range(0, len(pairs), 8):
            print('\t' + ' '.join(pairs[i:i + 8]))
        print('};')
        for opname in ('CALL_FUNCTION_EX', 'BEFORE_WITH'):
            units = [u for u in sorted(m) if NAME.get(code[2 * u]) == opname]
            print('#define %s_%s %d' % (pre.upper(), opname, units[0] if units else -1))
        print('#define %s_STACKSIZE %d' % (pre.upper(), co.co_stacksize))
        print('#define %s_EXCLEN %d' % (pre.upper(), len(b)))


if __name__ == '__main__':
    cmd = sys.argv[1] if len(sys.argv) > 1 else 'check'
    sys.exit({'table': cmd_table, 'check': cmd_check, 'vectors': cmd_vectors}[cmd]())
