//! Rootless id mapping. A rootless berth that has subordinate id ranges
//! (`/etc/subuid`, `/etc/subgid`) does its store work inside a user
//! namespace where it is root and the range maps the image's other ids,
//! so layer files keep their owners (as Podman's `unshare` does). Without
//! a range, or without `newuidmap`, berth works as the user alone and
//! every file is the user's.
//!
//! The namespace is entered by forking at the very start of the command,
//! while the process has one thread (fork of a threaded process is unsafe,
//! see DESIGN.md §4): the child unshares its user namespace and waits; the
//! parent has the set-uid helpers write the child's maps, then waits for
//! the child and exits with its status.

use super::sys::{self, CloneFlags, Linux, MapFile, Sys};
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Gid, Uid};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;

/// How this process relates to the host's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Root in the initial user namespace.
    Root,
    /// Root of a user namespace with a subordinate range mapped: files
    /// can be given the image's owners; only `user.*` xattrs work.
    NamespaceRoot,
    /// A plain user: everything is owned by the user.
    User,
}

/// Who we are, from the effective uid and `/proc/self/uid_map`.
pub fn identity() -> Identity {
    if !nix::unistd::geteuid().is_root() {
        return Identity::User;
    }
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let full = map.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"];
    if full {
        Identity::Root
    } else {
        Identity::NamespaceRoot
    }
}

/// A subordinate id range: `start` and `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u64,
    pub count: u64,
}

/// The first range of `user` (name or numeric id) in a subid file's text.
pub fn parse_subid(text: &str, name: &str, id: u32) -> Option<Range> {
    let id = id.to_string();
    text.lines().find_map(|l| {
        let mut f = l.trim().split(':');
        let (who, start, count) = (f.next()?, f.next()?, f.next()?);
        if who != name && who != id {
            return None;
        }
        let r = Range {
            start: start.parse().ok()?,
            count: count.parse().ok()?,
        };
        (r.count > 0).then_some(r)
    })
}

/// What is needed to map a subordinate range, or why it cannot be.
pub struct Plan {
    uid: Uid,
    gid: Gid,
    uids: Range,
    gids: Range,
}

/// Decide whether this rootless process can map a subordinate range.
/// `Ok(None)`: not rootless, or already inside a namespace.
/// `Err(why)`: rootless without a usable range (the caller says so once).
pub fn plan() -> Result<Option<Plan>, String> {
    if identity() != Identity::User {
        return Ok(None);
    }
    let uid = nix::unistd::getuid();
    let gid = nix::unistd::getgid();
    let name = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_default();
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let uids = parse_subid(&read("/etc/subuid"), &name, uid.as_raw());
    let gids = parse_subid(&read("/etc/subgid"), &name, uid.as_raw());
    let (Some(uids), Some(gids)) = (uids, gids) else {
        return Err(format!(
            "no subordinate id range for user {name:?}: files keep one owner; to fix, add \
             \"{name}:100000:65536\" to /etc/subuid and /etc/subgid"
        ));
    };
    for tool in ["newuidmap", "newgidmap"] {
        if which(tool).is_none() {
            return Err(format!(
                "{tool} not found: files keep one owner; to fix, install the uidmap package"
            ));
        }
    }
    Ok(Some(Plan {
        uid,
        gid,
        uids,
        gids,
    }))
}

/// How many uids and gids the user's rootless user namespace has: 0 is
/// the user, 1 and up the subordinate range when one can be mapped.
pub fn rootless_id_counts() -> (u64, u64) {
    match plan() {
        Ok(Some(p)) => (1 + p.uids.count, 1 + p.gids.count),
        _ => (1, 1),
    }
}

/// A set-uid id-map helper: in `PATH`, else in /usr/bin or /bin (a `PATH`
/// without them must not hide it).
fn which(tool: &str) -> Option<std::path::PathBuf> {
    super::which(tool).or_else(|| {
        ["/usr/bin", "/bin"]
            .iter()
            .map(|d| std::path::Path::new(d).join(tool))
            .find(|p| p.is_file())
    })
}

