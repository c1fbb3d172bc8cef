//! berth networks: bridges in a network namespace that berth keeps per
//! runroot (Podman's "rootless netns"), reached from each container by a
//! veth pair, and connected to the outside by one slirp4netns (or pasta)
//! for the whole namespace.
//!
//! - **The holder.** A small process (`berth internal-netns DIR
//!   CONTAINERS`) makes a user and a network namespace, is mapped as
//!   containers are (rootless: the subordinate range; root: every id to
//!   itself), and then only
//!   waits. Rootless containers on berth networks join its user namespace,
//!   so that the namespaces on both ends of a veth have one owner. The
//!   holder leaves (and the namespace with its bridges goes) once no
//!   container has been on any network for [`IDLE`]. Its pid and start
//!   time are in `DIR/infra.json`.
//! - **The way out.** slirp4netns (else pasta) joins the namespace as
//!   [`OUT_IF`]; what leaves through it is masqueraded to the
//!   namespace's own address ([`super::nftables`]). slirp4netns ends when
//!   the holder does, however it ends (its exit descriptor is a pipe
//!   whose only writer is the holder); pasta is ended by the holder, or
//!   by the next berth that finds the holder gone. slirp4netns comes
//!   first because the pasta of 2023 resets bulk TCP that it receives
//!   forwarded from a bridge (1 GiB transfers reset after a few MiB in
//!   half the tries), which slirp4netns, a whole TCP/IP stack, does not.
//! - **MTU.** Bridges and veths have slirp4netns's MTU, [`MTU`]: bulk
//!   traffic crosses the namespace in 64 KiB frames, not 1500-byte ones
//!   (about 300 MiB/s to the outside instead of about 115).
//! - **Endpoints.** A container's monitor, under `DIR/lock`, makes a veth
//!   pair: `vb…` on the network's bridge in the holder's namespace, labelled
//!   (`IFLA_IFALIAS`) with the container's id, network, address and names;
//!   `ethN` in the container's namespace with the address and a hardware
//!   address made from it ([`mac_of`]). The labels are
//!   the lease table: addresses in use are those of live veths, so a
//!   container killed at any instant gives its address back when the
//!   kernel removes its namespace, with nothing to clean.
//! - **Names.** Each container's `/etc/hosts` is rewritten, under the lock,
//!   when a container joins or leaves one of its networks: one line per
//!   container on each network (address, name, aliases, short id). No
//!   resolver process runs; every libc reads the file.
//! - **Isolation.** Routing rules in the holder's namespace refuse to
//!   forward from one bridge to another network's subnet, and from an
//!   `--internal` network's bridge to anywhere.
//! - **As root, on the host** ([`on_host`]). Root needs no namespace of
//!   berth's own and no user-mode way out: the holder stays in the
//!   host's network namespace, so the bridges, their veths and rules are
//!   the host's, as Docker's and Podman's are, and the kernel forwards
//!   and masquerades ([`super::nftables::host_rules`]). The host reaches
//!   containers by address; a container reaches the host's loopback at
//!   its bridge's address. The host is shared by every store: one lock
//!   for all ([`HOST_LOCK`]), bridges named after their network's id, a
//!   subnet that overlaps an address of the host refused, and a bridge
//!   (with its rules) removed when the last holder leaves and no
//!   container is on it; berth's table goes with the last bridge.

use super::netlink::{Link, Netlink};
use super::spec::{Attachment, Bridges};
use crate::cidr::{Ipv4Net, Ipv6Net};
use crate::fsutil::{FileLock, LockKind};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the holder waits, with no container on any network, before
/// it leaves.
pub const IDLE: Duration = Duration::from_secs(60);

/// [`IDLE`], or `BERTH_NETWORK_IDLE` seconds.
fn idle_time() -> Duration {
    std::env::var("BERTH_NETWORK_IDLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(IDLE, Duration::from_secs)
}

/// The MTU of berth's bridges and veths (slirp4netns's and pasta's).
pub const MTU: u32 = 65520;

/// The interface of berth's network namespace that leads out.
pub const OUT_IF: &str = "tap0";

/// The descriptor the holder keeps the write end of slirp4netns's exit
/// pipe on.
const EXIT_FD: i32 = 3;

/// slirp4netns's IPv6 network is `fd00::/64` (berth's networks keep out
/// of it): its router is `fd00::2`, the guest's address `fd00::100` (as
/// its IPv4 one is `10.0.2.100`).
const SLIRP_GUEST6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100);
const SLIRP_ROUTER6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);

/// The address pasta answers DNS queries on (forwarded to the host's
/// resolvers).
pub const PASTA_DNS: &str = "169.254.1.1";

/// The label prefix of berth's endpoints.
const LABEL: &str = "berth-endpoint";

/// The label of berth's bridges on the host (as root), by which it
/// tells them from others'.
const BRIDGE_LABEL: &str = "berth-bridge";

/// What the names of berth's bridges begin with (its default network's
/// is `berth0`, the others' [`host_bridge_name`]).
pub const BRIDGE_PREFIX: &str = "berth";

/// As root, the lock of the host's networking, shared by every store.
pub const HOST_LOCK: &str = "/run/berth/network.lock";

/// Whether berth's bridges are on the host: as root of the host's user
/// namespace, unless `BERTH_NETWORK_BACKEND` asks for a namespace of
/// berth's own reaching out through `pasta` or `slirp4netns` (or not at
/// all: `none`), as rootless berth has.
pub fn on_host() -> bool {
    super::userns::identity() == super::userns::Identity::Root
        && !matches!(
            std::env::var("BERTH_NETWORK_BACKEND").as_deref(),
            Ok("pasta" | "slirp4netns" | "none")
        )
}

/// The bridge of a network with id `id` on the host: `berth` and the
/// id's first ten digits (fifteen characters, the most a name has),
/// unique across stores as no `berthN` counted per store is.
pub fn host_bridge_name(id: &str) -> String {
    format!("{BRIDGE_PREFIX}{}", &id[..id.len().min(10)])
}

/// The label prefix of the endpoints of containers that have exited,
/// whose veths wait for the kernel to remove them with the container's
/// network namespace: their addresses stay taken, their names are gone.
const LEAVING: &str = "berth-leaving";

/// `DIR/infra.json`.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Infra {
    pub pid: i32,
    pub start_time: u64,
    /// `pasta`, `slirp4netns` or `none` (no way out).
    pub backend: String,
    /// Where the containers reach the host (`host.containers.internal`).
    #[serde(default)]
    pub host_gateway: Option<String>,
}

/// Which program connects berth's networks to the outside:
/// `bridge` on the host as root ([`on_host`]); else
/// `BERTH_NETWORK_BACKEND` (`pasta`, `slirp4netns`, `none`), else
/// slirp4netns when installed, else pasta, else none (see the module's
/// notes for why slirp4netns first).
pub fn backend() -> &'static str {
    if on_host() {
        return "bridge";
    }
    match std::env::var("BERTH_NETWORK_BACKEND").as_deref() {
        Ok("pasta") => "pasta",
        Ok("slirp4netns") => "slirp4netns",
        Ok("none") => "none",
        _ if super::which("slirp4netns").is_some() => "slirp4netns",
        _ if super::which("pasta").is_some() => "pasta",
        _ => "none",
    }
}

/// The way out of a container on berth networks that cannot join the
/// holder's user namespace (`own`: keep-id or a rootless `--uidmap`, or inside `berth unshare`: a
/// rootless build step): a program of its own, pasta when installed
/// (carrying one container's own traffic, not forwarded traffic, it
/// keeps bulk TCP whole; slirp4netns's sandbox needs root of the
/// container's user namespace, which keep-id without subordinate ids
/// lacks), else slirp4netns. `None`: it joins the holder's bridges.
pub fn own_way_out(own: bool) -> Option<&'static str> {
    let inside = super::userns::identity() == super::userns::Identity::NamespaceRoot;
    if !inside && !own {
        return None;
    }
    Some(match super::which("pasta") {
        Some(_) => "pasta",
        None => "slirp4netns",
    })
}

/// The program that carries a berth-network container's traffic out:
/// its own ([`own_way_out`]) or the holder's ([`backend`]).
pub fn way_out(own: bool) -> &'static str {
    own_way_out(own).unwrap_or_else(backend)
}

/// The nameservers a container whose traffic `program` carries out
/// uses: the host's, with loopback resolvers (unreachable from a
/// container) replaced by the program's forwarder.
pub fn nameservers(host_resolv: &str, program: &str) -> Vec<String> {
    let mut out = Vec::new();
    let forwarder = match program {
        "pasta" => Some(PASTA_DNS),
        "slirp4netns" => Some(super::slirp::DNS),
        _ => None,
    };
    for l in host_resolv.lines() {
        let mut f = l.split_whitespace();
        if f.next() != Some("nameserver") {
            continue;
        }
        let Some(ip) = f.next() else { continue };
        let loopback = ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback());
        let ns = match (loopback, forwarder) {
            (true, Some(fw)) => fw.to_string(),
            (true, None) => continue,
            (false, _) => ip.to_string(),
        };
        if !out.contains(&ns) {
            out.push(ns);
        }
    }
    if out.is_empty() {
        if let Some(fw) = forwarder {
            out.push(fw.to_string());
        }
    }
    out
}

