//! `cp` between a container and the host, for stopped and running
//! containers alike.
//!
//! The container's file system is seen through a private, read-only
//! overlay of its upper dir over its image's layers, mounted in a mount
//! namespace of this process alone (and, for a user without a subordinate
//! range, a user namespace mapping the user). Every container path is
//! opened with `openat2(RESOLVE_IN_ROOT)` below that mount, so symlinks
//! resolve as they would inside the container: a link to `/etc/shadow`
//! reaches the container's `/etc/shadow`, never the host's (the
//! symlink-escape class of `docker cp` bugs, CVE-2018-15664 and
//! CVE-2019-14271). Below the resolved path, trees are walked by fd with
//! `O_NOFOLLOW`, so a symlink inside is copied as a symlink.
//!
//! Copying in writes into the container's upper dir: the destination is
//! resolved in the merged view, and the resolved path (which has no
//! symlinks left) is created in the upper dir component by component,
//! again without following any symlink.
//!
//! Must be called while the process has one thread: it unshares
//! namespaces.

use super::spec::Rootfs;
use anyhow::{anyhow, bail, Context, Result};
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The container's merged file system, read-only, in this process's own
/// mount namespace.
pub struct View {
    root: OwnedFd,
    target: PathBuf,
    upper: PathBuf,
    opaque_key: &'static CStr,
}

/// Enter private namespaces and mount the merged view of `rootfs`
/// (upper dir over the lower dirs) read-only at `rootfs.target`.
pub fn open_view(rootfs: &Rootfs) -> Result<View> {
    let euid = nix::unistd::geteuid();
    let egid = nix::unistd::getegid();
    if euid.is_root() {
        unshare(CloneFlags::CLONE_NEWNS)
            .map_err(|e| anyhow!("creating a mount namespace: {}", e.desc()))?;
    } else {
        // A plain user (no subordinate range): map the user alone, as root.
        unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS)
            .map_err(|e| anyhow!("creating a user namespace: {}", e.desc()))?;
        let write = |file: &str, text: String| -> Result<()> {
            let path = format!("/proc/self/{file}");
            std::fs::write(&path, text).with_context(|| format!("writing {path}"))
        };
        write("setgroups", "deny".into())?;
        write("uid_map", format!("0 {euid} 1"))?;
        write("gid_map", format!("0 {egid} 1"))?;
    }
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| anyhow!("making / private: {}", e.desc()))?;
    let base = &rootfs.lower_base;
    let abs = |p: &str| -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let upper = abs(&rootfs.upper.to_string_lossy());
    let mut lowers = vec![upper.display().to_string()];
    lowers.extend(rootfs.lowers.iter().map(|l| abs(l).display().to_string()));
    let mut opts = format!("lowerdir={}", lowers.join(":"));
    if rootfs.userxattr {
        opts.push_str(",userxattr");
    }
    mount(
        Some("overlay"),
        &rootfs.target,
        Some("overlay"),
        MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(opts.as_str()),
    )
    .map_err(|e| {
        anyhow!(
            "mounting the container's file system at {}: {}",
            rootfs.target.display(),
            e.desc()
        )
    })?;
    let root = File::open(&rootfs.target)
        .with_context(|| format!("opening {}", rootfs.target.display()))?;
    Ok(View {
        root: root.into(),
        target: rootfs.target.clone(),
        upper,
        opaque_key: if rootfs.userxattr {
            c"user.overlay.opaque"
        } else {
            c"trusted.overlay.opaque"
        },
    })
}

/// `struct open_how` of openat2(2).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

const RESOLVE_NO_XDEV: u64 = 0x01;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_IN_ROOT: u64 = 0x10;

