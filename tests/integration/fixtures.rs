//! Test images, made here from what the machine has and never downloaded
//! (DESIGN.md §6): a busybox root filesystem from Debian's busybox-static,
//! small hand-made layers (`LayerBuilder`), image configs (`ImageSpec`), and
//! the three archive formats berth loads and saves — classic docker-archive,
//! Docker 25+ docker-archive (an OCI layout inside) and oci-archive. All
//! output is deterministic, so digests are stable from run to run. Broken
//! variants exist for error tests. The self tests at the end feed these
//! files to Skopeo and Podman, which proves the fixtures are real images.

#![allow(dead_code)] // not every test module uses every fixture

use crate::util::{podman, skopeo, TestEnv};
use berth::digest::Digest;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

/// The mtime of every entry in every fixture tar (2023-11-14T22:13:20Z).
pub const MTIME: u64 = 1_700_000_000;
/// `MTIME` as the `created` of configs and history.
pub const CREATED: &str = "2023-11-14T22:13:20Z";
/// Where Debian's busybox-static puts the static binary.
pub const BUSYBOX: &str = "/bin/busybox";
/// The `PATH` of the fixture images' config.
pub const IMAGE_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The applets linked to busybox in `bin/`.
pub const APPLETS: &[&str] = &[
    "sh", "ls", "cat", "echo", "true", "false", "id", "env", "sleep", "touch", "rm", "mkdir",
    "stat", "hostname", "grep", "wc",
];

/// The OCI name of the host's architecture (`amd64`, `arm64`, …), what
/// the fixture configs declare so that the images run here.
pub fn oci_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "arm" => "arm",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        other => other, // s390x, riscv64 have the same name in both
    }
}

/// One entry of a layer tar.
#[derive(Clone, Debug)]
enum Entry {
    File {
        path: String,
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
        mode: u32,
    },
    Symlink {
        path: String,
        target: String,
    },
    Hardlink {
        path: String,
        target: String,
    },
    /// A file whose name is written verbatim into the header, bypassing
    /// the tar crate's refusal of `..` and absolute paths.
    Raw {
        name: String,
        data: Vec<u8>,
    },
}

/// Builds a small layer tar, entry by entry, in order. Every entry has
/// mtime `MTIME` and owner 0:0 unless `owned` says otherwise.
///
/// ```ignore
/// let tar = LayerBuilder::new().dir("etc", 0o755).file("etc/motd", b"hi\n", 0o644).tar_bytes();
/// ```
#[derive(Clone, Debug, Default)]
pub struct LayerBuilder {
    entries: Vec<(Entry, u64, u64)>,
}

impl LayerBuilder {
    pub fn new() -> LayerBuilder {
        LayerBuilder::default()
    }

    fn push(mut self, e: Entry) -> LayerBuilder {
        self.entries.push((e, 0, 0));
        self
    }

    /// A regular file.
    pub fn file(self, path: &str, data: impl Into<Vec<u8>>, mode: u32) -> LayerBuilder {
        self.push(Entry::File {
            path: path.into(),
            data: data.into(),
            mode,
        })
    }

    /// A directory (written as `path/`, as Docker does).
    pub fn dir(self, path: &str, mode: u32) -> LayerBuilder {
        self.push(Entry::Dir {
            path: path.into(),
            mode,
        })
    }

    /// A symbolic link `path -> target` (the target may be anything).
    pub fn symlink(self, path: &str, target: &str) -> LayerBuilder {
        self.push(Entry::Symlink {
            path: path.into(),
            target: target.into(),
        })
    }

    /// A hard link `path` to the earlier entry `target` (a path in the tar).
    pub fn hardlink(self, path: &str, target: &str) -> LayerBuilder {
        self.push(Entry::Hardlink {
            path: path.into(),
            target: target.into(),
        })
    }

    /// The deletion of `path` from the layers below: an empty file
    /// `dir/.wh.name` (the OCI image spec, layer.md "Whiteouts").
    pub fn whiteout(self, path: &str) -> LayerBuilder {
        let (dir, name) = match path.trim_end_matches('/').rsplit_once('/') {
            Some((d, n)) => (format!("{d}/"), n),
            None => (String::new(), path.trim_end_matches('/')),
        };
        self.file(&format!("{dir}.wh.{name}"), Vec::new(), 0o644)
    }

    /// Mark `dir` opaque: nothing of the layers below shows through it
    /// (`dir/.wh..wh..opq`, layer.md "Opaque Whiteout").
    pub fn opaque(self, dir: &str) -> LayerBuilder {
        self.file(
            &format!("{}/.wh..wh..opq", dir.trim_end_matches('/')),
            Vec::new(),
            0o644,
        )
    }

    /// A regular file whose name goes into the header byte for byte (at
    /// most 100 bytes), for hostile tars: `../escape`, `/etc/x`.
    pub fn raw_file(self, name: &str, data: impl Into<Vec<u8>>) -> LayerBuilder {
        assert!(name.len() <= 100, "raw names must fit the header");
        self.push(Entry::Raw {
            name: name.into(),
            data: data.into(),
        })
    }

    /// Give the last entry owner `uid:gid`.
    pub fn owned(mut self, uid: u64, gid: u64) -> LayerBuilder {
        let last = self.entries.last_mut().expect("owned() follows an entry");
        (last.1, last.2) = (uid, gid);
        self
    }

