//! `cp` between containers and the host, for stopped and running
//! containers alike.
//!
//! A stopped container's file system is seen through a private, read-only
//! overlay of its upper dir over its image's layers, mounted in a mount
//! namespace of this process alone (and, for a user without a subordinate
//! range, a user namespace mapping the user); copies into it are written
//! to its upper dir. A running container is seen as its own processes
//! see it, through `/proc/PID/root` of its pid 1: its volumes, bind
//! mounts and tmpfs mounts are there, and copies go through them.
//!
//! Every container path is opened with `openat2(RESOLVE_IN_ROOT)` below
//! the container's root, so symlinks resolve as they would inside the
//! container: a link to `/etc/shadow` reaches the container's
//! `/etc/shadow`, never the host's (the symlink-escape class of `docker
//! cp` bugs, CVE-2018-15664 and CVE-2019-14271). Below the resolved path,
//! trees are walked by fd with `O_NOFOLLOW`, so a symlink inside is
//! copied as a symlink.
//!
//! Copying into a stopped container writes its upper dir: the destination
//! is resolved in the merged view, and the resolved path (which has no
//! symlinks left) is created in the upper dir component by component,
//! again without following any symlink.
//!
//! [`open_view`] must be called while the process has one thread: it
//! unshares namespaces.

use super::spec::Rootfs;
use super::sys::{self, Linux, MsFlags};
use crate::fsat::{
    fstat, is_dir, lstatat, names, openat, openat2, readlinkat, RESOLVE_IN_ROOT,
    RESOLVE_NO_MAGICLINKS,
};
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// A container's file system, as `cp` and `build` reach it.
pub struct View {
    root: OwnedFd,
    /// `None`: a running container's own tree (writes go through it).
    layer: Option<Layer>,
}

/// A stopped container's merged view, read-only, in this process's own
/// mount namespace, and the upper dir that copies write.
struct Layer {
    target: PathBuf,
    upper: PathBuf,
    opaque_key: &'static CStr,
}

/// The running container whose pid 1 is `(pid1, start time)`, seen
/// through `/proc/PID/root`. berth's own `--init` cannot be opened so
/// by a rootless user (it is not dumpable and its memory belongs to the
/// host's user namespace); then a child of it serves, as for `exec`.
pub fn live_view(pid1: i32, start: u64) -> Result<View> {
    let gone = || anyhow!("the container stopped");
    let open = |pid: i32| File::open(format!("/proc/{pid}/root"));
    let root = match open(pid1) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => super::exec::children(pid1)
            .into_iter()
            .find_map(|c| {
                let started = super::exec::process_start_time(c);
                let f = open(c).ok()?;
                // Still the same child of pid 1 once the root is open.
                (super::exec::process_start_time(c) == started
                    && super::exec::parent_pid(c) == Some(pid1))
                .then_some(f)
            })
            .ok_or_else(|| anyhow!("opening the root of process {pid1}: {e}"))?,
        Err(_) => return Err(gone()),
    };
    // A pid reused before the open would have another start time.
    if super::exec::process_start_time(pid1) != Some(start) {
        return Err(gone());
    }
    Ok(View {
        root: root.into(),
        layer: None,
    })
}

/// Enter private namespaces and mount the merged view of `rootfs`
/// (upper dir over the lower dirs) read-only at `rootfs.target`.
/// A `--rootfs DIR` container's root is the directory itself.
pub fn open_view(rootfs: &Rootfs) -> Result<View> {
    if let Some(dir) = rootfs.bound_dir() {
        let root = File::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
        return Ok(View {
            root: root.into(),
            layer: None,
        });
    }
    let euid = nix::unistd::geteuid();
    // A plain user (no subordinate range): the user alone, as root.
    let alone = (!euid.is_root()).then(|| (euid, nix::unistd::getegid()));
    sys::private_mount_namespace(&Linux, alone)?;
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
    sys::Overlay {
        base: None,
        lowers: &lowers,
        upper: None,
        userxattr: rootfs.userxattr,
    }
    .mount(
        &Linux,
        &rootfs.target,
        MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
    )?
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
        layer: Some(Layer {
            target: rootfs.target.clone(),
            upper,
            opaque_key: if rootfs.userxattr {
                c"user.overlay.opaque"
            } else {
                c"trusted.overlay.opaque"
            },
        }),
    })
}

fn cstr(b: &[u8]) -> Result<CString> {
    CString::new(b).map_err(|_| anyhow!("a name with a NUL byte"))
}

/// Where a container path leads, every symlink followed inside the
/// container (the last one too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It exists: its resolved path (absolute, no symlinks) and whether
    /// it is a directory.
    Is { path: String, dir: bool },
    /// Everything but the last component exists: where it would be
    /// (for a dangling symlink, where the link points).
    Missing { path: String },
}

