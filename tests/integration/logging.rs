//! `--log-level debug` (and `BERTH_LOG`): what berth reports on standard
//! error, and what it never reports (credentials, tokens) or lets into a
//! container's output.

use crate::fixtures::{berth_load, write_docker_archive, ImageSpec};
use crate::identity::{each_identity, env_with, Who};
use crate::registry_util::{Auth, Registry, PASSWORD, USER};
use crate::util::TestEnv;
use base64::Engine;

fn load(env: &TestEnv, name: &str) {
    let archive = env.join("img.tar");
    write_docker_archive(&archive, &[ImageSpec::busybox(name)]);
    berth_load(env, &archive);
}

/// A pull from a registry that asks for a bearer token, logged in: the
/// challenge, the token request and its answer with the token left out,
/// each request and answer with its status, the layers fetched, the time
/// the pull took; never the password, the Basic header or the token.
#[test]
fn debug_log_of_a_pull_shows_auth_and_fetches_without_secrets() {
    let reg = Registry::start(Auth::Token);
    let name = format!("{}/logged/busybox:1", reg.host());
    let src = TestEnv::new();
    load(&src, &name);
    src.berth(["login", "-u", USER, "-p", PASSWORD, &reg.host()])
        .ok();
    src.berth(["push", &name]).ok();

    let env = TestEnv::new();
    env.berth(["login", "-u", USER, "-p", PASSWORD, &reg.host()])
        .ok();
    let out = env
        .berth(["--log-level", "debug", "pull", "-q", &name])
        .ok();
    let log = &out.stderr;
    for want in [
        "registry: auth challenge",
        "Bearer",
        "registry: token request",
        "scopes=repository:logged/busybox:pull",
        "credentials=\"basic\"",
        "registry: token received",
        "token=\"<redacted>\"",
        "/v2/logged/busybox/manifests/1",
        "/v2/logged/busybox/blobs/sha256:",
        "status=200",
        "layer: fetching",
        "pull: berth::ops::pull: close time.busy=",
    ] {
        assert!(log.contains(want), "no {want:?} in the log:\n{log}");
    }
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str(), "eyJ", "Authorization"] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
    // The image id on stdout, alone.
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);

    // A second pull skips the layer, says so, and does not fetch it (the
    // layer is stored uncompressed: its blob digest is its diff id).
    let out = env
        .berth(["--log-level", "debug", "pull", "-q", &name])
        .ok();
    let skipped = out
        .stderr
        .lines()
        .find(|l| l.contains("layer: in the store, skipped"))
        .unwrap_or_else(|| panic!("no skipped layer:\n{}", out.stderr));
    let diff_id = skipped
        .split("diff_id=")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .unwrap();
    assert!(
        !out.stderr.contains(&format!("/blobs/{diff_id}")),
        "{}",
        out.stderr
    );

    // BERTH_LOG picks modules: the registry's lines only.
    let out = env
        .berth(["pull", "-q", &name])
        .env("BERTH_LOG", "registry=debug")
        .ok();
    assert!(out.stderr.contains("registry answer"), "{}", out.stderr);
    assert!(!out.stderr.contains("berth::ops"), "{}", out.stderr);
    assert!(!out.stderr.contains("berth::store"), "{}", out.stderr);
}

/// A run: the namespaces, the mounts and the helper programs, as root and
/// rootless; the container's own output stays clean, its environment
/// gets nothing of berth's, and without the flag nothing is logged.
fn run_is_logged(who: Who) {
    let Some(env) = env_with(who, &[ImageSpec::busybox("localhost/logged:1")]) else {
        return;
    };
    let out = env
        .berth([
            "--log-level",
            "debug",
            "run",
            "--rm",
            "localhost/logged:1",
            "sh",
            "-c",
            "echo out; env",
        ])
        .ok();
    let log = &out.stderr;
    for want in [
        "container namespaces",
        "rootfs: overlay mount",
        "lowerdir=",
        "mount mount=Bind",
        "starting helper",
        "start: berth::ops::run: close time.busy=",
    ] {
        assert!(
            log.contains(want),
            "{who:?}: no {want:?} in the log:\n{log}"
        );
    }
    if who != Who::Root {
        assert!(log.contains("id map") || log.contains("newuidmap"), "{log}");
    }
    assert!(out.stdout.starts_with("out\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("BERTH_LOG"), "{}", out.stdout);
    assert!(!out.stdout.contains("DEBUG"), "{}", out.stdout);

    // Detached: the container's log holds its output only.
    env.berth([
        "--log-level",
        "debug",
        "run",
        "-d",
        "--name",
        "quiet",
        "localhost/logged:1",
        "sh",
        "-c",
        "echo out; sleep 60",
    ])
    .ok();
    env.berth(["wait", "--condition", "running", "quiet"]).ok();
    let start = std::time::Instant::now();
    let logs = loop {
        let logs = env.berth(["logs", "quiet"]).ok();
        if !logs.stdout.is_empty() || start.elapsed().as_secs() > 20 {
            break logs;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(logs.stdout, "out\n");
    assert_eq!(logs.stderr, "");
    env.berth(["rm", "-f", "-t", "0", "quiet"]).ok();

    // Off by default.
    let out = env
        .berth(["run", "--rm", "localhost/logged:1", "true"])
        .ok();
    assert_eq!(out.stderr, "", "{who:?}");
}

each_identity!(debug_log_of_a_run, run_is_logged);

/// A lock another process holds: berth says it waits, and for how long.
#[test]
fn debug_log_shows_a_store_lock_waited_for() {
    let env = TestEnv::new();
    load(&env, "localhost/locked:1");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(env.root().join("store.lock"))
        .unwrap();
    lock.lock_shared().unwrap();
    let rmi = env
        .berth(["--log-level", "debug", "rmi", "localhost/locked:1"])
        .spawn();
    // Until berth waits for it (a blocked request, `->`, in /proc/locks),
    // then a little longer.
    use std::os::unix::fs::MetadataExt;
    let inode = format!(":{} ", lock.metadata().unwrap().ino());
    let start = std::time::Instant::now();
    while !std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|l| l.contains("->") && l.contains(&inode))
    {
        assert!(start.elapsed().as_secs() < 30, "berth never waited");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(400));
    drop(lock);
    let out = rmi.wait();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = &out.stderr;
    assert!(
        log.contains("lock held by another process: waiting"),
        "{log}"
    );
    let waited: u64 = log
        .lines()
        .find(|l| l.contains("lock taken after waiting"))
        .and_then(|l| l.split("waited_ms=").nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no wait time in the log:\n{log}"));
    assert!(waited >= 300, "waited {waited} ms:\n{log}");
}
