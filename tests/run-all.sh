#!/bin/bash
# run-all.sh: the whole test suite, from a fresh Debian 12 checkout.
#
#  1. installs the build and test dependencies that are missing (apt-get, as
#     root; nothing is installed when they are all there),
#  2. autoreconf -fi,
#  3. builds out of tree in build/normal and build/asan (--enable-sanitizers:
#     AddressSanitizer + UndefinedBehaviorSanitizer),
#  4. runs `make check` in both (VERBOSE=1: the log of every failing test is
#     printed), and exits non-zero if either fails.
#
# Environment: JOBS (parallel make jobs, default: number of CPUs),
# SKIP_APT=1 (do not check or install packages), BUILDS="normal asan".
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
BUILDS=${BUILDS:-normal asan}

PACKAGES="build-essential autoconf automake libtool pkg-config libelf-dev
libdwarf-dev libcmocka-dev zlib1g-dev gdb python3.11 python3.11-dbg graphviz
procps time libc6-dbg clang-14 libclang-rt-14-dev debootstrap
chromium nodejs npm debuginfod libdebuginfod-dev strace"
# tests/integration/realapps.sh: real applications from Debian's packages
PACKAGES="$PACKAGES python3-sphinx mypy python3-django"
# tests/integration/cython.sh: Debian's Cython, headers to build a module
# with DWARF, and Cython-built packages caught mid-work
PACKAGES="$PACKAGES cython3 python3.11-dev python3-yaml python3-lxml python3-msgpack"

say() { printf '\n=== %s\n' "$*"; }

# ------------------------------------------------------------- dependencies
if [ "${SKIP_APT:-0}" != 1 ] && command -v dpkg >/dev/null 2>&1; then
    missing=
    for p in $PACKAGES; do
        # NodeSource's nodejs carries its own npm and conflicts with Debian's
        [ "$p" = npm ] && command -v npm > /dev/null 2>&1 && continue
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' ||
            missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        say "installing:$missing"
        if [ "$(id -u)" -ne 0 ]; then
            echo "run-all.sh: missing packages:$missing; run as root or: sudo apt-get install -y$missing" >&2
            exit 2
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update && apt-get install -y $missing || {
            echo "run-all.sh: apt-get install failed" >&2
            exit 2
        }
    else
        say "all packages present"
    fi
    # Every package realapps.sh runs is installed now: an application it
    # would skip for want of one is a failure (issue 9: CI runs them).
    export REFHEAP_REALAPPS_REQUIRED=1
fi

# gdb-minimal (GDB without Python, for tests/integration/gdb_plugin.sh)
# conflicts with the gdb package: only its .deb is fetched, into
# build/gdb-minimal/; the test unpacks it with dpkg -x (or skips that flavour).
if [ "${SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1 &&
   ! ls "$SRC"/build/gdb-minimal/gdb-minimal_*.deb > /dev/null 2>&1; then
    say "downloading gdb-minimal's .deb into build/gdb-minimal"
    mkdir -p "$SRC/build/gdb-minimal"
    (cd "$SRC/build/gdb-minimal" && apt-get download gdb-minimal ||
        { [ "$(id -u)" -eq 0 ] && apt-get update > /dev/null && apt-get download gdb-minimal; }) ||
        echo "run-all.sh: could not download gdb-minimal (gdb_plugin.sh will try again, or skip it)" >&2
fi

# The Debian trixie and sid roots (tests/integration/debian-root.sh) are
# made by the tests themselves, on first use, into build/roots/.

# ------------------------------------------------------------------ autoconf
say "autoreconf -fi"
autoreconf -fi || { echo "run-all.sh: autoreconf failed" >&2; exit 2; }

# An in-tree configuration (./configure && make, README's first command)
# forbids out-of-tree builds: clean it first.
if [ -f "$SRC/config.status" ]; then
    say "the source tree is configured in place: make distclean"
    if [ -f "$SRC/Makefile" ]; then
        make -C "$SRC" distclean > /dev/null || rm -f "$SRC/config.status"
    else
        rm -f "$SRC/config.status"
    fi
fi

# --------------------------------------------------------- build and check
declare -A RESULT
status=0
for b in $BUILDS; do
    case $b in
        normal) flags= ;;
        asan) flags=--enable-sanitizers ;;
        *) echo "run-all.sh: unknown build '$b'" >&2; exit 2 ;;
    esac
    dir=$SRC/build/$b
    say "build/$b: configure $flags"
    mkdir -p "$dir"
    if ! (cd "$dir" && "$SRC/configure" $flags); then
        RESULT[$b]="configure failed (see $dir/config.log)"
        status=1
        continue
    fi
    say "build/$b: make -j$JOBS"
    if ! make -C "$dir" -j"$JOBS"; then
        RESULT[$b]="build failed"
        status=1
        continue
    fi
    say "build/$b: make check"
    if make -C "$dir" -j"$JOBS" check VERBOSE=1; then
        RESULT[$b]="ok"
    else
        RESULT[$b]="make check failed"
        status=1
        if [ -f "$dir/test-suite.log" ]; then
            say "build/$b: test-suite.log"
            cat "$dir/test-suite.log"
        fi
    fi
done

# The verdict lines of every failing test, last: a CI log cut in the
# middle (the test-suite.log above can run to thousands of lines) still
# ends with why each test failed.
verdicts() {
    local log=$1 t
    for t in $(sed -n 's/^\(FAIL\|ERROR\): \(.*\)/\2/p' "$log" | sort -u); do
        [ -f "$(dirname "$log")/$t.log" ] || continue
        echo "  $t:"
        grep -E '^(FAIL|HARNESS|ERROR|not ok)|<-- differs|exited|Killed|impossible' \
            "$(dirname "$log")/$t.log" | grep -v '^FAIL: ' | head -n 25 | sed 's/^/    /'
        sed -n '/^=== results/,/^figures:/p' "$(dirname "$log")/$t.log" | sed 's/^/    /'
    done
}

say "summary"
for b in $BUILDS; do
    printf '  build/%-8s %s\n' "$b" "${RESULT[$b]:-not run}"
    [ -f "$SRC/build/$b/test-suite.log" ] && [ "${RESULT[$b]:-}" = "make check failed" ] &&
        verdicts "$SRC/build/$b/test-suite.log"
done
exit $status
