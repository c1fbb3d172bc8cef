//! The staging side of `build`'s COPY and ADD: a tree that receives the
//! selected sources with their final owners, modes and times (or a local
//! archive extracted), in a forked child that has entered the container's
//! file system (see `cp`), before `cp::copy_tree_in` puts it in place.

use super::cp::View;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::{CStr, CString, OsStr};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Run `f` in a forked child and wait for it; its error comes back as
/// the error of this call.
pub fn in_child(f: impl FnOnce() -> Result<()>) -> Result<()> {
    // The threads of an earlier step (layer unpacking) were joined, but
    // may not be gone yet.
    if !crate::runtime::container::single_threaded_within(std::time::Duration::from_millis(200)) {
        bail!("copying into a container must start from a single-threaded process");
    }
    let (mut r, mut w) =
        std::os::unix::net::UnixStream::pair().context("creating a socket pair")?;
    // SAFETY: the process has a single thread (checked above), so the
    // child may run arbitrary code.
    match unsafe { nix::unistd::fork() }.context("forking to copy")? {
        nix::unistd::ForkResult::Child => {
            drop(r);
            let code = match f() {
                Ok(()) => 0,
                Err(e) => {
                    let _ = w.write_all(format!("{e:#}").as_bytes());
                    1
                }
            };
            drop(w);
            // SAFETY: leave without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(w);
            let mut msg = String::new();
            let _ = r.read_to_string(&mut msg);
            let code = loop {
                match nix::sys::wait::waitpid(child, None) {
                    Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => break c,
                    Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => break 128 + s as i32,
                    Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => bail!("waiting for process {child}: {e}"),
                }
            };
            match (code, msg.is_empty()) {
                (0, _) => Ok(()),
                (_, false) => Err(anyhow!(msg)),
                (c, true) => bail!("the copy process failed with status {c}"),
            }
        }
    }
}

/// A staging tree and how its entries get their owner and mode.
pub struct Stage {
    tree: PathBuf,
    owner: Option<(u32, u32)>,
    chmod: Option<u32>,
    /// The ids can be set (root, or a user namespace with more than one
    /// id mapped).
    can_chown: bool,
    /// Directories staged, with the times to give them at the end.
    dirs: Vec<(PathBuf, libc::stat)>,
}

impl Stage {
    /// A staging tree at `tree` (made, 0755), whose entries get `owner`
    /// (else root) and mode `chmod` (else their own).
    pub fn new(tree: &Path, owner: Option<(u32, u32)>, chmod: Option<u32>) -> Result<Stage> {
        mkdir(tree, 0o755)?;
        Ok(Stage {
            tree: tree.to_path_buf(),
            owner,
            chmod,
            can_chown: can_chown(),
            dirs: Vec::new(),
        })
    }

    /// Make directory `rel` of the tree and its parents, 0755.
    pub fn mkdir_all(&self, rel: &str) -> Result<()> {
        if rel.is_empty() {
            return Ok(());
        }
        mkdir_all(&self.tree, rel)
    }

    /// Stage a regular file at `path` with `data`, status `st` (mode and
    /// time).
    pub fn file(&mut self, path: &str, st: &libc::stat, data: &mut dyn Read) -> Result<()> {
        self.put(path, st, Some(data), None).map(drop)
    }

    /// Stage a directory; its time is set by [`Stage::finish`].
    pub fn dir(&mut self, path: &str, st: &libc::stat) -> Result<()> {
        let p = self.put(path, st, None, None)?;
        self.dirs.push((p, *st));
        Ok(())
    }

    /// Stage a symlink to `target`.
    pub fn symlink(&mut self, path: &str, st: &libc::stat, target: &[u8]) -> Result<()> {
        self.put(path, st, None, Some(target)).map(drop)
    }

    /// Give the staged directories their times, the last staged first:
    /// filling a directory changes its time.
    pub fn finish(self) -> Result<()> {
        for (p, st) in self.dirs.iter().rev() {
            set_times(p, st)?;
        }
        Ok(())
    }

