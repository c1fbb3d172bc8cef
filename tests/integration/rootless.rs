//! berth as an unprivileged user, the main use (DESIGN.md §4, §6): with a
//! subordinate id range, berth works in a user namespace, so a file that
//! the image gives to 1000:1000 is stored owned by the matching subordinate
//! ids; without a range, every file is the user's, nothing fails, and the
//! owners live on in the tar-split so `save` gives back the exact layers.
//! Either way load, images, tag, save (which Podman, as root, loads with
//! the same image ID), rmi and system check work, and opaque directories
//! and whiteouts load in their rootless overlay form.

use crate::fixtures::*;
use crate::util::{podman, Rootless, TestEnv};
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

const NAME: &str = "localhost/rootless/owned:1";

/// busybox plus a layer with files of three owners, an opaque directory
/// and a whiteout.
fn owned_image() -> ImageSpec {
    let layer = LayerBuilder::new()
        .dir("data", 0o755)
        .owned(1000, 1000)
        .file("data/app-file", "owned by app\n", 0o640)
        .owned(1000, 1000)
        .file("data/root-file", "owned by root\n", 0o644)
        .file("data/odd-file", "owned by 4242:4343\n", 0o600)
        .owned(4242, 4343)
        .dir("tmp", 0o1777)
        .opaque("tmp")
        .file("tmp/kept", "only this shows\n", 0o644)
        .whiteout("etc/group")
        .tar_bytes();
    ImageSpec::busybox(NAME).layer(LayerBlob::gzip(layer))
}

/// `diff/` of the image's top layer in `env`'s store.
fn top_diff(env: &TestEnv, spec: &ImageSpec) -> PathBuf {
    let mut parent = None;
    let mut chain = None;
    for d in spec.diff_ids() {
        let c = berth::digest::chain_id(parent.as_ref(), &d);
        parent = Some(c.clone());
        chain = Some(c);
    }
    env.root()
        .join("overlay")
        .join(chain.unwrap().hex())
        .join("diff")
}

fn owner(p: &Path) -> (u32, u32) {
    let md = fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (md.uid(), md.gid())
}

/// The value of extended attribute `name` of `path` (not following links).
fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: both strings are NUL-terminated and outlive the call; the
    // buffer is writable for its length.
    let len =
        unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if len < 0 {
        return None;
    }
    buf.truncate(len as usize);
    Some(buf)
}

/// The opaque dir and the whiteout are in overlay form for a `userxattr`
/// mount: `user.overlay.opaque=y` and a 0:0 character device.
#[track_caller]
fn assert_rootless_overlay_form(diff: &Path) {
    assert_eq!(
        xattr(&diff.join("tmp"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..]),
        "{}: opaque dir",
        diff.display()
    );
    assert!(
        !diff.join("tmp/.wh..wh..opq").exists(),
        "the opaque marker stays a marker"
    );
    let wh = fs::symlink_metadata(diff.join("etc/group")).expect("the whiteout of etc/group");
    assert!(wh.file_type().is_char_device(), "etc/group: {wh:?}");
    assert_eq!(wh.rdev(), 0, "a whiteout is device 0:0");
    assert!(!diff.join("etc/.wh.group").exists());
}

/// Save as the user, check the layers against their diffIDs here and
/// return the owners of `data/*` as the saved layer tar records them;
/// then load the archive into Podman as root: same image ID.
#[track_caller]
fn save_and_cross_check(
    user: &Rootless,
    env: &TestEnv,
    spec: &ImageSpec,
) -> Vec<(String, u64, u64)> {
    let saved = env.join("saved.tar");
    user.berth(env, ["save", "-o"]).arg(&saved).arg(NAME).ok();
    let found = read_archive(&saved);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, spec.id().to_string());
    assert_eq!(
        found[0].layer_digests,
        spec_diff_ids(spec),
        "saved layers differ from the loaded ones"
    );
    let root_env = TestEnv::new();
    podman(&root_env).args(["load", "-i"]).arg(&saved).ok();
    let theirs = podman(&root_env)
        .args(["image", "inspect", "--format", "{{.Id}}", NAME])
        .ok();
    assert_eq!(theirs.stdout.trim(), spec.id().hex());

    let files = tar_files(&saved);
    let top = format!("{}.tar", spec.diff_ids()[1].hex());
    let layer = files
        .get(&top)
        .unwrap_or_else(|| panic!("no {top} in the archive: {:?}", files.keys()));
    let mut owners = Vec::new();
    for e in tar::Archive::new(layer.as_slice()).entries().unwrap() {
        let e = e.unwrap();
        let p = e.path().unwrap().to_string_lossy().into_owned();
        if p.starts_with("data/") {
            owners.push((p, e.header().uid().unwrap(), e.header().gid().unwrap()));
        }
    }
    owners
}