    /// The uncompressed layer tar.
    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (entry, uid, gid) in &self.entries {
            let mut h = tar::Header::new_gnu();
            h.set_mtime(MTIME);
            h.set_uid(*uid);
            h.set_gid(*gid);
            let res = match entry {
                Entry::File { path, data, mode } => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(*mode);
                    h.set_size(data.len() as u64);
                    b.append_data(&mut h, path, data.as_slice())
                }
                Entry::Dir { path, mode } => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_mode(*mode);
                    h.set_size(0);
                    b.append_data(
                        &mut h,
                        format!("{}/", path.trim_end_matches('/')),
                        std::io::empty(),
                    )
                }
                Entry::Symlink { path, target } | Entry::Hardlink { path, target } => {
                    let kind = match entry {
                        Entry::Symlink { .. } => tar::EntryType::Symlink,
                        _ => tar::EntryType::Link,
                    };
                    h.set_entry_type(kind);
                    h.set_mode(0o777);
                    h.set_size(0);
                    b.append_link(&mut h, path, target)
                }
                Entry::Raw { name, data } => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_mode(0o644);
                    h.set_size(data.len() as u64);
                    let slot = &mut h.as_old_mut().name;
                    slot.fill(0);
                    slot[..name.len()].copy_from_slice(name.as_bytes());
                    h.set_cksum();
                    b.append(&h, data.as_slice())
                }
            };
            res.unwrap_or_else(|e| panic!("writing fixture tar entry {entry:?}: {e}"));
        }
        b.into_inner().expect("finishing a fixture tar")
    }

    /// The tar, gzip-compressed (deterministic: no name, mtime 0).
    pub fn gzip(&self) -> Vec<u8> {
        gzip(&self.tar_bytes())
    }

    /// The tar, zstd-compressed.
    pub fn zstd(&self) -> Vec<u8> {
        zstd(&self.tar_bytes())
    }
}

/// Gzip `data` deterministically.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Zstd-compress `data` deterministically (one thread, level 3).
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// The busybox root filesystem as one deterministic layer tar: the usual
/// top-level dirs (`tmp` 1777, `root` 700, `home/app` owned by 1000:1000),
/// the real static `bin/busybox` with the `APPLETS` as symlinks to it,
/// `etc/passwd` and `etc/group` with root, nobody and `app` (uid 1000).
/// Built once per test process.
pub fn busybox_rootfs_tar() -> Vec<u8> {
    static TAR: OnceLock<Vec<u8>> = OnceLock::new();
    TAR.get_or_init(build_busybox_rootfs_tar).clone()
}

fn build_busybox_rootfs_tar() -> Vec<u8> {
    busybox_rootfs_tar_of(read_static_busybox())
}

/// `busybox_rootfs_tar` with this busybox binary.
pub fn busybox_rootfs_tar_of(busybox: Vec<u8>) -> Vec<u8> {
    let mut l = LayerBuilder::new();
    for (dir, mode) in [
        ("bin", 0o755),
        ("dev", 0o755),
        ("etc", 0o755),
        ("home", 0o755),
    ] {
        l = l.dir(dir, mode);
    }
    l = l.dir("home/app", 0o755).owned(1000, 1000);
    for (dir, mode) in [
        ("proc", 0o555),
        ("root", 0o700),
        ("sys", 0o555),
        ("tmp", 0o1777),
        ("usr", 0o755),
        ("usr/bin", 0o755),
        ("var", 0o755),
    ] {
        l = l.dir(dir, mode);
    }
    l = l.file("bin/busybox", busybox, 0o755);
    for applet in APPLETS {
        l = l.symlink(&format!("bin/{applet}"), "busybox");
    }
    l.file(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n\
         nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n\
         app:x:1000:1000:app:/home/app:/bin/sh\n",
        0o644,
    )
    .file(
        "etc/group",
        "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n",
        0o644,
    )
    .tar_bytes()
}

/// The bytes of `/bin/busybox`, after checking that it is the static one
/// (a dynamic busybox would not run inside an image without its libc).
fn read_static_busybox() -> Vec<u8> {
    let data = fs::read(BUSYBOX).unwrap_or_else(|e| {
        panic!("{BUSYBOX}: {e}: install busybox-static (run scripts/test, which installs it)")
    });
    assert!(
        elf_is_static(&data),
        "{BUSYBOX} is dynamically linked: install busybox-static (run scripts/test, which installs it)"
    );
    data
}

/// True for a 64-bit little-endian ELF without a `PT_INTERP` program
/// header, i.e. one that needs no dynamic loader.
fn elf_is_static(elf: &[u8]) -> bool {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 || elf[5] != 1 {
        return false;
    }
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum).all(|i| {
        let o = phoff + i * phentsize;
        o + 4 <= elf.len() && u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) != 3
        // PT_INTERP
    })
}

/// How a layer is compressed inside an archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One layer of an image: the uncompressed tar and the blob as stored in
/// an archive (compressed as `compression` says).
#[derive(Clone, Debug)]
pub struct LayerBlob {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub compression: Compression,
    /// The `created_by` of the layer's history entry.
    pub created_by: String,
}

impl LayerBlob {
    pub fn new(tar: Vec<u8>, compression: Compression) -> LayerBlob {
        let blob = match compression {
            Compression::None => tar.clone(),
            Compression::Gzip => gzip(&tar),
            Compression::Zstd => zstd(&tar),
        };
        LayerBlob {
            tar,
            blob,
            compression,
            created_by: "berth-test: fixture layer".into(),
        }
    }

    /// An uncompressed layer.
    pub fn plain(tar: Vec<u8>) -> LayerBlob {
        LayerBlob::new(tar, Compression::None)
    }

    pub fn gzip(tar: Vec<u8>) -> LayerBlob {
        LayerBlob::new(tar, Compression::Gzip)
    }

    pub fn zstd(tar: Vec<u8>) -> LayerBlob {
        LayerBlob::new(tar, Compression::Zstd)
    }

