//! The tar-split file: what is needed, besides the unpacked `diff/`
//! directory, to rebuild a layer's tar byte for byte. The format is
//! described in the module doc of `layer_tar`; this file writes and reads
//! its records.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// The 8 bytes that open every tar-split file, before the zstd stream.
pub const MAGIC: &[u8; 8] = b"BERTHTS1";

const TAG_END: u8 = 0;
const TAG_RAW: u8 = 1;
const TAG_FILE: u8 = 2;

/// Raw bytes are gathered up to this size before a record is written, so
/// that a run of headers costs one record, and a large inline entry is cut
/// into bounded records.
const RAW_CHUNK: usize = 1 << 20;

/// zstd level 1: tar headers are mostly zeros and compress well at any
/// level, and unpacking 30,000 small files should not wait on the
/// compressor.
const ZSTD_LEVEL: i32 = 1;

/// Longest path a record may name; longer is a corrupt file (PATH_MAX is
/// 4096, a tar name can be longer but cannot be created on disk).
const MAX_PATH: u64 = 64 * 1024;

/// Writes records in order.
pub struct SplitWriter {
    enc: zstd::Encoder<'static, BufWriter<File>>,
    raw: Vec<u8>,
    /// Number of file records written so far: the next one's ordinal.
    files: u64,
}

impl SplitWriter {
    pub fn new(file: File) -> io::Result<SplitWriter> {
        let mut w = BufWriter::with_capacity(128 * 1024, file);
        w.write_all(MAGIC)?;
        let enc = zstd::Encoder::new(w, ZSTD_LEVEL)?;
        Ok(SplitWriter {
            enc,
            raw: Vec::with_capacity(RAW_CHUNK),
            files: 0,
        })
    }

    /// Bytes of the stream that are reproduced from the tar-split itself.
    pub fn raw(&mut self, mut b: &[u8]) -> io::Result<()> {
        while !b.is_empty() {
            let n = b.len().min(RAW_CHUNK - self.raw.len());
            self.raw.extend_from_slice(&b[..n]);
            b = &b[n..];
            if self.raw.len() >= RAW_CHUNK {
                self.flush_raw()?;
            }
        }
        Ok(())
    }

    fn flush_raw(&mut self) -> io::Result<()> {
        if self.raw.is_empty() {
            return Ok(());
        }
        self.enc.write_all(&[TAG_RAW])?;
        write_uvarint(&mut self.enc, self.raw.len() as u64)?;
        self.enc.write_all(&self.raw)?;
        self.raw.clear();
        Ok(())
    }

    /// `size` bytes of the stream are the content of `path` in `diff/`.
    /// Returns the record's ordinal (0 for the first file record).
    pub fn file(&mut self, path: &[u8], size: u64) -> io::Result<u64> {
        self.flush_raw()?;
        self.enc.write_all(&[TAG_FILE])?;
        write_uvarint(&mut self.enc, path.len() as u64)?;
        self.enc.write_all(path)?;
        write_uvarint(&mut self.enc, size)?;
        self.files += 1;
        Ok(self.files - 1)
    }

    /// Close the stream with the end record, which holds the total size of
    /// the tar so that a cut-off tar-split is detected.
    pub fn finish(mut self, total: u64) -> io::Result<File> {
        self.flush_raw()?;
        self.enc.write_all(&[TAG_END])?;
        write_uvarint(&mut self.enc, total)?;
        let w = self.enc.finish()?;
        w.into_inner().map_err(|e| e.into_error())
    }
}

/// One record, as read back.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// The next `n` bytes of the stream follow in the tar-split; read them
    /// with [`SplitReader::raw_reader`].
    Raw(u64),
    File {
        path: Vec<u8>,
        size: u64,
    },
    End {
        total: u64,
    },
}

pub struct SplitReader {
    dec: zstd::Decoder<'static, BufReader<File>>,
    /// Bytes of the current raw record not yet read by the caller.
    pending: u64,
    ended: bool,
}

