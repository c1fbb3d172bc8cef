//! COPY and ADD of `berth build`, with the rules of BuildKit's Dockerfile
//! frontend: the build context and its `.dockerignore`, wildcard sources,
//! a directory copied by its contents, destinations relative to WORKDIR,
//! `--chown`, `--chmod`, `--exclude`, `--parents`, heredoc sources,
//! `--from` a stage or an image, and for ADD local archives (extracted)
//! and http(s) URLs (downloaded, `--checksum` verified).
//!
//! Sources are opened below their root (the context directory, or the
//! root file system of the `--from` image) with `openat2(RESOLVE_IN_ROOT)`,
//! so `../x` and symlinks that point out of the context resolve inside it,
//! as BuildKit resolves them; nothing outside can be read. Below a
//! selected directory the tree is walked by descriptor without following
//! symlinks.
//!
//! The copy itself happens in a child process (the runtime enters private
//! namespaces to see the container's file system, see
//! `runtime::cp`): the selected sources are staged in a directory of the
//! container with their final owners, modes and times, then copied into
//! the container's writable layer at the destination resolved inside the
//! container.

use crate::build::ignore::{self, Matcher, Pattern};
use crate::digest::Digest;
use crate::runtime::cp::{fstat, is_dir, lstatat, names as cp_names, openat, readlinkat};
use crate::runtime::spec::{Rootfs, Spec};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest as _, Sha256};
use std::ffi::{CStr, CString, OsStr};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The build context: its directory and the ignore rules found for it.
pub struct BuildContext {
    dir: PathBuf,
    root: OwnedFd,
    ignore: Matcher,
    ignore_file: Option<PathBuf>,
}

impl BuildContext {
    /// Open context directory `dir` and load its ignore rules: the first
    /// of `<Dockerfile>.dockerignore` (next to the Dockerfile),
    /// `<Dockerfile>.containerignore`, `.containerignore` and
    /// `.dockerignore` (at the context root) that exists.
    pub fn open(dir: &Path, dockerfile: &Path) -> Result<BuildContext> {
        let what = || format!("build context {}", dir.display());
        let real = dir.canonicalize().with_context(what)?;
        let root: OwnedFd = File::open(&real).with_context(what)?.into();
        if !real.is_dir() {
            bail!("build context {}: not a directory", dir.display());
        }
        let mut candidates = Vec::new();
        if let Some(name) = dockerfile.file_name() {
            let name = name.to_string_lossy();
            candidates.push(dockerfile.with_file_name(format!("{name}.dockerignore")));
            candidates.push(dockerfile.with_file_name(format!("{name}.containerignore")));
        }
        candidates.push(real.join(".containerignore"));
        candidates.push(real.join(".dockerignore"));
        let mut ignore = Matcher::default();
        let mut ignore_file = None;
        for c in candidates {
            match std::fs::read(&c) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    ignore = Matcher::parse_file(&text)
                        .with_context(|| format!("reading {}", c.display()))?;
                    ignore_file = Some(c);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("reading {}", c.display())),
            }
        }
        Ok(BuildContext {
            dir: real,
            root,
            ignore,
            ignore_file,
        })
    }

    /// The context directory (canonical).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The ignore rules in force.
    pub fn ignore(&self) -> &Matcher {
        &self.ignore
    }

    /// The ignore file they came from, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }
}

/// Where the sources of a COPY or ADD come from.
pub enum CopyFrom<'a> {
    Context(&'a BuildContext),
    /// A stage's or an image's id: copy from its root file system.
    Image(Digest),
}

/// One COPY or ADD step, its words expanded.
pub struct CopyRequest<'a> {
    /// ADD (archives are extracted, URLs downloaded) rather than COPY.
    pub add: bool,
    pub from: CopyFrom<'a>,
    /// Source paths or patterns (and, for ADD, URLs), heredocs excluded.
    pub sources: Vec<String>,
    /// `(name, content)` of each `<<NAME` source.
    pub heredocs: Vec<(String, String)>,
    pub dest: String,
    /// The stage's WORKDIR, which a relative `dest` is relative to.
    pub workdir: String,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub excludes: Vec<String>,
    pub parents: bool,
    /// ADD `--checksum=sha256:…` of a URL source.
    pub checksum: Option<String>,
    /// `--link`: accepted; the result is the same.
    pub link: bool,
}

impl CopyRequest<'_> {
    fn name(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }
}

/// Digest of what the step would copy (content and metadata of the
/// selected sources, the request's flags): part of the build cache key.
/// Ignored files are never read.
pub fn cache_digest(paths: &StorePaths, req: &CopyRequest) -> Result<Digest> {
    let _ = paths;
    let checked = check(req)?;
    let mut h = Sha256::new();
    fn field(h: &mut Sha256, k: &str, v: &[u8]) {
        h.update(k.as_bytes());
        h.update((v.len() as u64).to_le_bytes());
        h.update(v);
    }
    field(&mut h, "op", req.name().as_bytes());
    for s in &req.sources {
        field(&mut h, "src", s.as_bytes());
    }
    for (n, c) in &req.heredocs {
        field(&mut h, "heredoc", n.as_bytes());
        field(&mut h, "content", c.as_bytes());
    }
    field(&mut h, "dest", req.dest.as_bytes());
    field(&mut h, "workdir", req.workdir.as_bytes());
    field(
        &mut h,
        "chown",
        req.chown.as_deref().unwrap_or("").as_bytes(),
    );
    field(
        &mut h,
        "chmod",
        req.chmod.as_deref().unwrap_or("").as_bytes(),
    );
    for e in &req.excludes {
        field(&mut h, "exclude", e.as_bytes());
    }
    field(&mut h, "parents", &[req.parents as u8]);
    field(
        &mut h,
        "checksum",
        req.checksum.as_deref().unwrap_or("").as_bytes(),
    );
    for u in &checked.urls {
        let d = match &checked.checksum {
            Some(d) => d.clone(),
            None => {
                let mut sink = HashWriter(Sha256::new());
                download(req, u, &mut sink)?;
                digest_of(sink.0)
            }
        };
        field(&mut h, "url", d.to_string().as_bytes());
    }
    match &req.from {
        CopyFrom::Image(id) => field(&mut h, "image", id.to_string().as_bytes()),
        CopyFrom::Context(ctx) => {
            let src = SourceRoot {
                root: &ctx.root,
                base: ctx.dir.clone(),
                ignore: Some(&ctx.ignore),
            };
            for s in &checked.locals {
                for sel in select(&src, s, req.parents)? {
                    field(&mut h, "sel", sel.keep.as_bytes());
                    let target = if is_dir(&sel.st) {
                        String::new()
                    } else {
                        base_name(&sel.rel)
                    };
                    walk(&src, &sel, &target, &checked.excludes, &mut |item| {
                        field(&mut h, "path", item.path.as_bytes());
                        field(&mut h, "mode", &item.st.st_mode.to_le_bytes());
                        match item.content {
                            Content::Dir => {}
                            Content::Link(t) => field(&mut h, "link", &t),
                            Content::File(mut f) => {
                                let mut w = HashWriter(Sha256::new());
                                io::copy(&mut f, &mut w)
                                    .with_context(|| format!("reading {}", item.path))?;
                                field(&mut h, "data", &w.0.finalize());
                            }
                        }
                        Ok(())
                    })?;
                }
            }
        }
    }
    Ok(digest_of(h))
}

