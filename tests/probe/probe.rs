//! A probe that the confinement tests run inside containers: each
//! argument names one kernel call, made directly (no shell, no busybox
//! applet in between), and the probe prints `ARG=RESULT`, the result being
//! `ok`, an errno name (`EPERM`, `EROFS` …) or a count. The tests compile
//! it with the host's rustc as a static binary (no dependencies beyond
//! std) and put it into an image layer as `/usr/bin/probe`.
//!
//! Nothing here writes to a kernel interface: files are opened for writing
//! and closed again, so that a probe run where a protection is missing
//! shows that it is missing without changing anything on the host.
//!
//! Arguments:
//!   mount:DIR        mount a tmpfs on DIR (unmounted again on success)
//!   unshare:NS       unshare(2) one namespace (user mnt net pid uts ipc cgroup), in a child
//!   clone:NS         clone(2) with that namespace flag, the child exits at once
//!   clone3           clone3(2) with no arguments (the filter says ENOSYS; the kernel EFAULT/EINVAL)
//!   init_module      init_module(2) of 64 zero bytes (not a module)
//!   keyctl           keyctl(KEYCTL_GET_KEYRING_ID, session keyring)
//!   syslog           syslog(SYSLOG_ACTION_SIZE_BUFFER)
//!   x32              getpid through the x32 ABI (x86_64 only)
//!   pidfd_getfd      a copy of the probe's own stdin through pidfd_getfd(2)
//!   setuid:N         setuid(N), in a child
//!   open-w:PATH      open(PATH, O_WRONLY), closed without writing
//!   create:PATH      create PATH exclusively (removed again on success)
//!   read:PATH        bytes read from PATH (up to 64 KiB)
//!   entries:DIR      entries in DIR, `.` and `..` left out
//!   pids             processes visible in /proc
//!   mounts           `mount=TARGET TYPE OPTIONS` for each line of /proc/self/mounts
//!
//! Network subcommands (for the network tests; the busybox of the test
//! images is a static glibc build whose name lookups cannot load NSS
//! modules, and whose `wget` crashes in a busybox-only root file system),
//! each the whole command line and each ending the probe:
//!   resolve NAME          look NAME up in /etc/hosts as glibc's `files`
//!                         backend does; print the address (exit 0) or
//!                         exit 2 when no line names it
//!   resolve6 NAME         the same for IPv6 (the first IPv6 line)
//!   get HOST PORT PATH    HTTP/1.0 GET of PATH from HOST (a literal IP or
//!                         a name of /etc/hosts); print the body; exit 0 on
//!                         a 200, 1 on another status, 2 when HOST does not
//!                         resolve, 3 when no connection or no answer
//!   udp HOST PORT TEXT    send TEXT in one datagram (up to 5 tries, 1 s
//!                         apart) and print the first reply; exit 3 without
//!                         one
//!   udp-echo PORT         answer every datagram to 0.0.0.0:PORT with
//!                         itself, forever
//!
//! The network subcommands never half-close a TCP connection: pasta hangs
//! a connection whose client does before the reply.

use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

extern "C" {
    fn syscall(n: c_long, ...) -> c_long;
    fn fork() -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn _exit(code: c_int) -> !;
    fn mount(
        src: *const c_char,
        target: *const c_char,
        fstype: *const c_char,
        flags: u64,
        data: *const c_void,
    ) -> c_int;
    fn umount(target: *const c_char) -> c_int;
    fn unshare(flags: c_int) -> c_int;
    fn setuid(uid: u32) -> c_int;
}

#[cfg(target_arch = "x86_64")]
mod nr {
    pub const CLONE: i64 = 56;
    pub const CLONE3: i64 = 435;
    pub const INIT_MODULE: i64 = 175;
    pub const KEYCTL: i64 = 250;
    pub const SYSLOG: i64 = 103;
    pub const GETPID: i64 = 39;
    pub const PIDFD_OPEN: i64 = 434;
    pub const PIDFD_GETFD: i64 = 438;
}

