//! One registry's HTTP client: the `/v2/` ping (distribution-spec
//! "Determining Support"), authentication as the registry's challenge asks
//! (none, Basic, or Bearer tokens cached per scope and refreshed on 401 or
//! `insufficient_scope`), retries with exponential backoff on connection
//! errors, 5xx and 429, and timeouts on connect and on every read, so a
//! silent server gives an error, never a hang.
//!
//! Redirects (blob downloads are often redirected to a storage service,
//! `/v2/` and token endpoints sometimes to another scheme or host) are
//! followed with `Authorization` kept only for the same host: a
//! registry's credentials must never reach another server.
//!
//! An identity token (`identitytoken` in auth.json, or a credential
//! helper's user `<token>`) is an OAuth2 refresh token: tokens are then
//! asked for with `POST realm` and `grant_type=refresh_token`, as Docker
//! does (distribution's docs/spec/auth/oauth.md).
//!
//! `BERTH_REGISTRY_TIMEOUT` (seconds, default 30) sets the connect and
//! read timeouts. ureq 2 clears a connection's socket timeouts when it
//! goes back to its pool and does not set them again when the connection
//! is reused, so a registry that went silent on a kept-alive connection
//! would be waited for without end: over TLS, every read and write sets
//! the timeouts itself ([`TimedTls`]); plain HTTP (local registries)
//! keeps no connection.

use super::auth::{self, Challenge};
use super::authfile::Credentials;
use super::RegistryError;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to talk to one registry.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub credentials: Option<Credentials>,
    /// Plain HTTP is allowed (a local or `insecure` registry, or
    /// `--tls-verify=false`).
    pub allow_http: bool,
    /// Verify TLS certificates (`--tls-verify`).
    pub tls_verify: bool,
    /// Connect and read timeout.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The pause between attempts (`--retry-delay`); `None`: exponential
    /// backoff from 0.5 s.
    pub retry_delay: Option<Duration>,
    /// A directory of certificates (`--cert-dir`, else the registry's dir
    /// in `certs.d`): `*.crt` are CAs trusted besides the built-in roots,
    /// a `NAME.cert` with its `NAME.key` is the client's certificate.
    pub cert_dir: Option<std::path::PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let secs = std::env::var("BERTH_REGISTRY_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&s| s > 0)
            .unwrap_or(30);
        ClientOptions {
            credentials: None,
            allow_http: false,
            tls_verify: true,
            timeout: Duration::from_secs(secs),
            retries: 4,
            retry_delay: None,
            cert_dir: None,
        }
    }
}

/// A request body.
pub enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// Streamed with chunked transfer encoding; cannot be retried.
    Reader(Box<dyn Read + Send + 'a>),
}

#[derive(Default)]
struct AuthState {
    /// `None` until the ping; `Some(None)` when no authentication is asked.
    challenge: Option<Option<Challenge>>,
    base: Option<String>,
    /// Bearer tokens by scope key.
    tokens: HashMap<String, String>,
}

/// A client of one registry.
pub struct Client {
    /// For `https://` (connections kept, each read and write timed).
    agent: ureq::Agent,
    /// For `http://` (a new connection each time, timed from the start).
    plain: ureq::Agent,
    /// The registry as references name it (`docker.io`, `127.0.0.1:5000`).
    registry: String,
    /// The host contacted (`registry-1.docker.io` for `docker.io`).
    host: String,
    opts: ClientOptions,
    state: Mutex<AuthState>,
}

/// The host that serves a registry name (Docker Hub's API host differs).
pub fn api_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        r => r,
    }
}

