//! What shell completion offers: the names of images, containers,
//! networks and volumes, the registries of the credential files, and the
//! files inside a container. All of it is read as it is on disk, with no
//! lock (each record is replaced atomically, so a read sees a whole one)
//! and no network; whatever cannot be read is left out, never an error:
//! completion must not print or stall in the middle of a command line.

use crate::store::containers::State;
use crate::store::{Store, StorePaths};
use std::collections::HashMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// An image by one of its names: `docker.io/library/alpine:3.20`, or the
/// short form when only one image is named so (`alpine:3.20`).
pub struct ImageName {
    pub name: String,
    /// The image's short id (12 hex digits).
    pub id: String,
}

/// The images: every name (full, then its short form where unique), and
/// each image's id (`names` empty for an image with no name).
pub fn images(paths: &StorePaths) -> (Vec<ImageName>, Vec<String>) {
    let Some(index) = Store::open_existing(paths)
        .ok()
        .flatten()
        .and_then(|s| s.read_index().ok())
    else {
        return (Vec::new(), Vec::new());
    };
    // How many names of the store end in each short form.
    let short = |n: &str| n.rsplit('/').next().unwrap_or(n).to_string();
    // Manifest lists are named as images are (run, push, rmi take them).
    let all: Vec<(&crate::digest::Digest, &Vec<String>)> = index
        .images
        .iter()
        .map(|i| (&i.id, &i.names))
        .chain(index.lists.iter().map(|l| (&l.digest, &l.names)))
        .collect();
    let mut count: HashMap<String, usize> = HashMap::new();
    for n in all.iter().flat_map(|(_, names)| names.iter()) {
        *count.entry(short(n)).or_default() += 1;
    }
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for (digest, img_names) in all {
        let id = digest.short().to_string();
        for n in img_names {
            names.push(ImageName {
                name: n.clone(),
                id: id.clone(),
            });
            let s = short(n);
            if s != *n && count.get(&s) == Some(&1) {
                names.push(ImageName {
                    name: s,
                    id: id.clone(),
                });
            }
        }
        ids.push(id);
    }
    (names, ids)
}

/// Which containers a command can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Any,
    /// Running (or restarting): `exec`, `stop`, `kill`, `attach`.
    Running,
    /// Created or exited: `start`, `rm`.
    Stopped,
}

/// A container as completion names it.
pub struct ContainerName {
    pub name: String,
    pub id: String,
    /// `running`, `exited`, `created` …, and its image, for descriptions.
    pub state: &'static str,
    pub image: String,
}

/// The user's containers that `wanted` admits, newest first.
pub fn containers(paths: &StorePaths, wanted: Wanted) -> Vec<ContainerName> {
    let Some(store) = Store::open_existing(paths).ok().flatten() else {
        return Vec::new();
    };
    let Ok(all) = store.containers() else {
        return Vec::new();
    };
    all.into_iter()
        .filter_map(|rec| {
            let state = store.container_state(&rec);
            let running = matches!(state, State::Running(_) | State::Restarting(..));
            let admitted = match wanted {
                Wanted::Any => true,
                Wanted::Running => running,
                Wanted::Stopped => !running,
            };
            admitted.then(|| ContainerName {
                state: match state {
                    State::Running(_) => "running",
                    State::Restarting(..) => "restarting",
                    State::Exited(_) => "exited",
                    State::Created => "created",
                },
                name: rec.name,
                id: rec.id.get(..12).unwrap_or(&rec.id).to_string(),
                image: rec.image_name,
            })
        })
        .collect()
}

/// The user's networks (`podman`, the default one, first).
pub fn networks(paths: &StorePaths) -> Vec<String> {
    let Some(store) = Store::open_existing(paths).ok().flatten() else {
        return Vec::new();
    };
    let mut out: Vec<String> = store
        .networks()
        .map(|n| n.into_iter().map(|n| n.name).collect())
        .unwrap_or_default();
    // The default network answers to `bridge` too (as in Podman).
    out.push("bridge".into());
    out
}

/// The pods' names.
pub fn pods(paths: &StorePaths) -> Vec<String> {
    let Some(store) = Store::open_existing(paths).ok().flatten() else {
        return Vec::new();
    };
    store
        .pods()
        .map(|p| p.into_iter().map(|p| p.name).collect())
        .unwrap_or_default()
}

/// The named volumes.
pub fn volumes(paths: &StorePaths) -> Vec<String> {
    let Some(store) = Store::open_existing(paths).ok().flatten() else {
        return Vec::new();
    };
    store
        .volumes()
        .map(|v| v.into_iter().map(|v| v.name).collect())
        .unwrap_or_default()
}

/// The registries the credential files name (for `login`, `logout`).
pub fn registries(authfile: Option<PathBuf>) -> Vec<String> {
    crate::registry::authfile::AuthFiles::new(authfile).registries()
}