/// Where the caller goes on after [`enter`].
pub enum Entered {
    /// This process is now root of a new user namespace: go on.
    Inside,
    /// This process waited for the one that went on; exit with this code.
    Exit(i32),
}

/// Fork; the child unshares a user namespace and has the parent map it,
/// then returns `Inside`; the parent returns `Exit` with the child's code.
/// Must be called while the process has a single thread.
pub fn enter(plan: &Plan) -> Result<Entered> {
    let (mut parent_end, mut child_end) = UnixStream::pair().context("creating a socket pair")?;
    // SAFETY: the caller guarantees that no other thread exists, so the
    // child may run arbitrary code after fork.
    match unsafe { fork() }.context("forking to enter a user namespace")? {
        ForkResult::Child => {
            drop(parent_end);
            // The parent only waits: if it is killed, the command ends
            // too (as it would have, run in one process).
            // SAFETY: integer prctl.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0) };
            let res = Linux.unshare(CloneFlags::CLONE_NEWUSER);
            let _ = child_end.write_all(if res.is_ok() { b"u" } else { b"x" });
            let mut ok = [0u8; 1];
            let mapped = child_end.read_exact(&mut ok).is_ok() && ok[0] == b'm';
            if res.is_err() || !mapped {
                // The parent reports the reason and exits; nothing to do.
                std::process::exit(125);
            }
            Ok(Entered::Inside)
        }
        ForkResult::Parent { child } => {
            drop(child_end);
            let mut b = [0u8; 1];
            let unshared = parent_end.read_exact(&mut b).is_ok() && b[0] == b'u';
            let res = if unshared {
                map_ids(child.as_raw(), plan)
            } else {
                Err(anyhow!("creating a user namespace failed (is kernel.unprivileged_userns_clone enabled?)"))
            };
            let _ = parent_end.write_all(if res.is_ok() { b"m" } else { b"x" });
            drop(parent_end);
            let status = loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, code)) => break code,
                    Ok(WaitStatus::Signaled(_, sig, _)) => break 128 + sig as i32,
                    Ok(_) => continue,
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => bail!("waiting for process {child}: {e}"),
                }
            };
            res?;
            Ok(Entered::Exit(status))
        }
    }
}

/// Map process `pid`'s new user namespace: root is the user, 1.. are the
/// subordinate ranges of `p` (through the set-uid helpers).
pub fn map_ids(pid: i32, p: &Plan) -> Result<()> {
    // Both helpers run at once: each is a set-uid process start, which is
    // a good part of a container's start-up time.
    let start = |tool: &str, own: u32, r: Range| -> Result<std::process::Child> {
        let mut cmd = Command::new(which(tool).unwrap_or_else(|| tool.into()));
        cmd.args([pid.to_string(), "0".into(), own.to_string(), "1".into()])
            .args(["1".to_string(), r.start.to_string(), r.count.to_string()]);
        super::log_helper(&cmd);
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("running {tool}"))
    };
    let uid = start("newuidmap", p.uid.as_raw(), p.uids);
    let gid = start("newgidmap", p.gid.as_raw(), p.gids);
    for (tool, child) in [("newuidmap", uid), ("newgidmap", gid)] {
        let out = child?
            .wait_with_output()
            .with_context(|| format!("running {tool}"))?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    Ok(())
}

/// The id map of Podman's `--userns=keep-id` as (inside, outside, count)
/// lines: the user's own id `own` is the same id inside; the subordinate
/// range `r` (if any) fills the ids below and above it, from 0.
pub fn keep_id_lines(own: u32, r: Option<Range>) -> Vec<(u64, u64, u64)> {
    let own = own as u64;
    let mut lines = vec![(own, own, 1)];
    if let Some(r) = r {
        let below = r.count.min(own);
        if below > 0 {
            lines.push((0, r.start, below));
        }
        if r.count > below {
            lines.push((own + 1, r.start + below, r.count - below));
        }
    }
    lines.sort();
    lines
}

