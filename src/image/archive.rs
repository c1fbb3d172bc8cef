//! Image archives: docker-archive (`docker save`: classic `manifest.json`
//! with `repositories`, and the Docker 25+ layout that adds `index.json`)
//! and oci-archive (an OCI image layout in a tar), read and written.
//!
//! Reading indexes the outer tar once (entry name → offset and size) and
//! then reads entries with positioned reads, so several layers can be
//! extracted at once from one file. An archive that is compressed as a
//! whole, or comes from a pipe, is first spooled to a file in the store's
//! staging dir.

use super::config::ImageConfig;
use super::manifest::{self, Descriptor, Index, Manifest};
use super::{Image, LayerInfo};
use crate::digest::Digest;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Largest JSON document (manifest, config, index) read from an archive.
const MAX_JSON: u64 = 64 << 20;

/// An archive file opened for reading.
pub struct ArchiveFile {
    file: File,
    /// What the user named, for errors.
    name: String,
    entries: HashMap<String, Entry>,
    spool: Option<PathBuf>,
}

#[derive(Clone, Debug)]
enum Entry {
    Data { offset: u64, size: u64 },
    Link(String),
}

impl Drop for ArchiveFile {
    fn drop(&mut self) {
        if let Some(p) = &self.spool {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl ArchiveFile {
    /// Open an archive file; a compressed one is decompressed into
    /// `spool_dir` first.
    pub fn open(path: &Path, spool_dir: &Path) -> Result<ArchiveFile> {
        let name = path.display().to_string();
        let mut file = File::open(path).with_context(|| format!("opening archive {name}"))?;
        let mut magic = [0u8; 4];
        let n = file
            .read_at(&mut magic, 0)
            .with_context(|| format!("reading archive {name}"))?;
        if n >= 2 && magic[..2] == [0x1f, 0x8b] || n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
            return Self::spooled(&mut file, name, spool_dir);
        }
        Self::index(file, name, None)
    }

    /// Read an archive from a stream (standard input), spooling it.
    pub fn from_reader(
        r: &mut (dyn Read + Send),
        name: &str,
        spool_dir: &Path,
    ) -> Result<ArchiveFile> {
        Self::spooled(r, name.to_string(), spool_dir)
    }

    fn spooled(r: &mut (dyn Read + Send), name: String, spool_dir: &Path) -> Result<ArchiveFile> {
        let path = spool_dir.join(format!("archive-{}", crate::fsutil::unique_suffix()));
        let res = (|| -> Result<File> {
            let (_, mut plain) = super::compression::decompressed(r)
                .with_context(|| format!("reading archive {name}"))?;
            let mut out = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            io::copy(&mut plain, &mut out).with_context(|| format!("reading archive {name}"))?;
            io::Seek::rewind(&mut out).with_context(|| format!("reading {}", path.display()))?;
            Ok(out)
        })();
        match res {
            Ok(file) => Self::index(file, name, Some(path)),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    fn index(file: File, name: String, spool: Option<PathBuf>) -> Result<ArchiveFile> {
        let mut me = ArchiveFile {
            file,
            name,
            entries: HashMap::new(),
            spool,
        };
        let total = me
            .file
            .metadata()
            .with_context(|| format!("reading archive {}", me.name))?
            .len();
        let mut ar = tar::Archive::new(&me.file);
        let entries = ar
            .entries_with_seek()
            .with_context(|| format!("reading archive {}", me.name))?;
        for e in entries {
            let e = e.map_err(|e| {
                anyhow!(
                    "archive {} is not a valid tar: {}",
                    me.name,
                    printable(&e.to_string())
                )
            })?;
            let path = e.path().map_err(|e| {
                anyhow!(
                    "archive {}: bad entry name: {}",
                    me.name,
                    printable(&e.to_string())
                )
            })?;
            let key = normalize(&path.to_string_lossy());
            let kind = e.header().entry_type();
            let entry = if kind.is_symlink() || kind.is_hard_link() {
                let target = e
                    .link_name()
                    .ok()
                    .flatten()
                    .ok_or_else(|| anyhow!("archive {}: link {key} has no target", me.name))?;
                let target = target.to_string_lossy();
                let resolved = if kind.is_symlink() && !target.starts_with('/') {
                    let dir = key.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    normalize(&format!("{dir}/{target}"))
                } else {
                    normalize(&target)
                };
                Entry::Link(resolved)
            } else if kind.is_file() {
                let (offset, size) = (e.raw_file_position(), e.size());
                if offset.checked_add(size).is_none_or(|end| end > total) {
                    bail!("archive {} is truncated (entry {key})", me.name);
                }
                Entry::Data { offset, size }
            } else {
                continue;
            };
            me.entries.insert(key, entry);
        }
        if me.entries.is_empty() {
            bail!("archive {} is empty or not a tar archive", me.name);
        }
        Ok(me)
    }

    /// The name the user gave, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn lookup(&self, path: &str) -> Result<(u64, u64)> {
        let mut key = normalize(path);
        for _ in 0..16 {
            match self.entries.get(&key) {
                Some(Entry::Data { offset, size }) => return Ok((*offset, *size)),
                Some(Entry::Link(t)) => key = t.clone(),
                None => break,
            }
        }
        bail!("archive {}: missing file {path:?}", self.name)
    }

    fn has(&self, path: &str) -> bool {
        self.entries.contains_key(&normalize(path))
    }

    /// A reader of one entry's bytes.
    pub fn open_entry(&self, path: &str) -> Result<EntryReader<'_>> {
        let (offset, size) = self.lookup(path)?;
        Ok(EntryReader {
            file: &self.file,
            pos: offset,
            end: offset + size,
        })
    }

    fn read_json(&self, path: &str) -> Result<Vec<u8>> {
        let (_, size) = self.lookup(path)?;
        if size > MAX_JSON {
            bail!("archive {}: {path} is too large ({size} bytes)", self.name);
        }
        let mut buf = Vec::with_capacity(size as usize);
        self.open_entry(path)?
            .read_to_end(&mut buf)
            .with_context(|| format!("archive {}: reading {path}", self.name))?;
        Ok(buf)
    }

    fn read_blob(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        let path = format!("blobs/sha256/{}", desc.digest.hex());
        let data = self.read_json(&path)?;
        crate::digest::verify(&data, &desc.digest)
            .map_err(|e| anyhow!("archive {}: blob {}: {e}", self.name, desc.digest))?;
        Ok(data)
    }

    /// Every image in the archive. docker-archive when `manifest.json`
    /// exists (it also covers Docker 25+ archives), else oci-archive.
    pub fn images(&self) -> Result<Vec<ArchiveImage<'_>>> {
        if self.has("manifest.json") {
            self.docker_images()
        } else if self.has("index.json") {
            self.oci_images()
        } else {
            bail!(
                "archive {}: neither manifest.json nor index.json found: not an image archive",
                self.name
            )
        }
    }

    fn docker_images(&self) -> Result<Vec<ArchiveImage<'_>>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Item {
            config: String,
            #[serde(default)]
            repo_tags: Option<Vec<String>>,
            layers: Vec<String>,
        }
        let raw = self.read_json("manifest.json")?;
        let items: Vec<Item> = serde_json::from_slice(&raw)
            .map_err(|e| anyhow!("archive {}: malformed manifest.json: {e}", self.name))?;
        let mut out = Vec::new();
        for item in items {
            let config = self.read_json(&item.config)?;
            // Both layouts name the config by its digest; check it when so.
            let stem = item
                .config
                .trim_end_matches(".json")
                .rsplit('/')
                .next()
                .unwrap_or("");
            if let Ok(d) = Digest::from_hex(stem) {
                crate::digest::verify(&config, &d)
                    .map_err(|e| anyhow!("archive {}: config {}: {e}", self.name, item.config))?;
            }
            for l in &item.layers {
                self.lookup(l)?;
            }
            let paths = item.layers.into_iter().map(LayerSource::Path).collect();
            out.push(self.image(config, paths, item.repo_tags.unwrap_or_default(), None)?);
        }
        Ok(out)
    }

    fn oci_images(&self) -> Result<Vec<ArchiveImage<'_>>> {
        let raw = self.read_json("index.json")?;
        let index: Index = serde_json::from_slice(&raw)
            .map_err(|e| anyhow!("archive {}: malformed index.json: {e}", self.name))?;
        let mut out = Vec::new();
        for desc in &index.manifests {
            let names = ref_names(desc);
            let mut data = self.read_blob(desc)?;
            let mut mdesc = desc.clone();
            if manifest::is_index(Some(&desc.media_type), &data) {
                let inner: Index = serde_json::from_slice(&data).map_err(|e| {
                    anyhow!(
                        "archive {}: malformed index {}: {e}",
                        self.name,
                        desc.digest
                    )
                })?;
                let host = super::config::host_arch();
                let pick =
                    manifest::pick_platform(&inner, "linux", host, None).ok_or_else(|| {
                        anyhow!(
                            "archive {}: index {} has no image for linux/{host}",
                            self.name,
                            desc.digest
                        )
                    })?;
                data = self.read_blob(pick)?;
                mdesc = pick.clone();
            }
            let m: Manifest = serde_json::from_slice(&data).map_err(|e| {
                anyhow!(
                    "archive {}: malformed manifest {}: {e}",
                    self.name,
                    mdesc.digest
                )
            })?;
            let config = self.read_blob(&m.config)?;
            let sources = m
                .layers
                .iter()
                .map(|d| LayerSource::Blob(d.clone()))
                .collect();
            let mut img = self.image(config, sources, names, Some(data))?;
            img.ref_name = desc
                .annotations
                .as_ref()
                .and_then(|a| a.get(manifest::REF_NAME))
                .cloned();
            img.entry = Some(desc.digest.clone());
            out.push(img);
        }
        Ok(out)
    }

    fn image(
        &self,
        config: Vec<u8>,
        sources: Vec<LayerSource>,
        names: Vec<String>,
        manifest: Option<Vec<u8>>,
    ) -> Result<ArchiveImage<'_>> {
        let id = Digest::of(&config);
        let parsed = ImageConfig::parse(&config)
            .map_err(|e| anyhow!("archive {}: image {id}: {e}", self.name))?;
        if parsed.rootfs.diff_ids.len() != sources.len() {
            bail!(
                "archive {}: image {id}: config lists {} layers but the manifest has {}",
                self.name,
                parsed.rootfs.diff_ids.len(),
                sources.len()
            );
        }
        let layers = parsed
            .rootfs
            .diff_ids
            .iter()
            .zip(&sources)
            .map(|(d, s)| LayerInfo {
                diff_id: d.clone(),
                blob: match s {
                    LayerSource::Blob(b) => Some(b.clone()),
                    LayerSource::Path(_) => None,
                },
                tar_size: None,
            })
            .collect();
        Ok(ArchiveImage {
            archive: self,
            config,
            layers,
            sources,
            names,
            manifest,
            ref_name: None,
            entry: None,
        })
    }
}

