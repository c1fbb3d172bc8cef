//! `run -t`: berth relays between its own terminal and the container's
//! pseudo-terminal. Berth's terminal goes to raw mode for the session (the
//! container's line discipline does the editing and turns ^C into SIGINT
//! there), the window size is copied at start and on every SIGWINCH, and
//! the terminal is restored when the container exits. What the container
//! writes goes to berth's standard output unchanged, as the inherited
//! descriptors of a run without `-t` would carry it.

use anyhow::{Context, Result};
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{self, SetArg, Termios};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// Puts standard input in raw mode while alive.
pub(super) struct RawMode(Option<Termios>);

impl RawMode {
    pub(super) fn enter() -> RawMode {
        let stdin = std::io::stdin();
        let Ok(saved) = termios::tcgetattr(stdin.as_fd()) else {
            return RawMode(None);
        };
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw);
        RawMode(Some(saved))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            let _ = termios::tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, t);
        }
    }
}

/// The size of berth's terminal (rows, columns), if it has one.
pub fn window_size() -> Option<(u16, u16)> {
    // SAFETY: winsize is plain data filled by the kernel.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        [1, 0, 2]
            .into_iter()
            .find(|fd| libc::ioctl(*fd, libc::TIOCGWINSZ, &mut ws) == 0)
            .map(|_| (ws.ws_row, ws.ws_col))
    }
}

/// In pid 1, inside the container: open a terminal on the container's own
/// devpts, make its peer the process's stdio and controlling terminal
/// (owned by the container's user), and send the master to berth over
/// `sock` with SCM_RIGHTS.
pub fn make_console(sock: i32, uid: u32, gid: u32, size: Option<(u16, u16)>) -> Result<()> {
    let err = |what: &str| anyhow::anyhow!("{what}: {}", std::io::Error::last_os_error());
    // SAFETY: plain descriptor syscalls on descriptors this function owns.
    unsafe {
        let master = libc::open(
            c"/dev/ptmx".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        if master < 0 {
            return Err(err("opening /dev/ptmx in the container"));
        }
        let unlock: libc::c_int = 0;
        if libc::ioctl(master, libc::TIOCSPTLCK, &unlock) != 0 {
            return Err(err("unlocking the container's terminal"));
        }
        if let Some((rows, cols)) = size {
            let ws = libc::winsize {
                ws_row: rows,
                ws_col: cols,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            libc::ioctl(master, libc::TIOCSWINSZ, &ws);
        }
        // TIOCGPTPEER opens the peer without a path lookup (Linux 4.13).
        let slave = libc::ioctl(master, libc::TIOCGPTPEER, libc::O_RDWR | libc::O_NOCTTY);
        if slave < 0 {
            return Err(err("opening the container's terminal"));
        }
        let _ = libc::fchown(slave, uid, gid);
        for fd in 0..3 {
            if libc::dup2(slave, fd) < 0 {
                return Err(err("connecting the container's terminal"));
            }
        }
        libc::close(slave);
        if libc::ioctl(0, libc::TIOCSCTTY as _, 0) != 0 {
            return Err(err("making the terminal the container's"));
        }
        send_fd(sock, master, "the terminal")?;
        libc::close(master);
    }
    Ok(())
}

const CMSG_FD_SPACE: usize = 32;

/// Send descriptor `fd` (`what`, for the error) over socket `sock`, with
/// one byte `t`.
pub(super) fn send_fd(sock: i32, fd: i32, what: &str) -> Result<()> {
    // SAFETY: a msghdr over local buffers, with one SCM_RIGHTS descriptor.
    unsafe {
        let mut byte = *b"t";
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        let mut cbuf = [0u8; CMSG_FD_SPACE];
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(4) as _;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN(4) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<i32>(), fd);
        if libc::sendmsg(sock, &msg, 0) != 1 {
            anyhow::bail!("sending {what}: {}", std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Receive a descriptor that [`send_fd`] sent (the terminal's master
/// from pid 1): `(Some(fd), _)`, or `(None, bytes read)` when the sender
/// wrote an error (or closed) instead.
pub fn recv_fd(sock: &std::os::unix::net::UnixStream) -> Result<(Option<OwnedFd>, Vec<u8>)> {
    use std::os::fd::FromRawFd;
    // SAFETY: a msghdr over local buffers; a received descriptor is owned.
    unsafe {
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        let mut cbuf = [0u8; CMSG_FD_SPACE];
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = cbuf.len() as _;
        let n = loop {
            let n = libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC);
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break n;
        };
        if n <= 0 {
            return Ok((None, Vec::new()));
        }
        let c = libc::CMSG_FIRSTHDR(&msg);
        if !c.is_null() && (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS
        {
            let fd = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<i32>());
            return Ok((Some(OwnedFd::from_raw_fd(fd)), Vec::new()));
        }
        Ok((None, byte.to_vec()))
    }
}

fn copy_window_size(master: &OwnedFd) {
    // SAFETY: winsize is plain data filled by the kernel.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        for fd in [1, 0, 2] {
            if libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0 {
                libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws);
                return;
            }
        }
    }
}

/// Wait, without a time limit, until one of `fds` can be read (or is
/// closed): which can; `None` when a signal cut the wait short. A
/// descriptor of -1 is left out.
pub(super) fn wait_readable(fds: &[i32]) -> std::io::Result<Option<Vec<bool>>> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: p is a valid array of pollfd for the call.
    let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, -1) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::Interrupted {
            return Ok(None);
        }
        return Err(e);
    }
    Ok(Some(p.iter().map(|f| f.revents != 0).collect()))
}

