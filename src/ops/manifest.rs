//! Manifest lists in the store: `manifest create`, `add`, `annotate`,
//! `remove`, `inspect`, `push`, `rm`, `exists`, and `build --manifest`.
//!
//! A list is an OCI image index kept as a blob; its entries are the
//! manifests of the store's images (the manifests berth keeps for them),
//! each with its platform. A change writes a new index blob and points
//! the list's record at it. Pushing a list pushes every image by digest
//! and then an index of the manifests the registry now holds (their
//! digests differ from the store's: layers are compressed on the way).

use super::pull::{PullOptions, RemoteOptions};
use super::push::{push_record, PushOptions, PushResult};
use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::image::manifest::{self, Descriptor, Index as ListIndex, Platform};
use crate::progress::Sink;
use crate::reference::Reference;
use crate::registry::push::{Format, LayerCompression};
use crate::store::{ImageRecord, Index, ListRecord, Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;

/// A list that is not in the store (`manifest exists` exits 1 on it).
#[derive(Debug)]
pub struct ListNotFound(pub String);

impl std::fmt::Display for ListNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: manifest list not known", self.0)
    }
}

impl std::error::Error for ListNotFound {}

/// Another command changed the list between our read and our write.
#[derive(Debug)]
struct Changed(String);

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "manifest list {} was changed by another command meanwhile: try again",
            self.0
        )
    }
}

impl std::error::Error for Changed {}

/// What `manifest add` and `manifest annotate` set on an entry; `None`
/// keeps what the image's config says (or the entry has).
#[derive(Clone, Debug, Default)]
pub struct EntryOptions {
    pub os: Option<String>,
    pub arch: Option<String>,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    pub os_features: Vec<String>,
    /// `KEY=VALUE`.
    pub annotations: Vec<String>,
}

impl EntryOptions {
    /// Whether `--os`, `--arch` or `--variant` is given.
    fn names_platform(&self) -> bool {
        self.os.is_some() || self.arch.is_some() || self.variant.is_some()
    }
}

/// The list's index, as the store holds it.
pub fn read(store: &Store, rec: &ListRecord) -> Result<ListIndex> {
    store.list_index(rec)
}

fn open(paths: &StorePaths, name: &str) -> Result<(Store, Index, ListRecord)> {
    let store = Store::open_existing(paths)?.ok_or_else(|| ListNotFound(name.into()))?;
    let idx = store.read_index()?;
    let rec = crate::store::resolve_list(&idx, name)
        .cloned()
        .ok_or_else(|| ListNotFound(name.into()))?;
    Ok((store, idx, rec))
}

fn parse_annotations(list: &[String]) -> Result<BTreeMap<String, String>> {
    list.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--annotation {a:?}: expected KEY=VALUE"),
        })
        .collect()
}

/// Store `list` as the index of the list `name` (created when `new`),
/// under the index lock: fails if the list changed meanwhile (`was`).
fn save(store: &Store, name: &str, was: Option<&Digest>, list: &ListIndex) -> Result<Digest> {
    let _writer = store.writer(super::owners())?;
    let bytes = serde_json::to_vec(list).context("serializing a manifest list")?;
    let digest = store.put_blob(&bytes)?;
    store.update_index(|idx| {
        let now = crate::image::time::now_unix();
        match idx
            .lists
            .iter_mut()
            .find(|l| l.names.iter().any(|n| n == name))
        {
            Some(l) if Some(&l.digest) == was => l.digest = digest.clone(),
            Some(_) => return Err(Changed(name.to_string()).into()),
            None if was.is_none() => {
                if idx.images.iter().any(|i| i.names.iter().any(|n| n == name)) {
                    bail!("{name}: an image has this name; a manifest list cannot have it too");
                }
                idx.lists.push(ListRecord {
                    digest: digest.clone(),
                    names: vec![name.to_string()],
                    created: now,
                });
            }
            None => bail!("manifest list {name} was removed by another command meanwhile"),
        }
        Ok(((), true))
    })?;
    Ok(digest)
}

