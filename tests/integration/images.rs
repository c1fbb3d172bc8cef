//! The local image commands as a user types them: `images` with its
//! flags, filters, sorts and formats; `tag`/`untag`; `rmi` by every kind of
//! name; `inspect`; `history`; `import` with `--change`; `image prune`;
//! `image exists`; and the `system` commands, `info` and `version`. Where
//! it is cheap, the output's shape is compared with Podman's for the same
//! images.

use crate::fixtures::*;
use crate::util::{podman, TestEnv};
use berth::digest::Digest;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fs;

/// Four images over one busybox base, each with a layer of a different
/// size and a different creation time: `a` (2023-01), `b` (2023-06), `cee`
/// (2024-01, a Docker Hub short name) and one without a name (2022-06).
struct Four {
    a: ImageSpec,
    b: ImageSpec,
    c: ImageSpec,
    dangling: ImageSpec,
}

const NAME_A: &str = "localhost/app/a:1";
const NAME_B: &str = "localhost/app/b:1";
/// `cee:latest` in the archive, which Docker's rules normalise.
const NAME_C: &str = "docker.io/library/cee:latest";

fn four() -> Four {
    let img = |tag: &str, name: &str, bytes: usize, created: &str| {
        let mut s = ImageSpec::busybox(tag).layer(small_layer(name, &"x".repeat(bytes)));
        s.created = created.into();
        s
    };
    Four {
        a: img(NAME_A, "a", 10, "2023-01-01T00:00:00Z"),
        b: img(NAME_B, "b", 3000, "2023-06-01T00:00:00Z"),
        c: img("cee:latest", "c", 20000, "2024-01-01T00:00:00Z"),
        dangling: img("", "d", 7000, "2022-06-01T00:00:00Z"),
    }
}

impl Four {
    /// Newest first, as `images` sorts by default.
    fn by_created(&self) -> [&ImageSpec; 4] {
        [&self.c, &self.b, &self.a, &self.dangling]
    }

    fn load(&self, env: &TestEnv) -> std::path::PathBuf {
        let path = docker_archive(
            env,
            "four.tar",
            &[
                self.a.clone(),
                self.b.clone(),
                self.c.clone(),
                self.dangling.clone(),
            ],
        );
        berth_load(env, &path);
        path
    }
}

fn short(spec: &ImageSpec) -> String {
    spec.id().short().to_string()
}

#[test]
fn images_lists_every_image_with_its_columns() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    let out = env.berth(["images"]).ok();
    let lines = out.lines();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    let head: Vec<&str> = lines[0]
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(head, ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let want = [
        ("docker.io/library/cee", "latest", &f.c),
        ("localhost/app/b", "1", &f.b),
        ("localhost/app/a", "1", &f.a),
        ("<none>", "<none>", &f.dangling),
    ];
    for (row, (repo, tag, spec)) in rows.iter().zip(want) {
        assert_eq!(
            &row[..3],
            [repo, tag, short(spec).as_str()],
            "{}",
            out.stdout
        );
        assert!(row.contains(&"ago"), "CREATED is an age: {row:?}");
    }
    // --noheading drops the header only.
    let out = env.berth(["images", "--noheading"]).ok();
    assert_eq!(out.lines().len(), 4, "{}", out.stdout);
    assert!(!out.stdout.contains("REPOSITORY"));

    // -q: short IDs, newest first; --no-trunc: full ones.
    let out = env.berth(["images", "-q"]).ok();
    let want: Vec<String> = f.by_created().iter().map(|s| short(s)).collect();
    assert_eq!(out.lines(), want);
    let out = env.berth(["images", "-q", "--no-trunc"]).ok();
    let want: Vec<String> = f.by_created().iter().map(|s| s.id().to_string()).collect();
    assert_eq!(out.lines(), want);
    let out = env.berth(["images", "--no-trunc"]).ok();
    for s in f.by_created() {
        assert!(out.stdout.contains(&s.id().to_string()), "{}", out.stdout);
    }

    // --digests: a DIGEST column with each image's manifest digest.
    let out = env.berth(["images", "--digests"]).ok();
    assert!(out.lines()[0].contains("DIGEST"), "{}", out.stdout);
    for (line, spec) in out.lines()[1..].iter().zip(f.by_created()) {
        let digest = env
            .berth(["inspect", "--format", "{{.Digest}}", &spec.id().to_string()])
            .ok();
        let digest = digest.stdout.trim();
        assert!(
            digest.starts_with("sha256:") && digest.len() == 71,
            "{digest}"
        );
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[2], digest, "{}", out.stdout);
        assert_eq!(cells[3], short(spec), "{}", out.stdout);
    }
}

