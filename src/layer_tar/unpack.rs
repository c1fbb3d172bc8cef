//! Unpacking one uncompressed layer tar into an overlay2 `diff/`
//! directory, in one pass over the stream, while writing the tar-split
//! that lets `rebuild` give back the same bytes.
//!
//! The tar is parsed here block by block rather than through
//! `tar::Archive`, because the tar-split must see every byte of the stream
//! (headers, extension records, padding, the end-of-archive blocks and
//! whatever follows them). Names are read as Go reads them; numeric fields
//! and PAX records are parsed here, as leniently as Go's `archive/tar`
//! parses them (an all-NUL field is 0, a PAX value may hold a newline).
//! What counts as an entry's data follows Go's `archive/tar`, which
//! produced and consumes nearly every layer in existence: hard links,
//! symlinks, devices, fifos and directories never have data, whatever
//! their size field says.

use super::split::{Record, SplitReader, SplitWriter};
use super::sys::{self, errno, Time};
use super::{OpaqueXattr, UnpackOptions, Unpacked};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, CString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

pub(super) const BLOCK: usize = 512;

/// Read buffer over the uncompressed stream: large enough that a big file
/// is written in few syscalls.
const READ_BUF: usize = 256 * 1024;

/// Largest PAX or GNU long-name record accepted, as in Go's `archive/tar`
/// (`maxSpecialFileSize`): a garbage size field must not make us allocate.
pub(super) const MAX_META: u64 = 1 << 20;

const TRUNCATED: &str = "truncated tar";

/// Directories are created owner-writable and searchable, and get their
/// real mode at the end, so that a read-only directory can still be filled
/// when unpacking without root.
const DIR_WORK_MODE: u32 = 0o700;

/// Parents that the tar does not list are created as Docker does
/// (`MkdirAll(path, 0755)`).
const IMPLICIT_DIR_MODE: u32 = 0o755;

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const WHITEOUT_META_PREFIX: &[u8] = b".wh..wh.";
const WHITEOUT_OPAQUE: &[u8] = b".wh..wh..opq";

pub fn unpack(
    tar: impl Read + Send,
    diff_dir: &Path,
    tar_split: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked> {
    let res = unpack_inner(tar, diff_dir, tar_split, opts);
    if res.is_err() {
        // A half-written tar-split must not pass for a good one.
        let _ = fs::remove_file(tar_split);
    }
    res
}

fn unpack_inner(
    tar: impl Read + Send,
    diff_dir: &Path,
    tar_split: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked> {
    let layer = &opts.layer;
    let root: OwnedFd = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(diff_dir)
        .with_context(|| format!("{layer}: opening {}", diff_dir.display()))?
        .into();
    let root_st = sys::fstat(root.as_raw_fd())
        .with_context(|| format!("{layer}: inspecting {}", diff_dir.display()))?;
    let split_file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tar_split)
        .with_context(|| format!("{layer}: creating {}", tar_split.display()))?;
    let split = SplitWriter::new(split_file)
        .with_context(|| format!("{layer}: writing {}", tar_split.display()))?;
    let stash_dir = tar_split
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut u = Unpacker {
        opts,
        split,
        owner: Owner::new(&root_st),
        umask: read_umask(),
        tree: Tree {
            root,
            diff_dir: diff_dir.to_path_buf(),
            opaque_xattr: opts.opaque_xattr,
            cache: None,
            live: BTreeMap::new(),
            stash: Stash {
                dir: stash_dir,
                file: None,
                len: 0,
                map: HashMap::new(),
            },
            dirs: Vec::new(),
        },
        entries: 0,
        root_given: false,
    };

    // Reading (decompressing, when the caller's reader does) and hashing
    // run in a second thread, ahead of the file writes in this one: on a
    // gzip layer inflating costs about as much as writing the files.
    let tar_size = std::thread::scope(|scope| -> Result<u64> {
        let (tx, rx) = mpsc::sync_channel(READ_AHEAD);
        let (free_tx, free_rx) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("layer-read".into())
            .spawn_scoped(scope, move || read_ahead(tar, tx, free_rx))
            .with_context(|| format!("{layer}: starting the reader thread"))?;
        let mut input = Input {
            rx,
            free: free_tx,
            buf: Vec::new(),
            pos: 0,
            offset: 0,
            eof: false,
        };
        let res = u.run(&mut input);
        let offset = input.offset;
        // Dropping the receiver stops the reader if we stopped early.
        drop(input);
        let done = reader
            .join()
            .map_err(|_| anyhow!("{layer}: the reader thread panicked"))?;
        res?;
        match done {
            Some(count) if count == offset => Ok(count),
            Some(count) => bail!("{layer}: read {count} bytes but parsed {offset}"),
            None => bail!("{layer}: the reader thread stopped early"),
        }
    })?;

    u.tree
        .finish_dirs()
        .with_context(|| format!("{layer}: setting directory metadata"))?;
    let Unpacker {
        split,
        tree,
        entries,
        root_given,
        ..
    } = u;
    let wctx = || format!("{layer}: writing {}", tar_split.display());
    split.finish(tar_size).with_context(wctx)?;
    if !tree.stash.map.is_empty() {
        tree.stash.rewrite(tar_split).with_context(wctx)?;
    }
    Ok(Unpacked {
        tar_size,
        files: entries,
        root_given,
    })
}

/// Buffers the reader thread may run ahead by.
const READ_AHEAD: usize = 8;

/// The reader thread: fill buffers from `tar`, hash them, and pass them
/// on; at EOF return the digest and size. Returns `None` when the stream
/// failed (the error was passed on) or the consumer went away.
fn read_ahead(
    tar: impl Read,
    tx: mpsc::SyncSender<io::Result<Vec<u8>>>,
    free: mpsc::Receiver<Vec<u8>>,
) -> Option<u64> {
    let mut r = tar;
    let mut count = 0u64;
    loop {
        let mut buf = free.try_recv().unwrap_or_default();
        buf.resize(READ_BUF, 0);
        let mut n = 0;
        let mut eof = false;
        while n < buf.len() {
            match r.read(&mut buf[n..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return None;
                }
            }
        }
        buf.truncate(n);
        count += n as u64;
        if n > 0 && tx.send(Ok(buf)).is_err() {
            return None;
        }
        if eof {
            return Some(count);
        }
    }
}

/// The uncompressed stream, as buffers from the reader thread.
struct Input {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    /// Used buffers go back to the reader thread.
    free: mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes consumed so far: the offset of the next byte in the stream.
    offset: u64,
    eof: bool,
}

impl Input {
    /// The buffered bytes, refilled when used up; empty only at EOF.
    fn peek(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.buf.len() && !self.eof {
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.buf, next);
                    let _ = self.free.send(used);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The reader hung up: end of stream.
                Err(mpsc::RecvError) => self.eof = true,
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.offset += n as u64;
    }

    /// Fill `out`; fewer bytes than asked for only at EOF.
    fn read_full(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            let b = self.peek()?;
            if b.is_empty() {
                break;
            }
            let k = b.len().min(out.len() - n);
            out[n..n + k].copy_from_slice(&b[..k]);
            self.consume(k);
            n += k;
        }
        Ok(n)
    }
}

/// An error of the input stream (a corrupt gzip member, a reset
/// connection) as opposed to one of the file system.
fn read_err(e: io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context("reading the tar stream")
}

/// Copy `n` bytes of the stream into the tar-split.
fn copy_raw(input: &mut Input, split: &mut SplitWriter, mut n: u64) -> Result<()> {
    while n > 0 {
        let b = input.peek().map_err(read_err)?;
        if b.is_empty() {
            bail!(TRUNCATED);
        }
        let k = (b.len() as u64).min(n) as usize;
        split.raw(&b[..k]).context("writing the tar-split")?;
        input.consume(k);
        n -= k as u64;
    }
    Ok(())
}

/// Read `n` bytes of the stream (a PAX record, a long name) into memory,
/// keeping them in the tar-split too.
fn read_meta(input: &mut Input, split: &mut SplitWriter, n: u64) -> Result<Vec<u8>> {
    if n > MAX_META {
        bail!("extended header of {n} bytes is larger than the {MAX_META} allowed");
    }
    let mut v = vec![0u8; n as usize];
    if input.read_full(&mut v).map_err(read_err)? < v.len() {
        bail!(TRUNCATED);
    }
    split.raw(&v).context("writing the tar-split")?;
    Ok(v)
}

pub(super) fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

/// What the extension headers before an entry said about it.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) pax: Pax,
    pub(super) long_name: Option<Vec<u8>>,
    pub(super) long_link: Option<Vec<u8>>,
    pub(super) any: bool,
}

