//! The store on disk: a layer shared by many images is kept once; `rmi`
//! frees exactly what no other image uses; `system check` finds damage
//! (a deleted or altered layer file, a missing blob) and names it, and
//! `--repair` removes what is broken so that nothing points at missing
//! data and loading the image again heals the store.

use crate::fixtures::*;
use crate::util::{du_bytes, podman, TestEnv};
use berth::digest::{chain_id, Digest};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

/// busybox plus one small layer of its own, named `localhost/store/NAME:1`.
fn over_base(name: &str, text: &str) -> ImageSpec {
    ImageSpec::busybox(&format!("localhost/store/{name}:1")).layer(small_layer(name, text))
}

/// The chain ids (layer dir names) of a spec's layers, bottom first.
fn chains(spec: &ImageSpec) -> Vec<Digest> {
    let mut parent: Option<Digest> = None;
    spec.diff_ids()
        .iter()
        .map(|d| {
            let c = chain_id(parent.as_ref(), d);
            parent = Some(c.clone());
            c
        })
        .collect()
}

/// The layer dirs present in the store.
fn layer_dirs(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(env.root().join("overlay"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n != "l")
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Read `index.json` directly and assert that every image it records has
/// its config and manifest blobs and all its layer dirs: nothing points at
/// missing data. Independent of berth's own checker.
#[track_caller]
fn assert_nothing_dangles(env: &TestEnv) {
    let root = env.root();
    let text = fs::read_to_string(root.join("index.json")).unwrap_or_else(|_| "{}".into());
    let idx: Value = serde_json::from_str(&text).unwrap();
    for img in idx["images"].as_array().cloned().unwrap_or_default() {
        for key in ["id", "manifest"] {
            let d = img[key].as_str().unwrap();
            let blob = root
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:"));
            let data = fs::read(&blob).unwrap_or_else(|e| {
                panic!("image {}: {key} blob {}: {e}", img["id"], blob.display())
            });
            assert_eq!(Digest::of(&data).to_string(), d, "{}", blob.display());
        }
        for l in img["layers"].as_array().unwrap() {
            let dir = root
                .join("overlay")
                .join(l.as_str().unwrap().trim_start_matches("sha256:"));
            assert!(
                dir.join("diff").is_dir(),
                "image {} needs layer {}, which is missing",
                img["id"],
                dir.display()
            );
        }
    }
}

/// Save `name` and check, by hashing the archive's files here, that every
/// layer is intact; returns the archive's path.
#[track_caller]
fn save_and_verify(env: &TestEnv, name: &str, spec: &ImageSpec) -> PathBuf {
    let path = env.join(format!("saved-{}.tar", spec.id().short()));
    env.berth(["save", "-o"]).arg(&path).arg(name).ok();
    let found = read_archive(&path);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, spec.id().to_string());
    assert_eq!(found[0].layer_digests, spec_diff_ids(spec), "{name}");
    path
}

#[test]
fn ten_images_over_one_base_store_the_base_once() {
    let env = TestEnv::new();
    let specs: Vec<ImageSpec> = (0..10)
        .map(|i| over_base(&format!("img{i}"), &format!("image number {i}\n")))
        .collect();
    let archives: Vec<PathBuf> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| docker_archive(&env, &format!("img{i}.tar"), std::slice::from_ref(s)))
        .collect();
    let empty = du_bytes(&env.root());
    berth_load(&env, &archives[0]);
    let one = du_bytes(&env.root()) - empty;
    let base = busybox_rootfs_tar().len() as u64;
    assert!(
        one >= base,
        "one image costs {one} bytes, less than its base ({base})?"
    );
    for a in &archives[1..] {
        berth_load(&env, a);
    }
    let ten = du_bytes(&env.root()) - empty;
    // Each further image adds a layer dir of a few small files, its config
    // and its manifest: a few blocks each, nothing near a copy of the base.
    let per_image = (ten - one) / 9;
    assert!(
        per_image < 64 * 1024,
        "each image over the shared base costs {per_image} bytes (one image: {one}, ten: {ten})"
    );
    assert!(
        ten < one + base / 2,
        "ten images cost {ten} bytes, one {one}: the base ({base} bytes) is stored more than once"
    );
    // One base layer dir and ten small ones.
    let dirs = layer_dirs(&env);
    assert_eq!(dirs.len(), 11, "{dirs:?}");
    assert!(dirs.contains(&chains(&specs[0])[0].hex().to_string()));
    for s in &specs {
        assert_eq!(berth_id(&env, &s.repo_tags[0]), s.id().hex());
    }
    // `system df` counts the base once too.
    let df = env.berth(["system", "df", "--format", "json"]).ok().json();
    let small: u64 = specs.iter().map(|s| s.layers[1].tar.len() as u64).sum();
    assert_eq!(df[0]["Size"], serde_json::json!(base + small), "{df:#}");
}

