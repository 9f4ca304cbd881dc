#!/bin/bash
# gdb_plugin.sh: the GDB commands of plugin/refheap.gdb, in real GDB (batch
# mode) and in gdb-minimal (no Python, no Guile), on cores and live processes.
#
# The build's plugin/refheap.gdb is sourced with $refheap_bin pointing at the
# built refheap. For every CPython found (test-lib.sh's find_pythons;
# REFHEAP_PYTHONS overrides) and every GDB flavour:
#  core     gdb PYTHON CORE of samples/known_heap.py --stop: `help refheap`,
#           `help refheap why`; `refheap summary --json` must match the
#           interpreter's own record exactly (compare_summary.py); `refheap
#           export -o FILE` must give the record's version, GC generations,
#           permanent generation, gc.garbage and tracked objects; address
#           expressions ((PyObject *) &_Py_NoneStruct, $sp, a struct field)
#           must reach refheap as the value GDB prints for them; usage errors
#           give status 64.
#  attach   gdb -p PID on the sample blocked in read(): summary read from
#           /proc/PID/mem, then through a temporary gcore ($refheap_gcore),
#           then through the automatic fallback when refheap cannot read the
#           process (a wrapper makes `refheap --pid` fail with status 8): all
#           three must match the record the process makes after `detach`, no
#           temporary core may be left, and the process must run and answer
#           a ping after detach.
#  run      gdb --args PYTHON known_heap.py --stop, `run`: at a breakpoint in
#           os_kill, `refheap why --json $rdi` must be about the module object
#           GDB gives for $rdi, and there (the heap is final) the summary
#           must match the sample's record (and work from a temporary core
#           too); then it must stop at its SIGSTOP, and after `signal 0` the
#           program must finish normally.
# Interpreters in a Debian root (test-lib.sh) are read as a user reads them
# in GDB: `set sysroot ROOT` and `set debug-file-directory ROOT/usr/lib/debug`,
# which the plugin hands to refheap; attach names the root's program. `run`
# is skipped for them (the root's interpreter needs the root's libc).
# Plus, once: no target, a missing refheap binary, and the plugin file uses no
# python/guile command.
#
# gdb-minimal conflicts with gdb as a Debian package, so its .deb is unpacked
# (dpkg -x) into $top_builddir/gdb-minimal, from a .deb found there, in
# ../gdb-minimal (tests/run-all.sh puts one there), in apt's cache, or fetched
# with `apt-get download gdb-minimal`. REFHEAP_GDB_MINIMAL=/path/to/gdb uses
# that binary instead. If it cannot be had, the gdb-minimal runs are skipped
# with the reason (the test skips, 77, only if no GDB at all can run).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

require_refheap
PLUGIN=$top_builddir/plugin/refheap.gdb
[ -f "$PLUGIN" ] || hard_error "$PLUGIN not found: build first (make)"

RESULTS=()
FAILED=0
HARNESS=0
note() { RESULTS+=("$(printf '%-44s %-14s %s' "$1" "$2" "$3")"); }
verdict() {
    case $2 in
        0) note "$1" "ok" "${3:-}" ;;
        99) note "$1" "harness error" "see above"; HARNESS=1 ;;
        *) note "$1" "FAIL" "see above"; FAILED=1 ;;
    esac
}

# ------------------------------------------------------------ GDB flavours
GDB_NAMES=()
GDB_BINS=()
GDB_SKIPPED=()

