# bash completion for refheap(1). Installed as
# $(datadir)/bash-completion/completions/refheap; bash-completion loads it
# on the first `refheap <TAB>`. Without bash-completion: source this file.
_refheap()
{
    local cur prev words cword
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="summary export why refs referrers histogram gc dominators cycles leaks diff report"
    local files="--sysroot --exe --debug-dir --cache-dir --no-cache --no-debuginfod --verbose --stats --help --pid"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return 0
    fi
    local cmd=${COMP_WORDS[1]} opts
    case $cmd in
        summary)    opts="--json --top" ;;
        export)     opts="--format=jsonl --format=heapsnapshot --output --repr --labels --no-alloc-scan" ;;
        why)        opts="--json --paths" ;;
        refs|referrers) opts="--json --dot --output --depth --width --type" ;;
        histogram)  opts="--json --top --sort --type --module" ;;
        gc)         opts="--json" ;;
        dominators) opts="--json --top --type --module" ;;
        cycles|leaks) opts="--json --top" ;;
        diff)       opts="--json --top --paths" ;;
        report)     opts="--output --top" ;;
        *)          return 0 ;;
    esac
    case $prev in
        -p|--pid)
            COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
            return 0 ;;
        --sort)
            COMPREPLY=($(compgen -W "count bytes retained" -- "$cur"))
            return 0 ;;
        --format)
            COMPREPLY=($(compgen -W "jsonl heapsnapshot" -- "$cur"))
            return 0 ;;
        --sysroot|--debug-dir|--cache-dir)
            COMPREPLY=($(compgen -d -- "$cur"))
            return 0 ;;
        -o|--output|--exe)
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0 ;;
        -n|--top|--paths|--depth|--width|--type|--module)
            return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $files" -- "$cur"))
        return 0
    fi
    # CORE, OLD, NEW: files
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _refheap refheap
