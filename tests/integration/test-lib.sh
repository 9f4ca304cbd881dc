# shellcheck shell=bash
# test-lib.sh: shared helpers for tests/integration/*.sh (bash only).
#
# Sourced at the top of each test:
#     . "$(dirname "$0")/test-lib.sh"
# It gives the test its own temporary directory (removed on exit; keep it with
# REFHEAP_KEEP_TESTDIR=1), kills the processes the test started, and bounds
# every wait (REFHEAP_TEST_TIMEOUT seconds, default 120) so CI never hangs.
#
# Environment (exported by Makefile.am's AM_TESTS_ENVIRONMENT, or guessed
# when a test is run by hand from the source tree):
#   top_srcdir, top_builddir, REFHEAP
#   REFHEAP_PYTHONS="path1 path2"   test exactly these interpreters instead of
#                                   the pyenv versions and /usr/bin/python3.11
#   REFHEAP_TEST_PYTHONS=p1:p2      also test these (e.g. a hand-built CPython
#                                   3.14.4 in /opt/py3.14.4/bin/python3.14);
#                                   one that is absent is skipped, saying why
#   REFHEAP_ROOTS=no                do not make or use the Debian roots below
#   REFHEAP_ROOTS=only              test only those (and REFHEAP_TEST_PYTHONS)
#
# Interpreters in another root (cores from another root, README "Tests"):
# unless REFHEAP_PYTHONS is set or REFHEAP_ROOTS=no, find_pythons also tests
# Debian trixie's python3.13 and sid's python3.14 and python3.15 (with their
# -dbg packages), each in a root made once by debian-root.sh with debootstrap
# and cached in $top_srcdir/build/roots/.  Their samples run there under
# chroot; gcore dumps them from the host; refheap and the test tools read the
# core with --sysroot ROOT (make_core and start_live set $REFHEAP and the
# tools to wrappers that add it).  When a root cannot be made (no network,
# not root) those interpreters are skipped with the reason.
#
# Exit statuses follow automake's harness: 0 pass, 1 fail, 77 skip (always
# with a printed reason), 99 hard error (the harness itself failed, e.g. the
# sample could not make an exact record: not a refheap failure).

if [ -z "${BASH_VERSION:-}" ]; then
    echo "test-lib.sh needs bash" >&2
    exit 99
fi
set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${REFHEAP:=$top_builddir/refheap}"
SAMPLE=$top_srcdir/samples/known_heap.py
COMPARE=$top_srcdir/tests/integration/compare_summary.py
TIMEOUT=${REFHEAP_TEST_TIMEOUT:-120}
TESTNAME=$(basename "$0" .sh)

# Never let gdb reach for the network, and make sanitizer reports distinct
# from refheap's own exit codes (ASan and UBSan exit 1 by default, which is
# refheap's "partial").
unset DEBUGINFOD_URLS
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1:exitcode=87"

TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/refheap-$TESTNAME.XXXXXX") || exit 99
CHILD_PIDS=()

# our_child PID: PID is still a child of this shell (not a recycled pid)
our_child() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }                       # skip "pid (comm) "
    set -- $stat                            # state ppid ...
    [ "${2:-}" = "$$" ]
}

_cleanup() {
    local p
    for p in "${CHILD_PIDS[@]}"; do
        our_child "$p" && kill -KILL "$p" 2>/dev/null
    done
    if [ -n "${REFHEAP_KEEP_TESTDIR:-}" ]; then
        echo "kept test directory $TESTDIR${ROOT_IO_DIRS[*]:+ (and ${ROOT_IO_DIRS[*]})}"
    else
        for p in "${ROOT_IO_DIRS[@]}"; do
            rm -rf "$p"
        done
        rm -rf "$TESTDIR"
    fi
}
trap _cleanup EXIT
trap 'exit 130' INT TERM
cd "$TESTDIR" || exit 99

# ------------------------------------------------------------------ verdicts
skip() {
    echo "SKIP: $*"
    exit 77
}

hard_error() {
    echo "HARNESS ERROR: $*"
    exit 99
}

require_refheap() {
    [ -x "$REFHEAP" ] || hard_error "refheap binary not found at $REFHEAP (build it first)"
}

# is_crash RC: a status refheap must never return (signal, sanitizer, timeout)
is_crash() {
    [ "$1" -ge 124 ] || [ "$1" -eq 86 ] || [ "$1" -eq 87 ] || [ "$1" -eq 23 ]
}