fn ref_names(desc: &Descriptor) -> Vec<String> {
    let ann = desc.annotations.as_ref();
    // containerd (and Docker 25+) put the full name here; the OCI
    // annotation may hold only a tag, which names nothing on its own.
    if let Some(n) = ann.and_then(|a| a.get("io.containerd.image.name")) {
        return vec![n.clone()];
    }
    match ann.and_then(|a| a.get(manifest::REF_NAME)) {
        Some(n) if n.contains('/') || n.contains(':') => vec![n.clone()],
        _ => Vec::new(),
    }
}

/// The tar crate's errors quote the raw header bytes they failed on,
/// which in a file that is not a tar are binary garbage: keep the message
/// one short printable line (DESIGN.md §5, errors are one line).
fn printable(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_control() || c == char::REPLACEMENT_CHARACTER {
                '?'
            } else {
                c
            }
        })
        .collect();
    if clean.chars().count() > 100 {
        clean.chars().take(97).collect::<String>() + "..."
    } else {
        clean
    }
}

fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

enum LayerSource {
    Path(String),
    Blob(Descriptor),
}

/// One image found in an archive.
pub struct ArchiveImage<'a> {
    archive: &'a ArchiveFile,
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    sources: Vec<LayerSource>,
    /// The names the archive gives it (`RepoTags`, or the OCI ref name).
    pub names: Vec<String>,
    /// The manifest as the archive stores it (oci-archive only).
    pub manifest: Option<Vec<u8>>,
    /// The OCI ref name annotation as written (a tag alone, often), and
    /// the digest of the image's entry in `index.json` (oci-archive only).
    pub ref_name: Option<String>,
    pub entry: Option<Digest>,
}

