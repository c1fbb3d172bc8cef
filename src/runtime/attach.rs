//! A detached container with a terminal (`run -dt`) and `attach`.
//!
//! The container's berth process holds the master of the container's
//! terminal. It writes what the container prints to the log and to every
//! client attached at the time, and listens on a socket in the
//! container's dir (`attach.sock`, mode 0600 in a dir of the user's) for
//! clients. A client sends frames: byte 0, a length (u32, big endian)
//! and that many bytes of input (passed on only when the container was
//! made with `-i`); or byte 1, rows and columns (u16 each): its window
//! size. The server sends the output as it comes, unframed, and closes
//! the connection when the container exits.
//!
//! `attach` puts its terminal in raw mode and relays until the container
//! ends or the user types the detach keys (ctrl-p ctrl-q by default),
//! which are not passed on.

use anyhow::{bail, Context, Result};
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Mutex;

const SOCKET: &str = "attach.sock";

/// The path of `dir`'s socket through `/proc/self/fd`: a container's
/// dir can be longer than a socket address may be.
fn short_path(dir: &std::fs::File) -> String {
    format!("/proc/self/fd/{}/{SOCKET}", dir.as_raw_fd())
}

fn open_dir(dir: &Path) -> Result<std::fs::File> {
    std::fs::File::open(dir).with_context(|| format!("opening {}", dir.display()))
}

/// A connected client, with what it has sent and not yet been taken.
struct Client {
    sock: UnixStream,
    pending: Vec<u8>,
}

/// Relay between the terminal `master` of the detached container
/// `child` and the clients that attach on `dir`'s socket until it
/// exits; returns its exit code. `signals` (blocked) are forwarded to
/// it; `stdin`: clients' input reaches it.
pub fn serve(
    child: Pid,
    master: OwnedFd,
    stdin: bool,
    signals: &SigSet,
    log: Option<&Mutex<super::logs::LogFile>>,
    dir: &Path,
) -> Result<i32> {
    let sfd =
        SignalFd::with_flags(signals, SfdFlags::SFD_CLOEXEC).context("creating a signalfd")?;
    let d = open_dir(dir)?;
    let path = short_path(&d);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("listening on {}", dir.join(SOCKET).display()))?;
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    listener.set_nonblocking(true)?;
    let mut lines = super::logs::Lines::new(super::logs::Stream::Stdout);
    let mut clients: Vec<Client> = Vec::new();
    let mut buf = vec![0u8; 16384];
    let mut master_open = true;
    let send_all = |clients: &mut Vec<Client>, data: &[u8]| {
        // A client that cannot take the output now (or is gone) is let go.
        clients.retain_mut(|c| c.sock.write_all(data).is_ok());
    };
    loop {
        let mut fds = vec![
            sfd.as_raw_fd(),
            listener.as_raw_fd(),
            if master_open { master.as_raw_fd() } else { -1 },
        ];
        fds.extend(clients.iter().map(|c| c.sock.as_raw_fd()));
        let Some(ready) = super::tty::wait_readable(&fds).context("waiting for the terminal")?
        else {
            continue;
        };
        if ready[2] {
            match super::tty::read_fd(master.as_fd(), &mut buf) {
                Ok(0) | Err(_) => master_open = false,
                Ok(n) => {
                    if let Some(l) = log {
                        lines.feed(&buf[..n], l);
                    }
                    send_all(&mut clients, &buf[..n]);
                }
            }
        }
        // Clients' frames (before new clients join: the indexes hold).
        let mut gone = Vec::new();
        for (k, c) in clients.iter_mut().enumerate() {
            if !ready[3 + k] {
                continue;
            }
            match c.sock.read(&mut buf) {
                Ok(0) | Err(_) => gone.push(k),
                Ok(n) => {
                    c.pending.extend_from_slice(&buf[..n]);
                    take_frames(&mut c.pending, &master, stdin);
                }
            }
        }
        for k in gone.into_iter().rev() {
            clients.remove(k);
        }
        if ready[1] {
            while let Ok((sock, _)) = listener.accept() {
                let _ = sock.set_nonblocking(false);
                let _ = sock.set_write_timeout(Some(std::time::Duration::from_secs(1)));
                clients.push(Client {
                    sock,
                    pending: Vec::new(),
                });
            }
        }
        if ready[0] {
            if let Ok(Some(info)) = sfd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGCHLD) | Err(_) => {}
                    Ok(sig) => {
                        let _ = kill(child, sig);
                    }
                }
            }
            let code = match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, c)) => Some(c),
                Ok(WaitStatus::Signaled(_, s, _)) => Some(128 + s as i32),
                _ => None,
            };
            if let Some(code) = code {
                // What it wrote before it exited.
                let _ = nix::fcntl::fcntl(
                    master.as_raw_fd(),
                    nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
                );
                while let Ok(n) = super::tty::read_fd(master.as_fd(), &mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Some(l) = log {
                        lines.feed(&buf[..n], l);
                    }
                    send_all(&mut clients, &buf[..n]);
                }
                if let Some(l) = log {
                    lines.finish(l);
                }
                let _ = std::fs::remove_file(&path);
                return Ok(code);
            }
        }
    }
}

