# fish completion for berth (`berth completion fish`).
# Load it with `berth completion fish | source`, or install it as
# ~/.config/fish/completions/berth.fish.

function __berth_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    # Inside quotes: the value, without the quote.
    set cur (string replace -r -- '^[\'"]' '' $cur)
    set -l out ($words[1] __complete $words[2..-1] $cur 2>/dev/null)
    or return
    set -q out[1]; or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    string match -qr '^[0-9]+$' -- $directive; or return
    set -e out[-1]
    printf '%s
' $out
    if test (math "bitand($directive, 2)") -ne 0
        __fish_complete_path $cur
    else if test (math "bitand($directive, 4)") -ne 0
        __fish_complete_directories $cur
    end
end

complete -c berth -f -a '(__berth_complete)'
