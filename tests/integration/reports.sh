#!/bin/bash
# reports.sh: the analysis reports give the answers the interpreter knows.
#
# samples/reports_heap.py builds a heap with known facts (a dict of known
# values, an object only a module global holds, 1000 instances of one
# class, a list of 1000 unique bytes, a garbage ring of 50 objects made
# with the GC disabled and known thresholds, an object leaked with
# ctypes.pythonapi.Py_IncRef), stops itself and is dumped (core 1), then
# allocates 5000 instances of a new class in a module-level list, stops
# again and is dumped (core 2), then records what it knows. Checked:
#   refs        the dict's values under their keys' labels
#   referrers   the way from the object to its module global and the
#               module root (with --type module)
#   histogram   count 1000 and the sum of sys.getsizeof of the instances;
#               --module __main__ keeps the sample's classes only
#   dominators  the big list, retaining at least the sizes of its items
#   gc          thresholds and counts as gc.get_threshold/get_count say,
#               the GC disabled
#   cycles      the ring: 50 members of known total size, freed by a
#               generation-0 collection blocked by gc.disable()
#   leaks       the leaked object, an orphan; the ring; the big list; the
#               same retained sets however many candidates it starts from
#   diff        the new class grew by 5000, held through ['GROWN']
# and each report's text form runs. DOT and graphviz rendering (and the
# note when graphviz is missing) are checked on the first interpreter.
# Runs on every CPython 3.8+ found; exits 77 if there is none.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/reports_heap.py
require_refheap
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

# wait_stop N PID DIR: the sample printed "STOP N" and is stopped
wait_stop() {
    WAIT_ALIVE=$2 wait_until "$TIMEOUT" "the sample to stop ($1)" \
        eval "grep -q '^STOP $1' '$3/sample.out' && proc_group_stopped $2"
}

# rh NAME ARGS...: run refheap, output in $dir/NAME.json; fail on rc > 1
rh() {
    local name=$1
    shift
    run_refheap "$dir/$name" "$@"
    if [ "$RH_RC" -gt 1 ] || [ ! -s "$dir/$name.json" ]; then
        echo "FAIL $label: refheap $* exited $(describe_rc "$RH_RC")"
        show_file "$dir/$name.err" stderr
        return 1
    fi
}

