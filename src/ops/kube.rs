//! `kube generate`: Kubernetes YAML of pods and containers, from their
//! records ([`crate::kube`] writes it). A pod's containers but its infra
//! container become the Pod's containers; a container alone becomes a
//! Pod of its own, named `<container>-pod` (as Podman names it).

use super::containers::spec_of;
use crate::image::config::{ImageConfig, RunConfig};
use crate::kube::{ContainerDesc, HealthDesc, MountDesc, MountSource, PodDesc, PortDesc};
use crate::runtime::spec::{Mount, Network, Spec};
use crate::store::containers::{ContainerRecord, RestartPolicy};
use crate::store::{Store, StorePaths};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;

pub use crate::kube::Kind;

/// `kube generate NAME…`: pods or containers (names or ids), as `kind`,
/// with a Service of the published ports (`service`).
pub fn generate(paths: &StorePaths, names: &[String], kind: Kind, service: bool) -> Result<String> {
    let store = Store::open(paths)?;
    let mut pods = Vec::new();
    for name in names {
        // A name first, pod or container; then an id or its prefix.
        let exact_container = store
            .containers()?
            .into_iter()
            .any(|c| c.name == *name || c.id == *name);
        let pod = match store
            .pods()?
            .into_iter()
            .find(|p| p.name == *name || p.id == *name)
        {
            Some(p) => Ok(p),
            None if exact_container => Err(anyhow::anyhow!("a container")),
            None => store.find_pod(name),
        };
        pods.push(match pod {
            Ok(pod) => {
                let members: Vec<ContainerRecord> = {
                    let mut all: Vec<ContainerRecord> = store
                        .containers()?
                        .into_iter()
                        .filter(|c| {
                            c.pod.as_deref() == Some(pod.id.as_str())
                                && pod.infra.as_deref() != Some(c.id.as_str())
                        })
                        .collect();
                    all.sort_by_key(|c| (c.created, c.created_nanos));
                    all
                };
                if members.is_empty() {
                    bail!(
                        "pod {}: it has no container but its infra container",
                        pod.name
                    );
                }
                let infra = match &pod.infra {
                    Some(id) => Some(store.read_container(id)?),
                    None => None,
                };
                let mut desc = pod_of(&store, &pod.name, infra.as_ref(), &members)?;
                desc.hostname = Some(pod.hostname.clone());
                desc.share_pid = pod.shares("pid");
                desc.labels = pod.labels.clone();
                desc
            }
            Err(_) => {
                let rec = store.find_container(name).with_context(|| {
                    format!("kube generate: no pod or container with name or ID {name:?}")
                })?;
                let mut desc = pod_of(
                    &store,
                    &format!("{}-pod", rec.name),
                    None,
                    std::slice::from_ref(&rec),
                )?;
                let spec = spec_of(&rec)?;
                if spec.uts.is_private() {
                    desc.hostname = Some(spec.hostname.clone());
                }
                desc
            }
        });
    }
    Ok(crate::kube::generate(
        &pods,
        kind,
        service,
        env!("CARGO_PKG_VERSION"),
    ))
}

/// The pod of `members`, whose network (ports, hosts, DNS) is the infra
/// container's when there is one, else the first member's.
fn pod_of(
    store: &Store,
    name: &str,
    infra: Option<&ContainerRecord>,
    members: &[ContainerRecord],
) -> Result<PodDesc> {
    let net_owner = infra.unwrap_or(&members[0]);
    let net_spec = spec_of(net_owner)?;
    let flags = &net_owner.flags;
    let mut host_aliases: Vec<(String, Vec<String>)> = Vec::new();
    for h in &flags.add_hosts {
        // `host-gateway` is berth's word, not an address Kubernetes takes.
        let parsed = h
            .split_once(':')
            .filter(|(_, ip)| ip.parse::<std::net::IpAddr>().is_ok());
        if let Some((host, ip)) = parsed {
            match host_aliases.iter_mut().find(|(i, _)| i == ip) {
                Some((_, names)) => names.push(host.to_string()),
                None => host_aliases.push((ip.to_string(), vec![host.to_string()])),
            }
        }
    }
    let mut containers = Vec::new();
    for (k, rec) in members.iter().enumerate() {
        let mut c = container_of(store, rec)?;
        // The pod's published ports, on its first container.
        if k == 0 {
            c.ports = net_spec
                .ports
                .iter()
                .map(|p| PortDesc {
                    container: p.container_port,
                    host: p.host_port,
                    host_ip: p.host_ip.clone(),
                    protocol: p.protocol.clone(),
                })
                .collect();
        }
        containers.push(c);
    }
    Ok(PodDesc {
        name: name.to_string(),
        hostname: None,
        labels: BTreeMap::new(),
        host_network: net_spec.network == Network::Host,
        share_pid: false,
        restart_policy: match members[0].restart {
            RestartPolicy::No => "Never",
            RestartPolicy::OnFailure { .. } => "OnFailure",
            _ => "Always",
        }
        .to_string(),
        host_aliases,
        dns: flags.dns.clone(),
        dns_search: flags.dns_search.clone(),
        dns_options: flags.dns_options.clone(),
        containers,
    })
}

