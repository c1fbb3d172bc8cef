//! `diff` and `commit`: a container's writable layer (its overlay upper
//! dir) read back as changes, or stored as a new layer on top of the
//! container's image. Both work on stopped containers; on a running one
//! they read the upper dir as it is at that moment (no pause).

use super::local_name;
use crate::digest::{Digest, HashingWriter};
use crate::image::config::{self, ImageConfig};
use crate::image::{Image, LayerInfo};
use crate::layer_tar::diff::{self, Change, DiffOptions};
use crate::runtime::userns::Identity;
use crate::store::containers::ContainerRecord;
use crate::store::{ImageRecord, Store, StoreImage, StorePaths, Writer};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `commit`'s options.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    pub container: String,
    /// The new image's name; `None` leaves it untagged.
    pub reference: Option<String>,
    /// `CMD …`, `ENV …` … as Dockerfile instructions.
    pub changes: Vec<String>,
    pub message: Option<String>,
    pub author: Option<String>,
}

/// Mount points the runtime makes in a container's root, left out of
/// `diff` and `commit` while they are empty (Podman's `initInodes`).
const PLACEHOLDERS: &[&str] = &[
    "dev",
    "proc",
    "sys",
    "run",
    "run/.containerenv",
    "etc/hostname",
    "etc/hosts",
    "etc/resolv.conf",
    "etc/mtab",
];

/// How to read an upper dir. Rootless without a subordinate range, the
/// user's files are the container's root's.
pub(crate) fn diff_options() -> DiffOptions {
    DiffOptions {
        root_ids: (crate::runtime::userns::identity() == Identity::User).then(|| {
            (
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            )
        }),
        placeholders: PLACEHOLDERS.iter().map(|p| p.to_string()).collect(),
        mtimes: crate::layer_tar::diff::Mtimes::Keep,
    }
}

/// The container's image as the store keeps it.
fn container_image(store: &Store, rec: &ContainerRecord) -> Result<StoreImage> {
    let Some(id) = &rec.image else {
        let dir = rec.rootfs.as_deref().unwrap_or(Path::new(""));
        bail!(
            "it has no image: its root is the directory {} (--rootfs)",
            dir.display()
        );
    };
    let index = store.read_index()?;
    let image = index.find(id).ok_or_else(|| {
        anyhow!(
            "container {}: its image {} is no longer in the store",
            rec.name,
            id.short()
        )
    })?;
    store.image(image)
}

/// `diff`: the container's changes over its image, sorted by path.
pub fn changes(paths: &StorePaths, name: &str) -> Result<Vec<Change>> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    // A `--rootfs DIR` container has an upper dir over DIR with `:O`;
    // else it wrote into DIR, of which berth keeps no record: no changes.
    let lowers: Vec<PathBuf> = match &rec.rootfs {
        Some(dir) => vec![dir.clone()],
        None => container_image(&store, &rec)?.layer_diffs(),
    };
    let upper = store.container_overlay(&rec.id).upper;
    diff::changes(&upper, &lowers, &diff_options())
        .with_context(|| format!("container {}", rec.name))
}

/// An image's layers plus, optionally, one new layer: a tar file in the
/// staging dir.
struct CommitImage {
    base: Option<StoreImage>,
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    tar: Option<PathBuf>,
}

impl Image for CommitImage {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        match (&self.tar, &self.base) {
            (Some(tar), _) if i + 1 == self.layers.len() => Ok(Box::new(crate::fsutil::open(tar)?)),
            (_, Some(base)) => base.open_layer(i),
            (_, None) => Err(anyhow!("layer {i} of a new image has no source")),
        }
    }
}

/// What to store as a new image: a config over `base`'s layers (`None`:
/// no layers), and optionally one more layer from a tar file.
pub struct NewImage<'a> {
    pub base: Option<StoreImage>,
    /// The new image's config; when `layer` is given, its diffID is
    /// appended to the config's by [`store_image`].
    pub config: ImageConfig,
    /// A layer tar and its diffID (the sha256 of the file).
    pub layer: Option<(PathBuf, Digest)>,
    pub names: &'a [String],
}

/// Store `img` through `writer`: the layer tar (if any) is hashed, its
/// diffID added to the config, and the image recorded with its names.
pub fn store_image(writer: &Writer, img: NewImage) -> Result<ImageRecord> {
    let mut cfg = img.config;
    let mut layers = match &img.base {
        Some(b) => b.layers().to_vec(),
        None => Vec::new(),
    };
    let mut tar = None;
    if let Some((path, diff_id)) = img.layer {
        tar = Some(path);
        cfg.rootfs.diff_ids.push(diff_id.clone());
        layers.push(LayerInfo {
            diff_id,
            blob: None,
            tar_size: None,
        });
    }
    let names = img.names;
    let img = CommitImage {
        config: serde_json::to_vec(&cfg).context("serializing the image config")?,
        base: img.base,
        layers,
        tar,
    };
    writer.commit_image(&img, names, None, &[])
}