fn lock(dir: &Path) -> Result<FileLock> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = lock_path(dir);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    FileLock::acquire(&path, LockKind::Exclusive, |_| {})
}

/// `DIR/lock`; on the host, [`HOST_LOCK`].
fn lock_path(dir: &Path) -> std::path::PathBuf {
    if on_host() {
        std::path::PathBuf::from(HOST_LOCK)
    } else {
        dir.join("lock")
    }
}

fn read_infra(dir: &Path) -> Option<Infra> {
    let text = std::fs::read(dir.join("infra.json")).ok()?;
    let infra: Infra = serde_json::from_slice(&text).ok()?;
    super::exec::process_alive(infra.pid, infra.start_time).then_some(infra)
}

/// The holder of berth's network namespace for state dir `dir`, started
/// if it is not running. Called by berth before it starts a container on
/// a berth network; the holder then stays for at least [`IDLE`].
pub fn ensure_infra(dir: &Path, containers: &Path) -> Result<Infra> {
    let _lock = lock(dir)?;
    if let Some(infra) = read_infra(dir) {
        // Seen in use: the holder's idle clock starts again.
        let _ = std::fs::File::options()
            .append(true)
            .open(dir.join("infra.json"))
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        return Ok(infra);
    }
    // A holder killed before: its pasta ends.
    super::pasta::sweep(dir);
    start_holder(dir, containers).context("starting berth's network namespace")
}

fn start_holder(dir: &Path, containers: &Path) -> Result<Infra> {
    // slirp4netns's exit pipe: the holder keeps the write end as
    // [`EXIT_FD`] for its whole life.
    let (exit_r, exit_w) = super::slirp::pipe()?;
    let exit_w_fd = exit_w.as_raw_fd();
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg("internal-netns")
        .arg(dir)
        .arg(containers)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/");
    // SAFETY: setsid and dup2 are async-signal-safe: out of berth's
    // session, so a ^C to berth does not reach it.
    unsafe {
        cmd.pre_exec(move || {
            libc::setsid();
            let kept = if exit_w_fd == EXIT_FD {
                libc::fcntl(EXIT_FD, libc::F_SETFD, 0)
            } else {
                libc::dup2(exit_w_fd, EXIT_FD)
            };
            if kept < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    super::log_helper(&cmd);
    let mut first = cmd.spawn().context("starting the holder")?;
    drop(exit_w);
    let mut out = first.stdout.take().expect("piped");
    let mut inp = first.stdin.take().expect("piped");
    // The first process forks the holder and leaves.
    let _ = first.wait();
    let mut hello = [0u8; 11];
    let pid = match out.read_exact(&mut hello) {
        Ok(()) if hello[0] == b'u' => std::str::from_utf8(&hello[1..])
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok()),
        _ => None,
    };
    let Some(pid) = pid else {
        bail!("the holder could not make its namespaces");
    };
    // A holder that cannot be set up goes at once.
    let fail = |e: anyhow::Error| -> anyhow::Error {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        e
    };
    let mut b = [0u8; 1];
    let host = on_host();
    let mapped = (|| -> Result<()> {
        if host {
            // Its namespaces are the host's.
            return Ok(());
        }
        match super::userns::identity() {
            super::userns::Identity::Root => {
                use super::sys::{Linux, MapFile, Proc, Sys};
                for file in [MapFile::UidMap, MapFile::GidMap] {
                    Linux.write_map(Proc::Pid(pid), file, "0 0 4294967295\n")?;
                }
                Ok(())
            }
            _ => match super::userns::plan() {
                Ok(Some(p)) => super::userns::map_ids(pid, &p),
                _ => super::userns::map_user_alone(pid),
            },
        }
    })();
    if let Err(e) = mapped {
        return Err(fail(e.context("mapping the holder's user namespace")));
    }
    // `r`: ready; `n`: ready, but without the masquerade rule, which
    // slirp4netns needs (pasta does without).
    if inp.write_all(b"m").is_err() || out.read_exact(&mut b).is_err() || !b"rn".contains(&b[0]) {
        let e = anyhow!("the holder could not set up its network namespace");
        return Err(fail(e));
    }
    let masquerade = b[0] == b'r';
    let start_time = super::exec::process_start_time(pid).unwrap_or(0);
    let backend = match backend() {
        "bridge" => "bridge",
        "slirp4netns" if !masquerade && super::which("pasta").is_some() => "pasta",
        "slirp4netns" if !masquerade => "none",
        b => b,
    };
    let (backend, host_gateway) = match backend {
        "slirp4netns" => match super::slirp::start_for_holder(pid, OUT_IF, exit_r) {
            Ok(()) => ("slirp4netns", Some("10.0.2.2".to_string())),
            Err(e) => return Err(fail(e)),
        },
        "pasta" => match start_pasta(pid, dir) {
            Ok(()) => ("pasta", host_default_gateway()),
            Err(e) => return Err(fail(e)),
        },
        "bridge" => ("bridge", None),
        _ => ("none", None),
    };
    let way = if backend == "slirp4netns" { b"w" } else { b"x" };
    if inp.write_all(way).is_err() || out.read_exact(&mut b).is_err() || b[0] != b'd' {
        let e = anyhow!("the holder could not set up its way out");
        return Err(fail(e));
    }
    let infra = Infra {
        pid,
        start_time,
        backend: backend.to_string(),
        host_gateway,
    };
    let json = serde_json::to_vec(&infra)?;
    crate::fsutil::write_atomic(&dir.join("infra.json"), &json)?;
    // The holder ends its pastas when it leaves: it hears of them now
    // (its record may be gone by the time it looks).
    for (p, start) in super::pasta::serving(dir, pid) {
        let _ = writeln!(inp, "{p} {start}");
    }
    // The holder lives on alone; its end of the pipes closes with us.
    Ok(infra)
}

/// The host's IPv4 default gateway (pasta gives the namespace the host's
/// routes, and maps this address to the host's loopback).
pub fn host_default_gateway() -> Option<String> {
    let text = std::fs::read_to_string("/proc/net/route").ok()?;
    text.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() > 2 && f[1] == "00000000" {
            let g = u32::from_str_radix(f[2], 16).ok()?;
            Some(Ipv4Addr::from(u32::from_be(g)).to_string())
        } else {
            None
        }
    })
}

/// The host's first IPv4 address that is not a loopback one: where a
/// container behind slirp4netns without `allow_host_loopback` reaches
/// the host (slirp4netns connects to it from the host), as in Podman.
pub fn host_address() -> Option<String> {
    let mut nl = Netlink::open().ok()?;
    nl.all_addresses()
        .ok()?
        .into_iter()
        .find_map(|(_, ip, _)| match ip {
            IpAddr::V4(v4) if !v4.is_loopback() => Some(v4.to_string()),
            _ => None,
        })
}

/// Connect the holder's network namespace with pasta; it returns once
/// the namespace's interface is configured, and ends with the namespace.
fn start_pasta(pid: i32, dir: &Path) -> Result<()> {
    let Some(prog) = super::which("pasta") else {
        bail!("pasta is not installed (install the passt package)");
    };
    let mut cmd = Command::new(&prog);
    cmd.args([
        "--config-net",
        "--quiet",
        "-I",
        OUT_IF,
        "-t",
        "none",
        "-u",
        "none",
    ])
    .args(["-T", "none", "-U", "none", "--dns-forward", PASTA_DNS]);
    if nix::unistd::geteuid().is_root() {
        // As root pasta would become nobody, who cannot join the holder.
        cmd.args(["--runas", "0:0"]);
    }
    super::pasta::run(
        &mut cmd,
        &[pid.to_string()],
        pid,
        dir,
        "berth's network namespace",
    )
}