describe_rc() {
    case $1 in
        124) echo "$1 (timed out after ${TIMEOUT}s)" ;;
        86) echo "$1 (AddressSanitizer report)" ;;
        87) echo "$1 (UndefinedBehaviorSanitizer report)" ;;
        23) echo "$1 (LeakSanitizer report)" ;;
        *) if [ "$1" -gt 128 ]; then
               echo "$1 (killed by signal $(( $1 - 128 )): $(kill -l $(( $1 - 128 )) 2>/dev/null))"
           else
               echo "$1"
           fi ;;
    esac
}

# ------------------------------------------------------------------- waiting
# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s.
# If WAIT_ALIVE is set to a pid, give up as soon as that process is gone.
WAIT_ALIVE=
wait_until() {
    local secs=$1 what=$2
    shift 2
    local deadline=$(( $(date +%s) + secs ))
    while :; do
        "$@" && return 0
        if [ -n "$WAIT_ALIVE" ] && ! proc_alive "$WAIT_ALIVE"; then
            echo "gave up waiting for $what: process $WAIT_ALIVE is gone"
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out after ${secs}s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

# proc_state PID: one letter (R S D T t Z X), empty if there is no such process
proc_state() {
    sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null
}

# alive = exists and is not a zombie waiting to be reaped
proc_alive() {
    local s
    s=$(proc_state "$1")
    [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

proc_group_stopped() { [ "$(proc_state "$1")" = T ]; }
proc_trace_stopped() { [ "$(proc_state "$1")" = t ]; }

# proc_running PID: alive and no thread stopped (T) or in a tracing stop (t)
proc_running() {
    local t s
    proc_alive "$1" || return 1
    for t in /proc/"$1"/task/*; do
        s=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$t/status" 2>/dev/null)
        case $s in T|t) return 1 ;; esac
    done
    return 0
}

thread_states() {
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s:%s ' "${t##*/}" "$(sed -n 's/^State:[[:space:]]*//p' "$t/status" 2>/dev/null)"
    done
    echo
}

# reap PID: wait (bounded) for a child to exit; sets REAPED_RC
reap() {
    local pid=$1
    WAIT_ALIVE='' wait_until "$TIMEOUT" "process $pid to exit" eval '! proc_alive '"$pid" || {
        kill -KILL "$pid" 2>/dev/null
    }
    wait "$pid" 2>/dev/null
    REAPED_RC=$?
}

# ------------------------------------------------------------- interpreters
# find_pythons fills PY_LABELS[] / PY_PATHS[] with the CPython interpreters to
# test, and PY_SKIPPED[] with "label: reason" for those found but not tested.
# Sources: $REFHEAP_PYTHONS if set; otherwise every pyenv version (root from
# `pyenv root`, else $PYENV_ROOT, else pyenv's default ~/.pyenv) plus Debian's
# /usr/bin/python3.11.
PY_LABELS=()
PY_PATHS=()
PY_SKIPPED=()

_py_probe() {
    # prints "VERSION OK" or "VERSION reason..." for interpreter $1
    local root=${PY_SYSROOT[$1]:-} run=("$1")
    [ -z "$root" ] || run=(chroot "$root" env -i PATH=/usr/bin:/bin "${1#"$root"}")
    timeout 30 "${run[@]}" - <<'EOF' 2>/dev/null
import sys
v = "%d.%d.%d" % tuple(sys.version_info[:3])
def say(reason):
    sys.stdout.write("%s %s\n" % (v, reason))
    sys.exit(0)
if sys.version_info < (3, 8):
    say("older than 3.8: the sample needs gc.get_objects(generation=)")
import struct, sysconfig
if sys.implementation.name != "cpython":
    say("not CPython (%s)" % sys.implementation.name)
if struct.calcsize("P") != 8:
    say("not a 64-bit build")
if sysconfig.get_config_var("Py_GIL_DISABLED"):
    say("free-threaded build (no GC generation lists)")
if sysconfig.get_config_var("Py_DEBUG"):
    say("debug build (Py_DEBUG)")
say("OK")
EOF
}

_py_consider() {
    local label=$1 path=$2 probe version reason p
    if [ ! -x "$path" ]; then
        PY_SKIPPED+=("$label: no executable $path")
        return
    fi
    for p in "${PY_PATHS[@]}"; do
        if [ "$(readlink -f "$p")" = "$(readlink -f "$path")" ]; then
            return
        fi
    done
    probe=$(_py_probe "$path")
    if [ -z "$probe" ]; then
        PY_SKIPPED+=("$label: $path does not run")
        return
    fi
    version=${probe%% *}
    reason=${probe#* }
    if [ "$reason" != OK ]; then
        PY_SKIPPED+=("$label ($version): $reason")
        return
    fi
    PY_LABELS+=("$label")
    PY_PATHS+=("$path")
}

# safe_name TEXT: TEXT usable as one file name
safe_name() {
    printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'
}

find_pythons() {
    local root v py
    PY_LABELS=()
    PY_PATHS=()
    PY_SKIPPED=()
    if [ -n "${REFHEAP_PYTHONS:-}" ]; then
        local n=0
        for py in $REFHEAP_PYTHONS; do
            n=$(( n + 1 ))
            v=$(_py_probe "$py" | cut -d' ' -f1)
            _py_consider "python${n}-${v:-unknown}" "$py"
        done
        _test_pythons
        return
    fi
    if [ "${REFHEAP_ROOTS:-}" = only ]; then
        _root_pythons
        _test_pythons
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root 2>/dev/null)
    fi
    root=${root:-${PYENV_ROOT:-$HOME/.pyenv}}
    if [ -d "$root/versions" ]; then
        local versions
        if command -v pyenv >/dev/null 2>&1; then
            versions=$(PYENV_ROOT=$root pyenv versions --bare 2>/dev/null)
        fi
        [ -n "${versions:-}" ] || versions=$(ls "$root/versions")
        for v in $versions; do
            case $v in
                system|*/*) continue ;;            # system python, virtualenvs
            esac
            py=$root/versions/$v/bin/python3
            [ -x "$py" ] || py=$root/versions/$v/bin/python
            _py_consider "pyenv-$v" "$py"
        done
    else
        PY_SKIPPED+=("pyenv: no pyenv installation (looked in $root)")
    fi
    if [ -x /usr/bin/python3.11 ]; then
        _py_consider "debian-python3.11" /usr/bin/python3.11
    else
        PY_SKIPPED+=("debian-python3.11: /usr/bin/python3.11 not installed")
    fi
    _root_pythons
    _test_pythons
}

# ------------------------------------------------- interpreters in a root
# PY_SYSROOT[PATH] = ROOT for an interpreter PATH that lives in the Debian
# root ROOT (PATH is its host path, ROOT/usr/bin/pythonX.Y).
declare -A PY_SYSROOT=()
ROOT_IO_DIRS=()
ROOTS_DIR=${REFHEAP_ROOTS_DIR:-$top_srcdir/build/roots}
# as the kernel names it (make check's top_srcdir is "build/normal/../.."):
# cores made from the host name the root's files by their real paths
ROOTS_DIR=$(mkdir -p "$ROOTS_DIR" 2>/dev/null; cd "$ROOTS_DIR" 2>/dev/null && pwd -P || printf '%s' "$ROOTS_DIR")

# _root_pythons: make (once, cached) the Debian roots and add their pythons
_root_pythons() {
    local spec suite pkgs pys py out rc
    if [ "${REFHEAP_ROOTS:-}" = no ]; then
        PY_SKIPPED+=("Debian trixie/sid roots: REFHEAP_ROOTS=no")
        return
    fi
    for spec in "trixie:python3.13 python3.13-dbg libc6-dbg:python3.13" \
                "sid:python3.14 python3.14-dbg python3.15 python3.15-dbg libc6-dbg:python3.14 python3.15"; do
        suite=${spec%%:*}
        pkgs=${spec#*:}
        pys=${pkgs#*:}
        pkgs=${pkgs%%:*}
        # one test makes the root while the others running in parallel wait
        out=$(flock "$ROOTS_DIR.lock" "$top_srcdir/tests/integration/debian-root.sh" \
                  "$suite" "$ROOTS_DIR/$suite" $pkgs 2>&1)
        rc=$?
        [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  /'
        for py in $pys; do
            if [ $rc -ne 0 ]; then
                PY_SKIPPED+=("$suite-$py: $(printf '%s\n' "$out" | tail -n 1)")
                continue
            fi
            PY_SYSROOT[$ROOTS_DIR/$suite/usr/bin/$py]=$ROOTS_DIR/$suite
            _py_consider "$suite-$py" "$ROOTS_DIR/$suite/usr/bin/$py"
        done
    done
}

# _test_pythons: the interpreters of $REFHEAP_TEST_PYTHONS (colon-separated)
_test_pythons() {
    local py v
    local IFS=:
    for py in ${REFHEAP_TEST_PYTHONS:-}; do
        [ -n "$py" ] || continue
        if [ ! -x "$py" ]; then
            PY_SKIPPED+=("REFHEAP_TEST_PYTHONS $py: no such executable")
            continue
        fi
        v=$(_py_probe "$py" | cut -d' ' -f1)
        _py_consider "built-${v:-unknown}" "$py"
    done
}

# py_sysroot PATH: the root PATH lives in (empty for a host interpreter)
py_sysroot() {
    printf '%s' "${PY_SYSROOT[$1]:-}"
}

# py_exec PYTHON ARGS...: run PYTHON (exec, so $! is the interpreter's pid).
# For an interpreter in a root: under chroot, with the samples copied into
# the root and every argument under a directory registered by py_dir mapped
# to the path the root sees.
py_exec() {
    local py=$1 root a m host inroot
    shift
    root=${PY_SYSROOT[$py]:-}
    if [ -z "$root" ]; then
        exec "$py" "$@"
    fi
    local args=()
    for a in "$@"; do
        case $a in
            "$top_srcdir"/samples/*)
                a=/refheap-samples/${a#"$top_srcdir"/samples/} ;;
            *)
                for m in "${ROOT_MAPS[@]}"; do
                    host=${m%%|*}
                    inroot=${m#*|}
                    case $a in
                        "$host"|"$host"/*) a=$inroot${a#"$host"}; break ;;
                    esac
                done ;;
        esac
        args+=("$a")
    done
    # /proc in the root (the samples read /proc/self/maps), mounted in a
    # mount namespace of its own that ends with the sample: nothing to undo
    exec unshare --mount --propagation private -- sh -c \
        'r=$1; shift; mount -t proc proc "$r/proc" 2>/dev/null; exec chroot "$r" "$@"' \
        sh "$root" env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "${py#"$root"}" "${args[@]}"
}

# py_dir PYTHON DIR: make DIR for a sample run by PYTHON; for an interpreter
# in a root, DIR is a symbolic link to a directory inside the root (removed
# on exit) so that the sample and the host see the same files.  Also points
# $REFHEAP and the test tools at wrappers adding --sysroot (or back at the
# real programs for a host interpreter).
ROOT_MAPS=()
py_dir() {
    local py=$1 dir=$2 root sub
    root=${PY_SYSROOT[$py]:-}
    _use_sysroot "$root"
    if [ -z "$root" ] || [ -e "$dir" ]; then
        mkdir -p "$dir"
        return
    fi
    mkdir -p "$root/refheap-samples" "$(dirname "$dir")" || return 1
    cp -r "$top_srcdir"/samples/. "$root/refheap-samples/" || return 1
    sub=/refheap-io/$(basename "$TESTDIR")/$(printf '%s' "${dir#"$TESTDIR"/}" | tr / _)
    mkdir -p "$root$sub" || return 1
    ROOT_IO_DIRS+=("$root/refheap-io/$(basename "$TESTDIR")")
    ln -s "$root$sub" "$dir" || return 1
    ROOT_MAPS+=("$dir|$sub")
}

# _use_sysroot ROOT: $REFHEAP (and $ROOTS_DUMP, $REFERENTS_DUMP, $ALLOC_SCAN
# when a test set them) run with --sysroot ROOT; empty ROOT: the real ones.
declare -A _REAL_TOOL=()
_use_sysroot() {
    local root=$1 var real w
    if [ -n "$root" ]; then
        export REFHEAP_TEST_SYSROOT=$root
    else
        unset REFHEAP_TEST_SYSROOT
    fi
    for var in REFHEAP ROOTS_DUMP REFERENTS_DUMP ALLOC_SCAN; do
        [ -n "${!var:-}" ] || continue
        real=${_REAL_TOOL[$var]:-${!var}}
        _REAL_TOOL[$var]=$real
        if [ -z "$root" ]; then
            printf -v "$var" '%s' "$real"
            continue
        fi
        w=$TESTDIR/.sysroot-$var-$(basename "$root")
        if [ ! -x "$w" ]; then
            if [ "$var" = REFHEAP ]; then
                # refheap COMMAND [OPTIONS] ...: the option after the command
                printf '#!/bin/sh\nc=$1; shift\nexec "%s" "$c" --sysroot "%s" "$@"\n' "$real" "$root" > "$w"
            else
                printf '#!/bin/sh\nexec "%s" --sysroot "%s" "$@"\n' "$real" "$root" > "$w"
            fi
            chmod +x "$w"
        fi
        printf -v "$var" '%s' "$w"
    done
}

print_pythons() {
    local i
    echo "interpreters to test:"
    for i in "${!PY_PATHS[@]}"; do
        echo "  ${PY_LABELS[$i]}  ${PY_PATHS[$i]}"
    done
    [ ${#PY_PATHS[@]} -gt 0 ] || echo "  (none)"
    if [ ${#PY_SKIPPED[@]} -gt 0 ]; then
        echo "interpreters skipped:"
        for i in "${PY_SKIPPED[@]}"; do
            echo "  $i"
        done
    fi
}

# pick_python PATTERN...: index of the first tested interpreter whose label
# matches one of the glob patterns (tried in order), or empty.
pick_python() {
    local pat i
    for pat in "$@"; do
        for i in "${!PY_LABELS[@]}"; do
            # shellcheck disable=SC2053
            [[ ${PY_LABELS[$i]} == $pat ]] && { echo "$i"; return; }
        done
    done
}

# a Python able to run tests/integration/compare_summary.py
host_python() {
    local p
    for p in /usr/bin/python3.11 /usr/bin/python3 "${PY_PATHS[@]}"; do
        [ -x "$p" ] && { echo "$p"; return; }
    done
    command -v python3
}

# enough_space DIR MIB: DIR's file system has MIB MiB free (cores are ~100 MiB)
enough_space() {
    local avail
    avail=$(df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
    if [ -n "$avail" ] && [ "$avail" -lt "$2" ]; then
        echo "only $avail MiB free in $1 (need $2 MiB for cores; set TMPDIR elsewhere)"
        return 1
    fi
}

# gcore_stopped PID DIR: dump the stopped process PID to DIR/core (gcore
# names it core.PID); prints why and returns 1 if no core was written.
gcore_stopped() {
    local pid=$1 dir=$2 rc
    # chap's guide asks for 0x37: also dump file-backed private mappings
    echo 0x37 > "/proc/$pid/coredump_filter" 2>/dev/null ||
        echo "warning: could not set /proc/$pid/coredump_filter"
    timeout -k 5 "$TIMEOUT" gcore -o "$dir/core" "$pid" > "$dir/gcore.log" 2>&1
    rc=$?
    [ -f "$dir/core.$pid" ] && mv "$dir/core.$pid" "$dir/core"
    if [ $rc -ne 0 ] || [ ! -s "$dir/core" ]; then
        echo "gcore of pid $pid failed (exit $rc):"
        sed 's/^/  | /' "$dir/gcore.log"
        return 1
    fi
    # GDB 13 drops the rest of a section after one unreadable chunk:
    # with glibc 2.42+ (Debian sid) every thread stack but the main one
    # (their guard pages are inside the mapping); fill_core.py re-reads it
    if grep -q 'Memory read failed for corefile section' "$dir/gcore.log"; then
        "$(host_python)" "$top_srcdir/tests/integration/fill_core.py" "$dir/core" "$pid" "$dir/gcore.log" ||
            echo "warning: could not fill in what gcore left out of $dir/core"
    fi
}

# ------------------------------------------------------------------- samples
# make_core PYTHON DIR [SAMPLE ARGS...]
# Runs the sample with --stop, waits until it is stopped (State T), dumps it
# with gcore into DIR/core, resumes it and waits for its record
# DIR/record.json.  Returns 0 and sets CORE, RECORD, SAMPLE_PID; on failure
# returns 1 after printing why (a harness problem, not a refheap one).
make_core() {
    local py=$1 dir=$2
    shift 2
    py_dir "$py" "$dir" || return 1
    CORE='' RECORD=''
    if ! enough_space "$dir/" 1024; then
        return 1
    fi
    stopped_sample_core "$dir" "$dir/record.json" \
        py_exec "$py" -I "$SAMPLE" --stop --out "$dir/record.json" "$@"
}

_show_sample() {
    local f
    for f in "$1/sample.out" "$1/sample.err"; do
        if [ -s "$f" ]; then
            echo "  ${f##*/}:"
            tail -n 20 "$f" | sed 's/^/  | /'
        fi
    done
}

_sample_failed() {
    kill -KILL "$2" 2>/dev/null
    wait "$2" 2>/dev/null
    _show_sample "$1"
}

# stopped_sample_core DIR RECORD CMD...: run CMD, a sample that stops
# itself once its heap is ready and records it into RECORD, with its
# output in DIR/sample.out and DIR/sample.err; dump it with gcore while
# stopped, let it finish, and set CORE, RECORD and SAMPLE_PID. Returns 1,
# having said why, if any step fails.
stopped_sample_core() {
    local dir=$1 record=$2 pid rc
    shift 2
    CORE= RECORD=
    "$@" > "$dir/sample.out" 2> "$dir/sample.err" &
    pid=$!
    SAMPLE_PID=$pid
    CHILD_PIDS+=("$pid")
    if ! WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to stop itself" proc_group_stopped "$pid"; then
        _sample_failed "$dir" "$pid"
        return 1
    fi
    if ! gcore_stopped "$pid" "$dir"; then
        _sample_failed "$dir" "$pid"
        return 1
    fi
    if ! proc_group_stopped "$pid"; then
        echo "the sample is no longer stopped after gcore (state $(proc_state "$pid"))"
        _sample_failed "$dir" "$pid"
        return 1
    fi
    kill -CONT "$pid"
    reap "$pid"
    rc=$REAPED_RC
    if [ $rc -ne 0 ] || [ ! -s "$record" ]; then
        echo "the sample failed to record its heap (exit $rc)"
        _show_sample "$dir"
        return 1
    fi
    CORE=$dir/core
    RECORD=$record
}

# stop_one_core PYTHON DIR ARGS...: run $SAMPLE with ARGS under PYTHON
# until it prints "STOP 1" and stops itself, dump it to DIR/core with
# gcore and kill it. Returns 1, having said why, if there is no core (a
# harness problem, not refheap's).
stop_one_core() {
    local py=$1 dir=$2 pid
    shift 2
    py_exec "$py" -I "$SAMPLE" "$@" > "$dir/sample.out" 2> "$dir/sample.err" &
    pid=$!
    CHILD_PIDS+=("$pid")
    if ! WAIT_ALIVE=$pid wait_until "$TIMEOUT" "the sample to stop" \
            eval "grep -q '^STOP 1' '$dir/sample.out' && proc_group_stopped $pid" ||
       ! gcore_stopped "$pid" "$dir"; then
        _show_sample "$dir"
        kill -KILL "$pid" 2>/dev/null; reap "$pid"
        return 1
    fi
    kill -KILL "$pid" 2>/dev/null
    reap "$pid"
}

# read syscall number on this machine (for /proc/PID/syscall)
case $(uname -m) in
    x86_64) READ_NR=0 ;;
    aarch64|riscv64) READ_NR=63 ;;
    *) READ_NR= ;;