/// One entry of a directory in a container.
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// The entries of directory `dir` (absolute, `/` separated) in container
/// `container`, as its program sees them: through `/proc/PID/root` of its
/// pid 1 while it runs (and that is readable), else merged from its
/// layers (its own changes over the image's, whiteouts hiding what they
/// delete). Empty when the container or the directory cannot be read.
pub fn container_dir(paths: &StorePaths, container: &str, dir: &str) -> Vec<Entry> {
    let Some(store) = Store::open_existing(paths).ok().flatten() else {
        return Vec::new();
    };
    let Ok(rec) = store.find_container(container) else {
        return Vec::new();
    };
    let rel = dir.trim_start_matches('/');
    // No way out of the container's root by `..`.
    if rel.split('/').any(|c| c == "..") {
        return Vec::new();
    }
    if let Some((pid, _)) = store.container_pid1(&rec) {
        let root = PathBuf::from(format!("/proc/{pid}/root"));
        if no_symlink_below(&root, rel) {
            if let Some(entries) = read_dir_entries(&root.join(rel)) {
                return entries;
            }
        }
    }
    let Ok(spec) = super::containers::spec_of(&rec) else {
        return Vec::new();
    };
    let r = &spec.rootfs;
    let mut layers = Vec::new();
    if !r.bind {
        layers.push(r.upper.clone());
    }
    layers.extend(r.lowers.iter().map(|l| r.lower_base.join(l)));
    merged_dir(&layers, rel)
}

/// Directory `rel` as an overlay of `layers` (top first) shows it.
fn merged_dir(layers: &[PathBuf], rel: &str) -> Vec<Entry> {
    let mut seen: HashMap<String, bool> = HashMap::new();
    let mut hidden = std::collections::HashSet::new();
    for layer in layers {
        if !no_symlink_below(layer, rel) {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(layer.join(rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            // A whiteout: overlay's (a 0:0 device) or a tar's `.wh.` name.
            let whiteout = ft.is_char_device()
                && e.metadata().is_ok_and(|m| {
                    use std::os::unix::fs::MetadataExt;
                    m.rdev() == 0
                });
            if let Some(deleted) = name.strip_prefix(".wh.") {
                hidden.insert(deleted.to_string());
                continue;
            }
            if whiteout {
                hidden.insert(name);
                continue;
            }
            if hidden.contains(&name) || seen.contains_key(&name) || !printable(&name) {
                continue;
            }
            let is_dir = ft.is_dir();
            seen.insert(name, is_dir);
        }
    }
    let mut out: Vec<Entry> = seen
        .into_iter()
        .map(|(name, is_dir)| Entry { name, is_dir })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether no component of `rel` below `base` is a symbolic link: a link
/// in a container's file system would be followed on the host's (its
/// target read against the host's root), so completion goes no further.
fn no_symlink_below(base: &Path, rel: &str) -> bool {
    let mut p = base.to_path_buf();
    for c in rel.split('/').filter(|c| !c.is_empty() && *c != ".") {
        p.push(c);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => {}
            _ => return false,
        }
    }
    true
}

/// A name that fits one line of the completion protocol.
fn printable(name: &str) -> bool {
    !name.chars().any(char::is_control)
}

fn read_dir_entries(dir: &Path) -> Option<Vec<Entry>> {
    let rd = std::fs::read_dir(dir).ok()?;
    let mut out: Vec<Entry> = rd
        .flatten()
        .filter(|e| printable(&e.file_name().to_string_lossy()))
        .map(|e| Entry {
            name: e.file_name().to_string_lossy().into_owned(),
            is_dir: e.file_type().is_ok_and(|t| t.is_dir()),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_merge_with_whiteouts_hiding_lower_entries() {
        let t = tempfile::tempdir().unwrap();
        let upper = t.path().join("upper");
        let lower = t.path().join("lower");
        for d in [&upper, &lower] {
            std::fs::create_dir_all(d.join("etc")).unwrap();
        }
        std::fs::write(lower.join("etc/passwd"), "").unwrap();
        std::fs::write(lower.join("etc/gone"), "").unwrap();
        std::fs::create_dir(lower.join("etc/ssl")).unwrap();
        std::fs::write(upper.join("etc/hosts"), "").unwrap();
        std::fs::write(upper.join("etc/.wh.gone"), "").unwrap();
        // A link in the container's file system is not followed on the
        // host's: `/etc` there is the host's own.
        std::os::unix::fs::symlink("/etc", lower.join("evil")).unwrap();
        assert!(merged_dir(&[upper.clone(), lower.clone()], "evil").is_empty());
        assert!(merged_dir(&[upper.clone(), lower.clone()], "evil/ssl").is_empty());
        let got = merged_dir(&[upper, lower], "etc");
        let names: Vec<(&str, bool)> = got.iter().map(|e| (e.name.as_str(), e.is_dir)).collect();
        assert_eq!(names, [("hosts", false), ("passwd", false), ("ssl", true)]);
    }
}
