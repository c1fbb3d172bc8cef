//! The harness every integration test uses: a fresh temporary directory per
//! test with its own store (`TestEnv`), a builder for running the real
//! `berth` binary (and the peers Podman and Skopeo) with a hermetic
//! environment (`Cmd`), assertions on exit codes that print everything on
//! failure, and the unprivileged users that rootless tests run as
//! (`Rootless`). Tests run as root (DESIGN.md §6); a rootless case runs
//! berth as a test user created here, never by skipping.

#![allow(dead_code)] // not every test module uses every helper

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long one command may run before it is killed and the test fails.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Where files shared by all tests of all runs live: the copy of the binary
/// that unprivileged users can execute, the users' lock, their test dirs.
/// World-readable, owned by root.
const SHARED_BASE: &str = "/tmp/berth-tests";

/// The `PATH` given to every command: the system's tools, nothing of the
/// developer's own.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Variables passed through from the test runner to commands, for debugging.
const PASSED_THROUGH: &[&str] = &["RUST_BACKTRACE", "RUST_LOG", "LANG", "LC_ALL", "TZ"];

/// True when the suite runs in CI, where a skipped test is a failure
/// (STYLE.md, "Tests").
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Report that a test cannot run here. Loud on stderr; in CI a panic,
/// because there the machine is expected to have everything.
#[track_caller]
pub fn skip(why: &str) {
    if in_ci() {
        panic!("test would be SKIPPED, which CI does not allow: {why}");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
}

/// True when the tests run as root (they are meant to, see DESIGN.md §6).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// One test's world: a fresh temporary directory holding `root/` and
/// `runroot/` for berth, also used as `HOME` and as the working directory of
/// every command, so relative paths such as `save -o out.tar` land here.
/// Dropping it unmounts anything left mounted below it and removes it.
pub struct TestEnv {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    user: Option<Rootless>,
}

impl TestEnv {
    /// A fresh environment for commands run as the current user (root).
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("berth-test-")
            .tempdir()
            .expect("creating the test's temporary directory");
        let path = dir.path().to_path_buf();
        for sub in ["root", "runroot"] {
            fs::create_dir(path.join(sub)).expect("creating root/ and runroot/");
        }
        TestEnv {
            dir: Some(dir),
            path,
            user: None,
        }
    }

    /// A fresh environment owned by `user`, below a world-accessible parent
    /// so that the user can reach it.
    fn for_user(user: &Rootless) -> TestEnv {
        let envs = shared_base().join("envs");
        fs::create_dir_all(&envs).expect("creating the users' test dir parent");
        fs::set_permissions(&envs, fs::Permissions::from_mode(0o755)).unwrap();
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", user.name))
            .tempdir_in(&envs)
            .expect("creating the user's temporary directory");
        let path = dir.path().to_path_buf();
        for sub in ["root", "runroot", ".local/share"] {
            fs::create_dir_all(path.join(sub)).unwrap();
        }
        // The user owns the dir (berth may write `save -o` outputs there)
        // and its store dirs; fixtures the test writes as root stay
        // root-owned and world-readable.
        for p in [
            path.clone(),
            path.join("root"),
            path.join("runroot"),
            path.join(".local"),
            path.join(".local/share"),
        ] {
            chown(&p, user.uid, user.gid);
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        TestEnv {
            dir: Some(dir),
            path,
            user: Some(user.clone()),
        }
    }

    /// The temporary directory (also `HOME` and the working directory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `path()/name`, for fixture files and outputs.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    /// The directory passed as `--root`.
    pub fn root(&self) -> PathBuf {
        self.path.join("root")
    }

    /// The directory passed as `--runroot`.
    pub fn runroot(&self) -> PathBuf {
        self.path.join("runroot")
    }

    /// The user the commands of this environment run as (`None`: the test
    /// runner itself, root).
    pub fn user(&self) -> Option<&Rootless> {
        self.user.as_ref()
    }

    /// The real `berth` binary with `--root` and `--runroot` of this
    /// environment, then `args`.
    pub fn berth<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.berth_bare(["--root".as_ref(), self.root().as_os_str()])
            .args(["--runroot".as_ref(), self.runroot().as_os_str()])
            .args(args)
    }

    /// The real `berth` binary with only `args`: no `--root`/`--runroot`,
    /// for tests of the default locations (which then lie below `HOME`,
    /// `XDG_DATA_HOME` or the runtime dir of this environment).
    pub fn berth_bare<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let bin = match &self.user {
            Some(_) => shared_berth_binary(),
            None => PathBuf::from(env!("CARGO_BIN_EXE_berth")),
        };
        self.command(bin).args(args)
    }

    /// `program` with this environment's hermetic variables, working dir and
    /// user.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Cmd {
        let mut cmd = Cmd::new(program);
        cmd.inner.current_dir(&self.path).env("HOME", &self.path);
        match &self.user {
            None => {
                cmd.inner.env("USER", "root").env("LOGNAME", "root");
            }
            Some(u) => {
                cmd.inner
                    .uid(u.uid)
                    .gid(u.gid)
                    .env("USER", &u.name)
                    .env("LOGNAME", &u.name)
                    .env("XDG_RUNTIME_DIR", u.runtime_dir())
                    .env("XDG_DATA_HOME", self.path.join(".local/share"));
                cmd.user = Some(u.name.clone());
            }
        }
        cmd
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        unmount_below(&self.path);
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_path_buf();
            if let Err(e) = dir.close() {
                // Do not panic in drop (it may run while a test already
                // panics); leaving a temp dir behind is only untidy.
                eprintln!("warning: removing test dir {}: {e}", path.display());
            }
        }
    }
}

