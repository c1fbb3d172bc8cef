//! `exec`: one more process in a running container.
//!
//! Two processes of berth's, and the program:
//!
//! 1. berth itself ([`exec`]): re-executes `/proc/self/exe` in the hidden
//!    `internal-exec` mode, sends it the [`ExecSpec`] over a socket, then
//!    forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to it (or relays the terminal
//!    with `-t`) and exits with the program's code.
//! 2. the helper ([`exec_main`]): joins the namespaces of the container's
//!    pid 1 (its user namespace first, when it has one, then mount, pid,
//!    uts, ipc and network) with one `setns` on a pidfd, and forks: the
//!    pid namespace applies to children only. The helper waits for the
//!    child and forwards signals to it. Joining a user namespace needs a
//!    single-threaded process, hence the fresh exec.
//! 3. the child: the container's user and groups from its own
//!    `/etc/passwd` and `/etc/group`, a terminal on the container's devpts
//!    with `-t`, the capabilities, `no_new_privs` and seccomp filter of the
//!    container, then `execve`.
//!
//! The container's pid 1 is named by its host pid *and* its start time,
//! recorded by the monitor once the program runs ([`record_pid1`]); the
//! helper opens a pidfd and then checks the start time, so a pid reused by
//! another process is never entered.
//!
//! Errors before `exec` travel back on the socket as `CODE\nmessage`, as
//! for `run` (125 setup, 126 cannot execute, 127 not found).

use super::container::{
    exec as exec_program, forwarded_and_chld, read_error, read_error_after, wait_forwarding,
};
use super::spec::Process;
use anyhow::{anyhow, bail, Context, Result};
use nix::unistd::{fork, ForkResult};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// One process to start in a running container.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ExecSpec {
    /// The host pid of the container's pid 1.
    pub pid1: i32,
    /// Its start time (clock ticks since boot), as recorded.
    pub pid1_start: u64,
    /// The container's name, for messages.
    pub container: String,
    /// The container has a user namespace of its own (rootless).
    pub user_namespace: bool,
    /// The container has a network namespace of its own (not `--network
    /// host`).
    pub network_namespace: bool,
    /// The container has a pid namespace other than the host's (not
    /// `--pid host`).
    pub pid_namespace: bool,
    pub process: Process,
    /// `exec -d`: the helper outlives berth and waits for the program.
    #[serde(default)]
    pub detached: bool,
    /// A healthcheck's probe that berth makes itself in the container's
    /// namespaces instead of running `process`.
    #[serde(default)]
    pub net_probe: Option<crate::image::config::NetProbe>,
}

/// When process `pid` started, in clock ticks since boot (field 22 of
/// `/proc/PID/stat`); `None` when there is no such process.
pub fn process_start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Process `pid` that started at `start` runs: it exists and is not a
/// zombie (a process whose parent died may wait a while for an init
/// that is slow to reap it).
pub fn process_alive(pid: i32, start: u64) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(i) = stat.rfind(')') else {
        return false;
    };
    let mut rest = stat[i + 1..].split_whitespace();
    let zombie = rest.next() == Some("Z");
    !zombie && pid > 0 && rest.nth(18).and_then(|s| s.parse().ok()) == Some(start)
}

/// Write `PID START` of process `pid` to `file`, in one `write` of a
/// few bytes, in place: a monitor killed at any instant leaves no
/// temporary file in the container's directory, and a reader that finds
/// the file empty or cut short (it parses neither number) takes the
/// container's pid 1 as not recorded yet, as when there is no file.
pub fn record_pid1(file: &Path, pid: i32) -> std::io::Result<()> {
    let started = process_start_time(pid).ok_or(std::io::ErrorKind::NotFound)?;
    std::fs::write(file, format!("{pid} {started}\n"))
}

