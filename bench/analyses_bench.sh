#!/bin/bash
# analyses_bench.sh: how fast are `refheap why`, `gc`, `dominators` and
# `histogram` on big heaps?  (A benchmark, not a test: it prints a table
# and never fails on a missed target.)
#
#   bench/analyses_bench.sh [SIZES [SCRATCH [PY]]]
#     SIZES    object counts to build (default "1000000 10000000")
#     SCRATCH  work directory (default /tmp/refheap-bench; the 10M core is
#              about 0.8 GB)
#     PY       interpreter (default: pyenv's 3.11.7, found at run time)
#   Environment: REFHEAP (default ./refheap, else build/normal/refheap).
#
# For each size, bench/mkheap.py builds the heap, stops itself and is dumped
# with gcore. Each command then runs on the core with a warm layout cache
# and no cached snapshot (the snapshot is rebuilt: "snapshot included"), and
# its wall time, peak RSS and --stats breakdown are printed. `why` is asked
# about an object in the middle of the heap. Targets on a 2-core machine:
# each command <= 1.5 s at 1M objects and <= 10 s at 10M.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SIZES=${1:-${SIZES:-1000000 10000000}}
SCRATCH=${2:-${SCRATCH:-/tmp/refheap-bench}}
PY=${3:-${PY:-}}
TIMEOUT=${BENCH_TIMEOUT:-1800}

die() { echo "analyses_bench.sh: $*" >&2; exit 1; }

if [ -z "$PY" ]; then
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    PY=$root/versions/3.11.7/bin/python3.11
fi
[ -x "$PY" ] || die "no interpreter at $PY (pass PY)"
if [ -z "${REFHEAP:-}" ]; then
    for r in "$repo/refheap" "$repo/build/normal/refheap"; do
        [ -x "$r" ] && { REFHEAP=$r; break; }
    done
fi
[ -x "${REFHEAP:-}" ] || die "refheap not built (set REFHEAP)"
command -v gcore >/dev/null 2>&1 || die "gcore not found (apt-get install gdb)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
CACHE=$SCRATCH/cache
echo "refheap: $REFHEAP"
echo "python:  $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

# timed LOG CMD...: run CMD (stdout to LOG.out); sets WALL (s) and RSS (MiB)
timed() {
    local log=$1 t0 t1 rc
    shift
    rm -rf "$CACHE/snapshots"
    t0=$(date +%s%N)
    timeout "$TIMEOUT" /usr/bin/time -f '%M' -o "$log.time" "$@" > "$log.out" 2> "$log.err"
    rc=$?
    t1=$(date +%s%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    RSS=$(awk '/^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$log.time")
    [ $rc -le 1 ] || echo "  ($* exited $rc: $(head -c 300 "$log.err"))"
    return 0
}

ROWS=()
for n in $SIZES; do
    echo
    echo "=== $n objects"
    rm -f "$SCRATCH/core.a$n"
    "$PY" "$here/mkheap.py" "$n" --out "$SCRATCH/aheap.$n.json" > "$SCRATCH/agen.$n.out" 2>&1 &
    pid=$!
    deadline=$(( $(date +%s) + TIMEOUT ))
    until grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die "mkheap.py failed: $(tail -n 5 "$SCRATCH/agen.$n.out")"
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out building the heap"
        sleep 0.5
    done
    echo 0x37 > "/proc/$pid/coredump_filter"
    gcore -o "$SCRATCH/core.a$n" "$pid" > /dev/null 2>&1
    mv "$SCRATCH/core.a$n.$pid" "$SCRATCH/core.a$n" 2>/dev/null
    kill -KILL "$pid"; wait "$pid" 2>/dev/null
    core=$SCRATCH/core.a$n
    [ -s "$core" ] || die "gcore wrote no core"
    # warm the layout cache; pick an object half-way through the table
    "$REFHEAP" summary --cache-dir "$CACHE" "$core" > /dev/null 2>&1
    objects=$("$REFHEAP" export --no-alloc-scan --cache-dir "$CACHE" "$core" 2>/dev/null |
              awk 'NR == 1 { next } { n++ } END { print n }')
    addr=$("$REFHEAP" export --no-alloc-scan --cache-dir "$CACHE" "$core" 2>/dev/null |
           sed -n "$(( objects / 2 ))p" | sed -n 's/.*"addr":"\(0x[0-9a-f]*\)".*/\1/p')
    echo "core: $(( $(stat -c %s "$core") / 1048576 )) MiB; why asks about $addr"
    row=$(printf '%-9s' "$n")
    for cmd in "why $addr" gc "dominators --top 20" histogram; do
        name=${cmd%% *}
        # shellcheck disable=SC2086
        timed "$SCRATCH/a-$name.$n" "$REFHEAP" $cmd --stats --cache-dir "$CACHE" "$core"
        stats=$(grep 'stats: analyses' "$SCRATCH/a-$name.$n.err" | sed 's/^refheap: stats: //')
        snap=$(sed -n 's/.*snapshot \([0-9.]*\) s.*/\1/p' "$SCRATCH/a-$name.$n.err" | head -1)
        echo "$name: ${WALL}s wall, peak RSS ${RSS} MiB (snapshot ${snap:-?}s; $stats)"
        row+=$(printf ' %10s' "${WALL}s")
    done
    case $n in
        1000000) target=1.5 ;;
        10000000) target=10 ;;
        *) target= ;;
    esac
    ROWS+=("$row  ${target:+target <= ${target}s each}")
    rm -f "$core"
done

echo
echo "=== wall time per command (snapshot included, warm layout cache)"
printf '%-9s %10s %10s %10s %10s\n' objects why gc dominators histogram
printf '%s\n' "${ROWS[@]}"