fn digest_of(h: Sha256) -> Digest {
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Digest::from_hex(&hex).expect("64 hex digits")
}

fn base_name(rel: &str) -> String {
    Path::new(rel)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.update(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a request asks for, checked before anything is read.
struct Checked {
    locals: Vec<String>,
    urls: Vec<String>,
    chmod: Option<u32>,
    checksum: Option<Digest>,
    excludes: Matcher,
}

fn check(req: &CopyRequest) -> Result<Checked> {
    let op = req.name();
    if req.sources.is_empty() && req.heredocs.is_empty() {
        bail!("{op} failed: no source files were specified");
    }
    let mut locals = Vec::new();
    let mut urls = Vec::new();
    for s in &req.sources {
        if is_git(s) {
            bail!("{op} {s}: git sources are not supported");
        }
        if is_url(s) {
            if !req.add {
                bail!("COPY {s}: a source cannot be a URL (use ADD)");
            }
            if matches!(req.from, CopyFrom::Image(_)) {
                bail!("ADD {s}: a URL source cannot be used with --from");
            }
            urls.push(s.clone());
        } else {
            locals.push(s.clone());
        }
    }
    let chmod = req.chmod.as_deref().map(parse_chmod).transpose()?;
    let checksum = match &req.checksum {
        None => None,
        Some(c) => {
            if urls.is_empty() {
                bail!("{op} --checksum={c}: a checksum can only be verified for http(s) sources");
            }
            Some(
                c.parse::<Digest>()
                    .map_err(|e| anyhow!("{op} --checksum={c}: {e}"))?,
            )
        }
    };
    if let Some(c) = &req.chown {
        parse_chown(c)?;
    }
    let excludes = Matcher::new(&req.excludes).map_err(|e| anyhow!("{op} --exclude: {e}"))?;
    let count = locals.len() + urls.len() + req.heredocs.len();
    if count > 1 && !dest_is_dir_syntax(&req.dest) {
        bail!(
            "{op} {}: when copying more than one source the destination must be a directory and end with a /",
            req.dest
        );
    }
    Ok(Checked {
        locals,
        urls,
        chmod,
        checksum,
        excludes,
    })
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// BuildKit's test for a git source: `git@…`, `git://…`, or an http(s)
/// URL whose path ends in `.git` (with an optional `#ref`).
fn is_git(s: &str) -> bool {
    if s.starts_with("git@") || s.starts_with("git://") {
        return true;
    }
    if is_url(s) {
        let path = s.split(['#', '?']).next().unwrap_or("");
        return path.ends_with(".git") || path.ends_with(".git/");
    }
    false
}

/// `--chmod=0644`: octal only.
fn parse_chmod(s: &str) -> Result<u32> {
    match u32::from_str_radix(s, 8) {
        Ok(m) if m <= 0o7777 && !s.is_empty() => Ok(m),
        _ => bail!("--chmod={s}: not an octal file mode (such as 0644)"),
    }
}

/// `--chown=user[:group]`, each a name or a number.
fn parse_chown(s: &str) -> Result<(String, Option<String>)> {
    let (u, g) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s, None),
    };
    if u.is_empty() || g.is_some_and(str::is_empty) {
        bail!("--chown={s}: expected user[:group]");
    }
    Ok((u.to_string(), g.map(str::to_string)))
}

/// Docker's rule: a destination is a directory when it ends with `/`
/// (or is `.`, or ends with `/.`).
fn dest_is_dir_syntax(dest: &str) -> bool {
    dest.ends_with('/') || dest == "." || dest.ends_with("/.")
}

/// The absolute destination: `dest` relative to `workdir`, cleaned.
fn dest_path(workdir: &str, dest: &str) -> String {
    let joined = if dest.starts_with('/') {
        dest.to_string()
    } else {
        format!("{}/{dest}", workdir.trim_end_matches('/'))
    };
    let c = ignore::clean(&joined);
    if c == "." {
        "/".into()
    } else {
        format!("/{c}")
    }
}

/// A directory that sources are resolved below.
struct SourceRoot<'a> {
    root: &'a OwnedFd,
    /// The real path of `root`, to tell an opened path relative to it.
    base: PathBuf,
    /// The context's ignore rules (none for an image).
    ignore: Option<&'a Matcher>,
}

impl SourceRoot<'_> {
    fn open(&self, rel: &str, flags: i32) -> io::Result<OwnedFd> {
        crate::runtime::cp::open_in_root(self.root, rel, flags)
    }

    /// The path of `fd` relative to the root (`""` for the root).
    fn rel_of(&self, fd: &OwnedFd) -> Result<String> {
        let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .context("reading a descriptor's path")?;
        let rel = real
            .strip_prefix(&self.base)
            .map_err(|_| anyhow!("{} is outside the source root", real.display()))?;
        Ok(rel.to_string_lossy().into_owned())
    }

    fn ignored(&self, rel: &str) -> bool {
        !rel.is_empty() && self.ignore.is_some_and(|m| m.is_ignored(rel))
    }

    fn has_exceptions(&self) -> bool {
        self.ignore.is_some_and(Matcher::has_exceptions)
    }
}

