//! Image commands: images, history, inspect, load, save, import, tag,
//! untag, rmi, and the `image` group that holds them all.

use super::format as tmpl;
use super::output::{self, human_age, human_size};
use crate::image::archive::Format;
use crate::ops;
use crate::store::StorePaths;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum ImageCommand {
    /// Build an image from a Dockerfile
    Build(Box<super::build::BuildArgs>),
    /// List images in local storage
    #[command(visible_alias = "list", name = "ls")]
    Ls(ImagesArgs),
    /// Remove images
    #[command(visible_alias = "remove")]
    Rm(RmiArgs),
    /// Display the configuration of images
    Inspect(ImageInspectArgs),
    /// Show the history of an image
    History(HistoryArgs),
    /// Explore an image's layers: what each adds, changes, removes and wastes
    Explore(Box<super::explore::ExploreArgs>),
    /// Load images from an archive
    Load(LoadArgs),
    /// Save images to an archive
    Save(SaveArgs),
    /// Create an image from a tarball of a root file system
    Import(ImportArgs),
    /// Add names to an image
    Tag(TagArgs),
    /// Remove names from an image
    Untag(UntagArgs),
    /// Remove unused images
    Prune(PruneArgs),
    /// Exit 0 if an image exists in local storage, 1 if not
    Exists(ExistsArgs),
}

pub fn run(paths: &StorePaths, c: &ImageCommand) -> Result<i32> {
    match c {
        ImageCommand::Build(a) => super::build::build(paths, a),
        ImageCommand::Ls(a) => images(paths, a),
        ImageCommand::Rm(a) => rmi(paths, a),
        ImageCommand::Inspect(a) => image_inspect(paths, a),
        ImageCommand::History(a) => history(paths, a),
        ImageCommand::Explore(a) => super::explore::explore(paths, a),
        ImageCommand::Load(a) => load(paths, a),
        ImageCommand::Save(a) => save(paths, a),
        ImageCommand::Import(a) => import(paths, a),
        ImageCommand::Tag(a) => tag(paths, a),
        ImageCommand::Untag(a) => untag(paths, a),
        ImageCommand::Prune(a) => prune(paths, a),
        ImageCommand::Exists(a) => exists(paths, a),
    }
}

fn waiting(p: &std::path::Path) {
    eprintln!(
        "waiting for other berth processes to release {}",
        p.display()
    );
}

/// Print rows with a `--format`: `json` for the JSON array, else a Go
/// template (with `table` for a header and aligned columns).
fn print_formatted(
    format: &str,
    json_rows: &[Value],
    rows: &[Value],
    headers: &HashMap<&str, &str>,
) -> Result<()> {
    if format == "json" {
        return Ok(output::println(&serde_json::to_string_pretty(json_rows)?)?);
    }
    // `render_rows` ends each row with its newline (as Podman adds one to
    // a template that lacks it), handles `table` and `{{range .}}`.
    let t = tmpl::Template::parse(format)?;
    Ok(output::print(&t.render_rows(rows, headers)?)?)
}

#[derive(Args, Debug)]
pub struct ImagesArgs {
    /// Show all images (intermediate ones too)
    #[arg(short, long)]
    all: bool,
    /// Show only image IDs
    #[arg(short, long)]
    quiet: bool,
    /// Show digests
    #[arg(long)]
    digests: bool,
    /// Do not truncate IDs
    #[arg(long)]
    no_trunc: bool,
    /// Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=K[=V], id=ID
    #[arg(short, long, value_name = "FILTER")]
    filter: Vec<String>,
    /// Sort by created, id, repository, tag or size
    #[arg(long, value_name = "KEY")]
    sort: Option<String>,
    /// `json`, or a Go template such as '{{.Repository}}:{{.Tag}}'
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Do not print the header
    #[arg(short, long)]
    noheading: bool,
    /// Only this image (a name or pattern)
    image: Option<String>,
}

/// One line of `images`: an image under one of its names.
struct ImageRow {
    id: String,
    full_id: String,
    repository: String,
    tag: String,
    digest: String,
    created: String,
    created_at: String,
    size: String,
    dangling: bool,
    /// All the image's names, and the digests it was pulled by.
    names: Vec<String>,
    digests: Vec<String>,
    labels: Value,
}

