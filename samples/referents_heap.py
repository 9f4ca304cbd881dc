#!/usr/bin/env python3
"""Build a varied CPython heap, fork, and record gc.get_referents() of every
tracked object: the oracle of tests/integration/referents.sh, which checks
refheap's out-of-process tp_traverse (corereader/cpython/traverse.c).

Usage:
    python3 -I -S referents_heap.py --stop --out RECORD.jsonl

The heap holds one or more objects of every kind refheap's traverse layer
knows: instances with a __dict__ (classic, split-table, managed 3.11+, inline
values 3.13), __slots__ at several levels, subclasses of dict/list/tuple/set/
int/str/deque/OrderedDict/defaultdict/partial/Exception, closures, suspended
generators, coroutines and async generators, exceptions with tracebacks,
chains, notes and groups, frames kept alive, deques of several blocks,
OrderedDicts with deletions, weakrefs with callbacks, bound methods,
descriptors, iterators of all builtin containers, memoryviews, slices,
SimpleNamespace, contextvars, compiled regexes, io objects and a few objects
of extension types (array, _struct, _decimal) for the conservative path.

Then collection is disabled and the process forks:
  parent  stops itself with SIGSTOP (the test dumps it with gcore and sends
          SIGCONT), then waits for the child and exits with its status;
  child   writes the record and exits.
Both have the same heap at the fork. What differs afterwards (the child's
own frames, objects the recording allocates) is either new, so absent from
the core, or listed as volatile (the frames on the child's stack, the interned
strings, from which a string dies when the recording evicts the type
attribute cache entry that held it last). The
sample imports neither threading nor logging nor random, whose at-fork
hooks would change the child's heap; run it with -S so that no site .pth
file imports them either.

Record (JSON Lines): first a header
  {"record": "referents", "version": "3.11.7", "pid": N,
   "subtype_traverse": "0x...", "libpython": [[start, end], ...],
   "volatile": ["0x...", ...]}
then one line per object of gc.get_objects():
  {"a": "0x...", "t": tp_name, "k": kind, "r": ["0x...", ...]}
and one per object of UNTRACKED, objects the collector does not track yet
gc.get_referents() traverses (struct sequences: os.stat_result, a heap type
from 3.9 with hidden fields; time.struct_time; sys.flags, sys.float_info,
sys.version_info..., static types; one made from Python with its hidden
fields from a dict), marked "u": 1 (tests/integration/referents.sh dumps
them by address: the core's GC lists do not hold them)
where kind is "class" (its type's tp_traverse is subtype_traverse: a class
statement), "builtin" (a C type whose tp_traverse lies in the module that
holds the interpreter: libpython or the executable) or "extension" (any
other C type, and modules whose C module definition has an m_traverse
outside the interpreter). Module lines also carry "n", the module name.
tp_name and tp_traverse are read (through /proc/self/mem, so that ctypes
stays out of the heap) at offsets 24 and 184 of
PyTypeObject, md_def at 24 of PyModuleObject and m_traverse at 80 of
PyModuleDef (every 64-bit default build of 3.8-3.14).
Exit status: 0 ok, 2 usage, 3 the record could not be made.
"""
import abc
import array
import collections
import contextvars
import decimal
import enum
import functools
import gc
import io
import itertools
import json
import operator
import os
import re
import signal
import struct
import sys
import types
import weakref

TP_NAME_OFFSET = 24
TP_TRAVERSE_OFFSET = 184
MD_DEF_OFFSET = 24           # PyModuleObject.md_def (<=3.14)
M_TRAVERSE_OFFSET = 80       # PyModuleDef.m_traverse
# 3.15 copies m_traverse into the module (md_def is gone; offset 24 is
# md_state): reading md_def there classified modules at random
MD_STATE_TRAVERSE_OFFSET = 64   # PyModuleObject.md_state_traverse (3.15)
UNITS = 250         # about 40,000 tracked objects in all
KEEP = []           # everything built stays reachable from here
UNTRACKED = []      # untracked objects recorded too (see the docstring)
KEEP_FRAMES = []


# ------------------------------------------------------------------ classes
class Plain:
    """Instances with a __dict__ (split keys / managed dict / inline values)."""

    def __init__(self, i):
        self.a = i
        self.b = "b%d" % i
        self.c = [i]

    def method(self):
        return self.a


