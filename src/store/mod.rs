//! The local store: the only code that knows berth's on-disk layout.
//!
//! ```text
//! <root>/store.lock         shared by writers of content for their whole run,
//!                           exclusive for garbage collection
//! <root>/index.lock         exclusive for each read-modify-write of index.json
//! <root>/index.json         image records (ids, names, layers) and manifest
//!                           lists (names, index blob), replaced atomically
//! <root>/names.lock         exclusive while a container name is taken or given back
//! <root>/containers/        container records (see `containers`)
//! <root>/networks/          network records (see `networks`)
//! <root>/volumes/<name>/    volume.json, _data/, copied-up (see `volumes`)
//! <root>/events/            the bounded event log (see `events`)
//! <root>/blobs/sha256/<hex> configs and manifests
//! <root>/overlay/<chain>/   diff/, link, lower, tar-split, layer.json
//! <root>/overlay/l/<short>  -> ../<chain>/diff
//! <root>/locks/<chain>.lock one process extracts a layer, others wait and reuse
//! <root>/tmp/               staging, each entry named after its maker's pid (see
//!                           `fsutil::unique_suffix`); the next writer removes those
//!                           of dead makers, and all of it when it finds the store idle
//! ```
//!
//! Readers (`images`, `inspect`) take no lock: every file they read is
//! replaced by rename, so they see the old state or the new one. Writers
//! of content hold `store.lock` shared, so garbage collection, which holds
//! it exclusively, can never remove a layer that a running load has
//! extracted but not yet named in an image record. Reference counts are
//! derived from the records each time, never stored.

pub mod blobinfo;
mod cache;
mod check;
pub mod containers;
pub mod events;
mod layers;
pub mod networks;
pub mod pods;
pub mod volumes;

pub use check::{CheckReport, Problem};
pub use containers::ContainerNotFound;
pub use layers::{LayerRecord, StoreImage, StoreSink};

use crate::digest::Digest;
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a store lives.
#[derive(Clone, Debug)]
pub struct StorePaths {
    pub root: PathBuf,
    pub runroot: PathBuf,
}

impl StorePaths {
    /// The defaults: `/var/lib/berth` and `/run/berth` as root; else
    /// `$XDG_DATA_HOME/berth` (or `~/.local/share/berth`) and
    /// `$XDG_RUNTIME_DIR/berth` (or `/tmp/berth-<uid>`).
    pub fn default_for_user() -> StorePaths {
        if nix::unistd::geteuid().is_root() {
            return StorePaths {
                root: "/var/lib/berth".into(),
                runroot: "/run/berth".into(),
            };
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let data = env("XDG_DATA_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let run = env("XDG_RUNTIME_DIR")
            .map(|r| r.join("berth"))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/berth-{}", nix::unistd::geteuid())));
        StorePaths {
            root: data.join("berth"),
            runroot: run,
        }
    }
}

/// One image as the index records it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ImageRecord {
    /// The config digest.
    pub id: Digest,
    /// Full references, `docker.io/library/busybox:latest`.
    #[serde(default)]
    pub names: Vec<String>,
    /// `repository@sha256:…` of the manifest, when it came from a registry.
    #[serde(default)]
    pub digests: Vec<String>,
    /// The manifest berth keeps for it (in `blobs/`).
    pub manifest: Digest,
    /// Chain ids of its layers, bottom first.
    pub layers: Vec<Digest>,
    /// Sum of the layers' uncompressed tar sizes.
    pub size: u64,
    /// From the config's `created`, seconds since the epoch (0 if none).
    pub created: i64,
    /// When it entered this store.
    pub added: i64,
    /// Kept only as the step cache of a build whose output was files or
    /// an archive (`build -o`): hidden from `images` while unnamed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub build_cache: bool,
}

/// A manifest list kept in the store (`manifest create`, `build
/// --manifest`): an OCI image index whose entries are manifests of the
/// store's images.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ListRecord {
    /// The index blob (in `blobs/`); a new one with every change.
    pub digest: Digest,
    /// Full references, as images' names (a name is a list's or an
    /// image's, never both).
    pub names: Vec<String>,
    /// When it was created, seconds since the epoch.
    pub created: i64,
}

/// `index.json`.
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Index {
    pub version: u32,
    pub images: Vec<ImageRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListRecord>,
}

