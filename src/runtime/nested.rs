//! `--uidmap`/`--gidmap` rootless. The image's files have their owners
//! only in the user's user namespace (0 the user, 1 and up the
//! subordinate range), and a rootless map names ids of that namespace,
//! as in Podman. Without root no idmapped mount can show the store's
//! files with other owners, so the container's user namespace is made
//! inside the user's, whose root serves its files:
//!
//! 1. the monitor makes the user's namespace alone, which berth maps as
//!    for any rootless container;
//! 2. there it mounts the root file system with fuse-overlayfs, whose
//!    `uidmapping`/`gidmapping` show a file of owner N as the id the
//!    container's map gives container id N, and store what the container
//!    writes with the container's ids (its layer keeps the image's
//!    terms, as without maps);
//! 3. [`give_to_root`]: it gives the container's own files to the
//!    container's root, and fills the volumes the container fills
//!    first;
//! 4. it starts the [`Agent`], which stays in the user's namespace, then
//!    makes the container's namespaces, whose maps the agent writes;
//!    the monitor stays the user;
//! 5. pid 1, in its mount namespace and still the user, opens the root
//!    and what it binds (the container's own files, volumes, the user's
//!    directories), which the container's root cannot reach by path
//!    (the user is no id of its namespace) ([`open_sources`]), then
//!    becomes the container's root;
//! 6. the agent records pid 1 and, at the end, unmounts the root and
//!    removes what the container leaves in its dir, which the
//!    container's ids cannot.

use super::spec::{IdMap, Mount, Spec};
use super::sys::{Linux, MntFlags, MsFlags, Sys};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// The rootless `--uidmap` of `spec`, if it has one.
pub fn map_of(spec: &Spec) -> Option<&IdMap> {
    spec.id_map.as_ref().filter(|m| m.rootless)
}

/// `uidmapping=…,gidmapping=…` for fuse-overlayfs: a file of owner N
/// (the container's id N) is shown as the id `map` gives N.
pub fn fuse_options(map: &IdMap) -> String {
    let list = |ranges: &[super::spec::IdRange]| {
        ranges
            .iter()
            .map(|r| format!("{}:{}:{}", r.container, r.host, r.count))
            .collect::<Vec<_>>()
            .join(":")
    };
    format!(
        "uidmapping={},gidmapping={}",
        list(&map.uids),
        list(&map.gids)
    )
}

/// Step 3, in the user's namespace: give the container's own files
/// (`/etc/hosts` …) to its root, which cannot change their owner
/// there, and fill the volumes it fills first
/// ([`super::rootfs::fill_volumes_early`]).
pub fn give_to_root(spec: &Spec) -> Result<()> {
    let map = map_of(spec).ok_or_else(|| anyhow!("not a rootless --uidmap container"))?;
    let (uid, gid) = map
        .host_ids(0, 0)
        .ok_or_else(|| anyhow!("--uidmap: the container's root has no id"))?;
    let give = |p: &Path| {
        std::os::unix::fs::lchown(p, Some(uid), Some(gid))
            .with_context(|| format!("--uidmap: giving {} to the container's root", p.display()))
    };
    // The container's own files are in the dir that holds its
    // `/run/.containerenv`.
    let own_dir = spec.mounts.iter().find_map(|m| match m {
        Mount::Bind { source, target, .. } if target == "/run/.containerenv" => source.parent(),
        _ => None,
    });
    for m in &spec.mounts {
        match m {
            Mount::Bind { source, .. } if own_dir.is_some() && source.parent() == own_dir => {
                give(source)?
            }
            Mount::Overlay { what, .. } => bail!("{what}: not with a rootless --uidmap"),
            _ => {}
        }
    }
    super::rootfs::fill_volumes_early(spec, uid, gid)?;
    super::rootfs::chown_volumes_early(spec, map)
}

