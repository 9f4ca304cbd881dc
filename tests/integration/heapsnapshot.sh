#!/bin/bash
# heapsnapshot.sh: `refheap export --format=heapsnapshot` writes a Chrome
# DevTools heap snapshot that memlab's own parser reads with the answers
# refheap gives.
#
# The test installs memlab's core library (npm @memlab/core) into
# $top_builddir/node-memlab once (never into the source tree; npm's
# puppeteer download is skipped: the parser needs no browser), dumps
# samples/report_heap.py with gcore and checks, on the memlab side:
#   - node count = refheap's objects + the synthetic nodes, edge count =
#     what the file declares, the objects' strong and borrowed edges =
#     every reference `refheap export` lists (refs + owned), and one edge
#     from a synthetic root category per root record;
#   - HOARD (the sample's largest retained set): its node name is its type,
#     its self size sys.getsizeof(), its retained size (memlab's own
#     dominator computation) equals refheap's and the interpreter's sum,
#     and memlab's shortest retainer path is made of references refheap
#     knows under refheap's labels, from a root refheap lists; from an exact
#     root it is the path `refheap why` prints (under the module root of
#     __main__: __dict__, ['CACHE'], [KEY], [('user', 42)]); from a
#     conservative one (a stale word can be nearer) it may differ;
#   - the weakref's referent is reached by a weak edge;
#   - the ten largest retained sizes of `refheap dominators` are memlab's.
# Runs on every CPython 3.8+ found; exits 77 if none, or if Node.js/npm is
# missing or npm cannot install @memlab/core (the reason printed).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/report_heap.py
CHECK=$top_srcdir/tests/integration/heapsnapshot_check.js
require_refheap
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm not found (apt-get install npm)"
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

MEMLAB=$top_builddir/node-memlab
if [ ! -f "$MEMLAB/node_modules/@memlab/core/package.json" ]; then
    echo "installing @memlab/core into $MEMLAB (npm)"
    mkdir -p "$MEMLAB" && echo '{"private":true}' > "$MEMLAB/package.json"
    if ! (cd "$MEMLAB" && PUPPETEER_SKIP_DOWNLOAD=1 timeout -k 5 600 npm install --no-audit \
            --no-fund --ignore-scripts --loglevel=error @memlab/core > npm.log 2>&1); then
        tail -n 20 "$MEMLAB/npm.log" | sed 's/^/  | /'
        rm -rf "$MEMLAB/node_modules"
        skip "npm could not install @memlab/core (no registry access?); see above"
    fi