# get_gdb_minimal: prints the path of a gdb-minimal binary, or the reason on
# stderr and returns 1
get_gdb_minimal() {
    local dir deb d tmp
    if [ -n "${REFHEAP_GDB_MINIMAL:-}" ]; then
        [ -x "$REFHEAP_GDB_MINIMAL" ] || { echo "REFHEAP_GDB_MINIMAL=$REFHEAP_GDB_MINIMAL is not executable" >&2; return 1; }
        echo "$REFHEAP_GDB_MINIMAL"
        return 0
    fi
    dir=$top_builddir/gdb-minimal
    if [ -x "$dir/root/usr/bin/gdb" ]; then
        echo "$dir/root/usr/bin/gdb"
        return 0
    fi
    command -v dpkg >/dev/null 2>&1 || { echo "dpkg is not installed (needed to unpack gdb-minimal)" >&2; return 1; }
    mkdir -p "$dir" || { echo "cannot create $dir" >&2; return 1; }
    for d in "$dir" "$top_builddir/../gdb-minimal" /var/cache/apt/archives; do
        deb=$(ls -t "$d"/gdb-minimal_*.deb 2>/dev/null | head -n 1)
        [ -n "$deb" ] && break
    done
    if [ -z "$deb" ]; then
        if ! (cd "$dir" && timeout 120 apt-get download gdb-minimal > "$dir/download.log" 2>&1); then
            echo "cannot get gdb-minimal: 'apt-get download gdb-minimal' failed: $(grep -E '^(E|W):' "$dir/download.log" | head -n 2 | tr '\n' ' ')" >&2
            return 1
        fi
        deb=$(ls -t "$dir"/gdb-minimal_*.deb 2>/dev/null | head -n 1)
        [ -n "$deb" ] || { echo "apt-get download gdb-minimal left no .deb in $dir" >&2; return 1; }
    fi
    # unpack beside, then rename: two builds may do this at once
    tmp=$(mktemp -d "$dir/unpack.XXXXXX") || return 1
    if ! dpkg -x "$deb" "$tmp" 2> "$dir/unpack.log" || [ ! -x "$tmp/usr/bin/gdb" ]; then
        echo "cannot unpack $deb: $(head -n 2 "$dir/unpack.log")" >&2
        rm -rf "$tmp"
        return 1
    fi
    if ! mv -T "$tmp" "$dir/root" 2>/dev/null; then
        rm -rf "$tmp"
        [ -x "$dir/root/usr/bin/gdb" ] || { echo "cannot install gdb-minimal into $dir/root" >&2; return 1; }
    fi
    echo "$dir/root/usr/bin/gdb"
}

if command -v gdb >/dev/null 2>&1; then
    GDB_NAMES+=(gdb)
    GDB_BINS+=("$(command -v gdb)")
else
    GDB_SKIPPED+=("gdb: not installed (apt-get install gdb)")
fi
if gm=$(get_gdb_minimal 2> "$TESTDIR/gdb-minimal.why"); then
    # it must really lack Python: that is the point of the test
    if "$gm" -nx -batch -ex 'python print(12345)' 2>&1 | grep -q 12345; then
        GDB_SKIPPED+=("gdb-minimal: $gm has Python: not a gdb-minimal")
    else
        GDB_NAMES+=(gdb-minimal)
        GDB_BINS+=("$gm")
    fi
else
    GDB_SKIPPED+=("gdb-minimal: $(cat "$TESTDIR/gdb-minimal.why")")
fi
echo "GDB flavours to test:"
for i in "${!GDB_BINS[@]}"; do
    echo "  ${GDB_NAMES[$i]}  ${GDB_BINS[$i]}  ($("${GDB_BINS[$i]}" --version | head -n 1))"
done
for s in "${GDB_SKIPPED[@]}"; do
    echo "  not tested: $s"