/// Lazily unmount, deepest first, every mount point at or below `dir` in
/// this mount namespace, so that a failed test cannot make the removal of
/// its directory fail or leave mounts behind.
fn unmount_below(dir: &Path) {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let mut points: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(berth::runtime::rootfs::unescape_mountinfo(p)))
        .filter(|p| p.starts_with(dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for p in points {
        let _ = nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// A command to run, built like `std::process::Command`. The environment
/// starts empty (no `BERTH_*`, no `XDG_*`, no credentials of the developer)
/// with only `PATH` and a few debugging variables passed through; stdin is
/// empty unless given; stdout and stderr are captured.
pub struct Cmd {
    inner: Command,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    user: Option<String>,
}

impl Cmd {
    /// `program` with a hermetic environment, run as the test runner.
    pub fn new(program: impl AsRef<OsStr>) -> Cmd {
        let mut inner = Command::new(program);
        inner.env_clear().env("PATH", SYSTEM_PATH);
        for var in PASSED_THROUGH {
            if let Some(v) = std::env::var_os(var) {
                inner.env(var, v);
            }
        }
        // Its own process group, so that a timeout kills what it started.
        inner.process_group(0);
        Cmd {
            inner,
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
            user: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Set an environment variable (e.g. `BERTH_ROOT` in tests of it).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.inner.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Cmd {
        self.inner.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.inner.current_dir(dir);
        self
    }

    /// Feed these bytes on stdin (then close it).
    pub fn stdin_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kill the command and fail the test after this long (default 300 s).
    pub fn timeout(mut self, timeout: Duration) -> Cmd {
        self.timeout = timeout;
        self
    }

    /// The command line, for messages.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(&format!("[as {u}] "));
        }
        s.push_str(&shell_quote(self.inner.get_program()));
        for a in self.inner.get_args() {
            s.push(' ');
            s.push_str(&shell_quote(a));
        }
        s
    }

    /// Start the command without waiting, for concurrency tests.
    #[track_caller]
    pub fn spawn(mut self) -> Running {
        let describe = self.describe();
        self.inner
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match self.inner.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start `{describe}`: {e}"),
        };
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().unwrap();
            // A command that exits without reading all of stdin is the
            // command's business; a broken pipe here is not a test failure.
            thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            });
        }
        let so_far = Arc::new(Mutex::new(Vec::new()));
        let stdout = reader_thread(child.stdout.take().unwrap(), Some(so_far.clone()));
        let stderr = reader_thread(child.stderr.take().unwrap(), None);
        Running {
            child,
            describe,
            stdout,
            stdout_so_far: so_far,
            stderr,
            started: Instant::now(),
            timeout: self.timeout,
        }
    }

    /// Run to completion, whatever the exit code.
    #[track_caller]
    pub fn run(self) -> Output {
        self.spawn().wait()
    }

    /// Run and assert exit code 0; on failure print the command, its exit
    /// code, stdout and stderr.
    #[track_caller]
    pub fn ok(self) -> Output {
        self.spawn().ok()
    }

    /// Run and assert exit code `code`.
    #[track_caller]
    pub fn fails(self, code: i32) -> Output {
        self.spawn().fails(code)
    }
}