/// Run `spec` in its container and return the program's exit code
/// (128+N when killed by signal N). Must be called while the process has
/// one thread: the signals it forwards are blocked and waited for.
pub fn exec(spec: &ExecSpec) -> Result<i32> {
    let signals = forwarded_and_chld();
    signals
        .thread_block()
        .context("blocking signals to forward them")?;
    let (mut ours, theirs) = UnixStream::pair().context("creating a socket pair")?;
    let fd = theirs.as_raw_fd();
    let child = super::container::reexec("internal-exec", fd, spec.process.stdin)
        .spawn()
        .context("starting berth's exec helper")?;
    drop(theirs);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);

    let mut pty = None;
    let setup = (|| -> Result<Option<super::container::StartError>> {
        let mut spec = spec.clone();
        if spec.process.terminal {
            spec.process.console_size = super::tty::window_size();
        }
        super::container::send_json(&mut ours, &spec, "exec spec")?;
        if spec.process.terminal {
            match super::tty::recv_fd(&ours)? {
                (Some(fd), _) => pty = Some(fd),
                (None, first) => return read_error_after(&mut ours, first),
            }
        }
        read_error(&mut ours)
    })();
    let code = match pty {
        Some(master) if setup.as_ref().is_ok_and(|e| e.is_none()) => {
            super::tty::relay(pid, master, spec.process.stdin, &signals, None)?
        }
        _ => wait_forwarding(pid, &signals)?,
    };
    match setup {
        Ok(None) => Ok(code),
        Ok(Some(e)) => Err(e.into()),
        Err(e) => Err(e.context(format!("executing in container {}", spec.container))),
    }
}

/// Start `spec` in its container and return once its program runs
/// (`exec -d`): the helper, in a session of its own with no standard
/// streams, stays its parent and ends with it; berth does not wait.
pub fn exec_detached(spec: &ExecSpec) -> Result<()> {
    if spec.process.terminal {
        bail!("exec -d -t: a detached command has nobody to give a terminal to; leave out -t");
    }
    let (mut ours, theirs) = UnixStream::pair().context("creating a socket pair")?;
    let fd = theirs.as_raw_fd();
    let mut cmd = super::container::reexec("internal-exec", fd, false);
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    let _child = cmd.spawn().context("starting berth's exec helper")?;
    drop(theirs);
    let spec = ExecSpec {
        detached: true,
        process: Process {
            stdin: false,
            ..spec.process.clone()
        },
        ..spec.clone()
    };
    let setup = (|| -> Result<Option<super::container::StartError>> {
        super::container::send_json(&mut ours, &spec, "exec spec")?;
        read_error(&mut ours)
    })();
    match setup {
        Ok(None) => Ok(()),
        Ok(Some(e)) => Err(e.into()),
        Err(e) => Err(e.context(format!("executing in container {}", spec.container))),
    }
}

/// What a probe ([`exec_captured`]) printed and how it ended.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The program's exit code; `None` when it was killed at the deadline.
    pub code: Option<i32>,
    /// The first `limit` bytes of its standard output and error, merged.
    pub output: Vec<u8>,
}

/// Run `spec` in its container with its output captured (at most `limit`
/// bytes kept) and killed after `timeout`: a healthcheck's probe. Unlike
/// [`exec`], it takes no signals of this process's (the container's berth
/// process forwards those to the container), and may be called from a
/// process with threads.
pub fn exec_captured(spec: &ExecSpec, timeout: Duration, limit: usize) -> Result<Captured> {
    use std::io::Read;
    let deadline = Instant::now() + timeout;
    let (mut ours, theirs) = UnixStream::pair().context("creating a socket pair")?;
    let (out_r, out_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| anyhow!("creating a pipe: {}", e.desc()))?;
    let mut cmd = super::container::reexec("internal-exec", theirs.as_raw_fd(), false);
    cmd.stdout(std::process::Stdio::from(out_w.try_clone()?))
        .stderr(std::process::Stdio::from(out_w));
    let spawned = cmd.spawn();
    drop(cmd);
    drop(theirs);
    let mut child = spawned.context("starting berth's exec helper")?;
    ours.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
        .context("setting a timeout")?;
    let setup = super::container::send_json(&mut ours, spec, "exec spec")
        .and_then(|()| read_error(&mut ours));
    let mut pipe = std::fs::File::from(out_r);
    let mut output = Vec::new();
    let mut buf = [0u8; 4096];
    let mut open = true;
    let code = loop {
        if let Some(status) = child.try_wait().context("waiting for the probe")? {
            break exit_code_of(status);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // The helper's child dies with it (its parent-death signal).
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        // Wake at the deadline, on output, or every 50 ms to see whether
        // the helper ended (a process the probe left behind may hold the
        // pipe open).
        let wait = left.min(Duration::from_millis(50));
        if open {
            let mut fds = [libc::pollfd {
                fd: pipe.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            // SAFETY: poll on one valid descriptor.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 1, wait.as_millis() as libc::c_int) };
            if n > 0 {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => open = false,
                    Ok(k) => keep(&mut output, &buf[..k], limit),
                }
            }
        } else {
            std::thread::sleep(wait.min(Duration::from_millis(5)));
        }
    };
    if open {
        // What is left in the pipe, without waiting for writers that
        // outlive the probe.
        let fd = pipe.as_raw_fd();
        // SAFETY: fcntl on a descriptor this function owns.
        unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) };
        while let Ok(k) = pipe.read(&mut buf) {
            if k == 0 {
                break;
            }
            keep(&mut output, &buf[..k], limit);
        }
    }
    match setup {
        Ok(None) => Ok(Captured { code, output }),
        Ok(Some(e)) => Err(e.into()),
        Err(e) => Err(e.context(format!("executing in container {}", spec.container))),
    }
}

