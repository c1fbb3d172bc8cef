//! `system df|check|prune|reset|events`, `info`, `version`, `completion`.

use super::output::{self, human_size};
use crate::ops;
use crate::store::StorePaths;
use anyhow::{bail, Result};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum SystemCommand {
    /// Show disk usage of images, containers and volumes
    Df(DfArgs),
    /// Verify the store; with --repair remove what is broken
    Check(CheckArgs),
    /// Remove unused data
    Prune(SystemPruneArgs),
    /// Remove every image, layer and container and the store itself
    Reset(ResetArgs),
    /// Display information about the host and the store
    Info(InfoArgs),
    /// Show events: past ones, and new ones as they happen
    Events(EventsArgs),
}

pub fn run(paths: &StorePaths, c: &SystemCommand) -> Result<i32> {
    match c {
        SystemCommand::Df(a) => df(paths, a),
        SystemCommand::Check(a) => check(paths, a),
        SystemCommand::Prune(a) => prune(paths, a),
        SystemCommand::Reset(a) => reset(paths, a),
        SystemCommand::Info(a) => info(paths, a),
        SystemCommand::Events(a) => events(paths, a),
    }
}

fn waiting(p: &std::path::Path) {
    eprintln!(
        "waiting for other berth processes to release {}",
        p.display()
    );
}

#[derive(Args, Debug)]
pub struct DfArgs {
    /// `json`, or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
}

fn df(paths: &StorePaths, a: &DfArgs) -> Result<i32> {
    let rows = ops::system::df(paths)?;
    if let Some(f) = &a.format {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
        if f == "json" {
            output::println(&serde_json::to_string_pretty(&v)?)?;
        } else {
            // Each rendering already ends with a newline.
            let t = super::format::Template::parse(f)?;
            let mut out = String::new();
            for r in &v {
                out.push_str(&t.render(r)?);
            }
            output::print(&out)?;
        }
        return Ok(0);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let pct = (r.reclaimable * 100).checked_div(r.size).unwrap_or(0);
            vec![
                r.kind.to_string(),
                r.total.to_string(),
                r.active.to_string(),
                human_size(r.size),
                format!("{} ({pct}%)", human_size(r.reclaimable)),
            ]
        })
        .collect();
    output::print(&super::format::table(
        &["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
        &cells,
    ))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Remove damaged layers and blobs and the images that need them
    #[arg(short, long)]
    repair: bool,
    /// Skip rebuilding each layer's tar to compare it with its digest
    #[arg(short, long)]
    quick: bool,
}