/// In pid 1, once its mount namespace is made and while it is still the
/// user (the owner of the store's directories, which the container's
/// ids cannot search): open the root and every source it binds, and
/// point the spec at the descriptors (`/proc/self/fd/N`, in this mount
/// namespace). Then it becomes the container's root. The descriptors
/// are returned, to hold until the program runs (they are
/// close-on-exec).
pub fn open_sources(spec: &mut Spec) -> Result<Vec<OwnedFd>> {
    let mut held = Vec::new();
    let mut hold = |p: &Path| -> Result<PathBuf> {
        let fd = open_path(p)?;
        let at = PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
        held.push(fd);
        Ok(at)
    };
    for m in &mut spec.mounts {
        match m {
            Mount::Bind { source, .. } => *source = hold(source)?,
            // Filled (and given its owner for `:U`) by the monitor: its
            // data alone, bound (its dir is the user's).
            Mount::Volume {
                name,
                dir,
                target,
                read_only,
                ..
            } => {
                let data = hold(&dir.join("_data")).with_context(|| format!("volume {name}"))?;
                *m = Mount::Bind {
                    source: data,
                    target: std::mem::take(target),
                    read_only: *read_only,
                    propagation: None,
                };
            }
            _ => {}
        }
    }
    // The root was mounted in the user's namespace's mount namespace:
    // copied into this one, it is locked, and `pivot_root` refuses a
    // locked mount. A bind of it over itself is this namespace's own,
    // and the path leads to the top one.
    let root = spec.rootfs.target.clone();
    Linux
        .mount(Some(&root), &root, None, MsFlags::MS_BIND, None)
        .map_err(|e| {
            anyhow!(
                "--uidmap: binding {} over itself: {}",
                root.display(),
                e.desc()
            )
        })?;
    spec.rootfs.target = hold(&root)?;
    Ok(held)
}

