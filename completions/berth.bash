# bash completion for berth (`berth completion bash`).
# Load it with `source <(berth completion bash)`, or install it as
# $XDG_DATA_HOME/bash-completion/completions/berth (bash-completion
# then loads it when it is first needed).

_berth() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        # Words as the shell reads them, not split at `:` and `=`.
        _get_comp_words_by_ref -n =: cur words cword
    else
        read -ra words <<<"${COMP_LINE:0:COMP_POINT}"
        cur=""
        if [[ ${COMP_LINE:COMP_POINT-1:1} != [[:space:]] && ${#words[@]} -gt 0 ]]; then
            cur=${words[${#words[@]}-1]}
            unset 'words[${#words[@]}-1]'
        fi
        cword=${#words[@]}
        words+=("$cur")
    fi
    local out
    out=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return
    local -a lines=()
    mapfile -t lines <<<"$out"
    local n=${#lines[@]}
    ((n > 0)) || return
    local directive=${lines[n-1]#:}
    [[ $directive =~ ^[0-9]+$ ]] || return
    COMPREPLY=()
    local line
    for line in "${lines[@]:0:n-1}"; do
        COMPREPLY+=("${line%%$'\t'*}")
    done
    if ((directive & 6)); then
        # Host paths: the part of the word after `--flag=`.
        local path=$cur
        [[ $path == --*=* ]] && path=${path#*=}
        local -a found=()
        if ((directive & 2)); then
            mapfile -t found < <(compgen -f -- "$path")
        else
            mapfile -t found < <(compgen -d -- "$path")
        fi
        local f
        for f in "${found[@]}"; do
            [[ -d $f ]] && f+=/
            COMPREPLY+=("$f")
        done
        ((${#found[@]})) && compopt -o filenames 2>/dev/null
    fi
    # bash replaces only the part of the word after its last `:` or `=`
    # (when COMP_WORDBREAKS has them): leave out what comes before.
    local breaks=${COMP_WORDBREAKS//[^=:]/}
    if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
        local pre=${cur%"${cur##*["$breaks"]}"}
        COMPREPLY=("${COMPREPLY[@]#"$pre"}")
    fi
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[/:=] ]]; then
        compopt -o nospace 2>/dev/null
    fi
}

complete -F _berth berth