#[test]
fn images_filters_select_by_dangling_reference_and_time() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    let ids = |filters: &[&str]| -> Vec<String> {
        let mut args = vec!["images", "-q"];
        for f in filters {
            args.extend(["--filter", f]);
        }
        env.berth(args)
            .ok()
            .lines()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    assert_eq!(ids(&["dangling=true"]), [short(&f.dangling)]);
    assert_eq!(
        ids(&["dangling=false"]),
        [short(&f.c), short(&f.b), short(&f.a)]
    );
    assert_eq!(
        ids(&["reference=localhost/app/*"]),
        [short(&f.b), short(&f.a)]
    );
    assert_eq!(ids(&["reference=cee"]), [short(&f.c)]);
    assert_eq!(ids(&["reference=cee:latest"]), [short(&f.c)]);
    assert_eq!(ids(&["reference=nothing*"]), Vec::<String>::new());
    assert_eq!(
        ids(&["before=localhost/app/b:1"]),
        [short(&f.a), short(&f.dangling)]
    );
    assert_eq!(
        ids(&["since=localhost/app/a:1"]),
        [short(&f.c), short(&f.b)]
    );
    // Filters combine with "and".
    assert_eq!(
        ids(&["since=localhost/app/a:1", "reference=localhost/app/*"]),
        [short(&f.b)]
    );
    // An image argument is a reference filter.
    let out = env.berth(["images", "-q", "localhost/app/a"]).ok();
    assert_eq!(out.lines(), [short(&f.a)]);

    // A filter berth does not know is an error that names it.
    let out = env.berth(["images", "--filter", "colour=blue"]).fails(125);
    assert!(
        out.stderr.starts_with("Error: ") && out.stderr.contains("colour"),
        "{}",
        out.stderr
    );
}

#[test]
fn images_sort_orders_by_each_key() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    let ids = |key: &str| -> Vec<String> {
        env.berth(["images", "-q", "--sort", key])
            .ok()
            .lines()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let by_created: Vec<String> = f.by_created().iter().map(|s| short(s)).collect();
    assert_eq!(ids("created"), by_created);
    let mut by_id = by_created.clone();
    by_id.sort();
    assert_eq!(ids("id"), by_id);
    // Layer sizes grow a < dangling < b < c... by the file each adds.
    let mut by_size: Vec<&ImageSpec> = f.by_created().to_vec();
    by_size.sort_by_key(|s| s.layers.iter().map(|l| l.tar.len()).sum::<usize>());
    assert_eq!(
        ids("size"),
        by_size.iter().map(|s| short(s)).collect::<Vec<_>>()
    );
    let out = env
        .berth([
            "images",
            "--sort",
            "repository",
            "--format",
            "{{.Repository}}",
        ])
        .ok();
    let repos = out.lines();
    let named: Vec<&str> = repos.iter().copied().filter(|r| *r != "<none>").collect();
    assert_eq!(
        named,
        [
            "docker.io/library/cee",
            "localhost/app/a",
            "localhost/app/b"
        ],
        "{}",
        out.stdout
    );
    env.berth(["images", "--sort", "colour"]).fails(125);
}

