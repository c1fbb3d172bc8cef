//! The image model shared by every source and destination of images.
//!
//! As in go-containerregistry, everything that holds an image — the store,
//! an archive, a registry — implements one [`Image`] trait: a raw
//! config (whose digest is the image id), and an ordered list of layers,
//! each identified by its diffID and readable as a stream. Load, save,
//! import, pull and push are then the same copy from one `Image` into a
//! destination ([`ImageSink`]) by the one [`copy`], which verifies every
//! size and digest on the way.

pub mod archive;
pub mod compression;
pub mod config;
pub mod copy;
pub mod manifest;
pub mod time;

pub use copy::{copy, DamagedLayer, ImageSink, LayerStream, Placed, Verified};

use crate::digest::Digest;
use anyhow::Result;
use std::io::{Read, Write};

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

    /// Added to the message of a layer whose content is not the
    /// image's, where the source has advice of its own.
    fn damage_hint(&self) -> &'static str {
        ""
    }

    /// The image id: the digest of the config.
    fn id(&self) -> Digest {
        Digest::of(self.config_bytes())
    }
}