impl Pending {
    /// The entry's name from its extension headers, in Go's order: a
    /// PAX sparse file's `GNU.sparse.name`, else a GNU long name, else
    /// PAX `path`.
    pub(super) fn name(&self) -> Option<Vec<u8>> {
        let sparse = self
            .pax
            .sparse
            .name
            .as_ref()
            .filter(|_| self.pax.sparse.present);
        sparse
            .or(self.long_name.as_ref())
            .or(self.pax.path.as_ref())
            .cloned()
    }

    /// The link target: a GNU long link, else PAX `linkpath`.
    pub(super) fn link(&self) -> Option<Vec<u8>> {
        self.long_link
            .as_ref()
            .or(self.pax.linkpath.as_ref())
            .cloned()
    }
}

#[derive(Default)]
pub(super) struct Pax {
    pub(super) path: Option<Vec<u8>>,
    pub(super) linkpath: Option<Vec<u8>>,
    pub(super) size: Option<u64>,
    pub(super) uid: Option<u64>,
    pub(super) gid: Option<u64>,
    pub(super) mtime: Option<Time>,
    pub(super) atime: Option<Time>,
    pub(super) xattrs: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) sparse: PaxSparse,
}

/// The GNU sparse formats carried in PAX records (0.0, 0.1 and 1.0).
#[derive(Default)]
pub(super) struct PaxSparse {
    pub(super) present: bool,
    pub(super) major: Option<u64>,
    pub(super) minor: Option<u64>,
    pub(super) name: Option<Vec<u8>>,
    pub(super) real_size: Option<u64>,
    /// offset, length, offset, length … (formats 0.0 and 0.1).
    pub(super) map: Vec<u64>,
}

fn parse_u64(v: &[u8]) -> Result<u64> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            anyhow!(
                "invalid number {:?} in PAX header",
                String::from_utf8_lossy(v)
            )
        })
}

/// A PAX time, `[-]seconds[.fraction]`.
fn parse_pax_time(v: &[u8]) -> Result<Time> {
    let bad = || {
        anyhow!(
            "invalid time {:?} in PAX header",
            String::from_utf8_lossy(v)
        )
    };
    let s = std::str::from_utf8(v).map_err(|_| bad())?;
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if secs.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let mut nsec = 0u32;
    for d in frac.bytes().chain(std::iter::repeat(b'0')).take(9) {
        nsec = nsec * 10 + u32::from(d - b'0');
    }
    Ok(match (neg, nsec) {
        (false, _) => (secs, nsec),
        (true, 0) => (-secs, 0),
        (true, n) => (-secs - 1, 1_000_000_000 - n),
    })
}

/// Parse PAX records (`"%d %s=%s\n"`, the length counting the whole
/// record). Written here rather than with `tar::PaxExtensions`, which
/// splits on newlines and so cannot read a binary xattr value (a
/// `security.capability` blob) that contains one.
pub(super) fn parse_pax(mut data: &[u8], pax: &mut Pax) -> Result<()> {
    while !data.is_empty() {
        let bad = || anyhow!("malformed PAX record");
        let sp = data
            .iter()
            .take(20)
            .position(|&b| b == b' ')
            .ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&data[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        if len <= sp + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err(bad());
        }
        let rec = &data[sp + 1..len - 1];
        data = &data[len..];
        let eq = rec.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let (key, value) = (&rec[..eq], &rec[eq + 1..]);
        // An empty value removes the key (POSIX pax, "keyword= ").
        let opt = |v: &[u8]| if v.is_empty() { None } else { Some(v.to_vec()) };
        match key {
            b"path" => pax.path = opt(value),
            b"linkpath" => pax.linkpath = opt(value),
            b"size" => pax.size = opt(value).map(|v| parse_u64(&v)).transpose()?,
            b"uid" => pax.uid = opt(value).map(|v| parse_u64(&v)).transpose()?,
            b"gid" => pax.gid = opt(value).map(|v| parse_u64(&v)).transpose()?,
            b"mtime" => pax.mtime = opt(value).map(|v| parse_pax_time(&v)).transpose()?,
            b"atime" => pax.atime = opt(value).map(|v| parse_pax_time(&v)).transpose()?,
            b"GNU.sparse.major" => {
                pax.sparse.present = true;
                pax.sparse.major = Some(parse_u64(value)?);
            }
            b"GNU.sparse.minor" => {
                pax.sparse.present = true;
                pax.sparse.minor = Some(parse_u64(value)?);
            }
            b"GNU.sparse.name" => pax.sparse.name = opt(value),
            b"GNU.sparse.realsize" | b"GNU.sparse.size" => {
                pax.sparse.real_size = Some(parse_u64(value)?)
            }
            b"GNU.sparse.numblocks" => pax.sparse.present = true,
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => {
                pax.sparse.present = true;
                pax.sparse.map.push(parse_u64(value)?);
            }
            b"GNU.sparse.map" => {
                pax.sparse.present = true;
                for n in value.split(|&b| b == b',').filter(|n| !n.is_empty()) {
                    pax.sparse.map.push(parse_u64(n)?);
                }
            }
            _ => {
                if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                    pax.xattrs.push((name.to_vec(), value.to_vec()));
                }
            }
        }
    }
    Ok(())
}

/// A numeric header field that cannot be negative (a size, an id, a
/// mode): see [`parse_signed`].
pub(super) fn parse_numeric(f: &[u8]) -> Option<u64> {
    parse_signed(f).and_then(|v| u64::try_from(v).ok())
}

/// A numeric header field as Go's `archive/tar` reads it
/// (`parser.parseNumeric`): base-256 when the top bit is set (GNU, for
/// values that do not fit; two's complement, so negative when the next
/// bit is set too), else octal between leading and trailing spaces and
/// NULs, cut at the first NUL left. `None` where Go reports a bad header.
pub(super) fn parse_signed(f: &[u8]) -> Option<i64> {
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        let inv = if f[0] & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, &b) in f.iter().enumerate() {
            let mut c = b ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 != 0 {
                return None;
            }
            x = x << 8 | u64::from(c);
        }
        if x >> 63 != 0 {
            return None;
        }
        return Some(if inv == 0xff { !(x as i64) } else { x as i64 });
    }
    parse_octal(f).and_then(|v| i64::try_from(v).ok())
}

/// An octal field as Go's `parser.parseOctal` reads it: between leading
/// and trailing spaces and NULs, cut at the first NUL left, digits 0-7
/// only (no sign); empty is 0.
pub(super) fn parse_octal(f: &[u8]) -> Option<u64> {
    let is_pad = |b: &u8| *b == b' ' || *b == 0;
    let start = f.iter().position(|b| !is_pad(b)).unwrap_or(f.len());
    let end = f.iter().rposition(|b| !is_pad(b)).map_or(start, |i| i + 1);
    let t = &f[start..end];
    let t = &t[..t.iter().position(|&b| b == 0).unwrap_or(t.len())];
    if !t.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    t.iter().try_fold(0u64, |v, &d| {
        v.checked_mul(8)?.checked_add(u64::from(d - b'0'))
    })
}

/// An entry's name from its header alone (PAX and GNU long names come
/// on top), as Go's `archive/tar` reads it, which wrote and reads nearly
/// every layer: the name field after the prefix field when the format
/// has one. The format is guessed from the magic as Go guesses it:
/// `ustar\0` is POSIX (whatever the version field says), with a 131-byte
/// prefix in the STAR variant (a `tar\0` trailer); `ustar  \0` is GNU,
/// which has no prefix but access and change times there, unless they do
/// not parse and the bytes are ASCII, which is how Go before 1.8 wrote a
/// prefix into GNU headers; anything else is V7, without one.
pub(super) fn header_name(hdr: &[u8; BLOCK]) -> Vec<u8> {
    fn cut(f: &[u8]) -> &[u8] {
        &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())]
    }
    let name = cut(&hdr[..100]);
    let magic = &hdr[257..263];
    let prefix: &[u8] = if magic == b"ustar\0" {
        if &hdr[508..512] == b"tar\0" {
            cut(&hdr[345..476])
        } else {
            cut(&hdr[345..500])
        }
    } else if magic == b"ustar " && &hdr[263..265] == b" \0" {
        let time_ok = |f: &[u8]| f[0] == 0 || parse_signed(f).is_some();
        let p = cut(&hdr[345..500]);
        if time_ok(&hdr[345..357]) && time_ok(&hdr[357..369]) || !p.is_ascii() {
            &[]
        } else {
            p
        }
    } else {
        &[]
    };
    if prefix.is_empty() {
        return name.to_vec();
    }
    let mut v = Vec::with_capacity(prefix.len() + 1 + name.len());
    v.extend_from_slice(prefix);
    v.push(b'/');
    v.extend_from_slice(name);
    v
}

