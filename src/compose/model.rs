//! The compose model: what a compose file says, in the Compose
//! Specification's terms. Reading accepts every form the specification
//! allows (a port as `"8080:80"` or as a mapping, a list or a map of
//! environment variables…); writing (`compose config`) gives the long
//! forms, which read back to the same model.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A whole application: the files merged, variables replaced, paths
/// made absolute, names given (see [`super::load`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Obsolete: read and ignored (with a warning), as docker compose does.
    #[serde(default, skip_serializing)]
    pub version: Option<serde_json::Value>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "defs_form"
    )]
    pub networks: BTreeMap<String, NetworkDef>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "defs_form"
    )]
    pub volumes: BTreeMap<String, VolumeDef>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "defs_form"
    )]
    pub secrets: BTreeMap<String, FileDef>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "defs_form"
    )]
    pub configs: BTreeMap<String, FileDef>,
    /// Services the active profiles leave out: the project's all the
    /// same (their containers are no orphans).
    #[serde(skip)]
    pub disabled: std::collections::BTreeSet<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Service {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub image: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "build_form"
    )]
    pub build: Option<Build>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "command_form"
    )]
    pub command: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "command_form"
    )]
    pub entrypoint: Option<Vec<String>>,
    /// Variables with no value are taken from berth's environment when
    /// the file is read (and left out when it has none).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "env_form"
    )]
    pub environment: BTreeMap<String, Option<String>>,
    /// Read into `environment` when the file is read.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "env_file_form"
    )]
    pub env_file: Vec<EnvFile>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "ports_form"
    )]
    pub ports: Vec<Port>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strings_form"
    )]
    pub expose: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "volumes_form"
    )]
    pub volumes: Vec<ServiceVolume>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "networks_form"
    )]
    pub networks: BTreeMap<String, Option<ServiceNetwork>>,
    /// `host`, `none`, `service:NAME` or `container:NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "depends_form"
    )]
    pub depends_on: BTreeMap<String, Depends>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// `no`, `always`, `on-failure[:N]`, `unless-stopped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub user: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub working_dir: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub hostname: Option<String>,
    /// `HOST=IP` each.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "hosts_form"
    )]
    pub extra_hosts: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strings_form"
    )]
    pub dns: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strings_form"
    )]
    pub dns_search: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strings_form"
    )]
    pub dns_opt: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "strings_form"
    )]
    pub tmpfs: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub init: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub stdin_open: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub stop_grace_period: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// `always`, `never`, `missing` (`if_not_present`), `build`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub container_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "file_refs_form"
    )]
    pub secrets: Vec<FileRef>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "file_refs_form"
    )]
    pub configs: Vec<FileRef>,
}

impl Service {
    /// How many containers it runs: `scale`, else `deploy.replicas`,
    /// else one.
    pub fn replicas(&self) -> u32 {
        self.scale
            .or(self.deploy.as_ref().and_then(|d| d.replicas))
            .unwrap_or(1)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Build {
    #[serde(default = "dot")]
    pub context: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "env_form"
    )]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "file_refs_form"
    )]
    pub secrets: Vec<FileRef>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_cache: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pull: bool,
}

fn dot() -> String {
    ".".into()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EnvFile {
    pub path: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Port {
    pub target: u16,
    /// A port or a range (`8000-8005`); none: a free one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    #[serde(default = "tcp")]
    pub protocol: String,
    /// `ingress` or `host`: the same to one machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

fn tcp() -> String {
    "tcp".into()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceVolume {
    /// `volume`, `bind` or `tmpfs`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A volume's key in the file's `volumes` (none: anonymous), or a
    /// host path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    /// Meaningless on Linux; read and kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BindOptions {
    /// Make the host path when missing (the short form's default).
    #[serde(default = "yes")]
    pub create_host_path: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selinux: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VolumeOptions {
    #[serde(default, skip_serializing_if = "is_false")]
    pub nocopy: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TmpfsOptions {
    /// Bytes, or a size as `64m`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceNetwork {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Depends {
    #[serde(default = "started")]
    pub condition: String,
    /// Restart this service when the other is restarted by compose.
    #[serde(default, skip_serializing_if = "is_false")]
    pub restart: bool,
    /// A dependency that is not in the project is an error (else a
    /// warning).
    #[serde(default = "yes")]
    pub required: bool,
}

impl Default for Depends {
    fn default() -> Depends {
        Depends {
            condition: started(),
            restart: false,
            required: true,
        }
    }
}

fn started() -> String {
    "service_started".into()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Healthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`; a string is
    /// `CMD-SHELL`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "test_form"
    )]
    pub test: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Deploy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
}

/// A service's use of a secret or config.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileRef {
    pub source: String,
    /// Secrets: a name under `/run/secrets` or an absolute path;
    /// configs: a path (default `/SOURCE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub uid: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scalar_form"
    )]
    pub gid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NetworkDef {
    /// The berth network's name (default `PROJECT_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "external_form"
    )]
    pub external: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub internal: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub enable_ipv6: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub attachable: bool,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub driver_opts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ipam {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamConfig>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IpamConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VolumeDef {
    /// The berth volume's name (default `PROJECT_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "external_form"
    )]
    pub external: bool,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "labels_form"
    )]
    pub labels: BTreeMap<String, String>,
}

/// A top-level secret or config: from a file, an environment variable
/// or (configs) inline content.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "external_form"
    )]
    pub external: bool,
}

