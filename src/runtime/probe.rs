//! Probes of what the kernel allows, for `info`: whether a native overlay
//! mount works where berth would make one — inside a new user namespace
//! when rootless (Linux 5.11+, mount option `userxattr`), in a private
//! mount namespace as root. Where it does not, containers fall back to
//! fuse-overlayfs.

use anyhow::{Context, Result};
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult};
use std::path::Path;

/// Try an overlay mount in a child process, in the namespaces a container
/// of this user would get. `Ok(())` when it works; the error says why not,
/// and what containers use instead (fuse-overlayfs, when installed; see
/// [`super::rootfs::premount`]). Must be called while the process has a
/// single thread (it forks).
pub fn overlay_mount(scratch: &Path) -> Result<()> {
    native_overlay_mount(scratch).map_err(|e| match super::rootfs::find_fuse_overlayfs() {
        Some(p) => e.context(format!("containers use {} instead", p.display())),
        None => e.context("containers cannot run: install fuse-overlayfs"),
    })
}

fn native_overlay_mount(scratch: &Path) -> Result<()> {
    let dirs = ["lower", "upper", "work", "merged"].map(|d| scratch.join(d));
    for d in &dirs {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let rootless = !nix::unistd::geteuid().is_root();
    let (uid, gid) = (nix::unistd::getuid(), nix::unistd::getgid());
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}{}",
        dirs[0].display(),
        dirs[1].display(),
        dirs[2].display(),
        if rootless { ",userxattr" } else { "" }
    );
    // SAFETY: single-threaded caller; the child only makes system calls
    // and exits.
    match unsafe { fork() }.context("forking a probe")? {
        ForkResult::Child => {
            let res = (|| -> nix::Result<()> {
                if rootless {
                    unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS)?;
                    let w = |f: &str, s: String| {
                        std::fs::write(f, s).map_err(|_| nix::errno::Errno::EPERM)
                    };
                    w("/proc/self/setgroups", "deny".into())?;
                    w("/proc/self/uid_map", format!("0 {uid} 1"))?;
                    w("/proc/self/gid_map", format!("0 {gid} 1"))?;
                } else {
                    unshare(CloneFlags::CLONE_NEWNS)?;
                }
                mount(
                    None::<&str>,
                    "/",
                    None::<&str>,
                    MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                    None::<&str>,
                )?;
                mount(
                    Some("overlay"),
                    &dirs[3],
                    Some("overlay"),
                    MsFlags::empty(),
                    Some(opts.as_str()),
                )
            })();
            // SAFETY: _exit skips destructors shared with the parent.
            unsafe { libc::_exit(res.err().map(|e| e as i32).unwrap_or(0)) }
        }
        ForkResult::Parent { child } => loop {
            match waitpid(child, None) {
                Ok(WaitStatus::Exited(_, 0)) => return Ok(()),
                Ok(WaitStatus::Exited(_, errno)) => {
                    let e = nix::errno::Errno::from_raw(errno);
                    anyhow::bail!(
                        "overlay mount {}failed: {e}",
                        if rootless { "in a user namespace " } else { "" }
                    )
                }
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    anyhow::bail!("overlay probe killed by {sig}")
                }
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => anyhow::bail!("waiting for the overlay probe: {e}"),
            }
        },
    }
}
