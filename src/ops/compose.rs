//! `compose`: run an application of a compose file ([`crate::compose`]
//! reads it) as berth networks, volumes and containers, named and
//! labelled as docker compose names and labels them, so that what a
//! project has is found from the store alone: its containers by the
//! `com.docker.compose.project` label, each service's by `.service` and
//! `.container-number`, and whether one is as the file now says by
//! `.config-hash`.

use super::run::RunOptions;
use crate::compose::model::ServiceVolume;
use crate::compose::{load::start_order, Project};
use crate::store::containers::{ContainerRecord, State};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";
pub const NUMBER_LABEL: &str = "com.docker.compose.container-number";
pub const ONEOFF_LABEL: &str = "com.docker.compose.oneoff";
pub const HASH_LABEL: &str = "com.docker.compose.config-hash";
pub const WORKDIR_LABEL: &str = "com.docker.compose.project.working_dir";
pub const FILES_LABEL: &str = "com.docker.compose.project.config_files";
pub const DEPENDS_LABEL: &str = "com.docker.compose.depends_on";
pub const NETWORK_LABEL: &str = "com.docker.compose.network";
pub const VOLUME_LABEL: &str = "com.docker.compose.volume";

/// Where the project's files are (for its containers' labels).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub working_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// A container of a project, as its labels say.
#[derive(Debug, Clone)]
pub struct Member {
    pub info: super::containers::ContainerInfo,
    pub service: String,
    pub number: u32,
    pub oneoff: bool,
}

impl Member {
    pub fn id(&self) -> &str {
        &self.info.record.id
    }
    pub fn name(&self) -> &str {
        &self.info.record.name
    }
    fn label(&self, k: &str) -> Option<&str> {
        label(&self.info.record, k)
    }
}

fn label<'a>(r: &'a ContainerRecord, k: &str) -> Option<&'a str> {
    r.run_config
        .as_ref()
        .and_then(|c| c.labels.as_ref())
        .and_then(|l| l.get(k))
        .map(String::as_str)
}

/// The containers of project `project` (by number within a service).
pub fn members(paths: &StorePaths, project: &str) -> Result<Vec<Member>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    members_in(&store, project)
}

fn members_in(store: &Store, project: &str) -> Result<Vec<Member>> {
    let mut out: Vec<Member> = store
        .containers()?
        .into_iter()
        .filter(|r| label(r, PROJECT_LABEL) == Some(project))
        .map(|r| {
            let service = label(&r, SERVICE_LABEL).unwrap_or_default().to_string();
            let number = label(&r, NUMBER_LABEL)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let oneoff = label(&r, ONEOFF_LABEL) == Some("True");
            Member {
                info: super::containers::ContainerInfo::of(store, r),
                service,
                number,
                oneoff,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.service, a.oneoff, a.number, &a.info.record.name).cmp(&(
            &b.service,
            b.oneoff,
            b.number,
            &b.info.record.name,
        ))
    });
    Ok(out)
}

/// The image a service runs: its `image`, else `PROJECT-SERVICE` (the
/// name docker compose gives a built one).
pub fn image_of(p: &Project, service: &str) -> String {
    match &p.services[service].image {
        Some(i) => i.clone(),
        None => format!("{}-{service}", p.name),
    }
}

/// The services `wanted` (all if none) and everything they need.
pub fn with_dependencies(p: &Project, wanted: &[String]) -> Vec<String> {
    let order = start_order(p);
    if wanted.is_empty() {
        return order;
    }
    let mut need: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = wanted.to_vec();
    while let Some(n) = todo.pop() {
        if need.insert(n.clone()) {
            todo.extend(crate::compose::load::dependencies(p, &n));
        }
    }
    order.into_iter().filter(|n| need.contains(n)).collect()
}

/// The hash of what a service's containers are made from: its model
/// (but how many there are, and what only decides how and when they
/// are made), its image's id, so that a changed file or a rebuilt image
/// recreates them and scaling does not, and `joined`: the container
/// whose network it shares (`network_mode: service:`), which, made
/// again, takes the old namespace with it.
pub fn config_hash(p: &Project, service: &str, image_id: &str, joined: &str) -> Result<String> {
    let mut s = p.services[service].clone();
    s.scale = None;
    if let Some(d) = s.deploy.as_mut() {
        d.replicas = None;
    }
    s.depends_on.clear();
    s.build = None;
    s.pull_policy = None;
    s.profiles.clear();
    // What the service's networks and volumes are named, too.
    let nets: BTreeMap<&String, &Option<String>> = s
        .networks
        .keys()
        .filter_map(|k| p.networks.get(k).map(|n| (k, &n.name)))
        .collect();
    let vols: BTreeMap<&String, (&Option<String>, bool)> = s
        .volumes
        .iter()
        .filter(|v| v.kind == "volume")
        .filter_map(|v| v.source.as_ref())
        .filter_map(|k| p.volumes.get(k).map(|d| (k, (&d.name, d.external))))
        .collect();
    let json = serde_json::to_string(&(&s, nets, vols, image_id, joined))?;
    Ok(crate::digest::Digest::of(json.as_bytes()).hex().to_string())
}

