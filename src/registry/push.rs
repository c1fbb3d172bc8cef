//! Push any [`Image`] to a repository (distribution-spec "Pushing blobs",
//! "Pushing Manifests"): each layer is first looked for in the registry
//! (`HEAD` on digests the blob-info cache knows), then mounted from another
//! repository of the same registry ("Mounting a blob from another
//! repository"), and only then uploaded: `POST` to open an upload, one
//! streamed `PATCH` of the layer compressed on the fly from the source,
//! and a closing `PUT ?digest=`. A registry that announces
//! `OCI-Chunk-Min-Length` on the `POST` (distribution-spec 1.1, "Pushing a
//! blob in chunks") gets `PATCH`es of at least that size with
//! `Content-Range` instead, each sent to the `Location` the previous one
//! answered. The config follows, and the manifest last, so a registry
//! never holds a manifest whose blobs are missing.

use super::auth::repo_scope;
use super::client::{error_body, Body, Client};
use crate::digest::{Digest, HashingWriter};
use crate::image::manifest::{self, Descriptor, Manifest};
use crate::image::{Image, ImageSink, LayerStream, Placed, Verified};
use crate::progress::{BlobKind, Event, Sink};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Write};

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
    /// Seen in the repository by this process just now: no need to ask.
    pub confirmed: bool,
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
    let mut sink = RegistrySink {
        p: Pusher {
            client,
            repo: repository,
            scopes: vec![repo_scope(repository, "pull,push")],
            sink,
        },
        tag,
        compression: opts.compression,
        known,
        types: (layer_type, config_type, manifest_type),
    };
    crate::image::copy(img, &mut sink)
}

/// A repository of a registry as an [`ImageSink`]: layers first (several
/// at once), then the config, the manifest last.
struct RegistrySink<'a> {
    p: Pusher<'a>,
    tag: Option<&'a str>,
    compression: LayerCompression,
    known: &'a (dyn Fn(&Digest) -> Vec<KnownBlob> + Sync),
    /// The media types of the layers, the config and the manifest.
    types: (&'static str, &'static str, &'static str),
}

impl ImageSink for RegistrySink<'_> {
    type Layer = PushedLayer;
    type Done = Pushed;

    fn parallel(&self) -> usize {
        3
    }

    fn begin(&mut self, _: &dyn Image) -> Result<()> {
        self.p.client.ping()
    }

    fn put_layer(&self, layer: &LayerStream<'_>) -> Result<Placed<PushedLayer>> {
        let diff_id = &layer.info().diff_id;
        let placed = self
            .p
            .layer(layer, self.compression, &(self.known)(diff_id))
            .with_context(|| format!("pushing layer {diff_id}"))?;
        let pushed = |(desc, sent): (Descriptor, Sent)| PushedLayer {
            diff_id: diff_id.clone(),
            blob: Descriptor {
                media_type: self.types.0.into(),
                ..desc
            },
            sent,
        };
        Ok(match placed {
            Placed::Written(d, v) => Placed::Written(pushed(d), v),
            Placed::Held(d) => Placed::Held(pushed(d)),
        })
    }

    fn finish(&mut self, img: &dyn Image, layers: Vec<Placed<PushedLayer>>) -> Result<Pushed> {
        let (_, config_type, manifest_type) = self.types;
        let layers: Vec<PushedLayer> = layers.into_iter().map(Placed::into_value).collect();
        let p = &self.p;
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
        p.sink.event(Event::Manifest {
            digest: digest.to_string(),
        });
        let reference = self
            .tag
            .map(str::to_string)
            .unwrap_or_else(|| digest.to_string());
        put_manifest(p.client, p.repo, &reference, manifest_type, &bytes)?;
        Ok(Pushed {
            manifest_digest: digest,
            manifest: bytes,
            layers,
        })
    }
}