impl Index {
    pub fn find(&self, id: &Digest) -> Option<&ImageRecord> {
        self.images.iter().find(|i| &i.id == id)
    }

    /// The list named `name` (a full reference).
    pub fn list(&self, name: &str) -> Option<&ListRecord> {
        self.lists
            .iter()
            .find(|l| l.names.iter().any(|n| n == name))
    }

    /// The image whose manifest is `manifest`.
    pub fn by_manifest(&self, manifest: &Digest) -> Option<&ImageRecord> {
        self.images.iter().find(|i| &i.manifest == manifest)
    }
}

/// Who owns the files of layers this process extracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owners {
    /// As root: owners from the tar, `trusted.overlay.opaque`.
    FromTar,
    /// As root of a user namespace with a subordinate range: owners from
    /// the tar as far as the map allows, `user.overlay.opaque` (for the
    /// `userxattr` mounts that work inside user namespaces).
    FromTarInNamespace,
    /// As a plain user: every file is the user's; owners live on only in
    /// the tar-split, so saved layers still carry them.
    User,
}

/// An open store.
pub struct Store {
    root: PathBuf,
    runroot: PathBuf,
}

impl Store {
    /// Open (creating if needed) the store at `paths`.
    pub fn open(paths: &StorePaths) -> Result<Store> {
        let root = paths.root.clone();
        fsutil::private_dir(&root).with_context(|| format!("opening store {}", root.display()))?;
        for d in ["blobs/sha256", "overlay/l", "locks", "tmp", "containers"] {
            fsutil::create_dir_all(&root.join(d))
                .with_context(|| format!("opening store {}", root.display()))?;
        }
        fsutil::create_dir_all(&paths.runroot)?;
        Ok(Store {
            root,
            runroot: paths.runroot.clone(),
        })
    }