// ---- the short forms ----

/// A scalar as text: `8080`, `"8080"`, `true`.
struct ScalarText;

impl<'de> Visitor<'de> for ScalarText {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A scalar, as text.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(ScalarText).map(Text)
    }
}

/// A scalar or null, as text.
#[derive(Debug)]
struct MaybeText(Option<String>);

impl<'de> Deserialize<'de> for MaybeText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MaybeText, D::Error> {
        Option::<Text>::deserialize(d).map(|t| MaybeText(t.map(|t| t.0)))
    }
}

/// Top-level definitions: `name:` alone (null) is the default one.
fn defs_form<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<BTreeMap<String, T>, D::Error> {
    Ok(Option::<BTreeMap<String, Option<T>>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

fn scalar_form<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(MaybeText::deserialize(d)?.0)
}

// Sequences and mappings of the short forms are read through
// `deserialize_seq` of an element type or a `MapAccessDeserializer`, so
// that serde_ignored still sees their unknown fields; the helpers below
// each do that for their type.

fn strings_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Text),
        Many(Vec<Text>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(t)) => vec![t.0],
        Some(OneOrMany::Many(v)) => v.into_iter().map(|t| t.0).collect(),
    })
}

/// A command: a list, or a string split as a shell splits words.
fn command_form<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Line(String),
        List(Vec<Text>),
    }
    match Option::<Form>::deserialize(d)? {
        None => Ok(None),
        Some(Form::Line(s)) => split_words(&s).map(Some).map_err(de::Error::custom),
        Some(Form::List(v)) => Ok(Some(v.into_iter().map(|t| t.0).collect())),
    }
}

fn test_form<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Line(String),
        List(Vec<Text>),
    }
    Ok(match Option::<Form>::deserialize(d)? {
        None => None,
        Some(Form::Line(s)) => Some(vec!["CMD-SHELL".into(), s]),
        Some(Form::List(v)) => Some(v.into_iter().map(|t| t.0).collect()),
    })
}

/// Split a command line into words as a POSIX shell does (quotes and
/// backslashes; no variables, no globs).
pub fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("{s:?}: a quote without its end")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("{s:?}: a quote without its end")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("{s:?}: a quote without its end")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c)
                }
            }
            c => {
                in_word = true;
                word.push(c)
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `KEY=VALUE` and `KEY` entries, or a mapping of keys to scalars or
/// null.
fn env_form<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Map(BTreeMap<String, MaybeText>),
    }
    Ok(match Option::<Form>::deserialize(d)? {
        None => BTreeMap::new(),
        Some(Form::List(v)) => v
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (e, None),
            })
            .collect(),
        Some(Form::Map(m)) => m.into_iter().map(|(k, v)| (k, v.0)).collect(),
    })
}

fn labels_form<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(env_form(d)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// `HOST:IP` or `HOST=IP` entries, or a mapping of hosts to addresses
/// (or lists of them); kept as `HOST=IP`.
fn hosts_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ips {
        One(String),
        Many(Vec<String>),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Map(BTreeMap<String, Ips>),
    }
    let mut out = Vec::new();
    match Option::<Form>::deserialize(d)? {
        None => {}
        Some(Form::List(v)) => {
            for e in v {
                let (h, ip) = match e.split_once('=') {
                    Some(p) => p,
                    None => e.split_once(':').ok_or_else(|| {
                        de::Error::custom(format!("extra host {e:?}: not HOST:IP or HOST=IP"))
                    })?,
                };
                out.push(format!("{h}={ip}"));
            }
        }
        Some(Form::Map(m)) => {
            for (h, ips) in m {
                match ips {
                    Ips::One(ip) => out.push(format!("{h}={ip}")),
                    Ips::Many(v) => out.extend(v.into_iter().map(|ip| format!("{h}={ip}"))),
                }
            }
        }
    }
    Ok(out)
}

