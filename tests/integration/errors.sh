#!/bin/bash
# errors.sh: every error path gives its own exit status and one line on
# stderr, "refheap: <message>", and refheap never crashes.
#
#   3  not an ELF core: a text file, /bin/true (ELF, not a core)
#   4  truncated core (or 1, partial): a Python core cut in half; never a crash
#      (also cut at other sizes: any status but a crash)
#   5  not a Python process: core of `sleep`
#   6  missing debug info: Debian python3.11 core with --debug-dir /nonexistent
#      and REFHEAP_NO_DEFAULT_DEBUG_DIRS=1 (names the build-id path it looked
#      for and the package python3.11-dbg)
#   8  OS error: the core file does not exist
#   9  no such process
#   64 usage errors; --help and summary --help exit 0 and name every option
# Exit: 1 if any check fails; 77 if none failed but some could not run here
# (each skip printed with its reason); 0 otherwise.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
FAILS=0
SKIPS=0
N=0

pass() { echo "ok   - $*"; }
failed() { echo "FAIL - $*"; FAILS=$(( FAILS + 1 )); }
skipped() { echo "SKIP - $*"; SKIPS=$(( SKIPS + 1 )); }

# expect_error NAME STATUS ARGS...: refheap ARGS exits STATUS, prints nothing
# on stdout and one line "refheap: ..." on stderr, matching every extended
# regex in MUST_MATCH[] (case-insensitive).  Environment for refheap in
# RH_ENV[] (VAR=value words).
MUST_MATCH=()
RH_ENV=()
expect_error() {
    local name=$1 want=$2 out re ok=1
    shift 2
    N=$(( N + 1 ))
    out=$TESTDIR/err$N
    env ${RH_ENV[@]+"${RH_ENV[@]}"} timeout -k 5 "$TIMEOUT" "$REFHEAP" "$@" \
        > "$out.out" 2> "$out.err"
    local rc=$?
    if [ $rc -ne "$want" ]; then
        failed "$name: exit $(describe_rc $rc), expected $want   (refheap $*)"
        ok=0
    fi
    if ! one_line_error "$out.err"; then
        failed "$name: stderr is not exactly one line starting with 'refheap: '"
        ok=0
    fi
    if [ -s "$out.out" ]; then
        failed "$name: stdout is not empty"
        show_file "$out.out" stdout
        ok=0
    fi
    for re in ${MUST_MATCH[@]+"${MUST_MATCH[@]}"}; do
        if ! grep -qiE -e "$re" "$out.err"; then
            failed "$name: the message does not match /$re/"
            ok=0
        fi
    done
    if [ $ok -eq 1 ]; then
        pass "$name: exit $rc: $(head -n 1 "$out.err")"
    else
        show_file "$out.err" stderr
    fi
    MUST_MATCH=()
    RH_ENV=()
}

# a pid that does not exist (used where no process may be touched)
pid_max=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)
nopid=$(( pid_max - 1 ))
while [ -e "/proc/$nopid" ] && [ $nopid -gt 300 ]; do nopid=$(( nopid - 1 )); done

echo "# usage"
touch "$TESTDIR/some-file"
expect_error "no arguments" 64
expect_error "unknown command" 64 frobnicate
expect_error "unknown global option" 64 --frobnicate
expect_error "unknown summary option" 64 summary --frobnicate "$TESTDIR/some-file"
expect_error "summary without a target" 64 summary
expect_error "summary --json without a target" 64 summary --json
expect_error "--top without its value" 64 summary "$TESTDIR/some-file" --top
expect_error "--top not a number" 64 summary --top many "$TESTDIR/some-file"
expect_error "--pid not a number" 64 summary --pid self
expect_error "both a core and --pid" 64 summary --pid "$nopid" "$TESTDIR/some-file"
expect_error "two cores" 64 summary "$TESTDIR/some-file" "$TESTDIR/some-file"
expect_error "--cache-dir with --no-cache" 64 summary --cache-dir "$TESTDIR/c" --no-cache "$TESTDIR/some-file"

