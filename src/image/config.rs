//! The image config (OCI image spec `config.md`, which Docker's format
//! extends): what berth reads from it, and how it writes new ones.
//!
//! Configs that come from elsewhere are never re-serialized — their bytes
//! are kept as they are, since their digest is the image id. This struct
//! is for reading fields and for configs berth creates (import, commit,
//! build). Unknown fields are ignored when reading.

use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub config: RunConfig,
    #[serde(default)]
    pub rootfs: RootFs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History>,
}

/// A healthcheck's probe made by berth itself rather than a program in
/// the container (Kubernetes' `tcpSocket` and `httpGet`): a connection
/// from inside the container's network namespace, or an HTTP GET whose
/// status is at least 200 and below 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetProbe {
    pub host: String,
    pub port: u16,
    /// HTTP: the path (from `/`); `None`: a TCP connection alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// The defaults for a container (`config` in the image config). Keys are
/// PascalCase, as Docker writes them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_build: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

impl Default for RootFs {
    fn default() -> Self {
        RootFs {
            kind: "layers".into(),
            diff_ids: Vec::new(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

impl ImageConfig {
    /// Parse a config; the error says what is wrong with it.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<ImageConfig> {
        let c: ImageConfig = serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("malformed image config: {e}"))?;
        if c.rootfs.kind != "layers" {
            anyhow::bail!(
                "malformed image config: rootfs type {:?} is not \"layers\"",
                c.rootfs.kind
            );
        }
        Ok(c)
    }

    /// The platform of an index entry for this image.
    pub fn index_platform(&self) -> super::manifest::Platform {
        super::manifest::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            ..super::manifest::Platform::default()
        }
    }

    /// The OCI platform string, `os/arch[/variant]`.
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{}", self.os, self.architecture, v),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// The host's architecture as OCI names it (`GOARCH` values).
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// Apply Dockerfile-style instructions to a run config, as `import -c`
/// and `commit -c` do: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL,
/// EXPOSE, VOLUME, STOPSIGNAL. The error names the instruction.
pub fn apply_change(cfg: &mut RunConfig, change: &str) -> anyhow::Result<()> {
    let change = change.trim();
    let (word, rest) = change
        .split_once(char::is_whitespace)
        .unwrap_or((change, ""));
    let rest = rest.trim();
    let bad = |why: &str| anyhow::anyhow!("invalid change {change:?}: {why}");
    match word.to_ascii_uppercase().as_str() {
        "CMD" => cfg.cmd = Some(exec_or_shell(rest)),
        "ENTRYPOINT" => cfg.entrypoint = Some(exec_or_shell(rest)),
        "ENV" => {
            for (k, v) in key_values(rest).map_err(|e| bad(&e))? {
                let env = cfg.env.get_or_insert_with(Vec::new);
                env.retain(|e| e.split_once('=').map(|(ek, _)| ek) != Some(k.as_str()));
                env.push(format!("{k}={v}"));
            }
        }
        "LABEL" => {
            for (k, v) in key_values(rest).map_err(|e| bad(&e))? {
                cfg.labels.get_or_insert_with(BTreeMap::new).insert(k, v);
            }
        }
        "WORKDIR" if !rest.is_empty() => cfg.working_dir = Some(rest.to_string()),
        "USER" if !rest.is_empty() => cfg.user = Some(rest.to_string()),
        "STOPSIGNAL" if !rest.is_empty() => cfg.stop_signal = Some(rest.to_string()),
        "EXPOSE" => {
            for p in rest.split_whitespace() {
                let p = if p.contains('/') {
                    p.to_string()
                } else {
                    format!("{p}/tcp")
                };
                cfg.exposed_ports
                    .get_or_insert_with(BTreeMap::new)
                    .insert(p, serde_json::json!({}));
            }
        }
        "VOLUME" => {
            for v in json_array(rest)
                .unwrap_or_else(|| rest.split_whitespace().map(String::from).collect())
            {
                cfg.volumes
                    .get_or_insert_with(BTreeMap::new)
                    .insert(v, serde_json::json!({}));
            }
        }
        "WORKDIR" | "USER" | "STOPSIGNAL" => return Err(bad("missing argument")),
        _ => return Err(bad("unknown or unsupported instruction")),
    }
    Ok(())
}

fn json_array(s: &str) -> Option<Vec<String>> {
    if s.starts_with('[') {
        serde_json::from_str(s).ok()
    } else {
        None
    }
}

fn exec_or_shell(s: &str) -> Vec<String> {
    json_array(s).unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into(), s.to_string()])
}

/// `K=V K2="v 2"` or the legacy `K V` form.
fn key_values(s: &str) -> Result<Vec<(String, String)>, String> {
    if s.is_empty() {
        return Err("missing argument".into());
    }
    let first = s.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (k, v) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        return Ok(vec![(k.to_string(), v.trim().to_string())]);
    }
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            chars.next();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    if let Some(n) = chars.next() {
                        word.push(n)
                    }
                }
                (None, c) if c.is_whitespace() => break,
                (_, c) => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("unterminated quote".into());
        }
        let (k, v) = word
            .split_once('=')
            .ok_or_else(|| format!("{word:?} is not KEY=VALUE"))?;
        if k.is_empty() {
            return Err(format!("{word:?} has an empty key"));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_apply_like_docker() {
        let mut c = RunConfig::default();
        apply_change(&mut c, "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]").unwrap();
        apply_change(&mut c, "ENTRYPOINT /bin/app --flag").unwrap();
        apply_change(&mut c, "ENV A=1 B=\"two words\"").unwrap();
        apply_change(&mut c, "ENV A 3").unwrap();
        apply_change(&mut c, "LABEL x=y").unwrap();
        apply_change(&mut c, "EXPOSE 80 53/udp").unwrap();
        apply_change(&mut c, "WORKDIR /srv").unwrap();
        apply_change(&mut c, "USER app").unwrap();
        assert_eq!(c.cmd.unwrap(), ["/bin/sh", "-c", "echo hi"]);
        assert_eq!(c.entrypoint.unwrap(), ["/bin/sh", "-c", "/bin/app --flag"]);
        assert_eq!(c.env.unwrap(), ["B=two words", "A=3"]);
        assert_eq!(c.labels.unwrap()["x"], "y");
        assert_eq!(
            c.exposed_ports.unwrap().keys().cloned().collect::<Vec<_>>(),
            ["53/udp", "80/tcp"]
        );
        assert_eq!(c.working_dir.as_deref(), Some("/srv"));
        assert!(apply_change(&mut RunConfig::default(), "FROB x").is_err());
        assert!(apply_change(&mut RunConfig::default(), "ENV A=\"x").is_err());
    }

    #[test]
    fn parse_refuses_non_layer_rootfs() {
        assert!(ImageConfig::parse(br#"{"rootfs":{"type":"x","diff_ids":[]}}"#).is_err());
        assert!(ImageConfig::parse(b"{").is_err());
        let c = ImageConfig::parse(br#"{"architecture":"amd64","os":"linux","config":{"Entrypoint":null},"rootfs":{"type":"layers","diff_ids":[]}}"#).unwrap();
        assert_eq!(c.platform(), "linux/amd64");
    }
}
