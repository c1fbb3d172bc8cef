//! `image explore` (and `explore`): what each layer of an image adds,
//! changes, removes and wastes, with dive's figures, CI gate and JSON; on
//! a terminal, dive's interactive view (`view`), else a plain report.

use super::container::{pull_policy, PullPolicy};
use super::output;
use super::registry::RemoteArgs;
use crate::explore::{ci, file_table_row, human, Analysis};
use crate::ops;
use crate::ops::explore::Source;
use crate::store::StorePaths;
use anyhow::{anyhow, Context, Result};
use clap::Args;
use std::path::PathBuf;

mod view;

#[derive(Args, Debug)]
pub struct ExploreArgs {
    /// The image: a name or id in local storage (pulled when missing), or
    /// an archive file with --source (also `docker-archive://FILE`)
    image: String,
    /// Where the image is: `berth` (local storage), `docker-archive` or
    /// `oci-archive` (a file)
    #[arg(long, default_value = "berth", value_name = "SOURCE",
          value_parser = ["berth", "docker-archive", "oci-archive"])]
    source: String,
    /// Apply the CI rules instead of showing the view: print the figures
    /// and each rule's result, exit 1 when a rule fails (also when the
    /// environment has CI=true)
    #[arg(long)]
    ci: bool,
    /// The rules file (dive's `.dive-ci` YAML: `rules:` with the three
    /// rule names), read in CI mode when it exists
    #[arg(long, value_name = "FILE", default_value = ".dive-ci")]
    ci_config: PathBuf,
    /// CI rule: the lowest image efficiency allowed, a ratio 0-1, or
    /// `disabled` (default 0.9)
    #[arg(long = "lowestEfficiency", value_name = "RATIO")]
    lowest_efficiency: Option<String>,
    /// CI rule: the most bytes that may be wasted (`20MB`, `1GiB`), or
    /// `disabled` (the default)
    #[arg(long = "highestWastedBytes", value_name = "SIZE")]
    highest_wasted_bytes: Option<String>,
    /// CI rule: the highest ratio 0-1 of wasted bytes to the bytes the
    /// layers above the first add, or `disabled` (default 0.1)
    #[arg(long = "highestUserWastedPercent", value_name = "RATIO")]
    highest_user_wasted_percent: Option<String>,
    /// Write the analysis to FILE as dive's JSON, and do nothing else
    #[arg(short, long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Pull the image: `missing` (default), `always` or `never`
    #[arg(long, value_name = "POLICY", default_value = "missing")]
    pull: String,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// `CI` in the environment, read as Go's `strconv.ParseBool` (as dive).
fn ci_from_env() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("1" | "t" | "T" | "TRUE" | "true" | "True")
    )
}

fn source(a: &ExploreArgs) -> Source {
    for (prefix, archive) in [
        ("docker-archive://", true),
        ("docker-archive:", true),
        ("oci-archive://", false),
        ("oci-archive:", false),
    ] {
        if let Some(p) = a.image.strip_prefix(prefix) {
            return if archive {
                Source::DockerArchive(p.into())
            } else {
                Source::OciArchive(p.into())
            };
        }
    }
    match a.source.as_str() {
        "docker-archive" => Source::DockerArchive(a.image.clone().into()),
        "oci-archive" => Source::OciArchive(a.image.clone().into()),
        _ => Source::Store(a.image.clone()),
    }
}

/// Pull the image into the store when the policy says so.
fn ensure_image(paths: &StorePaths, a: &ExploreArgs) -> Result<()> {
    let present = ops::inspect::exists(paths, &a.image)?;
    match pull_policy(&a.pull)? {
        PullPolicy::Never if !present => Err(anyhow!("{}: image not known", a.image)),
        PullPolicy::Never | PullPolicy::Missing if present => Ok(()),
        _ => super::registry::pull_for(paths, &a.image, &a.remote),
    }
}

