#!/bin/bash
# live_stop_bench.sh: how long does refheap hold a live process stopped?
# (A benchmark, not a test: it prints a table and never fails on a missed
# target.)
#
#   bench/live_stop_bench.sh [SIZES [PY]]
#     SIZES  object counts to build (default "1000000 10000000")
#     PY     interpreter (default: pyenv's 3.11.7, found at run time)
#   Environment: REFHEAP (default ./refheap, else build/normal/refheap);
#     REFHEAPS="A B": several builds, run in turn on the same target in the
#     same minutes (to compare them on a shared machine); REPEAT=N (default
#     1) runs of each; COMMANDS (default "summary dominators"); NO_COPY=0
#     leaves out the --no-copy runs (each holds a 10M target for seconds);
#     THREADS=N starts N idle threads in the target (a server's workers).
#
# bench/live_target.py builds the heap and runs on with a heartbeat thread
# that measures, from inside, the longest time it could not run. For each
# command, refheap reads the running process (--pid) with a warm layout
# cache; the table shows the target's own longest stall during the command,
# refheap's --stats figure for the same stop, what was copied, the command's
# wall time, and the same with --no-copy (stopped throughout, the old way).
# "untouched" is what was left out because the target never touched it
# (read as zeros); the budget counts only what was copied. Every line ends
# with the 1-minute load average, since the copy competes for memory
# bandwidth with whatever else runs.
# Before any command, the heartbeat's idle stall is measured for 2 s: the
# noise floor of this machine. Target: stopped <= 50 ms + 10 ms per 100 MB
# copied.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SIZES=${1:-${SIZES:-1000000 10000000}}
PY=${2:-${PY:-}}

die() { echo "live_stop_bench.sh: $*" >&2; exit 1; }
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
REFHEAPS=${REFHEAPS:-${REFHEAP:-}}
for r in $REFHEAPS; do [ -x "$r" ] || die "refheap not built: $r (set REFHEAP or REFHEAPS)"; done
[ -n "$REFHEAPS" ] || die "refheap not built (set REFHEAP)"
REPEAT=${REPEAT:-1}
COMMANDS=${COMMANDS:-summary dominators}
MODES="copy no-copy"
[ "${NO_COPY:-1}" = 0 ] && MODES=copy
SCRATCH=$(mktemp -d /tmp/refheap-live-bench.XXXXXX) || die "mktemp failed"
TPID=
cleanup() { [ -n "$TPID" ] && kill "$TPID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT
n_r=0
for r in $REFHEAPS; do echo "refheap #$n_r: $r"; n_r=$((n_r + 1)); done
echo "python:  $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
echo "threads: ${THREADS:-0} idle, beside the main thread and the heartbeat"

# stall: ask the target for its longest stall since the last ask (ms)
stall() {
    rm -f "$SCRATCH/stall"
    kill -USR1 "$TPID"
    for _ in $(seq 100); do [ -s "$SCRATCH/stall" ] && break; sleep 0.05; done
    cat "$SCRATCH/stall" 2>/dev/null || echo "?"
}

fmt='%-9s %-2s %-11s %-8s %9s %11s %8s %11s %10s %10s %7s %6s\n'
printf "\n$fmt" objects '#' command mode "stall ms" "refheap ms" "copy ms" "copied MiB" "untouched" "budget ms" "wall s" load
for n in $SIZES; do
    "$PY" "$here/live_target.py" "$n" "$SCRATCH/stall" "${THREADS:-0}" > "$SCRATCH/target.out" 2>&1 &
    TPID=$!
    until grep -q '^READY' "$SCRATCH/target.out"; do
        kill -0 "$TPID" 2>/dev/null || die "live_target.py failed: $(tail -n 5 "$SCRATCH/target.out")"
        sleep 0.5
    done
    # warm the layout cache; then the idle noise floor
    for r in $REFHEAPS; do
        "$r" summary --pid "$TPID" --cache-dir "$SCRATCH/cache.${r//\//_}" > /dev/null 2>&1
    done
    stall > /dev/null
    sleep 2
    printf "$fmt" "$n" "" "(idle 2 s)" "" "$(stall)" "" "" "" "" "" "" "$(cut -d' ' -f1 /proc/loadavg)"
    for _ in $(seq "$REPEAT"); do
    for cmd in $COMMANDS; do
        for mode in $MODES; do
            i_r=0
            for r in $REFHEAPS; do
            extra=
            [ $mode = no-copy ] && extra=--no-copy
            stall > /dev/null
            t0=$(date +%s%N)
            "$r" $cmd --pid "$TPID" --stats $extra --cache-dir "$SCRATCH/cache.${r//\//_}" \
                > /dev/null 2> "$SCRATCH/err"
            t1=$(date +%s%N)
            sleep 0.1
            s=$(stall)
            line=$(grep 'was stopped' "$SCRATCH/err")
            ms=$(sed -n 's/.*was stopped \([0-9.]*\) ms.*/\1/p' <<< "$line")
            mib=$(sed -n 's/.*; \([0-9.]*\) MiB copied.*/\1/p' <<< "$line")
            cms=$(sed -n 's/.*(in \([0-9.]*\) ms).*/\1/p' <<< "$line")
            unt=$(sed -n 's/.*; \([0-9.]*\) MiB never touched.*/\1/p' "$SCRATCH/err")
            budget=$(awk -v m="${mib:-0}" 'BEGIN { printf "%.0f", 50 + 10 * m * 1.048576 / 100 }')
            printf "$fmt" "$n" "$i_r" "$cmd" "$mode" "$s" "${ms:-?}" "${cms:-?}" "${mib:-?}" "${unt:--}" "$budget" \
                "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')" "$(cut -d' ' -f1 /proc/loadavg)"
            i_r=$((i_r + 1))
            done
        done
    done
    done
    kill "$TPID"; wait "$TPID" 2>/dev/null; TPID=
done
