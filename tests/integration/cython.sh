#!/bin/bash
# cython.sh: referents of Cython objects against gc.get_referents().
#
# For every host CPython interpreter found (pyenv versions, Debian's
# /usr/bin/python3.11, $REFHEAP_PYTHONS) that Debian's cython3 can build
# for: compile samples/cython/rhcy.pyx with cython3 and -g (so refheap has
# the module's DWARF), run samples/cython_heap.py, which imports it first
# (the Cython runtime types shared between modules are then rhcy's), builds
# Cython functions, fused functions, generators, coroutines and cdef class
# instances, and, under Debian's python3.11, catches Cython-built Debian
# packages mid-work (PyYAML's C loader part-way through a document, lxml's
# iterparse, msgpack's Unpacker); it forks, the parent is dumped with gcore
# and the child records gc.get_referents() of every object.
#
# Fails unless, on every interpreter tested, with tests/tools/referents_dump
# and with `refheap export`:
#   - every object of the Cython runtime types (cython_function_or_method,
#     fused_cython_function, generator, coroutine, coroutine_wrapper;
#     Cython 3 puts them in a module: _cython_3_0_11.generator...) has
#     exactly CPython's referents, read with the module's DWARF (lxml's
#     functions share rhcy's type, so they are read too);
#   - so does every object of the cdef classes (rhcy's, the closures'
#     scope structs, and PyYAML's Mark, lxml's _Element, msgpack's Unpacker
#     where present: Debian strips those) whose tp_traverse refheap reads
#     from its machine code, and every other type it claims to know;
#   - no object anywhere has an exact reference CPython does not report:
#     types refheap cannot know (cdef classes, modules Debian strips) are
#     left to the conservative scan;
#   - the general referents bar of referents.sh holds for builtin types
#     (compare_referents.py --min-builtin 100).
# Cython 3: Debian trixie's python3.13 (in the root find_pythons makes) is
# tested the same way with the root's own cython3 (3.0.11), gcc and
# python3.13-dev, installed in the root by this test when missing (once;
# the root is cached): the module is built and run under chroot and the
# core read with --sysroot. Cython 3.0's runtime types must be read exactly
# too. sid's interpreters are not tested: sid's cython3 is 3.1, whose rows
# refheap does not have (its objects are scanned conservatively).
#
# Skips (77) when no interpreter can build the module (no cython3 on the
# host and no trixie root).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
. "$(dirname "$0")/test-lib.sh"

: "${REFERENTS_DUMP:=$top_builddir/tests/tools/referents_dump}"
CSAMPLE=$top_srcdir/samples/cython_heap.py
CPYX=$top_srcdir/samples/cython/rhcy.pyx
RCOMPARE=$top_srcdir/tests/integration/compare_referents.py
CCHECK=$top_srcdir/tests/integration/check_cython.py
KNOWN=cython_function_or_method,fused_cython_function,generator,coroutine,coroutine_wrapper
[ -x "$REFERENTS_DUMP" ] ||
    hard_error "test driver not found at $REFERENTS_DUMP (make check builds it: make tests/tools/referents_dump)"
[ -f "$CSAMPLE" ] && [ -f "$CPYX" ] || hard_error "no sample at $CSAMPLE / $CPYX"
CYTHON=$(command -v cython3 || command -v cython || true)
CC=${CC:-cc}
HOST_WHY=
[ -n "$CYTHON" ] || HOST_WHY="cython3 not installed on the host (apt-get install cython3; tests/run-all.sh installs it)"
command -v "$CC" > /dev/null || HOST_WHY="no C compiler ($CC) to build the Cython module"