fn openat2(dir: RawFd, rel: &str, flags: i32, resolve: u64) -> io::Result<OwnedFd> {
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

fn cstr(b: &[u8]) -> Result<CString> {
    CString::new(b).map_err(|_| anyhow!("a name with a NUL byte"))
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
        out.push(cstr(
            e.context("listing a directory")?.file_name().as_bytes(),
        )?);
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

impl View {
    /// Open container path `path` (absolute), symlinks resolved inside
    /// the container, the last one too.
    pub fn open(&self, path: &str, flags: i32) -> io::Result<OwnedFd> {
        open_in_root(&self.root, path, flags)
    }

    /// Open the parent of `path` (resolved in the container) and give the
    /// last component's name, not followed.
    fn open_parent(&self, path: &str) -> Result<(OwnedFd, CString)> {
        let p = Path::new(path);
        let name = p
            .file_name()
            .map(|n| n.as_bytes().to_vec())
            .unwrap_or_else(|| b".".to_vec());
        let parent = p
            .parent()
            .map_or("/".into(), |p| p.to_string_lossy().into_owned());
        let fd = self
            .open(&parent, libc::O_RDONLY | libc::O_DIRECTORY)
            .with_context(|| parent.to_string())?;
        Ok((fd, cstr(&name)?))
    }

    /// The container path of an fd opened in this view.
    pub fn container_path(&self, fd: &OwnedFd) -> Result<String> {
        let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .context("reading a descriptor's path")?;
        let rel = real
            .strip_prefix(&self.target)
            .map_err(|_| anyhow!("{} is outside the container", real.display()))?;
        Ok(format!("/{}", rel.display()))
    }
}

/// Copy container path `src` to host path `dst` (Docker's rules: into
/// `dst` when it is a directory, else as `dst`). `-` as `dst`: a tar to
/// `out`.
pub fn copy_out(view: &View, src: &str, dst: &Path, out: &mut dyn Write) -> Result<()> {
    let (parent, name) = view.open_parent(src).with_context(|| src.to_string())?;
    let name = if name.as_bytes() == b"." {
        // `/` or a path ending in `/.`: the directory itself.
        return copy_out_dir_contents(view, src, dst, out);
    } else {
        name
    };
    let st = lstatat(parent.as_raw_fd(), &name)
        .with_context(|| format!("{src}: no such file or directory in the container"))?;
    if dst.as_os_str() == "-" {
        let opts = crate::layer_tar::diff::DiffOptions::default();
        return crate::layer_tar::diff::write_entry_tar(parent.as_raw_fd(), &name, out, &opts)
            .map(drop)
            .with_context(|| format!("archiving {src}"));
    }
    let target = if dst.is_dir() {
        dst.join(std::ffi::OsStr::from_bytes(name.as_bytes()))
    } else {
        dst.to_path_buf()
    };
    copy_node_out(parent.as_raw_fd(), &name, &st, &target)
        .with_context(|| format!("copying {src} to {}", dst.display()))
}

fn copy_out_dir_contents(view: &View, src: &str, dst: &Path, out: &mut dyn Write) -> Result<()> {
    let d = view
        .open(src, libc::O_RDONLY | libc::O_DIRECTORY)
        .with_context(|| src.to_string())?;
    if dst.as_os_str() == "-" {
        let opts = crate::layer_tar::diff::DiffOptions::default();
        return crate::layer_tar::diff::write_entry_tar(d.as_raw_fd(), c".", out, &opts)
            .map(drop)
            .with_context(|| format!("archiving {src}"));
    }
    std::fs::create_dir_all(dst).with_context(|| format!("creating {}", dst.display()))?;
    for n in names(&d)? {
        let st = lstatat(d.as_raw_fd(), &n)?;
        copy_node_out(
            d.as_raw_fd(),
            &n,
            &st,
            &dst.join(std::ffi::OsStr::from_bytes(n.as_bytes())),
        )?;
    }
    Ok(())
}

/// Copy `name` in `dir` (container side, never followed) to host `dst`.
fn copy_node_out(dir: RawFd, name: &CStr, st: &libc::stat, dst: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let at = || dst.display().to_string();
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => {
            let d = openat(dir, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            match std::fs::create_dir(dst) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dst.is_dir() => {}
                Err(e) => return Err(e).with_context(at),
            }
            for n in names(&d)? {
                let cst = lstatat(d.as_raw_fd(), &n)?;
                copy_node_out(
                    d.as_raw_fd(),
                    &n,
                    &cst,
                    &dst.join(std::ffi::OsStr::from_bytes(n.as_bytes())),
                )?;
            }
            std::fs::set_permissions(dst, std::fs::Permissions::from_mode(st.st_mode & 0o7777))
                .with_context(at)?;
        }
        libc::S_IFREG => {
            let mut f = File::from(openat(dir, name, libc::O_RDONLY)?);
            let _ = std::fs::remove_file(dst);
            let mut o = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(dst)
                .with_context(at)?;
            io::copy(&mut f, &mut o).with_context(at)?;
            o.set_permissions(std::fs::Permissions::from_mode(st.st_mode & 0o7777))
                .with_context(at)?;
        }
        libc::S_IFLNK => {
            let t = readlinkat(dir, name)?;
            let _ = std::fs::remove_file(dst);
            std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&t), dst).with_context(at)?;
        }
        _ => {} // devices, fifos, sockets are not copied out
    }
    Ok(())
}