#[test]
fn rmi_frees_exactly_what_nothing_else_uses() {
    let env = TestEnv::new();
    let a = over_base("a", "only in a\n");
    let b = over_base("b", "only in b\n");
    berth_load(
        &env,
        &docker_archive(&env, "a.tar", std::slice::from_ref(&a)),
    );
    berth_load(
        &env,
        &docker_archive(&env, "b.tar", std::slice::from_ref(&b)),
    );
    let [base, a_top] = <[Digest; 2]>::try_from(chains(&a)).unwrap();
    let b_top = chains(&b)[1].clone();
    assert_eq!(layer_dirs(&env), {
        let mut v = vec![
            base.hex().to_string(),
            a_top.hex().to_string(),
            b_top.hex().to_string(),
        ];
        v.sort();
        v
    });
    let digest = |name: &str| {
        env.berth(["inspect", "--format", "{{.Digest}}", name])
            .ok()
            .stdout
            .trim()
            .trim_start_matches("sha256:")
            .to_string()
    };
    let a_manifest = digest(&a.repo_tags[0]);
    let before = store_listing(&env.root());
    let du_before = du_bytes(&env.root());

    env.berth(["rmi", &a.repo_tags[0]]).ok();

    // Exactly a's own layer dir, its short link, its config and manifest
    // go; index.json changes; nothing else.
    let after = store_listing(&env.root());
    let a_dir = format!("overlay/{}", a_top.hex());
    let a_link = format!("link -> ../{}/diff", a_top.hex());
    let mut want = before.clone();
    want.retain(|path, what| {
        !(path == &a_dir
            || path.starts_with(&format!("{a_dir}/"))
            || (path.starts_with("overlay/l/") && *what == a_link)
            || path == &format!("blobs/sha256/{}", a.id().hex())
            || path == &format!("blobs/sha256/{a_manifest}"))
    });
    assert!(
        before.len() - want.len() >= 6,
        "a's layer dir, link and blobs are in the listing"
    );
    want.insert("index.json".into(), after["index.json"].clone());
    // The event log gains the untag and the removal.
    want.insert(
        "events/events.log".into(),
        after["events/events.log"].clone(),
    );
    assert_same_listing(&want, &after, "rmi of one of two images sharing a base");
    let log = env
        .berth(["events", "--stream=false", "--filter", "type=image"])
        .args(["--format", "{{.Status}}"])
        .ok()
        .stdout;
    assert!(log.ends_with("load\nuntag\nremove\n"), "{log}");
    let freed = du_before - du_bytes(&env.root());
    assert!(
        freed < busybox_rootfs_tar().len() as u64 / 2,
        "rmi freed {freed} bytes: the shared base went too?"
    );

    env.berth(["system", "check"]).ok();
    assert_nothing_dangles(&env);
    // The other image is whole: it saves, and Podman loads it.
    let saved = save_and_verify(&env, &b.repo_tags[0], &b);
    podman(&env).args(["load", "-i"]).arg(&saved).ok();
    let theirs = podman(&env)
        .args(["image", "inspect", "--format", "{{.Id}}", &b.repo_tags[0]])
        .ok();
    assert_eq!(theirs.stdout.trim(), b.id().hex());

    // The last image over the base takes the base with it.
    env.berth(["rmi", &b.repo_tags[0]]).ok();
    assert_eq!(layer_dirs(&env), Vec::<String>::new());
    let rest: BTreeMap<String, String> = store_listing(&env.root())
        .into_iter()
        .filter(|(p, _)| p.starts_with("blobs/sha256/") || p.starts_with("overlay/l/"))
        .collect();
    assert!(rest.is_empty(), "left behind: {rest:?}");
    env.berth(["system", "check"]).ok();
}

/// A store holding `a` (busybox + `etc/check`) and `b` (busybox +
/// `etc/b`), loaded from one archive, and what the damage tests need.
struct Damaged {
    env: TestEnv,
    a: ImageSpec,
    b: ImageSpec,
    archive: PathBuf,
}

const CHECK_TEXT: &str = "the content system check verifies\n";

fn store_of_two() -> Damaged {
    let env = TestEnv::new();
    let a = over_base("check", CHECK_TEXT);
    let b = over_base("b", "b\n");
    let archive = docker_archive(&env, "ab.tar", &[a.clone(), b.clone()]);
    berth_load(&env, &archive);
    env.berth(["system", "check"]).ok();
    Damaged { env, a, b, archive }
}

impl Damaged {
    fn layer_file(&self, chain: &Digest, path: &str) -> PathBuf {
        self.env
            .root()
            .join("overlay")
            .join(chain.hex())
            .join("diff")
            .join(path)
    }

