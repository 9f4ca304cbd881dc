"""A heap of Cython objects for tests/integration/cython.sh: the same
fork-and-record oracle as referents_heap.py (gc.get_referents() of every
object, recorded by the forked child while the parent is dumped).

    python3 -I -S cython_heap.py --ext-dir DIR [--sys-path DIR]... --stop --out RECORD.jsonl

DIR holds rhcy (samples/cython/rhcy.pyx compiled with -g): Cython
functions, fused functions, generators, coroutines, cdef classes. It is
imported first, so the Cython runtime types shared between modules
(cython_function_or_method, fused_cython_function, generator, coroutine;
Cython 0.29's, or 3.0's in the Debian trixie root) are rhcy's, whose
DWARF refheap reads. Then real Cython-built Debian
packages, when installed, are caught mid-work: PyYAML's C loader
(yaml._yaml.CParser) part-way through a large document, lxml's
iterparse part-way through a large XML file, msgpack's Unpacker with
half a stream fed. Their own cdef classes have no DWARF (Debian strips
them): refheap must leave them to the conservative scan, never claim
referents it cannot know.
"""
import asyncio
import gc
import io
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import referents_heap as rh  # noqa: E402

KEEP = []
HAVE = []


def build_rhcy(n):
    import rhcy
    root = rhcy.Node({"root": 1}, "root")
    for i in range(n):
        leaf = [i, str(i)]
        node = rhcy.Node(leaf, "n%d" % i, root)
        node.attr = (i,)                     # in its __dict__
        kid = rhcy.Leaf(leaf, "l%d" % i, node, extra={i: leaf})
        p = rhcy.Plain(leaf)
        KEEP.append((node, kid, p,
                     p.get,                  # bound method of a Cython function
                     rhcy.make_closure(leaf, i),
                     rhcy.make_lambda(leaf),
                     p.gen(3), rhcy.gen_fn(leaf), rhcy.delegating(leaf),
                     node.kids()))
        g = rhcy.delegating([leaf, i])
        next(g)                              # suspended in yield from
        KEEP.append(g)
    KEEP.append(rhcy.fused_add)
    KEEP.append(rhcy.fused_add[cython_int()])
    KEEP.append((rhcy.Plain.get, rhcy.Plain.smeth, rhcy.Plain.cmeth))
    # coroutines: one not started, one suspended awaiting a future
    loop = asyncio.new_event_loop()
    fut = loop.create_future()
    c1 = rhcy.coro_fn(fut)
    c2 = rhcy.Plain(1).coro(fut)
    aw = c2.__await__()
    next(aw)
    KEEP.append((loop, fut, c1, c2, aw))
    HAVE.append("rhcy")


def cython_int():
    return "int"


def build_yaml():
    try:
        import yaml
        from yaml import _yaml
    except ImportError:
        return
    doc = io.StringIO()
    for i in range(3000):
        doc.write("item%d:\n  name: n%d\n  tags: [a%d, b, c]\n  nested: {k: %d, v: [1, 2]}\n"
                  % (i, i, i, i))
    doc.seek(0)
    loader = yaml.CLoader(doc)
    # mid-parse: the parser holds the stream, its pending events and nodes
    for _ in range(2000):
        if not loader.check_event():
            break
        KEEP.append(loader.get_event())
    KEEP.append(loader)
    HAVE.append("yaml")


def build_lxml():
    try:
        from lxml import etree
    except ImportError:
        return
    data = b"<root>" + b"".join(b'<e i="%d"><t>%d</t></e>' % (i, i) for i in range(5000)) + b"</root>"
    it = etree.iterparse(io.BytesIO(data), events=("start", "end"))
    for _ in range(3000):
        KEEP.append(next(it))
    KEEP.append(it)
    KEEP.append(etree.XPath("//e[@i>3]"))
    HAVE.append("lxml")


def build_msgpack():
    try:
        import msgpack
    except ImportError:
        return
    blob = msgpack.packb([{"k%d" % i: [i, str(i)]} for i in range(2000)])
    up = msgpack.Unpacker(raw=False)
    up.feed(blob[: len(blob) // 2])
    KEEP.append((up, msgpack.Packer()))
    HAVE.append("msgpack")


def main(argv):
    out = ext = None
    stop = False
    it = iter(argv)
    for a in it:
        if a == "--stop":
            stop = True
        elif a == "--out":
            out = next(it, None)
        elif a == "--ext-dir":
            ext = next(it, None)
        elif a == "--sys-path":
            # where the interpreter's packages are (-S skips site)
            sys.path.append(next(it, ""))
        else:
            out = None
            break
    if not stop or not out or not ext:
        sys.stderr.write("usage: cython_heap.py --ext-dir DIR --stop --out RECORD\n")
        return 2
    sys.path.insert(0, ext)
    build_rhcy(300)
    build_yaml()
    build_lxml()
    build_msgpack()
    # The child opens its record as a text file: on 3.8/3.9 the first such
    # open imports _bootlocale into the io module's state. Do it here, so
    # the child changes nothing that existed at the fork.
    with open(os.devnull, "w"):
        pass
    gc.disable()
    sys.stdout.write("READY pid=%d have=%s\n" % (os.getpid(), ",".join(HAVE)))
    sys.stdout.flush()
    pid = rh.raw_fork()
    if pid < 0:
        sys.stderr.write("cython_heap: fork failed\n")
        return 3
    if pid == 0:
        try:
            rh.record(out)
        except BaseException as e:  # report, never fall back into main()
            sys.stderr.write("cython_heap: child failed: %r\n" % (e,))
            os._exit(3)
        os._exit(0)
    os.kill(os.getpid(), signal.SIGSTOP)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
