//! What a build lends its RUN steps and must not keep: secrets from the
//! environment (`--secret id=X,env=VAR`, `RUN --mount=type=secret,env=`)
//! and SSH agents (`--ssh`, `RUN --mount=type=ssh`). Each test scans every
//! file of the store and the run root, the history and the build's output
//! for the value, and shows first that the scan finds a value a step did
//! write into a layer.

use crate::identity::*;
use crate::util::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn context(env: &TestEnv, name: &str, dockerfile: &str) -> String {
    let dir = env.join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    name.to_string()
}

/// Regular files below `dir` whose bytes hold `needle` (links are not
/// followed).
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() {
                todo.push(e.path());
            } else if meta.is_file() {
                if let Ok(bytes) = fs::read(e.path()) {
                    if bytes.windows(needle.len()).any(|w| w == needle) {
                        found.push(e.path());
                    }
                }
            }
        }
    }
    found
}

/// Where `value` is found: the store's and run root's files, the image's
/// history and `inspect`.
fn traces(env: &TestEnv, image: &str, value: &str) -> Vec<String> {
    let mut found: Vec<String> = files_holding(&env.root(), value.as_bytes())
        .into_iter()
        .chain(files_holding(&env.runroot(), value.as_bytes()))
        .map(|p| p.display().to_string())
        .collect();
    let history = env.berth(["history", "--no-trunc", image]).ok();
    if history.stdout.contains(value) {
        found.push("history".into());
    }
    if env.berth(["inspect", image]).ok().stdout.contains(value) {
        found.push("inspect".into());
    }
    found
}

