//! `login` and `logout`: check credentials against a registry and keep
//! them in Podman's `auth.json` (or the `--authfile`), or remove them.

use super::pull::RemoteOptions;
use crate::registry::authfile::AuthFiles;
use crate::registry::config::{Endpoint, RegistriesConf};
use crate::registry::Credentials;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

pub struct LoginOptions {
    /// `host[:port]`; the first search registry (or docker.io) when `None`.
    pub registry: Option<String>,
    pub credentials: Credentials,
    pub remote: RemoteOptions,
}

/// The registry a login names: scheme and trailing `/` dropped; the
/// default registry when none is given.
pub fn registry_key(given: Option<&str>) -> Result<String> {
    let key = match given {
        Some(r) => {
            let r = r
                .strip_prefix("https://")
                .or_else(|| r.strip_prefix("http://"))
                .unwrap_or(r);
            r.trim_end_matches('/').to_string()
        }
        None => {
            let conf = RegistriesConf::load()?;
            conf.search
                .as_ref()
                .and_then(|s| s.first().cloned())
                .unwrap_or_else(|| crate::reference::DEFAULT_REGISTRY.into())
        }
    };
    if key.is_empty() {
        bail!("no registry given");
    }
    Ok(match key.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".into(),
        _ => key,
    })
}

/// Check the credentials against the registry, then store them; returns
/// the file written.
pub fn login(opts: &LoginOptions) -> Result<PathBuf> {
    let key = registry_key(opts.registry.as_deref())?;
    let ctx = || format!("logging in to {key}");
    let registry = key.split('/').next().unwrap_or(&key).to_string();
    let conf = RegistriesConf::load().with_context(ctx)?;
    let ep = Endpoint {
        insecure: conf.insecure(&registry),
        registry,
        repository: String::new(),
    };
    let remote = RemoteOptions {
        creds: Some(opts.credentials.clone()),
        ..opts.remote.clone()
    };
    let client = remote.client(&ep).with_context(ctx)?;
    client.check_login().with_context(ctx)?;
    AuthFiles::new(opts.remote.authfile.clone())
        .store(&key, &opts.credentials)
        .with_context(ctx)
}

/// Remove the credentials of `registry` (or all with `None`); `Ok(false)`
/// when there were none for it.
pub fn logout(registry: Option<&str>, authfile: Option<PathBuf>) -> Result<bool> {
    let files = AuthFiles::new(authfile);
    match registry {
        None => files.remove_all().map(|_| true),
        Some(r) => {
            let key = registry_key(Some(r))?;
            files
                .remove(&key)
                .with_context(|| format!("logging out of {key}"))
        }
    }
}
