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

    // A second pull skips the layer, and says so.
    let out = env
        .berth(["--log-level", "debug", "pull", "-q", &name])
        .ok();
    assert!(
        out.stderr.contains("layer: in the store, skipped") || !out.stderr.contains("blobs"),
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
    let logs = env.berth(["logs", "quiet"]).ok();
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
