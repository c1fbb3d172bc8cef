//! Kubernetes YAML: the objects berth writes (`kube generate`) and, in
//! time, reads (`kube play`), as Kubernetes' API defines them (core/v1
//! Pod, Service, PersistentVolumeClaim; apps/v1 Deployment). Pure: it
//! turns a neutral description of pods ([`PodDesc`], which `ops` fills
//! from berth's records) into YAML documents, and knows nothing of the
//! store or the runtime.

mod model;

pub use model::*;
use std::collections::BTreeMap;

/// A pod as berth has it: a pod of its own, or one container alone.
#[derive(Debug, Clone, Default)]
pub struct PodDesc {
    pub name: String,
    /// Its hostname, when it is not the pod's name.
    pub hostname: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `--network host`.
    pub host_network: bool,
    /// The members share a pid namespace (`--share pid`).
    pub share_pid: bool,
    /// The containers' restart policy, in Kubernetes' words (`Always`,
    /// `OnFailure`, `Never`).
    pub restart_policy: String,
    /// `/etc/hosts` lines it adds (`--add-host`): (IP, names).
    pub host_aliases: Vec<(String, Vec<String>)>,
    /// `--dns`, `--dns-search`, `--dns-option`.
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    pub containers: Vec<ContainerDesc>,
}

/// One container of a pod.
#[derive(Debug, Clone, Default)]
pub struct ContainerDesc {
    pub name: String,
    pub image: String,
    /// The entrypoint, when it is not the image's (Kubernetes' `command`).
    pub command: Option<Vec<String>>,
    /// The command after it, when Kubernetes must be told
    /// (Kubernetes' `args`).
    pub args: Option<Vec<String>>,
    /// What the container's environment adds to the image's.
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub ports: Vec<PortDesc>,
    pub mounts: Vec<MountDesc>,
    /// `-u`: numeric ids only (a name means nothing to Kubernetes).
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub privileged: bool,
    pub read_only_root: bool,
    /// Capability names without `CAP_`, upper case.
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub no_new_privileges: bool,
    /// Its labels, kept as the pod's annotations `KEY/CONTAINER`.
    pub labels: BTreeMap<String, String>,
    pub healthcheck: Option<HealthDesc>,
    /// Runs to completion before the others start (`kube play`'s
    /// initContainers, kept as such).
    pub init: bool,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortDesc {
    pub container: u16,
    /// 0: none.
    pub host: u16,
    /// Empty: every address.
    pub host_ip: String,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// A mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountDesc {
    pub target: String,
    pub read_only: bool,
    pub source: MountSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// A named volume: a PersistentVolumeClaim of that name.
    Volume(String),
    /// A directory or file of the host.
    HostPath { path: String, dir: bool },
    /// A tmpfs, or an anonymous volume: an emptyDir (in memory for a
    /// tmpfs).
    Empty { memory: bool },
}

/// A healthcheck: an exec liveness probe.
#[derive(Debug, Clone, Default)]
pub struct HealthDesc {
    pub command: Vec<String>,
    /// berth's own probe instead of the command: (host, port, HTTP path;
    /// none for a TCP connection).
    pub net: Option<(String, u16, Option<String>)>,
    pub interval_secs: u64,
    pub timeout_secs: u64,
    pub start_period_secs: u64,
    pub retries: u32,
}

/// What `kube generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pod,
    Deployment,
}

/// A name Kubernetes takes for an object or a container (an RFC 1123
/// label: lower case letters, digits and `-`, at most 63, alphanumeric at
/// both ends), made from a berth name.
pub fn dns_label(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    out.truncate(63);
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "berth".into()
    } else {
        out
    }
}

/// Whether `key` is a valid Kubernetes label or annotation key: an
/// optional DNS subdomain prefix and `/`, then a name of at most 63
/// characters, alphanumeric at both ends, with `-`, `_` and `.` inside.
pub fn valid_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
    });
    name_ok && prefix_ok
}