fn empty_list(annotations: BTreeMap<String, String>) -> ListIndex {
    ListIndex {
        schema_version: 2,
        media_type: Some(manifest::OCI_INDEX.into()),
        manifests: Vec::new(),
        annotations: (!annotations.is_empty()).then_some(annotations),
    }
}

/// The entry for image `rec`: its manifest, the platform its config
/// names unless `o` says otherwise.
fn entry(store: &Store, rec: &ImageRecord, o: &EntryOptions) -> Result<Descriptor> {
    let bytes = store.blob(&rec.manifest)?;
    let media_type = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
        .unwrap_or_else(|| manifest::OCI_MANIFEST.into());
    let config = ImageConfig::parse(&store.blob(&rec.id)?)
        .with_context(|| format!("image {}", rec.id.short()))?;
    let mut d = Descriptor {
        media_type,
        digest: rec.manifest.clone(),
        size: bytes.len() as u64,
        platform: Some(config.index_platform()),
        annotations: None,
    };
    apply(&mut d, o)?;
    Ok(d)
}

fn apply(d: &mut Descriptor, o: &EntryOptions) -> Result<()> {
    let p = d.platform.get_or_insert_with(Platform::default);
    if let Some(v) = &o.os {
        p.os = v.clone();
    }
    if let Some(v) = &o.arch {
        p.architecture = v.clone();
    }
    if let Some(v) = &o.variant {
        p.variant = (!v.is_empty()).then(|| v.clone());
    }
    if let Some(v) = &o.os_version {
        p.os_version = (!v.is_empty()).then(|| v.clone());
    }
    if !o.os_features.is_empty() {
        p.os_features = o.os_features.clone();
    }
    let notes = parse_annotations(&o.annotations)?;
    if !notes.is_empty() {
        d.annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(notes);
    }
    Ok(())
}

/// Put image `rec`'s entry in `list`, replacing one of the same manifest
/// or, for an image built for a platform (`replace_platform`), of the
/// same platform.
fn put_entry(list: &mut ListIndex, d: Descriptor, replace_platform: bool) {
    let key = |e: &Descriptor| {
        e.platform
            .as_ref()
            .map(|p| (p.os.clone(), p.architecture.clone(), p.variant.clone()))
    };
    let same_platform = |e: &Descriptor| replace_platform && key(e) == key(&d);
    list.manifests
        .retain(|e| e.digest != d.digest && !same_platform(e));
    list.manifests.push(d);
}