/// How a step of `up` or `down` went, for the progress lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `Network`, `Volume` or `Container`.
    pub kind: &'static str,
    pub name: String,
    /// `Created`, `Recreated`, `Started`, `Running`, `Healthy`, `Exited`,
    /// `Stopped`, `Removed`, `Waiting`.
    pub status: &'static str,
}

/// What `up` needs of the caller: images pulled or built, and
/// containers started in the background (both by berth processes of
/// their own).
pub trait Driver {
    /// Make image `image` of service `service` present: `build` it (from
    /// the service's `build`) or pull it, as `up`'s flags and the pull
    /// policy decided.
    fn image(&mut self, p: &Project, service: &str, image: &str, build: bool) -> Result<()>;
    /// Start container `id` in the background.
    fn start(&mut self, id: &str) -> Result<()>;
    fn step(&mut self, s: Step);
}

#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    pub services: Vec<String>,
    /// `--build` (`Some(true)`), `--no-build` (`Some(false)`).
    pub build: Option<bool>,
    /// `--pull always|missing|never|build`.
    pub pull: Option<String>,
    pub force_recreate: bool,
    pub no_recreate: bool,
    pub no_start: bool,
    pub no_deps: bool,
    /// `--scale SERVICE=N`.
    pub scale: BTreeMap<String, u32>,
    pub remove_orphans: bool,
    /// `--wait`: until each container runs (and is healthy, with a
    /// healthcheck).
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    /// `-t`: the stop timeout for containers replaced.
    pub timeout: Option<Duration>,
    pub command_line: Vec<String>,
}

/// What `up` left running, per service in start order.
#[derive(Debug, Default)]
pub struct Up {
    pub containers: Vec<(String, String)>,
    pub orphans: Vec<String>,
}

/// `compose up`: networks, volumes, images, then each service's
/// containers after what it depends on is as its conditions ask.
pub fn up(
    paths: &StorePaths,
    p: &Project,
    origin: &Origin,
    o: &UpOptions,
    d: &mut dyn Driver,
) -> Result<Up> {
    for name in o.scale.keys() {
        if !p.services.contains_key(name) {
            bail!("--scale {name}: no such service");
        }
    }
    let selected = match o.no_deps {
        true => start_order(p)
            .into_iter()
            .filter(|n| o.services.is_empty() || o.services.contains(n))
            .collect(),
        false => with_dependencies(p, &o.services),
    };
    prepare(paths, p, &selected, o, d)?;
    let store = Store::open(paths)?;
    let mut out = Up::default();
    let existing = members_in(&store, &p.name)?;
    let index = store.read_index()?;
    // Each service's containers as made now, by number.
    let mut made: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &selected {
        let s = &p.services[name];
        if !o.no_start {
            wait_for_dependencies(paths, &store, p, name, d)?;
        }
        let image = image_of(p, name);
        let image_id = store
            .resolve(&index, &image)
            .map(|i| i.id.hex().to_string())
            .unwrap_or_default();
        let joined = s
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
            .and_then(|other| match made.get(other) {
                Some(ids) => ids.first().cloned(),
                // Not selected (--no-deps): the one there is.
                None => existing
                    .iter()
                    .find(|m| m.service == other && m.number == 1 && !m.oneoff)
                    .map(|m| m.id().to_string()),
            })
            .unwrap_or_default();
        let hash = config_hash(p, name, &image_id, &joined)?;
        let want = o.scale.get(name).copied().unwrap_or_else(|| s.replicas());
        if want > 1 && s.container_name.is_some() {
            bail!("service {name}: a service with a container_name cannot run more than one container");
        }
        let all_mine: Vec<&Member> = existing
            .iter()
            .filter(|m| m.service == *name && !m.oneoff)
            .collect();
        // One container per number: the one of the name it should have
        // (else the first); another of that number (left by a recreate
        // that was cut short) goes, with those beyond the scale.
        let mut mine: Vec<&Member> = Vec::new();
        let mut extra: Vec<&Member> = Vec::new();
        for m in &all_mine {
            let named = m.name() == container_name(p, name, m.number);
            match mine.iter().position(|k| k.number == m.number) {
                Some(i) if named && mine[i].name() != m.name() => {
                    extra.push(mine[i]);
                    mine[i] = m;
                }
                Some(_) => extra.push(m),
                None => mine.push(m),
            }
        }
        extra.extend(mine.iter().filter(|m| m.number > want || m.number == 0));
        mine.retain(|m| m.number <= want && m.number != 0);
        // Those go, the newest first.
        for m in extra.iter().rev() {
            super::containers::stop(paths, m.id(), o.timeout)?;
            super::containers::remove(paths, &[m.id().to_string()], false, true, false, None)?;
            d.step(Step {
                kind: "Container",
                name: m.name().to_string(),
                status: "Removed",
            });
        }
        for number in 1..=want {
            let old = mine.iter().find(|m| m.number == number);
            let id = match old {
                Some(m)
                    if o.no_recreate
                        || (!o.force_recreate && m.label(HASH_LABEL) == Some(&hash)) =>
                {
                    m.id().to_string()
                }
                Some(m) => {
                    // The new one first, under a name of its own, with the
                    // old one's anonymous volumes: a mistake that only its
                    // making finds leaves the old one as it was.
                    let final_name = container_name(p, name, number);
                    // Short, and no id's prefix.
                    let temp = format!("r{}", &super::run::random_id()?[..11]);
                    let carried = anonymous_volumes(&store, &m.info.record);
                    let id = create(
                        &store,
                        p,
                        origin,
                        name,
                        number,
                        &hash,
                        o,
                        Some(&temp),
                        &carried,
                    )?;
                    let swap = || -> Result<()> {
                        super::containers::stop(paths, m.id(), o.timeout)?;
                        super::containers::remove(
                            paths,
                            &[m.id().to_string()],
                            false,
                            true,
                            false,
                            None,
                        )?;
                        super::containers::rename(paths, &id, &final_name)
                    };
                    if let Err(e) = swap() {
                        // The new one goes again; the old one (if still
                        // there) is the service's.
                        let _ = super::containers::remove(
                            paths,
                            std::slice::from_ref(&id),
                            false,
                            true,
                            false,
                            None,
                        );
                        return Err(e.context(format!("recreating {final_name}")));
                    }
                    d.step(Step {
                        kind: "Container",
                        name: container_name(p, name, number),
                        status: "Recreated",
                    });
                    id
                }
                None => {
                    let id = create(&store, p, origin, name, number, &hash, o, None, &[])?;
                    d.step(Step {
                        kind: "Container",
                        name: container_name(p, name, number),
                        status: "Created",
                    });
                    id
                }
            };
            if !o.no_start {
                let running = store.is_running(&id);
                if !running {
                    d.start(&id)?;
                }
                d.step(Step {
                    kind: "Container",
                    name: container_name(p, name, number),
                    status: if running { "Running" } else { "Started" },
                });
            }
            made.entry(name.clone()).or_default().push(id.clone());
            out.containers.push((name.clone(), id));
        }
    }
    // Containers of services the file no longer has.
    for m in existing
        .iter()
        .filter(|m| !p.services.contains_key(&m.service) && !p.disabled.contains(&m.service))
    {
        match o.remove_orphans {
            true => {
                super::containers::stop(paths, m.id(), o.timeout)?;
                super::containers::remove(paths, &[m.id().to_string()], false, true, false, None)?;
                d.step(Step {
                    kind: "Container",
                    name: m.name().to_string(),
                    status: "Removed",
                });
            }
            false => out.orphans.push(m.name().to_string()),
        }
    }
    if o.wait && !o.no_start {
        let deadline = o.wait_timeout.and_then(|t| Instant::now().checked_add(t));
        for (service, id) in &out.containers {
            // A one-shot service others wait for to complete is waited
            // for so; one with a healthcheck (its own or its image's,
            // not disabled) until healthy; the others until they run.
            let one_shot = p.services.values().any(|s| {
                s.depends_on
                    .get(service)
                    .is_some_and(|d| d.condition == "service_completed_successfully")
            });
            let healthy = super::health::check_of(&store.find_container(id)?).is_some();
            let cond = match (one_shot, healthy) {
                (true, _) => "service_completed_successfully",
                (false, true) => "service_healthy",
                (false, false) => "service_started",
            };
            wait_condition(paths, &store, id, cond, deadline)
                .with_context(|| format!("service {service}"))?;
        }
    }
    Ok(out)
}