esac

# blocked_in_read PID: the main thread sleeps inside read(2)
blocked_in_read() {
    local st nr
    [ "$(proc_state "$1")" = S ] || return 1
    if [ -n "$READ_NR" ] && read -r nr _ < "/proc/$1/syscall" 2>/dev/null; then
        [ "$nr" = "$READ_NR" ]
        return
    fi
    st=$(cat "/proc/$1/wchan" 2>/dev/null)
    case $st in *pipe*) return 0 ;; esac
    return 1
}

# start_live PYTHON DIR [SAMPLE ARGS...]
# Starts the sample with --wait and waits until its heap is built and it is
# blocked reading its control FIFO.  Sets LIVE_PID, LIVE_DIR, LIVE_N (number
# of commands the sample has obeyed).
start_live() {
    local py=$1 dir=$2
    shift 2
    py_dir "$py" "$dir" || return 1
    LIVE_ROOT=$(py_sysroot "$py")
    rm -f "$dir/ctl"
    mkfifo "$dir/ctl" || return 1
    py_exec "$py" -I "$SAMPLE" --wait --ctl "$dir/ctl" --out "$dir/rec" "$@" \
        > "$dir/sample.out" 2> "$dir/sample.err" &
    LIVE_PID=$!
    LIVE_DIR=$dir
    LIVE_N=0
    CHILD_PIDS+=("$LIVE_PID")
    _live_wait_ready || return 1
}

