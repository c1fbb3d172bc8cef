//! The registry cache of `build`: `--cache-to` writes the images of a
//! build's steps to a repository, and `--cache-from` lets a build on
//! another store (an empty CI runner) take its steps from there.
//!
//! On the registry a cache is one OCI image index, tagged (`buildcache`
//! unless the reference names a tag) and marked with the annotation
//! `dev.berth.cache: v1`. Each of its entries is the ordinary image
//! manifest of one step's image, pushed by digest into the same
//! repository, with the step's cache key in `dev.berth.cache.key` and the
//! time the step's image was made in `dev.berth.cache.created`. Podman
//! tags one image per step instead, which costs a request per step to look
//! up and leaves a repository of tags to prune; BuildKit's cache manifest
//! describes the graph of its own solver, whose keys berth does not
//! compute. The index is read in one request, replaced whole by the next
//! export, and its entries are images any registry tool can read; a
//! registry's garbage collection keeps what it references.
//!
//! A hit costs the entry's manifest and config: the config's digest is
//! the step's image id, which the next step's key is made of. Its layers
//! are fetched only when the image is needed in the store: a step that
//! misses runs over it, `COPY --from` or a mount reads it, or it is the
//! result. Every blob is checked against its digest. An entry that does
//! not match, or cannot be fetched, is dropped with a warning and the
//! build starts over without it; the steps it already ran are then
//! local cache hits.

use super::pull::RemoteOptions;
use crate::digest::Digest;
use crate::image::manifest::{self, Descriptor, Index};
use crate::image::DamagedLayer;
use crate::image::{Image, LayerInfo};
use crate::progress::{Silent, Sink};
use crate::reference::Reference;
use crate::registry::config::Endpoint;
use crate::registry::push::{self as rpush, KnownBlob};
use crate::registry::remote::{self, Platform};
use crate::registry::{Client, RegistryError, RemoteImage};
use crate::store::blobinfo::BlobLocation;
use crate::store::{ImageRecord, Store, Writer};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

/// The annotation that marks an index as a berth build cache.
pub const CACHE_ANNOTATION: &str = "dev.berth.cache";
/// An entry's step cache key.
pub const KEY_ANNOTATION: &str = "dev.berth.cache.key";
/// When an entry's image was made, in seconds since the epoch.
pub const CREATED_ANNOTATION: &str = "dev.berth.cache.created";
/// The tag of a cache reference that names none.
pub const DEFAULT_TAG: &str = "buildcache";

/// One `--cache-from` or `--cache-to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheRef {
    pub reference: Reference,
    /// `mode=max` (`--cache-to` only). Both modes write every step of
    /// every stage the build needed: a step's key is made of its
    /// parent's image id, so the target stage's entries are reachable
    /// only through those of the stages it copies from or builds on.
    pub max: bool,
    /// `ignore-error=true`: a failed export is a warning.
    pub ignore_error: bool,
}

impl CacheRef {
    /// Parse `type=registry,ref=REF[,mode=min|max][,ignore-error=BOOL]`
    /// (BuildKit's form) or a bare `REF` (Podman's); `flag` names the
    /// option in errors.
    pub fn parse(flag: &str, value: &str) -> Result<CacheRef> {
        let bad = |why: String| anyhow!("{flag} {value:?}: {why}");
        // A reference has no `=`.
        let looks_csv = value.contains('=');
        let (mut reference, mut max, mut ignore_error, mut kind) =
            (None, false, false, None::<&str>);
        if looks_csv {
            let pairs = value
                .split(',')
                .map(|kv| {
                    kv.split_once('=')
                        .ok_or_else(|| bad(format!("{kv:?} is not KEY=VALUE")))
                })
                .collect::<Result<Vec<_>>>()?;
            if let Some((_, t)) = pairs.iter().find(|(k, _)| *k == "type") {
                kind = Some(*t);
            }
            match kind {
                Some("registry") | None => {}
                Some(other) => {
                    return Err(bad(format!(
                    "cache type {other:?} is not supported (berth reads and writes type=registry)"
                )))
                }
            }
            for (k, v) in pairs {
                match k {
                    "type" => {}
                    "ref" => reference = Some(v),
                    "mode" if flag == "--cache-to" => {
                        max = match v {
                            "min" => false,
                            "max" => true,
                            _ => return Err(bad(format!("mode {v:?}: expected min or max"))),
                        }
                    }
                    "ignore-error" if flag == "--cache-to" => {
                        ignore_error = match v {
                            "true" => true,
                            "false" => false,
                            _ => {
                                return Err(bad(format!(
                                    "ignore-error {v:?}: expected true or false"
                                )))
                            }
                        }
                    }
                    // BuildKit's knobs for its own formats; berth's entries
                    // are always OCI images with gzip layers.
                    "image-manifest" | "oci-mediatypes" if flag == "--cache-to" => {}
                    _ => return Err(bad(format!("unknown key {k:?}"))),
                }
            }
        } else {
            reference = Some(value);
        }
        let text = reference.ok_or_else(|| bad("no ref= given".into()))?;
        let mut r = Reference::parse(text).map_err(|e| bad(e.to_string()))?;
        if r.digest.is_some() {
            return Err(bad(
                "a cache is named by a repository and tag, not a digest".into(),
            ));
        }
        if r.registry == crate::reference::LOCAL_REGISTRY {
            return Err(bad(
                "localhost/ names local images, not a registry: give one such as 127.0.0.1:5000/cache"
                    .into(),
            ));
        }
        let last = text.rsplit('/').next().unwrap_or(text);
        if !last.contains(':') {
            r.tag = Some(DEFAULT_TAG.into());
        }
        Ok(CacheRef {
            reference: r,
            max,
            ignore_error,
        })
    }
}

