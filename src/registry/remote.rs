//! An image in a registry, read as an [`Image`]: the manifest (an OCI
//! manifest or Docker v2 schema 2, found directly or through an OCI index
//! or Docker manifest list by platform), its config, and its layers as
//! streams that verify size and digest and resume a broken download with
//! `Range` (distribution-spec "Pulling blobs"; RFC 9110 §14 range requests).

use super::client::{error_body, Body, Client};
use super::RegistryError;
use crate::digest::{Digest, HashingWriter};
use crate::image::manifest::{self, Descriptor, Index, Manifest};
use crate::image::{Image, LayerInfo};
use crate::progress::{BlobKind, Event, Sink};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{self, Read, Write};

/// Manifests larger than this are refused (distribution's own limit is
/// 4 MiB).
const MANIFEST_MAX: u64 = 4 << 20;
/// Configs larger than this are refused.
const CONFIG_MAX: u64 = 32 << 20;
/// How often one blob download may break and be resumed.
const MAX_RESUMES: u32 = 8;

/// Every manifest type berth reads, for `Accept`.
pub const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

/// `os/arch[/variant]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The platform of this machine, with OCI's names.
    pub fn host() -> Platform {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "arm" => ("arm", Some("v7")),
            "x86" => ("386", None),
            "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", None),
            "loongarch64" => ("loong64", None),
            other => (other, None),
        };
        Platform {
            os: "linux".into(),
            architecture: arch.into(),
            variant: variant.map(str::to_string),
        }
    }

    /// Parse `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            bail!("invalid platform {s:?}: expected os/arch[/variant]");
        }
        Ok(Platform {
            os: parts[0].to_string(),
            architecture: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
        })
    }

    /// The platform `os`, `arch` and `variant` name, each the host's when
    /// not given (the host's variant only for the host's architecture):
    /// `--os`, `--arch`, `--variant`.
    pub fn with_parts(
        os: Option<&str>,
        arch: Option<&str>,
        variant: Option<&str>,
    ) -> Result<Platform> {
        let host = Platform::host();
        let arch = arch.unwrap_or(&host.architecture);
        let variant = variant.or(host
            .variant
            .as_deref()
            .filter(|_| arch == host.architecture));
        let os = os.unwrap_or(&host.os);
        Platform::parse(&match variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        })
    }

    /// Variants this platform runs, best first (an armv7 machine runs
    /// armv6 and armv5 images, as containerd's platform matcher says).
    fn variants(&self) -> Vec<String> {
        let v = self.variant.as_deref();
        let list: &[&str] = match (self.architecture.as_str(), v) {
            ("arm", Some("v8")) => &["v8", "v7", "v6", "v5"],
            ("arm", Some("v7")) | ("arm", None) => &["v7", "v6", "v5"],
            ("arm", Some("v6")) => &["v6", "v5"],
            ("arm64", None) | ("arm64", Some("v8")) => &["v8"],
            _ => &[],
        };
        let mut out: Vec<String> = v.map(str::to_string).into_iter().collect();
        out.extend(
            list.iter()
                .map(|s| s.to_string())
                .filter(|s| Some(s.as_str()) != v),
        );
        out
    }

    /// The best manifest of `index` for this platform.
    pub fn choose<'a>(&self, index: &'a Index) -> Option<&'a Descriptor> {
        let same = |d: &&Descriptor| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.os == self.os && p.architecture == self.architecture)
        };
        let variant_of = |d: &Descriptor| d.platform.as_ref().and_then(|p| p.variant.clone());
        for v in self.variants() {
            if let Some(d) = index
                .manifests
                .iter()
                .filter(same)
                .find(|d| variant_of(d).as_deref() == Some(&v))
            {
                return Some(d);
            }
        }
        index
            .manifests
            .iter()
            .filter(same)
            .find(|d| variant_of(d).is_none())
            .or_else(|| {
                // No variant asked for: any variant of the architecture.
                if self.variant.is_none() {
                    index.manifests.iter().find(same)
                } else {
                    None
                }
            })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A manifest (or index) as fetched.
#[derive(Clone, Debug)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub media_type: Option<String>,
    pub digest: Digest,
}

impl FetchedManifest {
    pub fn is_index(&self) -> bool {
        manifest::is_index(self.media_type.as_deref(), &self.bytes)
    }
}