impl Client {
    pub fn new(registry: &str, opts: ClientOptions) -> Result<Client> {
        let builder = || {
            ureq::AgentBuilder::new()
                .timeout_connect(opts.timeout)
                .timeout_read(opts.timeout)
                .timeout_write(opts.timeout)
                // Redirects are followed by `request`, which decides where
                // credentials may go (ureq's own check ignores the port).
                .redirects(0)
                .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")))
        };
        let config = match opts.tls_verify {
            true => verified_tls(opts.cert_dir.as_deref())?,
            false => insecure_tls()?,
        };
        let tls = TimedTls {
            config: Arc::new(config),
            timeout: opts.timeout,
        };
        Ok(Client {
            agent: builder().tls_connector(Arc::new(tls)).build(),
            plain: builder().max_idle_connections(0).build(),
            registry: registry.to_string(),
            host: api_host(registry).to_string(),
            opts,
            state: Mutex::new(AuthState::default()),
        })
    }

    pub fn registry(&self) -> &str {
        &self.registry
    }

    fn state(&self) -> std::sync::MutexGuard<'_, AuthState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `GET /v2/` without credentials, to learn the scheme (https, or http
    /// where allowed) and the challenge. Done once.
    pub fn ping(&self) -> Result<()> {
        if self.state().challenge.is_some() {
            return Ok(());
        }
        let mut schemes = vec!["https"];
        if self.opts.allow_http {
            schemes.push("http");
        }
        let mut last: Option<anyhow::Error> = None;
        // The https failure, kept when plain http then finds an https
        // server (it answers 400): the certificate is the real problem.
        let mut tls_failure: Option<anyhow::Error> = None;
        for scheme in schemes {
            let base = format!("{scheme}://{}", self.host);
            let url = format!("{base}/v2/");
            // Probing https where http is allowed: one attempt, then http.
            let retries = if scheme == "https" && self.opts.allow_http {
                0
            } else {
                self.opts.retries
            };
            match self.call_following(&url, None, None, retries) {
                Ok((resp, landed)) => {
                    let challenge = match resp.status() {
                        401 => resp
                            .all("WWW-Authenticate")
                            .into_iter()
                            .filter_map(auth::parse_challenge)
                            .max_by_key(|c| matches!(c, Challenge::Bearer { .. })),
                        200..=299 => None,
                        s => {
                            if let Some(e) = tls_failure.take() {
                                return Err(e);
                            }
                            last = Some(anyhow!(
                                "pinging {}: unexpected status {s} from {url}",
                                self.registry
                            ));
                            continue;
                        }
                    };
                    // A redirect of `/v2/` on the same host and port (http
                    // to https) moves the base; one elsewhere does not:
                    // credentials stay with the registry named.
                    let base = match redact_url(&landed).strip_suffix("/v2/") {
                        Some(b) if landed != url && authority(b) == authority(&base) => {
                            b.to_string()
                        }
                        _ => base,
                    };
                    let (scheme, realm) = match &challenge {
                        None => ("none", String::new()),
                        Some(Challenge::Basic) => ("Basic", String::new()),
                        Some(Challenge::Bearer { realm, .. }) => ("Bearer", loggable(realm)),
                    };
                    tracing::debug!(
                        registry = %self.registry,
                        base = %loggable(&base),
                        scheme,
                        realm,
                        "registry: auth challenge"
                    );
                    let mut st = self.state();
                    st.base = Some(base);
                    st.challenge = Some(challenge);
                    return Ok(());
                }
                Err(e) => {
                    let timed_out = e.downcast_ref::<RegistryError>().is_some();
                    let e = if format!("{e:#}").contains("certificate") {
                        e.context("the registry's TLS certificate is not trusted (--tls-verify=false skips the check)")
                    } else {
                        e
                    };
                    if scheme == "https" && !timed_out {
                        tls_failure = Some(anyhow!("{e:#}"));
                    }
                    last = Some(e);
                    if timed_out {
                        break;
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("pinging {}: no scheme to try", self.registry)))
    }

    /// The agent for `url`: plain HTTP keeps no connection (see the
    /// module's notes).
    fn agent_for(&self, url: &str) -> &ureq::Agent {
        match url.starts_with("http://") {
            true => &self.plain,
            false => &self.agent,
        }
    }

    /// `scheme://host`, after the ping.
    pub fn base(&self) -> Result<String> {
        self.ping()?;
        Ok(self.state().base.clone().unwrap_or_default())
    }

    /// Check that the credentials are accepted (`login`): a Basic registry
    /// must answer `/v2/` with 200, a token server must issue a token.
    pub fn check_login(&self) -> Result<()> {
        self.ping()?;
        let challenge = self.state().challenge.clone().flatten();
        match challenge {
            None => Ok(()),
            Some(Challenge::Basic) => {
                let url = format!("{}/v2/", self.base()?);
                let mut req = self.agent_for(&url).get(&url);
                if let Some(c) = &self.opts.credentials {
                    req = req.set("Authorization", &c.basic_header());
                }
                let resp = self.with_retries(&url, || req.clone().call().map_err(Box::new))?;
                match resp.status() {
                    200..=299 => Ok(()),
                    401 | 403 => Err(self.unauthorized("invalid username or password")),
                    s => Err(anyhow!("logging in to {}: status {s}", self.registry)),
                }
            }
            Some(Challenge::Bearer { .. }) => self.token(&[]).map(|_| ()),
        }
    }

    fn unauthorized(&self, detail: &str) -> anyhow::Error {
        RegistryError::Unauthorized {
            registry: self.registry.clone(),
            detail: detail.to_string(),
        }
        .into()
    }

    /// A Bearer token for `scopes`, from the cache or the token server
    /// (token.md: `GET realm?service=…&scope=…`, with Basic credentials when
    /// there are any, anonymously otherwise).
    fn token(&self, scopes: &[String]) -> Result<String> {
        let key = scopes.join(" ");
        let challenge = {
            let st = self.state();
            if let Some(t) = st.tokens.get(&key) {
                return Ok(t.clone());
            }
            st.challenge.clone().flatten()
        };
        let Some(Challenge::Bearer { realm, service, .. }) = challenge else {
            return Err(anyhow!("{}: no token server", self.registry));
        };
        let refresh = self
            .opts
            .credentials
            .as_ref()
            .and_then(|c| c.identity_token());
        tracing::debug!(
            realm = %loggable(&realm),
            service = service.as_deref(),
            scopes = %scopes.join(" "),
            credentials = if refresh.is_some() { "identity token" } else if self.opts.credentials.is_some() { "basic" } else { "none" },
            "registry: token request"
        );
        let (resp, _) = match refresh {
            Some(refresh) => {
                let form = token_form(service.as_deref(), scopes, refresh);
                self.call_following(&realm, None, Some(&form), self.opts.retries)
            }
            None => {
                let mut query: Vec<(&str, &str)> = Vec::new();
                if let Some(s) = &service {
                    query.push(("service", s));
                }
                query.extend(scopes.iter().map(|s| ("scope", s.as_str())));
                let sep = if realm.contains('?') { '&' } else { '?' };
                let url = if query.is_empty() {
                    realm.clone()
                } else {
                    format!("{realm}{sep}{}", form_encode(&query))
                };
                let basic = self.opts.credentials.as_ref().map(|c| c.basic_header());
                self.call_following(&url, basic.as_deref(), None, self.opts.retries)
            }
        }
        .with_context(|| format!("getting a token for {}", self.registry))?;
        match resp.status() {
            200..=299 => {}
            401 | 403 => {
                return Err(self.unauthorized(if refresh.is_some() {
                    "the identity token was refused"
                } else if self.opts.credentials.is_some() {
                    "invalid username or password"
                } else {
                    "the registry requires a login"
                }))
            }
            s => {
                return Err(anyhow!(
                    "getting a token for {}: status {s}: {}",
                    self.registry,
                    error_body(resp)
                ))
            }
        }
        let mut text = String::new();
        resp.into_reader()
            .take(1 << 20)
            .read_to_string(&mut text)
            .with_context(|| format!("getting a token for {}", self.registry))?;
        let t: auth::TokenResponse = serde_json::from_str(&text)
            .map_err(|_| anyhow!("getting a token for {}: malformed answer", self.registry))?;
        let token = t.into_token().ok_or_else(|| {
            anyhow!(
                "getting a token for {}: no token in the answer",
                self.registry
            )
        })?;
        tracing::debug!(scopes = %key, token = "<redacted>", "registry: token received");
        self.state().tokens.insert(key, token.clone());
        Ok(token)
    }

    /// The `Authorization` value for a request needing `scopes`.
    fn authorization(&self, scopes: &[String]) -> Result<Option<String>> {
        let challenge = self.state().challenge.clone().flatten();
        Ok(match challenge {
            None => None,
            Some(Challenge::Basic) => self.opts.credentials.as_ref().map(|c| c.basic_header()),
            Some(Challenge::Bearer { .. }) => Some(format!("Bearer {}", self.token(scopes)?)),
        })
    }

    /// Send a request to `path` (`/v2/…`, or an absolute URL the registry
    /// gave, e.g. an upload `Location`) with the authorization `scopes`
    /// need. Answers of any status are returned except 401 (refreshed once,
    /// then [`RegistryError::Unauthorized`]) and 429/5xx (retried, then an
    /// error); connection errors are retried with backoff.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        scopes: &[String],
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<ureq::Response> {
        let base = self.base()?;
        let mut url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{base}{path}")
        };
        let mut method = method;
        let mut scopes = scopes.to_vec();
        let mut body = Some(body);
        let mut refreshed = false;
        let mut redirects = 0;
        loop {
            // Credentials go only to the registry itself: same scheme, host
            // and port as the ping found (a redirect to a storage service
            // or to another port gets none).
            let same_host = authority(&url) == authority(&base) && scheme(&url) == scheme(&base);
            let authz = if same_host {
                self.authorization(&scopes)?
            } else {
                None
            };
            tracing::debug!(
                method,
                url = %loggable(&url),
                authorization = authz
                    .as_ref()
                    .map(|a| a.split(' ').next().unwrap_or_default()),
                "registry request"
            );
            let build = || {
                let mut req = self.agent_for(&url).request(method, &url);
                for (k, v) in headers {
                    req = req.set(k, v);
                }
                if let Some(a) = &authz {
                    req = req.set("Authorization", a);
                }
                req
            };
            let resp = match body.take().unwrap_or(Body::Empty) {
                Body::Empty => {
                    body = Some(Body::Empty);
                    self.with_retries(&url, || build().call().map_err(Box::new))?
                }
                Body::Bytes(b) => {
                    body = Some(Body::Bytes(b));
                    self.with_retries(&url, || build().send_bytes(b).map_err(Box::new))?
                }
                Body::Reader(r) => {
                    let started = std::time::Instant::now();
                    let result = build().send(r);
                    log_answer(&url, &result, started);
                    match result {
                        Ok(r) => r,
                        Err(ureq::Error::Status(_, r)) => r,
                        Err(ureq::Error::Transport(t)) => return Err(self.transport_error(&url, t)),
                    }
                }
            };
            if matches!(resp.status(), 301 | 302 | 303 | 307 | 308) && body.is_some() {
                if let Some(loc) = resp.header("Location") {
                    redirects += 1;
                    if redirects > 8 {
                        bail!("{}: too many redirects", redact_url(&url));
                    }
                    url = resolve_location(&url, loc);
                    if resp.status() == 303 {
                        method = "GET";
                        body = Some(Body::Empty);
                    }
                    continue;
                }
            }
            if resp.status() == 401 && !refreshed && same_host && body.is_some() {
                refreshed = true;
                // A new challenge may name a wider scope (insufficient_scope).
                let fresh = resp
                    .all("WWW-Authenticate")
                    .into_iter()
                    .filter_map(auth::parse_challenge)
                    .max_by_key(|c| matches!(c, Challenge::Bearer { .. }));
                let mut st = self.state();
                st.tokens.remove(&scopes.join(" "));
                if let Some(c) = fresh {
                    if let Challenge::Bearer { scope: Some(s), .. } = &c {
                        for one in s.split(' ') {
                            if !scopes.iter().any(|x| x == one) {
                                scopes.push(one.to_string());
                            }
                        }
                    }
                    st.challenge = Some(Some(c));
                }
                continue;
            }
            if resp.status() == 401 {
                return Err(self.unauthorized(&error_body(resp)));
            }
            return Ok(resp);
        }
    }

    /// `GET url`, or `POST` of a form when `form` is given, following
    /// redirects (at most 8; a 303, or a 301/302 of the form, turns into
    /// a `GET`); `authz` goes only to the scheme, host and port of `url`
    /// itself. The answer and the URL that gave it.
    fn call_following(
        &self,
        url: &str,
        authz: Option<&str>,
        form: Option<&str>,
        retries: u32,
    ) -> Result<(ureq::Response, String)> {
        let mut at = url.to_string();
        let mut form = form;
        for _ in 0..=8 {
            let same_host = authority(&at) == authority(url) && scheme(&at) == scheme(url);
            tracing::debug!(
                method = if form.is_some() { "POST" } else { "GET" },
                url = %loggable(&at),
                credentials = same_host && authz.is_some(),
                "registry request"
            );
            let build = || {
                let mut req = match form {
                    Some(_) => self
                        .agent_for(&at)
                        .post(&at)
                        .set("Content-Type", "application/x-www-form-urlencoded"),
                    None => self.agent_for(&at).get(&at),
                };
                if let (true, Some(a)) = (same_host, authz) {
                    req = req.set("Authorization", a);
                }
                req
            };
            let resp = self.with_retries_n(&at, retries, || match form {
                Some(f) => build().send_string(f).map_err(Box::new),
                None => build().call().map_err(Box::new),
            })?;
            match (resp.status(), resp.header("Location")) {
                (s @ (301 | 302 | 303 | 307 | 308), Some(loc)) => {
                    if !matches!(s, 307 | 308) {
                        form = None;
                    }
                    at = resolve_location(&at, loc);
                }
                _ => return Ok((resp, at)),
            }
        }
        bail!("{}: too many redirects", redact_url(url))
    }

    /// Run `call` with retries on connection errors, 429 and 5xx (with
    /// exponential backoff: 0.5 s, 1 s, 2 s, …); a timeout is not retried.
    fn with_retries(
        &self,
        url: &str,
        call: impl FnMut() -> std::result::Result<ureq::Response, Box<ureq::Error>>,
    ) -> Result<ureq::Response> {
        self.with_retries_n(url, self.opts.retries, call)
    }

    fn with_retries_n(
        &self,
        url: &str,
        retries: u32,
        mut call: impl FnMut() -> std::result::Result<ureq::Response, Box<ureq::Error>>,
    ) -> Result<ureq::Response> {
        let mut attempt = 0;
        loop {
            let last = attempt >= retries;
            let started = std::time::Instant::now();
            let result = call().map_err(|e| *e);
            log_answer(url, &result, started);
            match result {
                Ok(r) => return Ok(r),
                Err(ureq::Error::Status(s, r)) if s == 429 || s >= 500 => {
                    if last {
                        return Err(anyhow!(
                            "{}: status {s}: {}",
                            redact_url(url),
                            error_body(r)
                        ));
                    }
                }
                Err(ureq::Error::Status(_, r)) => return Ok(r),
                Err(ureq::Error::Transport(t)) => {
                    let retryable = matches!(
                        t.kind(),
                        ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Io
                    ) && !is_timeout(&t);
                    if last || !retryable {
                        return Err(self.transport_error(url, t));
                    }
                }
            }
            let pause = self
                .opts
                .retry_delay
                .unwrap_or(Duration::from_millis(500 << attempt.min(5)));
            std::thread::sleep(pause);
            attempt += 1;
        }
    }

    fn transport_error(&self, url: &str, t: ureq::Transport) -> anyhow::Error {
        // Not `t` itself: ureq's message starts with the whole URL.
        tracing::debug!(
            url = %loggable(url),
            kind = ?t.kind(),
            message = t.message().unwrap_or_default(),
            "registry: no answer"
        );
        if is_timeout(&t) {
            return RegistryError::Timeout {
                registry: self.registry.clone(),
                secs: self.opts.timeout.as_secs(),
            }
            .into();
        }
        let why = std::error::Error::source(&t)
            .map(|s| s.to_string())
            .or_else(|| t.message().map(str::to_string))
            .unwrap_or_else(|| t.kind().to_string());
        anyhow!("{}: {why}", redact_url(url))
    }
}

/// The body of an OAuth2 refresh-token request (oauth.md: "Refresh token
/// format"), as Docker sends it.
fn token_form(service: Option<&str>, scopes: &[String], refresh: &str) -> String {
    let scope = scopes.join(" ");
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", "berth"),
        ("access_type", "offline"),
    ];
    if let Some(s) = service {
        pairs.push(("service", s));
    }
    if !scope.is_empty() {
        pairs.push(("scope", &scope));
    }
    form_encode(&pairs)
}