#[test]
fn images_formats_json_templates_and_tables_like_podman() {
    let env = TestEnv::new();
    let f = four();
    let archive = f.load(&env);

    // JSON: one object per image, with Podman's keys.
    let json = env.berth(["images", "--format", "json"]).ok().json();
    let rows = json.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 4, "{json:#}");
    for (row, spec) in rows.iter().zip(f.by_created()) {
        assert_eq!(row["Id"], spec.id().hex(), "{row:#}");
        let names: Vec<String> = spec.repo_tags.iter().map(|t| normalise(t)).collect();
        assert_eq!(row["Names"], json!(names), "{row:#}");
        assert_eq!(
            row["Size"],
            json!(spec.layers.iter().map(|l| l.tar.len()).sum::<usize>())
        );
    }
    podman(&env).args(["load", "-i"]).arg(&archive).ok();
    let theirs = podman(&env)
        .args(["images", "--format", "json"])
        .ok()
        .json();
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .unwrap_or_else(|| panic!("not an object: {v}"))
            .keys()
            .cloned()
            .collect()
    };
    let (ours, podmans) = (keys(&rows[0]), keys(&theirs[0]));
    let missing: Vec<&String> = podmans.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "`images --format json` lacks Podman's keys {missing:?}\nberth:  {ours:?}\npodman: {podmans:?}"
    );

    // A Go template: one line per name, as Podman prints them.
    let template = "{{.Repository}}:{{.Tag}} {{.ID}}";
    let out = env.berth(["images", "--format", template]).ok();
    let want: Vec<String> = [
        format!("{NAME_C} {}", short(&f.c)),
        format!("{NAME_B} {}", short(&f.b)),
        format!("{NAME_A} {}", short(&f.a)),
        format!("<none>:<none> {}", short(&f.dangling)),
    ]
    .to_vec();
    assert_eq!(
        out.stdout,
        want.join("\n") + "\n",
        "exactly one line per image"
    );
    // Podman prints the same, except that it names `cee:latest` from an
    // archive `localhost/cee:latest` where berth follows Docker's
    // normalisation (`docker.io/library/cee:latest`) on purpose.
    let theirs = podman(&env).args(["images", "--format", template]).ok();
    let theirs = theirs
        .stdout
        .replace("localhost/cee:latest", "docker.io/library/cee:latest");
    assert_eq!(out.stdout, theirs, "berth and podman differ");

    // A table template: a header from the fields, aligned columns.
    let template = "table {{.ID}}\t{{.Repository}}";
    let out = env.berth(["images", "--format", template]).ok();
    let theirs = podman(&env).args(["images", "--format", template]).ok();
    assert_eq!(
        out.lines()[0].split_whitespace().collect::<Vec<_>>(),
        ["IMAGE", "ID", "REPOSITORY"]
    );
    let theirs = theirs
        .stdout
        .replace("localhost/cee\n", "docker.io/library/cee\n");
    assert_eq!(out.stdout, theirs, "berth and podman differ");
}

/// A name from an archive as Docker normalises it.
fn normalise(name: &str) -> String {
    if name.starts_with("localhost/") {
        name.to_string()
    } else {
        format!("docker.io/library/{name}")
    }
}

