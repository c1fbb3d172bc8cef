//! A container's writable layer (an overlay upper dir) turned back into
//! a layer: the tar that `commit` stores, and the list of changes that
//! `diff` prints.
//!
//! The upper dir is in overlay form: a deleted path is a 0:0 character
//! device, a directory that hides everything below it carries
//! `trusted.overlay.opaque` (root) or `user.overlay.opaque` (rootless,
//! `userxattr`) = `y`. The tar is in the image-spec form that
//! [`super::unpack`] reads: `.wh.NAME` entries and `DIR/.wh..wh..opq`
//! (OCI image-spec `layer.md`, "Whiteouts"), as Docker's and Podman's
//! overlay drivers write them.
//!
//! Every file is opened relative to its parent's fd with `O_NOFOLLOW`,
//! so a symlink the container planted in its upper dir is archived as a
//! symlink and never followed on the host. Entries are written in sorted
//! order (a directory before its contents), with only second-precision
//! mtimes and no user or group names, so the same upper dir always gives
//! the same tar, and so the same diffID.

use super::sys::{self, errno};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

const BLOCK: usize = 512;
const OPAQUE: &[u8] = b".wh..wh..opq";
const WHITEOUT: &[u8] = b".wh.";

/// How to read an upper dir.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// Host ids that stand for the container's root (rootless without a
    /// subordinate range: the user alone is mapped, as 0). `None`: ids
    /// are written as they are seen.
    pub root_ids: Option<(u32, u32)>,
    /// Paths (relative, no leading `/`) left out when they are an empty
    /// file or directory: the mount points a runtime made in the upper
    /// dir (`/etc/hosts`, `/proc` …), which are not the container's work.
    pub placeholders: Vec<String>,
    /// How modification times are written.
    pub mtimes: Mtimes,
}

/// How a layer's modification times are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mtimes {
    /// As the files have them.
    #[default]
    Keep,
    /// Times later than this (seconds since the epoch) are written as
    /// this, so that a build with `SOURCE_DATE_EPOCH` gives the same layer
    /// whenever it runs (reproducible-builds.org).
    Clamp(u64),
    /// Every time is written as this (`build --timestamp`).
    Set(u64),
}

impl Mtimes {
    fn of(self, mtime: u64) -> u64 {
        match self {
            Mtimes::Keep => mtime,
            Mtimes::Clamp(c) => mtime.min(c),
            Mtimes::Set(t) => t,
        }
    }
}

impl DiffOptions {
    /// Whether `rel` (of kind `st`, in `dir` as `name`) is a mount point
    /// left by the runtime.
    fn is_placeholder(&self, rel: &[u8], dir: RawFd, name: &CStr, st: &libc::stat) -> bool {
        if !self.placeholders.iter().any(|p| p.as_bytes() == rel) {
            return false;
        }
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => st.st_size == 0,
            // A directory that holds nothing but mount points (`run`
            // with `run/.containerenv`).
            libc::S_IFDIR => {
                let Ok(fd) = sys::openat(dir, name, libc::O_RDONLY | libc::O_DIRECTORY) else {
                    return false;
                };
                dir_names(&fd).is_ok_and(|names| {
                    names.iter().all(|n| {
                        let mut inner = rel.to_vec();
                        inner.push(b'/');
                        inner.extend_from_slice(n.as_bytes());
                        sys::lstatat(fd.as_raw_fd(), n)
                            .is_ok_and(|st| self.is_placeholder(&inner, fd.as_raw_fd(), n, &st))
                    })
                })
            }
            _ => false,
        }
    }
}

/// One change of a container, as `diff` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Changed(String),
    Deleted(String),
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Added(p) | Change::Changed(p) | Change::Deleted(p) => p,
        }
    }
    /// `A`, `C` or `D`, as Podman prints them.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Added(_) => "A",
            Change::Changed(_) => "C",
            Change::Deleted(_) => "D",
        }
    }
}

/// What the walk calls for each path: the path, the parent's fd, the
/// name, and what is there.
type Visit<'a> = dyn FnMut(&[u8], RawFd, &CStr, Node) -> Result<()> + 'a;

/// What the walk found at one path of the upper dir.
enum Node {
    /// A whiteout: `name` was deleted.
    Whiteout,
    /// Anything else; `opaque` for a directory that hides the layers below.
    Entry { st: libc::stat, opaque: bool },
}

/// Walk `upper` depth first, names sorted, a directory before its
/// contents; `f` gets the path (relative, no leading `/`), the parent's
/// fd, the name and what is there.
fn walk(upper: &Path, f: &mut Visit<'_>) -> Result<()> {
    let root = sys::openat(
        libc::AT_FDCWD,
        &sys::cstr(upper.as_os_str().as_bytes())?,
        libc::O_RDONLY | libc::O_DIRECTORY,
    )
    .with_context(|| format!("opening {}", upper.display()))?;
    walk_dir(&root, Vec::new(), f).with_context(|| format!("reading {}", upper.display()))
}

