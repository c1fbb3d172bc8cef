//! The seam for the kernel calls that make and enter namespaces and
//! change mounts: `unshare`, `setns`, id-map writes, `mount`, `umount2`,
//! `pivot_root`, the new mount API (`open_tree`, `mount_setattr`,
//! `move_mount`) and the working directory those calls resolve against.
//! Nothing else in berth makes them (`tests/integration/architecture.rs`
//! checks it).
//!
//! Code whose logic is worth checking without privileges — the
//! container's root file system, the private mount namespace berth's
//! store views use — takes a `&dyn Sys`. The real [`Linux`] makes the
//! calls; the test-only [`Recorder`] writes down what would have been
//! called, fails the calls a test scripts to fail, and answers the few
//! questions about the tree (what exists after `pivot_root`, a mount's
//! flags) from a directory of the test's own, as youki's `Syscall` and
//! its test helper do.

use anyhow::{bail, Context, Result};
pub use nix::errno::Errno;
pub use nix::mount::{MntFlags, MsFlags};
pub use nix::sched::CloneFlags;
pub use nix::sys::statvfs::FsFlags;
use nix::unistd::{Gid, Uid};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

/// A file of `/proc/PID/` that maps a new user namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapFile {
    Setgroups,
    UidMap,
    GidMap,
}

impl MapFile {
    fn name(self) -> &'static str {
        match self {
            MapFile::Setgroups => "setgroups",
            MapFile::UidMap => "uid_map",
            MapFile::GidMap => "gid_map",
        }
    }
}

/// Which process's maps: this one, or another by host pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proc {
    Myself,
    Pid(i32),
}

impl Proc {
    pub fn path(self, file: MapFile) -> String {
        match self {
            Proc::Myself => format!("/proc/self/{}", file.name()),
            Proc::Pid(p) => format!("/proc/{p}/{}", file.name()),
        }
    }
}

/// The namespace and mount calls.
pub trait Sys {
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()>;
    /// Join the namespaces `flags` of `fd` (a namespace file, or a pidfd
    /// with several flags).
    fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> nix::Result<()>;
    fn write_map(&self, of: Proc, file: MapFile, text: &str) -> std::io::Result<()>;
    fn mount(
        &self,
        src: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()>;
    fn umount(&self, target: &Path, flags: MntFlags) -> nix::Result<()>;
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()>;
    /// The working directory relative mount options and `pivot_root(".")`
    /// resolve against.
    fn chdir(&self, dir: &Path) -> std::io::Result<()>;
    /// The flags of the mount `path` is on (statvfs(3)).
    fn mount_flags(&self, path: &Path) -> nix::Result<FsFlags>;
    /// What is at `path` (not followed): `Some(true)` a directory,
    /// `Some(false)` anything else, `None` nothing.
    fn lstat_is_dir(&self, path: &Path) -> Option<bool>;
}

/// The kernel.
pub struct Linux;

impl Sys for Linux {
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()> {
        nix::sched::unshare(flags)
    }
    fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> nix::Result<()> {
        nix::sched::setns(fd, flags)
    }
    fn write_map(&self, of: Proc, file: MapFile, text: &str) -> std::io::Result<()> {
        let path = of.path(file);
        tracing::debug!(path, map = %text, "id map");
        std::fs::write(path, text)
    }
    fn mount(
        &self,
        src: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> nix::Result<()> {
        nix::mount::mount(src, target, fstype, flags, data)
    }
    fn umount(&self, target: &Path, flags: MntFlags) -> nix::Result<()> {
        nix::mount::umount2(target, flags)
    }
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()> {
        nix::unistd::pivot_root(new_root, put_old)
    }
    fn chdir(&self, dir: &Path) -> std::io::Result<()> {
        std::env::set_current_dir(dir)
    }
    fn mount_flags(&self, path: &Path) -> nix::Result<FsFlags> {
        nix::sys::statvfs::statvfs(path).map(|s| s.flags())
    }
    fn lstat_is_dir(&self, path: &Path) -> Option<bool> {
        std::fs::symlink_metadata(path).ok().map(|m| m.is_dir())
    }
}

/// A failed step of a sequence: what it was and the kernel's error.
#[derive(Debug)]
pub struct StepError {
    pub step: String,
    pub errno: Errno,
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step, self.errno.desc())
    }
}