/// Act on the whole frames at the front of `pending`.
fn take_frames(pending: &mut Vec<u8>, master: &OwnedFd, stdin: bool) {
    loop {
        match pending.first() {
            Some(0) if pending.len() >= 5 => {
                let len = u32::from_be_bytes([pending[1], pending[2], pending[3], pending[4]]);
                let end = 5 + len as usize;
                if pending.len() < end {
                    return;
                }
                if stdin {
                    let mut data = &pending[5..end];
                    while !data.is_empty() {
                        match nix::unistd::write(master, data) {
                            Ok(n) if n > 0 => data = &data[n..],
                            Err(nix::errno::Errno::EINTR) => {}
                            _ => break,
                        }
                    }
                }
                pending.drain(..end);
            }
            Some(1) if pending.len() >= 5 => {
                let rows = u16::from_be_bytes([pending[1], pending[2]]);
                let cols = u16::from_be_bytes([pending[3], pending[4]]);
                // SAFETY: winsize is plain data; the ioctl reads it.
                unsafe {
                    let mut ws: libc::winsize = std::mem::zeroed();
                    ws.ws_row = rows;
                    ws.ws_col = cols;
                    libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws);
                }
                pending.drain(..5);
            }
            Some(0) | Some(1) | None => return,
            // Not a frame of this protocol: the rest is dropped.
            Some(_) => {
                pending.clear();
                return;
            }
        }
    }
}

/// How an `attach` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The user typed the detach keys; the container runs on.
    Detached,
    /// The container's program exited (its berth process closed the
    /// connection).
    Exited,
}

/// `--detach-keys`: `ctrl-p,ctrl-q` (Docker's notation: `ctrl-X` for a
/// letter or one of `@[\]^_`, or one character); empty: none.
pub fn parse_detach_keys(s: &str) -> Result<Vec<u8>> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|k| {
            let k = k.trim();
            if let Some(c) = k.strip_prefix("ctrl-") {
                let b = match c.as_bytes() {
                    [b] if b.is_ascii_alphabetic() => b.to_ascii_lowercase() - b'a' + 1,
                    [b'@'] => 0,
                    [b @ (b'[' | b'\\' | b']' | b'^' | b'_')] => b - b'@',
                    _ => bail!("--detach-keys {s:?}: {k:?} is not a control key"),
                };
                Ok(b)
            } else if k.len() == 1 {
                Ok(k.as_bytes()[0])
            } else {
                bail!("--detach-keys {s:?}: {k:?} is not a key (ctrl-X or one character)")
            }
        })
        .collect()
}

/// Attach to the detached container whose dir is `dir`: relay berth's
/// terminal (or standard input and output) to it until it exits or the
/// user types `keys`. `stdin`: send what berth reads.
pub fn attach(dir: &Path, name: &str, stdin: bool, keys: &[u8]) -> Result<Ended> {
    let d = open_dir(dir)?;
    let mut sock = UnixStream::connect(short_path(&d))
        .with_context(|| format!("attaching to container {name}: is it running, made with -t?"))?;
    drop(d);
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    set.thread_block().context("blocking SIGWINCH")?;
    let sfd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).context("creating a signalfd")?;
    let tty = nix::unistd::isatty(0).unwrap_or(false);
    let _raw = (stdin && tty).then(super::tty::RawMode::enter);
    let send_size = |sock: &mut UnixStream| {
        if let Some((rows, cols)) = super::tty::window_size() {
            let mut f = vec![1u8];
            f.extend(rows.to_be_bytes());
            f.extend(cols.to_be_bytes());
            let _ = sock.write_all(&f);
        }
    };
    send_size(&mut sock);
    let mut stdin_open = stdin;
    let mut matched = 0usize;
    let mut buf = vec![0u8; 16384];
    loop {
        let fds = [
            sfd.as_raw_fd(),
            sock.as_raw_fd(),
            if stdin_open { 0 } else { -1 },
        ];
        let ready = match super::tty::wait_readable(&fds) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => bail!("waiting for container {name}: {e}"),
        };
        if ready[1] {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => return Ok(Ended::Exited),
                Ok(n) => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&buf[..n]);
                    let _ = out.flush();
                }
            }
        }
        if ready[2] {
            match nix::unistd::read(0, &mut buf) {
                Ok(0) | Err(_) => stdin_open = false,
                Ok(n) => {
                    // The detach keys, in order, perhaps across reads;
                    // bytes that began a sequence that then broke are
                    // passed on.
                    let mut pass = Vec::with_capacity(n);
                    let mut detach = false;
                    for &b in &buf[..n] {
                        if !keys.is_empty() && b == keys[matched] {
                            matched += 1;
                            if matched == keys.len() {
                                // What came before the keys still goes.
                                detach = true;
                                break;
                            }
                            continue;
                        }
                        pass.extend_from_slice(&keys[..matched]);
                        matched = 0;
                        if !keys.is_empty() && b == keys[0] {
                            matched = 1;
                            continue;
                        }
                        pass.push(b);
                    }
                    if !pass.is_empty() {
                        let mut f = vec![0u8];
                        f.extend((pass.len() as u32).to_be_bytes());
                        f.extend(pass);
                        if sock.write_all(&f).is_err() && !detach {
                            return Ok(Ended::Exited);
                        }
                    }
                    if detach {
                        return Ok(Ended::Detached);
                    }
                }
            }
        }
        if ready[0] {
            let _ = sfd.read_signal();
            send_size(&mut sock);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_detach_keys;

    #[test]
    fn detach_keys_parse() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q").unwrap(), vec![16, 17]);
        assert_eq!(parse_detach_keys("ctrl-@,x").unwrap(), vec![0, b'x']);
        assert_eq!(parse_detach_keys("").unwrap(), Vec::<u8>::new());
        assert!(parse_detach_keys("ctrl-1").is_err());
        assert!(parse_detach_keys("alt-x").is_err());
    }
}
