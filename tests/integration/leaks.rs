//! What a running container leaves on the host, looked for where it is.
//! The container's root file system is mounted in its monitor's private
//! mount namespace, never in the test's: the test's own mount table can
//! show a mount only if one leaked into the host's namespace. So a
//! `Footprint` is taken while the container runs — its pid 1 (the
//! monitor writes `containers/<id>/pid1`), the monitor (pid 1's parent),
//! every host process in its namespaces, the namespaces themselves (nsfs
//! inodes) and the mounts the monitor's namespace holds below the test's
//! directory — and asserted non-empty, so that "none left" afterwards
//! means something: no process is alive, no process is in one of those
//! namespaces or holds a descriptor to one (a namespace without either is
//! freed by the kernel, with every mount in it), and nothing is mounted
//! below the test's directory in the test's own namespace either.

use crate::util::TestEnv;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct Footprint {
    /// Host pids with their start times (a reused pid is not ours).
    pub pids: Vec<(i32, u64)>,
    /// `mnt:[…]`, `pid:[…]` … of pid 1 and the monitor.
    pub namespaces: Vec<String>,
    /// The monitor's mountinfo lines below the test's directory.
    pub mounts: Vec<String>,
}

pub(crate) fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22, counted after the command's closing parenthesis.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()
}

pub(crate) fn parent(pid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))?
        .trim()
        .parse()
        .ok()
}

pub(crate) fn ns_of(pid: i32, kind: &str) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .ok()
        .map(|l| l.to_string_lossy().into_owned())
}

pub(crate) fn host_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Host processes in one of `namespaces`, or holding a descriptor to one.
pub(crate) fn holders(namespaces: &[String]) -> Vec<String> {
    holders_started_by(namespaces, u64::MAX)
}

/// Clock ticks since boot, the unit of the start times of
/// `/proc/PID/stat` ([`start_time`]).
pub(crate) fn ticks_since_boot() -> u64 {
    let uptime = std::fs::read_to_string("/proc/uptime").unwrap();
    let secs: f64 = uptime.split_whitespace().next().unwrap().parse().unwrap();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100);
    (secs * hz as f64) as u64
}

/// [`holders`] among the processes started by `cutoff` (clock ticks
/// since boot): a namespace's inode number is reused once the namespace
/// is freed, so a process started after the namespace could have gone
/// may be in a new namespace of the same number (pasta and slirp4netns
/// make namespaces for their sandboxes at every start).
pub(crate) fn holders_started_by(namespaces: &[String], cutoff: u64) -> Vec<String> {
    let mut found = Vec::new();
    for pid in host_pids() {
        if start_time(pid).is_none_or(|s| s > cutoff) {
            continue;
        }
        for kind in [
            "mnt",
            "pid",
            "pid_for_children",
            "net",
            "uts",
            "ipc",
            "user",
        ] {
            if let Some(ns) = ns_of(pid, kind) {
                if namespaces.contains(&ns) {
                    found.push(format!("pid {pid} is in {ns}"));
                }
            }
        }
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(l) = std::fs::read_link(fd.path()) {
                let l = l.to_string_lossy().into_owned();
                if namespaces.contains(&l) {
                    found.push(format!("pid {pid} holds {l}"));
                }
            }
        }
    }
    found
}

/// Lines of `/proc/PID/mountinfo` whose mount point is below `dir`.
fn mounts_of(pid: &str, dir: &Path) -> Vec<String> {
    let dir = dir.to_str().unwrap();
    std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split(' ').nth(4).is_some_and(|m| m.starts_with(dir)))
        .map(str::to_string)
        .collect()
}

/// Mounts below `dir` in the test's own mount namespace.
pub(crate) fn host_mounts_below(dir: &Path) -> Vec<String> {
    mounts_of("self", dir)
}

