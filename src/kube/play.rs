//! `kube play`'s reading of Kubernetes YAML: the documents of a file
//! checked and resolved into pods berth can make ([`Manifest`]), with
//! ConfigMaps and Secrets looked up and decoded, and a warning for each
//! kind and field berth does not play. Nothing here touches the store.
//!
//! An error names the file, the document (counted from 1) and the field
//! path (`spec.containers[0].name`), in one line.

use super::model::*;
use anyhow::{anyhow, bail, Result};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What the file asks for.
#[derive(Debug, Default)]
pub struct Manifest {
    pub pods: Vec<PlayPod>,
    /// PersistentVolumeClaims: (name, labels); each is a named volume.
    pub claims: Vec<(String, BTreeMap<String, String>)>,
    /// One line each, naming the document and the field.
    pub warnings: Vec<String>,
}

/// One pod to make (a Pod, or one replica of a Deployment).
#[derive(Debug, Default, Clone)]
pub struct PlayPod {
    pub name: String,
    /// Where the file says it, for messages: `FILE: document N (Pod X)`.
    pub origin: String,
    pub labels: BTreeMap<String, String>,
    /// The pod's hostname: `spec.hostname`, else its name.
    pub hostname: String,
    pub host_network: bool,
    pub share_pid: bool,
    /// `always`, `on-failure` or `no` (berth's words).
    pub restart: String,
    /// `NAME:IP` each.
    pub add_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    /// `NAME[:VALUE]` each.
    pub dns_options: Vec<String>,
    /// `[IP:]HOSTPORT:CTRPORT/PROTO`, from the containers' `hostPort`s.
    pub publish: Vec<String>,
    pub volumes: Vec<PlayVolume>,
    pub init_containers: Vec<PlayContainer>,
    pub containers: Vec<PlayContainer>,
    /// `terminationGracePeriodSeconds`.
    pub stop_timeout: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct PlayVolume {
    /// Its name in the pod's spec.
    pub name: String,
    pub source: Source,
    /// Mounted read-only by every container: a ConfigMap's or Secret's
    /// files (as Kubernetes mounts them), a claim given `readOnly`.
    pub read_only: bool,
}

/// Where a pod's volume comes from.
#[derive(Clone, PartialEq)]
pub enum Source {
    /// A PersistentVolumeClaim: the named volume of the claim's name.
    Claim(String),
    /// A host path, with Kubernetes' `type` (`DirectoryOrCreate` …).
    HostPath { path: String, kind: String },
    /// An emptyDir: the pod's own volume, empty when the pod is made.
    EmptyDir,
    /// A ConfigMap's or Secret's keys as files: (path, content, mode).
    Files(Vec<(String, Vec<u8>, u32)>),
}

// A Secret's content never reaches a log line or an error message.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Claim(c) => write!(f, "Claim({c:?})"),
            Source::HostPath { path, kind } => write!(f, "HostPath({path:?}, {kind:?})"),
            Source::EmptyDir => f.write_str("EmptyDir"),
            Source::Files(files) => write!(f, "Files({} files)", files.len()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlayMount {
    /// The pod's volume, by its name in the spec.
    pub volume: String,
    pub target: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
}

/// `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pull {
    /// `IfNotPresent` (berth's default: images are local first).
    #[default]
    Missing,
    Always,
    Never,
}

#[derive(Clone, Default)]
pub struct PlayContainer {
    pub name: String,
    /// Its field path in the document (`spec.containers[1]`).
    pub field: String,
    pub image: String,
    pub pull: Pull,
    /// `command`: replaces the image's entrypoint (and drops its cmd).
    pub command: Option<Vec<String>>,
    /// `args`: replaces the image's cmd.
    pub args: Option<Vec<String>>,
    /// `KEY=VALUE` each, ConfigMaps and Secrets resolved.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    /// `UID[:GID]`.
    pub user: Option<String>,
    pub privileged: bool,
    pub read_only_root: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub no_new_privileges: bool,
    pub mounts: Vec<PlayMount>,
    pub liveness: Option<PlayProbe>,
    pub readiness: Option<PlayProbe>,
    /// `limits.memory` → `128Mi` …, as given.
    pub resources: BTreeMap<String, String>,
    pub tty: bool,
    pub stdin: bool,
}

// The environment may hold a Secret's values.
impl std::fmt::Debug for PlayContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayContainer")
            .field("name", &self.name)
            .field("image", &self.image)
            .field("env", &format_args!("{} variables", self.env.len()))
            .finish_non_exhaustive()
    }
}

/// A liveness or readiness probe.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayProbe {
    pub action: ProbeAction,
    pub initial_delay_secs: u64,
    pub period_secs: u64,
    pub timeout_secs: u64,
    pub failure_threshold: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeAction {
    Exec(Vec<String>),
    Tcp {
        host: String,
        port: u16,
    },
    Http {
        host: String,
        port: u16,
        path: String,
        headers: Vec<(String, String)>,
    },
}