done
[ ${#GDB_BINS[@]} -gt 0 ] || skip "no GDB to test with: ${GDB_SKIPPED[*]}"
command -v gcore >/dev/null 2>&1 || skip "gcore is not installed (apt-get install gdb): the samples are dumped with it"

find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found (install pyenv versions or python3.11, or set REFHEAP_PYTHONS)"
HOSTPY=$(host_python)

# Does the refheap being tested have `why` yet? (Its tests run only if so.)
HAVE_WHY=0
"$REFHEAP" why --help > /dev/null 2>&1 && HAVE_WHY=1
echo "refheap why: $([ $HAVE_WHY = 1 ] && echo present || echo 'not in this refheap (its checks are skipped)')"

CACHE=$TESTDIR/cache
mkdir -p "$CACHE"

# A refheap that cannot read live processes: `--pid` fails with status 8 as
# if /proc/PID/mem were not readable. The bridge runs subcommands as its own
# argv[0], so exec -a keeps that the wrapper.
NOPID=$TESTDIR/refheap-nopid
cat > "$NOPID" <<EOF
#!/bin/bash
for a in "\$@"; do
    if [ "\$a" = --pid ]; then
        echo "refheap: cannot open the process's memory (Permission denied) [simulated by gdb_plugin.sh]" >&2
        exit 8
    fi
done
exec -a "\$0" "$REFHEAP" "\$@"
EOF
chmod +x "$NOPID"

# ------------------------------------------------------------ running GDB
# gdb_run GDB OUT TMPDIR ARGS...: GDB in batch mode with the plugin sourced;
# stdout -> OUT.out, stderr -> OUT.err; sets GDB_RC
# For an interpreter in another root ($GDB_ROOT), GDB is told where its
# libraries and debug files are, as a user does (set sysroot, set
# debug-file-directory); the plugin hands both to refheap (--sysroot,
# --debug-dir), so $refheap_bin is the plain refheap, not test-lib's
# wrapper that adds --sysroot itself.
GDB_ROOT=
real_refheap() {
    printf '%s' "${_REAL_TOOL[REFHEAP]:-$REFHEAP}"
}
gdb_run() {
    local gdb=$1 out=$2 tmpd=$3
    local root=()
    shift 3
    if [ -n "$GDB_ROOT" ]; then
        root=(-iex "set sysroot $GDB_ROOT" -iex "set debug-file-directory $GDB_ROOT/usr/lib/debug")
    fi
    timeout -k 5 "$TIMEOUT" "$gdb" -nx -batch \
        -iex 'set debuginfod enabled off' -iex 'set auto-load off' \
        -iex 'set pagination off' -iex 'set confirm off' "${root[@]}" \
        -ex "set \$refheap_bin = \"$(real_refheap)\"" \
        -ex "set \$refheap_options = \"--cache-dir $CACHE\"" \
        -ex "set \$refheap_tmpdir = \"$tmpd\"" \
        -ex "source $PLUGIN" \
        "$@" > "$out.out" 2> "$out.err" < /dev/null
    GDB_RC=$?
}

# section OUT NAME: the lines GDB printed between "@@B NAME" and "@@E NAME"
section() {
    awk -v b="@@B $2" -v e="@@E $2" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$1.out"
}

# status OUT NAME: $refheap_status printed after section NAME
status_of() {
    sed -n "s/^@@S $2 \(-\{0,1\}[0-9]*\)\$/\1/p" "$1.out" | head -n 1
}

# cmd NAME COMMAND...: gdb -ex arguments running COMMAND between markers
# (printf flushes GDB's output, so the markers and refheap's output keep
# their order in the file)
CMD=()
cmd() {
    local name=$1
    shift
    CMD+=(-ex "printf \"@@B $name\\n\"")
    local c
    for c in "$@"; do
        CMD+=(-ex "$c")
    done
    CMD+=(-ex "printf \"@@E $name\\n\"" -ex "printf \"@@S $name %d\\n\", \$refheap_status")
}

show_gdb() {
    show_file "$1.out" "gdb stdout"
    show_file "$1.err" "gdb stderr"
}

# compare_summary NAME OUT SECTION KIND: the section is refheap summary --json
compare_summary() {
    local name=$1 out=$2 sec=$3 kind=$4 st
    section "$out" "$sec" > "$out.$sec.json"
    st=$(status_of "$out" "$sec")
    if [ "$st" != 0 ]; then
        echo "FAIL $name: refheap summary in GDB: \$refheap_status is '${st}', not 0"
        show_gdb "$out"
        return 1
    fi
    "$HOSTPY" "$COMPARE" "$RECORD" "$out.$sec.json" --label "$name" ${kind:+--kind "$kind"}
}

# check_export NAME FILE: the export's snapshot and objects against the record
check_export() {
    "$HOSTPY" - "$RECORD" "$2" "$1" <<'EOF'
import json, sys
rec = json.load(open(sys.argv[1]))
name = sys.argv[3]
bad = []
snap = None
tracked = 0
with open(sys.argv[2]) as f:
    for line in f:
        r = json.loads(line)
        if r.get("record") == "snapshot":
            snap = r
        elif r.get("record") == "object" and r.get("gen") is not None:
            tracked += 1
if snap is None:
    print("FAIL %s: no snapshot record in the export" % name)
    sys.exit(1)
g = rec["gc"]
def eq(what, want, got):
    if want != got:
        bad.append("%s: record %r, export %r" % (what, want, got))
eq("python", rec["python"]["version"], snap.get("python"))
gens = snap["gc"]["generations"]
for i in range(3):
    eq("gen%d threshold" % i, g["thresholds"][i], gens[i]["threshold"])
    eq("gen%d count" % i, g["counts"][i], gens[i]["count"])
    eq("gen%d objects" % i, g["generations"][i]["objects"], gens[i]["objects"])
eq("permanent", g["permanent"]["objects"], snap["gc"]["permanent"])
eq("gc.garbage", g["garbage"], len(snap["gc"]["garbage"]))
eq("tracked objects", rec["objects"]["tracked"], tracked)
if bad:
    print("FAIL %s: refheap export in GDB differs from the record:" % name)
    for b in bad:
        print("  " + b)
    sys.exit(1)
print("OK %s: export: Python %s, generations, permanent, gc.garbage and %d tracked objects match"
      % (name, snap["python"], tracked))
EOF
}

# gdb_value OUT SECTION: the hex value `p/x` printed in SECTION
gdb_value() {
    section "$1" "$2" | sed -n 's/^\$[0-9]* = \(0x[0-9a-f]*\)$/\1/p' | head -n 1
}

# check_addr NAME OUT SECTION EXPECTED: the refheap command run in SECTION got
# address EXPECTED (the verbose "running:" line), and, when why exists, its
# output names it
check_addr() {
    local name=$1 out=$2 sec=$3 want=$4 ran
    if [ -z "$want" ]; then
        echo "FAIL $name: GDB printed no value for the expression of $sec"
        show_gdb "$out"
        return 1
    fi
    ran=$(grep -m 1 "^refheap: running: .* $sec " "$out.err")
    case " $ran " in
        *" $want "*) ;;
        *) echo "FAIL $name: $sec: GDB evaluated the address as $want but refheap ran as: ${ran:-(no running: line)}"
           show_gdb "$out"
           return 1 ;;
    esac
    echo "OK $name: $sec: refheap got $want, the value GDB prints"
}