/// One selected source.
struct Selected {
    /// The resolved path, relative to the root.
    rel: String,
    st: libc::stat,
    /// The path `--parents` keeps (relative to the context, or to the
    /// `/./` pivot of the pattern).
    keep: String,
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The sources `pattern` names below `src`: wildcards matched per path
/// component; ignored paths do not exist. No match is an error naming
/// the pattern.
fn select(src: &SourceRoot, pattern: &str, parents: bool) -> Result<Vec<Selected>> {
    // `a/./b/c`: with --parents, the path kept starts after the pivot.
    let trimmed = pattern.trim_start_matches("./");
    let pivot = match trimmed.find("/./") {
        Some(i) if parents => ignore::clean(&trimmed[..i]),
        _ => String::new(),
    };
    let cleaned = ignore::clean(pattern.trim_start_matches('/'));
    // `..` above the root resolves to the root, as BuildKit has it.
    let comps: Vec<&str> = cleaned
        .split('/')
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .collect();
    let wildcard = comps.iter().any(|c| has_wildcard(c));
    let mut cands = vec![String::new()];
    for comp in &comps {
        if !has_wildcard(comp) {
            for c in &mut cands {
                *c = join(c, comp);
            }
            continue;
        }
        let pat = Pattern::new(comp).map_err(|e| anyhow!("{pattern}: {e}"))?;
        let mut next = Vec::new();
        for c in &cands {
            let Ok(d) = src.open(c, libc::O_RDONLY | libc::O_DIRECTORY) else {
                continue;
            };
            let base = src.rel_of(&d)?;
            for n in cp_names(&d)? {
                let name = n.to_string_lossy().into_owned();
                if !pat.matches_exactly(&name) {
                    continue;
                }
                // An ignored directory may still hold an exception.
                if src.ignored(&join(&base, &name))
                    && !(src.has_exceptions()
                        && lstatat(d.as_raw_fd(), &n).is_ok_and(|st| is_dir(&st)))
                {
                    continue;
                }
                next.push(join(c, &name));
            }
        }
        cands = next;
    }
    let mut out = Vec::new();
    for c in cands {
        let fd = match src.open(&c, libc::O_PATH) {
            Ok(fd) => fd,
            Err(e) if missing(&e) && wildcard => continue,
            Err(e) if missing(&e) => break,
            Err(e) => return Err(e).with_context(|| format!("{pattern}: opening {c}")),
        };
        let st = fstat(fd.as_raw_fd()).with_context(|| pattern.to_string())?;
        let rel = src.rel_of(&fd)?;
        if src.ignored(&rel) && !(is_dir(&st) && src.has_exceptions()) {
            continue;
        }
        let keep = if pivot.is_empty() {
            c.clone()
        } else {
            c.strip_prefix(&pivot)
                .map(|k| k.trim_start_matches('/').to_string())
                .unwrap_or_else(|| c.clone())
        };
        out.push(Selected { rel, st, keep });
    }
    if out.is_empty() {
        if wildcard {
            bail!("{pattern}: no source files were specified (no file matches the pattern)");
        }
        bail!("{pattern}: no such file or directory in the build context");
    }
    Ok(out)
}

fn missing(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR))
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// What an item holds.
enum Content {
    Dir,
    File(File),
    Link(Vec<u8>),
}

/// One file, directory or symlink to copy.
struct Item {
    /// Relative to the destination directory.
    path: String,
    st: libc::stat,
    content: Content,
}

/// Walk selected source `sel` (a file, or a directory's contents) as
/// items under `target` (relative to the destination directory; for a
/// file, its name there). Ignored paths are never opened; paths matching
/// `excludes` (relative to the destination directory) are left out.
fn walk(
    src: &SourceRoot,
    sel: &Selected,
    target: &str,
    excludes: &Matcher,
    f: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let what = || format!("reading {}", display_rel(&sel.rel));
    if is_dir(&sel.st) {
        let d = src
            .open(&sel.rel, libc::O_RDONLY | libc::O_DIRECTORY)
            .with_context(what)?;
        if !target.is_empty() {
            f(Item {
                path: target.to_string(),
                st: sel.st,
                content: Content::Dir,
            })?;
        }
        return walk_dir(src, &d, &sel.rel, target, excludes, f);
    }
    if target.is_empty() || excludes.is_ignored(target) {
        return Ok(());
    }
    match sel.st.st_mode & libc::S_IFMT {
        libc::S_IFREG => {
            let file = File::from(src.open(&sel.rel, libc::O_RDONLY).with_context(what)?);
            f(Item {
                path: target.to_string(),
                st: sel.st,
                content: Content::File(file),
            })
        }
        _ => Ok(()),
    }
}

fn walk_dir(
    src: &SourceRoot,
    d: &OwnedFd,
    rel: &str,
    target: &str,
    excludes: &Matcher,
    f: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    for name in cp_names(d)? {
        let n = name.to_string_lossy();
        let r = join(rel, &n);
        let t = join(target, &n);
        let st = lstatat(d.as_raw_fd(), &name).with_context(|| format!("reading {r}"))?;
        let dir = is_dir(&st);
        // An ignored or excluded directory is still entered when an
        // exception may include something below it.
        let ignored = src.ignored(&r);
        let excluded = excludes.is_ignored(&t);
        if (ignored && !(dir && src.has_exceptions()))
            || (excluded && !(dir && excludes.has_exceptions()))
        {
            continue;
        }
        let shown = !ignored && !excluded;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                let sub = openat(d.as_raw_fd(), &name, libc::O_RDONLY | libc::O_DIRECTORY)
                    .with_context(|| format!("reading {r}"))?;
                if shown {
                    f(Item {
                        path: t.clone(),
                        st,
                        content: Content::Dir,
                    })?;
                }
                walk_dir(src, &sub, &r, &t, excludes, f)?;
            }
            libc::S_IFREG if shown => {
                let file = openat(d.as_raw_fd(), &name, libc::O_RDONLY)
                    .with_context(|| format!("reading {r}"))?;
                f(Item {
                    path: t,
                    st,
                    content: Content::File(file.into()),
                })?;
            }
            libc::S_IFLNK if shown => {
                let target =
                    readlinkat(d.as_raw_fd(), &name).with_context(|| format!("reading {r}"))?;
                f(Item {
                    path: t,
                    st,
                    content: Content::Link(target),
                })?;
            }
            // Devices, fifos and sockets are not copied.
            _ => {}
        }
    }
    Ok(())
}

fn display_rel(rel: &str) -> &str {
    if rel.is_empty() {
        "."
    } else {
        rel
    }
}

/// Copy into the (created, stopped) container `container_id`'s writable
/// layer. Must be called while the process has one thread: the copy runs
/// in a child process that enters private namespaces.
pub fn copy_into(paths: &StorePaths, container_id: &str, req: &CopyRequest) -> Result<()> {
    let checked = check(req)?;
    let store = Store::open(paths)?;
    let rec = store.find_container(container_id)?;
    let spec: Spec = super::containers::spec_of(&rec)?;
    let staging = store.container_dir(&rec.id).join("build-staging");
    let _ = crate::fsutil::remove_all(&staging);
    crate::fsutil::create_dir_all(&staging)?;
    let res = (|| -> Result<()> {
        // Downloads first, in this process: a URL fails before anything
        // is copied, and the child makes no network calls.
        let mut downloads = Vec::new();
        for (i, u) in checked.urls.iter().enumerate() {
            let path = staging.join(format!("download-{i}"));
            let mut file = crate::fsutil::create(&path)?;
            let mut hw = TeeHash(Sha256::new(), &mut file);
            let modified = download(req, u, &mut hw)?;
            let got = digest_of(hw.0);
            if let Some(want) = &checked.checksum {
                if &got != want {
                    bail!("ADD {u}: checksum mismatch: expected {want}, got {got}");
                }
            }
            downloads.push(Download {
                url: u.clone(),
                path,
                modified,
            });
        }
        let from_rootfs = match &req.from {
            CopyFrom::Context(_) => None,
            CopyFrom::Image(id) => Some(image_rootfs(&store, id, &staging, &spec.rootfs)?),
        };
        let tree = staging.join("tree");
        in_child(|| {
            let view = crate::runtime::cp::open_view(&spec.rootfs)
                .with_context(|| format!("container {}", rec.name))?;
            let from_view = match &from_rootfs {
                Some(r) => Some(crate::runtime::cp::open_view(r)?),
                None => None,
            };
            let job = Job {
                req,
                checked: &checked,
                downloads: &downloads,
                tree: &tree,
            };
            job.run(&view, from_view.as_ref())
        })
    })();
    let _ = crate::fsutil::remove_all(&staging);
    res
}