/// Copy host path `src` (or, for `-`, the tar `input` unpacked in
/// `staging`) into container path `dst`, writing the container's upper
/// dir.
pub fn copy_in(
    view: &View,
    src: &Path,
    dst: &str,
    staging: &Path,
    input: &mut (dyn Read + Send),
) -> Result<()> {
    // Where the destination really is in the container: resolved in the
    // merged view, symlinks and all, inside the container's root.
    let (parent, name) = view.open_parent(dst).with_context(|| dst.to_string())?;
    let existing = lstatat(parent.as_raw_fd(), &name).ok();
    let follow = existing.is_some_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFLNK);
    let (dir_path, name, dst_is_dir) = if follow || name.as_bytes() == b"." {
        // The destination is a symlink (or `.`): follow it in the container.
        match view.open(dst, libc::O_PATH) {
            Ok(fd) => {
                let p = view.container_path(&fd)?;
                let st = fstat(fd.as_raw_fd())?;
                split(&p, is_dir(&st))?
            }
            Err(_) => {
                // A dangling link: write where it points, resolved in the root.
                let t = readlinkat(parent.as_raw_fd(), &name)?;
                let t = String::from_utf8_lossy(&t).into_owned();
                let base = view.container_path(&parent)?;
                let full = if t.starts_with('/') {
                    t
                } else {
                    format!("{base}/{t}")
                };
                let (pp, pn) = view.open_parent(&full)?;
                let p = view.container_path(&pp)?;
                (p, pn, false)
            }
        }
    } else {
        let p = view.container_path(&parent)?;
        (p, name, existing.is_some_and(|st| is_dir(&st)))
    };

    if src.as_os_str() == "-" {
        // A tar on standard input: unpacked into the destination directory.
        if !dst_is_dir {
            bail!("{dst}: the destination of a tar stream must be a directory");
        }
        let tree = staging.join("in");
        std::fs::create_dir_all(&tree).with_context(|| format!("creating {}", tree.display()))?;
        let opts = crate::layer_tar::UnpackOptions {
            layer: "standard input".into(),
            opaque_xattr: crate::layer_tar::OpaqueXattr::User,
            chown: nix::unistd::geteuid().is_root(),
        };
        crate::layer_tar::unpack(input, &tree, &staging.join("tar-split"), &opts)?;
        let dir = format!(
            "{}/{}",
            dir_path.trim_end_matches('/'),
            String::from_utf8_lossy(name.as_bytes())
        );
        let up = upper_dir(view, &dir)?;
        let s = File::open(&tree).with_context(|| format!("opening {}", tree.display()))?;
        let s: OwnedFd = s.into();
        for n in names(&s)? {
            copy_node_in(view, s.as_raw_fd(), &n, up.as_raw_fd())?;
        }
        return Ok(());
    }

    std::fs::symlink_metadata(src).with_context(|| format!("{}", src.display()))?;
    let src_parent = src
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let src_name = src
        .file_name()
        .ok_or_else(|| anyhow!("{}: cannot copy this path", src.display()))?;
    let sp: OwnedFd = File::open(src_parent)
        .with_context(|| format!("opening {}", src_parent.display()))?
        .into();
    let (into, as_name) = if dst_is_dir {
        let d = format!(
            "{}/{}",
            dir_path.trim_end_matches('/'),
            String::from_utf8_lossy(name.as_bytes())
        );
        (d, cstr(src_name.as_bytes())?)
    } else {
        (dir_path, name)
    };
    let up = upper_dir(view, &into)?;
    copy_node_in_as(
        view.opaque_key,
        sp.as_raw_fd(),
        &cstr(src_name.as_bytes())?,
        up.as_raw_fd(),
        &as_name,
        false,
    )
    .with_context(|| format!("copying {} to {dst}", src.display()))
}

