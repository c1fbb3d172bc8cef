//! The `volume` group: `create`, `ls`, `inspect`, `rm`, `prune`,
//! `exists`. Output as Podman 4 prints it: `ls` columns DRIVER, VOLUME
//! NAME; `inspect` and `ls --format json` Podman's volume objects
//! (`Name`, `Driver`, `Mountpoint`, `CreatedAt`, `Labels` …), which
//! templates see by the same names.

use super::format as tmpl;
use super::output;
use crate::ops;
use crate::ops::volume::{NotFound, VolumeInfo};
use crate::store::StorePaths;
use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum VolumeCommand {
    /// Create a volume
    Create(CreateArgs),
    /// List volumes
    #[command(name = "ls", visible_alias = "list")]
    Ls(LsArgs),
    /// Display the configuration of volumes
    Inspect(InspectArgs),
    /// Remove volumes
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove every volume no container uses
    Prune(PruneArgs),
    /// Exit 0 if a volume exists, 1 if not
    Exists(ExistsArgs),
    /// Write a volume's contents as a tar
    Export(ExportArgs),
    /// Unpack a tar into a volume
    Import(ImportArgs),
}

pub fn run(paths: &StorePaths, c: &VolumeCommand) -> Result<i32> {
    match c {
        VolumeCommand::Create(a) => {
            let name =
                ops::volume::create(paths, a.name.as_deref(), &a.label, &a.opt, a.ignore)?;
            output::println(&name)?;
            Ok(0)
        }
        VolumeCommand::Ls(a) => ls(paths, a),
        VolumeCommand::Inspect(a) => inspect(paths, a),
        VolumeCommand::Rm(a) => rm(paths, a),
        VolumeCommand::Prune(a) => output::prune_after_asking(
            a.force,
            "WARNING! This will remove all volumes not used by at least one container.\nAre you sure you want to continue?",
            || ops::volume::prune(paths, &a.filter),
        ),
        VolumeCommand::Exists(a) => Ok(if ops::volume::exists(paths, &a.volume)? {
            0
        } else {
            1
        }),
        VolumeCommand::Export(a) => {
            output::tar_output(a.output.as_deref(), "volume export", |out| {
                ops::volume::export(paths, &a.volume, out)
            })?;
            Ok(0)
        }
        VolumeCommand::Import(a) => {
            if a.source == "-" {
                ops::volume::import(paths, &a.volume, "standard input", &mut std::io::stdin())?;
            } else {
                let mut f = crate::fsutil::open(std::path::Path::new(&a.source))?;
                ops::volume::import(paths, &a.volume, &a.source, &mut f)?;
            }
            Ok(0)
        }
    }
}

// Which commands read or write layer files (see `LayerFiles`):
// Removing, exporting or importing a volume reads or writes files
// the containers' users own (rootless: subordinate ids).
layer_files!(true: RmArgs, PruneArgs, ExportArgs, ImportArgs);
layer_files!(false: CreateArgs, LsArgs, InspectArgs, ExistsArgs);
layer_files_of!(VolumeCommand: Create, Ls, Inspect, Rm, Prune, Exists, Export, Import);

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// The volume
    volume: String,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The volume
    volume: String,
    /// A tar file (plain, gzip, zstd or xz), or `-` for standard input
    source: String,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Set a label on the volume (KEY=VALUE)
    #[arg(short, long, value_name = "KEY[=VALUE]")]
    label: Vec<String>,
    /// A driver option (KEY=VALUE), kept and shown
    #[arg(short, long, value_name = "KEY=VALUE")]
    opt: Vec<String>,
    /// Do nothing, and succeed, if the volume exists
    #[arg(long)]
    ignore: bool,
    /// The volume's name (default: a random one)
    name: Option<String>,
}