impl ImageRow {
    /// The fields a `--format` template sees, named as Podman names them.
    fn template_value(&self) -> Value {
        json!({
            "ID": self.id, "Id": self.full_id, "Repository": self.repository, "Tag": self.tag,
            "Digest": self.digest, "Created": self.created, "CreatedSince": self.created,
            "CreatedAt": self.created_at, "Size": self.size, "VirtualSize": self.size,
            "Dangling": self.dangling, "Containers": 0, "ReadOnly": false,
            "Names": self.names, "RepoTags": self.names, "History": self.names.iter().rev().cloned().collect::<Vec<_>>().join(", "),
            "RepoDigests": self.digests, "Labels": self.labels,
        })
    }
}

fn split_name(n: &str) -> (String, String) {
    match n.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (n.to_string(), "<none>".to_string()),
    }
}

pub fn images(paths: &StorePaths, a: &ImagesArgs) -> Result<i32> {
    let mut filters = a.filter.clone();
    if let Some(i) = &a.image {
        filters.push(format!("reference={i}"));
    }
    // A row per name that the reference filters match (as Podman 5; 4.x
    // listed every name of a matching image).
    let patterns: Vec<String> = filters
        .iter()
        .filter_map(|f| f.strip_prefix("reference="))
        .map(str::to_string)
        .collect();
    let shown = |name: &str| {
        patterns
            .iter()
            .all(|p| ops::images::reference_matches(p, name))
    };
    let list = ops::images::list(
        paths,
        &ops::images::ListOptions {
            filters,
            sort: a.sort.clone(),
            all: a.all,
        },
    )?;
    let now = crate::image::time::now_unix();
    let id_of = |d: &crate::digest::Digest| {
        if a.no_trunc {
            d.to_string()
        } else {
            d.short().to_string()
        }
    };
    if a.quiet {
        let mut seen = std::collections::HashSet::new();
        let mut out = String::new();
        for i in &list {
            if seen.insert(i.id.clone()) {
                out.push_str(&id_of(&i.id));
                out.push('\n');
            }
        }
        output::print(&out)?;
        return Ok(0);
    }
    // Labels only for a template or JSON: they cost a read per image.
    let labels = match &a.format {
        Some(_) => ops::images::labels(paths, &list.iter().map(|i| &i.id).collect::<Vec<_>>())?
            .into_iter()
            .map(|l| json!(l))
            .collect(),
        None => vec![json!({}); list.len()],
    };
    // One row per name; an image with no name is one `<none>` row.
    let mut rows = Vec::new();
    for (i, labels) in list.iter().zip(&labels) {
        let names: Vec<(String, String)> = if i.names.is_empty() {
            vec![("<none>".into(), "<none>".into())]
        } else {
            i.names
                .iter()
                .filter(|n| shown(n))
                .map(|n| split_name(n))
                .collect()
        };
        for (repository, tag) in names {
            rows.push(ImageRow {
                id: id_of(&i.id),
                full_id: i.id.hex().to_string(),
                repository,
                tag,
                digest: i.manifest.to_string(),
                created: human_age(i.created, now),
                created_at: crate::image::time::format_go(i.created * 1_000_000_000),
                size: human_size(i.size),
                dangling: i.names.is_empty(),
                names: i.names.clone(),
                digests: i.digests.clone(),
                labels: labels.clone(),
            });
        }
    }
    if let Some(f) = &a.format {
        let json_rows: Vec<Value> = list
            .iter()
            .zip(labels)
            .map(|(i, labels)| {
                json!({
                    "Id": i.id.hex(),
                    "ParentId": "",
                    "RepoTags": i.names,
                    "RepoDigests": i.digests,
                    "Size": i.size,
                    "SharedSize": 0,
                    "VirtualSize": i.size,
                    // Podman's `null` for none.
                    "Labels": Some(labels).filter(|l| l.as_object().is_some_and(|m| !m.is_empty())),
                    "Containers": 0,
                    "Names": i.names,
                    "Digest": i.manifest.to_string(),
                    "Dangling": i.names.is_empty(),
                    // Podman's key: the names the image has had, newest
                    // first; berth keeps only the current ones.
                    "History": i.names,
                    "Created": i.created,
                    "CreatedAt": crate::image::time::format_rfc3339(i.created),
                })
            })
            .collect();
        let rows: Vec<Value> = rows.iter().map(ImageRow::template_value).collect();
        let headers = HashMap::from([
            ("ID", "IMAGE ID"),
            ("Repository", "REPOSITORY"),
            ("Tag", "TAG"),
        ]);
        print_formatted(f, &json_rows, &rows, &headers)?;
        return Ok(0);
    }
    let mut head = vec!["REPOSITORY", "TAG"];
    if a.digests {
        head.push("DIGEST");
    }
    head.extend(["IMAGE ID", "CREATED", "SIZE"]);
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            let mut c = vec![r.repository, r.tag];
            if a.digests {
                c.push(r.digest);
            }
            c.extend([r.id, r.created, r.size]);
            c
        })
        .collect();
    let mut text = tmpl::table(&head, &cells);
    if a.noheading {
        text = text
            .split_once('\n')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default();
    }
    output::print(&text)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Show sizes and dates in human form (`--human=false` for raw)
    #[arg(short = 'H', long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    human: bool,
    /// Do not truncate the output
    #[arg(long)]
    no_trunc: bool,
    /// Show only IDs
    #[arg(short, long)]
    quiet: bool,
    /// `json`, or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    image: String,
}