class Slotted:
    __slots__ = ("x", "y", "z")


class SlottedChild(Slotted):
    __slots__ = ("w", "__dict__", "__weakref__")


class SlottedGrandChild(SlottedChild):
    __slots__ = ("v",)


class Many:
    """More attributes than a split table keeps: the dict gets combined."""


class AttrDict(dict):
    pass


class SlottedDict(dict):
    __slots__ = ("tag",)


class MyList(list):
    pass


class MyTuple(tuple):
    pass


class MySet(set):
    pass


class MyFrozen(frozenset):
    pass


class MyInt(int):
    pass


class MyStr(str):
    pass


class MyDeque(collections.deque):
    pass


class MyOD(collections.OrderedDict):
    pass


class MyDefault(collections.defaultdict):
    pass


class MyPartial(functools.partial):
    pass


class MyError(Exception):
    def __init__(self, msg, extra):
        super().__init__(msg)
        self.extra = extra


class Meta(type):
    registry = []

    def __new__(mcls, name, bases, ns):
        cls = super().__new__(mcls, name, bases, ns)
        mcls.registry.append(cls)
        return cls


class WithMeta(metaclass=Meta):
    attr = (1, 2)


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Point(collections.namedtuple("Point", "x y")):
    __slots__ = ()


class Prop:
    def __init__(self):
        self._v = 1

    def _get(self):
        return self._v

    def _set(self, v):
        self._v = v

    v = property(_get, _set, None, "the v")

    @classmethod
    def cm(cls):
        return cls

    @staticmethod
    def sm():
        return 1

    @functools.lru_cache(maxsize=8)
    def cached(self, x):
        return x


class Base(abc.ABC):
    @abc.abstractmethod
    def f(self):
        pass


class Impl(Base):
    def f(self):
        return super().f


class Probe:
    """Its tp_traverse is subtype_traverse. Defined here, not in the child:
    a new class would change object.__subclasses__() after the fork."""


class SeqLike:
    def __getitem__(self, i):
        if i > 5:
            raise IndexError
        return i


# --------------------------------------------------------------- builders
def make_closure(i, leaf):
    def inner(a, b=i, *, c=leaf) -> "ann":
        """doc"""
        return i, leaf, a, b, c
    inner.attr = {"i": i}
    return inner


def counter(start):
    x = start
    while True:
        try:
            yield x
        except KeyError:
            pass
        x += 1


def delegating(n):
    yield from counter(n)


def with_exc_state():
    try:
        raise ValueError("inside")
    except ValueError:
        yield 1            # suspended while handling an exception


@types.coroutine
def suspend():
    yield "suspended"


async def coro_fn(x):
    y = [x]
    await suspend()
    return y


async def agen_fn(x):
    z = (x, x)
    yield z
    yield x


def fail(depth):
    if depth:
        fail(depth - 1)
    raise ValueError("kept on purpose", depth)


def keep_frame(i):
    local = ("frame-local", i)
    frame = sys._getframe()
    return frame, local


def build(n):
    for i in range(n):
        p = Plain(i)
        if i % 3 == 0:
            vars(p)                          # materialize the __dict__
        if i % 4 == 0:
            p.extra = (i,)                   # add after the initial three
        if i % 5 == 0:
            del p.b                          # a NULL value in the middle
        q = Plain.__new__(Plain)
        q.c = i                              # another insertion order
        q.a = str(i)
        s = SlottedGrandChild()
        s.x = i
        s.z = [i]
        s.w = p
        s.v = q
        s.dyn = "dynamic"
        m = Many()
        for k in range(40):
            setattr(m, "attr%d" % k, k + i)
        d = AttrDict(key=i, node=p)
        d.tag = "attr-dict"
        sd = SlottedDict(a=1)
        sd.tag = "slotted-dict"
        leaf = Plain(-i)
        KEEP.append([
            p, q, s, m, d, sd, leaf,
            weakref.ref(leaf),
            weakref.ref(p, lambda r: None),       # with a callback
            weakref.proxy(leaf),
            make_closure(i, leaf),
            p.method,                             # bound method
            [].append,                            # builtin bound method
            {i, "s%d" % i, (i, "t")},
            frozenset((i, i + 1)),
            functools.partial(max, i, key=abs),
            MyPartial(min, i),
            {i: "int-key", (i, 1): "tuple-key", "s": i},  # general table
            {"plain": i, "atomic": [i]},                  # unicode table
            collections.OrderedDict(a=i, b=leaf),
            MyOD(x=i),
            MyDefault(list, {i: [i]}),
            MyList([i, leaf]),
            MyTuple((i, leaf)),
            MySet({i}),
            MyFrozen({i, leaf}),
            MyInt(i),
            MyStr("str%d" % i),
            Point(i, [i]),
            types.SimpleNamespace(i=i, leaf=leaf),
            slice(i, [i], leaf),
            Prop(),
        ])
        if i % 3 == 0:
            g = counter(i)
            next(g)                               # suspended mid-iteration
            g2 = delegating(i)
            next(g2)
            g3 = with_exc_state()
            next(g3)
            KEEP.append([g, g2, g3, (x * 2 for x in range(i + 3))])


