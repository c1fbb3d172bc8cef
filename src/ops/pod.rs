//! Pods: containers that share namespaces with the pod's infra
//! container, as Podman's and Kubernetes' pods do.
//!
//! The infra container is a container record like any other (listed by
//! `ps`, named `<pod id>-infra`), with no image: its pid 1 is berth's own
//! pause ([`crate::runtime::pause`]), which holds the network, IPC and
//! UTS namespaces (and pid, with `--share pid`) for as long as the pod
//! runs, whatever its other containers do, at the cost of one sleeping
//! process and its monitor. The pod's published ports and networks are
//! the infra container's; a member joins its namespaces when it starts
//! (an infra container that does not run is started first, by the
//! caller, which starts detached containers).

use super::containers::{self, ContainerInfo};
use super::run::{create_record_as, random_id, RunOptions};
use crate::fsutil::LockKind;
use crate::store::containers::{ContainerRecord, State};
use crate::store::pods::PodRecord;
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::time::Duration;

/// The namespaces a pod shares when `--share` is not given (Podman's
/// default, without cgroup, which berth does not manage).
pub const DEFAULT_SHARE: &[&str] = &["ipc", "net", "uts"];

/// What `pod create` takes from the command line.
#[derive(Debug, Clone, Default)]
pub struct PodOptions {
    pub command_line: Vec<String>,
    pub name: Option<String>,
    /// `-p`, as `run` takes it: the infra container's.
    pub publish: Vec<String>,
    /// `-P` (from `run --pod new:`): the TCP ports that image exposes.
    pub publish_all: bool,
    pub exposing_image: Option<String>,
    /// `--network`, as `run` takes it.
    pub networks: Vec<String>,
    pub network_aliases: Vec<String>,
    pub ip: Option<String>,
    pub ip6: Option<String>,
    pub mac_address: Option<String>,
    /// `--share`: a comma-separated list of `ipc`, `net`, `uts`, `pid`
    /// (`cgroup` is accepted); `None`: [`DEFAULT_SHARE`].
    pub share: Option<String>,
    /// `--label KEY[=VALUE]`.
    pub labels: Vec<String>,
    pub hostname: Option<String>,
    pub add_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    pub no_hosts: bool,
    /// `--infra=false`: no infra container, nothing shared.
    pub no_infra: bool,
}

impl PodOptions {
    /// `run --pod new:NAME`: the pod gets the container's network flags
    /// (which the member, sharing the pod's network, may not have).
    pub fn taken_from(opts: &mut RunOptions, name: &str) -> PodOptions {
        PodOptions {
            command_line: opts.command_line.clone(),
            name: Some(name.to_string()),
            publish: std::mem::take(&mut opts.publish),
            publish_all: std::mem::take(&mut opts.publish_all),
            exposing_image: Some(opts.image.clone()).filter(|_| !opts.rootfs),
            networks: std::mem::take(&mut opts.networks),
            network_aliases: std::mem::take(&mut opts.network_aliases),
            ip: opts.ip.take(),
            ip6: opts.ip6.take(),
            mac_address: opts.mac_address.take(),
            share: None,
            labels: Vec::new(),
            hostname: opts.hostname.take(),
            add_hosts: std::mem::take(&mut opts.add_hosts),
            dns: std::mem::take(&mut opts.dns),
            dns_search: std::mem::take(&mut opts.dns_search),
            dns_options: std::mem::take(&mut opts.dns_options),
            no_hosts: std::mem::take(&mut opts.no_hosts),
            no_infra: false,
        }
    }
}

/// A pod with its containers, as `pod ps` and `pod inspect` show it.
pub struct PodInfo {
    pub record: PodRecord,
    /// Oldest first; the infra container among them.
    pub containers: Vec<ContainerInfo>,
}

