//! `tag` and `untag`: names are moved in the index under its lock.

use super::local_name;
use crate::store::{move_name, Store, StorePaths};
use anyhow::{anyhow, Result};

fn store_of(paths: &StorePaths, image: &str) -> Result<Store> {
    Store::open_existing(paths)?.ok_or_else(|| anyhow!("{image}: image not known"))
}

/// Give `image` each of `names` (taken from any image that had them).
pub fn tag(paths: &StorePaths, image: &str, names: &[String]) -> Result<()> {
    let names: Vec<String> = names.iter().map(|n| local_name(n)).collect::<Result<_>>()?;
    let store = store_of(paths, image)?;
    store
        .update_index(|idx| {
            let id = store.resolve(idx, image)?.id.clone();
            let pos = idx
                .images
                .iter()
                .position(|i| i.id == id)
                .expect("resolved image is in the index");
            for n in &names {
                move_name(idx, n, pos);
            }
            Ok((id, true))
        })
        .map(|id| {
            for n in &names {
                super::events::image(&store, "tag", &id, n);
            }
        })
}

/// Remove `names` from `image`, or all its names when `names` is empty.
/// Returns the names removed.
pub fn untag(paths: &StorePaths, image: &str, names: &[String]) -> Result<Vec<String>> {
    let store = store_of(paths, image)?;
    let full: Vec<(String, String, String)> = names
        .iter()
        .map(|n| {
            let local = local_name(n)?;
            let docker = super::archive_name(n)?;
            Ok::<_, anyhow::Error>((n.clone(), local, docker))
        })
        .collect::<Result<_>>()?;
    store
        .update_index(|idx| {
            let id = store.resolve(idx, image)?.id.clone();
            let img = idx
                .images
                .iter_mut()
                .find(|i| i.id == id)
                .expect("resolved image is in the index");
            let removed: Vec<String> = if full.is_empty() {
                std::mem::take(&mut img.names)
            } else {
                let mut removed = Vec::new();
                for (given, local, docker) in &full {
                    let hit = img.names.iter().position(|n| n == local || n == docker);
                    match hit {
                        Some(p) => removed.push(img.names.remove(p)),
                        None => anyhow::bail!("{given}: tag not known for image {}", id.short()),
                    }
                }
                removed
            };
            let changed = !removed.is_empty();
            Ok(((id, removed), changed))
        })
        .map(|(id, removed)| {
            for n in &removed {
                super::events::image(&store, "untag", &id, n);
            }
            removed
        })
}