/// `--cache-ttl`: a Go duration (`90s`, `1h30m`, `0`).
pub fn parse_ttl(s: &str) -> Result<Duration> {
    crate::build::instructions::parse_duration(s)
        .ok_or_else(|| anyhow!("--cache-ttl {s:?}: expected a duration such as 24h, 30m or 0"))
}

/// A registry client for the repository of `r`: the registry itself,
/// never a mirror (a cache is written there and read back from there).
struct Source {
    reference: Reference,
    client: Client,
    ep: Endpoint,
}

struct Entry {
    source: usize,
    manifest: Descriptor,
    created: Option<i64>,
}

/// A step found in a `--cache-from` cache: its image's id and config, and
/// where its layers are.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The step's cache key.
    pub key: Digest,
    pub id: Digest,
    pub config: Vec<u8>,
    pub manifest: Descriptor,
    /// When the entry's image was made (seconds since the epoch).
    pub created: Option<i64>,
    source: usize,
    /// `registry/repository` of the cache it came from.
    pub repository: String,
}

/// An entry that cannot be used: its content does not match its digest,
/// or it could not be fetched. The build drops it and starts over.
#[derive(Debug)]
pub struct Unusable {
    /// `REPOSITORY@DIGEST` of the entry.
    pub entry: String,
    pub why: String,
    /// The failure was not the registry's (say the disk is full): the
    /// caches are not used for the rest of the build.
    pub all: bool,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cache entry {}: {}", self.entry, self.why)?;
        if self.all {
            write!(
                f,
                " (the registry caches are not used for the rest of the build)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Unusable {}

/// The caches of `--cache-from`, merged (the first to have a key wins).
pub struct RemoteCache {
    sources: Vec<Source>,
    /// Per key, the entries of every cache that has it, in order.
    entries: BTreeMap<Digest, Vec<Entry>>,
    /// Entries (manifest digests) and layer blobs found unusable.
    refused: BTreeSet<Digest>,
    bad_blobs: BTreeSet<Digest>,
    /// A fetch failed for a reason of this machine's: no more lookups.
    disabled: bool,
}

impl RemoteCache {
    /// Read the index of every cache. One that does not exist, cannot be
    /// reached or is not a berth cache is a warning; the build goes on.
    pub fn open(refs: &[CacheRef], remote: &RemoteOptions, warn: &dyn Fn(String)) -> RemoteCache {
        let mut cache = RemoteCache {
            sources: Vec::new(),
            entries: BTreeMap::new(),
            refused: BTreeSet::new(),
            bad_blobs: BTreeSet::new(),
            disabled: false,
        };
        for r in refs {
            match read_index(&r.reference, remote) {
                Ok((client, ep, index)) => {
                    let source = cache.sources.len();
                    cache.sources.push(Source {
                        reference: r.reference.clone(),
                        client,
                        ep,
                    });
                    for d in index.manifests {
                        let notes = d.annotations.clone().unwrap_or_default();
                        let Some(key) = notes.get(KEY_ANNOTATION).and_then(|k| k.parse().ok())
                        else {
                            continue;
                        };
                        let created = notes.get(CREATED_ANNOTATION).and_then(|c| c.parse().ok());
                        cache.entries.entry(key).or_default().push(Entry {
                            source,
                            manifest: Descriptor {
                                annotations: None,
                                ..d
                            },
                            created,
                        });
                    }
                }
                Err(e) => warn(format!("cache {}: {e:#}; building without it", r.reference)),
            }
        }
        cache
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of step `key`, if the caches have one made within `ttl`:
    /// its manifest and config are fetched (and checked). An entry that
    /// cannot be read is a warning, and the next cache's entry is tried.
    pub fn lookup(
        &mut self,
        key: &Digest,
        ttl: Option<Duration>,
        warn: &dyn Fn(String),
    ) -> Option<Hit> {
        if self.disabled {
            return None;
        }
        let now = crate::image::time::now_unix();
        for e in self.entries.get(key)? {
            if self.refused.contains(&e.manifest.digest) {
                continue;
            }
            if let Some(ttl) = ttl {
                // An entry from a clock ahead of this one is new.
                match e.created {
                    Some(c) if now.saturating_sub(c).max(0) as f64 <= ttl.as_secs_f64() => {}
                    _ => continue,
                }
            }
            let src = &self.sources[e.source];
            let at = format!("{}@{}", src.reference.name(), e.manifest.digest);
            let opened = RemoteImage::open(
                &src.client,
                &src.ep.repository,
                &e.manifest.digest.to_string(),
                &Platform::host(),
                &Silent,
            );
            let img = match opened {
                Ok(img) => img,
                Err(err) => {
                    warn(format!("cache entry {at}: {err:#}; not used"));
                    self.refused.insert(e.manifest.digest.clone());
                    continue;
                }
            };
            if img
                .layers()
                .iter()
                .filter_map(|l| l.blob.as_ref())
                .any(|b| self.bad_blobs.contains(&b.digest))
            {
                continue;
            }
            return Some(Hit {
                key: key.clone(),
                id: img.id(),
                config: img.config_bytes().to_vec(),
                manifest: e.manifest.clone(),
                created: e.created,
                source: e.source,
                repository: src.reference.name(),
            });
        }
        None
    }

    /// Put the image of `hit` in the store, fetching the layers it lacks.
    /// Fails with [`Unusable`] (after noting the entry, and the layer
    /// blob that failed, as refused) when the entry cannot be used.
    pub fn fetch(
        &mut self,
        hit: &Hit,
        store: &Store,
        writer: &Writer,
        sink: &dyn Sink,
    ) -> Result<ImageRecord> {
        let src = &self.sources[hit.source];
        let entry = format!("{}@{}", src.reference.name(), hit.manifest.digest);
        let failed = Mutex::new(None);
        let img = match RemoteImage::open(
            &src.client,
            &src.ep.repository,
            &hit.manifest.digest.to_string(),
            &Platform::host(),
            sink,
        ) {
            Ok(img) if img.id() == hit.id => img,
            Ok(img) => {
                return Err(self.refuse(
                    hit,
                    entry,
                    format!("its config is now {}", img.id()),
                    false,
                ))
            }
            Err(e) => return Err(self.refuse(hit, entry, format!("{e:#}"), false)),
        };
        let tracked = Tracked {
            img: &img,
            failed: &failed,
        };
        // The store's own manifest, as for the image the cache was written
        // from: the same record whichever store built it.
        match writer.commit_image(&tracked, &[], None, &[]) {
            Ok(rec) => {
                let located: Vec<_> = img
                    .layers()
                    .iter()
                    .filter_map(|l| {
                        let b = l.blob.as_ref()?;
                        Some((l.diff_id.clone(), located(&src.ep, b)))
                    })
                    .collect();
                // Only a hint for later pushes: failing to record it fails
                // nothing.
                let _ = store.record_blobs(&located);
                Ok(rec)
            }
            Err(e) => {
                // Whose fault: a blob the registry sent (a read that
                // failed, a layer that is not what the config says, an
                // error status), or this machine's.
                let mut blob = failed.into_inner().unwrap_or_else(|p| p.into_inner());
                if let Some(d) = e.chain().find_map(|c| c.downcast_ref::<DamagedLayer>()) {
                    blob = blob.or_else(|| {
                        img.layers()
                            .iter()
                            .find(|l| l.diff_id == d.diff_id)
                            .and_then(|l| l.blob.as_ref().map(|b| b.digest.clone()))
                    });
                }
                let theirs = blob.is_some()
                    || e.chain()
                        .any(|c| c.downcast_ref::<RegistryError>().is_some());
                if let Some(b) = blob {
                    self.bad_blobs.insert(b);
                }
                Err(self.refuse(hit, entry, format!("{e:#}"), !theirs))
            }
        }
    }

    fn refuse(&mut self, hit: &Hit, entry: String, why: String, all: bool) -> anyhow::Error {
        self.refused.insert(hit.manifest.digest.clone());
        self.disabled |= all;
        Unusable { entry, why, all }.into()
    }
}

/// Where a layer's blob is, for the blob-info cache.
fn located(ep: &Endpoint, b: &Descriptor) -> BlobLocation {
    BlobLocation {
        registry: ep.registry.clone(),
        repository: ep.repository.clone(),
        digest: b.digest.clone(),
        size: b.size,
        compression: rpush::compression_of(&b.media_type).into(),
    }
}

/// A remote image whose layer reads note the blob that failed.
struct Tracked<'a> {
    img: &'a RemoteImage<'a>,
    failed: &'a Mutex<Option<Digest>>,
}

impl Image for Tracked<'_> {
    fn config_bytes(&self) -> &[u8] {
        self.img.config_bytes()
    }
    fn layers(&self) -> &[LayerInfo] {
        self.img.layers()
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        let blob = self.img.layers()[i].blob.as_ref().map(|b| b.digest.clone());
        let inner = self.img.open_layer(i).inspect_err(|_| self.note(&blob))?;
        Ok(Box::new(TrackedRead {
            inner,
            blob,
            failed: self.failed,
        }))
    }
}

impl Tracked<'_> {
    fn note(&self, blob: &Option<Digest>) {
        note(self.failed, blob)
    }
}

fn note(failed: &Mutex<Option<Digest>>, blob: &Option<Digest>) {
    let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
    if f.is_none() {
        f.clone_from(blob);
    }
}

struct TrackedRead<'a> {
    inner: Box<dyn Read + Send + 'a>,
    blob: Option<Digest>,
    failed: &'a Mutex<Option<Digest>>,
}