find_pythons
print_pythons
[ ${#PY_PATHS[@]} -gt 0 ] || skip "no CPython 3.8+ interpreter found"
HOSTPY=$(host_python)

# build_ext PYTHON DIR: rhcy built for PYTHON into DIR/ext (with DWARF).
build_ext() {
    local py=$1 dir=$2 inc suffix
    inc=$("$py" -I -S -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null) &&
        suffix=$("$py" -I -S -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null) ||
        { WHY="cannot ask it for its include directory"; return 1; }
    [ -f "$inc/Python.h" ] || { WHY="no Python.h in $inc (install its -dev package)"; return 1; }
    mkdir -p "$dir/ext"
    if ! "$CYTHON" -3 --directive binding=True -o "$dir/ext/rhcy.c" "$CPYX" > "$dir/cython.log" 2>&1; then
        WHY="cython3 failed: $(tail -n 1 "$dir/cython.log")"
        return 1
    fi
    if ! "$CC" -shared -fPIC -g -O2 -I"$inc" "$dir/ext/rhcy.c" -o "$dir/ext/rhcy$suffix" > "$dir/cc.log" 2>&1; then
        WHY="$($CYTHON --version 2>&1) output does not compile for it: $(grep -m1 'error:' "$dir/cc.log")"
        return 1
    fi
}

# root_run ROOT CMD...: CMD under chroot ROOT, with a clean environment.
root_run() {
    local root=$1
    shift
    chroot "$root" env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$@"
}

# root_cython ROOT X.Y: cython3, gcc and pythonX.Y-dev in ROOT, installed
# with the root's apt-get when one is missing (under the lock the roots
# are made with, so that parallel tests install once).
root_cython() {
    local root=$1 v=$2
    _root_has_cython() {
        [ -x "$root/usr/bin/cython3" ] && [ -x "$root/usr/bin/gcc" ] &&
            [ -f "$root/usr/include/python$v/Python.h" ]
    }
    _root_has_cython && return 0
    (
        flock 9
        _root_has_cython && exit 0
        echo "installing cython3 python$v-dev gcc in $root (log: $root.cython.log)"
        apt_root() {
            chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
                apt-get -q -o Acquire::Check-Valid-Until=false "$@"
        }
        { apt_root install -y --no-install-recommends cython3 "python$v-dev" gcc ||
          { apt_root update && apt_root install -y --no-install-recommends cython3 "python$v-dev" gcc; }
        } > "$root.cython.log" 2>&1
        apt_root clean > /dev/null 2>&1
        _root_has_cython
    ) 9> "$ROOTS_DIR.lock"
}

# build_ext_root PYTHON DIR: rhcy built inside PYTHON's root with the
# root's cython3 and gcc, into DIR/ext (DIR is made by py_dir: a link to
# a directory inside the root).
build_ext_root() {
    local py=$1 dir=$2 root v inroot suffix
    root=$(py_sysroot "$py")
    v=$(basename "$py")
    v=${v#python}
    if ! root_cython "$root" "$v"; then
        WHY="could not install cython3 python$v-dev gcc in $root (see $root.cython.log)"
        return 1
    fi
    py_dir "$py" "$dir" || { WHY="cannot make $dir in the root"; return 1; }
    inroot=$(readlink "$dir")
    inroot=${inroot#"$root"}
    mkdir -p "$dir/ext"
    suffix=$(root_run "$root" "${py#"$root"}" -I -S -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))') ||
        { WHY="cannot ask it for its extension suffix"; return 1; }
    if ! root_run "$root" cython3 -3 --directive binding=True -o "$inroot/ext/rhcy.c" \
            /refheap-samples/cython/rhcy.pyx > "$dir/cython.log" 2>&1; then
        WHY="the root's cython3 failed: $(tail -n 1 "$dir/cython.log")"
        return 1
    fi
    if ! root_run "$root" gcc -shared -fPIC -g -O2 -I"/usr/include/python$v" "$inroot/ext/rhcy.c" \
            -o "$inroot/ext/rhcy$suffix" > "$dir/cc.log" 2>&1; then
        WHY="the root's gcc failed: $(grep -m1 'error:' "$dir/cc.log")"
        return 1
    fi
    # Cython 3 names its shared runtime types after its version's
    # module (_cython_3_0_11.generator); 0.29 does not
    CYVER=$(root_run "$root" cython3 --version 2>&1 | sed -n 's/^Cython version \([0-9][0-9.]*\).*/\1/p')
    echo "built with Cython $CYVER in $root"
    case $CYVER in
        3.0.*) TYPE_PREFIX=_cython_${CYVER//./_}. ;;
        *) WHY="the root's Cython is $CYVER, not 3.0"; return 1 ;;
    esac
}

make_cython_core() {
    local py=$1 dir=$2 extra=()
    # Debian's own interpreter: its Cython-built packages too
    case $py in
        /usr/bin/python3*) extra=(--sys-path /usr/lib/python3/dist-packages) ;;
    esac
    stopped_sample_core "$dir" "$dir/record.jsonl" \
        py_exec "$py" -I -S "$CSAMPLE" --ext-dir "$dir/ext" "${extra[@]}" --stop --out "$dir/record.jsonl"
}

RESULTS=()
NOTTESTED=()
FAILED=0
HARNESS=0
TESTED=0
note() { RESULTS+=("$(printf '%-24s %-14s %s' "$1" "$2" "$3")"); }

for i in "${!PY_PATHS[@]}"; do
    label=${PY_LABELS[$i]}
    py=${PY_PATHS[$i]}
    dir=$TESTDIR/$(safe_name "$label")
    echo
    echo "=== $label ($py)"
    WHY=
    TYPE_PREFIX=
    t0=$SECONDS
    if [ -n "${PY_SYSROOT[$py]:-}" ]; then
        case $label in
            trixie-*) build_ext_root "$py" "$dir" || WHY=${WHY:-build failed} ;;
            *) WHY="in a Debian root whose cython3 is not 3.0 (Cython 3.1's types have no rows)" ;;
        esac
    elif [ -n "$HOST_WHY" ]; then
        WHY=$HOST_WHY
    else
        py_dir "$py" "$dir"
        build_ext "$py" "$dir" || WHY=${WHY:-build failed}
    fi
    if [ -n "$WHY" ]; then
        echo "not tested: $WHY"
        NOTTESTED+=("$label: $WHY")
        continue
    fi
    if ! make_cython_core "$py" "$dir"; then
        echo "HARNESS ERROR $label: could not make a core with a record"
        note "$label" "harness error" "see above"
        HARNESS=1
        continue
    fi
    TESTED=$((TESTED + 1))
    cat "$dir/sample.out"
    # cdef classes (their traverse read from the code), Debian's stripped
    # Cython modules' included
    known=$(printf '%s' "$KNOWN" | sed "s/[^,][^,]*/$TYPE_PREFIX&/g")
    require=$known,rhcy.Node,rhcy.Leaf,rhcy.__pyx_scope_struct_5_gen_fn
    grep -q 'have=.*yaml' "$dir/sample.out" && require=$require,yaml._yaml.Mark
    grep -q 'have=.*lxml' "$dir/sample.out" && require=$require,lxml.etree._Element
    grep -q 'have=.*msgpack' "$dir/sample.out" && require=$require,msgpack._cmsgpack.Unpacker
    for tool in dump export; do
        if [ $tool = dump ]; then
            timeout -k 5 "$TIMEOUT" "$REFERENTS_DUMP" "$CORE" > "$dir/$tool.jsonl" 2> "$dir/$tool.err"
        else
            timeout -k 5 "$TIMEOUT" "$REFHEAP" export --no-cache "$CORE" > "$dir/$tool.jsonl" 2> "$dir/$tool.err"
        fi
        rc=$?
        if [ $rc -ne 0 ] && { [ $tool = dump ] || [ $rc -ne 1 ]; }; then
            echo "FAIL $label/$tool: exited $(describe_rc "$rc")"
            show_file "$dir/$tool.err" stderr
            note "$label/$tool" "FAIL" "exited $rc"
            FAILED=1
            continue
        fi
        if [ -s "$dir/$tool.err" ]; then
            echo "problems reported while reading the core ($tool):"
            head -n 10 "$dir/$tool.err" | sed 's/^/  | /'
        fi
        "$HOSTPY" "$CCHECK" "$RECORD" "$dir/$tool.jsonl" --label "$label/$tool" \
            --require "$require" --require-known "$require" --known "$known" \
            --known-from "$dir/dump.jsonl" > "$dir/check-$tool.txt"
        rc=$?
        cat "$dir/check-$tool.txt"
        summary=$(grep '^cython:' "$dir/check-$tool.txt" | sed 's/^cython: //')
        case $rc in
            0) note "$label/$tool" "ok" "$summary" ;;
            99) note "$label/$tool" "harness error" "see above"; HARNESS=1 ;;
            *) note "$label/$tool" "FAIL" "$summary"; FAILED=1 ;;
        esac
        # builtin types keep referents.sh's bar on this heap too
        "$HOSTPY" "$RCOMPARE" "$RECORD" "$dir/$tool.jsonl" --label "$label/$tool" \
            --min-overall 0 > "$dir/compare-$tool.txt"
        rc=$?
        grep '^overall:' "$dir/compare-$tool.txt"
        case $rc in
            0) ;;
            99) grep 'HARNESS' "$dir/compare-$tool.txt"; note "$label/$tool" "harness error" "compare_referents"; HARNESS=1 ;;
            *) grep -- '<-- differs' "$dir/compare-$tool.txt" | grep -v ' extension ' | head -20
               note "$label/$tool" "FAIL" "builtin types differ (compare_referents)"; FAILED=1 ;;
        esac
    done
    rm -f "$CORE"
    echo "$label: $((SECONDS - t0)) s"
done

echo
echo "=== results"
printf '%s\n' "${RESULTS[@]}"
if [ ${#NOTTESTED[@]} -gt 0 ] || [ ${#PY_SKIPPED[@]} -gt 0 ]; then
    echo "not tested:"
    printf '  %s\n' "${NOTTESTED[@]}" "${PY_SKIPPED[@]}"
fi
[ $FAILED -eq 0 ] || exit 1
[ $HARNESS -eq 0 ] || exit 99
[ $TESTED -gt 0 ] || skip "no interpreter could build the Cython module (see above)"
exit 0
