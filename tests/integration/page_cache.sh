#!/bin/bash
# page_cache.sh: a snapshot just built hands its object and edge arrays to
# the page cache (heap/snapshot_cache.c adopt_section): a private mapping
# of the file they were written to replaces each array in place. Checked
# on a live process of about 1.2 million objects (each array 1 MiB or more) (an unnamed file in the
# cache directory: nothing is left there) and on its core (the snapshot
# cache file):
#   - --stats says the arrays went to the page cache, all nine
#     (--verbose writes them before the analyses, so the count is final);
#   - the output is the same as with --no-cache, where they stay in
#     anonymous memory, and as a warm run mapped from the cache file;
#   - the live process's snapshot leaves no file in the cache directory;
#   - the peak of anonymous memory is lower than with --no-cache (for
#     `dominators`, whose tree comes on top of the snapshot);
#   - with the file written on a thread while the command goes on (no
#     --verbose), the analyses wait for the arrays to be in the page cache
#     (rh_snapshot_wait_paged): --stats says how long, and the peak is the
#     one of the run that wrote them before the analyses (a cold `leaks`
#     at 10M objects peaked at 47.5-51.1 bytes an object, not 45.7, in
#     the runs whose referrers came first);
#   - --stats says how the core is mapped (target/core.c
#     rh_target_core_mapping, from /proc/self/smaps): all of it resident
#     (populated whole before the snapshot), no more of it with 2 MiB
#     entries than is resident; nothing of the kind for a live process.
# Debian's python3.11; exits 77 without it.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "$PY not found (apt-get install python3.11 python3.11-dbg)"
enough_space "$TESTDIR/" 1024 || skip "not enough disk for a core in $TESTDIR"
FAILED=0
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# 150,000 groups of a dict, a list, a tuple, strings and ints, then wait.
"$PY" -I -c '
import sys, time
keep = []
for i in range(150000):
    d = {"n": i, "s": "v%d" % i, "l": [i, str(i), (i, -i)]}
    d["self"] = [d, d["l"]]
    keep.append(d)
print("READY", flush=True)
time.sleep(600)
' > "$TESTDIR/live.out" 2> "$TESTDIR/live.err" &
LIVE=$!
CHILD_PIDS+=("$LIVE")
WAIT_ALIVE=$LIVE wait_until "$TIMEOUT" "the heap to be built" grep -qx READY "$TESTDIR/live.out" ||
    hard_error "the live sample did not start: $(head -c 300 "$TESTDIR/live.err")"

# stats_moved ERR: "N MIB" from --stats' page-cache line, or empty
stats_moved() {
    sed -n "s/.*the snapshot's arrays in the page cache: \([0-9]*\) of [0-9]*, \([0-9.]*\) MiB.*/\1 \2/p" "$1"
}
stats_peak() {
    sed -n 's/.*peak RSS beyond file-backed pages \([0-9.]*\) MiB.*/\1/p' "$1"
}

check() {   # LABEL TARGET-ARGS... : the cached run against --no-cache
    local label=$1 cache=$TESTDIR/cache-$1 moved peak npeak
    shift
    run_refheap "$TESTDIR/$label-c" dominators -n 20 --stats --verbose --cache-dir "$cache" "$@"
    [ "$RH_RC" -le 1 ] || { fail "$label: dominators exited $(describe_rc "$RH_RC")"; show_file "$TESTDIR/$label-c.err" stderr; return; }
    run_refheap "$TESTDIR/$label-n" dominators -n 20 --stats --no-cache "$@"
    [ "$RH_RC" -le 1 ] || { fail "$label: dominators --no-cache exited $(describe_rc "$RH_RC")"; return; }
    cmp -s "$TESTDIR/$label-c.json" "$TESTDIR/$label-n.json" ||
        fail "$label: dominators with the arrays in the page cache differs from --no-cache"
    moved=$(stats_moved "$TESTDIR/$label-c.err")
    if [ -z "$moved" ] || [ "${moved%% *}" -lt "$WANT_ARRAYS" ]; then
        fail "$label: want $WANT_ARRAYS arrays or more in the page cache, --stats says '${moved:-nothing}'"
        show_file "$TESTDIR/$label-c.err" stderr
    fi
    peak=$(stats_peak "$TESTDIR/$label-c.err")
    npeak=$(stats_peak "$TESTDIR/$label-n.err")
    echo "$label: arrays in the page cache: ${moved:-none} MiB; peak anonymous ${peak:-?} MiB, ${npeak:-?} with --no-cache"
    awk -v a="${peak:-0}" -v b="${npeak:-0}" 'BEGIN { exit !(a > 0 && a < b) }' ||
        fail "$label: peak anonymous memory ${peak:-?} MiB is not below --no-cache's ${npeak:-?}"
}