fn walk_dir(dir: &OwnedFd, prefix: Vec<u8>, f: &mut Visit<'_>) -> Result<()> {
    for name in dir_names(dir)? {
        if FUSE_OPAQUE_MARKS.contains(&name.as_c_str()) {
            continue;
        }
        let mut rel = prefix.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.to_bytes());
        let at = || String::from_utf8_lossy(&rel).into_owned();
        let st = sys::lstatat(dir.as_raw_fd(), &name).with_context(at)?;
        let fmt = st.st_mode & libc::S_IFMT;
        if fmt == libc::S_IFCHR && st.st_rdev == 0 {
            f(&rel, dir.as_raw_fd(), &name, Node::Whiteout)?;
            continue;
        }
        if fmt != libc::S_IFDIR {
            f(
                &rel,
                dir.as_raw_fd(),
                &name,
                Node::Entry { st, opaque: false },
            )?;
            continue;
        }
        let sub = sys::openat(dir.as_raw_fd(), &name, libc::O_RDONLY | libc::O_DIRECTORY)
            .with_context(at)?;
        let opaque = is_opaque(sub.as_raw_fd());
        f(&rel, dir.as_raw_fd(), &name, Node::Entry { st, opaque })?;
        walk_dir(&sub, rel, f)?;
    }
    Ok(())
}

/// The names in a directory, sorted bytewise, without `.` and `..`.
fn dir_names(dir: &OwnedFd) -> Result<Vec<CString>> {
    // The magic link reopens exactly the directory we hold.
    let p = format!("/proc/self/fd/{}", dir.as_raw_fd());
    let mut names = Vec::new();
    for e in std::fs::read_dir(&p).context("listing a directory")? {
        let e = e.context("listing a directory")?;
        names.push(CString::new(e.file_name().as_bytes()).context("a name with a NUL byte")?);
    }
    names.sort();
    Ok(names)
}

/// How fuse-overlayfs marks a directory opaque when it may not set
/// `trusted.overlay.opaque`: a file `.wh..wh..opq` (the layer tar's own
/// name for it) and a whiteout `.wh..opq` in it. Neither is content.
const FUSE_OPAQUE_MARKS: [&CStr; 2] = [c".wh..wh..opq", c".wh..opq"];

fn is_opaque(fd: RawFd) -> bool {
    [c"trusted.overlay.opaque", c"user.overlay.opaque"]
        .iter()
        .any(|k| fgetxattr(fd, k).is_some_and(|v| v == b"y"))
        || sys::lstatat(fd, FUSE_OPAQUE_MARKS[0])
            .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFREG)
}

fn fgetxattr(fd: RawFd, key: &CStr) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: a valid fd, key and buffer.
        let n = unsafe { libc::fgetxattr(fd, key.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            buf.truncate(n as usize);
            return Some(buf);
        }
        if errno(&io::Error::last_os_error()) != libc::ERANGE || buf.len() > 1 << 20 {
            return None;
        }
        buf.resize(buf.len() * 4, 0);
    }
}

