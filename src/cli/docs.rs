//! Shell completions and man pages, generated from the clap definitions
//! so that help, completions and manuals never disagree. The copies kept
//! in `completions/` and `man/` are checked by a test, which rewrites
//! them when `BERTH_REGENERATE_DOCS=1`.

use anyhow::{bail, Result};
use clap::CommandFactory;

/// The completion script for `shell` (bash, zsh or fish). Each script
/// only hands the words to `berth __complete` (see [`super::complete`])
/// and gives the shell what it answers, so that one engine serves the
/// three shells.
pub fn completion(shell: &str) -> Result<Vec<u8>> {
    let script = match shell {
        "bash" => BASH,
        "zsh" => ZSH,
        "fish" => FISH,
        other => bail!("unknown shell {other:?}: expected bash, zsh or fish"),
    };
    Ok(script.as_bytes().to_vec())
}

const BASH: &str = r#"# bash completion for berth (`berth completion bash`).
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
"#;

const ZSH: &str = r#"#compdef berth
# zsh completion for berth (`berth completion zsh`).
# Load it with `source <(berth completion zsh)` after compinit, or install
# it as _berth in a directory of $fpath.

_berth() {
    local out
    out=$("${words[1]}" __complete "${(@Q)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null) || return 1
    local -a lines spaced packed
    lines=("${(@f)out}")
    local directive=${lines[-1]#:}
    [[ $directive == <-> ]] || return 1
    local line value help
    for line in "${(@)lines[1,-2]}"; do
        value=${line%%$'\t'*}
        help=${line#*$'\t'}
        [[ $help == $line ]] && help=""
        value=${value//:/\\:}
        [[ -n $help ]] && value="$value:$help"
        # `NAME:`, `DIR/`, `KEY=`: the word goes on.
        if [[ ${line%%$'\t'*} == *[/:=] ]]; then
            packed+=("$value")
        else
            spaced+=("$value")
        fi
    done
    local ret=1
    (( ${#spaced} )) && _describe -t values berth spaced && ret=0
    (( ${#packed} )) && _describe -t values berth packed -S '' && ret=0
    if (( directive & 2 )); then
        _files && ret=0
    elif (( directive & 4 )); then
        _files -/ && ret=0
    fi
    return ret
}

if [[ $funcstack[1] == _berth ]]; then
    _berth "$@"
else
    compdef _berth berth
fi
"#;

const FISH: &str = r#"# fish completion for berth (`berth completion fish`).
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
"#;

/// Every generated file, as (path relative to the repository, content):
/// `completions/berth.{bash,zsh,fish}` and one page per command in
/// `man/` (`berth.1`, `berth-image-ls.1`, …).
pub fn generated_files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for (shell, name) in [
        ("bash", "berth.bash"),
        ("zsh", "_berth"),
        ("fish", "berth.fish"),
    ] {
        files.push((format!("completions/{name}"), completion(shell)?));
    }
    let mut cmd = with_manual(super::Cli::command(), false);
    cmd.build();
    man_pages(&cmd, "berth", "", &mut files)?;
    Ok(files)
}

/// One page per command: clap_mangen's sections, with the description
/// and an EXAMPLES section from [`super::examples`].
fn man_pages(
    cmd: &clap::Command,
    name: &str,
    path: &str,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<()> {
    let page = cmd.clone().name(name.to_string());
    let man = clap_mangen::Man::new(page.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if page.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if page.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    let Some((_, manual)) = super::examples::page(path) else {
        bail!("the command `berth {path}` has no page in cli/examples.rs");
    };
    out.extend(examples_roff(manual).as_bytes());
    if page.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    files.push((format!("man/{name}.1"), ascii_roff(&out)));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let sub_path = match path {
            "" => sub.get_name().to_string(),
            p => format!("{p} {}", sub.get_name()),
        };
        man_pages(sub, &format!("{name}-{}", sub.get_name()), &sub_path, files)?;
    }
    Ok(())
}

/// `roff` with each character beyond ASCII written as groff's escape
/// (`…` as `\[u2026]`): troff reads its input as Latin-1 unless told
/// otherwise, and would warn about (and garble) UTF-8.
fn ascii_roff(roff: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    for c in String::from_utf8_lossy(roff).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out.into_bytes()
}

/// The EXAMPLES section: what each does, then the command line as typed.
fn examples_roff(page: &super::examples::Page) -> String {
    use roff::{roman, Roff};
    let mut r = Roff::new();
    r.control("SH", ["EXAMPLES"]);
    for (what, line) in page.examples {
        r.control("PP", []);
        r.text([roman(format!("{what}:"))]);
        r.control("RS", ["4"]);
        r.control("nf", []);
        r.text([roman(format!("$ {line}"))]);
        r.control("fi", []);
        r.control("RE", []);
    }
    r.to_roff()
}

/// `cmd` with each command's description and (for `--help`, `help`) its
/// examples, from [`super::examples`].
pub(super) fn with_manual(cmd: clap::Command, help: bool) -> clap::Command {
    fn apply(mut cmd: clap::Command, path: &str, help: bool) -> clap::Command {
        if let Some((description, p)) = super::examples::page(path) {
            cmd = cmd.long_about(description);
            if help {
                let mut text = String::from("Examples:\n");
                for (what, line) in p.examples {
                    text.push_str(&format!("  {what}:\n    {line}\n"));
                }
                cmd = cmd.after_long_help(text.trim_end().to_string());
            }
        }
        let subs: Vec<String> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_string())
            .collect();
        for name in subs {
            let sub_path = match path {
                "" => name.clone(),
                p => format!("{p} {name}"),
            };
            cmd = cmd.mut_subcommand(&name, |s| apply(s, &sub_path, help));
        }
        cmd
    }
    apply(cmd, "", help)
}

#[cfg(test)]
mod tests {
    use super::super::examples::{page, ALIASES, PAGES};
    use clap::CommandFactory;

    /// The words of a command line as a shell splits them (quotes, no
    /// expansions).
    fn shell_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur: Option<String> = None;
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => cur.get_or_insert_with(String::new).push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    cur.get_or_insert_with(String::new);
                }
                (None, ' ') => words.extend(cur.take()),
                (None, c) => cur.get_or_insert_with(String::new).push(c),
            }
        }
        assert!(quote.is_none(), "unclosed quote in {line:?}");
        words.extend(cur);
        words
    }

    fn command_paths(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let p = match path {
                "" => sub.get_name().to_string(),
                p => format!("{p} {}", sub.get_name()),
            };
            command_paths(sub, &p, out);
        }
    }

    #[test]
    fn every_command_has_a_page_and_every_page_a_command() {
        let mut paths = Vec::new();
        // Built, as the pages are generated: deferred definitions (a
        // group whose flags come before its subcommands) filled in.
        let mut cmd = super::super::Cli::command();
        cmd.build();
        command_paths(&cmd, "", &mut paths);
        let pages: Vec<&str> = PAGES.iter().map(|p| p.path).collect();
        for p in &paths {
            assert!(page(p).is_some(), "`berth {p}` has no page");
        }
        for (alias, target) in ALIASES {
            assert!(
                paths.iter().any(|x| x == alias),
                "alias {alias:?}: no command"
            );
            assert!(
                pages.contains(target),
                "alias {alias:?}: no page {target:?}"
            );
            assert!(
                !pages.contains(alias),
                "{alias:?} has a page and is an alias"
            );
        }
        for p in &pages {
            assert!(paths.iter().any(|x| x == p), "page {p:?} names no command");
            assert_eq!(
                pages.iter().filter(|x| *x == p).count(),
                1,
                "page {p:?} twice"
            );
        }
    }

    /// Every example is a command line that berth's own definitions
    /// accept: no unknown flag, no bad value, no missing argument.
    #[test]
    fn every_example_parses_as_its_command() {
        let mut count = 0;
        for page in PAGES {
            assert!(
                !page.examples.is_empty(),
                "page {:?} has no example",
                page.path
            );
            assert!(!page.description.trim().is_empty(), "page {:?}", page.path);
            for (what, line) in page.examples {
                assert!(!what.is_empty(), "{line}");
                let words = shell_words(line);
                assert_eq!(words[0], "berth", "{line}");
                let cmd = super::super::go_bools(super::super::Cli::command());
                let m = cmd
                    .try_get_matches_from(&words)
                    .unwrap_or_else(|e| panic!("{line}: {}", e.render()));
                // It runs the command of its page.
                let mut ran = Vec::new();
                let mut m = &m;
                while let Some((name, sub)) = m.subcommand() {
                    ran.push(name);
                    m = sub;
                }
                let ran = ran.join(" ");
                assert!(
                    ran == page.path
                        || page.path.is_empty()
                        || ran.starts_with(&format!("{} ", page.path)),
                    "the example {line:?} of page {:?} runs `berth {ran}`",
                    page.path
                );
                count += 1;
            }
        }
        assert!(count >= 2 * PAGES.len(), "{count} examples");
    }
}
