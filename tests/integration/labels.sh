#!/bin/bash
# labels.sh: refheap names references and describes objects as Python would.
#
# samples/labels_heap.py builds containers, instances, slots and a closure
# that hold marker objects, records which label each reference must get
# ("['alpha']", "[17]", "[2]", ".second", "cell_contents", an attribute name)
# and the repr of a few objects, then stops itself. The core is dumped with
# gcore and `refheap export --labels --repr` must give exactly those labels
# and reprs. Runs on every CPython 3.8+ found; exits 77 if there is none.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/labels_heap.py
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    py_dir "$py" "$dir" || { FAILED=1; continue; }
    echo "=== $label ($py)"
    py_exec "$py" "$SAMPLE" --out "$dir/record.json" > "$dir/sample.out" 2>&1 &
    pid=$!
    CHILD_PIDS+=("$pid")
    if ! WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to stop itself" proc_group_stopped "$pid"; then
        echo "HARNESS ERROR $label: the sample did not stop"; show_file "$dir/sample.out" output
        FAILED=1; continue
    fi
    gcore_stopped "$pid" "$dir"
    dumped=$?
    kill -KILL "$pid" 2>/dev/null
    reap "$pid"
    if [ $dumped -ne 0 ]; then
        echo "HARNESS ERROR $label: no core"
        FAILED=1; continue
    fi
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --labels --repr --no-alloc-scan "$dir/core" \
        > "$dir/export.jsonl" 2> "$dir/export.err"
    rc=$?
    rm -f "$dir/core"
    if [ $rc -gt 1 ]; then
        echo "FAIL $label: refheap export exited $(describe_rc $rc)"; show_file "$dir/export.err" stderr
        FAILED=1; continue
    fi
    if ! "$HOSTPY" - "$dir/record.json" "$dir/export.jsonl" "$label" <<'PYEOF'
import json, sys
rec = json.load(open(sys.argv[1]))
objs = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o.get("record") == "object":
        objs[int(o["addr"], 16)] = o
fails, checked = [], 0

def labels_of(src, dst):
    o = objs.get(int(src, 16))
    if o is None:
        return None
    return [l for r, l in zip(o.get("refs", []), o.get("labels", []))
            if int(r, 16) == int(dst, 16)]

for src, dst, want in rec["edges"]:
    got = labels_of(src, dst)
    checked += 1
    if got is None:
        fails.append("holder %s is not in the export" % src)
    elif not any(g in want for g in got):
        fails.append("%s -> %s: labels %r, expected one of %r" % (src, dst, got, want))
a = rec["attr"]
checked += 1
direct = labels_of(a["instance"], a["value"]) or []
if ".attr" not in direct:
    via = a["dict"] and (labels_of(a["instance"], a["dict"]) or [])
    inner = a["dict"] and (labels_of(a["dict"], a["value"]) or [])
    if not (via and "__dict__" in via and inner and "['attr']" in inner):
        fails.append("attribute: instance -> value labels %r; via __dict__ %r / %r"
                     % (direct, via, inner))
for addr, want in rec["reprs"].items():
    o = objs.get(int(addr, 16))
    checked += 1
    if o is None:
        fails.append("object %s (repr %s) is not in the export" % (addr, want))
    elif o.get("repr") != want:
        fails.append("repr of %s: %r, expected %r" % (addr, o.get("repr"), want))
for f in fails:
    print("FAIL %s: %s" % (sys.argv[3], f))
print("%s: %d labels and reprs checked, %d wrong" % (sys.argv[3], checked, len(fails)))
sys.exit(1 if fails else 0)
PYEOF
    then
        FAILED=1
    else
        echo "OK $label"
    fi
done
exit $FAILED
