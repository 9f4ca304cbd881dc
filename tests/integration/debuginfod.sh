#!/bin/bash
# debuginfod.sh: when no local debug file matches the interpreter's
# build-id, refheap asks the servers in DEBUGINFOD_URLS through elfutils'
# libdebuginfod, says so on stderr, and reads the heap with what it gets.
#
# Debian's /usr/bin/python3.11 runs the bundled sample and is dumped with
# gcore. Debian's debuginfod server then runs on loopback over a directory
# holding only python3.11-dbg's debug file for that build-id, and the local
# copy is hidden (REFHEAP_NO_DEFAULT_DEBUG_DIRS=1: /usr/lib/debug is not
# searched). Checked:
#   - with --no-debuginfod: exit 6 (missing debug info), the message says
#     debuginfod was not asked because of the option;
#   - with DEBUGINFOD_URLS pointing at the server and an empty client
#     cache: the summary matches the interpreter's own record exactly, the
#     debug file is the one in the client cache (same bytes as the dbg
#     package's), stderr says it asked debuginfod and where the file came
#     from, and the server logged the request;
#   - with the server stopped, the client cache still serves the file;
#   - with DEBUGINFOD_URLS pointing at a closed port and an empty cache:
#     exit 6, and the message says the servers could not be reached.
# Exits 77 when the debuginfod server, python3.11 with python3.11-dbg, or a
# refheap built with libdebuginfod is missing (the package named).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
command -v debuginfod >/dev/null 2>&1 || skip "the debuginfod server is not installed (apt-get install debuginfod)"
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "$PY not found (apt-get install python3.11 python3.11-dbg)"
HOSTPY=$PY
COMPARE=$top_srcdir/tests/integration/compare_summary.py

if ! make_core "$PY" "$TESTDIR/sample"; then
    echo "HARNESS ERROR: no core of $PY"; exit 99
fi
# Where the local debug file is (the dbg package's), from a normal run.
run_refheap "$TESTDIR/local" summary --json --no-cache "$CORE"
[ "$RH_RC" -eq 6 ] && skip "no local debug info for $PY (apt-get install python3.11-dbg)"
[ "$RH_RC" -le 1 ] || { echo "FAIL: refheap summary exited $(describe_rc "$RH_RC")"; show_file "$TESTDIR/local.err"; exit 1; }
DEBUG_FILE=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["python"]["debug_file"])' "$TESTDIR/local.json")
BUILD_ID=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["python"]["build_id"])' "$TESTDIR/local.json")
echo "local debug file: $DEBUG_FILE (build-id $BUILD_ID)"
[ -f "$DEBUG_FILE" ] || { echo "HARNESS ERROR: $DEBUG_FILE is not a file"; exit 99; }

export REFHEAP_NO_DEFAULT_DEBUG_DIRS=1
FAILED=0

# 1. Local copy hidden, debuginfod off.
DEBUGINFOD_URLS=http://127.0.0.1:9 run_refheap "$TESTDIR/off" summary --json --no-cache --no-debuginfod "$CORE"
if [ "$RH_RC" -ne 6 ] || ! grep -q 'debuginfod not asked (--no-debuginfod)' "$TESTDIR/off.err"; then
    echo "FAIL: with the local copy hidden and --no-debuginfod, want exit 6 naming the option, got $(describe_rc "$RH_RC")"
    show_file "$TESTDIR/off.err" stderr; FAILED=$((FAILED + 1))
else
    echo "ok: hidden local copy and --no-debuginfod: exit 6"
fi

# 2. The server, over a directory with the dbg package's debug file only.
mkdir -p "$TESTDIR/srv" "$TESTDIR/cache"
cp "$DEBUG_FILE" "$TESTDIR/srv/python3.11.debug"
PORT=
for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    debuginfod -F "$TESTDIR/srv" -p "$port" -d "$TESTDIR/db-$port.sqlite" -t 0 -g 0 -vvv \
        > "$TESTDIR/server.log" 2>&1 &
    SERVER=$!
    CHILD_PIDS+=("$SERVER")
    # Ready when it serves the debug file it scanned.
    ready() {
        proc_alive "$SERVER" && "$HOSTPY" -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read(4)' \
            "http://127.0.0.1:$port/buildid/$BUILD_ID/debuginfo" 2>/dev/null
    }
    if wait_until 30 "debuginfod on port $port to serve the debug file" ready; then
        PORT=$port; break
    fi
    kill "$SERVER" 2>/dev/null; reap "$SERVER"
