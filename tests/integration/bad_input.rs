//! Bad input is refused in one line (DESIGN.md §5): exactly one line on
//! stderr, `Error: …`, naming the object at fault (the file, the
//! reference, the entry), exit code 125, never a panic, and the store
//! exactly as it was. Hostile layers (`../` entries, a symlink leading out,
//! whiteouts and hard links through one) write nothing outside the layer.

use crate::fixtures::*;
use crate::util::{Output, TestEnv};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

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
pub(crate) fn assert_one_error(out: &Output, names: &[&str]) {
    assert_one_error_code(out, 125, names)
}

/// [`assert_one_error`] with exit code `code`.
#[track_caller]
pub(crate) fn assert_one_error_code(out: &Output, code: i32, names: &[&str]) {
    out.assert_code(code);
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
    refused_cmd_then(env, cmd, names, || {})
}

/// [`refused_cmd`], with `look` run right after the command, before any
/// check of what it did.
#[track_caller]
fn refused_cmd_then(
    env: &TestEnv,
    cmd: crate::util::Cmd,
    names: &[&str],
    look: impl FnOnce(),
) -> Output {
    refused_with_code(env, cmd, 125, names, look)
}

/// [`refused_cmd_then`] with exit code `code`.
#[track_caller]
fn refused_with_code(
    env: &TestEnv,
    cmd: crate::util::Cmd,
    code: i32,
    names: &[&str],
    look: impl FnOnce(),
) -> Output {
    let before = store_listing(&env.root());
    let images_before = env.berth(["images", "--no-trunc"]).ok().stdout;
    let out = cmd.run();
    look();
    assert_one_error_code(&out, code, names);
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

/// Every path below `dir` (symlinks not followed) whose name starts with
/// `prefix`.
fn find_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for e in entries {
        let e = e.unwrap();
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with(prefix) {
            found.push(p.clone());
        }
        if e.file_type().unwrap().is_dir() {
            found.extend(find_named(&p, prefix));
        }
    }
    found
}

#[test]
fn layer_with_a_dot_dot_entry() {
    // A layer is unpacked into `<root>/tmp/<writer>/<layer>/diff`, so an
    // entry `../`×N`NAME` taken as written would land N levels up: in the
    // layer's staging dir (1), the writer's (2), `<root>/tmp` (3),
    // `<root>` (4) or the test's directory (5). As containerd reads it,
    // `..` stops at the layer's root: the file is `/NAME` in the image.
    // Each depth has a name of its own, and the whole test directory is
    // searched for them: the only one may be in the layer's own `diff/`.
    //
    // Each depth comes twice: followed by an entry that fails by itself, a
    // file below a file (the load then fails and removes its staging
    // dirs: what escaped to levels 3 to 5 would stay, and only the search
    // sees it), and alone (the image loads and has the file at its root).
    for env in [empty_store(), store_with_an_image()] {
        for depth in (1..=5).rev() {
            for failing_tail in [true, false] {
                let name = format!("{}berth-escaped-{depth}", "../".repeat(depth));
                let mut layer = LayerBuilder::new().raw_file(&name, "escaped\n");
                if failing_tail {
                    layer = layer.file("f", "f\n", 0o644).file("f/g", "g\n", 0o644);
                }
                let path = env.join(format!("dotdot-{depth}-{failing_tail}.tar"));
                let spec = ImageSpec::busybox("localhost/bad/escape:1")
                    .layer(LayerBlob::plain(layer.tar_bytes()));
                write_docker_archive(&path, &[spec]);
                let file = path.display().to_string();
                let load = env.berth(["load", "-i", &file]);
                if failing_tail {
                    refused_cmd_then(&env, load, &[&file, "\"f/g\""], || {
                        let found = find_named(env.path(), "berth-escaped-");
                        assert!(found.is_empty(), "{name} escaped: {found:?}");
                    });
                    continue;
                }
                load.ok();
                let found = find_named(env.path(), "berth-escaped-");
                let own = format!("berth-escaped-{depth}");
                assert!(
                    found.len() == 1
                        && found[0].file_name().unwrap() == own.as_str()
                        && found[0].parent().unwrap().ends_with("diff"),
                    "{name} is not only at the root of its layer: {found:?}"
                );
                let out = env
                    .berth([
                        "run",
                        "--rm",
                        "localhost/bad/escape:1",
                        "cat",
                        &format!("/{own}"),
                    ])
                    .ok();
                assert_eq!(out.stdout, "escaped\n");
                env.berth(["rmi", "localhost/bad/escape:1"]).ok();
            }
        }
    }
}