#[test]
fn tag_moves_a_name_and_untag_leaves_none() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    // Several names at once; short names are local ones.
    env.berth(["tag", NAME_A, "moving:1", "localhost/other/a:2"])
        .ok();
    let names = |name: &str| -> Value {
        env.berth(["inspect", "--format", "{{json .RepoTags}}", name])
            .ok()
            .stdout
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(
        names(NAME_A),
        json!([NAME_A, "localhost/moving:1", "localhost/other/a:2"])
    );
    assert_eq!(berth_id(&env, "localhost/moving:1"), f.a.id().hex());

    // The name moves to b; a keeps its other names.
    env.berth(["tag", NAME_B, "localhost/moving:1"]).ok();
    assert_eq!(berth_id(&env, "moving:1"), f.b.id().hex());
    assert_eq!(names(NAME_A), json!([NAME_A, "localhost/other/a:2"]));

    // A name that is an image's only one leaves it `<none>` when it moves.
    env.berth(["tag", NAME_B, NAME_A, "localhost/other/a:2"])
        .ok();
    let out = env
        .berth(["images", "--filter", "dangling=true", "-q"])
        .ok();
    let mut want = vec![short(&f.a), short(&f.dangling)];
    want.sort();
    let mut got: Vec<&str> = out.lines();
    got.sort();
    assert_eq!(got, want);
    let out = env
        .berth(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        .ok();
    assert!(
        out.lines()
            .contains(&format!("<none>:<none> {}", short(&f.a)).as_str()),
        "{}",
        out.stdout
    );

    // untag NAME: that name only; untag alone: every name.
    env.berth(["untag", NAME_B, "localhost/moving:1"]).ok();
    assert_eq!(
        names(NAME_B),
        json!([NAME_B, NAME_A, "localhost/other/a:2"])
    );
    env.berth(["untag", "localhost/moving:1"]).fails(125);
    let out = env.berth(["untag", NAME_B, "localhost/nope:1"]).fails(125);
    assert!(out.stderr.contains("localhost/nope:1"), "{}", out.stderr);
    env.berth(["untag", &f.b.id().to_string()]).ok();
    let out = env
        .berth(["images", "--filter", "dangling=true", "-q"])
        .ok();
    assert_eq!(out.lines().len(), 3, "{}", out.stdout);
    // The images are still there, only nameless.
    assert_eq!(env.berth(["images", "-q"]).ok().lines().len(), 4);
}

#[test]
fn rmi_removes_by_name_id_and_digest() {
    let env = TestEnv::new();
    let f = four();
    let archive = f.load(&env);
    let digest_of = |id: &str| -> String {
        env.berth(["inspect", "--format", "{{.Digest}}", id])
            .ok()
            .stdout
            .trim()
            .to_string()
    };
    let check = |args: &[&str], spec: &ImageSpec, untagged: &[&str]| {
        let out = env.berth(args).ok();
        let mut want: Vec<String> = untagged.iter().map(|n| format!("Untagged: {n}")).collect();
        want.push(format!("Deleted: {}", spec.id().hex()));
        assert_eq!(out.lines(), want, "{args:?}");
        env.berth(["image", "exists", &spec.id().to_string()])
            .fails(1);
    };
    // By name, by short id, by full id with and without `sha256:`.
    check(&["rmi", NAME_A], &f.a, &[NAME_A]);
    check(&["rmi", &short(&f.b)], &f.b, &[NAME_B]);
    check(&["rmi", f.c.id().hex()], &f.c, &[NAME_C]);
    check(&["rmi", &f.dangling.id().to_string()], &f.dangling, &[]);
    assert_eq!(env.berth(["images", "-q"]).ok().lines().len(), 0);

    // By digest: `repository@sha256:…` of the image's manifest.
    berth_load(&env, &archive);
    let by_digest = format!("localhost/app/a@{}", digest_of(NAME_A));
    check(&["image", "rm", &by_digest], &f.a, &[NAME_A]);

    // An image with several names: a name only untags; its id needs -f.
    env.berth(["tag", NAME_B, "localhost/second:1"]).ok();
    let out = env.berth(["rmi", "localhost/second:1"]).ok();
    assert_eq!(out.lines(), ["Untagged: localhost/second:1"]);
    assert_eq!(berth_id(&env, NAME_B), f.b.id().hex());
    env.berth(["tag", NAME_B, "localhost/second:1"]).ok();
    let out = env.berth(["rmi", &short(&f.b)]).fails(125);
    assert!(
        out.stderr.starts_with("Error: ") && out.stderr.contains(&short(&f.b)),
        "{}",
        out.stderr
    );
    assert_eq!(
        berth_id(&env, NAME_B),
        f.b.id().hex(),
        "a refused rmi removed nothing"
    );
    check(
        &["rmi", "-f", &short(&f.b)],
        &f.b,
        &[NAME_B, "localhost/second:1"],
    );

    // -a removes the rest; the store keeps no layer and no blob.
    env.berth(["rmi", "-a"]).ok();
    assert_eq!(env.berth(["images", "-q"]).ok().lines().len(), 0);
    let left: Vec<String> = store_listing(&env.root())
        .into_keys()
        .filter(|p| p.starts_with("overlay/") && p != "overlay/l" || p.starts_with("blobs/sha256/"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // Unknown images: an error (exit 1, as Podman), unless -i.
    let out = env.berth(["rmi", "localhost/nope:1"]).fails(1);
    assert!(out.stderr.contains("localhost/nope:1"), "{}", out.stderr);
    env.berth(["rmi", "-i", "localhost/nope:1"]).ok();
}

#[test]
fn inspect_shows_dockers_keys() {
    let env = TestEnv::new();
    let gz = LayerBlob::gzip(
        LayerBuilder::new()
            .dir("srv", 0o755)
            .file("srv/data", vec![7u8; 5000], 0o644)
            .tar_bytes(),
    );
    let spec = ImageSpec::busybox("localhost/inspect/me:1")
        .layer(gz)
        .cmd(&["echo", "hi"])
        .env("GREETING=hi")
        .workdir("/srv")
        .user("app")
        .label("org.example.k", "v");
    let path = env.join("one.tar");
    write_oci_archive(&path, std::slice::from_ref(&spec));
    berth_load(&env, &path);

    let docs = env.berth(["inspect", "localhost/inspect/me:1"]).ok().json();
    let docs = docs.as_array().expect("inspect prints a JSON array");
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d["Id"], spec.id().hex());
    assert_eq!(d["RepoTags"], json!(["localhost/inspect/me:1"]));
    assert_eq!(d["Created"], CREATED);
    assert_eq!(d["Architecture"], oci_arch());
    assert_eq!(d["Os"], "linux");
    assert_eq!(d["Config"]["Cmd"], json!(["echo", "hi"]));
    assert_eq!(d["Config"]["Env"], json!([IMAGE_PATH, "GREETING=hi"]));
    assert_eq!(d["Config"]["WorkingDir"], "/srv");
    assert_eq!(d["Config"]["User"], "app");
    assert_eq!(d["Config"]["Labels"], json!({"org.example.k": "v"}));
    assert_eq!(d["Labels"], json!({"org.example.k": "v"}));
    assert_eq!(d["RootFS"]["Type"], "layers");
    assert_eq!(d["RootFS"]["Layers"], json!(spec_diff_ids(&spec)));
    let size: usize = spec.layers.iter().map(|l| l.tar.len()).sum();
    assert_eq!(d["Size"], json!(size));

    // Every key Podman prints is there.
    podman(&env).args(["load", "-i"]).arg(&path).ok();
    let theirs = podman(&env)
        .args(["image", "inspect", "localhost/inspect/me:1"])
        .ok()
        .json();
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let missing: Vec<String> = keys(&theirs[0]).difference(&keys(d)).cloned().collect();
    assert!(
        missing.is_empty(),
        "inspect lacks Podman's keys {missing:?}"
    );
    assert_eq!(theirs[0]["Id"], d["Id"]);
    assert_eq!(theirs[0]["RootFS"], d["RootFS"]);
    assert_eq!(theirs[0]["Config"], d["Config"]);

    // Templates, several images, ids.
    let out = env
        .berth(["inspect", "--format", "{{.Id}}", "localhost/inspect/me:1"])
        .ok();
    assert_eq!(out.stdout, format!("{}\n", spec.id().hex()));
    let out = env
        .berth([
            "inspect",
            "--format",
            "{{.Os}}/{{.Architecture}} {{index .Config.Cmd 0}}",
            &short(&spec),
            &spec.id().to_string(),
        ])
        .ok();
    let line = format!("linux/{} echo", oci_arch());
    assert_eq!(out.stdout, format!("{line}\n{line}\n"));
    let out = env.berth(["image", "inspect", "me:1"]).ok();
    assert_eq!(out.json()[0]["Id"], spec.id().hex());
}

#[test]
fn history_shows_one_row_per_layer() {
    let env = TestEnv::new();
    let long = "/bin/sh -c set -e; echo a long command that Docker would truncate at 45 characters";
    let spec =
        ImageSpec::busybox("localhost/hist:1").layer(small_layer("h", "hist\n").created_by(long));
    berth_load(
        &env,
        &docker_archive(&env, "h.tar", std::slice::from_ref(&spec)),
    );

    let out = env.berth(["history", "localhost/hist:1"]).ok();
    let lines = out.lines();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    for h in ["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"] {
        assert!(lines[0].contains(h), "{}", out.stdout);
    }
    // Newest first; the top row carries the image ID, the others
    // `<missing>`, as Docker and Podman show them.
    assert!(lines[1].starts_with(&short(&spec)), "{}", out.stdout);
    assert!(lines[2].starts_with("<missing>"), "{}", out.stdout);
    assert!(
        !out.stdout.contains(long),
        "created-by is truncated: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("berth-test: busybox rootfs"),
        "{}",
        out.stdout
    );

    let out = env
        .berth(["history", "--no-trunc", "localhost/hist:1"])
        .ok();
    assert!(out.stdout.contains(long), "{}", out.stdout);
    assert!(
        out.lines()[1].starts_with(&spec.id().to_string()),
        "{}",
        out.stdout
    );

    let out = env.berth(["history", "-q", "localhost/hist:1"]).ok();
    assert_eq!(out.lines(), [short(&spec).as_str(), "<missing>"]);

    // --human=false: RFC 3339 dates and sizes in bytes.
    let out = env
        .berth(["history", "--human=false", "localhost/hist:1"])
        .ok();
    let rows = &out.lines()[1..];
    for (row, layer) in rows.iter().zip(spec.layers.iter().rev()) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[1], CREATED, "{row}");
        assert!(
            cells.contains(&layer.tar.len().to_string().as_str()),
            "{row}"
        );
    }

    // Templates truncate as the table does unless --no-trunc, as Podman's.
    let archive = env.join("h.tar");
    podman(&env).args(["load", "-i"]).arg(&archive).ok();
    for extra in [&[][..], &["--no-trunc"][..]] {
        let mut args = vec!["history", "--format", "{{.CreatedBy}}"];
        args.extend(extra);
        args.push("localhost/hist:1");
        let ours = env.berth(&args).ok();
        let theirs = podman(&env).args(&args).ok();
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
    }
    let out = env
        .berth([
            "history",
            "--no-trunc",
            "--format",
            "{{.CreatedBy}}",
            "localhost/hist:1",
        ])
        .ok();
    assert_eq!(out.lines(), [long, "berth-test: busybox rootfs"]);
}

