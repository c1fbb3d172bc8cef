//! `pull`, `push`, `login`, `logout` and `manifest inspect` against real
//! registries (Debian's docker-registry on 127.0.0.1, open, with htpasswd
//! Basic auth, and with Bearer tokens from a token server run here), with
//! Podman and Skopeo as peers, and a fault-injecting proxy for broken
//! connections, corrupt blobs, 500s and silent servers.

use crate::fixtures::{
    assert_same_listing, berth_id, berth_load, docker_archive, oci_arch, small_layer,
    store_listing, ImageSpec, LayerBlob,
};
use crate::identity::{each_identity, env_with, Who};
use crate::registry_util::{
    Answer, Auth, FakeServer, FaultProxy, Faults, Registry, SilentAfter, PASSWORD, USER,
};
use crate::util::{podman, skopeo, Output, Rootless, Running, TestEnv};
use std::time::Duration;

/// busybox + a small layer named `name`, loaded into `env` as `tag`.
fn load_image(env: &TestEnv, tag: &str, extra: Option<&str>) -> ImageSpec {
    let mut spec = ImageSpec::busybox(tag);
    if let Some(x) = extra {
        spec = spec.layer(small_layer(x, &format!("{x}\n")));
    }
    let ar = docker_archive(
        env,
        &format!("{}.tar", tag.replace(['/', ':'], "_")),
        &[spec.clone()],
    );
    berth_load(env, &ar);
    spec
}

#[test]
fn registry_push_then_pull_gives_the_same_image() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/test/busybox:1", reg.host());
    let spec = load_image(&src, &name, Some("one"));
    let out = src.berth(["push", &name]).ok();
    let digest = out.stdout.trim().to_string();
    assert!(digest.starts_with("sha256:"), "{}", out.stdout);
    assert_eq!(reg.layer_uploads(), 2, "{}", reg.log());

    let dst = TestEnv::new();
    let out = dst.berth(["pull", &name]).ok();
    assert!(
        out.stderr.contains(&format!("Trying to pull {name}")),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout.trim(), spec.id().hex());
    assert_eq!(berth_id(&dst, &name), spec.id().hex());
    // By digest, into a store that has it: nothing to download.
    let by_digest = format!("{}/test/busybox@{digest}", reg.host());
    let out = dst.berth(["pull", "-q", &by_digest]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    dst.berth(["system", "check"]).ok();

    // The same image again uploads no layer; an image over the same
    // base uploads only its own layer.
    src.berth(["push", &name]).ok();
    assert_eq!(reg.layer_uploads(), 2, "second push uploaded layers");
    let name2 = format!("{}/test/busybox:2", reg.host());
    load_image(&src, &name2, Some("two"));
    src.berth(["push", &name2]).ok();
    assert_eq!(reg.layer_uploads(), 3, "only the new layer is uploaded");
    let all = TestEnv::new();
    let repo = format!("{}/test/busybox", reg.host());
    let out = all.berth(["pull", "-q", "--all-tags", &repo]).ok();
    assert_eq!(out.lines().len(), 2, "{}", out.stdout);
    all.berth(["pull", "--all-tags", &name]).fails(125);
    // Pushing what was pulled to the same registry uploads nothing, even
    // to another repository (the layers are mounted).
    let other = format!("{}/elsewhere/busybox:1", reg.host());
    dst.berth(["push", &name, &other]).ok();
    assert_eq!(reg.layer_uploads(), 3, "{}", reg.log());

    // Each pull and push is in the event log, with the image's id.
    let out = dst
        .berth(["events", "--stream=false", "--filter", "type=image"])
        .args(["--format", "{{.Status}} {{.Name}} {{.ID}}"])
        .ok();
    let id = spec.id().hex().to_string();
    assert_eq!(
        out.lines(),
        [
            format!("pull {name} {id}"),
            format!("pull {by_digest} {id}"),
            format!("push {other} {id}"),
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn registry_peers_read_what_berth_pushed() {
    let reg = Registry::start(Auth::None);
    let env = TestEnv::new();
    let name = format!("{}/peers/busybox:1", reg.host());
    let spec = load_image(&env, &name, Some("peer"));
    env.berth(["push", "--format", "v2s2", &name]).ok();
    let oci = format!("{}/peers/busybox:oci", reg.host());
    env.berth(["push", &name, &oci]).ok();

    let cfg = skopeo([
        "inspect",
        "--tls-verify=false",
        "--config",
        "--raw",
        &format!("docker://{oci}"),
    ])
    .ok();
    assert_eq!(cfg.stdout.as_bytes(), spec.config().as_slice());
    let layout = env.join("copied");
    skopeo([
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{name}"),
        &format!("oci:{}:x", layout.display()),
    ])
    .ok();

    podman(&env).args(["pull", "--tls-verify=false", &oci]).ok();
    let out = podman(&env)
        .args(["image", "inspect", "--format", "{{.Id}}", &oci])
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
}

#[test]
fn registry_multi_arch_index_picks_the_platform() {
    let reg = Registry::start(Auth::None);
    let env = TestEnv::new();
    let host_arch = oci_arch();
    let other_arch = if host_arch == "arm64" {
        "amd64"
    } else {
        "arm64"
    };
    // Two images whose configs differ in architecture, pushed by hand.
    let base = ImageSpec::busybox("").layer(small_layer("arch", "x\n"));
    let mut ids = Vec::new();
    let mut descs = Vec::new();
    for arch in [host_arch, other_arch] {
        let mut cfg: serde_json::Value = serde_json::from_slice(&base.config()).unwrap();
        cfg["architecture"] = arch.into();
        let cfg = serde_json::to_vec(&cfg).unwrap();
        let cfg_digest = put_blob(&reg, "multi", &cfg);
        let layers: Vec<serde_json::Value> = base
            .layers
            .iter()
            .map(|l| {
                let d = put_blob(&reg, "multi", &l.blob);
                serde_json::json!({"mediaType": l.media_type(), "digest": d, "size": l.blob.len()})
            })
            .collect();
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": cfg.len()},
            "layers": layers,
        });
        let m = serde_json::to_vec(&m).unwrap();
        let md = put_manifest(
            &reg,
            "multi",
            &sha(&m),
            &m,
            "application/vnd.oci.image.manifest.v1+json",
        );
        ids.push(sha(&cfg));
        descs.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md, "size": m.len(),
            "platform": {"os": "linux", "architecture": arch},
        }));
    }
    let idx = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descs,
    }))
    .unwrap();
    put_manifest(
        &reg,
        "multi",
        "latest",
        &idx,
        "application/vnd.oci.image.index.v1+json",
    );

    let name = format!("{}/multi:latest", reg.host());
    let out = env.berth(["pull", "-q", &name]).ok();
    assert_eq!(format!("sha256:{}", out.stdout.trim()), ids[0]);
    let other = TestEnv::new();
    let out = other
        .berth([
            "pull",
            "-q",
            "--platform",
            &format!("linux/{other_arch}"),
            &name,
        ])
        .ok();
    assert_eq!(format!("sha256:{}", out.stdout.trim()), ids[1]);
    let out = other
        .berth(["pull", "-q", "--platform", "linux/s390x", &name])
        .fails(125);
    assert!(
        out.stderr.contains("no image for platform linux/s390x"),
        "{}",
        out.stderr
    );

    let out = env.berth(["manifest", "inspect", &name]).ok();
    let v = out.json();
    assert_eq!(v["manifests"].as_array().unwrap().len(), 2);
    let raw = env.berth(["manifest", "inspect", "--raw", &name]).ok();
    assert_eq!(raw.stdout.as_bytes(), idx.as_slice());
}