fn split(p: &str, is_dir: bool) -> Result<(String, CString, bool)> {
    let path = Path::new(p);
    match (path.parent(), path.file_name()) {
        (Some(par), Some(n)) => Ok((
            par.to_string_lossy().into_owned(),
            cstr(n.as_bytes())?,
            is_dir,
        )),
        _ => Ok(("/".into(), cstr(b".")?, true)),
    }
}

/// Open (creating as needed) container directory `dir` (resolved, no
/// symlinks) in the upper dir, copying each missing directory's mode and
/// owner from the merged view.
fn upper_dir(view: &View, dir: &str) -> Result<OwnedFd> {
    let mut cur: OwnedFd = File::open(&view.upper)
        .with_context(|| format!("opening {}", view.upper.display()))?
        .into();
    let mut merged = view.open("/", libc::O_RDONLY | libc::O_DIRECTORY)?;
    for comp in dir.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let c = cstr(comp.as_bytes())?;
        let mst = lstatat(merged.as_raw_fd(), &c).with_context(|| dir.to_string())?;
        if !is_dir(&mst) {
            bail!("{dir}: {comp} is not a directory in the container");
        }
        merged = openat(merged.as_raw_fd(), &c, libc::O_RDONLY | libc::O_DIRECTORY)?;
        match lstatat(cur.as_raw_fd(), &c) {
            Ok(st) if is_dir(&st) => {}
            Ok(_) => bail!("{dir}: {comp} is not a directory in the container's layer"),
            Err(_) => {
                // SAFETY: valid fd and name.
                if unsafe { libc::mkdirat(cur.as_raw_fd(), c.as_ptr(), 0o700) } != 0 {
                    return Err(io::Error::last_os_error())
                        .with_context(|| format!("creating {dir}"));
                }
                let d = openat(cur.as_raw_fd(), &c, libc::O_RDONLY | libc::O_DIRECTORY)?;
                // SAFETY: valid fd.
                unsafe {
                    libc::fchown(d.as_raw_fd(), mst.st_uid, mst.st_gid);
                    libc::fchmod(d.as_raw_fd(), mst.st_mode & 0o7777);
                }
            }
        }
        cur = openat(cur.as_raw_fd(), &c, libc::O_RDONLY | libc::O_DIRECTORY)
            .with_context(|| format!("opening {dir} in the container's layer"))?;
    }
    Ok(cur)
}

fn copy_node_in(view: &View, sdir: RawFd, name: &CStr, udir: RawFd) -> Result<()> {
    copy_node_in_as(view.opaque_key, sdir, name, udir, name, false)
}

