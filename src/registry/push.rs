//! Push any [`Image`] to a repository (distribution-spec "Pushing blobs",
//! "Pushing Manifests"): each layer is first looked for in the registry
//! (`HEAD` on digests the blob-info cache knows), then mounted from another
//! repository of the same registry ("Mounting a blob from another
//! repository"), and only then uploaded: `POST` to open an upload, one
//! streamed `PATCH` of the layer compressed on the fly from the source,
//! and a closing `PUT ?digest=`. The config follows, and the manifest last,
//! so a registry never holds a manifest whose blobs are missing.

use super::auth::repo_scope;
use super::client::{error_body, Body, Client};
use crate::digest::{Digest, HashingWriter};
use crate::image::manifest::{self, Descriptor, Manifest};
use crate::image::Image;
use crate::progress::{BlobKind, Event, Sink};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The manifest format written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Oci,
    V2s2,
}

/// How layers are compressed for the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerCompression {
    Gzip,
    Zstd,
}

impl LayerCompression {
    pub fn as_str(self) -> &'static str {
        match self {
            LayerCompression::Gzip => "gzip",
            LayerCompression::Zstd => "zstd",
        }
    }
}

#[derive(Clone, Debug)]
pub struct PushOptions {
    pub format: Format,
    pub compression: LayerCompression,
}

/// A blob known (from the blob-info cache) to hold a layer somewhere in
/// the registry being pushed to.
#[derive(Clone, Debug)]
pub struct KnownBlob {
    pub repository: String,
    pub digest: Digest,
    pub size: u64,
    /// `gzip`, `zstd` or `none`.
    pub compression: String,
}

/// How a layer reached the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Uploaded,
    Existed,
    Mounted,
}

#[derive(Clone, Debug)]
pub struct PushedLayer {
    pub diff_id: Digest,
    pub blob: Descriptor,
    pub sent: Sent,
}

/// What a push did.
#[derive(Clone, Debug)]
pub struct Pushed {
    pub manifest_digest: Digest,
    pub manifest: Vec<u8>,
    pub layers: Vec<PushedLayer>,
}

/// The compression named by a layer media type.
pub fn compression_of(media_type: &str) -> &'static str {
    if media_type.ends_with("gzip") {
        "gzip"
    } else if media_type.ends_with("zstd") {
        "zstd"
    } else {
        "none"
    }
}

/// Push `img` to `repository`, tagged `tag` (or by digest when `None`).
/// `known` gives, per diffID, blobs that may already hold the layer.
pub fn push(
    client: &Client,
    repository: &str,
    tag: Option<&str>,
    img: &dyn Image,
    opts: &PushOptions,
    known: &(dyn Fn(&Digest) -> Vec<KnownBlob> + Sync),
    sink: &dyn Sink,
) -> Result<Pushed> {
    if opts.format == Format::V2s2 && opts.compression == LayerCompression::Zstd {
        bail!("zstd layers need the OCI format (--format oci)");
    }
    let (layer_type, config_type, manifest_type) = match (opts.format, opts.compression) {
        (Format::Oci, LayerCompression::Gzip) => (
            manifest::OCI_LAYER_GZIP,
            manifest::OCI_CONFIG,
            manifest::OCI_MANIFEST,
        ),
        (Format::Oci, LayerCompression::Zstd) => (
            manifest::OCI_LAYER_ZSTD,
            manifest::OCI_CONFIG,
            manifest::OCI_MANIFEST,
        ),
        (Format::V2s2, _) => (
            manifest::DOCKER_LAYER_GZIP,
            manifest::DOCKER_CONFIG,
            manifest::DOCKER_MANIFEST,
        ),
    };
    let p = Pusher {
        client,
        repo: repository,
        scopes: vec![repo_scope(repository, "pull,push")],
        sink,
    };
    client.ping()?;

    let n = img.layers().len();
    let results: Mutex<Vec<Option<PushedLayer>>> = Mutex::new(vec![None; n]);
    let errors = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..n.clamp(1, 3) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n || failed.load(Ordering::SeqCst) {
                    break;
                }
                let diff_id = &img.layers()[i].diff_id;
                match p.layer(img, i, opts.compression, &known(diff_id)) {
                    Ok((desc, sent)) => {
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(PushedLayer {
                            diff_id: diff_id.clone(),
                            blob: Descriptor {
                                media_type: layer_type.into(),
                                ..desc
                            },
                            sent,
                        })
                    }
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, e.context(format!("pushing layer {diff_id}"))));
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    if let Some((_, e)) = errors.into_iter().next() {
        return Err(e);
    }
    let layers: Vec<PushedLayer> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|l| l.ok_or_else(|| anyhow!("a layer was not pushed")))
        .collect::<Result<_>>()?;

    let config = img.config_bytes();
    let config_desc = Descriptor {
        media_type: config_type.into(),
        digest: Digest::of(config),
        size: config.len() as u64,
        platform: None,
        annotations: None,
    };
    p.config(config, &config_desc)
        .with_context(|| format!("pushing config {}", config_desc.digest))?;

    let m = Manifest {
        schema_version: 2,
        media_type: Some(manifest_type.into()),
        config: config_desc,
        layers: layers.iter().map(|l| l.blob.clone()).collect(),
        annotations: None,
    };
    let bytes = m.to_json();
    let digest = Digest::of(&bytes);
    sink.event(Event::Manifest {
        digest: digest.to_string(),
    });
    let reference = tag
        .map(str::to_string)
        .unwrap_or_else(|| digest.to_string());
    let resp = client
        .request(
            "PUT",
            &format!("/v2/{repository}/manifests/{reference}"),
            &p.scopes,
            &[("Content-Type", manifest_type)],
            Body::Bytes(&bytes),
        )
        .context("writing manifest")?;
    if !(200..300).contains(&resp.status()) {
        bail!(
            "writing manifest: status {}: {}",
            resp.status(),
            error_body(resp)
        );
    }
    Ok(Pushed {
        manifest_digest: digest,
        manifest: bytes,
        layers,
    })
}

