//! The README's first commands and its tour work as written: each line
//! runs in a shell, with the images it names served by a registry on
//! loopback (the tests never reach the internet) instead of Docker Hub.

use crate::fixtures::{berth_load, write_docker_archive, ImageSpec};
use crate::registry_util::{Auth, Registry};
use crate::util::{is_root, shared_berth_binary, skip, TestEnv};
use std::path::Path;

/// The lines of the first `sh` block after `heading`, comments dropped.
fn block_after(readme: &str, heading: &str) -> Vec<String> {
    let rest = &readme[readme.find(heading).expect(heading)..];
    let start = rest.find("```sh\n").unwrap() + 6;
    let end = start + rest[start..].find("```").unwrap();
    rest[start..end]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.find("   #") {
            Some(i) => l[..i].trim_end().to_string(),
            None => l.to_string(),
        })
        .collect()
}

#[test]
fn readme_start_and_tour_work_as_written() {
    if !is_root() {
        skip("the README test starts containers as root");
        return;
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut lines = block_after(&readme, "## Start");
    // `cargo install` is how berth got here: the test's binary stands in.
    assert!(lines.remove(0).starts_with("cargo install --path ."));
    lines.extend(block_after(&readme, "## A short tour"));
    assert!(lines.len() >= 12, "{lines:?}");

    let reg = Registry::start(Auth::None);
    let host = reg.host();
    let src = TestEnv::new();
    let archive = src.join("alpine.tar");
    let names = [
        format!("{host}/library/alpine:latest"),
        format!("{host}/library/alpine:3.20"),
    ];
    let mut spec = ImageSpec::busybox(&names[0]);
    spec = spec.tag(&names[1]);
    write_docker_archive(&archive, &[spec]);
    berth_load(&src, &archive);
    for n in &names {
        src.berth(["push", n]).ok();
    }

    let env = TestEnv::new();
    let bin = env.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(shared_berth_binary(), bin.join("berth")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    for line in &lines {
        let line = line
            .replace(
                "docker.io/library/alpine",
                &format!("{host}/library/alpine"),
            )
            .replace("localhost:5000", &host);
        let out = env
            .command("sh")
            .args(["-c", &line])
            .env("PATH", &path)
            .env("BERTH_ROOT", env.root())
            .env("BERTH_RUNROOT", env.runroot())
            .run();
        assert_eq!(out.code, 0, "{line}\n{}{}", out.stdout, out.stderr);
        if line.contains("echo hello") {
            assert_eq!(out.stdout, "hello\n");
        }
        if line == "berth run --rm localhost/hello:1" {
            assert_eq!(out.stdout, "built\n");
        }
    }
    assert_eq!(
        std::fs::read_to_string(env.join("built.txt")).unwrap(),
        "built\n"
    );
    env.berth(["image", "exists", &format!("{host}/hello:1")])
        .fails(1);
    let pushed = TestEnv::new();
    pushed
        .berth(["pull", "-q", &format!("{host}/hello:1")])
        .ok();
}
