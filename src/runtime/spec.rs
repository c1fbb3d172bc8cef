//! What to run: a plain description of one container (its root file
//! system, extra mounts, process, namespaces and security settings). `ops`
//! builds it from the store and the image config; the runtime only
//! follows it. It travels as JSON from the berth process to its re-executed
//! init over a socket, so every field is serializable.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One container to start.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Spec {
    pub rootfs: Rootfs,
    /// Bind mounts and tmpfs mounts, in order, after the standard ones.
    pub mounts: Vec<Mount>,
    pub process: Process,
    pub hostname: String,
    pub network: Network,
    /// Run in a user namespace (rootless, or with `id_map`); the parent
    /// maps it.
    pub user_namespace: bool,
    /// `--userns=keep-id`: the user's own uid and gid are the same inside
    /// the user namespace (the subordinate ranges fill the others).
    #[serde(default)]
    pub keep_id: bool,
    /// Make the root file system read-only (`--read-only`).
    pub read_only: bool,
    /// Run a minimal init as pid 1 that reaps and forwards signals
    /// (`--init`).
    pub init: bool,
    /// Podman's masked and read-only `/proc` and `/sys` paths and a
    /// read-only `/sys`; off with `--privileged`.
    pub mask_paths: bool,
    /// Removed by the monitor, inside the user namespace, once the
    /// container has exited (`--rm`): files the container wrote may belong
    /// to subordinate ids that the user alone cannot remove.
    pub remove_after: Vec<PathBuf>,
    /// Where the monitor records the host pid of pid 1 (and its start
    /// time) once the program runs, for `exec`; removed when it exits.
    #[serde(default)]
    pub pid1_file: Option<PathBuf>,
    /// Host ports forwarded to the container's loopback (`-p`).
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    /// The size of `/dev/shm` in bytes (`--shm-size`; default 64 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<u64>,
    /// `--sysctl`: (name with `/` between its parts, value), written
    /// under `/proc/sys` of the container's namespaces before it starts.
    /// Only the namespaced ones are accepted ([`NAMESPACED_SYSCTLS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sysctls: Vec<(String, String)>,
    /// `--timeout`: seconds pid 1 may run before the monitor kills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// `--pid`: the container's pid namespace.
    #[serde(default, skip_serializing_if = "NsMode::is_private")]
    pub pid: NsMode,
    /// `--ipc`: its IPC namespace (System V IPC and message queues; each
    /// container keeps a `/dev/shm` of its own).
    #[serde(default, skip_serializing_if = "NsMode::is_private")]
    pub ipc: NsMode,
    /// `--uts`: its hostname's namespace; berth sets the hostname only in
    /// one of its own.
    #[serde(default, skip_serializing_if = "NsMode::is_private")]
    pub uts: NsMode,
    /// A pod's infra container: pid 1 is berth's own pause, which holds
    /// the namespaces the pod's containers share, reaps and waits for a
    /// signal to end; no program of an image runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pause: bool,
    /// `--uidmap`/`--gidmap`: the container's user namespace has these
    /// maps. As root it sees the store's layers and its own dir through
    /// idmapped mounts ([`super::idmap`]); rootless ([`IdMap::rootless`])
    /// through fuse-overlayfs ([`super::nested`]). Either way their files
    /// keep the owners the image gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_map: Option<IdMap>,
}

/// A user namespace's maps, as `--uidmap`/`--gidmap` give them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct IdMap {
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
    /// Rootless: the "host" ids are those of the user's user namespace
    /// (0 the user, 1 and up the subordinate range), which the monitor
    /// makes first; the container's namespace is made inside it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rootless: bool,
}

/// `count` ids from `container` inside are `host` and on outside.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRange {
    pub container: u32,
    pub host: u32,
    pub count: u32,
}

impl IdMap {
    /// The host ids of container ids `uid` and `gid`, if both are mapped.
    pub fn host_ids(&self, uid: u32, gid: u32) -> Option<(u32, u32)> {
        let find = |ranges: &[IdRange], id: u32| {
            ranges.iter().find_map(|r| {
                let off = id.checked_sub(r.container)?;
                (off < r.count).then(|| r.host + off)
            })
        };
        Some((find(&self.uids, uid)?, find(&self.gids, gid)?))
    }

    /// `uid_map`'s or `gid_map`'s text for `ranges`.
    pub fn text(ranges: &[IdRange]) -> String {
        ranges
            .iter()
            .map(|r| format!("{} {} {}\n", r.container, r.host, r.count))
            .collect()
    }
}

