//! Archives travel both ways between berth and the real peers, Debian's
//! Podman and Skopeo: what berth saves (docker-archive and oci-archive)
//! Podman loads with the same image ID and Skopeo reads; what Podman saves
//! and Skopeo copies berth loads with the same image ID and diffIDs. The
//! fixture archives of every layout and compression load, as do
//! multi-image archives, standard input and whole-archive compression.

use crate::fixtures::*;
use crate::util::{podman, skopeo, TestEnv};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

/// Three images with layers of every compression, one layer shared.
fn images() -> Vec<ImageSpec> {
    let gz = LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/motd", "hello\n", 0o644)
        .whiteout("etc/group")
        .hardlink("etc/motd2", "etc/motd")
        .tar_bytes();
    let zs = LayerBuilder::new()
        .dir("opt", 0o755)
        .opaque("opt")
        .file("opt/z", "zstd\n", 0o600)
        .owned(1000, 1000)
        .symlink("opt/link", "../etc/passwd")
        .tar_bytes();
    vec![
        ImageSpec::busybox("localhost/interop/plain:1"),
        ImageSpec::busybox("localhost/interop/gz:1")
            .layer(LayerBlob::gzip(gz))
            .label("k", "v"),
        ImageSpec::busybox("localhost/interop/zst:1")
            .layer(LayerBlob::zstd(zs))
            .cmd(&["echo", "hi"])
            .env("GREETING=hi")
            .workdir("/opt")
            .user("app"),
    ]
}

/// Assert that berth holds `spec` under `name` with the right ID and
/// diffIDs.
#[track_caller]
fn assert_berth_has(env: &TestEnv, name: &str, spec: &ImageSpec) {
    assert_berth_has_id(env, name, spec.id().hex(), spec);
}

/// Assert that berth holds an image under `name` with ID `id` and the
/// diffIDs of `spec` (a peer that rewrites the config, as Podman and
/// Skopeo do when they write an oci-archive, changes the ID but never the
/// layers).
#[track_caller]
fn assert_berth_has_id(env: &TestEnv, name: &str, id: &str, spec: &ImageSpec) {
    assert_eq!(berth_id(env, name), id, "image ID of {name}");
    assert_eq!(
        berth_diff_ids(env, name),
        spec_diff_ids(spec),
        "diffIDs of {name}"
    );
}

/// The image ID that a fresh Podman store gives the one image of the
/// archive at `path`, and the ID (config digest) the archive holds.
#[track_caller]
fn ids_of_archive(path: &Path, name: &str) -> (String, String) {
    let found = read_archive(path);
    assert_eq!(found.len(), 1, "{}: {found:?}", path.display());
    let fresh = TestEnv::new();
    podman(&fresh).args(["load", "-i"]).arg(path).ok();
    let theirs = podman_id(&fresh, name);
    let archived = found[0].id.trim_start_matches("sha256:").to_string();
    (theirs, archived)
}

/// Podman's image ID for `name`.
#[track_caller]
fn podman_id(env: &TestEnv, name: &str) -> String {
    podman(env)
        .args(["image", "inspect", "--format", "{{.Id}}", name])
        .ok()
        .stdout
        .trim()
        .to_string()
}

/// Assert that every layer stored in the archive at `path` hashes to its
/// diffID (the archive was extracted and hashed here, not by berth).
#[track_caller]
fn assert_layers_match_diff_ids(path: &Path, want: &[&ImageSpec]) {
    let found = read_archive(path);
    assert_eq!(found.len(), want.len(), "{}: {found:?}", path.display());
    for (img, spec) in found.iter().zip(want) {
        assert_eq!(img.id, spec.id().to_string(), "{}", path.display());
        assert_eq!(img.diff_ids, spec_diff_ids(spec), "{}", path.display());
        assert_eq!(
            img.layer_digests,
            img.diff_ids,
            "{}: a saved layer does not hash to its diffID",
            path.display()
        );
    }
}

