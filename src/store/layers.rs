//! Layer directories (`overlay/<chain id>/`), their extraction by one
//! process at a time, and the store's images read back as [`Image`]s.

use super::{ImageRecord, Owners, Store, Writer};
use crate::digest::{chain_id, Digest};
use crate::fsutil::{self, FileLock, LockKind};
use crate::image::{Image, ImageSink, LayerInfo, LayerStream, Placed, Verified};
use crate::layer_tar;
use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// `overlay/<chain>/layer.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct LayerRecord {
    pub chain_id: Digest,
    pub diff_id: Digest,
    pub parent: Option<Digest>,
    /// Size of the layer's uncompressed tar.
    pub tar_size: u64,
}

/// The short name of a layer's `overlay/l/` link: keeps the mount option
/// string of a deep image under the kernel's one-page limit.
pub fn short_link(chain: &Digest) -> String {
    chain.hex()[..26].to_ascii_uppercase()
}

impl Store {
    pub fn layer_dir(&self, chain: &Digest) -> PathBuf {
        self.lower_base().join(chain.hex())
    }

    /// A layer's files: `overlay/<chain>/diff`.
    pub fn layer_diff(&self, chain: &Digest) -> PathBuf {
        self.layer_dir(chain).join("diff")
    }

    /// Layers (`chains`, bottom first) as their `diff/` dirs, top first:
    /// the order overlay stacks lower dirs in.
    pub fn layer_diffs<'a>(
        &self,
        chains: impl DoubleEndedIterator<Item = &'a Digest>,
    ) -> Vec<PathBuf> {
        chains.rev().map(|c| self.layer_diff(c)).collect()
    }

    /// The work dir that `inspect` shows for an image (Podman's
    /// `GraphDriver.Data.WorkDir`): `overlay/<chain>/work`.
    pub fn layer_work(&self, chain: &Digest) -> PathBuf {
        self.layer_dir(chain).join("work")
    }

    /// The directory overlay mounts name their lower dirs from
    /// (`overlay/`), so that the mount options stay short.
    pub fn lower_base(&self) -> PathBuf {
        self.root.join("overlay")
    }

    /// Layers (`chains`, bottom first) as overlay lower dirs, top first,
    /// relative to [`Store::lower_base`]: each layer's short link
    /// `l/<short>`.
    pub fn overlay_lowers<'a>(
        &self,
        chains: impl DoubleEndedIterator<Item = &'a Digest>,
    ) -> Result<Vec<String>> {
        chains
            .rev()
            .map(|chain| {
                let short = fsutil::read(&self.layer_dir(chain).join("link"))
                    .with_context(|| format!("layer {chain}"))?;
                Ok(format!("l/{}", String::from_utf8_lossy(&short).trim()))
            })
            .collect()
    }

    /// The record of a stored layer.
    pub fn layer(&self, chain: &Digest) -> Result<LayerRecord> {
        let p = self.layer_dir(chain).join("layer.json");
        let b = fsutil::read(&p).with_context(|| format!("layer {chain}"))?;
        serde_json::from_slice(&b)
            .with_context(|| format!("layer {chain}: malformed {}", p.display()))
    }

    /// The entries of a stored layer, read from its tar-split alone (no
    /// file of `diff/` is opened).
    /// Each is handed to `sink` as it is read.
    pub fn layer_entries<S: layer_tar::EntrySink>(&self, chain: &Digest, sink: S) -> Result<S> {
        layer_tar::split_entries_into(&self.layer_dir(chain).join("tar-split"), sink)
            .with_context(|| format!("layer {chain}"))
    }

    /// A regular file of a stored layer (`rel` as the layer's tar names
    /// it), opened for reading without following symlinks.
    pub fn layer_file(&self, chain: &Digest, rel: &str) -> Result<std::fs::File> {
        layer_tar::open_layer_file(&self.layer_dir(chain).join("diff"), rel)
            .with_context(|| format!("layer {chain}"))
    }

    /// Every layer dir present.
    pub fn layer_ids(&self) -> Result<Vec<Digest>> {
        let dir = self.root.join("overlay");
        let mut out = Vec::new();
        for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let e = e.with_context(|| format!("reading {}", dir.display()))?;
            if let Ok(d) = Digest::from_hex(&e.file_name().to_string_lossy()) {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Remove a layer: first renamed out of `overlay/` (atomic, so no half
    /// removed layer is ever visible), then deleted.
    pub(super) fn remove_layer(&self, chain: &Digest) -> Result<()> {
        let dir = self.layer_dir(chain);
        // The dir goes first: a layer dir without its link must never be
        // left for a later pull to reuse (a dangling link is swept).
        if dir.exists() {
            let doomed = self
                .root
                .join("tmp")
                .join(format!("rm-{}", fsutil::unique_suffix()));
            fsutil::rename(&dir, &doomed)?;
            fsutil::remove_all(&doomed)?;
        }
        let _ = std::fs::remove_file(self.root.join("overlay/l").join(short_link(chain)));
        let _ = std::fs::remove_file(self.layer_lock_path(chain));
        Ok(())
    }

    /// `locks/<chain>.lock`: held by the process that extracts the layer.
    pub(super) fn layer_lock_path(&self, chain: &Digest) -> std::path::PathBuf {
        self.root
            .join("locks")
            .join(format!("{}.lock", chain.hex()))
    }
}

/// The store as an [`ImageSink`]: the layers it lacks are extracted into
/// the writer's staging dir, several at once, each under its lock; at the
/// end they are moved in and the image is recorded under its names.
pub struct StoreSink<'a> {
    writer: &'a Writer<'a>,
    names: &'a [String],
    manifest: Option<&'a [u8]>,
    digests: &'a [String],
    /// Each layer's chain id and its parent's.
    chains: Vec<(Digest, Option<Digest>)>,
    /// The locks of the layers to extract; `None` for those present.
    locks: Vec<Mutex<Option<FileLock>>>,
}

impl<'a> StoreSink<'a> {
    /// A sink recording the image under `names` and `digests`, with
    /// `manifest` (or one made for its uncompressed layers).
    pub fn new(
        writer: &'a Writer<'a>,
        names: &'a [String],
        manifest: Option<&'a [u8]>,
        digests: &'a [String],
    ) -> StoreSink<'a> {
        StoreSink {
            writer,
            names,
            manifest,
            digests,
            chains: Vec::new(),
            locks: Vec::new(),
        }
    }
}

