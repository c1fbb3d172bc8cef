//! The build cache: records that map a build step's key (a digest of the
//! image it starts from, its expanded instruction and what it reads) to
//! the image the step made, and the directories of `RUN
//! --mount=type=cache`.
//!
//! ```text
//! <root>/cache/build/<key hex>     the image id (`sha256:…`), one line
//! <root>/cache/mounts/<id hex>/    a persistent cache mount's files
//! ```
//!
//! A record is one small file replaced by rename, so concurrent builds
//! that make the same step race harmlessly: the last rename wins and both
//! images are valid. A record whose image is gone is a miss; `system
//! prune` removes such records.

use super::Store;
use crate::digest::Digest;
use crate::fsutil;
use anyhow::{Context, Result};
use std::path::PathBuf;

impl Store {
    fn build_cache_dir(&self) -> PathBuf {
        self.root.join("cache/build")
    }

    /// The image recorded for `key`, if any (it may no longer exist: the
    /// caller checks the index).
    pub fn cache_lookup(&self, key: &Digest) -> Result<Option<Digest>> {
        let path = self.build_cache_dir().join(key.hex());
        let Some(bytes) = fsutil::read_opt(&path)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        let hex = text.trim().trim_start_matches("sha256:");
        // A damaged record is a miss; the next build replaces it.
        Ok(Digest::from_hex(hex).ok())
    }

    /// Record that the step `key` made `image`, replacing any record.
    pub fn cache_record(&self, key: &Digest, image: &Digest) -> Result<()> {
        let dir = self.build_cache_dir();
        fsutil::create_dir_all(&dir)?;
        fsutil::write_atomic(&dir.join(key.hex()), format!("{image}\n").as_bytes())
            .context("recording a build cache entry")
    }

    /// Record that the step `key` made `image`, dated `created` (seconds
    /// since the epoch; now when `None`).
    pub fn cache_record_at(
        &self,
        key: &Digest,
        image: &Digest,
        created: Option<i64>,
    ) -> Result<()> {
        self.cache_record(key, image)?;
        if let Some(c) = created {
            let path = self.build_cache_dir().join(key.hex());
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(c.max(0) as u64);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(when))
                .with_context(|| format!("dating {}", path.display()))?;
        }
        Ok(())
    }

    /// When the record of `key` was written.
    pub fn cache_written(&self, key: &Digest) -> Option<std::time::SystemTime> {
        std::fs::metadata(self.build_cache_dir().join(key.hex()))
            .and_then(|m| m.modified())
            .ok()
    }

    /// Every record: (key, image).
    pub fn cache_records(&self) -> Result<Vec<(Digest, Digest)>> {
        let mut out = Vec::new();
        for name in fsutil::dir_names(&self.build_cache_dir())? {
            let Ok(key) = Digest::from_hex(&name) else {
                continue;
            };
            if let Some(image) = self.cache_lookup(&key)? {
                out.push((key, image));
            }
        }
        Ok(out)
    }

    /// Remove the record of `key` (and leftovers of interrupted writes).
    pub fn cache_remove(&self, key: &Digest) -> Result<()> {
        let path = self.build_cache_dir().join(key.hex());
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }

    /// The directory of the persistent cache mount `id` (created).
    pub fn cache_mount_dir(&self, id: &str) -> Result<PathBuf> {
        let dir = self
            .root
            .join("cache/mounts")
            .join(Digest::of(id.as_bytes()).hex());
        fsutil::create_dir_all(&dir)?;
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StorePaths;

    #[test]
    fn records_round_trip_and_damage_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&StorePaths {
            root: tmp.path().join("root"),
            runroot: tmp.path().join("run"),
        })
        .unwrap();
        let (key, image) = (Digest::of(b"key"), Digest::of(b"image"));
        assert_eq!(store.cache_lookup(&key).unwrap(), None);
        assert!(store.cache_records().unwrap().is_empty());
        store.cache_record(&key, &image).unwrap();
        assert_eq!(store.cache_lookup(&key).unwrap(), Some(image.clone()));
        let other = Digest::of(b"other");
        store.cache_record(&key, &other).unwrap();
        assert_eq!(store.cache_records().unwrap(), vec![(key.clone(), other)]);
        std::fs::write(tmp.path().join("root/cache/build").join(key.hex()), "junk").unwrap();
        assert_eq!(store.cache_lookup(&key).unwrap(), None);
        store.cache_remove(&key).unwrap();
        store.cache_remove(&key).unwrap();
        assert!(store.cache_records().unwrap().is_empty());
        let a = store.cache_mount_dir("a").unwrap();
        assert!(a.is_dir());
        assert_ne!(a, store.cache_mount_dir("/a").unwrap());
    }
}
