//! `rmi`, `image prune`: names are removed under the index lock, then the
//! store is taken exclusively and whatever no image names any more is
//! deleted. Use is derived from the records each time, never counted.

use crate::digest::Digest;
use crate::store::{Store, StorePaths};
use anyhow::{bail, Result};
use std::path::Path;

/// What happened, in order, as Podman reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    Untagged(String),
    Deleted(Digest),
}

pub struct RmiOptions {
    pub images: Vec<String>,
    pub all: bool,
    pub force: bool,
    /// Images that are not there are not an error.
    pub ignore: bool,
}

/// Remove images (or some of their names). `on_wait` is called when
/// other berth processes hold the store.
pub fn rmi(
    paths: &StorePaths,
    opts: &RmiOptions,
    on_wait: impl FnOnce(&Path),
) -> Result<(Vec<Removed>, u64)> {
    let Some(store) = Store::open_existing(paths)? else {
        if opts.all || opts.ignore {
            return Ok((Vec::new(), 0));
        }
        let name = opts.images.first().cloned().unwrap_or_default();
        return Err(crate::store::ResolveError::NotFound(name).into());
    };
    let excl = store.exclusive(on_wait)?;
    // Under the exclusive lock no container can be created meanwhile.
    let containers = store.all_containers()?;
    let (events, log) = store.update_index(|idx| {
        let mut events = Vec::new();
        // For the event log: (status, image, name).
        let mut log: Vec<(&str, Digest, String)> = Vec::new();
        let mut deleted: Vec<crate::store::ImageRecord> = Vec::new();
        let targets: Vec<String> = if opts.all {
            for l in std::mem::take(&mut idx.lists) {
                events.extend(l.names.iter().cloned().map(Removed::Untagged));
                events.push(Removed::Deleted(l.digest));
            }
            idx.images.iter().map(|i| i.id.to_string()).collect()
        } else {
            opts.images.clone()
        };
        for t in &targets {
            let (rec, matched) = match store.resolve_named(idx, t) {
                Ok(r) => (r.image.clone(), r.name),
                Err(e) => {
                    // A manifest list goes as `manifest rm` removes it.
                    if let Some(l) = crate::store::resolve_list(idx, t).cloned() {
                        idx.lists.retain(|x| x.names != l.names);
                        events.extend(l.names.iter().cloned().map(Removed::Untagged));
                        events.push(Removed::Deleted(l.digest));
                        continue;
                    }
                    match e {
                        crate::store::ResolveError::NotFound(_) if opts.ignore => continue,
                        e => return Err(e.into()),
                    }
                }
            };
            let by_id = matched.is_none();
            let pos = idx.images.iter().position(|i| i.id == rec.id).expect("resolved");
            if !by_id && rec.names.len() > 1 {
                // A name of an image with several names: only untag it.
                let name = matched.expect("a reference that is not an id matched a name");
                idx.images[pos].names.retain(|n| *n != name);
                log.push(("untag", rec.id.clone(), name.clone()));
                events.push(Removed::Untagged(name));
                continue;
            }
            if by_id && rec.names.len() > 1 && !opts.force && !opts.all {
                bail!(
                    "unable to delete image {} by ID with more than one tag ({}): please force removal",
                    rec.id.short(),
                    rec.names.join(", ")
                );
            }
            // An intermediate image that later build steps build on, as
            // Podman refuses it: removing it would only lose their cache.
            if rec.names.is_empty()
                && !opts.force
                && !opts.all
                && super::images::children_of(&store, idx)
                    .get(&rec.id)
                    .is_some_and(|n| *n > 0)
            {
                bail!(
                    "image {} has dependent children: remove them first or use --force",
                    rec.id.short()
                );
            }
            let users: Vec<_> = containers.iter().filter(|c| c.image.as_ref() == Some(&rec.id)).collect();
            if let Some(c) = users.first().filter(|_| !opts.force) {
                bail!(
                    "image {} is in use by container {}: remove the container first or use --force",
                    rec.id.short(),
                    c.name
                );
            }
            // The containers go before the index names the image no more:
            // a failure or a crash leaves the image, never containers of
            // an image that is gone.
            for c in users {
                super::containers::remove_one(&store, c, true)?;
            }
            for n in &rec.names {
                log.push(("untag", rec.id.clone(), n.clone()));
                events.push(Removed::Untagged(n.clone()));
            }
            idx.images.remove(pos);
            let first = rec.names.first().cloned().unwrap_or_default();
            log.push(("remove", rec.id.clone(), first));
            events.push(Removed::Deleted(rec.id.clone()));
            deleted.push(rec);
        }
        // As Podman: the image's unnamed parents (a build's intermediate
        // images) that no other image or container needs go with it.
        while let Some(parent) = dangling_parent(&store, idx, &deleted, &containers) {
            let pos = idx.images.iter().position(|i| i.id == parent.id).expect("found");
            idx.images.remove(pos);
            log.push(("remove", parent.id.clone(), String::new()));
            events.push(Removed::Deleted(parent.id.clone()));
            deleted.push(parent);
        }
        let changed = !events.is_empty();
        Ok(((events, log), changed))
    })?;
    for (status, id, name) in &log {
        super::events::image(&store, status, id, name);
    }
    let (_, bytes) = excl.collect_garbage()?;
    Ok((events, bytes))
}