/// One of the container's pid, IPC or UTS namespaces (`--pid`, `--ipc`,
/// `--uts`, and a pod's shared ones).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub enum NsMode {
    /// One of its own (for pid, one where its program is pid 1).
    #[default]
    Private,
    /// The host's (`--pid host`).
    Host,
    /// Another container's (`--pid container:NAME`); `pid` is that
    /// container's pid 1 when this one starts, and `start` its start
    /// time (a pid reused by another process is not it).
    Container {
        id: String,
        pid: i32,
        #[serde(default)]
        start: u64,
    },
}

impl NsMode {
    pub fn is_private(&self) -> bool {
        *self == NsMode::Private
    }

    /// The host pid of the other container's pid 1 and its start
    /// time, when it is one.
    pub fn container_pid(&self) -> Option<(i32, u64)> {
        match self {
            NsMode::Container { pid, start, .. } => Some((*pid, *start)),
            _ => None,
        }
    }
}

impl Spec {
    /// Rootless, a user namespace of its own ids (`--userns=keep-id`,
    /// `--uidmap`): it cannot join the one that owns berth's bridges.
    pub fn own_user_namespace(&self) -> bool {
        self.keep_id || self.id_map.as_ref().is_some_and(|m| m.rootless)
    }

    /// The pid 1 (and its start time) of another container whose pid,
    /// IPC or UTS namespace this one joins (with its user namespace).
    pub fn joined_container(&self) -> Option<(i32, u64)> {
        [&self.pid, &self.ipc, &self.uts]
            .into_iter()
            .find_map(NsMode::container_pid)
    }
}

/// The sysctls that belong to a namespace of the container, as Docker
/// and Podman allow them: IPC (`kernel.msg*`, `kernel.sem`,
/// `kernel.shm*`, `fs.mqueue.*`), UTS (`kernel.domainname`) and network
/// (`net.*`). A name matches an entry exactly, or one ending in `.`
/// as a prefix.
pub const NAMESPACED_SYSCTLS: [&str; 11] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
    "kernel.domainname",
    "fs.mqueue.",
    "net.",
];

/// One resource limit of the process (`--ulimit NAME=SOFT[:HARD]`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Rlimit {
    /// `nofile`, `nproc` … ([`super::process::rlimit_resource`]).
    pub name: String,
    /// `u64::MAX` is unlimited.
    pub soft: u64,
    pub hard: u64,
}

impl Spec {
    /// Whether the monitor, once it has made the namespaces, waits for
    /// berth to map the user namespace and to connect the network
    /// (slirp4netns joins the namespaces from outside).
    pub fn waits_for_berth(&self) -> bool {
        (self.user_namespace && self.waits_for_berth_to_map())
            || matches!(
                self.network,
                Network::Slirp4netns { .. } | Network::Pasta { .. }
            )
    }
}