fn keep(output: &mut Vec<u8>, more: &[u8], limit: usize) {
    let room = limit.saturating_sub(output.len());
    output.extend_from_slice(&more[..more.len().min(room)]);
}

fn exit_code_of(status: std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    Some(
        status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
    )
}

// --- the helper: `berth internal-exec FD` -------------------------------------

/// The hidden `internal-exec` mode. Returns the exit code.
pub fn exec_main(fd: i32) -> i32 {
    super::container::hidden_main(fd, helper)
}

fn helper(slot: &mut Option<UnixStream>) -> Result<i32> {
    let sock = slot.as_mut().expect("the socket is there until the fork");
    let spec: ExecSpec = super::container::recv_json(sock, "exec spec")?;
    if spec.detached {
        // `exec -d`: berth leaves once the program runs; this helper stays
        // its parent.
        // SAFETY: integer prctl.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0, 0, 0, 0) };
    }
    // Out of the terminal's process group: berth alone receives ^C and
    // forwards it once.
    let _ = nix::unistd::setsid();
    let not_running = || anyhow!("container {} is not running", spec.container);
    // SAFETY: pidfd_open with integer arguments.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, spec.pid1, 0) };
    if raw < 0 {
        return Err(not_running());
    }
    // SAFETY: a new descriptor that nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(raw as i32) };
    // The pidfd names one process for good; if it is the recorded one now,
    // it is the container's pid 1 and no later reuse of the pid.
    if process_start_time(spec.pid1) != Some(spec.pid1_start) {
        return Err(not_running());
    }
    // The namespaces the container has of its own: joining one that this
    // process is in already is an error (the user namespace as root, the
    // network namespace with --network host). The kernel applies the user
    // namespace first, and checks the others with its capabilities.
    let mut flags = libc::CLONE_NEWNS | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC;
    if spec.pid_namespace {
        flags |= libc::CLONE_NEWPID;
    }
    // A container started inside `berth unshare` has the user namespace
    // this process is in (if it is in there too).
    if spec.user_namespace && !same_user_namespace(spec.pid1) {
        flags |= libc::CLONE_NEWUSER;
    }
    if spec.network_namespace {
        flags |= libc::CLONE_NEWNET;
    }
    // A probe of berth's own enters the network alone (and the user
    // namespace that owns it): a name it looks up is looked up as on the
    // host (as the kubelet does), never with the image's NSS libraries.
    if spec.net_probe.is_some() {
        flags &= libc::CLONE_NEWNET | libc::CLONE_NEWUSER;
    }
    let joined = match flags {
        0 => Ok(()),
        f => super::sys::raw::setns(pidfd.as_raw_fd(), f),
    };
    if let Err(e) = joined {
        // berth's own `--init` is not dumpable (CVE-2019-5736), and its
        // memory belongs to the host's user namespace: rootless, it cannot
        // be entered. Its children, the container's program, can.
        if !(e.raw_os_error() == Some(libc::EPERM) && join_a_child(spec.pid1, flags)) {
            bail!(
                "joining the namespaces of container {}: {e}",
                spec.container
            );
        }
    }
    drop(pidfd);
    if let Some(p) = &spec.net_probe {
        let (code, said) = net_probe(p);
        // Standard output is the probe's captured log.
        let _ = std::io::Write::write_all(&mut std::io::stdout(), format!("{said}\n").as_bytes());
        return Ok(code);
    }
    let signals = forwarded_and_chld();
    signals.thread_block().context("blocking signals")?;
    // CVE-2019-5736: until it execs, the child is berth's binary inside
    // the container's pid namespace; not dumpable, so container processes
    // cannot open its /proc/PID/exe to rewrite berth.
    // SAFETY: integer prctl.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    // SAFETY: this process has a single thread (it was just exec'd and
    // started none).
    match unsafe { fork() }.context("forking the exec'd process")? {
        ForkResult::Child => {
            let err = match child_setup(&spec.process, sock) {
                Ok(never) => match never {},
                Err(e) => e,
            };
            let (code, msg) = match err.downcast_ref::<super::container::StartError>() {
                Some(s) => (s.code, s.message.clone()),
                None => (125, format!("{err:#}")),
            };
            let _ = write!(sock, "{code}\n{msg}");
            // SAFETY: leave without running destructors or atexit.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            // The child holds the socket until exec; berth waits for its end.
            drop(slot.take());
            wait_forwarding(child, &signals)
        }
    }
}

