//! How layer tars apply, case by case, in the manner of containerd's
//! `pkg/archive` tests (TestBreakouts, the whiteout tests), moby's
//! archive tests and umoci's layer tests: the same kinds of tar, written
//! here as berth's own cases.
//!
//! Each case is a tar and what it must come to: either the whole of
//! `diff/` afterwards (and then the tar must also rebuild byte for byte
//! from it), or the one error it is refused with. Whatever the outcome,
//! nothing outside `diff/` may be created, removed or changed: `victim/`
//! lies beside it, as in moby's tests, and is compared before and after
//! down to modes, times and xattrs.
//!
//! The rules the cases pin down:
//! - a name is cleaned as Go's `filepath.Clean` of it joined to `/`: an
//!   absolute name is inside the layer, `..` stops at the root;
//! - the parent of an entry is resolved inside the layer's root, following
//!   the symlinks earlier entries of the layer made (an absolute target
//!   starts at the root, `..` stops there), as containerd does; the
//!   entry's own name is never followed: it replaces what is there;
//! - a hard link's target is resolved the same way, its last component
//!   not followed;
//! - whiteouts and opaque markers follow the OCI layer spec: they hide
//!   the layers below only, never what this same layer puts at the path,
//!   wherever they come in the tar;
//! - headers are read as Go's `archive/tar` reads them.

use super::tests::{end_of_archive, header, is_root, layer, raw_entry, xattr, Layer};
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use tar::{EntryType, Header};

/// What a case must come to.
enum Want {
    /// Unpacks and rebuilds; `diff/` is then exactly this (see
    /// [`listing`]); `{victim}` stands for the victim directory's absolute
    /// path, in a symlink target, or (without its leading `/`) as a path
    /// inside the layer.
    Tree(&'static [&'static str]),
    /// As `Tree`, and this holds too.
    TreeAnd(&'static [&'static str], fn(&Layer)),
    /// Refused with this message (after the layer's name).
    Refused(&'static str),
}