/// Join the user's namespace of the running rootless `--uidmap`
/// container whose pid 1 is `(pid1, start)`: the parent of the
/// container's own. There this process may open the container's root
/// (`/proc/PID/root`, which the user outside may not) and, as root,
/// read the user's files and write the container's with the ids its
/// map gives ([`super::idmap::write_as_its_root`]). Call while the
/// process has one thread.
pub fn enter_users_namespace(pid1: i32, start: u64) -> Result<()> {
    let theirs = super::container::container_ns(pid1, start, "user")
        .map_err(|e| anyhow!("opening the container's user namespace: {e}"))?;
    // SAFETY: NS_GET_PARENT on a namespace descriptor; it returns a new
    // descriptor or -1.
    let parent = unsafe { libc::ioctl(theirs.as_raw_fd(), NS_GET_PARENT) };
    if parent < 0 {
        bail!(
            "finding the user's namespace of the container: {}",
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    let parent = unsafe { OwnedFd::from_raw_fd(parent) };
    // Joined already (both sides of a copy are the container).
    let ino = |md: std::io::Result<std::fs::Metadata>| {
        md.map(|m| std::os::unix::fs::MetadataExt::ino(&m)).ok()
    };
    let ours = ino(std::fs::metadata("/proc/self/ns/user"));
    if ours.is_some() && ours == ino(std::fs::File::from(parent.try_clone()?).metadata()) {
        return Ok(());
    }
    Linux
        .setns(
            std::os::fd::AsFd::as_fd(&parent),
            super::sys::CloneFlags::CLONE_NEWUSER,
        )
        .map_err(|e| {
            anyhow!(
                "joining the user's namespace of the container: {}",
                e.desc()
            )
        })
}

/// `ioctl_ns(2)`: the parent of a user namespace.
const NS_GET_PARENT: libc::c_ulong = 0xb702;

/// An `O_PATH` descriptor of `p` (close-on-exec: the container's program
/// never has it).
fn open_path(p: &Path) -> Result<OwnedFd> {
    use nix::fcntl::OFlag;
    let fd = nix::fcntl::open(
        p,
        OFlag::O_PATH | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| anyhow!("opening {}: {}", p.display(), e.desc()))?;
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The process that stays in the user's namespace (steps 4 and 5),
/// the monitor's child; it dies with the monitor.
pub struct Agent {
    pid: nix::unistd::Pid,
    sock: BufReader<UnixStream>,
}

/// What the agent does at the end.
struct Leftovers {
    target: PathBuf,
    pid1_file: Option<PathBuf>,
    remove_after: Vec<PathBuf>,
}

impl Agent {
    /// Fork it, before the container's namespaces are made. `report` is
    /// the socket to berth, which it must not hold (berth waits for its
    /// end). Call while the process has one thread.
    pub fn start(spec: &Spec, target: &Path, report: RawFd) -> Result<Agent> {
        let map = map_of(spec).cloned().unwrap_or_default();
        let leftovers = Leftovers {
            target: target.to_path_buf(),
            pid1_file: spec.pid1_file.clone(),
            remove_after: spec.remove_after.clone(),
        };
        let (ours, theirs) = UnixStream::pair().context("creating a socket pair")?;
        let monitor = nix::unistd::getpid();
        // SAFETY: the caller has one thread.
        match unsafe { nix::unistd::fork() }.context("forking the --uidmap agent")? {
            nix::unistd::ForkResult::Child => {
                drop(ours);
                // SAFETY: integer prctl; closing descriptors this process
                // never uses; opening /dev/null.
                unsafe {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
                    if libc::getppid() != monitor.as_raw() {
                        libc::_exit(0);
                    }
                    libc::close(report);
                    let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                    for fd in 0..3 {
                        libc::dup2(null, fd);
                    }
                }
                serve(theirs, monitor.as_raw(), &map, &leftovers);
                // SAFETY: leave without running the monitor's destructors.
                unsafe { libc::_exit(0) }
            }
            nix::unistd::ForkResult::Parent { child } => Ok(Agent {
                pid: child,
                sock: BufReader::new(ours),
            }),
        }
    }

    fn ask(&mut self, what: &str) -> Result<()> {
        let sock = self.sock.get_mut();
        sock.write_all(format!("{what}\n").as_bytes())
            .and_then(|()| sock.flush())
            .context("asking the --uidmap agent")?;
        let mut answer = String::new();
        self.sock
            .read_line(&mut answer)
            .context("reading the --uidmap agent's answer")?;
        match answer.trim_end().strip_prefix("ok") {
            Some("") => Ok(()),
            _ if answer.is_empty() => bail!("the --uidmap agent died"),
            _ => bail!("{}", answer.trim_end()),
        }
    }

    /// Write the maps of the container's user namespace, which this
    /// process has just made.
    pub fn map(&mut self) -> Result<()> {
        self.ask("map")
    }

    /// Record pid 1 (host pid `pid`) for `exec`.
    pub fn started(&mut self, pid: i32) -> Result<()> {
        self.ask(&format!("pid1 {pid}"))
    }

    /// Unmount the root, in the user's namespace's mount namespace
    /// (before fuse-overlayfs, which serves it, is stopped).
    pub fn unmount(&mut self) {
        let _ = self.ask("unmount");
    }

    /// Remove pid 1's record and what `--rm` removes, and wait for the
    /// agent to end.
    pub fn finish(mut self) {
        let _ = self.ask("finish");
        let _ = nix::sys::wait::waitpid(self.pid, None);
    }
}

/// The agent's loop: one request per line, one answer each.
fn serve(sock: UnixStream, monitor: i32, map: &IdMap, left: &Leftovers) {
    let Ok(mut out) = sock.try_clone() else {
        return;
    };
    for line in BufReader::new(sock).lines() {
        let Ok(line) = line else { return };
        let done = match line.split_once(' ') {
            None if line == "map" => super::userns::write_maps(monitor, map),
            Some(("pid1", pid)) => match pid.parse() {
                Ok(pid) => left.pid1_file.as_ref().map_or(Ok(()), |f| {
                    super::exec::record_pid1(f, pid)
                        .with_context(|| format!("recording pid 1 in {}", f.display()))
                }),
                Err(_) => Err(anyhow!("not a pid: {pid:?}")),
            },
            None if line == "unmount" => {
                let _ = Linux.umount(&left.target, MntFlags::MNT_DETACH);
                Ok(())
            }
            None if line == "finish" => {
                if let Some(f) = &left.pid1_file {
                    let _ = std::fs::remove_file(f);
                }
                for p in &left.remove_after {
                    let _ = crate::fsutil::remove_all(p);
                }
                let _ = out.write_all(b"ok\n");
                return;
            }
            _ => Err(anyhow!("unknown request {line:?}")),
        };
        let answer = match done {
            Ok(()) => "ok\n".to_string(),
            Err(e) => format!("{}\n", format!("{e:#}").replace('\n', " ")),
        };
        if out.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::spec::IdRange;

    #[test]
    fn fuse_options_list_each_range_as_given() {
        let r = |container, host, count| IdRange {
            container,
            host,
            count,
        };
        let map = IdMap {
            uids: vec![r(0, 1, 1000), r(1000, 2000, 10)],
            gids: vec![r(0, 5, 65531)],
            rootless: true,
        };
        assert_eq!(
            fuse_options(&map),
            "uidmapping=0:1:1000:1000:2000:10,gidmapping=0:5:65531"
        );
    }
}