/// The read-only root file system of image `id`, to copy `--from`.
fn image_rootfs(store: &Store, id: &Digest, staging: &Path, like: &Rootfs) -> Result<Rootfs> {
    let lowers = image_lowers(store, id).context("--from")?;
    let empty = staging.join("from-empty");
    let target = staging.join("from-root");
    crate::fsutil::create_dir_all(&empty)?;
    crate::fsutil::create_dir_all(&target)?;
    Ok(Rootfs {
        lower_base: store.lower_base(),
        lowers,
        upper: empty.clone(),
        work: empty,
        target,
        userxattr: like.userxattr,
        bind: false,
        mounted: false,
    })
}

/// The layers of image `id` as overlay lower dirs, top first, relative
/// to the store's `overlay/` (`l/<short>`).
pub(super) fn image_lowers(store: &Store, id: &Digest) -> Result<Vec<String>> {
    let index = store.read_index()?;
    let image = index
        .find(id)
        .ok_or_else(|| anyhow!("image {} not found", id.short()))?;
    store
        .overlay_lowers(image.layers.iter())
        .with_context(|| format!("image {}", id.short()))
}

struct Download {
    url: String,
    path: PathBuf,
    modified: Option<i64>,
}

struct TeeHash<'a>(Sha256, &'a mut File);

impl Write for TeeHash<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.1.write(b)?;
        self.0.update(&b[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.1.flush()
    }
}

/// GET `url` into `out` (with the registry client's timeouts); the
/// Last-Modified time, if given.
fn download(req: &CopyRequest, url: &str, out: &mut dyn Write) -> Result<Option<i64>> {
    let op = req.name();
    let opts = crate::registry::client::ClientOptions::default();
    let got = crate::registry::client::get_url(url, &opts).with_context(|| op.to_string())?;
    let mut body = got.body;
    io::copy(&mut body, out).with_context(|| format!("{op} {url}: downloading"))?;
    Ok(got.last_modified)
}

/// Run `f` in a forked child and wait for it; its error comes back as
/// the error of this call.
fn in_child(f: impl FnOnce() -> Result<()>) -> Result<()> {
    // The threads of an earlier step (layer unpacking) were joined, but
    // may not be gone yet.
    if !crate::runtime::container::single_threaded_within(std::time::Duration::from_millis(200)) {
        bail!("copying into a container must start from a single-threaded process");
    }
    let (mut r, mut w) =
        std::os::unix::net::UnixStream::pair().context("creating a socket pair")?;
    // SAFETY: the process has a single thread (checked above), so the
    // child may run arbitrary code.
    match unsafe { nix::unistd::fork() }.context("forking to copy")? {
        nix::unistd::ForkResult::Child => {
            drop(r);
            let code = match f() {
                Ok(()) => 0,
                Err(e) => {
                    let _ = w.write_all(format!("{e:#}").as_bytes());
                    1
                }
            };
            drop(w);
            // SAFETY: leave without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(w);
            let mut msg = String::new();
            let _ = r.read_to_string(&mut msg);
            let code = loop {
                match nix::sys::wait::waitpid(child, None) {
                    Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => break c,
                    Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => break 128 + s as i32,
                    Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => bail!("waiting for process {child}: {e}"),
                }
            };
            match (code, msg.is_empty()) {
                (0, _) => Ok(()),
                (_, false) => Err(anyhow!(msg)),
                (c, true) => bail!("the copy process failed with status {c}"),
            }
        }
    }
}

/// The copy, inside the child.
struct Job<'a> {
    req: &'a CopyRequest<'a>,
    checked: &'a Checked,
    downloads: &'a [Download],
    /// The staging tree: its root stands for the destination's deepest
    /// existing directory.
    tree: &'a Path,
}

/// How staged entries get their owner and mode.
struct Meta {
    owner: Option<(u32, u32)>,
    chmod: Option<u32>,
    /// The ids can be set (root, or a user namespace with more than one
    /// id mapped).
    can_chown: bool,
}

