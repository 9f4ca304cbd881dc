#!/bin/bash
# summary_bench.sh: how fast is `refheap summary` on big heaps?  (A benchmark,
# not a test: it prints a table and never fails on a missed target.)
#
#   bench/summary_bench.sh [SIZES [SCRATCH [PY]]]
#     SIZES    object counts to build (default "1000000 10000000")
#     SCRATCH  work directory for cores and logs (default /tmp/refheap-bench;
#              the 10M core is about 0.8 GB)
#     PY       interpreter (default: pyenv's 3.11.7, found at run time)
#   Environment: REFHEAP (default ./refheap, else build/normal/refheap),
#   SHARED_BENCH (the project's shared baselines; default ../shared/bench
#   beside the repository, used only if present).
#
# For each size: bench/mkheap.py builds the heap and times its own full
# gc.collect() in the same run, stops itself, and is dumped with gcore.  Then
# refheap summary runs cold (--no-cache; and with an emptied layout cache)
# and warm (layouts from the cache, best of 3), each timed for wall time and
# peak RSS (/usr/bin/time).  If the shared baselines are there, GDB's Python
# API walk of the same core (gdb_walk.py, raw mode) is timed for comparison.
# Targets: summary <= 0.5 s at 1M objects, <= 2 s at 10M.
# Then, on the same core, the whole graph: `refheap export --stats` (every
# object, reference and root, written to /dev/null), with its wall time, the
# snapshot's own time and the resident memory per object beyond the mapped
# core that refheap reports. Targets: snapshot <= 1 s at 1M, <= 6 s at 10M,
# <= 64 bytes per object.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SIZES=${1:-${SIZES:-1000000 10000000}}
SCRATCH=${2:-${SCRATCH:-/tmp/refheap-bench}}
PY=${3:-${PY:-}}
TIMEOUT=${BENCH_TIMEOUT:-1800}

die() { echo "summary_bench.sh: $*" >&2; exit 1; }

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
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y time >/dev/null || die "cannot install the time package"
    else
        die "/usr/bin/time missing: apt-get install time"
    fi
fi
SHARED_BENCH=${SHARED_BENCH:-$repo/../shared/bench}
[ -f "$SHARED_BENCH/gdb_walk.py" ] || SHARED_BENCH=
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
echo "refheap: $REFHEAP"
echo "python:  $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
echo "scratch: $SCRATCH"
[ -n "$SHARED_BENCH" ] && echo "gdb baseline: $SHARED_BENCH/gdb_walk.py" ||
    echo "gdb baseline: not found (set SHARED_BENCH)"

