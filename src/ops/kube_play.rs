//! `kube play`: make the pods a Kubernetes YAML file describes
//! ([`crate::kube::play`] reads it), and `kube play --down`: remove them.
//!
//! Each pod is a berth pod (its infra container holds the shared
//! namespaces) whose containers are named `<pod>-<container>`, as Podman
//! names them. Its volumes:
//! - a PersistentVolumeClaim is the named volume of the claim's name,
//!   made if missing and left by `--down` (unless asked);
//! - an emptyDir, and a ConfigMap's or Secret's files, is a volume of the
//!   pod's own, `<pod>-<volume>`, labelled [`POD_LABEL`], mounted without
//!   the image's files copied in, and removed with the pod;
//! - a hostPath is a bind mount (made first for `DirectoryOrCreate` and
//!   `FileOrCreate`).
//!
//! Everything is checked before anything is made; if making something
//! fails, what was made is removed again.

use super::pod::PodOptions;
use super::run::RunOptions;
use crate::image::config::NetProbe;
use crate::kube::play::{Manifest, PlayContainer, PlayPod, PlayProbe, ProbeAction, Source};
use crate::store::volumes::VolumeRecord;
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The label of a pod's own volumes (emptyDir, ConfigMap and Secret
/// files): the pod's name.
pub const POD_LABEL: &str = "io.berth.kube.pod";
/// The label a PersistentVolumeClaim's volume gets when `kube play` makes
/// it.
pub const CLAIM_LABEL: &str = "io.berth.kube.claim";

/// `kube play`'s flags.
#[derive(Debug, Clone, Default)]
pub struct PlayOptions {
    pub command_line: Vec<String>,
    /// `--network`: the pods' networks (the default network if none).
    pub networks: Vec<String>,
    /// `--publish [IP:]HOSTPORT:CTRPORT[/PROTO]`: over the file's
    /// `hostPort` of the same container port.
    pub publish: Vec<String>,
    pub log_driver: Option<String>,
}

/// A pod made: its id and its containers' ids, init containers apart
/// (in the order they run).
#[derive(Debug, Clone)]
pub struct PlayedPod {
    pub name: String,
    pub id: String,
    pub init_containers: Vec<String>,
    pub containers: Vec<String>,
}

/// What `kube play` made.
#[derive(Debug, Default)]
pub struct Played {
    pub pods: Vec<PlayedPod>,
    /// Volumes made (claims and the pods' own).
    pub volumes: Vec<String>,
}

/// Make the manifest's volumes, pods and containers (none started).
pub fn play(paths: &StorePaths, m: &Manifest, o: &PlayOptions) -> Result<Played> {
    let store = Store::open(paths)?;
    // What is taken is found before anything is made.
    let pods = store.pods()?;
    let containers = store.containers()?;
    for p in &m.pods {
        if pods.iter().any(|q| q.name == p.name) {
            bail!(
                "pod {} already exists: remove it, or play with --replace",
                p.name
            );
        }
        for c in p.init_containers.iter().chain(&p.containers) {
            let name = container_name(p, c);
            if containers.iter().any(|r| r.name == name) {
                bail!("container {name} already exists: remove it, or play with --replace");
            }
        }
        for v in &p.volumes {
            if let Source::HostPath { path, kind } = &v.source {
                check_host_path(path, kind)?;
            }
        }
    }
    let mut made = Played::default();
    match make(&store, m, o, &mut made) {
        Ok(()) => Ok(made),
        Err(e) => {
            undo(&store, paths, &made);
            Err(e)
        }
    }
}

fn container_name(p: &PlayPod, c: &PlayContainer) -> String {
    format!("{}-{}", p.name, c.name)
}

fn own_volume(p: &PlayPod, volume: &str) -> String {
    format!("{}-{volume}", p.name)
}