    /// Open a store for reading only: nothing is created. `None` when no
    /// store exists there yet (everything is empty).
    pub fn open_existing(paths: &StorePaths) -> Result<Option<Store>> {
        if !paths.root.join("blobs").is_dir() {
            return Ok(None);
        }
        Ok(Some(Store {
            root: paths.root.clone(),
            runroot: paths.runroot.clone(),
        }))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn runroot(&self) -> &Path {
        &self.runroot
    }

    /// Where the runtime keeps the state of berth's networks (the
    /// namespace that holds the bridges, its lock).
    pub fn network_state_dir(&self) -> PathBuf {
        self.runroot.join("network")
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    /// The current index, read without a lock (it is replaced atomically).
    pub fn read_index(&self) -> Result<Index> {
        match fsutil::read_opt(&self.index_path())? {
            None => Ok(Index {
                version: 1,
                ..Index::default()
            }),
            Some(b) => serde_json::from_slice(&b).with_context(|| {
                format!(
                    "reading store index {}: malformed",
                    self.index_path().display()
                )
            }),
        }
    }

    /// Change the index under its lock; the change is written atomically
    /// only when `f` succeeds and returns `true` for "changed".
    pub fn update_index<T>(&self, f: impl FnOnce(&mut Index) -> Result<(T, bool)>) -> Result<T> {
        let _lock = self.lock("index.lock", LockKind::Exclusive)?;
        let mut idx = self.read_index()?;
        let (out, changed) = f(&mut idx)?;
        if changed {
            idx.version = 1;
            let bytes = serde_json::to_vec(&idx).context("serializing store index")?;
            fsutil::write_atomic(&self.index_path(), &bytes)?;
        }
        Ok(out)
    }

    fn lock(&self, name: &str, kind: LockKind) -> Result<FileLock> {
        FileLock::acquire(&self.root.join(name), kind, |_| {})
    }

    /// Enter the store as a writer of content: holds `store.lock` shared
    /// until dropped. If nobody else is using the store, leftovers of dead
    /// processes in `tmp/` are removed first. `owners` says how layer
    /// files this writer extracts are owned.
    pub fn writer(&self, owners: Owners) -> Result<Writer<'_>> {
        let lock = self.shared_after_cleaning()?;
        let staging = self.root.join("tmp").join(fsutil::unique_suffix());
        fsutil::create_dir_all(&staging)?;
        Ok(Writer {
            store: self,
            lock: Some(lock),
            staging,
            owners,
            created: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Hold `store.lock` shared, after removing the leftovers of dead
    /// processes in `tmp/`: all of `tmp/` if nobody else is using the
    /// store, else what [`dead_in_tmp`](Self::dead_in_tmp) finds.
    fn shared_after_cleaning(&self) -> Result<FileLock> {
        let path = self.root.join("store.lock");
        if let Some(excl) = FileLock::try_acquire(&path, LockKind::Exclusive)? {
            self.clean_tmp()?;
            drop(excl);
            return FileLock::acquire(&path, LockKind::Shared, |_| {});
        }
        let shared = FileLock::acquire(&path, LockKind::Shared, |_| {})?;
        for dead in self.dead_in_tmp()? {
            // Best effort, as in `clean_tmp`.
            let _ = fsutil::remove_all(&dead);
        }
        Ok(shared)
    }

    /// The entries of `tmp/` whose makers have died (their names end in
    /// a [`fsutil::unique_suffix`] naming the process): garbage that no
    /// live process holds, though others use the store.
    pub fn dead_in_tmp(&self) -> Result<Vec<PathBuf>> {
        let tmp = self.root.join("tmp");
        let rd = match std::fs::read_dir(&tmp) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", tmp.display())),
        };
        let mut out = Vec::new();
        for e in rd {
            let e = e.with_context(|| format!("reading {}", tmp.display()))?;
            if fsutil::suffix_owner_alive(&e.file_name().to_string_lossy()) == Some(false) {
                out.push(e.path());
            }
        }
        Ok(out)
    }

    /// Hold `store.lock` shared: no garbage collection runs meanwhile, so
    /// layers being read (save, check) are not removed under the reader.
    pub fn shared(&self) -> Result<FileLock> {
        self.lock("store.lock", LockKind::Shared)
    }

    /// Take the store exclusively, for removing content. `on_wait` is
    /// called if other berth processes are using it.
    pub fn exclusive(&self, on_wait: impl FnOnce(&Path)) -> Result<Exclusive<'_>> {
        let lock = FileLock::acquire(&self.root.join("store.lock"), LockKind::Exclusive, on_wait)?;
        self.remove_orphans()?;
        self.clean_tmp()?;
        Ok(Exclusive {
            store: self,
            _lock: lock,
        })
    }

    fn clean_tmp(&self) -> Result<()> {
        let tmp = self.root.join("tmp");
        for e in std::fs::read_dir(&tmp).with_context(|| format!("reading {}", tmp.display()))? {
            let e = e.with_context(|| format!("reading {}", tmp.display()))?;
            // Best effort: garbage that cannot be removed now (files of
            // another id map, say) must not stop every later command.
            let _ = fsutil::remove_all(&e.path());
        }
        // `index.json` is replaced through a temporary file beside it
        // (`fsutil::write_atomic`); one left by a killed process is
        // garbage. Index writers (tag, untag) do not hold `store.lock`, so
        // take `index.lock` to be sure none is writing one right now.
        let _index = self.lock("index.lock", LockKind::Exclusive)?;
        remove_temp_siblings(&self.root, Some("index.json"))?;
        // Build cache records are written by builds, which hold
        // `store.lock` shared: none is writing one now.
        remove_temp_siblings(&self.root.join("cache/build"), None)?;
        // Container records and volume markers are replaced the same way
        // by processes that hold no store lock (a container's berth
        // process): only those whose writer is dead go.
        for parent in [self.containers_dir(), self.root.join("volumes")] {
            let Ok(rd) = std::fs::read_dir(&parent) else {
                continue;
            };
            for e in rd.flatten() {
                remove_dead_temp_files(&e.path());
            }
        }
        Ok(())
    }

    /// Store a blob (config, manifest) if absent; verify it hashes to its
    /// name. The caller is a writer (holds `store.lock` shared, see
    /// [`Store::writer`]): the blob is written in `tmp/` and renamed into
    /// `blobs/sha256/`, so a crash leaves at most garbage in `tmp/`, which
    /// the next writer that finds the store idle removes, and never a
    /// half-written or stray file among the blobs (which `system check`
    /// would report as damage).
    pub fn put_blob(&self, data: &[u8]) -> Result<Digest> {
        let d = Digest::of(data);
        let path = self.blob_path(&d);
        if !path.exists() {
            let tmp = self
                .root
                .join("tmp")
                .join(format!("blob-{}", fsutil::unique_suffix()));
            let res = (|| -> std::io::Result<()> {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&tmp)?;
                std::io::Write::write_all(&mut f, data)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            })();
            if let Err(e) = res {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| format!("writing blob {d}"));
            }
            fsutil::sync_dir(&self.root.join("blobs/sha256"))?;
        }
        Ok(d)
    }

    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(d.hex())
    }

    /// Read a blob and check its digest.
    pub fn blob(&self, d: &Digest) -> Result<Vec<u8>> {
        let data = fsutil::read(&self.blob_path(d)).with_context(|| format!("reading blob {d}"))?;
        crate::digest::verify(&data, d).map_err(|e| anyhow!("blob {d} is damaged: {e}"))?;
        Ok(data)
    }

    /// Find an image by full or short id (`sha256:` optional), name, or
    /// `name@digest`. A short name (`busybox`) also matches
    /// `*/busybox:latest` when exactly one image is so named.
    pub fn resolve<'a>(&self, index: &'a Index, s: &str) -> Result<&'a ImageRecord, ResolveError> {
        resolve(index, s).map(|r| r.image)
    }

    /// As [`resolve`](Self::resolve), also telling which of the image's
    /// names `s` matched (`None` when it named the image by id or digest).
    pub fn resolve_named<'a>(
        &self,
        index: &'a Index,
        s: &str,
    ) -> Result<Resolved<'a>, ResolveError> {
        resolve(index, s)
    }

    /// The index of manifest list `l`, read and checked.
    pub fn list_index(&self, l: &ListRecord) -> Result<crate::image::manifest::Index> {
        let bytes = self.blob(&l.digest)?;
        serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "manifest list {}: malformed index {}",
                l.names.join(", "),
                l.digest
            )
        })
    }

    /// The image record as an [`Image`](crate::image::Image) to read from.
    pub fn image(&self, rec: &ImageRecord) -> Result<StoreImage> {
        StoreImage::open(self, rec)
    }
}