fn shell_quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@+,%".contains(&b))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Read `r` to its end and send all of it; `so_far` (if any) sees each
/// piece as it comes.
fn reader_thread<R: Read + Send + 'static>(
    mut r: R,
    so_far: Option<Arc<Mutex<Vec<u8>>>>,
) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match r.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(s) = &so_far {
                        s.lock().unwrap().extend_from_slice(&chunk[..n]);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(buf);
    });
    rx
}

/// A started command (`Cmd::spawn`).
pub struct Running {
    child: Child,
    describe: String,
    stdout: mpsc::Receiver<Vec<u8>>,
    stdout_so_far: Arc<Mutex<Vec<u8>>>,
    stderr: mpsc::Receiver<Vec<u8>>,
    started: Instant,
    timeout: Duration,
}

impl Running {
    /// The process id (also its process group id).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// What it has written to stdout so far (it still runs).
    pub fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout_so_far.lock().unwrap()).into_owned()
    }

    /// Wait for the command, whatever its exit code. Fails the test when it
    /// runs past its timeout, or when something it left running still holds
    /// its stdout or stderr after it exited (a daemon that did not detach).
    #[track_caller]
    pub fn wait(mut self) -> Output {
        let mut nap = Duration::from_millis(1);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {}
                Err(e) => panic!("waiting for `{}`: {e}", self.describe),
            }
            if self.started.elapsed() > self.timeout {
                // The whole process group: berth and whatever it started.
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(self.child.id() as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stdout = self
                    .stdout
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                let stderr = self
                    .stderr
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                panic!(
                    "`{}` did not finish within {:?} and was killed\n{}",
                    self.describe,
                    self.timeout,
                    dump(&stdout, &stderr)
                );
            }
            thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(20));
        };
        let grace = Duration::from_secs(10);
        let stdout = self.stdout.recv_timeout(grace);
        let stderr = self.stderr.recv_timeout(grace);
        let (Ok(stdout), Ok(stderr)) = (stdout, stderr) else {
            panic!(
                "`{}` exited ({status}) but its stdout or stderr stayed open {grace:?} later: \
                 a process it left running did not detach from them",
                self.describe
            );
        };
        let code = match (status.code(), status.signal()) {
            (Some(c), _) => c,
            (None, Some(sig)) => 128 + sig,
            (None, None) => -1,
        };
        Output {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            stdout_bytes: stdout,
            code,
            signal: status.signal(),
            describe: self.describe,
        }
    }

    /// Wait and assert exit code 0.
    #[track_caller]
    pub fn ok(self) -> Output {
        self.fails(0)
    }

    /// Wait and assert exit code `code`.
    #[track_caller]
    pub fn fails(self, code: i32) -> Output {
        let out = self.wait();
        out.assert_code(code);
        out
    }
}

fn dump(stdout: &[u8], stderr: &[u8]) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
        String::from_utf8_lossy(stdout).trim_end(),
        String::from_utf8_lossy(stderr).trim_end()
    )
}