impl PodInfo {
    /// Podman's pod states: `Created` (nothing ever ran), `Running`
    /// (every container runs), `Degraded` (some do), `Exited` (none does).
    pub fn status(&self) -> &'static str {
        let live = self.containers.iter().filter(|c| c.state.is_live()).count();
        let created = self
            .containers
            .iter()
            .filter(|c| c.state == State::Created)
            .count();
        match (live, self.containers.len()) {
            (_, 0) => "Created",
            (l, n) if l == n => "Running",
            (l, _) if l > 0 => "Degraded",
            (_, n) if created == n => "Created",
            _ => "Exited",
        }
    }

    /// The infra container, if the pod has one.
    pub fn infra(&self) -> Option<&ContainerInfo> {
        let id = self.record.infra.as_deref()?;
        self.containers.iter().find(|c| c.record.id == id)
    }
}

/// `pod create`: the record and its infra container (not started, as
/// Podman leaves a new pod). Returns the pod's id.
pub fn create(paths: &StorePaths, opts: &PodOptions) -> Result<String> {
    let store = Store::open(paths)?;
    Ok(create_in(&store, opts)?.id)
}

/// [`create`] in an open store.
pub(crate) fn create_in(store: &Store, opts: &PodOptions) -> Result<PodRecord> {
    let shared = parse_share(opts.share.as_deref())?;
    if opts.no_infra {
        let given = [
            ("--publish", !opts.publish.is_empty() || opts.publish_all),
            ("--network", !opts.networks.is_empty()),
            ("--share", opts.share.is_some()),
            ("--hostname", opts.hostname.is_some()),
            ("--add-host", !opts.add_hosts.is_empty()),
            ("--dns", !opts.dns.is_empty()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            bail!("{flag} needs the pod's infra container, which --infra=false leaves out");
        }
    }
    let id = random_id()?;
    let name = match &opts.name {
        Some(n) if crate::store::networks::valid_name(n) => n.clone(),
        Some(n) => bail!("pod name {n:?} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"),
        None => super::run::generated_name(&id),
    };
    let mut labels = BTreeMap::new();
    for l in &opts.labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            bail!("--label {l:?}: expected KEY[=VALUE]");
        }
        labels.insert(k.to_string(), v.to_string());
    }
    let hostname = opts.hostname.clone().unwrap_or_else(|| name.clone());
    // The kernel's limit (a longer name would fail only at start).
    if hostname.len() > 63 {
        bail!(
            "pod {name}: hostname {hostname:?} is longer than 63 characters: give a shorter --hostname or name"
        );
    }
    let infra_id = (!opts.no_infra).then(random_id).transpose()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let rec = PodRecord {
        id: id.clone(),
        name: name.clone(),
        created: now.as_secs() as i64,
        created_nanos: now.subsec_nanos(),
        labels,
        hostname,
        shared: if opts.no_infra { Vec::new() } else { shared },
        infra: infra_id.clone(),
        command_line: opts.command_line.clone(),
    };
    {
        let _lock = store.lock_pods(LockKind::Exclusive)?;
        if store.pods()?.iter().any(|p| p.name == name) {
            bail!(
                "the pod name {name:?} is already in use: remove that pod or choose another name"
            );
        }
        store.save_pod(&rec)?;
    }
    if let Some(infra_id) = infra_id {
        let infra = RunOptions {
            command_line: opts.command_line.clone(),
            name: Some(format!("{}-infra", &id[..12])),
            pod: Some(id.clone()),
            infra: true,
            publish: published(store, opts)?,
            networks: opts.networks.clone(),
            network_aliases: opts.network_aliases.clone(),
            ip: opts.ip.clone(),
            ip6: opts.ip6.clone(),
            mac_address: opts.mac_address.clone(),
            add_hosts: opts.add_hosts.clone(),
            dns: opts.dns.clone(),
            dns_search: opts.dns_search.clone(),
            dns_options: opts.dns_options.clone(),
            no_hosts: opts.no_hosts,
            log_driver: Some("none".into()),
            ..Default::default()
        };
        if let Err(e) = create_record_as(store, &infra, infra_id) {
            let _lock = store.lock_pods(LockKind::Exclusive)?;
            store.remove_pod(&id)?;
            return Err(e);
        }
    }
    pod_event(store, "create", &rec);
    Ok(rec)
}