pub fn container_name(p: &Project, service: &str, number: u32) -> String {
    match &p.services[service].container_name {
        Some(n) => n.clone(),
        None => format!("{}-{service}-{number}", p.name),
    }
}

fn networks_up(
    paths: &StorePaths,
    store: &Store,
    p: &Project,
    selected: &[String],
    d: &mut dyn Driver,
) -> Result<()> {
    let used: BTreeSet<&String> = selected
        .iter()
        .flat_map(|s| p.services[s].networks.keys())
        .collect();
    for key in used {
        let def = &p.networks[key];
        let name = def.name.clone().unwrap_or_default();
        let existing = store.network(&name)?.filter(|n| n.name == name);
        if def.external {
            if existing.is_none() {
                bail!("network {name} is external, and is not there: make it with `berth network create {name}`");
            }
            continue;
        }
        if let Some(n) = existing {
            if n.labels.get(PROJECT_LABEL) != Some(&p.name) {
                bail!(
                    "network {name} exists and is not project {}'s: remove it, or mark it external in the file",
                    p.name
                );
            }
            continue;
        }
        if let Some(drv) = def.driver.as_deref() {
            if drv != "bridge" {
                bail!("network {key}: driver {drv:?}: berth networks are bridges");
            }
        }
        let cfg = def.ipam.as_ref().and_then(|i| i.config.first());
        let mut labels: Vec<String> = def.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        labels.push(format!("{PROJECT_LABEL}={}", p.name));
        labels.push(format!("{NETWORK_LABEL}={key}"));
        super::network::create(
            paths,
            &super::network::CreateOptions {
                name: name.clone(),
                driver: String::new(),
                subnet: cfg.and_then(|c| c.subnet.clone()),
                gateway: cfg.and_then(|c| c.gateway.clone()),
                ip_range: cfg.and_then(|c| c.ip_range.clone()),
                internal: def.internal,
                labels,
                ipv6: def.enable_ipv6,
                ..Default::default()
            },
        )
        .with_context(|| format!("network {key}"))?;
        d.step(Step {
            kind: "Network",
            name,
            status: "Created",
        });
    }
    Ok(())
}