/// The hidden `internal-netns DIR CONTAINERS` mode: the holder. Makes its
/// namespaces, says `u` and waits for `m` (mapped), sets up loopback,
/// forwarding and the masquerade rule, says `r` (`n`: no masquerade
/// rule), then waits until it has been idle for [`IDLE`] with none of the
/// store's containers (in `CONTAINERS`) on a network. It keeps
/// [`EXIT_FD`] open until it ends. On the host it makes no namespace and
/// sets up nothing: it keeps the store's networking alive, and sweeps
/// berth's unused bridges as it leaves.
pub fn holder_main(dir: &Path, containers: Option<&Path>) -> i32 {
    // Not a child of the berth that started it (whose process tree ends
    // with its container): the first process leaves at once, its child
    // is the holder.
    // SAFETY: a freshly executed process with one thread.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { .. }) => return 0,
        Ok(nix::unistd::ForkResult::Child) => {}
        Err(_) => return 1,
    }
    let _ = nix::unistd::setsid();
    // On the host, its namespaces are the host's.
    let host = on_host();
    use super::sys::{CloneFlags, Linux, Sys};
    let flags = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET;
    if !host && Linux.unshare(flags).is_err() {
        return 1;
    }
    let mut out = std::io::stdout();
    let mut inp = std::io::stdin();
    let mut b = [0u8; 1];
    let hello = format!("u{:<10}", std::process::id());
    if out
        .write_all(hello.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
        || inp.read_exact(&mut b).is_err()
        || b[0] != b'm'
    {
        return 1;
    }
    // On the host, each bridge sets up what it needs ([`host_setup`]).
    if !host
        && (super::container::loopback_up().is_err()
            || std::fs::write("/proc/sys/net/ipv4/ip_forward", "1").is_err()
            || std::fs::write("/proc/sys/net/ipv6/conf/all/forwarding", "1").is_err())
    {
        return 1;
    }
    let ready = match host || super::nftables::masquerade(OUT_IF).is_ok() {
        true => b"r",
        false => b"n",
    };
    if out.write_all(ready).and_then(|_| out.flush()).is_err() {
        return 1;
    }
    // `w`: the way out is slirp4netns, which has no IPv6 address for its
    // interface here (the namespace forwards, so it takes no router
    // advertisement): the one slirp4netns expects; `x`: nothing. Then `d`.
    if inp.read_exact(&mut b).is_err() {
        return 1;
    }
    if b[0] == b'w' {
        let _ = slirp_ipv6();
    }
    if out.write_all(b"d").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    // The pastas that serve it, `PID START` a line, until berth closes
    // the pipe.
    let mut said = String::new();
    let _ = inp.read_to_string(&mut said);
    let told: Vec<(i32, u64)> = said
        .lines()
        .filter_map(|l| {
            let (p, s) = l.split_once(' ')?;
            Some((p.parse().ok()?, s.parse().ok()?))
        })
        .collect();
    // SAFETY: plain descriptor calls; stdio is /dev/null from now on.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        for fd in 0..3 {
            libc::dup2(null, fd);
        }
    }
    let record = dir.join("infra.json");
    let me = std::process::id() as i32;
    let ours = || {
        std::fs::read(&record)
            .ok()
            .and_then(|t| serde_json::from_slice::<Infra>(&t).ok())
            .is_some_and(|i| i.pid == me)
    };
    let idle = idle_time();
    let mut waited = Duration::ZERO;
    // The pastas that serve this holder (pid, start time), remembered in
    // case its state dir is removed under it.
    let mut pastas: Vec<(i32, u64)> = told;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        waited += Duration::from_secs(1);
        // Its state dir removed (`system reset`, a removed runroot), or
        // another holder recorded: nobody can find this one any more.
        if waited > Duration::from_secs(10) && !ours() && !dir.exists() {
            kill_all(&pastas);
            if host {
                if let Ok(Some(_lock)) = FileLock::try_acquire(&lock_path(dir), LockKind::Exclusive)
                {
                    let _ = sweep_host();
                }
            }
            return 0;
        }
        remember_pastas(dir, me, &mut pastas);
        if !waited.as_secs().is_multiple_of(5) {
            continue;
        }
        let Ok(Some(_lock)) = FileLock::try_acquire(&lock_path(dir), LockKind::Exclusive) else {
            continue;
        };
        if waited > Duration::from_secs(10) && !ours() {
            super::pasta::end_for(dir, me);
            kill_all(&pastas);
            if host {
                let _ = sweep_host();
            }
            return 0;
        }
        let idle = std::fs::metadata(&record)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age >= idle);
        // On the host, every store's containers are seen: those of this
        // holder's store keep it.
        let mine = |e: Endpoint| match (host, containers) {
            (true, Some(c)) => c.join(&e.id).is_dir(),
            _ => true,
        };
        let in_use = Netlink::open()
            .and_then(|mut nl| nl.links())
            .map(|links| {
                links
                    .iter()
                    .filter(|l| l.alias.starts_with(LABEL))
                    .filter_map(parse_label)
                    .any(mine)
            })
            .unwrap_or(true);
        if idle && !in_use {
            if ours() {
                let _ = std::fs::remove_file(&record);
            }
            if host {
                let _ = sweep_host();
            }
            super::pasta::end_for(dir, me);
            kill_all(&pastas);
            return 0;
        }
    }
}

/// slirp4netns's IPv6 guest address on [`OUT_IF`], and the default
/// route through slirp4netns's router.
fn slirp_ipv6() -> Result<()> {
    let mut nl = Netlink::open()?;
    nl.add_address(OUT_IF, IpAddr::V6(SLIRP_GUEST6), 64)?;
    if !nl.has_default_route(true)? {
        nl.add_default_route(IpAddr::V6(SLIRP_ROUTER6))?;
    }
    Ok(())
}

/// The pastas recorded for holder `me` in `dir`, added to `known`.
fn remember_pastas(dir: &Path, me: i32, known: &mut Vec<(i32, u64)>) {
    for p in super::pasta::serving(dir, me) {
        if !known.contains(&p) {
            known.push(p);
        }
    }
}

fn kill_all(pastas: &[(i32, u64)]) {
    for &(pid, start) in pastas {
        if super::exec::process_alive(pid, start) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// What one network gave a running container, as `inspect` shows it;
/// kept in `<containers_dir>/<id>/networks.json` by whoever attaches or
/// detaches it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub network: String,
    /// `ethN` in the container.
    pub interface: String,
    pub ip: String,
    pub prefix: u8,
    /// Empty on an `--internal` network.
    pub gateway: String,
    pub mac: String,
    pub aliases: Vec<String>,
    /// Its IPv6 address (empty: an IPv4-only network), prefix and
    /// gateway (empty on an `--internal` network).
    #[serde(default)]
    pub ip6: String,
    #[serde(default)]
    pub prefix6: u8,
    #[serde(default)]
    pub gateway6: String,
}

/// The networks of a running container `id` (none: not running or on
/// no berth network).
pub fn settings(containers_dir: &Path, id: &str) -> Vec<Settings> {
    std::fs::read(containers_dir.join(id).join("networks.json"))
        .ok()
        .and_then(|t| serde_json::from_slice(&t).ok())
        .unwrap_or_default()
}

fn write_settings(b: &Bridges, list: &[Settings]) -> Result<()> {
    let dir = b.containers_dir.join(&b.container_id);
    let path = dir.join("networks.json");
    if list.is_empty() {
        let _ = std::fs::remove_file(&path);
        return Ok(());
    }
    if !dir.is_dir() {
        return Ok(());
    }
    crate::fsutil::write_atomic(&path, &serde_json::to_vec(list)?)
}

/// One endpoint, from its veth's label:
/// `berth-endpoint ID NETWORK ADDRESS[,ADDRESS6] HOSTS(0|1) NAME [ALIAS…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub network: String,
    pub ip: Ipv4Addr,
    /// On a dual-stack network.
    pub ip6: Option<Ipv6Addr>,
    /// Its `/etc/hosts` is kept by berth (not `--no-hosts`).
    pub hosts: bool,
    pub names: Vec<String>,
    /// The veth in the holder's namespace.
    pub index: u32,
    /// The bridge the veth is on: its network (on the host, networks of
    /// two stores may share a name, never a bridge).
    pub bridge: Option<u32>,
    /// Its container has exited ([`LEAVING`]).
    pub leaving: bool,
}

/// The longest label the kernel keeps on an interface (`IFALIASZ` less
/// its terminating zero).
const LABEL_MAX: usize = 255;

/// An endpoint's label: what, who, where, and its names but the short
/// id, which the id gives back ([`parse_label`]).
fn label(e: &Endpoint) -> String {
    let ip6 = e.ip6.map(|a| format!(",{a}")).unwrap_or_default();
    let prefix = if e.leaving { LEAVING } else { LABEL };
    let short = &e.id[..e.id.len().min(12)];
    let names: Vec<&str> = e
        .names
        .iter()
        .map(String::as_str)
        .filter(|n| *n != short)
        .collect();
    format!(
        "{prefix} {} {} {}{ip6} {} {}",
        e.id,
        e.network,
        e.ip,
        u8::from(e.hosts),
        names.join(" ")
    )
}

/// The names a container is known by on a network of `a`: its name, its
/// aliases there, and its short id.
fn names_on(id: &str, name: &str, a: &Attachment) -> Vec<String> {
    let mut names = vec![name.to_string()];
    names.extend(a.aliases.iter().cloned());
    names.push(id[..id.len().min(12)].to_string());
    names
}