#[cfg(test)]
impl Spec {
    /// A container spec for unit tests: rootless (a user namespace), no
    /// network, every namespace its own, `sh` as root; the fields of
    /// `extra` replace these.
    pub fn for_tests(extra: serde_json::Value) -> Spec {
        let mut v = serde_json::json!({
            "rootfs": {
                "lower_base": "/b", "lowers": ["A"], "upper": "u", "work": "w",
                "target": "/t", "userxattr": true,
            },
            "mounts": [],
            "process": {
                "args": ["sh"], "env": [], "cwd": "/", "user": "",
                "capabilities": 0, "no_new_privileges": true,
                "seccomp": "Default", "stdin": false, "terminal": false,
            },
            "hostname": "h",
            "network": "None",
            "user_namespace": true,
            "read_only": false,
            "init": false,
            "mask_paths": true,
            "remove_after": [],
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        serde_json::from_value(v).unwrap()
    }
}

impl Spec {
    /// Whether a container with a user namespace gets a new one, which
    /// berth maps (always with `id_map`); else it joins the user
    /// namespace that owns the network namespace it uses (berth's
    /// bridges, another container's), or the pid namespace it shares.
    pub fn waits_for_berth_to_map(&self) -> bool {
        self.id_map.is_some()
            || !matches!(self.network, Network::Bridge(_) | Network::Container { .. })
                && self.joined_container().is_none()
    }
}

/// `-p [IP:]HOSTPORT:CTRPORT[/tcp]`: connections to the host's
/// `host_ip:host_port` are relayed to `127.0.0.1:container_port` in the
/// container's network namespace.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    /// Empty: every address.
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// The overlay root file system.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Rootfs {
    /// The directory the lower dirs are relative to (the store's
    /// `overlay/`), so the mount options stay short.
    pub lower_base: PathBuf,
    /// Lower dirs, top first, relative to `lower_base` (`l/<short>`).
    pub lowers: Vec<String>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the overlay is mounted, in the container's own mount
    /// namespace, before `pivot_root`.
    pub target: PathBuf,
    /// `userxattr`: overlay inside a user namespace (Linux 5.11+).
    pub userxattr: bool,
    /// `--rootfs DIR` without `:O`: the one lower dir (absolute) is bound
    /// at `target` as it is, and the container writes into it; no
    /// overlay, no upper dir.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bind: bool,
    /// Set by the monitor once it has mounted the overlay (natively or
    /// with fuse-overlayfs) in its own mount namespace, which pid 1
    /// inherits; pid 1 then mounts nothing at `target`.
    #[serde(skip)]
    pub mounted: bool,
}

impl Rootfs {
    /// `--rootfs DIR` without `:O`: the directory that is bound as the
    /// root.
    pub fn bound_dir(&self) -> Option<PathBuf> {
        match (self.bind, self.lowers.first()) {
            (true, Some(dir)) => Some(self.lower_base.join(dir)),
            _ => None,
        }
    }
}

/// An extra mount.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub enum Mount {
    /// `-v HOST:CTR[:ro]`, `--mount type=bind,…`, and the container's
    /// `/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf`.
    Bind {
        source: PathBuf,
        target: String,
        read_only: bool,
        /// `bind-propagation` of `--mount`; `None` keeps the kernel's
        /// default for a bind in a private mount namespace (`rprivate`).
        #[serde(default)]
        propagation: Option<Propagation>,
    },
    /// `--device HOST[:CTR[:PERMS]]`: the host's device node bound at
    /// `target`. A bind, not a new node, so it works rootless too; never
    /// shared by `--volumes-from`. berth keeps no device cgroup, so the
    /// node's own mode and owner decide who may read and write it (a
    /// read-only mount does not stop writes to a device).
    Device { source: PathBuf, target: String },
    /// `--tmpfs CTR[:options]`, `--mount type=tmpfs,…`.
    Tmpfs { target: String, options: String },
    /// A named volume (`-v NAME:CTR`, `--mount type=volume,…`): `dir`'s
    /// `_data` bound at `target`. With `copy_up`, a volume that no
    /// container has mounted yet is first filled with what the image
    /// has at `target`, owners, modes and times kept
    /// ([`super::rootfs`]).
    Volume {
        name: String,
        /// `<root>/volumes/<name>`; empty until `create` finds the
        /// volume.
        dir: PathBuf,
        target: String,
        read_only: bool,
        copy_up: bool,
        /// `:U`: every file of the volume is given the container's user
        /// (and group) at each start.
        #[serde(default)]
        chown: bool,
    },
    /// A read-only stack of directories (an image's layers, or a host
    /// directory) as an overlay, made in the container's mount namespace:
    /// `source`, resolved inside that overlay (its symlinks never lead
    /// out of it), is bound at `target`. Whiteouts in the layers hide
    /// files as in a container. With `read_only` false the mount is
    /// writable, and what is written goes to `dir/upper`, which is
    /// thrown away with the container (`RUN --mount=type=bind,rw`).
    Overlay {
        /// The directory relative lower dirs are relative to.
        lower_base: PathBuf,
        /// Lower dirs, top first, relative to `lower_base` or absolute.
        lowers: Vec<String>,
        /// The mount's own directory: `root/` (where the overlay is
        /// mounted first), `empty/` (a bottom layer when the overlay has
        /// fewer than two), and `upper/`, `work/` when writable.
        dir: PathBuf,
        /// The path inside the overlay to mount, absolute.
        source: String,
        target: String,
        read_only: bool,
        /// What the overlay shows, for messages (`stage builder`).
        what: String,
    },
}

/// Mount propagation of a bind mount (mount_namespaces(7)).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Propagation {
    Private,
    Rprivate,
    Slave,
    Rslave,
    Shared,
    Rshared,
}

