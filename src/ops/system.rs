//! `system df`, `system check`, `system prune`, `system reset`, `info`.

use crate::store::{CheckReport, Store, StorePaths};
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::path::Path;

/// One line of `system df`.
#[derive(serde::Serialize, Debug, Default)]
pub struct DfRow {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(rename = "Total")]
    pub total: usize,
    #[serde(rename = "Active")]
    pub active: usize,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "Reclaimable")]
    pub reclaimable: u64,
}

/// Space used by images (each layer counted once), containers (their
/// writable layers) and volumes. What no container uses is reclaimable.
pub fn df(paths: &StorePaths) -> Result<Vec<DfRow>> {
    let mut images = DfRow {
        kind: "Images",
        ..Default::default()
    };
    let mut containers = DfRow {
        kind: "Containers",
        ..Default::default()
    };
    if let Some(store) = Store::open_existing(paths)? {
        let idx = store.read_index()?;
        let ctrs = super::containers::list(paths, true)?;
        let used_images: HashSet<&crate::digest::Digest> =
            ctrs.iter().map(|c| &c.record.image).collect();
        let used_layers: HashSet<&crate::digest::Digest> = idx
            .images
            .iter()
            .filter(|i| used_images.contains(&i.id))
            .flat_map(|i| i.layers.iter())
            .collect();
        images.total = idx.images.len();
        images.active = idx
            .images
            .iter()
            .filter(|i| used_images.contains(&i.id))
            .count();
        for l in store.layer_ids()? {
            let size = store.layer(&l).map(|r| r.tar_size).unwrap_or(0);
            images.size += size;
            if !used_layers.contains(&l) {
                images.reclaimable += size;
            }
        }
        containers.total = ctrs.len();
        for c in &ctrs {
            let size = crate::fsutil::tree_size(&store.container_dir(&c.record.id).join("upper"));
            containers.size += size;
            if c.state.is_live() {
                containers.active += 1;
            } else {
                containers.reclaimable += size;
            }
        }
    }
    let mut volumes = DfRow {
        kind: "Local Volumes",
        ..Default::default()
    };
    for v in super::volume::list(paths)? {
        let size = crate::fsutil::tree_size(&v.mountpoint);
        volumes.total += 1;
        volumes.size += size;
        if v.users.is_empty() {
            volumes.reclaimable += size;
        } else {
            volumes.active += 1;
        }
    }
    Ok(vec![images, containers, volumes])
}

/// `system check [--repair] [--quick]`.
pub fn check(
    paths: &StorePaths,
    repair: bool,
    quick: bool,
    on_wait: impl FnOnce(&Path),
) -> Result<CheckReport> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(CheckReport::default());
    };
    if repair {
        store.exclusive(on_wait)?.check_and_repair(quick)
    } else {
        let _gc_waits = store.shared()?;
        store.check(quick)
    }
}

/// What `system prune` removed.
pub struct Pruned {
    pub containers: Vec<String>,
    pub images: Vec<crate::digest::Digest>,
    pub volumes: Vec<String>,
    pub bytes: u64,
}

/// `system prune`: stopped containers, then dangling (or, with `all`,
/// unused) images and every layer nothing uses; with `volumes`, then
/// every volume no container uses.
pub fn prune(
    paths: &StorePaths,
    all: bool,
    volumes: bool,
    on_wait: impl FnOnce(&Path),
) -> Result<Pruned> {
    let stopped: Vec<String> = super::containers::list(paths, true)?
        .into_iter()
        .filter(|c| !c.state.is_live())
        .map(|c| c.record.id)
        .collect();
    let containers = if stopped.is_empty() {
        Vec::new()
    } else {
        super::containers::remove(paths, &stopped, false, false, false, None)?
    };
    let (images, mut bytes) = super::remove::prune_images(paths, all, on_wait)?;
    let mut pruned_volumes = Vec::new();
    if volumes {
        let sizes: std::collections::HashMap<String, u64> = super::volume::list(paths)?
            .into_iter()
            .filter(|v| v.users.is_empty())
            .map(|v| (v.record.name, crate::fsutil::tree_size(&v.mountpoint)))
            .collect();
        pruned_volumes = super::volume::prune(paths, &[])?;
        bytes += pruned_volumes
            .iter()
            .filter_map(|n| sizes.get(n))
            .sum::<u64>();
    }
    Ok(Pruned {
        containers,
        images,
        volumes: pruned_volumes,
        bytes,
    })
}