#[test]
fn layer_with_a_symlink_leading_out() {
    // First a link to a directory of the test's own: if berth followed it
    // out of the layer, only that directory would suffer. It follows it
    // inside the layer's root, as containerd does.
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
    env.berth(["load", "-i", path.to_str().unwrap()]).ok();
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
        env.berth(["load", "-i", path.to_str().unwrap()]).ok();
        assert!(
            fs::read("/etc/passwd").unwrap() == passwd,
            "/etc/passwd changed!"
        );
        // The image's own /etc/passwd is what the layer wrote.
        let out = env
            .berth([
                "run",
                "--rm",
                "localhost/bad/symlink:1",
                "cat",
                "/etc/passwd",
            ])
            .ok();
        assert_eq!(out.stdout, "pwned\n");
    }
}

/// What a directory holds, for "unchanged": every path below it with its
/// type, content, link count and xattr names (the directory itself too).
fn dir_state(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    fn walk(top: &Path, p: &Path, out: &mut BTreeMap<String, String>) {
        let md = fs::symlink_metadata(p).unwrap();
        let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
        let mut names = vec![0u8; 4096];
        // SAFETY: a NUL-terminated path and a buffer of the length given.
        let n = unsafe { libc::llistxattr(c.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
        assert!(n >= 0, "listing xattrs of {}", p.display());
        names.truncate(n as usize);
        let what = if md.is_file() {
            format!("file {:?}", fs::read_to_string(p).unwrap())
        } else {
            format!("mode {:o}", md.mode())
        };
        let rel = p.strip_prefix(top).unwrap().display().to_string();
        let xattrs = String::from_utf8_lossy(&names).replace('\0', " ");
        let state = format!("{what} links {} xattrs [{xattrs}]", md.nlink());
        out.insert(rel, state);
        if md.is_dir() {
            for e in fs::read_dir(p).unwrap() {
                walk(top, &e.unwrap().path(), out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn layer_entries_through_a_symlink_apply_inside_the_image() {
    // A symlink to a directory of the test's own, then entries through
    // it. As containerd applies them, each lands inside the image at the
    // path the symlink names (an absolute target is inside the layer's
    // root): the directory itself is never touched.
    let env = store_with_an_image();
    let canary = env.join("canary");
    fs::create_dir_all(canary.join("sub")).unwrap();
    fs::write(canary.join("passwd"), "canary\n").unwrap();
    fs::write(canary.join("sub/keep"), "keep\n").unwrap();
    let before = dir_state(&canary);
    let inside = canary.to_str().unwrap();
    let to_canary = || LayerBuilder::new().symlink("a", inside);
    let cases = [
        to_canary().whiteout("a/passwd"),
        to_canary().whiteout("a/sub"),
        to_canary().whiteout("a/sub/keep"),
        to_canary().opaque("a"),
        to_canary()
            .file("f", "linked\n", 0o644)
            .hardlink("a/h", "f")
            .file("a/passwd", "in the image\n", 0o644),
    ];
    for (i, layer) in cases.into_iter().enumerate() {
        let path = env.join(format!("through-a-symlink-{i}.tar"));
        let image = format!("localhost/through-a-symlink:{i}");
        let spec = ImageSpec::busybox(&image).layer(LayerBlob::plain(layer.tar_bytes()));
        write_docker_archive(&path, &[spec]);
        env.berth(["load", "-i", path.to_str().unwrap()]).ok();
        assert_eq!(dir_state(&canary), before, "case {i}: the canary changed");
    }
    // What the last layer wrote through the symlink is in the image, at
    // the canary's path inside it.
    let out = env
        .berth([
            "run",
            "--rm",
            "localhost/through-a-symlink:4",
            "cat",
            &format!("{inside}/h"),
            &format!("{inside}/passwd"),
            "/a/passwd",
        ])
        .ok();
    assert_eq!(out.stdout, "linked\nin the image\nin the image\n");
    assert_eq!(dir_state(&canary), before, "the canary changed");

    // A hard link to a file through the symlink names the image's own
    // path, where there is no such file: refused, naming the entry.
    let path = env.join("link-to-the-canary.tar");
    let spec = ImageSpec::busybox("localhost/bad/link-to-the-canary:1").layer(LayerBlob::plain(
        to_canary().hardlink("h", "a/passwd").tar_bytes(),
    ));
    write_docker_archive(&path, &[spec]);
    let file = path.display().to_string();
    let load = env.berth(["load", "-i", &file]);
    let names = [file.as_str(), "\"h\"", "\"a/passwd\" is not in this layer"];
    refused_cmd_then(&env, load, &names, || {
        assert_eq!(dir_state(&canary), before, "the canary changed");
    });
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
            // Exit 1, as Podman.
            refused_with_code(&env, env.berth(["rmi", name]), 1, &[name], || {});
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