fi
echo "memlab: @memlab/core $(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' "$MEMLAB/node_modules/@memlab/core/package.json" | head -1)"

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    echo "=== $label ($py)"
    if ! make_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: no core"; FAILED=$((FAILED + 1)); continue
    fi
    rec() { "$HOSTPY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$RECORD" "$1"; }
    HOARD=$(rec 'r["hoard"]')
    ok=1
    run_refheap "$dir/snap" export --format=heapsnapshot -o "$dir/heap.heapsnapshot" "$CORE"
    [ "$RH_RC" -le 1 ] && [ -s "$dir/heap.heapsnapshot" ] || {
        echo "FAIL $label: export --format=heapsnapshot exited $(describe_rc "$RH_RC")"
        show_file "$dir/snap.err" stderr; ok=0; }
    run_refheap "$dir/export" export --labels "$CORE"
    [ "$RH_RC" -le 1 ] || { echo "FAIL $label: export exited $(describe_rc "$RH_RC")"; ok=0; }
    run_refheap "$dir/why" why --json "$HOARD" "$CORE"
    [ "$RH_RC" -le 1 ] || { echo "FAIL $label: why exited $(describe_rc "$RH_RC")"; ok=0; }
    run_refheap "$dir/dom" dominators --json -n 10 "$CORE"
    [ "$RH_RC" -le 1 ] || { echo "FAIL $label: why exited $(describe_rc "$RH_RC")"; ok=0; }
    if [ $ok -eq 0 ]; then FAILED=$((FAILED + 1)); rm -f "$CORE"; continue; fi
    # Node ids: the objects follow the synthetic nodes in the order of
    # `refheap export`.
    ids=$("$HOSTPY" - "$dir/heap.heapsnapshot" "$dir/export.json" "$RECORD" "$dir/dom.json" <<'EOF'
import json, sys
snap = json.load(open(sys.argv[1]))
nodes = snap["nodes"]
nsyn = 0
while nodes[nsyn * 7] == 9:        # node type "synthetic"
    nsyn += 1
index = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["record"] == "object":
        index[r["addr"]] = len(index)
rec = json.load(open(sys.argv[3]))
dom = json.load(open(sys.argv[4]))
print(*(nodes[(nsyn + index[rec[k]]) * 7 + 2] for k in ("hoard", "watched", "weakref")),
      *(nodes[(nsyn + index[r["addr"]]) * 7 + 2] for r in dom["top"]))
EOF
) || { echo "FAIL $label: the snapshot or the export is not JSON"; FAILED=$((FAILED + 1)); rm -f "$CORE"; continue; }
    # shellcheck disable=SC2086
    if ! NODE_PATH=$MEMLAB/node_modules timeout -k 5 "$TIMEOUT" node "$CHECK" \
            "$dir/heap.heapsnapshot" $ids > "$dir/memlab.json" 2> "$dir/memlab.err"; then
        echo "FAIL $label: memlab could not load the snapshot"
        show_file "$dir/memlab.err" stderr; FAILED=$((FAILED + 1)); rm -f "$CORE"; continue
    fi
    if ! "$HOSTPY" - "$dir/memlab.json" "$dir/heap.heapsnapshot" "$dir/export.json" \
            "$dir/why.json" "$RECORD" "$dir/dom.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
snap = json.load(open(sys.argv[2]))
objects = refs = roots = 0
types, by_index, labelled, root_records = {}, [], {}, []
for line in open(sys.argv[3]):
    r = json.loads(line)
    if r["record"] == "object":
        objects += 1
        refs += len(r.get("refs", [])) + len(r.get("owned", []))
        types[r["addr"]] = (r["type"], r["size"])
        by_index.append(r["addr"])
        labelled[r["addr"]] = set(zip(r.get("labels", []), r.get("refs", []))) | \
            set(zip(r.get("owned_labels", []), r.get("owned", [])))
    elif r["record"] == "root":
        roots += 1
        root_records.append((r["name"], r["addr"]))
why = json.load(open(sys.argv[4]))
rec = json.load(open(sys.argv[5]))
meta = snap["snapshot"]
nodes, edges, strings = snap["nodes"], snap["edges"], snap["strings"]
nsyn = 0
while nodes[nsyn * 7] == 9:
    nsyn += 1
bad = []
if m["nodes"] != objects + nsyn or m["nodes"] != meta["node_count"]:
    bad.append("memlab sees %d nodes; refheap has %d objects + %d synthetic (file says %d)"
               % (m["nodes"], objects, nsyn, meta["node_count"]))
if m["edges"] != meta["edge_count"]:
    bad.append("memlab sees %d edges, the file declares %d" % (m["edges"], meta["edge_count"]))
# Edges per node, straight from the file: objects' strong + borrowed edges
# against export's refs + owned; the weakrefs' weak edges apart; one edge
# from a root category per root record.
pos, obj_edges, weakref_edges, root_edges = 0, 0, 0, 0
for k in range(meta["node_count"]):
    n = nodes[k * 7 + 4]
    for e in range(pos, pos + n):
        etype, name, to = edges[e * 3], edges[e * 3 + 1], edges[e * 3 + 2] // 7
        if k >= nsyn:
            if etype == 6 and strings[name].endswith("(weak)"):
                weakref_edges += 1
            else:
                obj_edges += 1
        elif k > 0 and to >= nsyn and "root" in strings[nodes[k * 7 + 1]]:
            root_edges += 1
    pos += n