fn external_form<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Flag(bool),
        // The obsolete `external: {name: …}`.
        Named {
            #[allow(dead_code)]
            name: String,
        },
    }
    Ok(match Option::<Form>::deserialize(d)? {
        None => false,
        Some(Form::Flag(b)) => b,
        Some(Form::Named { .. }) => true,
    })
}

/// Deserialize with `visit_str` for the short form and a struct from a
/// mapping for the long one (the mapping read through the caller's
/// deserializer, so unknown fields are seen).
macro_rules! short_or_long {
    ($name:ident, $ty:ty, $what:expr, $short:expr) => {
        #[derive(Clone)]
        struct $name;
        impl<'de> Visitor<'de> for $name {
            type Value = Vec<$ty>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($what)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let short: fn(&str) -> Result<Vec<$ty>, String> = $short;
                short(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                <$ty>::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| vec![v])
            }
        }
    };
}

/// Each element of a list that holds short or long forms.
fn list_of<'de, D, V, T>(d: D, element: fn() -> V) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    V: Visitor<'de, Value = Vec<T>> + Clone,
{
    struct Elem<V>(V);
    impl<'de, V: Visitor<'de> + Clone> de::DeserializeSeed<'de> for Elem<V> {
        type Value = V::Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            d.deserialize_any(self.0)
        }
    }
    struct List<V>(fn() -> V);
    impl<'de, T, V: Visitor<'de, Value = Vec<T>> + Clone> Visitor<'de> for List<V> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Elem((self.0)()))? {
                out.extend(v);
            }
            Ok(out)
        }
    }
    d.deserialize_any(List(element))
}

short_or_long!(
    PortForm,
    Port,
    "a port (\"[IP:][HOST:]CONTAINER[/PROTO]\" or a mapping)",
    parse_port
);

fn ports_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Port>, D::Error> {
    list_of(d, || PortForm)
}

short_or_long!(
    VolumeForm,
    ServiceVolume,
    "a volume (\"[SOURCE:]TARGET[:MODE]\" or a mapping)",
    parse_volume
);

fn volumes_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ServiceVolume>, D::Error> {
    list_of(d, || VolumeForm)
}

short_or_long!(
    FileRefForm,
    FileRef,
    "a secret or config (a name or a mapping)",
    |s| Ok(vec![FileRef {
        source: s.to_string(),
        ..Default::default()
    }])
);

fn file_refs_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FileRef>, D::Error> {
    list_of(d, || FileRefForm)
}

short_or_long!(
    EnvFileForm,
    EnvFile,
    "an env file (a path or a mapping)",
    |s| Ok(vec![EnvFile {
        path: s.to_string(),
        required: true,
    }])
);

fn env_file_form<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EnvFile>, D::Error> {
    struct OneOrList;
    impl<'de> Visitor<'de> for OneOrList {
        type Value = Vec<EnvFile>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a path or a list of env files")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<EnvFile>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<EnvFile>, E> {
            EnvFileForm.visit_str(v)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<EnvFile>, A::Error> {
            struct Elem;
            impl<'de> de::DeserializeSeed<'de> for Elem {
                type Value = Vec<EnvFile>;
                fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<EnvFile>, D::Error> {
                    d.deserialize_any(EnvFileForm)
                }
            }
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Elem)? {
                out.extend(v);
            }
            Ok(out)
        }
    }
    d.deserialize_any(OneOrList)
}