echo "# help"
check_help() {
    local name=$1 opt rc ok=1
    shift
    local words=("${HELP_WORDS[@]}")
    timeout "$TIMEOUT" "$REFHEAP" "$@" > "$TESTDIR/help.out" 2> "$TESTDIR/help.err"
    rc=$?
    [ $rc -eq 0 ] || { failed "$name: exit $(describe_rc $rc), expected 0"; ok=0; }
    [ -s "$TESTDIR/help.out" ] || { failed "$name: nothing on stdout"; ok=0; }
    [ -s "$TESTDIR/help.err" ] && { failed "$name: wrote to stderr"; ok=0; }
    for opt in "${words[@]}"; do
        grep -qe "$opt" "$TESTDIR/help.out" || { failed "$name: does not mention $opt"; ok=0; }
    done
    [ $ok -eq 1 ] && pass "$name: exit 0, mentions ${words[*]}"
}
HELP_WORDS=(summary --help)
check_help "refheap --help" --help
HELP_WORDS=(--json --top --sysroot --exe --debug-dir --cache-dir --no-cache --pid)
check_help "refheap summary --help" summary --help

echo "# not an ELF core"
printf 'this is not an ELF file\n%.0s' $(seq 1 100) > "$TESTDIR/notelf"
expect_error "text file" 3 summary "$TESTDIR/notelf"
true_bin=$(type -P true)
true_bin=$(readlink -f "${true_bin:-/bin/true}")
if [ -f "$true_bin" ] && head -c 4 "$true_bin" | grep -q ELF; then
    MUST_MATCH=(core)
    expect_error "an executable, not a core ($true_bin)" 3 summary "$true_bin"
else
    skipped "ELF executable: $true_bin is not an ELF file"
fi

echo "# OS errors"
MUST_MATCH=("$TESTDIR/does-not-exist")
expect_error "core file does not exist" 8 summary "$TESTDIR/does-not-exist"

echo "# no such process"
MUST_MATCH=("$nopid")
expect_error "pid $nopid does not exist" 9 summary --pid "$nopid"

echo "# not a Python process"
sleep 300 &
sleep_pid=$!
CHILD_PIDS+=("$sleep_pid")
if timeout -k 5 "$TIMEOUT" gcore -o "$TESTDIR/sleep-core" "$sleep_pid" > "$TESTDIR/gcore-sleep.log" 2>&1 &&
        [ -s "$TESTDIR/sleep-core.$sleep_pid" ]; then
    MUST_MATCH=("not a python process")
    expect_error "core of sleep" 5 summary --no-cache "$TESTDIR/sleep-core.$sleep_pid"
    rm -f "$TESTDIR/sleep-core.$sleep_pid"
else
    skipped "core of sleep: gcore failed: $(tail -n 1 "$TESTDIR/gcore-sleep.log")"
fi
kill -KILL "$sleep_pid" 2>/dev/null
wait "$sleep_pid" 2>/dev/null

# cores made from the sample need an interpreter
find_pythons
deb=$(pick_python "debian-python3.11")
any=$(pick_python "pyenv-3.11.7" "debian-python3.11" "*")

echo "# missing debug info"
if [ -z "$deb" ]; then
    skipped "missing debug info: /usr/bin/python3.11 (Debian) is not installed"
elif make_core "${PY_PATHS[$deb]}" "$TESTDIR/deb"; then
    module=$(readlink -f "${PY_PATHS[$deb]}")
    build_id=$(readelf -n "$module" 2>/dev/null | sed -n 's/^.*Build ID: *\([0-9a-f]*\).*$/\1/p' | head -n 1)
    if [ -n "$build_id" ]; then
        MUST_MATCH=("\.build-id/${build_id:0:2}/${build_id:2}\.debug" "python3\.11-dbg")
    else
        echo "note: no readelf or no build-id note in $module: checking the message loosely"
        MUST_MATCH=("\.build-id/" "python3\.11-dbg")
    fi
    RH_ENV=(REFHEAP_NO_DEFAULT_DEBUG_DIRS=1)
    expect_error "Debian python3.11 core, no debug info reachable" 6 \
        summary --no-cache --debug-dir /nonexistent "$CORE"

    # A version refheap does not know is refused by name, not read as if
    # it were a known one: the same core claiming 3.16.0a1 in Py_Version
    echo "# unknown CPython version"
    if out=$("$(host_python)" "$top_srcdir/tests/integration/set_py_version.py" \
                 "$CORE" "$module" 0x031000a1); then
        echo "$out"
        MUST_MATCH=("CPython 3\.16\.0a1" "Py_Version" "3\.8-3\.15" "3\.14\.0-3\.14\.4")
        expect_error "a core claiming CPython 3.16.0a1" 7 summary --no-cache "$CORE"
    else
        failed "unknown CPython version: could not patch the core: $out"
    fi
    rm -f "$CORE"
else
    failed "missing debug info: could not make a core of the sample (harness)"
fi

