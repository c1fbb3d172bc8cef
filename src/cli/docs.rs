//! Shell completions and man pages, generated from the clap definitions
//! so that help, completions and manuals never disagree. The copies kept
//! in `completions/` and `man/` are checked by a test, which rewrites
//! them when `BERTH_REGENERATE_DOCS=1`.

use anyhow::{bail, Result};
use clap::CommandFactory;

/// The completion script for `shell` (bash, zsh or fish).
pub fn completion(shell: &str) -> Result<Vec<u8>> {
    use clap_complete::Shell;
    let sh = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        other => bail!("unknown shell {other:?}: expected bash, zsh or fish"),
    };
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(sh, &mut cmd, "berth", &mut out);
    Ok(out)
}

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
    let mut cmd = super::Cli::command();
    cmd.build();
    man_pages(&cmd, "berth", &mut files)?;
    Ok(files)
}

fn man_pages(cmd: &clap::Command, name: &str, files: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let page = cmd.clone().name(name.to_string());
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    files.push((format!("man/{name}.1"), out));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
}