/// What Kubernetes is told of container `rec`: what it changed of its
/// image's configuration, its mounts and its security settings.
fn container_of(store: &Store, rec: &ContainerRecord) -> Result<ContainerDesc> {
    let spec: Spec = spec_of(rec)?;
    let image = match &rec.image {
        Some(id) => {
            ImageConfig::parse(&store.blob(id)?)
                .with_context(|| format!("container {}: its image {}", rec.name, id.short()))?
                .config
        }
        None => bail!("container {}: it has no image (--rootfs) to name", rec.name),
    };
    let own = rec.run_config.clone().unwrap_or_else(|| image.clone());
    let (command, args) = command_and_args(&image, &own);
    let image_env = image.env.clone().unwrap_or_default();
    let env = own
        .env
        .iter()
        .flatten()
        .filter(|e| !image_env.contains(e))
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let working_dir = own
        .working_dir
        .clone()
        .filter(|w| !w.is_empty() && Some(w) != image.working_dir.as_ref());
    let (run_as_user, run_as_group) = numeric_user(own.user.as_deref().unwrap_or_default());
    let image_labels = image.labels.clone().unwrap_or_default();
    let labels = own
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| image_labels.get(k) != Some(v))
        .collect();
    let containers_dir = store.containers_dir();
    let mut mounts = Vec::new();
    for m in &spec.mounts {
        let (target, read_only, source) = match m {
            Mount::Volume {
                name,
                target,
                read_only,
                ..
            } => {
                let anonymous = store
                    .volume(name)
                    .ok()
                    .flatten()
                    .is_some_and(|v| v.anonymous);
                let source = match anonymous {
                    true => MountSource::Empty { memory: false },
                    false => MountSource::Volume(name.clone()),
                };
                (target, *read_only, source)
            }
            // berth's own files (hosts, resolv.conf, .containerenv, its
            // own or its pod's) are not the user's mounts.
            Mount::Bind { source, .. } if source.starts_with(&containers_dir) => continue,
            Mount::Bind {
                source,
                target,
                read_only,
                ..
            } => {
                let dir = source.is_dir();
                (
                    target,
                    *read_only,
                    MountSource::HostPath {
                        path: source.display().to_string(),
                        dir,
                    },
                )
            }
            Mount::Tmpfs { target, .. } => (target, false, MountSource::Empty { memory: true }),
            _ => continue,
        };
        mounts.push(MountDesc {
            target: target.clone(),
            read_only,
            source,
        });
    }
    let cap = |c: &String| {
        let c = c.to_ascii_uppercase();
        c.strip_prefix("CAP_").unwrap_or(&c).to_string()
    };
    Ok(ContainerDesc {
        name: rec.name.clone(),
        image: rec.image_name.clone(),
        command,
        args,
        env,
        working_dir,
        ports: Vec::new(),
        mounts,
        run_as_user,
        run_as_group,
        privileged: spec.process.seccomp == crate::runtime::spec::Seccomp::Unconfined
            && !spec.mask_paths,
        read_only_root: spec.read_only,
        cap_add: rec.flags.cap_add.iter().map(cap).collect(),
        cap_drop: rec.flags.cap_drop.iter().map(cap).collect(),
        no_new_privileges: rec
            .flags
            .security_opt
            .iter()
            .any(|s| s == "no-new-privileges" || s == "no-new-privileges=true"),
        labels,
        healthcheck: own.healthcheck.as_ref().and_then(health).map(|mut h| {
            // `kube play`'s tcpSocket and httpGet probes, as they were.
            h.net = rec
                .net_probe
                .as_ref()
                .map(|p| (p.host.clone(), p.port, p.http_path.clone()));
            h
        }),
        init: false,
    })
}

/// Kubernetes' `command` replaces the image's entrypoint and drops its
/// command; `args` replaces the command. Each is given only when the
/// container's differs from the image's.
fn command_and_args(
    image: &RunConfig,
    own: &RunConfig,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    if own.entrypoint != image.entrypoint {
        let entrypoint = own.entrypoint.clone().unwrap_or_default();
        // `--entrypoint ""`: an empty command would be Kubernetes' "the
        // image's": the command is the whole program then.
        if entrypoint.is_empty() {
            return (own.cmd.clone().filter(|c| !c.is_empty()), None);
        }
        return (Some(entrypoint), own.cmd.clone().filter(|c| !c.is_empty()));
    }
    if own.cmd != image.cmd {
        return (None, Some(own.cmd.clone().unwrap_or_default()));
    }
    (None, None)
}

/// `-u UID[:GID]` as numbers; a name means nothing to Kubernetes.
fn numeric_user(user: &str) -> (Option<i64>, Option<i64>) {
    let (u, g) = user.split_once(':').unwrap_or((user, ""));
    (u.parse().ok(), g.parse().ok())
}

/// A Docker healthcheck (`Test`, `Interval` … in nanoseconds) as an exec
/// probe.
fn health(h: &serde_json::Value) -> Option<HealthDesc> {
    let test: Vec<String> = h["Test"]
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let command = match test.split_first() {
        Some((kind, rest)) if kind == "CMD" && !rest.is_empty() => rest.to_vec(),
        Some((kind, [script])) if kind == "CMD-SHELL" => {
            vec!["/bin/sh".into(), "-c".into(), script.clone()]
        }
        _ => return None,
    };
    let secs = |k: &str| h[k].as_u64().unwrap_or(0) / 1_000_000_000;
    Some(HealthDesc {
        command,
        net: None,
        interval_secs: secs("Interval"),
        timeout_secs: secs("Timeout"),
        start_period_secs: secs("StartPeriod"),
        retries: h["Retries"].as_u64().unwrap_or(0) as u32,
    })
}
