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