def build_struct_sequences():
    """Struct sequences (Objects/structseq.c), never tracked by the
    collector: visible and hidden fields, heap and static types."""
    import time
    seqs = [os.stat("/"), os.stat(sys.executable), time.localtime(0),
            time.gmtime(86400 * 365), sys.flags, sys.float_info,
            sys.version_info, sys.hash_info, sys.int_info, sys.thread_info,
            os.times(), os.terminal_size((80, 24)),
            # hidden fields from the dict argument of structseq_new()
            os.stat_result(tuple(range(10)), {"st_atime": 1.5, "st_mtime": 2.5})]
    for s in seqs:
        if not gc.is_tracked(s):
            UNTRACKED.append(s)
    KEEP.append(seqs)


def build_once():
    build_struct_sequences()
    leaf = Plain(1000)
    # containers of every size class
    KEEP.append(list(range(300)))
    KEEP.append({k: str(k) for k in range(300)})        # 2-byte indices
    KEEP.append({"k%d" % k: k for k in range(300)})
    big_set = set(range(200))
    for k in range(0, 200, 3):
        big_set.discard(k)                               # dummy entries
    KEEP.append(big_set)
    d = {"a": 1, "b": 2, "c": 3, 7: 4}
    del d["b"]                                           # deleted entry
    KEEP.append(d)
    KEEP.append({})
    KEEP.append([])
    # deques: several blocks, a bounded one, an iterator
    dq = collections.deque(range(200))
    dq.rotate(37)
    dq.appendleft(leaf)
    KEEP.append(dq)
    KEEP.append(collections.deque([leaf, 1, 2], maxlen=2))
    KEEP.append(MyDeque([leaf]))
    it = iter(dq)
    next(it)
    KEEP.append(it)
    KEEP.append(reversed(dq))
    # ordered dicts with moves and deletions, their views and iterators
    od = collections.OrderedDict((str(k), [k]) for k in range(20))
    od.move_to_end("3")
    del od["5"]
    KEEP.append(od)
    KEEP.append(od.keys())
    KEEP.append(iter(od.items()))
    dd = collections.defaultdict(lambda: leaf)
    dd["x"]
    KEEP.append(dd)
    KEEP.append(collections.Counter("abracadabra"))
    KEEP.append(collections.ChainMap({"a": 1}, {"b": leaf}))
    # _queue.SimpleQueue (concurrent.futures' work queue): 3.13+ keep the
    # items in a ring buffer; this one wraps around its end (capacity 8,
    # the oldest item at index 4)
    import _queue
    q = _queue.SimpleQueue()
    for k in range(5):
        q.put([k])
    for k in range(4):
        q.get()
    for k in range(6):
        q.put(leaf if k == 3 else (k, "queued"))
    KEEP.append(q)
    # iterators of builtins
    lst = [leaf, 1, 2]
    tup = (leaf, 1, 2)
    st = {1, 2, 3}
    dct = {"a": leaf, "b": 2}
    for obj in (iter(lst), reversed(lst), iter(tup), iter(st), iter(dct),
                iter(dct.values()), iter(dct.items()), reversed(dct),
                dct.keys(), dct.values(), dct.items(),
                enumerate(lst), zip(lst, tup), map(str, lst),
                filter(None, lst), iter(SeqLike()), iter(int, 1),
                iter("abc"), iter(b"abc"), iter(bytearray(b"ab")),
                iter(range(5)), iter(range(2 ** 70, 2 ** 70 + 5))):
        KEEP.append(obj)
    # itertools and operator
    KEEP.append([itertools.count(5), itertools.cycle(lst),
                 itertools.chain(lst, tup), itertools.islice(lst, 1, None),
                 itertools.groupby("aabbc"), itertools.tee(lst, 2),
                 itertools.product(lst, repeat=2), itertools.repeat(leaf, 3),
                 itertools.accumulate(range(4)), itertools.starmap(pow, [(2, 3)]),
                 operator.itemgetter(1, 2), operator.attrgetter("a.b"),
                 operator.methodcaller("m", 1, k=2),
                 itertools.zip_longest(lst, tup, fillvalue=leaf),
                 itertools.combinations(lst, 2), itertools.permutations(lst),
                 itertools.combinations_with_replacement(lst, 2),
                 itertools.compress(lst, [1, 0, 1]),
                 itertools.dropwhile(bool, lst), itertools.takewhile(bool, lst),
                 itertools.filterfalse(None, lst)])
    grouped = itertools.groupby("aabbc")
    KEEP.append([grouped, next(grouped)[1]])             # a _grouper
    started = [itertools.combinations(lst, 2), itertools.permutations(lst),
               itertools.zip_longest(lst, tup)]
    for obj in started:
        next(obj)                                        # result tuples exist
    KEEP.append(started)
    if hasattr(itertools, "pairwise"):
        pw = itertools.pairwise(lst)
        next(pw)
        KEEP.append(pw)
    if hasattr(itertools, "batched"):
        KEEP.append(itertools.batched(lst, 2))
    KEEP.append(functools.cmp_to_key(lambda a, b: 0)(leaf))
    Prop().cached(1)                                     # lru cache links
    Prop().cached(2)
    # a context with enough variables for HAMT array nodes
    cvars = [contextvars.ContextVar("cv%d" % k) for k in range(40)]

    def set_all():
        for cv in cvars:
            cv.set([cv.name])
    ctx = contextvars.copy_context()
    ctx.run(set_all)
    KEEP.append([cvars, ctx])
    KEEP.append([io.BufferedRWPair(io.BytesIO(), io.BytesIO()), io.IOBase()])
    # descriptors, methods and friends
    KEEP.append([str.join, dict.__dict__["fromkeys"], int.__add__,
                 (1).__add__, type.__dict__["__dict__"],
                 Plain.__dict__["__dict__"], Slotted.__dict__["x"],
                 Plain.__dict__, types.MappingProxyType({"m": leaf}),
                 super(Impl, Impl()), Impl().f(),
                 types.MethodType(make_closure, leaf),
                 classmethod(make_closure), staticmethod(make_closure),
                 Prop.cm, Prop.sm, Prop().cached, Prop.cached,
                 len, sys.getsizeof, Color.RED, WithMeta, WithMeta(),
                 functools.reduce, functools.wraps(make_closure)(lambda: 0)])
    # cells: a closure over a cell that holds a list
    KEEP.append(make_closure(7, lst).__closure__)
    # frames: kept by a traceback, by a generator, returned from a call
    try:
        fail(2)
    except ValueError as e:
        KEEP.append(e)
    try:
        try:
            {}["missing"]
        except KeyError as e:
            raise MyError("wrapped", [1]) from e
    except MyError as e:
        KEEP.append(e)
    try:
        open("/nonexistent/refheap-sample")
    except OSError as e:
        KEEP.append(e)
    KEEP.append(StopIteration([1]))
    KEEP.append(SystemExit((2,)))
    KEEP.append(ImportError("no", name="mod", path="/p"))
    loc = ("f.py", 1, 2, "x y") + ((1, 3) if sys.version_info >= (3, 10) else ())
    KEEP.append(SyntaxError("bad", loc))
    KEEP.append(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"))
    try:
        None.attr
    except AttributeError as e:
        KEEP.append(e)
    try:
        undefined_name  # noqa: F821
    except NameError as e:
        KEEP.append(e)
    if hasattr(BaseException, "add_note"):
        e = ValueError("noted")
        e.add_note("a note")
        KEEP.append(e)
        KEEP.append(ExceptionGroup("group", [ValueError(1), KeyError(2)]))
    frame, _ = keep_frame(1)
    KEEP_FRAMES.append(frame)
    g = counter(1)
    next(g)
    KEEP_FRAMES.append(g.gi_frame)
    KEEP.append(g)
    # coroutines and async generators, suspended
    c = coro_fn(leaf)
    c.send(None)
    KEEP.append(c)
    c2 = coro_fn(2)                       # created, never started
    KEEP.append(c2)
    ag = agen_fn(leaf)
    asend = ag.asend(None)
    try:
        asend.send(None)
    except StopIteration:
        pass
    KEEP.append(ag)
    KEEP.append(ag.asend(None))
    KEEP.append(ag.athrow(ValueError))
    c3 = coro_fn(3)
    KEEP.append([c3, c3.__await__()])                    # coroutine wrapper
    # weak containers
    wvd = weakref.WeakValueDictionary()
    wvd["leaf"] = leaf
    ws = weakref.WeakSet([leaf])
    wkd = weakref.WeakKeyDictionary({leaf: 1})
    KEEP.append([wvd, ws, wkd, weakref.WeakMethod(leaf.method),
                 weakref.finalize(leaf, print, "never")])
    # buffers, slices, namespaces, contextvars
    buf = bytearray(b"0123456789")
    KEEP.append([memoryview(buf), memoryview(b"abc")[1:], slice(1, 2),
                 slice(None, "x", leaf)])
    var = contextvars.ContextVar("var", default=leaf)
    tok = var.set([1])
    KEEP.append([var, tok, contextvars.copy_context()])
    # generic aliases, unions
    if sys.version_info >= (3, 9):
        KEEP.append(list[int])
    if sys.version_info >= (3, 10):
        KEEP.append(int | str)
    # regexes, io
    pat = re.compile(r"(?P<word>\w+)-(\d+)")
    KEEP.append([pat, pat.match("abc-12"), pat.scanner("a-1 b-2")])
    KEEP.append([io.StringIO("text"), io.BytesIO(b"bytes"),
                 open(os.devnull, "r"), open(os.devnull, "rb")])
    # extension types: the conservative path
    KEEP.append([array.array("i", [1, 2, 3]), struct.Struct("<iq"),
                 decimal.Decimal("1.5"), decimal.getcontext(),
                 decimal.Context(prec=5)])
    build_stdlib_c_types(leaf)
    # an instance whose __dict__ was replaced, one with a deleted attribute
    r = Plain(5)
    r.__dict__ = {"replaced": leaf}
    KEEP.append(r)
    # cyclic garbage nobody has collected yet
    for k in range(5):
        a = Plain(k)
        a.self = a


# ------------------------------------------- the stdlib's C types (issue 9)
def _hook(*args):
    return 0


def build_stdlib_c_types(leaf):
    """Objects of the C types real programs use, most of them defined in
    extension modules (lib-dynload .so files) whose traverse refheap reads
    with that module's own DWARF: _thread, _json, _asyncio, _sqlite3,
    _pickle, _decimal, _ssl, _socket, select, typing (3.12+), ctypes."""
    import _json
    import _thread
    import asyncio
    import ctypes
    import pickle
    import select
    import socket
    import sqlite3
    try:
        import ssl
    except ImportError:          # an interpreter built without OpenSSL
        ssl = None
    # _thread: locks, a thread-local with this thread's dict
    loc = _thread._local()
    loc.value = [leaf]
    KEEP.append([_thread.allocate_lock(), _thread.RLock(), loc])
    # _json: a scanner and an encoder with hooks of every kind
    dec = json.JSONDecoder(object_hook=_hook, parse_float=decimal.Decimal)
    KEEP.append([_json.make_scanner(dec),
                 _json.make_encoder({}, _hook, json.encoder.encode_basestring_ascii,
                                    "  ", ": ", ", ", False, False, True),
                 _json.make_encoder(None, _hook, json.encoder.encode_basestring,
                                    None, ":", ",", True, True, False)])
    # sqlite3: a connection with callbacks, cursors, rows, a blob (3.11+)
    con = sqlite3.connect(":memory:")
    con.execute("create table t(a, b blob)")
    con.execute("insert into t values (1, zeroblob(8))")
    cur = con.cursor()
    cur.execute("select a from t")
    con.row_factory = sqlite3.Row
    row = con.execute("select a, b from t").fetchone()
    extra = []
    if hasattr(con, "blobopen"):
        extra.append(con.blobopen("t", "b", 1))
    con.set_trace_callback(_hook)
    con.set_progress_handler(_hook, 1000)
    con.set_authorizer(_hook)
    KEEP.append([con, cur, row, extra])
    # pickle: picklers with memos and their proxies
    p = pickle.Pickler(io.BytesIO(), protocol=2)
    p.dump([leaf, "memo", ("t", 1)])
    data = pickle.dumps([[1, 2], "x", ("y", leaf.__class__.__name__)])
    u = pickle.Unpickler(io.BytesIO(data * 2))
    KEEP.append([p, p.memo, u, u.load(), u.memo])
    # decimal: contexts, their signal dicts, a context manager
    ctx = decimal.Context(prec=7)
    KEEP.append([ctx, ctx.flags, ctx.traps, decimal.localcontext(ctx),
                 decimal.Decimal("2.5")])
    # ssl, sockets, select
    if ssl is not None:
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.sni_callback = _hook
        obj = sctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
        KEEP.append([sctx, obj, obj._sslobj])
    s1, s2 = socket.socketpair()
    KEEP.append([s1, s2, socket.socket(), select.poll(),
                 select.epoll() if hasattr(select, "epoll") else None])
    # typing's C types (3.12+)
    if sys.version_info >= (3, 12):
        import typing
        P = typing.ParamSpec("P")
        ns = {}
        exec("type Alias[T] = list[T]", ns)
        KEEP.append([typing.TypeVar("T", bound=Plain),
                     typing.TypeVar("C", int, str), P, P.args, P.kwargs,
                     typing.TypeVarTuple("Ts"), ns["Alias"]])
    # asyncio: a running task suspended on a future, its wakeup, a future
    # iterator, and an abandoned task cycle
    loop = asyncio.new_event_loop()
    fut = loop.create_future()

    async def waiter(f):
        return await f

    task = loop.create_task(waiter(fut))
    loop.run_until_complete(asyncio.sleep(0))
    done = loop.create_future()
    done.set_result([leaf])
    failed = loop.create_future()
    failed.set_exception(ValueError("x"))
    cancelled = loop.create_future()
    cancelled.cancel(*(("why",) if sys.version_info >= (3, 9) else ()))
    KEEP.append([loop, fut, task, done, failed, cancelled, iter(done)])
    cyc = loop.create_task(waiter(loop.create_future()))
    cyc.self_ref = cyc
    # ctypes: the metatypes' classes and instances (conservative path)
    class Pt(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("o", ctypes.py_object)]

    class Un(ctypes.Union):
        _fields_ = [("i", ctypes.c_int), ("d", ctypes.c_double)]

    Fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)
    cb = Fn(lambda v: v)
    arr = (ctypes.c_int * 4)(1, 2, 3, 4)
    pt = Pt(1, leaf)
    KEEP.append([Pt, Un, Fn, cb, arr, pt, ctypes.pointer(pt), ctypes.POINTER(Pt),
                 Un(), ctypes.c_int(5), ctypes.py_object(leaf)])


