//! Compression of layer blobs, told by magic bytes rather than by media
//! type: registries and archives in the wild label layers wrongly often
//! enough (Docker itself sniffs the stream in `DecompressStream`), and the
//! diffID is defined over the uncompressed stream whatever the label says.

use std::io::{self, BufReader, Read};

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The name used in media types and messages: `none`, `gzip`, `zstd`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Read buffer for the compressed side: large reads keep the decoder busy
/// and the syscall count low.
const BUF: usize = 256 * 1024;

/// Detect the compression of `r` by its magic bytes (gzip `1f 8b`, zstd
/// `28 b5 2f fd`, anything else is taken as plain) and return a reader of
/// the decompressed stream. Concatenated gzip members and zstd frames are
/// read as one stream, as `gzip -d` and `zstd -d` do.
pub fn decompressed<'a>(
    mut r: impl Read + Send + 'a,
) -> io::Result<(Compression, Box<dyn Read + Send + 'a>)> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let head = &head[..n];
    let stream = io::Cursor::new(head.to_vec()).chain(r);
    if head.starts_with(GZIP_MAGIC) {
        let dec = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(BUF, stream));
        Ok((Compression::Gzip, Box::new(dec)))
    } else if head.starts_with(ZSTD_MAGIC) {
        let dec = zstd::Decoder::with_buffer(BufReader::with_capacity(BUF, stream))?;
        Ok((Compression::Zstd, Box::new(dec)))
    } else {
        Ok((Compression::None, Box::new(stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn roundtrip(blob: &[u8]) -> (Compression, Vec<u8>) {
        let (c, mut r) = decompressed(blob).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (c, out)
    }

    #[test]
    fn detects_gzip_zstd_and_plain() {
        let data = b"hello layer".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(roundtrip(&gz), (Compression::Gzip, data.clone()));

        let zst = zstd::encode_all(&data[..], 3).unwrap();
        assert_eq!(roundtrip(&zst), (Compression::Zstd, data.clone()));

        assert_eq!(roundtrip(&data), (Compression::None, data.clone()));
        assert_eq!(roundtrip(b""), (Compression::None, Vec::new()));
        assert_eq!(roundtrip(b"\x1f"), (Compression::None, b"\x1f".to_vec()));
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let mut blob = Vec::new();
        for part in [&b"one "[..], b"two"] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(part).unwrap();
            blob.extend(gz.finish().unwrap());
        }
        assert_eq!(roundtrip(&blob), (Compression::Gzip, b"one two".to_vec()));
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let (_, mut r) = decompressed(&[0x1f, 0x8b, 8, 0, 1, 2, 3][..]).unwrap();
        assert!(r.read_to_end(&mut Vec::new()).is_err());
    }
}
