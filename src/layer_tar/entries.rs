//! The entries of a layer tar, read from their headers alone: from a tar
//! stream pushed through [`EntryParser`] (an archive's layer), or from a
//! stored layer's tar-split, whose records hold every header while file
//! contents stay in `diff/` unread ([`split_entries_into`]). This is what the
//! layer explorer needs: names, types, sizes, modes and owners, never the
//! bytes of the files.

use super::split::{Record, SplitReader};
use super::unpack::{
    checksum_ok, field, header_link, header_name, padding, parse_pax, parse_signed, Pax, Pending,
    BLOCK, MAX_META, SIZE,
};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{self, Read, Write};
use std::path::Path;

/// One entry of a layer tar, as its headers (and any PAX or GNU long-name
/// header before it) describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name as written in the tar (lossy UTF-8), `./` and all.
    pub name: String,
    /// The type flag byte (`b'0'` a file, `b'5'` a directory, …).
    pub type_flag: u8,
    /// The link target of a symlink or hard link.
    pub link: String,
    /// The size the header gives (a sparse file's real size), as Go's
    /// archive/tar reports it: header-only types keep their field.
    pub size: u64,
    /// The mode field, permission and type bits as written.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

enum State {
    /// Gathering a 512-byte header in `block`.
    Header,
    /// The data of an extension header (PAX, GNU long name), kept.
    Meta { ty: u8, left: u64, data: Vec<u8> },
    /// Old GNU sparse extension blocks after a header.
    SparseExt,
    /// Entry data (the first `data` of `left` bytes) and padding, skipped
    /// after the sink saw the data.
    Skip { left: u64, data: u64 },
    /// Past the end-of-archive block: the rest is ignored.
    End,
}

/// Where a parser hands each entry as soon as its header is read: a
/// `Vec` keeps them; a consumer that builds something of its own keeps
/// no list of entries at all.
pub trait EntrySink {
    fn entry(&mut self, e: Entry);
    /// The next bytes of the last entry's data, when the stream carries
    /// them (a tar-split's file records do not).
    fn data(&mut self, _bytes: &[u8]) {}
}

impl EntrySink for Vec<Entry> {
    fn entry(&mut self, e: Entry) {
        self.push(e);
    }
}

/// A tar read by pushing its bytes: `write` the stream (or `skip` data the
/// caller does not have, such as a tar-split's file records), then
/// [`EntryParser::finish`], which gives back the sink.
pub struct EntryParser<S: EntrySink = Vec<Entry>> {
    state: State,
    block: Vec<u8>,
    pending: Pending,
    entries: S,
    /// Bytes consumed so far, for errors.
    offset: u64,
    /// The data size of an old GNU sparse entry, skipped once its
    /// extension blocks are read.
    pending_skip: u64,
    /// Where the block being gathered began, for errors.
    block_at: u64,
}

impl Default for EntryParser {
    fn default() -> Self {
        EntryParser::with_sink(Vec::new())
    }
}

impl EntryParser {
    pub fn new() -> EntryParser {
        EntryParser::default()
    }
}

impl<S: EntrySink> EntryParser<S> {
    pub fn with_sink(sink: S) -> EntryParser<S> {
        EntryParser {
            state: State::Header,
            block: Vec::with_capacity(BLOCK),
            pending: Pending::default(),
            entries: sink,
            offset: 0,
            pending_skip: 0,
            block_at: 0,
        }
    }

    /// Push the next bytes of the stream.
    pub fn feed(&mut self, mut b: &[u8]) -> Result<()> {
        while !b.is_empty() {
            let n = match &mut self.state {
                State::End => b.len(),
                State::Skip { left, data } => {
                    let n = (*left).min(b.len() as u64) as usize;
                    let d = (*data).min(n as u64) as usize;
                    *left -= n as u64;
                    *data -= d as u64;
                    if *left == 0 {
                        self.state = State::Header;
                    }
                    if d > 0 {
                        self.entries.data(&b[..d]);
                    }
                    n
                }
                State::Meta { left, data, .. } => {
                    let n = (*left).min(b.len() as u64) as usize;
                    data.extend_from_slice(&b[..n]);
                    *left -= n as u64;
                    if *left == 0 {
                        self.meta_done()?;
                    }
                    n
                }
                State::Header | State::SparseExt => {
                    if self.block.is_empty() {
                        self.block_at = self.offset;
                    }
                    let n = (BLOCK - self.block.len()).min(b.len());
                    self.block.extend_from_slice(&b[..n]);
                    if self.block.len() == BLOCK {
                        let block: [u8; BLOCK] = self.block[..].try_into().unwrap();
                        self.block.clear();
                        if matches!(self.state, State::SparseExt) {
                            if block[504] == 0 {
                                self.after_header(0)?;
                            }
                        } else {
                            self.header(&block)?;
                        }
                    }
                    n
                }
            };
            self.offset += n as u64;
            b = &b[n..];
        }
        Ok(())
    }