def raw_fork():
    """fork(2) without Python's at-fork hooks (threading's and logging's
    would change the child's heap: asyncio imports both), GIL held."""
    import ctypes
    return ctypes.PyDLL(None).fork()


# ---------------------------------------------------------------- recording
def interpreter_ranges():
    """Address ranges of the file holding the interpreter (libpython if
    shared, else the executable), from /proc/self/maps."""
    exe = os.path.realpath(sys.executable)
    maps = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                maps.append((lo, hi, parts[5]))
    libs = [m for m in maps if "/libpython" in m[2]]
    chosen = libs or [m for m in maps if os.path.realpath(m[2]) == exe]
    return [[lo, hi] for lo, hi, _ in chosen]


class SelfMemory:
    """Reads this process's own memory through /proc/self/mem (ctypes would
    add its own types and modules to the heap being recorded)."""

    def __init__(self):
        self.fd = os.open("/proc/self/mem", os.O_RDONLY)

    def word(self, addr):
        return int.from_bytes(os.pread(self.fd, 8, addr), "little")

    def cstr(self, addr):
        out = b""
        while len(out) < 4096:
            chunk = os.pread(self.fd, 64, addr + len(out))
            nul = chunk.find(b"\0")
            if nul >= 0:
                return out + chunk[:nul]
            out += chunk
        return out


