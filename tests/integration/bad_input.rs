//! Bad input is refused in one line (DESIGN.md §5): exactly one line on
//! stderr, `Error: …`, naming the object at fault (the file, the
//! reference, the entry), exit code 125, never a panic, and the store
//! exactly as it was. Hostile layers (`../` entries, a symlink leading out)
//! write nothing outside the store.

use crate::fixtures::*;
use crate::util::{Output, TestEnv};
use std::fs;
use std::path::Path;

/// A store already holding an image, so that "unchanged" means something.
fn store_with_an_image() -> TestEnv {
    let env = TestEnv::new();
    let spec = ImageSpec::busybox("localhost/bad/existing:1");
    berth_load(&env, &docker_archive(&env, "existing.tar", &[spec]));
    env
}

/// A store that exists but holds no image and no layer (one was loaded
/// and removed): a bad load must not leave a layer behind here either.
fn empty_store() -> TestEnv {
    let env = store_with_an_image();
    env.berth(["rmi", "-a"]).ok();
    env
}

/// Assert the one-line error: exit 125, one stderr line starting
/// `Error: ` that contains every one of `names`, no panic.
#[track_caller]
fn assert_one_error(out: &Output, names: &[&str]) {
    out.assert_code(125);
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
        "`{}` panicked:\n{}",
        out.describe,
        out.stderr
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("Error: "),
        "`{}`: exactly one line `Error: …` expected on stderr, got:\n{}",
        out.describe,
        out.stderr
    );
    assert!(
        !lines[0].chars().any(|c| c.is_control() || c == '\u{fffd}'),
        "`{}`: the error line holds unprintable characters:\n{:?}",
        out.describe,
        lines[0]
    );
    for n in names {
        assert!(
            lines[0].contains(n),
            "`{}`: the error does not name {n:?}:\n{}",
            out.describe,
            lines[0]
        );
    }
}

/// Run `args` against `env`, expecting the one-line error naming `names`,
/// and the store (every file of it, and what `images` and `system check`
/// say) unchanged.
#[track_caller]
fn refused(env: &TestEnv, args: &[&str], names: &[&str]) -> Output {
    refused_cmd(env, env.berth(args), names)
}

#[track_caller]
fn refused_cmd(env: &TestEnv, cmd: crate::util::Cmd, names: &[&str]) -> Output {
    let before = store_listing(&env.root());
    let images_before = env.berth(["images", "--no-trunc"]).ok().stdout;
    let out = cmd.run();
    assert_one_error(&out, names);
    assert_same_listing(&before, &store_listing(&env.root()), &out.describe);
    assert_eq!(
        env.berth(["images", "--no-trunc"]).ok().stdout,
        images_before
    );
    env.berth(["system", "check"]).ok();
    out
}

/// `load -i path` of an archive, refused naming the file and `names`.
#[track_caller]
fn load_refused(env: &TestEnv, path: &Path, names: &[&str]) {
    let file = path.display().to_string();
    let mut all = vec![file.as_str()];
    all.extend(names);
    refused(env, &["load", "-i", &file], &all);
}

/// Where the data of entry `name` starts in the tar at `path`.
fn data_offset(path: &Path, name: &str) -> u64 {
    let data = fs::read(path).unwrap();
    let mut ar = tar::Archive::new(data.as_slice());
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == name {
            return e.raw_file_position();
        }
    }
    panic!("no {name} in {}", path.display())
}

#[test]
fn truncated_archive() {
    let env = store_with_an_image();
    let spec = ImageSpec::busybox("localhost/bad/truncated:1").layer(small_layer("t", "t\n"));
    let whole = docker_archive(&env, "whole.tar", std::slice::from_ref(&spec));
    // Cut inside the data of the first layer, of the second, and of
    // manifest.json. (Cut cleanly between two entries after the manifest,
    // an archive still holds the whole image: Podman and berth load it.)
    let offsets: Vec<u64> = [
        format!("{}/layer.tar", spec.layers[0].digest().hex()),
        format!("{}/layer.tar", spec.layers[1].digest().hex()),
        "manifest.json".to_string(),
    ]
    .iter()
    .map(|name| data_offset(&whole, name) + 10)
    .collect();
    for at in offsets {
        let path = env.join(format!("truncated-{at}.tar"));
        fs::copy(&whole, &path).unwrap();
        truncate(&path, at);
        load_refused(&env, &path, &[]);
    }
}