/// How much of the file to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything: ConfigMaps and Secrets must be there.
    Play,
    /// Only the names of what the file makes (`--down`).
    Down,
}

/// A ConfigMap or Secret: its keys and their contents.
struct Data {
    values: BTreeMap<String, Vec<u8>>,
}

/// One document's place, for messages: the file, its index from 1, its
/// kind and name.
struct At<'a> {
    file: &'a str,
    index: usize,
    kind: String,
    name: String,
}

impl At<'_> {
    fn err(&self, field: &str, what: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: {field}: {what}", self)
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: document {}", self.file, self.index)?;
        match (self.kind.is_empty(), self.name.is_empty()) {
            (false, false) => write!(f, " ({} {})", self.kind, self.name),
            (false, true) => write!(f, " ({})", self.kind),
            _ => Ok(()),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PodDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: ObjectMeta,
    spec: PodSpec,
    /// What a cluster reports; read and left alone.
    #[allow(dead_code)]
    status: Option<serde_yaml_ng::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DeploymentDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: ObjectMeta,
    spec: DeploymentDocSpec,
    #[allow(dead_code)]
    status: Option<serde_yaml_ng::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DeploymentDocSpec {
    replicas: Option<i64>,
    #[allow(dead_code)]
    selector: LabelSelector,
    template: PodTemplate,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DataDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: ObjectMeta,
    /// Read by [`strings`], whose errors never quote a value (a
    /// Secret's).
    data: serde_yaml_ng::Value,
    binary_data: serde_yaml_ng::Value,
    string_data: serde_yaml_ng::Value,
    #[allow(dead_code)]
    #[serde(rename = "type")]
    type_: Option<String>,
    #[allow(dead_code)]
    immutable: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ClaimDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: ObjectMeta,
    #[allow(dead_code)]
    spec: ClaimSpec,
    #[allow(dead_code)]
    status: Option<serde_yaml_ng::Value>,
}

/// A field path as Kubernetes writes one: `spec.containers[0].name`.
fn ignored_path(p: &serde_ignored::Path) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => match ignored_path(parent) {
            s if s.is_empty() => key.clone(),
            s => format!("{s}.{key}"),
        },
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// Read document `value` as `T`; a field berth does not know is a
/// warning, a field of the wrong type an error naming it.
fn read<T: DeserializeOwned>(
    value: serde_yaml_ng::Value,
    at: &At,
    warnings: &mut Vec<String>,
) -> Result<T> {
    let mut unknown = Vec::new();
    let mut note = |p: serde_ignored::Path| unknown.push(ignored_path(&p));
    let de = serde_ignored::Deserializer::new(value, &mut note);
    let read: std::result::Result<T, _> = serde_path_to_error::deserialize(de);
    let doc = read.map_err(|e| {
        let path = e.path().to_string();
        at.err(&path, e.into_inner())
    })?;
    for field in unknown {
        warnings.push(format!(
            "{at}: {field}: not played (berth does not know this field)"
        ));
    }
    Ok(doc)
}

/// The documents of `text` (empty ones left out), each with its index
/// from 1; invalid YAML is an error naming the file and the line.
fn documents(file: &str, text: &str) -> Result<Vec<(usize, serde_yaml_ng::Value)>> {
    let mut out = Vec::new();
    for (i, de) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml_ng::Value::deserialize(de)
            .map_err(|e| anyhow!("{file}: document {}: invalid YAML: {e}", i + 1))?;
        if !value.is_null() {
            out.push((i + 1, value));
        }
    }
    Ok(out)
}

/// An RFC 1123 subdomain, as Kubernetes names pods and other objects.
pub fn valid_object_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// An RFC 1123 label, as Kubernetes names containers, volumes and ports.
pub fn valid_label(name: &str) -> bool {
    name.len() <= 63 && !name.contains('.') && valid_object_name(name)
}

/// Read `file` (its text) and the ConfigMap files of `--configmap`
/// ((name, text) each) into the pods to make.
pub fn read_manifest(
    file: &str,
    text: &str,
    configmap_files: &[(String, String)],
    mode: Mode,
) -> Result<Manifest> {
    let mut m = Manifest::default();
    let mut maps: BTreeMap<String, Data> = BTreeMap::new();
    let mut secrets: BTreeMap<String, Data> = BTreeMap::new();
    // Pods are resolved once every ConfigMap and Secret is known: a
    // document may use one that a later one defines.
    let mut pods: Vec<(At, ObjectMeta, PodSpec, usize)> = Vec::new();
    let mut seen_kinds: Vec<String> = Vec::new();
    let mut sources: Vec<(&str, &str)> = vec![(file, text)];
    sources.extend(
        configmap_files
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str())),
    );
    for (n, (file, text)) in sources.into_iter().enumerate() {
        let extra = n > 0;
        let docs = documents(file, text)?;
        if docs.is_empty() {
            bail!("{file}: no Kubernetes object in it");
        }
        for (index, value) in docs {
            let mut at = At {
                file,
                index,
                kind: String::new(),
                name: String::new(),
            };
            if !value.is_mapping() {
                bail!("{at}: not a mapping of fields (apiVersion, kind, metadata …)");
            }
            let kind = match value.get("kind") {
                Some(serde_yaml_ng::Value::String(k)) if !k.is_empty() => k.clone(),
                Some(_) => return Err(at.err("kind", "not a string")),
                None => return Err(at.err("kind", "missing: every object names its kind")),
            };
            at.kind = kind.clone();
            if let Some(serde_yaml_ng::Value::String(name)) =
                value.get("metadata").and_then(|md| md.get("name"))
            {
                at.name = name.clone();
            }
            if extra && kind != "ConfigMap" {
                bail!("{at}: kind: --configmap files hold ConfigMaps only");
            }
            let named = |at: &At, meta: &ObjectMeta| -> Result<String> {
                match meta.name.as_deref() {
                    None | Some("") => Err(at.err("metadata.name", "missing")),
                    Some(n) if !valid_object_name(n) => Err(at.err(
                        "metadata.name",
                        format_args!(
                            "{n:?} is not a name Kubernetes takes (lower case letters, digits, '-' and '.', alphanumeric at both ends, at most 253)"
                        ),
                    )),
                    Some(n) => Ok(n.to_string()),
                }
            };
            match kind.as_str() {
                "Pod" => {
                    let doc: PodDoc = read(value, &at, &mut m.warnings)?;
                    named(&at, &doc.metadata)?;
                    pods.push((at, doc.metadata, doc.spec, 1));
                }
                "Deployment" => {
                    let doc: DeploymentDoc = read(value, &at, &mut m.warnings)?;
                    named(&at, &doc.metadata)?;
                    let replicas = doc.spec.replicas.unwrap_or(1);
                    if !(0..=100).contains(&replicas) {
                        return Err(at.err("spec.replicas", "berth plays 0 to 100 replicas"));
                    }
                    let mut meta = doc.spec.template.metadata;
                    meta.name = doc.metadata.name.clone();
                    pods.push((at, meta, doc.spec.template.spec, replicas as usize));
                }
                "ConfigMap" | "Secret" => {
                    let doc: DataDoc = read(value, &at, &mut m.warnings)?;
                    let name = named(&at, &doc.metadata)?;
                    let secret = kind == "Secret";
                    let mut values = BTreeMap::new();
                    let data = strings(&doc.data, "data", &at)?;
                    let binary_data = strings(&doc.binary_data, "binaryData", &at)?;
                    let string_data = strings(&doc.string_data, "stringData", &at)?;
                    for (k, v) in &data {
                        let bytes = if secret {
                            decode(v).map_err(|e| at.err(&format!("data.{k}"), e))?
                        } else {
                            v.clone().into_bytes()
                        };
                        values.insert(k.clone(), bytes);
                    }
                    for (k, v) in &binary_data {
                        values.insert(
                            k.clone(),
                            decode(v).map_err(|e| at.err(&format!("binaryData.{k}"), e))?,
                        );
                    }
                    for (k, v) in &string_data {
                        values.insert(k.clone(), v.clone().into_bytes());
                    }
                    for k in values.keys() {
                        if !valid_key_name(k) {
                            return Err(at.err(
                                &format!("data.{k}"),
                                "not a key Kubernetes takes (letters, digits, '-', '_' and '.')",
                            ));
                        }
                    }
                    let map = if secret { &mut secrets } else { &mut maps };
                    if map.insert(name.clone(), Data { values }).is_some() {
                        return Err(at.err("metadata.name", format_args!("a second {kind} {name}")));
                    }
                }
                "PersistentVolumeClaim" => {
                    let doc: ClaimDoc = read(value, &at, &mut m.warnings)?;
                    let name = named(&at, &doc.metadata)?;
                    m.claims.push((name, doc.metadata.labels));
                }
                other => {
                    if !seen_kinds.iter().any(|k| k == other) {
                        seen_kinds.push(other.to_string());
                        m.warnings.push(format!(
                            "{at}: kind {other}: not played (berth plays Pod, Deployment, ConfigMap, Secret and PersistentVolumeClaim)"
                        ));
                    }
                }
            }
        }
    }
    let lookup = Lookup {
        maps: &maps,
        secrets: &secrets,
        mode,
    };
    for (at, meta, spec, replicas) in pods {
        let base = meta.name.clone().unwrap_or_default();
        let names: Vec<String> = match (at.kind.as_str(), replicas) {
            ("Pod", _) => vec![base.clone()],
            (_, 1) => vec![format!("{base}-pod")],
            (_, n) => (0..n).map(|i| format!("{base}-pod-{i}")).collect(),
        };
        for name in names {
            let pod = play_pod(&at, &name, &meta, &spec, &lookup, replicas)?;
            if m.pods.iter().any(|p| p.name == pod.name) {
                return Err(at.err("metadata.name", format_args!("a second pod {}", pod.name)));
            }
            m.pods.push(pod);
        }
    }
    Ok(m)
}