# ------------------------------------------------------------ cases
case_core() {
    local label=$1 py=$2 gi=$3 dir=$4
    local gname=${GDB_NAMES[$gi]} gdb=${GDB_BINS[$gi]}
    local name="$label core $gname" out="$dir/core-$gname" rc=0 st v want ran
    CMD=()
    cmd help-why "help refheap why"
    cmd help "help refheap"
    cmd sum "refheap summary --json"
    cmd export "refheap export -o $dir/export-$gname.jsonl"
    cmd none-value "p/x (unsigned long) &_Py_NoneStruct"
    cmd sysdict-value "p/x (unsigned long) _PyRuntime.interpreters.main->sysdict"
    cmd sp-value 'p/x (unsigned long) $sp'
    CMD+=(-ex 'set $refheap_verbose = 1')
    cmd why "refheap why (PyObject *) &_Py_NoneStruct"
    cmd why-json "refheap why --json _PyRuntime.interpreters.main->sysdict"
    cmd why-sp 'refheap why $sp --paths 2'
    CMD+=(-ex 'set $refheap_verbose = 0')
    cmd bad-operand "refheap summary bogus"
    cmd no-addr "refheap why"
    cmd bad-pid "refheap why --pid 1 0x10"
    gdb_run "$gdb" "$out" "$dir/tmp-$gname" "${CMD[@]}" "$py" "$CORE"

    section "$out" help-why | grep -q "Why is the object at ADDR alive" ||
        { echo "FAIL $name: help refheap why does not print its documentation"; show_gdb "$out"; rc=1; }
    for sub in summary why refs referrers histogram gc dominators leaks export; do
        section "$out" help | grep -q "^refheap $sub -- " ||
            { echo "FAIL $name: help refheap does not list 'refheap $sub'"; rc=1; }
    done
    compare_summary "$name" "$out" sum core || rc=1
    # the same status as refheap export run directly (1, partial, is usual:
    # a few words of the core are unreadable)
    st=$(status_of "$out" export)
    timeout -k 5 "$TIMEOUT" "$REFHEAP" export --cache-dir "$CACHE" -o /dev/null "$CORE" 2> /dev/null
    want=$?
    if [ "$st" != "$want" ] || [ ! -s "$dir/export-$gname.jsonl" ]; then
        echo "FAIL $name: refheap export -o in GDB: status '$st' (directly: $want), file $dir/export-$gname.jsonl $( [ -s "$dir/export-$gname.jsonl" ] && echo written || echo missing)"
        show_gdb "$out"
        rc=1
    else
        check_export "$name" "$dir/export-$gname.jsonl" || rc=1
    fi
    rm -f "$dir/export-$gname.jsonl"

    v=$(gdb_value "$out" none-value)
    check_addr "$name" "$out" why "$v" || rc=1
    if [ $HAVE_WHY = 1 ] && [ -n "$v" ]; then
        st=$(status_of "$out" why)
        if { [ "$st" != 0 ] && [ "$st" != 1 ]; } || ! section "$out" why | grep -q "$v"; then
            echo "FAIL $name: refheap why $v (None) in GDB: status '$st', output without the address"
            show_gdb "$out"
            rc=1
        fi
    fi
    v=$(gdb_value "$out" sysdict-value)
    if [ -n "$v" ]; then
        ran=$(grep "^refheap: running: .* why .*--json " "$out.err" | head -n 1)
        case " $ran " in
            *" $v "*) echo "OK $name: why --json EXPR: refheap got $v (sys.__dict__)" ;;
            *) echo "FAIL $name: why --json _PyRuntime.interpreters.main->sysdict: GDB says $v, refheap ran as: ${ran:-(nothing)}"; show_gdb "$out"; rc=1 ;;
        esac
        if [ $HAVE_WHY = 1 ]; then
            st=$(status_of "$out" why-json)
            if ! section "$out" why-json | "$HOSTPY" -c '