pub fn history(paths: &StorePaths, a: &HistoryArgs) -> Result<i32> {
    let rows = ops::inspect::history(paths, &a.image)?;
    let now = crate::image::time::now_unix();
    let id = |r: &ops::inspect::HistoryRow| match &r.id {
        Some(d) if a.no_trunc => d.to_string(),
        Some(d) => d.short().to_string(),
        None => "<missing>".into(),
    };
    if a.quiet {
        let out: String = rows.iter().map(|r| id(r) + "\n").collect();
        output::print(&out)?;
        return Ok(0);
    }
    let created = |r: &ops::inspect::HistoryRow| match r.created {
        Some(t) if a.human => human_age(t, now),
        Some(t) => crate::image::time::format_rfc3339(t),
        None => "N/A".into(),
    };
    let size = |r: &ops::inspect::HistoryRow| {
        if a.human {
            human_size(r.size)
        } else {
            r.size.to_string()
        }
    };
    let created_by = |r: &ops::inspect::HistoryRow| {
        let s = r.created_by.replace('\t', " ");
        if a.no_trunc || s.chars().count() <= 45 {
            s
        } else {
            s.chars().take(42).collect::<String>() + "..."
        }
    };
    if let Some(f) = &a.format {
        use crate::image::time::{format_go, format_rfc3339};
        // Podman's JSON keys (`id`, `created`, `size`, `comment` in lower
        // case, the whole id and command, raw numbers); `tags` only when
        // a layer has some, which berth's never do.
        let json_rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut row = json!({
                    "id": r.id.as_ref().map_or("<missing>".into(), |d| d.hex().to_string()),
                    "CreatedBy": r.created_by, "size": r.size, "comment": r.comment,
                });
                if let Some(t) = r.created {
                    row["created"] = json!(format_rfc3339(t));
                    row["Created"] = json!(format_rfc3339(t));
                }
                row
            })
            .collect();
        // Templates see the table's cells, the command truncated unless
        // --no-trunc, as Podman's `history --format` does.
        let v: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "ID": id(r), "Created": created(r),
                    "CreatedSince": r.created.map_or("N/A".into(), |t| human_age(t, now)),
                    "CreatedAt": r.created.map(|t| format_go(t * 1_000_000_000)),
                    "CreatedBy": created_by(r), "Size": size(r), "Comment": r.comment,
                    "Tags": [],
                })
            })
            .collect();
        let headers = HashMap::from([("ID", "ID"), ("CreatedBy", "CREATED BY")]);
        print_formatted(f, &json_rows, &v, &headers)?;
        return Ok(0);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| vec![id(r), created(r), created_by(r), size(r), r.comment.clone()])
        .collect();
    output::print(&tmpl::table(
        &["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
        &cells,
    ))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// `json` (the default), or a Go template such as '{{.Id}}'
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// What to look for: container, image, or all (a container wins over
    /// an image of the same name)
    #[arg(short, long, value_name = "TYPE", value_parser = ["container", "image", "all"], default_value = "all")]
    r#type: String,
    /// Containers or images (names or IDs)
    #[arg(required = true)]
    names: Vec<String>,
}

