//! The dependency rules of DESIGN.md §3, checked by reading `src/**/*.rs`:
//! a module may use only modules of lower layers, modules of one layer never
//! use each other, and only `cli` (and `main.rs`) may use clap or indicatif
//! or print. Each file belongs to its top-level module (`src/store/gc.rs`
//! is `store`); every `crate::X` path in it (in `use` lines, groups
//! `crate::{a, b}`, `super::` paths that climb to the crate root, and
//! inline paths) is checked against the layer table below. Comments and
//! string literals are ignored. Like go-containerregistry's
//! `cmd/crane/depcheck_test.go`, this keeps the picture true as code grows.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// The layer of each top-level module (DESIGN.md §3). A new module must be
/// placed here (and in the design) before it can be used.
const LAYERS: &[(&str, u8)] = &[
    ("digest", 0),
    ("reference", 0),
    ("progress", 0),
    ("fsutil", 0),
    ("fsat", 0),
    ("cidr", 0),
    ("image", 1),
    ("layer_tar", 1),
    ("store", 2),
    ("registry", 2),
    ("runtime", 2),
    ("build", 2),
    ("explore", 2),
    ("kube", 2),
    ("compose", 2),
    ("ops", 3),
    ("cli", 4),
    ("main", 5),
];

/// Known breaks of the rules, (user, used, why), each to be removed when
/// the code is fixed; the test fails when an entry is no longer needed.
/// Keep this empty: an entry is debt, not permission.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// Modules that may use clap and indicatif and write to stdout/stderr.
const MAY_PRINT: &[&str] = &["cli", "main"];

/// Identifiers (prefixes) only `MAY_PRINT` modules may name: the CLI and
/// progress-rendering crates, and the macros that write to stdout/stderr.
const CLI_CRATES: &[&str] = &["clap", "indicatif"];
const PRINT_MACROS: &[&str] = &["println", "eprintln", "print", "eprint", "dbg"];

/// The `LAYERS` entry's name for `module` (which has one).
fn module_name(module: &str) -> &'static str {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|&(m, _)| m)
        .unwrap()
}

