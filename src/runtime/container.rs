//! Starting a container and staying its parent (DESIGN.md §4).
//!
//! Three processes, none of which forks while it has threads:
//!
//! 1. berth itself ([`run`]): forks the monitor (or, once it has started
//!    threads, re-executes `/proc/self/exe` in the hidden `internal-init`
//!    mode), sends it the [`Spec`] over a socket, maps its
//!    user namespace (`newuidmap`/`newgidmap`, or the user alone), then
//!    forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to it and exits with the
//!    container's code. The container inherits berth's stdio, so input and
//!    output flow without copying.
//! 2. the monitor ([`init_main`]): unshares the user, uts, ipc and
//!    network namespaces, mounts the root file system in a mount namespace
//!    of its own ([`super::rootfs::premount`]), forks the port relay when
//!    ports are published, unshares the pid namespace, forks the
//!    container's pid 1, forwards signals to
//!    it, and when it exits removes what `--rm` names (from inside the user
//!    namespace, where files of subordinate ids can be removed). Once the
//!    container's program runs, it records pid 1's host pid for `exec`
//!    ([`super::exec`]), and removes the record when pid 1 exits.
//! 3. pid 1 ([`container_init`]): a new mount namespace, the root file
//!    system ([`super::rootfs`]), hostname, loopback, the user, the
//!    capabilities, `no_new_privs`, seccomp, then `execve`.
//!
//! A detached container (`run -d`) has the same three processes: its
//! berth is one started for it in a session of its own (`internal-start`),
//! which writes the container's output to its log ([`Output`],
//! [`super::logs`]) instead of sharing its stdio.
//!
//! With published ports (`-p`), the monitor binds the host's sockets
//! before it leaves the host's network namespace and forks a fourth
//! process, the port relay ([`super::ports`]), in the container's network
//! namespace before it unshares the pid namespace.
//!
//! Each process has `PR_SET_PDEATHSIG(SIGKILL)`: if berth is killed, the
//! monitor dies, then pid 1, and with pid 1 the kernel kills the whole pid
//! namespace; the mounts live only in the container's mount namespace and
//! go with it. Nothing is left behind (but a root file system that
//! `berth mount` made before, which the container uses and leaves). With
//! `--network slirp4netns`, berth starts slirp4netns once the namespaces
//! exist ([`super::slirp`]); it ends when berth lets go of it or dies.
//!
//! Inside `berth unshare` (berth's own user namespace), a rootless
//! container makes no user namespace of its own: it is in the right one.
//!
//! Errors of pid 1 before `exec` travel back on the socket as
//! `CODE\nmessage` (125 setup, 126 cannot execute, 127 not found); the
//! socket is close-on-exec, so end-of-file without a message means the
//! container's program is running.

use super::spec::{Network, Spec};
use super::sys::{CloneFlags, Linux, Sys};
use super::userns;
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// The container could not be started; `code` is the exit code berth
/// should use (125, 126, 127).
#[derive(Debug)]
pub struct StartError {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StartError {}

/// Signals berth forwards to the container.
pub const FORWARDED: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

pub(super) fn forwarded_and_chld() -> SigSet {
    let mut s = SigSet::empty();
    for sig in FORWARDED {
        s.add(sig);
    }
    s.add(Signal::SIGCHLD);
    s
}

/// Sleep for `delay` (a restart's backoff) unless one of the signals
/// berth forwards arrives; they are blocked in this thread since a run.
/// `false` when one did: the user stops a restarting container.
pub fn sleep_unless_signalled(delay: std::time::Duration) -> bool {
    let mut set = SigSet::empty();
    for sig in FORWARDED {
        set.add(sig);
    }
    let deadline = std::time::Instant::now() + delay;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return true;
        }
        if wait_signal(&set, left).is_some() {
            return false;
        }
    }
}

/// Wait up to `limit` for one of the (blocked) signals of `set`.
fn wait_signal(set: &SigSet, limit: std::time::Duration) -> Option<Signal> {
    let ts = libc::timespec {
        tv_sec: limit.as_secs() as libc::time_t,
        tv_nsec: limit.subsec_nanos() as libc::c_long,
    };
    // SAFETY: sigtimedwait on a valid set and timespec, without info.
    let sig = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &ts) };
    Signal::try_from(sig).ok()
}

/// Run `spec` in the foreground and return the container's exit code
/// (128+N when killed by signal N). `hint` is called once when a rootless
/// user has no subordinate range and only the user is mapped. Must be
/// called while the process has one thread: the signals it forwards are
/// blocked and waited for synchronously.
pub fn run(spec: &Spec, hint: &mut dyn FnMut(&str)) -> Result<i32> {
    run_with(spec, hint, Output::default())
}

/// Where the output of a container goes, and who hears that it started.
#[derive(Default)]
pub struct Output<'a> {
    /// Write stdout and stderr to this log ([`super::logs`]).
    pub log: Option<LogTarget<'a>>,
    /// Called once the container's program runs.
    pub started: Option<&'a mut dyn FnMut()>,
    /// A detached container's berth process (which lives on to restart
    /// it).
    pub detached: bool,
    /// With a terminal, detached: clients `attach` on a socket in this
    /// dir ([`super::attach`]).
    pub attach_dir: Option<&'a std::path::Path>,
    /// Its restart policy starts it again after a foreground run (not a
    /// user's start: the restart count goes on).
    pub policy_restart: bool,
    /// Called while the program runs, first after the delay it is given
    /// with, then after each delay it returns (a healthcheck's probe);
    /// not with a terminal.
    pub tick: Option<(
        std::time::Duration,
        &'a mut dyn FnMut() -> std::time::Duration,
    )>,
}