/// The xattrs of `name` in `dir` (not following a symlink), sorted,
/// without overlayfs' own (`trusted.overlay.*`, `user.overlay.*`): those
/// describe this upper dir, not the layer.
fn xattrs(dir: RawFd, name: &CStr) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut p = format!("/proc/self/fd/{dir}/").into_bytes();
    p.extend_from_slice(name.to_bytes());
    let p = sys::cstr(&p)?;
    let mut list = vec![0u8; 1024];
    let n = loop {
        // SAFETY: valid path and buffer.
        let n = unsafe { libc::llistxattr(p.as_ptr(), list.as_mut_ptr().cast(), list.len()) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        match errno(&e) {
            libc::ERANGE if list.len() < 1 << 20 => list.resize(list.len() * 4, 0),
            libc::ENOTSUP => return Ok(Vec::new()),
            _ => return Err(e).context("listing xattrs"),
        }
    };
    let mut out = Vec::new();
    for key in list[..n].split(|&b| b == 0).filter(|k| !k.is_empty()) {
        // overlay's and fuse-overlayfs's own records, not content.
        if key.starts_with(b"trusted.overlay.")
            || key.starts_with(b"user.overlay.")
            || key.starts_with(b"user.fuseoverlayfs.")
        {
            continue;
        }
        let ck = sys::cstr(key)?;
        let mut val = vec![0u8; 256];
        loop {
            // SAFETY: valid path, key and buffer.
            let n = unsafe {
                libc::lgetxattr(p.as_ptr(), ck.as_ptr(), val.as_mut_ptr().cast(), val.len())
            };
            if n >= 0 {
                val.truncate(n as usize);
                out.push((key.to_vec(), val));
                break;
            }
            let e = io::Error::last_os_error();
            match errno(&e) {
                libc::ERANGE if val.len() < 1 << 20 => val.resize(val.len() * 4, 0),
                // Removed meanwhile, or not readable by us (trusted.* rootless).
                libc::ENODATA | libc::EPERM | libc::EACCES => break,
                _ => {
                    return Err(e)
                        .with_context(|| format!("reading xattr {}", String::from_utf8_lossy(key)))
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Write the layer tar of upper dir `upper` to `out`; returns its size.
/// Errors name the upper dir and the entry.
pub fn write_tar(upper: &Path, out: impl Write, opts: &DiffOptions) -> Result<u64> {
    let mut a = Archiver::new(out, opts);
    walk(upper, &mut |rel, dir, name, node| {
        a.emit(rel, dir, name, node)
    })
    .with_context(|| format!("archiving {}", upper.display()))?;
    a.w.finish()
        .with_context(|| format!("archiving {}", upper.display()))
}

/// Write one layer tar whose effect over `base` is that of `layers`
/// (diff dirs, top first) applied in order (`build --squash`): each path
/// as the topmost layer has it; a whiteout stays one where `base` has the
/// path (elsewhere it would hide nothing, and overlay shows a whiteout in
/// a directory no lower layer has); a directory is opaque when one of
/// these layers hid what was below it. Returns the tar's size.
pub fn write_squashed_tar(
    layers: &[PathBuf],
    base: &[PathBuf],
    out: impl Write,
    opts: &DiffOptions,
) -> Result<u64> {
    let open = |dirs: &[PathBuf]| {
        dirs.iter()
            .map(|l| {
                sys::openat(
                    libc::AT_FDCWD,
                    &path_c(l)?,
                    libc::O_RDONLY | libc::O_DIRECTORY,
                )
                .with_context(|| format!("opening {}", l.display()))
            })
            .collect::<Result<Vec<_>>>()
    };
    let (dirs, base) = (open(layers)?, open(base)?);
    let in_base = |rel: &[u8]| {
        base.iter()
            .any(|b| sys::open_beneath(b.as_raw_fd(), rel, libc::O_PATH | libc::O_NOFOLLOW).is_ok())
    };
    let mut a = Archiver::new(out, opts);
    squash_dir(&dirs, Vec::new(), &mut |rel, dir, name, node| match node {
        Node::Whiteout if !in_base(rel) => Ok(()),
        _ => a.emit(rel, dir, name, node),
    })?;
    a.w.finish()
}

fn path_c(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).context("a path with a NUL byte")
}

/// The merge of directory `prefix` as `dirs` (the same directory in each
/// layer that shows into it, top first) have it.
fn squash_dir(dirs: &[OwnedFd], prefix: Vec<u8>, f: &mut Visit<'_>) -> Result<()> {
    let mut names = std::collections::BTreeSet::new();
    for d in dirs {
        names.extend(dir_names(d)?);
    }
    for name in names {
        let mut rel = prefix.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.to_bytes());
        let at = || String::from_utf8_lossy(&rel).into_owned();
        let Some((top, st)) = dirs
            .iter()
            .enumerate()
            .find_map(|(i, d)| sys::lstatat(d.as_raw_fd(), &name).ok().map(|st| (i, st)))
        else {
            continue;
        };
        let fd = dirs[top].as_raw_fd();
        let fmt = st.st_mode & libc::S_IFMT;
        if fmt == libc::S_IFCHR && st.st_rdev == 0 {
            f(&rel, fd, &name, Node::Whiteout)?;
            continue;
        }
        if fmt != libc::S_IFDIR {
            f(&rel, fd, &name, Node::Entry { st, opaque: false })?;
            continue;
        }
        // The same directory in the layers below, down to one that hides
        // what is under it.
        let open = |d: RawFd| sys::openat(d, &name, libc::O_RDONLY | libc::O_DIRECTORY);
        let first = open(fd).with_context(at)?;
        let mut opaque = is_opaque(first.as_raw_fd());
        let mut below = vec![first];
        if !opaque {
            for d in &dirs[top + 1..] {
                match sys::lstatat(d.as_raw_fd(), &name) {
                    Err(_) => continue,
                    Ok(s) if sys::is_dir(&s) => {
                        let sub = open(d.as_raw_fd()).with_context(at)?;
                        opaque = is_opaque(sub.as_raw_fd());
                        below.push(sub);
                        if opaque {
                            break;
                        }
                    }
                    // A file or a whiteout: nothing under it shows.
                    Ok(_) => {
                        opaque = true;
                        break;
                    }
                }
            }
        }
        f(&rel, fd, &name, Node::Entry { st, opaque })?;
        squash_dir(&below, rel, f)?;
    }
    Ok(())
}

/// Write a tar of `name` in directory `parent` (never followed; a
/// directory with everything below it), entries named from `name` on;
/// `name` `.` archives the directory's contents. For `export`.
pub fn write_entry_tar(
    parent: RawFd,
    name: &CStr,
    out: impl Write,
    opts: &DiffOptions,
) -> Result<u64> {
    if name.to_bytes() == b"." {
        let d = sys::openat(parent, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
        let names = dir_names(&d)?;
        return write_entries_tar(d.as_raw_fd(), &names, out, opts);
    }
    write_entries_tar(parent, &[name.to_owned()], out, opts)
}

/// Write one tar of the `names` in directory `parent` (each never
/// followed; a directory with everything below it), entries named from
/// each name on. For `cp … -`.
pub fn write_entries_tar(
    parent: RawFd,
    names: &[CString],
    out: impl Write,
    opts: &DiffOptions,
) -> Result<u64> {
    let mut a = Archiver::new(out, opts);
    let mut f = |rel: &[u8], dir: RawFd, name: &CStr, node: Node| a.emit(rel, dir, name, node);
    for name in names {
        let st = sys::lstatat(parent, name)?;
        f(
            name.to_bytes(),
            parent,
            name,
            Node::Entry { st, opaque: false },
        )?;
        if sys::is_dir(&st) {
            let d = sys::openat(parent, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            walk_dir(&d, name.to_bytes().to_vec(), &mut f)?;
        }
    }
    a.w.finish()
}

/// Turns what the walk finds into tar entries.
struct Archiver<'o, W: Write> {
    w: TarWriter<W>,
    /// (dev, ino) of regular files with several links -> the first path.
    links: HashMap<(u64, u64), Vec<u8>>,
    opts: &'o DiffOptions,
}

impl<'o, W: Write> Archiver<'o, W> {
    fn new(out: W, opts: &'o DiffOptions) -> Self {
        Archiver {
            w: TarWriter {
                out: io::BufWriter::with_capacity(256 * 1024, out),
                n: 0,
                mtimes: opts.mtimes,
            },
            links: HashMap::new(),
            opts,
        }
    }

    fn ids(&self, st: &libc::stat) -> (u32, u32) {
        match self.opts.root_ids {
            Some((u, g)) => (
                if st.st_uid == u { 0 } else { st.st_uid },
                if st.st_gid == g { 0 } else { st.st_gid },
            ),
            None => (st.st_uid, st.st_gid),
        }
    }

    fn emit(&mut self, rel: &[u8], dir: RawFd, name: &CStr, node: Node) -> Result<()> {
        let at = || String::from_utf8_lossy(rel).into_owned();
        let (parent, base) = match rel.iter().rposition(|&b| b == b'/') {
            Some(i) => (&rel[..=i], &rel[i + 1..]),
            None => (&b""[..], rel),
        };
        let st = match node {
            Node::Whiteout => {
                let mut path = parent.to_vec();
                path.extend_from_slice(WHITEOUT);
                path.extend_from_slice(base);
                let e = Entry {
                    path,
                    kind: b'0',
                    mode: 0o600,
                    ids: (0, 0),
                    mtime: 0,
                    ..Entry::default()
                };
                return self.w.entry(&e, None).with_context(at);
            }
            Node::Entry { st, .. } if self.opts.is_placeholder(rel, dir, name, &st) => {
                return Ok(())
            }
            Node::Entry { st, opaque } => {
                if opaque {
                    let dir_entry =
                        entry_of(rel, &st, self.ids(&st), dir, name).with_context(at)?;
                    self.w.entry(&dir_entry, None).with_context(at)?;
                    let mut path = rel.to_vec();
                    path.push(b'/');
                    path.extend_from_slice(OPAQUE);
                    let e = Entry {
                        path,
                        kind: b'0',
                        mode: st.st_mode & 0o777,
                        ids: self.ids(&st),
                        mtime: st.st_mtime.max(0) as u64,
                        ..Entry::default()
                    };
                    return self.w.entry(&e, None).with_context(at);
                }
                st
            }
        };
        let mut e = entry_of(rel, &st, self.ids(&st), dir, name).with_context(at)?;
        if e.kind == b'0' {
            if st.st_nlink > 1 {
                let key = (st.st_dev, st.st_ino);
                if let Some(first) = self.links.get(&key) {
                    e.kind = b'1';
                    e.link = first.clone();
                    e.size = 0;
                    return self.w.entry(&e, None).with_context(at);
                }
                self.links.insert(key, rel.to_vec());
            }
            let f = File::from(
                sys::openat(dir, name, libc::O_RDONLY)
                    .with_context(|| format!("opening {}", at()))?,
            );
            return self.w.entry(&e, Some(f)).with_context(at);
        }
        self.w.entry(&e, None).with_context(at)
    }
}

/// The header of one non-whiteout entry.
fn entry_of(
    rel: &[u8],
    st: &libc::stat,
    ids: (u32, u32),
    dir: RawFd,
    name: &CStr,
) -> Result<Entry> {
    let mut e = Entry {
        path: rel.to_vec(),
        mode: st.st_mode & 0o7777,
        ids,
        mtime: st.st_mtime.max(0) as u64,
        xattrs: xattrs(dir, name)?,
        ..Entry::default()
    };
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => {
            e.kind = b'0';
            e.size = st.st_size as u64;
        }
        libc::S_IFDIR => {
            e.kind = b'5';
            e.path.push(b'/');
        }
        libc::S_IFLNK => {
            e.kind = b'2';
            e.link = readlinkat(dir, name)?;
        }
        libc::S_IFCHR | libc::S_IFBLK => {
            e.kind = if st.st_mode & libc::S_IFMT == libc::S_IFCHR {
                b'3'
            } else {
                b'4'
            };
            e.dev = (libc::major(st.st_rdev), libc::minor(st.st_rdev));
        }
        libc::S_IFIFO => e.kind = b'6',
        _ => bail!("sockets cannot be archived"),
    }
    Ok(e)
}

fn readlinkat(dir: RawFd, name: &CStr) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: valid fd, name and buffer.
    let n = unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error()).context("reading a symlink");
    }
    buf.truncate(n as usize);
    Ok(buf)
}