impl ArchiveImage<'_> {
    /// Where layer `i` lies in the archive: its tar's path, or its blob's.
    pub fn layer_path(&self, i: usize) -> String {
        match &self.sources[i] {
            LayerSource::Path(p) => p.clone(),
            LayerSource::Blob(d) => format!("blobs/sha256/{}", d.digest.hex()),
        }
    }
}

impl Image for ArchiveImage<'_> {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
        let r = match &self.sources[i] {
            LayerSource::Path(p) => self.archive.open_entry(p)?,
            LayerSource::Blob(d) => {
                let r = self
                    .archive
                    .open_entry(&format!("blobs/sha256/{}", d.digest.hex()))?;
                if r.end - r.pos != d.size {
                    bail!(
                        "archive {}: blob {} has {} bytes, the manifest says {}",
                        self.archive.name,
                        d.digest,
                        r.end - r.pos,
                        d.size
                    );
                }
                r
            }
        };
        Ok(Box::new(r))
    }
}

/// Reads one entry of an archive with positioned reads, so readers of
/// several entries can share one file across threads.
pub struct EntryReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive entry is truncated",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// The formats `save` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    DockerArchive,
    OciArchive,
}

/// Writes a tar stream entry by entry; layer entries are streamed with
/// their size known in advance.
struct TarOut<W: Write> {
    out: W,
}