/// `GET /v2/<repo>/manifests/<tag or digest>`; a manifest asked for by
/// digest is verified against it.
pub fn fetch_manifest(client: &Client, repo: &str, reference: &str) -> Result<FetchedManifest> {
    let scopes = [super::auth::repo_scope(repo, "pull")];
    let path = format!("/v2/{repo}/manifests/{reference}");
    let resp = client.request("GET", &path, &scopes, &[("Accept", ACCEPT)], Body::Empty)?;
    match resp.status() {
        200 => {}
        404 => {
            return Err(RegistryError::NotFound {
                what: "manifest".into(),
                detail: error_body(resp),
            }
            .into())
        }
        s => bail!("fetching manifest: status {s}: {}", error_body(resp)),
    }
    let media_type = resp
        .header("Content-Type")
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_string())
        .filter(|c| !c.is_empty() && c != "application/json" && c != "text/plain");
    let mut bytes = Vec::new();
    resp.into_reader()
        .take(MANIFEST_MAX + 1)
        .read_to_end(&mut bytes)
        .context("fetching manifest")?;
    if bytes.len() as u64 > MANIFEST_MAX {
        bail!("fetching manifest: larger than {MANIFEST_MAX} bytes");
    }
    let digest = Digest::of(&bytes);
    if let Ok(want) = reference.parse::<Digest>() {
        if want != digest {
            bail!("manifest {want}: the registry sent content with digest {digest}");
        }
    }
    let media_type = media_type.or_else(|| {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
    });
    Ok(FetchedManifest {
        bytes,
        media_type,
        digest,
    })
}

/// Every tag of a repository (`GET /v2/<name>/tags/list`, following the
/// `Link` header of paginated answers, distribution-spec "Listing Tags").
pub fn list_tags(client: &Client, repo: &str) -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Tags {
        #[serde(default)]
        tags: Option<Vec<String>>,
    }
    let scopes = [super::auth::repo_scope(repo, "pull")];
    let mut path = format!("/v2/{repo}/tags/list");
    let mut out = Vec::new();
    for _ in 0..1000 {
        let resp = client.request("GET", &path, &scopes, &[], Body::Empty)?;
        match resp.status() {
            200 => {}
            404 => {
                return Err(RegistryError::NotFound {
                    what: format!("repository {}/{repo}", client.registry()),
                    detail: error_body(resp),
                }
                .into())
            }
            s => bail!("status {s}: {}", error_body(resp)),
        }
        let next = resp.header("Link").and_then(|l| {
            let start = l.find('<')? + 1;
            let end = l[start..].find('>')? + start;
            Some(l[start..end].to_string())
        });
        let mut text = String::new();
        resp.into_reader()
            .take(16 << 20)
            .read_to_string(&mut text)
            .context("reading the tag list")?;
        let t: Tags =
            serde_json::from_str(&text).map_err(|e| anyhow!("malformed tag list: {e}"))?;
        out.extend(t.tags.unwrap_or_default());
        match next {
            Some(n) => path = n,
            None => return Ok(out),
        }
    }
    Ok(out)
}

/// Fetch a small blob whole (a config), verifying size and digest.
pub fn fetch_small_blob(
    client: &Client,
    repo: &str,
    desc: &Descriptor,
    sink: Option<&dyn Sink>,
) -> Result<Vec<u8>> {
    if desc.size > CONFIG_MAX {
        bail!("blob {}: {} bytes is too large", desc.digest, desc.size);
    }
    let mut r = BlobReader::new(client, repo, desc.digest.clone(), desc.size, sink);
    let mut out = Vec::with_capacity(desc.size as usize);
    r.read_to_end(&mut out)
        .with_context(|| format!("fetching blob {}", desc.digest))?;
    Ok(out)
}

/// An image manifest in a repository, resolved for one platform.
pub struct RemoteImage<'a> {
    client: &'a Client,
    repository: String,
    /// The image manifest (not the index) as fetched.
    pub manifest: FetchedManifest,
    /// The index it was chosen from, when there was one.
    pub index: Option<FetchedManifest>,
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    sink: &'a dyn Sink,
}