/// Refuse, before anything changes, a container (`id`, `name`) whose
/// names on network `a` would not fit its endpoint's label with the
/// longest addresses the network may give it.
pub fn check_names_fit(id: &str, name: &str, a: &Attachment) -> Result<()> {
    let longest = Endpoint {
        id: id.to_string(),
        network: a.network.clone(),
        ip: Ipv4Addr::new(255, 255, 255, 255),
        ip6: a.subnet6.as_ref().map(|_| Ipv6Addr::from([0xffff; 8])),
        hosts: true,
        names: names_on(id, name, a),
        index: 0,
        bridge: None,
        leaving: false,
    };
    let len = label(&longest).len();
    if len > LABEL_MAX {
        // The names as the label holds them: all but the short id.
        let names = longest.names[..longest.names.len() - 1].join(" ").len();
        bail!(
            "container {name:?} on network {}: its name and --network-alias names take {names} \
             bytes; at most {} fit",
            a.network,
            names.saturating_sub(len - LABEL_MAX)
        );
    }
    Ok(())
}

fn parse_label(l: &Link) -> Option<Endpoint> {
    let mut f = l.alias.split_whitespace();
    let leaving = match f.next()? {
        LABEL => false,
        LEAVING => true,
        _ => return None,
    };
    let id = f.next()?.to_string();
    let network = f.next()?.to_string();
    let addresses = f.next()?;
    let (ip, ip6) = match addresses.split_once(',') {
        Some((ip, ip6)) => (ip.parse().ok()?, Some(ip6.parse().ok()?)),
        None => (addresses.parse().ok()?, None),
    };
    let hosts = f.next()? == "1";
    let mut names: Vec<String> = f.map(str::to_string).collect();
    // Labels written before the short id was left out hold it.
    let short = &id[..id.len().min(12)];
    if !names.iter().any(|n| n == short) {
        names.push(short.to_string());
    }
    Some(Endpoint {
        leaving,
        id,
        network,
        ip,
        ip6,
        hosts,
        names,
        index: l.index,
        bridge: l.master,
    })
}

/// `ADDR/PREFIX` → (network address, prefix).
pub fn parse_cidr(s: &str) -> Result<(Ipv4Addr, u8)> {
    let net = Ipv4Net::parse(s).map_err(|e| anyhow!("{s:?} is not a subnet: {e}"))?;
    Ok((net.network(), net.prefix()))
}

/// The address for `a`: the one asked for (checked), else the first free
/// host address of its range that is not the gateway.
fn pick_address(a: &Attachment, used: &[Ipv4Addr]) -> Result<Ipv4Addr> {
    let subnet = Ipv4Net::parse(&a.subnet).map_err(|e| anyhow!("network {}: {e}", a.network))?;
    let gateway: Ipv4Addr = a.gateway.parse().context("the network's gateway")?;
    let first = u32::from(subnet.network());
    let last = u32::from(subnet.broadcast());
    if let Some(ip) = &a.ip {
        let ip: Ipv4Addr = ip
            .parse()
            .map_err(|_| anyhow!("--ip {ip:?} is not an IPv4 address"))?;
        let n = u32::from(ip);
        if !subnet.contains(ip) || n == first || n == last || ip == gateway {
            bail!(
                "--ip {ip}: not a free host address of network {} ({})",
                a.network,
                a.subnet
            );
        }
        if used.contains(&ip) {
            bail!("--ip {ip}: address in use on network {}", a.network);
        }
        return Ok(ip);
    }
    let (lo, hi) = match &a.ip_range {
        Some(r) => {
            let r = Ipv4Net::parse(r).map_err(|e| anyhow!("network {}: {e}", a.network))?;
            (u32::from(r.network()), u32::from(r.broadcast()))
        }
        None => (first, last),
    };
    (lo.max(first + 1)..=hi.min(last - 1))
        .map(Ipv4Addr::from)
        .find(|ip| *ip != gateway && !used.contains(ip))
        .ok_or_else(|| {
            anyhow!(
                "network {}: no free address left in {}",
                a.network,
                a.subnet
            )
        })
}

/// The IPv6 address for `a` on a dual-stack network (`None` otherwise):
/// the one asked for (checked), else the first free one of its range
/// that is neither the subnet's network address nor the gateway.
fn pick_address6(a: &Attachment, used: &[Ipv6Addr]) -> Result<Option<Ipv6Addr>> {
    let (Some(subnet), Some(gateway)) = (&a.subnet6, &a.gateway6) else {
        if let Some(ip6) = &a.ip6 {
            bail!("--ip6 {ip6}: network {} has no IPv6 subnet", a.network);
        }
        return Ok(None);
    };
    let subnet = Ipv6Net::parse(subnet).map_err(|e| anyhow!("network {}: {e}", a.network))?;
    let gateway: Ipv6Addr = gateway.parse().context("the network's IPv6 gateway")?;
    if let Some(ip6) = &a.ip6 {
        let ip: Ipv6Addr = ip6
            .parse()
            .map_err(|_| anyhow!("--ip6 {ip6:?} is not an IPv6 address"))?;
        if !subnet.contains(ip) || ip == subnet.network() || ip == gateway {
            bail!(
                "--ip6 {ip}: not a free host address of network {} ({subnet})",
                a.network
            );
        }
        if used.contains(&ip) {
            bail!("--ip6 {ip}: address in use on network {}", a.network);
        }
        return Ok(Some(ip));
    }
    let range = match &a.ip_range6 {
        Some(r) => Ipv6Net::parse(r).map_err(|e| anyhow!("network {}: {e}", a.network))?,
        None => subnet,
    };
    let lo = u128::from(range.network()).max(u128::from(subnet.network()) + 1);
    let hi = u128::from(range.last());
    // At most `used` and the gateway are taken: one more is enough.
    (lo..=hi)
        .take(used.len() + 2)
        .map(Ipv6Addr::from)
        .find(|ip| *ip != gateway && !used.contains(ip))
        .map(Some)
        .ok_or_else(|| {
            anyhow!(
                "network {}: no free IPv6 address left in {subnet}",
                a.network
            )
        })
}

/// Enter the network namespace of `pid` (this thread).
fn enter_net(file: &std::fs::File, what: &str) -> Result<()> {
    use super::sys::{CloneFlags, Linux, Sys};
    use std::os::fd::AsFd;
    Linux
        .setns(file.as_fd(), CloneFlags::CLONE_NEWNET)
        .map_err(|e| anyhow!("entering {what}: {}", e.desc()))
}

/// What the monitor did for the container: its addresses, to report.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Attached {
    /// (network, address, interface in the container).
    pub addresses: Vec<(String, String, String)>,
    /// The IPv6 address on each of those networks, if it has one.
    #[serde(default)]
    pub addresses6: Vec<Option<Ipv6Addr>>,
}

/// [`attach`] the network namespace of process `pid` from outside it, in
/// a thread that enters it: a `--uidmap` container's namespace belongs to
/// its own user namespace, where its monitor cannot reach berth's.
pub fn attach_from_outside(b: &Bridges, pid: i32) -> Result<()> {
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net"))
        .context("opening the container's network namespace")?;
    std::thread::scope(|s| {
        s.spawn(|| -> Result<()> {
            enter_net(&ns, "the container's network namespace")?;
            attach(b, b.infra_pid).map(|_| ())
        })
        .join()
        .map_err(|_| anyhow!("attaching the container to its networks: the thread panicked"))?
    })
}