def record(path):
    """Runs in the child right after the fork: nothing that existed at the
    fork is changed before it is measured."""
    objs = gc.get_objects()
    frames = []
    f = sys._getframe()
    while f is not None:
        frames.append("0x%x" % id(f))
        f = f.f_back
    # The interned-strings dict (tracked on 3.14+) owns no count of its
    # mortal strings (Objects/unicodeobject.c): one whose last holder was
    # the type attribute cache dies, and leaves the dict, as soon as the
    # code below evicts that cache entry. The core has it; so the dict is
    # volatile. It is the dict that maps an interned name to itself (a
    # function's name is interned at compile time).
    name = record.__name__
    frames += ["0x%x" % id(o) for o in objs if type(o) is dict and o.get(name) is name]
    ranges = interpreter_ranges()
    mem = SelfMemory()
    subtype = mem.word(id(Probe) + TP_TRAVERSE_OFFSET)
    kinds = {}
    names = {}
    untracked = set(id(u) for u in UNTRACKED)
    with open(path + ".tmp", "w") as out:
        out.write(json.dumps({
            "record": "referents",
            "version": "%d.%d.%d" % sys.version_info[:3],
            "pid": os.getpid(),
            "subtype_traverse": "0x%x" % subtype,
            "libpython": ranges,
            "volatile": frames,
            "objects": len(objs),
        }) + "\n")
        for o in objs + UNTRACKED:
            t = type(o)
            k = id(t)
            kind = kinds.get(k)
            if kind is None:
                trav = mem.word(k + TP_TRAVERSE_OFFSET)
                if trav == subtype:
                    kind = "class"
                elif any(lo <= trav < hi for lo, hi in ranges):
                    kind = "builtin"
                else:
                    kind = "extension"
                kinds[k] = kind
                names[k] = mem.cstr(mem.word(k + TP_NAME_OFFSET)).decode("utf-8", "replace")
            refs = ["0x%x" % id(r) for r in gc.get_referents(o)]
            rec = {"a": "0x%x" % id(o), "t": names[k], "k": kind, "r": refs}
            if id(o) in untracked:
                rec["u"] = 1
            if t is types.ModuleType:
                # module_traverse() first runs the C module's m_traverse:
                # the module counts as an extension object when that
                # function lies outside the interpreter
                rec["n"] = getattr(o, "__name__", "?")
                if sys.version_info >= (3, 15):
                    mtrav = mem.word(id(o) + MD_STATE_TRAVERSE_OFFSET)
                else:
                    mdef = mem.word(id(o) + MD_DEF_OFFSET)
                    mtrav = mdef and mem.word(mdef + M_TRAVERSE_OFFSET)
                if mtrav and not any(lo <= mtrav < hi for lo, hi in ranges):
                    rec["k"] = "extension"
            out.write(json.dumps(rec) + "\n")
    os.replace(path + ".tmp", path)


def main(argv):
    out = None
    stop = False
    it = iter(argv)
    for a in it:
        if a == "--stop":
            stop = True
        elif a == "--out":
            out = next(it, None)
        else:
            sys.stderr.write("usage: referents_heap.py --stop --out RECORD\n")
            return 2
    if not stop or not out:
        sys.stderr.write("usage: referents_heap.py --stop --out RECORD\n")
        return 2
    build(UNITS)
    build_once()
    gc.disable()
    sys.stdout.write("READY pid=%d\n" % os.getpid())
    sys.stdout.flush()
    # asyncio imports threading and logging, whose at-fork hooks would
    # change the child's heap: fork without running them.
    pid = raw_fork()
    if pid < 0:
        sys.stderr.write("referents_heap: fork failed\n")
        return 3
    if pid == 0:
        try:
            record(out)
        except BaseException as e:  # report, never fall back into main()
            sys.stderr.write("referents_heap: child failed: %r\n" % (e,))
            os._exit(3)
        os._exit(0)
    os.kill(os.getpid(), signal.SIGSTOP)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