/// The top-level `inspect`: containers and images.
pub fn inspect(paths: &StorePaths, a: &InspectArgs) -> Result<i32> {
    use ops::inspect::{Kind, Object};
    let kind = match a.r#type.as_str() {
        "container" => Kind::Container,
        "image" => Kind::Image,
        _ => Kind::All,
    };
    let docs: Vec<serde_json::Value> = ops::inspect::inspect_objects(paths, &a.names, kind)?
        .iter()
        .map(|o| match o {
            Object::Container(c) => super::container::inspect_json(c),
            Object::Image(v) => v.clone(),
        })
        .collect();
    print_inspected(&docs, a.format.as_deref())
}

#[derive(Args, Debug)]
pub struct ImageInspectArgs {
    /// `json` (the default), or a Go template such as '{{.Id}}'
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Images (names or IDs)
    #[arg(required = true)]
    names: Vec<String>,
}

fn image_inspect(paths: &StorePaths, a: &ImageInspectArgs) -> Result<i32> {
    let docs = ops::inspect::inspect(paths, &a.names)?;
    print_inspected(&docs, a.format.as_deref())
}

fn print_inspected(docs: &[serde_json::Value], format: Option<&str>) -> Result<i32> {
    output::print_inspected(format, docs)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Read from this archive instead of standard input
    #[arg(short, long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(short, long)]
    quiet: bool,
}

pub fn load(paths: &StorePaths, a: &LoadArgs) -> Result<i32> {
    if a.input.is_none() && std::io::stdin().is_terminal() {
        bail!("cannot read an archive from a terminal: use -i FILE or redirect standard input");
    }
    let loaded = ops::archive::load(
        paths,
        &ops::archive::LoadOptions {
            input: a.input.clone(),
        },
        &mut std::io::stdin(),
    )?;
    if !a.quiet {
        let mut out = String::new();
        for l in &loaded {
            if l.names.is_empty() {
                out.push_str(&format!("Loaded image: {}\n", l.id));
            }
            for n in &l.names {
                out.push_str(&format!("Loaded image: {n}\n"));
            }
        }
        output::print(&out)?;
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct SaveArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// docker-archive (default) or oci-archive
    #[arg(long, default_value = "docker-archive", value_parser = ["docker-archive", "oci-archive"])]
    format: String,
    /// Print nothing but errors
    #[arg(short, long)]
    quiet: bool,
    /// Keep the layers of an oci-archive uncompressed: berth always does
    /// (Podman compresses them unless this is given)
    #[arg(long)]
    uncompressed: bool,
    #[arg(required = true)]
    images: Vec<String>,
}

pub fn save(paths: &StorePaths, a: &SaveArgs) -> Result<i32> {
    let format = if a.format == "oci-archive" {
        Format::OciArchive
    } else {
        Format::DockerArchive
    };
    let opts = ops::archive::SaveOptions {
        images: a.images.clone(),
        format,
    };
    // Resolve (and so fail on an unknown image) before any output exists.
    let images = ops::archive::prepare_save(paths, &opts)?;
    let write_to = |f: std::fs::File, path: &std::path::Path| -> Result<()> {
        let w = ops::archive::save(
            &images,
            format,
            std::io::BufWriter::with_capacity(1 << 20, f),
        )?;
        w.into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    };
    match &a.output {
        None => {
            if output::stdout_is_terminal() {
                bail!("refusing to write an archive to a terminal: use -o FILE or redirect standard output");
            }
            let out = std::io::BufWriter::with_capacity(
                1 << 20,
                output::stdout_stream().context("writing to standard output")?,
            );
            ops::archive::save(&images, format, out)?;
        }
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            // A device, FIFO or /dev/stdout: write to it, never replace it.
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            write_to(f, path)?;
        }
        Some(path) => {
            // A file is written beside the target and renamed: a failed
            // save leaves no half archive behind.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.berth-{}",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            let res = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", path.display()))
                .and_then(|f| write_to(f, path))
                .and_then(|()| {
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("writing {}", path.display()))
                });
            if res.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            res?;
        }
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)
    #[arg(short, long, value_name = "INSTRUCTION")]
    change: Vec<String>,
    /// A commit message for the image history
    #[arg(short, long)]
    message: Option<String>,
    /// Print nothing but the image ID
    #[arg(short, long)]
    quiet: bool,
    /// A tarball (plain, gzip or zstd), or `-` for standard input
    file: String,
    /// A name for the new image
    reference: Option<String>,
}