fn layer_of(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// One broken rule, at a place in a file.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    what: String,
    /// For a use across modules: (user, used).
    between: Option<(&'static str, &'static str)>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// The tokens of Rust source that matter here, with their line numbers:
/// identifiers, `::` and single punctuation. Comments, string, byte string,
/// raw string and char literals are dropped; lifetimes are skipped.
fn tokenize(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advance over c[i..j], counting newlines.
    let skip_to = |i: usize, j: usize, line: &mut usize| {
        *line += c[i..j.min(c.len())]
            .iter()
            .filter(|&&ch| ch == '\n')
            .count();
        j.min(c.len())
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let (mut depth, mut j) = (1, i + 2);
            while j < c.len() && depth > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            i = skip_to(i, j, &mut line);
        } else if let Some(j) = raw_string_end(&c, i) {
            i = skip_to(i, j, &mut line);
        } else if ch == '"' || ((ch == 'b' || ch == 'c') && next == Some('"')) {
            let mut j = if ch == '"' { i + 1 } else { i + 2 };
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            i = skip_to(i, j + 1, &mut line);
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            let q = if ch == '\'' { i } else { i + 1 };
            if c.get(q + 1) == Some(&'\\') {
                // An escaped char literal: '\n', '\'', '\u{..}'.
                let mut j = q + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(q + 2) == Some(&'\'') {
                i = q + 3; // 'x'
            } else {
                i = q + 1; // a lifetime or label: its name is lexed next
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = if ch == 'r' && next == Some('#') {
                i + 2
            } else {
                i
            };
            let mut j = start;
            while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
                j += 1;
            }
            if j == start {
                out.push((Tok::Punct(ch), line));
                i += 1;
            } else {
                out.push((Tok::Ident(c[start..j].iter().collect()), line));
                i = j;
            }
        } else if ch == ':' && next == Some(':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// If a raw (byte/C) string literal starts at `i`, the index after its end.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(c.get(j), Some('b') | Some('c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    // Not raw if this `r` continues an identifier (e.g. `bar"`: impossible
    // in Rust, but `for`, `r#ident` must not be taken for strings).
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    loop {
        if j >= c.len() {
            return Some(j);
        }
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
}

/// The module path of a file below `src/`: `store/gc.rs` -> `[store, gc]`,
/// `store/mod.rs` -> `[store]`, `digest.rs` -> `[digest]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The top-level modules named by `crate::` paths in `src`, with lines.
/// `file_mod` is the file's module path (to resolve `super::`).
fn crate_paths(src: &str, file_mod: &[String]) -> Vec<(String, usize)> {
    let toks = tokenize(src);
    let mut found = Vec::new();
    // Inline modules (`mod tests { .. }`): (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let ident = |k: usize| match toks.get(k) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |k: usize, t: Tok| toks.get(k).is_some_and(|(x, _)| *x == t);
    let mut k = 0;
    while k < toks.len() {
        match &toks[k].0 {
            Tok::Punct('{') => {
                depth += 1;
                if k >= 2 && ident(k - 2) == Some("mod") {
                    if let Some(name) = ident(k - 1) {
                        inline.push((name.to_string(), depth));
                    }
                }
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(id) if id == "crate" || id == "super" => {
                // Only the start of a path: not `x::super`, not `$crate`.
                let starts = k == 0 || !(is(k - 1, Tok::PathSep) || is(k - 1, Tok::Punct('$')));
                if starts && is(k + 1, Tok::PathSep) {
                    let mut j = k;
                    let at_root = if id == "crate" {
                        j += 2;
                        true
                    } else {
                        let mut here: Vec<&str> = file_mod.iter().map(String::as_str).collect();
                        here.extend(inline.iter().map(|(n, _)| n.as_str()));
                        let mut ups = 0;
                        while ident(j) == Some("super") && is(j + 1, Tok::PathSep) {
                            ups += 1;
                            j += 2;
                        }
                        ups == here.len()
                    };
                    if at_root {
                        found.extend(path_heads(&toks, j));
                    }
                    k = j.max(k + 1);
                    continue;
                }
            }
            _ => {}
        }
        k += 1;
    }
    found
}

/// The first segments of the paths starting at token `j` (just after
/// `crate::`): one identifier, or each item of a `{a::b, c, ..}` group.
fn path_heads(toks: &[(Tok, usize)], j: usize) -> Vec<(String, usize)> {
    match toks.get(j) {
        Some((Tok::Ident(s), line)) if s != "self" => vec![(s.clone(), *line)],
        Some((Tok::Punct('{'), _)) => {
            let mut heads = Vec::new();
            let mut depth = 0;
            let mut item_start = true;
            for (t, line) in &toks[j..] {
                match t {
                    Tok::Punct('{') => {
                        depth += 1;
                        item_start = depth == 1;
                        continue;
                    }
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => {
                        item_start = true;
                        continue;
                    }
                    Tok::Ident(s) if depth == 1 && item_start && s != "self" => {
                        heads.push((s.clone(), *line))
                    }
                    _ => {}
                }
                item_start = false;
            }
            heads
        }
        _ => Vec::new(),
    }
}

/// Uses of clap/indicatif and of printing macros in `src`, with lines.
fn printing(src: &str) -> Vec<(String, usize)> {
    let toks = tokenize(src);
    let mut found = Vec::new();
    for (k, (t, line)) in toks.iter().enumerate() {
        let Tok::Ident(id) = t else { continue };
        // A crate path segment, not a field or method of that name.
        let after_dot = k > 0 && toks[k - 1].0 == Tok::Punct('.');
        let crate_like = CLI_CRATES
            .iter()
            .any(|c| id == c || id.starts_with(&format!("{c}_")));
        let in_path = toks.get(k + 1).is_some_and(|(t, _)| *t == Tok::PathSep)
            || (k > 0 && matches!(&toks[k - 1].0, Tok::Ident(u) if u == "use" || u == "crate"));
        if crate_like && in_path && !after_dot {
            found.push((id.clone(), *line));
        }
        let is_macro = toks.get(k + 1).is_some_and(|(t, _)| *t == Tok::Punct('!'))
            && !toks.get(k + 2).is_some_and(|(t, _)| *t == Tok::Punct('='));
        if !after_dot && is_macro && PRINT_MACROS.contains(&id.as_str()) {
            found.push((format!("{id}!"), *line));
        }
    }
    found
}

/// Every violation of the rules in one file (`rel` is relative to `src/`).
fn check_file(rel: &Path, src: &str) -> Vec<Violation> {
    let file = format!("src/{}", rel.display());
    let modpath = module_path(rel);
    let top = modpath.first().cloned().unwrap_or_default();
    let mut out = Vec::new();
    let v = |line, what: String| Violation {
        file: file.clone(),
        line,
        what,
        between: None,
    };
    if top == "lib" {
        // lib.rs only declares the modules (and may re-export).
        return out;
    }
    let Some(layer) = layer_of(&top) else {
        out.push(v(1, format!("module `{top}` has no layer: add it to DESIGN.md §3 and to LAYERS in tests/integration/architecture.rs")));
        return out;
    };
    for (used, line) in crate_paths(src, &modpath) {
        if used == top {
            continue;
        }
        let what = match layer_of(&used) {
            // Not a module (an item defined in lib.rs), or a misspelling
            // the compiler reports; not this test's business.
            None => continue,
            Some(l) if l < layer => continue,
            Some(l) if l == layer => {
                format!("`crate::{used}`: {top} (L{layer}) may not use {used}, another L{l} module; only `ops` combines them")
            }
            Some(l) => format!(
                "`crate::{used}`: {top} (L{layer}) may not use {used} (L{l}), a higher layer"
            ),
        };
        let mut violation = v(line, what);
        violation.between = Some((module_name(&top), module_name(&used)));
        out.push(violation);
    }
    if !MAY_PRINT.contains(&top.as_str()) {
        for (what, line) in printing(src) {
            out.push(v(line, format!("`{what}`: only cli may use clap or indicatif or write to stdout/stderr; {top} returns data and progress events")));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn source_follows_the_layer_rules_of_design_section_3() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("lib.rs")),
        "no src/lib.rs below {}",
        src.display()
    );
    let mut violations = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        violations.extend(check_file(f.strip_prefix(&src).unwrap(), &text));
    }
    let excepted = |v: &Violation| {
        KNOWN_EXCEPTIONS
            .iter()
            .find(|(user, used, _)| v.between == Some((user, used)))
    };
    let mut list: Vec<String> = violations
        .iter()
        .filter(|v| excepted(v).is_none())
        .map(ToString::to_string)
        .collect();
    for (user, used, why) in KNOWN_EXCEPTIONS {
        if !violations.iter().any(|v| v.between == Some((user, used))) {
            list.push(format!(
                "KNOWN_EXCEPTIONS in tests/integration/architecture.rs: {user} no longer uses {used}; remove the entry ({why})"
            ));
        } else {
            eprintln!("warning: known break of the layer rules: {user} uses {used}: {why}");
        }
    }
    assert!(
        list.is_empty(),
        "{} violation(s) of the layer rules (DESIGN.md §3):\n  {}",
        list.len(),
        list.join("\n  ")
    );
}

/// The lines of `src` with their numbers, each cut at its `//` comment
/// (not the `//` of a URL in a string), up to the unit-test module at
/// the end of a file, which lays out its own dirs and calls what it
/// tests.
fn code_lines(src: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        if line.trim_start().starts_with("#[cfg(test)]")
            && next.starts_with("mod ")
            && next.ends_with('{')
        {
            break;
        }
        let code = match line
            .match_indices("//")
            .find(|(at, _)| !line[..*at].ends_with(':'))
        {
            Some((at, _)) => &line[..at],
            None => line,
        };
        out.push((i + 1, code));
    }
    out
}

/// What `check` finds in each file of `src/` that `skip` does not
/// leave out, as `path:line: what`.
fn findings(skip: impl Fn(&Path) -> bool, check: fn(&str) -> Vec<(usize, String)>) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        if skip(rel) || test_only(&src, rel) {
            continue;
        }
        let text = fs::read_to_string(f).unwrap();
        for (line, what) in check(&text) {
            found.push(format!("{}:{line}: {what}", rel.display()));
        }
    }
    found
}

/// Names of the store's on-disk layout that only `store/` may use: a
/// layer's `diff/`, `link`, `layer.json`, the `overlay/` dir and its
/// `l/<short>` links, a container's overlay dirs and their `../containers/`
/// form. Everything else asks the store (`layer_diff`, `overlay_lowers`,
/// `container_overlay`, …), so the layout can change in one place.
fn store_layout_uses(src: &str) -> Vec<(usize, String)> {
    const JOINED: &[&str] = &["diff", "link", "merged", "overlay", "layer.json"];
    const PREFIXES: &[&str] = &["l/", "../containers"];
    let mut out = Vec::new();
    for (n, code) in code_lines(src) {
        for name in JOINED {
            if code.contains(&format!(".join(\"{name}\")")) {
                out.push((n, format!(".join(\"{name}\")")));
            }
        }
        for prefix in PREFIXES {
            if code.contains(&format!("\"{prefix}")) {
                out.push((n, format!("\"{prefix}…\"")));
            }
        }
        // `upper` and `work` also name a mount's own dirs; they are the
        // store's when joined onto a container's or a layer's dir.
        let store_dir = ["container_dir(", "layer_dir(", ".dir.join("]
            .iter()
            .any(|d| code.contains(d));
        for name in ["upper", "work"] {
            if store_dir && code.contains(&format!("join(\"{name}\")")) {
                out.push((n, format!("the store's {name:?} dir")));
            }
        }
    }
    out
}

/// Whether module file `rel` is compiled for unit tests only: its parent
/// declares it under `#[cfg(test)]`.
fn test_only(src: &Path, rel: &Path) -> bool {
    let Some(stem) = rel.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let dir = rel.parent().unwrap_or(Path::new(""));
    let parent = if dir.as_os_str().is_empty() {
        src.join("lib.rs")
    } else {
        src.join(dir).join("mod.rs")
    };
    fs::read_to_string(parent).is_ok_and(|t| t.contains(&format!("#[cfg(test)]\nmod {stem};")))
}

#[test]
fn only_the_store_names_its_directories() {
    let found = findings(|rel| rel.starts_with("store"), store_layout_uses);
    assert!(
        found.is_empty(),
        "the store's layout named outside store/ (ask the store instead):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn layout_checker_finds_joins_and_links() {
    let src = "let d = store.layer_dir(c).join(\"diff\");\n\
               let l = format!(\"l/{}\", short);\n\
               let u = store.container_dir(&id).join(\"upper\");\n\
               let r = PathBuf::from(\"../containers\").join(&id);\n\
               let w = store.layer_dir(top).join(\"work\");\n\
               let url = \"http://x\"; let d = a.join(\"diff\");\n\
               let ok = dir.join(\"upper\"); // a mount's own dir\n\
               #[cfg(test)]\n\
               fn helper() -> PathBuf { base.join(\"diff\") }\n\
               #[cfg(test)]\n\
               mod tests {\n\
               let t = tmp.join(\"diff\");\n";
    let lines: Vec<usize> = store_layout_uses(src).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6, 9]);
}