/// Put the container whose monitor calls this (in the container's fresh
/// network namespace) on its networks. `infra_pid` is the holder.
pub fn attach(b: &Bridges, infra_pid: i32) -> Result<Attached> {
    let _lock = lock(&b.state_dir)?;
    match read_infra(&b.state_dir) {
        Some(i) if i.pid == infra_pid => {}
        _ => bail!("berth's network namespace went away while the container started; run it again"),
    }
    let own = std::fs::File::open("/proc/thread-self/ns/net")
        .context("opening the container's network namespace")?;
    // `ethN`: the first numbers not taken (a container connected to
    // another network while it runs has some already).
    let mut nl = Netlink::open()?;
    let taken: Vec<String> = nl.links()?.into_iter().map(|l| l.name).collect();
    let numbers: Vec<usize> = (0..)
        .filter(|n| !taken.contains(&format!("eth{n}")))
        .take(b.attachments.len())
        .collect();
    let mut default_set = nl.has_default_route(false)?;
    // The IPv6 routes are listed only when a network has IPv6: a
    // container start is not made to wait for a listing it needs not.
    let mut default6_set = match b.attachments.iter().any(|a| a.subnet6.is_some()) {
        true => nl.has_default_route(true)?,
        false => true,
    };
    let infra = std::fs::File::open(format!("/proc/{infra_pid}/ns/net"))
        .context("opening berth's network namespace")?;
    enter_net(&infra, "berth's network namespace")?;
    let result = attach_in_infra(b, &own, &numbers);
    enter_net(&own, "the container's network namespace")?;
    let (attached, macs) = result?;
    let mut settings = settings(&b.containers_dir, &b.container_id);
    for (k, (a, (_, ip, ifname))) in b.attachments.iter().zip(&attached.addresses).enumerate() {
        let ip: Ipv4Addr = ip.parse()?;
        let (_, prefix) = parse_cidr(&a.subnet)?;
        let v6 = match (attached.addresses6[k], &a.subnet6, &a.gateway6) {
            (Some(ip6), Some(subnet6), Some(gateway6)) => {
                let net = Ipv6Net::parse(subnet6).map_err(|e| anyhow!(e))?;
                Some((ip6, net.prefix(), gateway6.parse::<Ipv6Addr>()?))
            }
            _ => None,
        };
        nl.set_link(ifname, false, None, Some(macs[k].unwrap_or(mac_of(ip))))?;
        nl.add_address(ifname, ip.into(), prefix)?;
        if let Some((ip6, prefix6, _)) = v6 {
            nl.add_address(ifname, ip6.into(), prefix6)?;
        }
        nl.set_link(ifname, true, None, None)?;
        if !a.internal && !default_set {
            nl.add_default_route(a.gateway.parse::<Ipv4Addr>()?.into())?;
            default_set = true;
        }
        if let (false, false, Some((_, _, gateway6))) = (a.internal, default6_set, v6) {
            nl.add_default_route(gateway6.into())?;
            default6_set = true;
        }
        settings.retain(|s| s.network != a.network);
        settings.push(Settings {
            network: a.network.clone(),
            interface: ifname.clone(),
            ip: ip.to_string(),
            prefix,
            gateway: if a.internal {
                String::new()
            } else {
                a.gateway.clone()
            },
            mac: String::new(),
            aliases: a.aliases.clone(),
            ip6: v6.map(|v| v.0.to_string()).unwrap_or_default(),
            prefix6: v6.map_or(0, |v| v.1),
            gateway6: match v6 {
                Some((_, _, g)) if !a.internal => g.to_string(),
                _ => String::new(),
            },
        });
    }
    // The hardware addresses, from one listing.
    let links = nl.links()?;
    for s in &mut settings {
        if let Some(mac) = links
            .iter()
            .find(|l| l.name == s.interface)
            .and_then(|l| l.mac)
        {
            s.mac = mac.map(|b| format!("{b:02x}")).join(":");
        }
    }
    write_settings(b, &settings)?;
    enter_net(&infra, "berth's network namespace")?;
    let hosts = rewrite_hosts(b, &[], &[]);
    enter_net(&own, "the container's network namespace")?;
    hosts?;
    Ok(attached)
}

/// In the container's network namespace, on berth networks whose way
/// out is slirp4netns or pasta (not the host's bridges): TCP's default
/// congestion control becomes Reno. Every TCP connection of such a
/// container ends inside this machine, at the user-mode stack or at
/// another container, over a link with no loss and microseconds of
/// delay; the user-mode stack carries it on over a connection of its
/// own, with the host's congestion control. On that link, a
/// model-based algorithm such as BBR (a common host default) paces
/// bulk transfers well below what the link carries: 1 GiB to a host
/// service ran at about 180 MiB/s with BBR and about 240 MiB/s with
/// Reno, through the same veth, bridge and slirp4netns. A program can
/// still ask for another algorithm with `TCP_CONGESTION`.
pub fn tune_for_user_mode_way() {
    if !on_host() {
        // Reno is always built in; a failure leaves the kernel's default.
        let _ = std::fs::write("/proc/sys/net/ipv4/tcp_congestion_control", "reno");
    }
}

type Macs = Vec<Option<[u8; 6]>>;

fn attach_in_infra(
    b: &Bridges,
    own: &std::fs::File,
    numbers: &[usize],
) -> Result<(Attached, Macs)> {
    let mut nl = Netlink::open()?;
    let mut links = nl.links()?;
    // An end of this container's own last run on a network it joins
    // now: the kernel removes a veth pair when the namespace of one end
    // goes, but in a work queue, after the run has ended. A container
    // runs once at a time and joins a network once, so such an end is
    // stale; it goes now.
    let stale: Vec<u32> = links
        .iter()
        .filter(|l| {
            parse_label(l).is_some_and(|e| {
                e.id == b.container_id && b.attachments.iter().any(|a| a.network == e.network)
            })
        })
        .map(|l| l.index)
        .collect();
    if !stale.is_empty() {
        for index in stale {
            // Gone already (the kernel got there first) is as good.
            let _ = nl.delete_link(index);
        }
        links = nl.links()?;
    }
    let endpoints: Vec<Endpoint> = links.iter().filter_map(parse_label).collect();
    let mut attached = Attached::default();
    let mut macs = Vec::new();
    for (k, a) in b.attachments.iter().enumerate() {
        let bridge = ensure_bridge(&mut nl, a)?;
        let mine = || endpoints.iter().filter(|e| e.bridge == Some(bridge));
        // An address asked for may be one an exited container's end
        // still holds while the kernel removes it (a container replaced
        // by one with its address); one picked avoids those too.
        let used: Vec<Ipv4Addr> = mine()
            .filter(|e| !e.leaving || a.ip.is_none())
            .map(|e| e.ip)
            .collect();
        let ip = pick_address(a, &used)?;
        let used6: Vec<Ipv6Addr> = mine()
            .filter(|e| !e.leaving || a.ip6.is_none())
            .filter_map(|e| e.ip6)
            .collect();
        let ip6 = pick_address6(a, &used6)?;
        let names = names_on(&b.container_id, &b.container_name, a);
        let n = numbers[k];
        let host_if = format!("vb{}{n}", &b.container_id[..11]);
        let ifname = format!("eth{n}");
        let label = label(&Endpoint {
            id: b.container_id.clone(),
            network: a.network.clone(),
            ip,
            ip6,
            hosts: !b.no_hosts,
            names,
            index: 0,
            bridge: None,
            leaving: false,
        });
        nl.add_veth(&host_if, &label, &ifname, own.as_raw_fd(), MTU)?;
        nl.set_link(&host_if, true, Some(bridge), None)?;
        let mac = match &a.mac {
            Some(m) => Some(parse_mac(m)?),
            None => None,
        };
        macs.push(mac);
        attached
            .addresses
            .push((a.network.clone(), ip.to_string(), ifname));
        attached.addresses6.push(ip6);
    }
    Ok((attached, macs))
}

/// The hardware address of an endpoint with IPv4 address `ip` and no
/// `--mac-address`: locally administered, and the address's four
/// bytes. A container that starts again, often with its old address,
/// keeps its old hardware address too, so the others on the network
/// reach it at once: a random one would leave them sending to the old
/// one until their neighbour entry expired (up to about half a minute;
/// a gratuitous ARP sent as the interface comes up is lost while its
/// bridge port is still being enabled).
pub fn mac_of(ip: Ipv4Addr) -> [u8; 6] {
    let [a, b, c, d] = ip.octets();
    [0x0a, 0x58, a, b, c, d]
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Result<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    let mut mac = [0u8; 6];
    if parts.len() != 6 {
        bail!("--mac-address {s:?} is not a MAC address");
    }
    for (i, p) in parts.iter().enumerate() {
        mac[i] = u8::from_str_radix(p, 16)
            .map_err(|_| anyhow!("--mac-address {s:?} is not a MAC address"))?;
    }
    if mac[0] & 1 == 1 {
        bail!("--mac-address {s:?} is a multicast address");
    }
    Ok(mac)
}

