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
        let used_images: HashSet<&crate::digest::Digest> = ctrs
            .iter()
            .filter_map(|c| c.record.image.as_ref())
            .collect();
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
            let size = crate::fsutil::tree_size(&store.container_overlay(&c.record.id).upper);
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
    pub pods: Vec<String>,
    pub containers: Vec<String>,
    pub images: Vec<crate::digest::Digest>,
    pub volumes: Vec<String>,
    pub bytes: u64,
}

/// `system prune`: pods none of whose containers runs (with their
/// containers), stopped containers, then dangling (or, with `all`,
/// unused) images and every layer nothing uses; with `volumes`, then
/// every volume no container uses.
pub fn prune(
    paths: &StorePaths,
    all: bool,
    volumes: bool,
    on_wait: impl FnOnce(&Path),
) -> Result<Pruned> {
    let pods = super::pod::prune(paths)?;
    let left = super::pod::names(paths)?;
    let stopped: Vec<String> = super::containers::list(paths, true)?
        .into_iter()
        // The infra container of a pod that runs stays with its pod.
        .filter(|c| {
            let r = &c.record;
            let kept = super::containers::is_infra(r)
                && r.pod.as_ref().is_some_and(|p| left.contains_key(p));
            !(c.state.is_live() || kept)
        })
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
        pods,
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
        for pod in store.pods()? {
            super::pod::remove(paths, &pod.id, true, None)?;
        }
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

/// What `info` reports: Podman's keys (camelCase, `store.graphRoot`,
/// `host.ociRuntime.path`) with berth's own beside them. Templates see
/// them with Go's field names (`{{.Store.GraphRoot}}`), matched without
/// regard to case (`{{.Host.OCIRuntime.Path}}`).
#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub host: HostInfo,
    pub store: StoreInfo,
    pub version: VersionInfo,
    pub plugins: Plugins,
    pub registries: serde_json::Map<String, serde_json::Value>,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    pub arch: String,
    pub os: String,
    pub kernel: String,
    pub hostname: String,
    pub cpus: usize,
    pub mem_total: u64,
    pub mem_free: u64,
    pub swap_total: u64,
    pub swap_free: u64,
    pub uptime: String,
    pub cpu_utilization: CpuUtilization,
    pub distribution: Distribution,
    /// What starts containers: berth itself (it needs no OCI runtime).
    pub oci_runtime: OciRuntime,
    pub security: Security,
    pub id_mappings: IdMappings,
    pub cgroup_version: String,
    /// berth sets no cgroup limits and so manages no cgroups.
    pub cgroup_manager: String,
    pub cgroup_controllers: Vec<String>,
    pub event_logger: String,
    pub log_driver: String,
    pub linkmode: String,
    pub service_is_remote: bool,
    pub slirp4netns: Slirp,
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

/// Where the CPUs' time went since boot, in percent (`/proc/stat`).
#[derive(serde::Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct CpuUtilization {
    pub user_percent: f64,
    pub system_percent: f64,
    pub idle_percent: f64,
}

impl CpuUtilization {
    fn of(stat: &str) -> CpuUtilization {
        let ticks: Vec<f64> = stat
            .lines()
            .find_map(|l| l.strip_prefix("cpu "))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let total: f64 = ticks.iter().sum();
        let pct = |ix: &[usize]| {
            let part: f64 = ix.iter().filter_map(|i| ticks.get(*i)).sum();
            if total > 0.0 {
                (part / total * 10000.0).round() / 100.0
            } else {
                0.0
            }
        };
        // user nice system idle iowait irq softirq …
        CpuUtilization {
            user_percent: pct(&[0, 1]),
            system_percent: pct(&[2, 5, 6]),
            idle_percent: pct(&[3, 4]),
        }
    }
}

/// `/etc/os-release`'s `ID`, `VERSION_ID` and `VERSION_CODENAME`.
#[derive(serde::Serialize, Debug, Default)]
pub struct Distribution {
    pub distribution: String,
    pub version: String,
    pub codename: String,
}

/// What runs containers: its name, path and version.
#[derive(serde::Serialize, Debug, Default)]
pub struct OciRuntime {
    pub name: String,
    pub path: String,
    pub version: String,
    pub package: String,
}

/// slirp4netns: its path and the first line of its `--version` (empty
/// when it is not installed).
#[derive(serde::Serialize, Debug, Default)]
pub struct Slirp {
    pub executable: String,
    pub version: String,
    pub package: String,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Security {
    pub apparmor_enabled: bool,
    /// The default capabilities, `CAP_CHOWN,…`.
    pub capabilities: String,
    pub rootless: bool,
    pub seccomp_enabled: bool,
    /// Empty: berth's default profile is built in.
    pub seccomp_profile_path: String,
    pub selinux_enabled: bool,
}

/// The id maps of this process's user namespace, `container_id host_id
/// size` each.
#[derive(serde::Serialize, Debug)]
pub struct IdMappings {
    pub uidmap: Vec<IdMap>,
    pub gidmap: Vec<IdMap>,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "snake_case")]
pub struct IdMap {
    pub container_id: u64,
    pub host_id: u64,
    pub size: u64,
}

#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub graph_root: String,
    pub run_root: String,
    #[serde(rename = "graphDriverName")]
    pub graph_driver: String,
    pub graph_options: serde_json::Map<String, serde_json::Value>,
    pub graph_status: serde_json::Map<String, serde_json::Value>,
    /// Size and use of the file system that holds the store.
    pub graph_root_allocated: u64,
    pub graph_root_used: u64,
    pub config_file: String,
    pub image_copy_tmp_dir: String,
    pub volume_path: String,
    pub image_store: Count,
    pub container_store: ContainerCount,
    pub image_count: usize,
    pub layer_count: usize,
    /// Whether a native overlay mount works where containers would get
    /// one (in a user namespace when rootless): `supported`, or why not.
    pub overlay_in_user_namespace: String,
    pub opaque_xattr: String,
}