# 3.14.0-3.14.4 (the incremental collector), when one is given in
# REFHEAP_TEST_PYTHONS: read, not refused (the comparison tests and
# gc_incremental.sh check what is read); its GC state is named as such
echo "# CPython 3.14.0-3.14.4"
inc=
for i in "${!PY_PATHS[@]}"; do
    [ -z "$(py_sysroot "${PY_PATHS[$i]}")" ] || continue
    if [ "$(timeout 30 "${PY_PATHS[$i]}" -I "$top_srcdir/samples/incgc_heap.py" --probe 2>/dev/null)" = incremental ]; then
        inc=${PY_PATHS[$i]}
        break
    fi
done
if [ -z "$inc" ]; then
    echo "note: no CPython 3.14.0-3.14.4 given (REFHEAP_TEST_PYTHONS=/path/to/python3.14 adds one)"
elif make_core "$inc" "$TESTDIR/inc"; then
    timeout -k 5 "$TIMEOUT" "$REFHEAP" summary --json --no-cache "$CORE" > "$TESTDIR/inc/out" 2> "$TESTDIR/inc/err"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q '"model":"incremental"' "$TESTDIR/inc/out"; then
        failed "a CPython 3.14.0-3.14.4 core: exit $(describe_rc $rc), expected 0 and the incremental collector's state"
        show_file "$TESTDIR/inc/err" stderr
    else
        echo "ok: a CPython 3.14.0-3.14.4 core is read (exit 0, model incremental)"
    fi
    rm -f "$CORE"
else
    failed "3.14.0-3.14.4: could not make a core of the sample with $inc (harness)"
fi

echo "# truncated core"
if [ -z "$any" ]; then
    skipped "truncated core: no CPython 3.8+ interpreter found"
elif make_core "${PY_PATHS[$any]}" "$TESTDIR/trunc"; then
    full=$(stat -c %s "$CORE")
    # truncate_case NAME SIZE STRICT
    truncate_case() {
        local name=$1 size=$2 strict=$3 f rc
        f=$TESTDIR/trunc/core.$size
        cp "$CORE" "$f" && truncate -s "$size" "$f"
        timeout -k 5 "$TIMEOUT" "$REFHEAP" summary --json --no-cache "$f" \
            > "$f.out" 2> "$f.err"
        rc=$?
        if is_crash $rc; then
            failed "$name ($size of $full bytes): exit $(describe_rc $rc)"
            show_file "$f.err" stderr
        elif [ "$strict" = yes ]; then
            if [ $rc -ne 4 ] && [ $rc -ne 1 ]; then
                failed "$name ($size of $full bytes): exit $rc, expected 4 (truncated) or 1 (partial)"
                show_file "$f.err" stderr
            elif [ $rc -eq 4 ] && ! one_line_error "$f.err"; then
                failed "$name: exit 4 but stderr is not one line 'refheap: ...'"
                show_file "$f.err" stderr
            elif ! cat "$f.out" "$f.err" | grep -qi truncated; then
                failed "$name: exit $rc but nothing mentions 'truncated'"
                show_file "$f.err" stderr
                show_file "$f.out" stdout
            else
                pass "$name ($size of $full bytes): exit $rc: $(grep -i -m1 truncated "$f.err" "$f.out" | head -c 300)"
            fi
        elif [ $rc -eq 0 ]; then
            failed "$name ($size of $full bytes): exit 0 on a truncated core"
        elif [ $rc -ne 1 ] && ! one_line_error "$f.err"; then
            failed "$name ($size of $full bytes): exit $rc but stderr is not one line 'refheap: ...'"
            show_file "$f.err" stderr
        else
            pass "$name ($size of $full bytes): exit $rc, no crash: $(head -c 200 "$f.err")"
        fi
        rm -f "$f"
    }
    truncate_case "core cut in half" $(( full / 2 )) yes
    truncate_case "core cut at 90%" $(( full / 10 * 9 )) no
    truncate_case "core cut at 10%" $(( full / 10 )) no
    truncate_case "core cut after 4096 bytes" 4096 no
    truncate_case "core cut after the ELF header" 64 no
    rm -f "$CORE"
else
    failed "truncated core: could not make a core of the sample (harness)"
fi

echo
if [ ${#PY_SKIPPED[@]} -gt 0 ]; then
    echo "interpreters not usable here:"
    printf '  %s\n' "${PY_SKIPPED[@]}"
fi
echo "$FAILS failed, $SKIPS skipped"
[ $FAILS -eq 0 ] || exit 1
[ $SKIPS -eq 0 ] || exit 77
exit 0