    /// `n` bytes of entry data went by that the caller does not hold (a
    /// tar-split's file record): only valid inside an entry's data.
    pub fn skip(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            // An empty file's record.
            return Ok(());
        }
        match &mut self.state {
            State::Skip { left, data } if *left >= n => {
                *left -= n;
                *data = data.saturating_sub(n);
                if *left == 0 {
                    self.state = State::Header;
                }
                self.offset += n;
                Ok(())
            }
            _ => bail!(
                "{n} bytes of file data at offset {} do not fall inside an entry",
                self.offset
            ),
        }
    }

    /// The sink, once the whole stream was pushed.
    pub fn finish(self) -> Result<S> {
        match self.state {
            State::End => {}
            State::Header if self.block.is_empty() => {}
            _ => bail!("truncated tar: the stream ends at offset {}", self.offset),
        }
        Ok(self.entries)
    }

    fn header(&mut self, hdr: &[u8; BLOCK]) -> Result<()> {
        if hdr.iter().all(|&b| b == 0) {
            self.state = State::End;
            return Ok(());
        }
        let at = self.block_at;
        if !checksum_ok(hdr) {
            bail!("invalid tar header at offset {at} (bad checksum): not a tar stream, or a corrupt one");
        }
        let ty = hdr[156];
        let name = || String::from_utf8_lossy(&header_name(hdr)).into_owned();
        // As unpacking reads it: a negative size is no size on the types
        // that never carry data.
        let size = match parse_signed(&hdr[SIZE.0]) {
            Some(s) if s >= 0 => s as u64,
            Some(_) if matches!(ty, b'1'..=b'6') => 0,
            _ => bail!("entry {:?}: invalid size field in tar header", name()),
        };
        match ty {
            b'x' | b'L' | b'K' => {
                if size > MAX_META {
                    bail!("entry {:?}: extended header of {size} bytes is larger than the {MAX_META} allowed", name());
                }
                self.state = State::Meta {
                    ty,
                    left: size,
                    data: Vec::new(),
                };
                if size == 0 {
                    self.meta_done()?;
                }
                return Ok(());
            }
            b'g' => {
                self.pending = Pending::default();
                return self.after_header(size);
            }
            _ => {}
        }
        let p = std::mem::take(&mut self.pending);
        let num = |f: (std::ops::Range<usize>, &'static str)| {
            field(hdr, f).with_context(|| format!("entry {:?}", name()))
        };
        let mode = num((100..108, "mode"))? as u32;
        let uid = p.pax.uid.map_or_else(|| num((108..116, "uid")), Ok)?;
        let gid = p.pax.gid.map_or_else(|| num((116..124, "gid")), Ok)?;
        let data = p.pax.size.unwrap_or(size);
        let sparse_real = if ty == b'S' {
            Some(super::unpack::parse_numeric(&hdr[483..495]).unwrap_or(data))
        } else {
            p.pax.sparse.real_size
        };
        let entry_name = p.name().unwrap_or_else(|| header_name(hdr));
        let link = p.link().unwrap_or_else(|| header_link(hdr));
        // Go's archive/tar: header-only types carry no data, and an old
        // "regular file" whose name ends in a slash is a directory.
        let header_only = matches!(ty, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
            || (ty == 0 && entry_name.ends_with(b"/"));
        self.entries.entry(Entry {
            name: String::from_utf8_lossy(&entry_name).into_owned(),
            type_flag: ty,
            link: String::from_utf8_lossy(&link).into_owned(),
            size: sparse_real.unwrap_or(data),
            mode,
            uid,
            gid,
        });
        let data = if header_only { 0 } else { data };
        if ty == b'S' && hdr[482] != 0 {
            self.state = State::SparseExt;
            // The data follows the extension blocks.
            self.pending_skip = data;
            return Ok(());
        }
        self.after_header(data)
    }

    fn after_header(&mut self, data: u64) -> Result<()> {
        let data = if matches!(self.state, State::SparseExt) {
            std::mem::take(&mut self.pending_skip)
        } else {
            data
        };
        let left = data + padding(data);
        self.state = if left == 0 {
            State::Header
        } else {
            State::Skip { left, data }
        };
        Ok(())
    }

    fn meta_done(&mut self) -> Result<()> {
        let State::Meta { ty, data, .. } = std::mem::replace(&mut self.state, State::Header) else {
            unreachable!()
        };
        let size = data.len() as u64;
        match ty {
            b'x' => parse_pax(&data, {
                self.pending.pax = Pax::default();
                &mut self.pending.pax
            })
            .with_context(|| format!("PAX header at offset {}", self.offset))?,
            _ => {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                let v = data[..end].to_vec();
                if ty == b'L' {
                    self.pending.long_name = (!v.is_empty()).then_some(v);
                } else {
                    self.pending.long_link = (!v.is_empty()).then_some(v);
                }
            }
        }
        let pad = padding(size);
        if pad > 0 {
            self.state = State::Skip { left: pad, data: 0 };
        }
        Ok(())
    }
}

impl<S: EntrySink> Write for EntryParser<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.feed(buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:#}")))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The entries of a stored layer, from its tar-split alone, each handed
/// to `sink` as it is read: headers are in the tar-split's raw records,
/// and its file records only say how much data to pass.
pub fn split_entries_into<S: EntrySink>(tar_split: &Path, sink: S) -> Result<S> {
    let what = || format!("tar-split {}", tar_split.display());
    let mut r = SplitReader::open(tar_split).with_context(what)?;
    let mut p = EntryParser::with_sink(sink);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.next_record().with_context(what)? {
            Record::Raw(n) => {
                let mut raw = r.raw_reader();
                let mut left = n;
                while left > 0 {
                    let k = (left as usize).min(buf.len());
                    raw.read_exact(&mut buf[..k])
                        .map_err(|e| anyhow!("{e}"))
                        .with_context(what)?;
                    p.feed(&buf[..k]).with_context(what)?;
                    left -= k as u64;
                }
            }
            Record::File { size, .. } => p.skip(size).with_context(what)?,
            Record::End { .. } => break,
        }
    }
    p.finish().with_context(what)
}
