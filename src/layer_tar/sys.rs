//! Thin wrappers over the `*at(2)` system calls that unpacking and
//! rebuilding use. Every call is relative to a directory fd and never
//! follows a symlink, so that a hostile layer cannot make berth write or
//! read outside the layer's `diff/` directory (the tar path-traversal class
//! of bugs, CVE-2018-15664 among them). Errors are plain `io::Error`s with
//! their errno, so callers can branch on `EEXIST`, `ENOENT`, `EPERM` …

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Retry a call interrupted by a signal.
fn retry(mut f: impl FnMut() -> libc::c_int) -> io::Result<libc::c_int> {
    loop {
        match cvt(f()) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

/// A NUL-terminated copy of a path; a NUL inside is refused.
pub fn cstr(b: &[u8]) -> io::Result<CString> {
    CString::new(b)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

pub fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// Set once `openat2(2)` turned out to be missing (kernels before 5.6).
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// Use the `openat(O_NOFOLLOW)` walk from now on, as on a kernel without
/// `openat2(2)`: for tests of that path.
#[cfg(test)]
pub fn without_openat2() {
    NO_OPENAT2.store(true, Ordering::Relaxed);
}

/// Open `rel` (relative, `/`-separated, no `..`) beneath `root`, refusing
/// any symlink on the way and at the end. On Linux >= 5.6 this is one
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` call, which the kernel
/// resolves atomically; older kernels get an `openat(O_NOFOLLOW)` walk,
/// one component at a time. A symlink gives `ELOOP` or `ENOTDIR`.
pub fn open_beneath(root: RawFd, rel: &[u8], flags: libc::c_int) -> io::Result<OwnedFd> {
    if rel.split(|&b| b == b'/').any(|c| c == b"..") {
        // Names are normalised before they get here; this guards the
        // fallback walk, which has no RESOLVE_BENEATH to stop `..`.
        return Err(io::Error::from_raw_os_error(libc::EXDEV));
    }
    let path = if rel.is_empty() {
        cstr(b".")?
    } else {
        cstr(rel)?
    };
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        // SAFETY: open_how is plain data; zero is its documented default.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (flags | libc::O_CLOEXEC | libc::O_NOFOLLOW) as u64;
        how.resolve =
            libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;
        loop {
            // SAFETY: valid fd, NUL-terminated path, and `how` outlives the call.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_openat2,
                    root,
                    path.as_ptr(),
                    &how as *const libc::open_how,
                    std::mem::size_of::<libc::open_how>(),
                )
            };
            if r >= 0 {
                // SAFETY: the kernel returned a new fd that nobody else owns.
                return Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) });
            }
            let e = io::Error::last_os_error();
            match errno(&e) {
                // EAGAIN: a concurrent rename raced the lookup; retrying is
                // what openat2(2) asks for.
                libc::EINTR | libc::EAGAIN => continue,
                libc::ENOSYS => {
                    NO_OPENAT2.store(true, Ordering::Relaxed);
                    break;
                }
                _ => return Err(e),
            }
        }
    }
    walk_nofollow(root, rel, flags)
}

fn walk_nofollow(root: RawFd, rel: &[u8], flags: libc::c_int) -> io::Result<OwnedFd> {
    if rel.is_empty() {
        return openat(root, c".", flags);
    }
    let comps: Vec<&[u8]> = rel
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect();
    let mut cur: Option<OwnedFd> = None;
    for (i, c) in comps.iter().enumerate() {
        let dir = cur.as_ref().map_or(root, |f| f.as_raw_fd());
        let last = i + 1 == comps.len();
        let fl = if last {
            flags
        } else {
            libc::O_PATH | libc::O_DIRECTORY
        };
        cur = Some(openat(dir, &cstr(c)?, fl)?);
    }
    match cur {
        Some(fd) => Ok(fd),
        None => openat(root, c".", flags),
    }
}

/// Open an existing `name` in `dir`, never following a symlink there.
pub fn openat(dir: RawFd, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    let fd = retry(|| unsafe {
        libc::openat(
            dir,
            name.as_ptr(),
            flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    })?;
    // SAFETY: a fresh fd from the kernel.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Create a new regular file with permission bits `mode` (less the
/// umask), open for writing whatever `mode` says. `O_EXCL`: never open an
/// existing file, whose inode may be shared with a hard link.
pub fn create_excl(dir: RawFd, name: &CStr, mode: u32) -> io::Result<File> {
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let fd = retry(|| unsafe { libc::openat(dir, name.as_ptr(), flags, mode as libc::c_uint) })?;
    // SAFETY: a fresh fd from the kernel.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

pub fn mkdirat(dir: RawFd, name: &CStr, mode: u32) -> io::Result<()> {
    cvt(unsafe { libc::mkdirat(dir, name.as_ptr(), mode as libc::mode_t) }).map(drop)
}

pub fn symlinkat(target: &CStr, dir: RawFd, name: &CStr) -> io::Result<()> {
    cvt(unsafe { libc::symlinkat(target.as_ptr(), dir, name.as_ptr()) }).map(drop)
}

pub fn mknodat(dir: RawFd, name: &CStr, mode: u32, major: u32, minor: u32) -> io::Result<()> {
    let dev = libc::makedev(major, minor);
    cvt(unsafe { libc::mknodat(dir, name.as_ptr(), mode as libc::mode_t, dev) }).map(drop)
}

/// Hard link without following a symlink at `old` (flags 0: the link is to
/// the symlink itself, as tar means it).
pub fn linkat(odir: RawFd, old: &CStr, ndir: RawFd, new: &CStr) -> io::Result<()> {
    cvt(unsafe { libc::linkat(odir, old.as_ptr(), ndir, new.as_ptr(), 0) }).map(drop)
}

pub fn unlinkat(dir: RawFd, name: &CStr, flags: libc::c_int) -> io::Result<()> {
    cvt(unsafe { libc::unlinkat(dir, name.as_ptr(), flags) }).map(drop)
}

/// `lstat` relative to `dir`.
pub fn lstatat(dir: RawFd, name: &CStr) -> io::Result<libc::stat> {
    // SAFETY: stat is plain data, filled by the kernel.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    cvt(unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    Ok(st)
}

pub fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    // SAFETY: as above.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    cvt(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st)
}

pub fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

pub fn is_symlink(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFLNK
}

/// A 0:0 character device: how overlayfs spells a whiteout.
pub fn is_whiteout(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == 0
}

/// The target of symlink `name` in `dir`.
pub fn readlinkat(dir: RawFd, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: the buffer is valid for its length.
        let n = unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        // Possibly cut short: try again with more room (PATH_MAX at most
        // matters, but a symlink may be longer on some file systems).
        if buf.len() >= 1 << 20 {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        buf.resize(buf.len() * 4, 0);
    }
}

pub fn lchownat(dir: RawFd, name: &CStr, uid: u32, gid: u32) -> io::Result<()> {
    cvt(unsafe { libc::fchownat(dir, name.as_ptr(), uid, gid, libc::AT_SYMLINK_NOFOLLOW) })
        .map(drop)
}

pub fn fchown(fd: RawFd, uid: u32, gid: u32) -> io::Result<()> {
    cvt(unsafe { libc::fchown(fd, uid, gid) }).map(drop)
}

pub fn fchmod(fd: RawFd, mode: u32) -> io::Result<()> {
    cvt(unsafe { libc::fchmod(fd, mode as libc::mode_t) }).map(drop)
}

/// chmod of a non-symlink (device, fifo) relative to `dir`.
pub fn fchmodat(dir: RawFd, name: &CStr, mode: u32) -> io::Result<()> {
    cvt(unsafe { libc::fchmodat(dir, name.as_ptr(), mode as libc::mode_t, 0) }).map(drop)
}

/// A timestamp as (seconds, nanoseconds).
pub type Time = (i64, u32);

fn timespecs(atime: Time, mtime: Time) -> [libc::timespec; 2] {
    [
        libc::timespec {
            tv_sec: atime.0 as libc::time_t,
            tv_nsec: atime.1 as libc::c_long,
        },
        libc::timespec {
            tv_sec: mtime.0 as libc::time_t,
            tv_nsec: mtime.1 as libc::c_long,
        },
    ]
}

pub fn futimens(fd: RawFd, atime: Time, mtime: Time) -> io::Result<()> {
    let ts = timespecs(atime, mtime);
    cvt(unsafe { libc::futimens(fd, ts.as_ptr()) }).map(drop)
}

/// Set times of `name` in `dir`, not following a symlink.
pub fn lutimensat(dir: RawFd, name: &CStr, atime: Time, mtime: Time) -> io::Result<()> {
    let ts = timespecs(atime, mtime);
    cvt(unsafe { libc::utimensat(dir, name.as_ptr(), ts.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) })
        .map(drop)
}

pub fn fsetxattr(fd: RawFd, key: &CStr, value: &[u8]) -> io::Result<()> {
    cvt(unsafe { libc::fsetxattr(fd, key.as_ptr(), value.as_ptr().cast(), value.len(), 0) })
        .map(drop)
}

/// Set an xattr on `name` in `dir` without following a symlink, for the
/// inodes that cannot be opened for an fd (symlinks, devices, fifos). The
/// path goes through `/proc/self/fd/<dir>/<name>`: the magic link pins the
/// directory we resolved safely, and `lsetxattr` does not follow `name`.
pub fn lsetxattrat(dir: RawFd, name: &CStr, key: &CStr, value: &[u8]) -> io::Result<()> {
    let mut p = format!("/proc/self/fd/{dir}/").into_bytes();
    p.extend_from_slice(name.to_bytes());
    let p = cstr(&p)?;
    cvt(unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })
    .map(drop)
}

/// Remove `name` in `dir` whatever it is; a directory is emptied first,
/// entry by entry through fds, never following a symlink inside it.
pub fn remove_tree_at(dir: RawFd, name: &CStr) -> io::Result<()> {
    match unlinkat(dir, name, 0) {
        Ok(()) => return Ok(()),
        // unlink(2) of a directory fails with EISDIR on Linux.
        Err(e) if errno(&e) == libc::EISDIR => {}
        Err(e) => return Err(e),
    }
    let sub = openat(dir, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
    for child in read_dir_names(&sub)? {
        remove_tree_at(sub.as_raw_fd(), &child)?;
    }
    drop(sub);
    unlinkat(dir, name, libc::AT_REMOVEDIR)
}

/// The names in a directory, without `.` and `..`.
fn read_dir_names(fd: &OwnedFd) -> io::Result<Vec<CString>> {
    // fdopendir takes ownership of the fd it is given, so give it a dup.
    let dup = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) })?;
    let dirp = unsafe { libc::fdopendir(dup) };
    if dirp.is_null() {
        let e = io::Error::last_os_error();
        unsafe { libc::close(dup) };
        return Err(e);
    }
    let mut names = Vec::new();
    loop {
        // SAFETY: dirp is a valid DIR*; errno is reset to tell the end of
        // the directory from an error.
        unsafe { *libc::__errno_location() = 0 };
        let ent = unsafe { libc::readdir64(dirp) };
        if ent.is_null() {
            let e = io::Error::last_os_error();
            unsafe { libc::closedir(dirp) };
            if errno(&e) != 0 {
                return Err(e);
            }
            return Ok(names);
        }
        // SAFETY: d_name is NUL-terminated within the entry.
        let n = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        if n.to_bytes() != b"." && n.to_bytes() != b".." {
            names.push(n.to_owned());
        }
    }
}
