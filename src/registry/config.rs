//! `registries.conf` (containers-registries.conf(5), version 2): short-name
//! resolution (`[aliases]`, `unqualified-search-registries`) and per-registry
//! settings (`[[registry]]` with `prefix`, `location`, `insecure`,
//! `blocked`, `[[registry.mirror]]`). Files read: `CONTAINERS_REGISTRIES_CONF`
//! alone when set; else `~/.config/containers/registries.conf` if it exists,
//! otherwise `/etc/containers/registries.conf`, then the drop-ins of
//! `/etc/containers/registries.conf.d/` and
//! `~/.config/containers/registries.conf.d/` in name order, later ones
//! overriding. Short names never lead to an interactive prompt.

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    unqualified_search_registries: Option<Vec<String>>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    #[serde(default)]
    registry: Vec<RegistryEntry>,
}

/// One `[[registry]]` table.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "kebab-case")]
pub struct RegistryEntry {
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub mirror: Vec<Mirror>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "kebab-case")]
pub struct Mirror {
    pub location: String,
    #[serde(default)]
    pub insecure: bool,
}

/// The merged configuration.
#[derive(Default, Debug)]
pub struct RegistriesConf {
    pub search: Option<Vec<String>>,
    pub aliases: BTreeMap<String, String>,
    pub registries: Vec<RegistryEntry>,
}

/// Where to reach one repository: a host and whether plain HTTP and
/// unverified TLS are allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host[:port]` as written in references (`docker.io` stays so here;
    /// the client maps it to `registry-1.docker.io`).
    pub registry: String,
    /// The repository at that endpoint (a prefix rewrite may change it).
    pub repository: String,
    /// `insecure = true` in registries.conf: plain HTTP and unverified
    /// TLS are allowed.
    pub insecure: bool,
}