#[test]
fn berth_saved_archives_load_into_podman_with_the_same_ids() {
    let env = TestEnv::new();
    let specs = images();
    for spec in &specs {
        let path = env.join("in.tar");
        write_oci_archive(&path, std::slice::from_ref(spec));
        berth_load(&env, &path);
    }
    for (format, flag) in [
        ("docker-archive", None),
        ("oci-archive", Some("oci-archive")),
    ] {
        for spec in &specs {
            let name = &spec.repo_tags[0];
            let path = env.join(format!("{format}.tar"));
            let mut cmd = env.berth(["save", "-o"]).arg(&path);
            if let Some(f) = flag {
                cmd = cmd.args(["--format", f]);
            }
            cmd.arg(name).ok();
            assert_layers_match_diff_ids(&path, &[spec]);

            // Skopeo reads it: the layers and the config are the image's.
            let reference = format!("{format}:{}", path.display());
            let info = skopeo(["inspect", &reference]).ok().json();
            assert_eq!(info["Architecture"], oci_arch(), "{reference}");
            let layers: Vec<String> = spec.diff_ids().iter().map(|d| d.to_string()).collect();
            assert_eq!(info["Layers"], json!(layers), "{format}: {name}");
            let config = skopeo(["inspect", "--config", &reference]).ok().json();
            assert_eq!(
                config["rootfs"]["diff_ids"],
                json!(spec_diff_ids(spec)),
                "{format}: {name}"
            );
            assert_eq!(config["config"]["Cmd"], json!(spec.cmd), "{format}: {name}");
            if format == "oci-archive" {
                let m = skopeo(["inspect", "--raw", &reference]).ok().json();
                assert_eq!(
                    m["config"]["digest"],
                    spec.id().to_string(),
                    "{format}: {name}"
                );
                // Uncompressed layers, which Podman writes only with
                // --uncompressed; berth takes the flag and writes the same.
                for l in m["layers"].as_array().unwrap() {
                    assert_eq!(l["mediaType"], "application/vnd.oci.image.layer.v1.tar");
                }
                let plain = env.join("plain.tar");
                env.berth(["save", "--uncompressed", "--format", "oci-archive", "-o"])
                    .arg(&plain)
                    .arg(name)
                    .ok();
                let again = format!("oci-archive:{}", plain.display());
                let m2 = skopeo(["inspect", "--raw", &again]).ok().json();
                assert_eq!(m, m2, "{name}");
            }

            // Podman loads it, under its name, with the same ID.
            podman(&env).args(["load", "-i"]).arg(&path).ok();
            assert_eq!(podman_id(&env, name), spec.id().hex(), "{format}: {name}");
            podman(&env).args(["rmi", "-a", "-f"]).ok();
        }
    }
    // Several images in one docker-archive: Podman loads them all.
    let all = env.join("all.tar");
    let names: Vec<&str> = specs.iter().map(|s| s.repo_tags[0].as_str()).collect();
    env.berth(["save", "-o"]).arg(&all).args(&names).ok();
    assert_layers_match_diff_ids(&all, &specs.iter().collect::<Vec<_>>());
    podman(&env).args(["load", "-i"]).arg(&all).ok();
    for spec in &specs {
        assert_eq!(podman_id(&env, &spec.repo_tags[0]), spec.id().hex());
    }
}

#[test]
fn berth_save_writes_to_standard_output_and_by_id() {
    let env = TestEnv::new();
    let spec = &images()[1];
    berth_load(
        &env,
        &docker_archive(&env, "in.tar", std::slice::from_ref(spec)),
    );
    let out = env.berth(["save", &spec.id().to_string()]).ok();
    let path = env.join("stdout.tar");
    fs::write(&path, &out.stdout_bytes).unwrap();
    let found = read_archive(&path);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, spec.id().to_string());
    assert_eq!(found[0].layer_digests, spec_diff_ids(spec));
    // Saved by ID, the image keeps its names.
    assert_eq!(found[0].names, spec.repo_tags);
    let other = TestEnv::new();
    berth_load(&other, &path);
    assert_berth_has(&other, &spec.repo_tags[0], spec);
}