impl View {
    /// Open container path `path` (absolute), symlinks resolved inside
    /// the container, the last one too.
    pub fn open(&self, path: &str, flags: i32) -> io::Result<OwnedFd> {
        let rel = path.trim_start_matches('/');
        let rel = if rel.is_empty() { "." } else { rel };
        openat2(
            self.root.as_raw_fd(),
            rel,
            flags,
            RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        )
    }

    /// Whether this is a running container's own tree.
    pub fn is_live(&self) -> bool {
        self.layer.is_none()
    }

    /// Resolve container path `path` (absolute) as the kernel would
    /// inside the container, never leaving its root.
    pub fn stat(&self, path: &str) -> io::Result<Found> {
        let comps = |p: &str| -> Vec<String> {
            p.split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .map(str::to_string)
                .collect()
        };
        let mut todo: std::collections::VecDeque<String> = comps(path).into();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        let joined = |d: &[String]| format!("/{}", d.join("/"));
        while let Some(c) = todo.pop_front() {
            if c == ".." {
                done.pop();
                continue;
            }
            done.push(c);
            let here = joined(&done);
            let fd = match self.open(&here, libc::O_PATH | libc::O_NOFOLLOW) {
                Ok(fd) => fd,
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) && todo.is_empty() => {
                    return Ok(Found::Missing { path: here });
                }
                Err(e) => return Err(e),
            };
            let st = fstat(fd.as_raw_fd())?;
            if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                links += 1;
                if links > 40 {
                    return Err(io::Error::from_raw_os_error(libc::ELOOP));
                }
                let target = readlinkat(fd.as_raw_fd(), c"")?;
                let target = String::from_utf8_lossy(&target).into_owned();
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                for t in comps(&target).into_iter().rev() {
                    todo.push_front(t);
                }
            } else if !todo.is_empty() && !is_dir(&st) {
                return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
            }
        }
        let path = joined(&done);
        let st = fstat(self.open(&path, libc::O_PATH)?.as_raw_fd())?;
        Ok(Found::Is {
            dir: is_dir(&st),
            path,
        })
    }

    /// The container path of an fd opened in a stopped container's view.
    pub fn container_path(&self, fd: &OwnedFd) -> Result<String> {
        let layer = self
            .layer
            .as_ref()
            .ok_or_else(|| anyhow!("a running container's paths are not known by descriptor"))?;
        let real = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
            .context("reading a descriptor's path")?;
        let rel = real
            .strip_prefix(&layer.target)
            .map_err(|_| anyhow!("{} is outside the container", real.display()))?;
        Ok(format!("/{}", rel.display()))
    }

    /// Container directory `dir` (resolved, existing) to write into: the
    /// directory itself in a running container, its copy in the upper
    /// dir (made as needed) in a stopped one. Also the directory as the
    /// container sees it, to check what a copy would replace.
    pub fn dest_dir(&self, dir: &str) -> Result<Dest> {
        let seen = self
            .open(dir, libc::O_RDONLY | libc::O_DIRECTORY)
            .with_context(|| dir.to_string())?;
        let (write, opaque_key) = match &self.layer {
            None => (seen.try_clone().context("duplicating a descriptor")?, c""),
            Some(l) => (upper_dir(self, l, dir)?, l.opaque_key),
        };
        Ok(Dest {
            write,
            seen,
            opaque_key,
        })
    }
}

/// A directory a copy writes into.
pub struct Dest {
    write: OwnedFd,
    /// The same directory as the container (or the host) sees it.
    seen: OwnedFd,
    opaque_key: &'static CStr,
}

impl Dest {
    /// A host directory.
    pub fn host(dir: &Path) -> Result<Dest> {
        let f: OwnedFd = File::open(dir)
            .with_context(|| format!("opening {}", dir.display()))?
            .into();
        Ok(Dest {
            seen: f.try_clone().context("duplicating a descriptor")?,
            write: f,
            opaque_key: c"",
        })
    }
}

/// Who owns what a copy writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The source's owners (`build`'s COPY, `cp -a=false`).
    Keep,
    /// These ids (`cp` into a container: its user).
    Set(u32, u32),
    /// Whoever writes (`cp` out to the host).
    Writer,
}