# timed LOG CMD...: run CMD (stdout to LOG.out); sets WALL (s) and RSS (MiB)
timed() {
    local log=$1 t0 t1 rc
    shift
    t0=$(date +%s%N)
    timeout "$TIMEOUT" /usr/bin/time -f '%M' -o "$log.time" "$@" > "$log.out" 2> "$log.err"
    rc=$?
    t1=$(date +%s%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    RSS=$(awk '/^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$log.time")
    if [ $rc -ne 0 ]; then
        echo "  ($* exited $rc: $(head -c 300 "$log.err"))"
    fi
    return $rc
}

jsonval() {  # jsonval FILE KEY.PATH
    "$PY" -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2" 2>/dev/null
}

ROWS=()
XROWS=()
for n in $SIZES; do
    tag=$n
    echo
    echo "=== $n objects"
    rm -f "$SCRATCH/core.$tag" "$SCRATCH/gen.$tag.out"
    "$PY" "$here/mkheap.py" "$n" --out "$SCRATCH/heap.$tag.json" > "$SCRATCH/gen.$tag.out" 2>&1 &
    pid=$!
    deadline=$(( $(date +%s) + TIMEOUT ))
    until grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die "mkheap.py failed: $(tail -n 5 "$SCRATCH/gen.$tag.out")"
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out building the heap"
        sleep 0.5
    done
    echo 0x37 > "/proc/$pid/coredump_filter"
    timed "$SCRATCH/gcore.$tag" gcore -o "$SCRATCH/core.$tag" "$pid"
    gcore_s=$WALL
    mv "$SCRATCH/core.$tag.$pid" "$SCRATCH/core.$tag" 2>/dev/null
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    core=$SCRATCH/core.$tag
    [ -s "$core" ] || die "gcore wrote no core"
    core_mib=$(( $(stat -c %s "$core") / 1048576 ))
    gc_s=$(printf '%.3f' "$(jsonval "$SCRATCH/heap.$tag.json" gc_collect_full_s)")
    echo "core: $core_mib MiB (gcore ${gcore_s}s); in-process full gc.collect(): ${gc_s}s"

    timed "$SCRATCH/rh-nocache.$tag" "$REFHEAP" summary --json --no-cache "$core"
    nocache_s=$WALL nocache_rss=$RSS
    tracked=$(jsonval "$SCRATCH/rh-nocache.$tag.out" objects.tracked)
    rm -rf "$SCRATCH/cache"
    timed "$SCRATCH/rh-cold.$tag" "$REFHEAP" summary --json --cache-dir "$SCRATCH/cache" "$core"
    cold_s=$WALL cold_rss=$RSS
    warm_s='' warm_rss=''
    for k in 1 2 3; do
        timed "$SCRATCH/rh-warm$k.$tag" "$REFHEAP" summary --json --cache-dir "$SCRATCH/cache" "$core"
        if [ -z "$warm_s" ] || awk -v a="$WALL" -v b="$warm_s" 'BEGIN { exit !(a < b) }'; then
            warm_s=$WALL warm_rss=$RSS
        fi
    done
    echo "refheap: --no-cache ${nocache_s}s ${nocache_rss} MiB; emptied cache ${cold_s}s ${cold_rss} MiB; warm best ${warm_s}s ${warm_rss} MiB; tracked ${tracked:-?} (CPython, just before stopping: $(jsonval "$SCRATCH/heap.$tag.json" tracked_at_stop))"

    gdb_s=-
    if [ -n "$SHARED_BENCH" ]; then
        if WALK_MODE=raw timed "$SCRATCH/gdbwalk.$tag" gdb -batch -nx \
                -iex 'set debuginfod enabled off' -x "$SHARED_BENCH/gdb_walk.py" "$PY" "$core"; then
            walk=$(sed -n 's/^ *"walk_s": \([0-9.]*\).*/\1/p' "$SCRATCH/gdbwalk.$tag.out")
            gdb_s="${walk:-?}s (total ${WALL}s)"
        else
            gdb_s="failed"
        fi
        echo "gdb raw walk: $gdb_s"
    fi

    timed "$SCRATCH/rh-export.$tag" "$REFHEAP" export --stats --cache-dir "$SCRATCH/cache" -o /dev/null "$core"
    export_s=$WALL export_rss=$RSS
    stats=$(sed -n 's/^refheap: stats: //p' "$SCRATCH/rh-export.$tag.err")
    snap_s=$(echo "$stats" | sed -n 's/.*snapshot \([0-9.]*\) s.*/\1/p')
    objs=$(echo "$stats" | sed -n 's/^\([0-9]*\) objects.*/\1/p')
    bpo=$(echo "$stats" | sed -n 's/.*MiB (\([0-9.]*\) bytes\/object).*/\1/p')
    echo "refheap export: ${export_s}s wall (snapshot ${snap_s:-?}s), peak RSS ${export_rss} MiB; $stats"
    case $n in
        1000000) xtarget=1 ;;
        10000000) xtarget=6 ;;
        *) xtarget= ;;
    esac
    xverdict=
    if [ -n "$xtarget" ] && [ -n "$snap_s" ]; then
        xverdict=$(awk -v s="$snap_s" -v t="$xtarget" -v b="${bpo:-0}" 'BEGIN {
            printf "<= %ss: %s; <= 64 B/object: %s", t, (s <= t ? "met" : "MISSED"), (b <= 64 ? "met" : "MISSED") }')
    fi
    XROWS+=("$(printf '%-9s %-9s %9s %9s  %8s  %8s  %10s  %s' \
        "$n" "${objs:-?}" "${snap_s:-?}s" "${export_s}s" "${export_rss}M" "${bpo:-?}" "${gc_s}s" "$xverdict")")

    case $n in
        1000000) target=0.5 ;;
        10000000) target=2 ;;
        *) target= ;;
    esac
    verdict=
    if [ -n "$target" ]; then
        verdict=$(awk -v w="$warm_s" -v c="$cold_s" -v t="$target" 'BEGIN {
            printf "<= %ss: warm %s, cold %s", t, (w <= t ? "met" : "MISSED"), (c <= t ? "met" : "MISSED") }')
    fi
    ROWS+=("$(printf '%-9s %-9s %7s  %8s %8s %8s  %7s  %10s  %s  %s' \
        "$n" "${tracked:-?}" "${core_mib}M" "${nocache_s}s" "${cold_s}s" "${warm_s}s" \
        "${warm_rss}M" "${gc_s}s" "$gdb_s" "$verdict")")
    rm -f "$core"
done

echo
echo "=== refheap summary (wall time; peak RSS of the warm run)"
printf '%-9s %-9s %7s  %8s %8s %8s  %7s  %10s  %s  %s\n' \
    objects tracked core no-cache cold warm RSS gc.collect "gdb raw walk" target
printf '%s\n' "${ROWS[@]}"

echo
echo "=== refheap export: the whole graph (snapshot = objects + references + roots; wall includes writing JSON Lines)"
printf '%-9s %-9s %9s %9s  %8s  %8s  %10s  %s\n' \
    objects "all objs" snapshot wall "peak RSS" "B/object" gc.collect target
printf '%s\n' "${XROWS[@]}"