#[test]
fn podman_saved_archives_load_into_berth() {
    let env = TestEnv::new();
    let specs = images();
    for spec in &specs {
        let path = env.join("fixture.tar");
        write_docker_archive(&path, std::slice::from_ref(spec));
        podman(&env).args(["load", "-i"]).arg(&path).ok();
    }
    for format in ["docker-archive", "oci-archive"] {
        for spec in &specs {
            let name = &spec.repo_tags[0];
            let path = env.join(format!("podman-{format}.tar"));
            let _ = fs::remove_file(&path);
            podman(&env)
                .args(["save", "--format", format, "-o"])
                .arg(&path)
                .arg(name)
                .ok();
            // Podman keeps the config in a docker-archive and rewrites it
            // in an oci-archive: the ID is what Podman itself gives it.
            let (id, archived) = ids_of_archive(&path, name);
            assert_eq!(id, archived, "{format}: podman's ID is the config digest");
            if format == "docker-archive" {
                assert_eq!(id, spec.id().hex(), "{format}");
            }
            let store = TestEnv::new();
            let out = berth_load(&store, &path);
            assert_eq!(
                out.lines(),
                [format!("Loaded image: {name}").as_str()],
                "{format}"
            );
            assert_berth_has_id(&store, name, &id, spec);
            // What berth loaded from Podman it saves faithfully again.
            let again = store.join("again.tar");
            store.berth(["save", "-o"]).arg(&again).arg(name).ok();
            let found = read_archive(&again);
            assert_eq!(found[0].id, format!("sha256:{id}"), "{format}");
            assert_eq!(found[0].layer_digests, spec_diff_ids(spec), "{format}");
        }
    }
}

#[test]
fn skopeo_copied_archives_load_into_berth() {
    let env = TestEnv::new();
    let specs = images();
    let src = env.join("src.tar");
    write_docker_archive(&src, &specs);
    for spec in &specs {
        let name = &spec.repo_tags[0];
        let from = format!("docker-archive:{}:{name}", src.display());
        // docker-archive -> oci-archive (Skopeo names it as told).
        let oci = env.join("copy-oci.tar");
        let _ = fs::remove_file(&oci);
        skopeo([
            "copy",
            &from,
            &format!("oci-archive:{}:{name}", oci.display()),
        ])
        .ok();
        // docker-archive -> docker-archive, with another tag.
        let docker = env.join("copy-docker.tar");
        let _ = fs::remove_file(&docker);
        let tagged = "localhost/copied/by-skopeo:7";
        skopeo([
            "copy",
            &from,
            &format!("docker-archive:{}:{tagged}", docker.display()),
        ])
        .ok();
        // oci-archive -> docker-archive, which Skopeo writes itself again.
        let back = env.join("copy-back.tar");
        let _ = fs::remove_file(&back);
        skopeo([
            "copy",
            &format!("oci-archive:{}", oci.display()),
            &format!("docker-archive:{}:{name}", back.display()),
        ])
        .ok();

        for (path, want_name) in [(&oci, name.as_str()), (&docker, tagged), (&back, name)] {
            let (id, archived) = ids_of_archive(path, want_name);
            assert_eq!(
                id,
                archived,
                "{}: podman's ID is the config digest",
                path.display()
            );
            if path == &docker {
                assert_eq!(
                    id,
                    spec.id().hex(),
                    "docker-archive to docker-archive keeps the config"
                );
            }
            let store = TestEnv::new();
            let out = berth_load(&store, path);
            assert_eq!(
                out.lines(),
                [format!("Loaded image: {want_name}").as_str()],
                "{}",
                path.display()
            );
            assert_berth_has_id(&store, want_name, &id, spec);
            store.berth(["system", "check"]).ok();
        }
    }
}