/// An entry's link target from its header alone.
pub(super) fn header_link(hdr: &[u8; BLOCK]) -> Vec<u8> {
    let f = &hdr[157..257];
    f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())].to_vec()
}

// Numeric fields of a tar header (POSIX ustar; GNU has the same offsets).
pub(super) type Field = (std::ops::Range<usize>, &'static str);
const MODE: Field = (100..108, "mode");
const UID: Field = (108..116, "uid");
const GID: Field = (116..124, "gid");
pub(super) const SIZE: Field = (124..136, "size");
const MTIME: Field = (136..148, "mtime");
const DEV_MAJOR: Field = (329..337, "devmajor");
const DEV_MINOR: Field = (337..345, "devminor");

/// A numeric header field. Parsed here rather than with `tar::Header`,
/// which refuses an all-NUL field that Go's archive/tar (and so Docker)
/// reads as 0.
pub(super) fn field(hdr: &[u8; BLOCK], (range, what): Field) -> Result<u64> {
    parse_numeric(&hdr[range]).ok_or_else(|| anyhow!("invalid {what} field in tar header"))
}

/// A header's checksum: the unsigned sum of its bytes with the checksum
/// field read as spaces. Old tars used a signed sum; both are accepted, as
/// Go and GNU tar do.
pub(super) fn checksum_ok(b: &[u8; BLOCK]) -> bool {
    let Some(stored) = parse_octal(&b[148..156]) else {
        return false;
    };
    let (mut u, mut s) = (0i64, 0i64);
    for (i, &x) in b.iter().enumerate() {
        let x = if (148..156).contains(&i) { b' ' } else { x };
        u += i64::from(x);
        s += i64::from(x as i8);
    }
    stored as i64 == u || stored as i64 == s
}

/// A tar name as a path relative to the layer root, cleaned as Go's
/// `filepath.Clean` of the name joined to `/` (what containerd does):
/// leading `/` and `./`, empty and `.` components dropped, and each `..`
/// taking away the component before it, stopping at the root. So `/etc`
/// and `../../etc` both name `<root>/etc`. Symlinks are not looked at
/// here: see [`Tree::place`].
fn normalise(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => pop_component(&mut out),
            _ => push_component(&mut out, c),
        }
    }
    out
}

/// `a/b` + `c` = `a/b/c`; `` + `c` = `c`.
fn push_component(path: &mut Vec<u8>, c: &[u8]) {
    if !path.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(c);
}

/// `a/b/c` -> `a/b`; `a` -> ``; `` stays ``.
fn pop_component(path: &mut Vec<u8>) {
    let keep = path.iter().rposition(|&b| b == b'/').unwrap_or(0);
    path.truncate(keep);
}

fn joined(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(parent.len() + 1 + name.len());
    v.extend_from_slice(parent);
    push_component(&mut v, name);
    v
}

/// Split `a/b/c` into (`a/b`, `c`).
fn split_parent(rel: &[u8]) -> (&[u8], &[u8]) {
    match rel.iter().rposition(|&b| b == b'/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => (&[], rel),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Char,
    Block,
    Fifo,
    /// GNU sparse: old format (type `S`) or PAX format (`GNU.sparse.*`).
    Sparse,
    /// A type this tool does not materialise; its data stays in the
    /// tar-split.
    Other,
}

/// The metadata of an entry, applied after it is created.
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    atime: Time,
    mtime: Time,
    xattrs: Vec<(CString, Vec<u8>)>,
}

struct Unpacker<'o> {
    opts: &'o UnpackOptions,
    split: SplitWriter,
    owner: Owner,
    /// The process umask, when known: files are created with their final
    /// permission bits, and chmod is needed only if the umask took some.
    umask: Option<u32>,
    tree: Tree,
    entries: u64,
    /// A `./` entry gave the layer root its metadata.
    root_given: bool,
}