/// `application/x-www-form-urlencoded` (also good for a query string).
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    out.push(b as char)
                }
                b => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `host:port` of a URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

fn scheme(url: &str) -> &str {
    url.split_once("://").map_or("", |(s, _)| s)
}

/// A `Location` resolved against the URL that answered (RFC 9110 §10.2.2).
fn resolve_location(from: &str, loc: &str) -> String {
    if loc.starts_with("http://") || loc.starts_with("https://") {
        return loc.to_string();
    }
    let origin = format!("{}://{}", scheme(from), authority(from));
    if loc.starts_with('/') {
        return format!("{origin}{loc}");
    }
    let path = redact_url(from);
    let dir = path.rsplit_once('/').map_or(path, |(d, _)| d);
    format!("{dir}/{loc}")
}

/// What [`get_url`] fetched.
pub struct Fetched {
    pub body: Box<dyn Read + Send>,
    /// `Last-Modified`, as Unix seconds, when the server gave one.
    pub last_modified: Option<i64>,
}

/// `GET url` outside any registry (a build context's tar or Dockerfile,
/// the source of `ADD URL`): redirects followed, TLS verified,
/// `opts.timeout` on connect and on every read, no credentials sent. An
/// answer other than 2xx is an error naming the URL and the status.
pub fn get_url(url: &str, opts: &ClientOptions) -> Result<Fetched> {
    let tls = TimedTls {
        config: Arc::new(verified_tls(None)?),
        timeout: opts.timeout,
    };
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(opts.timeout)
        .timeout_read(opts.timeout)
        .timeout_write(opts.timeout)
        .redirects(5)
        // A connection is never reused, so its timeouts always hold.
        .max_idle_connections(0)
        .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")))
        .tls_connector(Arc::new(tls))
        .build();
    let shown = redact_url(url);
    match agent.get(url).call() {
        Ok(r) => Ok(Fetched {
            last_modified: r
                .header("Last-Modified")
                .and_then(crate::image::time::parse_http_date),
            body: Box::new(Deadline {
                inner: r.into_reader(),
                secs: opts.timeout.as_secs(),
            }),
        }),
        Err(ureq::Error::Status(s, _)) => bail!("fetching {shown}: the server answered {s}"),
        Err(ureq::Error::Transport(t)) if is_timeout(&t) => bail!(
            "fetching {shown}: no answer in {} s (BERTH_REGISTRY_TIMEOUT)",
            opts.timeout.as_secs()
        ),
        Err(ureq::Error::Transport(t)) => bail!("fetching {shown}: {t}"),
    }
}