/// Kubernetes' `$(NAME)` in a variable's value, a command or arguments:
/// the value of `NAME` in `env` (`NAME=VALUE` each); `$$` is one `$`;
/// a name not there stays as it is written.
pub fn expand(s: &str, env: &[String]) -> String {
    let lookup = |name: &str| {
        env.iter().rev().find_map(|e| {
            e.split_once('=')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v)
        })
    };
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(more) = after.strip_prefix('$') {
            out.push('$');
            rest = more;
        } else if let Some((name, more)) = after.strip_prefix('(').and_then(|a| a.split_once(')')) {
            match lookup(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = more;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A map of strings (a ConfigMap's or Secret's `data`); an error names
/// the field and never the value.
fn strings(v: &serde_yaml_ng::Value, field: &str, at: &At) -> Result<BTreeMap<String, String>> {
    use serde_yaml_ng::Value;
    let mut out = BTreeMap::new();
    match v {
        Value::Null => {}
        Value::Mapping(m) => {
            for (k, v) in m {
                let Value::String(k) = k else {
                    return Err(at.err(field, "a key that is not a string"));
                };
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    // A number or a boolean: Kubernetes refuses them too
                    // (quote it).
                    _ => {
                        return Err(
                            at.err(&format!("{field}.{k}"), "not a string (quote the value)")
                        )
                    }
                }
            }
        }
        _ => return Err(at.err(field, "not a map of keys to strings")),
    }
    Ok(out)
}

fn decode(v: &str) -> Result<Vec<u8>> {
    let clean: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        // The error would quote a byte of what may be a secret.
        .map_err(|_| anyhow!("not base64"))
}

/// A ConfigMap's or Secret's key: letters, digits, `-`, `_`, `.`.
fn valid_key_name(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k != "."
        && k != ".."
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

struct Lookup<'a> {
    maps: &'a BTreeMap<String, Data>,
    secrets: &'a BTreeMap<String, Data>,
    mode: Mode,
}

impl Lookup<'_> {
    /// ConfigMap (or Secret, with `secret`) `name`; `None` when it is
    /// optional and missing, or when only names are read.
    fn get(&self, secret: bool, name: &str, optional: bool) -> Result<Option<&Data>> {
        let (map, what) = match secret {
            true => (self.secrets, "Secret"),
            false => (self.maps, "ConfigMap"),
        };
        match map.get(name) {
            Some(d) => Ok(Some(d)),
            None if optional || self.mode == Mode::Down => Ok(None),
            None => Err(anyhow!(
                "{what} {name:?} not found (give it in the file{})",
                if secret { "" } else { " or with --configmap" }
            )),
        }
    }
}