fn check(paths: &StorePaths, a: &CheckArgs) -> Result<i32> {
    let r = ops::system::check(paths, a.repair, a.quick, waiting)?;
    let mut out = String::new();
    for p in &r.problems {
        out.push_str(&format!("{}: {}\n", p.object, p.what));
    }
    if r.reclaimable_tmp > 0 {
        out.push_str(&format!(
            "Reclaimable: {} ({} bytes) in tmp/, left by processes that died; the next writer removes it\n",
            human_size(r.reclaimable_tmp),
            r.reclaimable_tmp
        ));
    }
    for i in &r.removed_images {
        out.push_str(&format!("Removed image: {}\n", i.hex()));
    }
    for l in &r.removed_layers {
        out.push_str(&format!("Removed layer: {}\n", l.hex()));
    }
    output::print(&out)?;
    if !r.problems.is_empty() && !a.repair {
        bail!(
            "store {}: {} problem(s) found in {} images and {} layers; `berth system check --repair` removes what is broken",
            paths.root.display(),
            r.problems.len(),
            r.images_checked,
            r.layers_checked
        );
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct SystemPruneArgs {
    /// Remove every image not used by a container, not only dangling ones
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Remove every volume no container uses too
    #[arg(long)]
    volumes: bool,
}

fn prune(paths: &StorePaths, a: &SystemPruneArgs) -> Result<i32> {
    let images = if a.all {
        "all images not used by a container"
    } else {
        "all dangling images"
    };
    let volumes = if a.volumes {
        "\n\t- all volumes not used by at least one container"
    } else {
        ""
    };
    let q = format!("WARNING! This command removes:\n\t- all pods none of whose containers runs\n\t- all stopped containers\n\t- {images}\n\t- all layers no image uses{volumes}\n\nAre you sure you want to continue?");
    if !a.force && !output::confirm(&q) {
        return Ok(0);
    }
    let pruned = ops::system::prune(paths, a.all, a.volumes, waiting)?;
    let mut out = String::new();
    if !pruned.pods.is_empty() {
        out.push_str("Deleted Pods\n");
        for id in &pruned.pods {
            out.push_str(&format!("{id}\n"));
        }
    }
    if !pruned.containers.is_empty() {
        out.push_str("Deleted Containers\n");
        for id in &pruned.containers {
            out.push_str(&format!("{id}\n"));
        }
    }
    if !pruned.images.is_empty() {
        out.push_str("Deleted Images\n");
        for d in &pruned.images {
            out.push_str(&format!("{}\n", d.hex()));
        }
    }
    if !pruned.volumes.is_empty() {
        out.push_str("Deleted Volumes\n");
        for v in &pruned.volumes {
            out.push_str(&format!("{v}\n"));
        }
    }
    out.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(pruned.bytes)
    ));
    output::print(&out)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ResetArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

fn reset(paths: &StorePaths, a: &ResetArgs) -> Result<i32> {
    let q = format!(
        "WARNING! This will remove all images, layers and containers in {}.\nAre you sure you want to continue?",
        paths.root.display()
    );
    if !a.force && !output::confirm(&q) {
        return Ok(0);
    }
    ops::system::reset(paths, waiting)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// `json`, or a Go template such as '{{.Store.GraphRoot}}'
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
}

pub fn info(paths: &StorePaths, a: &InfoArgs) -> Result<i32> {
    let info = serde_json::to_value(ops::system::info(paths)?)?;
    match a.format.as_deref() {
        Some("json") => output::println(&serde_json::to_string_pretty(&info)?)?,
        Some(f) => {
            output::print(&super::format::Template::parse(f)?.render(&go_field_names(&info))?)?
        }
        None => output::print(&yaml(&info, 0))?,
    }
    Ok(0)
}

/// The JSON keys of `info` (Podman's camelCase, `graphRoot`) as the Go
/// field names that Podman's templates use (`GraphRoot`), so that
/// `--format '{{.Store.GraphRoot}}'` works as it does with Podman.
fn go_field_names(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    // `graphRoot` → `GraphRoot`, `host_id` → `HostID`.
                    let key = k
                        .split('_')
                        .map(|part| match part {
                            "id" => "ID".to_string(),
                            _ => {
                                let mut c = part.chars();
                                c.next()
                                    .map(|f| f.to_uppercase().chain(c).collect())
                                    .unwrap_or_default()
                            }
                        })
                        .collect();
                    (key, go_field_names(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(go_field_names).collect()),
        other => other.clone(),
    }
}

/// A plain YAML rendering of a JSON value, as `podman info` prints.
fn yaml(v: &serde_json::Value, indent: usize) -> String {
    use serde_json::Value;
    let pad = "  ".repeat(indent);
    let mut out = String::new();
    if let Value::Object(m) = v {
        for (k, v) in m {
            match v {
                Value::Object(_) => out.push_str(&format!("{pad}{k}:\n{}", yaml(v, indent + 1))),
                Value::Array(a) if a.is_empty() => out.push_str(&format!("{pad}{k}: []\n")),
                Value::Array(a) => {
                    out.push_str(&format!("{pad}{k}:\n"));
                    for x in a {
                        match x {
                            // `- key: value` with the object's other keys
                            // under the first.
                            Value::Object(_) => {
                                let inner = yaml(x, indent + 1);
                                let inner = inner.trim_start();
                                out.push_str(&format!("{pad}- {inner}"));
                            }
                            _ => out.push_str(&format!("{pad}- {}\n", scalar(x))),
                        }
                    }
                }
                _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v))),
            }
        }
    }
    out
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if s.is_empty() => "\"\"".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[derive(Args, Debug)]
pub struct VersionArgs {
    /// `json`, or a Go template such as '{{.Version}}'
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
}