#[test]
fn import_applies_changes_and_a_message() {
    let env = TestEnv::new();
    let rootfs = busybox_rootfs_tar();
    let path = env.join("rootfs.tar");
    fs::write(&path, &rootfs).unwrap();
    let out = env
        .berth([
            "import",
            "-c",
            r#"CMD ["sh", "-c", "echo hi"]"#,
            "-c",
            "ENV A=1 B=two",
            "-c",
            "ENV C three",
            "-c",
            "WORKDIR /srv",
            "-c",
            "USER app",
            "-c",
            "LABEL org.example.k=v other=w",
            "-c",
            "EXPOSE 8080 53/udp",
            "-c",
            r#"ENTRYPOINT ["/bin/sh"]"#,
            "-m",
            "imported for a test",
        ])
        .arg(&path)
        .arg("localhost/imported:1")
        .ok();
    let id = out.stdout.trim().trim_start_matches("sha256:").to_string();
    assert_eq!(berth_id(&env, "localhost/imported:1"), id);
    let d = &env.berth(["inspect", "imported:1"]).ok().json()[0];
    let c = &d["Config"];
    assert_eq!(c["Cmd"], json!(["sh", "-c", "echo hi"]), "{d:#}");
    assert_eq!(c["Entrypoint"], json!(["/bin/sh"]), "{d:#}");
    assert_eq!(c["Env"], json!(["A=1", "B=two", "C=three"]), "{d:#}");
    assert_eq!(c["WorkingDir"], "/srv", "{d:#}");
    assert_eq!(c["User"], "app", "{d:#}");
    assert_eq!(
        c["Labels"],
        json!({"org.example.k": "v", "other": "w"}),
        "{d:#}"
    );
    assert_eq!(
        c["ExposedPorts"],
        json!({"8080/tcp": {}, "53/udp": {}}),
        "{d:#}"
    );
    assert_eq!(
        d["RootFS"]["Layers"],
        json!([Digest::of(&rootfs).to_string()])
    );
    assert_eq!(d["Architecture"], oci_arch());
    let out = env
        .berth(["history", "--format", "{{.Comment}}", "imported:1"])
        .ok();
    assert_eq!(out.lines(), ["imported for a test"]);

    // A change berth cannot apply is refused before anything is stored.
    let before = store_listing(&env.root());
    let out = env
        .berth(["import", "-c", "RUN rm -rf /"])
        .arg(&path)
        .fails(125);
    assert!(
        out.stderr.starts_with("Error: ") && out.stderr.contains("RUN"),
        "{}",
        out.stderr
    );
    assert_same_listing(
        &before,
        &store_listing(&env.root()),
        "import with a bad change",
    );
}