/// What a finished command did.
#[derive(Clone)]
pub struct Output {
    /// Stdout as text (invalid UTF-8 replaced); `stdout_bytes` has it raw.
    pub stdout: String,
    pub stderr: String,
    /// The exit code; `128 + N` when killed by signal N (as a shell says).
    pub code: i32,
    pub stdout_bytes: Vec<u8>,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    /// The command line, for messages.
    pub describe: String,
}

impl Output {
    /// Fail the test, showing everything, unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        if self.code != code || (code == 0 && self.signal.is_some()) {
            let how = match self.signal {
                Some(sig) => format!("was killed by signal {sig}"),
                None => format!("exited with {}", self.code),
            };
            panic!(
                "expected exit code {code}, but the command {how}\ncommand: {}\n{}",
                self.describe,
                dump(self.stdout.as_bytes(), self.stderr.as_bytes())
            );
        }
    }

    /// Stdout parsed as JSON (for `--format json`).
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => panic!(
                "stdout of `{}` is not JSON ({e}):\n{}",
                self.describe, self.stdout
            ),
        }
    }

    /// The non-empty lines of stdout, trimmed.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// Disk space used by the tree at `path` in bytes: allocated blocks
/// (`st_blocks * 512`), not apparent sizes, counting each inode once (so
/// hard links and a layer shared by two images count once). Symlinks are
/// not followed. Proves that content is stored once.
pub fn du_bytes(path: &Path) -> u64 {
    fn walk(p: &Path, seen: &mut HashSet<(u64, u64)>, total: &mut u64) {
        let md = match fs::symlink_metadata(p) {
            Ok(md) => md,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => panic!("du_bytes: {}: {e}", p.display()),
        };
        if seen.insert((md.dev(), md.ino())) {
            *total += md.blocks() * 512;
        }
        if md.is_dir() {
            let entries =
                fs::read_dir(p).unwrap_or_else(|e| panic!("du_bytes: {}: {e}", p.display()));
            for entry in entries {
                walk(&entry.unwrap().path(), seen, total);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    walk(path, &mut seen, &mut total);
    total
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {uid}:{gid} {}: {e}", path.display()));
}

/// `/tmp/berth-tests`, created root-owned and world-readable. It must not
/// be writable by others: unprivileged users execute the binary copied here.
fn shared_base() -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let base = PathBuf::from(SHARED_BASE);
        match fs::create_dir(&base) {
            Ok(()) => fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).unwrap(),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => panic!("creating {}: {e}", base.display()),
        }
        let md = fs::symlink_metadata(&base).unwrap();
        let me = nix::unistd::geteuid().as_raw();
        assert!(
            md.is_dir() && md.uid() == me && md.mode() & 0o022 == 0,
            "{} must be a directory owned by uid {me} and not writable by others; remove it",
            base.display()
        );
        base
    })
    .clone()
}

/// The built binary, copied once per build to a world-readable place, as
/// the checkout (or the target dir) may sit below a mode-700 home that the
/// test users cannot enter. Copies of older builds are removed.
pub fn shared_berth_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = Path::new(env!("CARGO_BIN_EXE_berth"));
        let md = fs::metadata(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let dir = shared_base().join("bin");
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let name = format!("berth-{}-{}-{}", md.len(), md.mtime(), md.mtime_nsec());
        let dst = dir.join(&name);
        if !dst.exists() {
            let tmp = dir.join(format!(".{name}.{}", std::process::id()));
            fs::copy(src, &tmp).unwrap_or_else(|e| panic!("copying {}: {e}", src.display()));
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
            fs::rename(&tmp, &dst).unwrap();
        }
        // Old builds: remove those not touched for a day (another test run
        // of a different build may be using a recent one).
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            let old = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(86400));
            if p != dst && old {
                let _ = fs::remove_file(p);
            }
        }
        dst
    })
    .clone()
}