/// The files that may make the kernel calls that make or enter
/// namespaces and change mounts (DESIGN.md §3): `runtime/sys.rs`, the
/// seam unit tests replay, and `layer_tar/sys.rs`, whose `mknodat` makes
/// whiteouts and device nodes inside a layer's own tree (`layer_tar` lies
/// below `runtime`).
const KERNEL_SEAMS: &[&str] = &["runtime/sys.rs", "layer_tar/sys.rs"];

/// Lines of `src` that make a namespace, mount or id-map call of their
/// own, or import one: qualified calls (`libc::mount(`, `nix::sched::
/// unshare(`), imports of them, bare calls in a file that imports all of
/// libc, `nix::mount` or `nix::sched` (`unshare(`, not `x.unshare(` nor
/// `ops::unshare(` nor `fn unshare(`), raw system call numbers, and
/// writes of `uid_map`, `gid_map` or `setgroups`.
fn kernel_calls(src: &str) -> Vec<(usize, String)> {
    const CALLS: &[&str] = &[
        "mount",
        "umount",
        "umount2",
        "unshare",
        "setns",
        "pivot_root",
        "chroot",
        "mknod",
        "mknodat",
    ];
    // `nix::sched::unshare(` and, after `use nix::sched;`,
    // `sched::unshare(`.
    const QUALIFIED: &[&str] = &["libc::", "mount::", "sched::", "unistd::", "stat::"];
    const SYSCALLS: &[&str] = &[
        "libc::SYS_mount",
        "libc::SYS_umount2",
        "libc::SYS_unshare",
        "libc::SYS_setns",
        "libc::SYS_pivot_root",
        "libc::SYS_open_tree",
        "libc::SYS_move_mount",
        "libc::SYS_mount_setattr",
        "libc::SYS_fsopen",
        "libc::SYS_fsmount",
        "libc::SYS_fsconfig",
        "libc::SYS_fspick",
        "libc::SYS_chroot",
    ];
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let glob = src.lines().any(|l| {
        ["use libc::*", "use nix::mount::*", "use nix::sched::*"]
            .iter()
            .any(|g| l.trim_start().starts_with(g))
    });
    let mut out = Vec::new();
    let mut import = String::new();
    let mut import_line = 0;
    for (ln, code) in code_lines(src) {
        // A `use` of one of them from nix or libc, over however many
        // lines it takes.
        let t = code.trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or(t.strip_prefix("pub "))
            .unwrap_or(t);
        if import.is_empty() && (t.starts_with("use nix::") || t.starts_with("use libc::")) {
            import_line = ln;
        }
        if import_line != 0 {
            import.push_str(code);
            if code.contains(';') {
                let names: Vec<&str> = import.split(|c: char| !word(c)).collect();
                if let Some(n) = CALLS.iter().find(|n| names.contains(n)) {
                    out.push((import_line, format!("imports {n}")));
                }
                import.clear();
                import_line = 0;
            }
            continue;
        }
        for q in QUALIFIED {
            for n in CALLS {
                if [format!("{q}{n}("), format!("{q}{n}::<")]
                    .iter()
                    .any(|c| code.contains(c.as_str()))
                {
                    out.push((ln, format!("{q}{n}(")));
                }
            }
        }
        for sc in SYSCALLS {
            let at = code.match_indices(sc).map(|(a, _)| a + sc.len());
            if at.into_iter().any(|e| !code[e..].starts_with(word)) {
                out.push((ln, sc.to_string()));
            }
        }
        for n in CALLS.iter().filter(|_| glob) {
            for (at, _) in code.match_indices(&format!("{n}(")) {
                let before = &code[..at];
                let bare = !before.ends_with(word)
                    && !before.ends_with('.')
                    && !before.ends_with("::")
                    && !before.ends_with("fn ");
                if bare {
                    out.push((ln, format!("{n}(")));
                }
            }
        }
        // A map file named in a string, but to be read
        // (`/proc/self/uid_map` for who berth is, or shown by `cat` in
        // an example).
        let map_file = [
            "/uid_map\"",
            "/gid_map\"",
            "/setgroups\"",
            "\"uid_map\"",
            "\"gid_map\"",
            "\"setgroups\"",
        ]
        .iter()
        .any(|m| code.contains(m));
        if map_file && !code.contains("read") && !code.contains("cat ") {
            out.push((ln, "an id-map file".into()));
        }
    }
    out.dedup_by_key(|(line, _)| *line);
    out
}