/// A container's upper dir as the next layer of an image.
pub struct ContainerLayer<'a> {
    pub container: &'a ContainerRecord,
    /// The new image's config before the layer is added (the base
    /// image's, changed as the caller wants); `history` is appended.
    pub config: ImageConfig,
    pub history: config::History,
    /// How the layer's modification times are written.
    pub mtimes: crate::layer_tar::diff::Mtimes,
    /// When the upper dir holds no change, add no layer and mark the
    /// history entry `empty_layer` (as a build's RUN that writes nothing).
    pub skip_empty: bool,
    pub names: &'a [String],
}

/// Store a container's writable layer as a new layer over its image:
/// the code path of `commit`, also used by `build` for each RUN.
pub fn commit_container(store: &Store, writer: &Writer, c: ContainerLayer) -> Result<ImageRecord> {
    let rec = c.container;
    let what = || format!("committing container {}", rec.name);
    let base = container_image(store, rec).with_context(what)?;
    let mut opts = diff_options();
    opts.mtimes = c.mtimes;
    let upper = store.container_overlay(&rec.id).upper;
    let mut cfg = c.config;
    let mut history = c.history;
    let empty = c.skip_empty && {
        let lowers: Vec<PathBuf> = base.layer_diffs();
        diff::changes(&upper, &lowers, &opts)
            .with_context(what)?
            .iter()
            .all(|c| only_mount_points(&upper, c))
    };
    let tar = writer.staging().join(format!("layer-{}.tar", rec.id));
    let mut layer = None;
    if !empty {
        let mut out = HashingWriter::new(crate::fsutil::create(&tar)?);
        diff::write_tar(&upper, &mut out, &opts).with_context(what)?;
        layer = Some((tar.clone(), out.finish().0));
    }
    history.empty_layer = empty;
    cfg.history.push(history);
    let names = c.names;
    let res = store_image(
        writer,
        NewImage {
            base: Some(base),
            config: cfg,
            layer,
            names,
        },
    )
    .with_context(what);
    let _ = std::fs::remove_file(&tar);
    res
}

/// `commit`: store the container's upper dir as a new layer over its
/// image, with the container's config (the image's with run's changes),
/// `changes` applied, and a history entry. Returns the new image's record.
pub fn commit(paths: &StorePaths, opts: &CommitOptions) -> Result<ImageRecord> {
    let name = opts.reference.as_deref().map(local_name).transpose()?;
    let store = Store::open(paths)?;
    let rec = store.find_container(&opts.container)?;
    let what = || format!("committing container {}", rec.name);
    let writer = store.writer(super::owners())?;
    let base = container_image(&store, &rec).with_context(what)?;
    let mut cfg = ImageConfig::parse(base.config_bytes())
        .with_context(|| format!("image {}", base.record.id.short()))?;
    // The container's command, environment … as run gave them (Docker's
    // and Podman's commit), then the changes.
    if let Some(c) = &rec.run_config {
        cfg.config = c.clone();
    }
    for c in &opts.changes {
        config::apply_change(&mut cfg.config, c)?;
    }
    let now = crate::image::time::format_rfc3339(crate::image::time::now_unix());
    cfg.created = Some(now.clone());
    if opts.author.is_some() {
        cfg.author = opts.author.clone();
    }
    let names: Vec<String> = name.into_iter().collect();
    let image = commit_container(
        &store,
        &writer,
        ContainerLayer {
            container: &rec,
            config: cfg,
            history: config::History {
                created: Some(now),
                created_by: Some(shell_words(&rec.command)),
                author: opts.author.clone(),
                comment: opts.message.clone(),
                empty_layer: false,
            },
            mtimes: crate::layer_tar::diff::Mtimes::Keep,
            skip_empty: false,
            names: &names,
        },
    )?;
    super::events::container(&store, "commit", &rec);
    Ok(image)
}

/// Whether change `c` is only a directory the runtime copied up to make
/// its mount points (`/etc` for `/etc/hosts`), with nothing else in it.
fn only_mount_points(upper: &std::path::Path, c: &Change) -> bool {
    let Change::Changed(p) = c else {
        return false;
    };
    let rel = p.trim_start_matches('/');
    let is_parent = PLACEHOLDERS
        .iter()
        .any(|m| m.rsplit_once('/').is_some_and(|(dir, _)| dir == rel));
    let Ok(entries) = std::fs::read_dir(upper.join(rel)) else {
        return false;
    };
    is_parent
        && entries.into_iter().all(|e| {
            e.is_ok_and(|e| {
                let name = format!("{rel}/{}", e.file_name().to_string_lossy());
                PLACEHOLDERS.contains(&name.as_str())
                    && e.metadata().is_ok_and(|m| m.len() == 0 || m.is_dir())
            })
        })
}

/// The container's command as one line, for the history entry.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_.=:,".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