impl Job<'_> {
    fn run(
        &self,
        view: &crate::runtime::cp::View,
        from: Option<&crate::runtime::cp::View>,
    ) -> Result<()> {
        let req = self.req;
        let op = req.name();
        let dest = dest_path(&req.workdir, &req.dest);
        let as_dir = dest_is_dir_syntax(&req.dest)
            || view.open(&dest, libc::O_PATH | libc::O_DIRECTORY).is_ok();
        let owner = match &req.chown {
            Some(c) => Some(resolve_chown(view, c)?),
            None => None,
        };
        let meta = Meta {
            owner,
            chmod: self.checked.chmod,
            can_chown: can_chown(),
        };
        // Where things go: the destination directory, and for a single
        // file to a file path, its name there.
        let (dest_dir, file_name) = if as_dir {
            (dest.clone(), None)
        } else {
            let p = Path::new(&dest);
            let parent = p
                .parent()
                .map_or("/".into(), |x| x.to_string_lossy().into());
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (parent, name)
        };
        let (existing, missing) = crate::runtime::cp::resolve_dir(view, &dest_dir)
            .with_context(|| format!("{op} to {dest}"))?;
        mkdir(self.tree, 0o755)?;
        let base = missing.join("/");
        if !base.is_empty() {
            mkdir_all(self.tree, &base)?;
        }
        // The name of a single source in the destination directory.
        let name_in_dir =
            |fallback: &str| -> String { file_name.clone().unwrap_or_else(|| fallback.into()) };
        let mut dirs: Vec<(PathBuf, libc::stat)> = Vec::new();

        for (name, content) in &req.heredocs {
            let path = join(&base, &name_in_dir(name));
            let mut st = now_stat(libc::S_IFREG | 0o644);
            st.st_size = content.len() as i64;
            let mut r = content.as_bytes();
            self.put(&path, &st, &mut Some(&mut r as &mut dyn Read), None, &meta)?;
        }
        for d in self.downloads {
            let url_name = d
                .url
                .split(['?', '#'])
                .next()
                .and_then(|u| u.rsplit('/').next())
                .filter(|n| !n.is_empty() && file_name.is_none());
            let path = match (&file_name, url_name) {
                (Some(f), _) => join(&base, f),
                (None, Some(n)) => join(&base, n),
                (None, None) => {
                    bail!("ADD {}: cannot tell a file name from the URL: give the destination file name", d.url)
                }
            };
            let mut st = now_stat(libc::S_IFREG | 0o600);
            if let Some(t) = d.modified {
                st.st_mtime = t;
                st.st_mtime_nsec = 0;
            }
            let mut f = crate::fsutil::open(&d.path)?;
            self.put(&path, &st, &mut Some(&mut f as &mut dyn Read), None, &meta)?;
        }
        if !self.checked.locals.is_empty() {
            let (root, base_path, ignore): (OwnedFd, PathBuf, Option<&Matcher>) =
                match (&req.from, from) {
                    (CopyFrom::Context(ctx), _) => (
                        ctx.root.try_clone().context("duplicating a descriptor")?,
                        ctx.dir.clone(),
                        Some(&ctx.ignore),
                    ),
                    (CopyFrom::Image(_), Some(v)) => {
                        let fd = v.open("/", libc::O_RDONLY | libc::O_DIRECTORY)?;
                        let p = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                            .context("reading a descriptor's path")?;
                        (fd, p, None)
                    }
                    (CopyFrom::Image(_), None) => bail!("--from: the image is not mounted"),
                };
            let src = SourceRoot {
                root: &root,
                base: base_path,
                ignore,
            };
            for s in &self.checked.locals {
                let sels = select(&src, s, req.parents)?;
                if sels.len() > 1 && !dest_is_dir_syntax(&req.dest) {
                    bail!("{op} {s}: when copying more than one source the destination must be a directory and end with a /");
                }
                for sel in sels {
                    if req.add && !is_dir(&sel.st) && matches!(req.from, CopyFrom::Context(_)) {
                        if let Some(archive) = archive_reader(&src, &sel)? {
                            self.extract(archive, &base, s, &meta)?;
                            continue;
                        }
                    }
                    // Relative to the destination directory; a directory's
                    // contents go straight into it.
                    let target = if req.parents {
                        sel.keep.clone()
                    } else if is_dir(&sel.st) {
                        name_in_dir("")
                    } else {
                        name_in_dir(&base_name(&sel.rel))
                    };
                    walk(&src, &sel, &target, &self.checked.excludes, &mut |item| {
                        let mut item = item;
                        let path = join(&base, &item.path);
                        match &mut item.content {
                            Content::Dir => {
                                let p = self.put(&path, &item.st, &mut None, None, &meta)?;
                                dirs.push((p, item.st));
                                Ok(())
                            }
                            Content::File(f) => self
                                .put(&path, &item.st, &mut Some(f as &mut dyn Read), None, &meta)
                                .map(drop),
                            Content::Link(t) => {
                                let t = t.clone();
                                self.put(&path, &item.st, &mut None, Some(&t), &meta)
                                    .map(drop)
                            }
                        }
                    })
                    .with_context(|| format!("{op} {s}"))?;
                }
            }
        }
        // Directory times last: filling a directory changes its time.
        for (p, st) in dirs.iter().rev() {
            set_times(p, st)?;
        }
        crate::runtime::cp::copy_tree_in(view, self.tree, &existing)
            .with_context(|| format!("{op} to {dest}"))
    }

    /// Stage one entry at `path` (relative to the tree); the missing
    /// directories above it are made 0755, owned by root.
    fn put(
        &self,
        path: &str,
        st: &libc::stat,
        data: &mut Option<&mut dyn Read>,
        link: Option<&[u8]>,
        meta: &Meta,
    ) -> Result<PathBuf> {
        let full = self.tree.join(path);
        if let Some(parent) = Path::new(path).parent() {
            let parent = parent.to_string_lossy();
            if !parent.is_empty() {
                mkdir_all(self.tree, &parent)?;
            }
        }
        let (uid, gid) = meta.owner.unwrap_or((0, 0));
        let mode = meta.chmod.unwrap_or(st.st_mode & 0o7777);
        let what = || format!("staging {path}");
        let c = CString::new(full.as_os_str().as_bytes()).context("a name with a NUL byte")?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                match std::fs::symlink_metadata(&full) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        std::fs::remove_file(&full).with_context(what)?;
                        mkdir(&full, mode)?;
                    }
                    Err(_) => mkdir(&full, mode)?,
                }
                chown(&c, uid, gid, meta.can_chown, false)?;
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode))
                    .with_context(what)?;
            }
            libc::S_IFLNK => {
                let _ = crate::fsutil::remove_all(&full);
                let t = Path::new(OsStr::from_bytes(link.unwrap_or_default()));
                std::os::unix::fs::symlink(t, &full).with_context(what)?;
                chown(&c, uid, gid, meta.can_chown, true)?;
                set_times(&full, st)?;
            }
            _ => {
                let _ = crate::fsutil::remove_all(&full);
                let mut f = File::create(&full).with_context(what)?;
                if let Some(r) = data {
                    io::copy(r, &mut f).with_context(what)?;
                }
                drop(f);
                chown(&c, uid, gid, meta.can_chown, false)?;
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode))
                    .with_context(what)?;
                set_times(&full, st)?;
            }
        }
        Ok(full)
    }

    /// ADD of a local archive: extract it into `dir` of the tree. Entries
    /// keep their modes and times, and their owners unless `--chown`
    /// gives one; no path escapes the tree (the tar crate's `unpack_in`
    /// skips `..` and refuses to write through symlinks).
    fn extract(
        &self,
        archive: Box<dyn Read + '_>,
        dir: &str,
        source: &str,
        meta: &Meta,
    ) -> Result<()> {
        let what = || format!("ADD {source}: extracting the archive");
        let into = self.tree.join(dir);
        mkdir_all(self.tree, dir)?;
        let mut a = tar::Archive::new(archive);
        a.set_preserve_permissions(true);
        a.set_preserve_mtime(true);
        a.set_preserve_ownerships(meta.can_chown && meta.owner.is_none());
        a.set_unpack_xattrs(false);
        a.set_overwrite(true);
        let mut dirs = Vec::new();
        for entry in a.entries().with_context(what)? {
            let mut entry = entry.with_context(what)?;
            let rel: PathBuf = entry
                .path()
                .with_context(what)?
                .components()
                .filter(|c| matches!(c, std::path::Component::Normal(_)))
                .collect();
            let mtime = entry.header().mtime().unwrap_or(0) as i64;
            let is_dir = entry.header().entry_type().is_dir();
            if !entry.unpack_in(&into).with_context(what)? || rel.as_os_str().is_empty() {
                continue;
            }
            let full = into.join(&rel);
            if let Some((uid, gid)) = meta.owner {
                let c = CString::new(full.as_os_str().as_bytes()).context("a NUL byte")?;
                chown(&c, uid, gid, meta.can_chown, true)?;
            }
            if is_dir {
                dirs.push((full, mtime));
            }
        }
        // Directory times last: filling a directory changes its time.
        for (p, t) in dirs.iter().rev() {
            let mut st = now_stat(libc::S_IFDIR);
            st.st_mtime = *t;
            st.st_mtime_nsec = 0;
            set_times(p, &st)?;
        }
        Ok(())
    }
}