impl std::error::Error for StepError {}

/// Enter a mount namespace of this process's own whose mounts never
/// reach the one it came from. With `user_alone` (a user with no
/// subordinate range; the ids read before the call), a new user
/// namespace too, in the same call, mapping that user alone as root.
/// Then `/` is made private. The way `cp`, the overlay probe and `berth
/// unshare` get a namespace to mount a store view in.
pub fn private_mount_namespace(
    sys: &dyn Sys,
    user_alone: Option<(Uid, Gid)>,
) -> Result<(), StepError> {
    let err = |step: &str| {
        let step = step.to_string();
        move |errno| StepError { step, errno }
    };
    match user_alone {
        None => sys
            .unshare(CloneFlags::CLONE_NEWNS)
            .map_err(err("creating a mount namespace"))?,
        Some((uid, gid)) => {
            sys.unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS)
                .map_err(err("creating a user namespace"))?;
            map_user_alone(sys, Proc::Myself, uid, gid).map_err(|(file, e)| StepError {
                step: format!("writing {}", Proc::Myself.path(file)),
                errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EPERM)),
            })?;
        }
    }
    make_root_private(sys).map_err(err("making / private"))
}

/// `mount --make-rprivate /`.
pub fn make_root_private(sys: &dyn Sys) -> nix::Result<()> {
    sys.mount(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )
}

/// Map `of`'s new user namespace with `uid`/`gid` alone as root.
/// `setgroups` is denied first: an unprivileged writer of `gid_map` must
/// (user_namespaces(7)). The error names the file whose write failed.
pub fn map_user_alone(
    sys: &dyn Sys,
    of: Proc,
    uid: Uid,
    gid: Gid,
) -> Result<(), (MapFile, std::io::Error)> {
    for (file, text) in [
        (MapFile::Setgroups, "deny".to_string()),
        (MapFile::UidMap, format!("0 {uid} 1")),
        (MapFile::GidMap, format!("0 {gid} 1")),
    ] {
        sys.write_map(of, file, &text).map_err(|e| (file, e))?;
    }
    Ok(())
}

/// An overlay mount: `lowers` top first; with `upper`, writable over
/// (upper dir, work dir). Relative dirs are relative to `base`, which
/// becomes the working directory so that the options stay short (the
/// kernel takes one page of them).
pub struct Overlay<'a> {
    pub base: Option<&'a Path>,
    pub lowers: &'a [String],
    pub upper: Option<(&'a Path, &'a Path)>,
    /// Overlay in a user namespace keeps its metadata in `user.*`
    /// xattrs (Linux 5.11+).
    pub userxattr: bool,
}

/// The longest mount options berth gives (the kernel's limit is a page).
const MAX_OPTIONS: usize = 4000;

impl Overlay<'_> {
    /// The mount options, or why they cannot be given.
    pub fn options(&self) -> Result<String> {
        if self.lowers.is_empty() {
            bail!("an overlay needs a lower dir");
        }
        let mut opts = format!("lowerdir={}", self.lowers.join(":"));
        if let Some((upper, work)) = self.upper {
            opts.push_str(&format!(
                ",upperdir={},workdir={}",
                upper.display(),
                work.display()
            ));
        }
        if self.userxattr {
            opts.push_str(",userxattr");
        }
        if opts.len() >= MAX_OPTIONS {
            bail!(
                "too many layers for one overlay mount ({} bytes of options)",
                opts.len()
            );
        }
        Ok(opts)
    }

    /// Mount it at `target`, with `flags`. The outer error is berth's
    /// (options too long, the base dir not entered); the inner one is
    /// the kernel's refusal of the mount.
    pub fn mount(&self, sys: &dyn Sys, target: &Path, flags: MsFlags) -> Result<Result<(), Errno>> {
        let opts = self.options()?;
        if let Some(base) = self.base {
            sys.chdir(base)
                .with_context(|| format!("entering {}", base.display()))?;
        }
        tracing::debug!(target = %target.display(), options = %opts, base = ?self.base, "mount overlay");
        Ok(sys.mount(
            Some(Path::new("overlay")),
            target,
            Some("overlay"),
            flags,
            Some(&opts),
        ))
    }
}