pub fn explore(paths: &StorePaths, a: &ExploreArgs) -> Result<i32> {
    // Layers are read on worker threads, and their trees outlive them:
    // one malloc arena for the whole process, so that no thread's own
    // arena keeps pages of freed parse buffers (2 MiB of a 30,000-file
    // image's peak).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator (glibc takes its own lock);
    // it changes no memory the program holds.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let src = source(a);
    let ci_mode = a.ci || ci_from_env();
    // The rules are checked before any work, so a bad one costs nothing.
    let rules = if ci_mode && a.json.is_none() {
        let file = match std::fs::read_to_string(&a.ci_config) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(anyhow!("{}: {e}", a.ci_config.display())),
        };
        let flags = ci::RuleFlags {
            lowest_efficiency: a.lowest_efficiency.clone(),
            highest_wasted_bytes: a.highest_wasted_bytes.clone(),
            highest_user_wasted_percent: a.highest_user_wasted_percent.clone(),
        };
        let rules = ci::Rules::resolve(&flags, file.as_deref()).with_context(|| {
            if file.is_some() {
                format!("CI rules in {}", a.ci_config.display())
            } else {
                "CI rules".to_string()
            }
        })?;
        Some((rules, file.is_some()))
    } else {
        None
    };
    if matches!(src, Source::Store(_)) {
        ensure_image(paths, a)?;
    }
    let view = rules.is_none()
        && a.json.is_none()
        && output::stdout_is_terminal()
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let analysis = ops::explore::explore(paths, &src, view)?;
    if let Some(path) = &a.json {
        std::fs::write(path, crate::explore::json::export(&analysis))
            .with_context(|| format!("writing {}", path.display()))?;
        return Ok(0);
    }
    let color = output::stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if let Some((rules, from_file)) = rules {
        let ev = ci::evaluate(&rules, &analysis);
        let bold = |s: &str| {
            if color {
                format!("\x1b[1m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        if from_file {
            out += &format!("  Using CI config: {}\n", a.ci_config.display());
        } else {
            out += "  Using default CI config\n";
        }
        out += &format!("{}{}\n", bold("Image Source: "), src.url());
        out += &format!("{}\n", bold("Analyzing image..."));
        out += &ci::figures(&analysis);
        out += &ci::inefficient_files(&analysis, color);
        out += &ci::results(&ev, color);
        output::print(&out)?;
        return Ok(if ev.pass() { 0 } else { 1 });
    }
    if view {
        view::run(&analysis, src.url(), std::env::var_os("NO_COLOR").is_none())?;
    } else {
        output::print(&report(&src, &analysis))?;
    }
    Ok(0)
}

/// `build --explore`: explore the image just built, with the defaults.
pub(super) fn explore_image(paths: &StorePaths, image: &str) -> Result<i32> {
    use clap::{Args, FromArgMatches};
    let cmd = ExploreArgs::augment_args(clap::Command::new("explore"));
    let m = cmd.try_get_matches_from(["explore", "--pull", "never", image])?;
    explore(paths, &ExploreArgs::from_arg_matches(&m)?)
}

/// The plain report: the layers, then the image details as dive's panes
/// show them.
fn report(src: &Source, a: &Analysis) -> String {
    let mut s = format!("Image Source: {}\n\nLayers\n", src.url());
    s += &format!("{:>5}  {:>7}  {}\n", "Index", "Size", "Command");
    for l in &a.layers {
        let what = if l.index == 0 {
            format!("FROM {}", l.id.chars().take(15).collect::<String>())
        } else {
            l.command.replace('\n', "↵")
        };
        s += &format!("{:>5}  {:>7}  {what}\n", l.index, human::bytes(l.size));
    }
    s += "\nImage Details\n";
    s += &format!("Total Image size: {}\n", human::bytes(a.size_bytes));
    s += &format!("Potential wasted space: {}\n", human::bytes(a.wasted_bytes));
    s += &format!(
        "Image efficiency score: {} %\n\n",
        (100.0 * a.efficiency) as i64
    );
    s += &file_table_row("Count", "Total Space", "Path");
    s.push('\n');
    for i in &a.inefficiencies {
        s += &file_table_row(&i.count.to_string(), &human::bytes(i.size), &i.path);
        s.push('\n');
    }
    s
}

// The explorer reads layers' tar-splits, and pulls a missing image.
layer_files!(true: ExploreArgs);
