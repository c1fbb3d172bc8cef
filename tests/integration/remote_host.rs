//! A "remote host" on this machine, for the network tests: a network
//! namespace of the test's own (`berth-remote-<pid>-<n>`), joined to the
//! host's by a veth pair with a /30 of 198.18.200.0/21 (RFC 2544's
//! benchmarking range, which is never routed off a machine) and a /64 of
//! 2001:2::/48 (RFC 5180's IPv6 benchmarking range), its default routes
//! back to the host. Services in it run as threads of the test
//! process on sockets opened inside it: HTTP on TCP 8080 (IPv4 and IPv6)
//! answering every
//! GET with a body unique to this remote, a UDP echo on 9999, a DNS
//! responder on UDP 53 that knows one name, `remote.test`, and a TCP
//! sink on 9000 (a first line `N`, then N bytes, answered with `got N`
//! once all have arrived). Each service
//! counts what it answered, so a test can tell that its packets arrived
//! (or did not). Everything is removed on drop.
//!
//! Every address involved is 198.18.0.0/15, 2001:2::/48 or loopback:
//! nothing here sends a packet off this machine.
//!
//! Setting up needs root (the tests run as root, also for their rootless
//! cases, whose berth then reaches the remote through the host's routes).

use crate::util::{is_root, Cmd, Output};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The one name the remote's DNS responder knows.
pub(crate) const REMOTE_NAME: &str = "remote.test";
/// The remote's services.
pub(crate) const HTTP_PORT: u16 = 8080;
pub(crate) const ECHO_PORT: u16 = 9999;
pub(crate) const DNS_PORT: u16 = 53;
pub(crate) const SINK_PORT: u16 = 9000;

/// /30s in 198.18.200.0/21: one per live remote on this machine.
const SLOTS: u32 = 512;