    pub fn created_by(mut self, created_by: &str) -> LayerBlob {
        self.created_by = created_by.into();
        self
    }

    /// The diffID: sha256 of the uncompressed tar.
    pub fn diff_id(&self) -> Digest {
        Digest::of(&self.tar)
    }

    /// The digest of the blob as stored (= the diffID when uncompressed).
    pub fn digest(&self) -> Digest {
        Digest::of(&self.blob)
    }

    /// The OCI media type of the blob.
    pub fn media_type(&self) -> &'static str {
        match self.compression {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// An image to write into an archive: its layers (bottom first), names and
/// config. Fields are public; the builder methods are shorthands.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    pub layers: Vec<LayerBlob>,
    /// Names as `docker save` records them, e.g. `localhost/busybox:latest`.
    pub repo_tags: Vec<String>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// RFC 3339.
    pub created: String,
    /// The config's `architecture` (default: the host's).
    pub architecture: String,
}

impl ImageSpec {
    /// An image without layers or config, created at `CREATED`.
    pub fn empty() -> ImageSpec {
        ImageSpec {
            layers: Vec::new(),
            repo_tags: Vec::new(),
            cmd: None,
            entrypoint: None,
            env: Vec::new(),
            workdir: None,
            user: None,
            labels: BTreeMap::new(),
            created: CREATED.into(),
            architecture: oci_arch().into(),
        }
    }

    /// The busybox image for arm64: `busybox` with the arm64 busybox
    /// of Debian's busybox-static:arm64 (`BERTH_TEST_BUSYBOX_ARM64`,
    /// which scripts/test fetches).
    pub fn busybox_arm64(tag: &str) -> ImageSpec {
        let path = std::env::var("BERTH_TEST_BUSYBOX_ARM64")
            .unwrap_or_else(|_| "target/test-tools/busybox-arm64/busybox".into());
        let data = fs::read(&path).unwrap_or_else(|e| {
            panic!("{path}: {e}: run scripts/test, which fetches busybox-static:arm64")
        });
        let mut spec = ImageSpec::busybox(tag);
        spec.layers = vec![LayerBlob::plain(busybox_rootfs_tar_of(data))
            .created_by("berth-test: busybox rootfs (arm64)")];
        spec.architecture = "arm64".into();
        spec
    }

    /// The busybox image: one uncompressed layer (`busybox_rootfs_tar`),
    /// `Cmd ["sh"]`, a `PATH`, named `tag` (none if empty).
    pub fn busybox(tag: &str) -> ImageSpec {
        let mut spec = ImageSpec::empty();
        spec.layers
            .push(LayerBlob::plain(busybox_rootfs_tar()).created_by("berth-test: busybox rootfs"));
        spec.cmd = Some(vec!["sh".into()]);
        spec.env.push(IMAGE_PATH.into());
        if !tag.is_empty() {
            spec.repo_tags.push(tag.into());
        }
        spec
    }

    /// Add a layer on top.
    pub fn layer(mut self, layer: LayerBlob) -> ImageSpec {
        self.layers.push(layer);
        self
    }

    /// Add a name.
    pub fn tag(mut self, tag: &str) -> ImageSpec {
        self.repo_tags.push(tag.into());
        self
    }

    pub fn cmd(mut self, cmd: &[&str]) -> ImageSpec {
        self.cmd = Some(cmd.iter().map(|s| s.to_string()).collect());
        self
    }