pub fn version(a: &VersionArgs) -> Result<i32> {
    let v = serde_json::json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "OsArch": format!("linux/{}", crate::image::config::host_arch()),
    });
    match a.format.as_deref() {
        Some("json") => output::println(&serde_json::to_string_pretty(&v)?)?,
        Some(f) => output::print(&super::format::Template::parse(f)?.render(&v)?)?,
        None => output::print(&format!(
            "Version:      {}\nOS/Arch:      {}\n",
            v["Version"].as_str().unwrap_or(""),
            v["OsArch"].as_str().unwrap_or("")
        ))?,
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    shell: String,
}

pub fn completion(a: &CompletionArgs) -> Result<i32> {
    let script = super::docs::completion(&a.shell)?;
    output::print(&String::from_utf8_lossy(&script))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Show only events that match: type=container|image|volume|network,
    /// event=STATUS, container=NAME|ID, image=NAME|ID, volume=NAME,
    /// network=NAME|ID, label=KEY[=VALUE] (repeat a key for either value)
    #[arg(short, long, value_name = "FILTER")]
    filter: Vec<String>,
    /// Format: json (one object per line), or a Go template
    /// (`{{.Type}} {{.Status}} {{.Name}}`)
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Show events from this time on: RFC 3339, Unix seconds, or a
    /// duration before now (10s, 5m, 2h)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Show events up to this time (as --since, but a duration counts
    /// from now on); streaming stops then
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Keep printing new events as they happen (--stream=false: print
    /// the past ones and exit)
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    stream: bool,
}

/// `events`: the store's event log, as Podman prints it.
pub fn events(paths: &StorePaths, a: &EventsArgs) -> Result<i32> {
    let template = match a.format.as_deref() {
        None | Some("json") => None,
        Some(f) => Some(super::format::Template::parse(f)?),
    };
    let o = ops::events::Options {
        filters: a.filter.clone(),
        since: a
            .since
            .as_deref()
            .map(|s| output::parse_time("--since", s))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| output::parse_time("--until", s))
            .transpose()?,
        stream: a.stream,
    };
    let json = a.format.as_deref() == Some("json");
    ops::events::watch(paths, &o, &mut |e| {
        if json {
            output::println(&serde_json::to_string(e)?)?;
        } else if let Some(t) = &template {
            output::print(&t.render(&event_fields(e))?)?;
        } else {
            output::println(&event_line(e))?;
        }
        Ok(())
    })?;
    Ok(0)
}

/// What templates see: Podman's fields, `Time` as Go prints a time.
fn event_fields(e: &crate::store::events::Event) -> serde_json::Value {
    serde_json::json!({
        "ID": e.id,
        "Image": e.image,
        "Name": e.name,
        "Network": e.network,
        "Status": e.status,
        "Time": crate::image::time::format_go(e.time_nano),
        "TimeNano": e.time_nano,
        "Type": e.kind,
        "HealthStatus": e.health_status,
        "ContainerExitCode": e.exit_code.unwrap_or(0),
        "Error": e.error,
        "Attributes": e.attributes.clone().unwrap_or_default(),
    })
}

/// Podman's line: time, type, status, then what the event is about.
fn event_line(e: &crate::store::events::Event) -> String {
    let time = crate::image::time::format_go(e.time_nano);
    let head = format!("{time} {} {}", e.kind, e.status);
    match e.kind.as_str() {
        "container" => {
            let mut attrs = vec![format!("image={}", e.image), format!("name={}", e.name)];
            if let Some(code) = e.exit_code {
                attrs.push(format!("containerExitCode={code}"));
            }
            if !e.health_status.is_empty() {
                attrs.push(format!("health_status={}", e.health_status));
            }
            for (k, v) in e.attributes.iter().flatten() {
                attrs.push(format!("{k}={v}"));
            }
            format!("{head} {} ({})", e.id, attrs.join(", "))
        }
        "image" => format!("{head} {} {}", e.id, e.name),
        "network" => format!("{head} {} (name={})", e.id, e.network),
        _ => format!("{head} {}", e.name),
    }
}

// `check` reads every layer; `prune` and `reset` remove them.
layer_files!(true: CheckArgs, SystemPruneArgs, ResetArgs);
layer_files!(false: DfArgs, InfoArgs, VersionArgs, CompletionArgs, EventsArgs);
layer_files_of!(SystemCommand: Df, Check, Prune, Reset, Info, Events);
