//! File system calls relative to an open directory: `openat2` confined
//! below a root (`RESOLVE_IN_ROOT`), `openat` and `fstatat` that never
//! follow a final symlink, `readlinkat`, a directory's names. What `cp`,
//! `build`'s COPY and the rootfs setup use to walk a tree that someone
//! else controls without leaving it.

use anyhow::{anyhow, Context, Result};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

/// `struct open_how` of openat2(2).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_IN_ROOT: u64 = 0x10;

/// openat2(2) of `rel` below `dir` (a leading `/` is dropped; `""` is
/// `dir` itself), retried on EAGAIN and EINTR.
pub fn openat2(dir: RawFd, rel: &str, flags: i32, resolve: u64) -> io::Result<OwnedFd> {
    let rel = rel.trim_start_matches('/');
    let rel = CString::new(if rel.is_empty() { "." } else { rel })
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve,
    };
    loop {
        // SAFETY: valid pointers for the duration of the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir,
                rel.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if fd >= 0 {
            // SAFETY: a new descriptor that nothing else owns.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) });
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EAGAIN) && e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// `fstatat` without following a final symlink.
pub fn lstatat(dir: RawFd, name: &CStr) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data, filled by the kernel.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd, name and buffer.
    let r = unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// The status of an open descriptor.
pub fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data; AT_EMPTY_PATH stats the fd itself.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and buffer.
    let r = unsafe { libc::fstatat(fd, c"".as_ptr(), &mut st, libc::AT_EMPTY_PATH) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// Open `name` below `dir`, never following a final symlink.
pub fn openat(dir: RawFd, name: &CStr, flags: i32) -> io::Result<OwnedFd> {
    // SAFETY: valid fd and name.
    let fd = unsafe {
        libc::openat(
            dir,
            name.as_ptr(),
            flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The names in directory `dir`, sorted.
pub fn names(dir: &OwnedFd) -> Result<Vec<CString>> {
    let p = format!("/proc/self/fd/{}", dir.as_raw_fd());
    let mut out = Vec::new();
    for e in std::fs::read_dir(&p).context("listing a directory")? {
        let name = e.context("listing a directory")?.file_name();
        out.push(CString::new(name.as_bytes()).map_err(|_| anyhow!("a name with a NUL byte"))?);
    }
    out.sort();
    Ok(out)
}

/// The target of symlink `name` below `dir`.
pub fn readlinkat(dir: RawFd, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: valid fd, name and buffer.
    let n = unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// Whether `st` is a directory's status.
pub fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// Open `path` below directory `root` with `openat2(RESOLVE_IN_ROOT)`:
/// `..` and symlinks (absolute ones too) resolve as if `root` were `/`,
/// so nothing outside `root` can be reached.
pub fn open_in_root(root: &OwnedFd, path: &str, flags: i32) -> io::Result<OwnedFd> {
    openat2(
        root.as_raw_fd(),
        path,
        flags,
        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    )
}