/// Whether a transport error is a timeout.
/// A body whose reads time out (the socket's read timeout) with an
/// error that says so, not `EAGAIN`'s "Resource temporarily unavailable".
struct Deadline<R> {
    inner: R,
    secs: u64,
}

impl<R: Read> Read for Deadline<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer in {} s (BERTH_REGISTRY_TIMEOUT)", self.secs),
            ),
            _ => e,
        })
    }
}

fn is_timeout(t: &ureq::Transport) -> bool {
    let mut src = std::error::Error::source(t);
    while let Some(e) = src {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                return true;
            }
        }
        src = e.source();
    }
    false
}

/// A URL for messages: without a query (upload URLs carry state tokens).
/// Log what a registry answered to a request of `url` (never a header
/// or body: tokens and credentials stay out of the log).
fn log_answer(
    url: &str,
    result: &std::result::Result<ureq::Response, ureq::Error>,
    started: std::time::Instant,
) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => tracing::debug!(
            url = %loggable(url),
            status = r.status(),
            length = r.header("Content-Length"),
            ms = format_args!("{ms:.1}"),
            "registry answer"
        ),
        Err(ureq::Error::Transport(_)) => {}
    }
}

/// `url` as the log may show it: no query (signed URLs, upload states)
/// and no `user:password@`.
fn loggable(url: &str) -> String {
    let u = redact_url(url);
    match u.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => u.to_string(),
    }
}