/// No build's private directory (secrets, agents) is left in the run
/// root.
#[track_caller]
fn assert_no_private_dirs(env: &TestEnv) {
    let left: Vec<_> = fs::read_dir(env.runroot().join("build"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// Steps that check what they are given of secret `tok` (the digest `h`
/// of its value) and `filetok` (digest `f`); the Dockerfile's text is in
/// the history, so it holds digests only.
fn secrets_dockerfile(h: &str, f: &str) -> String {
    format!(
        "\
FROM localhost/busybox
ENV TOKEN=public
RUN --mount=type=secret,id=tok,env=TOKEN test \"$(printf %s \"$TOKEN\" | sha256sum)\" = \"{h}  -\" && test ! -e /run/secrets/tok && echo env-only-ok
RUN test \"$TOKEN\" = public && echo env-restored-ok
RUN --mount=type=secret,id=tok test \"$(sha256sum < /run/secrets/tok)\" = \"{h}  -\" && echo as-file-ok
RUN --mount=type=secret,id=tok,env=T2,target=/s/t test \"$T2\" = \"$(cat /s/t)\" && echo both-ok
RUN --mount=type=secret,id=filetok,env=F test \"$(printf %s \"$F\" | sha256sum)\" = \"{f}  -\" && echo file-as-env-ok
RUN --mount=type=secret,id=absent,env=A test -z \"$A\" && echo absent-skipped-ok
"
    )
}

/// A step that holds secret `tok` until the test, which watches its
/// cache mount, lets it go.
const GATE: &str = "FROM localhost/busybox
RUN --mount=type=cache,target=/c,id=gate --mount=type=secret,id=tok,env=T sh -c 'touch /c/started; while [ ! -e /c/go ]; do sleep 0.02; done; echo \"length ${#T}\"'
";

/// A step that writes secret `tok` into its layer.
const LEAK_SECRET: &str = "FROM localhost/busybox
RUN --mount=type=secret,id=tok,env=T sh -c 'echo \"$T\" > /leaked'
";

fn sha256_hex(s: &str) -> String {
    berth::digest::Digest::of(s.as_bytes()).hex().to_string()
}

each_identity!(env_secrets_reach_steps_and_nothing_keeps_them, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let secret = "env-secret-5c1e0b7a93";
    let from_file = "file-secret-0d6f2e81";
    fs::write(env.join("token.txt"), from_file).unwrap();
    // The steps compare digests: the Dockerfile's text is in the history.
    let df = secrets_dockerfile(&sha256_hex(secret), &sha256_hex(from_file));
    let ctx = context(&env, "ctx", &df);
    // What a killed build left (a pid no process has): swept.
    let stale = env.runroot().join("build/4194303-0-0");
    fs::create_dir_all(&stale).unwrap();
    fs::write(stale.join("secret-0"), "left").unwrap();
    if let Some(u) = env.user() {
        for p in [
            env.runroot().join("build"),
            stale.clone(),
            stale.join("secret-0"),
        ] {
            std::os::unix::fs::chown(p, Some(u.uid), Some(u.gid)).unwrap();
        }
    }
    let out = env
        .berth(["build", "--secret", "id=tok,env=BUILD_TOKEN"])
        .args(["--secret", "id=filetok,src=token.txt", "-t", "sec", &ctx])
        .env("BUILD_TOKEN", secret)
        .ok();
    for want in [
        "env-only-ok",
        "env-restored-ok",
        "as-file-ok",
        "both-ok",
        "file-as-env-ok",
        "absent-skipped-ok",
    ] {
        assert!(out.lines().contains(&want), "{want}: {}", out.stdout);
    }
    for v in [secret, from_file] {
        assert!(!out.stdout.contains(v) && !out.stderr.contains(v));
        assert_eq!(traces(&env, "sec", v), Vec::<String>::new(), "{v}");
    }
    // The build's private dir is gone with it.
    assert_no_private_dirs(&env);

    // While a step holds it, no file of the store or run root holds it
    // either (its container's record included).
    let gate = context(&env, "gate", GATE);
    let running = env
        .berth([
            "build",
            "--no-cache",
            "--secret",
            "id=tok,env=BUILD_TOKEN",
            &gate,
        ])
        .env("BUILD_TOKEN", secret)
        .spawn();
    let gate_dir = env.root().join("cache/mounts").join(sha256_hex("gate"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !gate_dir.join("started").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the step did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let during: Vec<PathBuf> = files_holding(&env.root(), secret.as_bytes())
        .into_iter()
        .chain(files_holding(&env.runroot(), secret.as_bytes()))
        .collect();
    fs::write(gate_dir.join("go"), "").unwrap();
    let out = running.ok();
    assert!(out.lines().contains(&"length 21"), "{}", out.stdout);
    assert_eq!(during, Vec::<PathBuf>::new());

    // The scan finds a value a step wrote into its layer.
    let leak = context(&env, "leak", LEAK_SECRET);
    env.berth([
        "build",
        "--secret",
        "id=tok,env=BUILD_TOKEN",
        "-t",
        "leak",
        &leak,
    ])
    .env("BUILD_TOKEN", secret)
    .ok();
    assert!(!traces(&env, "leak", secret).is_empty());

    // Bad input: a variable that is not set, a secret a step requires.
    let out = env
        .berth(["build", "--secret", "id=tok,env=BERTH_NOT_SET", &ctx])
        .fails(125);
    assert!(
        out.stderr
            .contains("environment variable BERTH_NOT_SET is not set"),
        "{}",
        out.stderr
    );
    let req = context(
        &env,
        "req",
        "FROM localhost/busybox\nRUN --mount=type=secret,id=needed,env=N,required true\n",
    );
    let out = env.berth(["build", &req]).fails(125);
    assert!(
        out.stderr.contains("secret \"needed\" is required"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
});

/// `/usr/bin/ssh-add` and the libraries it loads, at their paths below
/// `dir` (the busybox image has no ssh-add of its own).
fn ssh_add_tree(dir: &Path) {
    let tool = require_tool("ssh-add");
    let ldd = Cmd::new("ldd").arg(&tool).ok();
    let mut files = vec![tool];
    for l in ldd.lines() {
        let path = match l.split_once("=>") {
            Some((_, rest)) => rest.trim().split(' ').next().unwrap_or(""),
            None => l.trim().split(' ').next().unwrap_or(""),
        };
        if path.starts_with('/') {
            files.push(PathBuf::from(path));
        }
    }
    for f in files {
        let to = dir.join(f.strip_prefix("/").unwrap());
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&f, &to).unwrap();
    }
}

/// An `ssh-agent` run as the environment's user; killed on drop.
struct SshAgent {
    socket: PathBuf,
    pid: i32,
}

impl SshAgent {
    fn start(env: &TestEnv, name: &str) -> SshAgent {
        let socket = env.join(name);
        let running = env
            .command(require_tool("ssh-agent"))
            .args(["-D", "-a"])
            .arg(&socket)
            .spawn();
        let pid = running.id() as i32;
        std::mem::forget(running);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "ssh-agent did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        SshAgent { socket, pid }
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(self.pid), None);
    }
}

/// A new ed25519 key pair made by the environment's user: the private
/// key's file and the public key's text.
fn new_key(env: &TestEnv, name: &str, comment: &str) -> (PathBuf, String) {
    let key = env.join(name);
    env.command(require_tool("ssh-keygen"))
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(&key)
        .ok();
    let public = fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// The base64 body of a private key file: what must never be copied.
fn key_body(key: &Path) -> Vec<String> {
    fs::read_to_string(key)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect()
}

each_identity!(ssh_agents_are_forwarded_and_no_key_is_kept, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let (key_a, public_a) = new_key(&env, "key-a", "berth-agent-key");
    let (key_b, public_b) = new_key(&env, "key-b", "berth-file-key");
    let agent = SshAgent::start(&env, "agent.sock");
    env.command(require_tool("ssh-add"))
        .arg("-q")
        .arg(&key_a)
        .env("SSH_AUTH_SOCK", &agent.socket)
        .ok();
    let ctx = context(
        &env,
        "ctx",
        "\
FROM localhost/busybox
COPY tools/ /
RUN --mount=type=ssh ssh-add -L > /default.txt && echo \"sock=$SSH_AUTH_SOCK\"
RUN --mount=type=ssh,id=files,target=/agent ssh-add -L > /files.txt && echo \"sock=$SSH_AUTH_SOCK\"
RUN --mount=type=ssh sh -c 'if ssh-add -D; then echo removed; else echo refused-ok; fi'
RUN --mount=type=ssh,id=absent test \"$SSH_AUTH_SOCK\" = /run/buildkit/ssh_agent.0 && test ! -e \"$SSH_AUTH_SOCK\" && echo absent-skipped-ok
ENV SSH_AUTH_SOCK=/mine
RUN --mount=type=ssh test \"$SSH_AUTH_SOCK\" = /mine && echo env-kept-ok
",
    );
    ssh_add_tree(&env.join("ctx/tools"));
    let out = env
        .berth(["build", "--ssh", "default", "--ssh"])
        .arg(format!("files={}", key_b.display()))
        .args(["-t", "ssh", &ctx])
        .env("SSH_AUTH_SOCK", &agent.socket)
        .ok();
    let lines = out.lines();
    assert!(
        lines.contains(&"sock=/run/buildkit/ssh_agent.0"),
        "{}",
        out.stdout
    );
    assert!(lines.contains(&"sock=/agent"), "{}", out.stdout);
    assert!(lines.contains(&"absent-skipped-ok"), "{}", out.stdout);
    assert!(lines.contains(&"env-kept-ok"), "{}", out.stdout);
    // The step could not take the keys out of the user's agent.
    assert!(lines.contains(&"refused-ok"), "{}", out.stdout);
    let still = env
        .command(require_tool("ssh-add"))
        .arg("-L")
        .env("SSH_AUTH_SOCK", &agent.socket)
        .ok();
    assert_eq!(still.stdout.trim(), public_a);
    let listed = env
        .berth(["run", "--rm", "ssh", "cat", "/default.txt", "/files.txt"])
        .ok();
    // `ssh-add -L` in the steps listed each agent's one key.
    assert_eq!(listed.lines(), vec![public_a.as_str(), public_b.as_str()]);
    // Neither private key is anywhere in the store; berth's own agent
    // and its directory are gone.
    for key in [&key_a, &key_b] {
        for line in key_body(key) {
            assert_eq!(
                traces(&env, "ssh", &line),
                Vec::<String>::new(),
                "{}",
                key.display()
            );
        }
    }
    assert_no_private_dirs(&env);
    // The scan finds a key a step did copy.
    let leak = context(
        &env,
        "leak",
        "FROM localhost/busybox\nRUN --mount=type=bind,source=key,target=/k cp /k /copied\n",
    );
    fs::copy(&key_b, env.join("leak/key")).unwrap();
    // Readable by the user who builds (the copy is root's).
    fs::set_permissions(env.join("leak/key"), fs::Permissions::from_mode(0o644)).unwrap();
    env.berth(["build", "-t", "leak", &leak]).ok();
    let line = key_body(&key_b)[1].clone();
    assert!(!traces(&env, "leak", &line).is_empty());

    // Bad input: an agent that does not answer, a required agent not
    // given, an unreadable key file: one line each.
    let dead = env.join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&dead).unwrap());
    let req = context(
        &env,
        "req",
        "FROM localhost/busybox\nRUN --mount=type=ssh,id=deploy,required=true true\n",
    );
    for (args, want) in [
        (
            vec![format!("--ssh=default={}", dead.display()), ctx.clone()],
            "cannot connect to the SSH agent at",
        ),
        (vec![req.clone()], "SSH agent \"deploy\" is required"),
        (
            vec!["--ssh=x=no-such-key".to_string(), req.clone()],
            "no-such-key: not an agent socket or a readable key file",
        ),
    ] {
        let out = env.berth(["build"]).args(&args).fails(125);
        assert!(out.stderr.contains(want), "{}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    }
});