fn sha(data: &[u8]) -> String {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(data);
    format!(
        "sha256:{}",
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Upload a blob by hand (POST, then a monolithic PUT).
fn put_blob(reg: &Registry, repo: &str, data: &[u8]) -> String {
    let d = sha(data);
    let base = format!("http://{}", reg.host());
    let resp = ureq::post(&format!("{base}/v2/{repo}/blobs/uploads/"))
        .call()
        .unwrap();
    let loc = resp.header("Location").unwrap().to_string();
    let loc = if loc.starts_with("http") {
        loc
    } else {
        format!("{base}{loc}")
    };
    let sep = if loc.contains('?') { '&' } else { '?' };
    ureq::put(&format!("{loc}{sep}digest={d}"))
        .set("Content-Type", "application/octet-stream")
        .send_bytes(data)
        .unwrap();
    d
}

fn put_manifest(reg: &Registry, repo: &str, reference: &str, data: &[u8], mt: &str) -> String {
    ureq::put(&format!(
        "http://{}/v2/{repo}/manifests/{reference}",
        reg.host()
    ))
    .set("Content-Type", mt)
    .send_bytes(data)
    .unwrap();
    sha(data)
}

#[test]
fn registry_zstd_layers_push_and_pull() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/zstd/busybox:1", reg.host());
    let spec = ImageSpec::busybox(&name).layer(LayerBlob::zstd(
        crate::fixtures::LayerBuilder::new()
            .dir("etc", 0o755)
            .file("etc/z", "zstd\n", 0o644)
            .tar_bytes(),
    ));
    berth_load(
        &src,
        &docker_archive(&src, "z.tar", std::slice::from_ref(&spec)),
    );
    src.berth(["push", "--compression-format", "zstd", &name])
        .ok();
    let m = src.berth(["manifest", "inspect", &name]).ok().json();
    assert!(
        m["layers"][0]["mediaType"]
            .as_str()
            .unwrap()
            .ends_with("+zstd"),
        "{m}"
    );
    let dst = TestEnv::new();
    let out = dst.berth(["pull", "-q", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    dst.berth(["system", "check"]).ok();
    // v2s2 has no zstd.
    let out = src
        .berth([
            "push",
            "--format",
            "v2s2",
            "--compression-format",
            "zstd",
            &name,
        ])
        .fails(125);
    assert!(out.stderr.contains("zstd"), "{}", out.stderr);
}

#[test]
fn registry_basic_auth_login_push_pull_logout() {
    let reg = Registry::start(Auth::Basic);
    let env = TestEnv::new();
    let name = format!("{}/private/busybox:1", reg.host());
    let spec = load_image(&env, &name, None);

    let out = env.berth(["push", &name]).fails(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("authentication"), "{}", out.stderr);

    let out = env
        .berth(["login", "-u", USER, "-p", "wrong-password", &reg.host()])
        .fails(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("wrong-password"), "{}", out.stderr);
    assert!(!env.join(".config/containers/auth.json").exists());

    let out = env
        .berth(["login", "-u", USER, "--password-stdin", &reg.host()])
        .stdin_bytes(format!("{PASSWORD}\n"))
        .ok();
    assert_eq!(out.stdout.trim(), "Login Succeeded!");
    let auth = std::fs::read_to_string(env.join(".config/containers/auth.json")).unwrap();
    assert!(auth.contains(&reg.host()), "{auth}");

    env.berth(["push", &name]).ok();
    let dst = TestEnv::new();
    std::fs::create_dir_all(dst.join(".config/containers")).unwrap();
    std::fs::copy(
        env.join(".config/containers/auth.json"),
        dst.join(".config/containers/auth.json"),
    )
    .unwrap();
    let out = dst.berth(["pull", "-q", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());

    // Docker's config.json is read too, and --creds overrides. Without
    // credentials the pull is refused for want of them (that a secret
    // given is never printed: registry_credentials_never_appear_in_output).
    let third = TestEnv::new();
    let out = third.berth(["pull", "-q", &name]).fails(125);
    assert!(out.stderr.contains("authentication"), "{}", out.stderr);
    third
        .berth([
            "pull",
            "-q",
            "--creds",
            &format!("{USER}:{PASSWORD}"),
            &name,
        ])
        .ok();
    std::fs::create_dir_all(third.join(".docker")).unwrap();
    std::fs::copy(
        env.join(".config/containers/auth.json"),
        third.join(".docker/config.json"),
    )
    .unwrap();
    third.berth(["rmi", "-a", "-f"]).ok();
    third.berth(["pull", "-q", &name]).ok();

    // A credential helper named by credHelpers (Docker's protocol).
    let fourth = TestEnv::new();
    let bin = fourth.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-berthtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(fourth.join(".docker")).unwrap();
    std::fs::write(
        fourth.join(".docker/config.json"),
        format!("{{\"credHelpers\": {{\"{}\": \"berthtest\"}}}}", reg.host()),
    )
    .unwrap();
    let out = fourth
        .berth(["pull", "-q", &name])
        .env(
            "PATH",
            format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display()),
        )
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());

    let out = env.berth(["logout", &reg.host()]).ok();
    assert!(
        out.stdout.contains("Removed login credentials"),
        "{}",
        out.stdout
    );
    env.berth(["logout", &reg.host()]).fails(125);
    env.berth(["push", &name]).fails(125);
}

#[test]
fn registry_bearer_token_auth() {
    let reg = Registry::start(Auth::Token);
    let env = TestEnv::new();
    let name = format!("{}/tok/busybox:1", reg.host());
    let spec = load_image(&env, &name, None);
    // Anonymous tokens allow pull only: the push is refused.
    let out = env.berth(["push", &name]).fails(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    env.berth(["login", "-u", USER, "-p", "nope", &reg.host()])
        .fails(125);
    env.berth(["login", "-u", USER, "-p", PASSWORD, &reg.host()])
        .ok();
    env.berth(["push", &name]).ok();
    // Anonymous pull with an anonymous token.
    let dst = TestEnv::new();
    let out = dst.berth(["pull", "-q", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
}

#[test]
fn registry_pull_resumes_a_cut_blob() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/cut/busybox:1", reg.host());
    let spec = load_image(&src, &name, None);
    src.berth(["push", &name]).ok();
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            cut_blobs: 1,
            ..Faults::default()
        },
    );
    let dst = TestEnv::new();
    let via = format!("{}/cut/busybox:1", proxy.host());
    let out = dst.berth(["pull", "-q", &via]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    assert!(
        proxy.seen().iter().any(|l| l.contains("[Range: bytes=")),
        "{:?}",
        proxy.seen()
    );
    dst.berth(["system", "check"]).ok();
}

#[test]
fn registry_pull_resumes_a_blob_whose_server_went_silent() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/stall/busybox:1", reg.host());
    let spec = load_image(&src, &name, None);
    src.berth(["push", &name]).ok();
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            stall_blobs: 1,
            ..Faults::default()
        },
    );
    let dst = TestEnv::new();
    let out = dst
        .berth(["pull", "-q", &format!("{}/stall/busybox:1", proxy.host())])
        .env("BERTH_REGISTRY_TIMEOUT", "2")
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    assert!(
        proxy.seen().iter().any(|l| l.contains("[Range: bytes=")),
        "{:?}",
        proxy.seen()
    );
}

