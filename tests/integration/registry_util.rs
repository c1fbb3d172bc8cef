//! Real registries for the registry tests, all on 127.0.0.1 and free
//! ports: Debian's `docker-registry` (distribution 2.8) started with a
//! generated config (open, htpasswd Basic auth, or Bearer token auth
//! trusting a certificate made here), a small token server (JWTs signed
//! ES256 with that certificate's key, `x5c` header, as distribution's
//! token.md describes), and a fault-injecting HTTP proxy (cut a blob in
//! the middle, corrupt it, answer 500, or never answer). Every process
//! and thread started here stops when its handle is dropped; every wait is
//! bounded.

use crate::util::require_tool;
use base64::Engine as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const USER: &str = "berthuser";
pub const PASSWORD: &str = "s3cret-pass";
const ISSUER: &str = "berth-test-issuer";
const SERVICE: &str = "berth-test-registry";

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// How the registry authenticates.
pub enum Auth {
    None,
    Basic,
    Token,
}

/// A running `docker-registry`.
pub struct Registry {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    _token: Option<TokenServer>,
}

impl Registry {
    pub fn start(auth: Auth) -> Registry {
        Registry::start_with(auth, false, None)
    }

    /// A registry serving HTTPS with a self-signed certificate.
    pub fn start_tls() -> Registry {
        Registry::start_with(Auth::None, true, None)
    }

    /// As `start_tls`, and only clients with a certificate signed by the
    /// CA in the PEM file `client_ca` are served.
    pub fn start_tls_for_clients_of(client_ca: &Path) -> Registry {
        Registry::start_with(Auth::None, true, Some(client_ca))
    }