/// What a set of service threads answered, and how to stop them.
#[derive(Default)]
struct Services {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Services {
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

pub(crate) struct RemoteHost {
    /// The network namespace (`/run/netns/<netns>`).
    pub netns: String,
    /// The host's end of the veth pair.
    pub host_if: String,
    /// The host's address on the veth (the remote's gateway).
    pub host_addr: Ipv4Addr,
    /// The remote's address.
    pub addr: Ipv4Addr,
    /// The remote's IPv6 address.
    pub addr6: Ipv6Addr,
    /// What its HTTP server answers to every GET.
    pub body: String,
    /// GET requests answered.
    pub http_requests: Arc<AtomicUsize>,
    /// DNS queries answered.
    pub dns_queries: Arc<AtomicUsize>,
    /// Datagrams echoed.
    pub echoes: Arc<AtomicUsize>,
    services: Services,
}

fn ip<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Cmd::new("ip").args(args).timeout(Duration::from_secs(30))
}

impl RemoteHost {
    /// Create the namespace, the veth pair and the services.
    #[track_caller]
    pub fn start() -> RemoteHost {
        assert!(is_root(), "the remote host fixture needs root");
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let netns = format!("berth-remote-{pid}-{n}");
        ip(["netns", "add", &netns]).ok();
        // From here on, drop removes what was made.
        let mut remote = RemoteHost {
            netns,
            host_if: String::new(),
            host_addr: Ipv4Addr::UNSPECIFIED,
            addr: Ipv4Addr::UNSPECIFIED,
            addr6: Ipv6Addr::UNSPECIFIED,
            body: format!("hello from {REMOTE_NAME} berth-remote-{pid}-{n}\n"),
            http_requests: Arc::default(),
            dns_queries: Arc::default(),
            echoes: Arc::default(),
            services: Services::default(),
        };
        // A free slot: the name of the host's end is the lock (creating
        // an interface whose name exists fails), across test processes
        // too. The peer is made inside the remote's namespace at once.
        let first = (pid.wrapping_mul(37).wrapping_add(n.wrapping_mul(11))) % SLOTS;
        let slot = (0..SLOTS)
            .map(|k| (first + k) % SLOTS)
            .find(|slot| {
                let host_if = format!("brmh{slot}");
                let out = ip(["link", "add", &host_if, "type", "veth", "peer", "name"])
                    .arg(format!("brmr{slot}"))
                    .args(["netns", &remote.netns])
                    .run();
                if out.code == 0 {
                    remote.host_if = host_if;
                    return true;
                }
                assert!(
                    out.stderr.contains("File exists"),
                    "creating veth {host_if}: {}",
                    out.stderr
                );
                false
            })
            .expect("no free slot for a remote host in 198.18.200.0/21");
        let base = u32::from(Ipv4Addr::new(198, 18, 200, 0)) + slot * 4;
        remote.host_addr = Ipv4Addr::from(base + 1);
        remote.addr = Ipv4Addr::from(base + 2);
        let peer = format!("brmr{slot}");
        let ns = remote.netns.clone();
        let host_cidr = format!("{}/30", remote.host_addr);
        let remote_cidr = format!("{}/30", remote.addr);
        let host_addr = remote.host_addr.to_string();
        let host_addr6 = Ipv6Addr::new(0x2001, 2, 0, slot as u16, 0, 0, 0, 1);
        remote.addr6 = Ipv6Addr::new(0x2001, 2, 0, slot as u16, 0, 0, 0, 2);
        let host_cidr6 = format!("{host_addr6}/64");
        let remote_cidr6 = format!("{}/64", remote.addr6);
        let host_addr6 = host_addr6.to_string();
        let steps: [&[&str]; 9] = [
            &["addr", "add", &host_cidr, "dev", &remote.host_if],
            &["addr", "add", &host_cidr6, "dev", &remote.host_if, "nodad"],
            &["link", "set", &remote.host_if, "up"],
            &["-n", &ns, "link", "set", "lo", "up"],
            &["-n", &ns, "addr", "add", &remote_cidr, "dev", &peer],
            &[
                "-n",
                &ns,
                "addr",
                "add",
                &remote_cidr6,
                "dev",
                &peer,
                "nodad",
            ],
            &["-n", &ns, "link", "set", &peer, "up"],
            &["-n", &ns, "route", "add", "default", "via", &host_addr],
            &[
                "-n",
                &ns,
                "-6",
                "route",
                "add",
                "default",
                "via",
                &host_addr6,
            ],
        ];
        for step in steps {
            ip(step).ok();
        }

        // The sockets are opened by a thread that joined the namespace
        // (setns affects only the calling thread); a socket stays in the
        // namespace it was made in, whichever thread then serves it.
        let path = format!("/run/netns/{}", remote.netns);
        let opened = thread::spawn(move || -> std::io::Result<_> {
            let f = File::open(&path)?;
            nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(std::io::Error::from)?;
            Ok((
                // Both families (Linux's sockets on :: take IPv4 too).
                TcpListener::bind(("::", HTTP_PORT))?,
                UdpSocket::bind(("0.0.0.0", ECHO_PORT))?,
                UdpSocket::bind(("0.0.0.0", DNS_PORT))?,
                TcpListener::bind(("0.0.0.0", SINK_PORT))?,
            ))
        })
        .join()
        .expect("the thread opening the remote's sockets");
        let (http, echo, dns, sink) = opened.unwrap_or_else(|e| {
            panic!("opening sockets in netns {}: {e}", remote.netns);
        });
        let stop = remote.services.stop.clone();
        let threads = vec![
            serve_sink(sink, stop.clone()),
            serve_http(
                http,
                remote.body.clone(),
                stop.clone(),
                remote.http_requests.clone(),
            ),
            serve_udp(echo, stop.clone(), remote.echoes.clone(), |q| {
                Some(q.to_vec())
            }),
            {
                let addr = remote.addr;
                serve_udp(dns, stop, remote.dns_queries.clone(), move |q| {
                    dns_answer(q, REMOTE_NAME, addr)
                })
            },
        ];
        remote.services.threads = threads;
        remote
    }

    /// A command run inside the remote's namespace (`ip netns exec`).
    pub fn exec<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        ip(["netns", "exec", &self.netns]).args(args)
    }

    /// The namespace file, for `--network ns:PATH`.
    pub fn netns_path(&self) -> String {
        format!("/run/netns/{}", self.netns)
    }

    pub fn http_count(&self) -> usize {
        self.http_requests.load(Ordering::SeqCst)
    }

    pub fn dns_count(&self) -> usize {
        self.dns_queries.load(Ordering::SeqCst)
    }

    pub fn echo_count(&self) -> usize {
        self.echoes.load(Ordering::SeqCst)
    }
}

