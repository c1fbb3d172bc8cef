//! Layer tars (uncompressed: see `image::compression` for that): unpacking them safely into an
//! overlay2 `diff/` directory (whiteouts turned into overlay form, no path
//! ever leaving the directory), and rebuilding the exact original tar from
//! that directory and a small "tar-split" file.
//!
//! The store keeps no compressed blobs: a layer is only its `diff/`
//! directory plus its tar-split, and `rebuild` must give back, byte for
//! byte, the uncompressed tar whose sha256 is the layer's diffID.
//!
//! # The tar-split format
//!
//! The 8 bytes `BERTHTS1`, then one zstd stream of records, each a tag
//! byte followed by unsigned LEB128 varints and bytes:
//!
//! - `1 RAW n <n bytes>`: bytes of the stream reproduced verbatim — every
//!   512-byte header, PAX and GNU long-name headers and their data, block
//!   padding, the end-of-archive blocks and anything up to EOF, and the
//!   data of entries that the `diff/` copy cannot reproduce.
//! - `2 FILE len <path> size`: the next `size` bytes of the stream are the
//!   content of regular file `path` (relative to `diff/`, no leading `/`).
//! - `0 END total`: the end; `total` is the size of the whole tar.
//!
//! Data is stored inline (as RAW) instead of referenced when the file on
//! disk would not give it back: a path written twice in one layer (the
//! earlier content is read from disk before it is overwritten), GNU sparse
//! files, whiteouts, and entry types that are not regular files.

pub mod diff;
mod entries;
mod rebuild;
mod split;
mod sys;
mod unpack;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

pub use entries::{split_entries_into, Entry, EntryParser, EntrySink};

use crate::digest::Digest;
use std::io::{Read, Write};
use std::path::Path;

/// Which xattr marks an opaque directory (`DIR/.wh..wh..opq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpaqueXattr {
    /// `trusted.overlay.opaque`, for overlayfs mounted by root, and
    /// `user.overlay.opaque` too, for a `--uidmap` container's overlay,
    /// which its own user namespace mounts with `userxattr`.
    Trusted,
    /// `user.overlay.opaque`: overlayfs mounted with `userxattr` (rootless,
    /// Linux >= 5.11), which cannot read `trusted.*`.
    User,
}

/// How to unpack one layer.
#[derive(Clone, Debug)]
pub struct UnpackOptions {
    /// The name errors use for the layer, e.g. `layer sha256:abcd…`.
    pub layer: String,
    pub opaque_xattr: OpaqueXattr,
    /// `true`: give entries their uid/gid from the tar (needs root, or a
    /// user namespace that maps them). `false`: leave everything owned by
    /// the current user; no chown is attempted.
    pub chown: bool,
}

/// What unpacking found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpacked {
    /// The size of the uncompressed stream in bytes. (Its digest is the
    /// reader's to check: see `image::LayerStream`.)
    pub tar_size: u64,
    /// Entries in the tar (extension headers not counted).
    pub files: u64,
    /// The tar has a `./` entry, which gave the layer root its metadata.
    pub root_given: bool,
}

/// Read an uncompressed tar stream to EOF, materialise it in `diff_dir`
/// (an existing, empty directory), and write the tar-split to `tar_split`
/// (a new file; removed again if unpacking fails). Returns the sha256 and
/// size of everything read. Nothing is fsynced: the caller syncs the file
/// system once (`fsutil::sync_fs`). Errors name the layer and the entry,
/// e.g. `layer sha256:ab…: entry "a/passwd": parent "a" is a symlink`.
///
/// `tar` is read (and so decompressed, if it is a decompressing reader)
/// and hashed in a second thread, ahead of the file writes: hence `Send`.
pub fn unpack(
    tar: impl Read + Send,
    diff_dir: &Path,
    tar_split: &Path,
    opts: &UnpackOptions,
) -> anyhow::Result<Unpacked> {
    unpack::unpack(tar, diff_dir, tar_split, opts)
}

/// Write the exact original tar to `out` from `diff_dir` and `tar_split`;
/// returns the number of bytes written. A referenced file that is missing,
/// unreadable or of another size is an error naming it.
pub fn rebuild(diff_dir: &Path, tar_split: &Path, out: impl Write) -> anyhow::Result<u64> {
    rebuild::rebuild(diff_dir, tar_split, out)
}

/// Open the regular file `rel` of an unpacked layer's `diff_dir` for
/// reading: beneath the directory, no symlink followed on the way or at
/// the end (a layer's own symlinks must not lead out of it).
pub fn open_layer_file(diff_dir: &Path, rel: &str) -> anyhow::Result<std::fs::File> {
    use anyhow::Context;
    use std::os::fd::AsRawFd;
    let what = || format!("{}/{rel}", diff_dir.display());
    let root = std::fs::File::open(diff_dir).with_context(what)?;
    let fd = sys::open_beneath(
        root.as_raw_fd(),
        rel.trim_start_matches('/').as_bytes(),
        libc::O_RDONLY,
    )
    .with_context(what)?;
    Ok(std::fs::File::from(fd))
}

/// Rebuild into a hasher and compare with `expected`, for `system check`.
/// A mismatch is an error whose source is a
/// [`DigestError::Mismatch`](crate::digest::DigestError) naming both
/// digests.
pub fn verify(diff_dir: &Path, tar_split: &Path, expected: &Digest) -> anyhow::Result<()> {
    rebuild::verify(diff_dir, tar_split, expected)
}