/// Where a container's log goes.
#[derive(Clone, Copy)]
pub struct LogTarget<'a> {
    pub path: &'a std::path::Path,
    /// Bytes (0: no limit), as `--log-opt max-size`.
    pub max_size: u64,
    /// Also pass the output on to berth's own stdout and stderr (a
    /// foreground container); else only the log has it (detached).
    pub tee: bool,
}

/// [`run`], with the container's output in a log and a call once its
/// program runs (a detached container's berth process).
pub fn run_with(spec: &Spec, hint: &mut dyn FnMut(&str), mut out: Output) -> Result<i32> {
    let inside;
    let spec = if spec.user_namespace && userns::identity() == userns::Identity::NamespaceRoot {
        // Inside `berth unshare`: the user namespace that rootless
        // containers get, subordinate ranges and all, is this one already.
        if spec.keep_id {
            bail!("a --userns=keep-id container cannot start inside berth unshare");
        }
        if super::nested::map_of(spec).is_some() {
            bail!("a rootless --uidmap container cannot start inside berth unshare");
        }
        inside = Spec {
            user_namespace: false,
            ..spec.clone()
        };
        &inside
    } else {
        spec
    };
    let mut with_net;
    let spec = match &spec.network {
        Network::Bridge(b) if b.infra_pid == 0 => {
            with_net = spec.clone();
            if let Some(program) = super::network::own_way_out(spec.own_user_namespace()) {
                // Inside `berth unshare` (a rootless build) or with its own
                // id map (keep-id), the container cannot join the user
                // namespace that owns berth's bridges: a way out of its
                // own.
                with_net.network = match program {
                    "pasta" => Network::Pasta {
                        options: Vec::new(),
                        state_dir: b.state_dir.clone(),
                    },
                    _ => Network::Slirp4netns {
                        allow_host_loopback: true,
                    },
                };
            } else {
                let infra = super::network::ensure_infra(&b.state_dir, &b.containers_dir)?;
                if infra.backend == "none" {
                    hint("berth networks have no way out: install slirp4netns or pasta (package passt)");
                }
                if let Network::Bridge(nb) = &mut with_net.network {
                    nb.infra_pid = infra.pid;
                    nb.host_gateway = infra.host_gateway;
                }
            }
            &with_net
        }
        _ => spec,
    };
    // Also when the container joins a user namespace berth mapped before:
    // the hint about a missing range is for every rootless container.
    // A rootless `--uidmap` container's monitor makes the user's user
    // namespace first (mapped here), then the container's inside it.
    let nested = spec.user_namespace && super::nested::map_of(spec).is_some();
    let plan = if spec.user_namespace && (spec.id_map.is_none() || nested) {
        match userns::plan() {
            Ok(p) => p,
            Err(h) => {
                hint(&h);
                None
            }
        }
    } else {
        None
    };
    let signals = forwarded_and_chld();
    signals
        .thread_block()
        .context("blocking signals to forward them")?;

    // The log's file is opened first: an error leaves nothing started.
    // A terminal's output is logged by its relay; else the container's
    // stdout and stderr are pipes that two threads read, started after
    // the fork (the signals are blocked: they inherit the mask).
    let log_file = match &out.log {
        Some(t) => Some(super::logs::LogFile::open(t.path, t.max_size)?),
        None => None,
    };
    let (pipes, tty_log) = match log_file {
        Some(f) if !spec.process.terminal => (Some((super::logs::pipes()?, f)), None),
        Some(f) => (None, Some(std::sync::Mutex::new(f))),
        None => (None, None),
    };
    let (mut ours, theirs) = UnixStream::pair().context("creating a socket pair")?;
    // A detached container without pipes (a terminal, or no log) holds
    // none of its berth process's streams: whoever waits for their end
    // (`run -d`) is not kept waiting.
    let null = match (&pipes, out.detached) {
        (None, true) => Some(std::os::fd::OwnedFd::from(
            std::fs::File::options()
                .write(true)
                .open("/dev/null")
                .context("opening /dev/null")?,
        )),
        _ => None,
    };
    let out_fds = match (&pipes, &null) {
        (Some((p, _)), _) => Some((&p.stdout, &p.stderr)),
        (None, Some(n)) => Some((n, n)),
        (None, None) => None,
    };
    let pid = start_monitor(&theirs, spec.process.stdin, out_fds)?;
    drop(theirs);
    let tee = out.log.is_some_and(|t| t.tee);
    let writers = pipes.map(|(p, f)| p.start(f, tee));

    let mut pty = None;
    let mut slirp = None;
    // `--uidmap` on berth networks: attached by this process.
    let mut attached = None;
    let setup = (|| -> Result<Option<StartError>> {
        let mut spec = spec.clone();
        if spec.process.terminal {
            spec.process.console_size = super::tty::window_size();
        }
        log_plan(&spec);
        send_json(&mut ours, &spec, "container spec")?;
        let mut views = Vec::new();
        // Nested, the monitor asks twice: for the user's namespace's
        // maps, then for the network of the container's.
        let rounds = match (spec.waits_for_berth(), nested) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 2,
        };
        for round in 0..rounds {
            let mut b = [0u8; 1];
            match ours.read_exact(&mut b) {
                Ok(()) if b[0] == b'u' => {}
                // An error before the namespace: its first byte is read.
                Ok(()) => return read_error_after(&mut ours, b.to_vec()),
                Err(_) => return read_error(&mut ours),
            }
            let done = (|| -> Result<()> {
                if nested && round == 0 {
                    return match &plan {
                        Some(p) => userns::map_ids(pid.as_raw(), p),
                        None => userns::map_user_alone(pid.as_raw()),
                    };
                }
                if nested {
                    // Mapped by the monitor, from the user's namespace.
                } else if let (true, Some(map)) = (spec.user_namespace, &spec.id_map) {
                    userns::write_maps(pid.as_raw(), map)?;
                    let dirs = super::idmap::dirs(&spec.rootfs)?;
                    views = super::idmap::views(pid.as_raw(), &dirs)?;
                    if let Network::Bridge(b) = &spec.network {
                        super::network::attach_from_outside(b, pid.as_raw())?;
                        attached = Some(b.clone());
                    }
                } else if spec.user_namespace && spec.waits_for_berth_to_map() {
                    match &plan {
                        _ if spec.keep_id => userns::map_keep_id(pid.as_raw(), plan.as_ref())?,
                        Some(p) => userns::map_ids(pid.as_raw(), p)?,
                        None => userns::map_user_alone(pid.as_raw())?,
                    }
                }
                match &spec.network {
                    Network::Slirp4netns {
                        allow_host_loopback,
                    } => {
                        slirp = Some(super::slirp::start(pid.as_raw(), *allow_host_loopback)?);
                    }
                    Network::Pasta { options, state_dir } => {
                        super::pasta::start(pid.as_raw(), options, state_dir)?
                    }
                    _ => {}
                }
                Ok(())
            })();
            ours.write_all(if done.is_ok() { b"m" } else { b"x" })?;
            done?;
        }
        for v in views.drain(..) {
            super::tty::send_fd(ours.as_raw_fd(), v.as_raw_fd(), "an idmapped mount")?;
        }
        if spec.process.terminal {
            // pid 1 sends the master of the terminal it made inside the
            // container (its own devpts), or an error.
            match super::tty::recv_fd(&ours)? {
                (Some(fd), _) => pty = Some(fd),
                (None, first) => return read_error_after(&mut ours, first),
            }
        }
        read_error(&mut ours)
    })();

    if setup.as_ref().is_ok_and(|e| e.is_none()) {
        if let Some(f) = out.started.as_mut() {
            f();
        }
        if let Some(secs) = spec.timeout {
            kill_after(pid, std::time::Duration::from_secs(secs))?;
        }
    }
    let code = match pty {
        Some(master) if setup.as_ref().is_ok_and(|e| e.is_none()) => match out.attach_dir {
            Some(dir) => super::attach::serve(
                pid,
                master,
                spec.process.stdin,
                &signals,
                tty_log.as_ref(),
                dir,
            )?,
            None => super::tty::relay(pid, master, spec.process.stdin, &signals, tty_log.as_ref())?,
        },
        _ => match out.tick.as_mut() {
            Some((first, tick)) if setup.as_ref().is_ok_and(|e| e.is_none()) => {
                wait_ticking(pid, &signals, *first, &mut **tick)?
            }
            _ => wait_forwarding(pid, &signals)?,
        },
    };
    // Killed by `--timeout`: -1, as conmon reports a timed-out container.
    let code = if TIMED_OUT.load(std::sync::atomic::Ordering::SeqCst) {
        -1
    } else {
        code
    };
    drop(slirp);
    if let Some(b) = &attached {
        let _ = super::network::detach(b, b.infra_pid);
    }
    if let Network::Pasta { state_dir, .. } = &spec.network {
        // The monitor is gone: its pasta ends now.
        super::pasta::sweep(state_dir);
    }
    if let Some(w) = writers {
        // Our write ends go with the command; the container's with it.
        w.finish_after_close();
    }
    match setup {
        Ok(None) => Ok(code),
        Ok(Some(e)) => Err(e.into()),
        Err(e) => Err(e.context("starting the container")),
    }
}