/// An image found by [`Store::resolve_named`].
pub struct Resolved<'a> {
    pub image: &'a ImageRecord,
    /// The name the reference matched; `None` for an id or a digest.
    pub name: Option<String>,
}

/// Why a lookup found nothing (callers branch on it: `image exists`,
/// exit codes).
#[derive(Debug)]
pub enum ResolveError {
    NotFound(String),
    Ambiguous(String, Vec<String>),
    Invalid(String, String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotFound(s) => write!(f, "{s}: image not known"),
            ResolveError::Ambiguous(s, c) => {
                write!(f, "{s}: ambiguous, it matches {}", c.join(", "))
            }
            ResolveError::Invalid(s, why) => write!(f, "{s}: {why}"),
        }
    }
}

impl std::error::Error for ResolveError {}

fn resolve<'a>(index: &'a Index, s: &str) -> Result<Resolved<'a>, ResolveError> {
    let by_id = |image| Ok(Resolved { image, name: None });
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    let id_prefix = |hex: &str| -> Result<Option<&'a ImageRecord>, ResolveError> {
        let hits: Vec<&ImageRecord> = index
            .images
            .iter()
            .filter(|i| i.id.hex().starts_with(hex))
            .collect();
        match hits.len() {
            0 => Ok(None),
            1 => Ok(Some(hits[0])),
            _ => Err(ResolveError::Ambiguous(
                s.into(),
                hits.iter().map(|i| i.id.short().to_string()).collect(),
            )),
        }
    };
    // An explicit id is only an id. Otherwise names come first, as in
    // Podman: `abc` is the image named abc, not one whose id starts so.
    if s.starts_with("sha256:") || hex.len() == 64 {
        return match id_prefix(hex)? {
            Some(i) => by_id(i),
            None => Err(ResolveError::NotFound(s.into())),
        };
    }
    match resolve_name(index, s) {
        Err(ResolveError::NotFound(_)) | Err(ResolveError::Invalid(..))
            if crate::reference::looks_like_id_prefix(hex) =>
        {
            match id_prefix(hex)? {
                Some(i) => by_id(i),
                None => Err(ResolveError::NotFound(s.into())),
            }
        }
        other => other,
    }
}