    pub fn entrypoint(mut self, entrypoint: &[&str]) -> ImageSpec {
        self.entrypoint = Some(entrypoint.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Add an `Env` entry (`KEY=value`).
    pub fn env(mut self, entry: &str) -> ImageSpec {
        self.env.push(entry.into());
        self
    }

    pub fn workdir(mut self, dir: &str) -> ImageSpec {
        self.workdir = Some(dir.into());
        self
    }

    pub fn user(mut self, user: &str) -> ImageSpec {
        self.user = Some(user.into());
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> ImageSpec {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// The config blob (see `config_json`).
    pub fn config(&self) -> Vec<u8> {
        config_json(self)
    }

    /// The image ID: the digest of the config, as Docker and Podman show it.
    pub fn id(&self) -> Digest {
        Digest::of(&self.config())
    }

    /// The diffIDs of the layers, bottom first.
    pub fn diff_ids(&self) -> Vec<Digest> {
        self.layers.iter().map(LayerBlob::diff_id).collect()
    }

    /// The OCI image manifest (what docker25 and oci archives hold).
    pub fn oci_manifest(&self) -> Vec<u8> {
        let config = self.config();
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| json!({"mediaType": l.media_type(), "digest": l.digest().to_string(), "size": l.blob.len()}))
            .collect();
        let m = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": Digest::of(&config).to_string(),
                "size": config.len(),
            },
            "layers": layers,
        });
        serde_json::to_vec(&m).unwrap()
    }
}

/// A Docker-compatible image config (OCI image spec, config.md): host
/// architecture, `linux`, the runtime config, `rootfs.diff_ids` (sha256 of
/// each uncompressed tar) and one history entry per layer. Keys are sorted,
/// so the bytes (and the image ID) are deterministic.
pub fn config_json(spec: &ImageSpec) -> Vec<u8> {
    let mut config = serde_json::Map::new();
    if !spec.env.is_empty() {
        config.insert("Env".into(), json!(spec.env));
    }
    if let Some(cmd) = &spec.cmd {
        config.insert("Cmd".into(), json!(cmd));
    }
    if let Some(ep) = &spec.entrypoint {
        config.insert("Entrypoint".into(), json!(ep));
    }
    if let Some(wd) = &spec.workdir {
        config.insert("WorkingDir".into(), json!(wd));
    }
    if let Some(user) = &spec.user {
        config.insert("User".into(), json!(user));
    }
    if !spec.labels.is_empty() {
        config.insert("Labels".into(), json!(spec.labels));
    }
    let history: Vec<Value> = spec
        .layers
        .iter()
        .map(|l| json!({"created": spec.created, "created_by": l.created_by}))
        .collect();
    let diff_ids: Vec<String> = spec.diff_ids().iter().map(Digest::to_string).collect();
    let c = json!({
        "architecture": spec.architecture,
        "os": "linux",
        "created": spec.created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    serde_json::to_vec(&c).unwrap()
}

/// The files of an archive, in order: (path in the tar, content).
type Files = Vec<(String, Vec<u8>)>;

fn push_once(files: &mut Files, path: String, data: Vec<u8>) {
    if !files.iter().any(|(p, _)| *p == path) {
        files.push((path, data));
    }
}

/// Write `files` as a deterministic tar at `path`, with an entry for each
/// directory before its first file (as `docker save` and skopeo do).
fn write_tar(path: &Path, files: &Files) {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs = BTreeSet::new();
    for (name, data) in files {
        let parts: Vec<&str> = name.split('/').collect();
        for i in 1..parts.len() {
            let dir = parts[..i].join("/");
            if dirs.insert(dir.clone()) {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_mtime(MTIME);
                h.set_size(0);
                b.append_data(&mut h, format!("{dir}/"), std::io::empty())
                    .unwrap();
            }
        }
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(MTIME);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    let bytes = b.into_inner().unwrap();
    fs::write(path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// `repo:tag` split at the tag's colon (not a registry port's).
fn split_tag(repo_tag: &str) -> (&str, &str) {
    match repo_tag.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (repo_tag, "latest"),
    }
}

/// The fully qualified form of a name, as containerd records it
/// (`busybox:1` -> `docker.io/library/busybox:1`).
fn qualified(repo_tag: &str) -> String {
    let first = repo_tag.split('/').next().unwrap_or("");
    let has_domain = repo_tag.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    match (has_domain, repo_tag.contains('/')) {
        (true, _) => repo_tag.to_string(),
        (false, true) => format!("docker.io/{repo_tag}"),
        (false, false) => format!("docker.io/library/{repo_tag}"),
    }
}

/// `repositories` of a docker-archive: repo -> tag -> id of the top layer.
fn repositories(images: &[ImageSpec], top_layer_id: impl Fn(&ImageSpec) -> String) -> Vec<u8> {
    let mut repos: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for img in images {
        for rt in &img.repo_tags {
            let (repo, tag) = split_tag(rt);
            repos
                .entry(repo.into())
                .or_default()
                .insert(tag.into(), top_layer_id(img));
        }
    }
    serde_json::to_vec(&repos).unwrap()
}

/// The files of a classic docker-archive (`docker save` before 25): per
/// layer `<id>/layer.tar` (+ `VERSION`, `json`), `<config hex>.json`,
/// `manifest.json`, `repositories`. The layer dir id is the hex of the
/// blob's digest; a layer shared by two images is written once.
fn docker_archive_files(images: &[ImageSpec]) -> Files {
    let mut files = Files::new();
    let mut manifest = Vec::new();
    for img in images {
        let mut layer_paths = Vec::new();
        let mut parent: Option<String> = None;
        for l in &img.layers {
            let id = l.digest().hex().to_string();
            let mut v1 = json!({"id": id, "created": img.created});
            if let Some(p) = &parent {
                v1["parent"] = json!(p);
            }
            push_once(&mut files, format!("{id}/VERSION"), b"1.0".to_vec());
            push_once(
                &mut files,
                format!("{id}/json"),
                serde_json::to_vec(&v1).unwrap(),
            );
            push_once(&mut files, format!("{id}/layer.tar"), l.blob.clone());
            layer_paths.push(format!("{id}/layer.tar"));
            parent = Some(id);
        }
        let config = img.config();
        let config_path = format!("{}.json", Digest::of(&config).hex());
        push_once(&mut files, config_path.clone(), config);
        manifest
            .push(json!({"Config": config_path, "RepoTags": img.repo_tags, "Layers": layer_paths}));
    }
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let top = |img: &ImageSpec| {
        img.layers
            .last()
            .map(|l| l.digest().hex().to_string())
            .unwrap_or_default()
    };
    files.push(("repositories".into(), repositories(images, top)));
    files
}

/// Blobs and `index.json` of an OCI layout holding `images`, with
/// `index_annotations(image, tag)` for each index entry (one per tag; one
/// without annotations for an untagged image).
fn oci_layout_files(
    images: &[ImageSpec],
    index_annotations: impl Fn(&str) -> Value,
) -> (Files, Vec<Value>) {
    let mut files = Files::new();
    let mut index = Vec::new();
    for img in images {
        for l in &img.layers {
            push_once(
                &mut files,
                format!("blobs/sha256/{}", l.digest().hex()),
                l.blob.clone(),
            );
        }
        let config = img.config();
        push_once(
            &mut files,
            format!("blobs/sha256/{}", Digest::of(&config).hex()),
            config,
        );
        let manifest = img.oci_manifest();
        let desc = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": Digest::of(&manifest).to_string(),
            "size": manifest.len(),
        });
        push_once(
            &mut files,
            format!("blobs/sha256/{}", Digest::of(&manifest).hex()),
            manifest,
        );
        if img.repo_tags.is_empty() {
            index.push(desc.clone());
        }
        for rt in &img.repo_tags {
            let mut d = desc.clone();
            d["annotations"] = index_annotations(rt);
            index.push(d);
        }
    }
    (files, index)
}

fn oci_layout_file() -> (String, Vec<u8>) {
    (
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )
}

fn index_json(manifests: Vec<Value>) -> (String, Vec<u8>) {
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    });
    ("index.json".into(), serde_json::to_vec(&index).unwrap())
}

/// The files of a Docker 25+ `docker save`: an OCI layout (`blobs/sha256/`,
/// `index.json` annotated with `io.containerd.image.name` and
/// `org.opencontainers.image.ref.name`, `oci-layout`) plus the classic
/// `manifest.json` pointing into `blobs/` and `repositories`.
fn docker25_archive_files(images: &[ImageSpec]) -> Files {
    let (mut files, index) = oci_layout_files(images, |rt| {
        json!({
            "io.containerd.image.name": qualified(rt),
            "org.opencontainers.image.ref.name": split_tag(rt).1,
        })
    });
    let manifest: Vec<Value> = images
        .iter()
        .map(|img| {
            json!({
                "Config": format!("blobs/sha256/{}", img.id().hex()),
                "RepoTags": img.repo_tags,
                "Layers": img.layers.iter().map(|l| format!("blobs/sha256/{}", l.digest().hex())).collect::<Vec<_>>(),
            })
        })
        .collect();
    files.push(index_json(index));
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    files.push(oci_layout_file());
    let top = |img: &ImageSpec| {
        img.layers
            .last()
            .map(|l| l.digest().hex().to_string())
            .unwrap_or_default()
    };
    files.push(("repositories".into(), repositories(images, top)));
    files
}

/// The files of an oci-archive: `oci-layout`, `index.json` with one
/// manifest per image and name (`org.opencontainers.image.ref.name` = the
/// name as given), blobs.
fn oci_archive_files(images: &[ImageSpec]) -> Files {
    let (mut files, index) = oci_layout_files(
        images,
        |rt| json!({"org.opencontainers.image.ref.name": rt}),
    );
    files.insert(0, oci_layout_file());
    files.push(index_json(index));
    files
}

/// Write a classic docker-archive (as `docker save` before Docker 25).
pub fn write_docker_archive(path: &Path, images: &[ImageSpec]) {
    write_tar(path, &docker_archive_files(images));
}

/// Write a Docker 25+ docker-archive (OCI layout plus `manifest.json`).
pub fn write_docker25_archive(path: &Path, images: &[ImageSpec]) {
    write_tar(path, &docker25_archive_files(images));
}

/// Write an oci-archive (an OCI image layout in a tar).
pub fn write_oci_archive(path: &Path, images: &[ImageSpec]) {
    write_tar(path, &oci_archive_files(images));
}

// ---- broken fixtures, for error tests ----

/// Cut the file at `path` to its first `at` bytes.
pub fn truncate(path: &Path, at: u64) {
    let f = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.set_len(at).unwrap();
}

/// A small second layer for the broken archives.
fn extra_layer(text: &str) -> LayerBlob {
    LayerBlob::plain(
        LayerBuilder::new()
            .dir("etc", 0o755)
            .file("etc/extra", text, 0o644)
            .tar_bytes(),
    )
}

/// A docker-archive of busybox + one small layer named `tag`, in which the
/// second layer's file holds a different tar than the one whose diffID the
/// config lists. Loading it must fail with a digest mismatch.
pub fn write_diffid_mismatch_archive(path: &Path, tag: &str) {
    let spec = ImageSpec::busybox(tag).layer(extra_layer("promised\n"));
    let mut files = docker_archive_files(std::slice::from_ref(&spec));
    let layer_path = format!("{}/layer.tar", spec.layers[1].digest().hex());
    let slot = files.iter_mut().find(|(p, _)| *p == layer_path).unwrap();
    slot.1 = extra_layer("delivered\n").tar;
    write_tar(path, &files);
}

/// A docker-archive of busybox + one small layer named `tag` whose
/// `manifest.json` names a layer file that is not in the archive.
pub fn write_missing_layer_archive(path: &Path, tag: &str) {
    let spec = ImageSpec::busybox(tag).layer(extra_layer("missing\n"));
    let mut files = docker_archive_files(std::slice::from_ref(&spec));
    let layer_path = format!("{}/layer.tar", spec.layers[1].digest().hex());
    files.retain(|(p, _)| *p != layer_path);
    write_tar(path, &files);
}

/// A layer with an entry `../escape`, which a safe unpacker must refuse
/// (it would write outside the layer dir).
pub fn escape_layer() -> Vec<u8> {
    LayerBuilder::new()
        .raw_file("../escape", "escaped\n")
        .tar_bytes()
}

/// A layer with a symlink `a -> /etc` followed by a file `a/passwd`: an
/// unpacker that follows the link would overwrite the host's /etc/passwd
/// (the classic symlink-traversal attack on tar extraction).
pub fn symlink_escape_layer() -> Vec<u8> {
    LayerBuilder::new()
        .symlink("a", "/etc")
        .file("a/passwd", "pwned\n", 0o644)
        .tar_bytes()
}

// ---- self tests: the fixtures are real images ----

/// `skopeo inspect` (or `--config`) of `transport:path`, as JSON.
fn skopeo_inspect(transport_path: &str, config: bool) -> Value {
    let mut args = vec!["inspect"];
    if config {
        args.push("--config");
    }
    args.push(transport_path);
    skopeo(args).ok().json()
}

/// Three images: busybox alone; busybox + a gzip layer with a whiteout;
/// busybox + a zstd layer. Layers of several kinds, one shared by all.
fn sample_images() -> Vec<ImageSpec> {
    let gz = LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/motd", "hello\n", 0o644)
        .whiteout("etc/group")
        .hardlink("etc/motd2", "etc/motd")
        .tar_bytes();
    let zs = LayerBuilder::new()
        .dir("opt", 0o755)
        .opaque("opt")
        .file("opt/z", "zstd\n", 0o600)
        .tar_bytes();
    vec![
        ImageSpec::busybox("localhost/fixture/plain:1"),
        ImageSpec::busybox("localhost/fixture/gz:1")
            .layer(LayerBlob::gzip(gz))
            .label("k", "v"),
        ImageSpec::busybox("localhost/fixture/zst:1")
            .layer(LayerBlob::zstd(zs))
            .cmd(&["echo", "hi"])
            .env("GREETING=hi")
            .workdir("/opt")
            .user("app"),
    ]
}

#[test]
fn fixtures_are_deterministic() {
    assert_eq!(build_busybox_rootfs_tar(), build_busybox_rootfs_tar());
    let env = TestEnv::new();
    type Writer = fn(&Path, &[ImageSpec]);
    for (name, write) in [
        ("docker", write_docker_archive as Writer),
        ("docker25", write_docker25_archive),
        ("oci", write_oci_archive),
    ] {
        let (a, b) = (
            env.join(format!("{name}-a.tar")),
            env.join(format!("{name}-b.tar")),
        );
        write(&a, &sample_images());
        write(&b, &sample_images());
        assert!(
            fs::read(&a).unwrap() == fs::read(&b).unwrap(),
            "{name} archive differs between two writes"
        );
    }
}

#[test]
fn busybox_rootfs_has_the_promised_entries() {
    let tar = busybox_rootfs_tar();
    let mut ar = tar::Archive::new(tar.as_slice());
    let mut seen = BTreeMap::new();
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        assert_eq!(h.mtime().unwrap(), MTIME, "{path}");
        seen.insert(
            path,
            (
                h.entry_type(),
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.link_name().unwrap().map(|l| l.into_owned()),
            ),
        );
    }
    assert_eq!(seen["tmp/"].1, 0o1777);
    assert_eq!(seen["home/app/"].2, 1000);
    assert_eq!(seen["bin/busybox"].0, tar::EntryType::Regular);
    for a in APPLETS {
        let (kind, _, _, link) = &seen[&format!("bin/{a}")];
        assert_eq!(
            (*kind, link.as_deref()),
            (tar::EntryType::Symlink, Some(Path::new("busybox")))
        );
    }
    for p in [
        "etc/passwd",
        "etc/group",
        "root/",
        "dev/",
        "proc/",
        "sys/",
        "usr/bin/",
        "var/",
    ] {
        assert!(seen.contains_key(p), "{p} missing");
    }
}