    /// Stage one entry at `path` (relative to the tree); the missing
    /// directories above it are made 0755, owned by root.
    fn put(
        &self,
        path: &str,
        st: &libc::stat,
        data: Option<&mut dyn Read>,
        link: Option<&[u8]>,
    ) -> Result<PathBuf> {
        let full = self.tree.join(path);
        if let Some(parent) = Path::new(path).parent() {
            let parent = parent.to_string_lossy();
            if !parent.is_empty() {
                mkdir_all(&self.tree, &parent)?;
            }
        }
        let (uid, gid) = self.owner.unwrap_or((0, 0));
        let mode = self.chmod.unwrap_or(st.st_mode & 0o7777);
        let what = || format!("staging {path}");
        let c = CString::new(full.as_os_str().as_bytes()).context("a name with a NUL byte")?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                match std::fs::symlink_metadata(&full) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        std::fs::remove_file(&full).with_context(what)?;
                        mkdir(&full, mode)?;
                    }
                    Err(_) => mkdir(&full, mode)?,
                }
                chown(&c, uid, gid, self.can_chown, false)?;
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode))
                    .with_context(what)?;
            }
            libc::S_IFLNK => {
                let _ = crate::fsutil::remove_all(&full);
                let t = Path::new(OsStr::from_bytes(link.unwrap_or_default()));
                std::os::unix::fs::symlink(t, &full).with_context(what)?;
                chown(&c, uid, gid, self.can_chown, true)?;
                set_times(&full, st)?;
            }
            _ => {
                let _ = crate::fsutil::remove_all(&full);
                let mut f = File::create(&full).with_context(what)?;
                if let Some(r) = data {
                    io::copy(r, &mut f).with_context(what)?;
                }
                drop(f);
                chown(&c, uid, gid, self.can_chown, false)?;
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode))
                    .with_context(what)?;
                set_times(&full, st)?;
            }
        }
        Ok(full)
    }

    /// ADD of a local archive: extract it into `dir` of the tree. Entries
    /// keep their modes and times, and their owners unless `--chown`
    /// gives one; no path escapes the tree (the tar crate's `unpack_in`
    /// skips `..` and refuses to write through symlinks).
    pub fn extract(&self, archive: Box<dyn Read + '_>, dir: &str, source: &str) -> Result<()> {
        let what = || format!("ADD {source}: extracting the archive");
        let into = self.tree.join(dir);
        mkdir_all(&self.tree, dir)?;
        let mut a = tar::Archive::new(archive);
        a.set_preserve_permissions(true);
        a.set_preserve_mtime(true);
        a.set_preserve_ownerships(self.can_chown && self.owner.is_none());
        a.set_unpack_xattrs(false);
        a.set_overwrite(true);
        let mut dirs = Vec::new();
        for entry in a.entries().with_context(what)? {
            let mut entry = entry.with_context(what)?;
            let rel: PathBuf = entry
                .path()
                .with_context(what)?
                .components()
                .filter(|c| matches!(c, std::path::Component::Normal(_)))
                .collect();
            let mtime = entry.header().mtime().unwrap_or(0) as i64;
            let is_dir = entry.header().entry_type().is_dir();
            if !entry.unpack_in(&into).with_context(what)? || rel.as_os_str().is_empty() {
                continue;
            }
            let full = into.join(&rel);
            if let Some((uid, gid)) = self.owner {
                let c = CString::new(full.as_os_str().as_bytes()).context("a NUL byte")?;
                chown(&c, uid, gid, self.can_chown, true)?;
            }
            if is_dir {
                dirs.push((full, mtime));
            }
        }
        // Directory times last: filling a directory changes its time.
        for (p, t) in dirs.iter().rev() {
            let mut st = now_stat(libc::S_IFDIR);
            st.st_mtime = *t;
            st.st_mtime_nsec = 0;
            set_times(p, &st)?;
        }
        Ok(())
    }
}

/// `--chown=user[:group]`: names looked up in the container's
/// `/etc/passwd` and `/etc/group`; a numeric user without a group is
/// also the group.
pub fn resolve_chown(
    view: &View,
    spec: &str,
    user: &str,
    group: Option<&str>,
) -> Result<(u32, u32)> {
    let read = |p: &str| -> String {
        let mut s = String::new();
        if let Ok(fd) = view.open(p, libc::O_RDONLY) {
            let _ = File::from(fd).read_to_string(&mut s);
        }
        s
    };
    let (uid, primary) = match user.parse::<u32>() {
        Ok(n) => (n, n),
        Err(_) => {
            let passwd = read("/etc/passwd");
            passwd
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() > 3 && f[0] == user)
                .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .ok_or_else(|| {
                    anyhow!("--chown={spec}: no user {user:?} in the image's /etc/passwd")
                })?
        }
    };
    let gid = match group {
        None => primary,
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => read("/etc/group")
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() > 2 && f[0] == g)
                .and_then(|f| f[2].parse().ok())
                .ok_or_else(|| {
                    anyhow!("--chown={spec}: no group {g:?} in the image's /etc/group")
                })?,
        },
    };
    Ok((uid, gid))
}

/// Whether ids other than our own can be set: root outside a user
/// namespace, or a user namespace that maps more than one id.
fn can_chown() -> bool {
    if !nix::unistd::geteuid().is_root() {
        return false;
    }
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let total: u64 = map
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
        .sum();
    total > 1
}

fn chown(path: &CStr, uid: u32, gid: u32, can: bool, nofollow: bool) -> Result<()> {
    if !can {
        return Ok(());
    }
    // SAFETY: a valid path.
    let r = unsafe {
        if nofollow {
            libc::lchown(path.as_ptr(), uid, gid)
        } else {
            libc::chown(path.as_ptr(), uid, gid)
        }
    };
    if r != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("setting the owner {uid}:{gid}"));
    }
    Ok(())
}

fn set_times(path: &Path, st: &libc::stat) -> Result<()> {
    let ts = libc::timespec {
        tv_sec: st.st_mtime,
        tv_nsec: st.st_mtime_nsec,
    };
    let c = CString::new(path.as_os_str().as_bytes()).context("a name with a NUL byte")?;
    // SAFETY: valid path and times.
    let r = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            [ts, ts].as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("setting the time of {}", path.display()));
    }
    Ok(())
}

pub fn now_stat(mode: u32) -> libc::stat {
    // SAFETY: stat is plain data.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    st.st_mode = mode;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    st.st_mtime = now.as_secs() as i64;
    st.st_mtime_nsec = now.subsec_nanos() as i64;
    st
}

fn mkdir(path: &Path, mode: u32) -> Result<()> {
    match std::fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("creating {}", path.display()))
}

/// Make `rel` and its parents below `root`, 0755.
fn mkdir_all(root: &Path, rel: &str) -> Result<()> {
    let mut p = root.to_path_buf();
    for c in rel.split('/').filter(|c| !c.is_empty()) {
        p.push(c);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => std::fs::remove_file(&p).with_context(|| format!("staging {rel}"))?,
            Err(_) => {}
        }
        mkdir(&p, 0o755)?;
    }
    Ok(())
}
