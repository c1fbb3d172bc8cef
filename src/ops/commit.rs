//! `diff` and `commit`: a container's writable layer (its overlay upper
//! dir) read back as changes, or stored as a new layer on top of the
//! container's image. Both work on stopped containers; on a running one
//! they read the upper dir as it is at that moment (no pause).

use super::local_name;
use crate::digest::HashingWriter;
use crate::image::config::{self, ImageConfig};
use crate::image::{Image, LayerInfo};
use crate::layer_tar::diff::{self, Change, DiffOptions};
use crate::runtime::userns::Identity;
use crate::store::containers::ContainerRecord;
use crate::store::{ImageRecord, Store, StoreImage, StorePaths};
use anyhow::{anyhow, Context, Result};
use std::io::Read;
use std::path::PathBuf;

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
    "etc/hostname",
    "etc/hosts",
    "etc/resolv.conf",
    "etc/mtab",
];

/// How to read an upper dir. Rootless without a subordinate range, the
/// user's files are the container's root's.
fn diff_options() -> DiffOptions {
    DiffOptions {
        root_ids: (crate::runtime::userns::identity() == Identity::User).then(|| {
            (
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            )
        }),
        placeholders: PLACEHOLDERS.iter().map(|p| p.to_string()).collect(),
    }
}

/// The container's image as the store keeps it.
fn container_image(store: &Store, rec: &ContainerRecord) -> Result<StoreImage> {
    let index = store.read_index()?;
    let image = index.find(&rec.image).ok_or_else(|| {
        anyhow!(
            "container {}: its image {} is no longer in the store",
            rec.name,
            rec.image.short()
        )
    })?;
    store.image(image)
}

/// `diff`: the container's changes over its image, sorted by path.
pub fn changes(paths: &StorePaths, name: &str) -> Result<Vec<Change>> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    let image = container_image(&store, &rec)?;
    let lowers: Vec<PathBuf> = image
        .layer_dirs()
        .iter()
        .rev()
        .map(|d| d.join("diff"))
        .collect();
    let upper = store.container_dir(&rec.id).join("upper");
    diff::changes(&upper, &lowers, &diff_options())
        .with_context(|| format!("container {}", rec.name))
}

/// The container's image plus one layer: a tar file in the staging dir.
struct CommitImage {
    base: StoreImage,
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    tar: PathBuf,
}

impl Image for CommitImage {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        if i + 1 == self.layers.len() {
            Ok(Box::new(crate::fsutil::open(&self.tar)?))
        } else {
            self.base.open_layer(i)
        }
    }
}

/// `commit`: store the container's upper dir as a new layer over its
/// image, with the image's config, `changes` applied, and a history
/// entry. Returns the new image's record.
pub fn commit(paths: &StorePaths, opts: &CommitOptions) -> Result<ImageRecord> {
    let name = opts.reference.as_deref().map(local_name).transpose()?;
    let store = Store::open(paths)?;
    let rec = store.find_container(&opts.container)?;
    let what = || format!("committing container {}", rec.name);
    let writer = store.writer(super::owners())?;
    let base = container_image(&store, &rec).with_context(what)?;
    let mut cfg = ImageConfig::parse(base.config_bytes())
        .with_context(|| format!("image {}", rec.image.short()))?;
    for c in &opts.changes {
        config::apply_change(&mut cfg.config, c)?;
    }

    let tar = writer.staging().join("commit.tar");
    let upper = store.container_dir(&rec.id).join("upper");
    let (diff_id, _) = {
        let mut out = HashingWriter::new(crate::fsutil::create(&tar)?);
        diff::write_tar(&upper, &mut out, &diff_options()).with_context(what)?;
        let (d, n, _) = out.finish();
        (d, n)
    };

    let now = crate::image::time::format_rfc3339(crate::image::time::now_unix());
    cfg.created = Some(now.clone());
    if opts.author.is_some() {
        cfg.author = opts.author.clone();
    }
    cfg.rootfs.diff_ids.push(diff_id.clone());
    cfg.history.push(config::History {
        created: Some(now),
        created_by: Some(shell_words(&rec.command)),
        author: opts.author.clone(),
        comment: opts.message.clone(),
        empty_layer: false,
    });
    let mut layers = base.layers().to_vec();
    layers.push(LayerInfo {
        diff_id,
        blob: None,
        tar_size: None,
    });
    let img = CommitImage {
        config: serde_json::to_vec(&cfg).context("serializing the image config")?,
        base,
        layers,
        tar,
    };
    let names: Vec<String> = name.into_iter().collect();
    writer
        .commit_image(&img, &names, None, &[])
        .with_context(what)
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