pub fn import(paths: &StorePaths, a: &ImportArgs) -> Result<i32> {
    let input = if a.file == "-" {
        None
    } else {
        Some(PathBuf::from(&a.file))
    };
    let opts = ops::import::ImportOptions {
        input,
        reference: a.reference.clone(),
        changes: a.change.clone(),
        message: a.message.clone(),
    };
    let rec = ops::import::import(paths, &opts, &mut std::io::stdin())?;
    output::println(rec.id.hex())?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct TagArgs {
    image: String,
    #[arg(required = true)]
    names: Vec<String>,
}

pub fn tag(paths: &StorePaths, a: &TagArgs) -> Result<i32> {
    ops::tag::tag(paths, &a.image, &a.names)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct UntagArgs {
    image: String,
    /// Names to remove (all when none is given)
    names: Vec<String>,
}

pub fn untag(paths: &StorePaths, a: &UntagArgs) -> Result<i32> {
    ops::tag::untag(paths, &a.image, &a.names)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct RmiArgs {
    /// Remove all images
    #[arg(short, long)]
    all: bool,
    /// Remove an image even when it has several names, given by ID
    #[arg(short, long)]
    force: bool,
    /// Do not fail for images that do not exist
    #[arg(short, long)]
    ignore: bool,
    images: Vec<String>,
}

pub fn rmi(paths: &StorePaths, a: &RmiArgs) -> Result<i32> {
    if a.images.is_empty() && !a.all {
        bail!("rmi needs at least one image name or ID, or --all");
    }
    let opts = ops::remove::RmiOptions {
        images: a.images.clone(),
        all: a.all,
        force: a.force,
        ignore: a.ignore,
    };
    let (events, _) = match ops::remove::rmi(paths, &opts, waiting) {
        Ok(r) => r,
        // Podman's code for an image that is not there.
        Err(e)
            if matches!(
                e.downcast_ref::<crate::store::ResolveError>(),
                Some(crate::store::ResolveError::NotFound(_))
            ) =>
        {
            eprintln!("Error: {}", output::one_line(&e));
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let mut out = String::new();
    for e in events {
        match e {
            ops::remove::Removed::Untagged(n) => out.push_str(&format!("Untagged: {n}\n")),
            ops::remove::Removed::Deleted(d) => out.push_str(&format!("Deleted: {}\n", d.hex())),
        }
    }
    output::print(&out)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Remove every image, not only dangling ones
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

fn prune(paths: &StorePaths, a: &PruneArgs) -> Result<i32> {
    let what = if a.all {
        "all images not used by a container"
    } else {
        "all dangling images"
    };
    if !a.force
        && !output::confirm(&format!(
            "WARNING! This command removes {what}.\nAre you sure you want to continue?"
        ))
    {
        return Ok(0);
    }
    let (ids, _) = ops::remove::prune_images(paths, a.all, waiting)?;
    let out: String = ids.iter().map(|d| format!("{}\n", d.hex())).collect();
    output::print(&out)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ExistsArgs {
    image: String,
}

fn exists(paths: &StorePaths, a: &ExistsArgs) -> Result<i32> {
    Ok(if ops::inspect::exists(paths, &a.image)? {
        0
    } else {
        1
    })
}

// Loading, saving, importing and removing images write or read layer
// files (rootless: of subordinate ids).
layer_files!(true: LoadArgs, SaveArgs, ImportArgs, RmiArgs, PruneArgs);
layer_files!(false: ImagesArgs, HistoryArgs, InspectArgs, ImageInspectArgs, TagArgs, UntagArgs, ExistsArgs);
layer_files_of!(ImageCommand: Build, Ls, Rm, Inspect, History, Explore, Load, Save, Import, Tag, Untag, Prune, Exists);
