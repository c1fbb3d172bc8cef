//! What a build lends its RUN steps without keeping: secrets (`--secret`,
//! from a file or an environment variable) and SSH agents (`--ssh`, an
//! agent's socket or key files that an agent of the build's own holds).
//!
//! A step gets them as a read-only file, an environment variable or an
//! agent socket, added to its process after its container record is
//! written: nothing of a value reaches a record, a layer, the history,
//! the cache key or a message. A secret from the environment that a step
//! reads as a file is written to a directory of this build's own in the
//! run root (a tmpfs as a rule), removed when the build ends, or by the
//! next build after a crash.

use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where a secret's value comes from.
enum Source {
    /// A file, read when a step needs it.
    File(PathBuf),
    /// An environment variable's value, read when the build starts.
    Env(String),
}

/// One `--secret`.
struct Secret {
    id: String,
    source: Source,
    /// The file a step's mount shows, once written or found.
    file: Option<PathBuf>,
}

/// One `--ssh` ID and the agent socket that serves it.
struct Agent {
    id: String,
    socket: PathBuf,
}

/// The secrets and SSH agents of one build.
pub struct Lent {
    secrets: Vec<Secret>,
    agents: Vec<Agent>,
    /// `ssh-agent`s this build started for key files.
    children: Vec<Child>,
    /// The processes that relay agents to the steps.
    relays: Vec<nix::unistd::Pid>,
    /// This build's private directory in the run root, made when needed.
    dir: Option<PathBuf>,
    runroot: PathBuf,
    /// The process that made it: a forked child (a container's monitor)
    /// that unwinds must not stop the agents or remove the directory.
    owner: u32,
}

const SECRET_USAGE: &str = "expected id=ID[,src=PATH|,env=VAR][,type=file|env]";

impl Lent {
    /// Read `--secret` and `--ssh` as given. Environment secrets are
    /// read now; agent sockets are tried, and key files loaded into an
    /// agent of this build's own.
    pub fn new(secrets: &[String], ssh: &[String], runroot: &Path) -> Result<Lent> {
        let mut lent = Lent {
            secrets: Vec::new(),
            agents: Vec::new(),
            children: Vec::new(),
            relays: Vec::new(),
            dir: None,
            runroot: runroot.to_path_buf(),
            owner: std::process::id(),
        };
        // What builds that were killed left: secrets written for their
        // steps.
        remove_stale(&runroot.join("build"));
        for s in secrets {
            let secret = parse_secret(s)?;
            if lent.secrets.iter().any(|x| x.id == secret.id) {
                bail!("--secret {}: the id is given twice", secret.id);
            }
            lent.secrets.push(secret);
        }
        for s in ssh {
            lent.add_agent(s)?;
        }
        Ok(lent)
    }

    /// Whether a secret `id` was given.
    pub fn has_secret(&self, id: &str) -> bool {
        self.secrets.iter().any(|s| s.id == id)
    }

