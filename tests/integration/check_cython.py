#!/usr/bin/env python3
"""Check refheap's referents of Cython objects against the process's own
gc.get_referents() record (samples/cython_heap.py).

    check_cython.py RECORD.jsonl DUMP.jsonl [--label NAME] [--require T,T...]
                    [--known T,T...] [--known-from DUMP2] [--require-known T,T...]

DUMP is tests/tools/referents_dump's output or `refheap export`'s. For
every compared object (same address and type in both) it splits
refheap's references into exact ones (refs not in "conservative") and
conservative candidates, and fails (exit 1) when:
  - an object of a known type has conservative candidates, or exact
    references that are not the same multiset as CPython's. Known types:
    --known (the Cython runtime types refheap reads with the extension's
    DWARF), and with --known-from, every extension type whose line in that
    referents_dump output says "traverse": "extension" (refheap claims to
    know it: cdef classes whose traverse it read from their code);
  - a type in --require-known is not known (or has no object);
  - any object at all claims an exact reference CPython does not report
    (a wrong edge), except the child's own frames;
  - a type in --require has no object in the record (the sample did not
    build what the test is about: exit 99, a harness error).
Types that are neither builtin nor known must be left to the conservative
scan: their exact references must be a subset of CPython's (none).
Prints one line per Cython-ish type: objects, equal, wrong edges,
conservative-only.
"""
import collections
import json
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from compare_referents import addr_of, load_dump, load_record  # noqa: E402


def main(argv):
    args = list(argv)
    label, require, known, require_known, known_from = "", [], [], [], None
    pos = []
    while args:
        a = args.pop(0)
        if a == "--label":
            label = args.pop(0)
        elif a == "--require":
            require = [t for t in args.pop(0).split(",") if t]
        elif a == "--known":
            known = [t for t in args.pop(0).split(",") if t]
        elif a == "--require-known":
            require_known = [t for t in args.pop(0).split(",") if t]
        elif a == "--known-from":
            known_from = args.pop(0)
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.stderr.write(__doc__)
        return 99
    try:
        header, rec = load_record(pos[0])
        dump, summary = load_dump(pos[1])
    except (OSError, ValueError, StopIteration, KeyError) as e:
        print("HARNESS ERROR %s: unusable input: %s" % (label, e))
        return 99
    known = set(known)
    if known_from:
        try:
            claims, _ = load_dump(known_from)
        except (OSError, ValueError) as e:
            print("HARNESS ERROR %s: unusable input: %s" % (label, e))
            return 99
        known |= set(d["type"] for d in claims.values() if d.get("traverse") == "extension")
    volatile = set(int(x, 16) for x in header.get("volatile", []))
    st = collections.defaultdict(collections.Counter)
    fails = []
    seen_types = collections.Counter(o["t"] for o in rec.values())
    for a, o in rec.items():
        d = dump.get(a)
        if d is None or a in volatile or d["type"] != o["t"]:
            continue
        t = o["t"]
        want = collections.Counter(int(x, 16) for x in o["r"])
        cons = collections.Counter(addr_of(x) for x in d.get("conservative", []))
        got = collections.Counter(addr_of(x) for x in d["refs"]) - cons
        wrong = got - want
        s = st[t]
        s["objects"] += 1
        if got == want and not cons:
            s["equal"] += 1
        if wrong:
            s["wrong"] += 1
            if len(fails) < 20:
                fails.append("%s 0x%x: exact references CPython does not report: %s"
                             % (t, a, " ".join("0x%x" % x for x in wrong)))
        if t in known and (got != want or cons):
            s["known_differs"] += 1
            if len(fails) < 20:
                fails.append("%s 0x%x (read with DWARF): cpython %s; refheap exact %s, conservative %s"
                             % (t, a, " ".join(o["r"]),
                                " ".join("0x%x" % x for x in sorted(got.elements())),
                                " ".join("0x%x" % x for x in sorted(cons.elements()))))
        if cons and not got:
            s["conservative_only"] += 1
    print("=== %s (CPython %s)" % (label, header.get("version")))
    print("%-44s %8s %8s %8s %12s" % ("type", "objects", "equal", "wrong", "conservative"))
    for t in sorted(st, key=lambda t: (t not in known, t)):
        s = st[t]
        if t in known or s["wrong"] or "." in t and s["conservative_only"]:
            print("%-44s %8d %8d %8d %12d%s" % (t[:44], s["objects"], s["equal"], s["wrong"],
                                               s["conservative_only"],
                                               "  (known)" if t in known else ""))
    missing = [t for t in require if not seen_types.get(t)]
    if missing:
        print("HARNESS ERROR %s: the sample built no %s" % (label, ", ".join(missing)))
        return 99
    not_known = [t for t in require_known if t not in known or not st[t]["objects"]]
    bad_known = sum(st[t]["known_differs"] for t in known)
    wrong = sum(s["wrong"] for s in st.values())
    nknown = sum(st[t]["objects"] for t in known)
    for f in fails:
        print("  " + f)
    ncons = sum(s["objects"] for t, s in st.items() if s["conservative_only"] and t not in known)
    print("cython: %d objects of %d known extension types, %d differ; %d objects with a wrong exact edge; "
          "%d objects left to the conservative scan"
          % (nknown, sum(1 for t in known if st[t]["objects"]), bad_known, wrong, ncons))
    if not_known:
        print("not known although they should be: %s" % ", ".join(not_known))
    ok = not bad_known and not wrong and not not_known
    print("%s %s" % ("OK" if ok else "FAIL", label))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