/// A reader of the tar inside `sel` when it is a tar archive, plain or
/// compressed with gzip, bzip2, xz or zstd (told by content, not name).
fn archive_reader<'a>(src: &SourceRoot, sel: &Selected) -> Result<Option<Box<dyn Read + 'a>>> {
    tar_stream(&|| {
        Ok(File::from(
            src.open(&sel.rel, libc::O_RDONLY)
                .with_context(|| format!("reading {}", sel.rel))?,
        ))
    })
}

/// The tar in the file `open` opens (twice), plain or compressed with
/// gzip, bzip2, xz or zstd, told by content; `None` when it holds
/// something else.
pub(crate) fn tar_stream<'a>(
    open: &dyn Fn() -> Result<File>,
) -> Result<Option<Box<dyn Read + 'a>>> {
    let mut head = [0u8; 6];
    let n = read_full(&mut open()?, &mut head)?;
    let head = &head[..n];
    let f = open()?;
    let mut r: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f)))
    } else if head.starts_with(b"BZh") {
        Box::new(bzip2::read::MultiBzDecoder::new(io::BufReader::new(f)))
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Box::new(xz2::read::XzDecoder::new_multi_decoder(io::BufReader::new(
            f,
        )))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::Decoder::new(f).context("reading a zstd stream")?)
    } else {
        Box::new(f)
    };
    let mut block = [0u8; 512];
    let n = match read_full(&mut r, &mut block) {
        Ok(n) => n,
        // Not a stream of that kind after all: a plain file.
        Err(_) => return Ok(None),
    };
    if n < 512 || !is_tar_header(&block) {
        return Ok(None);
    }
    Ok(Some(Box::new(io::Cursor::new(block.to_vec()).chain(r))))
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// A tar header block: its checksum (bytes 148..156, octal) is the sum of
/// its bytes with the checksum field counted as spaces.
pub(crate) fn is_tar_header(b: &[u8; 512]) -> bool {
    if b.iter().all(|&x| x == 0) {
        return false;
    }
    let field = &b[148..156];
    let text: String = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as char)
        .collect();
    let Ok(want) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = b
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if (148..156).contains(&i) {
                32
            } else {
                x as u32
            }
        })
        .sum();
    sum == want
}

/// `--chown=user[:group]`: names looked up in the container's
/// `/etc/passwd` and `/etc/group`; a numeric user without a group is
/// also the group.
fn resolve_chown(view: &crate::runtime::cp::View, spec: &str) -> Result<(u32, u32)> {
    let (user, group) = parse_chown(spec)?;
    let read = |p: &str| -> String {
        let mut s = String::new();
        if let Ok(fd) = view.open(p, libc::O_RDONLY) {
            let _ = File::from(fd).read_to_string(&mut s);
        }
        s
    };
    let (uid, primary) = match user.parse::<u32>() {
        Ok(n) => (n, n),
        Err(_) => {
            let passwd = read("/etc/passwd");
            passwd
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() > 3 && f[0] == user)
                .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .ok_or_else(|| {
                    anyhow!("--chown={spec}: no user {user:?} in the image's /etc/passwd")
                })?
        }
    };
    let gid = match group {
        None => primary,
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => read("/etc/group")
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() > 2 && f[0] == g)
                .and_then(|f| f[2].parse().ok())
                .ok_or_else(|| {
                    anyhow!("--chown={spec}: no group {g:?} in the image's /etc/group")
                })?,
        },
    };
    Ok((uid, gid))
}

/// Whether ids other than our own can be set: root outside a user
/// namespace, or a user namespace that maps more than one id.
fn can_chown() -> bool {
    if !nix::unistd::geteuid().is_root() {
        return false;
    }
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let total: u64 = map
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
        .sum();
    total > 1
}

fn chown(path: &CStr, uid: u32, gid: u32, can: bool, nofollow: bool) -> Result<()> {
    if !can {
        return Ok(());
    }
    // SAFETY: a valid path.
    let r = unsafe {
        if nofollow {
            libc::lchown(path.as_ptr(), uid, gid)
        } else {
            libc::chown(path.as_ptr(), uid, gid)
        }
    };
    if r != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("setting the owner {uid}:{gid}"));
    }
    Ok(())
}

fn set_times(path: &Path, st: &libc::stat) -> Result<()> {
    let ts = libc::timespec {
        tv_sec: st.st_mtime,
        tv_nsec: st.st_mtime_nsec,
    };
    let c = CString::new(path.as_os_str().as_bytes()).context("a name with a NUL byte")?;
    // SAFETY: valid path and times.
    let r = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            [ts, ts].as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("setting the time of {}", path.display()));
    }
    Ok(())
}

fn now_stat(mode: u32) -> libc::stat {
    // SAFETY: stat is plain data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    st.st_mode = mode;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    st.st_mtime = now.as_secs() as i64;
    st.st_mtime_nsec = now.subsec_nanos() as i64;
    st
}

fn mkdir(path: &Path, mode: u32) -> Result<()> {
    match std::fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("creating {}", path.display()))
}