impl SplitReader {
    pub fn open(path: &Path) -> Result<SplitReader> {
        let f =
            File::open(path).with_context(|| format!("opening tar-split {}", path.display()))?;
        let mut r = BufReader::with_capacity(128 * 1024, f);
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)
            .ok()
            .filter(|_| &magic == MAGIC)
            .with_context(|| format!("{} is not a berth tar-split file", path.display()))?;
        let dec = zstd::Decoder::with_buffer(r)
            .with_context(|| format!("reading tar-split {}", path.display()))?;
        Ok(SplitReader {
            dec,
            pending: 0,
            ended: false,
        })
    }

    /// The next record. The raw bytes of a `Raw` record must be consumed
    /// (or are skipped) before the next call.
    pub fn next_record(&mut self) -> Result<Record> {
        if self.ended {
            bail!("tar-split: read past the end record");
        }
        if self.pending > 0 {
            io::copy(&mut self.raw_reader(), &mut io::sink())?;
        }
        let mut tag = [0u8; 1];
        read_exact_or_truncated(&mut self.dec, &mut tag)?;
        match tag[0] {
            TAG_RAW => {
                self.pending = read_uvarint(&mut self.dec)?;
                Ok(Record::Raw(self.pending))
            }
            TAG_FILE => {
                let len = read_uvarint(&mut self.dec)?;
                if len > MAX_PATH {
                    bail!("tar-split is corrupt: path of {len} bytes");
                }
                let mut path = vec![0u8; len as usize];
                read_exact_or_truncated(&mut self.dec, &mut path)?;
                let size = read_uvarint(&mut self.dec)?;
                Ok(Record::File { path, size })
            }
            TAG_END => {
                let total = read_uvarint(&mut self.dec)?;
                self.ended = true;
                // Nothing may follow the end record.
                let mut extra = [0u8; 1];
                if self.dec.read(&mut extra)? != 0 {
                    bail!("tar-split is corrupt: data after the end record");
                }
                Ok(Record::End { total })
            }
            t => bail!("tar-split is corrupt: unknown record tag {t}"),
        }
    }

    /// A reader of the current raw record's bytes.
    pub fn raw_reader(&mut self) -> RawReader<'_> {
        RawReader { r: self }
    }
}

pub struct RawReader<'a> {
    r: &'a mut SplitReader,
}

impl Read for RawReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.r.pending) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.r.dec.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar-split is truncated",
            ));
        }
        self.r.pending -= n as u64;
        Ok(n)
    }
}

fn read_exact_or_truncated(r: &mut impl Read, buf: &mut [u8]) -> Result<()> {
    match r.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => bail!("tar-split is truncated"),
        Err(e) => Err(e).context("reading tar-split"),
    }
}

fn write_uvarint(w: &mut impl Write, mut v: u64) -> io::Result<()> {
    let mut buf = [0u8; 10];
    let mut i = 0;
    while v >= 0x80 {
        buf[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    buf[i] = v as u8;
    w.write_all(&buf[..=i])
}

fn read_uvarint(r: &mut impl Read) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8; 1];
        read_exact_or_truncated(r, &mut b)?;
        v |= u64::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            return Ok(v);
        }
    }
    bail!("tar-split is corrupt: varint too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ts");
        let mut w = SplitWriter::new(File::create(&p).unwrap()).unwrap();
        w.raw(b"abc").unwrap();
        w.raw(&vec![7u8; RAW_CHUNK + 5]).unwrap();
        assert_eq!(w.file(b"a/b", 300).unwrap(), 0);
        assert_eq!(w.file(b"c", 1 << 40).unwrap(), 1);
        w.finish(12345).unwrap();

        let mut r = SplitReader::open(&p).unwrap();
        assert_eq!(r.next_record().unwrap(), Record::Raw(RAW_CHUNK as u64));
        let mut first = Vec::new();
        r.raw_reader().read_to_end(&mut first).unwrap();
        assert_eq!(&first[..3], b"abc");
        // The second raw record is skipped unread.
        assert_eq!(r.next_record().unwrap(), Record::Raw(8));
        assert_eq!(
            r.next_record().unwrap(),
            Record::File {
                path: b"a/b".to_vec(),
                size: 300
            }
        );
        assert_eq!(
            r.next_record().unwrap(),
            Record::File {
                path: b"c".to_vec(),
                size: 1 << 40
            }
        );
        assert_eq!(r.next_record().unwrap(), Record::End { total: 12345 });
        assert!(r.next_record().is_err());
    }

    #[test]
    fn cut_off_file_is_an_error_not_a_panic() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ts");
        let mut w = SplitWriter::new(File::create(&p).unwrap()).unwrap();
        w.raw(&[1u8; 5000]).unwrap();
        w.file(b"x", 1).unwrap();
        w.finish(5001).unwrap();
        let full = std::fs::read(&p).unwrap();
        for cut in [0, 4, 8, 12, full.len() / 2, full.len() - 1] {
            std::fs::write(&p, &full[..cut]).unwrap();
            let res = SplitReader::open(&p).and_then(|mut r| loop {
                if let Record::End { .. } = r.next_record()? {
                    return Ok(());
                }
            });
            assert!(res.is_err(), "cut at {cut}");
        }
    }
}