#[test]
fn layer_builder_writes_whiteouts_links_and_hostile_names() {
    let tar = LayerBuilder::new()
        .whiteout("a/b")
        .whiteout("top")
        .opaque("d/")
        .symlink("s", "/etc")
        .hardlink("h", "s")
        .raw_file("../escape", "x")
        .tar_bytes();
    let mut ar = tar::Archive::new(tar.as_slice());
    let names: Vec<String> = ar
        .entries()
        .unwrap()
        .map(|e| String::from_utf8(e.unwrap().path_bytes().into_owned()).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "a/.wh.b",
            ".wh.top",
            "d/.wh..wh..opq",
            "s",
            "h",
            "../escape"
        ]
    );
    for data in [
        LayerBuilder::new().file("f", "x", 0o644).gzip(),
        LayerBuilder::new().file("f", "x", 0o644).zstd(),
    ] {
        assert_ne!(&data[..2], b"f\0");
    }
}

#[test]
fn skopeo_reads_the_docker_archives() {
    let env = TestEnv::new();
    let images = sample_images();
    for (name, write) in [
        ("docker", write_docker_archive as fn(&Path, &[ImageSpec])),
        ("docker25", write_docker25_archive),
    ] {
        let path = env.join(format!("{name}.tar"));
        write(&path, &images);
        for img in &images {
            let r = format!("docker-archive:{}:{}", path.display(), img.repo_tags[0]);
            let info = skopeo_inspect(&r, false);
            let layers: Vec<&str> = info["Layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            // docker-archive sources name layers by diffID.
            let want: Vec<String> = img.diff_ids().iter().map(|d| d.to_string()).collect();
            assert_eq!(layers, want, "{name}: {r}");
            assert_eq!(info["Architecture"], oci_arch());
            assert_eq!(info["Os"], "linux");
            let config = skopeo_inspect(&r, true);
            let diff_ids: Vec<String> = img.diff_ids().iter().map(|d| d.to_string()).collect();
            assert_eq!(config["rootfs"]["diff_ids"], json!(diff_ids), "{name}: {r}");
        }
    }
}

#[test]
fn skopeo_reads_the_oci_archives() {
    let env = TestEnv::new();
    let images = sample_images();
    let path = env.join("oci.tar");
    write_oci_archive(&path, &images);
    for img in &images {
        let r = format!("oci-archive:{}:{}", path.display(), img.repo_tags[0]);
        let info = skopeo_inspect(&r, false);
        let want: Vec<String> = img.layers.iter().map(|l| l.digest().to_string()).collect();
        assert_eq!(info["Layers"], json!(want), "{r}");
        let config = skopeo_inspect(&r, true);
        assert_eq!(config["config"]["Cmd"], json!(img.cmd), "{r}");
        assert_eq!(config["config"]["User"], json!(img.user), "{r}");
        assert_eq!(config["config"]["WorkingDir"], json!(img.workdir), "{r}");
        assert_eq!(config["config"]["Env"], json!(img.env), "{r}");
        let diff_ids: Vec<String> = img.diff_ids().iter().map(|d| d.to_string()).collect();
        assert_eq!(config["rootfs"]["diff_ids"], json!(diff_ids), "{r}");
    }
    // A Docker 25 archive is an OCI layout too, as Docker intends; with
    // one image it needs no reference.
    for img in &images {
        let one = env.join("docker25-one.tar");
        write_docker25_archive(&one, std::slice::from_ref(img));
        let info = skopeo_inspect(&format!("oci-archive:{}", one.display()), false);
        let want: Vec<String> = img.layers.iter().map(|l| l.digest().to_string()).collect();
        assert_eq!(
            info["Layers"],
            json!(want),
            "docker25 as oci-archive: {}",
            img.repo_tags[0]
        );
    }
}

/// `podman load` verifies every layer against the config's diffIDs, so its
/// accepting an archive proves the fixtures (and their compression) right.
#[test]
fn podman_loads_the_archives_with_the_same_image_ids() {
    let env = TestEnv::new();
    let images = sample_images();
    type Writer = fn(&Path, &[ImageSpec]);
    for (name, write) in [
        ("docker", write_docker_archive as Writer),
        ("docker25", write_docker25_archive),
        ("oci", write_oci_archive),
    ] {
        // One image per archive: podman 4.3 loads only the first image of
        // a multi-image oci-archive.
        for img in &images {
            let path = env.join(format!("{name}.tar"));
            write(&path, std::slice::from_ref(img));
            podman(&env).args(["load", "-i"]).arg(&path).ok();
            let out = podman(&env)
                .args(["image", "inspect", "--format", "{{.Id}}"])
                .arg(&img.repo_tags[0])
                .ok();
            assert_eq!(
                out.stdout.trim(),
                img.id().hex(),
                "{name}: {}",
                img.repo_tags[0]
            );
            podman(&env).args(["rmi", "-a", "-f"]).ok();
        }
    }
    // A multi-image docker-archive loads all of its images.
    let all = env.join("all.tar");
    write_docker_archive(&all, &images);
    podman(&env).args(["load", "-i"]).arg(&all).ok();
    let out = podman(&env)
        .args(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        .ok();
    for img in &images {
        let line = format!("{} {}", img.repo_tags[0], img.id().short());
        assert!(
            out.lines().contains(&line.as_str()),
            "{line} not in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn podman_refuses_the_broken_archives() {
    let env = TestEnv::new();
    let mismatch = env.join("mismatch.tar");
    write_diffid_mismatch_archive(&mismatch, "localhost/broken/mismatch:1");
    let out = podman(&env).args(["load", "-i"]).arg(&mismatch).run();
    assert_ne!(
        out.code, 0,
        "podman loaded the diffID-mismatch archive:\n{}",
        out.stdout
    );
    let missing = env.join("missing.tar");
    write_missing_layer_archive(&missing, "localhost/broken/missing:1");
    let out = podman(&env).args(["load", "-i"]).arg(&missing).run();
    assert_ne!(
        out.code, 0,
        "podman loaded the archive with a missing layer:\n{}",
        out.stdout
    );
    let truncated = env.join("truncated.tar");
    write_docker_archive(
        &truncated,
        &[ImageSpec::busybox("localhost/broken/truncated:1")],
    );
    truncate(&truncated, 100_000);
    let out = podman(&env).args(["load", "-i"]).arg(&truncated).run();
    assert_ne!(
        out.code, 0,
        "podman loaded a truncated archive:\n{}",
        out.stdout
    );
}

#[test]
fn hostile_layers_hold_the_hostile_entries() {
    let names = |tar: Vec<u8>| -> Vec<(String, Option<String>)> {
        tar::Archive::new(tar.as_slice())
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let link = e
                    .link_name_bytes()
                    .map(|l| String::from_utf8(l.into_owned()).unwrap());
                (
                    String::from_utf8(e.path_bytes().into_owned()).unwrap(),
                    link,
                )
            })
            .collect()
    };
    assert_eq!(names(escape_layer()), [("../escape".to_string(), None)]);
    assert_eq!(
        names(symlink_escape_layer()),
        [
            ("a".to_string(), Some("/etc".to_string())),
            ("a/passwd".to_string(), None)
        ]
    );
}

// ---- helpers over berth's store and archives, for the image tests ----

/// A small layer of its own: `etc/<name>` holding `text`. Images made of
/// busybox plus one of these share the busybox layer and differ only here.
pub fn small_layer(name: &str, text: &str) -> LayerBlob {
    LayerBlob::plain(
        LayerBuilder::new()
            .dir("etc", 0o755)
            .file(&format!("etc/{name}"), text, 0o644)
            .tar_bytes(),
    )
    .created_by(&format!("berth-test: add etc/{name}"))
}

/// Write `images` as a classic docker-archive `name` in `env`'s dir.
pub fn docker_archive(env: &TestEnv, name: &str, images: &[ImageSpec]) -> std::path::PathBuf {
    let path = env.join(name);
    write_docker_archive(&path, images);
    path
}

/// `berth load -i path`, which must succeed.
#[track_caller]
pub fn berth_load(env: &TestEnv, path: &Path) -> crate::util::Output {
    env.berth(["load", "-i"]).arg(path).ok()
}

/// The image ID (hex, as `inspect --format '{{.Id}}'` prints it) of `name`.
#[track_caller]
pub fn berth_id(env: &TestEnv, name: &str) -> String {
    let out = env.berth(["inspect", "--format", "{{.Id}}", name]).ok();
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "inspect {name}: {:?}", out.stdout);
    lines[0].to_string()
}

/// The diffIDs of `name`, from `inspect --format '{{json .RootFS.Layers}}'`.
#[track_caller]
pub fn berth_diff_ids(env: &TestEnv, name: &str) -> Vec<String> {
    let out = env
        .berth(["inspect", "--format", "{{json .RootFS.Layers}}", name])
        .ok();
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "diffIDs of {name} are not a JSON list ({e}): {}",
            out.stdout
        )
    })
}