import json, sys
r = json.loads(sys.stdin.read())
sys.exit(0 if r["addr"] == sys.argv[1] and r["type"] == "dict" and r["verdict"] == "reachable" else 1)' "$v"; then
                echo "FAIL $name: refheap why --json on sys.__dict__ ($v): status '$st', not a reachable dict at that address"
                show_gdb "$out"
                rc=1
            fi
        fi
    else
        echo "note $name: GDB cannot evaluate _PyRuntime.interpreters.main->sysdict (no debug info in GDB?): that check is skipped"
    fi
    v=$(gdb_value "$out" sp-value)
    ran=$(grep "^refheap: running: .* why " "$out.err" | grep -- "--paths 2" | head -n 1)
    case " $ran " in
        *" $v "*) echo "OK $name: why \$sp --paths 2: refheap got $v" ;;
        *) echo "FAIL $name: why \$sp --paths 2: GDB says \$sp = $v, refheap ran as: ${ran:-(nothing)}"; show_gdb "$out"; rc=1 ;;
    esac
    for sec in bad-operand no-addr bad-pid; do
        st=$(status_of "$out" "$sec")
        if [ "$st" != 64 ]; then
            echo "FAIL $name: $sec: \$refheap_status '$st', not 64 (usage)"
            show_gdb "$out"
            rc=1
        fi
    done
    grep -q "refheap summary takes no CORE or address in GDB ('bogus')" "$out.err" ||
        { echo "FAIL $name: no message for 'refheap summary bogus'"; rc=1; }
    if [ -n "$(ls -A "$dir/tmp-$gname" 2>/dev/null)" ]; then
        echo "FAIL $name: files left in the temporary directory: $(ls "$dir/tmp-$gname")"
        rc=1
    fi
    verdict "$name" $rc
}

# tmp_empty NAME DIR: no temporary core left behind
tmp_empty() {
    if [ -n "$(ls -A "$2" 2>/dev/null)" ]; then
        echo "FAIL $1: temporary files left in $2: $(ls -A "$2" | tr '\n' ' ')"
        return 1
    fi
}