/// An image with a second layer of its own (`extra`), pushed from a
/// store of its own (returned) to a fresh registry as `repo`, and a fault
/// proxy in front of that registry, with faults made from that layer's
/// digest. Also the image's name and the layer's digest.
fn behind_a_fault_proxy(
    repo: &str,
    extra: &str,
    faults: impl FnOnce(&str) -> Faults,
) -> (Registry, TestEnv, String, String, FaultProxy) {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/{repo}", reg.host());
    load_image(&src, &name, Some(extra));
    src.berth(["push", &name]).ok();
    let m = src.berth(["manifest", "inspect", &name]).ok().json();
    let layer = m["layers"][1]["digest"].as_str().unwrap().to_string();
    let proxy = FaultProxy::start(reg.port, faults(&layer));
    (reg, src, name, layer, proxy)
}

#[test]
fn registry_pull_of_a_corrupt_blob_fails_and_changes_nothing() {
    let (reg, src, name, layer, proxy) = behind_a_fault_proxy("bad/busybox:1", "bad", |l| Faults {
        corrupt_digest: Some(l.to_string()),
        ..Faults::default()
    });
    // The destination store exists and holds an unrelated image, so that
    // "nothing changed" compares two real stores.
    let dst = TestEnv::new();
    let tiny = format!("{}/bad/tiny:1", reg.host());
    let tiny_spec = ImageSpec::empty().layer(small_layer("tiny", "t\n"));
    let tiny_spec = ImageSpec {
        repo_tags: vec![tiny.clone()],
        ..tiny_spec
    };
    berth_load(&src, &docker_archive(&src, "tiny.tar", &[tiny_spec]));
    src.berth(["push", "-q", &tiny]).ok();
    dst.berth(["pull", "-q", &tiny]).ok();
    let before = store_listing(&dst.root());
    let via = format!("{}/bad/busybox:1", proxy.host());
    let out = dst.berth(["pull", "-q", &via]).fails(125);
    assert!(out.stderr.contains(&layer), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // Not even the good base layer, extracted before the bad one failed,
    // is left behind.
    assert_same_listing(&before, &store_listing(&dst.root()), "a failed pull");
    dst.berth(["system", "check"]).ok();
    // Without the fault, the same pull works.
    let out = dst.berth(["pull", "-q", &name]).ok();
    assert!(!out.stdout.trim().is_empty());
}

#[test]
fn registry_retries_a_500() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/flaky/busybox:1", reg.host());
    let spec = load_image(&src, &name, None);
    src.berth(["push", &name]).ok();
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            fail_500: 2,
            ..Faults::default()
        },
    );
    let dst = TestEnv::new();
    let out = dst
        .berth(["pull", "-q", &format!("{}/flaky/busybox:1", proxy.host())])
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
}

/// `pull` from a registry that accepts connections and never answers,
/// with `BERTH_REGISTRY_TIMEOUT` set to `secs` (or unset): it must end
/// with one `Error:` line naming the timeout applied (`applied` seconds),
/// exit 125. The guard only stops a hang.
fn pull_from_a_silent_registry(secs: Option<&str>, applied: u64) {
    let proxy = FaultProxy::start(
        crate::registry_util::free_port(),
        Faults {
            silent: true,
            ..Faults::default()
        },
    );
    let env = TestEnv::new();
    let cmd = env.berth(["pull", &format!("{}/silent/x:1", proxy.host())]);
    let cmd = match secs {
        Some(s) => cmd.env("BERTH_REGISTRY_TIMEOUT", s),
        None => cmd.env_remove("BERTH_REGISTRY_TIMEOUT"),
    };
    let out = cmd.timeout(Duration::from_secs(120)).fails(125);
    assert!(
        out.stderr
            .contains(&format!("did not answer within {applied} s")),
        "{}",
        out.stderr
    );
    let errors = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Error"))
        .count();
    assert_eq!(errors, 1, "{}", out.stderr);
}

#[test]
fn registry_that_never_answers_times_out() {
    pull_from_a_silent_registry(Some("2"), 2);
}

/// With no `BERTH_REGISTRY_TIMEOUT`, a silent registry is given the
/// default 30 s, and no more.
#[test]
fn registry_that_never_answers_times_out_at_the_default() {
    pull_from_a_silent_registry(None, 30);
}