#[test]
fn import_reads_standard_input_compressed_or_not() {
    let env = TestEnv::new();
    let rootfs = busybox_rootfs_tar();
    for (name, bytes) in [
        ("plain", rootfs.clone()),
        ("gz", gzip(&rootfs)),
        ("zst", zstd(&rootfs)),
    ] {
        let r = format!("localhost/stdin/{name}:1");
        let out = env.berth(["import", "-", &r]).stdin_bytes(bytes).ok();
        assert_eq!(
            berth_id(&env, &r),
            out.stdout.trim().trim_start_matches("sha256:"),
            "{name}"
        );
        assert_eq!(
            berth_diff_ids(&env, &r),
            [Digest::of(&rootfs).to_string()],
            "{name}: the layer is the uncompressed tar"
        );
    }
    // The imported image is a real one: it saves and Podman loads it.
    let out_tar = env.join("imported.tar");
    env.berth(["save", "-o"])
        .arg(&out_tar)
        .arg("localhost/stdin/gz:1")
        .ok();
    podman(&env).args(["load", "-i"]).arg(&out_tar).ok();
    let theirs = podman(&env)
        .args([
            "image",
            "inspect",
            "--format",
            "{{.Id}}",
            "localhost/stdin/gz:1",
        ])
        .ok();
    assert_eq!(theirs.stdout.trim(), berth_id(&env, "localhost/stdin/gz:1"));
}