/// Podman's volume object.
fn volume_json(v: &VolumeInfo) -> Value {
    let r = &v.record;
    json!({
        "Name": r.name,
        "Driver": r.driver,
        "Mountpoint": v.mountpoint,
        "CreatedAt": crate::image::time::format_rfc3339(r.created),
        "Labels": r.labels,
        "Scope": "local",
        "Options": r.options,
        "NeedsCopyUp": v.needs_copy_up,
        // Filled and given its owner by the first container that mounts
        // it, together.
        "NeedsChown": v.needs_copy_up,
        // Podman's count of its own mounts of the volume: berth binds a
        // volume's directory and never mounts it.
        "MountCount": 0,
        "UsedBy": v.users,
    })
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// Show only volume names
    #[arg(short, long)]
    quiet: bool,
    /// Show only volumes that match: name=TEXT, label=KEY[=VALUE],
    /// dangling=true|false
    #[arg(short, long, value_name = "FILTER")]
    filter: Vec<String>,
    /// Format: json, or a Go template (`{{.Name}} {{.Mountpoint}}`, `table ...`)
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Do not print the header line
    #[arg(long)]
    noheading: bool,
}

pub fn ls(paths: &StorePaths, a: &LsArgs) -> Result<i32> {
    let mut list = Vec::new();
    // Who uses a volume matters only to `dangling=` and to `--format`.
    let users = a.format.is_some() || a.filter.iter().any(|f| f.starts_with("dangling="));
    for v in ops::volume::list_with(paths, users)? {
        if ops::volume::matches(&v, &a.filter)? {
            list.push(v);
        }
    }
    if a.quiet {
        let text: String = list
            .iter()
            .map(|v| format!("{}\n", v.record.name))
            .collect();
        output::print(&text)?;
        return Ok(0);
    }
    if let Some(f) = &a.format {
        let docs: Vec<Value> = list.iter().map(volume_json).collect();
        if f == "json" {
            output::println(&serde_json::to_string_pretty(&docs)?)?;
            return Ok(0);
        }
        let t = tmpl::Template::parse(f)?;
        if !(t.is_table() && t.is_empty()) {
            let headers = HashMap::from([("Name", "VOLUME NAME")]);
            output::print(&t.render_rows(&docs, &headers)?)?;
            return Ok(0);
        }
    }
    let cells: Vec<Vec<String>> = list
        .iter()
        .map(|v| vec![v.record.driver.clone(), v.record.name.clone()])
        .collect();
    let head: &[&str] = if a.noheading {
        &[]
    } else {
        &["DRIVER", "VOLUME NAME"]
    };
    output::print(&tmpl::table(head, &cells))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Format: json (default) or a Go template (`{{.Mountpoint}}`)
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Volumes (names)
    #[arg(required = true)]
    volumes: Vec<String>,
}

pub fn inspect(paths: &StorePaths, a: &InspectArgs) -> Result<i32> {
    let docs: Vec<Value> = ops::volume::inspect(paths, &a.volumes)?
        .iter()
        .map(volume_json)
        .collect();
    match a.format.as_deref() {
        None | Some("json") => output::println(&serde_json::to_string_pretty(&docs)?)?,
        Some(f) => output::print_each(f, &docs)?,
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Remove the containers that use the volumes first (and skip
    /// volumes that do not exist)
    #[arg(short, long)]
    force: bool,
    /// Volumes (names)
    #[arg(required = true)]
    volumes: Vec<String>,
}

/// `volume rm`: prints each volume removed. A volume that does not
/// exist fails it with exit code 1, as Podman's (nothing is removed
/// then); other errors with 125.
pub fn rm(paths: &StorePaths, a: &RmArgs) -> Result<i32> {
    output::removed(ops::volume::remove(paths, &a.volumes, a.force), |e| {
        e.is::<NotFound>()
    })
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Remove only volumes that match: label=KEY[=VALUE], name=TEXT
    #[arg(long, value_name = "FILTER")]
    filter: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ExistsArgs {
    /// The volume (name)
    volume: String,
}