/// A registry that sends half of a blob and then nothing, every time it
/// is asked: the download is resumed a few times, each within the
/// timeout, then `pull` ends with one line naming the blob, exit 125,
/// and leaves the store as it was.
#[test]
fn registry_silent_in_a_blob_times_out() {
    let (_reg, _src, _, layer, proxy) =
        behind_a_fault_proxy("stall/busybox:2", "stalled", |l| Faults {
            stall_digest: Some(l.to_string()),
            ..Faults::default()
        });
    // The destination holds an image, so that "nothing changed" compares
    // two real stores.
    let dst = TestEnv::new();
    load_image(&dst, "localhost/other:1", Some("other"));
    let before = store_listing(&dst.root());
    let out = dst
        .berth(["pull", "-q", &format!("{}/stall/busybox:2", proxy.host())])
        .env("BERTH_REGISTRY_TIMEOUT", "2")
        .timeout(Duration::from_secs(120))
        .fails(125);
    assert!(out.stderr.starts_with("Error: "), "{}", out.stderr);
    assert!(out.stderr.contains(&layer), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let asked = proxy
        .seen()
        .iter()
        .filter(|l| l.contains(&format!("/blobs/{layer}")))
        .count();
    assert!(asked >= 2, "the blob was asked for {asked} times");
    assert_same_listing(&before, &store_listing(&dst.root()), "a timed-out pull");
}

/// A registry that answers the ping and then goes silent on the same
/// kept-alive connection: `pull` (the manifest) and `push` (the first
/// blob check) end with the timeout's error, over HTTP and over TLS.
/// (The HTTP client cleared a pooled connection's timeouts, and waited
/// for ever.) A token endpoint that never answers ends both the same way.
#[test]
fn registry_silent_on_a_kept_connection_times_out() {
    let env = TestEnv::new();
    let local = "localhost/kept/busybox:1";
    load_image(&env, local, None);
    for tls in [false, true] {
        for (stall, cmd) in [("/manifests/", "pull"), ("/blobs/", "push")] {
            let server = SilentAfter::start(stall, tls);
            let target = format!("{}/kept/busybox:1", server.host());
            let args: Vec<&str> = match cmd {
                "pull" => vec!["pull", "--tls-verify=false", &target],
                _ => vec!["push", "--tls-verify=false", local, &target],
            };
            let out = env
                .berth(args)
                .env("BERTH_REGISTRY_TIMEOUT", "2")
                .timeout(Duration::from_secs(60))
                .run();
            assert_eq!(out.code, 125, "{cmd} (tls {tls}): {}", out.stderr);
            assert!(
                out.stderr.contains("did not answer within 2 s"),
                "{cmd} (tls {tls}): {}",
                out.stderr
            );
            assert!(
                server.stalled(),
                "{cmd} (tls {tls}) never asked for {stall}"
            );
        }
        // A token endpoint that never answers, for a pull and a push.
        let server = SilentAfter::start_token_silent(tls);
        let target = format!("{}/kept/busybox:1", server.host());
        for args in [
            vec!["pull", "--tls-verify=false", &target],
            vec!["push", "--tls-verify=false", local, &target],
        ] {
            let out = env
                .berth(&args)
                .env("BERTH_REGISTRY_TIMEOUT", "2")
                .timeout(Duration::from_secs(60))
                .run();
            assert_eq!(out.code, 125, "{args:?} (tls {tls}): {}", out.stderr);
            assert!(
                out.stderr.contains("getting a token")
                    && out.stderr.contains("did not answer within 2 s"),
                "{args:?} (tls {tls}): {}",
                out.stderr
            );
            assert!(
                server.stalled(),
                "{args:?} (tls {tls}) never asked for a token"
            );
        }
    }
}

#[test]
fn registry_concurrent_pulls_share_one_store() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let mut names = Vec::new();
    for i in 0..4 {
        let name = format!("{}/conc/img:{i}", reg.host());
        load_image(&src, &name, Some(&format!("c{i}")));
        src.berth(["push", "-q", &name]).ok();
        names.push(name);
    }
    let dst = TestEnv::new();
    let running: Vec<_> = (0..8)
        .map(|k| dst.berth(["pull", "-q", &names[k % 4]]).spawn())
        .collect();
    for r in running {
        r.ok();
    }
    dst.berth(["system", "check"]).ok();
    let out = dst.berth(["images", "-q"]).ok();
    assert_eq!(out.lines().len(), 4, "{}", out.stdout);
}

/// A pull killed with SIGKILL while it holds half of one blob (the proxy
/// stalls that download, and the test waits for the stall before it
/// kills), once for each blob of the image: nothing half-made is listed,
/// `system check` is clean, and the same pull then completes, removing
/// what the killed one left in `tmp/`.
#[test]
fn registry_pull_killed_then_run_again_completes() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/kill/busybox:1", reg.host());
    let spec = load_image(&src, &name, Some("k"));
    src.berth(["push", "-q", &name]).ok();
    let m = src.berth(["manifest", "inspect", &name]).ok().json();
    let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_string()];
    for l in m["layers"].as_array().unwrap() {
        blobs.push(l["digest"].as_str().unwrap().to_string());
    }
    assert_eq!(blobs.len(), 3, "{m}");
    for (i, blob) in blobs.iter().enumerate() {
        let what = format!("pull killed while blob {i} ({blob}) downloads");
        let proxy = FaultProxy::start(
            reg.port,
            Faults {
                stall_digest: Some(blob.clone()),
                ..Faults::default()
            },
        );
        let dst = TestEnv::new();
        let via = format!("{}/kill/busybox:1", proxy.host());
        // `Cmd` starts berth in a process group of its own: killing the
        // group reaches every thread and child of it.
        let running = dst.berth(["pull", "-q", &via]).spawn();
        proxy.wait_stalled(1, Duration::from_secs(60), &what);
        let group = nix::unistd::Pid::from_raw(running.id() as i32);
        nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL)
            .unwrap_or_else(|e| panic!("{what}: killing the pull's process group: {e}"));
        let out = running.wait();
        assert_eq!(
            out.signal,
            Some(libc::SIGKILL),
            "{what}: the pull was not killed (exit code {})\n{}",
            out.code,
            out.stderr
        );
        let listed = dst.berth(["images", "-a", "-q"]).ok();
        assert_eq!(listed.stdout, "", "{what}: an image is listed");
        dst.berth(["system", "check"]).ok();

        let out = dst.berth(["pull", "-q", &name]).ok();
        assert_eq!(out.stdout.trim(), spec.id().hex(), "{what}");
        dst.berth(["system", "check"]).ok();
        let tmp: Vec<_> = std::fs::read_dir(dst.root().join("tmp"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(tmp.is_empty(), "{what}: tmp/ not emptied: {tmp:?}");
    }
}

/// What a command printed holds no trace of `secret`: neither the secret
/// itself nor the Basic credentials (`USER:secret` in base64) that carry it.
#[track_caller]
fn assert_no_secret(out: &Output, secret: &str, what: &str) {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{secret}"));
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for needle in [secret, basic.as_str()] {
            assert!(
                !text.contains(needle),
                "{what}: the secret is on {stream}:\n{text}"
            );
        }
    }
}