impl<'a> RemoteImage<'a> {
    /// Resolve `reference` (a tag or a digest) in `repository`: fetch the
    /// manifest, through an index by `platform`, and the config.
    pub fn open(
        client: &'a Client,
        repository: &str,
        reference: &str,
        platform: &Platform,
        sink: &'a dyn Sink,
    ) -> Result<RemoteImage<'a>> {
        let first = fetch_manifest(client, repository, reference)?;
        let (manifest, index) = if first.is_index() {
            let idx: Index = serde_json::from_slice(&first.bytes)
                .map_err(|e| anyhow!("manifest list {}: malformed: {e}", first.digest))?;
            let desc = platform.choose(&idx).ok_or_else(|| {
                anyhow!(
                    "no image for platform {platform} in manifest list {} (it has {})",
                    first.digest,
                    platforms_of(&idx)
                )
            })?;
            let m = fetch_manifest(client, repository, &desc.digest.to_string())?;
            (m, Some(first))
        } else {
            (first, None)
        };
        match manifest.media_type.as_deref() {
            None | Some(manifest::OCI_MANIFEST) | Some(manifest::DOCKER_MANIFEST) => {}
            Some(other) => bail!("manifest {}: unsupported type {other}", manifest.digest),
        }
        let m: Manifest = serde_json::from_slice(&manifest.bytes)
            .map_err(|e| anyhow!("manifest {}: malformed: {e}", manifest.digest))?;
        if m.schema_version != 2 {
            bail!(
                "manifest {}: schema version {} is not supported",
                manifest.digest,
                m.schema_version
            );
        }
        sink.event(Event::Manifest {
            digest: manifest.digest.to_string(),
        });
        sink.event(Event::BlobStart {
            digest: m.config.digest.to_string(),
            total: Some(m.config.size),
            kind: BlobKind::Config,
        });
        let config = fetch_small_blob(client, repository, &m.config, Some(sink))
            .with_context(|| format!("fetching config {}", m.config.digest))?;
        let cfg = crate::image::config::ImageConfig::parse(&config)
            .with_context(|| format!("config {}", m.config.digest))?;
        if cfg.rootfs.diff_ids.len() != m.layers.len() {
            bail!(
                "manifest {}: {} layers, but its config lists {} diffIDs",
                manifest.digest,
                m.layers.len(),
                cfg.rootfs.diff_ids.len()
            );
        }
        let layers = m
            .layers
            .iter()
            .zip(&cfg.rootfs.diff_ids)
            .map(|(d, id)| {
                if !d.media_type.contains("tar") && !d.media_type.is_empty() {
                    bail!(
                        "layer {}: unsupported media type {}",
                        d.digest,
                        d.media_type
                    );
                }
                Ok(LayerInfo {
                    diff_id: id.clone(),
                    blob: Some(d.clone()),
                    tar_size: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RemoteImage {
            client,
            repository: repository.to_string(),
            manifest,
            index,
            config,
            layers,
            sink,
        })
    }
}

fn platforms_of(idx: &Index) -> String {
    let v: Vec<String> = idx
        .manifests
        .iter()
        .filter_map(|d| d.platform.as_ref())
        .map(|p| match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        })
        .collect();
    if v.is_empty() {
        "no platforms".into()
    } else {
        v.join(", ")
    }
}

impl Image for RemoteImage<'_> {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        let desc = self.layers[i]
            .blob
            .as_ref()
            .ok_or_else(|| anyhow!("layer {i}: no descriptor"))?;
        self.sink.event(Event::BlobStart {
            digest: desc.digest.to_string(),
            total: Some(desc.size),
            kind: BlobKind::Layer,
        });
        Ok(Box::new(BlobReader::new(
            self.client,
            &self.repository,
            desc.digest.clone(),
            desc.size,
            Some(self.sink),
        )))
    }
}

/// A blob download that resumes where it broke (`Range: bytes=N-`), never
/// reads past the expected size, and checks size and digest at the end.
pub struct BlobReader<'a> {
    client: &'a Client,
    repo: String,
    digest: Digest,
    size: u64,
    pos: u64,
    inner: Option<Box<dyn Read + Send + Sync>>,
    hasher: Option<HashingWriter<io::Sink>>,
    resumes: u32,
    sink: Option<&'a dyn Sink>,
    reported: u64,
}