/// An unprivileged user that rootless tests run berth as. Two exist:
/// `berthtest-sub` with a subordinate id range in /etc/subuid and
/// /etc/subgid, and `berthtest-nosub` without one (berth must then map the
/// user alone). Both are created on first use, idempotently.
#[derive(Clone, Debug)]
pub struct Rootless {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// The user's subordinate uid range (first, count), if it has one.
    pub subuids: Option<(u32, u32)>,
    /// The user's subordinate gid range (first, count), if it has one.
    pub subgids: Option<(u32, u32)>,
}

const USER_SUB: &str = "berthtest-sub";
const USER_NOSUB: &str = "berthtest-nosub";
const SUBID_COUNT: u32 = 65536;

impl Rootless {
    /// The user with a subuid/subgid range, or `None` (after a loud skip
    /// notice; a failure in CI) when the tests do not run as root.
    #[track_caller]
    pub fn with_subuid() -> Option<Rootless> {
        Rootless::get(true)
    }

    /// The user without any subuid/subgid range, or `None` as above.
    #[track_caller]
    pub fn without_subuid() -> Option<Rootless> {
        Rootless::get(false)
    }

    #[track_caller]
    fn get(with_sub: bool) -> Option<Rootless> {
        if !is_root() {
            skip("rootless tests need root to create their test users; run the tests as root");
            return None;
        }
        static USERS: OnceLock<(Rootless, Rootless)> = OnceLock::new();
        let (sub, nosub) = USERS.get_or_init(setup_users);
        Some(if with_sub { sub.clone() } else { nosub.clone() })
    }

    /// `/run/user/UID`, owned by the user, mode 700.
    pub fn runtime_dir(&self) -> PathBuf {
        PathBuf::from(format!("/run/user/{}", self.uid))
    }

    /// A fresh per-test environment owned by this user: `env.berth(..)`
    /// then runs as the user, with `HOME` and `XDG_DATA_HOME` inside it and
    /// `XDG_RUNTIME_DIR` the user's runtime dir.
    pub fn env(&self) -> TestEnv {
        TestEnv::for_user(self)
    }

    /// berth as this user with the store of `env` (made by `self.env()`).
    #[track_caller]
    pub fn berth<I, S>(&self, env: &TestEnv, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        assert!(
            env.user().is_some_and(|u| u.uid == self.uid),
            "the TestEnv passed to {}.berth() must come from {0}.env()",
            self.name
        );
        env.berth(args)
    }
}

/// Create both test users and their runtime dirs, and put their subid
/// lines in the wanted state. Serialised within this process by the
/// `OnceLock` around it, across processes by a file lock.
fn setup_users() -> (Rootless, Rootless) {
    let lock_path = shared_base().join("users.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("{}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("locking {}: {e}", lock_path.display()));

    let (sub_uid, sub_gid) = ensure_user(USER_SUB);
    let (nosub_uid, nosub_gid) = ensure_user(USER_NOSUB);
    // useradd may have allocated ranges itself (SUB_UID_* in
    // /etc/login.defs): replace those with exactly what the tests expect.
    let ours = [(USER_SUB, sub_uid), (USER_NOSUB, nosub_uid)];
    let subuid = set_subids(Path::new("/etc/subuid"), &ours);
    let subgid = set_subids(Path::new("/etc/subgid"), &ours);
    let users = (
        Rootless {
            name: USER_SUB.into(),
            uid: sub_uid,
            gid: sub_gid,
            subuids: Some((subuid, SUBID_COUNT)),
            subgids: Some((subgid, SUBID_COUNT)),
        },
        Rootless {
            name: USER_NOSUB.into(),
            uid: nosub_uid,
            gid: nosub_gid,
            subuids: None,
            subgids: None,
        },
    );
    for u in [&users.0, &users.1] {
        let dir = u.runtime_dir();
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        fs::set_permissions("/run/user", fs::Permissions::from_mode(0o755)).unwrap();
        chown(&dir, u.uid, u.gid);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    }
    drop(lock);
    users
}