pub fn redact_url(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The registry's explanation of an error (distribution-spec "Error
/// Codes": `{"errors":[{"code","message"}]}`), else the status text.
pub fn error_body(resp: ureq::Response) -> String {
    let status = format!("{} {}", resp.status(), resp.status_text());
    let mut text = String::new();
    let _ = resp.into_reader().take(64 * 1024).read_to_string(&mut text);
    #[derive(serde::Deserialize)]
    struct E {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    #[derive(serde::Deserialize)]
    struct Es {
        errors: Vec<E>,
    }
    match serde_json::from_str::<Es>(&text) {
        Ok(es) if !es.errors.is_empty() => es
            .errors
            .iter()
            .map(|e| {
                if e.message.is_empty() {
                    e.code.clone()
                } else {
                    format!("{}: {}", e.code, e.message)
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => status,
    }
}

/// TLS through rustls whose connections set their socket's timeouts
/// before every read and write, also when ureq reuses them from its pool.
#[derive(Debug)]
struct TimedTls {
    config: Arc<rustls::ClientConfig>,
    timeout: Duration,
}

impl ureq::TlsConnector for TimedTls {
    fn connect(
        &self,
        dns_name: &str,
        io: Box<dyn ureq::ReadWrite>,
    ) -> std::result::Result<Box<dyn ureq::ReadWrite>, ureq::Error> {
        let inner = self.config.connect(dns_name, io)?;
        Ok(Box::new(Timed {
            inner,
            timeout: self.timeout,
        }))
    }
}

#[derive(Debug)]
struct Timed {
    inner: Box<dyn ureq::ReadWrite>,
    timeout: Duration,
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(s) = self.inner.socket() {
            s.set_read_timeout(Some(self.timeout))?;
        }
        self.inner.read(buf)
    }
}

impl std::io::Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(s) = self.inner.socket() {
            s.set_write_timeout(Some(self.timeout))?;
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl ureq::ReadWrite for Timed {
    fn socket(&self) -> Option<&std::net::TcpStream> {
        self.inner.socket()
    }
}

/// The rustls config ureq would use: the ring provider, TLS 1.2 and 1.3,
/// Mozilla's roots (webpki-roots).
fn verified_tls(cert_dir: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let certs = match cert_dir {
        Some(d) => CertDir::read(d)?,
        None => CertDir::default(),
    };
    for (path, ca) in certs.cas {
        roots
            .add(ca)
            .map_err(|e| anyhow!("CA certificate {}: {e}", path.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("setting up TLS: {e}"))?
        .with_root_certificates(roots);
    Ok(match certs.client {
        Some((path, chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| anyhow!("client certificate {}: {e}", path.display()))?,
        None => builder.with_no_client_auth(),
    })
}

type Cert = rustls::pki_types::CertificateDer<'static>;

/// What a certificate directory holds, read as containers/image reads
/// one: every `*.crt` is a CA; `NAME.cert` and `NAME.key` go together
/// (either without the other is an error); other files are ignored.
#[derive(Default)]
struct CertDir {
    cas: Vec<(std::path::PathBuf, Cert)>,
    client: Option<(
        std::path::PathBuf,
        Vec<Cert>,
        rustls::pki_types::PrivateKeyDer<'static>,
    )>,
}

impl CertDir {
    fn read(dir: &std::path::Path) -> Result<CertDir> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::PrivateKeyDer;
        let rd =
            std::fs::read_dir(dir).map_err(|e| anyhow!("--cert-dir {}: {e}", dir.display()))?;
        let mut names: Vec<std::path::PathBuf> =
            rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        let pem = |p: &std::path::Path| -> Result<Vec<Cert>> {
            let certs = Cert::pem_file_iter(p)
                .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| anyhow!("certificate {}: {e}", p.display()))?;
            if certs.is_empty() {
                bail!("certificate {}: no PEM certificate in it", p.display());
            }
            Ok(certs)
        };
        let mut out = CertDir::default();
        for p in &names {
            match p.extension().and_then(|e| e.to_str()) {
                Some("crt") => {
                    for c in pem(p)? {
                        out.cas.push((p.clone(), c));
                    }
                }
                Some("cert") => {
                    let key = p.with_extension("key");
                    if !key.exists() {
                        bail!(
                            "missing key {} for client certificate {} (a CA certificate's name ends in .crt)",
                            key.display(),
                            p.display()
                        );
                    }
                    let k = PrivateKeyDer::from_pem_file(&key)
                        .map_err(|e| anyhow!("key {}: {e}", key.display()))?;
                    out.client = Some((p.clone(), pem(p)?, k));
                }
                Some("key") if !p.with_extension("cert").exists() => bail!(
                    "missing client certificate {} for key {}",
                    p.with_extension("cert").display(),
                    p.display()
                ),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The certificate directory of `registry` when there is one: Podman's
/// `$HOME/.config/containers/certs.d/REGISTRY` (not as root), else
/// `/etc/containers/certs.d/REGISTRY`.
pub fn default_cert_dir(registry: &str) -> Option<std::path::PathBuf> {
    let mut dirs = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(std::path::Path::new(&home).join(".config/containers/certs.d"));
        }
    }
    dirs.push("/etc/containers/certs.d".into());
    dirs.into_iter()
        .map(|d| d.join(registry))
        .find(|d| d.is_dir())
}

/// A rustls config that accepts any certificate (`--tls-verify=false`).
fn insecure_tls() -> Result<rustls::ClientConfig> {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    #[derive(Debug)]
    struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);
    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("setting up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_urls_keep_no_query_or_credentials() {
        assert_eq!(
            loggable("https://u:p@cdn.example/blob/x?X-Amz-Signature=s"),
            "https://cdn.example/blob/x"
        );
        assert_eq!(
            loggable("http://127.0.0.1:5000/v2/"),
            "http://127.0.0.1:5000/v2/"
        );
        assert_eq!(loggable("https://a@b"), "https://b");
    }

    #[test]
    fn refresh_token_form_is_what_docker_sends() {
        let scopes = vec![
            "repository:a/b:pull,push".to_string(),
            "repository:c:pull".to_string(),
        ];
        assert_eq!(
            token_form(Some("reg.example"), &scopes, "r3fr+sh/="),
            "grant_type=refresh_token&refresh_token=r3fr%2Bsh%2F%3D&client_id=berth\
             &access_type=offline&service=reg.example\
             &scope=repository%3Aa%2Fb%3Apull%2Cpush%20repository%3Ac%3Apull"
        );
        assert_eq!(
            token_form(None, &[], "t"),
            "grant_type=refresh_token&refresh_token=t&client_id=berth&access_type=offline"
        );
    }

    #[test]
    fn locations_resolve_against_the_url_that_answered() {
        assert_eq!(
            resolve_location("http://a:1/v2/?x=1", "https://b/v2/"),
            "https://b/v2/"
        );
        assert_eq!(
            resolve_location("http://a:1/v2/x", "/token"),
            "http://a:1/token"
        );
    }
}
