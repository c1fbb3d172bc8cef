//! `build --output`: the image's files in a directory or a tar, the image
//! as an OCI or Docker archive (which berth and Podman load), the image
//! pushed; with no image output the store shows no new image.

use crate::identity::*;
use crate::registry_util::{Auth, Registry};
use crate::util::*;
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

const DOCKERFILE: &str = "\
FROM localhost/busybox
RUN mkdir -p /app/sub && echo hello > /app/hello.txt && ln -s hello.txt /app/link && chmod 640 /app/hello.txt && rm /bin/hostname
COPY data.txt /app/sub/data.txt
";

/// `kind path mode size [target]` per entry below `dir`, relative.
fn dir_listing(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let md = fs::symlink_metadata(e.path()).unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let line = if md.file_type().is_symlink() {
                let target = fs::read_link(e.path()).unwrap();
                format!("l {rel} {}", target.display())
            } else if md.is_dir() {
                todo.push(e.path());
                format!("d {rel} {:o}", md.mode() & 0o7777)
            } else {
                format!("f {rel} {:o} {}", md.mode() & 0o7777, md.len())
            };
            out.insert(line);
        }
    }
    out
}

/// The same listing of a tar of files.
fn tar_listing(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut a = tar::Archive::new(bytes);
    for e in a.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        let rel = e
            .path()
            .unwrap()
            .display()
            .to_string()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        let mode = h.mode().unwrap() & 0o7777;
        let line = match h.entry_type() {
            tar::EntryType::Symlink => {
                format!("l {rel} {}", h.link_name().unwrap().unwrap().display())
            }
            tar::EntryType::Directory => format!("d {rel} {mode:o}"),
            _ => format!("f {rel} {mode:o} {}", h.size().unwrap()),
        };
        if !rel.is_empty() {
            out.insert(line);
        }
    }
    out
}