impl Unpacker<'_> {
    fn run(&mut self, input: &mut Input) -> Result<()> {
        let layer = &self.opts.layer;
        let mut pending = Pending::default();
        let mut hdr = [0u8; BLOCK];
        loop {
            let at = input.offset;
            let n = input
                .read_full(&mut hdr)
                .map_err(read_err)
                .with_context(|| layer.clone())?;
            self.split
                .raw(&hdr[..n])
                .with_context(|| format!("{layer}: writing the tar-split"))?;
            if n == 0 {
                if pending.any {
                    bail!("{layer}: {TRUNCATED}: the stream ends after an extended header");
                }
                // A tar without end-of-archive blocks: accepted, as Go's
                // archive/tar accepts it.
                return Ok(());
            }
            if n < BLOCK {
                bail!("{layer}: {TRUNCATED}: the stream ends inside a header at offset {at}");
            }
            if hdr.iter().all(|&b| b == 0) {
                // End of archive. The second zero block, the padding to the
                // record size and anything after are kept verbatim: they
                // are part of the diffID.
                return self.copy_rest(input);
            }
            if !checksum_ok(&hdr) {
                bail!("{layer}: invalid tar header at offset {at} (bad checksum): not a tar stream, or a corrupt one");
            }
            let h = tar::Header::from_byte_slice(&hdr);
            let type_byte = hdr[156];
            let raw_name = || lossy(&header_name(&hdr));
            match type_byte {
                b'x' | b'g' | b'L' | b'K' => {
                    let size = field(&hdr, SIZE)
                        .with_context(|| format!("{layer}: entry {:?}", raw_name()))?;
                    self.meta_entry(input, type_byte, size, &mut pending)
                        .with_context(|| format!("{layer}: entry {:?}", raw_name()))?;
                }
                _ => {
                    let p = std::mem::take(&mut pending);
                    let name = p.name().unwrap_or_else(|| header_name(&hdr));
                    self.entries += 1;
                    self.entry(input, h, p, &name)
                        .with_context(|| format!("{layer}: entry {:?}", lossy(&name)))?;
                }
            }
        }
    }

    fn copy_rest(&mut self, input: &mut Input) -> Result<()> {
        loop {
            let b = input
                .peek()
                .map_err(read_err)
                .with_context(|| self.opts.layer.clone())?;
            if b.is_empty() {
                return Ok(());
            }
            let k = b.len();
            self.split
                .raw(b)
                .with_context(|| format!("{}: writing the tar-split", self.opts.layer))?;
            input.consume(k);
        }
    }

    /// PAX headers, PAX global headers and GNU long names: kept verbatim,
    /// and remembered for the entry that follows.
    fn meta_entry(&mut self, input: &mut Input, ty: u8, size: u64, p: &mut Pending) -> Result<()> {
        if ty == b'g' {
            // Global PAX headers apply to no entry that Docker unpacks. Go
            // hands one out as an entry of its own, which ends whatever
            // extension headers came before it.
            *p = Pending::default();
            copy_raw(input, &mut self.split, size)?;
        } else {
            let data = read_meta(input, &mut self.split, size)?;
            match ty {
                // A second PAX header replaces the first, as in Go.
                b'x' => {
                    p.pax = Pax::default();
                    parse_pax(&data, &mut p.pax)?
                }
                _ => {
                    // GNU long names are NUL-terminated within their data.
                    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                    let v = data[..end].to_vec();
                    if ty == b'L' {
                        // Empty, it names nothing (Go ignores it).
                        p.long_name = (!v.is_empty()).then_some(v);
                    } else {
                        p.long_link = (!v.is_empty()).then_some(v);
                    }
                }
            }
            p.any = true;
        }
        copy_raw(input, &mut self.split, padding(size))
    }

    fn entry(&mut self, input: &mut Input, h: &tar::Header, p: Pending, name: &[u8]) -> Result<()> {
        let hdr = h.as_bytes();
        let header_size = parse_signed(&hdr[SIZE.0])
            .ok_or_else(|| anyhow!("invalid size field in tar header"))?;
        let kind = match hdr[156] {
            b'0' | b'7' if p.pax.sparse.present => Kind::Sparse,
            // A V7 "regular file" whose name ends in a slash is a directory.
            0 if name.ends_with(b"/") => Kind::Dir,
            0 if p.pax.sparse.present => Kind::Sparse,
            b'0' | b'7' | 0 => Kind::File,
            b'1' => Kind::Hardlink,
            b'2' => Kind::Symlink,
            b'3' => Kind::Char,
            b'4' => Kind::Block,
            b'5' => Kind::Dir,
            b'6' => Kind::Fifo,
            b'S' => Kind::Sparse,
            _ => Kind::Other,
        };
        // Go's archive/tar: header-only types carry no data (whatever
        // their size field says, negative included).
        let size = match kind {
            Kind::Dir | Kind::Symlink | Kind::Hardlink | Kind::Char | Kind::Block | Kind::Fifo => 0,
            _ if header_size < 0 => bail!("invalid size field in tar header"),
            _ => p.pax.size.unwrap_or(header_size as u64),
        };
        let rel = normalise(name);
        let (parent, base) = split_parent(&rel);

        // Whiteouts (overlay form) and AUFS metadata: the header is kept
        // in the tar-split, the data too if there is any.
        let whiteout = base.starts_with(WHITEOUT_PREFIX);
        let aufs_meta = rel
            .split(|&b| b == b'/')
            .next()
            .is_some_and(|c| c.starts_with(WHITEOUT_META_PREFIX));
        if whiteout || aufs_meta || kind == Kind::Other {
            if base == WHITEOUT_OPAQUE {
                self.opaque(parent)?;
            } else if whiteout && !base.starts_with(WHITEOUT_META_PREFIX) {
                let meta = self.meta(h, &p)?;
                self.whiteout(parent, &base[WHITEOUT_PREFIX.len()..], &meta)?;
            }
            // Anything else under `.wh..wh.` is AUFS bookkeeping (hard
            // link dirs), which Docker does not unpack either.
            copy_raw(input, &mut self.split, size)?;
            return copy_raw(input, &mut self.split, padding(size));
        }
        if rel.is_empty() {
            if kind != Kind::Dir {
                bail!("entry would replace the layer's root directory");
            }
            // `./` itself: the layer root takes the entry's metadata, as
            // with Docker.
            let meta = self.meta(h, &p)?;
            self.root_given = true;
            let root = self.tree.root.as_raw_fd();
            self.dir_meta(root, c".", &rel, false, meta)?;
            return copy_raw(input, &mut self.split, padding(size));
        }
        let meta = self.meta(h, &p)?;
        let cname = sys::cstr(base)?;
        let (rel, pfd) = self.tree.place(rel)?;
        match kind {
            Kind::File => {
                let perm = meta.mode & 0o777;
                let mut f = match sys::create_excl(pfd, &cname, perm) {
                    Err(e) if errno(&e) == libc::EEXIST => {
                        self.tree.clear(pfd, &rel, &cname, false)?;
                        sys::create_excl(pfd, &cname, perm)
                    }
                    r => r,
                }
                .context("creating file")?;
                let ord = self
                    .split
                    .file(&rel, size)
                    .context("writing the tar-split")?;
                self.tree.live.insert(rel.clone(), (ord, size));
                copy_to_file(input, &mut f, size)?;
                self.file_meta(&f, &meta)?;
            }
            Kind::Sparse => {
                let perm = meta.mode & 0o777;
                let f = match sys::create_excl(pfd, &cname, perm) {
                    Err(e) if errno(&e) == libc::EEXIST => {
                        self.tree.clear(pfd, &rel, &cname, false)?;
                        sys::create_excl(pfd, &cname, perm)
                    }
                    r => r,
                }
                .context("creating file")?;
                self.sparse(input, h, &p.pax.sparse, &f, size)?;
                self.file_meta(&f, &meta)?;
            }
            Kind::Dir => self.dir(&rel, pfd, &cname, meta)?,
            Kind::Symlink => {
                let target = p.link().unwrap_or_else(|| header_link(hdr));
                let target = sys::cstr(&target)?;
                match sys::symlinkat(&target, pfd, &cname) {
                    Err(e) if errno(&e) == libc::EEXIST => {
                        self.tree.clear(pfd, &rel, &cname, false)?;
                        sys::symlinkat(&target, pfd, &cname)
                    }
                    r => r,
                }
                .context("creating symlink")?;
                self.node_meta(pfd, &cname, &meta, false)?;
            }
            Kind::Hardlink => {
                let target = p.link().unwrap_or_else(|| header_link(hdr));
                self.hardlink(&rel, pfd, &cname, &target)?;
            }
            Kind::Char | Kind::Block | Kind::Fifo => {
                let ty = match kind {
                    Kind::Char => libc::S_IFCHR,
                    Kind::Block => libc::S_IFBLK,
                    _ => libc::S_IFIFO,
                };
                let dev = |r| {
                    field(hdr, r)
                        .and_then(|v| u32::try_from(v).context("device number out of range"))
                };
                let (major, minor) = (dev(DEV_MAJOR)?, dev(DEV_MINOR)?);
                let mode = ty | (meta.mode & 0o7777);
                let res = match sys::mknodat(pfd, &cname, mode, major, minor) {
                    Err(e) if errno(&e) == libc::EEXIST => {
                        self.tree.clear(pfd, &rel, &cname, false)?;
                        sys::mknodat(pfd, &cname, mode, major, minor)
                    }
                    r => r,
                };
                match res {
                    Ok(()) => self.node_meta(pfd, &cname, &meta, true)?,
                    // Without CAP_MKNOD (rootless) device nodes cannot be
                    // made; Docker and Podman skip them there too. The
                    // tar-split still has the header.
                    Err(e) if errno(&e) == libc::EPERM => {}
                    Err(e) => return Err(e).context("creating device node"),
                }
            }
            Kind::Other => unreachable!("handled above"),
        }
        if kind != Kind::File && kind != Kind::Sparse {
            copy_raw(input, &mut self.split, size)?;
        }
        copy_raw(input, &mut self.split, padding(size))
    }

    fn meta(&self, h: &tar::Header, p: &Pending) -> Result<Meta> {
        let id = |v: u64, what: &str| {
            u32::try_from(v).map_err(|_| anyhow!("{what} {v} is out of range"))
        };
        let hdr = h.as_bytes();
        let uid = id(p.pax.uid.map_or_else(|| field(hdr, UID), Ok)?, "uid")?;
        let gid = id(p.pax.gid.map_or_else(|| field(hdr, GID), Ok)?, "gid")?;
        let mtime = match p.pax.mtime {
            Some(t) => t,
            // Before 1970 in base-256, as GNU tar and Go write it.
            None => (
                parse_signed(&hdr[MTIME.0])
                    .ok_or_else(|| anyhow!("invalid mtime field in tar header"))?,
                0,
            ),
        };
        // Docker: "last access time should never be before last modified time".
        let atime = p.pax.atime.filter(|&a| a > mtime).unwrap_or(mtime);
        let mut xattrs = Vec::with_capacity(p.pax.xattrs.len());
        for (k, v) in &p.pax.xattrs {
            // A layer must not forge overlayfs' own metadata (redirect,
            // metacopy, origin, opaque): the kernel trusts it and would,
            // for example, follow a redirect into another layer. Opaque
            // dirs come only from `.wh..wh..opq` entries.
            if k.starts_with(b"trusted.overlay.") || k.starts_with(b"user.overlay.") {
                continue;
            }
            xattrs.push((sys::cstr(k)?, v.clone()));
        }
        Ok(Meta {
            mode: field(hdr, MODE)? as u32 & 0o7777,
            uid,
            gid,
            atime,
            mtime,
            xattrs,
        })
    }

    /// Owner, mode, xattrs and times of a regular file, through its fd.
    fn file_meta(&self, f: &File, m: &Meta) -> Result<()> {
        let fd = f.as_raw_fd();
        let chowned = self.needs_chown(m, true);
        if chowned {
            sys::fchown(fd, m.uid, m.gid)
                .with_context(|| format!("changing owner to {}:{}", m.uid, m.gid))?;
        }
        if self.needs_chmod(m, chowned) {
            sys::fchmod(fd, m.mode).context("setting mode")?;
        }
        set_xattrs(m, |k, v| sys::fsetxattr(fd, k, v))?;
        sys::futimens(fd, m.atime, m.mtime).context("setting times")
    }

    /// The same for an inode that cannot be opened (symlink, device,
    /// fifo), by name relative to its parent.
    fn node_meta(&self, pfd: RawFd, name: &CStr, m: &Meta, chmod: bool) -> Result<()> {
        let chowned = self.needs_chown(m, true);
        if chowned {
            sys::lchownat(pfd, name, m.uid, m.gid)
                .with_context(|| format!("changing owner to {}:{}", m.uid, m.gid))?;
        }
        if chmod && self.needs_chmod(m, chowned) {
            sys::fchmodat(pfd, name, m.mode).context("setting mode")?;
        }
        set_xattrs(m, |k, v| sys::lsetxattrat(pfd, name, k, v))?;
        sys::lutimensat(pfd, name, m.atime, m.mtime).context("setting times")
    }

    fn dir(&mut self, rel: &[u8], pfd: RawFd, name: &CStr, m: Meta) -> Result<()> {
        let fresh = match sys::mkdirat(pfd, name, DIR_WORK_MODE) {
            Err(e) if errno(&e) == libc::EEXIST => {
                // An existing directory is merged into, as tar does; a
                // file in the way is replaced.
                let kept = self.tree.clear(pfd, rel, name, true)?;
                if !kept {
                    sys::mkdirat(pfd, name, DIR_WORK_MODE).context("creating directory")?;
                    // What this layer had here (a file, a symlink, a
                    // whiteout) replaced whatever the layers below have at
                    // this path, so their directory must not show through
                    // the new one: applied in order, the changeset leaves
                    // only this layer's entries in it.
                    let fd = sys::openat(pfd, name, libc::O_RDONLY | libc::O_DIRECTORY)
                        .context("opening directory")?;
                    self.tree.mark_opaque(fd.as_raw_fd(), rel)?;
                }
                !kept
            }
            r => r.context("creating directory").map(|()| true)?,
        };
        self.dir_meta(pfd, name, rel, fresh, m)
    }

    /// Owner and xattrs of directory `name` in `pfd` now; mode and times
    /// once every entry is written.
    fn dir_meta(
        &mut self,
        pfd: RawFd,
        name: &CStr,
        rel: &[u8],
        fresh: bool,
        m: Meta,
    ) -> Result<()> {
        if self.needs_chown(&m, fresh) {
            sys::lchownat(pfd, name, m.uid, m.gid)
                .with_context(|| format!("changing owner to {}:{}", m.uid, m.gid))?;
        }
        if !m.xattrs.is_empty() {
            let fd = sys::openat(pfd, name, libc::O_RDONLY | libc::O_DIRECTORY)
                .context("opening directory")?;
            set_xattrs(&m, |k, v| sys::fsetxattr(fd.as_raw_fd(), k, v))?;
        }
        // Mode and times wait until every child is written: see finish_dirs.
        self.tree.dirs.push(DirMeta {
            rel: rel.to_vec(),
            mode: m.mode,
            atime: m.atime,
            mtime: m.mtime,
        });
        Ok(())
    }

    /// A hard link. Its target is resolved as containerd resolves it: its
    /// directory part as written (an absolute one is inside the layer,
    /// symlinks are followed inside the root, `..` goes up from where they
    /// led and stops at the root), then its last component, not followed
    /// (a link to a symlink links the symlink).
    fn hardlink(&mut self, rel: &[u8], pfd: RawFd, name: &CStr, target: &[u8]) -> Result<()> {
        let shown = lossy(target);
        let trimmed = target.strip_suffix(b"/").unwrap_or(target);
        let (tparent, tbase) = split_parent(trimmed);
        let (tparent, tbase) = if matches!(tbase, b"" | b"." | b"..") {
            // Names a directory (or the root): cleaned whole, and refused
            // below when it is the root.
            let all = normalise(target);
            let (p, b) = split_parent(&all);
            (p.to_vec(), b.to_vec())
        } else {
            (tparent.to_vec(), tbase.to_vec())
        };
        if tbase.is_empty() {
            bail!("hard link target {shown:?} is the layer root");
        }
        let (tparent, tbase) = (&tparent[..], &tbase[..]);
        let not_here = || {
            anyhow!("hard link target {shown:?} is not in this layer (it must come earlier in the same tar)")
        };
        let Some(tfd) = self
            .tree
            .find_dir(tparent)
            .with_context(|| format!("hard link target {shown:?}"))?
        else {
            return Err(not_here());
        };
        let tname = sys::cstr(tbase)?;
        // What this layer deleted is not there to link to.
        if sys::lstatat(tfd.as_raw_fd(), &tname).is_ok_and(|st| sys::is_whiteout(&st)) {
            return Err(not_here());
        }
        let res = match sys::linkat(tfd.as_raw_fd(), &tname, pfd, name) {
            Err(e) if errno(&e) == libc::EEXIST => {
                self.tree.clear(pfd, rel, name, false)?;
                sys::linkat(tfd.as_raw_fd(), &tname, pfd, name)
            }
            r => r,
        };
        match res {
            Ok(()) => Ok(()),
            Err(e) if errno(&e) == libc::ENOENT => Err(not_here()),
            Err(e) => Err(e).with_context(|| format!("creating hard link to {shown:?}")),
        }
    }

    /// `DIR/.wh.NAME`: NAME is deleted from the layers below, which in
    /// this layer is a 0:0 character device at DIR/NAME: how overlayfs
    /// spells a whiteout.
    fn whiteout(&mut self, parent: &[u8], name: &[u8], m: &Meta) -> Result<()> {
        if name.is_empty() || name == b"." || name == b".." {
            bail!("invalid whiteout name");
        }
        let cname = sys::cstr(name)?;
        let (rel, pfd) = self.tree.place(joined(parent, name))?;
        match sys::lstatat(pfd, &cname) {
            // The OCI rule: a whiteout applies to the layers below only,
            // and what this layer put at the path stays. A non-directory
            // of this layer hides theirs already; a directory of this
            // layer is made opaque, so that theirs is hidden and its own
            // entries are kept.
            Ok(st) if sys::is_dir(&st) => {
                let fd = sys::openat(pfd, &cname, libc::O_RDONLY | libc::O_DIRECTORY)
                    .context("opening directory")?;
                return self.tree.mark_opaque(fd.as_raw_fd(), &rel);
            }
            Ok(_) => return Ok(()),
            Err(e) if errno(&e) == libc::ENOENT => {}
            Err(e) => return Err(e).context("inspecting the whited-out path"),
        }
        // mknod of a 0:0 char device needs no CAP_MKNOD since Linux 5.8
        // (whiteouts in user namespaces).
        sys::mknodat(pfd, &cname, libc::S_IFCHR, 0, 0).context("creating whiteout device")?;
        if self.needs_chown(m, true) {
            sys::lchownat(pfd, &cname, m.uid, m.gid)
                .with_context(|| format!("changing owner to {}:{}", m.uid, m.gid))?;
        }
        Ok(())
    }

    /// `DIR/.wh..wh..opq`: DIR hides everything below it in lower layers.
    /// Wherever the marker is in the tar, it hides the lower layers' DIR
    /// only: the entries this layer puts in DIR, before or after the
    /// marker, stay. An overlay xattr says exactly that.
    fn opaque(&mut self, dir: &[u8]) -> Result<()> {
        let (canon, pfd) = self.tree.parent_fd(dir)?;
        let fd = sys::openat(pfd, c".", libc::O_RDONLY | libc::O_DIRECTORY)
            .context("opening directory")?;
        self.tree
            .mark_opaque(fd.as_raw_fd(), canon.as_deref().unwrap_or(dir))
    }

    /// Materialise a GNU sparse entry: its data (and, in format 1.0, the
    /// map before it) goes to the tar-split verbatim and, at the offsets
    /// the map gives, to the file.
    fn sparse(
        &mut self,
        input: &mut Input,
        h: &tar::Header,
        ps: &PaxSparse,
        f: &File,
        size: u64,
    ) -> Result<()> {
        let hdr = h.as_bytes();
        let bad = || anyhow!("invalid sparse map");
        let mut data_left = size;
        let (real_size, segs): (u64, Vec<(u64, u64)>) = if hdr[156] == b'S' {
            // Old GNU format: four slots in the header, 21 in each
            // extension block that follows it (before the data).
            let mut segs = Vec::new();
            let mut push = |slot: &[u8]| -> Option<()> {
                let off = parse_numeric(&slot[..12])?;
                let len = parse_numeric(&slot[12..24])?;
                if off != 0 || len != 0 {
                    segs.push((off, len));
                }
                Some(())
            };
            for i in 0..4 {
                push(&hdr[386 + i * 24..410 + i * 24]).ok_or_else(bad)?;
            }
            let mut extended = hdr[482] != 0;
            let mut ext = [0u8; BLOCK];
            let mut blocks = 0;
            while extended {
                blocks += 1;
                if blocks > 1 << 16 || input.read_full(&mut ext).map_err(read_err)? < BLOCK {
                    bail!(TRUNCATED);
                }
                self.split.raw(&ext)?;
                for i in 0..21 {
                    push(&ext[i * 24..i * 24 + 24]).ok_or_else(bad)?;
                }
                extended = ext[504] != 0;
            }
            (parse_numeric(&hdr[483..495]).ok_or_else(bad)?, segs)
        } else {
            let mut flat = ps.map.clone();
            if ps.major == Some(1) && ps.minor == Some(0) {
                // Format 1.0: the map is in the data, decimal lines padded
                // to a block: count, then offset and length per segment.
                let mut map = Vec::new();
                loop {
                    let mut block = [0u8; BLOCK];
                    if data_left < BLOCK as u64
                        || input.read_full(&mut block).map_err(read_err)? < BLOCK
                    {
                        bail!(TRUNCATED);
                    }
                    self.split.raw(&block)?;
                    data_left -= BLOCK as u64;
                    map.extend_from_slice(&block);
                    let lines = map.iter().filter(|&&b| b == b'\n').count();
                    let count = map
                        .iter()
                        .position(|&b| b == b'\n')
                        .map(|i| parse_u64(&map[..i]))
                        .transpose()?;
                    if let Some(c) = count {
                        if c > 1 << 20 {
                            return Err(bad());
                        }
                        if lines as u64 > 2 * c {
                            let nums: Vec<u64> = map
                                .split(|&b| b == b'\n')
                                .skip(1)
                                .take(2 * c as usize)
                                .map(parse_u64)
                                .collect::<Result<_>>()?;
                            flat = nums;
                            break;
                        }
                    }
                    if map.len() as u64 > MAX_META {
                        return Err(bad());
                    }
                }
            }
            if !flat.len().is_multiple_of(2) {
                return Err(bad());
            }
            let segs = flat.chunks(2).map(|c| (c[0], c[1])).collect();
            (ps.real_size.ok_or_else(bad)?, segs)
        };
        let mut total = 0u64;
        for &(off, len) in &segs {
            if off.checked_add(len).is_none_or(|end| end > real_size) {
                return Err(bad());
            }
            total = total.checked_add(len).ok_or_else(bad)?;
        }
        if total != data_left {
            return Err(bad());
        }
        for (off, len) in segs {
            let mut pos = off;
            let mut n = len;
            while n > 0 {
                let b = input.peek().map_err(read_err)?;
                if b.is_empty() {
                    bail!(TRUNCATED);
                }
                let k = (b.len() as u64).min(n) as usize;
                self.split.raw(&b[..k])?;
                f.write_all_at(&b[..k], pos).context("writing file")?;
                input.consume(k);
                pos += k as u64;
                n -= k as u64;
            }
        }
        f.set_len(real_size).context("setting file size")
    }
}