#[cfg(target_arch = "aarch64")]
mod nr {
    pub const CLONE: i64 = 220;
    pub const CLONE3: i64 = 435;
    pub const INIT_MODULE: i64 = 105;
    pub const KEYCTL: i64 = 219;
    pub const SYSLOG: i64 = 116;
    pub const GETPID: i64 = 172;
    pub const PIDFD_OPEN: i64 = 434;
    pub const PIDFD_GETFD: i64 = 438;
}

const SIGCHLD: c_long = 17;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn errno_name(e: i32) -> String {
    let name = match e {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        8 => "ENOEXEC",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        38 => "ENOSYS",
        95 => "EOPNOTSUPP",
        _ => return format!("E{e}"),
    };
    name.to_string()
}

/// `ok` for a zero or positive return, else the errno's name.
fn result(r: c_long) -> String {
    if r >= 0 {
        "ok".into()
    } else {
        errno_name(errno())
    }
}

fn io_result<T>(r: std::io::Result<T>, ok: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(v) => ok(v),
        Err(e) => errno_name(e.raw_os_error().unwrap_or(0)),
    }
}

fn ns_flag(name: &str) -> c_int {
    match name {
        "user" => 0x1000_0000,
        "mnt" => 0x0002_0000,
        "net" => 0x4000_0000,
        "pid" => 0x2000_0000,
        "uts" => 0x0400_0000,
        "ipc" => 0x0800_0000,
        "cgroup" => 0x0200_0000,
        _ => panic!("unknown namespace {name}"),
    }
}

/// Run `f` in a forked child (so that the probe itself keeps its
/// namespaces and ids) and pass its result back as the exit code.
fn in_child(f: impl FnOnce() -> i32) -> String {
    // SAFETY: the probe is single-threaded; the child only makes system
    // calls and exits.
    let pid = unsafe { fork() };
    if pid < 0 {
        return format!("fork:{}", errno_name(errno()));
    }
    if pid == 0 {
        let code = f();
        // SAFETY: leaves the child without running the parent's
        // destructors or flushing its buffers.
        unsafe { _exit(code) }
    }
    let mut status = 0;
    // SAFETY: a child of ours.
    unsafe { waitpid(pid, &mut status, 0) };
    match (status >> 8) & 0xff {
        0 => "ok".into(),
        e => errno_name(e),
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in an argument")
}

fn probe(arg: &str) -> String {
    let (op, val) = arg.split_once(':').unwrap_or((arg, ""));
    match op {
        "mount" => {
            let (none, target, ty) = (cstr("none"), cstr(val), cstr("tmpfs"));
            // SAFETY: valid C strings.
            let r = unsafe {
                mount(
                    none.as_ptr(),
                    target.as_ptr(),
                    ty.as_ptr(),
                    0,
                    std::ptr::null(),
                )
            };
            let out = result(r as c_long);
            if r == 0 {
                // SAFETY: a valid C string.
                unsafe { umount(target.as_ptr()) };
            }
            out
        }
        "unshare" => {
            let flag = ns_flag(val);
            // SAFETY: a plain system call in the child.
            in_child(|| {
                if unsafe { unshare(flag) } == 0 {
                    0
                } else {
                    errno()
                }
            })
        }
        "clone" => {
            let flags = ns_flag(val) as c_long | SIGCHLD;
            // SAFETY: clone without a new stack behaves as fork; the
            // child exits at once.
            let pid = unsafe {
                syscall(
                    nr::CLONE,
                    flags,
                    0 as c_long,
                    0 as c_long,
                    0 as c_long,
                    0 as c_long,
                )
            };
            if pid == 0 {
                // SAFETY: the cloned child leaves at once.
                unsafe { _exit(0) }
            }
            if pid > 0 {
                let mut status = 0;
                // SAFETY: a child of ours.
                unsafe { waitpid(pid as c_int, &mut status, 0) };
            }
            result(pid)
        }
        "clone3" => {
            // SAFETY: a null argument of size 0; the kernel refuses it.
            result(unsafe { syscall(nr::CLONE3, std::ptr::null::<c_void>(), 0 as c_long) })
        }
        "init_module" => {
            let image = [0u8; 64];
            let params = cstr("");
            // SAFETY: valid buffers; 64 zero bytes are no module.
            result(unsafe {
                syscall(
                    nr::INIT_MODULE,
                    image.as_ptr(),
                    image.len() as c_long,
                    params.as_ptr(),
                )
            })
        }
        "keyctl" => {
            // KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3),
            // without creating it (0).
            // SAFETY: integer arguments only.
            result(unsafe { syscall(nr::KEYCTL, 0 as c_long, -3 as c_long, 0 as c_long) })
        }
        "syslog" => {
            // SYSLOG_ACTION_SIZE_BUFFER (10): reads nothing.
            // SAFETY: integer arguments only.
            result(unsafe { syscall(nr::SYSLOG, 10 as c_long, 0 as c_long, 0 as c_long) })
        }
        "x32" => {
            if cfg!(target_arch = "x86_64") {
                // SAFETY: getpid takes no argument.
                result(unsafe { syscall(0x4000_0000 | nr::GETPID) })
            } else {
                "n/a".into()
            }
        }
        "pidfd_getfd" => {
            // SAFETY: integer arguments only; the descriptors are ours.
            let pidfd =
                unsafe { syscall(nr::PIDFD_OPEN, std::process::id() as c_long, 0 as c_long) };
            if pidfd < 0 {
                return format!("pidfd_open:{}", errno_name(errno()));
            }
            // SAFETY: as above.
            result(unsafe { syscall(nr::PIDFD_GETFD, pidfd, 0 as c_long, 0 as c_long) })
        }
        "setuid" => {
            let uid: u32 = val.parse().expect("setuid:NUMBER");
            // SAFETY: a plain system call in the child.
            in_child(|| {
                if unsafe { setuid(uid) } == 0 {
                    0
                } else {
                    errno()
                }
            })
        }
        "open-w" => io_result(std::fs::OpenOptions::new().write(true).open(val), |_| {
            "ok".into()
        }),
        "create" => io_result(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(val),
            |_| {
                let _ = std::fs::remove_file(val);
                "ok".into()
            },
        ),
        "read" => io_result(std::fs::File::open(val), |f| {
            let mut buf = Vec::new();
            io_result(f.take(65536).read_to_end(&mut buf), |n| n.to_string())
        }),
        "entries" => io_result(std::fs::read_dir(val), |d| d.count().to_string()),
        "pids" => io_result(std::fs::read_dir("/proc"), |d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
                .count()
                .to_string()
        }),
        _ => panic!("unknown probe {arg:?}"),
    }
}