#[test]
fn image_prune_removes_dangling_images_and_with_all_every_image() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    let layer_dirs = || -> BTreeSet<String> {
        fs::read_dir(env.root().join("overlay"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "l")
            .collect()
    };
    assert_eq!(layer_dirs().len(), 5, "one base and four small layers");
    // Make a second dangling image: b loses its only name.
    env.berth(["untag", NAME_B]).ok();
    let out = env.berth(["image", "prune", "-f"]).ok();
    let mut got: Vec<&str> = out.lines();
    got.sort();
    let mut want = vec![
        f.b.id().hex().to_string(),
        f.dangling.id().hex().to_string(),
    ];
    want.sort();
    assert_eq!(got, want);
    let out = env.berth(["images", "-q"]).ok();
    assert_eq!(out.lines(), [short(&f.c), short(&f.a)]);
    assert_eq!(
        layer_dirs().len(),
        3,
        "the pruned images' own layers are gone"
    );
    env.berth(["system", "check"]).ok();
    // Nothing left to prune.
    let out = env.berth(["image", "prune", "-f"]).ok();
    assert_eq!(out.lines().len(), 0, "{}", out.stdout);

    let out = env.berth(["image", "prune", "-a", "-f"]).ok();
    assert_eq!(out.lines().len(), 2, "{}", out.stdout);
    assert_eq!(env.berth(["images", "-q"]).ok().lines().len(), 0);
    assert!(layer_dirs().is_empty(), "{:?}", layer_dirs());
    // Without -f and with no answer on stdin, nothing is removed.
    berth_load(
        &env,
        &docker_archive(&env, "a.tar", std::slice::from_ref(&f.a)),
    );
    env.berth(["image", "prune", "-a"]).ok();
    assert_eq!(env.berth(["images", "-q"]).ok().lines(), [short(&f.a)]);
}

#[test]
fn image_exists_exits_0_or_1() {
    let env = TestEnv::new();
    // No store at all yet.
    env.berth(["image", "exists", NAME_A]).fails(1);
    let f = four();
    f.load(&env);
    for name in [
        NAME_A,
        "app/a:1",
        "cee",
        "docker.io/library/cee:latest",
        &short(&f.b),
        &f.b.id().to_string(),
    ] {
        env.berth(["image", "exists", name]).ok();
    }
    for name in ["localhost/app/a:2", "nope", "0123456789ab"] {
        env.berth(["image", "exists", name]).fails(1);
    }
    env.berth(["rmi", NAME_A]).ok();
    env.berth(["image", "exists", NAME_A]).fails(1);
}

