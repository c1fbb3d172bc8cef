//! Unpacking one uncompressed layer tar into an overlay2 `diff/`
//! directory, in one pass over the stream, while writing the tar-split
//! that lets `rebuild` give back the same bytes.
//!
//! The tar is parsed here block by block rather than through
//! `tar::Archive`, because the tar-split must see every byte of the stream
//! (headers, extension records, padding, the end-of-archive blocks and
//! whatever follows them). Names come from `tar::Header`; numeric fields
//! and PAX records are parsed here, as leniently as Go's `archive/tar`
//! parses them (an all-NUL field is 0, a PAX value may hold a newline).
//! What counts as an entry's data follows Go's `archive/tar`, which
//! produced and consumes nearly every layer in existence: hard links,
//! symlinks, devices, fifos and directories never have data, whatever
//! their size field says.

use super::split::{Record, SplitReader, SplitWriter};
use super::sys::{self, errno, Time};
use super::{OpaqueXattr, UnpackOptions, Unpacked};
use crate::digest::{Digest, HashingReader};
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
    let (diff_id, tar_size) = std::thread::scope(|scope| -> Result<(Digest, u64)> {
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
            Some((digest, count)) if count == offset => Ok((digest, count)),
            Some((_, count)) => bail!("{layer}: read {count} bytes but parsed {offset}"),
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
        diff_id,
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
) -> Option<(Digest, u64)> {
    let mut r = HashingReader::new(tar);
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
        if n > 0 && tx.send(Ok(buf)).is_err() {
            return None;
        }
        if eof {
            let (digest, count, _) = r.finish();
            return Some((digest, count));
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
struct Pending {
    pax: Pax,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    any: bool,
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

/// A numeric header field: octal, or base-256 when the top bit is set
/// (GNU, for values that do not fit).
pub(super) fn parse_numeric(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        if f[0] == 0xff {
            return None; // negative
        }
        let mut v = u64::from(f[0] & 0x7f);
        for &b in &f[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s: Vec<u8> = f
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| b != b' ' && b != 0)
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(std::str::from_utf8(&s).ok()?, 8).ok()
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
    let Some(stored) = parse_numeric(&b[148..156]) else {
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

/// A tar name as a path relative to the layer root: leading `/` and `./`,
/// empty and `.` components dropped (an absolute name is taken as inside
/// the layer, as Docker does). Any `..` is refused outright, even one that
/// would stay inside: it can only come from a hostile or broken writer.
fn normalise(name: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => bail!("path escapes the layer"),
            _ => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(c);
            }
        }
    }
    Ok(out)
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
            let raw_name = || lossy(&h.path_bytes());
            match type_byte {
                b'x' | b'g' | b'L' | b'K' => {
                    let size = field(&hdr, SIZE)
                        .with_context(|| format!("{layer}: entry {:?}", raw_name()))?;
                    self.meta_entry(input, type_byte, size, &mut pending)
                        .with_context(|| format!("{layer}: entry {:?}", raw_name()))?;
                }
                _ => {
                    let p = std::mem::take(&mut pending);
                    let name = p
                        .pax
                        .sparse
                        .name
                        .clone()
                        .or_else(|| p.pax.path.clone())
                        .or_else(|| p.long_name.clone())
                        .unwrap_or_else(|| h.path_bytes().into_owned());
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
            // Global PAX headers apply to no entry that Docker unpacks.
            copy_raw(input, &mut self.split, size)?;
        } else {
            let data = read_meta(input, &mut self.split, size)?;
            match ty {
                b'x' => parse_pax(&data, &mut p.pax)?,
                _ => {
                    // GNU long names are NUL-terminated within their data.
                    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                    let v = data[..end].to_vec();
                    if ty == b'L' {
                        p.long_name = Some(v);
                    } else {
                        p.long_link = Some(v);
                    }
                }
            }
            p.any = true;
        }
        copy_raw(input, &mut self.split, padding(size))
    }

    fn entry(&mut self, input: &mut Input, h: &tar::Header, p: Pending, name: &[u8]) -> Result<()> {
        let hdr = h.as_bytes();
        let header_size = field(hdr, SIZE)?;
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
        // Go's archive/tar: header-only types carry no data.
        let size = match kind {
            Kind::Dir | Kind::Symlink | Kind::Hardlink | Kind::Char | Kind::Block | Kind::Fifo => 0,
            _ => p.pax.size.unwrap_or(header_size),
        };
        let rel = normalise(name)?;
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
        if rel.is_empty() && kind != Kind::Dir {
            bail!("entry would replace the layer's root directory");
        }
        let meta = self.meta(h, &p)?;
        let cname = sys::cstr(base)?;
        match kind {
            Kind::File => {
                let pfd = self.tree.parent_fd(parent)?;
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
                let pfd = self.tree.parent_fd(parent)?;
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
            Kind::Dir => self.dir(&rel, parent, &cname, meta)?,
            Kind::Symlink => {
                let target = p
                    .pax
                    .linkpath
                    .or(p.long_link)
                    .or_else(|| h.link_name_bytes().map(|l| l.into_owned()));
                let target = sys::cstr(&target.unwrap_or_default())?;
                let pfd = self.tree.parent_fd(parent)?;
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
                let target = p
                    .pax
                    .linkpath
                    .or(p.long_link)
                    .or_else(|| h.link_name_bytes().map(|l| l.into_owned()));
                self.hardlink(&rel, parent, &cname, &target.unwrap_or_default())?;
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
                let pfd = self.tree.parent_fd(parent)?;
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
            None => (i64::try_from(field(hdr, MTIME)?).unwrap_or(i64::MAX), 0),
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

    fn dir(&mut self, rel: &[u8], parent: &[u8], name: &CStr, m: Meta) -> Result<()> {
        let (pfd, name, fresh) = if rel.is_empty() {
            // `./` itself: the layer root takes the entry's metadata, as
            // with Docker.
            self.root_given = true;
            (self.tree.root.as_raw_fd(), c".", false)
        } else {
            let pfd = self.tree.parent_fd(parent)?;
            let fresh = match sys::mkdirat(pfd, name, DIR_WORK_MODE) {
                Err(e) if errno(&e) == libc::EEXIST => {
                    // An existing directory is merged into, as tar does; a
                    // file in the way is replaced.
                    let kept = self.tree.clear(pfd, rel, name, true)?;
                    if !kept {
                        sys::mkdirat(pfd, name, DIR_WORK_MODE).context("creating directory")?;
                    }
                    !kept
                }
                r => r.context("creating directory").map(|()| true)?,
            };
            (pfd, name, fresh)
        };
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

    fn hardlink(&mut self, rel: &[u8], parent: &[u8], name: &CStr, target: &[u8]) -> Result<()> {
        let shown = lossy(target);
        let trel = normalise(target).with_context(|| format!("hard link target {shown:?}"))?;
        if trel.is_empty() {
            bail!("hard link target {shown:?} is the layer root");
        }
        let (tparent, tbase) = split_parent(&trel);
        // The target resolves with the same rules as an entry: beneath the
        // root, through no symlink.
        let not_here = || {
            anyhow!("hard link target {shown:?} is not in this layer (it must come earlier in the same tar)")
        };
        let tfd = match sys::open_beneath(
            self.tree.root.as_raw_fd(),
            tparent,
            libc::O_PATH | libc::O_DIRECTORY,
        ) {
            Ok(fd) => fd,
            Err(e) if errno(&e) == libc::ENOENT => return Err(not_here()),
            Err(e) => {
                return Err(self.tree.explain(tparent, e))
                    .with_context(|| format!("hard link target {shown:?}"))
            }
        };
        let tname = sys::cstr(tbase)?;
        let pfd = self.tree.parent_fd(parent)?;
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

    /// `DIR/.wh.NAME`: NAME is deleted from the layers below. In this
    /// layer, whatever is at DIR/NAME goes, and a 0:0 character device
    /// takes its place, which is how overlayfs spells a whiteout.
    fn whiteout(&mut self, parent: &[u8], name: &[u8], m: &Meta) -> Result<()> {
        if name.is_empty() || name == b"." || name == b".." {
            bail!("invalid whiteout name");
        }
        let mut rel = parent.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        let cname = sys::cstr(name)?;
        let pfd = self.tree.parent_fd(parent)?;
        match sys::lstatat(pfd, &cname) {
            Ok(_) => {
                self.tree.clear(pfd, &rel, &cname, false)?;
            }
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
    fn opaque(&mut self, dir: &[u8]) -> Result<()> {
        let pfd = self.tree.parent_fd(dir)?;
        let fd = sys::openat(pfd, c".", libc::O_RDONLY | libc::O_DIRECTORY)
            .context("opening directory")?;
        let keys: &[&CStr] = match self.opts.opaque_xattr {
            OpaqueXattr::Trusted => &[c"trusted.overlay.opaque", c"user.overlay.opaque"],
            OpaqueXattr::User => &[c"user.overlay.opaque"],
        };
        for key in keys {
            sys::fsetxattr(fd.as_raw_fd(), key, b"y")
                .with_context(|| format!("setting {key:?} on {:?}", lossy(dir)))?;
        }
        Ok(())
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
    /// The parent directory of the last entry: tars list a directory's
    /// children together, so this saves a path walk per entry.
    cache: Option<(Vec<u8>, OwnedFd)>,
    /// Regular files whose content the tar-split refers to: path ->
    /// (ordinal of the file record, size). Sorted, so that the files under
    /// a removed directory can be found.
    live: BTreeMap<Vec<u8>, (u64, u64)>,
    stash: Stash,
    dirs: Vec<DirMeta>,
}

impl Tree {
    /// An fd of directory `rel` (relative to the root), created with its
    /// missing ancestors if needed. Never goes through a symlink: that is
    /// how a layer would write outside its directory (a symlink `a ->
    /// /etc`, then an entry `a/passwd`; CVE-2018-15664 and the many tar
    /// extraction bugs like it).
    fn parent_fd(&mut self, rel: &[u8]) -> Result<RawFd> {
        if rel.is_empty() {
            return Ok(self.root.as_raw_fd());
        }
        if let Some((p, fd)) = &self.cache {
            if p == rel {
                return Ok(fd.as_raw_fd());
            }
        }
        let fd =
            match sys::open_beneath(self.root.as_raw_fd(), rel, libc::O_PATH | libc::O_DIRECTORY) {
                Ok(fd) => fd,
                Err(e) if errno(&e) == libc::ENOENT => self.create_dirs(rel)?,
                Err(e) => return Err(self.explain(rel, e)),
            };
        let raw = fd.as_raw_fd();
        self.cache = Some((rel.to_vec(), fd));
        Ok(raw)
    }

    /// Walk `rel` a component at a time, creating what is missing.
    fn create_dirs(&mut self, rel: &[u8]) -> Result<OwnedFd> {
        let mut cur = sys::openat(
            self.root.as_raw_fd(),
            c".",
            libc::O_PATH | libc::O_DIRECTORY,
        )?;
        for (i, c) in rel.split(|&b| b == b'/').enumerate() {
            let name = sys::cstr(c)?;
            let next = match sys::openat(cur.as_raw_fd(), &name, libc::O_PATH | libc::O_DIRECTORY) {
                Err(e) if errno(&e) == libc::ENOENT => {
                    sys::mkdirat(cur.as_raw_fd(), &name, IMPLICIT_DIR_MODE)
                        .and_then(|()| sys::fchmodat(cur.as_raw_fd(), &name, IMPLICIT_DIR_MODE))
                        .and_then(|()| {
                            sys::openat(cur.as_raw_fd(), &name, libc::O_PATH | libc::O_DIRECTORY)
                        })
                }
                r => r,
            };
            cur = match next {
                Ok(fd) => fd,
                Err(e) => {
                    let upto = rel
                        .split(|&b| b == b'/')
                        .take(i + 1)
                        .collect::<Vec<_>>()
                        .join(&b'/');
                    return Err(self.explain(&upto, e));
                }
            };
        }
        Ok(cur)
    }

    /// Turn a failure to open directory `rel` into a message that names
    /// the component at fault.
    fn explain(&self, rel: &[u8], e: io::Error) -> anyhow::Error {
        if matches!(errno(&e), libc::ELOOP | libc::ENOTDIR | libc::EXDEV) {
            let comps: Vec<&[u8]> = rel.split(|&b| b == b'/').collect();
            for i in 1..=comps.len() {
                let prefix = comps[..i].join(&b'/');
                // The components before `prefix` were checked to be real
                // directories in earlier turns, so this lstat goes through
                // no symlink.
                let Ok(c) = sys::cstr(&prefix) else { break };
                match sys::lstatat(self.root.as_raw_fd(), &c) {
                    Ok(st) if sys::is_symlink(&st) => {
                        return anyhow!("parent {:?} is a symlink", lossy(&prefix))
                    }
                    Ok(st) if !sys::is_dir(&st) => {
                        return anyhow!("parent {:?} is not a directory", lossy(&prefix))
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        anyhow::Error::new(e).context(format!("opening parent directory {:?}", lossy(rel)))
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
    fn names_are_normalised_and_dotdot_refused() {
        assert_eq!(normalise(b"./a/b/").unwrap(), b"a/b");
        assert_eq!(normalise(b"/etc//passwd").unwrap(), b"etc/passwd");
        assert_eq!(normalise(b"./").unwrap(), b"");
        assert_eq!(normalise(b"a/./b").unwrap(), b"a/b");
        assert!(normalise(b"../x").is_err());
        assert!(normalise(b"a/../../x").is_err());
        assert!(normalise(b"a/..").is_err());
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
    }
}