/// How a case's tar is made.
enum Tar {
    /// Entries: name, type flag, and the link target (types 1 and 2) or
    /// the file's data. `{victim}` is the victim directory's absolute path.
    Entries(&'static [(&'static str, u8, &'static str)]),
    /// Bytes made by hand, for headers no entry list can say.
    Bytes(fn() -> Vec<u8>),
}

struct Case {
    what: &'static str,
    tar: Tar,
    want: Want,
}

fn c(what: &'static str, entries: &'static [(&'static str, u8, &'static str)], want: Want) -> Case {
    Case {
        what,
        tar: Tar::Entries(entries),
        want,
    }
}

fn b(what: &'static str, tar: fn() -> Vec<u8>, want: Want) -> Case {
    Case {
        what,
        tar: Tar::Bytes(tar),
        want,
    }
}

/// `diff/` as sorted lines: `d/` for a directory (`./` for the root,
/// listed only when opaque), then ` opaque` when it hides the layers
/// below; `f = "data"` for a file; `l -> target` for a symlink;
/// `w (whiteout)`; `p (fifo)`; and ` (N links)` after anything with more
/// than one name.
fn listing(l: &Layer) -> Vec<String> {
    fn walk(top: &Path, p: &Path, out: &mut Vec<String>) {
        let md = fs::symlink_metadata(p).unwrap();
        let rel = p.strip_prefix(top).unwrap().display().to_string();
        let ft = md.file_type();
        let mut line = if md.is_dir() {
            let opaque = xattr(p, "user.overlay.opaque").as_deref() == Some(&b"y"[..]);
            if rel.is_empty() && !opaque {
                String::new()
            } else {
                let name = if rel.is_empty() { "." } else { &rel };
                format!("{name}/{}", if opaque { " opaque" } else { "" })
            }
        } else if ft.is_symlink() {
            format!("{rel} -> {}", fs::read_link(p).unwrap().display())
        } else if ft.is_file() {
            format!(
                "{rel} = {:?}",
                String::from_utf8_lossy(&fs::read(p).unwrap())
            )
        } else if ft.is_char_device() && md.rdev() == 0 {
            format!("{rel} (whiteout)")
        } else if ft.is_fifo() {
            format!("{rel} (fifo)")
        } else {
            format!("{rel} (special)")
        };
        if !md.is_dir() && md.nlink() > 1 {
            line.push_str(&format!(" ({} links)", md.nlink()));
        }
        if !line.is_empty() {
            out.push(line);
        }
        if md.is_dir() {
            for e in fs::read_dir(p).unwrap() {
                walk(top, &e.unwrap().path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&l.diff, &l.diff, &mut out);
    // The victim's absolute path, made inside the layer by a case: its
    // ancestors are noise, and the path itself is spelled `{victim}`.
    let victim = l.victim.display().to_string();
    let inside = victim.trim_start_matches('/').to_string();
    let mut out: Vec<String> = out
        .into_iter()
        .filter(|line| {
            let path = line.split([' ']).next().unwrap().trim_end_matches('/');
            !(inside.starts_with(path) && inside.as_bytes().get(path.len()) == Some(&b'/'))
        })
        .map(|line| {
            line.replace(&victim, "{victim}")
                .replace(&inside, "{victim}")
        })
        .collect();
    out.sort();
    out
}

fn make_tar(case: &Case, victim: &str) -> Vec<u8> {
    match case.tar {
        Tar::Bytes(f) => f(),
        Tar::Entries(entries) => {
            let fill = |s: &str| s.replace("{victim}", victim);
            let mut tar = Vec::new();
            for &(name, ty, arg) in entries {
                let (name, arg) = (fill(name), fill(arg));
                let (link, data) = match ty {
                    b'1' | b'2' => (arg.as_bytes(), &b""[..]),
                    _ => (&b""[..], arg.as_bytes()),
                };
                tar.extend(raw_entry(name.as_bytes(), ty, link, data));
            }
            end_of_archive(tar)
        }
    }
}

/// Apply a case to a fresh layer: first, whatever the outcome, nothing
/// outside `diff/` changed; then the outcome is the one wanted.
fn run(case: &Case) -> Result<(), String> {
    let l = layer();
    let victim = l.victim.to_str().unwrap().to_string();
    let tar = make_tar(case, &victim);
    let res = l.unpack(&tar);
    l.contained()?;
    let (tree, check) = match (&case.want, res) {
        (Want::Refused(msg), Err(e)) => {
            let got = format!("{e:#}");
            let want = format!("layer sha256:test: {}", msg.replace("{victim}", &victim));
            if got != want {
                return Err(format!(
                    "refused with\n    {got:?}\n  expected\n    {want:?}"
                ));
            }
            if l.split.exists() {
                return Err("a failed unpack left its tar-split".into());
            }
            return Ok(());
        }
        (Want::Refused(_), Ok(_)) => {
            return Err(format!("accepted, giving {:?}", listing(&l)));
        }
        (_, Err(e)) => return Err(format!("refused: {e:#}")),
        (Want::Tree(t), Ok(_)) => (t, None),
        (Want::TreeAnd(t, f), Ok(_)) => (t, Some(f)),
    };
    let got = listing(&l);
    let mut want: Vec<String> = tree.iter().map(|s| s.to_string()).collect();
    want.sort();
    if got != want {
        return Err(format!(
            "diff/ holds\n    {got:?}\n  expected\n    {want:?}"
        ));
    }
    match l.rebuild() {
        Ok(out) if out == tar => {}
        Ok(_) => return Err("does not rebuild to the same bytes".into()),
        Err(e) => return Err(format!("does not rebuild: {e:#}")),
    }
    // The layer explorer reads the stored layer's entries back, as the
    // stream and as the tar-split: both must take what unpacking took.
    let from_split = super::split_entries_into(&l.split, Vec::new())
        .map_err(|e| format!("its tar-split's entries do not read: {e:#}"))?;
    let mut parser = super::EntryParser::new();
    let read = |e: anyhow::Error| format!("its entries do not read: {e:#}");
    parser.feed(&tar).map_err(read)?;
    let from_stream = parser.finish().map_err(read)?;
    if from_stream != from_split {
        return Err("its entries differ between the stream and the tar-split".into());
    }
    if let Some(check) = check {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&l))).map_err(|e| {
            match e.downcast_ref::<String>() {
                Some(m) => m.clone(),
                None => "its check failed".to_string(),
            }
        })?;
    }
    Ok(())
}

fn run_all() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut failed = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if let Err(e) = run(case) {
            failed.push(format!("case {i} ({}): {e}", case.what));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_case_applies_as_containerd_or_is_refused_and_nothing_leaves_the_root() {
    run_all();
}

/// The same on a kernel without `openat2(2)`, whose fallback walks each
/// path with `openat(O_NOFOLLOW)`. (Every later lookup in this test
/// process takes the fallback too, which gives the same answers.)
#[test]
fn the_same_without_openat2() {
    super::sys::without_openat2();
    run_all();
}

fn cases() -> Vec<Case> {
    use Want::*;
    let mut v = vec![
        // Names: absolute, `..`, odd spellings.
        c(
            "dot-dot file",
            &[("../x", b'0', "evil")],
            Tree(&[r#"x = "evil""#]),
        ),
        c(
            "dot-dot two levels up",
            &[("../../x", b'0', "evil")],
            Tree(&[r#"x = "evil""#]),
        ),
        c(
            "dot-dot over a victim file",
            &[("../victim/passwd", b'0', "pwned")],
            Tree(&["victim/", r#"victim/passwd = "pwned""#]),
        ),
        c(
            "dot-dot directory",
            &[("a/../../x/", b'5', "")],
            Tree(&["x/"]),
        ),
        c(
            "dot-dot in the middle",
            &[("a/b/../../../c", b'0', "c")],
            Tree(&[r#"c = "c""#]),
        ),
        c(
            "absolute name",
            &[("{victim}/passwd", b'0', "inside")],
            Tree(&["{victim}/", r#"{victim}/passwd = "inside""#]),
        ),
        c(
            "absolute directory",
            &[("{victim}/sub/", b'5', "")],
            Tree(&["{victim}/", "{victim}/sub/"]),
        ),
        c(
            "dot-dot after the root of an absolute name",
            &[("/../../../victim/passwd", b'0', "p")],
            Tree(&["victim/", r#"victim/passwd = "p""#]),
        ),
        c(
            "file named dot-dot",
            &[("..", b'0', "x")],
            Refused(r#"entry "..": entry would replace the layer's root directory"#),
        ),
        c(
            "file that cleans to the root",
            &[("a/..", b'0', "x")],
            Refused(r#"entry "a/..": entry would replace the layer's root directory"#),
        ),
        c(
            "symlink named dot-dot",
            &[("..", b'2', "/")],
            Refused(r#"entry "..": entry would replace the layer's root directory"#),
        ),
        c(
            "directory named dot-dot is the root",
            &[("../", b'5', "")],
            Tree(&[]),
        ),
        c(
            "dots and slashes",
            &[("./././/x", b'0', "x")],
            Tree(&[r#"x = "x""#]),
        ),
        // Entries whose parent is a symlink of this layer.
        c(
            "file through an absolute symlink",
            &[("a", b'2', "{victim}"), ("a/passwd", b'0', "pwned")],
            Tree(&["a -> {victim}", "{victim}/", r#"{victim}/passwd = "pwned""#]),
        ),
        c(
            "file through a relative symlink out",
            &[("a", b'2', "../victim"), ("a/passwd", b'0', "pwned")],
            Tree(&["a -> ../victim", "victim/", r#"victim/passwd = "pwned""#]),
        ),
        c(
            "directory through a deeper relative symlink",
            &[
                ("d/", b'5', ""),
                ("d/up", b'2', "../../victim"),
                ("d/up/newdir/", b'5', ""),
            ],
            Tree(&["d/", "d/up -> ../../victim", "victim/", "victim/newdir/"]),
        ),
        c(
            "symlink through a relative symlink",
            &[("a", b'2', "../victim"), ("a/evil", b'2', "/")],
            Tree(&["a -> ../victim", "victim/", "victim/evil -> /"]),
        ),
        c(
            "symlink to the root",
            &[("a", b'2', "/"), ("a/f", b'0', "x")],
            Tree(&["a -> /", r#"f = "x""#]),
        ),
        c(
            "symlink to dot",
            &[("a", b'2', "."), ("a/a/a/f", b'0', "x")],
            Tree(&["a -> .", r#"f = "x""#]),
        ),
        c(
            "chain of absolute symlinks",
            &[
                ("a", b'2', "/b"),
                ("b", b'2', "{victim}"),
                ("a/passwd", b'0', "p"),
            ],
            Tree(&[
                "a -> /b",
                "b -> {victim}",
                "{victim}/",
                r#"{victim}/passwd = "p""#,
            ]),
        ),
        c(
            "chain of relative symlinks through a missing directory",
            &[
                ("d/", b'5', ""),
                ("d/a", b'2', "../b"),
                ("b", b'2', "c/../../victim"),
                ("d/a/passwd", b'0', "p"),
            ],
            Tree(&[
                "b -> c/../../victim",
                "d/",
                "d/a -> ../b",
                "victim/",
                r#"victim/passwd = "p""#,
            ]),
        ),
        c(
            "long chain of symlinks",
            &[
                ("d/", b'5', ""),
                ("l1", b'2', "l2"),
                ("l2", b'2', "l3"),
                ("l3", b'2', "/l4"),
                ("l4", b'2', "./d/../d"),
                ("l1/f", b'0', "x"),
            ],
            Tree(&[
                "d/",
                r#"d/f = "x""#,
                "l1 -> l2",
                "l2 -> l3",
                "l3 -> /l4",
                "l4 -> ./d/../d",
            ]),
        ),
        c(
            "symlink loop",
            &[("a", b'2', "b"), ("b", b'2', "a"), ("a/f", b'0', "x")],
            Refused(r#"entry "a/f": resolving "a": more than 255 symlinks (a loop?)"#),
        ),
        c(
            "symlink to itself",
            &[("a", b'2', "a"), ("a/f", b'0', "x")],
            Refused(r#"entry "a/f": resolving "a": more than 255 symlinks (a loop?)"#),
        ),
        c(
            "symlink to a file",
            &[("f", b'0', "x"), ("l", b'2', "f"), ("l/g", b'0', "y")],
            Refused(r#"entry "l/g": parent "f" is not a directory"#),
        ),
        c(
            "file under a regular file",
            &[("f", b'0', "x"), ("f/g", b'0', "y")],
            Refused(r#"entry "f/g": parent "f" is not a directory"#),
        ),
        c(
            "dangling symlink: its target is made",
            &[("a", b'2', "/missing/deep"), ("a/f", b'0', "x")],
            Tree(&[
                "a -> /missing/deep",
                "missing/",
                "missing/deep/",
                r#"missing/deep/f = "x""#,
            ]),
        ),
        c(
            "symlink in the middle of a path",
            &[
                ("d/", b'5', ""),
                ("d/s", b'2', "../e"),
                ("d/s/f", b'0', "x"),
            ],
            Tree(&["d/", "d/s -> ../e", "e/", r#"e/f = "x""#]),
        ),
        c(
            "symlink, then its target as an entry",
            &[("a", b'2', "b"), ("b/", b'5', ""), ("a/f", b'0', "x")],
            Tree(&["a -> b", "b/", r#"b/f = "x""#]),
        ),
        c(
            "symlink in a subdirectory to an absolute sibling",
            &[("a/b", b'2', "/c"), ("a/b/f", b'0', "x")],
            Tree(&["a/", "a/b -> /c", "c/", r#"c/f = "x""#]),
        ),
        c(
            "symlink far above the root",
            &[("a", b'2', "../../../../../../../x"), ("a/f", b'0', "y")],
            Tree(&["a -> ../../../../../../../x", "x/", r#"x/f = "y""#]),
        ),
        c(
            "symlink into the victim's subdirectory",
            &[("a", b'2', "../victim/sub"), ("a/keep", b'0', "pwned")],
            Tree(&[
                "a -> ../victim/sub",
                "victim/",
                "victim/sub/",
                r#"victim/sub/keep = "pwned""#,
            ]),
        ),
        c(
            "fifo through a symlink",
            &[("a", b'2', "{victim}"), ("a/p", b'6', "")],
            Tree(&["a -> {victim}", "{victim}/", "{victim}/p (fifo)"]),
        ),
        c(
            "directory metadata through a symlink",
            &[("a", b'2', "{victim}"), ("a/sub/", b'5', "")],
            Tree(&["a -> {victim}", "{victim}/", "{victim}/sub/"]),
        ),
        c(
            "directory metadata through a relative symlink",
            &[("a", b'2', "../victim"), ("a/", b'5', "")],
            Tree(&["a/ opaque"]),
        ),
        // Replacing what an earlier entry made: the new entry's own name
        // is never followed.
        c(
            "a directory replaces a symlink",
            &[
                ("a", b'2', "{victim}"),
                ("a/", b'5', ""),
                ("a/f", b'0', "x"),
            ],
            Tree(&["a/ opaque", r#"a/f = "x""#]),
        ),
        c(
            "a symlink replaces a directory, then an entry goes through it",
            &[
                ("a/", b'5', ""),
                ("a/x", b'0', "x"),
                ("a", b'2', "../victim"),
                ("a/passwd", b'0', "p"),
            ],
            Tree(&["a -> ../victim", "victim/", r#"victim/passwd = "p""#]),
        ),
        c(
            "a file replaces a symlink",
            &[("a", b'2', "{victim}/passwd"), ("a", b'0', "mine")],
            Tree(&[r#"a = "mine""#]),
        ),
        c(
            "a symlink replaces a file",
            &[("a", b'0', "x"), ("a", b'2', "{victim}/passwd")],
            Tree(&["a -> {victim}/passwd"]),
        ),
        c(
            "a symlink replaces a symlink",
            &[("l", b'2', "a"), ("l", b'2', "{victim}")],
            Tree(&["l -> {victim}"]),
        ),
        c(
            "a directory replaces a file",
            &[("f", b'0', "x"), ("f/", b'5', "")],
            Tree(&["f/ opaque"]),
        ),
        c(
            "a file replaces a directory",
            &[("d/", b'5', ""), ("d/x", b'0', "x"), ("d", b'0', "D")],
            Tree(&[r#"d = "D""#]),
        ),
        c(
            "a fifo replaces a symlink to the victim",
            &[("p", b'2', "{victim}/passwd"), ("p", b'6', "")],
            Tree(&["p (fifo)"]),
        ),
        c(
            "symlink with an absolute target is kept as written",
            &[("l", b'2', "{victim}/passwd")],
            Tree(&["l -> {victim}/passwd"]),
        ),
        c(
            "symlink with a dot-dot target is kept as written",
            &[("l", b'2', "../../../etc/shadow")],
            Tree(&["l -> ../../../etc/shadow"]),
        ),
        // Whiteouts and opaque markers, through symlinks.
        c(
            "whiteout through an absolute symlink",
            &[("a", b'2', "{victim}"), ("a/.wh.passwd", b'0', "")],
            Tree(&["a -> {victim}", "{victim}/", "{victim}/passwd (whiteout)"]),
        ),
        c(
            "whiteout through a relative symlink",
            &[("a", b'2', "../victim"), ("a/.wh.passwd", b'0', "")],
            Tree(&["a -> ../victim", "victim/", "victim/passwd (whiteout)"]),
        ),
        c(
            "whiteout of a directory through a symlink",
            &[("a", b'2', "../victim"), ("a/.wh.sub", b'0', "")],
            Tree(&["a -> ../victim", "victim/", "victim/sub (whiteout)"]),
        ),
        c(
            "whiteout below a symlink",
            &[("a", b'2', "{victim}"), ("a/sub/.wh.keep", b'0', "")],
            Tree(&[
                "a -> {victim}",
                "{victim}/",
                "{victim}/sub/",
                "{victim}/sub/keep (whiteout)",
            ]),
        ),
        c(
            "whiteout through a symlink that replaced a directory",
            &[
                ("a/", b'5', ""),
                ("a/x", b'0', "x"),
                ("a", b'2', "../victim"),
                ("a/.wh.passwd", b'0', ""),
            ],
            Tree(&["a -> ../victim", "victim/", "victim/passwd (whiteout)"]),
        ),
        c(
            "opaque marker through an absolute symlink",
            &[("a", b'2', "{victim}"), ("a/.wh..wh..opq", b'0', "")],
            Tree(&["a -> {victim}", "{victim}/ opaque"]),
        ),
        c(
            "opaque marker through a relative symlink",
            &[("a", b'2', "../victim"), ("a/.wh..wh..opq", b'0', "")],
            Tree(&["a -> ../victim", "victim/ opaque"]),
        ),
        c(
            "whiteout named dot-dot",
            &[(".wh...", b'0', "")],
            Refused(r#"entry ".wh...": invalid whiteout name"#),
        ),
        c(
            "whiteout named dot",
            &[("d/.wh..", b'0', "")],
            Refused(r#"entry "d/.wh..": invalid whiteout name"#),
        ),
        c(
            "whiteout with an empty name",
            &[(".wh.", b'0', "")],
            Refused(r#"entry ".wh.": invalid whiteout name"#),
        ),
        c(
            "whiteout under a file",
            &[("f", b'0', "x"), ("f/.wh.g", b'0', "")],
            Refused(r#"entry "f/.wh.g": parent "f" is not a directory"#),
        ),
        c(
            "opaque marker under a file",
            &[("f", b'0', "x"), ("f/.wh..wh..opq", b'0', "")],
            Refused(r#"entry "f/.wh..wh..opq": parent "f" is not a directory"#),
        ),
        // The OCI rules: a whiteout hides the layers below, never what
        // this layer has at the path, wherever it comes in the tar.
        c(
            "whiteout of a symlink of this layer keeps the link",
            &[("a", b'2', "{victim}"), (".wh.a", b'0', "")],
            Tree(&["a -> {victim}"]),
        ),
        c(
            "whiteout of a file of this layer keeps the file",
            &[("f", b'0', "content"), (".wh.f", b'0', "")],
            Tree(&[r#"f = "content""#]),
        ),
        c(
            "whiteout of a directory of this layer keeps its entries, not the lower ones",
            &[("d/", b'5', ""), ("d/x", b'0', "x"), (".wh.d", b'0', "")],
            Tree(&["d/ opaque", r#"d/x = "x""#]),
        ),
        c(
            "whiteout of a hard-linked file of this layer keeps both names",
            &[("f", b'0', "x"), ("h", b'1', "f"), (".wh.f", b'0', "")],
            Tree(&[r#"f = "x" (2 links)"#, r#"h = "x" (2 links)"#]),
        ),
        c(
            "whiteout, then a file of the same name",
            &[(".wh.f", b'0', ""), ("f", b'0', "new")],
            Tree(&[r#"f = "new""#]),
        ),
        c(
            "whiteout, then a directory of the same name",
            &[(".wh.d", b'0', ""), ("d/", b'5', ""), ("d/x", b'0', "x")],
            Tree(&["d/ opaque", r#"d/x = "x""#]),
        ),
        c(
            "whiteout, then an entry below it",
            &[(".wh.d", b'0', ""), ("d/x", b'0', "x")],
            Tree(&["d/ opaque", r#"d/x = "x""#]),
        ),
        c(
            "whiteout, then a deeper entry below it",
            &[("a/.wh.b", b'0', ""), ("a/b/c/x", b'0', "x")],
            Tree(&["a/", "a/b/ opaque", "a/b/c/", r#"a/b/c/x = "x""#]),
        ),
        c(
            "whiteout, then a symlink of the same name",
            &[(".wh.s", b'0', ""), ("s", b'2', "t")],
            Tree(&["s -> t"]),
        ),
        c(
            "whiteout, then a whiteout below it",
            &[(".wh.d", b'0', ""), ("d/.wh.x", b'0', "")],
            Tree(&["d/ opaque", "d/x (whiteout)"]),
        ),
        c(
            "whiteout in a directory the tar never lists",
            &[("e/sub/.wh.x", b'0', "")],
            Tree(&["e/", "e/sub/", "e/sub/x (whiteout)"]),
        ),
        c(
            "two whiteouts of one name",
            &[(".wh.x", b'0', ""), (".wh.x", b'0', "")],
            Tree(&["x (whiteout)"]),
        ),
        c(
            "whiteout with data",
            &[(".wh.x", b'0', "data that goes nowhere")],
            Tree(&["x (whiteout)"]),
        ),
        c(
            "whiteout of a name with spaces and dots",
            &[("d/.wh.a b.c", b'0', "")],
            Tree(&["d/", "d/a b.c (whiteout)"]),
        ),
        c(
            "whiteout as a directory entry",
            &[("d/.wh.x/", b'5', "")],
            Tree(&["d/", "d/x (whiteout)"]),
        ),
        c(
            "whiteout and opaque marker in one directory",
            &[("d/.wh..wh..opq", b'0', ""), ("d/.wh.x", b'0', "")],
            Tree(&["d/ opaque", "d/x (whiteout)"]),
        ),
        c(
            "opaque marker before the directory's entries",
            &[
                ("a/", b'5', ""),
                ("a/.wh..wh..opq", b'0', ""),
                ("a/b/", b'5', ""),
                ("a/b/c/", b'5', ""),
                ("a/b/c/foo", b'0', "foo"),
            ],
            Tree(&["a/ opaque", "a/b/", "a/b/c/", r#"a/b/c/foo = "foo""#]),
        ),
        c(
            "opaque marker after the directory's entries",
            &[
                ("a/", b'5', ""),
                ("a/b/", b'5', ""),
                ("a/b/c/", b'5', ""),
                ("a/b/c/foo", b'0', "foo"),
                ("a/.wh..wh..opq", b'0', ""),
            ],
            Tree(&["a/ opaque", "a/b/", "a/b/c/", r#"a/b/c/foo = "foo""#]),
        ),
        c(
            "opaque marker of a directory the tar never lists",
            &[("d/.wh..wh..opq", b'0', "")],
            Tree(&["d/ opaque"]),
        ),
        c(
            "opaque marker, then the directory's own entry",
            &[("d/.wh..wh..opq", b'0', ""), ("d/", b'5', "")],
            Tree(&["d/ opaque"]),
        ),
        c(
            "opaque marker at the root",
            &[(".wh..wh..opq", b'0', "")],
            Tree(&["./ opaque"]),
        ),
        c(
            "opaque marker of a directory a later entry replaces",
            &[
                ("d/", b'5', ""),
                ("d/.wh..wh..opq", b'0', ""),
                ("d", b'0', "D"),
            ],
            Tree(&[r#"d = "D""#]),
        ),
        c(
            "AUFS hard-link directory is not unpacked",
            &[
                (".wh..wh.plnk/", b'5', ""),
                (".wh..wh.plnk/123.456", b'0', "x"),
            ],
            Tree(&[]),
        ),
        c(
            "AUFS metadata file",
            &[(".wh..wh.aufs", b'0', "")],
            Tree(&[]),
        ),
        c(
            "a directory named like a whiteout holds content",
            &[("a/.wh.x/f", b'0', "y")],
            Tree(&["a/", "a/.wh.x/", r#"a/.wh.x/f = "y""#]),
        ),
        // Hard links.
        c(
            "hard link named through a relative symlink",
            &[
                ("f", b'0', "x"),
                ("a", b'2', "../victim"),
                ("a/h", b'1', "f"),
            ],
            Tree(&[
                "a -> ../victim",
                r#"f = "x" (2 links)"#,
                "victim/",
                r#"victim/h = "x" (2 links)"#,
            ]),
        ),
        c(
            "hard link named through an absolute symlink",
            &[
                ("f", b'0', "x"),
                ("a", b'2', "{victim}"),
                ("a/h", b'1', "f"),
            ],
            Tree(&[
                "a -> {victim}",
                r#"f = "x" (2 links)"#,
                "{victim}/",
                r#"{victim}/h = "x" (2 links)"#,
            ]),
        ),
        c(
            "hard link to a file through a symlink out",
            &[("s", b'2', "{victim}"), ("h", b'1', "s/secret")],
            Refused(
                r#"entry "h": hard link target "s/secret" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to a dot-dot target",
            &[("h", b'1', "../victim/secret")],
            Refused(
                r#"entry "h": hard link target "../victim/secret" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to an absolute target outside",
            &[("h", b'1', "{victim}/secret")],
            Refused(
                r#"entry "h": hard link target "{victim}/secret" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to a symlink links the symlink",
            &[("s", b'2', "{victim}/secret"), ("h", b'1', "s")],
            Tree(&[
                "h -> {victim}/secret (2 links)",
                "s -> {victim}/secret (2 links)",
            ]),
        ),
        c(
            "hard link with an absolute target inside the layer",
            &[("f", b'0', "x"), ("h", b'1', "/f")],
            Tree(&[r#"f = "x" (2 links)"#, r#"h = "x" (2 links)"#]),
        ),
        c(
            "hard link with dot-dot inside the layer",
            &[("d/", b'5', ""), ("f", b'0', "x"), ("h", b'1', "d/../f")],
            Tree(&["d/", r#"f = "x" (2 links)"#, r#"h = "x" (2 links)"#]),
        ),
        c(
            "hard link whose dot-dot stops at the root",
            &[("f", b'0', "x"), ("h", b'1', "../../f")],
            Tree(&[r#"f = "x" (2 links)"#, r#"h = "x" (2 links)"#]),
        ),
        c(
            "hard link through a symlinked directory of this layer",
            &[("d/f", b'0', "x"), ("s", b'2', "d"), ("h", b'1', "s/f")],
            Tree(&[
                "d/",
                r#"d/f = "x" (2 links)"#,
                r#"h = "x" (2 links)"#,
                "s -> d",
            ]),
        ),
        c(
            "hard link through an absolute symlink inside",
            &[("d/f", b'0', "x"), ("s", b'2', "/d"), ("h", b'1', "s/f")],
            Tree(&[
                "d/",
                r#"d/f = "x" (2 links)"#,
                r#"h = "x" (2 links)"#,
                "s -> /d",
            ]),
        ),
        c(
            "hard link to a directory",
            &[("d/", b'5', ""), ("h", b'1', "d")],
            Refused(
                r#"entry "h": creating hard link to "d": Operation not permitted (os error 1)"#,
            ),
        ),
        c(
            "hard link to the root",
            &[("h", b'1', "/")],
            Refused(r#"entry "h": hard link target "/" is the layer root"#),
        ),
        c(
            "hard link to a missing file",
            &[("h", b'1', "nope")],
            Refused(
                r#"entry "h": hard link target "nope" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to itself",
            &[("h", b'1', "h")],
            Refused(
                r#"entry "h": hard link target "h" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to a file that is later replaced",
            &[("f", b'0', "old"), ("h", b'1', "f"), ("f", b'0', "new")],
            Tree(&[r#"f = "new""#, r#"h = "old""#]),
        ),
        c(
            "hard link through a symlink loop",
            &[("a", b'2', "b"), ("b", b'2', "a"), ("h", b'1', "a/f")],
            Refused(
                r#"entry "h": hard link target "a/f": resolving "a": more than 255 symlinks (a loop?)"#,
            ),
        ),
        c(
            "hard link target below a file",
            &[("f", b'0', "x"), ("h", b'1', "f/g")],
            Refused(r#"entry "h": hard link target "f/g": parent "f" is not a directory"#),
        ),
        c(
            "hard link target below a whiteout",
            &[(".wh.d", b'0', ""), ("h", b'1', "d/f")],
            Refused(
                r#"entry "h": hard link target "d/f" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        c(
            "hard link to a whiteout",
            &[(".wh.x", b'0', ""), ("h", b'1', "x")],
            Refused(
                r#"entry "h": hard link target "x" is not in this layer (it must come earlier in the same tar)"#,
            ),
        ),
        // One file under two spellings, and the parent cache.
        c(
            "a file written through a symlink and again by its real path",
            &[
                ("d/", b'5', ""),
                ("l", b'2', "d"),
                ("l/f", b'0', "old"),
                ("d/f", b'0', "new"),
            ],
            Tree(&["d/", r#"d/f = "new""#, "l -> d"]),
        ),
        c(
            "a file written through a symlink, then its directory replaced",
            &[
                ("d/", b'5', ""),
                ("l", b'2', "d"),
                ("l/f", b'0', "x"),
                ("d", b'0', "D"),
            ],
            Tree(&[r#"d = "D""#, "l -> d"]),
        ),
        c(
            "a directory made a symlink out between two entries through it",
            &[
                ("d/", b'5', ""),
                ("l", b'2', "d"),
                ("l/x", b'0', "1"),
                ("d", b'2', "{victim}"),
                ("l/y", b'0', "2"),
            ],
            Tree(&[
                "d -> {victim}",
                "l -> d",
                "{victim}/",
                r#"{victim}/y = "2""#,
            ]),
        ),
        c(
            "a hard link of a symlink used as a parent",
            &[
                ("s", b'2', "{victim}"),
                ("h", b'1', "s"),
                ("h/passwd", b'0', "p"),
            ],
            Tree(&[
                "h -> {victim} (2 links)",
                "s -> {victim} (2 links)",
                "{victim}/",
                r#"{victim}/passwd = "p""#,
            ]),
        ),
        c(
            "a relative symlink target is cleaned as a string first",
            &[
                ("d/x", b'2', "/deep/er"),
                ("d/l", b'2', "x/../y"),
                ("d/l/f", b'0', "z"),
            ],
            Tree(&[
                "d/",
                "d/l -> x/../y",
                "d/x -> /deep/er",
                "d/y/",
                r#"d/y/f = "z""#,
            ]),
        ),
        c(
            "a hard link target's dot-dot goes up from where a symlink led",
            &[
                ("deep/f", b'0', "x"),
                ("s", b'2', "/deep/x"),
                ("h", b'1', "s/../f"),
            ],
            Tree(&[
                "deep/",
                r#"deep/f = "x" (2 links)"#,
                r#"h = "x" (2 links)"#,
                "s -> /deep/x",
            ]),
        ),
        c(
            "hard link named below a whiteout",
            &[(".wh.d", b'0', ""), ("f", b'0', "x"), ("d/h", b'1', "f")],
            Tree(&[
                "d/ opaque",
                r#"d/h = "x" (2 links)"#,
                r#"f = "x" (2 links)"#,
            ]),
        ),
    ];
    v.extend(header_cases());
    v
}

/// One header block and its data, from a ustar header the test shapes.
fn entry_with(name: &str, data: &[u8], shape: impl FnOnce(&mut [u8; 512])) -> Vec<u8> {
    let mut h = header(EntryType::Regular, 0o644, data.len() as u64);
    h.set_path(name).unwrap();
    let mut block = *h.as_bytes();
    shape(&mut block);
    let mut h = Header::from_byte_slice(&block).clone();
    h.set_cksum();
    let mut v = h.as_bytes().to_vec();
    v.extend_from_slice(data);
    v.resize(v.len().div_ceil(512) * 512, 0);
    v
}

fn set(block: &mut [u8; 512], at: usize, bytes: &[u8]) {
    block[at..at + bytes.len()].copy_from_slice(bytes);
}

/// A PAX extended header with these records, for the entry after it.
fn pax(records: &[(&str, &str)]) -> Vec<u8> {
    let mut data = String::new();
    for (k, v) in records {
        let body = format!(" {k}={v}\n");
        let mut len = body.len() + 1;
        while format!("{len}{body}").len() != len {
            len += 1;
        }
        data.push_str(&format!("{len}{body}"));
    }
    raw_entry(b"PaxHeaders/x", b'x', b"", data.as_bytes())
}

/// A GNU long-name (`L`) or long-link (`K`) record.
fn gnu_long(ty: u8, value: &str) -> Vec<u8> {
    let mut data = value.as_bytes().to_vec();
    data.push(0);
    raw_entry(b"././@LongLink", ty, b"", &data)
}

fn owner_is(l: &Layer, rel: &str, uid: u32, gid: u32) {
    let md = fs::symlink_metadata(l.path(rel)).unwrap();
    if is_root() {
        assert_eq!((md.uid(), md.gid()), (uid, gid), "owner of {rel}");
    }
}

fn header_cases() -> Vec<Case> {
    use Want::*;
    vec![
        // Names through extension headers.
        b(
            "PAX path with dot-dot",
            || {
                let mut t = pax(&[("path", "../../victim/passwd")]);
                t.extend(raw_entry(b"placeholder", b'0', b"", b"p"));
                end_of_archive(t)
            },
            Tree(&["victim/", r#"victim/passwd = "p""#]),
        ),
        b(
            "GNU long name with dot-dot",
            || {
                let name = format!("{}victim/passwd", "../".repeat(40));
                let mut t = gnu_long(b'L', &name);
                t.extend(raw_entry(b"placeholder", b'0', b"", b"p"));
                end_of_archive(t)
            },
            Tree(&["victim/", r#"victim/passwd = "p""#]),
        ),
        b(
            "PAX linkpath of a hard link with dot-dot",
            || {
                let mut t = raw_entry(b"f", b'0', b"", b"x");
                t.extend(pax(&[("linkpath", "../../f")]));
                t.extend(raw_entry(b"h", b'1', b"placeholder", b""));
                end_of_archive(t)
            },
            Tree(&[r#"f = "x" (2 links)"#, r#"h = "x" (2 links)"#]),
        ),
        b(
            "GNU long link of a symlink",
            || {
                let target = format!("/{}", "t".repeat(110));
                let mut t = gnu_long(b'K', &target);
                t.extend(raw_entry(b"l", b'2', b"placeholder", b""));
                end_of_archive(t)
            },
            Tree(&["l -> /tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"]),
        ),
        // Header formats, as Go's archive/tar reads them.
        b(
            "ustar prefix field",
            || {
                end_of_archive(entry_with("file", b"u", |h| {
                    set(h, 257, b"ustar\x0000");
                    set(h, 345, b"dir");
                }))
            },
            Tree(&["dir/", r#"dir/file = "u""#]),
        ),
        b(
            "ustar magic with another version still has a prefix",
            || {
                end_of_archive(entry_with("file", b"u", |h| {
                    set(h, 257, b"ustar\x00\x00\x00");
                    set(h, 345, b"dir");
                }))
            },
            Tree(&["dir/", r#"dir/file = "u""#]),
        ),
        b(
            "GNU header with a prefix written by Go before 1.8",
            || {
                end_of_archive(entry_with("file", b"g", |h| {
                    set(h, 257, b"ustar  \x00");
                    set(h, 345, b"olddir");
                }))
            },
            Tree(&["olddir/", r#"olddir/file = "g""#]),
        ),
        b(
            "GNU header with access and change times has no prefix",
            || {
                end_of_archive(entry_with("file", b"g", |h| {
                    set(h, 257, b"ustar  \x00");
                    set(h, 345, b"13000000000\0");
                    set(h, 357, b"13000000000\0");
                }))
            },
            Tree(&[r#"file = "g""#]),
        ),
        b(
            "GNU header with non-ASCII bytes there has no prefix",
            || {
                end_of_archive(entry_with("file", b"g", |h| {
                    set(h, 257, b"ustar  \x00");
                    set(h, 345, "dïr".as_bytes());
                }))
            },
            Tree(&[r#"file = "g""#]),
        ),
        b(
            "V7 header ignores the prefix area",
            || {
                end_of_archive(entry_with("file", b"v", |h| {
                    h[257..265].fill(0);
                    set(h, 345, b"junk");
                }))
            },
            Tree(&[r#"file = "v""#]),
        ),
        b(
            "STAR header has a 131-byte prefix",
            || {
                end_of_archive(entry_with("file", b"s", |h| {
                    set(h, 257, b"ustar\x0000");
                    set(h, 345, b"star");
                    // Atime and ctime of STAR, after its shorter prefix.
                    set(h, 476, b"13000000000\0");
                    set(h, 488, b"13000000000\0");
                    set(h, 508, b"tar\0");
                }))
            },
            Tree(&["star/", r#"star/file = "s""#]),
        ),
        b(
            "prefix that cleans to a path outside",
            || {
                end_of_archive(entry_with("passwd", b"p", |h| {
                    set(h, 257, b"ustar\x0000");
                    set(h, 345, b"../../victim");
                }))
            },
            Tree(&["victim/", r#"victim/passwd = "p""#]),
        ),
        b(
            "PAX global header applies to no entry",
            || {
                let mut t = raw_entry(b"pax_global_header", b'g', b"", b"30 path=../../victim/passwd\n");
                t.extend(raw_entry(b"f", b'0', b"", b"ok"));
                end_of_archive(t)
            },
            Tree(&[r#"f = "ok""#]),
        ),
        b(
            "base-256 uid and gid",
            || {
                end_of_archive(entry_with("f", b"x", |h| {
                    set(h, 108, &[0x80, 0, 0, 0, 0, 0x1e, 0x84, 0x80]);
                    set(h, 116, &[0x80, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
                }))
            },
            TreeAnd(&[r#"f = "x""#], |l| owner_is(l, "f", 2_000_000, 1_000_000)),
        ),
        b(
            "negative base-256 uid",
            || end_of_archive(entry_with("f", b"x", |h| set(h, 108, &[0xff; 8]))),
            Refused(r#"entry "f": invalid uid field in tar header"#),
        ),
        b(
            "base-256 size",
            || {
                let mut t = entry_with("f", b"", |h| {
                    set(h, 124, &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
                });
                t.extend_from_slice(b"fives");
                t.resize(1024, 0);
                end_of_archive(t)
            },
            Tree(&[r#"f = "fives""#]),
        ),
        b(
            "a GNU time field with a sign is no time: the bytes are a prefix",
            || {
                end_of_archive(entry_with("f", b"g", |h| {
                    set(h, 257, b"ustar  \x00");
                    set(h, 345, b"+0000000000\0");
                }))
            },
            Tree(&["+0000000000/", r#"+0000000000/f = "g""#]),
        ),
        b(
            "octal field with a sign",
            || end_of_archive(entry_with("f", b"x", |h| set(h, 100, b"+000644\0"))),
            Refused(r#"entry "f": invalid mode field in tar header"#),
        ),
        b(
            "mtime before 1970 in base-256",
            || end_of_archive(entry_with("f", b"old", |h| set(h, 136, &[0xff; 12]))),
            TreeAnd(&[r#"f = "old""#], |l| {
                let md = fs::symlink_metadata(l.path("f")).unwrap();
                assert_eq!(md.mtime(), -1);
            }),
        ),
        b(
            "negative size of a directory is no size",
            || {
                let mut t = raw_entry(b"d/", b'5', b"", b"");
                t[124..136].copy_from_slice(&[0xff; 12]);
                let mut h = Header::from_byte_slice(&t[..512]).clone();
                h.set_cksum();
                t[..512].copy_from_slice(h.as_bytes());
                end_of_archive(t)
            },
            Tree(&["d/"]),
        ),
        b(
            "negative size of a file",
            || end_of_archive(entry_with("f", b"", |h| set(h, 124, &[0xff; 12]))),
            Refused(r#"entry "f": invalid size field in tar header"#),
        ),
        b(
            "a GNU long name wins over a PAX path",
            || {
                let mut t = gnu_long(b'L', "long/name");
                t.extend(pax(&[("path", "pax/name")]));
                t.extend(raw_entry(b"short", b'0', b"", b"n"));
                end_of_archive(t)
            },
            Tree(&["long/", r#"long/name = "n""#]),
        ),
        b(
            "a second PAX header replaces the first",
            || {
                let mut t = pax(&[("path", "first"), ("uid", "7")]);
                t.extend(pax(&[("path", "second")]));
                t.extend(raw_entry(b"short", b'0', b"", b"2"));
                end_of_archive(t)
            },
            TreeAnd(&[r#"second = "2""#], |l| owner_is(l, "second", 0, 0)),
        ),
        b(
            "a PAX global header ends the extension headers before it",
            || {
                let mut t = pax(&[("path", "../../victim/passwd")]);
                t.extend(raw_entry(b"pax_global_header", b'g', b"", b"9 a=b\n"));
                t.extend(raw_entry(b"f", b'0', b"", b"plain"));
                end_of_archive(t)
            },
            Tree(&[r#"f = "plain""#]),
        ),
        b(
            "an empty GNU long name names nothing",
            || {
                let mut t = gnu_long(b'L', "");
                t.extend(raw_entry(b"etc/passwd", b'0', b"", b"p"));
                end_of_archive(t)
            },
            Tree(&["etc/", r#"etc/passwd = "p""#]),
        ),
        b(
            "octal field with a space inside",
            || end_of_archive(entry_with("f", b"x", |h| set(h, 100, b"0 644\0\0\0"))),
            Refused(r#"entry "f": invalid mode field in tar header"#),
        ),
        b(
            "numeric fields all NUL are 0",
            || {
                end_of_archive(entry_with("f", b"z", |h| {
                    h[108..124].fill(0);
                    h[136..148].fill(0);
                }))
            },
            TreeAnd(&[r#"f = "z""#], |l| {
                let md = fs::symlink_metadata(l.path("f")).unwrap();
                assert_eq!(md.mtime(), 0);
                owner_is(l, "f", 0, 0);
            }),
        ),
        b(
            "numeric fields padded with spaces and NULs",
            || {
                end_of_archive(entry_with("f", b"p", |h| {
                    set(h, 100, b" 640 \0\0\0");
                    set(h, 136, b" 1300000000\0");
                }))
            },
            TreeAnd(&[r#"f = "p""#], |l| {
                let md = fs::symlink_metadata(l.path("f")).unwrap();
                assert_eq!((md.mode() & 0o777, md.mtime()), (0o640, 0o1300000000));
            }),
        ),
        b(
            "signed checksum",
            || {
                let mut t = raw_entry("fé".as_bytes(), b'0', b"", b"s");
                let sum: i64 = t[..512]
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| if (148..156).contains(&i) { 32 } else { i64::from(x as i8) })
                    .sum();
                t[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
                end_of_archive(t)
            },
            Tree(&[r#"fé = "s""#]),
        ),
        b(
            "V7 regular file with a trailing slash is a directory",
            || end_of_archive(raw_entry(b"v7dir/", 0, b"", b"")),
            Tree(&["v7dir/"]),
        ),
        b(
            "contiguous file",
            || end_of_archive(raw_entry(b"c", b'7', b"", b"contig")),
            Tree(&[r#"c = "contig""#]),
        ),
        b(
            "unknown type with data is kept in the tar-split only",
            || {
                let mut t = raw_entry(b"weird", b'Z', b"", b"some data");
                t.extend(raw_entry(b"f", b'0', b"", b"ok"));
                end_of_archive(t)
            },
            Tree(&[r#"f = "ok""#]),
        ),
        b(
            "name of exactly 100 bytes without a NUL",
            || end_of_archive(raw_entry("n".repeat(100).as_bytes(), b'0', b"", b"100")),
            Tree(&[r#"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn = "100""#]),
        ),
    ]
}
