//! `--uidmap`/`--gidmap` as root. The container's user namespace maps
//! its ids to other host ids than the store's files have, so it sees the
//! store's layers and its own dir (upper and work dirs, `/etc/hosts` …)
//! through idmapped mounts (`mount_setattr(2)` with `MOUNT_ATTR_IDMAP`)
//! made with its own namespace: a file the image gives to uid N is uid N
//! inside, and what the container writes lands on disk with the ids it
//! has inside. Its layer stays in the image's terms, for `commit` and
//! `diff`, and nothing is copied or chowned.
//!
//! berth, root in the host's namespaces, makes the mounts once the
//! monitor has made the namespace and berth has written its maps: as
//! detached trees, whose descriptors it sends the monitor. The monitor
//! attaches each over the directory it shows, in its own mount namespace,
//! and then mounts the overlay as root of the container's namespace, so
//! that overlay's own work in the upper dir is done with mapped ids.

use super::spec::Rootfs;
use super::sys;
use anyhow::{anyhow, Context, Result};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The directories the container sees through idmapped mounts: the
/// store's root (the parent of `overlay/`), which holds the layers and
/// the container's own dir, then each lower dir outside it (`--rootfs`),
/// resolved (attaching follows no symlink). Seen through the mount, the
/// store's root belongs to the container's root, who can then enter it
/// (it is 0700).
pub fn dirs(rootfs: &Rootfs) -> Result<Vec<PathBuf>> {
    let canon = |p: &Path| std::fs::canonicalize(p).with_context(|| p.display().to_string());
    let base = &rootfs.lower_base;
    let store = canon(base.parent().unwrap_or(base))?;
    let mut out = vec![store.clone()];
    // A relative lower is a layer's link in the store: only an absolute
    // one (`--rootfs`, an image without layers) may lie outside it.
    for l in rootfs.lowers.iter().filter(|l| Path::new(l).is_absolute()) {
        let d = canon(Path::new(l))?;
        if !d.starts_with(&store) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Detached idmapped mounts of `dirs`, with the user namespace of
/// process `pid` (whose maps are written).
pub fn views(pid: i32, dirs: &[PathBuf]) -> Result<Vec<OwnedFd>> {
    let ns: OwnedFd = std::fs::File::open(format!("/proc/{pid}/ns/user"))
        .context("opening the container's user namespace")?
        .into();
    let mut out = Vec::with_capacity(dirs.len());
    for d in dirs {
        let fd = sys::open_tree_clone(d)
            .map_err(|e| anyhow!("--uidmap: cloning the mount of {}: {e}", d.display()))?;
        sys::idmap_mount(fd.as_fd(), ns.as_fd()).map_err(|e| {
            anyhow!(
                "--uidmap: idmapping the mount of {}: {e} (the store's file system must support \
                 idmapped mounts, and overlay idmapped layers: Linux 5.19 or later with ext4, xfs \
                 or btrfs)",
                d.display()
            )
        })?;
        out.push(fd);
    }
    Ok(out)
}

/// Attach each view over its directory, in this mount namespace.
pub fn attach(views: Vec<(OwnedFd, PathBuf)>) -> Result<()> {
    for (fd, d) in views {
        sys::move_mount(fd.as_fd(), &d).map_err(|e| {
            anyhow!(
                "--uidmap: attaching the idmapped mount of {}: {e}",
                d.display()
            )
        })?;
    }
    Ok(())
}

/// Become uid and gid 0 of this (the container's) user namespace, with
/// no supplementary groups: the host's root, whom this process still
/// is, has no id in it.
pub fn become_root() -> Result<()> {
    let (uid, gid) = (nix::unistd::Uid::from_raw(0), nix::unistd::Gid::from_raw(0));
    // A rootless namespace of the user alone denies `setgroups`, and so
    // do those made in it: the groups stay the user's one.
    let groups_denied =
        std::fs::read_to_string("/proc/self/setgroups").is_ok_and(|s| s.trim() == "deny");
    nix::unistd::setresgid(gid, gid, gid)
        .and_then(|()| match groups_denied {
            true => Ok(()),
            false => nix::unistd::setgroups(&[]),
        })
        .and_then(|()| nix::unistd::setresuid(uid, uid, uid))
        .map_err(|e| anyhow!("--uidmap: becoming the container's root: {}", e.desc()))
}

/// Write into a running container with `--uidmap`/`--gidmap` from
/// outside it (`cp`): with the host ids of its root as file system ids,
/// which its idmapped store mount maps (the host's root's are not), and
/// the capabilities that `setfsuid(2)` clears raised again.
pub fn write_as_its_root(map: &super::spec::IdMap) -> Result<()> {
    let (uid, gid) = map
        .host_ids(0, 0)
        .ok_or_else(|| anyhow!("the container's maps give its root no host ids"))?;
    nix::unistd::setfsgid(nix::unistd::Gid::from_raw(gid));
    nix::unistd::setfsuid(nix::unistd::Uid::from_raw(uid));
    super::security::raise_permitted().context("raising the capabilities again")
}