impl<W: Write> TarOut<W> {
    fn header(&mut self, path: &str, size: u64, dir: bool) -> io::Result<()> {
        let mut h = tar::Header::new_ustar();
        h.set_path(path)?;
        h.set_size(size);
        h.set_mode(if dir { 0o755 } else { 0o644 });
        h.set_entry_type(if dir {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        h.set_mtime(0);
        h.set_cksum();
        self.out.write_all(h.as_bytes())
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = (512 - size % 512) % 512;
        self.out.write_all(&[0u8; 512][..rem as usize])
    }

    fn file(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        self.header(path, data.len() as u64, false)?;
        self.out.write_all(data)?;
        self.pad(data.len() as u64)
    }

    fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&[0u8; 1024])?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// An archive being written: an [`ImageSink`] that takes images one
/// [`ArchiveSink::add`] at a time and writes each layer, config and
/// manifest once however many images share it. [`ArchiveSink::close`]
/// writes the index (`manifest.json` or `index.json`) and the end.
pub struct ArchiveSink<W: Write + Send> {
    format: Format,
    tar: Mutex<TarOut<W>>,
    /// Layers written so far, with their tar sizes.
    layers: Mutex<HashMap<Digest, u64>>,
    /// Configs and manifests written so far.
    blobs: HashSet<Digest>,
    /// The names of the image being added.
    names: Vec<String>,
    /// docker-archive: `manifest.json`'s entries and `repositories`.
    manifest: Vec<serde_json::Value>,
    repositories: BTreeMap<String, BTreeMap<String, String>>,
    /// oci-archive: `index.json`'s entries.
    index: Vec<Descriptor>,
}

impl<W: Write + Send> ArchiveSink<W> {
    pub fn new(out: W, format: Format) -> Result<ArchiveSink<W>> {
        let mut tar = TarOut { out };
        if format == Format::OciArchive {
            tar.file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
            tar.header("blobs/", 0, true)?;
            tar.header("blobs/sha256/", 0, true)?;
        }
        Ok(ArchiveSink {
            format,
            tar: Mutex::new(tar),
            layers: Mutex::new(HashMap::new()),
            blobs: HashSet::new(),
            names: Vec::new(),
            manifest: Vec::new(),
            repositories: BTreeMap::new(),
            index: Vec::new(),
        })
    }

    /// Copy `img` in, recorded under `names`.
    pub fn add(&mut self, img: &dyn Image, names: Vec<String>) -> Result<()> {
        self.names = names;
        super::copy(img, self)
    }

    /// Copy `imgs` in as one image for several platforms (oci-archive
    /// only): an OCI index of their manifests, each entry with its
    /// config's platform, recorded under `names` in `index.json`.
    pub fn add_platforms(&mut self, imgs: &[&dyn Image], names: Vec<String>) -> Result<()> {
        if self.format != Format::OciArchive {
            bail!("a Docker archive cannot hold an image for several platforms");
        }
        let first = self.index.len();
        for img in imgs {
            self.names = Vec::new();
            super::copy(*img, self)?;
        }
        // Each image added one unnamed entry: those are the index's.
        let mut entries = self.index.split_off(first);
        for (d, img) in entries.iter_mut().zip(imgs) {
            let config = ImageConfig::parse(img.config_bytes())
                .with_context(|| format!("image {}", img.id().short()))?;
            d.platform = Some(config.index_platform());
        }
        let index = Index {
            schema_version: 2,
            media_type: Some(manifest::OCI_INDEX.into()),
            manifests: entries,
            annotations: None,
        };
        let bytes = serde_json::to_vec(&index)?;
        let digest = Digest::of(&bytes);
        self.blob(&format!("blobs/sha256/{}", digest.hex()), &bytes)?;
        self.entries(manifest::OCI_INDEX, &bytes, names);
        Ok(())
    }

    /// `index.json`'s entries for `blob`: one per name (none: one
    /// without a name).
    fn entries(&mut self, media_type: &str, blob: &[u8], names: Vec<String>) {
        let desc = |ann: Option<BTreeMap<String, String>>| Descriptor {
            media_type: media_type.into(),
            digest: Digest::of(blob),
            size: blob.len() as u64,
            platform: None,
            annotations: ann,
        };
        if names.is_empty() {
            self.index.push(desc(None));
        }
        for name in names {
            self.index.push(desc(Some(BTreeMap::from([(
                manifest::REF_NAME.to_string(),
                name,
            )]))));
        }
    }

    /// Write the index and the tar's end; the writer back.
    pub fn close(self) -> Result<W> {
        let mut tar = self.tar.into_inner().unwrap_or_else(|e| e.into_inner());
        match self.format {
            Format::DockerArchive => {
                tar.file("manifest.json", &serde_json::to_vec(&self.manifest)?)?;
                if !self.repositories.is_empty() {
                    tar.file("repositories", &serde_json::to_vec(&self.repositories)?)?;
                }
            }
            Format::OciArchive => {
                let index = Index {
                    schema_version: 2,
                    media_type: Some(manifest::OCI_INDEX.into()),
                    manifests: self.index,
                    annotations: None,
                };
                tar.file("index.json", &serde_json::to_vec(&index)?)?;
            }
        }
        Ok(tar.finish()?)
    }

    /// Where layer `diff_id` lies in the archive.
    fn layer_path(&self, diff_id: &Digest) -> String {
        match self.format {
            Format::DockerArchive => format!("{}.tar", diff_id.hex()),
            Format::OciArchive => format!("blobs/sha256/{}", diff_id.hex()),
        }
    }

    /// Write `data` as a blob (a config or manifest) once.
    fn blob(&mut self, path: &str, data: &[u8]) -> Result<()> {
        if self.blobs.insert(Digest::of(data)) {
            let tar = self.tar.get_mut().unwrap_or_else(|e| e.into_inner());
            tar.file(path, data)?;
        }
        Ok(())
    }
}

impl<W: Write + Send> super::ImageSink for ArchiveSink<W> {
    /// The layer's tar size.
    type Layer = u64;
    type Done = ();

    fn begin(&mut self, _: &dyn Image) -> Result<()> {
        Ok(())
    }

    /// Stream the layer as an entry whose size is written before it.
    fn put_layer(&self, layer: &super::LayerStream<'_>) -> Result<super::Placed<u64>> {
        let info = layer.info();
        let mut layers = self.layers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(size) = layers.get(&info.diff_id) {
            return Ok(super::Placed::Held(*size));
        }
        let size = info
            .tar_size
            .ok_or_else(|| anyhow!("layer {}: size unknown", info.diff_id))?;
        let mut tar = self.tar.lock().unwrap_or_else(|e| e.into_inner());
        tar.header(&self.layer_path(&info.diff_id), size, false)?;
        let verified = layer.write_tar(&mut tar.out)?;
        tar.pad(size)?;
        layers.insert(info.diff_id.clone(), size);
        Ok(super::Placed::Written(size, verified))
    }

    fn finish(&mut self, img: &dyn Image, layers: Vec<super::Placed<u64>>) -> Result<()> {
        let names = std::mem::take(&mut self.names);
        let config = img.config_bytes();
        let id = img.id();
        match self.format {
            Format::DockerArchive => {
                let config_path = format!("{}.json", id.hex());
                self.blob(&config_path, config)?;
                let top = img
                    .layers()
                    .last()
                    .map(|l| l.diff_id.hex().to_string())
                    .unwrap_or_default();
                for name in &names {
                    if let Some((repo, tag)) = name
                        .rsplit_once(':')
                        .filter(|(r, t)| !t.contains('/') && !r.is_empty())
                    {
                        self.repositories
                            .entry(repo.to_string())
                            .or_default()
                            .insert(tag.to_string(), top.clone());
                    }
                }
                let paths: Vec<String> = img
                    .layers()
                    .iter()
                    .map(|l| self.layer_path(&l.diff_id))
                    .collect();
                self.manifest.push(serde_json::json!({
                    "Config": config_path,
                    "RepoTags": if names.is_empty() { serde_json::Value::Null } else { serde_json::json!(names) },
                    "Layers": paths,
                }));
            }
            Format::OciArchive => {
                let sizes: Vec<(Digest, u64)> = img
                    .layers()
                    .iter()
                    .zip(layers)
                    .map(|(l, p)| (l.diff_id.clone(), p.into_value()))
                    .collect();
                let m = Manifest::for_uncompressed(config, &sizes).to_json();
                for blob in [config, &m[..]] {
                    self.blob(&format!("blobs/sha256/{}", Digest::of(blob).hex()), blob)?;
                }
                self.entries(manifest::OCI_MANIFEST, &m, names);
            }
        }
        Ok(())
    }
}