fn play_pod(
    at: &At,
    name: &str,
    meta: &ObjectMeta,
    spec: &PodSpec,
    lookup: &Lookup,
    replicas: usize,
) -> Result<PlayPod> {
    let prefix = if at.kind == "Pod" {
        "spec"
    } else {
        "spec.template.spec"
    };
    let field = |f: &str| format!("{prefix}.{f}");
    if spec.containers.is_empty() {
        return Err(at.err(&field("containers"), "a pod needs at least one container"));
    }
    let restart = match spec.restart_policy.as_deref() {
        None | Some("Always") => "always",
        Some("OnFailure") => "on-failure",
        Some("Never") => "no",
        Some(other) => {
            return Err(at.err(
                &field("restartPolicy"),
                format_args!("{other:?}: expected Always, OnFailure or Never"),
            ))
        }
    };
    if at.kind == "Deployment" && restart != "always" {
        return Err(at.err(
            &field("restartPolicy"),
            "a Deployment's pods restart Always",
        ));
    }
    if let Some(h) = &spec.hostname {
        if !valid_label(h) {
            return Err(at.err(&field("hostname"), format_args!("{h:?} is not a DNS label")));
        }
    }
    let mut pod = PlayPod {
        name: name.to_string(),
        origin: at.to_string(),
        labels: meta.labels.clone(),
        // Kubernetes cuts a pod's name to 63 characters for its hostname.
        hostname: spec.hostname.clone().unwrap_or_else(|| {
            let mut h = name.chars().take(63).collect::<String>();
            while h.ends_with(['-', '.']) {
                h.pop();
            }
            h
        }),
        host_network: spec.host_network == Some(true),
        share_pid: spec.share_process_namespace == Some(true),
        restart: restart.to_string(),
        stop_timeout: spec
            .termination_grace_period_seconds
            .map(|s| s.max(0) as u64),
        ..Default::default()
    };
    for (i, a) in spec.host_aliases.iter().enumerate() {
        if a.ip.parse::<std::net::IpAddr>().is_err() {
            return Err(at.err(&field(&format!("hostAliases[{i}].ip")), "not an IP address"));
        }
        for h in &a.hostnames {
            pod.add_hosts.push(format!("{h}:{}", a.ip));
        }
    }
    if let Some(d) = &spec.dns_config {
        pod.dns = d.nameservers.clone();
        pod.dns_search = d.searches.clone();
        pod.dns_options = d
            .options
            .iter()
            .map(|o| match &o.value {
                Some(v) => format!("{}:{v}", o.name),
                None => o.name.clone(),
            })
            .collect();
    }
    // The pod's volumes.
    for (i, v) in spec.volumes.iter().enumerate() {
        let f = field(&format!("volumes[{i}]"));
        if !valid_label(&v.name) {
            return Err(at.err(
                &format!("{f}.name"),
                format_args!("{:?} is not a DNS label", v.name),
            ));
        }
        if pod.volumes.iter().any(|p| p.name == v.name) {
            return Err(at.err(
                &format!("{f}.name"),
                format_args!("a second volume {:?}", v.name),
            ));
        }
        let mut sources = Vec::new();
        let mut read_only = false;
        if let Some(c) = &v.persistent_volume_claim {
            read_only = c.read_only == Some(true);
            if !valid_object_name(&c.claim_name) {
                return Err(at.err(
                    &format!("{f}.persistentVolumeClaim.claimName"),
                    format_args!("{:?} is not a name Kubernetes takes", c.claim_name),
                ));
            }
            sources.push(Source::Claim(c.claim_name.clone()));
        }
        if let Some(h) = &v.host_path {
            if !h.path.starts_with('/') {
                return Err(at.err(&format!("{f}.hostPath.path"), "not an absolute path"));
            }
            let kind = h.type_.clone().unwrap_or_default();
            let known = [
                "",
                "DirectoryOrCreate",
                "Directory",
                "FileOrCreate",
                "File",
                "Socket",
                "CharDevice",
                "BlockDevice",
            ];
            if !known.contains(&kind.as_str()) {
                return Err(at.err(
                    &format!("{f}.hostPath.type"),
                    format_args!("{kind:?} is not a hostPath type"),
                ));
            }
            sources.push(Source::HostPath {
                path: h.path.clone(),
                kind,
            });
        }
        if v.empty_dir.is_some() {
            sources.push(Source::EmptyDir);
        }
        if let Some(c) = &v.config_map {
            let data = lookup
                .get(false, &c.name, c.optional == Some(true))
                .map_err(|e| at.err(&format!("{f}.configMap.name"), e))?;
            let files = files_of(data, &c.items, c.default_mode, 0o644)
                .map_err(|e| at.err(&format!("{f}.configMap.items"), e))?;
            sources.push(Source::Files(files));
            read_only = true;
        }
        if let Some(s) = &v.secret {
            let data = lookup
                .get(true, &s.secret_name, s.optional == Some(true))
                .map_err(|e| at.err(&format!("{f}.secret.secretName"), e))?;
            let files = files_of(data, &s.items, s.default_mode, 0o644)
                .map_err(|e| at.err(&format!("{f}.secret.items"), e))?;
            sources.push(Source::Files(files));
            read_only = true;
        }
        let source = match sources.len() {
            1 => sources.remove(0),
            0 => {
                return Err(at.err(
                    &f,
                    "no source berth provides (persistentVolumeClaim, hostPath, emptyDir, configMap, secret)",
                ))
            }
            _ => return Err(at.err(&f, "more than one source")),
        };
        pod.volumes.push(PlayVolume {
            name: v.name.clone(),
            source,
            read_only,
        });
    }
    let ctx = PodCtx {
        at,
        pod_name: name,
        meta,
        lookup,
        volumes: &pod.volumes,
        pod_user: spec.security_context.clone().unwrap_or_default(),
    };
    let mut names: Vec<String> = Vec::new();
    for (list, key) in [
        (&spec.init_containers, "initContainers"),
        (&spec.containers, "containers"),
    ] {
        for (i, c) in list.iter().enumerate() {
            let f = field(&format!("{key}[{i}]"));
            if !valid_label(&c.name) {
                return Err(at.err(
                    &format!("{f}.name"),
                    format_args!(
                        "{:?} is not a container name Kubernetes takes (a DNS label)",
                        c.name
                    ),
                ));
            }
            if names.contains(&c.name) {
                return Err(at.err(
                    &format!("{f}.name"),
                    format_args!("a second container {:?}", c.name),
                ));
            }
            names.push(c.name.clone());
            let played = ctx.container(c, &f)?;
            for (j, p) in c.ports.iter().enumerate() {
                let pf = format!("{f}.ports[{j}]");
                if !(1..=65535).contains(&p.container_port) {
                    return Err(at.err(&format!("{pf}.containerPort"), "not a port (1 to 65535)"));
                }
                let proto = match p.protocol.as_deref().unwrap_or("TCP") {
                    "TCP" => "tcp",
                    "UDP" => "udp",
                    other => {
                        return Err(at.err(
                            &format!("{pf}.protocol"),
                            format_args!("{other:?}: berth publishes TCP and UDP"),
                        ))
                    }
                };
                match p.host_port {
                    None | Some(0) => {}
                    Some(h) if !(1..=65535).contains(&h) => {
                        return Err(at.err(&format!("{pf}.hostPort"), "not a port (1 to 65535)"))
                    }
                    Some(_) if replicas > 1 => {
                        return Err(at.err(
                            &format!("{pf}.hostPort"),
                            "more than one replica cannot publish the same host port",
                        ))
                    }
                    // On the host's network, the port is the host's already
                    // (a cluster sets hostPort to containerPort then).
                    Some(_) if pod.host_network => {}
                    Some(h) => {
                        let ip = match p.host_ip.as_deref() {
                            Some(ip) if ip.contains(':') => format!("[{ip}]:"),
                            Some(ip) if !ip.is_empty() => format!("{ip}:"),
                            _ => String::new(),
                        };
                        pod.publish
                            .push(format!("{ip}{h}:{}/{proto}", p.container_port));
                    }
                }
            }
            if key == "initContainers" {
                pod.init_containers.push(played);
            } else {
                pod.containers.push(played);
            }
        }
    }
    Ok(pod)
}