#[test]
fn system_df_prune_and_reset() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    // Each layer counted once, although all four images use the base.
    let unique: usize = busybox_rootfs_tar().len()
        + [&f.a, &f.b, &f.c, &f.dangling]
            .iter()
            .map(|s| s.layers[1].tar.len())
            .sum::<usize>();
    let df = env.berth(["system", "df", "--format", "json"]).ok().json();
    let images = df
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Type"] == "Images")
        .unwrap_or_else(|| panic!("no Images row: {df:#}"));
    assert_eq!(images["Total"], 4, "{df:#}");
    assert_eq!(images["Size"], json!(unique), "{df:#}");
    let out = env.berth(["system", "df"]).ok();
    let head: Vec<&str> = out.lines()[0].split_whitespace().collect();
    assert_eq!(head, ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]);
    assert!(out.lines()[1].starts_with("Images"), "{}", out.stdout);

    // system prune: the dangling image and the layers only it used.
    let out = env.berth(["system", "prune", "-f"]).ok();
    assert!(out.stdout.contains(f.dangling.id().hex()), "{}", out.stdout);
    assert!(
        out.stdout.contains("Total reclaimed space:"),
        "{}",
        out.stdout
    );
    assert_eq!(
        env.berth(["images", "-q"]).ok().lines(),
        [short(&f.c), short(&f.b), short(&f.a)]
    );
    env.berth(["system", "check"]).ok();
    let df = env.berth(["system", "df", "--format", "json"]).ok().json();
    assert_eq!(
        df[0]["Size"],
        json!(unique - f.dangling.layers[1].tar.len())
    );

    // system reset: nothing is left but the two lock files (see
    // ops::system::reset), and the store works again afterwards.
    env.berth(["system", "reset", "-f"]).ok();
    let mut left: Vec<String> = fs::read_dir(env.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["index.lock", "store.lock"],
        "{:?}",
        store_listing(&env.root())
    );
    assert_eq!(env.berth(["images", "-q"]).ok().lines().len(), 0);
    berth_load(
        &env,
        &docker_archive(&env, "a.tar", std::slice::from_ref(&f.a)),
    );
    assert_eq!(env.berth(["images", "-q"]).ok().lines(), [short(&f.a)]);
}

#[test]
fn info_and_version_describe_berth_and_its_store() {
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    let out = env.berth(["info"]).ok();
    assert!(
        out.stdout.contains(&env.root().display().to_string()),
        "{}",
        out.stdout
    );
    let info = env.berth(["info", "--format", "json"]).ok().json();
    assert!(
        info["host"].is_object() && info["store"].is_object(),
        "{info:#}"
    );
    // The template berth's own help shows works as it does in Podman.
    let out = env.berth(["info", "--format", "{{.Store.GraphRoot}}"]).ok();
    assert_eq!(out.stdout.trim(), env.root().display().to_string());
    let out = env.berth(["info", "--format", "{{.Host.Arch}}"]).ok();
    assert_eq!(out.stdout.trim(), oci_arch());
    // The kernels berth is tested on mount overlay inside user namespaces
    // (5.11+); the probe must say so, not merely run.
    assert_eq!(
        info["store"]["overlayInUserNamespace"], "supported",
        "{info:#}"
    );
    assert!(
        info["host"]["kernel"]
            .as_str()
            .is_some_and(|k| !k.is_empty()),
        "{info:#}"
    );

    let out = env.berth(["version"]).ok();
    assert!(
        out.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        out.stdout
    );
    let out = env.berth(["version", "--format", "{{.Version}}"]).ok();
    assert_eq!(out.stdout, format!("{}\n", env!("CARGO_PKG_VERSION")));
    let v = env.berth(["version", "--format", "json"]).ok().json();
    assert_eq!(v["OsArch"], format!("linux/{}", oci_arch()));
}

/// `save -o` to a device (here /dev/null, as root) writes into it: the
/// write-beside-and-rename used for files must never replace the node.
#[test]
fn save_to_a_device_writes_to_it_and_never_replaces_it() {
    use std::os::unix::fs::FileTypeExt;
    let env = TestEnv::new();
    let f = four();
    f.load(&env);
    env.berth(["save", "-o", "/dev/null", NAME_A]).ok();
    let md = fs::metadata("/dev/null").unwrap();
    assert!(
        md.file_type().is_char_device(),
        "/dev/null was replaced: {md:?}"
    );
    let leftovers: Vec<_> = fs::read_dir("/dev")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".berth-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