/// A build: a context path, or a mapping.
fn build_form<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Build>, D::Error> {
    struct B;
    impl<'de> Visitor<'de> for B {
        type Value = Option<Build>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a build context path or a mapping")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<Build>, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Build>, E> {
            Ok(Some(Build {
                context: v.to_string(),
                ..Default::default()
            }))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Build>, A::Error> {
            Build::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(B)
}

/// Names, or a mapping of names to their settings (or null).
fn networks_form<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Option<ServiceNetwork>>, D::Error> {
    struct N;
    impl<'de> Visitor<'de> for N {
        type Value = BTreeMap<String, Option<ServiceNetwork>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of network names or a mapping")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(n) = seq.next_element::<String>()? {
                out.insert(n, None);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, Option<ServiceNetwork>>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_any(N)
}

/// Service names, or a mapping of names to conditions.
fn depends_form<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Depends>, D::Error> {
    struct N;
    impl<'de> Visitor<'de> for N {
        type Value = BTreeMap<String, Depends>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of service names or a mapping")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(n) = seq.next_element::<String>()? {
                out.insert(n, Depends::default());
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, Option<Depends>>()? {
                out.insert(k, v.unwrap_or_default());
            }
            Ok(out)
        }
    }
    d.deserialize_any(N)
}

/// `[[IP:]HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]`: one port per
/// container port of a range.
pub fn parse_port(s: &str) -> Result<Vec<Port>, String> {
    let bad = |why: &str| format!("port {s:?}: {why}");
    let (spec, proto) = match s.rsplit_once('/') {
        Some((p, proto)) => (p, proto.to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    if !["tcp", "udp", "sctp"].contains(&proto.as_str()) {
        return Err(bad("the protocol is not tcp, udp or sctp"));
    }
    // An IPv6 host address is in brackets.
    let (host_ip, rest) = match spec.strip_prefix('[') {
        Some(r) => {
            let (ip, r) = r
                .split_once("]:")
                .ok_or_else(|| bad("an IPv6 address without \"]:\""))?;
            (Some(ip.to_string()), r)
        }
        None => (None, spec),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, ctr) = match (host_ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [ip, h, c]) => (Some(ip.to_string()), Some(*h), *c),
        (Some(ip), [h, c]) => (Some(ip), Some(*h), *c),
        _ => return Err(bad("not [[IP:]HOST:]CONTAINER[/PROTO]")),
    };
    let range = |r: &str| -> Result<(u16, u16), String> {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        let p = |x: &str| x.parse::<u16>().ok().filter(|p| *p > 0);
        match (p(a), p(b)) {
            (Some(a), Some(b)) if a <= b => Ok((a, b)),
            _ => Err(bad(&format!("{r:?} is not a port or a range of them"))),
        }
    };
    let (c0, c1) = range(ctr)?;
    let host = host.filter(|h| !h.is_empty());
    let hosts = host.map(range).transpose()?;
    if let Some((h0, h1)) = hosts {
        if h1 - h0 != c1 - c0 && h0 != h1 {
            return Err(bad("the host and container ranges differ in length"));
        }
    }
    Ok((c0..=c1)
        .enumerate()
        .map(|(i, target)| Port {
            target,
            published: hosts.map(|(h0, h1)| match (h0 == h1, c0 == c1) {
                (true, _) => h0.to_string(),
                // A range for one port: any free one of it.
                (false, true) => format!("{h0}-{h1}"),
                (false, false) => (h0 + i as u16).to_string(),
            }),
            host_ip: ip.clone(),
            protocol: proto.clone(),
            ..Default::default()
        })
        .collect())
}

/// `TARGET`, `SOURCE:TARGET` or `SOURCE:TARGET:MODE`: a source that is
/// a path (`/`, `.`, `~`) binds it, else it names a volume.
pub fn parse_volume(s: &str) -> Result<Vec<ServiceVolume>, String> {
    let bad = |why: &str| format!("volume {s:?}: {why}");
    let parts: Vec<&str> = s.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, *t, None),
        [src, t] => (Some(*src), *t, None),
        [src, t, m] => (Some(*src), *t, Some(*m)),
        _ => return Err(bad("not [SOURCE:]TARGET[:MODE]")),
    };
    if !target.starts_with('/') {
        return Err(bad("the target is not an absolute path"));
    }
    let mut v = ServiceVolume {
        kind: "volume".into(),
        source: source.map(str::to_string),
        target: target.to_string(),
        ..Default::default()
    };
    if let Some(src) = source {
        if src.is_empty() {
            return Err(bad("an empty source"));
        }
        if src.starts_with(['/', '.', '~']) {
            v.kind = "bind".into();
            v.bind = Some(BindOptions {
                create_host_path: true,
                ..Default::default()
            });
        }
    }
    for m in mode
        .map(|m| m.split(',').collect())
        .unwrap_or_else(Vec::new)
    {
        match m {
            "ro" => v.read_only = true,
            "rw" => v.read_only = false,
            "nocopy" if v.kind == "volume" => v.volume = Some(VolumeOptions { nocopy: true }),
            "z" | "Z" => {
                if let Some(b) = v.bind.as_mut() {
                    b.selinux = Some(m.to_string())
                }
            }
            "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                match v.bind.as_mut() {
                    Some(b) => b.propagation = Some(m.to_string()),
                    None => return Err(bad(&format!("{m}: a volume has no propagation"))),
                }
            }
            "cached" | "delegated" | "consistent" => v.consistency = Some(m.to_string()),
            "" => {}
            _ => return Err(bad(&format!("unknown mode {m:?}"))),
        }
    }
    Ok(vec![v])
}

/// A Go duration, as compose writes them: `1m30s`, `500ms`, `10s`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{s:?} is not a duration (as 1m30s, 10s or 500ms)");
    if s == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let value: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += value * unit;
        rest = &rest[u..];
    }
    std::time::Duration::try_from_secs_f64(total).map_err(|_| bad())
}
