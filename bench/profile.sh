#!/bin/bash
# profile.sh: where one refheap command spends its time, on an existing core.
# (A benchmark helper, not a test.)
#
#   bench/profile.sh CORE [COMMAND [ARGS...]]     (default command: leaks)
#
# Runs the command three times with --stats and one --cache-dir
# (default /tmp/refheap-profile; PROFILE_CACHE=DIR): the first builds the
# snapshot (cold), the second maps it from the snapshot cache (warm: the
# analyses alone), the third is the warm run again under `perf record`
# when perf is installed and allowed (kernel.perf_event_paranoid). Prints
# the --stats lines of the cold and warm runs (snapshot phases, analyses
# per part, memory), then the functions with the most samples, kernel ones
# included: on a VM, zeroing fresh pages (clear_page_*) is where much of
# the analyses' time goes, which is why they keep their arrays few and
# small. Without perf, only the --stats lines.
#   Environment: REFHEAP (default ./refheap, else build/normal/refheap),
#   PROFILE_TOP (functions shown, default 25), PROFILE_FREQ (default 999).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
core=$1
shift
[ $# -ge 1 ] || set -- leaks
[ -r "$core" ] || { echo "profile.sh: cannot read $core" >&2; exit 2; }
if [ -z "${REFHEAP:-}" ]; then
    for r in "$repo/refheap" "$repo/build/normal/refheap"; do
        [ -x "$r" ] && { REFHEAP=$r; break; }
    done
fi
[ -x "${REFHEAP:-}" ] || { echo "profile.sh: refheap not built (set REFHEAP)" >&2; exit 2; }
CACHE=${PROFILE_CACHE:-/tmp/refheap-profile}
TOP=${PROFILE_TOP:-25}
out=$(mktemp -d /tmp/refheap-profile.XXXXXX) || exit 2
trap 'rm -rf "$out"' EXIT

run() { # label: one run with --stats, wall time and peak RSS
    local label=$1 t0 t1
    shift
    t0=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$out/time" "$@" > /dev/null 2> "$out/err"
    t1=$(date +%s%N)
    awk -v l="$label" -v a="$t0" -v b="$t1" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%s: %.3f s wall, %.2f s CPU, peak RSS %.0f MiB, load %s\n", l, (b - a) / 1e9, $2 + $3, $1 / 1024, load }' \
        "$out/time"
    grep '^refheap: stats:' "$out/err" | sed 's/^refheap: stats: /  /'
}

echo "profile of: refheap $* $core"
rm -rf "$CACHE/snapshots"
run "cold (snapshot built)" "$REFHEAP" "$@" --stats --cache-dir "$CACHE" "$core"
run "warm (snapshot cache)" "$REFHEAP" "$@" --stats --cache-dir "$CACHE" "$core"

if ! command -v perf > /dev/null 2>&1; then
    echo "(perf not installed: only the --stats phases above)"
    exit 0
fi
if ! perf record -q -F "${PROFILE_FREQ:-999}" -o "$out/perf.data" \
        "$REFHEAP" "$@" --cache-dir "$CACHE" "$core" > /dev/null 2> "$out/perf.err"; then
    echo "(perf record failed: $(head -c 200 "$out/perf.err"); only the --stats phases above)"
    exit 0
fi
echo
echo "warm run under perf record: share of samples per function ([k]: kernel)"
perf report -i "$out/perf.data" --stdio --sort symbol 2> /dev/null |
    awk -v top="$TOP" '/^#/ || NF == 0 { next } { print "  " $1 "  " $2 " " $3; if (++n >= top) exit }'
