//! Named volumes: `<root>/volumes/<name>/`, one directory per volume,
//! holding `volume.json` (the record) and `_data/` (what containers
//! see, as Podman lays it out). A volume directory appears whole: it is
//! made as `.<name>.tmp-…` beside the others and renamed into place, so
//! a killed `volume create` leaves no half volume.
//!
//! The lock is `<root>/volumes.lock`, held exclusively for each
//! read-check-write (create, remove), as `networks.lock` is for
//! networks; readers take none. Whether a volume is free of containers
//! is decided by the caller (`ops::volume`) from the container records.
//!
//! Copy-up (a new volume filled from the image at its mount point the
//! first time a container mounts it) is the runtime's: it fills
//! `fill/` and renames it onto the still empty `_data/`, then writes
//! `copied-up`; see [`crate::runtime::rootfs`].

use super::networks::{valid_name, MAX_NAME_LEN};
use super::Store;
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One volume.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VolumeRecord {
    pub name: String,
    /// `local` (the only driver).
    pub driver: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `-o KEY=VALUE` as given (kept and shown; the local driver of
    /// berth uses none of them yet).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Unix seconds.
    pub created: i64,
    /// Made for one container (`-v /path`, an image's `VOLUME`), with
    /// a random name: `rm -v` and `--rm` remove it with the container.
    #[serde(default)]
    pub anonymous: bool,
}

/// Refuse an invalid volume name, saying what a valid one is.
pub fn check_name(name: &str) -> Result<()> {
    if !valid_name(name) {
        bail!(
            "volume name {name:?} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* \
             (at most {MAX_NAME_LEN} characters)"
        );
    }
    Ok(())
}

impl Store {
    /// `<root>/volumes/`.
    pub fn volumes_dir(&self) -> PathBuf {
        self.root.join("volumes")
    }

    /// `<root>/volumes/<name>/`; `name` is valid.
    pub fn volume_dir(&self, name: &str) -> PathBuf {
        self.volumes_dir().join(name)
    }

    /// Every volume, by name. Directories without a readable record
    /// (damage) are skipped.
    pub fn volumes(&self) -> Result<Vec<VolumeRecord>> {
        let mut out = Vec::new();
        for name in fsutil::dir_names(&self.volumes_dir())? {
            if valid_name(&name) {
                if let Ok(Some(rec)) = self.volume(&name) {
                    out.push(rec);
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Volume `name`'s record; `None` if there is no such volume.
    pub fn volume(&self, name: &str) -> Result<Option<VolumeRecord>> {
        if !valid_name(name) {
            return Ok(None);
        }
        let path = self.volume_dir(name).join("volume.json");
        let Some(bytes) = fsutil::read_opt(&path)? else {
            return Ok(None);
        };
        let rec: VolumeRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading volume {name}: {} is malformed", path.display()))?;
        if rec.name != name {
            bail!(
                "reading volume {name}: {} names volume {:?}",
                path.display(),
                rec.name
            );
        }
        Ok(Some(rec))
    }

    /// Hold `volumes.lock` exclusively, after removing what a killed
    /// `volume create` left (no writer runs while it is held).
    fn lock_volumes(&self) -> Result<FileLock> {
        fsutil::create_dir_all(&self.volumes_dir())?;
        let lock = self.lock("volumes.lock", LockKind::Exclusive)?;
        super::remove_temp_siblings(&self.volumes_dir(), None)?;
        Ok(lock)
    }

    /// Make volume `rec.name` with an empty `_data/`. If it exists: with
    /// `ignore`, its record is returned and nothing changes; else an
    /// error. The bool says whether it was made now.
    pub fn create_volume(&self, rec: &VolumeRecord, ignore: bool) -> Result<(VolumeRecord, bool)> {
        let name = &rec.name;
        check_name(name)?;
        let _lock = self.lock_volumes()?;
        if let Some(old) = self.volume(name)? {
            if ignore {
                return Ok((old, false));
            }
            bail!("volume {name} already exists: remove it or choose another name");
        }
        let dir = self.volume_dir(name);
        if dir.exists() {
            // A directory without a record: damage left by hand.
            bail!(
                "volume {name}: {} exists but is not a volume: remove it",
                dir.display()
            );
        }
        let tmp = self
            .volumes_dir()
            .join(format!(".{name}.tmp-{}", fsutil::unique_suffix()));
        let made = (|| {
            fsutil::create_dir_all(&tmp.join("_data"))?;
            let bytes = serde_json::to_vec_pretty(rec).context("serializing a volume record")?;
            fsutil::write_atomic(&tmp.join("volume.json"), &bytes)?;
            fsutil::rename(&tmp, &dir)?;
            fsutil::sync_dir(&self.volumes_dir())
        })();
        if let Err(e) = made {
            let _ = fsutil::remove_all(&tmp);
            return Err(e.context(format!("creating volume {name}")));
        }
        Ok((rec.clone(), true))
    }

    /// Remove volume `name` and its data. The caller has checked that
    /// no container uses it.
    pub fn remove_volume(&self, name: &str) -> Result<()> {
        let _lock = self.lock_volumes()?;
        if self.volume(name)?.is_none() {
            bail!("no volume with name {name:?} found");
        }
        // Renamed away first: a volume is there whole or not at all.
        let dir = self.volume_dir(name);
        let gone = self
            .volumes_dir()
            .join(format!(".{name}.tmp-{}", fsutil::unique_suffix()));
        fsutil::rename(&dir, &gone).with_context(|| format!("removing volume {name}"))?;
        fsutil::sync_dir(&self.volumes_dir())?;
        fsutil::remove_all(&gone).with_context(|| format!("removing volume {name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str) -> VolumeRecord {
        VolumeRecord {
            name: name.into(),
            driver: "local".into(),
            labels: BTreeMap::new(),
            options: BTreeMap::new(),
            created: 1,
            anonymous: false,
        }
    }

    #[test]
    fn create_list_ignore_and_remove() {
        let d = tempfile::tempdir().unwrap();
        let paths = crate::store::StorePaths {
            root: d.path().join("root"),
            runroot: d.path().join("run"),
        };
        let store = Store::open(&paths).unwrap();
        assert!(store.create_volume(&rec("a"), false).unwrap().1);
        assert!(store.volume_dir("a").join("_data").is_dir());
        let err = store.create_volume(&rec("a"), false).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        let mut other = rec("a");
        other.created = 2;
        assert_eq!(
            store.create_volume(&other, true).unwrap(),
            (rec("a"), false)
        );
        for bad in ["a/b", "..", ".x", ""] {
            assert!(store.create_volume(&rec(bad), false).is_err(), "{bad}");
        }
        store.create_volume(&rec("b"), false).unwrap();
        let names: Vec<String> = store
            .volumes()
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
        store.remove_volume("a").unwrap();
        assert!(store.volume("a").unwrap().is_none());
        assert!(!store.volume_dir("a").exists());
        assert!(store.remove_volume("a").is_err());
        // Nothing but the remaining volume is left in the directory.
        let left: Vec<String> = std::fs::read_dir(paths.root.join("volumes"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["b"]);
    }
}