WANT_ARRAYS=9
check live --pid "$LIVE"
left=$(find "$TESTDIR/cache-live/snapshots" -type f 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || fail "the live snapshot left $left file(s) in the cache directory"

gcore_stopped "$LIVE" "$TESTDIR" || hard_error "no core of the live sample"
kill "$LIVE" 2>/dev/null; reap "$LIVE"
check core "$TESTDIR/core"
ls "$TESTDIR/cache-core/snapshots/"*.snap > /dev/null 2>&1 || fail "the core's snapshot cache file is missing"
run_refheap "$TESTDIR/core-w" dominators -n 20 --stats --cache-dir "$TESTDIR/cache-core" "$TESTDIR/core"
grep -q 'snapshot mapped from the snapshot cache' "$TESTDIR/core-w.err" ||
    fail "the second run did not map the snapshot cache file"
cmp -s "$TESTDIR/core-w.json" "$TESTDIR/core-n.json" || fail "the warm run differs from --no-cache"

# core_mapping ERR: "RESIDENT HUGE" in MiB from --stats, or empty
core_mapping() {
    sed -n "s/.*the core's pages: \([0-9.]*\) MiB resident, \([0-9.]*\) MiB (.*) mapped with 2 MiB entries.*/\1 \2/p" "$1"
}
grep -q "the core's pages" "$TESTDIR/live-n.err" && fail "--stats describes a core's mapping for a live process"
mapping=$(core_mapping "$TESTDIR/core-n.err")
core_mib=$(awk -v b="$(stat -c %s "$TESTDIR/core")" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "core mapping: ${mapping:-?} MiB resident and with 2 MiB entries, of a ${core_mib} MiB core"
if [ -z "$mapping" ]; then
    fail "--stats does not say how the core is mapped"
    show_file "$TESTDIR/core-n.err" stderr
else
    awk -v r="${mapping% *}" -v h="${mapping#* }" -v c="$core_mib" \
        'BEGIN { exit !(r >= c - 0.1 && r <= c + 0.1 && h >= 0 && h <= r) }' ||
        fail "core mapping '${mapping}' MiB: want all ${core_mib} MiB resident, and no more than that with 2 MiB entries"
fi

# Cold again, the file written on a thread (no --verbose), which is made
# 400 ms late after the index: the analyses wait that long.
REFHEAP_TEST_WRITER_DELAY_MS=400 \
    run_refheap "$TESTDIR/core-t" dominators -n 20 --stats --jobs 2 --cache-dir "$TESTDIR/cache-core-t" "$TESTDIR/core"
[ "$RH_RC" -le 1 ] || fail "dominators with the writer on a thread exited $(describe_rc "$RH_RC")"
cmp -s "$TESTDIR/core-t.json" "$TESTDIR/core-n.json" || fail "the run with the writer on a thread differs from --no-cache"
waited=$(sed -n "s/.*the analyses waited \([0-9.]*\) s for them.*/\1/p" "$TESTDIR/core-t.err")
tpeak=$(stats_peak "$TESTDIR/core-t.err")
vpeak=$(stats_peak "$TESTDIR/core-c.err")
echo "writer on a thread: the analyses waited ${waited:-?} s for the arrays; peak anonymous ${tpeak:-?} MiB, ${vpeak:-?} with --verbose"
awk -v w="${waited:-0}" 'BEGIN { exit !(w >= 0.3) }' ||
    { fail "the analyses waited ${waited:-?} s for a writer 400 ms late, want 0.3 s or more"; show_file "$TESTDIR/core-t.err" stderr; }
awk -v a="${tpeak:-0}" -v b="${vpeak:-0}" 'BEGIN { exit !(a > 0 && b > 0 && a <= b + 2) }' ||
    fail "peak anonymous memory ${tpeak:-?} MiB with the writer on a thread, ${vpeak:-?} MiB when it wrote before the analyses"
[ $FAILED -eq 0 ] || { echo "$FAILED failure(s)"; exit 1; }
echo "ok"