/// The uid and gid of `name`, created with `useradd` if missing.
fn ensure_user(name: &str) -> (u32, u32) {
    let lookup = || {
        nix::unistd::User::from_name(name).unwrap_or_else(|e| panic!("looking up user {name}: {e}"))
    };
    if lookup().is_none() {
        eprintln!("creating test user {name}");
        let out = Cmd::new("useradd")
            .args(["--create-home", "--shell", "/bin/sh", "--user-group", name])
            .run();
        out.assert_code(0);
    }
    let user = lookup().unwrap_or_else(|| panic!("user {name} missing after useradd"));
    (user.uid.as_raw(), user.gid.as_raw())
}

/// Rewrite a subordinate id file (/etc/subuid or /etc/subgid) so that
/// `users[0]` has one range of `SUBID_COUNT` ids not overlapping anyone
/// else's and the other users have none. Writes only when something
/// changes. Returns the first id of the range.
fn set_subids(file: &Path, users: &[(&str, u32)]) -> u32 {
    let old = match fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("reading {}: {e}", file.display()),
    };
    let ours = |owner: &str| {
        users
            .iter()
            .any(|(n, uid)| owner == *n || owner == uid.to_string())
    };
    let mut kept = Vec::new();
    let mut others = Vec::new(); // (first, count) of everyone else
    let mut existing = None;
    for line in old.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() == 3 && ours(fields[0]) {
            if fields[0] == users[0].0 && existing.is_none() {
                existing = fields[1]
                    .parse::<u32>()
                    .ok()
                    .filter(|_| fields[2] == SUBID_COUNT.to_string());
            }
            continue;
        }
        if let (3, Ok(first), Ok(count)) = (
            fields.len(),
            fields.get(1).unwrap_or(&"").parse::<u64>(),
            fields.get(2).unwrap_or(&"").parse::<u64>(),
        ) {
            others.push((first, count));
        }
        kept.push(line.to_string());
    }
    let overlaps = |first: u64| {
        others
            .iter()
            .any(|&(f, c)| first < f + c && f < first + u64::from(SUBID_COUNT))
    };
    let first = match existing {
        Some(f) if !overlaps(u64::from(f)) => f,
        _ => {
            let mut f: u64 = 200_000;
            while overlaps(f) {
                f += u64::from(SUBID_COUNT);
            }
            u32::try_from(f).expect("no free subordinate id range")
        }
    };
    kept.push(format!("{}:{first}:{SUBID_COUNT}", users[0].0));
    let new = kept.join("\n") + "\n";
    if new == old {
        return first;
    }
    eprintln!(
        "setting {}: {}:{first}:{SUBID_COUNT}",
        file.display(),
        users[0].0
    );
    let tmp = file.with_extension("berth-tests.tmp");
    fs::write(&tmp, &new).unwrap_or_else(|e| panic!("writing {}: {e}", tmp.display()));
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
    fs::rename(&tmp, file).unwrap_or_else(|e| panic!("replacing {}: {e}", file.display()));
    first
}

/// Fail the test unless `tool` is installed; the message says how to get it.
#[track_caller]
pub fn require_tool(tool: &str) -> PathBuf {
    static FOUND: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = found.iter().find(|(t, _)| t == tool) {
        return p.clone();
    }
    let path = std::env::split_paths(&OsString::from(SYSTEM_PATH))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{tool} is not installed: run scripts/test, which installs them")
        });
    found.push((tool.to_string(), path.clone()));
    path
}

/// The shared registries.conf given to Podman and Skopeo: no unqualified
/// search registries, so a short name fails fast instead of prompting or
/// going to docker.io. Tests always use full names.
fn registries_conf() -> PathBuf {
    static CONF: OnceLock<PathBuf> = OnceLock::new();
    CONF.get_or_init(|| {
        let path = shared_base().join("registries.conf");
        let text = "# written by berth's integration tests\n\
                    unqualified-search-registries = []\n\
                    short-name-mode = \"disabled\"\n";
        if fs::read_to_string(&path).ok().as_deref() != Some(text) {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            fs::write(&tmp, text).unwrap();
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
            fs::rename(&tmp, &path).unwrap();
        }
        path
    })
    .clone()
}