/// Copy host `name` in `sdir` (never followed) to `as_name` in upper dir
/// `udir`. What the upper dir has there is replaced, except a directory
/// onto a directory, which is merged; a whiteout is replaced, and a new
/// directory in its place is made opaque, so the deleted lower contents
/// stay deleted.
fn copy_node_in_as(
    opaque_key: &CStr,
    sdir: RawFd,
    name: &CStr,
    udir: RawFd,
    as_name: &CStr,
    keep: bool,
) -> Result<()> {
    let st = lstatat(sdir, name)?;
    let there = lstatat(udir, as_name).ok();
    let was_whiteout =
        there.is_some_and(|t| t.st_mode & libc::S_IFMT == libc::S_IFCHR && t.st_rdev == 0);
    let keep_dir = is_dir(&st) && there.is_some_and(|t| is_dir(&t));
    if there.is_some() && !keep_dir {
        remove_at(udir, as_name)?;
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => {
            if !keep_dir {
                // SAFETY: valid fd and name.
                if unsafe { libc::mkdirat(udir, as_name.as_ptr(), 0o700) } != 0 {
                    return Err(io::Error::last_os_error()).context("creating a directory");
                }
            }
            let d = openat(udir, as_name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            if was_whiteout {
                // SAFETY: valid fd, key and value.
                unsafe {
                    libc::fsetxattr(
                        d.as_raw_fd(),
                        opaque_key.as_ptr(),
                        b"y".as_ptr().cast(),
                        1,
                        0,
                    )
                };
            }
            let s = openat(sdir, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            for n in names(&s)? {
                copy_node_in_as(opaque_key, s.as_raw_fd(), &n, d.as_raw_fd(), &n, keep)?;
            }
            if keep {
                keep_owner_and_time(d.as_raw_fd(), None, &st)?;
            }
            // SAFETY: valid fd.
            unsafe { libc::fchmod(d.as_raw_fd(), st.st_mode & 0o7777) };
        }
        libc::S_IFREG => {
            let mut s = File::from(openat(sdir, name, libc::O_RDONLY)?);
            // SAFETY: valid fd and name.
            let fd = unsafe {
                libc::openat(
                    udir,
                    as_name.as_ptr(),
                    libc::O_WRONLY
                        | libc::O_CREAT
                        | libc::O_EXCL
                        | libc::O_NOFOLLOW
                        | libc::O_CLOEXEC,
                    0o600,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error()).context("creating a file");
            }
            // SAFETY: a fresh descriptor.
            let mut o = unsafe { File::from_raw_fd(fd) };
            io::copy(&mut s, &mut o).context("writing a file")?;
            if keep {
                keep_owner_and_time(o.as_raw_fd(), None, &st)?;
            }
            // SAFETY: valid fd.
            unsafe { libc::fchmod(o.as_raw_fd(), st.st_mode & 0o7777) };
        }
        libc::S_IFLNK => {
            let t = cstr(&readlinkat(sdir, name)?)?;
            // SAFETY: valid strings and fd.
            if unsafe { libc::symlinkat(t.as_ptr(), udir, as_name.as_ptr()) } != 0 {
                return Err(io::Error::last_os_error()).context("creating a symlink");
            }
            if keep {
                keep_owner_and_time(udir, Some(as_name), &st)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Copy what directory `src` holds into the empty directory `dst`, as
/// they are: owners, modes and times kept, symlinks not followed, and
/// `dst` itself given `src`'s owner, mode and time. (Devices, fifos and
/// sockets are left out.)
pub fn copy_dir_contents(src: &OwnedFd, dst: &OwnedFd) -> Result<()> {
    for n in names(src)? {
        copy_node_in_as(c"", src.as_raw_fd(), &n, dst.as_raw_fd(), &n, true)
            .with_context(|| String::from_utf8_lossy(n.as_bytes()).into_owned())?;
    }
    let st = fstat(src.as_raw_fd())?;
    keep_owner_and_time(dst.as_raw_fd(), None, &st)?;
    // SAFETY: valid fd.
    unsafe { libc::fchmod(dst.as_raw_fd(), st.st_mode & 0o7777) };
    Ok(())
}

/// Give directory `dir` and everything below it owner `uid:gid`, never
/// following a symlink (each step is relative to an open directory, so
/// a program that swaps a directory for a link reaches nothing else).
pub fn chown_tree(dir: &OwnedFd, uid: u32, gid: u32) -> Result<()> {
    for n in names(dir)? {
        // SAFETY: valid fd and name.
        if unsafe {
            libc::fchownat(
                dir.as_raw_fd(),
                n.as_ptr(),
                uid,
                gid,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        } != 0
        {
            return Err(io::Error::last_os_error()).context("setting an owner");
        }
        if is_dir(&lstatat(dir.as_raw_fd(), &n)?) {
            chown_tree(
                &openat(dir.as_raw_fd(), &n, libc::O_RDONLY | libc::O_DIRECTORY)?,
                uid,
                gid,
            )?;
        }
    }
    // SAFETY: valid fd.
    if unsafe { libc::fchown(dir.as_raw_fd(), uid, gid) } != 0 {
        return Err(io::Error::last_os_error()).context("setting an owner");
    }
    Ok(())
}

/// Remove `name` in `dir` whatever it is, never following a symlink.
fn remove_at(dir: RawFd, name: &CStr) -> Result<()> {
    // SAFETY: valid fd and name.
    if unsafe { libc::unlinkat(dir, name.as_ptr(), 0) } == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::EISDIR) {
        return Err(e).context("removing an entry");
    }
    let d = openat(dir, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
    for n in names(&d)? {
        remove_at(d.as_raw_fd(), &n)?;
    }
    drop(d);
    // SAFETY: valid fd and name.
    if unsafe { libc::unlinkat(dir, name.as_ptr(), libc::AT_REMOVEDIR) } != 0 {
        return Err(io::Error::last_os_error()).context("removing a directory");
    }
    Ok(())
}

/// Give `fd` (or, with `name`, the entry `name` in directory `fd`, not
/// followed) the owner and modification time of `st`. An owner the user
/// namespace cannot map (a user without subordinate ids) is left as is.
fn keep_owner_and_time(fd: RawFd, name: Option<&CStr>, st: &libc::stat) -> Result<()> {
    let times = [
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
    ];
    let (path, flags) = match name {
        Some(n) => (n.as_ptr(), libc::AT_SYMLINK_NOFOLLOW),
        None => (
            c"".as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        ),
    };
    // SAFETY: valid fd, name and ids.
    if unsafe { libc::fchownat(fd, path, st.st_uid, st.st_gid, flags) } != 0 {
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) {
            return Err(e).context("setting an owner");
        }
    }
    // SAFETY: valid fd, name and times.
    let r = unsafe {
        match name {
            Some(_) => libc::utimensat(fd, path, times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW),
            None => libc::futimens(fd, times.as_ptr()),
        }
    };
    if r != 0 {
        return Err(io::Error::last_os_error()).context("setting a modification time");
    }
    Ok(())
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

/// Resolve container directory path `dir` (absolute) as far as it
/// exists: the resolved container path of the longest existing prefix
/// (symlinks followed inside the container) and the components below it
/// that do not exist yet. Fails when an existing component is not a
/// directory.
pub fn resolve_dir(view: &View, dir: &str) -> Result<(String, Vec<String>)> {
    let comps: Vec<&str> = dir
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let mut resolved = "/".to_string();
    for (i, comp) in comps.iter().enumerate() {
        let next = format!("{}/{comp}", resolved.trim_end_matches('/'));
        match view.open(&next, libc::O_PATH) {
            Ok(fd) => {
                let st = fstat(fd.as_raw_fd())?;
                if !is_dir(&st) {
                    bail!("{dir}: {next} is not a directory in the container");
                }
                resolved = view.container_path(&fd)?;
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                return Ok((resolved, comps[i..].iter().map(|c| c.to_string()).collect()));
            }
            Err(e) => return Err(e).with_context(|| format!("{dir}: resolving {next}")),
        }
    }
    Ok((resolved, Vec::new()))
}

/// Copy the entries of host directory `tree` into container directory
/// `dst` (resolved, see [`resolve_dir`]; it must exist) in the upper dir,
/// keeping each entry's owner, mode and modification time (`build`'s
/// COPY and ADD). `dst` itself keeps its metadata.
pub fn copy_tree_in(view: &View, tree: &Path, dst: &str) -> Result<()> {
    let up = upper_dir(view, dst)?;
    let s: OwnedFd = File::open(tree)
        .with_context(|| format!("opening {}", tree.display()))?
        .into();
    for n in names(&s)? {
        copy_node_in_as(view.opaque_key, s.as_raw_fd(), &n, up.as_raw_fd(), &n, true)
            .with_context(|| format!("copying to {dst}"))?;
    }
    Ok(())
}