FAILED=0
FIRST=1
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    py_dir "$py" "$dir" || { FAILED=$((FAILED + 1)); continue; }
    echo "=== $label ($py)"
    enough_space "$dir/" 512 || { FAILED=$((FAILED + 1)); continue; }
    py_exec "$py" -I "$SAMPLE" --out "$dir/record.json" > "$dir/sample.out" 2> "$dir/sample.err" &
    pid=$!
    CHILD_PIDS+=("$pid")
    ok=1
    for n in 1 2; do
        if ! wait_stop $n "$pid" "$dir"; then
            echo "HARNESS ERROR $label: the sample did not stop ($n)"
            _show_sample "$dir"; ok=0; break
        fi
        if ! gcore_stopped "$pid" "$dir"; then
            echo "HARNESS ERROR $label: no core $n"; ok=0; break
        fi
        mv "$dir/core" "$dir/core$n"
        kill -CONT "$pid"
    done
    if [ $ok -eq 0 ]; then
        kill -KILL "$pid" 2>/dev/null
        reap "$pid"
        FAILED=$((FAILED + 1)); continue
    fi
    reap "$pid"
    if [ "$REAPED_RC" -ne 0 ] || [ ! -s "$dir/record.json" ]; then
        echo "HARNESS ERROR $label: the sample failed to record (exit $REAPED_RC)"
        _show_sample "$dir"; FAILED=$((FAILED + 1)); continue
    fi
    rec() { "$HOSTPY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$dir/record.json" "$1"; }
    DICT=$(rec 'r["refs"]["dict"]')
    TARGET=$(rec 'r["target"]')
    c1=$dir/core1
    c2=$dir/core2
    rh refs refs --json --depth 1 "$DICT" "$c1" &&
    rh referrers referrers --json --depth 2 --width 200 --type module "$TARGET" "$c1" &&
    rh hist histogram --json --type Many "$c1" &&
    rh histmod histogram --json -n 0 --module __main__ "$c1" &&
    rh dom dominators --json -n 20 "$c1" &&
    rh gc gc --json "$c1" &&
    rh cycles cycles --json -n 0 "$c1" &&
    rh leaks leaks --json -n 0 "$c1" &&
    rh diff diff --json -n 10 "$c1" "$c2" &&
    rh refs_t refs "$DICT" "$c1" &&
    rh referrers_t referrers "$TARGET" "$c1" &&
    rh hist_t histogram --sort retained "$c1" &&
    rh dom_t dominators "$c1" &&
    rh gc_t gc "$c1" &&
    rh cycles_t cycles "$c1" &&
    rh leaks_t leaks "$c1" &&
    rh diff_t diff "$c1" "$c2" || { FAILED=$((FAILED + 1)); rm -f "$c1" "$c2"; continue; }

    # The largest retained sets do not depend on how many candidates the
    # first try keeps (report/lists.c retained_sets): from the best one,
    # growing by retries, or from all of them, the lists are the default's.
    rh leaks3 leaks --json -n 3 "$c1" &&
    REFHEAP_TEST_SETS_K=1 rh leaks3_k1 leaks --json -n 3 "$c1" &&
    REFHEAP_TEST_SETS_K=0 rh leaks3_k0 leaks --json -n 3 "$c1" || FAILED=$((FAILED + 1))
    for k in k1 k0; do
        if ! cmp -s "$dir/leaks3.json" "$dir/leaks3_$k.json"; then
            echo "FAIL $label: leaks -n 3 differs when its first try keeps $k candidates"
            diff "$dir/leaks3.json" "$dir/leaks3_$k.json" | head -5
            FAILED=$((FAILED + 1))
        fi
    done

    before=$FAILED
    if [ $FIRST -eq 1 ]; then
        FIRST=0
        # DOT on stdout, rendered SVG (FILE.dot kept), and the note when
        # graphviz is missing
        rh dot refs --dot --depth 1 "$DICT" "$c1" || FAILED=$((FAILED + 1))
        if ! grep -q '^digraph' "$dir/dot.json" || ! grep -qF "[label=\"['alpha']\"" "$dir/dot.json"; then
            echo "FAIL $label: refs --dot is not a graph with the edge ['alpha']"
            show_file "$dir/dot.json" dot; FAILED=$((FAILED + 1))
        fi
        # strings from the target are escaped: no raw control byte in the
        # text, and graphviz accepts the DOT of a key with '"', '\', a
        # newline and a terminal escape
        WEIRD=$(rec 'r["weird"]')
        rh weird_t refs --depth 2 "$WEIRD" "$c1" &&
        rh weird_j refs --json --depth 2 "$WEIRD" "$c1" &&
        rh weird_d refs --dot --depth 2 "$WEIRD" "$c1" || FAILED=$((FAILED + 1))
        if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$dir/weird_t.json" "$dir/weird_d.json"; then
            echo "FAIL $label: a control byte from the target reached the text or DOT output"
            FAILED=$((FAILED + 1))
        fi
        if ! "$HOSTPY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/weird_j.json"; then
            echo "FAIL $label: refs --json of the weird key is not JSON"; FAILED=$((FAILED + 1))
        fi
        if command -v dot >/dev/null 2>&1 &&
           ! dot -Tsvg -o "$dir/weird.svg" "$dir/weird_d.json" 2> "$dir/weird_dot.err"; then
            echo "FAIL $label: graphviz rejects the DOT of the weird key"
            show_file "$dir/weird_dot.err" dot; show_file "$dir/weird_d.json" DOT; FAILED=$((FAILED + 1))
        fi
        if command -v dot >/dev/null 2>&1; then
            rh svg referrers -o "$dir/tree.svg" "$TARGET" "$c1" || FAILED=$((FAILED + 1))
            if ! grep -q '<svg' "$dir/tree.svg" 2>/dev/null || [ ! -s "$dir/tree.dot" ]; then
                echo "FAIL $label: referrers -o tree.svg did not render (or lost tree.dot)"
                show_file "$dir/svg.json" stdout; FAILED=$((FAILED + 1))
            fi
        fi
        nodot=$TESTDIR/nodot
        mkdir -p "$nodot"
        # refheap alone runs with a PATH where no dot is found
        timeout -k 5 "$TIMEOUT" env PATH="$nodot" "$REFHEAP" referrers -o "$dir/plain.png" \
            "$TARGET" "$c1" > "$dir/nosvg.json" 2> "$dir/nosvg.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "FAIL $label: refheap referrers -o plain.png without graphviz exited $(describe_rc $rc)"
            show_file "$dir/nosvg.err" stderr; FAILED=$((FAILED + 1))
        elif [ -e "$dir/plain.png" ] || [ ! -s "$dir/plain.dot" ] ||
           ! grep -q 'graphviz is not installed' "$dir/nosvg.json"; then
            echo "FAIL $label: without graphviz, -o plain.png must keep plain.dot and say so"
            show_file "$dir/nosvg.json" stdout; FAILED=$((FAILED + 1))
        fi
    fi
    rm -f "$c1" "$c2"

    if ! "$HOSTPY" - "$dir" "$label" <<'PYEOF'