/// The containers.conf given to Podman, so that it can run containers
/// here as root: its default limits no higher than this process's own
/// (runc cannot raise them), its runtime runc (crun refuses a host whose
/// cgroup controllers are split between v1 and v2), no systemd (cgroupfs,
/// events in a file).
fn containers_conf() -> PathBuf {
    static CONF: OnceLock<PathBuf> = OnceLock::new();
    CONF.get_or_init(|| {
        let hard = |which| {
            let mut l = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes the struct it is given.
            assert_eq!(unsafe { libc::getrlimit(which, &mut l) }, 0);
            l.rlim_max
        };
        let nofile = hard(libc::RLIMIT_NOFILE).min(1 << 20);
        let nproc = hard(libc::RLIMIT_NPROC).min(32768);
        let text = format!(
            "# written by berth's integration tests\n\
             [containers]\n\
             default_ulimits = [\"nofile={nofile}:{nofile}\", \"nproc={nproc}:{nproc}\"]\n\
             [engine]\n\
             runtime = \"runc\"\n\
             cgroup_manager = \"cgroupfs\"\n\
             events_logger = \"file\"\n"
        );
        let path = shared_base().join(format!("containers-{nofile}-{nproc}.conf"));
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            fs::write(&tmp, &text).unwrap();
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
            fs::rename(&tmp, &path).unwrap();
        }
        path
    })
    .clone()
}

/// Debian's podman with a store of its own inside `env`
/// (`podman-root/`, `podman-runroot/`, `podman-tmp/`), as the user of
/// `env`. Add the subcommand with `.args([...])`.
#[track_caller]
pub fn podman(env: &TestEnv) -> Cmd {
    let bin = require_tool("podman");
    let dirs = ["podman-root", "podman-runroot", "podman-tmp"].map(|d| env.join(d));
    for d in &dirs {
        if !d.exists() {
            fs::create_dir_all(d).unwrap();
            if let Some(u) = env.user() {
                chown(d, u.uid, u.gid);
            }
        }
    }
    let [root, runroot, tmp] = dirs;
    env.command(bin)
        .env("CONTAINERS_REGISTRIES_CONF", registries_conf())
        .env("CONTAINERS_CONF", containers_conf())
        .arg("--root")
        .arg(root)
        .arg("--runroot")
        .arg(runroot)
        .arg("--tmpdir")
        .arg(tmp)
        .args(["--storage-driver", podman_storage_driver()])
        .args(["--cgroup-manager", "cgroupfs", "--events-backend", "file"])
}

/// The storage driver Podman's test stores use: `overlay` where the file
/// system of the temp dir allows it (ext4, xfs, tmpfs; and natively in a
/// user namespace since kernel 5.11), else `vfs` (e.g. when the temp dir is
/// itself on overlayfs, as in a container), which copies every layer.
/// Probed once with `podman info`, which test-mounts an overlay.
fn podman_storage_driver() -> &'static str {
    static DRIVER: OnceLock<&'static str> = OnceLock::new();
    DRIVER.get_or_init(|| {
        let probe = TestEnv::new();
        let out = probe
            .command(require_tool("podman"))
            .env("CONTAINERS_REGISTRIES_CONF", registries_conf())
            .arg("--root")
            .arg(probe.join("r"))
            .arg("--runroot")
            .arg(probe.join("rr"))
            .arg("--tmpdir")
            .arg(probe.join("t"))
            .args([
                "--storage-driver",
                "overlay",
                "info",
                "--format",
                "{{.Store.GraphDriverName}}",
            ])
            .run();
        if out.code == 0 && out.stdout.trim() == "overlay" {
            "overlay"
        } else {
            eprintln!(
                "warning: podman cannot use overlay below {}; its test stores use vfs\n{}",
                std::env::temp_dir().display(),
                out.stderr.trim()
            );
            "vfs"
        }
    })
}

/// Debian's skopeo, run as the test runner, with `args`.
#[track_caller]
pub fn skopeo<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let bin = require_tool("skopeo");
    Cmd::new(bin)
        .env("CONTAINERS_REGISTRIES_CONF", registries_conf())
        .env("HOME", shared_base())
        .args(args)
}