    /// The file that shows secret `id` to a step.
    pub fn secret_file(&mut self, id: &str) -> Result<Option<PathBuf>> {
        let Some(n) = self.secrets.iter().position(|s| s.id == id) else {
            return Ok(None);
        };
        if let Some(f) = &self.secrets[n].file {
            return Ok(Some(f.clone()));
        }
        let file = match &self.secrets[n].source {
            Source::File(p) => p.clone(),
            Source::Env(var) => {
                let value = env_value(id, var)?;
                let dir = self.private_dir()?;
                let path = dir.join(format!("secret-{n}"));
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o400)
                    .open(&path)
                    .with_context(|| format!("secret {id}: writing {}", path.display()))?;
                if let Err(e) = f.write_all(value.as_bytes()) {
                    let _ = std::fs::remove_file(&path);
                    return Err(e)
                        .with_context(|| format!("secret {id}: writing {}", path.display()));
                }
                path
            }
        };
        self.secrets[n].file = Some(file.clone());
        Ok(Some(file))
    }

    /// Secret `id` as an environment variable's value.
    pub fn secret_value(&self, id: &str) -> Result<Option<String>> {
        let Some(s) = self.secrets.iter().find(|s| s.id == id) else {
            return Ok(None);
        };
        match &s.source {
            Source::Env(var) => env_value(id, var).map(Some),
            Source::File(p) => {
                let bytes =
                    std::fs::read(p).with_context(|| format!("secret {id}: {}", p.display()))?;
                if bytes.contains(&0) {
                    bail!(
                        "secret {id}: {} has a NUL byte, which no environment variable can hold",
                        p.display()
                    );
                }
                String::from_utf8(bytes).map(Some).map_err(|_| {
                    anyhow!(
                        "secret {id}: {} is not UTF-8 text, which an environment variable here must be",
                        p.display()
                    )
                })
            }
        }
    }

    /// The agent socket of `--ssh` ID `id`.
    pub fn agent(&self, id: &str) -> Option<&Path> {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.socket.as_path())
    }

    /// `--ssh default`, `--ssh ID` (both the agent of `SSH_AUTH_SOCK`),
    /// `--ssh ID=SOCKET` or `--ssh ID=KEYFILE[,KEYFILE…]`.
    fn add_agent(&mut self, arg: &str) -> Result<()> {
        let (id, paths) = match arg.split_once('=') {
            Some((id, paths)) => (id, Some(paths)),
            None => (arg, None),
        };
        if id.is_empty() || id.contains(',') {
            bail!("--ssh {arg:?}: expected default, ID, ID=SOCKET or ID=KEYFILE[,KEYFILE…]");
        }
        if self.agents.iter().any(|a| a.id == id) {
            bail!("--ssh {id}: the id is given twice");
        }
        let paths: Vec<PathBuf> = match paths {
            Some(p) => p
                .split(',')
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => match std::env::var_os("SSH_AUTH_SOCK").filter(|v| !v.is_empty()) {
                Some(s) => vec![PathBuf::from(s)],
                None => bail!("--ssh {id}: SSH_AUTH_SOCK is not set; give the agent's socket or key files with --ssh {id}=PATH"),
            },
        };
        if paths.is_empty() {
            bail!("--ssh {arg:?}: expected a socket or key files after {id}=");
        }
        let sockets = paths
            .iter()
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket()))
            .count();
        let upstream = match (sockets, paths.len()) {
            (0, _) => self.key_agent(id, &paths)?,
            (1, 1) => {
                let s = &paths[0];
                UnixStream::connect(s).with_context(|| {
                    format!(
                        "--ssh {id}: cannot connect to the SSH agent at {}",
                        s.display()
                    )
                })?;
                s.clone()
            }
            _ => bail!("--ssh {id}: give one agent socket, or key files, not both"),
        };
        let socket = self.socket_path(id, "relay")?;
        let pid = relay(&socket, upstream)
            .with_context(|| format!("--ssh {id}: serving the agent at {}", socket.display()))?;
        self.relays.push(pid);
        self.agents.push(Agent {
            id: id.to_string(),
            socket,
        });
        Ok(())
    }

    /// A socket's path in the private directory, short enough for one.
    fn socket_path(&mut self, id: &str, what: &str) -> Result<PathBuf> {
        let socket = self
            .private_dir()?
            .join(format!("{what}-{}", self.agents.len()));
        if socket.as_os_str().len() >= 108 {
            bail!(
                "--ssh {id}: the socket path {} is too long for a socket; set a shorter run root",
                socket.display()
            );
        }
        Ok(socket)
    }

    /// Start an `ssh-agent` of this build's own holding `keys`; its
    /// socket.
    fn key_agent(&mut self, id: &str, keys: &[PathBuf]) -> Result<PathBuf> {
        for k in keys {
            std::fs::File::open(k).with_context(|| {
                format!(
                    "--ssh {id}: {}: not an agent socket or a readable key file",
                    k.display()
                )
            })?;
        }
        let socket = self.socket_path(id, "agent")?;
        let missing = |e: std::io::Error, tool: &str| -> anyhow::Error {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow!("--ssh {id}: key files need {tool} (Debian's openssh-client package)")
            } else {
                anyhow!("--ssh {id}: starting {tool}: {e}")
            }
        };
        let mut cmd = Command::new("ssh-agent");
        cmd.arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // It holds the keys: it dies with berth, whatever kills berth.
        let parent = nix::unistd::getpid();
        // SAFETY: prctl and getppid are async-signal-safe; nothing else
        // runs between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent.as_raw() {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| missing(e, "ssh-agent"))?;
        self.children.push(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while UnixStream::connect(&socket).is_err() {
            let child = self.children.last_mut().expect("just pushed");
            if let Ok(Some(status)) = child.try_wait() {
                bail!("--ssh {id}: ssh-agent exited ({status}) before it listened");
            }
            if Instant::now() > deadline {
                bail!(
                    "--ssh {id}: ssh-agent did not listen on {} within 10 s",
                    socket.display()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = Command::new("ssh-add")
            .args(["-q", "--"])
            .args(keys)
            .env("SSH_AUTH_SOCK", &socket)
            .env("SSH_ASKPASS_REQUIRE", "never")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| missing(e, "ssh-add"))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            let why = why.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            bail!(
                "--ssh {id}: ssh-add could not load the key files: {}",
                why.trim()
            );
        }
        Ok(socket)
    }

    /// This build's private directory (mode 0700) in the run root. The
    /// directories of builds that are gone are removed first.
    fn private_dir(&mut self) -> Result<PathBuf> {
        if let Some(d) = &self.dir {
            return Ok(d.clone());
        }
        let base = self.runroot.join("build");
        crate::fsutil::create_dir_all(&base)?;
        let dir = base.join(crate::fsutil::unique_suffix());
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        self.dir = Some(dir.clone());
        Ok(dir)
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if std::process::id() != self.owner {
            return;
        }
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for pid in &self.relays {
            let _ = nix::sys::signal::kill(*pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(*pid, None);
        }
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// The largest agent message relayed (OpenSSH's own limit).
const MAX_MESSAGE: u32 = 256 * 1024;

/// Serve agent `upstream` at `socket` to the steps, read-only, as
/// BuildKit does: requests for the list of keys (11) and for signatures
/// (13) pass; every other one (adding, removing or locking keys,
/// extensions) is answered with SSH_AGENT_FAILURE (5). The relay is a
/// child process (the build stays single-threaded, as its forks need),
/// a thread per connection, dying with the build; its pid.
fn relay(socket: &Path, upstream: PathBuf) -> Result<nix::unistd::Pid> {
    use nix::unistd::ForkResult;
    let listener = std::os::unix::net::UnixListener::bind(socket)?;
    let parent = nix::unistd::getpid();
    // SAFETY: the build's process is single-threaded here; the child
    // runs only the relay and leaves with `_exit`.
    match unsafe { nix::unistd::fork() }.context("forking the SSH agent relay")? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            // SAFETY: plain system calls in the new process.
            unsafe {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0
                    || libc::getppid() != parent.as_raw()
                {
                    libc::_exit(1);
                }
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                for fd in 0..3 {
                    libc::dup2(null, fd);
                }
            }
            for conn in listener.incoming() {
                let Ok(conn) = conn else {
                    continue;
                };
                let upstream = upstream.clone();
                let _ = std::thread::Builder::new()
                    .name("ssh-relay".into())
                    .spawn(move || serve(conn, &upstream));
            }
            // SAFETY: leaving the child without running the parent's
            // destructors.
            unsafe { libc::_exit(0) }
        }
    }
}

/// Relay one step's connection (see [`relay`]).
fn serve(mut step: UnixStream, upstream: &Path) -> std::io::Result<()> {
    let mut agent = UnixStream::connect(upstream)?;
    loop {
        let msg = match read_message(&mut step) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        if matches!(msg.first(), Some(11 | 13)) {
            write_message(&mut agent, &msg)?;
            let reply = read_message(&mut agent)?;
            write_message(&mut step, &reply)?;
        } else {
            write_message(&mut step, &[5])?;
        }
    }
}

fn read_message(r: &mut impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > MAX_MESSAGE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "an agent message of a length out of range",
        ));
    }
    let mut msg = vec![0u8; len as usize];
    r.read_exact(&mut msg)?;
    Ok(msg)
}