/// Whether `value` is a valid label value: empty, or at most 63
/// characters, alphanumeric at both ends, with `-`, `_` and `.` inside.
pub fn valid_label_value(value: &str) -> bool {
    value.is_empty()
        || value.len() <= 63
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `base` as a DNS label of at most 63 characters with `suffix` after
/// it, not one of `taken` (a number before the suffix tells two apart).
fn unique_label(base: &str, suffix: &str, taken: &[String]) -> String {
    let base = dns_label(base);
    for n in 1.. {
        let tail = match n {
            1 => suffix.to_string(),
            n => format!("-{n}{suffix}"),
        };
        let mut head = base.clone();
        head.truncate(63 - tail.len());
        let candidate = format!("{}{tail}", head.trim_end_matches('-'));
        if !taken.contains(&candidate) {
            return candidate;
        }
    }
    unreachable!("an unbounded range")
}

fn escape_dollars(args: &[String]) -> Vec<String> {
    args.iter().map(|a| a.replace('$', "$$")).collect()
}

/// The pod's spec and metadata as Kubernetes has them; the claims of
/// named volumes are in `claims`: (volume, claim name), shared by the
/// pods of one file.
fn pod_parts(p: &PodDesc, claims: &mut Vec<(String, String)>) -> (ObjectMeta, PodSpec) {
    let name = dns_label(&p.name);
    let mut labels = BTreeMap::new();
    for (k, v) in &p.labels {
        if valid_key(k) && valid_label_value(v) {
            labels.insert(k.clone(), v.clone());
        }
    }
    // The Service and the Deployment select the pod by it.
    labels.insert("app".to_string(), name.clone());
    let mut names: Vec<String> = Vec::new();
    let mut annotations = BTreeMap::new();
    let mut volumes: Vec<Volume> = Vec::new();
    let mut containers = Vec::new();
    let mut init_containers = Vec::new();
    for c in &p.containers {
        let cname = unique_label(&c.name, "", &names);
        names.push(cname.clone());
        for (k, v) in &c.labels {
            let key = format!("{k}/{cname}");
            if valid_key(&key) {
                annotations.insert(key, v.clone());
            }
        }
        let mut mounts = Vec::new();
        for m in &c.mounts {
            let taken: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
            let volume = match &m.source {
                MountSource::Volume(v) => {
                    let claim = match claims.iter().find(|(vol, _)| vol == v) {
                        Some((_, claim)) => claim.clone(),
                        None => {
                            let used: Vec<String> = claims.iter().map(|(_, c)| c.clone()).collect();
                            let claim = unique_label(v, "", &used);
                            claims.push((v.clone(), claim.clone()));
                            claim
                        }
                    };
                    Volume {
                        name: unique_label(&claim, "-pvc", &taken),
                        persistent_volume_claim: Some(ClaimSource {
                            claim_name: claim,
                            read_only: None,
                        }),
                        ..Default::default()
                    }
                }
                MountSource::HostPath { path, dir } => Volume {
                    name: unique_label(path, "-host", &taken),
                    host_path: Some(HostPathSource {
                        path: path.clone(),
                        // A file may be a socket or a device: no type.
                        type_: dir.then(|| "Directory".to_string()),
                    }),
                    ..Default::default()
                },
                MountSource::Empty { memory } => Volume {
                    name: unique_label(&m.target, "-empty", &taken),
                    empty_dir: Some(EmptyDirSource {
                        medium: memory.then(|| "Memory".to_string()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            };
            // One volume for one claim, however many containers mount it.
            let name = match volumes.iter().find(|v| {
                v.persistent_volume_claim.is_some()
                    && v.persistent_volume_claim == volume.persistent_volume_claim
            }) {
                Some(v) => v.name.clone(),
                None => {
                    let n = volume.name.clone();
                    volumes.push(volume);
                    n
                }
            };
            mounts.push(VolumeMount {
                name,
                mount_path: m.target.clone(),
                read_only: m.read_only.then_some(true),
                ..Default::default()
            });
        }
        let caps = (!c.cap_add.is_empty() || !c.cap_drop.is_empty()).then(|| Capabilities {
            add: c.cap_add.clone(),
            drop: c.cap_drop.clone(),
        });
        let security = SecurityContext {
            run_as_user: c.run_as_user,
            run_as_group: c.run_as_group,
            privileged: c.privileged.then_some(true),
            read_only_root_filesystem: c.read_only_root.then_some(true),
            allow_privilege_escalation: c.no_new_privileges.then_some(false),
            capabilities: caps,
        };
        let probe = c.healthcheck.as_ref().map(|h| Probe {
            exec: h.net.is_none().then(|| ExecAction {
                command: h.command.clone(),
            }),
            http_get: h.net.as_ref().and_then(|(host, port, path)| {
                Some(HttpGetAction {
                    path: Some(path.clone()?),
                    port: IntOrString::Int(i64::from(*port)),
                    host: Some(host.clone()).filter(|h| h != "127.0.0.1"),
                    ..Default::default()
                })
            }),
            tcp_socket: h.net.as_ref().and_then(|(host, port, path)| {
                path.is_none().then(|| TcpSocketAction {
                    port: IntOrString::Int(i64::from(*port)),
                    host: Some(host.clone()).filter(|h| h != "127.0.0.1"),
                })
            }),
            period_seconds: (h.interval_secs > 0).then_some(h.interval_secs as i64),
            timeout_seconds: (h.timeout_secs > 0).then_some(h.timeout_secs as i64),
            initial_delay_seconds: (h.start_period_secs > 0).then_some(h.start_period_secs as i64),
            failure_threshold: (h.retries > 0).then_some(h.retries as i64),
            ..Default::default()
        });
        let container = Container {
            name: cname,
            image: c.image.clone(),
            // Kubernetes reads `$(NAME)` and `$$` in these: a `$` of
            // the container's own is written `$$`.
            command: c.command.as_ref().map(|a| escape_dollars(a)),
            args: c.args.as_ref().map(|a| escape_dollars(a)),
            env: c
                .env
                .iter()
                .map(|(k, v)| EnvVar {
                    name: k.clone(),
                    value: Some(v.replace('$', "$$")),
                    ..Default::default()
                })
                .collect(),
            working_dir: c.working_dir.clone(),
            ports: c
                .ports
                .iter()
                .map(|p| ContainerPort {
                    container_port: i64::from(p.container),
                    host_port: (p.host > 0).then_some(i64::from(p.host)),
                    host_ip: Some(p.host_ip.clone()).filter(|ip| !ip.is_empty()),
                    protocol: Some(p.protocol.to_ascii_uppercase()),
                    ..Default::default()
                })
                .collect(),
            volume_mounts: mounts,
            security_context: (security != SecurityContext::default()).then_some(security),
            liveness_probe: probe,
            ..Default::default()
        };
        if c.init {
            init_containers.push(container);
        } else {
            containers.push(container);
        }
    }
    let dns_config = (!(p.dns.is_empty() && p.dns_search.is_empty() && p.dns_options.is_empty()))
        .then(|| PodDnsConfig {
            nameservers: p.dns.clone(),
            searches: p.dns_search.clone(),
            options: p
                .dns_options
                .iter()
                .map(|o| {
                    let (name, value) = match o.split_once(':') {
                        Some((n, v)) => (n.to_string(), Some(v.to_string())),
                        None => (o.clone(), None),
                    };
                    DnsOption { name, value }
                })
                .collect(),
        });
    let meta = ObjectMeta {
        name: Some(name.clone()),
        labels,
        annotations,
        ..Default::default()
    };
    let spec = PodSpec {
        containers,
        init_containers,
        volumes,
        restart_policy: Some(p.restart_policy.clone()),
        hostname: p
            .hostname
            .as_ref()
            .filter(|h| **h != name)
            .map(|h| dns_label(h)),
        host_network: p.host_network.then_some(true),
        share_process_namespace: p.share_pid.then_some(true),
        host_aliases: p
            .host_aliases
            .iter()
            .map(|(ip, names)| HostAlias {
                ip: ip.clone(),
                hostnames: names.clone(),
            })
            .collect(),
        // `None`: only the servers given (Kubernetes wants one then).
        dns_policy: (!p.dns.is_empty()).then(|| "None".to_string()),
        dns_config,
        ..Default::default()
    };
    (meta, spec)
}

/// `kube generate`: the pods as `kind`, with a Service for each pod's
/// published ports (`service`) and a PersistentVolumeClaim for each named
/// volume; YAML documents after a comment saying what made them.
pub fn generate(pods: &[PodDesc], kind: Kind, service: bool, version: &str) -> String {
    let mut docs: Vec<String> = Vec::new();
    let mut claims = Vec::new();
    let mut services = Vec::new();
    for p in pods {
        let (meta, mut spec) = pod_parts(p, &mut claims);
        let name = meta.name.clone().unwrap_or_default();
        let mut seen = Vec::new();
        let ports: Vec<ServicePort> = spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            // One Service port per container port (published twice, it
            // is still one port of the pod).
            .filter(|port| {
                let key = (port.container_port, port.protocol.clone());
                let new = !seen.contains(&key);
                seen.push(key);
                new
            })
            .map(|port| {
                let proto = port.protocol.clone().unwrap_or_else(|| "TCP".into());
                ServicePort {
                    name: Some(format!(
                        "{}-{}",
                        port.container_port,
                        proto.to_ascii_lowercase()
                    )),
                    port: port.container_port,
                    target_port: Some(port.container_port),
                    protocol: Some(proto),
                }
            })
            .collect();
        if service && !ports.is_empty() {
            services.push(Object::service(&name, ports));
        }
        docs.push(match kind {
            Kind::Pod => Object::pod(meta, spec).to_yaml(),
            Kind::Deployment => {
                // A Deployment's pods always restart.
                spec.restart_policy = Some("Always".into());
                Object::deployment(meta, spec).to_yaml()
            }
        });
    }
    for (_, claim) in &claims {
        docs.push(Object::claim(claim).to_yaml());
    }
    for s in services {
        docs.push(s.to_yaml());
    }
    format!(
        "# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n\
         #\n# Created with berth {version}\n{}",
        docs.join("---\n")
    )
}

pub mod play;

#[cfg(test)]
mod tests;
