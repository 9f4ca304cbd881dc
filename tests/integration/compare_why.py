#!/usr/bin/env python3
"""Check `refheap why --json` and export's verdicts against why_heap.py's record.

    compare_why.py DIR RECORD.json LABEL

DIR holds why-<name>.json for each planted object and export.jsonl.
"""
import json
import os
import sys

d, rec_path, label = sys.argv[1:4]
rec = json.load(open(rec_path))
fails = []
checked = 0


def check(cond, msg):
    global checked
    checked += 1
    if not cond:
        fails.append(msg)


def why(name):
    p = os.path.join(d, "why-%s.json" % name)
    if name not in rec["planted"]:
        return None
    try:
        return json.load(open(p))
    except (OSError, ValueError) as e:
        fails.append("%s: no JSON from refheap why (%s)" % (name, e))
        return None


def edges(w, k=0):
    return [s["edge"] for s in (w["paths"][k] if k < len(w["paths"]) else [])]


snap = None
verdicts = {}
types = {}
for line in open(os.path.join(d, "export.jsonl")):
    o = json.loads(line)
    if o.get("record") == "snapshot":
        snap = o
    elif o.get("record") == "object":
        verdicts[o["addr"]] = o.get("verdict")
        types[o["addr"]] = o.get("type")
gen0_count = snap["gc"]["generations"][0]["count"]
planted = rec["planted"]

for name, want in [("global", "reachable"), ("thread", "reachable"),
                   ("closure", "reachable"), ("traceback", "reachable"),
                   ("leak", "unaccounted"), ("leak_held", "unaccounted"),
                   ("short", "reachable"), ("gen0", "cyclic-garbage"),
                   ("gen2", "cyclic-garbage"), ("frozen", "frozen")]:
    w = why(name)
    if w is None:
        continue
    check(w["addr"] == planted[name], "%s: why answered for %s, not %s"
          % (name, w["addr"], planted[name]))
    check(w["verdict"] == want, "%s: verdict %r, expected %r" % (name, w["verdict"], want))
    check(verdicts.get(planted[name]) == want, "%s: export verdict %r, expected %r"
          % (name, verdicts.get(planted[name]), want))
    if want == "reachable":
        p = w["path"]
        check(p and p[-1]["addr"] == planted[name],
              "%s: the path does not end at the object: %r" % (name, p))
        check(p and "root" in p[0], "%s: the path's first step has no root kind" % name)
    if name == "global":
        check(w["path"][0]["root"] == "module",
              "global: root kind %r, expected module (path %r)" % (w["path"][0]["root"], edges(w)))
        e = edges(w)
        check("['REGISTRY']" in e and "['user:42']" in e,
              "global: path labels %r lack ['REGISTRY'] and ['user:42']" % e)
    elif name == "thread":
        first = w["path"][0]
        check(first["root"] == "thread" and "worker()" in first["edge"]
              and "local 'req'" in first["edge"],
              "thread: first step %r, expected a worker() frame's local 'req'" % first)
    elif name == "closure":
        check("cell_contents" in edges(w), "closure: path labels %r lack cell_contents" % edges(w))
    elif name == "traceback":
        e = edges(w)
        check("__traceback__" in e and "tb_frame" in e,
              "traceback: path labels %r lack __traceback__ and tb_frame" % e)
    elif name == "short":
        check(w["refcount"]["deficit"] == 1, "short: deficit %r, expected 1" % w["refcount"])
    elif name in ("leak", "leak_held"):
        check(w["refcount"]["excess"] == 1, "%s: excess %r, expected 1" % (name, w["refcount"]))
        # The text says where no word is: anywhere (nothing points at
        # the leak), or beyond the one reference found (the list's) --
        # never "anywhere" with a reference found. Unless it names
        # candidate holders instead: on 3.8-3.10 a stale slot of main()'s
        # value stack, whose top refheap cannot know, holds leak_held.
        found = 0 if name == "leak" else 1
        check(w["refcount"].get("found") == found,
              "%s: references found %r, expected %d" % (name, w["refcount"], found))
        try:
            text = " ".join(open(os.path.join(d, "why-%s.txt" % name)).read().split())
        except OSError as e:
            text = ""
            fails.append("%s: no text from refheap why (%s)" % (name, e))
        want_text = ("no word anywhere in the core" if name == "leak"
                     else "no word in the core beyond the references found")
        check(want_text in text or "candidate native holders" in text,
              "%s: the text has neither %r nor candidate holders: %r"
              % (name, want_text, text[-400:]))
        if name == "leak_held":
            check("no word anywhere" not in text,
                  "leak_held: 'no word anywhere' with a reference found: %r" % text[-400:])
    elif name in ("gen0", "gen2") and snap["gc"].get("model") == "incremental":
        # 3.14.0-3.14.4's incremental collector (Python/gc.c there): gen0
        # is young garbage, freed by a young collection; gen2 was moved by
        # gc.collect() into an old space (the pending one: the permanent
        # generation is not empty, so completed_scavenge merges the
        # visited space into it), freed by an increment of this round.
        g = w["gc"]
        sg = snap["gc"]
        check(w["cycle"]["members"] >= 1, "%s: no cycle members" % name)
        check(g.get("model") == "incremental", "%s: model %r" % (name, g.get("model")))
        if name == "gen0":
            check(g.get("list") == "young" and g.get("freed_by_collection") == "young",
                  "gen0: gc %r; expected the young list, freed by a young collection" % g)
        else:
            bit = rec.get("old_space", {}).get("gen2")
            check(g.get("list") == "old[%s]" % bit, "gen2: list %r, its _gc_next says old[%s]"
                  % (g.get("list"), bit))
            want = "increment" if g.get("space") == "pending" else "full"
            check(g.get("freed_by_collection") == want,
                  "gen2: in the %s space, freed by %r, expected %r"
                  % (g.get("space"), g.get("freed_by_collection"), want))
        if rec["disabled"]:
            check(g.get("blocked") == "disabled", "%s: blocked %r with the GC disabled"
                  % (name, g.get("blocked")))
        elif g.get("space") == "visited":
            check(g.get("blocked") == "next-round", "%s: blocked %r in the visited space"
                  % (name, g.get("blocked")))
        else:
            # the phase refheap read decides: a mark comes first, or the
            # collector is ahead (work_to_do < 0), or the young count
            # decides alone
            t0, c0 = rec["threshold"][0], gen0_count
            if sg.get("phase") == "mark":
                check(g.get("blocked") == "marking" and g.get("allocations_at_least") is True
                      and g.get("allocations", -1) >= t0 - c0 + 1,
                      "%s: gc %r; expected marking, at least %d allocations" % (name, g, t0 - c0 + 1))
            elif sg.get("work_to_do", 0) < 0:
                check(g.get("blocked") in ("ahead-of-schedule", "below-threshold"),
                      "%s: gc %r with work_to_do < 0" % (name, g))
            else:
                check(g.get("blocked") == "below-threshold"
                      and g.get("allocations") == t0 - c0 + 1,
                      "%s: gc %r; expected below-threshold, %d allocations" % (name, g, t0 - c0 + 1))
            check(g.get("threshold") == t0 and g.get("count") == c0,
                  "%s: young count/threshold %r/%r, expected %d/%d"
                  % (name, g.get("count"), g.get("threshold"), c0, t0))
    elif name in ("gen0", "gen2"):
        g = w["gc"]
        gen = 0 if name == "gen0" else 2
        check(g.get("generation") == gen, "%s: generation %r" % (name, g.get("generation")))
        check(g.get("freed_by") == gen, "%s: freed_by %r, expected %d" % (name, g.get("freed_by"), gen))
        check(w["cycle"]["members"] >= 1, "%s: no cycle members" % name)
        if rec["disabled"]:
            check(g.get("blocked") == "disabled", "%s: blocked %r with the GC disabled"
                  % (name, g.get("blocked")))
        elif name == "gen0":
            check(g.get("blocked") == "below-threshold" and g.get("threshold") == rec["threshold"][0]
                  and g.get("count") == gen0_count
                  and g.get("allocations") == rec["threshold"][0] - gen0_count + 1,
                  "gen0: gc %r; expected below-threshold, threshold %d, count %d, %d allocations"
                  % (g, rec["threshold"][0], gen0_count, rec["threshold"][0] - gen0_count + 1))
        else:
            check(g.get("blocked") in ("below-threshold", "long-lived-heuristic")
                  and g.get("threshold") == rec["threshold"][2],
                  "gen2: gc %r; expected below-threshold or the heuristic, threshold %d"
                  % (g, rec["threshold"][2]))
    elif name == "frozen":
        check(w["gc"].get("generation") == "permanent" and w["gc"].get("blocked") == "frozen",
              "frozen: gc %r" % w["gc"])