/// How a copy writes.
#[derive(Debug, Clone, Copy)]
pub struct Put<'a> {
    pub owner: Owner,
    /// The container's `--uidmap`/`--gidmap` when it runs with them: the
    /// ids of `owner` are the container's, and these maps give the ids
    /// to write through its root (see [`super::idmap`]).
    pub shift: Option<&'a super::spec::IdMap>,
    /// Replace a directory with a non-directory and the other way round
    /// (`cp --overwrite`).
    pub overwrite: bool,
    /// Names left out of the directory [`put`] is given (not of those
    /// below it): a running container's `/proc`, `/sys` and `/dev` when
    /// its root is copied.
    pub skip: &'static [&'static str],
}

/// Copy `name` in directory `sdir` (never followed; a directory with
/// everything below it) into `dest` as `as_name`. A directory onto a
/// directory merges; anything else replaces what is there. Modes and
/// modification times are kept; owners as `put` says. Devices, fifos
/// and sockets are left out.
pub fn put(sdir: RawFd, name: &CStr, dest: &Dest, as_name: &CStr, put: &Put) -> Result<()> {
    put_node(
        dest.opaque_key,
        sdir,
        name,
        dest.write.as_raw_fd(),
        Some(dest.seen.as_raw_fd()),
        as_name,
        put,
        &mut Vec::new(),
    )
}

/// The names in `dir` (never followed), for copying what a directory
/// holds; `skip` names are left out.
pub fn entries(dir: RawFd, skip: &[&str]) -> Result<Vec<CString>> {
    let d = openat(dir, c".", libc::O_RDONLY | libc::O_DIRECTORY)?;
    Ok(names(&d)?
        .into_iter()
        .filter(|n| !skip.iter().any(|s| s.as_bytes() == n.as_bytes()))
        .collect())
}

/// Write a tar of the `names` in directory `dir` (each never followed; a
/// directory with everything below it) to `out`, entries named from each
/// name on, owners as they are.
pub fn tar(dir: RawFd, names: &[CString], out: &mut dyn Write) -> Result<()> {
    let opts = crate::layer_tar::diff::DiffOptions::default();
    crate::layer_tar::diff::write_entries_tar(dir, names, out, &opts)
        .map(drop)
        .context("writing a tar")
}