impl Unpacker<'_> {
    /// Whether an inode needs a chown to get the entry's owner: not when
    /// it was just created and so already belongs to that user and group.
    fn needs_chown(&self, m: &Meta, fresh: bool) -> bool {
        self.opts.chown && !(fresh && self.owner.is(m.uid, m.gid))
    }

    /// Whether the mode must be set after creation: when the umask took
    /// bits, for setuid/setgid/sticky (which creation does not reliably
    /// set), and after a chown, which clears setuid and setgid.
    fn needs_chmod(&self, m: &Meta, chowned: bool) -> bool {
        chowned || m.mode & 0o7000 != 0 || self.umask.is_none_or(|u| u & m.mode != 0)
    }
}

/// Who owns the inodes this process creates.
struct Owner {
    uid: u32,
    gid: u32,
    /// False when the layer root is setgid: new inodes below it then take
    /// its group, not ours, so no chown may be skipped.
    exact: bool,
}

impl Owner {
    fn new(root: &libc::stat) -> Owner {
        // SAFETY: these calls cannot fail.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let exact = root.st_mode & libc::S_ISGID == 0;
        Owner { uid, gid, exact }
    }

    fn is(&self, uid: u32, gid: u32) -> bool {
        self.exact && self.uid == uid && self.gid == gid
    }
}