/// The pod's `-p`, and with `-P` the TCP ports its first container's
/// image exposes.
fn published(store: &Store, opts: &PodOptions) -> Result<Vec<String>> {
    let mut out = opts.publish.clone();
    if let (true, Some(image)) = (opts.publish_all, &opts.exposing_image) {
        let index = store.read_index()?;
        let rec = store.resolve(&index, image)?;
        let config = crate::image::config::ImageConfig::parse(&store.blob(&rec.id)?)
            .with_context(|| format!("image {image}"))?;
        for key in config.config.exposed_ports.iter().flat_map(|m| m.keys()) {
            let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
            if proto.eq_ignore_ascii_case("tcp") && !out.iter().any(|p| p == port) {
                out.push(port.to_string());
            }
        }
    }
    Ok(out)
}

/// `--share`: the namespaces named, sorted.
fn parse_share(given: Option<&str>) -> Result<Vec<String>> {
    let Some(given) = given else {
        return Ok(DEFAULT_SHARE.iter().map(|s| s.to_string()).collect());
    };
    let mut out = Vec::new();
    for kind in given.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        match kind {
            "ipc" | "net" | "uts" | "pid" => out.push(kind.to_string()),
            // berth manages no cgroups: nothing to share.
            "cgroup" | "none" => {}
            _ => bail!(
                "--share {given:?}: {kind:?} is not a namespace a pod shares (ipc, net, pid, uts)"
            ),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn pod_event(store: &Store, status: &str, rec: &PodRecord) {
    let mut e = crate::store::events::Event::now("pod", status);
    e.id = rec.id.clone();
    e.name = rec.name.clone();
    super::events::emit(store, e);
}

/// Pod `name`'s containers, oldest first (the infra container first).
fn members(store: &Store, pod: &PodRecord) -> Result<Vec<ContainerRecord>> {
    let mut all: Vec<ContainerRecord> = store
        .containers()?
        .into_iter()
        .filter(|c| c.pod.as_deref() == Some(pod.id.as_str()))
        .collect();
    all.sort_by(|a, b| {
        let infra = |c: &ContainerRecord| pod.infra.as_deref() != Some(c.id.as_str());
        (infra(a), a.created, a.created_nanos).cmp(&(infra(b), b.created, b.created_nanos))
    });
    Ok(all)
}

fn info(store: &Store, pod: PodRecord) -> Result<PodInfo> {
    let containers = members(store, &pod)?
        .into_iter()
        .map(|r| ContainerInfo::of(store, r))
        .collect();
    Ok(PodInfo {
        record: pod,
        containers,
    })
}

/// `pod ps`: every pod, newest first.
pub fn list(paths: &StorePaths) -> Result<Vec<PodInfo>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    store.pods()?.into_iter().map(|p| info(&store, p)).collect()
}

/// `pod inspect`, `pod exists`: pod `name` (name, id or id prefix).
pub fn inspect(paths: &StorePaths, name: &str) -> Result<PodInfo> {
    let Some(store) = Store::open_existing(paths)? else {
        return Err(crate::store::pods::PodNotFound(name.to_string()).into());
    };
    let pod = store.find_pod(name)?;
    info(&store, pod)
}

/// The names of every pod (for `ps --pod` and completion), by id.
pub fn names(paths: &StorePaths) -> Result<BTreeMap<String, String>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(BTreeMap::new());
    };
    Ok(store.pods()?.into_iter().map(|p| (p.id, p.name)).collect())
}