impl RegistriesConf {
    /// Read the files of the environment (see the module docs).
    pub fn load() -> Result<RegistriesConf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let mut files = Vec::new();
        if let Some(p) = env("CONTAINERS_REGISTRIES_CONF") {
            files.push(p);
        } else {
            let user = env("XDG_CONFIG_HOME")
                .or_else(|| env("HOME").map(|h| h.join(".config")))
                .map(|d| d.join("containers"));
            let main = user
                .as_ref()
                .map(|d| d.join("registries.conf"))
                .filter(|p| p.exists())
                .unwrap_or_else(|| PathBuf::from("/etc/containers/registries.conf"));
            files.push(main);
            let mut dirs = vec![PathBuf::from("/etc/containers/registries.conf.d")];
            dirs.extend(user.map(|d| d.join("registries.conf.d")));
            for d in dirs {
                let mut dropins: Vec<PathBuf> = std::fs::read_dir(&d)
                    .map(|rd| {
                        rd.filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                            .collect()
                    })
                    .unwrap_or_default();
                dropins.sort();
                files.extend(dropins);
            }
        }
        let mut conf = RegistriesConf::default();
        for f in files {
            conf.merge_file(&f)?;
        }
        Ok(conf)
    }

    fn merge_file(&mut self, path: &Path) -> Result<()> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        self.merge_str(&text)
            .with_context(|| format!("reading {}", path.display()))
    }

    /// Merge one file's text: lists given replace earlier ones, aliases and
    /// registries are overridden by prefix.
    pub fn merge_str(&mut self, text: &str) -> Result<()> {
        let f: File = toml::from_str(text).map_err(|e| anyhow!("{}", e.message()))?;
        if f.unqualified_search_registries.is_some() {
            self.search = f.unqualified_search_registries;
        }
        self.aliases.extend(f.aliases);
        for mut r in f.registry {
            if r.prefix.is_none() {
                r.prefix = Some(r.location.clone());
            }
            self.registries.retain(|o| o.prefix != r.prefix);
            self.registries.push(r);
        }
        Ok(())
    }

    /// The fully qualified candidates for what the user typed: the
    /// reference itself when it names a registry; else an alias; else the
    /// name under each unqualified-search registry (`docker.io` when none is
    /// configured, as Docker does).
    pub fn candidates(&self, input: &str) -> Vec<String> {
        if crate::reference::has_domain(input) {
            return vec![input.to_string()];
        }
        let (name, suffix) = split_suffix(input);
        if let Some(target) = self.aliases.get(name) {
            return vec![format!("{target}{suffix}")];
        }
        match &self.search {
            Some(list) if !list.is_empty() => list.iter().map(|r| format!("{r}/{input}")).collect(),
            _ => vec![input.to_string()],
        }
    }

    /// The endpoints to try for `registry/repository`, mirrors first;
    /// an error when the registry is blocked.
    pub fn endpoints(&self, registry: &str, repository: &str) -> Result<Vec<Endpoint>> {
        let full = format!("{registry}/{repository}");
        let entry = self
            .registries
            .iter()
            .filter(|r| {
                let p = r.prefix.as_deref().unwrap_or("");
                !p.is_empty()
                    && (full == p
                        || (full.starts_with(p)
                            && matches!(full.as_bytes().get(p.len()), Some(b'/' | b':'))))
            })
            .max_by_key(|r| r.prefix.as_deref().map_or(0, str::len));
        let Some(entry) = entry else {
            return Ok(vec![Endpoint {
                registry: registry.to_string(),
                repository: repository.to_string(),
                insecure: false,
            }]);
        };
        if entry.blocked {
            anyhow::bail!("registry {registry} is blocked in registries.conf");
        }
        let prefix = entry.prefix.as_deref().unwrap_or("");
        let rewrite = |location: &str, insecure: bool| -> Endpoint {
            let rest = &full[prefix.len()..];
            let rewritten = if location.is_empty() {
                full.clone()
            } else {
                format!("{location}{rest}")
            };
            let (reg, repo) = rewritten
                .split_once('/')
                .unwrap_or((rewritten.as_str(), repository));
            Endpoint {
                registry: reg.to_string(),
                repository: repo.to_string(),
                insecure,
            }
        };
        let mut out: Vec<Endpoint> = entry
            .mirror
            .iter()
            .map(|m| rewrite(&m.location, m.insecure))
            .collect();
        out.push(rewrite(&entry.location, entry.insecure));
        Ok(out)
    }

    /// Whether `registry` is marked insecure.
    pub fn insecure(&self, registry: &str) -> bool {
        self.registries.iter().any(|r| {
            r.insecure && (r.location == registry || r.prefix.as_deref() == Some(registry))
        })
    }
}

/// `localhost[:port]` and `127.0.0.1[:port]` may be plain HTTP (but when
/// they speak TLS, their certificates are verified unless told otherwise).
pub fn is_local(registry: &str) -> bool {
    let host = match registry.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => registry,
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// `name:tag@digest` → (`name`, `:tag@digest`).
fn split_suffix(input: &str) -> (&str, &str) {
    let end = input.find(['@', ':']).unwrap_or(input.len());
    (&input[..end], &input[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_search_and_mirrors() {
        let mut c = RegistriesConf::default();
        c.merge_str(
            r#"
unqualified-search-registries = ["quay.io", "docker.io"]
[aliases]
"foo" = "example.com/ns/foo"
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "mirror.local:5000/hub"
insecure = true
[[registry]]
location = "bad.example"
blocked = true
"#,
        )
        .unwrap();
        assert_eq!(c.candidates("foo:1"), ["example.com/ns/foo:1"]);
        assert_eq!(c.candidates("bar"), ["quay.io/bar", "docker.io/bar"]);
        assert_eq!(c.candidates("x.io/bar"), ["x.io/bar"]);
        let e = c.endpoints("docker.io", "library/alpine").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].registry, "mirror.local:5000");
        assert_eq!(e[0].repository, "hub/library/alpine");
        assert!(e[0].insecure);
        assert_eq!(e[1].registry, "docker.io");
        assert!(c.endpoints("bad.example", "x").is_err());
        assert!(!c.endpoints("127.0.0.1:5000", "x").unwrap()[0].insecure);
        assert!(is_local("127.0.0.1:5000") && is_local("localhost") && !is_local("x.io"));
    }
}