_live_wait_ready() {
    if ! WAIT_ALIVE=$LIVE_PID wait_until "$TIMEOUT" "the sample to wait for command $LIVE_N" \
            grep -qx "WAITING n=$LIVE_N" "$LIVE_DIR/sample.out" ||
       ! WAIT_ALIVE=$LIVE_PID wait_until "$TIMEOUT" "the sample to block in read()" \
            blocked_in_read "$LIVE_PID"; then
        _show_sample "$LIVE_DIR"
        return 1
    fi
}

# live_send CMD: send a one-byte command (r, p, q) to the live sample and wait
# until it has obeyed it and is blocked again (for q: until it exits).
live_send() {
    local cmd=$1
    if ! proc_alive "$LIVE_PID"; then
        echo "the sample (pid $LIVE_PID) is gone"
        _show_sample "$LIVE_DIR"
        return 1
    fi
    # the sample holds the FIFO open read-write, so this open never blocks
    # while it lives; the timeout covers the case where it just died
    if ! timeout 10 sh -c 'printf %s "$1" > "$2"' sh "$cmd" "$LIVE_DIR/ctl"; then
        echo "could not write to the sample's control FIFO"
        return 1
    fi
    LIVE_N=$(( LIVE_N + 1 ))
    if [ "$cmd" = q ]; then
        reap "$LIVE_PID"
        return 0
    fi
    _live_wait_ready
}