/// What `pod start` starts, in order: the infra container (if it does
/// not run), then every other container that does not run. Each is
/// started detached by the caller.
pub fn to_start(paths: &StorePaths, name: &str) -> Result<(PodRecord, Vec<String>)> {
    let mut info = inspect(paths, name)?;
    if stale(&info) {
        // Its infra container ended while others ran: they are in
        // namespaces no new infra container would hold. They stop, and
        // all start again together.
        stop(paths, name, None)?;
        info = inspect(paths, name)?;
    }
    let ids = info
        .containers
        .iter()
        .filter(|c| !c.state.is_live())
        .map(|c| c.record.id.clone())
        .collect();
    Ok((info.record, ids))
}

/// Whether the pod's infra container is not running while other
/// containers of it are (in namespaces nothing holds for new ones).
fn stale(info: &PodInfo) -> bool {
    info.infra().is_some_and(|i| !i.state.is_live())
        && info.containers.iter().any(|c| c.state.is_live())
}

/// The pod's infra container, if container `name` (before it starts)
/// belongs to a pod whose infra container does not run; the caller
/// starts it first.
pub fn infra_to_start(paths: &StorePaths, pod_or_container: PodOf) -> Result<Option<String>> {
    let store = Store::open(paths)?;
    let pod = match pod_or_container {
        PodOf::Pod(p) => store.find_pod(p)?,
        PodOf::Container(c) => {
            let rec = store.find_container(c)?;
            match rec.pod.as_deref().map(|p| store.pod(p)) {
                Some(Ok(Some(p))) if p.infra.as_deref() != Some(rec.id.as_str()) => p,
                Some(Ok(None)) => bail!(
                    "container {}: its pod {} is gone",
                    rec.name,
                    rec.pod.unwrap_or_default()
                ),
                Some(Err(e)) => return Err(e),
                _ => return Ok(None),
            }
        }
    };
    let Some(infra) = &pod.infra else {
        return Ok(None);
    };
    let rec = store
        .read_container(infra)
        .with_context(|| format!("pod {}: its infra container", pod.name))?;
    if store.container_state(&rec).is_live() {
        return Ok(None);
    }
    if stale(&info(&store, pod.clone())?) {
        bail!(
            "pod {}: its infra container is not running, but other containers of it are: restart the pod (pod restart {})",
            pod.name,
            pod.name
        );
    }
    Ok(Some(rec.id))
}

/// What [`infra_to_start`] looks at.
pub enum PodOf<'a> {
    Pod(&'a str),
    Container(&'a str),
}

/// `pod stop`: stop its containers at once (their stop signals, then
/// SIGKILL after `timeout`), then the infra container. Returns the pod.
pub fn stop(paths: &StorePaths, name: &str, timeout: Option<Duration>) -> Result<PodRecord> {
    let info = inspect(paths, name)?;
    let (infra, others): (Vec<_>, Vec<_>) = info
        .containers
        .iter()
        .filter(|c| c.state.is_live())
        .partition(|c| info.record.infra.as_deref() == Some(c.record.id.as_str()));
    for group in [others, infra] {
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = group
                .iter()
                .map(|c| s.spawn(|| containers::stop(paths, &c.record.id, timeout)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("stopping failed"))))
                .collect()
        });
        results.into_iter().collect::<Result<()>>()?;
    }
    let store = Store::open(paths)?;
    pod_event(&store, "stop", &info.record);
    Ok(info.record)
}