impl Drop for RemoteHost {
    fn drop(&mut self) {
        // The sockets first: they hold the namespace.
        self.services.stop();
        // Deleting one end of a veth pair deletes both; then the
        // namespace, freed by the kernel once nothing is in it.
        if !self.host_if.is_empty() {
            // (Gone already when the namespace went with its mount.)
            let out = ip(["link", "del", &self.host_if]).run();
            if out.code != 0 && !out.stderr.contains("Cannot find device") {
                eprintln!("warning: ip link del {}: {}", self.host_if, out.stderr);
            }
        }
        let out = ip(["netns", "del", &self.netns]).run();
        if out.code != 0 {
            eprintln!("warning: ip netns del {}: {}", self.netns, out.stderr);
        }
    }
}

/// An HTTP server on the host's loopback (`127.0.0.1:port`), which a
/// container reaches as `host.containers.internal`.
pub(crate) struct HostHttp {
    pub port: u16,
    pub body: String,
    pub requests: Arc<AtomicUsize>,
    services: Services,
}

impl HostHttp {
    pub fn start(body: &str) -> HostHttp {
        Self::start_at("127.0.0.1".parse().unwrap(), body)
    }

    /// On one of the host's addresses, `ip` (binding fails on any other).
    pub fn start_at(ip: std::net::IpAddr, body: &str) -> HostHttp {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::<AtomicUsize>::default();
        let mut services = Services::default();
        services.threads.push(serve_http(
            listener,
            body.to_string(),
            services.stop.clone(),
            requests.clone(),
        ));
        HostHttp {
            port,
            body: body.to_string(),
            requests,
            services,
        }
    }

    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for HostHttp {
    fn drop(&mut self) {
        self.services.stop();
    }
}

/// Answer every GET on `listener` with `body` (HTTP/1.0, then close),
/// each connection in a thread of its own, until `stop`.
fn serve_http(
    listener: TcpListener,
    body: String,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) -> JoinHandle<()> {
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let (body, count) = (body.clone(), count.clone());
                    thread::spawn(move || answer_http(stream, &body, &count));
                }
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    })
}

/// The sink: on each connection a line `N`, then N bytes, answered
/// with `got N` (or `short M` if the sender stopped after M), until
/// `stop`.
fn serve_sink(listener: TcpListener, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    thread::spawn(move || sink(stream));
                }
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    })
}

fn sink(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = vec![0u8; 1 << 20];
    let mut head = Vec::new();
    let (want, mut got) = loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if let Some(nl) = head.iter().position(|&b| b == b'\n') {
            let want: u64 = String::from_utf8_lossy(&head[..nl])
                .trim()
                .parse()
                .unwrap_or(0);
            break (want, (head.len() - nl - 1) as u64);
        }
    };
    while got < want {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n as u64,
        }
    }
    let answer = if got >= want {
        format!("got {got}\n")
    } else {
        format!("short {got}\n")
    };
    let _ = stream.write_all(answer.as_bytes());
}

/// Read the request up to its blank line (never waiting for the
/// client's end: a client may keep its side open), answer, close.
fn answer_http(mut stream: TcpStream, body: &str, count: &AtomicUsize) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    let complete = |r: &[u8]| r.windows(4).any(|w| w == b"\r\n\r\n") || r.ends_with(b"\n\n");
    while !complete(&request) && request.len() < 65536 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let response = if request.starts_with(b"GET ") {
        count.fetch_add(1, Ordering::SeqCst);
        format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let _ = stream.write_all(response.as_bytes());
}

/// Answer each datagram on `sock` with what `answer` makes of it (none:
/// no reply), until `stop`.
fn serve_udp(
    sock: UdpSocket,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    answer: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + 'static,
) -> JoinHandle<()> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::SeqCst) {
            let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                continue;
            };
            if let Some(reply) = answer(&buf[..n]) {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = sock.send_to(&reply, peer);
            }
        }
    })
}

