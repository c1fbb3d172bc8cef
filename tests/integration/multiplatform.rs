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
use std::path::PathBuf;

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

/// Load the arm64 test image into `env` beside the host's and make a
/// list of both, `REG/test/base:multi`, in `env` (not pushed).
fn base_list(env: &TestEnv, reg: &Registry) -> String {
    assert_eq!(oci_arch(), "amd64", "the test expects an amd64 host");
    let arm = docker_archive(env, "arm.tar", &[ImageSpec::busybox_arm64("busybox:arm64")]);
    berth_load(env, &arm);
    let base = format!("{}/test/base:multi", reg.host());
    env.berth(["manifest", "create", &base, IMG, "busybox:arm64"])
        .ok();
    base
}

fn multi_platform(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let reg = Registry::start(Auth::None);
    // A base list of both platforms, made here and pushed.
    let base = base_list(&env, &reg);
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
    // `manifest add --all` takes every platform's image of the list.
    other.berth(["manifest", "create", "copy:all"]).ok();
    other
        .berth(["manifest", "add", "--all", "copy:all", &app])
        .ok();
    let copy = other.berth(["manifest", "inspect", "copy:all"]).ok().json();
    assert_eq!(platforms(&copy), two());
    let e = other
        .berth([
            "manifest", "add", "--all", "--arch", "arm64", "copy:all", &app,
        ])
        .fails(125);
    assert!(e.stderr.contains("--all"), "{}", e.stderr);

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

/// The manifests of a build for two platforms, in its OCI archive:
/// index.json names one index, whose entries are (architecture, config
/// digest).
fn oci_archive_configs(path: &std::path::Path) -> Vec<(String, String)> {
    let mut files = std::collections::BTreeMap::new();
    let mut archive = tar::Archive::new(fs::File::open(path).unwrap());
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        files.insert(name, data);
    }
    let blob = |digest: &serde_json::Value| -> serde_json::Value {
        let hex = digest.as_str().unwrap().strip_prefix("sha256:").unwrap();
        serde_json::from_slice(&files[&format!("blobs/sha256/{hex}")]).unwrap()
    };
    let top: serde_json::Value = serde_json::from_slice(&files["index.json"]).unwrap();
    let entries = top["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{top}");
    assert_eq!(
        entries[0]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.ref.name"], "localhost/app:multi",
        "{top}"
    );
    let index = blob(&entries[0]["digest"]);
    assert_eq!(platforms(&index), two());
    let mut out: Vec<(String, String)> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let manifest = blob(&m["digest"]);
            (
                m["platform"]["architecture"].as_str().unwrap().to_string(),
                manifest["config"]["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A directory name that, below `linux_arm64/`, is longer than a ustar
/// header's name field.
const LONG: &str = "long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A two-platform build writes one registry cache, which a build on an
/// empty store takes every step of; that build's file outputs put each
/// platform's files below its own directory (local, tar), and its OCI
/// archive holds an index of both images, which `load` (and podman's)
/// take the host's image from.
fn several_platforms_cache_and_outputs(who: Who) {
    let Some(a) = env_with(who, &[]) else {
        return;
    };
    let reg = Registry::start(Auth::None);
    let base = base_list(&a, &reg);
    a.berth(["push", "-q", &base]).ok();
    let dockerfile = format!(
        "FROM {base}\nRUN uname -m > /arch.txt && ln /arch.txt /arch.link && mkdir -p /{LONG} && echo deep > /{LONG}/f\nCOPY f.txt /f.txt\n"
    );
    let context = |env: &TestEnv| {
        let ctx = env.join("ctx");
        fs::create_dir_all(&ctx).unwrap();
        fs::write(ctx.join("Dockerfile"), &dockerfile).unwrap();
        fs::write(ctx.join("f.txt"), "one\n").unwrap();
        ctx.to_str().unwrap().to_string()
    };
    let cache = format!("{}/test/cache", reg.host());
    let both = "linux/amd64,linux/arm64";
    let ctx_a = context(&a);
    let out = a
        .berth([
            "build",
            "--platform",
            both,
            "--cache-to",
            &cache,
            "-t",
            "app:multi",
            &ctx_a,
        ])
        .ok();
    // One cache, written once, with both platforms' two steps.
    let written: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("Cache written to"))
        .collect();
    assert_eq!(
        written,
        [format!("Cache written to {cache}:buildcache: 4 steps")]
    );
    let list_a = a.berth(["manifest", "inspect", "app:multi"]).ok().json();
    let ids_a = a.berth(["images", "-a", "-q", "--no-trunc"]).ok().stdout;

    // An empty store: every step from the cache; files only, no image.
    let b = env_with(who, &[]).expect("a second environment");
    let ctx_b = context(&b);
    let (dir, tarfile, oci) = (b.join("out"), b.join("all.tar"), b.join("app.oci.tar"));
    // A build in B of both platforms, with the cache.
    let build_b = || b.berth(["build", "--platform", both, "--cache-from", &cache]);
    let out = build_b()
        .args(["-t", "app:multi"])
        .args(["-o", &format!("type=local,dest={}", dir.display())])
        .args(["-o", &format!("type=tar,dest={}", tarfile.display())])
        .args(["-o", &format!("type=oci,dest={}", oci.display())])
        .arg(&ctx_b)
        .ok();
    let cached = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("--> Using cache "))
        .count();
    assert_eq!(cached, 4, "{}", out.stdout);
    for (p, arch) in [("linux_amd64", "x86_64"), ("linux_arm64", "aarch64")] {
        assert_eq!(
            fs::read_to_string(dir.join(p).join("arch.txt")).unwrap(),
            format!("{arch}\n")
        );
        assert_eq!(
            fs::read_to_string(dir.join(p).join("f.txt")).unwrap(),
            "one\n"
        );
    }
    let listed = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&tarfile)
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    for want in [
        "linux_amd64/arch.txt",
        "linux_arm64/arch.txt",
        "linux_arm64/bin/busybox",
        // Over a ustar header's 100 bytes once below its directory.
        &format!("linux_arm64/{LONG}/f"),
    ] {
        assert!(listed.lines().any(|l| l == want), "{want} in {listed}");
    }
    // A hard link's target is below the same platform's directory.
    let x = b.join("x");
    fs::create_dir(&x).unwrap();
    let unpacked = std::process::Command::new("tar")
        .args(["--no-same-owner", "-xf"])
        .arg(&tarfile)
        .arg("-C")
        .arg(&x)
        .output()
        .unwrap();
    assert!(unpacked.status.success(), "{unpacked:?}");
    assert_eq!(
        fs::read_to_string(x.join("linux_arm64/arch.link")).unwrap(),
        "aarch64\n"
    );
    assert_eq!(b.berth(["manifest", "exists", "app:multi"]).run().code, 1);
    // No image of the build to list: each platform's is build cache.
    let shown = b
        .berth(["images", "--format", "{{.ID}} {{.Repository}}"])
        .ok();
    assert!(!shown.stdout.contains("<none>"), "{}", shown.stdout);
    assert!(!shown.stdout.contains("app"), "{}", shown.stdout);
    // The archive's images are store A's, one per platform.
    let configs = oci_archive_configs(&oci);
    assert_eq!(configs.len(), 2);
    for (arch, config) in &configs {
        assert!(ids_a.contains(config), "{arch} {config} not in {ids_a}");
    }
    let raw = skopeo([
        "inspect",
        "--raw",
        &format!("oci-archive:{}", oci.display()),
    ])
    .ok()
    .json();
    assert_eq!(platforms(&raw), two());
    b.berth(["load", "-i", oci.to_str().unwrap()]).ok();
    let host = &configs.iter().find(|(a, _)| a == "amd64").unwrap().1;
    let host = host.strip_prefix("sha256:").unwrap();
    assert_eq!(
        b.berth(["inspect", "--format", "{{.Id}}", "app:multi"])
            .ok()
            .stdout
            .trim(),
        host
    );
    if who == Who::Root {
        podman(&b).args(["load", "-i", oci.to_str().unwrap()]).ok();
        let id = podman(&b)
            .args(["image", "inspect", "--format", "{{.Id}}", "app:multi"])
            .ok();
        assert_eq!(id.stdout.trim(), host);
    }

    // The same images as store A's: the list of them is A's list.
    build_b().args(["--manifest", "app:list", &ctx_b]).ok();
    let list_b = b.berth(["manifest", "inspect", "app:list"]).ok().json();
    assert_eq!(list_b["manifests"], list_a["manifests"]);

    // The tar on standard output.
    let out = build_b().args(["-o", "-", &ctx_b]).ok();
    let mut names = Vec::new();
    let mut archive = tar::Archive::new(&out.stdout_bytes[..]);
    for e in archive.entries().unwrap() {
        names.push(e.unwrap().path().unwrap().to_string_lossy().into_owned());
    }
    for want in ["linux_amd64/f.txt", "linux_arm64/f.txt"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }

    // A cache that cannot be written fails the build, which leaves no
    // image of its own behind (the COPY steps made new ones).
    let before = a.berth(["images", "-a", "-q", "--no-trunc"]).ok().stdout;
    fs::write(PathBuf::from(&ctx_a).join("f.txt"), "two\n").unwrap();
    let e = a
        .berth(["build", "--platform", both, "-t", "app:multi"])
        .args(["--cache-to", "127.0.0.1:1/nothing/here", &ctx_a])
        .fails(125);
    assert!(e.stderr.contains("--cache-to"), "{}", e.stderr);
    let after = a.berth(["images", "-a", "-q", "--no-trunc"]).ok().stdout;
    assert_eq!(before, after);

    // A Docker archive has no place for two platforms.
    let docker = b.join("app.docker.tar");
    let e = b
        .berth(["build", "--platform", both, "-o"])
        .arg(format!("type=docker,dest={}", docker.display()))
        .arg(&ctx_b)
        .fails(125);
    assert_eq!(e.stderr.trim().lines().count(), 1, "{}", e.stderr);
    assert!(e.stderr.contains("type=docker"), "{}", e.stderr);
    assert!(!docker.exists());
}

each_identity!(
    several_platforms_share_a_cache_and_write_files,
    several_platforms_cache_and_outputs
);

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