/// The container's process.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Process {
    pub args: Vec<String>,
    /// `KEY=value`, final (defaults and overrides applied).
    pub env: Vec<String>,
    pub cwd: String,
    /// `uid[:gid]` or `name[:group]`, resolved in the image's
    /// `/etc/passwd` and `/etc/group`; empty is root.
    pub user: String,
    /// Capabilities kept, as a bit mask (bit N is capability N).
    pub capabilities: u64,
    pub no_new_privileges: bool,
    pub seccomp: Seccomp,
    /// Keep standard input open (`-i`).
    pub stdin: bool,
    /// Give the process a terminal (`-t`).
    pub terminal: bool,
    /// The terminal's first size (rows, columns), set before the program
    /// starts so it never sees 0x0.
    #[serde(default)]
    pub console_size: Option<(u16, u16)>,
    /// `--ulimit`, set before the program starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rlimits: Vec<Rlimit>,
    /// `--group-add`: more supplementary groups, numbers or names in the
    /// container's `/etc/group`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    /// `--group-add keep-groups`: the supplementary groups of berth's
    /// process are kept (no `setgroups`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_groups: bool,
    /// The working directory was asked for (`--workdir`): pid 1 does not
    /// make it when it is missing, as Podman (the image's `WORKDIR` it
    /// makes, as Docker).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cwd_given: bool,
}

/// Which system calls the container may make.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Seccomp {
    /// berth's default filter, equivalent to Podman's default profile.
    Default,
    /// No filter (`--security-opt seccomp=unconfined`, `--privileged`).
    Unconfined,
    /// A Docker/Podman profile (`--security-opt seccomp=FILE.json`),
    /// compiled for this architecture by pid 1.
    Profile(Box<super::security::Profile>),
}

/// The container's network namespace.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Network {
    /// A new namespace with only loopback, up.
    None,
    /// The host's namespace.
    Host,
    /// A new namespace with loopback up and nothing else.
    Private,
    /// A new namespace with loopback and `tap0`, which slirp4netns
    /// connects to the outside ([`super::slirp`]).
    Slirp4netns {
        /// The host's 127.0.0.1 is reachable at 10.0.2.2.
        allow_host_loopback: bool,
    },
    /// A new namespace that pasta connects to the outside, for this
    /// container alone ([`super::pasta`]); `options` are pasta's own.
    Pasta {
        options: Vec<String>,
        /// berth's network state dir, where each pasta is recorded with
        /// the process it serves, to be ended once that is gone.
        #[serde(default)]
        state_dir: PathBuf,
    },
    /// berth networks: a veth pair per network, its outer end on the
    /// network's bridge in berth's network namespace ([`super::network`]).
    Bridge(Box<Bridges>),
    /// The network namespace of another container's pid 1 (`pid`, host
    /// pid, and `start`, its start time, found when the container
    /// starts), joined with its user namespace.
    Container {
        id: String,
        pid: i32,
        #[serde(default)]
        start: u64,
    },
    /// A network namespace file (`ns:PATH`).
    Ns { path: PathBuf },
}

impl Network {
    /// The container has a network namespace of its own.
    pub fn own_namespace(&self) -> bool {
        !matches!(
            self,
            Network::Host | Network::Container { .. } | Network::Ns { .. }
        )
    }
}

/// A container's place on berth networks.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Bridges {
    /// berth's network state: its lock, the record of the namespace that
    /// holds the bridges, and what was handed out.
    pub state_dir: PathBuf,
    /// The store's `containers/` dir: each container's `hosts` file is
    /// `<containers_dir>/<id>/hosts`, kept current with the names on its
    /// networks.
    pub containers_dir: PathBuf,
    pub container_id: String,
    pub container_name: String,
    /// `--no-hosts`: the container's `/etc/hosts` is left alone.
    pub no_hosts: bool,
    pub attachments: Vec<Attachment>,
    /// The holder of berth's network namespace, found when the container
    /// starts ([`super::network::ensure_infra`]).
    #[serde(default)]
    pub infra_pid: i32,
    /// The address that reaches the host (`host.containers.internal`).
    #[serde(default)]
    pub host_gateway: Option<String>,
}

/// One network a container is on.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub network: String,
    /// The bridge (`berth0` …).
    pub interface: String,
    /// IPv4 `ADDR/PREFIX`.
    pub subnet: String,
    pub gateway: String,
    #[serde(default)]
    pub ip_range: Option<String>,
    pub internal: bool,
    /// IPv6 `ADDR/PREFIX`, its gateway and range (a dual-stack network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range6: Option<String>,
    /// `--ip`: this address, else the first free one.
    #[serde(default)]
    pub ip: Option<String>,
    /// `--ip6`: this IPv6 address, else the first free one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<String>,
    /// `--mac-address`.
    #[serde(default)]
    pub mac: Option<String>,
    /// `--network-alias`, `--alias`: more names on this network.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The default network (which slirp4netns can stand in for).
    #[serde(default)]
    pub default_network: bool,
}