/// The lines of /etc/hosts as (address, names), as glibc's `files`
/// backend parses them: `#` starts a comment, fields are separated by
/// blanks, the first is the address, the others the canonical name and
/// the aliases; a line whose address does not parse is skipped.
fn hosts_entries(text: &str) -> Vec<(IpAddr, Vec<String>)> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
            let addr: IpAddr = fields.next()?.parse().ok()?;
            let names: Vec<String> = fields.map(str::to_string).collect();
            (!names.is_empty()).then_some((addr, names))
        })
        .collect()
}

/// NAME as `gethostbyname` finds it with `hosts: files`: the first line
/// with an IPv4 address that lists NAME (compared without regard to
/// case, as glibc's `strcasecmp`), else the first such IPv6 line
/// (`gethostbyname2(AF_INET6)`).
fn resolve(name: &str) -> Option<IpAddr> {
    let text = match std::fs::read_to_string("/etc/hosts") {
        Ok(t) => t,
        Err(e) => {
            eprintln!("probe: /etc/hosts: {e}");
            return None;
        }
    };
    let entries = hosts_entries(&text);
    let names_it = |names: &Vec<String>| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    let v4 = entries
        .iter()
        .find(|(a, names)| a.is_ipv4() && names_it(names));
    let any = v4.or_else(|| entries.iter().find(|(_, names)| names_it(names)));
    any.map(|(a, _)| *a)
}