fn volumes_up(
    paths: &StorePaths,
    store: &Store,
    p: &Project,
    selected: &[String],
    d: &mut dyn Driver,
) -> Result<()> {
    let used: BTreeSet<&String> = selected
        .iter()
        .flat_map(|s| &p.services[s].volumes)
        .filter(|v| v.kind == "volume")
        .filter_map(|v| v.source.as_ref())
        .collect();
    for key in used {
        let def = &p.volumes[key];
        let name = def.name.clone().unwrap_or_default();
        let existing = store.volume(&name)?;
        if def.external {
            if existing.is_none() {
                bail!("volume {name} is external, and is not there: make it with `berth volume create {name}`");
            }
            continue;
        }
        if existing.is_some() {
            continue;
        }
        if let Some(drv) = def.driver.as_deref() {
            if drv != "local" {
                bail!("volume {key}: driver {drv:?}: berth volumes are local");
            }
        }
        let mut labels: Vec<String> = def.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        labels.push(format!("{PROJECT_LABEL}={}", p.name));
        labels.push(format!("{VOLUME_LABEL}={key}"));
        let options: Vec<String> = def
            .driver_opts
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        super::volume::create(paths, Some(&name), &labels, &options, true)
            .with_context(|| format!("volume {key}"))?;
        d.step(Step {
            kind: "Volume",
            name,
            status: "Created",
        });
    }
    Ok(())
}

/// Wait until each service `name` depends on is as its condition asks.
pub fn wait_for_dependencies(
    paths: &StorePaths,
    store: &Store,
    p: &Project,
    name: &str,
    d: &mut dyn Driver,
) -> Result<()> {
    for (dep, cond) in &p.services[name].depends_on {
        if cond.condition == "service_started" {
            continue;
        }
        for m in members_in(store, &p.name)?
            .iter()
            .filter(|m| m.service == *dep && !m.oneoff)
        {
            d.step(Step {
                kind: "Container",
                name: m.name().to_string(),
                status: "Waiting",
            });
            wait_condition(paths, store, m.id(), &cond.condition, None).map_err(|e| {
                anyhow!(
                    "service {name} depends on {dep}: container {}: {e:#}",
                    m.name()
                )
            })?;
            d.step(Step {
                kind: "Container",
                name: m.name().to_string(),
                status: match cond.condition.as_str() {
                    "service_healthy" => "Healthy",
                    _ => "Exited",
                },
            });
        }
    }
    Ok(())
}

