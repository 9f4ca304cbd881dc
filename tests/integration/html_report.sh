#!/bin/bash
# html_report.sh: `refheap report CORE -o report.html` is one self-contained
# page that renders in a real browser and shows the planted suspects.
#
# samples/report_heap.py plants the largest retained set (HOARD) under a
# dict key full of HTML ('<script>...</script><img onerror=...>'), an
# object leaked with ctypes' Py_IncRef, and a garbage cycle; it is dumped
# with gcore. The report is then opened in headless Chromium (Debian's
# chromium package) through the DevTools protocol over a pipe
# (html_check.js, any Node.js) and must:
#   - load with no console error, no exception, and no request beyond the
#     file itself (no network, no external asset), with our one script and
#     no <img> (the key's markup stays text);
#   - hold HOARD among the largest retained sets, with its path from the
#     module root labelled exactly as the interpreter names it:
#     __dict__, ['CACHE'], [KEY] (the HTML shown as text), [('user', 42)];
#   - hold the leaked object among the unaccounted, held from outside the
#     heap, and the cycle's members among the garbage;
#   - expand the first dominator node on a click (its first child hidden
#     before, shown after);
#   - sort the type table by count on a click, descending then ascending.
# Runs on every CPython 3.8+ found; exits 77 if none, or if chromium or
# Node.js is missing (with the package to install).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

SAMPLE=$top_srcdir/samples/report_heap.py
CHECK=$top_srcdir/tests/integration/html_check.js
require_refheap
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium not found (apt-get install chromium)"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs)"
find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

FAILED=0
for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    echo "=== $label ($py)"
    if ! make_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: no core"; FAILED=$((FAILED + 1)); continue
    fi
    run_refheap "$dir/report" report -o "$dir/report.html" "$CORE"
    if [ "$RH_RC" -gt 1 ] || [ ! -s "$dir/report.html" ]; then
        echo "FAIL $label: refheap report exited $(describe_rc "$RH_RC")"
        show_file "$dir/report.err" stderr; FAILED=$((FAILED + 1)); rm -f "$CORE"; continue
    fi
    # Nothing outside the file: no src/href other than in-page anchors.
    if grep -Eo '(src|href)="[^#"][^"]*"' "$dir/report.html" | grep -q .; then
        echo "FAIL $label: the report refers to something outside itself:"
        grep -Eo '(src|href)="[^#"][^"]*"' "$dir/report.html" | head -5; FAILED=$((FAILED + 1))
    fi
    if grep -qF '<script>alert' "$dir/report.html"; then
        echo "FAIL $label: the heap's '<script>' reached the page unescaped"; FAILED=$((FAILED + 1))
    fi
    rec() { "$HOSTPY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$RECORD" "$1"; }
    HOARD=$(rec 'r["hoard"]')
    LEAK=$(rec 'r["leak"]')
    rm -rf "$dir/profile"
    if ! timeout -k 5 "$TIMEOUT" node "$CHECK" "$CHROMIUM" \
            "$dir/report.html" "$dir/profile" "$HOARD" "$LEAK" > "$dir/dom.json" 2> "$dir/dom.err"; then
        echo "FAIL $label: the browser check did not run"
        show_file "$dir/dom.err" stderr; FAILED=$((FAILED + 1)); rm -f "$CORE"; continue
    fi
    rm -rf "$dir/profile"
    if ! "$HOSTPY" - "$dir/dom.json" "$RECORD" <<'EOF'
import json, sys
dom = json.load(open(sys.argv[1]))
rec = json.load(open(sys.argv[2]))
bad = []
if dom["console_errors"]:
    bad.append("console errors: %r" % dom["console_errors"])
if dom["requests"]:
    bad.append("requests beyond the file: %r" % dom["requests"])
if dom["scripts"] != 1 or dom["images"] != 0:
    bad.append("%d <script> and %d <img> elements (want our 1 and none): markup from the "
               "heap was not escaped" % (dom["scripts"], dom["images"]))
h = dom["hoard"]
if not h:
    bad.append("the planted HOARD %s is not among the largest retained sets" % rec["hoard"])
else:
    want = ["__main__", "__dict__"] + rec["hoard_labels"]
    if h["labels"] != want:
        bad.append("HOARD's path is %r, want %r" % (h["labels"], want))
    if h["root"] != "module root":
        bad.append("HOARD's path starts at %r, want the module root" % h["root"])
if not dom["leak"] or "held from outside the heap" not in dom["leak"]:
    bad.append("the leaked object %s is not listed as unaccounted, held from outside: %r"
               % (rec["leak"], dom["leak"]))
missing = [a for a in rec["cycle"] if a not in dom["garbage"]]
if missing:
    bad.append("cycle members %r not among the garbage suspects %r" % (missing, dom["garbage"]))
d = dom["dom"]
if not d:
    bad.append("no expandable dominator node")
elif d["before"] != {"open": False, "childVisible": False} or \
        d["after"] != {"open": True, "childVisible": True}:
    bad.append("expanding dominator node %s: before %r, after %r (child %s)"
               % (d["addr"], d["before"], d["after"], d["child"]))
t = dom["types"]
if t["rows"] < 10 or t["desc"] != sorted(t["desc"], reverse=True) or t["asc"] != sorted(t["asc"]):
    bad.append("sorting the type table by count failed: %r" % t)
for b in bad:
    print("  " + b)
print("  browser: %d console errors, path %s, dominator node %s expands, %d type rows sort"
      % (len(dom["console_errors"]), " > ".join(h["labels"]) if h else "-",
         d and d["addr"], t["rows"]))
sys.exit(1 if bad else 0)
EOF
    then
        echo "FAIL $label: the report as the browser shows it"
        FAILED=$((FAILED + 1))
    else
        echo "ok $label"
    fi
    rm -f "$CORE"
done
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
exit 0