/// Make `rel` and its parents below `root`, 0755.
fn mkdir_all(root: &Path, rel: &str) -> Result<()> {
    let mut p = root.to_path_buf();
    for c in rel.split('/').filter(|c| !c.is_empty()) {
        p.push(c);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => std::fs::remove_file(&p).with_context(|| format!("staging {rel}"))?,
            Err(_) => {}
        }
        mkdir(&p, 0o755)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn context(files: &[(&str, &str)], ignore: Option<&str>) -> (tempfile::TempDir, BuildContext) {
        let t = tempfile::tempdir().unwrap();
        for (p, content) in files {
            let full = t.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            if let Some(target) = content.strip_prefix("->") {
                std::os::unix::fs::symlink(target, &full).unwrap();
            } else if p.ends_with('/') {
                std::fs::create_dir_all(&full).unwrap();
            } else {
                std::fs::write(&full, content).unwrap();
            }
        }
        if let Some(i) = ignore {
            std::fs::write(t.path().join(".dockerignore"), i).unwrap();
        }
        let ctx = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        (t, ctx)
    }

    fn root(ctx: &BuildContext) -> SourceRoot<'_> {
        SourceRoot {
            root: &ctx.root,
            base: ctx.dir.clone(),
            ignore: Some(&ctx.ignore),
        }
    }

    /// Selected paths (resolved, and as `--parents` keeps them).
    fn selected(ctx: &BuildContext, pattern: &str, parents: bool) -> Result<Vec<(String, String)>> {
        Ok(select(&root(ctx), pattern, parents)?
            .into_iter()
            .map(|s| (s.rel, s.keep))
            .collect())
    }

    /// What a walk of `pattern` yields: path -> file content, `dir`, or `->target`.
    fn walked(ctx: &BuildContext, pattern: &str, excludes: &[&str]) -> BTreeMap<String, String> {
        let src = root(ctx);
        let ex = Matcher::new(excludes).unwrap();
        let mut out = BTreeMap::new();
        for sel in select(&src, pattern, false).unwrap() {
            let target = if is_dir(&sel.st) {
                String::new()
            } else {
                base_name(&sel.rel)
            };
            walk(&src, &sel, &target, &ex, &mut |item| {
                let v = match item.content {
                    Content::Dir => "dir".to_string(),
                    Content::Link(t) => format!("->{}", String::from_utf8_lossy(&t)),
                    Content::File(mut f) => {
                        let mut s = String::new();
                        f.read_to_string(&mut s)?;
                        s
                    }
                };
                out.insert(item.path, v);
                Ok(())
            })
            .unwrap();
        }
        out
    }

    #[test]
    fn wildcards_match_per_component() {
        let (_t, ctx) = context(
            &[
                ("a.txt", "a"),
                ("b.txt", "b"),
                ("c.md", "c"),
                ("d/e.txt", "e"),
                ("d/f/g.txt", "g"),
            ],
            None,
        );
        let names = |p| {
            selected(&ctx, p, false)
                .unwrap()
                .into_iter()
                .map(|(r, _)| r)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("*.txt"), ["a.txt", "b.txt"]);
        assert_eq!(names("?.md"), ["c.md"]);
        assert_eq!(names("[ab].txt"), ["a.txt", "b.txt"]);
        assert_eq!(names("*/*.txt"), ["d/e.txt"]);
        assert_eq!(names("d/*/g.txt"), ["d/f/g.txt"]);
        assert_eq!(names("."), [""]);
        let e = selected(&ctx, "*.rs", false).unwrap_err().to_string();
        assert!(e.starts_with("*.rs: no source files"), "{e}");
        let e = selected(&ctx, "nope.txt", false).unwrap_err().to_string();
        assert_eq!(
            e,
            "nope.txt: no such file or directory in the build context"
        );
    }

    #[test]
    fn sources_never_leave_the_context() {
        let (t, ctx) = context(
            &[
                ("in.txt", "in"),
                ("up", "->../../../etc"),
                ("abs", "->/in.txt"),
            ],
            None,
        );
        let outside = t.path().parent().unwrap().join("berth-outside-of-context");
        // `..` resolves at the root: `../in.txt` is the context's `in.txt`.
        assert_eq!(selected(&ctx, "../in.txt", false).unwrap()[0].0, "in.txt");
        assert_eq!(selected(&ctx, "/in.txt", false).unwrap()[0].0, "in.txt");
        // A symlink out of the context resolves inside it.
        assert!(selected(&ctx, "up/passwd", false).is_err());
        assert_eq!(selected(&ctx, "abs", false).unwrap()[0].0, "in.txt");
        assert!(!outside.exists());
    }

    #[test]
    fn ignored_files_do_not_exist_and_exceptions_reach_inside() {
        let (_t, ctx) = context(
            &[
                ("keep.txt", "k"),
                ("secret.key", "s"),
                ("logs/a.log", "a"),
                ("logs/important.log", "i"),
                ("x/y/z.tmp", "t"),
                ("x/y/z.rs", "r"),
            ],
            Some("# comment\n*.key\nlogs\n!logs/important.log\n**/*.tmp\n"),
        );
        assert!(selected(&ctx, "secret.key", false).is_err());
        assert_eq!(
            selected(&ctx, "*", false)
                .unwrap()
                .into_iter()
                .map(|(r, _)| r)
                .collect::<Vec<_>>(),
            [".dockerignore", "keep.txt", "logs", "x"]
        );
        let all = walked(&ctx, ".", &[]);
        let keys: Vec<&str> = all.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                ".dockerignore",
                "keep.txt",
                "logs/important.log",
                "x",
                "x/y",
                "x/y/z.rs"
            ]
        );
    }

    #[test]
    fn a_directory_gives_its_contents_and_symlinks_stay_links() {
        let (_t, ctx) = context(
            &[("d/a", "1"), ("d/s/b", "2"), ("d/l", "->a"), ("d/e/", "")],
            None,
        );
        let w = walked(&ctx, "d", &[]);
        assert_eq!(w["a"], "1");
        assert_eq!(w["s"], "dir");
        assert_eq!(w["s/b"], "2");
        assert_eq!(w["l"], "->a");
        assert_eq!(w["e"], "dir");
        assert_eq!(walked(&ctx, "d/a", &[])["a"], "1");
    }

    #[test]
    fn excludes_leave_paths_out() {
        let (_t, ctx) = context(
            &[
                ("d/a.txt", "1"),
                ("d/b.md", "2"),
                ("d/s/c.txt", "3"),
                ("d/s/keep.txt", "4"),
            ],
            None,
        );
        let w = walked(&ctx, "d", &["**/*.txt", "!s/keep.txt"]);
        let keys: Vec<&str> = w.keys().map(String::as_str).collect();
        assert_eq!(keys, ["b.md", "s", "s/keep.txt"]);
        let w = walked(&ctx, "d/*.txt", &["a.txt"]);
        assert!(w.is_empty());
    }

    #[test]
    fn parents_keep_the_path_or_what_follows_the_pivot() {
        let (_t, ctx) = context(&[("x/y/a.txt", "1"), ("x/z/a.txt", "2")], None);
        let keep = |p| {
            selected(&ctx, p, true)
                .unwrap()
                .into_iter()
                .map(|(_, k)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(keep("x/*/a.txt"), ["x/y/a.txt", "x/z/a.txt"]);
        assert_eq!(keep("./x/./*/a.txt"), ["y/a.txt", "z/a.txt"]);
        assert_eq!(keep("x/y"), ["x/y"]);
    }

    #[test]
    fn destinations_follow_workdir_and_slashes() {
        assert_eq!(dest_path("/app", "x"), "/app/x");
        assert_eq!(dest_path("/app/", "./x/"), "/app/x");
        assert_eq!(dest_path("/app", "/abs"), "/abs");
        assert_eq!(dest_path("/", "."), "/");
        assert_eq!(dest_path("/app", "."), "/app");
        assert!(dest_is_dir_syntax("x/"));
        assert!(dest_is_dir_syntax("."));
        assert!(dest_is_dir_syntax("a/."));
        assert!(!dest_is_dir_syntax("a"));
    }

    fn request<'a>(ctx: &'a BuildContext, sources: &[&str], dest: &str) -> CopyRequest<'a> {
        CopyRequest {
            add: false,
            from: CopyFrom::Context(ctx),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            heredocs: vec![],
            dest: dest.into(),
            workdir: "/".into(),
            chown: None,
            chmod: None,
            excludes: vec![],
            parents: false,
            checksum: None,
            link: false,
        }
    }

    #[test]
    fn requests_are_checked_first() {
        let (_t, ctx) = context(&[("a", "1")], None);
        let err = |r: CopyRequest| check(&r).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err(request(&ctx, &["a", "b"], "/d")).contains("must be a directory and end with a /")
        );
        assert_eq!(err(request(&ctx, &["a", "b"], "/d/")), "");
        assert_eq!(
            err(request(&ctx, &[], "/d")),
            "COPY failed: no source files were specified"
        );
        assert!(err(request(&ctx, &["http://x/y"], "/d")).contains("use ADD"));
        let mut r = request(&ctx, &["https://example.com/r.git"], "/d");
        r.add = true;
        assert_eq!(
            err(r),
            "ADD https://example.com/r.git: git sources are not supported"
        );
        let mut r = request(&ctx, &["a"], "/d");
        r.chmod = Some("u+x".into());
        assert_eq!(err(r), "--chmod=u+x: not an octal file mode (such as 0644)");
        let mut r = request(&ctx, &["a"], "/d");
        r.chown = Some("a:".into());
        assert_eq!(err(r), "--chown=a:: expected user[:group]");
        let mut r = request(&ctx, &["a"], "/d");
        r.checksum = Some("sha256:00".into());
        assert!(err(r).contains("only be verified for http(s) sources"));
        let mut r = request(&ctx, &["http://h/f"], "/d");
        r.add = true;
        r.checksum = Some("md5:00".into());
        assert!(err(r).starts_with("ADD --checksum=md5:00:"));
        assert_eq!(parse_chmod("0755").unwrap(), 0o755);
        assert_eq!(parse_chmod("4755").unwrap(), 0o4755);
        assert!(parse_chmod("17777").is_err());
        assert_eq!(parse_chown("1:2").unwrap(), ("1".into(), Some("2".into())));
        assert!(is_git("git@github.com:a/b"));
        assert!(!is_git("https://example.com/a.tar.gz"));
    }

    #[test]
    fn the_dockerfile_ignore_file_comes_first() {
        let t = tempfile::tempdir().unwrap();
        let df = t.path().join("build/app.Dockerfile");
        std::fs::create_dir_all(df.parent().unwrap()).unwrap();
        std::fs::write(t.path().join(".dockerignore"), "a\n").unwrap();
        let open = || BuildContext::open(t.path(), &df).unwrap();
        assert!(open().ignore().is_ignored("a"));
        std::fs::write(t.path().join(".containerignore"), "b\n").unwrap();
        assert!(open().ignore().is_ignored("b"));
        assert!(!open().ignore().is_ignored("a"));
        std::fs::write(t.path().join("build/app.Dockerfile.dockerignore"), "c\n").unwrap();
        let ctx = open();
        assert!(ctx.ignore().is_ignored("c"));
        assert!(!ctx.ignore().is_ignored("b"));
        assert_eq!(
            ctx.ignore_file(),
            Some(t.path().join("build/app.Dockerfile.dockerignore").as_path())
        );
        std::fs::write(t.path().join("build/app.Dockerfile.dockerignore"), "[\n").unwrap();
        let e = BuildContext::open(t.path(), &df).err().unwrap();
        assert!(
            format!("{e:#}").contains("app.Dockerfile.dockerignore"),
            "{e:#}"
        );
    }

    #[test]
    fn archives_are_told_by_content() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "f", &b"hi"[..]).unwrap();
        let plain = b.into_inner().unwrap();
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&plain).unwrap();
            e.finish().unwrap()
        };
        let bz = {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(&plain).unwrap();
            e.finish().unwrap()
        };
        let xz = {
            let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(&plain).unwrap();
            e.finish().unwrap()
        };
        let zst = zstd::encode_all(&plain[..], 1).unwrap();
        let not_tar = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&[7u8; 2000]).unwrap();
            e.finish().unwrap()
        };
        let t = tempfile::tempdir().unwrap();
        for (name, data) in [
            ("plain.bin", &plain),
            ("g.bin", &gz),
            ("b.bin", &bz),
            ("x.bin", &xz),
            ("z.bin", &zst),
            ("n.tar.gz", &not_tar),
        ] {
            std::fs::write(t.path().join(name), data).unwrap();
        }
        let ctx = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        let src = root(&ctx);
        for name in ["plain.bin", "g.bin", "b.bin", "x.bin", "z.bin", "n.tar.gz"] {
            let sel = select(&src, name, false).unwrap().remove(0);
            let r = archive_reader(&src, &sel).unwrap();
            assert_eq!(r.is_some(), name != "n.tar.gz", "{name}");
            if let Some(r) = r {
                let mut a = tar::Archive::new(r);
                let names: Vec<String> = a
                    .entries()
                    .unwrap()
                    .map(|e| e.unwrap().path().unwrap().display().to_string())
                    .collect();
                assert_eq!(names, ["f"], "{name}");
            }
        }
    }

    #[test]
    fn cache_digest_sees_content_but_not_ignored_files() {
        let files: Vec<(String, String)> = (0..50)
            .map(|i| (format!("src/f{i}.txt"), format!("content {i}")))
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (t, ctx) = context(&refs, Some("src/f4*.txt\n"));
        let paths = StorePaths {
            root: t.path().join("unused"),
            runroot: t.path().join("unused"),
        };
        let d1 = cache_digest(&paths, &request(&ctx, &["src"], "/app/")).unwrap();
        let start = std::time::Instant::now();
        let again = cache_digest(&paths, &request(&ctx, &["src"], "/app/")).unwrap();
        let took = start.elapsed();
        assert_eq!(d1, again);
        // 50 small files: well under 5 ms (a few hundred microseconds here).
        assert!(took < std::time::Duration::from_millis(5), "{took:?}");
        // An ignored file changing (or unreadable) does not count.
        std::fs::write(t.path().join("src/f41.txt"), "changed").unwrap();
        std::fs::set_permissions(
            t.path().join("src/f42.txt"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        assert_eq!(
            cache_digest(&paths, &request(&ctx, &["src"], "/app/")).unwrap(),
            d1
        );
        // A copied file changing does, and so do its mode and the flags.
        std::fs::write(t.path().join("src/f1.txt"), "changed").unwrap();
        let d2 = cache_digest(&paths, &request(&ctx, &["src"], "/app/")).unwrap();
        assert_ne!(d1, d2);
        std::fs::set_permissions(
            t.path().join("src/f1.txt"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let d3 = cache_digest(&paths, &request(&ctx, &["src"], "/app/")).unwrap();
        assert_ne!(d2, d3);
        let mut r = request(&ctx, &["src"], "/app/");
        r.chmod = Some("600".into());
        assert_ne!(cache_digest(&paths, &r).unwrap(), d3);
        let d_img = |id: &str| {
            let mut r = request(&ctx, &["x"], "/");
            r.from = CopyFrom::Image(Digest::of(id.as_bytes()));
            cache_digest(&paths, &r).unwrap()
        };
        assert_ne!(d_img("a"), d_img("b"));
    }
}