/// Find an image by name or `name@digest`.
fn resolve_name<'a>(index: &'a Index, s: &str) -> Result<Resolved<'a>, ResolveError> {
    let by_id = |image| Ok(Resolved { image, name: None });
    let r = crate::reference::Reference::parse(s)
        .map_err(|e| ResolveError::Invalid(s.into(), e.to_string()))?;
    if let Some(d) = &r.digest {
        let want = format!("{}@{d}", r.name());
        if let Some(i) = index.images.iter().find(|i| i.digests.contains(&want)) {
            return by_id(i);
        }
        // An image that did not come from a registry (loaded, imported)
        // has no recorded `repo@digest`, but `images --digests` shows its
        // manifest digest: as Podman does, `repo@that digest` names it when
        // one of its names is in that repository.
        let repo_of = |n: &str| {
            crate::reference::Reference::parse(n)
                .map(|p| p.name())
                .unwrap_or_default()
        };
        if let Some(i) = index.images.iter().find(|i| {
            i.manifest.to_string() == *d && i.names.iter().any(|n| repo_of(n) == r.name())
        }) {
            return by_id(i);
        }
        return Err(ResolveError::NotFound(s.into()));
    }
    let full = r.to_string();
    if let Some(i) = index.images.iter().find(|i| i.names.contains(&full)) {
        return Ok(Resolved {
            image: i,
            name: Some(full),
        });
    }
    // A short name: as Podman, look for it under any registry.
    if let Some(suffix) = short_suffix(s, &r) {
        let hits: Vec<(&ImageRecord, &String)> = index
            .images
            .iter()
            .filter_map(|i| {
                i.names
                    .iter()
                    .find(|n| n.ends_with(&suffix))
                    .map(|n| (i, n))
            })
            .collect();
        match hits.len() {
            1 => {
                return Ok(Resolved {
                    image: hits[0].0,
                    name: Some(hits[0].1.clone()),
                })
            }
            0 => {}
            _ => {
                return Err(ResolveError::Ambiguous(
                    s.into(),
                    hits.iter().map(|(_, n)| n.to_string()).collect(),
                ))
            }
        }
    }
    Err(ResolveError::NotFound(s.into()))
}

/// What a short name (`busybox`, `app:1`) ends every full name it
/// stands for with (`/busybox:latest`); `None` for a name with a
/// registry.
fn short_suffix(s: &str, r: &crate::reference::Reference) -> Option<String> {
    if crate::reference::has_domain(s) {
        return None;
    }
    let tag = r.tag.clone().unwrap_or_else(|| "latest".into());
    let bare = s.split(['@']).next().unwrap_or(s);
    let bare = bare
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .map(|(n, _)| n)
        .unwrap_or(bare);
    Some(format!("/{bare}:{tag}"))
}

/// The manifest list named `s`: a full name, or a short one that names
/// exactly one list (as images' short names do).
pub fn resolve_list<'a>(index: &'a Index, s: &str) -> Option<&'a ListRecord> {
    // By digest, or a unique prefix of it (what `images -q` shows).
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    if crate::reference::looks_like_id_prefix(hex) {
        let mut hits = index
            .lists
            .iter()
            .filter(|l| l.digest.hex().starts_with(hex));
        if let (Some(l), None) = (hits.next(), hits.next()) {
            return Some(l);
        }
    }
    let r = crate::reference::Reference::parse(s).ok()?;
    if r.digest.is_some() {
        return None;
    }
    if let Some(l) = index.list(&r.to_string()) {
        return Some(l);
    }
    let suffix = short_suffix(s, &r)?;
    let mut hits = index
        .lists
        .iter()
        .filter(|l| l.names.iter().any(|n| n.ends_with(&suffix)));
    match (hits.next(), hits.next()) {
        (Some(l), None) => Some(l),
        _ => None,
    }
}