if obj_edges != refs:
    bad.append("%d object edges (weakrefs apart) in the snapshot, refheap export lists %d"
               % (obj_edges, refs))
if root_edges != roots:
    bad.append("%d edges from root categories, refheap export lists %d roots" % (root_edges, roots))
node = m.get("node")
hoard_type, hoard_size = types[rec["hoard"]]
if not node:
    bad.append("memlab has no node for HOARD")
else:
    if node["name"] != hoard_type or node["self_size"] != hoard_size:
        bad.append("HOARD node is %s of %d bytes, want %s of %d" % (node["name"], node["self_size"],
                                                                 hoard_type, hoard_size))
    if node["retained"] != why["retained"]["bytes"] or node["retained"] != rec["hoard_retained"]:
        bad.append("HOARD retains %d bytes for memlab, %d for refheap why, %d by the interpreter's sums"
                   % (node["retained"], why["retained"]["bytes"], rec["hoard_retained"]))
    # memlab's path is the shortest from the synthetic root; refheap's
    # first path prefers an exact root to a guess (a conservative word can
    # be nearer). Each step of memlab's path must be a reference refheap
    # knows, under refheap's label, from a root refheap lists; and when
    # memlab's path starts at an exact root, it must be refheap's path.
    steps = [s for s in node["path"] if not s["from_synthetic"]]
    got = [s["edge"] for s in steps]
    addr = lambda node_id: by_index[(node_id - 1) // 2 - nsyn]
    if not steps or not any(r[0] == steps[0]["edge"] and r[1] == addr(steps[0]["to_id"])
                            for r in root_records):
        bad.append("memlab's path %r does not start at a root refheap lists" % got)
    for a, b in zip(steps, steps[1:]):
        if (b["edge"], addr(b["to_id"])) not in labelled[addr(a["to_id"])]:
            bad.append("memlab's step %s -[%s]-> %s is no reference refheap labels so"
                       % (addr(a["to_id"]), b["edge"], addr(b["to_id"])))
    exact = "conservative" not in steps[0]["from_name"] if steps else False
    want = [s["edge"] for s in why["path"]]
    if exact and got != want:
        bad.append("memlab's retainer path %r from an exact root, refheap why's %r" % (got, want))
    if want != ["__main__", "__dict__"] + rec["hoard_labels"]:
        bad.append("refheap why's path %r does not end with __dict__, %r"
                   % ([s["edge"] for s in why["path"]], rec["hoard_labels"]))
    if node["path_from"] != "(Python heap root)":
        bad.append("memlab's path starts at %r, not the synthetic root" % node["path_from"])
# The ten largest retained sizes refheap's dominator tree gives, as memlab
# computes them from the file.
dom = json.load(open(sys.argv[6]))
by_addr = {a: i for i, a in enumerate(by_index)}
for r in dom["top"]:
    nid = 2 * (by_addr[r["addr"]] + nsyn) + 1
    got = m["retained_of"].get(str(nid))
    if got != r["retained"]:
        bad.append("%s %s retains %s bytes for memlab, %d for refheap dominators"
                   % (r["type"], r["addr"], got, r["retained"]))
if not m["weak"] or m["weak"]["type"] != "weak":
    bad.append("no weak edge from the weakref to its referent: %r" % m["weak"])
for b in bad:
    print("  " + b)
print("  memlab: %d nodes, %d edges (%d weak), HOARD retains %s bytes via %s"
      % (m["nodes"], m["edges"], m["weak_edges"], node and node["retained"],
         node and " > ".join(s["edge"] for s in node["path"])))
sys.exit(1 if bad else 0)
EOF
    then
        echo "FAIL $label: memlab's view of the heap snapshot"
        FAILED=$((FAILED + 1))
    else
        echo "ok $label"
    fi
    rm -f "$CORE" "$dir/heap.heapsnapshot"
done
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
exit 0