impl ImageSink for StoreSink<'_> {
    /// An extracted layer, staged; `None` for one already in the store.
    type Layer = Option<Staged>;
    type Done = ImageRecord;

    fn parallel(&self) -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(2, 4)
    }

    /// Take the locks of the missing layers, all before any work, in one
    /// order every process follows (by chain id). A staged layer keeps
    /// its lock until the whole image is committed, so taking them as the
    /// workers go would let two processes that need the same two layers
    /// each hold one and wait for the other forever. A layer another
    /// process is extracting is waited for and reused, never extracted
    /// twice.
    fn begin(&mut self, img: &dyn Image) -> Result<()> {
        let infos = img.layers();
        let store = self.writer.store;
        let mut parent: Option<Digest> = None;
        self.chains = infos
            .iter()
            .map(|l| {
                let c = chain_id(parent.as_ref(), &l.diff_id);
                (c.clone(), parent.replace(c))
            })
            .collect();
        let chains = &self.chains;
        let mut order: Vec<usize> = (0..infos.len())
            .filter(|&i| !store.layer_dir(&chains[i].0).exists())
            .collect();
        order.sort_by(|&a, &b| chains[a].0.hex().cmp(chains[b].0.hex()));
        let mut locks: Vec<Option<FileLock>> = (0..infos.len()).map(|_| None).collect();
        for i in order {
            let lock = FileLock::acquire(
                &store.layer_lock_path(&chains[i].0),
                LockKind::Exclusive,
                |_| {},
            )?;
            // Another process may have put it in place while we waited.
            if !store.layer_dir(&chains[i].0).exists() {
                locks[i] = Some(lock);
            }
        }
        for (i, (chain, _)) in chains.iter().enumerate() {
            let diff_id = &infos[i].diff_id;
            if locks[i].is_some() {
                tracing::debug!(layer = i, %diff_id, %chain, "layer: fetching");
            } else {
                tracing::debug!(layer = i, %diff_id, %chain, "layer: in the store, skipped");
            }
        }
        self.locks = locks.into_iter().map(Mutex::new).collect();
        Ok(())
    }

    fn put_layer(&self, layer: &LayerStream<'_>) -> Result<Placed<Option<Staged>>> {
        let i = layer.index();
        let lock = self.locks[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(lock) = lock else {
            return Ok(Placed::Held(None));
        };
        let below: Vec<&Digest> = self.chains[..i].iter().rev().map(|(c, _)| c).collect();
        let (chain, parent) = &self.chains[i];
        let (staged, verified) =
            self.writer
                .extract_layer(layer, chain, parent.as_ref(), &below, lock)?;
        Ok(Placed::Written(Some(staged), verified))
    }

    fn finish(
        &mut self,
        img: &dyn Image,
        layers: Vec<Placed<Option<Staged>>>,
    ) -> Result<ImageRecord> {
        let writer = self.writer;
        let mut missing = Vec::new();
        let mut staged = Vec::new();
        for (i, l) in layers.into_iter().enumerate() {
            if let Some(l) = l.into_value() {
                missing.push(i);
                staged.push(l);
            }
        }
        if !staged.is_empty() {
            writer.inherit_roots(&staged, &missing, &self.chains)?;
            writer.commit_layers(staged)?;
        }
        let layers: Vec<LayerRecord> = self
            .chains
            .iter()
            .map(|(c, _)| writer.store.layer(c))
            .collect::<Result<_>>()?;
        writer.record_image(img, &layers, self.names, self.manifest, self.digests)
    }
}

