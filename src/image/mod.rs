//! The image model shared by every source and destination of images.
//!
//! As in go-containerregistry, everything that holds an image — the store,
//! an archive, later a registry — implements one [`Image`] trait: a raw
//! config (whose digest is the image id), and an ordered list of layers,
//! each identified by its diffID and readable as a stream. Load, save,
//! import, pull and push are then the same copy from one `Image` into a
//! destination that verifies every digest on the way.

pub mod archive;
pub mod compression;
pub mod config;
pub mod manifest;
pub mod time;

use crate::digest::{Digest, HashingWriter};
use anyhow::Result;
use std::io::{Read, Write};

/// A layer whose content is not what its image says (its tar's size or
/// digest differ from the config's diffID): the source is damaged. A
/// copy that meets one stops, and never retries.
#[derive(Debug)]
pub struct DamagedLayer {
    pub diff_id: Digest,
    pub what: String,
}

impl std::fmt::Display for DamagedLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "layer {}: {}: the stored layer is damaged (run `berth system check`)",
            self.diff_id, self.what
        )
    }
}

impl std::error::Error for DamagedLayer {}

/// Write layer `i` of `img` to `out` as its uncompressed tar, checking on
/// the way that it is the layer the image names: its size (when the
/// source knows it) and its diffID. Every copy of a layer out of an image
/// (`save`, `push`) goes through here; the error is a [`DamagedLayer`].
pub fn write_verified_layer_tar(img: &dyn Image, i: usize, out: &mut dyn Write) -> Result<u64> {
    let info = &img.layers()[i];
    let mut w = HashingWriter::new(out);
    img.write_layer_tar(i, &mut w)?;
    let (digest, n, _) = w.finish();
    let damaged = |what: String| DamagedLayer {
        diff_id: info.diff_id.clone(),
        what,
    };
    if let Some(size) = info.tar_size.filter(|s| *s != n) {
        return Err(damaged(format!("its tar has {n} bytes, not {size}")).into());
    }
    if digest != info.diff_id {
        return Err(damaged(format!("its tar has digest {digest}")).into());
    }
    Ok(n)
}

/// What is known of one layer of an image before reading it.
#[derive(Clone, Debug)]
pub struct LayerInfo {
    /// sha256 of the uncompressed layer tar, from the image config.
    pub diff_id: Digest,
    /// The stored blob (possibly compressed) as a manifest describes it,
    /// when the source has one.
    pub blob: Option<manifest::Descriptor>,
    /// Size of the uncompressed tar, when the source knows it.
    pub tar_size: Option<u64>,
}

/// An image, wherever it lives.
pub trait Image: Sync {
    /// The config exactly as stored; its sha256 is the image id.
    fn config_bytes(&self) -> &[u8];

    /// The layers, bottom first, in the order of the config's diffIDs.
    fn layers(&self) -> &[LayerInfo];

    /// A stream of layer `i`'s blob as the source stores it: plain tar, or
    /// gzip/zstd compressed (callers decompress by magic bytes).
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>>;

    /// Write layer `i`'s uncompressed tar to `out`; returns its size.
    /// Sources that keep layers unpacked (the store) override this to
    /// rebuild the tar without a pipe.
    fn write_layer_tar(&self, i: usize, out: &mut dyn Write) -> Result<u64> {
        let blob = self.open_layer(i)?;
        let (_, mut tar) = compression::decompressed(blob)?;
        Ok(std::io::copy(&mut tar, out)?)
    }

    /// The image id: the digest of the config.
    fn id(&self) -> Digest {
        Digest::of(self.config_bytes())
    }
}
