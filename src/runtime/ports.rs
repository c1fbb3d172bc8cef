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
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

/// A bound host socket and the container port it forwards to.
pub struct Listener {
    socket: TcpListener,
    container_port: u16,
}

/// Bind every mapping's host socket; an error (port in use, a privileged
/// port for a user) names the port and is a start error (125).
pub fn bind(ports: &[PortMapping]) -> Result<Vec<Listener>> {
    ports
        .iter()
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                "0.0.0.0"
            } else {
                &p.host_ip
            };
            let socket = TcpListener::bind((ip, p.host_port)).map_err(|e| {
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

/// The relay: accept and forward forever (the process is killed with
/// its parent, the monitor). Runs in a freshly forked, single-threaded
/// process in the container's network namespace.
pub fn serve(listeners: Vec<Listener>) -> ! {
    let mut threads = Vec::new();
    for l in listeners {
        threads.push(std::thread::spawn(move || {
            for conn in l.socket.incoming() {
                let Ok(outside) = conn else { continue };
                let port = l.container_port;
                std::thread::spawn(move || forward(outside, port));
            }
        }));
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