struct Pusher<'a> {
    client: &'a Client,
    repo: &'a str,
    scopes: Vec<String>,
    sink: &'a dyn Sink,
}

impl Pusher<'_> {
    /// The blob's size when the repository has it.
    fn head(&self, digest: &Digest) -> Result<Option<u64>> {
        let resp = self.client.request(
            "HEAD",
            &format!("/v2/{}/blobs/{digest}", self.repo),
            &self.scopes,
            &[],
            Body::Empty,
        )?;
        Ok(match resp.status() {
            200 => Some(
                resp.header("Content-Length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0),
            ),
            _ => None,
        })
    }

    /// `POST /v2/<repo>/blobs/uploads/`: the upload's `Location`.
    fn start_upload(&self) -> Result<String> {
        let resp = self.client.request(
            "POST",
            &format!("/v2/{}/blobs/uploads/", self.repo),
            &self.scopes,
            &[("Content-Length", "0")],
            Body::Empty,
        )?;
        if resp.status() != 202 {
            bail!(
                "starting an upload: status {}: {}",
                resp.status(),
                error_body(resp)
            );
        }
        location(&resp)
    }

    /// Close an upload with `PUT <location>?digest=`, optionally sending
    /// the content in the same request (monolithic upload).
    fn finish_upload(&self, location: &str, digest: &Digest, data: &[u8]) -> Result<()> {
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={digest}");
        let resp = self.client.request(
            "PUT",
            &url,
            &self.scopes,
            &[("Content-Type", "application/octet-stream")],
            Body::Bytes(data),
        )?;
        if resp.status() != 201 {
            bail!(
                "finishing the upload: status {}: {}",
                resp.status(),
                error_body(resp)
            );
        }
        Ok(())
    }

    fn config(&self, data: &[u8], desc: &Descriptor) -> Result<()> {
        if self.head(&desc.digest)? == Some(desc.size) {
            self.sink.event(Event::BlobSkipped {
                digest: desc.digest.to_string(),
                kind: BlobKind::Config,
            });
            return Ok(());
        }
        self.sink.event(Event::BlobStart {
            digest: desc.digest.to_string(),
            total: Some(desc.size),
            kind: BlobKind::Config,
        });
        let loc = self.start_upload()?;
        self.finish_upload(&loc, &desc.digest, data)?;
        self.sink.event(Event::BlobDone {
            digest: desc.digest.to_string(),
        });
        Ok(())
    }

    fn layer(
        &self,
        img: &dyn Image,
        i: usize,
        compression: LayerCompression,
        known: &[KnownBlob],
    ) -> Result<(Descriptor, Sent)> {
        let desc = |k: &KnownBlob| Descriptor {
            media_type: String::new(),
            digest: k.digest.clone(),
            size: k.size,
            platform: None,
            annotations: None,
        };
        let usable: Vec<&KnownBlob> = known
            .iter()
            .filter(|k| k.compression == compression.as_str())
            .collect();
        for k in usable.iter().filter(|k| k.repository == self.repo) {
            if self.head(&k.digest)? == Some(k.size) {
                self.sink.event(Event::BlobSkipped {
                    digest: k.digest.to_string(),
                    kind: BlobKind::Layer,
                });
                return Ok((desc(k), Sent::Existed));
            }
        }
        for k in usable.iter().filter(|k| k.repository != self.repo) {
            if self.mount(k)? {
                return Ok((desc(k), Sent::Mounted));
            }
        }
        // Uploads are retried whole: the stream is made again from the
        // source, and the registry drops the broken upload.
        let mut attempt = 0;
        loop {
            match self.upload(img, i, compression) {
                Ok(d) => return Ok((d, Sent::Uploaded)),
                Err(e) if attempt < 2 && e.downcast_ref::<super::RegistryError>().is_none() => {
                    attempt += 1;
                    self.sink.event(Event::Retrying {
                        what: format!("layer {}", img.layers()[i].diff_id),
                        attempt,
                    });
                    std::thread::sleep(std::time::Duration::from_millis(500 << attempt));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Cross-repository mount; `false` when the registry would not.
    fn mount(&self, k: &KnownBlob) -> Result<bool> {
        let mut scopes = self.scopes.clone();
        scopes.push(repo_scope(&k.repository, "pull"));
        let resp = self.client.request(
            "POST",
            &format!(
                "/v2/{}/blobs/uploads/?mount={}&from={}",
                self.repo, k.digest, k.repository
            ),
            &scopes,
            &[("Content-Length", "0")],
            Body::Empty,
        )?;
        match resp.status() {
            201 => {
                self.sink.event(Event::BlobMounted {
                    digest: k.digest.to_string(),
                    from: k.repository.clone(),
                });
                Ok(true)
            }
            202 => {
                // The registry opened an ordinary upload instead: cancel it.
                if let Ok(loc) = location(&resp) {
                    let _ = self
                        .client
                        .request("DELETE", &loc, &self.scopes, &[], Body::Empty);
                }
                Ok(false)
            }
            _ => Ok(false),
        }
    }

    /// Compress layer `i` from the source while sending it in one
    /// chunked `PATCH`, hashing what is sent; then close the upload.
    fn upload(
        &self,
        img: &dyn Image,
        i: usize,
        compression: LayerCompression,
    ) -> Result<Descriptor> {
        let loc = self.start_upload()?;
        let (reader, writer) = std::io::pipe().context("creating a pipe")?;
        // Progress is reported under the layer's diffID (the compressed
        // digest is known only at the end), as Podman shows local layers.
        let name = img.layers()[i].diff_id.to_string();
        self.sink.event(Event::BlobStart {
            digest: name.clone(),
            total: img.layers()[i].tar_size,
            kind: BlobKind::Layer,
        });
        let (sent, produced) = std::thread::scope(|s| {
            let producer = s.spawn(|| compress_layer(img, i, compression, writer));
            let counting = CountingReader {
                inner: reader,
                count: 0,
                reported: 0,
                name: &name,
                sink: self.sink,
            };
            let resp = self.client.request(
                "PATCH",
                &loc,
                &self.scopes,
                &[("Content-Type", "application/octet-stream")],
                Body::Reader(Box::new(counting)),
            );
            let produced = producer
                .join()
                .unwrap_or_else(|_| Err(anyhow!("compressing the layer panicked")));
            (resp, produced)
        });
        let resp = sent.context("sending the layer")?;
        let (digest, size) = produced.context("compressing the layer")?;
        if resp.status() != 202 {
            bail!(
                "sending the layer: status {}: {}",
                resp.status(),
                error_body(resp)
            );
        }
        let loc = location(&resp).unwrap_or(loc);
        self.finish_upload(&loc, &digest, &[])?;
        self.sink.event(Event::BlobDone { digest: name });
        Ok(Descriptor {
            media_type: String::new(),
            digest,
            size,
            platform: None,
            annotations: None,
        })
    }
}

/// Write layer `i` compressed into `out`; the digest and size of what was
/// written.
fn compress_layer(
    img: &dyn Image,
    i: usize,
    compression: LayerCompression,
    out: std::io::PipeWriter,
) -> Result<(Digest, u64)> {
    let hashed = HashingWriter::new(std::io::BufWriter::with_capacity(256 * 1024, out));
    let hashed = match compression {
        LayerCompression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(hashed, flate2::Compression::default());
            img.write_layer_tar(i, &mut enc)?;
            enc.finish()?
        }
        LayerCompression::Zstd => {
            let mut enc = zstd::Encoder::new(hashed, 3)?;
            img.write_layer_tar(i, &mut enc)?;
            enc.finish()?
        }
    };
    let (digest, size, mut buf) = hashed.finish();
    buf.flush()?;
    Ok((digest, size))
}

/// Reports the compressed bytes sent so far, every 256 KiB (against the
/// uncompressed size as total: the bar ends short of full, never past).
struct CountingReader<'a, R> {
    inner: R,
    count: u64,
    reported: u64,
    name: &'a str,
    sink: &'a dyn Sink,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count - self.reported >= 256 * 1024 {
            self.reported = self.count;
            self.sink.event(Event::BlobProgress {
                digest: self.name.to_string(),
                done: self.count,
            });
        }
        Ok(n)
    }
}

/// The `Location` of an upload answer.
fn location(resp: &ureq::Response) -> Result<String> {
    resp.header("Location")
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the registry gave no upload location"))
}