done
[ -n "$PORT" ] || { echo "HARNESS ERROR: debuginfod did not start"; show_file "$TESTDIR/server.log"; exit 99; }
echo "debuginfod serving $TESTDIR/srv on 127.0.0.1:$PORT"

export DEBUGINFOD_CACHE_PATH=$TESTDIR/cache DEBUGINFOD_TIMEOUT=20
DEBUGINFOD_URLS=http://127.0.0.1:$PORT run_refheap "$TESTDIR/fetch" summary --json --no-cache "$CORE"
got=$("$HOSTPY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["python"]["debug_file"])' "$TESTDIR/fetch.json" 2>/dev/null)
if [ "$RH_RC" -gt 1 ]; then
    echo "FAIL: through debuginfod, refheap summary exited $(describe_rc "$RH_RC")"
    show_file "$TESTDIR/fetch.err" stderr; FAILED=$((FAILED + 1))
elif [ "${got#"$TESTDIR/cache/"}" = "$got" ] || ! cmp -s "$got" "$DEBUG_FILE"; then
    echo "FAIL: the debug file used is '$got', not the dbg package's file from the debuginfod client cache"
    FAILED=$((FAILED + 1))
elif ! grep -q "asking debuginfod (http://127.0.0.1:$PORT)" "$TESTDIR/fetch.err" ||
     ! grep -qF "from debuginfod: $got" "$TESTDIR/fetch.err"; then
    echo "FAIL: stderr does not say that debuginfod was asked and answered:"
    show_file "$TESTDIR/fetch.err" stderr; FAILED=$((FAILED + 1))
elif ! grep -q "buildid/$BUILD_ID/debuginfo" "$TESTDIR/server.log"; then
    echo "FAIL: the server logged no request for $BUILD_ID"; FAILED=$((FAILED + 1))
elif ! "$HOSTPY" "$COMPARE" "$RECORD" "$TESTDIR/fetch.json" --label debuginfod --kind core; then
    echo "FAIL: the summary read with debuginfod's file differs from the interpreter's record"
    FAILED=$((FAILED + 1))
else
    echo "ok: fetched from debuginfod, summary exact"
    sed 's/^/  | /' "$TESTDIR/fetch.err"
fi

# 3. Server gone: libdebuginfod's cache answers.
kill "$SERVER" 2>/dev/null; reap "$SERVER"
DEBUGINFOD_URLS=http://127.0.0.1:$PORT run_refheap "$TESTDIR/cached" summary --json --no-cache "$CORE"
if [ "$RH_RC" -gt 1 ] || ! grep -qF "from debuginfod: $got" "$TESTDIR/cached.err"; then
    echo "FAIL: with the server stopped, the client cache did not serve the file ($(describe_rc "$RH_RC"))"
    show_file "$TESTDIR/cached.err" stderr; FAILED=$((FAILED + 1))
else
    echo "ok: server stopped, the client cache served it"
fi

# 4. Nobody listening, empty cache.
export DEBUGINFOD_CACHE_PATH=$TESTDIR/cache2
DEBUGINFOD_URLS=http://127.0.0.1:$PORT run_refheap "$TESTDIR/down" summary --json --no-cache "$CORE"
if [ "$RH_RC" -ne 6 ] || ! grep -q 'could not be reached' "$TESTDIR/down.err"; then
    echo "FAIL: with no server and no cache, want exit 6 saying the servers could not be reached, got $(describe_rc "$RH_RC")"
    show_file "$TESTDIR/down.err" stderr; FAILED=$((FAILED + 1))
else
    echo "ok: no server, no cache: exit 6"
    sed 's/^/  | /' "$TESTDIR/down.err"
fi
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
exit 0