# live_ping: the sample answers a ping (it runs and is responsive)
live_ping() {
    local before after
    before=$(grep -c '^PONG' "$LIVE_DIR/sample.out")
    live_send p || return 1
    after=$(grep -c '^PONG' "$LIVE_DIR/sample.out")
    [ "$after" -gt "$before" ] || { echo "no PONG from the sample"; return 1; }
}

# live_record: ask the sample to record itself; sets RECORD
live_record() {
    local before
    before=$(grep -c '^RECORDED' "$LIVE_DIR/sample.out")
    live_send r || return 1
    RECORD=$(sed -n 's/^RECORDED seq=[0-9]* path=//p' "$LIVE_DIR/sample.out" | tail -n 1)
    # a sample in a root names the record as the root sees it
    [ -z "${LIVE_ROOT:-}" ] || [ -z "$RECORD" ] || RECORD=$LIVE_ROOT$RECORD
    if [ "$(grep -c '^RECORDED' "$LIVE_DIR/sample.out")" -le "$before" ] || [ ! -s "$RECORD" ]; then
        echo "the sample did not write a record"
        _show_sample "$LIVE_DIR"
        return 1
    fi
}

# ------------------------------------------------------------------- refheap
# run_refheap OUT ARGS...: run refheap with a timeout; stdout -> OUT.json,
# stderr -> OUT.err; sets RH_RC.
run_refheap() {
    local out=$1
    shift
    timeout -k 5 "$TIMEOUT" "$REFHEAP" "$@" > "$out.json" 2> "$out.err"
    RH_RC=$?
}

show_file() {
    local f=$1 label=${2:-${1##*/}}
    if [ -s "$f" ]; then
        echo "  $label:"
        head -c 4000 "$f" | sed 's/^/  | /'
        echo
    else
        echo "  $label: (empty)"
    fi
}

# same_json_but_seconds A B WHAT: the JSON documents A (walking the GC
# lists) and B (WHAT) are equal but for their "seconds" (timings); the
# differing keys are printed otherwise
same_json_but_seconds() {
    "$(host_python)" - "$1" "$2" "$3" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("seconds", None)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("  %s: walking the GC lists %.200r, %s %.200r"
                  % (k, a.get(k), sys.argv[3], b.get(k)))
    sys.exit(1)
PY
}

# one_line_error FILE: FILE holds exactly one line, starting with "refheap: "
one_line_error() {
    [ "$(awk 'END { print NR }' "$1")" -eq 1 ] && head -n 1 "$1" | grep -q '^refheap: '
}