#[derive(serde::Serialize, Debug)]
pub struct Count {
    pub number: usize,
}

#[derive(serde::Serialize, Debug)]
pub struct ContainerCount {
    pub number: usize,
    pub paused: usize,
    pub running: usize,
    pub stopped: usize,
}

/// berth's version, in the keys of Podman's `version`.
#[derive(serde::Serialize, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct VersionInfo {
    #[serde(rename = "APIVersion")]
    pub api_version: String,
    pub version: String,
    pub git_commit: String,
    pub built_time: String,
    pub built: i64,
    pub os_arch: String,
    pub os: String,
}

/// The drivers berth has.
#[derive(serde::Serialize, Debug)]
pub struct Plugins {
    pub volume: Vec<String>,
    pub network: Vec<String>,
    pub log: Vec<String>,
    pub authorization: Option<Vec<String>>,
}

/// The first line of `PROGRAM --version`, or empty.
fn version_of(program: &Path) -> String {
    std::process::Command::new(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// `KEY=value` of `/etc/os-release` (quotes taken off).
fn os_release(key: &str) -> String {
    std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_default()
}

/// `/proc/meminfo`'s `KEY:` in bytes.
fn meminfo(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// `/proc/self/{uid,gid}_map` as id maps.
fn id_maps(text: &str) -> Vec<IdMap> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(|n| n.parse::<u64>().ok());
            Some(IdMap {
                container_id: f.next()??,
                host_id: f.next()??,
                size: f.next()??,
            })
        })
        .collect()
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
    let containers = super::containers::list(paths, true)?;
    let running = containers.iter().filter(|c| c.state.is_live()).count();
    let meminfo_text = read("/proc/meminfo");
    let uptime = read("/proc/uptime")
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    let (allocated, used) = match nix::sys::statvfs::statvfs(&paths.root)
        .or_else(|_| nix::sys::statvfs::statvfs(paths.root.parent().unwrap_or(Path::new("/"))))
    {
        Ok(v) => {
            let frag = v.fragment_size();
            let total = v.blocks() * frag;
            (total, total.saturating_sub(v.blocks_free() * frag))
        }
        Err(_) => (0, 0),
    };
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let version = env!("CARGO_PKG_VERSION").to_string();
    let slirp = crate::runtime::which("slirp4netns");
    let caps: Vec<String> = crate::runtime::security::DEFAULT_CAPS
        .iter()
        .map(|c| format!("CAP_{c}"))
        .collect();
    Ok(Info {
        version: VersionInfo {
            api_version: version.clone(),
            version: version.clone(),
            git_commit: String::new(),
            built_time: String::new(),
            built: 0,
            os_arch: format!("linux/{}", crate::image::config::host_arch()),
            os: "linux".into(),
        },
        plugins: Plugins {
            volume: vec!["local".into()],
            network: vec!["bridge".into()],
            log: crate::store::containers::LOG_DRIVERS
                .iter()
                .map(|d| d.to_string())
                .collect(),
            authorization: None,
        },
        registries: serde_json::Map::new(),
        host: HostInfo {
            hostname: uname
                .as_ref()
                .map(|u| u.nodename().to_string_lossy().into_owned())
                .unwrap_or_default(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            mem_total: meminfo(&meminfo_text, "MemTotal"),
            mem_free: meminfo(&meminfo_text, "MemFree"),
            swap_total: meminfo(&meminfo_text, "SwapTotal"),
            swap_free: meminfo(&meminfo_text, "SwapFree"),
            uptime: format!(
                "{}h {}m {:.2}s",
                (uptime / 3600.0) as u64,
                (uptime % 3600.0 / 60.0) as u64,
                uptime % 60.0
            ),
            cpu_utilization: CpuUtilization::of(&read("/proc/stat")),
            distribution: Distribution {
                distribution: os_release("ID"),
                version: os_release("VERSION_ID"),
                codename: os_release("VERSION_CODENAME"),
            },
            oci_runtime: OciRuntime {
                name: "berth".into(),
                path: exe,
                version: format!("berth version {version}"),
                package: String::new(),
            },
            security: Security {
                apparmor_enabled: false,
                capabilities: caps.join(","),
                rootless,
                seccomp_enabled: true,
                seccomp_profile_path: String::new(),
                selinux_enabled: false,
            },
            id_mappings: IdMappings {
                uidmap: id_maps(&read("/proc/self/uid_map")),
                gidmap: id_maps(&read("/proc/self/gid_map")),
            },
            cgroup_version: if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
                "v2"
            } else {
                "v1"
            }
            .into(),
            cgroup_manager: String::new(),
            cgroup_controllers: Vec::new(),
            event_logger: "file".into(),
            log_driver: "k8s-file".into(),
            linkmode: "dynamic".into(),
            service_is_remote: false,
            slirp4netns: Slirp {
                version: slirp.as_deref().map(version_of).unwrap_or_default(),
                executable: slirp.map(|p| p.display().to_string()).unwrap_or_default(),
                package: String::new(),
            },
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
            graph_options: serde_json::Map::new(),
            graph_status: serde_json::Map::new(),
            graph_root_allocated: allocated,
            graph_root_used: used,
            config_file: String::new(),
            image_copy_tmp_dir: paths.root.join("tmp").display().to_string(),
            volume_path: paths.root.join("volumes").display().to_string(),
            image_store: Count { number: images },
            container_store: ContainerCount {
                number: containers.len(),
                paused: 0,
                running,
                stopped: containers.len() - running,
            },
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