/// NAME's IPv6 address as `gethostbyname2(AF_INET6)` finds it: the
/// first IPv6 line that lists NAME.
fn resolve6(name: &str) -> Option<IpAddr> {
    let text = std::fs::read_to_string("/etc/hosts").ok()?;
    hosts_entries(&text)
        .into_iter()
        .find(|(a, names)| a.is_ipv6() && names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|(a, _)| a)
}

/// A literal address, or NAME resolved through /etc/hosts; exits 2 when
/// neither.
fn address(host: &str) -> IpAddr {
    if let Ok(a) = host.parse() {
        return a;
    }
    resolve(host).unwrap_or_else(|| {
        eprintln!("probe: {host}: not found in /etc/hosts");
        std::process::exit(2)
    })
}

fn port(arg: &str) -> u16 {
    arg.parse().unwrap_or_else(|_| {
        eprintln!("probe: bad port {arg:?}");
        std::process::exit(64)
    })
}

fn http_get(host: &str, port: u16, path: &str) -> i32 {
    use std::io::Write;
    let addr = SocketAddr::new(address(host), port);
    let mut stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("probe: connect {addr}: {e}");
            return 3;
        }
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: berth-probe\r\n\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()) {
        eprintln!("probe: sending to {addr}: {e}");
        return 3;
    }
    // Read to the server's end of the response, never shutting our side.
    let mut response = Vec::new();
    if let Err(e) = stream.read_to_end(&mut response) {
        if response.is_empty() {
            eprintln!("probe: reading from {addr}: {e}");
            return 3;
        }
    }
    let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        eprintln!(
            "probe: no HTTP response from {addr}: {:?}",
            String::from_utf8_lossy(&response)
        );
        return 3;
    };
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.lines().next().unwrap_or("");
    let _ = std::io::stdout().write_all(&response[split + 4..]);
    if status.split_whitespace().nth(1) == Some("200") {
        0
    } else {
        eprintln!("probe: {addr}{path}: {status}");
        1
    }
}

fn udp_round_trip(host: &str, port: u16, text: &str) -> i32 {
    let addr = SocketAddr::new(address(host), port);
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = match UdpSocket::bind(bind) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("probe: udp socket: {e}");
            return 3;
        }
    };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 2048];
    for _ in 0..5 {
        if let Err(e) = sock.send_to(text.as_bytes(), addr) {
            eprintln!("probe: send to {addr}: {e}");
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            println!("{}", String::from_utf8_lossy(&buf[..n]));
            return 0;
        }
    }
    eprintln!("probe: no reply from {addr}");
    3
}

fn udp_echo(port: u16) -> i32 {
    let sock = match UdpSocket::bind(("0.0.0.0", port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("probe: udp port {port}: {e}");
            return 3;
        }
    };
    let mut buf = [0u8; 65536];
    loop {
        if let Ok((n, peer)) = sock.recv_from(&mut buf) {
            let _ = sock.send_to(&buf[..n], peer);
        }
    }
}

/// The network subcommands, when `args` is one of them.
fn network(args: &[String]) -> Option<i32> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    Some(match a.as_slice() {
        ["resolve", name] => match resolve(name) {
            Some(addr) => {
                println!("{addr}");
                0
            }
            None => 2,
        },
        ["resolve6", name] => match resolve6(name) {
            Some(addr) => {
                println!("{addr}");
                0
            }
            None => 2,
        },
        ["get", host, p, path] => http_get(host, port(p), path),
        ["udp", host, p, text] => udp_round_trip(host, port(p), text),
        ["udp-echo", p] => udp_echo(port(p)),
        [cmd, ..] if ["resolve", "resolve6", "get", "udp", "udp-echo"].contains(cmd) => {
            eprintln!("probe: wrong arguments for {cmd}: {args:?}");
            64
        }
        _ => return None,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = network(&args) {
        std::process::exit(code);
    }
    for arg in args {
        if arg == "mounts" {
            let text = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
            for line in text.lines() {
                let f: Vec<&str> = line.split(' ').collect();
                if f.len() >= 4 {
                    println!("mount={} {} {}", f[1], f[2], f[3]);
                }
            }
            continue;
        }
        println!("{arg}={}", probe(&arg));
    }
}
