//! The completions in `completions/` and the man pages in `man/` are
//! generated from the command-line definitions; this test fails when the
//! copies in the repository are stale, and rewrites them when run with
//! `BERTH_REGENERATE_DOCS=1`.

use std::path::Path;

#[test]
fn generated_docs_are_fresh() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = berth::cli::docs::generated_files().expect("generating docs");
    let regenerate = std::env::var_os("BERTH_REGENERATE_DOCS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, content) in &files {
        let path = repo.join(rel);
        if std::fs::read(&path).ok().as_deref() == Some(&content[..]) {
            continue;
        }
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
        } else {
            stale.push(rel.clone());
        }
    }
    // A page for a command that no longer exists is stale too.
    for dir in ["man", "completions"] {
        for e in std::fs::read_dir(repo.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
            if !files.iter().any(|(r, _)| *r == rel) {
                if regenerate {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    stale.push(rel);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated docs: {stale:?}; run `BERTH_REGENERATE_DOCS=1 cargo test docs` and commit"
    );
}

#[test]
fn completion_command_prints_the_same_scripts() {
    let env = crate::util::TestEnv::new();
    for (shell, file) in [
        ("bash", "berth.bash"),
        ("zsh", "_berth"),
        ("fish", "berth.fish"),
    ] {
        let out = env.berth(["completion", shell]).ok();
        let kept = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("completions")
                .join(file),
        )
        .unwrap_or_default();
        assert_eq!(
            out.stdout, kept,
            "berth completion {shell} differs from completions/{file}"
        );
    }
}

/// Every man page has examples and renders without a warning from groff
/// (`-ww`: all warnings), as `man` shows it.
#[test]
fn man_pages_have_examples_and_render_cleanly() {
    let groff = crate::util::require_tool("groff");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = e.path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n.SH EXAMPLES\n"),
            "{} has no EXAMPLES section",
            path.display()
        );
        let out = crate::util::Cmd::new(&groff)
            .args(["-ww", "-man", "-Tutf8"])
            .arg(&path)
            .ok();
        assert_eq!(out.stderr, "", "groff warns about {}", path.display());
        assert!(!out.stdout.trim().is_empty(), "{}", path.display());
        pages += 1;
    }
    assert!(pages > 100, "{pages} pages");
}
