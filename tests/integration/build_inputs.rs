//! `build --build-context`: named contexts (a directory, an image, an OCI
//! layout) in FROM, COPY --from and RUN --mount=from, over a stage or an
//! image of the same name.

use crate::identity::*;
use crate::util::*;
use std::fs;

const DOCKERFILE: &str = "\
FROM pinned AS tools
RUN echo from-stage > /which

FROM pinned
COPY --from=docs guide.txt /guide.txt
RUN --mount=from=docs,target=/docs cat /docs/guide.txt > /mounted.txt
COPY --from=layout /marker /layout-marker
RUN --mount=from=layout,target=/layout cat /layout/marker > /mounted-marker
COPY --from=tools /which /which
";

#[test]
fn named_contexts_stand_for_stages_and_images() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
    let docs = env.join("docs");
    fs::create_dir_all(&docs).unwrap();
    fs::write(docs.join("guide.txt"), "the guide\n").unwrap();
    let tools = env.join("tools");
    fs::create_dir_all(&tools).unwrap();
    fs::write(tools.join("which"), "from-context\n").unwrap();
    // An OCI layout of an image of its own, tagged v1, made by skopeo.
    let marked = env.join("marked");
    fs::create_dir_all(&marked).unwrap();
    fs::write(
        marked.join("Dockerfile"),
        format!("FROM {IMG}\nRUN echo layout > /marker\n"),
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "marked"]).arg(&marked).ok();
    let archive = env.join("img.tar");
    env.berth(["save", "-o"]).arg(&archive).arg("marked").ok();
    env.berth(["rmi", "marked"]).ok();
    let listed = env.berth(["images", "-q"]).ok().stdout;
    let layout = env.join("layout");
    skopeo(["copy", "-q"])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(format!("oci:{}:v1", layout.display()))
        .ok();

    let contexts = [
        format!("pinned=docker-image://{IMG}"),
        format!("docs={}", docs.display()),
        format!("layout=oci-layout://{}:v1", layout.display()),
        format!("tools={}", tools.display()),
    ];
    let mut cmd = env.berth(["build", "-t", "named"]);
    for c in &contexts {
        cmd = cmd.arg("--build-context").arg(c);
    }
    let out = cmd.arg(&ctx).ok();
    // The stage the tools context stands for is not built.
    assert!(!out.stdout.contains("from-stage"), "{}", out.stdout);
    let files = env
        .berth([
            "run",
            "--rm",
            "named",
            "cat",
            "/guide.txt",
            "/mounted.txt",
            "/which",
        ])
        .ok()
        .stdout;
    assert_eq!(files, "the guide\nthe guide\nfrom-context\n");
    let marks = env
        .berth([
            "run",
            "--rm",
            "named",
            "cat",
            "/layout-marker",
            "/mounted-marker",
        ])
        .ok()
        .stdout;
    assert_eq!(marks, "layout\nlayout\n");
    // The layout's image is build input: not listed as an image.
    let now = env.berth(["images", "-q"]).ok().stdout;
    let new: Vec<&str> = now.lines().filter(|l| !listed.contains(l)).collect();
    assert_eq!(new.len(), 1, "only the built image is new: {now}");

    // Without the tools context, the name means the stage again.
    let mut cmd = env.berth(["build", "-t", "staged"]);
    for c in &contexts[..3] {
        cmd = cmd.arg("--build-context").arg(c);
    }
    let out = cmd.arg(&ctx).ok();
    assert!(out.stdout.contains("from-stage"), "{}", out.stdout);
    let which = env.berth(["run", "--rm", "staged", "cat", "/which"]).ok();
    assert_eq!(which.stdout, "from-stage\n");

    // Bad input: one line each, exit 125, and the store as it was.
    let before = env.berth(["images", "-aq"]).ok().stdout;
    let dir_as_image = env.join("dir-from");
    fs::create_dir_all(&dir_as_image).unwrap();
    fs::write(dir_as_image.join("Dockerfile"), "FROM docs\n").unwrap();
    for (args, says) in [
        (
            vec![
                "--build-context".to_string(),
                format!("docs={}", docs.display()),
                dir_as_image.display().to_string(),
            ],
            "is a directory",
        ),
        (
            vec![
                "--build-context".to_string(),
                "docs=/nonexistent/dir".to_string(),
                ctx.display().to_string(),
            ],
            "not a directory",
        ),
        (
            vec![
                "--build-context".to_string(),
                "docs=https://example.invalid/docs.tar".to_string(),
                ctx.display().to_string(),
            ],
            "are supported",
        ),
        (
            vec![
                "--build-context".to_string(),
                format!("layout=oci-layout://{}:v2", layout.display()),
                "--build-context".to_string(),
                format!("pinned=docker-image://{IMG}"),
                "--build-context".to_string(),
                format!("docs={}", docs.display()),
                ctx.display().to_string(),
            ],
            "no image v2",
        ),
    ] {
        let out = env.berth(["build", "-q"]).args(&args).fails(125);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert_eq!(env.berth(["images", "-aq"]).ok().stdout, before);
    }
}
