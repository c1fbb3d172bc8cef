//! The sources of COPY and ADD, with the rules of BuildKit's Dockerfile
//! frontend: the build context and its `.dockerignore`, wildcard sources,
//! a directory copied by its contents, destinations relative to WORKDIR,
//! `--chown`, `--chmod`, `--exclude`, `--parents`, archives told by their
//! content; and the digest of what a step would copy, for its cache key.
//!
//! Sources are opened below their root (the context directory, or the
//! root file system of the `--from` image) with `openat2(RESOLVE_IN_ROOT)`,
//! so `../x` and symlinks that point out of the context resolve inside it,
//! as BuildKit resolves them; nothing outside can be read. Below a
//! selected directory the tree is walked by descriptor without following
//! symlinks. This is the one part of `build` that reads files; it never
//! writes any (the copy itself is `runtime::stage`'s, run by `ops`).

use super::ignore::{self, Matcher, Pattern};
use crate::digest::Digest;
use crate::fsat::{fstat, is_dir, lstatat, names, open_in_root, openat, readlinkat};
use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
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

    /// Sources below the context, its ignore rules in force.
    pub fn source(&self) -> SourceRoot<'_> {
        SourceRoot {
            root: &self.root,
            base: self.dir.clone(),
            ignore: Some(&self.ignore),
        }
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
    /// `ADD` or `COPY`, for messages.
    pub fn name(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }
}

/// Digest of what the step would copy (content and metadata of the
/// selected sources, the request's flags): part of the build cache key.
/// Ignored files are never read. `url_digest` gives the digest of what a
/// URL source serves (its download is not this module's job).
pub fn cache_digest(
    req: &CopyRequest,
    url_digest: &dyn Fn(&str) -> Result<Digest>,
) -> Result<Digest> {
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
            None => url_digest(u)?,
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

/// The digest a finished sha256 gives.
pub fn digest_of(h: Sha256) -> Digest {
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Digest::from_hex(&hex).expect("64 hex digits")
}

/// The last component of `rel`.
pub fn base_name(rel: &str) -> String {
    Path::new(rel)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A writer that only hashes.
pub struct HashWriter(pub Sha256);

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
pub struct Checked {
    /// Sources in the context or the `--from` image.
    pub locals: Vec<String>,
    /// http(s) sources of ADD.
    pub urls: Vec<String>,
    pub chmod: Option<u32>,
    pub checksum: Option<Digest>,
    pub excludes: Matcher,
}

/// Check `req`: its sources, flags and destination.
pub fn check(req: &CopyRequest) -> Result<Checked> {
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
pub fn parse_chown(s: &str) -> Result<(String, Option<String>)> {
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
pub fn dest_is_dir_syntax(dest: &str) -> bool {
    dest.ends_with('/') || dest == "." || dest.ends_with("/.")
}

/// The absolute destination: `dest` relative to `workdir`, cleaned.
pub fn dest_path(workdir: &str, dest: &str) -> String {
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
pub struct SourceRoot<'a> {
    root: &'a OwnedFd,
    /// The real path of `root`, to tell an opened path relative to it.
    base: PathBuf,
    /// The context's ignore rules (none for an image).
    ignore: Option<&'a Matcher>,
}

impl<'a> SourceRoot<'a> {
    /// Sources below the open directory `root` (an image's root file
    /// system: nothing is ignored).
    pub fn of_dir(root: &'a OwnedFd) -> Result<SourceRoot<'a>> {
        let base = std::fs::read_link(format!("/proc/self/fd/{}", root.as_raw_fd()))
            .context("reading a descriptor's path")?;
        Ok(SourceRoot {
            root,
            base,
            ignore: None,
        })
    }

    fn open(&self, rel: &str, flags: i32) -> io::Result<OwnedFd> {
        open_in_root(self.root, rel, flags)
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
pub struct Selected {
    /// The resolved path, relative to the root.
    pub rel: String,
    pub st: libc::stat,
    /// The path `--parents` keeps (relative to the context, or to the
    /// `/./` pivot of the pattern).
    pub keep: String,
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The sources `pattern` names below `src`: wildcards matched per path
/// component; ignored paths do not exist. No match is an error naming
/// the pattern.
pub fn select(src: &SourceRoot, pattern: &str, parents: bool) -> Result<Vec<Selected>> {
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
            for n in names(&d)? {
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

/// `a/b`, either may be empty.
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// What an item holds.
pub enum Content {
    Dir,
    File(File),
    Link(Vec<u8>),
}

/// One file, directory or symlink to copy.
pub struct Item {
    /// Relative to the destination directory.
    pub path: String,
    pub st: libc::stat,
    pub content: Content,
}

/// Walk selected source `sel` (a file, or a directory's contents) as
/// items under `target` (relative to the destination directory; for a
/// file, its name there). Ignored paths are never opened; paths matching
/// `excludes` (relative to the destination directory) are left out.
pub fn walk(
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
    for name in names(d)? {
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

/// A reader of the tar inside `sel` when it is a tar archive, plain or
/// compressed with gzip, bzip2, xz or zstd (told by content, not name).
pub fn archive_reader<'a>(src: &SourceRoot, sel: &Selected) -> Result<Option<Box<dyn Read + 'a>>> {
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
pub fn tar_stream<'a>(open: &dyn Fn() -> Result<File>) -> Result<Option<Box<dyn Read + 'a>>> {
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
pub fn is_tar_header(b: &[u8; 512]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;

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
        let paths = |_: &str| -> Result<Digest> { panic!("no URL here") };
        let d1 = cache_digest(&request(&ctx, &["src"], "/app/"), &paths).unwrap();
        let start = std::time::Instant::now();
        let again = cache_digest(&request(&ctx, &["src"], "/app/"), &paths).unwrap();
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
            cache_digest(&request(&ctx, &["src"], "/app/"), &paths).unwrap(),
            d1
        );
        // A copied file changing does, and so do its mode and the flags.
        std::fs::write(t.path().join("src/f1.txt"), "changed").unwrap();
        let d2 = cache_digest(&request(&ctx, &["src"], "/app/"), &paths).unwrap();
        assert_ne!(d1, d2);
        std::fs::set_permissions(
            t.path().join("src/f1.txt"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let d3 = cache_digest(&request(&ctx, &["src"], "/app/"), &paths).unwrap();
        assert_ne!(d2, d3);
        let mut r = request(&ctx, &["src"], "/app/");
        r.chmod = Some("600".into());
        assert_ne!(cache_digest(&r, &paths).unwrap(), d3);
        let d_img = |id: &str| {
            let mut r = request(&ctx, &["x"], "/");
            r.from = CopyFrom::Image(Digest::of(id.as_bytes()));
            cache_digest(&r, &paths).unwrap()
        };
        assert_ne!(d_img("a"), d_img("b"));
        // What a URL serves counts, as the caller digests it.
        let d_url = |served: &str| {
            let mut r = request(&ctx, &["https://example.invalid/f"], "/f");
            r.add = true;
            let d = Digest::of(served.as_bytes());
            cache_digest(&r, &|u| {
                assert_eq!(u, "https://example.invalid/f");
                Ok(d.clone())
            })
            .unwrap()
        };
        assert_eq!(d_url("a"), d_url("a"));
        assert_ne!(d_url("a"), d_url("b"));
    }
}