/// An unnamed image, used by no container, with no child left, that one
/// of the `deleted` images was built on.
fn dangling_parent(
    store: &Store,
    idx: &crate::store::Index,
    deleted: &[crate::store::ImageRecord],
    containers: &[crate::store::containers::ContainerRecord],
) -> Option<crate::store::ImageRecord> {
    let children = super::images::children_of(store, idx);
    idx.images
        .iter()
        .find(|p| {
            p.names.is_empty()
                && children.get(&p.id).is_none_or(|n| *n == 0)
                && !containers.iter().any(|c| c.image.as_ref() == Some(&p.id))
                && deleted.iter().any(|d| {
                    d.layers.starts_with(&p.layers) && (p.layers.is_empty() == d.layers.is_empty())
                })
        })
        .cloned()
}

/// `image prune`: remove dangling images (no name and no child; images
/// that become dangling meanwhile go too, so a build's chain of
/// intermediate images leaves with its unnamed result), or with `all`
/// every image no container uses. Returns the ids removed and the bytes
/// freed.
pub fn prune_images(
    paths: &StorePaths,
    all: bool,
    on_wait: impl FnOnce(&Path),
) -> Result<(Vec<Digest>, u64)> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok((Vec::new(), 0));
    };
    let excl = store.exclusive(on_wait)?;
    let containers = store.all_containers()?;
    let removed = store.update_index(|idx| {
        let mut removed = Vec::new();
        // The images of manifest lists are in use while the lists are.
        let listed = super::manifest::listed_manifests(&store, idx)?;
        loop {
            let children = super::images::children_of(&store, idx);
            let before = removed.len();
            idx.images.retain(|i| {
                let in_use = containers.iter().any(|c| c.image.as_ref() == Some(&i.id))
                    || listed.contains(&i.manifest);
                let dangling = i.names.is_empty() && children.get(&i.id).is_none_or(|n| *n == 0);
                let drop = (all || dangling) && !in_use;
                if drop {
                    removed.push(i.id.clone());
                }
                !drop
            });
            if all || removed.len() == before {
                break;
            }
        }
        let changed = !removed.is_empty();
        Ok((removed, changed))
    })?;
    for id in &removed {
        super::events::image(&store, "remove", id, "");
    }
    let (_, bytes) = excl.collect_garbage()?;
    // Build cache records of images that are gone would only be misses.
    let idx = store.read_index()?;
    for (key, image) in store.cache_records()? {
        if idx.find(&image).is_none() {
            store.cache_remove(&key)?;
        }
    }
    Ok((removed, bytes))
}