/// The diffIDs of a spec, as strings (`sha256:…`).
pub fn spec_diff_ids(spec: &ImageSpec) -> Vec<String> {
    spec.diff_ids().iter().map(Digest::to_string).collect()
}

/// Every regular file of a tar archive: path (without a leading `./`) ->
/// content.
pub fn tar_files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ar = tar::Archive::new(data.as_slice());
    let mut out = BTreeMap::new();
    for e in ar
        .entries()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    {
        let mut e = e.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut buf).unwrap();
        out.insert(name.trim_start_matches("./").to_string(), buf);
    }
    out
}

/// One image found in an archive by reading its files directly.
#[derive(Debug)]
pub struct ArchivedImage {
    /// The config digest (`sha256:…`).
    pub id: String,
    /// The names recorded for it.
    pub names: Vec<String>,
    /// The config's diffIDs.
    pub diff_ids: Vec<String>,
    /// The sha256 of each layer as stored in the archive (decompressed
    /// when gzip or zstd): for a faithful archive, equal to `diff_ids`.
    pub layer_digests: Vec<String>,
}

/// Read a docker-archive (`manifest.json`) or an oci-archive (`index.json`)
/// the simple way: every file in memory, every digest computed here.
pub fn read_archive(path: &Path) -> Vec<ArchivedImage> {
    let files = tar_files(path);
    let get = |p: &str| -> &Vec<u8> {
        files
            .get(p)
            .unwrap_or_else(|| panic!("{}: no file {p} in the archive", path.display()))
    };
    let diff_ids_of = |config: &[u8]| -> Vec<String> {
        let c: Value = serde_json::from_slice(config).unwrap();
        c["rootfs"]["diff_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let plain_digest = |blob: &[u8]| -> String {
        let plain = if blob.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(blob), &mut out).unwrap();
            out
        } else if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            zstd::decode_all(blob).unwrap()
        } else {
            blob.to_vec()
        };
        Digest::of(&plain).to_string()
    };
    let mut out = Vec::new();
    if let Some(m) = files.get("manifest.json") {
        let items: Vec<Value> = serde_json::from_slice(m).unwrap();
        for item in items {
            let config = get(item["Config"].as_str().unwrap());
            let layers = item["Layers"].as_array().unwrap();
            out.push(ArchivedImage {
                id: Digest::of(config).to_string(),
                names: item["RepoTags"]
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
                diff_ids: diff_ids_of(config),
                layer_digests: layers
                    .iter()
                    .map(|l| plain_digest(get(l.as_str().unwrap())))
                    .collect(),
            });
        }
        return out;
    }
    let blob = |d: &str| get(&format!("blobs/sha256/{}", d.trim_start_matches("sha256:")));
    let index: Value = serde_json::from_slice(get("index.json")).unwrap();
    for desc in index["manifests"].as_array().unwrap() {
        let m: Value = serde_json::from_slice(blob(desc["digest"].as_str().unwrap())).unwrap();
        let config = blob(m["config"]["digest"].as_str().unwrap());
        let name = desc["annotations"]["org.opencontainers.image.ref.name"].as_str();
        out.push(ArchivedImage {
            id: Digest::of(config).to_string(),
            names: name.map(|n| vec![n.to_string()]).unwrap_or_default(),
            diff_ids: diff_ids_of(config),
            layer_digests: m["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let data = blob(l["digest"].as_str().unwrap());
                    assert_eq!(
                        Digest::of(data).to_string(),
                        l["digest"].as_str().unwrap(),
                        "{}: blob does not match its digest",
                        path.display()
                    );
                    plain_digest(data)
                })
                .collect(),
        });
    }
    out
}