/// The answer to one DNS query (RFC 1035 §4): for `name`, an A record
/// `addr` (other types: no data); for any other name NXDOMAIN; for what
/// is not a standard query of one question, NOTIMP. A response (QR set)
/// or a datagram too short to be a query gets no answer.
pub(crate) fn dns_answer(query: &[u8], name: &str, addr: Ipv4Addr) -> Option<Vec<u8>> {
    let u16_at = |i: usize| Some(u16::from_be_bytes([*query.get(i)?, *query.get(i + 1)?]));
    let flags = u16_at(2)?;
    if flags & 0x8000 != 0 {
        return None;
    }
    let opcode = (flags >> 11) & 0xf;
    let reply = |rcode: u16, question: &[u8], answer: Option<[u8; 4]>| {
        let mut r = query[..2].to_vec();
        // QR, the query's opcode, AA, the query's RD, RA, the rcode.
        let flags = 0x8000 | (opcode << 11) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode;
        r.extend_from_slice(&flags.to_be_bytes());
        let qd = u16::from(!question.is_empty());
        let an = u16::from(answer.is_some());
        for count in [qd, an, 0, 0] {
            r.extend_from_slice(&count.to_be_bytes());
        }
        r.extend_from_slice(question);
        if let Some(a) = answer {
            // A pointer to the question's name, A, IN, TTL 60, 4 bytes.
            r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            r.extend_from_slice(&a);
        }
        r
    };
    if opcode != 0 || u16_at(4)? != 1 {
        return Some(reply(4, &[], None));
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(i)?);
        i += 1;
        if len == 0 {
            break;
        }
        if len & 0xc0 != 0 {
            return None; // no compression in a question
        }
        labels.push(String::from_utf8_lossy(query.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let (qtype, qclass) = (u16_at(i)?, u16_at(i + 2)?);
    let question = &query[12..i + 4];
    Some(if labels.join(".") != name {
        reply(3, question, None)
    } else if qtype == 1 && qclass == 1 {
        reply(0, question, Some(addr.octets()))
    } else {
        reply(0, question, None)
    })
}

/// The fixture itself, checked from the host with the host's own tools
/// (no berth involved): a failure here is the harness's, not berth's.
#[test]
fn remote_host_serves_http_udp_and_dns_and_goes_away() {
    if !is_root() {
        crate::util::skip("the remote host fixture needs root");
        return;
    }
    let busybox = crate::fixtures::BUSYBOX;
    let remote = RemoteHost::start();
    let r = remote.addr.to_string();
    let nc = format!("(printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 1) | {busybox} nc -w 5 {r} 8080");
    let out: Output = Cmd::new("sh").args(["-c", &nc]).ok();
    assert!(
        out.stdout.starts_with("HTTP/1.0 200 OK\r\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with(&remote.body), "{}", out.stdout);
    assert_eq!(remote.http_count(), 1);

    let out = Cmd::new(busybox)
        .args(["nslookup", REMOTE_NAME, &r])
        .timeout(Duration::from_secs(30))
        .ok();
    assert!(
        out.stdout.contains(&format!("Address: {r}")),
        "{}",
        out.stdout
    );
    let out = Cmd::new(busybox)
        .args(["nslookup", "nosuch.test", &r])
        .timeout(Duration::from_secs(30))
        .run();
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("NXDOMAIN"), "{}", out.stdout);
    assert!(remote.dns_count() >= 2, "{}", remote.dns_count());

    let sock = UdpSocket::bind("0.0.0.0:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.send_to(b"ping", (remote.addr, ECHO_PORT)).unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = sock.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from.ip()), (&b"ping"[..], remote.addr.into()));

    // Inside, the services listen on every address, loopback included.
    let out = remote
        .exec(["sh", "-c", &nc.replace(&format!(" {r} "), " 127.0.0.1 ")])
        .ok();
    assert!(out.stdout.ends_with(&remote.body), "{}", out.stdout);

    let host = HostHttp::start("from the host\n");
    let out = Cmd::new("sh")
        .args([
            "-c",
            &nc.replace(&format!("{r} 8080"), &format!("127.0.0.1 {}", host.port)),
        ])
        .ok();
    assert!(out.stdout.ends_with("from the host\n"), "{}", out.stdout);
    assert_eq!(host.count(), 1);

    let (netns, host_if) = (remote.netns.clone(), remote.host_if.clone());
    drop(remote);
    let out = Cmd::new("ip").args(["-o", "link", "show", &host_if]).run();
    assert_ne!(out.code, 0, "{host_if} left: {}", out.stdout);
    assert!(!std::path::Path::new(&format!("/run/netns/{netns}")).exists());
}