/// Holds `store.lock` shared while content is added; owns a staging dir.
pub struct Writer<'s> {
    store: &'s Store,
    /// `store.lock`, shared; `None` only while being dropped.
    lock: Option<FileLock>,
    staging: PathBuf,
    owners: Owners,
    /// Chain ids of the layers this writer extracted and put in place.
    created: std::sync::Mutex<Vec<Digest>>,
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        let _ = fsutil::remove_all(&self.staging);
        // Bad input changes nothing in the store (DESIGN.md §5): when an
        // image fails (say its second layer does not match its diffID),
        // layers of it that this writer already put in place and that no
        // image came to use are taken out again. Another writer may have
        // found such a layer and be about to use it, so this is done only
        // under the exclusive lock and only if it is free at once;
        // otherwise the layers stay, unused, until the next garbage
        // collection (rmi, prune) removes them.
        let created = std::mem::take(self.created.get_mut().unwrap_or_else(|p| p.into_inner()));
        let unused = |idx: &Index, c: &Digest| !idx.images.iter().any(|i| i.layers.contains(c));
        let Ok(idx) = self.store.read_index() else {
            return;
        };
        let candidates: Vec<Digest> = created.into_iter().filter(|c| unused(&idx, c)).collect();
        if candidates.is_empty() {
            return;
        }
        drop(self.lock.take());
        let path = self.store.root.join("store.lock");
        if let Ok(Some(_exclusive)) = FileLock::try_acquire(&path, LockKind::Exclusive) {
            let Ok(idx) = self.store.read_index() else {
                return;
            };
            for c in candidates.iter().filter(|c| unused(&idx, c)) {
                let _ = self.store.remove_layer(c);
            }
        }
    }
}

impl<'s> Writer<'s> {
    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// A private staging dir inside the store (same file system, so
    /// renames into place are atomic).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Add `img` to the store: extract the layers the store lacks (several
    /// at once), store config and manifest, and record the image with
    /// `names` (taken from any image that had them). Returns the record.
    pub fn commit_image(
        &self,
        img: &dyn crate::image::Image,
        names: &[String],
        manifest: Option<&[u8]>,
        digests: &[String],
    ) -> Result<ImageRecord> {
        crate::image::copy(img, &mut StoreSink::new(self, names, manifest, digests))
    }

    /// Record `img`, whose `layers` are all in place: its config and
    /// manifest as blobs, then its entry in the index under `names`.
    fn record_image(
        &self,
        img: &dyn crate::image::Image,
        layers: &[LayerRecord],
        names: &[String],
        manifest: Option<&[u8]>,
        digests: &[String],
    ) -> Result<ImageRecord> {
        let config = crate::image::config::ImageConfig::parse(img.config_bytes())
            .with_context(|| format!("image {}", img.id()))?;
        let sizes: Vec<(Digest, u64)> = layers
            .iter()
            .map(|l| (l.diff_id.clone(), l.tar_size))
            .collect();
        let manifest_bytes = match manifest {
            Some(m) => m.to_vec(),
            None => crate::image::manifest::Manifest::for_uncompressed(img.config_bytes(), &sizes)
                .to_json(),
        };
        let id = self.store.put_blob(img.config_bytes())?;
        let manifest = self.store.put_blob(&manifest_bytes)?;
        let created = config
            .created
            .as_deref()
            .and_then(crate::image::time::parse_rfc3339)
            .unwrap_or(0);
        let rec = ImageRecord {
            id: id.clone(),
            names: Vec::new(),
            digests: digests.to_vec(),
            manifest,
            layers: layers.iter().map(|l| l.chain_id.clone()).collect(),
            size: sizes.iter().map(|(_, s)| s).sum(),
            created,
            added: crate::image::time::now_unix(),
            build_cache: false,
        };
        self.store.update_index(|idx| {
            let pos = match idx.images.iter().position(|i| i.id == id) {
                Some(p) => p,
                None => {
                    idx.images.push(rec);
                    idx.images.len() - 1
                }
            };
            for d in digests {
                if !idx.images[pos].digests.contains(d) {
                    idx.images[pos].digests.push(d.clone());
                }
            }
            for n in names {
                move_name(idx, n, pos);
            }
            Ok((idx.images[pos].clone(), true))
        })
    }
}

/// The record of `all` that `s` names, as Podman finds containers and
/// pods: its full id or its name, else a unique prefix of its id.
/// `Err(n)`: `n` records (none, or more than one) have that prefix.
pub(crate) fn find_named<'a, T>(
    all: &'a [T],
    s: &str,
    id_and_name: impl Fn(&T) -> (&str, &str),
) -> Result<&'a T, usize> {
    if let Some(one) = all.iter().find(|r| {
        let (id, name) = id_and_name(r);
        id == s || name == s
    }) {
        return Ok(one);
    }
    let m: Vec<&T> = all
        .iter()
        .filter(|r| !s.is_empty() && id_and_name(r).0.starts_with(s))
        .collect();
    match m.as_slice() {
        [one] => Ok(one),
        _ => Err(m.len()),
    }
}