import json, os, sys
d, label = sys.argv[1], sys.argv[2]
rec = json.load(open(os.path.join(d, "record.json")))
def load(name):
    with open(os.path.join(d, name + ".json")) as f:
        return json.load(f)
fails, checked = [], 0
def check(cond, what):
    global checked
    checked += 1
    if not cond:
        fails.append(what)
def same(a, b):
    return int(a, 16) == int(b, 16)

# refs: the dict's values under their keys' labels
tree = load("refs")["tree"]
check(same(tree["addr"], rec["refs"]["dict"]), "refs: the tree's top is not the dict")
for edge, addr in rec["refs"]["edges"]:
    check(any(c["edge"] == edge and same(c["addr"], addr) for c in tree["children"]),
          "refs: no child %s -> %s among %r" % (edge, addr,
              [(c["edge"], c["addr"]) for c in tree["children"]]))

# referrers: TARGET <- ['TARGET'] of the module dict <- __dict__ of module __main__
r = load("referrers")
tree = r["tree"]
check(r["matched"], "referrers --type module: no module found within 2 levels")
md = [c for c in tree["children"] if c["edge"] == "['TARGET']" and same(c["addr"], rec["module_dict"])]
check(md, "referrers: no ['TARGET'] edge from the module dict %s (children %r)"
      % (rec["module_dict"], [(c["edge"], c["type"]) for c in tree["children"]]))
check(all(c["type"] == "dict" for c in tree["children"]),
      "referrers --type module kept a branch that leads to no module: %r"
      % [c["type"] for c in tree["children"]])
if md:
    mods = [c for c in md[0]["children"] if c["type"] == "module"]
    check(any(c.get("root", {}).get("kind") == "module" and c["root"]["name"] == "__main__"
              and c["edge"] == "__dict__" for c in mods),
          "referrers: module __main__ (a module root, via __dict__) not above the dict: %r" % mods)

# histogram
rows = {t["type"]: t for t in load("hist")["types"]}
many = rows.get("Many")
check(many is not None, "histogram --type Many: no row Many (%r)" % list(rows))
if many:
    check(many["count"] == rec["many"]["count"],
          "histogram: Many count %d, expected %d" % (many["count"], rec["many"]["count"]))
    check(many["bytes"] == rec["many"]["bytes"],
          "histogram: Many bytes %d, sys.getsizeof says %d" % (many["bytes"], rec["many"]["bytes"]))
    check(many["retained"] is not None and many["retained"] >= many["bytes"],
          "histogram: Many retained %r < bytes %d" % (many["retained"], many["bytes"]))
mod = [t["type"] for t in load("histmod")["types"]]
check("Many" in mod and "RingNode" in mod and "dict" not in mod and "list" not in mod,
      "histogram --module __main__ listed %r" % mod)

# dominators: the big list
dom = load("dom")["top"]
big = [e for e in dom if same(e["addr"], rec["big"]["addr"])]
check(big, "dominators -n 20: the big list %s is not there" % rec["big"]["addr"])
if big:
    check(big[0]["retained"] >= rec["big"]["retained_min"],
          "dominators: the big list retains %d < %d (its items alone)"
          % (big[0]["retained"], rec["big"]["retained_min"]))
    check(big[0]["held_by"]["kind"] != "garbage", "dominators: the big list held by garbage?")

# gc
g = load("gc")
main = [i for i in g["interpreters"] if i["main"]]
check(len(main) == 1, "gc: %d main interpreters" % len(main))
if main:
    m = main[0]
    check(m["enabled"] is False, "gc: enabled %r after gc.disable()" % m["enabled"])
    got = [x["threshold"] for x in m["generations"]]
    check(got == rec["thresholds"], "gc: thresholds %r, set %r" % (got, rec["thresholds"]))
    got = [x["count"] for x in m["generations"]]
    check(got == rec["counts"], "gc: counts %r, gc.get_count() %r" % (got, rec["counts"]))
    check(m["generations"][0]["trigger"]["blocked"] == "disabled",
          "gc: generation 0 trigger %r" % m["generations"][0]["trigger"])
    check(m["generations"][0]["would_free"]["objects"] >= rec["ring"]["members"],
          "gc: collecting generation 0 would free %r, the ring alone has %d"
          % (m["generations"][0]["would_free"], rec["ring"]["members"]))