/// What is made of a hostPath before it is mounted; one that must exist
/// and does not is an error.
fn check_host_path(path: &str, kind: &str) -> Result<()> {
    let p = std::path::Path::new(path);
    let meta = std::fs::metadata(p);
    let is = |f: fn(&std::fs::Metadata) -> bool| meta.as_ref().is_ok_and(f);
    use std::os::unix::fs::FileTypeExt;
    let ok = match kind {
        "DirectoryOrCreate" | "FileOrCreate" => true,
        "" => meta.is_ok(),
        "Directory" => is(|m| m.is_dir()),
        "File" => is(|m| m.is_file()),
        "Socket" => is(|m| m.file_type().is_socket()),
        "CharDevice" => is(|m| m.file_type().is_char_device()),
        "BlockDevice" => is(|m| m.file_type().is_block_device()),
        _ => false,
    };
    if !ok {
        let what = if kind.is_empty() { "a path" } else { kind };
        bail!("hostPath {path}: not found as {what} on this host");
    }
    Ok(())
}

fn make(store: &Store, m: &Manifest, o: &PlayOptions, made: &mut Played) -> Result<()> {
    for (name, labels) in &m.claims {
        claim(store, name, labels, made)?;
    }
    for p in &m.pods {
        // The pod's volumes: name in the spec → how a container mounts it.
        let mut sources: BTreeMap<&str, Mounted> = BTreeMap::new();
        for v in &p.volumes {
            let mounted = match &v.source {
                Source::Claim(c) => {
                    claim(store, c, &BTreeMap::new(), made)?;
                    Mounted::Volume(c.clone())
                }
                Source::HostPath { path, kind } => {
                    match kind.as_str() {
                        "DirectoryOrCreate" => {
                            crate::fsutil::create_dir_all(std::path::Path::new(path))
                                .with_context(|| format!("hostPath {path}: creating it"))?
                        }
                        "FileOrCreate" => {
                            std::fs::OpenOptions::new()
                                .create(true)
                                .append(true)
                                .open(path)
                                .with_context(|| format!("hostPath {path}: creating it"))?;
                        }
                        _ => {}
                    }
                    Mounted::Bind(PathBuf::from(path))
                }
                Source::EmptyDir => Mounted::Volume(pod_volume(store, p, &v.name, &[], made)?),
                Source::Files(files) => {
                    Mounted::Volume(pod_volume(store, p, &v.name, files, made)?)
                }
            };
            sources.insert(&v.name, mounted);
        }
        let pod = super::pod::create_in(store, &pod_options(p, o))
            .with_context(|| format!("{}: pod {}", p.origin, p.name))?;
        let mut played = PlayedPod {
            name: p.name.clone(),
            id: pod.id.clone(),
            init_containers: Vec::new(),
            containers: Vec::new(),
        };
        made.pods.push(played.clone());
        for (init, c) in p
            .init_containers
            .iter()
            .map(|c| (true, c))
            .chain(p.containers.iter().map(|c| (false, c)))
        {
            let at = || {
                format!(
                    "{}: {}: container {}",
                    p.origin,
                    c.field,
                    container_name(p, c)
                )
            };
            let opts = run_options(store, p, c, init, &sources, &pod.id, o).with_context(at)?;
            let (rec, _) = super::run::create(store, &opts).with_context(at)?;
            match init {
                true => played.init_containers.push(rec.id),
                false => played.containers.push(rec.id),
            }
            *made.pods.last_mut().expect("pushed above") = played.clone();
        }
    }
    Ok(())
}

/// How a container mounts one of the pod's volumes.
enum Mounted {
    Volume(String),
    Bind(PathBuf),
}