impl Writer<'_> {
    fn unpack_options(&self, diff_id: &Digest) -> layer_tar::UnpackOptions {
        layer_tar::UnpackOptions {
            layer: format!("layer {diff_id}"),
            opaque_xattr: match self.owners {
                Owners::FromTar => layer_tar::OpaqueXattr::Trusted,
                Owners::FromTarInNamespace | Owners::User => layer_tar::OpaqueXattr::User,
            },
            chown: self.owners != Owners::User,
        }
    }

    /// A layer whose tar has no `./` takes its parent's root (mode and
    /// owner), as containers/storage makes it: the image's `/` is what
    /// the last layer that says so gives it. Bottom up, once every layer
    /// is extracted (the workers finish in any order), so a parent's root
    /// is final when its child copies it.
    fn inherit_roots(
        &self,
        staged: &[Staged],
        missing: &[usize],
        chains: &[(Digest, Option<Digest>)],
    ) -> Result<()> {
        for &i in missing {
            let (chain, parent) = &chains[i];
            let Some(parent) = parent else {
                continue;
            };
            let Some(layer) = staged.iter().find(|l| &l.chain == chain) else {
                continue;
            };
            if layer.root_given {
                continue;
            }
            let from = match staged.iter().find(|l| &l.chain == parent) {
                Some(p) => p.stage.join("diff"),
                None => self.store.layer_dir(parent).join("diff"),
            };
            fsutil::copy_root_attrs(&from, &layer.stage.join("diff"))?;
        }
        Ok(())
    }

    /// Make the staged layers durable with one syncfs (not one per layer:
    /// each flushes the whole file system), then move each into place —
    /// the rename is the commit point — and make the renames durable.
    fn commit_layers(&self, staged: Vec<Staged>) -> Result<()> {
        if staged.is_empty() {
            return Ok(());
        }
        let store = self.store;
        fsutil::sync_fs(&self.staging)?;
        for layer in &staged {
            let link = store.root.join("overlay/l").join(short_link(&layer.chain));
            match std::os::unix::fs::symlink(format!("../{}/diff", layer.chain.hex()), &link) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e).with_context(|| format!("creating {}", link.display())),
            }
        }
        // The links first: a layer is never visible without its link.
        fsutil::sync_dir(&store.root.join("overlay/l"))?;
        for layer in &staged {
            fsutil::rename(&layer.stage, &store.layer_dir(&layer.chain))?;
            self.created
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(layer.chain.clone());
        }
        fsutil::sync_dir(&store.root.join("overlay"))?;
        Ok(())
    }

    /// Extract `layer` into the staging dir; `lock` (its lock) is held
    /// until the layer is committed.
    fn extract_layer(
        &self,
        layer: &LayerStream<'_>,
        chain: &Digest,
        parent: Option<&Digest>,
        below: &[&Digest],
        lock: FileLock,
    ) -> Result<(Staged, Verified)> {
        let diff_id = &layer.info().diff_id;
        let stage = self.staging.join(chain.hex());
        let diff = stage.join("diff");
        fsutil::create_dir_all(&diff)?;
        let (unpacked, verified) = layer.read_tar(|tar| {
            layer_tar::unpack(
                tar,
                &diff,
                &stage.join("tar-split"),
                &self.unpack_options(diff_id),
            )
        })?;
        let short = short_link(chain);
        let lower: Vec<String> = below
            .iter()
            .map(|c| format!("l/{}", short_link(c)))
            .collect();
        let rec = LayerRecord {
            chain_id: chain.clone(),
            diff_id: diff_id.clone(),
            parent: parent.cloned(),
            tar_size: verified.tar_size(),
        };
        let write = |name: &str, data: &[u8]| -> Result<()> {
            let p = stage.join(name);
            std::fs::write(&p, data).with_context(|| format!("writing {}", p.display()))
        };
        write("link", short.as_bytes())?;
        if !lower.is_empty() {
            write("lower", lower.join(":").as_bytes())?;
        }
        write("layer.json", &serde_json::to_vec(&rec)?)?;
        Ok((
            Staged {
                _lock: lock,
                stage,
                chain: chain.clone(),
                root_given: unpacked.root_given,
            },
            verified,
        ))
    }
}

