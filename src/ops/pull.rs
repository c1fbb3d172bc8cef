//! `pull` and `manifest inspect`: resolve what the user typed through
//! `registries.conf` (aliases, search registries, mirrors), then copy the
//! registry's image into the store with the store's verified, parallel
//! extraction: a pull is the same copy as a load, from a [`RemoteImage`].
//! What was fetched is remembered in the blob-info cache for later pushes.

use super::{open_store, owners};
use crate::digest::{chain_id, Digest};
use crate::progress::{BlobKind, Event, Sink};
use crate::reference::Reference;
use crate::registry::authfile::AuthFiles;
use crate::registry::config::{Endpoint, RegistriesConf};
use crate::registry::remote::{self, Platform};
use crate::registry::{Client, ClientOptions, Credentials, RegistryError, RemoteImage};
use crate::store::blobinfo::BlobLocation;
use crate::store::StorePaths;
use anyhow::{anyhow, Context, Result};
use std::path::PathBuf;

/// How to reach registries: shared by pull, push, login and manifest.
#[derive(Clone, Debug, Default)]
pub struct RemoteOptions {
    /// `--tls-verify`: `Some(false)` allows plain HTTP and any certificate.
    pub tls_verify: Option<bool>,
    /// `--creds user:password`, overriding stored credentials.
    pub creds: Option<Credentials>,
    /// `--authfile`.
    pub authfile: Option<PathBuf>,
    /// `--cert-dir`.
    pub cert_dir: Option<PathBuf>,
    /// `--retry`: attempts after the first.
    pub retries: Option<u32>,
    /// `--retry-delay`.
    pub retry_delay: Option<std::time::Duration>,
}

impl RemoteOptions {
    /// A client for `ep`, with the credentials stored for it.
    pub fn client(&self, ep: &Endpoint) -> Result<Client> {
        let credentials = match &self.creds {
            Some(c) => Some(c.clone()),
            None => AuthFiles::new(self.authfile.clone()).lookup(&ep.registry, &ep.repository)?,
        };
        // Local registries may speak plain HTTP; only `insecure` in
        // registries.conf or --tls-verify=false skip certificate checks.
        let allow_http = ep.insecure
            || crate::registry::config::is_local(&ep.registry)
            || self.tls_verify == Some(false);
        let defaults = ClientOptions::default();
        Client::new(
            &ep.registry,
            ClientOptions {
                credentials,
                allow_http,
                tls_verify: self.tls_verify.unwrap_or(!ep.insecure),
                cert_dir: self
                    .cert_dir
                    .clone()
                    .or_else(|| crate::registry::client::default_cert_dir(&ep.registry)),
                retry_delay: self.retry_delay,
                retries: self.retries.unwrap_or(defaults.retries),
                ..defaults
            },
        )
    }
}

/// A client for the registry `r` is pushed to (its last endpoint:
/// mirrors are for pulling), and that endpoint.
pub(crate) fn client_for(r: &Reference, remote: &RemoteOptions) -> Result<(Client, Endpoint)> {
    let conf = RegistriesConf::load()?;
    let eps = conf.endpoints(&r.registry, &r.repository)?;
    let ep = eps
        .last()
        .ok_or_else(|| anyhow!("no registry endpoint for {}", r.name()))?;
    Ok((remote.client(ep)?, ep.clone()))
}

pub struct PullOptions {
    pub reference: String,
    /// `os/arch[/variant]`; the host's when `None`.
    pub platform: Option<String>,
    pub all_tags: bool,
    /// Keep the image without a name, known by its `repo@digest` only
    /// (a build's FROM image of another platform: the name stays on the
    /// image of this one).
    pub unnamed: bool,
    pub remote: RemoteOptions,
}

/// One image pulled.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub id: Digest,
    /// The full reference pulled.
    pub reference: String,
    pub manifest_digest: Digest,
}

/// Pull `opts.reference` (every tag of the repository with `all_tags`).
pub fn pull(paths: &StorePaths, opts: &PullOptions, sink: &dyn Sink) -> Result<Vec<Pulled>> {
    let _phase = tracing::info_span!("pull").entered();
    let platform = match &opts.platform {
        Some(p) => Platform::parse(p)?,
        None => Platform::host(),
    };
    let conf = RegistriesConf::load()?;
    let candidates = conf.candidates(&opts.reference);
    let mut last = None;
    for (k, cand) in candidates.iter().enumerate() {
        let r = Reference::parse(cand).map_err(|e| anyhow!("{e}"))?;
        let res = if opts.all_tags {
            if r.digest.is_some() || has_tag(&opts.reference) {
                return Err(anyhow!(
                    "pulling {}: --all-tags takes a repository without a tag or digest",
                    opts.reference
                ));
            }
            pull_all_tags(paths, &conf, &r, &platform, &opts.remote, sink)
        } else {
            pull_one(
                paths,
                &conf,
                &r,
                &platform,
                &opts.remote,
                !opts.unnamed,
                sink,
            )
            .map(|p| vec![p])
        };
        match res {
            Ok(v) => {
                if let Ok(store) = open_store(paths) {
                    for p in &v {
                        super::events::image(&store, "pull", &p.id, &p.reference);
                    }
                }
                return Ok(v);
            }
            Err(e) => {
                let try_next = k + 1 < candidates.len()
                    && e.chain()
                        .any(|c| c.downcast_ref::<RegistryError>().is_some());
                last = Some(e.context(format!("pulling {r}")));
                if !try_next {
                    break;
                }
            }
        }
    }
    Err(last.unwrap_or_else(|| anyhow!("pulling {}: no registry to try", opts.reference)))
}