/// Wait until container `id` is healthy (`service_healthy`), has exited
/// 0 (`service_completed_successfully`) or runs (`service_started`).
fn wait_condition(
    paths: &StorePaths,
    store: &Store,
    id: &str,
    condition: &str,
    deadline: Option<Instant>,
) -> Result<()> {
    loop {
        let info = super::containers::inspect(paths, &[id.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("container {id} is gone"))?;
        let health = info.health.as_ref().map(|h| h.status.as_str());
        match (condition, info.state) {
            ("service_completed_successfully", State::Exited(0)) => return Ok(()),
            ("service_completed_successfully", State::Exited(c)) => {
                bail!("exited with code {c}")
            }
            ("service_healthy", State::Running(_)) if health == Some("healthy") => return Ok(()),
            ("service_healthy", State::Running(_)) if health == Some("unhealthy") => {
                bail!("is unhealthy")
            }
            ("service_healthy", State::Running(_)) if health.is_none() => {
                bail!("has no healthcheck, and its condition is service_healthy")
            }
            ("service_healthy" | "service_started", State::Exited(c)) => {
                bail!("exited with code {c}")
            }
            ("service_started", State::Running(_)) => return Ok(()),
            (_, State::Created) if !store.is_running(id) && info.record.started == 0 => {
                bail!("was never started")
            }
            _ => {}
        }
        if deadline.is_some_and(|d| Instant::now() > d) {
            bail!("not ready in time");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Make container `number` of `service` (named `name`, or as compose
/// names it), with the anonymous volumes `carried` (`NAME:TARGET`) in
/// place of new ones at their targets.
#[allow(clippy::too_many_arguments)]
fn create(
    store: &Store,
    p: &Project,
    origin: &Origin,
    service: &str,
    number: u32,
    hash: &str,
    o: &UpOptions,
    name: Option<&str>,
    carried: &[(String, String)],
) -> Result<String> {
    let mut opts = run_options(p, origin, service, number, hash, &o.command_line)?;
    if let Some(n) = name {
        opts.name = Some(n.to_string());
    }
    // An old anonymous volume is carried where the service mounts an
    // anonymous volume or nothing (an image's VOLUME), not where it now
    // mounts something else.
    let s = &p.services[service];
    let taken: Vec<&str> = s
        .volumes
        .iter()
        .filter(|v| v.source.is_some() || v.kind != "volume")
        .map(|v| v.target.as_str())
        .chain(s.tmpfs.iter().map(|t| t.split(':').next().unwrap_or(t)))
        .collect();
    for (volume, target) in carried {
        if taken.contains(&target.as_str()) {
            continue;
        }
        opts.volumes.retain(|v| v != target);
        opts.volumes.push(format!("{volume}:{target}"));
    }
    let (rec, _) = super::run::create(store, &opts).with_context(|| {
        format!(
            "service {service}: container {}",
            container_name(p, service, number)
        )
    })?;
    Ok(rec.id)
}

/// The anonymous volumes of container `r`: (name, target).
fn anonymous_volumes(store: &Store, r: &ContainerRecord) -> Vec<(String, String)> {
    let Ok(spec) = super::containers::spec_of(r) else {
        return Vec::new();
    };
    spec.mounts
        .iter()
        .filter_map(|m| match m {
            crate::runtime::spec::Mount::Volume { name, target, .. } => store
                .volume(name)
                .ok()
                .flatten()
                .filter(|v| v.anonymous)
                .map(|_| (name.clone(), target.clone())),
            _ => None,
        })
        .collect()
}

/// The `run` options of container `number` of `service`.
pub fn run_options(
    p: &Project,
    origin: &Origin,
    service: &str,
    number: u32,
    hash: &str,
    command_line: &[String],
) -> Result<RunOptions> {
    let s = &p.services[service];
    let mut labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let files: Vec<String> = origin
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let depends: Vec<String> = s
        .depends_on
        .iter()
        .map(|(k, d)| format!("{k}:{}:{}", d.condition, d.restart))
        .collect();
    labels.extend([
        format!("{PROJECT_LABEL}={}", p.name),
        format!("{SERVICE_LABEL}={service}"),
        format!("{NUMBER_LABEL}={number}"),
        format!("{ONEOFF_LABEL}=False"),
        format!("{HASH_LABEL}={hash}"),
        format!("{WORKDIR_LABEL}={}", origin.working_dir.display()),
        format!("{FILES_LABEL}={}", files.join(",")),
        format!("{DEPENDS_LABEL}={}", depends.join(",")),
    ]);
    let mut volumes = Vec::new();
    let mut tmpfs = s.tmpfs.clone();
    for v in &s.volumes {
        volumes.extend(volume_spec(p, v, &mut tmpfs)?);
    }
    for (kind, refs, defs) in [
        ("secret", &s.secrets, &p.secrets),
        ("config", &s.configs, &p.configs),
    ] {
        for r in refs {
            let def = &defs[&r.source];
            let Some(file) = &def.file else {
                bail!(
                    "service {service}: {kind} {}: only {kind}s from a file are supported",
                    r.source
                );
            };
            let target = match (&r.target, kind) {
                (Some(t), _) if t.starts_with('/') => t.clone(),
                (Some(t), "secret") => format!("/run/secrets/{t}"),
                (None, "secret") => format!("/run/secrets/{}", r.source),
                (Some(t), _) => format!("/{t}"),
                (None, _) => format!("/{}", r.source),
            };
            volumes.push(format!("{file}:{target}:ro"));
        }
    }
    let networks = match s.network_mode.as_deref() {
        Some("bridge") => Vec::new(),
        Some(m) => match m.strip_prefix("service:") {
            Some(other) => vec![format!("container:{}", container_name(p, other, 1))],
            None => vec![m.to_string()],
        },
        None => {
            // The highest priority first, then by name.
            let mut nets: Vec<(&String, &Option<crate::compose::model::ServiceNetwork>)> =
                s.networks.iter().collect();
            nets.sort_by_key(|(k, n)| {
                (
                    std::cmp::Reverse(n.as_ref().and_then(|n| n.priority).unwrap_or(0)),
                    (*k).clone(),
                )
            });
            nets.into_iter()
                .map(|(key, n)| {
                    let name = p.networks[key].name.clone().unwrap_or_default();
                    let mut opts = vec![format!("alias={service}")];
                    if let Some(n) = n {
                        opts.extend(n.aliases.iter().map(|a| format!("alias={a}")));
                        opts.extend(n.ipv4_address.iter().map(|a| format!("ip={a}")));
                        opts.extend(n.ipv6_address.iter().map(|a| format!("ip6={a}")));
                        opts.extend(n.mac_address.iter().map(|a| format!("mac={a}")));
                    }
                    format!("{name}:{}", opts.join(","))
                })
                .collect()
        }
    };
    let publish = s
        .ports
        .iter()
        .map(|port| {
            let mut out = String::new();
            if let Some(ip) = &port.host_ip {
                match ip.contains(':') {
                    true => out.push_str(&format!("[{ip}]:")),
                    false => out.push_str(&format!("{ip}:")),
                }
            }
            if let Some(h) = &port.published {
                out.push_str(&format!("{h}:"));
            } else if port.host_ip.is_some() {
                out.push(':');
            }
            out.push_str(&format!("{}/{}", port.target, port.protocol));
            out
        })
        .collect();
    let mut health = super::health::HealthFlags::default();
    if let Some(h) = &s.healthcheck {
        let none = h.disable
            || h.test
                .as_ref()
                .is_some_and(|t| t.first().map(String::as_str) == Some("NONE"));
        health = super::health::HealthFlags {
            cmd: h
                .test
                .as_ref()
                .filter(|_| !none)
                .map(serde_json::to_string)
                .transpose()?,
            interval: h.interval.clone(),
            timeout: h.timeout.clone(),
            retries: h.retries,
            start_period: h.start_period.clone(),
            start_interval: h.start_interval.clone(),
            on_failure: None,
            no_healthcheck: none,
        };
    }
    let stop_timeout = s
        .stop_grace_period
        .as_deref()
        .map(crate::compose::model::parse_duration)
        .transpose()
        .map_err(|e| anyhow!("service {service}: stop_grace_period: {e}"))?
        .map(|d| d.as_secs_f64().ceil() as u64);
    Ok(RunOptions {
        command_line: command_line.to_vec(),
        image: image_of(p, service),
        entrypoint: s
            .entrypoint
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?,
        command: s.command.clone().unwrap_or_default(),
        env: s
            .environment
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect(),
        labels,
        workdir: s.working_dir.clone(),
        user: s.user.clone(),
        name: Some(container_name(p, service, number)),
        hostname: s.hostname.clone(),
        interactive: s.stdin_open,
        tty: s.tty,
        volumes,
        tmpfs,
        read_only: s.read_only,
        networks,
        add_hosts: s
            .extra_hosts
            .iter()
            .map(|h| h.replacen('=', ":", 1))
            .collect(),
        dns: s.dns.clone(),
        dns_search: s.dns_search.clone(),
        dns_options: s.dns_opt.clone(),
        init: s.init,
        cap_add: s.cap_add.clone(),
        cap_drop: s.cap_drop.clone(),
        privileged: s.privileged,
        security_opt: s.security_opt.clone(),
        publish,
        restart: s.restart.clone(),
        health,
        stop_signal: s.stop_signal.clone(),
        stop_timeout,
        ..Default::default()
    })
}

/// A service's volume as `-v` (or a tmpfs into `tmpfs`).
fn volume_spec(p: &Project, v: &ServiceVolume, tmpfs: &mut Vec<String>) -> Result<Option<String>> {
    let mut mode = Vec::new();
    if v.read_only {
        mode.push("ro");
    }
    Ok(match v.kind.as_str() {
        "tmpfs" => {
            let mut opts = Vec::new();
            if let Some(t) = &v.tmpfs {
                if let Some(size) = &t.size {
                    opts.push(format!("size={size}"));
                }
                if let Some(m) = t.mode {
                    opts.push(format!("mode={m:o}"));
                }
            }
            if v.read_only {
                opts.push("ro".into());
            }
            tmpfs.push(match opts.is_empty() {
                true => v.target.clone(),
                false => format!("{}:{}", v.target, opts.join(",")),
            });
            None
        }
        "bind" => {
            let src = v.source.as_deref().unwrap_or_default();
            let create = v.bind.as_ref().is_none_or(|b| b.create_host_path);
            if !Path::new(src).exists() {
                match create {
                    true => crate::fsutil::create_dir_all(Path::new(src))
                        .with_context(|| format!("bind mount source {src}"))?,
                    false => bail!("bind mount source {src}: not found"),
                }
            }
            if let Some(prop) = v.bind.as_ref().and_then(|b| b.propagation.as_deref()) {
                mode.push(prop);
            }
            Some(format!("{src}:{}{}", v.target, opts_text(&mode)))
        }
        _ => match &v.source {
            Some(key) => {
                if v.volume.as_ref().is_some_and(|o| o.nocopy) {
                    mode.push("nocopy");
                }
                let name = p.volumes[key].name.clone().unwrap_or_default();
                Some(format!("{name}:{}{}", v.target, opts_text(&mode)))
            }
            None if v.read_only => bail!(
                "volume at {}: an anonymous volume cannot be read-only (name it)",
                v.target
            ),
            None => Some(v.target.clone()),
        },
    })
}

fn opts_text(mode: &[&str]) -> String {
    match mode.is_empty() {
        true => String::new(),
        false => format!(":{}", mode.join(",")),
    }
}

/// What `down` removed.
#[derive(Debug, Default)]
pub struct Down {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    /// `-v`: the project's named volumes and the anonymous ones.
    pub volumes: bool,
    pub remove_orphans: bool,
    /// `--rmi local|all`.
    pub rmi: Option<String>,
    pub timeout: Option<Duration>,
    pub services: Vec<String>,
}

/// `compose down`: stop and remove the project's containers (the
/// file's services', and with `remove_orphans` the others), then its
/// networks, and with `volumes` its volumes.
pub fn down(paths: &StorePaths, p: &Project, o: &DownOptions) -> Result<Down> {
    let mut out = Down::default();
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(out);
    };
    let all = members_in(&store, &p.name)?;
    let doomed: Vec<&Member> = all
        .iter()
        .filter(|m| {
            let known = p.services.contains_key(&m.service) || p.disabled.contains(&m.service);
            (known || o.remove_orphans)
                && (o.services.is_empty() || o.services.contains(&m.service))
        })
        .collect();
    let running: Vec<&Member> = doomed
        .iter()
        .copied()
        .filter(|m| store.is_running(m.id()))
        .collect();
    for name in stop_all(paths, p, &running, o.timeout)? {
        out.steps.push(Step {
            kind: "Container",
            name,
            status: "Stopped",
        });
    }
    for m in &doomed {
        super::containers::remove(paths, &[m.id().to_string()], false, true, o.volumes, None)?;
        out.steps.push(Step {
            kind: "Container",
            name: m.name().to_string(),
            status: "Removed",
        });
    }
    if !o.services.is_empty() {
        return Ok(out);
    }
    for (key, def) in &p.networks {
        if def.external {
            continue;
        }
        let name = def.name.clone().unwrap_or_default();
        let Some(rec) = store.network(&name)?.filter(|n| n.name == name) else {
            continue;
        };
        if rec.labels.get(PROJECT_LABEL) != Some(&p.name) {
            continue;
        }
        if !super::network::in_use_by(&store, &name)?.is_empty() {
            continue;
        }
        super::network::remove(paths, std::slice::from_ref(&name), false)
            .with_context(|| format!("network {key}"))?;
        out.steps.push(Step {
            kind: "Network",
            name,
            status: "Removed",
        });
    }
    if o.volumes {
        for def in p.volumes.values() {
            if def.external {
                continue;
            }
            let name = def.name.clone().unwrap_or_default();
            let Some(rec) = store.volume(&name)? else {
                continue;
            };
            if rec.labels.get(PROJECT_LABEL) != Some(&p.name) {
                continue;
            }
            super::volume::remove(paths, std::slice::from_ref(&name), false)
                .with_context(|| format!("volume {name}"))?;
            out.steps.push(Step {
                kind: "Volume",
                name,
                status: "Removed",
            });
        }
    }
    if let Some(which) = &o.rmi {
        let mut images: BTreeSet<String> = BTreeSet::new();
        for name in p.services.keys() {
            let s = &p.services[name];
            if which == "all" || s.image.is_none() {
                images.insert(image_of(p, name));
            }
        }
        for image in images {
            if super::inspect::exists(paths, &image)? {
                let opts = super::remove::RmiOptions {
                    images: vec![image.clone()],
                    all: false,
                    force: false,
                    ignore: true,
                };
                match super::remove::rmi(paths, &opts, |_| {}) {
                    Ok(_) => out.steps.push(Step {
                        kind: "Image",
                        name: image,
                        status: "Removed",
                    }),
                    Err(e) => return Err(e.context(format!("image {image}"))),
                }
            }
        }
    }
    Ok(out)
}

/// How deep each service is in the dependencies: 0 for one that needs
/// nothing.
fn depths(p: &Project) -> BTreeMap<String, usize> {
    // The start order puts each service after what it needs.
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for n in start_order(p) {
        let d = crate::compose::load::dependencies(p, &n)
            .iter()
            .map(|d| 1 + out.get(d).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        out.insert(n, d);
    }
    out
}

/// Stop `members`, dependents before what they depend on and those of
/// one depth at once (each stop waits up to its timeout). Returns the
/// names stopped, in that order.
pub fn stop_all(
    paths: &StorePaths,
    p: &Project,
    members: &[&Member],
    timeout: Option<Duration>,
) -> Result<Vec<String>> {
    let depth = depths(p);
    let mut by_depth: BTreeMap<std::cmp::Reverse<usize>, Vec<&Member>> = BTreeMap::new();
    for m in members {
        let d = match depth.get(&m.service) {
            Some(d) => *d,
            // An orphan: nothing of the file depends on it.
            None => usize::MAX,
        };
        by_depth.entry(std::cmp::Reverse(d)).or_default().push(m);
    }
    let mut out = Vec::new();
    for group in by_depth.values() {
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = group
                .iter()
                .map(|m| s.spawn(|| super::containers::stop(paths, m.id(), timeout)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a stop panicked"))))
                .collect()
        });
        for (m, r) in group.iter().zip(results) {
            r.with_context(|| format!("stopping {}", m.name()))?;
            out.push(m.name().to_string());
        }
    }
    Ok(out)
}

/// `compose stop|start|restart|kill|rm` act on the project's containers
/// of `services` (all if none), the right way round.
pub fn selected<'a>(
    p: &Project,
    all: &'a [Member],
    services: &[String],
) -> Result<Vec<&'a Member>> {
    for s in services {
        if !p.services.contains_key(s) {
            bail!("no such service: {s}");
        }
    }
    let order = start_order(p);
    let mut out: Vec<&Member> = all
        .iter()
        .filter(|m| !m.oneoff && (services.is_empty() || services.contains(&m.service)))
        .collect();
    out.sort_by_key(|m| {
        (
            order
                .iter()
                .position(|s| *s == m.service)
                .unwrap_or(usize::MAX),
            m.number,
        )
    });
    Ok(out)
}

/// What the containers of services `selected` need: their images
/// (pulled or built as `o` and their pull policies say), networks and
/// volumes. Nothing is made when an image cannot be had.
pub fn prepare(
    paths: &StorePaths,
    p: &Project,
    selected: &[String],
    o: &UpOptions,
    d: &mut dyn Driver,
) -> Result<()> {
    for name in selected {
        let s = &p.services[name];
        let image = image_of(p, name);
        let present = super::inspect::exists(paths, &image)?;
        let policy = o
            .pull
            .clone()
            .or(s.pull_policy.clone())
            .unwrap_or_else(|| "missing".into());
        let build = match (&s.build, o.build) {
            (None, _) => false,
            (Some(_), Some(b)) => b,
            (Some(_), None) => policy == "build" || !present,
        };
        if build {
            d.image(p, name, &image, true)?;
            continue;
        }
        match policy.as_str() {
            // A service that builds its image builds it, not pulls it.
            "always" if s.build.is_none() => d.image(p, name, &image, false)?,
            "never" if !present => bail!(
                "service {name}: image {image} is not in the store, and its pull policy is never"
            ),
            _ if !present && s.build.is_some() => {
                bail!(
                    "service {name}: image {image} is not built (run compose build, or up --build)"
                )
            }
            _ if !present => d.image(p, name, &image, false)?,
            _ => {}
        }
    }
    let store = Store::open(paths)?;
    networks_up(paths, &store, p, selected, d)?;
    volumes_up(paths, &store, p, selected, d)
}

/// `compose run`'s changes to a service's container.
#[derive(Debug, Clone, Default)]
pub struct OneOff {
    /// Default `PROJECT-SERVICE-run-ID`.
    pub name: Option<String>,
    /// Over the service's command, when not empty.
    pub command: Vec<String>,
    pub entrypoint: Option<String>,
    /// `KEY=VALUE`, over the service's.
    pub env: Vec<String>,
    pub labels: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub publish: Vec<String>,
    /// Publish the service's ports too.
    pub service_ports: bool,
    pub volumes: Vec<String>,
    pub rm: bool,
    pub interactive: bool,
    pub tty: bool,
}

/// The `run` options of a one-off container of `service` (labelled
/// `oneoff=True`, so that `up` and `ps` leave it to itself): the
/// service's, without its restart policy, with `x`'s changes.
pub fn one_off(
    p: &Project,
    origin: &Origin,
    service: &str,
    x: &OneOff,
    command_line: &[String],
) -> Result<RunOptions> {
    let mut o = run_options(p, origin, service, 0, "", command_line)?;
    let id = super::run::random_id()?;
    o.name = Some(match &x.name {
        Some(n) => n.clone(),
        None => format!("{}-{service}-run-{}", p.name, &id[..12]),
    });
    o.labels.retain(|l| {
        !l.starts_with(&format!("{ONEOFF_LABEL}=")) && !l.starts_with(&format!("{HASH_LABEL}="))
    });
    o.labels.push(format!("{ONEOFF_LABEL}=True"));
    o.labels.extend(x.labels.iter().cloned());
    if !x.command.is_empty() {
        o.command = x.command.clone();
    }
    if let Some(e) = &x.entrypoint {
        let words =
            crate::compose::model::split_words(e).map_err(|e| anyhow!("--entrypoint {e}"))?;
        o.entrypoint = Some(serde_json::to_string(&words)?);
    }
    o.env.extend(x.env.iter().cloned());
    if x.user.is_some() {
        o.user = x.user.clone();
    }
    if x.workdir.is_some() {
        o.workdir = x.workdir.clone();
    }
    if !x.service_ports {
        o.publish.clear();
    }
    o.publish.extend(x.publish.iter().cloned());
    o.volumes.extend(x.volumes.iter().cloned());
    // The service's names and addresses are its containers'; a one-off
    // one answers to its own name only (as docker compose's without
    // --use-aliases).
    for n in o.networks.iter_mut() {
        if let Some((name, _)) = n.split_once(':') {
            if !["container", "ns", "pasta", "slirp4netns"].contains(&name) {
                *n = name.to_string();
            }
        }
    }
    o.restart = None;
    o.rm = x.rm;
    o.interactive = x.interactive;
    o.tty = x.tty;
    Ok(o)
}

/// A project as its containers' labels tell it (`compose ls`).
#[derive(Debug, Clone, Default)]
pub struct ProjectSummary {
    pub name: String,
    /// docker compose's state words and how many containers are in each.
    pub states: BTreeMap<String, usize>,
    pub running: usize,
    pub config_files: String,
}

/// Every project with a container in the store, by name.
pub fn projects(paths: &StorePaths) -> Result<Vec<ProjectSummary>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let mut out: BTreeMap<String, ProjectSummary> = BTreeMap::new();
    for r in store.containers()? {
        let Some(project) = label(&r, PROJECT_LABEL).map(str::to_string) else {
            continue;
        };
        let files = label(&r, FILES_LABEL).unwrap_or_default().to_string();
        let info = super::containers::ContainerInfo::of(&store, r);
        let word = match info.state {
            State::Created => "created",
            State::Running(_) => "running",
            State::Restarting(..) => "restarting",
            State::Exited(_) => "exited",
        };
        let e = out
            .entry(project.clone())
            .or_insert_with(|| ProjectSummary {
                name: project,
                config_files: files,
                ..Default::default()
            });
        *e.states.entry(word.to_string()).or_default() += 1;
        if info.state.is_live() {
            e.running += 1;
        }
    }
    Ok(out.into_values().collect())
}