/// The umask, read without changing it (`Umask:` in /proc/self/status,
/// Linux >= 4.7): umask(2) can only be read by setting it, which would
/// race with other threads creating files.
fn read_umask() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let v = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(v.trim(), 8).ok()
}

/// Copy `n` bytes of the stream into a file.
fn copy_to_file(input: &mut Input, f: &mut File, mut n: u64) -> Result<()> {
    while n > 0 {
        let b = input.peek().map_err(read_err)?;
        if b.is_empty() {
            bail!(TRUNCATED);
        }
        let k = (b.len() as u64).min(n) as usize;
        f.write_all(&b[..k]).context("writing file")?;
        input.consume(k);
        n -= k as u64;
    }
    Ok(())
}

/// Set the entry's xattrs. `EPERM` and `ENOTSUP` are skipped: unpacking
/// without root cannot set `trusted.*` or `security.*`, `user.*` is not
/// allowed on symlinks and devices, and some file systems have no xattrs
/// at all (Docker skips the same two errors).
fn set_xattrs(m: &Meta, mut set: impl FnMut(&CStr, &[u8]) -> io::Result<()>) -> Result<()> {
    for (k, v) in &m.xattrs {
        match set(k, v) {
            Ok(()) => {}
            Err(e) if matches!(errno(&e), libc::EPERM | libc::ENOTSUP) => {}
            Err(e) => return Err(e).with_context(|| format!("setting xattr {k:?}")),
        }
    }
    Ok(())
}

struct DirMeta {
    rel: Vec<u8>,
    mode: u32,
    atime: Time,
    mtime: Time,
}

/// The `diff/` directory being filled, and what unpacking must remember
/// about it.
struct Tree {
    root: OwnedFd,
    diff_dir: PathBuf,
    opaque_xattr: OpaqueXattr,
    /// The parent directory of the last entry, by its path on disk (no
    /// symlink in it): tars list a directory's children together, so this
    /// saves a path walk per entry.
    cache: Option<(Vec<u8>, OwnedFd)>,
    /// Regular files whose content the tar-split refers to: path ->
    /// (ordinal of the file record, size). Sorted, so that the files under
    /// a removed directory can be found.
    live: BTreeMap<Vec<u8>, (u64, u64)>,
    stash: Stash,
    dirs: Vec<DirMeta>,
}

/// Symlinks followed while resolving one path before giving up, as
/// containerd's `fs.RootPath` gives up.
const MAX_LINKS: usize = 255;

/// What the fast path meets when a path is not plain directories: a
/// symlink (`ELOOP`, `EXDEV`) or a non-directory (`ENOTDIR`).
fn not_plain(e: &io::Error) -> bool {
    matches!(errno(e), libc::ELOOP | libc::ENOTDIR | libc::EXDEV)
}

impl Tree {
    /// Where entry `rel` (normalised, not the root) goes: its path on disk
    /// (the parent resolved by [`Tree::parent_fd`], then the entry's own
    /// name, which is never followed) and an fd of that parent.
    fn place(&mut self, rel: Vec<u8>) -> Result<(Vec<u8>, RawFd)> {
        let (parent, base) = split_parent(&rel);
        match self.parent_fd(parent)? {
            (None, fd) => Ok((rel, fd)),
            (Some(canon), fd) => Ok((joined(&canon, base), fd)),
        }
    }

    /// An fd of directory `rel` (relative to the root), created with its
    /// missing ancestors if needed, and its path on disk when that is not
    /// `rel`. The path is resolved as containerd resolves an entry's
    /// parent: a symlink that an earlier entry of this layer made is
    /// followed, inside the root (an absolute target starts again at the
    /// root, `..` stops there). Nothing is ever reached outside the root
    /// (CVE-2018-15664 and the many tar extraction bugs like it): every
    /// step is a `*at` call from a directory already inside, through no
    /// symlink the kernel follows.
    fn parent_fd(&mut self, rel: &[u8]) -> Result<(Option<Vec<u8>>, RawFd)> {
        if rel.is_empty() {
            return Ok((None, self.root.as_raw_fd()));
        }
        if let Some((p, fd)) = &self.cache {
            if p == rel {
                return Ok((None, fd.as_raw_fd()));
            }
        }
        let shown = || format!("opening parent directory {:?}", lossy(rel));
        let root = self.root.as_raw_fd();
        // Nearly every layer: plain directories, or missing ones.
        let fast = match sys::open_beneath(root, rel, libc::O_PATH | libc::O_DIRECTORY) {
            Err(e) if errno(&e) == libc::ENOENT => self.create_dirs(rel),
            r => r,
        };
        let (canon, fd) = match fast {
            Ok(fd) => (None, fd),
            Err(e) if not_plain(&e) => match self.resolve(rel, true)? {
                Some((canon, fd)) => (Some(canon), fd),
                None => unreachable!("resolve creates what is missing"),
            },
            Err(e) => return Err(e).with_context(shown),
        };
        let raw = fd.as_raw_fd();
        let key = canon.clone().unwrap_or_else(|| rel.to_vec());
        self.cache = Some((key, fd));
        Ok((canon, raw))
    }

    /// An fd of existing directory `rel`, resolved as [`Tree::parent_fd`]
    /// resolves, creating nothing; `None` when it does not exist.
    fn find_dir(&self, rel: &[u8]) -> Result<Option<OwnedFd>> {
        let root = self.root.as_raw_fd();
        match sys::open_beneath(root, rel, libc::O_PATH | libc::O_DIRECTORY) {
            Ok(fd) => Ok(Some(fd)),
            Err(e) if errno(&e) == libc::ENOENT => Ok(None),
            Err(e) if not_plain(&e) => Ok(self.resolve(rel, false)?.map(|(_, fd)| fd)),
            Err(e) => Err(e).with_context(|| format!("opening directory {:?}", lossy(rel))),
        }
    }