/// Whether the input names a tag (`localhost:5000/x` has a colon that is
/// not a tag's).
fn has_tag(s: &str) -> bool {
    s.rsplit('/').next().unwrap_or(s).contains(':')
}

fn pull_all_tags(
    paths: &StorePaths,
    conf: &RegistriesConf,
    r: &Reference,
    platform: &Platform,
    remote_opts: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<Vec<Pulled>> {
    let eps = conf.endpoints(&r.registry, &r.repository)?;
    let ep = eps
        .last()
        .ok_or_else(|| anyhow!("no registry endpoint for {}/{}", r.registry, r.repository))?;
    let client = remote_opts.client(ep)?;
    let tags = remote::list_tags(&client, &ep.repository).context("listing tags")?;
    let mut out = Vec::new();
    for t in tags {
        let one = Reference {
            tag: Some(t),
            digest: None,
            ..r.clone()
        };
        out.push(pull_one(
            paths,
            conf,
            &one,
            platform,
            remote_opts,
            true,
            sink,
        )?);
    }
    Ok(out)
}

fn pull_one(
    paths: &StorePaths,
    conf: &RegistriesConf,
    r: &Reference,
    platform: &Platform,
    remote_opts: &RemoteOptions,
    named: bool,
    sink: &dyn Sink,
) -> Result<Pulled> {
    sink.event(Event::Resolving {
        reference: r.to_string(),
    });
    let wanted = r
        .digest
        .clone()
        .or_else(|| r.tag.clone())
        .unwrap_or_else(|| "latest".into());
    let eps = conf.endpoints(&r.registry, &r.repository)?;
    let mut last = None;
    let mut clients = Vec::new();
    for ep in &eps {
        clients.push((ep, remote_opts.client(ep)?));
    }
    for (ep, client) in &clients {
        match RemoteImage::open(client, &ep.repository, &wanted, platform, sink) {
            Ok(img) => return commit(paths, r, ep, &img, named, sink),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow!("no registry endpoint for {}/{}", r.registry, r.repository)))
}

fn commit(
    paths: &StorePaths,
    r: &Reference,
    ep: &Endpoint,
    img: &RemoteImage<'_>,
    named: bool,
    sink: &dyn Sink,
) -> Result<Pulled> {
    use crate::image::Image;
    let store = open_store(paths)?;
    let writer = store.writer(owners())?;
    // Tell which layers need no download.
    let mut parent: Option<Digest> = None;
    for l in img.layers() {
        let c = chain_id(parent.as_ref(), &l.diff_id);
        if store.layer_dir(&c).exists() {
            if let Some(b) = &l.blob {
                sink.event(Event::BlobSkipped {
                    digest: b.digest.to_string(),
                    kind: BlobKind::Layer,
                });
            }
        }
        parent = Some(c);
    }
    let names: Vec<String> = if named && r.tag.is_some() && r.digest.is_none() {
        vec![r.to_string()]
    } else {
        Vec::new()
    };
    let mut digests = vec![format!("{}@{}", r.name(), img.manifest.digest)];
    if let Some(idx) = &img.index {
        digests.push(format!("{}@{}", r.name(), idx.digest));
    }
    let rec = writer.commit_image(img, &names, Some(&img.manifest.bytes), &digests)?;
    let entries: Vec<(Digest, BlobLocation)> = img
        .layers()
        .iter()
        .filter_map(|l| {
            let b = l.blob.as_ref()?;
            Some((
                l.diff_id.clone(),
                BlobLocation {
                    registry: ep.registry.clone(),
                    repository: ep.repository.clone(),
                    digest: b.digest.clone(),
                    size: b.size,
                    compression: crate::registry::push::compression_of(&b.media_type).into(),
                },
            ))
        })
        .collect();
    // Only a hint for later pushes: failing to record it fails nothing.
    let _ = store.record_blobs(&entries);
    Ok(Pulled {
        id: rec.id,
        reference: r.to_string(),
        manifest_digest: img.manifest.digest.clone(),
    })
}

pub struct ManifestInspectOptions {
    pub reference: String,
    pub remote: RemoteOptions,
}

/// The manifest or index of a reference, as the registry holds it.
pub fn inspect_manifest(opts: &ManifestInspectOptions) -> Result<Vec<u8>> {
    let conf = RegistriesConf::load()?;
    let cand = conf
        .candidates(&opts.reference)
        .into_iter()
        .next()
        .unwrap_or_else(|| opts.reference.clone());
    let r = Reference::parse(&cand).map_err(|e| anyhow!("{e}"))?;
    let ctx = || format!("inspecting manifest of {r}");
    let eps = conf
        .endpoints(&r.registry, &r.repository)
        .with_context(ctx)?;
    let ep = eps
        .last()
        .ok_or_else(|| anyhow!("no registry endpoint for {}/{}", r.registry, r.repository))?;
    let client = opts.remote.client(ep)?;
    let wanted = r
        .digest
        .clone()
        .or_else(|| r.tag.clone())
        .unwrap_or_else(|| "latest".into());
    let m = remote::fetch_manifest(&client, &ep.repository, &wanted).with_context(ctx)?;
    Ok(m.bytes)
}