/// The volume of claim `name`, made if it is not there.
fn claim(
    store: &Store,
    name: &str,
    labels: &BTreeMap<String, String>,
    made: &mut Played,
) -> Result<()> {
    // A pod's own volume (its ConfigMap's files…) is no claim: a claim
    // of that name would mount it writable.
    if store
        .volume(name)?
        .is_some_and(|v| v.labels.contains_key(POD_LABEL))
    {
        bail!("PersistentVolumeClaim {name}: volume {name} is a pod's own (an emptyDir, ConfigMap or Secret of its)");
    }
    let mut labels = labels.clone();
    labels.insert(CLAIM_LABEL.into(), "true".into());
    let rec = volume_record(name, labels);
    let (_, new) = store
        .create_volume(&rec, true)
        .with_context(|| format!("PersistentVolumeClaim {name}: creating its volume"))?;
    if new {
        super::events::volume(store, "create", name);
        made.volumes.push(name.to_string());
    }
    Ok(())
}

fn volume_record(name: &str, labels: BTreeMap<String, String>) -> VolumeRecord {
    VolumeRecord {
        name: name.to_string(),
        driver: "local".into(),
        labels,
        options: BTreeMap::new(),
        created: crate::image::time::now_unix(),
        anonymous: false,
    }
}

/// The pod's own volume `volume`, with `files` in it; one left by a pod
/// of the same name that is gone is made again.
fn pod_volume(
    store: &Store,
    p: &PlayPod,
    volume: &str,
    files: &[(String, Vec<u8>, u32)],
    made: &mut Played,
) -> Result<String> {
    let name = own_volume(p, volume);
    if let Some(old) = store.volume(&name)? {
        if old.labels.get(POD_LABEL) != Some(&p.name) {
            bail!(
                "volume {name} already exists and is not pod {}'s: remove it or rename the pod",
                p.name
            );
        }
        // Left by a pod of this name that is gone (the caller checked
        // that none is there now), unless a container still uses it.
        let users: Vec<String> = store
            .all_containers()?
            .iter()
            .filter(|c| super::volume::volumes_of(store, c).contains(&name))
            .map(|c| c.name.clone())
            .collect();
        if !users.is_empty() {
            bail!(
                "volume {name} is in use by the containers {}",
                users.join(", ")
            );
        }
        store.remove_volume(&name)?;
    }
    let labels = BTreeMap::from([(POD_LABEL.to_string(), p.name.clone())]);
    store
        .create_volume(&volume_record(&name, labels), false)
        .with_context(|| format!("creating volume {name}"))?;
    made.volumes.push(name.clone());
    super::events::volume(store, "create", &name);
    let data = store.volume_dir(&name).join("_data");
    for (path, content, mode) in files {
        let file = data.join(path);
        if let Some(dir) = file.parent() {
            crate::fsutil::create_dir_all(dir)?;
        }
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(*mode)
            .open(&file)
            .with_context(|| format!("volume {name}: writing {path}"))?;
        std::io::Write::write_all(&mut f, content)
            .with_context(|| format!("volume {name}: writing {path}"))?;
        // The umask took bits the file asked for.
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(*mode))?;
    }
    Ok(name)
}

fn pod_options(p: &PlayPod, o: &PlayOptions) -> PodOptions {
    let mut publish = p.publish.clone();
    for flag in &o.publish {
        let key = container_port_of(flag);
        publish.retain(|given| container_port_of(given) != key);
        publish.push(flag.clone());
    }
    let mut share = super::pod::DEFAULT_SHARE.join(",");
    if p.share_pid {
        share.push_str(",pid");
    }
    PodOptions {
        command_line: o.command_line.clone(),
        name: Some(p.name.clone()),
        publish,
        networks: match p.host_network {
            true => vec!["host".into()],
            false => o.networks.clone(),
        },
        share: Some(share),
        labels: p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        hostname: (!p.host_network).then(|| p.hostname.clone()),
        add_hosts: p.add_hosts.clone(),
        dns: p.dns.clone(),
        dns_search: p.dns_search.clone(),
        dns_options: p.dns_options.clone(),
        ..Default::default()
    }
}