case_attach() {
    local label=$1 py=$2 gi=$3 dir=$4
    local gname=${GDB_NAMES[$gi]} gdb=${GDB_BINS[$gi]}
    local name="$label attach $gname" out="$dir/attach-$gname" rc=0 v
    local tmpd="$dir/tmp-attach-$gname"
    CMD=(-ex 'info inferiors')
    cmd direct "refheap summary --json"
    CMD+=(-ex 'set $refheap_gcore = 1')
    cmd gcore "refheap summary --json"
    CMD+=(-ex 'set $refheap_gcore = 0' -ex "set \$refheap_bin = \"$NOPID\"")
    cmd fallback "refheap summary --json"
    CMD+=(-ex "set \$refheap_bin = \"$(real_refheap)\"" -ex 'set $refheap_verbose = 1')
    cmd none-value "p/x (unsigned long) &_Py_NoneStruct"
    cmd why "refheap why (PyObject *) &_Py_NoneStruct"
    CMD+=(-ex detach)
    # GDB finds a process's program by /proc/PID/exe, which for a chrooted
    # process names the host's path to it: with `set sysroot` that path is
    # looked for inside the root and not found. A user names the program
    # (gdb ROOT/usr/bin/python3.X -p PID), so the test does.
    local prog=()
    [ -z "$GDB_ROOT" ] || prog=("$py")
    gdb_run "$gdb" "$out" "$tmpd" "${prog[@]}" -p "$LIVE_PID" "${CMD[@]}"
    if ! grep -q "process $LIVE_PID" "$out.out"; then
        echo "HARNESS ERROR $name: gdb did not attach to $LIVE_PID (exit $GDB_RC)"
        show_gdb "$out"
        verdict "$name" 99
        WAIT_ALIVE=$LIVE_PID wait_until 10 "the target to run" proc_running "$LIVE_PID"
        return
    fi
    # after detach: running, and then its record is the expectation
    if ! WAIT_ALIVE=$LIVE_PID wait_until 10 "the target to run after detach" proc_running "$LIVE_PID"; then
        echo "FAIL $name: after gdb detached, the target is not running: $(thread_states "$LIVE_PID")"
        verdict "$name" 1
        return
    fi
    if ! live_record; then
        echo "HARNESS ERROR $name: the sample could not record its heap"
        verdict "$name" 99
        return
    fi
    compare_summary "$name (read /proc/PID/mem)" "$out" direct live || rc=1
    compare_summary "$name (\$refheap_gcore: temporary core)" "$out" gcore core || rc=1
    compare_summary "$name (not readable: gcore fallback)" "$out" fallback core || rc=1
    if grep -q "cannot read process $LIVE_PID directly (cannot open the process's memory (Permission denied) \[simulated" "$out.err"; then
        echo "OK $name: the fallback said why it wrote a core"
    else
        echo "FAIL $name: no 'cannot read process $LIVE_PID directly' message for the fallback"
        show_gdb "$out"
        rc=1
    fi
    v=$(gdb_value "$out" none-value)
    check_addr "$name" "$out" why "$v" || rc=1
    if ! grep -q -- "--pid $LIVE_PID\$" "$out.err"; then
        echo "FAIL $name: refheap why did not run on --pid $LIVE_PID"
        rc=1
    fi
    tmp_empty "$name" "$tmpd" || rc=1
    if live_ping; then
        echo "OK $name: after detach the process runs and answers a ping"
    else
        echo "FAIL $name: after detach the process does not answer a ping"
        rc=1
    fi
    verdict "$name" $rc
}