/// Map process `pid`'s new user namespace as `--userns=keep-id` does:
/// the user keeps its own uid and gid inside, the subordinate ranges of
/// `p` (when there is one) map the other ids.
pub fn map_keep_id(pid: i32, p: Option<&Plan>) -> Result<()> {
    let (uid, gid) = (nix::unistd::getuid(), nix::unistd::getgid());
    let text = |lines: Vec<(u64, u64, u64)>| -> Vec<String> {
        lines
            .into_iter()
            .flat_map(|(i, o, c)| [i.to_string(), o.to_string(), c.to_string()])
            .collect()
    };
    let Some(p) = p else {
        let of = sys::Proc::Pid(pid);
        let write = |file: MapFile, text: String| -> Result<()> {
            Linux
                .write_map(of, file, &text)
                .with_context(|| format!("writing {}", of.path(file)))
        };
        write(MapFile::Setgroups, "deny".into())?;
        write(MapFile::UidMap, format!("{uid} {uid} 1"))?;
        return write(MapFile::GidMap, format!("{gid} {gid} 1"));
    };
    for (tool, args) in [
        ("newuidmap", text(keep_id_lines(uid.as_raw(), Some(p.uids)))),
        ("newgidmap", text(keep_id_lines(gid.as_raw(), Some(p.gids)))),
    ] {
        let mut cmd = Command::new(which(tool).unwrap_or_else(|| tool.into()));
        cmd.arg(pid.to_string()).args(args);
        super::log_helper(&cmd);
        let out = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .with_context(|| format!("running {tool}"))?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    Ok(())
}

/// Map process `pid`'s new user namespace with the user alone as root
/// (no subordinate range or no helpers). `setgroups` must be denied first
/// for an unprivileged writer of `gid_map` (user_namespaces(7)).
pub fn map_user_alone(pid: i32) -> Result<()> {
    map_user_alone_as(pid, nix::unistd::getuid(), nix::unistd::getgid())
}

/// [`map_user_alone`] for user `uid`/`gid` (as read before the namespace
/// was made, when `pid` is this process).
pub fn map_user_alone_as(pid: i32, uid: Uid, gid: Gid) -> Result<()> {
    let of = sys::Proc::Pid(pid);
    sys::map_user_alone(&Linux, of, uid, gid)
        .map_err(|(file, e)| anyhow!("writing {}: {e}", of.path(file)))
}

/// Write `--uidmap`/`--gidmap`'s maps for process `pid`'s new user
/// namespace (as root, who may map any host ids).
pub fn write_maps(pid: i32, map: &super::spec::IdMap) -> Result<()> {
    use super::spec::IdMap;
    let of = sys::Proc::Pid(pid);
    for (file, ranges) in [(MapFile::UidMap, &map.uids), (MapFile::GidMap, &map.gids)] {
        Linux
            .write_map(of, file, &IdMap::text(ranges))
            .with_context(|| format!("--uidmap/--gidmap: writing {}", of.path(file)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subid_lines_are_found_by_name_or_id() {
        let t = "alice:100000:65536\n1001:300000:1000\nbob:200000:0\n";
        assert_eq!(
            parse_subid(t, "alice", 1000),
            Some(Range {
                start: 100000,
                count: 65536
            })
        );
        assert_eq!(
            parse_subid(t, "carol", 1001),
            Some(Range {
                start: 300000,
                count: 1000
            })
        );
        assert_eq!(parse_subid(t, "bob", 1002), None);
        assert_eq!(parse_subid(t, "dave", 1003), None);
    }

    #[test]
    fn keep_id_maps_the_user_to_itself() {
        let r = Range {
            start: 100000,
            count: 65536,
        };
        assert_eq!(
            keep_id_lines(1000, Some(r)),
            vec![(0, 100000, 1000), (1000, 1000, 1), (1001, 101000, 64536)]
        );
        let small = Range {
            start: 100000,
            count: 10,
        };
        assert_eq!(
            keep_id_lines(1000, Some(small)),
            vec![(0, 100000, 10), (1000, 1000, 1)]
        );
        assert_eq!(keep_id_lines(1000, None), vec![(1000, 1000, 1)]);
    }
}