#[test]
fn fixture_archives_of_every_layout_and_compression_load() {
    type Writer = fn(&Path, &[ImageSpec]);
    let specs = images();
    for (layout, write) in [
        ("docker", write_docker_archive as Writer),
        ("docker25", write_docker25_archive),
        ("oci", write_oci_archive),
    ] {
        let env = TestEnv::new();
        let path = env.join(format!("{layout}.tar"));
        write(&path, &specs);
        let out = berth_load(&env, &path);
        let mut lines = out.lines();
        lines.sort();
        let mut want: Vec<String> = specs
            .iter()
            .map(|s| format!("Loaded image: {}", s.repo_tags[0]))
            .collect();
        want.sort();
        assert_eq!(lines, want, "{layout}");
        for spec in &specs {
            assert_berth_has(&env, &spec.repo_tags[0], spec);
        }
        env.berth(["system", "check"]).ok();
        // The shared busybox layer is stored once.
        let layers = fs::read_dir(env.root().join("overlay"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != "l")
            .count();
        assert_eq!(layers, 3, "{layout}: one base and two layers above it");
    }
}

#[test]
fn multi_image_archive_loads_every_image_and_names() {
    let env = TestEnv::new();
    let specs = images();
    // One image under two names, one without any name.
    let mut two_names = specs[1].clone();
    two_names
        .repo_tags
        .push("localhost/interop/second:2".into());
    let mut nameless = specs[2].clone();
    nameless.repo_tags.clear();
    let all = [specs[0].clone(), two_names.clone(), nameless.clone()];
    for (layout, write) in [
        ("docker", write_docker_archive as fn(&Path, &[ImageSpec])),
        ("oci", write_oci_archive),
    ] {
        let path = env.join(format!("{layout}-multi.tar"));
        write(&path, &all);
        let out = berth_load(&env, &path);
        assert!(
            out.lines()
                .contains(&format!("Loaded image: {}", nameless.id()).as_str()),
            "{layout}: {}",
            out.stdout
        );
        assert_berth_has(&env, &specs[0].repo_tags[0], &specs[0]);
        assert_berth_has(&env, "localhost/interop/gz:1", &two_names);
        assert_berth_has(&env, "localhost/interop/second:2", &two_names);
        assert_berth_has(&env, &nameless.id().to_string(), &nameless);
        let dangling = env
            .berth(["images", "-q", "--no-trunc", "--filter", "dangling=true"])
            .ok();
        assert_eq!(dangling.lines(), [nameless.id().to_string().as_str()]);
        env.berth(["rmi", "-a", "-f"]).ok();
    }
}

#[test]
fn load_reads_standard_input_and_whole_compressed_archives() {
    let specs = images();
    let env = TestEnv::new();
    let path = env.join("all.tar");
    write_docker_archive(&path, &specs);
    let tar = fs::read(&path).unwrap();
    let gz_path = env.join("all.tar.gz");
    fs::write(&gz_path, gzip(&tar)).unwrap();
    let zst_path = env.join("all.tar.zst");
    fs::write(&zst_path, zstd(&tar)).unwrap();
    let cases: Vec<(&str, Option<&Path>, Vec<u8>)> = vec![
        ("stdin", None, tar.clone()),
        ("stdin gzip", None, gzip(&tar)),
        ("file gzip", Some(&gz_path), Vec::new()),
        ("file zstd", Some(&zst_path), Vec::new()),
    ];
    for (what, file, stdin) in cases {
        let store = TestEnv::new();
        let cmd = match file {
            Some(p) => store.berth(["load", "-i"]).arg(p),
            None => store.berth(["load"]).stdin_bytes(stdin),
        };
        let out = cmd.ok();
        assert_eq!(out.lines().len(), specs.len(), "{what}: {}", out.stdout);
        for spec in &specs {
            assert_berth_has(&store, &spec.repo_tags[0], spec);
        }
        // The spooled copy of the archive is not left behind.
        let tmp: Vec<_> = fs::read_dir(store.root().join("tmp"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        assert!(tmp.is_empty(), "{what}: left in tmp/: {tmp:?}");
    }
    // `image load` is the same command; -q prints nothing.
    let store = TestEnv::new();
    let out = store.berth(["image", "load", "-q", "-i"]).arg(&path).ok();
    assert_eq!(out.stdout, "");
    let listed: Value = store.berth(["images", "--format", "json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), specs.len());
}
