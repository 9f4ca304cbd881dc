#!/bin/bash
# gc_incremental.sh: CPython 3.14.0-3.14.4's incremental collector, in its
# own terms, against what that collector then does.
#
# samples/incgc_heap.py makes cyclic garbage in the pending old space (P),
# the visited old space (V) and the young generation (Y), stops to be
# dumped, then (resumed, with gc.DEBUG_SAVEALL) drives the collector:
# gc.collect(1) once (phase mark: it only marks), gc.collect(0), then
# increments fed by allocations until everything died. refheap must say,
# from the core:
#   - each garbage object's list (young, old[0]/old[1] as its _gc_next's
#     old-space bit says) and space (visited/pending), the visited space,
#     the phase;
#   - verdict cyclic-garbage, freed by a young collection (Y), an increment
#     of this round (P), only a full collection or the next round (V);
#     refheap's sets equal, exactly, what gc.collect(0), this round's
#     increments and the later ones found unreachable;
#   - why it has not been collected: "marking" for Y and P (and indeed the
#     first gc.collect(1) freed nothing), "next-round" for V;
#   - `refheap gc` and `summary` name the young generation, the old spaces
#     and the phase.
# Interpreters with the generational collector (3.8-3.13, 3.14.5+) are
# skipped; without any 3.14.0-3.14.4 (given with REFHEAP_TEST_PYTHONS, no
# distribution ships one) the test is skipped, saying so.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/incgc_heap.py
require_refheap
find_pythons
print_pythons
HOSTPY=$(host_python)

INC=()
for i in "${!PY_PATHS[@]}"; do
    py=${PY_PATHS[$i]}
    if [ -n "$(py_sysroot "$py")" ]; then
        echo "not here: ${PY_LABELS[$i]} (in another root; Debian ships no 3.14.0-3.14.4)"
        continue
    fi
    model=$(timeout 30 "$py" -I "$SAMPLE" --probe 2>/dev/null)
    if [ "$model" = incremental ]; then
        INC+=("$i")
    else
        echo "not here: ${PY_LABELS[$i]} (${model:-unknown} collector)"
    fi