#[test]
fn only_the_seam_makes_namespace_and_mount_calls() {
    let found = findings(
        |rel| KERNEL_SEAMS.iter().any(|s| rel == Path::new(s)),
        kernel_calls,
    );
    assert!(
        found.is_empty(),
        "namespace, mount or id-map calls outside runtime/sys.rs (use its `Sys`):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn kernel_call_checker_finds_calls_and_imports() {
    let src = "nix::sched::unshare(CloneFlags::CLONE_NEWNS)?;\n\
               let _ = libc::mount(a, b, c, d, e);\n\
               use nix::mount::{\n    mount,\n    MsFlags,\n};\n\
               umount2(&p, MntFlags::MNT_DETACH);\n\
               libc::syscall(libc::SYS_open_tree, 0);\n\
               std::fs::write(format!(\"/proc/{pid}/uid_map\"), t)?;\n\
               sys.mount(None, t, None, f, None)?;\n\
               ops::containers::unshare(paths, cmd);\n\
               pub fn mount(paths: &P) {}\n\
               let m = read(\"/proc/self/uid_map\");\n\
               use nix::sched::CloneFlags;\n\
               // unshare(CLONE_NEWNS) in a comment\n\
               let x = libc::SYS_mount_setattr_like;\n\
               #[cfg(test)]\n\
               mod tests {\n\
               libc::mknod(p, 0, 0);\n";
    let lines: Vec<usize> = kernel_calls(src).iter().map(|(l, _)| *l).collect();
    // Line 7's bare `umount2(` is a call of the file's own function: no
    // import brought the kernel's.
    assert_eq!(lines, [1, 2, 3, 8, 9], "{:?}", kernel_calls(src));
    let more = "use nix::sched;\n\
                sched::unshare(f)?;\n\
                nix::unistd::pivot_root::<str, str>(a, b)?;\n\
                std::fs::write(\n\
                    format!(\"/proc/{pid}/uid_map\"),\n\
                    text,\n\
                )?;\n\
                std::fs::write(\"/proc/self/setgroups\", \"deny\")?;\n\
                pub(crate) use nix::mount::umount2;\n\
                let s = std::fs::read_to_string(\"/proc/self/gid_map\");\n";
    let lines: Vec<usize> = kernel_calls(more).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3, 5, 8, 9], "{:?}", kernel_calls(more));
    let glob = "use libc::*;\nfn f() { unshare(0); x.unshare(); }\nfn mount() {}\n";
    let lines: Vec<usize> = kernel_calls(glob).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2]);
}