# The set gc.collect() found unreachable, exactly.
got = set(snap["gc"].get("cyclic_garbage", []))
want = set(rec["garbage"])
check(got == want, "cyclic_garbage: %d objects, gc.collect() found %d; missing %s; extra %s"
      % (len(got), len(want), sorted(want - got)[:10], sorted(got - want)[:10]))
# The refcount audit on a healthy heap: besides the planted leak, only a
# few objects may look unaccounted. What remains is held from C locals
# (the running script's AST arena list, a thread's bootstrap method, the
# innermost frames' value stacks, whose top refheap cannot know) and, on
# 3.8-3.9, struct.Struct formats (a non-GC type of an extension module)
# and 3.8's one leaked _warnings module. A bound, so that a CPython
# structure refheap stops modelling (type cache, C statics, the _ast
# state...) fails here instead of flooding `refheap leaks`.
UNACCOUNTED_MAX = 25
others = [a for a, v in verdicts.items()
          if v == "unaccounted" and a not in (planted.get("leak"), planted.get("leak_held"),
                                             planted.get("leak_box"))]
check(len(others) <= UNACCOUNTED_MAX,
      "%d objects other than the planted leak are 'unaccounted' (at most %d expected): %s"
      % (len(others), UNACCOUNTED_MAX,
         ", ".join("%s %s" % (types[a], a) for a in others[:40])))
print("%s: %d objects besides the planted leak judged unaccounted" % (label, len(others)))
# Objects real programs have, held only by memory a type owns and does
# not visit (a code object's _co_cached, a module state's interned
# names): in the export, and not unaccounted.
for name, addr in sorted(rec.get("explained", {}).items()):
    check(verdicts.get(addr) not in (None, "unaccounted"),
          "%s: %s %s judged %r" % (name, types.get(addr), addr, verdicts.get(addr)))
print("%s: held by owned memory, checked: %s" % (label, " ".join(sorted(rec.get("explained", {})))))

for f in fails:
    print("FAIL %s: %s" % (label, f))
print("%s: %d checks, %d failed; cyclic garbage %d objects (gc.collect(): %d)"
      % (label, checked, len(fails), len(got), len(want)))
sys.exit(1 if fails else 0)