# cycles: the ring
ring = rec["ring"]
def is_ring(c):
    return c["members"] == ring["members"] and c["bytes"] == ring["bytes"]
def ring_ok(c, where):
    check(c["objects"] and all(o["addr"] in ring["addrs"] for o in c["objects"]),
          "%s: the ring's members listed are not ring nodes: %r" % (where, c["objects"]))
    check(c["youngest"] == 0 and c["blocked"] == "disabled",
          "%s: the ring freed by %r, blocked %r (expected generation 0, disabled)"
          % (where, c["youngest"], c.get("blocked")))
    check(c["held"] <= ring["held"] and c["held_bytes"] <= ring["held_bytes"],
          "%s: the ring holds %d objects (%d B), more than its %d payloads"
          % (where, c["held"], c["held_bytes"], ring["held"]))
cyc = [c for c in load("cycles")["cycles"] if is_ring(c)]
check(cyc, "cycles: no component of %d members, %d bytes: %r" % (ring["members"], ring["bytes"],
      [(c["members"], c["bytes"]) for c in load("cycles")["cycles"]]))
if cyc:
    ring_ok(cyc[0], "cycles")

# leaks
lk = load("leaks")
leak = [o for o in lk["unaccounted"]["objects"] if same(o["addr"], rec["leak"])]
check(leak, "leaks: the leaked object %s is not among the %d unaccounted"
      % (rec["leak"], lk["unaccounted"]["count"]))
if leak:
    o = leak[0]
    check(o["type"] == "LeakMe" and o["excess"] >= 1 and o["size"] == rec["leak_size"],
          "leaks: the leaked object: %r" % o)
    check(not o["holders"], "leaks: the leak has candidate holders %r" % o["holders"])
    orphans = [x for x in lk["unaccounted"]["objects"] if not x["holders"]]
    check(len(orphans) == lk["unaccounted"]["orphans"] and
          lk["unaccounted"]["objects"][:len(orphans)] == orphans,
          "leaks: orphans are not listed first")
check(any(is_ring(c) for c in lk["cycles"]["top"]), "leaks: the ring is not among the cycles")
sets = [e["addr"] for e in lk["retained"]["top"]]
check(any(same(a, rec["big"]["addr"]) for a in sets[:3]),
      "leaks: the big list is not among the 3 largest retained sets: %r" % sets[:5])

# diff
df = load("diff")
rows = {t["type"]: t for t in df["types"]}
gr = rows.get("Grown")
check(gr is not None, "diff: no row Grown")
if gr:
    check(gr["count_growth"] == rec["grown"]["count"] and gr["new_objects"] == rec["grown"]["count"],
          "diff: Grown grew by %d (%d new), expected %d"
          % (gr["count_growth"], gr["new_objects"], rec["grown"]["count"]))
    check(gr["bytes_growth"] == rec["grown"]["bytes"],
          "diff: Grown bytes grew by %d, sys.getsizeof says %d" % (gr["bytes_growth"], rec["grown"]["bytes"]))
    check(df["types"][0]["type"] == "Grown", "diff: the top grower is %s" % df["types"][0]["type"])
gw = [x for x in df["growers"] if x["type"] == "Grown"]
check(gw, "diff: Grown has no paths")
if gw:
    sh = gw[0]["shapes"]
    check(sh and sh[0]["count"] == gw[0]["sampled"],
          "diff: the new Grown objects have %d path shapes: %r" % (len(sh), [s["count"] for s in sh]))
    if sh:
        edges = [s["edge"] for s in sh[0]["path"]]
        check("['GROWN']" in edges and any(same(s["addr"], rec["grown"]["list"]) for s in sh[0]["path"]),
              "diff: the path of the new Grown objects misses the global GROWN: %r" % edges)
        check(sh[0]["path"][-1]["type"] == "Grown", "diff: the path ends at %s" % sh[0]["path"][-1]["type"])

for f in fails:
    print("FAIL %s: %s" % (label, f))
print("%s: %d facts checked, %d wrong" % (label, checked, len(fails)))
sys.exit(1 if fails else 0)
PYEOF
    then
        FAILED=$((FAILED + 1))
    elif [ "$FAILED" -eq "$before" ]; then
        echo "OK $label"
    fi
done
[ "$FAILED" -eq 0 ]