    /// The PEM file of the server's (self-signed) certificate.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    fn start_with(auth: Auth, tls: bool, client_ca: Option<&Path>) -> Registry {
        let bin = require_tool("docker-registry");
        let dir = tempfile::Builder::new()
            .prefix("berth-registry-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let mut token = None;
        let auth_yaml = match auth {
            Auth::None => String::new(),
            Auth::Basic => {
                let hash = bcrypt::hash(PASSWORD, 5).unwrap();
                std::fs::write(dir.path().join("htpasswd"), format!("{USER}:{hash}\n")).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: berth-test\n    path: {}\n",
                    dir.path().join("htpasswd").display()
                )
            }
            Auth::Token => {
                let t = TokenServer::start(dir.path());
                let s = format!(
                    "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                    t.port,
                    t.cert_path.display()
                );
                token = Some(t);
                s
            }
        };
        let tls_yaml = if tls {
            let key = rcgen::KeyPair::generate().unwrap();
            let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
            let cert = params.self_signed(&key).unwrap();
            std::fs::write(dir.path().join("tls.crt"), cert.pem()).unwrap();
            std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).unwrap();
            let clientcas = client_ca
                .map(|p| format!("    clientcas:\n      - {}\n", p.display()))
                .unwrap_or_default();
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n{clientcas}",
                dir.path().join("tls.crt").display(),
                dir.path().join("tls.key").display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  formatter: text\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: berth-test-secret\n{tls_yaml}{auth_yaml}",
            dir.path().join("data").display()
        );
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting docker-registry");
        let reg = Registry {
            child,
            port,
            dir,
            _token: token,
        };
        reg.wait_ready();
        reg
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start:\n{}", self.log());
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// The number of requests whose log line has all of `needles`.
    pub fn count_requests(&self, needles: &[&str]) -> usize {
        self.log()
            .lines()
            .filter(|l| l.contains("\"") && needles.iter().all(|n| l.contains(n)))
            .count()
    }

    /// Layer uploads: berth streams each layer with one PATCH.
    pub fn layer_uploads(&self) -> usize {
        self.count_requests(&["\"PATCH /v2/"])
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A token server (token.md): Basic credentials `USER:PASSWORD` get what
/// they ask for; anonymous requests get `pull` only; wrong credentials 401.
pub struct TokenServer {
    pub port: u16,
    pub cert_path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl TokenServer {
    fn start(dir: &Path) -> TokenServer {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key = rcgen::KeyPair::try_from(pkcs8.as_ref()).unwrap();
        let params = rcgen::CertificateParams::new(vec!["berth-token".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let cert_path = dir.join("token-cert.pem");
        std::fs::write(&cert_path, cert.pem()).unwrap();
        let x5c = base64::engine::general_purpose::STANDARD.encode(cert.der());
        let signer =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = serve_token(s, &signer, &x5c);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TokenServer {
            port,
            cert_path,
            stop,
        }
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Read a request head: the request line and headers (lower-cased names).
/// A TLS ClientHello (berth probes https first even where plain HTTP is
/// allowed) gets `None` at once, so the probe fails fast instead of waiting
/// for a line end that may never come.
fn read_head(r: &mut impl BufRead) -> Option<(String, Vec<(String, String)>)> {
    if r.fill_buf().ok()?.first() == Some(&0x16) {
        return None;
    }
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let request = line.trim_end().to_string();
    let mut headers = Vec::new();
    for _ in 0..200 {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            return Some((request, headers));
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    None
}

fn serve_token(
    s: TcpStream,
    signer: &ring::signature::EcdsaKeyPair,
    x5c: &str,
) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut r = BufReader::new(s.try_clone()?);
    let Some((request, headers)) = read_head(&mut r) else {
        return Ok(());
    };
    let target = request.split(' ').nth(1).unwrap_or("");
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let scopes: Vec<String> = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("scope="))
        .map(|v| {
            v.replace("%3A", ":")
                .replace("%2F", "/")
                .replace("%2C", ",")
        })
        .collect();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    let authz = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str());
    let mut w = s;
    let (subject, full) = match authz {
        None => ("", false),
        Some(a) if a == expected => (USER, true),
        Some(_) => {
            let body = r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#;
            write!(
                w,
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
            return Ok(());
        }
    };
    let access: Vec<serde_json::Value> = scopes
        .iter()
        .filter_map(|s| {
            let mut p = s.splitn(3, ':');
            let (typ, name, actions) = (p.next()?, p.next()?, p.next()?);
            let actions: Vec<&str> = actions
                .split(',')
                .filter(|a| full || *a == "pull")
                .collect();
            Some(serde_json::json!({"type": typ, "name": name, "actions": actions}))
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "x5c": [x5c]});
    let claims = serde_json::json!({
        "iss": ISSUER, "sub": subject, "aud": SERVICE,
        "exp": now + 600, "nbf": now - 60, "iat": now,
        "jti": format!("{now}-{}", std::process::id()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = signer
        .sign(&ring::rand::SystemRandom::new(), signing_input.as_bytes())
        .unwrap();
    let token = format!("{signing_input}.{}", b64url(sig.as_ref()));
    let body = serde_json::json!({"token": token, "expires_in": 600}).to_string();
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    Ok(())
}

/// What the fault proxy does to the requests it forwards.
#[derive(Default)]
pub struct Faults {
    /// Cut the next N blob downloads after half their body.
    pub cut_blobs: usize,
    /// Stall the next N blob downloads after half their body: send
    /// nothing more, keep the connection open.
    pub stall_blobs: usize,
    /// Flip a byte in every blob download whose path has this digest.
    pub corrupt_digest: Option<String>,
    /// Answer the next N requests with 500.
    pub fail_500: usize,
    /// Accept connections and never answer.
    pub silent: bool,
    /// Announce `OCI-Chunk-Min-Length: N` on every upload opened
    /// (distribution-spec 1.1), as a registry that requires chunks does.
    pub chunk_min_length: Option<u64>,
    /// Stall every download of the blob with this digest after half its
    /// body, as `stall_blobs` does (whatever its size).
    pub stall_digest: Option<String>,
    /// Answer every request that carries credentials (an `Authorization`
    /// header) with this status and a registry error body, without
    /// forwarding it: a registry failing after the login was accepted.
    pub fail_authorized: Option<u16>,
}

/// An HTTP proxy in front of a registry, one request per connection.
pub struct FaultProxy {
    pub port: u16,
    /// Request lines seen, with a `Range` header noted.
    pub seen: Arc<Mutex<Vec<String>>>,
    /// Blob downloads stalled so far (counted once the half body is sent).
    stalled: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    pub fn start(upstream: u16, faults: Faults) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let faults = Arc::new(Mutex::new(faults));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stalled = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (f2, s2, n2, stop2) = (faults.clone(), seen.clone(), stalled.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((c, _)) => {
                        let (f, s, n, st) = (f2.clone(), s2.clone(), n2.clone(), stop2.clone());
                        std::thread::spawn(move || {
                            let _ = c.set_nonblocking(false);
                            let _ = proxy_one(c, upstream, &f, &s, &n, &st);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FaultProxy {
            port,
            seen,
            stalled,
            stop,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Wait (up to `limit`, a hang guard) until `n` blob downloads have
    /// been stalled: the client then holds half a blob and waits for the
    /// rest. Panics with `what` when that does not happen in time.
    #[track_caller]
    pub fn wait_stalled(&self, n: usize, limit: Duration, what: &str) {
        let start = Instant::now();
        while self.stalled.load(Ordering::SeqCst) < n {
            assert!(
                start.elapsed() < limit,
                "{what}: no blob download was stalled within {limit:?}; requests seen: {:#?}",
                self.seen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Keep a connection open, sending nothing, until the client closes it,
/// the proxy stops, or two minutes pass.
fn hold_open(w: &TcpStream, stop: &AtomicBool) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    w.set_read_timeout(Some(Duration::from_millis(10)))?;
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let mut b = [0u8; 1];
        if let Ok(0) = w.peek(&mut b) {
            break;
        }
    }
    Ok(())
}

fn proxy_one(
    client: TcpStream,
    upstream: u16,
    faults: &Mutex<Faults>,
    seen: &Mutex<Vec<String>>,
    stalled: &AtomicUsize,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut r = BufReader::new(client.try_clone()?);
    let Some((request, headers)) = read_head(&mut r) else {
        return Ok(());
    };
    let range = headers
        .iter()
        .find(|(k, _)| k == "range")
        .map(|(_, v)| v.clone());
    let content_range = headers
        .iter()
        .find(|(k, _)| k == "content-range")
        .map(|(_, v)| v.clone());
    seen.lock().unwrap().push(match (&range, &content_range) {
        (Some(rg), _) => format!("{request} [Range: {rg}]"),
        (None, Some(cr)) => format!("{request} [Content-Range: {cr}]"),
        (None, None) => request.clone(),
    });
    let mut w = client;
    {
        let mut f = faults.lock().unwrap();
        if f.silent {
            drop(f);
            hold_open(&w, stop)?;
            return Ok(());
        }
        if f.fail_500 > 0 {
            f.fail_500 -= 1;
            w.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            return Ok(());
        }
        let authorized = headers.iter().any(|(k, _)| k == "authorization");
        if let (true, Some(status)) = (authorized, f.fail_authorized) {
            let body = r#"{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}"#;
            write!(
                w,
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
            return Ok(());
        }
    }
    // Forward with `Connection: close`, so the answer ends at EOF; a
    // chunked body (a streamed upload) is forwarded whole, with its length.
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        read_chunked(&mut r)?
    } else {
        let body_len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; body_len];
        r.read_exact(&mut body)?;
        body
    };
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    up.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{request}\r\n");
    for (k, v) in &headers {
        if k != "connection" && k != "transfer-encoding" && !(chunked && k == "content-length") {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if chunked {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(resp.len());
    let opens_upload = request.starts_with("POST ") && request.contains("/blobs/uploads/");
    if let (true, Some(n)) = (opens_upload, faults.lock().unwrap().chunk_min_length) {
        if resp.starts_with(b"HTTP/1.1 202") {
            let at = resp.windows(2).position(|w| w == b"\r\n").unwrap_or(0) + 2;
            let line = format!("OCI-Chunk-Min-Length: {n}\r\n");
            resp.splice(at..at, line.into_bytes());
        }
    }
    let is_blob_get = request.starts_with("GET ") && request.contains("/blobs/sha256:");
    let ok = resp.starts_with(b"HTTP/1.1 20");
    if is_blob_get && ok && split < resp.len() {
        let mut f = faults.lock().unwrap();
        if let Some(d) = &f.corrupt_digest {
            if request.contains(d.as_str()) {
                let last = resp.len() - 1;
                resp[last] ^= 0x55;
            }
        }
        let stall_this = f
            .stall_digest
            .as_ref()
            .is_some_and(|d| request.contains(d.as_str()));
        if stall_this || (f.stall_blobs > 0 && resp.len() - split > 1024) {
            if !stall_this {
                f.stall_blobs -= 1;
            }
            let cut = split + (resp.len() - split) / 2;
            drop(f);
            w.write_all(&resp[..cut])?;
            w.flush()?;
            stalled.fetch_add(1, Ordering::SeqCst);
            hold_open(&w, stop)?;
            return Ok(());
        }
        if f.cut_blobs > 0 && resp.len() - split > 1024 {
            f.cut_blobs -= 1;
            let cut = split + (resp.len() - split) / 2;
            drop(f);
            w.write_all(&resp[..cut])?;
            w.flush()?;
            let _ = w.shutdown(Shutdown::Both);
            return Ok(());
        }
    }
    w.write_all(&resp)?;
    w.flush()?;
    let _ = w.shutdown(Shutdown::Write);
    Ok(())
}

/// A `Transfer-Encoding: chunked` body, whole.
fn read_chunked(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let n = usize::from_str_radix(size, 16)
            .map_err(|_| std::io::Error::other(format!("bad chunk size {line:?}")))?;
        let at = body.len();
        body.resize(at + n, 0);
        r.read_exact(&mut body[at..])?;
        let mut crlf = String::new();
        r.read_line(&mut crlf)?;
        if n == 0 {
            return Ok(body);
        }
    }
}

/// What a [`FakeServer`] handler answers: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A request as a [`FakeServer`] saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, when sent with a `Content-Length`.
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Seen) -> Answer + Send + Sync;

/// A tiny HTTP server answering each request (one per connection) with
/// `handler`, recording what it saw: for behaviour no real registry shows
/// on demand (redirects to another host).
pub struct FakeServer {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((c, _)) => {
                        let (h, s) = (handler.clone(), seen2.clone());
                        std::thread::spawn(move || {
                            let _ = c.set_nonblocking(false);
                            let _ = serve_fake(c, &*h, &s);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeServer { port, seen, stop }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve_fake(c: TcpStream, handler: &Handler, seen: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    c.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut r = BufReader::new(c.try_clone()?);
    let Some((request, headers)) = read_head(&mut r) else {
        return Ok(());
    };
    let mut parts = request.split(' ');
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    r.read_exact(&mut body)?;
    let req = Seen {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        headers,
        body,
    };
    seen.lock().unwrap().push(req.clone());
    let (status, hdrs, body) = handler(&req);
    let mut w = c;
    let mut head = format!("HTTP/1.1 {status} X\r\n");
    for (k, v) in hdrs {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    w.write_all(head.as_bytes())?;
    if req.method != "HEAD" {
        w.write_all(&body)?;
    }
    w.flush()?;
    let _ = w.shutdown(Shutdown::Write);
    Ok(())
}

/// A registry that answers on kept-alive connections until a request
/// whose line contains `stall`, which it never answers (the connection
/// stays open): the ping and whatever comes before work, the request
/// after them waits on a connection from the client's pool. Over TLS
/// (a self-signed certificate for 127.0.0.1) when `tls`; without, a TLS
/// handshake is answered 400 as Go's HTTP server answers it, so that a
/// client probing https first goes on to plain HTTP.
pub struct SilentAfter {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Set once a request that holds `stall` has come.
    stalled: Arc<AtomicBool>,
}

impl SilentAfter {
    pub fn start(stall: &'static str, tls: bool) -> SilentAfter {
        Self::serve(stall, tls, false)
    }

    /// A registry whose ping asks for a Bearer token from its own
    /// `/token`, which never answers.
    pub fn start_token_silent(tls: bool) -> SilentAfter {
        Self::serve("/token", tls, true)
    }

    fn serve(stall: &'static str, tls: bool, challenge: bool) -> SilentAfter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let scheme = if tls { "https" } else { "http" };
        let realm: Option<Arc<str>> =
            challenge.then(|| format!("{scheme}://127.0.0.1:{port}/token").into());
        let stop = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(AtomicBool::new(false));
        let stalled2 = stalled.clone();
        let config = tls.then(|| {
            let key = rcgen::KeyPair::generate().unwrap();
            let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
            let cert = params.self_signed(&key).unwrap();
            let der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Arc::new(
                rustls::ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_no_client_auth()
                    .with_single_cert(vec![cert.der().clone()], der)
                    .unwrap(),
            )
        });
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((c, _)) => {
                        let (config, stop) = (config.clone(), stop2.clone());
                        let realm = realm.clone();
                        let stalled = stalled2.clone();
                        std::thread::spawn(move || {
                            let _ = c.set_nonblocking(false);
                            let _ = c.set_read_timeout(Some(Duration::from_millis(200)));
                            match config {
                                Some(cfg) => {
                                    let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                                        return;
                                    };
                                    let s = rustls::StreamOwned::new(conn, c);
                                    serve_until_stall(s, stall, realm.as_deref(), &stop, &stalled);
                                }
                                None => {
                                    serve_until_stall(c, stall, realm.as_deref(), &stop, &stalled)
                                }
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SilentAfter {
            port,
            stop,
            stalled,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Whether the request it stalls on has come.
    pub fn stalled(&self) -> bool {
        self.stalled.load(Ordering::SeqCst)
    }
}

impl Drop for SilentAfter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Answer each request's head with `200 {}` on one connection, kept
/// alive, until one whose line holds `stall`: from then on read and
/// answer nothing until the client leaves or the server stops. With a
/// `realm`, the ping is answered 401 with a Bearer challenge naming it.
/// Reads time out every 200 ms so that `stop` is seen.
fn serve_until_stall<S: Read + Write>(
    mut s: S,
    stall: &str,
    realm: Option<&str>,
    stop: &AtomicBool,
    seen_stall: &AtomicBool,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut stalled = false;
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return,
            // A TLS handshake on the plain port (a client probing https
            // first): answered as Go's HTTP server answers it, so that
            // the client goes on to plain HTTP.
            Ok(_) if head.is_empty() && !stalled && buf[0] == 0x16 => {
                let _ = s.write_all(
                    b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
                );
                return;
            }
            Ok(n) if !stalled => head.extend_from_slice(&buf[..n]),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
        while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let request: Vec<u8> = head.drain(..end + 4).collect();
            let line = String::from_utf8_lossy(&request)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            if line.contains(stall) {
                stalled = true;
                seen_stall.store(true, Ordering::SeqCst);
                break;
            }
            let answer = match realm {
                Some(realm) if line.starts_with("GET /v2/ ") => format!(
                    "HTTP/1.1 401 Unauthorized\r\nDocker-Distribution-API-Version: registry/2.0\r\n\
                     WWW-Authenticate: Bearer realm=\"{realm}\",service=\"silent\"\r\n\
                     Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
                ),
                _ => "HTTP/1.1 200 OK\r\nDocker-Distribution-API-Version: registry/2.0\r\n\
                      Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                    .to_string(),
            };
            if s.write_all(answer.as_bytes())
                .and_then(|_| s.flush())
                .is_err()
            {
                return;
            }
        }
    }
}