// The new mount API (Linux 5.12+), for idmapped mounts: not replayed in
// unit tests, as what they do is only seen on a real tree.

/// open_tree(2) of `path` with `OPEN_TREE_CLONE`: a detached copy of the
/// mount there.
pub fn open_tree_clone(path: &Path) -> std::io::Result<OwnedFd> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: a valid C string; integer flags.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// mount_setattr(2) of the detached mount `fd`: idmapped with the user
/// namespace `userns`.
pub fn idmap_mount(fd: BorrowedFd<'_>, userns: BorrowedFd<'_>) -> std::io::Result<()> {
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    // SAFETY: a valid descriptor, an empty C string and a live struct of
    // the size given.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// move_mount(2) of the detached mount `fd` onto `target`.
pub fn move_mount(fd: BorrowedFd<'_>, target: &Path) -> std::io::Result<()> {
    let c = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: a valid descriptor and C strings.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Calls for a child between `fork` and `exec` (a `pre_exec` hook): raw,
/// with nothing allocated, as only async-signal-safe code may run there.
pub mod raw {
    use std::ffi::CStr;

    /// unshare(2); the error is in `errno`.
    pub fn unshare(flags: libc::c_int) -> std::io::Result<()> {
        // SAFETY: an integer system call.
        match unsafe { libc::unshare(flags) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// mount(2) with no source, type or data: a propagation change.
    pub fn set_propagation(target: &CStr, flags: libc::c_ulong) -> std::io::Result<()> {
        // SAFETY: valid C strings; null for the unused arguments.
        let r = unsafe {
            libc::mount(
                c"none".as_ptr(),
                target.as_ptr(),
                std::ptr::null(),
                flags,
                std::ptr::null(),
            )
        };
        match r {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// setns(2) of a descriptor this process holds.
    pub fn setns(fd: libc::c_int, flags: libc::c_int) -> std::io::Result<()> {
        // SAFETY: an integer system call.
        match unsafe { libc::setns(fd, flags) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }
}

/// What a [`Recorder`] saw, in words a test compares.
#[cfg(test)]
pub mod recorder {
    use super::*;
    use std::cell::RefCell;

    /// A [`Sys`] that records. Paths below `root` (a test's directory
    /// standing for the container's root before `pivot_root`) are shown
    /// as `{root}/…`; `/proc/self/fd/N` is shown as the path of
    /// descriptor N.
    pub struct Recorder {
        root: PathBuf,
        calls: RefCell<Vec<String>>,
        /// Calls whose text contains the first string fail with the
        /// errno (each rule once).
        fail: RefCell<Vec<(String, Errno)>>,
        cwd: RefCell<PathBuf>,
        /// Set by `pivot_root(".", ".")`: the directory `/` now is.
        pivoted: RefCell<Option<PathBuf>>,
        /// What `mount_flags` answers for a path not in `flags_at`.
        pub flags: FsFlags,
        /// What `mount_flags` answers for these paths.
        flags_at: RefCell<Vec<(PathBuf, FsFlags)>>,
    }

    impl Recorder {
        pub fn new(root: &Path) -> Self {
            Recorder {
                root: root.to_path_buf(),
                calls: RefCell::new(Vec::new()),
                fail: RefCell::new(Vec::new()),
                cwd: RefCell::new(PathBuf::from("/")),
                pivoted: RefCell::new(None),
                flags: FsFlags::ST_NOSUID | FsFlags::ST_NODEV | FsFlags::ST_RELATIME,
                flags_at: RefCell::new(Vec::new()),
            }
        }

        /// The mount at `path` (as the code under test names it) has
        /// `flags`.
        pub fn flags_at(&self, path: &str, flags: FsFlags) {
            self.flags_at.borrow_mut().push((path.into(), flags));
        }

        /// The next call whose text contains `matching` fails with `errno`.
        pub fn fail(&self, matching: &str, errno: Errno) {
            self.fail.borrow_mut().push((matching.into(), errno));
        }

        pub fn calls(&self) -> Vec<String> {
            self.calls.borrow().clone()
        }

        fn show(&self, p: &Path) -> String {
            let s = p.to_string_lossy();
            let real = match s.strip_prefix("/proc/self/fd/") {
                Some(_) => std::fs::read_link(p).unwrap_or_else(|_| p.to_path_buf()),
                None => p.to_path_buf(),
            };
            match real.strip_prefix(&self.root) {
                Ok(rel) => format!("{{root}}/{}", rel.display())
                    .trim_end_matches('/')
                    .to_string(),
                Err(_) => real.display().to_string(),
            }
        }

        fn record(&self, call: String) -> Result<(), Errno> {
            let mut fail = self.fail.borrow_mut();
            let hit = fail.iter().position(|(m, _)| call.contains(m.as_str()));
            let res = match hit {
                Some(i) => Err(fail.remove(i).1),
                None => Ok(()),
            };
            let shown = match res {
                Ok(()) => call,
                Err(e) => format!("{call} -> {e}"),
            };
            self.calls.borrow_mut().push(shown);
            res
        }

        /// Where container path `p` is after `pivot_root`.
        fn inside(&self, p: &Path) -> PathBuf {
            match &*self.pivoted.borrow() {
                Some(root) => root.join(p.strip_prefix("/").unwrap_or(p)),
                None => p.to_path_buf(),
            }
        }
    }

    fn flags_text<F: std::fmt::Debug>(f: F) -> String {
        // `MsFlags(MS_NOSUID | MS_NODEV)` → `MS_NOSUID|MS_NODEV`.
        let s = format!("{f:?}");
        let inner = s
            .split_once('(')
            .map(|(_, r)| r.trim_end_matches(')'))
            .unwrap_or(&s);
        inner.replace(" | ", "|")
    }

    impl Sys for Recorder {
        fn unshare(&self, flags: CloneFlags) -> nix::Result<()> {
            self.record(format!("unshare {}", flags_text(flags)))
        }
        fn setns(&self, fd: BorrowedFd<'_>, flags: CloneFlags) -> nix::Result<()> {
            let of = self.show(Path::new(&format!("/proc/self/fd/{}", fd.as_raw_fd())));
            self.record(format!("setns {of} {}", flags_text(flags)))
        }
        fn write_map(&self, of: Proc, file: MapFile, text: &str) -> std::io::Result<()> {
            self.record(format!("write {} {text}", of.path(file)))
                .map_err(std::io::Error::from)
        }
        fn mount(
            &self,
            src: Option<&Path>,
            target: &Path,
            fstype: Option<&str>,
            flags: MsFlags,
            data: Option<&str>,
        ) -> nix::Result<()> {
            let mut call = format!(
                "mount {} {} {} {}",
                src.map(|s| self.show(s)).unwrap_or_else(|| "-".into()),
                self.show(target),
                fstype.unwrap_or("-"),
                if flags.is_empty() {
                    "-".into()
                } else {
                    flags_text(flags)
                },
            );
            if let Some(d) = data {
                call.push(' ');
                call.push_str(d);
            }
            self.record(call)
        }
        fn umount(&self, target: &Path, flags: MntFlags) -> nix::Result<()> {
            self.record(format!(
                "umount {} {}",
                self.show(target),
                flags_text(flags)
            ))
        }
        fn pivot_root(&self, new_root: &Path, put_old: &Path) -> nix::Result<()> {
            self.record(format!(
                "pivot_root {} {}",
                new_root.display(),
                put_old.display()
            ))?;
            if new_root == Path::new(".") {
                *self.pivoted.borrow_mut() = Some(self.cwd.borrow().clone());
            }
            Ok(())
        }
        fn chdir(&self, dir: &Path) -> std::io::Result<()> {
            self.record(format!("chdir {}", self.show(dir)))
                .map_err(std::io::Error::from)?;
            *self.cwd.borrow_mut() = match self.pivoted.borrow().is_some() {
                true => self.inside(dir),
                false => dir.to_path_buf(),
            };
            Ok(())
        }
        fn mount_flags(&self, path: &Path) -> nix::Result<FsFlags> {
            let at = self.flags_at.borrow();
            Ok(at
                .iter()
                .find(|(p, _)| p == path)
                .map_or(self.flags, |(_, f)| *f))
        }
        fn lstat_is_dir(&self, path: &Path) -> Option<bool> {
            std::fs::symlink_metadata(self.inside(path))
                .ok()
                .map(|m| m.is_dir())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::recorder::Recorder;
    use super::*;

    #[test]
    fn a_user_alone_is_mapped_in_its_own_namespace_before_the_mounts() {
        let r = Recorder::new(Path::new("/nowhere"));
        private_mount_namespace(&r, Some((Uid::from_raw(1000), Gid::from_raw(1001)))).unwrap();
        assert_eq!(
            r.calls(),
            [
                "unshare CLONE_NEWNS|CLONE_NEWUSER",
                "write /proc/self/setgroups deny",
                "write /proc/self/uid_map 0 1000 1",
                "write /proc/self/gid_map 0 1001 1",
                "mount - / - MS_REC|MS_PRIVATE",
            ]
        );
    }

    #[test]
    fn root_makes_a_mount_namespace_alone() {
        let r = Recorder::new(Path::new("/nowhere"));
        private_mount_namespace(&r, None).unwrap();
        assert_eq!(
            r.calls(),
            ["unshare CLONE_NEWNS", "mount - / - MS_REC|MS_PRIVATE"]
        );
    }

    #[test]
    fn a_refused_map_stops_before_any_mount() {
        let r = Recorder::new(Path::new("/nowhere"));
        r.fail("uid_map", Errno::EPERM);
        let e =
            private_mount_namespace(&r, Some((Uid::from_raw(5), Gid::from_raw(5)))).unwrap_err();
        assert_eq!(e.errno, Errno::EPERM);
        assert_eq!(e.step, "writing /proc/self/uid_map");
        assert!(!r.calls().iter().any(|c| c.starts_with("mount")));
    }

    #[test]
    fn overlay_options_are_short_and_bounded() {
        let lowers = vec!["l/A".to_string(), "l/B".to_string()];
        let o = Overlay {
            base: Some(Path::new("/s/overlay")),
            lowers: &lowers,
            upper: Some((Path::new("c/diff"), Path::new("c/work"))),
            userxattr: true,
        };
        assert_eq!(
            o.options().unwrap(),
            "lowerdir=l/A:l/B,upperdir=c/diff,workdir=c/work,userxattr"
        );
        let r = Recorder::new(Path::new("/nowhere"));
        o.mount(&r, Path::new("/m"), MsFlags::MS_RDONLY)
            .unwrap()
            .unwrap();
        assert_eq!(
            r.calls(),
            [
                "chdir /s/overlay",
                "mount overlay /m overlay MS_RDONLY lowerdir=l/A:l/B,upperdir=c/diff,workdir=c/work,userxattr",
            ]
        );
        let many: Vec<String> = (0..300).map(|i| format!("l/{i:026}")).collect();
        let o = Overlay {
            base: None,
            lowers: &many,
            upper: None,
            userxattr: false,
        };
        assert!(o
            .options()
            .unwrap_err()
            .to_string()
            .contains("too many layers"));
        let none: Vec<String> = Vec::new();
        let o = Overlay {
            base: None,
            lowers: &none,
            upper: None,
            userxattr: false,
        };
        assert!(o.options().is_err());
    }
}