/// Start the monitor with `sock` as its end of the socket. A process with
/// one thread forks: the child is the monitor at once, without loading
/// berth again (a good part of a container's start-up time). A process
/// that has started threads must not fork (only the forking thread would
/// go on, with whatever locks the others held), so it re-executes
/// `/proc/self/exe` in the hidden `internal-init` mode instead.
fn start_monitor(
    sock: &UnixStream,
    stdin: bool,
    out: Option<(&std::os::fd::OwnedFd, &std::os::fd::OwnedFd)>,
) -> Result<Pid> {
    let fd = sock.as_raw_fd();
    // A thread joined just before (a build step's layer unpacking) may
    // still count for a moment. The log's threads start after the fork.
    if single_threaded_within(std::time::Duration::from_millis(2)) {
        let null = if stdin {
            None
        } else {
            Some(std::fs::File::open("/dev/null").context("opening /dev/null")?)
        };
        // SAFETY: this process has one thread (checked just above), so
        // the child may run any code.
        match unsafe { fork() }.context("starting berth's container monitor")? {
            ForkResult::Child => {
                // SAFETY: plain descriptor calls on descriptors we own;
                // the ranges leave out 0-2 and the socket. Everything
                // else berth had open (the store's locks among them) is
                // closed, as exec would have closed it.
                unsafe {
                    if let Some(n) = &null {
                        libc::dup2(n.as_raw_fd(), 0);
                    }
                    if let Some((o, e)) = out {
                        libc::dup2(o.as_raw_fd(), 1);
                        libc::dup2(e.as_raw_fd(), 2);
                    }
                }
                if out.is_some() {
                    // Its standard error is the container's log now.
                    quiet_log();
                }
                // SAFETY: as above.
                unsafe {
                    if fd > 3 {
                        libc::syscall(libc::SYS_close_range, 3u32, (fd - 1) as u32, 0u32);
                    }
                    libc::syscall(libc::SYS_close_range, (fd + 1) as u32, u32::MAX, 0u32);
                }
                let code = init_main(fd);
                // SAFETY: leave without running the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => return Ok(child),
        }
    }
    let mut cmd = reexec("internal-init", fd, stdin);
    if let Some((o, e)) = out {
        cmd.stdout(Stdio::from(o.try_clone()?))
            .stderr(Stdio::from(e.try_clone()?))
            // Its standard error is the container's log: no berth log.
            .env_remove("BERTH_LOG");
    }
    super::log_helper(&cmd);
    let child = cmd.spawn();
    drop(cmd);
    let child = child.context("starting berth's container init")?;
    Ok(Pid::from_raw(child.id() as i32))
}

/// `/proc/self/exe MODE FD`: berth again, in one of its hidden modes,
/// with `fd` (one end of a socket) left open across exec and standard
/// input kept only when `stdin`.
pub(super) fn reexec(mode: &str, fd: i32, stdin: bool) -> Command {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg0("berth")
        .args([mode, &fd.to_string()])
        .stdin(if stdin {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    // SAFETY: fcntl is async-signal-safe; the closure touches no memory
    // shared with other threads.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// Whether this process has a single thread, waiting up to `patience`
/// for it: a thread that was joined still counts for a moment after
/// `join` returns (the kernel releases it after waking the joiner), so a
/// check right after a scoped thread ends can see two.
pub fn single_threaded_within(patience: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + patience;
    loop {
        if one_thread() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// Whether this process has a single thread (`/proc/self/stat`, field 20).
fn one_thread() -> bool {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return false;
    };
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(17))
        .is_some_and(|n| n == "1")
}

/// Read what pid 1 reports before `exec`: nothing (it runs) or an error.
pub(super) fn read_error(sock: &mut UnixStream) -> Result<Option<StartError>> {
    read_error_after(sock, Vec::new())
}

pub(super) fn read_error_after(
    sock: &mut UnixStream,
    first: Vec<u8>,
) -> Result<Option<StartError>> {
    let mut buf = first;
    let _ = sock.read_to_end(&mut buf);
    if buf.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&buf);
    let (code, message) = text.split_once('\n').unwrap_or(("125", &text));
    Ok(Some(StartError {
        code: code.parse().unwrap_or(125),
        message: message.to_string(),
    }))
}

/// Set once `--timeout` has killed the container.
static TIMED_OUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--timeout`: SIGKILL `pid` once `after` has passed. Through a pidfd,
/// so a pid reused once the container has ended is never hit; the thread
/// inherits the monitor's blocked signals.
fn kill_after(pid: Pid, after: std::time::Duration) -> Result<()> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // SAFETY: pidfd_open takes a pid and flags; it returns a new fd.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        bail!("--timeout: pidfd_open: {}", std::io::Error::last_os_error());
    }
    // SAFETY: the fd was just returned to us and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    std::thread::Builder::new()
        .name("timeout".into())
        .spawn(move || {
            std::thread::sleep(after);
            // SAFETY: a pidfd we own, a signal number, no siginfo.
            let sent = unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    libc::SIGKILL,
                    std::ptr::null::<libc::siginfo_t>(),
                    0,
                )
            };
            // Failing, the process had ended: it was not timed out.
            if sent == 0 {
                TIMED_OUT.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .context("--timeout: starting its timer")?;
    Ok(())
}

/// The exit code of `child` (128+N when killed by signal N) if it has
/// ended, without waiting.
fn reaped(child: Pid) -> Result<Option<i32>> {
    loop {
        return match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, c)) => Ok(Some(c)),
            Ok(WaitStatus::Signaled(_, s, _)) => Ok(Some(128 + s as i32)),
            Ok(_) => Ok(None),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => bail!("waiting for process {child}: {e}"),
        };
    }
}

/// [`wait_forwarding`], calling `tick` after `first`, then after each
/// delay it returns.
fn wait_ticking(
    child: Pid,
    set: &SigSet,
    first: std::time::Duration,
    tick: &mut dyn FnMut() -> std::time::Duration,
) -> Result<i32> {
    let mut next = std::time::Instant::now() + first;
    loop {
        if let Some(code) = reaped(child)? {
            return Ok(code);
        }
        let left = next.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            next = std::time::Instant::now() + tick();
            continue;
        }
        match wait_signal(set, left) {
            Some(Signal::SIGCHLD) | None => {}
            Some(sig) => {
                let _ = kill(child, sig);
            }
        }
    }
}

/// Wait for `child`, forwarding the signals of `set` to it.
pub(super) fn wait_forwarding(child: Pid, set: &SigSet) -> Result<i32> {
    loop {
        if let Some(code) = reaped(child)? {
            return Ok(code);
        }
        let sig = set.wait().context("waiting for signals")?;
        if sig != Signal::SIGCHLD {
            let _ = kill(child, sig);
        }
    }
}

// --- the monitor: `berth internal-init FD` -----------------------------------

/// The hidden `internal-init` mode: the monitor. Returns the exit code.
pub fn init_main(fd: i32) -> i32 {
    hidden_main(fd, monitor)
}

/// The body of a hidden mode (`internal-init`, `internal-exec`) on the
/// socket `fd` its berth passed: dies with its parent, and reports an
/// error of `body` on the socket as `125\nmessage`.
pub(super) fn hidden_main(fd: i32, body: fn(&mut Option<UnixStream>) -> Result<i32>) -> i32 {
    // SAFETY: integer prctl/fcntl calls.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) != 0 {
            return 125;
        }
    }
    // SAFETY: the parent passed this open descriptor for us alone.
    let mut sock = Some(unsafe { UnixStream::from_raw_fd(fd) });
    match body(&mut sock) {
        Ok(code) => code,
        Err(e) => {
            if let Some(s) = sock.as_mut() {
                let _ = write!(s, "125\n{e:#}");
            }
            125
        }
    }
}

/// Send `value` as length-prefixed JSON (`what` names it in errors).
pub(super) fn send_json<T: serde::Serialize>(
    sock: &mut UnixStream,
    value: &T,
    what: &str,
) -> Result<()> {
    let json = serde_json::to_vec(value).with_context(|| format!("serializing the {what}"))?;
    sock.write_all(&(json.len() as u32).to_le_bytes())
        .and_then(|()| sock.write_all(&json))
        .with_context(|| format!("sending the {what}"))
}

/// Receive what [`send_json`] sent.
pub(super) fn recv_json<T: serde::de::DeserializeOwned>(
    sock: &mut UnixStream,
    what: &str,
) -> Result<T> {
    let mut len = [0u8; 4];
    sock.read_exact(&mut len)
        .with_context(|| format!("reading the {what}"))?;
    let mut json = vec![0u8; u32::from_le_bytes(len) as usize];
    sock.read_exact(&mut json)
        .with_context(|| format!("reading the {what}"))?;
    serde_json::from_slice(&json).with_context(|| format!("reading the {what}"))
}

fn monitor(slot: &mut Option<UnixStream>) -> Result<i32> {
    let sock = slot.as_mut().expect("the socket is there until the fork");
    let mut spec: Spec = recv_json(sock, "container spec")?;
    // The death signal is armed only from now: if berth (the creator of
    // the socket) is no longer our parent, it died before; stop here.
    if peer_pid(sock) != Some(nix::unistd::getppid().as_raw()) {
        std::process::exit(125);
    }
    // Out of the terminal's process group: berth alone receives ^C and
    // forwards it once.
    let _ = nix::unistd::setsid();
    // In the host's network namespace still.
    let listeners = super::ports::bind(&spec.ports)?;
    // Every namespace to join is opened first: a container that is gone
    // fails the start before anything changed.
    let plan = super::namespaces::plan(&spec)?;
    // The user namespace last: a container that is gone is then named by
    // the namespace asked for.
    let open = |j| super::namespaces::open(j, &container_ns);
    let joined: Vec<_> = plan.join.iter().map(open).collect::<Result<_>>()?;
    let joined_pid = match &plan.pid {
        super::namespaces::PidNs::Join(j) => Some(open(j)?),
        _ => None,
    };
    let user = plan.join_user.as_ref().map(open).transpose()?;
    // `--uidmap` as root: found while this process can read the store's
    // paths.
    let idmapped_dirs = match &spec.id_map {
        Some(m) if !m.rootless => super::idmap::dirs(&spec.rootfs)?,
        _ => Vec::new(),
    };
    // Rootless `--uidmap`: the user's namespace, mapped by berth, and
    // there the root file system and the agent ([`super::nested`]).
    let mut nest = None;
    if plan.outer_user {
        super::namespaces::enter_outer(&Linux, &plan)?;
        berth_does_its_part(sock)?;
        let target = spec.rootfs.target.clone();
        let root_mount = super::rootfs::premount(&mut spec, Vec::new())?;
        super::nested::give_to_root(&spec)?;
        let agent = super::nested::Agent::start(&spec, &target, sock.as_raw_fd())?;
        nest = Some((root_mount, agent));
    }
    super::namespaces::enter(
        &Linux,
        &plan,
        user.as_ref(),
        &|f| same_file(f, "/proc/self/ns/user"),
        &joined,
    )?;
    if let Some((_, agent)) = &mut nest {
        agent.map()?;
    }
    let mut views = Vec::new();
    if spec.waits_for_berth() {
        berth_does_its_part(sock)?;
        for dir in idmapped_dirs {
            match super::tty::recv_fd(sock)? {
                (Some(fd), _) => views.push((fd, dir)),
                (None, _) => std::process::exit(125),
            }
        }
    }
    let bridges = match &spec.network {
        // With `--uidmap` berth attaches it from outside, as root of the
        // host's namespaces (where berth's bridges are), and detaches it.
        Network::Bridge(_) if spec.id_map.is_some() => None,
        Network::Bridge(b) => {
            super::network::attach(b, b.infra_pid)?;
            super::network::tune_for_user_mode_way();
            Some(b.clone())
        }
        _ => None,
    };
    let (root_mount, mut agent) = match nest {
        Some((m, agent)) => (m, Some(agent)),
        None => (super::rootfs::premount(&mut spec, views)?, None),
    };
    if !listeners.is_empty() {
        fork_port_relay(listeners, sock.as_raw_fd())?;
    }
    super::namespaces::enter_pid(&Linux, &plan, joined_pid.as_ref())?;
    let signals = forwarded_and_chld();
    signals.thread_block().context("blocking signals")?;
    // SAFETY: this process has a single thread (it was just exec'd and
    // started none).
    // pid 1 cannot see our pid to check that we live after it armed its
    // death signal: it checks that the write end of this pipe is open.
    let (alive_r, alive_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| anyhow!("creating a pipe: {}", e.desc()))?;
    // pid 1 holds the write end until it runs the program (close-on-exec)
    // or dies: only then is its pid recorded for `exec`, which must never
    // join a mount namespace that is not yet the container's.
    let (started_r, started_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| anyhow!("creating a pipe: {}", e.desc()))?;
    match unsafe { fork() }.context("forking the container's init")? {
        ForkResult::Child => {
            drop(alive_w);
            ALIVE_FD.store(
                std::os::fd::IntoRawFd::into_raw_fd(alive_r),
                std::sync::atomic::Ordering::SeqCst,
            );
            arm_death_signal();
            drop(started_r);
            STARTED_FD.store(
                std::os::fd::IntoRawFd::into_raw_fd(started_w),
                std::sync::atomic::Ordering::SeqCst,
            );
            let err = container_init(&spec, sock);
            let (code, msg) = match err.downcast_ref::<StartError>() {
                Some(s) => (s.code, s.message.clone()),
                None => (125, format!("{err:#}")),
            };
            let _ = write!(sock, "{code}\n{msg}");
            // SAFETY: leave without running destructors or atexit.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(alive_r);
            // Held open (close-on-exec) until this process dies.
            let _alive = alive_w;
            drop(started_w);
            if let Some(file) = &spec.pid1_file {
                let mut b = [0u8; 1];
                while let Err(nix::errno::Errno::EINTR) =
                    nix::unistd::read(started_r.as_raw_fd(), &mut b)
                {}
                match &mut agent {
                    Some(a) => a.started(child.as_raw())?,
                    None => {
                        let _ = super::exec::record_pid1(file, child.as_raw());
                    }
                }
            }
            drop(started_r);
            // pid 1 holds the socket until exec, and this process until
            // pid 1's pid is recorded: berth waits for its end, so an
            // `exec` right after `run -d` finds the container's pid 1.
            drop(slot.take());
            let code = wait_forwarding(child, &signals);
            if let (Some(file), None) = (&spec.pid1_file, &agent) {
                let _ = std::fs::remove_file(file);
            }
            if let Some(b) = &bridges {
                let _ = super::network::detach(b, b.infra_pid);
            }
            // Rootless `--uidmap`: the agent unmounts the root (in its
            // namespace) before fuse-overlayfs is stopped, and removes
            // what is left after, whatever the wait gave.
            let Some(mut agent) = agent else {
                let code = code?;
                drop(root_mount);
                for p in &spec.remove_after {
                    let _ = crate::fsutil::remove_all(p);
                }
                return Ok(code);
            };
            agent.unmount();
            drop(root_mount);
            agent.finish();
            code
        }
    }
}

/// Tell berth the new user namespace is there and wait until it has
/// mapped it and connected the network; else berth reports why, and
/// this process ends.
fn berth_does_its_part(sock: &mut UnixStream) -> Result<()> {
    sock.write_all(b"u")?;
    let mut b = [0u8; 1];
    if sock.read_exact(&mut b).is_err() || b[0] != b'm' {
        std::process::exit(125);
    }
    Ok(())
}

/// Namespace `kind` of the running container whose pid 1 is `pid1`,
/// started at `start`, opened through its monitor (pid 1's parent),
/// which is in the same user, network, IPC and UTS namespaces and makes
/// its children in its pid namespace. A pid 1 that is not dumpable
/// (berth's pause, `--init`) keeps its own `/proc` files from the user's
/// other processes, and the monitor is out of reach of the container's
/// processes. Pid 1 is checked before and after: the same process (not a
/// reused pid), with the same parent; a monitor that died takes its pid 1
/// with it (the parent-death signal), so the namespace is that
/// container's.
pub(super) fn container_ns(pid1: i32, start: u64, kind: &str) -> std::io::Result<std::fs::File> {
    let gone = || std::io::Error::other(format!("process {pid1} is not the container's pid 1"));
    let parent = || -> std::io::Result<i32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid1}/stat"))?;
        // The command's name is in parentheses and may hold anything.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let started = fields.get(19).and_then(|s| s.parse::<u64>().ok());
        if start != 0 && started != Some(start) {
            return Err(gone());
        }
        fields
            .get(1)
            .and_then(|p| p.parse::<i32>().ok())
            .filter(|&p| p > 1)
            .ok_or_else(gone)
    };
    let monitor = parent()?;
    let kind = if kind == "pid" {
        "pid_for_children"
    } else {
        kind
    };
    let ns = std::fs::File::open(format!("/proc/{monitor}/ns/{kind}"))?;
    if parent()? != monitor {
        return Err(gone());
    }
    Ok(ns)
}

/// Fork the process that relays published ports ([`super::ports`]); it
/// dies with the monitor. `report` is the socket to berth, which the relay
/// must not hold open (berth waits for its end).
fn fork_port_relay(listeners: Vec<super::ports::Listener>, report: i32) -> Result<()> {
    let me = nix::unistd::getpid();
    // SAFETY: this process has a single thread.
    match unsafe { fork() }.context("forking the port relay")? {
        ForkResult::Child => {
            // SAFETY: integer prctl; closing descriptors this process
            // never uses again; opening /dev/null.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
                if libc::getppid() != me.as_raw() {
                    libc::_exit(0);
                }
                libc::close(report);
                // Not the log's pipes: the log ends with the container.
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                for fd in 0..3 {
                    libc::dup2(null, fd);
                }
            }
            super::ports::serve(listeners)
        }
        ForkResult::Parent { .. } => Ok(()),
    }
}

/// Whether `file` is the same (namespace) file as `path`.
fn same_file(file: &std::fs::File, path: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// The pid of the process that created the other end of `sock`.
fn peer_pid(sock: &UnixStream) -> Option<i32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: a ucred-sized buffer for SO_PEERCRED.
    let r = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (r == 0).then_some(cred.pid)
}

// --- pid 1 -------------------------------------------------------------------

/// The descriptor of the socket to berth, in pid 1 (for `--init`, which
/// must close it once the program is started).
static REPORT_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// The write end of the monitor's "program started" pipe, in pid 1.
static STARTED_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// The read end of the pipe whose write end the monitor holds, in pid 1
/// (close-on-exec): it hangs up when the monitor dies.
static ALIVE_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// Die with the monitor (`PR_SET_PDEATHSIG`), and leave at once if it
/// died already. Armed when pid 1 is forked and again after the switch
/// to the container's user, which clears it: a non-root program must not
/// outlive a killed berth.
fn arm_death_signal() {
    // SAFETY: integer prctl.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
    let fd = ALIVE_FD.load(std::sync::atomic::Ordering::SeqCst);
    let mut pfd = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    // SAFETY: a valid pollfd array; zero timeout.
    if fd >= 0 && unsafe { libc::poll(pfd.as_mut_ptr(), 1, 0) } != 0 {
        // The monitor died (the pipe hung up).
        // SAFETY: leave at once.
        unsafe { libc::_exit(125) }
    }
}

pub(super) fn close_report_socket() {
    for slot in [&REPORT_FD, &STARTED_FD] {
        let fd = slot.swap(-1, std::sync::atomic::Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: pid 1 never uses the descriptor again and leaves by
            // _exit, so nothing closes it a second time.
            unsafe { libc::close(fd) };
        }
    }
}

pub(super) fn start_err(code: i32, message: String) -> anyhow::Error {
    StartError { code, message }.into()
}

/// Set up and exec the container's process; returns only on failure.
/// What the monitor and pid 1 are asked to make: their own standard
/// error is the container's, so berth reports it as it hands it over.
fn log_plan(spec: &Spec) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let r = &spec.rootfs;
    tracing::debug!(
        user = spec.user_namespace,
        network = ?spec.network,
        pid = ?spec.pid,
        "container namespaces: mount, uts, ipc, pid, and user/net as given"
    );
    if r.bind {
        tracing::debug!(source = %r.lower_base.display(), target = %r.target.display(), "rootfs: bind mount");
    } else {
        tracing::debug!(
            lowerdir = %r.lowers.join(":"),
            upperdir = %r.upper.display(),
            workdir = %r.work.display(),
            base = %r.lower_base.display(),
            userxattr = r.userxattr,
            target = %r.target.display(),
            "rootfs: overlay mount"
        );
    }
    for m in &spec.mounts {
        tracing::debug!(mount = ?m, "mount");
    }
}

/// No berth log from this process on: its standard error is the
/// container's (a log, a terminal of the program's).
fn quiet_log() {
    std::mem::forget(tracing::dispatcher::set_default(&tracing::Dispatch::none()));
}

fn container_init(spec: &Spec, sock: &UnixStream) -> anyhow::Error {
    quiet_log();
    REPORT_FD.store(sock.as_raw_fd(), std::sync::atomic::Ordering::SeqCst);
    match try_init(spec) {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

pub(super) enum Never {}

fn try_init(spec: &Spec) -> Result<Never> {
    let _ = nix::unistd::setsid();
    Linux
        .unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|e| anyhow!("creating the container's mount namespace: {}", e.desc()))?;
    // Rootless `--uidmap`: what the container's root cannot reach by
    // path, opened while this process is the user.
    let mut nested_spec;
    let mut _held = Vec::new();
    let spec = match super::nested::map_of(spec) {
        Some(_) => {
            nested_spec = spec.clone();
            _held = super::nested::open_sources(&mut nested_spec)?;
            super::idmap::become_root()?;
            &nested_spec
        }
        None => spec,
    };
    super::rootfs::setup(&Linux, spec)?;
    // A UTS namespace of another container has its hostname already;
    // the host's keeps its own.
    if spec.uts.is_private() {
        nix::unistd::sethostname(&spec.hostname)
            .map_err(|e| anyhow!("setting the hostname {:?}: {}", spec.hostname, e.desc()))?;
    }
    if spec.network.own_namespace() {
        loopback_up()?;
    }
    if spec.pause {
        return super::pause::hold();
    }
    let p = &spec.process;
    let ready = super::process::become_container_process(
        p,
        &super::process::Role {
            make_cwd: true,
            console_fd: REPORT_FD.load(std::sync::atomic::Ordering::SeqCst),
            rearm: arm_death_signal,
        },
    )?;
    let (prog_c, argv, envp) = (ready.prog, ready.argv, ready.envp);
    if spec.init {
        return run_as_init(&prog_c, &argv, &envp, &p.args[0]);
    }
    Err(exec(&prog_c, &argv, &envp, &p.args[0]))
}

/// Exec the container's program with default signal handling: berth
/// ignores SIGPIPE and blocks the forwarded signals, and both survive exec.
pub(super) fn exec(
    prog: &CString,
    argv: &[CString],
    envp: &[CString],
    arg0: &str,
) -> anyhow::Error {
    // SAFETY: resetting a disposition; marking descriptors close-on-exec.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        // No descriptor of berth's caller or of berth (a directory of the
        // host would be a way out of the root) reaches the container.
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
    let _ =
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    let e = nix::unistd::execve(prog, argv, envp).unwrap_err();
    exec_error(arg0, e)
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// The signals pid 1 of a pid namespace (`--init`, a pod's pause) waits
/// for: those berth forwards, and SIGCHLD. A signal from outside reaches
/// pid 1 of a namespace only if pid 1 handles it (a default action is
/// dropped, even while blocked), so each gets a handler that does
/// nothing; they stay blocked, and sigwait collects them.
pub(super) fn signals_of_init() -> SigSet {
    let set = forwarded_and_chld();
    for sig in set.iter() {
        // SAFETY: a handler that does nothing.
        unsafe {
            libc::signal(
                sig as libc::c_int,
                ignore_signal as *const () as libc::sighandler_t,
            )
        };
    }
    set
}

/// `--init`: stay pid 1, run the program as its child, forward signals to
/// it, reap every orphan, and exit with the program's code.
fn run_as_init(prog: &CString, argv: &[CString], envp: &[CString], arg0: &str) -> Result<Never> {
    let set = signals_of_init();
    // SAFETY: this process has a single thread.
    match unsafe { fork() }.context("forking the container's program")? {
        ForkResult::Child => Err(exec(prog, argv, envp, arg0)),
        ForkResult::Parent { child } => {
            // CVE-2019-5736: this process stays berth's binary while the
            // container runs; not dumpable, so container processes cannot
            // open /proc/1/exe to rewrite it.
            // SAFETY: integer prctl.
            unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
            // The socket is inherited (close-on-exec) by the program; close
            // ours so berth sees end-of-file once the program runs.
            close_report_socket();
            let code = loop {
                let sig = set.wait().unwrap_or(Signal::SIGCHLD);
                if sig != Signal::SIGCHLD {
                    let _ = kill(child, sig);
                    continue;
                }
                let mut code = None;
                loop {
                    match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                        Ok(WaitStatus::Exited(p, c)) if p == child => code = Some(c),
                        Ok(WaitStatus::Signaled(p, s, _)) if p == child => {
                            code = Some(128 + s as i32)
                        }
                        Ok(WaitStatus::StillAlive) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
                if let Some(c) = code {
                    break c;
                }
            };
            // SAFETY: leave at once; the kernel kills the namespace's rest.
            unsafe { libc::_exit(code) }
        }
    }
}

fn exec_error(arg0: &str, e: nix::errno::Errno) -> anyhow::Error {
    use nix::errno::Errno;
    let code = match e {
        Errno::ENOENT | Errno::ENOTDIR => 127,
        _ => 126,
    };
    start_err(code, format!("{arg0}: cannot execute: {}", e.desc()))
}

/// `execvp`'s search, done before exec so a missing program is 127.
pub(super) fn find_program(arg0: &str, path: &str) -> Result<String> {
    use std::os::unix::fs::PermissionsExt;
    if arg0.is_empty() {
        return Err(start_err(127, "no command given".into()));
    }
    if arg0.contains('/') {
        if std::fs::metadata(arg0).is_err() {
            return Err(start_err(127, format!("{arg0}: no such file or directory")));
        }
        return Ok(arg0.to_string());
    }
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let cand = format!("{}/{arg0}", dir.trim_end_matches('/'));
        if let Ok(md) = std::fs::metadata(&cand) {
            if md.is_file() && md.permissions().mode() & 0o111 != 0 {
                return Ok(cand);
            }
        }
    }
    Err(start_err(
        127,
        format!("{arg0}: executable file not found in $PATH"),
    ))
}

/// CVE-2019-5736: until it execs, this process *is* berth's binary, and
/// `/proc/self/exe` reaches the host's file. An image whose program (or
/// its `#!` interpreter) is `/proc/self/exe` would re-run berth inside the
/// container, where the container could then rewrite berth on the host.
/// The container has no other process yet, so checking now is race-free.
pub(super) fn refuse_own_binary(prog: &str) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(me) = std::fs::metadata("/proc/self/exe") else {
        return Ok(());
    };
    let same =
        |p: &str| std::fs::metadata(p).is_ok_and(|m| m.dev() == me.dev() && m.ino() == me.ino());
    let mut interp = None;
    if let Ok(mut f) = std::fs::File::open(prog) {
        let mut head = [0u8; 256];
        let n = f.read(&mut head).unwrap_or(0);
        if head[..n].starts_with(b"#!") {
            let line = String::from_utf8_lossy(&head[2..n]).into_owned();
            interp = line.split_whitespace().next().map(str::to_string);
        }
    }
    if same(prog) || interp.as_deref().is_some_and(same) {
        return Err(start_err(
            126,
            format!(
                "{prog}: refusing to execute berth's own binary in a container (CVE-2019-5736)"
            ),
        ));
    }
    Ok(())
}

/// Bring up `lo` in the container's network namespace.
pub(super) fn loopback_up() -> Result<()> {
    // SAFETY: plain socket and ioctl calls on a zeroed ifreq.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if s < 0 {
            bail!("bringing up loopback: {}", std::io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut r = libc::ioctl(s, libc::SIOCGIFFLAGS as _, &mut req);
        if r == 0 {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            r = libc::ioctl(s, libc::SIOCSIFFLAGS as _, &req);
        }
        let e = std::io::Error::last_os_error();
        libc::close(s);
        if r != 0 {
            bail!("bringing up loopback: {e}");
        }
    }
    Ok(())
}
