#!/bin/bash
# make-sample-core.sh DIR [PYTHON]
# Runs the bundled sample (samples/known_heap.py) until its heap is built,
# dumps it with gcore into DIR/core, lets it finish and write what CPython
# itself says about that heap to DIR/record.json, and prints the core's path.
#
# PYTHON defaults to $PYTHON, then /usr/bin/python3.11 (Debian 12; install
# python3.11-dbg for its debug info), then the first CPython 3.8+ found on
# PATH or in pyenv.  Needs gdb (for gcore); run as root or with ptrace rights.
#
#   ./samples/make-sample-core.sh /tmp/sample && ./refheap summary /tmp/sample/core
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: make-sample-core.sh DIR [PYTHON]}
py=${2:-${PYTHON:-}}
timeout=${REFHEAP_SAMPLE_TIMEOUT:-120}

die() { echo "make-sample-core.sh: $*" >&2; exit 1; }

usable() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(not (sys.implementation.name == "cpython" and sys.version_info >= (3, 8)))' 2>/dev/null
}

if [ -z "$py" ]; then
    for cand in /usr/bin/python3.11 "$(command -v python3.11)" "$(command -v python3)"; do
        usable "$cand" && { py=$cand; break; }
    done
fi
if [ -z "$py" ]; then
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    for cand in $(ls -r "$root/versions" 2>/dev/null); do
        usable "$root/versions/$cand/bin/python3" && { py=$root/versions/$cand/bin/python3; break; }
    done
fi
usable "$py" || die "no CPython 3.8+ found (apt-get install python3.11 python3.11-dbg, or pass PYTHON)"
command -v gcore >/dev/null 2>&1 || die "gcore not found (apt-get install gdb)"

mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir/core" "$dir/record.json"
"$py" -I "$here/known_heap.py" --stop --out "$dir/record.json" > "$dir/sample.out" 2> "$dir/sample.err" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT

state() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null; }
deadline=$(( $(date +%s) + timeout ))
until [ "$(state)" = T ]; do
    case $(state) in ''|Z|X) cat "$dir/sample.err" >&2; die "the sample exited before stopping" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out waiting for the sample to stop"
    sleep 0.1
done
echo 0x37 > "/proc/$pid/coredump_filter" 2>/dev/null   # also file-backed private maps
if ! timeout "$timeout" gcore -o "$dir/core" "$pid" > "$dir/gcore.log" 2>&1; then
    cat "$dir/gcore.log" >&2
    die "gcore failed"
fi
mv "$dir/core.$pid" "$dir/core" 2>/dev/null
[ -s "$dir/core" ] || die "gcore wrote no core"
kill -CONT "$pid"
deadline=$(( $(date +%s) + timeout ))
while kill -0 "$pid" 2>/dev/null && [ "$(state)" != Z ]; do
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out waiting for the sample's record"
    sleep 0.1
done
wait "$pid"
rc=$?
trap - EXIT
[ $rc -eq 0 ] || { cat "$dir/sample.err" >&2; die "the sample failed (exit $rc)"; }
echo "sample: $py, pid $pid; CPython's own record: $dir/record.json" >&2
echo "$dir/core"