    /// Walk `rel` a component at a time, creating what is missing. A
    /// whiteout that an earlier entry of this layer made in the way
    /// becomes a directory that hides what the layers below have there
    /// (they were deleted; only this layer's entries are in it now).
    fn create_dirs(&self, rel: &[u8]) -> io::Result<OwnedFd> {
        let mut cur = sys::openat(
            self.root.as_raw_fd(),
            c".",
            libc::O_PATH | libc::O_DIRECTORY,
        )?;
        for c in rel.split(|&b| b == b'/') {
            let name = sys::cstr(c)?;
            let dir = cur.as_raw_fd();
            cur = match sys::openat(dir, &name, libc::O_PATH | libc::O_DIRECTORY) {
                Err(e) if errno(&e) == libc::ENOENT => {
                    mkdir_implicit(dir, &name)?;
                    sys::openat(dir, &name, libc::O_PATH | libc::O_DIRECTORY)
                }
                Err(e)
                    if errno(&e) == libc::ENOTDIR
                        && sys::lstatat(dir, &name).is_ok_and(|st| sys::is_whiteout(&st)) =>
                {
                    sys::unlinkat(dir, &name, 0)?;
                    mkdir_implicit(dir, &name)?;
                    let fd = sys::openat(dir, &name, libc::O_RDONLY | libc::O_DIRECTORY)?;
                    self.mark_opaque(fd.as_raw_fd(), rel)
                        .map_err(|e| io::Error::other(format!("{e:#}")))?;
                    sys::openat(dir, &name, libc::O_PATH | libc::O_DIRECTORY)
                }
                r => r,
            }?;
        }
        Ok(cur)
    }

    /// The path on disk of directory `rel`, found one component at a
    /// time as containerd's `fs.RootPath` finds it, and an fd of it. Each
    /// component is looked at with `lstat` in a directory opened beneath
    /// the root through no symlink; a symlink's target is walked in its
    /// place (from the root when absolute); `..` drops the last component,
    /// and at the root stays there. A missing component (or one this
    /// layer whited out) and all after it are taken as written; with
    /// `create` they are made at the end, else the answer is `None`.
    fn resolve(&self, rel: &[u8], create: bool) -> Result<Option<(Vec<u8>, OwnedFd)>> {
        let root = self.root.as_raw_fd();
        let mut todo: std::collections::VecDeque<Vec<u8>> =
            rel.split(|&b| b == b'/').map(<[u8]>::to_vec).collect();
        let mut out = Vec::new();
        // How much of `out` exists (as directories).
        let mut found = 0;
        let mut links = 0;
        while let Some(c) = todo.pop_front() {
            match &c[..] {
                b"" | b"." => continue,
                b".." => {
                    pop_component(&mut out);
                    found = found.min(out.len());
                    continue;
                }
                _ => {}
            }
            let at = joined(&out, &c);
            if found < out.len() {
                out = at;
                continue;
            }
            let dir = sys::open_beneath(root, &out, libc::O_PATH | libc::O_DIRECTORY)
                .with_context(|| format!("opening directory {:?}", lossy(&out)))?;
            let dir = dir.as_raw_fd();
            let name = sys::cstr(&c)?;
            match sys::lstatat(dir, &name) {
                Ok(st) if sys::is_dir(&st) => found = at.len(),
                Ok(st) if sys::is_symlink(&st) => {
                    links += 1;
                    if links > MAX_LINKS {
                        bail!(
                            "resolving {:?}: more than {MAX_LINKS} symlinks (a loop?)",
                            lossy(rel)
                        );
                    }
                    let target = sys::readlinkat(dir, &name)
                        .with_context(|| format!("reading symlink {:?}", lossy(&at)))?;
                    // As containerd: a relative target is joined to the
                    // link's directory and the result cleaned as a string
                    // (`x/../y` is `y`, whatever `x` is), and the walk
                    // starts again from the root with it.
                    let mut next = if target.starts_with(b"/") {
                        Vec::new()
                    } else {
                        out.clone()
                    };
                    for t in target.split(|&b| b == b'/') {
                        match t {
                            b"" | b"." => {}
                            b".." => pop_component(&mut next),
                            _ => push_component(&mut next, t),
                        }
                    }
                    for t in next.split(|&b| b == b'/').rev() {
                        todo.push_front(t.to_vec());
                    }
                    out.clear();
                    found = 0;
                    continue;
                }
                Ok(st) if sys::is_whiteout(&st) => {}
                Ok(_) => bail!("parent {:?} is not a directory", lossy(&at)),
                Err(e) if errno(&e) == libc::ENOENT => {}
                Err(e) => return Err(e).with_context(|| format!("inspecting {:?}", lossy(&at))),
            }
            out = at;
        }
        let shown = || format!("opening directory {:?}", lossy(&out));
        let fd = if found == out.len() {
            sys::open_beneath(root, &out, libc::O_PATH | libc::O_DIRECTORY).with_context(shown)?
        } else if create {
            self.create_dirs(&out).with_context(shown)?
        } else {
            return Ok(None);
        };
        Ok(Some((out, fd)))
    }

    /// Mark directory `fd` (at `rel`) opaque: the layers below it are not
    /// seen through it.
    fn mark_opaque(&self, fd: RawFd, rel: &[u8]) -> Result<()> {
        let keys: &[&CStr] = match self.opaque_xattr {
            OpaqueXattr::Trusted => &[c"trusted.overlay.opaque", c"user.overlay.opaque"],
            OpaqueXattr::User => &[c"user.overlay.opaque"],
        };
        for key in keys {
            sys::fsetxattr(fd, key, b"y")
                .with_context(|| format!("setting {key:?} on {:?}", lossy(rel)))?;
        }
        Ok(())
    }

    /// Make room at `name` in `pfd` (path `rel`) for a new entry. An
    /// existing directory is kept when `keep_dir` (returns true then);
    /// anything else is removed, after the content of the files the
    /// tar-split refers to has been stashed.
    fn clear(&mut self, pfd: RawFd, rel: &[u8], name: &CStr, keep_dir: bool) -> Result<bool> {
        let st = sys::lstatat(pfd, name).context("inspecting the existing entry")?;
        if sys::is_dir(&st) {
            if keep_dir {
                return Ok(true);
            }
            self.stash_under(rel)?;
            sys::remove_tree_at(pfd, name).context("removing the existing directory")?;
            // Nothing cached may point into the removed tree, and its
            // directories' deferred metadata is void.
            if let Some((p, _)) = &self.cache {
                if p.starts_with(rel) && (p.len() == rel.len() || p[rel.len()] == b'/') {
                    self.cache = None;
                }
            }
            self.dirs.retain(|d| {
                !(d.rel.starts_with(rel) && (d.rel.len() == rel.len() || d.rel[rel.len()] == b'/'))
            });
        } else {
            if let Some((ord, size)) = self.live.remove(rel) {
                self.stash_file(rel, ord, size)?;
            }
            sys::unlinkat(pfd, name, 0).context("removing the existing entry")?;
        }
        Ok(false)
    }

    fn stash_under(&mut self, dir: &[u8]) -> Result<()> {
        let mut lo = dir.to_vec();
        lo.push(b'/');
        let mut hi = dir.to_vec();
        hi.push(b'/' + 1);
        let under: Vec<(Vec<u8>, (u64, u64))> = self
            .live
            .range(lo..hi)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (rel, (ord, size)) in under {
            self.live.remove(&rel);
            self.stash_file(&rel, ord, size)?;
        }
        Ok(())
    }

    /// Copy the on-disk content of an earlier file record before the file
    /// is replaced, so that the tar-split can carry it inline.
    fn stash_file(&mut self, rel: &[u8], ord: u64, size: u64) -> Result<()> {
        let ctx = || format!("keeping the earlier content of {:?}", lossy(rel));
        let root = self.root.as_raw_fd();
        let src = match sys::open_beneath(root, rel, libc::O_RDONLY) {
            // Without root, a file of mode 0 cannot be read even by its
            // owner: open it up for the read and put the mode back, as
            // another hard link may still show it.
            Err(e) if errno(&e) == libc::EACCES => {
                let (parent, base) = split_parent(rel);
                let pfd = sys::open_beneath(root, parent, libc::O_PATH | libc::O_DIRECTORY)
                    .with_context(ctx)?;
                let name = sys::cstr(base)?;
                let st = sys::lstatat(pfd.as_raw_fd(), &name).with_context(ctx)?;
                sys::fchmodat(pfd.as_raw_fd(), &name, 0o600).with_context(ctx)?;
                let fd = sys::open_beneath(root, rel, libc::O_RDONLY).with_context(ctx)?;
                sys::fchmod(fd.as_raw_fd(), st.st_mode & 0o7777).with_context(ctx)?;
                Ok(fd)
            }
            r => r,
        }
        .with_context(ctx)?;
        let file = self.stash.file().with_context(ctx)?;
        let n = io::copy(&mut File::from(src).take(size), file).with_context(ctx)?;
        if n != size {
            bail!("{}: it has {n} bytes, expected {size}", ctx());
        }
        self.stash.map.insert(ord, (self.stash.len, size));
        self.stash.len += size;
        Ok(())
    }

