//! Multi-platform builds and manifest lists: a base list of amd64 and
//! arm64 images made with `manifest create` and pushed; a two-platform
//! build whose arm64 RUN steps run under qemu (binfmt_misc), with the
//! platform args and `FROM --platform=$BUILDPLATFORM`; the images in a
//! `--manifest` list that `manifest push` sends, that skopeo and podman
//! read as two platforms, and that `pull --platform` takes apart.

use crate::fixtures::*;
use crate::identity::*;
use crate::registry_util::{Auth, Registry};
use crate::util::*;
use std::fs;

const DOCKERFILE: &str = "FROM --platform=$BUILDPLATFORM BASE AS tools\n\
     ARG TARGETARCH\n\
     RUN echo \"for $TARGETARCH on $(uname -m)\" > /tools.txt\n\
     FROM BASE\n\
     ARG TARGETPLATFORM\n\
     COPY --from=tools /tools.txt /tools.txt\n\
     RUN uname -m > /arch.txt && echo $TARGETPLATFORM > /platform.txt\n";

/// The (os, architecture) of each entry of an index.
fn platforms(index: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = index["manifests"]
        .as_array()
        .unwrap_or_else(|| panic!("not an index: {index}"))
        .iter()
        .map(|m| {
            (
                m["platform"]["os"].as_str().unwrap().to_string(),
                m["platform"]["architecture"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn two() -> Vec<(String, String)> {
    let host = oci_arch().to_string();
    let mut v = vec![
        ("linux".to_string(), host),
        ("linux".to_string(), "arm64".to_string()),
    ];
    v.sort();
    v
}

fn files(env: &TestEnv, image: &str) -> String {
    env.berth([
        "run",
        "--rm",
        image,
        "cat",
        "/arch.txt",
        "/platform.txt",
        "/tools.txt",
    ])
    .ok()
    .stdout
}

fn multi_platform(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    assert_eq!(oci_arch(), "amd64", "the test expects an amd64 host");
    let reg = Registry::start(Auth::None);
    let arm = docker_archive(
        &env,
        "arm.tar",
        &[ImageSpec::busybox_arm64("busybox:arm64")],
    );
    berth_load(&env, &arm);

    // A base list of both platforms, made here and pushed.
    let base = format!("{}/test/base:multi", reg.host());
    env.berth(["manifest", "create", &base, IMG, "busybox:arm64"])
        .ok();
    let local = env.berth(["manifest", "inspect", &base]).ok().json();
    assert_eq!(platforms(&local), two());
    assert_eq!(env.berth(["manifest", "exists", &base]).run().code, 0);
    assert_eq!(
        env.berth(["manifest", "exists", "nothing:here"]).run().code,
        1
    );
    // `push` of a list's name pushes the list and its images.
    env.berth(["push", "-q", &base]).ok();
    let raw = skopeo([
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{base}"),
    ])
    .ok()
    .json();
    assert_eq!(platforms(&raw), two());

    // The two-platform build, on a store without the base.
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), DOCKERFILE.replace("BASE", &base)).unwrap();
    let app = format!("{}/test/app:1", reg.host());
    let out = env
        .berth([
            "build",
            "--platform",
            "linux/amd64,linux/arm64",
            "--manifest",
            &app,
            ctx.to_str().unwrap(),
        ])
        .ok();
    assert!(out.stdout.contains("[linux/amd64]"), "{}", out.stdout);
    // The base was pulled for each platform: its name is on this
    // platform's image (it took it from the local list of that name),
    // the arm64 one is kept without it.
    assert_eq!(env.berth(["manifest", "exists", &base]).run().code, 1);
    let named = env
        .berth(["inspect", "--format", "{{.Architecture}}", &base])
        .ok();
    assert_eq!(named.stdout.trim(), "amd64");
    assert!(out.stdout.contains("[linux/arm64]"), "{}", out.stdout);
    let list = env.berth(["manifest", "inspect", &app]).ok().json();
    assert_eq!(platforms(&list), two());
    let listed = env
        .berth(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .ok();
    assert!(listed.stdout.contains(&app), "{}", listed.stdout);

    env.berth(["manifest", "push", "-q", &app]).ok();
    let raw = skopeo([
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{app}"),
    ])
    .ok()
    .json();
    assert_eq!(platforms(&raw), two());
    if who == Who::Root {
        // podman 4.3's `manifest inspect` has no --tls-verify.
        let conf = env.join("registries.conf");
        fs::write(
            &conf,
            format!(
                "unqualified-search-registries = []\n[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
                reg.host()
            ),
        )
        .unwrap();
        let seen = podman(&env)
            .env("CONTAINERS_REGISTRIES_CONF", &conf)
            .args(["manifest", "inspect", &app])
            .ok()
            .json();
        assert_eq!(platforms(&seen), two());
    }

    // Another store takes each platform's image apart.
    let other = env_with(who, &[]).expect("a second environment");
    other
        .berth(["pull", "-q", "--platform", "linux/arm64", &app])
        .ok();
    assert_eq!(
        other
            .berth(["inspect", "--format", "{{.Architecture}}", &app])
            .ok()
            .stdout
            .trim(),
        "arm64"
    );
    assert_eq!(
        files(&other, &app),
        "aarch64\nlinux/arm64\nfor arm64 on x86_64\n"
    );
    other.berth(["pull", "-q", "--arch", "amd64", &app]).ok();
    assert_eq!(
        files(&other, &app),
        "x86_64\nlinux/amd64\nfor amd64 on x86_64\n"
    );

    // Entries and lists go; the images stay.
    let arm_digest = list["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "arm64")
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    env.berth([
        "manifest",
        "annotate",
        "--annotation",
        "a=b",
        &app,
        &arm_digest,
    ])
    .ok();
    let annotated = env.berth(["manifest", "inspect", &app]).ok().json();
    let entry = annotated["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["digest"] == arm_digest.as_str())
        .unwrap();
    assert_eq!(entry["annotations"]["a"], "b");
    env.berth(["manifest", "remove", &app, &arm_digest]).ok();
    let one = env.berth(["manifest", "inspect", &app]).ok().json();
    assert_eq!(one["manifests"].as_array().unwrap().len(), 1);
    let before = env.berth(["images", "-aq", "--no-trunc"]).ok().stdout;
    let rm = env.berth(["manifest", "rm", &app]).ok().stdout;
    let lists: Vec<&str> = rm
        .lines()
        .filter_map(|l| l.strip_prefix("Deleted: "))
        .collect();
    assert_eq!(lists.len(), 1, "{rm}");
    assert_eq!(env.berth(["manifest", "exists", &app]).run().code, 1);
    let after = env.berth(["images", "-aq", "--no-trunc"]).ok().stdout;
    let kept = |l: &&str| !lists.iter().any(|d| l.ends_with(d));
    assert_eq!(
        before.lines().filter(kept).collect::<Vec<_>>(),
        after.lines().collect::<Vec<_>>(),
        "removing lists removed images"
    );

    // Without the registry, the same build for both platforms takes
    // every base from the store: the arm64 one is found again though
    // it has no name. -t names a list of the platforms' images.
    drop(reg);
    let again = env
        .berth([
            "build",
            "--platform",
            "linux/arm64,linux/amd64",
            "-t",
            "app:again",
            ctx.to_str().unwrap(),
        ])
        .ok();
    assert!(!again.stderr.contains("Copying"), "{}", again.stderr);
    let list = env.berth(["manifest", "inspect", "app:again"]).ok().json();
    assert_eq!(platforms(&list), two());
    let id = again.lines().last().cloned().unwrap_or_default();
    assert_eq!(
        env.berth(["images", "-q", "--no-trunc", "app:again"])
            .ok()
            .stdout
            .trim(),
        format!("sha256:{id}")
    );
    // `rmi` by the list's short id; tagging an image with a list's name
    // takes it from the list.
    env.berth(["rmi", &id[..12]]).ok();
    assert_eq!(env.berth(["manifest", "exists", "app:again"]).run().code, 1);
    env.berth(["manifest", "create", "app:third"]).ok();
    env.berth(["tag", IMG, "app:third"]).ok();
    assert_eq!(env.berth(["manifest", "exists", "app:third"]).run().code, 1);
}

each_identity!(two_platforms_build_push_and_pull, multi_platform);

#[test]
fn bad_platforms_and_lists() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), format!("FROM {IMG}\nRUN true\n")).unwrap();
    let before = env.berth(["images", "-a", "--no-trunc"]).ok().stdout;
    for (platform, says) in [
        ("linux", "expected OS/ARCH"),
        ("linux/amd64/v1/x", "expected OS/ARCH"),
        ("windows/amd64", "linux images only"),
        ("linux/amd64,", "expected OS/ARCH"),
    ] {
        let e = env
            .berth(["build", "--platform", platform, ctx.to_str().unwrap()])
            .fails(125);
        assert!(e.stderr.contains(says), "{platform}: {}", e.stderr);
        assert_eq!(e.stderr.trim().lines().count(), 1, "{}", e.stderr);
    }
    // A list cannot take an image's name, nor be made twice.
    let e = env.berth(["manifest", "create", IMG]).fails(125);
    assert!(e.stderr.contains("an image has this name"), "{}", e.stderr);
    env.berth(["manifest", "create", "list:1"]).ok();
    let e = env.berth(["manifest", "create", "list:1"]).fails(125);
    assert!(e.stderr.contains("already exists"), "{}", e.stderr);
    let e = env
        .berth(["manifest", "remove", "list:1", "sha256:abcd"])
        .fails(125);
    assert!(e.stderr.contains("not an entry"), "{}", e.stderr);
    let e = env
        .berth(["manifest", "push", "list:1", "127.0.0.1:1/x:1"])
        .fails(125);
    assert!(e.stderr.contains("is empty"), "{}", e.stderr);
    env.berth(["manifest", "rm", "list:1"]).ok();
    assert_eq!(
        env.berth(["images", "-a", "--no-trunc"]).ok().stdout,
        before
    );

    // A list keeps its images from `image prune`; one whose image was
    // removed is reported by system check, and --repair takes the entry
    // out.
    env.berth(["build", "-q", "-t", "one:1", ctx.to_str().unwrap()])
        .ok();
    env.berth(["manifest", "create", "list:2", "one:1"]).ok();
    env.berth(["untag", "one:1"]).ok();
    env.berth(["image", "prune", "-f"]).ok();
    let list = env.berth(["manifest", "inspect", "list:2"]).ok().json();
    let entry = list["manifests"][0]["digest"].as_str().unwrap().to_string();
    env.berth(["system", "check"]).ok();
    let img = env
        .berth([
            "images",
            "-a",
            "--no-trunc",
            "--format",
            "{{.Id}} {{.Digest}}",
        ])
        .ok()
        .stdout;
    let id = img
        .lines()
        .find(|l| l.ends_with(&entry))
        .unwrap_or_else(|| panic!("prune removed a listed image:\n{img}"))
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    env.berth(["rmi", &id]).ok();
    let check = env.berth(["system", "check"]).run();
    assert_ne!(check.code, 0);
    let said = format!("{}{}", check.stdout, check.stderr);
    assert!(
        said.contains("manifest list") && said.contains("missing"),
        "{said}"
    );
    env.berth(["system", "check", "--repair"]).ok();
    env.berth(["system", "check"]).ok();
    let list = env.berth(["manifest", "inspect", "list:2"]).ok().json();
    assert_eq!(list["manifests"].as_array().unwrap().len(), 0, "{list}");
    // `--manifest` and `-t` of one name: refused before anything runs.
    let e = env
        .berth([
            "build",
            "-t",
            "same:1",
            "--manifest",
            "same:1",
            ctx.to_str().unwrap(),
        ])
        .fails(125);
    assert!(
        e.stderr.contains("a name is an image's or a list's"),
        "{}",
        e.stderr
    );
}