done
[ ${#INC[@]} -gt 0 ] || skip "no CPython 3.14.0-3.14.4 (incremental collector) to test: set REFHEAP_TEST_PYTHONS=/path/to/python3.14 (a hand-built 3.14.0-3.14.4 with debug info)"

FAILED=0
for i in "${INC[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    echo "=== $label ($py)"
    if ! make_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: no core"
        FAILED=1
        continue
    fi
    ok=1
    for cmd in export "gc --json" "summary --json" gc summary; do
        f=$dir/$(printf '%s' "$cmd" | tr -c 'a-z' '_')
        # shellcheck disable=SC2086
        timeout -k 5 "$TIMEOUT" "$REFHEAP" $cmd "$CORE" > "$f.out" 2> "$f.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "FAIL $label: refheap $cmd exited $(describe_rc $rc)"
            show_file "$f.err" stderr
            ok=0
        fi
    done
    for k in P V Y; do
        a=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["garbage"][sys.argv[2]][0])' "$RECORD" "$k")
        timeout -k 5 "$TIMEOUT" "$REFHEAP" why --json "$a" "$CORE" > "$dir/why-$k.json" 2> "$dir/why-$k.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "FAIL $label: refheap why $a ($k) exited $(describe_rc $rc)"
            show_file "$dir/why-$k.err" stderr
            ok=0
        fi
    done
    rm -f "$CORE"
    [ $ok = 1 ] || { FAILED=1; continue; }
    if "$HOSTPY" - "$RECORD" "$dir" "$label" <<'PYEOF'
import json, os, sys
rec = json.load(open(sys.argv[1]))
d, label = sys.argv[2], sys.argv[3]
fails = []
def check(cond, msg):
    if not cond:
        fails.append(msg)

objs, snap = {}, None
for line in open(os.path.join(d, "export.out")):
    o = json.loads(line)
    if o.get("record") == "object":
        objs[o["addr"]] = o
    elif o.get("record") == "snapshot":
        snap = o
g = snap["gc"]
v = rec["visited_space"]
check(g.get("model") == "incremental", "snapshot gc model %r" % g.get("model"))
check(g.get("visited_space") == v, "visited_space %r, the interpreter's objects say %d"
      % (g.get("visited_space"), v))
# a full collection just ran: phase mark (completed_scavenge)
check(g.get("phase") == "mark", "phase %r, expected mark after gc.collect()" % g.get("phase"))

want_run = {"Y": ("young", 0), "P": ("increment", 1), "V": ("full", 2)}
for k, addrs in rec["garbage"].items():
    for a in addrs:
        o = objs.get(a)
        if o is None:
            fails.append("%s garbage %s not in the export" % (k, a))
            continue
        check(o.get("verdict") == "cyclic-garbage", "%s %s: verdict %r" % (k, a, o.get("verdict")))
        if k == "Y":
            check(o.get("list") == "young", "%s %s: list %r, expected young" % (k, a, o.get("list")))
        else:
            bit = rec["bits"][a]
            check(o.get("list") == "old[%d]" % bit, "%s %s: list %r, its _gc_next bit says old[%d]"
                  % (k, a, o.get("list"), bit))
            space = "visited" if bit == v else "pending"
            check(o.get("space") == space, "%s %s: space %r, expected %s" % (k, a, o.get("space"), space))
        check((o.get("freed_by_collection"), o.get("freed_by")) == want_run[k],
              "%s %s: freed by %r/%r, expected %r" % (k, a, o.get("freed_by_collection"),
                                                   o.get("freed_by"), want_run[k]))

# refheap's sets against what the collector found unreachable, exactly
by_run = {0: set(), 1: set(), 2: set()}
for a, o in objs.items():
    if o.get("verdict") == "cyclic-garbage" and o.get("freed_by") in by_run:
        by_run[o["freed_by"]].add(a)
steps = {s["step"]: s for s in rec["steps"]}
first, young, inc = steps["collect(1) first"], steps["collect(0)"], steps["increments"]
check(first["freed"] == [], "the first gc.collect(1) freed %d objects" % len(first["freed"]))
for name, got, want in (("gc.collect(0)", by_run[0], set(young["freed"])),
                        ("this round's increments", by_run[1], set(inc["freed_this_round"])),
                        ("the next round's increments", by_run[2], set(inc["freed_later"]))):
    check(got == want, "%s: refheap %d objects, the interpreter %d; only refheap %s; only the interpreter %s"
          % (name, len(got), len(want), sorted(got - want)[:5], sorted(want - got)[:5]))
da = inc["died_at"]
check(da["P"] is not None and da["V"] is not None and da["P"] < da["V"],
      "increments: P died at %r, V at %r (P must die first, in this round)" % (da["P"], da["V"]))

# why, and why not yet
want_block = {"Y": "marking", "P": "marking", "V": "next-round"}
for k in ("P", "V", "Y"):
    try:
        w = json.load(open(os.path.join(d, "why-%s.json" % k)))
    except (OSError, ValueError) as e:
        fails.append("why %s: no JSON (%s)" % (k, e))
        continue
    wg = w.get("gc", {})
    check(w.get("verdict") == "cyclic-garbage", "why %s: verdict %r" % (k, w.get("verdict")))
    check(wg.get("freed_by_collection") == want_run[k][0], "why %s: freed by %r" % (k, wg.get("freed_by_collection")))
    check(wg.get("blocked") == want_block[k], "why %s: blocked %r, expected %s (%s)"
          % (k, wg.get("blocked"), want_block[k], wg.get("reason")))
    if k != "V":
        # phase mark: the first increment only marks; the one after collects
        check(wg.get("increments", 0) >= 2 and wg.get("allocations_at_least") is True
              and wg.get("threshold") == rec["threshold"][0],
              "why %s: %r" % (k, wg))
    print("  why %s: %s" % (k, wg.get("reason")))

# gc --json: would_free per list, in the collector's terms
gj = json.load(open(os.path.join(d, "gc___json.out")))
it = gj["interpreters"][0]
check(it.get("model") == "incremental" and it.get("phase") == "mark", "gc --json: %r" %
      {k: it.get(k) for k in ("model", "phase", "visited_space")})
for gen in it.get("generations", []):
    lst = gen.get("list")
    run = 0 if lst == "young" else (1 if gen.get("space") == "pending" else 2)
    check(gen.get("would_free", {}).get("objects") == len(by_run[0]) + (len(by_run[1]) if run >= 1 else 0)
          + (len(by_run[2]) if run >= 2 else 0),
          "gc --json %s would free %r" % (lst, gen.get("would_free")))
sj = json.load(open(os.path.join(d, "summary___json.out")))
sg = sj["interpreters"][0]["gc"]
check([x.get("list") for x in sg["generations"]] == ["young", "old[0]", "old[1]"],
      "summary lists %r" % [x.get("list") for x in sg["generations"]])
text = open(os.path.join(d, "gc.out")).read() + open(os.path.join(d, "summary.out")).read()
check("only marks" in it.get("next_collection", ""),
      "gc --json next_collection %r: phase mark, the next increment only marks" % it.get("next_collection"))
for needle in ("young", "old[%d] visited" % v, "phase mark", "old space %d (pending this round)" % (1 - v),
               "next automatic collection: an increment", "only marks"):
    check(needle in text, "text output lacks %r" % needle)
for f in fails:
    print("FAIL %s: %s" % (label, f))
if not fails:
    print("OK %s: %d garbage objects; young collection %d, this round %d, next round %d; "
          "P died at increment %d, V at %d" % (label, sum(len(x) for x in rec["garbage"].values()),
          len(by_run[0]), len(by_run[1]), len(by_run[2]), da["P"], da["V"]))
sys.exit(1 if fails else 0)
PYEOF
    then :; else FAILED=1; fi
done
exit $FAILED
