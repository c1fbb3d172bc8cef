//! The blob-info cache: for each layer (by diffID), the compressed blobs
//! seen holding it in registries (`registry`, `repository`, digest, size,
//! compression), as containers/image keeps it. Pull records what it
//! fetched and push what it sent, so a later push can skip a layer the
//! registry has or mount it from another repository of the same registry
//! without compressing anything.
//!
//! Layout: `<root>/cache/blob-info.json`, replaced atomically under
//! `<root>/cache/blob-info.lock`. It is only a hint: losing it costs an
//! upload, never correctness (every use is checked against the registry).

use super::Store;
use crate::digest::Digest;
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One blob known to hold a layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BlobLocation {
    pub registry: String,
    pub repository: String,
    pub digest: Digest,
    pub size: u64,
    /// `gzip`, `zstd` or `none`.
    pub compression: String,
}

/// Entries kept per layer; the oldest go first.
const MAX_PER_LAYER: usize = 16;

type Cache = BTreeMap<Digest, Vec<BlobLocation>>;

impl Store {
    fn blob_info_path(&self) -> PathBuf {
        self.root.join("cache/blob-info.json")
    }

    fn read_blob_info(&self) -> Cache {
        // A missing or damaged cache is an empty one: it is only a hint.
        fsutil::read_opt(&self.blob_info_path())
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The blobs known to hold the layer `diff_id` in `registry`.
    pub fn known_blobs(&self, diff_id: &Digest, registry: &str) -> Vec<BlobLocation> {
        self.read_blob_info()
            .remove(diff_id)
            .unwrap_or_default()
            .into_iter()
            .filter(|l| l.registry == registry)
            .collect()
    }

    /// Remember that these blobs hold these layers.
    pub fn record_blobs(&self, entries: &[(Digest, BlobLocation)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let dir = self.root.join("cache");
        fsutil::create_dir_all(&dir)?;
        let _lock = FileLock::acquire(&dir.join("blob-info.lock"), LockKind::Exclusive, |_| {})?;
        let mut cache = self.read_blob_info();
        let mut changed = false;
        for (diff_id, loc) in entries {
            let list = cache.entry(diff_id.clone()).or_default();
            if list.first() == Some(loc) {
                continue;
            }
            list.retain(|l| l != loc);
            list.insert(0, loc.clone());
            list.truncate(MAX_PER_LAYER);
            changed = true;
        }
        if changed {
            fsutil::write_atomic(&self.blob_info_path(), &serde_json::to_vec(&cache)?)?;
        }
        Ok(())
    }
}