/// `CTRPORT/PROTO` of a `-p` value.
fn container_port_of(publish: &str) -> String {
    let (ports, proto) = publish.rsplit_once('/').unwrap_or((publish, "tcp"));
    let ctr = ports.rsplit(':').next().unwrap_or(ports);
    format!("{ctr}/{}", proto.to_ascii_lowercase())
}

fn run_options(
    store: &Store,
    p: &PlayPod,
    c: &PlayContainer,
    init: bool,
    sources: &BTreeMap<&str, Mounted>,
    pod_id: &str,
    o: &PlayOptions,
) -> Result<RunOptions> {
    let mut volumes = Vec::new();
    for m in &c.mounts {
        let ro = if m.read_only { ":ro" } else { "" };
        let source = sources
            .get(m.volume.as_str())
            .ok_or_else(|| anyhow!("no volume {:?} in the pod", m.volume))?;
        let spec = match (source, &m.sub_path) {
            // A volume mounted whole: Kubernetes copies nothing of the
            // image into it.
            (Mounted::Volume(name), None) => {
                format!("{name}:{}:nocopy{}", m.target, ro.replace(':', ","))
            }
            // A key (or directory) of the files berth wrote, which
            // containers cannot change (the reader allows no other).
            (Mounted::Volume(name), Some(sub)) => {
                let path = store.volume_dir(name).join("_data").join(sub);
                format!("{}:{}{ro}", path.display(), m.target)
            }
            (Mounted::Bind(path), sub) => {
                let path = match sub {
                    Some(s) => path.join(s),
                    None => path.clone(),
                };
                format!("{}:{}{ro}", path.display(), m.target)
            }
        };
        volumes.push(spec);
    }
    let mut labels: Vec<String> = c
        .resources
        .iter()
        .map(|(k, v)| format!("io.berth.kube.resources.{k}={v}"))
        .collect();
    labels.sort();
    // The liveness probe restarts (by killing, and the pod's restart
    // policy); a readiness probe alone only tells.
    let (probe, on_failure) = match (&c.liveness, &c.readiness) {
        (Some(l), _) => (Some(l), Some("kill")),
        (None, Some(r)) => (Some(r), None),
        (None, None) => (None, None),
    };
    let mut health = super::health::HealthFlags::default();
    let mut net_probe = None;
    if let (Some(probe), false) = (probe, init) {
        let (cmd, net) = health_of(probe);
        health = super::health::HealthFlags {
            cmd: Some(serde_json::to_string(&cmd)?),
            interval: Some(format!("{}s", probe.period_secs)),
            timeout: Some(format!("{}s", probe.timeout_secs)),
            retries: Some(probe.failure_threshold),
            start_period: Some(format!("{}s", probe.initial_delay_secs)),
            start_interval: Some(format!("{}s", probe.period_secs)),
            on_failure: on_failure.map(str::to_string),
            no_healthcheck: false,
        };
        net_probe = net;
    }
    let mut security_opt = Vec::new();
    if c.no_new_privileges {
        security_opt.push("no-new-privileges".to_string());
    }
    // `runAsGroup` alone: the image's user, in that group.
    let user = match c.user.as_deref().and_then(|u| u.strip_prefix(':')) {
        Some(group) => {
            let index = store.read_index()?;
            let image = store.resolve(&index, &c.image)?;
            let config = crate::image::config::ImageConfig::parse(&store.blob(&image.id)?)?;
            let own = config.config.user.unwrap_or_default();
            let uid = own
                .split(':')
                .next()
                .filter(|u| !u.is_empty())
                .unwrap_or("0");
            Some(format!("{uid}:{group}"))
        }
        None => c.user.clone(),
    };
    Ok(RunOptions {
        command_line: o.command_line.clone(),
        image: c.image.clone(),
        entrypoint: c.command.as_ref().map(serde_json::to_string).transpose()?,
        command: match (&c.command, &c.args) {
            (_, Some(a)) => a.clone(),
            _ => Vec::new(),
        },
        env: c.env.clone(),
        labels,
        workdir: c.working_dir.clone(),
        user,
        name: Some(container_name(p, c)),
        interactive: c.stdin,
        tty: c.tty,
        volumes,
        read_only: c.read_only_root,
        cap_add: c.cap_add.clone(),
        cap_drop: c.cap_drop.clone(),
        privileged: c.privileged,
        security_opt,
        restart: Some(match init {
            true => "no".to_string(),
            false => p.restart.clone(),
        }),
        health,
        net_probe,
        stop_timeout: p.stop_timeout,
        log_driver: o.log_driver.clone(),
        pod: Some(pod_id.to_string()),
        ..Default::default()
    })
}

