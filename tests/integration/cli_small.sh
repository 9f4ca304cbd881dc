#!/bin/bash
# cli_small.sh: the small things a new user trips on.
#   - `refheap why CORE` (address forgotten) says the ADDR is missing, not
#     "no target" (exit 64);
#   - an option a command does not take is named as typed (`gc --top 3`
#     names --top, not '3');
#   - `summary --pid` names the live process once;
#   - two classes sharing a name print with their modules (histogram);
#   - a tuple dict key labels as a tuple: [('user', 42)];
#   - dominators and leaks name the root `why` names (module root __main__
#     for the module's globals), not a frame's globals that repeat it.
# On Debian's python3.11 (the sample is version-independent); exits 77
# without it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/report_heap.py
require_refheap
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "$PY not found (apt-get install python3.11 python3.11-dbg)"
make_core "$PY" "$TESTDIR/s" || { echo "HARNESS ERROR: no core"; exit 99; }
FAILED=0
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

run_refheap "$TESTDIR/why" why "$CORE"
if [ "$RH_RC" -ne 64 ] || ! grep -q "missing ADDR" "$TESTDIR/why.err"; then
    fail "refheap why CORE: want exit 64 saying ADDR is missing, got $(describe_rc "$RH_RC")"
    show_file "$TESTDIR/why.err" stderr
fi
run_refheap "$TESTDIR/gctop" gc --top 3 "$CORE"
if [ "$RH_RC" -ne 64 ] || ! grep -q "option '--top' does not apply" "$TESTDIR/gctop.err"; then
    fail "refheap gc --top 3: want the refused option named '--top'"
    show_file "$TESTDIR/gctop.err" stderr
fi
run_refheap "$TESTDIR/hist" histogram --type Text -n 0 "$CORE"
if ! grep -q "Text (module 'mod_a')" "$TESTDIR/hist.json" || ! grep -q "Text (module 'mod_b')" "$TESTDIR/hist.json"; then
    fail "two classes named Text are not told apart by module"
    show_file "$TESTDIR/hist.json" histogram
fi
HOARD=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hoard"])' "$RECORD")
run_refheap "$TESTDIR/whyh" why "$HOARD" "$CORE"
grep -qF "[('user', 42)]" "$TESTDIR/whyh.json" || { fail "the tuple key is not labelled [('user', 42)]"; show_file "$TESTDIR/whyh.json" why; }
run_refheap "$TESTDIR/dom" dominators --json -n 5 "$CORE"
run_refheap "$TESTDIR/leaks" leaks --json -n 5 "$CORE"
if ! "$PY" - "$TESTDIR/dom.json" "$TESTDIR/leaks.json" "$HOARD" <<'EOF'
import json, sys
dom = json.load(open(sys.argv[1]))
leaks = json.load(open(sys.argv[2]))
hoard = sys.argv[3]
bad = []
for what, rows in (("dominators", dom["top"]), ("leaks", leaks["retained"]["top"])):
    row = next((r for r in rows if r["addr"] == hoard), None)
    if not row:
        bad.append("%s: HOARD %s not listed" % (what, hoard))
        continue
    h = row["held_by"]
    name = (h.get("root") or {}).get("name") if isinstance(h.get("root"), dict) else h.get("name")
    if "__main__" != name and "__main__" not in json.dumps(h):
        bad.append("%s: HOARD held by %r, want the module root __main__" % (what, h))
    if "frame globals" in json.dumps(h):
        bad.append("%s: HOARD's holder is a frame's globals: %r" % (what, h))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
then
    fail "dominators/leaks name another holder than why"
fi

# A live process: its pid once in the summary's first line.
"$PY" -c 'import time; time.sleep(120)' &
LIVE=$!
CHILD_PIDS+=("$LIVE")
sleep 0.5
run_refheap "$TESTDIR/live" summary --pid "$LIVE"
first=$(head -n 1 "$TESTDIR/live.json")
n=$(grep -o "$LIVE" <<< "$first" | wc -l)
[ "$RH_RC" -le 1 ] && [ "$n" -eq 1 ] || fail "summary --pid: first line '$first' names pid $LIVE $n times (exit $(describe_rc "$RH_RC"))"
kill "$LIVE" 2>/dev/null; reap "$LIVE"
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
echo "ok: why without ADDR, refused option named, live pid once, classes by module, tuple key, holders as why"
exit 0