/// The bridge of `a`, made (with its address and rules) if missing.
fn ensure_bridge(nl: &mut Netlink, a: &Attachment) -> Result<u32> {
    let gateway: Ipv4Addr = a.gateway.parse().context("the network's gateway")?;
    let subnet = parse_cidr(&a.subnet)?;
    let v6 = match (&a.subnet6, &a.gateway6) {
        (Some(s), Some(g)) => {
            let net = Ipv6Net::parse(s).map_err(|e| anyhow!("network {}: {e}", a.network))?;
            let g: Ipv6Addr = g.parse().context("the network's IPv6 gateway")?;
            Some((net, g))
        }
        _ => None,
    };
    // Its addresses, as a listing shows them.
    let mut want = vec![(IpAddr::V4(gateway), subnet.1)];
    if let Some((net, g)) = v6 {
        want.push((IpAddr::V6(g), net.prefix()));
    }
    let host = on_host();
    if let Some(l) = nl.link(&a.interface)? {
        let mut addrs = nl.addresses(l.index)?;
        addrs.sort();
        want.sort();
        if addrs == want {
            return Ok(l.index);
        }
        // On the host, an interface of another program's, or a bridge of
        // another store's network in use, stays.
        if host
            && (!l.alias.starts_with(BRIDGE_LABEL)
                || nl.links()?.iter().any(|p| p.master == Some(l.index)))
        {
            bail!(
                "network {}: the host's interface {} is another network's",
                a.network,
                a.interface
            );
        }
        // A bridge of a network removed and made again differently.
        nl.delete_link(l.index)?;
    }
    let links = nl.links()?;
    if host {
        host_setup(nl, a, &links, &want)?;
    }
    // Rules of a removed network's bridge of the same name.
    nl.delete_rules_for(&a.interface)?;
    nl.add_bridge(&a.interface, MTU)?;
    // A fixed hardware address: a bridge otherwise takes its ports'
    // lowest, and changes it (and the containers' ARP entries go stale)
    // as containers come and go.
    let mut mac = [0u8; 6];
    let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut mac));
    mac[0] = (mac[0] & 0xfe) | 0x02;
    nl.set_link(&a.interface, false, None, Some(mac))?;
    if host {
        let l = nl
            .link(&a.interface)?
            .ok_or_else(|| anyhow!("bridge {} vanished", a.interface))?;
        nl.set_alias(l.index, &format!("{BRIDGE_LABEL} {}", a.network))?;
        // Its own address leads to the host's loopback (the table's
        // `dnat`), which a packet from outside may reach only so.
        let knob = format!("/proc/sys/net/ipv4/conf/{}/route_localnet", a.interface);
        std::fs::write(&knob, "1").with_context(|| format!("writing {knob}"))?;
    }
    for (ip, prefix) in &want {
        nl.add_address(&a.interface, *ip, *prefix)?;
    }
    nl.set_link(&a.interface, true, None, None)?;
    if a.internal {
        nl.add_prohibit_rule(100, &a.interface, None)?;
    }
    // Neither way between this network and each other one, in each
    // family both have.
    let ours4 = (IpAddr::V4(subnet.0), subnet.1);
    let ours6 = v6.map(|(net, _)| (IpAddr::V6(net.network()), net.prefix()));
    for other in links.iter().filter(|l| {
        l.kind == "bridge" && l.name != a.interface && (!host || l.alias.starts_with(BRIDGE_LABEL))
    }) {
        for (ip, prefix) in nl.addresses(other.index)? {
            let (theirs, ours) = match ip {
                IpAddr::V4(v4) => {
                    let net = Ipv4Net::new(v4, prefix).ok_or_else(|| {
                        anyhow!("bridge {}: {v4}/{prefix}: a bad prefix", other.name)
                    })?;
                    ((IpAddr::V4(net.network()), prefix), Some(ours4))
                }
                IpAddr::V6(v6) => {
                    let net = Ipv6Net::new(v6, prefix).ok_or_else(|| {
                        anyhow!("bridge {}: {v6}/{prefix}: a bad prefix", other.name)
                    })?;
                    ((IpAddr::V6(net.network()), prefix), ours6)
                }
            };
            nl.add_prohibit_rule(200, &a.interface, Some(theirs))?;
            if let Some(ours) = ours {
                nl.add_prohibit_rule(200, &other.name, Some(ours))?;
            }
        }
    }
    let bridge = nl
        .link(&a.interface)?
        .ok_or_else(|| anyhow!("bridge {} vanished", a.interface))?;
    Ok(bridge.index)
}

/// Before a bridge of `a` with addresses `want` is made on the host: its
/// subnets overlap no address of the host's (another store's bridge,
/// Docker's or Podman's, a LAN); the host forwards, in each family the
/// bridge has; berth's table is there.
fn host_setup(
    nl: &mut Netlink,
    a: &Attachment,
    links: &[Link],
    want: &[(IpAddr, u8)],
) -> Result<()> {
    let mut removed = Vec::new();
    for (index, ip, prefix) in nl.all_addresses()? {
        let Some(l) = links.iter().find(|l| l.index == index) else {
            continue;
        };
        if l.name == a.interface || l.name == "lo" {
            continue;
        }
        let clash = want.iter().any(|&(ours, len)| match (ours, ip) {
            (IpAddr::V4(o), IpAddr::V4(t)) => Ipv4Net::new(o, len)
                .zip(Ipv4Net::new(t, prefix))
                .is_some_and(|(o, t)| o.overlaps(&t)),
            (IpAddr::V6(o), IpAddr::V6(t)) => Ipv6Net::new(o, len)
                .zip(Ipv6Net::new(t, prefix))
                .is_some_and(|(o, t)| o.overlaps(&t)),
            _ => false,
        });
        // A bridge of berth's that no container is on is left by holders
        // that were killed: it goes.
        let unused = l.kind == "bridge"
            && l.alias.starts_with(BRIDGE_LABEL)
            && !links.iter().any(|p| p.master == Some(l.index));
        if clash && unused {
            if !removed.contains(&l.index) {
                nl.delete_link(l.index)?;
                nl.delete_rules_for(&l.name)?;
                removed.push(l.index);
            }
            continue;
        }
        if clash {
            let subnets = match &a.subnet6 {
                Some(s6) => format!("{} and {s6}", a.subnet),
                None => a.subnet.clone(),
            };
            bail!(
                "network {}: its subnet {subnets} overlaps {ip}/{prefix} of the host's interface {}",
                a.network,
                l.name
            );
        }
    }
    let mut forward = vec!["/proc/sys/net/ipv4/ip_forward"];
    if want.iter().any(|(ip, _)| ip.is_ipv6()) {
        forward.push("/proc/sys/net/ipv6/conf/all/forwarding");
    }
    for knob in forward {
        if std::fs::read_to_string(knob).is_ok_and(|v| v.trim() != "1") {
            std::fs::write(knob, "1").with_context(|| format!("writing {knob}"))?;
        }
    }
    super::nftables::host_rules(BRIDGE_PREFIX)
}

/// On the host, as the last holder leaves: remove berth's bridges that
/// no container is on, with their rules, and berth's table once no
/// bridge of berth's is left. Under the lock.
fn sweep_host() -> Result<()> {
    let mut nl = Netlink::open()?;
    let links = nl.links()?;
    let mut kept = 0;
    for br in links
        .iter()
        .filter(|l| l.kind == "bridge" && l.alias.starts_with(BRIDGE_LABEL))
    {
        if links.iter().any(|p| p.master == Some(br.index)) {
            kept += 1;
            continue;
        }
        nl.delete_link(br.index)?;
        nl.delete_rules_for(&br.name)?;
    }
    // Rules of bridges gone some other way (removed by hand).
    let names: Vec<String> = nl.links()?.into_iter().map(|l| l.name).collect();
    for iif in nl.rule_iifs()? {
        if iif.starts_with(BRIDGE_PREFIX) && !names.contains(&iif) {
            nl.delete_rules_for(&iif)?;
        }
    }
    if kept == 0 {
        super::nftables::remove_table()?;
    }
    Ok(())
}

/// Take the container off its networks (the monitor, once its pid 1 has
/// exited; the monitor is still in the container's network namespace)
/// and rewrite the names of the containers that stay.
///
/// Its veths stay: they go with the container's network namespace when
/// the monitor, its last process, exits, in the kernel's own time
/// (removing a veth waits for RCU grace periods, about 10 ms that the
/// container's exit need not wait for). Their labels are then no longer
/// read as names: the hosts files are rewritten without the container.
pub fn detach(b: &Bridges, infra_pid: i32) -> Result<()> {
    leave_with(b, infra_pid, None, false)
}

/// Take the container off `network` (every network: `None`), from any
/// process (the veths are found by their labels), and rewrite the names
/// of the containers that stay. Nothing to do when berth's network
/// namespace is gone.
pub fn leave(b: &Bridges, infra_pid: i32, network: Option<&str>) -> Result<()> {
    leave_with(b, infra_pid, network, true)
}

fn leave_with(b: &Bridges, infra_pid: i32, network: Option<&str>, delete: bool) -> Result<()> {
    let _lock = lock(&b.state_dir)?;
    let mut kept = settings(&b.containers_dir, &b.container_id);
    kept.retain(|s| network.is_some_and(|n| n != s.network));
    write_settings(b, &kept)?;
    let Ok(infra) = std::fs::File::open(format!("/proc/{infra_pid}/ns/net")) else {
        return Ok(());
    };
    let back = std::fs::File::open("/proc/thread-self/ns/net")
        .context("opening this process's network namespace")?;
    enter_net(&infra, "berth's network namespace")?;
    let done = (|| -> Result<()> {
        let mut nl = Netlink::open()?;
        // The networks whose members' names change: those the record
        // names, and those the veths' labels say (connected later).
        let mut left = b.clone();
        if let Some(n) = network {
            left.attachments.retain(|a| a.network == n);
        }
        let mut bridges = Vec::new();
        for e in nl.links()?.iter().filter_map(parse_label) {
            if e.id == b.container_id && network.is_none_or(|n| n == e.network) {
                bridges.extend(e.bridge);
                if delete {
                    let _ = nl.delete_link(e.index);
                } else if !e.leaving {
                    let gone = Endpoint {
                        leaving: true,
                        ..e.clone()
                    };
                    let _ = nl.set_alias(e.index, &label(&gone));
                }
                if !left.attachments.iter().any(|a| a.network == e.network) {
                    left.attachments.push(blank(&e.network));
                }
            }
        }
        let leaving = if network.is_none() {
            vec![b.container_id.as_str()]
        } else {
            Vec::new()
        };
        rewrite_hosts(&left, &leaving, &bridges)?;
        if network.is_some() {
            // The container stays on its other networks: its own names.
            let mut me = b.clone();
            me.attachments = Vec::new();
            rewrite_own_hosts(&me)?;
        }
        Ok(())
    })();
    // Back where it was (the monitor); a process that only came to
    // leave (`network disconnect`) may not be able to, and need not.
    let _ = enter_net(&back, "this process's network namespace");
    done
}