/// Open (creating as needed) container directory `dir` (resolved, no
/// symlinks) in the upper dir, copying each missing directory's mode and
/// owner from the merged view.
fn upper_dir(view: &View, layer: &Layer, dir: &str) -> Result<OwnedFd> {
    let mut cur: OwnedFd = File::open(&layer.upper)
        .with_context(|| format!("opening {}", layer.upper.display()))?
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

/// Copy host `name` in `sdir` (never followed) to `as_name` in `udir`
/// (`seen`: the same directory as the container sees it, where it
/// exists, to check what is replaced). What `udir` has there is
/// replaced, except a directory onto a directory, which is merged; a
/// whiteout is replaced, and a new directory in its place is made
/// opaque, so the deleted lower contents stay deleted. `rel`: the path
/// below the copy's top, for messages.
#[allow(clippy::too_many_arguments)]
fn put_node(
    opaque_key: &CStr,
    sdir: RawFd,
    name: &CStr,
    udir: RawFd,
    seen: Option<RawFd>,
    as_name: &CStr,
    put: &Put,
    rel: &mut Vec<u8>,
) -> Result<()> {
    let st = lstatat(sdir, name)?;
    let fmt = st.st_mode & libc::S_IFMT;
    if !matches!(fmt, libc::S_IFDIR | libc::S_IFREG | libc::S_IFLNK) {
        return Ok(());
    }
    let depth = rel.len();
    if !rel.is_empty() {
        rel.push(b'/');
    }
    rel.extend_from_slice(as_name.to_bytes());
    let shown = |rel: &[u8]| String::from_utf8_lossy(rel).into_owned();
    let seen_st = seen.and_then(|d| lstatat(d, as_name).ok());
    if let Some(t) = seen_st.filter(|_| !put.overwrite) {
        match (is_dir(&st), is_dir(&t)) {
            (true, false) => bail!(
                "cannot overwrite non-directory {:?} with a directory (--overwrite replaces it)",
                shown(rel)
            ),
            (false, true) => bail!(
                "cannot overwrite directory {:?} with a non-directory (--overwrite replaces it)",
                shown(rel)
            ),
            _ => {}
        }
    }
    let there = lstatat(udir, as_name).ok();
    let was_whiteout =
        there.is_some_and(|t| t.st_mode & libc::S_IFMT == libc::S_IFCHR && t.st_rdev == 0);
    let keep_dir = is_dir(&st) && there.is_some_and(|t| is_dir(&t));
    if there.is_some() && !keep_dir {
        remove_at(udir, as_name)?;
    }
    let at = |rel: &[u8], what: &str| format!("{what} {}", shown(rel));
    match fmt {
        libc::S_IFDIR => {
            if !keep_dir {
                // SAFETY: valid fd and name.
                if unsafe { libc::mkdirat(udir, as_name.as_ptr(), 0o700) } != 0 {
                    return Err(io::Error::last_os_error()).with_context(|| at(rel, "creating"));
                }
            }
            let d = openat(udir, as_name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            if was_whiteout && !opaque_key.is_empty() {
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
            // Below a directory that was not a directory, nothing is seen.
            let below = match seen_st {
                Some(t) if is_dir(&t) => {
                    seen.and_then(|s| openat(s, as_name, libc::O_RDONLY | libc::O_DIRECTORY).ok())
                }
                _ => None,
            };
            let s = openat(sdir, name, libc::O_RDONLY | libc::O_DIRECTORY)?;
            let skip = if depth == 0 { put.skip } else { &[] };
            for n in entries(s.as_raw_fd(), skip)? {
                put_node(
                    opaque_key,
                    s.as_raw_fd(),
                    &n,
                    d.as_raw_fd(),
                    below.as_ref().map(|b| b.as_raw_fd()),
                    &n,
                    put,
                    rel,
                )?;
            }
            set_owner_and_time(d.as_raw_fd(), None, &st, put)?;
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
                return Err(io::Error::last_os_error()).with_context(|| at(rel, "creating"));
            }
            // SAFETY: a fresh descriptor.
            let mut o = unsafe { File::from_raw_fd(fd) };
            io::copy(&mut s, &mut o).with_context(|| at(rel, "writing"))?;
            set_owner_and_time(o.as_raw_fd(), None, &st, put)?;
            // SAFETY: valid fd.
            unsafe { libc::fchmod(o.as_raw_fd(), st.st_mode & 0o7777) };
        }
        _ => {
            let t = cstr(&readlinkat(sdir, name)?)?;
            // SAFETY: valid strings and fd.
            if unsafe { libc::symlinkat(t.as_ptr(), udir, as_name.as_ptr()) } != 0 {
                return Err(io::Error::last_os_error()).with_context(|| at(rel, "creating"));
            }
            set_owner_and_time(udir, Some(as_name), &st, put)?;
        }
    }
    rel.truncate(depth);
    Ok(())
}

/// Copy what directory `src` holds into the empty directory `dst`, as
/// they are: owners, modes and times kept, symlinks not followed, and
/// `dst` itself given `src`'s owner, mode and time. (Devices, fifos and
/// sockets are left out.)
pub fn copy_dir_contents(src: &OwnedFd, dst: &OwnedFd) -> Result<()> {
    let keep = Put {
        owner: Owner::Keep,
        shift: None,
        overwrite: true,
        skip: &[],
    };
    for n in names(src)? {
        put_node(
            c"",
            src.as_raw_fd(),
            &n,
            dst.as_raw_fd(),
            None,
            &n,
            &keep,
            &mut Vec::new(),
        )
        .with_context(|| String::from_utf8_lossy(n.as_bytes()).into_owned())?;
    }
    let st = fstat(src.as_raw_fd())?;
    set_owner_and_time(dst.as_raw_fd(), None, &st, &keep)?;
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
/// followed) the modification time of `st` and the owner `put` says,
/// through the container's maps when it has them. An owner the user
/// namespace cannot map (a user without subordinate ids) is left as is.
fn set_owner_and_time(fd: RawFd, name: Option<&CStr>, st: &libc::stat, put: &Put) -> Result<()> {
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
    let ids = match put.owner {
        Owner::Keep => Some((st.st_uid, st.st_gid)),
        Owner::Set(u, g) => Some((u, g)),
        Owner::Writer => None,
    };
    // An owner the container's maps lack: its root (whose ids they have).
    let ids = match (ids, put.shift) {
        (Some((u, g)), Some(map)) => map.host_ids(u, g).or_else(|| map.host_ids(0, 0)),
        _ => ids,
    };
    if let Some((uid, gid)) = ids {
        // SAFETY: valid fd, name and ids.
        if unsafe { libc::fchownat(fd, path, uid, gid, flags) } != 0 {
            let e = io::Error::last_os_error();
            if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) {
                return Err(e).context("setting an owner");
            }
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
    let dest = view.dest_dir(dst)?;
    let s: OwnedFd = File::open(tree)
        .with_context(|| format!("opening {}", tree.display()))?
        .into();
    let keep = Put {
        owner: Owner::Keep,
        shift: None,
        overwrite: true,
        skip: &[],
    };
    for n in names(&s)? {
        put(s.as_raw_fd(), &n, &dest, &n, &keep).with_context(|| format!("copying to {dst}"))?;
    }
    Ok(())
}