impl Read for TrackedRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner
            .read(buf)
            .inspect_err(|_| note(self.failed, &self.blob))
    }
}

/// The cache index of `r`.
fn read_index(r: &Reference, remote: &RemoteOptions) -> Result<(Client, Endpoint, Index)> {
    let (client, ep) = super::pull::client_for(r, remote)?;
    let tag = r.tag.as_deref().unwrap_or(DEFAULT_TAG);
    let m = match remote::fetch_manifest(&client, &ep.repository, tag) {
        Ok(m) => m,
        Err(e)
            if e.downcast_ref::<RegistryError>()
                .is_some_and(|e| matches!(e, RegistryError::NotFound { .. })) =>
        {
            bail!("not found")
        }
        Err(e) => return Err(e),
    };
    let not_cache = || anyhow!("not a berth build cache (manifest {})", m.digest);
    if !m.is_index() {
        return Err(not_cache());
    }
    let index: Index = serde_json::from_slice(&m.bytes)
        .map_err(|e| anyhow!("index {}: malformed: {e}", m.digest))?;
    let marked = index
        .annotations
        .as_ref()
        .and_then(|a| a.get(CACHE_ANNOTATION))
        .is_some_and(|v| v == "v1");
    if !marked {
        return Err(not_cache());
    }
    Ok((client, ep, index))
}