// ---- tests of the checker itself ----

fn check(rel: &str, src: &str) -> Vec<String> {
    check_file(Path::new(rel), src)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn checker_allows_lower_layers_and_itself() {
    let src = "use crate::digest::Digest;\nuse crate::{fsutil, image::Image};\nuse crate::store::x;\nfn f() { crate::layer_tar::unpack(); }\n";
    assert!(check("store/mod.rs", src).is_empty());
    assert!(check(
        "ops/pull.rs",
        "use crate::{store::Store, registry, runtime::{a, b}};"
    )
    .is_empty());
    assert!(check(
        "cli/mod.rs",
        "use clap::Parser; fn f() { println!(\"x\"); indicatif::ProgressBar::new(1); }"
    )
    .is_empty());
    assert!(check("main.rs", "fn main() { eprintln!(\"Error\"); }").is_empty());
}

#[test]
fn checker_finds_same_layer_and_upward_uses() {
    assert_eq!(
        check("store/blobs.rs", "// x\nuse crate::{digest, registry::Client};\n"),
        ["src/store/blobs.rs:2: `crate::registry`: store (L2) may not use registry, another L2 module; only `ops` combines them"]
    );
    let v = check("digest.rs", "fn f() {\n    let _ = crate::ops::pull;\n}");
    assert_eq!(
        v,
        ["src/digest.rs:2: `crate::ops`: digest (L0) may not use ops (L3), a higher layer"]
    );
    // Multi-line groups name the line of the offending item.
    let v = check(
        "image/mod.rs",
        "use crate::{\n    digest::Digest,\n    store::Store,\n};",
    );
    assert_eq!(v.len(), 1);
    assert!(
        v[0].starts_with("src/image/mod.rs:3: `crate::store`"),
        "{v:?}"
    );
}

#[test]
fn checker_resolves_super_to_the_crate_root() {
    // From src/store/gc.rs, super::super is the crate root.
    assert_eq!(check("store/gc.rs", "use super::super::ops;").len(), 1);
    // From src/store/mod.rs, super is the crate root; in its tests, it is not.
    assert_eq!(check("store/mod.rs", "use super::cli;").len(), 1);
    assert!(check("store/mod.rs", "mod tests {\n use super::cli;\n}").is_empty());
    assert_eq!(
        check("store/mod.rs", "mod tests {\n use super::super::cli;\n}").len(),
        1
    );
    assert!(check("store/gc.rs", "use super::blobs; use self::x;").is_empty());
}

#[test]
fn checker_ignores_comments_strings_and_macro_crate() {
    let src = r##"
        //! ops never calls println!("x") and never uses crate::cli
        /* crate::ops /* nested */ crate::cli */
        const A: &str = "crate::cli println!";
        const B: &str = r#"crate::ops "quoted" println!"#;
        const C: char = '"';
        fn f<'a>(x: &'a str) -> &'a str { x }
        macro_rules! m { () => { $crate::cli::x() } }
        pub(crate) fn g() { let clap_like = 1; let _ = x.clap; }
    "##;
    assert_eq!(check("store/mod.rs", src), Vec::<String>::new());
}

#[test]
fn checker_finds_printing_outside_cli() {
    let v = check(
        "ops/pull.rs",
        "use indicatif::ProgressBar;\nfn f() { println!(\"x\"); eprint!(\"y\"); }",
    );
    assert_eq!(v.len(), 3, "{v:?}");
    assert!(v[0].starts_with("src/ops/pull.rs:1: `indicatif`"), "{v:?}");
    assert!(v[1].starts_with("src/ops/pull.rs:2: `println!`"), "{v:?}");
    assert_eq!(check("store/mod.rs", "use clap_complete::x;").len(), 1);
    assert_eq!(
        check("runtime/mod.rs", "fn f() { std::print!(\"x\") }").len(),
        1
    );
}

#[test]
fn checker_refuses_modules_without_a_layer() {
    let v = check("util.rs", "");
    assert_eq!(v.len(), 1);
    assert!(v[0].contains("module `util` has no layer"), "{v:?}");
}