/// What both users must be able to do; returns the env for more checks.
fn common(user: &Rootless, spec: &ImageSpec) -> TestEnv {
    let env = user.env();
    let archive = docker_archive(&env, "owned.tar", std::slice::from_ref(spec));
    let out = user.berth(&env, ["load", "-i"]).arg(&archive).ok();
    assert!(
        out.stdout.contains(&format!("Loaded image: {NAME}")),
        "{}",
        out.stdout
    );
    let out = user.berth(&env, ["images", "-q", "--no-trunc"]).ok();
    assert_eq!(out.lines(), [spec.id().to_string().as_str()]);
    user.berth(&env, ["tag", NAME, "localhost/rootless/other:2"])
        .ok();
    let out = user
        .berth(&env, ["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .ok();
    assert_eq!(out.lines(), [NAME, "localhost/rootless/other:2"]);
    user.berth(&env, ["system", "check"]).ok();
    // info tells a rootless user that containers can have an overlay.
    let info = user.berth(&env, ["info", "--format", "json"]).ok().json();
    assert_eq!(info["host"]["rootless"], true, "{info:#}");
    assert_eq!(
        info["store"]["opaqueXattr"], "user.overlay.opaque",
        "{info:#}"
    );
    assert_eq!(
        info["store"]["overlayInUserNamespace"], "supported",
        "{info:#}"
    );
    // The store is the user's: nothing in it belongs to root.
    let md = fs::metadata(env.root().join("index.json")).unwrap();
    assert_eq!(md.uid(), user.uid, "index.json");
    env
}

/// rmi as the user: a second name only untags; the last takes the image
/// and its layers; the store is clean.
fn remove_all(user: &Rootless, env: &TestEnv) {
    let out = user.berth(env, ["rmi", "localhost/rootless/other:2"]).ok();
    assert_eq!(out.lines(), ["Untagged: localhost/rootless/other:2"]);
    let out = user.berth(env, ["rmi", NAME]).ok();
    assert!(out.stdout.contains("Deleted: "), "{}", out.stdout);
    let layers: Vec<_> = fs::read_dir(env.root().join("overlay"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "l")
        .collect();
    assert!(layers.is_empty(), "{layers:?}");
    user.berth(env, ["system", "check"]).ok();
}

#[test]
fn rootless_with_a_subuid_range_keeps_the_images_owners() {
    let Some(user) = Rootless::with_subuid() else {
        return;
    };
    let spec = owned_image();
    let env = common(&user, &spec);
    let (uids, _) = user.subuids.unwrap();
    let (gids, _) = user.subgids.unwrap();
    // The user namespace maps 0 to the user and 1.. to the range, so
    // image id N is stored as range start + N - 1 (as `podman unshare`).
    let diff = top_diff(&env, &spec);
    assert_eq!(owner(&diff.join("data")), (uids + 999, gids + 999));
    assert_eq!(owner(&diff.join("data/app-file")), (uids + 999, gids + 999));
    assert_eq!(
        owner(&diff.join("data/odd-file")),
        (uids + 4241, gids + 4342)
    );
    assert_eq!(owner(&diff.join("data/root-file")), (user.uid, user.gid));
    let base = env
        .root()
        .join("overlay")
        .join(spec.diff_ids()[0].hex())
        .join("diff");
    assert_eq!(owner(&base.join("home/app")), (uids + 999, gids + 999));
    assert_eq!(owner(&base.join("bin/busybox")), (user.uid, user.gid));
    assert_rootless_overlay_form(&diff);

    let owners = save_and_cross_check(&user, &env, &spec);
    assert_eq!(
        owners,
        [
            ("data/".to_string(), 1000, 1000),
            ("data/app-file".to_string(), 1000, 1000),
            ("data/root-file".to_string(), 0, 0),
            ("data/odd-file".to_string(), 4242, 4343),
        ]
    );
    remove_all(&user, &env);
}

#[test]
fn rootless_without_a_subuid_range_owns_every_file_and_saves_the_owners() {
    let Some(user) = Rootless::without_subuid() else {
        return;
    };
    let spec = owned_image();
    let env = user.env();
    // The first layer command says once that files keep one owner.
    let first = env.join("first.tar");
    let hint_spec = ImageSpec::busybox("localhost/rootless/hint:1");
    write_docker_archive(&first, std::slice::from_ref(&hint_spec));
    let out = user.berth(&env, ["load", "-i"]).arg(&first).ok();
    assert!(
        out.stderr.contains("subordinate"),
        "no hint:\n{}",
        out.stderr
    );
    let out = user.berth(&env, ["rmi", "localhost/rootless/hint:1"]).ok();
    assert!(
        !out.stderr.contains("subordinate"),
        "hint repeated:\n{}",
        out.stderr
    );
    drop(env);

    let env = common(&user, &spec);
    let diff = top_diff(&env, &spec);
    for f in ["data", "data/app-file", "data/root-file", "data/odd-file"] {
        assert_eq!(owner(&diff.join(f)), (user.uid, user.gid), "{f}");
    }
    // The user can read its own files, whatever the image's modes.
    let md = fs::metadata(diff.join("data/odd-file")).unwrap();
    assert!(md.mode() & 0o400 != 0, "{:o}", md.mode());
    assert_rootless_overlay_form(&diff);

    let owners = save_and_cross_check(&user, &env, &spec);
    assert_eq!(
        owners,
        [
            ("data/".to_string(), 1000, 1000),
            ("data/app-file".to_string(), 1000, 1000),
            ("data/root-file".to_string(), 0, 0),
            ("data/odd-file".to_string(), 4242, 4343),
        ],
        "save gives back the image's owners"
    );
    remove_all(&user, &env);
}