/// `PUT` a manifest or index as `reference` (a tag or its digest).
pub fn put_manifest(
    client: &Client,
    repository: &str,
    reference: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<()> {
    let resp = client
        .request(
            "PUT",
            &format!("/v2/{repository}/manifests/{reference}"),
            &[repo_scope(repository, "pull,push")],
            &[("Content-Type", media_type)],
            Body::Bytes(bytes),
        )
        .context("writing manifest")?;
    if !(200..300).contains(&resp.status()) {
        bail!(
            "writing manifest: status {}: {}",
            resp.status(),
            error_body(resp)
        );
    }
    Ok(())
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

    /// `POST /v2/<repo>/blobs/uploads/`: the upload's `Location`, and the
    /// least chunk size when the registry requires chunks.
    fn start_upload(&self) -> Result<(String, Option<u64>)> {
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
        let min_chunk = resp
            .header("OCI-Chunk-Min-Length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > 0);
        Ok((location(&resp)?, min_chunk))
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
        // Small enough to go whole in the closing `PUT`, which a registry
        // asking for chunks takes as the last one.
        let (loc, _) = self.start_upload()?;
        self.finish_upload(&loc, &desc.digest, data)?;
        self.sink.event(Event::BlobDone {
            digest: desc.digest.to_string(),
        });
        Ok(())
    }

    fn layer(
        &self,
        layer: &LayerStream<'_>,
        compression: LayerCompression,
        known: &[KnownBlob],
    ) -> Result<Placed<(Descriptor, Sent)>> {
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
            if k.confirmed || self.head(&k.digest)? == Some(k.size) {
                self.sink.event(Event::BlobSkipped {
                    digest: k.digest.to_string(),
                    kind: BlobKind::Layer,
                });
                return Ok(Placed::Held((desc(k), Sent::Existed)));
            }
        }
        for k in usable.iter().filter(|k| k.repository != self.repo) {
            if self.mount(k)? {
                return Ok(Placed::Held((desc(k), Sent::Mounted)));
            }
        }
        // Uploads are retried whole: the stream is made again from the
        // source, and the registry drops the broken upload.
        let mut attempt = 0;
        loop {
            match self.upload(layer, compression) {
                Ok((d, verified)) => return Ok(Placed::Written((d, Sent::Uploaded), verified)),
                Err(e)
                    if attempt < 2
                        && e.downcast_ref::<super::RegistryError>().is_none()
                        && e.downcast_ref::<crate::image::DamagedLayer>().is_none() =>
                {
                    attempt += 1;
                    self.sink.event(Event::Retrying {
                        what: format!("layer {}", layer.info().diff_id),
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
        layer: &LayerStream<'_>,
        compression: LayerCompression,
    ) -> Result<(Descriptor, Verified)> {
        let (loc, min_chunk) = self.start_upload()?;
        let (reader, writer) = std::io::pipe().context("creating a pipe")?;
        // Progress is reported under the layer's diffID (the compressed
        // digest is known only at the end), as Podman shows local layers.
        let name = layer.info().diff_id.to_string();
        self.sink.event(Event::BlobStart {
            digest: name.clone(),
            total: layer.info().tar_size,
            kind: BlobKind::Layer,
        });
        let (sent, produced) = std::thread::scope(|s| {
            let producer = s.spawn(|| compress_layer(layer, compression, writer));
            let mut counting = CountingReader {
                inner: reader,
                count: 0,
                reported: 0,
                name: &name,
                sink: self.sink,
            };
            let sent = match min_chunk {
                None => self.send_whole(&loc, counting),
                Some(min) => {
                    let r = self.send_chunks(&loc, min, &mut counting);
                    // On an error the pipe's reader goes, so the
                    // compressor stops with a broken pipe, not a hang.
                    drop(counting);
                    r
                }
            };
            let produced = producer
                .join()
                .unwrap_or_else(|_| Err(anyhow!("compressing the layer panicked")));
            (sent, produced)
        });
        // A damaged layer first: its error is the cause of any in sending.
        let (digest, size, verified) = produced.context("compressing the layer")?;
        let (loc, last) = sent.context("sending the layer")?;
        self.finish_upload(&loc, &digest, &last)?;
        self.sink.event(Event::BlobDone { digest: name });
        Ok((
            Descriptor {
                media_type: String::new(),
                digest,
                size,
                platform: None,
                annotations: None,
            },
            verified,
        ))
    }
}

impl Pusher<'_> {
    /// One chunked-encoding `PATCH` of the whole stream: the `Location`
    /// to close the upload at, and nothing left to send.
    fn send_whole(&self, loc: &str, data: impl Read + Send) -> Result<(String, Vec<u8>)> {
        let resp = self.client.request(
            "PATCH",
            loc,
            &self.scopes,
            &[("Content-Type", "application/octet-stream")],
            Body::Reader(Box::new(data)),
        )?;
        if resp.status() != 202 {
            bail!("status {}: {}", resp.status(), error_body(resp));
        }
        Ok((
            location(&resp).unwrap_or_else(|_| loc.to_string()),
            Vec::new(),
        ))
    }

    /// `PATCH`es of `min` bytes or more (at least 256 KiB, so a registry
    /// asking for tiny chunks does not get thousands of requests), each
    /// with `Content-Range: start-end` and sent to the `Location` the
    /// previous one answered. The stream's short tail is returned, to go
    /// in the closing `PUT`: the spec lets the last chunk be smaller.
    /// One chunk is held in memory at a time.
    fn send_chunks(&self, loc: &str, min: u64, data: &mut impl Read) -> Result<(String, Vec<u8>)> {
        // Beyond 64 MiB a chunk would cost more memory than a push may.
        if min > 64 << 20 {
            bail!("the registry asks for chunks of {min} bytes; at most 64 MiB is supported");
        }
        let size = min.max(256 * 1024) as usize;
        let mut loc = loc.to_string();
        let mut offset = 0u64;
        let mut buf = vec![0u8; size];
        loop {
            let mut filled = 0;
            while filled < size {
                match data.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e).context("reading the compressed layer"),
                }
            }
            if filled < size {
                buf.truncate(filled);
                return Ok((loc, buf));
            }
            let range = format!("{offset}-{}", offset + size as u64 - 1);
            let length = size.to_string();
            let resp = self.client.request(
                "PATCH",
                &loc,
                &self.scopes,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Range", &range),
                    ("Content-Length", &length),
                ],
                Body::Bytes(&buf),
            )?;
            if resp.status() != 202 {
                bail!(
                    "chunk {range}: status {}: {}",
                    resp.status(),
                    error_body(resp)
                );
            }
            loc = location(&resp)?;
            offset += size as u64;
        }
    }
}

/// Write the layer compressed into `out`; the digest and size of what
/// was written, and the proof that the layer's content was checked.
fn compress_layer(
    layer: &LayerStream<'_>,
    compression: LayerCompression,
    out: std::io::PipeWriter,
) -> Result<(Digest, u64, Verified)> {
    let hashed = HashingWriter::new(std::io::BufWriter::with_capacity(256 * 1024, out));
    let (hashed, verified) = match compression {
        // On every core: one thread of deflate is slower than the network
        // to a near registry (Podman compresses in parallel too).
        LayerCompression::Gzip => {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            let mut verified = None;
            let hashed =
                super::pgzip::gzip(hashed, flate2::Compression::default(), threads, |w| {
                    verified = Some(layer.write_tar(w)?);
                    Ok(())
                })?;
            let verified = verified.ok_or_else(|| anyhow!("the layer was not compressed"))?;
            (hashed, verified)
        }
        LayerCompression::Zstd => {
            let mut enc = zstd::Encoder::new(hashed, 3)?;
            let verified = layer.write_tar(&mut enc)?;
            (enc.finish()?, verified)
        }
    };
    let (digest, size, mut buf) = hashed.finish();
    buf.flush()?;
    Ok((digest, size, verified))
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