/// Give `name` to image `pos`, taking it from any other image.
pub fn move_name(idx: &mut Index, name: &str, pos: usize) {
    for (i, img) in idx.images.iter_mut().enumerate() {
        if i != pos {
            img.names.retain(|n| n != name);
        }
    }
    if !idx.images[pos].names.iter().any(|n| n == name) {
        idx.images[pos].names.push(name.to_string());
    }
    // A name is an image's or a list's: a list loses it as an image
    // would (Podman's lists are images), and goes with its last name.
    for l in &mut idx.lists {
        l.names.retain(|n| n != name);
    }
    idx.lists.retain(|l| !l.names.is_empty());
    // Named, it is an image of its own, not build cache.
    idx.images[pos].build_cache = false;
}

/// Holds `store.lock` exclusively: no content is being added meanwhile.
pub struct Exclusive<'s> {
    store: &'s Store,
    _lock: FileLock,
}

impl Exclusive<'_> {
    /// Remove every layer and blob that no image names. Returns the layers
    /// removed and the bytes their tars held.
    pub fn collect_garbage(&self) -> Result<(Vec<Digest>, u64)> {
        let s = self.store;
        let idx = s.read_index()?;
        let mut used_layers = std::collections::HashSet::new();
        let mut used_blobs = std::collections::HashSet::new();
        for i in &idx.images {
            used_layers.extend(i.layers.iter().map(|l| l.hex().to_string()));
            used_blobs.insert(i.id.hex().to_string());
            used_blobs.insert(i.manifest.hex().to_string());
        }
        for l in &idx.lists {
            used_blobs.insert(l.digest.hex().to_string());
        }
        let mut removed = Vec::new();
        let mut bytes = 0;
        for id in s.layer_ids()? {
            if used_layers.contains(id.hex()) {
                continue;
            }
            if let Ok(rec) = s.layer(&id) {
                bytes += rec.tar_size;
            }
            s.remove_layer(&id)?;
            removed.push(id);
        }
        // A layer's short link is made just before its dir is renamed into
        // place (so a layer never lacks its link); a process killed in
        // between leaves a link to nothing. No writer runs now: remove
        // such links.
        let links = s.root.join("overlay/l");
        for e in
            std::fs::read_dir(&links).with_context(|| format!("reading {}", links.display()))?
        {
            let e = e.with_context(|| format!("reading {}", links.display()))?;
            if !e.path().exists() {
                fsutil::remove_all(&e.path())?;
            }
        }
        s.collect_container_garbage()?;
        // Per-layer lock files of extractions that failed or were killed.
        let locks = s.root.join("locks");
        for e in
            std::fs::read_dir(&locks).with_context(|| format!("reading {}", locks.display()))?
        {
            let e = e.with_context(|| format!("reading {}", locks.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let layer = name
                .strip_suffix(".lock")
                .and_then(|h| Digest::from_hex(h).ok());
            if layer.is_none_or(|l| !s.layer_dir(&l).exists()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let blobs = s.root.join("blobs/sha256");
        for e in
            std::fs::read_dir(&blobs).with_context(|| format!("reading {}", blobs.display()))?
        {
            let e = e.with_context(|| format!("reading {}", blobs.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if !used_blobs.contains(&name) {
                fsutil::remove_all(&e.path())?;
            }
        }
        Ok((removed, bytes))
    }

    /// Remove everything: images, layers, blobs.
    pub fn reset(&self) -> Result<()> {
        let s = self.store;
        s.update_index(|idx| {
            idx.images.clear();
            idx.lists.clear();
            Ok(((), true))
        })?;
        self.collect_garbage()?;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        self.store
    }
}

/// Remove the temporary files that `fsutil::write_atomic` leaves beside
/// its targets in `dir` when killed (`.NAME.tmp-…`; only `target`'s when
/// given). The caller makes sure no writer of them is running.
/// Remove the temporary files in `dir` (`.NAME.tmp-…`, as
/// [`fsutil::write_atomic`] names them) whose writers are dead.
fn remove_dead_temp_files(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            && name.contains(".tmp-")
            && fsutil::suffix_owner_alive(&name) == Some(false)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn remove_temp_siblings(dir: &Path, target: Option<&str>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for e in rd {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let temp = match target {
            Some(t) => name.starts_with(&format!(".{t}.tmp-")),
            None => name.starts_with('.') && name.contains(".tmp-"),
        };
        if temp {
            let _ = fsutil::remove_all(&e.path());
        }
    }
    Ok(())
}