impl<'a> BlobReader<'a> {
    pub fn new(
        client: &'a Client,
        repo: &str,
        digest: Digest,
        size: u64,
        sink: Option<&'a dyn Sink>,
    ) -> BlobReader<'a> {
        BlobReader {
            client,
            repo: repo.to_string(),
            digest,
            size,
            pos: 0,
            inner: None,
            hasher: Some(HashingWriter::new(io::sink())),
            resumes: 0,
            sink,
            reported: 0,
        }
    }

    fn open(&mut self) -> Result<()> {
        let scopes = [super::auth::repo_scope(&self.repo, "pull")];
        let path = format!("/v2/{}/blobs/{}", self.repo, self.digest);
        let range = format!("bytes={}-", self.pos);
        let headers: Vec<(&str, &str)> = if self.pos > 0 {
            vec![("Range", range.as_str())]
        } else {
            vec![]
        };
        let resp = self
            .client
            .request("GET", &path, &scopes, &headers, Body::Empty)?;
        let status = resp.status();
        match status {
            200 | 206 => {}
            404 => {
                return Err(RegistryError::NotFound {
                    what: format!("blob {}", self.digest),
                    detail: error_body(resp),
                }
                .into())
            }
            s => bail!("status {s}: {}", error_body(resp)),
        }
        let mut r = resp.into_reader();
        if self.pos > 0 && status == 200 {
            // The server ignored the range: skip what we already have.
            let skipped = io::copy(&mut (&mut r).take(self.pos), &mut io::sink())?;
            if skipped != self.pos {
                bail!("the server sent fewer bytes than before");
            }
        }
        self.inner = Some(r);
        Ok(())
    }

    /// Check the digest once everything was read (at most once).
    fn verify(&mut self) -> io::Result<()> {
        let Some(h) = self.hasher.take() else {
            return Ok(());
        };
        let (actual, _, _) = h.finish();
        if actual != self.digest {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {}: the registry sent content with digest {actual}",
                    self.digest
                ),
            ));
        }
        if let Some(s) = self.sink {
            s.event(Event::BlobDone {
                digest: self.digest.to_string(),
            });
        }
        Ok(())
    }

    fn fail(&self, why: impl std::fmt::Display) -> io::Error {
        io::Error::other(format!(
            "blob {}: {why} (after {} of {} bytes)",
            self.digest, self.pos, self.size
        ))
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos >= self.size {
                self.verify()?;
                return Ok(0);
            }
            if self.inner.is_none() {
                if let Err(e) = self.open() {
                    // A refusal (404, 401) is final; a broken connection
                    // was already retried by the client.
                    return Err(self.fail(format!("{e:#}")));
                }
            }
            let max = buf.len().min((self.size - self.pos) as usize);
            let res = self.inner.as_mut().map(|r| r.read(&mut buf[..max]));
            match res {
                Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Some(Ok(0)) | Some(Err(_)) => {
                    self.inner = None;
                    // A server that went silent gets two more chances, not
                    // eight: each costs a whole timeout.
                    self.resumes += match &res {
                        Some(Err(e))
                            if matches!(
                                e.kind(),
                                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                            ) =>
                        {
                            MAX_RESUMES / 3 + 1
                        }
                        _ => 1,
                    };
                    if self.resumes > MAX_RESUMES {
                        let why = match res {
                            Some(Err(e)) => e.to_string(),
                            _ => "the connection closed early".into(),
                        };
                        return Err(self.fail(why));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(
                        200 << self.resumes.min(4),
                    ));
                }
                Some(Ok(n)) => {
                    if let Some(h) = self.hasher.as_mut() {
                        h.write_all(&buf[..n])?;
                    }
                    self.pos += n as u64;
                    // The last bytes are given out only once the whole
                    // blob is verified, so a consumer that stops at its
                    // format's end (a gzip trailer) still sees a mismatch
                    // as an error naming the blob.
                    if self.pos >= self.size {
                        self.verify()?;
                    }
                    if let Some(s) = self.sink {
                        if self.pos - self.reported >= 256 * 1024 || self.pos == self.size {
                            self.reported = self.pos;
                            s.event(Event::BlobProgress {
                                digest: self.digest.to_string(),
                                done: self.pos,
                            });
                        }
                    }
                    return Ok(n);
                }
                None => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(platforms: &[(&str, Option<&str>)]) -> Index {
        Index {
            schema_version: 2,
            media_type: Some(manifest::OCI_INDEX.into()),
            manifests: platforms
                .iter()
                .enumerate()
                .map(|(i, (arch, variant))| Descriptor {
                    media_type: manifest::OCI_MANIFEST.into(),
                    digest: Digest::of(&[i as u8]),
                    size: 1,
                    platform: Some(manifest::Platform {
                        architecture: arch.to_string(),
                        os: "linux".into(),
                        variant: variant.map(str::to_string),
                        ..manifest::Platform::default()
                    }),
                    annotations: None,
                })
                .collect(),
            annotations: None,
        }
    }

    fn pick(idx: &Index, p: &str) -> Option<u8> {
        let d = Platform::parse(p).unwrap().choose(idx)?;
        (0u8..=255).find(|i| Digest::of(&[*i]) == d.digest)
    }

    #[test]
    fn platform_choice_with_arm_variant_fallback() {
        let idx = index(&[
            ("amd64", None),
            ("arm", Some("v6")),
            ("arm", Some("v7")),
            ("arm64", Some("v8")),
        ]);
        assert_eq!(pick(&idx, "linux/amd64"), Some(0));
        assert_eq!(pick(&idx, "linux/arm/v7"), Some(2));
        assert_eq!(pick(&idx, "linux/arm"), Some(2));
        assert_eq!(pick(&idx, "linux/arm/v8"), Some(2));
        assert_eq!(pick(&idx, "linux/arm64"), Some(3));
        assert_eq!(pick(&idx, "linux/s390x"), None);
        let v6_only = index(&[("arm", Some("v6"))]);
        assert_eq!(pick(&v6_only, "linux/arm/v7"), Some(0));
        assert_eq!(pick(&v6_only, "linux/arm/v5"), None);
        let plain = index(&[("arm64", None)]);
        assert_eq!(pick(&plain, "linux/arm64/v8"), Some(0));
    }

    #[test]
    fn platform_parse_refuses_bad_forms() {
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//v7").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
    }
}