/// Put the running container whose pid 1 is `pid1` on the networks of
/// `b` (those it is not on yet), from outside: a child process joins the
/// holder's user namespace (which a rootless container on berth networks
/// shares) and the container's network namespace, and attaches it as its
/// monitor would.
pub fn connect(b: &Bridges, pid1: i32) -> Result<()> {
    let infra = ensure_infra(&b.state_dir, &b.containers_dir)?;
    in_holder_userns(infra.pid, || {
        let net = std::fs::File::open(format!("/proc/{pid1}/ns/net"))
            .context("opening the container's network namespace")?;
        enter_net(&net, "the container's network namespace")?;
        attach(b, infra.pid).map(|_| ())
    })
}

/// Run `f` in a child process that has joined the user namespace of
/// the holder `infra_pid` (rootless: the only way into its network
/// namespace); its error is the error.
fn in_holder_userns(infra_pid: i32, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let (mut ours, mut theirs) =
        std::os::unix::net::UnixStream::pair().context("creating a socket pair")?;
    // SAFETY: the berth command that calls this has one thread.
    match unsafe { nix::unistd::fork() }.context("forking")? {
        nix::unistd::ForkResult::Child => {
            drop(ours);
            let r = (|| -> Result<()> {
                use std::os::unix::fs::MetadataExt;
                let user = std::fs::File::open(format!("/proc/{infra_pid}/ns/user"))
                    .context("opening berth's user namespace")?;
                let (a, b) = (user.metadata()?, std::fs::metadata("/proc/self/ns/user")?);
                if (a.dev(), a.ino()) != (b.dev(), b.ino()) && !nix::unistd::geteuid().is_root() {
                    use super::sys::{CloneFlags, Linux, Sys};
                    use std::os::fd::AsFd;
                    Linux
                        .setns(user.as_fd(), CloneFlags::CLONE_NEWUSER)
                        .map_err(|e| anyhow!("joining berth's user namespace: {}", e.desc()))?;
                }
                f()
            })();
            if let Err(e) = r {
                let _ = theirs.write_all(format!("{e:#}").as_bytes());
            }
            // SAFETY: leave without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(theirs);
            let mut msg = String::new();
            let _ = ours.read_to_string(&mut msg);
            let _ = nix::sys::wait::waitpid(child, None);
            if !msg.is_empty() {
                bail!("{msg}");
            }
            Ok(())
        }
    }
}

/// Remove the bridge `interface` of a removed network from berth's
/// network namespace, if that runs (its rules go with the namespace);
/// on the host, with its rules.
pub fn remove_bridge(dir: &Path, interface: &str) -> Result<()> {
    if on_host() {
        // On the host the bridge outlives a holder that was killed.
        let _lock = lock(dir)?;
        let mut nl = Netlink::open()?;
        let links = nl.links()?;
        let ours = |l: &&Link| l.alias.starts_with(BRIDGE_LABEL);
        if let Some(l) = links.iter().filter(ours).find(|l| l.name == interface) {
            nl.delete_link(l.index)?;
            nl.delete_rules_for(interface)?;
            if !links.iter().filter(ours).any(|l| l.name != interface) {
                super::nftables::remove_table()?;
            }
        }
        return Ok(());
    }
    let Some(infra) = read_infra(dir) else {
        return Ok(());
    };
    in_holder_userns(infra.pid, || {
        let _lock = lock(dir)?;
        let file = std::fs::File::open(format!("/proc/{}/ns/net", infra.pid))
            .context("opening berth's network namespace")?;
        enter_net(&file, "berth's network namespace")?;
        let mut nl = Netlink::open()?;
        if let Some(l) = nl.link(interface)? {
            nl.delete_link(l.index)?;
        }
        nl.delete_rules_for(interface)
    })
}

/// Take the running container of `b` off `network` from outside (`network
/// disconnect`).
pub fn disconnect(b: &Bridges, network: &str) -> Result<()> {
    let Some(infra) = read_infra(&b.state_dir) else {
        return Ok(());
    };
    in_holder_userns(infra.pid, || leave(b, infra.pid, Some(network)))
}

/// The running container of `b` is now called `b.container_name`: its
/// endpoints' labels and the `/etc/hosts` of the containers that share
/// a network with it follow, from any process.
pub fn rename(b: &Bridges) -> Result<()> {
    let Some(infra) = read_infra(&b.state_dir) else {
        return Ok(());
    };
    in_holder_userns(infra.pid, || {
        let _lock = lock(&b.state_dir)?;
        let Ok(ns) = std::fs::File::open(format!("/proc/{}/ns/net", infra.pid)) else {
            return Ok(());
        };
        // A child of this process: it need not come back.
        enter_net(&ns, "berth's network namespace")?;
        let mut nl = Netlink::open()?;
        let mut bridges = Vec::new();
        for e in nl.links()?.into_iter().filter_map(|l| parse_label(&l)) {
            if e.id != b.container_id || e.leaving {
                continue;
            }
            bridges.extend(e.bridge);
            let mut names = e.names.clone();
            // Its first name is the container's (see `names_on`).
            names[0] = b.container_name.clone();
            nl.set_alias(e.index, &label(&Endpoint { names, ..e }))?;
        }
        rewrite_hosts(b, &[], &bridges)
    })
}

fn blank(network: &str) -> Attachment {
    Attachment {
        network: network.to_string(),
        interface: String::new(),
        subnet: String::new(),
        gateway: String::new(),
        ip_range: None,
        internal: false,
        subnet6: None,
        gateway6: None,
        ip_range6: None,
        ip: None,
        ip6: None,
        mac: None,
        aliases: Vec::new(),
        default_network: false,
    }
}

/// Rewrite the network part of `/etc/hosts` of every container that
/// shares a network with `b`'s container (its own included unless
/// `leaving`): a network of `b`'s, or the bridge of one it left (`more`).
/// Runs in the holder's namespace, under the lock.
fn rewrite_hosts(b: &Bridges, leaving: &[&str], more: &[u32]) -> Result<()> {
    let mut nl = Netlink::open()?;
    let links = nl.links()?;
    let mut bridges = more.to_vec();
    bridges.extend(
        links
            .iter()
            .filter(|l| b.attachments.iter().any(|a| a.interface == l.name))
            .map(|l| l.index),
    );
    let endpoints: Vec<Endpoint> = links
        .iter()
        .filter_map(parse_label)
        .filter(|e| !e.leaving && !leaving.contains(&e.id.as_str()))
        .collect();
    let ids: Vec<&str> = endpoints
        .iter()
        .filter(|e| e.hosts && e.bridge.is_some_and(|x| bridges.contains(&x)))
        .map(|e| e.id.as_str())
        .collect();
    write_sections(b, &endpoints, ids)
}

/// Rewrite the container's own names (its networks changed).
fn rewrite_own_hosts(b: &Bridges) -> Result<()> {
    let mut nl = Netlink::open()?;
    let endpoints: Vec<Endpoint> = nl
        .links()?
        .iter()
        .filter_map(parse_label)
        .filter(|e| !e.leaving)
        .collect();
    if b.no_hosts {
        return Ok(());
    }
    write_sections(b, &endpoints, vec![b.container_id.as_str()])
}

fn write_sections(b: &Bridges, endpoints: &[Endpoint], mut ids: Vec<&str>) -> Result<()> {
    ids.sort();
    ids.dedup();
    for id in ids {
        let mine: Vec<u32> = endpoints
            .iter()
            .filter(|e| e.id == id)
            .filter_map(|e| e.bridge)
            .collect();
        let mut section = String::new();
        for e in endpoints
            .iter()
            .filter(|e| e.bridge.is_some_and(|x| mine.contains(&x)))
        {
            section.push_str(&format!("{}\t{}\n", e.ip, e.names.join(" ")));
            if let Some(ip6) = e.ip6 {
                section.push_str(&format!("{ip6}\t{}\n", e.names.join(" ")));
            }
        }
        write_hosts_section(&b.containers_dir.join(id).join("hosts"), &section);
    }
    Ok(())
}

/// The line after which berth writes the names of the networks.
const MARK: &str = "# berth networks\n";