#[test]
fn harness_reports_exit_codes_and_output() {
    let env = TestEnv::new();
    let out = env
        .command("sh")
        .args(["-c", "echo out; echo err >&2; pwd; echo $HOME"])
        .ok();
    assert_eq!(
        out.lines(),
        [
            "out",
            env.path().to_str().unwrap(),
            env.path().to_str().unwrap()
        ]
    );
    assert_eq!(out.stderr, "err\n");
    env.command("sh").args(["-c", "exit 3"]).fails(3);
    let out = env.command("sh").args(["-c", "kill -9 $$"]).fails(137);
    assert_eq!(out.signal, Some(9));
    let out = env.command("cat").stdin_bytes(b"fed\n".to_vec()).ok();
    assert_eq!(out.stdout, "fed\n");
    let out = env.command("env").env("X_SET", "1").ok();
    assert!(out.lines().contains(&"X_SET=1"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("BERTH_") && !out.stdout.contains("XDG_"),
        "{}",
        out.stdout
    );
}

#[test]
fn harness_failure_message_shows_the_output() {
    let env = TestEnv::new();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        env.command("sh")
            .args(["-c", "echo visible-out; echo visible-err >&2; exit 2"])
            .ok();
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("exited with 2") && msg.contains("visible-out") && msg.contains("visible-err"),
        "{msg}"
    );
    assert!(msg.contains("sh -c"), "{msg}");
}

#[test]
fn harness_kills_commands_past_their_timeout() {
    let env = TestEnv::new();
    let started = Instant::now();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        env.command("sleep")
            .arg("600")
            .timeout(Duration::from_millis(300))
            .run();
    }))
    .unwrap_err();
    // Killed, not waited for: far less than the sleep's own 600 s.
    assert!(started.elapsed() < Duration::from_secs(300));
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("did not finish"), "{msg}");
}

#[test]
fn du_counts_hard_links_once() {
    let env = TestEnv::new();
    let dir = env.join("d");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("a"), vec![7u8; 1 << 20]).unwrap();
    let one = du_bytes(&dir);
    assert!(one >= 1 << 20, "{one}");
    fs::hard_link(dir.join("a"), dir.join("b")).unwrap();
    assert_eq!(du_bytes(&dir), one);
    fs::write(dir.join("c"), vec![7u8; 1 << 20]).unwrap();
    assert!(du_bytes(&dir) >= one + (1 << 20));
}

#[test]
fn rootless_users_exist_with_and_without_subids() {
    let (Some(sub), Some(nosub)) = (Rootless::with_subuid(), Rootless::without_subuid()) else {
        return;
    };
    for (file, ids) in [("/etc/subuid", sub.subuids), ("/etc/subgid", sub.subgids)] {
        let text = fs::read_to_string(file).unwrap();
        let (first, count) = ids.unwrap();
        assert!(
            text.lines()
                .any(|l| l == format!("{USER_SUB}:{first}:{count}")),
            "{file}:\n{text}"
        );
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with(&format!("{USER_NOSUB}:"))),
            "{file}:\n{text}"
        );
    }
    for u in [&sub, &nosub] {
        let md = fs::metadata(u.runtime_dir()).unwrap();
        assert_eq!((md.uid(), md.mode() & 0o777), (u.uid, 0o700));
        let env = u.env();
        let out = env
            .command("sh")
            .args(["-c", "id -u; id -G; echo $XDG_RUNTIME_DIR; touch root/x"])
            .ok();
        let uid = u.uid.to_string();
        let runtime = u.runtime_dir();
        let expected = [uid.as_str(), &u.gid.to_string(), runtime.to_str().unwrap()];
        assert_eq!(
            out.lines(),
            expected,
            "supplementary groups must be cleared"
        );
        // The copied binary is executable by the user.
        env.command(shared_berth_binary()).arg("--help").run();
    }
}
