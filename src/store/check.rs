//! `system check`: verify the whole store, and with repair remove what is
//! broken so that nothing points at missing data (a re-pull or re-load
//! then heals it).

use super::{Exclusive, Store};
use crate::digest::{chain_id, Digest};
use crate::image::config::ImageConfig;
use crate::layer_tar;
use anyhow::{Context, Result};
use std::collections::{BTreeSet, HashSet};

/// One thing found wrong.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// `blob sha256:…`, `layer sha256:…`, `image sha256:…`.
    pub object: String,
    pub what: String,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct CheckReport {
    pub problems: Vec<Problem>,
    pub layers_checked: usize,
    pub images_checked: usize,
    /// Layers no image uses (not an error; `prune` reclaims them).
    pub unused_layers: usize,
    /// Bytes in `tmp/` that dead processes left (the next writer removes
    /// them).
    pub reclaimable_tmp: u64,
    /// With repair: images removed because their data was broken.
    pub removed_images: Vec<Digest>,
    pub removed_layers: Vec<Digest>,
}

impl Store {
    /// Verify the store. `quick` skips rebuilding every layer's tar.
    pub fn check(&self, quick: bool) -> Result<CheckReport> {
        let reclaimable_tmp = self
            .dead_in_tmp()?
            .iter()
            .map(|p| match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => crate::fsutil::tree_size(p),
                Ok(m) => m.len(),
                Err(_) => 0,
            })
            .sum();
        let mut r = CheckReport {
            reclaimable_tmp,
            ..CheckReport::default()
        };
        let (bad_layers, bad_blobs) = self.find_problems(quick, &mut r)?;
        let _ = (bad_layers, bad_blobs);
        Ok(r)
    }

    fn find_problems(
        &self,
        quick: bool,
        r: &mut CheckReport,
    ) -> Result<(HashSet<Digest>, HashSet<Digest>)> {
        let mut bad_layers = HashSet::new();
        let mut bad_blobs = HashSet::new();
        let prob = |r: &mut CheckReport, object: String, what: String| {
            r.problems.push(Problem { object, what })
        };

        let blobs = self.root.join("blobs/sha256");
        for e in
            std::fs::read_dir(&blobs).with_context(|| format!("reading {}", blobs.display()))?
        {
            let e = e.with_context(|| format!("reading {}", blobs.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            match Digest::from_hex(&name) {
                Ok(d) => {
                    if let Err(err) = self.blob(&d) {
                        prob(r, format!("blob {d}"), format!("{err:#}"));
                        bad_blobs.insert(d);
                    }
                }
                Err(_) => prob(
                    r,
                    format!("file {}", e.path().display()),
                    "not a blob name".into(),
                ),
            }
        }

        let layer_ids: BTreeSet<Digest> = self.layer_ids()?.into_iter().collect();
        let in_use: HashSet<Digest> = self
            .read_index()?
            .images
            .iter()
            .flat_map(|i| i.layers.iter().cloned())
            .collect();
        for id in &layer_ids {
            r.layers_checked += 1;
            if let Err(err) = self.check_layer(id, quick, in_use.contains(id)) {
                prob(r, format!("layer {id}"), format!("{err:#}"));
                bad_layers.insert(id.clone());
            }
        }

        let idx = self.read_index()?;
        let mut used = HashSet::new();
        for img in &idx.images {
            r.images_checked += 1;
            let obj = format!("image {}", img.id);
            used.extend(img.layers.iter().cloned());
            for b in [&img.id, &img.manifest] {
                if !self.blob_path(b).exists() {
                    prob(r, obj.clone(), format!("blob {b} is missing"));
                }
            }
            for l in &img.layers {
                if !layer_ids.contains(l) {
                    prob(r, obj.clone(), format!("layer {l} is missing"));
                }
            }
            if self.config_chains(img).is_some_and(|c| c != img.layers) {
                prob(
                    r,
                    obj.clone(),
                    "recorded layers do not match the config's diffIDs".into(),
                );
            }
        }
        for l in &idx.lists {
            let obj = format!("manifest list {}", l.names.join(", "));
            match self.list_entries(l) {
                None => prob(
                    r,
                    obj,
                    format!("its index {} is missing or damaged", l.digest),
                ),
                Some(entries) => {
                    for m in entries.iter().filter(|m| idx.by_manifest(m).is_none()) {
                        prob(r, obj.clone(), format!("the image of entry {m} is missing"));
                    }
                }
            }
        }
        r.unused_layers = layer_ids.iter().filter(|l| !used.contains(*l)).count();
        Ok((bad_layers, bad_blobs))
    }

    /// The manifests list `l`'s index names (`None`: unreadable).
    fn list_entries(&self, l: &super::ListRecord) -> Option<Vec<Digest>> {
        let idx = self.list_index(l).ok()?;
        Some(idx.manifests.into_iter().map(|d| d.digest).collect())
    }

    /// Check one layer dir; `in_use`: an image names it.
    /// The chain ids the image's config calls for (`None`: config unreadable).
    fn config_chains(&self, img: &super::ImageRecord) -> Option<Vec<Digest>> {
        let cfg = self
            .blob(&img.id)
            .and_then(|b| ImageConfig::parse(&b))
            .ok()?;
        let mut parent = None;
        Some(
            cfg.rootfs
                .diff_ids
                .iter()
                .map(|d| {
                    let c = chain_id(parent.as_ref(), d);
                    parent = Some(c.clone());
                    c
                })
                .collect(),
        )
    }

    fn check_layer(&self, id: &Digest, quick: bool, in_use: bool) -> Result<()> {
        let dir = self.layer_dir(id);
        let rec = self.layer(id)?;
        if &rec.chain_id != id || chain_id(rec.parent.as_ref(), &rec.diff_id) != *id {
            anyhow::bail!("layer.json does not match the layer's chain id");
        }
        let short = super::layers::short_link(id);
        let link = self.root.join("overlay/l").join(&short);
        let target = std::fs::read_link(&link)
            .with_context(|| format!("link {} is missing", link.display()))?;
        if target != std::path::Path::new(&format!("../{}/diff", id.hex())) {
            anyhow::bail!("link {} points to {}", link.display(), target.display());
        }
        if let Some(p) = &rec.parent {
            // Layers are extracted several at a time, so an upper one can
            // be in place before its parent: in a load still running, or
            // one that was killed (the next load of the image brings the
            // parent). While no image names the layer that is not damage;
            // garbage collection or `--repair` removes it if it stays.
            if in_use && !self.layer_dir(p).exists() {
                anyhow::bail!("parent layer {p} is missing");
            }
        }
        if !quick {
            layer_tar::verify(&dir.join("diff"), &dir.join("tar-split"), &rec.diff_id)?;
        }
        Ok(())
    }
}

impl Exclusive<'_> {
    /// Check, then remove what is broken: bad blobs and layers, images
    /// that need them, layers above a removed one.
    pub fn check_and_repair(&self, quick: bool) -> Result<CheckReport> {
        let s = self.store;
        let mut r = CheckReport::default();
        let (bad_layers, bad_blobs) = s.find_problems(quick, &mut r)?;
        let present: HashSet<Digest> = s.layer_ids()?.into_iter().collect();
        let removed = s.update_index(|idx| {
            let before: Vec<Digest> = idx.images.iter().map(|i| i.id.clone()).collect();
            idx.images.retain(|img| {
                let blobs_ok = [&img.id, &img.manifest]
                    .iter()
                    .all(|b| !bad_blobs.contains(*b) && s.blob_path(b).exists());
                let layers_ok = img
                    .layers
                    .iter()
                    .all(|l| present.contains(l) && !bad_layers.contains(l));
                let chains_ok = s.config_chains(img).is_none_or(|c| c == img.layers);
                blobs_ok && layers_ok && chains_ok
            });
            let kept: HashSet<&Digest> = idx.images.iter().map(|i| &i.id).collect();
            let removed: Vec<Digest> = before.into_iter().filter(|d| !kept.contains(d)).collect();
            let mut changed = !removed.is_empty();
            // Lists: one whose index is gone goes; entries whose images
            // are gone leave their lists.
            let mut lists = std::mem::take(&mut idx.lists);
            lists.retain_mut(|l| {
                let Ok(mut index) = s.list_index(l) else {
                    changed = true;
                    return false;
                };
                let n = index.manifests.len();
                index
                    .manifests
                    .retain(|m| idx.by_manifest(&m.digest).is_some());
                if index.manifests.len() != n {
                    match serde_json::to_vec(&index).map(|b| s.put_blob(&b)) {
                        Ok(Ok(d)) => l.digest = d,
                        _ => return true,
                    }
                    changed = true;
                }
                true
            });
            idx.lists = lists;
            Ok((removed, changed))
        })?;
        r.removed_images = removed;
        for l in &bad_layers {
            s.remove_layer(l)?;
        }
        for b in &bad_blobs {
            crate::fsutil::remove_all(&s.blob_path(b))?;
        }
        // Files among the blobs that are not named by a digest (reported
        // as "not a blob name", e.g. the temporary file of a write that
        // was killed) are garbage: no writer is running (the store is
        // held exclusively), so none of them is being written.
        let blobs = s.root.join("blobs/sha256");
        for e in
            std::fs::read_dir(&blobs).with_context(|| format!("reading {}", blobs.display()))?
        {
            let e = e.with_context(|| format!("reading {}", blobs.display()))?;
            if Digest::from_hex(&e.file_name().to_string_lossy()).is_err() {
                crate::fsutil::remove_all(&e.path())?;
            }
        }
        // Layers whose parent is gone can never be used again.
        loop {
            let mut orphan = Vec::new();
            for id in s.layer_ids()? {
                match s.layer(&id) {
                    Ok(rec) => {
                        if rec
                            .parent
                            .as_ref()
                            .is_some_and(|p| !s.layer_dir(p).exists())
                        {
                            orphan.push(id)
                        }
                    }
                    Err(_) => orphan.push(id),
                }
            }
            if orphan.is_empty() {
                break;
            }
            for id in orphan {
                s.remove_layer(&id)?;
                r.removed_layers.push(id);
            }
        }
        r.removed_layers.extend(bad_layers);
        Ok(r)
    }
}