/// One step's image for an export.
#[derive(Clone, Debug)]
pub struct ExportEntry {
    pub key: Digest,
    pub id: Digest,
    pub created: i64,
    /// Where a `--cache-from` hit that was never fetched is.
    pub remote: Option<Hit>,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct Exported {
    pub entries: usize,
    /// Images pushed (the others were in the repository already).
    pub images: usize,
}

/// Write `entries` as the cache `to`: every image (pushed by digest, its
/// layers only where the repository lacks them), then the index. An
/// entry is either in the store or a `--cache-from` hit of `to`'s own
/// repository.
pub fn export(
    store: &Store,
    index: &crate::store::Index,
    to: &CacheRef,
    entries: &[ExportEntry],
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<Exported> {
    let r = &to.reference;
    let (client, ep) = super::pull::client_for(r, remote)?;
    let name = r.name();
    let mut out = Exported::default();
    // Blobs in the repository, by diffID: each layer is asked about (or
    // sent) once per export, not once per image holding it.
    let pushed: Mutex<BTreeMap<Digest, KnownBlob>> = Mutex::new(BTreeMap::new());
    let mut manifests: BTreeMap<Digest, Descriptor> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    let mut descriptors = Vec::new();
    for e in entries {
        if !keys.insert(&e.key) {
            continue;
        }
        let desc = match (manifests.get(&e.id), &e.remote, index.find(&e.id)) {
            (Some(d), _, _) => d.clone(),
            // A hit of this very repository: it has the image already.
            (None, Some(hit), _) if hit.repository == name => hit.manifest.clone(),
            (None, _, Some(rec)) => {
                let img = store.image(rec)?;
                let known = |diff_id: &Digest| -> Vec<KnownBlob> {
                    let mine = pushed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(diff_id)
                        .cloned();
                    let stored = super::push::known_blobs(store, diff_id, &ep.registry);
                    mine.into_iter().chain(stored).collect()
                };
                let p = rpush::push(
                    &client,
                    &ep.repository,
                    None,
                    &img,
                    &rpush::PushOptions {
                        format: rpush::Format::Oci,
                        compression: rpush::LayerCompression::Gzip,
                    },
                    &known,
                    sink,
                )
                .with_context(|| format!("pushing image {}", e.id.short()))?;
                let mut map = pushed.lock().unwrap_or_else(|p| p.into_inner());
                let mut located_now = Vec::new();
                for l in &p.layers {
                    located_now.push((l.diff_id.clone(), located(&ep, &l.blob)));
                    map.insert(
                        l.diff_id.clone(),
                        KnownBlob {
                            repository: ep.repository.clone(),
                            digest: l.blob.digest.clone(),
                            size: l.blob.size,
                            compression: rpush::compression_of(&l.blob.media_type).into(),
                            confirmed: true,
                        },
                    );
                }
                // Only a hint for later pushes: failing to record it
                // fails nothing.
                let _ = store.record_blobs(&located_now);
                out.images += 1;
                Descriptor {
                    media_type: manifest::OCI_MANIFEST.into(),
                    digest: p.manifest_digest,
                    size: p.manifest.len() as u64,
                    platform: None,
                    annotations: None,
                }
            }
            (None, _, None) => bail!("image {} is not in the store", e.id.short()),
        };
        manifests.insert(e.id.clone(), desc.clone());
        let mut notes = BTreeMap::new();
        notes.insert(KEY_ANNOTATION.to_string(), e.key.to_string());
        notes.insert(CREATED_ANNOTATION.to_string(), e.created.to_string());
        descriptors.push(Descriptor {
            annotations: Some(notes),
            ..desc
        });
        out.entries += 1;
    }
    let mut notes = BTreeMap::new();
    notes.insert(CACHE_ANNOTATION.to_string(), "v1".to_string());
    let idx = Index {
        schema_version: 2,
        media_type: Some(manifest::OCI_INDEX.into()),
        manifests: descriptors,
        annotations: Some(notes),
    };
    let bytes = serde_json::to_vec(&idx).context("serializing the cache index")?;
    let tag = r.tag.as_deref().unwrap_or(DEFAULT_TAG);
    rpush::put_manifest(&client, &ep.repository, tag, manifest::OCI_INDEX, &bytes)
        .with_context(|| format!("writing the cache index {r}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_refs_in_both_syntaxes() {
        let r = CacheRef::parse(
            "--cache-to",
            "type=registry,ref=127.0.0.1:5000/app/cache,mode=max",
        )
        .unwrap();
        assert_eq!(
            r.reference.to_string(),
            "127.0.0.1:5000/app/cache:buildcache"
        );
        assert!(r.max);
        let r = CacheRef::parse("--cache-from", "127.0.0.1:5000/app/cache:v2").unwrap();
        assert_eq!(r.reference.to_string(), "127.0.0.1:5000/app/cache:v2");
        assert!(!r.max);
        let r = CacheRef::parse("--cache-to", "ref=quay.io/x/y,ignore-error=true").unwrap();
        assert!(r.ignore_error);
        assert_eq!(r.reference.to_string(), "quay.io/x/y:buildcache");
        for bad in [
            "type=local,dest=/tmp/x",
            "type=registry",
            "type=registry,ref=a/b,mode=all",
            "type=registry,ref=a/b,color=red",
            "127.0.0.1:5000/x@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "localhost/x",
            "UPPER/case",
        ] {
            let e = CacheRef::parse("--cache-to", bad).unwrap_err().to_string();
            assert!(e.starts_with("--cache-to "), "{bad}: {e}");
        }
        // mode= is for writing.
        assert!(CacheRef::parse("--cache-from", "ref=a/b,mode=max").is_err());
    }

    #[test]
    fn ttl_durations() {
        assert_eq!(parse_ttl("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_ttl("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_ttl("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_ttl("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "h", "10", "10x", "-1h", "1h-"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