/// The files of a ConfigMap's or Secret's keys: every key, or the
/// `items` chosen, with their modes.
fn files_of(
    data: Option<&Data>,
    items: &[KeyToPath],
    default_mode: Option<u32>,
    mode: u32,
) -> Result<Vec<(String, Vec<u8>, u32)>> {
    let Some(data) = data else {
        return Ok(Vec::new());
    };
    let mode = default_mode.unwrap_or(mode);
    if mode > 0o777 {
        bail!("mode {mode:o}: at most 0777");
    }
    if items.is_empty() {
        return Ok(data
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone(), mode))
            .collect());
    }
    let mut out = Vec::new();
    for it in items {
        let Some(v) = data.values.get(&it.key) else {
            bail!("key {:?} is not in it", it.key);
        };
        let ok = !it.path.is_empty()
            && !it.path.starts_with('/')
            && it.path.split('/').all(|p| !p.is_empty() && p != "..");
        if !ok {
            bail!("path {:?}: a relative path without '..'", it.path);
        }
        let m = it.mode.unwrap_or(mode);
        if m > 0o777 {
            bail!("mode {m:o} of {:?}: at most 0777", it.path);
        }
        out.push((it.path.clone(), v.clone(), m));
    }
    Ok(out)
}

struct PodCtx<'a> {
    at: &'a At<'a>,
    pod_name: &'a str,
    meta: &'a ObjectMeta,
    lookup: &'a Lookup<'a>,
    volumes: &'a [PlayVolume],
    pod_user: PodSecurityContext,
}