#[derive(Default)]
struct Entry {
    path: Vec<u8>,
    /// The tar type flag.
    kind: u8,
    mode: u32,
    ids: (u32, u32),
    mtime: u64,
    size: u64,
    link: Vec<u8>,
    dev: (u32, u32),
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A minimal PAX writer: a ustar header per entry, preceded by a PAX
/// record when the path or link name is too long for it or there are
/// xattrs (`SCHILY.xattr.*`, as Go's `archive/tar` writes them).
struct TarWriter<W: Write> {
    out: io::BufWriter<W>,
    n: u64,
    mtimes: Mtimes,
}

impl<W: Write> TarWriter<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.n += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rest = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        self.write(&[0u8; BLOCK][..rest as usize])
    }

    fn entry(&mut self, e: &Entry, data: Option<File>) -> Result<()> {
        let mut pax: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        if e.path.len() > 100 {
            pax.push((b"path".to_vec(), e.path.clone()));
        }
        if e.link.len() > 100 {
            pax.push((b"linkpath".to_vec(), e.link.clone()));
        }
        for (k, v) in &e.xattrs {
            let mut key = b"SCHILY.xattr.".to_vec();
            key.extend_from_slice(k);
            pax.push((key, v.clone()));
        }
        if !pax.is_empty() {
            let mut body = Vec::new();
            for (k, v) in &pax {
                body.extend_from_slice(&pax_record(k, v));
            }
            let mut name = b"PaxHeaders/".to_vec();
            name.extend_from_slice(&e.path[..e.path.len().min(80)]);
            let h = ustar(
                &name,
                b'x',
                0o644,
                (0, 0),
                0,
                body.len() as u64,
                b"",
                (0, 0),
            );
            self.write(h.as_bytes())?;
            self.write(&body)?;
            self.pad(body.len() as u64)?;
        }
        let mtime = self.mtimes.of(e.mtime);
        let h = ustar(
            &e.path, e.kind, e.mode, e.ids, mtime, e.size, &e.link, e.dev,
        );
        self.write(h.as_bytes())?;
        if let Some(f) = data {
            // Exactly `size` bytes, whatever a running container does to
            // the file meanwhile: a short file is padded with zeros.
            let mut copied = io::copy(&mut f.take(e.size), &mut self.out)?;
            self.n += copied;
            while copied < e.size {
                let k = (e.size - copied).min(BLOCK as u64);
                self.write(&[0u8; BLOCK][..k as usize])?;
                copied += k;
            }
            self.pad(e.size)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<u64> {
        self.write(&[0u8; BLOCK * 2])?;
        self.out.flush()?;
        Ok(self.n)
    }
}

/// One PAX record: `LEN KEY=VALUE\n`, where LEN counts itself.
fn pax_record(k: &[u8], v: &[u8]) -> Vec<u8> {
    let base = k.len() + v.len() + 3;
    let mut len = base + base.to_string().len();
    if len.to_string().len() != base.to_string().len() {
        len = base + len.to_string().len();
    }
    let mut r = format!("{len} ").into_bytes();
    r.extend_from_slice(k);
    r.push(b'=');
    r.extend_from_slice(v);
    r.push(b'\n');
    r
}

#[allow(clippy::too_many_arguments)]
fn ustar(
    path: &[u8],
    kind: u8,
    mode: u32,
    ids: (u32, u32),
    mtime: u64,
    size: u64,
    link: &[u8],
    dev: (u32, u32),
) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    {
        let old = h.as_old_mut();
        let n = path.len().min(old.name.len());
        old.name[..n].copy_from_slice(&path[..n]);
        let n = link.len().min(old.linkname.len());
        old.linkname[..n].copy_from_slice(&link[..n]);
        old.linkflag[0] = kind;
    }
    h.set_mode(mode);
    h.set_uid(ids.0 as u64);
    h.set_gid(ids.1 as u64);
    h.set_mtime(mtime);
    h.set_size(size);
    if kind == b'3' || kind == b'4' {
        let _ = h.set_device_major(dev.0);
        let _ = h.set_device_minor(dev.1);
    }
    h.set_cksum();
    h
}

