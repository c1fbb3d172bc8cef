//! berth running itself. A container started in the background (`run -d`,
//! `start`, a pod's infra, compose and kube play) is run by a berth
//! process of its own, in the hidden `internal-start` mode, in a session
//! of its own so that it does not die with the command that started it.
//! A pull or a build that `run`/`create --pull`, compose or kube play
//! need is done by a berth child (`berth pull`, `berth build`): rootless,
//! that one writes layers inside the user namespace berth enters at its
//! start, where a container's berth must not be. Compose runs some of its
//! commands as berth itself, on the caller's streams ([`berth_here`]).
//!
//! The background process reports on its standard output, a pipe to the
//! one that started it, once: [`Report::Started`] when the container's
//! program runs (then its standard output becomes `/dev/null`, so the
//! reader sees the end), or [`Report::Failed`] with the exit code and
//! the one-line message the starter prints. Both ends are in this file.

use crate::store::StorePaths;
use anyhow::{anyhow, Result};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;

/// What a background start reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Started,
    Failed { code: i32, message: String },
}

/// The exit code of a start that reported nothing sensible.
const ERROR: i32 = 125;

impl Report {
    /// Its text on the pipe: `0\n`, or `CODE\nmessage`.
    pub fn encode(&self) -> String {
        match self {
            Report::Started => "0\n".into(),
            Report::Failed { code, message } => format!("{code}\n{message}"),
        }
    }

    /// Read `text`, all the reporter wrote before it exited or closed its
    /// output; `what` names the container for a report that says
    /// nothing (the process died before it could).
    pub fn decode(text: &str, what: &str) -> Report {
        if text == "0\n" {
            return Report::Started;
        }
        let (code, message) = text.split_once('\n').unwrap_or(("", ""));
        let code = match code.parse() {
            // A start that failed with 0 would read as a success.
            Ok(0) | Err(_) => ERROR,
            Ok(c) => c,
        };
        let message = match message {
            "" => format!("starting container {what}: its berth process exited"),
            m => m.to_string(),
        };
        Report::Failed { code, message }
    }
}

/// berth itself, on this store, as `berth ARGS`.
fn berth(paths: &StorePaths) -> std::process::Command {
    let mut cmd = std::process::Command::new("/proc/self/exe");
    cmd.arg0("berth")
        .arg("--root")
        .arg(&paths.root)
        .arg("--runroot")
        .arg(&paths.runroot);
    cmd
}

/// Start container `name` in a berth process of its own and wait for its
/// report. `policy_restart`: its restart policy starts it again after a
/// foreground run.
pub fn start(paths: &StorePaths, name: &str, policy_restart: bool) -> Result<Report> {
    let mut cmd = berth(paths);
    cmd.arg("internal-start")
        .args(policy_restart.then_some("--policy-restart"))
        .args(["--", name])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow!("starting container {name}: {e}"))?;
    let mut text = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut text);
    }
    let report = Report::decode(&text, name);
    if report != Report::Started {
        let _ = child.wait();
    }
    // Started, it lives on; the kernel's init reaps it when it ends.
    Ok(report)
}

/// In the background process: say that the container's program runs,
/// then let go of the pipe.
pub fn report_started() {
    report(&Report::Started);
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 onto the standard output descriptor.
        unsafe { libc::dup2(null.as_raw_fd(), 1) };
    }
}

/// In the background process: write `r` for the one that started it.
pub fn report(r: &Report) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(r.encode().as_bytes());
    let _ = out.flush();
}

/// Run `berth ARGS` (a pull or a build) on this store in a child
/// process, its standard output discarded (the caller's is for ids), its
/// errors on the caller's: `None` when it succeeded, else its exit code.
/// `what` names the image for the error of a child that cannot start.
pub fn berth_child(paths: &StorePaths, args: &[&str], what: &str) -> Result<Option<i32>> {
    let status = berth(paths)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| {
            anyhow!(
                "image {what}: starting berth {}: {e}",
                args.first().copied().unwrap_or("")
            )
        })?;
    Ok(match status.code() {
        Some(0) => None,
        Some(c) => Some(c),
        None => Some(ERROR),
    })
}

/// Run `berth ARGS` on this store with the caller's standard streams;
/// its exit code.
pub fn berth_here(paths: &StorePaths, args: &[String]) -> Result<i32> {
    let status = berth(paths).args(args).status().map_err(|e| {
        anyhow!(
            "starting berth {}: {e}",
            args.first().map(String::as_str).unwrap_or("")
        )
    })?;
    Ok(status.code().unwrap_or(ERROR))
}

#[cfg(test)]
mod tests {
    use super::Report;

    #[test]
    fn reports_read_back_as_written() {
        for r in [
            Report::Started,
            Report::Failed {
                code: 126,
                message: "exec /nope: no such file".into(),
            },
            Report::Failed {
                code: 125,
                message: "a: b".into(),
            },
        ] {
            assert_eq!(Report::decode(&r.encode(), "c"), r);
        }
    }

    #[test]
    fn a_report_cut_short_is_a_failure_naming_the_container() {
        let silent = "starting container web: its berth process exited";
        for text in ["", "0", "12", "x\ny", "0\nboom"] {
            let r = Report::decode(text, "web");
            let Report::Failed { code, message } = r else {
                panic!("{text:?} read as started");
            };
            assert_ne!(code, 0, "{text:?}");
            if text.len() < 3 {
                assert_eq!(message, silent);
            }
        }
        assert_eq!(
            Report::decode("127\n", "web"),
            Report::Failed {
                code: 127,
                message: silent.into()
            }
        );
    }
}