    /// `system check` fails naming each of `objects`; `--repair` removes
    /// the images in `lost` and keeps the others whole; afterwards the
    /// store is clean and nothing points at missing data; loading the
    /// archive again heals it.
    #[track_caller]
    fn check_repair_heal(&self, what: &str, objects: &[String], lost: &[&ImageSpec]) {
        let env = &self.env;
        let out = env.berth(["system", "check"]).fails(125);
        let all = format!("{}{}", out.stdout, out.stderr);
        for o in objects {
            assert!(
                all.contains(o.as_str()),
                "{what}: check does not name {o}:\n{all}"
            );
        }
        let err: Vec<&str> = out.stderr.lines().collect();
        assert!(
            err.len() == 1 && err[0].starts_with("Error: "),
            "{what}: one error line expected:\n{}",
            out.stderr
        );
        let out = env.berth(["system", "check", "--repair"]).ok();
        for img in lost {
            assert!(
                out.stdout
                    .contains(&format!("Removed image: {}", img.id().hex())),
                "{what}:\n{}",
                out.stdout
            );
        }
        let out = env.berth(["system", "check"]).ok();
        assert_eq!(out.stdout, "", "{what}: still reported after repair");
        assert_nothing_dangles(env);
        let listed = env.berth(["images", "-q", "--no-trunc"]).ok();
        for spec in [&self.a, &self.b] {
            let gone = lost.iter().any(|l| l.id() == spec.id());
            assert_eq!(
                listed.lines().contains(&spec.id().to_string().as_str()),
                !gone,
                "{what}: {}",
                listed.stdout
            );
            if !gone {
                save_and_verify(env, &spec.repo_tags[0], spec);
            }
        }
        // Loading the archive again heals the store.
        berth_load(env, &self.archive);
        env.berth(["system", "check"]).ok();
        for spec in [&self.a, &self.b] {
            assert_eq!(berth_id(env, &spec.repo_tags[0]), spec.id().hex());
            save_and_verify(env, &spec.repo_tags[0], spec);
        }
    }
}

#[test]
fn system_check_finds_a_deleted_layer_file_and_repair_heals() {
    let s = store_of_two();
    let top = chains(&s.a)[1].clone();
    fs::remove_file(s.layer_file(&top, "etc/check")).unwrap();
    s.check_repair_heal("deleted file", &[format!("layer {top}")], &[&s.a]);
}

#[test]
fn system_check_finds_an_altered_layer_file_of_the_same_size() {
    let s = store_of_two();
    let top = chains(&s.a)[1].clone();
    let file = s.layer_file(&top, "etc/check");
    let altered = CHECK_TEXT.to_uppercase();
    assert_eq!(altered.len(), CHECK_TEXT.len());
    fs::write(&file, altered).unwrap();
    s.check_repair_heal("altered file", &[format!("layer {top}")], &[&s.a]);
}

#[test]
fn system_check_finds_damage_in_a_shared_base_and_repair_removes_all_above() {
    let s = store_of_two();
    let base = chains(&s.a)[0].clone();
    let file = s.layer_file(&base, "etc/passwd");
    let mut data = fs::read(&file).unwrap();
    data[0] ^= 0x20;
    fs::write(&file, data).unwrap();
    s.check_repair_heal("altered base", &[format!("layer {base}")], &[&s.a, &s.b]);
}

#[test]
fn system_check_finds_a_missing_config_blob() {
    let s = store_of_two();
    let blob = s.env.root().join("blobs/sha256").join(s.a.id().hex());
    fs::remove_file(&blob).unwrap();
    s.check_repair_heal("missing config blob", &[s.a.id().to_string()], &[&s.a]);
}

#[test]
fn system_check_finds_a_missing_manifest_blob() {
    let s = store_of_two();
    let manifest = s
        .env
        .berth(["inspect", "--format", "{{.Digest}}", &s.b.repo_tags[0]])
        .ok()
        .stdout
        .trim()
        .to_string();
    let blob = s
        .env
        .root()
        .join("blobs/sha256")
        .join(manifest.trim_start_matches("sha256:"));
    fs::remove_file(&blob).unwrap();
    s.check_repair_heal("missing manifest blob", &[manifest], &[&s.b]);
}

#[test]
fn system_check_finds_an_altered_blob() {
    let s = store_of_two();
    let blob = s.env.root().join("blobs/sha256").join(s.b.id().hex());
    let mut data = fs::read(&blob).unwrap();
    let last = data.len() - 1;
    data[last] = b' ';
    fs::write(&blob, data).unwrap();
    s.check_repair_heal("altered config blob", &[s.b.id().to_string()], &[&s.b]);
}

#[test]
fn system_check_finds_a_stray_file_among_the_blobs() {
    let s = store_of_two();
    // What a blob write killed before its rename would leave.
    let stray = s.env.root().join("blobs/sha256/.0123.tmp-1-2-3");
    fs::write(&stray, "half a blob").unwrap();
    s.check_repair_heal("stray file", &[".0123.tmp-1-2-3".to_string()], &[]);
    assert!(!stray.exists());
}