/// The changes of upper dir `upper` over `lowers` (the image's layer
/// `diff/` dirs, top first), sorted by path: a path that a lower layer
/// has is changed, others are added; whiteouts are deletions, and so are
/// the lower layers' entries hidden by an opaque directory.
pub fn changes(upper: &Path, lowers: &[PathBuf], opts: &DiffOptions) -> Result<Vec<Change>> {
    let mut lower_fds = Vec::new();
    for l in lowers {
        let fd = sys::openat(
            libc::AT_FDCWD,
            &sys::cstr(l.as_os_str().as_bytes())?,
            libc::O_RDONLY | libc::O_DIRECTORY,
        )
        .with_context(|| format!("opening {}", l.display()))?;
        lower_fds.push(fd);
    }
    let mut out = Vec::new();
    walk(upper, &mut |rel, dir, name, node| {
        let path = format!("/{}", String::from_utf8_lossy(rel));
        match node {
            Node::Whiteout => out.push(Change::Deleted(path)),
            Node::Entry { st, .. } if opts.is_placeholder(rel, dir, name, &st) => {}
            Node::Entry { opaque, .. } => {
                if in_lowers(&lower_fds, rel) {
                    out.push(Change::Changed(path.clone()));
                } else {
                    out.push(Change::Added(path.clone()));
                }
                if opaque {
                    let upper_names = dir_names(&sys::openat(
                        dir,
                        &sys::cstr(
                            &rel[rel.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1)..],
                        )?,
                        libc::O_RDONLY | libc::O_DIRECTORY,
                    )?)?;
                    for name in lower_names(&lower_fds, rel) {
                        if !upper_names.iter().any(|n| n.to_bytes() == name.as_slice()) {
                            out.push(Change::Deleted(format!(
                                "{path}/{}",
                                String::from_utf8_lossy(&name)
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out.dedup();
    Ok(out)
}

/// Whether the layers below have `rel`: the first layer (top first) that
/// has it or a whiteout for it decides.
fn in_lowers(lowers: &[OwnedFd], rel: &[u8]) -> bool {
    let (parent, base) = match rel.iter().rposition(|&b| b == b'/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => (&b""[..], rel),
    };
    let Ok(cbase) = sys::cstr(base) else {
        return false;
    };
    for l in lowers {
        let Ok(p) = sys::open_beneath(l.as_raw_fd(), parent, libc::O_PATH | libc::O_DIRECTORY)
        else {
            continue;
        };
        match sys::lstatat(p.as_raw_fd(), &cbase) {
            Ok(st) => {
                return !(st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == 0);
            }
            Err(_) => {
                if is_opaque_path(l.as_raw_fd(), parent) {
                    return false;
                }
            }
        }
    }
    false
}

fn is_opaque_path(root: RawFd, rel: &[u8]) -> bool {
    !rel.is_empty()
        && sys::open_beneath(root, rel, libc::O_RDONLY | libc::O_DIRECTORY)
            .is_ok_and(|fd| is_opaque(fd.as_raw_fd()))
}

/// The names the layers below show in directory `rel` (whiteouts and
/// what they hide left out), sorted.
fn lower_names(lowers: &[OwnedFd], rel: &[u8]) -> Vec<Vec<u8>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut hidden: Vec<Vec<u8>> = Vec::new();
    for l in lowers {
        let Ok(d) = sys::open_beneath(l.as_raw_fd(), rel, libc::O_RDONLY | libc::O_DIRECTORY)
        else {
            continue;
        };
        for n in dir_names(&d).unwrap_or_default() {
            let b = n.to_bytes().to_vec();
            if hidden.contains(&b) || seen.contains(&b) {
                continue;
            }
            match sys::lstatat(d.as_raw_fd(), &n) {
                Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == 0 => {
                    hidden.push(b)
                }
                Ok(_) => seen.push(b),
                Err(_) => {}
            }
        }
        if is_opaque(d.as_raw_fd()) {
            break;
        }
    }
    seen.sort();
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer_tar::{unpack, OpaqueXattr, UnpackOptions};
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn is_root() -> bool {
        // SAFETY: no arguments.
        unsafe { libc::geteuid() == 0 }
    }

    fn xattr_key() -> &'static CStr {
        if is_root() {
            c"trusted.overlay.opaque"
        } else {
            c"user.overlay.opaque"
        }
    }

    fn set_xattr(p: &Path, k: &CStr, v: &[u8]) -> bool {
        let c = sys::cstr(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: valid strings and buffer.
        unsafe { libc::lsetxattr(c.as_ptr(), k.as_ptr(), v.as_ptr().cast(), v.len(), 0) == 0 }
    }

    fn mknod_whiteout(p: &Path) -> bool {
        let c = sys::cstr(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid path.
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) == 0 }
    }

    /// An upper dir with files, a dir, a symlink, a hard link, a long
    /// name, an xattr, and (when the process may make them) a whiteout
    /// and an opaque dir.
    fn sample(upper: &Path) -> (bool, bool) {
        fs::create_dir_all(upper.join("etc/sub")).unwrap();
        fs::write(upper.join("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        fs::set_permissions(upper.join("etc/passwd"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(upper.join("etc/sub/b"), b"bee").unwrap();
        fs::hard_link(upper.join("etc/sub/b"), upper.join("etc/sub/c")).unwrap();
        std::os::unix::fs::symlink("/etc/shadow", upper.join("link")).unwrap();
        let long = "d".repeat(120);
        fs::create_dir(upper.join(&long)).unwrap();
        fs::write(upper.join(&long).join("f".repeat(90)), b"long").unwrap();
        set_xattr(&upper.join("etc/passwd"), c"user.test", b"v1");
        let wh = mknod_whiteout(&upper.join("gone"));
        fs::create_dir(upper.join("opq")).unwrap();
        fs::write(upper.join("opq/new"), b"n").unwrap();
        let opq = set_xattr(&upper.join("opq"), xattr_key(), b"y");
        // overlay's own metadata must not reach the layer
        set_xattr(&upper.join("etc"), c"user.overlay.origin", b"x");
        (wh, opq)
    }

    fn tar_of(upper: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        let n = write_tar(upper, &mut out, &DiffOptions::default()).unwrap();
        assert_eq!(n, out.len() as u64);
        out
    }

    fn names(tar: &[u8]) -> Vec<String> {
        let mut a = tar::Archive::new(tar);
        a.entries()
            .unwrap()
            .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
            .collect()
    }

    #[test]
    fn fuse_overlayfs_opaque_marks_are_an_opaque_dir_not_files() {
        let tmp = tempfile::tempdir().unwrap();
        let upper = tmp.path().join("upper");
        fs::create_dir_all(upper.join("proc")).unwrap();
        fs::write(upper.join("proc/.wh..wh..opq"), b"").unwrap();
        let wh = mknod_whiteout(&upper.join("proc/.wh..opq"));
        fs::write(upper.join("proc/kept"), b"k").unwrap();
        let mut got = names(&tar_of(&upper));
        got.sort();
        // One opaque marker, as the tar writes one for any opaque dir.
        assert_eq!(
            got,
            ["proc/", "proc/.wh..wh..opq", "proc/kept"],
            "whiteout made: {wh}"
        );
        let changes = changes(&upper, &[], &DiffOptions::default()).unwrap();
        let listed: Vec<String> = changes
            .iter()
            .map(|c| format!("{} {}", c.kind(), c.path()))
            .collect();
        assert_eq!(listed, ["A /proc", "A /proc/kept"]);
    }

    #[test]
    fn upper_dir_round_trips_through_unpack() {
        let tmp = tempfile::tempdir().unwrap();
        let upper = tmp.path().join("upper");
        let (wh, opq) = sample(&upper);
        let tar = tar_of(&upper);
        // Deterministic: the same dir gives the same bytes.
        assert_eq!(tar, tar_of(&upper));
        let n = names(&tar);
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let mut want = vec![
            format!("{}/", "d".repeat(120)),
            long.clone(),
            "etc/".into(),
            "etc/passwd".into(),
            "etc/sub/".into(),
            "etc/sub/b".into(),
            "etc/sub/c".into(),
        ];
        if wh {
            want.push(".wh.gone".into());
        }
        want.push("link".into());
        want.push("opq/".into());
        if opq {
            want.push("opq/.wh..wh..opq".into());
        }
        want.push("opq/new".into());
        want.sort();
        let mut got = n.clone();
        got.sort();
        assert_eq!(got, want, "{n:?}");

        let diff = tmp.path().join("diff");
        fs::create_dir(&diff).unwrap();
        let opts = UnpackOptions {
            layer: "layer test".into(),
            opaque_xattr: if is_root() {
                OpaqueXattr::Trusted
            } else {
                OpaqueXattr::User
            },
            chown: is_root(),
        };
        let u = unpack(&tar[..], &diff, &tmp.path().join("ts"), &opts).unwrap();
        assert_eq!(u.tar_size, tar.len() as u64);
        assert_eq!(
            fs::read(diff.join("etc/passwd")).unwrap(),
            b"root:x:0:0::/root:/bin/sh\n"
        );
        let md = fs::metadata(diff.join("etc/passwd")).unwrap();
        assert_eq!(md.mode() & 0o7777, 0o640);
        assert_eq!(
            md.mtime(),
            fs::metadata(upper.join("etc/passwd")).unwrap().mtime()
        );
        let b = fs::metadata(diff.join("etc/sub/b")).unwrap();
        let c = fs::metadata(diff.join("etc/sub/c")).unwrap();
        assert_eq!(b.ino(), c.ino(), "the hard link stays one");
        assert_eq!(
            fs::read_link(diff.join("link")).unwrap(),
            Path::new("/etc/shadow")
        );
        assert_eq!(fs::read(diff.join(&long)).unwrap(), b"long");
        let pc = sys::cstr(diff.join("etc/passwd").as_os_str().as_bytes()).unwrap();
        let f = File::open(diff.join("etc/passwd")).unwrap();
        let v = fgetxattr(f.as_raw_fd(), c"user.test");
        if set_xattr(Path::new(pc.to_str().unwrap()), c"user.probe", b"") {
            assert_eq!(v.as_deref(), Some(&b"v1"[..]));
        }
        let e = File::open(diff.join("etc")).unwrap();
        assert_eq!(fgetxattr(e.as_raw_fd(), c"user.overlay.origin"), None);
        if wh {
            let st = fs::symlink_metadata(diff.join("gone")).unwrap();
            assert_eq!(st.rdev(), 0);
            assert!(std::os::unix::fs::FileTypeExt::is_char_device(
                &st.file_type()
            ));
        }
        if opq {
            let d = File::open(diff.join("opq")).unwrap();
            assert_eq!(
                fgetxattr(d.as_raw_fd(), xattr_key()).as_deref(),
                Some(&b"y"[..])
            );
        }
        // And once more: the unpacked layer archives to the same entries.
        assert_eq!(names(&tar_of(&diff)), n);
    }

    #[test]
    fn root_ids_map_the_user_to_root() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("f"), b"x").unwrap();
        // SAFETY: no arguments.
        let (u, g) = unsafe { (libc::geteuid(), libc::getegid()) };
        let mut out = Vec::new();
        write_tar(
            tmp.path(),
            &mut out,
            &DiffOptions {
                root_ids: Some((u, g)),
                placeholders: Vec::new(),
                mtimes: Mtimes::Keep,
            },
        )
        .unwrap();
        let mut a = tar::Archive::new(&out[..]);
        let e = a.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(e.header().uid().unwrap(), 0);
        assert_eq!(e.header().gid().unwrap(), 0);
    }

    #[test]
    fn mtimes_are_clamped() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("new"), b"x").unwrap();
        let old = tmp.path().join("old");
        fs::write(&old, b"y").unwrap();
        let f = fs::File::options().write(true).open(&old).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1000))
            .unwrap();
        let mut out = Vec::new();
        let opts = DiffOptions {
            mtimes: Mtimes::Clamp(5000),
            ..DiffOptions::default()
        };
        write_tar(tmp.path(), &mut out, &opts).unwrap();
        let mut a = tar::Archive::new(&out[..]);
        let got: Vec<(String, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let p = e.path().unwrap().display().to_string();
                (p, e.header().mtime().unwrap())
            })
            .collect();
        assert_eq!(got, [("new".to_string(), 5000), ("old".to_string(), 1000)]);
    }

    #[test]
    fn changes_are_added_changed_and_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let lower = tmp.path().join("lower");
        fs::create_dir_all(lower.join("etc")).unwrap();
        fs::write(lower.join("etc/passwd"), b"old").unwrap();
        fs::create_dir_all(lower.join("opq")).unwrap();
        fs::write(lower.join("opq/old"), b"o").unwrap();
        fs::write(lower.join("opq/kept"), b"k").unwrap();
        fs::write(lower.join("gone"), b"g").unwrap();
        let upper = tmp.path().join("upper");
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/passwd"), b"new").unwrap();
        fs::write(upper.join("etc/added"), b"a").unwrap();
        let wh = mknod_whiteout(&upper.join("gone"));
        fs::create_dir(upper.join("opq")).unwrap();
        fs::write(upper.join("opq/kept"), b"k2").unwrap();
        let opq = set_xattr(&upper.join("opq"), xattr_key(), b"y");
        fs::create_dir(upper.join("proc")).unwrap();
        fs::write(upper.join("etc/hosts"), b"").unwrap();
        let opts = DiffOptions {
            root_ids: None,
            placeholders: vec!["proc".into(), "etc/hosts".into(), "etc/added".into()],
            mtimes: Mtimes::Keep,
        };
        let got: Vec<String> = changes(&upper, &[lower], &opts)
            .unwrap()
            .iter()
            .map(|c| format!("{} {}", c.kind(), c.path()))
            .collect();
        let mut want = vec![
            "C /etc",
            "A /etc/added",
            "C /etc/passwd",
            "C /opq",
            "C /opq/kept",
        ];
        if wh {
            want.insert(3, "D /gone");
        }
        if opq {
            want.push("D /opq/old");
        }
        assert_eq!(got, want);
    }
}