/// `manifest create NAME [IMAGE…]`: a new list (`amend`: an existing one
/// is kept and added to). Returns the list's digest.
pub fn create(
    paths: &StorePaths,
    name: &str,
    images: &[String],
    amend: bool,
    annotations: &[String],
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<Digest> {
    let full = super::local_name(name)?;
    let notes = parse_annotations(annotations)?;
    let store = super::open_store(paths)?;
    let idx = store.read_index()?;
    let (mut list, was) = match idx.list(&full) {
        Some(l) if amend => (read(&store, l)?, Some(l.digest.clone())),
        Some(_) => bail!("manifest list {full} already exists (--amend adds to it)"),
        None => (empty_list(BTreeMap::new()), None),
    };
    if !notes.is_empty() {
        list.annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(notes);
    }
    for image in images {
        let rec = local_or_pulled(paths, &store, image, &EntryOptions::default(), remote, sink)?;
        let d = entry(&store, &rec, &EntryOptions::default())?;
        put_entry(&mut list, d, false);
    }
    save(&store, &full, was.as_ref(), &list)
}

/// The image `reference` names in the store, else pulled for the
/// platform `o` names (the host's by default).
fn local_or_pulled(
    paths: &StorePaths,
    store: &Store,
    reference: &str,
    o: &EntryOptions,
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<ImageRecord> {
    let reference = reference.strip_prefix("docker://").unwrap_or(reference);
    let idx = store.read_index()?;
    let wanted = o.names_platform();
    // An image of the store is added as it is: the options then set
    // its entry's fields (as Podman's do for a local image).
    if let Ok(rec) = store.resolve(&idx, reference) {
        return Ok(rec.clone());
    }
    if crate::store::resolve_list(&idx, reference).is_some() {
        bail!("{reference} is a manifest list: add its images one by one");
    }
    let platform = wanted
        .then(|| platform_of(o).map(|p| p.to_string()))
        .transpose()?;
    pulled(paths, store, reference, platform, false, remote, sink)
}

/// Pull `reference` (for `platform`; `unnamed`: giving it no name) and
/// return its image's record.
fn pulled(
    paths: &StorePaths,
    store: &Store,
    reference: &str,
    platform: Option<String>,
    unnamed: bool,
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<ImageRecord> {
    let pulled = super::pull::pull(
        paths,
        &PullOptions {
            reference: reference.to_string(),
            platform,
            all_tags: false,
            unnamed,
            remote: remote.clone(),
        },
        sink,
    )?;
    let id = &pulled
        .first()
        .ok_or_else(|| anyhow!("pulling {reference}: nothing pulled"))?
        .id;
    store
        .read_index()?
        .find(id)
        .cloned()
        .ok_or_else(|| anyhow!("pulling {reference}: image {} not in the store", id.short()))
}

fn platform_of(o: &EntryOptions) -> Result<crate::registry::remote::Platform> {
    crate::registry::remote::Platform::with_parts(
        o.os.as_deref(),
        o.arch.as_deref(),
        o.variant.as_deref(),
    )
}

/// Whether image `rec`'s config is for platform `p`.
pub(crate) fn platform_matches(
    store: &Store,
    rec: &ImageRecord,
    p: &crate::registry::remote::Platform,
) -> Result<bool> {
    let c = ImageConfig::parse(&store.blob(&rec.id)?)
        .with_context(|| format!("image {}", rec.id.short()))?;
    let variant_ok = match (&p.variant, &c.variant) {
        (Some(want), Some(have)) => want == have,
        // An image that names no variant runs as any (as `choose`).
        (Some(_), None) => true,
        (None, _) => true,
    };
    Ok(c.os == p.os && c.architecture == p.architecture && variant_ok)
}

/// `manifest add LIST IMAGE`: the image (from the store, else pulled for
/// the platform `o` names) enters the list. Returns the list's digest.
pub fn add(
    paths: &StorePaths,
    list_name: &str,
    image: &str,
    o: &EntryOptions,
    all: bool,
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<Digest> {
    let (store, _, rec) = open(paths, list_name)?;
    // No prune takes an image pulled here before the list holds it.
    let _lock = store.shared()?;
    let name = rec.names[0].clone();
    let mut list = read(&store, &rec)?;
    let imgs = match all {
        true => every_platform(paths, &store, image, o, remote, sink)?,
        false => vec![(
            local_or_pulled(paths, &store, image, o, remote, sink)?,
            None,
        )],
    };
    for (img, platform) in imgs {
        let mut d = entry(&store, &img, o)?;
        if let Some(p) = platform {
            // The remote list's own (os.version, a variant the config
            // lacks), under the options.
            d.platform = Some(p);
            apply(&mut d, o)?;
        }
        put_entry(&mut list, d, false);
    }
    save(&store, &name, Some(&rec.digest), &list)
}

/// `manifest add --all`: every image of `reference` when it is a list in
/// a registry (asked for there, as Podman does: an image of the store is
/// no list), each pulled by its entry's digest and given no name, which
/// would pass from one platform's image to the next; with the entry's
/// platform. Otherwise the one image, as without `--all`.
fn every_platform(
    paths: &StorePaths,
    store: &Store,
    reference: &str,
    o: &EntryOptions,
    remote: &RemoteOptions,
    sink: &dyn Sink,
) -> Result<Vec<(ImageRecord, Option<Platform>)>> {
    if o.names_platform() {
        bail!(
            "--all adds the image of every platform; --os, --arch and --variant are for one image"
        );
    }
    let reference = reference.strip_prefix("docker://").unwrap_or(reference);
    let raw = super::pull::inspect_manifest(&super::pull::ManifestInspectOptions {
        reference: reference.to_string(),
        remote: remote.clone(),
    })?;
    if !manifest::is_index(None, &raw) {
        return Ok(vec![(
            local_or_pulled(paths, store, reference, o, remote, sink)?,
            None,
        )]);
    }
    // Entries are pulled by digest from the repository the list is in.
    let repository = reference.split('@').next().unwrap_or(reference);
    let repository = match repository.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => repository,
    };
    let remote_list: ListIndex = serde_json::from_slice(&raw)
        .map_err(|e| anyhow!("{reference}: malformed manifest list: {e}"))?;
    let mut out = Vec::new();
    for d in &remote_list.manifests {
        // Attestations and other entries that are no image to run.
        let Some(p) = d.platform.as_ref().filter(|p| p.os != "unknown") else {
            continue;
        };
        let by_digest = format!("{repository}@{}", d.digest);
        let img = pulled(paths, store, &by_digest, None, true, remote, sink)?;
        out.push((img, Some(p.clone())));
    }
    if out.is_empty() {
        bail!("{reference}: the manifest list has no image of a platform");
    }
    Ok(out)
}

/// Add the images `ids`, built for their platforms, to the list `name`
/// (created if missing), each replacing the entry of its platform.
pub(crate) fn add_built(store: &Store, name: &str, ids: &[Digest]) -> Result<Digest> {
    let mut tries = 0;
    loop {
        let idx = store.read_index()?;
        let (mut list, was) = match idx.list(name) {
            Some(l) => (read(store, l)?, Some(l.digest.clone())),
            None => (empty_list(BTreeMap::new()), None),
        };
        for id in ids {
            let img = idx
                .find(id)
                .ok_or_else(|| anyhow!("image {} not in the store", id.short()))?;
            let d = entry(store, img, &EntryOptions::default())?;
            put_entry(&mut list, d, true);
        }
        match save(store, name, was.as_ref(), &list) {
            Err(e) if e.is::<Changed>() && tries < 5 => tries += 1,
            other => return other,
        }
    }
}

/// The entry of `list` that `which` names: a manifest digest (or a
/// unique prefix of one), or an image of the store by name or id.
fn find_entry(store: &Store, idx: &Index, list: &ListIndex, which: &str) -> Result<usize> {
    let hex = which.strip_prefix("sha256:").unwrap_or(which);
    let by_digest: Vec<usize> = (0..list.manifests.len())
        .filter(|&k| hex.len() >= 4 && list.manifests[k].digest.hex().starts_with(hex))
        .collect();
    if by_digest.len() == 1 {
        return Ok(by_digest[0]);
    }
    if let Ok(rec) = store.resolve(idx, which) {
        if let Some(k) = list.manifests.iter().position(|d| d.digest == rec.manifest) {
            return Ok(k);
        }
    }
    bail!("{which}: not an entry of the manifest list")
}

/// `manifest annotate LIST ENTRY`: change an entry's platform fields and
/// annotations; `index`: the list's own annotations instead.
pub fn annotate(
    paths: &StorePaths,
    list_name: &str,
    which: Option<&str>,
    o: &EntryOptions,
) -> Result<Digest> {
    let (store, idx, rec) = open(paths, list_name)?;
    let mut list = read(&store, &rec)?;
    match which {
        None => {
            let notes = parse_annotations(&o.annotations)?;
            list.annotations
                .get_or_insert_with(BTreeMap::new)
                .extend(notes);
        }
        Some(w) => {
            let k = find_entry(&store, &idx, &list, w)?;
            apply(&mut list.manifests[k], o)?;
        }
    }
    save(&store, &rec.names[0], Some(&rec.digest), &list)
}

/// `manifest remove LIST ENTRY`.
pub fn remove(paths: &StorePaths, list_name: &str, which: &str) -> Result<Digest> {
    let (store, idx, rec) = open(paths, list_name)?;
    let mut list = read(&store, &rec)?;
    let k = find_entry(&store, &idx, &list, which)?;
    list.manifests.remove(k);
    save(&store, &rec.names[0], Some(&rec.digest), &list)
}

/// The index of list `name`, as JSON; `None` when the store has no such
/// list (`manifest inspect` then asks the registry).
pub fn inspect(paths: &StorePaths, name: &str) -> Result<Option<Vec<u8>>> {
    match open(paths, name) {
        Ok((store, _, rec)) => Ok(Some(store.blob(&rec.digest)?)),
        Err(e) if e.is::<ListNotFound>() => Ok(None),
        Err(e) => Err(e),
    }
}

/// When `name` is a list of the store: the image of its entry for
/// `platform` (this host's when `None`).
pub fn image_for(paths: &StorePaths, name: &str, platform: Option<&str>) -> Result<Option<Digest>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(None);
    };
    let idx = store.read_index()?;
    if store.resolve(&idx, name).is_ok() {
        return Ok(None);
    }
    let Some(rec) = crate::store::resolve_list(&idx, name) else {
        return Ok(None);
    };
    let p = match platform {
        Some(p) => crate::registry::remote::Platform::parse(p)?,
        None => crate::registry::remote::Platform::host(),
    };
    let list = read(&store, rec)?;
    let d = p.choose(&list).ok_or_else(|| {
        anyhow!(
            "manifest list {}: no image for {p} (it has {})",
            rec.names[0],
            list.manifests
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(|p| format!("{}/{}", p.os, p.architecture))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let img = idx.by_manifest(&d.digest).ok_or_else(|| {
        anyhow!(
            "manifest list {}: the image of entry {} is no longer in the store",
            rec.names[0],
            d.digest
        )
    })?;
    Ok(Some(img.id.clone()))
}

/// Whether the image `name` of the store is for `platform`.
pub fn has_platform(paths: &StorePaths, name: &str, platform: &str) -> Result<bool> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(false);
    };
    let idx = store.read_index()?;
    let Ok(rec) = store.resolve(&idx, name) else {
        return Ok(false);
    };
    platform_matches(
        &store,
        rec,
        &crate::registry::remote::Platform::parse(platform)?,
    )
}

/// The manifests the store's lists hold; an unreadable list is an
/// error (its images could not be told apart from unused ones).
pub(crate) fn listed_manifests(
    store: &Store,
    idx: &Index,
) -> Result<std::collections::HashSet<Digest>> {
    let mut out = std::collections::HashSet::new();
    for l in &idx.lists {
        let list = read(store, l).with_context(|| {
            format!(
                "manifest list {} is damaged (system check --repair removes it)",
                l.names.join(", ")
            )
        })?;
        out.extend(list.manifests.into_iter().map(|d| d.digest));
    }
    Ok(out)
}

/// `manifest exists`.
pub fn exists(paths: &StorePaths, name: &str) -> Result<bool> {
    match open(paths, name) {
        Ok(_) => Ok(true),
        Err(e) if e.is::<ListNotFound>() => Ok(false),
        Err(e) => Err(e),
    }
}

/// `manifest rm LIST…`: the lists go, their images stay. Returns the
/// lists removed.
pub fn rm(paths: &StorePaths, names: &[String]) -> Result<Vec<ListRecord>> {
    let Some(store) = Store::open_existing(paths)? else {
        bail!(ListNotFound(names.first().cloned().unwrap_or_default()));
    };
    store.update_index(|idx| {
        let mut gone = Vec::new();
        for n in names {
            let rec = crate::store::resolve_list(idx, n)
                .cloned()
                .ok_or_else(|| ListNotFound(n.clone()))?;
            idx.lists.retain(|l| l.names != rec.names);
            gone.push(rec);
        }
        Ok((gone, true))
    })
}

pub struct PushListOptions {
    pub list: String,
    /// Where to push; the list's name when `None`.
    pub destination: Option<String>,
    /// Push the images too (Podman's default); without, each image must
    /// already be in the destination repository.
    pub all: bool,
    pub format: Option<Format>,
    pub compression: LayerCompression,
    pub remote: RemoteOptions,
}

/// `manifest push LIST [DESTINATION]`: every image by digest, then the
/// index as the destination's tag.
pub fn push(paths: &StorePaths, opts: &PushListOptions, sink: &dyn Sink) -> Result<PushResult> {
    let (store, idx, rec) = open(paths, &opts.list)?;
    let list = read(&store, &rec)?;
    let dest_in = opts.destination.as_deref().unwrap_or(&rec.names[0]);
    let dest_in = dest_in.strip_prefix("docker://").unwrap_or(dest_in);
    let dest = Reference::parse(dest_in).map_err(|e| anyhow!("{e}"))?;
    if dest.registry == crate::reference::LOCAL_REGISTRY {
        bail!("pushing {dest_in}: localhost/ names a local image, not a registry: give a destination such as 127.0.0.1:5000/name");
    }
    if list.manifests.is_empty() {
        bail!("pushing {dest}: manifest list {} is empty", rec.names[0]);
    }
    let ctx = || format!("pushing {dest}");
    let mut entries = Vec::new();
    let (mut uploaded, mut mounted, mut existed) = (0, 0, 0);
    for d in &list.manifests {
        let img = idx.by_manifest(&d.digest).ok_or_else(|| {
            anyhow!(
                "pushing {dest}: the image of entry {} is no longer in the store",
                d.digest
            )
        })?;
        let mut e = d.clone();
        if opts.all {
            let one = PushOptions {
                image: img.id.to_string(),
                destination: None,
                format: opts.format,
                compression: opts.compression,
                remote: opts.remote.clone(),
            };
            let r = push_record(&store, img, &dest, None, &one, sink)?;
            uploaded += r.uploaded;
            mounted += r.mounted;
            existed += r.existed;
            e.digest = r.manifest_digest;
            e.size = r.manifest_size;
            e.media_type = r.media_type;
        } else {
            let want = dest.name();
            let recorded = img
                .digests
                .iter()
                .rev()
                .find_map(|s| s.strip_prefix(&format!("{want}@")))
                .ok_or_else(|| {
                    anyhow!(
                        "pushing {dest}: image {} was not pulled from {want}, so the registry's manifest of it is not known: push with --all",
                        img.id.short()
                    )
                })?;
            e.digest = recorded.parse().map_err(|e| anyhow!("{e}"))?;
            // The size and type of what the registry holds.
            let (client, ep) = super::pull::client_for(&dest, &opts.remote).with_context(ctx)?;
            let m = crate::registry::remote::fetch_manifest(
                &client,
                &ep.repository,
                &e.digest.to_string(),
            )
            .with_context(ctx)?;
            e.size = m.bytes.len() as u64;
            if let Some(mt) = m.media_type {
                e.media_type = mt;
            }
        }
        entries.push(e);
    }
    let docker = entries
        .iter()
        .all(|e| e.media_type == manifest::DOCKER_MANIFEST);
    if docker {
        // Docker's list schema has no annotations.
        for e in &mut entries {
            e.annotations = None;
        }
    }
    let out = ListIndex {
        schema_version: 2,
        media_type: Some(
            if docker {
                manifest::DOCKER_LIST
            } else {
                manifest::OCI_INDEX
            }
            .into(),
        ),
        manifests: entries,
        annotations: if docker {
            None
        } else {
            list.annotations.clone()
        },
    };
    let bytes = serde_json::to_vec(&out).context("serializing a manifest list")?;
    let (client, ep) = super::pull::client_for(&dest, &opts.remote).with_context(ctx)?;
    let tag = match (&dest.digest, &dest.tag) {
        (Some(d), _) => d.to_string(),
        (None, t) => t.clone().unwrap_or_else(|| "latest".into()),
    };
    crate::registry::push::put_manifest(
        &client,
        &ep.repository,
        &tag,
        out.media_type.as_deref().unwrap_or(manifest::OCI_INDEX),
        &bytes,
    )
    .with_context(ctx)?;
    Ok(PushResult {
        destination: dest.to_string(),
        manifest_digest: Digest::of(&bytes),
        manifest_size: bytes.len() as u64,
        media_type: out.media_type.unwrap_or_default(),
        uploaded,
        mounted,
        existed,
    })
}