#[test]
fn layer_that_does_not_match_its_diff_id() {
    for env in [empty_store(), store_with_an_image()] {
        let path = env.join("mismatch.tar");
        write_diffid_mismatch_archive(&path, "localhost/bad/mismatch:1");
        // The fixture's second layer promises etc/extra "promised\n".
        let promised = small_layer("extra", "promised\n");
        load_refused(&env, &path, &[promised.diff_id().hex()]);
    }
}

#[test]
fn manifest_naming_a_missing_file() {
    for env in [empty_store(), store_with_an_image()] {
        let path = env.join("missing.tar");
        write_missing_layer_archive(&path, "localhost/bad/missing:1");
        let spec = ImageSpec::busybox("x").layer(small_layer("extra", "missing\n"));
        let missing = format!("{}/layer.tar", spec.layers[1].digest().hex());
        load_refused(&env, &path, &[&missing]);
    }
}

#[test]
fn layer_with_a_dot_dot_entry() {
    for env in [empty_store(), store_with_an_image()] {
        let path = env.join("escape.tar");
        let spec =
            ImageSpec::busybox("localhost/bad/escape:1").layer(LayerBlob::plain(escape_layer()));
        write_docker_archive(&path, &[spec]);
        load_refused(&env, &path, &["../escape"]);
        // Nothing was written beside the store or anywhere above it.
        for dir in [
            env.path(),
            env.root().as_path(),
            &env.root().join("overlay"),
        ] {
            assert!(!dir.join("escape").exists(), "{}", dir.display());
        }
    }
}

#[test]
fn layer_with_a_symlink_leading_out() {
    // First a link to a directory of the test's own: if berth followed it,
    // only that directory would suffer.
    let env = store_with_an_image();
    let canary = env.join("canary");
    fs::create_dir(&canary).unwrap();
    fs::write(canary.join("passwd"), "canary\n").unwrap();
    let layer = LayerBuilder::new()
        .symlink("a", canary.to_str().unwrap())
        .file("a/passwd", "pwned\n", 0o644)
        .tar_bytes();
    let path = env.join("canary.tar");
    let spec = ImageSpec::busybox("localhost/bad/canary:1").layer(LayerBlob::plain(layer));
    write_docker_archive(&path, &[spec]);
    load_refused(&env, &path, &["a/passwd"]);
    assert_eq!(
        fs::read_to_string(canary.join("passwd")).unwrap(),
        "canary\n"
    );

    // Then the classic attack on the host: `a -> /etc`, `a/passwd`.
    let passwd = fs::read("/etc/passwd").unwrap();
    for env in [empty_store(), store_with_an_image()] {
        let path = env.join("symlink.tar");
        let spec = ImageSpec::busybox("localhost/bad/symlink:1")
            .layer(LayerBlob::plain(symlink_escape_layer()));
        write_docker_archive(&path, &[spec]);
        load_refused(&env, &path, &["a/passwd"]);
        assert!(
            fs::read("/etc/passwd").unwrap() == passwd,
            "/etc/passwd changed!"
        );
    }
}