case_run() {
    local label=$1 py=$2 gi=$3 dir=$4
    local gname=${GDB_NAMES[$gi]} gdb=${GDB_BINS[$gi]}
    local name="$label run $gname" out="$dir/run-$gname" rc=0 v
    local tmpd="$dir/tmp-run-$gname"
    RECORD=$dir/run-record-$gname.json
    rm -f "$RECORD"
    # first a breakpoint in os.kill's C function (the sample's SIGSTOP):
    # its first argument, the module object, is a GDB expression: $rdi
    CMD=(-ex 'break os_kill' -ex run -ex 'info inferiors')
    cmd bp-value 'p/x (unsigned long) $rdi'
    CMD+=(-ex 'set $refheap_verbose = 1')
    cmd bp-why 'refheap why --json $rdi'
    CMD+=(-ex 'set $refheap_verbose = 0')
    # The heap is compared while the sample sits at that breakpoint, all
    # threads stopped by GDB: its heap is final there. At the SIGSTOP
    # itself it may not be: under ptrace the process-wide SIGSTOP stops
    # only the thread the kernel delivers it to, and when that is not the
    # main thread, the main thread returns from kill() and runs on until
    # GDB stops it too.
    cmd sum "refheap summary --json"
    CMD+=(-ex 'set $refheap_gcore = 1')
    cmd gcore "refheap summary --top 3"
    CMD+=(-ex 'set $refheap_gcore = 0' -ex 'delete' -ex continue -ex 'signal 0')
    gdb_run "$gdb" "$out" "$tmpd" -iex 'set breakpoint pending on' "${CMD[@]}" --args "$py" -I "$SAMPLE" --stop --out "$RECORD"
    if ! grep -q "received signal SIGSTOP" "$out.out"; then
        echo "HARNESS ERROR $name: the sample did not stop under gdb (exit $GDB_RC)"
        show_gdb "$out"
        verdict "$name" 99
        return
    fi
    if ! grep -q "exited normally" "$out.out" || [ ! -s "$RECORD" ]; then
        echo "FAIL $name: after the refheap commands and 'signal 0' the program did not finish normally and record its heap"
        show_gdb "$out"
        verdict "$name" 1
        return
    fi
    compare_summary "$name" "$out" sum live || rc=1
    if grep -q "Breakpoint 1, os_kill (" "$out.out"; then
        v=$(gdb_value "$out" bp-value)
        check_addr "$name" "$out" why "$v" || rc=1
        if [ $HAVE_WHY = 1 ] && ! section "$out" bp-why | "$HOSTPY" -c '
import json, sys
r = json.loads(sys.stdin.read())
sys.exit(0 if r["addr"] == sys.argv[1] and r["type"] == "module" and r["verdict"] == "reachable" else 1)' "$v"; then
            echo "FAIL $name: at the breakpoint in os_kill, refheap why --json \$rdi ($v) is not a reachable module"
            show_gdb "$out"
            rc=1
        elif [ $HAVE_WHY = 1 ]; then
            echo "OK $name: at the breakpoint in os_kill, refheap why \$rdi: the module object, reachable"
        fi
    else
        echo "note $name: no breakpoint in os_kill (no symbol?): the breakpoint check is skipped"
    fi
    if [ "$(status_of "$out" gcore)" != 0 ] || ! section "$out" gcore | grep -q "^Python "; then
        echo "FAIL $name: refheap summary on a temporary core of the process run under gdb failed"
        show_gdb "$out"
        rc=1
    fi
    tmp_empty "$name" "$tmpd" || rc=1
    verdict "$name" $rc
}

# once: the plugin file itself, no target, no refheap binary
case_once() {
    local gi=$1 gname=${GDB_NAMES[$1]} gdb=${GDB_BINS[$1]} out="$TESTDIR/once-${GDB_NAMES[$1]}" rc=0 st
    local name="no target / no binary $gname"
    CMD=()
    cmd none "refheap summary"
    CMD+=(-ex 'set $refheap_bin = "/nonexistent/refheap"')
    cmd nobin "refheap summary"
    gdb_run "$gdb" "$out" "$TESTDIR/tmp-once" "${CMD[@]}"
    st=$(status_of "$out" none)
    if [ "$st" != 9 ] || ! grep -q "GDB has no process and no core file" "$out.err"; then
        echo "FAIL $name: without a target: status '$st' (want 9) or no message"
        show_gdb "$out"
        rc=1
    fi
    st=$(status_of "$out" nobin)
    if [ "$st" != 127 ] || ! grep -q 'cannot run the refheap program "/nonexistent/refheap"' "$out.out"; then
        echo "FAIL $name: with a missing refheap: status '$st' (want 127) or no message"
        show_gdb "$out"
        rc=1
    fi
    case_early_exit "$gi" || rc=1
    verdict "$name" $rc
}