impl PodCtx<'_> {
    fn container(&self, c: &Container, f: &str) -> Result<PlayContainer> {
        let at = self.at;
        if c.image.trim().is_empty() {
            return Err(at.err(&format!("{f}.image"), "missing"));
        }
        let pull = match c.image_pull_policy.as_deref() {
            None | Some("IfNotPresent") => Pull::Missing,
            Some("Always") => Pull::Always,
            Some("Never") => Pull::Never,
            Some(other) => {
                return Err(at.err(
                    &format!("{f}.imagePullPolicy"),
                    format_args!("{other:?}: expected Always, IfNotPresent or Never"),
                ))
            }
        };
        let mut env: Vec<String> = Vec::new();
        let set = |env: &mut Vec<String>, k: String, v: String| {
            env.retain(|e| e.split_once('=').map(|(n, _)| n) != Some(k.as_str()));
            env.push(format!("{k}={v}"));
        };
        for (i, e) in c.env_from.iter().enumerate() {
            let ef = format!("{f}.envFrom[{i}]");
            let prefix = e.prefix.clone().unwrap_or_default();
            let (secret, r, what) = match (&e.config_map_ref, &e.secret_ref) {
                (Some(r), None) => (false, r, "configMapRef"),
                (None, Some(r)) => (true, r, "secretRef"),
                _ => return Err(at.err(&ef, "one of configMapRef and secretRef")),
            };
            let data = self
                .lookup
                .get(secret, &r.name, r.optional == Some(true))
                .map_err(|e| at.err(&format!("{ef}.{what}.name"), e))?;
            for (k, v) in data.iter().flat_map(|d| &d.values) {
                set(
                    &mut env,
                    format!("{prefix}{k}"),
                    String::from_utf8_lossy(v).into_owned(),
                );
            }
        }
        for (i, e) in c.env.iter().enumerate() {
            let ef = format!("{f}.env[{i}]");
            if e.name.is_empty() || e.name.contains('=') {
                return Err(at.err(
                    &format!("{ef}.name"),
                    format_args!("{:?} is not a variable name", e.name),
                ));
            }
            let value = match (&e.value, &e.value_from) {
                // `$(NAME)`: a variable set before it in the list.
                (_, None) => expand(e.value.as_deref().unwrap_or_default(), &env),
                (Some(_), Some(_)) => return Err(at.err(&ef, "value and valueFrom both given")),
                (None, Some(src)) => match self.value_from(src, &ef)? {
                    Some(v) => v,
                    None => continue,
                },
            };
            set(&mut env, e.name.clone(), value);
        }
        let mut mounts = Vec::new();
        for (i, m) in c.volume_mounts.iter().enumerate() {
            let mf = format!("{f}.volumeMounts[{i}]");
            if !self.volumes.iter().any(|v| v.name == m.name) {
                return Err(at.err(
                    &format!("{mf}.name"),
                    format_args!("no volume {:?} in the pod's volumes", m.name),
                ));
            }
            if !m.mount_path.starts_with('/') {
                return Err(at.err(&format!("{mf}.mountPath"), "not an absolute path"));
            }
            if let Some(s) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                if s.starts_with('/') || s.split('/').any(|p| p == "..") {
                    return Err(at.err(&format!("{mf}.subPath"), "a relative path without '..'"));
                }
                // A container that writes to a volume could make a part of
                // the path a symbolic link to anywhere on the host before
                // the mount follows it: subPath is for the files berth
                // writes itself, which containers mount read-only.
                let files = self
                    .volumes
                    .iter()
                    .find(|v| v.name == m.name)
                    .and_then(|v| match &v.source {
                        Source::Files(f) => Some(f),
                        _ => None,
                    });
                match files {
                    // Taking a file down needs only its names.
                    None if self.lookup.mode == Mode::Down => {}
                    None => {
                        return Err(at.err(
                            &format!("{mf}.subPath"),
                            "berth mounts a subPath of a configMap or secret volume only (a container could turn a path in a writable volume into a link out of it)",
                        ))
                    }
                    Some(files) => {
                        let inside = |p: &str| p == s || p.starts_with(&format!("{s}/"));
                        if self.lookup.mode == Mode::Play && !files.iter().any(|(p, _, _)| inside(p)) {
                            return Err(at.err(
                                &format!("{mf}.subPath"),
                                format_args!("{s:?} is no key or directory of the volume"),
                            ));
                        }
                    }
                }
            }
            let forced = self.volumes.iter().any(|v| v.name == m.name && v.read_only);
            mounts.push(PlayMount {
                volume: m.name.clone(),
                target: m.mount_path.clone(),
                read_only: m.read_only == Some(true) || forced,
                sub_path: m.sub_path.clone().filter(|s| !s.is_empty()),
            });
        }
        let sc = c.security_context.clone().unwrap_or_default();
        let uid = sc.run_as_user.or(self.pod_user.run_as_user);
        let gid = sc.run_as_group.or(self.pod_user.run_as_group);
        for (v, name) in [(uid, "runAsUser"), (gid, "runAsGroup")] {
            if v.is_some_and(|n| !(0..=i64::from(u32::MAX - 1)).contains(&n)) {
                return Err(at.err(
                    &format!("{f}.securityContext.{name}"),
                    "not a user or group id",
                ));
            }
        }
        let user = match (uid, gid) {
            (Some(u), Some(g)) => Some(format!("{u}:{g}")),
            (Some(u), None) => Some(u.to_string()),
            // A group alone: the image's user with that group (which the
            // image's configuration says, read when the container is made).
            (None, Some(g)) => Some(format!(":{g}")),
            (None, None) => None,
        };
        let caps = sc.capabilities.clone().unwrap_or_default();
        let probe = |p: &Option<Probe>, name: &str| -> Result<Option<PlayProbe>> {
            p.as_ref()
                .map(|p| probe_of(p, c, &format!("{f}.{name}"), at))
                .transpose()
        };
        let mut resources = BTreeMap::new();
        if let Some(r) = &c.resources {
            for (k, v) in &r.limits {
                resources.insert(format!("limits.{k}"), v.to_string());
            }
            for (k, v) in &r.requests {
                resources.insert(format!("requests.{k}"), v.to_string());
            }
        }
        Ok(PlayContainer {
            name: c.name.clone(),
            field: f.to_string(),
            image: c.image.trim().to_string(),
            pull,
            // `$(NAME)`: the container's variables; an empty list is
            // none given (the image's).
            command: c
                .command
                .as_ref()
                .filter(|c| !c.is_empty())
                .map(|c| c.iter().map(|a| expand(a, &env)).collect()),
            args: c
                .args
                .as_ref()
                .map(|c| c.iter().map(|a| expand(a, &env)).collect()),
            env,
            working_dir: c.working_dir.clone().filter(|w| !w.is_empty()),
            user,
            privileged: sc.privileged == Some(true),
            read_only_root: sc.read_only_root_filesystem == Some(true),
            cap_add: caps.add,
            cap_drop: caps.drop,
            no_new_privileges: sc.allow_privilege_escalation == Some(false),
            mounts,
            liveness: probe(&c.liveness_probe, "livenessProbe")?,
            readiness: probe(&c.readiness_probe, "readinessProbe")?,
            resources,
            tty: c.tty,
            stdin: c.stdin,
        })
    }

    /// An env var's `valueFrom`; `None` for an optional key that is not
    /// there (the variable is then not set).
    fn value_from(&self, src: &EnvVarSource, ef: &str) -> Result<Option<String>> {
        let at = self.at;
        let (secret, r, what) = match (&src.config_map_key_ref, &src.secret_key_ref, &src.field_ref)
        {
            (Some(r), None, None) => (false, r, "configMapKeyRef"),
            (None, Some(r), None) => (true, r, "secretKeyRef"),
            (None, None, Some(fr)) => {
                let p = fr.field_path.as_str();
                let v = match p {
                    "metadata.name" => Some(self.pod_name.to_string()),
                    "metadata.namespace" => Some("default".to_string()),
                    _ => p
                        .strip_prefix("metadata.labels['")
                        .and_then(|k| k.strip_suffix("']"))
                        .map(|k| self.meta.labels.get(k).cloned().unwrap_or_default()),
                };
                return match v {
                    Some(v) => Ok(Some(v)),
                    None => Err(at.err(
                        &format!("{ef}.valueFrom.fieldRef.fieldPath"),
                        format_args!("{p:?}: berth gives metadata.name, metadata.namespace and metadata.labels['KEY']"),
                    )),
                };
            }
            _ => {
                return Err(at.err(
                    &format!("{ef}.valueFrom"),
                    "one of configMapKeyRef, secretKeyRef and fieldRef",
                ))
            }
        };
        let optional = r.optional == Some(true);
        let data = self
            .lookup
            .get(secret, &r.name, optional)
            .map_err(|e| at.err(&format!("{ef}.valueFrom.{what}.name"), e))?;
        let Some(data) = data else {
            return Ok(self.lookup.mode.eq(&Mode::Down).then(String::new));
        };
        match data.values.get(&r.key) {
            Some(v) => Ok(Some(String::from_utf8_lossy(v).into_owned())),
            None if optional => Ok(None),
            None => Err(at.err(
                &format!("{ef}.valueFrom.{what}.key"),
                format_args!("key {:?} is not in {}", r.key, r.name),
            )),
        }
    }
}