/// The healthcheck of a probe: the command `inspect` shows (what a shell
/// in the container would run for it) and berth's own probe, for a
/// tcpSocket or httpGet one.
fn health_of(p: &PlayProbe) -> (Vec<String>, Option<NetProbe>) {
    match &p.action {
        ProbeAction::Exec(cmd) => (
            std::iter::once("CMD".to_string())
                .chain(cmd.iter().cloned())
                .collect(),
            None,
        ),
        ProbeAction::Tcp { host, port } => (
            vec!["CMD-SHELL".into(), format!("nc -z {host} {port}")],
            Some(NetProbe {
                host: host.clone(),
                port: *port,
                http_path: None,
                headers: Vec::new(),
            }),
        ),
        ProbeAction::Http {
            host,
            port,
            path,
            headers,
        } => (
            vec![
                "CMD-SHELL".into(),
                format!("wget -q -O /dev/null http://{host}:{port}{path}"),
            ],
            Some(NetProbe {
                host: host.clone(),
                port: *port,
                http_path: Some(path.clone()),
                headers: headers.clone(),
            }),
        ),
    }
}

/// Remove what a failed play made.
fn undo(store: &Store, paths: &StorePaths, made: &Played) {
    for p in made.pods.iter().rev() {
        let _ = super::pod::remove(paths, &p.id, true, Some(std::time::Duration::ZERO));
    }
    for v in made.volumes.iter().rev() {
        let _ = store.remove_volume(v);
    }
}

/// What `kube play --down` removed.
#[derive(Debug, Default)]
pub struct Downed {
    /// Ids of the pods stopped and removed.
    pub pods: Vec<String>,
    pub volumes: Vec<String>,
}

/// `kube play --down`: remove the manifest's pods (stopped first) with
/// their own volumes; the claims' volumes too with `claims`.
pub fn down(paths: &StorePaths, m: &Manifest, claims: bool) -> Result<Downed> {
    let mut out = Downed::default();
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(out);
    };
    for p in &m.pods {
        let Some(pod) = store.pods()?.into_iter().find(|q| q.name == p.name) else {
            continue;
        };
        super::pod::stop(paths, &pod.id, None)?;
        super::pod::remove(paths, &pod.id, true, None)?;
        out.pods.push(pod.id);
    }
    let names: Vec<&str> = m.pods.iter().map(|p| p.name.as_str()).collect();
    let mut doomed: Vec<String> = store
        .volumes()?
        .into_iter()
        .filter(|v| {
            v.labels
                .get(POD_LABEL)
                .is_some_and(|p| names.contains(&p.as_str()))
        })
        .map(|v| v.name)
        .collect();
    if claims {
        let mut all: Vec<&str> = m.claims.iter().map(|(n, _)| n.as_str()).collect();
        for p in &m.pods {
            for v in &p.volumes {
                if let Source::Claim(c) = &v.source {
                    all.push(c);
                }
            }
        }
        for c in all {
            if store.volume(c)?.is_some() && !doomed.iter().any(|d| d == c) {
                doomed.push(c.to_string());
            }
        }
    }
    out.volumes = super::volume::remove(paths, &doomed, false)?;
    Ok(out)
}