each_identity!(outputs_write_files_and_archives_and_leave_no_image, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
    fs::write(ctx.join("data.txt"), "data\n").unwrap();
    let before = env.berth(["images", "-q", "--no-trunc"]).ok().stdout;
    env.berth(["build", "-t", "localhost/outs:1", "-o", "out-local"])
        .args(["-o", "type=tar,dest=out.tar", "-o", "type=oci,dest=oci.tar"])
        .args(["-o", "type=docker,dest=docker.tar", "ctx"])
        .ok();
    // No image output: `images` shows what it showed, no name was given.
    assert_eq!(
        env.berth(["images", "-q", "--no-trunc"]).ok().stdout,
        before
    );
    env.berth(["image", "exists", "localhost/outs:1"]).fails(1);

    // The files: the RUN's and COPY's, the image's, without what RUN
    // removed; the tar holds the same.
    let local = env.join("out-local");
    assert_eq!(
        fs::read_to_string(local.join("app/hello.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        fs::read_to_string(local.join("app/sub/data.txt")).unwrap(),
        "data\n"
    );
    assert_eq!(
        fs::metadata(local.join("app/hello.txt"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert_eq!(
        fs::read_link(local.join("app/link")).unwrap(),
        Path::new("hello.txt")
    );
    assert!(local.join("bin/busybox").is_file());
    assert!(
        fs::symlink_metadata(local.join("bin/hostname")).is_err(),
        "RUN removed /bin/hostname"
    );
    let from_dir = dir_listing(&local);
    let from_tar = tar_listing(&fs::read(env.join("out.tar")).unwrap());
    assert_eq!(from_dir, from_tar);
    assert!(from_tar.contains("f app/hello.txt 640 6"), "{from_tar:?}");
    // Rootless, the files are the user's; as root, the image's owners.
    let owner = env.user().map_or(0, |u| u.uid);
    assert_eq!(
        fs::metadata(local.join("app/hello.txt")).unwrap().uid(),
        owner
    );

    // The archives load, named as -t said, with the image's id.
    for archive in ["oci.tar", "docker.tar"] {
        let out = env.berth(["load", "-i", archive]).ok();
        assert!(
            out.stdout.contains("localhost/outs:1"),
            "{archive}: {}",
            out.stdout
        );
        let got = env
            .berth([
                "run",
                "--rm",
                "localhost/outs:1",
                "cat",
                "/app/hello.txt",
                "/app/sub/data.txt",
            ])
            .ok();
        assert_eq!(got.stdout, "hello\ndata\n");
        env.berth(["rmi", "localhost/outs:1"]).ok();
    }
    if who == Who::Root {
        for archive in ["oci.tar", "docker.tar"] {
            podman(&env)
                .args(["load", "-q", "-i"])
                .arg(env.join(archive))
                .ok();
            let out = podman(&env)
                .args([
                    "run",
                    "--rm",
                    "--net",
                    "none",
                    "localhost/outs:1",
                    "cat",
                    "/app/hello.txt",
                ])
                .ok();
            assert_eq!(out.stdout, "hello\n", "podman reads {archive}");
            podman(&env).args(["rmi", "localhost/outs:1"]).ok();
        }
    }

    // `-o -`: a tar on standard output, which carries nothing else.
    let out = env.berth(["build", "-o", "-", "ctx"]).ok();
    assert_eq!(tar_listing(&out.stdout_bytes), from_tar);
    // The tar and nothing after it; the id went to standard error.
    let bytes = &out.stdout_bytes;
    assert_eq!(bytes.len() % 512, 0);
    assert!(bytes[bytes.len() - 1024..].iter().all(|b| *b == 0));
    assert!(
        out.stderr
            .lines()
            .any(|l| l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("STEP 3/3"), "{}", out.stderr);

    // Bad outputs: one line, exit 125, no file left half-written.
    for (o, want) in [
        ("type=zip,dest=x", "type \"zip\""),
        ("type=local", "type=local needs dest=DIR"),
        ("type=tar,dest=no-such-dir/x.tar", "no-such-dir"),
    ] {
        let out = env.berth(["build", "-o", o, "ctx"]).fails(125);
        assert!(out.stderr.contains(want), "{o}: {}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    }
    assert!(!env.join("no-such-dir").exists());
    // A build whose output is the image names it, as without -o.
    env.berth([
        "build",
        "-q",
        "-o",
        "type=image,name=localhost/named:1",
        "ctx",
    ])
    .ok();
    env.berth(["image", "exists", "localhost/named:1"]).ok();
});

#[test]
fn output_registry_pushes_the_image() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let reg = Registry::start(Auth::None);
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
    fs::write(ctx.join("data.txt"), "data\n").unwrap();
    let remote = format!("{}/test/out:1", reg.host());
    env.berth(["build", "-q", "-o"])
        .arg(format!("type=image,name={remote},push=true"))
        .arg("ctx")
        .ok();
    let id = env
        .berth(["inspect", "--format", "{{.Id}}", &remote])
        .ok()
        .stdout;
    let other = TestEnv::new();
    other.berth(["pull", "-q", &remote]).ok();
    let pulled = other
        .berth(["inspect", "--format", "{{.Id}}", &remote])
        .ok()
        .stdout;
    assert_eq!(pulled, id);
}

/// `--progress`: quiet prints the image id alone, plain the steps as
/// lines; tty needs a terminal; other types are refused.
#[test]
fn progress_types() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {IMG}\nRUN echo ran\n"),
    )
    .unwrap();
    let ctx = ctx.to_str().unwrap();
    let quiet = env.berth(["build", "--progress", "quiet", ctx]).ok();
    assert_eq!(quiet.lines().len(), 1, "{}", quiet.stdout);
    assert_eq!(quiet.stdout.trim().len(), 64, "{}", quiet.stdout);
    let plain = env
        .berth(["build", "--no-cache", "--progress", "plain", ctx])
        .ok();
    assert!(
        plain.stdout.contains("STEP 2/2: RUN echo ran"),
        "{}",
        plain.stdout
    );
    let last = plain.lines().last().cloned().unwrap_or_default();
    assert!(
        last.len() == 64 && last.bytes().all(|b| b.is_ascii_hexdigit()),
        "{}",
        plain.stdout
    );
    let e = env.berth(["build", "--progress", "tty", ctx]).fails(125);
    assert!(e.stderr.contains("not a terminal"), "{}", e.stderr);
    assert_eq!(e.stderr.trim().lines().count(), 1, "{}", e.stderr);
    env.berth(["build", "--progress", "rainbow", ctx])
        .fails(125);
}
