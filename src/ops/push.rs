//! `push`: send an image of the store to a registry. The store's image is
//! read as an [`Image`](crate::image::Image) (layer tars rebuilt from
//! `diff/` and tar-split, compressed on the fly); the blob-info cache says
//! which compressed blobs already hold each layer in that registry, so a
//! layer the registry has is never sent again, and one held by another
//! repository of the registry is mounted instead of uploaded.

use super::pull::RemoteOptions;
use crate::digest::Digest;
use crate::progress::Sink;
use crate::reference::Reference;
use crate::registry::config::RegistriesConf;
use crate::registry::push::{self as rpush, Format, KnownBlob, LayerCompression, Sent};
use crate::store::blobinfo::BlobLocation;
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};

#[derive(Clone)]
pub struct PushOptions {
    /// The image in the store (name or id).
    pub image: String,
    /// Where to push; the image's name when `None`.
    pub destination: Option<String>,
    /// `None`: the image's own (Docker's for an image built with
    /// `--format docker` or pulled so, else OCI), as Podman does.
    pub format: Option<Format>,
    pub compression: LayerCompression,
    pub remote: RemoteOptions,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushResult {
    /// The full destination reference.
    pub destination: String,
    pub manifest_digest: Digest,
    pub manifest_size: u64,
    /// The manifest's media type.
    pub media_type: String,
    /// Layers sent in full (neither present nor mounted).
    pub uploaded: usize,
    pub mounted: usize,
    pub existed: usize,
}

pub fn push(paths: &StorePaths, opts: &PushOptions, sink: &dyn Sink) -> Result<PushResult> {
    let _phase = tracing::info_span!("push").entered();
    let dest_in = opts.destination.as_deref().unwrap_or(&opts.image);
    let dest_in = dest_in.strip_prefix("docker://").unwrap_or(dest_in);
    let store =
        Store::open_existing(paths)?.ok_or_else(|| anyhow!("{}: image not known", opts.image))?;
    let idx = store.read_index()?;
    let rec = match store.resolve(&idx, &opts.image) {
        Ok(rec) => rec,
        // A manifest list: every image, then the list (Podman pushes a
        // list's images with it).
        Err(e) => match crate::store::resolve_list(&idx, &opts.image) {
            Some(_) => {
                return super::manifest::push(
                    paths,
                    &super::manifest::PushListOptions {
                        list: opts.image.clone(),
                        destination: opts.destination.clone(),
                        all: true,
                        format: opts.format,
                        compression: opts.compression,
                        remote: opts.remote.clone(),
                    },
                    sink,
                )
            }
            None => return Err(e.into()),
        },
    };
    let dest = Reference::parse(dest_in).map_err(|e| anyhow!("{e}"))?;
    if dest.registry == crate::reference::LOCAL_REGISTRY {
        bail!("pushing {dest_in}: localhost/ names a local image, not a registry: give a destination such as 127.0.0.1:5000/name");
    }
    let tag = match (&dest.digest, &dest.tag) {
        (Some(_), _) => None,
        (None, t) => Some(t.clone().unwrap_or_else(|| "latest".into())),
    };
    push_record(&store, rec, &dest, tag.as_deref(), opts, sink)
}

/// Push image `rec` to `dest`'s repository, its manifest as `tag` (by
/// its digest when `None`).
pub(crate) fn push_record(
    store: &Store,
    rec: &crate::store::ImageRecord,
    dest: &Reference,
    tag: Option<&str>,
    opts: &PushOptions,
    sink: &dyn Sink,
) -> Result<PushResult> {
    let ctx = || format!("pushing {dest}");
    let img = store.image(rec).with_context(ctx)?;
    let conf = RegistriesConf::load().with_context(ctx)?;
    let eps = conf
        .endpoints(&dest.registry, &dest.repository)
        .with_context(ctx)?;
    // Mirrors are for pulling; a push goes to the registry itself.
    let ep = eps
        .last()
        .ok_or_else(|| {
            anyhow!(
                "no registry endpoint for {}/{}",
                dest.registry,
                dest.repository
            )
        })
        .with_context(ctx)?;
    let client = opts.remote.client(ep).with_context(ctx)?;
    let known = |diff_id: &Digest| known_blobs(store, diff_id, &ep.registry);
    let format = opts.format.unwrap_or_else(|| own_format(store, rec));
    let pushed = rpush::push(
        &client,
        &ep.repository,
        tag,
        &img,
        &rpush::PushOptions {
            format,
            compression: opts.compression,
        },
        &known,
        sink,
    )
    .with_context(ctx)?;
    let entries: Vec<(Digest, BlobLocation)> = pushed
        .layers
        .iter()
        .map(|l| {
            (
                l.diff_id.clone(),
                BlobLocation {
                    registry: ep.registry.clone(),
                    repository: ep.repository.clone(),
                    digest: l.blob.digest.clone(),
                    size: l.blob.size,
                    compression: rpush::compression_of(&l.blob.media_type).into(),
                },
            )
        })
        .collect();
    // Only a hint for later pushes: failing to record it fails nothing.
    let _ = store.record_blobs(&entries);
    super::events::image(store, "push", &rec.id, &dest.to_string());
    let count = |s: Sent| pushed.layers.iter().filter(|l| l.sent == s).count();
    Ok(PushResult {
        destination: dest.to_string(),
        manifest_digest: pushed.manifest_digest,
        manifest_size: pushed.manifest.len() as u64,
        media_type: match format {
            Format::V2s2 => crate::image::manifest::DOCKER_MANIFEST,
            Format::Oci => crate::image::manifest::OCI_MANIFEST,
        }
        .into(),
        uploaded: count(Sent::Uploaded),
        mounted: count(Sent::Mounted),
        existed: count(Sent::Existed),
    })
}

/// The blobs the blob-info cache says hold layer `diff_id` in
/// `registry`.
pub(crate) fn known_blobs(store: &Store, diff_id: &Digest, registry: &str) -> Vec<KnownBlob> {
    store
        .known_blobs(diff_id, registry)
        .into_iter()
        .map(|l| KnownBlob {
            repository: l.repository,
            digest: l.digest,
            size: l.size,
            compression: l.compression,
            confirmed: false,
        })
        .collect()
}

/// The manifest format image `rec` has in the store.
fn own_format(store: &Store, rec: &crate::store::ImageRecord) -> Format {
    let docker = std::fs::read(store.blob_path(&rec.manifest))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| {
            v.get("mediaType").and_then(|t| t.as_str())
                == Some(crate::image::manifest::DOCKER_MANIFEST)
        });
    if docker {
        Format::V2s2
    } else {
        Format::Oci
    }
}