/// Probe `p` from the container's network namespace, which this process
/// is in: 0 when it answers (an HTTP status from 200 to 399), else 1,
/// with what happened (the probe's log). The caller
/// kills this process at the probe's deadline.
fn net_probe(p: &crate::image::config::NetProbe) -> (i32, String) {
    use std::io::{Read, Write};
    use std::net::{TcpStream, ToSocketAddrs};
    let target = match p.host.contains(':') {
        true => format!("[{}]:{}", p.host, p.port),
        false => format!("{}:{}", p.host, p.port),
    };
    let addrs: Vec<_> = match target.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            return (1, format!("resolving {}: {e}", p.host));
        }
    };
    let mut stream = match TcpStream::connect(&addrs[..]) {
        Ok(s) => s,
        Err(e) => {
            return (1, format!("connecting to {target}: {e}"));
        }
    };
    let Some(path) = &p.http_path else {
        return (0, format!("connected to {target}"));
    };
    // The probe's headers replace berth's defaults of the same name.
    let defaults = [
        ("Host", target.as_str()),
        ("User-Agent", "kube-probe/berth"),
        ("Accept", "*/*"),
        ("Connection", "close"),
    ];
    let mut headers: Vec<(String, String)> = defaults
        .iter()
        .filter(|(d, _)| !p.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(d)))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    headers.extend(p.headers.iter().cloned());
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    for (k, v) in &headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return (1, format!("GET http://{target}{path}: {e}"));
    }
    // The status line is all a probe reads.
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => {
                return (1, format!("GET http://{target}{path}: {e}"));
            }
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or_default();
    let status: Option<u16> = line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok());
    match status {
        Some(s) if (200..400).contains(&s) => (0, format!("GET http://{target}{path}: {s}")),
        Some(s) => (
            1,
            format!("GET http://{target}{path}: HTTP probe failed with statuscode: {s}"),
        ),
        None => (
            1,
            format!("GET http://{target}{path}: no HTTP status in the answer"),
        ),
    }
}

/// The parent pid of process `pid` (field 4 of `/proc/PID/stat`).
pub(super) fn parent_pid(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The processes whose parent is `pid`, as `/proc` lists them now.
pub(super) fn children(pid: i32) -> Vec<i32> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|&c| parent_pid(c) == Some(pid))
        .collect()
}

/// Join the namespaces (`flags`) of a child of `pid1`; whether one could
/// be joined. A child is checked to be one after its pidfd is open, so a
/// reused pid is never entered.
fn join_a_child(pid1: i32, flags: libc::c_int) -> bool {
    for pid in children(pid1) {
        // SAFETY: pidfd_open with integer arguments.
        let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if raw < 0 {
            continue;
        }
        // SAFETY: a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw as i32) };
        if parent_pid(pid) == Some(pid1) && super::sys::raw::setns(fd.as_raw_fd(), flags).is_ok() {
            return true;
        }
    }
    false
}

enum Never {}

/// In the container's namespaces: become the process `p` describes, as
/// the container's pid 1 did, and exec it. Returns only on failure.
/// Changing the ids cleared the parent-death signal: arm it again.
fn rearm_death_signal() {
    // SAFETY: integer prctl.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
}

fn child_setup(p: &Process, sock: &UnixStream) -> Result<Never> {
    let _ = nix::unistd::setsid();
    // SAFETY: integer prctl; the helper dies with berth, and so does this.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    let ready = super::process::become_container_process(
        p,
        &super::process::Role {
            make_cwd: false,
            console_fd: sock.as_raw_fd(),
            rearm: rearm_death_signal,
        },
    )?;
    let (prog_c, argv, envp) = (ready.prog, ready.argv, ready.envp);
    Err(exec_program(&prog_c, &argv, &envp, &p.args[0]))
}

/// Whether process `pid` is in this process's user namespace.
fn same_user_namespace(pid: i32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |p: &str| std::fs::metadata(p).map(|m| (m.dev(), m.ino())).ok();
    let ours = id("/proc/self/ns/user");
    ours.is_some() && ours == id(&format!("/proc/{pid}/ns/user"))
}