/// `system reset`: remove every image, layer and blob, then the store.
/// Containers go first (running ones killed), as Podman does. The lock
/// files stay, and the exclusive lock is held until the end: a berth
/// waiting on a lock file that was deleted would get a lock nobody else
/// can see, and two processes could each think they hold the store.
pub fn reset(paths: &StorePaths, on_wait: impl FnOnce(&Path)) -> Result<()> {
    if let Some(store) = Store::open_existing(paths)? {
        super::containers::remove(paths, &[], true, true, true, None)?;
        let excl = store.exclusive(on_wait)?;
        excl.reset()?;
        let root = &paths.root;
        for e in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
            let e = e.with_context(|| format!("reading {}", root.display()))?;
            if !matches!(e.file_name().to_str(), Some("store.lock" | "index.lock")) {
                crate::fsutil::remove_all(&e.path())?;
            }
        }
    }
    crate::fsutil::remove_all(&paths.runroot)
}

/// What `info` reports. Serialized with Podman's camelCase keys
/// (`store.graphRoot`, `store.graphDriverName`); templates see them with
/// Go's field names (`{{.Store.GraphRoot}}`).
#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub host: HostInfo,
    pub store: StoreInfo,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    pub arch: String,
    pub os: String,
    pub kernel: String,
    pub rootless: bool,
    pub uid_map: String,
    pub gid_map: String,
    /// The user's ranges in /etc/subuid and /etc/subgid.
    pub subuid: Vec<String>,
    pub subgid: Vec<String>,
    pub newuidmap: Option<String>,
    pub max_user_namespaces: Option<u64>,
    /// What connects berth's networks to the outside (`pasta`,
    /// `slirp4netns`, `none`), as Podman's `host.networkBackend` names
    /// its own; and the program's path.
    pub network_backend: String,
    pub network_backend_path: Option<String>,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub graph_root: String,
    pub run_root: String,
    #[serde(rename = "graphDriverName")]
    pub graph_driver: String,
    pub image_count: usize,
    pub layer_count: usize,
    /// Whether a native overlay mount works where containers would get
    /// one (in a user namespace when rootless): `supported`, or why not.
    pub overlay_in_user_namespace: String,
    pub opaque_xattr: String,
}

pub fn info(paths: &StorePaths) -> Result<Info> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let uname = nix::sys::utsname::uname().ok();
    let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|u| u.name);
    let ranges = |file: &str| -> Vec<String> {
        let Some(user) = &user else { return Vec::new() };
        let uid = nix::unistd::geteuid().to_string();
        read(file)
            .lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                let who = f.next()?;
                if who == user || who == uid {
                    Some(format!("{}:{}", f.next()?, f.next()?))
                } else {
                    None
                }
            })
            .collect()
    };
    let rootless = !nix::unistd::geteuid().is_root();
    let scratch = paths
        .runroot
        .join(format!("probe-{}", crate::fsutil::unique_suffix()));
    let overlay = match crate::runtime::probe::overlay_mount(&scratch) {
        Ok(()) => "supported".to_string(),
        Err(e) => format!("{e:#}"),
    };
    crate::fsutil::remove_all(&scratch)?;
    let (images, layers) = match Store::open_existing(paths)? {
        Some(s) => (s.read_index()?.images.len(), s.layer_ids()?.len()),
        None => (0, 0),
    };
    Ok(Info {
        host: HostInfo {
            arch: crate::image::config::host_arch().into(),
            os: "linux".into(),
            kernel: uname
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            rootless,
            uid_map: read("/proc/self/uid_map")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            gid_map: read("/proc/self/gid_map")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            subuid: ranges("/etc/subuid"),
            subgid: ranges("/etc/subgid"),
            network_backend: crate::runtime::network::backend().to_string(),
            network_backend_path: crate::runtime::which(crate::runtime::network::backend())
                .map(|p| p.display().to_string()),
            newuidmap: ["/usr/bin/newuidmap", "/bin/newuidmap"]
                .iter()
                .find(|p| Path::new(p).exists())
                .map(|p| p.to_string()),
            max_user_namespaces: read("/proc/sys/user/max_user_namespaces")
                .trim()
                .parse()
                .ok(),
        },
        store: StoreInfo {
            graph_root: paths.root.display().to_string(),
            run_root: paths.runroot.display().to_string(),
            graph_driver: "overlay".into(),
            image_count: images,
            layer_count: layers,
            overlay_in_user_namespace: overlay,
            opaque_xattr: if rootless {
                "user.overlay.opaque"
            } else {
                "trusted.overlay.opaque"
            }
            .into(),
        },
    })
}
