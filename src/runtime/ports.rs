//! Published ports (`-p`): the container's monitor binds the host's
//! listening sockets while it is still in the host's network namespace
//! (a socket keeps the namespace it was made in), then forks a relay
//! process once it is in the container's network namespace. The relay
//! accepts connections on the host's sockets and connects each to
//! `127.0.0.1:PORT` in the container's namespace, copying bytes both ways
//! with two threads per connection. It is a separate process because the
//! monitor must not start threads (it forks pid 1 later, and a process
//! that unshared its pid namespace cannot create threads).

use super::spec::PortMapping;
use anyhow::Result;
use nix::errno::Errno;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

/// A bound host socket and the container port it forwards to.
pub struct Listener {
    socket: Socket,
    container_port: u16,
}

enum Socket {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

/// Bind every mapping's host socket; an error (port in use, a privileged
/// port for a user) names the port and is a start error (125).
pub fn bind(ports: &[PortMapping]) -> Result<Vec<Listener>> {
    ports
        .iter()
        .map(|p| {
            let udp = p.protocol == "udp";
            let socket = host_socket(&p.host_ip, p.host_port, udp).map_err(|e| {
                let ip = match p.host_ip.as_str() {
                    "" => "0.0.0.0",
                    ip => ip,
                };
                super::container::start_err(
                    125,
                    format!(
                        "cannot publish port {}:{}/{}: {e}",
                        ip, p.host_port, p.protocol
                    ),
                )
            })?;
            Ok(Listener {
                socket,
                container_port: p.container_port,
            })
        })
        .collect()
}

/// A free port of the host for `-p CTRPORT` (the kernel's pick), as
/// [`bind`] will bind it.
pub fn free_port(host_ip: &str, udp: bool) -> std::io::Result<u16> {
    match host_socket(host_ip, 0, udp)? {
        Socket::Tcp(l) => l.local_addr(),
        Socket::Udp(u) => u.local_addr(),
    }
    .map(|a| a.port())
}

/// The host's socket for `host_ip:port`. With no address: every address
/// of the host, IPv6 and IPv4 alike, in one dual-stack socket (Docker and
/// Podman bind both); IPv4 alone on a host without IPv6.
fn host_socket(host_ip: &str, port: u16, udp: bool) -> std::io::Result<Socket> {
    let bind_at = |ip: &str| match udp {
        true => UdpSocket::bind((ip, port)).map(Socket::Udp),
        false => TcpListener::bind((ip, port)).map(Socket::Tcp),
    };
    if !host_ip.is_empty() {
        return bind_at(host_ip);
    }
    match dual_stack(port, udp) {
        Err(Errno::EAFNOSUPPORT | Errno::EADDRNOTAVAIL) => bind_at("0.0.0.0"),
        r => r.map_err(std::io::Error::from),
    }
}

/// A socket bound to `[::]:port` that takes IPv4 too (`IPV6_V6ONLY`
/// off, whatever `net.ipv6.bindv6only` says).
fn dual_stack(port: u16, udp: bool) -> nix::Result<Socket> {
    use nix::sys::socket::{self as sock, sockopt};
    let kind = match udp {
        true => sock::SockType::Datagram,
        false => sock::SockType::Stream,
    };
    let fd = sock::socket(
        sock::AddressFamily::Inet6,
        kind,
        sock::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    sock::setsockopt(&fd, sockopt::Ipv6V6Only, &false)?;
    // As std binds its TCP listeners: a port of a container that just
    // exited is usable at once. (Not UDP, where it would let a second
    // socket share the port.)
    if !udp {
        sock::setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    }
    let any = std::net::SocketAddrV6::new(std::net::Ipv6Addr::UNSPECIFIED, port, 0, 0);
    sock::bind(fd.as_raw_fd(), &sock::SockaddrIn6::from(any))?;
    Ok(match udp {
        true => Socket::Udp(UdpSocket::from(fd)),
        false => {
            sock::listen(&fd, sock::Backlog::new(128)?)?;
            Socket::Tcp(TcpListener::from(fd))
        }
    })
}

/// The relay: accept and forward forever (the process is killed with
/// its parent, the monitor). Runs in a freshly forked, single-threaded
/// process in the container's network namespace.
pub fn serve(listeners: Vec<Listener>) -> ! {
    let mut threads = Vec::new();
    for l in listeners {
        let port = l.container_port;
        threads.push(match l.socket {
            Socket::Tcp(socket) => std::thread::spawn(move || {
                for conn in socket.incoming() {
                    let Ok(outside) = conn else { continue };
                    std::thread::spawn(move || forward(outside, port));
                }
            }),
            Socket::Udp(socket) => std::thread::spawn(move || relay_udp(socket, port)),
        });
    }
    for t in threads {
        let _ = t.join();
    }
    // SAFETY: leave without running the parent's destructors.
    unsafe { libc::_exit(0) }
}

/// Connect to the container's port and copy both ways until both sides
/// are done; a refused connection closes the host's.
fn forward(outside: TcpStream, port: u16) {
    let Ok(inside) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let (Ok(o2), Ok(i2)) = (outside.try_clone(), inside.try_clone()) else {
        return;
    };
    let t = std::thread::spawn(move || pump(o2, i2));
    pump(inside, outside);
    let _ = t.join();
}

/// Copy `from` to `to`, then end `to`'s writing side.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// UDP: each client (host address and port) gets a socket of its own in
/// the container's namespace, connected to `127.0.0.1:port`; a thread per
/// client sends the container's answers back from the host's socket.
fn relay_udp(host: UdpSocket, port: u16) {
    let host = Arc::new(host);
    let clients: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Default::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, from)) = host.recv_from(&mut buf) else {
            continue;
        };
        let inner = {
            let mut map = clients.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&from) {
                Some(s) => s.clone(),
                None => {
                    let Ok(s) = UdpSocket::bind(("127.0.0.1", 0)) else {
                        continue;
                    };
                    if s.connect(("127.0.0.1", port)).is_err() {
                        continue;
                    }
                    // A client quiet for a while is forgotten.
                    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(60)));
                    let s = Arc::new(s);
                    map.insert(from, s.clone());
                    let (back, host, clients) = (s.clone(), host.clone(), clients.clone());
                    std::thread::spawn(move || {
                        let mut buf = vec![0u8; 65536];
                        while let Ok(n) = back.recv(&mut buf) {
                            let _ = host.send_to(&buf[..n], from);
                        }
                        clients
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&from);
                    });
                    s
                }
            }
        };
        let _ = inner.send(&buf[..n]);
    }
}
