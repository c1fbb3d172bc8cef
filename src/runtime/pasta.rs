//! `--network pasta[:OPTIONS]`: pasta (package passt) connects this
//! container's network namespace alone to the outside, copying the host's
//! addresses and routes into it. berth starts it once the monitor has
//! made (and berth has mapped) the namespaces, before the program runs;
//! pasta returns once the namespace's interface is configured and goes on
//! in the background; it holds the namespace, so it never ends by itself.
//! Each pasta berth starts is recorded in `STATE_DIR/pasta/PID.json` with
//! the process it serves (the container's monitor, or the holder of
//! berth's network namespace); [`sweep`] ends those whose process is gone:
//! berth calls it when its container exits, and before it starts another
//! pasta (so one left by a killed berth goes at the next start).

use anyhow::{bail, Context, Result};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// Start pasta for the network namespace of process `pid`; `options` are
/// pasta's own, appended to berth's.
pub fn start(pid: i32, options: &[String], state_dir: &Path) -> Result<()> {
    sweep(state_dir);
    let Some(prog) = super::which("pasta") else {
        bail!("--network pasta: pasta is not installed (install the passt package)");
    };
    let mut cmd = Command::new(&prog);
    cmd.args(["--config-net", "--quiet"]);
    // Ports are berth's to publish (`-p`), not pasta's to guess.
    for (flag, set) in [("-t", "--tcp-ports"), ("-u", "--udp-ports")] {
        if !options.iter().any(|o| o == flag || o.starts_with(set)) {
            cmd.args([flag, "none"]);
        }
    }
    cmd.args(["-T", "none", "-U", "none"]);
    if !options.iter().any(|o| o.starts_with("--dns-forward")) {
        cmd.args(["--dns-forward", super::network::PASTA_DNS]);
    }
    cmd.args(options);
    let same_userns = match (
        std::fs::metadata(format!("/proc/{pid}/ns/user")),
        std::fs::metadata("/proc/self/ns/user"),
    ) {
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt;
            a.ino() == b.ino() && a.dev() == b.dev()
        }
        _ => false,
    };
    if nix::unistd::geteuid().is_root() {
        // As root pasta would become nobody, who cannot join the namespace.
        cmd.args(["--runas", "0:0"]);
    }
    // The namespace's file, opened here: pasta cannot open another
    // process's when it joins no user namespace (root, or inside berth's
    // own user namespace); it opens its own descriptor instead.
    let net = std::fs::File::open(format!("/proc/{pid}/ns/net"))
        .context("opening the container's network namespace")?;
    let fd = net.as_raw_fd();
    let target = if same_userns {
        vec!["--netns".to_string(), format!("/proc/self/fd/{fd}")]
    } else {
        vec![pid.to_string()]
    };
    if same_userns {
        // SAFETY: fcntl is async-signal-safe; the descriptor is ours.
        unsafe {
            cmd.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let done = run(&mut cmd, &target, pid, state_dir, "the container's network");
    drop(net);
    done
}

/// One pasta and the process it serves.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    pid: i32,
    start: u64,
    owner: i32,
    owner_start: u64,
}

fn alive(pid: i32, start: u64) -> bool {
    super::exec::process_alive(pid, start)
}

/// The recorded pastas of process `owner`: (pid, start time).
pub fn serving(state_dir: &Path, owner: i32) -> Vec<(i32, u64)> {
    records(state_dir)
        .into_iter()
        .filter(|(_, r)| r.owner == owner)
        .map(|(_, r)| (r.pid, r.start))
        .collect()
}

/// End every recorded pasta whose process is gone.
pub fn sweep(state_dir: &Path) {
    end_where(state_dir, |r| !alive(r.owner, r.owner_start));
}

/// End the recorded pastas of process `owner` (the holder, as it leaves).
pub fn end_for(state_dir: &Path, owner: i32) {
    end_where(state_dir, |r| r.owner == owner);
}

/// The records of `STATE_DIR/pasta/`, with their files.
fn records(state_dir: &Path) -> Vec<(std::path::PathBuf, Record)> {
    let Ok(entries) = std::fs::read_dir(state_dir.join("pasta")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let r = serde_json::from_slice::<Record>(&std::fs::read(e.path()).ok()?).ok()?;
            Some((e.path(), r))
        })
        .collect()
}

fn end_where(state_dir: &Path, doomed: impl Fn(&Record) -> bool) {
    for (path, r) in records(state_dir) {
        if !doomed(&r) {
            continue;
        }
        if alive(r.pid, r.start) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(r.pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = std::fs::remove_file(path);
    }
}

/// Run pasta as `cmd` says, for process `owner`; it returns once the
/// namespace is connected, going on in the background, and is recorded.
/// Its complaint is the error (`what`: what it was connecting).
pub(super) fn run(
    cmd: &mut Command,
    target: &[String],
    owner: i32,
    state_dir: &Path,
    what: &str,
) -> Result<()> {
    let dir = state_dir.join("pasta");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let pid_file = dir.join(format!(".{owner}-{}.pid", crate::fsutil::unique_suffix()));
    cmd.arg("--pid").arg(&pid_file);
    // The namespace last: pasta stops reading options at a PID.
    cmd.args(target);
    super::log_helper(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("starting pasta")?;
    let pid: Option<i32> = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|t| t.trim().parse().ok());
    let _ = std::fs::remove_file(&pid_file);
    if let Some(pid) = pid {
        let record = Record {
            pid,
            start: super::exec::process_start_time(pid).unwrap_or(0),
            owner,
            owner_start: super::exec::process_start_time(owner).unwrap_or(0),
        };
        crate::fsutil::write_atomic(
            &dir.join(format!("{pid}.json")),
            &serde_json::to_vec(&record)?,
        )?;
    }
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stderr);
        let said: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("syslog"))
            .collect();
        bail!(
            "pasta could not set up {what} ({}): {}",
            out.status,
            said.join("; ")
        );
    }
    Ok(())
}
