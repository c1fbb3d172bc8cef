//! `load` and `save`: the same verified copy between the store and an
//! archive, in one direction or the other.

use super::{archive_name, open_store};
use crate::image::archive::{ArchiveFile, ArchiveSink, Format};
use crate::store::{StoreImage, StorePaths};
use anyhow::{anyhow, Context, Result};
use std::io::{Read, Write};
use std::path::PathBuf;

pub struct LoadOptions {
    /// The archive; `None` reads standard input.
    pub input: Option<PathBuf>,
}

/// What `load` put in the store.
pub struct Loaded {
    pub id: crate::digest::Digest,
    pub names: Vec<String>,
}

/// Load every image of a docker-archive or oci-archive.
pub fn load(
    paths: &StorePaths,
    opts: &LoadOptions,
    stdin: &mut (dyn Read + Send),
) -> Result<Vec<Loaded>> {
    let store = open_store(paths)?;
    let writer = store.writer(super::owners())?;
    let ar = match &opts.input {
        Some(p) => ArchiveFile::open(p, writer.staging()),
        None => ArchiveFile::from_reader(stdin, "<stdin>", writer.staging()),
    }
    .context("loading")?;
    let images = ar.images().context("loading")?;
    // Check every name before anything is written: bad input changes nothing.
    let mut named = Vec::new();
    for img in &images {
        let names: Vec<String> = img
            .names
            .iter()
            .map(|n| archive_name(n).map_err(|e| anyhow!("loading archive {}: {e}", ar.name())))
            .collect::<Result<_>>()?;
        named.push(names);
    }
    let mut out = Vec::new();
    for (img, names) in images.iter().zip(named) {
        let rec = writer
            .commit_image(img, &names, img.manifest.as_deref(), &[])
            .with_context(|| format!("loading archive {}", ar.name()))?;
        for n in names
            .iter()
            .chain(names.is_empty().then_some(&String::new()))
        {
            super::events::image(&store, "load", &rec.id, n);
        }
        out.push(Loaded { id: rec.id, names });
    }
    Ok(out)
}

pub struct SaveOptions {
    pub images: Vec<String>,
    pub format: Format,
}

/// Resolve the images to save (so errors come before any output).
/// The images to save, resolved before any output is written, and the
/// store held shared so no garbage collection removes their layers while
/// they are read.
pub struct Prepared {
    _lock: crate::fsutil::FileLock,
    images: Vec<(StoreImage, Vec<String>)>,
    store: crate::store::Store,
    /// Each image's id and the name it is saved as, for the event log.
    saved: Vec<(crate::digest::Digest, String)>,
}

pub fn prepare_save(paths: &StorePaths, opts: &SaveOptions) -> Result<Prepared> {
    let store = crate::store::Store::open_existing(paths)?.ok_or_else(|| {
        anyhow!(
            "{}: image not known",
            opts.images.first().cloned().unwrap_or_default()
        )
    })?;
    let lock = store.shared()?;
    let idx = store.read_index()?;
    let mut out = Vec::new();
    let mut saved = Vec::new();
    for name in &opts.images {
        let found = store.resolve_named(&idx, name)?;
        // Saved by a name, the archive records that name; by id, all the
        // image's names (as Podman does).
        let names = match found.name {
            Some(n) => vec![n],
            None => found.image.names.clone(),
        };
        let rec = found.image;
        saved.push((rec.id.clone(), names.first().cloned().unwrap_or_default()));
        out.push((store.image(rec)?, names));
    }
    Ok(Prepared {
        _lock: lock,
        images: out,
        store,
        saved,
    })
}

/// Write the prepared images to `out`.
pub fn save<W: Write + Send>(prepared: &Prepared, format: Format, out: W) -> Result<W> {
    let write = || -> Result<W> {
        let mut sink = ArchiveSink::new(out, format)?;
        for (img, names) in &prepared.images {
            sink.add(img, names.clone())?;
        }
        sink.close()
    };
    let out = write().context("saving")?;
    for (id, name) in &prepared.saved {
        super::events::image(&prepared.store, "save", id, name);
    }
    Ok(out)
}