# A refheap that exits before reading GDB's context (a loader error, a
# wrong architecture, a crash at start) must not take GDB down with it:
# GDB still writing the context into a pipe nobody reads would die of
# SIGPIPE, ending the user's session (and detaching a live target). The
# plugin's shell reads the whole context before it runs refheap. strace
# delays each of GDB's writes so that the program has certainly exited
# before GDB writes again: without the fix gdb-minimal died (exit 141) on
# every run; a GDB with Python survives, because Python's initialization
# ignores SIGPIPE for the whole process.
case_early_exit() {
    local gdb=${GDB_BINS[$1]} name="early-exiting refheap ${GDB_NAMES[$1]}"
    local out="$TESTDIR/early-${GDB_NAMES[$1]}" st grc
    if ! command -v strace > /dev/null 2>&1; then
        echo "note $name: no strace here: the SIGPIPE check is skipped"
        return 0
    fi
    # strace needs ptrace, which a container may refuse (GDB's attach cases
    # say so on their own)
    if ! strace -qq -o /dev/null true > /dev/null 2>&1; then
        echo "note $name: strace cannot trace here (ptrace refused?): the SIGPIPE check is skipped"
        return 0
    fi
    printf '#!/bin/sh\nexit 3\n' > "$TESTDIR/exit3"
    chmod +x "$TESTDIR/exit3"
    CMD=(-ex "set \$refheap_bin = \"$TESTDIR/exit3\"")
    cmd early "refheap summary"
    timeout -k 5 "$TIMEOUT" strace -f -qq -o /dev/null -e trace=write \
        -e inject=write:delay_exit=30000:when=2+ \
        "$gdb" -nx -batch -iex 'set auto-load off' -iex 'set pagination off' \
        -iex 'set confirm off' -ex "source $PLUGIN" "${CMD[@]}" \
        > "$out.out" 2> "$out.err" < /dev/null
    grc=$?
    st=$(status_of "$out" early)
    if [ $grc != 0 ] || [ "$st" != 3 ]; then
        echo "FAIL $name: GDB exited $grc (want 0), \$refheap_status '$st' (want 3): a refheap that exits without reading its input must not kill GDB"
        show_gdb "$out"
        return 1
    fi
    echo "OK $name: GDB survives a refheap that exits before reading its input (status 3)"
}

# the plugin uses GDB's command language only
if grep -nE '^[[:space:]]*(python|python-interactive|pi|py|guile|gu|guile-repl|gr)([[:space:]]|$)' "$PLUGIN"; then
    echo "FAIL: $PLUGIN uses python or guile commands (above): it must run in gdb-minimal"
    verdict "plugin uses no python/guile" 1
else
    verdict "plugin uses no python/guile" 0
fi
for gi in "${!GDB_BINS[@]}"; do
    case_once "$gi"
done

for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir="$TESTDIR/$(safe_name "$label")"
    echo
    echo "=== $label ($py)"
    GDB_ROOT=$(py_sysroot "$py")
    mkdir -p "$dir"
    if make_core "$py" "$dir/core-sample"; then
        for gi in "${!GDB_BINS[@]}"; do
            case_core "$label" "$py" "$gi" "$dir"
        done
        rm -f "$CORE"
    else
        echo "HARNESS ERROR $label: no core of the sample"
        note "$label core" "harness error" "no core"
        HARNESS=1
    fi
    if start_live "$py" "$dir/live"; then
        for gi in "${!GDB_BINS[@]}"; do
            proc_alive "$LIVE_PID" && case_attach "$label" "$py" "$gi" "$dir"
        done
        if proc_alive "$LIVE_PID"; then
            live_send q
        else
            echo "FAIL $label: the live sample died"
            _show_sample "$LIVE_DIR"
            note "$label attach" "FAIL" "the sample died"
            FAILED=1
        fi
    else
        echo "HARNESS ERROR $label: the live sample did not start"
        note "$label attach" "harness error" "sample did not start"
        HARNESS=1
    fi
    if [ -n "$GDB_ROOT" ]; then
        # `run` would start the root's interpreter on the host's libc
        echo "SKIP $label run: the interpreter of $GDB_ROOT runs only chrooted there (its libc is not the host's); core and attach are tested"
        continue
    fi
    for gi in "${!GDB_BINS[@]}"; do
        case_run "$label" "$py" "$gi" "$dir"
    done
done

echo
echo "=== results"
printf '%s\n' "${RESULTS[@]}"
[ ${#GDB_SKIPPED[@]} -eq 0 ] || { echo "GDB flavours not tested:"; printf '  %s\n' "${GDB_SKIPPED[@]}"; }
[ ${#PY_SKIPPED[@]} -eq 0 ] || { echo "interpreters not tested:"; printf '  %s\n' "${PY_SKIPPED[@]}"; }
[ $FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
exit 0