#[test]
fn archives_that_are_not_image_archives() {
    let env = store_with_an_image();
    let mut rng = Rng::new(7);
    let tar_without_manifest = {
        let p = env.join("plain-files.tar");
        let t = LayerBuilder::new()
            .file("hello.txt", "hello\n", 0o644)
            .tar_bytes();
        fs::write(&p, t).unwrap();
        p
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage.tar", rng.bytes(100_000)),
        ("empty.tar", Vec::new()),
        ("text.tar", b"this is not an archive\n".repeat(100)),
        ("gzip-text.tar.gz", gzip(&b"not a tar inside\n".repeat(100))),
        ("zeros.tar", vec![0u8; 10240]),
        ("json.tar", br#"[{"Config":"x.json","Layers":[]}]"#.to_vec()),
    ];
    for (name, data) in cases {
        let path = env.join(name);
        fs::write(&path, data).unwrap();
        load_refused(&env, &path, &[]);
    }
    load_refused(&env, &tar_without_manifest, &[]);
    // A manifest.json that is not JSON, and one whose config is missing.
    let p = env.join("bad-manifest.tar");
    fs::write(
        &p,
        LayerBuilder::new()
            .file("manifest.json", "{not json", 0o644)
            .tar_bytes(),
    )
    .unwrap();
    load_refused(&env, &p, &["manifest.json"]);
    let p = env.join("no-config.tar");
    fs::write(
        &p,
        LayerBuilder::new()
            .file(
                "manifest.json",
                r#"[{"Config":"abc.json","RepoTags":["localhost/x:1"],"Layers":[]}]"#,
                0o644,
            )
            .tar_bytes(),
    )
    .unwrap();
    load_refused(&env, &p, &["abc.json"]);
    // Garbage on standard input, and a file that does not exist.
    let cmd = env.berth(["load"]).stdin_bytes(rng.bytes(5000));
    refused_cmd(&env, cmd, &["stdin"]);
    refused(
        &env,
        &["load", "-i", "no-such-file.tar"],
        &["no-such-file.tar"],
    );
    // import of garbage is refused the same way.
    let garbage = env.join("garbage.tar");
    refused(
        &env,
        &[
            "import",
            garbage.to_str().unwrap(),
            "localhost/bad/imported:1",
        ],
        &["garbage.tar"],
    );
}

#[test]
fn malformed_references() {
    let env = store_with_an_image();
    let existing = "localhost/bad/existing:1";
    refused(&env, &["tag", existing, "UPPER:case"], &["UPPER:case"]);
    refused(&env, &["tag", existing, "a b"], &["a b"]);
    refused(&env, &["tag", existing, "x:bad tag"], &["x:bad tag"]);
    refused(
        &env,
        &["tag", existing, "x@sha256:1234"],
        &["x@sha256:1234"],
    );
    refused(&env, &["inspect", ":bad"], &[":bad"]);
    refused(&env, &["inspect", "Bad/Name"], &["Bad/Name"]);
    refused(&env, &["rmi", "::"], &["::"]);
    refused(&env, &["history", "a//b"], &["a//b"]);
    refused(&env, &["untag", existing, "UPPER:case"], &["UPPER:case"]);
    let rootfs = env.join("rootfs.tar");
    fs::write(&rootfs, busybox_rootfs_tar()).unwrap();
    refused(
        &env,
        &["import", rootfs.to_str().unwrap(), "UPPER:case"],
        &["UPPER:case"],
    );
    refused(
        &env,
        &["save", "-o", "out.tar", "UPPER:case"],
        &["UPPER:case"],
    );
    assert!(!env.join("out.tar").exists());
}

#[test]
fn unknown_images() {
    // No store at all yet, an empty one, one with another image.
    for env in [TestEnv::new(), empty_store(), store_with_an_image()] {
        for name in [
            "localhost/nope:1",
            "nope",
            "0123456789ab",
            &format!("sha256:{}", "e".repeat(64)),
        ] {
            refused(&env, &["rmi", name], &[name]);
            refused(&env, &["inspect", name], &[name]);
            refused(&env, &["history", name], &[name]);
            refused(&env, &["save", "-o", "out.tar", name], &[name]);
            assert!(!env.join("out.tar").exists(), "a failed save left its file");
            refused(&env, &["tag", name, "localhost/other:1"], &[name]);
            refused(&env, &["untag", name], &[name]);
        }
    }
    // One unknown among known ones: nothing is done at all.
    let env = store_with_an_image();
    refused(
        &env,
        &[
            "save",
            "-o",
            "out.tar",
            "localhost/bad/existing:1",
            "localhost/nope:1",
        ],
        &["localhost/nope:1"],
    );
    assert!(!env.join("out.tar").exists(), "a failed save left its file");
}