/// Every path below `root` with what it is (kind, size, content digest or
/// link target), for "the store did not change" comparisons. The contents
/// of `tmp/` (staging) and `locks/` (flock files, which hold no state) are
/// left out.
pub fn store_listing(root: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let md = fs::symlink_metadata(&p).unwrap();
            let what = if md.is_dir() {
                format!("dir {:o} {}:{}", md.mode() & 0o7777, md.uid(), md.gid())
            } else if md.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&p).unwrap().display())
            } else if md.is_file() {
                let data = fs::read(&p).unwrap();
                format!("file {} {}", md.len(), Digest::of(&data))
            } else {
                format!("special {:o} rdev {}", md.mode(), md.rdev())
            };
            out.insert(rel, what);
            if md.is_dir() && !(dir == root && (p.ends_with("tmp") || p.ends_with("locks"))) {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Assert that two store listings are equal, showing what differs.
#[track_caller]
pub fn assert_same_listing(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    what: &str,
) {
    if before == after {
        return;
    }
    let mut diff = String::new();
    for (k, v) in before {
        match after.get(k) {
            None => diff.push_str(&format!("  removed: {k} ({v})\n")),
            Some(w) if w != v => diff.push_str(&format!("  changed: {k}: {v} -> {w}\n")),
            _ => {}
        }
    }
    for (k, v) in after {
        if !before.contains_key(k) {
            diff.push_str(&format!("  added:   {k} ({v})\n"));
        }
    }
    panic!("{what}: the store changed:\n{diff}");
}

/// A small deterministic pseudo-random generator (SplitMix64), so tests
/// that need random data or random timings are the same from run to run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// `len` pseudo-random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}