pub(super) fn read_fd(fd: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<usize> {
    nix::unistd::read(fd.as_raw_fd(), buf)
}

/// Relay until `child` exits; returns its exit code. `signals` (already
/// blocked) are forwarded to it; SIGWINCH resizes the container's terminal.
pub fn relay(
    child: Pid,
    master: OwnedFd,
    stdin: bool,
    signals: &SigSet,
    log: Option<&std::sync::Mutex<super::logs::LogFile>>,
) -> Result<i32> {
    let mut lines = super::logs::Lines::new(super::logs::Stream::Stdout);
    let mut set = *signals;
    set.add(Signal::SIGWINCH);
    set.thread_block().context("blocking SIGWINCH")?;
    let sfd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC).context("creating a signalfd")?;
    let _raw = if stdin && nix::unistd::isatty(0).unwrap_or(false) {
        Some(RawMode::enter())
    } else {
        None
    };
    copy_window_size(&master);
    let mut stdin_open = stdin;
    let mut master_open = true;
    let mut buf = vec![0u8; 16384];
    loop {
        let mut fds = vec![sfd.as_raw_fd()];
        if master_open {
            fds.push(master.as_raw_fd());
        }
        if stdin_open {
            fds.push(0);
        }
        let Some(ready) = wait_readable(&fds).context("waiting for the terminal")? else {
            continue;
        };
        let mut i = 1;
        if master_open {
            if ready[i] {
                match read_fd(master.as_fd(), &mut buf) {
                    Ok(0) | Err(_) => master_open = false,
                    Ok(n) => {
                        write_out(&buf[..n]);
                        if let Some(l) = log {
                            lines.feed(&buf[..n], l);
                        }
                    }
                }
            }
            i += 1;
        }
        if stdin_open && ready[i] {
            match nix::unistd::read(0, &mut buf) {
                Ok(0) | Err(_) => {
                    stdin_open = false;
                    // End of input: ^D, end-of-file for a canonical reader.
                    let _ = nix::unistd::write(&master, b"\x04");
                }
                Ok(n) => {
                    let _ = nix::unistd::write(&master, &buf[..n]);
                }
            }
        }
        if ready[0] {
            if let Ok(Some(info)) = sfd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGWINCH) => copy_window_size(&master),
                    Ok(Signal::SIGCHLD) => {}
                    Ok(sig) => {
                        let _ = kill(child, sig);
                    }
                    Err(_) => {}
                }
            }
            match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, c)) => return Ok(finish(&master, c, lines, log)),
                Ok(WaitStatus::Signaled(_, s, _)) => {
                    return Ok(finish(&master, 128 + s as i32, lines, log))
                }
                _ => {}
            }
        }
    }
}

/// Write the container's output to berth's standard output (fd 1).
fn write_out(mut data: &[u8]) {
    // SAFETY: fd 1 stays open for the life of the process.
    let out = unsafe { BorrowedFd::borrow_raw(1) };
    while !data.is_empty() {
        match nix::unistd::write(out, data) {
            Ok(n) if n > 0 => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            _ => return,
        }
    }
}

/// Copy (and log) what the container wrote before it exited, then
/// return `code`.
fn finish(
    master: &OwnedFd,
    code: i32,
    mut lines: super::logs::Lines,
    log: Option<&std::sync::Mutex<super::logs::LogFile>>,
) -> i32 {
    let _ = nix::fcntl::fcntl(
        master.as_raw_fd(),
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    let mut buf = [0u8; 16384];
    while let Ok(n) = read_fd(master.as_fd(), &mut buf) {
        if n == 0 {
            break;
        }
        write_out(&buf[..n]);
        if let Some(l) = log {
            lines.feed(&buf[..n], l);
        }
    }
    if let Some(l) = log {
        lines.finish(l);
    }
    code
}
