//! Probes of what the kernel allows, for `info`: whether a native overlay
//! mount works where berth would make one — inside a new user namespace
//! when rootless (Linux 5.11+, mount option `userxattr`), in a private
//! mount namespace as root. Where it does not, containers fall back to
//! fuse-overlayfs.

use super::sys::{self, Linux, MsFlags, Sys};
use anyhow::{Context, Result};
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
    let lowers = [dirs[0].display().to_string()];
    let opts = sys::Overlay {
        base: None,
        lowers: &lowers,
        upper: Some((&dirs[1], &dirs[2])),
        userxattr: rootless,
    }
    .options()?;
    // SAFETY: single-threaded caller; the child only makes system calls
    // and exits.
    match unsafe { fork() }.context("forking a probe")? {
        ForkResult::Child => {
            let res = (|| -> nix::Result<()> {
                sys::private_mount_namespace(&Linux, rootless.then_some((uid, gid)))
                    .map_err(|e| e.errno)?;
                Linux.mount(
                    Some(Path::new("overlay")),
                    &dirs[3],
                    Some("overlay"),
                    MsFlags::empty(),
                    Some(&opts),
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