/// `pod kill`: send `sig` to every running container of the pod.
pub fn kill(paths: &StorePaths, name: &str, sig: Signal) -> Result<PodRecord> {
    let info = inspect(paths, name)?;
    let live: Vec<_> = info
        .containers
        .iter()
        .filter(|c| c.state.is_live())
        .collect();
    if live.is_empty() {
        bail!("pod {}: no container of it is running", info.record.name);
    }
    // The members first: the infra's end takes their namespaces. Each
    // is tried; one that ended meanwhile is no error.
    let mut failed = None;
    for c in live.iter().rev() {
        if let Err(e) = containers::kill(paths, &c.record.id, sig) {
            let store = Store::open(paths)?;
            let now = store.read_container(&c.record.id);
            if now.is_ok_and(|r| store.container_state(&r).is_live()) {
                failed = Some(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let store = Store::open(paths)?;
    pod_event(&store, "kill", &info.record);
    Ok(info.record)
}

/// A pod with running containers, to be removed without `--force`
/// (exit code 2, as `rm` of a running container).
#[derive(Debug)]
pub struct PodRunning(pub String);

impl std::fmt::Display for PodRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pod {} has running containers: stop it first or remove it with --force",
            self.0
        )
    }
}

impl std::error::Error for PodRunning {}

/// `pod rm`: remove the pod and its containers; with running ones only
/// with `force` (their stop signal and `grace`, else SIGKILL at once).
/// Returns the pod's id.
pub fn remove(
    paths: &StorePaths,
    name: &str,
    force: bool,
    grace: Option<Duration>,
) -> Result<String> {
    let Some(store) = Store::open_existing(paths)? else {
        return Err(crate::store::pods::PodNotFound(name.to_string()).into());
    };
    let pod = store.find_pod(name)?;
    remove_pod(&store, &pod, force, grace)?;
    Ok(pod.id)
}

fn remove_pod(store: &Store, pod: &PodRecord, force: bool, grace: Option<Duration>) -> Result<()> {
    // Removal moves containers into tmp/: held shared, as `rm` holds it.
    let _store_lock = store.shared()?;
    // No container joins it meanwhile.
    let _lock = store.lock_pods(LockKind::Exclusive)?;
    let all = members(store, pod)?;
    if !force && all.iter().any(|c| store.container_state(c).is_live()) {
        return Err(PodRunning(pod.name.clone()).into());
    }
    // Members first, the infra container last.
    for rec in all.iter().rev() {
        containers::remove_member(store, rec, force, grace)?;
    }
    store.remove_pod(&pod.id)?;
    pod_event(store, "remove", pod);
    Ok(())
}

/// `pod prune`: remove every pod none of whose containers runs, with
/// its containers. Returns their ids.
pub fn prune(paths: &StorePaths) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for pod in store.pods()? {
        let all = members(&store, &pod)?;
        if all.iter().any(|c| store.container_state(c).is_live()) {
            continue;
        }
        match remove_pod(&store, &pod, false, None) {
            Ok(()) => removed.push(pod.id),
            // One that started meanwhile stays.
            Err(e) if e.downcast_ref::<PodRunning>().is_some() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// `run --pod new:NAME` that made no container: the pod goes too, if
/// nothing but its infra container is in it.
pub fn remove_if_empty(paths: &StorePaths, name: &str) -> Result<()> {
    let info = inspect(paths, name)?;
    let infra = info.record.infra.as_deref();
    if info
        .containers
        .iter()
        .all(|c| Some(c.record.id.as_str()) == infra)
    {
        remove(paths, name, true, None)?;
    }
    Ok(())
}

/// `pod logs`: the containers whose logs it shows (all but the infra
/// container, or the one named with `--container`), oldest first.
pub fn log_sources(
    paths: &StorePaths,
    name: &str,
    container: Option<&str>,
) -> Result<Vec<ContainerRecord>> {
    let info = inspect(paths, name)?;
    let infra = info.record.infra.clone();
    let mut out: Vec<ContainerRecord> = info
        .containers
        .into_iter()
        .map(|c| c.record)
        .filter(|r| infra.as_deref() != Some(r.id.as_str()))
        .collect();
    if let Some(c) = container {
        out.retain(|r| r.name == c || r.id.starts_with(c));
        if out.is_empty() {
            bail!("pod {}: no container {c:?} in it", info.record.name);
        }
    }
    Ok(out)
}