/// A layer extracted into the staging dir, its lock still held.
pub struct Staged {
    _lock: FileLock,
    stage: std::path::PathBuf,
    chain: Digest,
    /// Its tar had a `./` entry.
    root_given: bool,
}

/// An image of the store, readable as an [`Image`]: its layer tars are
/// rebuilt from `diff/` and `tar-split`.
pub struct StoreImage {
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    dirs: Vec<PathBuf>,
    pub record: ImageRecord,
}

impl StoreImage {
    pub(super) fn open(store: &Store, rec: &ImageRecord) -> Result<StoreImage> {
        let config = store.blob(&rec.id)?;
        let mut layers = Vec::new();
        let mut dirs = Vec::new();
        for c in &rec.layers {
            let l = store
                .layer(c)
                .with_context(|| format!("image {}", rec.id.short()))?;
            layers.push(LayerInfo {
                diff_id: l.diff_id,
                blob: None,
                tar_size: Some(l.tar_size),
            });
            dirs.push(store.layer_dir(c));
        }
        Ok(StoreImage {
            config,
            layers,
            dirs,
            record: rec.clone(),
        })
    }

    /// The layers' `diff/` dirs, top first.
    pub fn layer_diffs(&self) -> Vec<PathBuf> {
        self.dirs.iter().rev().map(|d| d.join("diff")).collect()
    }
}

impl Image for StoreImage {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        let (reader, mut writer) = io::pipe().context("creating a pipe")?;
        let dir = self.dirs[i].clone();
        std::thread::spawn(move || {
            // On failure the reader sees the stream end early, and its
            // digest check then fails naming the layer.
            let _ = layer_tar::rebuild(&dir.join("diff"), &dir.join("tar-split"), &mut writer);
        });
        Ok(Box::new(reader))
    }
    fn damage_hint(&self) -> &'static str {
        ": the stored layer is damaged (run `berth system check`)"
    }
    fn write_layer_tar(&self, i: usize, out: &mut dyn Write) -> Result<u64> {
        let dir = &self.dirs[i];
        layer_tar::rebuild(&dir.join("diff"), &dir.join("tar-split"), out)
            .map_err(|e| anyhow!("layer {}: {e:#}", self.layers[i].diff_id))
    }
}