/// Replace what follows [`MARK`] in the hosts file at `path` (in place:
/// the file is bound into the container), if the container still exists.
pub fn write_hosts_section(path: &Path, section: &str) {
    let Ok(old) = std::fs::read_to_string(path) else {
        return;
    };
    let head = match old.find(MARK) {
        Some(i) => &old[..i],
        None => &old[..],
    };
    let text = format!("{head}{MARK}{section}");
    if text == old {
        return;
    }
    if let Ok(mut f) = std::fs::File::options()
        .write(true)
        .truncate(true)
        .open(path)
    {
        let _ = f.write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(subnet: &str, gateway: &str) -> Attachment {
        Attachment {
            network: "n".into(),
            interface: "berth1".into(),
            subnet: subnet.into(),
            gateway: gateway.into(),
            ip_range: None,
            internal: false,
            subnet6: None,
            gateway6: None,
            ip_range6: None,
            ip: None,
            ip6: None,
            mac: None,
            aliases: vec![],
            default_network: false,
        }
    }

    #[test]
    fn ipv6_addresses_skip_the_gateway_and_those_in_use() {
        let mut a = att("198.18.1.0/24", "198.18.1.1");
        assert_eq!(pick_address6(&a, &[]).unwrap(), None);
        a.ip6 = Some("fd12::5".into());
        assert!(pick_address6(&a, &[]).is_err());
        a.ip6 = None;
        a.subnet6 = Some("fd12::/64".into());
        a.gateway6 = Some("fd12::1".into());
        let v6 = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        assert_eq!(pick_address6(&a, &[]).unwrap(), Some(v6("fd12::2")));
        let used = [v6("fd12::2"), v6("fd12::3")];
        assert_eq!(pick_address6(&a, &used).unwrap(), Some(v6("fd12::4")));
        a.ip_range6 = Some("fd12::100/126".into());
        assert_eq!(pick_address6(&a, &[]).unwrap(), Some(v6("fd12::100")));
        let full = [
            v6("fd12::100"),
            v6("fd12::101"),
            v6("fd12::102"),
            v6("fd12::103"),
        ];
        assert!(pick_address6(&a, &full).is_err());
        a.ip6 = Some("fd12::9".into());
        assert_eq!(pick_address6(&a, &[]).unwrap(), Some(v6("fd12::9")));
        assert!(pick_address6(&a, &[v6("fd12::9")]).is_err());
        for bad in ["fd13::9", "fd12::1", "fd12::", "10.0.0.1", "x"] {
            a.ip6 = Some(bad.into());
            assert!(pick_address6(&a, &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_skip_the_gateway_and_those_in_use() {
        let a = att("198.18.1.0/24", "198.18.1.1");
        assert_eq!(pick_address(&a, &[]).unwrap(), Ipv4Addr::new(198, 18, 1, 2));
        let used = [Ipv4Addr::new(198, 18, 1, 2), Ipv4Addr::new(198, 18, 1, 3)];
        assert_eq!(
            pick_address(&a, &used).unwrap(),
            Ipv4Addr::new(198, 18, 1, 4)
        );
        let full: Vec<Ipv4Addr> = (2..=254).map(|n| Ipv4Addr::new(198, 18, 1, n)).collect();
        assert!(pick_address(&a, &full).is_err());
    }

    #[test]
    fn an_address_asked_for_is_checked() {
        let mut a = att("198.18.1.0/24", "198.18.1.1");
        a.ip = Some("198.18.1.9".into());
        assert_eq!(pick_address(&a, &[]).unwrap(), Ipv4Addr::new(198, 18, 1, 9));
        assert!(pick_address(&a, &[Ipv4Addr::new(198, 18, 1, 9)]).is_err());
        for bad in [
            "198.18.2.9",
            "198.18.1.1",
            "198.18.1.0",
            "198.18.1.255",
            "x",
        ] {
            a.ip = Some(bad.into());
            assert!(pick_address(&a, &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_range_limits_the_addresses() {
        let mut a = att("198.18.1.0/24", "198.18.1.1");
        a.ip_range = Some("198.18.1.128/25".into());
        assert_eq!(
            pick_address(&a, &[]).unwrap(),
            Ipv4Addr::new(198, 18, 1, 128)
        );
    }

    #[test]
    fn labels_round_trip() {
        let names = vec![
            "web".to_string(),
            "www".to_string(),
            "0123456789ab".to_string(),
        ];
        let l = Link {
            index: 7,
            alias: label(&Endpoint {
                id: "0123456789abcdef".into(),
                network: "net1".into(),
                ip: Ipv4Addr::new(10, 0, 0, 2),
                ip6: None,
                hosts: true,
                names: names.clone(),
                index: 0,
                bridge: None,
                leaving: false,
            }),
            master: Some(3),
            ..Default::default()
        };
        let e = parse_label(&l).unwrap();
        assert_eq!(e.names, names);
        assert_eq!(e.ip6, None);
        assert_eq!(e.bridge, Some(3), "its network is its veth's bridge");
        let dual = Link {
            alias: l.alias.replace("10.0.0.2", "10.0.0.2,fd12::2"),
            ..l.clone()
        };
        let d = parse_label(&dual).unwrap();
        assert_eq!(d.ip6, Some("fd12::2".parse().unwrap()));
        assert_eq!(label(&d), dual.alias);
        assert_eq!(e.network, "net1");
        assert!(e.hosts);
        assert!(!e.leaving);
        assert!(parse_label(&Link::default()).is_none());
        // An exited container's veth: its address, no longer its names.
        let gone = Link {
            alias: format!("{LEAVING}{}", &l.alias[LABEL.len()..]),
            ..l
        };
        let g = parse_label(&gone).unwrap();
        assert!(g.leaving);
        assert_eq!((g.ip, g.names), (e.ip, e.names));
    }

    #[test]
    fn loopback_resolvers_become_the_forwarder() {
        let host = "nameserver 127.0.0.53\nnameserver 192.0.2.53\n";
        assert_eq!(nameservers(host, "pasta"), [PASTA_DNS, "192.0.2.53"]);
        assert_eq!(nameservers(host, "slirp4netns"), ["10.0.2.3", "192.0.2.53"]);
        assert_eq!(nameservers(host, "none"), ["192.0.2.53"]);
    }

    #[test]
    fn hosts_sections_replace_only_their_part() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hosts");
        std::fs::write(&p, "127.0.0.1\tlocalhost\n").unwrap();
        write_hosts_section(&p, "10.0.0.2\tweb\n");
        write_hosts_section(&p, "10.0.0.3\tdb\n");
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("127.0.0.1\tlocalhost\n{MARK}10.0.0.3\tdb\n")
        );
    }

    fn link(alias: &str) -> Link {
        Link {
            index: 7,
            name: "vbx".into(),
            kind: "veth".into(),
            master: Some(3),
            alias: alias.into(),
            mac: None,
        }
    }

    #[test]
    fn labels_leave_out_the_short_id_and_give_it_back() {
        let id = "0123456789ab".repeat(5) + "cdef";
        let e = Endpoint {
            id: id.clone(),
            network: "net".into(),
            ip: Ipv4Addr::new(198, 18, 0, 2),
            ip6: None,
            hosts: true,
            names: names_on(&id, "web", &att("198.18.0.0/24", "198.18.0.1")),
            index: 0,
            bridge: None,
            leaving: false,
        };
        let l = label(&e);
        assert_eq!(l, format!("{LABEL} {id} net 198.18.0.2 1 web"));
        let back = parse_label(&link(&l)).unwrap();
        assert_eq!(back.names, ["web", "0123456789ab"]);
        // A label written with the short id keeps one.
        let old = parse_label(&link(&format!("{l} 0123456789ab"))).unwrap();
        assert_eq!(old.names, ["web", "0123456789ab"]);
    }

    #[test]
    fn names_that_overflow_a_label_are_refused_before_anything_is_made() {
        let id = "f".repeat(64);
        let mut a = att("198.18.0.0/24", "198.18.0.1");
        a.aliases = vec!["x".repeat(60), "y".repeat(60)];
        check_names_fit(&id, "web", &a).unwrap();
        a.aliases.push("z".repeat(60));
        let e = check_names_fit(&id, "web", &a).unwrap_err().to_string();
        assert!(e.starts_with("container \"web\" on network n:"), "{e}");
        // The longest IPv6 address takes room too.
        a.aliases.pop();
        a.subnet6 = Some("fd00::/64".into());
        assert!(check_names_fit(&id, "web", &a).is_err());
    }

    #[test]
    fn an_address_gives_its_hardware_address() {
        assert_eq!(
            mac_of(Ipv4Addr::new(198, 18, 0, 2)),
            [0x0a, 0x58, 198, 18, 0, 2]
        );
        // Locally administered, unicast.
        assert_eq!(mac_of(Ipv4Addr::new(1, 2, 3, 4))[0] & 0b11, 0b10);
    }
}