/// `--creds`, `-p` and `--password-stdin` secrets never reach stdout or
/// stderr: not when the registry refuses them (a wrong secret), and not
/// when it accepts them and then fails (the right secret, answered with a
/// 400 or a 503 by a proxy in front of the htpasswd registry). Each
/// command must fail for the reason meant, so that the secret was sent.
#[test]
fn registry_credentials_never_appear_in_output() {
    const WRONG: &str = "wrong-Secret-7f3a9c";
    let reg = Registry::start(Auth::Basic);
    let env = TestEnv::new();
    let name = format!("{}/secret/busybox:1", reg.host());
    load_image(&env, &name, None);
    // The image is in the registry, so that the pulls below fail only on
    // what is injected.
    let right = format!("{USER}:{PASSWORD}");
    env.berth(["push", "-q", "--creds", &right, &name]).ok();
    let wrong = format!("{USER}:{WRONG}");
    let host = reg.host();

    // A wrong secret: the registry refuses it.
    let refused = [
        (
            "push --creds",
            env.berth(["push", "--creds", &wrong, &name]),
        ),
        (
            "pull --creds",
            env.berth(["pull", "--creds", &wrong, &name]),
        ),
        (
            "login -p",
            env.berth(["login", "-u", USER, "-p", WRONG, &host]),
        ),
        (
            "login --password-stdin",
            env.berth(["login", "-u", USER, "--password-stdin", &host])
                .stdin_bytes(format!("{WRONG}\n")),
        ),
    ];
    for (what, cmd) in refused {
        let what = format!("{what} with a wrong secret");
        let out = cmd.fails(125);
        assert!(
            out.stderr.contains("authentication to"),
            "{what}: not refused for its credentials: {}",
            out.stderr
        );
        assert_no_secret(&out, WRONG, &what);
    }
    assert!(
        !env.join(".config/containers/auth.json").exists(),
        "a refused login stored its credentials"
    );

    // The right secret, then a registry error: every request that carries
    // credentials is answered with `status` instead of being forwarded.
    for status in [400u16, 503] {
        let proxy = FaultProxy::start(
            reg.port,
            Faults {
                fail_authorized: Some(status),
                ..Faults::default()
            },
        );
        let via = format!("{}/secret/busybox:1", proxy.host());
        let phost = proxy.host();
        let mut failing = vec![
            ("pull --creds", env.berth(["pull", "--creds", &right, &via])),
            (
                "login -p",
                env.berth(["login", "-u", USER, "-p", PASSWORD, &phost]),
            ),
        ];
        // A 503 is retried with backoff (seconds per command): the push
        // and the stdin login run against the 400 only.
        if status == 400 {
            failing.push((
                "push --creds",
                env.berth(["push", "--creds", &right, &name, &via]),
            ));
            failing.push((
                "login --password-stdin",
                env.berth(["login", "-u", USER, "--password-stdin", &phost])
                    .stdin_bytes(format!("{PASSWORD}\n")),
            ));
        }
        for (what, cmd) in failing {
            let what = format!("{what} with the right secret, answered {status}");
            let seen_before = proxy.seen().len();
            let out = cmd.fails(125);
            assert!(
                out.stderr.contains(&format!("status {status}")),
                "{what}: not failed by the registry's answer: {}",
                out.stderr
            );
            assert!(
                proxy.seen().len() > seen_before,
                "{what}: nothing reached the registry"
            );
            assert_no_secret(&out, PASSWORD, &what);
        }
    }
}

/// `login` keeps the credentials readable by the user alone: the auth
/// file mode 0600 and a directory it creates mode 0700, with
/// `--authfile`, at root's default place, and at a rootless user's
/// default place (`$XDG_RUNTIME_DIR/containers/auth.json`). An existing
/// file readable by others is replaced by a private one.
#[test]
fn registry_login_writes_a_private_auth_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// `path`'s mode (octal, as `ls` shows it) and owner.
    fn mode_of(path: &std::path::Path, what: &str) -> (String, u32) {
        let md =
            std::fs::metadata(path).unwrap_or_else(|e| panic!("{what}: {}: {e}", path.display()));
        (format!("{:o}", md.mode() & 0o7777), md.uid())
    }
    #[track_caller]
    fn assert_private(file: &std::path::Path, dir_mode: Option<&str>, uid: u32, what: &str) {
        assert_eq!(
            mode_of(file, what),
            ("600".to_string(), uid),
            "{what}: {}",
            file.display()
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains("auths"), "{what}: {text}");
        if let Some(want) = dir_mode {
            let dir = file.parent().unwrap();
            assert_eq!(
                mode_of(dir, what),
                (want.to_string(), uid),
                "{what}: {}",
                dir.display()
            );
        }
    }
    let reg = Registry::start(Auth::Basic);
    let host = reg.host();
    let env = TestEnv::new();

    // --authfile in a directory that does not exist yet.
    let fresh = env.join("fresh/sub/auth.json");
    env.berth(["login", "-u", USER, "-p", PASSWORD, "--authfile"])
        .arg(&fresh)
        .arg(&host)
        .ok();
    assert_private(&fresh, Some("700"), 0, "--authfile in a new dir");
    assert_eq!(
        mode_of(&env.join("fresh"), "the new dir's parent"),
        ("700".to_string(), 0)
    );
    // logout rewrites it, private still.
    env.berth(["logout", "--authfile"])
        .arg(&fresh)
        .arg(&host)
        .ok();
    assert_private(&fresh, Some("700"), 0, "--authfile after logout");

    // --authfile over an existing file that others can read.
    let open_dir = env.join("open");
    std::fs::create_dir(&open_dir).unwrap();
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let open = open_dir.join("auth.json");
    std::fs::write(&open, "{\"auths\": {}}\n").unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.berth(["login", "-u", USER, "-p", PASSWORD, "--authfile"])
        .arg(&open)
        .arg(&host)
        .ok();
    // The directory is the user's choice: only the file is checked.
    assert_private(&open, None, 0, "--authfile over a file mode 0644");

    // Root's default place (no XDG_RUNTIME_DIR): below $HOME/.config.
    env.berth(["login", "-u", USER, "-p", PASSWORD, &host]).ok();
    let default = env.join(".config/containers/auth.json");
    assert_private(&default, Some("700"), 0, "root's default auth file");

    // A rootless user's default place, in a runtime dir of this test's own
    // (the user's real one is shared by every test).
    let Some(user) = Rootless::with_subuid() else {
        return;
    };
    let uenv = user.env();
    let run = uenv.join("run");
    std::fs::create_dir(&run).unwrap();
    std::os::unix::fs::chown(&run, Some(user.uid), Some(user.gid)).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    user.berth(&uenv, ["login", "-u", USER, "-p", PASSWORD, &host])
        .env("XDG_RUNTIME_DIR", &run)
        .ok();
    assert_private(
        &run.join("containers/auth.json"),
        Some("700"),
        user.uid,
        "a rootless user's default auth file",
    );
}

