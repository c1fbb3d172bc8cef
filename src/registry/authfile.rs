//! Stored credentials, in the formats Podman and Docker use: Podman's
//! `auth.json` (`${XDG_RUNTIME_DIR}/containers/auth.json`, else
//! `$XDG_CONFIG_HOME/containers/auth.json`; `--authfile` or
//! `REGISTRY_AUTH_FILE` override it) and Docker's `~/.docker/config.json`,
//! both `{"auths": {"registry": {"auth": base64("user:password")}}}`, with
//! `credHelpers` / `credsStore` naming `docker-credential-<name>` programs
//! that hold the secrets (Docker's credential helper protocol: `get` reads
//! the server URL on stdin and prints `{"Username","Secret"}`).
//!
//! An identity token (an OAuth2 refresh token: `identitytoken` beside
//! `auth`, or a helper's `Secret` under the user `<token>`) is kept as the
//! password of the user [`IDENTITY_TOKEN_USER`], Docker's own convention.

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A user name and a password (or token). Printing it never shows the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:***", self.username)
    }
}

/// The user name that marks the password as an identity token.
pub const IDENTITY_TOKEN_USER: &str = "<token>";

impl Credentials {
    /// The identity token (refresh token) these credentials are, if any.
    pub fn identity_token(&self) -> Option<&str> {
        (self.username == IDENTITY_TOKEN_USER && !self.password.is_empty())
            .then_some(self.password.as_str())
    }

