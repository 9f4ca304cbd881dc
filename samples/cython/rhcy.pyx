# cython: language_level=3
"""A Cython module for refheap's tests (tests/integration/cython.sh builds
it with Debian's cython3 and -g): Cython functions of every kind (methods
of a Python class, lambdas and closures with dynamic defaults, fused
functions, generators, coroutines) and cdef classes with object, typed
and builtin-typed attributes, so that gc.get_referents() of each can be
compared with refheap's."""

cimport cython

ctypedef fused num:
    int
    double


def fused_add(num a, num b):
    return a + b


cdef class Node:
    cdef object payload
    cdef str label          # a "gc simple" builtin type: not traversed
    cdef list children
    cdef Node parent
    cdef dict __dict__
    cdef object __weakref__

    def __init__(self, payload, label, Node parent=None):
        self.payload = payload
        self.label = label
        self.children = []
        self.parent = parent
        if parent is not None:
            parent.children.append(self)

    def kids(self):
        for c in self.children:
            yield c


cdef class Leaf(Node):
    cdef object extra

    def __init__(self, payload, label, Node parent=None, extra=None):
        Node.__init__(self, payload, label, parent)
        self.extra = extra


class Plain:
    """A Python class: with binding, its methods are Cython functions."""

    def __init__(self, x):
        self.x = x

    def get(self, d=[]):
        return self.x

    @staticmethod
    def smeth():
        return 1

    @classmethod
    def cmeth(cls):
        return cls

    def gen(self, n):
        for i in range(n):
            yield self.x, i

    async def coro(self, fut):
        return await fut


def make_closure(leaf, i):
    def inner(a, b=leaf, *, c=i):
        return (a, b, c, leaf)
    return inner


def make_lambda(v):
    return lambda x=v: (x, v)


def gen_fn(seq):
    for x in seq:
        yield x


def delegating(seq):
    yield from gen_fn(seq)


async def coro_fn(aw):
    return await aw
