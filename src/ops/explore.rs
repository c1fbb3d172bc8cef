//! `image explore`: what each layer of an image adds, changes, removes and
//! wastes. The layers' entries come from the store's tar-splits (no file
//! content is read) or from an archive's layer tars; `explore::Analysis`
//! makes dive's figures of them.

use crate::explore::tree::FileTree;
use crate::explore::{command_of, Analysis, LayerInput};
use crate::image::archive::ArchiveFile;
use crate::image::config::ImageConfig;
use crate::image::{self, Image};
use crate::layer_tar::EntryParser;
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, Context, Result};
use std::path::{Path, PathBuf};

/// Where the image comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An image in the store, by name or id.
    Store(String),
    /// The first image of a `docker save` archive.
    DockerArchive(PathBuf),
    /// The first image of an OCI archive.
    OciArchive(PathBuf),
}

impl Source {
    /// How dive names the source in its report (`docker-archive://FILE`).
    pub fn url(&self) -> String {
        match self {
            Source::Store(n) => format!("berth://{n}"),
            Source::DockerArchive(p) => format!("docker-archive://{}", p.display()),
            Source::OciArchive(p) => format!("oci-archive://{}", p.display()),
        }
    }
}

/// Analyse the image `src` names. `digests`: also take digests of the
/// files whose content tells a modified file from an unmodified one (the
/// interactive view needs them; the figures do not).
pub fn explore(paths: &StorePaths, src: &Source, digests: bool) -> Result<Analysis> {
    match src {
        Source::Store(name) => from_store(paths, name, digests),
        Source::DockerArchive(p) | Source::OciArchive(p) => {
            Ok(Analysis::new(from_archive(p, digests)?))
        }
    }
}

/// Pair layers with the history entries that made them, as dive does:
/// the k-th layer with the k-th entry that is not an empty layer; a layer
/// past them has the command `(missing)` and no digest.
fn described(cfg: &ImageConfig, ids: Vec<String>, trees: Vec<FileTree>) -> Vec<LayerInput> {
    let mut history = cfg.history.iter().filter(|h| !h.empty_layer);
    ids.into_iter()
        .zip(trees)
        .enumerate()
        .map(|(k, (id, tree))| match history.next() {
            Some(h) => LayerInput {
                id,
                digest: cfg
                    .rootfs
                    .diff_ids
                    .get(k)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                command: command_of(h.created_by.as_deref().unwrap_or_default()),
                tree,
            },
            None => LayerInput {
                id,
                digest: String::new(),
                command: "(missing)".into(),
                tree,
            },
        })
        .collect()
}

fn from_store(paths: &StorePaths, name: &str, digests: bool) -> Result<Analysis> {
    let store = Store::open_existing(paths)?.ok_or_else(|| anyhow!("{name}: image not known"))?;
    // Held while reading: no prune removes a layer under us.
    let _lock = store.shared()?;
    let idx = store.read_index()?;
    let rec = store.resolve(&idx, name)?;
    let cfg =
        ImageConfig::parse(&store.blob(&rec.id)?).with_context(|| format!("image {}", rec.id))?;
    // Each layer's entries become its tree in the thread that read them.
    let trees = in_parallel(rec.layers.len(), |i| {
        store.layer_entries(&rec.layers[i], FileTree::new())
    })
    .with_context(|| format!("image {name}"))?;
    let ids = cfg
        .rootfs
        .diff_ids
        .iter()
        .map(|d| d.hex().to_string())
        .collect();
    let mut a = Analysis::new(described(&cfg, ids, trees));
    if digests {
        // Only files that may differ in content alone are read.
        for (i, n, rel) in a.content_candidates() {
            let mut f = store.layer_file(&rec.layers[i], &rel)?;
            let d = FileTree::digest_of(&mut f)
                .with_context(|| format!("layer {}: reading {rel}", rec.layers[i]))?;
            a.layers[i].tree.set_content(n, d);
        }
    }
    Ok(a)
}

fn from_archive(path: &Path, digests: bool) -> Result<Vec<LayerInput>> {
    let ar = ArchiveFile::open(path, &std::env::temp_dir())?;
    let images = ar.images()?;
    let img = images
        .first()
        .ok_or_else(|| anyhow!("archive {}: holds no image", path.display()))?;
    let cfg = ImageConfig::parse(img.config_bytes())
        .with_context(|| format!("archive {}: image config", path.display()))?;
    let trees = in_parallel(img.layers().len(), |i| {
        let tree = if digests {
            FileTree::digesting()
        } else {
            FileTree::new()
        };
        let mut p = EntryParser::with_sink(tree);
        image::LayerStream::new(img, i).write_tar(&mut p)?;
        let mut tree = p
            .finish()
            .with_context(|| format!("layer {}", img.layers()[i].diff_id))?;
        tree.finish_entries();
        Ok(tree)
    })
    .with_context(|| format!("archive {}", path.display()))?;
    // dive's layer id: the first path segment of the layer in the archive.
    let ids = (0..img.layers().len())
        .map(|i| {
            let p = img.layer_path(i);
            p.split('/').next().unwrap_or_default().to_string()
        })
        .collect();
    Ok(described(&cfg, ids, trees))
}

/// `f(0..n)` on a few threads, results in order; the first error wins.
fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<T>> {
    let workers = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(n.max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<T>>> = (0..n).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut slots);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = f(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow!("layer not read"))))
        .collect()
}