    /// The value of a Basic `Authorization` header (RFC 7617).
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// Where credentials are read from and written to.
#[derive(Clone, Debug, Default)]
pub struct AuthFiles {
    /// `--authfile` / `REGISTRY_AUTH_FILE`: when set, the only file used.
    pub authfile: Option<PathBuf>,
}

fn env_path(k: &str) -> Option<PathBuf> {
    std::env::var_os(k)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl AuthFiles {
    /// From the command line's `--authfile`, else `REGISTRY_AUTH_FILE`.
    pub fn new(authfile: Option<PathBuf>) -> AuthFiles {
        AuthFiles {
            authfile: authfile.or_else(|| env_path("REGISTRY_AUTH_FILE")),
        }
    }

    /// The file `login` writes: Podman's default `auth.json`.
    pub fn write_path(&self) -> PathBuf {
        if let Some(p) = &self.authfile {
            return p.clone();
        }
        match env_path("XDG_RUNTIME_DIR") {
            Some(run) => run.join("containers/auth.json"),
            None => config_home().join("containers/auth.json"),
        }
    }

    /// Every file read, in order of precedence.
    pub fn read_paths(&self) -> Vec<PathBuf> {
        if let Some(p) = &self.authfile {
            return vec![p.clone()];
        }
        let mut v = vec![self.write_path()];
        let cfg = config_home().join("containers/auth.json");
        if !v.contains(&cfg) {
            v.push(cfg);
        }
        let docker = env_path("DOCKER_CONFIG")
            .or_else(|| env_path("HOME").map(|h| h.join(".docker")))
            .map(|d| d.join("config.json"));
        v.extend(docker);
        v
    }

    /// The credentials for `registry` (host[:port]) and `repository`
    /// within it: a key naming the repository or a namespace of it wins
    /// over one naming the registry (as Podman); a credential helper is
    /// asked when a file names one for the registry.
    pub fn lookup(&self, registry: &str, repository: &str) -> Result<Option<Credentials>> {
        for path in self.read_paths() {
            let Some(doc) = read_json(&path)? else {
                continue;
            };
            let ctx = || format!("reading credentials from {}", path.display());
            if let Some(helper) = doc
                .get("credHelpers")
                .and_then(|h| h.get(registry))
                .and_then(Value::as_str)
            {
                return helper_get(helper, registry).with_context(ctx);
            }
            let auths = doc.get("auths").and_then(Value::as_object);
            let full = format!("{registry}/{repository}");
            let mut best: Option<(usize, &Value)> = None;
            for (k, v) in auths.into_iter().flatten() {
                let key = normalize_key(k);
                let hit = key == registry
                    || (full.starts_with(&key) && full.as_bytes().get(key.len()) == Some(&b'/'))
                    || (registry == "docker.io" && key == "docker.io");
                if hit && best.is_none_or(|(l, _)| key.len() > l) {
                    best = Some((key.len(), v));
                }
            }
            if let Some((_, v)) = best {
                if let Some(c) = decode_entry(v).with_context(ctx)? {
                    return Ok(Some(c));
                }
            }
            if let Some(store) = doc.get("credsStore").and_then(Value::as_str) {
                if let Some(c) = helper_get(store, registry).with_context(ctx)? {
                    return Ok(Some(c));
                }
            }
        }
        Ok(None)
    }

    /// Every registry (or `registry/namespace`) the files hold credentials
    /// or a credential helper for, once each, sorted; unreadable files
    /// are skipped.
    pub fn registries(&self) -> Vec<String> {
        let mut out = std::collections::BTreeSet::new();
        for path in self.read_paths() {
            let Ok(Some(doc)) = read_json(&path) else {
                continue;
            };
            for section in ["auths", "credHelpers"] {
                if let Some(o) = doc.get(section).and_then(Value::as_object) {
                    out.extend(o.keys().map(|k| normalize_key(k)));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Store `creds` for `key` (a registry, or `registry/namespace`).
    pub fn store(&self, key: &str, creds: &Credentials) -> Result<PathBuf> {
        let path = self.write_path();
        let mut doc = read_json(&path)?.unwrap_or_else(|| Value::Object(Map::new()));
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", creds.username, creds.password));
        let obj = doc
            .as_object_mut()
            .ok_or_else(|| anyhow!("{}: not a JSON object", path.display()))?;
        let auths = obj
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        let auths = auths
            .as_object_mut()
            .ok_or_else(|| anyhow!("{}: \"auths\" is not an object", path.display()))?;
        auths.insert(key.to_string(), serde_json::json!({ "auth": auth }));
        write_private(&path, &doc)?;
        Ok(path)
    }

    /// Remove the entry for `key`; `Ok(false)` when there was none.
    pub fn remove(&self, key: &str) -> Result<bool> {
        let path = self.write_path();
        let Some(mut doc) = read_json(&path)? else {
            return Ok(false);
        };
        let removed = doc
            .get_mut("auths")
            .and_then(Value::as_object_mut)
            .map(|a| {
                let keys: Vec<String> = a
                    .keys()
                    .filter(|k| normalize_key(k) == key)
                    .cloned()
                    .collect();
                for k in &keys {
                    a.remove(k);
                }
                !keys.is_empty()
            })
            .unwrap_or(false);
        if removed {
            write_private(&path, &doc)?;
        }
        Ok(removed)
    }

    /// Remove every entry of the file `login` writes.
    pub fn remove_all(&self) -> Result<()> {
        let path = self.write_path();
        if let Some(mut doc) = read_json(&path)? {
            if let Some(o) = doc.as_object_mut() {
                o.insert("auths".into(), Value::Object(Map::new()));
            }
            write_private(&path, &doc)?;
        }
        Ok(())
    }
}

fn config_home() -> PathBuf {
    env_path("XDG_CONFIG_HOME")
        .or_else(|| env_path("HOME").map(|h| h.join(".config")))
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// Keys are `host[:port][/path]`, or a URL as Docker writes them
/// (`https://index.docker.io/v1/`).
fn normalize_key(k: &str) -> String {
    let k = k
        .strip_prefix("https://")
        .or_else(|| k.strip_prefix("http://"))
        .unwrap_or(k);
    let k = k.trim_end_matches('/');
    let k = k.strip_suffix("/v1").or(k.strip_suffix("/v2")).unwrap_or(k);
    match k {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".into(),
        _ => k.to_string(),
    }
}

fn read_json(path: &Path) -> Result<Option<Value>> {
    match std::fs::read(path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(None),
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| anyhow!("reading {}: malformed JSON: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn decode_entry(v: &Value) -> Result<Option<Credentials>> {
    // Docker prefers the identity token to `auth` when both are there.
    if let Some(token) = v
        .get("identitytoken")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        return Ok(Some(Credentials {
            username: IDENTITY_TOKEN_USER.into(),
            password: token.to_string(),
        }));
    }
    let Some(auth) = v
        .get("auth")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    // The message never quotes the value: it holds the password.
    let raw = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| anyhow!("an \"auth\" entry is not valid base64"))?;
    let raw = String::from_utf8(raw).map_err(|_| anyhow!("an \"auth\" entry is not UTF-8"))?;
    let (u, p) = raw
        .split_once(':')
        .ok_or_else(|| anyhow!("an \"auth\" entry is not user:password"))?;
    Ok(Some(Credentials {
        username: u.to_string(),
        password: p.to_string(),
    }))
}

/// `docker-credential-<helper> get`, with the registry on stdin.
fn helper_get(helper: &str, registry: &str) -> Result<Option<Credentials>> {
    let prog = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&prog)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("running credential helper {prog}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(registry.as_bytes());
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("running credential helper {prog}"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stdout);
        // The helper protocol says "credentials not found in native keychain".
        if msg.contains("not found") {
            return Ok(None);
        }
        bail!("credential helper {prog} failed ({})", out.status);
    }
    let v: Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| anyhow!("credential helper {prog} printed malformed JSON"))?;
    let get = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (username, password) = (get("Username"), get("Secret"));
    if password.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials { username, password }))
}

/// Write `doc` atomically, readable by the user alone (it holds secrets).
fn write_private(path: &Path, doc: &Value) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut bytes = serde_json::to_vec_pretty(doc)?;
    bytes.push(b'\n');
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalize_docker_hub_urls() {
        assert_eq!(normalize_key("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_key("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(normalize_key("quay.io/ns"), "quay.io/ns");
    }

    #[test]
    fn debug_hides_the_password() {
        let c = Credentials {
            username: "u".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn identitytoken_is_a_refresh_token() {
        use base64::Engine as _;
        let auth = base64::engine::general_purpose::STANDARD.encode("u:");
        let v = serde_json::json!({"auth": auth, "identitytoken": "refresh-me"});
        let c = decode_entry(&v).unwrap().unwrap();
        assert_eq!(c.identity_token(), Some("refresh-me"));
        assert!(!format!("{c:?}").contains("refresh-me"));
        // As a credential helper gives it.
        let helper = Credentials {
            username: "<token>".into(),
            password: "r".into(),
        };
        assert_eq!(helper.identity_token(), Some("r"));
        let plain = Credentials {
            username: "u".into(),
            password: "p".into(),
        };
        assert_eq!(plain.identity_token(), None);
    }

    #[test]
    fn store_lookup_remove() {
        let dir = tempfile::tempdir().unwrap();
        let files = AuthFiles {
            authfile: Some(dir.path().join("a/auth.json")),
        };
        let c = Credentials {
            username: "u".into(),
            password: "p:w".into(),
        };
        files.store("127.0.0.1:5000", &c).unwrap();
        assert_eq!(files.lookup("127.0.0.1:5000", "x/y").unwrap(), Some(c));
        assert_eq!(files.lookup("127.0.0.1:5001", "x/y").unwrap(), None);
        assert!(files.remove("127.0.0.1:5000").unwrap());
        assert!(!files.remove("127.0.0.1:5000").unwrap());
    }
}