/// The holder of `env`'s berth network namespace (its pid in
/// `runroot/network/infra.json`), if it runs.
pub(crate) fn network_holder(env: &TestEnv) -> Option<i32> {
    let text = std::fs::read_to_string(env.runroot().join("network/infra.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let pid = v["pid"].as_i64()? as i32;
    (start_time(pid) == v["start_time"].as_u64()).then_some(pid)
}

/// The footprint of the one container of `env` that runs (waiting up to
/// a minute for its pid 1 to be recorded: a hang guard, not a bound).
#[track_caller]
pub(crate) fn footprint(env: &TestEnv) -> Footprint {
    let started = Instant::now();
    let pid1 = loop {
        let recorded = crate::run::container_dirs(env).into_iter().find_map(|id| {
            let text = std::fs::read_to_string(env.root().join("containers").join(id).join("pid1"))
                .ok()?;
            let mut w = text.split_whitespace();
            let pid: i32 = w.next()?.parse().ok()?;
            let start: u64 = w.next()?.parse().ok()?;
            (start_time(pid) == Some(start)).then_some(pid)
        });
        if let Some(pid) = recorded {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no running container's pid 1 is recorded in {}",
            env.root().display()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let monitor = parent(pid1).expect("pid 1 has a parent");
    // A rootless container on a berth network is in the user namespace
    // of the holder of berth's network namespace, which outlives it.
    let holder = network_holder(env);
    let mut namespaces = Vec::new();
    for pid in [pid1, monitor] {
        for kind in ["mnt", "pid", "net", "uts", "ipc", "user"] {
            if let Some(ns) = ns_of(pid, kind) {
                // The monitor is still in the host's pid namespace (it
                // made pid 1's); so are the test and everything else.
                let shared = holder.is_some_and(|h| ns_of(h, kind).as_ref() == Some(&ns));
                if ns_of(std::process::id() as i32, kind).as_ref() != Some(&ns)
                    && !shared
                    && !namespaces.contains(&ns)
                {
                    namespaces.push(ns);
                }
            }
        }
    }
    // pid 1 and its descendants, the monitor, and what the monitor
    // started in its mount namespace (a fuse-overlayfs daemon).
    let (pid_ns, mnt_ns) = (ns_of(pid1, "pid"), ns_of(monitor, "mnt"));
    let mut pids: Vec<(i32, u64)> = host_pids()
        .into_iter()
        .filter(|&p| p == monitor || ns_of(p, "pid") == pid_ns || ns_of(p, "mnt") == mnt_ns)
        .filter_map(|p| Some((p, start_time(p)?)))
        .collect();
    pids.sort();
    let mounts = mounts_of(&monitor.to_string(), env.path());
    let fp = Footprint {
        pids,
        namespaces,
        mounts,
    };
    assert!(
        fp.pids.len() >= 2 && fp.pids.iter().any(|&(p, _)| p == pid1),
        "{fp:#?}"
    );
    assert!(
        fp.namespaces.iter().any(|n| n.starts_with("mnt:"))
            && fp.namespaces.iter().any(|n| n.starts_with("pid:")),
        "{fp:#?}"
    );
    assert!(
        !fp.mounts.is_empty(),
        "the monitor's namespace holds no mount below {}: {fp:#?}",
        env.path().display()
    );
    fp
}

/// Wait (a minute at most, a hang guard) until nothing of `fp` is left:
/// its processes gone, its namespaces without a process or descriptor
/// in them, and no mount below the test's directory here.
#[track_caller]
pub(crate) fn assert_gone(env: &TestEnv, fp: &Footprint) {
    let started = Instant::now();
    loop {
        let alive: Vec<String> = fp
            .pids
            .iter()
            .filter(|&&(p, s)| start_time(p) == Some(s))
            .map(|(p, _)| format!("pid {p} is alive"))
            .collect();
        let mut left = alive;
        left.extend(holders(&fp.namespaces));
        left.extend(host_mounts_below(env.path()));
        if left.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "left behind a minute later: {left:#?}\nof {fp:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