    /// Apply directory modes and times, deepest first: a child's times
    /// are set before its parent's (setting them touches no parent), and
    /// a parent that is read-only or unsearchable for its owner gets that
    /// mode only when nothing below it needs to be reached any more.
    fn finish_dirs(&mut self) -> Result<()> {
        let mut dirs = std::mem::take(&mut self.dirs);
        // Stable: of two entries for one directory, the later wins.
        dirs.sort_by_key(|d| {
            std::cmp::Reverse(
                d.rel.iter().filter(|&&b| b == b'/').count() + usize::from(!d.rel.is_empty()),
            )
        });
        self.cache = None;
        for d in dirs {
            let fd = match sys::open_beneath(
                self.root.as_raw_fd(),
                &d.rel,
                libc::O_RDONLY | libc::O_DIRECTORY,
            ) {
                Ok(fd) => fd,
                // Removed or replaced by a later entry.
                Err(e) if matches!(errno(&e), libc::ENOENT | libc::ENOTDIR | libc::ELOOP) => {
                    continue
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("opening {}", self.diff_dir.join(path_of(&d.rel)).display())
                    })
                }
            };
            let ctx = || format!("directory {:?}", lossy(&d.rel));
            sys::futimens(fd.as_raw_fd(), d.atime, d.mtime).with_context(ctx)?;
            sys::fchmod(fd.as_raw_fd(), d.mode).with_context(ctx)?;
        }
        Ok(())
    }
}

/// A directory the tar does not list, made as Docker makes it
/// (`MkdirAll(path, 0755)`, whatever the umask).
fn mkdir_implicit(dir: RawFd, name: &CStr) -> io::Result<()> {
    sys::mkdirat(dir, name, IMPLICIT_DIR_MODE)?;
    sys::fchmodat(dir, name, IMPLICIT_DIR_MODE)
}

fn path_of(rel: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(rel))
}

/// Earlier file contents that a later entry replaced, kept in an
/// anonymous temporary file until the tar-split is rewritten with them
/// inline. Almost no layer needs this, so the common path pays nothing.
struct Stash {
    dir: PathBuf,
    file: Option<File>,
    len: u64,
    /// Ordinal of the file record -> (offset, length) in the stash.
    map: HashMap<u64, (u64, u64)>,
}

impl Stash {
    fn file(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            // O_TMPFILE: nothing to clean up after a crash.
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_TMPFILE)
                .mode(0o600)
                .open(&self.dir)
                .or_else(|_| {
                    let p = self.dir.join(format!(
                        ".tar-split-stash-{}",
                        crate::fsutil::unique_suffix()
                    ));
                    let f = OpenOptions::new()
                        .read(true)
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .open(&p)?;
                    let _ = fs::remove_file(&p);
                    Ok::<File, io::Error>(f)
                })?;
            self.file = Some(f);
        }
        Ok(self.file.as_mut().expect("just set"))
    }

    /// Rewrite `tar_split` with the stashed contents inline in place of
    /// their file records.
    fn rewrite(&self, tar_split: &Path) -> Result<()> {
        let name = tar_split
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp =
            tar_split.with_file_name(format!(".{name}.tmp-{}", crate::fsutil::unique_suffix()));
        let res = (|| -> Result<()> {
            let stash = self.file.as_ref().context("stash file missing")?;
            let mut r = SplitReader::open(tar_split)?;
            let mut w =
                SplitWriter::new(OpenOptions::new().write(true).create_new(true).open(&tmp)?)?;
            let mut ord = 0u64;
            let mut buf = vec![0u8; READ_BUF];
            loop {
                match r.next_record()? {
                    Record::Raw(_) => {
                        io::copy(&mut r.raw_reader(), &mut RawSink(&mut w))?;
                    }
                    Record::File { path, size } => {
                        match self.map.get(&ord) {
                            Some(&(off, len)) => {
                                let mut done = 0;
                                while done < len {
                                    let k = buf.len().min((len - done) as usize);
                                    stash.read_exact_at(&mut buf[..k], off + done)?;
                                    w.raw(&buf[..k])?;
                                    done += k as u64;
                                }
                            }
                            None => {
                                w.file(&path, size)?;
                            }
                        }
                        ord += 1;
                    }
                    Record::End { total } => {
                        w.finish(total)?;
                        break;
                    }
                }
            }
            fs::rename(&tmp, tar_split)?;
            Ok(())
        })();
        if res.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        res
    }
}

/// Raw bytes written into a tar-split.
struct RawSink<'a>(&'a mut SplitWriter);

impl Write for RawSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.raw(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_dotdot_stops_at_the_root() {
        assert_eq!(normalise(b"./a/b/"), b"a/b");
        assert_eq!(normalise(b"/etc//passwd"), b"etc/passwd");
        assert_eq!(normalise(b"./"), b"");
        assert_eq!(normalise(b"a/./b"), b"a/b");
        assert_eq!(normalise(b"../x"), b"x");
        assert_eq!(normalise(b"a/../../x"), b"x");
        assert_eq!(normalise(b"a/b/../c"), b"a/c");
        assert_eq!(normalise(b"a/.."), b"");
        assert_eq!(normalise(b"/../../"), b"");
    }

    #[test]
    fn pax_records_with_binary_values() {
        let mut data = Vec::new();
        for (k, v) in [
            (&b"path"[..], &b"a/b"[..]),
            (b"SCHILY.xattr.security.capability", b"\x01\n\x00x"),
        ] {
            let body_len = k.len() + v.len() + 3; // ' ', '=', '\n'
            let mut len = body_len + 1;
            while len.to_string().len() + body_len != len {
                len += 1;
            }
            data.extend_from_slice(format!("{len} ").as_bytes());
            data.extend_from_slice(k);
            data.push(b'=');
            data.extend_from_slice(v);
            data.push(b'\n');
        }
        data.extend_from_slice(b"30 mtime=1700000000.000000001\n");
        let mut pax = Pax::default();
        parse_pax(&data, &mut pax).unwrap();
        assert_eq!(pax.path.as_deref(), Some(&b"a/b"[..]));
        assert_eq!(
            pax.xattrs,
            vec![(b"security.capability".to_vec(), b"\x01\n\x00x".to_vec())]
        );
        assert_eq!(pax.mtime, Some((1_700_000_000, 1)));
        assert!(parse_pax(b"5 a=b\n", &mut Pax::default()).is_err());
        assert!(parse_pax(b"99 a=b\n", &mut Pax::default()).is_err());
        assert!(parse_pax(b"x", &mut Pax::default()).is_err());
    }

    #[test]
    fn pax_times() {
        assert_eq!(parse_pax_time(b"12").unwrap(), (12, 0));
        assert_eq!(parse_pax_time(b"12.5").unwrap(), (12, 500_000_000));
        assert_eq!(parse_pax_time(b"-1.5").unwrap(), (-2, 500_000_000));
        assert_eq!(parse_pax_time(b"1.1234567891").unwrap(), (1, 123_456_789));
        assert!(parse_pax_time(b"").is_err());
        assert!(parse_pax_time(b"1e5").is_err());
    }

    #[test]
    fn numeric_fields() {
        assert_eq!(parse_numeric(b"0000644\0"), Some(0o644));
        assert_eq!(parse_numeric(b"   17 \0"), Some(0o17));
        assert_eq!(parse_numeric(b"\0\0\0"), Some(0));
        assert_eq!(parse_numeric(&[0x80, 0, 0, 1, 0]), Some(256));
        assert_eq!(parse_numeric(b"9"), None);
        // As Go: trimmed at both ends, cut at a NUL, but no space inside.
        assert_eq!(parse_numeric(b"12\0 34"), Some(0o12));
        assert_eq!(parse_numeric(b"12 34"), None);
        // Base-256: two's complement; a negative id is no id.
        assert_eq!(parse_signed(&[0xff; 8]), Some(-1));
        assert_eq!(parse_numeric(&[0xff; 8]), None);
        assert_eq!(parse_numeric(&[0xc0, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 7]), Some(7));
        // More than 63 bits of magnitude does not fit.
        let mut big = [0xffu8; 12];
        big[0] = 0x80;
        assert_eq!(parse_signed(&big), None);
    }
}