fn write_message(w: &mut impl Write, msg: &[u8]) -> std::io::Result<()> {
    w.write_all(&(msg.len() as u32).to_be_bytes())?;
    w.write_all(msg)
}

/// Remove the private directories (named by a
/// [`crate::fsutil::unique_suffix`]) of builds whose process is gone.
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let gone = e
            .file_name()
            .to_str()
            .and_then(crate::fsutil::suffix_owner_alive)
            == Some(false);
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The value of environment variable `var`, for secret `id`.
fn env_value(id: &str, var: &str) -> Result<String> {
    match std::env::var_os(var) {
        None => bail!("secret {id}: environment variable {var} is not set"),
        Some(v) => v
            .into_string()
            .map_err(|_| anyhow!("secret {id}: environment variable {var} is not UTF-8")),
    }
}

/// `--secret id=ID[,src=PATH][,env=VAR][,type=file|env]`, as BuildKit
/// reads it: `env=VAR` is `type=env,src=VAR`; without a type, a secret
/// with neither a source nor a variable of its id's name is the file ID.
fn parse_secret(s: &str) -> Result<Secret> {
    let (mut id, mut src, mut kind, mut env) = (None, None, None, None);
    for part in s.split(',') {
        match part.split_once('=') {
            Some(("id", v)) if !v.is_empty() => id = Some(v.to_string()),
            Some(("src" | "source", v)) if !v.is_empty() => src = Some(v.to_string()),
            Some(("env", v)) if !v.is_empty() => env = Some(v.to_string()),
            Some(("type", v @ ("file" | "env"))) => kind = Some(v),
            Some(("type", v)) => bail!("--secret {s:?}: type {v:?}: expected file or env"),
            _ => bail!("--secret {s:?}: {SECRET_USAGE}"),
        }
    }
    let Some(id) = id else {
        bail!("--secret {s:?}: {SECRET_USAGE}");
    };
    if env.is_some() && (src.is_some() || kind == Some("file")) {
        bail!("--secret {s:?}: env=VAR names the variable; it takes no src and no type=file");
    }
    let kind = match (kind, &env) {
        (Some(k), _) => k,
        (None, Some(_)) => "env",
        (None, None) if src.is_none() && std::env::var_os(&id).is_some() => "env",
        (None, None) => "file",
    };
    let source = match kind {
        "env" => {
            let var = env.or(src).unwrap_or_else(|| id.clone());
            env_value(&id, &var)?;
            Source::Env(var)
        }
        _ => {
            let path = PathBuf::from(src.unwrap_or_else(|| id.clone()));
            if !path.is_file() {
                bail!("--secret {id}: {}: no such file", path.display());
            }
            Source::File(
                path.canonicalize()
                    .with_context(|| format!("--secret {id}: {}", path.display()))?,
            )
        }
    };
    Ok(Secret {
        id,
        source,
        file: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_forms() {
        // PATH is set in every test run; nothing here sets a variable.
        let kind = |s: &str| match parse_secret(s).map(|x| x.source) {
            Ok(Source::Env(v)) => format!("env {v}"),
            Ok(Source::File(p)) => format!("file {}", p.display()),
            Err(e) => format!("error {e}"),
        };
        assert_eq!(kind("id=a,env=PATH"), "env PATH");
        assert_eq!(kind("id=a,type=env,src=PATH"), "env PATH");
        assert_eq!(kind("id=PATH"), "env PATH");
        assert_eq!(
            kind("id=x,src=/proc/self/status").split(' ').next(),
            Some("file")
        );
        assert!(kind("id=a,env=BERTH_TEST_NOT_SET_ANYWHERE").contains("is not set"));
        assert!(kind("id=a,env=V,src=f").starts_with("error"));
        assert!(kind("id=a,type=ssh").contains("expected file or env"));
        assert!(kind("src=f").contains("expected id=ID"));
        assert!(kind("id=a,src=/nonexistent/file").contains("no such file"));
    }
}
