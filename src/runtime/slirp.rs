//! `--network slirp4netns`: outbound connectivity for a container's
//! network namespace without privileges. berth starts `slirp4netns` once
//! the monitor has made (and berth has mapped) the namespaces and before
//! the container's program runs; slirp4netns joins the namespace by the
//! monitor's pid, makes `tap0` (10.0.2.100/24, gateway 10.0.2.2, DNS
//! 10.0.2.3), says so on its ready descriptor, and forwards the
//! namespace's traffic through ordinary sockets of the host. It ends when
//! its exit descriptor closes: when berth drops [`Slirp`], or dies.
//!
//! It is also the way out of berth's network namespace (see
//! [`super::network`]): one slirp4netns for all of berth's bridges,
//! ending when the process that holds that namespace ends.

use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Seek};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// The address the container's DNS queries go to (slirp4netns forwards
/// them to the host's resolver).
pub const DNS: &str = "10.0.2.3";

/// A running slirp4netns for one container.
pub struct Slirp {
    child: Child,
    exit: Option<OwnedFd>,
}

impl Drop for Slirp {
    fn drop(&mut self) {
        // Closing the exit descriptor ends it; it is our child, reap it.
        drop(self.exit.take());
        let _ = self.child.wait();
    }
}

pub fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| anyhow!("creating a pipe: {}", e.desc()))
}

/// Start slirp4netns for the network namespace of process `pid` and wait
/// until it has configured `tap0`. `allow_host_loopback`: the container
/// reaches the host's 127.0.0.1 at 10.0.2.2 (off by default, as Podman).
pub fn start(pid: i32, allow_host_loopback: bool) -> Result<Slirp> {
    let (exit_r, exit_w) = pipe()?;
    let mut extra = Vec::new();
    if !allow_host_loopback {
        extra.push("--disable-host-loopback".to_string());
    }
    let child = launch(
        pid,
        "tap0",
        &extra,
        exit_r,
        false,
        "the container's network",
    )?;
    Ok(Slirp {
        child,
        exit: Some(exit_w),
    })
}

/// Start slirp4netns for berth's network namespace, held by process
/// `pid`, as interface `ifname`: out of berth's session and not its child
/// (it outlives the berth that starts it). It ends when every copy of
/// the write end of `exit_r`'s pipe closes: the holder keeps one.
pub fn start_for_holder(pid: i32, ifname: &str, exit_r: OwnedFd) -> Result<()> {
    let extra = [
        format!("--userns-path=/proc/{pid}/ns/user"),
        "--enable-ipv6".to_string(),
    ];
    let mut child = launch(
        pid,
        ifname,
        &extra,
        exit_r,
        true,
        "berth's network namespace",
    )?;
    // The process berth started only forked slirp4netns.
    let _ = child.wait();
    Ok(())
}

/// Run slirp4netns for `pid` with interface `ifname` and `extra`
/// options, ending when `exit_r` reads end-of-file, and wait for it to be
/// ready. `detached`: in a session of its own, as a grandchild (the
/// child returned has exited or is about to).
fn launch(
    pid: i32,
    ifname: &str,
    extra: &[String],
    exit_r: OwnedFd,
    detached: bool,
    what: &str,
) -> Result<Child> {
    let Some(prog) = super::which("slirp4netns") else {
        bail!("slirp4netns is not installed (install the slirp4netns package)");
    };
    let (ready_r, ready_w) = pipe()?;
    // Its messages go to an anonymous file, read only if it fails: a pipe
    // nobody reads after the start could fill up and stop it.
    // SAFETY: a plain system call with a static name.
    let fd = unsafe { libc::memfd_create(c"slirp4netns".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error()).context("creating a memfd");
    }
    // SAFETY: a fresh descriptor.
    let mut log = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let (ready_fd, exit_fd) = (ready_w.as_raw_fd(), exit_r.as_raw_fd());
    let mut cmd = Command::new(&prog);
    cmd.args([
        "--configure",
        "--mtu=65520",
        "--enable-sandbox",
        "--enable-seccomp",
    ])
    .arg(format!("--ready-fd={ready_fd}"))
    .arg(format!("--exit-fd={exit_fd}"));
    cmd.args(extra)
        .args([pid.to_string(), ifname.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log.try_clone()?));
    let root = nix::unistd::geteuid().is_root();
    // SAFETY: fcntl, setsid, fork, _exit, unshare and mount are
    // async-signal-safe system calls; the descriptors are ours.
    unsafe {
        cmd.pre_exec(move || {
            for fd in [ready_fd, exit_fd] {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if detached {
                libc::setsid();
                match libc::fork() {
                    -1 => return Err(std::io::Error::last_os_error()),
                    0 => {}
                    _ => libc::_exit(0),
                }
            }
            if root {
                // Its sandbox pivots and unmounts the old root: in the
                // host's mount namespace, with shared mounts, that would
                // unmount the host's own (`/run/netns/*`). A mount
                // namespace of its own, receiving but never sending.
                super::sys::raw::unshare(libc::CLONE_NEWNS)?;
                super::sys::raw::set_propagation(c"/", libc::MS_REC | libc::MS_SLAVE)?;
            }
            Ok(())
        });
    }
    super::log_helper(&cmd);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", prog.display()))?;
    drop(cmd);
    drop(ready_w);
    drop(exit_r);
    let mut b = [0u8; 1];
    let mut ready = std::fs::File::from(ready_r);
    if ready.read_exact(&mut b).is_err() {
        // It exited before the network was up: say why.
        // (Detached, the child only forked it: its status says nothing.)
        let status = child.wait().ok().filter(|_| !detached);
        let mut text = String::new();
        let _ = log.rewind().and_then(|_| log.read_to_string(&mut text));
        let said: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("WARNING"))
            .collect();
        let mut why = said.join("; ");
        if why.contains("/dev/net/tun") {
            why.push_str(" (a rootless user needs /dev/net/tun mode 0666, Debian's usual mode)");
        }
        bail!(
            "slirp4netns could not set up {what} ({}): {why}",
            status.map_or("no status".to_string(), |s| s.to_string())
        );
    }
    Ok(child)
}