fn probe_of(p: &Probe, c: &Container, f: &str, at: &At) -> Result<PlayProbe> {
    // A named port is one of the container's ports.
    let port = |v: &IntOrString, pf: &str| -> Result<u16> {
        let n = match v {
            IntOrString::Int(n) => *n,
            IntOrString::Float(_) => return Err(at.err(pf, "not a port (1 to 65535)")),
            IntOrString::String(name) => match name.parse::<i64>() {
                Ok(n) => n,
                Err(_) => c
                    .ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(name))
                    .map(|p| p.container_port)
                    .ok_or_else(|| at.err(pf, format_args!("no container port named {name:?}")))?,
            },
        };
        u16::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| at.err(pf, "not a port (1 to 65535)"))
    };
    let mut actions = Vec::new();
    if let Some(e) = &p.exec {
        if e.command.is_empty() {
            return Err(at.err(&format!("{f}.exec.command"), "empty"));
        }
        actions.push(ProbeAction::Exec(e.command.clone()));
    }
    if let Some(h) = &p.http_get {
        if h.scheme.as_deref().is_some_and(|s| s != "HTTP") {
            return Err(at.err(&format!("{f}.httpGet.scheme"), "berth probes over HTTP"));
        }
        let path = h.path.clone().unwrap_or_else(|| "/".into());
        if !path.starts_with('/') || path.contains(char::is_whitespace) {
            return Err(at.err(
                &format!("{f}.httpGet.path"),
                "not an absolute path without spaces",
            ));
        }
        actions.push(ProbeAction::Http {
            host: h.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            port: port(&h.port, &format!("{f}.httpGet.port"))?,
            path,
            headers: h
                .http_headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let token = !h.name.is_empty()
                        && h.name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                    if !token || h.value.contains(['\r', '\n']) {
                        return Err(at.err(
                            &format!("{f}.httpGet.httpHeaders[{i}]"),
                            "not an HTTP header (a name without spaces or ':', a value on one line)",
                        ));
                    }
                    Ok((h.name.clone(), h.value.clone()))
                })
                .collect::<Result<_>>()?,
        });
    }
    if let Some(t) = &p.tcp_socket {
        actions.push(ProbeAction::Tcp {
            host: t.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            port: port(&t.port, &format!("{f}.tcpSocket.port"))?,
        });
    }
    let action = match actions.len() {
        1 => actions.remove(0),
        0 => return Err(at.err(f, "no action berth runs (exec, httpGet, tcpSocket)")),
        _ => return Err(at.err(f, "more than one action")),
    };
    let secs = |v: Option<i64>, default: u64, name: &str| -> Result<u64> {
        match v {
            None => Ok(default),
            Some(n) if n >= 0 => Ok(n as u64),
            Some(_) => Err(at.err(&format!("{f}.{name}"), "negative")),
        }
    };
    // Kubernetes' defaults.
    Ok(PlayProbe {
        action,
        initial_delay_secs: secs(p.initial_delay_seconds, 0, "initialDelaySeconds")?,
        period_secs: secs(p.period_seconds, 10, "periodSeconds")?.max(1),
        timeout_secs: secs(p.timeout_seconds, 1, "timeoutSeconds")?.max(1),
        failure_threshold: secs(p.failure_threshold, 3, "failureThreshold")?.clamp(1, 1000) as u32,
    })
}
