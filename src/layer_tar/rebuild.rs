//! Rebuilding a layer's exact tar from its `diff/` directory and its
//! tar-split, for `push`, `save` and `system check`: the store keeps no
//! compressed blobs, so this is the only way back to the bytes that the
//! layer's diffID names.

use super::split::{Record, SplitReader};
use super::sys::{self, errno};
use crate::digest::{Digest, DigestError, HashingWriter};
use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

const BUF: usize = 256 * 1024;

pub fn rebuild(diff_dir: &Path, tar_split: &Path, out: impl Write) -> Result<u64> {
    let root: OwnedFd = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(diff_dir)
        .with_context(|| format!("opening layer directory {}", diff_dir.display()))?
        .into();
    let mut split = SplitReader::open(tar_split)?;
    let mut out = Counting {
        inner: BufWriter::with_capacity(BUF, out),
        n: 0,
    };
    let mut buf = vec![0u8; BUF];
    let split_ctx = || format!("reading tar-split {}", tar_split.display());
    loop {
        match split.next_record().with_context(split_ctx)? {
            Record::Raw(_) => {
                let mut raw = split.raw_reader();
                loop {
                    let n = raw.read(&mut buf).with_context(split_ctx)?;
                    if n == 0 {
                        break;
                    }
                    out.write_all(&buf[..n]).context("writing the layer tar")?;
                }
            }
            Record::File { path, size } => {
                let shown = diff_dir.join(std::ffi::OsStr::from_bytes(&path));
                // Resolved like unpacking does (beneath the root, through
                // no symlink), whatever the tar-split says.
                let fd = match sys::open_beneath(root.as_raw_fd(), &path, libc::O_RDONLY) {
                    Ok(fd) => fd,
                    Err(e) if errno(&e) == libc::ENOENT => {
                        bail!("layer file {} is missing", shown.display())
                    }
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("opening layer file {}", shown.display()))
                    }
                };
                let st = sys::fstat(fd.as_raw_fd())
                    .with_context(|| format!("inspecting {}", shown.display()))?;
                if st.st_mode & libc::S_IFMT != libc::S_IFREG || st.st_size as u64 != size {
                    bail!(
                        "layer file {} has changed: {} bytes, the tar-split expects a regular file of {size}",
                        shown.display(),
                        st.st_size
                    );
                }
                let mut f = File::from(fd);
                let mut left = size;
                while left > 0 {
                    let k = buf.len().min(left as usize);
                    let n = match f.read(&mut buf[..k]) {
                        Ok(0) => bail!("layer file {} shrank while being read", shown.display()),
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            return Err(e).with_context(|| format!("reading {}", shown.display()))
                        }
                    };
                    out.write_all(&buf[..n]).context("writing the layer tar")?;
                    left -= n as u64;
                }
            }
            Record::End { total } => {
                out.flush().context("writing the layer tar")?;
                if out.n != total {
                    bail!(
                        "tar-split {} is corrupt: it rebuilds {} bytes of {total}",
                        tar_split.display(),
                        out.n
                    );
                }
                return Ok(total);
            }
        }
    }
}

pub fn verify(diff_dir: &Path, tar_split: &Path, expected: &Digest) -> Result<()> {
    let ctx = || format!("verifying layer {expected} in {}", diff_dir.display());
    let mut w = HashingWriter::new(io::sink());
    rebuild(diff_dir, tar_split, &mut w).with_context(ctx)?;
    let (actual, _, _) = w.finish();
    if &actual != expected {
        return Err(anyhow::Error::new(DigestError::Mismatch {
            expected: expected.clone(),
            actual,
        })
        .context(ctx()));
    }
    Ok(())
}

struct Counting<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