#[test]
fn registry_redirects_never_carry_credentials_to_another_host() {
    use base64::Engine as _;
    let spec = ImageSpec::busybox("").layer(small_layer("redir", "r\n"));
    let config = spec.config();
    let manifest = spec.oci_manifest();
    let manifest_digest = sha(&manifest);
    let mut blobs = vec![(sha(&config), config.clone())];
    blobs.extend(spec.layers.iter().map(|l| (sha(&l.blob), l.blob.clone())));
    let storage = FakeServer::start(move |req| -> Answer {
        match blobs.iter().find(|(d, _)| req.target.ends_with(d.as_str())) {
            Some((_, b)) => (200, vec![], b.clone()),
            None => (404, vec![], vec![]),
        }
    });
    let storage_port = storage.port;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("u:p")
    );
    let md = manifest_digest.clone();
    let registry = FakeServer::start(move |req| -> Answer {
        if req.header("authorization") != Some(expected.as_str()) {
            let h = vec![("WWW-Authenticate".into(), "Basic realm=\"fake\"".into())];
            return (401, h, vec![]);
        }
        let t = req.target.as_str();
        if t == "/v2/" {
            (200, vec![], b"{}".to_vec())
        } else if t == "/v2/redir/manifests/1" {
            // Same host: the credentials follow.
            let to = format!("/v2/redir/manifests/{md}");
            (307, vec![("Location".into(), to)], vec![])
        } else if t == format!("/v2/redir/manifests/{md}") {
            let ct = "application/vnd.oci.image.manifest.v1+json".to_string();
            (200, vec![("Content-Type".into(), ct)], manifest.clone())
        } else if let Some(d) = t.strip_prefix("/v2/redir/blobs/") {
            // Another port is another server: no credentials.
            let to = format!("http://127.0.0.1:{storage_port}/storage/{d}");
            (307, vec![("Location".into(), to)], vec![])
        } else {
            (404, vec![], vec![])
        }
    });
    let env = TestEnv::new();
    let name = format!("127.0.0.1:{}/redir:1", registry.port);
    let out = env.berth(["pull", "-q", "--creds", "u:p", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    let seen = storage.seen();
    assert!(seen.len() >= 2, "{seen:?}");
    for s in &seen {
        assert_eq!(s.header("authorization"), None, "{s:?}");
    }
    assert!(registry
        .seen()
        .iter()
        .any(|s| s.target.ends_with(&manifest_digest) && s.header("authorization").is_some()));
}

#[test]
fn registry_rootless_login_pull_and_push() {
    let (Some(sub), Some(nosub)) = (Rootless::with_subuid(), Rootless::without_subuid()) else {
        return;
    };
    let reg = Registry::start(Auth::Basic);
    let src = TestEnv::new();
    let name = format!("{}/rootless/busybox:1", reg.host());
    let spec = load_image(&src, &name, Some("rl"));
    let creds = format!("{USER}:{PASSWORD}");
    src.berth(["push", "-q", "--creds", &creds, &name]).ok();
    for user in [sub, nosub] {
        let env = user.env();
        user.berth(&env, ["login", "-u", USER, "-p", PASSWORD, &reg.host()])
            .ok();
        // Podman's place: the user's runtime dir.
        let authfile = user.runtime_dir().join("containers/auth.json");
        let text = std::fs::read_to_string(&authfile).unwrap();
        assert!(text.contains(&reg.host()), "{text}");
        let out = user.berth(&env, ["pull", "-q", &name]).ok();
        assert_eq!(out.stdout.trim(), spec.id().hex());
        user.berth(&env, ["system", "check"]).ok();
        // Layer tars rebuilt from the rootless store, zstd-compressed on
        // the way, give back the same image.
        let copy = format!("{}/rootless/{}:zstd", reg.host(), user.name);
        user.berth(
            &env,
            ["push", "-q", "--compression-format", "zstd", &name, &copy],
        )
        .ok();
        user.berth(&env, ["logout", &reg.host()]).ok();
        let check = TestEnv::new();
        let out = check.berth(["pull", "-q", "--creds", &creds, &copy]).ok();
        assert_eq!(out.stdout.trim(), spec.id().hex());
    }
}

#[test]
fn registry_with_an_untrusted_certificate_needs_tls_verify_false() {
    let reg = Registry::start_tls();
    let env = TestEnv::new();
    let name = format!("{}/tls/busybox:1", reg.host());
    let spec = load_image(&env, &name, None);
    let out = env.berth(["push", &name]).fails(125);
    assert!(out.stderr.contains("certificate"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    env.berth(["push", "--tls-verify=false", &name]).ok();
    let dst = TestEnv::new();
    dst.berth(["pull", &name]).fails(125);
    let out = dst.berth(["pull", "-q", "--tls-verify=false", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
}

#[test]
fn cert_dir_gives_trusted_cas_and_the_clients_certificate() {
    // The client CA the registry trusts, and a client certificate it
    // signed.
    let pki = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let client = rcgen::CertificateParams::new(vec!["berth-client".to_string()])
        .unwrap()
        .signed_by(&client_key, &ca, &ca_key)
        .unwrap();
    let client_ca = pki.path().join("client-ca.crt");
    std::fs::write(&client_ca, ca.pem()).unwrap();
    let reg = Registry::start_tls_for_clients_of(&client_ca);
    let env = TestEnv::new();
    let name = format!("{}/certs/busybox:1", reg.host());
    let spec = load_image(&env, &name, None);

    // The server's certificate is unknown without a CA for it.
    let out = env.berth(["push", &name]).fails(125);
    assert!(out.stderr.contains("certificate"), "{}", out.stderr);
    // Its CA alone: the registry asks for a client certificate.
    let dir = env.join("certs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(reg.certificate(), dir.join("ca.crt")).unwrap();
    let certs = dir.to_str().unwrap();
    let out = env.berth(["push", "--cert-dir", certs, &name]).fails(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // A client certificate without its key is refused before any request.
    std::fs::write(dir.join("client.cert"), client.pem()).unwrap();
    let out = env.berth(["push", "--cert-dir", certs, &name]).fails(125);
    assert!(
        out.stderr.contains("missing key") && out.stderr.contains("client.key"),
        "{}",
        out.stderr
    );
    // With it, push and pull verify the server and are let in.
    std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
    env.berth(["push", "--cert-dir", certs, &name]).ok();
    let dst = TestEnv::new();
    let out = dst.berth(["pull", "-q", "--cert-dir", certs, &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
}

#[test]
fn retry_and_retry_delay_set_how_often_and_how_soon_a_pull_tries_again() {
    let reg = Registry::start(Auth::None);
    let src = TestEnv::new();
    let name = format!("{}/retry/busybox:1", reg.host());
    let spec = load_image(&src, &name, None);
    src.berth(["push", "-q", &name]).ok();
    let failing = |n: usize| {
        FaultProxy::start(
            reg.port,
            Faults {
                fail_500: n,
                ..Faults::default()
            },
        )
    };
    // Four 500s: two retries are not enough.
    let proxy = failing(4);
    let image = format!("{}/retry/busybox:1", proxy.host());
    let env = TestEnv::new();
    let out = env
        .berth(["pull", "--retry", "2", "--retry-delay", "10ms", &image])
        .fails(125);
    assert!(out.stderr.contains("500"), "{}", out.stderr);
    // Four retries: the pull succeeds.
    let proxy = failing(4);
    let image = format!("{}/retry/busybox:1", proxy.host());
    let out = env
        .berth([
            "pull",
            "-q",
            "--retry",
            "4",
            "--retry-delay",
            "10ms",
            &image,
        ])
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    // One retry, 2 s later: the default backoff would wait 0.5 s.
    let proxy = failing(1);
    let image = format!("{}/retry/busybox:1", proxy.host());
    let t = std::time::Instant::now();
    env.berth(["pull", "-q", "--retry", "1", "--retry-delay", "2s", &image])
        .ok();
    assert!(t.elapsed() >= Duration::from_secs(2), "{:?}", t.elapsed());
    let out = env
        .berth(["pull", "--retry-delay", "soon", &image])
        .fails(125);
    assert!(out.stderr.contains("--retry-delay"), "{}", out.stderr);
}

#[test]
fn registry_push_in_chunks_when_the_registry_requires_them() {
    let reg = Registry::start(Auth::None);
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            chunk_min_length: Some(300_000),
            ..Faults::default()
        },
    );
    let src = TestEnv::new();
    let name = format!("{}/chunks/busybox:1", proxy.host());
    let spec = load_image(&src, &name, Some("chunked"));
    src.berth(["push", "-q", &name]).ok();
    let seen = proxy.seen();
    let patches: Vec<&String> = seen.iter().filter(|l| l.starts_with("PATCH ")).collect();
    // busybox compresses to about 1 MB: several chunks, none unsized.
    assert!(patches.len() >= 2, "{seen:#?}");
    let mut next_start: std::collections::HashMap<String, u64> = Default::default();
    for p in &patches {
        let (_, range) = p
            .split_once("[Content-Range: ")
            .unwrap_or_else(|| panic!("a PATCH without Content-Range: {p}"));
        let (start, end) = range.trim_end_matches(']').split_once('-').unwrap();
        let (start, end): (u64, u64) = (start.parse().unwrap(), end.parse().unwrap());
        assert!(end + 1 - start >= 300_000, "{p}");
        // Each chunk follows the last one of its upload (the upload's
        // id is the path; its query changes with every Location).
        let upload = p.split('?').next().unwrap().to_string();
        assert_eq!(*next_start.get(&upload).unwrap_or(&0), start, "{seen:#?}");
        next_start.insert(upload, end + 1);
    }
    let dst = TestEnv::new();
    let out = dst.berth(["pull", "-q", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    dst.berth(["system", "check"]).ok();
}

/// The `/v2/` ping and the token endpoint redirected (the token endpoint
/// to another host, which must get no credentials), and an identity token
/// from auth.json used as a refresh token.
#[test]
fn registry_redirected_ping_and_token_endpoint_and_identity_token() {
    let spec = ImageSpec::busybox("").layer(small_layer("idtok", "i\n"));
    let config = spec.config();
    let manifest = spec.oci_manifest();
    let mut blobs = vec![(sha(&config), config.clone())];
    blobs.extend(spec.layers.iter().map(|l| (sha(&l.blob), l.blob.clone())));
    // The token server: a token for Basic-less GETs, and for a refresh
    // token posted as Docker posts it.
    let tokens = FakeServer::start(|req| -> Answer {
        let body = String::from_utf8_lossy(&req.body);
        let ok = match req.method.as_str() {
            "GET" => true,
            "POST" => {
                body.contains("grant_type=refresh_token")
                    && body.contains("refresh_token=the-refresh-token")
            }
            _ => false,
        };
        if ok && req.target.starts_with("/token") {
            (200, vec![], br#"{"access_token":"good"}"#.to_vec())
        } else {
            (401, vec![], vec![])
        }
    });
    let tokens_port = tokens.port;
    let registry = FakeServer::start(move |req| -> Answer {
        let t = req.target.as_str();
        if t == "/v2/" {
            return (307, vec![("Location".into(), "/v2/ping".into())], vec![]);
        }
        if let Some(q) = t.strip_prefix("/auth") {
            // The realm moved to another host: follow, without credentials.
            let to = format!("http://127.0.0.1:{tokens_port}/token{q}");
            return (307, vec![("Location".into(), to)], vec![]);
        }
        if req.header("authorization") != Some("Bearer good") {
            let port = req.header("host").unwrap_or("").to_string();
            let c = format!("Bearer realm=\"http://{port}/auth\",service=\"fake\"");
            return (401, vec![("WWW-Authenticate".into(), c)], vec![]);
        }
        if t == "/v2/ping" {
            (200, vec![], b"{}".to_vec())
        } else if t == "/v2/idtok/manifests/1" {
            let ct = "application/vnd.oci.image.manifest.v1+json".to_string();
            (200, vec![("Content-Type".into(), ct)], manifest.clone())
        } else if let Some((_, b)) = blobs.iter().find(|(d, _)| t.ends_with(d.as_str())) {
            (200, vec![], b.clone())
        } else {
            (404, vec![], vec![])
        }
    });
    let name = format!("127.0.0.1:{}/idtok:1", registry.port);

    // Basic credentials go to the realm's host, not where it redirects.
    let env = TestEnv::new();
    let out = env.berth(["pull", "-q", "--creds", "u:p", &name]).ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    let seen = registry.seen();
    assert!(
        seen.iter()
            .any(|s| s.target.starts_with("/auth") && s.header("authorization").is_some()),
        "{seen:#?}"
    );
    for s in tokens.seen() {
        assert_eq!(s.header("authorization"), None, "{s:?}");
    }

    // An identity token: a refresh-token POST, no password anywhere.
    let env = TestEnv::new();
    let authfile = env.path().join("auth.json");
    let doc = serde_json::json!({"auths": {format!("127.0.0.1:{}", registry.port): {
        "identitytoken": "the-refresh-token"}}});
    std::fs::write(&authfile, doc.to_string()).unwrap();
    let out = env
        .berth([
            "pull",
            "-q",
            "--authfile",
            authfile.to_str().unwrap(),
            &name,
        ])
        .ok();
    assert_eq!(out.stdout.trim(), spec.id().hex());
    let posts: Vec<_> = tokens
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert!(!posts.is_empty(), "{:#?}", tokens.seen());
    for p in &posts {
        let body = String::from_utf8_lossy(&p.body);
        assert!(body.contains("service=fake"), "{body}");
        assert!(body.contains("scope=repository%3Aidtok%3Apull"), "{body}");
        assert_eq!(p.header("authorization"), None);
    }
}

/// Bytes of the regular files under `path`.
fn tree_bytes(path: &std::path::Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|d| d.flatten().map(|e| tree_bytes(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) if m.is_file() => m.len(),
        _ => 0,
    }
}

/// The entries of the store's `tmp/`, by name.
fn tmp_entries(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.root().join("tmp"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Start `pull -q NAME` in `env` through a proxy that stalls the download
/// of `blob` after half its body, and wait until it does: the pull then
/// holds the store and half a blob in `tmp/`.
fn stalled_pull(env: &TestEnv, reg: &Registry, name: &str, blob: &str) -> (FaultProxy, Running) {
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            stall_digest: Some(blob.to_string()),
            ..Faults::default()
        },
    );
    let via = format!("{}/{name}", proxy.host());
    let running = env.berth(["pull", "-q", &via]).spawn();
    proxy.wait_stalled(1, Duration::from_secs(60), &format!("pull of {via}"));
    (proxy, running)
}

/// SIGKILL the process group of a spawned berth and reap it.
fn kill_group(running: Running, what: &str) {
    let group = nix::unistd::Pid::from_raw(running.id() as i32);
    nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL)
        .unwrap_or_else(|e| panic!("{what}: killing its process group: {e}"));
    let out = running.wait();
    assert_eq!(out.signal, Some(libc::SIGKILL), "{what}: {}", out.stderr);
}

/// Push `REGISTRY/NAME` from `src`: busybox and a layer of its own, 2 MiB
/// of text from `seed` that does not compress away; that layer's digest.
fn push_big(src: &TestEnv, reg: &Registry, name: &str, seed: u64) -> String {
    let full = format!("{}/{name}", reg.host());
    let mut x = seed;
    let text: String = (0..128 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("{x:016x}")
        })
        .collect();
    let spec = ImageSpec::busybox(&full).layer(small_layer("big", &text));
    let file = format!("{}.tar", name.replace(['/', ':'], "_"));
    berth_load(src, &docker_archive(src, &file, &[spec]));
    src.berth(["push", "-q", &full]).ok();
    let m = src.berth(["manifest", "inspect", &full]).ok().json();
    m["layers"][1]["digest"].as_str().unwrap().to_string()
}

// A pull SIGKILLed mid-layer while another pull holds the store (so the
// store is never idle) leaves half a layer in `tmp/`: `system check`
// reports those bytes as reclaimable, and the next writer (a `load`)
// removes them, and nothing of the live pull; as root and as both test
// users.
each_identity!(
    a_killed_pull_leaves_nothing_in_tmp_after_the_next_writer,
    |who| {
        let Some(env) = env_with(who, &[]) else {
            return;
        };
        let reg = Registry::start(Auth::None);
        let src = TestEnv::new();
        // Two images with layers of their own (the busybox one is in `env`
        // already): a pull waits for another that extracts the same layer.
        let live_layer = push_big(&src, &reg, "tmpgc/live:1", 0x9e37_79b9_7f4a_7c15);
        let killed_layer = push_big(&src, &reg, "tmpgc/killed:1", 0x2545_f491_4f6c_dd1d);

        let (_p1, live) = stalled_pull(&env, &reg, "tmpgc/live:1", &live_layer);
        let theirs = tmp_entries(&env);
        assert!(!theirs.is_empty(), "the live pull has nothing in tmp/");
        let (_p2, killed) = stalled_pull(&env, &reg, "tmpgc/killed:1", &killed_layer);
        let left = || -> Vec<String> {
            tmp_entries(&env)
                .into_iter()
                .filter(|e| !theirs.contains(e))
                .collect()
        };
        let on_disk = |names: &[String]| -> u64 {
            names
                .iter()
                .map(|n| tree_bytes(&env.root().join("tmp").join(n)))
                .sum()
        };
        // Killed once some of the layer is on disk.
        let started = std::time::Instant::now();
        while on_disk(&left()) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the stalled pull wrote nothing to tmp/: {:?}",
                left()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        kill_group(killed, "the pull killed");
        let left = left();
        // Its processes have all ended (SIGKILL is delivered to the group at
        // once, but each process ends in its own time): the pid in each name
        // is gone or a zombie.
        for e in &left {
            let pid = e.split('-').next().unwrap();
            let started = std::time::Instant::now();
            while std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| !s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
            {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "{pid} lives on"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        let out = env.berth(["system", "check"]).ok();
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("Reclaimable:"))
            .unwrap_or_else(|| {
                panic!("no reclaimable bytes reported of {left:?}:\n{}", out.stdout)
            });
        let bytes: u64 = line
            .split('(')
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        // All of what it left, and none of the live pull's.
        assert_eq!(bytes, on_disk(&left), "{line}");

        // The next writer, while the live pull still holds the store.
        let archive = docker_archive(&env, "more.tar", &[ImageSpec::busybox("localhost/more:1")]);
        berth_load(&env, &archive);
        let after = tmp_entries(&env);
        assert!(
            left.iter().all(|e| !after.contains(e)),
            "the killed pull's {left:?} still in tmp/: {after:?}"
        );
        assert!(
            theirs.iter().all(|e| after.contains(e)),
            "the live pull's {theirs:?} were removed: {after:?}"
        );
        let out = env.berth(["system", "check"]).ok();
        assert!(!out.stdout.contains("Reclaimable:"), "{}", out.stdout);
        kill_group(live, "the live pull");
    }
);

/// The regular files under `dir`, largest first.
fn files_by_size(dir: &std::path::Path, out: &mut Vec<(u64, std::path::PathBuf)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = e.path().symlink_metadata().unwrap();
        if m.is_dir() {
            files_by_size(&e.path(), out);
        } else if m.is_file() {
            out.push((m.len(), e.path()));
        }
    }
    out.sort_by(|a, b| b.cmp(a));
}

/// `push` of an image whose stored layer was changed on disk (same size,
/// other bytes) fails naming that layer, without retrying, and the
/// registry never receives a manifest; `save` refuses it the same way.
#[test]
fn push_of_a_damaged_layer_fails_naming_it_and_sends_no_manifest() {
    let reg = Registry::start(Auth::None);
    let env = TestEnv::new();
    let name = format!("{}/damaged/busybox:1", reg.host());
    load_image(&env, &name, None);
    let diff_id = env
        .berth([
            "image",
            "inspect",
            "--format",
            "{{index .RootFS.Layers 0}}",
            &name,
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    let hex = diff_id.strip_prefix("sha256:").unwrap();
    let mut files = Vec::new();
    files_by_size(
        &env.root().join("overlay").join(hex).join("diff"),
        &mut files,
    );
    let (_, victim) = files.first().expect("a file in the layer");
    let mut bytes = std::fs::read(victim).unwrap();
    for b in bytes.iter_mut().take(64) {
        *b ^= 0x5a;
    }
    std::fs::write(victim, &bytes).unwrap();

    let out = env.berth(["push", &name]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Error:"))
        .collect();
    assert!(
        errors.len() == 1 && errors[0].contains(&diff_id) && errors[0].contains("damaged"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Retrying"), "{}", out.stderr);
    assert_eq!(
        reg.count_requests(&["PUT", "/manifests/"]),
        0,
        "the registry got a manifest:\n{}",
        reg.log()
    );
    let out = env
        .berth(["save", "-o", env.join("x.tar").to_str().unwrap(), &name])
        .run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains(&diff_id), "{}", out.stderr);
}
